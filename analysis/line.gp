# Figure "line": one metric against one swept key, one line per value of a second key, each
# point the mean across seeds with its 95 % confidence bar.
# data.dat: one block (gnuplot index) per line, rows "x mean ci95 xlabel".
load scripts.'/common.gp'
set xlabel xlabel_text
set ylabel ylabel_text
if (logx) { set logscale x }
if (mark80 == mark80) {
    set arrow from mark80, graph 0 to mark80, graph 1 nohead dashtype 2 lc rgb 'gray40'
    set label 1 '80 % of the line rate' at mark80, graph 0.97 offset 0.5, 0 left textcolor rgb 'gray30'
}
if (hline == hline) {
    set arrow from graph 0, first hline to graph 1, first hline nohead dashtype 3 lw 1.5 lc rgb '#d7191c'
    set label 2 hline_label at graph 0.01, first hline offset 0, 0.6 left textcolor rgb '#d7191c' font ',10'
}
set offsets graph 0.03, graph 0.03, graph 0.05, graph 0.05
if (textx) {
    plot for [i=0:nblocks-1] dir.'/data.dat' index i using 1:2:3:xtic(4) with yerrorlines lw 2 pt 7 ps 0.9 title word(titles, i+1)
} else {
    plot for [i=0:nblocks-1] dir.'/data.dat' index i using 1:2:3 with yerrorlines lw 2 pt 7 ps 0.9 title word(titles, i+1)
}
