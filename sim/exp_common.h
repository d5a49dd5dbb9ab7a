/* Pieces every experiment model shares: a link's per-class bytes as metrics and its per-second
 * records as series (PREFIX_{data,control,header,ack,cross}_Bps, PREFIX_capacity_Bps, ...). */
#ifndef SIM_EXP_COMMON_H
#define SIM_EXP_COMMON_H

#include "experiment.h"
#include "link.h"
#include "results.h"

void exp_emit_link_series(struct run_result *res, const struct link *l, const char *prefix, double capacity_Bps);
/* Scalar metrics NAME.{data,control,header,ack,cross}: the link's wire bytes per class. */
void exp_emit_class_bytes(struct run_result *res, const struct link *l, const char *name);

struct topology;
/* conservation_ok (the topology's byte ledger balances and model_ok, the experiment's own stream
 * checks, holds) and conservation_imbalance_bytes: injected - delivered - dropped - in flight.
 * A run with conservation_ok = 0 is a failed run (result_invariant_failure). */
void exp_emit_conservation(struct run_result *res, const struct topology *t, int model_ok);

/* Directions of the metrics these helpers (and every experiment alike) emit. */
extern const struct metric_decl exp_common_metrics[];

/* events_per_sim_s and events_per_sim_s_per_100_peers: how hard the run drove the engine, so a
 * mechanism that re-arms itself far too often shows up in the results (bound: 5 M per 100). */
void exp_emit_event_rate(struct run_result *res, uint64_t events, sim_time_t duration, size_t peers);

#endif
