/* Experiment etorrent: each 10-s rechoke on the rate estimates, scored against an oracle choker
 * fed every peer's true sending rate (its limiter's rate while it unchokes us, known to the
 * simulator), so no estimator is favoured by construction; the run's scalar metrics and
 * per-peer rows at the end.  docs/experiments.md names and defines every metric. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "exp_etorrent.h"

const double et_band_lo[ET_N_BANDS] = { 0, 4000, 16000, 64000, 256000 };
const char *const et_band_name[ET_N_BANDS] = { "lt4k", "4k_16k", "16k_64k", "64k_256k", "ge256k" };

static int band_of(double rate)
{
    int b = 0;
    while (b + 1 < ET_N_BANDS && rate >= et_band_lo[b + 1]) b++;
    return b;
}

/* ---------------------------------------------------------------- the truth */

void et_truth_setup(struct et_run *r, struct et_peer *p)
{
    const struct remote_host *h = &r->topo.remote[p->id];
    const struct link *cd = &r->topo.client_down, *cu = &r->topo.client_up;
    double prop = (double)(cu->prop_delay + h->core_to.prop_delay + h->down.prop_delay +
                           h->up.prop_delay + h->core_from.prop_delay + cd->prop_delay) / 1e9;
    double ser = ET_PIECE_WIRE * 8.0 / (double)h->up.rate_bps + ET_PIECE_WIRE * 8.0 / (double)cd->rate_bps;
    p->pipe_bound_Bps = (double)r->cfg.pipeline * ET_PIECE_WIRE / (prop + ser);
}

double et_true_rate(const struct et_peer *p)
{
    if (!p->connected || !p->started || !p->unchoking_us) return 0.0;
    return p->capacity_Bps < p->pipe_bound_Bps ? p->capacity_Bps : p->pipe_bound_Bps;
}

/* ---------------------------------------------------------------- rank statistics */

struct ranked { double v; size_t i; };

static int cmp_ranked(const void *a, const void *b)
{
    const struct ranked *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Average ranks (1-based, ties share their mean rank); tmp holds n entries. */
static void ranks(const double *v, size_t n, double *rank, struct ranked *tmp)
{
    for (size_t i = 0; i < n; i++) tmp[i] = (struct ranked){ v[i], i };
    qsort(tmp, n, sizeof *tmp, cmp_ranked);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && tmp[j + 1].v == tmp[i].v) j++;
        double mean = (double)(i + j) / 2.0 + 1.0;
        for (size_t k = i; k <= j; k++) rank[tmp[k].i] = mean;
        i = j + 1;
    }
}

double et_spearman(const double *x, const double *y, size_t n)
{
    if (n < 2) return NAN;
    double *rx = malloc(2 * n * sizeof *rx);
    struct ranked *tmp = malloc(n * sizeof *tmp);
    if (!rx || !tmp) { free(rx); free(tmp); return NAN; }
    double *ry = rx + n;
    ranks(x, n, rx, tmp);
    ranks(y, n, ry, tmp);
    double mx = 0, my = 0;
    for (size_t i = 0; i < n; i++) { mx += rx[i]; my += ry[i]; }
    mx /= (double)n;
    my /= (double)n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < n; i++) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    free(rx);
    free(tmp);
    if (sxx == 0 || syy == 0) return NAN;     /* all estimates (or truths) equal: no ranking */
    return sxy / sqrt(sxx * syy);
}

static void push_err(struct et_run *r, double e)
{
    if (r->n_rel_err == r->cap_rel_err) {
        size_t ncap = r->cap_rel_err ? 2 * r->cap_rel_err : 1024;
        double *n = realloc(r->rel_err, ncap * sizeof *n);
        if (!n) abort();
        r->rel_err = n;
        r->cap_rel_err = ncap;
    }
    r->rel_err[r->n_rel_err++] = e;
}

/* The old statistic: bytes that arrived since the last rechoke (or since the peer's first
 * byte, if later) over that time, at least 1 s -- exactly what reset10 estimates, so an error
 * against it favours reset10 by construction (kept as rate_err_box_mare for comparison). */
static double box_rate(const struct et_peer *p, sim_time_t last, sim_time_t now)
{
    if (p->first_byte_at < 0 || p->arrived == p->arrived_rechoke) return 0;
    sim_time_t from = p->first_byte_at > last ? p->first_byte_at : last;
    double dt = (double)(now - from) / 1e9;
    if (dt < 1) dt = 1;
    return (double)(p->arrived - p->arrived_rechoke) / dt;
}

/* ---------------------------------------------------------------- the rechoke */

/* Our choker on the estimates (times the optional log-normal noise), then its twin, the oracle,
 * on the true rates with the same ring, snub state and interest: the oracle's preferred set is
 * what a perfect estimator would have unchoked at this moment. */
static void choose(struct et_run *r, double *est, double *truth)
{
    struct choker *c = &r->choker, *o = &r->oracle;
    sim_time_t now = r->net.sim.now;
    for (size_t i = 0; i < r->n_peers; i++) {
        struct et_peer *p = &r->peer[i];
        est[i] = truth[i] = 0;
        if (!p->connected) continue;
        truth[i] = et_true_rate(p);
        est[i] = rate_read(&p->est, now);   /* scored as the choker sees it, noise included */
        if (r->cfg.rate_noise > 0) est[i] *= exp(r->cfg.rate_noise * gsl_ran_gaussian_ziggurat(r->noise_rng, 1.0));
        c->peer[i].rate_Bps = est[i];
        c->peer[i].interested = 1;         /* every peer wants our pieces; none is a seeder */
    }
    choke_round(c);
    et_marks_after_rechoke(r);
    memcpy(o->ring, c->ring, c->n_ring * sizeof c->ring[0]);
    o->n_ring = c->n_ring;
    for (size_t i = 0; i < r->n_peers; i++) {
        o->peer[i].present = c->peer[i].present;
        o->peer[i].interested = c->peer[i].interested;
        o->peer[i].snubbed = c->peer[i].snubbed;
        o->peer[i].rate_Bps = truth[i];
    }
    choke_rechoke(o);
}

void et_rechoke(struct et_run *r)
{
    sim_time_t now = r->net.sim.now, last = r->last_rechoke;
    double *est = r->scratch, *truth = est + r->n_peers, *e2 = truth + r->n_peers, *t2 = e2 + r->n_peers;
    choose(r, est, truth);
    if (r->cfg.reciprocity) et_remote_our_unchokes(r);
    const struct choker *c = &r->choker, *o = &r->oracle;

    /* score only rounds that lie wholly after the warm-up */
    int score = last >= r->warmup;
    size_t n = 0, n_oracle = 0, hit = 0;
    for (size_t i = 0; i < r->n_peers; i++) {
        struct et_peer *p = &r->peer[i];
        if (!p->connected) continue;
        e2[n] = est[i];
        t2[n] = truth[i];
        n++;
        n_oracle += o->peer[i].preferred;
        hit += o->peer[i].preferred && c->peer[i].preferred;
        if (score && truth[i] > 0) {
            double e = fabs(est[i] - truth[i]) / truth[i];
            push_err(r, e);
            int b = band_of(truth[i]);
            r->band_err_sum[b] += e;
            r->band_err_n[b]++;
            p->err_sum += e;
            p->err_n++;
        }
        double box = box_rate(p, last, now);
        if (score && box > 0) { r->box_err_sum += fabs(est[i] - box) / box; r->box_err_n++; }
        if (score && p->started && p->t_start <= last) {
            p->sample_intervals++;
            p->samples_sum += p->samples_now;
            p->empty_intervals += p->samples_now == 0;
        }
        /* a late peer the oracle prefers at its first rechoke: when does our choker prefer it? */
        if (p->late && p->started && p->t_start < now) {
            if (!p->first_rechoke_seen) {
                p->first_rechoke_seen = 1;
                p->fast_late = o->peer[i].preferred;
                p->first_rechoke_preferred = c->peer[i].preferred;
            }
            if (p->fast_late && c->peer[i].preferred && p->preferred_at < 0) p->preferred_at = now;
        }
    }
    if (score && n_oracle > 0) {
        double overlap = (double)hit / (double)n_oracle;
        r->overlap_sum += overlap;
        r->overlap_n++;
        result_point(r->res, r->s_overlap, 0, (double)now / 1e9, overlap);
        double rho = et_spearman(e2, t2, n);
        if (!isnan(rho)) {
            r->rank_corr_sum += rho;
            r->rank_corr_n++;
            result_point(r->res, r->s_rank_corr, 0, (double)now / 1e9, rho);
        }
    }
    for (size_t i = 0; i < r->n_peers; i++) {
        r->peer[i].samples_now = 0;
        r->peer[i].arrived_rechoke = r->peer[i].arrived;
    }
    r->last_rechoke = now;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void et_metrics_finish(struct et_run *r)
{
    struct run_result *res = r->res;
    double secs = (double)(r->duration - r->warmup) / 1e9;
    double total = 0;
    for (int k = 0; k < CPUF__N; k++) total += r->cpu_ns[k];
    result_metric(res, "cpu_us_per_s", total / 1e3 / secs);
    for (int k = 0; k < CPUF__N; k++) {
        char name[RESULT_NAME_LEN];
        snprintf(name, sizeof name, "cpu_us_per_s_%s", cpu_feat_name[k]);
        result_metric(res, name, r->cpu_ns[k] / 1e3 / secs);
    }
    double share = total > 0 ? (r->cpu_ns[CPUF_RATE_MONO] + r->cpu_ns[CPUF_RATE_LOCALTIME]) / total : 0;
    result_metric(res, "rate_cpu_share", share);
    result_metric(res, "amdahl_max_speedup", share < 1 ? 1.0 / (1.0 - share) : INFINITY);

    uint64_t iv = 0, smp = 0, empty = 0, switches = 0, pieces = 0, msgs = 0, goodput = 0, drains = 0;
    double mode_t[SOCK_MODE__N] = { 0 };
    double late_delay = 0;
    unsigned n_late_fast = 0, n_late_first = 0, late_miss_first = 0;
    for (size_t i = 0; i < r->n_peers; i++) {
        struct et_peer *p = &r->peer[i];
        et_peer_close_mode_time(p);
        iv += p->sample_intervals;
        smp += p->samples_sum;
        empty += p->empty_intervals;
        switches += p->switches_warm;
        if (p->connected) drains += p->sm.drains;
        pieces += p->pieces;
        msgs += p->messages;
        goodput += p->arrived - p->arrived_warm;
        for (int m = 0; m < SOCK_MODE__N; m++) mode_t[m] += p->mode_time[m];
        if (p->fast_late) {
            n_late_fast++;
            late_delay += (double)((p->preferred_at >= 0 ? p->preferred_at : r->duration) - p->t_start) / 1e9;
            if (p->first_rechoke_seen) {
                n_late_first++;
                late_miss_first += !p->first_rechoke_preferred;
            }
        }
        double g = (double)(p->arrived - p->arrived_warm) / secs;
        result_row(res, "peer", (int32_t)i, "capacity_Bps", p->capacity_Bps);
        result_row(res, "peer", (int32_t)i, "pipe_bound_Bps", p->pipe_bound_Bps);
        result_row(res, "peer", (int32_t)i, "goodput_Bps", g);
        result_row(res, "peer", (int32_t)i, "rate_err_mare", p->err_n ? p->err_sum / (double)p->err_n : NAN);
        result_row(res, "peer", (int32_t)i, "samples_per_interval",
                   p->sample_intervals ? (double)p->samples_sum / (double)p->sample_intervals : NAN);
        result_row(res, "peer", (int32_t)i, "switches", (double)p->switches_warm);
        result_row(res, "peer", (int32_t)i, "final_mode", p->connected ? (double)sockmode_mode(&p->sm) : NAN);
        result_row(res, "peer", (int32_t)i, "late", p->late);
        result_row(res, "peer", (int32_t)i, "stepped", p->stepped);
        result_row(res, "peer", (int32_t)i, "start_s", (double)p->t_start / 1e9);
    }
    result_metric(res, "samples_per_interval_mean", iv ? (double)smp / (double)iv : NAN);
    result_metric(res, "intervals_without_sample", iv ? (double)empty / (double)iv : NAN);
    double mare = NAN, p95 = NAN;
    if (r->n_rel_err) {
        double s = 0;
        for (size_t k = 0; k < r->n_rel_err; k++) s += r->rel_err[k];
        mare = s / (double)r->n_rel_err;
        qsort(r->rel_err, r->n_rel_err, sizeof r->rel_err[0], cmp_double);
        size_t k95 = (size_t)ceil(0.95 * (double)r->n_rel_err);
        p95 = r->rel_err[k95 ? k95 - 1 : 0];
    }
    result_metric(res, "rate_err_mare", mare);
    result_metric(res, "rate_err_p95", p95);
    for (int b = 0; b < ET_N_BANDS; b++) {
        char name[RESULT_NAME_LEN];
        snprintf(name, sizeof name, "rate_err_mare_%s", et_band_name[b]);
        result_metric(res, name, r->band_err_n[b] ? r->band_err_sum[b] / (double)r->band_err_n[b] : NAN);
        snprintf(name, sizeof name, "rate_err_n_%s", et_band_name[b]);
        result_metric(res, name, (double)r->band_err_n[b]);
    }
    result_metric(res, "rate_err_box_mare", r->box_err_n ? r->box_err_sum / (double)r->box_err_n : NAN);
    result_metric(res, "unchoke_overlap", r->overlap_n ? r->overlap_sum / (double)r->overlap_n : NAN);
    result_metric(res, "unchoke_rank_corr", r->rank_corr_n ? r->rank_corr_sum / (double)r->rank_corr_n : NAN);
    result_metric(res, "late_fast_rank_delay_s", n_late_fast ? late_delay / n_late_fast : NAN);
    result_metric(res, "late_fast_peers", n_late_fast);
    result_metric(res, "late_fast_missed_first_rechoke", n_late_first ? (double)late_miss_first / n_late_first : NAN);
    result_metric(res, "switches_per_peer_hour", (double)switches / (double)r->n_peers / (secs / 3600.0));
    result_metric(res, "down_goodput_kBps", (double)goodput / 1e3 / secs);
    double mt = 0;
    for (int m = 0; m < SOCK_MODE__N; m++) mt += mode_t[m];
    for (int m = 0; m < SOCK_MODE__N; m++) {
        char name[RESULT_NAME_LEN];
        snprintf(name, sizeof name, "mode_share_%s", sock_mode_name[m]);
        result_metric(res, name, mt > 0 ? mode_t[m] / mt : NAN);
    }
    result_metric(res, "messages_per_s", (double)msgs / ((double)r->duration / 1e9));
    result_metric(res, "pieces", (double)pieces);
    result_metric(res, "mode_drains", (double)drains);
    result_metric(res, "ticks_deferred", (double)r->ticks_deferred);
    result_metric(res, "tick_defer_s_max", r->tick_defer_max_s);
    result_metric(res, "tick_defer_s_mean", r->tick_defer_batches ? r->tick_defer_sum_s / (double)r->tick_defer_batches : 0.0);
}

/* Which way each metric is better (regress fails only on the worse way; neutral never fails). */
const struct metric_decl et_metrics[] = {
    { "cpu_us_per_s", METRIC_LOWER }, { "cpu_us_per_s_*", METRIC_LOWER },
    /* Amdahl's figures describe where the CPU goes, not how well the client does */
    { "rate_cpu_share", METRIC_NEUTRAL }, { "amdahl_max_speedup", METRIC_NEUTRAL },
    { "samples_per_interval_mean", METRIC_NEUTRAL }, { "intervals_without_sample", METRIC_LOWER },
    { "rate_err_mare", METRIC_LOWER },
    { "rate_err_p95", METRIC_LOWER },
    { "rate_err_mare_*", METRIC_LOWER },
    { "rate_err_n_*", METRIC_NEUTRAL },
    { "rate_err_box_mare", METRIC_LOWER },
    { "unchoke_overlap", METRIC_HIGHER },
    { "unchoke_rank_corr", METRIC_HIGHER },
    { "late_fast_rank_delay_s", METRIC_LOWER },
    { "late_fast_peers", METRIC_NEUTRAL },
    { "late_fast_missed_first_rechoke", METRIC_LOWER },
    { "switches_per_peer_hour", METRIC_LOWER },
    { "down_goodput_kBps", METRIC_HIGHER },
    { "mode_share_*", METRIC_NEUTRAL }, { "messages_per_s", METRIC_NEUTRAL }, { "pieces", METRIC_NEUTRAL },
    { "mode_drains", METRIC_NEUTRAL }, { "ticks_deferred", METRIC_NEUTRAL },
    { "tick_defer_s_max", METRIC_LOWER }, { "tick_defer_s_mean", METRIC_LOWER },
    { "max_uploads", METRIC_NEUTRAL },
    { "unchoke_boundary_Bps", METRIC_NEUTRAL },          /* exp_etorrent_marks.c: where the decision is */
    { NULL, METRIC_NEUTRAL }
};

/* What the metrics mean (`ratelab keys`). */
const struct metric_doc et_metric_docs[] = {
    { "rate_err_mare",
      "mean |estimate - true rate| / true rate over the scored rechokes, peers sending to us "
      "(true rate: the peer's limiter rate, capped by its request pipeline, while it unchokes us)" },
    { "rate_err_p95",
      "95th percentile of the same relative errors" },
    { "rate_err_mare_*",
      "the same per band of the true rate: lt4k, 4k_16k, 16k_64k, 64k_256k, ge256k B/s" },
    { "rate_err_n_*",
      "how many errors each band's mean is over" },
    { "rate_err_box_mare",
      "error against the bytes since the last rechoke (reset10's own statistic: favours "
      "reset10 by construction; the pre-oracle truth)" },
    { "unchoke_overlap",
      "per rechoke: share of the oracle choker's preferred peers ours also prefers (oracle: "
      "our choker's twin fed the true rates); mean over the run, per rechoke in series oracle_overlap" },
    { "unchoke_rank_corr",
      "per rechoke: Spearman correlation of the estimates with the true rates over the "
      "connected peers; mean, per rechoke in series oracle_rank_corr" },
    { "late_fast_rank_delay_s",
      "late peers the oracle prefers at their first rechoke: seconds from their start "
      "until our choker prefers them (the run's end if never)" },
    { "late_fast_peers",
      "how many late peers the oracle preferred at their first rechoke" },
    { "late_fast_missed_first_rechoke",
      "share of those our choker did not prefer at that rechoke" },
    { "down_goodput_kBps",
      "payload received after the warm-up per second; with reciprocity it depends on "
      "whom our choker unchokes" },
    { "events_per_sim_s", "engine events per simulated second" },
    { "events_per_sim_s_per_100_peers", "the same per 100 remote peers (bound: 5 M)" },
    { NULL, NULL }
};
