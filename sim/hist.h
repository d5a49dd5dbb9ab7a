/* Log-linear (HDR-style) histogram for delay percentiles: 64 sub-buckets per power of two of
 * nanoseconds, so any percentile is within 1.1 % of the exact sample value.  Counts live in one
 * 512-byte block per octave, allocated on first use: a queue that sees delays from 1 ms to 1 s
 * holds about 10 blocks (5 KiB) instead of all 48 (24.6 KiB), and an unused histogram none. */
#ifndef SIM_HIST_H
#define SIM_HIST_H

#include <stdint.h>

#define HIST_SUB 64
#define HIST_OCTAVES 48                 /* up to 2^48 ns = 78 hours */

struct hist {
    uint64_t  count;
    double    sum;                      /* exact mean comes from sum / count */
    uint64_t *octave[HIST_OCTAVES];     /* HIST_SUB counts each, NULL until a value lands there */
};

void   hist_init(struct hist *h);       /* empty, nothing allocated */
void   hist_reset(struct hist *h);      /* empty again; frees the octave blocks */
void   hist_free(struct hist *h);       /* same as hist_reset: the histogram stays usable */
void   hist_add(struct hist *h, int64_t value);
double hist_mean(const struct hist *h);
/* q in [0,1]; returns the representative value of the bucket holding the q-quantile; 0 if empty. */
double hist_quantile(const struct hist *h, double q);
/* Bytes of octave blocks held (the memory figure of make bench). */
uint64_t hist_bytes(const struct hist *h);

#endif
