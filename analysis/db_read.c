/* The reading side of every results database: a step that tells a row, the end and an error apart,
 * so a damaged page or an I/O error is a message naming the file, never the end of the rows. */
#include <stdio.h>
#include "db.h"

const char *db_stmt_label(sqlite3_stmt *st, const char *label)
{
    if (label) return label;
    sqlite3 *db = sqlite3_db_handle(st);
    return db ? db_label(db) : "database";
}

int db_exec(sqlite3 *db, const char *sql, const char *label, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return 0;
    snprintf(err, errlen, "%s: %s", label ? label : db_label(db), msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
}

int db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *label, char *err, size_t errlen)
{
    *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) == SQLITE_OK) return 0;
    snprintf(err, errlen, "%s: %s", label ? label : db_label(db), sqlite3_errmsg(db));
    sqlite3_finalize(*st);
    *st = NULL;
    return -1;
}

int db_step(sqlite3_stmt *st, const char *label, char *err, size_t errlen)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    snprintf(err, errlen, "%s: %s", db_stmt_label(st, label), sqlite3_errmsg(sqlite3_db_handle(st)));
    return -1;
}

int db_query_int64(sqlite3 *db, const char *sql, int64_t *out, const char *label, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (db_prepare(db, sql, &st, label, err, errlen) != 0) return -1;
    int r = db_step(st, label, err, errlen);
    if (r == 0) snprintf(err, errlen, "%s: no row from '%.60s'", label ? label : db_label(db), sql);
    if (r == 1) *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return r == 1 ? 0 : -1;
}
