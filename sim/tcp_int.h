/* What the TCP files share and nobody else sees: small accessors, and the functions one part of
 * the stack (input, output, timers, recovery, congestion control) calls in another. */
#ifndef SIM_TCP_INT_H
#define SIM_TCP_INT_H

#include "tcp.h"

#define SYN_OPTIONS 8u        /* MSS (4) + window scale (3) + NOP (1) */
#define DUPACK_THRESH 3u

static inline struct net *ep_net(const struct tcp_ep *ep) { return ep->conn->net; }
static inline const struct tcp_cfg *ep_cfg(const struct tcp_ep *ep) { return &ep->conn->cfg; }
static inline sim_time_t ep_now(const struct tcp_ep *ep) { return ep->conn->net->sim.now; }
static inline uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* tcp.c: the application's side of the send buffer */
uint32_t ctrl_bytes(const struct tcp_ep *ep, uint64_t start, uint64_t end);
void     drop_acked_marks(struct tcp_ep *ep);

/* tcp_rtx.c: the retransmission queue */
struct rtx_acked {                  /* what one cumulative ACK took off the queue                */
    sim_time_t first_xmit;          /* transmit time of the oldest never-retransmitted segment   */
    int        have;                /* first_xmit is set                                         */
    int        retrans;             /* some acknowledged segment had been retransmitted (Karn)   */
};
void             rtx_sent(struct tcp_ep *ep, uint64_t seq, uint64_t end);   /* before snd_max moves */
struct rtx_acked rtx_clean(struct tcp_ep *ep, uint64_t ack);
void             rtx_free(struct tcp_ep *ep);

/* tcp_input.c */
void tcp_input(struct net *n, void *ctx, struct packet *p);
void rtt_sample(struct tcp_ep *ep, sim_time_t r);

/* tcp_output.c */
uint32_t       rcv_window(const struct tcp_ep *ep);
struct packet *new_segment(struct tcp_ep *ep);
void           send_pure_ack(struct tcp_ep *ep);
void           send_data_segment(struct tcp_ep *ep, uint64_t seq, uint32_t len, int probe);
uint32_t       new_data_len(const struct tcp_ep *ep, uint64_t room);
void           send_new_data(struct tcp_ep *ep, uint32_t len);
void           tcp_output(struct tcp_ep *ep);

/* tcp_timer.c */
void on_rto(struct sim *s, struct sim_event *ev);
void on_delack(struct sim *s, struct sim_event *ev);
void on_persist(struct sim *s, struct sim_event *ev);
void arm_rto(struct tcp_ep *ep);

/* tcp_recovery.c: the RFC 6675 SACK scoreboard */
void sack_output(struct tcp_ep *ep);

/* tcp_cong.c */
uint32_t loss_ssthresh(struct tcp_ep *ep);
void     cong_on_ack(struct tcp_ep *ep, uint64_t acked);

#endif
