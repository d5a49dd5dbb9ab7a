# Simulator against kernel on the validation grid (tools/validate.sh): one point per case and
# goodput, x the kernel's median with its min-max as error bars, y the simulator's median.
# Columns of datafile (validation/compare.sql, space-separated): case metric regime sim kernel
# kernel_min kernel_max kernel_runs sim_per_kernel verdict.
set terminal pngcairo size 900,800 font "sans,11"
set output outfile
set logscale xy
set xrange [1:200000]
set yrange [1:200000]
set xlabel "kernel goodput, kbit/s (median; bars: min-max of the repetitions)"
set ylabel "simulator goodput, kbit/s (median of 5 seeds)"
set title "asym_link validation grid: simulator against Linux TCP" noenhanced
set key top left
set grid
f(x) = x
plot f(x) with lines lc rgb "gray40" title "equal", \
     1.1*x with lines dt 2 lc rgb "gray60" title "±10 %", 0.9*x with lines dt 2 lc rgb "gray60" notitle, \
     1.5*x with lines dt 3 lc rgb "gray75" title "×1.5", x/1.5 with lines dt 3 lc rgb "gray75" notitle, \
     datafile using ($5 > 0 && $4 > 0 && strcol(2) eq "down" ? $5 : 1/0):4:6:7 with xerrorbars pt 7 ps 1 lc rgb "#1f77b4" title "download", \
     datafile using ($5 > 0 && $4 > 0 && strcol(2) eq "up" ? $5 : 1/0):4:6:7 with xerrorbars pt 5 ps 1 lc rgb "#d62728" title "upload"
