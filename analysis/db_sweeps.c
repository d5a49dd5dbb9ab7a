/* Sweeps in a results database: their records (grid points, shards), the one-shard-per-database
 * rule, and completeness reports computed from sweep_runs against n_points x n_seeds. */
#include "db_sweeps.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"

#define REPORT_SHARDS 4      /* incomplete shards named in a one-line report */
#define REPORT_POINTS 2      /* incomplete points named */
#define KEY_SHOWN     300    /* characters of a sweep key shown */

int db_record_sweep(sqlite3 *db, const char *sweep_key, const char *scenario, size_t n_points,
                    size_t n_seeds, db_point_label_fn label, void *label_ctx, int64_t *id,
                    char *err, size_t errlen)
{
    sqlite3_stmt *ins = NULL, *get = NULL, *pt = NULL;
    int rc = -1;
    if (db_exec(db, "BEGIN IMMEDIATE", NULL, err, errlen) != 0) return -1;
    if (db_prepare(db, "INSERT OR IGNORE INTO sweeps (sweep_key, scenario, n_points, n_seeds, created)"
                    " VALUES (?1, ?2, ?3, ?4, ?5)", &ins, NULL, err, errlen) != 0 ||
        db_prepare(db, "SELECT id, n_points, n_seeds FROM sweeps WHERE sweep_key = ?1", &get, NULL, err, errlen) != 0 ||
        db_prepare(db, "INSERT OR IGNORE INTO sweep_points VALUES (?1, ?2, ?3)", &pt, NULL, err, errlen) != 0)
        goto out;
    char now[40];
    db_iso_time(db_now_ms(), now, sizeof now);
    sqlite3_bind_text(ins, 1, sweep_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, scenario, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 3, (sqlite3_int64)n_points);
    sqlite3_bind_int64(ins, 4, (sqlite3_int64)n_seeds);
    sqlite3_bind_text(ins, 5, now, -1, SQLITE_STATIC);
    if (db_step(ins, NULL, err, errlen) != 0) goto out;
    int inserted = sqlite3_changes(db) > 0;
    sqlite3_bind_text(get, 1, sweep_key, -1, SQLITE_STATIC);
    if (db_step(get, NULL, err, errlen) != 1) goto out;
    *id = sqlite3_column_int64(get, 0);
    int64_t have_points = sqlite3_column_int64(get, 1), have_seeds = sqlite3_column_int64(get, 2);
    if (have_points != (int64_t)n_points || have_seeds != (int64_t)n_seeds) {
        /* Same flags, other grid: the experiment's checks changed between builds. */
        snprintf(err, errlen, "the database records this sweep with %lld points x %lld seeds, this build makes "
                 "%zu x %zu (the experiment's checks changed?): use another --db",
                 (long long)have_points, (long long)have_seeds, n_points, n_seeds);
        rc = 1;
        goto out;
    }
    for (size_t p = 0; inserted && p < n_points; p++) {
        char text[1024];
        label(label_ctx, p, text, sizeof text);
        sqlite3_bind_int64(pt, 1, *id);
        sqlite3_bind_int64(pt, 2, (sqlite3_int64)p);
        sqlite3_bind_text(pt, 3, text, -1, SQLITE_TRANSIENT);
        if (db_step(pt, NULL, err, errlen) != 0) goto out;
        sqlite3_reset(pt);
    }
    rc = 0;
out:
    sqlite3_finalize(ins);
    sqlite3_finalize(get);
    sqlite3_finalize(pt);
    if (rc == 0 && db_exec(db, "COMMIT", NULL, err, errlen) != 0) rc = -1;
    if (rc != 0) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static void shorten(char *buf, size_t len, const char *text)
{
    size_t l = strlen(text);
    if (l <= KEY_SHOWN) snprintf(buf, len, "%s", text);
    else snprintf(buf, len, "%.*s...", KEY_SHOWN, text);
}

int db_check_shard(sqlite3 *db, const char *path, const char *sweep_key, long index, long count,
                   char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (db_prepare(db, "SELECT s.sweep_key, h.shard_index, h.shard_count FROM shards h JOIN sweeps s ON s.id = h.sweep_id"
                    " WHERE s.sweep_key <> ?1 OR h.shard_index <> ?2 OR h.shard_count <> ?3 LIMIT 1", &st, NULL, err, errlen) != 0)
        return -1;
    sqlite3_bind_text(st, 1, sweep_key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, index);
    sqlite3_bind_int64(st, 3, count);
    int rc = db_step(st, NULL, err, errlen), verdict = rc < 0 ? -1 : 0;
    char key[KEY_SHOWN + 8];
    if (rc == 1) {
        const char *other = (const char *)sqlite3_column_text(st, 0);
        shorten(key, sizeof key, other);
        if (!strcmp(other, sweep_key))
            snprintf(err, errlen, "%s is the database of shard %lld/%lld of this sweep, not of shard %ld/%ld: use another --db",
                     path, (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2), index, count);
        else
            snprintf(err, errlen, "%s is the database of shard %lld/%lld of another sweep ('%s'), a stale shard file? "
                     "A shard database holds one shard of one sweep: remove it or use another --db", path,
                     (long long)sqlite3_column_int64(st, 1), (long long)sqlite3_column_int64(st, 2), key);
        verdict = 1;
    }
    sqlite3_finalize(st);
    if (verdict) return verdict;
    if (db_prepare(db, "SELECT sweep_key FROM sweeps WHERE sweep_key <> ?1 LIMIT 1", &st, NULL, err, errlen) != 0) return -1;
    sqlite3_bind_text(st, 1, sweep_key, -1, SQLITE_STATIC);
    rc = db_step(st, NULL, err, errlen);
    if (rc < 0) verdict = -1;
    if (rc == 1) {
        shorten(key, sizeof key, (const char *)sqlite3_column_text(st, 0));
        snprintf(err, errlen, "%s holds another sweep ('%s'); a shard database holds one shard of one sweep: "
                 "use another --db", path, key);
        verdict = 1;
    }
    sqlite3_finalize(st);
    return verdict;
}

int db_record_shard(sqlite3 *db, int64_t sweep_id, long index, long count, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (db_prepare(db, "INSERT OR IGNORE INTO shards VALUES (?1, ?2, ?3)", &st, NULL, err, errlen) != 0) return -1;
    sqlite3_bind_int64(st, 1, sweep_id);
    sqlite3_bind_int64(st, 2, index);
    sqlite3_bind_int64(st, 3, count);
    int rc = db_step(st, NULL, err, errlen) == 0 ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

int db_other_versions(sqlite3 *db, const char *sweep_key, const char *version, char *buf, size_t len,
                      char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int n = 0, r;
    size_t o = 0;
    if (len) buf[0] = 0;
    if (db_prepare(db, "SELECT DISTINCT r.code_version FROM sweeps s JOIN sweep_runs m ON m.sweep_id = s.id"
                       " JOIN runs r ON r.id = m.run_id WHERE s.sweep_key = ?1 AND r.code_version <> ?2 ORDER BY 1",
                   &st, NULL, err, errlen) != 0) return -1;
    sqlite3_bind_text(st, 1, sweep_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
    while ((r = db_step(st, NULL, err, errlen)) == 1) {
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", n ? ", " : "",
                              (const char *)sqlite3_column_text(st, 0));
        n++;
    }
    sqlite3_finalize(st);
    return r < 0 ? -1 : n;
}

/* ---- completeness ---- */

struct sweep_row { int64_t id, n_points, n_seeds; char *key; };

/* One (sweep, code version): the tasks stored, counted per shard and per point. */
struct tally {
    const struct sweep_row *sw;
    const char *version;          /* NULL: the sweep has no run at all */
    int64_t     total, done;
    int64_t     n_shards;         /* 0: not cut in shards (or cut several ways) */
    int64_t     own_shard;        /* >= 0: the database is this shard's; only its tasks count */
    int64_t    *shard_done;       /* per shard index */
    int64_t    *point_done;       /* seeds stored per point */
    int64_t    *point_want;       /* seeds expected per point (in own_shard's tasks, if set) */
};

static int64_t shard_expected(int64_t total, int64_t n, int64_t i) { return total / n + (i < total % n); }

static int load_sweeps(sqlite3 *db, const int64_t *only, size_t n_only, struct sweep_row **out, size_t *n_out,
                       char *err, size_t errlen)
{
    sqlite3_stmt *st;
    *out = NULL;
    *n_out = 0;
    if (db_prepare(db, "SELECT id, sweep_key, n_points, n_seeds FROM sweeps ORDER BY id", &st, NULL, err, errlen) != 0) return -1;
    size_t cap = 0;
    int rc;
    while ((rc = db_step(st, NULL, err, errlen)) == 1) {
        int64_t id = sqlite3_column_int64(st, 0);
        int want = n_only == 0;
        for (size_t i = 0; i < n_only && !want; i++) want = only[i] == id;
        if (!want) continue;
        if (*n_out == cap) {
            cap = cap ? 2 * cap : 8;
            struct sweep_row *q = realloc(*out, cap * sizeof *q);
            if (!q) { sqlite3_finalize(st); snprintf(err, errlen, "out of memory"); return -1; }
            *out = q;
        }
        struct sweep_row *s = &(*out)[(*n_out)++];
        s->id = id;
        s->key = strdup((const char *)sqlite3_column_text(st, 1));
        s->n_points = sqlite3_column_int64(st, 2);
        s->n_seeds = sqlite3_column_int64(st, 3);
        if (!s->key) { sqlite3_finalize(st); snprintf(err, errlen, "out of memory"); return -1; }
    }
    sqlite3_finalize(st);
    return rc == 0 ? 0 : -1;
}

/* The shard count the sweep was cut in (0 if none or several), and the shard whose database
 * this is (-1 unless the database records exactly one shard, of this sweep). */
static int shard_count(sqlite3 *db, int64_t sweep_id, int64_t *n, int64_t *own, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (db_prepare(db, "SELECT min(shard_count), max(shard_count), min(shard_index),"
                    " (SELECT count(*) FROM shards), count(*) FROM shards WHERE sweep_id = ?1", &st, NULL, err, errlen) != 0)
        return -1;
    sqlite3_bind_int64(st, 1, sweep_id);
    int rc = db_step(st, NULL, err, errlen);
    *n = rc == 1 && sqlite3_column_int64(st, 0) == sqlite3_column_int64(st, 1) ? sqlite3_column_int64(st, 0) : 0;
    *own = rc == 1 && sqlite3_column_int64(st, 3) == 1 && sqlite3_column_int64(st, 4) == 1
         ? sqlite3_column_int64(st, 2) : -1;
    sqlite3_finalize(st);
    return rc == 1 ? 0 : -1;
}

static void point_label(sqlite3 *db, int64_t sweep_id, int64_t point, char *buf, size_t len)
{
    sqlite3_stmt *st;
    snprintf(buf, len, "point %lld", (long long)point);
    if (sqlite3_prepare_v2(db, "SELECT label FROM sweep_points WHERE sweep_id = ?1 AND point_index = ?2", -1, &st,
                           NULL) != SQLITE_OK) return;
    sqlite3_bind_int64(st, 1, sweep_id);
    sqlite3_bind_int64(st, 2, point);
    char err[256];
    int r = db_step(st, NULL, err, sizeof err);
    if (r == 1) {
        const char *l = (const char *)sqlite3_column_text(st, 0);
        snprintf(buf, len, "%s", l && *l ? l : "the only point");
    } else if (r < 0) snprintf(buf, len, "point %lld (label unreadable: %s)", (long long)point, err);
    sqlite3_finalize(st);
}

static size_t put(char *buf, size_t len, size_t o, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static size_t put(char *buf, size_t len, size_t o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + (o < len ? o : len), o < len ? len - o : 0, fmt, ap);
    va_end(ap);
    return o + (n > 0 ? (size_t)n : 0);
}

/* "shard 1/4 (0 of 6 runs), ..." and "3 of 6 points lack runs, e.g. KEY=V (1 of 4 seeds)". */
static void describe_missing(sqlite3 *db, const struct tally *t, char *buf, size_t len)
{
    size_t o = 0;
    int64_t bad_shards = 0, shown = 0;
    for (int64_t i = 0; i < t->n_shards && t->own_shard < 0; i++) {
        int64_t want = shard_expected(t->total, t->n_shards, i);
        if (t->shard_done[i] >= want) continue;
        if (bad_shards++ == 0) o = put(buf, len, o, "missing from ");
        if (shown < REPORT_SHARDS) {
            o = put(buf, len, o, "%sshard %lld/%lld (%lld of %lld runs)", shown ? ", " : "", (long long)i,
                    (long long)t->n_shards, (long long)t->shard_done[i], (long long)want);
            shown++;
        }
    }
    if (bad_shards > shown) o = put(buf, len, o, " and %lld more shards", (long long)(bad_shards - shown));
    if (bad_shards) o = put(buf, len, o, "; ");
    int64_t bad_points = 0, points = 0;
    for (int64_t p = 0; p < t->sw->n_points; p++) {
        bad_points += t->point_done[p] < t->point_want[p];
        points += t->point_want[p] > 0;
    }
    o = put(buf, len, o, "%lld of %lld points lack runs", (long long)bad_points, (long long)points);
    shown = 0;
    for (int64_t p = 0; p < t->sw->n_points && shown < REPORT_POINTS; p++) {
        if (t->point_done[p] >= t->point_want[p]) continue;
        char label[512];
        point_label(db, t->sw->id, p, label, sizeof label);
        o = put(buf, len, o, "%s%s (%lld of %lld seeds)", shown ? ", " : ", e.g. ", label,
                (long long)t->point_done[p], (long long)t->point_want[p]);
        shown++;
    }
}

static void report(sqlite3 *db, const struct tally *t, int n_versions, enum db_report mode, const char *who, FILE *out)
{
    if (!out) return;
    char key[KEY_SHOWN + 8], ver[160] = "", missing[2048] = "";
    shorten(key, sizeof key, t->sw->key);
    int complete = t->done == t->total;
    if (!complete) describe_missing(db, t, missing, sizeof missing);
    char shard[64] = "";
    if (t->own_shard >= 0) snprintf(shard, sizeof shard, " shard %lld/%lld", (long long)t->own_shard, (long long)t->n_shards);
    if (mode == DB_REPORT_INCOMPLETE) {
        if (complete) return;
        if (n_versions > 1 && t->version) snprintf(ver, sizeof ver, " (code %s)", t->version);
        fprintf(out, "%s: sweep '%s'%s%s is incomplete: %lld of %lld runs; %s\n", who, key, shard, ver,
                (long long)t->done, (long long)t->total, missing);
        return;
    }
    if (t->own_shard >= 0)
        fprintf(out, "  code %s: the database of shard %lld/%lld: %lld/%lld runs, %s\n", t->version ? t->version : "-",
                (long long)t->own_shard, (long long)t->n_shards, (long long)t->done, (long long)t->total,
                complete ? "complete" : "incomplete");
    else
        fprintf(out, "  code %s: %lld/%lld runs (%lld points x %lld seeds), %s\n", t->version ? t->version : "-",
                (long long)t->done, (long long)t->total, (long long)t->sw->n_points, (long long)t->sw->n_seeds,
                complete ? "complete" : "incomplete");
    for (int64_t i = 0; i < t->n_shards && t->own_shard < 0; i++) {
        int64_t want = shard_expected(t->total, t->n_shards, i);
        fprintf(out, "    shard %lld/%lld: %lld/%lld runs%s\n", (long long)i, (long long)t->n_shards,
                (long long)t->shard_done[i], (long long)want, t->shard_done[i] < want ? "  (incomplete)" : "");
    }
    if (!complete) fprintf(out, "    %s\n", missing);
}

static void tally_reset(struct tally *t, const char *version)
{
    t->version = version;
    t->done = 0;
    if (t->n_shards) memset(t->shard_done, 0, (size_t)t->n_shards * sizeof *t->shard_done);
    memset(t->point_done, 0, (size_t)t->sw->n_points * sizeof *t->point_done);
}

/* Per code version of the sweep's runs (ordered by version, tasks distinct within a version). */
static int report_sweep(sqlite3 *db, const struct sweep_row *sw, enum db_report mode, const char *who, FILE *out,
                        int *incomplete, char *err, size_t errlen)
{
    struct tally t = { .sw = sw };
    int64_t all = sw->n_points * sw->n_seeds;
    if (shard_count(db, sw->id, &t.n_shards, &t.own_shard, err, errlen) != 0) return -1;
    if (t.n_shards == 0) t.own_shard = -1;
    sqlite3_stmt *nv = NULL, *st = NULL;
    int rc = -1, n_versions = 0;
    char *version = NULL;
    t.shard_done = calloc(t.n_shards ? (size_t)t.n_shards : 1, sizeof *t.shard_done);
    t.point_done = calloc(sw->n_points > 0 ? (size_t)sw->n_points : 1, sizeof *t.point_done);
    t.point_want = calloc(sw->n_points > 0 ? (size_t)sw->n_points : 1, sizeof *t.point_want);
    if (!t.shard_done || !t.point_done || !t.point_want) { snprintf(err, errlen, "out of memory"); goto out; }
    /* The tasks that count: all, or the database's own shard's (every N-th from its index). */
    int64_t first = t.own_shard >= 0 ? t.own_shard : 0, step_by = t.own_shard >= 0 ? t.n_shards : 1;
    for (int64_t k = first; k < all; k += step_by) { t.point_want[k % sw->n_points]++; t.total++; }
    if (db_prepare(db, "SELECT count(DISTINCT r.code_version) FROM sweep_runs m JOIN runs r ON r.id = m.run_id"
                    " WHERE m.sweep_id = ?1", &nv, NULL, err, errlen) != 0 ||
        db_prepare(db, "SELECT DISTINCT r.code_version, m.task FROM sweep_runs m JOIN runs r ON r.id = m.run_id"
                    " WHERE m.sweep_id = ?1 ORDER BY 1, 2", &st, NULL, err, errlen) != 0)
        goto out;
    sqlite3_bind_int64(nv, 1, sw->id);
    if (db_step(nv, NULL, err, errlen) != 1) goto out;
    n_versions = sqlite3_column_int(nv, 0);
    if (mode == DB_REPORT_ALL && out) fprintf(out, "sweep '%s'\n", sw->key);
    sqlite3_bind_int64(st, 1, sw->id);
    int step;
    while ((step = db_step(st, NULL, err, errlen)) == 1) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (!version || strcmp(version, v)) {
            if (version) {
                report(db, &t, n_versions, mode, who, out);
                *incomplete += t.done < t.total;
                free(version);
            }
            if (!(version = strdup(v))) { snprintf(err, errlen, "out of memory"); goto out; }
            tally_reset(&t, version);
        }
        int64_t task = sqlite3_column_int64(st, 1);
        if (task < 0 || task >= all) continue;   /* not a task of this grid */
        if (t.own_shard >= 0 && task % t.n_shards != t.own_shard) continue;
        t.done++;
        t.point_done[task % sw->n_points]++;
        if (t.n_shards) t.shard_done[task % t.n_shards]++;
    }
    if (step != 0) goto out;
    if (!version) tally_reset(&t, NULL);
    report(db, &t, n_versions, mode, who, out);
    *incomplete += t.done < t.total;
    rc = 0;
out:
    sqlite3_finalize(nv);
    sqlite3_finalize(st);
    free(version);
    free(t.shard_done);
    free(t.point_done);
    free(t.point_want);
    return rc;
}

int db_sweeps_report(sqlite3 *db, const int64_t *only, size_t n_only, enum db_report mode,
                     const char *who, FILE *out, char *err, size_t errlen)
{
    struct sweep_row *sw;
    size_t n;
    int incomplete = 0, rc = load_sweeps(db, only, n_only, &sw, &n, err, errlen);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (sw[i].n_points < 1 || sw[i].n_seeds < 1) continue;
        rc = report_sweep(db, &sw[i], mode, who, out, &incomplete, err, errlen);
    }
    for (size_t i = 0; i < n; i++) free(sw[i].key);
    free(sw);
    return rc == 0 ? incomplete : -1;
}

int db_sweeps_at_point(sqlite3 *db, const char *experiment, const char *scenario, const char *code_version,
                       const char *point, int64_t **ids, size_t *n, size_t *cap, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (db_prepare(db, "SELECT DISTINCT m.sweep_id FROM runs r JOIN sweep_runs m ON m.run_id = r.id WHERE r.experiment = ?1"
                       " AND r.scenario = ?2 AND r.code_version = ?3 AND r.point = ?4", &st, NULL, err, errlen) != 0)
        return -1;
    sqlite3_bind_text(st, 1, experiment, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, scenario, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, code_version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, point, -1, SQLITE_STATIC);
    int step;
    while ((step = db_step(st, NULL, err, errlen)) == 1) {
        int64_t id = sqlite3_column_int64(st, 0);
        size_t i = 0;
        while (i < *n && (*ids)[i] != id) i++;
        if (i < *n) continue;
        if (*n == *cap) {
            size_t c = *cap ? 2 * *cap : 8;
            int64_t *q = realloc(*ids, c * sizeof *q);
            if (!q) { sqlite3_finalize(st); snprintf(err, errlen, "out of memory"); return -1; }
            *ids = q;
            *cap = c;
        }
        (*ids)[(*n)++] = id;
    }
    sqlite3_finalize(st);
    return step == 0 ? 0 : -1;
}
