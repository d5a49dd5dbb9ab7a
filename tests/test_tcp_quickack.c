/* The receiver's quick-ACK mode as Linux keeps it (icsk_ack.quick): what starts it (the first
 * data, a silence longer than the RTO, data that arrives twice), what keeps it (each growth of
 * the receive window) and what uses it up (every ACK sent while one is scheduled, duplicate ACKs
 * included). */
#include "testutil.h"
#include "tcp_tap.h"
#include "tcp_int.h"

/* Distinct ACK values ep[1] sent in (from, from + 16 MSS]: 16 when each of the 16 segments after
 * `from` was acknowledged on its own, 8 when every second one was. */
static size_t acks_over_16(const struct tcp_tap *t, uint64_t from, uint32_t mss)
{
    size_t n = 0;
    uint64_t last = 0;
    for (size_t i = 0; i < t->n_log; i++) {
        const struct tap_seg *s = &t->log[i];
        if (s->dir != 1 || (s->flags & TCPF_SYN) || s->ack <= from || s->ack > from + 16 * (uint64_t)mss) continue;
        if (s->ack != last) n++;
        last = s->ack;
    }
    return n;
}

static void test_quick_acks_after_first_data_and_silence(void)
{
    /* Linux tcp_event_data_recv + tcp_incr_quickack: the first data of a connection, and data
     * after a silence longer than the receiver's RTO, put it in quick-ACK mode, and the next
     * min(window / 2 MSS, TCP_MAX_QUICKACKS = 16) segments are acknowledged one by one
     * (__tcp_ack_snd_check: tcp_in_quickack_mode) instead of every second one.  Three bursts of
     * 30 segments: at 0.5 s (first data), at 3 s (after 2 s of silence, RTO ~300 ms) and at
     * 3.5 s (after ~0.1 s, less than the RTO: delayed ACKs as usual). */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    struct tcp_tap t; open_tap(&t, &cfg);
    struct writer a, b, c;
    writer_start(&a, &t, 30 * 1460, SIM_MS(500), 0, 0);
    writer_start(&b, &t, 30 * 1460, SIM_MS(3000), 0, 0);
    writer_start(&c, &t, 30 * 1460, SIM_MS(3500), 0, 0);
    sim_run_until(&t.net.sim, SIM_SEC(6));
    CU_ASSERT_EQUAL(t.conn.ep[1].st.bytes_read, 90 * 1460);
    CU_ASSERT_EQUAL(t.conn.ep[0].st.retrans_segs, 0);
    const struct tap_seg *s0 = tap_data_seg(&t, 0), *s30 = tap_data_seg(&t, 30), *s60 = tap_data_seg(&t, 60);
    CU_ASSERT_FATAL(s0 && s30 && s60);
    const struct tap_seg *s29 = tap_data_seg(&t, 29), *s59 = tap_data_seg(&t, 59);
    CU_ASSERT(s30->t - s29->t > t.conn.ep[1].rto);            /* the silence the rule needs ... */
    CU_ASSERT(s60->t - s59->t < t.conn.ep[1].rto);            /* ... and one too short for it */
    CU_ASSERT_EQUAL(acks_over_16(&t, s0->seq, cfg.mss), 16);
    CU_ASSERT_EQUAL(acks_over_16(&t, s30->seq, cfg.mss), 16);
    CU_ASSERT_EQUAL(acks_over_16(&t, s60->seq, cfg.mss), 8);
    tap_free(&t);
}

/* The first ACK ep[1] sent whose ack field is above `seq` (NULL: none). */
static const struct tap_seg *first_ack_above(const struct tcp_tap *t, uint64_t seq)
{
    for (size_t i = 0; i < t->n_log; i++)
        if (t->log[i].dir == 1 && !(t->log[i].flags & TCPF_SYN) && t->log[i].ack > seq) return &t->log[i];
    return NULL;
}

/* Of the n data segments from ep[0] starting at `from`, those ep[1] acknowledged on their own
 * within 1 ms of their arrival: a quick ACK each (the second of a pair is ACKed at once too, but
 * together with the first; a lone one otherwise waits for the delayed-ACK timer). */
static size_t lone_quick_acks(const struct tcp_tap *t, uint64_t from, size_t n)
{
    size_t alone = 0;
    for (size_t i = 0; i < t->n_log; i++) {
        const struct tap_seg *d = &t->log[i];
        if (d->dir != 0 || d->payload == 0 || d->seq < from || d->seq >= from + n * (uint64_t)d->payload) continue;
        for (size_t k = i + 1; k < t->n_log; k++) {
            const struct tap_seg *a = &t->log[k];
            if (a->dir != 1 || a->ack < d->seq + d->payload) continue;
            if (a->ack == d->seq + d->payload && a->t_sent - d->t < SIM_MS(1)) {
                /* alone: the ACK before it already covered d's start */
                for (size_t j = k; j-- > 0;)
                    if (t->log[j].dir == 1 && t->log[j].ack != a->ack) { alone += t->log[j].ack == d->seq; break; }
            }
            break;
        }
    }
    return alone;
}

static void test_duplicate_acks_use_up_quick_acks(void)
{
    /* Linux tcp_dec_quickack_mode (since 6.7, "tcp: fix quick-ack counting to count actual ACKs
     * of new data"): an ACK sent while one is scheduled uses up a quick ACK, and
     * tcp_data_queue_ofo schedules one for every out-of-order arrival, so the duplicate ACKs a
     * hole causes count as well as the ACKs of in-order data.  The first data of a connection
     * gives 16 quick ACKs (tcp_incr_quickack: half the 256-KB window is far above 16 MSS); the
     * second segment is lost, and the first, the others of the first flight and those sent
     * before the retransmission arrives are each acknowledged at once, using up 14: after the
     * hole is filled, what is left of the 16 (counting only the ACKs of in-order data left 14
     * for after the repair).  A first burst of 40 segments grows the window to its cap before,
     * since each growth (out-of-order data too, on a SACK connection) earns a quick ACK
     * (tcp_grow_window); the second burst comes after a silence longer than the RTO, which gives
     * the 16 quick ACKs, and its second segment is lost. */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    struct tcp_tap t;
    tap_init(&t, &cfg, 1000000, 1000000, SIM_MS(50), 0);
    struct tap_drop_nth d;
    tap_drop_nth(&t, &d, GROWN_WINDOW_SEGS + 2);
    tcp_set_app(&t.conn.ep[1], &reader_ops, NULL);
    tcp_conn_open(&t.conn);
    struct writer grow, hole, after;
    writer_grow_window(&grow, &t);
    writer_start(&hole, &t, 14 * 1460, SIM_MS(3000), 0, 0);      /* its second segment is lost */
    writer_start(&after, &t, 16 * 1460, SIM_MS(3350), 0, 0);     /* within the RTO of the last */
    sim_run_until(&t.net.sim, SIM_SEC(6));
    CU_ASSERT_EQUAL(t.conn.ep[1].st.bytes_read, (GROWN_WINDOW_SEGS + 30) * 1460);
    CU_ASSERT_EQUAL(t.conn.ep[0].st.retrans_segs, 1);
    size_t dup = 0;
    for (size_t i = 0; i < t.n_log; i++)
        if (t.log[i].dir == 1 && t.log[i].ack == d.seq && t.log[i].n_sack > 0) dup++;
    const struct tap_seg *fill = first_ack_above(&t, d.seq);
    CU_ASSERT_FATAL(fill != NULL);
    size_t alone = lone_quick_acks(&t, fill->ack, 16);
    fprintf(stderr, "\n    %zu duplicate ACKs; of the 16 segments after the repair %zu ACKed alone at once\n", dup, alone);
    CU_ASSERT(dup >= 10);                      /* the hole was open long enough to use them up */
    CU_ASSERT_EQUAL(alone, 16 - 1 - dup - 1);  /* 16 - the first segment - dup ACKs - the repair */
    tap_free(&t);
}

/* Holds the SYN-ACK `syn_hold` (the receiver's RTO, from its handshake sample, becomes long) and
 * drops every ACK ep[1] sends between `from` and `until`: the sender times out and resends data
 * the receiver holds. */
struct ack_blackout { sim_time_t syn_hold, from, until; };
static enum tap_verdict hold_syn_drop_acks(struct tcp_tap *t, int dir, const struct packet *p, sim_time_t *hold_until)
{
    const struct ack_blackout *b = t->user;
    sim_time_t now = t->net.sim.now;
    if (dir == 1 && (p->flags & TCPF_SYN)) { *hold_until = now + b->syn_hold; return TAP_HOLD; }
    return dir == 1 && now >= b->from && now < b->until ? TAP_DROP : TAP_PASS;
}

static void test_duplicate_data_restarts_quick_acks(void)
{
    /* Linux tcp_data_queue ("a retransmit") and tcp_send_dupack: data the receiver holds already
     * means its ACK was lost or late, so it enters quick-ACK mode (tcp_enter_quickack_mode, max
     * TCP_MAX_QUICKACKS; counted as DelayedACKLost) and the next segments are acknowledged one by
     * one.  A segment every 20 ms, so every second one is acknowledged at once; the receiver's
     * ACKs are lost for 0.6 s, the sender times out and resends what the receiver has: the 16
     * new segments after the last duplicate are acknowledged one by one instead of in pairs.
     * The SYN-ACK is held 0.4 s so that the receiver's RTO (from its only RTT sample) is longer
     * than the silence the timeout makes, which would start quick ACKs by itself
     * (tcp_event_data_recv). */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    struct tcp_tap t;
    tap_init(&t, &cfg, 1000000, 1000000, SIM_MS(50), 0);
    struct ack_blackout b = { SIM_MS(400), SIM_MS(2000), SIM_MS(2600) };
    t.user = &b;
    t.rule = hold_syn_drop_acks;
    tcp_set_app(&t.conn.ep[1], &reader_ops, NULL);
    tcp_conn_open(&t.conn);
    struct writer w; writer_start(&w, &t, 1460, SIM_MS(1000), SIM_MS(20), SIM_MS(5500));
    sim_run_until(&t.net.sim, SIM_SEC(6));
    CU_ASSERT_EQUAL(t.conn.ep[1].st.bytes_read, w.written);
    CU_ASSERT(t.conn.ep[0].st.rto_expiries >= 1);
    /* the end of the data held when the last duplicate arrived, and the longest silence */
    uint64_t held = 0, last_dup_end = 0;
    size_t dups = 0;
    sim_time_t prev = 0, silence = 0;
    for (size_t i = 0; i < t.n_log; i++) {
        const struct tap_seg *s = &t.log[i];
        if (s->dir != 0 || s->payload == 0) continue;
        if (s->seq + s->payload <= held) { dups++; last_dup_end = held; continue; }
        held = s->seq + s->payload;
        if (prev && s->t - prev > silence) silence = s->t - prev;
        prev = s->t;
    }
    size_t after = acks_over_16(&t, last_dup_end, cfg.mss);
    fprintf(stderr, "\n    %zu duplicates, longest silence %.0f ms (receiver's RTO %.0f ms), %zu ACKs over the 16 segments after the last\n",
            dups, silence / 1e6, t.conn.ep[1].rto / 1e6, after);
    CU_ASSERT(dups >= 1);
    CU_ASSERT(silence < t.conn.ep[1].rto);
    CU_ASSERT_EQUAL(after, 16);
    tap_free(&t);
}

static void test_silence_counted_in_jiffies(void)
{
    /* Linux tcp_event_data_recv compares the silence m = tcp_jiffies32 - lrcvtime with icsk_rto,
     * both in jiffies: a silence a little longer than the RTO that spans only as many tick
     * boundaries as the RTO has ticks starts no quick ACKs.  After a 40-segment burst (its quick
     * ACKs used up) one segment arrives rto + half the tick-phase margin later: in the same
     * number of ticks, so it waits for the delayed-ACK timer instead of being ACKed at once. */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    struct tcp_tap t; open_tap(&t, &cfg);
    struct writer a; writer_start(&a, &t, 40 * 1460, SIM_MS(500), 0, 0);
    sim_time_t until = SIM_MS(500);
    while (t.conn.ep[1].st.bytes_read < 40 * 1460 && until < SIM_SEC(3))
        sim_run_until(&t.net.sim, until += SIM_MS(1));
    CU_ASSERT_EQUAL_FATAL(t.conn.ep[1].st.bytes_read, 40 * 1460);
    const struct tap_seg *s0 = tap_data_seg(&t, 0), *last = tap_data_seg(&t, 39);
    CU_ASSERT_FATAL(s0 && last);
    sim_time_t tick = SIM_SEC(1) / cfg.hz, rto = t.conn.ep[1].rto, path = s0->t - SIM_MS(500);
    sim_time_t phase = last->t % tick;
    CU_ASSERT_FATAL(rto % tick == 0 && phase < tick - SIM_US(100));
    /* arrival in the tick rto / tick after last's, later in it than last was in its own */
    sim_time_t arrive = last->t - phase + rto + (phase + tick) / 2;
    CU_ASSERT_FATAL(arrive - last->t > rto);
    CU_ASSERT_FATAL(arrive / tick - last->t / tick == rto / tick);
    struct writer b; writer_start(&b, &t, 1460, arrive - path, 0, 0);
    sim_run_until(&t.net.sim, SIM_SEC(4));
    const struct tap_seg *s40 = tap_data_seg(&t, 40);
    CU_ASSERT_FATAL(s40 != NULL);
    CU_ASSERT_EQUAL(s40->t, arrive);
    const struct tap_seg *ack = first_ack_above(&t, s40->seq);
    CU_ASSERT_FATAL(ack != NULL);
    fprintf(stderr, "\n    silence %.3f ms (rto %.0f ms), ACK %.3f ms after the segment\n",
            (s40->t - last->t) / 1e6, rto / 1e6, (ack->t_sent - s40->t) / 1e6);
    CU_ASSERT(ack->t_sent - s40->t >= SIM_MS(40));              /* the delayed-ACK timer */
    tap_free(&t);
}

static void test_window_growth_earns_a_quick_ack(void)
{
    /* Linux tcp_grow_window (net/ipv4/tcp_input.c, unchanged in 6.x): each time rcv_ssthresh
     * grows, icsk_ack.quick |= 1, so while the window grows every in-order segment is
     * acknowledged at once and the 16 quick ACKs of the first data (tcp_incr_quickack) are
     * left for after the growth.  rcvbuf 262144: the window starts at 141 segments
     * (tcp_initial_window) and grows by two per segment up to the free space with the arriving
     * segment held, 262144 - 1458: (262144 - 1458 - 141 * 1460) / 2920 = 18.8, so 19 growths,
     * then 16 quick ACKs: 35 segments acknowledged alone.  Without the bit: 16.  The kernel
     * engine's download receivers (8000/256 and 1024/128, rcvbuf 262144) acknowledged their
     * first 36 segments one by one within 0.1 ms, in 4 of 4 runs, and an upload joining a
     * download 35: the kernel's own memory accounting (coalesced segments cost less) can allow
     * one more small growth. */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.rcvbuf = 262144;
    struct tcp_tap t;
    open_tap(&t, &cfg);
    struct writer w; writer_start(&w, &t, 60 * 1460, SIM_MS(200), 0, 0);
    sim_run_until(&t.net.sim, SIM_SEC(5));
    CU_ASSERT_EQUAL(t.conn.ep[1].st.bytes_read, 60 * 1460);
    CU_ASSERT_EQUAL(t.conn.ep[0].st.retrans_segs, 0);
    const struct tap_seg *s0 = tap_data_seg(&t, 0);
    CU_ASSERT_FATAL(s0 != NULL);
    size_t alone = lone_quick_acks(&t, s0->seq, 60);
    fprintf(stderr, "\n    %zu of the first 60 segments ACKed alone at once\n", alone);
    CU_ASSERT_EQUAL(alone, 19 + 16);
    tap_free(&t);
}

void register_test_tcp_quickack(void)
{
    TEST_SUITE("tcp_quickack",
               TEST(test_quick_acks_after_first_data_and_silence),
               TEST(test_duplicate_acks_use_up_quick_acks),
               TEST(test_duplicate_data_restarts_quick_acks),
               TEST(test_silence_counted_in_jiffies),
               TEST(test_window_growth_earns_a_quick_ack));
}
