/* ratelab: the testbed's single command; dispatches to its subcommands.
 * Each subcommand parses its own flags so its errors can name them; `--help` is answered here. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "cpu_model.h"
#include "db_calib.h"

struct subcommand { const char *name; int (*fn)(int, char **); const char *usage, *help; };

#define EXITS_STOPPABLE \
    "Exit status: 0 done; 1 a run failed; 2 bad input (nothing was run); 128 + the signal when\n" \
    "stopped by SIGINT (130), SIGHUP (129) or SIGTERM (143), after storing the runs in progress.\n"

static const struct subcommand commands[] = {
    { "run", cmd_run, "run SCENARIO.ini [--set KEY=VALUE]... [--json] [--db FILE] [--series none|summary|all]",
      "Runs one simulation of the scenario and prints its metrics.\n"
      "  --set KEY=VALUE   overrides a key of the scenario (ratelab keys lists them)\n"
      "  --json            prints one JSON object instead of the table\n"
      "  --db FILE         also stores the run in a results database (not twice)\n"
      "  --series WHICH    time series kept: summary (default: those a figure draws), none, all\n"
      "Exit status: 0 done, 1 the run failed, 2 bad input.\n" },
    { "sweep", cmd_sweep,
      "sweep SCENARIO.ini --vary KEY=SPEC... [--seeds N] [--jobs J] [--db FILE] [--where EXPR] [--set KEY=VALUE]... "
      "[--shard I/N | --shard N] [--allow-mixed-versions] [--dry-run] [--series none|summary|all]",
      "Runs every point of a grid x seeds in worker processes, each run stored in an SQLite database.\n"
      "Running the same command again resumes: runs already stored are not run again.\n"
      "  --vary KEY=SPEC   the values of a key: 4,8,16 (a list; names for enum keys), 2:15:1\n"
      "                    (START:STOP:STEP, STOP included), 8k:1M:x2 (START:STOP:xFACTOR); several\n"
      "                    make the full grid, the first varying slowest\n"
      "  --seeds N         seeds 1..N of every point (default 1)\n"
      "  --set KEY=VALUE   fixes a key, as in run\n"
      "  --where EXPR      drops grid points, e.g. 'lo_mark <= hi_mark'\n"
      "  --jobs J          worker processes (default: the online cores)\n"
      "  --db FILE         the results database (default results/SCENARIO.db; with --shard\n"
      "                    results/SCENARIO.shard-I-of-N.db)\n"
      "  --shard I/N       runs only shard I of N (0 <= I < N): the runs k = I, I+N, I+2N, ... of the\n"
      "                    sweep's list; the shards of one sweep merge into the whole sweep\n"
      "  --shard N         the same with I taken from SLURM_ARRAY_TASK_ID: a Slurm job array\n"
      "                    submitted with --array=0-(N-1) (tools/slurm/submit.sh does this)\n"
      "                    A shard's database holds that shard of that sweep only.\n"
      "  --allow-mixed-versions  adds this build's runs to a sweep stored by another build\n"
      "  --dry-run         prints the number of points, seeds and runs (of the shard) and the\n"
      "                    sweep's key, then exits without running or writing anything\n"
      "  --series WHICH    time series the runs keep: summary (default: every series a figure\n"
      "                    draws), none, or all (adds per-peer detail such as etorrent's rates)\n"
      EXITS_STOPPABLE },
    { "merge", cmd_merge, "merge [--require-complete] [--allow-mixed-versions] OUT.db IN.db...",
      "Adds the runs of the input databases (a sweep's shards, copies of a shard) to OUT.db, which is\n"
      "created when missing.  All or nothing: every input is checked first (a regular file, SQLite's\n"
      "integrity check, the schema version), the result is built in a temporary file beside OUT.db\n"
      "and renamed over it; on any error OUT.db is left as it was and nothing else is left behind.\n"
      "Runs OUT.db already holds are not copied twice.  Reads WAL files, so it is also how a\n"
      "database is copied safely (ratelab merge COPY.db DB).  Refused (exit 2): a damaged input,\n"
      "shard databases of different sweeps (stale shard files), another shard into a shard's\n"
      "database, a sweep whose runs come from several code versions.  Incomplete sweeps (runs\n"
      "missing from n_points x n_seeds) are named with the shards and points they lack.\n"
      "  --require-complete     refuses (exit 2) when a sweep of the inputs is incomplete\n"
      "  --allow-mixed-versions lets one sweep hold runs of several code versions\n"
      "Exit status: 0 merged, 1 an error of the system (disk full), 2 bad input or refused,\n"
      "128 + the signal when interrupted (nothing written).\n" },
    { "status", cmd_status, "status DB...",
      "Lists the sweeps of each database: done / expected runs (n_points x n_seeds) per code version,\n"
      "per shard when the sweep was cut in shards (a shard's own database: its shard only), and\n"
      "which points lack runs.\n"
      "Exit status: 0 every sweep complete, 1 some incomplete, 2 bad input.\n" },
    { "plot", cmd_plot,
      "plot DB FIGURE [--out FILE] [--where EXPR] [--x/--y/--z/--by/--label/--chosen/--ref/--run ...] | plot --list",
      "Draws a figure of a results database as FILE.png and FILE.svg through gnuplot; ratelab plot\n"
      "--list names the figures and their options.  Says which sweeps of the selection are\n"
      "incomplete.\n"
      "  --out FILE        output path without extension (default: next to the database)\n"
      "  --where EXPR      selects parameter points (and scenario, experiment, code_version)\n"
      "  --x, --y, --z, --by, --label, --chosen, --ref, --run   per figure, see --list\n"
      "Exit status: 0 drawn, 1 nothing to draw or gnuplot failed, 2 bad input.\n" },
    { "baseline", cmd_baseline, "baseline DB",
      "Makes a results database a regression baseline: checks it (SQLite's integrity check) and\n"
      "records its manifest (runs, points, seeds, rows and a checksum over every row), which regress\n"
      "checks before comparing.  For a text baseline, dump it with `sqlite3 DB .dump` behind a\n"
      "`PRAGMA user_version=N;` line.\n"
      "Exit status: 0 recorded, 2 bad input.\n" },
    { "regress", cmd_regress,
      "regress --baseline FILE [--scenarios NAME,...] [--set KEY=VALUE]... [--jobs J] [--alpha A] [--min-effect F]",
      "Re-runs every run of a baseline (a results database or its .sql dump) with this build and\n"
      "compares each metric per parameter point across seeds (Welch's t-test).\n"
      "  --baseline FILE   the baseline (refused when one of its sweeps is incomplete)\n"
      "  --scenarios LIST  only these scenarios\n"
      "  --set KEY=VALUE   changes the re-runs (a variant against the baseline)\n"
      "  --jobs J          worker processes\n"
      "  --alpha A         significance level (default 0.01)\n"
      "  --min-effect F    smallest relative difference that counts (default 0.05)\n"
      "Exit status: 0 no metric worse, 1 worse or missing metrics or failed re-runs, 2 bad input,\n"
      "128 + the signal when stopped.\n" },
    { "recommend", cmd_recommend, "recommend DB... [--quality METRIC] [--cpu-budget US] [--keep SHARE]",
      "Computes the recommendation tables each database's sweeps allow (hi/lo marks, upload limit,\n"
      "slot speed), prints them and stores them in that database.\n"
      "  --quality METRIC  the decision-quality metric for the marks\n"
      "  --cpu-budget US   the CPU budget for the marks, us per simulated second\n"
      "  --keep SHARE      the limit: share of the solo download goodput kept (default 0.95)\n" },
    { "report", cmd_report, "report DB... --out DIR [--title TEXT] [--quality METRIC] [--cpu-budget US] [--keep SHARE]",
      "Writes one self-contained HTML page, DIR/report.html: the recommendation tables, the figures\n"
      "that decide as inline SVG, and the provenance.  --quality, --cpu-budget, --keep as for recommend.\n" },
    { "sensitivity", cmd_sensitivity,
      "sensitivity SCENARIO.ini --keys K,K,... --metric METRIC [--method morris|sobol] [--range KEY=SPEC]... "
      "[--set KEY=VALUE]... [--trajectories R] [--levels P] [--samples N] [--jobs J] [--db FILE] [--out FILE] "
      "| sensitivity --list-ranges",
      "Which keys move a metric, and how much, over documented ranges: a Morris screening (default)\n"
      "or Sobol indices.  The runs go to a results database like a sweep's (re-running the same\n"
      "study resumes), the statistics to its sensitivity table, and a bar figure next to it.\n"
      "  --keys K,K,...    the keys varied      --metric METRIC   the metric\n"
      "  --method M        morris or sobol      --range KEY=SPEC  a key's range (--list-ranges: defaults)\n"
      "  --trajectories R, --levels P (Morris), --samples N (Sobol), --jobs J, --db FILE, --out FILE\n" },
    { "rate-replay", cmd_rate_replay, "rate-replay --algo NAME [--param K=V]... TRACE",
      "Feeds a byte trace to one rate estimator and prints its estimate after every line.\n"
      "  --algo NAME       the estimator\n"
      "  --param K=V       one of its parameters\n"
      "Exit status: 0 done, 2 bad input.\n" },
    { "kernel", cmd_kernel, "kernel SCENARIO.ini [--set KEY=VALUE]... [--repeat N] [--json] [--db FILE] | kernel --cleanup",
      "Runs an asym_link scenario on real Linux TCP in network namespaces (root), --repeat N times\n"
      "(seeds seed .. seed+N-1), and stores the runs like simulator runs with engine = kernel.\n"
      "  --set KEY=VALUE   overrides a key of the scenario\n"
      "  --repeat N        runs N seeds\n"
      "  --json            prints JSON objects instead of the table\n"
      "  --db FILE         stores the runs in a results database (a re-run resumes)\n"
      "  --cleanup         removes network namespaces a killed run left behind\n" },
    { "calibrate", cmd_calibrate,
      "calibrate [--db FILE] [--quick] [--paths LIST] [--no-validate] [--escript FILE] | calibrate --export ID DIR [--db FILE]",
      "Measures the receive paths on real sockets (Erlang through an escript, C in process) against\n"
      "the paced sender, fits each path's costs, stores the calibration, and checks the simulator's\n"
      "CPU against held-out points; --export writes a stored calibration as CSV files into DIR.\n"
      "  --db FILE  --quick  --paths LIST  --no-validate  --escript FILE  (see the README)\n" },
    { "keys", cmd_keys, "keys [EXPERIMENT]",
      "Lists every scenario key of the experiments (or of one): type, default, range, meaning.\n" },
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "ratelab %s: rate measurement and upload control testbed\nusage:\n", ratelab_version());
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(out, "  ratelab %s\n", commands[i].usage);
    fprintf(out, "ratelab SUBCOMMAND --help explains one.\n");
}

static int is_help(const char *a) { return !strcmp(a, "--help") || !strcmp(a, "-h"); }

int main(int argc, char **argv)
{
    if (argc < 2) { usage(stderr); return EXIT_BADINPUT; }
    if (is_help(argv[1]) || !strcmp(argv[1], "help")) {
        for (size_t i = 0; argc > 2 && i < N_COMMANDS; i++)
            if (!strcmp(argv[2], commands[i].name)) { printf("usage: ratelab %s\n\n%s", commands[i].usage, commands[i].help); return 0; }
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) { printf("%s\n", ratelab_version()); return 0; }
    for (size_t i = 0; i < N_COMMANDS; i++) {
        if (strcmp(argv[1], commands[i].name)) continue;
        for (int a = 2; a < argc; a++)
            if (is_help(argv[a])) { printf("usage: ratelab %s\n\n%s", commands[i].usage, commands[i].help); return 0; }
        return commands[i].fn(argc - 1, argv + 1);
    }
    fprintf(stderr, "ratelab: unknown subcommand '%s' (allowed:", argv[1]);
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(stderr, "%s%s", i ? "|" : " ", commands[i].name);
    fprintf(stderr, ")\n");
    return EXIT_BADINPUT;
}
