/* TCP output's send loop: new data as the windows allow, in skbs of tso_segs segments
 * (tcp_write_xmit), held by TCP Small Queues when sent from a softirq, and the TSQ handler. */
#include "tcp_int.h"
#include "link.h"
#include <string.h>

static void send_new_data_xmit(struct tcp_ep *ep, uint32_t len, int piece_end, uint32_t piece_segs);

/* ------------------------------------------------------------------ TCP Small Queues */

/* Linux tcp_rtx_queue_empty_or_single_skb: a piece's last segment carries its skb_overhead. */
static int rtx_empty_or_single_skb(const struct tcp_ep *ep)
{
    for (size_t i = 0; i < ep->rtx_n; i++)
        if (rtx_at(ep, i)->skb_overhead) return i + 1 >= ep->rtx_n;
    return 1;
}

/* Linux tcp_small_queue_check (factor 0): another skb of `truesize` may leave while the
 * socket's skbs still in the host (sk_wmem_alloc, 1 + their truesize) are at most
 * max(2 truesize, sk_pacing_rate >> sk_pacing_shift 10), at most tcp_limit_output_bytes, or
 * while the retransmission queue holds at most one skb. */
int tsq_throttles(const struct tcp_ep *ep, uint64_t in_host, uint32_t truesize)
{
    double limit = tcp_pacing_rate(ep) / 1024;
    if (limit < 2.0 * truesize) limit = 2.0 * truesize;
    if (limit > TCP_LIMIT_OUTPUT_BYTES) limit = TCP_LIMIT_OUTPUT_BYTES;
    return (double)(1 + in_host) > limit && !rtx_empty_or_single_skb(ep);
}

/* The receiving side of this socket's host: the link that delivers to it, whose host backlog
 * (link_host_backlog_until) the skbs it sends join. */
static const struct link *host_rx_link(const struct tcp_ep *ep)
{
    const struct path *in = &ep->conn->path[1 - (ep - ep->conn->ep)];
    return in->hop[in->n_hops - 1];
}

/* tcp_wfree: forget the skbs the router has taken.  One sent before its free time is gone from
 * that instant on; one sent at its free time (nothing was waiting in the backlog) only once that
 * instant's softirq has ended: for the TSQ handler, which runs after it, or from the next instant. */
static void tsq_forget(struct tcp_ep *ep, int in_handler)
{
    sim_time_t now = ep_now(ep);
    int k = 0;
    while (k < ep->tsq_n && (ep->tsq_skb[k].free_at < now ||
                             (ep->tsq_skb[k].free_at == now && (in_handler || !ep->tsq_skb[k].at_once)))) k++;
    if (!k) return;
    memmove(ep->tsq_skb, ep->tsq_skb + k, (size_t)(ep->tsq_n - k) * sizeof ep->tsq_skb[0]);
    ep->tsq_n = (uint8_t)(ep->tsq_n - k);
}

/* The socket's skbs sent from a softirq and still in the host: Linux's sk_wmem_alloc less one.
 * On a host without a backlog model they are the ones sent at this instant (that softirq has
 * not ended); with one, also those sent while the backlog still holds what was ahead of them. */
uint64_t tsq_in_host(struct tcp_ep *ep)
{
    tsq_forget(ep, 0);
    uint64_t bytes = 0;
    for (int k = 0; k < ep->tsq_n; k++) bytes += ep->tsq_skb[k].bytes;
    return bytes;
}

/* An skb of `bytes` (truesize) sent from a softirq now: it waits in the CPU's backlog behind
 * everything the host's backlog holds, and the router's ip_rcv_core orphans it when the backlog
 * hands it on (on a host with one, the skb's packets have just joined it: the backlog's last
 * hand-over is theirs; 1 ns after it, so that what is handed on at that instant comes first). */
void tsq_sent(struct tcp_ep *ep, uint64_t bytes)
{
    sim_time_t now = ep_now(ep), free_at = link_host_backlog_until(host_rx_link(ep), now);
    if (free_at > now) free_at++;
    uint8_t at_once = free_at == now;
    struct tsq_skb *last = ep->tsq_n ? &ep->tsq_skb[ep->tsq_n - 1] : NULL;
    if (last && ((last->free_at == free_at && last->at_once == at_once) || ep->tsq_n == TSQ_SKBS)) {
        last->bytes += (uint32_t)bytes;           /* they leave together, or no room: held with the last */
        if (free_at > last->free_at) { last->free_at = free_at; last->at_once = at_once; }
        return;
    }
    ep->tsq_skb[ep->tsq_n++] = (struct tsq_skb){ free_at, (uint32_t)bytes, at_once };
}

/* Throttled (TSQ_THROTTLED): the TSQ handler sends the rest once the first of the skbs still in
 * the host has left it (tcp_wfree queues the handler), after whatever else that instant's softirq
 * has queued (the ACKs that arrived with this one). */
void tsq_throttle(struct tcp_ep *ep)
{
    sim_time_t at = ep->tsq_n ? ep->tsq_skb[0].free_at : ep_now(ep);
    if (at < ep_now(ep)) at = ep_now(ep);
    if (!sim_event_pending(&ep->tsq_event)) sim_schedule_at(&ep_net(ep)->sim, &ep->tsq_event, at);
}

/* ------------------------------------------------------------------ the send loop */

/* Linux tcp_tsq_handler -> tcp_tsq_write: once the throttled sender's skbs have left the host
 * (tcp_wfree), lost segments go first while the window has room, then new data.  It runs after
 * whatever else the softirq had queued: ACKs that arrived at the same instant come first. */
void on_tsq(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct tcp_ep *ep = ev->ctx;
    if (ep->state != TCP_ESTABLISHED) return;
    tsq_forget(ep, 1);                                /* tcp_wfree: what has left by now */
    if (ep->lost_out > ep->retrans_out && ep->cwnd > tcp_in_flight(ep)) xmit_retransmit_queue(ep);
    tcp_output_softirq(ep);
}

/* The bytes of the next piece tcp_write_xmit would send (its skb, before the overhead). */
static uint32_t next_piece_bytes(const struct tcp_ep *ep, uint32_t segs, int push)
{
    uint32_t bytes = 0, len;
    for (uint32_t k = 0; k < segs && (len = xmit_next_len(ep, bytes, bytes, push)) > 0; k++) bytes += len;
    return bytes;
}

/* New data as the windows allow (Linux tcp_write_xmit; xmit_next_len), sent as skbs of
 * tso_segs segments: each piece sent is an skb of its own in the send buffer's memory (Linux
 * tso_fragment splits the write queue's large skbs at transmit time), the last segment of a
 * piece carries its overhead.  `push`: TCP_NAGLE_PUSH (tcp_output_push).  `softirq`: sent from
 * an ACK's processing or the TSQ handler, where TCP Small Queues (tcp_small_queue_check) holds
 * the next piece while the socket's skbs sent in this softirq exceed its limit (on this testbed
 * two skbs at these rates): the rest goes from the TSQ handler, interleaved with the other
 * flows' sends of the same instant, as the kernel engine's captures show (docs/validation.md,
 * item 32).  From the writer's process each skb is freed as it is sent: no limit. */
void tcp_write_xmit(struct tcp_ep *ep, int push, int softirq)
{
    if (sim_event_pending(&ep->tsq_event)) return;   /* throttled: the TSQ handler sends */
    int sent = 0;
    uint32_t segs = tso_segs(ep), n = 0, len, piece_bytes = 0;
    uint64_t in_host;
    while ((len = xmit_next_len(ep, 0, piece_bytes, push)) > 0) {
        /* (Nothing of this socket's in the host: the first skb always goes, so the next
         * piece's size is not worked out.) */
        if (softirq && piece_bytes == 0 && (in_host = tsq_in_host(ep)) > 0 &&
            tsq_throttles(ep, in_host, next_piece_bytes(ep, segs, push) + TCP_SKB_OVERHEAD)) {
            tsq_throttle(ep);
            break;
        }
        int piece_end = ++n % segs == 0 || ep->snd_nxt + len == ep->write_seq ||
                        xmit_next_len(ep, len, piece_bytes + len, push) == 0;
        send_new_data_xmit(ep, len, piece_end, (n - 1) % segs + 1);
        if (softirq && piece_end) tsq_sent(ep, piece_bytes + len + TCP_SKB_OVERHEAD);
        piece_bytes = piece_end ? 0 : piece_bytes + len;
        sent = 1;
    }
    int limited = tcp_in_flight(ep) >= ep->cwnd;
    if (sent || limited) cwnd_validate(ep, limited);
    if (sent) schedule_loss_probe(ep, 0);     /* one probe per tail: re-armed with each send */
}

/* New data (Linux tcp_event_new_data_sent): the RTO is (re)armed when
 * nothing was outstanding or a loss probe was the armed kind. */
static void send_new_data_xmit(struct tcp_ep *ep, uint32_t len, int piece_end, uint32_t piece_segs)
{
    int idle = ep->snd_una == ep->snd_max;
    send_new_data(ep, len, piece_end, piece_segs);
    if (in_cwnd_reduction(ep)) ep->prr_out += len;
    if (idle || ep->timer_kind == XMIT_TLP) rearm_rto(ep);
}
