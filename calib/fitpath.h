/* One receive path's costs from its measured points: the median of each point's repetitions,
 * the cold-cache time constant chosen by profile (least squares at each candidate), fit quality,
 * and the fitted model's CPU for any measured point. */
#ifndef CALIB_FITPATH_H
#define CALIB_FITPATH_H

#include "fit.h"
#include "plan.h"

#define CALIB_N_TAU 9
extern const double calib_tau_us[CALIB_N_TAU];    /* candidates, 125 us .. 32 ms */
#define CALIB_N_GAMMA 13
extern const double calib_gamma[CALIB_N_GAMMA];   /* interference candidates, 0 .. 3 */
#define CALIB_N_CONN_TAU 6
extern const double calib_conn_tau_us[CALIB_N_CONN_TAU];   /* CONN_COLD candidates, 3 ms .. 1 s */

/* The most repetitions of one item a session holds: every per-item median (the fit's, the idle
 * switches', the held-out table's) takes all of them, so a stored calibration with more is
 * refused when it is read, never cut short in silence. */
#define CALIB_MAX_REPS 16

/* One measurement: which plan item, which repetition. */
struct calib_obs { size_t item; int rep; struct calib_meas m; };

struct calib_path_fit {
    struct fit_result fr;            /* at the chosen tau                                       */
    double tau_us;
    double conn_tau_us;              /* CONN_COLD's time constant                                */
    double gamma;                    /* interference: costs x (1 + gamma x other processes' CPU share) */
    double idle_vcsw;                /* the idle receiver's voluntary switches per second (in BASE) */
    double chisq[CALIB_N_TAU];       /* squared relative residuals of every repetition at its own
                                        load, at each candidate tau (best gamma)                */
    double chisq_gamma[CALIB_N_GAMMA];   /* ... at each candidate gamma (best tau)              */
    double chisq_conn[CALIB_N_CONN_TAU]; /* ... at each candidate CONN_COLD time constant        */
    double chisq_without_conn;           /* ... without CONN_COLD (conn_tau_us 0: left out)      */
    double r2w;                      /* R^2 of the weighted fit (relative residuals)             */
    size_t n_items;                  /* plan items (medians) behind the fit                      */
};

/* The median over repetitions of item's features (with sh, each repetition's times its
 * interference factor at gamma) and CPU per second; 0 if the item has no observation. */
int  calib_item_median(const struct calib_item *items, size_t item, const struct calib_obs *obs, size_t n_obs,
                       const struct calib_shape *sh, double gamma, double x[CPUF__N], double *y);
/* Fits path p: idle and fit items, each the median of its repetitions, at every triple of tau,
 * CONN_COLD time constant and gamma candidates; the triple kept is the one whose costs best predict every repetition at its own
 * load (squared relative residuals); fixed[f] (finite) are
 * not fitted but taken as given (the C rate updates from the micro-benchmark). */
int  calib_fit_path(enum cpu_path p, const struct calib_item *items, size_t n_items, const struct calib_obs *obs,
                    size_t n_obs, const double fixed[CPUF__N], struct calib_path_fit *out, char *err, size_t errlen);
/* The fitted model's CPU per second for one measurement's counts and load. */
double calib_fit_cpu(const struct calib_path_fit *pf, const struct calib_spec *sp, const struct calib_meas *m);

#endif
