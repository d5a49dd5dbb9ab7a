/* Experiment xtreme (B): an eMule client behind an asymmetric line, its upload run by core/'s
 * throttler and slot manager, downloading at the same time, with VoIP and web cross-traffic.
 * The pieces shared by exp_xtreme.c (setup, events), _sock.c (sockets) and _metrics.c. */
#ifndef SIM_EXP_XTREME_H
#define SIM_EXP_XTREME_H

#include <gsl/gsl_rng.h>
#include "bwacct.h"
#include "experiment.h"
#include "overhead.h"
#include "params.h"
#include "results.h"
#include "slots_official.h"
#include "slots_xtreme.h"
#include "tcp.h"
#include "throttle.h"
#include "topology.h"
#include "traffic.h"

/* eD2K file data travels in OP_SENDINGPART packets: a 30-B header (6 header + 16 hash + 2 x 4
 * offsets) and up to 10240 B of file data (emule-upload.md §1.1: the 30 B count as overhead). */
#define XT_PART_HDR   30u
#define XT_PART_DATA  10240u
#define XT_PART       (XT_PART_HDR + XT_PART_DATA)
#define XT_BLOCK_REQ_EVERY (3u * XT_PART_DATA)   /* one OP_REQUESTPARTS asks for 3 blocks */

enum xt_slots { XT_SLOTS_AUTO = 0, XT_SLOTS_OFFICIAL, XT_SLOTS_XTREME, XT_SLOTS_XTREME_NOMORE };
enum xt_sock_kind { XS_UPLOAD = 0, XS_CONTROL, XS_DOWNLOAD };

/* One client socket as the throttler sees it (socket id = index in xt_run.sock). */
struct xt_sock {
    enum xt_sock_kind kind;
    struct tcp_ep    *ep;              /* the client's end                                       */
    uint32_t          ctrl_pending;    /* control bytes queued for the throttler                 */
    uint32_t          ctrl_msg;        /* size of each queued control message (0: mixed sizes)   */
    uint64_t          stream_pos;      /* upload: bytes of the OP_SENDINGPART stream written     */
    struct ovh_flow   flow;            /* estimator state of this connection                     */
};

/* A remote downloader from the waiting queue: its line and its connect behaviour. */
struct xt_downloader {
    struct tcp_conn  conn;             /* ep[0]: the client (uploader), ep[1]: the downloader    */
    struct xt_run   *run;
    int32_t          sock;
    double           down_Bps;         /* its access line's downstream rate                      */
    sim_time_t       connect_delay;    /* after the slot opens; < 0: never                       */
    int              slow, opened, established;
    sim_time_t       opened_at;
    uint64_t         read_at_warmup;
    double           full_ns_measured; /* time Full after warm-up, ns                            */
    uint64_t         data_full_measured;  /* payload sent while Full after warm-up             */
    double           slot_ns_measured; /* time as a slot after warm-up, ns                       */
    uint64_t         data_measured;    /* payload sent as a slot after warm-up                   */
    uint64_t         last_data;        /* payload sent at the last 1-s sample                    */
    struct sim_event connect_ev;
};

struct xt_source {                     /* a remote source the client downloads from              */
    struct bulk_flow flow;             /* ep[0]: the source, ep[1]: the client                   */
    struct xt_run   *run;
    int32_t          sock;
    uint64_t         since_request;    /* bytes read since the last block request                */
    int              established;
    struct sim_event read_ev;          /* the pending FD_READ: data arrived, not yet read        */
};

/* How the ACK estimate is booked: once per receive event (Xtreme's OnReceive, the default) or
 * once per full segment read (what a per-packet hook would count). */
enum xt_ack_booking { XT_ACK_PER_EVENT = 0, XT_ACK_PER_SEGMENT };

struct xt_ctrl_peer {
    struct tcp_conn  conn;             /* ep[0]: the client, ep[1]: the peer                     */
    struct xt_run   *run;
    int32_t          sock;
    int              established;
};

struct xt_run {
    const struct param_set *ps;
    struct run_result *res;
    uint64_t         seed;
    struct net       net;
    struct topology  topo;
    struct tcp_cfg   cfg_up, cfg_down, cfg_ctrl;
    sim_time_t       duration, warmup;
    int              measuring;

    /* the client's upload control: core/ */
    enum thr_policy  policy;
    enum xt_slots    slots;
    const struct ovh_estimator *est;
    struct ovh_cfg   ovh_cfg;
    struct bwacct    acct;
    struct throttle  thr;
    struct xslots    xs;
    struct oslots    os;
    double           limit_kBps, slot_speed_kBps;
    uint32_t         send_lowat;       /* a send() needs this much buffer room                   */
    uint64_t         adapter_out_base, adapter_in_base;
    int              adapter_ip_only;  /* NAFC's counter sees bare IP bytes (nafc_adapter = ip)  */
    sim_time_t       read_delay;       /* data arrival -> the client's receive event runs        */
    enum xt_ack_booking ack_booking;
    uint64_t         recv_events, recv_segs;   /* after warm-up: receive events, segments read */

    /* sockets and remotes */
    struct xt_sock  *sock;
    size_t           n_sock;
    struct xt_downloader *dl;
    size_t           n_dl, next_dl;
    struct xt_source *src;
    size_t           n_src;
    struct xt_ctrl_peer *cp;
    size_t           n_cp;
    struct udp_flow  voip;
    int              has_voip;
    struct web_flow  web;
    int              has_web;
    gsl_rng         *rng_dl, *rng_ctrl, *rng_web, *rng_start;

    /* download limit (static 4/11 rule, NAFC rule) and its bucket */
    double           down_limit_kBps;  /* 0: unlimited                                          */
    double           down_tokens;
    size_t           down_rr;
    int64_t          last_rx_at;

    /* events */
    struct sim_event thr_ev, tick_ev, sec_ev, ctrl_ev, warmup_ev;
    double           ctrl_msgs_per_s;
    uint32_t         ctrl_msg_bytes, block_req_bytes;

    /* measurement */
    uint64_t         down_read_at_warmup, up_read_at_warmup;
    uint64_t         acct_out_at_warmup, acct_overall_at_warmup;
    double           sum_full, sum_trickle, sum_block, sum_health, sum_target, n_samples;
    double           sum_down_limit, n_down_limited;
    uint32_t         last_slots, last_full;
    sim_time_t       last_change_at;
    uint32_t         opens_free, opens_needslot, opens_with_ready_trickle;
    uint64_t         prev_down_read;
    uint32_t         s_full, s_trickle, s_speed, s_target, s_limit, s_down, s_block, s_health;
};

extern const struct thr_ops xt_thr_ops;

/* exp_xtreme_sock.c */
void xt_socks_init(struct xt_run *r);
void xt_open_slot(struct xt_run *r, sim_time_t now);
void xt_queue_control(struct xt_run *r, int32_t sock, uint32_t bytes);
void xt_download_tick(struct xt_run *r, double dt_s);
uint64_t xt_file_bytes(uint64_t stream_bytes);
uint64_t xt_down_read(const struct xt_run *r);
uint64_t xt_up_read(const struct xt_run *r);

/* exp_xtreme_metrics.c */
void xt_metrics_second(struct xt_run *r, sim_time_t now);
void xt_metrics_warmup(struct xt_run *r);
void xt_metrics_final(struct xt_run *r);
extern const struct metric_decl xt_metrics[];
extern const struct metric_doc xt_metric_docs[];

#endif
