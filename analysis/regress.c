/* The verdict rule of `ratelab regress`; each metric's direction comes from the experiment that
 * emits it (struct experiment.metrics). */
#include "regress.h"
#include "experiment.h"
#include <math.h>
#include <string.h>

/* Declared by the experiments next to the metrics (sim/experiment.h); plots and regress agree. */
int metric_direction(const char *name)
{
    return (int)experiment_metric_dir(NULL, name, NULL);
}

const char *verdict_name(enum verdict v)
{
    switch (v) {
    case VERDICT_SAME:     return "same";
    case VERDICT_BETTER:   return "better";
    case VERDICT_WORSE:    return "WORSE";
    case VERDICT_CHANGED:  return "changed";
    case VERDICT_UNTESTED: return "untested (n<2)";
    }
    return "?";
}

enum verdict regress_verdict(const char *metric, const struct sample_stats *base,
                             const struct sample_stats *now, const struct regress_rule *rule,
                             struct welch_result *w)
{
    stats_welch(base, now, w);
    if (base->n == 0 && now->n == 0) return VERDICT_SAME;
    if (base->n < 2 || now->n < 2) return base->mean == now->mean ? VERDICT_SAME : VERDICT_UNTESTED;
    double diff = now->mean - base->mean;
    double scale = fmax(fabs(base->mean), fabs(now->mean));
    if (!(w->p < rule->alpha) || fabs(diff) < rule->min_effect * scale) return VERDICT_SAME;
    int dir = metric_direction(metric);
    if (dir == 0) return VERDICT_CHANGED;
    return diff * dir > 0 ? VERDICT_BETTER : VERDICT_WORSE;
}
