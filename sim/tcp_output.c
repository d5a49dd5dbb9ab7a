/* TCP output: building segments (ACK fields, window, SACK blocks), pure ACKs, data segments with
 * their bookkeeping (snd_max, Karn timing, the RTO), and the send loop the windows allow. */
#include "tcp_int.h"
#include "linux_buffers.h"

/* ---------------------------------------------------------------- receive window and ACKs */

/* Linux tcp_space: the window the free receive memory is worth.  Every byte held, unread or out
 * of order, takes the memory of its segment (truesize) at the measured scaling ratio, which Linux
 * rounds down: a full-size segment on the veth costs 1458 bytes of window for its 1460
 * (contract/linux_buffers.h), so after the reader takes what a retransmission made in order, the
 * free window can exceed the edge already offered by a few bytes.  Other segment sizes are
 * charged the same truesize (not measured). */
uint32_t rcv_space(const struct tcp_ep *ep)
{
    uint64_t full = ep_cfg(ep)->rcvbuf, mss = ep_cfg(ep)->mss;
    uint64_t used = (ep->rcv_nxt - ep->rcv_read) + ivl_bytes(&ep->ooo);
    uint64_t ratio = mss * 256 / LINUX_VETH_SEG_TRUESIZE;
    used = used * ratio * LINUX_VETH_SEG_TRUESIZE / (mss * 256);
    return used >= full ? 0 : (uint32_t)(full - used);
}

/* The window we could offer now, Linux's __tcp_select_window.  Free space is what the receive
 * memory has left (rcv_space): the buffer less the unread in-order bytes *and* the out-of-order
 * queue, which holds socket memory as well.  Less than half
 * the buffer free: rounded down to the scale's granularity, and no window at all below 1/16 of
 * the buffer or one MSS (the receiver's silly-window avoidance; tcp_select_window then keeps the
 * edge already offered).  Never more than rcv_ssthresh, however much is free: the window Linux
 * has grown to so far (tcp_grow_window, in tcp_input.c).  With a window scale the window is the
 * free space rounded up to the scale's unit; without one, a multiple of the MSS, kept as it was
 * while within one MSS of the free space.  Not modelled: memory pressure. */
uint32_t rcv_window(const struct tcp_ep *ep)
{
    uint32_t full = ep_cfg(ep)->rcvbuf, mss = ep_cfg(ep)->mss;
    uint32_t free_space = rcv_space(ep);
    uint32_t unit = 1u << ep->conn->rcv_wscale;
    if (mss > full) mss = full;
    if (free_space < full / 2) {
        free_space &= ~(unit - 1);
        if (free_space < full / 16 || free_space < mss) return 0;
    }
    if (free_space > ep->rcv_ssthresh) free_space = ep->rcv_ssthresh;
    if (unit > 1) return (free_space + unit - 1) & ~(unit - 1);
    uint32_t window = ep->rcv_wnd_adv;
    if (window + mss <= free_space || window > free_space) window = free_space / mss * mss;
    else if (mss == full && free_space > window + full / 2) window = free_space;
    return window;
}

/* The window an outgoing segment carries, Linux's tcp_select_window: never less than what is left
 * of the window last offered (tcp_receive_window), so the right edge never moves back (RFC 7323
 * 2.4, RFC 9293 3.8.6.2.2), even when out-of-order data or unread bytes took the space.  Without
 * this the edge moved back and forth with the reader: after the application read what a
 * retransmission made in order, the next duplicate ACK offered more than the last, and a sender
 * takes such an ACK for a window update, not a duplicate (tcp_may_update_window), so a
 * SACK-less recovery ran out of duplicate ACKs and timed out.  The window field holds at most
 * 65535 units of the scale. */
static uint32_t select_window(const struct tcp_ep *ep)
{
    uint64_t unit = 1u << ep->conn->rcv_wscale;
    uint64_t cur = ep->rcv_adv_edge > ep->rcv_nxt ? ep->rcv_adv_edge - ep->rcv_nxt : 0;
    uint64_t win = rcv_window(ep);
    if (win < cur) win = (cur + unit - 1) & ~(unit - 1);
    return (uint32_t)min_u64(win, TCP_MAX_UNSCALED_WINDOW * unit);
}

struct packet *new_segment(struct tcp_ep *ep)
{
    struct net *n = ep_net(ep);
    struct packet *p = pkt_alloc(&n->pool);
    p->proto = PROTO_TCP;
    p->hdr_bytes = ep->conn->hdr;
    p->flags = TCPF_ACK;
    p->cross = ep->conn->cross;
    p->ack = ep->rcv_nxt;
    p->rwnd = select_window(ep);
    p->ts_val = n->sim.now;
    p->ts_ecr = ep->ts_recent;
    if (ep->dsack_end > ep->dsack_start) {
        p->sack[0][0] = ep->dsack_start;
        p->sack[0][1] = ep->dsack_end;
        p->n_sack = 1;
        ep->dsack_start = ep->dsack_end = 0;              /* reported once */
    }
    if (ep->conn->cfg.sack && ep->ooo.n) {
        /* RFC 2018: the block holding the latest arrival first, then the others, highest first. */
        long first = ivl_find(&ep->ooo, ep->last_ooo_seq);
        if (first >= 0) {
            p->sack[p->n_sack][0] = ep->ooo.v[2 * first];
            p->sack[p->n_sack][1] = ep->ooo.v[2 * first + 1];
            p->n_sack++;
        }
        for (long i = (long)ep->ooo.n - 1; i >= 0 && p->n_sack < TCP_MAX_SACK; i--) {
            if (i == first) continue;
            p->sack[p->n_sack][0] = ep->ooo.v[2 * i];
            p->sack[p->n_sack][1] = ep->ooo.v[2 * i + 1];
            p->n_sack++;
        }
    }
    if (p->n_sack) p->hdr_bytes = (uint16_t)(p->hdr_bytes + 4u + 8u * p->n_sack);   /* 2 NOP + kind/len + blocks */
    return p;
}

/* Every segment we send acknowledges rcv_nxt, so it cancels a pending delayed ACK and the ACKs
 * SACK compression held back (Linux tcp_event_ack_sent).  One sent while an ACK is scheduled,
 * i.e. data arrived since the last, in order or not, uses up a quick ACK, and the last one
 * deflates ato to TCP_ATO_MIN (tcp_dec_quickack_mode, as since Linux 6.7, "tcp: fix quick-ack
 * counting to count actual ACKs of new data"): the duplicate ACKs a hole causes count too. */
static void sent_ack(struct tcp_ep *ep, uint32_t wnd)
{
    if (ep->quick && (ep->ack_pending & ICSK_ACK_SCHED) && --ep->quick == 0)
        ep->ato = tcp_jiffies_up(ep, ep_cfg(ep)->delack_timeout);
    ep->segs_unacked = 0;
    ep->ack_pending = 0;                 /* inet_csk_clear_xmit_timer(ICSK_TIME_DACK): pending = 0 */
    ep->rcv_wnd_adv = wnd;
    ep->last_ack_sent = ep->rcv_nxt;
    ep->rcv_adv_edge = ep->rcv_nxt + wnd;
    sim_cancel(&ep_net(ep)->sim, &ep->delack_timer);
    ep->comp_acks = 0;
    sim_cancel(&ep_net(ep)->sim, &ep->comp_sack_timer);
}

/* A SYN or SYN-ACK, with the MSS, window-scale and SACK-permitted options.  Its window field is
 * never scaled (RFC 7323 2.2), so it offers at most 65535 bytes: until the first ACK the peer
 * sees that window, and Linux sizes the first skbs it builds to half of it
 * (tcp_bound_to_half_wnd). */
struct packet *new_syn_segment(struct tcp_ep *ep, uint8_t flags)
{
    struct packet *p = new_segment(ep);
    p->flags = flags;
    p->hdr_bytes = (uint16_t)(p->hdr_bytes + SYN_OPTIONS);
    if (p->rwnd > TCP_MAX_UNSCALED_WINDOW) p->rwnd = TCP_MAX_UNSCALED_WINDOW;
    return p;
}

void send_pure_ack(struct tcp_ep *ep)
{
    struct packet *p = new_segment(ep);
    p->seq = ep->snd_nxt;
    ep->st.segs_out++;
    ep->st.pure_acks_out++;
    sent_ack(ep, p->rwnd);
    net_send(ep_net(ep), ep->out, p);
}

/* One data segment, new or retransmitted.  `push`: the segment carries PSH (see send_new_data). */
void send_data_segment(struct tcp_ep *ep, uint64_t seq, uint32_t len, int push)
{
    struct packet *p = new_segment(ep);
    if (push) p->flags |= TCPF_PSH;
    p->seq = seq;
    p->payload = len;
    p->ctrl = ctrl_bytes(ep, seq, seq + len);
    ep->st.segs_out++;
    ep->st.data_segs_out++;
    if (seq < ep->snd_max) {
        ep->st.retrans_segs++;
        ep->st.retrans_bytes += len;
    }
    rtx_sent(ep, seq, seq + len);
    if (seq + len > ep->snd_max) ep->snd_max = seq + len;
    ep->lsndtime = ep_now(ep);          /* Linux tcp_event_data_sent: every segment with data */
    sent_ack(ep, p->rwnd);
    if (!sim_event_pending(&ep->rto_timer)) arm_rto(ep);
    net_send(ep_net(ep), ep->out, p);
}

/* A zero-window probe, Linux's tcp_xmit_probe_skb(sk, 0, ...): no data, and the sequence number
 * snd_una - 1, one the receiver has already acknowledged, so it is out of its window and answered
 * at once with an ACK carrying the current window (tcp_sequence fails, tcp_send_dupack).  A probe
 * holding a byte beyond the window (RFC 9293 3.8.6.1's alternative) is not what Linux sends: a
 * receiver that had room again took that byte, acknowledged one byte past snd_max, and the
 * sender ignored every later ACK as acknowledging what it never sent. */
void send_window_probe(struct tcp_ep *ep)
{
    struct packet *p = new_segment(ep);
    p->seq = ep->snd_una - 1;
    ep->st.segs_out++;
    ep->st.persist_probes++;
    sent_ack(ep, p->rwnd);
    net_send(ep_net(ep), ep->out, p);
}

/* How much new data tcp_write_xmit sends next, had `ahead` more bytes been sent already (0: it
 * stops); `piece_ahead` of those belong to the piece (the transmitted skb) this segment would
 * join, 0 if it starts one.  The segment must fit the congestion window (in_flight below cwnd,
 * whole segments, as Linux counts packets) and the peer's window.  A full segment always goes.
 * A partial one cut by the peer's window goes only inside a piece whose first segment fitted
 * whole: Linux's tcp_snd_wnd_test wants a full MSS of window for the first segment of an skb
 * longer than one, and tcp_mss_split_point then splits the skb at the window's edge to the byte.
 * Linux has no other sender-side silly-window avoidance (RFC 1122 4.2.3.4's half of the largest
 * window); waiting for a full MSS at each skb's start is its form of it.  A partial one at a
 * split point or at the end of what the application has written is held by Nagle's algorithm
 * (RFC 896, RFC 1122 4.2.3.4) with Minshall's variant, as Linux's tcp_nagle_check: while
 * segments were in flight before the piece and the last small segment sent (snd_sml) is not yet
 * acknowledged; not on a push (`push`: TCP_NAGLE_PUSH, see tcp_output_push). */
uint32_t xmit_next_len(const struct tcp_ep *ep, uint32_t ahead, uint32_t piece_ahead, int push)
{
    uint32_t mss = ep_cfg(ep)->mss;
    uint64_t nxt = ep->snd_nxt + ahead, unsent = ep->write_seq - nxt, outstanding = nxt - ep->snd_una;
    if (unsent == 0 || outstanding >= ep->snd_wnd || tcp_in_flight(ep) + ahead >= ep->cwnd) return 0;
    uint32_t len = (uint32_t)min_u64(min_u64(mss, unsent), ep->snd_wnd - outstanding);
    if (len == mss) return len;
    if (len < unsent && piece_ahead == 0) return 0;
    if (!push && ep_cfg(ep)->nagle && nxt - piece_ahead > ep->snd_una && ep->snd_sml > ep->snd_una) return 0;
    return len;
}

/* Linux tcp_update_pacing_rate, bytes per second: mss * max(cwnd, packets out) / srtt, times 2
 * below half of ssthresh and 1.2 above it (tcp_pacing_ss_ratio, tcp_pacing_ca_ratio); without
 * an RTT sample as fast as anything here (Linux starts from its initial rate, capped by the
 * limits that use it). */
double tcp_pacing_rate(const struct tcp_ep *ep)
{
    if (!ep->rtt_valid || ep->srtt <= 0) return 1e12;
    double out = (double)max_u64(ep->cwnd, ep->snd_nxt - ep->snd_una);
    return out * (ep->cwnd < ep->ssthresh / 2 ? 2.0 : 1.2) / ((double)ep->srtt / 1e9);
}

/* Linux tcp_tso_autosize: the segments of one transmitted skb, about a millisecond at the pacing
 * rate (tcp_update_pacing_rate: mss * max(cwnd, packets out) / srtt, times 2 below half of
 * ssthresh and 1.2 above it; sk_pacing_shift 10), at least tcp_min_tso_segs = 2, at most 64 KB.
 * Linux builds skbs this size even without segmentation offload (software GSO splits them at
 * the device), and charges the send buffer per skb. */
uint32_t tso_segs(const struct tcp_ep *ep)
{
    uint32_t mss = ep_cfg(ep)->mss;
    double bytes = tcp_pacing_rate(ep) / 1024;          /* without an RTT sample: above the cap */
    if (bytes > TCP_GSO_MAX_SIZE) bytes = TCP_GSO_MAX_SIZE;
    uint32_t segs = (uint32_t)(bytes / mss);
    return segs < 2 ? 2 : segs;
}

/* Send `len` new bytes at snd_nxt; a partial segment becomes the one Minshall's rule waits for.
 * `piece_end`: the last segment of what is sent as one skb (the piece's `piece_segs`-th), which
 * carries that skb's memory overhead (linux_wmem) and marks the piece's end in the
 * retransmission queue.  PSH, as Linux puts it on the wire: __tcp_transmit_skb sets it on every
 * skb of more than one segment (051ba67447de "tcp: force a PSH flag on TSO packets", 5.4) and
 * software segmentation (tcp_gso_segment) keeps it on the last segment only; a one-segment
 * piece carries it only if it ends an application write that tcp_push marked (push_seq;
 * tso_fragment leaves the mark on the part holding the skb's end).  The kernel engine's sender:
 * PSH on 707 of 1616 segments, 701 of them the second of a 2-segment piece, none on the 202
 * lone ones (docs/validation.md). */
void send_new_data(struct tcp_ep *ep, uint32_t len, int piece_end, uint32_t piece_segs)
{
    send_new_data_psh(ep, len, piece_end, piece_end && (piece_segs >= 2 || ep->snd_nxt + len == ep->push_seq));
}

/* send_new_data with the PSH flag decided by the caller. */
void send_new_data_psh(struct tcp_ep *ep, uint32_t len, int piece_end, int push)
{
    send_data_segment(ep, ep->snd_nxt, len, push);
    /* Data in flight: the retransmission timer takes the persist timer's place (Linux has one
     * timer for both, icsk_pending, and tcp_event_new_data_sent arms ICSK_TIME_RETRANS). */
    sim_cancel(&ep_net(ep)->sim, &ep->persist_timer);
    ep->snd_nxt += len;
    if (len < ep_cfg(ep)->mss) ep->snd_sml = ep->snd_nxt;
    if (piece_end) {
        rtx_at(ep, ep->rtx_n - 1)->skb_overhead = TCP_SKB_OVERHEAD;
        ep->wmem_sent += TCP_SKB_OVERHEAD;
    }
    uint64_t unsent = ep->write_seq - ep->snd_nxt;
    if (ep->tail_len > unsent) ep->tail_len = (uint32_t)unsent;
    uint64_t goal = tcp_size_goal(ep), skbs = unsent ? 1 + (unsent - ep->tail_len + goal - 1) / goal : 0;
    if (ep->unsent_skbs > skbs) ep->unsent_skbs = (uint32_t)skbs;
}

/* Linux tcp_probe0_base: the persist timer's first timeout is the RTO without backoff, at least
 * TCP_RTO_MIN. */
sim_time_t tcp_probe0_base(const struct tcp_ep *ep)
{
    return ep->rto > ep_cfg(ep)->rto_min ? ep->rto : ep_cfg(ep)->rto_min;
}

sim_time_t tcp_probe0_when(const struct tcp_ep *ep)
{
    sim_time_t base = tcp_probe0_base(ep), max = ep_cfg(ep)->rto_max;
    for (int i = 0; i < (int)ep->backoff && base < max; i++) base *= 2;
    return base < max ? base : max;
}

/* Send what the windows allow (Linux's tcp_write_xmit, in tcp_xmit.c); then, as Linux's
 * tcp_check_probe_timer (__tcp_push_pending_frames), when nothing is in flight but data waits,
 * arm the persist timer unless it runs already: whatever held the data back (a zero window, or a
 * window shorter than a segment), only a probe or the receiver's window update can release it,
 * and the update may be lost or never come.  `push`: as TCP_NAGLE_PUSH, Nagle holds nothing. */
static void output(struct tcp_ep *ep, int push, int softirq)
{
    if (ep->state != TCP_ESTABLISHED || ep->write_seq == ep->snd_nxt) return;
    if (ep->snd_wnd > 0 || ep->snd_nxt != ep->snd_una) tcp_write_xmit(ep, push, softirq);
    if (ep->snd_una == ep->snd_max && ep->write_seq > ep->snd_nxt && !sim_event_pending(&ep->persist_timer))
        tcp_timer_arm(ep, &ep->persist_timer, tcp_probe0_base(ep));
}

/* What the end of a write sends (tcp_push_pending_frames with tp->nonagle), from the writer's
 * process: each skb's transmit runs its softirq at once and frees it, so TCP Small Queues never
 * holds these. */
void tcp_output(struct tcp_ep *ep) { output(ep, 0, 0); }

/* The same from a softirq (an ACK's processing, tcp_data_snd_check; the TSQ handler): the skbs
 * stay in the host until that softirq ends, and TCP Small Queues counts them. */
void tcp_output_softirq(struct tcp_ep *ep) { output(ep, 0, 1); }

/* What the writer's own pushes send: tcp_push_one when an skb reaches the size goal, and the push
 * before a writer sleeps for send-buffer space (tcp_sendmsg_locked's wait_for_space); both pass
 * TCP_NAGLE_PUSH, so a piece split at the window's edge goes out whole even while a small
 * segment is unacknowledged. */
void tcp_output_push(struct tcp_ep *ep) { output(ep, 1, 0); }
