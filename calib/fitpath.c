/* One receive path's fit: medians over repetitions (the machine is shared; a point's CPU moves
 * with what else runs), the cold-cache time constant by profile, weights 1/y^2 (the spread of
 * repeated points grows with their CPU), and the fit's R^2 both plain and weighted. */
#include "fitpath.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double calib_tau_us[CALIB_N_TAU] = { 125, 250, 500, 1000, 2000, 4000, 8000, 16000, 32000 };
const double calib_gamma[CALIB_N_GAMMA] = { 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3 };
const double calib_conn_tau_us[CALIB_N_CONN_TAU] = { 3000, 10000, 30000, 100000, 300000, 1000000 };

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    qsort(v, n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int calib_item_median(const struct calib_item *items, size_t item, const struct calib_obs *obs, size_t n_obs,
                      const struct calib_shape *sh, double gamma, double x[CPUF__N], double *y)
{
    double vx[CPUF__N][CALIB_MAX_REPS], vy[CALIB_MAX_REPS];
    size_t k = 0;
    for (size_t i = 0; i < n_obs && k < CALIB_MAX_REPS; i++) {
        if (obs[i].item != item) continue;
        double xi[CPUF__N];
        calib_features(&items[item].sp, &obs[i].m, sh, xi);
        double g = cpu_interference(gamma, obs[i].m.other_cpu);
        for (int f = 0; f < CPUF__N; f++) vx[f][k] = xi[f] * g;
        vy[k++] = obs[i].m.cpu_ns / obs[i].m.window_s;
    }
    if (k == 0) return 0;
    for (int f = 0; f < CPUF__N; f++) x[f] = median(vx[f], k);
    *y = median(vy, k);
    return 1;
}

/* The idle receiver's voluntary switches per second: median over the one-connection idle
 * item's repetitions (timers of the runtime itself). */
static double idle_switches(enum cpu_path p, const struct calib_item *items, size_t n_items,
                            const struct calib_obs *obs, size_t n_obs)
{
    double v[CALIB_MAX_REPS];
    size_t k = 0;
    for (size_t i = 0; i < n_obs && k < CALIB_MAX_REPS; i++) {
        const struct calib_item *it = &items[obs[i].item];
        if (obs[i].item < n_items && it->sp.path == p && it->role == ROLE_IDLE && it->sp.conns == 1)
            v[k++] = (double)obs[i].m.vcsw / obs[i].m.window_s;
    }
    return k ? median(v, k) : 0;
}

/* The squared relative residuals of every fit and idle repetition of path p, each predicted at
 * its own load. */
static double rep_chisq(enum cpu_path p, const struct calib_item *items, const struct calib_obs *obs, size_t n_obs,
                        const struct calib_shape *sh, double gamma, const struct fit_result *fr, size_t *n)
{
    double sum = 0;
    *n = 0;
    for (size_t i = 0; i < n_obs; i++) {
        const struct calib_item *it = &items[obs[i].item];
        if (it->sp.path != p || it->role == ROLE_HOLDOUT) continue;
        double x[CPUF__N], y = obs[i].m.cpu_ns / obs[i].m.window_s;
        calib_features(&it->sp, &obs[i].m, sh, x);
        double e = (y - calib_fit_predict(fr, x) * cpu_interference(gamma, obs[i].m.other_cpu)) / fmax(y, FIT_Y_FLOOR);
        sum += e * e;
        (*n)++;
    }
    return sum;
}

int calib_fit_path(enum cpu_path p, const struct calib_item *items, size_t n_items, const struct calib_obs *obs,
                   size_t n_obs, const double fixed[CPUF__N], struct calib_path_fit *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->idle_vcsw = idle_switches(p, items, n_items, obs, n_obs);
    struct fit_point *pts = calloc(n_items, sizeof *pts);
    if (!pts) { snprintf(err, errlen, "out of memory"); return -1; }
    int use[CPUF__N];
    calib_model_mask(p, use);
    int conn_use = use[CPUF_CONN_COLD];
    double best = INFINITY;
    for (int t = 0; t < CALIB_N_TAU; t++) out->chisq[t] = INFINITY;
    for (int g = 0; g < CALIB_N_GAMMA; g++) out->chisq_gamma[g] = INFINITY;
    for (int c = 0; c < CALIB_N_CONN_TAU; c++) out->chisq_conn[c] = INFINITY;
    /* c = -1: without CONN_COLD; it is kept only if it lowers the Bayesian information criterion
     * over the repetitions, n ln(chisq) + k ln(n), for its two parameters (cost and time constant) */
    struct calib_path_fit without = *out;
    double best_without = INFINITY;
    size_t n_reps = 0;
    for (int c = -1; c < (conn_use ? CALIB_N_CONN_TAU : 0); c++)
        for (int g = 0; g < CALIB_N_GAMMA; g++)
            for (int t = 0; t < CALIB_N_TAU; t++) {
                struct calib_shape sh = { out->idle_vcsw, calib_tau_us[t], c < 0 ? 0 : calib_conn_tau_us[c] };
                use[CPUF_CONN_COLD] = c >= 0;
                size_t k = 0;
                for (size_t i = 0; i < n_items; i++) {
                    if (items[i].sp.path != p || items[i].role == ROLE_HOLDOUT) continue;
                    if (calib_item_median(items, i, obs, n_obs, &sh, calib_gamma[g], pts[k].x, &pts[k].y)) k++;
                }
                struct fit_result fr;
                if (calib_fit(pts, k, use, fixed, &fr, err, errlen) != 0) { free(pts); return -1; }
                /* judged on every repetition at its own load: the medians keep the costs robust, but
                 * the load differs most between repetitions of one point, and only they show gamma */
                double chisq = rep_chisq(p, items, obs, n_obs, &sh, calib_gamma[g], &fr, &n_reps);
                struct calib_path_fit *dst = c < 0 ? &without : out;
                double *b = c < 0 ? &best_without : &best;
                if (c >= 0) out->chisq_conn[c] = fmin(out->chisq_conn[c], chisq);
                dst->chisq[t] = fmin(dst->chisq[t], chisq);
                dst->chisq_gamma[g] = fmin(dst->chisq_gamma[g], chisq);
                if (chisq < *b) {
                    *b = chisq;
                    dst->fr = fr;
                    dst->tau_us = calib_tau_us[t];
                    dst->conn_tau_us = c < 0 ? 0 : calib_conn_tau_us[c];
                    dst->gamma = calib_gamma[g];
                    dst->n_items = k;
                }
            }
    out->chisq_without_conn = best_without;
    /* relative residuals below 1e-6 are rounding, not a difference between the models */
    double floor = 1e-12 * (double)n_reps;
    if (!(n_reps > 2 && (double)n_reps * log((best + floor) / (best_without + floor)) + 2 * log((double)n_reps) < 0)) {
        double chisq_conn[CALIB_N_CONN_TAU];
        memcpy(chisq_conn, out->chisq_conn, sizeof chisq_conn);
        *out = without;
        memcpy(out->chisq_conn, chisq_conn, sizeof chisq_conn);
        out->chisq_without_conn = best_without;
    }
    free(pts);
    out->r2w = out->fr.r2w;
    return 0;
}

double calib_fit_cpu(const struct calib_path_fit *pf, const struct calib_spec *sp, const struct calib_meas *m)
{
    double x[CPUF__N];
    struct calib_shape sh = { pf->idle_vcsw, pf->tau_us, pf->conn_tau_us };
    calib_features(sp, m, &sh, x);
    return calib_fit_predict(&pf->fr, x) * cpu_interference(pf->gamma, m->other_cpu);
}
