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
        /* An RTT sample from every ACK that advances snd_una, as Linux's tcp_clean_rtx_queue /
         * tcp_ack_update_rtt: the oldest newly acknowledged segment, unless the ACK also covers
         * a retransmitted one (Karn, RFC 6298 (3)); then the timestamp echo, if there is one. */
        struct rtx_acked a = rtx_clean(ep, ack);
        ep->snd_una = ack;
        if (a.have && !a.retrans) rtt_sample(ep, ep_now(ep) - a.first_xmit);
        else if (ep_cfg(ep)->timestamps && p->ts_ecr > 0) rtt_sample(ep, ep_now(ep) - p->ts_ecr);
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
