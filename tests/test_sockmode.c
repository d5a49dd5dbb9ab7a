/* Socket-mode controller tests: etorrent's 2010 rule with its strict marks, equal marks, dwell
 * time, evaluation period, the drain step before packet4, switch counting, configuration errors. */
#include "testutil.h"
#include <string.h>
#include "sockmode.h"

#define S(x) ((int64_t)(x) * 1000000000LL)

static void test_names_parse(void)
{
    CU_ASSERT_EQUAL(sock_mode_parse("passive"), SOCK_PASSIVE);
    CU_ASSERT_EQUAL(sock_mode_parse("active"), SOCK_ACTIVE);
    CU_ASSERT_EQUAL(sock_mode_parse("packet4"), SOCK_ACTIVE_PACKET4);
    CU_ASSERT_EQUAL(sock_mode_parse("Packet4"), -1);
    CU_ASSERT_EQUAL(sockmode_policy_parse("etorrent2010"), SMP_ETORRENT2010);
    CU_ASSERT_EQUAL(sockmode_policy_parse("hysteresis"), SMP_HYSTERESIS);
    CU_ASSERT_EQUAL(sockmode_policy_parse("dynamic"), -1);
    CU_ASSERT_EQUAL(rate_granularity_parse("per_chunk"), RATE_PER_CHUNK);
    CU_ASSERT_EQUAL(rate_granularity_parse("per_byte"), -1);
}

static void test_config_errors(void)
{
    struct sockmode_cfg c;
    char err[256];
    sockmode_cfg_default(&c, SMP_HYSTERESIS);
    CU_ASSERT_EQUAL(sockmode_cfg_check(&c, err, sizeof err), 0);
    c.lo_Bps = 20000;                                          /* above hi = 16000 */
    CU_ASSERT_EQUAL(sockmode_cfg_check(&c, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "lo_mark 20000"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "hi_mark 16000"));
    c.lo_Bps = 16000;                                          /* equal marks are allowed */
    CU_ASSERT_EQUAL(sockmode_cfg_check(&c, err, sizeof err), 0);
    c.cheap_mode = SOCK_PASSIVE;                               /* same as precise */
    CU_ASSERT_EQUAL(sockmode_cfg_check(&c, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "both passive"));
    sockmode_cfg_default(&c, SMP_HYSTERESIS);
    c.min_dwell_ns = -1;
    CU_ASSERT_EQUAL(sockmode_cfg_check(&c, err, sizeof err), -1);
    /* etorrent2010 has fixed constants: marks configured for it are not its business */
    sockmode_cfg_default(&c, SMP_ETORRENT2010);
    c.lo_Bps = 1e9;
    CU_ASSERT_EQUAL(sockmode_cfg_check(&c, err, sizeof err), 0);
}

/* etorrent.md §3: passive -> packet4 iff R > 16000, packet4 -> passive iff R < 4000, on ticks. */
static void test_etorrent2010_strict_marks(void)
{
    struct sockmode_cfg c;
    struct sockmode m;
    sockmode_cfg_default(&c, SMP_ETORRENT2010);
    c.hi_Bps = 100;                                            /* ignored by this policy */
    sockmode_init(&m, &c, 0);
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_PASSIVE);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(5), 16000, 0), SM_STAY);      /* not > 16000 */
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(10), 16000.01, 0), SM_SWITCHED);
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_ACTIVE_PACKET4);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(15), 4000, 0), SM_STAY);      /* not < 4000 */
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(20), 10000, 0), SM_STAY);     /* inside the band */
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(25), 3999.99, 0), SM_SWITCHED);
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_PASSIVE);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(30), 10000, 0), SM_STAY);     /* band: stays passive */
    CU_ASSERT_EQUAL(m.switches, 2);
    CU_ASSERT_EQUAL(m.to_cheap, 1);
    CU_ASSERT_EQUAL(m.to_precise, 1);
    CU_ASSERT_EQUAL(m.evaluations, 6);
}

static void test_drain_before_packet4(void)
{
    struct sockmode_cfg c;
    struct sockmode m;
    sockmode_cfg_default(&c, SMP_ETORRENT2010);
    sockmode_init(&m, &c, 0);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(5), 50000, 1), SM_DRAIN_FIRST);
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_PASSIVE);          /* not yet */
    CU_ASSERT_EQUAL(m.switches, 0);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(10), 100, 1), SM_DRAINING);  /* no evaluation meanwhile */
    CU_ASSERT_EQUAL(m.evaluations, 1);
    sockmode_drain_done(&m, S(12));
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_ACTIVE_PACKET4);
    CU_ASSERT_EQUAL(m.switches, 1);
    CU_ASSERT_EQUAL(m.drains, 1);
    CU_ASSERT_EQUAL(m.last_switch_ns, S(12));
    sockmode_drain_done(&m, S(13));                            /* nothing pending: no-op */
    CU_ASSERT_EQUAL(m.switches, 1);
    /* packet4 -> passive never drains: the runtime delivered whole messages */
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(15), 100, 1), SM_SWITCHED);
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_PASSIVE);
    /* nothing partial: straight to packet4 */
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(20), 50000, 0), SM_SWITCHED);
    CU_ASSERT_EQUAL(m.switches, 3);
    CU_ASSERT_EQUAL(m.drains, 1);
}

/* Active (raw chunks) as the precise mode: leaving it for packet4 drains, like passive. */
static void test_drain_from_active(void)
{
    struct sockmode_cfg c;
    struct sockmode m;
    sockmode_cfg_default(&c, SMP_HYSTERESIS);
    c.precise_mode = SOCK_ACTIVE;
    sockmode_init(&m, &c, 0);
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_ACTIVE);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(5), 20000, 1), SM_DRAIN_FIRST);
    sockmode_drain_done(&m, S(6));
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_ACTIVE_PACKET4);
    /* and with passive as the cheap mode nothing ever needs draining */
    c.precise_mode = SOCK_ACTIVE;
    c.cheap_mode = SOCK_PASSIVE;
    sockmode_init(&m, &c, 0);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(5), 20000, 1), SM_SWITCHED);
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_PASSIVE);
}

/* lo == hi == 10000: one threshold; exactly on it keeps the mode. */
static void test_equal_marks(void)
{
    struct sockmode_cfg c;
    struct sockmode m;
    sockmode_cfg_default(&c, SMP_HYSTERESIS);
    c.lo_Bps = c.hi_Bps = 10000;
    sockmode_init(&m, &c, 0);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(5), 10000, 0), SM_STAY);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(10), 10001, 0), SM_SWITCHED);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(15), 10000, 0), SM_STAY);
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_ACTIVE_PACKET4);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(20), 9999, 0), SM_SWITCHED);
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_PASSIVE);
    CU_ASSERT_EQUAL(m.switches, 2);
}

/* min dwell 30 s counted from init and from each switch. */
static void test_min_dwell(void)
{
    struct sockmode_cfg c;
    struct sockmode m;
    sockmode_cfg_default(&c, SMP_HYSTERESIS);
    c.min_dwell_ns = S(30);
    sockmode_init(&m, &c, 0);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(5), 1e6, 0), SM_STAY);       /* 5 s after init */
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(25), 1e6, 0), SM_STAY);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(30), 1e6, 0), SM_SWITCHED);  /* exactly 30 s */
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(35), 0, 0), SM_STAY);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(55), 0, 0), SM_STAY);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(60), 0, 0), SM_SWITCHED);
    CU_ASSERT_EQUAL(m.switches, 2);
    CU_ASSERT_EQUAL(m.evaluations, 6);                         /* dwell blocks switching, not evaluating */
}

/* eval period 10 s with 5-s ticks: every other tick is skipped, whatever the rate. */
static void test_evaluation_period(void)
{
    struct sockmode_cfg c;
    struct sockmode m;
    sockmode_cfg_default(&c, SMP_HYSTERESIS);
    c.eval_period_ns = S(10);
    sockmode_init(&m, &c, 0);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(5), 1e6, 0), SM_STAY);       /* skipped */
    CU_ASSERT_EQUAL(m.evaluations, 0);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(10), 1e6, 0), SM_SWITCHED);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(15), 0, 0), SM_STAY);        /* skipped */
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_ACTIVE_PACKET4);
    CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(20), 0, 0), SM_SWITCHED);
    CU_ASSERT_EQUAL(m.evaluations, 2);
    CU_ASSERT_EQUAL(m.ticks, 4);
}

static void test_fixed_never_switches(void)
{
    struct sockmode_cfg c;
    struct sockmode m;
    sockmode_cfg_default(&c, SMP_FIXED);
    c.fixed_mode = SOCK_ACTIVE_PACKET4;
    c.granularity = RATE_PER_CHUNK;
    sockmode_init(&m, &c, 0);
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_ACTIVE_PACKET4);
    CU_ASSERT_EQUAL(sockmode_granularity(&m), RATE_PER_CHUNK);
    double rates[] = { 0, 1e9, 0, 1e9 };
    for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(sockmode_on_tick(&m, S(5 * (i + 1)), rates[i], 1), SM_STAY);
    CU_ASSERT_EQUAL(m.switches, 0);
    CU_ASSERT_EQUAL(sockmode_mode(&m), SOCK_ACTIVE_PACKET4);
}

/* A rate oscillating 1000 <-> 20000 every tick for 20 ticks flips every tick under
 * etorrent2010 (20 switches); inside the band (5000 <-> 15000) it never switches. */
static void test_switch_counting(void)
{
    struct sockmode_cfg c;
    struct sockmode m;
    sockmode_cfg_default(&c, SMP_ETORRENT2010);
    sockmode_init(&m, &c, 0);
    for (int i = 0; i < 20; i++) sockmode_on_tick(&m, S(5 * (i + 1)), i % 2 ? 1000 : 20000, 0);
    CU_ASSERT_EQUAL(m.switches, 20);
    CU_ASSERT_EQUAL(m.to_cheap, 10);
    CU_ASSERT_EQUAL(m.to_precise, 10);
    sockmode_init(&m, &c, 0);
    for (int i = 0; i < 20; i++) sockmode_on_tick(&m, S(5 * (i + 1)), i % 2 ? 5000 : 15000, 0);
    CU_ASSERT_EQUAL(m.switches, 0);
}

void register_test_sockmode(void)
{
    TEST_SUITE("sockmode",
               TEST(test_names_parse),
               TEST(test_config_errors),
               TEST(test_etorrent2010_strict_marks),
               TEST(test_drain_before_packet4),
               TEST(test_drain_from_active),
               TEST(test_equal_marks),
               TEST(test_min_dwell),
               TEST(test_evaluation_period),
               TEST(test_fixed_never_switches),
               TEST(test_switch_counting));
}
