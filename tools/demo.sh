#!/usr/bin/env bash
# make demo: a small default sweep of each experiment and its decision figures, in results/demo/.
# A few minutes on 2 cores; a second run reuses every run already stored (sweeps resume).
set -euo pipefail
cd "$(dirname "$0")/.."
R=./ratelab
OUT=results/demo
mkdir -p "$OUT"
VERSION=$($R --version)
SEEDS=${DEMO_SEEDS:-3}

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

echo "== demo: ratelab $VERSION, $SEEDS seeds per point, databases and figures in $OUT/"

if have asym_link "asym_link"; then
    db=$OUT/asym_link.db
    fresh_db "$db"
    echo "-- asym_link: a rate-limited upload against one download on a 1024/128 kbit/s line"
    $R sweep scenarios/asym_link.ini --vary up_limit_kbps=16:112:16 --vary modem_queue_pkts=5,15,50 \
        --seeds "$SEEDS" --set n_up=1 --set duration_s=60 --set warmup_s=10 --db "$db"
    plot "$db" line --x up_limit_kbps --y down_goodput_kbps --by modem_queue_pkts \
        --out "$OUT/asym_link-down_goodput"
    plot "$db" heatmap --x up_limit_kbps --y modem_queue_pkts --z up_queue_delay_ms_mean \
        --out "$OUT/asym_link-queue_delay"
    plot "$db" upload_stack --where 'up_limit_kbps == 112 && modem_queue_pkts == 50' \
        --out "$OUT/asym_link-upload_stack"
fi

if have etorrent_dynamic "etorrent"; then
    db=$OUT/etorrent.db
    fresh_db "$db"
    echo "-- etorrent: the hi/lo socket-mode controller over a grid of marks"
    $R sweep scenarios/etorrent_dynamic.ini --set policy=hysteresis \
        --vary hi_mark=4k:64k:x2 --vary lo_mark=1k:16k:x2 --where 'lo_mark <= hi_mark' \
        --seeds "$SEEDS" --set duration_s=120 --set warmup_s=20 --set late_to_s=100 --set step_to_s=100 --db "$db"
    plot "$db" cpu_heatmap --out "$OUT/etorrent-cpu_heatmap"
    plot "$db" err_heatmap --out "$OUT/etorrent-err_heatmap"
    plot "$db" cpu_err_pareto --out "$OUT/etorrent-cpu_err_pareto"
fi

if have xtreme_adsl "xtreme"; then
    db=$OUT/xtreme.db
    fresh_db "$db"
    echo "-- xtreme: official, Xtreme and NAFC upload control against the upload limit"
    $R sweep scenarios/xtreme_adsl.ini --vary upload_policy=official,xtreme,nafc \
        --vary upload_limit_kBps=20:70:5 --seeds "$SEEDS" --db "$db"
    plot "$db" limit_goodput --out "$OUT/xtreme-limit_goodput"
    plot "$db" line --x upload_limit_kBps --y voip_delay_ms_p95 --by upload_policy \
        --out "$OUT/xtreme-voip_delay"
    plot "$db" slots --where "upload_policy == 'xtreme' && upload_limit_kBps == 45" --out "$OUT/xtreme-slots"
    plot "$db" upload_stack --where "upload_policy == 'nafc' && upload_limit_kBps == 45" \
        --out "$OUT/xtreme-upload_stack"
fi

echo "== demo: figures (PNG and SVG) in $OUT/:"
ls -1 "$OUT"/*.png 2>/dev/null | sed 's/^/   /' || echo "   (none)"
