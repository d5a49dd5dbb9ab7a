/* The extra delay the kernel testbed's TUN delay line adds to each packet on top of its configured
 * delay, measured; the simulator's veth line draws from it (asym_link key delay_line_jitter). */
#ifndef CONTRACT_DELAY_LINE_H
#define CONTRACT_DELAY_LINE_H

#include <stdint.h>
#include "quantile.h"

/* The line (kernel/agent_delay.c) is one FIFO read and written by a program.  A packet due
 * (arrival + delay) after its predecessor left leaves at max(due + own, previous departure +
 * service): `own` is what exactly such packets took (the TUN queue, the reader's wake-up, read,
 * lateness and write).  A packet due while its predecessor is still inside takes no wake-up of
 * its own (the reader writes every packet already due before it sleeps again): it leaves at
 * previous departure + service and draws no own.  `service` is the time between two departures
 * when the second had to wait: one turn of the reader's loop (a write, with the forwarding and
 * shaping the write runs, and whatever preempts the reader), measured per such pair and kept as
 * a distribution, not its median: the gaps vary from 3 us to milliseconds, and a line that always
 * takes the median empties too fast (the kernel's bursts enter the FIFO 3 to 90 us apart, not
 * one constant).  Both are measured per packet by `ratelab kernel --delay-trace` and reduced by
 * tools/delay_line_trace.py --table, which writes the rows below (commands and traces:
 * docs/validation.md, "The line's extra delay, per packet").  The extra grows with the packet
 * rate, so there is one table per measured load; a line takes the one measured nearest its rate
 * (down + up kbit/s, on a log scale). */
struct delay_line_point { double q, own_us, service_us; };   /* quantile q of each, in microseconds */
struct delay_line_table {
    const struct delay_line_point *pt;       /* q rises from 0 to 1 */
    int    n;
    double line_kbps_max;                    /* used for lines up to this rate (down + up) */
};

/* One set of traces, taken 2026-12-01 one at a time under the measurement lock, seed 1, 20 ms.
 * Low: 8000/256 kbit/s bulk (134 packets/s) and 1024/128 kbit/s with an upload paced at 80 %
 * (154 packets/s), on a host other work kept 92-94 % busy.  Own: 5768 packets due after their
 * predecessor left, of 8626 (mean 192 us); service: the 2856 departure gaps of the packets that
 * waited (median 9.2 us, mean 22.1). */
static const struct delay_line_point delay_line_low[] = {
    { 0, 22.6, 3.2 }, { 0.01, 61.4, 3.3 }, { 0.05, 73.3, 3.6 }, { 0.1, 82.2, 3.7 }, { 0.2, 99.1, 4.2 }, { 0.3, 116.0, 4.9 },
    { 0.4, 131.2, 6.6 }, { 0.5, 149.1, 9.2 }, { 0.6, 169.6, 14.2 }, { 0.7, 194.3, 22.1 }, { 0.8, 229.3, 39.7 }, { 0.9, 305.9, 55.6 },
    { 0.95, 441.2, 70.0 }, { 0.975, 625.4, 92.3 }, { 0.99, 857.9, 127.7 }, { 0.995, 1118.7, 160.8 }, { 0.999, 2622.6, 288.3 }, { 1, 7060.9, 374.1 }
};
/* High: 100000/10000 kbit/s, 20 downloads + 5 uploads (9829 packets/s), started on a host idle
 * for 5 s (--wait-idle 0.10), 82 % busy over the run (38 % the run's own processes).  The trace's
 * packet socket loads this line: its lateness was 407 us per packet (232 us in an untraced run
 * before).  Own: 46384 packets of 294825 (mean 180 us); service: 248440 gaps (median 5.0 us,
 * mean 31.4). */
static const struct delay_line_point delay_line_high[] = {
    { 0, 6.7, 2.8 }, { 0.01, 16.7, 3.2 }, { 0.05, 34.0, 3.3 }, { 0.1, 52.2, 3.4 }, { 0.2, 66.1, 3.6 }, { 0.3, 77.1, 3.9 },
    { 0.4, 89.9, 4.5 }, { 0.5, 107.4, 5.0 }, { 0.6, 129.9, 5.5 }, { 0.7, 159.1, 6.6 }, { 0.8, 202.2, 11.9 }, { 0.9, 317.0, 72.2 },
    { 0.95, 532.3, 114.5 }, { 0.975, 867.2, 210.9 }, { 0.99, 1420.8, 424.3 }, { 0.995, 1902.2, 731.0 }, { 0.999, 3591.0, 2005.7 }, { 1, 7537.3, 18423.2 }
};
/* The boundary is the geometric mean of the measured lines' rates, 8256 and 110000 kbit/s. */
static const struct delay_line_table DELAY_LINE_TABLES[] = {
    { delay_line_low, sizeof delay_line_low / sizeof delay_line_low[0], 30136 },
    { delay_line_high, sizeof delay_line_high / sizeof delay_line_high[0], 1e300 },
};

static inline const struct delay_line_table *delay_line_for(double line_kbps)
{
    return line_kbps <= DELAY_LINE_TABLES[0].line_kbps_max ? &DELAY_LINE_TABLES[0] : &DELAY_LINE_TABLES[1];
}

/* `own` (service = 0) or `service` (1) at uniform draw u in [0, 1): the inverse of its CDF,
 * linear between its quantiles (so a large sample of draws has the table's quantiles), in ns. */
static inline int64_t delay_line_quantile_ns(const struct delay_line_table *t, int service, double u)
{
    int i = 1;
    while (i < t->n - 1 && t->pt[i].q <= u) i++;
    const struct delay_line_point *a = &t->pt[i - 1], *b = &t->pt[i];
    return quantile_lerp_ns(a->q, service ? a->service_us : a->own_us, b->q, service ? b->service_us : b->own_us, u);
}

static inline int64_t delay_line_own_ns(const struct delay_line_table *t, double u) { return delay_line_quantile_ns(t, 0, u); }
static inline int64_t delay_line_service_ns(const struct delay_line_table *t, double u) { return delay_line_quantile_ns(t, 1, u); }

#endif
