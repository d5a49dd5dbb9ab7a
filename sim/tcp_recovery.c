/* TCP loss recovery with SACK: the RFC 6675 scoreboard (which holes count as lost, the pipe
 * estimate, the next segment to send) and the send loop that uses it during recovery. */
#include "tcp_int.h"

/* A hole is lost once more than (DupThresh - 1) * SMSS bytes
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

void sack_output(struct tcp_ep *ep)
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
        uint64_t flight = ep->snd_nxt - ep->snd_una;
        if (flight >= ep->snd_wnd) break;
        len = new_data_len(ep, ep->snd_wnd - flight);
        if (len == 0) break;
        send_new_data(ep, len);
    }
}

