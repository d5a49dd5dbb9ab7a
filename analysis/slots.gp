# Figure "slots": upload slots of one run over time: Full and Trickle counts (top), each slot's
# speed against the target slot speed (bottom).
# counts.dat: "t full trickle"; speeds.dat: one block per slot "t kB/s"; target.dat: "t kB/s".
load scripts.'/common.gp'
set multiplot layout 2, 1 title title_text
unset title
# Fixed margins so both panels share one time axis.
set lmargin at screen 0.08
set rmargin at screen 0.80
set xlabel ''
set ylabel 'slots'
set yrange [0:*]
plot dir.'/counts.dat' using 1:2 with steps lw 2 lc rgb 'black' title 'Full', \
     '' using 1:3 with steps lw 2 lc rgb 'gray60' title 'Trickle'
set xlabel 'simulated time (s)'
set ylabel 'slot speed (kB/s)'
if (has_target) {
    plot for [i=0:nslots-1] dir.'/speeds.dat' index i using 1:2 with lines lw 1 title (i == 0 ? 'per-slot speed' : ''), \
         dir.'/target.dat' using 1:2 with lines lw 2 dashtype 2 lc rgb '#d7191c' title 'target'
} else {
    plot for [i=0:nslots-1] dir.'/speeds.dat' index i using 1:2 with lines lw 1 title (i == 0 ? 'per-slot speed' : '')
}
unset multiplot
