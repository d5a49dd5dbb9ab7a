/* Throttler tests with scripted sockets: the Xtreme token bucket (clamp, no build-up while
 * starting, sleep), control and Trickles first, leftovers, round robin, the Full/Trickle split,
 * NAFC with other traffic (the VoIP example), the official loop's share, and policy none. */
#include "testutil.h"
#include "test_throttle_fake.h"
#include "throttle_nafc.h"

static struct fake_net fn;
static struct bwacct acct;
static struct throttle thr;

static void setup(enum thr_policy p, uint32_t limit, uint32_t slot_speed)
{
    fake_init(&fn);
    struct thr_cfg c;
    thr_cfg_default(&c);
    c.policy = p;
    c.limit_Bps = limit;
    c.slot_speed_Bps = slot_speed;
    bwacct_init(&acct, 0, 5);
    thr_init(&thr, &c, &fake_ops, &fn, &acct, 0);
}

static int64_t run_at(int64_t now)
{
    fn.now = now;
    return thr_run(&thr, now, acct.c.emule_out_overall, 0);
}

static void test_bucket_clamp_zero_dt_and_huge_gap(void)
{
    /* limit 10240 B/s: clamp +-2560.  minslots = 10240/4096/2 = 1, one slot (never ready). */
    setup(THR_XTREME, 10240, 4096);
    fn.s[0].ready_at = FAKE_NEVER;
    thr_add_slot(&thr, 0, 0);
    run_at(0);
    CU_ASSERT_EQUAL(thr.last_budget, 0);
    run_at(FAKE_MS(1000));                     /* +10240 -> clamped to 2560 */
    CU_ASSERT_EQUAL(thr.last_budget, 2560);
    run_at(FAKE_MS(2000));
    CU_ASSERT_EQUAL(thr.last_budget, 2560);
    /* 100000 B of estimated ACKs booked: 2560 - 100000 + 1024 -> clamped to -2560; the sleep
     * ceil((2560 + 500) * 1000 / 10240) = 299 ms is clamped to 50 ms. */
    bwacct_add_out(&acct, 0, 0, 100000);
    int64_t sl = run_at(FAKE_MS(2100));
    CU_ASSERT_EQUAL(thr.last_budget, -2560);
    CU_ASSERT_EQUAL(sl, FAKE_MS(50));
    run_at(FAKE_MS(2200));                     /* -2560 + 1024 */
    CU_ASSERT_EQUAL(thr.last_budget, -1536);
    run_at(FAKE_MS(2200));                     /* zero elapsed: no credit, no debit */
    CU_ASSERT_EQUAL(thr.last_budget, -1536);
    run_at(FAKE_S(3600));                      /* an hour later: at most 1 s of credit, clamped */
    CU_ASSERT_EQUAL(thr.last_budget, 2560);
}

static void test_no_credit_build_up_while_starting(void)
{
    /* limit 40960, slot speed 4096: minslots = 5, clamp 10240.  Loops every 100 ms add 4096.
     * With 2 slots a positive bucket is zeroed first: the budget never exceeds 4096.  With 5
     * slots it grows 4096 -> 8192 -> 10240 (clamp). */
    setup(THR_XTREME, 40960, 4096);
    for (int i = 0; i < 5; i++) fn.s[i].ready_at = FAKE_NEVER;
    thr_add_slot(&thr, 0, 0);
    thr_add_slot(&thr, 1, 0);
    run_at(0);
    run_at(FAKE_MS(100));
    CU_ASSERT_EQUAL(thr.last_budget, 4096);
    run_at(FAKE_MS(200));
    CU_ASSERT_EQUAL(thr.last_budget, 4096);
    for (int i = 2; i < 5; i++) thr_add_slot(&thr, i, FAKE_MS(200));
    run_at(FAKE_MS(300));
    CU_ASSERT_EQUAL(thr.last_budget, 8192);
    run_at(FAKE_MS(400));
    CU_ASSERT_EQUAL(thr.last_budget, 10240);
}

static void test_sleep_after_overspend(void)
{
    /* limit 40960, default slot speed 3482: minslots = 40960/3482/2 = 5.  One slot that takes
     * everything.  Loop at 0: no credit, sleep 4 ms.  Loop at 100 ms: budget 4096; sends of
     * 1300 + 40 header: 4 sends = 5360 -> slope -1264; sleep ceil(1764 * 1000 / 40960) = 44 ms. */
    setup(THR_XTREME, 40960, 3482);
    thr_add_slot(&thr, 0, 0);
    CU_ASSERT_EQUAL(run_at(0), FAKE_MS(4));
    CU_ASSERT_EQUAL(run_at(FAKE_MS(100)), FAKE_MS(44));
    CU_ASSERT_EQUAL(thr.slope, -1264);
    CU_ASSERT_EQUAL(fn.s[0].data, 5200);
    CU_ASSERT_EQUAL(acct.c.emule_out_overall, 5360);
    CU_ASSERT_EQUAL(acct.c.emule_out, 5200);
}

static void test_long_run_rate_counts_headers(void)
{
    /* 60 s at 10240 B/s: eMuleOutOverall = 614400 within the clamp (2560) plus one send (1340);
     * every send is 1300 payload + 40 header, so payload = overall * 1300 / 1340 exactly. */
    setup(THR_XTREME, 10240, 4096);
    thr_add_slot(&thr, 0, 0);
    fake_run(&thr, &fn, &acct, FAKE_S(60), 0);
    ASSERT_ABS((double)acct.c.emule_out_overall, 614400.0, 2560.0 + 1340.0);
    CU_ASSERT_EQUAL(acct.c.emule_out * 1340, acct.c.emule_out_overall * 1300);
    CU_ASSERT_EQUAL(fn.s[0].data, acct.c.emule_out);
}

static void test_trickle_gets_500_Bps_first(void)
{
    /* One Full and one Trickle, both taking everything: the Trickle earns 500 B/s of payload
     * (60 s -> 30000, within one 1300-B send plus the 500-B bank), the Full slot the rest. */
    setup(THR_XTREME, 10240, 4096);
    thr_add_slot(&thr, 0, 0);
    run_at(0);                                  /* the split: slot 0 Full */
    thr_add_slot(&thr, 1, 0);
    fake_run(&thr, &fn, &acct, FAKE_S(60), 0);
    CU_ASSERT_EQUAL(thr.n_full, 1);
    CU_ASSERT_FALSE(thr_slot_of(&thr, 1)->full);
    ASSERT_ABS((double)fn.s[1].data, 30000.0, 1800.0);
    CU_ASSERT(fn.s[0].data > 500000);
}

static void test_leftover_goes_to_trickles(void)
{
    /* The Full slot's peer takes only 2000 B/s (+ its 8192-B buffer once): 60 s -> about
     * 128192 B.  The Trickle then gets the leftover, far above its 30000-B guarantee, and the
     * total still respects the limit (614400 +- 4000). */
    setup(THR_XTREME, 10240, 4096);
    fn.s[0].drain_Bps = 2000;
    thr_add_slot(&thr, 0, 0);
    run_at(0);
    thr_add_slot(&thr, 1, 0);
    fake_run(&thr, &fn, &acct, FAKE_S(60), 0);
    ASSERT_ABS((double)fn.s[0].data, 128192.0, 2600.0);
    CU_ASSERT(fn.s[1].data > 300000);
    ASSERT_ABS((double)acct.c.emule_out_overall, 614400.0, 4000.0);
}

static void test_control_before_data(void)
{
    /* Budget 4096 at 100 ms (limit 40960).  3000 control bytes queued on socket 5 (not a slot)
     * go first, one SendControlData(minFrag) call per loop: 1300 + 40 header = 1340; the
     * remaining 2756 buy three 1300-B data sends (1340 each, the last overshoots to -1264).
     * The socket stays queued; its other 1700 bytes leave in the next loops (1300, then 400). */
    setup(THR_XTREME, 40960, 4096);
    thr_add_slot(&thr, 0, 0);
    run_at(0);
    fn.s[5].ctrl_pending = 3000;
    thr_queue_control(&thr, 5);
    thr_queue_control(&thr, 5);                 /* queueing twice does not duplicate */
    CU_ASSERT_EQUAL(thr.ctrl_n, 1);
    run_at(FAKE_MS(100));
    CU_ASSERT_EQUAL(fn.s[5].ctrl, 1300);
    CU_ASSERT_EQUAL(fn.s[0].data, 3 * 1300);
    CU_ASSERT_EQUAL(thr.slope, -1264);
    CU_ASSERT_EQUAL(thr.ctrl_n, 1);
    run_at(FAKE_MS(200));                       /* -1264 + 4096 = 2832 */
    CU_ASSERT_EQUAL(fn.s[5].ctrl, 2600);
    run_at(FAKE_MS(300));
    CU_ASSERT_EQUAL(fn.s[5].ctrl, 3000);
    CU_ASSERT_EQUAL(thr.ctrl_n, 0);
}

/* EMSocket::GetNextFragSize: the next multiple of the fragment at or above the request. */
static void test_next_frag_size_vectors(void)
{
    CU_ASSERT_EQUAL(thr_next_frag_size(0, 1300), 0);
    CU_ASSERT_EQUAL(thr_next_frag_size(1, 1300), 1300);
    CU_ASSERT_EQUAL(thr_next_frag_size(20, 2600), 2600);
    CU_ASSERT_EQUAL(thr_next_frag_size(1300, 1300), 1300);
    CU_ASSERT_EQUAL(thr_next_frag_size(1301, 1300), 2600);
    CU_ASSERT_EQUAL(thr_next_frag_size(7, 0), 7);               /* a fragment of 0 counts as 1 */
    CU_ASSERT_EQUAL(thr_next_frag_size(UINT32_MAX, 1300), UINT32_MAX - UINT32_MAX % 1300);
}

/* The official loop never asks a socket for a crumb of its budget: every request is a whole
 * number of doubleSendSize fragments (2600 B above 6 KiB/s, 536 B below), so a budget of a
 * few bytes left at the end of a loop still sends a full fragment and the credit goes
 * negative (the floor -(slots + 1) * minFrag absorbs it).  The old loop asked for
 * "budget - spent" as it was: requests of a few bytes. */
static void test_official_sends_whole_fragments(void)
{
    setup(THR_OFFICIAL, 20480, 4096);
    for (int i = 0; i < 3; i++) { thr_add_slot(&thr, i, 0); fn.s[i].drain_Bps = 6000; }
    fake_run(&thr, &fn, &acct, FAKE_S(30), 0);
    for (int i = 0; i < 3; i++) {
        CU_ASSERT(fn.s[i].min_data_req >= 2600);
        CU_ASSERT_EQUAL(fn.s[i].max_data_req % 2600, 0);
        CU_ASSERT_EQUAL(fn.s[i].min_data_req % 2600, 0);
    }
    setup(THR_OFFICIAL, 4096, 4096);
    thr_add_slot(&thr, 0, 0);                   /* a peer that takes everything */
    fake_run(&thr, &fn, &acct, FAKE_S(30), 0);
    CU_ASSERT_EQUAL(fn.s[0].min_data_req, 536);
    CU_ASSERT_EQUAL(fn.s[0].max_data_req % 536, 0);
    /* the limit still holds over the run: 4096 B/s within the credit floor and one fragment */
    ASSERT_ABS((double)fn.s[0].data, 4096.0 * 30, 2 * 536.0);
}

static void test_full_slots_round_robin(void)
{
    /* Three Full slots taking everything share within two sends (2600 B) after 30 s. */
    setup(THR_XTREME, 30720, 4096);
    for (int i = 0; i < 3; i++) thr_add_slot(&thr, i, 0);
    fake_run(&thr, &fn, &acct, FAKE_S(30), 0);
    CU_ASSERT_EQUAL(thr.n_full, 3);
    uint64_t lo = fn.s[0].data, hi = fn.s[0].data;
    for (int i = 1; i < 3; i++) { if (fn.s[i].data < lo) lo = fn.s[i].data; if (fn.s[i].data > hi) hi = fn.s[i].data; }
    CU_ASSERT(hi - lo <= 2600);
    CU_ASSERT(lo > 250000);
}

static void test_full_slot_count_vectors(void)
{
    int all;
    /* rate 17408 (17 KB/s), overhead 1000, 4 Trickles, speed 4096, 5 slots:
     * real = 17408 - 1000 - 2000 = 14408 -> 3; 14408 - 12288 = 2120 > (16384 - 14408) - 500 = 1476
     * -> rounded up to 4. */
    CU_ASSERT_EQUAL(thr_xtreme_full_slots(17408, 1000, 4, 4096, 5, &all), 4);
    CU_ASSERT_EQUAL(all, 0);
    /* No overhead, no Trickles: 17408 / 4096 = 4 < 5; 1024 > 20480 - 17408 = 3072? no -> 4. */
    CU_ASSERT_EQUAL(thr_xtreme_full_slots(17408, 0, 0, 4096, 5, &all), 4);
    /* real = 17408 - 3000 - 1000 = 13408 -> 3; 1120 > 16384 - 13408 - 500 = 2476? no -> 3. */
    CU_ASSERT_EQUAL(thr_xtreme_full_slots(17408, 3000, 2, 4096, 5, &all), 3);
    /* 4 >= 4 slots: all Full, and the caller wants a new slot. */
    CU_ASSERT_EQUAL(thr_xtreme_full_slots(17408, 0, 0, 4096, 4, &all), 4);
    CU_ASSERT_EQUAL(all, 1);
    /* Overhead above the limit: 1 Full slot (the original would underflow). */
    CU_ASSERT_EQUAL(thr_xtreme_full_slots(10240, 20000, 3, 4096, 5, &all), 1);
    CU_ASSERT_EQUAL(all, 0);
    /* Limit below one slot: 2048 - 1500 = 548 -> max(0, 1) = 1 of 3. */
    CU_ASSERT_EQUAL(thr_xtreme_full_slots(2048, 0, 3, 4096, 3, &all), 1);
    /* No slots at all: all_full, 0. */
    CU_ASSERT_EQUAL(thr_xtreme_full_slots(2048, 0, 0, 4096, 0, &all), 0);
    CU_ASSERT_EQUAL(all, 1);
}

static void test_limit_below_one_slot_uses_small_fragments(void)
{
    /* 2 KB/s with 3 slots: one Full, two Trickles; below 6 KiB/s every send is <= 536 B. */
    setup(THR_XTREME, 2048, 4096);
    for (int i = 0; i < 3; i++) thr_add_slot(&thr, i, 0);
    fake_run(&thr, &fn, &acct, FAKE_S(20), 0);
    CU_ASSERT_EQUAL(thr.n_full, 1);
    for (int i = 0; i < 3; i++) CU_ASSERT(fn.s[i].max_data_req <= 536);
    ASSERT_ABS((double)acct.c.emule_out_overall, 2048.0 * 20, 512.0 + 576.0);
}

static void test_remove_full_slot_promotes_trickle(void)
{
    setup(THR_XTREME, 10240, 4096);
    thr_add_slot(&thr, 0, 0);
    run_at(0);
    thr_add_slot(&thr, 1, 0);
    thr_add_slot(&thr, 2, 0);
    run_at(FAKE_MS(10));
    CU_ASSERT_EQUAL(thr.n_full, 1);
    thr_remove_slot(&thr, 0, FAKE_MS(20));
    CU_ASSERT_EQUAL(thr.n_full, 0);
    CU_ASSERT_EQUAL(thr.next_trickle_to_full, 1);
    run_at(FAKE_MS(30));
    CU_ASSERT_EQUAL(thr.n_full, 1);
    CU_ASSERT_EQUAL(thr.slot[0].sock, 1);
    CU_ASSERT_TRUE(thr.slot[0].full);
    CU_ASSERT_EQUAL(thr_remove_slot(&thr, 7, FAKE_MS(40)), -1);
}

static void test_limit_drop_recalculates(void)
{
    /* Four Full slots at 20 KB/s; the limit drops to 8 KB/s.  The 20-s overhead average is
     * 40/1340 of 20480 = 611 B/s, so real = 8192 - 611 = 7581 -> 1; 7581 - 4096 = 3485 >
     * 8192 - 7581 = 611 -> 2 Full slots, 2 Trickles. */
    setup(THR_XTREME, 20480, 4096);
    for (int i = 0; i < 4; i++) thr_add_slot(&thr, i, 0);
    fake_run(&thr, &fn, &acct, FAKE_S(30), 0);
    CU_ASSERT_EQUAL(thr.n_full, 4);
    thr_set_limit(&thr, 8192);
    run_at(fn.now);
    CU_ASSERT_EQUAL(thr.n_full, 2);
    CU_ASSERT_EQUAL(thr.n_rr, 2);
}

/* xtreme-rules.md: "limit 15 kB/s, VoIP uses 5 kB/s -> eMule sends only 10 kB/s".  Under NAFC
 * the bucket is debited with the adapter's total, so eMule's own upload (payload + headers)
 * settles at 15360 - 5120 = 10240 B/s.  With xtreme the VoIP is invisible: 15360.  With other
 * traffic saturating the adapter, the 1/3 reservation keeps 0.33 * 15360 = 5069 B/s. */
static double own_rate_with_other_traffic(enum thr_policy p, double other_Bps)
{
    setup(p, 15360, 4096);
    thr_add_slot(&thr, 0, 0);
    thr_add_slot(&thr, 1, 0);
    fake_run(&thr, &fn, &acct, FAKE_S(10), other_Bps);
    uint64_t at10 = acct.c.emule_out_overall;
    fake_run(&thr, &fn, &acct, FAKE_S(70), other_Bps);
    return (double)(acct.c.emule_out_overall - at10) / 60.0;
}

static void test_nafc_voip_example(void)
{
    ASSERT_REL(own_rate_with_other_traffic(THR_NAFC, 5120), 10240.0, 0.02);
    ASSERT_REL(own_rate_with_other_traffic(THR_XTREME, 5120), 15360.0, 0.02);
    ASSERT_REL(own_rate_with_other_traffic(THR_NAFC, 30720), 0.33 * 15360, 0.03);
    ASSERT_REL(own_rate_with_other_traffic(THR_NAFC, 0), 15360.0, 0.02);
}

static void test_download_limit_rules(void)
{
    /* static, Xtreme step 11: U=3 -> 9; U=10 -> 40; U=12 -> user limit (100, or 0 = none). */
    ASSERT_ABS(nafc_static_download_limit(3, 0, NAFC_RULE_STEP), 9.0, 1e-12);
    ASSERT_ABS(nafc_static_download_limit(10, 0, NAFC_RULE_STEP), 40.0, 1e-12);
    ASSERT_ABS(nafc_static_download_limit(12, 100, NAFC_RULE_STEP), 100.0, 1e-12);
    ASSERT_ABS(nafc_static_download_limit(12, 0, NAFC_RULE_STEP), 0.0, 1e-12);
    /* official step 10: U=10 is not < 10 -> the user's limit. */
    ASSERT_ABS(nafc_static_download_limit(10, 0, 10), 0.0, 1e-12);
    /* NAFC on measured R: 10 KiB/s -> 40; 3 KiB/s -> 9; 0.2 KiB/s -> 0.6 -> floor 1;
     * 20 KiB/s -> the static value; a lower static value wins (30 < 40). */
    ASSERT_ABS(nafc_download_limit(0, 10 * 1024), 40.0, 1e-12);
    ASSERT_ABS(nafc_download_limit(0, 3 * 1024), 9.0, 1e-12);
    ASSERT_ABS(nafc_download_limit(0, 0.2 * 1024), 1.0, 1e-12);
    ASSERT_ABS(nafc_download_limit(0, 20 * 1024), 0.0, 1e-12);
    ASSERT_ABS(nafc_download_limit(30, 10 * 1024), 30.0, 1e-12);
    /* From the accounting: nothing measured -> static; 2048 B/s = 2 KiB/s < 4 -> 3 * 2 = 6. */
    bwacct_init(&acct, 0, 5);
    ASSERT_ABS(nafc_download_limit_acct(0, &acct), 0.0, 1e-12);
    for (int s = 1; s <= 12; s++) { bwacct_add_out(&acct, 2048, 0, 0); bwacct_process(&acct, FAKE_S(s)); }
    ASSERT_ABS(nafc_download_limit_acct(0, &acct), 6.0, 1e-12);
}

static void test_official_counts_ed2k_bytes_only(void)
{
    /* Official at 10240 B/s, one slot: payload ~614400 in 60 s (within two 2600-B sends and
     * the saved-credit floor), but with 40 B per 1300-B send() the overall is 3 % higher. */
    setup(THR_OFFICIAL, 10240, 4096);
    thr_add_slot(&thr, 0, 0);
    CU_ASSERT_EQUAL(thr.n_full, 1);
    fake_run(&thr, &fn, &acct, FAKE_S(60), 0);
    ASSERT_ABS((double)fn.s[0].data, 614400.0, 2 * 2600.0 + 2 * 2600.0);
    ASSERT_REL((double)acct.c.emule_out_overall, (double)fn.s[0].data * 1340.0 / 1300.0, 1e-9);
}

static void test_official_share(void)
{
    /* 3 slots: maxSlot = 10240 / (3 * 1204 * 3/4 = 2709) = 3: equal shares. */
    setup(THR_OFFICIAL, 10240, 4096);
    for (int i = 0; i < 3; i++) thr_add_slot(&thr, i, 0);
    fake_run(&thr, &fn, &acct, FAKE_S(30), 0);
    uint64_t total = fn.s[0].data + fn.s[1].data + fn.s[2].data;
    for (int i = 0; i < 3; i++) ASSERT_ABS((double)fn.s[i].data, total / 3.0, 2 * 2600.0);
    /* 6 slots: target_min(6) = 6 * 1280 * 3/4 = 5760 -> maxSlot = 1: the first slot's share
     * is the whole budget, so the others get nothing while it takes everything. */
    setup(THR_OFFICIAL, 10240, 4096);
    for (int i = 0; i < 6; i++) thr_add_slot(&thr, i, 0);
    fake_run(&thr, &fn, &acct, FAKE_S(30), 0);
    CU_ASSERT(fn.s[0].data > 290000);
    for (int i = 1; i < 6; i++) CU_ASSERT_EQUAL(fn.s[i].data, 0);
}

static void test_official_asks_for_a_slot(void)
{
    /* Two slots whose peers take 1000 B/s each cannot use 10240 B/s: the credit keeps hitting
     * its cap, and after more than 1 s the throttler asks for one more slot. */
    setup(THR_OFFICIAL, 10240, 4096);
    fn.s[0].drain_Bps = fn.s[1].drain_Bps = 1000;
    thr_add_slot(&thr, 0, 0);
    thr_add_slot(&thr, 1, 0);
    fake_run(&thr, &fn, &acct, FAKE_S(5), 0);
    CU_ASSERT_EQUAL(thr.needslot, 1);
    setup(THR_OFFICIAL, 10240, 4096);
    thr_add_slot(&thr, 0, 0);
    fake_run(&thr, &fn, &acct, FAKE_S(5), 0);
    CU_ASSERT_EQUAL(thr.needslot, 0);
}

static void test_policy_none_gives_what_peers_take(void)
{
    /* No limit: each slot gets its peer's rate, 3000 and 5000 B/s, plus its 8192-B buffer. */
    setup(THR_NONE, 0, 4096);
    fn.s[0].drain_Bps = 3000;
    fn.s[1].drain_Bps = 5000;
    thr_add_slot(&thr, 0, 0);
    thr_add_slot(&thr, 1, 0);
    fake_run(&thr, &fn, &acct, FAKE_S(30), 0);
    ASSERT_ABS((double)fn.s[0].data, 3000.0 * 30 + 8192, 1300.0);
    ASSERT_ABS((double)fn.s[1].data, 5000.0 * 30 + 8192, 1300.0);
}

static void test_policy_names(void)
{
    CU_ASSERT_EQUAL(thr_policy_parse("nafc"), THR_NAFC);
    CU_ASSERT_EQUAL(thr_policy_parse("official"), THR_OFFICIAL);
    CU_ASSERT_EQUAL(thr_policy_parse("Xtreme"), -1);
}

void register_test_throttle(void)
{
    TEST_SUITE("throttle",
               TEST(test_bucket_clamp_zero_dt_and_huge_gap),
               TEST(test_no_credit_build_up_while_starting),
               TEST(test_sleep_after_overspend),
               TEST(test_long_run_rate_counts_headers),
               TEST(test_trickle_gets_500_Bps_first),
               TEST(test_leftover_goes_to_trickles),
               TEST(test_control_before_data),
               TEST(test_next_frag_size_vectors),
               TEST(test_official_sends_whole_fragments),
               TEST(test_full_slots_round_robin),
               TEST(test_full_slot_count_vectors),
               TEST(test_limit_below_one_slot_uses_small_fragments),
               TEST(test_remove_full_slot_promotes_trickle),
               TEST(test_limit_drop_recalculates),
               TEST(test_nafc_voip_example),
               TEST(test_download_limit_rules),
               TEST(test_official_counts_ed2k_bytes_only),
               TEST(test_official_share),
               TEST(test_official_asks_for_a_slot),
               TEST(test_policy_none_gives_what_peers_take),
               TEST(test_policy_names));
}
