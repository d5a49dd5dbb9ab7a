#!/usr/bin/env python3
# Reduces tools/reader_loop_trace.sh's traces: for each host's agent (the client reads the downloads,
# the server the uploads), how long after its first unread segment a socket is read, how long a
# sleeping loop takes from its wake-up's start to its first read or refill (`wake`), how long it is
# busy with one socket before the next or its sleep (`busy`), and where the client's ACKs left from
# (its reads' tcp_cleanup_rbuf, or a softirq).  docs/validation.md, item 42.
# usage: tools/reader_loop_trace.py [--table] TRACE...   (--table: contract/reader_loop.h's rows too,
#   every trace pooled)
import re
import sys
from quantile_rows import quantile, rows, table_and_paths

LINE = re.compile(r'^\s*(.+)-(\d+)\s+\[(\d+)\]\s+(\S+)\s+([\d.]+):\s+(\S+?):?\s(.*)$')
HOSTS = {'192.0.2.2': 'client', '198.51.100.2': 'server'}    # kernel/testbed.c's addresses
ACK_LENS = ('54', '66', '74')                                  # a pure ACK on the veth, with options


def field(rest, key):
    m = re.search(r'\b' + key + r'=(\S+)', rest)
    return m.group(1) if m else None


def summary(label, v):
    v = sorted(v)
    return '%-22s n %6d  median %6.1f  p10 %6.1f  p90 %6.1f  mean %6.1f us' % (
        label, len(v), quantile(v, .5), quantile(v, .1), quantile(v, .9), sum(v) / len(v))


def events(path):
    ev = []
    with open(path) as f:
        for line in f:
            m = LINE.match(line) if not line.startswith('#') else None
            if m:
                ev.append((float(m.group(5)) * 1e6, int(m.group(2)), m.group(6), m.group(7)))
    return ev


def one_loop(ev, host, pid):
    """The loop of pid, reading host's sockets: its samples and the client's ACK origins."""
    asleep = False            # switched out in epoll_wait
    waking_at = None          # the wake-up's start (sched_waking) while asleep
    last_item = None          # the start of the socket service under way
    in_recv = got = False     # inside a recvfrom; it took bytes
    prev_sys = None           # a refill is a run of sendto calls
    unread = {}               # socket cookie -> time of its first segment since its last read
    ready, wake, busy, items_per_wake = [], [], [], []
    items = 0
    acks = {'read': 0, 'softirq': 0}

    def item(t):
        nonlocal last_item, waking_at, items
        if last_item is not None:
            busy.append(t - last_item)
        elif waking_at is not None:
            wake.append(t - waking_at)
        waking_at, last_item = None, t
        items += 1

    for t, p, name, rest in ev:
        if name == 'tcp_probe':
            src = field(rest, 'src')
            if src and HOSTS.get(src.split(':')[0]) == host:
                unread.setdefault(field(rest, 'sock_cookie'), t)
        elif name == 'net_dev_xmit':
            if host == 'client' and field(rest, 'len') in ACK_LENS:
                acks['read' if p == pid and in_recv else 'softirq'] += 1
        elif name == 'sched_switch' and field(rest, 'prev_pid') == str(pid):
            if field(rest, 'prev_state') == 'S':
                if last_item is not None:
                    busy.append(t - last_item)
                    items_per_wake.append(items)
                asleep, waking_at, last_item, items = True, None, None, 0
        elif name == 'sched_waking' and field(rest, 'pid') == str(pid):
            if asleep and waking_at is None:
                waking_at = t
        elif name == 'sched_wakeup' and field(rest, 'pid') == str(pid):
            asleep = False
        elif p != pid:
            continue
        elif name == 'sys_sendto(fd':
            if prev_sys != 'sendto':
                item(t)
            prev_sys = 'sendto'
        elif name == 'sys_recvfrom(fd':
            in_recv, got, prev_sys = True, False, 'recvfrom'
        elif name == 'sys_recvfrom':
            in_recv = False
        elif name == 'tcp_rcv_space_adjust':
            if not got:
                item(t)
            got = True
            first = unread.pop(field(rest, 'sock_cookie'), None)
            if first is not None:
                ready.append(t - first)
    return {'ready': ready, 'wake': wake, 'busy': busy}, items_per_wake, acks


def reduce(path):
    ev = events(path)
    # Which agent reads for which host: the pid of the reads of its sockets.
    reader = {}
    for t, pid, name, rest in ev:
        host = HOSTS.get(field(rest, 'saddr')) if name == 'tcp_rcv_space_adjust' else None
        if host:
            reader.setdefault(host, pid)
    print('%s: %.3f s traced' % (path, (ev[-1][0] - ev[0][0]) / 1e6))
    samples = {}
    for host, pid in sorted(reader.items()):
        s, per_wake, acks = one_loop(ev, host, pid)
        print('  %s agent (pid %d): %.2f sockets served per wake-up' % (host, pid, sum(per_wake) / max(len(per_wake), 1)))
        for k, label in (('ready', 'readable -> read'), ('wake', 'wake-up -> first'), ('busy', 'one -> next or sleep')):
            if s[k]:
                print('    ' + summary(label, s[k]))
        if host == 'client':
            n = acks['read'] + acks['softirq']
            print('    client ACKs: %d from its reads (%.1f %%), %d from a softirq'
                  % (acks['read'], 100.0 * acks['read'] / max(n, 1), acks['softirq']))
        samples[host] = s
    return samples


if __name__ == '__main__':
    table, paths = table_and_paths(sys.argv[1:], 'usage: tools/reader_loop_trace.py [--table] TRACE...')
    pooled = {}
    for p in paths:
        for host, s in reduce(p).items():
            for k, v in s.items():
                pooled.setdefault(host, {}).setdefault(k, []).extend(v)
    if table:
        for host in sorted(pooled):
            print('%s %s' % (host, summary('readable -> read', pooled[host]['ready'])))
            for k in ('wake', 'busy'):
                v = sorted(pooled[host][k])
                print('%s %s: /* %d, mean %.1f us */\n%s' % (host, k, len(v), sum(v) / len(v), rows(v)))
