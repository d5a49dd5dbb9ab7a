/* Xtreme's upload-queue side: MinSlots/MaxSlots, slot-speed limits, the 25 % promotion rule
 * and the decision to open a slot.  Formulas from emule-upload.md §1.5. */
#include "slots_xtreme.h"
#include <math.h>
#include <string.h>

#define NS_PER_S 1000000000LL

void xs_cfg_default(struct xs_cfg *c)
{
    c->limit_kBps = 12.0;
    c->slot_speed_kBps = 3.4;
    c->tolerance = 1.25;
    c->tolerance_133 = 0;
    c->fast_look = 0;
    c->trickle_trigger = 1;
    c->min_slots_floor3 = 0;
    c->open_half_min = 0;
    c->open_more_slots = 1;
    c->connect_grace_ns = 6 * NS_PER_S;
    c->internet_down_ns = 2 * NS_PER_S;
}

void xs_init(struct xslots *m, const struct xs_cfg *cfg, int64_t now)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    m->last_check = now - NS_PER_S;
    m->last_slot_start = now - NS_PER_S;
    m->last_force = now - NS_PER_S;
}

/* Float division then ceil, as the original computes in KB/s floats.  A tiny epsilon keeps
 * 16 / 4 at 4 even when the inputs carry binary rounding. */
static uint32_t ceil_ratio(double a, double b) { return b > 0 ? (uint32_t)ceil(a / b - 1e-9) : 0; }

uint32_t xs_min_slots(const struct xs_cfg *c)
{
    uint32_t m = ceil_ratio(c->limit_kBps, c->slot_speed_kBps);
    if (c->min_slots_floor3 && m < 3) m = 3;
    return m;
}

uint32_t xs_max_slots(const struct xs_cfg *c)
{
    double u = c->limit_kBps, s = c->slot_speed_kBps;
    uint32_t min = xs_min_slots(c);
    if (s > 6) return ceil_ratio(u, 4);
    if (s > 4) return ceil_ratio(u, 3);
    uint32_t a = (uint32_t)ceil(1.33 * min - 1e-9), b = (uint32_t)ceil(s - 1e-9) + min;
    return a > b ? a : b;            /* not raised to MinSlots, as in the original */
}

double xs_slot_speed_clamp(double u, double want)
{
    double max = 3.0;
    if (u < 6) max = 2.0;
    else if (u >= 10) max = u / (3.0 + (u - 10.0) / 20.0);
    if (max > XS_MAX_SLOTSPEED) max = XS_MAX_SLOTSPEED;
    if (max < 1.5) max = 1.5;
    if (want > max) want = max;
    if (want < 1.5) want = 1.5;
    return want;
}

double xs_client_rate(const struct xs_client *c, int n)
{
    if (c->n < 2 || n < 1) return 0.0;
    if (n > c->n - 1) n = c->n - 1;
    unsigned newest = (c->head + XS_HISTORY - 1) % XS_HISTORY;
    unsigned older = (newest + XS_HISTORY - (unsigned)n) % XS_HISTORY;
    double span = (double)(c->at[newest] - c->at[older]) / 1e9;
    return span > 0 ? (double)(c->bytes[newest] - c->bytes[older]) / span : 0.0;
}

static struct xs_client *client_for(struct xslots *m, int32_t sock)
{
    for (uint32_t i = 0; i < m->n_cl; i++) if (m->cl[i].sock == sock) return &m->cl[i];
    if (m->n_cl >= THR_MAX_SLOTS) return NULL;
    struct xs_client *c = &m->cl[m->n_cl++];
    memset(c, 0, sizeof *c);
    c->sock = sock;
    return c;
}

static void sample_clients(struct xslots *m, const struct throttle *t, int64_t now)
{
    /* Forget clients that are no longer slots. */
    for (uint32_t i = 0; i < m->n_cl;) {
        if (thr_slot_of(t, m->cl[i].sock)) { i++; continue; }
        m->cl[i] = m->cl[--m->n_cl];
    }
    for (uint32_t i = 0; i < t->n_slots; i++) {
        struct xs_client *c = client_for(m, t->slot[i].sock);
        if (!c) continue;
        c->bytes[c->head] = t->slot[i].data_sent;
        c->at[c->head] = now;
        c->head = (uint8_t)((c->head + 1) % XS_HISTORY);
        if (c->n < XS_HISTORY) c->n++;
    }
}

int xs_second(struct xslots *m, struct throttle *t, int64_t now)
{
    sample_clients(m, t, now);
    if (m->wait_until_next_look > 0) m->wait_until_next_look--;
    if (m->datarates_to_check < XS_MAX_DATARATES) m->datarates_to_check++;
    if (m->wait_until_next_look > 0 || m->datarates_to_check < 2) return 0;

    const struct xs_cfg *c = &m->cfg;
    double ss = c->slot_speed_kBps * 1024.0;
    uint32_t ceil_slots = ceil_ratio(c->limit_kBps, c->slot_speed_kBps);
    double tol = (c->tolerance_133 && t->n_slots > ceil_slots + 1) ? 1.33 : c->tolerance;
    int trigger = 0;
    for (uint32_t i = 0; i < t->n_slots && !trigger; i++) {
        const struct thr_slot *sl = &t->slot[i];
        const struct xs_client *cl = NULL;
        for (uint32_t k = 0; k < m->n_cl; k++) if (m->cl[k].sock == sl->sock) cl = &m->cl[k];
        if (!cl || cl->n <= 4) continue;                    /* a slot needs > 4 samples */
        double r = xs_client_rate(cl, m->datarates_to_check);
        if (sl->full && r > tol * ss) trigger = 1;
        else if (!sl->full && c->trickle_trigger && (r > ss / 2 || r > 2.5 * 1024.0)) trigger = 1;
    }
    if (!trigger) return 0;
    thr_next_trickle_to_full(t);
    uint32_t few = ceil_ratio(c->limit_kBps, 2.0 * c->slot_speed_kBps);
    m->wait_until_next_look = (c->fast_look && t->n_full < few) ? 3 : 5;
    m->datarates_to_check = -1;
    m->promotions++;
    return 1;
}

static int open_now(struct xslots *m, int64_t now)
{
    m->last_slot_start = now;
    m->opened++;
    return 1;
}

int xs_accept_new(struct xslots *m, struct throttle *t, int64_t now, int64_t last_rx_at)
{
    const struct xs_cfg *c = &m->cfg;
    uint32_t n = t->n_slots, min = xs_min_slots(c), max = xs_max_slots(c);

    if (c->internet_down_ns > 0 && n >= 1 && now - t->last_data_at > c->internet_down_ns &&
        now - last_rx_at > c->internet_down_ns) return 0;
    if (n >= max) { t->needslot = 0; return 0; }

    /* Free opening up to MinSlots (seed) or MinSlots / 2 (code), one per 500 ms. */
    double free_below = c->open_more_slots && c->open_half_min ? min / 2.0 : (double)min;
    if ((double)n < free_below) {
        if (now - m->last_force < NS_PER_S / 2) return 0;
        m->last_force = now;
        return open_now(m, now);
    }
    if (!c->open_more_slots) return 0;

    if (now - m->last_check < NS_PER_S || now - m->last_slot_start < NS_PER_S || !t->needslot) return 0;
    m->last_check = now;
    /* Newest slot first: one that never got ready within the grace lets the next one in; a
     * fresh Trickle that is still connecting holds it back. */
    uint16_t order[THR_MAX_SLOTS];
    for (uint32_t i = 0; i < n; i++) {                  /* insertion sort, newest first */
        uint32_t j = i;
        while (j > 0 && t->slot[order[j - 1]].added_at <= t->slot[i].added_at) { order[j] = order[j - 1]; j--; }
        order[j] = (uint16_t)i;
    }
    for (uint32_t k = 0; k < n; k++) {
        const struct thr_slot *sl = &t->slot[order[k]];
        if (!sl->ready && now - sl->added_at > c->connect_grace_ns) return open_now(m, now);
        if (!sl->ready && !sl->full) return 0;
    }
    return open_now(m, now);
}
