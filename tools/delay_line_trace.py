#!/usr/bin/env python3
# Reduces the kernel delay line's per-packet trace (`ratelab kernel --delay-trace FILE`) to the
# extra delay it adds on top of its configured delay: quantiles, by direction, by packet rate, order.
"""usage: tools/delay_line_trace.py [--client-prefix 192.0.2.] [--table] TRACE...

Per packet (times from the trace, all CLOCK_REALTIME):
  extra = tap-in - tap-out - delay   the TUN's whole residence beyond the delay: the TUN queue,
                                     the reader's wake-up and read, its release lateness, the write
  queue = read - tap-out             the TUN queue and the wake-up
  line  = written - read - delay     the line's release lateness and the write call
Direction from the IPv4 source address: up when it starts with --client-prefix.

The line is a FIFO: a packet due while the one before it is still inside waits for it.  So the
model (sim/link.c) is: own = the extra of packets due after the one before them had left (their
own wake-up, read and write), and service = the time between the departures of packets that
waited (one turn of the reader's loop), both distributions, each packet drawing a service and,
when it is due after the previous departure, an own.  Such a packet leaves at max(arrival + delay
+ own, previous departure + service); one due before it takes no wake-up of its own (the reader
writes every packet already due before it sleeps) and leaves at previous departure + service.
"model" replays each trace's arrivals through it, both directions through one line (one TUN), to
compare with "extra"; "due after the last left" counts the packets that took their own wake-up,
in the trace and in the model; "spacing" is the gaps under 500 us between consecutive downstream
full frames (IP >= 1400 B) leaving the line (a burst's spacing into the shaped FIFO).
--table prints own's and service's quantiles, pooled over the traces, as the rows
{ q, own, service } of contract/delay_line.h."""
import bisect
import random
import sys
from collections import defaultdict, deque

QS = [0, 0.01, 0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999, 1.0]
TABLE_QS = [0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 1.0]


def quantile(sorted_v, q):
    """Linear interpolation between order statistics (Hyndman-Fan type 7, as R and numpy)."""
    if not sorted_v:
        return float('nan')
    h = (len(sorted_v) - 1) * q
    lo = int(h)
    hi = min(lo + 1, len(sorted_v) - 1)
    return sorted_v[lo] + (h - lo) * (sorted_v[hi] - sorted_v[lo])


def row(name, v):
    v = sorted(v)
    if not v:
        return f"{name:<26} n=0"
    mean = sum(v) / len(v)
    qs = " ".join(f"{quantile(v, q):8.1f}" for q in QS)
    return f"{name:<26} {len(v):8d} {mean:8.1f} {qs}"


def header():
    return f"{'(microseconds)':<26} {'n':>8} {'mean':>8} " + " ".join(f"{'p' + format(q * 100, 'g'):>8}" for q in QS)


def load(path, client_prefix):
    delay = None
    line, tap_out, tap_in = [], defaultdict(deque), defaultdict(deque)
    with open(path) as f:
        for ln in f:
            w = ln.split()
            if not w:
                continue
            if w[0] == '#':
                info = dict(zip(w[1::2], w[2::2]))
                delay = int(info['delay_ns'])
                if int(info.get('tap_lost', 0)) or int(info.get('tap_socket_drops', 0)):
                    print(f"{path}: the packet socket lost records: {ln.strip()}", file=sys.stderr)
            elif w[0] == 'p':
                saddr = int(w[4], 16)
                dotted = ".".join(str((saddr >> s) & 255) for s in (24, 16, 8, 0))
                line.append((int(w[1]), int(w[2]), int(w[3]), dotted.startswith(client_prefix), w[5]))
            elif w[0] == 't':
                (tap_out if w[2] == '1' else tap_in)[w[3]].append(int(w[1]))
    if delay is None:
        sys.exit(f"{path}: no '# delay_ns' header: not a delay-line trace")
    pkts = []
    unmatched = 0
    for read, written, length, up, h in line:
        # The tap saw the packet go into the TUN before the line read it, and come back after.
        o = tap_out[h]
        t_out = o.popleft() if o and o[0] <= read else None
        i = tap_in[h]
        t_in = i.popleft() if i and i[0] >= written - 1000000 else None
        if t_out is None or t_in is None:
            unmatched += 1
            continue
        pkts.append(dict(read=read, written=written, len=length, up=up, out=t_out, inn=t_in,
                         extra=(t_in - t_out - delay) / 1e3, queue=(read - t_out) / 1e3,
                         line=(written - read - delay) / 1e3))
    return delay, pkts, unmatched, len(line)


def own_and_service(pkts, delay):
    """Extras of packets due after their predecessor left; departure gaps of those that waited."""
    s = sorted(pkts, key=lambda p: p['out'])
    own, service = [], []
    for a, b in zip(s, s[1:]):
        if b['out'] + delay > a['inn']:
            own.append(b['extra'])
        else:
            service.append((b['inn'] - a['inn']) / 1e3)
    return sorted(own), sorted(service)


def model_replay(pkts, own, service, seed=1):
    """The packets of both directions through one line, as the TUN is one (sim/link.c,
    link_enqueue and link_share_delay_line): returns ({up: extras}, {up: departures}, the number
    of packets due after the previous departure, the first not counted, as in own_and_service).
    Every packet draws a write from the measured gaps (service), in the order sim/link.c draws;
    only those due after the previous departure draw from own: a packet due while its predecessor
    is inside leaves one write after it, as own_and_service defines own."""
    rnd = random.Random(seed)
    out, left = {True: [], False: []}, {True: [], False: []}
    last = float('-inf')
    idle = 0
    for p in sorted(pkts, key=lambda p: p['out']):
        t = p['out'] / 1e3
        write = service[int(rnd.random() * len(service))]
        if t > last:
            idle += last > float('-inf')
            last = max(t + own[int(rnd.random() * len(own))], last + write)
        else:
            last += write
        out[p['up']].append(last - t)
        left[p['up']].append((last, p['len']))
    return out, left, idle


def burst_gaps(departures):
    """Gaps under 500 us between consecutive full frames (IP >= 1400 B) in departure order, in us:
    (time_us, ip_bytes) pairs, as the shaped FIFO sees them arrive."""
    full = sorted(t for t, n in departures if n >= 1400)
    return [g for g in (b - a for a, b in zip(full, full[1:])) if g < 500]


def inversions(pkts, key_a, key_b):
    """Pairs of consecutive packets (in key_a order) that leave in the other order (key_b)."""
    s = sorted(pkts, key=lambda p: p[key_a])
    return sum(1 for a, b in zip(s, s[1:]) if b[key_b] < a[key_b])


def main(argv):
    client_prefix, table, paths = "192.0.2.", False, []
    it = iter(argv)
    for a in it:
        if a == '--client-prefix':
            client_prefix = next(it)
        elif a == '--table':
            table = True
        elif a.startswith('-'):
            sys.exit(f"delay_line_trace: unknown flag '{a}'")
        else:
            paths.append(a)
    if not paths:
        sys.exit(__doc__)
    all_own, all_service = [], []
    for path in paths:
        delay, pkts, unmatched, n = load(path, client_prefix)
        own, service = own_and_service(pkts, delay)
        all_own += own
        all_service += service
        t0 = min(p['out'] for p in pkts)
        span = (max(p['inn'] for p in pkts) - t0) / 1e9
        print(f"{path}: delay {delay / 1e6:g} ms, {n} packets, {unmatched} unmatched, {len(pkts) / span:.0f} packets/s")
        print(header())
        print(row("extra (tap-in - tap-out)", [p['extra'] for p in pkts]))
        print(row("  queue + wake-up", [p['queue'] for p in pkts]))
        print(row("  line lateness + write", [p['line'] for p in pkts]))
        print(row("  rest (write -> stack)", [(p['inn'] - p['written']) / 1e3 for p in pkts]))
        print(row("extra, upstream", [p['extra'] for p in pkts if p['up']]))
        print(row("extra, downstream", [p['extra'] for p in pkts if not p['up']]))
        print(row("extra, IP <= 100 B", [p['extra'] for p in pkts if p['len'] <= 100]))
        print(row("extra, IP > 1000 B", [p['extra'] for p in pkts if p['len'] > 1000]))
        # Load: packets through the line in the 100 ms around each packet.
        outs = sorted(p['out'] for p in pkts)
        bins = defaultdict(list)
        for p in pkts:
            k = bisect.bisect(outs, p['out'] + 50000000) - bisect.bisect(outs, p['out'] - 50000000)
            rate = k * 10
            edge = next((e for e in (500, 2000, 5000, 10000, 20000) if rate < e), 10 ** 9)
            bins[edge].append(p['extra'])
        for edge in sorted(bins):
            print(row(f"extra, < {edge} pkt/s" if edge < 10 ** 9 else "extra, >= 20000 pkt/s", bins[edge]))
        own, service = own_and_service(pkts, delay)
        print(row("own (due after the last left)", own))
        print(row("service (waited: gap)", service))
        replay, left, idle = model_replay(pkts, own, service)
        print(row("model, upstream", replay[True]))
        print(row("model, downstream", replay[False]))
        print(f"due after the last left: trace {len(own)} of {len(pkts)} ({len(own) / len(pkts):.3f}), "
              f"model {idle} ({idle / len(pkts):.3f})")
        down = [(p['inn'] / 1e3, p['len']) for p in pkts if not p['up']]
        print(row("spacing, downstream, trace", burst_gaps(down)))
        print(row("spacing, downstream, model", burst_gaps(left[False])))
        for up in (True, False):
            d = [p for p in pkts if p['up'] == up]
            print(f"order ({'up' if up else 'down'}stream): {inversions(d, 'out', 'inn')} of {len(d)} packets left the TUN "
                  f"before one that entered it earlier; {inversions(d, 'out', 'read')} were read out of order")
        print()
    if table:
        v = sorted(max(0.0, x) for x in all_own)
        w = sorted(all_service)
        print(f"/* {len(paths)} trace(s); own: {len(v)} packets, mean {sum(v) / len(v):.1f} us, median "
              f"{quantile(v, 0.5):.1f}; service: {len(w)} gaps, mean {sum(w) / len(w):.1f} us, median "
              f"{quantile(w, 0.5):.1f}.  Rows: {{ q, own, service }} */")
        cells = [f"{{ {q:g}, {quantile(v, q):.1f}, {quantile(w, q):.1f} }}" for q in TABLE_QS]
        print(",\n".join("    " + ", ".join(cells[i:i + 6]) for i in range(0, len(cells), 6)))


if __name__ == '__main__':
    main(sys.argv[1:])
