/* Statistics across seeds and regression verdicts against hand-computed vectors: t quantiles,
 * mean / sd / CI, Welch's test (closed-form t CDF for 4 df), the metric direction table. */
#include "testutil.h"
#include "regress.h"
#include "stats.h"

static void test_t_quantiles(void)
{
    /* Published two-sided 95 % critical values of Student's t. */
    ASSERT_REL(stats_t975(1), 12.7062047361747, 1e-9);
    ASSERT_REL(stats_t975(2), 4.30265272974946, 1e-9);
    ASSERT_REL(stats_t975(4), 2.77644510519779, 1e-9);
    ASSERT_REL(stats_t975(10), 2.22813885198627, 1e-9);
    ASSERT_REL(stats_t975(1e7), 1.95996398454005, 1e-6);   /* -> normal quantile */
}

static void test_describe(void)
{
    /* {1,2,3}: mean 2, sd = sqrt(((1-2)^2+0+(3-2)^2)/2) = 1, ci95 = t975(2) * 1 / sqrt(3) = 2.4841377. */
    struct sample_stats s;
    double a[] = { 1, 2, 3 };
    stats_describe(a, 3, &s);
    CU_ASSERT_EQUAL(s.n, 3);
    ASSERT_REL(s.mean, 2.0, 1e-15);
    ASSERT_REL(s.sd, 1.0, 1e-15);
    ASSERT_REL(s.ci95, 4.30265272974946 / sqrt(3.0), 1e-9);
    /* NaN is skipped: {1, NaN, 3} -> n 2, mean 2, sd sqrt(2), ci95 = 12.7062 * sqrt(2)/sqrt(2). */
    double b[] = { 1, NAN, 3 };
    stats_describe(b, 3, &s);
    CU_ASSERT_EQUAL(s.n, 2);
    ASSERT_REL(s.sd, sqrt(2.0), 1e-15);
    ASSERT_REL(s.ci95, 12.7062047361747, 1e-9);
    /* Equal values: exactly zero spread (two-pass), one value: no spread at all. */
    double c[] = { 995.7, 995.7, 995.7 };
    stats_describe(c, 3, &s);
    CU_ASSERT_EQUAL(s.sd, 0.0);
    CU_ASSERT_EQUAL(s.ci95, 0.0);
    stats_describe(c, 1, &s);
    CU_ASSERT_EQUAL(s.n, 1);
    CU_ASSERT(isnan(s.sd) && isnan(s.ci95));
    stats_describe(b + 1, 1, &s);
    CU_ASSERT_EQUAL(s.n, 0);
    CU_ASSERT(isnan(s.mean));
}

static void test_welch(void)
{
    /* a = {n 3, mean 2, sd 1}, b = {n 3, mean 5, sd 1}: va = vb = 1/3, t = 3 / sqrt(2/3) = 3.6742346,
     * df = (2/3)^2 / ((1/3)^2/2 + (1/3)^2/2) = 4.  For 4 df, F(t) = 1/2 + (3/8) x (1 - t^2/(12(1 + t^2/4)))
     * with x = t / sqrt(1 + t^2/4), so p = 2 (1 - F) = 0.0213116411. */
    struct sample_stats a = { 3, 2, 1, 0 }, b = { 3, 5, 1, 0 };
    struct welch_result w;
    stats_welch(&a, &b, &w);
    ASSERT_REL(w.t, 3.6742346141747673, 1e-12);
    ASSERT_REL(w.df, 4.0, 1e-12);
    ASSERT_REL(w.p, 0.02131164112875661, 1e-8);
    /* Unequal variances and sizes: a = {4, 10, 2}, b = {9, 12, 3}: va = 4/4 = 1, vb = 9/9 = 1,
     * t = 2 / sqrt(2) = 1.4142136, df = 4 / (1/3 + 1/8) = 8.7272727. */
    struct sample_stats c = { 4, 10, 2, 0 }, d = { 9, 12, 3, 0 };
    stats_welch(&c, &d, &w);
    ASSERT_REL(w.t, sqrt(2.0), 1e-12);
    ASSERT_REL(w.df, 96.0 / 11.0, 1e-12);
    CU_ASSERT(w.p > 0.1 && w.p < 0.3);
    /* No variance on either side: equal means p = 1, different means p = 0. */
    struct sample_stats e = { 3, 7, 0, 0 }, f = { 3, 7, 0, 0 }, g = { 3, 8, 0, 0 };
    stats_welch(&e, &f, &w);
    CU_ASSERT_EQUAL(w.p, 1.0);
    stats_welch(&e, &g, &w);
    CU_ASSERT_EQUAL(w.p, 0.0);
    CU_ASSERT(isinf(w.t) && w.t > 0);
    /* Fewer than two values: no test. */
    struct sample_stats h = { 1, 7, NAN, NAN };
    stats_welch(&h, &g, &w);
    CU_ASSERT(isnan(w.p));
}

static void test_directions(void)
{
    CU_ASSERT_EQUAL(metric_direction("down_goodput_kbps"), 1);
    CU_ASSERT_EQUAL(metric_direction("upload_health"), 1);
    CU_ASSERT_EQUAL(metric_direction("voip_delay_ms_p95"), -1);
    CU_ASSERT_EQUAL(metric_direction("rate_err_mare"), -1);
    CU_ASSERT_EQUAL(metric_direction("cpu_us_per_s"), -1);
    CU_ASSERT_EQUAL(metric_direction("cpu_us_per_s_wakeup"), -1);     /* prefix entry */
    CU_ASSERT_EQUAL(metric_direction("up_bytes_by_class.ack"), 0);    /* a counter, no direction */
    CU_ASSERT_EQUAL(metric_direction("down_goodput_kbps_x"), 0);      /* exact names only */
    CU_ASSERT_EQUAL(metric_direction("up_link_util"), 0);             /* includes overhead bytes */
}

static void test_verdicts(void)
{
    struct regress_rule rule = { .alpha = 0.01, .min_effect = 0.05 };
    struct welch_result w;
    /* Identical deterministic runs: same. */
    struct sample_stats base = { 3, 1000, 0, 0 }, same = { 3, 1000, 0, 0 };
    CU_ASSERT_EQUAL(regress_verdict("down_goodput_kbps", &base, &same, &rule, &w), VERDICT_SAME);
    /* 900 vs 1000 without variance: p = 0, effect 10 % >= 5 %: worse for goodput, better for drops. */
    struct sample_stats lower = { 3, 900, 0, 0 };
    CU_ASSERT_EQUAL(regress_verdict("down_goodput_kbps", &base, &lower, &rule, &w), VERDICT_WORSE);
    CU_ASSERT_EQUAL(regress_verdict("drops", &base, &lower, &rule, &w), VERDICT_BETTER);
    CU_ASSERT_EQUAL(regress_verdict("bytes_injected", &base, &lower, &rule, &w), VERDICT_CHANGED);
    /* Significant but below the minimum effect: 980 is 2 % off. */
    struct sample_stats small = { 3, 980, 0, 0 };
    CU_ASSERT_EQUAL(regress_verdict("down_goodput_kbps", &base, &small, &rule, &w), VERDICT_SAME);
    /* Large effect but not significant: means 2 and 5 with sd 1 over 3 seeds give p = 0.0213 > 0.01. */
    struct sample_stats a = { 3, 2, 1, 0 }, b = { 3, 5, 1, 0 };
    CU_ASSERT_EQUAL(regress_verdict("drops", &a, &b, &rule, &w), VERDICT_SAME);
    struct regress_rule loose = { .alpha = 0.05, .min_effect = 0.05 };
    CU_ASSERT_EQUAL(regress_verdict("drops", &a, &b, &loose, &w), VERDICT_WORSE);
    /* One seed: only equality can be judged. */
    struct sample_stats one = { 1, 1000, NAN, NAN }, one_off = { 1, 999, NAN, NAN };
    CU_ASSERT_EQUAL(regress_verdict("drops", &one, &one, &rule, &w), VERDICT_SAME);
    CU_ASSERT_EQUAL(regress_verdict("drops", &one, &one_off, &rule, &w), VERDICT_UNTESTED);
}

void register_test_stats(void)
{
    TEST_SUITE("stats",
               TEST(test_t_quantiles),
               TEST(test_describe),
               TEST(test_welch),
               TEST(test_directions),
               TEST(test_verdicts));
}
