#!/bin/bash
# Traces every packet's hand-over between the kernel testbed's hosts during one kernel run: each
# veth's transmits (net:net_dev_xmit) and receives (net:netif_receive_skb), for
# tools/host_backlog_trace.py to reduce into how long a packet waits in the receiving host's
# backlog before its TCP sees it.
# usage: tools/host_backlog_trace.sh OUT.trace FROM_S SECONDS [--set KEY=VALUE]...
#   runs `ratelab kernel scenarios/asym_link.ini` with the grid's line (framing=veth, 30 s from 10 s)
#   and the given keys on an idle host (--wait-idle 0.10), traces SECONDS from FROM_S after its
#   start into OUT.trace and the run's JSON into OUT.json.  Needs root and tracefs.
NAME=host_backlog_trace
EVENTS="net/net_dev_xmit net/netif_receive_skb"
. "$(dirname "$0")/kernel_trace.sh"
# The testbed's veths: c0 (client) - rc0 (router) and s0 (server) - rs0 (router), kernel/testbed.c.
echo 262144 > $T/buffer_size_kb
for e in $EVENTS; do echo 'name == "c0" || name == "rc0" || name == "s0" || name == "rs0"' > $T/events/$e/filter; done
trace_run "$@"
