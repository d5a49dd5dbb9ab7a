/* Engine and packet-model speed: the hold model (1000 pending events) for the bare event loop,
 * and the asym_link reference scenario for events/s and simulated seconds per wall second. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <gsl/gsl_randist.h>
#include "engine.h"
#include "experiment.h"
#include "rng.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#define HOLD_N 1000
#define INC_N 4096
static sim_time_t increments[INC_N];
static unsigned inc_i;
static uint64_t fired, target;

/* Hold model: each event, when it fires, reschedules itself an exponential time later. */
static void hold(struct sim *s, struct sim_event *ev)
{
    if (++fired >= target) { sim_stop(s); return; }
    sim_schedule_in(s, ev, increments[inc_i++ & (INC_N - 1)]);
}

static void bench_hold(void)
{
    gsl_rng *r = rng_stream(1, "bench.hold", 0);
    for (int i = 0; i < INC_N; i++) increments[i] = 1 + (sim_time_t)gsl_ran_exponential(r, 1e6);
    static struct sim_event ev[HOLD_N];
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        struct sim s;
        sim_init(&s);
        for (int i = 0; i < HOLD_N; i++) {
            sim_event_init(&ev[i], hold, NULL);
            sim_schedule_at(&s, &ev[i], increments[i & (INC_N - 1)]);
        }
        fired = 0;
        target = 30000000;
        double t0 = now_s();
        sim_run_until(&s, SIM_NEVER - 1);
        double dt = now_s() - t0;
        if (fired / dt > best) best = (double)fired / dt;
        sim_free(&s);
    }
    printf("engine hold model (%d pending): %.1f M events/s (best of 3 x 30 M events)\n", HOLD_N, best / 1e6);
    rng_free(r);
}

static void bench_asym(void)
{
    const struct experiment *e = experiment_find("asym_link");
    struct param_set ps;
    params_init(&ps, e->params, e->n_params);
    const char *ov[][2] = { { "n_down", "20" }, { "n_up", "5" }, { "down_kbps", "100000" }, { "up_kbps", "10000" },
                            { "duration_s", "30" }, { "warmup_s", "5" }, { "modem_queue_pkts", "200" },
                            { "rcvbuf", "262144" } };
    char err[256];
    for (size_t i = 0; i < sizeof ov / sizeof ov[0]; i++)
        if (params_set(&ps, ov[i][0], ov[i][1], "bench", err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); exit(1); }
    double best_eps = 0, best_ratio = 0, goodput = 0;
    uint64_t events = 0;
    for (int rep = 0; rep < 3; rep++) {
        struct run_result res;
        result_init(&res);
        double t0 = now_s();
        if (e->run(&ps, &res, err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); exit(1); }
        double dt = now_s() - t0;
        events = res.events;
        if (events / dt > best_eps) { best_eps = (double)events / dt; best_ratio = 30.0 / dt; }
        goodput = result_get(&res, "down_goodput_kbps");
        result_free(&res);
    }
    printf("asym_link 20 down + 5 up, 100000/10000 kbit/s, 30 s, queue 200: %.2f M events/run, "
           "%.1f M events/s, %.0f simulated s per wall s (down goodput %.0f kbit/s)\n",
           (double)events / 1e6, best_eps / 1e6, best_ratio, goodput);
    params_free(&ps);
}

int main(void)
{
    bench_hold();
    bench_asym();
    return 0;
}
