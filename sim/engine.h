/* Discrete-event engine: a clock, an indexed min-heap of intrusive events, cancellable timers.
 * Events live inside their owners (packets, TCP timers), so steady state allocates nothing. */
#ifndef SIM_ENGINE_H
#define SIM_ENGINE_H

#include <stdint.h>
#include <stddef.h>

typedef int64_t sim_time_t;                 /* nanoseconds since the start of the run */

#define SIM_NS(x)   ((sim_time_t)(x))
#define SIM_US(x)   ((sim_time_t)(x) * 1000LL)
#define SIM_MS(x)   ((sim_time_t)(x) * 1000000LL)
#define SIM_SEC(x)  ((sim_time_t)(x) * 1000000000LL)
#define SIM_NEVER   INT64_MAX

struct sim;
struct sim_event;
typedef void (*sim_event_fn)(struct sim *s, struct sim_event *ev);

/* An event is pending iff heap_idx >= 0.  Ties in time fire in the order they were scheduled
 * (seq), which is what makes a run a pure function of scenario + seed. */
struct sim_event {
    sim_time_t   at;
    uint64_t     seq;
    int32_t      heap_idx;
    sim_event_fn fn;
    void        *ctx;
};

struct sim_heap_slot {          /* key copied into the heap so comparisons never chase pointers */
    unsigned __int128 key;      /* (time << 64) | seq: one comparison orders by time, then by seq */
    struct sim_event *ev;
};

struct sim {
    sim_time_t            now;
    uint64_t              next_seq;
    uint64_t              events_run;
    struct sim_heap_slot *heap;
    size_t                heap_len, heap_cap;
    int                   stop;
};

void sim_init(struct sim *s);
void sim_free(struct sim *s);

static inline void sim_event_init(struct sim_event *ev, sim_event_fn fn, void *ctx)
{
    ev->at = 0; ev->seq = 0; ev->heap_idx = -1; ev->fn = fn; ev->ctx = ctx;
}
static inline int sim_event_pending(const struct sim_event *ev) { return ev->heap_idx >= 0; }

/* Schedule (or re-arm, if already pending) at absolute time `at` >= now. */
void sim_schedule_at(struct sim *s, struct sim_event *ev, sim_time_t at);
static inline void sim_schedule_in(struct sim *s, struct sim_event *ev, sim_time_t delay)
{
    sim_schedule_at(s, ev, s->now + delay);
}
void sim_cancel(struct sim *s, struct sim_event *ev);

/* Run events until the heap is empty, sim_stop() is called, or the next event is after `until`.
 * On return now == until unless stopped early. */
void sim_run_until(struct sim *s, sim_time_t until);
static inline void sim_stop(struct sim *s) { s->stop = 1; }

#endif
