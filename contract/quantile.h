/* A measured distribution kept as a table of quantiles, drawn by its inverse CDF: the one
 * interpolation every such table (the delay line's, tbf's watchdog) uses. */
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

#endif
