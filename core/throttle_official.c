/* The official eMule 0.50a throttler loop (emule-upload.md §2): milli-byte credit, control
 * first, anti-timeout pacing, an equal share for the first maxSlot slots, leftover in order.
 * It debits eD2K bytes only, so headers and ACKs ride on top of the configured limit. */
#include "throttle.h"
#include "slots_official.h"

#define OFFICIAL_FRAG     1300u      /* minFragSize; doubleSendSize = 2x ("two packets share an ACK") */
#define OFFICIAL_FRAG_LOW 536u       /* below 6 KiB/s                                              */
#define SAVED_CAP_MB      999        /* saved credit is capped just under one byte                  */
#define TRICKLE_AFTER_NS  1000000000LL

static uint32_t clamp_u32(int64_t v) { return v <= 0 ? 0u : v >= UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

int64_t thr_run_official(struct throttle *t, int64_t now)
{
    int64_t now_ms = now / 1000000;
    int64_t dt_ms = now_ms - t->last_ms;
    if (dt_ms < 0) dt_ms = 0;
    if (dt_ms > 1000) dt_ms = 1000;
    t->last_ms = now_ms;

    uint32_t rate = t->cfg.limit_Bps ? t->cfg.limit_Bps : 1u;
    /* Below 6 KiB/s: 536-B fragments, one at a time "to give them a smoother load". */
    uint32_t frag = rate < 6 * 1024 ? OFFICIAL_FRAG_LOW : OFFICIAL_FRAG;
    uint32_t dbl = rate < 6 * 1024 ? frag : 2 * frag;
    t->saved_mB += (int64_t)rate * dt_ms;              /* B/s * ms = milli-bytes */
    int64_t budget = t->saved_mB / 1000;
    t->last_budget = budget;
    int64_t spent = 0;
    struct thr_sent s;

    /* Control messages first: SendControlData(budget - spent, minFragSize), so a call rounds up
     * to whole fragments instead of splitting a message at the budget's last byte. */
    for (uint32_t tries = t->ctrl_n; tries > 0 && t->ctrl_n > 0 && spent < budget; tries--) {
        int32_t sock = t->ctrl[t->ctrl_head];
        t->ctrl_head = (t->ctrl_head + 1) % THR_MAX_CTRL;
        t->ctrl_n--;
        struct thr_slot *sl = NULL;
        for (uint32_t i = 0; i < t->n_slots; i++) if (t->slot[i].sock == sock) sl = &t->slot[i];
        spent += thr_send(t, sl, sock, clamp_u32(budget - spent), frag, 1, now, &s);
        if (t->ops->has_control(t->ctx, sock)) thr_queue_control(t, sock);
    }

    /* Anti-timeout pacing: a slot not served for over 1 s gets what its packet needs. */
    if (t->ops->needed_bytes) {
        for (uint32_t i = 0; i < t->n_slots; i++) {
            struct thr_slot *sl = &t->slot[i];
            if (!sl->ready || now - sl->last_called <= TRICKLE_AFTER_NS) continue;
            uint32_t need = t->ops->needed_bytes(t->ctx, sl->sock, now);
            if (need) { spent += thr_send(t, sl, sl->sock, need, frag, 0, now, &s); sl->last_called = now; }
        }
    }

    /* Equal share over the first maxSlot slots: min(max(doubleSendSize, budget / maxSlot),
     * budget - spent), sent in whole doubleSendSize fragments. */
    uint32_t n = t->n_slots;
    if (n > 0 && spent < budget) {
        uint32_t max_slot = rate / os_target_rate(n, 1);
        if (max_slot < 1) max_slot = 1;
        if (max_slot > n) max_slot = n;
        int64_t share = budget / max_slot;
        if (share < dbl) share = dbl;
        for (uint32_t c = 0; c < max_slot && spent < budget; c++) {
            if (t->official_rr >= max_slot) t->official_rr = 0;
            struct thr_slot *sl = &t->slot[t->official_rr++];
            if (!sl->ready) continue;
            int64_t ask = share < budget - spent ? share : budget - spent;
            spent += thr_send(t, sl, sl->sock, clamp_u32(ask), dbl, 0, now, &s);
            sl->last_called = now;
        }
        /* Leftover, first to last: max(budget - spent, doubleSendSize) each. */
        for (uint32_t i = 0; i < n && spent < budget; i++) {
            struct thr_slot *sl = &t->slot[i];
            if (!sl->ready) continue;
            int64_t ask = budget - spent > dbl ? budget - spent : dbl;
            spent += thr_send(t, sl, sl->sock, clamp_u32(ask), dbl, 0, now, &s);
            sl->last_called = now;
        }
    }
    br_health_note_loop(&t->health, spent >= budget);
    thr_step_blockratio(t, now);

    t->saved_mB -= spent * 1000;
    int64_t floor_mB = -(int64_t)(n + 1) * frag * 1000;
    if (t->saved_mB < floor_mB) t->saved_mB = floor_mB;
    if (t->saved_mB > SAVED_CAP_MB) {
        /* Credit keeps overflowing: the slots cannot take the limit, ask for one more. */
        t->saved_mB = SAVED_CAP_MB;
        if (t->cap_hit_since < 0) t->cap_hit_since = now;
        int64_t wait = 2 * dt_ms * 1000000LL;
        if (wait < 1000000000LL) wait = 1000000000LL;
        if (now - t->cap_hit_since > wait) t->needslot = 1;
    } else {
        t->cap_hit_since = -1;
        t->needslot = 0;
    }
    t->slope = t->saved_mB / 1000;

    /* Sleep until at least one byte of credit exists, at least 1 ms. */
    int64_t sleep_ms = 1;
    if (t->saved_mB < 1000) {
        sleep_ms = (1000 - t->saved_mB + rate - 1) / rate;
        if (sleep_ms < 1) sleep_ms = 1;
        if (sleep_ms > 1000) sleep_ms = 1000;
    }
    return sleep_ms * 1000000LL;
}
