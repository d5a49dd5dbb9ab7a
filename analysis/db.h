/* The results database: opening with a schema-version check, and the single writer that stores
 * one finished run per transaction.  The only module that knows the tables' SQL. */
#ifndef ANALYSIS_DB_H
#define ANALYSIS_DB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include "params.h"
#include "results.h"

#define DB_SCHEMA_VERSION 7
#define DB_TEXT_LEN 8192          /* canonical parameter text, run keys */
#define DB_ROWS_PER_INSERT 16     /* rows bound to one INSERT statement */

extern const char db_schema_sql[];   /* analysis/db_schema.c, equal to analysis/schema.sql */

enum db_mode { DB_READ, DB_WRITE, DB_READ_UNCHECKED };

/* Opens a results database; `path` must name a file ('' and ":memory:" are refused) that is a
 * regular file.  DB_WRITE creates the file and schema when missing (removing the file again if
 * that fails), switches to WAL and takes the writer's lock: a second writer is refused with
 * "another sweep is writing PATH".  DB_READ requires an existing file and opens a database nobody
 * may write (file, directory or mount) read-only, and refuses a damaged one: SQLite's integrity
 * check reads every page, so a bent cell pointer or a zeroed page is "PATH: damaged database (...)"
 * before any figure is drawn from the rows that remain readable (a flipped bit inside a stored
 * value is beyond any check of the file; a baseline's manifest catches that).  DB_READ_UNCHECKED
 * is DB_READ for a caller that runs the integrity check itself (merge: interruptible).  Either way a
 * database of another schema version is refused with one line. */
sqlite3 *db_open(const char *path, enum db_mode mode, char *err, size_t errlen);
/* ATTACH an input database as `schema`, read-only (mode=ro, else immutable=1) when nobody may
 * write it, as db_open does for DB_READ; db must be opened with SQLITE_OPEN_URI.  0 or -1. */
int      db_attach(sqlite3 *db, const char *path, const char *schema, char *err, size_t errlen);
/* 0 if path can name a database file, else -1 with the reason ('' or ":memory:", or an existing
 * name that is not a regular file). */
int      db_path_check(const char *path, char *err, size_t errlen);
/* Creates the schema (and the t-quantile table) in an empty database; leaves a non-empty one
 * alone.  0 or -1 with err set. */
int      db_create_schema(sqlite3 *db, const char *path, char *err, size_t errlen);
/* SQLite's "quick_check" or "integrity_check" of an open database: 0 if it says ok, else -1 with
 * "LABEL: damaged database (its first findings, on one line)" or SQLite's error in err. */
int      db_check_intact(sqlite3 *db, const char *check, const char *label, char *err, size_t errlen);
/* The schema version of an open database (or of an ATTACHed one: schema = "src"). */
int      db_check_version(sqlite3 *db, const char *schema, const char *label, char *err, size_t errlen);
/* Closes the connection and releases the writer's lock. */
void     db_close(sqlite3 *db);
/* The name a database was opened by, for messages ("in-memory database" for one in memory). */
const char *db_label(sqlite3 *db);

/* Reading (analysis/db_read.c).  Every statement is stepped with db_step, which tells a row (1),
 * the end of the rows (0) and an error (-1: a damaged page, an I/O error, a full disk) apart and
 * writes "LABEL: SQLite's message" to err; LABEL NULL means the database's own name.  A loop
 * `while (sqlite3_step(st) == SQLITE_ROW)` would take an error for the end of the rows. */
int  db_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *label, char *err, size_t errlen);
int  db_step(sqlite3_stmt *st, const char *label, char *err, size_t errlen);
int  db_exec(sqlite3 *db, const char *sql, const char *label, char *err, size_t errlen);
/* The first column of the first row as an integer; -1 on an error or when there is no row. */
int  db_query_int64(sqlite3 *db, const char *sql, int64_t *out, const char *label, char *err, size_t errlen);
const char *db_stmt_label(sqlite3_stmt *st, const char *label);

/* The run's identity: scenario | canonical params (with seed) | code version; a kernel run's key
 * ends in "|kernel" (db_run_key_engine), so the two engines' runs of one point never collide. */
void   db_run_key(char *buf, size_t len, const char *scenario, const char *params, const char *version);
void   db_run_key_engine(char *buf, size_t len, const char *scenario, const char *params, const char *version,
                         const char *engine);
/* Wall-clock now in ms since the epoch, and its ISO 8601 UTC text. */
int64_t db_now_ms(void);
void    db_iso_time(int64_t ms, char *buf, size_t len);

struct db_run_meta {
    const char *scenario, *experiment, *code_version;
    const char *engine;              /* "sim" (NULL means sim) or "kernel" */
    const char *sweep_key;           /* NULL for a single run */
    const char *failure;             /* NULL, or why the run failed an invariant (stored as failed) */
    int64_t     sweep_id, task;      /* sweep_runs row (sweeps.id, task index); sweep_id 0: none */
    int64_t     started_ms, finished_ms;
};

/* A run's series as rows ready to insert: one per (series, entity), points as JSON text
 * [[t,v],...] in emission order.  Encoded by the worker process that ran the simulation, so the
 * single writer only binds text; buffers are reused across calls. */
struct db_series_row { uint32_t series; int32_t entity; uint32_t n, off, len; };
struct db_series_rows {
    struct db_series_row *row;  size_t n_row, cap_row;
    char                 *text; size_t text_len, text_cap;
    size_t               *order; size_t order_cap;
};
int  db_series_encode(struct db_series_rows *s, const struct run_result *res);   /* 0 or -1 (memory) */
void db_series_free(struct db_series_rows *s);

/* Runs are grouped into transactions (each run inside its own savepoint, so a failing run
 * leaves nothing behind): a transaction is committed once it is commit_every_s old, and by
 * db_writer_commit, which the sweep calls whenever no result is waiting.  A killed process
 * therefore loses at most the runs of the last commit_every_s; 0 commits every run at once. */
struct db_writer {
    sqlite3      *db;
    sqlite3_stmt *ins_run, *ins_param, *ins_metric, *ins_entity, *ins_series, *find_key, *ins_member;
    sqlite3_stmt *ins_param_n, *ins_metric_n, *ins_entity_n;   /* DB_ROWS_PER_INSERT rows each */
    double        commit_every_s;
    int           in_txn;
    double        txn_started;
    double        busy_s;            /* time spent writing and committing, for the sweep's report */
    size_t        runs_pending;      /* written in the open transaction, not yet committed */
    size_t        runs_committed;    /* stored for good: what a summary may count as done */
    size_t        runs_lost;         /* written, then rolled back with their transaction */
    size_t        commits;
    struct db_series_rows enc;       /* scratch for runs that arrive without their encoding */
    char        (*pval)[64];         /* scratch: each parameter's canonical text */
    size_t        pval_cap;
};

int  db_writer_init(struct db_writer *w, sqlite3 *db, char *err, size_t errlen);
void db_writer_close(struct db_writer *w);
/* The id of the run with this key, 0 if there is none, -1 on error (err set); *failed (if not
 * NULL) says whether it is stored as failed. */
int64_t db_find_run(struct db_writer *w, const char *run_key, int *failed, char *err, size_t errlen);
/* Adds a stored run to a sweep as its task (a run another sweep stored); in the writer's group
 * transaction.  1 if added, 0 if it was there, -1 with err set. */
int  db_writer_add_member(struct db_writer *w, int64_t sweep_id, int64_t task, int64_t run_id, char *err, size_t errlen);
/* Commits the open transaction, if any.  0 or -1 with err set. */
int  db_writer_commit(struct db_writer *w, char *err, size_t errlen);
/* Stores run, params, metrics, entity rows, series and its sweep_runs row (from enc if given, else from res's
 * points); on error rolls back the run's savepoint (nothing of the run is left) and returns -1
 * with err set.  Returns the new run id via *id. */
int  db_write_run(struct db_writer *w, const struct db_run_meta *m, const struct param_set *ps,
                  const struct run_result *res, const struct db_series_rows *enc, int64_t *id,
                  char *err, size_t errlen);

#endif
