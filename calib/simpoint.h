/* A calibration point run through the simulator's receiving process: the sender's recorded
 * writes in, the model's counts and CPU per second out, for checking counts before CPU. */
#ifndef CALIB_SIMPOINT_H
#define CALIB_SIMPOINT_H

#include "calib.h"

struct calib_sim_out {
    double units[CPUF__N];          /* per second: wake-ups (OS), COLD share, deliveries, ...   */
    double ns[CPUF__N];             /* CPU per second by feature                                */
    double cpu_ns;                  /* CPU per second, all features                             */
    double gaps[CPU_GAP_BINS];      /* deliveries per second by gap                             */
    double wakes;                   /* the receiver's wake-ups (sleeping threads woken) per second */
};

/* The costs and mechanisms of path p alone (every socket mode maps to it), clock as measured. */
void calib_costs_for_path(struct cpu_costs *c, const struct cpu_calibration *cal, enum cpu_path p, enum calib_clock clock);
/* Runs the sender's trace through the receiving process of sp's path over m's window, every cost
 * times the calibration's interference factor at m's load (m->other_cpu).
 * Returns 0, or -1 if there is no trace or window. */
int  calib_sim_point(const struct calib_spec *sp, const struct calib_meas *m, const struct calib_send_trace *tr,
                     const struct cpu_calibration *cal, uint64_t seed, struct calib_sim_out *out);

#endif
