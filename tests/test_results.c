/* Run results: which time series a run keeps (--series none|summary|all).  The choice must drop
 * exactly the points it names and never touch a metric. */
#include "testutil.h"
#include "experiment.h"
#include "results.h"
#include <math.h>
#include <string.h>

static void run_etorrent(enum result_series keep, struct run_result *res)
{
    const struct experiment *e = experiment_find("etorrent");
    struct param_set ps;
    char err[256];
    CU_ASSERT_FATAL(params_init(&ps, e->params, e->n_params) == 0);
    const char *ov[][2] = { { "n_peers", "6" }, { "duration_s", "12" }, { "warmup_s", "2" }, { "late_share", "0" },
                            { "step_share", "0" } };
    for (size_t i = 0; i < sizeof ov / sizeof ov[0]; i++) CU_ASSERT(params_set(&ps, ov[i][0], ov[i][1], "test", err, sizeof err) == 0);
    result_init(res);
    res->keep = keep;
    CU_ASSERT(e->run(&ps, res, err, sizeof err) == 0);
    params_free(&ps);
}

static size_t points_of(const struct run_result *r, const char *series)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_point; i++) n += !strcmp(r->series_name[r->point[i].series], series);
    return n;
}

static void test_series_levels(void)
{
    struct run_result all, sum, none;
    run_etorrent(RESULT_SERIES_ALL, &all);
    run_etorrent(RESULT_SERIES_SUMMARY, &sum);
    run_etorrent(RESULT_SERIES_NONE, &none);
    /* all: 6 peers x 12 s of per-peer rates, plus the run's CPU series */
    CU_ASSERT_EQUAL(points_of(&all, "rate_est_Bps"), 6 * 12);
    CU_ASSERT_EQUAL(points_of(&all, "cpu_us"), 12);
    /* summary: the per-peer detail is gone, the run's own series stays */
    CU_ASSERT_EQUAL(points_of(&sum, "rate_est_Bps"), 0);
    CU_ASSERT_EQUAL(points_of(&sum, "rate_true_Bps"), 0);
    CU_ASSERT_EQUAL(points_of(&sum, "cpu_us"), 12);
    CU_ASSERT_EQUAL(none.n_point, 0);
    /* the metrics are the same to the bit whatever is kept */
    CU_ASSERT_EQUAL(all.n_metric, none.n_metric);
    CU_ASSERT_EQUAL(all.n_metric, sum.n_metric);
    for (size_t i = 0; i < all.n_metric && i < none.n_metric && i < sum.n_metric; i++) {
        CU_ASSERT_STRING_EQUAL(all.metric[i].name, none.metric[i].name);
        CU_ASSERT(memcmp(&all.metric[i].value, &none.metric[i].value, sizeof(double)) == 0);
        CU_ASSERT(memcmp(&all.metric[i].value, &sum.metric[i].value, sizeof(double)) == 0);
    }
    result_free(&all); result_free(&sum); result_free(&none);
}

static void test_series_parse(void)
{
    enum result_series s = RESULT_SERIES_ALL;
    CU_ASSERT(result_series_parse("none", &s) == 0 && s == RESULT_SERIES_NONE);
    CU_ASSERT(result_series_parse("summary", &s) == 0 && s == RESULT_SERIES_SUMMARY);
    CU_ASSERT(result_series_parse("all", &s) == 0 && s == RESULT_SERIES_ALL);
    CU_ASSERT(result_series_parse("some", &s) == -1);
}

void register_test_results(void);
void register_test_results(void)
{
    TEST_SUITE("results",
              TEST(test_series_levels),
              TEST(test_series_parse));
}
