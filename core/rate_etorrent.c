/* etorrent's running-average recurrence, shared by the whole-second and the nanosecond clock;
 * the two differ only in how now_ns becomes the time T the recurrence sees. */
#include "rate_etorrent.h"
#include <math.h>

enum { P_FUDGE = 0, P_WINDOW = 1 };

/* The recurrence of etorrent.md §1 on time t (seconds, whichever clock). */
static void etorrent_step(struct rate_etorrent_state *s, double t, double window, uint64_t bytes)
{
    double a = (double)bytes;
    if (t < s->last) t = s->last;             /* time never runs back for the estimator */
    if (bytes == 0 && t < s->next_expected) return;
    double prev_span = fmax(s->last - s->since, 1.0);
    double span = fmax(t - s->since, 1.0);
    double r = (s->rate * prev_span + a) / span;
    s->rate = r;
    s->total += a;
    s->next_expected = t + fmin(RATE_ETORRENT_NE_CAP_S, a / fmax(r, 0.0001));
    s->last = t;
    s->since = fmax(s->since, t - window);    /* clamp after R' used the old S */
}

static void etorrent_reset(struct rate_etorrent_state *s, double t0, double fudge)
{
    s->rate = 0;
    s->total = 0;
    s->next_expected = t0 + fudge;
    s->last = t0 - fudge;
    s->since = t0 - fudge;
}

/* floor(now / 1 s) also for negative times, so second boundaries are the same everywhere. */
static double whole_seconds(int64_t now_ns)
{
    int64_t q = now_ns / 1000000000LL;
    if (now_ns % 1000000000LL < 0) q--;
    return (double)q;
}

static int et_init(struct rate_est *e, int64_t now_ns)
{
    etorrent_reset(&e->s.et, whole_seconds(now_ns), e->p.v[P_FUDGE]);
    return 0;
}
static void et_update(struct rate_est *e, int64_t now_ns, uint64_t bytes)
{
    etorrent_step(&e->s.et, whole_seconds(now_ns), e->p.v[P_WINDOW], bytes);
}

static int etns_init(struct rate_est *e, int64_t now_ns)
{
    etorrent_reset(&e->s.et, (double)now_ns / 1e9, e->p.v[P_FUDGE]);
    return 0;
}
static void etns_update(struct rate_est *e, int64_t now_ns, uint64_t bytes)
{
    etorrent_step(&e->s.et, (double)now_ns / 1e9, e->p.v[P_WINDOW], bytes);
}

static double et_read(const struct rate_est *e, int64_t now_ns)
{
    (void)now_ns;
    return e->s.et.rate;
}

static const struct rate_param_def et_params[] = {
    [P_FUDGE]  = { "fudge",  5, 0, 3600, 1, "start-up fudge F: a fresh peer looks idle for F s (etorrent.md §1)" },
    [P_WINDOW] = { "window", 20, 1, 3600, 1, "cap on the averaging window, s (MAX_RATE_PERIOD, etorrent.md §1)" },
};
static const struct rate_param_def etns_params[] = {
    [P_FUDGE]  = { "fudge",  5, 0, 3600, 0, "start-up fudge F, s (may be fractional)" },
    [P_WINDOW] = { "window", 20, 1, 3600, 0, "cap on the averaging window, s (may be fractional)" },
};

const struct rate_algo rate_algo_etorrent = {
    .name = "etorrent",
    .doc = "etorrent's running average on whole seconds, as in the original",
    .params = et_params, .n_params = 2,
    .init = et_init, .update = et_update, .read = et_read,
};

const struct rate_algo rate_algo_etorrent_ns = {
    .name = "etorrent_ns",
    .doc = "etorrent's running average on nanosecond time (no whole-second bias)",
    .params = etns_params, .n_params = 2,
    .init = etns_init, .update = etns_update, .read = et_read,
};
