#!/usr/bin/env bash
# Draws docs/img/calib-cpu.png from a stored calibration: per receive path, CPU per second and
# socket against the rate per socket (1460-byte segments, one HAVE a second, the path's usual
# clock): measured (points: the median of each point's repetitions), the simulator on the same
# traffic (lines through its medians, averaged over the connection counts at a rate) and on the
# held-out points (crosses).  The idle receiver's CPU (the fitted base) is taken off first.
# And OUT-resid.png: the relative error of the fitted model and of the simulator per path.
# usage: tools/calib_figure.sh DB ID OUT.png
set -eu
db=$1; id=$2; out=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
paths="erl_passive erl_active erl_packet4 c_blocking c_epoll c_hdrbody"
for p in $paths; do
    # medians over repetitions: SQLite has no median, so take the middle row of each item
    sqlite3 -separator ' ' "$db" "
      WITH base AS (SELECT ns FROM calib_coefs WHERE calibration_id = $id AND path = '$p' AND feature = 'base'),
      pts AS (SELECT item, role, conns, rate_Bps, cpu_ns / window_s AS y, sim_ns / window_s AS s
              FROM calib_points
              WHERE calibration_id = $id AND path = '$p' AND role IN ('fit', 'holdout') AND mss = 1460
                AND have_hz = 1 AND clock = (CASE WHEN '$p' LIKE 'erl%' THEN 'localtime' ELSE 'mono' END)),
      ym AS (SELECT item, y, row_number() OVER (PARTITION BY item ORDER BY y) AS k, count(*) OVER (PARTITION BY item) AS n FROM pts),
      sm AS (SELECT item, s, row_number() OVER (PARTITION BY item ORDER BY s) AS k, count(*) OVER (PARTITION BY item) AS n FROM pts)
      SELECT DISTINCT pts.rate_Bps, pts.role,
             (ym.y - (SELECT ns FROM base)) / pts.conns / 1e3,
             coalesce((sm.s - (SELECT ns FROM base)) / pts.conns / 1e3, 'NaN')
      FROM pts JOIN ym ON ym.item = pts.item AND ym.k = (ym.n + 1) / 2
               JOIN sm ON sm.item = pts.item AND sm.k = (sm.n + 1) / 2
      ORDER BY pts.rate_Bps;" > "$tmp/$p.dat"
done
cmd="set terminal pngcairo size 1100,700 font ',10'; set output '$out';
set logscale xy; set xlabel 'rate per socket, B/s'; set ylabel 'CPU per socket, µs per s (idle receiver taken off)';
set key top left noenhanced; set grid;
set title 'Receive-path CPU on this machine: measured (dots, medians), simulator on the same traffic (lines; crosses: held-out points)';
plot "
i=1
for p in $paths; do
    [ -s "$tmp/$p.dat" ] || { i=$((i + 1)); continue; }
    cmd="$cmd '$tmp/$p.dat' using 1:(\$3 > 0 ? \$3 : 1/0) with points pt 7 ps 0.6 lc $i notitle,
         '$tmp/$p.dat' using 1:(\$4 > 0 ? \$4 : 1/0) smooth unique with lines lw 1.5 lc $i title '$p',
         '$tmp/$p.dat' using 1:(strcol(2) eq 'holdout' && \$4 > 0 ? \$4 : 1/0) with points pt 2 ps 1.3 lc $i notitle,"
    i=$((i + 1))
done
gnuplot -e "${cmd%,}"
echo "wrote $out"

# The residuals, relative to the measured CPU (floored at 0.1 ms/s), every repetition, against the
# rate per socket, one panel per path: the fitted model on the counts each fit point measured
# (dots) and the simulator on the traffic each held-out point's sender recorded (crosses: what the
# 20 % tolerance is about).
resid=${out%.png}-resid.png
for p in $paths; do
    sqlite3 -separator ' ' "$db" "
      SELECT rate_Bps * (1 + 0.08 * (rep - 1)), role,
             CASE role WHEN 'fit' THEN fit_ns ELSE sim_ns END / max(cpu_ns, 1e5 * window_s) - cpu_ns / max(cpu_ns, 1e5 * window_s)
      FROM calib_points WHERE calibration_id = $id AND path = '$p'
        AND ((role = 'fit' AND fit_ns IS NOT NULL) OR (role = 'holdout' AND sim_ns IS NOT NULL))
      ORDER BY rate_Bps;" > "$tmp/$p.res"
done
cmd="set terminal pngcairo size 1200,700 font ',9'; set output '$resid';
set multiplot layout 2,3 title 'Relative error of the model: fitted model on the fit points (dots), simulator on the held-out points (crosses); every repetition';
set logscale x; set yrange [-0.8:0.8]; set grid; set xlabel 'rate per socket, B/s'; set ylabel '(model - measured) / measured';
set key noenhanced; set termoption noenhanced;"
for p in $paths; do
    [ -s "$tmp/$p.res" ] || continue
    cmd="$cmd set title '$p';
         plot '$tmp/$p.res' using 1:(strcol(2) eq 'fit' ? \$3 : 1/0) with points pt 7 ps 0.5 lc 1 notitle,
              '$tmp/$p.res' using 1:(strcol(2) eq 'holdout' ? \$3 : 1/0) with points pt 2 ps 0.9 lc 7 notitle,
              0.2 with lines dt 2 lc 0 notitle, -0.2 with lines dt 2 lc 0 notitle, 0 with lines lc 0 notitle;"
done
gnuplot -e "$cmd unset multiplot"
echo "wrote $resid"
