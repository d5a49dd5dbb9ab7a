/* What the TCP files share and nobody else sees: small accessors, and the functions one part of
 * the stack (input, output, timers, recovery, congestion control) calls in another. */
#ifndef SIM_TCP_INT_H
#define SIM_TCP_INT_H

#include "tcp.h"

#define SYN_OPTIONS 8u        /* MSS (4) + window scale (3) + NOP (1) */
#define TCP_MAX_UNSCALED_WINDOW 65535u   /* the window field of a SYN (RFC 7323 2.2) */
#define DUPACK_THRESH 3u
#define TCP_MAX_REORDERING 300u      /* net.ipv4.tcp_max_reordering */
#define TCP_TIMEOUT_FALLBACK SIM_SEC(3) /* Linux: the RTO after a handshake without an RTT sample */
/* Linux's timer wheel (kernel/time/timer.c): 64 buckets per level, each level 8x coarser */
#define TIMER_LVL_SIZE 64u
#define TIMER_LVL_CLK_SHIFT 3u
#define TCP_GSO_MAX_SIZE 65536u   /* Linux GSO_LEGACY_MAX_SIZE: the largest skb TCP builds      */
/* An skb's truesize beyond its payload: what Linux 6.18 charged the send buffer per skb on the
 * kernel engine's veth (ss -tm: 2-segment skbs in the retransmission queue cost 1.285 bytes of
 * sk_wmem_queued per payload byte, 3752 bytes per 2920). */
#define TCP_SKB_OVERHEAD 832u
#define TCP_LIMIT_OUTPUT_BYTES 4194304u   /* net.ipv4.tcp_limit_output_bytes (6.18 testbed)  */
/* Linux's icsk_ack.pending bits: data arrived since the last ACK we sent (SCHED,
 * inet_csk_schedule_ack), a pushed full-size segment or a short one arrived (PUSHED), and a second
 * short one (PUSHED2), the last two set by tcp_measure_rcv_mss for tcp_cleanup_rbuf.  Every ACK
 * sent clears them all. */
#define ICSK_ACK_PUSHED  0x1u
#define ICSK_ACK_PUSHED2 0x2u
#define ICSK_ACK_SCHED   0x4u
#define TCP_MAX_QUICKACKS 16u     /* Linux: quick ACKs after the first data or a silence */
#define TCP_DELACK_MAX SIM_MS(200) /* Linux: HZ/5, icsk_delack_max: the longest delayed-ACK wait */
/* SACK compression, Linux's defaults (net.ipv4.tcp_comp_sack_nr, tcp_comp_sack_delay_ns, the
 * same on the 6.18 testbed): at most 44 ACKs held back, for at most 1 ms or 5 % of the RTT. */
#define TCP_COMP_SACK_NR 44u
#define TCP_COMP_SACK_DELAY SIM_MS(1)

static inline struct net *ep_net(const struct tcp_ep *ep) { return ep->conn->net; }
static inline const struct tcp_cfg *ep_cfg(const struct tcp_ep *ep) { return &ep->conn->cfg; }
static inline sim_time_t ep_now(const struct tcp_ep *ep) { return ep->conn->net->sim.now; }
static inline uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }
/* Linux tcp_in_cwnd_reduction: the window is being reduced (CWR or Recovery), so ssthresh is the
 * target and not a value to raise. */
static inline int in_cwnd_reduction(const struct tcp_ep *ep)
{
    return ep->ca_state == TCP_CA_CWR || ep->ca_state == TCP_CA_RECOVERY;
}
/* Linux tcp_current_ssthresh: the ssthresh a window stands for.  Outside a reduction at least 3/4
 * of the window, counted as Linux counts it, in whole segments: (cwnd >> 1) + (cwnd >> 2). */
static inline uint32_t current_ssthresh(const struct tcp_ep *ep)
{
    if (in_cwnd_reduction(ep)) return ep->ssthresh;
    uint32_t mss = ep_cfg(ep)->mss, segs = ep->cwnd / mss, q = ((segs >> 1) + (segs >> 2)) * mss;
    return ep->ssthresh > q ? ep->ssthresh : q;
}
/* Length of one timer tick (jiffy, tcp_cfg.hz = CONFIG_HZ); 1 with exact timers (hz = 0). */
static inline sim_time_t tcp_tick(const struct tcp_ep *ep)
{
    uint32_t hz = ep->conn->cfg.hz;
    return hz ? SIM_SEC(1) / hz : 1;
}
/* Linux usecs_to_jiffies: a duration as whole timer ticks, rounded up; Linux keeps icsk_rto,
 * rto_min and the timeouts it arms in jiffies.  hz 0: exact. */
static inline sim_time_t tcp_jiffies_up(const struct tcp_ep *ep, sim_time_t d)
{
    sim_time_t tick = tcp_tick(ep);
    return d <= 0 ? d : (d + tick - 1) / tick * tick;
}
/* The next new segment the peer's window admits, Nagle and tcp_snd_wnd_test aside: at most
 * one MSS of the unsent data, within snd_una + snd_wnd; 0 if nothing waits or the window is
 * full.  What a loss probe, F-RTO's new data and the persist timer's tcp_write_wakeup send. */
static inline uint32_t window_head_len(const struct tcp_ep *ep)
{
    uint64_t wnd_end = ep->snd_una + ep->snd_wnd;
    if (ep->write_seq <= ep->snd_nxt || wnd_end <= ep->snd_nxt) return 0;
    return (uint32_t)min_u64(min_u64(ep->conn->cfg.mss, ep->write_seq - ep->snd_nxt), wnd_end - ep->snd_nxt);
}
/* The RTO with its exponential backoff (Linux icsk_rto), at most rto_max. */
static inline sim_time_t cur_rto(const struct tcp_ep *ep)
{
    sim_time_t rto = ep->rto << ep->backoff;
    return rto > ep->conn->cfg.rto_max || rto <= 0 ? ep->conn->cfg.rto_max : rto;
}

/* Linux tcp_probe0_when: the persist timer's timeout after a probe, the base timeout with the
 * backoff (tcp_probe0_base in tcp_output.c), at most rto_max. */
sim_time_t tcp_probe0_when(const struct tcp_ep *ep);

/* tcp.c: the application's side of the send buffer */
uint32_t ctrl_bytes(const struct tcp_ep *ep, uint64_t start, uint64_t end);
uint32_t tcp_initial_window(const struct tcp_cfg *cfg);
uint8_t  tcp_rcv_wscale(const struct tcp_cfg *cfg);
void     drop_acked_marks(struct tcp_ep *ep);
uint32_t tcp_size_goal(const struct tcp_ep *ep);
uint64_t tcp_wmem_queued(const struct tcp_ep *ep);
int      tcp_writable(const struct tcp_ep *ep);

/* tcp_rtx.c: the retransmission queue and its scoreboard */
static inline struct tcp_skb *rtx_at(const struct tcp_ep *ep, size_t i)
{
    return &ep->rtx[(ep->rtx_head + i) & (ep->rtx_cap - 1)];
}

/* What one ACK did, as the FLAG_* bits of Linux's tcp_ack. */
#define FLAG_DATA_SACKED        0x001u   /* new SACK information                              */
#define FLAG_SND_UNA_ADVANCED   0x002u
#define FLAG_RETRANS_DATA_ACKED 0x004u   /* a retransmitted segment was cumulatively acked     */
#define FLAG_ORIG_SACK_ACKED    0x008u   /* never-retransmitted data below high_seq delivered  */
#define FLAG_DSACKING_ACK       0x010u
#define FLAG_NOT_DUP            0x020u   /* data, window update or new data acked              */
#define FLAG_LOST_RETRANS       0x040u
#define FLAG_REO_ARMED          0x080u   /* RACK armed its reordering timer (keep it)           */
struct ack_state {
    uint32_t   flag;
    uint64_t   delivered;           /* bytes newly acked or SACKed                            */
    sim_time_t first_ackt;          /* transmit time of the oldest never-retransmitted acked  */
    sim_time_t first_sackt;         /* and of the oldest such newly SACKed segment            */
    int        have_rtt, have_sack_rtt;
    uint32_t   acked_segs;          /* segments the cumulative ACK took off the queue         */
};
size_t rtx_find(const struct tcp_ep *ep, uint64_t seq);       /* first record ending after seq */
void   rtx_sent(struct tcp_ep *ep, uint64_t seq, uint64_t end);   /* before snd_max moves      */
void   rtx_sacktag(struct tcp_ep *ep, const struct packet *p, struct ack_state *a);
void   rtx_clean(struct tcp_ep *ep, uint64_t ack, struct ack_state *a);
void   skb_mark_lost(struct tcp_ep *ep, struct tcp_skb *s);
void   rtx_free(struct tcp_ep *ep);

/* tcp_input.c */
void tcp_input(struct net *n, void *ctx, struct packet *p);
void rtt_sample(struct tcp_ep *ep, sim_time_t r);

/* tcp_output.c */
uint32_t       rcv_space(const struct tcp_ep *ep);
uint32_t       rcv_window(const struct tcp_ep *ep);
struct packet *new_segment(struct tcp_ep *ep);
struct packet *new_syn_segment(struct tcp_ep *ep, uint8_t flags);
void           send_pure_ack(struct tcp_ep *ep);
void           send_data_segment(struct tcp_ep *ep, uint64_t seq, uint32_t len, int push);
void           send_window_probe(struct tcp_ep *ep);
sim_time_t     tcp_probe0_base(const struct tcp_ep *ep);
uint32_t       xmit_next_len(const struct tcp_ep *ep, uint32_t ahead, uint32_t piece_ahead, int push);
uint32_t       tso_segs(const struct tcp_ep *ep);
double         tcp_pacing_rate(const struct tcp_ep *ep);
void           send_new_data(struct tcp_ep *ep, uint32_t len, int piece_end, uint32_t piece_segs);
void           send_new_data_psh(struct tcp_ep *ep, uint32_t len, int piece_end, int push);
void           tcp_output(struct tcp_ep *ep);
void           tcp_output_push(struct tcp_ep *ep);
void           tcp_output_softirq(struct tcp_ep *ep);

/* tcp_timer.c */
void on_rto(struct sim *s, struct sim_event *ev);
void on_delack(struct sim *s, struct sim_event *ev);
void on_comp_sack(struct sim *s, struct sim_event *ev);
void on_persist(struct sim *s, struct sim_event *ev);
void arm_rto(struct tcp_ep *ep);
void tcp_timer_arm(struct tcp_ep *ep, struct sim_event *ev, sim_time_t d);

/* tcp_recovery.c: loss recovery as Linux does it, with SACK or without (NewReno) */
uint64_t tcp_in_flight(const struct tcp_ep *ep);
void     tcp_recovery_ack(struct tcp_ep *ep, const struct packet *p, struct ack_state *a);
void     rearm_rto(struct tcp_ep *ep);
int      schedule_loss_probe(struct tcp_ep *ep, int advancing_rto);
void     xmit_retransmit_queue(struct tcp_ep *ep);
void     tcp_retransmit_timer(struct tcp_ep *ep);
void     tcp_send_loss_probe(struct tcp_ep *ep);
void     tcp_rack_reo_timeout(struct tcp_ep *ep);

/* tcp_xmit.c: the send loop and TCP Small Queues */
void      tcp_write_xmit(struct tcp_ep *ep, int push, int softirq);
int       tsq_throttles(const struct tcp_ep *ep, uint64_t in_host, uint32_t truesize);
uint64_t  tsq_in_host(struct tcp_ep *ep);
void      tsq_sent(struct tcp_ep *ep, uint64_t bytes);
void      tsq_throttle(struct tcp_ep *ep);
void      on_tsq(struct sim *s, struct sim_event *ev);

/* tcp_cong.c */
uint32_t loss_ssthresh(struct tcp_ep *ep);
void     cong_on_ack(struct tcp_ep *ep, uint64_t acked);
void     cwnd_validate(struct tcp_ep *ep, int is_cwnd_limited);
void     cwnd_restart_after_idle(struct tcp_ep *ep);

#endif
