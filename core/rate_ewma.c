/* The exponential moving average rate: one exp() per update, state is two numbers.
 * Reads decay the stored value to the read time without changing it. */
#include "rate_ewma.h"
#include <math.h>

enum { P_TAU = 0 };

static int ewma_init(struct rate_est *e, int64_t now_ns)
{
    e->s.ew.rate = 0;
    e->s.ew.last_ns = now_ns;
    return 0;
}

static double decay(const struct rate_est *e, int64_t now_ns)
{
    int64_t dt = now_ns - e->s.ew.last_ns;
    if (dt <= 0) return 1.0;
    return exp(-((double)dt / 1e9) / e->p.v[P_TAU]);
}

static void ewma_update(struct rate_est *e, int64_t now_ns, uint64_t bytes)
{
    e->s.ew.rate = e->s.ew.rate * decay(e, now_ns) + (double)bytes / e->p.v[P_TAU];
    if (now_ns > e->s.ew.last_ns) e->s.ew.last_ns = now_ns;
}

static double ewma_read(const struct rate_est *e, int64_t now_ns)
{
    return e->s.ew.rate * decay(e, now_ns);
}

static const struct rate_param_def ewma_params[] = {
    [P_TAU] = { "tau_s", 5, 0.001, 3600, 0, "time constant, s" },
};

const struct rate_algo rate_algo_ewma = {
    .name = "ewma",
    .doc = "exponential moving average with time constant tau_s",
    .params = ewma_params, .n_params = 1,
    .init = ewma_init, .update = ewma_update, .read = ewma_read,
};
