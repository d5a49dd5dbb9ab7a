/* Pieces every experiment model shares: turning a link's per-second records into result series.
 * Series are named PREFIX_{data,control,header,ack,cross}_Bps, PREFIX_capacity_Bps, PREFIX_queue_delay_ms. */
#ifndef SIM_EXP_COMMON_H
#define SIM_EXP_COMMON_H

#include "link.h"
#include "results.h"

void exp_emit_link_series(struct run_result *res, const struct link *l, const char *prefix, double capacity_Bps);

#endif
