# Figure "paired": each setting's paired difference from the reference setting on the same
# seeds, mean with its 95 % CI; filled where the CI excludes 0, open where it does not.
# data.dat: rows "index mean ci95 significant label".
load scripts.'/common.gp'
set key outside below center horizontal
set xlabel xlabel_text
set ylabel ylabel_text
set xrange [-0.7:npoints - 0.3]
set yrange [-yspan:yspan]
set xtics rotate by -45 font ',9'
set arrow from graph 0, first 0 to graph 1, first 0 nohead dashtype 2 lc rgb 'gray40'
plot dir.'/data.dat' using 1:(NaN):xtic(5) with points notitle, \
     dir.'/data.dat' using 1:($4 == 1 ? $2 : NaN):3 with yerrorbars pt 7 ps 1.2 lw 2 lc rgb '#d7191c' title 'CI excludes 0', \
     dir.'/data.dat' using 1:($4 == 0 ? $2 : NaN):3 with yerrorbars pt 6 ps 1.2 lw 2 lc rgb '#2c7bb6' title 'CI includes 0'
