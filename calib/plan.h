/* What `ratelab calibrate` measures (the points: fitted, held out, idle; how long; how often),
 * and how a measurement becomes the model's features. */
#ifndef CALIB_PLAN_H
#define CALIB_PLAN_H

#include "calib.h"

enum calib_role { ROLE_FIT = 0, ROLE_HOLDOUT, ROLE_IDLE };
extern const char *const calib_role_name[3];

struct calib_item { struct calib_spec sp; enum calib_role role; };

/* The plan for the paths in paths[] (1 = measure).  quick: a small plan with short windows for
 * a smoke run; otherwise the full one.  Returns the number of items written (<= cap). */
size_t calib_plan(struct calib_item *out, size_t cap, const int paths[PATH__N], int quick);
/* Repetitions of every item the plan runs (in rounds, so slow changes of the machine's load
 * spread over all points alike); the fit takes each item's median. */
int    calib_plan_reps(int quick);

/* What a fit computes its features with, besides the counts: the idle receiver's voluntary
 * switches per second (part of BASE) and the time constants of COLD and CONN_COLD. */
struct calib_shape { double idle_vcsw, tau_us, conn_tau_us; };
/* Features per second of a measured point: x[CPUF_BASE] = 1; WAKEUP the receiver's voluntary
 * context switches above idle_vcsw;
 * COLD the segments' cold shares at tau_us (their gaps from the sender's records); CONN_COLD
 * the segments' shares cold for their connection at conn_tau_us (the paced sender spaces one
 * connection's segments by mss / rate); DELIVERY the path's deliveries. */
void   calib_features(const struct calib_spec *sp, const struct calib_meas *m, const struct calib_shape *sh,
                      double x[CPUF__N]);
/* The deliveries of a measured point: reads (recv calls returning data, active messages) or, for
 * epoll, ready sockets. */
double calib_deliveries(const struct calib_spec *sp, const struct calib_meas *m);
/* Which costs path p's model fits. */
void   calib_model_mask(enum cpu_path p, int use[CPUF__N]);

#endif
