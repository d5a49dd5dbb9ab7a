/* Per-seed values of a parameter point, paired differences with their confidence interval, and
 * finding the reference point a point is paired with. */
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "paired.h"

int seed_values_load(struct fig_ctx *c, const struct fig_point *p, const char *metric, struct seed_values *out)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    if (db_prepare(c->db, "SELECT r.seed, m.value FROM runs r JOIN metrics m ON m.run_id = r.id"
                          " WHERE r.experiment = ?1 AND r.scenario = ?2 AND r.code_version = ?3 AND r.point = ?4"
                          " AND m.name = ?5 AND r.failure IS NULL ORDER BY r.seed", &st, NULL, c->err, c->errlen) != 0)
        return -1;
    sqlite3_bind_text(st, 1, p->experiment, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->scenario, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, p->code_version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, p->point, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, metric, -1, SQLITE_STATIC);
    size_t cap = 0;
    int rc = 0, r;
    while ((r = db_step(st, NULL, c->err, c->errlen)) == 1) {
        if (out->n == cap) {
            cap = cap ? 2 * cap : 16;
            long long *s = realloc(out->seed, cap * sizeof *s);
            if (s) out->seed = s;
            double *v = realloc(out->value, cap * sizeof *v);
            if (v) out->value = v;
            if (!s || !v) { snprintf(c->err, c->errlen, "out of memory"); rc = -1; break; }
        }
        out->seed[out->n] = sqlite3_column_int64(st, 0);
        out->value[out->n] = sqlite3_column_type(st, 1) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 1);
        out->n++;
    }
    if (r < 0) rc = -1;
    sqlite3_finalize(st);
    if (rc != 0) seed_values_free(out);
    return rc;
}

void seed_values_free(struct seed_values *v)
{
    free(v->seed);
    free(v->value);
    memset(v, 0, sizeof *v);
}

void paired_diff(const struct seed_values *a, const struct seed_values *b, struct sample_stats *out)
{
    size_t n = a->n < b->n ? a->n : b->n, k = 0;
    double *d = malloc((n ? n : 1) * sizeof *d);
    if (!d) { *out = (struct sample_stats){ 0, NAN, NAN, NAN }; return; }
    for (size_t i = 0, j = 0; i < a->n && j < b->n; ) {
        if (a->seed[i] < b->seed[j]) i++;
        else if (a->seed[i] > b->seed[j]) j++;
        else {
            if (isfinite(a->value[i]) && isfinite(b->value[j])) d[k++] = a->value[i] - b->value[j];
            i++;
            j++;
        }
    }
    stats_describe(d, k, out);
    free(d);
}

double paired_p(const struct sample_stats *d)
{
    if (d->n < 2) return NAN;
    if (d->sd == 0) return d->mean == 0 ? 1.0 : 0.0;
    double t = d->mean / (d->sd / sqrt((double)d->n));
    return 2 * gsl_cdf_tdist_Q(fabs(t), (double)(d->n - 1));
}

static int excluded(const char *key, const char *const *except)
{
    if (fig_is_derived(key)) return 1;
    for (size_t k = 0; except && except[k]; k++) if (!strcmp(except[k], key)) return 1;
    return 0;
}

/* Same parameters except the excluded keys, compared both ways. */
static int same_but(const struct fig_point *a, const struct fig_point *b, const char *const *except)
{
    if (strcmp(a->scenario, b->scenario) || strcmp(a->experiment, b->experiment)) return 0;
    for (int side = 0; side < 2; side++) {
        const struct fig_point *x = side ? b : a, *y = side ? a : b;
        for (size_t i = 0; i < x->n_params; i++) {
            if (excluded(x->params[i].key, except)) continue;
            const struct fig_param *q = fig_param(y, x->params[i].key);
            if (!q || strcmp(q->text, x->params[i].text)) return 0;
        }
    }
    return 1;
}

const struct fig_point *paired_reference(struct fig_ctx *c, const struct fig_point *p, const struct where_expr *ref,
                                         const char *const *except)
{
    for (size_t i = 0; i < c->n_pts; i++) {
        const struct fig_point *q = &c->pts[i];
        if (!q->selected || !fig_where_eval(c, ref, q)) continue;
        if (same_but(p, q, except)) return q;
    }
    return NULL;
}
