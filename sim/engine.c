/* Discrete-event engine: a calendar queue whose bucket count follows the number of pending
 * events and whose bucket width is re-tuned from the spacing of the earliest events. */
#include "engine.h"
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define MIN_BUCKETS 16
#define SAMPLE      25          /* events whose spacing sets the bucket width (Brown: 25)     */
#define RETUNE_OPS  4096        /* judge the width over windows of at least this many ops ... */
#define RETUNE_COST 3           /* ... and re-tune when they took more steps than this each    */

static inline int ev_less(const struct sim_event *a, const struct sim_event *b)
{
    return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

static inline size_t bucket_of(const struct sim *s, sim_time_t at)
{
    return (size_t)(((uint64_t)at >> s->shift) & (s->nb - 1));
}

static void *alloc_or_die(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) { perror("sim"); exit(1); }
    return p;
}

static int cmp_events(const void *a, const void *b)
{
    const struct sim_event *x = *(struct sim_event *const *)a, *y = *(struct sim_event *const *)b;
    return ev_less(x, y) ? -1 : ev_less(y, x);
}

/* Width: 3 x the mean spacing of the SAMPLE earliest events, spacings above twice the mean left
 * out (Brown's rule), rounded down to a power of two so the bucket is a shift away. */
static unsigned width_shift(struct sim_event *const *sorted, size_t n, unsigned old)
{
    if (n < 2) return old;
    size_t m = n < SAMPLE + 1 ? n : SAMPLE + 1;
    double mean = (double)(sorted[m - 1]->at - sorted[0]->at) / (double)(m - 1), sum = 0;
    size_t k = 0;
    for (size_t i = 1; i < m; i++) {
        double d = (double)(sorted[i]->at - sorted[i - 1]->at);
        if (d <= 2 * mean) { sum += d; k++; }
    }
    double w = 3.0 * (k && sum > 0 ? sum / (double)k : mean);
    unsigned shift = 0;
    while (shift < 62 && (double)(1ULL << (shift + 1)) <= w) shift++;
    return shift;
}

/* Re-bucket every pending event into nb buckets with a freshly tuned width. */
static void rebuild(struct sim *s, size_t nb)
{
    struct sim_event **all = alloc_or_die(s->n, sizeof *all);
    size_t k = 0;
    for (size_t b = 0; b < s->nb; b++)
        for (struct sim_event *e = s->bucket[b]; e; e = e->next) all[k++] = e;
    qsort(all, k, sizeof *all, cmp_events);
    s->shift = width_shift(all, k, s->shift);
    free(s->bucket);
    s->bucket = alloc_or_die(nb, sizeof *s->bucket);
    s->nb = nb;
    for (size_t i = k; i-- > 0;) {           /* latest first, so each lands at its list's head */
        struct sim_event **p = &s->bucket[bucket_of(s, all[i]->at)];
        all[i]->next = *p;
        *p = all[i];
    }
    free(all);
    s->cur = bucket_of(s, s->now);
    s->cur_end = (((uint64_t)s->now >> s->shift) + 1) << s->shift;
    s->retunes++;
}

/* Called when the population crossed a resize bound or a window of operations ended. */
static void maybe_rebuild(struct sim *s)
{
    if (s->n > 2 * s->nb) rebuild(s, 2 * s->nb);
    else if (s->n < s->nb / 4 && s->nb > MIN_BUCKETS) rebuild(s, s->nb / 2);
    else if (s->ops > s->ops_min && s->steps > RETUNE_COST * s->ops) rebuild(s, s->nb);
    else if (s->ops <= s->ops_min) return;
    /* a new window; a rebuild costs O(n log n), so at least 2n operations pay for it first */
    s->ops = s->steps = 0;
    s->ops_min = RETUNE_OPS > 2 * s->n ? RETUNE_OPS : 2 * s->n;
}

void sim_init(struct sim *s)
{
    memset(s, 0, sizeof *s);
    s->nb = MIN_BUCKETS;
    s->shift = 20;                           /* ~1 ms until there are events to measure */
    s->bucket = alloc_or_die(s->nb, sizeof *s->bucket);
    s->cur_end = 1ULL << s->shift;
    s->ops_min = RETUNE_OPS;
}

void sim_free(struct sim *s)
{
    for (size_t b = 0; b < s->nb; b++)
        for (struct sim_event *e = s->bucket[b], *nx; e; e = nx) { nx = e->next; e->next = NULL; e->seq = 0; }
    free(s->bucket);
    s->bucket = NULL;
    s->nb = s->n = 0;
}

static void unlink_event(struct sim *s, struct sim_event *ev)
{
    struct sim_event **p = &s->bucket[bucket_of(s, ev->at)];
    while (*p != ev) { p = &(*p)->next; s->steps++; }
    *p = ev->next;
    ev->next = NULL;
    ev->seq = 0;
    s->n--;
}

#ifdef SIM_DEBUG_REARM
/* Count the armings of ev within the current simulated millisecond (engine.h). */
static void debug_note_arm(const struct sim *s, struct sim_event *ev, sim_time_t at)
{
    int64_t ms = s->now / SIM_MS(1);
    if (ms != ev->dbg_ms) { ev->dbg_ms = ms; ev->dbg_arms = 0; }
    if (++ev->dbg_arms <= SIM_REARM_MAX_PER_MS) return;
    fprintf(stderr, "sim: event %p (handler %p) armed more than %u times in simulated ms %lld, last for %lld ns ahead: "
            "a re-arm loop\n", (void *)ev, (void *)(uintptr_t)ev->fn, SIM_REARM_MAX_PER_MS, (long long)ms,
            (long long)(at - s->now));
    abort();
}
#endif

void sim_schedule_at(struct sim *s, struct sim_event *ev, sim_time_t at)
{
    if (at < s->now) {
        fprintf(stderr, "sim: event scheduled in the past (%lld < %lld)\n", (long long)at, (long long)s->now);
        abort();
    }
#ifdef SIM_DEBUG_REARM
    debug_note_arm(s, ev, at);
#endif
    if (sim_event_pending(ev)) unlink_event(s, ev);    /* re-arm: TCP moves its RTO on nearly every ACK */
    ev->at = at;
    ev->seq = ++s->next_seq;                 /* from 1: 0 means not pending */
    struct sim_event **p = &s->bucket[bucket_of(s, at)];
    while (*p && !ev_less(ev, *p)) { p = &(*p)->next; s->steps++; }
    ev->next = *p;
    *p = ev;
    s->n++;
    s->ops++;
    if (s->n > 2 * s->nb || s->ops > s->ops_min) maybe_rebuild(s);
}

void sim_cancel(struct sim *s, struct sim_event *ev)
{
    if (sim_event_pending(ev)) unlink_event(s, ev);
}

/* The earliest pending event if it is due by `until`, else NULL: the current day's list head if
 * it falls within the day, else the next day's; after a whole year of empty days, straight to
 * the earliest list head (events far apart compared with the bucket width).  The current day
 * never moves past until's day: an event scheduled after the run stops at `until` lands in a
 * day the walk has not passed, and fires in its turn. */
static struct sim_event *peek_min(struct sim *s, sim_time_t until)
{
    if (!s->n) return NULL;
    for (size_t day = 0; day < s->nb; day++) {
        struct sim_event *e = s->bucket[s->cur];
        if (e && (uint64_t)e->at < s->cur_end) return e;
        if (s->cur_end > (uint64_t)until) return NULL;
        s->cur = (s->cur + 1) & (s->nb - 1);
        s->cur_end += 1ULL << s->shift;
        s->steps++;
    }
    struct sim_event *best = NULL;
    for (size_t b = 0; b < s->nb; b++) {
        struct sim_event *e = s->bucket[b];
        if (e && (!best || ev_less(e, best))) best = e;
    }
    s->steps += s->nb;
    if (best->at > until) return NULL;
    s->cur = bucket_of(s, best->at);
    s->cur_end = (((uint64_t)best->at >> s->shift) + 1) << s->shift;
    return best;
}

void sim_run_until(struct sim *s, sim_time_t until)
{
    s->stop = 0;
    while (!s->stop) {
        struct sim_event *ev = peek_min(s, until);
        if (!ev || ev->at > until) break;
        s->now = ev->at;
        s->bucket[s->cur] = ev->next;        /* the minimum is the head of the current day */
        ev->next = NULL;
        ev->seq = 0;
        s->n--;
        s->ops++;
        if ((s->n < s->nb / 4 && s->nb > MIN_BUCKETS) || s->ops > s->ops_min) maybe_rebuild(s);
        s->events_run++;
        ev->fn(s, ev);
    }
    if (!s->stop && s->now < until) s->now = until;
}
