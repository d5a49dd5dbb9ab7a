/* Experiment etorrent (A): a client downloading from N peers over TCP, each socket passive,
 * active or {packet,4} as core's mode controller decides; CPU, rate accuracy and choking scored. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "experiment.h"
#include "exp_common.h"
#include "exp_etorrent.h"
#include "rng.h"

static const char *const policies[] = { "passive", "active", "packet4", "etorrent2010", "hysteresis", NULL };
static const char *const modes[] = { "passive", "active", "packet4", NULL };
static const char *const algos[] = { "etorrent", "etorrent_ns", "reset10", "ewma", "window", NULL };
static const char *const grans[] = { "per_message", "per_chunk", NULL };
static const char *const dists[] = { "loguniform", "uniform", "fixed", NULL };
static const char *const picks[] = { "fastest", "random", NULL };
static const char *const clocks[] = { "mono", "localtime", NULL };
static const char *const writers[] = { "tick", "message", NULL };   /* = et_writer */
static const char *const framings[] = { "ppp", "ethernet", "pppoa_atm", "pppoe_atm", "none", NULL };

static const struct param_def et_params[] = {
    /* the swarm */
    { "n_peers",          PT_INT,    "40",     1, ET_MAX_PEERS, NULL, "remote peers we download from (etorrent.md §5: 40)" },
    { "pipeline",         PT_INT,    "5",      1, 250, NULL, "outstanding requests per peer, 16 KiB blocks" },
    { "have_rate_hz",     PT_DOUBLE, "1",      0, 1000, NULL, "HAVE messages (9 B) each peer sends per second, Poisson" },
    { "cap_dist",         PT_ENUM,   "loguniform", 0, 0, dists, "peer upload capacity distribution" },
    { "cap_min_Bps",      PT_DOUBLE, "2000",   100, 1e9, NULL, "smallest peer upload limit towards us, B/s (fixed: every peer's)" },
    { "cap_max_Bps",      PT_DOUBLE, "2e6",    100, 1e9, NULL, "largest peer upload limit towards us, B/s" },
    { "late_share",       PT_DOUBLE, "0.1",    0, 1, NULL, "share of peers that unchoke us (start sending) late" },
    { "late_pick",        PT_ENUM,   "fastest", 0, 0, picks, "which peers are late: the fastest by capacity or random ones" },
    { "late_connect",     PT_BOOL,   "1",      0, 1, NULL, "1: late peers also connect late (fresh estimator); 0: connected from the start, idle" },
    { "late_from_s",      PT_DOUBLE, "30",     0, 1e6, NULL, "late peers start uniformly in [late_from_s, late_to_s], s" },
    { "late_to_s",        PT_DOUBLE, "120",    0, 1e6, NULL, "end of the late-start window, s" },
    { "late_phase_s",     PT_DOUBLE, "-1",     -1, 9.999, NULL, "if >= 0, late starts snap to this offset in the 10-s rechoke cycle, s" },
    { "step_share",       PT_DOUBLE, "0.1",    0, 1, NULL, "share of (not late) peers whose capacity steps once" },
    { "step_from_s",      PT_DOUBLE, "40",     0, 1e6, NULL, "steps happen uniformly in [step_from_s, step_to_s], s" },
    { "step_to_s",        PT_DOUBLE, "120",    0, 1e6, NULL, "end of the step window, s" },
    { "step_up_factor",   PT_DOUBLE, "4",      1, 1000, NULL, "capacity multiplier of a step up (half the steps)" },
    { "step_down_factor", PT_DOUBLE, "0.25",   0.001, 1, NULL, "capacity multiplier of a step down (the other half)" },
    /* socket modes */
    { "policy",           PT_ENUM,   "etorrent2010", 0, 0, policies, "socket-mode policy: a fixed mode, etorrent's 2010 rule or the hi/lo controller" },
    { "precise_mode",     PT_ENUM,   "passive", 0, 0, modes, "hysteresis: mode below lo_mark" },
    { "cheap_mode",       PT_ENUM,   "packet4", 0, 0, modes, "hysteresis: mode above hi_mark" },
    { "hi_mark",          PT_DOUBLE, "16000",  0, 1e10, NULL, "hysteresis: go cheap when rate > hi_mark, B/s" },
    { "lo_mark",          PT_DOUBLE, "4000",   0, 1e10, NULL, "hysteresis: go precise when rate < lo_mark, B/s (<= hi_mark)" },
    { "hi_mark_rel",      PT_DOUBLE, "0",      0, 1000, NULL, "hysteresis: if > 0, after each rechoke hi_mark = this x the rate estimate of the slowest peer it chose by rate (the unchoke boundary), lo_mark keeping its ratio to hi_mark; 0: fixed marks" },
    { "eval_period_s",    PT_DOUBLE, "5",      0, 3600, NULL, "hysteresis: evaluate on a 5-s tick only this long after the last evaluation, s" },
    { "min_dwell_s",      PT_DOUBLE, "0",      0, 3600, NULL, "hysteresis: no switch sooner than this after the last one, s" },
    { "blocking_recv_defect", PT_BOOL, "0",    0, 1, NULL, "passive mode's tick waits behind a recv without timeout (etorrent.md §3 defect)" },
    { "sched_delay_us",   PT_DOUBLE, "50",     0, 1e6, NULL, "passive: delay from data arrival to the blocked process running, us" },
    { "recv_cap",         PT_INT,    "65536",  1, 1e9, NULL, "passive: most bytes one recv(Sock, 0) returns" },
    /* rating */
    { "rate_algo",        PT_ENUM,   "etorrent", 0, 0, algos, "rate estimator of core/rate.h" },
    { "rate_granularity", PT_ENUM,   "per_chunk", 0, 0, grans, "rate update per complete message (etorrent) or per read/chunk (the seed's premise)" },
    { "rate_fudge",       PT_DOUBLE, "5",      0, 3600, NULL, "etorrent*: start-up fudge, s" },
    { "rate_window_s",    PT_DOUBLE, "20",     1, 3600, NULL, "etorrent*: averaging window cap, s" },
    { "rate_round_s",     PT_DOUBLE, "10",     0.001, 3600, NULL, "reset10: round length, s" },
    { "rate_tau_s",       PT_DOUBLE, "5",      0.001, 3600, NULL, "ewma: time constant, s" },
    { "rate_seconds",     PT_INT,    "2",      1, 128, NULL, "window: window length, s" },
    /* the CPU model: nanoseconds per event or per byte */
    { "cpu_profile",      PT_ENUM,   "erlang", 0, 0, cpu_profile_name, "receive paths costed: erlang (etorrent's three modes) or c (blocking recv / epoll / header-then-body)" },
    { "cpu_calibration",  PT_INT,    "0",      0, 1e12, NULL, "calibration the costs come from: 0 the shipped one (calib/shipped), N one stored by ratelab calibrate" },
    { "rate_clock",       PT_ENUM,   "localtime", 0, 0, clocks, "clock each rate update reads: localtime (etorrent before 2013) or mono" },
    /* reciprocity */
    { "reciprocity",      PT_BOOL,   "1",      0, 1, NULL, "remote peers unchoke us by what we upload to them (each runs core/'s choker on its own view); 0: every peer uploads to us once started" },
    { "remote_slots",     PT_INT,    "4",      1, 64, NULL, "upload slots of each remote peer's own choker" },
    { "remote_competitors", PT_INT,  "8",      0, 1000, NULL, "other leechers in each remote peer's view, uploading to it at rates drawn from cap_dist" },
    { "choke_rate_noise", PT_DOUBLE, "0",      0, 10, NULL, "sigma of log-normal noise on each estimate our choker sees: a deliberately worse estimate (0: none)" },
    /* choking */
    { "upload_limit_kib", PT_DOUBLE, "0",      -1, 1e7, NULL, "our upload limit for the slot formula, KiB/s (<= 0: none -> 7 slots)" },
    { "slots_old_variant", PT_BOOL,  "0",      0, 1, NULL, "slot formula sqrt(0.6 N) (before Nov 2010) instead of sqrt(0.8 N)" },
    /* network */
    { "client_down_kbps", PT_DOUBLE, "100000", 1, 1e8, NULL, "client access line downstream, kbit/s" },
    { "client_up_kbps",   PT_DOUBLE, "10000",  1, 1e8, NULL, "client access line upstream, kbit/s" },
    { "access_delay_ms",  PT_DOUBLE, "5",      0, 10000, NULL, "one-way delay of every access line, ms" },
    { "modem_queue_pkts", PT_INT,    "100",    1, 1e6, NULL, "client access line drop-tail queue, packets" },
    { "framing",          PT_ENUM,   "ppp",    0, 0, framings, "access line framing (client and peers)" },
    { "remote_up_factor", PT_DOUBLE, "2",      1, 1000, NULL, "a peer's line upstream = this x its upload limit (at least remote_min_kbps)" },
    { "peer_writer",      PT_ENUM,   "tick",   0, 0, writers, "how a peer's upload limiter writes: tick (Transmission/libtorrent: capacity x 0.5 s every 500 ms, partial messages) or message (etorrent's rlimit: a whole message once its tokens are earned)" },
    { "remote_min_kbps",  PT_DOUBLE, "256",    1, 1e8, NULL, "slowest peer access line upstream, kbit/s" },
    { "remote_down_factor", PT_DOUBLE, "8",    1, 1000, NULL, "a peer's line downstream = this x its line upstream" },
    { "remote_queue_pkts", PT_INT,   "30",     1, 1e6, NULL, "peer access line queues, packets" },
    { "core_delay_min_ms", PT_DOUBLE, "10",    0, 10000, NULL, "per-peer one-way core delay, uniform from, ms" },
    { "core_delay_max_ms", PT_DOUBLE, "80",    0, 10000, NULL, "per-peer one-way core delay, uniform to, ms" },
    { "core_kbps",        PT_DOUBLE, "1000000", 1, 1e9, NULL, "core hop rate per direction, kbit/s" },
    { "mss",              PT_INT,    "1460",   64, 9000, NULL, "TCP MSS, bytes (clamped to the framing's MTU - 40)" },
    { "rcvbuf",           PT_INT,    "262144", 2048, 1e9, NULL, "TCP receive buffer, bytes" },
    { "sndbuf",           PT_INT,    "262144", 2048, 1e9, NULL, "TCP send buffer, bytes" },
    { "delack_count",     PT_INT,    "2",      1, 64, NULL, "receiver ACKs every Nth full segment" },
    { "delack_timeout_ms", PT_DOUBLE, "40",    0, 500, NULL, "delayed-ACK timer, ms" },
    { "hz",                PT_INT,    "250",    0, 10000, NULL, "timer ticks per second (Linux CONFIG_HZ; TCP's timers run in whole ticks on the timer wheel); 0: exact" },
    { "rto_min_ms",       PT_DOUBLE, "200",    1, 10000, NULL, "minimum retransmission timeout, ms" },
    /* run */
    { "duration_s",       PT_DOUBLE, "180",    1, 1e6, NULL, "simulated time, s" },
    { "warmup_s",         PT_DOUBLE, "20",     0, 1e6, NULL, "metrics ignore the first warmup_s seconds" },
    { "seed",             PT_INT,    "1",      0, 9.2e18, NULL, "run seed" },
};


/* The scenario keys that map onto the chosen algorithm's named parameters. */
static const struct { const char *key, *param; } rate_keys[] = {
    { "rate_fudge", "fudge" }, { "rate_window_s", "window" }, { "rate_round_s", "round_s" },
    { "rate_tau_s", "tau_s" }, { "rate_seconds", "seconds" },
};

static int build_cfg(const struct param_set *ps, struct et_cfg *c, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    const struct rate_algo *a = rate_algo_find(param_e_name(ps, "rate_algo"));
    rate_params_init(&c->rp, a);
    char msg[256], val[64];
    for (size_t k = 0; k < sizeof rate_keys / sizeof rate_keys[0]; k++) {
        if (isnan(rate_param_get(&c->rp, rate_keys[k].param))) continue;    /* not this algorithm's */
        snprintf(val, sizeof val, "%.17g", param_d(ps, rate_keys[k].key));
        if (rate_param_set(&c->rp, rate_keys[k].param, val, msg, sizeof msg) != 0) {
            snprintf(err, errlen, "%s: key '%s': %s", param_origin(ps, rate_keys[k].key), rate_keys[k].key, msg);
            return -1;
        }
    }
    if (rate_params_check(&c->rp, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%s: key 'rate_algo': %s", param_origin(ps, "rate_algo"), msg);
        return -1;
    }

    c->policy = (enum et_policy)param_e(ps, "policy");
    switch (c->policy) {
    case POL_PASSIVE: case POL_ACTIVE: case POL_PACKET4:
        sockmode_cfg_default(&c->smc, SMP_FIXED);
        c->smc.fixed_mode = (enum sock_mode)c->policy;      /* same order as the mode names */
        break;
    case POL_ETORRENT2010:
        sockmode_cfg_default(&c->smc, SMP_ETORRENT2010);
        break;
    case POL_HYSTERESIS:
        sockmode_cfg_default(&c->smc, SMP_HYSTERESIS);
        c->smc.precise_mode = (enum sock_mode)param_e(ps, "precise_mode");
        c->smc.cheap_mode = (enum sock_mode)param_e(ps, "cheap_mode");
        c->smc.hi_Bps = param_d(ps, "hi_mark");
        c->smc.lo_Bps = param_d(ps, "lo_mark");
        c->smc.eval_period_ns = (int64_t)(param_d(ps, "eval_period_s") * 1e9);
        c->smc.min_dwell_ns = (int64_t)(param_d(ps, "min_dwell_s") * 1e9);
        break;
    }
    c->smc.granularity = (enum rate_granularity)param_e(ps, "rate_granularity");
    c->pipeline = (uint32_t)param_i(ps, "pipeline");
    c->have_rate_hz = param_d(ps, "have_rate_hz");
    c->recv_cap = (uint64_t)param_i(ps, "recv_cap");
    c->sched_delay = (sim_time_t)(param_d(ps, "sched_delay_us") * 1e3);
    c->blocking_recv_defect = param_b(ps, "blocking_recv_defect");
    struct cpu_calibration cal;
    char cerr[200];
    if (cpu_calibration_get((long)param_i(ps, "cpu_calibration"), &cal, cerr, sizeof cerr) != 0)
        return param_error(ps, "cpu_calibration", err, errlen, "%s", cerr);
    cpu_costs_from(&c->costs, &cal, (enum cpu_profile_kind)param_e(ps, "cpu_profile"), param_e(ps, "rate_clock") == 1);
    c->remote_up_factor = param_d(ps, "remote_up_factor");
    c->writer = (enum et_writer)param_e(ps, "peer_writer");
    c->max_uploads = choke_upload_slots(param_d(ps, "upload_limit_kib"), param_b(ps, "slots_old_variant"));
    c->hi_mark_rel = param_d(ps, "hi_mark_rel");
    c->lo_over_hi = param_d(ps, "hi_mark") > 0 ? param_d(ps, "lo_mark") / param_d(ps, "hi_mark") : 1.0;
    c->reciprocity = param_b(ps, "reciprocity");
    c->remote_slots = (int)param_i(ps, "remote_slots");
    c->remote_competitors = (int)param_i(ps, "remote_competitors");
    c->rate_noise = param_d(ps, "choke_rate_noise");
    /* what we upload in all: the upload limit, else the client line's upstream rate */
    double lim = param_d(ps, "upload_limit_kib");
    c->our_upload_Bps = lim > 0 ? lim * 1024.0 : param_d(ps, "client_up_kbps") * 1000.0 / 8.0;
    c->cap_dist = param_e(ps, "cap_dist");
    c->cap_min_Bps = param_d(ps, "cap_min_Bps");
    c->cap_max_Bps = param_d(ps, "cap_max_Bps");
    return 0;
}

static int et_validate(const struct param_set *ps, char *err, size_t errlen)
{
    double dur = param_d(ps, "duration_s");
    if (params_check_warmup(ps, err, errlen) != 0) return -1;
    if (param_d(ps, "lo_mark") > param_d(ps, "hi_mark"))
        return param_error(ps, "lo_mark", err, errlen, "%g must not exceed hi_mark (%g)", param_d(ps, "lo_mark"), param_d(ps, "hi_mark"));
    if (param_e(ps, "policy") == POL_HYSTERESIS && param_e(ps, "precise_mode") == param_e(ps, "cheap_mode")) {
        snprintf(err, errlen, "%s: key 'precise_mode': %s is also cheap_mode; a single mode is policy=%s",
                 param_origin(ps, "precise_mode"), param_e_name(ps, "precise_mode"), param_e_name(ps, "precise_mode"));
        return -1;
    }
    if (param_d(ps, "hi_mark_rel") > 0 && param_e(ps, "policy") != POL_HYSTERESIS)
        return param_error(ps, "hi_mark_rel", err, errlen, "%g needs policy = hysteresis (the marks it moves)", param_d(ps, "hi_mark_rel"));
    if (param_d(ps, "cap_min_Bps") > param_d(ps, "cap_max_Bps"))
        return param_error(ps, "cap_min_Bps", err, errlen, "%g must not exceed cap_max_Bps (%g)", param_d(ps, "cap_min_Bps"), param_d(ps, "cap_max_Bps"));
    /* the time windows matter only when some peers are late / stepping */
    if (param_d(ps, "late_share") > 0 && param_d(ps, "late_from_s") > param_d(ps, "late_to_s"))
        return param_error(ps, "late_from_s", err, errlen, "%g must not exceed late_to_s (%g)", param_d(ps, "late_from_s"), param_d(ps, "late_to_s"));
    if (param_d(ps, "late_share") > 0 && param_d(ps, "late_to_s") >= dur)
        return param_error(ps, "late_to_s", err, errlen, "%g must be less than duration_s (%g)", param_d(ps, "late_to_s"), dur);
    if (param_d(ps, "step_share") > 0 && param_d(ps, "step_from_s") > param_d(ps, "step_to_s"))
        return param_error(ps, "step_from_s", err, errlen, "%g must not exceed step_to_s (%g)", param_d(ps, "step_from_s"), param_d(ps, "step_to_s"));
    if (param_d(ps, "step_share") > 0 && param_d(ps, "step_to_s") >= dur)
        return param_error(ps, "step_to_s", err, errlen, "%g must be less than duration_s (%g)", param_d(ps, "step_to_s"), dur);
    if (param_d(ps, "late_share") + param_d(ps, "step_share") > 1)
        return param_error(ps, "step_share", err, errlen, "%g plus late_share (%g) exceeds 1", param_d(ps, "step_share"), param_d(ps, "late_share"));
    if (param_d(ps, "core_delay_min_ms") > param_d(ps, "core_delay_max_ms"))
        return param_error(ps, "core_delay_min_ms", err, errlen, "%g must not exceed core_delay_max_ms (%g)",
                         param_d(ps, "core_delay_min_ms"), param_d(ps, "core_delay_max_ms"));
    struct et_cfg c;
    if (build_cfg(ps, &c, err, errlen) != 0) return -1;
    char msg[256];
    if (sockmode_cfg_check(&c.smc, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "%s: key 'policy': %s", param_origin(ps, "policy"), msg);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- who is who in the swarm */

double et_draw_capacity(const struct et_cfg *c, gsl_rng *g)
{
    double lo = c->cap_min_Bps, hi = c->cap_max_Bps, u = gsl_rng_uniform(g);
    switch (c->cap_dist) {
    case 0: return exp(log(lo) + u * (log(hi) - log(lo)));
    case 1: return lo + u * (hi - lo);
    default: return lo;
    }
}

static void assign_roles(struct et_run *r, const struct param_set *ps, uint64_t seed)
{
    size_t n = r->n_peers;
    gsl_rng *cap = rng_stream(seed, "etorrent.capacity", 0), *roles = rng_stream(seed, "etorrent.roles", 0),
            *late = rng_stream(seed, "etorrent.late", 0), *step = rng_stream(seed, "etorrent.step", 0),
            *start = rng_stream(seed, "etorrent.start", 0);
    size_t *order = malloc(3 * (n ? n : 1) * sizeof *order), *pick = order + n, *rest = order + 2 * n;
    if (!order) { perror("exp_etorrent"); exit(1); }
    for (size_t i = 0; i < n; i++) {
        r->peer[i].capacity_Bps = et_draw_capacity(&r->cfg, cap);
        order[i] = i;
    }
    /* capacity order, fastest first: "fastest" late peers are picked from the front */
    for (size_t i = 1; i < n; i++) {
        size_t x = order[i], j = i;
        while (j > 0 && r->peer[order[j - 1]].capacity_Bps < r->peer[x].capacity_Bps) { order[j] = order[j - 1]; j--; }
        order[j] = x;
    }
    size_t n_late = (size_t)lround(param_d(ps, "late_share") * (double)n);
    size_t n_step = (size_t)lround(param_d(ps, "step_share") * (double)n);
    if (n_late + n_step > n) n_step = n - n_late;
    memcpy(pick, order, n * sizeof pick[0]);
    if (param_e(ps, "late_pick") == 1)                    /* random: shuffle before taking */
        for (size_t i = n; i > 1; i--) {
            size_t j = (size_t)gsl_rng_uniform_int(roles, i), t = pick[i - 1];
            pick[i - 1] = pick[j];
            pick[j] = t;
        }
    for (size_t k = 0; k < n_late; k++) r->peer[pick[k]].late = 1;
    /* steps: random among the others */
    size_t n_rest = 0;
    for (size_t i = 0; i < n; i++) if (!r->peer[i].late) rest[n_rest++] = i;
    for (size_t i = n_rest; i > 1; i--) {
        size_t j = (size_t)gsl_rng_uniform_int(roles, i), t = rest[i - 1];
        rest[i - 1] = rest[j];
        rest[j] = t;
    }
    for (size_t k = 0; k < n_step && k < n_rest; k++) r->peer[rest[k]].stepped = 1;
    free(order);

    double lf = param_d(ps, "late_from_s"), lt = param_d(ps, "late_to_s"), phase = param_d(ps, "late_phase_s");
    double sf = param_d(ps, "step_from_s"), st = param_d(ps, "step_to_s");
    int late_connect = param_b(ps, "late_connect");
    for (size_t i = 0; i < n; i++) {
        struct et_peer *p = &r->peer[i];
        double jitter = gsl_rng_uniform(start);          /* peers connect within the first second */
        p->t_connect = p->t_start = (sim_time_t)(jitter * 1e9);
        if (p->late) {
            double t = lf + gsl_rng_uniform(late) * (lt - lf);
            if (phase >= 0) t = floor(t / 10.0) * 10.0 + phase;
            p->t_start = (sim_time_t)(t * 1e9);
            if (late_connect) p->t_connect = p->t_start;
        }
        if (p->stepped) {
            p->t_step = (sim_time_t)((sf + gsl_rng_uniform(step) * (st - sf)) * 1e9);
            p->step_factor = gsl_rng_uniform(step) < 0.5 ? param_d(ps, "step_up_factor") : param_d(ps, "step_down_factor");
        }
    }
    rng_free(cap); rng_free(roles); rng_free(late); rng_free(step); rng_free(start);
}

/* ---------------------------------------------------------------- periodic events */

static void rechoke_due(struct sim *s, struct sim_event *ev)
{
    et_rechoke(ev->ctx);
    sim_schedule_in(s, ev, ET_RECHOKE_NS);
}

static void second_due(struct sim *s, struct sim_event *ev)
{
    struct et_run *r = ev->ctx;
    double t = (double)s->now / 1e9;
    for (size_t i = 0; i < r->n_peers; i++) {
        struct et_peer *p = &r->peer[i];
        if (!p->connected) continue;
        result_point(r->res, r->s_est, (int32_t)i, t, rate_read(&p->est, s->now));
        result_point(r->res, r->s_true, (int32_t)i, t, (double)(p->arrived - p->arrived_sec));
        result_point(r->res, r->s_mode, (int32_t)i, t, (double)sockmode_mode(&p->sm));
        p->arrived_sec = p->arrived;
    }
    et_cpu_charge(r, NULL, CPUF_BASE, 1);
    result_point(r->res, r->s_cpu, 0, t, r->cpu_sec_ns / 1e3);
    r->cpu_sec_ns = 0;
    sim_schedule_in(s, ev, SIM_SEC(1));
}

static void warmup_done(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct et_run *r = ev->ctx;
    r->measuring = 1;
    topo_reset_stats(&r->topo);
    for (size_t i = 0; i < r->n_peers; i++) r->peer[i].arrived_warm = r->peer[i].arrived;
}

/* ---------------------------------------------------------------- the run */

static int conserved(const struct et_run *r)
{
    int ok = topo_ledger_balanced(&r->topo, NULL);
    for (size_t i = 0; i < r->n_peers; i++) {
        const struct et_peer *p = &r->peer[i];
        const struct tcp_ep *snd = &p->conn.ep[0], *rcv = &p->conn.ep[1];
        ok = ok && snd->write_seq == p->written             /* the stream is what the sender wrote */
                && rcv->rcv_nxt <= p->written                /* nothing arrives that was not sent */
                && p->arrived == rcv->rcv_nxt
                && rcv->st.bytes_read == p->read_bytes       /* every byte read was framed ...    */
                && p->framed_bytes == p->read_bytes
                && p->complete_bytes + p->q.rd_off == p->framed_bytes;   /* ... into messages */
    }
    return ok;
}

static int et_run(const struct param_set *ps, struct run_result *res, char *err, size_t errlen)
{
    struct et_run *r = calloc(1, sizeof *r);
    if (!r) { snprintf(err, errlen, "out of memory"); return -1; }
    if (build_cfg(ps, &r->cfg, err, errlen) != 0) { free(r); return -1; }
    r->res = res;
    uint64_t seed = (uint64_t)param_i(ps, "seed");
    r->duration = (sim_time_t)(param_d(ps, "duration_s") * 1e9);
    r->warmup = (sim_time_t)(param_d(ps, "warmup_s") * 1e9);
    r->n_peers = (size_t)param_i(ps, "n_peers");
    net_init(&r->net, seed);
    cpu_recv_init(&r->cpu, &r->cfg.costs, seed, et_cpu_sink, r);
    r->ring_rng = rng_stream(seed, "etorrent.ring", 0);
    r->noise_rng = rng_stream(seed, "etorrent.noise", 0);
    r->peer = calloc(r->n_peers, sizeof *r->peer);
    r->scratch = calloc(4 * r->n_peers, sizeof *r->scratch);
    if (!r->peer || !r->scratch || choke_init(&r->choker, r->n_peers, r->cfg.max_uploads) != 0 ||
        choke_init(&r->oracle, r->n_peers, r->cfg.max_uploads) != 0) { perror("exp_etorrent"); exit(1); }
    assign_roles(r, ps, seed);

    struct framing fr = { (enum framing_kind)framing_parse(param_e_name(ps, "framing")), 0 };
    sim_time_t access_delay = (sim_time_t)(param_d(ps, "access_delay_ms") * 1e6);
    struct access_cfg client = {
        .down_bps = (uint64_t)(param_d(ps, "client_down_kbps") * 1000),
        .up_bps = (uint64_t)(param_d(ps, "client_up_kbps") * 1000),
        .delay = access_delay, .framing = fr,
        .queue_pkts = (uint32_t)param_i(ps, "modem_queue_pkts"),
    };
    topo_init(&r->topo, &r->net, &client, r->n_peers, (uint64_t)(param_d(ps, "core_kbps") * 1000),
              (sim_time_t)(param_d(ps, "core_delay_min_ms") * 1e6));
    gsl_rng *delay_rng = rng_stream(seed, "etorrent.delay", 0);
    double dmin = param_d(ps, "core_delay_min_ms"), dmax = param_d(ps, "core_delay_max_ms");
    for (size_t i = 0; i < r->n_peers; i++) {
        sim_time_t d = (sim_time_t)((dmin + gsl_rng_uniform(delay_rng) * (dmax - dmin)) * 1e6);
        r->topo.remote[i].core_to.prop_delay = d;
        r->topo.remote[i].core_from.prop_delay = d;
        double up = r->peer[i].capacity_Bps * 8 * r->cfg.remote_up_factor;
        if (up < param_d(ps, "remote_min_kbps") * 1000) up = param_d(ps, "remote_min_kbps") * 1000;
        double down = up * param_d(ps, "remote_down_factor");
        struct access_cfg a = { .down_bps = (uint64_t)down, .up_bps = (uint64_t)up,
                                .delay = access_delay, .framing = fr,
                                .queue_pkts = (uint32_t)param_i(ps, "remote_queue_pkts") };
        topo_set_remote_access(&r->topo, i, &a);
    }
    rng_free(delay_rng);

    struct tcp_cfg tc;
    tcp_cfg_default(&tc);
    uint32_t mss_max = framing_mtu(&fr) - IPV4_HDR - TCP_HDR;
    tc.mss = (uint32_t)param_i(ps, "mss");
    if (tc.mss > mss_max) tc.mss = mss_max;
    tc.rcvbuf = (uint32_t)param_i(ps, "rcvbuf");
    tc.sndbuf = (uint32_t)param_i(ps, "sndbuf");
    tc.delack_count = (uint32_t)param_i(ps, "delack_count");
    tc.delack_timeout = (sim_time_t)(param_d(ps, "delack_timeout_ms") * 1e6);
    tc.hz = (uint32_t)param_i(ps, "hz");
    tc.rto_min = (sim_time_t)(param_d(ps, "rto_min_ms") * 1e6);
    for (size_t i = 0; i < r->n_peers; i++) {
        struct et_peer *p = &r->peer[i];
        et_peer_setup(r, p, (unsigned)i, &tc);
        gsl_rng *g = rng_stream(seed, "etorrent.remote", i);
        p->remote_phase = (sim_time_t)(gsl_rng_uniform(g) * 1e9);
        if (et_remote_setup(r, p, g) != 0) { perror("exp_etorrent"); exit(1); }
        rng_free(g);
        et_truth_setup(r, p);
    }

    r->s_est = result_series_detail_id(res, "rate_est_Bps");      /* per peer: --series all */
    r->s_true = result_series_detail_id(res, "rate_true_Bps");
    r->s_mode = result_series_detail_id(res, "mode");
    r->s_cpu = result_series_id(res, "cpu_us");
    r->s_overlap = result_series_id(res, "oracle_overlap");
    r->s_rank_corr = result_series_id(res, "oracle_rank_corr");
    struct sim *s = &r->net.sim;
    sim_event_init(&r->rechoke_ev, rechoke_due, r);
    sim_schedule_at(s, &r->rechoke_ev, ET_RECHOKE_NS);
    sim_event_init(&r->second_ev, second_due, r);
    sim_schedule_at(s, &r->second_ev, SIM_SEC(1));
    sim_event_init(&r->warmup_ev, warmup_done, r);
    sim_schedule_at(s, &r->warmup_ev, r->warmup);

    sim_run_until(s, r->duration);
    cpu_recv_advance(&r->cpu, (double)r->duration);     /* the rounds still due */

    et_metrics_finish(r);
    et_marks_finish(r);
    result_metric(res, "max_uploads", r->cfg.max_uploads);
    exp_emit_conservation(res, &r->topo, conserved(r));
    res->events = s->events_run;
    exp_emit_event_rate(res, s->events_run, r->duration, r->n_peers);

    for (size_t i = 0; i < r->n_peers; i++) { et_remote_free(&r->peer[i]); et_peer_free(&r->peer[i]); }
    sim_cancel(s, &r->rechoke_ev);
    sim_cancel(s, &r->second_ev);
    sim_cancel(s, &r->warmup_ev);
    topo_free(&r->topo);
    if (r->net.pool.live != 0) {
        fprintf(stderr, "exp_etorrent: %llu packets leaked\n", (unsigned long long)r->net.pool.live);
        abort();
    }
    net_free(&r->net);
    rng_free(r->ring_rng);
    rng_free(r->noise_rng);
    choke_free(&r->choker);
    choke_free(&r->oracle);
    for (size_t i = 0; i < r->n_peers; i++) cpu_sock_free(&r->peer[i].cpu);
    cpu_recv_free(&r->cpu);
    free(r->rel_err);
    free(r->scratch);
    free(r->peer);
    free(r);
    return 0;
}

static const char *const et_headline[] = {
    "cpu_us_per_s", "rate_cpu_share", "amdahl_max_speedup", "samples_per_interval_mean",
    "intervals_without_sample", "rate_err_mare", "rate_err_p95", "unchoke_overlap", "unchoke_rank_corr",
    "late_fast_rank_delay_s", "switches_per_peer_hour", "down_goodput_kBps", "conservation_ok", NULL
};

const struct experiment exp_etorrent = {
    .name = "etorrent",
    .doc = "etorrent's dynamic active/passive sockets: CPU vs rate accuracy vs choking",
    .params = et_params,
    .n_params = sizeof et_params / sizeof et_params[0],
    .validate = et_validate,
    .run = et_run,
    .headline = et_headline,
    .metrics = et_metrics,
    .metric_docs = et_metric_docs,
};
