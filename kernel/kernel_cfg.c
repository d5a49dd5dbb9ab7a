/* Scenario keys -> kernel knobs: what Linux can express is mapped (sysctls, socket options,
 * route metrics); what it cannot is refused in one line rather than silently ignored. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel.h"

#define VETH_MTU 1500
#define IP_TCP_HDR 40
#define TS_OPT 12

/* A key that describes the host rather than a knob: only the host's own value can be expressed. */
static int host_fixed(const struct param_set *ps, const char *key, double host, const char *what,
                      char *err, size_t errlen)
{
    if (param_d(ps, key) == host) return 0;
    return param_error(ps, key, err, errlen, "%g cannot be expressed on the kernel engine: %s %g; use %g",
                       param_d(ps, key), what, host, host);
}

/* Keys whose `measured` is the host's own timing: why the kernel cannot express 0 for each. */
static const struct { const char *key, *why; } host_timings[] = {
    /* tbf's watchdog is an hrtimer and a softirq of the host: the kernel cannot make it exact. */
    { "tbf_watchdog", "its tbf releases a waiting packet when its watchdog's timer and softirq run (contract/tbf_watchdog.h)" },
    /* Each host's stack takes packets from the CPU's backlog when the NET_RX softirq runs. */
    { "host_backlog", "its hosts take each packet from the CPU's backlog when the NET_RX softirq runs (contract/host_backlog.h)" },
    /* Each host's agent is one epoll loop the host schedules: its reads cannot wait a fixed time. */
    { "reader_loop", "its agents read when their epoll loop wakes and reaches the socket (contract/reader_loop.h)" },
};

int kernel_cfg_from_params(const struct param_set *ps, const struct kernel_host *host, struct kernel_cfg *c,
                           char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    /* The line: a veth whose qdisc counts the 14-byte Ethernet header; nothing else is real here. */
    if (strcmp(param_e_name(ps, "framing"), "veth") != 0)
        return param_error(ps, "framing", err, errlen,
                           "'%s' cannot be expressed on the kernel engine: its line is a veth, whose tbf counts a 14-byte "
                           "Ethernet header; use framing = veth (the simulator has it too)", param_e_name(ps, "framing"));
    c->down_bps = param_d(ps, "down_kbps") * 1000;
    c->up_bps = param_d(ps, "up_kbps") * 1000;
    /* The kernel has no core link: the core hop is as fast as the machine.  Only a core that is
     * never the bottleneck means the same on both engines. */
    double core = param_d(ps, "core_kbps") * 1000;
    if (core < c->down_bps || core < c->up_bps)
        return param_error(ps, "core_kbps", err, errlen,
                           "%g is below a line rate: the kernel engine has no core link to limit, so the core must not be the "
                           "bottleneck (core_kbps >= down_kbps and up_kbps)", core / 1000);
    c->delay_s = (param_d(ps, "access_delay_ms") + param_d(ps, "core_delay_ms")) / 1000;
    /* The delays come from the TUN delay line (no sch_netem here), a program whose read, wake-up
     * and write add to every packet's delay (contract/delay_line.h); only without a delay is
     * there no line, hence no extra. */
    if (c->delay_s > 0 && strcmp(param_e_name(ps, "delay_line_jitter"), "0") == 0)
        return param_error(ps, "delay_line_jitter", err, errlen,
                           "0 cannot be expressed on the kernel engine: its delay line adds its read, wake-up and write to "
                           "every packet (contract/delay_line.h); use measured, or access_delay_ms = core_delay_ms = 0");
    /* The host's own timings, which the simulator can switch off (0) and the kernel cannot. */
    for (size_t i = 0; i < sizeof host_timings / sizeof host_timings[0]; i++)
        if (strcmp(param_e_name(ps, host_timings[i].key), "0") == 0)
            return param_error(ps, host_timings[i].key, err, errlen,
                               "0 cannot be expressed on the kernel engine: %s; use measured", host_timings[i].why);
    c->queue_pkts = (int)param_i(ps, "modem_queue_pkts");
    c->n_down = (int)param_i(ps, "n_down");
    c->n_up = (int)param_i(ps, "n_up");
    c->up_limit_Bps = param_d(ps, "up_limit_kbps") * 1000 / 8;
    c->up_write_bytes = (int)param_i(ps, "up_write_bytes");
    c->up_start_s = param_d(ps, "up_start_s");
    c->voip_kbps = param_d(ps, "voip_kbps");
    c->duration_s = param_d(ps, "duration_s");
    c->warmup_s = param_d(ps, "warmup_s");
    c->sack = param_b(ps, "sack");
    c->timestamps = param_b(ps, "timestamps");
    c->nagle = param_b(ps, "nagle");
    snprintf(c->cc, sizeof c->cc, "%s", strcmp(param_e_name(ps, "cc"), "newreno") == 0 ? "reno" : param_e_name(ps, "cc"));
    c->rcvbuf = (int)param_i(ps, "rcvbuf");
    c->sndbuf = (int)param_i(ps, "sndbuf");
    /* Same clamping as the simulator: the payload of a full segment fits the MTU with headers. */
    int mss_max = VETH_MTU - IP_TCP_HDR - (c->timestamps ? TS_OPT : 0);
    c->mss = (int)param_i(ps, "mss");
    if (c->mss > mss_max) c->mss = mss_max;
    c->init_cwnd = (int)param_i(ps, "init_cwnd");
    c->rto_min_ms = param_d(ps, "rto_min_ms");
    c->seed = (uint64_t)param_i(ps, "seed");

    /* Delayed ACKs: Linux ACKs every second full segment (tcp_send_delayed_ack / __tcp_ack_snd_check,
     * with quick-ACK mode after idle); per route `quickack 1` makes it ACK every segment.  No other
     * fixed count exists. */
    int64_t dc = param_i(ps, "delack_count");
    if (dc != 1 && dc != 2)
        return param_error(ps, "delack_count", err, errlen,
                           "%lld cannot be expressed on the kernel engine: Linux ACKs every 2nd full segment (adaptively), "
                           "or every segment with the route's quickack; use 1 or 2", (long long)dc);
    c->quickack = dc == 1;
    /* Linux's delayed-ACK timer adapts between TCP_DELACK_MIN (40 ms) and TCP_DELACK_MAX (200 ms). */
    double dt = param_d(ps, "delack_timeout_ms");
    if (!c->quickack && dt != 40)
        return param_error(ps, "delack_timeout_ms", err, errlen,
                           "%g cannot be expressed on the kernel engine: Linux's delayed-ACK timer adapts between 40 and "
                           "200 ms; use 40", dt);
    /* Keys that describe the host, not a knob.  The kernel's timers tick at the running kernel's
     * CONFIG_HZ (an unknown one is refused by kernel_check_env).  How late the agents read is
     * the host's scheduling; the keys' defaults are what was measured on the agents. */
    c->host_hz = host->hz;
    char what[256];
    snprintf(what, sizeof what, "its timers tick at the running kernel's CONFIG_HZ (%s),", host->hz_source);
    if (host->hz && host_fixed(ps, "hz", host->hz, what, err, errlen) != 0) return -1;
    const char *wake_keys[] = { "client_wake_us", "server_wake_us" };
    for (int i = 0; i < 2; i++)
        if (host_fixed(ps, wake_keys[i], strtod(ps->defs[params_index(ps, wake_keys[i])].def, NULL),
                       "its agents read as the host schedules them, measured (schedstat) at", err, errlen) != 0)
            return -1;
    if (c->rto_min_ms < 1 || c->rto_min_ms != floor(c->rto_min_ms))
        return param_error(ps, "rto_min_ms", err, errlen, "%g: the route's rto_min takes whole milliseconds >= 1", c->rto_min_ms);
    if (c->voip_kbps > 0 && c->voip_kbps * 1000 / 8 / 200 > 100000)
        return param_error(ps, "voip_kbps", err, errlen, "%g: more than 100000 datagrams/s is beyond the agent's timer", c->voip_kbps);
    return 0;
}
