/* Experiment asym_link: bulk TCP down and up over one asymmetric access line, optional VoIP.
 * The classic ACK-starvation set-up (RFC 3449) that every other experiment builds on. */
#include <stdio.h>
#include <string.h>
#include "experiment.h"

static const char *const framings[] = { "ppp", "ethernet", "pppoa_atm", "pppoe_atm", "none", NULL };

static const struct param_def asym_params[] = {
    { "down_kbps",         PT_DOUBLE, "1024",   1, 1e7, NULL, "access line downstream rate, kbit/s" },
    { "up_kbps",           PT_DOUBLE, "128",    1, 1e7, NULL, "access line upstream rate, kbit/s" },
    { "access_delay_ms",   PT_DOUBLE, "5",      0, 10000, NULL, "one-way propagation delay of the access line, ms" },
    { "core_delay_ms",     PT_DOUBLE, "15",     0, 10000, NULL, "one-way delay client <-> remote host through the core, ms" },
    { "core_kbps",         PT_DOUBLE, "100000", 1, 1e8, NULL, "core link rate per direction, kbit/s" },
    { "modem_queue_pkts",  PT_INT,    "50",     1, 1e6, NULL, "drop-tail queue of each direction of the access line, packets" },
    { "framing",           PT_ENUM,   "ppp",    0, 0, framings, "access line framing" },
    { "mss",               PT_INT,    "1460",   64, 9000, NULL, "TCP maximum segment size, bytes (clamped to the framing's MTU - 40)" },
    { "timestamps",        PT_BOOL,   "0",      0, 1, NULL, "TCP timestamps option (+12 B per segment)" },
    { "delack_count",      PT_INT,    "2",      1, 64, NULL, "receiver ACKs every Nth full segment" },
    { "delack_timeout_ms", PT_DOUBLE, "40",     0, 500, NULL, "delayed-ACK timer, ms" },
    { "init_cwnd",         PT_INT,    "10",     1, 1000, NULL, "initial congestion window, segments" },
    { "rto_min_ms",        PT_DOUBLE, "200",    1, 10000, NULL, "minimum retransmission timeout, ms (RFC 6298 says 1000; Linux uses 200)" },
    { "rcvbuf",            PT_INT,    "262144", 2048, 1e9, NULL, "receive buffer = maximum advertised window, bytes" },
    { "sndbuf",            PT_INT,    "262144", 2048, 1e9, NULL, "send buffer, bytes" },
    { "n_down",            PT_INT,    "1",      0, 1000, NULL, "bulk TCP flows remote -> client" },
    { "n_up",              PT_INT,    "0",      0, 1000, NULL, "bulk TCP flows client -> remote" },
    { "up_limit_kbps",     PT_DOUBLE, "0",      0, 1e7, NULL, "if > 0, each upload flow's application writes at most this payload rate, kbit/s" },
    { "voip_kbps",         PT_DOUBLE, "0",      0, 1e5, NULL, "if > 0, UDP CBR upstream with 200-byte payloads at this payload rate, kbit/s" },
    { "duration_s",        PT_DOUBLE, "60",     0.001, 1e6, NULL, "simulated time, s" },
    { "warmup_s",          PT_DOUBLE, "10",     0, 1e6, NULL, "metrics ignore the first warmup_s seconds" },
    { "seed",              PT_INT,    "1",      0, 9.2e18, NULL, "run seed" },
};

static int asym_validate(const struct param_set *ps, char *err, size_t errlen)
{
    if (param_d(ps, "warmup_s") >= param_d(ps, "duration_s")) {
        snprintf(err, errlen, "%s: key 'warmup_s': %g must be less than duration_s (%g)",
                 param_origin(ps, "warmup_s"), param_d(ps, "warmup_s"), param_d(ps, "duration_s"));
        return -1;
    }
    return 0;
}

static int asym_run(const struct param_set *ps, struct run_result *res, char *err, size_t errlen)
{
    (void)ps; (void)res;
    snprintf(err, errlen, "asym_link: simulator not built yet");
    return -1;
}

static const char *const asym_headline[] = {
    "down_goodput_kbps", "up_goodput_kbps", "voip_goodput_kbps", "voip_delay_ms_mean", "voip_delay_ms_p95",
    "up_queue_delay_ms_mean", "up_link_util", "drops", NULL
};

const struct experiment exp_asym_link = {
    .name = "asym_link",
    .doc = "bulk TCP over an asymmetric access line (ACK starvation, RFC 3449)",
    .params = asym_params,
    .n_params = sizeof asym_params / sizeof asym_params[0],
    .validate = asym_validate,
    .run = asym_run,
    .headline = asym_headline,
};
