/* Log-linear histogram: bucket index = octave * 64 + top 6 bits below the leading one.
 * Values below 64 get their own exact buckets (octave 0). */
#include "hist.h"
#include <string.h>

void hist_reset(struct hist *h) { memset(h, 0, sizeof *h); }

static unsigned bucket_of(uint64_t v)
{
    if (v < HIST_SUB) return (unsigned)v;
    unsigned lead = 63u - (unsigned)__builtin_clzll(v);          /* >= 6 */
    unsigned oct = lead - 5u;                                     /* >= 1 */
    if (oct >= HIST_OCTAVES) return HIST_OCTAVES * HIST_SUB - 1;
    unsigned sub = (unsigned)((v >> (lead - 6u)) & (HIST_SUB - 1));
    return oct * HIST_SUB + sub;
}

static double bucket_mid(unsigned b)
{
    unsigned oct = b / HIST_SUB, sub = b % HIST_SUB;
    if (oct == 0) return (double)sub;
    double lo = (double)((uint64_t)(HIST_SUB + sub) << (oct - 1));
    double width = (double)(1ULL << (oct - 1));
    return lo + width / 2.0;
}

void hist_add(struct hist *h, int64_t value)
{
    uint64_t v = value < 0 ? 0 : (uint64_t)value;
    h->bucket[bucket_of(v)]++;
    h->count++;
    h->sum += (double)v;
}

double hist_mean(const struct hist *h) { return h->count ? h->sum / (double)h->count : 0.0; }

double hist_quantile(const struct hist *h, double q)
{
    if (!h->count) return 0.0;
    uint64_t rank = (uint64_t)(q * (double)(h->count - 1)) + 1;   /* 1-based */
    uint64_t seen = 0;
    for (unsigned b = 0; b < HIST_OCTAVES * HIST_SUB; b++) {
        seen += h->bucket[b];
        if (seen >= rank) return bucket_mid(b);
    }
    return bucket_mid(HIST_OCTAVES * HIST_SUB - 1);
}
