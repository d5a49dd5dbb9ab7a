/* Regression verdicts: each metric's "better" direction, declared once, and the rule that turns
 * a baseline-vs-now comparison across seeds into same / better / worse. */
#ifndef ANALYSIS_REGRESS_H
#define ANALYSIS_REGRESS_H

#include "stats.h"

/* +1 higher is better, -1 lower is better, 0 neutral (counters, configuration echoes, utilisation
 * including overhead): as the experiments declare it (experiment_metric_dir). */
int metric_direction(const char *name);

enum verdict { VERDICT_SAME, VERDICT_BETTER, VERDICT_WORSE, VERDICT_CHANGED, VERDICT_UNTESTED };
const char *verdict_name(enum verdict v);

struct regress_rule {
    double alpha;        /* significance level of Welch's test (two-sided) */
    double min_effect;   /* smallest relative change of the mean that counts */
};

/* A change counts when p < alpha and |now - base| >= min_effect * max(|base|, |now|); its sign
 * against the metric's direction makes it better or worse (CHANGED when the direction is 0).
 * Fewer than 2 seeds on a side: SAME if the means are equal, else UNTESTED. */
enum verdict regress_verdict(const char *metric, const struct sample_stats *base,
                             const struct sample_stats *now, const struct regress_rule *rule,
                             struct welch_result *w);

#endif
