/* TCP output: building segments (ACK fields, window, SACK blocks), pure ACKs, data segments with
 * their bookkeeping (snd_max, Karn timing, the RTO), and the send loop the windows allow. */
#include "tcp_int.h"

/* ---------------------------------------------------------------- receive window and ACKs */

/* What we may advertise: buffer minus unread in-order bytes.  Out-of-order bytes are not
 * subtracted (as RFC 793's receive window counts from rcv_nxt). */
uint32_t rcv_window(const struct tcp_ep *ep)
{
    uint64_t unread = ep->rcv_nxt - ep->rcv_read;
    uint32_t buf = ep_cfg(ep)->rcvbuf;
    return unread >= buf ? 0 : (uint32_t)(buf - unread);
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
    p->rwnd = rcv_window(ep);
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
 * SACK compression held back; one that acknowledges new data uses up a quick ACK (Linux
 * tcp_event_ack_sent, tcp_dec_quickack_mode). */
static void sent_ack(struct tcp_ep *ep, uint32_t wnd)
{
    if (ep->quick && ep->rcv_nxt > ep->last_ack_sent) ep->quick--;
    ep->segs_unacked = 0;
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

/* A zero-window probe does not advance snd_max: its byte is not "outstanding" data, so the
 * receiver's zero-window answers are not mistaken for duplicate ACKs. */
void send_data_segment(struct tcp_ep *ep, uint64_t seq, uint32_t len, int probe)
{
    struct packet *p = new_segment(ep);
    p->seq = seq;
    p->payload = len;
    p->ctrl = ctrl_bytes(ep, seq, seq + len);
    ep->st.segs_out++;
    ep->st.data_segs_out++;
    if (probe) {
        ep->st.persist_probes++;
    } else {
        if (seq < ep->snd_max) {
            ep->st.retrans_segs++;
            ep->st.retrans_bytes += len;
        }
        rtx_sent(ep, seq, seq + len);
        if (seq + len > ep->snd_max) ep->snd_max = seq + len;
    }
    sent_ack(ep, p->rwnd);
    if (!probe && !sim_event_pending(&ep->rto_timer)) arm_rto(ep);
    net_send(ep_net(ep), ep->out, p);
}

/* How much new data tcp_write_xmit sends next, had `ahead` more bytes been sent already (0: it
 * stops).  The segment must fit the congestion window (in_flight below cwnd, whole segments, as
 * Linux counts packets) and the peer's window.  A full segment always goes.  A partial one limited
 * by the window waits unless it is at least half the largest window the peer offered
 * (sender-side silly-window avoidance, RFC 1122 4.2.3.4).  A partial one that is all the
 * application has written is held by Nagle's algorithm (RFC 896, RFC 1122 4.2.3.4) with
 * Minshall's variant, as Linux's tcp_nagle_check: while data is in flight and the last small
 * segment sent (snd_sml) is not yet acknowledged. */
uint32_t xmit_next_len(const struct tcp_ep *ep, uint32_t ahead)
{
    uint32_t mss = ep_cfg(ep)->mss;
    uint64_t nxt = ep->snd_nxt + ahead, unsent = ep->write_seq - nxt, outstanding = nxt - ep->snd_una;
    if (unsent == 0 || outstanding >= ep->snd_wnd || tcp_in_flight(ep) + ahead >= ep->cwnd) return 0;
    uint32_t len = (uint32_t)min_u64(min_u64(mss, unsent), ep->snd_wnd - outstanding);
    if (len == mss) return len;
    if (len < unsent) return len >= ep->max_snd_wnd / 2 ? len : 0;
    if (ep_cfg(ep)->nagle && nxt > ep->snd_una && ep->snd_sml > ep->snd_una) return 0;
    return len;
}

/* Linux tcp_tso_autosize: the segments of one transmitted skb, about a millisecond at the pacing
 * rate (tcp_update_pacing_rate: mss * max(cwnd, packets out) / srtt, times 2 below half of
 * ssthresh and 1.2 above it; sk_pacing_shift 10), at least tcp_min_tso_segs = 2, at most 64 KB.
 * Linux builds skbs this size even without segmentation offload (software GSO splits them at
 * the device), and charges the send buffer per skb. */
uint32_t tso_segs(const struct tcp_ep *ep)
{
    uint32_t mss = ep_cfg(ep)->mss;
    double bytes = TCP_GSO_MAX_SIZE;
    if (ep->rtt_valid && ep->srtt > 0) {
        double out = (double)max_u64(ep->cwnd, ep->snd_nxt - ep->snd_una);
        double rate = out * (ep->cwnd < ep->ssthresh / 2 ? 2.0 : 1.2) / ((double)ep->srtt / 1e9);
        bytes = rate / 1024;
        if (bytes > TCP_GSO_MAX_SIZE) bytes = TCP_GSO_MAX_SIZE;
    }
    uint32_t segs = (uint32_t)(bytes / mss);
    return segs < 2 ? 2 : segs;
}

/* Send `len` new bytes at snd_nxt; a partial segment becomes the one Minshall's rule waits for.
 * `piece_end`: the last segment of what is sent as one skb, which carries that skb's memory
 * overhead (linux_wmem).  The last unsent skb shrinks with what was sent. */
void send_new_data(struct tcp_ep *ep, uint32_t len, int piece_end)
{
    send_data_segment(ep, ep->snd_nxt, len, 0);
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

/* Send what the windows allow (Linux's tcp_write_xmit in tcp_recovery.c), or arm the persist
 * timer when the peer's window is closed and nothing is in flight. */
void tcp_output(struct tcp_ep *ep)
{
    if (ep->state != TCP_ESTABLISHED || ep->write_seq == ep->snd_nxt) return;
    if (ep->snd_wnd == 0 && ep->snd_nxt == ep->snd_una) {
        /* Zero window and nothing in flight: only the persist timer can learn of an opening. */
        if (!sim_event_pending(&ep->persist_timer)) tcp_timer_arm(ep, &ep->persist_timer, cur_rto(ep));
        return;
    }
    tcp_write_xmit(ep);
}
