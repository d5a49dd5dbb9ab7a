/* Regression baselines: a results database, or its text dump, that carries a manifest of what it
 * holds, so a damaged or cut-short baseline is refused instead of being compared in part. */
#ifndef ANALYSIS_BASELINE_H
#define ANALYSIS_BASELINE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* What a baseline holds: counts, and a 64-bit FNV-1a checksum over every row of every table
 * (in primary-key order, each value with its type).  It detects damage, not deliberate edits:
 * whoever can edit the rows can recompute it, so a cryptographic hash would buy nothing. */
struct baseline_manifest {
    int64_t  runs, points, seeds, param_rows, metric_rows;
    uint64_t checksum;
};

/* The manifest of the database's current content. */
int baseline_measure(sqlite3 *db, const char *label, struct baseline_manifest *m, char *err, size_t errlen);
/* Records the manifest in the database (table baseline_manifest, replacing an older one). */
int baseline_seal(sqlite3 *db, const char *label, struct baseline_manifest *m, char *err, size_t errlen);
/* Opens a baseline for reading: a database file (read-only, PRAGMA integrity_check) or a text dump
 * (loaded into a fresh in-memory database, see baseline_load_dump), then checks that its content
 * matches its manifest.  NULL with one line in err otherwise. */
sqlite3 *baseline_open(const char *path, char *err, size_t errlen);
/* A text dump (`sqlite3 FILE .dump` behind a `PRAGMA user_version=N;` line) loaded into memory.
 * The dump cannot run code: the tables are created from this build's schema, and an authorizer
 * lets the dump's statements do nothing but insert rows into them (its own CREATE statements for
 * those tables are skipped), set user_version and open/commit the transaction; ATTACH,
 * load_extension, triggers, other tables and every other function or statement are refused.
 * A dump that stops before its COMMIT is refused as cut short. */
sqlite3 *baseline_load_dump(const char *path, char *err, size_t errlen);

#endif
