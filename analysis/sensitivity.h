/* Global sensitivity of one metric to several scenario keys: the designs and the statistics.
 *   Morris elementary effects (Morris 1991, with Campolongo et al. 2007's mu*): r trajectories
 *   through a p-level grid of the unit cube, one key changed by +-Delta = p / (2 (p - 1)) per
 *   step; a key's elementary effect is the metric's change per whole range of the key.  Each
 *   trajectory runs on one seed, so effects are not seed noise; one extra run per trajectory
 *   changes only the seed and gives the noise floor, reported as the pseudo-key "(seed)".
 *   Sobol indices (Saltelli et al. 2010; Jansen's total-effect estimator): N base points from
 *   GSL's quasi-random Sobol sequence in 2k dimensions (matrices A and B), and for each key the
 *   matrix A with that key's column from B; first-order S1 and total ST.
 * Confidence intervals are bootstrap percentiles over trajectories / base rows. */
#ifndef ANALYSIS_SENSITIVITY_H
#define ANALYSIS_SENSITIVITY_H

#include <gsl/gsl_rng.h>
#include <stddef.h>

#define SENS_MAX_KEYS 20            /* GSL's Sobol sequence has at most 40 dimensions = 2k */
#define SENS_BOOTSTRAP 1000

/* A statistic with the half-width of its bootstrap 95 % interval, and what it rests on. */
struct sens_stat { double value, ci95; size_t n; };

struct morris_design {
    size_t  k, r, p;
    double *x;          /* r trajectories x (k + 1) points x k coordinates in [0, 1] */
    size_t *factor;     /* r x k: the key changed at step j of trajectory t */
    double *delta;      /* r x k: its signed change in unit-cube terms */
};
/* p even, >= 2; r >= 1; k in 1..SENS_MAX_KEYS.  0 or -1 (memory, bad sizes). */
int  morris_design(size_t k, size_t r, size_t p, gsl_rng *g, struct morris_design *d);
void morris_design_free(struct morris_design *d);
/* Point j (0..k) of trajectory t. */
const double *morris_point(const struct morris_design *d, size_t t, size_t j);
/* y: the metric at every design point, trajectory-major (r x (k + 1)).  ee: r x k elementary
 * effects, ee[t * k + i] for key i.  Non-finite y give non-finite effects (skipped by the stats). */
void morris_effects(const struct morris_design *d, const double *y, double *ee);
/* mu* = mean |EE|, mu = mean EE, sigma = sd EE over the finite effects of one key (stride k). */
void morris_stats(const double *ee, size_t r, size_t stride, gsl_rng *boot, struct sens_stat *mu_star,
                  struct sens_stat *mu, struct sens_stat *sigma);

struct sobol_design {
    size_t  k, n;
    double *a, *b;      /* n x k each */
};
int  sobol_design(size_t k, size_t n, struct sobol_design *d);
void sobol_design_free(struct sobol_design *d);
/* Row `row` of A with column i taken from B (i == k: A itself; i == k + 1: B itself). */
void sobol_point(const struct sobol_design *d, size_t row, size_t i, double *x);
/* ya, yb: n values; yab: k x n (yab[i * n + row]).  S1 and ST of each key (arrays of k). */
void sobol_indices(const struct sobol_design *d, const double *ya, const double *yb, const double *yab, gsl_rng *boot,
                   struct sens_stat *s1, struct sens_stat *st);

#endif
