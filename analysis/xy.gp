# Figure "xy": one metric against another per parameter point (mean with 95 % CI bars both
# ways), one line per value of a key, points joined in the order of a swept key and labelled.
# data.dat: one block (gnuplot index) per line, rows "x y xci yci label".
load scripts.'/common.gp'
set key outside below center horizontal
set xlabel xlabel_text
set ylabel ylabel_text
if (hline == hline) {
    set arrow from graph 0, first hline to graph 1, first hline nohead dashtype 3 lw 1.5 lc rgb '#d7191c'
    set label 2 hline_label at graph 0.01, first hline offset 0, 0.6 left textcolor rgb '#d7191c' font ',10'
}
set offsets graph 0.03, graph 0.08, graph 0.05, graph 0.05
if (labels) {
    plot for [i=0:nblocks-1] dir.'/data.dat' index i using 1:2:3:4 with xyerrorlines lw 2 pt 7 ps 0.9 lc i+1 title word(titles, i+1), \
         for [i=0:nblocks-1] dir.'/data.dat' index i using 1:2:5 with labels offset 0.6, 0.6 left font ',8' tc lt i+1 notitle
} else {
    plot for [i=0:nblocks-1] dir.'/data.dat' index i using 1:2:3:4 with xyerrorlines lw 2 pt 7 ps 0.9 lc i+1 title word(titles, i+1)
}
