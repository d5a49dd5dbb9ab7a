#!/usr/bin/env python3
# Reduces tools/tbf_watchdog_trace.sh's traces to how late tbf's watchdog releases a packet that
# waited for its tokens: quantiles per trace and interface, or pooled as contract/tbf_watchdog.h's rows.
"""usage: tools/tbf_watchdog_trace.py [--table] TRACE...

tbf (net/sched/sch_tbf.c) arms its watchdog (qdisc_watchdog_schedule_ns, an hrtimer) for the
moment the head packet's tokens will be there; the timer's expiry schedules the qdisc
(__netif_schedule) and the NET_TX softirq dequeues.  Per expiry of a watchdog timer: the next
qdisc_dequeue of the timer's interface on the same CPU.  When it released packets (packets > 0)
its time less the timer's expiry is the watchdog's lateness; when it found none, an enqueue had
released the packet first (every enqueue runs the qdisc: __dev_xmit_skb, __qdisc_run) and the
expiry is counted as 'empty'.  A timer's interface is the one its expiries' next dequeues
mostly are.  Trace times are microseconds (the tracer's), expiries nanoseconds.
Also printed: the hrtimer's own lateness (the expiry's `now` less its `expires`), and the share
of each interface's packets that left in dequeues of more than one (tbf's bulk dequeue of what
its tokens had grown to).
--table prints the lateness pooled over every trace and interface as the rows { q, us } of
contract/tbf_watchdog.h."""
import re
import sys
from collections import Counter, defaultdict

from quantile_rows import quantile, rows, table_and_paths
LINE = re.compile(r'\[(\d+)\]\s+\S+\s+([\d.]+): (\w+): (.*)')


def read(path):
    ev = []
    with open(path) as f:
        for line in f:
            m = LINE.search(line)
            if not m:
                continue
            cpu, ts, kind, rest = int(m.group(1)), float(m.group(2)) * 1e6, m.group(3), m.group(4)
            if kind == 'qdisc_dequeue':
                ifi = int(re.search(r'ifindex=(\d+)', rest).group(1))
                handle = re.search(r'handle=(0x[0-9A-Fa-f]+)', rest).group(1)
                n = int(re.search(r'packets=(\d+)', rest).group(1))
                ev.append((ts, cpu, 'd', (ifi, handle), n))
            elif kind in ('hrtimer_start', 'hrtimer_expire_entry'):
                ptr = re.search(r'hrtimer=(\w+)', rest).group(1)
                key = 'expires' if kind == 'hrtimer_start' else 'now'
                ns = int(re.search(key + r'=(\d+)', rest).group(1))
                ev.append((ts, cpu, 's' if kind == 'hrtimer_start' else 'x', ptr, ns / 1e3))
    ev.sort(key=lambda e: e[0])
    return ev


def reduce(ev):
    vote, pend = defaultdict(Counter), {}
    for ts, cpu, k, a, b in ev:
        if k == 'x':
            pend[cpu] = a
        elif k == 'd' and cpu in pend:
            vote[pend.pop(cpu)][a] += 1
    iface = {p: c.most_common(1)[0][0] for p, c in vote.items()}
    expires, armed = {}, {}
    late, hr, n_empty = defaultdict(list), defaultdict(list), Counter()
    pkts, multi = Counter(), Counter()
    for ts, cpu, k, a, b in ev:
        if k == 's':
            expires[a] = b
        elif k == 'x':
            if a in expires and a in iface:
                hr[iface[a]].append(b - expires[a])
                armed[cpu] = (iface[a], expires[a])
        else:
            pkts[a] += b
            if b > 1:
                multi[a] += b
            if cpu in armed and armed[cpu][0] == a:
                _, e = armed.pop(cpu)
                if b > 0:
                    late[a].append(ts - e)
                else:
                    n_empty[a] += 1
    return late, hr, n_empty, pkts, multi


def fmt(v):
    v = sorted(v)
    return ' '.join('p%g %.1f' % (q * 100, quantile(v, q)) for q in (0.1, 0.5, 0.9, 0.99)) + \
        ', mean %.1f, n %d' % (sum(v) / len(v), len(v))


def main(argv):
    table, paths = table_and_paths(argv, __doc__)
    pooled = []
    for path in paths:
        late, hr, n_empty, pkts, multi = reduce(read(path))
        if not late:
            print('%s: no watchdog expiry followed by a dequeue of its interface' % path, file=sys.stderr)
            return 2
        for ifc in sorted(late):
            pooled += late[ifc]
            if not table:
                print('%s ifindex %d qdisc %s: watchdog lateness us %s (%d expiries found the packet gone); '
                      'hrtimer lateness us %s; %.3f of %d packets left in multi-packet dequeues'
                      % (path, ifc[0], ifc[1], fmt(late[ifc]), n_empty[ifc], fmt(hr[ifc]),
                         multi[ifc] / max(pkts[ifc], 1), pkts[ifc]))
    pooled.sort()
    if table:
        print(rows(pooled))
        print('/* %d expiries, mean %.1f us */' % (len(pooled), sum(pooled) / len(pooled)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
