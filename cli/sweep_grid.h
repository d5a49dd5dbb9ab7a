/* The parameter grid of a sweep: --vary specs (lists, linear and geometric ranges) expanded into a
 * full grid, filtered by --where and the experiment's checks, crossed with seeds, cut in shards. */
#ifndef CLI_SWEEP_GRID_H
#define CLI_SWEEP_GRID_H

#include <stddef.h>
#include "cli.h"
#include "where.h"

#define VARY_MAX_VALUES 10000
#define GRID_MAX_TASKS  1000000

struct vary {
    char   key[64];
    char **values;      /* canonical text of each value, each accepted by the key's range */
    size_t n;
};

/* Parses "KEY=SPEC" against the scenario's keys: SPEC is a list "4,8,16" (enum names allowed),
 * a linear range "2:15:1" (start:stop:step, stop included) or a geometric one "8k:1M:x2".
 * Errors name the --vary argument and what is wrong. */
int  vary_parse(const char *arg, const struct scenario *sc, struct vary *v, char *err, size_t errlen);
void vary_free(struct vary *v);

/* Values of a spec as numbers, without a key (also the unit-testable core of vary_parse).
 * Returns the count, or -1 with err set. */
int  spec_numbers(const char *spec, double *out, size_t max, char *err, size_t errlen);

struct grid {
    size_t  n_params;
    size_t  n_points;
    double *vals;             /* n_points x n_params: the full parameter values of each point */
    size_t  n_combinations;   /* before --where and validation */
    size_t  n_filtered;       /* dropped by --where */
    size_t  n_rejected;       /* dropped by the experiment's validate */
    char    first_reject[512];
};

/* Full grid of the --vary keys (first --vary varies slowest) on top of the scenario's values. */
int  grid_build(const struct scenario *sc, const struct vary *vary, size_t n_vary,
                const struct where_expr *where, struct grid *g, char *err, size_t errlen);
void grid_free(struct grid *g);

/* --where compiled against the scenario's keys. */
struct where_expr *where_compile_params(const char *text, const struct param_set *ps,
                                        char *err, size_t errlen);
int  where_eval_params(const struct where_expr *e, const struct param_set *ps);

/* "I/N" (0 <= I < N) or "N" with I from SLURM_ARRAY_TASK_ID.  Returns 0 or -1 with err set. */
int  shard_parse(const char *arg, long *index, long *count, char *err, size_t errlen);

#endif
