/* Experiment xtreme: the 1-s series and the scalar metrics (goodput both ways, the uplink's
 * stability, delays, slot figures, estimated vs real overhead, conservation). */
#include <math.h>
#include <stdio.h>
#include "exp_common.h"
#include "exp_xtreme.h"

static double slot_target_Bps(const struct xt_run *r)
{
    if (r->slots == XT_SLOTS_OFFICIAL) return os_target_rate(r->thr.n_slots, 0);
    return r->slot_speed_kBps * 1024.0;
}

void xt_metrics_warmup(struct xt_run *r)
{
    r->measuring = 1;
    r->down_read_at_warmup = xt_down_read(r);
    r->up_read_at_warmup = xt_up_read(r);
    r->acct_out_at_warmup = r->acct.c.emule_out;
    r->acct_overall_at_warmup = r->acct.c.emule_out_overall;
}

/* Once a second: series points, and the time averages of the measured period. */
void xt_metrics_second(struct xt_run *r, sim_time_t now)
{
    struct run_result *res = r->res;
    const struct throttle *t = &r->thr;
    double ts = (double)now / 1e9;
    uint32_t n_trickle = t->n_slots - t->n_full;
    result_point(res, r->s_full, 0, ts, t->n_full);
    result_point(res, r->s_trickle, 0, ts, n_trickle);
    result_point(res, r->s_target, 0, ts, slot_target_Bps(r));
    result_point(res, r->s_limit, 0, ts, r->policy == THR_NONE ? 0.0 : r->limit_kBps * 1024.0);
    result_point(res, r->s_block, 0, ts, thr_block_ratio(t));
    result_point(res, r->s_health, 0, ts, thr_upload_health(t));
    /* A sample stands for the second that ends now: those after warm-up are measured. */
    int measured = r->measuring && now > r->warmup;
    uint64_t down = xt_down_read(r);
    result_point(res, r->s_down, 0, ts, (double)(down - r->prev_down_read));
    r->prev_down_read = down;
    for (size_t i = 0; i < r->n_dl; i++) {
        struct xt_downloader *d = &r->dl[i];
        const struct thr_slot *sl = thr_slot_of(t, d->sock);
        if (!sl) continue;
        uint64_t delta = sl->data_sent - d->last_data;
        d->last_data = sl->data_sent;
        result_point(res, r->s_speed, d->sock, ts, (double)delta);
        if (!measured) continue;
        d->slot_ns_measured += 1e9;
        d->data_measured += delta;
        if (sl->full) { d->full_ns_measured += 1e9; d->data_full_measured += delta; }
    }
    if (t->n_slots != r->last_slots || t->n_full != r->last_full) {
        r->last_slots = t->n_slots;
        r->last_full = t->n_full;
        r->last_change_at = now;
    }
    if (!measured) return;
    r->sum_full += t->n_full;
    r->sum_trickle += n_trickle;
    r->sum_block += thr_block_ratio(t);
    r->sum_health += thr_upload_health(t);
    r->sum_target += slot_target_Bps(r);
    if (r->down_limit_kBps > 0) { r->sum_down_limit += r->down_limit_kBps; r->n_down_limited++; }
    r->n_samples++;
}

/* Coefficient of variation of the 1-s uplink wire total over the measured seconds. */
static double wire_cv(const struct link *l, sim_time_t from, sim_time_t to)
{
    size_t a = (size_t)((from + SIM_SEC(1) - 1) / SIM_SEC(1)), b = (size_t)(to / SIM_SEC(1));
    double s = 0, s2 = 0, n = 0;
    for (size_t i = a; i < b && i < l->n_sec; i++) {
        double w = 0;
        for (int c = 0; c < BC__N; c++) w += (double)l->sec[i].wire_bytes[c];
        s += w; s2 += w * w; n++;
    }
    if (n < 2 || s <= 0) return 0.0;
    double mean = s / n, var = (s2 - n * mean * mean) / (n - 1);
    return var > 0 ? sqrt(var) / mean : 0.0;
}

void xt_metrics_final(struct xt_run *r)
{
    struct run_result *res = r->res;
    double secs = (double)(r->duration - r->warmup) / 1e9;
    const struct link *lu = &r->topo.client_up, *ld = &r->topo.client_down;
    double ns = r->n_samples > 0 ? r->n_samples : 1;

    result_metric(res, "up_goodput_kbps", (double)(xt_up_read(r) - r->up_read_at_warmup) * 8 / 1000 / secs);
    result_metric(res, "up_wire_kbps", (double)lu->st.wire_total * 8 / 1000 / secs);
    result_metric(res, "up_wire_cv", wire_cv(lu, r->warmup, r->duration));
    result_metric(res, "up_link_util", (double)lu->st.wire_total * 8 / ((double)lu->rate_bps * secs));
    result_metric(res, "down_goodput_kbps", (double)(xt_down_read(r) - r->down_read_at_warmup) * 8 / 1000 / secs);
    result_metric(res, "up_queue_delay_ms_mean", hist_mean(lu->st.qdelay) / 1e6);
    result_metric(res, "up_queue_delay_ms_p95", hist_quantile(lu->st.qdelay, 0.95) / 1e6);
    result_metric(res, "voip_delay_ms_mean", r->has_voip ? hist_mean(&r->voip.delay) / 1e6 : 0.0);
    result_metric(res, "voip_delay_ms_p95", r->has_voip ? hist_quantile(&r->voip.delay, 0.95) / 1e6 : 0.0);
    result_metric(res, "voip_loss", r->has_voip ? udp_flow_loss(&r->voip) : 0.0);
    result_metric(res, "drops", (double)(lu->st.drops + ld->st.drops));
    result_metric(res, "drops_up", (double)lu->st.drops);
    /* Payload-carrying uplink packets under 100 IP bytes per second: the byte crumbs a client
     * that hands TCP a literal "budget - spent" makes.  Real eMule rounds sends to whole
     * fragments, so what is left are block requests (46 B), zero-window probes and the like. */
    result_metric(res, "up_small_segs_per_s", (double)lu->st.offered_small / secs);
    result_metric(res, "slots_full_mean", r->sum_full / ns);
    result_metric(res, "slots_trickle_mean", r->sum_trickle / ns);
    result_metric(res, "slots_opened", (double)(r->opens_free + r->opens_needslot));
    result_metric(res, "slots_opened_on_need", (double)r->opens_needslot);
    result_metric(res, "opens_with_ready_trickle", (double)r->opens_with_ready_trickle);
    result_metric(res, "promotions", (double)r->xs.promotions);

    /* |per-slot speed while Full - target| / target, weighted by time Full after warm-up. */
    double target = r->sum_target / ns, err = 0, w = 0;
    for (size_t i = 0; i < r->n_dl; i++) {
        const struct xt_downloader *d = &r->dl[i];
        if (d->full_ns_measured <= 0 || target <= 0) continue;
        double speed = (double)d->data_full_measured / (d->full_ns_measured / 1e9);
        err += fabs(speed - target) / target * d->full_ns_measured;
        w += d->full_ns_measured;
    }
    result_metric(res, "slot_speed_err", w > 0 ? err / w : 0.0);
    /* Stable = the slot set did not change in the last 10 s; else the run's length. */
    double stable = (double)r->last_change_at / 1e9;
    if (r->duration - r->last_change_at < SIM_SEC(10)) stable = (double)r->duration / 1e9;
    result_metric(res, "time_to_stable_s", stable);
    result_metric(res, "blocking_ratio_mean", r->sum_block / ns);
    result_metric(res, "upload_health", r->sum_health / ns);
    /* The download limit (static 4/11 rule, NAFC rule): how often it applied, and its mean then. */
    result_metric(res, "down_limited_share", r->n_down_limited / ns);
    result_metric(res, "down_limit_kBps_mean", r->n_down_limited > 0 ? r->sum_down_limit / r->n_down_limited : 0.0);

    /* How wrong the client's overhead estimate is: what it booked beyond payload vs every
     * uplink wire byte of its own that is not file data (control, headers, framing, ACKs). */
    double est = (double)((r->acct.c.emule_out_overall - r->acct_overall_at_warmup) -
                          (r->acct.c.emule_out - r->acct_out_at_warmup));
    double real = (double)(lu->st.wire_total - lu->st.wire_bytes[BC_DATA] - lu->st.wire_bytes[BC_CROSS]);
    result_metric(res, "overhead_est_kbps", est * 8 / 1000 / secs);
    /* Receive events per full segment read: what one ACK estimate per event covers. */
    result_metric(res, "recv_events_per_seg", r->recv_segs ? (double)r->recv_events / (double)r->recv_segs : 0.0);
    result_metric(res, "overhead_wire_kbps", real * 8 / 1000 / secs);
    exp_emit_class_bytes(res, lu, "up_bytes_by_class");

    result_metric(res, "bytes_injected", (double)r->net.ledger.bytes_injected);
    exp_emit_conservation(res, &r->topo, 1);

    for (size_t i = 0; i < r->n_dl; i++) {
        const struct xt_downloader *d = &r->dl[i];
        if (!d->opened && !d->established) continue;
        const struct thr_slot *sl = thr_slot_of(&r->thr, d->sock);
        double full_s = d->full_ns_measured / 1e9, slot_s = d->slot_ns_measured / 1e9;
        result_row(res, "slot", d->sock, "speed_Bps", slot_s > 0 ? (double)d->data_measured / slot_s : 0.0);
        result_row(res, "slot", d->sock, "speed_full_Bps", full_s > 0 ? (double)d->data_full_measured / full_s : 0.0);
        result_row(res, "slot", d->sock, "blocking_ratio", sl ? br_socket_ratio(&sl->br) : 0.0);
        result_row(res, "slot", d->sock, "time_full_s", full_s);
        result_row(res, "slot", d->sock, "connect_delay_s", d->connect_delay >= 0 ? (double)d->connect_delay / 1e9 : -1.0);
        result_row(res, "slot", d->sock, "line_down_kBps", d->down_Bps / 1024.0);
    }
    exp_emit_link_series(res, lu, "up", (double)lu->rate_bps / 8);
}

/* Which way each metric is better (regress fails only on the worse way; neutral never fails). */
const struct metric_decl xt_metrics[] = {
    { "up_goodput_kbps", METRIC_HIGHER }, { "down_goodput_kbps", METRIC_HIGHER },
    /* wire totals include headers, ACKs and cell tax: fewer wasted bytes lower them */
    { "up_wire_kbps", METRIC_NEUTRAL }, { "up_link_util", METRIC_NEUTRAL },
    { "up_wire_cv", METRIC_LOWER },
    { "up_queue_delay_ms_mean", METRIC_LOWER }, { "up_queue_delay_ms_p95", METRIC_LOWER },
    { "voip_delay_ms_mean", METRIC_LOWER }, { "voip_delay_ms_p95", METRIC_LOWER }, { "voip_loss", METRIC_LOWER },
    { "drops", METRIC_LOWER }, { "drops_up", METRIC_LOWER },
    { "up_small_segs_per_s", METRIC_LOWER },
    { "recv_events_per_seg", METRIC_NEUTRAL },
    { "adapter_out_kBps", METRIC_NEUTRAL },
    { "up_ip_offered_kBps", METRIC_NEUTRAL },
    { "up_pkts_offered_per_s", METRIC_NEUTRAL },
    /* slot counts and rule activity describe what the slot manager did, not how well */
    { "slots_full_mean", METRIC_NEUTRAL }, { "slots_trickle_mean", METRIC_NEUTRAL }, { "slots_opened", METRIC_NEUTRAL },
    { "slots_opened_on_need", METRIC_NEUTRAL }, { "opens_with_ready_trickle", METRIC_NEUTRAL },
    { "promotions", METRIC_NEUTRAL },
    { "slot_speed_err", METRIC_LOWER }, { "time_to_stable_s", METRIC_LOWER },
    { "blocking_ratio_mean", METRIC_LOWER }, { "upload_health", METRIC_HIGHER },
    { "down_limited_share", METRIC_NEUTRAL }, { "down_limit_kBps_mean", METRIC_NEUTRAL },
    { "overhead_est_kbps", METRIC_NEUTRAL }, { "overhead_wire_kbps", METRIC_NEUTRAL },
    { "bytes_injected", METRIC_NEUTRAL },
    { NULL, METRIC_NEUTRAL }
};

/* What the metrics mean (`ratelab keys`). */
const struct metric_doc xt_metric_docs[] = {
    { "up_small_segs_per_s",
      "payload-carrying uplink packets under 100 IP bytes per second (cross-traffic "
      "excluded): block requests, probes -- and byte crumbs, if a sender makes them" },
    { "recv_events_per_seg",
      "the client's receive events per full segment read (one ACK estimate per event)" },
    { "adapter_out_kBps",
      "what NAFC's adapter counter saw after the warm-up, KB/s (nafc_adapter)" },
    { "up_ip_offered_kBps",
      "IP bytes offered to the uplink after the warm-up, KB/s" },
    { "up_pkts_offered_per_s",
      "packets offered to the uplink per second" },
    { "events_per_sim_s", "engine events per simulated second" },
    { "events_per_sim_s_per_100_peers", "the same per 100 remote peers (bound: 5 M)" },
    { NULL, NULL }
};
