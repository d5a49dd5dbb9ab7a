/* "reset10": etorrent's old rate (etorrent.md §2), a byte counter per round that is zeroed when
 * the round ends; the choker of that time ranked peers by those counters.
 *
 * Rounds are aligned to multiples of round_s (default 10 s) on the caller's clock, not to the
 * estimator's init time, because the old choker reset every peer's counter on its own global
 * timer: a peer that starts sending 7 s into a round has only 3 s of bytes in that round.
 * rate_read, by default (partial = 0), returns the bytes of the last COMPLETE round divided by
 * round_s, which is what the choker saw when it ranked at the round boundary; before the first
 * round has ended and after an idle round it reads 0.  With partial = 1 it returns the running
 * round's counter divided by round_s, i.e. the raw counter a choker would compare mid-round. */
#ifndef CORE_RATE_RESET_H
#define CORE_RATE_RESET_H

#include "rate.h"

extern const struct rate_algo rate_algo_reset10;

#endif
