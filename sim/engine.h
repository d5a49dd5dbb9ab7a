/* Discrete-event engine: a clock, a calendar queue of intrusive events, cancellable timers.
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

/* Events fire in (at, seq) order: ties in time fire in the order they were scheduled, which is
 * what makes a run a pure function of scenario + seed. */
struct sim_event {
    sim_time_t        at;
    uint64_t          seq;          /* from 1 while pending; 0: not pending (saves a flag's  */
                                    /* 8 padded bytes in each of a swarm's ~25 events a peer) */
    struct sim_event *next;         /* next in its bucket, (at, seq) ascending               */
    sim_event_fn      fn;
    void             *ctx;
#ifdef SIM_DEBUG_REARM
    int64_t           dbg_ms;       /* simulated ms of the last arming                       */
    uint32_t          dbg_arms;     /* armings within that ms                                */
#endif
};

/* Debug builds (SIM_DEBUG_REARM: make DEBUG=1, and the sanitizer build) abort when one event is
 * armed more than this many times within one simulated millisecond: an event that re-arms itself
 * 0 or 1 ns ahead (a livelock whose results still look normal) is stopped in its first
 * simulated millisecond.  The bound allows an event every 10 ns on average, e.g. a link's
 * serialization end for 40-byte ACKs at 32 Gbit/s. */
#define SIM_REARM_MAX_PER_MS 100000u

/* Calendar queue (R. Brown, CACM 31(10), 1988): nb buckets (a power of two) of width 2^shift
 * ns; an event at time t sits in bucket (t >> shift) mod nb, in a list sorted by (at, seq).
 * The buckets are walked like the days of a year; cur is the day that holds `now`. */
struct sim {
    sim_time_t         now;
    uint64_t           next_seq;
    uint64_t           events_run;
    struct sim_event **bucket;
    size_t             nb, n;       /* buckets, pending events                               */
    unsigned           shift;
    size_t             cur;         /* bucket of the day being served                        */
    uint64_t           cur_end;     /* end of that day (exclusive), ns                       */
    uint64_t           ops, steps;  /* since the last re-tune: queue operations, list and day
                                       steps they took (re-tune when steps outgrow ops)      */
    uint64_t           ops_min;     /* operations before the next re-tune may happen         */
    uint64_t           retunes;     /* bucket-width re-tunes and resizes (make bench reports) */
    int                stop;
};

void sim_init(struct sim *s);
void sim_free(struct sim *s);

static inline void sim_event_init(struct sim_event *ev, sim_event_fn fn, void *ctx)
{
    ev->at = 0; ev->seq = 0; ev->next = NULL; ev->fn = fn; ev->ctx = ctx;
#ifdef SIM_DEBUG_REARM
    ev->dbg_ms = -1; ev->dbg_arms = 0;
#endif
}
static inline int sim_event_pending(const struct sim_event *ev) { return ev->seq != 0; }

/* Schedule (or re-arm, if already pending) at absolute time `at` >= now. */
void sim_schedule_at(struct sim *s, struct sim_event *ev, sim_time_t at);
static inline void sim_schedule_in(struct sim *s, struct sim_event *ev, sim_time_t delay)
{
    sim_schedule_at(s, ev, s->now + delay);
}
void sim_cancel(struct sim *s, struct sim_event *ev);

/* Run events until none is pending, sim_stop() is called, or the next event is after `until`.
 * On return now == until unless stopped early. */
void sim_run_until(struct sim *s, sim_time_t until);
static inline void sim_stop(struct sim *s) { s->stop = 1; }

#endif
