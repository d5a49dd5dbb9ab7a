/* Official 0.50a: target client rate, slot caps and the accept-new-client decision.
 * Constants and formulas from emule-upload.md §2. */
#include "slots_official.h"

uint32_t os_target_rate(uint32_t n_slots, int min_variant)
{
    uint32_t r;
    if (n_slots <= 3) r = 3u * 1204u;                 /* the original's constant, typo included */
    else if (n_slots >= 40) r = OS_CLIENT_MAXRATE;
    else r = n_slots * 1280u;
    return min_variant ? r * 3u / 4u : r;
}

uint32_t os_max_slots(double limit_kBps, double datarate_Bps, uint32_t n_slots)
{
    if (limit_kBps > 12) {
        double per_client = os_target_rate(n_slots, 0) + (limit_kBps > 20 ? datarate_Bps / 43.0 : 0.0);
        if (per_client > OS_CLIENT_MAXRATE) per_client = OS_CLIENT_MAXRATE;
        return (uint32_t)(limit_kBps * 1024.0 / per_client);
    }
    if (limit_kBps > 7) return 4;
    if (limit_kBps > 3) return 3;
    return 2;
}

void os_init(struct oslots *m, double limit_kBps)
{
    m->limit_kBps = limit_kBps;
    m->last_slot_start = INT64_MIN;
}

int os_accept_new(struct oslots *m, const struct throttle *t, int64_t now, double datarate_Bps)
{
    uint32_t n = t->n_slots;
    int accept;
    if (n >= OS_MAX_UP_CLIENTS) accept = 0;
    else if (m->last_slot_start != INT64_MIN && now - m->last_slot_start < 1000000000LL &&
             datarate_Bps < 100.0 * 1024.0) accept = 0;        /* one slot per second below 100 KiB/s */
    else if (n < OS_MIN_UP_CLIENTS) accept = 1;
    else if (n >= 4 && (n >= datarate_Bps / os_target_rate(n, 1) ||
                        n >= m->limit_kBps * 1024.0 / os_target_rate(n, 0))) accept = 0;
    else {
        uint32_t max = os_max_slots(m->limit_kBps, datarate_Bps, n);
        if (t->needslot && max < n + 1) max = n + 1;          /* the throttler asked for one more */
        accept = n < max;
    }
    if (accept) m->last_slot_start = now;
    return accept;
}
