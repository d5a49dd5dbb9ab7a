/* Descriptive statistics and Welch's t-test over the per-seed values of one metric.
 * Equal values give sd = 0 exactly (their float mean can be an ulp off each of them). */
#include "stats.h"
#include <gsl/gsl_cdf.h>
#include <math.h>

double stats_t975(double df)
{
    return gsl_cdf_tdist_Pinv(0.975, df);
}

void stats_describe(const double *x, size_t n, struct sample_stats *out)
{
    size_t k = 0;
    double sum = 0, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) { sum += x[i]; k++; lo = fmin(lo, x[i]); hi = fmax(hi, x[i]); }
    out->n = k;
    out->mean = k ? (lo == hi ? lo : sum / (double)k) : NAN;
    out->sd = out->ci95 = NAN;
    if (k < 2) return;
    if (lo == hi) { out->sd = out->ci95 = 0; return; }
    double ss = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(x[i])) ss += (x[i] - out->mean) * (x[i] - out->mean);
    out->sd = sqrt(ss / (double)(k - 1));
    out->ci95 = stats_t975((double)(k - 1)) * out->sd / sqrt((double)k);
}

void stats_welch(const struct sample_stats *a, const struct sample_stats *b, struct welch_result *out)
{
    out->t = out->df = out->p = NAN;
    if (a->n < 2 || b->n < 2) return;
    double va = a->sd * a->sd / (double)a->n, vb = b->sd * b->sd / (double)b->n;
    double diff = b->mean - a->mean;
    if (va + vb == 0) {
        out->df = (double)(a->n + b->n - 2);
        out->t = diff == 0 ? 0 : copysign(INFINITY, diff);
        out->p = diff == 0 ? 1 : 0;
        return;
    }
    out->t = diff / sqrt(va + vb);
    /* Welch-Satterthwaite: df = (va + vb)^2 / (va^2/(na-1) + vb^2/(nb-1)). */
    out->df = (va + vb) * (va + vb) / (va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1));
    out->p = 2 * gsl_cdf_tdist_Q(fabs(out->t), out->df);
}
