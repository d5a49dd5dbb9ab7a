/* The simulated TCP's loss recovery against Linux's: where a SACK-less sender must infer what its
 * duplicate ACKs mean (reordering seen from more duplicate ACKs than segments outstanding), and
 * the window after a loss and its growth in whole segments, as Linux keeps snd_cwnd. */
#include "testutil.h"
#include "tcp_tap.h"
#include "tcp_int.h"

/* ep[0]'s segments 37 and 47 (in MSS) dropped on their first two transmissions; from 5 s on, the
 * 20th data segment dropped once. */
static enum tap_verdict drop_twice_then_once(struct tcp_tap *t, int dir, const struct packet *p, sim_time_t *until)
{
    (void)until;
    uint64_t *st = t->user;  /* copies of 37, of 47, seq dropped after 5 s (+1), segments after 5 s */
    if (dir != 0 || p->payload == 0) return TAP_PASS;
    uint64_t i = p->seq / t->conn.cfg.mss;
    if (t->net.sim.now >= SIM_SEC(5)) {
        if (st[2] || ++st[3] < 20) return TAP_PASS;
        st[2] = p->seq + 1;
        return TAP_DROP;
    }
    if (i == 37) return ++st[0] <= 2 ? TAP_DROP : TAP_PASS;
    if (i == 47) return ++st[1] <= 2 ? TAP_DROP : TAP_PASS;
    return TAP_PASS;
}

static void test_reno_reordering_sets_dupthresh(void)
{
    /* Linux tcp_add_reno_sack / tcp_limit_reno_sacked / tcp_check_reno_reordering and
     * tcp_newreno_mark_lost: without SACK a duplicate ACK stands for one segment that left the
     * network, and they can never stand for more than the segments outstanding less the holes
     * (lost_out, at least one).  When more arrive, Linux counts TCPRenoReorder and sets
     * tp->reordering to the segments outstanding; from then on the head is marked lost after
     * that many duplicate ACKs, not after DupThresh (3).  Here: 66 segments at 38-ms intervals,
     * two losses whose fast retransmissions are lost too; after the RTO, F-RTO sends new data and
     * the go-back-N resend of a segment the receiver already held (48) is answered with one
     * duplicate ACK more than segments are outstanding less the two lost-marked ones (47, 48).
     * The kernel engine counted TCPRenoReorder 7-13 per run on SACK-less uploads (8000/256
     * kbit/s, FIFO 50).  A later single loss in a bulk transfer is fast-retransmitted after
     * `reordering` duplicate ACKs (3 with the threshold fixed). */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.sack = 0;
    struct tcp_tap t; open_tap(&t, &cfg);
    uint64_t st[4] = { 0 };
    t.user = st;
    t.rule = drop_twice_then_once;
    struct writer paced; writer_start(&paced, &t, 1460, SIM_MS(500), SIM_MS(38), SIM_SEC(3));
    struct writer bulk; writer_start(&bulk, &t, 1460, SIM_SEC(5), SIM_MS(4), SIM_SEC(6));
    sim_run_until(&t.net.sim, SIM_MS(4900));
    const struct tcp_ep *ep = &t.conn.ep[0];
    uint32_t reordering = ep->reordering;
    uint64_t fr = ep->st.fast_retransmits, rto = ep->st.rto_expiries;
    CU_ASSERT_EQUAL(paced.written, 66 * 1460);
    CU_ASSERT_EQUAL(ep->st.reno_reorders, 1);
    CU_ASSERT_EQUAL(reordering, 66 - 47);           /* segments 47..65 were outstanding */
    CU_ASSERT_EQUAL(t.conn.ep[1].st.reno_reorders, 0);     /* it never sent data */
    sim_run_until(&t.net.sim, SIM_SEC(12));
    CU_ASSERT_EQUAL(t.conn.ep[1].st.bytes_read, paced.written + bulk.written);
    /* ACKs of the segment dropped after 5 s that ep[0] had when it resent it: the one that
     * advanced snd_una to it and the duplicates. */
    uint64_t hole = st[2] - 1;
    sim_time_t resent = 0;
    int n = 0;
    for (size_t k = 0; k < t.n_log; k++)
        if (t.log[k].dir == 0 && t.log[k].seq == hole) { resent = t.log[k].t_sent; break; }
    for (size_t k = 0; k < t.n_log; k++)
        if (t.log[k].dir == 1 && t.log[k].payload == 0 && t.log[k].ack == hole && t.log[k].t <= resent) n++;
    fprintf(stderr, "\n    reordering %u; the next loss resent after %d duplicate ACKs\n", reordering, n - 1);
    CU_ASSERT(st[2] > 0 && resent > 0);
    CU_ASSERT_EQUAL(n - 1, (int)reordering);
    CU_ASSERT_EQUAL(ep->st.fast_retransmits, fr + 1);
    CU_ASSERT_EQUAL(ep->st.rto_expiries, rto);
    tap_free(&t);
}

/* Drop ep[0]'s data segment 19 (in MSS) on its first transmission. */
static enum tap_verdict drop_19th_once(struct tcp_tap *t, int dir, const struct packet *p, sim_time_t *until)
{
    (void)until;
    uint64_t *n = t->user;
    if (dir != 0 || p->payload == 0 || p->seq / t->conn.cfg.mss != 19 || *n) return TAP_PASS;
    *n = 1;
    return TAP_DROP;
}

static void test_reno_loss_not_undone_after_hold(void)
{
    /* Linux tcp_packet_delayed (since "tcp: fix tcp_packet_delayed() for
     * tcp_is_non_sack_preventing_reopen() behavior", in 6.16): a zero retrans_stamp means
     * nothing was retransmitted, except on a SACK-less connection whose snd_una reached
     * high_seq, because tcp_is_non_sack_preventing_reopen clears retrans_stamp there while it
     * holds the state.  So without SACK and timestamps nothing can show a retransmission was
     * needless, and the reduction stays.  Here: 20 segments at 38-ms intervals, the last lost;
     * no duplicate ACKs come, the RTO resends it, its ACK is exactly high_seq (held in Loss), and
     * the ACK of the next data, written from 4 s on, must not restore the window (before this,
     * ssthresh went back to its initial infinity: the validation case down_1024_128_q50_nosack
     * then timed out every ~3 s). */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.sack = 0;
    cfg.timestamps = 0;
    struct tcp_tap t; open_tap(&t, &cfg);
    uint64_t dropped = 0;
    t.user = &dropped;
    t.rule = drop_19th_once;
    struct writer first; writer_start(&first, &t, 1460, SIM_MS(500), SIM_MS(38), SIM_MS(500 + 19 * 38 + 1));
    struct writer later; writer_start(&later, &t, 1460, SIM_SEC(4), SIM_MS(38), SIM_SEC(5));
    sim_run_until(&t.net.sim, SIM_MS(3900));
    const struct tcp_ep *ep = &t.conn.ep[0];
    CU_ASSERT_EQUAL(first.written, 20 * 1460);
    CU_ASSERT_EQUAL(dropped, 1);
    CU_ASSERT_EQUAL(ep->st.rto_expiries, 1);
    uint32_t ssthresh = ep->ssthresh;
    CU_ASSERT(ssthresh < UINT32_MAX);
    sim_run_until(&t.net.sim, SIM_SEC(8));
    fprintf(stderr, "\n    ssthresh after the RTO %u, at 8 s %u segments; undos %llu ",
            ssthresh / cfg.mss, ep->ssthresh / cfg.mss, (unsigned long long)ep->st.undos);
    CU_ASSERT_EQUAL(t.conn.ep[1].st.bytes_read, first.written + later.written);
    CU_ASSERT(later.written > 0 && ep->snd_una == first.written + later.written);
    CU_ASSERT_EQUAL(ep->st.undos, 0);
    CU_ASSERT_EQUAL(ep->ssthresh, ssthresh);
    CU_ASSERT_EQUAL(ep->ca_state, TCP_CA_OPEN);
    tap_free(&t);
}

/* ------------------------------------------------------------------ the receiver's window in a recovery */

/* ep[0]'s data segments 40, 42, 44, 46 and 48 (in MSS) dropped on their first transmission. */
static enum tap_verdict drop_five_holes(struct tcp_tap *t, int dir, const struct packet *p, sim_time_t *until)
{
    (void)until;
    uint64_t *dropped = t->user;                 /* bit i: segment 40 + 2i was dropped */
    if (dir != 0 || p->payload == 0) return TAP_PASS;
    uint64_t i = p->seq / t->conn.cfg.mss;
    if (i < 40 || i > 48 || i % 2 || (*dropped & (1u << ((i - 40) / 2)))) return TAP_PASS;
    *dropped |= 1u << ((i - 40) / 2);
    return TAP_DROP;
}

/* A receiving application that reads everything 1 ms after data woke it, as a process that is
 * scheduled later than the ACK leaves; it also checks the window the receiver could offer while
 * it holds out-of-order data. */
struct late_reader {
    struct tcp_ep   *ep;
    struct sim_event ev;
    int              ooo_checks, ooo_wrong;
};

static void late_read(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct late_reader *r = ev->ctx;
    tcp_read(r->ep, tcp_readable(r->ep));
    if (r->ep->ooo.n) {
        /* Linux __tcp_select_window: free space is the buffer less unread and out-of-order bytes
         * (all read here), each full segment's memory worth 1458 bytes of window (2304 * 162 /
         * 256, tcp_space), at most rcv_ssthresh, in units of the window scale, 2^2 for 262144
         * (tcp_select_initial_window): rounded down when less than half the buffer is free,
         * else up (ALIGN). */
        uint64_t buf = ep_cfg(r->ep)->rcvbuf, ooo = ivl_bytes(&r->ep->ooo);
        uint64_t unit = 1u << r->ep->conn->rcv_wscale;
        uint64_t free_space = buf - ooo / 1460 * 1458;
        if (free_space > r->ep->rcv_ssthresh) free_space = r->ep->rcv_ssthresh;
        uint64_t want = free_space < buf / 2 ? free_space / unit * unit : (free_space + unit - 1) / unit * unit;
        r->ooo_checks++;
        if (rcv_window(r->ep) != want) r->ooo_wrong++;
    }
}

static void late_readable(struct tcp_ep *ep, void *app)
{
    struct late_reader *r = app;
    if (!sim_event_pending(&r->ev)) sim_schedule_in(&ep_net(ep)->sim, &r->ev, SIM_MS(1));
}

static const struct tcp_app_ops late_reader_ops = { NULL, late_readable, NULL };

static void test_reno_recovery_window_never_moves_back(void)
{
    /* Linux tcp_select_window / __tcp_select_window: the receiver offers the free space of its
     * receive memory, which the out-of-order queue uses too, and never less than what is left of
     * the window it offered last (tcp_receive_window), so the right edge never moves back.  A
     * duplicate ACK is one whose window did not change (RFC 5681 section 2; Linux
     * tcp_may_update_window makes any other a window update, FLAG_WIN_UPDATE, not a duplicate).
     * Here, without SACK: a bulk transfer loses five segments of one window (every other one from
     * 40); NewReno repairs one per partial ACK, and the application reads each repair 1 ms after
     * its ACK left.  Before the window counted the out-of-order data, the first duplicate ACK
     * after each read offered the whole buffer again, the sender took it for a window update,
     * and with those duplicates missing the recovery ran dry and waited for the RTO (the
     * validation case down_1024_128_q50_nosack: 2 RTOs, the kernel none). */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.sack = 0;
    struct tcp_tap t;
    tap_init(&t, &cfg, 10000000, 10000000, SIM_MS(50), 0);
    struct late_reader r = { .ep = &t.conn.ep[1] };
    sim_event_init(&r.ev, late_read, &r);
    tcp_set_app(&t.conn.ep[1], &late_reader_ops, &r);
    tcp_conn_open(&t.conn);
    uint64_t dropped = 0;
    t.user = &dropped;
    t.rule = drop_five_holes;
    struct writer bulk; writer_start(&bulk, &t, 1460, SIM_MS(500), SIM_MS(4), SIM_SEC(3));
    sim_run_until(&t.net.sim, SIM_SEC(10));
    const struct tcp_ep *ep = &t.conn.ep[0];
    CU_ASSERT_EQUAL(dropped, 0x1f);
    CU_ASSERT_EQUAL(t.conn.ep[1].st.bytes_read, bulk.written);
    /* The receiver's ACKs: the right edge never moves back, and while the holes were repaired
     * (acknowledgements up to the last hole's end) a repeated ACK repeats the window.  (When the
     * last repair makes everything in order, the read after it opens the window: a window update,
     * which the sender rightly does not count.) */
    uint64_t prev_ack = 0, prev_edge = 0, dups = 0, recovered = 49 * (uint64_t)cfg.mss;
    uint32_t prev_wnd = 0;
    int back = 0, changed = 0;
    for (size_t k = 0; k < t.n_log; k++) {
        const struct tap_seg *g = &t.log[k];
        if (g->dir != 1 || (g->flags & TCPF_SYN)) continue;
        if (g->ack + g->rwnd < prev_edge) back++;
        if (g->ack == prev_ack && g->payload == 0 && g->ack <= recovered) {
            dups++;
            if (g->rwnd != prev_wnd) changed++;
        }
        prev_ack = g->ack; prev_wnd = g->rwnd;
        if (g->ack + g->rwnd > prev_edge) prev_edge = g->ack + g->rwnd;
    }
    fprintf(stderr, "\n    %llu repeated ACKs, %d with another window; sender: %llu duplicate ACKs, "
            "%llu fast retransmits, %llu retransmissions, %llu RTOs; %d of %d checks wrong ",
            (unsigned long long)dups, changed, (unsigned long long)ep->st.dupacks_in,
            (unsigned long long)ep->st.fast_retransmits, (unsigned long long)ep->st.retrans_segs,
            (unsigned long long)ep->st.rto_expiries, r.ooo_wrong, r.ooo_checks);
    CU_ASSERT_EQUAL(back, 0);
    CU_ASSERT_EQUAL(changed, 0);
    CU_ASSERT_EQUAL(ep->st.dupacks_in, dups);
    CU_ASSERT(r.ooo_checks > 0);
    CU_ASSERT_EQUAL(r.ooo_wrong, 0);
    CU_ASSERT_EQUAL(ep->st.fast_retransmits, 1);
    CU_ASSERT_EQUAL(ep->st.retrans_segs, 5);
    CU_ASSERT_EQUAL(ep->st.rto_expiries, 0);
    sim_cancel(&t.net.sim, &r.ev);
    tap_free(&t);
}

/* ------------------------------------------------------------------ windows in whole segments */

static void test_cubic_ssthresh_in_whole_segments(void)
{
    /* Linux bictcp_recalc_ssthresh: max(snd_cwnd * 717 / 1024, 2) in segments (beta 0.7 as
     * 717/1024), and W_max = snd_cwnd, or snd_cwnd * (1024 + 717) / 2048 when the window had not
     * regained the last W_max (fast convergence).  Hand-computed: 10 -> 7, 7 -> 4 (4.9), 3 -> 2,
     * 100 -> 70; W_max 100 and a loss at 50 -> W_max 42 (42.5). */
    static const uint32_t v[][2] = { { 10, 7 }, { 7, 4 }, { 3, 2 }, { 2, 2 }, { 100, 70 } };
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.cubic = 1;
    struct tcp_tap t; open_tap(&t, &cfg);
    struct tcp_ep *ep = &t.conn.ep[0];
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        ep->cubic_wmax = 0;
        ep->cwnd = v[k][0] * cfg.mss;
        CU_ASSERT_EQUAL(loss_ssthresh(ep), v[k][1] * cfg.mss);
        CU_ASSERT_EQUAL(ep->cubic_wmax, (double)v[k][0]);
    }
    ep->cubic_wmax = 100;
    ep->cwnd = 50 * cfg.mss;
    CU_ASSERT_EQUAL(loss_ssthresh(ep), 35 * cfg.mss);
    CU_ASSERT_EQUAL(ep->cubic_wmax, 42.0);
    tap_free(&t);
}

static void test_current_ssthresh_in_whole_segments(void)
{
    /* Linux tcp_current_ssthresh, which tcp_enter_loss and tcp_enter_recovery save as
     * prior_ssthresh for an undo and tcp_cwnd_restart raises ssthresh to: outside CWR/Recovery
     * max(ssthresh, (cwnd >> 1) + (cwnd >> 2)) with cwnd in segments, inside it ssthresh.
     * Hand-computed: 70 -> 52 (3/4 of the bytes would be 52.5 segments), 10 -> 7, 7 -> 4,
     * 4 -> 3; an ssthresh of 60 stays at a window of 70. */
    static const uint32_t v[][3] = { { 70, 2, 52 }, { 10, 2, 7 }, { 7, 2, 4 }, { 4, 2, 3 }, { 70, 60, 60 } };
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    struct tcp_tap t; open_tap(&t, &cfg);
    struct tcp_ep *ep = &t.conn.ep[0];
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        ep->ca_state = TCP_CA_OPEN;
        ep->cwnd = v[k][0] * cfg.mss;
        ep->ssthresh = v[k][1] * cfg.mss;
        tcp_retransmit_timer(ep);                  /* nothing in flight: only the window state */
        CU_ASSERT_EQUAL(ep->prior_ssthresh, v[k][2] * cfg.mss);
    }
    ep->ca_state = TCP_CA_RECOVERY;
    ep->cwnd = 70 * cfg.mss;
    ep->ssthresh = 20 * cfg.mss;
    CU_ASSERT_EQUAL(current_ssthresh(ep), 20 * cfg.mss);
    tap_free(&t);
}

static void test_windows_grow_in_whole_segments(void)
{
    /* Linux keeps snd_cwnd as a count of segments: slow start adds whole segments, and congestion
     * avoidance one segment per cnt segments acknowledged (tcp_cong_avoid_ai, with cnt = cwnd for
     * Reno and cwnd / (target - cwnd) for CUBIC's bictcp_update).  A bulk transfer with one loss,
     * its window sampled every 5 ms for 8 s: always whole segments, also during the recovery, whose
     * proportional rate reduction Linux counts in segments too (tcp_cwnd_reduction), and growing
     * again after the loss, with Reno and with CUBIC. */
    for (int cubic = 0; cubic <= 1; cubic++) {
        struct tcp_cfg cfg; tcp_cfg_default(&cfg);
        cfg.cubic = cubic;
        struct tcp_tap t; open_tap(&t, &cfg);
        struct tap_drop_nth d;
        tap_drop_nth(&t, &d, 40);      /* the 40th data segment, once */
        struct writer w; writer_start(&w, &t, 1460, SIM_MS(500), SIM_MS(8), SIM_SEC(9));
        const struct tcp_ep *ep = &t.conn.ep[0];
        int fractional = 0;
        uint32_t after_loss = 0, last = 0;
        for (sim_time_t at = SIM_MS(500); at <= SIM_MS(8500); at += SIM_MS(5)) {
            sim_run_until(&t.net.sim, at);
            if (ep->cwnd % cfg.mss) fractional++;
            if (ep->st.fast_retransmits && !after_loss && ep->ca_state == TCP_CA_OPEN) after_loss = ep->cwnd;
            last = ep->cwnd;
        }
        fprintf(stderr, "\n    %s: cwnd after the loss %u, at 8.5 s %u segments; %d fractional samples ",
                cubic ? "cubic" : "reno", after_loss / cfg.mss, last / cfg.mss, fractional);
        CU_ASSERT_EQUAL(ep->st.fast_retransmits, 1);
        CU_ASSERT_EQUAL(fractional, 0);
        CU_ASSERT(after_loss > 0 && last > after_loss + 2 * cfg.mss);
        tap_free(&t);
    }
}

void register_test_tcp_recovery(void)
{
    TEST_SUITE("tcp_recovery",
               TEST(test_reno_reordering_sets_dupthresh),
               TEST(test_reno_loss_not_undone_after_hold),
               TEST(test_reno_recovery_window_never_moves_back),
               TEST(test_cubic_ssthresh_in_whole_segments),
               TEST(test_current_ssthresh_in_whole_segments),
               TEST(test_windows_grow_in_whole_segments));
}
