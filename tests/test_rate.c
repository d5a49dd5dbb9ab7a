/* Rate estimator tests: the registry and named parameters, then hand-computed vectors for each
 * algorithm (etorrent.md §1/§2 for etorrent and reset10, closed forms for ewma and window). */
#include "testutil.h"
#include <string.h>
#include "rate.h"

#define SEC(x) ((int64_t)((x) * 1e9 + ((x) >= 0 ? 0.5 : -0.5)))

static struct rate_est make(const char *algo, const char *const *kv)
{
    struct rate_est e;
    struct rate_params p;
    char err[256];
    const struct rate_algo *a = rate_algo_find(algo);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    rate_params_init(&p, a);
    for (size_t i = 0; kv && kv[i]; i++) CU_ASSERT_EQUAL_FATAL(rate_param_set_kv(&p, kv[i], err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(rate_init(&e, a, &p, 0, err, sizeof err), 0);
    return e;
}

static void test_registry_lookup(void)
{
    const char *names[] = { "etorrent", "etorrent_ns", "reset10", "ewma", "window" };
    CU_ASSERT_EQUAL(rate_algo_count(), 5);
    for (size_t i = 0; i < 5; i++) {
        const struct rate_algo *a = rate_algo_find(names[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        CU_ASSERT_STRING_EQUAL(a->name, names[i]);
        CU_ASSERT_PTR_EQUAL(rate_algo_at(i), a);
    }
    CU_ASSERT_PTR_NULL(rate_algo_find("Etorrent"));
    CU_ASSERT_PTR_NULL(rate_algo_find(""));
    CU_ASSERT_PTR_NULL(rate_algo_at(5));
    char buf[128];
    CU_ASSERT_STRING_EQUAL(rate_algo_names(buf, sizeof buf), "etorrent|etorrent_ns|reset10|ewma|window");
}

static void test_param_errors_name_the_parameter(void)
{
    struct rate_params p;
    char err[256];
    rate_params_init(&p, rate_algo_find("etorrent"));
    CU_ASSERT_EQUAL(rate_param_get(&p, "fudge"), 5);
    CU_ASSERT_EQUAL(rate_param_get(&p, "window"), 20);
    CU_ASSERT(isnan(rate_param_get(&p, "tau_s")));

    CU_ASSERT_EQUAL(rate_param_set(&p, "fudgee", "5", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'fudgee'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "allowed: fudge|window"));
    CU_ASSERT_EQUAL(rate_param_set(&p, "fudge", "five", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'five' is not a number"));
    CU_ASSERT_EQUAL(rate_param_set(&p, "fudge", "2.5", err, sizeof err), -1);   /* whole seconds only */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "integers 0..3600"));
    CU_ASSERT_EQUAL(rate_param_set(&p, "window", "0", err, sizeof err), -1);
    CU_ASSERT_EQUAL(rate_param_set_kv(&p, "window", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "NAME=VALUE"));
    CU_ASSERT_EQUAL(rate_param_get(&p, "window"), 20);                          /* untouched by errors */
    CU_ASSERT_EQUAL(rate_param_set_kv(&p, "window=30", err, sizeof err), 0);
    CU_ASSERT_EQUAL(rate_param_get(&p, "window"), 30);

    rate_params_init(&p, rate_algo_find("etorrent_ns"));
    CU_ASSERT_EQUAL(rate_param_set(&p, "fudge", "2.5", err, sizeof err), 0);    /* fractional allowed */

    /* window: 100 s of 2 buckets each is 200 buckets, more than the ring holds */
    struct rate_est e;
    rate_params_init(&p, rate_algo_find("window"));
    CU_ASSERT_EQUAL(rate_param_set(&p, "seconds", "100", err, sizeof err), 0);
    CU_ASSERT_EQUAL(rate_param_set(&p, "buckets_per_s", "2", err, sizeof err), 0);
    CU_ASSERT_EQUAL(rate_init(&e, p.algo, &p, 0, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "200 buckets"));
    /* parameters of another algorithm are refused */
    CU_ASSERT_EQUAL(rate_init(&e, rate_algo_find("ewma"), &p, 0, err, sizeof err), -1);
}

/* etorrent.md §1 example 1, through the library directly (the replay suite covers all six). */
static void test_etorrent_example1(void)
{
    struct rate_est e = make("etorrent", NULL);
    rate_update(&e, SEC(0), 16384);
    ASSERT_ABS(rate_read(&e, SEC(0)), 3276.8, 0.05);          /* 16384 / 5 */
    CU_ASSERT_EQUAL(e.s.et.next_expected, 5);                  /* 0 + min(5, 16384/3276.8) */
    rate_update(&e, SEC(3), 0);
    ASSERT_ABS(rate_read(&e, SEC(3)), 3276.8, 0.05);          /* probe before NE: unchanged */
    CU_ASSERT_EQUAL(e.s.et.last, 0);
    rate_update(&e, SEC(5.999), 0);                            /* whole second 5 */
    ASSERT_ABS(rate_read(&e, SEC(5)), 1638.4, 0.05);          /* 3276.8 * 5 / 10 */
    rate_update(&e, SEC(6), 16384);
    ASSERT_ABS(rate_read(&e, SEC(6)), 2978.9, 0.05);          /* (16384 + 16384) / 11 */
    rate_update(&e, SEC(6.7), 16384);
    ASSERT_ABS(rate_read(&e, SEC(6.7)), 4468.4, 0.05);        /* + 16384 / 11 */
    CU_ASSERT_EQUAL(e.s.et.total, 3 * 16384);
    CU_ASSERT_EQUAL(e.n_updates, 5);
}

/* F = 0: the original divides by zero in the init second.  Here spans are floored at 1 s:
 * 16384 at t=0 -> 16384 / 1; another 16384 in that second -> (16384 * 1 + 16384) / 1 = 32768;
 * probe at t=1 (NE = 0 + 16384/32768 = 0.5): (32768 * 1 + 0) / (1 - 0) = 32768;
 * probe at t=2 (NE = 1): (32768 * 1 + 0) / (2 - 0) = 16384. */
static void test_etorrent_fudge_zero_does_not_divide_by_zero(void)
{
    const char *kv[] = { "fudge=0", NULL };
    struct rate_est e = make("etorrent", kv);
    rate_update(&e, SEC(0), 0);                                 /* probe in the init second: 0/0 */
    CU_ASSERT(isfinite(rate_read(&e, SEC(0))));
    CU_ASSERT_EQUAL(rate_read(&e, SEC(0)), 0);
    rate_update(&e, SEC(0.2), 16384);
    ASSERT_ABS(rate_read(&e, SEC(0.2)), 16384, 1e-9);
    rate_update(&e, SEC(0.4), 16384);
    ASSERT_ABS(rate_read(&e, SEC(0.4)), 32768, 1e-9);
    rate_update(&e, SEC(1), 0);
    ASSERT_ABS(rate_read(&e, SEC(1)), 32768, 1e-9);
    rate_update(&e, SEC(2), 0);
    ASSERT_ABS(rate_read(&e, SEC(2)), 16384, 1e-9);
    /* and the nanosecond variant with F = 0: the first update at t = 0 is 16384 / 1 s as well */
    struct rate_est n = make("etorrent_ns", kv);
    rate_update(&n, SEC(0), 16384);
    ASSERT_ABS(rate_read(&n, SEC(0)), 16384, 1e-9);
}

/* Steady r = 1e6 B/s in 16384-B messages (one every 16.384 ms) for 300 s.  etorrent.md §1: on
 * whole seconds the end-of-second value settles at r + (r - A1)/20 with A1 = 16384, i.e.
 * 1e6 + 983616/20 = 1049180.8 (+4.92 %); per second 61 or 62 messages arrive, so the mean over
 * seconds is compared.  On ns time R' (20 + dt) = 20 R + r dt has the fixed point R = r. */
static void test_whole_second_bias_vs_ns(void)
{
    struct rate_est et = make("etorrent", NULL), ns = make("etorrent_ns", NULL);
    const double r = 1e6, a = 16384;
    const int64_t gap = (int64_t)(a / r * 1e9);            /* 16384000 ns */
    double sum_et = 0, sum_ns = 0;
    int n_sec = 0;
    int64_t t = 0;
    for (int64_t sec = 0; sec < 300; sec++) {
        while (t < SEC(sec + 1)) {
            rate_update(&et, t, (uint64_t)a);
            rate_update(&ns, t, (uint64_t)a);
            t += gap;
        }
        if (sec >= 200) {                                   /* settled: (20/21)^200 ~ 6e-5 */
            sum_et += rate_read(&et, t - gap);
            sum_ns += rate_read(&ns, t - gap);
            n_sec++;
        }
    }
    double bias_et = sum_et / n_sec / r - 1, bias_ns = sum_ns / n_sec / r - 1;
    ASSERT_ABS(bias_et, 0.04918, 0.002);
    ASSERT_ABS(bias_ns, 0.0, 0.001);
    CU_ASSERT(bias_et > 40 * fabs(bias_ns));
}

static void test_etorrent_time_never_runs_back(void)
{
    struct rate_est e = make("etorrent", NULL);
    rate_update(&e, SEC(10), 10000);                          /* 10000 / 15 */
    ASSERT_ABS(rate_read(&e, 0), 666.67, 0.01);
    rate_update(&e, SEC(9), 10000);                           /* taken as t = 10: + 10000 / 15 */
    ASSERT_ABS(rate_read(&e, 0), 1333.33, 0.01);
    CU_ASSERT_EQUAL(e.s.et.last, 10);
}

/* reset10, rounds [0,10), [10,20), ...: 5000 B at t=3 and t=7, 2000 B at t=12. */
static void test_reset10_rounds(void)
{
    struct rate_est e = make("reset10", NULL);
    const char *kv[] = { "partial=1", NULL };
    struct rate_est p = make("reset10", kv);
    struct rate_est *both[2] = { &e, &p };
    for (int i = 0; i < 2; i++) {
        rate_update(both[i], SEC(3), 5000);
        rate_update(both[i], SEC(7), 5000);
    }
    CU_ASSERT_EQUAL(rate_read(&e, SEC(8)), 0);          /* no complete round yet */
    CU_ASSERT_EQUAL(rate_read(&p, SEC(8)), 1000);       /* running counter 10000 / 10 */
    CU_ASSERT_EQUAL(rate_read(&e, SEC(10)), 1000);      /* round 0 complete: 10000 / 10 */
    CU_ASSERT_EQUAL(rate_read(&p, SEC(10)), 0);         /* round 1 just started, counter 0 */
    for (int i = 0; i < 2; i++) rate_update(both[i], SEC(12), 2000);
    CU_ASSERT_EQUAL(rate_read(&e, SEC(15)), 1000);      /* still round 0's figure */
    CU_ASSERT_EQUAL(rate_read(&p, SEC(15)), 200);
    CU_ASSERT_EQUAL(rate_read(&e, SEC(20)), 200);       /* round 1 complete: 2000 / 10 */
    CU_ASSERT_EQUAL(rate_read(&e, SEC(30)), 0);         /* round 2 was idle */
    rate_update(&e, SEC(35), 0);                        /* roll over past an idle round */
    CU_ASSERT_EQUAL(e.s.rs.prev_bytes, 0);
    CU_ASSERT_EQUAL(rate_read(&e, SEC(35)), 0);
    rate_update(&e, SEC(36), 4000);
    CU_ASSERT_EQUAL(rate_read(&e, SEC(40)), 400);
}

/* The seed's unfairness in numbers: two peers at 50000 B/s, one from t=0, one from t=7.
 * At the rechoke at t=10 the counters say 50000 and 15000 B/s. */
static void test_reset10_late_starter_looks_slow(void)
{
    struct rate_est early = make("reset10", NULL), late = make("reset10", NULL);
    for (int s = 0; s < 10; s++) {
        rate_update(&early, SEC(s), 50000);
        if (s >= 7) rate_update(&late, SEC(s), 50000);
    }
    CU_ASSERT_EQUAL(rate_read(&early, SEC(10)), 50000);
    CU_ASSERT_EQUAL(rate_read(&late, SEC(10)), 15000);
}

/* ewma, tau = 5 s: 1000 B at t=0 -> 1000/5 = 200; read at t=5 -> 200 e^-1 = 73.576;
 * 1000 B at t=5 -> 273.576. Steady r in messages every dt settles (just after a message) at
 * r (dt/tau) / (1 - e^(-dt/tau)); r = 10000, dt = 0.1: 10000 * 0.02 / (1 - e^-0.02) = 10100.33. */
static void test_ewma_vectors(void)
{
    struct rate_est e = make("ewma", NULL);
    rate_update(&e, 0, 1000);
    ASSERT_ABS(rate_read(&e, 0), 200, 1e-9);
    ASSERT_ABS(rate_read(&e, SEC(5)), 200 * exp(-1), 1e-9);
    ASSERT_ABS(rate_read(&e, SEC(5)), 73.576, 0.001);
    rate_update(&e, SEC(5), 1000);
    ASSERT_ABS(rate_read(&e, SEC(5)), 273.576, 0.001);

    struct rate_est s = make("ewma", NULL);
    for (int i = 0; i <= 800; i++) rate_update(&s, SEC(i * 0.1), 1000);   /* 80 s: e^-16 */
    ASSERT_ABS(rate_read(&s, SEC(80)), 10100.33, 0.01);
    ASSERT_ABS(rate_read(&s, SEC(80.1)), 10100.33 * exp(-0.02), 0.01);   /* just before the next */
}

/* window, 2 s of 1-s buckets: 1000 B at 0.5 s, 3000 B at 1.5 s. */
static void test_window_vectors(void)
{
    struct rate_est e = make("window", NULL);
    rate_update(&e, SEC(0.5), 1000);
    rate_update(&e, SEC(1.5), 3000);
    CU_ASSERT_EQUAL(rate_read(&e, SEC(1.9)), 500);      /* complete buckets -1, 0: 1000 / 2 */
    CU_ASSERT_EQUAL(rate_read(&e, SEC(2.0)), 2000);     /* buckets 0, 1: 4000 / 2 */
    CU_ASSERT_EQUAL(rate_read(&e, SEC(3.0)), 1500);     /* buckets 1, 2: 3000 / 2 */
    CU_ASSERT_EQUAL(rate_read(&e, SEC(10)), 0);
    rate_update(&e, SEC(50.2), 100);                    /* a long gap clears the ring */
    CU_ASSERT_EQUAL(rate_read(&e, SEC(50.9)), 0);
    CU_ASSERT_EQUAL(rate_read(&e, SEC(51)), 50);        /* buckets 49, 50: 100 / 2 */
    CU_ASSERT_EQUAL(rate_read(&e, SEC(52)), 50);        /* buckets 50, 51 */
    CU_ASSERT_EQUAL(rate_read(&e, SEC(53)), 0);

    /* Transmission-like 2 s of 200-ms buckets, 10000 B/s as 1000 B every 0.1 s: once the
     * window is full every read at a bucket boundary sees exactly 20000 B / 2 s. */
    const char *kv[] = { "seconds=2", "buckets_per_s=5", NULL };
    struct rate_est t = make("window", kv);
    for (int i = 0; i < 100; i++) rate_update(&t, SEC(i * 0.1 + 0.05), 1000);
    CU_ASSERT_EQUAL(rate_read(&t, SEC(10)), 10000);
    CU_ASSERT_EQUAL(rate_read(&t, SEC(3.0)), 10000);    /* a read in the past is taken as now */
    rate_free(&e);
    rate_free(&t);
    rate_free(&t);                                      /* a second free is harmless */
}

/* The largest window, 64 s of 500-ms buckets = 128 buckets, in a ring allocated for it: 1000 B
 * every 0.5 s for 100 s reads 128 * 1000 / 64 = 2000 B/s at t = 100 (every slot of the ring is
 * written, so an off-by-one in its size shows under the sanitizers and valgrind). */
static void test_window_largest_ring(void)
{
    const char *kv[] = { "seconds=64", "buckets_per_s=2", NULL };
    struct rate_est e = make("window", kv);
    CU_ASSERT_PTR_NOT_NULL(e.s.win.ring);
    for (int i = 0; i < 200; i++) rate_update(&e, SEC(i * 0.5 + 0.25), 1000);
    CU_ASSERT_EQUAL(rate_read(&e, SEC(100)), 2000);
    /* at 163.5 s the window is buckets 199 .. 326: only the last one written, 1000 B / 64 s */
    CU_ASSERT_EQUAL(rate_read(&e, SEC(163.5)), 1000.0 / 64);
    CU_ASSERT_EQUAL(rate_read(&e, SEC(164)), 0);                  /* bucket 199 has left it */
    rate_free(&e);
    CU_ASSERT_PTR_NULL(e.algo);
}

void register_test_rate(void)
{
    TEST_SUITE("rate",
               TEST(test_registry_lookup),
               TEST(test_param_errors_name_the_parameter),
               TEST(test_etorrent_example1),
               TEST(test_etorrent_fudge_zero_does_not_divide_by_zero),
               TEST(test_whole_second_bias_vs_ns),
               TEST(test_etorrent_time_never_runs_back),
               TEST(test_reset10_rounds),
               TEST(test_reset10_late_starter_looks_slow),
               TEST(test_ewma_vectors),
               TEST(test_window_vectors),
               TEST(test_window_largest_ring));
}
