/* Experiment asym_link: bulk TCP down and up over one asymmetric access line, optional VoIP.
 * The classic ACK-starvation set-up (RFC 3449) that every other experiment builds on. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <math.h>
#include "linux_buffers.h"
#include "reader_loop.h"
#include "tbf_bucket.h"
#include "start_offsets.h"
#include "experiment.h"
#include "exp_common.h"
#include "rng.h"
#include "topology.h"
#include "traffic.h"

static const char *const framings[] = { "ppp", "ethernet", "pppoa_atm", "pppoe_atm", "none", "veth", NULL };
static const char *const ccs[] = { "newreno", "cubic", NULL };
static const char *const jitters[] = { "measured", "0", NULL };

static const struct param_def asym_params[] = {
    { "down_kbps",         PT_DOUBLE, "1024",   1, 1e7, NULL, "access line downstream rate, kbit/s" },
    { "up_kbps",           PT_DOUBLE, "128",    1, 1e7, NULL, "access line upstream rate, kbit/s" },
    { "access_delay_ms",   PT_DOUBLE, "5",      0, 10000, NULL, "one-way propagation delay of the access line, ms" },
    { "core_delay_ms",     PT_DOUBLE, "15",     0, 10000, NULL, "one-way delay client <-> remote host through the core, ms" },
    { "core_kbps",         PT_DOUBLE, "100000", 1, 1e8, NULL, "core link rate per direction, kbit/s" },
    { "modem_queue_pkts",  PT_INT,    "50",     1, 1e6, NULL, "drop-tail queue of each direction of the access line, packets" },
    { "framing",           PT_ENUM,   "ppp",    0, 0, framings, "access line framing (veth: the 14-byte Ethernet header tbf counts on a Linux veth, as the kernel engine's line)" },
    { "delay_line_jitter", PT_ENUM,   "measured", 0, 0, jitters, "framing=veth with a delay only (other lines have none): the extra delay per packet of the kernel testbed's TUN delay line, FIFO order kept (measured: drawn from contract/delay_line.h; 0: the exact delay)" },
    { "tbf_watchdog",      PT_ENUM,   "measured", 0, 0, jitters, "framing=veth only: how late the kernel testbed's tbf releases a packet that waited for its tokens, its watchdog timer and softirq (measured: drawn from contract/tbf_watchdog.h, unless an enqueue runs the qdisc first; 0: when the tokens are there)" },
    { "host_backlog",      PT_ENUM,   "measured", 0, 0, jitters, "framing=veth only: the kernel testbed's hosts take each arriving packet from the CPU's backlog, and what they send waits there too before the router takes it, one FIFO per host with measured waits, and TCP Small Queues counts a sent skb until it is handed on (measured: drawn from contract/host_backlog.h; 0: handed on at once)" },
    { "reader_loop",       PT_ENUM,   "measured", 0, 0, jitters, "framing=veth only: each kernel testbed host's agent as its one event loop, woken by data or send-buffer space after a measured wake-up and then serving one ready socket at a time, the next a measured busy time later, asleep again when nothing is ready (measured: drawn from contract/reader_loop.h; 0: a fixed lateness, client_wake_us and server_wake_us)" },
    { "eth_preamble_ifg",  PT_BOOL,   "0",      0, 1, NULL, "framing=ethernet only: also count preamble/SFD and inter-frame gap (+20 B)" },
    { "mss",               PT_INT,    "1460",   64, 9000, NULL, "TCP maximum segment size, bytes (clamped to the framing's MTU - 40)" },
    { "timestamps",        PT_BOOL,   "0",      0, 1, NULL, "TCP timestamps option (+12 B per segment)" },
    { "sack",              PT_BOOL,   "1",      0, 1, NULL, "TCP SACK (RFC 2018) with RFC 6675 recovery; 0 = NewReno (RFC 6582)" },
    { "cc",                PT_ENUM,   "newreno", 0, 0, ccs, "congestion avoidance: newreno (RFC 5681, halve on loss) or cubic (RFC 9438, Linux's default)" },
    { "nagle",             PT_BOOL,   "1",      0, 1, NULL, "Nagle's algorithm with Minshall's variant (Linux's default); 0 = TCP_NODELAY" },
    { "delack_count",      PT_INT,    "2",      1, 64, NULL, "receiver ACKs every Nth full segment" },
    { "delack_timeout_ms", PT_DOUBLE, "40",     0, 500, NULL, "delayed-ACK timer, ms: where the adaptive timeout starts (Linux TCP_ATO_MIN)" },
    { "hz",                PT_INT,    "250",    0, 10000, NULL, "timer ticks per second (Linux CONFIG_HZ; TCP's timers run in whole ticks on the timer wheel); 0: exact" },
    { "client_wake_us",    PT_DOUBLE, "280",    0, 1e6, NULL, "unless the measured reader_loop times it: the client's process (one loop for all its sockets) reads, and refills a bulk sender's buffer, this long after data or send-buffer space woke it: a woken loop's time on and waiting for the CPU before it sleeps again, measured on the kernel engine's agent (schedstat, 100/10 Mbit/s, 20 + 5 flows); 0: each arrival read at once" },
    { "server_wake_us",    PT_DOUBLE, "470",    0, 1e6, NULL, "the same for the remote host's process (it reads the uploads and writes the downloads)" },
    { "init_cwnd",         PT_INT,    "10",     1, 1000, NULL, "initial congestion window, segments" },
    { "rto_min_ms",        PT_DOUBLE, "200",    1, 10000, NULL, "minimum retransmission timeout, ms (RFC 6298 says 1000; Linux uses 200)" },
    { "rcvbuf",            PT_INT,    "262144", 2048, 1e9, NULL, "receive buffer = maximum advertised window, bytes" },
    { "sndbuf",            PT_INT,    "262144", 2048, 1e9, NULL, "send buffer: the payload it holds when full and unsent, bytes (Linux charges skb memory: sk_sndbuf = sndbuf / 0.972)" },
    { "n_down",            PT_INT,    "1",      0, 1000, NULL, "bulk TCP flows remote -> client" },
    { "n_up",              PT_INT,    "0",      0, 1000, NULL, "bulk TCP flows client -> remote" },
    { "up_limit_kbps",     PT_DOUBLE, "0",      0, 1e7, NULL, "if > 0, each upload flow's application writes at most this payload rate, kbit/s" },
    { "up_write_bytes",    PT_INT,    "0",      0, 1e8, NULL, "paced uploads (up_limit_kbps > 0): the application writes this many bytes per write, one write every up_write_bytes / up_limit_kbps; 0 = what 10 ms of the rate allows, every 10 ms" },
    { "up_start_s",        PT_DOUBLE, "0",      0, 1e6, NULL, "uploads start this many seconds into the run (controlled starts: the upload joins a running download)" },
    { "voip_kbps",         PT_DOUBLE, "0",      0, 1e5, NULL, "if > 0, UDP CBR upstream with 200-byte payloads at this payload rate, kbit/s" },
    { "duration_s",        PT_DOUBLE, "60",     0.001, 1e6, NULL, "simulated time, s" },
    { "warmup_s",          PT_DOUBLE, "10",     0, 1e6, NULL, "metrics ignore the first warmup_s seconds" },
    { "seed",              PT_INT,    "1",      0, 9.2e18, NULL, "run seed" },
};

static int asym_validate(const struct param_set *ps, char *err, size_t errlen)
{
    if (param_i(ps, "up_write_bytes") > 0 && param_d(ps, "up_limit_kbps") <= 0)
        return param_error(ps, "up_write_bytes", err, errlen, "needs a paced upload (up_limit_kbps > 0)");
    if (param_d(ps, "up_start_s") >= param_d(ps, "duration_s"))
        return param_error(ps, "up_start_s", err, errlen, "%g must be less than duration_s (%g)",
                           param_d(ps, "up_start_s"), param_d(ps, "duration_s"));
    return params_check_warmup(ps, err, errlen);
}

struct asym_run {
    struct net       net;
    struct topology  topo;
    struct bulk_flow *down, *up;
    size_t           n_down, n_up;
    struct bulk_reader client_reader, server_reader;
    struct udp_flow  voip;
    int              has_voip;
    struct sim_event warmup_ev, probe_ev;
    struct run_result *res;
    uint32_t         s_down, s_up;              /* series ids */
    uint64_t         last_down, last_up;
};

static uint64_t sum_read(const struct bulk_flow *f, size_t n)
{
    uint64_t b = 0;
    for (size_t i = 0; i < n; i++) b += f[i].conn.ep[1].st.bytes_read;
    return b;
}

static void asym_warmup(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct asym_run *r = ev->ctx;
    topo_reset_stats(&r->topo);
}

/* Once a second: application goodput of all downloads and uploads, for the time series. */
static void asym_probe(struct sim *s, struct sim_event *ev)
{
    struct asym_run *r = ev->ctx;
    uint64_t d = sum_read(r->down, r->n_down), u = sum_read(r->up, r->n_up);
    double t = (double)s->now / 1e9;
    result_point(r->res, r->s_down, 0, t, (double)(d - r->last_down));
    result_point(r->res, r->s_up, 0, t, (double)(u - r->last_up));
    r->last_down = d;
    r->last_up = u;
    sim_schedule_in(s, ev, SIM_SEC(1));
}

/* What one direction's receivers sent back in the window, counted as the kernel engine counts
 * it from TCP_INFO (result_ack_metrics names both alike). */
static void emit_ack_metrics(struct run_result *res, const char *dir, const struct bulk_flow *f, size_t n)
{
    struct bulk_segs sum = { 0 }, w;
    for (size_t i = 0; i < n; i++) {
        bulk_flow_window_segs(&f[i], &w);
        sum.snd_data_segs += w.snd_data_segs;
        sum.snd_acks_in += w.snd_acks_in;
        sum.rcv_data_segs += w.rcv_data_segs;
        sum.rcv_acks += w.rcv_acks;
    }
    result_ack_metrics(res, dir, (double)sum.rcv_acks, (double)sum.rcv_data_segs, (double)sum.snd_data_segs,
                       (double)sum.snd_acks_in);
}

static int asym_run(const struct param_set *ps, struct run_result *res, char *err, size_t errlen)
{
    struct asym_run *r = calloc(1, sizeof *r);
    if (!r) { snprintf(err, errlen, "out of memory"); return -1; }
    r->res = res;
    uint64_t seed = (uint64_t)param_i(ps, "seed");
    sim_time_t duration = (sim_time_t)(param_d(ps, "duration_s") * 1e9);
    sim_time_t warmup = (sim_time_t)(param_d(ps, "warmup_s") * 1e9);
    net_init(&r->net, seed);

    struct access_cfg client = {
        .down_bps = (uint64_t)(param_d(ps, "down_kbps") * 1000),
        .up_bps = (uint64_t)(param_d(ps, "up_kbps") * 1000),
        .delay = (sim_time_t)(param_d(ps, "access_delay_ms") * 1e6),
        .framing = { (enum framing_kind)framing_parse(param_e_name(ps, "framing")), param_b(ps, "eth_preamble_ifg") },
        .queue_pkts = (uint32_t)param_i(ps, "modem_queue_pkts"),
    };
    r->n_down = (size_t)param_i(ps, "n_down");
    r->n_up = (size_t)param_i(ps, "n_up");
    double voip_kbps = param_d(ps, "voip_kbps");
    r->has_voip = voip_kbps > 0;
    size_t n_remote = r->n_down + r->n_up + (size_t)r->has_voip;
    topo_init(&r->topo, &r->net, &client, n_remote, (uint64_t)(param_d(ps, "core_kbps") * 1000),
              (sim_time_t)(param_d(ps, "core_delay_ms") * 1e6));
    r->topo.client_up.probe = 1;
    r->topo.client_down.probe = 1;
    if (client.framing.kind == FRAMING_VETH) {
        /* The veth line is the kernel testbed's: one server namespace holds every remote flow, and
         * what it sends leaves through its one veth in the order sent (each skb's segments
         * together), where remotes of their own would interleave their segments on the way. */
        topo_one_remote_host(&r->topo);
        /* tbf releases what its bucket holds at once. */
        link_set_bucket(&r->topo.client_up, (uint32_t)tbf_bucket_bytes((double)client.up_bps));
        link_set_bucket(&r->topo.client_down, (uint32_t)tbf_bucket_bytes((double)client.down_bps));
        if (!strcmp(param_e_name(ps, "tbf_watchdog"), "measured")) {
            const struct tbf_watchdog_table *wd = tbf_watchdog_for(param_d(ps, "down_kbps") + param_d(ps, "up_kbps"));
            link_set_watchdog(&r->topo.client_up, wd, rng_stream(seed, "asym_link.tbf_watchdog", 0));
            link_set_watchdog(&r->topo.client_down, wd, rng_stream(seed, "asym_link.tbf_watchdog", 1));
        }
        /* Each host's stack takes a packet from the CPU's backlog, and what it sends waits there too
         * (the server's: the one server namespace, remote 0's lines, topo_one_remote_host). */
        if (!strcmp(param_e_name(ps, "host_backlog"), "measured")) {
            const struct host_backlog_load *hb = host_backlog_for(param_d(ps, "down_kbps") + param_d(ps, "up_kbps"));
            link_set_host_backlog(&r->topo.client_down, &r->topo.client_up, &hb->client, rng_stream(seed, "asym_link.host_backlog", 0));
            link_set_host_backlog(&r->topo.remote[0].down, &r->topo.remote[0].up, &hb->server, rng_stream(seed, "asym_link.host_backlog", 1));
        }
        /* Its delays come from a TUN delay line that adds a measured extra per packet; the
         * kernel has no delay line (and no extra) when the delay is 0. */
        if (!strcmp(param_e_name(ps, "delay_line_jitter"), "measured") && param_d(ps, "access_delay_ms") + param_d(ps, "core_delay_ms") > 0) {
            const struct delay_line_table *dl = delay_line_for(param_d(ps, "down_kbps") + param_d(ps, "up_kbps"));
            link_set_delay_line(&r->topo.client_up, dl, rng_stream(seed, "asym_link.delay_line", 0));
            link_set_delay_line(&r->topo.client_down, dl, rng_stream(seed, "asym_link.delay_line", 1));
            /* It is one line for both directions (one TUN, one reader: kernel/agent_delay.c), at
             * the router, which a packet from either host reaches at once.  So the downstream's
             * core delay goes behind the line, with the access delay (a constant delay commutes
             * with a FIFO server), and a packet enters the shared line when the real one would. */
            r->topo.client_down.prop_delay += (sim_time_t)(param_d(ps, "core_delay_ms") * 1e6);
            for (size_t i = 0; i < n_remote; i++) r->topo.remote[i].core_from.prop_delay = 0;
            link_share_delay_line(&r->topo.client_up, &r->topo.client_down);
        }
    }

    struct tcp_cfg cfg;
    tcp_cfg_default(&cfg);
    cfg.timestamps = param_b(ps, "timestamps");
    cfg.sack = param_b(ps, "sack");
    cfg.cubic = param_e(ps, "cc") == 1;
    cfg.nagle = param_b(ps, "nagle");
    uint32_t mss_max = framing_mtu(&client.framing) - IPV4_HDR - TCP_HDR - (cfg.timestamps ? TCP_TS_OPT : 0);
    cfg.mss = (uint32_t)param_i(ps, "mss");
    if (cfg.mss > mss_max) cfg.mss = mss_max;      /* PMTU/MSS clamping, reported as mss_effective */
    cfg.delack_count = (uint32_t)param_i(ps, "delack_count");
    cfg.delack_timeout = (sim_time_t)(param_d(ps, "delack_timeout_ms") * 1e6);
    cfg.hz = (uint32_t)param_i(ps, "hz");
    cfg.init_cwnd = (uint32_t)param_i(ps, "init_cwnd");
    cfg.rto_min = (sim_time_t)(param_d(ps, "rto_min_ms") * 1e6);
    cfg.rcvbuf = (uint32_t)param_i(ps, "rcvbuf");
    /* The receivers decide about ACKs as Linux's, before their application reads (which it
     * does at once: the kernel engine's reader ran 27-33 us after the data that woke it, far
     * less than a segment's time on these lines). */
    cfg.ack_at_read = 1;
    /* The hosts are Linux's: the send buffer is sk_sndbuf bytes of skb memory, twice the
     * SO_SNDBUF the kernel engine sets for the same key. */
    cfg.linux_wmem = 1;
    cfg.sndbuf = 2 * (uint32_t)ceil((double)param_i(ps, "sndbuf") * LINUX_SK_SNDBUF_PER_BYTE / 2);

    /* Flows start at random offsets within the first 100 ms, so seeds matter and flows do not
     * march in lock-step; the kernel engine draws the same offsets for the same seed (who starts
     * first decides much of a saturated line's first seconds). */
    uint64_t start_rs = start_offsets_seed(seed);
    r->down = calloc(r->n_down ? r->n_down : 1, sizeof *r->down);
    r->up = calloc(r->n_up ? r->n_up : 1, sizeof *r->up);
    if (!r->down || !r->up) { perror("asym_link"); exit(1); }
    struct path up_path, down_path;
    /* Each host's sockets are served by one process, as the kernel engine's agent serves them:
     * its receivers read and its bulk senders refilled in the loop's rounds. */
    sim_time_t client_wake = (sim_time_t)(param_d(ps, "client_wake_us") * 1e3);
    sim_time_t server_wake = (sim_time_t)(param_d(ps, "server_wake_us") * 1e3);
    bulk_reader_init(&r->client_reader, &r->net, client_wake);
    bulk_reader_init(&r->server_reader, &r->net, server_wake);
    /* Whether each host's sockets go through its loop (a fixed lateness of 0: each arrival read at once). */
    int client_loop = client_wake > 0, server_loop = server_wake > 0;
    if (client.framing.kind == FRAMING_VETH && !strcmp(param_e_name(ps, "reader_loop"), "measured")) {
        /* The testbed's agents, timed as measured; the fixed lateness keys then do not apply. */
        const struct reader_loop_load *rl = reader_loop_for(param_d(ps, "down_kbps") + param_d(ps, "up_kbps"));
        bulk_reader_set_loop(&r->client_reader, &rl->client, rng_stream(seed, "asym_link.reader_loop", 0));
        bulk_reader_set_loop(&r->server_reader, &rl->server, rng_stream(seed, "asym_link.reader_loop", 1));
        client_loop = server_loop = 1;
    }
    for (size_t i = 0; i < r->n_down; i++) {
        topo_path_down(&r->topo, i, &down_path);
        topo_path_up(&r->topo, i, &up_path);
        bulk_flow_init(&r->down[i], &r->net, &cfg, &down_path, &up_path, 0);
        bulk_flow_set_receiver_opens(&r->down[i]);     /* the client connects, as a download's */
        if (client_loop) bulk_flow_set_reader(&r->down[i], &r->client_reader);
        /* ... and the server's loop writes it, on EPOLLOUT, as kernel/agent.c's fill() */
        if (server_loop) bulk_flow_set_writer(&r->down[i], &r->server_reader);
        bulk_flow_start(&r->down[i], SIM_US(start_offset_us(&start_rs, START_OFFSET_TCP_US)), warmup);
    }
    double up_limit_Bps = param_d(ps, "up_limit_kbps") * 1000 / 8;
    sim_time_t up_start = (sim_time_t)(param_d(ps, "up_start_s") * 1e9);
    for (size_t j = 0; j < r->n_up; j++) {
        size_t i = r->n_down + j;
        topo_path_up(&r->topo, i, &up_path);
        topo_path_down(&r->topo, i, &down_path);
        bulk_flow_init(&r->up[j], &r->net, &cfg, &up_path, &down_path, up_limit_Bps);
        bulk_flow_set_write_size(&r->up[j], (uint32_t)param_i(ps, "up_write_bytes"));
        if (server_loop) bulk_flow_set_reader(&r->up[j], &r->server_reader);
        if (client_loop) bulk_flow_set_writer(&r->up[j], &r->client_reader);
        bulk_flow_start(&r->up[j], up_start + SIM_US(start_offset_us(&start_rs, START_OFFSET_TCP_US)), warmup);
    }
    gsl_rng *voip_rng = NULL;
    if (r->has_voip) {
        /* VoIP: 200-byte payloads at voip_kbps, stopping one second early so in-flight
         * datagrams are not counted as lost. */
        topo_path_up(&r->topo, n_remote - 1, &up_path);
        sim_time_t interval = (sim_time_t)(200.0 * 8 / (voip_kbps * 1000) * 1e9);
        voip_rng = rng_stream(seed, "asym_link.voip", 0);
        udp_flow_init(&r->voip, &r->net, &up_path, UDP_CBR, 200, interval, voip_rng);
        udp_flow_start(&r->voip, SIM_US(start_offset_us(&start_rs, START_OFFSET_VOIP_US)), duration - SIM_SEC(1), warmup);
    }

    sim_event_init(&r->warmup_ev, asym_warmup, r);
    sim_schedule_at(&r->net.sim, &r->warmup_ev, warmup);
    r->s_down = result_series_id(res, "down_goodput_Bps");
    r->s_up = result_series_id(res, "up_goodput_Bps");
    sim_event_init(&r->probe_ev, asym_probe, r);
    sim_schedule_at(&r->net.sim, &r->probe_ev, SIM_SEC(1));

    sim_run_until(&r->net.sim, duration);

    /* ---- metrics */
    double secs = (double)(duration - warmup) / 1e9;
    uint64_t down_bytes = 0, up_bytes = 0;
    uint64_t retrans = 0, rtos = 0, fast_rtx = 0;
    for (size_t i = 0; i < r->n_down; i++) {
        down_bytes += bulk_flow_goodput_bytes(&r->down[i]);
        retrans += r->down[i].conn.ep[0].st.retrans_segs;
        rtos += r->down[i].conn.ep[0].st.rto_expiries;
        fast_rtx += r->down[i].conn.ep[0].st.fast_retransmits;
    }
    for (size_t j = 0; j < r->n_up; j++) {
        up_bytes += bulk_flow_goodput_bytes(&r->up[j]);
        retrans += r->up[j].conn.ep[0].st.retrans_segs;
        rtos += r->up[j].conn.ep[0].st.rto_expiries;
        fast_rtx += r->up[j].conn.ep[0].st.fast_retransmits;
    }
    const struct link *lu = &r->topo.client_up, *ld = &r->topo.client_down;
    result_metric(res, "down_goodput_kbps", (double)down_bytes * 8 / 1000 / secs);
    result_metric(res, "up_goodput_kbps", (double)up_bytes * 8 / 1000 / secs);
    result_metric(res, "voip_goodput_kbps", r->has_voip ? (double)r->voip.bytes_received_measured * 8 / 1000 / secs : 0.0);
    result_metric(res, "voip_delay_ms_mean", r->has_voip ? hist_mean(&r->voip.delay) / 1e6 : 0.0);
    result_metric(res, "voip_delay_ms_p95", r->has_voip ? hist_quantile(&r->voip.delay, 0.95) / 1e6 : 0.0);
    result_metric(res, "voip_loss", r->has_voip ? udp_flow_loss(&r->voip) : 0.0);
    result_metric(res, "up_queue_delay_ms_mean", hist_mean(lu->st.qdelay) / 1e6);
    result_metric(res, "up_queue_delay_ms_p95", hist_quantile(lu->st.qdelay, 0.95) / 1e6);
    result_metric(res, "up_link_util", (double)lu->st.wire_total * 8 / ((double)client.up_bps * secs));
    result_metric(res, "down_link_util", (double)ld->st.wire_total * 8 / ((double)client.down_bps * secs));
    result_metric(res, "drops", (double)(lu->st.drops + ld->st.drops));
    result_metric(res, "drops_up", (double)lu->st.drops);
    result_metric(res, "drops_down", (double)ld->st.drops);
    exp_emit_class_bytes(res, lu, "up_bytes_by_class");
    result_metric(res, "retransmits", (double)retrans);
    result_metric(res, "rto_expiries", (double)rtos);
    result_metric(res, "fast_retransmits", (double)fast_rtx);
    emit_ack_metrics(res, "down", r->down, r->n_down);
    emit_ack_metrics(res, "up", r->up, r->n_up);
    result_metric(res, "mss_effective", (double)cfg.mss);

    /* Conservation: every IP byte injected was delivered, dropped, or is still inside a link. */
    uint64_t fl_bytes = 0;
    int conserved = topo_ledger_balanced(&r->topo, &fl_bytes);
    const struct net_ledger *lg = &r->net.ledger;
    result_metric(res, "bytes_injected", (double)lg->bytes_injected);
    result_metric(res, "bytes_delivered", (double)lg->bytes_delivered);
    result_metric(res, "bytes_dropped", (double)lg->bytes_dropped);
    result_metric(res, "bytes_in_flight", (double)fl_bytes);
    exp_emit_conservation(res, &r->topo, conserved);

    exp_emit_link_series(res, lu, "up", (double)client.up_bps / 8);
    res->events = r->net.sim.events_run;

    /* ---- teardown: every packet returns to the pool */
    for (size_t i = 0; i < r->n_down; i++) bulk_flow_free(&r->down[i]);
    bulk_reader_free(&r->client_reader);
    bulk_reader_free(&r->server_reader);
    for (size_t j = 0; j < r->n_up; j++) bulk_flow_free(&r->up[j]);
    if (r->has_voip) udp_flow_free(&r->voip);
    sim_cancel(&r->net.sim, &r->warmup_ev);
    sim_cancel(&r->net.sim, &r->probe_ev);
    topo_free(&r->topo);
    if (r->net.pool.live != 0) {
        fprintf(stderr, "asym_link: %llu packets leaked\n", (unsigned long long)r->net.pool.live);
        abort();
    }
    net_free(&r->net);
    if (voip_rng) rng_free(voip_rng);
    free(r->down);
    free(r->up);
    free(r);
    return 0;
}

static const char *const asym_headline[] = {
    "down_goodput_kbps", "up_goodput_kbps", "voip_goodput_kbps", "voip_delay_ms_mean", "voip_delay_ms_p95",
    "up_queue_delay_ms_mean", "up_link_util", "drops", NULL
};

/* Which way each metric is better (regress fails only on the worse way; neutral never fails). */
static const struct metric_decl asym_metrics[] = {
    { "down_goodput_kbps", METRIC_HIGHER }, { "up_goodput_kbps", METRIC_HIGHER }, { "voip_goodput_kbps", METRIC_HIGHER },
    { "voip_delay_ms_mean", METRIC_LOWER }, { "voip_delay_ms_p95", METRIC_LOWER }, { "voip_loss", METRIC_LOWER },
    { "up_queue_delay_ms_mean", METRIC_LOWER }, { "up_queue_delay_ms_p95", METRIC_LOWER },
    /* wire bytes over capacity, headers and ACKs included: fewer wasted bytes lower it */
    { "up_link_util", METRIC_NEUTRAL }, { "down_link_util", METRIC_NEUTRAL },
    { "drops", METRIC_LOWER }, { "drops_up", METRIC_LOWER }, { "drops_down", METRIC_LOWER },
    { "retransmits", METRIC_LOWER }, { "rto_expiries", METRIC_LOWER }, { "fast_retransmits", METRIC_LOWER },
    { "mss_effective", METRIC_NEUTRAL },
    /* segment counts in the window (emit_ack_metrics): what the receivers do, no better way */
    { "down_rcv_acks", METRIC_NEUTRAL }, { "down_rcv_data_segs", METRIC_NEUTRAL }, { "down_snd_data_segs", METRIC_NEUTRAL },
    { "down_acks_lost", METRIC_NEUTRAL }, { "down_acks_per_seg", METRIC_NEUTRAL },
    { "up_rcv_acks", METRIC_NEUTRAL }, { "up_rcv_data_segs", METRIC_NEUTRAL }, { "up_snd_data_segs", METRIC_NEUTRAL },
    { "up_acks_lost", METRIC_NEUTRAL }, { "up_acks_per_seg", METRIC_NEUTRAL },
    { "bytes_injected", METRIC_NEUTRAL }, { "bytes_delivered", METRIC_NEUTRAL }, { "bytes_dropped", METRIC_LOWER },
    { "bytes_in_flight", METRIC_NEUTRAL },
    { NULL, METRIC_NEUTRAL }
};

const struct experiment exp_asym_link = {
    .name = "asym_link",
    .doc = "bulk TCP over an asymmetric access line (ACK starvation, RFC 3449)",
    .params = asym_params,
    .n_params = sizeof asym_params / sizeof asym_params[0],
    .validate = asym_validate,
    .run = asym_run,
    .headline = asym_headline,
    .metrics = asym_metrics,
};
