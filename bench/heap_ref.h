/* The event heap the engine used before its calendar queue, kept for make bench only: an indexed
 * binary heap on a 128-bit (time << 64 | seq) key with Floyd's bottom-up root removal.  The
 * hold model runs on both in one process, so their ratio is measured under the same load. */
#ifndef BENCH_HEAP_REF_H
#define BENCH_HEAP_REF_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "engine.h"

struct ref_sim;
struct ref_event;
typedef void (*ref_event_fn)(struct ref_sim *s, struct ref_event *ev);

struct ref_event {
    sim_time_t    at;
    uint64_t      seq;
    int32_t       heap_idx;
    ref_event_fn  fn;
    void         *ctx;
};

struct ref_heap_slot {
    unsigned __int128 key;
    struct ref_event *ev;
};

struct ref_sim {
    sim_time_t            now;
    uint64_t              next_seq;
    uint64_t              events_run;
    struct ref_heap_slot *heap;
    size_t                heap_len, heap_cap;
    int                   stop;
};

#define ARITY 2


static inline int slot_less(const struct ref_heap_slot *a, const struct ref_heap_slot *b)
{
    return a->key < b->key;
}

/* Time is never negative (events are never scheduled before now >= 0), so it sorts as unsigned. */
static inline unsigned __int128 make_key(sim_time_t at, uint64_t seq)
{
    return ((unsigned __int128)(uint64_t)at << 64) | seq;
}

static void ref_sim_init(struct ref_sim *s)
{
    s->now = 0; s->next_seq = 0; s->events_run = 0; s->stop = 0;
    s->heap_cap = 1024;
    s->heap_len = 0;
    s->heap = malloc(s->heap_cap * sizeof *s->heap);
    if (!s->heap) { perror("ref_sim_init"); exit(1); }
}

static void ref_sim_free(struct ref_sim *s)
{
    for (size_t i = 0; i < s->heap_len; i++) s->heap[i].ev->heap_idx = -1;
    free(s->heap);
    s->heap = NULL; s->heap_len = s->heap_cap = 0;
}

static inline size_t min_child(const struct ref_heap_slot *h, size_t c, size_t n);

static void sift_up(struct ref_sim *s, size_t i)
{
    struct ref_heap_slot x = s->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / ARITY;
        if (!slot_less(&x, &s->heap[p])) break;
        s->heap[i] = s->heap[p];
        s->heap[i].ev->heap_idx = (int32_t)i;
        i = p;
    }
    s->heap[i] = x;
    x.ev->heap_idx = (int32_t)i;
}

static void sift_down(struct ref_sim *s, size_t i)
{
    struct ref_heap_slot x = s->heap[i];
    size_t n = s->heap_len, c;
    while ((c = i * ARITY + 1) < n) {
        size_t best = min_child(s->heap, c, n);
        if (!slot_less(&s->heap[best], &x)) break;
        s->heap[i] = s->heap[best];
        s->heap[i].ev->heap_idx = (int32_t)i;
        i = best;
    }
    s->heap[i] = x;
    x.ev->heap_idx = (int32_t)i;
}

/* Index of the smallest of the (up to ARITY) children starting at c. */
static inline size_t min_child(const struct ref_heap_slot *h, size_t c, size_t n)
{
    size_t best = c;
    size_t end = c + ARITY < n ? c + ARITY : n;
    for (size_t k = c + 1; k < end; k++)
        best = slot_less(&h[k], &h[best]) ? k : best;
    return best;
}

/* Remove the root bottom-up (Floyd): walk the hole down along the smaller children to a leaf,
 * then sift the last element up from there.  The last element nearly always belongs near the
 * bottom, so this saves the comparison against it at every level that a plain sift-down makes. */
static void heap_pop_root(struct ref_sim *s)
{
    struct ref_heap_slot *h = s->heap;
    h[0].ev->heap_idx = -1;
    size_t n = --s->heap_len;
    if (n == 0) return;
    size_t hole = 0, c;
    while ((c = hole * ARITY + 1) < n) {
        size_t m = min_child(h, c, n);
        h[hole] = h[m];
        h[hole].ev->heap_idx = (int32_t)hole;
        hole = m;
    }
    h[hole] = h[n];
    h[hole].ev->heap_idx = (int32_t)hole;
    sift_up(s, hole);
}

static void ref_sim_schedule_at(struct ref_sim *s, struct ref_event *ev, sim_time_t at)
{
    if (at < s->now) {
        fprintf(stderr, "sim: event scheduled in the past (%lld < %lld)\n", (long long)at, (long long)s->now);
        abort();
    }
    if (ev->heap_idx >= 0) {
        /* Re-arm in place: TCP moves its RTO on nearly every ACK, so avoid remove + insert. */
        size_t i = (size_t)ev->heap_idx;
        ev->at = at; ev->seq = s->next_seq++;
        s->heap[i].key = make_key(at, ev->seq);
        if (i > 0 && slot_less(&s->heap[i], &s->heap[(i - 1) / ARITY])) sift_up(s, i);
        else sift_down(s, i);
        return;
    }
    if (s->heap_len == s->heap_cap) {
        s->heap_cap *= 2;
        struct ref_heap_slot *h = realloc(s->heap, s->heap_cap * sizeof *h);
        if (!h) { perror("ref_sim_schedule_at"); exit(1); }
        s->heap = h;
    }
    ev->at = at; ev->seq = s->next_seq++;
    size_t i = s->heap_len++;
    s->heap[i].key = make_key(at, ev->seq); s->heap[i].ev = ev;
    sift_up(s, i);
}

static void ref_sim_run_until(struct ref_sim *s, sim_time_t until)
{
    s->stop = 0;
    while (s->heap_len > 0 && !s->stop) {
        struct ref_event *ev = s->heap[0].ev;
        if (ev->at > until) break;
        s->now = ev->at;
        heap_pop_root(s);
        s->events_run++;
        ev->fn(s, ev);
    }
    if (!s->stop && s->now < until) s->now = until;
}

#undef ARITY

#endif
