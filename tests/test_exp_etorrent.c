/* Experiment etorrent (A): orderings the seed's argument predicts (samples per interval, CPU vs
 * rate error across policies, the 10-s reset vs the running average for late fast peers), the
 * blocking-recv defect, conservation, reproducibility and input validation.  Short runs only. */
#include "testutil.h"
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "exp_etorrent.h"
#include "simutil.h"

#define MAX_OV 24

/* Runs etorrent with the common short-run keys, then `extra` (NULL-terminated); every run of
 * this suite must conserve bytes. */
static void run(struct run_result *res, const char *const *base, const char *const *extra)
{
    const char *ov[MAX_OV];
    size_t n = 0;
    for (size_t i = 0; base && base[i] && n < MAX_OV - 1; i++) ov[n++] = base[i];
    for (size_t i = 0; extra && extra[i] && n < MAX_OV - 1; i++) ov[n++] = extra[i];
    ov[n] = NULL;
    CU_ASSERT_EQUAL_FATAL(sim_test_run("etorrent", ov, res), 0);
    CU_ASSERT_EQUAL(result_get(res, "conservation_ok"), 1);
}

static double metric(const char *const *base, const char *const *extra, const char *name)
{
    struct run_result res;
    run(&res, base, extra);
    double v = result_get(&res, name);
    result_free(&res);
    return v;
}

/* Four peers whose upload limiters give exactly 1000 B/s, no HAVE traffic (so only PIECE data
 * can give a sample).  packet4: one 16397-B message per 16.4 s, so a 10-s interval holds a
 * message completion with probability 10/16.4 = 0.61: 39 % of intervals have no sample at all,
 * and 0.61 samples on average.  At 500 B/s (one message per 32.8 s) 70 % are empty: "most
 * intervals" needs a peer slower than 16397 B / 20 s = 820 B/s.  passive, rated per read: the
 * senders write what their 500-ms period grants (500 B), one read each: 20 per interval. */
static const char *const slow[] = {
    "n_peers=4", "cap_dist=fixed", "late_share=0", "step_share=0",
    "have_rate_hz=0", "duration_s=120", "warmup_s=20", "rate_granularity=per_chunk", NULL
};

static void test_packet4_starves_slow_peer_of_samples(void)
{
    const char *p4[] = { "policy=packet4", "cap_min_Bps=1000", NULL }, *pa[] = { "policy=passive", "cap_min_Bps=1000", NULL };
    const char *p4_half[] = { "policy=packet4", "cap_min_Bps=500", NULL };
    struct run_result a, b, c;
    run(&a, slow, p4);
    run(&b, slow, pa);
    run(&c, slow, p4_half);
    double empty4 = result_get(&a, "intervals_without_sample"), emptyp = result_get(&b, "intervals_without_sample");
    double smp4 = result_get(&a, "samples_per_interval_mean"), smpp = result_get(&b, "samples_per_interval_mean");
    double empty_half = result_get(&c, "intervals_without_sample");
    fprintf(stderr, "\n    1 kB/s: packet4 %.2f samples/interval (%.0f%% empty), passive %.2f (%.0f%% empty); "
            "500 B/s packet4 %.0f%% empty ", smp4, 100 * empty4, smpp, 100 * emptyp, 100 * empty_half);
    CU_ASSERT(empty4 > 0.3);                 /* 0.39 expected */
    CU_ASSERT(smp4 < 1.0);                   /* 0.61 expected */
    CU_ASSERT(empty_half > 0.5);             /* 0.70 expected: most intervals */
    CU_ASSERT(emptyp < 0.05);                /* passive: never empty ... */
    CU_ASSERT(smpp > 5.0);                   /* ... and about 20 samples each */
    CU_ASSERT(smpp > 5 * smp4);
    result_free(&a);
    result_free(&b);
    result_free(&c);
}

/* What passive mode can sample is what the sender writes.  A 1000 B/s peer whose limiter works
 * in 500-ms periods (Transmission, libtorrent: peer_writer = tick) writes 500 B twice a second:
 * a passive reader gets 20 samples per 10-s interval.  One whose limiter grants whole messages
 * (etorrent's rlimit: peer_writer = message) writes a 16397-B message every 16.4 s at its line
 * rate: passive reads then come in the same bursts packet4 sees (a read per arriving segment,
 * 11.2 of them per message, 0.61 messages per interval: 6.9 samples), and 1 - 10/16.4 = 39 % of
 * the intervals hold no sample in either mode.  (The old sender released a segment whenever its
 * bucket held one: 1460 B every 1.46 s, 6.8 samples per interval.) */
static void test_passive_samples_follow_the_senders_writes(void)
{
    const char *tick[] = { "policy=passive", "cap_min_Bps=1000", NULL };
    const char *msg[] = { "policy=passive", "cap_min_Bps=1000", "peer_writer=message", NULL };
    struct run_result a, b;
    run(&a, slow, tick);
    double per_iv = result_get(&a, "samples_per_interval_mean");
    fprintf(stderr, "\n    tick writer: %.1f passive samples per interval ", per_iv);
    ASSERT_ABS(per_iv, 20.0, 1.0);
    CU_ASSERT_EQUAL(result_get(&a, "intervals_without_sample"), 0.0);
    run(&b, slow, msg);
    fprintf(stderr, "message writer: %.2f per interval, %.0f%% empty ", result_get(&b, "samples_per_interval_mean"),
            100 * result_get(&b, "intervals_without_sample"));
    ASSERT_ABS(result_get(&b, "intervals_without_sample"), 0.39, 0.06);
    ASSERT_ABS(result_get(&b, "samples_per_interval_mean"), 6.9, 1.0);
    result_free(&a);
    result_free(&b);
}

/* A swarm of home uploaders, 1 kB/s .. 200 kB/s log-uniform: ln 16 / ln 200 = 52 % of them below
 * etorrent's 16000 B/s hi-mark.  Its rule puts the fast peers in packet4 and keeps the slow ones
 * passive, so its CPU lies between the two fixed policies (which of them costs more depends on
 * the calibrated costs) and its rate error stays close to the precise (passive) one. */
static const char *const mixed[] = {
    "n_peers=20", "cap_min_Bps=1000", "cap_max_Bps=200000", "duration_s=70", "warmup_s=10",
    "late_from_s=20", "late_to_s=40", "step_from_s=20", "step_to_s=40", "rate_granularity=per_chunk", NULL
};

static void test_dynamic_policy_between_fixed_ones(void)
{
    const char *pa[] = { "policy=passive", NULL }, *p4[] = { "policy=packet4", NULL }, *dy[] = { "policy=etorrent2010", NULL };
    struct run_result a, b, c;
    run(&a, mixed, pa);
    run(&b, mixed, p4);
    run(&c, mixed, dy);
    double cpu_pa = result_get(&a, "cpu_us_per_s"), cpu_p4 = result_get(&b, "cpu_us_per_s"), cpu_dy = result_get(&c, "cpu_us_per_s");
    double err_pa = result_get(&a, "rate_err_mare"), err_p4 = result_get(&b, "rate_err_mare"), err_dy = result_get(&c, "rate_err_mare");
    fprintf(stderr, "\n    cpu us/s passive %.0f dynamic %.0f packet4 %.0f; rate error passive %.3f dynamic %.3f packet4 %.3f ",
            cpu_pa, cpu_dy, cpu_p4, err_pa, err_dy, err_p4);
    CU_ASSERT(fmin(cpu_p4, cpu_pa) < cpu_dy);
    CU_ASSERT(cpu_dy < fmax(cpu_p4, cpu_pa));
    CU_ASSERT(err_p4 > err_pa);
    CU_ASSERT(fabs(err_dy - err_pa) < 0.5 * (err_p4 - err_pa));
    CU_ASSERT(result_get(&c, "switches_per_peer_hour") > 0);
    CU_ASSERT(result_get(&c, "mode_drains") > 0);       /* going fast drained partial messages */
    CU_ASSERT(result_get(&a, "switches_per_peer_hour") == 0);
    result_free(&a);
    result_free(&b);
    result_free(&c);
}

/* Late fast peers that connect and start 7 s into a 10-s rechoke cycle (3 s before the rechoke):
 * the 10-s counter holds 3 s of bytes (0.3 r) while etorrent's running average of a fresh peer
 * reads r 3/(3 + 5) = 0.375 r, so the old rate misses them at their first rechoke more often.
 * Reciprocity is off: it isolates the estimator.  (With it, incumbents that choke us lower
 * their own estimates, and both estimators take a late fast peer at its first rechoke alike.) */
static const char *const late[] = {
    "n_peers=20", "reciprocity=0", "late_share=0.25", "late_pick=fastest", "late_connect=1", "late_phase_s=7",
    "late_from_s=20", "late_to_s=60", "step_share=0", "duration_s=90", "warmup_s=10", NULL
};

static void test_reset10_misses_late_fast_peers_more(void)
{
    double miss_reset = 0, miss_avg = 0;
    char seed[32];
    for (int s = 1; s <= 4; s++) {
        snprintf(seed, sizeof seed, "seed=%d", s);
        const char *r10[] = { "rate_algo=reset10", seed, NULL }, *avg[] = { "rate_algo=etorrent", seed, NULL };
        miss_reset += metric(late, r10, "late_fast_missed_first_rechoke");
        miss_avg += metric(late, avg, "late_fast_missed_first_rechoke");
    }
    fprintf(stderr, "\n    late fast peers missed at their first rechoke: reset10 %.2f, etorrent %.2f (mean of 4 seeds) ",
            miss_reset / 4, miss_avg / 4);
    CU_ASSERT(miss_reset > miss_avg);
}

/* The sender writes whole messages granted by its limiter and waits for on_writable when the
 * send buffer is full; the old pacer re-armed itself 1 ns ahead whenever the buffer had less
 * than a segment of room but tokens were left: pipeline 16 took 3.2 M events per simulated
 * second per 100 peers, sndbuf 64 KiB 189 M.  Bound: every event is work on a segment or a
 * timer; 20 peers deliver at most ~2.1 MB/s here, 1440 data segments and ~720 ACKs a second,
 * each crossing three links (two events each) plus TCP and application timers: about 20
 * events per segment, 45 000 per second, 225 000 per 100 peers.  The test allows 500 000. */
static void test_no_pacer_livelock_over_pipeline_and_sndbuf(void)
{
    const char *base[] = { "n_peers=20", "duration_s=30", "warmup_s=5", "late_from_s=5", "late_to_s=25",
                           "step_from_s=5", "step_to_s=25", NULL };
    const char *pipes[] = { "pipeline=1", "pipeline=5", "pipeline=16", "pipeline=64" };
    const char *bufs[] = { "sndbuf=8192", "sndbuf=65536", "sndbuf=262144", "sndbuf=4194304" };
    double worst = 0;
    const char *worst_p = "", *worst_b = "";
    for (size_t i = 0; i < 4; i++)
        for (size_t j = 0; j < 4; j++) {
            const char *ex[] = { pipes[i], bufs[j], NULL };
            double e = metric(base, ex, "events_per_sim_s_per_100_peers");
            if (e > worst) { worst = e; worst_p = pipes[i]; worst_b = bufs[j]; }
            if (!(e < 500000)) fprintf(stderr, "\n    %s %s: %.0f events per simulated second per 100 peers", pipes[i], bufs[j], e);
            CU_ASSERT(e < 500000);
        }
    fprintf(stderr, "\n    worst %.0f events per simulated s per 100 peers (%s, %s) ", worst, worst_p, worst_b);
}

/* The truth is each peer's sending rate (its limiter's rate while it unchokes us), not the
 * bytes since the last rechoke, which is exactly what reset10 estimates.  Ten peers at 50 kB/s
 * each step once, x4 or x0.25, somewhere between 25 and 75 s: a rechoke after a step sees the
 * new rate as the truth while reset10 still averages the interval, so its error against the
 * truth (0.14) is several times its error against the old statistic (0.03, kept as
 * rate_err_box_mare).  The old truth was that statistic, so reset10 scored ~0 by construction. */
static void test_truth_is_the_senders_rate_not_reset10s_box(void)
{
    const char *base[] = { "rate_algo=reset10", "n_peers=10", "reciprocity=0", "cap_dist=fixed", "cap_min_Bps=50000",
                           "late_share=0", "step_share=1", "step_from_s=25", "step_to_s=75", "duration_s=90",
                           "warmup_s=20", NULL };
    struct run_result a;
    run(&a, base, NULL);
    double truth = result_get(&a, "rate_err_mare"), box = result_get(&a, "rate_err_box_mare");
    fprintf(stderr, "\n    reset10: error %.3f against the truth, %.3f against its own statistic ", truth, box);
    CU_ASSERT(box < 0.05);
    CU_ASSERT(truth > 2 * box);
    CU_ASSERT(truth > 0.08);
    /* the bands the steps produce: 12.5 k (4k_16k), 50 k (16k_64k), 200 k (64k_256k) */
    CU_ASSERT(result_get(&a, "rate_err_n_16k_64k") > 0);
    CU_ASSERT(result_get(&a, "rate_err_n_64k_256k") > 0);
    CU_ASSERT_EQUAL(result_get(&a, "rate_err_n_ge256k"), 0);
    result_free(&a);
}

/* The oracle choker ranks by the true rates with our ring, snub and interest state.  Twelve
 * peers of log-uniform capacity (no steps, nobody late, no reciprocity) are told apart by the
 * estimator at every rechoke: overlap and rank correlation 1.  Log-normal noise of sigma 5 on
 * the estimates the choker sees scrambles the ranking.  One point per scored rechoke goes to
 * the series oracle_overlap, so policies can be compared rechoke by rechoke on one seed. */
static void test_oracle_scores_each_rechoke(void)
{
    const char *base[] = { "n_peers=12", "reciprocity=0", "late_share=0", "step_share=0", "duration_s=90",
                           "warmup_s=20", NULL };
    const char *noisy[] = { "choke_rate_noise=5", NULL };
    struct run_result a, b;
    run(&a, base, NULL);
    run(&b, base, noisy);
    fprintf(stderr, "\n    overlap %.3f / %.3f, rank correlation %.3f / %.3f (clean / noisy) ",
            result_get(&a, "unchoke_overlap"), result_get(&b, "unchoke_overlap"),
            result_get(&a, "unchoke_rank_corr"), result_get(&b, "unchoke_rank_corr"));
    ASSERT_ABS(result_get(&a, "unchoke_overlap"), 1.0, 1e-9);
    ASSERT_ABS(result_get(&a, "unchoke_rank_corr"), 1.0, 1e-9);
    CU_ASSERT(result_get(&b, "unchoke_overlap") < 0.8);
    CU_ASSERT(result_get(&b, "unchoke_rank_corr") < 0.6);
    size_t n = 0;
    for (size_t s = 0; s < a.n_series; s++)
        if (!strcmp(a.series_name[s], "oracle_overlap"))
            for (size_t i = 0; i < a.n_point; i++) n += a.point[i].series == s;
    CU_ASSERT_EQUAL(n, 7);                /* rechokes at 30, 40, ..., 90 s: rounds from 20 s on */
    result_free(&a);
    result_free(&b);
}

/* Reciprocity: a remote peer uploads to us while its own choker (core/choke, on what we upload
 * to it against its competitors) unchokes us, and we upload to whom our choker unchokes, so a
 * worse estimate costs download.  Without it (the old model) every peer uploaded whatever we
 * did and the download was the same in every mode.  Log-normal noise (sigma 2) on the
 * estimates our choker sees lowers the download on each seed (-11 %, -12 % here); with
 * reciprocity off the download does not move at all. */
static const char *const swarm[] = {
    "n_peers=20", "duration_s=90", "warmup_s=20", "late_from_s=20", "late_to_s=70", "step_from_s=20",
    "step_to_s=70", NULL
};

static void test_worse_estimate_costs_download_with_reciprocity(void)
{
    /* the choice matters at all: two estimators, two downloads */
    const char *r10[] = { "rate_algo=reset10", NULL };
    double g_et = metric(swarm, NULL, "down_goodput_kBps"), g_r10 = metric(swarm, r10, "down_goodput_kBps");
    fprintf(stderr, "\n    etorrent %.0f, reset10 %.0f kB/s; ", g_et, g_r10);
    CU_ASSERT(fabs(g_et - g_r10) > 1.0);
    double clean = 0, noisy = 0;
    char seed[32];
    for (int sd = 1; sd <= 2; sd++) {
        snprintf(seed, sizeof seed, "seed=%d", sd);
        const char *c0[] = { seed, NULL }, *c2[] = { seed, "choke_rate_noise=2", NULL };
        double g0 = metric(swarm, c0, "down_goodput_kBps"), g2 = metric(swarm, c2, "down_goodput_kBps");
        fprintf(stderr, "seed %d: %.0f -> %.0f kB/s with noise; ", sd, g0, g2);
        CU_ASSERT(g2 < g0);
        clean += g0;
        noisy += g2;
        const char *n0[] = { seed, "reciprocity=0", NULL }, *n2[] = { seed, "reciprocity=0", "choke_rate_noise=2", NULL };
        CU_ASSERT_EQUAL(metric(swarm, n0, "down_goodput_kBps"), metric(swarm, n2, "down_goodput_kBps"));
    }
    CU_ASSERT(noisy < 0.93 * clean);
}

/* Same seed, same numbers (every metric); another seed, other numbers. */
static void test_seed_reproduces_run(void)
{
    const char *s3[] = { "seed=3", NULL }, *s4[] = { "seed=4", NULL };
    struct run_result a, b, c;
    run(&a, mixed, s3);
    run(&b, mixed, s3);
    run(&c, mixed, s4);
    CU_ASSERT_EQUAL_FATAL(a.n_metric, b.n_metric);
    int same = 1;
    for (size_t i = 0; i < a.n_metric; i++) {
        double x = a.metric[i].value, y = b.metric[i].value;
        if (!(x == y || (isnan(x) && isnan(y)))) {
            fprintf(stderr, "\n    %s differs: %.17g vs %.17g", a.metric[i].name, x, y);
            same = 0;
        }
    }
    CU_ASSERT(same);
    CU_ASSERT_EQUAL(a.n_point, b.n_point);
    CU_ASSERT_EQUAL(a.events, b.events);
    CU_ASSERT(result_get(&a, "down_goodput_kBps") != result_get(&c, "down_goodput_kBps"));
    CU_ASSERT(result_get(&a, "pieces") != result_get(&c, "pieces"));
    result_free(&a);
    result_free(&b);
    result_free(&c);
}

/* Fixed capacities on either side of etorrent's marks: 100 kB/s peers end up in packet4, 1 kB/s
 * peers never leave passive. */
static void test_modes_follow_rate(void)
{
    const char *fast[] = { "policy=etorrent2010", "cap_min_Bps=100000", "have_rate_hz=1", NULL };
    const char *slow_dyn[] = { "policy=etorrent2010", "have_rate_hz=1", NULL };
    const char *base[] = { "n_peers=4", "cap_dist=fixed", "cap_min_Bps=1000", "late_share=0", "step_share=0",
                           "duration_s=60", "warmup_s=20", NULL };
    struct run_result a;
    run(&a, base, fast);
    CU_ASSERT(result_get(&a, "mode_share_packet4") > 0.9);
    for (size_t i = 0; i < a.n_row; i++)
        if (!strcmp(result_row_name(&a, i), "final_mode")) CU_ASSERT_EQUAL(a.row[i].value, SOCK_ACTIVE_PACKET4);
    result_free(&a);
    CU_ASSERT_EQUAL(metric(base, slow_dyn, "mode_share_packet4"), 0);
}

/* etorrent.md §3 defect: passive peers that are connected but silent (late, no HAVEs) hold
 * their 5-s ticks until bytes arrive, tens of seconds here; without the defect no tick waits. */
static void test_blocking_recv_defect_holds_ticks(void)
{
    const char *base[] = { "n_peers=10", "policy=passive", "late_share=0.3", "late_connect=0", "have_rate_hz=0",
                           "late_from_s=40", "late_to_s=60", "step_share=0", "duration_s=80", "warmup_s=10", NULL };
    const char *on[] = { "blocking_recv_defect=1", NULL }, *off[] = { "blocking_recv_defect=0", NULL };
    struct run_result a, b;
    run(&a, base, on);
    run(&b, base, off);
    CU_ASSERT(result_get(&a, "ticks_deferred") > 0);
    CU_ASSERT(result_get(&a, "tick_defer_s_max") > 20);   /* silent from 10 s until >= 40 s */
    CU_ASSERT_EQUAL(result_get(&b, "ticks_deferred"), 0);
    result_free(&a);
    result_free(&b);
}

/* Spearman with average ranks: identical order 1, reversed -1; x = (1,1,2) vs y = (1,2,3):
 * ranks (1.5,1.5,3) and (1,2,3), rho = 1.5 / sqrt(1.5 * 2) = 0.8660; constant x: undefined. */
static void test_spearman_vectors(void)
{
    double a[] = { 1, 2, 3, 4 }, b[] = { 10, 20, 30, 40 }, c[] = { 4, 3, 2, 1 };
    ASSERT_ABS(et_spearman(a, b, 4), 1.0, 1e-12);
    ASSERT_ABS(et_spearman(a, c, 4), -1.0, 1e-12);
    double x[] = { 1, 1, 2 }, y[] = { 1, 2, 3 };
    ASSERT_ABS(et_spearman(x, y, 3), 0.8660254, 1e-6);
    double k[] = { 5, 5, 5 };
    CU_ASSERT(isnan(et_spearman(k, y, 3)));
}

static void expect_invalid(const char *key, const char *value, const char *needle)
{
    const struct experiment *e = experiment_find("etorrent");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    struct param_set ps;
    char err[512];
    params_init(&ps, e->params, e->n_params);
    CU_ASSERT_EQUAL_FATAL(params_set(&ps, key, value, "t.ini:7", err, sizeof err), 0);
    int rc = e->validate(&ps, err, sizeof err);
    if (rc == 0 || !strstr(err, needle) || !strstr(err, "t.ini:7")) fprintf(stderr, "\n    %s=%s -> %s", key, value, err);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "t.ini:7"));
    params_free(&ps);
}

static void test_validation_names_key_and_origin(void)
{
    expect_invalid("lo_mark", "20000", "key 'lo_mark': 20000 must not exceed hi_mark (16000)");
    expect_invalid("warmup_s", "180", "key 'warmup_s'");
    expect_invalid("rate_fudge", "2.5", "key 'rate_fudge'");            /* etorrent: whole seconds */
    expect_invalid("late_to_s", "500", "key 'late_to_s'");
    expect_invalid("cap_min_Bps", "3e6", "key 'cap_min_Bps'");
    expect_invalid("step_share", "0.95", "key 'step_share'");
    /* hysteresis with the same mode on both sides */
    const struct experiment *e = experiment_find("etorrent");
    struct param_set ps;
    char err[512];
    params_init(&ps, e->params, e->n_params);
    params_set(&ps, "policy", "hysteresis", "t.ini:3", err, sizeof err);
    params_set(&ps, "cheap_mode", "passive", "t.ini:4", err, sizeof err);
    CU_ASSERT_EQUAL(e->validate(&ps, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'precise_mode'"));
    params_free(&ps);

    /* and through the command line: one line naming the --set origin, exit 2 */
    const char *bin = getenv("RATELAB");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
    char cmd[1024], line[512] = "", root[512] = ".";
    if (access("scenarios/etorrent_dynamic.ini", R_OK) != 0) {     /* not run from the tree: ROOT/BUILD/ratelab */
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s", bin);
        snprintf(root, sizeof root, "%s", dirname(dirname(tmp)));
    }
    snprintf(cmd, sizeof cmd, "%s run %s/scenarios/etorrent_dynamic.ini --set lo_mark=20000 2>&1 >/dev/null", bin, root);
    FILE *p = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    if (!fgets(line, sizeof line, p)) line[0] = 0;
    int st = pclose(p);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(line, "--set lo_mark=20000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(line, "'lo_mark'"));
}

void register_test_exp_etorrent(void)
{
    TEST_SUITE("exp_etorrent",
               TEST(test_spearman_vectors),
               TEST(test_validation_names_key_and_origin),
               TEST(test_packet4_starves_slow_peer_of_samples),
               TEST(test_passive_samples_follow_the_senders_writes),
               TEST(test_dynamic_policy_between_fixed_ones),
               TEST(test_reset10_misses_late_fast_peers_more),
               TEST(test_modes_follow_rate),
               TEST(test_blocking_recv_defect_holds_ticks),
               TEST(test_no_pacer_livelock_over_pipeline_and_sndbuf),
               TEST(test_truth_is_the_senders_rate_not_reset10s_box),
               TEST(test_oracle_scores_each_rechoke),
               TEST(test_worse_estimate_costs_download_with_reciprocity),
               TEST(test_seed_reproduces_run));
}
