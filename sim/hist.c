/* Log-linear histogram: bucket index = octave * 64 + top 6 bits below the leading one, values
 * below 64 exact (octave 0).  The same buckets as a flat 48 x 64 array, so quantiles are identical. */
#include "hist.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hist_init(struct hist *h) { memset(h, 0, sizeof *h); }

void hist_reset(struct hist *h)
{
    for (unsigned o = 0; o < HIST_OCTAVES; o++) free(h->octave[o]);
    hist_init(h);
}

void hist_free(struct hist *h) { hist_reset(h); }

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
    unsigned b = bucket_of(v);
    uint64_t **oct = &h->octave[b / HIST_SUB];
    if (!*oct && !(*oct = calloc(HIST_SUB, sizeof **oct))) { perror("hist"); exit(1); }
    (*oct)[b % HIST_SUB]++;
    h->count++;
    h->sum += (double)v;
}

double hist_mean(const struct hist *h) { return h->count ? h->sum / (double)h->count : 0.0; }

double hist_quantile(const struct hist *h, double q)
{
    if (!h->count) return 0.0;
    uint64_t rank = (uint64_t)(q * (double)(h->count - 1)) + 1;   /* 1-based */
    uint64_t seen = 0;
    for (unsigned o = 0; o < HIST_OCTAVES; o++) {
        if (!h->octave[o]) continue;
        for (unsigned s = 0; s < HIST_SUB; s++) {
            seen += h->octave[o][s];
            if (seen >= rank) return bucket_mid(o * HIST_SUB + s);
        }
    }
    return bucket_mid(HIST_OCTAVES * HIST_SUB - 1);
}

uint64_t hist_bytes(const struct hist *h)
{
    uint64_t n = 0;
    for (unsigned o = 0; o < HIST_OCTAVES; o++) n += h->octave[o] ? HIST_SUB * sizeof *h->octave[o] : 0;
    return n;
}
