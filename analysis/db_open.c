/* Opening results databases: names that are files, read-only opening of databases nobody may write,
 * the schema-version check, creation with the schema, and the one-writer lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "db.h"
#include "infile.h"
#include "stats.h"

#define T_QUANTILE_MAX_DF 1000

/* What db_close must release besides the connection: the writer's lock, and the name the caller
 * used, for messages.  A process holds a handful of databases at most. */
#define DB_OPEN_MAX 16
static struct { sqlite3 *db; int lock_fd; char *path; } open_dbs[DB_OPEN_MAX];

static int remember(sqlite3 *db, int lock_fd, const char *path)
{
    for (int i = 0; i < DB_OPEN_MAX; i++)
        if (!open_dbs[i].db) {
            if (!(open_dbs[i].path = strdup(path))) return -1;
            open_dbs[i].db = db;
            open_dbs[i].lock_fd = lock_fd;
            return 0;
        }
    return -1;
}

const char *db_label(sqlite3 *db)
{
    for (int i = 0; i < DB_OPEN_MAX; i++) if (open_dbs[i].db == db) return open_dbs[i].path;
    const char *f = sqlite3_db_filename(db, "main");
    return f && *f ? f : "in-memory database";
}

int db_path_check(const char *path, char *err, size_t errlen)
{
    if (!*path) { snprintf(err, errlen, "'': a database must be a file name"); return -1; }
    /* SQLite reads these names as a database in memory, which vanishes at exit with its results. */
    if (!strcmp(path, ":memory:") || !strncmp(path, "file:", 5)) {
        snprintf(err, errlen, "'%s': a database must be a file name (SQLite would %s)", path,
                 path[0] == ':' ? "keep it in memory and lose it at exit" : "read it as a URI");
        return -1;
    }
    /* An existing name must be a regular file: a directory, FIFO or device is no database. */
    struct stat s;
    if (stat(path, &s) == 0 && infile_check(path, "database file", err, errlen) != 0) return -1;
    return 0;
}

/* "file:" URI of a path, every byte outside the unreserved set percent-encoded, plus a query. */
static char *file_uri(const char *path, const char *query)
{
    size_t n = strlen(path);
    char *u = malloc(3 * n + strlen(query) + 16);
    if (!u) return NULL;
    size_t o = (size_t)sprintf(u, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("/._-~", *p))
            u[o++] = (char)*p;
        else o += (size_t)sprintf(u + o, "%%%02X", *p);
    }
    sprintf(u + o, "?%s", query);
    return u;
}

int db_check_version(sqlite3 *db, const char *schema, const char *label, char *err, size_t errlen)
{
    char sql[128];
    snprintf(sql, sizeof sql, "PRAGMA %s.user_version", schema);
    sqlite3_stmt *st;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        int code = sqlite3_extended_errcode(db);
        if ((code & 0xff) == SQLITE_NOTADB) snprintf(err, errlen, "%s: not an SQLite database", label);
        else snprintf(err, errlen, "%s: cannot read the database: %s", label, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return -1;
    }
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (v == DB_SCHEMA_VERSION) return 0;
    if (v == 0)
        snprintf(err, errlen, "%s: not a ratelab results database (no schema version)", label);
    else
        snprintf(err, errlen, "%s: results database schema version %d, this ratelab reads version %d "
                 "(write to a new file, or use the ratelab that made it)", label, v, DB_SCHEMA_VERSION);
    return -1;
}

/* SQLite's report on one line, without its "*** in database main ***" heading. */
static const char *one_line(const char *text, char *buf, size_t len)
{
    static const char heading[] = "*** in database main ***\n";
    if (!strncmp(text, heading, sizeof heading - 1)) text += sizeof heading - 1;
    size_t o = 0;
    for (; *text && o + 3 < len; text++) {
        if (*text != '\n') { buf[o++] = *text; continue; }
        if (text[1]) { buf[o++] = ';'; buf[o++] = ' '; }
    }
    buf[o] = 0;
    return buf;
}

int db_check_intact(sqlite3 *db, const char *check, const char *label, char *err, size_t errlen)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA %s(3)", check);
    sqlite3_stmt *st;
    int rc = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: damaged database (%s)", label, sqlite3_errmsg(db));
    } else {
        int step = sqlite3_step(st);
        const char *res = step == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        char line[512];
        if (res && !strcmp(res, "ok")) rc = 0;
        else snprintf(err, errlen, "%s: damaged database (%s)", label, res ? one_line(res, line, sizeof line) : sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return rc;
}

/* Creates the schema in a fresh file; BEGIN IMMEDIATE so two processes creating the same file
 * cannot both do it. */
int db_create_schema(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    if (db_exec(db, "BEGIN IMMEDIATE", path, err, errlen) != 0) {
        if ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_NOTADB) snprintf(err, errlen, "%s: not an SQLite database", path);
        return -1;
    }
    int64_t n = -1;
    if (db_query_int64(db, "SELECT count(*) FROM sqlite_master", &n, path, err, errlen) != 0) goto fail;
    if (n == 0) {
        sqlite3_stmt *st;
        if (db_exec(db, db_schema_sql, path, err, errlen) != 0 ||
            db_prepare(db, "INSERT INTO t_quantile VALUES (?1, ?2)", &st, path, err, errlen) != 0) goto fail;
        for (int df = 1; df <= T_QUANTILE_MAX_DF; df++) {
            sqlite3_bind_int(st, 1, df);
            sqlite3_bind_double(st, 2, stats_t975((double)df));
            if (db_step(st, path, err, errlen) != 0) { sqlite3_finalize(st); goto fail; }
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
    }
    return db_exec(db, "COMMIT", path, err, errlen);
fail:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

static int dir_writable(const char *path)
{
    char *dir = strdup(path);
    if (!dir) return 0;
    char *slash = strrchr(dir, '/');
    int ok = slash ? (slash == dir ? access("/", W_OK) : (*slash = 0, access(dir, W_OK))) == 0 : access(".", W_OK) == 0;
    free(dir);
    return ok;
}

static sqlite3 *open_flags(const char *name, int flags, const char *path, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(name, &db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open database (%s)", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    /* Readers may meet the writer's checkpoint; waiting beats failing a figure. */
    sqlite3_busy_timeout(db, 10000);
    return db;
}

/* A reader opens read-write when it may: the last connection to close then folds the WAL back and
 * removes it, where a read-only one would leave -wal and -shm files behind.  A database nobody
 * may write (read-only file, directory or mount) opens with mode=ro; if SQLite cannot set up its
 * WAL index there either, and no write-ahead log exists that it would have to read, with
 * immutable=1, which is exact when no one can be writing. */
static sqlite3 *open_read_unchecked(const char *path, char *err, size_t errlen)
{
    struct stat s;
    if (stat(path, &s) != 0) {
        if (errno == ENOENT) snprintf(err, errlen, "%s: no such database file", path);
        else snprintf(err, errlen, "%s: cannot open database file: %s", path, strerror(errno));
        return NULL;
    }
    if (infile_check(path, "database file", err, errlen) != 0) return NULL;
    if (access(path, R_OK) != 0) { snprintf(err, errlen, "%s: cannot read database file: %s", path, strerror(errno)); return NULL; }
    sqlite3 *db;
    if (access(path, W_OK) == 0 && dir_writable(path)) {
        if (!(db = open_flags(path, SQLITE_OPEN_READWRITE, path, err, errlen))) return NULL;
        if (db_check_version(db, "main", path, err, errlen) != 0) { sqlite3_close(db); return NULL; }
        return db;
    }
    static const char *const modes[] = { "mode=ro", "immutable=1" };
    for (int m = 0; m < 2; m++) {
        char *uri = file_uri(path, modes[m]);
        if (!uri) { snprintf(err, errlen, "%s: out of memory", path); return NULL; }
        db = open_flags(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, path, err, errlen);
        free(uri);
        if (!db) return NULL;
        if (db_check_version(db, "main", path, err, errlen) == 0) return db;
        int code = sqlite3_extended_errcode(db);
        sqlite3_close(db);
        int wal_setup = (code & 0xff) == SQLITE_CANTOPEN || (code & 0xff) == SQLITE_READONLY;
        if (m == 1 || !wal_setup) return NULL;
        char wal[4200];
        snprintf(wal, sizeof wal, "%s-wal", path);
        if (access(wal, F_OK) == 0) {
            snprintf(err, errlen, "%s: read-only, and its write-ahead log %s needs a writable directory to be read "
                     "(copy both files somewhere writable)", path, wal);
            return NULL;
        }
    }
    return NULL;
}

/* A reader's database, refused when damaged: damage found only by the queries that walk over it
 * would leave a figure drawn from what is left.  The integrity check reads every page, about
 * 10 ms of a core per megabyte here (a line figure of a 10 MB database: 0.25 -> 0.33 s of CPU).
 * Not the quick check: SQLite 3.40's reports "NULL value in shards.shard_index" for every shard
 * database, whose WITHOUT ROWID table orders its key unlike its columns; the full check does not. */
static sqlite3 *open_read(const char *path, char *err, size_t errlen)
{
    sqlite3 *db = open_read_unchecked(path, err, errlen);
    if (db && db_check_intact(db, "integrity_check", path, err, errlen) != 0) {
        sqlite3_close(db);
        return NULL;
    }
    return db;
}

/* ATTACH path AS schema, read-only when nobody may write it, as open_read decides for a main
 * database.  db must have been opened with SQLITE_OPEN_URI for the read-only forms. */
int db_attach(sqlite3 *db, const char *path, const char *schema, char *err, size_t errlen)
{
    int writable = access(path, W_OK) == 0 && dir_writable(path);
    static const char *const modes[] = { "mode=ro", "immutable=1" };
    for (int m = writable ? -1 : 0; m < 2; m++) {
        char *name = m < 0 ? strdup(path) : file_uri(path, modes[m]);
        char sql[128];
        snprintf(sql, sizeof sql, "ATTACH DATABASE ?1 AS \"%s\"", schema);
        sqlite3_stmt *st;
        int rc = name ? sqlite3_prepare_v2(db, sql, -1, &st, NULL) : SQLITE_NOMEM;
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
            rc = sqlite3_step(st);
            sqlite3_finalize(st);
        }
        free(name);
        int code;
        if (rc != SQLITE_DONE) {
            code = sqlite3_extended_errcode(db) & 0xff;
            snprintf(err, errlen, "%s: cannot attach (%s)", path, sqlite3_errmsg(db));
        } else {
            /* A read that works is the proof; WAL set-up fails only at the first read. */
            snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\".sqlite_schema", schema);
            if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK) return 0;
            code = sqlite3_extended_errcode(db) & 0xff;
            snprintf(err, errlen, "%s: cannot read the database: %s", path, sqlite3_errmsg(db));
            snprintf(sql, sizeof sql, "DETACH DATABASE \"%s\"", schema);
            sqlite3_exec(db, sql, NULL, NULL, NULL);
        }
        if (code != SQLITE_CANTOPEN && code != SQLITE_READONLY) return -1;
        char wal[4200];
        snprintf(wal, sizeof wal, "%s-wal", path);
        if (m >= 0 && access(wal, F_OK) == 0) return -1;
    }
    return -1;
}

/* The writer's lock: flock() on the database file, held until db_close.  The kernel drops it when
 * the process dies, so a killed sweep never leaves a stale lock behind (a lock row would).
 * flock and SQLite's fcntl locks do not interact on Linux; the descriptor stays open until after
 * sqlite3_close, since closing any descriptor of the file would drop SQLite's own locks. */
static int lock_writer(const char *path, int *created, char *err, size_t errlen)
{
    *created = 0;
    int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) *created = 1;
    else if (errno == EEXIST) fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) { snprintf(err, errlen, "%s: cannot open database for writing: %s", path, strerror(errno)); return -1; }
    struct stat s;
    if (fstat(fd, &s) != 0 || !S_ISREG(s.st_mode)) {
        infile_check(path, "database file", err, errlen);
        close(fd);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            snprintf(err, errlen, "another sweep is writing %s (or a run or merge into it); wait for it to finish, "
                     "or use another --db", path);
        else snprintf(err, errlen, "%s: cannot lock the database: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static void remove_created(const char *path)
{
    static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
    char p[4200];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s%s", path, ext[i]);
        unlink(p);
    }
}

static sqlite3 *open_write(const char *path, char *err, size_t errlen)
{
    int created;
    int fd = lock_writer(path, &created, err, errlen);
    if (fd < 0) return NULL;
    sqlite3 *db = open_flags(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, path, err, errlen);
    if (db && db_create_schema(db, path, err, errlen) == 0 && db_check_version(db, "main", path, err, errlen) == 0 &&
        /* WAL: figures can read while a sweep writes; synchronous=NORMAL keeps every committed run
         * across a crash of the process (only an OS crash can lose the last commits). */
        db_exec(db, "PRAGMA journal_mode=WAL", path, err, errlen) == 0 &&
        db_exec(db, "PRAGMA synchronous=NORMAL", path, err, errlen) == 0 &&
        /* Each run sits in a savepoint; its sub-journal in memory, not in a temp file. */
        db_exec(db, "PRAGMA temp_store=MEMORY", path, err, errlen) == 0 &&
        /* Checkpoint every 40 MB of WAL instead of 4 MB: a tenth of the checkpoints' syncs,
         * which were a third of the writer's time in a sweep of short runs. */
        db_exec(db, "PRAGMA wal_autocheckpoint=10000", path, err, errlen) == 0 &&
        remember(db, fd, path) == 0)
        return db;
    sqlite3_close(db);
    /* A database this call created and could not set up is removed, not left as an empty file. */
    if (created) remove_created(path);
    close(fd);
    return NULL;
}

sqlite3 *db_open(const char *path, enum db_mode mode, char *err, size_t errlen)
{
    if (db_path_check(path, err, errlen) != 0) return NULL;
    if (mode == DB_WRITE) return open_write(path, err, errlen);
    sqlite3 *db = mode == DB_READ ? open_read(path, err, errlen) : open_read_unchecked(path, err, errlen);
    if (db && remember(db, -1, path) != 0) {
        sqlite3_close(db);
        snprintf(err, errlen, "%s: too many open databases", path);
        return NULL;
    }
    return db;
}

void db_close(sqlite3 *db)
{
    int fd = -1;
    for (int i = 0; i < DB_OPEN_MAX; i++)
        if (db && open_dbs[i].db == db) {
            fd = open_dbs[i].lock_fd;
            free(open_dbs[i].path);
            open_dbs[i].db = NULL;
            open_dbs[i].path = NULL;
        }
    sqlite3_close(db);
    if (fd >= 0) close(fd);
}
