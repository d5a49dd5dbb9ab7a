/* The marks table (experiment A): per context, the hi/lo marks whose choking quality holds within
 * the kept share of the best at the least CPU, paired over seeds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "paired.h"
#include "recommend.h"
#include "recommend_int.h"
#include "regress.h"

#define CHOKE_MAX_FRONT 64

/* ------------------------------------------------------------------ marks (experiment A) */

/* The decision-quality metric: the caller's, else unchoke_overlap. */
static const char *quality_metric(const struct rec_opts *o) { return o->quality ? o->quality : "unchoke_overlap"; }

struct mark_pt { const struct fig_point *p; struct sample_stats cpu, q; int front; };

/* (hi_mark, lo_mark) of a below that of b. */
static int marks_before(const struct fig_point *a, const struct fig_point *b)
{
    double ha = rec_num(a, "hi_mark"), hb = rec_num(b, "hi_mark");
    return ha < hb || (ha == hb && rec_num(a, "lo_mark") < rec_num(b, "lo_mark"));
}

int recommend_marks(struct fig_ctx *c, const struct rec_opts *o, struct rec_table *t)
{
    const char *qm = quality_metric(o);
    int qdir = metric_direction(qm);
    if (qdir == 0) qdir = 1;
    int *rel = calloc(c->n_pts ? c->n_pts : 1, sizeof *rel);
    struct sample_stats *cpu = calloc(c->n_pts ? c->n_pts : 1, sizeof *cpu), *q = calloc(c->n_pts ? c->n_pts : 1, sizeof *q);
    struct mark_pt *mp = calloc(c->n_pts ? c->n_pts : 1, sizeof *mp);
    struct groups *g = calloc(1, sizeof *g);
    int rc = REC_ERROR;
    if (!rel || !cpu || !q || !mp || !g) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    size_t n_rel = 0;
    for (size_t i = 0; i < c->n_pts; i++) {
        const struct fig_point *p = &c->pts[i];
        rel[i] = p->selected && !strcmp(p->experiment, "etorrent") && !strcmp(rec_text(p, "policy"), "hysteresis") &&
                 isfinite(rec_num(p, "hi_mark")) && isfinite(rec_num(p, "lo_mark"));
        n_rel += (size_t)rel[i];
    }
    if (n_rel < 2) { rc = REC_NODATA; snprintf(c->err, c->errlen, "no etorrent sweep over hi_mark/lo_mark (policy = hysteresis)"); goto out; }
    if (fig_metric_stats(c, "cpu_us_per_s", cpu) < 0 || fig_metric_stats(c, qm, q) < 0) goto out;
    static const char *const except[] = { "hi_mark", "lo_mark", NULL };
    if (rec_group_points(c, rel, except, g) != 0) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    if (rec_table_init(t, "marks", 12) != 0) goto oom;
    if (rec_single_version(c, rel, t->code_version, sizeof t->code_version) != 0) goto out;
    snprintf(t->title, sizeof t->title, "Which hi/lo marks: the best decision quality (%s) within a CPU budget, per swarm profile", qm);
    char budget_text[160];
    if (isfinite(o->cpu_budget_us))
        snprintf(budget_text, sizeof budget_text, "%.0f us per simulated second, %.3g %% of one core", o->cpu_budget_us,
                 o->cpu_budget_us / 1e4);
    else
        snprintf(budget_text, sizeof budget_text, "%g x the mean CPU of etorrent's 16000/4000 in that profile", o->cpu_budget_rel);
    snprintf(t->rule, sizeof t->rule,
             "Per profile, every (hi_mark, lo_mark) point's mean CPU (cpu_us_per_s) and mean %s over seeds; the Pareto front "
             "of the two (less CPU and %s %s are better).  Within the profile's CPU budget (%s) the front point with the best "
             "mean %s is found; recommended is the cheapest front point whose %s "
             "is not significantly worse than that one's on the same seeds (paired t-test, p < 0.05), since with a few seeds "
             "the best mean is partly noise.  Differences from etorrent's 16000/4000 are paired on the same seeds (mean and "
             "95 %% CI; * marks p < 0.05); the last three columns are the largest paired difference in %s anywhere in the grid, "
             "what the recommended pair does to the download (down_goodput_kBps), the outcome that reciprocity ties to "
             "the decisions, and what it saves in CPU on the same seeds.",
             qm, qdir > 0 ? "more" : "less", qm, budget_text, qm, qm, qm);
    static const char *const head[] = { "swarm profile", "CPU budget us/s", "16k/4k CPU us/s", "16k/4k quality",
                                        "recommended hi/lo", "its CPU us/s", "its quality", "quality minus 16k/4k (paired)",
                                        "Pareto front hi/lo", "largest paired difference in the grid",
                                        "its download minus 16k/4k kB/s (paired)", "its CPU minus 16k/4k us/s (paired)" };
    for (size_t k = 0; k < 12; k++) rec_set_text(t, 0, k, "%s", head[k]);
    struct where_expr *ref = fig_where_compile(c, "hi_mark == 16000 && lo_mark == 4000", c->err, c->errlen);
    if (!ref) goto out;
    for (size_t gi = 0; gi < g->n; gi++) {
        size_t n = 0;
        const struct fig_point *refp = NULL;
        for (size_t i = 0; i < c->n_pts; i++) {
            if (g->of[i] != (int)gi || !cpu[i].n || !q[i].n || !isfinite(q[i].mean)) continue;
            mp[n++] = (struct mark_pt){ .p = &c->pts[i], .cpu = cpu[i], .q = q[i] };
            if (fig_where_eval(c, ref, &c->pts[i])) refp = &c->pts[i];
        }
        if (n == 0) continue;
        int row = rec_table_add_row(t);
        if (row < 0) { where_free(ref); goto oom; }
        rec_set_text(t, (size_t)row, 0, "%s", g->label[gi]);
        /* Pareto front on the means: nothing cheaper-or-equal and better-or-equal, one strictly. */
        for (size_t a = 0; a < n; a++) {
            mp[a].front = 1;
            for (size_t b = 0; b < n && mp[a].front; b++) {
                if (b == a) continue;
                double da = mp[a].q.mean * qdir, db = mp[b].q.mean * qdir;
                if (mp[b].cpu.mean <= mp[a].cpu.mean && db >= da && (mp[b].cpu.mean < mp[a].cpu.mean || db > da))
                    mp[a].front = 0;
            }
        }
        const struct mark_pt *rm = NULL;
        for (size_t a = 0; a < n; a++) if (mp[a].p == refp) rm = &mp[a];
        double budget = isfinite(o->cpu_budget_us) ? o->cpu_budget_us : rm ? o->cpu_budget_rel * rm->cpu.mean : NAN;
        if (isfinite(budget)) rec_set_stat(t, (size_t)row, 1, NULL, budget, NAN, 0, NULL);
        else rec_set_text(t, (size_t)row, 1, "none (16k/4k not swept)");
        /* The front, cheapest first; the best quality within the budget on it. */
        const struct mark_pt *fr[CHOKE_MAX_FRONT], *best = NULL;
        size_t n_fr = 0;
        char front[512] = "";
        size_t fl = 0;
        double last = -INFINITY;
        while (n_fr < CHOKE_MAX_FRONT) {
            const struct mark_pt *m = NULL;
            /* points with the very same means (lo_mark often changes nothing) stand for each other:
             * the lowest marks are named, whatever order the runs were stored in */
            for (size_t a = 0; a < n; a++)
                if (mp[a].front && mp[a].cpu.mean > last &&
                    (!m || mp[a].cpu.mean < m->cpu.mean || (mp[a].cpu.mean == m->cpu.mean && marks_before(mp[a].p, m->p))))
                    m = &mp[a];
            if (!m) break;
            last = m->cpu.mean;
            fr[n_fr++] = m;
            char lab[64];
            fig_label_point(m->p, "hi_mark,lo_mark", lab, sizeof lab);
            fl += (size_t)snprintf(front + fl, fl < sizeof front ? sizeof front - fl : 0, "%s%s", fl ? ", " : "", lab);
            if (isfinite(budget) && m->cpu.mean <= budget * (1 + 1e-9) && (!best || m->q.mean * qdir > best->q.mean * qdir)) best = m;
        }
        /* Means of a few seeds pick the best by noise: recommend the cheapest front point whose
         * quality is not significantly worse than the best's on the same seeds. */
        if (best) {
            struct seed_values bv;
            if (seed_values_load(c, best->p, qm, &bv) != 0) { where_free(ref); goto out; }
            for (size_t k = 0; k < n_fr && fr[k] != best; k++) {
                if (fr[k]->cpu.mean > budget * (1 + 1e-9)) break;
                struct seed_values v;
                if (seed_values_load(c, fr[k]->p, qm, &v) != 0) { seed_values_free(&bv); where_free(ref); goto out; }
                struct sample_stats d;
                paired_diff(&v, &bv, &d);
                seed_values_free(&v);
                if (d.n >= 2 && !(paired_p(&d) < 0.05 && d.mean * qdir < 0)) { best = fr[k]; break; }
            }
            seed_values_free(&bv);
        }
        /* Settings that gave the very same runs as etorrent's 16000/4000 are 16000/4000. */
        if (best && rm && best != rm && best->cpu.mean == rm->cpu.mean && best->q.mean == rm->q.mean) best = rm;
        rec_set_text(t, (size_t)row, 8, "%s", front);
        if (rm) {
            rec_set_stat(t, (size_t)row, 2, NULL, rm->cpu.mean, rm->cpu.ci95, (long)rm->cpu.n, NULL);
            rec_set_stat(t, (size_t)row, 3, NULL, rm->q.mean, rm->q.ci95, (long)rm->q.n, NULL);
        } else {
            rec_set_text(t, (size_t)row, 2, "not swept");
            rec_set_text(t, (size_t)row, 3, "not swept");
        }
        if (!best) {
            rec_set_text(t, (size_t)row, 4, "none within the budget");
        } else {
            char lab[64];
            fig_label_point(best->p, "hi_mark,lo_mark", lab, sizeof lab);
            rec_set_text(t, (size_t)row, 4, "%s", lab);
            rec_set_stat(t, (size_t)row, 5, NULL, best->cpu.mean, best->cpu.ci95, (long)best->cpu.n, NULL);
            rec_set_stat(t, (size_t)row, 6, NULL, best->q.mean, best->q.ci95, (long)best->q.n, NULL);
        }
        /* Paired differences from the reference: the recommended pair, and the largest anywhere. */
        if (refp) {
            struct seed_values rv;
            if (seed_values_load(c, refp, qm, &rv) != 0) { where_free(ref); goto out; }
            double big = 0;
            const struct mark_pt *bigm = NULL;
            struct sample_stats bigd = { 0, NAN, NAN, NAN };
            for (size_t a = 0; a < n; a++) {
                if (mp[a].p == refp) continue;
                struct seed_values v;
                if (seed_values_load(c, mp[a].p, qm, &v) != 0) { seed_values_free(&rv); where_free(ref); goto out; }
                struct sample_stats d;
                paired_diff(&v, &rv, &d);
                seed_values_free(&v);
                if (d.n == 0) continue;
                double pv = paired_p(&d);
                if (&mp[a] == best) {
                    rec_set_stat(t, (size_t)row, 7, NULL, d.mean, d.ci95, (long)d.n, pv < 0.05 ? "*" : NULL);
                }
                /* ties (lo_mark often changes nothing) go to the lowest marks, whatever order the runs were stored in */
                if (fabs(d.mean) > big || (bigm && fabs(d.mean) == big && marks_before(mp[a].p, bigm->p))) {
                    big = fabs(d.mean);
                    bigm = &mp[a];
                    bigd = d;
                }
            }
            if (best && best == rm) rec_set_text(t, (size_t)row, 7, "0 (it is 16k/4k)");
            if (bigm) {
                char lab[64];
                fig_label_point(bigm->p, "hi_mark,lo_mark", lab, sizeof lab);
                rec_set_stat(t, (size_t)row, 9, NULL, bigd.mean, bigd.ci95, (long)bigd.n, paired_p(&bigd) < 0.05 ? "*" : NULL);
                struct rec_cell *cell = rec_at(t, (size_t)row, 9);
                size_t l = strlen(cell->text);
                snprintf(cell->text + l, sizeof cell->text - l, " (%s)", lab);
            } else {
                rec_set_text(t, (size_t)row, 9, "no difference on any seed");
            }
            seed_values_free(&rv);
            /* What the choice does to the download: with reciprocity a peer we misjudge chokes us. */
            static const char *const outcome[2] = { "down_goodput_kBps", "cpu_us_per_s" };
            for (size_t k = 0; k < 2 && best; k++) {
                if (best == rm) { rec_set_text(t, (size_t)row, 10 + k, "0 (it is 16k/4k)"); continue; }
                struct seed_values a, b;
                if (seed_values_load(c, best->p, outcome[k], &a) != 0) { where_free(ref); goto out; }
                if (seed_values_load(c, refp, outcome[k], &b) != 0) { seed_values_free(&a); where_free(ref); goto out; }
                struct sample_stats d;
                paired_diff(&a, &b, &d);
                seed_values_free(&a);
                seed_values_free(&b);
                rec_set_stat(t, (size_t)row, 10 + k, NULL, d.mean, d.ci95, (long)d.n, paired_p(&d) < 0.05 ? "*" : NULL);
            }
        }
    }
    where_free(ref);
    rc = t->n_rows > 1 ? REC_OK : REC_NODATA;
    if (rc == REC_NODATA) snprintf(c->err, c->errlen, "no hi_mark/lo_mark point has both cpu_us_per_s and %s", qm);
    goto out;
oom:
    snprintf(c->err, c->errlen, "out of memory");
out:
    free(rel); free(cpu); free(q); free(mp);
    if (g) free(g->of);
    free(g);
    return rc;
}

