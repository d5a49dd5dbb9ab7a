/* PSH as Linux sets and reads it: the sender pushes the last segment of every skb of two or more
 * segments and the end of a write; the receiver's read ACKs a pushed or short segment at once. */
#include "testutil.h"
#include "tcp_tap.h"
#include "tcp_int.h"

static int pushed(const struct tap_seg *s) { return s && (s->flags & TCPF_PSH); }

static void test_psh_on_last_segment_of_each_piece(void)
{
    /* Linux builds GSO skbs always (0a6b2a1dc2a2, 4.17); tcp_write_xmit sends them in pieces of
     * tcp_tso_autosize segments, 2 at these rates (tcp_min_tso_segs), cut shorter by the cwnd
     * quota; __tcp_transmit_skb sets PSH on every skb of more than one segment (051ba67447de,
     * 5.4) and software segmentation keeps it on the last segment only.  A one-segment piece is
     * pushed only if it ends an application write (tcp_push -> tcp_mark_push).  Initial window 3,
     * one write of 8 segments: the first flight is [1 2] [3], the 3rd cut by the window. */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.init_cwnd = 3;
    struct tcp_tap t; open_tap(&t, &cfg);
    struct writer w; writer_start(&w, &t, 8 * cfg.mss, SIM_MS(500), 0, 0);
    sim_run_until(&t.net.sim, SIM_SEC(3));
    CU_ASSERT_EQUAL(t.conn.ep[1].st.bytes_read, 8u * cfg.mss);
    CU_ASSERT_EQUAL(tap_count_data(&t, 0, UINT32_MAX), 8);
    CU_ASSERT(!pushed(tap_data_seg(&t, 0)));
    CU_ASSERT(pushed(tap_data_seg(&t, 1)));                  /* ends the 2-segment piece        */
    CU_ASSERT(!pushed(tap_data_seg(&t, 2)));                 /* a lone piece inside the write   */
    CU_ASSERT(pushed(tap_data_seg(&t, 7)));                  /* ends the write                  */
    CU_ASSERT(pushed(tap_data_seg(&t, 4)));                  /* [4 5] after the first ACK       */
    tap_free(&t);

    /* A write of one segment on an idle connection is a one-segment piece that ends a write:
     * pushed.  So is a short one (1000 bytes). */
    for (uint32_t bytes = 1000; bytes <= cfg.mss; bytes += cfg.mss - 1000) {
        tcp_cfg_default(&cfg);
        open_tap(&t, &cfg);
        writer_start(&w, &t, bytes, SIM_MS(500), 0, 0);
        sim_run_until(&t.net.sim, SIM_SEC(2));
        CU_ASSERT_EQUAL(tap_count_data(&t, 0, UINT32_MAX), 1);
        CU_ASSERT(pushed(tap_data_seg(&t, 0)));
        tap_free(&t);
    }
}

/* A sender that never pushes (a Linux sender before 5.4 with full-size writes that always
 * append): the tap clears PSH on the way. */
static enum tap_verdict strip_psh(struct tcp_tap *t, int dir, const struct packet *p, sim_time_t *until)
{
    (void)t; (void)until;
    if (dir == 0) ((struct packet *)p)->flags &= (uint8_t)~TCPF_PSH;
    return TAP_PASS;
}

/* For the data segments from the 36th on (the quick ACKs are used up: one for each of the 19
 * segments that grow the window to its cap, tcp_grow_window, then the first data's 16), how many
 * were ACKed at once (the ACK left when the segment arrived) and how many 40 ms or more later. */
static void ack_delays(const struct tcp_tap *t, size_t *at_once, size_t *late)
{
    *at_once = *late = 0;
    for (size_t i = 35; tap_data_seg(t, i); i++) {
        const struct tap_seg *d = tap_data_seg(t, i);
        for (size_t k = 0; k < t->n_log; k++) {
            const struct tap_seg *a = &t->log[k];
            if (a->dir != 1 || a->ack < d->seq + d->payload) continue;
            if (a->t_sent == d->t) (*at_once)++;
            else if (a->t_sent - d->t >= SIM_MS(40)) (*late)++;
            break;
        }
    }
}

static void test_read_acks_pushed_or_short_segment_at_once(void)
{
    /* Linux >= 6.1 (4720852ed9af "tcp: fix delayed ACKs for MSS boundary condition"):
     * tcp_measure_rcv_mss sets ICSK_ACK_PUSHED for a full-size segment with PSH, and for any
     * segment shorter than rcv_mss (PUSHED2 for the second); tcp_cleanup_rbuf sends the
     * scheduled ACK when a read empties the receive queue with PUSHED set (not ping-pong).  One
     * write every 250 ms (below the receiver's RTO of ~300 ms, so no quick ACKs after a
     * silence; above the adaptive delayed-ACK timeout, so no segment finds another unacked),
     * each a lone segment, read at once: pushed full segments and short segments are ACKed on
     * arrival; full segments without PSH wait for the delayed-ACK timer. */
    struct { uint32_t bytes; int strip; int expect_at_once; } v[] = {
        { 1460, 0, 1 }, { 1460, 1, 0 }, { 1000, 1, 1 },
    };
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        struct tcp_cfg cfg; tcp_cfg_default(&cfg);
        cfg.ack_at_read = 1;
        struct tcp_tap t; open_tap(&t, &cfg);
        if (v[k].strip) t.rule = strip_psh;
        struct writer w; writer_start(&w, &t, v[k].bytes, SIM_MS(500), SIM_MS(250), SIM_MS(13000));
        sim_run_until(&t.net.sim, SIM_SEC(15));
        CU_ASSERT_EQUAL(t.conn.ep[1].st.bytes_read, 51u * v[k].bytes);
        CU_ASSERT_EQUAL(tap_count_data(&t, 0, UINT32_MAX), 51);
        size_t at_once, late;
        ack_delays(&t, &at_once, &late);
        if (v[k].expect_at_once) {
            CU_ASSERT_EQUAL(at_once, 16);
            CU_ASSERT_EQUAL(late, 0);
        } else {
            CU_ASSERT_EQUAL(at_once, 0);
            CU_ASSERT_EQUAL(late, 16);
        }
        tap_free(&t);
    }
}

void register_test_tcp_push(void)
{
    TEST_SUITE("tcp_push",
               TEST(test_psh_on_last_segment_of_each_piece),
               TEST(test_read_acks_pushed_or_short_segment_at_once));
}
