# Shared by the testbed tracing tools (tools/tbf_watchdog_trace.sh, tools/host_backlog_trace.sh,
# tools/reader_loop_trace.sh): their arguments, tracefs set-up and one traced kernel run of the
# grid's line.  Sourced by a script that has set NAME (for its messages) and EVENTS (the
# tracepoints it enables); takes its arguments OUT.trace FROM_S SECONDS into OUT, FROM and SECS and
# leaves the rest ([--set KEY=VALUE]...) for trace_run "$@".
set -u
[ $# -ge 3 ] || { echo "usage: $0 OUT.trace FROM_S SECONDS [--set KEY=VALUE]..." >&2; exit 2; }
OUT=$1; FROM=$2; SECS=$3; shift 3
T=/sys/kernel/tracing
[ "$(id -u)" = 0 ] || { echo "$NAME: needs root (tracefs and network namespaces)" >&2; exit 2; }
[ -e $T/trace ] || mount -t tracefs nodev $T 2>/dev/null
for e in $EVENTS; do
    [ -e $T/events/$e ] || { echo "$NAME: $T lacks the $e tracepoint" >&2; exit 2; }
done
trace_reset() {
    echo 0 > $T/tracing_on
    for e in $EVENTS; do echo 0 > $T/events/$e/enable; echo 0 > $T/events/$e/filter; done
    echo > $T/trace
}
trap 'trace_reset; [ -n "${P:-}" ] && kill -INT $P 2>/dev/null; wait; exit 130' INT TERM
trace_reset

# trace_run [--set KEY=VALUE]...: runs `ratelab kernel scenarios/asym_link.ini` with the grid's
# line (framing=veth, 30 s from 10 s) and the given keys on an idle host (--wait-idle 0.10), with
# the caller's events enabled; traces SECS from FROM after its start into OUT and the run's JSON
# into OUT.json, then exits with the run's status.
trace_run() {
    for e in $EVENTS; do echo 1 > $T/events/$e/enable; done
    cd "$(dirname "$0")/.."
    ./ratelab kernel scenarios/asym_link.ini --set framing=veth --set duration_s=30 --set warmup_s=10 \
        "$@" --wait-idle 0.10 --json > "${OUT%.trace}.json" &
    P=$!
    # The run starts once the host has been idle for 5 s; the set-up takes about a second more.
    sleep $((FROM + 6)); echo 1 > $T/tracing_on; sleep "$SECS"; echo 0 > $T/tracing_on
    wait $P; rc=$?
    cat $T/trace > "$OUT"
    trace_reset
    exit $rc
}
