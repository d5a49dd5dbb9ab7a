/* The experiment registry: each experiment model declares its keys, a cross-key check and a run
 * function; `ratelab run/sweep/regress` find it by the scenario's `experiment` key. */
#ifndef SIM_EXPERIMENT_H
#define SIM_EXPERIMENT_H

#include <stddef.h>
#include "params.h"
#include "results.h"

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
};

const struct experiment *experiment_find(const char *name);
const struct experiment *const *experiment_list(void);   /* NULL-terminated */

#endif
