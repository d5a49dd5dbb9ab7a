/* `ratelab merge OUT IN...`: combine results databases (a sweep's shards, copies of one shard) into
 * one, all or nothing: bad input exits 2 naming the file, and OUT is left exactly as it was. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "db_merge.h"
#include "progress.h"
#include "sweep_pool.h"

static void show_progress(void *ctx, size_t done, size_t total)
{
    struct progress *p = ctx;
    if (p->total != total) {
        progress_init(p, 0, total, isatty(STDERR_FILENO));
        p->unit = "steps";
    }
    progress_update(p, done, done == total);
    if (done == total) progress_end(p);   /* what merge says next starts on its own line */
}

int cmd_merge(int argc, char **argv)
{
    const char *out = NULL;
    const char **inputs = calloc((size_t)argc, sizeof *inputs);
    size_t n_in = 0;
    struct db_merge_opts o = { .who = "ratelab merge", .report = stderr, .stop = pool_stop_signal };
    if (!inputs) { fprintf(stderr, "ratelab merge: out of memory\n"); return 1; }
    int rc = EXIT_BADINPUT;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--allow-mixed-versions")) o.allow_mixed = 1;
        else if (!strcmp(argv[i], "--require-complete")) o.require_complete = 1;
        else if (argv[i][0] == '-') {
            fprintf(stderr, "ratelab merge: unknown flag '%s' (allowed: --require-complete, --allow-mixed-versions)\n", argv[i]);
            goto out;
        } else if (!out) out = argv[i];
        else inputs[n_in++] = argv[i];
    }
    if (!out || n_in == 0) {
        fprintf(stderr, "ratelab merge: usage: ratelab merge [--require-complete] [--allow-mixed-versions] OUT.db IN.db...\n");
        goto out;
    }
    /* A signal stops the merge between SQLite steps; the temporary file is removed. */
    pool_signals_catch();
    char err[2048];
    struct db_merge_stats st;
    /* On a terminal: databases checked, then merged, as steps done of all. */
    struct progress prog = { 0 };
    o.progress = show_progress;
    o.progress_ctx = &prog;
    int m = db_merge_files(out, inputs, n_in, &o, &st, err, sizeof err);
    progress_end(&prog);
    int sig = pool_stop_signal();
    pool_signals_release();
    if (m != 0) {
        fprintf(stderr, "ratelab merge: %s\n", err);
        rc = sig ? 128 + sig : m > 0 ? EXIT_BADINPUT : 1;
        goto out;
    }
    printf("merge: %lld runs added, %lld already present, from %zu database%s -> %s%s\n", (long long)st.added,
           (long long)st.duplicates, n_in, n_in == 1 ? "" : "s", out,
           st.incomplete ? " (incomplete sweeps: see above)" : "");
    rc = 0;
out:
    free(inputs);
    return rc;
}
