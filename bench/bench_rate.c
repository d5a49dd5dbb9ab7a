/* Cost of one rate update and one rate read for every core rate algorithm, on a mixed workload
 * of 40 peers; ns/update is experiment A's default CPU cost of a rate update (Amdahl input). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <gsl/gsl_randist.h>
#include "rate.h"
#include "rate_window.h"
#include "rng.h"

#define N_PEERS  40
#define N_EVENTS (1u << 20)
#define PASSES   8
#define REPS     7

struct ev { int64_t t_ns; uint32_t peer; uint32_t bytes; };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What reaches a rate update in the experiment: mostly whole PIECE messages (16393 B body),
 * TCP-segment-sized chunks when rating per read, small control messages, and 0-byte ticks;
 * arrivals interleave over 40 peers with exponential gaps (mean 25 us, 40000 updates/s). */
static void make_workload(struct ev *evs)
{
    gsl_rng *r = rng_stream(1, "bench.rate", 0);
    double t = 0;
    for (uint32_t i = 0; i < N_EVENTS; i++) {
        t += gsl_ran_exponential(r, 25e3);
        double u = gsl_rng_uniform(r);
        uint32_t bytes = u < 0.60 ? 16393u : u < 0.85 ? 1448u + (uint32_t)gsl_rng_uniform_int(r, 13) : u < 0.95 ? 9u : 0u;
        evs[i] = (struct ev){ (int64_t)t, (uint32_t)gsl_rng_uniform_int(r, N_PEERS), bytes };
    }
    rng_free(r);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static volatile double sink;

int main(void)
{
    struct ev *evs = malloc(N_EVENTS * sizeof *evs);
    if (!evs) { perror("bench_rate"); return 1; }
    make_workload(evs);
    int64_t span = evs[N_EVENTS - 1].t_ns + 1;
    static struct rate_est est[N_PEERS];
    char err[256];

    printf("rate algorithms: %u-event mixed workload x %d passes, %d peers, median of %d runs\n",
           N_EVENTS, PASSES, N_PEERS, REPS);
    printf("%-12s %14s %14s %12s\n", "algorithm", "ns/update", "ns/read", "state bytes");
    for (size_t a = 0; a < rate_algo_count(); a++) {
        const struct rate_algo *algo = rate_algo_at(a);
        double upd[REPS], rd[REPS];
        size_t state = 0;
        for (int rep = 0; rep < REPS; rep++) {
            for (int p = 0; p < N_PEERS; p++)
                if (rate_init(&est[p], algo, NULL, 0, err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); return 1; }
            double t0 = now_s();
            for (int pass = 0; pass < PASSES; pass++) {
                int64_t base = span * pass;
                for (uint32_t i = 0; i < N_EVENTS; i++)
                    rate_update(&est[evs[i].peer], base + evs[i].t_ns, evs[i].bytes);
            }
            double t1 = now_s();
            double acc = 0;
            for (int pass = 0; pass < PASSES; pass++) {
                int64_t base = span * (PASSES + pass);
                for (uint32_t i = 0; i < N_EVENTS; i++) acc += rate_read(&est[evs[i].peer], base + evs[i].t_ns);
            }
            double t2 = now_s();
            sink = acc;
            /* the window estimator's ring lives outside struct rate_est */
            state = sizeof(struct rate_est) + (algo == &rate_algo_window ? (est[0].s.win.n_buckets + 1) * sizeof(uint64_t) : 0);
            for (int p = 0; p < N_PEERS; p++) rate_free(&est[p]);
            upd[rep] = (t1 - t0) * 1e9 / ((double)N_EVENTS * PASSES);
            rd[rep] = (t2 - t1) * 1e9 / ((double)N_EVENTS * PASSES);
        }
        qsort(upd, REPS, sizeof upd[0], cmp_double);
        qsort(rd, REPS, sizeof rd[0], cmp_double);
        printf("%-12s %14.2f %14.2f %12zu\n", algo->name, upd[REPS / 2], rd[REPS / 2], state);
    }
    free(evs);
    return 0;
}
