/* A segment cold for its own connection (CONN_COLD) and the Erlang VM's OS wake-ups per segment:
 * the simulated receiver charges them as hand-computed, the fit finds a known time constant and
 * cost on synthetic points and leaves the term out where the points have none. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include "testutil.h"
#include "cpu_tally.h"
#include "calib.h"
#include "fitpath.h"
#include "simpoint.h"

static void costs_of(struct cpu_costs *c, enum cpu_path p, double conn_tau_us, double os_wakes_seg)
{
    struct cpu_calibration cal;
    memset(&cal, 0, sizeof cal);
    cal.ns[p][CPUF_WAKEUP] = 10000;
    cal.ns[p][CPUF_CONN_COLD] = 50000;
    cal.os_wakes[p] = 1;
    cal.os_wakes_seg[p] = os_wakes_seg;
    cal.cold_tau_us[p] = 1000;
    cal.conn_tau_us[p] = conn_tau_us;
    calib_costs_for_path(c, &cal, p, CLOCK_NONE);
}

/* One VM, two connections: a's segments 20 ms apart, b's first 0.5 ms after a's second.  The
 * receiver-wide gap of b's segment is 0.5 ms (COLD nearly warm), its own connection never had
 * one (CONN_COLD 1); a's second is 20 ms after its first: bin [16.4, 32.8) ms, representative
 * 2^15 / sqrt 2 us = 23.17 ms, cold 1 - exp(-23.17 / 10) for a 10-ms time constant. */
static void test_conn_cold_by_connection_gap(void)
{
    struct cpu_costs c;
    costs_of(&c, PATH_ERL_ACTIVE, 10000, 0);
    struct cpu_tally t;
    memset(&t, 0, sizeof t);
    struct cpu_recv r;
    cpu_recv_init(&r, &c, 1, cpu_tally_sink, &t);
    struct cpu_sock a, b;
    cpu_sock_init(&a, 0);
    cpu_sock_init(&b, 0);
    cpu_recv_arrival(&r, &a, 1e9, 1460, 1);
    cpu_recv_arrival(&r, &a, 1e9 + 20e6, 1460, 1);
    cpu_recv_arrival(&r, &b, 1e9 + 20.5e6, 1460, 1);
    cpu_recv_advance(&r, 2e9);
    double a2 = 1 - exp(-ldexp(M_SQRT1_2, 15) / 10000);
    ASSERT_ABS(t.units[CPUF_CONN_COLD], 1 + a2 + 1, 1e-12);
    ASSERT_ABS(t.units[CPUF_COLD], 1 + cpu_cold(20000, 1000) + cpu_cold(500, 1000), 1e-12);
    CU_ASSERT(fabs(t.units[CPUF_CONN_COLD] - t.units[CPUF_COLD]) > 0.3);   /* not the receiver-wide share */
    cpu_sock_free(&a);
    cpu_sock_free(&b);
    cpu_recv_free(&r);

    /* without a time constant, nothing is charged */
    costs_of(&c, PATH_ERL_ACTIVE, 0, 0);
    memset(&t, 0, sizeof t);
    cpu_recv_init(&r, &c, 1, cpu_tally_sink, &t);
    cpu_sock_init(&a, 0);
    cpu_recv_arrival(&r, &a, 1e9, 1460, 1);
    cpu_recv_advance(&r, 2e9);
    ASSERT_ABS(t.units[CPUF_CONN_COLD], 0, 0);
    cpu_sock_free(&a);
    cpu_recv_free(&r);
}

/* OS wake-ups per segment: every segment charges os_wakes_seg wake-ups on top of the receiver's
 * own (one per sleeping thread woken, counted in r.wakes); 3 segments, of which the last two
 * reach the VM while it is woken: 1 wake-up x 1 + 3 x 0.5. */
static void test_os_wakes_per_segment(void)
{
    struct cpu_costs c;
    costs_of(&c, PATH_ERL_PASSIVE, 0, 0.5);
    for (int m = 0; m < 3; m++)
        for (int q = 0; q < CPU_LAT_Q; q++) c.latency[m].any.q_ns[q] = 100000;      /* runs 100 us later */
    struct cpu_tally t;
    memset(&t, 0, sizeof t);
    struct cpu_recv r;
    cpu_recv_init(&r, &c, 1, cpu_tally_sink, &t);
    struct cpu_sock a;
    cpu_sock_init(&a, 0);
    cpu_recv_arrival(&r, &a, 1e9, 1460, 1);
    cpu_recv_arrival(&r, &a, 1e9 + 20000, 1460, 1);
    cpu_recv_arrival(&r, &a, 1e9 + 40000, 1460, 1);
    cpu_recv_advance(&r, 2e9);
    CU_ASSERT_EQUAL(r.wakes, 1);
    ASSERT_ABS(t.units[CPUF_WAKEUP], 1 + 3 * 0.5, 1e-12);
    cpu_sock_free(&a);
    cpu_recv_free(&r);
}

/* Synthetic points of one path over the plan's range of rates and connection counts: CPU made
 * from known costs with a CONN_COLD of time constant 30 ms (a candidate).  The fit must pick it
 * and return the costs; on the same points made without CONN_COLD it must leave the term out. */
static void synth_points(struct calib_item *items, struct calib_obs *obs, size_t *n_items, size_t *n_obs,
                         double c_conn, double conn_tau_us)
{
    static const double rates[] = { 2000, 8000, 32000, 128000, 512000, 2000000 };
    static const int conns[] = { 1, 10, 60, 200 };
    const double c_wake = 30000, c_seg = 5000, base = 1e6;
    uint64_t s = 5;
    *n_items = *n_obs = 0;
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 4; j++) {
            if (rates[i] * conns[j] > 6e6) continue;
            struct calib_spec sp = { PATH_ERL_ACTIVE, CLOCK_NONE, conns[j], rates[i], 1460, 1, 0, 0 };
            items[*n_items] = (struct calib_item){ sp, ROLE_FIT };
            struct calib_meas m;
            memset(&m, 0, sizeof m);
            m.window_s = 4;
            double segs_s = rates[i] * conns[j] / 1460;
            m.segs = (uint64_t)llround(segs_s * 4);
            m.vcsw = (uint64_t)llround((double)m.segs * (0.3 + 0.6 * (double)((s = s * 6364136223846793005ULL + 1) >> 11) / 9007199254740992.0));
            double conn_share = cpu_cold(1460 / rates[i] * 1e6, conn_tau_us);
            double y = base * 4 + c_wake * (double)m.vcsw + c_seg * (double)m.segs + c_conn * (double)m.segs * conn_share;
            for (int r = 0; r < 3; r++) {
                struct calib_obs *o = &obs[(*n_obs)++];
                o->item = *n_items;
                o->rep = r;
                o->m = m;
                o->m.cpu_ns = y * (1 + 0.01 * (r - 1));       /* repetitions 1 % apart */
            }
            (*n_items)++;
        }
}

static void test_fit_finds_conn_cold(void)
{
    static struct calib_item items[32];
    static struct calib_obs obs[96];
    size_t n_items, n_obs;
    synth_points(items, obs, &n_items, &n_obs, 80000, 30000);
    struct calib_path_fit pf;
    double fixed[CPUF__N];
    for (int f = 0; f < CPUF__N; f++) fixed[f] = NAN;
    fixed[CPUF_RATE_MONO] = fixed[CPUF_RATE_LOCALTIME] = 0;
    char err[128];
    CU_ASSERT_EQUAL_FATAL(calib_fit_path(PATH_ERL_ACTIVE, items, n_items, obs, n_obs, fixed, &pf, err, sizeof err), 0);
    ASSERT_ABS(pf.conn_tau_us, 30000, 0);
    ASSERT_REL(pf.fr.coef[CPUF_CONN_COLD], 80000, 1e-4);
    ASSERT_REL(pf.fr.coef[CPUF_WAKEUP], 30000, 1e-4);
    ASSERT_REL(pf.fr.coef[CPUF_SEGMENT], 5000, 1e-4);
    CU_ASSERT(pf.chisq_conn[1] > pf.chisq_conn[2] && pf.chisq_conn[3] > pf.chisq_conn[2]);
    CU_ASSERT(pf.chisq_without_conn > 10 * pf.chisq_conn[2]);

    synth_points(items, obs, &n_items, &n_obs, 0, 30000);
    CU_ASSERT_EQUAL_FATAL(calib_fit_path(PATH_ERL_ACTIVE, items, n_items, obs, n_obs, fixed, &pf, err, sizeof err), 0);
    ASSERT_ABS(pf.conn_tau_us, 0, 0);                        /* left out: it explains nothing */
    ASSERT_ABS(pf.fr.coef[CPUF_CONN_COLD], 0, 0);
    ASSERT_REL(pf.fr.coef[CPUF_WAKEUP], 30000, 1e-4);
}

/* The normal equations of 40 points (x0, x1, y): y = c0 x0 + c1 x1 + uniform noise of that width. */
static void normal_eq(double a[2][2], double v[2], double *yy, double c0, double c1, double noise)
{
    uint64_t s = 9;
    memset(a, 0, sizeof(double) * 4);
    v[0] = v[1] = *yy = 0;
    for (int i = 0; i < 40; i++) {
        s = s * 6364136223846793005ULL + 1;
        double e = ((double)(s >> 11) / 9007199254740992.0 - 0.5) * noise;
        double x[2] = { 1 + i, (double)((i * 37) % 11) }, y = c0 * x[0] + c1 * x[1] + e;
        for (int j = 0; j < 2; j++) {
            for (int k = 0; k < 2; k++) a[j][k] += x[j] * x[k];
            v[j] += x[j] * y;
        }
        *yy += y * y;
    }
}

/* Two terms through the origin: y = 2 x0 + 0.5 x1 exactly gives both; a second term that only
 * follows noise is left out (BIC); a negative one falls back to the better single term. */
static void test_pair_nonneg(void)
{
    double a[2][2], v[2], yy, c0, c1;
    normal_eq(a, v, &yy, 2, 0.5, 0);
    calib_fit_pair_nonneg(a, v, yy, 40, &c0, &c1);
    ASSERT_REL(c0, 2, 1e-9);
    ASSERT_REL(c1, 0.5, 1e-9);
    normal_eq(a, v, &yy, 3, 0, 0.2);
    calib_fit_pair_nonneg(a, v, yy, 40, &c0, &c1);
    ASSERT_REL(c0, 3, 1e-2);
    ASSERT_ABS(c1, 0, 0);
    normal_eq(a, v, &yy, 2, -0.3, 0);
    calib_fit_pair_nonneg(a, v, yy, 40, &c0, &c1);
    CU_ASSERT(c0 > 0);
    ASSERT_ABS(c1, 0, 0);
}

/* The calibration's names for the new values round-trip through cpu_calibration_set. */
static void test_conn_names(void)
{
    static struct cpu_calibration cal;
    memset(&cal, 0, sizeof cal);
    CU_ASSERT_EQUAL(cpu_calibration_set(&cal, PATH_ERL_ACTIVE, "conn_cold", 16000), 0);
    CU_ASSERT_EQUAL(cpu_calibration_set(&cal, PATH_ERL_ACTIVE, "conn_tau_us", 30000), 0);
    CU_ASSERT_EQUAL(cpu_calibration_set(&cal, PATH_ERL_ACTIVE, "os_wakes_seg", 0.3), 0);
    CU_ASSERT_EQUAL(cpu_calibration_set(&cal, PATH_ERL_ACTIVE, "lat_s09_cpu", 5e4), -1);   /* measured, not in the model */
    ASSERT_ABS(cal.ns[PATH_ERL_ACTIVE][CPUF_CONN_COLD], 16000, 0);
    ASSERT_ABS(cal.conn_tau_us[PATH_ERL_ACTIVE], 30000, 0);
    ASSERT_ABS(cal.os_wakes_seg[PATH_ERL_ACTIVE], 0.3, 0);
    CU_ASSERT(cpu_path_mech[PATH_ERL_PASSIVE].poll_thread && !cpu_path_mech[PATH_C_EPOLL].poll_thread);
}

void register_test_calib_conn(void);
void register_test_calib_conn(void)
{
    TEST_SUITE("calib_conn",
               TEST(test_conn_cold_by_connection_gap),
               TEST(test_os_wakes_per_segment),
               TEST(test_fit_finds_conn_cold),
               TEST(test_pair_nonneg),
               TEST(test_conn_names));
}
