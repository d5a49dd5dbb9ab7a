/* Scripted sockets for the throttler and slot-manager suites: each drains its buffer at a fixed
 * rate (or takes everything), may become ready late or never, and counts what it accepted. */
#ifndef TESTS_TEST_THROTTLE_FAKE_H
#define TESTS_TEST_THROTTLE_FAKE_H

#include <stdint.h>
#include <string.h>
#include "bwacct.h"
#include "throttle.h"

#define FAKE_MAX_SOCKS 64
#define FAKE_NEVER     INT64_MAX
#define FAKE_MS(x)     ((int64_t)(x) * 1000000LL)
#define FAKE_S(x)      ((int64_t)(x) * 1000000000LL)

struct fake_sock {
    double   drain_Bps;     /* how fast the peer takes data; 0: takes everything at once     */
    uint32_t bufmax;        /* socket send buffer, bytes                                     */
    double   buf;           /* bytes waiting in it                                           */
    int64_t  last;          /* ns of the last drain                                          */
    int64_t  ready_at;      /* ns from which it has data queued (FAKE_NEVER: never)          */
    uint32_t ctrl_pending;  /* control bytes queued                                          */
    uint32_t frag;          /* bytes per send() call (each costs a 40-B header); 0: 1 call   */
    uint32_t lowat;         /* would block unless this much buffer space is free (0: any)   */
    uint64_t data, ctrl, hdr, calls, blocked;
    uint32_t max_data_req;  /* largest data request the throttler made                      */
    uint32_t min_data_req;  /* smallest data request the throttler made (0: none yet)        */
};

struct fake_net {
    struct fake_sock s[FAKE_MAX_SOCKS];
    int64_t          now;
};

static inline void fake_init(struct fake_net *fn)
{
    memset(fn, 0, sizeof *fn);
    for (int i = 0; i < FAKE_MAX_SOCKS; i++) { fn->s[i].bufmax = 8192; fn->s[i].frag = 1300; }
}

static inline void fake_drain(struct fake_sock *k, int64_t now)
{
    if (k->drain_Bps > 0 && now > k->last) {
        k->buf -= k->drain_Bps * (double)(now - k->last) / 1e9;
        if (k->buf < 0) k->buf = 0;
    }
    k->last = now;
}

static inline void fake_send(void *ctx, int32_t sock, uint32_t max, uint32_t min_frag, int control, int64_t now,
                             struct thr_sent *out)
{
    (void)min_frag;
    struct fake_net *fn = ctx;
    struct fake_sock *k = &fn->s[sock];
    fake_drain(k, now);
    uint32_t n;
    if (control) {
        n = max < k->ctrl_pending ? max : k->ctrl_pending;
        k->ctrl_pending -= n;
        k->ctrl += n;
        out->proto = n;
        out->hdr_est = 40u * (k->frag ? (n + k->frag - 1) / k->frag : (n ? 1u : 0u));
        k->hdr += out->hdr_est;
        return;
    }
    if (max > k->max_data_req) k->max_data_req = max;
    if (k->min_data_req == 0 || max < k->min_data_req) k->min_data_req = max;
    if (now < k->ready_at) { out->attempts = 1; out->blocked = 1; k->calls++; k->blocked++; return; }
    double space = k->drain_Bps > 0 ? (double)k->bufmax - k->buf : (double)max;
    if (space < (double)k->lowat) space = 0;
    n = space <= 0 ? 0u : space < max ? (uint32_t)space : max;
    uint32_t calls = n == 0 ? 0u : k->frag ? (n + k->frag - 1) / k->frag : 1u;
    out->data = n;
    out->hdr_est = 40u * calls;
    out->attempts = (uint16_t)calls;
    if (n < max) { out->attempts++; out->blocked = 1; k->blocked++; }   /* the call that hit a full buffer */
    k->calls += out->attempts;
    k->buf += n;
    k->data += n;
    k->hdr += out->hdr_est;
}

static inline int fake_ready(void *ctx, int32_t sock)
{
    struct fake_net *fn = ctx;
    return fn->now >= fn->s[sock].ready_at;
}

static inline int fake_has_control(void *ctx, int32_t sock)
{
    struct fake_net *fn = ctx;
    return fn->s[sock].ctrl_pending > 0;
}

static const struct thr_ops fake_ops = { fake_send, fake_ready, fake_has_control, NULL };

/* Run the throttler from fn->now to `until`, sleeping as it asks; adapter_extra_Bps is other
 * applications' upload that the adapter sees on top of everything eMule booked. */
static inline void fake_run(struct throttle *t, struct fake_net *fn, struct bwacct *a, int64_t until,
                            double adapter_extra_Bps)
{
    while (fn->now < until) {
        uint64_t adapter = a->c.emule_out_overall + (uint64_t)(adapter_extra_Bps * (double)fn->now / 1e9);
        int64_t sleep = thr_run(t, fn->now, adapter, 0);
        fn->now += sleep;
    }
}

#endif
