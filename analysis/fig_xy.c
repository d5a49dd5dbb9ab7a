/* Figures of two metrics against each other and of paired differences: the trade-off frontier
 * (one metric against another per setting, a line per policy, ordered along a swept key) and
 * each setting's paired difference from a reference setting on the same seeds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_internal.h"
#include "paired.h"
#include "regress.h"

struct xy_item { const struct fig_point *p; const struct fig_param *along, *by; struct sample_stats x, y; };

static int along_cmp(const void *a, const void *b)
{
    const struct xy_item *p = a, *q = b;
    int g = p->by && q->by ? strcmp(p->by->text, q->by->text) : 0;
    if (g) return g;
    double u = p->along ? p->along->num : 0, v = q->along ? q->along->num : 0;
    if (p->along && q->along && !(p->along->is_num && q->along->is_num)) return strcmp(p->along->text, q->along->text);
    return (u > v) - (u < v);
}

static void label_of(const struct fig_param *v, char *buf, size_t len)
{
    if (!v) { snprintf(buf, len, "%s", ""); return; }
    if (v->is_num) snprintf(buf, len, "%.3g", v->num);
    else snprintf(buf, len, "%s", v->text);
}

void fig_set_flat_range(FILE *f, char axis, double lo, double hi)
{
    if (!(lo == hi) || !isfinite(lo)) return;
    double d = fmax(fabs(lo) * 0.05, 1e-3);
    char cmd[128], var[16];
    snprintf(cmd, sizeof cmd, "set %crange [%.17g:%.17g]", axis, lo - d, hi + d);
    snprintf(var, sizeof var, "%crange_cmd", axis);
    fig_set_str(f, var, cmd);
}

void fig_set_hline(FILE *f, const struct fig_opts *o)
{
    int has = o->hline_label && *o->hline_label;
    fig_set_num(f, "hline", has ? o->hline : NAN);
    fig_set_str(f, "hline_label", has ? o->hline_label : "");
}

int fig_xy(struct fig_ctx *c, const struct fig_opts *o, const char *x, const char *y, const char *along, const char *by)
{
    struct sample_stats *sx = calloc(c->n_pts, sizeof *sx), *sy = calloc(c->n_pts, sizeof *sy);
    struct xy_item *it = calloc(c->n_pts, sizeof *it);
    int rc = FIG_ERROR;
    FILE *f = NULL;
    if (!sx || !sy || !it) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    int fx = fig_metric_stats(c, x, sx), fy = fx < 0 ? fx : fig_metric_stats(c, y, sy);
    if (fx < 0 || fy < 0) { rc = fx < 0 ? -fx : -fy; goto out; }
    if (fx == 0 || fy == 0) { rc = fig_empty(c, "no selected run has metric '%s'", fx == 0 ? x : y); goto out; }
    size_t n = 0;
    for (size_t i = 0; i < c->n_pts; i++) {
        if (!c->pts[i].selected || !sx[i].n || !sy[i].n || !isfinite(sx[i].mean) || !isfinite(sy[i].mean)) continue;
        const struct fig_param *pa = along ? fig_param(&c->pts[i], along) : NULL, *pb = by ? fig_param(&c->pts[i], by) : NULL;
        if ((along && !pa) || (by && !pb)) continue;
        it[n++] = (struct xy_item){ .p = &c->pts[i], .along = pa, .by = pb, .x = sx[i], .y = sy[i] };
    }
    if (n == 0) {
        rc = fig_empty(c, "no selected point has both metrics '%s' and '%s'%s%s%s%s", x, y, along ? " and key " : "",
                       along ? along : "", by ? " and key " : "", by ? by : "");
        goto out;
    }
    qsort(it, n, sizeof *it, along_cmp);
    /* Two points on one line at the same position of the ordering key would be joined wrongly. */
    for (size_t i = 1; i < n; i++)
        if (along_cmp(&it[i - 1], &it[i]) == 0) {
            const char *const same[] = { along, by, NULL };
            const char *k = fig_differing_key(it[i - 1].p, it[i].p, same);
            const struct fig_param *a = fig_param(it[i - 1].p, k), *b = fig_param(it[i].p, k);
            rc = fig_bad(c, "two selected points share one position on a line; they differ in %s (%s vs %s): select one with --where",
                         k, a ? a->text : "?", b ? b->text : "?");
            goto out;
        }
    if (!(f = fig_open_data(c, "data.dat"))) goto out;
    char titles[4096] = "";
    size_t tl = 0, n_groups = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || (by && strcmp(it[i].by->text, it[i - 1].by->text))) {
            if (i) fputs("\n\n", f);
            tl += (size_t)snprintf(titles + tl, tl < sizeof titles ? sizeof titles - tl : 0, "%s%s", n_groups ? " " : "",
                                   by ? it[i].by->text : y);
            n_groups++;
        }
        char lab[64];
        label_of(it[i].along, lab, sizeof lab);
        fprintf(f, "%.17g %.17g %.17g %.17g \"%s\"\n", it[i].x.mean, it[i].y.mean,
                isfinite(it[i].x.ci95) ? it[i].x.ci95 : 0.0, isfinite(it[i].y.ci95) ? it[i].y.ci95 : 0.0, lab);
    }
    fclose(f);
    f = NULL;
    size_t lo = (size_t)-1, hi = 0;
    for (size_t i = 0; i < n; i++) { if (it[i].x.n < lo) lo = it[i].x.n; if (it[i].x.n > hi) hi = it[i].x.n; }
    char title[512], xl[256], yl[256], seeds[48];
    if (lo == hi) snprintf(seeds, sizeof seeds, "%zu seed%s", lo, lo == 1 ? "" : "s");
    else snprintf(seeds, sizeof seeds, "%zu-%zu seeds", lo, hi);
    snprintf(title, sizeof title, "%s against %s%s%s (mean, 95 %% CI, %s%s%s)", y, x, by ? " by " : "",
             by ? by : "", seeds, along ? "; labels: " : "", along ? along : "");
    int dx = metric_direction(x), dy = metric_direction(y);
    snprintf(xl, sizeof xl, "%s%s", x, dx > 0 ? " (more is better)" : dx < 0 ? " (less is better)" : "");
    snprintf(yl, sizeof yl, "%s%s", y, dy > 0 ? " (more is better)" : dy < 0 ? " (less is better)" : "");
    if (!(f = fig_open_data(c, "settings.gp"))) goto out;
    fig_set_str(f, "title_text", title);
    fig_set_str(f, "xlabel_text", xl);
    fig_set_str(f, "ylabel_text", yl);
    fig_set_str(f, "titles", titles);
    fig_set_num(f, "nblocks", (double)n_groups);
    fig_set_num(f, "labels", along != NULL);
    fig_set_hline(f, o);
    double xl0 = INFINITY, xh0 = -INFINITY, yl0 = INFINITY, yh0 = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        double cx = isfinite(it[i].x.ci95) ? it[i].x.ci95 : 0, cy = isfinite(it[i].y.ci95) ? it[i].y.ci95 : 0;
        xl0 = fmin(xl0, it[i].x.mean - cx); xh0 = fmax(xh0, it[i].x.mean + cx);
        yl0 = fmin(yl0, it[i].y.mean - cy); yh0 = fmax(yh0, it[i].y.mean + cy);
    }
    fig_set_flat_range(f, 'x', xl0, xh0);
    fig_set_flat_range(f, 'y', yl0, yh0);
    fclose(f);
    f = NULL;
    rc = fig_render(c, "xy");
out:
    if (f) fclose(f);
    free(sx); free(sy); free(it);
    return rc;
}

struct pd_item { const struct fig_point *p; char label[128]; struct sample_stats d; double p_value; };

static int label_cmp_num(const struct fig_point *a, const struct fig_point *b, const char *labels)
{
    char keys[256];
    snprintf(keys, sizeof keys, "%s", labels);
    for (char *save = NULL, *k = strtok_r(keys, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
        const struct fig_param *u = fig_param(a, k), *v = fig_param(b, k);
        if (!u || !v) continue;
        int r = u->is_num && v->is_num ? (u->num > v->num) - (u->num < v->num) : strcmp(u->text, v->text);
        if (r) return r;
    }
    return 0;
}

static const char *pd_labels;
static int pd_cmp(const void *a, const void *b)
{
    return label_cmp_num(((const struct pd_item *)a)->p, ((const struct pd_item *)b)->p, pd_labels);
}

void fig_label_point(const struct fig_point *p, const char *labels, char *buf, size_t len)
{
    char keys[256];
    snprintf(keys, sizeof keys, "%s", labels ? labels : "");
    size_t o = 0;
    buf[0] = 0;
    for (char *save = NULL, *k = strtok_r(keys, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
        const struct fig_param *v = fig_param(p, k);
        if (!v) continue;
        char s[64];
        fig_short_number(s, sizeof s, v);
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? "/" : "", s);
    }
}

int fig_paired(struct fig_ctx *c, const struct fig_opts *o, const char *y, const char *labels, const char *ref)
{
    (void)o;
    char why[512];
    struct where_expr *re = fig_where_compile(c, ref, why, sizeof why);
    if (!re) return fig_bad(c, "--ref %s", why);
    char keys[256];
    snprintf(keys, sizeof keys, "%s", labels);
    const char *except[16];
    size_t n_except = 0;
    for (char *save = NULL, *k = strtok_r(keys, ",", &save); k && n_except < 15; k = strtok_r(NULL, ",", &save))
        except[n_except++] = k;
    except[n_except] = NULL;
    struct pd_item *it = calloc(c->n_pts, sizeof *it);
    int rc = FIG_ERROR;
    size_t n = 0, no_ref = 0, n_refs = 0;
    FILE *f = NULL;
    const char *ref_label_point = NULL;
    char ref_label[128] = "";
    if (!it) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    for (size_t i = 0; i < c->n_pts; i++) {
        struct fig_point *p = &c->pts[i];
        if (!p->selected) continue;
        if (fig_where_eval(c, re, p)) { n_refs++; continue; }
        const struct fig_point *r = paired_reference(c, p, re, except);
        if (!r) { no_ref++; continue; }
        struct seed_values a, b;
        if (seed_values_load(c, p, y, &a) != 0) goto out;
        if (seed_values_load(c, r, y, &b) != 0) { seed_values_free(&a); goto out; }
        paired_diff(&a, &b, &it[n].d);
        seed_values_free(&a);
        seed_values_free(&b);
        if (it[n].d.n == 0) continue;
        it[n].p = p;
        it[n].p_value = paired_p(&it[n].d);
        fig_label_point(p, labels, it[n].label, sizeof it[n].label);
        if (!ref_label_point) { fig_label_point(r, labels, ref_label, sizeof ref_label); ref_label_point = ref_label; }
        n++;
    }
    if (n_refs == 0) { rc = fig_empty(c, "no selected point matches --ref '%s'", ref); goto out; }
    if (n == 0) {
        rc = fig_empty(c, "no selected point has metric '%s' and a reference point (--ref '%s') equal in every key but %s"
                          " (%zu without one)", y, ref, labels, no_ref);
        goto out;
    }
    pd_labels = labels;
    qsort(it, n, sizeof *it, pd_cmp);
    if (!(f = fig_open_data(c, "data.dat"))) goto out;
    size_t lo = (size_t)-1, hi = 0, n_sig = 0;
    double span = 0;
    for (size_t i = 0; i < n; i++) {
        span = fmax(span, fabs(it[i].d.mean) + (isfinite(it[i].d.ci95) ? it[i].d.ci95 : 0.0));
        int sig = isfinite(it[i].d.ci95) && fabs(it[i].d.mean) > it[i].d.ci95;
        n_sig += (size_t)sig;
        fprintf(f, "%zu %.17g %.17g %d \"%s\"\n", i, it[i].d.mean, isfinite(it[i].d.ci95) ? it[i].d.ci95 : 0.0, sig,
                it[i].label);
        if (it[i].d.n < lo) lo = it[i].d.n;
        if (it[i].d.n > hi) hi = it[i].d.n;
    }
    fclose(f);
    f = NULL;
    int dir = metric_direction(y);
    char title[512], yl[256], seeds[48];
    if (lo == hi) snprintf(seeds, sizeof seeds, "%zu paired seed%s", lo, lo == 1 ? "" : "s");
    else snprintf(seeds, sizeof seeds, "%zu-%zu paired seeds", lo, hi);
    snprintf(title, sizeof title, "%s: each %s minus %s on the same seeds (mean, 95 %% CI over %s; %zu of %zu differ)",
             y, labels, ref_label, seeds, n_sig, n);
    snprintf(yl, sizeof yl, "difference in %s%s", y, dir > 0 ? " (above 0: better)" : dir < 0 ? " (below 0: better)" : "");
    if (!(f = fig_open_data(c, "settings.gp"))) goto out;
    fig_set_str(f, "title_text", title);
    fig_set_str(f, "xlabel_text", labels);
    fig_set_str(f, "ylabel_text", yl);
    fig_set_num(f, "npoints", (double)n);
    fig_set_num(f, "yspan", span > 0 ? 1.15 * span : 1.0);     /* symmetric about 0 */
    fclose(f);
    f = NULL;
    rc = fig_render(c, "paired");
out:
    if (f) fclose(f);
    where_free(re);
    free(it);
    return rc;
}
