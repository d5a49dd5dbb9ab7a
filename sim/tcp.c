/* TCP NewReno over the simulated network: RFC 5681 congestion control with RFC 3465 byte
 * counting, RFC 6582 recovery, RFC 6298 timers, RFC 1122 delayed ACKs, receive window, persist. */
#include "tcp.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SYN_OPTIONS 8u        /* MSS (4) + window scale (3) + NOP (1) */
#define DUPACK_THRESH 3u

static void tcp_input(struct net *n, void *ctx, struct packet *p);
static void on_rto(struct sim *s, struct sim_event *ev);
static void on_delack(struct sim *s, struct sim_event *ev);
static void on_persist(struct sim *s, struct sim_event *ev);
static void tcp_output(struct tcp_ep *ep);

void tcp_cfg_default(struct tcp_cfg *c)
{
    c->mss = 1460;
    c->timestamps = 0;
    c->sack = 1;
    c->cubic = 0;
    c->delack_count = 2;
    c->delack_timeout = SIM_MS(40);
    c->init_cwnd = 10;
    c->rcvbuf = 262144;
    c->sndbuf = 262144;
    c->rto_min = SIM_MS(200);
    c->rto_initial = SIM_SEC(1);
    c->rto_max = SIM_SEC(60);
}

static inline struct net *ep_net(const struct tcp_ep *ep) { return ep->conn->net; }
static inline const struct tcp_cfg *ep_cfg(const struct tcp_ep *ep) { return &ep->conn->cfg; }
static inline sim_time_t ep_now(const struct tcp_ep *ep) { return ep->conn->net->sim.now; }
static inline uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

static void ep_init(struct tcp_ep *ep, struct tcp_conn *c, struct tcp_ep *peer, const struct path *out)
{
    memset(ep, 0, sizeof *ep);
    ep->conn = c;
    ep->peer = peer;
    ep->out = out;
    ep->state = TCP_CLOSED;
    ep->cwnd = c->cfg.init_cwnd * c->cfg.mss;
    ep->ssthresh = UINT32_MAX;          /* RFC 5681: arbitrarily high, cut at the first loss */
    ep->rto = c->cfg.rto_initial;
    ep->snd_wnd = c->cfg.mss;           /* until the peer's first advertisement arrives */
    ep->rcv_wnd_adv = c->cfg.rcvbuf;
    sim_event_init(&ep->rto_timer, on_rto, ep);
    sim_event_init(&ep->persist_timer, on_persist, ep);
    sim_event_init(&ep->delack_timer, on_delack, ep);
}

void tcp_conn_init(struct tcp_conn *c, struct net *n, const struct tcp_cfg *cfg,
                   const struct path *fwd, const struct path *rev)
{
    memset(c, 0, sizeof *c);
    c->net = n;
    c->cfg = *cfg;
    c->hdr = (uint16_t)(IPV4_HDR + TCP_HDR + (cfg->timestamps ? TCP_TS_OPT : 0u));
    c->path[0] = *fwd;
    c->path[1] = *rev;
    c->path[0].sink = tcp_input; c->path[0].ctx = &c->ep[1];
    c->path[1].sink = tcp_input; c->path[1].ctx = &c->ep[0];
    ep_init(&c->ep[0], c, &c->ep[1], &c->path[0]);
    ep_init(&c->ep[1], c, &c->ep[0], &c->path[1]);
}

void tcp_conn_free(struct tcp_conn *c)
{
    for (int i = 0; i < 2; i++) {
        struct tcp_ep *ep = &c->ep[i];
        sim_cancel(&c->net->sim, &ep->rto_timer);
        sim_cancel(&c->net->sim, &ep->persist_timer);
        sim_cancel(&c->net->sim, &ep->delack_timer);
        free(ep->marks);
        ep->marks = NULL;
        ivl_free(&ep->ooo);
        ivl_free(&ep->sacked);
    }
}

void tcp_set_app(struct tcp_ep *ep, const struct tcp_app_ops *ops, void *app)
{
    ep->app_ops = ops;
    ep->app = app;
}

/* ---------------------------------------------------------------- receive window and ACKs */

/* What we may advertise: buffer minus unread in-order bytes.  Out-of-order bytes are not
 * subtracted (as RFC 793's receive window counts from rcv_nxt). */
static uint32_t rcv_window(const struct tcp_ep *ep)
{
    uint64_t unread = ep->rcv_nxt - ep->rcv_read;
    uint32_t buf = ep_cfg(ep)->rcvbuf;
    return unread >= buf ? 0 : (uint32_t)(buf - unread);
}

static struct packet *new_segment(struct tcp_ep *ep)
{
    struct net *n = ep_net(ep);
    struct packet *p = pkt_alloc(&n->pool);
    p->proto = PROTO_TCP;
    p->hdr_bytes = ep->conn->hdr;
    p->flags = TCPF_ACK;
    p->cross = ep->conn->cross;
    p->ack = ep->rcv_nxt;
    p->rwnd = rcv_window(ep);
    p->ts_val = n->sim.now;
    p->ts_ecr = ep->ts_recent;
    if (ep->conn->cfg.sack && ep->ooo.n) {
        /* RFC 2018: the block holding the latest arrival first, then the others, highest first. */
        long first = ivl_find(&ep->ooo, ep->last_ooo_seq);
        if (first >= 0) {
            p->sack[0][0] = ep->ooo.v[2 * first];
            p->sack[0][1] = ep->ooo.v[2 * first + 1];
            p->n_sack = 1;
        }
        for (long i = (long)ep->ooo.n - 1; i >= 0 && p->n_sack < TCP_MAX_SACK; i--) {
            if (i == first) continue;
            p->sack[p->n_sack][0] = ep->ooo.v[2 * i];
            p->sack[p->n_sack][1] = ep->ooo.v[2 * i + 1];
            p->n_sack++;
        }
        p->hdr_bytes = (uint16_t)(p->hdr_bytes + 4u + 8u * p->n_sack);   /* 2 NOP + kind/len + blocks */
    }
    return p;
}

/* Every segment we send acknowledges rcv_nxt, so it cancels a pending delayed ACK. */
static void sent_ack(struct tcp_ep *ep, uint32_t wnd)
{
    ep->segs_unacked = 0;
    ep->rcv_wnd_adv = wnd;
    ep->last_ack_sent = ep->rcv_nxt;
    ep->rcv_adv_edge = ep->rcv_nxt + wnd;
    sim_cancel(&ep_net(ep)->sim, &ep->delack_timer);
}

static void send_pure_ack(struct tcp_ep *ep)
{
    struct packet *p = new_segment(ep);
    p->seq = ep->snd_nxt;
    ep->st.segs_out++;
    ep->st.pure_acks_out++;
    sent_ack(ep, p->rwnd);
    net_send(ep_net(ep), ep->out, p);
}

static void on_delack(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct tcp_ep *ep = ev->ctx;
    send_pure_ack(ep);
}

/* ---------------------------------------------------------------- send side */

uint32_t tcp_send_space(const struct tcp_ep *ep)
{
    uint64_t used = ep->write_seq - ep->snd_una;
    uint32_t buf = ep_cfg(ep)->sndbuf;
    return used >= buf ? 0 : (uint32_t)(buf - used);
}

static void add_mark(struct tcp_ep *ep, uint64_t end, int ctrl)
{
    if (ep->n_marks > ep->mark_head && ep->marks[ep->n_marks - 1].ctrl == (uint8_t)ctrl) {
        ep->marks[ep->n_marks - 1].end = end;
        return;
    }
    if (ep->mark_head > 0 && ep->n_marks == ep->cap_marks) {
        /* Reclaim the acknowledged prefix before growing. */
        memmove(ep->marks, ep->marks + ep->mark_head, (ep->n_marks - ep->mark_head) * sizeof *ep->marks);
        ep->n_marks -= ep->mark_head;
        ep->mark_head = 0;
    }
    if (ep->n_marks == ep->cap_marks) {
        ep->cap_marks = ep->cap_marks ? 2 * ep->cap_marks : 16;
        struct tcp_mark *m = realloc(ep->marks, ep->cap_marks * sizeof *m);
        if (!m) { perror("tcp"); exit(1); }
        ep->marks = m;
    }
    ep->marks[ep->n_marks++] = (struct tcp_mark){ end, (uint8_t)ctrl };
}

/* Control bytes within [start, end): walk the marks from the first one ending after start. */
static uint32_t ctrl_bytes(const struct tcp_ep *ep, uint64_t start, uint64_t end)
{
    uint64_t run_start = 0;
    uint32_t ctrl = 0;
    size_t i = ep->mark_head;
    if (i > 0) run_start = ep->marks[i - 1].end;
    for (; i < ep->n_marks && run_start < end; i++) {
        uint64_t run_end = ep->marks[i].end;
        if (ep->marks[i].ctrl && run_end > start) {
            uint64_t a = max_u64(run_start, start), b = min_u64(run_end, end);
            if (b > a) ctrl += (uint32_t)(b - a);
        }
        run_start = run_end;
    }
    return ctrl;
}

static void drop_acked_marks(struct tcp_ep *ep)
{
    while (ep->mark_head < ep->n_marks && ep->marks[ep->mark_head].end <= ep->snd_una) ep->mark_head++;
    if (ep->mark_head == ep->n_marks) ep->mark_head = ep->n_marks = 0;
}

uint32_t tcp_write(struct tcp_ep *ep, uint32_t len, int ctrl)
{
    ep->st.write_calls++;
    uint32_t space = tcp_send_space(ep);
    uint32_t take = len < space ? len : space;
    if (take == 0) { ep->st.write_blocked++; return 0; }
    ep->write_seq += take;
    add_mark(ep, ep->write_seq, ctrl);
    if (ep->state == TCP_ESTABLISHED) tcp_output(ep);
    return take;
}

static void arm_rto(struct tcp_ep *ep)
{
    sim_time_t rto = ep->rto << ep->backoff;
    if (rto > ep_cfg(ep)->rto_max || rto <= 0) rto = ep_cfg(ep)->rto_max;
    sim_schedule_in(&ep_net(ep)->sim, &ep->rto_timer, rto);
}

/* A zero-window probe does not advance snd_max: its byte is not "outstanding" data, so the
 * receiver's zero-window answers are not mistaken for duplicate ACKs. */
static void send_data_segment(struct tcp_ep *ep, uint64_t seq, uint32_t len, int probe)
{
    struct packet *p = new_segment(ep);
    p->seq = seq;
    p->payload = len;
    p->ctrl = ctrl_bytes(ep, seq, seq + len);
    ep->st.segs_out++;
    ep->st.data_segs_out++;
    if (probe) {
        ep->st.persist_probes++;
    } else if (seq < ep->snd_max) {
        ep->st.retrans_segs++;
        ep->st.retrans_bytes += len;
        if (ep->rtt_timing && seq <= ep->rtt_seq) ep->rtt_timing = 0;   /* Karn: never time a retransmission */
    } else if (!ep->rtt_timing && !ep_cfg(ep)->timestamps) {
        ep->rtt_timing = 1;
        ep->rtt_seq = seq;
        ep->rtt_time = ep_now(ep);
    }
    if (!probe && seq + len > ep->snd_max) ep->snd_max = seq + len;
    sent_ack(ep, p->rwnd);
    if (!probe && !sim_event_pending(&ep->rto_timer)) arm_rto(ep);
    net_send(ep_net(ep), ep->out, p);
}

/* ---- RFC 6675 SACK-based recovery.  A hole is lost once more than (DupThresh - 1) * SMSS bytes
 * above it are SACKed; lost_edge is the start of the SACKed run where that sum is first exceeded
 * (counting from the top), so every unSACKed byte below it is lost. */
static uint64_t sack_lost_edge(const struct tcp_ep *ep)
{
    uint64_t acc = 0, limit = (uint64_t)(DUPACK_THRESH - 1) * ep_cfg(ep)->mss;
    for (size_t i = ep->sacked.n; i-- > 0;) {
        acc += ep->sacked.v[2 * i + 1] - ep->sacked.v[2 * i];
        if (acc > limit) return ep->sacked.v[2 * i];
    }
    return ep->snd_una;
}

/* SACKed bytes inside [a, b). */
static uint64_t sacked_within(const struct tcp_ep *ep, uint64_t a, uint64_t b)
{
    uint64_t n = 0;
    for (size_t i = 0; i < ep->sacked.n; i++) {
        uint64_t s = max_u64(ep->sacked.v[2 * i], a), e = min_u64(ep->sacked.v[2 * i + 1], b);
        if (e > s) n += e - s;
    }
    return n;
}

/* RFC 6675 "pipe": bytes presumed in the network = outstanding - SACKed - lost and not yet resent. */
static uint64_t sack_pipe(const struct tcp_ep *ep, uint64_t lost_edge)
{
    uint64_t out = ep->snd_max - ep->snd_una - ivl_bytes(&ep->sacked);
    uint64_t from = max_u64(ep->high_rxt, ep->snd_una);
    if (lost_edge > from) {
        uint64_t lost = (lost_edge - from) - sacked_within(ep, from, lost_edge);
        out = out > lost ? out - lost : 0;
    }
    return out;
}

/* RFC 6675 NextSeg rule 1: the first lost, not yet retransmitted hole at or after HighRxt. */
static int sack_next_hole(const struct tcp_ep *ep, uint64_t lost_edge, uint64_t *seq, uint32_t *len)
{
    uint64_t cur = max_u64(ep->high_rxt, ep->snd_una);
    for (size_t i = 0; i < ep->sacked.n && cur < lost_edge; i++) {
        uint64_t s = ep->sacked.v[2 * i], e = ep->sacked.v[2 * i + 1];
        if (e <= cur) continue;
        if (s > cur) break;                 /* cur sits in a hole that ends at s */
        cur = e;                            /* cur was inside a SACKed run: skip it */
    }
    if (cur >= lost_edge) return 0;
    uint64_t end = lost_edge;
    for (size_t i = 0; i < ep->sacked.n; i++)
        if (ep->sacked.v[2 * i] > cur) { end = min_u64(end, ep->sacked.v[2 * i]); break; }
    *seq = cur;
    *len = (uint32_t)min_u64(ep_cfg(ep)->mss, end - cur);
    return 1;
}

static void sack_output(struct tcp_ep *ep)
{
    uint32_t mss = ep_cfg(ep)->mss;
    for (;;) {
        uint64_t edge = sack_lost_edge(ep);
        if (sack_pipe(ep, edge) + mss > ep->cwnd) break;      /* cwnd - pipe >= 1 SMSS */
        uint64_t seq;
        uint32_t len;
        if (sack_next_hole(ep, edge, &seq, &len)) {
            send_data_segment(ep, seq, len, 0);
            ep->high_rxt = seq + len;
            continue;
        }
        uint64_t unsent = ep->write_seq - ep->snd_nxt, flight = ep->snd_nxt - ep->snd_una;
        if (unsent == 0 || flight >= ep->snd_wnd) break;
        len = (uint32_t)min_u64(min_u64(mss, unsent), ep->snd_wnd - flight);
        if (len < mss && len < unsent && len < ep->max_snd_wnd / 2) break;
        send_data_segment(ep, ep->snd_nxt, len, 0);
        ep->snd_nxt += len;
    }
}

/* Send what the windows allow.  In NewReno recovery the inflated cwnd (RFC 6582 step 4) governs;
 * in SACK recovery the pipe estimate does. */
static void tcp_output(struct tcp_ep *ep)
{
    if (ep->state != TCP_ESTABLISHED) return;
    if (ep->in_recovery && ep_cfg(ep)->sack) { sack_output(ep); return; }
    uint32_t mss = ep_cfg(ep)->mss;
    for (;;) {
        uint64_t flight = ep->snd_nxt - ep->snd_una;
        uint64_t wnd = min_u64(ep->cwnd, ep->snd_wnd);
        uint64_t unsent = ep->write_seq - ep->snd_nxt;
        if (unsent == 0) break;
        if (ep->snd_wnd == 0 && flight == 0) {
            /* Zero window and nothing in flight: only the persist timer can learn of an opening. */
            if (!sim_event_pending(&ep->persist_timer)) {
                sim_time_t t = ep->rto << ep->backoff;
                if (t > ep_cfg(ep)->rto_max) t = ep_cfg(ep)->rto_max;
                sim_schedule_in(&ep_net(ep)->sim, &ep->persist_timer, t);
            }
            break;
        }
        if (flight >= wnd) break;
        uint64_t room = wnd - flight;
        uint32_t len = (uint32_t)min_u64(min_u64(mss, unsent), room);
        /* Sender-side silly-window avoidance (RFC 1122 4.2.3.4) without Nagle: send a full
         * segment, all that is left, or at least half the largest window the peer offered. */
        if (len < mss && len < unsent && len < ep->max_snd_wnd / 2) break;
        send_data_segment(ep, ep->snd_nxt, len, 0);
        ep->snd_nxt += len;
    }
}

static void on_persist(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct tcp_ep *ep = ev->ctx;
    if (ep->snd_wnd > 0 || ep->write_seq == ep->snd_nxt) { tcp_output(ep); return; }
    /* Zero-window probe: one byte beyond the window; the receiver answers with its window. */
    send_data_segment(ep, ep->snd_nxt, 1, 1);
    if (ep->backoff < 16) ep->backoff++;
    sim_time_t t = ep->rto << ep->backoff;
    if (t > ep_cfg(ep)->rto_max || t <= 0) t = ep_cfg(ep)->rto_max;
    sim_schedule_in(&ep_net(ep)->sim, &ep->persist_timer, t);
}

/* ssthresh after a congestion event.  RFC 5681: max(FlightSize / 2, 2 SMSS).  RFC 9438: cwnd * 0.7,
 * remembering W_max (lowered further when the window had not regained the last one: "fast
 * convergence", which yields bandwidth to newer flows) and ending the growth epoch. */
#define CUBIC_C    0.4
#define CUBIC_BETA 0.7
static uint32_t loss_ssthresh(struct tcp_ep *ep)
{
    uint32_t mss = ep_cfg(ep)->mss;
    if (!ep_cfg(ep)->cubic) return (uint32_t)max_u64((ep->snd_max - ep->snd_una) / 2, 2u * mss);
    double w = (double)ep->cwnd / mss;
    ep->cubic_wmax = w < ep->cubic_wmax ? w * (1 + CUBIC_BETA) / 2 : w;
    ep->cubic_epoch = 0;
    return (uint32_t)fmax(w * CUBIC_BETA * mss, 2.0 * mss);
}

/* RFC 9438 4.2-4.4: in congestion avoidance the window follows W_cubic(t) = C (t - K)^3 + W_max,
 * aiming one RTT ahead and at most 1.5 cwnd, but never below the Reno-friendly estimate W_est. */
static void cubic_grow(struct tcp_ep *ep, uint64_t acked)
{
    double mss = ep_cfg(ep)->mss, w = (double)ep->cwnd / mss, segs = (double)acked / mss;
    sim_time_t now = ep_now(ep);
    if (ep->cubic_epoch == 0) {
        ep->cubic_epoch = now > 0 ? now : 1;
        if (ep->cubic_wmax < w) ep->cubic_wmax = w;
        ep->cubic_k = cbrt((ep->cubic_wmax - w) / CUBIC_C);
        ep->cubic_west = w;
    }
    double rtt = ep->rtt_valid ? (double)ep->srtt / 1e9 : 0.1;
    double t = (double)(now - ep->cubic_epoch) / 1e9;
    double target = CUBIC_C * pow(t + rtt - ep->cubic_k, 3) + ep->cubic_wmax;
    if (target > 1.5 * w) target = 1.5 * w;
    ep->cubic_west += 3 * (1 - CUBIC_BETA) / (1 + CUBIC_BETA) * segs / w;
    if (ep->cubic_west > target) target = ep->cubic_west;          /* Reno-friendly region */
    if (target > w) w += (target - w) / w * segs;
    ep->cwnd = (uint32_t)(w * mss);
}

static void on_rto(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct tcp_ep *ep = ev->ctx;
    uint32_t mss = ep_cfg(ep)->mss;
    if (ep->state == TCP_SYN_SENT || ep->state == TCP_SYN_RCVD) {
        /* Lost SYN or SYN-ACK: resend it with backoff. */
        ep->st.rto_expiries++;
        if (ep->backoff < 16) ep->backoff++;
        struct packet *p = new_segment(ep);
        p->flags = ep->state == TCP_SYN_SENT ? TCPF_SYN : (TCPF_SYN | TCPF_ACK);
        p->hdr_bytes = (uint16_t)(p->hdr_bytes + SYN_OPTIONS);
        p->seq = 0;
        ep->st.segs_out++;
        net_send(ep_net(ep), ep->out, p);
        arm_rto(ep);
        return;
    }
    if (ep->snd_una == ep->snd_max) return;
    ep->st.rto_expiries++;
    /* RFC 5681 (4): ssthresh as for any congestion event; cwnd = loss window = 1 SMSS. */
    ep->ssthresh = loss_ssthresh(ep);
    ep->cwnd = mss;
    ep->bytes_acked_ca = 0;
    ep->in_recovery = 0;
    ep->dupacks = 0;
    ep->recover = ep->snd_max;      /* RFC 6582 4.2: no fast retransmit for dupacks of the old window */
    ep->snd_nxt = ep->snd_una;      /* go back N */
    ivl_clear(&ep->sacked);         /* RFC 2018: after a timeout SACK information is not trusted */
    ep->high_rxt = ep->snd_una;
    ep->rtt_timing = 0;
    if (ep->backoff < 16) ep->backoff++;   /* RFC 6298 (5.5) */
    arm_rto(ep);
    tcp_output(ep);
}

/* RFC 6298 (2.2)/(2.3) with alpha 1/8, beta 1/4, G = 1 ms. */
static void rtt_sample(struct tcp_ep *ep, sim_time_t r)
{
    if (r <= 0) r = 1;
    /* Karn: the backed-off RTO stays until a valid sample, i.e. an ACK for data that was not
     * retransmitted.  Clearing it on any new ACK lets the ACKs of segments queued before a
     * (spurious) timeout re-arm the old, too-short RTO, and on a slow line every RTO then fires
     * again while the original segments are still in the modem queue. */
    ep->backoff = 0;
    if (!ep->rtt_valid) {
        ep->srtt = r;
        ep->rttvar = r / 2;
        ep->rtt_valid = 1;
    } else {
        sim_time_t err = ep->srtt > r ? ep->srtt - r : r - ep->srtt;
        ep->rttvar = ep->rttvar - ep->rttvar / 4 + err / 4;
        ep->srtt = ep->srtt - ep->srtt / 8 + r / 8;
    }
    sim_time_t var4 = 4 * ep->rttvar;
    if (var4 < SIM_MS(1)) var4 = SIM_MS(1);
    ep->rto = ep->srtt + var4;
    if (ep->rto < ep_cfg(ep)->rto_min) ep->rto = ep_cfg(ep)->rto_min;
    if (ep->rto > ep_cfg(ep)->rto_max) ep->rto = ep_cfg(ep)->rto_max;
}

static void ack_input(struct tcp_ep *ep, const struct packet *p)
{
    uint32_t mss = ep_cfg(ep)->mss;
    uint64_t ack = p->ack;
    if (ack > ep->snd_max) return;                         /* acks what we never sent: ignore */
    uint64_t una_before = ep->snd_una;
    int sack = ep_cfg(ep)->sack;
    uint64_t sacked_before = 0;
    if (sack && p->n_sack) {
        sacked_before = ivl_bytes(&ep->sacked);
        for (int i = 0; i < p->n_sack; i++) {
            uint64_t s0 = max_u64(p->sack[i][0], max_u64(ack, ep->snd_una)), e0 = min_u64(p->sack[i][1], ep->snd_max);
            if (e0 > s0) ivl_add(&ep->sacked, s0, e0);
        }
    }

    if (ack > ep->snd_una) {
        uint64_t acked = ack - ep->snd_una;
        /* RTT: timestamps echo every segment; otherwise Karn's single timed segment. */
        if (ep_cfg(ep)->timestamps && p->ts_ecr > 0) rtt_sample(ep, ep_now(ep) - p->ts_ecr);
        else if (ep->rtt_timing && ack > ep->rtt_seq) { rtt_sample(ep, ep_now(ep) - ep->rtt_time); ep->rtt_timing = 0; }
        ep->snd_una = ack;
        if (ep->snd_nxt < ep->snd_una) ep->snd_nxt = ep->snd_una;
        ep->st.bytes_acked += acked;
        drop_acked_marks(ep);
        if (sack) ivl_drop_below(&ep->sacked, ack);

        if (ep->in_recovery) {
            if (ack >= ep->recover) {
                /* Full ACK (RFC 6582 3.2 step 3, option 1; RFC 6675 5): deflate to ssthresh. */
                uint64_t flight = ep->snd_max - ep->snd_una;
                ep->cwnd = sack ? ep->ssthresh : (uint32_t)min_u64(ep->ssthresh, max_u64(flight, mss) + mss);
                ep->in_recovery = 0;
                ep->dupacks = 0;
            } else if (sack) {
                /* RFC 6675: a partial ACK only moves the scoreboard; the pipe rule sends. */
            } else {
                /* Partial ACK: retransmit the next hole, deflate by what was acked, add one SMSS
                 * back if at least one SMSS was acked (RFC 6582 step 4). */
                send_data_segment(ep, ep->snd_una, (uint32_t)min_u64(mss, ep->snd_max - ep->snd_una), 0);
                ep->cwnd = acked < ep->cwnd ? (uint32_t)(ep->cwnd - acked) : mss;
                if (acked >= mss) ep->cwnd += mss;
                if (ep->cwnd < mss) ep->cwnd = mss;
                arm_rto(ep);      /* reset the timer only on the first partial ACK would be the
                                     "impatient" variant; resetting on each is the "slow-but-steady" one */
            }
        } else {
            ep->dupacks = 0;
            if (ep->cwnd < ep->ssthresh) {
                /* Slow start with RFC 3465 ABC, L = 2 SMSS. */
                ep->cwnd += (uint32_t)min_u64(acked, 2u * mss);
            } else if (ep_cfg(ep)->cubic) {
                cubic_grow(ep, acked);
            } else {
                /* Congestion avoidance: one SMSS per cwnd of acknowledged bytes (RFC 3465). */
                ep->bytes_acked_ca += (uint32_t)acked;
                if (ep->bytes_acked_ca >= ep->cwnd) {
                    ep->bytes_acked_ca -= ep->cwnd;
                    ep->cwnd += mss;
                }
            }
            uint32_t cap = ep_cfg(ep)->sndbuf + mss;         /* no point growing past what can be in flight */
            if (ep->cwnd > cap) ep->cwnd = cap;
        }
        if (ep->snd_una == ep->snd_max) sim_cancel(&ep_net(ep)->sim, &ep->rto_timer);
        else arm_rto(ep);                                    /* RFC 6298 (5.3) */
        ep->snd_wnd = p->rwnd;
    } else if (ack == ep->snd_una && p->payload == 0 && !(p->flags & TCPF_SYN) &&
               ep->snd_max > ep->snd_una && p->rwnd == ep->snd_wnd) {
        /* Duplicate ACK (RFC 5681 definition: no data, no window change, data outstanding). */
        ep->st.dupacks_in++;
        ep->dupacks++;
        if (ep->in_recovery && !sack) ep->cwnd += mss;      /* NewReno inflation: a segment left */
    } else if (ack >= ep->snd_una) {
        ep->snd_wnd = p->rwnd;                               /* window update */
    }
    /* Enter recovery (RFC 6582 3.2 step 2 / RFC 6675 5): three duplicate ACKs, or with SACK more
     * than (DupThresh - 1) * SMSS bytes SACKed above snd_una (robust to thinned ACK streams);
     * never for the window a timeout already recovered (ack must pass recover; 0: no loss yet). */
    if (!ep->in_recovery && ep->snd_max > ep->snd_una && (ack > ep->recover || ep->recover == 0) &&
        (ep->dupacks >= DUPACK_THRESH ||
         (sack && ivl_bytes(&ep->sacked) > sacked_before && ivl_bytes(&ep->sacked) > (DUPACK_THRESH - 1) * (uint64_t)mss))) {
        ep->ssthresh = loss_ssthresh(ep);
        ep->recover = ep->snd_max;
        ep->in_recovery = 1;
        ep->st.fast_retransmits++;
        send_data_segment(ep, ep->snd_una, (uint32_t)min_u64(mss, ep->snd_max - ep->snd_una), 0);
        if (sack) {
            ep->cwnd = ep->ssthresh;
            ep->high_rxt = ep->snd_una + min_u64(mss, ep->snd_max - ep->snd_una);
        } else {
            ep->cwnd = ep->ssthresh + DUPACK_THRESH * mss;
        }
    }
    if (ep->snd_wnd > ep->max_snd_wnd) ep->max_snd_wnd = ep->snd_wnd;
    if (ep->snd_wnd > 0) sim_cancel(&ep_net(ep)->sim, &ep->persist_timer);
    tcp_output(ep);
    if (ep->snd_una > una_before && ep->app_ops && ep->app_ops->on_writable)
        ep->app_ops->on_writable(ep, ep->app);
}

/* ---------------------------------------------------------------- receive side */

/* Pull rcv_nxt forward over out-of-order data it now reaches. */
static void ooo_advance(struct tcp_ep *ep)
{
    if (ep->ooo.n && ep->ooo.v[0] <= ep->rcv_nxt && ep->ooo.v[1] > ep->rcv_nxt) ep->rcv_nxt = ep->ooo.v[1];
    ivl_drop_below(&ep->ooo, ep->rcv_nxt);
}

static void data_input(struct tcp_ep *ep, const struct packet *p)
{
    uint64_t seq = p->seq, end = p->seq + p->payload;
    uint64_t wnd_end = ep->rcv_read + ep_cfg(ep)->rcvbuf;       /* first byte beyond our buffer */
    if (end > wnd_end) end = wnd_end;                           /* trim what does not fit */
    int immediate = 0;
    uint64_t before = ep->rcv_nxt;
    if (end <= ep->rcv_nxt || seq >= end) {
        immediate = 1;                                          /* old duplicate or no room: re-ACK */
    } else if (seq <= ep->rcv_nxt) {
        int had_ooo = ep->ooo.n > 0;
        ep->rcv_nxt = end;
        ooo_advance(ep);
        if (had_ooo) immediate = 1;                             /* filled (part of) a hole: RFC 5681 4.2 */
    } else {
        ivl_add(&ep->ooo, seq, end);
        ep->last_ooo_seq = seq;
        immediate = 1;                                          /* out of order: duplicate ACK at once */
    }
    if (p->ts_val > 0 && seq <= before) ep->ts_recent = p->ts_val;
    if (ep->rcv_nxt == before) {
        if (immediate) send_pure_ack(ep);
        return;
    }
    /* New in-order bytes.  Delayed ACK (RFC 1122 4.2.3.2, RFC 5681 4.2): every delack_count-th
     * segment is acknowledged at once, the others when the timer fires.  The application sees the
     * bytes first, so a read or a reply it makes at once travels with (or updates) this ACK. */
    if (!immediate && ++ep->segs_unacked >= ep_cfg(ep)->delack_count) immediate = 1;
    if (ep->app_ops && ep->app_ops->on_readable) ep->app_ops->on_readable(ep, ep->app);
    if (ep->last_ack_sent >= ep->rcv_nxt) return;               /* a reply already carried it */
    if (immediate) send_pure_ack(ep);
    else if (!sim_event_pending(&ep->delack_timer))
        sim_schedule_in(&ep_net(ep)->sim, &ep->delack_timer, ep_cfg(ep)->delack_timeout);
}

uint64_t tcp_read(struct tcp_ep *ep, uint64_t max)
{
    uint64_t avail = ep->rcv_nxt - ep->rcv_read;
    uint64_t take = avail < max ? avail : max;
    if (take == 0) return 0;
    ep->rcv_read += take;
    ep->st.bytes_read += take;
    /* Window update, as Linux's tcp_cleanup_rbuf: only when the window we could offer now is at
     * least twice what is left of the last advertisement, so an application that keeps up never
     * causes extra ACKs, and a stalled one reopens the sender promptly (receiver SWS avoidance,
     * RFC 1122 4.2.3.3: the opening must also be at least one MSS). */
    uint64_t left = ep->rcv_adv_edge > ep->rcv_nxt ? ep->rcv_adv_edge - ep->rcv_nxt : 0;
    uint64_t now_wnd = rcv_window(ep);
    if (ep->state == TCP_ESTABLISHED && ep->last_ack_sent >= ep->rcv_nxt &&
        now_wnd >= 2 * left && now_wnd >= left + ep_cfg(ep)->mss)
        send_pure_ack(ep);
    return take;
}

/* ---------------------------------------------------------------- connection set-up */

static void established(struct tcp_ep *ep)
{
    ep->state = TCP_ESTABLISHED;
    ep->backoff = 0;
    sim_cancel(&ep_net(ep)->sim, &ep->rto_timer);
    if (ep->app_ops && ep->app_ops->on_established) ep->app_ops->on_established(ep, ep->app);
    tcp_output(ep);
}

void tcp_conn_open(struct tcp_conn *c)
{
    struct tcp_ep *ep = &c->ep[0];
    ep->state = TCP_SYN_SENT;
    c->ep[1].state = TCP_SYN_RCVD;    /* a listening peer: it answers the SYN when it arrives */
    struct packet *p = new_segment(ep);
    p->flags = TCPF_SYN;
    p->hdr_bytes = (uint16_t)(p->hdr_bytes + SYN_OPTIONS);
    ep->st.segs_out++;
    sim_time_t t = ep_now(ep);
    ep->rtt_timing = 1; ep->rtt_seq = 0; ep->rtt_time = t;
    net_send(c->net, ep->out, p);
    arm_rto(ep);
}

static void tcp_input(struct net *n, void *ctx, struct packet *p)
{
    struct tcp_ep *ep = ctx;
    if (p->flags & TCPF_SYN) {
        if (!(p->flags & TCPF_ACK)) {
            /* SYN at the listener: answer SYN-ACK (again, if ours was lost). */
            if (ep->state == TCP_SYN_RCVD) {
                struct packet *r = new_segment(ep);
                r->flags = TCPF_SYN | TCPF_ACK;
                r->hdr_bytes = (uint16_t)(r->hdr_bytes + SYN_OPTIONS);
                ep->st.segs_out++;
                ep->rtt_timing = 1; ep->rtt_seq = 0; ep->rtt_time = n->sim.now;
                net_send(n, ep->out, r);
                arm_rto(ep);
            }
        } else if (ep->state == TCP_SYN_SENT) {
            if (ep->rtt_timing && ep->backoff == 0) rtt_sample(ep, n->sim.now - ep->rtt_time);
            ep->rtt_timing = 0;
            ep->snd_wnd = p->rwnd;
            ep->max_snd_wnd = p->rwnd;
            send_pure_ack(ep);           /* third packet of the handshake */
            established(ep);
        } else if (ep->state == TCP_ESTABLISHED) {
            send_pure_ack(ep);           /* our handshake ACK was lost: repeat it */
        }
        pkt_free(&n->pool, p);
        return;
    }
    if (ep->state == TCP_SYN_RCVD) {
        /* First ACK (or data) completes the passive open. */
        if (ep->rtt_timing && ep->backoff == 0) rtt_sample(ep, n->sim.now - ep->rtt_time);
        ep->rtt_timing = 0;
        ep->snd_wnd = p->rwnd;
        ep->max_snd_wnd = p->rwnd;
        established(ep);
    }
    if (ep->state != TCP_ESTABLISHED) { pkt_free(&n->pool, p); return; }
    if (p->payload > 0) data_input(ep, p);
    if (p->flags & TCPF_ACK) ack_input(ep, p);
    pkt_free(&n->pool, p);
}
