/* Experiment xtreme (B): Xtreme's upload control in the simulator.  An eMule client behind an
 * asymmetric line uploads to a queue of remote downloaders through core/'s throttler and slot
 * manager while downloading from several sources, with VoIP and web traffic on the same line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "experiment.h"
#include "exp_common.h"
#include "exp_xtreme.h"
#include "rng.h"
#include "throttle_nafc.h"

static const char *const framings[] = { "ppp", "ethernet", "pppoa_atm", "pppoe_atm", "none", NULL };
static const char *const policies[] = { "none", "official", "xtreme", "nafc", NULL };   /* = thr_policy */
static const char *const slot_mgrs[] = { "auto", "official", "xtreme", "xtreme_nomore", NULL };
static const char *const estimators[] = { "xtreme", "libtorrent", "exact", NULL };
static const char *const ack_bookings[] = { "per_event", "per_segment", NULL };   /* = xt_ack_booking */
static const char *const adapters[] = { "nic", "ip", NULL };

static const struct param_def xt_params[] = {
    /* the client's line */
    { "down_kbps",         PT_DOUBLE, "6016",  1, 1e7, NULL, "client line downstream, kbit/s" },
    { "up_kbps",           PT_DOUBLE, "576",   1, 1e7, NULL, "client line upstream, kbit/s" },
    { "framing",           PT_ENUM,   "pppoe_atm", 0, 0, framings, "client line framing" },
    { "access_delay_ms",   PT_DOUBLE, "10",    0, 10000, NULL, "one-way propagation delay of every access line, ms" },
    { "core_delay_ms",     PT_DOUBLE, "30",    0, 10000, NULL, "mean one-way core delay to a remote, ms (each remote: uniform 0.5x..1.5x)" },
    { "core_kbps",         PT_DOUBLE, "100000", 1, 1e8, NULL, "core link rate per direction, kbit/s" },
    { "modem_queue_pkts",  PT_INT,    "40",    1, 1e6, NULL, "drop-tail queue of both directions of the client line, packets" },
    /* TCP */
    { "mss",               PT_INT,    "1460",  64, 9000, NULL, "TCP MSS, bytes (clamped to the framing's MTU - 40)" },
    { "delack_count",      PT_INT,    "2",     1, 64, NULL, "receivers ACK every Nth full segment" },
    { "delack_timeout_ms", PT_DOUBLE, "40",    0, 500, NULL, "delayed-ACK timer, ms" },
    { "hz",                PT_INT,    "250",    0, 10000, NULL, "timer ticks per second (Linux CONFIG_HZ; TCP's timers run in whole ticks on the timer wheel); 0: exact" },
    { "rto_min_ms",        PT_DOUBLE, "200",   1, 10000, NULL, "minimum retransmission timeout, ms" },
    { "read_delay_ms",     PT_DOUBLE, "5",     0.001, 1000, NULL, "from data arriving to the client's receive event (FD_READ -> OnReceive), which reads all that is buffered, ms (assumed: eMule's busy GUI thread; idle host ~0.05, a Windows quantum ~30)" },
    { "ack_booking",       PT_ENUM,   "per_event", 0, 0, ack_bookings, "Xtreme's ACK estimate: once per receive event (code) or once per full segment read" },
    { "down_rcvbuf",       PT_INT,    "65535", 2048, 1e9, NULL, "client receive buffer of each download, bytes" },
    { "up_sndbuf",         PT_INT,    "8192",  2048, 1e9, NULL, "send buffer of each upload socket, bytes (Xtreme sendbuffersize)" },
    /* upload control (core/) */
    { "upload_policy",     PT_ENUM,   "xtreme", 0, 0, policies, "what the upload limit counts: none (no limit), official (eD2K bytes), xtreme (+ headers, ACK estimate), nafc (adapter total, all applications)" },
    { "upload_limit_kBps", PT_DOUBLE, "45",    1, 1e6, NULL, "configured upload limit MaxUpload, KB/s (1 KB = 1024 B)" },
    { "slot_speed_kBps",   PT_DOUBLE, "4",     1.5, 15, NULL, "Xtreme target slot speed, KB/s (1.5 .. the limit's maximum, at most 15)" },
    { "slots",             PT_ENUM,   "auto",  0, 0, slot_mgrs, "slot manager: auto (official for the official policy, else xtreme), official, xtreme, xtreme_nomore (\"open more slots\" off)" },
    { "estimator",         PT_ENUM,   "xtreme", 0, 0, estimators, "the client's TCP/IP overhead and ACK estimate: xtreme, libtorrent, exact (knows the line's framing)" },
    { "mtu",               PT_INT,    "1340",  540, 1500, NULL, "Xtreme's MTU setting: send() calls of MTU - 40 bytes" },
    { "double_send",       PT_BOOL,   "0",     0, 1, NULL, "Xtreme usedoublesendsize: Full slots send 2 x (MTU - 40) per call" },
    { "nafc_reserve",      PT_DOUBLE, "0.33",  0, 1, NULL, "NAFC: share of the limit kept for eMule whatever other applications send" },
    { "throttle_overshoot", PT_DOUBLE, "0",    -0.5, 1, NULL, "a deliberately miscalibrated throttler for regression checks: it runs at the limit x (1 + this), so 0.2 lets 20 % too much through (0: the client as built)" },
    { "nafc_download_rule",PT_BOOL,   "0",     0, 1, NULL, "NAFC: own upload < 4 / 11 KiB/s limits the download to 3x / 4x; the code applies it only with NAFCFullControl (default off), the seed always (1)" },
    { "nafc_adapter",      PT_ENUM,   "nic",   0, 0, adapters, "what NAFC's adapter counter counts: nic (the host's network card: IP + its framing, see docs/experiments.md) or ip (bare IP bytes)" },
    { "connect_grace_s",   PT_DOUBLE, "6",     0, 600, NULL, "a new slot's time to connect before the next opens, s (seed 6, code 7)" },
    { "min_slots_floor3",  PT_BOOL,   "0",     0, 1, NULL, "MinSlots floored at 3, as the code (seed: ceil(limit / slot speed))" },
    { "tolerance_133",     PT_BOOL,   "0",     0, 1, NULL, "33 % tolerance above ceil(limit/speed)+1 slots, as the code (seed: 25 % always)" },
    { "fast_look",         PT_BOOL,   "0",     0, 1, NULL, "3-s promotion checks while few slots are Full, as the code (seed: 5 s)" },
    { "open_half_min",     PT_BOOL,   "0",     0, 1, NULL, "open freely only below MinSlots/2, as the code (seed: up to MinSlots at start)" },
    { "trickle_trigger",   PT_BOOL,   "1",     0, 1, NULL, "a Trickle above speed/2 or 2.5 KiB/s also promotes (code)" },
    /* the waiting queue of remote downloaders */
    { "n_downloaders",     PT_INT,    "40",    1, 10000, NULL, "remote downloaders in the waiting queue (slots are opened in this order)" },
    { "dl_fast_kBps",      PT_DOUBLE, "60",    0.1, 1e6, NULL, "downstream line of a normal downloader, KB/s" },
    { "dl_slow_frac",      PT_DOUBLE, "0.25",  0, 1, NULL, "share of downloaders whose line is below the target slot speed" },
    { "dl_slow_kBps",      PT_DOUBLE, "2.5",   0.1, 1e6, NULL, "downstream line of a slow downloader, KB/s" },
    { "dl_connect_min_s",  PT_DOUBLE, "0.2",   0, 600, NULL, "connect delay of a normal downloader: uniform from this, s" },
    { "dl_connect_max_s",  PT_DOUBLE, "2",     0, 600, NULL, "... to this, s" },
    { "dl_late_frac",      PT_DOUBLE, "0.1",   0, 1, NULL, "share of downloaders that connect only after 6..15 s" },
    { "dl_never_frac",     PT_DOUBLE, "0.1",   0, 1, NULL, "share of downloaders that never connect (given up after 30 s)" },
    /* downloads */
    { "n_sources",         PT_INT,    "4",     0, 200, NULL, "remote sources the client downloads from (bulk TCP)" },
    { "source_kBps",       PT_DOUBLE, "0",     0, 1e6, NULL, "upload rate of each source, KB/s (0: as fast as TCP allows)" },
    { "user_max_down_kBps",PT_DOUBLE, "0",     0, 1e6, NULL, "the user's download limit, KB/s (0: none)" },
    /* eMule control traffic */
    { "n_ctrl_peers",      PT_INT,    "20",    0, 1000, NULL, "other connections that carry only control messages" },
    { "ctrl_msgs_per_s",   PT_DOUBLE, "15",    0, 1e5, NULL, "control messages per second over them (Poisson)" },
    { "ctrl_msg_bytes",    PT_INT,    "80",    1, 65536, NULL, "size of one control message, bytes" },
    { "block_request_bytes",PT_INT,   "46",    0, 65536, NULL, "OP_REQUESTPARTS sent per 3 x 10240 B downloaded, bytes (0: none)" },
    /* cross-traffic */
    { "voip_kBps",         PT_DOUBLE, "5",     0, 1e5, NULL, "VoIP upstream, UDP CBR at this IP rate, KB/s (0: none)" },
    { "voip_payload",      PT_INT,    "172",   1, 1472, NULL, "VoIP datagram payload, bytes (G.711 20 ms: 160 + 12 RTP)" },
    { "web_mean_off_s",    PT_DOUBLE, "8",     0, 1e6, NULL, "web bursts upstream: mean pause between objects, s (0: no web)" },
    { "web_scale_bytes",   PT_DOUBLE, "3000",  1, 1e9, NULL, "web object size: Pareto scale, bytes" },
    { "web_shape",         PT_DOUBLE, "1.5",   1.01, 10, NULL, "web object size: Pareto shape" },
    /* run */
    { "duration_s",        PT_DOUBLE, "90",    1, 1e6, NULL, "simulated time, s" },
    { "warmup_s",          PT_DOUBLE, "30",    0, 1e6, NULL, "metrics ignore the first warmup_s seconds" },
    { "seed",              PT_INT,    "1",     0, 9.2e18, NULL, "run seed" },
};


static int xt_validate(const struct param_set *ps, char *err, size_t errlen)
{
    if (params_check_warmup(ps, err, errlen) != 0) return -1;
    if (param_d(ps, "dl_connect_min_s") > param_d(ps, "dl_connect_max_s"))
        return param_error(ps, "dl_connect_min_s", err, errlen, "%g must not exceed dl_connect_max_s (%g)",
                         param_d(ps, "dl_connect_min_s"), param_d(ps, "dl_connect_max_s"));
    double fl = param_d(ps, "dl_late_frac"), fn = param_d(ps, "dl_never_frac");
    if (fl + fn > 1.0)
        return param_error(ps, "dl_never_frac", err, errlen, "dl_late_frac + dl_never_frac = %g must be at most 1 (late: %g)",
                         fl + fn, fl);
    int policy = param_e(ps, "upload_policy"), slots = param_e(ps, "slots");
    if (policy == THR_OFFICIAL && (slots == XT_SLOTS_XTREME || slots == XT_SLOTS_XTREME_NOMORE)) {
        snprintf(err, errlen, "%s: key 'slots': %s needs Xtreme's throttler (upload_policy none|xtreme|nafc); "
                 "with upload_policy official use slots = auto|official", param_origin(ps, "slots"), param_e_name(ps, "slots"));
        return -1;
    }
    double u = param_d(ps, "upload_limit_kBps"), s = param_d(ps, "slot_speed_kBps");
    if (policy != THR_OFFICIAL && slots != XT_SLOTS_OFFICIAL) {
        double max = xs_slot_speed_clamp(u, 1e9);
        if (s > max + 1e-9)
            return param_error(ps, "slot_speed_kBps", err, errlen,
                             "%g exceeds what Xtreme allows for this upload_limit_kBps: %.4g (limit / (3 + (limit - 10) / 20), 3 below 10, 2 below 6, at most 15)",
                             s, max);
    }
    return 0;
}

/* ---- events */

/* NAFC's adapter counters (ifOutOctets / ifInOctets of the network card NAFC picked): the bytes
 * the host's card handles for each packet it sends to or receives from the modem.  The card
 * never sees ATM cells, but it does carry the host's own framing (docs/experiments.md, "What
 * NAFC's adapter counts"): per packet, on top of the IP bytes,
 *   ppp        +2   (the PPP header of a dial-up adapter)
 *   ethernet   +14  (Ethernet header; FCS, padding and preamble are the card's hardware)
 *   pppoe_atm  +22  (PPPoE runs on the host: Ethernet 14 + PPPoE 6 + PPP 2)
 *   pppoa_atm  +14  (PPP ends in the modem; the host reaches it over Ethernet)
 *   none       +0
 * nafc_adapter = ip counts bare IP bytes.  Offsets keep the counters monotone across the
 * warm-up reset of the link statistics. */
static uint32_t adapter_framing_bytes(const struct xt_run *r)
{
    static const uint32_t per_pkt[FRAMING__N] = {
        [FRAMING_NONE] = 0, [FRAMING_PPP] = 2, [FRAMING_ETHERNET] = 14, [FRAMING_PPPOA_ATM] = 14, [FRAMING_PPPOE_ATM] = 22,
    };
    return r->adapter_ip_only ? 0u : per_pkt[r->topo.client_up.framing.kind];
}

static uint64_t adapter_out(const struct xt_run *r)
{
    const struct link_stats *st = &r->topo.client_up.st;
    return r->adapter_out_base + st->offered_ip_bytes + st->offered_pkts * adapter_framing_bytes(r);
}

static uint64_t adapter_in(const struct xt_run *r)
{
    const struct link_stats *st = &r->topo.client_down.st;
    return r->adapter_in_base + st->ip_bytes + st->pkts * adapter_framing_bytes(r);
}

static void on_throttle(struct sim *s, struct sim_event *ev)
{
    struct xt_run *r = ev->ctx;
    int64_t sleep = thr_run(&r->thr, s->now, adapter_out(r), adapter_in(r));
    sim_schedule_in(s, ev, sleep > 0 ? sleep : SIM_MS(1));
}

/* Every 100 ms (CUploadQueue::Process): may a new slot open; the download limiter. */
static void on_tick(struct sim *s, struct sim_event *ev)
{
    struct xt_run *r = ev->ctx;
    int open;
    if (r->slots == XT_SLOTS_OFFICIAL) {
        struct bwacct_rates rt;
        bwacct_rates(&r->acct, 10, &rt);
        open = os_accept_new(&r->os, &r->thr, s->now, rt.emule_out);
        if (open) r->opens_free++;
    } else {
        /* Below this many slots xs_accept_new opens freely; above, only on the throttler's need. */
        double free_below = xs_min_slots(&r->xs.cfg) / (r->xs.cfg.open_more_slots && r->xs.cfg.open_half_min ? 2.0 : 1.0);
        int needed = (double)r->thr.n_slots >= free_below;
        uint32_t ready_trickles = 0;
        for (uint32_t i = r->thr.n_full; i < r->thr.n_slots; i++) ready_trickles += r->thr.slot[i].ready;
        open = xs_accept_new(&r->xs, &r->thr, s->now, r->last_rx_at);
        if (open && needed) { r->opens_needslot++; if (ready_trickles) r->opens_with_ready_trickle++; }
        else if (open) r->opens_free++;
    }
    if (open) xt_open_slot(r, s->now);
    xt_download_tick(r, 0.1);
    sim_schedule_in(s, ev, SIM_MS(100));
}

/* Every second (CompUploadRate): the 25 % rule, the download limit, the series. */
static void on_second(struct sim *s, struct sim_event *ev)
{
    struct xt_run *r = ev->ctx;
    if (r->slots != XT_SLOTS_OFFICIAL) xs_second(&r->xs, &r->thr, s->now);
    const struct param_set *ps = r->ps;
    double stat = nafc_static_download_limit(r->limit_kBps, param_d(ps, "user_max_down_kBps"), NAFC_RULE_STEP);
    if (r->policy == THR_NONE || r->policy == THR_OFFICIAL)
        stat = nafc_static_download_limit(r->policy == THR_NONE ? 1e9 : r->limit_kBps,
                                          param_d(ps, "user_max_down_kBps"), 10.0);
    r->down_limit_kBps = stat;
    if (r->policy == THR_NAFC && param_b(ps, "nafc_download_rule"))
        r->down_limit_kBps = nafc_download_limit_acct(stat, &r->acct);
    xt_metrics_second(r, s->now);
    sim_schedule_in(s, ev, SIM_SEC(1));
}

/* eMule control messages on the control-only connections (Poisson arrivals). */
static void on_control(struct sim *s, struct sim_event *ev)
{
    struct xt_run *r = ev->ctx;
    if (r->n_cp) {
        struct xt_ctrl_peer *c = &r->cp[gsl_rng_uniform_int(r->rng_ctrl, r->n_cp)];
        if (c->established) xt_queue_control(r, c->sock, r->ctrl_msg_bytes);
    }
    double gap = -log(1.0 - gsl_rng_uniform(r->rng_ctrl)) / r->ctrl_msgs_per_s;
    sim_schedule_in(s, ev, (sim_time_t)(gap * 1e9) + 1);
}

static void on_warmup(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct xt_run *r = ev->ctx;
    r->adapter_out_base = adapter_out(r);
    r->adapter_in_base = adapter_in(r);
    topo_reset_stats(&r->topo);
    xt_metrics_warmup(r);
}

/* ---- setup */

static void setup_core(struct xt_run *r)
{
    const struct param_set *ps = r->ps;
    r->policy = (enum thr_policy)param_e(ps, "upload_policy");
    r->slots = (enum xt_slots)param_e(ps, "slots");
    if (r->slots == XT_SLOTS_AUTO) r->slots = r->policy == THR_OFFICIAL ? XT_SLOTS_OFFICIAL : XT_SLOTS_XTREME;
    r->est = ovh_find(param_e_name(ps, "estimator"));
    ovh_cfg_default(&r->ovh_cfg);
    static const enum ovh_framing fr_map[] = { OVH_FRAMING_PPP, OVH_FRAMING_ETHERNET, OVH_FRAMING_PPPOA_VCMUX,
                                               OVH_FRAMING_PPPOE_LLC, OVH_FRAMING_IP };
    r->ovh_cfg.framing = fr_map[param_e(ps, "framing")];
    r->ovh_cfg.mtu = 1500;
    r->ovh_cfg.segs_per_ack = (uint32_t)param_i(ps, "delack_count");
    r->limit_kBps = param_d(ps, "upload_limit_kBps");
    r->slot_speed_kBps = param_d(ps, "slot_speed_kBps");
    r->send_lowat = (uint32_t)param_i(ps, "mtu") - 40u;
    r->read_delay = (sim_time_t)(param_d(ps, "read_delay_ms") * 1e6);
    r->ack_booking = (enum xt_ack_booking)param_e(ps, "ack_booking");
    r->adapter_ip_only = param_e(ps, "nafc_adapter") == 1;

    bwacct_init(&r->acct, 0, 5);
    struct thr_cfg tc;
    thr_cfg_default(&tc);
    tc.policy = r->policy;
    tc.limit_Bps = (uint32_t)(r->limit_kBps * 1024.0 * (1.0 + param_d(ps, "throttle_overshoot")));
    tc.slot_speed_Bps = (uint32_t)(r->slot_speed_kBps * 1024.0);
    tc.mtu = (uint32_t)param_i(ps, "mtu");
    tc.double_send = param_b(ps, "double_send");
    tc.nafc_reserve = param_d(ps, "nafc_reserve");
    thr_init(&r->thr, &tc, &xt_thr_ops, r, &r->acct, 0);

    struct xs_cfg xc;
    xs_cfg_default(&xc);
    xc.limit_kBps = r->limit_kBps;
    xc.slot_speed_kBps = r->slot_speed_kBps;
    xc.connect_grace_ns = (int64_t)(param_d(ps, "connect_grace_s") * 1e9);
    xc.min_slots_floor3 = param_b(ps, "min_slots_floor3");
    xc.tolerance_133 = param_b(ps, "tolerance_133");
    xc.fast_look = param_b(ps, "fast_look");
    xc.open_half_min = param_b(ps, "open_half_min");
    xc.trickle_trigger = param_b(ps, "trickle_trigger");
    xc.open_more_slots = r->slots != XT_SLOTS_XTREME_NOMORE;
    xs_init(&r->xs, &xc, 0);
    os_init(&r->os, r->limit_kBps);
}

static void setup_tcp(struct xt_run *r, const struct framing *fr)
{
    const struct param_set *ps = r->ps;
    struct tcp_cfg c;
    tcp_cfg_default(&c);
    uint32_t mss_max = framing_mtu(fr) - IPV4_HDR - TCP_HDR;
    c.mss = (uint32_t)param_i(ps, "mss");
    if (c.mss > mss_max) c.mss = mss_max;                /* PMTU/MSS clamping (PPPoE: 1452) */
    c.delack_count = (uint32_t)param_i(ps, "delack_count");
    c.delack_timeout = (sim_time_t)(param_d(ps, "delack_timeout_ms") * 1e6);
    c.hz = (uint32_t)param_i(ps, "hz");
    c.rto_min = (sim_time_t)(param_d(ps, "rto_min_ms") * 1e6);
    r->cfg_up = r->cfg_down = r->cfg_ctrl = c;
    r->cfg_up.sndbuf = (uint32_t)param_i(ps, "up_sndbuf");
    r->cfg_down.rcvbuf = (uint32_t)param_i(ps, "down_rcvbuf");
}

static int xt_run_fn(const struct param_set *ps, struct run_result *res, char *err, size_t errlen)
{
    struct xt_run *r = calloc(1, sizeof *r);
    if (!r) { snprintf(err, errlen, "out of memory"); return -1; }
    r->ps = ps;
    r->res = res;
    r->seed = (uint64_t)param_i(ps, "seed");
    r->duration = (sim_time_t)(param_d(ps, "duration_s") * 1e9);
    r->warmup = (sim_time_t)(param_d(ps, "warmup_s") * 1e9);
    net_init(&r->net, r->seed);
    setup_core(r);

    r->n_dl = (size_t)param_i(ps, "n_downloaders");
    r->n_src = (size_t)param_i(ps, "n_sources");
    r->n_cp = (size_t)param_i(ps, "n_ctrl_peers");
    r->has_voip = param_d(ps, "voip_kBps") > 0;
    r->has_web = param_d(ps, "web_mean_off_s") > 0;
    size_t n_remote = r->n_dl + r->n_src + r->n_cp + (size_t)r->has_voip + (size_t)r->has_web;
    struct framing fr = { (enum framing_kind)framing_parse(param_e_name(ps, "framing")), 0 };
    sim_time_t access_delay = (sim_time_t)(param_d(ps, "access_delay_ms") * 1e6);
    struct access_cfg client = {
        .down_bps = (uint64_t)(param_d(ps, "down_kbps") * 1000), .up_bps = (uint64_t)(param_d(ps, "up_kbps") * 1000),
        .delay = access_delay, .framing = fr, .queue_pkts = (uint32_t)param_i(ps, "modem_queue_pkts"),
    };
    topo_init(&r->topo, &r->net, &client, n_remote, (uint64_t)(param_d(ps, "core_kbps") * 1000),
              (sim_time_t)(param_d(ps, "core_delay_ms") * 1e6));
    r->topo.client_up.probe = 1;
    setup_tcp(r, &fr);

    r->rng_dl = rng_stream(r->seed, "xtreme.downloader", 0);
    r->rng_ctrl = rng_stream(r->seed, "xtreme.control", 0);
    r->rng_web = rng_stream(r->seed, "xtreme.web", 0);
    r->rng_start = rng_stream(r->seed, "xtreme.start", 0);
    double core_ms = param_d(ps, "core_delay_ms");
    for (size_t i = 0; i < n_remote; i++) {      /* each remote its own distance */
        sim_time_t d = (sim_time_t)(core_ms * (0.5 + gsl_rng_uniform(r->rng_start)) * 1e6);
        r->topo.remote[i].core_to.prop_delay = r->topo.remote[i].core_from.prop_delay = d;
    }

    r->dl = calloc(r->n_dl ? r->n_dl : 1, sizeof *r->dl);
    r->src = calloc(r->n_src ? r->n_src : 1, sizeof *r->src);
    r->cp = calloc(r->n_cp ? r->n_cp : 1, sizeof *r->cp);
    r->n_sock = r->n_dl + r->n_src + r->n_cp;
    r->sock = calloc(r->n_sock ? r->n_sock : 1, sizeof *r->sock);
    if (!r->dl || !r->src || !r->cp || !r->sock) { perror("xtreme"); exit(1); }

    /* Downloaders: line speed and connect behaviour drawn from their own stream. */
    struct path up, down;
    size_t ri = 0;
    for (size_t i = 0; i < r->n_dl; i++, ri++) {
        struct xt_downloader *d = &r->dl[i];
        d->slow = gsl_rng_uniform(r->rng_dl) < param_d(ps, "dl_slow_frac");
        d->down_Bps = (d->slow ? param_d(ps, "dl_slow_kBps") : param_d(ps, "dl_fast_kBps")) * 1024.0;
        double u = gsl_rng_uniform(r->rng_dl), late = param_d(ps, "dl_late_frac"), never = param_d(ps, "dl_never_frac");
        double cmin = param_d(ps, "dl_connect_min_s"), cmax = param_d(ps, "dl_connect_max_s");
        double v = gsl_rng_uniform(r->rng_dl);
        if (u < never) d->connect_delay = -1;
        else if (u < never + late) d->connect_delay = (sim_time_t)((6.0 + 9.0 * v) * 1e9);
        else d->connect_delay = (sim_time_t)((cmin + (cmax - cmin) * v) * 1e9);
        struct access_cfg a = { (uint64_t)(d->down_Bps * 8), (uint64_t)(d->down_Bps * 8), access_delay,
                                { FRAMING_NONE, 0 }, 50 };
        topo_set_remote_access(&r->topo, ri, &a);
        topo_path_up(&r->topo, ri, &up);
        topo_path_down(&r->topo, ri, &down);
        tcp_conn_init(&d->conn, &r->net, &r->cfg_up, &up, &down);
    }
    for (size_t i = 0; i < r->n_cp; i++, ri++) {
        topo_path_up(&r->topo, ri, &up);
        topo_path_down(&r->topo, ri, &down);
        tcp_conn_init(&r->cp[i].conn, &r->net, &r->cfg_ctrl, &up, &down);
    }
    double src_Bps = param_d(ps, "source_kBps") * 1024.0;
    for (size_t i = 0; i < r->n_src; i++, ri++) {
        topo_path_down(&r->topo, ri, &down);
        topo_path_up(&r->topo, ri, &up);
        bulk_flow_init(&r->src[i].flow, &r->net, &r->cfg_down, &down, &up, src_Bps);
    }
    xt_socks_init(r);
    /* Connections start at random offsets within the first 2 s. */
    for (size_t i = 0; i < r->n_src; i++)
        bulk_flow_start(&r->src[i].flow, (sim_time_t)(gsl_rng_uniform(r->rng_start) * 2e9), r->warmup);
    for (size_t i = 0; i < r->n_cp; i++) tcp_conn_open(&r->cp[i].conn);

    if (r->has_voip) {
        /* VoIP stops 1 s before the end so datagrams in flight are not counted as lost. */
        topo_path_up(&r->topo, ri++, &up);
        uint32_t pl = (uint32_t)param_i(ps, "voip_payload");
        sim_time_t interval = (sim_time_t)((pl + IPV4_HDR + UDP_HDR) / (param_d(ps, "voip_kBps") * 1024.0) * 1e9);
        udp_flow_init(&r->voip, &r->net, &up, UDP_CBR, pl, interval, NULL);
        udp_flow_start(&r->voip, (sim_time_t)(gsl_rng_uniform(r->rng_start) * 2e7), r->duration - SIM_SEC(1), r->warmup);
    }
    if (r->has_web) {
        topo_path_up(&r->topo, ri, &up);
        topo_path_down(&r->topo, ri, &down);
        web_flow_init(&r->web, &r->net, &r->cfg_ctrl, &up, &down, param_d(ps, "web_shape"),
                      param_d(ps, "web_scale_bytes"), (sim_time_t)(param_d(ps, "web_mean_off_s") * 1e9), r->rng_web);
        web_flow_start(&r->web, (sim_time_t)(gsl_rng_uniform(r->rng_start) * 5e9));
    }

    r->ctrl_msgs_per_s = param_d(ps, "ctrl_msgs_per_s");
    r->ctrl_msg_bytes = (uint32_t)param_i(ps, "ctrl_msg_bytes");
    r->block_req_bytes = (uint32_t)param_i(ps, "block_request_bytes");
    r->s_full = result_series_id(res, "slots_full");
    r->s_trickle = result_series_id(res, "slots_trickle");
    r->s_speed = result_series_id(res, "slot_speed_Bps");
    r->s_target = result_series_id(res, "slot_target_Bps");
    r->s_limit = result_series_id(res, "up_limit_Bps");
    r->s_down = result_series_id(res, "down_goodput_Bps");
    r->s_block = result_series_id(res, "blocking_ratio");
    r->s_health = result_series_id(res, "upload_health");

    struct sim *s = &r->net.sim;
    sim_event_init(&r->thr_ev, on_throttle, r);
    sim_event_init(&r->tick_ev, on_tick, r);
    sim_event_init(&r->sec_ev, on_second, r);
    sim_event_init(&r->ctrl_ev, on_control, r);
    sim_event_init(&r->warmup_ev, on_warmup, r);
    sim_schedule_at(s, &r->tick_ev, 0);
    sim_schedule_at(s, &r->thr_ev, SIM_MS(1));
    sim_schedule_at(s, &r->sec_ev, SIM_SEC(1));
    if (r->ctrl_msgs_per_s > 0) sim_schedule_at(s, &r->ctrl_ev, SIM_MS(500));
    sim_schedule_at(s, &r->warmup_ev, r->warmup);

    sim_run_until(s, r->duration);
    xt_metrics_final(r);
    /* What NAFC's adapter counter saw after warm-up, against the IP bytes offered to the line. */
    double secs = (double)(r->duration - r->warmup) / 1e9;
    result_metric(res, "adapter_out_kBps", (double)(adapter_out(r) - r->adapter_out_base) / 1024.0 / secs);
    result_metric(res, "up_ip_offered_kBps", (double)r->topo.client_up.st.offered_ip_bytes / 1024.0 / secs);
    result_metric(res, "up_pkts_offered_per_s", (double)r->topo.client_up.st.offered_pkts / secs);
    res->events = s->events_run;
    exp_emit_event_rate(res, s->events_run, r->duration, r->n_dl + r->n_src + r->n_cp);

    /* teardown: every packet returns to the pool */
    sim_cancel(s, &r->thr_ev); sim_cancel(s, &r->tick_ev); sim_cancel(s, &r->sec_ev);
    sim_cancel(s, &r->ctrl_ev); sim_cancel(s, &r->warmup_ev);
    for (size_t i = 0; i < r->n_dl; i++) { sim_cancel(s, &r->dl[i].connect_ev); tcp_conn_free(&r->dl[i].conn); }
    for (size_t i = 0; i < r->n_cp; i++) tcp_conn_free(&r->cp[i].conn);
    for (size_t i = 0; i < r->n_src; i++) { sim_cancel(s, &r->src[i].read_ev); bulk_flow_free(&r->src[i].flow); }
    if (r->has_voip) udp_flow_free(&r->voip);
    if (r->has_web) web_flow_free(&r->web);
    topo_free(&r->topo);
    if (r->net.pool.live != 0) {
        fprintf(stderr, "xtreme: %llu packets leaked\n", (unsigned long long)r->net.pool.live);
        abort();
    }
    net_free(&r->net);
    rng_free(r->rng_dl); rng_free(r->rng_ctrl); rng_free(r->rng_web); rng_free(r->rng_start);
    free(r->dl); free(r->src); free(r->cp); free(r->sock);
    free(r);
    return 0;
}

static const char *const xt_headline[] = {
    "up_goodput_kbps", "down_goodput_kbps", "up_wire_kbps", "up_wire_cv", "up_queue_delay_ms_mean",
    "voip_delay_ms_p95", "slots_full_mean", "slots_trickle_mean", "slot_speed_err", "time_to_stable_s",
    "blocking_ratio_mean", "upload_health", "drops", "conservation_ok", NULL
};

const struct experiment exp_xtreme = {
    .name = "xtreme",
    .doc = "eMule upload control (official, Xtreme, NAFC) on an asymmetric line with downloads and cross-traffic",
    .params = xt_params,
    .n_params = sizeof xt_params / sizeof xt_params[0],
    .validate = xt_validate,
    .run = xt_run_fn,
    .headline = xt_headline,
    .metrics = xt_metrics,
    .metric_docs = xt_metric_docs,
};
