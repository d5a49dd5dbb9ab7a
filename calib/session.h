/* One `ratelab calibrate` session's data and steps: the micro-benchmarks and latencies, the plan
 * measured in rounds of repetitions (the sender's records of each kept in a temporary
 * directory), the fit per path, the calibration assembled from them, and every point run
 * through the simulator's receiving process. */
#ifndef CALIB_SESSION_H
#define CALIB_SESSION_H

#include "calib.h"
#include "fitpath.h"
#include "plan.h"
#include "simpoint.h"
#include "wakeshare.h"

struct calib_session {
    struct calib_env          env;
    int                       paths[PATH__N], quick, reps;
    struct calib_bench        cb, erl;                    /* erl: zero without Erlang */
    struct calib_latency_run  lat_c, lat_erl;             /* quantiles averaged over the runs */
    int                       n_lat;                      /* latency runs: before each round and at the end */
    struct calib_wake_series  ws[2];                      /* the hog series, [0] C, [1] Erlang (n 0: not measured) */
    struct calib_wake_fit     wf[2];                      /* ... its slopes by sleep and form */
    char                      trace_dir[256];             /* the sender's records of every observation */
    struct calib_item        *items;
    size_t                    n_items;
    struct calib_obs         *obs;                        /* n_items x reps, in the order run */
    size_t                    n_obs;
    struct calib_path_fit     fit[PATH__N];
    double                    fixed[PATH__N][CPUF__N];    /* NAN: fitted */
    struct cpu_calibration    cal;                        /* assembled from fits and benches */
    struct calib_sim_out     *sim;                        /* per observation, the simulator on its traffic */
    int                      *simmed;                     /* 1: sim[i] holds a result */
    double                    heldout_max_rel[PATH__N], heldout_count_max_rel[PATH__N];
    double                    steal_max;                  /* a point stolen more is measured again; 1: never */
    size_t                    steal_retries;              /* measurements taken again for steal */
    int                       steal_unseen;               /* a guest whose hypervisor reported no steal at the start */
};

/* The quiet-host rule of a session's points (docs/experiments.md, "Steal"): a point measured while
 * the hypervisor took more than max of the receiver's or sender's CPU is measured again, up to
 * CALIB_STEAL_TRIES times in all, and the least stolen measurement is kept. */
#define CALIB_STEAL_MAX_DEFAULT 0.005
#define CALIB_STEAL_TRIES 6
/* Before each try, a spell of CALIB_STEAL_QUIET_MS at most that stolen is waited for (steal comes
 * in bursts of seconds), for at most CALIB_STEAL_WAIT_MS. */
#define CALIB_STEAL_QUIET_MS 1000
#define CALIB_STEAL_WAIT_MS 30000
/* 1 if a measurement with steal share `steal` is to be taken again after `tries` measurements:
 * above max (a NAN share, not recorded, is never above) and tries left. */
int  calib_steal_again(double steal, double max, int tries);
/* 1 if a measurement with steal `cand` is to be kept over one with `kept`: less stolen (a recorded
 * share over a NAN one). */
int  calib_steal_better(double cand, double kept);

int  calib_session_init(struct calib_session *s, const char *escript, const int paths[PATH__N], int quick,
                        char *err, size_t errlen);
/* What every session needs before its first point, measured or re-made: no cost fixed yet, and
 * the directory for the sender's records. */
int  calib_session_prepare(struct calib_session *s, char *err, size_t errlen);
void calib_session_free(struct calib_session *s);
/* Micro-benchmarks and the first latency runs (Erlang's only with Erlang). */
int  calib_session_bench(struct calib_session *s, char *err, size_t errlen);
/* One more latency run of each runtime (the C one; Erlang's with Erlang), averaged into
 * lat_c / lat_erl: their quantiles over every sleep by run, by sleep bin weighted by samples. */
int  calib_session_latency(struct calib_session *s, char *err, size_t errlen);
/* The hog series of each runtime (calib/wakeshare.h) into ws / wf; progress(ctx, done, total)
 * after each run. */
int  calib_session_wake_share(struct calib_session *s, void (*progress)(void *ctx, size_t done, size_t total), void *ctx,
                              char *err, size_t errlen);
/* Every item reps times, in rounds (a latency run before each further round and after the
 * last: the machine's load moves, the averaged quantiles are the session's); progress(ctx,
 * done, total) after each.  A point that fails twice stops the session with err. */
int  calib_session_measure(struct calib_session *s, void (*progress)(void *ctx, size_t done, size_t total), void *ctx,
                           char *err, size_t errlen);
/* Fits every measured path and assembles s->cal: the costs; the latencies; os_wakes, the OS
 * thread wake-ups per simulated wake-up of the receiver, by least squares through the origin of
 * the measured wake-ups (above idle) on the simulated ones over the fit points. */
int  calib_session_fit(struct calib_session *s, char *err, size_t errlen);
/* Runs every observation's traffic through the simulator with s->cal and keeps each path's worst
 * relative error, over the held-out points, of CPU and of the counts (wake-ups, deliveries). */
void calib_session_validate(struct calib_session *s);
/* A held-out item, medians over its repetitions: CPU per second measured, of the fitted model on
 * the measured counts, of the simulator on the traffic; wake-ups (above idle) and deliveries per
 * second measured and simulated; the deliveries' mean cold share measured and simulated. */
struct calib_heldout_row { double cpu, cpu_fit, cpu_sim, wake, wake_sim, deliv, deliv_sim, cold, cold_sim; int n; };
int  calib_session_heldout(const struct calib_session *s, size_t item, struct calib_heldout_row *row);
/* Keeps the sender's records of observation i (0, or -1 if they cannot be written). */
int  calib_session_put_trace(const struct calib_session *s, size_t i, const struct calib_send_trace *tr);
/* The sender's records of observation i (malloc'd), or NULL. */
struct calib_send_trace *calib_session_trace(const struct calib_session *s, size_t i);

#endif
