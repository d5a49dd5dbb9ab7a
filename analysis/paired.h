/* Per-seed values of a parameter point and paired differences between two points run on the
 * same seeds: the way to compare two settings when the seed (the swarm, the line's traffic)
 * moves the metric more than the setting does. */
#ifndef ANALYSIS_PAIRED_H
#define ANALYSIS_PAIRED_H

#include <stddef.h>
#include "fig_internal.h"
#include "stats.h"

struct seed_values {
    long long *seed;      /* ascending */
    double    *value;     /* NAN where the run stored NULL */
    size_t     n;
};

/* The metric's value in every run of point p (one per seed).  0, or -1 with c->err set. */
int  seed_values_load(struct fig_ctx *c, const struct fig_point *p, const char *metric, struct seed_values *out);
void seed_values_free(struct seed_values *v);

/* Statistics of a - b over the seeds both have with finite values (n = 0 when none). */
void paired_diff(const struct seed_values *a, const struct seed_values *b, struct sample_stats *out);
/* Two-sided p-value of the paired t-test (H0: mean difference 0); NAN when n < 2; 0 or 1 when
 * the differences have no variance (deterministic runs differ for certain or not at all). */
double paired_p(const struct sample_stats *d);

/* The point among the selected ones matching `ref` that has the same parameters as p except the
 * keys in `except` (NULL-terminated) and derived keys, in the same scenario; NULL if none. */
const struct fig_point *paired_reference(struct fig_ctx *c, const struct fig_point *p, const struct where_expr *ref,
                                         const char *const *except);

#endif
