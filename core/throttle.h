/* Upload throttler: eMule Xtreme 8.1's loop (policies xtreme, nafc, none) and the official
 * 0.50a loop (policy official), driven through caller-provided sockets (emule-upload.md §1.3, §2).
 *
 * The throttler owns no clock and no sockets.  The caller runs thr_run(now, adapter counters)
 * in a loop, sleeping for the returned time; each run decides how many bytes each upload slot
 * and each socket with queued control messages may send, and asks the caller's ops to send
 * them.  Every byte the ops report is booked into the caller's struct bwacct (Xtreme's
 * "accurate measure"), from which the next run reads what was really sent:
 *   official: the bucket is debited with eD2K bytes only (payload + control messages);
 *   xtreme:   with eMuleOutOverall, i.e. also the estimated TCP/IP headers and the ACKs the
 *             caller booked for its downloads (bwacct_add_out from the receive path);
 *   nafc:     with the adapter's whole upload (all applications), eMule keeping >= 1/3;
 *   none:     no limit; every socket gets what it accepts.
 * Slots are kept in Xtreme's order: Full slots first, then Trickles (official: all Full). */
#ifndef CORE_THROTTLE_H
#define CORE_THROTTLE_H

#include <stdint.h>
#include "blockratio.h"
#include "bwacct.h"

#define THR_MAX_SLOTS 256
#define THR_MAX_CTRL  512
#define THR_TRICKLE_SPEED 500u        /* B/s guaranteed to each Trickle (TRICKLESPEED) */

enum thr_policy { THR_NONE = 0, THR_OFFICIAL, THR_XTREME, THR_NAFC, THR__N };
extern const char *const thr_policy_name[THR__N];
int thr_policy_parse(const char *name);              /* -1 if unknown */

/* What one send request did, as the socket saw it. */
struct thr_sent {
    uint32_t data;       /* file payload bytes accepted                                         */
    uint32_t proto;      /* eD2K bytes that are not file payload: control messages, and the
                            30-36 B header of each data packet (§1.1: counted as overhead)      */
    uint32_t hdr_est;    /* estimated TCP/IP bytes of the send() calls made (overhead estimator) */
    uint16_t attempts;   /* send() calls tried (blocking ratio; file sends only)                */
    uint16_t blocked;    /* of them, calls that would block                                     */
};

struct thr_ops {
    /* One EMSocket::Send call: put up to max_bytes on the socket, control messages ahead of file
     * data; control = 1: only queued control messages, except that a call which has started
     * keeps sending (file data, if queued) up to the next multiple of min_frag, so what leaves
     * is whole fragments.  max_bytes is already rounded up to a multiple of min_frag by the
     * throttler (thr_next_frag_size).  Fill *out (zeroed by the throttler); data + proto +
     * hdr_est == 0 means nothing was accepted. */
    void     (*send)(void *ctx, int32_t sock, uint32_t max_bytes, uint32_t min_frag, int control, int64_t now,
                     struct thr_sent *out);
    /* The slot has file data queued (Xtreme: its first block packets exist).  Latched by the
     * throttler once true. */
    int      (*ready)(void *ctx, int32_t sock);
    /* Control messages are still queued on this socket. */
    int      (*has_control)(void *ctx, int32_t sock);
    /* Official only, may be NULL: bytes a slot not served for > 1 s needs so its current
     * packet does not time out (GetNeededBytes). */
    uint32_t (*needed_bytes)(void *ctx, int32_t sock, int64_t now);
};

struct thr_cfg {
    enum thr_policy policy;
    uint32_t limit_Bps;          /* MaxUpload * 1024                                           */
    uint32_t slot_speed_Bps;     /* uploadslotspeed * 1024 (>= 1024)                           */
    uint32_t mtu;                /* Xtreme: minFrag = MTU - 40 (default 1340)                  */
    int      double_send;        /* Xtreme usedoublesendsize (default 0)                       */
    double   nafc_reserve;       /* share of the limit kept for eMule under NAFC (0.33)        */
    int      notreached_slots;   /* bandwidthnotreachedslots (default 0)                       */
};
void thr_cfg_default(struct thr_cfg *c);   /* xtreme, 12 KB/s, 3.4 KB/s, 1340, 0, 0.33, 0 */

struct thr_slot {
    int32_t  sock;
    uint8_t  full;
    uint8_t  ready;              /* latched                                                    */
    int64_t  cslope;             /* trickle bucket, bytes (CSlope)                             */
    int64_t  cslope_rem;         /* sub-byte credit, byte*ms/1000 units                        */
    int64_t  added_at;           /* ns                                                         */
    int64_t  last_called;        /* official: last time it was given bytes                     */
    uint64_t data_sent;          /* file payload, cumulative                                   */
    uint64_t spent;              /* all bytes debited for it, cumulative                        */
    int64_t  full_since;         /* ns, -1 while a Trickle                                     */
    int64_t  full_ns;            /* time spent Full before full_since                          */
    struct br_socket br;
};

struct throttle {
    struct thr_cfg        cfg;
    const struct thr_ops *ops;
    void                 *ctx;
    struct bwacct        *acct;

    struct thr_slot slot[THR_MAX_SLOTS];     /* S: Full first, then Trickles                     */
    uint32_t        n_slots, n_full;
    int32_t         rr[THR_MAX_SLOTS];       /* F: Full sockets in round-robin order              */
    uint32_t        n_rr;
    uint32_t        trickle_rr;              /* leftover-to-trickle position                      */
    int32_t         ctrl[THR_MAX_CTRL];      /* sockets with control messages, FIFO ring          */
    uint32_t        ctrl_head, ctrl_n;

    int recalculate, next_trickle_to_full, needslot;

    /* Xtreme token buckets (bytes) */
    int64_t  bucket, bucket_min, slope;
    int64_t  credit_rem;                     /* rate * ms remainder, byte*ms/1000 units           */
    double   reserve_rem;
    int64_t  last_ms;
    uint64_t seen_overall, seen_network;
    uint32_t last_rate, last_slotspeed;
    int64_t  last_reached;                   /* ns */
    int64_t  step_idx;                       /* blocking-ratio step of the last loop              */
    struct br_health health;

    /* official */
    int64_t  saved_mB;                       /* realBytesToSpend, milli-bytes                    */
    int64_t  cap_hit_since;                  /* ns, -1: the positive cap is not being hit        */
    uint32_t official_rr;

    /* loop figures for callers and tests */
    uint64_t loops;
    int64_t  last_sleep_ns;
    int64_t  last_budget;                    /* bytes the last loop could spend                   */
    int64_t  last_data_at;                   /* ns of the last file byte sent                     */
};

void thr_init(struct throttle *t, const struct thr_cfg *cfg, const struct thr_ops *ops, void *ctx,
              struct bwacct *acct, int64_t now);
/* A new upload slot, appended as a Trickle (the first one triggers the Full/Trickle split).
 * Returns 0, or -1 if THR_MAX_SLOTS are in use or sock is already a slot. */
int  thr_add_slot(struct throttle *t, int32_t sock, int64_t now);
int  thr_remove_slot(struct throttle *t, int32_t sock, int64_t now);
/* The socket has control messages queued (idempotent while it is queued). */
int  thr_queue_control(struct throttle *t, int32_t sock);
void thr_set_limit(struct throttle *t, uint32_t limit_Bps);
void thr_set_slot_speed(struct throttle *t, uint32_t slot_speed_Bps);
/* The slot manager's 25 % rule fired: the next run makes the first Trickle Full. */
void thr_next_trickle_to_full(struct throttle *t);

/* One throttler loop at `now` with the adapter's cumulative octet counters (used by nafc; the
 * others book them for the statistics only).  Returns the time to sleep before the next loop. */
int64_t thr_run(struct throttle *t, int64_t now, uint64_t adapter_out, uint64_t adapter_in);

const struct thr_slot *thr_slot_of(const struct throttle *t, int32_t sock);   /* NULL if none */
/* Mean of the per-slot 20-s blocking ratios over Full slots (avgBlockRatio), percent. */
double thr_block_ratio(const struct throttle *t);
double thr_upload_health(const struct throttle *t);                           /* percent */

/* Xtreme's Full-slot count (§1.4) for a limit, a 20-s overhead average, the current Trickle
 * count, the slot speed and the slot count.  *all_full = 1 when every slot should be Full (the
 * caller then wants a new slot).  A measured overhead above the limit gives 1 Full slot; the
 * original's unsigned arithmetic would underflow there. */
uint32_t thr_xtreme_full_slots(uint32_t rate, double avg_overhead, uint32_t n_trickles,
                               uint32_t slot_speed, uint32_t n_slots, int *all_full);

/* EMSocket::GetNextFragSize: the smallest multiple of min_frag that is >= bytes (emule-upload.md
 * §2 "Send sizes").  Every send request is rounded up by it, so no client request asks a socket
 * for a crumb of a budget; the loops' credit floors absorb the overshoot.  min_frag 0 counts as 1. */
uint32_t thr_next_frag_size(uint32_t bytes, uint32_t min_frag);

/* Internal to the throttler's files. */
int64_t thr_run_xtreme(struct throttle *t, int64_t now);
int64_t thr_run_official(struct throttle *t, int64_t now);
void    thr_make_full(struct throttle *t, uint32_t idx, int64_t now);
void    thr_make_trickle(struct throttle *t, uint32_t idx, int64_t now);
uint32_t thr_send(struct throttle *t, struct thr_slot *sl, int32_t sock, uint32_t max, uint32_t min_frag,
                  int control, int64_t now, struct thr_sent *s);
void    thr_step_blockratio(struct throttle *t, int64_t now);

#endif
