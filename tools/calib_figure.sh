#!/usr/bin/env bash
# Draws docs/img/calib-cpu.png from a calibration: per receive path, the CPU per second and
# socket (idle receiver taken off) against the rate per socket, measured (points) and modelled
# (lines: the fitted costs on the measured counts; crosses: the simulator on held-out traffic).
# usage: tools/calib_figure.sh DB ID OUT.png
set -eu
db=$1; id=$2; out=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
paths="erl_passive erl_active erl_packet4 c_blocking c_epoll c_hdrbody"
for p in $paths; do
    sqlite3 -separator ' ' "$db" "
      WITH base AS (SELECT ns FROM calib_coefs WHERE calibration_id = $id AND path = '$p' AND feature = 'base')
      SELECT rate_Bps,
             (cpu_ns / window_s - (SELECT ns FROM base)) / conns / 1e3,
             (fit_ns / window_s - (SELECT ns FROM base)) / conns / 1e3,
             coalesce((sim_ns / window_s - (SELECT ns FROM base)) / conns / 1e3, 'NaN')
      FROM calib_points
      WHERE calibration_id = $id AND path = '$p' AND role IN ('fit', 'holdout') AND mss = 1460 AND have_hz = 1
        AND clock = (CASE WHEN '$p' LIKE 'erl%' THEN 'localtime' ELSE 'mono' END)
      ORDER BY rate_Bps, conns;" > "$tmp/$p.dat"
done
cmd="set terminal pngcairo size 1000,640 font ',10'; set output '$out';
set logscale xy; set xlabel 'rate per socket, B/s'; set ylabel 'CPU per socket, µs per s (idle receiver excluded)';
set key top left; set grid;
set title 'Receive-path CPU on this machine: measured (points), fitted model (lines), simulator on held-out traffic (x)';
plot "
i=1
for p in $paths; do
    [ -s "$tmp/$p.dat" ] || { i=$((i + 1)); continue; }
    cmd="$cmd '$tmp/$p.dat' using 1:(\$2 > 0 ? \$2 : 1/0) with points pt 7 ps 0.7 lc $i title '$p measured',
         '$tmp/$p.dat' using 1:(\$3 > 0 ? \$3 : 1/0) smooth unique with lines lc $i title '$p model',
         '$tmp/$p.dat' using 1:(\$4 > 0 ? \$4 : 1/0) with points pt 2 ps 1.2 lc $i notitle,"
    i=$((i + 1))
done
gnuplot -e "${cmd%,}"
echo "wrote $out"
