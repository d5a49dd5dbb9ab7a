# Per-peer cost figure of docs/performance.md: CPU per peer per simulated second against peers
# (log-log) with a power-law fit above 100 peers; ARG1 the data file, ARG2 the PNG to write.
set terminal pngcairo size 800,480 font ",10"
set output ARG2
set logscale xy
set xlabel "peers (scenario etorrent_swarm)" noenhanced
set ylabel "CPU per peer per simulated second, us"
set y2label "events per peer per simulated second"
set logscale y2
set ytics nomirror
set y2tics
set key top left
set grid
f(x) = a * x**b
a = 20; b = 0.3
set fit quiet logfile "/dev/null"
fit [100:10000] f(x) ARG1 using 1:2 via a, b
set title sprintf("etorrent per-peer cost: CPU = %.2f n^{%.2f} us above 100 peers (fit); events per peer on the right", a, b)
plot ARG1 using 1:2 with linespoints pt 7 title "CPU per peer-second (median of runs)", \
     f(x) with lines dt 2 title "power-law fit", \
     ARG1 using 1:3 axes x1y2 with linespoints pt 5 title "events per peer-second"
