/* TCP's timers against Linux's: timeouts kept in whole jiffies and armed on the kernel's timer
 * wheel, which fires a timer on a tick and, beyond 63 jiffies, on its level's coarser boundary. */
#include "testutil.h"
#include "tcp_tap.h"
#include "tcp_int.h"

/* ------------------------------------------------------------------ the retransmission timer */

/* Drop the first copy of every data segment from ep[0]; [0] counts them, [1] is the first one's
 * send time. */
static enum tap_verdict drop_first_copies(struct tcp_tap *t, int dir, const struct packet *p, sim_time_t *until)
{
    (void)until;
    sim_time_t *st = t->user;
    if (dir != 0 || p->payload == 0 || st[0]++) return TAP_PASS;
    st[1] = p->t_sent;
    return TAP_DROP;
}

/* The retransmission of one lost segment, written at 500 ms; *rto is the RTO it waited. */
static sim_time_t rto_retransmission(uint32_t hz, sim_time_t *sent, sim_time_t *rto)
{
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.hz = hz;
    cfg.sack = 0;
    struct tcp_tap t; open_tap(&t, &cfg);
    sim_time_t st[2] = { 0, 0 };
    t.user = st;
    t.rule = drop_first_copies;
    struct writer w; writer_start(&w, &t, 1460, SIM_MS(500), 0, 0);
    sim_run_until(&t.net.sim, SIM_MS(499));
    *rto = t.conn.ep[0].rto;
    sim_run_until(&t.net.sim, SIM_SEC(3));
    CU_ASSERT_EQUAL(t.conn.ep[1].st.bytes_read, 1460);
    CU_ASSERT_EQUAL(t.conn.ep[0].st.rto_expiries, 1);
    *sent = st[1];
    const struct tap_seg *rx = NULL;
    for (size_t i = 0; i < t.n_log && !rx; i++)
        if (t.log[i].dir == 0 && t.log[i].payload > 0) rx = &t.log[i];
    CU_ASSERT_FATAL(rx != NULL);
    sim_time_t at = rx->t_sent;
    tap_free(&t);
    return at;
}

static void test_rto_in_jiffies_on_the_wheel(void)
{
    /* Linux __tcp_set_rto: icsk_rto = usecs_to_jiffies(srtt + rttvar), rounded up; the
     * retransmission timer is a timer_list armed for jiffies + icsk_rto (inet_csk_reset_xmit_timer)
     * and the timer wheel (calc_wheel_index / calc_index) puts a timeout of 63-503 jiffies in
     * level 1, whose buckets are 8 jiffies wide, rounding the expiry up to the next boundary.
     * 1 Mbit/s, 50 ms each way: the handshake's sample m = 100 ms + a SYN and a SYN-ACK of 50 B
     * each (with the tap's framing) at 1 Mbit/s = 100.8 ms gives srtt m and rttvar 2m = 201.6
     * ms, RTO 302.4 ms -> 304 ms = 76 jiffies at HZ 250.  The segment leaves at 500 ms (jiffy
     * 125), expires at jiffy 201, and the wheel fires it at jiffy 208: 832 ms.  An exact timer
     * would resend at 802.4 ms.  Without SACK, so that no loss probe resends it first. */
    sim_time_t sent, rto, at = rto_retransmission(250, &sent, &rto);
    CU_ASSERT_EQUAL(sent, SIM_MS(500));
    CU_ASSERT_EQUAL(rto, SIM_MS(304));
    CU_ASSERT_EQUAL(at, SIM_MS(832));
    sim_time_t at0 = rto_retransmission(0, &sent, &rto);
    CU_ASSERT_EQUAL(rto, 302400000);
    CU_ASSERT_EQUAL(at0, SIM_MS(500) + 302400000);
}

/* Drop ep[0]'s first three SYNs, remembering when each was sent. */
static enum tap_verdict drop_three_syns(struct tcp_tap *t, int dir, const struct packet *p, sim_time_t *until)
{
    (void)until;
    sim_time_t *st = t->user;       /* [0] SYNs seen, [1..4] their send times */
    if (dir != 0 || !(p->flags & TCPF_SYN)) return TAP_PASS;
    if (st[0] < 4) st[1 + st[0]] = p->t_sent;
    return st[0]++ < 3 ? TAP_DROP : TAP_PASS;
}

static void syn_times(uint32_t hz, sim_time_t *st)
{
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.hz = hz;
    struct tcp_tap t;
    tap_init(&t, &cfg, 1000000, 1000000, SIM_MS(50), 0);
    tcp_set_app(&t.conn.ep[1], &reader_ops, NULL);
    t.user = st;
    t.rule = drop_three_syns;
    tcp_conn_open(&t.conn);
    sim_run_until(&t.net.sim, SIM_SEC(10));
    CU_ASSERT_EQUAL(t.conn.ep[0].state, TCP_ESTABLISHED);
    tap_free(&t);
}

static void test_syn_timeouts_on_the_wheel(void)
{
    /* A SYN sent at 0 and lost: the 1-s initial RTO is 250 jiffies (level 1, 8-jiffy buckets) and
     * fires at jiffy 256 (1.024 s); backed off to 2 s (500 jiffies, still level 1) it fires 2.016 s
     * later (jiffy 760); at 4 s (1000 jiffies: level 2, 64-jiffy buckets) 4.128 s later (jiffy
     * 1792, 7.168 s).  Measured on this machine's kernel (6.18, HZ 250) with a SYN dropped behind
     * a veth: retransmissions 1.020-1.029 s apart at the 1-s timeout, then 2.012 s and 4.128 s.
     * Exact timers would give 1, 2 and 4 s. */
    sim_time_t st[5] = { 0 }, ex[5] = { 0 };
    syn_times(250, st);
    syn_times(0, ex);
    CU_ASSERT_EQUAL(st[0], 4);
    CU_ASSERT_EQUAL(st[1], 0);
    CU_ASSERT_EQUAL(st[2], SIM_MS(1024));
    CU_ASSERT_EQUAL(st[3], SIM_MS(3040));
    CU_ASSERT_EQUAL(st[4], SIM_MS(7168));
    CU_ASSERT_EQUAL(ex[2], SIM_SEC(1));
    CU_ASSERT_EQUAL(ex[3], SIM_SEC(3));
    CU_ASSERT_EQUAL(ex[4], SIM_SEC(7));
}

/* ------------------------------------------------------------------ a handshake that needed retransmissions */

/* Drop the first user[0] pure ACKs ep[1] sends: the third packet of a handshake ep[1] opened,
 * and its repeats (user[1] counts the drops). */
static enum tap_verdict drop_handshake_acks(struct tcp_tap *t, int dir, const struct packet *p, sim_time_t *until)
{
    (void)until;
    uint64_t *n = t->user;
    if (dir != 1 || (p->flags & TCPF_SYN) || p->payload || n[1] >= n[0]) return TAP_PASS;
    n[1]++;
    return TAP_DROP;
}

/* ep[1] connects to ep[0] (a client downloading from a server) and its first `lost` handshake
 * ACKs are lost; ep[0] writes 10 segments at 8 s.  Returns ep[0]'s window (segments) and RTO at
 * establishment, and how many segments it sent within 50 ms of the write (before any ACK). */
static uint32_t passive_open(uint64_t lost, sim_time_t *rto, uint64_t *first_flight)
{
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    struct tcp_tap t;
    tap_init(&t, &cfg, 1000000, 1000000, SIM_MS(50), 0);
    tcp_set_app(&t.conn.ep[1], &reader_ops, NULL);
    uint64_t n[2] = { lost, 0 };
    t.user = n;
    t.rule = drop_handshake_acks;
    tcp_conn_open_by(&t.conn, 1);
    struct writer w; writer_start(&w, &t, 10 * cfg.mss, SIM_SEC(8), 0, 0);
    sim_run_until(&t.net.sim, SIM_SEC(8) - 1);
    CU_ASSERT_EQUAL(t.conn.ep[0].state, TCP_ESTABLISHED);
    CU_ASSERT_EQUAL(n[1], lost);
    uint32_t cwnd = t.conn.ep[0].cwnd / cfg.mss;
    *rto = t.conn.ep[0].rto;
    sim_run_until(&t.net.sim, SIM_SEC(8) + SIM_MS(50));
    *first_flight = t.conn.ep[0].st.data_segs_out;
    tap_free(&t);
    return cwnd;
}

static void test_handshake_retransmissions_start_small(void)
{
    /* Linux tcp_init_metrics: no RTT sample from the handshake (none from a resent SYN-ACK,
     * tcp_synack_rtt_meas wants !req->num_retrans) leaves the RTO at TCP_TIMEOUT_FALLBACK, 3 s
     * (RFC 6298 (5.7)), not the initial 1 s; tcp_init_transfer: a SYN-ACK sent more than twice,
     * a timeout among them (undo_marker), starts the window at one segment (RFC 5681 3.1).  On
     * the kernel engine a server that resent its SYN-ACK twice sent its first segment alone. */
    sim_time_t rto;
    uint64_t flight;
    CU_ASSERT_EQUAL(passive_open(2, &rto, &flight), 1);
    CU_ASSERT_EQUAL(rto, SIM_SEC(3));
    CU_ASSERT_EQUAL(flight, 1);
    /* one resend: the initial window, but still no sample */
    CU_ASSERT_EQUAL(passive_open(1, &rto, &flight), 10);
    CU_ASSERT_EQUAL(rto, SIM_SEC(3));
    CU_ASSERT_EQUAL(flight, 10);
    /* none: the handshake's sample sets the RTO (100.8 ms -> 304 ms, test_rto_in_jiffies_...) */
    CU_ASSERT_EQUAL(passive_open(0, &rto, &flight), 10);
    CU_ASSERT_EQUAL(rto, SIM_MS(304));
    /* The active side alike: three SYNs lost, so no sample and a window of one segment. */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    struct tcp_tap t;
    tap_init(&t, &cfg, 1000000, 1000000, SIM_MS(50), 0);
    tcp_set_app(&t.conn.ep[1], &reader_ops, NULL);
    sim_time_t st[5] = { 0 };
    t.user = st;
    t.rule = drop_three_syns;
    tcp_conn_open(&t.conn);
    sim_run_until(&t.net.sim, SIM_SEC(10));
    CU_ASSERT_EQUAL(t.conn.ep[0].state, TCP_ESTABLISHED);
    CU_ASSERT_EQUAL(t.conn.ep[0].cwnd, cfg.mss);
    CU_ASSERT_EQUAL(t.conn.ep[0].rto, SIM_SEC(3));
    tap_free(&t);
}

void register_test_tcp_timers(void)
{
    TEST_SUITE("tcp_timers",
               TEST(test_rto_in_jiffies_on_the_wheel),
               TEST(test_syn_timeouts_on_the_wheel),
               TEST(test_handshake_retransmissions_start_small));
}
