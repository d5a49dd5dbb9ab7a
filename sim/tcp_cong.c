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
 * that half segment is a packet more in the modem's FIFO ahead of the other flows.  CUBIC as
 * Linux's bictcp_recalc_ssthresh: cwnd * 717 / 1024 (beta 0.7 in tenths of a thousand and
 * twenty-four) in whole segments, at least 2, remembering W_max (lowered to cwnd * (1024 + 717) /
 * 2048 when the window had not regained the last one: "fast convergence", which yields bandwidth
 * to newer flows) and ending the growth epoch (RFC 9438 4.6-4.7). */
#define CUBIC_C    0.4
#define CUBIC_BETA 0.7
#define CUBIC_BETA_SCALED 717u      /* Linux tcp_cubic.c beta, of BICTCP_BETA_SCALE = 1024 */
uint32_t loss_ssthresh(struct tcp_ep *ep)
{
    uint32_t mss = ep_cfg(ep)->mss, segs = ep->cwnd / mss;
    if (!ep_cfg(ep)->cubic) return (uint32_t)max_u64(segs / 2, 2u) * mss;
    ep->cubic_wmax = segs < ep->cubic_wmax ? (double)(segs * (1024u + CUBIC_BETA_SCALED) / 2048u) : segs;
    ep->cubic_epoch = 0;
    return (uint32_t)max_u64((uint64_t)segs * CUBIC_BETA_SCALED / 1024u, 2u) * mss;
}

/* Linux tcp_cong_avoid_ai: one segment more per w segments acknowledged (counted in bytes here,
 * snd_cwnd_cnt in Linux), so the window stays a whole number of segments. */
static void cong_avoid_ai(struct tcp_ep *ep, uint32_t w, uint64_t acked)
{
    uint32_t mss = ep_cfg(ep)->mss;
    uint64_t per = (uint64_t)(w ? w : 1) * mss;
    if (ep->bytes_acked_ca >= per) { ep->bytes_acked_ca = 0; ep->cwnd += mss; }
    uint64_t cnt = ep->bytes_acked_ca + acked;
    if (cnt >= per) {
        uint64_t segs = cnt / per;
        cnt -= segs * per;
        ep->cwnd += (uint32_t)(segs * mss);
    }
    ep->bytes_acked_ca = (uint32_t)cnt;
}

/* RFC 9438 4.2-4.4: in congestion avoidance the window follows W_cubic(t) = C (t - K)^3 + W_max,
 * aiming one RTT ahead and at most 1.5 cwnd, but never below the Reno-friendly estimate W_est.
 * As Linux's bictcp_update the target becomes a count: one segment more per cwnd / (target -
 * cwnd) segments acknowledged (at least 2, i.e. at most 1.5 cwnd per round trip; 100 cwnd when
 * the target is not above the window), applied by tcp_cong_avoid_ai in whole segments. */
static void cubic_grow(struct tcp_ep *ep, uint64_t acked)
{
    double mss = ep_cfg(ep)->mss, w = (double)(ep->cwnd / ep_cfg(ep)->mss), segs = (double)acked / mss;
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
    double cnt = target > w ? w / (target - w) : 100 * w;
    if (cnt < 2) cnt = 2;
    if (cnt > 1e9) cnt = 1e9;
    cong_avoid_ai(ep, (uint32_t)cnt, acked);
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

/* Restart after idle (RFC 2861 / RFC 7661 4.1's "old" rule, Linux's default
 * net.ipv4.tcp_slow_start_after_idle = 1, also inside the kernel engine's namespaces): when the
 * application writes a new skb with nothing in flight and no data has been sent for longer than
 * the RTO, the window no longer reflects the path.  Linux tcp_slow_start_after_idle_check
 * (include/net/tcp.h, called from tcp_skb_entail) and tcp_cwnd_restart (tcp_output.c): ssthresh
 * becomes tcp_current_ssthresh (at least 3/4 of the window unless in CWR or Recovery), and the
 * window halves once per RTO of the idle time beyond the first, not below the restart window
 * min(initial window, cwnd).  Both times in jiffies (lsndtime, icsk_rto). */
void cwnd_restart_after_idle(struct tcp_ep *ep)
{
    if (ep->rtx_n != 0 || ep->state != TCP_ESTABLISHED) return;     /* tp->packets_out */
    sim_time_t tick = tcp_tick(ep), delta = ep_now(ep) / tick * tick - ep->lsndtime / tick * tick;
    if (delta <= ep->rto) return;
    uint32_t mss = ep_cfg(ep)->mss, cwnd = ep->cwnd / mss;
    uint32_t restart = (uint32_t)min_u64(ep_cfg(ep)->init_cwnd, cwnd);
    ep->ssthresh = current_ssthresh(ep);
    while ((delta -= ep->rto) > 0 && cwnd > restart) cwnd >>= 1;
    ep->cwnd = (uint32_t)max_u64(cwnd, restart) * mss;
    ep->st.idle_restarts++;
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
    cong_avoid_ai(ep, ep->cwnd / mss, acked);     /* Linux tcp_reno_cong_avoid */
}
