/* TCP congestion control: the window after a congestion event and its growth on new ACKs —
 * slow start and Reno congestion avoidance with byte counting (RFC 5681, RFC 3465), or CUBIC
 * (RFC 9438). */
#include "tcp_int.h"
#include <math.h>

/* ssthresh after a congestion event.  RFC 5681: max(FlightSize / 2, 2 SMSS).  RFC 9438: cwnd * 0.7,
 * remembering W_max (lowered further when the window had not regained the last one: "fast
 * convergence", which yields bandwidth to newer flows) and ending the growth epoch. */
#define CUBIC_C    0.4
#define CUBIC_BETA 0.7
uint32_t loss_ssthresh(struct tcp_ep *ep)
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


/* New data acknowledged outside recovery: grow the window. */
void cong_on_ack(struct tcp_ep *ep, uint64_t acked)
{
    uint32_t mss = ep_cfg(ep)->mss;
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
