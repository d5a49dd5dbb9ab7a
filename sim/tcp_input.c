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
    ep->rto = tcp_jiffies_up(ep, ep->srtt + ep->rttvar);     /* __tcp_set_rto: usecs_to_jiffies */
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

/* Linux tcp_may_update_window (RFC 793 SND.WL1/WL2): an ACK updates the send window when it
 * acknowledges new data, comes from a later segment of the peer than the last update (seq beyond
 * snd_wl1) or, from the same one, opens the window.  Such an ACK is a window update
 * (FLAG_WIN_UPDATE), never a duplicate ACK: a pure ACK sent after the peer's own data carries a
 * later seq, so while the peer sends data, its duplicate ACKs are not counted and a SACK-less
 * sender gets no fast retransmit, only the RTO. */
static int may_update_window(const struct tcp_ep *ep, const struct packet *p)
{
    return p->ack > ep->snd_una || p->seq > ep->snd_wl1 ||
           (p->seq == ep->snd_wl1 && (p->rwnd > ep->snd_wnd || p->rwnd == 0));
}

/* An ACK while the persist timer runs (nothing in flight, data waiting), Linux's tcp_ack_probe:
 * if the window now holds the next segment, the timer and its backoff are cleared and tcp_output
 * sends (or, if Nagle's algorithm still holds it, re-arms the timer at its base);
 * otherwise the timer is re-armed from now at the backed-off timeout.  (Linux asks for the whole
 * send-head skb; the simulator has no unsent skb boundaries, and anything the window lets
 * tcp_write_xmit send replaces the timer with the RTO anyway.) */
static void ack_probe(struct tcp_ep *ep)
{
    uint64_t next = min_u64(ep_cfg(ep)->mss, ep->write_seq - ep->snd_nxt);
    if (ep->snd_nxt + next <= ep->snd_una + ep->snd_wnd) {
        ep->backoff = 0;
        sim_cancel(&ep_net(ep)->sim, &ep->persist_timer);
    } else {
        tcp_timer_arm(ep, &ep->persist_timer, tcp_probe0_when(ep));
    }
}

/* Linux's tcp_ack, with or without SACK: tag the scoreboard, take the cumulative ACK and its RTT
 * sample, then the recovery state machine (tcp_recovery.c) and whatever it lets us send. */
static void ack_input(struct tcp_ep *ep, const struct packet *p)
{
    uint64_t ack = p->ack, prior_una = ep->snd_una;
    if (ack > ep->snd_max) return;                      /* acks what we never sent: ignore */
    struct ack_state a = { 0 };
    if (p->n_sack && ep_cfg(ep)->sack) rtx_sacktag(ep, p, &a);
    if (p->payload > 0) a.flag |= FLAG_NOT_DUP;
    int win_update = ack >= ep->snd_una && may_update_window(ep, p);
    if (win_update) a.flag |= FLAG_NOT_DUP;
    if (ack > ep->snd_una) {
        a.flag |= FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP;
        rtx_clean(ep, ack, &a);
        ep->st.bytes_acked += ack - ep->snd_una;
        ep->snd_una = ack;
        ep->rto_retransmits = 0;
        if (ep->snd_nxt < ep->snd_una) ep->snd_nxt = ep->snd_una;
        drop_acked_marks(ep);
    } else if (!(a.flag & FLAG_NOT_DUP) && ep->snd_max > ep->snd_una) {
        ep->st.dupacks_in++;
    }
    if (win_update) {
        ep->snd_wl1 = p->seq;
        ep->snd_wnd = p->rwnd;
    }
    ack_rtt(ep, p, &a);
    tcp_recovery_ack(ep, p, &a);
    if (ep->snd_wnd > ep->max_snd_wnd) ep->max_snd_wnd = ep->snd_wnd;
    if (sim_event_pending(&ep->persist_timer)) ack_probe(ep);
    tcp_output_softirq(ep);
    if (ep->snd_una <= prior_una || !ep->app_ops || !ep->app_ops->on_writable) return;
    if (ep_cfg(ep)->linux_wmem) {
        /* Linux tcp_check_space -> sk_stream_write_space: only a writer that found the buffer
         * full is woken, and only once the queue has drained to two thirds. */
        if (!ep->nospace || !tcp_writable(ep)) return;
        ep->nospace = 0;
    }
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

/* Linux tcp_incr_quickack: ACK the next segments at once, as many as half the window we last
 * offered holds full segments (2 if none), at most TCP_MAX_QUICKACKS. */
static void incr_quickack(struct tcp_ep *ep)
{
    uint32_t q = ep->rcv_wnd_adv / (2 * ep_cfg(ep)->mss);
    if (q == 0) q = 2;
    if (q > TCP_MAX_QUICKACKS) q = TCP_MAX_QUICKACKS;
    if (q > ep->quick) ep->quick = (uint8_t)q;
}

/* Linux tcp_enter_quickack_mode: quick ACKs as after a silence, and ato back to TCP_ATO_MIN (the
 * ping-pong mode it also leaves is not modelled). */
static void enter_quickack_mode(struct tcp_ep *ep)
{
    incr_quickack(ep);
    ep->ato = tcp_jiffies_up(ep, ep_cfg(ep)->delack_timeout);
}

/* Linux tcp_grow_window: a segment of at least 128 bytes (tcp_event_data_recv) lets the window
 * grow by two segments (2 * advmss, or twice its length if more), up to the clamp (rcvbuf) and
 * the free memory (rcv_space): in-order data always, out-of-order data only on a SACK connection
 * (tcp_data_queue_ofo: "for non sack flows, do not grow window to force DUPACK").  A segment's
 * memory is taken to be worth no more window than its length (check #2; true of full-size veth
 * segments, 1458 of 1460).  So the window starts at the initial 141 segments (rcvbuf 262144,
 * tcp_initial_window) and grows by two per segment, as the kernel engine's upload receiver
 * offered 143, 145, ... 161 segments in its first ten ACKs; a SACK-less receiver holding
 * out-of-order data stays near the window it had grown to, so after a retransmission fills a hole
 * and the reader takes the bytes, its next duplicate ACK offers a little more than the partial
 * ACK did, which the sender takes for a window update (docs/validation.md, item 23).  Each
 * growth earns a quick ACK (icsk_ack.quick |= 1, still in 6.x): while the window grows every
 * segment is acknowledged at once, and the 16 quick ACKs of the first data are left for after it
 * (the kernel engine's receivers, rcvbuf 262144: the first 35-36 segments ACKed one by one, not
 * 16; docs/validation.md, item 26).  An odd count is left as it is, as Linux's bit-or does.  Not
 * modelled: __tcp_grow_window's slower growth for segments whose memory is worth more. */
static void grow_window(struct tcp_ep *ep, uint64_t len)
{
    if (len < 128) return;
    uint32_t mss = ep_cfg(ep)->mss, clamp = ep_cfg(ep)->rcvbuf, space = rcv_space(ep);
    uint32_t top = space < clamp ? space : clamp;
    if (top <= ep->rcv_ssthresh) return;
    uint64_t incr = max_u64(2ull * mss, 2 * len);
    ep->rcv_ssthresh += (uint32_t)min_u64(top - ep->rcv_ssthresh, incr);
    ep->quick |= 1;
}

/* New in-order data, as Linux's tcp_event_data_recv sees it: the first data of the connection,
 * or data after a silence longer than our RTO ("the sender failed to restart its window"),
 * puts the receiver in quick-ACK mode.  A download whose ACKs wait behind an upload arrives in
 * bursts half a second apart, and each burst's first 16 segments are then acknowledged one by
 * one (measured on Linux 6.18, docs/validation.md: 26 silences of 0.50-0.53 s in 20 s, each
 * followed by exactly 16 single-segment ACKs: 0.56 ACKs per data segment instead of 0.5). */
static void data_recv_event(struct tcp_ep *ep)
{
    sim_time_t now = ep_now(ep), tick = tcp_tick(ep), ato_min = tcp_jiffies_up(ep, ep_cfg(ep)->delack_timeout);
    if (!ep->got_data) {
        incr_quickack(ep);
        ep->ato = ato_min;
    } else {
        /* The delayed-ACK timeout follows the data's spacing (tcp_event_data_recv, in jiffies:
         * m = jiffies now - jiffies at the last arrival): close arrivals pull ato back towards
         * TCP_ATO_MIN, a spacing between TCP_ATO_MIN / 2 and ato sets ato = ato / 2 + m (at most
         * the RTO), so a stream of segments 47 ms apart ends near 92 ms and every second
         * segment is acknowledged at once instead of each by a 40-ms timer. */
        sim_time_t m = (now / tick - ep->lrcvtime / tick) * tick;
        if (m <= ato_min / tick / 2 * tick) {
            ep->ato = ep->ato / tick / 2 * tick + ato_min / tick / 2 * tick;
        } else if (m < ep->ato) {
            ep->ato = ep->ato / tick / 2 * tick + m;
            if (ep->ato > cur_rto(ep)) ep->ato = cur_rto(ep);
        } else if (m > cur_rto(ep)) {                   /* in jiffies too: icsk_rto is */
            incr_quickack(ep);
        }
    }
    ep->got_data = 1;
    ep->lrcvtime = now;
}

/* An out-of-order arrival on a SACK connection, as Linux's __tcp_ack_snd_check (SACK
 * compression, since 4.20): the first three since rcv_nxt last moved are acknowledged at once
 * (the sender's fast retransmit needs its duplicate ACKs), later ones are held back and one ACK
 * with the newest SACK blocks goes when 44 are held or min(1 ms, RTT / 20) after the first.  A
 * loss in a download then costs the uplink one ACK per millisecond, not one per segment (Linux
 * 6.18, 20 downloads at 100 Mbit/s: TCPAckCompressed 24580 in a 60-s run). */
static void ack_out_of_order(struct tcp_ep *ep)
{
    if (!ep_cfg(ep)->sack || ep->quick || ep->comp_acks >= TCP_COMP_SACK_NR) { send_pure_ack(ep); return; }
    if (ep->comp_rcv_nxt != ep->rcv_nxt) {
        ep->comp_rcv_nxt = ep->rcv_nxt;
        ep->dup_acks_sent = 0;
    }
    if (ep->dup_acks_sent < DUPACK_THRESH) {
        ep->dup_acks_sent++;
        send_pure_ack(ep);
        return;
    }
    ep->comp_acks++;
    if (sim_event_pending(&ep->comp_sack_timer)) return;
    sim_time_t delay = ep->rtt_valid && ep->srtt / 20 < TCP_COMP_SACK_DELAY ? ep->srtt / 20 : TCP_COMP_SACK_DELAY;
    sim_schedule_in(&ep_net(ep)->sim, &ep->comp_sack_timer, delay);
}

/* Arm the delayed-ACK timer as Linux tcp_send_delayed_ack does: timeout = jiffies + ato, on the
 * timer wheel (tcp_timer_arm): 40-44 ms after the segment at HZ 250 while ato is TCP_ATO_MIN
 * (TCP_DELACK_MIN, HZ/25 jiffies).  A larger ato is bounded by the receiver's own smoothed RTT
 * (usecs_to_jiffies, at least TCP_DELACK_MIN; a pure receiver has only its handshake's sample),
 * by HZ/2, and by icsk_delack_max (TCP_DELACK_MAX, HZ/5).  The kernel engine's receivers: ato 40
 * with a 40.5-ms handshake RTT; 88-96 ms on an upload that joined a full download queue (handshake
 * RTT 161 ms), its segments 47 ms apart (docs/validation.md).  Pushed segments and ping-pong
 * mode lower the HZ/2 to TCP_DELACK_MAX, which icsk_delack_max imposes anyway. */
static void delack_arm(struct tcp_ep *ep)
{
    sim_time_t ato = ep->ato, delack_min = tcp_jiffies_up(ep, ep_cfg(ep)->delack_timeout);
    if (ato > delack_min) {
        sim_time_t max_ato = SIM_SEC(1) / 2;
        if (ep->rtt_valid) {
            sim_time_t rtt = tcp_jiffies_up(ep, ep->srtt);
            if (rtt < delack_min) rtt = delack_min;
            if (rtt < max_ato) max_ato = rtt;
        }
        if (ato > max_ato) ato = max_ato;
    }
    if (ato > TCP_DELACK_MAX) ato = TCP_DELACK_MAX;
    if (ato < delack_min) ato = delack_min;
    tcp_timer_arm(ep, &ep->delack_timer, ato);
}

/* Linux tcp_measure_rcv_mss, on in-order data: a full-size segment with PSH sets ICSK_ACK_PUSHED
 * (4720852ed9af "tcp: fix delayed ACKs for MSS boundary condition": the end of a write, the
 * sender may be waiting for the ACK); a shorter one sets PUSHED whatever its flags, and PUSHED2
 * if PUSHED was set already.  tcp_read acts on them (tcp_cleanup_rbuf); every ACK sent clears
 * them (sent_ack).  rcv_mss is the configured MSS: Linux's estimate of it (which starts at 536,
 * and shrinks to a repeated short size) is not modelled. */
static void measure_rcv_mss(struct tcp_ep *ep, const struct packet *p)
{
    if (p->payload >= ep_cfg(ep)->mss) {
        if (p->flags & TCPF_PSH) ep->ack_pending |= ICSK_ACK_PUSHED;
    } else {
        if (ep->ack_pending & ICSK_ACK_PUSHED) ep->ack_pending |= ICSK_ACK_PUSHED2;
        ep->ack_pending |= ICSK_ACK_PUSHED;
    }
}

static void data_input(struct tcp_ep *ep, const struct packet *p)
{
    uint64_t seq = p->seq, end = p->seq + p->payload;
    /* First byte beyond what we take: the buffer, or the right edge we offered if that is beyond
     * it (a window rounded up to the scale's unit; Linux accepts what its window offered). */
    uint64_t wnd_end = max_u64(ep->rcv_read + ep_cfg(ep)->rcvbuf, ep->rcv_adv_edge);
    if (end > wnd_end) end = wnd_end;                           /* trim what does not fit */
    int immediate = 0, ooo = 0;
    uint64_t before = ep->rcv_nxt;
    if (end <= ep->rcv_nxt || seq >= end) {
        immediate = 1;                                          /* old duplicate or no room: re-ACK */
        if (seq < end) {
            /* Data we hold already: our ACK was lost or late, so the next ones go at once
             * (Linux tcp_data_queue, "a retransmit", and tcp_send_dupack for one below the
             * window's left edge rcv_wup, which schedules no ACK: DelayedACKLost). */
            dsack_set(ep, seq, end);
            enter_quickack_mode(ep);
            if (end >= ep->last_ack_sent) ep->ack_pending |= ICSK_ACK_SCHED;
        }
    } else if (seq <= ep->rcv_nxt) {
        ep->ack_pending |= ICSK_ACK_SCHED;                      /* tcp_event_data_recv */
        int had_ooo = ep->ooo.n > 0;
        if (seq < ep->rcv_nxt) dsack_set(ep, seq, ep->rcv_nxt);  /* partly old */
        ep->rcv_nxt = end;
        ooo_advance(ep);
        if (had_ooo) immediate = 1;                             /* filled (part of) a hole: RFC 5681 4.2 */
    } else {
        ep->ack_pending |= ICSK_ACK_SCHED;                      /* tcp_data_queue_ofo */
        long k = ivl_find(&ep->ooo, seq);
        int held = k >= 0 && ep->ooo.v[2 * k + 1] >= end;
        if (held) dsack_set(ep, seq, end);
        else if (ep_cfg(ep)->sack) grow_window(ep, end - seq);
        ivl_add(&ep->ooo, seq, end);
        ep->last_ooo_seq = seq;
        if (held) immediate = 1;                                /* a D-SACK goes at once */
        else ooo = 1;                                           /* duplicate ACK, perhaps compressed */
    }
    if (p->ts_val > 0 && seq <= before) ep->ts_recent = p->ts_val;
    if (ep->rcv_nxt == before) {
        if (immediate) send_pure_ack(ep);
        else if (ooo) ack_out_of_order(ep);
        return;
    }
    /* New in-order bytes.  Delayed ACK (RFC 1122 4.2.3.2, RFC 5681 4.2): every delack_count-th
     * segment is acknowledged at once, the others when the timer fires, unless quick ACKs are
     * left (Linux __tcp_ack_snd_check: tcp_in_quickack_mode).  Without ack_at_read the
     * application sees the bytes first, so a read or a reply it makes at once travels with (or
     * updates) this ACK; that is why Linux's "ping-pong" exception for interactive connections
     * is not modelled. */
    data_recv_event(ep);
    grow_window(ep, p->payload);
    measure_rcv_mss(ep, p);
    int enough = ++ep->segs_unacked >= ep_cfg(ep)->delack_count;
    if (ep->quick) immediate = 1;
    if (ep_cfg(ep)->ack_at_read) {
        /* Linux decides before the application has read the new bytes (the reader is only
         * woken): more than one segment unacknowledged is acknowledged at once only if the
         * window's right edge would not move back, __tcp_select_window() >= rcv_wnd, i.e. the
         * receive queue holds no more unread bytes than when we last ACKed (the other case of
         * __tcp_ack_snd_check, everything read below SO_RCVLOWAT, cannot hold with new bytes
         * queued).  Otherwise the ACK goes when the application reads (tcp_read, as
         * tcp_cleanup_rbuf) or when the delayed-ACK timer fires.  A reader that is slower than
         * the segments' spacing therefore makes stretch ACKs.  delack_count = 1 is Linux's
         * quickack route: every segment at once. */
        if (enough && (ep_cfg(ep)->delack_count <= 1 || rcv_window(ep) >= ep->rcv_wnd_adv)) immediate = 1;
        if (immediate) send_pure_ack(ep);
        else if (!sim_event_pending(&ep->delack_timer))
            delack_arm(ep);
        if (ep->app_ops && ep->app_ops->on_readable) ep->app_ops->on_readable(ep, ep->app);
        return;
    }
    if (enough) immediate = 1;
    if (ep->app_ops && ep->app_ops->on_readable) ep->app_ops->on_readable(ep, ep->app);
    if (ep->last_ack_sent >= ep->rcv_nxt) return;               /* a reply already carried it */
    if (immediate) send_pure_ack(ep);
    else if (!sim_event_pending(&ep->delack_timer))
        delack_arm(ep);
}

/* The transfer's start after a handshake that needed retransmissions, as Linux's
 * tcp_init_transfer and tcp_init_metrics (both ends, with an empty metrics cache, as in a fresh
 * network namespace): without an RTT sample from the handshake (Karn: none from a resent SYN or
 * SYN-ACK) the RTO is TCP_TIMEOUT_FALLBACK, 3 s, not the initial 1 s (RFC 6298 (5.7)); and when the
 * SYN or SYN-ACK was sent more than twice and a timeout resent it (undo_marker, which Linux sets
 * only then: tcp_create_openreq_child's req->num_timeout, tcp_enter_loss on the SYN's timeout),
 * the window starts at one segment (RFC 5681 3.1; Linux waits for a second retransmission since
 * its initial RTO is 1 s).  A loss probe still goes after TCP_TIMEOUT_INIT (1 s) without a sample
 * (schedule_loss_probe).  Seen on the kernel engine: a download whose server resent its SYN-ACK
 * twice (the client's ACKs lost behind the upload's first window in a 5-packet FIFO) sent one
 * segment, and its next 1.008 s later as a loss probe (docs/validation.md, item 30). */
static void init_transfer(struct tcp_ep *ep)
{
    if (!ep->rtt_valid) ep->rto = TCP_TIMEOUT_FALLBACK;
    if (ep->syn_retrans > 1 && ep->st.rto_expiries) ep->cwnd = ep_cfg(ep)->mss;
}

static void established(struct tcp_ep *ep)
{
    init_transfer(ep);
    ep->state = TCP_ESTABLISHED;
    ep->backoff = 0;
    ep->lsndtime = ep_now(ep);          /* Linux tcp_finish_connect / tcp_rcv_state_process */
    sim_cancel(&ep_net(ep)->sim, &ep->rto_timer);
    if (ep->app_ops && ep->app_ops->on_established) ep->app_ops->on_established(ep, ep->app);
    tcp_output(ep);
}

void tcp_input(struct net *n, void *ctx, struct packet *p)
{
    struct tcp_ep *ep = ctx;
    ep->st.segs_in++;                   /* as Linux's tcp_segs_in, before any checks */
    if (p->payload > 0) ep->st.data_segs_in++;
    if (p->flags & TCPF_SYN) {
        if (!(p->flags & TCPF_ACK)) {
            /* SYN at the listener: answer SYN-ACK (again, if ours was lost). */
            if (ep->state == TCP_SYN_RCVD) {
                struct packet *r = new_syn_segment(ep, TCPF_SYN | TCPF_ACK);
                if (ep->st.segs_out) ep->syn_retrans++;     /* ours was sent: this is a resend */
                ep->st.segs_out++;
                ep->syn_timing = ep->backoff == 0 && !ep->syn_retrans; ep->syn_time = n->sim.now;
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
        /* First ACK (or data) completes the passive open.  Linux's tcp_rcv_state_process takes
         * its ACK field first, in SYN_RECV (tcp_ack with nothing outstanding: the no_queue
         * path), and only then sets up the transfer and the initial window (tcp_init_transfer)
         * and goes to ESTABLISHED, where accept() lets the application write; the segment's data,
         * if any, is queued after that (tcp_data_queue).  Establishing first would send the
         * initial window and then count this same ACK as a duplicate ACK of it (a SACK-less
         * sender's Reno "SACK", one segment more in the first flight). */
        if (ep->syn_timing && ep->backoff == 0) rtt_sample(ep, n->sim.now - ep->syn_time);
        ep->syn_timing = 0;
        ep->snd_wnd = p->rwnd;
        ep->max_snd_wnd = p->rwnd;
        if (p->flags & TCPF_ACK) ack_input(ep, p);
        established(ep);
        if (p->payload > 0) data_input(ep, p);
        pkt_free(&n->pool, p);
        return;
    }
    if (ep->state != TCP_ESTABLISHED) { pkt_free(&n->pool, p); return; }
    if (p->payload == 0 && p->seq < ep->last_ack_sent) {
        /* Below the left edge of the window we last offered (its end before rcv_wup): Linux's
         * tcp_sequence fails and tcp_validate_incoming answers with tcp_send_dupack and drops
         * the segment, ACK field and all.  This is how a zero-window probe (send_window_probe)
         * learns the window.  Not modelled: tcp_oow_rate_limited (one such answer per 500 ms). */
        send_pure_ack(ep);
        pkt_free(&n->pool, p);
        return;
    }
    if (p->payload > 0) data_input(ep, p);
    if (p->flags & TCPF_ACK) ack_input(ep, p);
    pkt_free(&n->pool, p);
}
