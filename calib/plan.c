/* The calibration plan: a grid of per-connection rates and connection counts for the fit, with
 * variants that separate the costs (smaller segments, many small messages, each rate-update
 * clock); held-out points at rates and connection counts the fit never sees; idle points.
 * And the features a measured point gives the fit. */
#include "plan.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *const calib_role_name[3] = { "fit", "holdout", "idle" };

static int is_erlang(int p) { return p <= PATH_ERL_PACKET4; }

/* Long enough for about 300 segments, at least 4 s (quick: 2 s), at most 10 s: at 1-8 kB/s a
 * 2-s window holds a piece or none, and the point's CPU is then mostly chance. */
static int window_ms(int quick, int conns, double rate, int mss)
{
    if (quick) return 2000;
    double segs_per_s = conns * rate / mss;
    double ms = segs_per_s > 0 ? 300.0 / segs_per_s * 1000 : 4000;
    return (int)fmin(10000, fmax(4000, ms));
}

static size_t add(struct calib_item *out, size_t n, size_t cap, int path, enum calib_role role, enum calib_clock clock,
                  int conns, double rate, int mss, double have_hz, int quick)
{
    if (n >= cap) return n;
    out[n].sp = (struct calib_spec){ (enum cpu_path)path, clock, conns, rate, mss, have_hz, quick ? 500 : 1000,
                                     window_ms(quick, conns, rate, mss) };
    out[n].role = role;
    return n + 1;
}

int calib_plan_reps(int quick) { return quick ? 1 : 3; }

size_t calib_plan(struct calib_item *out, size_t cap, const int paths[PATH__N], int quick)
{
    /* fit grid (per-connection rate x connections), at most max_total B/s in all: the paced
     * sender shares its CPU with the machine's other work and falls behind above about that */
    static const double rates_full[] = { 2e3, 8e3, 32e3, 128e3, 512e3, 2e6 };
    static const int conns_full[] = { 1, 10, 60, 200 };
    static const double rates_quick[] = { 8e3, 128e3, 2e6 };
    static const int conns_quick[] = { 1, 10, 60 };
    /* variants on a spread of grid points */
    static const struct { double rate; int conns; } var_full[] = { { 8e3, 10 }, { 32e3, 60 }, { 2e6, 1 } };
    static const struct { double rate; int conns; } var_quick[] = { { 8e3, 10 }, { 2e6, 1 } };
    /* held out: rates and connection counts the fit does not use */
    static const struct { double rate; int conns; } held_full[] = {
        { 1e3, 120 }, { 4e3, 30 }, { 16e3, 120 }, { 64e3, 30 }, { 256e3, 3 }, { 1e6, 3 }, { 5e6, 2 } };
    static const struct { double rate; int conns; } held_quick[] = { { 16e3, 30 }, { 1e6, 3 } };
    const double *rates = quick ? rates_quick : rates_full;
    const int *conns = quick ? conns_quick : conns_full;
    size_t nr = quick ? 3 : 6, nc = quick ? 3 : 4;
    size_t nv = quick ? 2 : 3, nh = quick ? 2 : 7;
    const double max_total = 4e6;
    const int mss = 1460;
    size_t n = 0;
    for (int p = 0; p < PATH__N; p++) {
        if (!paths[p]) continue;
        enum calib_clock base_clock = is_erlang(p) ? CLOCK_LOCALTIME : CLOCK_MONO;
        n = add(out, n, cap, p, ROLE_IDLE, base_clock, 1, 0, mss, 0, quick);
        n = add(out, n, cap, p, ROLE_IDLE, base_clock, quick ? 10 : 60, 0, mss, 0, quick);
        for (size_t i = 0; i < nr; i++)
            for (size_t j = 0; j < nc; j++)
                if (rates[i] * conns[j] <= max_total)
                    n = add(out, n, cap, p, ROLE_FIT, base_clock, conns[j], rates[i], mss, 1, quick);
        for (size_t v = 0; v < nv; v++) {
            double rate = quick ? var_quick[v].rate : var_full[v].rate;
            int c = quick ? var_quick[v].conns : var_full[v].conns;
            n = add(out, n, cap, p, ROLE_FIT, base_clock, c, rate, 536, 1, quick);     /* small segments */
            n = add(out, n, cap, p, ROLE_FIT, base_clock, c, rate, mss, 50, quick);    /* many small messages */
            if (is_erlang(p)) {
                n = add(out, n, cap, p, ROLE_FIT, CLOCK_MONO, c, rate, mss, 1, quick);
                n = add(out, n, cap, p, ROLE_FIT, CLOCK_NONE, c, rate, mss, 1, quick);
            }
        }
        for (size_t h = 0; h < nh; h++)
            n = add(out, n, cap, p, ROLE_HOLDOUT, base_clock, quick ? held_quick[h].conns : held_full[h].conns,
                    quick ? held_quick[h].rate : held_full[h].rate, mss, 1, quick);
    }
    return n;
}

double calib_deliveries(const struct calib_spec *sp, const struct calib_meas *m)
{
    return (double)(sp->path == PATH_C_EPOLL ? m->events : m->reads);
}

void calib_features(const struct calib_spec *sp, const struct calib_meas *m, const struct calib_shape *sh,
                    double x[CPUF__N])
{
    memset(x, 0, sizeof(double) * CPUF__N);
    double s = m->window_s, cold = 0;
    for (int b = 0; b < CPU_GAP_BINS; b++) cold += (double)m->agaps[b] * cpu_cold(cpu_gap_bin_us(b), sh->tau_us);
    x[CPUF_WAKEUP] = fmax(0, (double)m->vcsw / s - sh->idle_vcsw);
    if (sp->rate_Bps > 0) x[CPUF_CONN_COLD] = (double)m->segs / s * cpu_cold(sp->mss / sp->rate_Bps * 1e6, sh->conn_tau_us);
    x[CPUF_COLD] = cold / s;
    x[CPUF_DELIVERY] = calib_deliveries(sp, m) / s;
    x[CPUF_SEGMENT] = (double)m->segs / s;
    x[CPUF_MESSAGE] = (double)m->msgs / s;
    x[CPUF_BYTE] = (double)m->bytes / s;

    x[CPUF_TICK] = (double)m->ticks / s;
    x[CPUF_BASE] = 1;
    if (sp->clock != CLOCK_NONE) x[sp->clock == CLOCK_LOCALTIME ? CPUF_RATE_LOCALTIME : CPUF_RATE_MONO] = (double)m->updates / s;
}

/* Every path: wake-ups, cold segments (receiver and connection), segments, messages, base; the rate updates (given by the
 * micro-benchmark, see calib_session_fit).  Deliveries where they are not a fixed multiple of
 * the messages ({packet,4} and header-then-body deliver per message: their delivery cost is in
 * MESSAGE).  Erlang: the 5-s tick, a timer that wakes the VM (in C it is a check after a read).
 * Bytes: at 1460 or 536 bytes a segment the copy is not separable from the per-segment cost
 * here, so it is part of SEGMENT. */
void calib_model_mask(enum cpu_path p, int use[CPUF__N])
{
    memset(use, 0, sizeof(int) * CPUF__N);
    use[CPUF_WAKEUP] = use[CPUF_COLD] = use[CPUF_CONN_COLD] = use[CPUF_SEGMENT] = use[CPUF_MESSAGE] = use[CPUF_BASE] = 1;
    use[CPUF_RATE_MONO] = use[CPUF_RATE_LOCALTIME] = 1;
    use[CPUF_DELIVERY] = cpu_path_mech[p].deliver != DELIVER_MESSAGE;
    if (is_erlang(p)) use[CPUF_TICK] = 1;
}
