/* TCP congestion control as Linux's tcp_cong.c: the window after a congestion event and its
 * growth on new ACKs (slow start and Reno congestion avoidance, or CUBIC, RFC 9438), only while
 * the window is what limits the sender (tcp_is_cwnd_limited, RFC 7661's idea). */
#include "tcp_int.h"
#include <math.h>

/* ssthresh after a congestion event.  Linux tcp_reno_ssthresh: max(snd_cwnd >> 1, 2) in whole
 * segments (RFC 5681 says FlightSize / 2 in bytes; the same while the window is used, see
 * cwnd_validate).  The halving is of a segment count and rounds down: from 5 segments Linux goes
 * to 2, where half the bytes (2.5 segments) would let a third segment out, since a segment may
 * be sent while in_flight < cwnd.  With the windows of 2-6 segments a saturating upload lives at,
 * that half segment is a packet more in the modem's FIFO ahead of the other flows.  RFC 9438: cwnd * 0.7,
 * remembering W_max (lowered further when the window had not regained the last one: "fast
 * convergence", which yields bandwidth to newer flows) and ending the growth epoch. */
#define CUBIC_C    0.4
#define CUBIC_BETA 0.7
uint32_t loss_ssthresh(struct tcp_ep *ep)
{
    uint32_t mss = ep_cfg(ep)->mss;
    if (!ep_cfg(ep)->cubic) return (uint32_t)max_u64(ep->cwnd / mss / 2, 2u) * mss;
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


/* Linux tcp_is_cwnd_limited: the window was full in the current round trip, or (slow start)
 * it is below twice the most that was in flight. */
static int cwnd_limited(const struct tcp_ep *ep)
{
    if (ep->is_cwnd_limited) return 1;
    if (ep->cwnd < ep->ssthresh) return ep->cwnd < 2 * ep->max_flight;
    return 0;
}

/* Linux tcp_cwnd_validate, after each transmission attempt: remember whether the window limited
 * the sender in this round trip (ending at cwnd_usage_seq), else the most that was in flight. */
void cwnd_validate(struct tcp_ep *ep, int is_cwnd_limited)
{
    uint64_t out = ep->snd_nxt - ep->snd_una;
    if (ep->snd_una >= ep->cwnd_usage_seq || is_cwnd_limited || (!ep->is_cwnd_limited && out > ep->max_flight)) {
        ep->is_cwnd_limited = (uint8_t)is_cwnd_limited;
        ep->max_flight = out;
        ep->cwnd_usage_seq = ep->snd_nxt;
    }
}

/* New data delivered outside a window reduction (Linux tcp_cong_avoid): slow start adds what was
 * acknowledged up to ssthresh (tcp_slow_start: a stretch ACK counts in full), the rest goes to
 * congestion avoidance, one segment per window acknowledged (tcp_cong_avoid_ai), or CUBIC. */
void cong_on_ack(struct tcp_ep *ep, uint64_t acked)
{
    uint32_t mss = ep_cfg(ep)->mss;
    if (!cwnd_limited(ep)) return;
    if (ep->cwnd < ep->ssthresh) {
        uint64_t cwnd = min_u64((uint64_t)ep->cwnd + acked, ep->ssthresh);
        acked -= cwnd - ep->cwnd;
        ep->cwnd = (uint32_t)cwnd;
        if (!acked) return;
    }
    if (ep_cfg(ep)->cubic) {
        cubic_grow(ep, acked);
        return;
    }
    ep->bytes_acked_ca += (uint32_t)acked;
    if (ep->bytes_acked_ca >= ep->cwnd) {
        uint32_t segs = ep->bytes_acked_ca / ep->cwnd;
        ep->bytes_acked_ca -= segs * ep->cwnd;
        ep->cwnd += segs * mss;
    }
}
