/* `ratelab run`: load a scenario, apply --set, validate, run once, print metrics.
 * Bad input exits 2 before anything runs; a failed run exits 1.  --db also stores the run. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "db.h"

int cli_store_run(const char *cmd, const char *path, const struct scenario *sc, const struct run_result *res,
                  int64_t started_ms, int64_t finished_ms, const char *engine, const char *failure)
{
    char err[1024];
    sqlite3 *db = db_open(path, DB_WRITE, err, sizeof err);
    if (!db) { fprintf(stderr, "ratelab %s: %s\n", cmd, err); return 1; }
    struct db_writer w;
    int rc = 1;
    if (db_writer_init(&w, db, err, sizeof err) != 0) { fprintf(stderr, "ratelab %s: %s\n", cmd, err); db_close(db); return 1; }
    char params[DB_TEXT_LEN], key[2 * DB_TEXT_LEN];
    params_canonical(&sc->ps, params, sizeof params);
    db_run_key_engine(key, sizeof key, sc->name, params, ratelab_version(), engine);
    int64_t has = db_find_run(&w, key, NULL, err, sizeof err);
    struct db_run_meta m = { .scenario = sc->name, .experiment = sc->exp->name, .code_version = ratelab_version(),
                             .engine = engine, .failure = failure, .started_ms = started_ms, .finished_ms = finished_ms };
    int64_t id = 0;
    if (has < 0) fprintf(stderr, "ratelab %s: %s\n", cmd, err);
    else if (has) { fprintf(stderr, "ratelab %s: %s already holds this run (same parameters, seed, engine and code version); not stored again\n", cmd, path); rc = 0; }
    else if (db_write_run(&w, &m, &sc->ps, res, NULL, &id, err, sizeof err) != 0) fprintf(stderr, "ratelab %s: %s\n", cmd, err);
    else {
        fprintf(stderr, "ratelab %s: stored as %srun %lld in %s\n", cmd, failure ? "failed " : "", (long long)id, path);
        rc = 0;
    }
    db_writer_close(&w);
    db_close(db);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    const char *path = NULL, *db_path = NULL;
    int json = 0;
    enum result_series series = RESULT_SERIES_SUMMARY;
    char err[512];
    const char *sets[256];
    int n_sets = 0;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--set")) {
            if (i + 1 >= argc) { fprintf(stderr, "ratelab run: --set needs KEY=VALUE\n"); return EXIT_BADINPUT; }
            if (n_sets == 256) { fprintf(stderr, "ratelab run: too many --set\n"); return EXIT_BADINPUT; }
            sets[n_sets++] = argv[++i];
        } else if (!strcmp(argv[i], "--db")) {
            if (i + 1 >= argc) { fprintf(stderr, "ratelab run: --db needs FILE\n"); return EXIT_BADINPUT; }
            db_path = argv[++i];
            /* Checked before the run: a result with nowhere to go is not worth simulating. */
            if (db_path_check(db_path, err, sizeof err) != 0) { fprintf(stderr, "ratelab run: --db %s\n", err); return EXIT_BADINPUT; }
        } else if (!strcmp(argv[i], "--series")) {
            if (i + 1 >= argc || result_series_parse(argv[i + 1], &series) != 0) {
                fprintf(stderr, "ratelab run: --series needs none|summary|all\n");
                return EXIT_BADINPUT;
            }
            i++;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "ratelab run: unknown flag '%s' (allowed: --set KEY=VALUE, --json, --db FILE, --series none|summary|all)\n", argv[i]);
            return EXIT_BADINPUT;
        } else if (!path) path = argv[i];
        else { fprintf(stderr, "ratelab run: more than one scenario ('%s')\n", argv[i]); return EXIT_BADINPUT; }
    }
    if (!path) { fprintf(stderr, "ratelab run: missing SCENARIO.ini\n"); return EXIT_BADINPUT; }

    struct scenario sc;
    if (scenario_load(path, &sc, err, sizeof err) != 0) { fprintf(stderr, "ratelab run: %s\n", err); return EXIT_BADINPUT; }
    for (int i = 0; i < n_sets; i++)
        if (scenario_set(&sc, sets[i], "--set", err, sizeof err) != 0) {
            fprintf(stderr, "ratelab run: %s\n", err);
            scenario_free(&sc);
            return EXIT_BADINPUT;
        }
    if (scenario_validate(&sc, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab run: %s\n", err);
        scenario_free(&sc);
        return EXIT_BADINPUT;
    }

    struct run_result res;
    result_init(&res);
    res.keep = series;
    int64_t started_ms = db_now_ms();
    int rc = scenario_run(&sc, &res, err, sizeof err);
    int64_t finished_ms = db_now_ms();
    if (rc < 0) {
        fprintf(stderr, "ratelab run: %s: %s\n", path, err);
    } else if (json) {
        json_print_run(stdout, &sc, &res, "sim");
    } else {
        printf("%s (%s), seed %lld, %.2f s wall, %llu events\n", sc.name, sc.exp->name,
               (long long)param_i(&sc.ps, "seed"), res.wall_s, (unsigned long long)res.events);
        for (size_t i = 0; sc.exp->headline && sc.exp->headline[i]; i++)
            printf("  %-28s %12.4g\n", sc.exp->headline[i], result_get(&res, sc.exp->headline[i]));
    }
    /* A run that broke an invariant finished: its results are shown and stored, marked failed. */
    if (rc > 0) fprintf(stderr, "ratelab run: %s: %s (a simulator bug; exit status %d)\n", path, err, EXIT_INVARIANT);
    int stored = rc >= 0 && db_path ? cli_store_run("run", db_path, &sc, &res, started_ms, finished_ms, "sim",
                                                    rc > 0 ? err : NULL) : 0;
    result_free(&res);
    scenario_free(&sc);
    return rc > 0 ? EXIT_INVARIANT : rc == 0 && stored == 0 ? 0 : 1;
}
