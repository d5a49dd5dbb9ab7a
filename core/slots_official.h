/* Official eMule 0.50a slot management (emule-upload.md §2): a per-client target data rate that
 * depends on the slot count, slot caps from the limit and the measured rate, one slot per second. */
#ifndef CORE_SLOTS_OFFICIAL_H
#define CORE_SLOTS_OFFICIAL_H

#include <stdint.h>
#include "throttle.h"

#define OS_MIN_UP_CLIENTS 2u          /* MIN_UP_CLIENTS_ALLOWED                              */
#define OS_MAX_UP_CLIENTS 100u        /* MAX_UP_CLIENTS_ALLOWED                              */
#define OS_CLIENT_MAXRATE (50u * 1024u)   /* UPLOAD_CLIENT_MAXDATARATE, B/s                  */

/* GetTargetClientDataRate: 3*1204 B/s (sic) for <= 3 slots, n * 1.25 KiB/s for 4..39, 50 KiB/s
 * for >= 40; min_variant = the "min" value (x 0.75). */
uint32_t os_target_rate(uint32_t n_slots, int min_variant);

/* nMaxSlots for a limit (KB/s), the measured upload data rate (B/s) and the slot count:
 * limit > 12: limit * 1024 / upPerClient, upPerClient = target + (limit > 20 ? rate / 43 : 0),
 * at most 50 KiB/s; limit > 7: 4; > 3: 3; else 2. */
uint32_t os_max_slots(double limit_kBps, double datarate_Bps, uint32_t n_slots);

struct oslots {
    double  limit_kBps;
    int64_t last_slot_start;          /* ns; INT64_MIN before the first                      */
};

void os_init(struct oslots *m, double limit_kBps);
/* Called every 100 ms: 1 = start the next waiting client now (the call records the start).
 * datarate_Bps: the current upload data rate; the throttler's needslot asks for one more. */
int  os_accept_new(struct oslots *m, const struct throttle *t, int64_t now, double datarate_Bps);

#endif
