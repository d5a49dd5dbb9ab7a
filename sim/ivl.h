/* Sets of disjoint byte intervals [start, end): the receiver's out-of-order queue and the sender's
 * SACK scoreboard are the same structure.  Invariant: sorted, disjoint, non-adjacent. */
#ifndef SIM_IVL_H
#define SIM_IVL_H

#include <stddef.h>
#include <stdint.h>

struct ivl_set {
    uint64_t *v;            /* v[2i] = start, v[2i+1] = end */
    size_t    n, cap;
};

void     ivl_add(struct ivl_set *s, uint64_t start, uint64_t end);
/* Forget everything below x (intervals ending at or below x go, one straddling x is trimmed). */
void     ivl_drop_below(struct ivl_set *s, uint64_t x);
uint64_t ivl_bytes(const struct ivl_set *s);
/* Index of the interval containing x, or -1. */
long     ivl_find(const struct ivl_set *s, uint64_t x);
void     ivl_clear(struct ivl_set *s);
void     ivl_free(struct ivl_set *s);

#endif
