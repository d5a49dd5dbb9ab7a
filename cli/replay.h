/* Replaying a byte trace through one rate estimator: the engine of `ratelab rate-replay`,
 * callable from tests without the command line. */
#ifndef CLI_REPLAY_H
#define CLI_REPLAY_H

#include <stdio.h>
#include "rate.h"

/* Reads "t_seconds bytes" lines (bytes = 0: probe; '#' starts a comment; blank lines are
 * skipped) from `in`, initialises the estimator at t = 0 and writes "t,bytes,rate" then one CSV
 * row per trace line to `out`.  The whole trace is checked first: on a bad line writes
 * "NAME:LINE: reason" to err and returns -1 with nothing written to `out`. */
int rate_replay(FILE *in, const char *name, const struct rate_params *params, FILE *out,
                char *err, size_t errlen);

#endif
