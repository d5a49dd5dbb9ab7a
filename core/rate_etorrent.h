/* etorrent's running-average rate (etorrent.md §1), on whole seconds as the original and on
 * nanosecond time; both are reached through the registry in rate.h by name.
 *
 * "etorrent": R' = (R (L - S) + A) / (T - S) with T = floor(now / 1 s), the window start S
 * clamped to T - window after computing R', a fresh estimator looking F (fudge) seconds idle,
 * and a 0-byte probe ignored until the next-expected time NE = T + min(5, A / R').  Updates in
 * the same second add A / W without growing the denominator, hence the bias of etorrent.md §1.
 * With F = 0 the original divides by zero in the init second; here the spans T - S and L - S are
 * floored at 1 s, i.e. bytes counted in the current second are taken as one second's worth.  With
 * F >= 1 the floor never applies, so every behaviour of the original is unchanged.  rate_read
 * returns the last computed R: the estimate decays only through probes, as in the original.
 *
 * "etorrent_ns": the same recurrence on exact time (now / 1e9 as a real number), so steady
 * traffic in many messages per second settles at the true rate instead of above it; fudge and
 * window may be fractional (same 1-s floor on the spans). */
#ifndef CORE_RATE_ETORRENT_H
#define CORE_RATE_ETORRENT_H

#include "rate.h"

/* Cap on how far ahead NE is set, seconds (etorrent.md §1: min(5, A / R')). */
#define RATE_ETORRENT_NE_CAP_S 5.0

extern const struct rate_algo rate_algo_etorrent;
extern const struct rate_algo rate_algo_etorrent_ns;

#endif
