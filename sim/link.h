/* One direction of a line: rate, propagation delay, drop-tail FIFO, framing, counters.
 * At most three events per link are pending (end of serialization, head of the propagation pipe,
 * head of the delay line when the link has one). */
#ifndef SIM_LINK_H
#define SIM_LINK_H

#include <stdint.h>
#include "engine.h"
#include "packet.h"
#include "framing.h"
#include "hist.h"
#include "delay_line.h"
#include "tbf_watchdog.h"
#include "host_backlog.h"
#include <gsl/gsl_rng.h>

struct link_delay_line {
    const struct delay_line_table *t;
    gsl_rng       *rng;               /* owned                                                  */
    struct packet *head, *tail;       /* held, in arrival order                                 */
    sim_time_t     last;              /* when the last packet held here leaves; -SIM_NEVER: none */
    struct link_delay_line *peer;     /* the other direction's, when both share one line (one
                                         reader): a packet also leaves no sooner than one write
                                         after the peer's last (link_share_delay_line)          */
    struct sim_event out;
};

/* A host's backlog: on the kernel testbed a veth hands each packet to the next namespace with
 * netif_rx, and the stack there takes it only when the NET_RX softirq reaches it in the CPU's
 * backlog, behind whatever the backlog held: packets arriving for the host and packets it sends
 * alike, one FIFO (link_set_host_backlog).  Kept by the link that delivers into the host. */
struct link_host_backlog {
    const struct host_backlog_table *t;
    gsl_rng       *rng;               /* owned                                                  */
    struct link   *in, *out;          /* the link delivering into the host, the host's first hop */
    struct packet *head[2], *tail[2]; /* waiting, [HOST_BACKLOG_IN] and [_OUT], each in order    */
    sim_time_t     last;              /* when the last packet waiting here (either kind) leaves  */
    struct sim_event ev[2];
};

/* tbf's watchdog: a packet that waits for its tokens leaves when the watchdog's timer and the
 * softirq it schedules run, a drawn lateness after the tokens are there, unless an enqueue runs
 * the qdisc first (link_set_watchdog). */
struct link_watchdog {
    const struct tbf_watchdog_table *t;
    gsl_rng   *rng;                   /* owned                                                  */
    sim_time_t due;                   /* when the waiting packet's tokens are there             */
    int        held;                  /* the packet in the serializer waits for the watchdog    */
};

struct net;

/* A payload-carrying packet below this many IP bytes is "small" (offered_small). */
#define LINK_SMALL_IP_BYTES 100u

/* One second of a link's life, for the time series (index = whole simulated second).  A frame's
 * bytes are spread over the seconds its serialization overlaps, so no second can show more than
 * the line rate (a 1502-byte frame takes 94 ms at 128 kbit/s), or one bucket more with a bucket. */
struct link_second {
    double   wire_bytes[BC__N];
    uint32_t pkts, drops;
    double   qdelay_sum_ns;
    uint32_t qdelay_n;
};

struct link_stats {
    uint64_t wire_bytes[BC__N];      /* transmitted, by class; sums to wire_total              */
    uint64_t wire_total;
    uint64_t ip_bytes;               /* transmitted IP bytes (headers + payload)              */
    uint64_t pkts, drops, drop_wire_bytes;
    uint64_t offered_ip_bytes;       /* everything handed to the link, dropped or not: what a
                                        host's network adapter counts (NAFC)                  */
    uint64_t offered_pkts;           /* packets handed to the link, dropped or not             */
    uint64_t offered_small;          /* of them, payload-carrying non-cross packets of fewer than
                                        LINK_SMALL_IP_BYTES IP bytes (application crumbs)     */
    uint32_t max_queue_pkts;
    struct hist *qdelay;             /* time from enqueue to start of serialization; NULL unless
                                        link_track_qdelay asked for it (a metric reads it)     */
};

struct link {
    uint64_t      rate_bps;
    sim_time_t    prop_delay;
    struct framing framing;
    uint32_t      qlim_pkts;          /* 0: unlimited; the packet being serialized counts only on a veth line (tbf) */
    uint32_t      q_pkts;             /* waiting to be serialized (next to qlim_pkts: no padding) */
    uint64_t      qlim_bytes;         /* 0: unlimited (wire bytes)                             */

    struct packet *q_head, *q_tail;   /* waiting to be serialized                               */
    uint64_t       q_bytes;
    struct packet *tx;                /* being serialized (or waiting for the bucket's tokens)  */
    sim_time_t     bucket_ns;         /* 0: a serializer; else a token bucket of this much line
                                         time, as Linux's tbf (link_set_bucket)                 */
    sim_time_t     toks, t_c;         /* tokens (line time) at t_c, as tbf's q->tokens, t_c      */
    struct sim_event tx_done;
    struct packet *pipe_head, *pipe_tail;   /* propagating; FIFO because delay is constant     */
    struct sim_event arrive;
    struct net    *net;
    /* The kernel testbed's TUN delay line in front of the FIFO (link_set_delay_line); NULL: none,
     * and a link without one pays only this pointer. */
    struct link_delay_line *dl;
    /* tbf's watchdog (link_set_watchdog); NULL: a packet waiting for tokens leaves when they are there. */
    struct link_watchdog *wd;
    /* The backlog of the host this link delivers to, or of the host it leaves from
     * (link_set_host_backlog; hb->in tells which); NULL: none. */
    struct link_host_backlog *hb;

    struct link_stats   st;
    sim_time_t          stats_from;   /* counters before this time are not kept (warm-up)      */
    int                 probe;        /* keep per-second records                                */
    struct link_second *sec;
    size_t              n_sec, cap_sec;
};

void link_init(struct link *l, struct net *n, uint64_t rate_bps,
               sim_time_t prop_delay, struct framing framing, uint32_t qlim_pkts, uint64_t qlim_bytes);
void link_free(struct link *l);
/* Release packets as Linux's tbf does (tbf_dequeue) instead of serializing them: the head
 * packet leaves as soon as the bucket holds its line time, at once when it does, so after an
 * idle moment up to `bytes` of frames leave back to back; the long-run rate is the line's.
 * The bucket starts full. */
void link_set_bucket(struct link *l, uint32_t bytes);
/* Hold each packet before it enters the FIFO, as the kernel testbed's TUN delay line does on top
 * of its configured delay: every packet draws one write (t's service, inverse CDF of rng's
 * uniform draws) and leaves no sooner than that after the one before it; a packet arriving after
 * the one before it has left also draws its own extra (t's own) and leaves no sooner than that
 * after its arrival; a packet arriving while the one before it is still held draws no own (a
 * FIFO writing every packet that is due before it sleeps: none overtakes another).  The link
 * takes ownership of rng. */
void link_set_delay_line(struct link *l, const struct delay_line_table *t, gsl_rng *rng);
/* With a bucket (link_set_bucket): release a packet that had to wait for its tokens as tbf's
 * watchdog does, a lateness drawn from t (inverse CDF of rng's uniform draws) after its tokens are
 * there, or at once when a packet is enqueued in the meantime (the enqueue runs the qdisc); what
 * the tokens grew to meanwhile leaves with it.  The link takes ownership of rng. */
void link_set_watchdog(struct link *l, const struct tbf_watchdog_table *t, gsl_rng *rng);
/* Make the delay lines of `a` and `b` (both set) one line, as the kernel testbed's single TUN
 * reader is for both directions: a packet leaves no sooner than one write after the last packet
 * of either direction.  Each link still draws its own extras and keeps its own FIFO order.  The
 * caller makes the two lines' arrival times those of the real line (no constant delay before
 * either). */
void link_share_delay_line(struct link *a, struct link *b);
/* Give the host that `in` delivers to (its last hop) and that sends over `out` (its first hop;
 * NULL: not modelled) the kernel testbed's backlog: the packets `in` delivers and those the host
 * hands to `out` wait in one FIFO, each handed on a service gap drawn from t after the packet
 * ahead of it, or, when that one has already been handed on, its own wait drawn from t after it
 * came if that is later (inverse CDFs of rng's uniform draws, per kind; the delay line's rule,
 * link_set_delay_line).  `in` takes ownership of rng and of the backlog. */
void link_set_host_backlog(struct link *in, struct link *out, const struct host_backlog_table *t, gsl_rng *rng);
/* When the backlog of the host that l delivers to will have handed on every packet it holds now
 * (either kind): `now` when it is empty or l has none. */
sim_time_t link_host_backlog_until(const struct link *l, sim_time_t now);
void link_enqueue(struct net *n, struct link *l, struct packet *p);
/* Nanoseconds to serialize `wire` bytes: ceil(wire * 8e9 / rate). */
sim_time_t link_tx_time(const struct link *l, uint32_t wire);
/* Keep a queueing-delay histogram (st.qdelay) from now on: only links whose delay percentiles
 * a metric reads pay for one. */
void link_track_qdelay(struct link *l);
/* Zero the counters (end of warm-up); per-second records are kept. */
void link_reset_stats(struct link *l);
/* Packets and IP bytes still inside the link (delay line, queued, serializing, propagating,
 * in the receiving host's backlog). */
void link_in_flight(const struct link *l, uint64_t *pkts, uint64_t *ip_bytes);
/* Split a packet's wire bytes over byte classes (out[BC__N] is added to). */
void link_classify(const struct packet *p, uint32_t wire, uint64_t out[BC__N]);
/* Release every packet still inside the link back to the pool (teardown). */
void link_flush(struct link *l);

#endif
