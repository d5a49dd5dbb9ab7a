#!/bin/sh
# Rebuilds the committed regression baseline (baseline.sql) with the current build: a few short
# runs of each canonical scenario.  Review `git diff --stat` and commit it saying why it moved.
set -eu
cd "$(dirname "$0")/../.."
RATELAB=${RATELAB:-./ratelab}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/baseline.db

# asym_link: download alone, and with a rate-limited upload competing for the uplink.
$RATELAB sweep scenarios/asym_link.ini --vary n_up=0,1 --seeds 3 \
    --set up_limit_kbps=64 --set duration_s=20 --set warmup_s=2 --db "$db"
# etorrent: the hi/lo controller at etorrent's marks, and every socket passive.
$RATELAB sweep scenarios/etorrent_dynamic.ini --vary policy=hysteresis,passive --seeds 3 \
    --set n_peers=10 --set duration_s=40 --set warmup_s=5 --set late_from_s=5 --set late_to_s=30 \
    --set step_from_s=5 --set step_to_s=30 --db "$db"
# xtreme: the three upload policies at one limit.
$RATELAB sweep scenarios/xtreme_adsl.ini --vary upload_policy=official,xtreme,nafc --seeds 3 \
    --set duration_s=40 --set warmup_s=10 --db "$db"

# Scalar metrics are what regress compares; series and per-entity rows only add bulk.
sqlite3 "$db" "DELETE FROM series; DELETE FROM entity_metrics; VACUUM;"
# The manifest (counts and a checksum over every row) lets regress refuse a damaged or cut dump.
$RATELAB baseline "$db"
{ echo "PRAGMA user_version=$(sqlite3 "$db" 'PRAGMA user_version');"; sqlite3 "$db" .dump; } > results/baseline/baseline.sql
echo "results/baseline/baseline.sql: $(sqlite3 "$db" 'SELECT count(*) FROM runs') runs of $($RATELAB --version)"
