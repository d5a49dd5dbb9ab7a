/* ratelab: the testbed's single command; dispatches to its subcommands.
 * Each subcommand parses its own flags so its errors can name them. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "cpu_model.h"
#include "db_calib.h"

struct subcommand { const char *name; int (*fn)(int, char **); const char *usage; };

static const struct subcommand commands[] = {
    { "run",         cmd_run,         "run SCENARIO.ini [--set KEY=VALUE]... [--json] [--db FILE]" },
    { "sweep",       cmd_sweep,       "sweep SCENARIO.ini --vary KEY=SPEC... [--seeds N] [--jobs J] [--db FILE] [--where EXPR] [--set KEY=VALUE]... [--shard I/N] [--allow-mixed-versions]" },
    { "merge",       cmd_merge,       "merge OUT.db IN.db... [--allow-mixed-versions]" },
    { "plot",        cmd_plot,        "plot DB FIGURE [--out FILE] [--where EXPR] [--x/--y/--z/--by/--label/--chosen/--ref/--run ...] | plot --list" },
    { "baseline",    cmd_baseline,    "baseline DB   (record DB's manifest: counts and checksum that regress checks)" },
    { "regress",     cmd_regress,     "regress --baseline FILE [--scenarios NAME,...] [--set KEY=VALUE]... [--jobs J] [--alpha A] [--min-effect F]" },
    { "recommend",   cmd_recommend,   "recommend DB... [--quality METRIC] [--cpu-budget US] [--keep SHARE]   (answer tables, stored in each DB)" },
    { "report",      cmd_report,      "report DB... --out DIR [--title TEXT] [--quality METRIC] [--cpu-budget US] [--keep SHARE]   (one HTML page)" },
    { "sensitivity", cmd_sensitivity, "sensitivity SCENARIO.ini --keys K,K,... --metric METRIC [--method morris|sobol] [--range KEY=SPEC]... [--set KEY=VALUE]... [--trajectories R] [--levels P] [--samples N] [--jobs J] [--db FILE] [--out FILE] | sensitivity --list-ranges" },
    { "rate-replay", cmd_rate_replay, "rate-replay --algo NAME [--param K=V]... TRACE" },
    { "kernel",      cmd_kernel,      "kernel SCENARIO.ini [--set KEY=VALUE]... [--repeat N] [--json] [--db FILE] | kernel --cleanup   (real Linux TCP in network namespaces; root)" },
    { "keys",        cmd_keys,        "keys [EXPERIMENT]   (every scenario key: type, default, range, meaning)" },
    { "calibrate",   cmd_calibrate,   "calibrate [--db FILE] [--quick] [--paths LIST] [--no-validate] [--escript FILE] | calibrate --export ID DIR [--db FILE]" },
};

static void usage(FILE *out)
{
    fprintf(out, "ratelab %s: rate measurement and upload control testbed\nusage:\n", ratelab_version());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  ratelab %s\n", commands[i].usage);
}

int main(int argc, char **argv)
{
    if (argc < 2) { usage(stderr); return EXIT_BADINPUT; }
    cpu_calibration_set_loader(db_calib_loader);      /* cpu_calibration = ID reads results/calib.db */
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) { usage(stdout); return 0; }
    if (!strcmp(argv[1], "--version")) { printf("%s\n", ratelab_version()); return 0; }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "ratelab: unknown subcommand '%s' (allowed: ", argv[1]);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) fprintf(stderr, "%s%s", i ? "|" : "", commands[i].name);
    fprintf(stderr, ")\n");
    return EXIT_BADINPUT;
}
