/* TCP over asymmetric lines against analytic results (network-facts.md §6, RFC 3449): idle-line
 * goodput, the ACK-path cap and its soft regime, the ATM cell tax, upload-induced collapse. */
#include "testutil.h"
#include "simutil.h"
#include "ivl.h"

static double metric(const char *const *ov, const char *name)
{
    struct run_result r;
    CU_ASSERT_EQUAL_FATAL(sim_test_run("asym_link", ov, &r), 0);
    double v = result_get(&r, name);
    CU_ASSERT_EQUAL(result_get(&r, "conservation_ok"), 1.0);
    result_free(&r);
    return v;
}

static void test_idle_line_reaches_payload_capacity(void)
{
    /* 1024 kbit/s PPP: payload capacity = 1024 * 1460 / (1460 + 40 + 2) = 995.4 kbit/s. */
    const char *ov[] = { "down_kbps=1024", "up_kbps=128", "duration_s=60", "warmup_s=10", NULL };
    double g = metric(ov, "down_goodput_kbps");
    CU_ASSERT(g >= 0.95 * 1024.0 * 1460 / 1502);
    CU_ASSERT(g <= 1024.0 * 1460 / 1502 * 1.0001);      /* and never above the wire allows */
    /* With timestamps a segment carries 1448 B under the same 1500-byte MTU. */
    const char *ts[] = { "down_kbps=1024", "up_kbps=128", "timestamps=1", "duration_s=60", "warmup_s=10", NULL };
    g = metric(ts, "down_goodput_kbps");
    CU_ASSERT(g >= 0.95 * 1024.0 * 1448 / 1502);
    CU_ASSERT(g <= 1024.0 * 1448 / 1502 * 1.0001);
}

static void test_slow_line_survives_spurious_timeouts(void)
{
    /* 8 kbit/s both ways: one 1502-byte frame takes 1.5 s, so the first RTO (from the SYN's
     * 0.2 s RTT) fires spuriously.  Karn's rule keeps the backed-off RTO until a valid sample,
     * so the line still carries payload at close to 8 * 1460 / 1502 = 7.78 kbit/s. */
    const char *ov[] = { "down_kbps=8", "up_kbps=8", "modem_queue_pkts=1000", "duration_s=300", "warmup_s=20", NULL };
    CU_ASSERT(metric(ov, "down_goodput_kbps") >= 0.85 * 8 * 1460 / 1502);
    CU_ASSERT(metric(ov, "rto_expiries") <= 10);
}

static void test_ack_path_cap_without_ack_loss(void)
{
    /* 8000/64 kbit/s PPP, uplink queue big enough that no ACK is dropped: every second segment is
     * acknowledged by a 42-byte frame, so G_ack = 64000 / (8 * 42) * 2 * 1460 * 8 = 4449.5 kbit/s. */
    const char *ov[] = { "down_kbps=8000", "up_kbps=64", "modem_queue_pkts=1000000", "rcvbuf=4Mi",
                         "sndbuf=4Mi", "duration_s=120", "warmup_s=20", NULL };
    double cap = 64000.0 / (8 * 42) * 2 * 1460 * 8 / 1000;
    ASSERT_REL(metric(ov, "down_goodput_kbps"), cap, 0.10);
    CU_ASSERT_EQUAL(metric(ov, "drops_up"), 0);
    /* d = 1 (ACK every segment) halves the cap. */
    const char *d1[] = { "down_kbps=8000", "up_kbps=64", "modem_queue_pkts=1000000", "rcvbuf=4Mi",
                         "sndbuf=4Mi", "delack_count=1", "duration_s=120", "warmup_s=20", NULL };
    ASSERT_REL(metric(d1, "down_goodput_kbps"), cap / 2, 0.10);
}

/* The segment counts the kernel engine reads from TCP_INFO (tcpi_segs_out - tcpi_data_segs_out,
 * tcpi_data_segs_in), counted the same way over the window: a download below the FIFO (44
 * segments in a 50-packet queue, no loss) on a line whose segments arrive 11.8 ms apart, each
 * read before the next, is acknowledged every second segment (RFC 1122 4.2.3.2) and every
 * segment with d = 1; every ACK reaches the sender (the uplink carries one in 3.4 ms). */
static void test_ack_counts_in_the_window(void)
{
    const char *ov[] = { "framing=veth", "rcvbuf=65536", "duration_s=30", "warmup_s=10", NULL };
    const char *d1[] = { "framing=veth", "rcvbuf=65536", "duration_s=30", "warmup_s=10", "delack_count=1", NULL };
    for (int d = 1; d <= 2; d++) {
        struct run_result r;
        CU_ASSERT_EQUAL_FATAL(sim_test_run("asym_link", d == 2 ? ov : d1, &r), 0);
        double segs = result_get(&r, "down_rcv_data_segs"), acks = result_get(&r, "down_rcv_acks");
        CU_ASSERT_EQUAL(result_get(&r, "drops"), 0);
        /* 20 s of payload at 1024 * 1460 / 1514 kbit/s, in 1460-byte segments */
        ASSERT_REL(segs, 20 * 1024e3 / 8 / 1514, 0.01);
        CU_ASSERT(fabs(result_get(&r, "down_snd_data_segs") - segs) <= 44);
        /* d = 2: every second segment, and a lone segment whose PSH (the end of a write) was
         * read off an emptied queue (tcp_cleanup_rbuf, ICSK_ACK_PUSHED): 1 in 40 here */
        double ratio = result_get(&r, "down_acks_per_seg");
        CU_ASSERT(d == 1 ? fabs(ratio - 1.0) < 0.01 : ratio >= 0.5 && ratio < 0.53);
        CU_ASSERT_DOUBLE_EQUAL(result_get(&r, "down_acks_per_seg"), acks / segs, 1e-9);
        CU_ASSERT(fabs(result_get(&r, "down_acks_lost")) <= 2);
        result_free(&r);
    }
}

static void test_ack_path_cap_is_soft_with_short_queue(void)
{
    /* Short uplink queue: tail-dropped cumulative ACKs let the survivors cover more segments, so
     * goodput exceeds the no-loss cap (ns-3 3.37 measured 7.25 Mbit/s here, network-facts §6). */
    const char *ov[] = { "down_kbps=8000", "up_kbps=64", "modem_queue_pkts=50", "rcvbuf=4Mi",
                         "sndbuf=4Mi", "duration_s=120", "warmup_s=20", NULL };
    double cap = 64000.0 / (8 * 42) * 2 * 1460 * 8 / 1000;
    double g = metric(ov, "down_goodput_kbps");
    CU_ASSERT(g > 1.2 * cap);
    CU_ASSERT(metric(ov, "drops_up") > 0);
}

static void test_atm_goodput_matches_cell_tax(void)
{
    /* ADSL 6016/576, PPPoE LLC: MSS clamps to 1452, a full packet is 32 cells = 1696 B, so
     * goodput = 6016 * 1452 / 1696 = 5150.5 kbit/s. */
    const char *ov[] = { "down_kbps=6016", "up_kbps=576", "framing=pppoe_atm", "rcvbuf=64Ki", "duration_s=60", "warmup_s=10", NULL };
    ASSERT_REL(metric(ov, "down_goodput_kbps"), 6016.0 * 1452 / 1696, 0.02);
    CU_ASSERT_EQUAL(metric(ov, "mss_effective"), 1452);
    /* Uplink ACK load: one 106-byte (2-cell) ACK per 2 segments of 1696 B downstream.  A 64-KiB
     * window fills the line without overflowing its 50-packet queue: no losses, so no
     * out-of-order segments acknowledged one by one. */
    CU_ASSERT_EQUAL(metric(ov, "drops"), 0);
    double acks_Bps = 6016000.0 / 8 / 1696 / 2 * 106;
    ASSERT_REL(metric(ov, "up_link_util"), acks_Bps * 8 / 576000, 0.05);
}

static void test_saturated_upload_costs_download_as_on_linux(void)
{
    /* 1024/128 with 100-packet FIFOs on the kernel engine's line (veth framing), one bulk
     * download, 60 s, the first 10 s ignored.  Measured on Linux 6.18 (ratelab kernel, SACK,
     * Reno): alone 987 kbit/s; with a saturating upload 198, 353 and 443 kbit/s in three runs
     * (the upload 113-118, the uplink queue 2.6-3.9 s); with the upload paced at 48 kbit/s
     * 985.  The download loses most of its rate but does not collapse: Linux samples the RTT
     * on every ACK, undoes spurious timeouts (F-RTO) and probes tails (TLP), where a stack
     * without them (ns-3's defaults: 21.6 kbit/s at 1024/128, network-facts §6) collapses. */
    const char *alone[] = { "framing=veth", "n_up=0", "modem_queue_pkts=100", "duration_s=60", NULL };
    const char *sat[] = { "framing=veth", "n_up=1", "modem_queue_pkts=100", "duration_s=60", NULL };
    const char *lim[] = { "framing=veth", "n_up=1", "up_limit_kbps=48", "modem_queue_pkts=100", "duration_s=60", NULL };
    double g_alone = metric(alone, "down_goodput_kbps");
    double g_sat = metric(sat, "down_goodput_kbps");
    double g_lim = metric(lim, "down_goodput_kbps");
    fprintf(stderr, "\n    download alone %.1f, with saturating upload %.1f, with 48 kbit/s upload %.1f kbit/s\n",
            g_alone, g_sat, g_lim);
    ASSERT_REL(g_alone, 987.0, 0.01);
    CU_ASSERT(g_sat >= 198 && g_sat <= 443);     /* inside the kernel's range */
    ASSERT_REL(g_lim, 985.0, 0.02);              /* an application-limited upload leaves room for ACKs */
    CU_ASSERT(metric(sat, "up_queue_delay_ms_mean") > 1000);
}

static void test_conservation_with_drops(void)
{
    const char *ov[] = { "n_down=3", "n_up=2", "voip_kbps=24", "modem_queue_pkts=10", "duration_s=30", "warmup_s=5", NULL };
    struct run_result r;
    CU_ASSERT_EQUAL_FATAL(sim_test_run("asym_link", ov, &r), 0);
    double inj = result_get(&r, "bytes_injected"), del = result_get(&r, "bytes_delivered");
    double drp = result_get(&r, "bytes_dropped"), fl = result_get(&r, "bytes_in_flight");
    CU_ASSERT(drp > 0);                          /* the check is not vacuous: bytes were dropped */
    CU_ASSERT(fl > 0);                           /* and some were still on the wire at the end */
    CU_ASSERT_EQUAL(inj, del + drp + fl);
    CU_ASSERT_EQUAL(result_get(&r, "conservation_ok"), 1.0);
    result_free(&r);
}

static void test_same_seed_same_numbers(void)
{
    const char *a[] = { "n_down=3", "n_up=1", "voip_kbps=24", "duration_s=20", "warmup_s=5", "seed=7", NULL };
    const char *b[] = { "n_down=3", "n_up=1", "voip_kbps=24", "duration_s=20", "warmup_s=5", "seed=8", NULL };
    struct run_result r1, r2, r3;
    sim_test_run("asym_link", a, &r1);
    sim_test_run("asym_link", a, &r2);
    sim_test_run("asym_link", b, &r3);
    CU_ASSERT_EQUAL_FATAL(r1.n_metric, r2.n_metric);
    int same = 1, differs = 0;
    for (size_t i = 0; i < r1.n_metric; i++) {
        if (r1.metric[i].value != r2.metric[i].value) same = 0;
        if (r1.metric[i].value != r3.metric[i].value) differs = 1;
    }
    CU_ASSERT(same);
    CU_ASSERT_EQUAL(r1.n_point, r2.n_point);
    CU_ASSERT(differs);
    CU_ASSERT_EQUAL(r1.events, r2.events);
    result_free(&r1); result_free(&r2); result_free(&r3);
}

static void test_interval_set(void)
{
    struct ivl_set s = { 0 };
    ivl_add(&s, 100, 200);
    ivl_add(&s, 300, 400);
    ivl_add(&s, 50, 60);
    CU_ASSERT_EQUAL(s.n, 3);
    CU_ASSERT_EQUAL(ivl_bytes(&s), 210);
    ivl_add(&s, 200, 300);                       /* adjacent on both sides: one run 100..400 */
    CU_ASSERT_EQUAL(s.n, 2);
    CU_ASSERT_EQUAL(s.v[2], 100);
    CU_ASSERT_EQUAL(s.v[3], 400);
    CU_ASSERT_EQUAL(ivl_find(&s, 399), 1);
    CU_ASSERT_EQUAL(ivl_find(&s, 400), -1);
    ivl_drop_below(&s, 150);                     /* drops 50..60, trims 100..400 to 150..400 */
    CU_ASSERT_EQUAL(s.n, 1);
    CU_ASSERT_EQUAL(s.v[0], 150);
    CU_ASSERT_EQUAL(ivl_bytes(&s), 250);
    ivl_add(&s, 10, 20);
    ivl_add(&s, 500, 600);
    ivl_add(&s, 15, 550);                        /* swallows everything */
    CU_ASSERT_EQUAL(s.n, 1);
    CU_ASSERT_EQUAL(ivl_bytes(&s), 590);
    ivl_free(&s);
}

static void test_sack_recovers_a_burst_faster_than_newreno(void)
{
    /* Slow-start overshoot into a 20-packet downlink queue loses a burst of segments in one
     * window.  NewReno repairs one hole per round trip (RFC 6582; Linux tcp_newreno_mark_lost);
     * SACK repairs them within about one (Linux: RACK, RFC 8985), so the losses cost less time.
     * Drops are counted over the whole run (no warm-up): with SACK every retransmission repairs
     * a segment the queue really dropped and no timeout is needed.  Linux's NewReno holds its
     * recovery until an ACK passes high_seq (tcp_is_non_sack_preventing_reopen), so a loss just
     * above it waits for the RTO, whose go-back-N resends some segments twice. */
    const char *nr[] = { "down_kbps=10000", "up_kbps=1000", "modem_queue_pkts=20", "rcvbuf=4Mi", "sndbuf=4Mi",
                         "core_delay_ms=40", "sack=0", "duration_s=10", "warmup_s=0", NULL };
    const char *sk[] = { "down_kbps=10000", "up_kbps=1000", "modem_queue_pkts=20", "rcvbuf=4Mi", "sndbuf=4Mi",
                         "core_delay_ms=40", "sack=1", "duration_s=10", "warmup_s=0", NULL };
    double g_nr = metric(nr, "down_goodput_kbps"), g_sk = metric(sk, "down_goodput_kbps");
    double r_nr = metric(nr, "retransmits"), r_sk = metric(sk, "retransmits");
    fprintf(stderr, "\n    burst loss: NewReno %.0f kbit/s, SACK %.0f kbit/s, %g / %g retransmissions\n", g_nr, g_sk, r_nr, r_sk);
    CU_ASSERT(r_nr >= 10);                       /* there really was a multi-loss window */
    CU_ASSERT_EQUAL(r_sk, metric(sk, "drops_down"));     /* and with SACK none needlessly */
    CU_ASSERT(g_sk > 1.05 * g_nr);
    CU_ASSERT_EQUAL(metric(sk, "rto_expiries"), 0);
}

static void test_cubic_fills_a_long_fat_pipe_better_than_reno(void)
{
    /* 20 Mbit/s, ~110 ms RTT (BDP ~188 segments) with a 20-packet queue: after each loss Reno
     * regains one segment per RTT, CUBIC (RFC 9438) returns to W_max within K = cbrt(W_max * 0.3 /
     * 0.4) seconds and backs off only to 0.7 cwnd, so it keeps the pipe fuller at the price of
     * more frequent congestion events. */
    const char *reno[] = { "cc=newreno", "down_kbps=20000", "up_kbps=2000", "modem_queue_pkts=20", "core_delay_ms=50",
                           "rcvbuf=8Mi", "sndbuf=8Mi", "duration_s=120", "warmup_s=10", NULL };
    const char *cubic[] = { "cc=cubic", "down_kbps=20000", "up_kbps=2000", "modem_queue_pkts=20", "core_delay_ms=50",
                            "rcvbuf=8Mi", "sndbuf=8Mi", "duration_s=120", "warmup_s=10", NULL };
    double g_reno = metric(reno, "down_goodput_kbps"), g_cubic = metric(cubic, "down_goodput_kbps");
    double e_reno = metric(reno, "fast_retransmits"), e_cubic = metric(cubic, "fast_retransmits");
    fprintf(stderr, "\n    long fat pipe: Reno %.0f kbit/s (%g recoveries), CUBIC %.0f kbit/s (%g)\n", g_reno, e_reno, g_cubic, e_cubic);
    CU_ASSERT(g_cubic > 1.10 * g_reno);
    CU_ASSERT(g_cubic <= 20000.0 * 1460 / 1502);
    CU_ASSERT(e_cubic > e_reno);
}

void register_test_tcp(void)
{
    TEST_SUITE("tcp",
               TEST(test_idle_line_reaches_payload_capacity),
               TEST(test_slow_line_survives_spurious_timeouts),
               TEST(test_ack_path_cap_without_ack_loss),
               TEST(test_ack_counts_in_the_window),
               TEST(test_ack_path_cap_is_soft_with_short_queue),
               TEST(test_atm_goodput_matches_cell_tax),
               TEST(test_saturated_upload_costs_download_as_on_linux),
               TEST(test_conservation_with_drops),
               TEST(test_interval_set),
               TEST(test_sack_recovers_a_burst_faster_than_newreno),
               TEST(test_cubic_fills_a_long_fat_pipe_better_than_reno),
               TEST(test_same_seed_same_numbers));
}
