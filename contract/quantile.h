/* A measured distribution kept as a table of quantiles, drawn by its inverse CDF: the one
 * interpolation every such table (the delay line's, tbf's watchdog, the hosts' backlogs) uses. */
#ifndef CONTRACT_QUANTILE_H
#define CONTRACT_QUANTILE_H

#include <stdint.h>

/* The value at uniform draw u between quantile qa (value a_us) and qb (b_us), linear, in ns:
 * a large sample of draws then has the table's quantiles. */
static inline int64_t quantile_lerp_ns(double qa, double a_us, double qb, double b_us, double u)
{
    double f = qb > qa ? (u - qa) / (qb - qa) : 0;
    if (f < 0) f = 0;
    if (f > 1) f = 1;
    return (int64_t)((a_us + f * (b_us - a_us)) * 1e3 + 0.5);
}

/* One measured quantity as a table of quantiles: q rises from 0 to 1, us in microseconds. */
struct quantile_point { double q, us; };

/* The value at uniform draw u in [0, 1) of such a table of n points: the inverse of its CDF,
 * linear between quantiles, in ns. */
static inline int64_t quantile_table_ns(const struct quantile_point *pt, int n, double u)
{
    int i = 1;
    while (i < n - 1 && pt[i].q <= u) i++;
    return quantile_lerp_ns(pt[i - 1].q, pt[i - 1].us, pt[i].q, pt[i].us, u);
}

#endif
