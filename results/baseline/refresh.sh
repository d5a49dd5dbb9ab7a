#!/bin/sh
# Rebuilds the committed regression baseline (baseline.sql) with the current build: a few short
# runs of each canonical scenario.  Review `git diff --stat` and commit it saying why it moved.
set -eu
cd "$(dirname "$0")/../.."
RATELAB=${RATELAB:-./ratelab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/baseline.db

# The regimes where a model change moves a decision, each short (regress re-runs all of them):
# asym_link: download alone and with an upload limited to half the line; a saturating upload
# against the download with a short and a long modem FIFO (the congested, ACK-starved cases).
$RATELAB sweep scenarios/asym_link.ini --vary n_up=0,1 --seeds 3 \
    --set up_limit_kbps=64 --set duration_s=20 --set warmup_s=2 --db "$db"
$RATELAB sweep scenarios/asym_link.ini --vary modem_queue_pkts=10,100 --seeds 3 \
    --set n_up=1 --set up_limit_kbps=0 --set duration_s=30 --set warmup_s=5 --db "$db"
# etorrent: the hi/lo controller at etorrent's marks and every socket passive, in the default
# swarm and in the slow swarm where the unchoke boundary falls between the marks.
$RATELAB sweep scenarios/etorrent_dynamic.ini --vary policy=hysteresis,passive --seeds 3 \
    --set n_peers=10 --set duration_s=40 --set warmup_s=5 --set late_from_s=5 --set late_to_s=30 \
    --set step_from_s=5 --set step_to_s=30 --db "$db"
$RATELAB sweep scenarios/etorrent_slow.ini --vary policy=hysteresis,passive --seeds 3 \
    --set duration_s=60 --set warmup_s=10 --set late_from_s=10 --set late_to_s=50 \
    --set step_from_s=10 --set step_to_s=50 --db "$db"
# xtreme: the three upload policies below and above the 80 % rule (50 % and 95 % of the 576
# kbit/s upstream: 35.15625 and 66.796875 KB/s) on ADSL with ATM cells and Ethernet-framed.
for line in xtreme_adsl xtreme_adsl_eth; do
    $RATELAB sweep scenarios/$line.ini --vary upload_policy=official,xtreme,nafc \
        --vary upload_limit_kBps=35.15625,66.796875 --seeds 3 --set duration_s=40 --set warmup_s=10 --db "$db"
done

# Scalar metrics are what regress compares; series and per-entity rows only add bulk.
sqlite3 "$db" "DELETE FROM series; DELETE FROM entity_metrics; VACUUM;"
# The manifest (counts and a checksum over every row) lets regress refuse a damaged or cut dump.
$RATELAB baseline "$db"
{ echo "PRAGMA user_version=$(sqlite3 "$db" 'PRAGMA user_version');"; sqlite3 "$db" .dump; } > results/baseline/baseline.sql
echo "results/baseline/baseline.sql: $(sqlite3 "$db" 'SELECT count(*) FROM runs') runs of $($RATELAB --version)"
