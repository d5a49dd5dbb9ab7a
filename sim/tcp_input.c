/* TCP input: segments arriving at an endpoint — the handshake, ACK processing (RTT samples, the
 * send window, fast retransmit / recovery entry and exit), and the receiver's in-order and
 * out-of-order data with its delayed-ACK decision. */
#include "tcp_int.h"

/* One RTT sample, as Linux's tcp_rtt_estimator and __tcp_set_rto: srtt with gain 1/8; mdev with
 * gain 1/4, but only 1/32 when the sample is below srtt (so a falling RTT does not inflate the
 * variance); the variance term rttvar follows the largest mdev of each round trip, never below
 * rto_min, and decays by 1/4 per round trip.  RTO = srtt + rttvar: Linux adds the rto_min floor
 * to srtt instead of flooring the sum (RFC 6298 (2.4)), so on a 100-ms path the RTO is 300 ms,
 * not 200 ms. */
void rtt_sample(struct tcp_ep *ep, sim_time_t m)
{
    sim_time_t rto_min = ep_cfg(ep)->rto_min;
    if (m <= 0) m = 1;
    ep->st.rtt_samples++;
    if (!ep->min_rtt || m < ep->min_rtt) ep->min_rtt = m;    /* Linux: min over 300 s, i.e. the run */
    /* Karn (RFC 6298 (5.7)): the backed-off RTO stays until a valid sample, i.e. an ACK for data
     * that was not retransmitted.  Clearing it on any new ACK lets the ACKs of segments queued
     * before a (spurious) timeout re-arm the old, too-short RTO, and on a slow line every RTO then
     * fires again while the original segments are still in the modem queue. */
    ep->backoff = 0;
    if (ep->rtt_valid) {
        sim_time_t err = m - (ep->srtt8 >> 3);
        ep->srtt8 += err;
        if (err < 0) {
            err = -err - (ep->mdev4 >> 2);
            if (err > 0) err >>= 3;
        } else {
            err -= ep->mdev4 >> 2;
        }
        ep->mdev4 += err;
        if (ep->mdev4 > ep->mdev_max) {
            ep->mdev_max = ep->mdev4;
            if (ep->mdev_max > ep->rttvar) ep->rttvar = ep->mdev_max;
        }
        if (ep->snd_una > ep->rtt_seq) {                 /* a round trip has ended */
            if (ep->mdev_max < ep->rttvar) ep->rttvar -= (ep->rttvar - ep->mdev_max) >> 2;
            ep->rtt_seq = ep->snd_nxt;
            ep->mdev_max = rto_min;
        }
    } else {
        ep->srtt8 = m << 3;
        ep->mdev4 = m << 1;
        ep->rttvar = ep->mdev4 > rto_min ? ep->mdev4 : rto_min;
        ep->mdev_max = ep->rttvar;
        ep->rtt_seq = ep->snd_nxt;
        ep->rtt_valid = 1;
    }
    if (ep->srtt8 < 1) ep->srtt8 = 1;
    ep->srtt = ep->srtt8 >> 3;
    ep->rto = ep->srtt + ep->rttvar;
    if (ep->rto > ep_cfg(ep)->rto_max) ep->rto = ep_cfg(ep)->rto_max;
}

/* The RTT sample of one ACK, as Linux's tcp_ack_update_rtt: from the oldest newly acknowledged
 * segment unless the ACK also covers a retransmitted one (Karn, RFC 6298 (3)); else from the
 * oldest newly SACKed never-retransmitted one; else from the timestamp echo of an ACK that
 * acknowledged new data. */
static void ack_rtt(struct tcp_ep *ep, const struct packet *p, const struct ack_state *a)
{
    sim_time_t now = ep_now(ep);
    if (a->have_rtt && !(a->flag & FLAG_RETRANS_DATA_ACKED)) rtt_sample(ep, now - a->first_ackt);
    else if (a->have_sack_rtt) rtt_sample(ep, now - a->first_sackt);
    else if (ep_cfg(ep)->timestamps && p->ts_ecr > 0 && (a->flag & FLAG_SND_UNA_ADVANCED)) rtt_sample(ep, now - p->ts_ecr);
}

/* SACK connections: Linux's tcp_ack — tag the scoreboard, take the cumulative ACK, then the
 * recovery state machine (tcp_recovery.c). */
static void ack_input_sack(struct tcp_ep *ep, const struct packet *p)
{
    uint64_t ack = p->ack, prior_una = ep->snd_una;
    struct ack_state a = { 0 };
    if (p->n_sack) rtx_sacktag(ep, p, &a);
    if (p->payload > 0) a.flag |= FLAG_NOT_DUP;
    if (p->rwnd != ep->snd_wnd && ack >= ep->snd_una) a.flag |= FLAG_NOT_DUP;          /* window update */
    if (ack > ep->snd_una) {
        a.flag |= FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP;
        rtx_clean(ep, ack, &a);
        ep->st.bytes_acked += ack - ep->snd_una;
        ep->snd_una = ack;
        ep->rto_retransmits = 0;
        if (ep->snd_nxt < ep->snd_una) ep->snd_nxt = ep->snd_una;
        drop_acked_marks(ep);
    } else if (ack == ep->snd_una && p->payload == 0 && ep->snd_max > ep->snd_una && p->rwnd == ep->snd_wnd) {
        ep->st.dupacks_in++;
    }
    if (ack >= ep->snd_una) ep->snd_wnd = p->rwnd;
    ack_rtt(ep, p, &a);
    sack_ack(ep, p, prior_una, &a);
}

/* NewReno (SACK off): RFC 5681 / RFC 6582 fast retransmit and recovery. */
static void ack_input_reno(struct tcp_ep *ep, const struct packet *p)
{
    uint32_t mss = ep_cfg(ep)->mss;
    uint64_t ack = p->ack;
    if (ack > ep->snd_una) {
        uint64_t acked = ack - ep->snd_una;
        struct ack_state a = { 0 };
        a.flag = FLAG_SND_UNA_ADVANCED;
        rtx_clean(ep, ack, &a);
        ep->snd_una = ack;
        ack_rtt(ep, p, &a);
        if (ep->snd_nxt < ep->snd_una) ep->snd_nxt = ep->snd_una;
        ep->st.bytes_acked += acked;
        drop_acked_marks(ep);

        if (ep->in_recovery) {
            if (ack >= ep->recover) {
                /* Full ACK (RFC 6582 3.2 step 3, option 1): deflate to ssthresh. */
                uint64_t flight = ep->snd_max - ep->snd_una;
                ep->cwnd = (uint32_t)min_u64(ep->ssthresh, max_u64(flight, mss) + mss);
                ep->in_recovery = 0;
                ep->dupacks = 0;
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
            cong_on_ack(ep, acked);
        }
        if (ep->snd_una == ep->snd_max) sim_cancel(&ep_net(ep)->sim, &ep->rto_timer);
        else arm_rto(ep);                                    /* RFC 6298 (5.3) */
        ep->snd_wnd = p->rwnd;
    } else if (ack == ep->snd_una && p->payload == 0 && !(p->flags & TCPF_SYN) &&
               ep->snd_max > ep->snd_una && p->rwnd == ep->snd_wnd) {
        /* Duplicate ACK (RFC 5681 definition: no data, no window change, data outstanding). */
        ep->st.dupacks_in++;
        ep->dupacks++;
        if (ep->in_recovery) ep->cwnd += mss;               /* NewReno inflation: a segment left */
    } else if (ack >= ep->snd_una) {
        ep->snd_wnd = p->rwnd;                               /* window update */
    }
    /* Enter recovery (RFC 6582 3.2 step 2): three duplicate ACKs, never for the window a timeout
     * already recovered (ack must pass recover; 0: no loss yet). */
    if (!ep->in_recovery && ep->snd_max > ep->snd_una && (ack > ep->recover || ep->recover == 0) &&
        ep->dupacks >= DUPACK_THRESH) {
        ep->ssthresh = loss_ssthresh(ep);
        ep->recover = ep->snd_max;
        ep->in_recovery = 1;
        ep->st.fast_retransmits++;
        send_data_segment(ep, ep->snd_una, (uint32_t)min_u64(mss, ep->snd_max - ep->snd_una), 0);
        ep->cwnd = ep->ssthresh + DUPACK_THRESH * mss;
    }
}

static void ack_input(struct tcp_ep *ep, const struct packet *p)
{
    if (p->ack > ep->snd_max) return;                      /* acks what we never sent: ignore */
    uint64_t una_before = ep->snd_una;
    if (ep_cfg(ep)->sack) ack_input_sack(ep, p);
    else ack_input_reno(ep, p);
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

/* RFC 2883 D-SACK, as Linux (tcp_dsack_set, net.ipv4.tcp_dsack = 1): the next ACK reports a
 * duplicate segment as its first SACK block, so the sender can tell its retransmission was
 * unnecessary. */
static void dsack_set(struct tcp_ep *ep, uint64_t start, uint64_t end)
{
    if (!ep_cfg(ep)->sack) return;
    ep->dsack_start = start;
    ep->dsack_end = end;
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
        if (seq < end) dsack_set(ep, seq, end);
    } else if (seq <= ep->rcv_nxt) {
        int had_ooo = ep->ooo.n > 0;
        if (seq < ep->rcv_nxt) dsack_set(ep, seq, ep->rcv_nxt);  /* partly old */
        ep->rcv_nxt = end;
        ooo_advance(ep);
        if (had_ooo) immediate = 1;                             /* filled (part of) a hole: RFC 5681 4.2 */
    } else {
        long k = ivl_find(&ep->ooo, seq);
        if (k >= 0 && ep->ooo.v[2 * k + 1] >= end) dsack_set(ep, seq, end);   /* held already */
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

static void established(struct tcp_ep *ep)
{
    ep->state = TCP_ESTABLISHED;
    ep->backoff = 0;
    sim_cancel(&ep_net(ep)->sim, &ep->rto_timer);
    if (ep->app_ops && ep->app_ops->on_established) ep->app_ops->on_established(ep, ep->app);
    tcp_output(ep);
}

void tcp_input(struct net *n, void *ctx, struct packet *p)
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
                ep->syn_timing = ep->backoff == 0; ep->syn_time = n->sim.now;
                net_send(n, ep->out, r);
                arm_rto(ep);
            }
        } else if (ep->state == TCP_SYN_SENT) {
            if (ep->syn_timing && ep->backoff == 0) rtt_sample(ep, n->sim.now - ep->syn_time);
            ep->syn_timing = 0;
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
        if (ep->syn_timing && ep->backoff == 0) rtt_sample(ep, n->sim.now - ep->syn_time);
        ep->syn_timing = 0;
        ep->snd_wnd = p->rwnd;
        ep->max_snd_wnd = p->rwnd;
        established(ep);
    }
    if (ep->state != TCP_ESTABLISHED) { pkt_free(&n->pool, p); return; }
    if (p->payload > 0) data_input(ep, p);
    if (p->flags & TCPF_ACK) ack_input(ep, p);
    pkt_free(&n->pool, p);
}
