/* Choker tests: the upload-slot table of etorrent.md §4, a rechoke on known rates (preferred,
 * optimistic, snubbed and uninterested peers, surplus slots), ring insertion and advancing,
 * and the snub timing. */
#include "testutil.h"
#include <string.h>
#include "choke.h"

static void test_upload_slot_table(void)
{
    /* branch edges, then the reference's own figures: 1200 -> 31, 100 -> 9, 42 -> 6, 30 -> 4 */
    CU_ASSERT_EQUAL(choke_upload_slots(0, 0), 7);
    CU_ASSERT_EQUAL(choke_upload_slots(-1, 0), 7);
    CU_ASSERT_EQUAL(choke_upload_slots(8, 0), 2);
    CU_ASSERT_EQUAL(choke_upload_slots(8.99, 0), 2);
    CU_ASSERT_EQUAL(choke_upload_slots(9, 0), 3);
    CU_ASSERT_EQUAL(choke_upload_slots(14, 0), 3);
    CU_ASSERT_EQUAL(choke_upload_slots(15, 0), 4);
    CU_ASSERT_EQUAL(choke_upload_slots(41, 0), 4);
    CU_ASSERT_EQUAL(choke_upload_slots(42, 0), 6);      /* round(sqrt(33.6) = 5.80) */
    CU_ASSERT_EQUAL(choke_upload_slots(100, 0), 9);     /* round(sqrt(80) = 8.94) */
    CU_ASSERT_EQUAL(choke_upload_slots(1200, 0), 31);   /* round(sqrt(960) = 30.98) */
    CU_ASSERT_EQUAL(choke_upload_slots(30, 0), 4);
    /* before Nov 2010: sqrt(0.6 N) */
    CU_ASSERT_EQUAL(choke_upload_slots(42, 1), 5);      /* round(sqrt(25.2) = 5.02) */
    CU_ASSERT_EQUAL(choke_upload_slots(100, 1), 8);     /* round(sqrt(60) = 7.75) */
    CU_ASSERT_EQUAL(choke_upload_slots(1200, 1), 27);   /* round(sqrt(720) = 26.83) */
    CU_ASSERT_EQUAL(choke_upload_slots(30, 1), 4);      /* table branch, same in both */
}

static void test_ring_insertion(void)
{
    struct choker c;
    CU_ASSERT_EQUAL_FATAL(choke_init(&c, 16, 4), 0);
    CU_ASSERT_EQUAL(choke_add_peer(&c, 0, 0.5), 0);      /* floor(0.5 * 1) = 0: [0] */
    CU_ASSERT_EQUAL(choke_add_peer(&c, 1, 0.0), 0);      /* position 0: [1 0] */
    CU_ASSERT_EQUAL(choke_add_peer(&c, 2, 0.5), 0);      /* floor(0.5 * 3) = 1: [1 2 0] */
    CU_ASSERT_EQUAL(choke_add_peer(&c, 3, 0.99), 0);     /* floor(0.99 * 4) = 3: [1 2 0 3] */
    uint16_t want[] = { 1, 2, 0, 3 };
    CU_ASSERT_EQUAL(c.n_ring, 4);
    for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(c.ring[i], want[i]);
    CU_ASSERT_EQUAL(choke_add_peer(&c, 2, 0.1), -1);     /* already present */
    CU_ASSERT_EQUAL(choke_add_peer(&c, 16, 0.1), -1);         /* beyond the capacity */
    choke_remove_peer(&c, 2);
    uint16_t want2[] = { 1, 0, 3 };
    CU_ASSERT_EQUAL(c.n_ring, 3);
    for (int i = 0; i < 3; i++) CU_ASSERT_EQUAL(c.ring[i], want2[i]);
    CU_ASSERT_FALSE(c.peer[2].present);
    choke_free(&c);
}

/* Snub timing: counter checked, then incremented, per tick.  After a piece, ticks 1..7 leave
 * the counter at 7 and the peer not snubbed; tick 8 sees 7 > 6: snubbed.  With ticks every 5 s
 * and the piece anywhere in the 5 s before tick 1, that is 35-40 s after the piece. */
static void test_snub_after_more_than_six_ticks(void)
{
    struct choker c;
    CU_ASSERT_EQUAL_FATAL(choke_init(&c, 16, 4), 0);
    choke_add_peer(&c, 0, 0);
    choke_add_peer(&c, 1, 0);
    choke_note_piece(&c, 0);
    choke_note_piece(&c, 1);
    for (int t = 1; t <= 7; t++) {
        choke_tick(&c);
        choke_note_piece(&c, 1);                          /* peer 1 keeps sending */
    }
    CU_ASSERT_EQUAL(c.peer[0].ticks_without_piece, 7);
    CU_ASSERT_FALSE(c.peer[0].snubbed);
    choke_tick(&c);
    CU_ASSERT_TRUE(c.peer[0].snubbed);
    CU_ASSERT_FALSE(c.peer[1].snubbed);
    choke_note_piece(&c, 0);
    CU_ASSERT_FALSE(c.peer[0].snubbed);
    /* one peer's own tick touches only that peer */
    for (int t = 0; t < 8; t++) choke_tick_peer(&c, 1);
    CU_ASSERT_TRUE(c.peer[1].snubbed);
    CU_ASSERT_FALSE(c.peer[0].snubbed);
    CU_ASSERT_EQUAL(c.peer[0].ticks_without_piece, 0);
    choke_tick_peer(&c, 7);                               /* absent: ignored */
    CU_ASSERT_EQUAL(c.peer[7].ticks_without_piece, 0);
    choke_free(&c);
}

static void set_peer(struct choker *c, unsigned id, double rate, int interested, int seeder, int we_seed)
{
    c->peer[id].rate_Bps = rate;
    c->peer[id].interested = (uint8_t)interested;
    c->peer[id].seeder = (uint8_t)seeder;
    c->peer[id].we_seed = (uint8_t)we_seed;
}

/* Max = 4 while leeching: D = round(2.8) = 3, S = round(1.2) = 1; no seed-list peers, so the
 * seed slot moves over: 4 preferred.  Ring order 0..7.  Candidates (interested, not seeder, not
 * snubbed): 3 (900), 1 (500), 7 (400), 0 (100), 6 (50) -> preferred {3, 1, 7, 0}.
 * Optimistic count max(1, 4 - 4) = 1: walking the ring, 2 (snubbed but interested) takes it;
 * 4 (not interested), 5 (seeder, not interested) and 6 come after the slot is used: choked. */
static void test_rechoke_known_rates(void)
{
    struct choker c;
    CU_ASSERT_EQUAL_FATAL(choke_init(&c, 16, 4), 0);
    for (unsigned i = 0; i < 8; i++) choke_add_peer(&c, i, 0.999);   /* appended: ring 0..7 */
    set_peer(&c, 0, 100, 1, 0, 0);
    set_peer(&c, 1, 500, 1, 0, 0);
    set_peer(&c, 2, 300, 1, 0, 0);
    set_peer(&c, 3, 900, 1, 0, 0);
    set_peer(&c, 4, 200, 0, 0, 0);
    set_peer(&c, 5, 700, 0, 1, 0);
    set_peer(&c, 6, 50, 1, 0, 0);
    set_peer(&c, 7, 400, 1, 0, 0);
    for (unsigned i = 0; i < 8; i++) choke_note_piece(&c, i);
    for (int t = 0; t < 8; t++) {                        /* peer 2 sends nothing for 8 ticks */
        choke_tick(&c);
        for (unsigned i = 0; i < 8; i++) if (i != 2) choke_note_piece(&c, i);
    }
    CU_ASSERT_TRUE_FATAL(c.peer[2].snubbed);
    int n = choke_rechoke(&c);
    int pref[8] = { 1, 1, 0, 1, 0, 0, 0, 1 }, unch[8] = { 1, 1, 1, 1, 0, 0, 0, 1 }, opt[8] = { 0, 0, 1, 0, 0, 0, 0, 0 };
    for (int i = 0; i < 8; i++) {
        CU_ASSERT_EQUAL(c.peer[i].preferred, pref[i]);
        CU_ASSERT_EQUAL(c.peer[i].unchoked, unch[i]);
        CU_ASSERT_EQUAL(c.peer[i].optimistic, opt[i]);
    }
    CU_ASSERT_EQUAL(n, 5);

    /* With Max = 7 (D = 5, S = 2 -> 7 leech slots, only 5 candidates): all 5 preferred,
     * optimistic max(1, 2) = 2: 2 (interested) and, without a slot, 4 and 5 (not interested). */
    c.max_uploads = 7;
    n = choke_rechoke(&c);
    CU_ASSERT_EQUAL(n, 8);
    CU_ASSERT_TRUE(c.peer[6].preferred);
    CU_ASSERT_TRUE(c.peer[2].optimistic);
    CU_ASSERT_TRUE(c.peer[4].unchoked && !c.peer[4].optimistic);
    CU_ASSERT_TRUE(c.peer[5].unchoked && !c.peer[5].optimistic);
    choke_free(&c);
}

/* Surplus the other way: Max 4 (D 3, S 1), one leech candidate and five seed-list peers:
 * D = 1, the 2 spare leech slots move to seeds: S = 3 -> the three fastest seed-list peers. */
static void test_rechoke_surplus_to_seed_slots(void)
{
    struct choker c;
    CU_ASSERT_EQUAL_FATAL(choke_init(&c, 16, 4), 0);
    for (unsigned i = 0; i < 6; i++) choke_add_peer(&c, i, 0.999);
    set_peer(&c, 0, 10, 1, 0, 0);                        /* the only torrent we leech */
    for (unsigned i = 1; i < 6; i++) set_peer(&c, i, 100.0 * i, 1, 0, 1);   /* 100..500 */
    choke_rechoke(&c);
    int pref[6] = { 1, 0, 0, 1, 1, 1 };
    for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(c.peer[i].preferred, pref[i]);
    /* optimistic max(1, 4 - 4) = 1: first non-preferred interested in ring order: 1 */
    CU_ASSERT_TRUE(c.peer[1].optimistic);
    CU_ASSERT_FALSE(c.peer[2].unchoked);
    choke_free(&c);
}

/* Equal rates: lower id wins, whatever the ring order. */
static void test_rechoke_ties_by_id(void)
{
    struct choker c;
    CU_ASSERT_EQUAL_FATAL(choke_init(&c, 16, 2), 0);                                   /* D 1, S 1 -> 2 leech slots */
    choke_add_peer(&c, 5, 0);
    choke_add_peer(&c, 3, 0);
    choke_add_peer(&c, 9, 0);                            /* ring [9 3 5] */
    set_peer(&c, 3, 1000, 1, 0, 0);
    set_peer(&c, 5, 1000, 1, 0, 0);
    set_peer(&c, 9, 1000, 1, 0, 0);
    choke_rechoke(&c);
    CU_ASSERT_TRUE(c.peer[3].preferred);
    CU_ASSERT_TRUE(c.peer[5].preferred);
    CU_ASSERT_FALSE(c.peer[9].preferred);
    CU_ASSERT_TRUE(c.peer[9].optimistic);                /* optimistic max(1, 0) = 1 */
    choke_free(&c);
}

/* Max 2 -> 2 preferred (4, 5 by rate); 1 optimistic.  Rounds 1, 4, 7 advance the ring to the
 * first interested, choked peer: the optimistic unchoke moves 0 -> 1 -> 2. */
static void test_optimistic_ring_advances_every_third_round(void)
{
    struct choker c;
    CU_ASSERT_EQUAL_FATAL(choke_init(&c, 16, 2), 0);
    for (unsigned i = 0; i < 6; i++) choke_add_peer(&c, i, 0.999);
    for (unsigned i = 0; i < 6; i++) set_peer(&c, i, i == 4 ? 900 : i == 5 ? 800 : 0, 1, 0, 0);
    int want_opt[9] = { 0, 0, 0, 1, 1, 1, 2, 2, 2 };
    for (int r = 0; r < 9; r++) {
        choke_round(&c);
        int opt = -1, n_opt = 0;
        for (int i = 0; i < 6; i++) if (c.peer[i].optimistic) { opt = i; n_opt++; }
        CU_ASSERT_EQUAL(n_opt, 1);
        CU_ASSERT_EQUAL(opt, want_opt[r]);
        CU_ASSERT_TRUE(c.peer[4].preferred && c.peer[5].preferred);
    }
    CU_ASSERT_EQUAL(c.rounds, 9);
    CU_ASSERT_EQUAL(c.advances, 2);                      /* round 1 found the head already due */
    CU_ASSERT_EQUAL(c.ring[0], 2);
    choke_free(&c);
}

void register_test_choke(void)
{
    TEST_SUITE("choke",
               TEST(test_upload_slot_table),
               TEST(test_ring_insertion),
               TEST(test_snub_after_more_than_six_ticks),
               TEST(test_rechoke_known_rates),
               TEST(test_rechoke_surplus_to_seed_slots),
               TEST(test_rechoke_ties_by_id),
               TEST(test_optimistic_ring_advances_every_third_round));
}
