/* Independent random streams: one GSL generator per simulated component, seeded from
 * (run seed, stream id) so adding a component never changes the draws of the others. */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <stddef.h>
#include <stdint.h>
#include <gsl/gsl_rng.h>

/* Stream ids are stable names hashed to integers: rng_stream(seed, "peer", 7).  Streams are
 * MT19937 with the draws of GSL's gsl_rng_mt19937, in half its memory. */
gsl_rng *rng_stream(uint64_t run_seed, const char *component, uint64_t index);
void     rng_free(gsl_rng *r);
extern const gsl_rng_type *rng_mt19937_compact;

/* splitmix64: the seed mixer, exposed for tests and for deriving stable ids. */
uint64_t rng_mix64(uint64_t x);

/* FNV-1a (64 bit) over bytes, continuing from h (RNG_FNV1A_INIT to start): stream ids, and the
 * checksum that tells a damaged regression baseline from a whole one. */
#define RNG_FNV1A_INIT 0xcbf29ce484222325ULL
uint64_t rng_fnv1a(uint64_t h, const void *data, size_t len);

#endif
