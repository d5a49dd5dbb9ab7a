/* `ratelab run`: load a scenario, apply --set, validate, run once, print metrics.
 * Bad input exits 2 before anything runs; a failed run exits 1. */
#include <stdio.h>
#include <string.h>
#include "cli.h"

int cmd_run(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0;
    char err[512];
    const char *sets[256];
    int n_sets = 0;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--set")) {
            if (i + 1 >= argc) { fprintf(stderr, "ratelab run: --set needs KEY=VALUE\n"); return EXIT_BADINPUT; }
            if (n_sets == 256) { fprintf(stderr, "ratelab run: too many --set\n"); return EXIT_BADINPUT; }
            sets[n_sets++] = argv[++i];
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "ratelab run: unknown flag '%s' (allowed: --set KEY=VALUE, --json)\n", argv[i]);
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
    int rc = scenario_run(&sc, &res, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "ratelab run: %s: %s\n", path, err);
    } else if (json) {
        json_print_run(stdout, &sc, &res);
    } else {
        printf("%s (%s), seed %lld, %.2f s wall, %llu events\n", sc.name, sc.exp->name,
               (long long)param_i(&sc.ps, "seed"), res.wall_s, (unsigned long long)res.events);
        for (size_t i = 0; sc.exp->headline && sc.exp->headline[i]; i++)
            printf("  %-28s %12.4g\n", sc.exp->headline[i], result_get(&res, sc.exp->headline[i]));
    }
    result_free(&res);
    scenario_free(&sc);
    return rc == 0 ? 0 : 1;
}
