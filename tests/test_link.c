/* Link and framing validation against analytic results: exact serialization + propagation delay,
 * ATM cell tax, M/D/1 mean wait (Pollaczek-Khinchine), per-class byte accounting, the FIFO limit
 * of a tbf-shaped veth line. */
#include "testutil.h"
#include "framing.h"
#include "link.h"
#include "net.h"
#include "rng.h"
#include "tbf_bucket.h"
#include "topology.h"
#include "traffic.h"

static sim_time_t g_arrival;
static void record_sink(struct net *n, void *ctx, struct packet *p) { (void)ctx; g_arrival = n->sim.now; pkt_free(&n->pool, p); }

/* Send one packet of ip_len bytes at t=0 over an idle link; return its arrival time. */
static sim_time_t one_packet(uint64_t rate_bps, sim_time_t prop, enum framing_kind fk, uint32_t ip_len)
{
    struct net n; net_init(&n, 1);
    struct link l; link_init(&l, &n, rate_bps, prop, (struct framing){ fk, 0 }, 0, 0);
    struct path p = { { &l }, 1, record_sink, NULL };
    struct packet *pk = pkt_alloc(&n.pool);
    pk->hdr_bytes = 40; pk->payload = ip_len - 40;
    g_arrival = -1;
    net_send(&n, &p, pk);
    sim_run_until(&n.sim, SIM_SEC(100));
    link_free(&l);
    net_free(&n);
    return g_arrival;
}

static void test_serialization_exact(void)
{
    /* PPP: 1498 + 2 = 1500 B = 12000 bit at 1 Mbit/s = 12 ms; + 5 ms propagation. */
    CU_ASSERT_EQUAL(one_packet(1000000, SIM_MS(5), FRAMING_PPP, 1498), 17000000);
    /* 40-byte ACK + PPP = 42 B = 336 bit at 128 kbit/s = 2.625 ms exactly. */
    CU_ASSERT_EQUAL(one_packet(128000, 0, FRAMING_PPP, 40), 2625000);
    /* Non-integral: 41 B raw at 7 bit/s = 328/7 s = 46857142857.14 ns, rounded up. */
    CU_ASSERT_EQUAL(one_packet(7, 0, FRAMING_NONE, 41), 46857142858LL);
}

static void test_atm_cell_tax(void)
{
    struct framing pppoe = { FRAMING_PPPOE_ATM, 0 }, pppoa = { FRAMING_PPPOA_ATM, 0 };
    struct framing eth = { FRAMING_ETHERNET, 0 }, eth_full = { FRAMING_ETHERNET, 1 }, ppp = { FRAMING_PPP, 0 };
    /* network-facts.md §6: full packet 32 cells = 1696 B; 40/52-byte ACK 2 cells = 106 B. */
    CU_ASSERT_EQUAL(framing_wire_bytes(&pppoe, 1492), 1696);   /* (1492 + 40) / 48 = 31.9 -> 32 cells */
    CU_ASSERT_EQUAL(framing_wire_bytes(&pppoe, 40), 106);
    CU_ASSERT_EQUAL(framing_wire_bytes(&pppoe, 52), 106);
    CU_ASSERT_EQUAL(framing_wire_bytes(&pppoe, 1496), 1696);   /* 1536 = exactly 32 cells */
    CU_ASSERT_EQUAL(framing_wire_bytes(&pppoe, 1497), 1749);   /* one byte more spills into cell 33 */
    CU_ASSERT_EQUAL(framing_wire_bytes(&pppoa, 1500), 1696);   /* (1500 + 10) / 48 = 31.5 -> 32 */
    CU_ASSERT_EQUAL(framing_wire_bytes(&pppoa, 40), 106);
    /* G.711 VoIP 200-byte IP packet on PPPoE LLC: 240 / 48 = 5 cells = 265 B (83 % of 128 kbit/s at 50 pps). */
    CU_ASSERT_EQUAL(framing_wire_bytes(&pppoe, 200), 265);
    CU_ASSERT_EQUAL(framing_mtu(&pppoe), 1492);
    /* Ethernet: 1500 + 18 = 1518, + 20 = 1538 with preamble and IFG; an ACK pads to 64 (84). */
    CU_ASSERT_EQUAL(framing_wire_bytes(&eth, 1500), 1518);
    CU_ASSERT_EQUAL(framing_wire_bytes(&eth_full, 1500), 1538);
    CU_ASSERT_EQUAL(framing_wire_bytes(&eth, 40), 64);
    CU_ASSERT_EQUAL(framing_wire_bytes(&eth_full, 40), 84);
    CU_ASSERT_EQUAL(framing_wire_bytes(&ppp, 1500), 1502);
    CU_ASSERT_EQUAL(framing_parse("pppoe_atm"), FRAMING_PPPOE_ATM);
    CU_ASSERT_EQUAL(framing_parse("adsl"), -1);
}

static void test_classify_sums_to_wire(void)
{
    struct packet d = { 0 }, a = { 0 }, x = { 0 };
    d.hdr_bytes = 40; d.payload = 1000; d.ctrl = 100;
    a.hdr_bytes = 40;
    x.hdr_bytes = 28; x.payload = 200; x.cross = 1;
    uint64_t out[BC__N] = { 0 };
    link_classify(&d, 1106, out);
    link_classify(&a, 106, out);
    link_classify(&x, 265, out);
    CU_ASSERT_EQUAL(out[BC_DATA], 900);
    CU_ASSERT_EQUAL(out[BC_CONTROL], 100);
    CU_ASSERT_EQUAL(out[BC_HEADER], 106);       /* 40 header + 66 framing of the data packet */
    CU_ASSERT_EQUAL(out[BC_ACK], 106);
    CU_ASSERT_EQUAL(out[BC_CROSS], 265);
}

/* Poisson arrivals of fixed-size packets: the link's mean wait must match Pollaczek-Khinchine for
 * M/D/1, Wq = rho * S / (2 (1 - rho)), within 3 %. */
static double md1_wait(double rho, double *expect)
{
    struct net n; net_init(&n, 42);
    const uint64_t rate = 8000000;              /* 1000-byte packets: S = 1 ms */
    struct link l; link_init(&l, &n, rate, 0, (struct framing){ FRAMING_NONE, 0 }, 0, 0);
    link_track_qdelay(&l);
    struct path p = { { &l }, 1, NULL, NULL };
    gsl_rng *r = rng_stream(42, "md1", (uint64_t)(rho * 100));
    struct udp_flow f;
    sim_time_t S = SIM_MS(1);
    udp_flow_init(&f, &n, &p, UDP_POISSON, 1000 - IPV4_HDR - UDP_HDR, (sim_time_t)((double)S / rho), r);
    sim_time_t dur = SIM_SEC(2000);             /* ~1e6 packets at rho 0.5, 1.6e6 at 0.8 */
    udp_flow_start(&f, 0, dur, 0);
    sim_run_until(&n.sim, dur + SIM_SEC(1));
    *expect = rho * (double)S / (2 * (1 - rho));
    double got = hist_mean(l.st.qdelay);
    CU_ASSERT(f.received_measured == f.sent);   /* unlimited queue: nothing lost */
    udp_flow_free(&f);
    link_free(&l);
    rng_free(r);
    net_free(&n);
    return got;
}

static void test_md1_pollaczek_khinchine(void)
{
    double want, got;
    got = md1_wait(0.5, &want);
    ASSERT_REL(got, want, 0.03);                /* 0.5 ms */
    got = md1_wait(0.8, &want);
    ASSERT_REL(got, want, 0.03);                /* 2.0 ms */
}

static void test_hist_quantiles(void)
{
    struct hist h;
    hist_init(&h);
    for (int i = 1; i <= 100000; i++) hist_add(&h, i * 1000);   /* uniform 1 us .. 100 ms */
    ASSERT_REL(hist_mean(&h), 50000500.0, 1e-9);
    ASSERT_REL(hist_quantile(&h, 0.95), 95000000.0, 0.011);
    ASSERT_REL(hist_quantile(&h, 0.5), 50000000.0, 0.011);
    CU_ASSERT_EQUAL(hist_quantile(&h, 0.0) <= 1100.0, 1);
    /* 1 us .. 100 ms spans octaves 4..21 (2^9 .. 2^27 ns): 18 blocks of 512 B, not 48 */
    CU_ASSERT_EQUAL(hist_bytes(&h), 18u * HIST_SUB * sizeof(uint64_t));
    hist_free(&h);
    CU_ASSERT_EQUAL(hist_bytes(&h), 0u);
}

/* Web on/off over TCP: every byte of every finished object is read by the receiver, and all of
 * its packets (data and ACKs) are counted as cross-traffic on the links. */
static void test_web_bursts_are_cross_traffic(void)
{
    struct net n; net_init(&n, 3);
    struct framing ppp = { FRAMING_PPP, 0 };
    struct link up, down;
    link_init(&up, &n, 1000000, SIM_MS(10), ppp, 100, 0);
    link_init(&down, &n, 1000000, SIM_MS(10), ppp, 100, 0);
    struct path fwd = { { &up }, 1, NULL, NULL }, rev = { { &down }, 1, NULL, NULL };
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    gsl_rng *r = rng_stream(3, "web", 0);
    struct web_flow w;
    /* Pareto shape 1.5, scale 4000 B: mean object 12 kB; mean off time 1 s. */
    web_flow_init(&w, &n, &cfg, &fwd, &rev, 1.5, 4000, SIM_SEC(1), r);
    web_flow_start(&w, 0);
    sim_run_until(&n.sim, SIM_SEC(300));
    CU_ASSERT(w.objects > 100);
    uint64_t read = w.conn.ep[1].st.bytes_read;
    /* Objects are written back to back (object_end == bytes_offered), and every acknowledged
     * byte has been read: all objects but the one in progress are complete at the receiver. */
    CU_ASSERT_EQUAL(w.object_end, w.bytes_offered);
    CU_ASSERT(read <= w.bytes_offered);
    CU_ASSERT(read >= w.conn.ep[0].snd_una);
    CU_ASSERT(up.st.wire_total > read);
    CU_ASSERT_EQUAL(up.st.wire_bytes[BC_CROSS], up.st.wire_total);
    CU_ASSERT_EQUAL(down.st.wire_bytes[BC_CROSS], down.st.wire_total);
    CU_ASSERT(down.st.wire_total > 0);
    web_flow_free(&w);
    link_flush(&up); link_flush(&down);
    link_free(&up); link_free(&down);
    CU_ASSERT_EQUAL(n.pool.live, 0);
    rng_free(r);
    net_free(&n);
}

/* Per-second records of a saturated 128 kbit/s line: no second above the line rate (frames take
 * 94 ms, so counting a frame in the second it ends would overshoot by up to one frame), and the
 * seconds add up to every byte sent. */
static void test_per_second_bytes_never_exceed_the_line(void)
{
    struct net n; net_init(&n, 5);
    struct link l; link_init(&l, &n, 128000, 0, (struct framing){ FRAMING_PPP, 0 }, 50, 0);
    l.probe = 1;
    struct path p = { { &l }, 1, NULL, NULL };
    struct udp_flow f;
    udp_flow_init(&f, &n, &p, UDP_CBR, 1472, SIM_MS(60), NULL);   /* 200 kbit/s offered: drops */
    udp_flow_start(&f, SIM_MS(3), SIM_SEC(20), 0);
    sim_run_until(&n.sim, SIM_SEC(21));
    double total = 0, max_sec = 0;
    for (size_t i = 0; i < l.n_sec; i++) {
        double b = 0;
        for (int c = 0; c < BC__N; c++) b += l.sec[i].wire_bytes[c];
        if (b > max_sec) max_sec = b;
        total += b;
    }
    if (max_sec > 16000.0 * (1 + 1e-9) || max_sec < 15999.0) fprintf(stderr, "\n    busiest second %.3f B\n", max_sec);
    CU_ASSERT(max_sec <= 16000.0 * (1 + 1e-9));
    CU_ASSERT(max_sec >= 15999.0);                  /* saturated seconds are full */
    ASSERT_REL(total, (double)l.st.wire_total, 1e-9);
    CU_ASSERT(l.st.drops > 0);
    udp_flow_free(&f);
    link_flush(&l);
    link_free(&l);
    net_free(&n);
}

/* A burst of 5 packets into a busy line with a 3-packet FIFO.  The kernel engine's veth line is
 * tbf with a pfifo inside: tbf_dequeue only peeks at the pfifo's head until the bucket holds its
 * bytes, and pfifo_enqueue admits while qlen < limit with that head counted, so tbf+pfifo holds
 * 3 packets in all (2 dropped).  A modem's FIFO waits behind its serializer: 1 + 3 (1 dropped). */
static int g_delivered;
static void count_sink(struct net *n, void *ctx, struct packet *p) { (void)ctx; g_delivered++; pkt_free(&n->pool, p); }
static uint64_t burst_drops(enum framing_kind fk)
{
    struct net n; net_init(&n, 1);
    struct link l; link_init(&l, &n, 1000000, 0, (struct framing){ fk, 0 }, 3, 0);
    struct path p = { { &l }, 1, count_sink, NULL };
    g_delivered = 0;
    for (int i = 0; i < 5; i++) {
        struct packet *pk = pkt_alloc(&n.pool);
        pk->hdr_bytes = 40; pk->payload = 1460;
        net_send(&n, &p, pk);
    }
    sim_run_until(&n.sim, SIM_SEC(1));
    uint64_t drops = l.st.drops;
    CU_ASSERT_EQUAL((uint64_t)g_delivered + drops, 5);       /* conservation */
    link_free(&l);
    net_free(&n);
    return drops;
}

static void test_veth_fifo_counts_the_packet_in_service(void)
{
    CU_ASSERT_EQUAL(burst_drops(FRAMING_VETH), 2);
    CU_ASSERT_EQUAL(burst_drops(FRAMING_PPP), 1);
    CU_ASSERT_EQUAL(burst_drops(FRAMING_ETHERNET), 1);
}

static sim_time_t g_arrivals[1000];
static size_t g_n_arrived;
static void arrivals_sink(struct net *n, void *ctx, struct packet *p)
{
    (void)ctx;
    if (g_n_arrived < 1000) g_arrivals[g_n_arrived++] = n->sim.now;
    pkt_free(&n->pool, p);
}

/* `count` 1500-byte IP packets (1514-byte veth frames) handed at t = 0 to an idle veth line of
 * `rate_bps` (FIFO limit qlim, 0: none), with the kernel testbed's tbf bucket or (bucket = 0) a
 * strict serializer. */
static void frames_at_once(uint64_t rate_bps, size_t count, int bucket, uint32_t qlim)
{
    struct net n; net_init(&n, 1);
    struct link l; link_init(&l, &n, rate_bps, 0, (struct framing){ FRAMING_VETH, 0 }, qlim, 0);
    if (bucket) link_set_bucket(&l, (uint32_t)tbf_bucket_bytes((double)rate_bps));
    struct path p = { { &l }, 1, arrivals_sink, NULL };
    g_n_arrived = 0;
    for (size_t i = 0; i < count; i++) {
        struct packet *pk = pkt_alloc(&n.pool);
        pk->hdr_bytes = 40; pk->payload = 1460;
        net_send(&n, &p, pk);
    }
    sim_run_until(&n.sim, SIM_SEC(100));
    link_free(&l);
    net_free(&n);
}

/* Linux tbf_dequeue (net/sched/sch_tbf.c): the head packet leaves when the tokens (line time,
 * at most the bucket) cover its length, at once if they do; the kernel testbed's bucket is one
 * frame or 2 ms of the rate, whichever is more (contract/tbf_bucket.h, kernel/testbed.c). */
static void test_tbf_bucket_releases_bursts(void)
{
    CU_ASSERT_DOUBLE_EQUAL(tbf_bucket_bytes(256000), 1600, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(tbf_bucket_bytes(8000000), 2000, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(tbf_bucket_bytes(100000000), 25000, 1e-9);
    /* 100 Mbit/s: a frame costs 121120 ns, the full bucket 2 ms: 16 frames (24224 B) leave at
     * once, the 17th when 121120 - (2000000 - 16 * 121120) = 59040 ns of tokens have come. */
    frames_at_once(100000000, 1000, 1, 0);
    CU_ASSERT_EQUAL(g_n_arrived, 1000);
    CU_ASSERT_EQUAL(g_arrivals[0], 0);
    CU_ASSERT_EQUAL(g_arrivals[15], 0);
    CU_ASSERT_EQUAL(g_arrivals[16], 59040);
    CU_ASSERT_EQUAL(g_arrivals[17], 59040 + 121120);
    /* The rate is the line's: the bucket saves its 2 ms once, so the 1000th frame leaves at
     * 1000 * 121120 - 2000000 ns. */
    CU_ASSERT_EQUAL(g_arrivals[999], 1000LL * 121120 - 2000000);
    /* A strict serializer (no bucket) releases the first frame after its line time. */
    frames_at_once(100000000, 17, 0, 0);
    CU_ASSERT_EQUAL(g_arrivals[0], 121120);
    CU_ASSERT_EQUAL(g_arrivals[16], 17 * 121120);
    /* 256 kbit/s: the one-frame bucket (50 ms) lets the first 1514-byte frame (47.3125 ms) go at
     * once; the second waits for the rest of its tokens, 47.3125 - 2.6875 ms. */
    frames_at_once(256000, 2, 1, 0);
    CU_ASSERT_EQUAL(g_arrivals[0], 0);
    CU_ASSERT_EQUAL(g_arrivals[1], 44625000);
}

/* The frame waiting for tokens is still in tbf's child FIFO (tbf_dequeue peeks at the child and
 * takes the packet only when the tokens cover it), so it counts against the FIFO's limit. */
static void test_tbf_head_waits_inside_the_fifo(void)
{
    struct net n; net_init(&n, 1);
    struct link l; link_init(&l, &n, 256000, 0, (struct framing){ FRAMING_VETH, 0 }, 2, 0);
    link_set_bucket(&l, (uint32_t)tbf_bucket_bytes(256000));
    struct path p = { { &l }, 1, arrivals_sink, NULL };
    g_n_arrived = 0;
    /* t = 0: frame 1 leaves at once (bucket 50 ms of line time, the frame 47.3125 ms); t = 10 ms:
     * frame 2 waits 34.625 ms for its tokens, in the FIFO; t = 11 ms: frame 3 is the FIFO's
     * second packet, frames 4 and 5 are dropped.  Were the waiting frame outside the FIFO, frame
     * 4 would fit. */
    sim_time_t at[5] = { 0, SIM_MS(10), SIM_MS(11), SIM_MS(11), SIM_MS(11) };
    for (int i = 0; i < 5; i++) {
        sim_run_until(&n.sim, at[i]);
        struct packet *pk = pkt_alloc(&n.pool);
        pk->hdr_bytes = 40; pk->payload = 1460;
        net_send(&n, &p, pk);
    }
    sim_run_until(&n.sim, SIM_SEC(10));
    CU_ASSERT_EQUAL(g_n_arrived, 3);
    CU_ASSERT_EQUAL(l.st.drops, 2);
    CU_ASSERT_EQUAL(g_arrivals[1], SIM_MS(10) + 34625000);
    link_free(&l);
    net_free(&n);
}

/* tbf's watchdog (net/sched/sch_tbf.c tbf_dequeue, qdisc_watchdog_schedule_ns): a frame waiting
 * for its tokens leaves when the watchdog's timer and softirq have run, here a constant lateness;
 * the tokens grow meanwhile (min(buffer, toks + elapsed) - len at the late dequeue), so the delay
 * does not add up, but past (bucket - frame) of lateness tokens are lost; and an enqueue runs the
 * qdisc (__dev_xmit_skb -> __qdisc_run), releasing a frame whose tokens are there at once. */
static sim_time_t g_wd_late_us;
static void watchdog_frames(int frames, sim_time_t extra_at)
{
    static struct quantile_point pt[2];
    pt[0] = (struct quantile_point){ 0, (double)g_wd_late_us };
    pt[1] = (struct quantile_point){ 1, (double)g_wd_late_us };
    static struct tbf_watchdog_table t = { pt, 2, 1e300 };
    struct net n; net_init(&n, 1);
    struct link l; link_init(&l, &n, 10000000, 0, (struct framing){ FRAMING_VETH, 0 }, 100, 0);
    link_set_bucket(&l, (uint32_t)tbf_bucket_bytes(10000000));       /* 2500 B: 2 ms of line time */
    link_set_watchdog(&l, &t, rng_stream(1, "test.watchdog", 0));
    struct path p = { { &l }, 1, arrivals_sink, NULL };
    g_n_arrived = 0;
    for (int i = 0; i < frames; i++) {
        struct packet *pk = pkt_alloc(&n.pool);
        pk->hdr_bytes = 40; pk->payload = 1460;                       /* 1514 B: 1211200 ns */
        net_send(&n, &p, pk);
    }
    if (extra_at >= 0) {
        sim_run_until(&n.sim, extra_at);
        struct packet *pk = pkt_alloc(&n.pool);
        pk->hdr_bytes = 40; pk->payload = 0;                          /* an ACK: 54 B, 43200 ns */
        net_send(&n, &p, pk);
    }
    sim_run_until(&n.sim, SIM_SEC(100));
    link_free(&l);
    net_free(&n);
}

static void test_tbf_watchdog_late_release(void)
{
    /* Frame 1 leaves at once (a full bucket); frame 2 has 2 - 1.2112 = 0.7888 ms of tokens and is
     * due at 0.4224 ms, leaves 100 us later with 0.1 ms of tokens left; frame 3 is due 1.1112 ms
     * after that and leaves at 1.6336 + 0.1 ms: each wait pays the lateness once. */
    g_wd_late_us = 100;
    watchdog_frames(3, -1);
    CU_ASSERT_EQUAL(g_n_arrived, 3);
    CU_ASSERT_EQUAL(g_arrivals[0], 0);
    CU_ASSERT_EQUAL(g_arrivals[1], 422400 + 100000);
    CU_ASSERT_EQUAL(g_arrivals[2], 1633600 + 100000);
    /* 1 ms late, more than the 0.7888 ms the bucket holds beside a frame: frame 2 leaves at 1.4224
     * ms with 0.7888 ms of tokens (0.2112 ms lost), so frame 3 is due at 1.8448 ms, not 1.6336. */
    g_wd_late_us = 1000;
    watchdog_frames(3, -1);
    CU_ASSERT_EQUAL(g_arrivals[1], 1422400);
    CU_ASSERT_EQUAL(g_arrivals[2], 1844800 + 1000000);
    /* An ACK enqueued at 0.5 ms, after frame 2's tokens are there (0.4224 ms) but before its
     * watchdog runs (1.4224 ms): the enqueue's qdisc run sends frame 2 at once, and the ACK, whose
     * 43.2 us the 77.6 us of grown tokens cover, with it. */
    watchdog_frames(2, 500000);
    CU_ASSERT_EQUAL(g_n_arrived, 3);
    CU_ASSERT_EQUAL(g_arrivals[1], 500000);
    CU_ASSERT_EQUAL(g_arrivals[2], 500000);
    /* The measured tables: their medians, and the line each is for (down + up kbit/s). */
    CU_ASSERT_EQUAL(tbf_watchdog_late_ns(tbf_watchdog_for(8256), 0.5), 44700);
    CU_ASSERT_EQUAL(tbf_watchdog_late_ns(tbf_watchdog_for(110000), 0.5), 30000);
    CU_ASSERT_EQUAL(tbf_watchdog_late_ns(tbf_watchdog_for(110000), 0.95), 82200);
}

/* The kernel testbed's remote end is one server namespace with one veth: what its flows send
 * leaves in the order sent.  Remotes of their own each serialize at the core rate in parallel,
 * so two flows' two-segment skbs sent at one instant reach the access line interleaved. */
static uint64_t g_order[8];
static size_t g_n_order;
static void order_sink(struct net *n, void *ctx, struct packet *p)
{
    (void)ctx;
    if (g_n_order < 8) g_order[g_n_order++] = p->app_tag;
    pkt_free(&n->pool, p);
}

static void two_flows_at_once(int one_host)
{
    struct net n; net_init(&n, 1);
    struct access_cfg client = { 100000000, 10000000, 0, { FRAMING_VETH, 0 }, 100 };
    struct topology t;
    topo_init(&t, &n, &client, 2, 1000000000, 0);
    if (one_host) topo_one_remote_host(&t);
    struct path a, b;
    topo_path_down(&t, 0, &a);
    topo_path_down(&t, 1, &b);
    a.sink = b.sink = order_sink;
    g_n_order = 0;
    const uint64_t tags[4] = { 1, 2, 3, 4 };                    /* A1 A2 from remote 0, B1 B2 from 1 */
    for (int i = 0; i < 4; i++) {
        struct packet *pk = pkt_alloc(&n.pool);
        pk->hdr_bytes = 40; pk->payload = 1460; pk->app_tag = tags[i];
        net_send(&n, i < 2 ? &a : &b, pk);
    }
    sim_run_until(&n.sim, SIM_SEC(1));
    CU_ASSERT_EQUAL(g_n_order, 4);
    topo_free(&t);
    net_free(&n);
}

/* The receiving host's backlog (the kernel testbed's veth -> netif_rx -> process_backlog), a FIFO
 * worked as the delay line is: a packet that finds the one ahead of it handed over already waits
 * its own time; one that finds it still waiting is handed over a service gap after it.  And
 * link_host_backlog_until says when everything waiting now will have been handed over. */
static void host_backlog_frames(double own_us, double service_us, size_t frames, uint32_t payload,
                                sim_time_t probe_at, sim_time_t *until_at_probe, uint64_t *in_flight_at_probe)
{
    const struct quantile_point own[] = { { 0, own_us }, { 1, own_us } }, service[] = { { 0, service_us }, { 1, service_us } };
    const struct host_backlog_table t = { { own, own }, { service, service }, { 2, 2 }, { 2, 2 } };
    struct net n; net_init(&n, 1);
    struct link l; link_init(&l, &n, 10000000, 0, (struct framing){ FRAMING_VETH, 0 }, 0, 0);
    link_set_host_backlog(&l, NULL, &t, rng_stream(1, "test.host_backlog", 0));
    struct path p = { { &l }, 1, arrivals_sink, NULL };
    g_n_arrived = 0;
    for (size_t i = 0; i < frames; i++) {
        struct packet *pk = pkt_alloc(&n.pool);
        pk->hdr_bytes = 40; pk->payload = payload;
        net_send(&n, &p, pk);
    }
    if (probe_at > 0) {
        sim_run_until(&n.sim, probe_at);
        *until_at_probe = link_host_backlog_until(&l, n.sim.now);
        uint64_t bytes = 0;
        *in_flight_at_probe = 0;
        link_in_flight(&l, in_flight_at_probe, &bytes);
    }
    sim_run_until(&n.sim, SIM_SEC(10));
    CU_ASSERT_EQUAL(link_host_backlog_until(&l, n.sim.now), n.sim.now);   /* empty again */
    link_free(&l);
    net_free(&n);
}

static void test_host_backlog_hands_over_in_order(void)
{
    /* Own 100 us: 1514-byte frames serialized at 10 Mbit/s arrive at 1.2112, 2.4224 and 3.6336
     * ms, each after the one before was handed over, and reach the host's stack 100 us later.  At
     * 1.25 ms the first is waiting (until 1.3112 ms), the second serializing, the third queued. */
    sim_time_t until = 0;
    uint64_t pkts = 0;
    host_backlog_frames(100, 30, 3, 1460, 1250000, &until, &pkts);
    CU_ASSERT_EQUAL(g_n_arrived, 3);
    CU_ASSERT_EQUAL(g_arrivals[0], 1311200);
    CU_ASSERT_EQUAL(g_arrivals[1], 2522400);
    CU_ASSERT_EQUAL(g_arrivals[2], 3733600);
    CU_ASSERT_EQUAL(until, 1311200);
    CU_ASSERT_EQUAL(pkts, 3);
    /* 54-byte frames arrive every 43.2 us: the first is handed over at 143.2 us, the five after
     * it find it or its successor still waiting and follow 30 us apart (to 293.2); the seventh
     * arrives at 302.4, after that, and waits its own 100 us (402.4); the eighth, at 345.6, finds
     * it waiting and follows 30 us after it. */
    host_backlog_frames(100, 30, 8, 0, 300000, &until, &pkts);
    static const sim_time_t want[8] = { 143200, 173200, 203200, 233200, 263200, 293200, 402400, 432400 };
    CU_ASSERT_EQUAL_FATAL(g_n_arrived, 8);
    for (size_t i = 0; i < 8; i++) CU_ASSERT_EQUAL(g_arrivals[i], want[i]);
    CU_ASSERT_EQUAL(until, 300000);          /* at 300 us nothing waits: the seventh is still on the line */
    /* The measured tables: the two loads, the line each is for (down + up kbit/s), their medians. */
    CU_ASSERT_PTR_NOT_EQUAL(host_backlog_for(8256), host_backlog_for(110000));
    CU_ASSERT_EQUAL(host_backlog_own_ns(&host_backlog_for(110000)->server, HOST_BACKLOG_IN, 0.5), 5000);
    CU_ASSERT_EQUAL(host_backlog_service_ns(&host_backlog_for(110000)->server, HOST_BACKLOG_OUT, 0.5), 1000);
    CU_ASSERT_EQUAL(host_backlog_own_ns(&host_backlog_for(8256)->client, HOST_BACKLOG_IN, 0.5), 1000);
}

/* What a host sends waits in the same backlog as what arrives for it, behind it. */
static sim_time_t g_sent_arrival[4];
static size_t g_n_sent;
static void sent_sink(struct net *n, void *ctx, struct packet *p)
{
    (void)ctx;
    if (g_n_sent < 4) g_sent_arrival[g_n_sent++] = n->sim.now;
    pkt_free(&n->pool, p);
}

static void test_host_backlog_holds_what_the_host_sends(void)
{
    /* Arrivals: own 100 us, service 30; the host's own packets: own 5 us, service 10.  A 54-byte
     * frame arrives over `in` at 43.2 us and is handed to the host at 143.2 us.  The host sends
     * one at 50 us: it waits behind that arrival, leaves the backlog at 153.2 us and reaches the
     * far end after its 43.2 us on the line, at 196.4 us.  One sent at 300 us finds the backlog
     * empty: 305 us, then 348.2 us. */
    const struct quantile_point own_in[] = { { 0, 100 }, { 1, 100 } }, svc_in[] = { { 0, 30 }, { 1, 30 } };
    const struct quantile_point own_out[] = { { 0, 5 }, { 1, 5 } }, svc_out[] = { { 0, 10 }, { 1, 10 } };
    const struct host_backlog_table t = { { own_in, own_out }, { svc_in, svc_out }, { 2, 2 }, { 2, 2 } };
    struct net n; net_init(&n, 1);
    struct link in, out;
    link_init(&in, &n, 10000000, 0, (struct framing){ FRAMING_VETH, 0 }, 0, 0);
    link_init(&out, &n, 10000000, 0, (struct framing){ FRAMING_VETH, 0 }, 0, 0);
    link_set_host_backlog(&in, &out, &t, rng_stream(1, "test.host_backlog", 0));
    struct path to_host = { { &in }, 1, arrivals_sink, NULL }, from_host = { { &out }, 1, sent_sink, NULL };
    g_n_arrived = g_n_sent = 0;
    sim_time_t send_at[3] = { 0, 50000, 300000 };
    for (int i = 0; i < 3; i++) {
        sim_run_until(&n.sim, send_at[i]);
        struct packet *pk = pkt_alloc(&n.pool);
        pk->hdr_bytes = 40; pk->payload = 0;
        net_send(&n, i == 0 ? &to_host : &from_host, pk);
        if (i == 1) CU_ASSERT_EQUAL(link_host_backlog_until(&in, n.sim.now), 153200);   /* both waiting */
    }
    sim_run_until(&n.sim, SIM_SEC(1));
    CU_ASSERT_EQUAL(g_n_arrived, 1);
    CU_ASSERT_EQUAL(g_arrivals[0], 143200);
    CU_ASSERT_EQUAL_FATAL(g_n_sent, 2);
    CU_ASSERT_EQUAL(g_sent_arrival[0], 196400);
    CU_ASSERT_EQUAL(g_sent_arrival[1], 348200);
    link_free(&out);
    link_free(&in);
    net_free(&n);
}

static void test_one_remote_host_keeps_send_order(void)
{
    two_flows_at_once(1);
    for (size_t i = 0; i < 4; i++) CU_ASSERT_EQUAL(g_order[i], i + 1);     /* A1 A2 B1 B2 */
    two_flows_at_once(0);
    CU_ASSERT_EQUAL(g_order[0], 1);                                        /* A1 B1 A2 B2 */
    CU_ASSERT_EQUAL(g_order[1], 3);
    CU_ASSERT_EQUAL(g_order[2], 2);
    CU_ASSERT_EQUAL(g_order[3], 4);
}

void register_test_link(void)
{
    TEST_SUITE("link",
               TEST(test_serialization_exact),
               TEST(test_atm_cell_tax),
               TEST(test_classify_sums_to_wire),
               TEST(test_md1_pollaczek_khinchine),
               TEST(test_hist_quantiles),
               TEST(test_web_bursts_are_cross_traffic),
               TEST(test_tbf_watchdog_late_release),
               TEST(test_host_backlog_hands_over_in_order),
               TEST(test_host_backlog_holds_what_the_host_sends),
               TEST(test_one_remote_host_keeps_send_order),
               TEST(test_per_second_bytes_never_exceed_the_line),
               TEST(test_veth_fifo_counts_the_packet_in_service),
               TEST(test_tbf_bucket_releases_bursts),
               TEST(test_tbf_head_waits_inside_the_fifo));
}
