/* Merging shard databases: ATTACH each input, copy the runs whose key is new, renumbering ids.
 * All inputs are checked (schema version, code versions per sweep) before anything is written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db.h"

static int run_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
}

static int attach(sqlite3 *out, const char *path, char *err, size_t errlen)
{
    if (access(path, R_OK) != 0) { snprintf(err, errlen, "%s: no such database file", path); return -1; }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(out, "ATTACH DATABASE ?1 AS src", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(out));
        return -1;
    }
    sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) { snprintf(err, errlen, "%s: cannot attach (%s)", path, sqlite3_errmsg(out)); return -1; }
    if (db_check_version(out, "src", path, err, errlen) != 0) {
        sqlite3_exec(out, "DETACH DATABASE src", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

static int64_t scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Pass 1: the (sweep, code version) pairs of the output and every input, in a temp table. */
static int collect_versions(sqlite3 *out, const char *const *inputs, size_t n, char *err, size_t errlen)
{
    if (run_sql(out, "CREATE TEMP TABLE merge_versions (sweep_key TEXT, code_version TEXT);"
                     "INSERT INTO temp.merge_versions SELECT DISTINCT sweep_key, code_version FROM main.runs"
                     " WHERE sweep_key IS NOT NULL", err, errlen) != 0) return -1;
    for (size_t i = 0; i < n; i++) {
        if (attach(out, inputs[i], err, errlen) != 0) return -1;
        int rc = run_sql(out, "INSERT INTO temp.merge_versions SELECT DISTINCT sweep_key, code_version"
                              " FROM src.runs WHERE sweep_key IS NOT NULL", err, errlen);
        sqlite3_exec(out, "DETACH DATABASE src", NULL, NULL, NULL);
        if (rc != 0) return -1;
    }
    return 0;
}

static int check_mixed(sqlite3 *out, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(out, "SELECT sweep_key, group_concat(DISTINCT code_version), count(DISTINCT code_version)"
                                " FROM temp.merge_versions GROUP BY sweep_key HAVING count(DISTINCT code_version) > 1"
                                " LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s", sqlite3_errmsg(out));
        return -1;
    }
    int mixed = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        mixed = 1;
        snprintf(err, errlen, "sweep '%.200s' has runs of %d code versions (%.200s); merging them needs "
                 "--allow-mixed-versions", (const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 2),
                 (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_finalize(st);
    return mixed;
}

/* Pass 2, one transaction per input: new ids are old id + max(existing id), so they cannot
 * collide, and child rows follow through the temp table of copied ids. */
static int copy_input(sqlite3 *out, const char *path, struct db_merge_stats *st, char *err, size_t errlen)
{
    if (attach(out, path, err, errlen) != 0) return -1;
    int rc = run_sql(out, "BEGIN IMMEDIATE", err, errlen);
    if (rc == 0) {
        int64_t off = scalar(out, "SELECT coalesce(max(id), 0) FROM main.runs");
        int64_t total = scalar(out, "SELECT count(*) FROM src.runs");
        char sql[2048];
        snprintf(sql, sizeof sql,
                 "DROP TABLE IF EXISTS temp.merge_ids;"
                 "CREATE TEMP TABLE merge_ids (id INTEGER PRIMARY KEY);"
                 "INSERT INTO temp.merge_ids SELECT id FROM src.runs WHERE run_key NOT IN (SELECT run_key FROM main.runs);"
                 "INSERT INTO main.runs SELECT id + %lld, run_key, sweep_key, scenario, experiment, params, point, seed,"
                 " code_version, started, finished, wall_s, events, engine, failure FROM src.runs WHERE id IN temp.merge_ids;"
                 "INSERT INTO main.params SELECT run_id + %lld, key, text, num FROM src.params WHERE run_id IN temp.merge_ids;"
                 "INSERT INTO main.metrics SELECT run_id + %lld, name, value FROM src.metrics WHERE run_id IN temp.merge_ids;"
                 "INSERT INTO main.entity_metrics SELECT run_id + %lld, kind, entity, name, value FROM src.entity_metrics"
                 " WHERE run_id IN temp.merge_ids;"
                 "INSERT INTO main.series SELECT run_id + %lld, name, entity, n, points FROM src.series"
                 " WHERE run_id IN temp.merge_ids;"
                 "INSERT OR IGNORE INTO main.sweeps SELECT * FROM src.sweeps;",
                 (long long)off, (long long)off, (long long)off, (long long)off, (long long)off);
        rc = run_sql(out, sql, err, errlen);
        if (rc == 0) {
            int64_t added = scalar(out, "SELECT count(*) FROM temp.merge_ids");
            rc = run_sql(out, "COMMIT", err, errlen);
            if (rc == 0) { st->added += added; st->duplicates += total - added; }
        }
        if (rc != 0) sqlite3_exec(out, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_exec(out, "DROP TABLE IF EXISTS temp.merge_ids", NULL, NULL, NULL);
    sqlite3_exec(out, "DETACH DATABASE src", NULL, NULL, NULL);
    if (rc != 0) {
        size_t l = strlen(err);
        snprintf(err + l, errlen > l ? errlen - l : 0, " (while merging %s)", path);
    }
    return rc;
}

int db_merge(sqlite3 *out, const char *const *inputs, size_t n_inputs, int allow_mixed,
             struct db_merge_stats *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    int rc = collect_versions(out, inputs, n_inputs, err, errlen);
    if (rc == 0 && !allow_mixed) rc = check_mixed(out, err, errlen);
    sqlite3_exec(out, "DROP TABLE IF EXISTS temp.merge_versions", NULL, NULL, NULL);
    if (rc != 0) return rc;
    for (size_t i = 0; i < n_inputs; i++)
        if (copy_input(out, inputs[i], st, err, errlen) != 0) return -1;
    return 0;
}
