/* Morris and Sobol designs over the unit cube and their statistics, with bootstrap intervals.
 * The mapping of a coordinate in [0, 1] to a key's value is the caller's. */
#include <gsl/gsl_qrng.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sensitivity.h"
#include "stats.h"

int morris_design(size_t k, size_t r, size_t p, gsl_rng *g, struct morris_design *d)
{
    memset(d, 0, sizeof *d);
    if (k < 1 || k > SENS_MAX_KEYS || r < 1 || p < 2 || p % 2) return -1;
    d->k = k; d->r = r; d->p = p;
    d->x = malloc(r * (k + 1) * k * sizeof *d->x);
    d->factor = malloc(r * k * sizeof *d->factor);
    d->delta = malloc(r * k * sizeof *d->delta);
    if (!d->x || !d->factor || !d->delta) { morris_design_free(d); return -1; }
    double step = (double)p / (2.0 * (double)(p - 1));
    for (size_t t = 0; t < r; t++) {
        double *x0 = d->x + t * (k + 1) * k;
        double dir[SENS_MAX_KEYS];
        for (size_t i = 0; i < k; i++) {
            /* a base level from the lower half, so both x and x + Delta lie on the grid */
            size_t lvl = (size_t)gsl_rng_uniform_int(g, p / 2);
            dir[i] = gsl_rng_uniform(g) < 0.5 ? 1.0 : -1.0;
            x0[i] = (double)lvl / (double)(p - 1) + (dir[i] < 0 ? step : 0.0);
        }
        size_t *ord = d->factor + t * k;
        for (size_t i = 0; i < k; i++) ord[i] = i;
        for (size_t i = k; i > 1; i--) {
            size_t j = (size_t)gsl_rng_uniform_int(g, i), tmp = ord[i - 1];
            ord[i - 1] = ord[j];
            ord[j] = tmp;
        }
        for (size_t j = 0; j < k; j++) {
            double *prev = x0 + j * k, *next = prev + k;
            memcpy(next, prev, k * sizeof *next);
            next[ord[j]] += dir[ord[j]] * step;
            d->delta[t * k + j] = dir[ord[j]] * step;
        }
    }
    return 0;
}

void morris_design_free(struct morris_design *d)
{
    free(d->x); free(d->factor); free(d->delta);
    memset(d, 0, sizeof *d);
}

const double *morris_point(const struct morris_design *d, size_t t, size_t j) { return d->x + (t * (d->k + 1) + j) * d->k; }

void morris_effects(const struct morris_design *d, const double *y, double *ee)
{
    size_t k = d->k;
    for (size_t t = 0; t < d->r; t++)
        for (size_t j = 0; j < k; j++) {
            double dy = y[t * (k + 1) + j + 1] - y[t * (k + 1) + j];
            ee[t * k + d->factor[t * k + j]] = dy / d->delta[t * k + j];
        }
}

/* mean |e|, mean e, sd e of the finite values picked by idx[0..n-1] (stride applied by caller). */
static void ee_moments(const double *e, const size_t *idx, size_t n, double *mabs, double *mean, double *sd)
{
    double s = 0, sa = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) if (isfinite(e[idx[i]])) { s += e[idx[i]]; sa += fabs(e[idx[i]]); m++; }
    *mabs = m ? sa / (double)m : NAN;
    *mean = m ? s / (double)m : NAN;
    double ss = 0;
    for (size_t i = 0; i < n; i++) if (isfinite(e[idx[i]])) ss += (e[idx[i]] - *mean) * (e[idx[i]] - *mean);
    *sd = m > 1 ? sqrt(ss / (double)(m - 1)) : NAN;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Half-width of the central 95 % of the bootstrap values. */
static double boot_halfwidth(double *v, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) if (isfinite(v[i])) v[m++] = v[i];
    if (m < 10) return NAN;
    qsort(v, m, sizeof *v, cmp_d);
    return (v[(size_t)(0.975 * (double)(m - 1))] - v[(size_t)(0.025 * (double)(m - 1))]) / 2;
}

void morris_stats(const double *ee, size_t r, size_t stride, gsl_rng *boot, struct sens_stat *mu_star,
                  struct sens_stat *mu, struct sens_stat *sigma)
{
    size_t *idx = malloc((r ? r : 1) * sizeof *idx);
    double *bs = malloc(3 * SENS_BOOTSTRAP * sizeof *bs);
    size_t n = 0;
    for (size_t t = 0; t < r; t++) n += isfinite(ee[t * stride]);
    for (size_t t = 0; idx && t < r; t++) idx[t] = t * stride;
    double a = NAN, m = NAN, s = NAN;
    if (idx) ee_moments(ee, idx, r, &a, &m, &s);
    *mu_star = (struct sens_stat){ a, NAN, n };
    *mu = (struct sens_stat){ m, NAN, n };
    *sigma = (struct sens_stat){ s, NAN, n };
    if (idx && bs && r >= 2) {
        size_t *pick = malloc(r * sizeof *pick);
        for (size_t b = 0; pick && b < SENS_BOOTSTRAP; b++) {
            for (size_t t = 0; t < r; t++) pick[t] = idx[gsl_rng_uniform_int(boot, r)];
            ee_moments(ee, pick, r, &bs[b], &bs[SENS_BOOTSTRAP + b], &bs[2 * SENS_BOOTSTRAP + b]);
        }
        if (pick) {
            mu_star->ci95 = boot_halfwidth(bs, SENS_BOOTSTRAP);
            mu->ci95 = boot_halfwidth(bs + SENS_BOOTSTRAP, SENS_BOOTSTRAP);
            sigma->ci95 = boot_halfwidth(bs + 2 * SENS_BOOTSTRAP, SENS_BOOTSTRAP);
        }
        free(pick);
    }
    free(idx);
    free(bs);
}

int sobol_design(size_t k, size_t n, struct sobol_design *d)
{
    memset(d, 0, sizeof *d);
    if (k < 1 || k > SENS_MAX_KEYS || n < 2) return -1;
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(2 * k));
    d->k = k; d->n = n;
    d->a = malloc(n * k * sizeof *d->a);
    d->b = malloc(n * k * sizeof *d->b);
    if (!q || !d->a || !d->b) { if (q) gsl_qrng_free(q); sobol_design_free(d); return -1; }
    double v[2 * SENS_MAX_KEYS];
    gsl_qrng_get(q, v);                  /* the first point is the origin: skip it */
    for (size_t row = 0; row < n; row++) {
        gsl_qrng_get(q, v);
        memcpy(d->a + row * k, v, k * sizeof *v);
        memcpy(d->b + row * k, v + k, k * sizeof *v);
    }
    gsl_qrng_free(q);
    return 0;
}

void sobol_design_free(struct sobol_design *d)
{
    free(d->a); free(d->b);
    memset(d, 0, sizeof *d);
}

void sobol_point(const struct sobol_design *d, size_t row, size_t i, double *x)
{
    memcpy(x, (i == d->k + 1 ? d->b : d->a) + row * d->k, d->k * sizeof *x);
    if (i < d->k) x[i] = d->b[row * d->k + i];
}

/* S1 (Saltelli 2010: mean of yB (yABi - yA)) and ST (Jansen: mean (yA - yABi)^2 / 2), both over
 * the variance of yA and yB pooled, on the rows picked. */
static void sobol_est(const double *ya, const double *yb, const double *yabi, const size_t *pick, size_t n,
                      double *s1, double *st)
{
    double s = 0, s2 = 0, n1 = 0, n2 = 0;
    size_t m = 0;
    for (size_t j = 0; j < n; j++) {
        size_t r = pick[j];
        if (!isfinite(ya[r]) || !isfinite(yb[r]) || !isfinite(yabi[r])) continue;
        s += ya[r] + yb[r];
        s2 += ya[r] * ya[r] + yb[r] * yb[r];
        n1 += yb[r] * (yabi[r] - ya[r]);
        n2 += (ya[r] - yabi[r]) * (ya[r] - yabi[r]);
        m++;
    }
    if (m < 2) { *s1 = *st = NAN; return; }
    double mean = s / (2.0 * (double)m), var = s2 / (2.0 * (double)m) - mean * mean;
    if (!(var > 0)) { *s1 = *st = NAN; return; }
    *s1 = n1 / (double)m / var;
    *st = n2 / (2.0 * (double)m) / var;
}

void sobol_indices(const struct sobol_design *d, const double *ya, const double *yb, const double *yab, gsl_rng *boot,
                   struct sens_stat *s1, struct sens_stat *st)
{
    size_t n = d->n;
    size_t *pick = malloc(n * sizeof *pick);
    double *b1 = malloc(SENS_BOOTSTRAP * sizeof *b1), *bt = malloc(SENS_BOOTSTRAP * sizeof *bt);
    for (size_t i = 0; i < d->k; i++) {
        s1[i] = st[i] = (struct sens_stat){ NAN, NAN, n };
        if (!pick) continue;
        for (size_t j = 0; j < n; j++) pick[j] = j;
        sobol_est(ya, yb, yab + i * n, pick, n, &s1[i].value, &st[i].value);
        if (!b1 || !bt) continue;
        for (size_t b = 0; b < SENS_BOOTSTRAP; b++) {
            for (size_t j = 0; j < n; j++) pick[j] = (size_t)gsl_rng_uniform_int(boot, n);
            sobol_est(ya, yb, yab + i * n, pick, n, &b1[b], &bt[b]);
        }
        s1[i].ci95 = boot_halfwidth(b1, SENS_BOOTSTRAP);
        st[i].ci95 = boot_halfwidth(bt, SENS_BOOTSTRAP);
    }
    free(pick); free(b1); free(bt);
}
