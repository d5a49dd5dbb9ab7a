/* The extra delay the kernel testbed's TUN delay line adds to each packet on top of its configured
 * delay, measured; the simulator's veth line draws from it (asym_link key delay_line_jitter). */
#ifndef CONTRACT_DELAY_LINE_H
#define CONTRACT_DELAY_LINE_H

#include <stdint.h>

/* The line (kernel/agent_delay.c) is one FIFO read and written by a program.  A packet due
 * (arrival + delay) after its predecessor left leaves at max(due + own, previous departure +
 * service): `own` is what exactly such packets took (the TUN queue, the reader's wake-up, read,
 * lateness and write).  A packet due while its predecessor is still inside takes no wake-up of
 * its own (the reader writes every packet already due before it sleeps again): it leaves at
 * previous departure + service and draws no own.  `service` is the median time between two
 * departures when the second had to wait (one write).  Both are measured per packet by
 * `ratelab kernel --delay-trace` and reduced by tools/delay_line_trace.py (commands and traces:
 * docs/validation.md, "The line's extra delay, per packet").  The extra grows with the packet
 * rate, so there is one table per measured load; a line takes the one measured nearest its rate
 * (down + up kbit/s, on a log scale). */
struct delay_line_point { double q, us; };   /* quantile q of own, in microseconds */
struct delay_line_table {
    const struct delay_line_point *pt;       /* q rises from 0 to 1 */
    int    n;
    double service_us;
    double line_kbps_max;                    /* used for lines up to this rate (down + up) */
};

/* 8000/256 kbit/s bulk (133 packets/s) and 1024/128 kbit/s with an upload paced at 80 %
 * (153 packets/s), seed 1 each, 20 ms: 5730 packets due after their predecessor left, of 8574;
 * service: the median of 2842 departure gaps. */
static const struct delay_line_point delay_line_low_pts[] = {
    { 0, 17.6 }, { 0.01, 75.4 }, { 0.05, 94.5 }, { 0.1, 107.2 }, { 0.2, 125.8 }, { 0.3, 142.5 }, { 0.4, 159.9 },
    { 0.5, 180.1 }, { 0.6, 204.3 }, { 0.7, 234.4 }, { 0.8, 270.8 }, { 0.9, 360.1 }, { 0.95, 497.0 }, { 0.975, 683.6 },
    { 0.99, 1204.8 }, { 0.995, 2300.6 }, { 0.999, 4172.5 }, { 1, 4785.0 }
};
/* 100000/10000 kbit/s, 20 downloads + 5 uploads (9782 packets/s), seed 1, 20 ms: 47013 packets
 * due after their predecessor left, of 293364; service: the median of 246350 gaps.  The trace's
 * packet socket loads this line: its lateness was 331 us per packet against 232 us untraced. */
static const struct delay_line_point delay_line_high_pts[] = {
    { 0, 5.9 }, { 0.01, 16.4 }, { 0.05, 33.4 }, { 0.1, 53.6 }, { 0.2, 67.6 }, { 0.3, 76.3 }, { 0.4, 87.5 },
    { 0.5, 102.3 }, { 0.6, 125.1 }, { 0.7, 151.8 }, { 0.8, 193.9 }, { 0.9, 303.5 }, { 0.95, 543.5 }, { 0.975, 929.5 },
    { 0.99, 1505.2 }, { 0.995, 2005.5 }, { 0.999, 3324.4 }, { 1, 8956.8 }
};
/* The boundary is the geometric mean of the measured lines' rates, 8256 and 110000 kbit/s. */
static const struct delay_line_table DELAY_LINE_TABLES[] = {
    { delay_line_low_pts, sizeof delay_line_low_pts / sizeof delay_line_low_pts[0], 15.6, 30136 },
    { delay_line_high_pts, sizeof delay_line_high_pts / sizeof delay_line_high_pts[0], 4.7, 1e300 },
};

static inline const struct delay_line_table *delay_line_for(double line_kbps)
{
    return line_kbps <= DELAY_LINE_TABLES[0].line_kbps_max ? &DELAY_LINE_TABLES[0] : &DELAY_LINE_TABLES[1];
}

/* `own` at uniform draw u in [0, 1): the inverse of the table's CDF, linear between its
 * quantiles (so a large sample of draws has the table's quantiles), in nanoseconds. */
static inline int64_t delay_line_own_ns(const struct delay_line_table *t, double u)
{
    int i = 1;
    while (i < t->n - 1 && t->pt[i].q <= u) i++;
    const struct delay_line_point *a = &t->pt[i - 1], *b = &t->pt[i];
    double f = b->q > a->q ? (u - a->q) / (b->q - a->q) : 0;
    if (f < 0) f = 0;
    if (f > 1) f = 1;
    return (int64_t)((a->us + f * (b->us - a->us)) * 1e3 + 0.5);
}

#endif
