# Figure "heatmap": one metric (mean across seeds) over a grid of two swept keys; each cell
# labelled with its value, grid positions labelled with the keys' values.
# data.dat: rows "xi yi mean label"; xtics_cmd / ytics_cmd name the positions.
load scripts.'/common.gp'
set xlabel xlabel_text
set ylabel ylabel_text
set cblabel zlabel_text
eval xtics_cmd
eval ytics_cmd
set xrange [-0.5:nx - 0.5]
set yrange [-0.5:ny - 0.5]
set palette defined (0 '#2c7bb6', 0.5 '#ffffbf', 1 '#d7191c')
if (reverse_palette) { set palette negative }
set key off
set grid noxtics noytics
plot dir.'/data.dat' using 1:2:($1 - 0.5):($1 + 0.5):($2 - 0.5):($2 + 0.5):3 with boxxy fc palette fs solid 1.0 noborder, \
     '' using 1:2:4 with labels font ',9'
