/* Metric directions are declared by the experiments: every metric a run emits has a declaration,
 * a name shared by experiments has one direction, and a neutral metric can never fail regress. */
#include <string.h>
#include "testutil.h"
#include "simutil.h"
#include "experiment.h"
#include "regress.h"

/* Short runs of each experiment, with the options that switch on their optional metrics. */
static const char *const *short_run(const char *exp)
{
    static const char *const asym[] = { "duration_s=6", "warmup_s=1", "n_up=1", "up_limit_kbps=64", "voip_kbps=16", NULL };
    static const char *const et[] = { "duration_s=25", "warmup_s=5", "n_peers=8", "late_from_s=5", "late_to_s=15",
                                      "step_from_s=5", "step_to_s=15", NULL };
    static const char *const xt[] = { "duration_s=12", "warmup_s=4", NULL };
    if (!strcmp(exp, "asym_link")) return asym;
    if (!strcmp(exp, "etorrent")) return et;
    return xt;
}

static void test_every_emitted_metric_is_declared(void)
{
    const struct experiment *const *list = experiment_list();
    for (size_t e = 0; list[e]; e++) {
        struct run_result res;
        CU_ASSERT_EQUAL_FATAL(sim_test_run(list[e]->name, short_run(list[e]->name), &res), 0);
        CU_ASSERT(res.n_metric > 10);
        for (size_t i = 0; i < res.n_metric; i++) {
            int declared = 0;
            experiment_metric_dir(list[e], res.metric[i].name, &declared);
            if (!declared)
                fprintf(stderr, "\n    experiment %s emits metric '%s' without declaring its direction"
                                " (add it to the experiment's metric_decl table)", list[e]->name, res.metric[i].name);
            CU_ASSERT(declared);
        }
        result_free(&res);
    }
}

static void test_shared_names_agree(void)
{
    const struct experiment *const *list = experiment_list();
    for (size_t a = 0; list[a]; a++)
        for (size_t i = 0; list[a]->metrics && list[a]->metrics[i].name; i++) {
            const char *name = list[a]->metrics[i].name;
            if (name[strlen(name) - 1] == '*') continue;
            for (size_t b = 0; list[b]; b++) {
                int declared = 0;
                enum metric_dir d = experiment_metric_dir(list[b], name, &declared);
                if (declared && d != list[a]->metrics[i].dir)
                    fprintf(stderr, "\n    '%s': %s says %d, %s says %d", name, list[a]->name,
                            list[a]->metrics[i].dir, list[b]->name, d);
                CU_ASSERT(!declared || d == list[a]->metrics[i].dir);
            }
        }
}

/* Utilisation including overhead drops when a fix removes wasted header bytes: that must show as
 * a change, never as a failure; goodput falling the same way is worse. */
static void test_neutral_never_fails(void)
{
    struct regress_rule rule = { .alpha = 0.01, .min_effect = 0.05 };
    struct welch_result w;
    struct sample_stats base = { 5, 0.99, 0.001, 0.001 }, lower = { 5, 0.80, 0.001, 0.001 };
    CU_ASSERT_EQUAL(experiment_metric_dir(experiment_find("xtreme"), "up_link_util", NULL), METRIC_NEUTRAL);
    CU_ASSERT_EQUAL(experiment_metric_dir(experiment_find("asym_link"), "up_link_util", NULL), METRIC_NEUTRAL);
    CU_ASSERT_EQUAL(regress_verdict("up_link_util", &base, &lower, &rule, &w), VERDICT_CHANGED);
    CU_ASSERT_EQUAL(regress_verdict("up_link_util", &lower, &base, &rule, &w), VERDICT_CHANGED);
    CU_ASSERT_EQUAL(regress_verdict("up_goodput_kbps", &base, &lower, &rule, &w), VERDICT_WORSE);
    /* Undeclared names are neutral, and say so. */
    int declared = 1;
    CU_ASSERT_EQUAL(experiment_metric_dir(NULL, "no_such_metric", &declared), METRIC_NEUTRAL);
    CU_ASSERT_EQUAL(declared, 0);
    /* Prefix declarations and the shared helpers' table. */
    CU_ASSERT_EQUAL(experiment_metric_dir(experiment_find("etorrent"), "cpu_us_per_s_recv", &declared), METRIC_LOWER);
    CU_ASSERT_EQUAL(declared, 1);
    CU_ASSERT_EQUAL(experiment_metric_dir(experiment_find("asym_link"), "conservation_ok", NULL), METRIC_HIGHER);
}

void register_test_metric_dirs(void)
{
    TEST_SUITE("metric_dirs",
               TEST(test_every_emitted_metric_is_declared),
               TEST(test_shared_names_agree),
               TEST(test_neutral_never_fails));
}
