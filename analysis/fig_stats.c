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

/* Distinct values of one key over the items, in display order (numbers ascending, else text);
 * by_text is the same values sorted by text, so a value's index is a binary search away. */
struct axis { const struct fig_param **v; size_t n; int numeric; const struct fig_param **by_text; int *index; };

static int text_cmp(const void *a, const void *b)
{
    return strcmp((*(const struct fig_param *const *)a)->text, (*(const struct fig_param *const *)b)->text);
}
static int num_cmp(const void *a, const void *b)
{
    const struct fig_param *p = *(const struct fig_param *const *)a, *q = *(const struct fig_param *const *)b;
    return (p->num > q->num) - (p->num < q->num);
}

/* Sort once and keep the first of each run of equal texts: O(n log n) in points. */
static int axis_build(struct axis *ax, const struct fig_param *const *vals, size_t n)
{
    ax->v = malloc((n ? n : 1) * sizeof *ax->v);
    ax->by_text = malloc((n ? n : 1) * sizeof *ax->by_text);
    ax->index = malloc((n ? n : 1) * sizeof *ax->index);
    ax->n = 0;
    ax->numeric = 1;
    if (!ax->v || !ax->by_text || !ax->index) return -1;
    for (size_t i = 0; i < n; i++) ax->numeric &= vals[i]->is_num;
    memcpy(ax->by_text, vals, n * sizeof *vals);
    qsort(ax->by_text, n, sizeof *ax->by_text, text_cmp);
    for (size_t i = 0; i < n; i++)
        if (!ax->n || strcmp(ax->by_text[ax->n - 1]->text, ax->by_text[i]->text)) ax->by_text[ax->n++] = ax->by_text[i];
    memcpy(ax->v, ax->by_text, ax->n * sizeof *ax->v);
    if (ax->numeric) qsort(ax->v, ax->n, sizeof *ax->v, num_cmp);
    /* display position of each distinct text */
    for (size_t k = 0; k < ax->n; k++) {
        const struct fig_param **hit = bsearch(&ax->v[k], ax->by_text, ax->n, sizeof *ax->by_text, text_cmp);
        ax->index[hit - ax->by_text] = (int)k;
    }
    return 0;
}

static int axis_index(const struct axis *ax, const struct fig_param *v)
{
    const struct fig_param **hit = bsearch(&v, ax->by_text, ax->n, sizeof *ax->by_text, text_cmp);
    return hit ? ax->index[hit - ax->by_text] : -1;
}

static void axis_free(struct axis *ax)
{
    free(ax->v); free(ax->by_text); free(ax->index);
    ax->v = ax->by_text = NULL;
    ax->index = NULL;
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

/* Items in figure order: line (group), then x, then y. */
static int position_cmp(const void *a, const void *b)
{
    const struct item *p = *(const struct item *const *)a, *q = *(const struct item *const *)b;
    if (p->group != q->group) return p->group < q->group ? -1 : 1;
    if (p->xi != q->xi) return p->xi < q->xi ? -1 : 1;
    return (p->yi > q->yi) - (p->yi < q->yi);
}

/* Items sorted by position (caller frees), or NULL when out of memory. */
static struct item **by_position(struct item *it, size_t n)
{
    struct item **o = malloc((n ? n : 1) * sizeof *o);
    if (!o) return NULL;
    for (size_t i = 0; i < n; i++) o[i] = &it[i];
    qsort(o, n, sizeof *o, position_cmp);
    return o;
}

/* Points that land on the same figure position must not be averaged silently: after a sort
 * by position, such points are neighbours. */
static int check_unique(struct fig_ctx *c, struct item *it, size_t n, const char *what,
                        const char *const *keys)
{
    struct item **o = by_position(it, n);
    if (!o) { snprintf(c->err, c->errlen, "out of memory"); return FIG_ERROR; }
    for (size_t k = 1; k < n; k++) {
        const struct item *a = o[k], *b = o[k - 1];
        if (position_cmp(&a, &b)) continue;
        /* report the pair in the order the points were loaded, as before */
        if (a > b) { const struct item *t = a; a = b; b = t; }
        const char *key = fig_differing_key(b->p, a->p, keys);
        const struct fig_param *pa = fig_param(b->p, key), *pb = fig_param(a->p, key);
        free(o);
        return fig_bad(c, "two selected points share one %s; they differ in %s (%s vs %s): select one with --where",
                       what, key, pa ? pa->text : "?", pb ? pb->text : "?");
    }
    free(o);
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
    if (found < 0) { rc = -found; goto out; }
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
    struct item **ord = by_position(it, n);
    if (!ord) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    /* one block per line, each in x order: gnuplot's index g is line g, even if it is empty */
    for (size_t g = 0, i = 0; g < n_groups; g++) {
        if (g) fputs("\n\n", f);
        for (; i < n && ord[i]->group == (int)g; i++) {
            char lab[64];
            fig_short_number(lab, sizeof lab, ord[i]->x);
            fprintf(f, "%.17g %.17g %.17g \"%s\"\n", ax.numeric ? ord[i]->x->num : (double)ord[i]->xi, ord[i]->s.mean,
                    isfinite(ord[i]->s.ci95) ? ord[i]->s.ci95 : 0.0, lab);
        }
    }
    free(ord);
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
    axis_free(&ax); axis_free(&groups);
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
    if (found < 0) { rc = -found; goto out; }
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
    axis_free(&ax); axis_free(&ay);
    free(st); free(it); free(xs); free(ys);
    return rc;
}

/* Better in the metric's direction (minimising when it has none). */
static int no_worse(double a, double b, int dir) { return dir > 0 ? a >= b : a <= b; }
static int better(double a, double b, int dir) { return dir > 0 ? a > b : a < b; }

/* Best first in x, then in y. */
static int pareto_dx, pareto_dy;
static int pareto_cmp(const void *a, const void *b)
{
    const struct item *p = *(const struct item *const *)a, *q = *(const struct item *const *)b;
    if (better(p->s.mean, q->s.mean, pareto_dx)) return -1;
    if (better(q->s.mean, p->s.mean, pareto_dx)) return 1;
    if (better(p->s2.mean, q->s2.mean, pareto_dy)) return -1;
    if (better(q->s2.mean, p->s2.mean, pareto_dy)) return 1;
    return (p > q) - (p < q);
}

/* front[i] = 1 where no other item is no worse in both metrics and better in one; returns the
 * count, or (size_t)-1 out of memory.  One sort and a sweep, O(n log n): walking best x first,
 * an item is dominated by an earlier group of better x whose best y is no worse, or within its
 * own x group by a better y. */
static size_t pareto_front(const struct item *it, size_t n, int dx, int dy, int *front)
{
    const struct item **o = malloc((n ? n : 1) * sizeof *o);
    if (!o) return (size_t)-1;
    for (size_t i = 0; i < n; i++) o[i] = &it[i];
    pareto_dx = dx;
    pareto_dy = dy;
    qsort(o, n, sizeof *o, pareto_cmp);
    size_t n_front = 0;
    int have_prev = 0;
    double prev_best = 0;                      /* best y among groups of strictly better x */
    for (size_t g = 0; g < n;) {
        size_t e = g;
        while (e < n && o[e]->s.mean == o[g]->s.mean) e++;
        double group_best = o[g]->s2.mean;     /* sorted: the group's first has its best y */
        for (size_t i = g; i < e; i++) {
            double y = o[i]->s2.mean;
            int dominated = (have_prev && no_worse(prev_best, y, dy)) || better(group_best, y, dy);
            front[o[i] - it] = !dominated;
            n_front += (size_t)!dominated;
        }
        if (!have_prev || better(group_best, prev_best, dy)) prev_best = group_best;
        have_prev = 1;
        g = e;
    }
    free(o);
    return n_front;
}


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
    int fx = fig_metric_stats(c, x, sx), fy = fx < 0 ? fx : fig_metric_stats(c, y, sy);
    if (fx < 0 || fy < 0) { rc = fx < 0 ? -fx : -fy; goto out; }
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
    size_t n_front = pareto_front(it, n, dx, dy, front);
    if (n_front == (size_t)-1) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    FILE *fa = fig_open_data(c, "data.dat"), *ff = fa ? fig_open_data(c, "front.dat") : NULL;
    FILE *fc = ff ? fig_open_data(c, "chosen.dat") : NULL;
    size_t n_chosen = 0;
    for (size_t i = 0; fc && i < n; i++) {
        char lab[256];
        fig_label_point(it[i].p, labels, lab, sizeof lab);
        fprintf(fa, "%.17g %.17g\n", it[i].s.mean, it[i].s2.mean);
        if (front[i]) {
            /* Points at one position (settings that gave identical runs) share one label. */
            int first = 1;
            for (size_t j = 0; j < i && first; j++)
                first = !(front[j] && it[j].s.mean == it[i].s.mean && it[j].s2.mean == it[i].s2.mean);
            size_t same = 0, l = strlen(lab);
            for (size_t j = i + 1; first && j < n; j++) {
                if (!front[j] || it[j].s.mean != it[i].s.mean || it[j].s2.mean != it[i].s2.mean) continue;
                if (++same <= 2) {
                    char more[128];
                    fig_label_point(it[j].p, labels, more, sizeof more);
                    l += (size_t)snprintf(lab + l, l < sizeof lab ? sizeof lab - l : 0, ", %s", more);
                }
            }
            if (same > 2) snprintf(lab + l, l < sizeof lab ? sizeof lab - l : 0, " (+%zu more)", same - 2);
            if (first) fprintf(ff, "%.17g %.17g \"%s\"\n", it[i].s.mean, it[i].s2.mean, lab);
        }
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
