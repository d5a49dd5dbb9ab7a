/* Figures over across-seed statistics of parameter points: a metric against a swept key (one
 * line per value of another key), a heatmap over two keys, and a Pareto front of two metrics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_internal.h"
#include "regress.h"

/* One parameter point that made it into a figure. */
struct item {
    const struct fig_point *p;
    const struct fig_param *x, *y, *by;
    struct sample_stats     s, s2;
    int                     xi, yi, group;
};

/* Distinct values of one key over the items, in display order (numbers ascending, else text). */
struct axis { const struct fig_param **v; size_t n; int numeric; };

static int axis_cmp_num;
static int value_cmp(const void *a, const void *b)
{
    const struct fig_param *p = *(const struct fig_param *const *)a, *q = *(const struct fig_param *const *)b;
    if (axis_cmp_num) return (p->num > q->num) - (p->num < q->num);
    return strcmp(p->text, q->text);
}

static int axis_build(struct axis *ax, const struct fig_param *const *vals, size_t n)
{
    ax->v = malloc((n ? n : 1) * sizeof *ax->v);
    ax->n = 0;
    ax->numeric = 1;
    if (!ax->v) return -1;
    for (size_t i = 0; i < n; i++) ax->numeric &= vals[i]->is_num;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < ax->n && strcmp(ax->v[k]->text, vals[i]->text)) k++;
        if (k == ax->n) ax->v[ax->n++] = vals[i];
    }
    axis_cmp_num = ax->numeric;
    qsort(ax->v, ax->n, sizeof *ax->v, value_cmp);
    return 0;
}

static int axis_index(const struct axis *ax, const struct fig_param *v)
{
    for (size_t k = 0; k < ax->n; k++) if (!strcmp(ax->v[k]->text, v->text)) return (int)k;
    return -1;
}

/* Tick labels as users type values: 16000 -> 16k, 2000000 -> 2M. */
void fig_short_number(char *buf, size_t len, const struct fig_param *v)
{
    double a = fabs(v->num);
    if (!v->is_num) snprintf(buf, len, "%s", v->text);
    else if (a >= 1e6 && fmod(a, 1e5) == 0) snprintf(buf, len, "%gM", v->num / 1e6);
    else if (a >= 1e3 && fmod(a, 1e2) == 0) snprintf(buf, len, "%gk", v->num / 1e3);
    else snprintf(buf, len, "%g", v->num);
}

static void seeds_note(const struct item *it, size_t n, char *buf, size_t len)
{
    size_t lo = (size_t)-1, hi = 0;
    for (size_t i = 0; i < n; i++) { if (it[i].s.n < lo) lo = it[i].s.n; if (it[i].s.n > hi) hi = it[i].s.n; }
    if (lo == hi) snprintf(buf, len, "%zu seed%s", lo, lo == 1 ? "" : "s");
    else snprintf(buf, len, "%zu-%zu seeds", lo, hi);
}

/* Points that land on the same figure position must not be averaged silently. */
static int check_unique(struct fig_ctx *c, const struct item *it, size_t n, const char *what,
                        const char *const *keys)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (it[i].xi == it[j].xi && it[i].yi == it[j].yi && it[i].group == it[j].group) {
                const char *k = fig_differing_key(it[i].p, it[j].p, keys);
                const struct fig_param *a = fig_param(it[i].p, k), *b = fig_param(it[j].p, k);
                return fig_bad(c, "two selected points share one %s; they differ in %s (%s vs %s): select one with --where",
                               what, k, a ? a->text : "?", b ? b->text : "?");
            }
    return FIG_OK;
}

int fig_line(struct fig_ctx *c, const struct fig_opts *o, const char *x, const char *y, const char *by, int mark_80)
{
    struct sample_stats *st = calloc(c->n_pts, sizeof *st);
    struct item *it = calloc(c->n_pts, sizeof *it);
    const struct fig_param **xs = calloc(c->n_pts + 1, sizeof *xs), **bs = calloc(c->n_pts + 1, sizeof *bs);
    struct axis ax = { 0 }, groups = { 0 };
    int rc = FIG_ERROR;
    FILE *f = NULL;
    if (!st || !it || !xs || !bs) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    int found = fig_metric_stats(c, y, st);
    if (found < 0) goto out;
    if (found == 0) { rc = fig_empty(c, "no selected run has metric '%s'", y); goto out; }
    size_t n = 0, no_key = 0;
    for (size_t i = 0; i < c->n_pts; i++) {
        if (!c->pts[i].selected || st[i].n == 0) continue;
        const struct fig_param *px = fig_param(&c->pts[i], x), *pb = by ? fig_param(&c->pts[i], by) : NULL;
        if (!px || (by && !pb)) { no_key++; continue; }
        it[n] = (struct item){ .p = &c->pts[i], .x = px, .by = pb, .s = st[i] };
        xs[n] = px;
        bs[n] = pb;
        n++;
    }
    if (n == 0) {
        rc = fig_empty(c, "none of the %zu selected points with metric '%s' has parameter '%s'%s%s", no_key, y, x,
                       by ? " and " : "", by ? by : "");
        goto out;
    }
    if (axis_build(&ax, xs, n) != 0 || (by && axis_build(&groups, bs, n) != 0)) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    for (size_t i = 0; i < n; i++) {
        it[i].xi = axis_index(&ax, it[i].x);
        it[i].group = by ? axis_index(&groups, it[i].by) : 0;
    }
    const char *const same[] = { x, by, NULL };
    if ((rc = check_unique(c, it, n, by ? "(x, line) position" : "x position", same)) != FIG_OK) goto out;
    rc = FIG_ERROR;

    if (!(f = fig_open_data(c, "data.dat"))) goto out;
    size_t n_groups = by ? groups.n : 1;
    for (size_t g = 0; g < n_groups; g++) {
        if (g) fputs("\n\n", f);
        for (size_t k = 0; k < ax.n; k++)
            for (size_t i = 0; i < n; i++) {
                if (it[i].group != (int)g || it[i].xi != (int)k) continue;
                char lab[64];
                fig_short_number(lab, sizeof lab, it[i].x);
                fprintf(f, "%.17g %.17g %.17g \"%s\"\n", ax.numeric ? it[i].x->num : (double)k, it[i].s.mean,
                        isfinite(it[i].s.ci95) ? it[i].s.ci95 : 0.0, lab);
            }
    }
    fclose(f);
    f = NULL;

    int logx = 0;
    if (ax.numeric && ax.n > 2 && ax.v[0]->num > 0 && ax.v[ax.n - 1]->num / ax.v[0]->num >= 50) logx = 1;
    double mark = NAN;
    if (mark_80 && !strcmp(x, "limit_pct_line")) mark = 80;     /* the axis is already % of the line */
    else if (mark_80) {
        /* The official client's advice: limit at 80 % of the line rate (xtreme-rules.md); the
         * marker needs one line rate for every point. */
        double up = NAN;
        int same_line = 1;
        for (size_t i = 0; i < n; i++) {
            const struct fig_param *u = fig_param(it[i].p, "up_kbps");
            if (!u || !u->is_num) { same_line = 0; break; }
            if (isnan(up)) up = u->num;
            else if (u->num != up) same_line = 0;
        }
        /* up_kbps in kbit/s, the limit in eMule's KB/s of 1024 bytes (xtreme_adsl.ini). */
        if (same_line && !isnan(up)) mark = 0.8 * up * 1000 / 8 / 1024;
    }
    char titles[4096] = "", note[64], title[512], ylabel[256];
    size_t tl = 0;
    for (size_t g = 0; g < n_groups; g++)
        tl += (size_t)snprintf(titles + tl, tl < sizeof titles ? sizeof titles - tl : 0, "%s%s%s%s", g ? " " : "",
                               by ? by : y, by ? "=" : "", by ? groups.v[g]->text : "");
    seeds_note(it, n, note, sizeof note);
    snprintf(title, sizeof title, "%s against %s%s%s (mean and 95 %% CI over %s)", y, x, by ? ", by " : "", by ? by : "", note);
    snprintf(ylabel, sizeof ylabel, "%s", y);
    if (!(f = fig_open_data(c, "settings.gp"))) goto out;
    fig_set_str(f, "title_text", title);
    fig_set_str(f, "xlabel_text", x);
    fig_set_str(f, "ylabel_text", ylabel);
    fig_set_str(f, "titles", titles);
    fig_set_num(f, "nblocks", (double)n_groups);
    fig_set_num(f, "logx", logx);
    fig_set_num(f, "textx", !ax.numeric);
    fig_set_num(f, "mark80", mark);
    fig_set_hline(f, o);
    double ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double ci = isfinite(it[i].s.ci95) ? it[i].s.ci95 : 0;
        ylo = fmin(ylo, it[i].s.mean - ci);
        yhi = fmax(yhi, it[i].s.mean + ci);
    }
    fig_set_flat_range(f, 'y', ylo, yhi);
    fclose(f);
    f = NULL;
    rc = fig_render(c, "line");
out:
    if (f) fclose(f);
    free(ax.v); free(groups.v);
    free(st); free(it); free(xs); free(bs);
    return rc;
}

int fig_heatmap(struct fig_ctx *c, const struct fig_opts *o, const char *x, const char *y, const char *z)
{
    (void)o;
    struct sample_stats *st = calloc(c->n_pts, sizeof *st);
    struct item *it = calloc(c->n_pts, sizeof *it);
    const struct fig_param **xs = calloc(c->n_pts + 1, sizeof *xs), **ys = calloc(c->n_pts + 1, sizeof *ys);
    struct axis ax = { 0 }, ay = { 0 };
    int rc = FIG_ERROR;
    FILE *f = NULL;
    char *tics = NULL;
    if (!st || !it || !xs || !ys) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    int found = fig_metric_stats(c, z, st);
    if (found < 0) goto out;
    if (found == 0) { rc = fig_empty(c, "no selected run has metric '%s'", z); goto out; }
    size_t n = 0;
    for (size_t i = 0; i < c->n_pts; i++) {
        if (!c->pts[i].selected || st[i].n == 0) continue;
        const struct fig_param *px = fig_param(&c->pts[i], x), *py = fig_param(&c->pts[i], y);
        if (!px || !py) continue;
        it[n] = (struct item){ .p = &c->pts[i], .x = px, .y = py, .s = st[i] };
        xs[n] = px;
        ys[n] = py;
        n++;
    }
    if (n == 0) { rc = fig_empty(c, "no selected point with metric '%s' has both parameters '%s' and '%s'", z, x, y); goto out; }
    if (axis_build(&ax, xs, n) != 0 || axis_build(&ay, ys, n) != 0) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    for (size_t i = 0; i < n; i++) { it[i].xi = axis_index(&ax, it[i].x); it[i].yi = axis_index(&ay, it[i].y); }
    const char *const same[] = { x, y, NULL };
    if ((rc = check_unique(c, it, n, "heatmap cell", same)) != FIG_OK) goto out;
    rc = FIG_ERROR;

    if (!(f = fig_open_data(c, "data.dat"))) goto out;
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%d %d %.17g \"%.4g\"\n", it[i].xi, it[i].yi, it[i].s.mean, it[i].s.mean);
    fclose(f);
    f = NULL;

    size_t cap = 64 + 40 * (ax.n + ay.n);
    if (!(tics = malloc(cap))) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    char note[64], title[512];
    seeds_note(it, n, note, sizeof note);
    snprintf(title, sizeof title, "%s over %s x %s (mean over %s)", z, x, y, note);
    if (!(f = fig_open_data(c, "settings.gp"))) goto out;
    fig_set_str(f, "title_text", title);
    fig_set_str(f, "xlabel_text", x);
    fig_set_str(f, "ylabel_text", y);
    fig_set_str(f, "zlabel_text", z);
    for (int a = 0; a < 2; a++) {
        const struct axis *A = a ? &ay : &ax;
        size_t l = (size_t)snprintf(tics, cap, "set %ctics (", a ? 'y' : 'x');
        for (size_t k = 0; k < A->n; k++) {
            char lab[64];
            fig_short_number(lab, sizeof lab, A->v[k]);
            l += (size_t)snprintf(tics + l, cap - l, "%s\"%s\" %zu", k ? ", " : "", lab, k);
        }
        snprintf(tics + l, cap - l, ")");
        fig_set_str(f, a ? "ytics_cmd" : "xtics_cmd", tics);
    }
    fig_set_num(f, "nx", (double)ax.n);
    fig_set_num(f, "ny", (double)ay.n);
    /* Red is bad: for a metric where more is better the palette runs the other way. */
    fig_set_num(f, "reverse_palette", metric_direction(z) > 0);
    fclose(f);
    f = NULL;
    rc = fig_render(c, "heatmap");
out:
    if (f) fclose(f);
    free(tics);
    free(ax.v); free(ay.v);
    free(st); free(it); free(xs); free(ys);
    return rc;
}

/* Better in the metric's direction (minimising when it has none). */
static int no_worse(double a, double b, int dir) { return dir > 0 ? a >= b : a <= b; }
static int better(double a, double b, int dir) { return dir > 0 ? a > b : a < b; }


static int item_cmp(const void *a, const void *b)
{
    const struct item *p = a, *q = b;
    return (p->s.mean > q->s.mean) - (p->s.mean < q->s.mean);
}

int fig_pareto(struct fig_ctx *c, const struct fig_opts *o, const char *x, const char *y, const char *labels,
               const char *chosen)
{
    struct sample_stats *sx = calloc(c->n_pts, sizeof *sx), *sy = calloc(c->n_pts, sizeof *sy);
    struct item *it = calloc(c->n_pts, sizeof *it);
    int *front = calloc(c->n_pts, sizeof *front);
    struct where_expr *ch = NULL;
    int rc = FIG_ERROR;
    FILE *f = NULL;
    if (!sx || !sy || !it || !front) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    int fx = fig_metric_stats(c, x, sx), fy = fx < 0 ? -1 : fig_metric_stats(c, y, sy);
    if (fx < 0 || fy < 0) goto out;
    if (fx == 0 || fy == 0) { rc = fig_empty(c, "no selected run has metric '%s'", fx == 0 ? x : y); goto out; }
    if (chosen) {
        char why[512];
        ch = fig_where_compile(c, chosen, why, sizeof why);
        /* The preset's default marks name etorrent keys; in another sweep they mark nothing. */
        if (!ch && o->chosen) { rc = fig_bad(c, "--chosen %s", why); goto out; }
    }
    size_t n = 0;
    for (size_t i = 0; i < c->n_pts; i++)
        if (c->pts[i].selected && sx[i].n && sy[i].n && isfinite(sx[i].mean) && isfinite(sy[i].mean))
            it[n++] = (struct item){ .p = &c->pts[i], .s = sx[i], .s2 = sy[i] };
    if (n == 0) { rc = fig_empty(c, "no selected point has both metrics '%s' and '%s'", x, y); goto out; }
    qsort(it, n, sizeof *it, item_cmp);
    int dx = metric_direction(x), dy = metric_direction(y);
    size_t n_front = 0;
    for (size_t i = 0; i < n; i++) {
        front[i] = 1;
        for (size_t j = 0; j < n && front[i]; j++)
            if (j != i && no_worse(it[j].s.mean, it[i].s.mean, dx) && no_worse(it[j].s2.mean, it[i].s2.mean, dy) &&
                (better(it[j].s.mean, it[i].s.mean, dx) || better(it[j].s2.mean, it[i].s2.mean, dy)))
                front[i] = 0;
        n_front += (size_t)front[i];
    }
    FILE *fa = fig_open_data(c, "data.dat"), *ff = fa ? fig_open_data(c, "front.dat") : NULL;
    FILE *fc = ff ? fig_open_data(c, "chosen.dat") : NULL;
    size_t n_chosen = 0;
    for (size_t i = 0; fc && i < n; i++) {
        char lab[256];
        fig_label_point(it[i].p, labels, lab, sizeof lab);
        fprintf(fa, "%.17g %.17g\n", it[i].s.mean, it[i].s2.mean);
        if (front[i]) fprintf(ff, "%.17g %.17g \"%s\"\n", it[i].s.mean, it[i].s2.mean, lab);
        if (ch && fig_where_eval(c, ch, it[i].p)) {
            fprintf(fc, "%.17g %.17g \"chosen %s\"\n", it[i].s.mean, it[i].s2.mean, lab);
            n_chosen++;
        }
    }
    if (fa) fclose(fa);
    if (ff) fclose(ff);
    if (fc) fclose(fc);
    if (!fc) goto out;
    if (chosen && !n_chosen) printf("note: no selected point matches the chosen marks (%s)\n", chosen);
    char title[512], note[64], xl[128], yl[128];
    seeds_note(it, n, note, sizeof note);
    snprintf(title, sizeof title, "%s vs %s: %zu points, %zu on the Pareto front (means over %s)", x, y, n, n_front, note);
    snprintf(xl, sizeof xl, "%s (%s is better)", x, dx > 0 ? "more" : "less");
    snprintf(yl, sizeof yl, "%s (%s is better)", y, dy > 0 ? "more" : "less");
    if (!(f = fig_open_data(c, "settings.gp"))) goto out;
    fig_set_str(f, "title_text", title);
    fig_set_str(f, "xlabel_text", xl);
    fig_set_str(f, "ylabel_text", yl);
    char chosen_title[300];
    snprintf(chosen_title, sizeof chosen_title, "chosen: %s", chosen ? chosen : "");
    fig_set_str(f, "chosen_title", chosen_title);
    fig_set_num(f, "has_chosen", n_chosen > 0);
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        xlo = fmin(xlo, it[i].s.mean); xhi = fmax(xhi, it[i].s.mean);
        ylo = fmin(ylo, it[i].s2.mean); yhi = fmax(yhi, it[i].s2.mean);
    }
    fig_set_flat_range(f, 'x', xlo, xhi);
    fig_set_flat_range(f, 'y', ylo, yhi);
    fclose(f);
    f = NULL;
    rc = fig_render(c, "pareto");
out:
    if (f) fclose(f);
    where_free(ch);
    free(sx); free(sy); free(it); free(front);
    return rc;
}
