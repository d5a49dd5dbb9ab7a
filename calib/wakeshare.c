/* The wake-up's cost under other processes' work, by the sleep before it: per-bin slopes of the
 * latency runs' wake-up CPU on the measured share, the saturating form and its checks. */
#include "wakeshare.h"
#include <gsl/gsl_fit.h>
#include <math.h>
#include <string.h>
#include "fitpath.h"

/* A standard error this small is an exact fit; it still weighs, just not infinitely. */
#define SE_FLOOR_NS 1.0

void calib_wake_slopes(const struct calib_wake_series *s, struct calib_wake_fit *f)
{
    memset(f, 0, sizeof *f);
    for (int b = 0; b < CPU_GAP_BINS; b++) {
        double share[CALIB_WS_MAX_RUNS], cpu[CALIB_WS_MAX_RUNS], lo = INFINITY, hi = -INFINITY;
        size_t n = 0;
        for (int i = 0; i < s->n; i++)
            if (s->run[i].cpu_ns[b] > 0 && isfinite(s->run[i].share)) {
                share[n] = s->run[i].share;
                cpu[n++] = s->run[i].cpu_ns[b];
                lo = fmin(lo, s->run[i].share);
                hi = fmax(hi, s->run[i].share);
            }
        if (n < CALIB_WS_MIN_RUNS || hi - lo < CALIB_WS_MIN_SPREAD) continue;
        /* Ordinary least squares; cov11 is the slope's variance, sse / (n - 2) / sxx. */
        double c0, c1, cov00, cov01, cov11, sse;
        gsl_fit_linear(share, 1, cpu, 1, n, &c0, &c1, &cov00, &cov01, &cov11, &sse);
        f->delta_ns[b] = c1;
        f->se_ns[b] = fmax(SE_FLOOR_NS, sqrt(cov11));
        f->runs[b] = (int)n;
    }
    calib_wake_form(f);
}

double calib_wake_curve(const struct calib_wake_fit *f, double slept_us)
{
    return f->max_ns * cpu_cold(slept_us, f->tau_us);
}

void calib_wake_form(struct calib_wake_fit *f)
{
    f->n_bins = 0;
    double sw = 0, swd = 0, lw = 0, lwd = 0;
    for (int b = 0; b < CPU_GAP_BINS; b++) {
        if (!(f->se_ns[b] > 0)) continue;
        double w = 1 / (f->se_ns[b] * f->se_ns[b]);
        f->n_bins++;
        sw += w;
        swd += w * f->delta_ns[b];
        if (cpu_gap_bin_us(b) >= CALIB_WS_LONG_US) { lw += w; lwd += w * f->delta_ns[b]; }
    }
    f->max_ns = f->tau_us = f->const_ns = f->long_ns = f->long_se = f->within = 0;
    f->chisq = f->chisq_const = INFINITY;
    f->supported = 0;
    if (f->n_bins == 0) return;
    f->const_ns = swd / sw;
    f->chisq_const = 0;
    for (int b = 0; b < CPU_GAP_BINS; b++)
        if (f->se_ns[b] > 0) f->chisq_const += pow((f->delta_ns[b] - f->const_ns) / f->se_ns[b], 2);
    for (int t = 0; t < CALIB_N_TAU; t++) {
        double scc = 0, scd = 0;
        for (int b = 0; b < CPU_GAP_BINS; b++) {
            if (!(f->se_ns[b] > 0)) continue;
            double c = cpu_cold(cpu_gap_bin_us(b), calib_tau_us[t]), w = 1 / (f->se_ns[b] * f->se_ns[b]);
            scc += w * c * c;
            scd += w * c * f->delta_ns[b];
        }
        double m = scc > 0 ? fmax(0, scd / scc) : 0, chisq = 0;
        for (int b = 0; b < CPU_GAP_BINS; b++)
            if (f->se_ns[b] > 0) chisq += pow((f->delta_ns[b] - m * cpu_cold(cpu_gap_bin_us(b), calib_tau_us[t])) / f->se_ns[b], 2);
        if (chisq < f->chisq) { f->chisq = chisq; f->max_ns = m; f->tau_us = calib_tau_us[t]; }
    }
    int near = 0;
    for (int b = 0; b < CPU_GAP_BINS; b++)
        if (f->se_ns[b] > 0 && fabs(f->delta_ns[b] - calib_wake_curve(f, cpu_gap_bin_us(b))) <= 2 * f->se_ns[b]) near++;
    f->within = (double)near / f->n_bins;
    if (lw > 0) { f->long_ns = lwd / lw; f->long_se = 1 / sqrt(lw); }
    f->supported = lw > 0 && f->long_ns - 1.96 * f->long_se > 0 && f->within >= 0.75 &&
                   f->chisq_const - f->chisq > log((double)f->n_bins);
}
