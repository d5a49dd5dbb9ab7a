/* The upload-limit and slot-speed tables (experiment B): per line and FIFO, the limit each policy
 * needs to keep the download, and the slot speed at which the slots stay stable, paired over seeds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "paired.h"
#include "recommend.h"
#include "recommend_int.h"
#include "regress.h"

#define MAX_COLS_POL 8

/* ------------------------------------------------------------------ limit (experiment B) */

/* A run without eMule upload: no downloader ever connects (the solo download's reference). */
static int is_solo(const struct fig_point *p) { return rec_num(p, "dl_never_frac") >= 1.0; }

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
        rel[i] = p->selected && !strcmp(p->experiment, "xtreme") && isfinite(rec_num(p, "limit_pct_line"));
        if (!rel[i]) continue;
        if (is_solo(p)) { n_solo++; continue; }
        const char *pol = rec_text(p, "upload_policy");
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
    if (rec_group_points(c, rel, except, g) != 0) goto oom;
    size_t n_cols = 3 + 2 * n_pol;
    if (rec_table_init(t, "limit", n_cols) != 0) goto oom;
    if (rec_single_version(c, rel, t->code_version, sizeof t->code_version) != 0) goto out;
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
                if (g->of[i] != (int)gi || is_solo(p) || strcmp(rec_text(p, "upload_policy"), policies[k])) continue;
                lp[n_lp].p = p;
                lp[n_lp].pct = rec_num(p, "limit_pct_line");
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
                double up_kbps = rec_num(solo, "up_kbps");
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
        rel[i] = p->selected && !strcmp(p->experiment, "xtreme") && !is_solo(p) && isfinite(rec_num(p, "slot_speed_kBps"));
    }
    static const char *const except[] = { "slot_speed_kBps", NULL };
    if (rec_group_points(c, rel, except, g) != 0) goto oom;
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
    if (rec_single_version(c, rel, t->code_version, sizeof t->code_version) != 0) goto out;
    for (size_t gi = 0; gi < g->n; gi++) {
        size_t n = 0;
        int failed = 0;
        for (size_t i = 0; i < c->n_pts; i++) {
            if (g->of[i] != (int)gi) continue;
            sp[n].p = &c->pts[i];
            sp[n].speed = rec_num(&c->pts[i], "slot_speed_kBps");
            sp[n].duration = rec_num(&c->pts[i], "duration_s");
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

