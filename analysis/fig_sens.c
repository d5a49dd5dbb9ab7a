/* Figure "sensitivity": one study of the sensitivity table as bars per key, largest first, with
 * bootstrap 95 % intervals: Morris mu* (and sigma) against the seed-noise floor, or Sobol S1/ST. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "fig_internal.h"

struct bar { char raw[64], key[128]; double v1, c1, v2, c2; };

static int bar_cmp(const void *a, const void *b)
{
    const struct bar *p = a, *q = b;
    int ps = !strcmp(p->raw, "(seed)"), qs = !strcmp(q->raw, "(seed)");
    if (ps != qs) return ps - qs;                    /* the noise floor last */
    return (q->v1 > p->v1) - (q->v1 < p->v1);
}

int fig_sensitivity(struct fig_ctx *c, const struct fig_opts *o)
{
    sqlite3_stmt *st = NULL;
    char study[1024] = "", method[16] = "", metric[128] = "", scenario[128] = "";
    int rc = FIG_ERROR;
    if (db_prepare(c->db, "SELECT DISTINCT study, method, metric, scenario FROM sensitivity WHERE ?1 IS NULL OR study = ?1",
                   &st, NULL, c->err, c->errlen) != 0)
        return FIG_BADINPUT;
    if (o->study) sqlite3_bind_text(st, 1, o->study, -1, SQLITE_STATIC);
    int n_study = 0, r;
    while ((r = db_step(st, NULL, c->err, c->errlen)) == 1) {
        if (n_study++) continue;
        snprintf(study, sizeof study, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(method, sizeof method, "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(metric, sizeof metric, "%s", (const char *)sqlite3_column_text(st, 2));
        snprintf(scenario, sizeof scenario, "%s", (const char *)sqlite3_column_text(st, 3));
    }
    sqlite3_finalize(st);
    if (r < 0) return FIG_BADINPUT;
    if (n_study == 0) return o->study ? fig_empty(c, "no sensitivity study '%s' in the database", o->study)
                                      : fig_empty(c, "the database holds no sensitivity study (ratelab sensitivity)");
    if (n_study > 1) return fig_bad(c, "the database holds %d sensitivity studies; pick one with --study", n_study);
    int morris = !strcmp(method, "morris");
    const char *s1 = morris ? "mu_star" : "S1", *s2 = morris ? "sigma" : "ST";
    if (db_prepare(c->db, "SELECT key, stat, value, ci95, range_text FROM sensitivity WHERE study = ?1", &st, NULL,
                   c->err, c->errlen) != 0)
        return FIG_BADINPUT;
    sqlite3_bind_text(st, 1, study, -1, SQLITE_STATIC);
    struct bar bars[64];
    size_t n = 0;
    while ((r = db_step(st, NULL, c->err, c->errlen)) == 1) {
        const char *key = (const char *)sqlite3_column_text(st, 0), *stat = (const char *)sqlite3_column_text(st, 1);
        const char *range = (const char *)sqlite3_column_text(st, 4);
        size_t k = 0;
        while (k < n && strcmp(bars[k].raw, key)) k++;
        if (k == n) {
            if (n == 64) continue;
            bars[n] = (struct bar){ .v1 = NAN, .c1 = NAN, .v2 = NAN, .c2 = NAN };
            snprintf(bars[n].raw, sizeof bars[n].raw, "%s", key);
            if (!strcmp(key, "(seed)")) snprintf(bars[n].key, sizeof bars[n].key, "%s", key);
            else snprintf(bars[n].key, sizeof bars[n].key, "%s %.40s", key, range ? range : "");
            n++;
        }
        double v = sqlite3_column_type(st, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 2);
        double ci = sqlite3_column_type(st, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 3);
        if (!strcmp(stat, s1)) { bars[k].v1 = v; bars[k].c1 = ci; }
        if (!strcmp(stat, s2)) { bars[k].v2 = v; bars[k].c2 = ci; }
    }
    sqlite3_finalize(st);
    if (r < 0) return FIG_BADINPUT;
    if (n == 0) return fig_empty(c, "study '%s' has no rows", study);
    qsort(bars, n, sizeof *bars, bar_cmp);
    FILE *f = fig_open_data(c, "data.dat");
    if (!f) return FIG_ERROR;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%zu %.17g %.17g %.17g %.17g \"%s\"\n", i, isfinite(bars[i].v1) ? bars[i].v1 : 0.0,
                isfinite(bars[i].c1) ? bars[i].c1 : 0.0, isfinite(bars[i].v2) ? bars[i].v2 : 0.0,
                isfinite(bars[i].c2) ? bars[i].c2 : 0.0, bars[i].key);
    fclose(f);
    char title[512], yl[256], t1[128], t2[128];
    if (morris) {
        snprintf(title, sizeof title, "%s: Morris screening of %s (bootstrap 95 %% CI); (seed): change of seed alone", scenario, metric);
        snprintf(yl, sizeof yl, "elementary effect on %s per whole range", metric);
        snprintf(t1, sizeof t1, "mu* (mean |effect|)");
        snprintf(t2, sizeof t2, "sigma (interactions, non-linearity)");
    } else {
        snprintf(title, sizeof title, "%s: Sobol indices of %s (bootstrap 95 %% CI)", scenario, metric);
        snprintf(yl, sizeof yl, "share of the variance of %s", metric);
        snprintf(t1, sizeof t1, "S1 (first order)");
        snprintf(t2, sizeof t2, "ST (total)");
    }
    if (!(f = fig_open_data(c, "settings.gp"))) return FIG_ERROR;
    fig_set_str(f, "title_text", title);
    fig_set_str(f, "ylabel_text", yl);
    fig_set_str(f, "t1", t1);
    fig_set_str(f, "t2", t2);
    fig_set_num(f, "nbars", (double)n);
    fclose(f);
    rc = fig_render(c, "bars");
    return rc;
}
