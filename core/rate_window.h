/* "window": a sliding window of time buckets, as Transmission (2-s window of 200-ms buckets,
 * emule-upload.md §4) and libtorrent's per-second counters (§3.2) measure.
 *
 * Bytes go into buckets of 1 / buckets_per_s seconds aligned to the caller's clock; the window
 * holds seconds * buckets_per_s buckets (at most RATE_WINDOW_MAX_BUCKETS).  rate_read sums the
 * buckets that are COMPLETE at the read time, i.e. the last `seconds` seconds up to the start of
 * the current bucket, and divides by `seconds`: the estimate lags by up to one bucket but has no
 * partial-bucket bias (including the running bucket would read steady traffic up to one bucket's
 * share low).  During the first window after init the missing history counts as idle. */
#ifndef CORE_RATE_WINDOW_H
#define CORE_RATE_WINDOW_H

#include "rate.h"

extern const struct rate_algo rate_algo_window;

#endif
