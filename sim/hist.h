/* Log-linear histogram for delay percentiles: 64 sub-buckets per power of two of nanoseconds,
 * so any percentile is within 1.1 % of the exact sample value, in fixed memory. */
#ifndef SIM_HIST_H
#define SIM_HIST_H

#include <stdint.h>

#define HIST_SUB 64
#define HIST_OCTAVES 48                 /* up to 2^48 ns = 78 hours */

struct hist {
    uint64_t count;
    double   sum;                       /* exact mean comes from sum / count */
    uint64_t bucket[HIST_OCTAVES * HIST_SUB];
};

void   hist_reset(struct hist *h);
void   hist_add(struct hist *h, int64_t value);
double hist_mean(const struct hist *h);
/* q in [0,1]; returns the representative value of the bucket holding the q-quantile; 0 if empty. */
double hist_quantile(const struct hist *h, double q);

#endif
