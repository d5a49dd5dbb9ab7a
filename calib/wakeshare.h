/* The CPU other processes' work adds to a wake-up, by how long the woken thread slept: latency
 * runs with and without a hog on the reader's CPU, the slope per sleep bin, and the saturating form. */
#ifndef CALIB_WAKESHARE_H
#define CALIB_WAKESHARE_H

#include "calib.h"

/* The series: CALIB_WS_ROUNDS rounds, each a latency run (calib_latency) without and one with the
 * hog, the order alternating by round.  A bin's slope needs CALIB_WS_MIN_RUNS runs that measured it. */
#define CALIB_WS_ROUNDS 6
#define CALIB_WS_MAX_RUNS (2 * CALIB_WS_ROUNDS)
#define CALIB_WS_MIN_RUNS 4
/* ... and their shares must span this much: a machine busy with other work in the runs without
 * the hog leaves no contrast, and a slope over a few hundredths of share is noise. */
#define CALIB_WS_MIN_SPREAD 0.5
/* Sleeps this long or longer are "long" (the pooled cost after a long sleep). */
#define CALIB_WS_LONG_US 2000.0

/* One run: with the hog or not, the share of the reader's CPU other processes took (measured),
 * and the mean CPU of a wake-up after a sleep in each bin (0: too few samples). */
struct calib_ws_run { int hog; double share; double cpu_ns[CPU_GAP_BINS]; };
struct calib_wake_series { int n; struct calib_ws_run run[CALIB_WS_MAX_RUNS]; };

/* What the series says.  Per sleep bin: delta, the least-squares slope of the runs' wake-up CPU on
 * their share (ns per wake-up at share 1), its standard error (0: the bin is not measured) and the
 * runs behind it.  The form delta(s) = max_ns (1 - exp(-s / tau_us)) (cpu_cold at the bin's
 * representative sleep) by weighted least squares (1 / se^2), tau_us from calib_tau_us; one
 * delta for every sleep (const_ns) for comparison.  The form is supported when (1) the pooled
 * delta after long sleeps is above 0 by 1.96 of its standard errors, (2) the curve is within two
 * standard errors of at least 3 in 4 measured bins, and (3) it beats the constant by more than the
 * Bayesian information criterion's price of its one more parameter (ln of the bins). */
struct calib_wake_fit {
    double delta_ns[CPU_GAP_BINS], se_ns[CPU_GAP_BINS];
    int    runs[CPU_GAP_BINS];
    int    n_bins;
    double max_ns, tau_us, chisq;
    double const_ns, chisq_const;
    double long_ns, long_se;
    double within;
    int    supported;
};
void   calib_wake_slopes(const struct calib_wake_series *s, struct calib_wake_fit *f);
/* The form and the checks from f's per-bin slopes (calib_wake_slopes, or given). */
void   calib_wake_form(struct calib_wake_fit *f);
/* The form's value after a sleep of slept_us. */
double calib_wake_curve(const struct calib_wake_fit *f, double slept_us);

#endif
