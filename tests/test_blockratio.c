/* Blocking-ratio and upload-health tests over scripted step sequences: the 20-sample FIFO,
 * empty steps, the overall ratio, and the mean over Full slots in the throttler. */
#include "testutil.h"
#include "blockratio.h"
#include "test_throttle_fake.h"

static void test_socket_ratio_sequence(void)
{
    struct br_socket b;
    br_socket_init(&b);
    CU_ASSERT_EQUAL(br_socket_ratio(&b), 0.0);               /* no samples yet */
    /* steps: 5 of 10 blocked = 50 %, 4 of 4 = 100 %, no attempts = 0 %: mean 50 %.
     * Overall since start: 9 of 14 = 64.2857 %. */
    br_socket_note(&b, 6, 2); br_socket_note(&b, 4, 3); br_socket_step(&b);
    br_socket_note(&b, 4, 4); br_socket_step(&b);
    br_socket_step(&b);
    ASSERT_ABS(br_socket_ratio(&b), 50.0, 1e-9);
    ASSERT_ABS(br_socket_overall(&b), 100.0 * 9 / 14, 1e-9);
    CU_ASSERT_EQUAL(b.sendcount, 0);                          /* counters reset at each step */
}

static void test_fifo_keeps_twenty(void)
{
    struct br_socket b;
    br_socket_init(&b);
    /* 25 steps at 100 %, then 5 at 0 %: the FIFO holds the last 20 = 15 x 100 + 5 x 0 -> 75 %. */
    for (int i = 0; i < 25; i++) { br_socket_note(&b, 2, 2); br_socket_step(&b); }
    ASSERT_ABS(br_socket_ratio(&b), 100.0, 1e-9);
    for (int i = 0; i < 5; i++) { br_socket_note(&b, 3, 0); br_socket_step(&b); }
    ASSERT_ABS(br_socket_ratio(&b), 75.0, 1e-9);
    CU_ASSERT_EQUAL(b.hist.n, 20);
}

static void test_health_sequence(void)
{
    struct br_health h;
    br_health_init(&h);
    /* step 1: 3 of 4 loops spent their budget = 75 %; step 2: 0 of 2 = 0 %; mean 37.5 %. */
    br_health_note_loop(&h, 1); br_health_note_loop(&h, 1); br_health_note_loop(&h, 0); br_health_note_loop(&h, 1);
    br_health_step(&h);
    br_health_note_loop(&h, 0); br_health_note_loop(&h, 0);
    br_health_step(&h);
    ASSERT_ABS(br_health_value(&h), 37.5, 1e-9);
    CU_ASSERT_EQUAL(br_step_index(1023999999LL), 0);
    CU_ASSERT_EQUAL(br_step_index(1024000000LL), 1);
}

/* In the throttler: a Full slot whose peer takes 1000 B/s through an 8 KiB buffer finds only
 * a few bytes of space per loop, so each call's first send() fills them and its second would
 * block: about half the attempts block.  One that takes everything never blocks; the global figure is their mean over
 * Full slots, and health is 100 % because the unlimited slot always uses the budget. */
static void test_throttler_block_ratio_over_full_slots(void)
{
    static struct fake_net fn;
    static struct bwacct a;
    static struct throttle t;
    fake_init(&fn);
    fn.s[0].drain_Bps = 1000;
    fn.s[1].drain_Bps = 0;
    struct thr_cfg c;
    thr_cfg_default(&c);
    c.limit_Bps = 20 * 1024;
    c.slot_speed_Bps = 4 * 1024;
    bwacct_init(&a, 0, 5);
    thr_init(&t, &c, &fake_ops, &fn, &a, 0);
    thr_add_slot(&t, 0, 0);
    thr_add_slot(&t, 1, 0);
    /* The first split sees 2 Trickles: real = 20480 - 2 * 500 = 19480 >= 2 * 4096: both Full. */
    fake_run(&t, &fn, &a, FAKE_S(30), 0);
    CU_ASSERT_EQUAL(t.n_full, 2);
    double r0 = br_socket_ratio(&thr_slot_of(&t, 0)->br), r1 = br_socket_ratio(&thr_slot_of(&t, 1)->br);
    CU_ASSERT(r0 > 45.0 && r0 <= 50.0);
    CU_ASSERT_EQUAL(r1, 0.0);
    ASSERT_ABS(thr_block_ratio(&t), (r0 + r1) / 2, 1e-9);
    ASSERT_ABS(thr_upload_health(&t), 100.0, 1e-9);
}

/* Health falls when the slots cannot take the budget: one slot at 1000 B/s under a 20 KiB/s
 * limit leaves every loop with credit, so no loop spends its budget. */
static void test_health_low_when_slots_cannot_take_budget(void)
{
    static struct fake_net fn;
    static struct bwacct a;
    static struct throttle t;
    fake_init(&fn);
    fn.s[0].drain_Bps = 1000;
    struct thr_cfg c;
    thr_cfg_default(&c);
    c.limit_Bps = 20 * 1024;
    c.slot_speed_Bps = 4 * 1024;
    bwacct_init(&a, 0, 5);
    thr_init(&t, &c, &fake_ops, &fn, &a, 0);
    thr_add_slot(&t, 0, 0);
    fake_run(&t, &fn, &a, FAKE_S(30), 0);
    CU_ASSERT(thr_upload_health(&t) < 10.0);
    CU_ASSERT(thr_block_ratio(&t) > 45.0);
}

void register_test_blockratio(void)
{
    TEST_SUITE("blockratio",
               TEST(test_socket_ratio_sequence),
               TEST(test_fifo_keeps_twenty),
               TEST(test_health_sequence),
               TEST(test_throttler_block_ratio_over_full_slots),
               TEST(test_health_low_when_slots_cannot_take_budget));
}
