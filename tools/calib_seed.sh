#!/usr/bin/env bash
# The etorrent seed's CPU questions answered with a calibration's costs (Erlang profile, one rate
# update per complete message as etorrent did): per rate per socket, the CPU of always-passive,
# always-{packet,4} and etorrent's 16000 / 4000 B/s rule, passive / packet4, and the rating code's
# share of the CPU with each clock and the Amdahl bound 1 / (1 - share); then the same in the
# default swarm.  First the measured side: passive / packet4 on real sockets, from the
# calibration's own points.  Prints markdown tables (docs/experiments.md, "The seed with
# calibrated costs").
# usage: [RATE_GRANULARITY=per_chunk] tools/calib_seed.sh [CALIBRATION_ID [CALIB_DB]]   (0: calib/shipped)
set -eu
cal=${1:-0}
gran=${RATE_GRANULARITY:-per_message}   # per_chunk: an update per read, the seed's premise
bin=${RATELAB:-./ratelab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/seed.db
if [ "$cal" = 0 ]; then
    cdb=$tmp/calib.db
    sqlite3 "$cdb" ".import --csv calib/shipped/points.csv calib_points" ".import --csv calib/shipped/coefficients.csv calib_coefs"
    cid=$(sqlite3 "$cdb" 'SELECT min(calibration_id) FROM calib_points')
    sqlite3 "$cdb" "ALTER TABLE calib_coefs ADD COLUMN calibration_id; UPDATE calib_coefs SET calibration_id = $cid;"
else
    cdb=${2:-results/calib.db}
    cid=$cal
fi

# Measured: the median of each point's repetitions, etorrent's clock, full segments, a HAVE a
# second; the ratio of the totals and of the CPU above each idle receiver's (the fitted base).
echo "| rate per socket, B/s | connections | role | passive, ms/s | {packet,4}, ms/s | passive / packet4 | the same above the idle VM |"
echo "|---|---|---|---|---|---|---|"
sqlite3 -separator ' | ' "$cdb" "
WITH pts AS (SELECT path, item, role, rate_Bps AS rate, conns, CAST(cpu_ns AS REAL) / window_s AS y FROM calib_points
             WHERE calibration_id = $cid AND role IN ('fit', 'holdout') AND CAST(mss AS INT) = 1460
               AND CAST(have_hz AS REAL) = 1 AND clock = 'localtime' AND path IN ('erl_passive', 'erl_packet4')),
k AS (SELECT *, row_number() OVER (PARTITION BY item ORDER BY y) AS i, count(*) OVER (PARTITION BY item) AS n FROM pts),
med AS (SELECT path, role, CAST(rate AS REAL) AS rate, CAST(conns AS INT) AS conns, avg(y) AS y FROM k
        WHERE i IN ((n + 1) / 2, (n + 2) / 2) GROUP BY item),
base AS (SELECT path, CAST(ns AS REAL) AS ns FROM calib_coefs WHERE calibration_id = $cid AND feature = 'base')
SELECT printf('%.0f', a.rate), a.conns, a.role, printf('%.1f', a.y / 1e6), printf('%.1f', b.y / 1e6),
       printf('%.2f', a.y / b.y),
       printf('%.2f', (a.y - (SELECT ns FROM base WHERE path = 'erl_passive')) / (b.y - (SELECT ns FROM base WHERE path = 'erl_packet4')))
FROM med a JOIN med b ON a.path = 'erl_passive' AND b.path = 'erl_packet4' AND a.rate = b.rate AND a.conns = b.conns
ORDER BY a.rate, a.conns;" | sed 's/^/| /; s/$/ |/'
echo
echo "(measured on real sockets: calibration $cid's points, the receiver's CPU per second, medians of the repetitions)"
echo
common=(--vary policy=passive,packet4,etorrent2010 --vary rate_clock=localtime,mono
        --set cpu_calibration="$cal" --set cpu_profile=erlang --set rate_granularity="$gran"
        --series none --db "$db")
# 10 peers all sending at one rate, without reciprocity (each sends at its cap all run long), no
# late or stepping peers: the rate per socket is the cap.
nice -n 10 "$bin" sweep scenarios/etorrent_dynamic.ini --vary cap_min_Bps=1000,2000,8000,32000,128000,512000 \
    --set cap_dist=fixed --set n_peers=10 --set late_share=0 --set step_share=0 --set reciprocity=0 \
    --set duration_s=120 --set warmup_s=20 --seeds 3 "${common[@]}" > /dev/null
# The default swarm: 40 peers of 2 kB/s-2 MB/s (log-uniform), late and stepping peers, reciprocity.
nice -n 10 "$bin" sweep scenarios/etorrent_dynamic.ini --seeds 5 "${common[@]}" > /dev/null

# One row per run: its rate (0: the default swarm), policy, clock and the metrics used; then the
# means over seeds per point.
sqlite3 -separator ' | ' "$db" "
WITH r AS (
  SELECT ru.id,
    CASE (SELECT text FROM params WHERE run_id = ru.id AND key = 'cap_dist') WHEN 'fixed'
         THEN (SELECT num FROM params WHERE run_id = ru.id AND key = 'cap_min_Bps') ELSE 0 END AS rate,
    (SELECT text FROM params WHERE run_id = ru.id AND key = 'policy') AS pol,
    (SELECT text FROM params WHERE run_id = ru.id AND key = 'rate_clock') AS clk,
    (SELECT num FROM params WHERE run_id = ru.id AND key = 'n_peers') AS peers,
    (SELECT value FROM metrics WHERE run_id = ru.id AND name = 'cpu_us_per_s') AS cpu,
    (SELECT value FROM metrics WHERE run_id = ru.id AND name = 'cpu_us_per_s_base') AS base,
    (SELECT value FROM metrics WHERE run_id = ru.id AND name = 'rate_cpu_share') AS share,
    (SELECT value FROM metrics WHERE run_id = ru.id AND name = 'down_goodput_kBps') AS down
  FROM runs ru WHERE ru.failure IS NULL),
m AS (SELECT rate, pol, clk, avg(cpu) AS cpu, avg(share) AS share,
             avg(share * cpu / (cpu - base)) AS share_traffic, avg(down * 1e3 / peers) AS per_sock, count(*) AS n
      FROM r GROUP BY rate, pol, clk),
w AS (SELECT rate,
    max(CASE WHEN pol = 'passive' AND clk = 'localtime' THEN per_sock END) AS per_sock,
    max(CASE WHEN pol = 'passive' AND clk = 'localtime' THEN cpu END) AS pa_lt,
    max(CASE WHEN pol = 'packet4' AND clk = 'localtime' THEN cpu END) AS p4_lt,
    max(CASE WHEN pol = 'etorrent2010' AND clk = 'localtime' THEN cpu END) AS et_lt,
    max(CASE WHEN pol = 'passive' AND clk = 'mono' THEN cpu END) AS pa_mo,
    max(CASE WHEN pol = 'packet4' AND clk = 'mono' THEN cpu END) AS p4_mo,
    max(CASE WHEN pol = 'etorrent2010' AND clk = 'mono' THEN cpu END) AS et_mo,
    max(CASE WHEN pol = 'etorrent2010' AND clk = 'localtime' THEN share END) AS sh_lt,
    max(CASE WHEN pol = 'etorrent2010' AND clk = 'localtime' THEN share_traffic END) AS st_lt,
    max(CASE WHEN pol = 'etorrent2010' AND clk = 'mono' THEN share END) AS sh_mo,
    max(CASE WHEN pol = 'etorrent2010' AND clk = 'mono' THEN share_traffic END) AS st_mo,
    min(n) AS n
  FROM m GROUP BY rate)
SELECT CASE WHEN rate > 0 THEN printf('%d', rate) ELSE 'default swarm' END,
       printf('%.0f', per_sock), printf('%.0f', pa_lt), printf('%.0f', p4_lt), printf('%.0f', et_lt),
       printf('%.2f', pa_lt / p4_lt), printf('%.2f', pa_mo / p4_mo),
       printf('%.2f', et_lt / pa_lt), printf('%.2f', et_lt / p4_lt),
       printf('%.1f %% (%.1f %%)', 100 * sh_lt, 100 * st_lt), printf('%.3f', 1 / (1 - sh_lt)),
       printf('%.1f %% (%.1f %%)', 100 * sh_mo, 100 * st_mo), printf('%.3f', 1 / (1 - sh_mo)), n
FROM w ORDER BY rate = 0, rate;" > "$tmp/rows"

echo "| rate per socket, B/s (asked) | received per socket, B/s | passive, µs/s | {packet,4}, µs/s |" \
     "16000/4000 rule, µs/s | passive / packet4 (local time) | passive / packet4 (monotonic) |" \
     "rule / passive | rule / packet4 | rating share, local time (of the traffic's) | Amdahl bound |" \
     "rating share, monotonic (of the traffic's) | Amdahl bound | seeds |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
sed 's/^/| /; s/$/ |/' "$tmp/rows"
echo
echo "CPU: the receiving process's modelled CPU per simulated second (the Erlang VM's base included),"
echo "with the pre-2013 calendar:local_time() clock; the ratios with each clock; rating share: the rate"
echo "updates' share of the rule's CPU (in brackets: of the CPU above the idle VM's base).  Calibration"
echo "$cal ($("$bin" --version)), rate_granularity = $gran, means over the seeds; 120-s runs of 10 peers (the default swarm: 180 s, 40 peers)."
