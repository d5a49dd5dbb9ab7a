/* Least-squares fit of a receive path's costs (ns per event, recv, segment, message, byte, rate
 * update, tick) to measured CPU per second, weighted for relative residuals (GSL). */
#ifndef CALIB_FIT_H
#define CALIB_FIT_H

#include <stddef.h>
#include "cpu_model.h"

/* One measured point: units of each feature per second, and CPU ns per second. */
struct fit_point { double x[CPUF__N]; double y; };

/* Weights 1 / max(y, FIT_Y_FLOOR)^2: relative residuals, except that a receiver whose CPU is
 * (nearly) nothing, an idle C reader, counts as FIT_Y_FLOOR ns per second. */
#define FIT_Y_FLOOR 1e5

struct fit_result {
    double coef[CPUF__N], se[CPUF__N];   /* se: NAN for fixed features */
    double r2;                           /* 1 - SS_res / SS_tot on y                  */
    double r2w;                          /* the same with the fit's weights           */
    double chisq;                        /* weighted residual sum of squares          */
    double rms_rel, max_rel;             /* relative residuals (y - yhat) / max(y, floor) */
    size_t n;
};

/* Fits the features with use[f] set; fixed[f] (finite) are not fitted but subtracted.  Costs the
 * fit would make negative are set to 0 (se NAN) and the others refitted.  Needs more points than
 * fitted features.  Returns 0, or -1 with err. */
int  calib_fit(const struct fit_point *pts, size_t n, const int use[CPUF__N], const double fixed[CPUF__N],
               struct fit_result *out, char *err, size_t errlen);
double calib_fit_predict(const struct fit_result *r, const double x[CPUF__N]);
/* Least squares of y on two features through the origin, coefficients >= 0, from the normal
 * equations of n points (a = X'X, v = X'y, yy = y'y): the better single term (the other 0), or
 * both if both come out >= 0 and the second term lowers the Bayesian information criterion
 * n ln(RSS) + k ln(n) (a term the points cannot tell from noise is left out). */
void   calib_fit_pair_nonneg(const double a[2][2], const double v[2], double yy, size_t n, double *c0, double *c1);

#endif
