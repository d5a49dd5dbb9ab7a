/* Helpers for the suites that drive the ratelab binary ($RATELAB) end to end: run a command and
 * capture its output, count rows of a results database. */
#ifndef TESTS_TEST_SWEEP_HELPERS_H
#define TESTS_TEST_SWEEP_HELPERS_H

#include <CUnit/CUnit.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct cli_out { int rc; char out[65536]; char err[16384]; };

static inline void slurp(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, len - 1, f) : 0;
    buf[n] = 0;
    if (f) fclose(f);
    remove(path);
}

/* Runs "$RATELAB ARGS" through the shell, stdout and stderr captured; returns the exit status. */
static inline int cli(struct cli_out *o, const char *fmt, ...)
{
    const char *bin = getenv("RATELAB");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
    char args[8192], cmd[9000], fo[64], fe[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(fo, sizeof fo, "/tmp/ratelab-t%d.out", (int)getpid());
    snprintf(fe, sizeof fe, "/tmp/ratelab-t%d.err", (int)getpid());
    snprintf(cmd, sizeof cmd, "%s %s >%s 2>%s", bin, args, fo, fe);
    int st = system(cmd);
    o->rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    slurp(fo, o->out, sizeof o->out);
    slurp(fe, o->err, sizeof o->err);
    return o->rc;
}

/* First column of the first row of SQL on the database at path, or -1. */
static inline long long db_scalar(const char *path, const char *sql)
{
    sqlite3 *db;
    long long v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 5000);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
}

/* Order-sensitive digest (FNV-1a) and row count of a query's full result, to compare two
 * databases row for row. */
static inline long long db_digest(const char *path, const char *sql, unsigned long long *hash)
{
    sqlite3 *db;
    long long rows = -1;
    *hash = 1469598103934665603ULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
            rows = 0;
            while (sqlite3_step(st) == SQLITE_ROW) {
                rows++;
                for (int c = 0; c < sqlite3_column_count(st); c++) {
                    const unsigned char *t = sqlite3_column_text(st, c);
                    for (const unsigned char *p = t ? t : (const unsigned char *)"(null)"; *p; p++)
                        *hash = (*hash ^ *p) * 1099511628211ULL;
                    *hash = (*hash ^ '|') * 1099511628211ULL;
                }
            }
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return rows;
}

static inline void remove_db(const char *path)
{
    char p[1100];
    remove(path);
    snprintf(p, sizeof p, "%s-wal", path);
    remove(p);
    snprintf(p, sizeof p, "%s-shm", path);
    remove(p);
}

/* A unique scratch path for this test process. */
static inline const char *tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "/tmp/ratelab-test-%d-%s", (int)getpid(), name);
    return buf;
}

#endif
