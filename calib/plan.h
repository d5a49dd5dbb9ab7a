/* What `ratelab calibrate` measures (the points: fitted, held out, idle), how a measurement
 * becomes the model's features, which costs each path's model has, and the simulator's
 * prediction of the CPU of the same traffic. */
#ifndef CALIB_PLAN_H
#define CALIB_PLAN_H

#include "calib.h"
#include "fit.h"

enum calib_role { ROLE_FIT = 0, ROLE_HOLDOUT, ROLE_IDLE };
extern const char *const calib_role_name[3];

struct calib_item { struct calib_spec sp; enum calib_role role; };

/* The plan for the paths in paths[] (1 = measure).  quick: a small plan with short windows for
 * a smoke run; otherwise the full one.  Returns the number of items written (<= cap). */
size_t calib_plan(struct calib_item *out, size_t cap, const int paths[PATH__N], int quick);

/* Features per second of a measured point (x[CPUF_BASE] = 1). */
void   calib_features(const struct calib_spec *sp, const struct calib_meas *m, double x[CPUF__N]);
/* Which costs path p's model fits. */
void   calib_model_mask(enum cpu_path p, int use[CPUF__N]);

/* The simulator's CPU (ns per second) for the traffic of sp, the receive path costed with
 * calibration cal_id: the etorrent model with every peer in sp's mode at sp's rate.  Returns
 * NAN with err on failure. */
double calib_sim_predict(const struct calib_spec *sp, long cal_id, double wake_latency_ns, char *err, size_t errlen);

#endif
