/* Weighted linear least squares (gsl_multifit_wlinear) of CPU per second on the counted events
 * per second; weights 1/y^2, so every point's relative error counts alike from 1 kB/s to 5 MB/s
 * (repeated points spread in proportion to their CPU: the noise is a share, not an amount). */
#include "fit.h"
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <gsl/gsl_multifit.h>

double calib_fit_predict(const struct fit_result *r, const double x[CPUF__N])
{
    double y = 0;
    for (int f = 0; f < CPUF__N; f++) y += r->coef[f] * x[f];
    return y;
}

static int fit_once(const struct fit_point *pts, size_t n, const int use[CPUF__N], const double fixed[CPUF__N],
                    struct fit_result *out, char *err, size_t errlen);

/* A cost cannot be negative: when the unconstrained fit makes one so (collinear features, noise),
 * that cost is fixed at 0 and the rest refitted, most negative first (an active-set step). */
int calib_fit(const struct fit_point *pts, size_t n, const int use[CPUF__N], const double fixed[CPUF__N],
              struct fit_result *out, char *err, size_t errlen)
{
    double fx[CPUF__N];
    memcpy(fx, fixed, sizeof fx);
    for (;;) {
        if (fit_once(pts, n, use, fx, out, err, errlen) != 0) return -1;
        int worst = -1;
        for (int f = 0; f < CPUF__N; f++)
            if (use[f] && !isfinite(fx[f]) && out->coef[f] < 0 && (worst < 0 || out->coef[f] < out->coef[worst])) worst = f;
        if (worst < 0) return 0;
        fx[worst] = 0;
    }
}

static int fit_once(const struct fit_point *pts, size_t n, const int use[CPUF__N], const double fixed[CPUF__N],
                    struct fit_result *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int col[CPUF__N];
    size_t k = 0;
    for (int f = 0; f < CPUF__N; f++) {
        out->se[f] = NAN;
        if (isfinite(fixed[f])) out->coef[f] = fixed[f];
        else if (use[f]) col[k++] = f;
    }
    if (n <= k) { snprintf(err, errlen, "%zu points for %zu fitted costs", n, k); return -1; }
    for (size_t i = 0; i < n; i++)
        if (!(pts[i].y >= 0)) { snprintf(err, errlen, "point %zu: CPU %g ns/s is negative or not a number", i, pts[i].y); return -1; }
    gsl_matrix *X = gsl_matrix_alloc(n, k), *cov = gsl_matrix_alloc(k, k);
    gsl_vector *y = gsl_vector_alloc(n), *w = gsl_vector_alloc(n), *c = gsl_vector_alloc(k);
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, k);
    for (size_t i = 0; i < n; i++) {
        double rest = pts[i].y;
        for (int f = 0; f < CPUF__N; f++) if (isfinite(fixed[f])) rest -= fixed[f] * pts[i].x[f];
        gsl_vector_set(y, i, rest);
        double yw = fmax(pts[i].y, FIT_Y_FLOOR);
        gsl_vector_set(w, i, 1.0 / (yw * yw));
        for (size_t j = 0; j < k; j++) gsl_matrix_set(X, i, j, pts[i].x[col[j]]);
    }
    double chisq;
    int rc = gsl_multifit_wlinear(X, w, y, c, cov, &chisq, ws);
    if (rc == 0) {
        /* the covariance from weights is relative to the weights' scale: scale by the residual
         * variance per degree of freedom for standard errors of the estimates */
        double s2 = chisq / (double)(n - k);
        for (size_t j = 0; j < k; j++) {
            out->coef[col[j]] = gsl_vector_get(c, j);
            out->se[col[j]] = sqrt(gsl_matrix_get(cov, j, j) * s2);
        }
        double mean = 0, ss_tot = 0, ss_res = 0, rel2 = 0, wsum = 0, wmean = 0, wss_tot = 0;
        for (size_t i = 0; i < n; i++) {
            mean += pts[i].y / (double)n;
            wsum += gsl_vector_get(w, i);
            wmean += gsl_vector_get(w, i) * pts[i].y;
        }
        wmean /= wsum;
        for (size_t i = 0; i < n; i++) {
            double e = pts[i].y - calib_fit_predict(out, pts[i].x), rel = e / fmax(pts[i].y, FIT_Y_FLOOR);
            ss_res += e * e;
            ss_tot += (pts[i].y - mean) * (pts[i].y - mean);
            wss_tot += gsl_vector_get(w, i) * (pts[i].y - wmean) * (pts[i].y - wmean);
            rel2 += rel * rel;
            if (fabs(rel) > out->max_rel) out->max_rel = fabs(rel);
        }
        out->r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1;
        out->r2w = wss_tot > 0 ? 1 - chisq / wss_tot : 1;
        out->chisq = chisq;
        out->rms_rel = sqrt(rel2 / (double)n);
        out->n = n;
    } else {
        snprintf(err, errlen, "least squares failed: %s", gsl_strerror(rc));
    }
    gsl_multifit_linear_free(ws);
    gsl_matrix_free(X); gsl_matrix_free(cov);
    gsl_vector_free(y); gsl_vector_free(w); gsl_vector_free(c);
    return rc == 0 ? 0 : -1;
}

void calib_fit_pair_nonneg(const double a[2][2], const double v[2], double yy, size_t n, double *c0, double *c1)
{
    /* one term alone: c = v / a, residual yy - v^2 / a */
    double r0 = a[0][0] > 0 ? yy - v[0] * v[0] / a[0][0] : INFINITY, r1 = a[1][1] > 0 ? yy - v[1] * v[1] / a[1][1] : INFINITY;
    double one = fmin(r0, r1);
    *c0 = *c1 = 0;
    if (r0 <= r1 && a[0][0] > 0) *c0 = fmax(0, v[0] / a[0][0]);
    else if (a[1][1] > 0) *c1 = fmax(0, v[1] / a[1][1]);
    double det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
    if (!(det > 0) || n < 3) return;
    double b0 = (v[0] * a[1][1] - v[1] * a[0][1]) / det, b1 = (v[1] * a[0][0] - v[0] * a[1][0]) / det;
    double two = yy - b0 * v[0] - b1 * v[1];
    /* the second term is kept if it lowers the Bayesian information criterion n ln(RSS) + k ln(n) */
    double eps = 1e-12 * yy;                   /* a residual that small is rounding: an exact fit */
    if (b0 >= 0 && b1 >= 0 && (two <= eps || (one > eps && (double)n * log(two / one) + log((double)n) < 0))) {
        *c0 = b0;
        *c1 = b1;
    }
}
