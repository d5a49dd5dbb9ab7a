/* The registry of experiment models, looked up by a scenario's `experiment` key.
 * Adding an experiment = one extern line and one table entry here. */
#include <string.h>
#include "experiment.h"
#include "exp_common.h"

extern const struct experiment exp_asym_link;
extern const struct experiment exp_etorrent;
extern const struct experiment exp_xtreme;

static const struct experiment *const registry[] = {
    &exp_asym_link,
    &exp_etorrent,
    &exp_xtreme,
    NULL
};

const struct experiment *const *experiment_list(void) { return registry; }

const struct experiment *experiment_find(const char *name)
{
    for (size_t i = 0; registry[i]; i++)
        if (!strcmp(registry[i]->name, name)) return registry[i];
    return NULL;
}

static int decl_match(const struct metric_decl *d, const char *metric)
{
    size_t l = strlen(d->name);
    return l && d->name[l - 1] == '*' ? !strncmp(metric, d->name, l - 1) : !strcmp(metric, d->name);
}

static const struct metric_decl *decl_find(const struct metric_decl *table, const char *metric)
{
    for (size_t i = 0; table && table[i].name; i++)
        if (decl_match(&table[i], metric)) return &table[i];
    return NULL;
}

enum metric_dir experiment_metric_dir(const struct experiment *e, const char *metric, int *declared)
{
    const struct metric_decl *d = NULL;
    if (e) d = decl_find(e->metrics, metric);
    for (size_t i = 0; !e && !d && registry[i]; i++) d = decl_find(registry[i]->metrics, metric);
    if (!d) d = decl_find(exp_common_metrics, metric);
    if (declared) *declared = d != NULL;
    return d ? d->dir : METRIC_NEUTRAL;
}
