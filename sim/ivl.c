/* Interval-set operations by linear scan: sets hold a handful of holes in practice (a window of
 * losses), so a sorted array beats a tree and never allocates once grown. */
#include "ivl.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ivl_add(struct ivl_set *s, uint64_t start, uint64_t end)
{
    if (end <= start) return;
    size_t i = 0;
    while (i < s->n && s->v[2 * i + 1] < start) i++;
    size_t j = i;
    while (j < s->n && s->v[2 * j] <= end) {          /* overlapping or adjacent: absorb */
        if (s->v[2 * j] < start) start = s->v[2 * j];
        if (s->v[2 * j + 1] > end) end = s->v[2 * j + 1];
        j++;
    }
    if (j == i) {
        if (s->n == s->cap) {
            s->cap = s->cap ? 2 * s->cap : 8;
            uint64_t *v = realloc(s->v, s->cap * 2 * sizeof *v);
            if (!v) { perror("ivl"); exit(1); }
            s->v = v;
        }
        memmove(&s->v[2 * (i + 1)], &s->v[2 * i], (s->n - i) * 2 * sizeof *s->v);
        s->n++;
    } else if (j > i + 1) {
        memmove(&s->v[2 * (i + 1)], &s->v[2 * j], (s->n - j) * 2 * sizeof *s->v);
        s->n -= j - i - 1;
    }
    s->v[2 * i] = start;
    s->v[2 * i + 1] = end;
}

void ivl_drop_below(struct ivl_set *s, uint64_t x)
{
    size_t k = 0;
    while (k < s->n && s->v[2 * k + 1] <= x) k++;
    if (k) {
        memmove(s->v, &s->v[2 * k], (s->n - k) * 2 * sizeof *s->v);
        s->n -= k;
    }
    if (s->n && s->v[0] < x) s->v[0] = x;
}

uint64_t ivl_bytes(const struct ivl_set *s)
{
    uint64_t b = 0;
    for (size_t i = 0; i < s->n; i++) b += s->v[2 * i + 1] - s->v[2 * i];
    return b;
}

long ivl_find(const struct ivl_set *s, uint64_t x)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[2 * i] <= x && x < s->v[2 * i + 1]) return (long)i;
    return -1;
}

void ivl_clear(struct ivl_set *s) { s->n = 0; }

void ivl_free(struct ivl_set *s)
{
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}
