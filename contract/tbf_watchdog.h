/* How late the kernel testbed's tbf releases a packet that waited for its tokens, measured; the
 * simulator's veth line draws from it (asym_link key tbf_watchdog). */
#ifndef CONTRACT_TBF_WATCHDOG_H
#define CONTRACT_TBF_WATCHDOG_H

#include <stdint.h>
#include "quantile.h"

/* tbf_dequeue (net/sched/sch_tbf.c) arms its watchdog, an hrtimer (qdisc_watchdog_schedule_ns),
 * for the moment the head packet's tokens will be there; the timer's expiry schedules the qdisc
 * and the NET_TX softirq dequeues it, with whatever the tokens grew to meanwhile.  The lateness is
 * the time from the timer's expiry time to that dequeue: the timer interrupt's lateness and the
 * softirq's.  Measured per expiry with the tracepoints timer:hrtimer_start / hrtimer_expire_entry
 * and qdisc:qdisc_dequeue (tools/tbf_watchdog_trace.sh, reduced by tools/tbf_watchdog_trace.py
 * --table, which writes the rows below; an expiry whose dequeue found no packet, released first
 * by an enqueue, is not counted), 2 December 2026 on a host idle for 5 s before each run (other
 * processes 1-3 % of its CPU), seeds 1-3, both directions pooled; the tracing adds about 1 us
 * per event.  Commands and figures: docs/validation.md, "tbf's watchdog".  The lateness is the
 * host's, and its tail differs from run to run (at 100/10 Mbit/s the mean 33-100 us per trace);
 * one table per measured load, a line taking the one measured nearest its rate (down + up
 * kbit/s, on a log scale), as the delay line's tables. */
struct tbf_watchdog_table {
    const struct quantile_point *pt;                /* the lateness's quantiles */
    int    n;
    double line_kbps_max;                           /* used for lines up to this rate (down + up) */
};

/* Low: 8000/256 kbit/s, one bulk download and one bulk upload, 14 s from 10 s of each run
 * (4571 expiries, mean 91.7 us). */
static const struct quantile_point tbf_watchdog_low[] = {
    { 0, 8.6 }, { 0.01, 17.6 }, { 0.05, 20.6 }, { 0.1, 24.5 }, { 0.2, 30.8 }, { 0.3, 35.7 },
    { 0.4, 40.1 }, { 0.5, 44.7 }, { 0.6, 49.7 }, { 0.7, 56.3 }, { 0.8, 68.9 }, { 0.9, 97.7 },
    { 0.95, 185.7 }, { 0.975, 454.6 }, { 0.99, 1385.3 }, { 0.995, 2404.3 }, { 0.999, 3564.8 }, { 1, 6560.2 }
};
/* High: 100000/10000 kbit/s, 20 downloads + 5 uploads, 4 s from 10 s of each run (76391
 * expiries, mean 43.8 us). */
static const struct quantile_point tbf_watchdog_high[] = {
    { 0, 2.7 }, { 0.01, 12.7 }, { 0.05, 16.9 }, { 0.1, 18.6 }, { 0.2, 22.0 }, { 0.3, 24.5 },
    { 0.4, 27.2 }, { 0.5, 30.0 }, { 0.6, 33.1 }, { 0.7, 36.7 }, { 0.8, 41.9 }, { 0.9, 57.6 },
    { 0.95, 82.2 }, { 0.975, 134.8 }, { 0.99, 349.2 }, { 0.995, 589.6 }, { 0.999, 1402.8 }, { 1, 9424.0 }
};
/* The boundary is the geometric mean of the measured lines' rates, 8256 and 110000 kbit/s. */
static const struct tbf_watchdog_table TBF_WATCHDOG_TABLES[] = {
    { tbf_watchdog_low, sizeof tbf_watchdog_low / sizeof tbf_watchdog_low[0], 30136 },
    { tbf_watchdog_high, sizeof tbf_watchdog_high / sizeof tbf_watchdog_high[0], 1e300 },
};

static inline const struct tbf_watchdog_table *tbf_watchdog_for(double line_kbps)
{
    return line_kbps <= TBF_WATCHDOG_TABLES[0].line_kbps_max ? &TBF_WATCHDOG_TABLES[0] : &TBF_WATCHDOG_TABLES[1];
}

/* The lateness at uniform draw u in [0, 1): the inverse of its CDF, linear between quantiles, in ns. */
static inline int64_t tbf_watchdog_late_ns(const struct tbf_watchdog_table *t, double u)
{
    return quantile_table_ns(t->pt, t->n, u);
}

#endif
