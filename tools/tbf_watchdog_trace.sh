#!/bin/bash
# Traces tbf's watchdog on the kernel testbed's router during one kernel run: the watchdog's
# hrtimer (armed, fired) and every qdisc dequeue, for tools/tbf_watchdog_trace.py to reduce.
# usage: tools/tbf_watchdog_trace.sh OUT.trace FROM_S SECONDS [--set KEY=VALUE]...
#   runs `ratelab kernel scenarios/asym_link.ini` with the grid's line (framing=veth, 30 s from 10 s)
#   and the given keys on an idle host (--wait-idle 0.10), traces SECONDS from FROM_S after its
#   start into OUT.trace and the run's JSON into OUT.json.  Needs root and tracefs.
set -u
[ $# -ge 3 ] || { echo "usage: tools/tbf_watchdog_trace.sh OUT.trace FROM_S SECONDS [--set KEY=VALUE]..." >&2; exit 2; }
OUT=$1; FROM=$2; SECS=$3; shift 3
[ "$(id -u)" = 0 ] || { echo "tbf_watchdog_trace: needs root (tracefs and network namespaces)" >&2; exit 2; }
T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T 2>/dev/null
[ -e $T/events/qdisc/qdisc_dequeue ] && [ -e $T/events/timer/hrtimer_expire_entry ] ||
    { echo "tbf_watchdog_trace: $T lacks the qdisc_dequeue or hrtimer tracepoints" >&2; exit 2; }
FN=$(awk '$3 == "qdisc_watchdog" { print "0x" $1; exit }' /proc/kallsyms)
[ -n "$FN" ] && [ "$FN" != 0x0000000000000000 ] || { echo "tbf_watchdog_trace: qdisc_watchdog not in /proc/kallsyms" >&2; exit 2; }
EVENTS="timer/hrtimer_start timer/hrtimer_expire_entry qdisc/qdisc_dequeue"
reset() {
    echo 0 > $T/tracing_on
    for e in $EVENTS; do echo 0 > $T/events/$e/enable; echo 0 > $T/events/$e/filter; done
    echo > $T/trace
}
trap 'reset; [ -n "${P:-}" ] && kill -INT $P 2>/dev/null; wait; exit 130' INT TERM
reset
echo mono > $T/trace_clock                 # hrtimer expiries are CLOCK_MONOTONIC
echo 131072 > $T/buffer_size_kb
echo "function == $FN" > $T/events/timer/hrtimer_start/filter
echo "function == $FN" > $T/events/timer/hrtimer_expire_entry/filter
for e in $EVENTS; do echo 1 > $T/events/$e/enable; done
cd "$(dirname "$0")/.."
./ratelab kernel scenarios/asym_link.ini --set framing=veth --set duration_s=30 --set warmup_s=10 \
    "$@" --wait-idle 0.10 --json > "${OUT%.trace}.json" &
P=$!
# The run starts once the host has been idle for 5 s; the set-up takes about a second more.
sleep $((FROM + 6)); echo 1 > $T/tracing_on; sleep "$SECS"; echo 0 > $T/tracing_on
wait $P; rc=$?
cat $T/trace > "$OUT"
reset
exit $rc
