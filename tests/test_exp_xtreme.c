/* Experiment xtreme end to end: the overhead-aware limit against the official one with a large
 * download, NAFC with VoIP, the slot manager on the seed's example, conservation, determinism
 * and the scenario checks.  Runs are kept to 30-60 simulated seconds. */
#include <string.h>
#include "testutil.h"
#include "simutil.h"
#include "experiment.h"
#include "exp_xtreme.h"

/* The 1-s series value of `name` (entity 0) at time t; NAN if absent. */
static double series_at(const struct run_result *r, const char *name, double t)
{
    for (size_t s = 0; s < r->n_series; s++) {
        if (strcmp(r->series_name[s], name)) continue;
        for (size_t i = 0; i < r->n_point; i++)
            if (r->point[i].series == s && r->point[i].entity == 0 && fabs(r->point[i].t - t) < 1e-9)
                return r->point[i].value;
    }
    return NAN;
}

#define QUIET "voip_kBps=0", "web_mean_off_s=0"

/* 45 KB/s on 6016/576 PPPoE with 4 sources downloading flat out.  The official limit counts
 * eD2K bytes only, so headers, cell tax and ~20 KB/s of download ACKs come on top and the
 * modem queue stays full; Xtreme's limit includes headers and the ACK estimate and leaves room. */
static void test_xtreme_limit_protects_download(void)
{
    const char *off[] = { "upload_policy=official", "upload_limit_kBps=45", QUIET, "duration_s=60", "warmup_s=20", NULL };
    const char *xt[] = { "upload_policy=xtreme", "upload_limit_kBps=45", QUIET, "duration_s=60", "warmup_s=20", NULL };
    struct run_result a, b;
    CU_ASSERT_EQUAL_FATAL(sim_test_run("xtreme", off, &a), 0);
    CU_ASSERT_EQUAL_FATAL(sim_test_run("xtreme", xt, &b), 0);
    double d_off = result_get(&a, "down_goodput_kbps"), d_xt = result_get(&b, "down_goodput_kbps");
    fprintf(stderr, "\n    download official %.0f, xtreme %.0f kbit/s; uplink queue %.0f vs %.0f ms ",
            d_off, d_xt, result_get(&a, "up_queue_delay_ms_mean"), result_get(&b, "up_queue_delay_ms_mean"));
    /* official 3669, 3809, 3972 kbit/s as the download's TCP became Linux's (per-ACK RTT,
     * RACK/F-RTO/TLP, growth only while cwnd-limited); xtreme ~4870 throughout */
    CU_ASSERT(d_xt > 1.15 * d_off);
    CU_ASSERT(d_xt > 0.85 * 6016 * 1452.0 / 1696);                /* within 15 % of the line's cap */
    CU_ASSERT(result_get(&a, "up_link_util") > 0.99);             /* official saturates the uplink */
    CU_ASSERT(result_get(&b, "up_queue_delay_ms_mean") < 0.5 * result_get(&a, "up_queue_delay_ms_mean"));
    CU_ASSERT_EQUAL(result_get(&a, "conservation_ok"), 1.0);
    CU_ASSERT_EQUAL(result_get(&b, "conservation_ok"), 1.0);
    result_free(&a);
    result_free(&b);
}

/* xtreme-rules.md: "limit 15 kB/s, VoIP 5 kB/s -> eMule sends 10".  Under NAFC the adapter's
 * total is limited, so 5 KB/s of VoIP takes ~5 KB/s from eMule's data upload and VoIP stays
 * near its propagation delay; Xtreme's own limit does not see VoIP and the queue grows. */
static void test_nafc_gives_way_to_voip(void)
{
    const char *base[] = { "upload_policy=nafc", "upload_limit_kBps=45", "voip_kBps=0", "web_mean_off_s=0",
                           "duration_s=60", "warmup_s=20", NULL };
    const char *voip[] = { "upload_policy=nafc", "upload_limit_kBps=45", "voip_kBps=5", "web_mean_off_s=0",
                           "duration_s=60", "warmup_s=20", NULL };
    const char *xt[] = { "upload_policy=xtreme", "upload_limit_kBps=45", "voip_kBps=5", "web_mean_off_s=0",
                         "duration_s=60", "warmup_s=20", NULL };
    struct run_result a, b, c;
    CU_ASSERT_EQUAL_FATAL(sim_test_run("xtreme", base, &a), 0);
    CU_ASSERT_EQUAL_FATAL(sim_test_run("xtreme", voip, &b), 0);
    CU_ASSERT_EQUAL_FATAL(sim_test_run("xtreme", xt, &c), 0);
    double drop_kBps = (result_get(&a, "up_goodput_kbps") - result_get(&b, "up_goodput_kbps")) * 1000 / 8 / 1024;
    fprintf(stderr, "\n    NAFC data upload -%.2f KiB/s with VoIP; VoIP p95 %.0f ms (xtreme: %.0f ms) ",
            drop_kBps, result_get(&b, "voip_delay_ms_p95"), result_get(&c, "voip_delay_ms_p95"));
    ASSERT_ABS(drop_kBps, 5.0, 1.5);
    CU_ASSERT(result_get(&b, "voip_delay_ms_p95") < 100.0);
    /* 96 vs 137 ms with RFC 6675 SACK recovery, 98 vs 137 with Linux's (RACK, PRR, TLP) */
    CU_ASSERT(result_get(&b, "voip_delay_ms_p95") < 0.75 * result_get(&c, "voip_delay_ms_p95"));
    CU_ASSERT_EQUAL(result_get(&b, "voip_loss"), 0.0);
    result_free(&a);
    result_free(&b);
    result_free(&c);
}

/* eMule rounds every send up to whole fragments (EMSocket::Send / GetNextFragSize), so the only
 * payload-carrying uplink packets under 100 IP bytes are the 46-B block requests (86 B with
 * headers), one per 3 x 10240 B downloaded from each source.  The official client at 20 KB/s
 * downloads ~600 kB/s: ~20 requests/s.  A throttler that hands its sockets "budget - spent" as
 * it is (the old model) sent ~140 such crumbs per second here. */
static void test_official_sends_no_crumbs(void)
{
    const char *o[] = { "upload_policy=official", "upload_limit_kBps=20", "duration_s=60", "warmup_s=20", NULL };
    struct run_result r;
    CU_ASSERT_EQUAL_FATAL(sim_test_run("xtreme", o, &r), 0);
    double stream_Bps = result_get(&r, "down_goodput_kbps") * 1000 / 8 * (double)XT_PART / XT_PART_DATA;
    double requests_per_s = stream_Bps / XT_BLOCK_REQ_EVERY;
    double small = result_get(&r, "up_small_segs_per_s");
    fprintf(stderr, "\n    small uplink segments %.1f/s, block requests %.1f/s ", small, requests_per_s);
    CU_ASSERT(small <= 1.1 * requests_per_s + 1.0);
    result_free(&r);
}

/* The seed's example in the simulator: limit 17, slot speed 4, nothing else on the line and
 * every downloader fast and quick to connect.  MinSlots = 5 slots open at start, one Full; the
 * Full slot's ~16.9 kB/s exceeds 5 kB/s, so the next Trickle becomes Full at the 5-s checks:
 * 2 Full from ~5 s, 3 from ~10 s, 4 from ~15 s ((16888 - 1000) / 3 = 5296 > 5120), then
 * 4 x ~4.1 kB/s is stable with one Trickle left and no slot is added. */
static void test_slot_walk_limit17(void)
{
    const char *o[] = { "upload_limit_kBps=17", "slot_speed_kBps=4", QUIET, "n_sources=0", "ctrl_msgs_per_s=0",
                        "dl_slow_frac=0", "dl_late_frac=0", "dl_never_frac=0", "dl_connect_min_s=0.05",
                        "dl_connect_max_s=0.1", "duration_s=40", "warmup_s=20", NULL };
    struct run_result r;
    CU_ASSERT_EQUAL_FATAL(sim_test_run("xtreme", o, &r), 0);
    CU_ASSERT_EQUAL(series_at(&r, "slots_full", 3) + series_at(&r, "slots_trickle", 3), 5.0);
    CU_ASSERT_EQUAL(series_at(&r, "slots_full", 3), 1.0);
    CU_ASSERT_EQUAL(series_at(&r, "slots_full", 7), 2.0);
    CU_ASSERT_EQUAL(series_at(&r, "slots_full", 12), 3.0);
    CU_ASSERT_EQUAL(series_at(&r, "slots_full", 17), 4.0);
    CU_ASSERT_EQUAL(series_at(&r, "slots_full", 39), 4.0);
    CU_ASSERT_EQUAL(series_at(&r, "slots_trickle", 39), 1.0);
    CU_ASSERT_EQUAL(result_get(&r, "promotions"), 3.0);
    CU_ASSERT_EQUAL(result_get(&r, "slots_opened"), 5.0);
    CU_ASSERT_EQUAL(result_get(&r, "conservation_ok"), 1.0);
    result_free(&r);
}

/* Downloaders that cannot take the target (60 % on 2 KB/s lines): promotions use up the
 * Trickles and new slots open, but only when no ready Trickle is left. */
static void test_new_slot_only_without_trickle(void)
{
    const char *o[] = { "upload_limit_kBps=17", "slot_speed_kBps=4", QUIET, "n_sources=0", "ctrl_msgs_per_s=0",
                        "dl_slow_frac=0.6", "dl_slow_kBps=2", "dl_late_frac=0", "dl_never_frac=0",
                        "duration_s=60", "warmup_s=20", NULL };
    struct run_result r;
    CU_ASSERT_EQUAL_FATAL(sim_test_run("xtreme", o, &r), 0);
    fprintf(stderr, "\n    opened %g (on need %g), promotions %g ", result_get(&r, "slots_opened"),
            result_get(&r, "slots_opened_on_need"), result_get(&r, "promotions"));
    CU_ASSERT(result_get(&r, "slots_opened_on_need") >= 1.0);
    CU_ASSERT_EQUAL(result_get(&r, "opens_with_ready_trickle"), 0.0);
    CU_ASSERT(result_get(&r, "slots_full_mean") + result_get(&r, "slots_trickle_mean") <= 9.0);   /* MaxSlots */
    result_free(&r);
}

/* Every metric of a run is a function of scenario + seed; another seed changes the draws. */
static void test_same_seed_same_metrics_and_conservation(void)
{
    const char *o[] = { "duration_s=40", "warmup_s=10", NULL };
    const char *o2[] = { "duration_s=40", "warmup_s=10", "seed=2", NULL };
    struct run_result a, b, c;
    CU_ASSERT_EQUAL_FATAL(sim_test_run("xtreme", o, &a), 0);
    CU_ASSERT_EQUAL_FATAL(sim_test_run("xtreme", o, &b), 0);
    CU_ASSERT_EQUAL_FATAL(sim_test_run("xtreme", o2, &c), 0);
    CU_ASSERT_EQUAL(a.n_metric, b.n_metric);
    int same = a.n_metric == b.n_metric && a.n_point == b.n_point;
    for (size_t i = 0; same && i < a.n_metric; i++)
        if (strcmp(a.metric[i].name, b.metric[i].name) || a.metric[i].value != b.metric[i].value) same = 0;
    for (size_t i = 0; same && i < a.n_point; i++)
        if (a.point[i].value != b.point[i].value) same = 0;
    CU_ASSERT_TRUE(same);
    CU_ASSERT_NOT_EQUAL(result_get(&a, "bytes_injected"), result_get(&c, "bytes_injected"));
    CU_ASSERT_EQUAL(result_get(&a, "conservation_ok"), 1.0);
    CU_ASSERT_EQUAL(result_get(&c, "conservation_ok"), 1.0);
    result_free(&a);
    result_free(&b);
    result_free(&c);
}

static void test_every_policy_conserves(void)
{
    const char *pol[] = { "upload_policy=none", "upload_policy=official", "upload_policy=nafc", NULL };
    for (int i = 0; pol[i]; i++) {
        const char *o[] = { pol[i], "duration_s=30", "warmup_s=10", "estimator=exact", NULL };
        struct run_result r;
        CU_ASSERT_EQUAL_FATAL(sim_test_run("xtreme", o, &r), 0);
        CU_ASSERT_EQUAL(result_get(&r, "conservation_ok"), 1.0);
        CU_ASSERT(result_get(&r, "up_goodput_kbps") > 0);
        result_free(&r);
    }
}

static int validate_with(const char *key, const char *value, char *err, size_t len)
{
    const struct experiment *e = experiment_find("xtreme");
    struct param_set ps;
    params_init(&ps, e->params, e->n_params);
    int rc = params_set(&ps, key, value, "test", err, len);
    if (rc == 0) rc = e->validate(&ps, err, len);
    params_free(&ps);
    return rc;
}

static void test_scenario_errors_name_the_key(void)
{
    char err[512];
    CU_ASSERT_EQUAL(validate_with("warmup_s", "90", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'warmup_s'"));
    CU_ASSERT_EQUAL(validate_with("slot_speed_kBps", "12", err, sizeof err), -1);   /* 45 allows 45 / 4.75 = 9.47 */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'slot_speed_kBps'"));
    CU_ASSERT_EQUAL(validate_with("upload_policy", "fast", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "none|official|xtreme|nafc"));
    CU_ASSERT_EQUAL(validate_with("dl_never_frac", "0.95", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'dl_never_frac'"));
    CU_ASSERT_EQUAL(validate_with("estimator", "exact", err, sizeof err), 0);
    /* Xtreme's slot manager needs Xtreme's throttler. */
    const struct experiment *e = experiment_find("xtreme");
    struct param_set ps;
    params_init(&ps, e->params, e->n_params);
    params_set(&ps, "upload_policy", "official", "test", err, sizeof err);
    params_set(&ps, "slots", "xtreme", "test", err, sizeof err);
    CU_ASSERT_EQUAL(e->validate(&ps, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "'slots'"));
    params_free(&ps);
}

void register_test_exp_xtreme(void)
{
    TEST_SUITE("exp_xtreme",
               TEST(test_xtreme_limit_protects_download),
               TEST(test_nafc_gives_way_to_voip),
               TEST(test_official_sends_no_crumbs),
               TEST(test_slot_walk_limit17),
               TEST(test_new_slot_only_without_trickle),
               TEST(test_same_seed_same_metrics_and_conservation),
               TEST(test_every_policy_conserves),
               TEST(test_scenario_errors_name_the_key));
}
