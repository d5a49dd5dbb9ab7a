/* Engine and packet-model speed: fixed memory per link and peer, the hold model from 16 to 1 M
 * pending events on the calendar queue and on the heap it replaced, and the asym_link reference. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <gsl/gsl_randist.h>
#include "engine.h"
#include "experiment.h"
#include "rng.h"
#include "heap_ref.h"
#include "exp_etorrent.h"
#include "exp_xtreme.h"
#include "hist.h"
#include "link.h"
#include "topology.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Hold model: each event, when it fires, reschedules itself an exponential time (mean 1 ms)
 * later, so the number pending stays fixed.  Timed in CPU time of this process, so other
 * processes on a shared machine slow it only through the caches they share. */
#define INC_N 4096
static sim_time_t increments[INC_N];
static unsigned inc_i;
static uint64_t fired, target;

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The same hold model on the engine (sim_) and on the heap it replaced (ref_sim_). */
#define HOLD_MODEL(PREFIX, SIM, EVENT)                                                           \
static void PREFIX##hold(SIM *s, EVENT *ev)                                                       \
{                                                                                                 \
    if (++fired >= target) { s->stop = 1; return; }                                               \
    PREFIX##schedule_at(s, ev, s->now + increments[inc_i++ & (INC_N - 1)]);                       \
}                                                                                                 \
static double PREFIX##hold_rate(size_t pending, uint64_t events)                                  \
{                                                                                                 \
    EVENT *ev = calloc(pending, sizeof *ev);                                                      \
    if (!ev) { perror("bench_engine"); exit(1); }                                                 \
    double best = 0;                                                                              \
    for (int rep = 0; rep < (pending < 100000 ? 3 : 1); rep++) {                                  \
        SIM s;                                                                                    \
        PREFIX##init(&s);                                                                         \
        for (size_t i = 0; i < pending; i++) {                                                    \
            ev[i] = (EVENT){ .fn = PREFIX##hold };                                                \
            PREFIX##event_reset(&ev[i]);                                                          \
            PREFIX##schedule_at(&s, &ev[i], increments[i & (INC_N - 1)]);                         \
        }                                                                                         \
        fired = 0;                                                                                \
        target = events;                                                                          \
        double t0 = cpu_s();                                                                      \
        PREFIX##run_until(&s, SIM_NEVER - 1);                                                     \
        double dt = cpu_s() - t0;                                                                 \
        if ((double)fired / dt > best) best = (double)fired / dt;                                 \
        PREFIX##free(&s);                                                                         \
    }                                                                                             \
    free(ev);                                                                                     \
    return best;                                                                                  \
}

static inline void sim_event_reset(struct sim_event *ev) { sim_event_init(ev, ev->fn, NULL); }
static inline void ref_sim_event_reset(struct ref_event *ev) { ev->heap_idx = -1; }
HOLD_MODEL(sim_, struct sim, struct sim_event)
HOLD_MODEL(ref_sim_, struct ref_sim, struct ref_event)

static void bench_hold(void)
{
    gsl_rng *r = rng_stream(1, "bench.hold", 0);
    for (int i = 0; i < INC_N; i++) increments[i] = 1 + (sim_time_t)gsl_ran_exponential(r, 1e6);
    rng_free(r);
    static const size_t pending[] = { 16, 64, 256, 1000, 4096, 16384, 100000, 1000000 };
    printf("engine hold model, M events/s of CPU time (10 M events, best of 3 below 100 000 pending): calendar queue vs the binary heap it replaced\n");
    for (size_t k = 0; k < sizeof pending / sizeof pending[0]; k++) {
        uint64_t events = 10000000;
        double cq = sim_hold_rate(pending[k], events), heap = ref_sim_hold_rate(pending[k], events);
        printf("  %8zu pending: calendar %6.1f   heap %6.1f   ratio %5.2f x%s\n", pending[k], cq / 1e6, heap / 1e6,
               cq / heap, pending[k] == 1000 ? "   (target >= 25)" : pending[k] == 100000 ? "   (target >= 15)" : "");
        fflush(stdout);
    }
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

/* What a flow or peer costs in fixed structures (its packets in flight come on top), against the
 * 24.6 KB flat histogram every link embedded before. */
static void bench_memory(void)
{
    struct hist h;
    hist_init(&h);
    for (int i = 1; i <= 100000; i++) hist_add(&h, (int64_t)i * 1000);    /* 1 us .. 100 ms */
    printf("memory: struct link %zu B (was %zu with its histogram), remote host (4 links) %zu B,"
           " etorrent peer %zu B + its random stream %zu B (was %zu with GSL's mt19937), xtreme downloader %zu B;"
           " a delay histogram over 1 us .. 100 ms %llu B (was %zu)\n",
           sizeof(struct link), sizeof(struct link) + (size_t)HIST_OCTAVES * HIST_SUB * 8, sizeof(struct remote_host),
           sizeof(struct et_peer), rng_mt19937_compact->size, gsl_rng_mt19937->size, sizeof(struct xt_downloader),
           (unsigned long long)hist_bytes(&h), (size_t)HIST_OCTAVES * HIST_SUB * 8);
    hist_free(&h);
}

int main(void)
{
    bench_memory();
    bench_hold();
    bench_asym();
    return 0;
}
