#!/usr/bin/env bash
# Receiver CPU under controlled interference: runs each line of PLAN as one `ratelab calibrate
# --measure` point (not niced; the Erlang VM with its own +sbwt none) while tools/calib_hog runs on
# the receiver's CPU (1) at the line's duty cycle, kind and nice level, and appends one line per run
# to OUT: the plan's fields, the hog's own CPU (schedstat) and CPU 1's /proc/stat line before and
# after the command, then the --measure line.  Analysis: tools/calib_interference.py OUT.
# PLAN lines: ROUND POINT PATH CONNS RATE CLOCK COND KIND DUTY NICE (KIND none|spin|mem; period 10 ms).
# usage: tools/calib_interference.sh PLAN OUT [FIRST_ROUND LAST_ROUND]
set -u
[ $# = 2 ] || [ $# = 4 ] || { echo "usage: tools/calib_interference.sh PLAN OUT [FIRST_ROUND LAST_ROUND]" >&2; exit 2; }
plan=$1; out=$2; from=${3:-0}; to=${4:-999999}
case $from$to in *[!0-9]*) echo "calib_interference: FIRST_ROUND and LAST_ROUND are numbers" >&2; exit 2;; esac
[ -r "$plan" ] || { echo "calib_interference: $plan: cannot read" >&2; exit 2; }
awk 'NF != 10 || $1 !~ /^[0-9]+$/ || $8 !~ /^(none|spin|mem)$/ {
        printf "calib_interference: %s line %d: want ROUND POINT PATH CONNS RATE CLOCK COND KIND DUTY NICE\n", FILENAME, NR > "/dev/stderr"; exit 2 }' "$plan" || exit 2
bin=${RATELAB:-./ratelab}
here=$(cd "$(dirname "$0")" && pwd)
hogbin=$(mktemp -d)/calib_hog
cc -O2 -std=c11 -Wall -Wextra -Werror -o "$hogbin" "$here/calib_hog.c" || exit 1
hog=
stop_hog() { if [ -n "$hog" ]; then kill "$hog" 2>/dev/null; wait "$hog" 2>/dev/null; hog=; fi; }
trap 'stop_hog; rm -rf "$(dirname "$hogbin")"' EXIT
trap 'exit 130' INT TERM
run_one() { # ROUND POINT PATH CONNS RATE CLOCK COND KIND DUTY NICE
    if [ "$8" != none ]; then
        nice -n "${10}" "$hogbin" 1 "$9" 10000 "$8" < /dev/null & hog=$!
        sleep 0.3
    fi
    local h0=0 h1=0 s0 s1 t0 t1 line
    [ -n "$hog" ] && h0=$(cut -d' ' -f1 "/proc/$hog/schedstat")
    s0=$(grep '^cpu1 ' /proc/stat); t0=$(date +%s%N)
    line=$("$bin" calibrate --measure "path=$3,conns=$4,rate=$5,mss=1460,have=1,clock=$6,warmup_ms=1000,window_ms=4000" \
           --reps 1 < /dev/null 2>&1 | tr '\n' ' ')
    t1=$(date +%s%N); s1=$(grep '^cpu1 ' /proc/stat)
    [ -n "$hog" ] && h1=$(cut -d' ' -f1 "/proc/$hog/schedstat")
    stop_hog
    echo "run round=$1 pt=$2 cond=$7 kind=$8 duty=$9 nice=${10} utc=$(date -u +%T) hog_ns=$((h1 - h0))" \
         "wall_ns=$((t1 - t0)) stat0=[${s0// /_}] stat1=[${s1// /_}] $line" >> "$out"
    case $line in path=*) return 0;; *) return 1;; esac
}
failed=()
while read -r r rest; do
    [ "$r" -lt "$from" ] || [ "$r" -gt "$to" ] && continue
    # shellcheck disable=SC2086
    run_one $r $rest || failed+=("$r $rest")
done < "$plan"
for f in "${failed[@]+"${failed[@]}"}"; do
    echo "calib_interference: retrying once: $f" >&2
    # shellcheck disable=SC2086
    run_one $f || echo "calib_interference: failed twice: $f" >&2
done
