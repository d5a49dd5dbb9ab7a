/* Figure data: the parameter points of a database (one representative run each, for its
 * parameters), the --where selection over them, and per-point statistics from the view. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "experiment.h"
#include "fig_internal.h"
#include "where.h"

int fig_empty(struct fig_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    return FIG_EMPTY;
}

int fig_bad(struct fig_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    return FIG_BADINPUT;
}

static char *dup_col(sqlite3_stmt *st, int col)
{
    const char *s = (const char *)sqlite3_column_text(st, col);
    return strdup(s ? s : "");
}

static int key_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorts the keys and drops repeats. */
static void compact_keys(struct fig_ctx *c)
{
    if (c->n_keys < 2) return;
    qsort(c->keys, c->n_keys, sizeof *c->keys, key_cmp);
    size_t o = 1;
    for (size_t i = 1; i < c->n_keys; i++) {
        if (!strcmp(c->keys[i], c->keys[o - 1])) free(c->keys[i]);
        else c->keys[o++] = c->keys[i];
    }
    c->n_keys = o;
}

/* Keys are appended, and sorted and made unique whenever the array is full (its capacity is the
 * next power of two), so collecting them stays O(n log n): a linear check per key made a
 * database with 100 000 keys take half a minute. */
static int add_key(struct fig_ctx *c, const char *key)
{
    size_t n = c->n_keys;
    if (n >= 16 && !(n & (n - 1))) {
        compact_keys(c);
        n = c->n_keys;
    }
    if (n == 0 || (n >= 16 && !(n & (n - 1)))) {
        char **k = realloc(c->keys, (n ? 2 * n : 16) * sizeof *k);
        if (!k) return -1;
        c->keys = k;
    }
    if (!(c->keys[n] = strdup(key))) return -1;
    c->n_keys = n + 1;
    return 0;
}

static int add_key_cb(void *c, const char *key) { return add_key(c, key); }

/* FIG_OK, FIG_ERROR (memory) or FIG_BADINPUT (the database, c->err set). */
static int load_params(struct fig_ctx *c, sqlite3_stmt *st, struct fig_point *p)
{
    sqlite3_bind_int64(st, 1, p->rep_run);
    size_t cap = 0;
    int r;
    while ((r = db_step(st, NULL, c->err, c->errlen)) == 1) {
        if (p->n_params == cap) {
            cap = cap ? 2 * cap : 32;
            struct fig_param *q = realloc(p->params, cap * sizeof *q);
            if (!q) { sqlite3_reset(st); return FIG_ERROR; }
            p->params = q;
        }
        struct fig_param *fp = &p->params[p->n_params++];
        fp->key = dup_col(st, 0);
        fp->text = dup_col(st, 1);
        fp->is_num = sqlite3_column_type(st, 2) != SQLITE_NULL;
        fp->num = fp->is_num ? sqlite3_column_double(st, 2) : 0;
        if (!fp->key || !fp->text || add_key(c, fp->key) != 0) { sqlite3_reset(st); return FIG_ERROR; }
    }
    sqlite3_reset(st);
    if (r < 0) return FIG_BADINPUT;
    return fig_derive_params(p, add_key_cb, c) == 0 ? FIG_OK : FIG_ERROR;
}

int fig_load(struct fig_ctx *c, const char *db_path)
{
    if (!(c->db = db_open(db_path, DB_READ, c->err, c->errlen))) return FIG_BADINPUT;
    /* A figure reads scattered pages of a possibly large file: map it rather than read() each
     * page, and cache 64 MiB of pages (measured: a 100 000-run database spent most of its
     * plotting time in pread system calls). */
    sqlite3_exec(c->db, "PRAGMA mmap_size = 4294967296; PRAGMA cache_size = -65536", NULL, NULL, NULL);
    sqlite3_stmt *st = NULL, *pst = NULL;
    if (db_prepare(c->db, "SELECT min(id), experiment, scenario, code_version, point, count(*) FROM runs"
                          " WHERE failure IS NULL GROUP BY experiment, scenario, code_version, point ORDER BY 1", &st, db_path, c->err, c->errlen) != 0 ||
        db_prepare(c->db, "SELECT key, text, num FROM params WHERE run_id = ?1 AND key <> 'seed'", &pst, db_path,
                   c->err, c->errlen) != 0) {
        sqlite3_finalize(st);
        return FIG_BADINPUT;
    }
    size_t cap = 0;
    int rc = FIG_OK, r = 0;
    while (rc == FIG_OK && (r = db_step(st, db_path, c->err, c->errlen)) == 1) {
        if (c->n_pts == cap) {
            cap = cap ? 2 * cap : 64;
            struct fig_point *q = realloc(c->pts, cap * sizeof *q);
            if (!q) { rc = FIG_ERROR; break; }
            c->pts = q;
        }
        struct fig_point *p = &c->pts[c->n_pts++];
        memset(p, 0, sizeof *p);
        p->rep_run = sqlite3_column_int64(st, 0);
        p->experiment = dup_col(st, 1);
        p->scenario = dup_col(st, 2);
        p->code_version = dup_col(st, 3);
        p->point = dup_col(st, 4);
        p->n_runs = sqlite3_column_int64(st, 5);
        rc = load_params(c, pst, p);
    }
    sqlite3_finalize(st);
    sqlite3_finalize(pst);
    if (r < 0) rc = FIG_BADINPUT;
    compact_keys(c);
    if (rc == FIG_ERROR) snprintf(c->err, c->errlen, "%s: out of memory", db_path);
    if (rc == FIG_OK && c->n_pts == 0) return fig_empty(c, "%s holds no runs", db_path);
    return rc;
}

void fig_free(struct fig_ctx *c)
{
    for (size_t i = 0; i < c->n_pts; i++) {
        struct fig_point *p = &c->pts[i];
        for (size_t k = 0; k < p->n_params; k++) { free(p->params[k].key); free(p->params[k].text); }
        free(p->params);
        free(p->experiment); free(p->scenario); free(p->code_version); free(p->point);
    }
    free(c->pts);
    for (size_t i = 0; i < c->n_keys; i++) free(c->keys[i]);
    free(c->keys);
    if (c->db) db_close(c->db);
    c->pts = NULL; c->keys = NULL; c->db = NULL;
    c->n_pts = c->n_keys = 0;
}

const struct fig_param *fig_param(const struct fig_point *p, const char *key)
{
    for (size_t i = 0; i < p->n_params; i++) if (!strcmp(p->params[i].key, key)) return &p->params[i];
    return NULL;
}

/* A stored key holds names when its runs stored no number for it; which names it can hold comes
 * from the experiment that declares it (when this build knows that experiment). */
static void fig_key_kind(const struct fig_ctx *c, const char *key, struct where_key *k)
{
    for (size_t i = 0; i < c->n_pts; i++) {
        const struct fig_param *fp = fig_param(&c->pts[i], key);
        if (!fp) continue;
        k->text = !fp->is_num;
        const struct experiment *e = k->text ? experiment_find(c->pts[i].experiment) : NULL;
        for (size_t d = 0; e && d < e->n_params; d++)
            if (!strcmp(e->params[d].key, key) && e->params[d].type == PT_ENUM) k->choices = e->params[d].choices;
        return;
    }
}

/* --where variables: the parameter keys, then scenario, experiment, code_version. */
static const char *const run_fields[] = { "scenario", "experiment", "code_version" };
struct where_ctx { struct fig_ctx *c; const struct fig_point *p; };

static void resolve(void *ctx, const char *name, struct where_key *k)
{
    struct fig_ctx *c = ctx;
    for (size_t i = 0; i < c->n_keys; i++)
        if (!strcmp(c->keys[i], name)) {
            k->var = (int)i;
            fig_key_kind(c, name, k);
            return;
        }
    for (int i = 0; i < 3; i++)
        if (!strcmp(run_fields[i], name)) {
            k->var = (int)c->n_keys + i;
            k->text = 1;
            return;
        }
    if (!strcmp(name, "seed")) k->refuse = "is not a key of a parameter point: figures aggregate over seeds";
}

static struct where_value lookup(void *ctx, int var)
{
    struct where_ctx *w = ctx;
    struct where_value v = { .num = 0, .present = 0 };
    if ((size_t)var >= w->c->n_keys) {
        int f = var - (int)w->c->n_keys;
        v.str = f == 0 ? w->p->scenario : f == 1 ? w->p->experiment : w->p->code_version;
        v.num = NAN;
        v.present = 1;
        return v;
    }
    const struct fig_param *fp = fig_param(w->p, w->c->keys[var]);
    if (!fp) return v;
    v.present = 1;
    v.num = fp->is_num ? fp->num : NAN;
    v.str = fp->is_num ? NULL : fp->text;
    return v;
}

struct where_expr *fig_where_compile(struct fig_ctx *c, const char *text, char *why, size_t len)
{
    return where_compile(text, resolve, c, why, len);
}

int fig_where_eval(struct fig_ctx *c, const struct where_expr *e, const struct fig_point *p)
{
    struct where_ctx w = { c, p };
    return where_eval(e, lookup, &w);
}

int fig_select(struct fig_ctx *c, const char *where)
{
    struct where_expr *e = NULL;
    if (where) {
        char why[512];
        if (!(e = where_compile(where, resolve, c, why, sizeof why)))
            return fig_bad(c, "--where %s (keys are the runs' parameters, scenario, experiment, code_version)", why);
    }
    c->n_selected = 0;
    /* Versions are compared per engine: kernel runs are measurements that stay valid while the
     * simulator's code moves on, so a figure may put them beside a newer build's runs. */
    const char *versions[2] = { NULL, NULL }, *version = NULL, *other = NULL;
    for (size_t i = 0; i < c->n_pts; i++) {
        struct where_ctx w = { c, &c->pts[i] };
        c->pts[i].selected = !e || where_eval(e, lookup, &w);
        if (!c->pts[i].selected) continue;
        c->n_selected++;
        const char **v = &versions[strstr(c->pts[i].point, ";engine=kernel") != NULL];
        if (!*v) *v = c->pts[i].code_version;
        else if (strcmp(*v, c->pts[i].code_version) && !other) { version = *v; other = c->pts[i].code_version; }
    }
    where_free(e);
    if (c->n_selected == 0) return fig_empty(c, "no run matches --where '%s'", where);
    /* Averaging runs of two builds would hide the very change a figure should show. */
    if (other)
        return fig_bad(c, "the selection mixes code versions %s and %s; pick one with --where \"code_version == '%s'\"",
                       version, other, version);
    return FIG_OK;
}

static int point_cmp(const struct fig_point *p, const char *exp, const char *scn, const char *ver, const char *pt)
{
    int r = strcmp(p->experiment, exp);
    if (!r) r = strcmp(p->scenario, scn);
    if (!r) r = strcmp(p->code_version, ver);
    if (!r) r = strcmp(p->point, pt);
    return r;
}

static int point_order(const void *a, const void *b)
{
    const struct fig_point *p = *(const struct fig_point *const *)a, *q = *(const struct fig_point *const *)b;
    return point_cmp(p, q->experiment, q->scenario, q->code_version, q->point);
}

/* The selected point with this identity, by binary search of the points sorted once. */
static struct fig_point *find_point(struct fig_point **sorted, size_t n, const char *exp, const char *scn,
                                    const char *ver, const char *pt)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = point_cmp(sorted[mid], exp, scn, ver, pt);
        if (r == 0) return sorted[mid];
        if (r < 0) lo = mid + 1; else hi = mid;
    }
    return NULL;
}

static void point_stats(struct fig_point *p, struct fig_ctx *c, const double *v, size_t n, struct sample_stats *out)
{
    if (!p) return;
    struct sample_stats st;
    stats_describe(v, n, &st);
    if (st.n) out[p - c->pts] = st;
}

/* Across-seed statistics straight from the runs joined with one metric, in point order (the
 * runs_by_point index): SQLite reads only that metric's rows and each point's values arrive
 * together, so a 100 000-run database costs one pass, O(n log n) in points with the lookups.
 * (The point_metric_stats view computes the same, but its window function ran over every
 * metric of every run before the metric was picked.) */
int fig_metric_stats(struct fig_ctx *c, const char *metric, struct sample_stats *out)
{
    for (size_t i = 0; i < c->n_pts; i++) out[i] = (struct sample_stats){ .n = 0, .mean = NAN,
                                                                            .sd = NAN, .ci95 = NAN };
    struct fig_point **sorted = malloc((c->n_pts ? c->n_pts : 1) * sizeof *sorted);
    size_t n_sel = 0, n_v = 0, cap_v = 64;
    double *v = malloc(cap_v * sizeof *v);
    if (!sorted || !v) { free(sorted); free(v); snprintf(c->err, c->errlen, "out of memory"); return -1; }
    for (size_t i = 0; i < c->n_pts; i++) if (c->pts[i].selected) sorted[n_sel++] = &c->pts[i];
    qsort(sorted, n_sel, sizeof *sorted, point_order);
    sqlite3_stmt *st;
    if (db_prepare(c->db, "SELECT r.experiment, r.scenario, r.code_version, r.point, m.value"
                          " FROM runs r JOIN metrics m ON m.run_id = r.id AND m.name = ?1"
                          " ORDER BY r.experiment, r.scenario, r.code_version, r.point", &st, NULL, c->err, c->errlen) != 0) {
        free(sorted); free(v);
        return -FIG_BADINPUT;
    }
    sqlite3_bind_text(st, 1, metric, -1, SQLITE_STATIC);
    struct fig_point *cur = NULL;
    int have_cur = 0, r, rc = FIG_OK;
    while ((r = db_step(st, NULL, c->err, c->errlen)) == 1) {
        const char *exp = (const char *)sqlite3_column_text(st, 0), *scn = (const char *)sqlite3_column_text(st, 1);
        const char *ver = (const char *)sqlite3_column_text(st, 2), *pt = (const char *)sqlite3_column_text(st, 3);
        if (!have_cur || !cur || point_cmp(cur, exp, scn, ver, pt)) {
            /* a new point: close the last one (an unselected point's rows are skipped) */
            point_stats(cur, c, v, n_v, out);
            cur = find_point(sorted, n_sel, exp, scn, ver, pt);
            have_cur = 1;
            n_v = 0;
        }
        if (!cur) continue;
        if (n_v == cap_v) {
            double *q = realloc(v, 2 * cap_v * sizeof *q);
            if (!q) { rc = FIG_ERROR; snprintf(c->err, c->errlen, "out of memory"); break; }
            v = q;
            cap_v *= 2;
        }
        v[n_v++] = sqlite3_column_type(st, 4) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 4);
    }
    if (r < 0) rc = FIG_BADINPUT;
    if (rc == FIG_OK) point_stats(cur, c, v, n_v, out);
    sqlite3_finalize(st);
    free(sorted);
    free(v);
    if (rc != FIG_OK) return -rc;
    int found = 0;
    for (size_t i = 0; i < c->n_pts; i++) found += out[i].n > 0;
    return found;
}

const char *fig_differing_key(const struct fig_point *a, const struct fig_point *b, const char *const *except)
{
    for (size_t i = 0; i < a->n_params; i++) {
        int skip = 0;
        for (size_t k = 0; except && except[k]; k++) skip |= !strcmp(except[k], a->params[i].key);
        if (skip) continue;
        const struct fig_param *q = fig_param(b, a->params[i].key);
        if (!q || strcmp(q->text, a->params[i].text)) return a->params[i].key;
    }
    if (strcmp(a->scenario, b->scenario)) return "scenario";
    return "experiment";
}

void fig_point_summary(const struct fig_ctx *c, const struct fig_point *p, char *buf, size_t len)
{
    size_t o = 0;
    if (len) buf[0] = 0;
    for (size_t k = 0; k < p->n_params; k++) {
        const struct fig_param *v = &p->params[k];
        int varies = 0;
        for (size_t i = 0; i < c->n_pts && !varies; i++) {
            const struct fig_param *q = fig_param(&c->pts[i], v->key);
            varies = !q || strcmp(q->text, v->text);
        }
        if (varies) o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s=%s", o ? " " : "", v->key, v->text);
    }
}
