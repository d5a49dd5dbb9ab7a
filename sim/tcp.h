/* TCP (RFC 793/5681/6582/6298/7323 naming): handshake, slow start with appropriate byte
 * counting, fast retransmit/recovery, RTO, delayed ACKs, receive window, send buffer, persist. */
#ifndef SIM_TCP_H
#define SIM_TCP_H

#include <stdint.h>
#include "engine.h"
#include "net.h"
#include "ivl.h"

struct tcp_cfg {
    uint32_t   mss;              /* payload bytes per full segment                            */
    int        timestamps;       /* RFC 7323 option: +12 header bytes on every segment          */
    int        sack;             /* RFC 2018 SACK with RFC 6675 loss recovery (else NewReno)    */
    int        cubic;            /* RFC 9438 CUBIC window growth and beta 0.7 (else RFC 5681)   */
    int        nagle;            /* RFC 896 with Minshall's variant (Linux's default; 0: TCP_NODELAY) */
    uint32_t   delack_count;     /* ACK at once after this many unacknowledged full segments    */
    sim_time_t delack_timeout;   /* otherwise ACK when this timer fires                        */
    uint32_t   hz;               /* timer ticks per second (Linux CONFIG_HZ): the RTO, loss-probe,
                                    reordering, persist and delayed-ACK timers are whole ticks
                                    and fire on the timer wheel (tcp_timer_arm); 0: exact      */
    uint32_t   init_cwnd;        /* segments (RFC 6928: 10)                                   */
    uint32_t   rcvbuf;           /* receive buffer = largest advertised window (bytes)         */
    uint32_t   sndbuf;           /* send buffer: unacknowledged + unsent bytes (bytes); with
                                    linux_wmem, Linux's sk_sndbuf (skb memory, see below)      */
    int        linux_wmem;       /* the send buffer as Linux charges and wakes it: skb truesize
                                    against sk_sndbuf, tcp_sendmsg's memory check per skb, the
                                    writer woken by sk_stream_write_space; 0: a byte budget
                                    whose writer hears of every acknowledgement                */
    int        ack_at_read;      /* the receiver's ACK decision as Linux's: made before the
                                    application reads; more than one segment unacknowledged
                                    waits for the read (tcp_cleanup_rbuf) unless the window's
                                    right edge advances; 0: the application reads first      */
    sim_time_t rto_min, rto_initial, rto_max;
};
void tcp_cfg_default(struct tcp_cfg *c);   /* 1460, no ts, SACK, Reno growth, Nagle, 2, 40 ms, HZ 250, 10, 256 KiB, 256 KiB, 200 ms, 1 s, 60 s */

enum tcp_state { TCP_CLOSED = 0, TCP_SYN_SENT, TCP_SYN_RCVD, TCP_ESTABLISHED };

struct tcp_ep;
struct tcp_app_ops {
    void (*on_established)(struct tcp_ep *ep, void *app);
    void (*on_readable)(struct tcp_ep *ep, void *app);   /* rcv_nxt advanced: new in-order bytes */
    void (*on_writable)(struct tcp_ep *ep, void *app);   /* send-buffer space was freed          */
};

/* A run of written bytes of one kind, so segments can say how much of their payload is control. */
struct tcp_mark { uint64_t end; uint8_t ctrl; };

struct tcp_stats {
    uint64_t segs_out, data_segs_out, pure_acks_out, retrans_segs, retrans_bytes;
    uint64_t segs_in, data_segs_in;  /* every segment received, and those with data (tcp_segs_in) */
    uint64_t bytes_acked;            /* payload bytes cumulatively acknowledged                 */
    uint64_t bytes_read;             /* payload bytes the application has read                  */
    uint64_t fast_retransmits, rto_expiries, dupacks_in, persist_probes;
    uint64_t rtt_samples;            /* RTT samples taken (handshake included)                  */
    /* as Linux's nstat counters: TCPLossProbes, TCPSpuriousRTOs (F-RTO), TCPLossUndo + TCPFullUndo,
     * TCPLostRetransmit, TCPDSACKRecv, TCPRenoReorder */
    uint64_t loss_probes, spurious_rtos, undos, lost_retransmits, dsacks_in, reno_reorders;
    uint64_t write_calls, write_blocked;   /* tcp_write attempts and those that accepted 0 bytes */
    uint64_t idle_restarts;              /* windows restarted after an idle time (tcp_cwnd_restart) */
};

/* Groups of skbs a sender keeps track of while they are still in the host (TCP Small Queues):
 * skbs that leave the host together are one group.  TSQ holds a sender at about two skbs, so two
 * groups nearly always do; a third merges into the last, which then frees later, never sooner. */
#define TSQ_SKBS 2

/* A segment in the retransmission queue (Linux's skb in tcp_rtx_queue); it starts at end - len.
 * Its scoreboard flags are Linux's TCPCB_* "sacked" bits. */
#define TCPCB_SACKED_ACKED   0x01u   /* the receiver SACKed it                                  */
#define TCPCB_SACKED_RETRANS 0x02u   /* retransmitted and that copy not (yet) known lost         */
#define TCPCB_LOST           0x04u   /* considered lost (RACK, or a timeout)                     */
#define TCPCB_EVER_RETRANS   0x80u
#define TCPCB_RETRANS (TCPCB_SACKED_RETRANS | TCPCB_EVER_RETRANS)
struct tcp_skb {
    uint64_t   end;
    sim_time_t xmit;                 /* last (re)transmission                                    */
    uint32_t   len;
    uint16_t   flags;                /* TCPCB_*                                                  */
    uint16_t   skb_overhead;         /* truesize beyond the payload, charged to the last segment
                                        of the skb it was sent in (linux_wmem)                   */
};

/* Linux's congestion-avoidance states (icsk_ca_state) of a SACK connection. */
enum tcp_ca_state { TCP_CA_OPEN = 0, TCP_CA_DISORDER, TCP_CA_CWR, TCP_CA_RECOVERY, TCP_CA_LOSS };
/* What the retransmission timer is armed for (Linux's icsk_pending). */
enum tcp_xmit_timer { XMIT_RTO = 0, XMIT_REO, XMIT_TLP };

struct tcp_ep {
    struct tcp_conn *conn;
    struct tcp_ep   *peer;
    const struct path *out;          /* route towards the peer                                   */
    enum tcp_state   state;

    /* send side (RFC 793 / 5681 / 6582) */
    uint64_t   snd_una, snd_nxt, snd_max;   /* snd_max: highest sequence ever sent             */
    uint64_t   write_seq;            /* end of the bytes the application has written           */
    uint64_t   snd_sml;              /* end of the last partial segment sent (Minshall, Linux)  */
    /* End of the last application write whose skb Linux's tcp_push marked with PSH
     * (tcp_mark_push), 0 once a later write appended to that skb (tcp_sendmsg_locked clears it). */
    uint64_t   push_seq;
    /* linux_wmem: the send buffer's memory (sk_wmem_queued) is wmem_sent (payload + overhead
     * of the retransmission queue) + unsent bytes + unsent_skbs * TCP_SKB_OVERHEAD; tail_len is
     * the length of the last unsent skb, nospace that a write found the buffer full. */
    uint64_t   wmem_sent;
    uint32_t   tail_len, unsent_skbs;
    uint8_t    nospace;
    uint32_t   snd_wnd;              /* peer's last advertised window                          */
    uint64_t   snd_wl1;              /* seq of the segment that last updated it (RFC 793 SND.WL1) */
    uint32_t   max_snd_wnd;
    uint32_t   cwnd, ssthresh;       /* bytes                                                  */
    uint32_t   bytes_acked_ca;       /* bytes acknowledged towards the next segment of growth   */
    uint8_t    is_cwnd_limited;      /* Linux tcp_cwnd_validate: the window limited the sender  */
    uint64_t   max_flight, cwnd_usage_seq;   /* most in flight this round trip, and its end     */
    sim_time_t lsndtime;             /* last data segment sent, or the handshake (Linux lsndtime) */
    /* RFC 9438 CUBIC state, windows in segments: W_max, K (s), epoch start (0: none), W_est */
    double     cubic_wmax, cubic_k, cubic_west;
    sim_time_t cubic_epoch;
    /* RTT and RTO as Linux's tcp_rtt_estimator / __tcp_set_rto: srtt8 = 8 srtt, mdev4 = 4 mdev,
     * mdev_max its largest value in the current round trip, rttvar the variance term the RTO uses
     * (at least rto_min), rtt_seq the snd_nxt that ends the round trip. */
    sim_time_t srtt, srtt8, mdev4, mdev_max, rttvar, rto;
    int        rtt_valid;
    uint64_t   rtt_seq;
    sim_time_t syn_time; int syn_timing;   /* the handshake's RTT sample                      */
    uint32_t   syn_retrans;          /* SYNs or SYN-ACKs sent again (Linux total_retrans then)  */
    struct tcp_skb *rtx; size_t rtx_head, rtx_n, rtx_cap;   /* ring, capacity a power of 2  */
    int        backoff;
    struct sim_event rto_timer, persist_timer;
    /* Linux's TCP Small Queues handler (tcp_tsq_handler): pending while the sender is throttled,
     * until the skbs it sent from an ACK's softirq have left the host (tcp_wfree) */
    struct sim_event tsq_event;
    /* The skbs (truesize) sent from a softirq and not yet freed: the router's IP layer orphans
     * them when the CPU's backlog reaches them, after that softirq and after whatever the
     * backlog held when they were sent (tcp_xmit.c).  In the order sent, so free_at rises. */
    struct tsq_skb {
        sim_time_t free_at;
        uint32_t   bytes;
        uint8_t    at_once;          /* sent at free_at: nothing was waiting in the backlog     */
    } tsq_skb[TSQ_SKBS];
    uint8_t    tsq_n;
    struct tcp_mark *marks; size_t n_marks, cap_marks, mark_head;
    /* Loss recovery with SACK, as Linux: the scoreboard is the flags of the retransmission
     * queue, with these byte totals; RACK (RFC 8985) finds losses, PRR (RFC 6937) paces the
     * recovery, F-RTO (RFC 5682) and the undo state catch spurious timeouts, TLP probes tails. */
    uint8_t    ca_state, timer_kind, frto, tlp_retrans, rack_advanced;
    uint64_t   high_seq;             /* snd_nxt when recovery or loss began                     */
    uint64_t   sacked_out, lost_out, retrans_out;
    uint32_t   reordering;           /* duplicate ACKs that mark the head lost (tp->reordering)  */
    uint64_t   undo_marker;          /* snd_una when the reduction began (0: nothing to undo)   */
    int64_t    undo_retrans;         /* retransmissions not yet shown spurious (-1: none)       */
    sim_time_t retrans_stamp;        /* first retransmission of this episode (Eifel, RFC 3522)  */
    uint32_t   prior_cwnd, prior_ssthresh;
    uint64_t   prr_delivered, prr_out;
    sim_time_t rack_mstamp, rack_rtt, min_rtt;   /* RACK: newest delivered transmission, its RTT */
    uint64_t   rack_end_seq;
    uint64_t   tlp_high_seq;         /* snd_nxt when the outstanding loss probe was sent (0: none) */
    uint32_t   rto_retransmits;      /* timeouts since snd_una last advanced (icsk_retransmits) */

    /* receive side */
    uint64_t   rcv_nxt, rcv_read;    /* rcv_read: bytes consumed by the application            */
    struct ivl_set ooo;              /* out-of-order data held above rcv_nxt                    */
    uint64_t   last_ooo_seq;         /* start of the latest out-of-order arrival (first SACK block) */
    uint64_t   dsack_start, dsack_end;   /* a duplicate to report in the next ACK (RFC 2883)    */
    uint32_t   segs_unacked;         /* full segments received since the last ACK we sent       */
    /* Linux's quick-ACK mode (icsk_ack.quick, lrcvtime): ACKs left to send at once, and when
     * in-order data last arrived (got_data: it ever did); ato: the adaptive delayed-ACK timeout
     * (icsk_ack.ato), a whole number of the receiver's timer ticks */
    sim_time_t lrcvtime, ato;
    uint8_t    quick, got_data;
    uint8_t    ack_pending;          /* Linux's icsk_ack.pending bits: ICSK_ACK_SCHED, PUSHED, PUSHED2 */
    uint32_t   rcv_wnd_adv;          /* window in our last ACK                                  */
    /* Linux's rcv_ssthresh: the most the offered window may be, however much memory is free; it
     * starts at the initial window and grows with in-order data (tcp_grow_window) */
    uint32_t   rcv_ssthresh;
    uint64_t   rcv_adv_edge;         /* right edge we advertised: last ack + its window         */
    uint64_t   last_ack_sent;        /* ack field of the last segment we sent                   */
    sim_time_t ts_recent;
    struct sim_event delack_timer;
    /* Linux's SACK compression (__tcp_ack_snd_check, tcp_compressed_ack_kick): out-of-order
     * arrivals acknowledged at once since rcv_nxt was comp_rcv_nxt (dup_acks_sent), ACKs held
     * back (comp_acks, tp->compressed_ack) and the timer that sends the one they became. */
    uint64_t   comp_rcv_nxt;
    uint32_t   comp_acks;
    uint8_t    dup_acks_sent;
    struct sim_event comp_sack_timer;

    const struct tcp_app_ops *app_ops;
    void      *app;
    struct tcp_stats st;
};

struct tcp_conn {
    struct net    *net;
    struct tcp_cfg cfg;
    struct tcp_ep  ep[2];
    struct path    path[2];          /* path[i]: from ep[i] to ep[1-i]                          */
    uint16_t       hdr;              /* IP + TCP (+ timestamps) bytes of every segment          */
    uint8_t        cross;            /* another application's connection: counted as cross-traffic */
    uint8_t        rcv_wscale;       /* the window scale both ends receive with (tcp_rcv_wscale)   */
};

/* Set up a connection between two endpoints; `fwd` carries ep[0] -> ep[1], `rev` the other way
 * (their links are copied, their sinks set to the TCP input).  Nothing is sent until open. */
void tcp_conn_init(struct tcp_conn *c, struct net *n, const struct tcp_cfg *cfg,
                   const struct path *fwd, const struct path *rev);
void tcp_conn_free(struct tcp_conn *c);
void tcp_set_app(struct tcp_ep *ep, const struct tcp_app_ops *ops, void *app);
/* ep[0] sends the SYN; both ends call on_established when the handshake completes. */
void tcp_conn_open(struct tcp_conn *c);
/* The same with ep[side] sending the SYN (1: the data's receiver connects, as a client that
 * downloads from a server: the sender may send only once the third packet has arrived). */
void tcp_conn_open_by(struct tcp_conn *c, int side);

/* Queue `len` application bytes (ctrl: they are control messages); returns bytes accepted, which
 * is less than len when the send buffer is full ("would block": counted in st.write_blocked). */
uint32_t tcp_write(struct tcp_ep *ep, uint32_t len, int ctrl);
uint32_t tcp_send_space(const struct tcp_ep *ep);
/* In-order bytes received and not yet read. */
static inline uint64_t tcp_readable(const struct tcp_ep *ep) { return ep->rcv_nxt - ep->rcv_read; }
/* Consume up to max bytes; may send a window update.  Returns bytes consumed. */
uint64_t tcp_read(struct tcp_ep *ep, uint64_t max);
/* Bytes written but not yet acknowledged (in flight or unsent). */
static inline uint64_t tcp_unacked(const struct tcp_ep *ep) { return ep->write_seq - ep->snd_una; }

#endif
