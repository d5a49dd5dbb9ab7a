/* Which arrivals share a wake-up: the simulated reader against the analytic wake-up count of a
 * thread that stays awake for its wake-up latency plus the wake-up's work, for paced and Poisson
 * arrivals (a fixed latency, a fixed cost per wake-up, nothing else costing CPU); the refit's
 * --latency-from flag, per runtime. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "testutil.h"
#include "cpu_tally.h"
#include "calib.h"
#include "refit.h"
#include "session.h"
#include "simpoint.h"
#include "test_sweep_helpers.h"

static void set_const(struct cpu_latency *l, double ns)
{
    for (int q = 0; q < CPU_LAT_Q; q++) l->q_ns[q] = ns;
}

/* A blocking C reader (a thread of its own) whose only cost is `wake_ns` per wake-up, woken after
 * `lat_ns`. */
static void reader_costs(struct cpu_costs *c, double lat_ns, double wake_ns)
{
    static struct cpu_calibration cal;
    memset(&cal, 0, sizeof cal);
    cal.os_wakes[PATH_C_BLOCKING] = 1;
    cal.ns[PATH_C_BLOCKING][CPUF_WAKEUP] = wake_ns;
    set_const(&cal.latency[PATH_C_BLOCKING].any, lat_ns);
    calib_costs_for_path(c, &cal, PATH_C_BLOCKING, CLOCK_NONE);
}

/* Wake-ups charged for arrivals at t[0..n-1] (ns). */
static double wakeups(const struct cpu_costs *c, const double *t, int n)
{
    struct cpu_tally tally = { { 0 }, { 0 } };
    struct cpu_recv r;
    cpu_recv_init(&r, c, 1, cpu_tally_sink, &tally);
    struct cpu_sock s;
    cpu_sock_init(&s, 0);
    for (int i = 0; i < n; i++) cpu_recv_arrival(&r, &s, t[i], 1460, 1);
    cpu_recv_advance(&r, t[n - 1] + 1e12);
    CU_ASSERT_EQUAL(r.wakes, (uint64_t)tally.units[CPUF_WAKEUP]);   /* os_wakes 1: one switch a thread */
    cpu_sock_free(&s);
    cpu_recv_free(&r);
    return tally.units[CPUF_WAKEUP];
}

/* Paced arrivals 1 ms apart.  The thread is awake for latency + work after each wake-up: under
 * 1 ms every arrival finds it asleep (100 wake-ups); 1.5 ms (latency alone, or 0.4 ms latency and
 * 0.8 ms of work) takes the next arrival along, so every other one wakes it (50). */
static void test_paced_wakeups(void)
{
    static double t[100];
    for (int i = 0; i < 100; i++) t[i] = i * 1e6;
    struct cpu_costs c;
    reader_costs(&c, 0.5e6, 0);
    ASSERT_ABS(wakeups(&c, t, 100), 100, 0);
    reader_costs(&c, 0.4e6, 0.5e6);
    ASSERT_ABS(wakeups(&c, t, 100), 100, 0);
    reader_costs(&c, 1.5e6, 0);
    ASSERT_ABS(wakeups(&c, t, 100), 50, 0);
    reader_costs(&c, 0.4e6, 0.8e6);
    ASSERT_ABS(wakeups(&c, t, 100), 50, 0);
}

static double unit_draw(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* Poisson arrivals at rate lambda and an awake time W = latency + work after each wake-up: the
 * arrivals during W share the wake-up and the next one comes an exponential time after W, so
 * wake-ups form a renewal process with cycles W + Exp(lambda): T / (W + 1/lambda) of them over T
 * (lambda / (1 + lambda W) a second), with variance T Var / mean^3 = T / lambda^2 / (W + 1/lambda)^3.
 * lambda 2000/s: W 300 us (latency alone, or 200 us + 100 us of work) gives 1250/s; W 0 every
 * arrival.  The seed is fixed; the bound is 4 standard deviations. */
static void test_poisson_wakeups(void)
{
    enum { N = 200000 };
    static double t[N];
    const double lambda = 2000;          /* arrivals a second */
    uint64_t rng = 42;
    double now = 0;
    for (int i = 0; i < N; i++) {
        now += -log(1 - unit_draw(&rng)) / lambda * 1e9;
        t[i] = now;
    }
    const double T = now / 1e9;
    const double cases[3][2] = { { 300e3, 0 }, { 200e3, 100e3 }, { 0, 0 } };   /* latency, work (ns) */
    for (int k = 0; k < 3; k++) {
        struct cpu_costs c;
        reader_costs(&c, cases[k][0], cases[k][1]);
        double w = (cases[k][0] + cases[k][1]) / 1e9, cycle = w + 1 / lambda;
        double expect = T / cycle, sd = sqrt(T / (lambda * lambda) / (cycle * cycle * cycle));
        double got = wakeups(&c, t, N);
        if (k == 2) ASSERT_ABS(got, N, 0);
        else ASSERT_ABS(got, expect, 4 * sd);
        ASSERT_ABS(expect / T, k == 2 ? lambda : lambda / (1 + lambda * 300e-6), 1e-9);
    }
}

/* --latency-from goes with --refit and not with --latency, and names a calibration by its id;
 * each refusal is one line and exit 2, before any database is opened. */
static void test_latency_from_flag(void)
{
    static const char *const cases[][2] = {
        { "calibrate --latency-from 8", "--latency-from goes with --refit ID and not with --latency" },
        { "calibrate --refit 11 --latency --latency-from 8 --db /nonexistent/calib.db", "not with --latency" },
        { "calibrate --refit 11 --latency-from x --db /nonexistent/calib.db", "--latency-from x: not an integer" },
        { "calibrate --refit 11 --latency-from", "--latency-from needs a calibration id" },
        { "calibrate --refit 11 --latency-from x:8 --db /nonexistent/calib.db", "--latency-from x:8: the runtime before ':' is c or erlang" },
        { "calibrate --refit 11 --latency-from C:8 --db /nonexistent/calib.db", "the runtime before ':' is c or erlang" },
        { "calibrate --refit 11 --latency-from c: --db /nonexistent/calib.db", "--latency-from c: '': not an integer" },
        { "calibrate --refit 11 --latency-from erlang:0 --db /nonexistent/calib.db", "--latency-from erlang: 0: out of range" },
    };
    struct cli_out o;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CU_ASSERT_EQUAL(cli(&o, "%s", cases[i][0]), 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(o.err, cases[i][1]));
        CU_ASSERT_PTR_NULL(strchr(strchr(o.err, '\n') ? strchr(o.err, '\n') + 1 : o.err, '\n'));   /* one line */
    }
}

/* --latency-from c:ID / erlang:ID / ID: the tables by sleep of the runtimes asked for are the
 * source's (C's from c_blocking, Erlang's from erl_passive), the others stay the session's own;
 * a source without a table by sleep for a runtime asked for, or Erlang asked for alone by a
 * session without Erlang, is refused. */
static void test_latency_from_runtime(void)
{
    static struct cpu_calibration src;
    static struct calib_session s;
    char err[256];
    const unsigned which[3] = { CALIB_LAT_C, CALIB_LAT_ERLANG, CALIB_LAT_C | CALIB_LAT_ERLANG };
    for (int k = 0; k < 3; k++) {
        memset(&src, 0, sizeof src);
        memset(&s, 0, sizeof s);
        set_const(&src.latency[PATH_C_BLOCKING].by_sleep[3], 50e3);
        set_const(&src.latency[PATH_ERL_PASSIVE].by_sleep[3], 70e3);
        set_const(&src.latency[PATH_C_EPOLL].by_sleep[3], 1);           /* not the C table's source */
        set_const(&s.lat_c.lat.any, 100e3);
        set_const(&s.lat_erl.lat.any, 200e3);
        s.env.have_erlang = 1;
        CU_ASSERT_EQUAL_FATAL(calib_session_take_latency(&s, &src, 8, which[k], err, sizeof err), 0);
        int c = (which[k] & CALIB_LAT_C) != 0, e = (which[k] & CALIB_LAT_ERLANG) != 0;
        ASSERT_ABS(s.lat_c.lat.by_sleep[3].q_ns[0], c ? 50e3 : 0, 0);
        ASSERT_ABS(s.lat_c.lat.any.q_ns[0], c ? 0 : 100e3, 0);
        ASSERT_ABS(s.lat_erl.lat.by_sleep[3].q_ns[0], e ? 70e3 : 0, 0);
        ASSERT_ABS(s.lat_erl.lat.any.q_ns[0], e ? 0 : 200e3, 0);
    }
    /* no Erlang table by sleep in the source: C alone is taken, both are refused by name */
    memset(&src, 0, sizeof src);
    memset(&s, 0, sizeof s);
    s.env.have_erlang = 1;
    set_const(&src.latency[PATH_C_BLOCKING].by_sleep[5], 60e3);
    CU_ASSERT_EQUAL(calib_session_take_latency(&s, &src, 8, CALIB_LAT_C, err, sizeof err), 0);
    CU_ASSERT_EQUAL(calib_session_take_latency(&s, &src, 8, CALIB_LAT_C | CALIB_LAT_ERLANG, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "calibration 8 has no wake-up latency by sleep for Erlang");
    /* a session without Erlang: erlang: alone is refused, both take C's */
    s.env.have_erlang = 0;
    CU_ASSERT_EQUAL(calib_session_take_latency(&s, &src, 8, CALIB_LAT_ERLANG, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "erlang: the calibration refitted has no Erlang paths");
    memset(&s.lat_c, 0, sizeof s.lat_c);
    CU_ASSERT_EQUAL(calib_session_take_latency(&s, &src, 8, CALIB_LAT_C | CALIB_LAT_ERLANG, err, sizeof err), 0);
    ASSERT_ABS(s.lat_c.lat.by_sleep[5].q_ns[0], 60e3, 0);
}

void register_test_calib_wakes(void);
void register_test_calib_wakes(void)
{
    TEST_SUITE("calib_wakes",
               TEST(test_paced_wakeups),
               TEST(test_poisson_wakeups),
               TEST(test_latency_from_flag),
               TEST(test_latency_from_runtime));
}
