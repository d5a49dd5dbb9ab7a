# Figure "pareto": every parameter point as (mean of x metric, mean of y metric), the
# non-dominated front joined and labelled with its parameter values, the chosen point(s) marked.
# data.dat: "x y"; front.dat: "x y label" sorted by x; chosen.dat: "x y label".
load scripts.'/common.gp'
set key outside below center horizontal
set xlabel xlabel_text
set ylabel ylabel_text
set offsets graph 0.05, graph 0.15, graph 0.08, graph 0.05
if (has_chosen) {
    plot dir.'/data.dat' using 1:2 with points pt 7 ps 0.8 lc rgb 'gray60' title 'parameter points', \
         dir.'/front.dat' using 1:2 with linespoints lw 2 pt 7 ps 1.1 lc rgb '#2c7bb6' title 'Pareto front', \
         dir.'/front.dat' using 1:2:3 with labels offset 0.8, 0.7 left font ',8' notitle, \
         dir.'/chosen.dat' using 1:2 with points pt 6 ps 3 lw 2 lc rgb '#d7191c' title chosen_title, \
         dir.'/chosen.dat' using 1:2:3 with labels offset 0.8, -1.0 left font ',9' textcolor rgb '#d7191c' notitle
} else {
    plot dir.'/data.dat' using 1:2 with points pt 7 ps 0.8 lc rgb 'gray60' title 'parameter points', \
         dir.'/front.dat' using 1:2 with linespoints lw 2 pt 7 ps 1.1 lc rgb '#2c7bb6' title 'Pareto front', \
         dir.'/front.dat' using 1:2:3 with labels offset 0.8, 0.7 left font ',8' notitle
}
