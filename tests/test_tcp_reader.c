/* The receiving application as the kernel engine's agent behaves: one event loop reads all of a
 * host's sockets, and data that reaches it while it sleeps is read a wake-up latency later. */
#include "testutil.h"
#include "traffic.h"
#include "framing.h"
#include "link.h"
#include "rng.h"
#include "reader_loop.h"

#define N_FLOWS 2
struct readers_run {
    struct net         net;
    struct link        fwd[N_FLOWS], rev[N_FLOWS];
    struct bulk_flow   flow[N_FLOWS];
    struct bulk_reader reader;
};

/* A line of one 1500-byte frame per ms each way (PPP), 20 ms one way: fwd carries the data,
 * rev the ACKs. */
static void ms_line_init(struct net *net, struct link *fwd, struct link *rev, struct path *pf, struct path *pr)
{
    struct framing ppp = { FRAMING_PPP, 0 };
    uint64_t bps = (uint64_t)framing_wire_bytes(&ppp, 1500) * 8 * 1000;
    link_init(fwd, net, bps, SIM_MS(20), ppp, 0, 0);
    link_init(rev, net, bps, SIM_MS(20), ppp, 0, 0);
    *pf = (struct path){ { fwd }, 1, NULL, NULL };
    *pr = (struct path){ { rev }, 1, NULL, NULL };
}

static void ms_line_free(struct link *fwd, struct link *rev)
{
    link_flush(fwd); link_flush(rev);
    link_free(fwd); link_free(rev);
}

/* n bulk downloads, each on its own 1-ms-per-frame line (20 ms one way, ACKs back on an equal
 * line), started 0.25 ms apart, their receivers read by one loop that reads `wake` after data
 * woke it (0: each flow reads every arrival at once); runs 5 s.  Not 0.5 ms: with a read 2.5 ms
 * after the wake-up, the second flow's segments would arrive at the very instant of a read, and
 * the order of two events at one instant would decide the test. */
static void readers_run(struct readers_run *r, size_t n, sim_time_t wake)
{
    memset(r, 0, sizeof *r);
    net_init(&r->net, 1);
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.ack_at_read = 1;
    bulk_reader_init(&r->reader, &r->net, wake);
    for (size_t i = 0; i < n; i++) {
        struct path fwd, rev;
        ms_line_init(&r->net, &r->fwd[i], &r->rev[i], &fwd, &rev);
        bulk_flow_init(&r->flow[i], &r->net, &cfg, &fwd, &rev, 0);
        if (wake > 0) bulk_flow_set_reader(&r->flow[i], &r->reader);
        bulk_flow_start(&r->flow[i], SIM_US(250) * (sim_time_t)i, SIM_SEC(2));
    }
    sim_run_until(&r->net.sim, SIM_SEC(5));
}

static void readers_free(struct readers_run *r, size_t n)
{
    for (size_t i = 0; i < n; i++) bulk_flow_free(&r->flow[i]);
    bulk_reader_free(&r->reader);
    for (size_t i = 0; i < n; i++) ms_line_free(&r->fwd[i], &r->rev[i]);
    net_free(&r->net);
}

/* Segments flow i's receiver took in, and the ACKs it sent, over the run. */
static double acks_per_segment(const struct readers_run *r, size_t i)
{
    const struct tcp_ep *rx = &r->flow[i].conn.ep[1];
    double segs = (double)rx->st.bytes_read / 1460;
    return (double)rx->st.pure_acks_out / segs;
}

static void test_one_loop_reads_all_sockets_after_its_wakeup(void)
{
    /* kernel/agent.c reads every socket from one epoll loop, each drained with 64-KB recv calls
     * until EAGAIN.  Linux's __tcp_ack_snd_check leaves the ACK of new data to the read while
     * unread bytes hold the window's right edge back, and the read sends it from
     * tcp_cleanup_rbuf when more than one MSS is unacknowledged: so the ACK covers every segment
     * that gathered while the loop woke up (measured on the kernel engine, 100/10 Mbit/s, 20
     * downloads: the client's agent awake 237-325 us per sleep, 0.35-0.38 ACKs per download
     * segment).  Lines of one frame per ms, the loop reading 2.5 ms after data woke it: a round
     * finds the segments of t0, t0 + 1 and t0 + 2 ms, the next one arrives at t0 + 3 ms and wakes
     * it again, so one ACK per 3 segments and one wake-up per 3 ms; a second socket's data
     * arriving in between is read in the same rounds, adding no wake-ups.  Read at once, every
     * second segment is ACKed (RFC 1122 4.2.3.2). */
    struct readers_run one, two, prompt;
    readers_run(&one, 1, SIM_US(2500));
    double one_ratio = acks_per_segment(&one, 0);
    double one_wakes = (double)one.reader.wakes;
    readers_run(&two, 2, SIM_US(2500));
    readers_run(&prompt, 2, 0);
    fprintf(stderr, "\n    ACKs per segment: one flow %.3f, two flows %.3f / %.3f, read at once %.3f / %.3f; "
            "wake-ups one flow %.0f, two %llu\n", one_ratio, acks_per_segment(&two, 0), acks_per_segment(&two, 1),
            acks_per_segment(&prompt, 0), acks_per_segment(&prompt, 1), one_wakes,
            (unsigned long long)two.reader.wakes);
    for (size_t i = 0; i < N_FLOWS; i++) {
        /* every byte written and sent got read: the loop loses no wake-up */
        CU_ASSERT(two.flow[i].conn.ep[1].st.bytes_read + 262144 >= two.flow[i].conn.ep[0].snd_una);
        CU_ASSERT(two.flow[i].conn.ep[1].st.bytes_read > 4000000);
        ASSERT_ABS(acks_per_segment(&two, i), 1.0 / 3, 0.02);
        ASSERT_ABS(acks_per_segment(&prompt, i), 1.0 / 2, 0.02);
    }
    ASSERT_ABS(one_ratio, 1.0 / 3, 0.02);
    /* 5 s of a full line: a wake-up per 3 ms (the first second is slow start) */
    CU_ASSERT(one_wakes > 4000.0 / 3 && one_wakes < 5000.0 / 3 + 20);
    ASSERT_REL((double)two.reader.wakes, one_wakes, 0.05);
    readers_free(&one, 1);
    readers_free(&two, 2);
    readers_free(&prompt, 2);
}

/* One bulk sender on a 1-ms-per-frame line whose writer is a loop waking `wake` after an event,
 * with the send buffer as asym_link's (Linux's wake-up rule); limit_Bps > 0: paced, in writes of
 * write_bytes.  Started at 0. */
struct written_flow {
    struct net         net;
    struct link        fwd, rev;
    struct bulk_reader loop;
    struct bulk_flow   f;
};

static void written_flow_start(struct written_flow *w, uint32_t sndbuf, double limit_Bps, uint32_t write_bytes,
                               sim_time_t wake)
{
    memset(w, 0, sizeof *w);
    net_init(&w->net, 1);
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.linux_wmem = 1;
    if (sndbuf) cfg.sndbuf = sndbuf;
    struct path fwd, rev;
    ms_line_init(&w->net, &w->fwd, &w->rev, &fwd, &rev);
    bulk_reader_init(&w->loop, &w->net, wake);
    bulk_flow_init(&w->f, &w->net, &cfg, &fwd, &rev, limit_Bps);
    if (write_bytes) bulk_flow_set_write_size(&w->f, write_bytes);
    bulk_flow_set_writer(&w->f, &w->loop);
    bulk_flow_start(&w->f, 0, SIM_SEC(1));
}

static void written_flow_free(struct written_flow *w)
{
    bulk_flow_free(&w->f);
    bulk_reader_free(&w->loop);
    ms_line_free(&w->fwd, &w->rev);
    net_free(&w->net);
}

static void test_the_loop_also_writes_after_its_wakeup(void)
{
    /* kernel/agent.c fills a bulk sender's socket from the same epoll loop that reads, on
     * EPOLLOUT: the writer that found the send buffer full is woken when Linux's
     * sk_stream_write_space says so, and writes when the loop has woken up.  A sender whose loop
     * wakes 2.5 ms after the event: from the instant it is listed, nothing is written for 2.5
     * ms, then the buffer is refilled in the loop's round.  Stepped in 10-us slices, so the
     * listing instant is known to 10 us. */
    struct written_flow w;
    written_flow_start(&w, 0, 0, 0, SIM_US(2500));
    struct net *net = &w.net;
    const struct bulk_flow *f = &w.f;
    const struct tcp_ep *tx = &f->conn.ep[0];
    sim_time_t t = 0, listed = -1;
    while (t < SIM_SEC(3) && listed < 0) {
        t += SIM_US(10);
        sim_run_until(&net->sim, t);
        if (f->write_pending) listed = t;
    }
    CU_ASSERT_FATAL(listed > 0);
    uint64_t seq = tx->write_seq;
    sim_run_until(&net->sim, listed + SIM_US(2500) - SIM_US(20));
    CU_ASSERT_EQUAL(tx->write_seq, seq);                 /* nothing written while it wakes */
    CU_ASSERT_EQUAL(f->write_pending, 1);
    sim_run_until(&net->sim, listed + SIM_US(2500));
    CU_ASSERT(tx->write_seq > seq);                      /* the round refilled the buffer */
    CU_ASSERT_EQUAL(f->write_pending, 0);
    CU_ASSERT(w.loop.wakes >= 1);
    sim_run_until(&net->sim, SIM_SEC(5));
    CU_ASSERT(f->conn.ep[1].st.bytes_read > 4 * 1460 * 1000 * 9 / 10);  /* the line kept full */
    written_flow_free(&w);
}

static void test_paced_writes_only_on_their_ticks(void)
{
    /* kernel/agent.c watches EPOLLOUT for bulk senders only: a paced upload writes up_write_bytes
     * every up_write_bytes / rate, and what its send buffer could not take is owed to the next
     * tick, not written when space opens.  A 64-KB write every 100 ms into a 16-KB send buffer
     * on a line that empties it in about 11 ms: every write happens on a tick (stepped in 10-us
     * slices); the old code also wrote whenever an ACK made room. */
    struct written_flow w;
    written_flow_start(&w, 16384, 655360.0, 65536, SIM_US(300));          /* 64 KB per 100 ms */
    const struct tcp_ep *tx = &w.f.conn.ep[0];
    const sim_time_t step = SIM_US(10), every = SIM_MS(100);
    sim_time_t t = 0, first = -1;
    uint64_t seq = tx->write_seq;
    int writes = 0, off_tick = 0;
    while (t < SIM_SEC(2)) {
        t += step;
        sim_run_until(&w.net.sim, t);
        if (tx->write_seq == seq) continue;
        seq = tx->write_seq;
        writes++;
        if (first < 0) { first = t; continue; }
        sim_time_t since = (t - first) % every;                      /* within one step of a tick */
        if (since >= step && since <= every - step) off_tick++;
    }
    CU_ASSERT(writes >= 19);
    CU_ASSERT_EQUAL(off_tick, 0);
    written_flow_free(&w);
}

/* Two bulk downloads on equal 1-ms-per-frame lines, the second started `offset` after the first,
 * read by one loop timed as the measured one with fixed times: woken 10 us after data reaches it
 * asleep, then one socket per 5-us busy time.  Returns when the first data of flow 0 is readable
 * (to 1 us: `t0`, the arrival within the microsecond before). */
static const struct quantile_point wake_10us[] = { { 0, 10 }, { 1, 10 } }, busy_5us[] = { { 0, 5 }, { 1, 5 } };
static const struct reader_loop_host loop_10_5 = { wake_10us, busy_5us, 2, 2 };

static sim_time_t loop_pair_start(struct readers_run *r, sim_time_t offset)
{
    memset(r, 0, sizeof *r);
    net_init(&r->net, 1);
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.ack_at_read = 1;
    bulk_reader_init(&r->reader, &r->net, 0);
    bulk_reader_set_loop(&r->reader, &loop_10_5, rng_stream(1, "test.reader_loop", 0));
    for (size_t i = 0; i < N_FLOWS; i++) {
        struct path fwd, rev;
        ms_line_init(&r->net, &r->fwd[i], &r->rev[i], &fwd, &rev);
        bulk_flow_init(&r->flow[i], &r->net, &cfg, &fwd, &rev, 0);
        bulk_flow_set_reader(&r->flow[i], &r->reader);
        bulk_flow_start(&r->flow[i], offset * (sim_time_t)i, SIM_SEC(1));
    }
    sim_time_t t = 0;
    while (t < SIM_SEC(1) && tcp_readable(&r->flow[0].conn.ep[1]) == 0) {
        t += SIM_US(1);
        sim_run_until(&r->net.sim, t);
    }
    CU_ASSERT_FATAL(t < SIM_SEC(1));
    return t;
}

static uint64_t bytes_read(const struct readers_run *r, size_t i) { return r->flow[i].conn.ep[1].st.bytes_read; }

static void test_measured_loop_serves_one_socket_per_busy_time(void)
{
    /* kernel/agent.c's loop as traced (contract/reader_loop.h): woken by a socket's data, it reads
     * that socket, and one that became ready meanwhile when its busy time ends (epoll_wait finds it
     * at once); a loop that found nothing then sleeps, and the next data waits a whole wake-up.
     * Flow 0's first segment arrives at a (t0 - 1 us < a <= t0) and is read at a + 10 us.
     * Flow 1's, 12 us later, arrives inside the busy time that ends at a + 15 us: read then.
     * 30 us later, it arrives after the loop fell asleep at a + 15: read at a + 40 us. */
    struct readers_run r;
    sim_time_t t0 = loop_pair_start(&r, SIM_US(12));
    sim_run_until(&r.net.sim, t0 + SIM_US(8));
    CU_ASSERT_EQUAL(bytes_read(&r, 0), 0);                 /* waking */
    sim_run_until(&r.net.sim, t0 + SIM_US(10));
    CU_ASSERT(bytes_read(&r, 0) > 0);
    CU_ASSERT_EQUAL(r.reader.wakes, 1);
    sim_run_until(&r.net.sim, t0 + SIM_US(13));
    CU_ASSERT(tcp_readable(&r.flow[1].conn.ep[1]) > 0);     /* ready, the loop still busy */
    CU_ASSERT_EQUAL(bytes_read(&r, 1), 0);
    sim_run_until(&r.net.sim, t0 + SIM_US(15));
    CU_ASSERT(bytes_read(&r, 1) > 0);                        /* served when the busy time ended */
    CU_ASSERT_EQUAL(r.reader.wakes, 1);                      /* in the same wake-up */
    readers_free(&r, N_FLOWS);

    t0 = loop_pair_start(&r, SIM_US(30));
    sim_run_until(&r.net.sim, t0 + SIM_US(38));
    CU_ASSERT(bytes_read(&r, 0) > 0);
    CU_ASSERT_EQUAL(bytes_read(&r, 1), 0);                   /* asleep since a + 15: waking */
    sim_run_until(&r.net.sim, t0 + SIM_US(40));
    CU_ASSERT(bytes_read(&r, 1) > 0);
    CU_ASSERT_EQUAL(r.reader.wakes, 2);
    readers_free(&r, N_FLOWS);
}

void register_test_tcp_reader(void)
{
    TEST_SUITE("tcp_reader",
               TEST(test_one_loop_reads_all_sockets_after_its_wakeup),
               TEST(test_the_loop_also_writes_after_its_wakeup),
               TEST(test_paced_writes_only_on_their_ticks),
               TEST(test_measured_loop_serves_one_socket_per_busy_time));
}
