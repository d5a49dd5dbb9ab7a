# Figure "sensitivity": per key two bars with 95 % intervals (Morris mu* and sigma, or Sobol
# S1 and ST), keys largest first, the seed-noise floor last.
# data.dat: rows "index v1 ci1 v2 ci2 label".
load scripts.'/common.gp'
set key outside below center horizontal
set ylabel ylabel_text
set xrange [-0.6:nbars - 0.4]
set yrange [0:*]
set xtics rotate by -30 font ',9'
set style fill solid 0.8 border -1
set boxwidth 0.35
plot dir.'/data.dat' using ($1 - 0.18):2:(0.35):xtic(6) with boxes lc rgb '#2c7bb6' title t1, \
     '' using ($1 - 0.18):2:3 with yerrorbars ps 0 lc rgb 'black' notitle, \
     '' using ($1 + 0.18):4:(0.35) with boxes lc rgb '#fdae61' title t2, \
     '' using ($1 + 0.18):4:5 with yerrorbars ps 0 lc rgb 'black' notitle
