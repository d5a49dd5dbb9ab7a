/* "ewma": a continuous-time exponential moving average of the byte rate, time constant tau_s.
 *
 * Each update at time t with A bytes sets R = R exp(-(t - t_last) / tau) + A / tau, i.e. every
 * byte contributes an exponentially fading impulse of area 1 byte; steady traffic at r B/s
 * settles at r whatever the message size, and reads between updates decay by the same factor
 * (so a silent peer fades without probes).  Starts at 0 and needs about 3 tau to converge.
 * libtorrent's 5-s average (emule-upload.md §3.2: avg = 4/5 avg + 1/5 sample per 1-s tick) is
 * the discrete cousin of tau_s ~ 4.5 s. */
#ifndef CORE_RATE_EWMA_H
#define CORE_RATE_EWMA_H

#include "rate.h"

extern const struct rate_algo rate_algo_ewma;

#endif
