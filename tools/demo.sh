#!/usr/bin/env bash
# make demo: the sweeps that answer the two questions (which hi/lo marks, which upload limit per
# line type), a sensitivity screening of each experiment, and results/demo/report.html.
# A few minutes on 2 cores; a second run reuses every run already stored (sweeps resume).
set -euo pipefail
cd "$(dirname "$0")/.."
R=./ratelab
OUT=results/demo
mkdir -p "$OUT"
VERSION=$($R --version)
SEEDS=${DEMO_SEEDS:-6}             # etorrent marks: seeds per point (paired across marks)
XSEEDS=${DEMO_XTREME_SEEDS:-6}     # xtreme limits: seeds per point (paired with the solo runs and across policies)
SLOT_SEEDS=${DEMO_SLOT_SEEDS:-6}   # xtreme slot speeds: seeds per point
START=$(date +%s)

# A database written by another build is moved aside: its runs cannot be mixed with ours.
fresh_db() {
    local db=$1 old
    if [ -f "$db" ]; then
        old=$(sqlite3 "$db" "SELECT group_concat(DISTINCT code_version) FROM runs" 2>/dev/null || echo "?")
        if [ -n "$old" ] && [ "$old" != "$VERSION" ]; then
            echo "demo: $db holds runs of $old, this build is $VERSION: moving it to $db.old"
            mv -f "$db" "$db.old"
            rm -f "$db-wal" "$db-shm"
        fi
    fi
}

# The scenario file is how an experiment ships; without it the sweep is skipped.
have() {
    if [ -f "scenarios/$1.ini" ]; then return 0; fi
    echo "demo: scenarios/$1.ini not found; skipping the $2 sweep"
    return 1
}

plot() { $R plot "$@" || echo "demo: figure '$2' not drawn (see the message above)"; }

# A key's value in a scenario file (the line type's upstream rate).
ini_value() { sed -n "s/^$2 *= *//p" "scenarios/$1.ini" | head -1; }

# Upload limits in KB/s (1024 B) at the given percentages of an upstream rate in kbit/s.
limits_at() {
    local up=$1; shift
    for p in "$@"; do awk -v u="$up" -v p="$p" 'BEGIN { printf "%.6g\n", u * p / 819.2 }'; done | paste -sd, -
}

echo "== demo: ratelab $VERSION; databases, figures and report.html in $OUT/"

if have asym_link "asym_link"; then
    db=$OUT/asym_link.db
    fresh_db "$db"
    echo "-- asym_link: a rate-limited upload against one download on a 1024/128 kbit/s line"
    $R sweep scenarios/asym_link.ini --vary up_limit_kbps=16:112:16 --vary modem_queue_pkts=5,15,50 \
        --seeds 3 --set n_up=1 --set duration_s=60 --set warmup_s=10 --db "$db"
    plot "$db" upload_stack --where 'up_limit_kbps == 112 && modem_queue_pkts == 50' \
        --out "$OUT/asym_link-upload_stack"
fi

# Experiment A: the hi/lo grid in the swarm profiles where the unchoke boundary falls between
# the marks, for the seed's per-chunk rate updates, etorrent as built (per_message) and the
# etorrent_ns estimator.
db=$OUT/etorrent.db
fresh_db "$db"
for profile in etorrent_slow etorrent_fewpeers etorrent_manyslots; do
    have "$profile" "etorrent marks" || continue
    echo "-- etorrent: hi/lo marks in profile $profile ($SEEDS seeds)"
    $R sweep "scenarios/$profile.ini" --vary hi_mark=1k:64k:x2 --vary lo_mark=250:16k:x2 \
        --where 'lo_mark <= hi_mark' --vary rate_granularity=per_chunk,per_message --seeds "$SEEDS" --db "$db"
    $R sweep "scenarios/$profile.ini" --vary hi_mark=1k:64k:x2 --vary lo_mark=250:16k:x2 \
        --where 'lo_mark <= hi_mark' --set rate_algo=etorrent_ns --seeds "$SEEDS" --db "$db"
done

# Experiment B: per line type and modem FIFO, the three policies over limits of 20-100 % of the
# line, and the same line without eMule's upload (the solo download the limit must protect).
db=$OUT/xtreme.db
sdb=$OUT/slots.db
fresh_db "$db"
fresh_db "$sdb"
for line in xtreme_adsl xtreme_adsl_eth xtreme_cable xtreme_sym; do
    have "$line" "xtreme limits" || continue
    up=$(ini_value "$line" up_kbps)
    echo "-- xtreme: limits on $line (upstream $up kbit/s)"
    $R sweep "scenarios/$line.ini" --vary modem_queue_pkts=20,40,100 --vary upload_policy=official,xtreme,nafc \
        --vary upload_limit_kBps="$(limits_at "$up" 20 30 40 50 60 70 80 90 100)" \
        --seeds "$XSEEDS" --set duration_s=60 --set warmup_s=20 --db "$db"
    $R sweep "scenarios/$line.ini" --vary modem_queue_pkts=20,40,100 --set dl_never_frac=1 --set dl_late_frac=0 \
        --seeds "$XSEEDS" --set duration_s=60 --set warmup_s=20 --db "$db"
    # 180-s runs: Xtreme promotes one Trickle per 5 s, so many slots take minutes to settle
    echo "-- xtreme: slot speeds on $line at 60 % of the line"
    $R sweep "scenarios/$line.ini" --set upload_limit_kBps="$(limits_at "$up" 60)" --vary slot_speed_kBps=2,3,4,5,6,8 \
        --seeds "$SLOT_SEEDS" --set duration_s=180 --set warmup_s=60 --db "$sdb"
done
if have xtreme_adsl "xtreme figures"; then
    plot "$db" upload_stack --where "scenario == 'xtreme_adsl' && upload_policy == 'nafc' && modem_queue_pkts == 40 && limit_pct_line == 80" \
        --out "$OUT/xtreme-upload_stack"
    plot "$sdb" slots --where "scenario == 'xtreme_adsl' && slot_speed_kBps == 4" --out "$OUT/xtreme-slots"
fi

# What moves each experiment's headline metric, and how much compared with a change of seed.
sens=$OUT/sensitivity.db
fresh_db "$sens"
if have xtreme_adsl "sensitivity"; then
    echo "-- sensitivity: xtreme download goodput"
    $R sensitivity scenarios/xtreme_adsl.ini --keys upload_limit_kBps,modem_queue_pkts,framing,delack_count,n_sources,voip_kBps,upload_policy \
        --metric down_goodput_kbps --trajectories 8 --set duration_s=60 --set warmup_s=20 --db "$sens" --out "$OUT/sensitivity-xtreme"
fi
if have etorrent_slow "sensitivity"; then
    echo "-- sensitivity: etorrent decision quality"
    $R sensitivity scenarios/etorrent_slow.ini --keys hi_mark,lo_mark,rate_granularity,rate_algo,n_peers,cap_max_Bps,upload_limit_kib \
        --range cap_max_Bps=3k:60k:log --range hi_mark=1k:64k:log --range lo_mark=250:1k:log \
        --metric unchoke_overlap --trajectories 8 --db "$sens" --out "$OUT/sensitivity-etorrent"
fi

echo "-- answers"
$R report "$OUT"/*.db --out "$OUT"
echo "== demo: $(( $(date +%s) - START )) s; open $OUT/report.html (figures as PNG and SVG next to it)"
