/* Merging results databases (shards of a sweep, copies of one shard, whole result files) into one
 * output file, all or nothing: every input checked first, the result built in a temporary file
 * beside the output and renamed over it only when complete. */
#ifndef ANALYSIS_DB_MERGE_H
#define ANALYSIS_DB_MERGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct db_merge_opts {
    int         allow_mixed;       /* a sweep may hold runs of several code versions */
    int         require_complete;  /* refuse when a sweep of the inputs lacks runs */
    const char *who;               /* prefix of report lines ("ratelab merge") */
    FILE       *report;            /* where incomplete sweeps are reported (NULL: not at all) */
    int       (*stop)(void);       /* non-zero: give up (a signal arrived); NULL: never */
    /* Called after each database is checked and after each is merged: done of total steps
     * (2 per input, 1 more for an existing output).  NULL: not called. */
    void      (*progress)(void *ctx, size_t done, size_t total);
    void       *progress_ctx;
};

struct db_merge_stats {
    int64_t added, duplicates;     /* runs copied, runs the output already held */
    int     incomplete;            /* (sweep, code version) pairs of the inputs lacking runs */
};

/* Merges the inputs into out_path (created, or added to when it exists).  Each input, and an
 * existing output, must be a regular file that passes SQLite's integrity check with this schema
 * version.  Refused: shard databases of different sweeps (or cut differently) among the inputs,
 * adding another shard or sweep to a shard's database, a sweep recorded with different grids,
 * a sweep whose runs come from several code versions (unless allow_mixed), an incomplete sweep
 * (with require_complete).  Runs already in the output (same key) are not copied again.
 * Returns 0; 1 for bad input or a refusal (err names the file and why); -1 for an error of the
 * system (disk full, interrupted).  Unless 0, out_path is exactly as before and no temporary
 * file is left. */
int db_merge_files(const char *out_path, const char *const *inputs, size_t n_inputs,
                   const struct db_merge_opts *o, struct db_merge_stats *st, char *err, size_t errlen);

#endif
