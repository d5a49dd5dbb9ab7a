# Figure "upload_stack": the uplink of one run per second, stacked by byte class (data payload,
# control, TCP/IP headers, ACKs, cross-traffic) against the line capacity and configured limit.
# data.dat: "t data control header ack cross capacity limit" in kbit/s (limit NaN if none).
load scripts.'/common.gp'
set xlabel 'simulated time (s)'
set ylabel 'uplink (kbit/s on the wire)'
set yrange [0:*]
set style fill solid 0.85 noborder
if (has_limit) {
    plot dir.'/data.dat' using 1:($2 + $3 + $4 + $5 + $6) with filledcurves x1 lc rgb '#bdbdbd' title 'cross-traffic', \
         '' using 1:($2 + $3 + $4 + $5) with filledcurves x1 lc rgb '#fdae61' title 'ACKs', \
         '' using 1:($2 + $3 + $4) with filledcurves x1 lc rgb '#abd9e9' title 'TCP/IP headers', \
         '' using 1:($2 + $3) with filledcurves x1 lc rgb '#d7191c' title 'control', \
         '' using 1:2 with filledcurves x1 lc rgb '#2c7bb6' title 'data payload', \
         '' using 1:7 with lines lw 2 lc rgb 'black' title 'line capacity', \
         '' using 1:8 with lines lw 2 dashtype 2 lc rgb '#1a9641' title 'configured limit'
} else {
    plot dir.'/data.dat' using 1:($2 + $3 + $4 + $5 + $6) with filledcurves x1 lc rgb '#bdbdbd' title 'cross-traffic', \
         '' using 1:($2 + $3 + $4 + $5) with filledcurves x1 lc rgb '#fdae61' title 'ACKs', \
         '' using 1:($2 + $3 + $4) with filledcurves x1 lc rgb '#abd9e9' title 'TCP/IP headers', \
         '' using 1:($2 + $3) with filledcurves x1 lc rgb '#d7191c' title 'control', \
         '' using 1:2 with filledcurves x1 lc rgb '#2c7bb6' title 'data payload', \
         '' using 1:7 with lines lw 2 lc rgb 'black' title 'line capacity'
}
