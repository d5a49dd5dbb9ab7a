/* `ratelab recommend DB...`: computes the recommendation tables each database's sweeps allow
 * (hi/lo marks, upload limit, slot speed), prints them and stores them in that database. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "flags.h"
#include "recommend.h"

int recommend_parse_flag(const char *cmd, int argc, char **argv, int *i, struct rec_opts *o)
{
    const char *a = argv[*i];
    int k = !strcmp(a, "--quality") ? 0 : !strcmp(a, "--cpu-budget") ? 1 : !strcmp(a, "--keep") ? 2 : -1;
    if (k < 0) return 0;
    if (*i + 1 >= argc) { fprintf(stderr, "ratelab %s: %s needs a value\n", cmd, a); return -1; }
    const char *v = argv[++*i];
    if (k == 0) { o->quality = v; return 1; }
    /* The number read as every flag's (flag_double: no blanks, hex or inf), an 'x' after it for
     * a budget relative to 16000/4000. */
    size_t len = strlen(v);
    int rel = k == 1 && len > 1 && v[len - 1] == 'x';
    char num[64], why[256];
    double d = NAN, lo = k == 1 ? 0 : 0.01, hi = k == 1 ? 1e9 : 1;
    snprintf(num, sizeof num, "%.*s", (int)(rel ? len - 1 : len), v);
    int bad = len >= sizeof num || flag_double(a, num, -HUGE_VAL, HUGE_VAL, &d, why, sizeof why) != 0;
    if (bad || !(d > lo && d <= hi)) {
        fprintf(stderr, "ratelab %s: %s %s: %s%s%s\n", cmd, a, v, bad ? "not a number (" : "",
                k == 1 ? "expected US (us of CPU per simulated second) or Nx (N times the CPU of 16000/4000), N > 0"
                       : "expected a share in (0.01, 1]", bad ? ")" : "");
        return -1;
    }
    if (rel) { o->cpu_budget_rel = d; o->cpu_budget_us = NAN; return 1; }
    if (k == 1) o->cpu_budget_us = d; else o->keep_share = d;
    return 1;
}

int cmd_recommend(int argc, char **argv)
{
    struct rec_opts o;
    rec_opts_default(&o);
    const char *dbs[64];
    int n_db = 0;
    for (int i = 1; i < argc; i++) {
        int r = recommend_parse_flag("recommend", argc, argv, &i, &o);
        if (r < 0) return EXIT_BADINPUT;
        if (r > 0) continue;
        if (argv[i][0] == '-') {
            fprintf(stderr, "ratelab recommend: unknown flag '%s' (allowed: --quality METRIC, --cpu-budget US, --keep SHARE)\n", argv[i]);
            return EXIT_BADINPUT;
        }
        if (n_db == 64) { fprintf(stderr, "ratelab recommend: more than 64 databases\n"); return EXIT_BADINPUT; }
        dbs[n_db++] = argv[i];
    }
    if (n_db == 0) { fprintf(stderr, "ratelab recommend: usage: ratelab recommend DB... [--quality METRIC] [--cpu-budget US] [--keep SHARE]\n"); return EXIT_BADINPUT; }
    size_t total = 0;
    for (int d = 0; d < n_db; d++) {
        struct rec_table t[3];
        size_t n = 0;
        char err[1024];
        int r = recommend_all(dbs[d], &o, t, 3, &n, err, sizeof err, stderr);
        if (r < 0) { fprintf(stderr, "ratelab recommend: %s\n", err); return r == -2 ? EXIT_BADINPUT : 1; }
        if (r > 0) { fprintf(stderr, "ratelab recommend: %s: nothing to recommend from: %s\n", dbs[d], err); continue; }
        for (size_t k = 0; k < n; k++) {
            printf("%s%s (%s, code %s)\n", total + k ? "\n" : "", dbs[d], t[k].tbl, t[k].code_version);
            rec_table_print(stdout, &t[k]);
            rec_table_free(&t[k]);
        }
        total += n;
    }
    if (total == 0) { fprintf(stderr, "ratelab recommend: no database holds a sweep a recommendation table needs\n"); return 1; }
    return 0;
}
