/* Discrete-event engine: indexed 4-ary heap ordered by (time, sequence).
 * A 4-ary heap halves the depth of a binary one and keeps siblings in one cache line pair. */
#include "engine.h"
#include <stdlib.h>
#include <stdio.h>

#define ARITY 4

static inline int slot_less(const struct sim_heap_slot *a, const struct sim_heap_slot *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

void sim_init(struct sim *s)
{
    s->now = 0; s->next_seq = 0; s->events_run = 0; s->stop = 0;
    s->heap_cap = 1024;
    s->heap_len = 0;
    s->heap = malloc(s->heap_cap * sizeof *s->heap);
    if (!s->heap) { perror("sim_init"); exit(1); }
}

void sim_free(struct sim *s)
{
    for (size_t i = 0; i < s->heap_len; i++) s->heap[i].ev->heap_idx = -1;
    free(s->heap);
    s->heap = NULL; s->heap_len = s->heap_cap = 0;
}

static void sift_up(struct sim *s, size_t i)
{
    struct sim_heap_slot x = s->heap[i];
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

static void sift_down(struct sim *s, size_t i)
{
    struct sim_heap_slot x = s->heap[i];
    size_t n = s->heap_len;
    for (;;) {
        size_t c = i * ARITY + 1;
        if (c >= n) break;
        size_t best = c, end = c + ARITY < n ? c + ARITY : n;
        for (size_t k = c + 1; k < end; k++)
            if (slot_less(&s->heap[k], &s->heap[best])) best = k;
        if (!slot_less(&s->heap[best], &x)) break;
        s->heap[i] = s->heap[best];
        s->heap[i].ev->heap_idx = (int32_t)i;
        i = best;
    }
    s->heap[i] = x;
    x.ev->heap_idx = (int32_t)i;
}

static void heap_remove_at(struct sim *s, size_t i)
{
    s->heap[i].ev->heap_idx = -1;
    s->heap_len--;
    if (i == s->heap_len) return;
    s->heap[i] = s->heap[s->heap_len];
    s->heap[i].ev->heap_idx = (int32_t)i;
    if (i > 0 && slot_less(&s->heap[i], &s->heap[(i - 1) / ARITY])) sift_up(s, i);
    else sift_down(s, i);
}

void sim_schedule_at(struct sim *s, struct sim_event *ev, sim_time_t at)
{
    if (at < s->now) {
        fprintf(stderr, "sim: event scheduled in the past (%lld < %lld)\n", (long long)at, (long long)s->now);
        abort();
    }
    if (ev->heap_idx >= 0) {
        /* Re-arm in place: TCP moves its RTO on nearly every ACK, so avoid remove + insert. */
        size_t i = (size_t)ev->heap_idx;
        ev->at = at; ev->seq = s->next_seq++;
        s->heap[i].at = at; s->heap[i].seq = ev->seq;
        if (i > 0 && slot_less(&s->heap[i], &s->heap[(i - 1) / ARITY])) sift_up(s, i);
        else sift_down(s, i);
        return;
    }
    if (s->heap_len == s->heap_cap) {
        s->heap_cap *= 2;
        struct sim_heap_slot *h = realloc(s->heap, s->heap_cap * sizeof *h);
        if (!h) { perror("sim_schedule_at"); exit(1); }
        s->heap = h;
    }
    ev->at = at; ev->seq = s->next_seq++;
    size_t i = s->heap_len++;
    s->heap[i].at = at; s->heap[i].seq = ev->seq; s->heap[i].ev = ev;
    sift_up(s, i);
}

void sim_cancel(struct sim *s, struct sim_event *ev)
{
    if (ev->heap_idx >= 0) heap_remove_at(s, (size_t)ev->heap_idx);
}

void sim_run_until(struct sim *s, sim_time_t until)
{
    s->stop = 0;
    while (s->heap_len > 0 && !s->stop) {
        if (s->heap[0].at > until) break;
        struct sim_event *ev = s->heap[0].ev;
        s->now = s->heap[0].at;
        heap_remove_at(s, 0);
        s->events_run++;
        ev->fn(s, ev);
    }
    if (!s->stop && s->now < until) s->now = until;
}
