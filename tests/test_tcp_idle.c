/* Restart after idle: a sender whose data has all been acknowledged and that has sent nothing for
 * longer than the RTO starts its next write with a window cut as Linux's tcp_cwnd_restart cuts it. */
#include "testutil.h"
#include "tcp_tap.h"
#include "tcp_int.h"

struct idle_run { uint32_t cwnd_before, cwnd_after, ssthresh_after; sim_time_t rto, idle; };

/* A 10 Mbit/s tap, 50 ms each way, and 60 full segments written at 0.2 s and all acknowledged
 * (no loss): the sender's window is 70 segments of slow start, ssthresh unset. */
static struct tcp_ep *open_after_burst(struct tcp_tap *t, const struct tcp_cfg *cfg)
{
    tap_init(t, cfg, 10000000, 10000000, SIM_MS(50), 0);
    tcp_set_app(&t->conn.ep[1], &reader_ops, NULL);
    tcp_conn_open(&t->conn);
    struct tcp_ep *ep = &t->conn.ep[0];
    struct writer burst; writer_start(&burst, t, 60 * 1460, SIM_MS(200), 0, 0);
    while (!(burst.written == 60 * 1460 && ep->snd_una == ep->write_seq)) sim_run_until(&t->net.sim, t->net.sim.now + SIM_MS(1));
    return ep;
}

/* After the burst (open_after_burst), one byte written `gap_rtos` RTOs after the last data
 * segment left; `ssthresh_segs` (0: leave it) is set once the burst is acknowledged. */
static struct idle_run burst_idle_write(double gap_rtos, uint32_t ssthresh_segs)
{
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    struct tcp_tap t;
    struct tcp_ep *ep = open_after_burst(&t, &cfg);
    if (ssthresh_segs) ep->ssthresh = ssthresh_segs * cfg.mss;
    struct idle_run r = { .cwnd_before = ep->cwnd / cfg.mss, .rto = ep->rto };
    sim_time_t at = ep->lsndtime + (sim_time_t)(gap_rtos * (double)ep->rto);
    CU_ASSERT_FATAL(at > t.net.sim.now);
    r.idle = at - ep->lsndtime;
    struct writer one; writer_start(&one, &t, 1, at, 0, 0);
    sim_run_until(&t.net.sim, at);
    r.cwnd_after = ep->cwnd / cfg.mss;
    r.ssthresh_after = ep->ssthresh / cfg.mss;
    CU_ASSERT_EQUAL(ep->st.retrans_segs, 0);
    tap_free(&t);
    fprintf(stderr, "\n    idle %.3f s (%.1f RTO of %.3f s): cwnd %u -> %u, ssthresh %u", (double)r.idle / 1e9,
            gap_rtos, (double)r.rto / 1e9, r.cwnd_before, r.cwnd_after, r.ssthresh_after);
    return r;
}

static void test_window_restarts_after_idle(void)
{
    /* Linux tcp_slow_start_after_idle_check (include/net/tcp.h, from tcp_skb_entail) and
     * tcp_cwnd_restart (net/ipv4/tcp_output.c), net.ipv4.tcp_slow_start_after_idle = 1 (the
     * default, and the kernel engine's): nothing in flight and idle (jiffies since lsndtime)
     * longer than icsk_rto -> ssthresh = max(ssthresh, 3/4 cwnd); cwnd halves while
     * (idle -= rto) > 0 and cwnd > min(init_cwnd, cwnd); at least that restart window.
     * Measured on Linux 6.18 in two namespaces (8 Mbit/s tbf, Reno, 400 kB written, all ACKed,
     * one byte after the idle time, tcpi_snd_cwnd): rto 264-276 ms, cwnd 116-148 before; idle
     * 100 ms -> unchanged (2 of 2); 300 ms -> 60 (120, 2 of 2); 500 ms -> 59, 63 (118, 126);
     * 700 ms -> 30 (2 of 2); 1.0 s -> 15, 14 (121, 118); 1.5 and 3.0 s -> 10 (4 of 4).  With
     * CUBIC (rto 240 ms, cwnd 34, ssthresh 21): 300 ms -> cwnd 17, ssthresh 25 (17 + 8); 500 ms
     * and longer -> 10.  With the sysctl at 0: unchanged after 1 and 3 s.  BBR, the host's
     * default, has its own cong_control and is never restarted this way.
     * Here the burst leaves cwnd at 70 (10 + 60 segments of slow start), ssthresh unset. */
    struct idle_run r = burst_idle_write(0.7, 0);
    CU_ASSERT_EQUAL(r.cwnd_before, 70);
    CU_ASSERT_EQUAL(r.cwnd_after, 70);                /* not idle longer than the RTO */
    r = burst_idle_write(1.5, 0);
    CU_ASSERT_EQUAL(r.cwnd_after, 35);                /* idle - rto > 0 once: one halving */
    CU_ASSERT_EQUAL(r.ssthresh_after, UINT32_MAX / 1460);   /* max(infinite, 3/4 cwnd) */
    r = burst_idle_write(2.5, 0);
    CU_ASSERT_EQUAL(r.cwnd_after, 17);
    r = burst_idle_write(3.5, 0);
    CU_ASSERT_EQUAL(r.cwnd_after, 10);                /* 8 after a third halving: the restart window */
    r = burst_idle_write(20, 0);
    CU_ASSERT_EQUAL(r.cwnd_after, 10);
    /* ssthresh below 3/4 of the window is raised to it, as Linux rounds: (70 >> 1) + (70 >> 2) */
    r = burst_idle_write(1.5, 21);
    CU_ASSERT_EQUAL(r.cwnd_after, 35);
    CU_ASSERT_EQUAL(r.ssthresh_after, 52);
}

static void test_application_limited_window_kept(void)
{
    /* RFC 2861's second half in Linux, tcp_cwnd_application_limited (net/ipv4/tcp_output.c, from
     * tcp_cwnd_validate): a sender that is not cwnd-limited for an RTO since snd_cwnd_stamp has
     * its window cut to (cwnd + the most it used) / 2.  But tcp_cong_avoid (tcp_input.c) sets
     * snd_cwnd_stamp on every ACK that delivers data in the Open state, so a sender that keeps
     * getting ACKs is never cut.  Measured on Linux 6.18 in two namespaces (8 Mbit/s tbf, Reno,
     * 400 kB written and acknowledged, then 2920 bytes every 20 ms for 2.5 s, tcpi_snd_cwnd after
     * each write): cwnd 120 throughout, RTO 204 ms; the same with tcp_slow_start_after_idle = 0
     * (118 throughout).  Here: the burst leaves cwnd at 70, then 2 segments every 20 ms for 3 s
     * (about 10 RTOs, never idle): still 70, not grown either (not cwnd-limited). */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    struct tcp_tap t;
    struct tcp_ep *ep = open_after_burst(&t, &cfg);
    CU_ASSERT_EQUAL(ep->cwnd / cfg.mss, 70);
    sim_time_t from = t.net.sim.now + SIM_MS(1);
    struct writer paced; writer_start(&paced, &t, 2 * 1460, from, SIM_MS(20), from + SIM_SEC(3));
    uint32_t lowest = UINT32_MAX, highest = 0;
    for (sim_time_t at = from; at <= from + SIM_SEC(3); at += SIM_MS(20)) {
        sim_run_until(&t.net.sim, at);
        uint32_t c = ep->cwnd / cfg.mss;
        if (c < lowest) lowest = c;
        if (c > highest) highest = c;
    }
    fprintf(stderr, "\n    rto %.3f s; cwnd %u..%u over 3 s, %llu idle restarts ", (double)ep->rto / 1e9,
            lowest, highest, (unsigned long long)ep->st.idle_restarts);
    CU_ASSERT(paced.written >= 150 * 2 * 1460);
    CU_ASSERT_EQUAL(lowest, 70);
    CU_ASSERT_EQUAL(highest, 70);
    CU_ASSERT_EQUAL(ep->st.idle_restarts, 0);
    tap_free(&t);
}

void register_test_tcp_idle(void)
{
    TEST_SUITE("tcp_idle",
               TEST(test_window_restarts_after_idle),
               TEST(test_application_limited_window_kept));
}
