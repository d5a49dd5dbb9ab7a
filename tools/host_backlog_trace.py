#!/usr/bin/env python3
# Reduces tools/host_backlog_trace.sh's traces to how long a packet waits between one host's
# veth and the next host's TCP: quantiles per trace and direction, or pooled as contract/host_backlog.h's rows.
"""usage: tools/host_backlog_trace.py [--table] TRACE...

A veth hands its packet to the peer namespace with netif_rx (drivers/net/veth.c): the skb joins
the CPU's backlog, and the receiving host's stack takes it when the NET_RX softirq reaches it
(process_backlog -> __netif_receive_skb, the netif_receive_skb tracepoint), behind whatever the
backlog held.  The skb keeps its address across the hand-over, so each receive is paired with the
last transmit of the same skbaddr on the peer veth: its time less the transmit's is the wait.
Directions: 'to server' (router rs0 -> server s0), 'to client' (rc0 -> c0), and the hosts' own
packets into the router ('server out' s0 -> rs0, 'client out' c0 -> rc0): how long a sender's
skbs stay in the host before the router's IP layer frees them (ip_rcv_core's skb_orphan), the
time TCP Small Queues counts them.  Trace times are microseconds.
The backlog is a FIFO, and a packet's wait is split as the delay line's is (contract/delay_line.h):
one that arrives after the packet ahead of it was handed over waits its own time ('own', the
softirq's start); one that arrives while that packet still waits is handed over a 'service' gap
after it (the processing of the packet ahead, and of whatever else the CPU's backlog held).
--table prints the own and service rows { q, us } of contract/host_backlog.h for 'to server' and
'to client'."""
import re
import sys
from collections import defaultdict

QS = [0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 1]
LINE = re.compile(r'\s([\d.]+): (net_dev_xmit|netif_receive_skb): dev=(\w+) skbaddr=(\w+) len=(\d+)')
PAIRS = {'s0': ('rs0', 'to server'), 'c0': ('rc0', 'to client'), 'rs0': ('s0', 'server out'), 'rc0': ('c0', 'client out')}


def quantile(v, q):
    """v sorted; linear between order statistics (numpy's default)."""
    x = q * (len(v) - 1)
    i = int(x)
    return v[i] if i + 1 >= len(v) else v[i] + (x - i) * (v[i + 1] - v[i])


def reduce(path):
    """Per direction: every packet's wait, and the waits split into own and service."""
    sent, waits, last = {}, defaultdict(list), {}
    own, service = defaultdict(list), defaultdict(list)
    with open(path) as f:
        for line in f:
            m = LINE.search(line)
            if not m:
                continue
            ts, kind, dev, skb = float(m.group(1)) * 1e6, m.group(2), m.group(3), m.group(4)
            if kind == 'net_dev_xmit':
                sent[(dev, skb)] = ts
            elif dev in PAIRS:
                t0 = sent.pop((PAIRS[dev][0], skb), None)
                if t0 is None or ts < t0:
                    continue
                d = PAIRS[dev][1]
                waits[d].append(ts - t0)
                if d in last and t0 < last[d]:
                    service[d].append(ts - last[d])
                else:
                    own[d].append(ts - t0)
                last[d] = ts
    return waits, own, service


def fmt(v):
    return ' '.join('p%g %.1f' % (q * 100, quantile(v, q)) for q in (0.1, 0.25, 0.5, 0.75, 0.9, 0.99)) + \
        ', mean %.1f, n %d' % (sum(v) / len(v), len(v))


def rows(v):
    r = ['{ %g, %.1f }' % (q, quantile(v, q)) for q in QS]
    return '\n'.join('    ' + ', '.join(r[i:i + 6]) + (',' if i + 6 < len(r) else '') for i in range(0, len(r), 6))


def main(argv):
    table = '--table' in argv
    paths = [a for a in argv if a != '--table']
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    pooled_own, pooled_service = defaultdict(list), defaultdict(list)
    for path in paths:
        waits, own, service = reduce(path)
        if not own.get('to server') or not own.get('to client'):
            print('%s: no packet handed from the router to both hosts' % path, file=sys.stderr)
            return 2
        for d in ('to server', 'to client', 'server out', 'client out'):
            v = sorted(waits.get(d, []))
            if d in own:
                pooled_own[d] += own[d]
                pooled_service[d] += service[d]
            if not table and v:
                print('%s %s: wait us %s' % (path, d, fmt(v)))
                if d in own:
                    print('    own us %s' % fmt(sorted(own[d])))
                    if service[d]:
                        print('    service us %s' % fmt(sorted(service[d])))
    for d in ('to server', 'to client'):
        o, s_ = sorted(pooled_own[d]), sorted(pooled_service[d])
        if table:
            print('/* %s, own: %d packets, mean %.1f us */' % (d, len(o), sum(o) / len(o)))
            print(rows(o))
            print('/* %s, service: %d packets, mean %.1f us */' % (d, len(s_), sum(s_) / max(len(s_), 1)))
            print(rows(s_))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
