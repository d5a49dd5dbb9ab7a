/* The recommendation tables' common part: rows are the contexts a user has (swarm profile, line
 * and FIFO), found as the scenario plus every key that varies among the points except the ones
 * the table decides over; and recommend_all, every table a database can answer.  The tables
 * themselves: recommend_marks.c (experiment A), recommend_limit.c (experiment B). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "paired.h"
#include "recommend.h"
#include "recommend_int.h"
#include "regress.h"


void rec_opts_default(struct rec_opts *o)
{
    o->quality = NULL;                /* unchoke_overlap, see quality_metric() in recommend_marks.c */
    o->cpu_budget_us = NAN;           /* relative: */
    o->cpu_budget_rel = 1.0;          /* no more CPU than etorrent's own marks cost in the profile */
    o->keep_share = 0.95;
}

static const struct fig_param *param_or_null(const struct fig_point *p, const char *key) { return fig_param(p, key); }

static int is_excluded(const char *key, const char *const *except)
{
    if (fig_is_derived(key) || !strcmp(key, "seed")) return 1;
    for (size_t k = 0; except[k]; k++) if (!strcmp(except[k], key)) return 1;
    return 0;
}

/* "scenario key=value ..." over the keys that vary among the relevant points of that scenario. */
static void context_label(struct fig_ctx *c, const struct fig_point *p, const int *rel, const char *const *except,
                          char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "%s", p->scenario);
    for (size_t k = 0; k < p->n_params; k++) {
        const struct fig_param *v = &p->params[k];
        if (is_excluded(v->key, except)) continue;
        int varies = 0;
        /* within the scenario: its name already says what the scenario sets */
        for (size_t i = 0; i < c->n_pts && !varies; i++) {
            if (!rel[i] || strcmp(c->pts[i].scenario, p->scenario)) continue;
            const struct fig_param *q = param_or_null(&c->pts[i], v->key);
            varies = !q || strcmp(q->text, v->text);
        }
        if (varies) o += (size_t)snprintf(buf + o, o < len ? len - o : 0, " %s=%s", v->key, v->text);
    }
}

int rec_group_points(struct fig_ctx *c, const int *rel, const char *const *except, struct groups *g)
{
    g->n = 0;
    g->of = malloc((c->n_pts ? c->n_pts : 1) * sizeof *g->of);
    if (!g->of) return -1;
    for (size_t i = 0; i < c->n_pts; i++) {
        g->of[i] = -1;
        if (!rel[i]) continue;
        char lab[256];
        context_label(c, &c->pts[i], rel, except, lab, sizeof lab);
        size_t k = 0;
        while (k < g->n && strcmp(g->label[k], lab)) k++;
        if (k == g->n) {
            if (g->n == MAX_ROWS) continue;
            snprintf(g->label[g->n++], sizeof g->label[0], "%s", lab);
        }
        g->of[i] = (int)k;
    }
    /* Rows in label order, so tables read the same whatever order the sweeps ran in. */
    for (size_t a = 1; a < g->n; a++)
        for (size_t b = a; b > 0 && strcmp(g->label[b - 1], g->label[b]) > 0; b--) {
            char t[256];
            memcpy(t, g->label[b], sizeof t);
            memcpy(g->label[b], g->label[b - 1], sizeof t);
            memcpy(g->label[b - 1], t, sizeof t);
            for (size_t i = 0; i < c->n_pts; i++)
                g->of[i] = g->of[i] == (int)b ? (int)b - 1 : g->of[i] == (int)b - 1 ? (int)b : g->of[i];
        }
    return 0;
}

double rec_num(const struct fig_point *p, const char *key)
{
    const struct fig_param *v = fig_param(p, key);
    return v && v->is_num ? v->num : NAN;
}

const char *rec_text(const struct fig_point *p, const char *key)
{
    const struct fig_param *v = fig_param(p, key);
    return v ? v->text : "";
}

int rec_single_version(struct fig_ctx *c, const int *rel, char *version, size_t len)
{
    const char *v = NULL;
    for (size_t i = 0; i < c->n_pts; i++) {
        if (!rel[i]) continue;
        if (!v) v = c->pts[i].code_version;
        else if (strcmp(v, c->pts[i].code_version)) {
            snprintf(c->err, c->errlen, "the database mixes code versions %s and %s; recommendations need one", v,
                     c->pts[i].code_version);
            return -1;
        }
    }
    snprintf(version, len, "%s", v ? v : "");
    return 0;
}

/* ------------------------------------------------------------------ all tables of a database */

/* A sensitivity study's design points are no sweep: its runs are left out of every table. */
static int leave_out_studies(struct fig_ctx *c)
{
    sqlite3_stmt *st;
    if (db_prepare(c->db, "SELECT DISTINCT experiment, scenario, code_version, point FROM runs"
                          " WHERE sweep_key IN (SELECT study FROM sensitivity)", &st, NULL, c->err, c->errlen) != 0)
        return -1;
    int r;
    while ((r = db_step(st, NULL, c->err, c->errlen)) == 1)
        for (size_t i = 0; i < c->n_pts; i++) {
            struct fig_point *p = &c->pts[i];
            if (!strcmp(p->experiment, (const char *)sqlite3_column_text(st, 0)) &&
                !strcmp(p->scenario, (const char *)sqlite3_column_text(st, 1)) &&
                !strcmp(p->code_version, (const char *)sqlite3_column_text(st, 2)) &&
                !strcmp(p->point, (const char *)sqlite3_column_text(st, 3)))
                p->selected = 0;
        }
    sqlite3_finalize(st);
    return r < 0 ? -1 : 0;
}

int recommend_all(const char *path, const struct rec_opts *o, struct rec_table *out, size_t max, size_t *n_out,
                 char *err, size_t errlen, FILE *notes)
{
    struct fig_ctx c;
    memset(&c, 0, sizeof c);
    c.err = err;
    c.errlen = errlen;
    *n_out = 0;
    int rc = fig_load(&c, path);
    if (rc == FIG_OK) rc = fig_select(&c, NULL);
    if (rc == FIG_OK && leave_out_studies(&c) != 0) rc = FIG_ERROR;
    if (rc != FIG_OK) { fig_free(&c); return rc == FIG_EMPTY ? 1 : rc == FIG_BADINPUT ? -2 : -1; }
    int (*const fn[3])(struct fig_ctx *, const struct rec_opts *, struct rec_table *) = {
        recommend_marks, recommend_limit, recommend_slot_speed };
    int status = 0;
    for (int k = 0; k < 3 && *n_out < max; k++) {
        char why[512];
        c.err = why;
        c.errlen = sizeof why;
        why[0] = 0;
        struct rec_table *t = &out[*n_out];
        memset(t, 0, sizeof *t);
        int r = fn[k](&c, o, t);
        if (r == REC_OK) {
            if (rec_table_store(c.db, t, err, errlen) != 0) { rec_table_free(t); status = -1; break; }
            (*n_out)++;
        } else {
            rec_table_free(t);
            if (r == REC_ERROR) { snprintf(err, errlen, "%s: %s", path, why); status = -1; break; }
            if (notes) fprintf(notes, "  %s: no %s table: %s\n", path, k == 0 ? "marks" : k == 1 ? "limit" : "slot speed", why);
        }
    }
    fig_free(&c);
    return status;
}

