/* The ratelab command's shared pieces: subcommand entry points, scenario loading, output.
 * Exit codes: 0 success, 1 run failure or regression, 2 bad input (nothing was run), 3 (run) the
 * run finished but broke byte conservation: a simulator bug; with --db it is stored as failed. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdio.h>
#include "experiment.h"
#include "params.h"
#include "results.h"

#define EXIT_BADINPUT 2
#define EXIT_INVARIANT 3

int cmd_run(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_regress(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_rate_replay(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_kernel(int argc, char **argv);
int cmd_recommend(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_sensitivity(int argc, char **argv);
struct rec_opts;
/* The recommendation flags shared by `recommend` and `report` (cmd_recommend.c): 1 if argv[*i]
 * was one (its value consumed), 0 if not, -1 on a bad value (message printed). */
int recommend_parse_flag(const char *cmd, int argc, char **argv, int *i, struct rec_opts *o);
int cmd_calibrate(int argc, char **argv);

struct scenario {
    char                     path[512];
    char                     name[128];   /* file name without directory and .ini */
    const struct experiment *exp;
    struct param_set         ps;
};

/* Load a scenario file (a regular file): one `experiment = NAME` key plus that experiment's keys,
 * `#`/`;` comment lines, no sections, no other syntax.  Errors name FILE:LINE and the key. */
int  scenario_load(const char *path, struct scenario *sc, char *err, size_t errlen);
/* The same from text in memory (len bytes, NUL bytes refused); path names it in errors. */
int  scenario_parse(const char *text, size_t len, const char *path, struct scenario *sc, char *err, size_t errlen);
/* Apply "key=value" from the command line; errors name the --set argument. */
int  scenario_set(struct scenario *sc, const char *kv, const char *flag, char *err, size_t errlen);
/* Cross-key checks of the experiment. */
int  scenario_validate(const struct scenario *sc, char *err, size_t errlen);
void scenario_free(struct scenario *sc);

/* Run one simulation of the scenario's current parameters, timing it.  0 on success; -1 if the run
 * failed (err set, res unusable); 1 if it finished but broke an invariant (err says which and by
 * how much, res holds its results: they are stored as a failed run, never compared). */
int  scenario_run(const struct scenario *sc, struct run_result *res, char *err, size_t errlen);

/* One JSON object: scenario, experiment, engine, code version, params, then every metric. */
void json_print_run(FILE *out, const struct scenario *sc, const struct run_result *res, const char *engine);
/* Stores one finished run in the database at path, as `ratelab run --db` does; engine "sim" or
 * "kernel"; failure NULL, or why the run broke an invariant (it is stored marked failed).  A run
 * already there is kept (message on stderr).  0, or 1 on failure; cmd names the subcommand. */
int  cli_store_run(const char *cmd, const char *path, const struct scenario *sc, const struct run_result *res,
                   int64_t started_ms, int64_t finished_ms, const char *engine, const char *failure);
void json_print_string(FILE *out, const char *s);

const char *ratelab_version(void);

#endif
