/* The CPU calibration's pieces that do not need a clock: the least-squares fit and the per-path
 * fit (cold-cache time constant by profile) on synthetic data with known costs, the sender's
 * BitTorrent stream, parsing a receiver's result line, the gap bins, the simulator's receiving
 * process (wake-ups, read rounds, deliveries) on hand-made arrivals, a simulated calibration
 * point on a synthetic sender trace, profiles, and a calibration's round trip through SQLite. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"
#include "cpu_tally.h"
#include "calib.h"
#include "db.h"
#include "db_calib.h"
#include "fit.h"
#include "fitpath.h"
#include "plan.h"
#include "refit.h"
#include "session.h"
#include "simpoint.h"

/* splitmix64: a fixed, documented stream for synthetic points */
static double unit(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* Points spread like the plan's (1 .. 5000 segments/s, messages and deliveries not proportional). */
static void synth(struct fit_point *pts, size_t n, const double truth[CPUF__N], double noise)
{
    uint64_t s = 42;
    for (size_t i = 0; i < n; i++) {
        memset(pts[i].x, 0, sizeof pts[i].x);
        double segs = exp(unit(&s) * log(5000));
        pts[i].x[CPUF_WAKEUP] = segs * (0.3 + 0.7 * unit(&s));
        pts[i].x[CPUF_COLD] = pts[i].x[CPUF_WAKEUP] * unit(&s);
        pts[i].x[CPUF_DELIVERY] = segs * (0.5 + 0.5 * unit(&s));
        pts[i].x[CPUF_SEGMENT] = segs;
        pts[i].x[CPUF_MESSAGE] = segs / 11 + 50 * unit(&s);
        pts[i].x[CPUF_BASE] = 1;
        double y = 0;
        for (int f = 0; f < CPUF__N; f++) y += truth[f] * pts[i].x[f];
        pts[i].y = y * (1 + noise * (2 * unit(&s) - 1));
    }
}

static void no_fixed(double fixed[CPUF__N])
{
    for (int f = 0; f < CPUF__N; f++) fixed[f] = NAN;
}

static void test_fit_recovers_known_costs(void)
{
    double truth[CPUF__N] = { 0 };
    truth[CPUF_WAKEUP] = 30000; truth[CPUF_COLD] = 110000; truth[CPUF_DELIVERY] = 4000;
    truth[CPUF_SEGMENT] = 1500; truth[CPUF_MESSAGE] = 2500; truth[CPUF_BASE] = 1.2e6;
    struct fit_point pts[40];
    synth(pts, 40, truth, 0);
    int use[CPUF__N] = { 0 };
    use[CPUF_WAKEUP] = use[CPUF_COLD] = use[CPUF_DELIVERY] = use[CPUF_SEGMENT] = use[CPUF_MESSAGE] = use[CPUF_BASE] = 1;
    double fixed[CPUF__N];
    no_fixed(fixed);
    struct fit_result r;
    char err[128];
    CU_ASSERT_EQUAL_FATAL(calib_fit(pts, 40, use, fixed, &r, err, sizeof err), 0);
    for (int f = 0; f < CPUF__N; f++) if (truth[f] > 0) ASSERT_REL(r.coef[f], truth[f], 1e-6);
    ASSERT_ABS(r.r2, 1.0, 1e-9);
    ASSERT_ABS(r.r2w, 1.0, 1e-9);
    CU_ASSERT(r.max_rel < 1e-9);
    /* 2 % noise: the large costs come back within a few per cent, R^2 stays near 1 */
    synth(pts, 40, truth, 0.02);
    CU_ASSERT_EQUAL_FATAL(calib_fit(pts, 40, use, fixed, &r, err, sizeof err), 0);
    ASSERT_REL(r.coef[CPUF_COLD], truth[CPUF_COLD], 0.1);
    CU_ASSERT(r.r2 > 0.99);
    CU_ASSERT(r.rms_rel > 0.001 && r.rms_rel < 0.02);
    /* a fixed cost is subtracted, not fitted */
    fixed[CPUF_MESSAGE] = truth[CPUF_MESSAGE];
    synth(pts, 40, truth, 0);
    CU_ASSERT_EQUAL_FATAL(calib_fit(pts, 40, use, fixed, &r, err, sizeof err), 0);
    ASSERT_REL(r.coef[CPUF_WAKEUP], truth[CPUF_WAKEUP], 1e-6);
    CU_ASSERT(isnan(r.se[CPUF_MESSAGE]));
}

/* A cost the data do not carry comes back as 0, never negative; too few points is an error. */
static void test_fit_keeps_costs_nonnegative(void)
{
    double truth[CPUF__N] = { 0 };
    truth[CPUF_WAKEUP] = 50000; truth[CPUF_MESSAGE] = 3000; truth[CPUF_BASE] = 1e6;
    struct fit_point pts[30];
    synth(pts, 30, truth, 0.05);
    int use[CPUF__N] = { 0 };
    use[CPUF_WAKEUP] = use[CPUF_DELIVERY] = use[CPUF_MESSAGE] = use[CPUF_SEGMENT] = use[CPUF_BASE] = 1;
    double fixed[CPUF__N];
    no_fixed(fixed);
    struct fit_result r;
    char err[128];
    CU_ASSERT_EQUAL_FATAL(calib_fit(pts, 30, use, fixed, &r, err, sizeof err), 0);
    for (int f = 0; f < CPUF__N; f++) CU_ASSERT(r.coef[f] >= 0);
    ASSERT_REL(r.coef[CPUF_WAKEUP], 50000, 0.15);
    CU_ASSERT_EQUAL(calib_fit(pts, 5, use, fixed, &r, err, sizeof err), -1);
    CU_ASSERT(strstr(err, "5 points for 5 fitted costs") != NULL);
}

/* Synthetic measurements of one path: every point's segment gaps spread over the bins, its CPU
 * made from known costs at a known cold-cache time constant; three repetitions of which one is
 * disturbed.  The per-path fit must take the medians, choose that time constant and return
 * the costs. */
static void test_fit_path_finds_tau_and_costs(void)
{
    const double tau = 2000, c_wake = 30000, c_cold = 110000, c_deliv = 4000, c_seg = 1500, c_msg = 2500, base = 5e5;
    struct calib_item items[24];
    static struct calib_obs obs[24 * 3];
    size_t n_items = 0, n_obs = 0;
    uint64_t s = 7;
    for (int i = 0; i < 24; i++) {
        int idle = i == 0;
        items[n_items] = (struct calib_item){ { PATH_C_EPOLL, CLOCK_NONE, 1 + i, idle ? 0 : 1000, 1460, 1, 0, 0 },
                                              idle ? ROLE_IDLE : ROLE_FIT };
        struct calib_meas m;
        memset(&m, 0, sizeof m);
        m.window_s = 4;
        m.vcsw = 40;                                        /* the idle receiver's own: 10 per second */
        double cold = 0;
        if (!idle) {
            for (int b = 6; b < 18; b++) {                  /* 32 us .. 128 ms gaps, a different mix per point */
                m.agaps[b] = (uint64_t)(400 * unit(&s) * (1 + i % 5) * (b % 3 + 1));
                m.segs += m.agaps[b];
                cold += (double)m.agaps[b] * cpu_cold(cpu_gap_bin_us(b), tau);
            }
            m.vcsw += (uint64_t)((double)m.segs * (0.4 + 0.5 * unit(&s)));
            m.events = (uint64_t)((double)m.segs * (0.5 + 0.5 * unit(&s)));
            m.msgs = m.segs / 11 + (uint64_t)(50 * unit(&s));
        }
        double y = base * 4 + c_wake * ((double)m.vcsw - 40) + c_cold * cold + c_deliv * (double)m.events +
                   c_seg * (double)m.segs + c_msg * (double)m.msgs;
        for (int r = 0; r < 3; r++) {
            struct calib_obs *o = &obs[n_obs++];
            o->item = n_items;
            o->rep = r;
            o->m = m;
            o->m.cpu_ns = r == 2 ? y * 1.5 : y;         /* one repetition disturbed: the median ignores it */
        }
        n_items++;
    }
    struct calib_path_fit pf;
    double fixed[CPUF__N];
    no_fixed(fixed);
    char err[128];
    CU_ASSERT_EQUAL_FATAL(calib_fit_path(PATH_C_EPOLL, items, n_items, obs, n_obs, fixed, &pf, err, sizeof err), 0);
    ASSERT_ABS(pf.idle_vcsw, 10, 1e-9);
    ASSERT_ABS(pf.tau_us, tau, 0);
    ASSERT_REL(pf.fr.coef[CPUF_WAKEUP], c_wake, 1e-4);
    ASSERT_REL(pf.fr.coef[CPUF_COLD], c_cold, 1e-4);
    ASSERT_REL(pf.fr.coef[CPUF_DELIVERY], c_deliv, 1e-4);
    ASSERT_REL(pf.fr.coef[CPUF_SEGMENT], c_seg, 1e-4);
    ASSERT_REL(pf.fr.coef[CPUF_MESSAGE], c_msg, 1e-4);
    ASSERT_REL(pf.fr.coef[CPUF_BASE], base, 1e-4);
    CU_ASSERT(pf.fr.r2 > 0.999999);
    /* the profile is worse at the neighbouring time constants */
    CU_ASSERT(pf.chisq[3] > pf.chisq[4] && pf.chisq[5] > pf.chisq[4]);
    CU_ASSERT_EQUAL(pf.n_items, 24);
}

/* Interference: each repetition's CPU is (1 + gamma x its other processes' share) times the
 * costs' sum; items differ in load, so the profile finds gamma (a candidate) and the costs. */
static void test_fit_path_finds_interference(void)
{
    const double gamma = 1.5, c_wake = 30000, c_seg = 1500, c_msg = 2500, base = 5e5;
    struct calib_item items[32];
    struct calib_obs obs[96];
    size_t n_items = 0, n_obs = 0;
    uint64_t s = 11;
    for (int i = 0; i < 24; i++) {
        int idle = i < 2;
        items[n_items] = (struct calib_item){ { PATH_C_HDRBODY, CLOCK_NONE, 1 + i, idle ? 0 : 8000, 1460, 1, 1000, 4000 },
                                              idle ? ROLE_IDLE : ROLE_FIT };
        struct calib_meas m;
        memset(&m, 0, sizeof m);
        m.window_s = 4;
        if (!idle) {
            m.segs = (uint64_t)(400 + 4000 * unit(&s));
            m.vcsw = (uint64_t)((double)m.segs * (0.4 + 0.5 * unit(&s)));
            m.msgs = m.segs / 11 + (uint64_t)(50 * unit(&s));
        }
        double sum = base * 4 + c_wake * (double)m.vcsw + c_seg * (double)m.segs + c_msg * (double)m.msgs;
        double load = 0.9 * unit(&s);                    /* this item's load; its repetitions near it */
        for (int r = 0; r < 3; r++) {
            struct calib_obs *o = &obs[n_obs++];
            o->item = n_items;
            o->rep = r;
            o->m = m;
            o->m.other_cpu = load + 0.05 * r;
            o->m.cpu_ns = sum * cpu_interference(gamma, o->m.other_cpu);
        }
        n_items++;
    }
    struct calib_path_fit pf;
    double fixed[CPUF__N];
    no_fixed(fixed);
    char err[128];
    CU_ASSERT_EQUAL_FATAL(calib_fit_path(PATH_C_HDRBODY, items, n_items, obs, n_obs, fixed, &pf, err, sizeof err), 0);
    ASSERT_ABS(pf.gamma, gamma, 0);
    ASSERT_REL(pf.fr.coef[CPUF_WAKEUP], c_wake, 1e-4);
    ASSERT_REL(pf.fr.coef[CPUF_SEGMENT], c_seg, 1e-4);
    ASSERT_REL(pf.fr.coef[CPUF_MESSAGE], c_msg, 1e-4);
    ASSERT_REL(pf.fr.coef[CPUF_BASE], base, 1e-4);
    CU_ASSERT(pf.chisq_gamma[5] > pf.chisq_gamma[6] && pf.chisq_gamma[7] > pf.chisq_gamma[6]);
    /* the fitted model's CPU of one repetition carries that repetition's load */
    ASSERT_REL(calib_fit_cpu(&pf, &items[5].sp, &obs[3 * 5 + 2].m), obs[3 * 5 + 2].m.cpu_ns / 4, 1e-4);
    /* a load not recorded counts as none */
    ASSERT_ABS(cpu_interference(2, NAN), 1, 0);
    ASSERT_ABS(cpu_interference(2, 0.25), 1.5, 1e-12);
}

/* The paced sender re-made: without lateness, writes every mss / (rate x conns) seconds, round
 * robin, from 1 s before the window to its end; a late timer makes bursts, never early writes
 * and never fewer segments than fell due. */
static void test_sender_replay(void)
{
    struct calib_spec sp = { PATH_C_EPOLL, CLOCK_NONE, 4, 14600, 1460, 0, 1000, 2000 };   /* a write every 25 ms */
    struct calib_meas m;
    memset(&m, 0, sizeof m);
    m.window_s = 1.99;
    struct calib_send_trace *tr = calib_sender_replay(&sp, &m, 5, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
    CU_ASSERT_EQUAL(tr->n, 119);                       /* slots at -1 s + 25 ms k, k = 1 .. 119, before 1.99 s */
    for (size_t i = 0; i < tr->n; i++) {
        CU_ASSERT_EQUAL(tr->ev[i].conn, (int32_t)(i % 4));
        ASSERT_ABS((double)tr->ev[i].t_ns, -1e9 + 25e6 * (double)(i + 1), 1);
    }
    unsigned msgs = 0;
    for (size_t i = 0; i < tr->n; i++) msgs += tr->ev[i].msgs;
    CU_ASSERT_EQUAL(msgs, 119 * 1460 / 4 / 16397 * 4);    /* 30 segments a connection: 2 pieces each */
    free(tr);
    sp.rate_Bps = 73000;                               /* a write every 5 ms */
    m.send.late[cpu_gap_bin(12000)] = 10;             /* 8-16 ms late every time: bursts of 2-4 */
    tr = calib_sender_replay(&sp, &m, 5, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
    int bursts = 0;
    for (size_t i = 0; i < tr->n; i++) {
        CU_ASSERT((double)tr->ev[i].t_ns >= -1e9 + 5e6 * (double)(i + 1) - 1);
        if (i > 0 && tr->ev[i].t_ns - tr->ev[i - 1].t_ns < 10000) bursts++;
    }
    CU_ASSERT(bursts > 200);
    CU_ASSERT(tr->n >= 597 - 4 && tr->n <= 597);      /* behind by less than 20 ms: no slot dropped */
    free(tr);
    sp.rate_Bps = 0;                                   /* idle: no writes */
    tr = calib_sender_replay(&sp, &m, 5, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
    CU_ASSERT_EQUAL(tr->n, 0);
    free(tr);
}

static uint32_t be32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* The stream is length-prefixed BitTorrent: PIECE = 4 + 9 + 16384 bytes, id 7; HAVE = 4 + 5,
 * id 4, inserted only between messages, one per 1/have_hz seconds that has passed. */
static void test_sender_stream_framing(void)
{
    struct bt_stream st;
    bt_stream_init(&st, 1.0, 0.0);
    static uint8_t buf[3 * 16397 + 64];
    size_t n = 0;
    unsigned done = 0;
    for (size_t chunk = 1460; n + chunk <= 2 * 16397; n += chunk) done += bt_stream_fill(&st, buf + n, chunk, 0.5);
    done += bt_stream_fill(&st, buf + n, 2 * 16397 - n, 0.5);     /* exactly two pieces, no HAVE due yet */
    CU_ASSERT_EQUAL(done, 2);
    n = 2 * 16397;
    CU_ASSERT_EQUAL(bt_stream_fill(&st, buf + n, 3 * 9 + 4, 3.5), 3);  /* 3 s later: three HAVEs, then a piece starts */
    CU_ASSERT_EQUAL(be32(buf), 16393);
    CU_ASSERT_EQUAL(buf[4], 7);
    CU_ASSERT_EQUAL(be32(buf + 16397), 16393);
    CU_ASSERT_EQUAL(be32(buf + 16397 + 9), 16384);        /* begin of the second block */
    for (int h = 0; h < 3; h++) {
        CU_ASSERT_EQUAL(be32(buf + n + 9 * h), 5);
        CU_ASSERT_EQUAL(buf[n + 9 * h + 4], 4);
        CU_ASSERT_EQUAL(be32(buf + n + 9 * h + 5), (uint32_t)h);
    }
    CU_ASSERT_EQUAL(be32(buf + n + 27), 16393);
    CU_ASSERT_EQUAL(st.pieces, 3);
    CU_ASSERT_EQUAL(st.haves, 3);
}

static void test_result_line_parsing(void)
{
    struct calib_meas m;
    const char *line = "RESULT mode=active clock=mono conns=3 window_ns=2000000000 cpu_ns=123456789 runs=900 vcsw=700 ivcsw=12 "
                       "runtime_ms=98 cpu_busy_ns=1123456789 segs=4100 acks=2000 reads=2500 msgs=370 bytes=6000000 updates=371 "
                       "ticks=1 gaps=0/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20/21/22/23 "
                       "t0_ns=1764489600123456789 t1_ns=1764489602123456789 runtime=erts-13.1.5/OTP-25";
    CU_ASSERT_EQUAL_FATAL(calib_parse_result(line, &m), 0);
    ASSERT_ABS(m.window_s, 2.0, 1e-12);
    ASSERT_ABS(m.cpu_ns, 123456789, 0.5);
    ASSERT_ABS(m.own_cpu_ns, 98e6, 0.5);                 /* statistics(runtime), ms */
    CU_ASSERT_EQUAL(m.runs, 900);
    CU_ASSERT_EQUAL(m.vcsw, 700);
    CU_ASSERT_EQUAL(m.ivcsw, 12);
    CU_ASSERT_EQUAL(m.segs, 4100);
    CU_ASSERT_EQUAL(m.acks, 2000);
    CU_ASSERT_EQUAL(m.events, 0);
    CU_ASSERT_EQUAL(m.msgs, 370);
    CU_ASSERT_EQUAL(m.gaps[0], 0);
    CU_ASSERT_EQUAL(m.gaps[23], 23);
    CU_ASSERT_EQUAL(m.t0_ns, 1764489600123456789LL);     /* exact: not through a double */
    CU_ASSERT_EQUAL(m.t1_ns - m.t0_ns, 2000000000LL);
    ASSERT_ABS(m.other_cpu, 0.5, 1e-9);                  /* (1.123 s busy - 0.123 s ours) / 2 s */
    CU_ASSERT_STRING_EQUAL(m.runtime, "erts-13.1.5/OTP-25");
    CU_ASSERT_EQUAL(calib_parse_result("PORT 4000", &m), -1);
}

/* Gap bins: [2^(k-1), 2^k) us; the cold share at the bin's geometric middle. */
static void test_gap_bins(void)
{
    CU_ASSERT_EQUAL(cpu_gap_bin(0.5), 0);
    CU_ASSERT_EQUAL(cpu_gap_bin(1), 1);
    CU_ASSERT_EQUAL(cpu_gap_bin(1.99), 1);
    CU_ASSERT_EQUAL(cpu_gap_bin(2), 2);
    CU_ASSERT_EQUAL(cpu_gap_bin(1000), 10);              /* 512 .. 1024 */
    CU_ASSERT_EQUAL(cpu_gap_bin(1e12), CPU_GAP_BINS - 1);
    CU_ASSERT_EQUAL(cpu_gap_bin(-3), 0);
    ASSERT_ABS(cpu_gap_bin_us(10), 724.0773439350246, 1e-9);    /* 1024 / sqrt 2 */
    ASSERT_ABS(cpu_cold(1000, 724.0773439350246), 1 - exp(-1), 1e-12);
    ASSERT_ABS(cpu_cold(1e12, 1000), 1, 1e-12);
    ASSERT_ABS(cpu_cold(1000, 0), 0, 0);
    struct cpu_latency l;
    for (int q = 0; q < CPU_LAT_Q; q++) l.q_ns[q] = 1000.0 * q;
    ASSERT_ABS(cpu_latency_draw(&l, 0), 0, 0);
    ASSERT_ABS(cpu_latency_draw(&l, 0.5), 10000, 1e-9);
    ASSERT_ABS(cpu_latency_draw(&l, 0.525), 10500, 1e-9);
    ASSERT_ABS(cpu_latency_draw(&l, 0.999999), 19999.98, 1e-3);
}

/* Features: the receiver's own counts per second; the clock picks the rate feature; COLD from
 * the sender's gaps. */
static void test_features_follow_the_path(void)
{
    struct calib_spec sp = { PATH_C_EPOLL, CLOCK_MONO, 3, 1e6, 1460, 1, 0, 0 };
    struct calib_meas m = { .window_s = 2, .vcsw = 900, .segs = 4000, .reads = 2600, .events = 2500, .msgs = 370,
                            .bytes = 6000000, .updates = 371, .ticks = 2 };
    m.agaps[10] = 100;                                   /* 512 .. 1024 us */
    m.agaps[30 > CPU_GAP_BINS - 1 ? CPU_GAP_BINS - 1 : 30] = 50;
    double x[CPUF__N];
    calib_features(&sp, &m, &(struct calib_shape){ 50, 724.0773439350246, 0 }, x);
    ASSERT_ABS(x[CPUF_DELIVERY], 1250, 1e-9);
    ASSERT_ABS(x[CPUF_WAKEUP], 400, 1e-9);               /* 450 per second less the idle 50 */
    ASSERT_ABS(x[CPUF_COLD], (100 * (1 - exp(-1)) + 50) / 2, 1e-9);
    ASSERT_ABS(x[CPUF_RATE_MONO], 185.5, 1e-9);
    ASSERT_ABS(x[CPUF_RATE_LOCALTIME], 0, 0);
    ASSERT_ABS(x[CPUF_BASE], 1, 0);
    sp.path = PATH_ERL_PASSIVE;
    sp.clock = CLOCK_LOCALTIME;
    calib_features(&sp, &m, &(struct calib_shape){ 50, 1000, 0 }, x);
    ASSERT_ABS(x[CPUF_DELIVERY], 1300, 1e-9);
    ASSERT_ABS(x[CPUF_RATE_LOCALTIME], 185.5, 1e-9);
    sp.clock = CLOCK_NONE;
    calib_features(&sp, &m, &(struct calib_shape){ 50, 1000, 0 }, x);
    ASSERT_ABS(x[CPUF_RATE_LOCALTIME] + x[CPUF_RATE_MONO], 0, 0);
    int use[CPUF__N];
    calib_model_mask(PATH_ERL_PACKET4, use);             /* deliveries are per message: in MESSAGE */
    CU_ASSERT(!use[CPUF_DELIVERY] && use[CPUF_MESSAGE] && use[CPUF_RATE_LOCALTIME] && use[CPUF_COLD]);
    calib_model_mask(PATH_C_BLOCKING, use);
    CU_ASSERT(use[CPUF_DELIVERY] && !use[CPUF_TICK] && !use[CPUF_BYTE]);
}

/* ---------------------------------------------------------------- the receiving process */

/* Costs of one path in every mode, a fixed latency, round numbers. */
static void test_costs(struct cpu_costs *c, enum cpu_path p, double latency_ns, double tau_us)
{
    struct cpu_calibration cal;
    memset(&cal, 0, sizeof cal);
    cal.ns[p][CPUF_WAKEUP] = 10000;
    cal.ns[p][CPUF_COLD] = 100000;
    cal.ns[p][CPUF_DELIVERY] = 2000;
    cal.ns[p][CPUF_SEGMENT] = 1000;
    cal.ns[p][CPUF_MESSAGE] = 500;
    cal.os_wakes[p] = 2;
    cal.cold_tau_us[p] = tau_us;
    for (int q = 0; q < CPU_LAT_Q; q++) cal.latency[p].any.q_ns[q] = latency_ns;
    calib_costs_for_path(c, &cal, p, CLOCK_NONE);
}

/* A thread of its own (blocking recv): the first arrival wakes it; what arrives before it runs
 * is read in the same round; what arrives while it is busy in the next round, without a wake-up;
 * once idle, the next arrival wakes it again. */
static void test_recv_rounds_and_wakeups(void)
{
    struct cpu_costs c;
    test_costs(&c, PATH_C_BLOCKING, 100000, 0);
    struct cpu_tally t = { { 0 }, { 0 } };
    struct cpu_recv r;
    cpu_recv_init(&r, &c, 1, cpu_tally_sink, &t);
    struct cpu_sock s;
    cpu_sock_init(&s, 0);
    cpu_recv_arrival(&r, &s, 0, 1460, 1);              /* wakes: runs at 100 us */
    cpu_recv_arrival(&r, &s, 50000, 1460, 1);          /* before it runs: same round */
    cpu_recv_advance(&r, 100000);
    ASSERT_ABS(t.units[CPUF_WAKEUP], 2, 0);            /* one wake-up of 2 OS threads */
    ASSERT_ABS(t.units[CPUF_DELIVERY], 1, 0);
    ASSERT_ABS(t.units[CPUF_SEGMENT], 2, 0);
    /* the round costs 2 x 10 (wake) + 2 (delivery) + 2 x 1 (segments) = 24 us: busy to 124 us */
    CU_ASSERT_EQUAL(s.own.state, CPU_BUSY);
    ASSERT_ABS(s.own.at_ns, 124000, 1e-6);
    cpu_recv_arrival(&r, &s, 110000, 1460, 1);         /* while busy: the next round, no wake-up */
    cpu_recv_advance(&r, 200000);
    ASSERT_ABS(t.units[CPUF_WAKEUP], 2, 0);
    ASSERT_ABS(t.units[CPUF_DELIVERY], 2, 0);
    CU_ASSERT_EQUAL(s.own.state, CPU_ASLEEP);          /* 124 + 3 us later, nothing left */
    cpu_recv_arrival(&r, &s, 300000, 1460, 1);
    cpu_recv_advance(&r, 1e9);
    ASSERT_ABS(t.units[CPUF_WAKEUP], 4, 0);
    ASSERT_ABS(t.units[CPUF_DELIVERY], 3, 0);
    cpu_sock_free(&s);
    cpu_recv_free(&r);
}

/* One thread for all sockets (epoll): one wake-up, one delivery per ready socket; Erlang's raw
 * sockets deliver per 1460-byte chunk; {packet,4} per message; a segment after a long quiet
 * spell is cold, one right after another is not. */
static void test_recv_delivery_rules_and_cold(void)
{
    struct cpu_costs c;
    test_costs(&c, PATH_C_EPOLL, 100000, 1000);
    struct cpu_tally t = { { 0 }, { 0 } };
    struct cpu_recv r;
    cpu_recv_init(&r, &c, 1, cpu_tally_sink, &t);
    struct cpu_sock a, b;
    cpu_sock_init(&a, 0);
    cpu_sock_init(&b, 0);
    cpu_recv_arrival(&r, &a, 1e9, 1460, 1);
    cpu_recv_arrival(&r, &b, 1e9 + 10000, 1460, 1);   /* 10 us later: bin [8, 16) us */
    cpu_recv_arrival(&r, &a, 1e9 + 20000, 1460, 1);
    cpu_recv_advance(&r, 2e9);
    ASSERT_ABS(t.units[CPUF_WAKEUP], 2, 0);
    ASSERT_ABS(t.units[CPUF_DELIVERY], 2, 0);          /* two ready sockets */
    double warm = cpu_cold(10, 1000);
    ASSERT_ABS(t.units[CPUF_COLD], 1 + 2 * warm, 1e-12);
    cpu_sock_free(&a);
    cpu_sock_free(&b);
    cpu_recv_free(&r);

    test_costs(&c, PATH_ERL_ACTIVE, 100000, 0);
    memset(&t, 0, sizeof t);
    cpu_recv_init(&r, &c, 1, cpu_tally_sink, &t);
    cpu_sock_init(&a, 0);
    cpu_recv_arrival(&r, &a, 0, 3000, 2);
    cpu_recv_advance(&r, 1e9);
    ASSERT_ABS(t.units[CPUF_DELIVERY], 3, 0);          /* 1460 + 1460 + 80 */
    cpu_sock_free(&a);
    cpu_recv_free(&r);

    test_costs(&c, PATH_ERL_PACKET4, 100000, 0);
    memset(&t, 0, sizeof t);
    cpu_recv_init(&r, &c, 1, cpu_tally_sink, &t);
    cpu_sock_init(&a, 0);
    cpu_recv_arrival(&r, &a, 0, 1460, 1);
    cpu_recv_message(&r, &a, 0);
    cpu_recv_advance(&r, 1e9);
    ASSERT_ABS(t.units[CPUF_DELIVERY], 1, 0);
    ASSERT_ABS(t.units[CPUF_MESSAGE], 1, 0);
    cpu_sock_free(&a);
    cpu_recv_free(&r);
}

/* A simulated calibration point: a sender trace of one connection, a segment every 10 ms for a
 * second (100 in the window), each one a message; a receiver that is asleep each time. */
static void test_sim_point_counts(void)
{
    size_t n = 150;
    struct calib_send_trace *tr = calloc(1, sizeof *tr + n * sizeof tr->ev[0]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
    tr->n = tr->cap = n;
    const int64_t t0 = 1000000000000LL;
    for (size_t i = 0; i < n; i++) tr->ev[i] = (struct calib_send_ev){ t0 - 500000000LL + (int64_t)i * 10000000LL, 0, 1460, 1 };
    struct calib_spec sp = { PATH_C_BLOCKING, CLOCK_NONE, 1, 146000, 1460, 0, 500, 1000 };
    struct calib_meas m = { .window_s = 1, .t0_ns = t0, .t1_ns = t0 + 1000000000LL };
    struct cpu_calibration cal;
    memset(&cal, 0, sizeof cal);
    cal.ns[PATH_C_BLOCKING][CPUF_WAKEUP] = 20000;
    cal.ns[PATH_C_BLOCKING][CPUF_DELIVERY] = 5000;
    cal.ns[PATH_C_BLOCKING][CPUF_MESSAGE] = 1000;
    cal.ns[PATH_C_BLOCKING][CPUF_BASE] = 3000;
    for (int q = 0; q < CPU_LAT_Q; q++) cal.latency[PATH_C_BLOCKING].any.q_ns[q] = 50000;
    struct calib_sim_out o;
    CU_ASSERT_EQUAL_FATAL(calib_sim_point(&sp, &m, tr, &cal, 1, &o), 0);
    ASSERT_ABS(o.units[CPUF_WAKEUP], 100, 1e-9);
    ASSERT_ABS(o.units[CPUF_DELIVERY], 100, 1e-9);
    ASSERT_ABS(o.units[CPUF_MESSAGE], 100, 1e-9);
    ASSERT_ABS(o.cpu_ns, 100 * (20000 + 5000 + 1000) + 3000, 1e-6);
    ASSERT_ABS(o.gaps[cpu_gap_bin(10000)], 100, 1e-9);   /* every delivery 10 ms after the last */
    free(tr);
}

/* The harnesses' 5-s timers start with the connections (in phase, 5 s after the sender's first
 * write); passive Erlang blocks in recv without a timeout, so its tick runs only with the next
 * data on that socket, while the timer still wakes the VM. */
static void test_sim_point_ticks(void)
{
    struct calib_send_trace *tr = calloc(1, sizeof *tr + 4 * sizeof tr->ev[0]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tr);
    const int64_t t0 = 1000000000000LL;
    for (int c = 0; c < 3; c++) tr->ev[c] = (struct calib_send_ev){ t0 - 1000000000LL, c, 1460, 0 };
    tr->ev[3] = (struct calib_send_ev){ t0 + 4500000000LL, 0, 1460, 0 };     /* after the tick at 4 s */
    tr->n = tr->cap = 4;
    struct calib_meas m = { .window_s = 6, .t0_ns = t0, .t1_ns = t0 + 6000000000LL };
    struct cpu_calibration cal;
    memset(&cal, 0, sizeof cal);
    for (int p = PATH_ERL_PASSIVE; p <= PATH_ERL_ACTIVE; p++) {
        cal.ns[p][CPUF_TICK] = 1000;
        cal.os_wakes[p] = 1;
        for (int q = 0; q < CPU_LAT_Q; q++) cal.latency[p].any.q_ns[q] = 50000;
    }
    struct calib_spec sp = { PATH_ERL_ACTIVE, CLOCK_NONE, 3, 1000, 1460, 0, 1000, 6000 };
    struct calib_sim_out o;
    CU_ASSERT_EQUAL_FATAL(calib_sim_point(&sp, &m, tr, &cal, 1, &o), 0);
    ASSERT_ABS(o.units[CPUF_TICK] * 6, 3, 1e-9);       /* every connection's tick, at 4 s */
    ASSERT_ABS(o.units[CPUF_WAKEUP] * 6, 2, 1e-9);     /* one VM wake-up for the ticks, one for the data */
    sp.path = PATH_ERL_PASSIVE;
    CU_ASSERT_EQUAL_FATAL(calib_sim_point(&sp, &m, tr, &cal, 1, &o), 0);
    ASSERT_ABS(o.units[CPUF_TICK] * 6, 1, 1e-9);       /* only connection 0 had data after its tick */
    ASSERT_ABS(o.units[CPUF_WAKEUP] * 6, 2, 1e-9);
    ASSERT_ABS(o.cpu_ns * 6, 1000, 1e-6);
    /* the point's load scales every cost by the calibration's interference */
    cal.interference[PATH_ERL_PASSIVE] = 2;
    m.other_cpu = 0.5;
    CU_ASSERT_EQUAL_FATAL(calib_sim_point(&sp, &m, tr, &cal, 1, &o), 0);
    ASSERT_ABS(o.cpu_ns * 6, 2000, 1e-6);
    free(tr);
}

static void test_profiles_map_modes_to_paths(void)
{
    CU_ASSERT_EQUAL(cpu_profile_path(CPU_PROFILE_ERLANG, 2), PATH_ERL_PACKET4);
    CU_ASSERT_EQUAL(cpu_profile_path(CPU_PROFILE_C, 0), PATH_C_BLOCKING);
    CU_ASSERT_EQUAL(cpu_profile_path(CPU_PROFILE_C, 1), PATH_C_EPOLL);
    struct cpu_calibration cal;
    memset(&cal, 0, sizeof cal);
    cal.ns[PATH_C_BLOCKING][CPUF_BASE] = 1e6;
    cal.ns[PATH_C_HDRBODY][CPUF_RATE_MONO] = 100;
    cal.ns[PATH_C_HDRBODY][CPUF_RATE_LOCALTIME] = 150;
    CU_ASSERT_EQUAL(cpu_calibration_set(&cal, PATH_C_EPOLL, "lat_p50", 3e4), 0);
    CU_ASSERT_EQUAL(cpu_calibration_set(&cal, PATH_C_EPOLL, "os_wakes", 1.5), 0);
    CU_ASSERT_EQUAL(cpu_calibration_set(&cal, PATH_C_EPOLL, "lat_p07", 1), -1);
    CU_ASSERT_EQUAL(cpu_calibration_set(&cal, PATH_C_EPOLL, "nonsense", 1), -1);
    struct cpu_costs c;
    cpu_costs_from(&c, &cal, CPU_PROFILE_C, 1);
    ASSERT_ABS(c.ns[2][CPUF_RATE_LOCALTIME], 150, 0);
    ASSERT_ABS(c.ns[2][CPUF_RATE_MONO], 0, 0);                  /* only the configured clock */
    ASSERT_ABS(c.base_ns_per_s, 1e6, 0);
    ASSERT_ABS(c.latency[1].any.q_ns[10], 3e4, 0);
    ASSERT_ABS(c.os_wakes[1], 1.5, 0);
    ASSERT_ABS(c.os_wakes[0], 1, 0);                            /* not measured: one thread */
    CU_ASSERT(c.mech[0].thread_per_conn && !c.mech[1].thread_per_conn && c.mech[2].thread_per_conn);
    char err[128];
    CU_ASSERT_EQUAL(cpu_calibration_get(0, &cal, err, sizeof err), 0);
    CU_ASSERT(strstr(cal.label, "shipped calibration") != NULL);
}

/* Stored, read back and exported: the costs and mechanisms survive, fit rows and points are there. */
static void test_calibration_round_trip(void)
{
    char path[] = "/tmp/ratelab_calib_XXXXXX", dir[] = "/tmp/ratelab_calibx_XXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0 && mkdtemp(dir) != NULL);
    close(fd);
    unlink(path);
    char err[512];
    sqlite3 *db = db_open(path, DB_WRITE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    static struct calib_record rec;
    memset(&rec, 0, sizeof rec);
    snprintf(rec.created, sizeof rec.created, "2026-01-01T00:00:00Z");
    snprintf(rec.machine, sizeof rec.machine, "test machine");
    snprintf(rec.runtime, sizeof rec.runtime, "none");
    snprintf(rec.code_version, sizeof rec.code_version, "test");
    snprintf(rec.settings, sizeof rec.settings, "synthetic");
    rec.fit[PATH_C_EPOLL] = (struct calib_fit_row){ 1, 20, 0.98, 0.97, 0.05, 0.1, 2000, NAN, NAN };
    rec.ns[PATH_C_EPOLL][CPUF_WAKEUP] = 85000;
    rec.ns[PATH_C_EPOLL][CPUF_COLD] = 0.25;
    snprintf(rec.source[PATH_C_EPOLL][CPUF_WAKEUP], 8, "fit");
    rec.mech[rec.n_mech++] = (struct calib_mech_row){ PATH_C_EPOLL, "lat_p50", 150000 };
    rec.mech[rec.n_mech++] = (struct calib_mech_row){ PATH_C_EPOLL, "cold_tau_us", 2000 };
    rec.mech[rec.n_mech++] = (struct calib_mech_row){ PATH_C_EPOLL, "interference", 1.25 };
    rec.mech[rec.n_mech++] = (struct calib_mech_row){ PATH_C_EPOLL, "other_ref", 0.5 };
    struct calib_point_row pt = { .path = PATH_C_EPOLL, .role = "holdout", .clock = "mono", .conns = 3, .mss = 1460,
                                  .rate_Bps = 1e6, .have_hz = 1, .window_s = 2, .cpu_ns = 2e8, .own_cpu_ns = 2e8,
                                  .gaps = "1/2/3", .load1 = 7.5, .other_cpu = 0.9,
                                  .fit_ns = NAN, .sim_ns = NAN, .sim_wakeups = NAN, .sim_deliveries = NAN };
    rec.pts = &pt;
    rec.n_pts = 1;
    long id = 0;
    CU_ASSERT_EQUAL_FATAL(db_calib_store(db, &rec, &id, err, sizeof err), 0);
    CU_ASSERT_EQUAL(id, 1);
    pt.sim_ns = 2.1e8;
    rec.fit[PATH_C_EPOLL].heldout_max_rel = 0.05;
    rec.fit[PATH_C_EPOLL].heldout_count_max_rel = 0.08;
    CU_ASSERT_EQUAL(db_calib_store_validation(db, id, &rec, err, sizeof err), 0);
    struct cpu_calibration cal;
    CU_ASSERT_EQUAL_FATAL(db_calib_load(db, id, &cal, err, sizeof err), 0);
    ASSERT_ABS(cal.ns[PATH_C_EPOLL][CPUF_WAKEUP], 85000, 0);
    ASSERT_ABS(cal.ns[PATH_C_EPOLL][CPUF_COLD], 0.25, 0);
    ASSERT_ABS(cal.latency[PATH_C_EPOLL].any.q_ns[10], 150000, 0);
    ASSERT_ABS(cal.cold_tau_us[PATH_C_EPOLL], 2000, 0);
    ASSERT_ABS(cal.interference[PATH_C_EPOLL], 1.25, 0);
    ASSERT_ABS(cal.other_ref[PATH_C_EPOLL], 0.5, 0);
    struct cpu_costs costs;
    cpu_costs_from(&costs, &cal, CPU_PROFILE_C, 0);
    ASSERT_ABS(costs.ns[1][CPUF_WAKEUP], 85000 * 1.625, 1e-6);     /* at the reference load: 1 + 1.25 x 0.5 */
    /* the stored points come back for a refit; a gap histogram of 3 bins is refused by name */
    struct calib_point_row *rows = NULL;
    size_t n_rows = 0;
    CU_ASSERT_EQUAL_FATAL(db_calib_load_points(db, id, &rows, &n_rows, err, sizeof err), 0);
    CU_ASSERT_EQUAL(n_rows, 1);
    CU_ASSERT_EQUAL(rows[0].path, PATH_C_EPOLL);
    CU_ASSERT_STRING_EQUAL(rows[0].gaps, "1/2/3");
    ASSERT_ABS(rows[0].other_cpu, 0.9, 0);
    ASSERT_ABS(rows[0].sim_ns, 2.1e8, 0);
    static struct calib_session sess;
    memset(&sess, 0, sizeof sess);
    CU_ASSERT_EQUAL(calib_session_from_points(&sess, rows, n_rows, NULL, 0, &cal, err, sizeof err), -1);
    CU_ASSERT(strstr(err, "point 0: a gap histogram") != NULL);
    calib_session_free(&sess);
    free(rows);
    CU_ASSERT_EQUAL(db_calib_load(db, 7, &cal, err, sizeof err), -1);
    CU_ASSERT(strstr(err, "calibration 7: not in the calibration database") != NULL);
    CU_ASSERT_EQUAL(db_calib_export(db, id, dir, err, sizeof err), 0);
    char f[600], line[256];
    snprintf(f, sizeof f, "%s/coefficients.csv", dir);
    FILE *in = fopen(f, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    CU_ASSERT(fgets(line, sizeof line, in) && !strcmp(line, "path,feature,ns,stderr,source\n"));
    fclose(in);
    /* text that does not fit the reader's buffer is refused by column, never cut short */
    static char machine[256], runtime[128], settings[CALIB_SETTINGS_MAX];
    CU_ASSERT_EQUAL(db_calib_load_meta(db, id, machine, sizeof machine, runtime, sizeof runtime, settings, sizeof settings,
                                       err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(settings, "synthetic");
    CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db, "UPDATE calibrations SET settings = hex(zeroblob(4500)); "
                                           "UPDATE calib_points SET clock = 'monotonic-raw'", NULL, NULL, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL(db_calib_load_meta(db, id, machine, sizeof machine, runtime, sizeof runtime, settings, sizeof settings,
                                       err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "calibration 1: column settings holds 9000 bytes, more than the 8191 this build reads");
    CU_ASSERT_EQUAL(db_calib_load_points(db, id, &rows, &n_rows, err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "calibration 1, point 0: column clock holds 13 bytes, more than the 11 this build reads");
    CU_ASSERT_PTR_NULL(rows);
    db_close(db);
    const char *files[] = { "calibration.csv", "coefficients.csv", "fits.csv", "points.csv", "bench.csv" };
    for (size_t i = 0; i < 5; i++) { snprintf(f, sizeof f, "%s/%s", dir, files[i]); CU_ASSERT_EQUAL(unlink(f), 0); }
    rmdir(dir);
    unlink(path);
}

/* A stored calibration's repetitions all reach the per-item medians: 16 of one held-out item give
 * the median of all 16; a 17th, more than the medians take, is refused by name when the points
 * are read, not dropped in silence (the held-out table once took only the first 16). */
static void test_refit_takes_every_repetition(void)
{
    static struct calib_point_row rows[CALIB_MAX_REPS + 1];
    char gaps[CPU_GAP_BINS * 2 + 1] = "";
    for (int b = 0; b < CPU_GAP_BINS; b++) strcat(gaps, b ? "/0" : "0");
    for (int i = 0; i <= CALIB_MAX_REPS; i++) {
        rows[i] = (struct calib_point_row){ .path = PATH_C_EPOLL, .role = "holdout", .item = 0, .rep = i,
                                            .clock = "mono", .conns = 1, .mss = 1460, .rate_Bps = 1e3,
                                            .have_hz = 1, .window_s = 2, .cpu_ns = 2e6 * i, .own_cpu_ns = 2e6 * i,
                                            .fit_ns = NAN, .sim_ns = NAN, .sim_wakeups = NAN, .sim_deliveries = NAN };
        snprintf(rows[i].gaps, sizeof rows[i].gaps, "%s", gaps);
        snprintf(rows[i].agaps, sizeof rows[i].agaps, "%s", gaps);
        snprintf(rows[i].send_late, sizeof rows[i].send_late, "%s", gaps);
    }
    static struct cpu_calibration cal;
    static struct calib_session sess;
    char err[512];
    memset(&sess, 0, sizeof sess);
    CU_ASSERT_EQUAL_FATAL(calib_session_from_points(&sess, rows, CALIB_MAX_REPS, NULL, 0, &cal, err, sizeof err), 0);
    for (size_t i = 0; i < sess.n_obs; i++) sess.simmed[i] = 1;
    struct calib_heldout_row r;
    CU_ASSERT_EQUAL_FATAL(calib_session_heldout(&sess, 0, &r), 1);
    CU_ASSERT_EQUAL(r.n, CALIB_MAX_REPS);
    ASSERT_ABS(r.cpu, 7.5e6, 1e-6);             /* median of 0, 1e6, ..., 15e6 ns per s */
    calib_session_free(&sess);
    memset(&sess, 0, sizeof sess);
    CU_ASSERT_EQUAL(calib_session_from_points(&sess, rows, CALIB_MAX_REPS + 1, NULL, 0, &cal, err, sizeof err), -1);
    CU_ASSERT(strstr(err, "point 16: item 0 has more than 16 repetitions") != NULL);
    calib_session_free(&sess);
}

/* The quiet-host rule: a point stolen more than the bound is measured again while tries are left
 * (6 in all), a share at the bound is kept, a NAN share (not recorded) never asks for more; of two
 * measurements the less stolen is kept, and a recorded share beats a NAN one. */
static void test_steal_rule_retries_and_keeps_the_least_stolen(void)
{
    CU_ASSERT_EQUAL(CALIB_STEAL_TRIES, 6);
    CU_ASSERT_TRUE(calib_steal_again(0.006, 0.005, 1));
    CU_ASSERT_TRUE(calib_steal_again(0.5, 0.005, 5));
    CU_ASSERT_FALSE(calib_steal_again(0.5, 0.005, 6));          /* the sixth measurement is the last */
    CU_ASSERT_FALSE(calib_steal_again(0.005, 0.005, 1));        /* at the bound: quiet enough */
    CU_ASSERT_FALSE(calib_steal_again(0.0, 0.005, 1));
    CU_ASSERT_FALSE(calib_steal_again(NAN, 0.005, 1));
    CU_ASSERT_FALSE(calib_steal_again(0.9, 1, 1));              /* --steal-max 1: no rule */
    CU_ASSERT_TRUE(calib_steal_better(0.01, 0.02));
    CU_ASSERT_FALSE(calib_steal_better(0.02, 0.01));
    CU_ASSERT_FALSE(calib_steal_better(0.01, 0.01));            /* a tie keeps the first */
    CU_ASSERT_TRUE(calib_steal_better(0.3, NAN));
    CU_ASSERT_FALSE(calib_steal_better(NAN, 0.3));
    /* The session follows it: six measurements stolen 3, 2.5, 4, 0.8, 1, 2 % keep the fourth. */
    const double seq[] = { 0.03, 0.025, 0.04, 0.008, 0.01, 0.02 };
    double kept = seq[0];
    int tries = 1, taken = 1;
    for (; calib_steal_again(kept, 0.005, tries); tries++) {
        double cand = seq[taken++];
        if (calib_steal_better(cand, kept)) kept = cand;
    }
    CU_ASSERT_EQUAL(taken, 6);
    CU_ASSERT_DOUBLE_EQUAL(kept, 0.008, 1e-12);
}

/* A guest is told by the "hypervisor" word of a flags line (x86 /proc/cpuinfo, the CPUID bit), not
 * by the word inside another flag or on another line. */
static void test_cpuinfo_names_a_guest(void)
{
    CU_ASSERT_TRUE(calib_cpuinfo_is_guest("processor\t: 0\nflags\t\t: fpu vme hypervisor lahf_lm\nbogomips\t: 4000\n"));
    CU_ASSERT_TRUE(calib_cpuinfo_is_guest("flags\t\t: fpu hypervisor"));              /* last word, no newline */
    CU_ASSERT_FALSE(calib_cpuinfo_is_guest("flags\t\t: fpu vme de pse tsc msr\n"));    /* bare metal */
    CU_ASSERT_FALSE(calib_cpuinfo_is_guest("flags\t\t: fpu xhypervisor hypervisors\n"));
    CU_ASSERT_FALSE(calib_cpuinfo_is_guest("model name\t: hypervisor edition\nflags\t\t: fpu\n"));
    CU_ASSERT_FALSE(calib_cpuinfo_is_guest(""));
}

void register_test_calib(void);
void register_test_calib(void)
{
    TEST_SUITE("calib",
               TEST(test_fit_recovers_known_costs),
               TEST(test_fit_keeps_costs_nonnegative),
               TEST(test_fit_path_finds_tau_and_costs),
               TEST(test_fit_path_finds_interference),
               TEST(test_sender_replay),
               TEST(test_sender_stream_framing),
               TEST(test_result_line_parsing),
               TEST(test_gap_bins),
               TEST(test_features_follow_the_path),
               TEST(test_recv_rounds_and_wakeups),
               TEST(test_recv_delivery_rules_and_cold),
               TEST(test_sim_point_counts),
               TEST(test_sim_point_ticks),
               TEST(test_profiles_map_modes_to_paths),
               TEST(test_calibration_round_trip),
               TEST(test_refit_takes_every_repetition),
               TEST(test_steal_rule_retries_and_keeps_the_least_stolen),
               TEST(test_cpuinfo_names_a_guest));
}
