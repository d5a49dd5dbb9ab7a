/* Merging results databases: every input (and an existing output) checked first, the result built
 * in a temporary file beside the output (the old output's runs, then each input's new runs with
 * ids renumbered and sweeps mapped by key), the rules checked on it, then renamed into place. */
#include "db_merge.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "db.h"
#include "db_sweeps.h"

#define KEY_SHOWN 200

struct merge {
    const struct db_merge_opts *o;
    sqlite3    *tmp;
    char        tmp_path[PATH_MAX];
    char       *err;
    size_t      errlen;
    /* The shard identity of the first single-shard input, which the others must share. */
    char       *shard_key;
    long long   shard_index, shard_count;
    const char *shard_file;
    int         out_is_shard;      /* the existing output is one shard's database */
    int64_t    *sweeps;            /* output ids of the inputs' sweeps */
    size_t      n_sweeps, cap_sweeps;
};

static int fail(struct merge *m, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct merge *m, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->err, m->errlen, fmt, ap);
    va_end(ap);
    return rc;
}

static int stop_requested(void *ctx)
{
    const struct db_merge_opts *o = ctx;
    return o->stop && o->stop();
}

/* An SQLite failure on the temporary output: interrupted, or the system's fault (disk full). */
static int sql_fail(struct merge *m, const char *path)
{
    if (stop_requested((void *)m->o)) return fail(m, -1, "interrupted; nothing written");
    return fail(m, -1, "%s: %s", path, sqlite3_errmsg(m->tmp));
}

static int exec(struct merge *m, const char *sql, const char *path)
{
    return sqlite3_exec(m->tmp, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : sql_fail(m, path);
}

/* The first column of one row of the temporary output: 0, or -1 with the error (or the interruption). */
static int scalar(struct merge *m, const char *sql, int64_t *out, const char *path)
{
    return db_query_int64(m->tmp, sql, out, path, m->err, m->errlen) == 0 ? 0 : sql_fail(m, path);
}

/* A regular file, a results database of this schema version, and intact by SQLite's integrity
 * check (which reads every page): 0, 1 (bad input, err says why), -1 (interrupted). */
static int check_file(struct merge *m, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) return fail(m, 1, "%s: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode)) return fail(m, 1, "%s: not a regular file", path);
    char why[1024];
    sqlite3 *db = db_open(path, DB_READ_UNCHECKED, why, sizeof why);
    if (!db) return fail(m, 1, "%s", why);
    sqlite3_progress_handler(db, 1000, stop_requested, (void *)m->o);
    int rc = 0;
    if (db_check_intact(db, "integrity_check", path, why, sizeof why) != 0)
        rc = stop_requested((void *)m->o) ? fail(m, -1, "interrupted; nothing written") : fail(m, 1, "%s", why);
    db_close(db);
    return rc;
}

/* "c1, c2, ..." of a table, with `shift` added to column `id_col`; 0 or -1. */
static int column_list(struct merge *m, const char *table, const char *id_col, int64_t shift,
                       char *cols, char *exprs, size_t len)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->tmp, "SELECT name FROM pragma_table_info(?1, 'main')", -1, &st, NULL) != SQLITE_OK)
        return sql_fail(m, m->tmp_path);
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    size_t oc = 0, oe = 0;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(st, 0);
        const char *sep = oc ? ", " : "";
        oc += (size_t)snprintf(cols + oc, oc < len ? len - oc : 0, "%s\"%s\"", sep, c);
        if (!strcmp(c, id_col))
            oe += (size_t)snprintf(exprs + oe, oe < len ? len - oe : 0, "%s\"%s\" + %lld", sep, c, (long long)shift);
        else
            oe += (size_t)snprintf(exprs + oe, oe < len ? len - oe : 0, "%s\"%s\"", sep, c);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) return sql_fail(m, m->tmp_path);
    if (oc >= len || oe >= len) return fail(m, -1, "%s: too many columns", table);
    return 0;
}

/* Copies the rows of the input's new runs from one table keyed by `id_col`. */
static int copy_table(struct merge *m, const char *table, const char *id_col, int64_t shift, const char *path)
{
    char cols[4096], exprs[4096], sql[9000];
    if (column_list(m, table, id_col, shift, cols, exprs, sizeof cols) != 0) return -1;
    snprintf(sql, sizeof sql, "INSERT INTO main.\"%s\" (%s) SELECT %s FROM src.\"%s\""
             " WHERE \"%s\" IN (SELECT src_id FROM temp.run_map WHERE new)", table, cols, exprs, table, id_col);
    return exec(m, sql, path);
}

/* The shards table of the input: one row makes it a shard's database, whose identity every
 * other shard database among the inputs must share (a stale file of another sweep does not),
 * and which a shard's database as the output must match. */
static int check_shard_identity(struct merge *m, const char *path, int is_output)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->tmp, "SELECT s.sweep_key, h.shard_index, h.shard_count, (SELECT count(*) FROM src.shards)"
                                   " FROM src.shards h JOIN src.sweeps s ON s.id = h.sweep_id LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return fail(m, 1, "%s: %s", path, sqlite3_errmsg(m->tmp));
    int step = sqlite3_step(st), rc = 0;
    int single = step == SQLITE_ROW && sqlite3_column_int64(st, 3) == 1;
    if (step != SQLITE_ROW && step != SQLITE_DONE) rc = fail(m, 1, "%s: %s", path, sqlite3_errmsg(m->tmp));
    else if (is_output) {
        m->out_is_shard = single;
    } else if (m->out_is_shard && !(single && !strcmp(m->shard_key, (const char *)sqlite3_column_text(st, 0)) &&
                                    m->shard_index == sqlite3_column_int64(st, 1) &&
                                    m->shard_count == sqlite3_column_int64(st, 2))) {
        rc = fail(m, 1, "%s is the database of shard %lld/%lld of sweep '%.*s'; %s is not that shard: merge into "
                  "another file", m->shard_file, m->shard_index, m->shard_count, KEY_SHOWN, m->shard_key, path);
    } else if (single && m->shard_key && !m->out_is_shard &&
               (strcmp(m->shard_key, (const char *)sqlite3_column_text(st, 0)) ||
                m->shard_count != sqlite3_column_int64(st, 2))) {
        rc = fail(m, 1, "stale shard file? %s is shard %lld/%lld of sweep '%.*s', %s is shard %lld/%lld of sweep "
                  "'%.*s': merge the shards of one sweep at a time", m->shard_file, m->shard_index, m->shard_count,
                  KEY_SHOWN, m->shard_key, path, (long long)sqlite3_column_int64(st, 1),
                  (long long)sqlite3_column_int64(st, 2), KEY_SHOWN, (const char *)sqlite3_column_text(st, 0));
    }
    if (rc == 0 && single && !m->shard_key) {
        m->shard_key = strdup((const char *)sqlite3_column_text(st, 0));
        m->shard_index = sqlite3_column_int64(st, 1);
        m->shard_count = sqlite3_column_int64(st, 2);
        m->shard_file = path;
        if (!m->shard_key) rc = fail(m, -1, "out of memory");
    }
    sqlite3_finalize(st);
    return rc;
}

/* The output ids of the input's sweeps, remembered for the completeness report. */
static int note_sweeps(struct merge *m, const char *path)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->tmp, "SELECT out_id FROM temp.sweep_map", -1, &st, NULL) != SQLITE_OK)
        return sql_fail(m, path);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        size_t i = 0;
        while (i < m->n_sweeps && m->sweeps[i] != id) i++;
        if (i < m->n_sweeps) continue;
        if (m->n_sweeps == m->cap_sweeps) {
            size_t cap = m->cap_sweeps ? 2 * m->cap_sweeps : 16;
            int64_t *q = realloc(m->sweeps, cap * sizeof *q);
            if (!q) { sqlite3_finalize(st); return fail(m, -1, "out of memory"); }
            m->sweeps = q;
            m->cap_sweeps = cap;
        }
        m->sweeps[m->n_sweeps++] = id;
    }
    sqlite3_finalize(st);
    return step == SQLITE_DONE ? 0 : sql_fail(m, path);
}

/* A sweep recorded in two databases with different grids cannot be one sweep. */
static int check_grids(struct merge *m, const char *path)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->tmp, "SELECT s.sweep_key, s.n_points, s.n_seeds, o.n_points, o.n_seeds FROM src.sweeps s"
                                   " JOIN main.sweeps o ON o.sweep_key = s.sweep_key"
                                   " WHERE o.n_points <> s.n_points OR o.n_seeds <> s.n_seeds LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(m, path);
    int step = sqlite3_step(st), rc = 0;
    if (step == SQLITE_ROW)
        rc = fail(m, 1, "%s: sweep '%.*s' has %lld points x %lld seeds there but %lld x %lld in the other inputs "
                  "(built by code whose checks differ?)", path, KEY_SHOWN, (const char *)sqlite3_column_text(st, 0),
                  (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2),
                  (long long)sqlite3_column_int64(st, 3), (long long)sqlite3_column_int64(st, 4));
    else if (step != SQLITE_DONE) rc = sql_fail(m, path);
    sqlite3_finalize(st);
    return rc;
}

/* The tables with a run_id column besides sweep_runs: every table of a run's rows, including
 * ones a later schema adds. */
static int child_tables(struct merge *m, char names[][64], size_t max, size_t *n)
{
    sqlite3_stmt *st;
    *n = 0;
    if (sqlite3_prepare_v2(m->tmp, "SELECT t.name FROM sqlite_schema t WHERE t.type = 'table' AND t.name <> 'sweep_runs'"
                                   " AND EXISTS (SELECT 1 FROM pragma_table_info(t.name) c WHERE c.name = 'run_id')"
                                   " ORDER BY t.name", -1, &st, NULL) != SQLITE_OK)
        return sql_fail(m, m->tmp_path);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && *n < max)
        snprintf(names[(*n)++], 64, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return step == SQLITE_DONE || step == SQLITE_ROW ? 0 : sql_fail(m, m->tmp_path);
}

/* Copies one database into the temporary output: its sweeps (mapped by key), then its runs
 * whose key is new, ids shifted past the output's largest, with their rows and memberships. */
static int merge_one(struct merge *m, const char *path, int is_output, struct db_merge_stats *st)
{
    /* Read-only inputs (file, directory, mount) are attached read-only, as readers open them. */
    if (db_attach(m->tmp, path, "src", m->err, m->errlen) != 0) return 1;
    int rc = db_check_version(m->tmp, "src", path, m->err, m->errlen) != 0 ? 1 : 0;
    if (rc == 0) rc = check_shard_identity(m, path, is_output);
    if (rc == 0) rc = check_grids(m, path);
    if (rc == 0) rc = exec(m, "BEGIN", path);
    int64_t shift = 0;
    if (rc == 0) rc = scalar(m, "SELECT coalesce(max(id), 0) FROM main.runs", &shift, path);
    char shift_sql[512];
    snprintf(shift_sql, sizeof shift_sql,
             "INSERT INTO temp.run_map SELECT s.id, coalesce(o.id, s.id + %lld), o.id IS NULL"
             " FROM src.runs s LEFT JOIN main.runs o ON o.run_key = s.run_key", (long long)shift);
    if (rc == 0)
        rc = exec(m, "INSERT OR IGNORE INTO main.sweeps (sweep_key, scenario, n_points, n_seeds, created)"
                     " SELECT sweep_key, scenario, n_points, n_seeds, created FROM src.sweeps ORDER BY id;"
                     "CREATE TEMP TABLE sweep_map AS SELECT s.id AS src_id, o.id AS out_id FROM src.sweeps s"
                     " JOIN main.sweeps o ON o.sweep_key = s.sweep_key;"
                     "INSERT OR IGNORE INTO main.sweep_points SELECT map.out_id, p.point_index, p.label"
                     " FROM src.sweep_points p JOIN temp.sweep_map map ON map.src_id = p.sweep_id;"
                     "INSERT OR IGNORE INTO main.shards SELECT map.out_id, h.shard_index, h.shard_count"
                     " FROM src.shards h JOIN temp.sweep_map map ON map.src_id = h.sweep_id;"
                     "CREATE TEMP TABLE run_map (src_id INTEGER PRIMARY KEY, out_id INTEGER NOT NULL, new INTEGER NOT NULL);",
                     path);
    if (rc == 0) rc = exec(m, shift_sql, path);
    if (rc == 0) rc = copy_table(m, "runs", "id", shift, path);
    char tables[32][64];
    size_t n_tables = 0;
    if (rc == 0) rc = child_tables(m, tables, 32, &n_tables);
    for (size_t i = 0; rc == 0 && i < n_tables; i++) rc = copy_table(m, tables[i], "run_id", shift, path);
    if (rc == 0)
        rc = exec(m, "INSERT OR IGNORE INTO main.sweep_runs SELECT sm.out_id, r.task, rm.out_id FROM src.sweep_runs r"
                     " JOIN temp.sweep_map sm ON sm.src_id = r.sweep_id JOIN temp.run_map rm ON rm.src_id = r.run_id",
                     path);
    if (rc == 0 && !is_output) rc = note_sweeps(m, path);
    if (rc == 0) {
        int64_t added = 0, total = 0;
        rc = scalar(m, "SELECT count(*) FROM temp.run_map WHERE new", &added, path);
        if (rc == 0) rc = scalar(m, "SELECT count(*) FROM temp.run_map", &total, path);
        if (rc == 0) rc = exec(m, "COMMIT", path);
        if (rc == 0 && !is_output) { st->added += added; st->duplicates += total - added; }
    }
    if (rc != 0) sqlite3_exec(m->tmp, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_exec(m->tmp, "DROP TABLE IF EXISTS temp.sweep_map; DROP TABLE IF EXISTS temp.run_map", NULL, NULL, NULL);
    sqlite3_exec(m->tmp, "DETACH DATABASE src", NULL, NULL, NULL);
    return rc;
}

static int check_mixed(struct merge *m)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(m->tmp, "SELECT s.sweep_key, group_concat(DISTINCT r.code_version), count(DISTINCT r.code_version)"
                                   " FROM sweep_runs x JOIN sweeps s ON s.id = x.sweep_id JOIN runs r ON r.id = x.run_id"
                                   " GROUP BY s.id HAVING count(DISTINCT r.code_version) > 1 LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(m, m->tmp_path);
    int step = sqlite3_step(st), rc = 0;
    if (step == SQLITE_ROW)
        rc = fail(m, 1, "sweep '%.*s' has runs of %d code versions (%.200s); merging them needs --allow-mixed-versions",
                  KEY_SHOWN, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int(st, 2),
                  (const char *)sqlite3_column_text(st, 1));
    else if (step != SQLITE_DONE) rc = sql_fail(m, m->tmp_path);
    sqlite3_finalize(st);
    return rc;
}

/* The finished temporary file becomes the output: rollback-journal mode (a plain file that can
 * live on a network filesystem), synced, then renamed over the output and the directory synced,
 * so a crash leaves either the old output or the whole new one. */
static int install(struct merge *m, const char *out_path, const struct stat *before, int out_existed)
{
    if (exec(m, "PRAGMA journal_mode=DELETE", m->tmp_path) != 0) return -1;
    if (sqlite3_close(m->tmp) != SQLITE_OK) return fail(m, -1, "%s: cannot close (%s)", m->tmp_path, sqlite3_errmsg(m->tmp));
    m->tmp = NULL;
    int fd = open(m->tmp_path, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        return fail(m, -1, "%s: %s", m->tmp_path, strerror(e));
    }
    close(fd);
    /* Nobody may have written the output meanwhile, nor hold it open with a write-ahead log,
     * which would be paired with the new file. */
    struct stat now;
    char wal[PATH_MAX + 8];
    snprintf(wal, sizeof wal, "%s-wal", out_path);
    int exists = stat(out_path, &now) == 0;
    if (exists != out_existed || (exists && (now.st_ino != before->st_ino || now.st_size != before->st_size ||
                                             now.st_mtim.tv_sec != before->st_mtim.tv_sec ||
                                             now.st_mtim.tv_nsec != before->st_mtim.tv_nsec)))
        return fail(m, 1, "%s changed while merging (another process writes it?); nothing written", out_path);
    struct stat ws;
    if (stat(wal, &ws) == 0 && ws.st_size > 0)
        return fail(m, 1, "%s is open in another process (it has a write-ahead log); nothing written", out_path);
    if (rename(m->tmp_path, out_path) != 0) return fail(m, -1, "%s: cannot rename into place: %s", out_path, strerror(errno));
    m->tmp_path[0] = 0;
    char dir[PATH_MAX];
    const char *slash = strrchr(out_path, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - out_path) + (slash == out_path) : 1, slash ? out_path : ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) { fsync(dfd); close(dfd); }
    return 0;
}

/* The mode a new file gets (0666 less the umask), or the existing output's. */
static mode_t output_mode(const char *out_path)
{
    struct stat sb;
    if (stat(out_path, &sb) == 0) return sb.st_mode & 07777;
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

static int make_temp(struct merge *m, const char *out_path)
{
    const char *slash = strrchr(out_path, '/');
    int dl = slash ? (int)(slash - out_path) + 1 : 0;
    snprintf(m->tmp_path, sizeof m->tmp_path, "%.*s.%s.merge-XXXXXX", dl, out_path, slash ? slash + 1 : out_path);
    int fd = mkstemp(m->tmp_path);
    if (fd < 0) {
        int e = errno;
        m->tmp_path[0] = 0;
        return fail(m, e == ENOENT || e == ENOTDIR || e == EACCES || e == EROFS ? 1 : -1,
                    "%s: cannot create a file beside it (%s)", out_path, strerror(e));
    }
    fchmod(fd, output_mode(out_path));
    close(fd);
    if (sqlite3_open_v2(m->tmp_path, &m->tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_URI, NULL) != SQLITE_OK)
        return fail(m, -1, "%s: %s", m->tmp_path, m->tmp ? sqlite3_errmsg(m->tmp) : "out of memory");
    sqlite3_progress_handler(m->tmp, 1000, stop_requested, (void *)m->o);
    /* No journal: on any failure the whole file is thrown away. */
    if (exec(m, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY", m->tmp_path) != 0)
        return -1;
    if (db_create_schema(m->tmp, m->tmp_path, m->err, m->errlen) != 0) return -1;
    return 0;
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int db_merge_files(const char *out_path, const char *const *inputs, size_t n_inputs,
                   const struct db_merge_opts *o, struct db_merge_stats *st, char *err, size_t errlen)
{
    struct merge m = { .o = o, .err = err, .errlen = errlen };
    memset(st, 0, sizeof *st);
    struct stat before;
    int out_existed = stat(out_path, &before) == 0, rc = 0;
    for (size_t i = 0; rc == 0 && i < n_inputs; i++)
        if (out_existed && same_file(inputs[i], out_path)) rc = fail(&m, 1, "%s is both the output and an input", inputs[i]);
    size_t steps = 2 * n_inputs + (size_t)(2 * out_existed), step = 0;
#define STEP_DONE() do { if (o->progress) o->progress(o->progress_ctx, ++step, steps); } while (0)
    /* Everything is checked before anything is written. */
    if (rc == 0 && out_existed && (rc = check_file(&m, out_path)) == 0) STEP_DONE();
    for (size_t i = 0; rc == 0 && i < n_inputs; i++)
        if ((rc = check_file(&m, inputs[i])) == 0) STEP_DONE();
    if (rc == 0) rc = make_temp(&m, out_path);
    if (rc == 0 && out_existed) {
        struct db_merge_stats ignore = { 0 };
        rc = merge_one(&m, out_path, 1, &ignore);
        /* From here on the output is not ours to touch: any change is another process's. */
        if (rc == 0 && stat(out_path, &before) != 0) rc = fail(&m, 1, "%s: %s", out_path, strerror(errno));
        if (rc == 0) STEP_DONE();
    }
    for (size_t i = 0; rc == 0 && i < n_inputs; i++)
        if ((rc = merge_one(&m, inputs[i], 0, st)) == 0) STEP_DONE();
#undef STEP_DONE
    if (rc == 0 && !o->allow_mixed) rc = check_mixed(&m);
    if (rc == 0 && m.n_sweeps) {
        int n = db_sweeps_report(m.tmp, m.sweeps, m.n_sweeps, DB_REPORT_INCOMPLETE, o->who, o->report, err, errlen);
        if (n < 0) rc = -1;
        else st->incomplete = n;
        if (n > 0 && o->require_complete)
            rc = fail(&m, 1, "%d sweep%s incomplete (--require-complete); nothing written", n, n == 1 ? " is" : "s are");
    }
    if (rc == 0) rc = install(&m, out_path, &before, out_existed);
    if (m.tmp) sqlite3_close(m.tmp);
    if (m.tmp_path[0]) unlink(m.tmp_path);
    free(m.shard_key);
    free(m.sweeps);
    return rc;
}
