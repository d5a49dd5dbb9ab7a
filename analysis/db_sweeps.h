/* Sweeps in a results database: recording a sweep with its grid points and a shard, the rule that
 * keeps a shard's database to that shard, and completeness (which of a sweep's runs are stored). */
#ifndef ANALYSIS_DB_SWEEPS_H
#define ANALYSIS_DB_SWEEPS_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Label of grid point `point` (the --vary keys' values) into buf. */
typedef void (*db_point_label_fn)(void *ctx, size_t point, char *buf, size_t len);

/* Records a sweep and its points (kept if present, when its n_points and n_seeds must agree);
 * *id gets its sweeps.id.  Returns 0, 1 if the stored sweep disagrees (err says how), -1 on an
 * SQLite error (err set). */
int  db_record_sweep(sqlite3 *db, const char *sweep_key, const char *scenario, size_t n_points,
                     size_t n_seeds, db_point_label_fn label, void *label_ctx, int64_t *id,
                     char *err, size_t errlen);

/* May the database at `path` take shard I/N of this sweep?  Not if it is another shard's
 * database or holds runs of another sweep (a stale shard file).  Writes nothing.  Returns 0,
 * 1 with err saying why not, -1 on an SQLite error. */
int  db_check_shard(sqlite3 *db, const char *path, const char *sweep_key, long index, long count,
                    char *err, size_t errlen);
int  db_record_shard(sqlite3 *db, int64_t sweep_id, long index, long count, char *err, size_t errlen);

/* Code versions other than `version` among the runs of this sweep: comma list in buf, count
 * returned (0 = none), -1 on an SQLite error (err set). */
int  db_other_versions(sqlite3 *db, const char *sweep_key, const char *version, char *buf, size_t len,
                       char *err, size_t errlen);

/* Completeness of the database's sweeps, per code version of
 * their runs, against n_points x n_seeds: which shards (when the sweep was cut in shards) and
 * which points lack runs.  DB_REPORT_INCOMPLETE writes one line per incomplete sweep, starting
 * with `who`; DB_REPORT_ALL a paragraph per sweep with every shard (`ratelab status`).  Only the
 * sweeps with ids in only[] when n_only > 0; nothing written when out is NULL.  Returns the number of incomplete (sweep, code
 * version) pairs, or -1 with err set. */
enum db_report { DB_REPORT_INCOMPLETE, DB_REPORT_ALL };
int  db_sweeps_report(sqlite3 *db, const int64_t *only, size_t n_only, enum db_report mode,
                      const char *who, FILE *out, char *err, size_t errlen);

/* Adds to ids[] (grown as needed, no duplicates) the sweeps that hold a run of this parameter
 * point: what a figure of the point draws from.  0 or -1 with err set. */
int  db_sweeps_at_point(sqlite3 *db, const char *experiment, const char *scenario, const char *code_version,
                        const char *point, int64_t **ids, size_t *n, size_t *cap, char *err, size_t errlen);

#endif
