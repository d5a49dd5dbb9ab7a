/* How long a packet waits in the receiving host's backlog on the kernel testbed before its TCP
 * takes it, measured; the simulator's veth line draws from it (asym_link key host_backlog). */
#ifndef CONTRACT_HOST_BACKLOG_H
#define CONTRACT_HOST_BACKLOG_H

#include <stdint.h>
#include "quantile.h"

/* A veth hands its packet to the peer namespace with netif_rx (drivers/net/veth.c): the skb
 * joins the CPU's backlog and the receiving stack takes it when the NET_RX softirq reaches it
 * (process_backlog -> __netif_receive_skb), behind whatever the backlog held.  A host's backlog
 * holds two kinds of packets: those arriving for it (`in`: from the router veth's transmit to
 * the host veth's receive) and those it sends (`out`: from the host veth's transmit to the
 * router veth's receive, where ip_rcv_core's skb_orphan frees them for TCP Small Queues).  Both
 * kinds, in the order they are handed over, are one FIFO, and each wait is split as the delay
 * line's (contract/delay_line.h): a packet that arrives after the one ahead of it (of either kind)
 * was handed over waits its `own` time; one that arrives while that one still waits is handed
 * over a `service` gap after it, so the queueing is the model's, not drawn twice.  Measured per
 * packet with the tracepoints net:net_dev_xmit and net:netif_receive_skb on the four veths, skb
 * addresses matched (tools/host_backlog_trace.sh, reduced by tools/host_backlog_trace.py
 * --table, which writes the rows below; the trace's clock has 1-us steps), 2 December 2026 on a
 * host idle for 5 s before each run, seeds 1-3; the tracing adds about 1 us per event.  The
 * whole waits at 100/10 Mbit/s: into the server 15-24 us median, 274-381 us at the 99th
 * percentile; the server's data to the router 16-23 us median; into the client 1 us median.  The
 * waits are the host's: one set per measured load, a line taking the one measured nearest its
 * rate (down + up kbit/s, on a log scale), as tbf's watchdog's tables.  The low load's `in`
 * service rows rest on 15 and 18 gaps (a packet nearly never finds the one ahead still waiting).
 * Commands and figures: docs/validation.md, item 41. */
enum { HOST_BACKLOG_IN, HOST_BACKLOG_OUT };
struct host_backlog_table {                        /* one host: [HOST_BACKLOG_IN] and [_OUT] */
    const struct quantile_point *own[2], *service[2];
    int n_own[2], n_service[2];
};
struct host_backlog_load {
    struct host_backlog_table server, client;
    double line_kbps_max;                           /* used for lines up to this rate (down + up) */
};

/* Low: 8000/256 kbit/s, one bulk download and one bulk upload, FIFOs of 100 packets, 14 s from
 * 10 s of each run.  High: 100000/10000 kbit/s, 20 downloads + 5 uploads, FIFOs of 200 packets,
 * 4 s from 10 s of each run. */
static const struct quantile_point host_backlog_low_server_in_own[] = {  /* 1966 packets, mean 3.5 us */
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 1.0 }, { 0.2, 1.0 }, { 0.3, 1.0 },
    { 0.4, 1.0 }, { 0.5, 2.0 }, { 0.6, 3.0 }, { 0.7, 4.0 }, { 0.8, 5.0 }, { 0.9, 6.0 },
    { 0.95, 8.0 }, { 0.975, 13.0 }, { 0.99, 37.0 }, { 0.995, 53.3 }, { 0.999, 109.2 }, { 1, 159.0 }
};
static const struct quantile_point host_backlog_low_server_in_service[] = {  /* 15 packets, mean 24.1 us */
    { 0, 7.0 }, { 0.01, 7.4 }, { 0.05, 9.1 }, { 0.1, 10.4 }, { 0.2, 11.0 }, { 0.3, 11.0 },
    { 0.4, 12.2 }, { 0.5, 14.0 }, { 0.6, 15.4 }, { 0.7, 17.6 }, { 0.8, 24.2 }, { 0.9, 38.4 },
    { 0.95, 67.8 }, { 0.975, 97.9 }, { 0.99, 116.0 }, { 0.995, 122.0 }, { 0.999, 126.8 }, { 1, 128.0 }
};
static const struct quantile_point host_backlog_low_server_out_own[] = {  /* 2277 packets, mean 3.5 us */
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 0.0 }, { 0.2, 1.0 }, { 0.3, 1.0 },
    { 0.4, 1.0 }, { 0.5, 1.0 }, { 0.6, 2.0 }, { 0.7, 2.0 }, { 0.8, 3.0 }, { 0.9, 5.0 },
    { 0.95, 9.0 }, { 0.975, 11.0 }, { 0.99, 24.2 }, { 0.995, 46.2 }, { 0.999, 88.3 }, { 1, 1196.0 }
};
static const struct quantile_point host_backlog_low_server_out_service[] = {  /* 916 packets, mean 2.7 us */
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 1.0 }, { 0.1, 1.0 }, { 0.2, 1.0 }, { 0.3, 1.0 },
    { 0.4, 1.0 }, { 0.5, 2.0 }, { 0.6, 2.0 }, { 0.7, 3.0 }, { 0.8, 3.0 }, { 0.9, 5.0 },
    { 0.95, 7.0 }, { 0.975, 9.0 }, { 0.99, 21.7 }, { 0.995, 41.4 }, { 0.999, 51.5 }, { 1, 89.0 }
};
static const struct quantile_point host_backlog_low_client_in_own[] = {  /* 2984 packets, mean 2.8 us */
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 0.0 }, { 0.2, 1.0 }, { 0.3, 1.0 },
    { 0.4, 1.0 }, { 0.5, 1.0 }, { 0.6, 2.0 }, { 0.7, 2.0 }, { 0.8, 3.0 }, { 0.9, 6.0 },
    { 0.95, 8.0 }, { 0.975, 13.0 }, { 0.99, 29.5 }, { 0.995, 48.1 }, { 0.999, 92.6 }, { 1, 159.0 }
};
static const struct quantile_point host_backlog_low_client_in_service[] = {  /* 18 packets, mean 11.8 us */
    { 0, 1.0 }, { 0.01, 1.2 }, { 0.05, 1.9 }, { 0.1, 2.0 }, { 0.2, 2.4 }, { 0.3, 3.0 },
    { 0.4, 3.0 }, { 0.5, 5.0 }, { 0.6, 5.0 }, { 0.7, 5.9 }, { 0.8, 9.8 }, { 0.9, 31.7 },
    { 0.95, 55.1 }, { 0.975, 64.1 }, { 0.99, 69.4 }, { 0.995, 71.2 }, { 0.999, 72.6 }, { 1, 73.0 }
};
static const struct quantile_point host_backlog_low_client_out_own[] = {  /* 2260 packets, mean 1.9 us */
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 0.0 }, { 0.2, 0.0 }, { 0.3, 0.0 },
    { 0.4, 1.0 }, { 0.5, 1.0 }, { 0.6, 1.0 }, { 0.7, 1.0 }, { 0.8, 3.0 }, { 0.9, 4.0 },
    { 0.95, 5.0 }, { 0.975, 7.0 }, { 0.99, 15.0 }, { 0.995, 45.7 }, { 0.999, 92.5 }, { 1, 133.0 }
};
static const struct quantile_point host_backlog_low_client_out_service[] = {  /* 159 packets, mean 5.4 us */
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 1.0 }, { 0.1, 1.0 }, { 0.2, 1.0 }, { 0.3, 3.0 },
    { 0.4, 4.0 }, { 0.5, 5.0 }, { 0.6, 5.0 }, { 0.7, 6.0 }, { 0.8, 6.0 }, { 0.9, 7.0 },
    { 0.95, 9.0 }, { 0.975, 11.2 }, { 0.99, 64.3 }, { 0.995, 66.2 }, { 0.999, 66.8 }, { 1, 67.0 }
};
static const struct quantile_point host_backlog_high_server_in_own[] = {  /* 19087 packets, mean 23.4 us */
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 1.0 }, { 0.2, 1.0 }, { 0.3, 2.0 },
    { 0.4, 3.0 }, { 0.5, 5.0 }, { 0.6, 8.0 }, { 0.7, 15.0 }, { 0.8, 24.0 }, { 0.9, 78.0 },
    { 0.95, 111.0 }, { 0.975, 157.0 }, { 0.99, 213.0 }, { 0.995, 271.0 }, { 0.999, 441.8 }, { 1, 771.0 }
};
static const struct quantile_point host_backlog_high_server_in_service[] = {  /* 23786 packets, mean 14.5 us */
    { 0, 0.0 }, { 0.01, 1.0 }, { 0.05, 2.0 }, { 0.1, 2.0 }, { 0.2, 3.0 }, { 0.3, 4.0 },
    { 0.4, 4.0 }, { 0.5, 5.0 }, { 0.6, 6.0 }, { 0.7, 8.0 }, { 0.8, 12.0 }, { 0.9, 52.0 },
    { 0.95, 66.8 }, { 0.975, 85.0 }, { 0.99, 104.0 }, { 0.995, 120.0 }, { 0.999, 149.2 }, { 1, 281.0 }
};
static const struct quantile_point host_backlog_high_server_out_own[] = {  /* 10413 packets, mean 7.0 us */
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 0.0 }, { 0.2, 1.0 }, { 0.3, 1.0 },
    { 0.4, 1.0 }, { 0.5, 1.0 }, { 0.6, 2.0 }, { 0.7, 3.0 }, { 0.8, 4.0 }, { 0.9, 12.0 },
    { 0.95, 44.0 }, { 0.975, 68.7 }, { 0.99, 96.0 }, { 0.995, 119.9 }, { 0.999, 189.6 }, { 1, 490.0 }
};
static const struct quantile_point host_backlog_high_server_out_service[] = {  /* 74572 packets, mean 4.6 us */
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 1.0 }, { 0.1, 1.0 }, { 0.2, 1.0 }, { 0.3, 1.0 },
    { 0.4, 1.0 }, { 0.5, 1.0 }, { 0.6, 2.0 }, { 0.7, 2.0 }, { 0.8, 2.0 }, { 0.9, 5.0 },
    { 0.95, 27.0 }, { 0.975, 50.0 }, { 0.99, 77.0 }, { 0.995, 91.0 }, { 0.999, 132.4 }, { 1, 259.0 }
};
static const struct quantile_point host_backlog_high_client_in_own[] = {  /* 74512 packets, mean 9.2 us */
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 0.0 }, { 0.2, 0.0 }, { 0.3, 1.0 },
    { 0.4, 1.0 }, { 0.5, 1.0 }, { 0.6, 1.0 }, { 0.7, 2.0 }, { 0.8, 7.0 }, { 0.9, 17.0 },
    { 0.95, 59.0 }, { 0.975, 97.0 }, { 0.99, 139.0 }, { 0.995, 168.0 }, { 0.999, 268.0 }, { 1, 749.0 }
};
static const struct quantile_point host_backlog_high_client_in_service[] = {  /* 9543 packets, mean 19.4 us */
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 1.0 }, { 0.1, 1.0 }, { 0.2, 1.0 }, { 0.3, 2.0 },
    { 0.4, 3.0 }, { 0.5, 4.0 }, { 0.6, 7.0 }, { 0.7, 13.0 }, { 0.8, 34.0 }, { 0.9, 70.0 },
    { 0.95, 86.0 }, { 0.975, 106.0 }, { 0.99, 134.0 }, { 0.995, 157.3 }, { 0.999, 209.5 }, { 1, 584.0 }
};
static const struct quantile_point host_backlog_high_client_out_own[] = {  /* 37168 packets, mean 1.5 us */
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 0.0 }, { 0.1, 0.0 }, { 0.2, 0.0 }, { 0.3, 0.0 },
    { 0.4, 0.0 }, { 0.5, 1.0 }, { 0.6, 1.0 }, { 0.7, 1.0 }, { 0.8, 1.0 }, { 0.9, 1.0 },
    { 0.95, 2.0 }, { 0.975, 7.0 }, { 0.99, 34.0 }, { 0.995, 56.0 }, { 0.999, 107.8 }, { 1, 757.0 }
};
static const struct quantile_point host_backlog_high_client_out_service[] = {  /* 6619 packets, mean 5.3 us */
    { 0, 0.0 }, { 0.01, 0.0 }, { 0.05, 1.0 }, { 0.1, 1.0 }, { 0.2, 1.0 }, { 0.3, 1.0 },
    { 0.4, 2.0 }, { 0.5, 2.0 }, { 0.6, 2.0 }, { 0.7, 3.0 }, { 0.8, 4.0 }, { 0.9, 7.0 },
    { 0.95, 25.0 }, { 0.975, 51.0 }, { 0.99, 79.0 }, { 0.995, 100.9 }, { 0.999, 129.9 }, { 1, 168.0 }
};
#define HOST_BACKLOG_N(a) ((int)(sizeof a / sizeof a[0]))
#define HOST_BACKLOG_HOST(l, h)                                                                     \
    { { host_backlog_##l##_##h##_in_own, host_backlog_##l##_##h##_out_own },                        \
      { host_backlog_##l##_##h##_in_service, host_backlog_##l##_##h##_out_service },                \
      { HOST_BACKLOG_N(host_backlog_##l##_##h##_in_own), HOST_BACKLOG_N(host_backlog_##l##_##h##_out_own) }, \
      { HOST_BACKLOG_N(host_backlog_##l##_##h##_in_service), HOST_BACKLOG_N(host_backlog_##l##_##h##_out_service) } }
/* The boundary is the geometric mean of the measured lines' rates, 8256 and 110000 kbit/s. */
static const struct host_backlog_load HOST_BACKLOG_LOADS[] = {
    { HOST_BACKLOG_HOST(low, server), HOST_BACKLOG_HOST(low, client), 30136 },
    { HOST_BACKLOG_HOST(high, server), HOST_BACKLOG_HOST(high, client), 1e300 },
};

static inline const struct host_backlog_load *host_backlog_for(double line_kbps)
{
    return line_kbps <= HOST_BACKLOG_LOADS[0].line_kbps_max ? &HOST_BACKLOG_LOADS[0] : &HOST_BACKLOG_LOADS[1];
}

/* A packet of kind k's `own` and `service` at uniform draw u in [0, 1), in ns. */
static inline int64_t host_backlog_own_ns(const struct host_backlog_table *t, int k, double u)
{
    return quantile_table_ns(t->own[k], t->n_own[k], u);
}
static inline int64_t host_backlog_service_ns(const struct host_backlog_table *t, int k, double u)
{
    return quantile_table_ns(t->service[k], t->n_service[k], u);
}

#endif
