/* Xtreme 8.1 slot management, the upload-queue side (emule-upload.md §1.5, xtreme-rules.md):
 * the once-a-second "25 %" promotion of the next Trickle, MinSlots / MaxSlots, and when to open
 * a new slot (needslot, the connect grace of a fresh slot, "open more slots").
 *
 * Where the seed document and the code disagree, both are configuration, the seed's value the
 * default: connect grace 6 s (code 7000 ms); MinSlots = ceil(limit / slot speed) (code floors
 * it at 3); tolerance 25 % always (code: 33 % above ceil(limit/speed) + 1 slots); a promotion
 * check every 5 s (code: every 3 s while fewer than ceil(limit/speed/2) slots are Full); at
 * start MinSlots are opened at once (code: below MinSlots / 2 only, then one by one). */
#ifndef CORE_SLOTS_XTREME_H
#define CORE_SLOTS_XTREME_H

#include <stdint.h>
#include "throttle.h"

#define XS_HISTORY        21          /* per-client 1-s payload samples (CompUploadRate)    */
#define XS_MAX_DATARATES  15          /* the check window grows to 15 s                     */
#define XS_MAX_SLOTSPEED  15.0        /* XTREME_MAX_SLOTSPEED, KB/s                         */

struct xs_cfg {
    double  limit_kBps;               /* MaxUpload, KB/s (1 KB = 1024 B)                    */
    double  slot_speed_kBps;
    double  tolerance;                /* 1.25                                               */
    int     tolerance_133;            /* code: 1.33 above ceil(limit/speed)+1 slots (0)     */
    int     fast_look;                /* code: 3-s wait while few Full slots (0)            */
    int     trickle_trigger;          /* code: a Trickle > speed/2 or > 2.5 KiB/s promotes (1) */
    int     min_slots_floor3;         /* code: MinSlots >= 3 (0)                            */
    int     open_half_min;            /* code: open freely below MinSlots/2 only (0)        */
    int     open_more_slots;          /* "open more slots if needed" (1)                    */
    int64_t connect_grace_ns;         /* seed 6 s, code 7 s                                 */
    int64_t internet_down_ns;         /* no upload and no reception this long: hold (2 s; 0 off) */
};
void xs_cfg_default(struct xs_cfg *c);   /* 12 KB/s, 3.4 KB/s, seed values */

struct xs_client {
    int32_t  sock;
    uint8_t  head, n;
    uint64_t bytes[XS_HISTORY];       /* cumulative payload at each sample                  */
    int64_t  at[XS_HISTORY];
};

struct xslots {
    struct xs_cfg    cfg;
    struct xs_client cl[THR_MAX_SLOTS];
    uint32_t         n_cl;
    int              wait_until_next_look;   /* seconds                                       */
    int              datarates_to_check;     /* samples in the next check's window             */
    int64_t          last_check;             /* ns, last needslot evaluation                   */
    int64_t          last_slot_start;        /* ns                                             */
    int64_t          last_force;             /* ns, last free opening (at most every 500 ms)   */
    uint32_t         promotions, opened;
};

void     xs_init(struct xslots *m, const struct xs_cfg *cfg, int64_t now);
uint32_t xs_min_slots(const struct xs_cfg *c);
uint32_t xs_max_slots(const struct xs_cfg *c);
/* CheckSlotSpeed: the slot speed clamped to what the limit allows, KB/s. */
double   xs_slot_speed_clamp(double limit_kBps, double want_kBps);

/* Once a second: sample every slot's payload, apply the 25 % rule; on a trigger tell the
 * throttler to promote its next Trickle.  Returns 1 if it triggered. */
int xs_second(struct xslots *m, struct throttle *t, int64_t now);
/* Every 100 ms: 1 = start the next waiting client now (the call records the start).
 * last_rx_at: when the client last received anything (for the "internet down" hold). */
int xs_accept_new(struct xslots *m, struct throttle *t, int64_t now, int64_t last_rx_at);
/* A client's payload rate over its last n samples, B/s (0 if fewer than 2). */
double xs_client_rate(const struct xs_client *c, int n);

#endif
