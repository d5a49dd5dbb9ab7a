/* Xtreme 8.1's throttler loop (emule-upload.md §1.3) with the Full/Trickle regulation of §1.4:
 * a token bucket debited with what was measurably sent, control first, Trickles first, Full
 * slots round robin, leftovers to Trickles, and a sleep sized to the remaining debt. */
#include "throttle.h"
#include <string.h>

#define SLOPE_CAP_DIV     4         /* bucket clamp: +-rate/4, i.e. +-250 ms of credit          */
#define TURN_BYTES        450u      /* a Full slot that sent more than this used its turn       */
#define MIN_SLEEP_MS      4
#define MAX_SLEEP_MS      50
#define UNLIMITED_RATE    (UINT32_MAX / 4u)
#define SAFETY_SENDS      4096u     /* policy none: a loop ends even if a socket never blocks */

static uint32_t ceil_div_u64(uint64_t a, uint64_t b) { return (uint32_t)((a + b - 1) / b); }

/* §1.4: split S into Full and Trickle from the 20-s overhead average. */
static void regulate(struct throttle *t, uint32_t rate, uint32_t slot_speed, int64_t now)
{
    struct bwacct_rates r;
    bwacct_rates(t->acct, 20, &r);
    double ovh = t->cfg.policy == THR_NAFC ? r.network_out - r.emule_out : r.emule_out_overall - r.emule_out;
    if (ovh < 0) ovh = 0;
    int all_full;
    uint32_t want = thr_xtreme_full_slots(rate, ovh, t->n_slots - t->n_full, slot_speed, t->n_slots, &all_full);
    while (t->n_full < want) thr_make_full(t, t->n_full, now);
    while (t->n_full > want) thr_make_trickle(t, t->n_full - 1, now);
    t->needslot = all_full;
    t->recalculate = 0;
}

static void promote_next_trickle(struct throttle *t, int64_t now)
{
    t->next_trickle_to_full = 0;
    if (t->n_slots == 0 || t->n_full == t->n_slots) { t->needslot = 1; return; }
    thr_make_full(t, t->n_full, now);
}

static struct thr_slot *slot_by_sock(struct throttle *t, int32_t sock)
{
    for (uint32_t i = 0; i < t->n_slots; i++) if (t->slot[i].sock == sock) return &t->slot[i];
    return NULL;
}

/* Control messages first: each queued socket gets one SendControlData(minFrag) call, so
 * control data leaves in whole fragments (topped up with file data on an upload socket). */
static int64_t send_control(struct throttle *t, int64_t slope, uint32_t min_frag, int64_t now)
{
    int64_t spent = 0;
    struct thr_sent s;
    for (uint32_t tries = t->ctrl_n; tries > 0 && t->ctrl_n > 0 && spent < slope; tries--) {
        int32_t sock = t->ctrl[t->ctrl_head];
        t->ctrl_head = (t->ctrl_head + 1) % THR_MAX_CTRL;
        t->ctrl_n--;
        spent += thr_send(t, slot_by_sock(t, sock), sock, min_frag, min_frag, 1, now, &s);
        if (t->ops->has_control(t->ctx, sock)) thr_queue_control(t, sock);
    }
    return spent;
}

int64_t thr_run_xtreme(struct throttle *t, int64_t now)
{
    const int unlimited = t->cfg.policy == THR_NONE, nafc = t->cfg.policy == THR_NAFC;
    int64_t now_ms = now / 1000000;
    int64_t dt_ms = now_ms - t->last_ms;
    if (dt_ms < 0) dt_ms = 0;
    if (dt_ms > 1000) { dt_ms = 1000; t->credit_rem = 0; }
    t->last_ms = now_ms;

    uint32_t rate = unlimited ? UNLIMITED_RATE : t->cfg.limit_Bps ? t->cfg.limit_Bps : 1u;
    if (rate + 1024u <= t->last_rate) t->recalculate = 1;       /* limit dropped by >= 1 KiB/s */
    t->last_rate = rate;
    uint32_t slot_speed = t->cfg.slot_speed_Bps;
    if (slot_speed != t->last_slotspeed) { t->recalculate = 1; t->last_slotspeed = slot_speed; }

    uint32_t min_frag = t->cfg.mtu > 540 ? t->cfg.mtu - 40 : 500;
    uint32_t dbl = t->cfg.double_send ? 2 * min_frag : min_frag;
    if (rate < 6 * 1024) min_frag = dbl = 536;
    else if (rate < 16 * 1024) dbl = min_frag;

    /* Debit what was measurably sent since the last loop. */
    uint64_t overall = t->acct->c.emule_out_overall, network = t->acct->c.network_out;
    int64_t d_overall = (int64_t)(overall - t->seen_overall), d_network = (int64_t)(network - t->seen_network);
    t->seen_overall = overall;
    t->seen_network = network;

    int64_t slope;
    uint32_t min_slots = rate / slot_speed / 2;
    if (unlimited) {
        slope = INT64_MAX / 4;
        t->bucket = t->bucket_min = 0;
    } else {
        t->bucket -= nafc ? d_network : d_overall;
        t->bucket_min -= d_overall;
        /* No credit build-up while fewer slots than half the minimum exist. */
        if (t->bucket > 0 && t->n_slots < min_slots) t->bucket = 0;
        int64_t acc = (int64_t)rate * dt_ms + t->credit_rem;
        int64_t credit = acc / 1000;
        t->credit_rem = acc % 1000;
        t->bucket += credit;
        double rc = t->cfg.nafc_reserve * (double)credit + t->reserve_rem;
        t->bucket_min += (int64_t)rc;
        t->reserve_rem = rc - (double)(int64_t)rc;
        int64_t cap = rate / SLOPE_CAP_DIV;
        if (t->bucket > cap) t->bucket = cap;
        if (t->bucket < -cap) t->bucket = -cap;
        if (t->bucket_min > cap) t->bucket_min = cap;
        if (t->bucket_min < -cap) t->bucket_min = -cap;
        slope = (nafc && t->bucket_min > t->bucket) ? t->bucket_min : t->bucket;
    }
    t->last_budget = slope;

    if (t->recalculate) regulate(t, rate, slot_speed, now);
    else if (t->next_trickle_to_full) promote_next_trickle(t, now);

    if (slope > 0 && t->ctrl_n > 0) slope -= send_control(t, slope, min_frag, now);

    /* Trickles first: each ready Trickle earns 500 B/s of payload, at most 1 s banked. */
    struct thr_sent s;
    int ready_trickle = 0;
    for (uint32_t i = t->n_full; i < t->n_slots; i++) {
        struct thr_slot *sl = &t->slot[i];
        if (!sl->ready) continue;
        ready_trickle = 1;
        int64_t acc = (int64_t)THR_TRICKLE_SPEED * dt_ms + sl->cslope_rem;
        sl->cslope += acc / 1000;
        sl->cslope_rem = acc % 1000;
        if (sl->cslope > THR_TRICKLE_SPEED) sl->cslope = THR_TRICKLE_SPEED;
        if (slope > 0 && sl->cslope > 0) {
            slope -= thr_send(t, sl, sl->sock, min_frag, min_frag, 0, now, &s);
            sl->cslope -= s.data;
        }
    }
    if (!ready_trickle) t->needslot = 1;

    /* Full slots, persistent round robin: a slot that sent more than 450 B goes to the tail;
     * the loop ends when the budget is spent or |F| attempts were unproductive. */
    uint32_t unproductive = 0, j = 0, sends = 0;
    while (slope > 0 && unproductive < t->n_rr && sends < SAFETY_SENDS) {
        if (j >= t->n_rr) j = 0;
        int32_t sock = t->rr[j];
        struct thr_slot *sl = slot_by_sock(t, sock);
        if (sl && sl->ready) {
            sends++;
            slope -= thr_send(t, sl, sock, dbl, dbl, 0, now, &s);
            if (s.data > TURN_BYTES) {
                memmove(&t->rr[j], &t->rr[j + 1], (t->n_rr - j - 1) * sizeof t->rr[0]);
                t->rr[t->n_rr - 1] = sock;
                continue;
            }
        }
        unproductive++;
        j++;
    }
    int check_after_leftover = t->n_slots < min_slots;
    if (!check_after_leftover) br_health_note_loop(&t->health, slope <= 0);

    thr_step_blockratio(t, now);

    /* Leftover budget to the Trickles, round robin from where the last loop stopped. */
    uint32_t n_trickles = t->n_slots - t->n_full;
    if (slope > 0 && n_trickles > 0) {
        uint32_t idle = 0;
        sends = 0;
        while (slope > 0 && idle < n_trickles && sends < SAFETY_SENDS) {
            struct thr_slot *sl = &t->slot[t->n_full + (t->trickle_rr++ % n_trickles)];
            uint32_t spent = 0;
            if (sl->ready) {
                sends++;
                spent = thr_send(t, sl, sl->sock, min_frag, min_frag, 0, now, &s);
                slope -= spent;
                sl->cslope -= s.data;
                if (sl->cslope < -(int64_t)min_frag) sl->cslope = -(int64_t)min_frag;
            }
            idle = spent ? 0 : idle + 1;
        }
    }
    if (check_after_leftover) br_health_note_loop(&t->health, slope <= 0);

    if (slope < (int64_t)THR_TRICKLE_SPEED) t->last_reached = now;
    else if (t->cfg.notreached_slots && now - t->last_reached > 3000000000LL) t->needslot = 1;
    t->slope = slope;

    int64_t sleep_ms = MIN_SLEEP_MS;
    if (!unlimited && slope < 0) {
        sleep_ms = ceil_div_u64((uint64_t)(-slope + THR_TRICKLE_SPEED) * 1000u, rate);
        if (sleep_ms < MIN_SLEEP_MS) sleep_ms = MIN_SLEEP_MS;
        if (sleep_ms > MAX_SLEEP_MS) sleep_ms = MAX_SLEEP_MS;
    }
    return sleep_ms * 1000000LL;
}
