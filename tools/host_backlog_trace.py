#!/usr/bin/env python3
# Reduces tools/host_backlog_trace.sh's traces to how long packets wait in a host's backlog on the
# kernel testbed: quantiles per trace, host and kind, or pooled as contract/host_backlog.h's rows.
"""usage: tools/host_backlog_trace.py [--table] TRACE...

A veth hands its packet to the peer namespace with netif_rx (drivers/net/veth.c): the skb joins
the CPU's backlog, and the receiving stack takes it when the NET_RX softirq reaches it
(process_backlog -> __netif_receive_skb, the netif_receive_skb tracepoint), behind whatever the
backlog held.  The skb keeps its address across the hand-over, so each receive is paired with the
last transmit of the same skbaddr on the peer veth: its time less the transmit's is the wait.
Each host's backlog holds two kinds of packets: those arriving for it (router rs0 -> server s0,
rc0 -> client c0: 'in') and those it sends, until the router's IP layer takes them (s0 -> rs0,
c0 -> rc0: 'out'; ip_rcv_core's skb_orphan then frees them for TCP Small Queues).  Both kinds,
in the order they are handed over, are one FIFO, and a packet's wait is split as the delay
line's is (contract/delay_line.h): one that arrives after the packet ahead of it (of either kind)
was handed over waits its own time ('own'); one that arrives while that one still waits is handed
over a 'service' gap after it.  Trace times are microseconds.
--table prints the own and service rows { q, us } of contract/host_backlog.h, for each host and kind."""
import re
import sys
from collections import defaultdict

from quantile_rows import quantile, rows, table_and_paths
LINE = re.compile(r'\s([\d.]+): (net_dev_xmit|netif_receive_skb): dev=(\w+) skbaddr=(\w+) len=(\d+)')
# receiving veth: (transmitting veth, host, kind)
PAIRS = {'s0': ('rs0', 'server', 'in'), 'rs0': ('s0', 'server', 'out'),
         'c0': ('rc0', 'client', 'in'), 'rc0': ('c0', 'client', 'out')}
KEYS = [(h, k) for h in ('server', 'client') for k in ('in', 'out')]


def reduce(path):
    """Per (host, kind): every packet's wait, and the waits split into own and service."""
    sent, last = {}, {}
    waits, own, service = defaultdict(list), defaultdict(list), defaultdict(list)
    with open(path) as f:
        for line in f:
            m = LINE.search(line)
            if not m:
                continue
            ts, kind, dev, skb = float(m.group(1)) * 1e6, m.group(2), m.group(3), m.group(4)
            if kind == 'net_dev_xmit':
                sent[(dev, skb)] = ts
            elif dev in PAIRS:
                src, host, k = PAIRS[dev]
                t0 = sent.pop((src, skb), None)
                if t0 is None or ts < t0:
                    continue
                waits[(host, k)].append(ts - t0)
                if host in last and t0 < last[host]:
                    service[(host, k)].append(ts - last[host])
                else:
                    own[(host, k)].append(ts - t0)
                last[host] = ts
    return waits, own, service


def fmt(v):
    return ' '.join('p%g %.1f' % (q * 100, quantile(v, q)) for q in (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)) + \
        ', mean %.1f, n %d' % (sum(v) / len(v), len(v))


def main(argv):
    table, paths = table_and_paths(argv, __doc__)
    pooled = {'own': defaultdict(list), 'service': defaultdict(list)}
    for path in paths:
        waits, own, service = reduce(path)
        if not own.get(('server', 'in')) or not own.get(('client', 'in')):
            print('%s: no packet handed from the router to both hosts' % path, file=sys.stderr)
            return 2
        for key in KEYS:
            pooled['own'][key] += own[key]
            pooled['service'][key] += service[key]
            if not table and waits[key]:
                print('%s %s %s: wait us %s' % (path, key[0], key[1], fmt(sorted(waits[key]))))
                for part, v in (('own', own[key]), ('service', service[key])):
                    if v:
                        print('    %s us %s' % (part, fmt(sorted(v))))
    if table:
        for key in KEYS:
            for part in ('own', 'service'):
                v = sorted(pooled[part][key])
                if not v:
                    print('/* %s %s, %s: no packets */' % (key[0], key[1], part))
                    continue
                print('/* %s %s, %s: %d packets, mean %.1f us */' % (key[0], key[1], part, len(v), sum(v) / len(v)))
                print(rows(v))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
