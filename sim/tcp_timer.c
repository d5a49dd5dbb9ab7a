/* TCP timers: the retransmission timer (RFC 6298; it also serves RACK's reordering window and
 * the tail loss probe, as Linux's), delayed ACK (RFC 1122 4.2.3.2), compressed SACK and the
 * persist timer that probes a zero window; all but the compressed SACK (an hrtimer in Linux) run
 * on the kernel's timer wheel, in whole jiffies. */
#include "tcp_int.h"

/* Arm a timer `d` from now as Linux arms a timer_list (sk_reset_timer, mod_timer): the timeout
 * in whole jiffies, rounded up (usecs_to_jiffies), expires = jiffies + that; the timer wheel puts
 * it in the level its distance falls in (calc_wheel_index: under 63 jiffies level 0, then levels
 * of 8x coarser granularity, each from 63 of its units on) and rounds the expiry up to the next
 * boundary of that level's granularity strictly after it (calc_index: (expires >> shift) + 1), so
 * it never fires early and fires on a tick.  At HZ 250: a 40-ms delayed ACK goes 40-44 ms after
 * it was armed, a 300-ms RTO at the next 32-ms boundary after the 75th tick, a 1-s SYN timeout
 * 1.004-1.032 s after the SYN (this machine's kernel, a dropped SYN: 1.020-1.029 s; after 2 s of
 * backoff 2.012 s, level 1; after 4 s 4.128 s, level 2, whose granularity is 256 ms).  The wheel's
 * own clock is taken as jiffies (it may lag by one; that only moves the level boundaries by one
 * tick).  Ticks are counted from the run's start; hz 0: an exact timer. */
void tcp_timer_arm(struct tcp_ep *ep, struct sim_event *ev, sim_time_t d)
{
    struct sim *s = &ep_net(ep)->sim;
    uint32_t hz = ep_cfg(ep)->hz;
    if (!hz) { sim_schedule_in(s, ev, d > 0 ? d : 1); return; }
    sim_time_t tick = tcp_tick(ep);
    uint64_t jiffies = (uint64_t)(s->now / tick);
    uint64_t n = d > 0 ? (uint64_t)(tcp_jiffies_up(ep, d) / tick) : 0, expires = jiffies + n;
    unsigned shift = 0;
    while (shift < 8 * TIMER_LVL_CLK_SHIFT && n >= (uint64_t)(TIMER_LVL_SIZE - 1) << shift)
        shift += TIMER_LVL_CLK_SHIFT;
    uint64_t fire = ((expires >> shift) + 1) << shift;
    sim_schedule_at(s, ev, (sim_time_t)fire * tick);
}

void arm_rto(struct tcp_ep *ep)
{
    ep->timer_kind = XMIT_RTO;
    tcp_timer_arm(ep, &ep->rto_timer, cur_rto(ep));
}

void on_delack(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct tcp_ep *ep = ev->ctx;
    /* "Delayed ACK missed: inflate ATO" (tcp_delack_timer_handler): a segment waited for the
     * timer, so the next wait is twice as long, at most the RTO. */
    ep->ato = 2 * ep->ato < cur_rto(ep) ? 2 * ep->ato : cur_rto(ep);
    send_pure_ack(ep);
}

/* The compressed-SACK timer (Linux tcp_compressed_ack_kick): the held-back ACKs become one. */
void on_comp_sack(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct tcp_ep *ep = ev->ctx;
    if (ep->comp_acks) send_pure_ack(ep);
}

/* The persist timer, Linux's tcp_probe_timer and tcp_send_probe0.  Not needed once data is in
 * flight or nothing waits.  Otherwise tcp_write_wakeup: if the peer's window holds part of the
 * next data (a window shorter than a segment, which tcp_snd_wnd_test holds back), that part goes,
 * at most one MSS, with PSH, and the retransmission timer takes over with the backoff cleared; if
 * the window is closed, a zero-window probe (send_window_probe) goes and the timer is re-armed at
 * the base timeout doubled once more (tcp_probe0_when: tcp_probe0_base << icsk_backoff, at most
 * rto_max; the backoff is the RTO's, as in Linux).  The probe's ACK carries the window; the
 * receiver's window update after a read (tcp_read) usually comes first.  Not modelled: giving up
 * after tcp_retries2 probes (the project's receivers never stop reading). */
void on_persist(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct tcp_ep *ep = ev->ctx;
    if (ep->state != TCP_ESTABLISHED || ep->snd_max != ep->snd_una || ep->write_seq == ep->snd_nxt) return;
    uint32_t len = window_head_len(ep);
    if (len) {
        send_new_data_psh(ep, len, 1, 1);                /* tcp_write_wakeup sets TCPHDR_PSH */
        ep->backoff = 0;
        return;
    }
    send_window_probe(ep);
    if (ep->backoff < 16) ep->backoff++;
    tcp_timer_arm(ep, &ep->persist_timer, tcp_probe0_when(ep));
}

void on_rto(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct tcp_ep *ep = ev->ctx;
    if (ep->state == TCP_SYN_SENT || ep->state == TCP_SYN_RCVD) {
        /* Lost SYN or SYN-ACK: resend it with backoff. */
        ep->st.rto_expiries++;
        ep->syn_retrans++;
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
