/* Engine tests: ordering by (time, insertion), cancel and re-arm, run_until bounds, and the
 * calendar queue against a scanning reference.  Each asserts an exact event order. */
#include "testutil.h"
#include "engine.h"
#include "rng.h"
#include <gsl/gsl_randist.h>
#include <stdlib.h>

struct rec { int order[64]; int n; };


static struct rec g_rec;
static struct sim_event g_ev[16];
static void note_idx(struct sim *s, struct sim_event *ev) { (void)s; g_rec.order[g_rec.n++] = (int)(ev - g_ev); }

static void test_ties_fire_in_insertion_order(void)
{
    struct sim s; sim_init(&s);
    g_rec.n = 0;
    for (int i = 0; i < 8; i++) { sim_event_init(&g_ev[i], note_idx, NULL); }
    /* All at t=100 except 5 at t=50; ties must follow schedule order: 5, 0,1,2,3,4,6,7. */
    for (int i = 0; i < 8; i++) sim_schedule_at(&s, &g_ev[i], i == 5 ? 50 : 100);
    sim_run_until(&s, 1000);
    int want[8] = { 5, 0, 1, 2, 3, 4, 6, 7 };
    CU_ASSERT_EQUAL(g_rec.n, 8);
    for (int i = 0; i < 8; i++) CU_ASSERT_EQUAL(g_rec.order[i], want[i]);
    CU_ASSERT_EQUAL(s.now, 1000);
    sim_free(&s);
}

static void test_cancel_and_rearm(void)
{
    struct sim s; sim_init(&s);
    g_rec.n = 0;
    for (int i = 0; i < 4; i++) sim_event_init(&g_ev[i], note_idx, NULL);
    sim_schedule_at(&s, &g_ev[0], 10);
    sim_schedule_at(&s, &g_ev[1], 20);
    sim_schedule_at(&s, &g_ev[2], 30);
    sim_cancel(&s, &g_ev[1]);
    CU_ASSERT_FALSE(sim_event_pending(&g_ev[1]));
    sim_schedule_at(&s, &g_ev[0], 40);          /* re-arm a pending event later */
    sim_schedule_at(&s, &g_ev[3], 5);
    sim_run_until(&s, 35);
    CU_ASSERT_EQUAL(g_rec.n, 2);
    CU_ASSERT_EQUAL(g_rec.order[0], 3);
    CU_ASSERT_EQUAL(g_rec.order[1], 2);
    CU_ASSERT_EQUAL(s.now, 35);
    CU_ASSERT_TRUE(sim_event_pending(&g_ev[0]));
    sim_run_until(&s, 100);
    CU_ASSERT_EQUAL(g_rec.n, 3);
    CU_ASSERT_EQUAL(g_rec.order[2], 0);
    sim_free(&s);
}

/* A run stopped by its bound, then continued: an event scheduled after the stop, before the
 * next pending one, fires first and time never runs backwards.  (The queue used to walk its
 * days on to the next pending event's day while looking past the bound; the later event then
 * fired first, at 50 ms, and the earlier one at 11 ms after it.) */
static void test_schedule_after_bound_keeps_order(void)
{
    struct sim s; sim_init(&s);
    g_rec.n = 0;
    for (int i = 0; i < 3; i++) sim_event_init(&g_ev[i], note_idx, NULL);
    sim_schedule_at(&s, &g_ev[0], SIM_MS(50));
    sim_run_until(&s, SIM_MS(10));
    CU_ASSERT_EQUAL(g_rec.n, 0);
    sim_schedule_at(&s, &g_ev[1], SIM_MS(11));
    sim_schedule_at(&s, &g_ev[2], SIM_MS(10));      /* on the bound itself */
    sim_run_until(&s, SIM_MS(100));
    CU_ASSERT_EQUAL(g_rec.n, 3);
    CU_ASSERT_EQUAL(g_rec.order[0], 2);
    CU_ASSERT_EQUAL(g_rec.order[1], 1);
    CU_ASSERT_EQUAL(g_rec.order[2], 0);
    sim_free(&s);
}

/* Random schedule/cancel against a sorted reference: the pop order must match exactly. */
static struct sim_event big_ev[2000];
static int64_t popped_at[2000];
static int n_popped;
static void pop_note(struct sim *s, struct sim_event *ev) { popped_at[n_popped++] = s->now; (void)ev; }

static void test_random_heap_order(void)
{
    struct sim s; sim_init(&s);
    gsl_rng *r = rng_stream(7, "engine-test", 0);
    n_popped = 0;
    int live = 0;
    for (int i = 0; i < 2000; i++) {
        sim_event_init(&big_ev[i], pop_note, NULL);
        sim_schedule_at(&s, &big_ev[i], (sim_time_t)gsl_rng_uniform_int(r, 100000));
    }
    for (int i = 0; i < 2000; i += 3) sim_cancel(&s, &big_ev[i]);
    for (int i = 0; i < 2000; i++) live += sim_event_pending(&big_ev[i]);
    sim_run_until(&s, SIM_NEVER - 1);
    CU_ASSERT_EQUAL(n_popped, live);
    for (int i = 1; i < n_popped; i++) CU_ASSERT(popped_at[i - 1] <= popped_at[i]);
    rng_free(r);
    sim_free(&s);
}


/* The calendar queue against a reference that scans every pending event for the least
 * (time, sequence): events re-schedule themselves with delays from 0 (ties) to 10^12 ns (far
 * beyond a "year" of buckets), re-arm and cancel others, and the population grows to 3000 and
 * shrinks to a handful, so every resize and width re-tune runs.  Each firing must be the
 * reference's minimum. */
#define MC_N 3000
static struct sim_event mc_ev[MC_N];
static struct { sim_time_t at; uint64_t seq; int pending; } mc_ref[MC_N];
static uint64_t mc_seq, mc_fired, mc_wrong;
static size_t mc_peak;
static gsl_rng *mc_rng;
static int mc_phase;                       /* 0: growing, 1: steady, 2: shrinking */

static int mc_ref_min(void)
{
    int best = -1;
    for (int i = 0; i < MC_N; i++)
        if (mc_ref[i].pending && (best < 0 || mc_ref[i].at < mc_ref[best].at ||
                                  (mc_ref[i].at == mc_ref[best].at && mc_ref[i].seq < mc_ref[best].seq))) best = i;
    return best;
}

static void mc_schedule(struct sim *s, int i, sim_time_t at)
{
    sim_schedule_at(s, &mc_ev[i], at);
    mc_ref[i].at = at; mc_ref[i].seq = mc_seq++; mc_ref[i].pending = 1;
}

static sim_time_t mc_delay(void)
{
    switch (gsl_rng_uniform_int(mc_rng, 6)) {
    case 0: return 0;                                              /* tie with now        */
    case 1: return (sim_time_t)gsl_rng_uniform_int(mc_rng, 4) * 1000; /* ties among themselves */
    case 2: return (sim_time_t)gsl_rng_uniform_int(mc_rng, 1000000);
    case 3: return 1000000000000LL + (sim_time_t)gsl_rng_uniform_int(mc_rng, 1000);  /* far */
    default: return (sim_time_t)gsl_rng_uniform_int(mc_rng, 50000);
    }
}

static void mc_fire(struct sim *s, struct sim_event *ev)
{
    int i = (int)(ev - mc_ev), want = mc_ref_min();
    if (i != want || s->now != mc_ref[i].at) mc_wrong++;
    mc_ref[i].pending = 0;
    if (s->n > mc_peak) mc_peak = s->n;
    if (++mc_fired == 60000) { sim_stop(s); return; }
    if (mc_fired == 20000) mc_phase = 1;
    if (mc_fired == 40000) mc_phase = 2;
    if (mc_phase < 2 || gsl_rng_uniform(mc_rng) < 0.3) mc_schedule(s, i, s->now + mc_delay());
    int j = (int)gsl_rng_uniform_int(mc_rng, MC_N);
    double u = gsl_rng_uniform(mc_rng);
    if (u < 0.2 && j != i) {                               /* cancel another */
        sim_cancel(s, &mc_ev[j]);
        mc_ref[j].pending = 0;
    } else if (u < 0.5 && (mc_ref[j].pending || mc_phase == 0)) {   /* re-arm or start another */
        mc_schedule(s, j, s->now + mc_delay());
    }
}

static void test_calendar_matches_reference(void)
{
    struct sim s; sim_init(&s);
    mc_rng = rng_stream(11, "engine-mc", 0);
    mc_seq = mc_fired = mc_wrong = 0;
    mc_peak = 0;
    mc_phase = 0;
    for (int i = 0; i < MC_N; i++) { sim_event_init(&mc_ev[i], mc_fire, NULL); mc_ref[i].pending = 0; }
    for (int i = 0; i < 8; i++) mc_schedule(&s, i, (sim_time_t)i * 7);
    sim_run_until(&s, SIM_NEVER - 1);
    CU_ASSERT(mc_fired > 40000);                   /* reached the shrinking phase */
    CU_ASSERT(mc_peak > 1000);                      /* and had grown large first */
    CU_ASSERT_EQUAL(mc_wrong, 0);
    CU_ASSERT(s.retunes >= 4);                      /* it grew and shrank through rebuilds */
    size_t pending = 0;
    for (int i = 0; i < MC_N; i++) pending += (size_t)mc_ref[i].pending;
    CU_ASSERT_EQUAL(s.n, pending);
    rng_free(mc_rng);
    sim_free(&s);
    for (int i = 0; i < MC_N; i++) CU_ASSERT_EQUAL(sim_event_pending(&mc_ev[i]), 0);
}

/* The streams' compact MT19937 against GSL's own gsl_rng_mt19937: the same words, doubles and
 * derived draws for the same seeds (0: GSL's default 4357; seeds wider than 32 bits, as
 * rng_stream passes them), past several regenerations of the 624-word state. */
static void test_rng_compact_matches_gsl_mt19937(void)
{
    const unsigned long seeds[] = { 0, 1, 4357, 0xffffffffUL, 0x123456789abcdefUL, 0xfedcba9876543210UL };
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++) {
        gsl_rng *ours = gsl_rng_alloc(rng_mt19937_compact), *gsl = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(ours, seeds[k]);
        gsl_rng_set(gsl, seeds[k]);
        unsigned long differ = 0;
        for (int i = 0; i < 5000; i++) {
            differ += gsl_rng_get(ours) != gsl_rng_get(gsl);
            differ += gsl_rng_uniform(ours) != gsl_rng_uniform(gsl);
            differ += gsl_rng_uniform_int(ours, 1000) != gsl_rng_uniform_int(gsl, 1000);
            differ += gsl_ran_exponential(ours, 2.5) != gsl_ran_exponential(gsl, 2.5);
        }
        CU_ASSERT_EQUAL(differ, 0);
        CU_ASSERT(gsl_rng_size(ours) * 2 < gsl_rng_size(gsl) + 16);   /* half the state */
        gsl_rng_free(ours); gsl_rng_free(gsl);
    }
}

static void test_rng_streams_independent(void)
{
    gsl_rng *a = rng_stream(1, "peer", 3), *b = rng_stream(1, "peer", 3), *c = rng_stream(1, "peer", 4),
            *d = rng_stream(2, "peer", 3);
    unsigned long xa = gsl_rng_get(a), xb = gsl_rng_get(b), xc = gsl_rng_get(c), xd = gsl_rng_get(d);
    CU_ASSERT_EQUAL(xa, xb);        /* same (seed, stream): same draws */
    CU_ASSERT_NOT_EQUAL(xa, xc);    /* another stream of the same run differs */
    CU_ASSERT_NOT_EQUAL(xa, xd);    /* the same stream of another seed differs */
    rng_free(a); rng_free(b); rng_free(c); rng_free(d);
}

void register_test_engine(void)
{

    TEST_SUITE("engine",
               TEST(test_ties_fire_in_insertion_order),
               TEST(test_cancel_and_rearm),
               TEST(test_schedule_after_bound_keeps_order),
               TEST(test_random_heap_order),
               TEST(test_calendar_matches_reference),
               TEST(test_rng_streams_independent),
               TEST(test_rng_compact_matches_gsl_mt19937));
}
