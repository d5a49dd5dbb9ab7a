/* Baselines: the manifest (counts and a checksum over every row), its check when a baseline is
 * opened, and loading a text dump into memory under an authorizer so it can only insert rows. */
#include "baseline.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "db.h"
#include "infile.h"
#include "rng.h"

#define DUMP_MAX_BYTES (256u << 20)

struct schema;
static int  schema_load(struct schema *s, char *err, size_t errlen);
static void schema_free(struct schema *s);

static const char manifest_sql[] =
    "CREATE TABLE baseline_manifest (runs INTEGER NOT NULL, points INTEGER NOT NULL, seeds INTEGER NOT NULL,"
    " param_rows INTEGER NOT NULL, metric_rows INTEGER NOT NULL, checksum TEXT NOT NULL)";

/* Each value hashed with its type, numbers as their exact bits, texts with their length. */
static uint64_t hash_row(uint64_t h, sqlite3_stmt *st)
{
    for (int c = 0; c < sqlite3_column_count(st); c++) {
        unsigned char type = (unsigned char)sqlite3_column_type(st, c);
        h = rng_fnv1a(h, &type, 1);
        if (type == SQLITE_INTEGER) {
            int64_t v = sqlite3_column_int64(st, c);
            h = rng_fnv1a(h, &v, sizeof v);
        } else if (type == SQLITE_FLOAT) {
            double v = sqlite3_column_double(st, c);
            h = rng_fnv1a(h, &v, sizeof v);
        } else if (type != SQLITE_NULL) {
            const void *p = type == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, c) : sqlite3_column_blob(st, c);
            int64_t n = sqlite3_column_bytes(st, c);
            h = rng_fnv1a(h, &n, sizeof n);
            h = rng_fnv1a(h, p, (size_t)n);
        }
    }
    return h;
}

int baseline_seal(sqlite3 *db, const char *label, struct baseline_manifest *m, char *err, size_t errlen)
{
    if (baseline_measure(db, label, m, err, errlen) != 0) return -1;
    char sql[512];
    snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; DROP TABLE IF EXISTS baseline_manifest; %s;"
             " INSERT INTO baseline_manifest VALUES (%lld, %lld, %lld, %lld, %lld, '%016llx'); COMMIT",
             manifest_sql, (long long)m->runs, (long long)m->points, (long long)m->seeds, (long long)m->param_rows,
             (long long)m->metric_rows, (unsigned long long)m->checksum);
    if (db_exec(db, sql, label, err, errlen) != 0) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return -1;
    }
    return 0;
}

/* Compares the content with the manifest the baseline carries. */
static int check_manifest(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    int64_t has = 0;
    if (db_query_int64(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'baseline_manifest'",
                       &has, path, err, errlen) != 0) return -1;
    if (has && db_query_int64(db, "SELECT count(*) FROM baseline_manifest", &has, path, err, errlen) != 0) return -1;
    if (!has) {
        snprintf(err, errlen, "%s: no baseline manifest, so it cannot be checked for damage (a results database "
                 "becomes a baseline with `ratelab baseline DB`)", path);
        return -1;
    }
    sqlite3_stmt *st;
    if (db_prepare(db, "SELECT runs, points, seeds, param_rows, metric_rows, checksum FROM baseline_manifest",
                   &st, path, err, errlen) != 0) return -1;
    struct baseline_manifest want = { 0 };
    int r = db_step(st, path, err, errlen), rows = 0;
    char sum[32] = "";
    for (; r == 1; r = db_step(st, path, err, errlen), rows++) {
        want.runs = sqlite3_column_int64(st, 0);
        want.points = sqlite3_column_int64(st, 1);
        want.seeds = sqlite3_column_int64(st, 2);
        want.param_rows = sqlite3_column_int64(st, 3);
        want.metric_rows = sqlite3_column_int64(st, 4);
        snprintf(sum, sizeof sum, "%s", sqlite3_column_text(st, 5) ? (const char *)sqlite3_column_text(st, 5) : "");
    }
    sqlite3_finalize(st);
    if (r < 0) return -1;
    if (rows != 1) { snprintf(err, errlen, "%s: damaged baseline manifest (%d rows, not 1)", path, rows); return -1; }
    struct baseline_manifest got;
    if (baseline_measure(db, path, &got, err, errlen) != 0) return -1;
    char have[32];
    snprintf(have, sizeof have, "%016llx", (unsigned long long)got.checksum);
    if (got.runs == want.runs && got.points == want.points && got.seeds == want.seeds &&
        got.param_rows == want.param_rows && got.metric_rows == want.metric_rows && !strcmp(have, sum))
        return 0;
    snprintf(err, errlen, "%s: does not match its manifest: %lld runs, %lld points, %lld seeds, %lld params rows, "
             "%lld metric rows, checksum %s; the manifest says %lld, %lld, %lld, %lld, %lld, %s (damaged, cut short or "
             "changed after `ratelab baseline`)", path, (long long)got.runs, (long long)got.points, (long long)got.seeds,
             (long long)got.param_rows, (long long)got.metric_rows, have, (long long)want.runs, (long long)want.points,
             (long long)want.seeds, (long long)want.param_rows, (long long)want.metric_rows, sum);
    return -1;
}

/* ---- loading a dump ---- */

struct names { char **v; size_t n; };

static int names_has(const struct names *s, const char *name)
{
    for (size_t i = 0; name && i < s->n; i++) if (!strcmp(s->v[i], name)) return 1;
    return 0;
}

static void names_free(struct names *s)
{
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

/* The objects of this build's schema, each kind apart, from a scratch database that ran it. */
struct schema { struct names tables, indexes, views; sqlite3 *ref; };

static int schema_load(struct schema *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (sqlite3_open_v2(":memory:", &s->ref, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK ||
        db_exec(s->ref, db_schema_sql, "schema", err, errlen) != 0 || db_exec(s->ref, manifest_sql, "schema", err, errlen) != 0)
        return -1;
    sqlite3_stmt *st;
    if (db_prepare(s->ref, "SELECT type, name FROM sqlite_schema WHERE sql IS NOT NULL", &st, "schema", err, errlen) != 0)
        return -1;
    int r;
    while ((r = db_step(st, "schema", err, errlen)) == 1) {
        const char *type = (const char *)sqlite3_column_text(st, 0);
        struct names *n = !strcmp(type, "table") ? &s->tables : !strcmp(type, "index") ? &s->indexes : &s->views;
        char **v = realloc(n->v, (n->n + 1) * sizeof *v);
        if (!v) { r = -1; snprintf(err, errlen, "out of memory"); break; }
        n->v = v;
        if (!(n->v[n->n] = strdup((const char *)sqlite3_column_text(st, 1)))) { r = -1; snprintf(err, errlen, "out of memory"); break; }
        n->n++;
    }
    sqlite3_finalize(st);
    return r < 0 ? -1 : 0;
}

static void schema_free(struct schema *s)
{
    names_free(&s->tables);
    names_free(&s->indexes);
    names_free(&s->views);
    sqlite3_close(s->ref);
    s->ref = NULL;
}

/* Every row of every table of this build's schema (but the manifest), each table's rows in the
 * order of all its columns, so the checksum depends on the content, not on how it is stored. */
int baseline_measure(sqlite3 *db, const char *label, struct baseline_manifest *m, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    struct schema s;
    if (schema_load(&s, err, errlen) != 0) { schema_free(&s); return -1; }
    uint64_t h = RNG_FNV1A_INIT;
    int rc = 0;
    for (size_t t = 0; t < s.tables.n && rc == 0; t++) {
        const char *name = s.tables.v[t];
        if (!strcmp(name, "baseline_manifest")) continue;
        char sql[256];
        sqlite3_stmt *st;
        snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", name);
        if (db_prepare(db, sql, &st, label, err, errlen) != 0) { rc = -1; break; }
        int cols = sqlite3_column_count(st);
        sqlite3_finalize(st);
        size_t o = (size_t)snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY ", name);
        for (int c = 1; c <= cols && o < sizeof sql; c++) o += (size_t)snprintf(sql + o, sizeof sql - o, "%s%d", c > 1 ? "," : "", c);
        if (db_prepare(db, sql, &st, label, err, errlen) != 0) { rc = -1; break; }
        int r;
        h = rng_fnv1a(h, name, strlen(name) + 1);    /* rows cannot move between tables unnoticed */
        while ((r = db_step(st, label, err, errlen)) == 1) h = hash_row(h, st);
        sqlite3_finalize(st);
        if (r < 0) rc = -1;
    }
    schema_free(&s);
    if (rc != 0) return -1;
    m->checksum = h;
    if (db_query_int64(db, "SELECT count(*) FROM runs", &m->runs, label, err, errlen) != 0 ||
        db_query_int64(db, "SELECT count(*) FROM (SELECT DISTINCT experiment, scenario, code_version, point FROM runs)",
                       &m->points, label, err, errlen) != 0 ||
        db_query_int64(db, "SELECT count(DISTINCT seed) FROM runs", &m->seeds, label, err, errlen) != 0 ||
        db_query_int64(db, "SELECT count(*) FROM params", &m->param_rows, label, err, errlen) != 0 ||
        db_query_int64(db, "SELECT count(*) FROM metrics", &m->metric_rows, label, err, errlen) != 0)
        return -1;
    return 0;
}

/* Runs this build's CREATE statements of one kind from the scratch database in db. */
static int create_kind(struct schema *s, sqlite3 *db, const char *type, const char *label, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (db_prepare(s->ref, "SELECT sql FROM sqlite_schema WHERE type = ?1 AND sql IS NOT NULL ORDER BY rowid",
                   &st, "schema", err, errlen) != 0) return -1;
    sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
    int r;
    while ((r = db_step(st, "schema", err, errlen)) == 1)
        if (db_exec(db, (const char *)sqlite3_column_text(st, 0), label, err, errlen) != 0) { r = -1; break; }
    sqlite3_finalize(st);
    return r < 0 ? -1 : 0;
}

struct auth { const struct schema *s; const char *refused; char what[160]; };

/* The dump may insert rows into this build's tables, set user_version and run its transaction;
 * its CREATE statements for this build's objects are skipped (SQLITE_IGNORE), since the trusted
 * schema is already in place.  Everything else is refused and named. */
static int authorize(void *vctx, int action, const char *a1, const char *a2, const char *db_name, const char *trigger)
{
    struct auth *c = vctx;
    (void)db_name;
    (void)trigger;
    switch (action) {
    case SQLITE_TRANSACTION:
        return SQLITE_OK;
    case SQLITE_INSERT:
        if (names_has(&c->s->tables, a1) || (a1 && !strcmp(a1, "sqlite_master"))) return SQLITE_OK;
        break;
    case SQLITE_CREATE_TABLE:
        if (names_has(&c->s->tables, a1)) return SQLITE_IGNORE;
        break;
    case SQLITE_CREATE_INDEX:
        if (names_has(&c->s->indexes, a1) && names_has(&c->s->tables, a2)) return SQLITE_IGNORE;
        break;
    case SQLITE_CREATE_VIEW:
        if (names_has(&c->s->views, a1)) return SQLITE_IGNORE;
        break;
    case SQLITE_PRAGMA:
        if (a1 && (!strcmp(a1, "user_version") || !strcmp(a1, "foreign_keys")) && a2) return SQLITE_OK;
        break;
    case SQLITE_FUNCTION:
        /* What `.dump` writes to spell texts with line breaks. */
        if (a2 && (!strcmp(a2, "replace") || !strcmp(a2, "char") || !strcmp(a2, "unistr"))) return SQLITE_OK;
        snprintf(c->what, sizeof c->what, "function %s()", a2 ? a2 : "?");
        c->refused = c->what;
        return SQLITE_DENY;
    }
    static const char *const verbs[] = {
        [SQLITE_INSERT] = "INSERT INTO", [SQLITE_CREATE_TABLE] = "CREATE TABLE", [SQLITE_CREATE_INDEX] = "CREATE INDEX",
        [SQLITE_CREATE_VIEW] = "CREATE VIEW", [SQLITE_PRAGMA] = "PRAGMA", [SQLITE_ATTACH] = "ATTACH",
        [SQLITE_CREATE_TRIGGER] = "CREATE TRIGGER", [SQLITE_CREATE_TEMP_TRIGGER] = "CREATE TRIGGER",
        [SQLITE_CREATE_TEMP_TABLE] = "CREATE TEMP TABLE", [SQLITE_CREATE_TEMP_VIEW] = "CREATE TEMP VIEW",
        [SQLITE_CREATE_TEMP_INDEX] = "CREATE INDEX", [SQLITE_DELETE] = "DELETE FROM", [SQLITE_UPDATE] = "UPDATE",
        [SQLITE_DROP_TABLE] = "DROP TABLE", [SQLITE_DROP_INDEX] = "DROP INDEX", [SQLITE_DROP_VIEW] = "DROP VIEW",
        [SQLITE_DROP_TRIGGER] = "DROP TRIGGER", [SQLITE_SELECT] = "SELECT", [SQLITE_READ] = "reading",
        [SQLITE_DETACH] = "DETACH", [SQLITE_ALTER_TABLE] = "ALTER TABLE", [SQLITE_REINDEX] = "REINDEX",
        [SQLITE_ANALYZE] = "ANALYZE", [SQLITE_CREATE_VTABLE] = "CREATE VIRTUAL TABLE", [SQLITE_SAVEPOINT] = "SAVEPOINT",
        [SQLITE_RECURSIVE] = "a recursive query",
    };
    const char *v = action >= 0 && action < (int)(sizeof verbs / sizeof verbs[0]) ? verbs[action] : NULL;
    int named = a1 && action != SQLITE_SAVEPOINT;
    if (v) snprintf(c->what, sizeof c->what, "%s%s%s", v, named ? " " : "", named ? a1 : "");
    else snprintf(c->what, sizeof c->what, "a statement (authorizer action %d)", action);
    c->refused = c->what;
    return SQLITE_DENY;
}

/* Executes the dump one statement at a time, so an error names its line. */
static int run_dump(sqlite3 *db, const char *text, const char *path, struct auth *a, char *err, size_t errlen)
{
    int line = 1;
    const char *p = text;
    while (*p) {
        sqlite3_stmt *st = NULL;
        const char *tail = NULL;
        a->refused = NULL;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') line += *p++ == '\n';
        if (!*p) break;
        int rc = sqlite3_prepare_v2(db, p, -1, &st, &tail);
        if (rc == SQLITE_OK && st) {
            while ((rc = sqlite3_step(st)) == SQLITE_ROW) { }
            if (rc == SQLITE_DONE) rc = SQLITE_OK;
        }
        if (rc != SQLITE_OK) {
            if (a->refused)
                snprintf(err, errlen, "%s:%d: refused %s: a baseline dump may only create this build's tables and "
                         "insert rows into them", path, line, a->refused);
            else snprintf(err, errlen, "%s:%d: %s", path, line, sqlite3_errmsg(db));
            sqlite3_finalize(st);
            return -1;
        }
        sqlite3_finalize(st);
        if (!tail || tail == p) break;
        for (; p < tail; p++) line += *p == '\n';
    }
    return 0;
}

sqlite3 *baseline_load_dump(const char *path, char *err, size_t errlen)
{
    char *text;
    size_t len;
    if (infile_read(path, "baseline dump", DUMP_MAX_BYTES, &text, &len, err, errlen) != 0) return NULL;
    const char *nul = memchr(text, 0, len);
    if (nul) {
        int line = 1;
        for (const char *p = text; p < nul; p++) line += *p == '\n';
        snprintf(err, errlen, "%s:%d: NUL byte (a baseline dump is SQL text)", path, line);
        free(text);
        return NULL;
    }
    struct schema s;
    sqlite3 *db = NULL;
    int ok = schema_load(&s, err, errlen) == 0 &&
             sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) == SQLITE_OK;
    if (ok) {
        /* Belt and braces under the authorizer: no extensions, no triggers, no schema writes. */
        sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
        sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
        sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
        sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
        sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
        ok = create_kind(&s, db, "table", path, err, errlen) == 0 &&
             db_exec(db, "PRAGMA user_version = 0", path, err, errlen) == 0;
    } else if (!err[0]) snprintf(err, errlen, "%s: cannot open an in-memory database", path);
    struct auth a = { .s = &s };
    if (ok) {
        sqlite3_set_authorizer(db, authorize, &a);
        ok = run_dump(db, text, path, &a, err, errlen) == 0;
        sqlite3_set_authorizer(db, NULL, NULL);
    }
    if (ok && !sqlite3_get_autocommit(db)) {
        snprintf(err, errlen, "%s: the dump ends inside its transaction, before COMMIT (cut short?)", path);
        ok = 0;
    }
    ok = ok && create_kind(&s, db, "index", path, err, errlen) == 0 && create_kind(&s, db, "view", path, err, errlen) == 0 &&
         db_check_version(db, "main", path, err, errlen) == 0;
    schema_free(&s);
    free(text);
    if (!ok) { sqlite3_close(db); return NULL; }
    return db;
}

static int is_sqlite_file(const char *path, int *yes, char *err, size_t errlen)
{
    int fd = infile_open(path, "baseline (a results database or its .sql dump)", err, errlen);
    if (fd < 0) return -1;
    char head[16] = { 0 };
    *yes = read(fd, head, 16) == 16 && !memcmp(head, "SQLite format 3", 16);
    close(fd);
    return 0;
}

sqlite3 *baseline_open(const char *path, char *err, size_t errlen)
{
    int is_db;
    if (is_sqlite_file(path, &is_db, err, errlen) != 0) return NULL;
    /* Structure first: db_open's DB_READ runs SQLite's integrity check, so a damaged page or
     * index is named before any row is trusted. */
    sqlite3 *db = is_db ? db_open(path, DB_READ, err, errlen) : baseline_load_dump(path, err, errlen);
    if (!db) return NULL;
    if (check_manifest(db, path, err, errlen) != 0) { db_close(db); return NULL; }
    return db;
}
