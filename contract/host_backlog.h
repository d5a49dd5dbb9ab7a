/* How long a packet waits in the receiving host's backlog on the kernel testbed before its TCP
 * takes it, measured; the simulator's veth line draws from it (asym_link key host_backlog). */
#ifndef CONTRACT_HOST_BACKLOG_H
#define CONTRACT_HOST_BACKLOG_H

#include <stdint.h>
#include "quantile.h"

/* A veth hands its packet to the peer namespace with netif_rx (drivers/net/veth.c): the skb
 * joins the CPU's backlog and the receiving host's stack takes it when the NET_RX softirq
 * reaches it (process_backlog -> __netif_receive_skb), behind whatever the backlog held.  The
 * wait is the time from the router veth's transmit (net:net_dev_xmit on rs0 or rc0) to the
 * host veth's receive of the same skb (net:netif_receive_skb on s0 or c0), measured per packet
 * with those tracepoints (tools/host_backlog_trace.sh, reduced by tools/host_backlog_trace.py
 * --table, which writes the rows below; the trace's clock has 1-us steps), 2 December 2026 on
 * a host idle for 5 s before each run, seeds 1-3; the tracing adds about 1 us per event.  The
 * same backlog holds what the host sends meanwhile until the router's IP layer takes it
 * (ip_rcv_core's skb_orphan frees it for TCP Small Queues): measured the same way, from s0's
 * transmit to rs0's receive, 16-23 us median and 180-201 us at the 99th percentile at 100/10
 * Mbit/s.  The waits are the host's: one table per measured load, a line taking the one measured
 * nearest its rate (down + up kbit/s, on a log scale), as tbf's watchdog's tables.  Commands and
 * figures: docs/validation.md, item 41. */
struct host_backlog_table {
    const struct quantile_point *pt;                /* the wait's quantiles */
    int n;
};
struct host_backlog_load {
    struct host_backlog_table to_server, to_client;
    double line_kbps_max;                           /* used for lines up to this rate (down + up) */
};

/* Low: 8000/256 kbit/s, one bulk download and one bulk upload, FIFOs of 100 packets, 14 s from
 * 10 s of each run (1981 packets to the server, mean 3.7 us; 3002 to the client, mean 2.9 us). */
static const struct quantile_point host_backlog_low_to_server[] = {
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 1.0 }, { 0.2, 1.0 }, { 0.3, 1.0 },
    { 0.4, 1.0 }, { 0.5, 2.0 }, { 0.6, 3.0 }, { 0.7, 4.0 }, { 0.8, 5.0 }, { 0.9, 6.0 },
    { 0.95, 9.0 }, { 0.975, 15.0 }, { 0.99, 45.2 }, { 0.995, 56.3 }, { 0.999, 114.4 }, { 1, 159.0 }
};
static const struct quantile_point host_backlog_low_to_client[] = {
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 0.0 }, { 0.2, 1.0 }, { 0.3, 1.0 },
    { 0.4, 1.0 }, { 0.5, 1.0 }, { 0.6, 2.0 }, { 0.7, 2.0 }, { 0.8, 3.0 }, { 0.9, 6.0 },
    { 0.95, 9.0 }, { 0.975, 13.0 }, { 0.99, 33.0 }, { 0.995, 50.0 }, { 0.999, 92.0 }, { 1, 159.0 }
};
/* High: 100000/10000 kbit/s, 20 downloads + 5 uploads, FIFOs of 200 packets, 4 s from 10 s of
 * each run (42873 packets to the server, mean 52.9 us; 84055 to the client, mean 15.3 us). */
static const struct quantile_point host_backlog_high_to_server[] = {
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 1.0 }, { 0.1, 1.0 }, { 0.2, 4.0 }, { 0.3, 6.0 },
    { 0.4, 11.0 }, { 0.5, 17.0 }, { 0.6, 33.0 }, { 0.7, 71.0 }, { 0.8, 95.0 }, { 0.9, 143.0 },
    { 0.95, 192.0 }, { 0.975, 249.0 }, { 0.99, 331.3 }, { 0.995, 398.0 }, { 0.999, 573.3 }, { 1, 798.0 }
};
static const struct quantile_point host_backlog_high_to_client[] = {
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 0.0 }, { 0.2, 0.0 }, { 0.3, 1.0 },
    { 0.4, 1.0 }, { 0.5, 1.0 }, { 0.6, 2.0 }, { 0.7, 4.0 }, { 0.8, 11.0 }, { 0.9, 49.6 },
    { 0.95, 98.0 }, { 0.975, 140.0 }, { 0.99, 185.0 }, { 0.995, 225.7 }, { 0.999, 344.0 }, { 1, 749.0 }
};
#define HOST_BACKLOG_ROWS(a) { a, (int)(sizeof a / sizeof a[0]) }
/* The boundary is the geometric mean of the measured lines' rates, 8256 and 110000 kbit/s. */
static const struct host_backlog_load HOST_BACKLOG_LOADS[] = {
    { HOST_BACKLOG_ROWS(host_backlog_low_to_server), HOST_BACKLOG_ROWS(host_backlog_low_to_client), 30136 },
    { HOST_BACKLOG_ROWS(host_backlog_high_to_server), HOST_BACKLOG_ROWS(host_backlog_high_to_client), 1e300 },
};

static inline const struct host_backlog_load *host_backlog_for(double line_kbps)
{
    return line_kbps <= HOST_BACKLOG_LOADS[0].line_kbps_max ? &HOST_BACKLOG_LOADS[0] : &HOST_BACKLOG_LOADS[1];
}

/* The wait at uniform draw u in [0, 1): the inverse of its CDF, linear between quantiles, in ns. */
static inline int64_t host_backlog_wait_ns(const struct host_backlog_table *t, double u)
{
    return quantile_table_ns(t->pt, t->n, u);
}

#endif
