/* The bucketed sliding-window rate: a fixed ring of byte counters indexed by absolute bucket
 * number, so rolling over is clearing the buckets that time skipped. */
#include "rate_window.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_SECONDS = 0, P_BUCKETS_PER_S = 1 };

static int64_t bucket_of(const struct rate_window_state *s, int64_t now_ns)
{
    int64_t q = now_ns / s->bucket_ns;
    if (now_ns % s->bucket_ns < 0) q--;
    return q;
}

static int window_check(const struct rate_params *p, char *err, size_t errlen)
{
    double n = p->v[P_SECONDS] * p->v[P_BUCKETS_PER_S];
    if (n > RATE_WINDOW_MAX_BUCKETS) {
        snprintf(err, errlen, "parameters 'seconds' x 'buckets_per_s' of window: %g buckets, at most %d allowed",
                 n, RATE_WINDOW_MAX_BUCKETS);
        return -1;
    }
    return 0;
}

/* The ring is sized by the parameters and allocated here, so the other estimators' state (a
 * few numbers) does not carry a maximum-sized ring; window_fini gives it back. */
static int window_init(struct rate_est *e, int64_t now_ns)
{
    struct rate_window_state *s = &e->s.win;
    memset(s, 0, sizeof *s);
    s->n_buckets = (uint32_t)(e->p.v[P_SECONDS] * e->p.v[P_BUCKETS_PER_S]);
    s->bucket_ns = (int64_t)(1e9 / e->p.v[P_BUCKETS_PER_S]);
    s->newest = bucket_of(s, now_ns);
    s->ring = calloc((size_t)s->n_buckets + 1, sizeof *s->ring);
    return s->ring ? 0 : -1;
}

static void window_fini(struct rate_est *e)
{
    free(e->s.win.ring);
    e->s.win.ring = NULL;
}

/* The ring keeps n + 1 buckets, newest - n .. newest: a full window of complete buckets
 * besides the running one. */
static int64_t ring_len(const struct rate_window_state *s) { return (int64_t)s->n_buckets + 1; }

static uint32_t slot(const struct rate_window_state *s, int64_t b)
{
    int64_t m = b % ring_len(s);
    return (uint32_t)(m < 0 ? m + ring_len(s) : m);
}

static void window_update(struct rate_est *e, int64_t now_ns, uint64_t bytes)
{
    struct rate_window_state *s = &e->s.win;
    int64_t b = bucket_of(s, now_ns);
    if (b > s->newest) {
        int64_t first = s->newest + 1;
        if (b - first >= ring_len(s)) first = b - ring_len(s) + 1;
        for (int64_t j = first; j <= b; j++) s->ring[slot(s, j)] = 0;
        s->newest = b;
    }
    s->ring[slot(s, s->newest)] += bytes;
}

static double window_read(const struct rate_est *e, int64_t now_ns)
{
    const struct rate_window_state *s = &e->s.win;
    int64_t b = bucket_of(s, now_ns);
    if (b < s->newest) b = s->newest;
    uint64_t sum = 0;
    /* complete buckets b-n .. b-1 that the ring still holds (newest-n .. newest) */
    for (int64_t j = b - (int64_t)s->n_buckets; j < b; j++)
        if (j >= s->newest - (int64_t)s->n_buckets && j <= s->newest) sum += s->ring[slot(s, j)];
    return (double)sum / e->p.v[P_SECONDS];
}

static const struct rate_param_def window_params[] = {
    [P_SECONDS]       = { "seconds", 2, 1, RATE_WINDOW_MAX_BUCKETS, 1, "window length, s (Transmission: 2)" },
    [P_BUCKETS_PER_S] = { "buckets_per_s", 1, 1, 100, 1, "buckets per second (Transmission: 5, i.e. 200 ms)" },
};

const struct rate_algo rate_algo_window = {
    .name = "window",
    .doc = "sliding window of time buckets (Transmission-like 2 s by default)",
    .params = window_params, .n_params = 2,
    .check = window_check,
    .init = window_init, .fini = window_fini, .update = window_update, .read = window_read,
};
