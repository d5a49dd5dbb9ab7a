/* Experiment etorrent (A): the pieces shared by its files: the run, each remote peer with its
 * TCP connection, message stream, receive path (passive / active / packet4), and the CPU model. */
#ifndef SIM_EXP_ETORRENT_H
#define SIM_EXP_ETORRENT_H

#include <gsl/gsl_rng.h>
#include "choke.h"
#include "cpu_model.h"
#include "experiment.h"
#include "params.h"
#include "rate.h"
#include "results.h"
#include "sockmode.h"
#include "tcp.h"
#include "topology.h"

/* BitTorrent wire sizes (etorrent.md §1): a PIECE is a 4-byte length prefix, 9 bytes of header
 * and a 16384-byte block; etorrent counted the 16393-byte body.  HAVE: prefix + id + index. */
#define ET_BLOCK          16384u
#define ET_PIECE_BODY     (ET_BLOCK + 9u)
#define ET_PIECE_WIRE     (ET_PIECE_BODY + 4u)
#define ET_HAVE_WIRE      9u
#define ET_KEEPALIVE_WIRE 4u
#define ET_REQUEST_WIRE   17u
#define ET_PREFIX         4u

#define ET_MAX_PEERS      10000          /* n_peers key range: swarms of thousands        */
#define ET_TICK_NS        SIM_SEC(5)     /* each peer's rate tick (etorrent.md §1)        */
#define ET_RECHOKE_NS     SIM_SEC(10)    /* the choker's round (etorrent.md §4)           */
#define ET_KEEPALIVE_NS   SIM_SEC(120)   /* keep-alive after 120 s of silence (§5)       */
#define ET_PACE_BURST_S   0.05           /* limiter bucket: 50 ms of its rate ...           */
#define ET_PACE_MIN_BURST 1460.0         /* ... but at least one full segment             */
#define ET_PACE_EPS_B     1e-6           /* tokens short of a message that count as enough  */
#define ET_WRITER_PERIOD_S 0.5           /* tick writer: Transmission's / libtorrent's period */
#define ET_PACE_MIN_WAIT_NS SIM_US(1)    /* shortest wait for tokens                         */


/* How a remote peer's upload limiter hands bytes to its socket (exp_etorrent_peer.c). */
enum et_writer { ET_WRITER_TICK = 0, ET_WRITER_MESSAGE };

/* The experiment's policy key: three fixed modes and the two dynamic controllers. */
enum et_policy { POL_PASSIVE = 0, POL_ACTIVE, POL_PACKET4, POL_ETORRENT2010, POL_HYSTERESIS };

/* Wire sizes of the messages a sender has queued, in stream order; the sender writes from
 * `wr`, the receiver frames from `rd`, so both agree on every message boundary. */
struct et_msgq {
    uint32_t *size;                  /* ring of cap entries, indexed by absolute index % cap    */
    size_t    cap;
    size_t    base, tail;            /* absolute indexes: [base, tail) not yet fully framed     */
    size_t    wr;                    /* absolute index of the entry being written             */
    uint32_t  wr_off;                /* bytes of entry wr already written                      */
    uint32_t  rd_off;                /* bytes of entry base already framed                     */
};

struct et_run;

struct et_peer {
    struct et_run   *run;
    unsigned         id;
    struct tcp_conn  conn;           /* ep[0]: the remote peer (sender), ep[1]: the client       */
    gsl_rng         *rng;            /* this peer's own stream (HAVE timing)                    */

    /* what the scenario made of this peer */
    double           capacity_Bps;   /* its upload limiter's rate to each peer it unchokes, B/s */
    double           pipe_bound_Bps; /* what `pipeline` requests let through: P x 16397 / rtt0 */
    int              late, stepped;
    sim_time_t       t_connect, t_start, t_step;
    double           step_factor;
    int              connected, started;
    int              unchoking_us;   /* the peer's own choker unchokes us (always, without
                                        reciprocity, once started)                              */

    /* reciprocity: what we upload to it (a fluid at our per-slot share while we unchoke it)
     * and its own view: us (id 0) and its competitors (ids 1..K) in a core/ choker */
    double           our_rate_Bps;   /* what we send it now                                     */
    double           our_bytes;      /* sent to it so far                                       */
    sim_time_t       our_since;
    double           our_bytes_seen; /* at its last rechoke                                     */
    sim_time_t       remote_last;    /* its last rechoke                                        */
    struct choker    view;           /* cap 1 + K; unused without reciprocity                   */
    double          *offer;          /* K competitors' upload rates to it, B/s                  */
    sim_time_t       remote_phase;   /* its rechoke's offset, [0, 1) s                          */
    struct sim_event remote_ev;

    /* sender side */
    struct et_msgq   q;
    uint64_t         written;        /* bytes handed to tcp_write                               */
    double           credit;         /* upload limiter: bytes it may write now                  */
    sim_time_t       credit_at;
    struct sim_event pace_ev;
    uint64_t         req_bytes;      /* request-stream bytes read by the sender                */
    uint64_t         requests_seen;
    uint32_t         owed;           /* requests not answered while still choking us            */
    sim_time_t       last_queued;
    struct sim_event connect_ev, start_ev, step_ev, have_ev, keepalive_ev;

    /* receive side (the client's peer process) */
    struct rate_est  est;
    struct sockmode  sm;
    int              blocked;        /* passive: waiting in recv                                */
    int              drain;          /* reading exactly the rest of the partial message         */
    int              ticks_waiting;  /* ticks held back by the blocking-recv defect              */
    sim_time_t       tick_due_first; /* when the oldest held-back tick was due                   */
    struct sim_event wake_ev, tick_ev;
    struct cpu_sock  cpu;            /* the socket in the CPU model (and its own reader thread)  */

    /* ground truth and accounting */
    uint64_t         arrived;        /* in-order payload bytes at the client (rcv_nxt)          */
    uint64_t         arrived_rechoke, arrived_sec, arrived_warm;
    sim_time_t       first_byte_at;  /* -1 until the first byte                                 */
    uint64_t         read_bytes, framed_bytes, complete_bytes, pieces, messages;
    uint64_t         samples_now;    /* data-carrying rate updates in this rechoke interval      */
    uint64_t         sample_intervals, samples_sum, empty_intervals;
    double           err_sum;        /* relative errors at rechokes, for the per-peer row        */
    uint64_t         err_n;
    uint64_t         switches_warm;
    sim_time_t       mode_since;
    double           mode_time[SOCK_MODE__N];
    int              fast_late;      /* late, and the oracle preferred it at its first rechoke  */
    int              first_rechoke_seen;
    int              first_rechoke_preferred;
    sim_time_t       preferred_at;   /* first rechoke after start that preferred it, -1: none   */
};

/* Rate bands of the true rate for the error per band (B/s; etorrent's marks are 4000 / 16000). */
#define ET_N_BANDS 5
extern const double et_band_lo[ET_N_BANDS];
extern const char *const et_band_name[ET_N_BANDS];

struct et_cfg {
    enum et_policy         policy;
    struct sockmode_cfg    smc;
    struct rate_params     rp;
    uint32_t               pipeline;
    double                 have_rate_hz;
    uint64_t               recv_cap;
    sim_time_t             sched_delay;
    int                    blocking_recv_defect;
    struct cpu_costs       costs;                /* per mode and event/byte (sim/cpu_model.h)  */
    int                    max_uploads;
    double                 remote_up_factor;
    double                 hi_mark_rel;          /* > 0: marks follow the unchoke boundary     */
    double                 lo_over_hi;           /* lo_mark / hi_mark, kept when they follow   */
    enum et_writer         writer;
    int                    reciprocity;
    int                    remote_slots, remote_competitors;
    double                 our_upload_Bps;       /* what we upload in all, split over our unchokes */
    double                 rate_noise;           /* sigma of the log-normal noise on estimates  */
    int                    cap_dist;             /* 0 loguniform, 1 uniform, 2 fixed            */
    double                 cap_min_Bps, cap_max_Bps;
};

struct et_run {
    struct net       net;
    struct topology  topo;
    struct et_cfg    cfg;
    struct et_peer  *peer;
    size_t           n_peers;
    struct choker    choker;
    struct choker    oracle;                     /* our choker's twin, fed the true rates      */
    gsl_rng         *ring_rng, *noise_rng;
    struct run_result *res;
    sim_time_t       warmup, duration;
    int              measuring;
    double           cpu_ns[CPUF__N];            /* after warm-up                              */
    double           cpu_sec_ns;                 /* this second, whole run (for the series)    */
    struct cpu_recv  cpu;                        /* the receiving process in the CPU model      */
    struct sim_event rechoke_ev, second_ev, warmup_ev;
    sim_time_t       last_rechoke;
    uint32_t         s_est, s_true, s_mode, s_cpu;

    /* rechoke-time statistics (after warm-up) */
    double          *rel_err;  size_t n_rel_err, cap_rel_err;   /* against the true rate   */
    double           band_err_sum[ET_N_BANDS];
    uint64_t         band_err_n[ET_N_BANDS];
    double           box_err_sum;                /* against the bytes since the last rechoke */
    uint64_t         box_err_n;
    double           overlap_sum, rank_corr_sum;
    uint64_t         overlap_n, rank_corr_n;
    double           boundary_sum;         /* the unchoke boundary's estimate, per rechoke  */
    uint64_t         boundary_n;
    uint32_t         s_overlap, s_rank_corr;     /* per-rechoke series                       */
    double          *scratch;                    /* 4 x n_peers: estimates, truths, ranks    */
    uint64_t         ticks_deferred, tick_defer_batches;
    double           tick_defer_sum_s;     /* per batch: how late the oldest held tick ran   */
    double           tick_defer_max_s;
};

/* ---- exp_etorrent_peer.c: the message stream, sender and receive paths */
void et_peer_setup(struct et_run *r, struct et_peer *p, unsigned id, const struct tcp_cfg *tc);
void et_peer_free(struct et_peer *p);
/* Charge `units` (events or bytes) of CPU kind k at the cost of p's current socket mode;
 * p == NULL charges the process (the per-second base). */
void et_cpu_charge(struct et_run *r, struct et_peer *p, enum cpu_feat k, double units);
/* bytes (0: a tick) reach p's socket now: the CPU model wakes, reads and charges (cpu_model.h). */
void et_cpu_arrival(struct et_run *r, struct et_peer *p, uint64_t bytes);
/* Where the CPU model's charges go: the run's totals after warm-up and the per-second series. */
void et_cpu_sink(void *run, enum cpu_feat k, double units, double ns, double t_ns);
int  et_peer_partial(const struct et_peer *p);
/* End of run: add the time since the last mode change to the per-mode totals. */
void et_peer_close_mode_time(struct et_peer *p);

/* ---- exp_etorrent_marks.c: the unchoke boundary (the slowest peer a rechoke chose by rate) and
 * marks that follow it (hi_mark_rel) */
void et_marks_after_rechoke(struct et_run *r);
void et_marks_finish(struct et_run *r);
/* The peer's true sending rate to us now: its limiter's rate (capacity schedule), at most what
 * its request pipeline lets through, while it unchokes us; 0 otherwise. */
double et_true_rate(const struct et_peer *p);
/* The pipeline bound of p from its path: P x 16397 B per round trip of an empty path plus the
 * serialization of one PIECE on each access line (called at set-up and after a speed step). */
void et_truth_setup(struct et_run *r, struct et_peer *p);

/* A draw from the scenario's capacity distribution (cap_dist, cap_min_Bps, cap_max_Bps). */
double et_draw_capacity(const struct et_cfg *c, gsl_rng *g);

/* ---- exp_etorrent_remote.c: reciprocity, our upload as the remote peers see it */
/* Set up p's own view (no-op without reciprocity); returns -1 if out of memory. */
int  et_remote_setup(struct et_run *r, struct et_peer *p, gsl_rng *g);
void et_remote_free(struct et_peer *p);
/* p starts taking part (connect or late start): it unchokes us until its first own rechoke. */
void et_remote_start(struct et_peer *p);
/* Our rechoke decided: our upload follows our unchoked set. */
void et_remote_our_unchokes(struct et_run *r);
/* The remote peer (un)chokes us: its sender stops taking requests, or answers the owed ones. */
void et_peer_set_unchoking(struct et_peer *p, int unchoking);

/* ---- exp_etorrent_metrics.c: what each rechoke is worth against the ground truth */
void et_rechoke(struct et_run *r);
void et_metrics_finish(struct et_run *r);
double et_spearman(const double *x, const double *y, size_t n);
extern const struct metric_decl et_metrics[];
extern const struct metric_doc et_metric_docs[];

#endif
