/* The experiment registry: each experiment model declares its keys, a cross-key check and a run
 * function; `ratelab run/sweep/regress` find it by the scenario's `experiment` key. */
#ifndef SIM_EXPERIMENT_H
#define SIM_EXPERIMENT_H

#include <stddef.h>
#include "params.h"
#include "results.h"

/* Which way a metric is better, declared by the experiment that emits it (next to the code that
 * computes it), so `ratelab regress` and the figures never guess: a significant change in the
 * worse direction fails a regression check; a NEUTRAL metric (a counter, a configuration echo, a
 * utilisation that includes overhead bytes) reports a change and never fails. */
enum metric_dir { METRIC_LOWER = -1, METRIC_NEUTRAL = 0, METRIC_HIGHER = 1 };

/* One declaration; a name ending in '*' covers every metric starting with what precedes it. */
struct metric_decl { const char *name; enum metric_dir dir; };
/* What a metric means, for `ratelab keys` (an experiment documents the metrics it chooses to). */
struct metric_doc { const char *name; const char *doc; };

struct experiment {
    const char             *name;
    const char             *doc;
    const struct param_def *params;
    size_t                  n_params;
    /* Checks that involve several keys (warmup_s < duration_s, lo_mark <= hi_mark).  On error
     * writes one line naming the offending key's origin and returns -1. */
    int  (*validate)(const struct param_set *ps, char *err, size_t errlen);
    /* Runs one simulation; deterministic in (params, seed).  Returns 0, or -1 with err set. */
    int  (*run)(const struct param_set *ps, struct run_result *res, char *err, size_t errlen);
    /* Metrics `ratelab run` prints without --json, NULL-terminated. */
    const char *const      *headline;
    /* Every metric the run emits, with its direction; ends with { NULL }.  Metrics emitted by the
     * shared helpers of exp_common.h are declared there (exp_common_metrics). */
    const struct metric_decl *metrics;
    /* Optional, ends with { NULL }: metric meanings `ratelab keys` prints with their direction. */
    const struct metric_doc  *metric_docs;
};

const struct experiment *experiment_find(const char *name);
/* The direction experiment e declares for a metric (its own table, then the shared helpers');
 * *declared (may be NULL) says whether any declaration matched.  e NULL: the first experiment of
 * the registry that declares it (directions agree across experiments; a test checks it). */
enum metric_dir experiment_metric_dir(const struct experiment *e, const char *metric, int *declared);
const struct experiment *const *experiment_list(void);   /* NULL-terminated */

#endif
