/* Worker processes for sweeps and regression re-runs: J forked workers run simulations
 * in-process and send each result over their own pipe; the parent alone touches the database. */
#ifndef CLI_SWEEP_POOL_H
#define CLI_SWEEP_POOL_H

#include <stddef.h>
#include <stdint.h>
#include "cli.h"
#include "db.h"

/* One simulation to run: an experiment, the values of its parameters and the seed (a sweep's
 * points are shared by all their seeds, so the seed is kept apart). */
struct run_task {
    const struct experiment *exp;
    const double            *vals;    /* exp->n_params values */
    int                      seed_at; /* index of the seed key in vals, -1 if none */
    double                   seed;
    enum result_series       series;  /* which time series the run keeps */
};

/* The task's parameter set (seed applied) in ps, which must have been params_init'ed for the
 * task's experiment. */
void run_task_params(const struct run_task *t, struct param_set *ps);

struct pool_result {
    size_t            task;          /* index into the task array */
    int               rc;            /* 0; -1 with err set (the run failed or the worker died); 1: the run
                                        finished but broke an invariant (err says how; res is whole) */
    char              err[512];
    struct run_result res;           /* metrics, rows, series names; the points come encoded: */
    struct db_series_rows series;    /* the series as database rows, encoded by the worker */
    int64_t           started_ms, finished_ms;
};

/* Called in the parent for each finished task, in completion order; non-zero stops dispatching
 * (e.g. the database failed). */
typedef int (*pool_done_fn)(void *ctx, const struct pool_result *r);
/* Called in the parent when no result has arrived for POOL_IDLE_S (the writer commits then). */
typedef void (*pool_idle_fn)(void *ctx);
#define POOL_IDLE_S 0.05

struct pool_summary {
    size_t completed;     /* results delivered to done(), failed runs included */
    size_t failed;
    int    interrupted;   /* SIGINT, SIGTERM or SIGHUP arrived (its number): no task started after it */
    int    stopped;       /* done() asked to stop */
};

/* Runs tasks[order[0..n-1]] on `jobs` workers.  The first SIGINT, SIGTERM or SIGHUP stops
 * dispatching and waits for the runs in progress (their results still reach done()); a second
 * SIGINT kills the workers.  Returns 0, or -1 if no worker could be started. */
int pool_run(int jobs, const struct run_task *tasks, const size_t *order, size_t n,
             pool_done_fn done, pool_idle_fn idle, void *ctx, struct pool_summary *sum, char *err, size_t errlen);

/* SIGINT, SIGTERM and SIGHUP set a flag instead of killing the process, from pool_signals_catch
 * until the matching pool_signals_release (calls nest: a caller that holds a database open
 * catches them for its whole lifetime, pool_run for its own).  pool_stop_signal gives the first
 * one caught (0: none); exit statuses follow the shell's 128 + signal number. */
void        pool_signals_catch(void);
void        pool_signals_release(void);
int         pool_stop_signal(void);
const char *pool_signal_name(int sig);

/* Milliseconds of a monotonic clock, for progress and timing. */
double pool_mono_s(void);

#endif
