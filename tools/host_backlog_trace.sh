#!/bin/bash
# Traces every packet's hand-over between the kernel testbed's hosts during one kernel run: each
# veth's transmits (net:net_dev_xmit) and receives (net:netif_receive_skb), for
# tools/host_backlog_trace.py to reduce into how long a packet waits in the receiving host's
# backlog before its TCP sees it.
# usage: tools/host_backlog_trace.sh OUT.trace FROM_S SECONDS [--set KEY=VALUE]...
#   runs `ratelab kernel scenarios/asym_link.ini` with the grid's line (framing=veth, 30 s from 10 s)
#   and the given keys on an idle host (--wait-idle 0.10), traces SECONDS from FROM_S after its
#   start into OUT.trace and the run's JSON into OUT.json.  Needs root and tracefs.
set -u
[ $# -ge 3 ] || { echo "usage: tools/host_backlog_trace.sh OUT.trace FROM_S SECONDS [--set KEY=VALUE]..." >&2; exit 2; }
OUT=$1; FROM=$2; SECS=$3; shift 3
[ "$(id -u)" = 0 ] || { echo "host_backlog_trace: needs root (tracefs and network namespaces)" >&2; exit 2; }
T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T 2>/dev/null
[ -e $T/events/net/net_dev_xmit ] && [ -e $T/events/net/netif_receive_skb ] ||
    { echo "host_backlog_trace: $T lacks the net_dev_xmit or netif_receive_skb tracepoints" >&2; exit 2; }
EVENTS="net/net_dev_xmit net/netif_receive_skb"
# The testbed's veths: c0 (client) - rc0 (router) and s0 (server) - rs0 (router), kernel/testbed.c.
FILTER='name == "c0" || name == "rc0" || name == "s0" || name == "rs0"'
reset() {
    echo 0 > $T/tracing_on
    for e in $EVENTS; do echo 0 > $T/events/$e/enable; echo 0 > $T/events/$e/filter; done
    echo > $T/trace
}
trap 'reset; [ -n "${P:-}" ] && kill -INT $P 2>/dev/null; wait; exit 130' INT TERM
reset
echo 262144 > $T/buffer_size_kb
for e in $EVENTS; do echo "$FILTER" > $T/events/$e/filter; echo 1 > $T/events/$e/enable; done
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
