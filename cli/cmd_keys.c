/* `ratelab keys [EXPERIMENT]`: every experiment's keys with type, default, range and meaning,
 * printed from the same tables that validate scenario files, so the list cannot go stale. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

static void print_experiment(const struct experiment *e)
{
    printf("%s: %s\n", e->name, e->doc);
    for (size_t i = 0; i < e->n_params; i++) {
        const struct param_def *d = &e->params[i];
        char range[256] = "";
        if (d->type == PT_ENUM) {
            size_t o = 0;
            for (size_t k = 0; d->choices[k]; k++)
                o += (size_t)snprintf(range + o, o < sizeof range ? sizeof range - o : 0, "%s%s", k ? "|" : "", d->choices[k]);
        } else if (d->type == PT_BOOL) {
            snprintf(range, sizeof range, "0|1");
        } else {
            snprintf(range, sizeof range, "[%g, %g]", d->min, d->max);
        }
        printf("  %-22s %-8s %-12s %-24s %s\n", d->key, d->def, d->type == PT_INT ? "integer" : d->type == PT_DOUBLE ? "number" : d->type == PT_BOOL ? "boolean" : "choice",
               range, d->doc);
    }
    /* the metrics the experiment documents, with the way they are better */
    for (const struct metric_doc *m = e->metric_docs; m && m->name; m++) {
        if (m == e->metric_docs) printf("  metrics (better: higher / lower / -):\n");
        enum metric_dir dir = experiment_metric_dir(e, m->name, NULL);
        printf("  %-32s %-6s %s\n", m->name, dir > 0 ? "higher" : dir < 0 ? "lower" : "-", m->doc);
    }
}

int cmd_keys(int argc, char **argv)
{
    const struct experiment *const *l = experiment_list();
    if (argc > 2) { fprintf(stderr, "ratelab keys: at most one EXPERIMENT\n"); return EXIT_BADINPUT; }
    if (argc == 2) {
        const struct experiment *e = experiment_find(argv[1]);
        if (!e) {
            fprintf(stderr, "ratelab keys: unknown experiment '%s' (allowed:", argv[1]);
            for (size_t i = 0; l[i]; i++) fprintf(stderr, "%s%s", i ? "|" : " ", l[i]->name);
            fprintf(stderr, ")\n");
            return EXIT_BADINPUT;
        }
        print_experiment(e);
        return 0;
    }
    for (size_t i = 0; l[i]; i++) { if (i) printf("\n"); print_experiment(l[i]); }
    return 0;
}
