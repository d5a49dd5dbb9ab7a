/* Seed derivation for per-component GSL streams, and the generator behind them.
 * Mixing (run seed, FNV-1a(name), index) through splitmix64 decorrelates neighbouring seeds. */
#include "rng.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t rng_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t rng_fnv1a(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) { h ^= p[i]; h *= 0x100000001b3ULL; }
    return h;
}

/* MT19937 (M. Matsumoto and T. Nishimura, ACM TOMACS 8(1), 1998) with the 2002 seeding of its
 * authors, which is GSL's gsl_rng_mt19937: the same 32-bit words for the same seed (a test draws
 * both side by side), from 2.5 KB of state where GSL keeps each 32-bit word in an unsigned long
 * (5 KB).  A swarm holds one stream per peer, so this is a third of a peer's memory. */
#define MT_N 624
#define MT_M 397
struct mt_state { uint32_t mt[MT_N]; uint32_t mti; };

static void mt_seed(void *vs, unsigned long seed)
{
    struct mt_state *st = vs;
    if (seed == 0) seed = 4357;                  /* GSL's default seed */
    st->mt[0] = (uint32_t)seed;
    for (uint32_t i = 1; i < MT_N; i++)
        st->mt[i] = 1812433253u * (st->mt[i - 1] ^ (st->mt[i - 1] >> 30)) + i;
    st->mti = MT_N;
}

/* The next N words of the recurrence, in place. */
static void mt_twist(struct mt_state *st)
{
    for (uint32_t i = 0; i < MT_N; i++) {
        uint32_t y = (st->mt[i] & 0x80000000u) | (st->mt[(i + 1) % MT_N] & 0x7fffffffu);
        st->mt[i] = st->mt[(i + MT_M) % MT_N] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    st->mti = 0;
}

static unsigned long mt_get(void *vs)
{
    struct mt_state *st = vs;
    if (st->mti >= MT_N) mt_twist(st);
    uint32_t y = st->mt[st->mti++];
    y ^= y >> 11;                                /* tempering */
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

static double mt_get_double(void *vs) { return (double)mt_get(vs) / 4294967296.0; }

static const gsl_rng_type mt19937_compact = {
    "mt19937-compact", 0xffffffffUL, 0, sizeof(struct mt_state), mt_seed, mt_get, mt_get_double
};
const gsl_rng_type *rng_mt19937_compact = &mt19937_compact;

gsl_rng *rng_stream(uint64_t run_seed, const char *component, uint64_t index)
{
    gsl_rng *r = gsl_rng_alloc(rng_mt19937_compact);
    if (!r) { fprintf(stderr, "rng: out of memory\n"); exit(1); }
    uint64_t k = rng_mix64(rng_mix64(run_seed) ^ rng_fnv1a(RNG_FNV1A_INIT, component, strlen(component)));
    k = rng_mix64(k ^ rng_mix64(index + 1));
    /* mt19937 treats seed 0 as its default seed 4357; any fixed non-zero value is fine. */
    gsl_rng_set(r, (unsigned long)(k ? k : 1));
    return r;
}

void rng_free(gsl_rng *r) { gsl_rng_free(r); }
