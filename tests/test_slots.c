/* Slot-manager tests: MinSlots/MaxSlots and slot-speed formulas, the connect grace, and walks
 * through the seed's own example (limit 17 KB/s, slot speed 4 KB/s) with scripted peers driving
 * the real throttler; plus the official 0.50a target rates and slot caps. */
#include "testutil.h"
#include "test_throttle_fake.h"
#include "slots_official.h"
#include "slots_xtreme.h"

static struct xs_cfg xcfg(double limit, double speed)
{
    struct xs_cfg c;
    xs_cfg_default(&c);
    c.limit_kBps = limit;
    c.slot_speed_kBps = speed;
    return c;
}

static void test_min_max_slots(void)
{
    /* MinSlots = ceil(limit / speed); MaxSlots by slot speed (emule-upload.md §1.5):
     *  17/4:  min ceil(4.25) = 5; speed <= 4: max(ceil(1.33*5) = 7, ceil(4) + 5 = 9) = 9
     *  16/4:  min 4;  max(ceil(5.32) = 6, 4 + 4 = 8) = 8
     *  11/4:  min ceil(2.75) = 3; max(ceil(3.99) = 4, 4 + 3 = 7) = 7
     *  3/3.4: min ceil(0.88) = 1; max(ceil(1.33) = 2, ceil(3.4) + 1 = 5) = 5
     *  50/8:  min ceil(6.25) = 7; speed > 6: ceil(50/4) = 13
     *  30/5:  min 6; speed > 4: ceil(30/3) = 10
     *  2/4 (limit below one slot): min 1; max(2, 4 + 1) = 5 */
    const struct { double u, s; uint32_t min, max; } v[] = {
        { 17, 4, 5, 9 }, { 16, 4, 4, 8 }, { 11, 4, 3, 7 }, { 3, 3.4, 1, 5 },
        { 50, 8, 7, 13 }, { 30, 5, 6, 10 }, { 2, 4, 1, 5 },
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct xs_cfg c = xcfg(v[i].u, v[i].s);
        CU_ASSERT_EQUAL(xs_min_slots(&c), v[i].min);
        CU_ASSERT_EQUAL(xs_max_slots(&c), v[i].max);
    }
    /* The code's floor at 3: 17/4 stays 5; 8/4 goes 2 -> 3; 3/3.4 goes 1 -> 3 and its max
     * becomes max(ceil(3.99) = 4, 4 + 3 = 7) = 7. */
    struct xs_cfg c = xcfg(17, 4); c.min_slots_floor3 = 1;
    CU_ASSERT_EQUAL(xs_min_slots(&c), 5);
    c = xcfg(8, 4); CU_ASSERT_EQUAL(xs_min_slots(&c), 2);
    c.min_slots_floor3 = 1; CU_ASSERT_EQUAL(xs_min_slots(&c), 3);
    c = xcfg(3, 3.4); c.min_slots_floor3 = 1;
    CU_ASSERT_EQUAL(xs_min_slots(&c), 3);
    CU_ASSERT_EQUAL(xs_max_slots(&c), 7);
}

static void test_slot_speed_limits(void)
{
    /* max = limit / (3 + (limit - 10) / 20) for limit >= 10: 17 -> 5.0746; 70 -> 11.667;
     * 400 -> 17.8 capped at 15.  limit < 6 -> 2; 6..10 -> 3.  Minimum 1.5. */
    ASSERT_ABS(xs_slot_speed_clamp(17, 4), 4.0, 1e-12);
    ASSERT_ABS(xs_slot_speed_clamp(17, 6), 17.0 / 3.35, 1e-12);
    ASSERT_ABS(xs_slot_speed_clamp(70, 20), 70.0 / 6.0, 1e-12);
    ASSERT_ABS(xs_slot_speed_clamp(400, 20), 15.0, 1e-12);
    ASSERT_ABS(xs_slot_speed_clamp(5, 3), 2.0, 1e-12);
    ASSERT_ABS(xs_slot_speed_clamp(8, 4), 3.0, 1e-12);
    ASSERT_ABS(xs_slot_speed_clamp(12, 1), 1.5, 1e-12);
}

static void test_client_rate_window(void)
{
    struct xs_client c;
    memset(&c, 0, sizeof c);
    CU_ASSERT_EQUAL(xs_client_rate(&c, 4), 0.0);
    /* Samples at 1..6 s of 0, 1000, 3000, 6000, 10000, 15000 B: over the last 4 samples
     * (2..6 s) (15000 - 1000) / 4 = 3500 B/s; over 2: (15000 - 6000) / 2 = 4500; n = 20 is cut
     * to the 5 intervals held: 15000 / 5 = 3000. */
    uint64_t b[] = { 0, 1000, 3000, 6000, 10000, 15000 };
    for (int i = 0; i < 6; i++) { c.bytes[c.head] = b[i]; c.at[c.head] = FAKE_S(i + 1); c.head++; c.n++; }
    ASSERT_ABS(xs_client_rate(&c, 4), 3500.0, 1e-9);
    ASSERT_ABS(xs_client_rate(&c, 2), 4500.0, 1e-9);
    ASSERT_ABS(xs_client_rate(&c, 20), 3000.0, 1e-9);
}

/* The connect grace, on a hand-built slot list: four ready Full slots from t = 0 and a fresh
 * fifth slot (a Trickle) opened at 10 s that never becomes ready; the throttler wants a slot.
 * With 5 = MinSlots slots only the needslot path can open more. */
static void test_connect_grace(void)
{
    static struct fake_net fn;
    static struct bwacct a;
    static struct throttle t;
    static struct xslots m;
    for (int grace_s = 6; grace_s <= 7; grace_s++) {
        fake_init(&fn);
        struct thr_cfg tc;
        thr_cfg_default(&tc);
        bwacct_init(&a, 0, 5);
        thr_init(&t, &tc, &fake_ops, &fn, &a, 0);
        for (int i = 0; i < 4; i++) { thr_add_slot(&t, i, 0); thr_make_full(&t, (uint32_t)i, 0); t.slot[i].ready = 1; }
        thr_add_slot(&t, 4, FAKE_S(10));
        struct xs_cfg c = xcfg(17, 4);
        c.connect_grace_ns = FAKE_S(grace_s);
        xs_init(&m, &c, FAKE_S(10));
        m.last_slot_start = FAKE_S(10);
        t.needslot = 1;
        t.last_data_at = FAKE_S(20);
        /* Still inside the grace: a fresh Trickle that is connecting holds the next slot back. */
        CU_ASSERT_EQUAL(xs_accept_new(&m, &t, FAKE_S(12), FAKE_S(12)), 0);
        int64_t before = FAKE_MS(10000 + grace_s * 1000 - 100), after = FAKE_MS(10000 + grace_s * 1000 + 1000);
        CU_ASSERT_EQUAL(xs_accept_new(&m, &t, before, before), 0);
        /* Past the grace (and >= 1 s since the last check): the next slot may open. */
        CU_ASSERT_EQUAL(xs_accept_new(&m, &t, after, after), 1);
        /* and not again within 1 s of that start */
        CU_ASSERT_EQUAL(xs_accept_new(&m, &t, after + FAKE_MS(500), after + FAKE_MS(500)), 0);
    }
    /* The 6-s grace allows at 16.9 s what the 7-s grace refuses. */
    struct xs_cfg c6 = xcfg(17, 4), c7 = xcfg(17, 4);
    c7.connect_grace_ns = FAKE_S(7);
    xs_init(&m, &c6, 0);
    m.last_check = m.last_slot_start = FAKE_S(10);
    t.needslot = 1;
    CU_ASSERT_EQUAL(xs_accept_new(&m, &t, FAKE_MS(16900), FAKE_MS(16900)), 1);
    xs_init(&m, &c7, 0);
    m.last_check = m.last_slot_start = FAKE_S(10);
    t.needslot = 1;
    CU_ASSERT_EQUAL(xs_accept_new(&m, &t, FAKE_MS(16900), FAKE_MS(16900)), 0);
}

static void test_accept_rules_edges(void)
{
    static struct fake_net fn;
    static struct bwacct a;
    static struct throttle t;
    static struct xslots m;
    fake_init(&fn);
    struct thr_cfg tc;
    thr_cfg_default(&tc);
    bwacct_init(&a, 0, 5);
    thr_init(&t, &tc, &fake_ops, &fn, &a, 0);
    struct xs_cfg c = xcfg(17, 4);
    xs_init(&m, &c, 0);
    /* Free opening below MinSlots = 5, at most one per 500 ms. */
    CU_ASSERT_EQUAL(xs_accept_new(&m, &t, 0, 0), 1);
    thr_add_slot(&t, 0, 0);
    CU_ASSERT_EQUAL(xs_accept_new(&m, &t, FAKE_MS(400), FAKE_MS(400)), 0);
    CU_ASSERT_EQUAL(xs_accept_new(&m, &t, FAKE_MS(500), FAKE_MS(500)), 1);
    thr_add_slot(&t, 1, FAKE_MS(500));
    /* "Internet down": slots exist, nothing uploaded or received for over 2 s: hold. */
    t.last_data_at = 0;
    CU_ASSERT_EQUAL(xs_accept_new(&m, &t, FAKE_S(5), FAKE_S(1)), 0);
    CU_ASSERT_EQUAL(xs_accept_new(&m, &t, FAKE_S(5), FAKE_S(4)), 1);     /* still receiving */
    /* At MaxSlots (9): no, and the throttler's request is dropped. */
    for (int i = 2; i < 9; i++) thr_add_slot(&t, i, FAKE_S(5));
    t.needslot = 1;
    CU_ASSERT_EQUAL(xs_accept_new(&m, &t, FAKE_S(9), FAKE_S(9)), 0);
    CU_ASSERT_EQUAL(t.needslot, 0);
    /* "Open more slots" off: exactly MinSlots, never more, whatever the throttler wants. */
    thr_init(&t, &tc, &fake_ops, &fn, &a, 0);
    c.open_more_slots = 0;
    xs_init(&m, &c, 0);
    int opened = 0;
    for (int k = 0; k < 100; k++) {
        int64_t now = FAKE_MS(100 * k);
        t.needslot = 1;
        t.last_data_at = now;
        if (xs_accept_new(&m, &t, now, now)) { thr_add_slot(&t, opened, now); t.slot[t.n_slots - 1].ready = 1; opened++; }
    }
    CU_ASSERT_EQUAL(opened, 5);
}

/* ---- walks: the throttler, the slot manager and scripted peers on one clock */

struct walk {
    struct fake_net fn;
    struct bwacct   a;
    struct throttle t;
    struct xslots   m;
    int32_t         next_client;
    int64_t         open_at[64];
    uint32_t        open_ready_trickles[64];   /* ready Trickles when the slot was opened      */
    int             n_open;
    int64_t         promo_at[64];               /* when the Full count grew                      */
    int             n_promo;
    uint32_t        slots_at_3s, full_at_3s;
};

static void walk_init(struct walk *w, const struct xs_cfg *c)
{
    fake_init(&w->fn);
    struct thr_cfg tc;
    thr_cfg_default(&tc);
    tc.limit_Bps = (uint32_t)(c->limit_kBps * 1024);
    tc.slot_speed_Bps = (uint32_t)(c->slot_speed_kBps * 1024);
    bwacct_init(&w->a, 0, 5);
    thr_init(&w->t, &tc, &fake_ops, &w->fn, &w->a, 0);
    xs_init(&w->m, c, 0);
    w->next_client = 0;
    w->n_open = w->n_promo = 0;
}

static void walk_run(struct walk *w, int64_t until)
{
    int64_t next_loop = 0, next_tick = 0, next_second = FAKE_S(1);
    while (1) {
        int64_t now = next_loop;
        if (next_tick < now) now = next_tick;
        if (next_second < now) now = next_second;
        if (now >= until) break;
        w->fn.now = now;
        if (now == next_second) {
            xs_second(&w->m, &w->t, now);
            if (now == FAKE_S(3)) { w->slots_at_3s = w->t.n_slots; w->full_at_3s = w->t.n_full; }
            next_second += FAKE_S(1);
        } else if (now == next_tick) {
            if (xs_accept_new(&w->m, &w->t, now, now)) {
                uint32_t ready_trickles = 0;
                for (uint32_t i = w->t.n_full; i < w->t.n_slots; i++) ready_trickles += w->t.slot[i].ready;
                w->open_ready_trickles[w->n_open] = ready_trickles;
                w->open_at[w->n_open++] = now;
                thr_add_slot(&w->t, w->next_client++, now);
            }
            next_tick += FAKE_MS(100);
        } else {
            uint32_t full = w->t.n_full;
            next_loop += thr_run(&w->t, now, w->a.c.emule_out_overall, 0);
            if (w->t.n_full > full && full > 0) w->promo_at[w->n_promo++] = now;
        }
    }
}

/* The seed's example with every peer able to take anything: 5 slots opened at start (one per
 * 500 ms), one Full.  The Full slot carries ~16.9 kB/s of payload, far above 4 * 1.25 = 5 kB/s,
 * so at the 5-s check the next Trickle becomes Full; again at 10 s (2 Full at ~7.9 kB/s) and
 * 15 s (3 Full: (16888 - 2 * 500) / 3 = 5296 B/s > 5120).  With 4 Full at ~4.1 kB/s nothing
 * exceeds 5 kB/s: stable, one Trickle left, no new slot. */
static void test_seed_walk_limit17_speed4(void)
{
    static struct walk w;
    struct xs_cfg c = xcfg(17, 4);
    walk_init(&w, &c);
    walk_run(&w, FAKE_S(40));
    CU_ASSERT_EQUAL(w.slots_at_3s, 5);
    CU_ASSERT_EQUAL(w.full_at_3s, 1);
    CU_ASSERT_EQUAL(w.n_open, 5);
    CU_ASSERT_EQUAL(w.open_at[4], FAKE_MS(2000));
    CU_ASSERT_EQUAL(w.n_promo, 3);
    for (int i = 0; i < w.n_promo && i < 3; i++) ASSERT_ABS((double)w.promo_at[i] / 1e9, 5.0 * (i + 1), 0.06);
    CU_ASSERT_EQUAL(w.t.n_slots, 5);
    CU_ASSERT_EQUAL(w.t.n_full, 4);
    CU_ASSERT_EQUAL(w.m.promotions, 3);
}

/* The code's variants on the same example: a 3-s wait while fewer than ceil(17/4/2) = 3 slots
 * are Full gives promotions at 5, 8 and 11 s; opening freely only below MinSlots/2 = 2.5 starts
 * with 3 slots instead of 5. */
static void test_seed_walk_code_variants(void)
{
    static struct walk w;
    struct xs_cfg c = xcfg(17, 4);
    c.fast_look = 1;
    walk_init(&w, &c);
    walk_run(&w, FAKE_S(30));
    CU_ASSERT_EQUAL(w.n_promo, 3);
    if (w.n_promo == 3) {
        ASSERT_ABS((double)w.promo_at[0] / 1e9, 5.0, 0.06);
        ASSERT_ABS((double)w.promo_at[1] / 1e9, 8.0, 0.06);
        ASSERT_ABS((double)w.promo_at[2] / 1e9, 11.0, 0.06);
    }
    c = xcfg(17, 4);
    c.open_half_min = 1;
    walk_init(&w, &c);
    walk_run(&w, FAKE_S(3) + 1);
    CU_ASSERT_EQUAL(w.slots_at_3s, 3);
    /* floor at 3: limit 8, speed 4 opens 2 slots at start (seed), 3 with the floor (code). */
    c = xcfg(8, 4);
    walk_init(&w, &c);
    walk_run(&w, FAKE_S(3) + 1);
    CU_ASSERT_EQUAL(w.slots_at_3s, 2);
    c.min_slots_floor3 = 1;
    walk_init(&w, &c);
    walk_run(&w, FAKE_S(3) + 1);
    CU_ASSERT_EQUAL(w.slots_at_3s, 3);
}

/* Peers that cannot take the target: client 0 takes anything, all others only 2000 B/s.  Each
 * promotion moves a 2000-B/s peer to Full, so client 0 stays above 5 kB/s and the Trickles run
 * out at 20 s; only then is a new slot opened, and every opening after the first five finds no
 * ready Trickle.  Client 0 carries 16888 - k * 2000 - 500 with k capped Full peers: 8388 at
 * k = 4 (25 s: promote, open), 6388 at k = 5 (30 s: promote, open), 4388 < 5120 at k = 6:
 * stable with 8 slots, 7 Full. */
static void test_new_slot_only_without_trickle(void)
{
    static struct walk w;
    struct xs_cfg c = xcfg(17, 4);
    walk_init(&w, &c);
    /* Writable only with a full send's room, so every send is 1300 B + 40 (3 % overhead);
     * without it each loop would send a few bytes at 40 B of estimated header each. */
    for (int i = 1; i < FAKE_MAX_SOCKS; i++) { w.fn.s[i].drain_Bps = 2000; w.fn.s[i].lowat = 1300; }
    walk_run(&w, FAKE_S(45));
    CU_ASSERT(w.n_open > 5);
    for (int i = 5; i < w.n_open; i++) CU_ASSERT_EQUAL(w.open_ready_trickles[i], 0);
    if (w.n_open > 5) CU_ASSERT(w.open_at[5] >= FAKE_S(20));
    for (int i = 1; i < w.n_promo; i++) CU_ASSERT(w.promo_at[i] - w.promo_at[i - 1] >= FAKE_MS(4900));
    CU_ASSERT_EQUAL(w.t.n_slots, 8);
    CU_ASSERT_EQUAL(w.t.n_full, 7);
    CU_ASSERT(w.t.n_slots <= xs_max_slots(&c));
}

static void test_official_target_and_caps(void)
{
    /* target: 3 * 1204 = 3612 for <= 3 slots; n * 1280 for 4..39; 51200 from 40; min x 0.75. */
    CU_ASSERT_EQUAL(os_target_rate(1, 0), 3612);
    CU_ASSERT_EQUAL(os_target_rate(3, 1), 2709);
    CU_ASSERT_EQUAL(os_target_rate(4, 0), 5120);
    CU_ASSERT_EQUAL(os_target_rate(39, 0), 49920);
    CU_ASSERT_EQUAL(os_target_rate(40, 0), 51200);
    CU_ASSERT_EQUAL(os_target_rate(6, 1), 5760);
    /* caps: 10 -> 4, 5 -> 3, 3 -> 2, 12 (not > 12) -> 4; 16 with 2 slots -> 16384 / 3612 = 4;
     * 30 with 5 slots at 24000 B/s -> 30720 / (6400 + 24000/43 = 6958.1) = 4;
     * 100 with 10 slots: 102400 / 12800 = 8; at 80000 B/s: 102400 / 14660.5 = 6. */
    CU_ASSERT_EQUAL(os_max_slots(10, 0, 2), 4);
    CU_ASSERT_EQUAL(os_max_slots(5, 0, 2), 3);
    CU_ASSERT_EQUAL(os_max_slots(3, 0, 2), 2);
    CU_ASSERT_EQUAL(os_max_slots(12, 0, 2), 4);
    CU_ASSERT_EQUAL(os_max_slots(16, 0, 2), 4);
    CU_ASSERT_EQUAL(os_max_slots(30, 24000, 5), 4);
    CU_ASSERT_EQUAL(os_max_slots(100, 0, 10), 8);
    CU_ASSERT_EQUAL(os_max_slots(100, 80000, 10), 6);
}

static void test_official_accept(void)
{
    static struct fake_net fn;
    static struct bwacct a;
    static struct throttle t;
    fake_init(&fn);
    struct thr_cfg tc;
    thr_cfg_default(&tc);
    tc.policy = THR_OFFICIAL;
    bwacct_init(&a, 0, 5);
    thr_init(&t, &tc, &fake_ops, &fn, &a, 0);
    struct oslots m;
    os_init(&m, 16);
    CU_ASSERT_EQUAL(os_accept_new(&m, &t, 0, 0), 1);                  /* below 2: always */
    thr_add_slot(&t, 0, 0);
    CU_ASSERT_EQUAL(os_accept_new(&m, &t, FAKE_MS(500), 0), 0);       /* one per second */
    CU_ASSERT_EQUAL(os_accept_new(&m, &t, FAKE_MS(1000), 0), 1);
    thr_add_slot(&t, 1, FAKE_MS(1000));
    CU_ASSERT_EQUAL(os_accept_new(&m, &t, FAKE_MS(2000), 8000), 1);   /* 2 < cap 4 */
    thr_add_slot(&t, 2, FAKE_MS(2000));
    CU_ASSERT_EQUAL(os_accept_new(&m, &t, FAKE_MS(3000), 8000), 1);   /* 3 < 4 */
    thr_add_slot(&t, 3, FAKE_MS(3000));
    /* 4 slots: 4 >= 16384 / target(4) = 3.2 -> refuse, even if the throttler asks. */
    t.needslot = 1;
    CU_ASSERT_EQUAL(os_accept_new(&m, &t, FAKE_MS(5000), 20000), 0);
    /* At 100 KiB/s the one-per-second rule does not apply: a 40 KB/s limit with 2 slots opens
     * again 100 ms after the last. */
    os_init(&m, 40);
    thr_init(&t, &tc, &fake_ops, &fn, &a, 0);
    thr_add_slot(&t, 0, 0); thr_add_slot(&t, 1, 0);
    CU_ASSERT_EQUAL(os_accept_new(&m, &t, 0, 102400), 1);
    CU_ASSERT_EQUAL(os_accept_new(&m, &t, FAKE_MS(100), 102400), 1);
    CU_ASSERT_EQUAL(os_accept_new(&m, &t, FAKE_MS(200), 50000), 0);
}

void register_test_slots(void)
{
    TEST_SUITE("slots",
               TEST(test_min_max_slots),
               TEST(test_slot_speed_limits),
               TEST(test_client_rate_window),
               TEST(test_connect_grace),
               TEST(test_accept_rules_edges),
               TEST(test_seed_walk_limit17_speed4),
               TEST(test_seed_walk_code_variants),
               TEST(test_new_slot_only_without_trickle),
               TEST(test_official_target_and_caps),
               TEST(test_official_accept));
}
