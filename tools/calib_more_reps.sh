#!/usr/bin/env bash
# More repetitions of a stored calibration's held-out points, where noise dominates: copies
# calibration ID of DB (its measurements, micro-benchmarks and mechanisms) to a new calibration,
# measures REPS more repetitions of every held-out point in rounds that interleave the paths
# (`ratelab calibrate --measure`, not niced: CPU is measured; each line records the load; stdin is
# /dev/null, since the Erlang VM would otherwise read the list of points), adds
# them as further repetitions of the same points, and refits and validates the copy
# (`ratelab calibrate --refit`), which stores the result as yet another calibration.
# LINES: `--measure` output measured earlier, used instead of measuring (lines of other points
# are refused).
# usage: tools/calib_more_reps.sh DB ID REPS [LINES]
set -eu
db=$1; id=$2; reps=$3; lines=${4:-}
bin=${RATELAB:-./ratelab}
[ -f "$db" ] || { echo "calib_more_reps: $db: no such database" >&2; exit 2; }
case $id$reps in *[!0-9]*|'') echo "calib_more_reps: ID and REPS are numbers" >&2; exit 2;; esac
[ "$(sqlite3 "$db" "SELECT count(*) FROM calibrations WHERE id = $id")" = 1 ] ||
    { echo "calib_more_reps: $db: no calibration $id" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$lines" ]; then
    lines=$tmp/lines
    # the held-out points, in rounds: each round every point once, paths interleaved
    sqlite3 -separator ' ' "$db" "SELECT DISTINCT item, path, conns, CAST(rate_Bps AS INT), mss, have_hz, clock,
        CAST(round(window_s) * 1000 AS INT) FROM calib_points WHERE calibration_id = $id AND role = 'holdout'
        GROUP BY item ORDER BY conns * rate_Bps, rate_Bps, path" > "$tmp/items"
    for r in $(seq "$reps"); do
        while read -r item path conns rate mss have clock window; do
            "$bin" calibrate --measure "path=$path,conns=$conns,rate=$rate,mss=$mss,have=$have,clock=$clock,warmup_ms=1000,window_ms=$window" \
                --reps 1 >> "$lines" < /dev/null
        done < "$tmp/items"
    done
fi
new=$(sqlite3 "$db" "SELECT max(id) + 1 FROM calibrations")
when=$(date -u +%Y-%m-%dT%H:%MZ)
# one INSERT per line: counts back from per second (x window), the point found by its spec
awk -v cal="$new" '
function v(k) { if (!(k in kv)) { print "calib_more_reps: line " NR ": no " k > "/dev/stderr"; bad = 1; exit 2 } return kv[k] }
# a share the receiver could not measure (no busy tick on its CPU in the window) prints as nan:
# stored as NULL, as `ratelab calibrate` stores it
function share(k) { return v(k) ~ /^-?nan$/ ? "NULL" : v(k) }
{
    delete kv
    for (i = 1; i <= NF; i++) { j = index($i, "="); kv[substr($i, 1, j - 1)] = substr($i, j + 1) }
    w = v("window_s")
    printf "INSERT INTO calib_points SELECT %s, (SELECT max(seq) + 1 FROM calib_points WHERE calibration_id = %s), path, role, item, " \
           "(SELECT max(rep) + 1 FROM calib_points q WHERE q.calibration_id = %s AND q.item = p.item), clock, conns, rate_Bps, mss, have_hz, " \
           "%s, %.0f, %.0f, %.0f, %.0f, %.0f, %.0f, %.0f, %.0f, %.0f, %.0f, %.0f, %.0f, %.0f, '\''%s'\'', '\''%s'\'', %s, %s, %.0f, '\''%s'\'', " \
           "NULL, NULL, NULL, NULL FROM calib_points p WHERE calibration_id = %s AND role = '\''holdout'\'' AND path = '\''%s'\'' " \
           "AND clock = '\''%s'\'' AND conns = %s AND rate_Bps = %s AND mss = %s AND have_hz = %s LIMIT 1;\n",
           cal, cal, cal, w, v("cpu_us") * 1e3 * w, v("own_us") * 1e3 * w, v("runs") * w, v("vcsw") * w, v("ivcsw") * w,
           v("segs") * w, v("acks") * w, v("reads") * w, v("events") * w, v("msgs") * w, v("bytes") * w, v("updates") * w,
           v("ticks") * w, v("gaps"), v("agaps"), v("load1"), share("other_cpu"), v("send_segs") * w, v("late"), cal, v("path"),
           v("clock"), v("conns"), v("rate"), v("mss"), v("have")
}' "$lines" > "$tmp/insert.sql"
n=$(wc -l < "$tmp/insert.sql")
{
    echo "BEGIN;"
    echo "INSERT INTO calibrations SELECT $new, created, machine, runtime, code_version,
    settings || '; plus $n repetitions of its held-out points measured $when (calib_more_reps.sh)' FROM calibrations WHERE id = $id;"
    echo "INSERT INTO calib_coefs SELECT $new, path, feature, ns, stderr, source FROM calib_coefs WHERE calibration_id = $id;"
    echo "INSERT INTO calib_fits SELECT $new, path, n_points, r2, r2_weighted, rms_rel_resid, max_rel_resid, tau_us, NULL, NULL
    FROM calib_fits WHERE calibration_id = $id;"
    echo "INSERT INTO calib_bench SELECT $new, runtime, what, ns FROM calib_bench WHERE calibration_id = $id;"
    echo "INSERT INTO calib_points SELECT $new, seq, path, role, item, rep, clock, conns, rate_Bps, mss, have_hz, window_s, cpu_ns,
    own_cpu_ns, runs, vcsw, ivcsw, segs, acks, reads, events, msgs, bytes, updates, ticks, gaps, agaps, load1, other_cpu,
    send_segs, send_late, fit_ns, sim_ns, sim_wakeups, sim_deliveries FROM calib_points WHERE calibration_id = $id;"
    cat "$tmp/insert.sql"
    echo "COMMIT;"
} | sqlite3 -bail "$db"
added=$(sqlite3 "$db" "SELECT count(*) FROM calib_points WHERE calibration_id = $new") 
before=$(sqlite3 "$db" "SELECT count(*) FROM calib_points WHERE calibration_id = $id")
[ $((added - before)) = "$n" ] || { echo "calib_more_reps: $n lines but $((added - before)) points added: a line of another point?" >&2; exit 1; }
echo "calibration $new: calibration $id with $n more repetitions of its held-out points"
"$bin" calibrate --db "$db" --refit "$new"
