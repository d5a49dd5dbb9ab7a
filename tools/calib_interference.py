#!/usr/bin/env python3
# Reduces tools/calib_interference.sh's lines: per point, the receiver's CPU against the share of its
# CPU other processes took (the hog and the machine), by condition, as a factor and per OS wake-up.
"""usage: tools/calib_interference.py LINES...

Per point: medians per condition; CPU = a + b x share (gamma = b / a, the shipped model's form) and
CPU = a + delta x OS wake-ups x share (an added cost per wake-up), over the runs without a hog and
with the nice-10 spin hog, each with a 95 % percentile-bootstrap interval over runs (2000 resamples,
seed 8); mem / spin and nice 0 / nice 10 ratios at full duty; share against the hog's own CPU."""
import random, re, statistics as st, sys

USER_HZ = 100
LADDER = ("none", "s25", "s50", "s75", "s100")
CONDS = LADDER + ("m100", "s100n0")


def read(paths):
    rows = []
    for fn in paths:
        try:
            lines = open(fn).readlines()
        except OSError as e:
            print(f"{fn}: {e.strerror}", file=sys.stderr)
            sys.exit(2)
        for n, ln in enumerate(lines, 1):
            if " pt=" not in ln:
                continue
            if " path=" not in ln:
                print(f"{fn}:{n}: a run without a result", file=sys.stderr)
                continue
            d = dict(re.findall(r"(\w+)=(\[[^\]]*\]|\S+)", ln))
            try:
                for k in ("cpu_us", "vcsw", "ivcsw", "segs", "other_cpu", "load1", "duty", "hog_ns", "wall_ns"):
                    d[k] = float(d[k])
                s0, s1 = ([int(x) for x in d[k].strip("[]").split("_")[1:] if x] for k in ("stat0", "stat1"))
            except (KeyError, ValueError) as e:
                print(f"{fn}:{n}: bad line ({e})", file=sys.stderr)
                sys.exit(2)
            wall = d["wall_ns"] / 1e9
            d["softirq"] = (s1[6] - s0[6]) / USER_HZ / wall
            d["hog"] = d["hog_ns"] / d["wall_ns"]
            d["ms"] = d["cpu_us"] / 1000
            d["us_wake"] = d["cpu_us"] / d["vcsw"] if d["vcsw"] > 0 else float("nan")
            rows.append(d)
    return rows


def ols(xs, ys):
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - b * mx, b


def boot(xs, ys, f, n=2000, seed=8):
    r, v, idx = random.Random(seed), [], range(len(xs))
    for _ in range(n):
        s = [r.choice(idx) for _ in idx]
        try:
            v.append(f([xs[i] for i in s], [ys[i] for i in s]))
        except ZeroDivisionError:
            pass
    v.sort()
    return v[int(0.025 * len(v))], v[int(0.975 * len(v)) - 1]


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    rows = read(sys.argv[1:])
    med = lambda v, k: st.median(d[k] for d in v)
    pts = sorted({d["pt"] for d in rows})
    print(f"{len(rows)} runs\n\nmedian CPU ms/s (min-max) | share | hog's own share | OS wake-ups/s | us per wake-up")
    for p in pts:
        r0 = next(d for d in rows if d["pt"] == p)
        print(f"{p} {r0['path']} {r0['conns']} x {r0['rate']} B/s")
        for c in CONDS:
            v = [d for d in rows if d["pt"] == p and d["cond"] == c]
            if v:
                print(f"  {c:7s} n={len(v)} {med(v, 'ms'):7.2f} ({min(d['ms'] for d in v):.1f}-{max(d['ms'] for d in v):.1f})"
                      f" | {med(v, 'other_cpu'):.2f} | {med(v, 'hog'):.2f} | {med(v, 'vcsw'):5.0f} | {med(v, 'us_wake'):6.1f}")
    print("\nover none + spin nice 10: gamma = b / a in CPU = a + b x share; delta in CPU = a + delta x wake-ups x share")
    for p in pts:
        v = [d for d in rows if d["pt"] == p and d["cond"] in LADDER]
        if len(v) < 4:
            continue
        x, y = [d["other_cpu"] for d in v], [d["ms"] for d in v]
        a, b = ols(x, y)
        glo, ghi = boot(x, y, lambda X, Y: (lambda ab: ab[1] / ab[0])(ols(X, Y)))
        xw = [d["vcsw"] * d["other_cpu"] for d in v]
        aw, bw = ols(xw, [d["cpu_us"] for d in v])
        dlo, dhi = boot(xw, [d["cpu_us"] for d in v], lambda X, Y: ols(X, Y)[1])
        xd = [d["duty"] for d in v]
        ad, bd = ols(xd, y)
        print(f"{p} n={len(v):2d} gamma {b / a:+6.2f} [{glo:+.2f}, {ghi:+.2f}] (by duty {bd / ad:+.2f})"
              f"   delta {bw:5.1f} us [{dlo:.1f}, {dhi:.1f}] on {aw / 1000:.2f} ms/s")
    print("\nat full duty: mem / spin and nice 0 / nice 10 (median CPU; runs above the spin median)")
    for p in pts:
        f = lambda c: [d["ms"] for d in rows if d["pt"] == p and d["cond"] == c]
        s, m, n0 = f("s100"), f("m100"), f("s100n0")
        if s and m and n0:
            ms = st.median(s)
            print(f"{p} mem/spin {st.median(m) / ms:.2f} ({sum(x > ms for x in m)}/{len(m)})"
                  f"   nice0/nice10 {st.median(n0) / ms:.2f} ({sum(x > ms for x in n0)}/{len(n0)})")
    v = [d for d in rows if d["kind"] != "none"]
    if len(v) > 3:
        a, b = ols([d["hog"] for d in v], [d["other_cpu"] for d in v])
        print(f"\nshare = {a:.3f} + {b:.3f} x the hog's own share (n={len(v)})")
    w = [d for d in rows if d["kind"] == "none"]
    if w:
        print(f"without a hog: share {med(w, 'other_cpu'):.2f} ({min(d['other_cpu'] for d in w):.2f}-"
              f"{max(d['other_cpu'] for d in w):.2f}), of it softirq {med(w, 'softirq'):.3f}")


if __name__ == "__main__":
    main()
