/* The CPU calibration's pieces that do not need a clock: the least-squares fit on synthetic data
 * with known costs, the sender's BitTorrent stream, parsing a receiver's result line, the
 * simulator's wake-up model, profiles, and a calibration's round trip through SQLite. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"
#include "calib.h"
#include "db.h"
#include "db_calib.h"
#include "fit.h"
#include "plan.h"

/* splitmix64: a fixed, documented stream for synthetic points */
static double unit(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* Points spread like the plan's (1 .. 5000 segments/s, messages and bytes not proportional). */
static void synth(struct fit_point *pts, size_t n, const double truth[CPUF__N], double noise)
{
    uint64_t s = 42;
    for (size_t i = 0; i < n; i++) {
        memset(pts[i].x, 0, sizeof pts[i].x);
        double segs = exp(log(1) + unit(&s) * log(5000));
        pts[i].x[CPUF_WAKEUP] = segs * (0.3 + 0.7 * unit(&s));
        pts[i].x[CPUF_RECV] = segs * (0.5 + 0.5 * unit(&s));
        pts[i].x[CPUF_MESSAGE] = segs / 11 + 50 * unit(&s);
        pts[i].x[CPUF_BYTE] = segs * (536 + 924 * unit(&s));
        pts[i].x[CPUF_TICK] = 40 * unit(&s);
        pts[i].x[CPUF_BASE] = 1;
        double y = 0;
        for (int f = 0; f < CPUF__N; f++) y += truth[f] * pts[i].x[f];
        pts[i].y = y * (1 + noise * (2 * unit(&s) - 1));
    }
}

static void test_fit_recovers_known_costs(void)
{
    double truth[CPUF__N] = { 0 };
    truth[CPUF_WAKEUP] = 90000; truth[CPUF_RECV] = 4000; truth[CPUF_MESSAGE] = 2500;
    truth[CPUF_BYTE] = 0.8; truth[CPUF_TICK] = 6000; truth[CPUF_BASE] = 1.2e6;
    struct fit_point pts[40];
    synth(pts, 40, truth, 0);
    int use[CPUF__N] = { 0 };
    use[CPUF_WAKEUP] = use[CPUF_RECV] = use[CPUF_MESSAGE] = use[CPUF_BYTE] = use[CPUF_TICK] = 1;
    double fixed[CPUF__N];
    for (int f = 0; f < CPUF__N; f++) fixed[f] = NAN;
    fixed[CPUF_BASE] = truth[CPUF_BASE];                 /* the base comes from idle points */
    struct fit_result r;
    char err[128];
    CU_ASSERT_EQUAL_FATAL(calib_fit(pts, 40, use, fixed, &r, err, sizeof err), 0);
    for (int f = 0; f < CPUF__N; f++) if (truth[f] > 0) ASSERT_REL(r.coef[f], truth[f], 1e-6);
    ASSERT_ABS(r.r2, 1.0, 1e-9);
    CU_ASSERT(r.max_rel < 1e-9);
    CU_ASSERT(isnan(r.se[CPUF_BASE]));
    /* 2 % noise: the costs come back within a few per cent, R^2 stays near 1 */
    synth(pts, 40, truth, 0.02);
    CU_ASSERT_EQUAL_FATAL(calib_fit(pts, 40, use, fixed, &r, err, sizeof err), 0);
    ASSERT_REL(r.coef[CPUF_WAKEUP], truth[CPUF_WAKEUP], 0.05);
    CU_ASSERT(r.r2 > 0.99);
    CU_ASSERT(r.rms_rel > 0.001 && r.rms_rel < 0.02);
}

/* A cost the data do not carry comes back as 0, never negative; too few points is an error. */
static void test_fit_keeps_costs_nonnegative(void)
{
    double truth[CPUF__N] = { 0 };
    truth[CPUF_WAKEUP] = 50000; truth[CPUF_MESSAGE] = 3000; truth[CPUF_BASE] = 1e6;
    struct fit_point pts[30];
    synth(pts, 30, truth, 0.05);
    int use[CPUF__N] = { 0 };
    use[CPUF_WAKEUP] = use[CPUF_RECV] = use[CPUF_MESSAGE] = use[CPUF_BYTE] = 1;
    double fixed[CPUF__N];
    for (int f = 0; f < CPUF__N; f++) fixed[f] = NAN;
    fixed[CPUF_BASE] = 1e6;
    struct fit_result r;
    char err[128];
    CU_ASSERT_EQUAL_FATAL(calib_fit(pts, 30, use, fixed, &r, err, sizeof err), 0);
    for (int f = 0; f < CPUF__N; f++) CU_ASSERT(r.coef[f] >= 0);
    ASSERT_REL(r.coef[CPUF_WAKEUP], 50000, 0.15);
    CU_ASSERT_EQUAL(calib_fit(pts, 4, use, fixed, &r, err, sizeof err), -1);
    CU_ASSERT(strstr(err, "4 points for 4 fitted costs") != NULL);
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
    for (size_t chunk = 1460; n + chunk <= 2 * 16397; n += chunk) bt_stream_fill(&st, buf + n, chunk, 0.5);
    bt_stream_fill(&st, buf + n, 2 * 16397 - n, 0.5);     /* exactly two pieces, no HAVE due yet */
    n = 2 * 16397;
    bt_stream_fill(&st, buf + n, 3 * 9 + 4, 3.5);        /* 3 s later: three HAVEs due, then a piece */
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
    const char *line = "RESULT mode=active clock=mono conns=3 window_ns=2000000000 cpu_ns=123456789 runs=900 "
                       "runtime_ms=98 segs=4100 reads=2500 msgs=370 bytes=6000000 updates=371 ticks=1 runtime=erts-13.1.5/OTP-25";
    CU_ASSERT_EQUAL_FATAL(calib_parse_result(line, &m), 0);
    ASSERT_ABS(m.window_s, 2.0, 1e-12);
    ASSERT_ABS(m.cpu_ns, 123456789, 0.5);
    ASSERT_ABS(m.own_cpu_ns, 98e6, 0.5);                 /* statistics(runtime), ms */
    CU_ASSERT_EQUAL(m.runs, 900);
    CU_ASSERT_EQUAL(m.segs, 4100);
    CU_ASSERT_EQUAL(m.events, 0);
    CU_ASSERT_EQUAL(m.msgs, 370);
    CU_ASSERT_STRING_EQUAL(m.runtime, "erts-13.1.5/OTP-25");
    CU_ASSERT_EQUAL(calib_parse_result("PORT 4000", &m), -1);
}

/* Features: the receiver's own counts per second; the clock picks the rate feature. */
static void test_features_follow_the_path(void)
{
    struct calib_spec sp = { PATH_C_EPOLL, CLOCK_MONO, 3, 1e6, 1460, 1, 0, 0 };
    struct calib_meas m = { .window_s = 2, .runs = 900, .segs = 4000, .reads = 2600, .events = 2500, .msgs = 370,
                            .bytes = 6000000, .updates = 371, .ticks = 2 };
    double x[CPUF__N];
    calib_features(&sp, &m, x);
    ASSERT_ABS(x[CPUF_EVENT], 1250, 1e-9);
    ASSERT_ABS(x[CPUF_RECV], 0, 0);
    ASSERT_ABS(x[CPUF_WAKEUP], 450, 1e-9);
    ASSERT_ABS(x[CPUF_RATE_MONO], 185.5, 1e-9);
    ASSERT_ABS(x[CPUF_RATE_LOCALTIME], 0, 0);
    sp.path = PATH_ERL_PASSIVE;
    sp.clock = CLOCK_LOCALTIME;
    calib_features(&sp, &m, x);
    ASSERT_ABS(x[CPUF_RECV], 1300, 1e-9);
    ASSERT_ABS(x[CPUF_EVENT], 0, 0);
    ASSERT_ABS(x[CPUF_RATE_LOCALTIME], 185.5, 1e-9);
}

/* A thread asleep is woken by an arrival; arrivals within the wake-up latency, or while it is
 * busy with the CPU charged to it, join the same run. */
static void test_wakeup_model(void)
{
    struct cpu_proc t = { 0, 0 };
    unsigned long last = 99;
    CU_ASSERT_EQUAL(cpu_proc_arrival(&t, 1000, 200), 1);
    CU_ASSERT_EQUAL(cpu_proc_new_read(&t, 1000, &last), 1);
    CU_ASSERT_EQUAL(cpu_proc_arrival(&t, 1150, 200), 0);       /* before it even ran */
    CU_ASSERT_EQUAL(cpu_proc_new_read(&t, 1150, &last), 0);    /* joins the same read */
    cpu_proc_busy(&t, 1150, 500);                                /* runs 1200 .. 1700 */
    CU_ASSERT_EQUAL(cpu_proc_arrival(&t, 1650, 200), 0);
    CU_ASSERT_EQUAL(cpu_proc_arrival(&t, 1700, 200), 1);       /* asleep again */
    CU_ASSERT_EQUAL(cpu_proc_new_read(&t, 1700, &last), 1);
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
    cal.wake_latency_ns = 3e4;
    struct cpu_costs c;
    cpu_costs_from(&c, &cal, CPU_PROFILE_C, 1);
    ASSERT_ABS(c.ns[2][CPUF_RATE_LOCALTIME], 150, 0);
    ASSERT_ABS(c.ns[2][CPUF_RATE_MONO], 0, 0);                  /* only the configured clock */
    ASSERT_ABS(c.base_ns_per_s, 1e6, 0);
    ASSERT_ABS(c.wake_latency_ns, 3e4, 0);
    CU_ASSERT(c.thread_per_conn[0] && !c.thread_per_conn[1] && c.thread_per_conn[2]);
    char err[128];
    CU_ASSERT_EQUAL(cpu_calibration_get(0, &cal, err, sizeof err), 0);
    CU_ASSERT(strstr(cal.label, "shipped calibration") != NULL);
}

/* Stored, read back and exported: the costs survive, fit rows and points are there. */
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
    rec.fit[PATH_C_EPOLL] = (struct calib_fit_row){ 1, 20, 0.98, 0.05, 0.1, NAN };
    rec.ns[PATH_C_EPOLL][CPUF_WAKEUP] = 85000;
    rec.ns[PATH_C_EPOLL][CPUF_BYTE] = 0.25;
    snprintf(rec.source[PATH_C_EPOLL][CPUF_WAKEUP], 8, "fit");
    rec.wake_latency_ns = 150000;
    struct calib_point_row pt = { .path = PATH_C_EPOLL, .role = "holdout", .clock = "mono", .conns = 3, .mss = 1460,
                                  .rate_Bps = 1e6, .have_hz = 1, .window_s = 2, .cpu_ns = 2e8, .own_cpu_ns = 2e8,
                                  .fit_ns = NAN, .sim_ns = NAN };
    rec.pts = &pt;
    rec.n_pts = 1;
    long id = 0;
    CU_ASSERT_EQUAL_FATAL(db_calib_store(db, &rec, &id, err, sizeof err), 0);
    CU_ASSERT_EQUAL(id, 1);
    pt.sim_ns = 2.1e8;
    rec.fit[PATH_C_EPOLL].heldout_max_rel = 0.05;
    CU_ASSERT_EQUAL(db_calib_store_validation(db, id, &rec, err, sizeof err), 0);
    struct cpu_calibration cal;
    CU_ASSERT_EQUAL_FATAL(db_calib_load(db, id, &cal, err, sizeof err), 0);
    ASSERT_ABS(cal.ns[PATH_C_EPOLL][CPUF_WAKEUP], 85000, 0);
    ASSERT_ABS(cal.ns[PATH_C_EPOLL][CPUF_BYTE], 0.25, 0);
    ASSERT_ABS(cal.wake_latency_ns, 150000, 0);
    CU_ASSERT_EQUAL(db_calib_load(db, 7, &cal, err, sizeof err), -1);
    CU_ASSERT(strstr(err, "calibration 7: not in the calibration database") != NULL);
    CU_ASSERT_EQUAL(db_calib_export(db, id, dir, err, sizeof err), 0);
    char f[600], line[256];
    snprintf(f, sizeof f, "%s/coefficients.csv", dir);
    FILE *in = fopen(f, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    CU_ASSERT(fgets(line, sizeof line, in) && !strcmp(line, "path,feature,ns,stderr,source\n"));
    fclose(in);
    db_close(db);
    const char *files[] = { "calibration.csv", "coefficients.csv", "fits.csv", "points.csv", "bench.csv" };
    for (size_t i = 0; i < 5; i++) { snprintf(f, sizeof f, "%s/%s", dir, files[i]); CU_ASSERT_EQUAL(unlink(f), 0); }
    rmdir(dir);
    unlink(path);
}

void register_test_calib(void);
void register_test_calib(void)
{
    TEST_SUITE("calib",
               TEST(test_fit_recovers_known_costs),
               TEST(test_fit_keeps_costs_nonnegative),
               TEST(test_sender_stream_framing),
               TEST(test_result_line_parsing),
               TEST(test_features_follow_the_path),
               TEST(test_wakeup_model),
               TEST(test_profiles_map_modes_to_paths),
               TEST(test_calibration_round_trip));
}
