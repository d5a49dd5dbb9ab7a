/* The fuzzed entry points, one per parser of outside input: each takes arbitrary bytes and must
 * return without a crash, a leak or undefined behaviour, whatever the bytes say. */
#ifndef FUZZ_TARGETS_H
#define FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

int fuzz_scenario(const uint8_t *data, size_t size);   /* a scenario file */
int fuzz_where(const uint8_t *data, size_t size);      /* a --where expression */
int fuzz_trace(const uint8_t *data, size_t size);      /* a rate-replay trace (first byte: algorithm) */

#endif
