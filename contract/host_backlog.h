/* How long a packet waits in the receiving host's backlog on the kernel testbed before its TCP
 * takes it, measured; the simulator's veth line draws from it (asym_link key host_backlog). */
#ifndef CONTRACT_HOST_BACKLOG_H
#define CONTRACT_HOST_BACKLOG_H

#include <stdint.h>
#include "quantile.h"

/* A veth hands its packet to the peer namespace with netif_rx (drivers/net/veth.c): the skb
 * joins the CPU's backlog and the receiving host's stack takes it when the NET_RX softirq
 * reaches it (process_backlog -> __netif_receive_skb), behind whatever the backlog held.  The
 * wait is the time from the router veth's transmit (net:net_dev_xmit on rs0 or rc0) to the host
 * veth's receive of the same skb (net:netif_receive_skb on s0 or c0), measured per packet with
 * those tracepoints (tools/host_backlog_trace.sh, reduced by tools/host_backlog_trace.py --table,
 * which writes the rows below; the trace's clock has 1-us steps), 2 December 2026 on a host idle
 * for 5 s before each run, seeds 1-3; the tracing adds about 1 us per event.  It is split as the
 * delay line's (contract/delay_line.h): a packet that arrives after the one ahead of it was
 * handed over waits its `own` time (the softirq's start); one that arrives while that one still
 * waits is handed over a `service` gap after it (the processing of the packet ahead and of
 * whatever else the CPU's backlog held), so the queueing is the model's, not drawn twice.  The
 * same backlog holds what the host sends meanwhile until the router's IP layer takes it
 * (ip_rcv_core's skb_orphan frees it for TCP Small Queues): measured the same way, from s0's
 * transmit to rs0's receive, 16-23 us median and 180-201 us at the 99th percentile at 100/10
 * Mbit/s.  The waits are the host's: one set per measured load, a line taking the one measured
 * nearest its rate (down + up kbit/s, on a log scale), as tbf's watchdog's tables.  Commands and
 * figures: docs/validation.md, item 41. */
struct host_backlog_table {
    const struct quantile_point *own, *service;     /* their quantiles */
    int n_own, n_service;
};
struct host_backlog_load {
    struct host_backlog_table to_server, to_client;
    double line_kbps_max;                           /* used for lines up to this rate (down + up) */
};

/* Low: 8000/256 kbit/s, one bulk download and one bulk upload, FIFOs of 100 packets, 14 s from
 * 10 s of each run.  To the server: own 1976 packets (mean 3.7 us), service only 5 (mean 10.0);
 * to the client: own 2984 (mean 2.8), service 18 (mean 11.8): at this load a packet nearly never
 * finds the one ahead of it still waiting, and the few service gaps make a coarse table. */
static const struct quantile_point host_backlog_low_to_server_own[] = {
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 1.0 }, { 0.2, 1.0 }, { 0.3, 1.0 },
    { 0.4, 1.0 }, { 0.5, 2.0 }, { 0.6, 3.0 }, { 0.7, 4.0 }, { 0.8, 5.0 }, { 0.9, 6.0 },
    { 0.95, 8.0 }, { 0.975, 15.0 }, { 0.99, 45.2 }, { 0.995, 56.4 }, { 0.999, 114.5 }, { 1, 159.0 }
};
static const struct quantile_point host_backlog_low_to_server_service[] = {
    { 0, 7.0 }, { 0.1, 8.2 }, { 0.2, 9.4 }, { 0.3, 10.2 }, { 0.4, 10.6 }, { 0.5, 11.0 }, { 1, 11.0 }
};
static const struct quantile_point host_backlog_low_to_client_own[] = {
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 0.0 }, { 0.2, 1.0 }, { 0.3, 1.0 },
    { 0.4, 1.0 }, { 0.5, 1.0 }, { 0.6, 2.0 }, { 0.7, 2.0 }, { 0.8, 3.0 }, { 0.9, 6.0 },
    { 0.95, 8.0 }, { 0.975, 13.0 }, { 0.99, 29.5 }, { 0.995, 48.1 }, { 0.999, 92.6 }, { 1, 159.0 }
};
static const struct quantile_point host_backlog_low_to_client_service[] = {
    { 0, 1.0 }, { 0.1, 2.0 }, { 0.2, 2.4 }, { 0.3, 3.0 }, { 0.4, 3.0 }, { 0.5, 5.0 },
    { 0.6, 5.0 }, { 0.7, 5.9 }, { 0.8, 9.8 }, { 0.9, 31.7 }, { 0.95, 55.1 }, { 1, 73.0 }
};
/* High: 100000/10000 kbit/s, 20 downloads + 5 uploads, FIFOs of 200 packets, 4 s from 10 s of
 * each run.  To the server: own 19438 packets (mean 23.6 us), service 23435 (mean 15.3); to the
 * client: own 75463 (mean 9.5), service 8592 (mean 19.8).  The whole wait: to the server 15-24 us
 * median, 274-381 us at the 99th percentile (mean 46-64); to the client 1 us, 173-206 us. */
static const struct quantile_point host_backlog_high_to_server_own[] = {
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 1.0 }, { 0.2, 1.0 }, { 0.3, 2.0 },
    { 0.4, 3.0 }, { 0.5, 5.0 }, { 0.6, 9.0 }, { 0.7, 15.0 }, { 0.8, 25.0 }, { 0.9, 79.0 },
    { 0.95, 111.0 }, { 0.975, 158.0 }, { 0.99, 213.0 }, { 0.995, 269.8 }, { 0.999, 441.1 }, { 1, 771.0 }
};
static const struct quantile_point host_backlog_high_to_server_service[] = {
    { 0, 0.0 }, { 0.01, 1.0 }, { 0.05, 2.0 }, { 0.1, 2.0 }, { 0.2, 3.0 }, { 0.3, 4.0 },
    { 0.4, 4.0 }, { 0.5, 5.0 }, { 0.6, 7.0 }, { 0.7, 8.0 }, { 0.8, 13.0 }, { 0.9, 53.0 },
    { 0.95, 71.0 }, { 0.975, 87.0 }, { 0.99, 105.0 }, { 0.995, 121.0 }, { 0.999, 151.0 }, { 1, 281.0 }
};
static const struct quantile_point host_backlog_high_to_client_own[] = {
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 0.0 }, { 0.2, 0.0 }, { 0.3, 1.0 },
    { 0.4, 1.0 }, { 0.5, 1.0 }, { 0.6, 1.0 }, { 0.7, 2.0 }, { 0.8, 8.0 }, { 0.9, 19.0 },
    { 0.95, 62.0 }, { 0.975, 99.0 }, { 0.99, 142.0 }, { 0.995, 170.0 }, { 0.999, 278.5 }, { 1, 749.0 }
};
static const struct quantile_point host_backlog_high_to_client_service[] = {
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 1.0 }, { 0.1, 1.0 }, { 0.2, 1.0 }, { 0.3, 2.0 },
    { 0.4, 3.0 }, { 0.5, 5.0 }, { 0.6, 7.0 }, { 0.7, 14.0 }, { 0.8, 35.0 }, { 0.9, 73.0 },
    { 0.95, 87.0 }, { 0.975, 108.0 }, { 0.99, 134.1 }, { 0.995, 159.0 }, { 0.999, 217.2 }, { 1, 584.0 }
};
#define HOST_BACKLOG_ROWS(o, s) { o, s, (int)(sizeof o / sizeof o[0]), (int)(sizeof s / sizeof s[0]) }
/* The boundary is the geometric mean of the measured lines' rates, 8256 and 110000 kbit/s. */
static const struct host_backlog_load HOST_BACKLOG_LOADS[] = {
    { HOST_BACKLOG_ROWS(host_backlog_low_to_server_own, host_backlog_low_to_server_service),
      HOST_BACKLOG_ROWS(host_backlog_low_to_client_own, host_backlog_low_to_client_service), 30136 },
    { HOST_BACKLOG_ROWS(host_backlog_high_to_server_own, host_backlog_high_to_server_service),
      HOST_BACKLOG_ROWS(host_backlog_high_to_client_own, host_backlog_high_to_client_service), 1e300 },
};

static inline const struct host_backlog_load *host_backlog_for(double line_kbps)
{
    return line_kbps <= HOST_BACKLOG_LOADS[0].line_kbps_max ? &HOST_BACKLOG_LOADS[0] : &HOST_BACKLOG_LOADS[1];
}

/* `own` and `service` at uniform draw u in [0, 1), in ns. */
static inline int64_t host_backlog_own_ns(const struct host_backlog_table *t, double u)
{
    return quantile_table_ns(t->own, t->n_own, u);
}
static inline int64_t host_backlog_service_ns(const struct host_backlog_table *t, double u)
{
    return quantile_table_ns(t->service, t->n_service, u);
}

#endif
