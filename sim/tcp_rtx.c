/* The retransmission queue: one record per segment sent and not yet cumulatively acknowledged,
 * with its last transmit time and its scoreboard flags (Linux's tcp_rtx_queue and the tagging
 * of tcp_sacktag_write_queue / tcp_clean_rtx_queue). */
#include "tcp_int.h"
#include <stdio.h>
#include <stdlib.h>

static void rtx_grow(struct tcp_ep *ep)
{
    /* from 8: a direction that carries only requests or ACKs keeps a few segments in flight, and
     * a swarm has thousands of such connections */
    size_t cap = ep->rtx_cap ? 2 * ep->rtx_cap : 8;
    struct tcp_skb *v = malloc(cap * sizeof *v);
    if (!v) { perror("tcp"); exit(1); }
    for (size_t i = 0; i < ep->rtx_n; i++) v[i] = *rtx_at(ep, i);
    free(ep->rtx);
    ep->rtx = v;
    ep->rtx_cap = cap;
    ep->rtx_head = 0;
}

size_t rtx_find(const struct tcp_ep *ep, uint64_t seq)
{
    size_t lo = 0, hi = ep->rtx_n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (rtx_at(ep, mid)->end <= seq) lo = mid + 1; else hi = mid;
    }
    return lo;
}

void rtx_sent(struct tcp_ep *ep, uint64_t seq, uint64_t end)
{
    sim_time_t now = ep_now(ep);
    if (seq < ep->snd_max) {
        /* A retransmission: every record it overlaps counts as retransmitted (Karn). */
        uint64_t stop = min_u64(end, ep->snd_max);
        for (size_t i = rtx_find(ep, seq); i < ep->rtx_n; i++) {
            struct tcp_skb *s = rtx_at(ep, i);
            if (s->end - s->len >= stop) break;
            s->xmit = now;
            s->flags |= TCPCB_EVER_RETRANS;
        }
        seq = stop;
    }
    if (end <= seq) return;
    if (ep->rtx_n == ep->rtx_cap) rtx_grow(ep);
    *rtx_at(ep, ep->rtx_n++) = (struct tcp_skb){ end, now, (uint32_t)(end - seq), 0, 0 };
    ep->wmem_sent += end - seq;
}

/* RFC 8985 / Linux tcp_rack_advance: remember the most recently sent segment that was delivered.
 * A retransmitted one delivered faster than min_rtt was probably the original: skip it. */
static void rack_advance(struct tcp_ep *ep, const struct tcp_skb *s)
{
    sim_time_t rtt = ep_now(ep) - s->xmit;
    if ((s->flags & TCPCB_RETRANS) && ep->min_rtt && rtt < ep->min_rtt) return;
    ep->rack_advanced = 1;
    ep->rack_rtt = rtt;
    if (s->xmit > ep->rack_mstamp || (s->xmit == ep->rack_mstamp && s->end > ep->rack_end_seq)) {
        ep->rack_mstamp = s->xmit;
        ep->rack_end_seq = s->end;
    }
}

/* Forget the scoreboard state of `s` as it leaves the lost / retransmitted / SACKed sets. */
static void skb_unmark(struct tcp_ep *ep, struct tcp_skb *s, uint32_t bits)
{
    if (bits & s->flags & TCPCB_LOST) ep->lost_out -= s->len;
    if (bits & s->flags & TCPCB_SACKED_RETRANS) ep->retrans_out -= s->len;
    if (bits & s->flags & TCPCB_SACKED_ACKED) ep->sacked_out -= s->len;
    s->flags &= ~bits;
}

void rtx_sacktag(struct tcp_ep *ep, const struct packet *p, struct ack_state *a)
{
    int first = 0;
    /* RFC 2883 / Linux tcp_check_dsack: a first block below the cumulative ACK, or inside the
     * second block, reports a duplicate.  Each duplicate of a retransmission means that
     * retransmission was unnecessary (undo_retrans counts the others). */
    if (p->n_sack && (p->sack[0][0] < p->ack ||
                      (p->n_sack > 1 && p->sack[0][0] >= p->sack[1][0] && p->sack[0][1] <= p->sack[1][1]))) {
        first = 1;
        a->flag |= FLAG_DSACKING_ACK;
        ep->st.dsacks_in++;
        if (ep->undo_marker && ep->undo_retrans > 0 && p->sack[0][1] > ep->undo_marker) {
            uint64_t segs = (p->sack[0][1] - p->sack[0][0] + ep_cfg(ep)->mss - 1) / ep_cfg(ep)->mss;
            ep->undo_retrans = segs >= (uint64_t)ep->undo_retrans ? 0 : ep->undo_retrans - (int64_t)segs;
        }
    }
    for (int b = first; b < p->n_sack; b++) {
        uint64_t s0 = max_u64(p->sack[b][0], max_u64(p->ack, ep->snd_una)), e0 = min_u64(p->sack[b][1], ep->snd_max);
        if (e0 <= s0) continue;
        for (size_t i = rtx_find(ep, s0); i < ep->rtx_n; i++) {
            struct tcp_skb *s = rtx_at(ep, i);
            if (s->end > e0) break;
            if (s->end - s->len < s0 || (s->flags & TCPCB_SACKED_ACKED)) continue;
            skb_unmark(ep, s, TCPCB_LOST | TCPCB_SACKED_RETRANS);
            s->flags |= TCPCB_SACKED_ACKED;
            ep->sacked_out += s->len;
            a->delivered += s->len;
            a->flag |= FLAG_DATA_SACKED;
            if (!(s->flags & TCPCB_RETRANS)) {
                if (s->end <= ep->high_seq) a->flag |= FLAG_ORIG_SACK_ACKED;
                if (!a->have_sack_rtt || s->xmit < a->first_sackt) a->first_sackt = s->xmit;
                a->have_sack_rtt = 1;
            }
            rack_advance(ep, s);
        }
    }
}

void rtx_clean(struct tcp_ep *ep, uint64_t ack, struct ack_state *a)
{
    while (ep->rtx_n) {
        struct tcp_skb *s = rtx_at(ep, 0);
        if (s->end > ack) {
            /* Cumulatively acknowledged in part (a zero-window probe's byte): trim the head. */
            uint64_t start = s->end - s->len;
            if (ack > start) {
                uint32_t d = (uint32_t)(ack - start);
                if (s->flags & TCPCB_LOST) ep->lost_out -= d;
                if (s->flags & TCPCB_SACKED_RETRANS) ep->retrans_out -= d;
                if (s->flags & TCPCB_SACKED_ACKED) ep->sacked_out -= d;
                s->len -= d;
                ep->wmem_sent -= d;
            }
            break;
        }
        if (s->flags & TCPCB_RETRANS) {
            a->flag |= FLAG_RETRANS_DATA_ACKED;
        } else if (!(s->flags & TCPCB_SACKED_ACKED)) {
            if (!a->have_rtt) { a->have_rtt = 1; a->first_ackt = s->xmit; }
            if (s->end <= ep->high_seq) a->flag |= FLAG_ORIG_SACK_ACKED;
        }
        if (!(s->flags & TCPCB_SACKED_ACKED)) {
            a->delivered += s->len;
            if (ep_cfg(ep)->sack) rack_advance(ep, s);
        }
        a->acked_segs++;
        ep->wmem_sent -= s->len + s->skb_overhead;
        skb_unmark(ep, s, TCPCB_LOST | TCPCB_SACKED_RETRANS | TCPCB_SACKED_ACKED);
        ep->rtx_head = (ep->rtx_head + 1) & (ep->rtx_cap - 1);
        ep->rtx_n--;
    }
}

void skb_mark_lost(struct tcp_ep *ep, struct tcp_skb *s)
{
    if (s->flags & TCPCB_SACKED_ACKED) return;
    if (s->flags & TCPCB_LOST) {
        if (s->flags & TCPCB_SACKED_RETRANS) {
            /* The retransmission is lost too (RACK: TCPLostRetransmit). */
            skb_unmark(ep, s, TCPCB_SACKED_RETRANS);
            ep->st.lost_retransmits++;
        }
    } else {
        s->flags |= TCPCB_LOST;
        ep->lost_out += s->len;
    }
}

void rtx_free(struct tcp_ep *ep)
{
    free(ep->rtx);
    ep->rtx = NULL;
    ep->rtx_n = ep->rtx_cap = ep->rtx_head = 0;
}
