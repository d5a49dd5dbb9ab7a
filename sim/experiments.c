/* The registry of experiment models, looked up by a scenario's `experiment` key.
 * Adding an experiment = one extern line and one table entry here. */
#include <string.h>
#include "experiment.h"

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
