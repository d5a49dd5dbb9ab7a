/* `ratelab rate-replay`: feed a byte trace to one rate estimator and print its estimate after
 * every line, to check an algorithm against hand-computed or recorded examples. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "infile.h"
#include "replay.h"

#define MAX_PARAMS 32

int cmd_rate_replay(int argc, char **argv)
{
    const char *algo_name = NULL, *trace = NULL;
    const char *kvs[MAX_PARAMS];
    int n_kv = 0;
    char names[256], err[512];

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--algo")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "ratelab rate-replay: --algo needs a NAME (allowed: %s)\n",
                        rate_algo_names(names, sizeof names));
                return EXIT_BADINPUT;
            }
            algo_name = argv[++i];
        } else if (!strcmp(argv[i], "--param")) {
            if (i + 1 >= argc) { fprintf(stderr, "ratelab rate-replay: --param needs NAME=VALUE\n"); return EXIT_BADINPUT; }
            if (n_kv == MAX_PARAMS) { fprintf(stderr, "ratelab rate-replay: more than %d --param\n", MAX_PARAMS); return EXIT_BADINPUT; }
            kvs[n_kv++] = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "ratelab rate-replay: unknown flag '%s' (allowed: --algo NAME, --param NAME=VALUE)\n", argv[i]);
            return EXIT_BADINPUT;
        } else if (!trace) {
            trace = argv[i];
        } else {
            fprintf(stderr, "ratelab rate-replay: more than one TRACE ('%s')\n", argv[i]);
            return EXIT_BADINPUT;
        }
    }
    if (!algo_name) {
        fprintf(stderr, "ratelab rate-replay: missing --algo NAME (allowed: %s)\n", rate_algo_names(names, sizeof names));
        return EXIT_BADINPUT;
    }
    const struct rate_algo *algo = rate_algo_find(algo_name);
    if (!algo) {
        fprintf(stderr, "ratelab rate-replay: --algo '%s' is unknown (allowed: %s)\n", algo_name,
                rate_algo_names(names, sizeof names));
        return EXIT_BADINPUT;
    }
    struct rate_params params;
    rate_params_init(&params, algo);
    for (int k = 0; k < n_kv; k++) {
        /* Values as strict as every other number: no hex, blanks or trailing text. */
        const char *eq = strchr(kvs[k], '=');
        double v;
        int prc = eq ? parse_number(eq + 1, &v) : 0;
        if (prc != 0) {
            fprintf(stderr, "ratelab rate-replay: --param %s: '%s' %s\n", kvs[k], eq + 1, parse_number_error(prc));
            return EXIT_BADINPUT;
        }
        if (rate_param_set_kv(&params, kvs[k], err, sizeof err) != 0) {
            fprintf(stderr, "ratelab rate-replay: --param %s: %s\n", kvs[k], err);
            return EXIT_BADINPUT;
        }
    }
    if (rate_params_check(&params, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab rate-replay: --param: %s\n", err);
        return EXIT_BADINPUT;
    }
    if (!trace) { fprintf(stderr, "ratelab rate-replay: missing TRACE file (or - for standard input)\n"); return EXIT_BADINPUT; }

    FILE *in = stdin;
    if (strcmp(trace, "-")) {
        int fd = infile_open(trace, "trace file", err, sizeof err);
        if (fd < 0 || !(in = fdopen(fd, "r"))) {
            if (fd >= 0) { snprintf(err, sizeof err, "%s: %s", trace, strerror(errno)); close(fd); }
            fprintf(stderr, "ratelab rate-replay: %s\n", err);
            return EXIT_BADINPUT;
        }
    }
    int rc = rate_replay(in, trace, &params, stdout, err, sizeof err);
    if (in != stdin) fclose(in);
    if (rc != 0) { fprintf(stderr, "ratelab rate-replay: %s\n", err); return EXIT_BADINPUT; }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "ratelab rate-replay: writing the CSV: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
