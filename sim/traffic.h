/* Traffic generators: UDP sources (constant bit rate for VoIP, Poisson for queueing checks), bulk
 * TCP with an optional application rate limit, and on/off web bursts with Pareto sizes over TCP. */
#ifndef SIM_TRAFFIC_H
#define SIM_TRAFFIC_H

#include <gsl/gsl_rng.h>
#include "engine.h"
#include "hist.h"
#include "net.h"
#include "tcp.h"

struct reader_loop_host;

/* ---- UDP: CBR or Poisson; the sink measures one-way delay and loss. */
enum udp_kind { UDP_CBR, UDP_POISSON };

struct udp_flow {
    struct net     *net;
    struct path     path;           /* sink is set to the flow's own receiver                  */
    enum udp_kind   kind;
    uint32_t        payload;        /* bytes per datagram                                      */
    sim_time_t      interval;       /* CBR period, or Poisson mean inter-arrival               */
    int             cross;          /* count as cross-traffic on links                         */
    gsl_rng        *rng;            /* Poisson only                                            */
    sim_time_t      stop_at;
    sim_time_t      measure_from;   /* delay/loss/goodput statistics start here               */
    struct sim_event send_ev;
    uint64_t        sent, sent_measured, received_measured, bytes_received_measured;
    struct hist     delay;          /* one-way delay of datagrams sent after measure_from      */
};

void udp_flow_init(struct udp_flow *f, struct net *n, const struct path *route, enum udp_kind kind,
                   uint32_t payload, sim_time_t interval, gsl_rng *rng);
void udp_flow_start(struct udp_flow *f, sim_time_t at, sim_time_t stop_at, sim_time_t measure_from);
void udp_flow_free(struct udp_flow *f);
double udp_flow_loss(const struct udp_flow *f);   /* of datagrams sent in the measured period */

/* A flow's segments in its measured window, as Linux's TCP_INFO counts them (tcpi_segs_*,
 * tcpi_data_segs_*): the sender's data segments and the pure ACKs reaching it, the receiver's
 * data segments and the pure ACKs it sent. */
struct bulk_segs { uint64_t snd_data_segs, snd_acks_in, rcv_data_segs, rcv_acks; };

/* ---- Bulk TCP: ep[0] of the connection writes forever (optionally rate-limited), ep[1] reads
 * everything at once.  Goodput = bytes read by ep[1] after measure_from.  A rate-limited sender
 * either writes what its credit allows every 10 ms, or (write_bytes > 0) writes write_bytes at a
 * time, one write every write_bytes / limit seconds, as a paced application does; a write the
 * send buffer cannot take completes when space frees (a blocking write), and missed writes are
 * made up for at most 100 ms of rate (at least one write). */
struct bulk_flow {
    struct tcp_conn conn;
    double          limit_Bps;      /* 0: unlimited (keep the send buffer full)                */
    uint32_t        write_bytes;    /* paced writes of this size; 0: the 10-ms credit          */
    double          credit;         /* bytes the limiter allows now (owed, with write_bytes)   */
    sim_time_t      last_refill;
    struct sim_event pace_ev;
    sim_time_t      measure_from;
    uint64_t        read_at_measure; int measuring;
    struct bulk_segs segs_at_measure;
    struct sim_event measure_ev;
    int             receiver_opens; /* the receiver (ep[1]) connects to the sender            */
    struct bulk_reader *reader;     /* NULL: ep[1] reads each arrival at once                  */
    int             read_pending;   /* listed in its reader's next round                      */
    struct bulk_reader *writer;     /* NULL: ep[0]'s writer refills at once                    */
    int             write_pending;  /* listed in its writer's next round                       */
};

/* One process reading several bulk receivers from one event loop, as the kernel engine's agent
 * does (one epoll loop per host; each ready socket drained with 64-KB recv calls until EAGAIN).
 * The receivers' ACKs left to the read (tcp_read as Linux's tcp_cleanup_rbuf, with ack_at_read)
 * cover every segment that gathered before it: the later the read, the more stretched the ACK.
 * The same loop refills the bulk senders given to it (bulk_flow_set_writer), as the agent's fill()
 * on EPOLLOUT.  Two ways to time it:
 *  - a fixed lateness (bulk_reader_init): data or send-buffer space reaching the sleeping loop
 *    wakes it wake_latency later, and that round serves every socket listed meanwhile at once;
 *  - the measured loop (bulk_reader_set_loop): woken after a drawn wake-up time, it serves one
 *    socket at a time, the next a drawn busy time after the last (its recv calls, the epoll_wait
 *    that finds the next socket ready, and whatever took the CPU from it meanwhile), and sleeps
 *    when a busy time ends with nothing listed: a socket that becomes ready while the loop is
 *    awake is read within microseconds, one that wakes it waits the wake-up.
 *    contract/reader_loop.h holds both times as measured on the testbed. */
struct bulk_reader {
    struct net       *net;
    sim_time_t        wake_latency;
    const struct reader_loop_host *loop;    /* NULL: the fixed lateness                        */
    gsl_rng          *rng;                  /* the measured loop's draws (owned)               */
    struct bulk_flow **pend;                /* flows with data to read, served from head_pend  */
    size_t            n_pend, cap_pend, head_pend;
    struct bulk_flow **wpend;               /* flows whose writer was woken, from head_wpend     */
    size_t            n_wpend, cap_wpend, head_wpend;
    struct sim_event  wake_ev;              /* the wake-up, or the measured loop's next socket   */
    int               awake;                /* the measured loop is serving (between wake and sleep) */
    uint64_t          wakes;
};
void bulk_reader_init(struct bulk_reader *r, struct net *n, sim_time_t wake_latency);
/* r runs as the measured loop of one host of contract/reader_loop.h, drawing from rng (r owns it). */
void bulk_reader_set_loop(struct bulk_reader *r, const struct reader_loop_host *loop, gsl_rng *rng);
/* b's receiver is read by r from now on (call before bulk_flow_start). */
void bulk_flow_set_reader(struct bulk_flow *b, struct bulk_reader *r);
/* b's sender is written by r's loop: woken for send-buffer space, it refills in r's next round. */
void bulk_flow_set_writer(struct bulk_flow *b, struct bulk_reader *r);
void bulk_reader_free(struct bulk_reader *r);

void bulk_flow_init(struct bulk_flow *b, struct net *n, const struct tcp_cfg *cfg,
                    const struct path *fwd, const struct path *rev, double limit_Bps);
/* Paced writes of `bytes` each (needs limit_Bps > 0); call before bulk_flow_start. */
void bulk_flow_set_write_size(struct bulk_flow *b, uint32_t bytes);
/* The receiver connects to the sender (a download from a server); call before bulk_flow_start. */
void bulk_flow_set_receiver_opens(struct bulk_flow *b);
void bulk_flow_start(struct bulk_flow *b, sim_time_t at, sim_time_t measure_from);
uint64_t bulk_flow_goodput_bytes(const struct bulk_flow *b);   /* read after measure_from */
void bulk_flow_window_segs(const struct bulk_flow *b, struct bulk_segs *out);   /* after measure_from */
void bulk_flow_free(struct bulk_flow *b);

/* ---- Web on/off: ep[0] sends an object of Pareto(shape, scale) bytes, waits for it to be
 * acknowledged, stays off for an exponential time, repeats.  Its segments (and ACKs) count as
 * cross-traffic on every link, since they belong to another application (a browser). */
struct web_flow {
    struct tcp_conn conn;
    gsl_rng        *rng;
    double          pareto_shape, pareto_scale_bytes;
    sim_time_t      mean_off;
    uint64_t        object_end;      /* write_seq at which the current object is complete      */
    uint64_t        pending;         /* bytes of the current object not yet written            */
    struct sim_event next_ev;
    uint64_t        objects;
    uint64_t        bytes_offered;   /* sum of the sizes of all objects started                  */
};

void web_flow_init(struct web_flow *w, struct net *n, const struct tcp_cfg *cfg, const struct path *fwd,
                   const struct path *rev, double shape, double scale_bytes, sim_time_t mean_off, gsl_rng *rng);
void web_flow_start(struct web_flow *w, sim_time_t at);
void web_flow_free(struct web_flow *w);

#endif
