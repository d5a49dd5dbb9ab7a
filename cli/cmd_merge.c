/* `ratelab merge OUT IN...`: combine shard databases into one, without duplicate runs, refusing
 * to put runs of different code versions under one sweep unless --allow-mixed-versions. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "db.h"

int cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    size_t n_in = 0;
    int allow_mixed = 0, rc = EXIT_BADINPUT;
    sqlite3 *db = NULL;
    char err[1024];
    if (!inputs) { fprintf(stderr, "ratelab merge: out of memory\n"); return 1; }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--allow-mixed-versions")) allow_mixed = 1;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "ratelab merge: unknown flag '%s' (allowed: --allow-mixed-versions)\n", argv[i]);
            goto out;
        } else if (!out) out = argv[i];
        else inputs[n_in++] = argv[i];
    }
    if (!out || n_in == 0) { fprintf(stderr, "ratelab merge: usage: ratelab merge OUT.db IN.db... [--allow-mixed-versions]\n"); goto out; }
    char out_real[PATH_MAX] = "";
    int out_exists = realpath(out, out_real) != NULL;
    for (size_t i = 0; i < n_in; i++) {
        char in_real[PATH_MAX];
        if (!realpath(inputs[i], in_real) || access(inputs[i], R_OK) != 0) {
            fprintf(stderr, "ratelab merge: %s: no such database file\n", inputs[i]);
            goto out;
        }
        if (out_exists && !strcmp(in_real, out_real)) {
            fprintf(stderr, "ratelab merge: %s is both the output and an input\n", inputs[i]);
            goto out;
        }
    }
    if (!(db = db_open(out, DB_WRITE, err, sizeof err))) { fprintf(stderr, "ratelab merge: %s\n", err); goto out; }
    struct db_merge_stats st;
    int m = db_merge(db, inputs, n_in, allow_mixed, &st, err, sizeof err);
    if (m != 0) {
        fprintf(stderr, "ratelab merge: %s\n", err);
        rc = m > 0 ? EXIT_BADINPUT : 1;
        goto out;
    }
    printf("merge: %lld runs added, %lld already present, from %zu database%s -> %s\n",
           (long long)st.added, (long long)st.duplicates, n_in, n_in == 1 ? "" : "s", out);
    rc = 0;
out:
    if (db) db_close(db);
    free(inputs);
    return rc;
}
