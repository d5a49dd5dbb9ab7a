/* Seed derivation for per-component GSL streams.
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

gsl_rng *rng_stream(uint64_t run_seed, const char *component, uint64_t index)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r) { fprintf(stderr, "rng: out of memory\n"); exit(1); }
    uint64_t k = rng_mix64(rng_mix64(run_seed) ^ rng_fnv1a(RNG_FNV1A_INIT, component, strlen(component)));
    k = rng_mix64(k ^ rng_mix64(index + 1));
    /* mt19937 treats seed 0 as its default seed 4357; any fixed non-zero value is fine. */
    gsl_rng_set(r, (unsigned long)(k ? k : 1));
    return r;
}

void rng_free(gsl_rng *r) { gsl_rng_free(r); }
