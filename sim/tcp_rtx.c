/* The retransmission queue: one record per segment sent and not yet cumulatively acknowledged,
 * with its last transmit time and whether it was ever retransmitted (Linux's tcp_rtx_queue). */
#include "tcp_int.h"
#include <stdio.h>
#include <stdlib.h>

static inline struct tcp_skb *rtx_at(const struct tcp_ep *ep, size_t i)
{
    return &ep->rtx[(ep->rtx_head + i) & (ep->rtx_cap - 1)];
}

static void rtx_grow(struct tcp_ep *ep)
{
    size_t cap = ep->rtx_cap ? 2 * ep->rtx_cap : 64;
    struct tcp_skb *v = malloc(cap * sizeof *v);
    if (!v) { perror("tcp"); exit(1); }
    for (size_t i = 0; i < ep->rtx_n; i++) v[i] = *rtx_at(ep, i);
    free(ep->rtx);
    ep->rtx = v;
    ep->rtx_cap = cap;
    ep->rtx_head = 0;
}

/* Index of the first record ending after seq (rtx_n if none): records are sorted by end. */
static size_t rtx_find(const struct tcp_ep *ep, uint64_t seq)
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
    *rtx_at(ep, ep->rtx_n++) = (struct tcp_skb){ end, now, (uint32_t)(end - seq), 0 };
}

struct rtx_acked rtx_clean(struct tcp_ep *ep, uint64_t ack)
{
    struct rtx_acked a = { 0, 0, 0 };
    while (ep->rtx_n) {
        struct tcp_skb *s = rtx_at(ep, 0);
        if (s->end > ack) break;
        if (s->flags & TCPCB_EVER_RETRANS) {
            a.retrans = 1;
        } else if (!a.have) {
            a.have = 1;
            a.first_xmit = s->xmit;
        }
        ep->rtx_head = (ep->rtx_head + 1) & (ep->rtx_cap - 1);
        ep->rtx_n--;
    }
    return a;
}

void rtx_free(struct tcp_ep *ep)
{
    free(ep->rtx);
    ep->rtx = NULL;
    ep->rtx_n = ep->rtx_cap = ep->rtx_head = 0;
}
