#!/bin/bash
# Traces tbf's watchdog on the kernel testbed's router during one kernel run: the watchdog's
# hrtimer (armed, fired) and every qdisc dequeue, for tools/tbf_watchdog_trace.py to reduce.
# usage: tools/tbf_watchdog_trace.sh OUT.trace FROM_S SECONDS [--set KEY=VALUE]...
#   runs `ratelab kernel scenarios/asym_link.ini` with the grid's line (framing=veth, 30 s from 10 s)
#   and the given keys on an idle host (--wait-idle 0.10), traces SECONDS from FROM_S after its
#   start into OUT.trace and the run's JSON into OUT.json.  Needs root and tracefs.
NAME=tbf_watchdog_trace
EVENTS="timer/hrtimer_start timer/hrtimer_expire_entry qdisc/qdisc_dequeue"
. "$(dirname "$0")/kernel_trace.sh"
FN=$(awk '$3 == "qdisc_watchdog" { print "0x" $1; exit }' /proc/kallsyms)
[ -n "$FN" ] && [ "$FN" != 0x0000000000000000 ] || { echo "tbf_watchdog_trace: qdisc_watchdog not in /proc/kallsyms" >&2; exit 2; }
echo mono > $T/trace_clock                 # hrtimer expiries are CLOCK_MONOTONIC
echo 131072 > $T/buffer_size_kb
echo "function == $FN" > $T/events/timer/hrtimer_start/filter
echo "function == $FN" > $T/events/timer/hrtimer_expire_entry/filter
trace_run "$@"
