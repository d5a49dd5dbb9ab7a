/* The calibration plan: a grid of per-connection rates and connection counts for the fit, with
 * variants that separate the costs (smaller segments, many small messages, each rate-update
 * clock); held-out points at rates and connection counts the fit never sees; idle points. */
#include "plan.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "experiment.h"
#include "params.h"
#include "results.h"

const char *const calib_role_name[3] = { "fit", "holdout", "idle" };

static int is_erlang(int p) { return p <= PATH_ERL_PACKET4; }

static size_t add(struct calib_item *out, size_t n, size_t cap, int path, enum calib_role role, enum calib_clock clock,
                  int conns, double rate, int mss, double have_hz, int warm, int win)
{
    if (n >= cap) return n;
    out[n].sp = (struct calib_spec){ (enum cpu_path)path, clock, conns, rate, mss, have_hz, warm, win };
    out[n].role = role;
    return n + 1;
}

size_t calib_plan(struct calib_item *out, size_t cap, const int paths[PATH__N], int quick)
{
    /* fit grid (per-connection rate x connections, at most max_total B/s in all) */
    static const double rates_full[] = { 2e3, 8e3, 32e3, 128e3, 512e3, 2e6 };
    static const int conns_full[] = { 1, 10, 60, 200 };
    static const double rates_quick[] = { 8e3, 128e3, 2e6 };
    static const int conns_quick[] = { 1, 10, 60 };
    /* variants on a spread of grid points */
    static const struct { double rate; int conns; } var_full[] = { { 8e3, 10 }, { 32e3, 60 }, { 128e3, 1 }, { 2e6, 1 } };
    static const struct { double rate; int conns; } var_quick[] = { { 8e3, 10 }, { 128e3, 1 }, { 2e6, 1 } };
    /* held out: rates and connection counts the fit does not use */
    static const struct { double rate; int conns; } held_full[] = {
        { 1e3, 120 }, { 4e3, 30 }, { 16e3, 120 }, { 64e3, 30 }, { 256e3, 3 }, { 1e6, 3 }, { 5e6, 2 } };
    static const struct { double rate; int conns; } held_quick[] = { { 16e3, 30 }, { 1e6, 3 } };
    const double *rates = quick ? rates_quick : rates_full;
    const int *conns = quick ? conns_quick : conns_full;
    size_t nr = quick ? 3 : 6, nc = quick ? 3 : 4;
    size_t nv = quick ? 3 : 4, nh = quick ? 2 : 7;
    int warm = quick ? 400 : 800, win = quick ? 1000 : 2000, held_reps = quick ? 1 : 2;
    const double max_total = 8e6;
    const int mss = 1460;
    size_t n = 0;
    for (int p = 0; p < PATH__N; p++) {
        if (!paths[p]) continue;
        enum calib_clock base_clock = is_erlang(p) ? CLOCK_LOCALTIME : CLOCK_MONO;
        for (int r = 0; r < 2; r++) n = add(out, n, cap, p, ROLE_IDLE, base_clock, 1, 0, mss, 0, warm, win);
        for (size_t i = 0; i < nr; i++)
            for (size_t j = 0; j < nc; j++)
                if (rates[i] * conns[j] <= max_total)
                    n = add(out, n, cap, p, ROLE_FIT, base_clock, conns[j], rates[i], mss, 1, warm, win);
        for (size_t v = 0; v < nv; v++) {
            double rate = quick ? var_quick[v].rate : var_full[v].rate;
            int c = quick ? var_quick[v].conns : var_full[v].conns;
            n = add(out, n, cap, p, ROLE_FIT, base_clock, c, rate, 536, 1, warm, win);     /* small segments */
            n = add(out, n, cap, p, ROLE_FIT, base_clock, c, rate, mss, 50, warm, win);    /* many small messages */
            if (is_erlang(p)) {
                n = add(out, n, cap, p, ROLE_FIT, CLOCK_MONO, c, rate, mss, 1, warm, win);
                n = add(out, n, cap, p, ROLE_FIT, CLOCK_NONE, c, rate, mss, 1, warm, win);
            }
        }
        for (size_t h = 0; h < nh; h++)
            for (int r = 0; r < held_reps; r++)
                n = add(out, n, cap, p, ROLE_HOLDOUT, base_clock, quick ? held_quick[h].conns : held_full[h].conns,
                        quick ? held_quick[h].rate : held_full[h].rate, mss, 1, warm, win);
    }
    return n;
}

void calib_features(const struct calib_spec *sp, const struct calib_meas *m, double x[CPUF__N])
{
    enum cpu_path p = sp->path;
    memset(x, 0, sizeof(double) * CPUF__N);
    double s = m->window_s;
    x[CPUF_WAKEUP] = (double)m->runs / s;      /* the caller takes off the idle receiver's own */
    if (p == PATH_ERL_ACTIVE) x[CPUF_EVENT] = (double)m->reads / s;
    if (p == PATH_C_EPOLL) x[CPUF_EVENT] = (double)m->events / s;
    if (p == PATH_ERL_PASSIVE || p == PATH_C_BLOCKING) x[CPUF_RECV] = (double)m->reads / s;
    x[CPUF_SEGMENT] = (double)m->segs / s;
    x[CPUF_MESSAGE] = (double)m->msgs / s;
    x[CPUF_BYTE] = (double)m->bytes / s;
    x[CPUF_TICK] = (double)m->ticks / s;
    x[CPUF_BASE] = 1;
    x[sp->clock == CLOCK_LOCALTIME ? CPUF_RATE_LOCALTIME : CPUF_RATE_MONO] = (double)m->updates / s;
}

void calib_model_mask(enum cpu_path p, int use[CPUF__N])
{
    memset(use, 0, sizeof(int) * CPUF__N);
    use[CPUF_WAKEUP] = use[CPUF_MESSAGE] = use[CPUF_BYTE] = use[CPUF_TICK] = 1;
    switch (p) {
    case PATH_ERL_PASSIVE: case PATH_C_BLOCKING: use[CPUF_RECV] = 1; break;
    case PATH_ERL_ACTIVE: case PATH_C_EPOLL:     use[CPUF_EVENT] = 1; break;
    default:                                     use[CPUF_SEGMENT] = 1; break;
    }
    if (is_erlang(p)) use[CPUF_RATE_MONO] = use[CPUF_RATE_LOCALTIME] = 1;
}

static const char *const sim_policy[] = { "passive", "active", "packet4" };

double calib_sim_predict(const struct calib_spec *sp, long cal_id, double wake_latency_ns, char *err, size_t errlen)
{
    const struct experiment *exp = experiment_find("etorrent");
    struct param_set ps;
    if (!exp || params_init(&ps, exp->params, exp->n_params) != 0) { snprintf(err, errlen, "no etorrent experiment"); return NAN; }
    char kv[40][2][64];
    size_t k = 0;
#define SET(key, ...) do { snprintf(kv[k][0], 64, "%s", key); snprintf(kv[k][1], 64, __VA_ARGS__); k++; } while (0)
    SET("policy", "%s", sim_policy[sp->path % 3]);
    SET("cpu_profile", "%s", is_erlang(sp->path) ? "erlang" : "c");
    SET("cpu_calibration", "%ld", cal_id);
    SET("rate_clock", "%s", sp->clock == CLOCK_LOCALTIME ? "localtime" : "mono");
    SET("rate_granularity", "per_message");
    SET("n_peers", "%d", sp->conns);
    SET("cap_dist", "fixed");
    SET("cap_min_Bps", "%.0f", sp->rate_Bps);
    SET("cap_max_Bps", "%.0f", sp->rate_Bps);
    SET("have_rate_hz", "%g", sp->have_hz);
    SET("late_share", "0");
    SET("step_share", "0");
    SET("pipeline", "16");
    SET("mss", "%d", sp->mss);
    SET("framing", "ethernet");
    SET("client_down_kbps", "1e8");
    SET("client_up_kbps", "1e8");
    SET("access_delay_ms", "0.01");
    SET("core_delay_min_ms", "0.01");
    SET("core_delay_max_ms", "0.01");
    SET("remote_min_kbps", "1e5");
    SET("sched_delay_us", "%.1f", wake_latency_ns / 1e3);
    SET("duration_s", "40");
    SET("warmup_s", "10");
#undef SET
    double y = NAN;
    for (size_t i = 0; i < k; i++)
        if (params_set(&ps, kv[i][0], kv[i][1], "calibrate", err, errlen) != 0) goto out;
    if (exp->validate(&ps, err, errlen) != 0) goto out;
    struct run_result res;
    result_init(&res);
    if (exp->run(&ps, &res, err, errlen) == 0) y = result_get(&res, "cpu_us_per_s") * 1e3;
    result_free(&res);
out:
    params_free(&ps);
    return y;
}
