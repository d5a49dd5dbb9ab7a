/* Result helpers shared by the experiment models: per-class wire bytes of a link as metrics, and
 * its per-second records as time series, named the same way in every experiment. */
#include <stdio.h>
#include "exp_common.h"
#include "topology.h"

void exp_emit_conservation(struct run_result *res, const struct topology *t, int model_ok)
{
    uint64_t in_flight = 0;
    int ledger_ok = topo_ledger_balanced(t, &in_flight);
    const struct net_ledger *lg = &t->net->ledger;
    int64_t imbalance = (int64_t)(lg->bytes_injected - lg->bytes_delivered - lg->bytes_dropped - in_flight);
    result_metric(res, "conservation_ok", ledger_ok && model_ok);
    result_metric(res, "conservation_imbalance_bytes", (double)imbalance);
}

void exp_emit_class_bytes(struct run_result *res, const struct link *l, const char *name)
{
    for (int c = 0; c < BC__N; c++) {
        char full[RESULT_NAME_LEN];
        snprintf(full, sizeof full, "%s.%s", name, byte_class_name[c]);
        result_metric(res, full, (double)l->st.wire_bytes[c]);
    }
}

void exp_emit_link_series(struct run_result *res, const struct link *l, const char *prefix, double capacity_Bps)
{
    uint32_t ids[BC__N], cap;
    char name[RESULT_NAME_LEN];
    for (int c = 0; c < BC__N; c++) {
        snprintf(name, sizeof name, "%s_%s_Bps", prefix, byte_class_name[c]);
        ids[c] = result_series_id(res, name);
    }
    snprintf(name, sizeof name, "%s_capacity_Bps", prefix);
    cap = result_series_id(res, name);
    snprintf(name, sizeof name, "%s_queue_delay_ms", prefix);
    uint32_t qd = result_series_id(res, name);
    for (size_t i = 0; i < l->n_sec; i++) {
        double t = (double)(i + 1);        /* the second that ends at t */
        for (int c = 0; c < BC__N; c++) result_point(res, ids[c], 0, t, (double)l->sec[i].wire_bytes[c]);
        result_point(res, cap, 0, t, capacity_Bps);
        result_point(res, qd, 0, t, l->sec[i].qdelay_n ? l->sec[i].qdelay_sum_ns / l->sec[i].qdelay_n / 1e6 : 0.0);
    }
}

const struct metric_decl exp_common_metrics[] = {
    { "conservation_ok", METRIC_HIGHER },             /* 1: every byte accounted for */
    { "conservation_imbalance_bytes", METRIC_NEUTRAL },   /* 0 unless conservation_ok is 0 */
    /* wire bytes per class (exp_emit_class_bytes): counters that move with goodput */
    { "up_bytes_by_class.*", METRIC_NEUTRAL }, { "down_bytes_by_class.*", METRIC_NEUTRAL },
    /* engine load (exp_emit_event_rate): fewer events for the same run is better */
    { "events_per_sim_s", METRIC_LOWER },
    { "events_per_sim_s_per_100_peers", METRIC_LOWER },
    { NULL, METRIC_NEUTRAL }
};

void exp_emit_event_rate(struct run_result *res, uint64_t events, sim_time_t duration, size_t peers)
{
    double per_s = duration > 0 ? (double)events / ((double)duration / 1e9) : 0.0;
    result_metric(res, "events_per_sim_s", per_s);
    result_metric(res, "events_per_sim_s_per_100_peers", peers ? per_s * 100.0 / (double)peers : per_s);
}

