/* Loss recovery as Linux does it: the Open / Disorder / CWR / Recovery / Loss states of
 * tcp_fastretrans_alert with proportional rate reduction (RFC 6937) and undo, F-RTO after a
 * timeout (RFC 5682, tcp_process_loss); with SACK, RACK loss detection (RFC 8985,
 * tcp_rack_detect_loss) with its reordering timer and tail loss probes (RFC 8985, TLP); without
 * SACK, duplicate ACKs counted as "reno SACKs" and NewReno's head-of-queue marking
 * (tcp_add_reno_sack, tcp_newreno_mark_lost). */
#include "tcp_int.h"

#define TCP_TIMEOUT_MIN SIM_MS(2)       /* Linux TCP_TIMEOUT_MIN(_US): timer slack, 2 ms */
enum { REXMIT_NONE, REXMIT_LOST, REXMIT_NEW };

static inline uint32_t mss_of(const struct tcp_ep *ep) { return ep_cfg(ep)->mss; }
static inline int is_reno(const struct tcp_ep *ep) { return !ep_cfg(ep)->sack; }

/* Linux tcp_packets_in_flight, in bytes: sent - SACKed - lost + retransmitted. */
uint64_t tcp_in_flight(const struct tcp_ep *ep)
{
    uint64_t out = ep->snd_nxt - ep->snd_una, left = ep->sacked_out + ep->lost_out;
    return (out > left ? out - left : 0) + ep->retrans_out;
}

/* ------------------------------------------------------------------ timers */

/* Linux tcp_rearm_rto: the RTO from now, or, while a reordering timer or loss probe is the
 * armed kind, from the head's transmission (so those never postpone the RTO). */
void rearm_rto(struct tcp_ep *ep)
{
    if (ep->snd_una == ep->snd_max) { sim_cancel(&ep_net(ep)->sim, &ep->rto_timer); return; }
    if ((ep->timer_kind == XMIT_REO || ep->timer_kind == XMIT_TLP) && ep->rtx_n) {
        sim_time_t delta = rtx_at(ep, 0)->xmit + cur_rto(ep) - ep_now(ep);
        ep->timer_kind = XMIT_RTO;
        tcp_timer_arm(ep, &ep->rto_timer, delta > 0 ? delta : 1);
        return;
    }
    arm_rto(ep);
}

/* Linux tcp_schedule_loss_probe: on a SACK connection in Open or CWR with data outstanding, a
 * probe timeout PTO = 2 srtt (+ rto_min when only one segment is out, for the peer's delayed
 * ACK; + 2 ms otherwise), unless the RTO would fire earlier; both in jiffies rounded up
 * (usecs_to_jiffies of each, and the smaller of two rounded values is the rounded smaller one),
 * armed on the timer wheel. */
int schedule_loss_probe(struct tcp_ep *ep, int advancing_rto)
{
    if (is_reno(ep) || (ep->ca_state != TCP_CA_OPEN && ep->ca_state != TCP_CA_CWR)) return 0;
    if (ep->snd_una == ep->snd_max) return 0;
    sim_time_t pto;
    if (ep->rtt_valid) {
        pto = 2 * ep->srtt;
        pto += (ep->snd_max - ep->snd_una <= mss_of(ep)) ? ep_cfg(ep)->rto_min : TCP_TIMEOUT_MIN;
    } else {
        pto = ep_cfg(ep)->rto_initial;
    }
    sim_time_t rto_delta = cur_rto(ep);
    if (!advancing_rto && ep->rtx_n)
        rto_delta = rtx_at(ep, 0)->xmit + cur_rto(ep) - ep_now(ep);     /* Linux tcp_rto_delta_us */
    if (rto_delta > 0 && rto_delta < pto) pto = rto_delta;
    ep->timer_kind = XMIT_TLP;
    tcp_timer_arm(ep, &ep->rto_timer, pto > 0 ? pto : 1);
    return 1;
}

/* Linux tcp_set_xmit_timer: after an ACK, a loss probe if one applies, else the RTO. */
void tcp_set_xmit_timer(struct tcp_ep *ep)
{
    if (!schedule_loss_probe(ep, 1)) rearm_rto(ep);
}

/* ------------------------------------------------------------------ RACK */

/* Linux tcp_rack_reo_wnd without reordering ever seen (these paths are FIFOs): none in recovery
 * or once a DupThresh of segments is SACKed, else min_rtt / 4 (at most srtt). */
static sim_time_t rack_reo_wnd(const struct tcp_ep *ep)
{
    if (ep->ca_state >= TCP_CA_RECOVERY) return 0;
    if (ep->sacked_out >= (uint64_t)DUPACK_THRESH * mss_of(ep)) return 0;
    sim_time_t w = ep->min_rtt / 4;
    return w < ep->srtt ? w : ep->srtt;
}

/* RFC 8985 6.2 / Linux tcp_rack_detect_loss: a segment (or its retransmission) is lost when a
 * segment sent after it has been delivered and it is still unacknowledged rack_rtt + reo_wnd
 * after its own transmission.  Returns how long until the next one would qualify (0: none). */
static sim_time_t rack_detect_loss(struct tcp_ep *ep, uint32_t *flag)
{
    sim_time_t reo_wnd = rack_reo_wnd(ep), now = ep_now(ep), wait = 0;
    for (size_t i = 0; i < ep->rtx_n; i++) {
        struct tcp_skb *s = rtx_at(ep, i);
        if (s->flags & TCPCB_SACKED_ACKED) continue;
        if ((s->flags & TCPCB_LOST) && !(s->flags & TCPCB_SACKED_RETRANS)) continue;  /* awaiting resend */
        if (!(s->xmit < ep->rack_mstamp || (s->xmit == ep->rack_mstamp && s->end < ep->rack_end_seq))) {
            /* Sent after the newest delivered one.  Never-retransmitted segments are in
             * transmit order, so none after this one qualifies either. */
            if (!(s->flags & TCPCB_EVER_RETRANS)) break;
            continue;
        }
        sim_time_t remaining = ep->rack_rtt + reo_wnd - (now - s->xmit);
        if (remaining <= 0) {
            if (s->flags & TCPCB_SACKED_RETRANS) *flag |= FLAG_LOST_RETRANS;
            skb_mark_lost(ep, s);
        } else if (remaining > wait) {
            wait = remaining;
        }
    }
    return wait;
}

/* Linux tcp_rack_mark_lost: detect when something new was delivered; arm the reordering timer
 * (in place of the RTO) for segments that may still turn out lost. */
static void rack_mark_lost(struct tcp_ep *ep, uint32_t *flag)
{
    if (!ep->rack_advanced) return;
    ep->rack_advanced = 0;
    sim_time_t wait = rack_detect_loss(ep, flag);
    if (wait) {
        ep->timer_kind = XMIT_REO;
        tcp_timer_arm(ep, &ep->rto_timer, wait + TCP_TIMEOUT_MIN);
        *flag |= FLAG_REO_ARMED;
    }
}

/* ------------------------------------------------------------------ NewReno without SACK */

/* Linux tcp_limit_reno_sacked + tcp_check_reno_reordering: duplicate ACKs never stand for more
 * than is outstanding less its holes (at least one: the segment they all wait for).  More than
 * that can only be reordering (or duplicates the receiver got twice, which a SACK-less sender
 * cannot tell from it), so the duplicate-ACK threshold becomes what was outstanding (plus what
 * this ACK acknowledged), at most tcp_max_reordering, for the rest of the connection: a SACK-less
 * sender only lowers it in tcp_enter_loss from a count of reno SACKs it has just reset. */
static void check_reno_reordering(struct tcp_ep *ep, uint32_t addend_segs)
{
    uint64_t mss = mss_of(ep), out = ep->snd_nxt - ep->snd_una;
    uint64_t holes = ep->lost_out > mss ? ep->lost_out : mss;
    if (holes > out) holes = out;
    if (ep->sacked_out + holes <= out) return;
    ep->sacked_out = out - holes;
    uint64_t segs = (out + mss - 1) / mss + addend_segs;
    ep->reordering = (uint32_t)(segs < TCP_MAX_REORDERING ? segs : TCP_MAX_REORDERING);
    ep->st.reno_reorders++;
}

/* Linux tcp_add_reno_sack: without SACK each duplicate ACK stands for one segment that left the
 * network. */
static void add_reno_sack(struct tcp_ep *ep, int dupacks, struct ack_state *a)
{
    if (!dupacks) return;
    uint64_t prior = ep->sacked_out;
    ep->sacked_out += (uint64_t)dupacks * mss_of(ep);
    check_reno_reordering(ep, 0);
    if (ep->sacked_out > prior) a->delivered += ep->sacked_out - prior;     /* tcp_count_delivered */
}

/* Linux tcp_remove_reno_sacks: a cumulative ACK filled one hole; the rest of what it covers
 * had been counted by duplicate ACKs already.  Without SACK blocks a cumulative ACK that also
 * covers a retransmitted segment cannot tell that the never-retransmitted data after it arrived
 * as sent, so it is no F-RTO evidence of a spurious timeout (Linux tcp_clean_rtx_queue, reno
 * branch: FLAG_RETRANS_DATA_ACKED clears FLAG_ORIG_SACK_ACKED). */
static void remove_reno_sacks(struct tcp_ep *ep, struct ack_state *a)
{
    if (!a->acked_segs) return;
    uint64_t mss = mss_of(ep), acked = (uint64_t)a->acked_segs * mss, eaten = acked - mss;
    /* delivered: what the duplicate ACKs had not yet counted, at least one segment */
    a->delivered = acked > ep->sacked_out + mss ? acked - ep->sacked_out : mss;
    ep->sacked_out = eaten >= ep->sacked_out ? 0 : ep->sacked_out - eaten;
    check_reno_reordering(ep, a->acked_segs);
    if (a->flag & FLAG_RETRANS_DATA_ACKED) a->flag &= ~FLAG_ORIG_SACK_ACKED;
}

/* Linux tcp_newreno_mark_lost: the head is lost after `reordering` duplicate ACKs (DupThresh, 3,
 * until reordering was seen), and in recovery after each partial ACK (RFC 6582: one hole per
 * round trip). */
static void newreno_mark_lost(struct tcp_ep *ep, int una_advanced)
{
    if (!ep->rtx_n) return;
    if ((ep->ca_state < TCP_CA_RECOVERY && ep->sacked_out >= (uint64_t)ep->reordering * mss_of(ep)) ||
        (ep->ca_state == TCP_CA_RECOVERY && una_advanced)) {
        struct tcp_skb *s = rtx_at(ep, 0);
        if (!(s->flags & TCPCB_LOST)) skb_mark_lost(ep, s);
    }
}

/* Linux tcp_identify_packet_loss. */
static void identify_packet_loss(struct tcp_ep *ep, uint32_t *flag)
{
    if (!ep->rtx_n) return;
    if (is_reno(ep)) newreno_mark_lost(ep, (*flag & FLAG_SND_UNA_ADVANCED) != 0);
    else rack_mark_lost(ep, flag);
}

/* ------------------------------------------------------------------ window reduction and undo */

static void init_undo(struct tcp_ep *ep)
{
    ep->undo_marker = ep->snd_una;
    ep->undo_retrans = ep->retrans_out ? (int64_t)((ep->retrans_out + mss_of(ep) - 1) / mss_of(ep)) : -1;
}

/* Linux tcp_init_cwnd_reduction. */
static void init_cwnd_reduction(struct tcp_ep *ep)
{
    ep->high_seq = ep->snd_nxt;
    ep->tlp_high_seq = 0;
    ep->bytes_acked_ca = 0;
    ep->prior_cwnd = ep->cwnd;
    ep->prr_delivered = ep->prr_out = 0;
    ep->ssthresh = loss_ssthresh(ep);
}

/* Linux tcp_end_cwnd_reduction. */
static void end_cwnd_reduction(struct tcp_ep *ep)
{
    if (ep->ca_state == TCP_CA_CWR || (ep->undo_marker && ep->ssthresh < UINT32_MAX)) ep->cwnd = ep->ssthresh;
}

/* Linux tcp_may_undo: nothing retransmitted was needed — every retransmission was reported as a
 * duplicate (D-SACK), or (with timestamps) an ACK echoes a time before the first retransmission
 * (Eifel, RFC 3522), or nothing was retransmitted at all. */
static int may_undo(const struct tcp_ep *ep, const struct packet *p)
{
    if (!ep->undo_marker) return 0;
    if (ep->undo_retrans == 0) return 1;
    if (ep->retrans_stamp) return ep_cfg(ep)->timestamps && p->ts_ecr > 0 && p->ts_ecr < ep->retrans_stamp;
    /* Linux tcp_packet_delayed: a zero retrans_stamp means nothing was resent, except without
     * SACK once snd_una reached high_seq, where tcp_is_non_sack_preventing_reopen cleared it
     * while holding the state: that is no sign the retransmissions were needless. */
    return !(is_reno(ep) && ep->snd_una >= ep->high_seq);
}

/* Linux tcp_undo_cwnd_reduction: back to the window before the reduction (Reno and CUBIC undo
 * alike: max(cwnd, prior_cwnd)), losses unmarked when asked. */
static void undo_cwnd_reduction(struct tcp_ep *ep, int unmark_loss)
{
    if (unmark_loss) {
        for (size_t i = 0; i < ep->rtx_n; i++) rtx_at(ep, i)->flags &= ~TCPCB_LOST;
        ep->lost_out = 0;
    }
    if (ep->prior_ssthresh) {
        if (ep->prior_cwnd > ep->cwnd) ep->cwnd = ep->prior_cwnd;
        if (ep->prior_ssthresh > ep->ssthresh) ep->ssthresh = ep->prior_ssthresh;
    }
    ep->undo_marker = 0;
    ep->rack_advanced = 1;
    ep->st.undos++;
}

/* Linux tcp_try_keep_open. */
static int any_retrans_done(const struct tcp_ep *ep)
{
    return ep->retrans_out || (ep->rtx_n && (rtx_at(ep, 0)->flags & TCPCB_EVER_RETRANS));
}

static void try_keep_open(struct tcp_ep *ep)
{
    uint8_t state = (ep->sacked_out || ep->lost_out || any_retrans_done(ep)) ? TCP_CA_DISORDER : TCP_CA_OPEN;
    if (ep->ca_state != state) { ep->ca_state = state; ep->high_seq = ep->snd_nxt; }
}

/* Linux tcp_is_non_sack_preventing_reopen: without SACK, hold the state until something above
 * high_seq is acknowledged, so duplicate ACKs of the old window start no new recovery (RFC 6582
 * 3.2; Linux holds only to high_seq itself). */
static int non_sack_preventing_reopen(struct tcp_ep *ep)
{
    if (is_reno(ep) && ep->snd_una == ep->high_seq) {
        if (!any_retrans_done(ep)) ep->retrans_stamp = 0;
        return 1;
    }
    return 0;
}

/* Linux tcp_try_undo_recovery: at the end of recovery or loss; 1 if the state is held. */
static int try_undo_recovery(struct tcp_ep *ep, const struct packet *p)
{
    if (may_undo(ep, p)) undo_cwnd_reduction(ep, 0);
    if (non_sack_preventing_reopen(ep)) return 1;
    ep->ca_state = TCP_CA_OPEN;
    return 0;
}

/* Linux tcp_try_undo_loss. */
static int try_undo_loss(struct tcp_ep *ep, const struct packet *p, int frto_undo)
{
    if (!frto_undo && !may_undo(ep, p)) return 0;
    undo_cwnd_reduction(ep, 1);
    if (frto_undo) ep->st.spurious_rtos++;
    ep->rto_retransmits = 0;
    if (non_sack_preventing_reopen(ep)) return 1;
    if (frto_undo || !is_reno(ep)) ep->ca_state = TCP_CA_OPEN;
    return 1;
}

/* Linux tcp_enter_recovery. */
static void enter_recovery(struct tcp_ep *ep)
{
    ep->st.fast_retransmits++;
    ep->prior_ssthresh = 0;
    init_undo(ep);
    if (!in_cwnd_reduction(ep)) {
        ep->prior_ssthresh = current_ssthresh(ep);
        init_cwnd_reduction(ep);
    }
    ep->ca_state = TCP_CA_RECOVERY;
}

/* RFC 6937 / Linux tcp_cwnd_reduction: while in_flight exceeds ssthresh, send in proportion
 * ssthresh / prior_cwnd of what is delivered; below it, slow-start back up to ssthresh.  Linux
 * counts all of it in segments, so the proportional share is a whole number of segments
 * (rounded up) and the window stays one. */
static void prr_cwnd(struct tcp_ep *ep, uint64_t delivered, uint32_t flag, int newly_lost)
{
    if (!delivered || !ep->prior_cwnd) return;
    uint64_t in_flight = tcp_in_flight(ep), mss = mss_of(ep);
    int64_t delta = (int64_t)ep->ssthresh - (int64_t)in_flight, sndcnt;
    ep->prr_delivered += delivered;
    if (delta < 0) {
        uint64_t pc = ep->prior_cwnd / mss ? ep->prior_cwnd / mss : 1;
        uint64_t due = ((uint64_t)(ep->ssthresh / mss) * (ep->prr_delivered / mss) + pc - 1) / pc * mss;
        sndcnt = (int64_t)due - (int64_t)ep->prr_out;
    } else {
        sndcnt = (int64_t)ep->prr_delivered - (int64_t)ep->prr_out;
        if (sndcnt < (int64_t)delivered) sndcnt = (int64_t)delivered;
        if ((flag & FLAG_SND_UNA_ADVANCED) && !newly_lost) sndcnt += (int64_t)mss;
        if (sndcnt > delta) sndcnt = delta;
    }
    if (sndcnt < (ep->prr_out ? 0 : (int64_t)mss)) sndcnt = ep->prr_out ? 0 : (int64_t)mss;   /* the fast retransmit */
    if (sndcnt < 0) sndcnt = 0;
    ep->cwnd = (uint32_t)(in_flight + (uint64_t)sndcnt);
}

/* ------------------------------------------------------------------ retransmission */

/* Resend one segment of the queue (Linux tcp_retransmit_skb); `push`: it ends a resent skb of
 * two or more segments, which __tcp_transmit_skb pushes as it does new data. */
static void retransmit_skb(struct tcp_ep *ep, struct tcp_skb *s, int push)
{
    uint64_t seq = s->end - s->len;
    send_data_segment(ep, seq, s->len, push);
    if (!(s->flags & TCPCB_SACKED_RETRANS)) ep->retrans_out += s->len;
    s->flags |= TCPCB_RETRANS;
    if (!ep->retrans_stamp) ep->retrans_stamp = ep_now(ep);
    if (ep->undo_retrans < 0) ep->undo_retrans = 0;
    ep->undo_retrans++;
    if (in_cwnd_reduction(ep)) ep->prr_out += s->len;
}

static int rtx_wanted(const struct tcp_skb *s)
{
    return (s->flags & TCPCB_LOST) && !(s->flags & (TCPCB_SACKED_ACKED | TCPCB_SACKED_RETRANS));
}

/* Linux tcp_xmit_retransmit_queue: resend lost segments, oldest first, while in_flight < cwnd.
 * Linux resends each skb of the queue (a piece as it was sent, skb_overhead marking its last
 * segment) with as many of its segments as the window allows (__tcp_retransmit_skb's segs), so
 * lost neighbours of one piece go out as one skb, pushed on its last segment. */
void xmit_retransmit_queue(struct tcp_ep *ep)
{
    int rearm = 0;
    uint32_t joined = 0;                 /* segments of the current resent skb already sent */
    for (size_t i = 0; i < ep->rtx_n && ep->retrans_out < ep->lost_out; i++) {
        if (tcp_in_flight(ep) >= ep->cwnd) break;
        struct tcp_skb *s = rtx_at(ep, i);
        if (!rtx_wanted(s)) { joined = 0; continue; }
        int more = !s->skb_overhead && i + 1 < ep->rtx_n && rtx_wanted(rtx_at(ep, i + 1)) &&
                   ep->retrans_out + s->len < ep->lost_out && tcp_in_flight(ep) + s->len < ep->cwnd;
        retransmit_skb(ep, s, joined > 0 && !more);
        joined = more ? joined + 1 : 0;
        if (i == 0 && ep->timer_kind != XMIT_REO) rearm = 1;
    }
    if (rearm) arm_rto(ep);
}

/* F-RTO step 2.b's new data (tcp_xmit_recovery, REXMIT_NEW: __tcp_push_pending_frames with
 * TCP_NAGLE_OFF), as tcp_write_xmit sends it from the ACK's softirq: skbs of at most half the
 * window (tcp_cwnd_test) and tso_segs segments, until TCP Small Queues holds the next one.  The
 * skbs go through the veth into the router's backlog, which that softirq reaches only after the
 * ACK (ip_rcv_core orphans them there), so they are all still in the host: two skbs of a small
 * window's segments, and the sender is throttled.  (From process context each transmit's softirq
 * runs at once and frees the skb: no limit.)  Returns 1 if throttled with more to send. */
static int frto_push_new(struct tcp_ep *ep)
{
    uint32_t mss = mss_of(ep);
    uint64_t wnd_end = ep->snd_una + ep->snd_wnd;
    if (sim_event_pending(&ep->tsq_event)) return 1;   /* an earlier push's skbs are still here */
    while (tcp_in_flight(ep) < ep->cwnd && window_head_len(ep) > 0) {
        uint32_t cw = ep->cwnd / mss, room = (uint32_t)((ep->cwnd - tcp_in_flight(ep)) / mss);
        uint32_t quota = cw >> 1 ? cw >> 1 : 1, segs = tso_segs(ep);
        if (room && room < quota) quota = room;
        if (quota < segs) segs = quota;
        /* the skb: up to `segs` segments within both windows and what is written */
        uint32_t lens[64], n = 0;
        uint64_t ahead = 0;
        while (n < segs && n < 64 && tcp_in_flight(ep) + ahead < ep->cwnd) {
            uint64_t nxt = ep->snd_nxt + ahead;
            if (nxt >= ep->write_seq || nxt >= wnd_end) break;
            lens[n] = (uint32_t)min_u64(min_u64(mss, ep->write_seq - nxt), wnd_end - nxt);
            ahead += lens[n++];
        }
        if (tsq_throttles(ep, tsq_in_host(ep), (uint32_t)ahead + TCP_SKB_OVERHEAD)) return 1;
        for (uint32_t i = 0; i < n; i++) send_new_data(ep, lens[i], i + 1 == n, i + 1);
        tsq_sent(ep, ahead + TCP_SKB_OVERHEAD);
    }
    return 0;
}

/* ------------------------------------------------------------------ timeouts and probes */

/* Linux tcp_enter_loss with tcp_timeout_mark_lost: SACKed segments stay SACKed (their data is
 * not resent); the others are marked lost except those sent within the last RACK RTT; the
 * window is reduced once per episode; F-RTO arms unless this is a repeated timeout inside an
 * earlier recovery. */
void tcp_enter_loss(struct tcp_ep *ep)
{
    int new_recovery = ep->ca_state < TCP_CA_RECOVERY;
    sim_time_t now = ep_now(ep);
    if (is_reno(ep)) ep->sacked_out = 0;           /* tcp_reset_reno_sack */
    for (size_t i = 0; i < ep->rtx_n; i++) {
        struct tcp_skb *s = rtx_at(ep, i);
        if (i > 0 && ep->rack_rtt - (now - s->xmit) > 0) continue;   /* recently sent */
        skb_mark_lost(ep, s);
    }
    if (ep->ca_state <= TCP_CA_DISORDER || ep->high_seq <= ep->snd_una ||
        (ep->ca_state == TCP_CA_LOSS && !ep->rto_retransmits)) {
        ep->prior_ssthresh = current_ssthresh(ep);
        ep->prior_cwnd = ep->cwnd;
        ep->ssthresh = loss_ssthresh(ep);
        init_undo(ep);
    }
    ep->cwnd = (uint32_t)tcp_in_flight(ep) + mss_of(ep);
    ep->bytes_acked_ca = 0;
    ep->ca_state = TCP_CA_LOSS;
    ep->high_seq = ep->snd_nxt;
    ep->tlp_high_seq = 0;
    ep->frto = new_recovery || ep->rto_retransmits;
}

/* The retransmission timer fired (tcp_retransmit_timer): enter Loss and resend the first
 * segment. */
void tcp_retransmit_timer(struct tcp_ep *ep)
{
    tcp_enter_loss(ep);
    ep->rto_retransmits++;
    if (ep->rtx_n) {
        struct tcp_skb *s = rtx_at(ep, 0);
        if (s->flags & TCPCB_SACKED_RETRANS) { ep->retrans_out -= s->len; s->flags &= ~TCPCB_SACKED_RETRANS; }
        if (!(s->flags & TCPCB_SACKED_ACKED)) retransmit_skb(ep, s, 0);   /* one segment: unpushed */
    }
}

/* Linux tcp_send_loss_probe: new data if the window allows, else the last segment again; at
 * most one probe outstanding.  The RTO is then re-armed from now. */
void tcp_send_loss_probe(struct tcp_ep *ep)
{
    if (!ep->tlp_high_seq && ep->snd_una < ep->snd_max) {
        uint32_t len = window_head_len(ep);
        if (len) {
            send_new_data(ep, len, 1, 1);
            ep->tlp_retrans = 0;
        } else if (ep->rtx_n) {
            struct tcp_skb *s = rtx_at(ep, ep->rtx_n - 1);
            send_data_segment(ep, s->end - s->len, s->len, 0);
            s->flags |= TCPCB_EVER_RETRANS;
            ep->tlp_retrans = 1;
        }
        ep->tlp_high_seq = ep->snd_nxt;
        ep->st.loss_probes++;
        ep->timer_kind = XMIT_RTO;             /* the RTO restarts from now */
    }
    rearm_rto(ep);                             /* else from the head: a probe is still out */
}

/* Linux tcp_rack_reo_timeout: the reordering window has passed for some segment. */
void tcp_rack_reo_timeout(struct tcp_ep *ep)
{
    uint32_t flag = 0;
    uint64_t lost = ep->lost_out;
    sim_time_t wait = rack_detect_loss(ep, &flag);
    ep->timer_kind = XMIT_RTO;
    if (ep->lost_out > lost) {
        if (ep->ca_state != TCP_CA_RECOVERY) {
            enter_recovery(ep);
            if (!ep->prr_out) ep->cwnd = (uint32_t)tcp_in_flight(ep) + mss_of(ep);   /* the fast retransmit */
        }
        xmit_retransmit_queue(ep);
    }
    if (wait) {
        ep->timer_kind = XMIT_REO;
        tcp_timer_arm(ep, &ep->rto_timer, wait + TCP_TIMEOUT_MIN);
    } else if (!sim_event_pending(&ep->rto_timer)) {
        rearm_rto(ep);
    }
}

/* ------------------------------------------------------------------ per ACK */

/* Linux tcp_process_tlp_ack: was the probe repairing a loss? */
static void process_tlp_ack(struct tcp_ep *ep, uint64_t ack, uint32_t flag)
{
    if (ack < ep->tlp_high_seq) return;
    if (!ep->tlp_retrans || (flag & FLAG_DSACKING_ACK)) {
        ep->tlp_high_seq = 0;                 /* new data probed, or original and probe arrived */
    } else if (ack > ep->tlp_high_seq) {
        /* The probe repaired a loss: reduce the window once (CWR) and carry on. */
        init_cwnd_reduction(ep);
        ep->ca_state = TCP_CA_CWR;
        end_cwnd_reduction(ep);
        try_keep_open(ep);
    } else if (!(flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DATA_SACKED))) {
        ep->tlp_high_seq = 0;                 /* pure duplicate: both arrived */
    }
}

/* Linux tcp_process_loss: after a timeout, F-RTO decides whether it was spurious. */
static void process_loss(struct tcp_ep *ep, const struct packet *p, struct ack_state *a, int dupack, int *rexmit)
{
    uint32_t flag = a->flag;
    int recovered = ep->snd_una >= ep->high_seq;
    if ((flag & FLAG_SND_UNA_ADVANCED) && try_undo_loss(ep, p, 0)) return;
    if (ep->frto) {
        /* RFC 5682 3.1 (SACK-enhanced) step 3.b: never-retransmitted data delivered, so not
         * everything was lost: the timeout was spurious. */
        if ((flag & FLAG_ORIG_SACK_ACKED) && try_undo_loss(ep, p, 1)) return;
        if (ep->snd_nxt > ep->high_seq) {
            if ((flag & FLAG_DATA_SACKED) || dupack) ep->frto = 0;      /* step 3.a: real loss */
        } else if ((flag & FLAG_SND_UNA_ADVANCED) && !recovered) {
            ep->high_seq = ep->snd_nxt;
            /* Step 2.b: send new data rather than retransmit, if there is any. */
            if (ep->write_seq > ep->snd_nxt && ep->snd_una + ep->snd_wnd > ep->snd_nxt) {
                *rexmit = REXMIT_NEW;
                return;
            }
            ep->frto = 0;
        }
    }
    if (recovered) {
        try_undo_recovery(ep, p);            /* step 2.a / 3.a: recovered conventionally */
        return;
    }
    if (is_reno(ep)) {
        /* A duplicate ACK after F-RTO's new data: that data arrived; it clocks out more. */
        if (ep->snd_nxt > ep->high_seq && dupack) add_reno_sack(ep, dupack, a);
        else if (flag & FLAG_SND_UNA_ADVANCED) ep->sacked_out = 0;
    }
    *rexmit = REXMIT_LOST;
}

/* Linux tcp_fastretrans_alert: state exits, loss detection, entering recovery. */
static void fastretrans_alert(struct tcp_ep *ep, const struct packet *p, struct ack_state *a, int dupack, int *rexmit)
{
    uint32_t *flag = &a->flag;
    if (ep->ca_state == TCP_CA_OPEN) {
        ep->retrans_stamp = 0;
    } else if (ep->snd_una >= ep->high_seq) {
        if (ep->ca_state == TCP_CA_CWR) {
            if (ep->snd_una != ep->high_seq) { end_cwnd_reduction(ep); ep->ca_state = TCP_CA_OPEN; }
        } else if (ep->ca_state == TCP_CA_RECOVERY) {
            if (is_reno(ep)) ep->sacked_out = 0;
            if (try_undo_recovery(ep, p)) return;
            end_cwnd_reduction(ep);
        }
    }
    switch (ep->ca_state) {
    case TCP_CA_RECOVERY:
        if (!(*flag & FLAG_SND_UNA_ADVANCED) && is_reno(ep)) add_reno_sack(ep, dupack, a);
        identify_packet_loss(ep, flag);
        *rexmit = REXMIT_LOST;
        return;
    case TCP_CA_LOSS:
        process_loss(ep, p, a, dupack, rexmit);
        identify_packet_loss(ep, flag);
        if (!(ep->ca_state == TCP_CA_OPEN || (*flag & FLAG_LOST_RETRANS))) return;
        /* undone, or retransmissions lost: fall through */
        /* fallthrough */
    default:
        if (is_reno(ep)) {
            if (*flag & FLAG_SND_UNA_ADVANCED) ep->sacked_out = 0;
            add_reno_sack(ep, dupack, a);
        }
        identify_packet_loss(ep, flag);
        if (!ep->lost_out) {
            if (!any_retrans_done(ep)) ep->retrans_stamp = 0;
            if (ep->ca_state != TCP_CA_CWR) try_keep_open(ep);
            return;
        }
        enter_recovery(ep);
        *rexmit = REXMIT_LOST;
    }
}

/* One ACK, after the scoreboard and snd_una were updated (tcp_ack from the fast-retransmit alert
 * on): undo and state changes, the timer, the window (PRR in a reduction, growth when snd_una
 * advanced otherwise), then retransmissions. */
void tcp_recovery_ack(struct tcp_ep *ep, const struct packet *p, struct ack_state *a)
{
    int rexmit = REXMIT_NONE;
    /* Nothing was outstanding (Linux tcp_ack: no_queue): no duplicate ACK to count. */
    if (!(a->flag & FLAG_SND_UNA_ADVANCED) && ep->snd_una == ep->snd_max) return;
    if (is_reno(ep)) remove_reno_sacks(ep, a);
    uint64_t lost_before = ep->lost_out;
    if (ep->tlp_high_seq) process_tlp_ack(ep, p->ack, a->flag);
    int dupack = !(a->flag & (FLAG_SND_UNA_ADVANCED | FLAG_NOT_DUP | FLAG_DSACKING_ACK));
    if (ep->ca_state != TCP_CA_OPEN || dupack || (a->flag & FLAG_DATA_SACKED))
        fastretrans_alert(ep, p, a, dupack, &rexmit);
    /* New data acknowledged: a loss probe or the RTO, unless RACK armed its timer. */
    if ((a->flag & FLAG_SND_UNA_ADVANCED) && !(a->flag & FLAG_REO_ARMED)) tcp_set_xmit_timer(ep);
    if (in_cwnd_reduction(ep)) prr_cwnd(ep, a->delivered, a->flag, ep->lost_out > lost_before);
    else if (a->flag & FLAG_SND_UNA_ADVANCED) cong_on_ack(ep, a->delivered);
    if (rexmit == REXMIT_NEW) {
        /* F-RTO step 2.b: new data as the window allows, Nagle off; the rest, lost segments
         * first, from the TSQ handler. */
        int throttled = frto_push_new(ep);
        if (ep->snd_nxt <= ep->high_seq) { ep->frto = 0; xmit_retransmit_queue(ep); }
        else if (throttled) tsq_throttle(ep);
    } else if (rexmit == REXMIT_LOST) {
        xmit_retransmit_queue(ep);
    }
}
