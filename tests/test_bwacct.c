/* Byte-accounting tests: the six counters, 1-s snapshots, windowed rates (including fewer
 * snapshots than asked, zero elapsed time, huge gaps, ring wrap) and the adapter counter rule. */
#include "testutil.h"
#include "bwacct.h"

#define SEC 1000000000LL

static void test_counters_and_20s_rate(void)
{
    static struct bwacct a;
    bwacct_init(&a, 0, 5);
    /* Each second: 1000 B payload out with 100 B control and 50 B estimated headers; 3000 B in
     * with 200 B overhead.  Over 20 snapshots: out 1000 B/s, overall 1150, in 3000, in overall 3200. */
    for (int s = 1; s <= 30; s++) {
        bwacct_add_out(&a, 1000, 100, 50);
        bwacct_add_in(&a, 3000, 0, 200);
        CU_ASSERT_EQUAL(bwacct_process(&a, s * SEC), 1);
    }
    CU_ASSERT_EQUAL(a.c.emule_out, 30000);
    CU_ASSERT_EQUAL(a.c.emule_out_overall, 34500);
    struct bwacct_rates r;
    bwacct_rates(&a, 20, &r);
    ASSERT_ABS(r.span_s, 20.0, 1e-12);
    ASSERT_ABS(r.emule_out, 1000.0, 1e-9);
    ASSERT_ABS(r.emule_out_overall, 1150.0, 1e-9);
    ASSERT_ABS(r.emule_in, 3000.0, 1e-9);
    ASSERT_ABS(r.emule_in_overall, 3200.0, 1e-9);
    ASSERT_ABS(r.network_out, 0.0, 1e-12);
}

static void test_rates_with_few_snapshots(void)
{
    static struct bwacct a;
    bwacct_init(&a, 0, 5);
    struct bwacct_rates r;
    bwacct_rates(&a, 20, &r);                         /* one snapshot: nothing to divide */
    CU_ASSERT_EQUAL(r.span_s, 0.0);
    CU_ASSERT_EQUAL(r.emule_out, 0.0);
    /* 2 s of 500 B/s then 2 s of 1500 B/s: 4 snapshots after init; n = 20 uses all 4 s
     * -> (1000 + 3000) / 4 = 1000 B/s; n = 2 -> 1500. */
    for (int s = 1; s <= 4; s++) { bwacct_add_out(&a, s <= 2 ? 500 : 1500, 0, 0); bwacct_process(&a, s * SEC); }
    bwacct_rates(&a, 20, &r);
    ASSERT_ABS(r.span_s, 4.0, 1e-12);
    ASSERT_ABS(r.emule_out, 1000.0, 1e-9);
    bwacct_rates(&a, 2, &r);
    ASSERT_ABS(r.emule_out, 1500.0, 1e-9);
    bwacct_rates(&a, 0, &r);
    CU_ASSERT_EQUAL(r.span_s, 0.0);
}

static void test_snapshot_needs_one_second(void)
{
    static struct bwacct a;
    bwacct_init(&a, 5 * SEC, 5);
    CU_ASSERT_EQUAL(bwacct_process(&a, 5 * SEC), 0);              /* zero elapsed */
    CU_ASSERT_EQUAL(bwacct_process(&a, 6 * SEC - 1), 0);          /* 1 ns short */
    CU_ASSERT_EQUAL(bwacct_process(&a, 6 * SEC), 1);
    CU_ASSERT_EQUAL(a.n, 2);
    /* Snapshots are taken at the call time, not on a grid: 6.7 s is 0.7 s after 6.0 -> no;
     * 7.2 s -> yes; the next needs 8.2 s. */
    CU_ASSERT_EQUAL(bwacct_process(&a, 6700000000LL), 0);
    CU_ASSERT_EQUAL(bwacct_process(&a, 7200000000LL), 1);
    CU_ASSERT_EQUAL(bwacct_process(&a, 8100000000LL), 0);
    CU_ASSERT_EQUAL(bwacct_process(&a, 8200000000LL), 1);
}

static void test_huge_gap(void)
{
    static struct bwacct a;
    bwacct_init(&a, 0, 5);
    bwacct_add_out(&a, 999000, 0, 0);
    CU_ASSERT_EQUAL(bwacct_process(&a, 999 * SEC), 1);           /* one snapshot after 999 s */
    struct bwacct_rates r;
    bwacct_rates(&a, 20, &r);
    ASSERT_ABS(r.span_s, 999.0, 1e-9);
    ASSERT_ABS(r.emule_out, 1000.0, 1e-9);
}

static void test_ring_wraps_and_keeps_window(void)
{
    static struct bwacct a;
    bwacct_init(&a, 0, 5);
    /* 700 s at 100 B/s then the last 300 s at 400 B/s: the ring keeps 301 snapshots (5 min),
     * so n = 1000 is cut to 300 s -> 400 B/s; n = 20 -> 400 too; and the first 700 are gone. */
    for (int s = 1; s <= 1000; s++) { bwacct_add_out(&a, s <= 700 ? 100 : 400, 0, 0); bwacct_process(&a, s * SEC); }
    CU_ASSERT_EQUAL(a.n, 301);
    struct bwacct_rates r;
    bwacct_rates(&a, 1000, &r);
    ASSERT_ABS(r.span_s, 300.0, 1e-9);
    ASSERT_ABS(r.emule_out, 400.0, 1e-9);
    /* keep 1 minute: 61 snapshots; keep 0 is raised to 1, 9 lowered to 5. */
    bwacct_init(&a, 0, 1);
    CU_ASSERT_EQUAL(a.keep, 61);
    bwacct_init(&a, 0, 0);
    CU_ASSERT_EQUAL(a.keep, 61);
    bwacct_init(&a, 0, 9);
    CU_ASSERT_EQUAL(a.keep, 301);
}

static void test_adapter_counter_rules(void)
{
    static struct bwacct a;
    bwacct_init(&a, 0, 5);
    bwacct_adapter_sample(&a, 100, 50);               /* first sample: base only */
    CU_ASSERT_EQUAL(a.c.network_out, 0);
    bwacct_adapter_sample(&a, 1100, 550);             /* +1000 out, +500 in */
    CU_ASSERT_EQUAL(a.c.network_out, 1000);
    CU_ASSERT_EQUAL(a.c.network_in, 500);
    bwacct_adapter_sample(&a, 400, 600);              /* out went back: no delta, new base; in +50 */
    CU_ASSERT_EQUAL(a.c.network_out, 1000);
    CU_ASSERT_EQUAL(a.c.network_in, 550);
    bwacct_adapter_sample(&a, 700, 600);              /* +300 from the new base */
    CU_ASSERT_EQUAL(a.c.network_out, 1300);
    CU_ASSERT_EQUAL(a.c.network_in, 550);
}

void register_test_bwacct(void)
{
    TEST_SUITE("bwacct",
               TEST(test_counters_and_20s_rate),
               TEST(test_rates_with_few_snapshots),
               TEST(test_snapshot_needs_one_second),
               TEST(test_huge_gap),
               TEST(test_ring_wraps_and_keeps_window),
               TEST(test_adapter_counter_rules));
}
