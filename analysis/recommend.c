/* The three recommendation tables computed from a database's parameter points and their per-seed
 * runs.  Rows are the contexts a user has (swarm profile, line and FIFO), found as the scenario
 * plus every key that varies among the points except the ones the table decides over. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "paired.h"
#include "recommend.h"
#include "regress.h"

#define MAX_ROWS 256
#define MAX_COLS_POL 8
#define CHOKE_MAX_FRONT 64

void rec_opts_default(struct rec_opts *o)
{
    o->quality = NULL;                /* unchoke_overlap, see quality_metric() */
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

struct groups { char label[MAX_ROWS][256]; size_t n; int *of; };

static int group_points(struct fig_ctx *c, const int *rel, const char *const *except, struct groups *g)
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

static double num(const struct fig_point *p, const char *key)
{
    const struct fig_param *v = fig_param(p, key);
    return v && v->is_num ? v->num : NAN;
}

static const char *text(const struct fig_point *p, const char *key)
{
    const struct fig_param *v = fig_param(p, key);
    return v ? v->text : "";
}

static int single_version(struct fig_ctx *c, const int *rel, char *version, size_t len)
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

/* ------------------------------------------------------------------ marks (experiment A) */

/* The decision-quality metric: the caller's, else unchoke_overlap. */
static const char *quality_metric(const struct rec_opts *o) { return o->quality ? o->quality : "unchoke_overlap"; }

struct mark_pt { const struct fig_point *p; struct sample_stats cpu, q; int front; };

/* (hi_mark, lo_mark) of a below that of b. */
static int marks_before(const struct fig_point *a, const struct fig_point *b)
{
    double ha = num(a, "hi_mark"), hb = num(b, "hi_mark");
    return ha < hb || (ha == hb && num(a, "lo_mark") < num(b, "lo_mark"));
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
        rel[i] = p->selected && !strcmp(p->experiment, "etorrent") && !strcmp(text(p, "policy"), "hysteresis") &&
                 isfinite(num(p, "hi_mark")) && isfinite(num(p, "lo_mark"));
        n_rel += (size_t)rel[i];
    }
    if (n_rel < 2) { rc = REC_NODATA; snprintf(c->err, c->errlen, "no etorrent sweep over hi_mark/lo_mark (policy = hysteresis)"); goto out; }
    if (fig_metric_stats(c, "cpu_us_per_s", cpu) < 0 || fig_metric_stats(c, qm, q) < 0) goto out;
    static const char *const except[] = { "hi_mark", "lo_mark", NULL };
    if (group_points(c, rel, except, g) != 0) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    if (rec_table_init(t, "marks", 12) != 0) goto oom;
    if (single_version(c, rel, t->code_version, sizeof t->code_version) != 0) goto out;
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

/* ------------------------------------------------------------------ limit (experiment B) */

/* A run without eMule upload: no downloader ever connects (the solo download's reference). */
static int is_solo(const struct fig_point *p) { return num(p, "dl_never_frac") >= 1.0; }

/* Value of `s` at seed `seed`, NAN if absent. */
static double at_seed(const struct seed_values *s, long long seed)
{
    for (size_t i = 0; i < s->n; i++) if (s->seed[i] == seed) return s->value[i];
    return NAN;
}

struct lim_pt { const struct fig_point *p; double pct; struct seed_values down, up; };

static int lim_cmp(const void *a, const void *b)
{
    double x = ((const struct lim_pt *)a)->pct, y = ((const struct lim_pt *)b)->pct;
    return (x > y) - (x < y);
}

/* Per seed: the highest grid limit whose download / solo is >= keep, interpolated linearly towards
 * the next grid limit (which loses it); censored at the grid's ends (*cens -1: no limit keeps it,
 * +1: the highest limit swept does).  *hole: a lower limit loses it (a non-monotone curve, e.g. a
 * download-limit rule at low limits). */
static double crossing(const struct lim_pt *lp, size_t n, long long seed, double solo, double keep, int *cens,
                       int *hole, double *up_at)
{
    *cens = 0;
    *hole = 0;
    double r[64];
    if (n > 64) n = 64;
    for (size_t k = 0; k < n; k++) {
        double d = at_seed(&lp[k].down, seed);
        if (!isfinite(d)) return NAN;
        r[k] = d / solo;
    }
    size_t top = n;
    for (size_t k = n; k-- > 0; ) if (r[k] >= keep) { top = k; break; }
    if (top == n) { *cens = -1; *up_at = NAN; return lp[0].pct; }
    for (size_t k = 0; k < top; k++) *hole |= r[k] < keep;
    if (top == n - 1) { *cens = 1; *up_at = at_seed(&lp[top].up, seed); return lp[top].pct; }
    double f = (r[top] - keep) / (r[top] - r[top + 1]);
    double u0 = at_seed(&lp[top].up, seed), u1 = at_seed(&lp[top + 1].up, seed);
    *up_at = u0 + f * (u1 - u0);
    return lp[top].pct + f * (lp[top + 1].pct - lp[top].pct);
}

/* Which policy: among those whose limit kept the download on every seed, the one whose highest
 * safe limit buys the most upload goodput (mean over seeds), and its paired differences from each
 * other policy on the seeds both kept the download on.  A policy that lost the download at every
 * limit on some seed is picked only when no policy held on every seed: its mean covers only the
 * seeds it kept, so it would otherwise look better the more seeds it lost.
 * up[k * n_seeds + s]: policy k's upload goodput at its answer on seed s, NAN where none;
 * lost[k]: the seeds on which policy k kept the download at no limit swept. */
static void limit_pick(struct rec_table *t, size_t row, size_t col, char (*policies)[32], size_t n_pol,
                       const struct seed_values *seeds, const double *up, const int *lost)
{
    double mean[MAX_COLS_POL];
    int best = -1;
    for (size_t k = 0; k < n_pol; k++) {
        double sum = 0;
        size_t n = 0;
        for (size_t s = 0; s < seeds->n; s++)
            if (isfinite(up[k * seeds->n + s])) { sum += up[k * seeds->n + s]; n++; }
        mean[k] = n >= 2 ? sum / (double)n : NAN;
        if (!isfinite(mean[k])) continue;
        int better = best < 0 || (lost[k] == 0 && lost[best] > 0) ||
                     ((lost[k] == 0) == (lost[best] == 0) && mean[k] > mean[best]);
        if (better) best = (int)k;
    }
    if (best < 0) { rec_set_text(t, row, col, "none: no policy kept the download on 2 seeds"); return; }
    struct rec_cell *cell = rec_at(t, row, col);
    size_t l = (size_t)snprintf(cell->text, sizeof cell->text, "%s", policies[best]);
    struct seed_values a = { .seed = seeds->seed, .value = (double *)&up[(size_t)best * seeds->n], .n = seeds->n };
    /* the others from the closest down, so the first difference is the one that decides */
    int used[MAX_COLS_POL] = { 0 };
    used[best] = 1;
    for (size_t done = 0; ; done++) {
        int k = -1;
        for (size_t j = 0; j < n_pol; j++)
            if (!used[j] && isfinite(mean[j]) && (k < 0 || mean[j] > mean[k])) k = (int)j;
        if (k < 0) break;
        used[k] = 1;
        struct seed_values b = { .seed = seeds->seed, .value = (double *)&up[(size_t)k * seeds->n], .n = seeds->n };
        struct sample_stats d;
        paired_diff(&a, &b, &d);
        if (done == 0) { cell->mean = d.mean; cell->ci95 = d.ci95; cell->n = (long)d.n; }
        char diff[64];
        rec_stat_text(diff, sizeof diff, d.mean >= 0 ? "+" : NULL, d.mean, d.ci95, paired_p(&d) < 0.05 ? "*" : NULL);
        l += (size_t)snprintf(cell->text + l, l < sizeof cell->text ? sizeof cell->text - l : 0, "%s %s over %s",
                              done ? "," : ":", diff, policies[k]);
    }
    for (size_t k = 0; k < n_pol; k++)
        if (!isfinite(mean[k]))
            l += (size_t)snprintf(cell->text + l, l < sizeof cell->text ? sizeof cell->text - l : 0, "; %s kept it on < 2 seeds",
                                  policies[k]);
        else if (lost[k] > 0)
            l += (size_t)snprintf(cell->text + l, l < sizeof cell->text ? sizeof cell->text - l : 0,
                                  "; %s lost it at every limit on %d seed%s", policies[k], lost[k], lost[k] > 1 ? "s" : "");
}

int recommend_limit(struct fig_ctx *c, const struct rec_opts *o, struct rec_table *t)
{
    int *rel = calloc(c->n_pts ? c->n_pts : 1, sizeof *rel);
    struct groups *g = calloc(1, sizeof *g);
    struct lim_pt *lp = calloc(c->n_pts ? c->n_pts : 1, sizeof *lp);
    size_t n_lp = 0;
    int rc = REC_ERROR;
    char policies[MAX_COLS_POL][32];
    size_t n_pol = 0;
    if (!rel || !g || !lp) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    size_t n_solo = 0;
    for (size_t i = 0; i < c->n_pts; i++) {
        const struct fig_point *p = &c->pts[i];
        rel[i] = p->selected && !strcmp(p->experiment, "xtreme") && isfinite(num(p, "limit_pct_line"));
        if (!rel[i]) continue;
        if (is_solo(p)) { n_solo++; continue; }
        const char *pol = text(p, "upload_policy");
        size_t k = 0;
        while (k < n_pol && strcmp(policies[k], pol)) k++;
        if (k == n_pol && n_pol < MAX_COLS_POL) snprintf(policies[n_pol++], sizeof policies[0], "%s", pol);
    }
    if (n_solo == 0 || n_pol == 0) {
        rc = REC_NODATA;
        snprintf(c->err, c->errlen, "no xtreme sweep with solo runs (dl_never_frac = 1) and limited policies");
        goto out;
    }
    static const char *const except[] = { "upload_policy", "upload_limit_kBps", "dl_never_frac", "dl_late_frac", NULL };
    if (group_points(c, rel, except, g) != 0) goto oom;
    size_t n_cols = 3 + 2 * n_pol;
    if (rec_table_init(t, "limit", n_cols) != 0) goto oom;
    if (single_version(c, rel, t->code_version, sizeof t->code_version) != 0) goto out;
    snprintf(t->title, sizeof t->title, "Which upload limit: the highest limit (%% of the line's upstream) per policy that keeps "
             "the download at >= %.0f %% of its solo goodput, per line and FIFO length", 100 * o->keep_share);
    snprintf(t->rule, sizeof t->rule,
             "Solo = the same line, FIFO, download sources, VoIP and web traffic without eMule upload (dl_never_frac = 1), "
             "same seed.  Per seed, the download goodput over the solo one against the limit in %% of up_kbps; the answer is "
             "the highest limit swept that keeps it at >= %.2f, interpolated linearly towards the next limit (which does not), "
             "then the mean and 95 %% CI over seeds.  '>=': some seed kept it up to the highest limit swept; a note says when "
             "a lower limit also loses it (a download-limit rule at low uploads).  "
             "The upload goodput (eMule's payload reaching the downloaders) at that limit is what the setting buys: compare "
             "policies by it, not by the limit, since each policy counts different bytes against the limit.  The last column "
             "picks, among the policies whose limit kept the download on every seed (any policy if none did), the one that "
             "buys the most upload goodput at its highest safe limit (mean over seeds) and gives its "
             "paired differences from the others in kbit/s on the seeds where both kept the download at some limit "
             "(mean and 95 %% CI; * marks p < 0.05).",
             o->keep_share);
    rec_set_text(t, 0, 0, "line, FIFO");
    rec_set_text(t, 0, 1, "solo download kbit/s");
    for (size_t k = 0; k < n_pol; k++) {
        rec_set_text(t, 0, 2 + 2 * k, "%s: highest limit %% of line", policies[k]);
        rec_set_text(t, 0, 3 + 2 * k, "%s: upload goodput kbit/s there", policies[k]);
    }
    rec_set_text(t, 0, n_cols - 1, "pick: most upload goodput at its limit (paired difference kbit/s)");
    for (size_t gi = 0; gi < g->n; gi++) {
        const struct fig_point *solo = NULL;
        for (size_t i = 0; i < c->n_pts && !solo; i++) if (g->of[i] == (int)gi && is_solo(&c->pts[i])) solo = &c->pts[i];
        if (!solo) continue;
        int row = rec_table_add_row(t);
        if (row < 0) goto oom;
        rec_set_text(t, (size_t)row, 0, "%s", g->label[gi]);
        struct seed_values sv;
        if (seed_values_load(c, solo, "down_goodput_kbps", &sv) != 0) goto out;
        double sm, sc;
        long sn;
        rec_mean_ci(sv.value, sv.n, &sm, &sc, &sn);
        rec_set_stat(t, (size_t)row, 1, NULL, sm, sc, sn, NULL);
        double *pick = malloc((n_pol * sv.n > 0 ? n_pol * sv.n : 1) * sizeof *pick);
        if (!pick) { seed_values_free(&sv); goto oom; }
        for (size_t k = 0; k < n_pol * sv.n; k++) pick[k] = NAN;
        int lost[MAX_COLS_POL] = { 0 };
        for (size_t k = 0; k < n_pol; k++) {
            n_lp = 0;
            for (size_t i = 0; i < c->n_pts; i++) {
                const struct fig_point *p = &c->pts[i];
                if (g->of[i] != (int)gi || is_solo(p) || strcmp(text(p, "upload_policy"), policies[k])) continue;
                lp[n_lp].p = p;
                lp[n_lp].pct = num(p, "limit_pct_line");
                if (seed_values_load(c, p, "down_goodput_kbps", &lp[n_lp].down) != 0 ||
                    seed_values_load(c, p, "up_goodput_kbps", &lp[n_lp].up) != 0) { free(pick); seed_values_free(&sv); goto out; }
                n_lp++;
            }
            if (n_lp < 2) {
                rec_set_text(t, (size_t)row, 2 + 2 * k, "fewer than 2 limits");
            } else {
                qsort(lp, n_lp, sizeof *lp, lim_cmp);
                double *lim = malloc(sv.n * sizeof *lim), *upg = malloc(sv.n * sizeof *upg);
                size_t m = 0;
                int hi_cens = 0, lo_cens = 0, holes = 0;
                for (size_t s = 0; lim && upg && s < sv.n; s++) {
                    if (!isfinite(sv.value[s]) || sv.value[s] <= 0) continue;
                    int cens, hole;
                    double up_at = NAN, x = crossing(lp, n_lp, sv.seed[s], sv.value[s], o->keep_share, &cens, &hole, &up_at);
                    if (!isfinite(x)) continue;
                    hi_cens += cens > 0;
                    lo_cens += cens < 0;
                    holes += hole;
                    lim[m] = x;
                    upg[m++] = up_at;
                    if (cens >= 0) pick[k * sv.n + s] = up_at;
                }
                lost[k] = lo_cens;
                double lm, lc, um, uc;
                long ln, un;
                rec_mean_ci(lim, m, &lm, &lc, &ln);
                rec_mean_ci(upg, m, &um, &uc, &un);
                if (lo_cens == (int)ln && ln > 0)
                    rec_set_text(t, (size_t)row, 2 + 2 * k, "none of %.3g-%.3g keeps it", lp[0].pct, lp[n_lp - 1].pct);
                else if (hi_cens == (int)ln && ln > 0)
                    rec_set_text(t, (size_t)row, 2 + 2 * k, ">= %.3g (every seed kept it at the highest limit)", lp[n_lp - 1].pct);
                else rec_set_stat(t, (size_t)row, 2 + 2 * k, hi_cens ? ">= " : lo_cens ? "< " : NULL, lm, lc, ln, NULL);
                if ((hi_cens || lo_cens) && hi_cens < (int)ln && lo_cens < (int)ln) {
                    struct rec_cell *cell = rec_at(t, (size_t)row, 2 + 2 * k);
                    size_t l = strlen(cell->text);
                    snprintf(cell->text + l, sizeof cell->text - l, " (%d of %ld seeds %s)", hi_cens ? hi_cens : lo_cens, ln,
                             hi_cens ? "kept it at the highest limit" : "lost it at every limit");
                }
                if (holes) {
                    struct rec_cell *cell = rec_at(t, (size_t)row, 2 + 2 * k);
                    size_t l = strlen(cell->text);
                    snprintf(cell->text + l, sizeof cell->text - l, "; below it, a lower limit loses it too on %d of %ld seeds",
                             holes, ln);
                }
                double up_kbps = num(solo, "up_kbps");
                rec_set_stat(t, (size_t)row, 3 + 2 * k, NULL, um, uc, un, NULL);
                if (lo_cens == (int)ln) rec_set_text(t, (size_t)row, 3 + 2 * k, "–");
                else if (isfinite(um) && up_kbps > 0) {
                    struct rec_cell *cell = rec_at(t, (size_t)row, 3 + 2 * k);
                    size_t l = strlen(cell->text);
                    snprintf(cell->text + l, sizeof cell->text - l, " (%.0f %% of line)", 100 * um / up_kbps);
                }
                free(lim);
                free(upg);
            }
            for (size_t i = 0; i < n_lp; i++) { seed_values_free(&lp[i].down); seed_values_free(&lp[i].up); }
        }
        limit_pick(t, (size_t)row, n_cols - 1, policies, n_pol, &sv, pick, lost);
        free(pick);
        seed_values_free(&sv);
    }
    rc = t->n_rows > 1 ? REC_OK : REC_NODATA;
    if (rc == REC_NODATA) snprintf(c->err, c->errlen, "no line/FIFO has both solo runs and limited runs");
    goto out;
oom:
    snprintf(c->err, c->errlen, "out of memory");
out:
    free(rel); free(lp);
    if (g) free(g->of);
    free(g);
    return rc;
}

/* ------------------------------------------------------------------ slot speed (experiment B) */

struct slot_pt { const struct fig_point *p; double speed, duration; struct seed_values stable_t, err; };

static int slot_cmp(const void *a, const void *b)
{
    double x = ((const struct slot_pt *)a)->speed, y = ((const struct slot_pt *)b)->speed;
    return (x > y) - (x < y);
}

/* Stable: the slot set did not change in the run's last 10 s (time_to_stable_s < duration_s)
 * and the Full slots ran within the seed's 25 % tolerance of the target (slot_speed_err <= 0.25). */
static int stable_at(const struct slot_pt *s, long long seed)
{
    double ts = at_seed(&s->stable_t, seed), e = at_seed(&s->err, seed);
    return isfinite(ts) && isfinite(e) && ts < s->duration && e <= 0.25;
}

int recommend_slot_speed(struct fig_ctx *c, const struct rec_opts *o, struct rec_table *t)
{
    (void)o;
    int *rel = calloc(c->n_pts ? c->n_pts : 1, sizeof *rel);
    struct groups *g = calloc(1, sizeof *g);
    struct slot_pt *sp = calloc(c->n_pts ? c->n_pts : 1, sizeof *sp);
    int rc = REC_ERROR;
    if (!rel || !g || !sp) { snprintf(c->err, c->errlen, "out of memory"); goto out; }
    for (size_t i = 0; i < c->n_pts; i++) {
        const struct fig_point *p = &c->pts[i];
        rel[i] = p->selected && !strcmp(p->experiment, "xtreme") && !is_solo(p) && isfinite(num(p, "slot_speed_kBps"));
    }
    static const char *const except[] = { "slot_speed_kBps", NULL };
    if (group_points(c, rel, except, g) != 0) goto oom;
    if (rec_table_init(t, "slot_speed", 5) != 0) goto oom;
    snprintf(t->title, sizeof t->title, "Which slot speed: the highest target slot speed at which the slots stay stable");
    snprintf(t->rule, sizeof t->rule,
             "Stable = the set of slots (Full and Trickle) did not change in the run's last 10 s and the Full slots ran within "
             "25 %% of the target on average (slot_speed_err <= 0.25), the seed's tolerance.  Per seed, the highest swept slot "
             "speed at which it was stable; mean and 95 %% CI over seeds.  The third column gives, per slot speed, the seeds "
             "that were stable: where it is not monotone, lower speeds (more slots) settle more slowly than higher ones; the "
             "second, the highest speed up to which every speed swept was stable on every seed.");
    rec_set_text(t, 0, 0, "line, limit, policy");
    rec_set_text(t, 0, 1, "highest stable slot speed KB/s");
    rec_set_text(t, 0, 2, "stable on every seed up to KB/s");
    rec_set_text(t, 0, 3, "stable seeds per slot speed (KB/s: stable/seeds)");
    rec_set_text(t, 0, 4, "slot speed error there");
    if (single_version(c, rel, t->code_version, sizeof t->code_version) != 0) goto out;
    for (size_t gi = 0; gi < g->n; gi++) {
        size_t n = 0;
        int failed = 0;
        for (size_t i = 0; i < c->n_pts; i++) {
            if (g->of[i] != (int)gi) continue;
            sp[n].p = &c->pts[i];
            sp[n].speed = num(&c->pts[i], "slot_speed_kBps");
            sp[n].duration = num(&c->pts[i], "duration_s");
            if (seed_values_load(c, sp[n].p, "time_to_stable_s", &sp[n].stable_t) != 0 ||
                seed_values_load(c, sp[n].p, "slot_speed_err", &sp[n].err) != 0) { n++; failed = 1; goto free_sp; }
            n++;
        }
        if (n >= 3) {
            qsort(sp, n, sizeof *sp, slot_cmp);
            int row = rec_table_add_row(t);
            if (row < 0) { snprintf(c->err, c->errlen, "out of memory"); failed = 1; goto free_sp; }
            rec_set_text(t, (size_t)row, 0, "%s", g->label[gi]);
            const struct seed_values *seeds = &sp[0].stable_t;
            double *best = malloc((seeds->n ? seeds->n : 1) * sizeof *best), *errs = malloc((seeds->n ? seeds->n : 1) * sizeof *errs);
            size_t m = 0;
            for (size_t s = 0; best && errs && s < seeds->n; s++) {
                double b = NAN, e = NAN;
                for (size_t k = 0; k < n; k++)
                    if (stable_at(&sp[k], seeds->seed[s])) { b = sp[k].speed; e = at_seed(&sp[k].err, seeds->seed[s]); }
                best[m] = b;
                errs[m++] = e;
            }
            double bm, bc, em, ec;
            long bn, en;
            rec_mean_ci(best, m, &bm, &bc, &bn);
            rec_mean_ci(errs, m, &em, &ec, &en);
            if (bn == 0) rec_set_text(t, (size_t)row, 1, "none: unstable at every speed swept on every seed");
            else rec_set_stat(t, (size_t)row, 1, NULL, bm, bc, bn, NULL);
            if (bn > 0 && bn < (long)m) {
                struct rec_cell *cell = rec_at(t, (size_t)row, 1);
                size_t l = strlen(cell->text);
                snprintf(cell->text + l, sizeof cell->text - l, " (%ld of %zu seeds; the others unstable at every speed)", bn, m);
            }
            rec_set_stat(t, (size_t)row, 4, NULL, em, ec, en, NULL);
            char list[512] = "";
            size_t l = 0;
            double every = NAN;
            int all_so_far = 1;
            for (size_t k = 0; k < n; k++) {
                int st = 0;
                for (size_t s = 0; s < seeds->n; s++) st += stable_at(&sp[k], seeds->seed[s]);
                all_so_far &= st == (int)seeds->n;
                if (all_so_far) every = sp[k].speed;
                l += (size_t)snprintf(list + l, l < sizeof list ? sizeof list - l : 0, "%s%.3g: %d/%zu", k ? ", " : "",
                                      sp[k].speed, st, sp[k].stable_t.n);
            }
            rec_set_text(t, (size_t)row, 3, "%s", list);
            if (isfinite(every)) rec_set_text(t, (size_t)row, 2, "%.3g", every);
            else rec_set_text(t, (size_t)row, 2, "none (unstable at %.3g on some seed)", sp[0].speed);
            free(best);
            free(errs);
        }
    free_sp:
        for (size_t k = 0; k < n; k++) { seed_values_free(&sp[k].stable_t); seed_values_free(&sp[k].err); }
        if (failed) goto out;
    }
    rc = t->n_rows > 1 ? REC_OK : REC_NODATA;
    if (rc == REC_NODATA) snprintf(c->err, c->errlen, "no xtreme sweep over at least 3 values of slot_speed_kBps");
    goto out;
oom:
    snprintf(c->err, c->errlen, "out of memory");
out:
    free(rel); free(sp);
    if (g) free(g->of);
    free(g);
    return rc;
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

