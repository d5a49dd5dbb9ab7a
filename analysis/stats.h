/* Statistics across seeds: mean, sample standard deviation, 95 % confidence interval of the mean
 * (Student's t) and Welch's unequal-variance t-test, with the t-distribution from GSL. */
#ifndef ANALYSIS_STATS_H
#define ANALYSIS_STATS_H

#include <stddef.h>

struct sample_stats {
    size_t n;          /* finite values counted */
    double mean;
    double sd;         /* sample (n - 1) standard deviation; NAN when n < 2 */
    double ci95;       /* half-width of the 95 % CI of the mean; NAN when n < 2 */
};

/* Two-sided 95 % quantile of Student's t with df degrees of freedom (df > 0). */
double stats_t975(double df);
/* Non-finite values are skipped, as the database stores them as NULL. */
void   stats_describe(const double *x, size_t n, struct sample_stats *out);

struct welch_result {
    double t;          /* (mean_b - mean_a) / standard error */
    double df;         /* Welch-Satterthwaite degrees of freedom */
    double p;          /* two-sided p-value; NAN when a side has fewer than 2 values */
};
/* Welch's t-test of b against a.  Both sides without variance: p = 1 if the means are equal,
 * else 0 (deterministic runs that differ differ for certain). */
void   stats_welch(const struct sample_stats *a, const struct sample_stats *b, struct welch_result *out);

#endif
