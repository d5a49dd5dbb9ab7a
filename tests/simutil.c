/* Runs an experiment in-process for the validation suites.
 * Parameter errors abort loudly: a test that silently ran defaults would prove nothing. */
#include "simutil.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sim_test_run(const char *name, const char *const *overrides, struct run_result *res)
{
    const struct experiment *e = experiment_find(name);
    if (!e) { fprintf(stderr, "sim_test_run: no experiment %s\n", name); abort(); }
    struct param_set ps;
    params_init(&ps, e->params, e->n_params);
    char err[512];
    for (size_t i = 0; overrides && overrides[i]; i++) {
        const char *eq = strchr(overrides[i], '=');
        char key[64];
        size_t kl = (size_t)(eq - overrides[i]);
        memcpy(key, overrides[i], kl);
        key[kl] = 0;
        if (params_set(&ps, key, eq + 1, "test", err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); abort(); }
    }
    if (e->validate && e->validate(&ps, err, sizeof err) != 0) { fprintf(stderr, "%s\n", err); abort(); }
    result_init(res);
    int rc = e->run(&ps, res, err, sizeof err);
    if (rc != 0) fprintf(stderr, "sim_test_run: %s\n", err);
    params_free(&ps);
    return rc;
}
