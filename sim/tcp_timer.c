/* TCP timers: the retransmission timer (RFC 6298; it also serves RACK's reordering window and
 * the tail loss probe, as Linux's), delayed ACK (RFC 1122 4.2.3.2), compressed SACK and the
 * persist timer that probes a zero window. */
#include "tcp_int.h"

void arm_rto(struct tcp_ep *ep)
{
    ep->timer_kind = XMIT_RTO;
    sim_schedule_in(&ep_net(ep)->sim, &ep->rto_timer, cur_rto(ep));
}

void on_delack(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct tcp_ep *ep = ev->ctx;
    send_pure_ack(ep);
}

/* The compressed-SACK timer (Linux tcp_compressed_ack_kick): the held-back ACKs become one. */
void on_comp_sack(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct tcp_ep *ep = ev->ctx;
    if (ep->comp_acks) send_pure_ack(ep);
}

void on_persist(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct tcp_ep *ep = ev->ctx;
    if (ep->snd_wnd > 0 || ep->write_seq == ep->snd_nxt) { tcp_output(ep); return; }
    /* Zero-window probe: one byte beyond the window; the receiver answers with its window. */
    send_data_segment(ep, ep->snd_nxt, 1, 1);
    if (ep->backoff < 16) ep->backoff++;
    sim_time_t t = ep->rto << ep->backoff;
    if (t > ep_cfg(ep)->rto_max || t <= 0) t = ep_cfg(ep)->rto_max;
    sim_schedule_in(&ep_net(ep)->sim, &ep->persist_timer, t);
}

void on_rto(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct tcp_ep *ep = ev->ctx;
    if (ep->state == TCP_SYN_SENT || ep->state == TCP_SYN_RCVD) {
        /* Lost SYN or SYN-ACK: resend it with backoff. */
        ep->st.rto_expiries++;
        if (ep->backoff < 16) ep->backoff++;
        struct packet *p = new_syn_segment(ep, ep->state == TCP_SYN_SENT ? TCPF_SYN : (TCPF_SYN | TCPF_ACK));
        p->seq = 0;
        ep->st.segs_out++;
        net_send(ep_net(ep), ep->out, p);
        arm_rto(ep);
        return;
    }
    if (ep->snd_una == ep->snd_max) return;
    /* One timer serves the RTO, RACK's reordering window and the loss probe (Linux's
     * icsk_pending). */
    if (ep->timer_kind == XMIT_TLP) { tcp_send_loss_probe(ep); return; }
    if (ep->timer_kind == XMIT_REO) { tcp_rack_reo_timeout(ep); return; }
    ep->st.rto_expiries++;
    tcp_retransmit_timer(ep);
    if (ep->backoff < 16) ep->backoff++;   /* RFC 6298 (5.5) */
    arm_rto(ep);
}
