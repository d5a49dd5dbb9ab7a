/* How the kernel testbed's agents serve their sockets, measured; the simulator's readers on the
 * veth line draw from it (asym_link key reader_loop). */
#ifndef CONTRACT_READER_LOOP_H
#define CONTRACT_READER_LOOP_H

#include <stdint.h>
#include "quantile.h"

/* Each host's agent (kernel/agent.c) is one epoll loop: it sleeps in epoll_wait, is woken when a
 * socket becomes readable (or a bulk sender writable), drains each ready socket with recv until
 * EAGAIN (refills a sender with send until EAGAIN), and calls epoll_wait again, which returns at
 * once if another socket became ready meanwhile.  Two times describe it:
 *  - `wake`: from the wake-up's start (sched:sched_waking, the socket's data or space waking the
 *    sleeping loop) to its first read (tcp:tcp_rcv_space_adjust in its recvfrom) or refill.
 *    Bimodal on this two-vCPU guest: a loop woken on the CPU that ran the softirq reads within
 *    5-15 us; one woken on the other, idle vCPU waits for the IPI and the halted vCPU, 70-140 us;
 *    the server's loop also waits behind the softirqs that send the downloads.
 *  - `busy`: from the start of one socket's service (its read, or a refill's first sendto) to the
 *    next one's or to the loop's sleep (sched_switch in epoll_wait): the recv/send calls, the
 *    epoll_wait that found the next socket, and whatever took the CPU meanwhile (the delay line's
 *    real-time thread, softirqs).  A socket that became ready during it is served when it ends.
 * Measured with tools/reader_loop_trace.sh (tracepoints on the agents' system calls, wake-ups and
 * switches; about 1 us per event added), reduced by tools/reader_loop_trace.py --table, which writes
 * the rows below, seeds 1-3 pooled, 2 December 2026, a host idle for 5 s before each run.  At
 * 100/10 Mbit/s 91.6 % of the client's ACKs left from its reads (Linux's tcp_cleanup_rbuf), 8.4 %
 * from a softirq.  `wake` starts at the scheduler's sched_waking: a socket's first segment is no
 * start, as a segment behind a hole is not readable until the hole fills.  As the hosts' backlogs
 * (contract/host_backlog.h), one set per measured load, a line taking the one measured nearest its
 * rate.  Figures: docs/validation.md, item 42. */
struct reader_loop_host {
    const struct quantile_point *wake, *busy;
    int n_wake, n_busy;
};
struct reader_loop_load {
    struct reader_loop_host server, client;
    double line_kbps_max;                           /* used for lines up to this rate (down + up) */
};

/* Low: 8000/256 kbit/s, one bulk download and one bulk upload, FIFOs of 100 packets, 14 s from
 * 10 s of each run.  High: 100000/10000 kbit/s, 20 downloads + 5 uploads, FIFOs of 200 packets,
 * 2 s from 12 s of each run (each 2 s trace holds 6000-9000 reads). */
static const struct quantile_point reader_loop_low_server_wake[] = {  /* 389 wake-ups, mean 105.2 us */
    { 0, 21.0 }, { 0.01, 26.9 }, { 0.05, 31.0 }, { 0.1, 33.0 }, { 0.2, 36.0 }, { 0.3, 39.0 },
    { 0.4, 42.2 }, { 0.5, 52.0 }, { 0.6, 73.8 }, { 0.7, 95.0 }, { 0.8, 124.0 }, { 0.9, 168.0 },
    { 0.95, 204.4 }, { 0.975, 250.1 }, { 0.99, 313.7 }, { 0.995, 2578.4 }, { 0.999, 3894.5 }, { 1, 4000.0 }
};
static const struct quantile_point reader_loop_low_server_busy[] = {  /* 397 sockets served, mean 61.7 us */
    { 0, 6.0 }, { 0.01, 7.0 }, { 0.05, 10.0 }, { 0.1, 11.0 }, { 0.2, 13.0 }, { 0.3, 13.0 },
    { 0.4, 14.0 }, { 0.5, 15.0 }, { 0.6, 17.0 }, { 0.7, 20.0 }, { 0.8, 38.0 }, { 0.9, 62.8 },
    { 0.95, 135.8 }, { 0.975, 342.0 }, { 0.99, 759.7 }, { 0.995, 2049.0 }, { 0.999, 3518.1 }, { 1, 3808.0 }
};
static const struct quantile_point reader_loop_low_client_wake[] = {  /* 4490 wake-ups, mean 45.0 us */
    { 0, 5.0 }, { 0.01, 6.0 }, { 0.05, 7.0 }, { 0.1, 7.0 }, { 0.2, 10.0 }, { 0.3, 10.0 },
    { 0.4, 11.0 }, { 0.5, 12.0 }, { 0.6, 13.0 }, { 0.7, 15.0 }, { 0.8, 26.0 }, { 0.9, 74.0 },
    { 0.95, 129.0 }, { 0.975, 177.8 }, { 0.99, 265.2 }, { 0.995, 356.4 }, { 0.999, 3994.9 }, { 1, 18309.0 }
};
static const struct quantile_point reader_loop_low_client_busy[] = {  /* 4507 sockets served, mean 26.2 us */
    { 0, 4.0 }, { 0.01, 5.0 }, { 0.05, 5.0 }, { 0.1, 5.6 }, { 0.2, 6.0 }, { 0.3, 6.0 },
    { 0.4, 7.0 }, { 0.5, 10.0 }, { 0.6, 26.0 }, { 0.7, 31.0 }, { 0.8, 36.0 }, { 0.9, 53.0 },
    { 0.95, 70.0 }, { 0.975, 95.3 }, { 0.99, 123.9 }, { 0.995, 152.4 }, { 0.999, 712.4 }, { 1, 3923.0 }
};
static const struct quantile_point reader_loop_high_server_wake[] = {  /* 4034 wake-ups, mean 159.5 us */
    { 0, 5.0 }, { 0.01, 8.0 }, { 0.05, 11.0 }, { 0.1, 14.0 }, { 0.2, 20.0 }, { 0.3, 32.0 },
    { 0.4, 64.0 }, { 0.5, 89.0 }, { 0.6, 101.0 }, { 0.7, 121.0 }, { 0.8, 154.0 }, { 0.9, 287.7 },
    { 0.95, 604.7 }, { 0.975, 1000.2 }, { 0.99, 1824.4 }, { 0.995, 2475.3 }, { 0.999, 3554.6 }, { 1, 5455.0 }
};
static const struct quantile_point reader_loop_high_server_busy[] = {  /* 4216 sockets served, mean 58.0 us */
    { 0, 4.0 }, { 0.01, 5.0 }, { 0.05, 6.0 }, { 0.1, 6.0 }, { 0.2, 7.0 }, { 0.3, 9.0 },
    { 0.4, 11.0 }, { 0.5, 15.0 }, { 0.6, 25.0 }, { 0.7, 42.0 }, { 0.8, 64.0 }, { 0.9, 122.0 },
    { 0.95, 223.2 }, { 0.975, 358.9 }, { 0.99, 721.2 }, { 0.995, 1018.6 }, { 0.999, 1704.9 }, { 1, 2908.0 }
};
static const struct quantile_point reader_loop_high_client_wake[] = {  /* 17361 wake-ups, mean 61.3 us */
    { 0, 4.0 }, { 0.01, 4.0 }, { 0.05, 4.0 }, { 0.1, 5.0 }, { 0.2, 5.0 }, { 0.3, 8.0 },
    { 0.4, 13.0 }, { 0.5, 16.0 }, { 0.6, 53.0 }, { 0.7, 80.0 }, { 0.8, 97.0 }, { 0.9, 124.0 },
    { 0.95, 160.0 }, { 0.975, 230.0 }, { 0.99, 536.8 }, { 0.995, 933.4 }, { 0.999, 1919.8 }, { 1, 4306.0 }
};
static const struct quantile_point reader_loop_high_client_busy[] = {  /* 24513 sockets served, mean 42.7 us */
    { 0, 2.0 }, { 0.01, 4.0 }, { 0.05, 5.0 }, { 0.1, 5.0 }, { 0.2, 6.0 }, { 0.3, 7.0 },
    { 0.4, 9.0 }, { 0.5, 12.0 }, { 0.6, 19.0 }, { 0.7, 24.0 }, { 0.8, 35.0 }, { 0.9, 101.0 },
    { 0.95, 152.0 }, { 0.975, 249.0 }, { 0.99, 474.9 }, { 0.995, 734.4 }, { 0.999, 2005.8 }, { 1, 4920.0 }
};
#define READER_LOOP_N(a) ((int)(sizeof a / sizeof a[0]))
#define READER_LOOP_HOST(l, h)                                                                      \
    { reader_loop_##l##_##h##_wake, reader_loop_##l##_##h##_busy,                                   \
      READER_LOOP_N(reader_loop_##l##_##h##_wake), READER_LOOP_N(reader_loop_##l##_##h##_busy) }
/* The boundary is the geometric mean of the measured lines' rates, 8256 and 110000 kbit/s, as the
 * hosts' backlogs'. */
static const struct reader_loop_load READER_LOOP_LOADS[] = {
    { READER_LOOP_HOST(low, server), READER_LOOP_HOST(low, client), 30136 },
    { READER_LOOP_HOST(high, server), READER_LOOP_HOST(high, client), 1e300 },
};

static inline const struct reader_loop_load *reader_loop_for(double line_kbps)
{
    return line_kbps <= READER_LOOP_LOADS[0].line_kbps_max ? &READER_LOOP_LOADS[0] : &READER_LOOP_LOADS[1];
}

/* A loop's wake-up and busy time at uniform draw u in [0, 1), in ns. */
static inline int64_t reader_loop_wake_ns(const struct reader_loop_host *h, double u)
{
    return quantile_table_ns(h->wake, h->n_wake, u);
}
static inline int64_t reader_loop_busy_ns(const struct reader_loop_host *h, double u)
{
    return quantile_table_ns(h->busy, h->n_busy, u);
}

#endif
