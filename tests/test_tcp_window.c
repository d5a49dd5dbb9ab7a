/* The receive window: behind a slow reader, the receiver closes its window when the application
 * falls behind and must reopen it as the application reads, or the transfer stalls for good; and
 * the window Linux offers as it grows (rcv_ssthresh) and as its memory fills. */
#include "testutil.h"
#include "tcp_tap.h"
#include "tcp_int.h"

/* An application on ep[1] that may read `chunk` bytes every `every` (a token bucket with no
 * burst, as a client's download limiter), and remembers when it first found nothing to read
 * after `watch_from`. */
struct slow_reader {
    struct tcp_ep   *ep;
    uint32_t         chunk;
    sim_time_t       every, watch_from;
    uint64_t         credit, starved;
    struct sim_event ev;
};

static void slow_read(struct sim *s, struct sim_event *ev)
{
    struct slow_reader *r = ev->ctx;
    uint64_t got = tcp_read(r->ep, r->chunk);
    r->credit += r->chunk;
    if (s->now >= r->watch_from && got < r->chunk) r->starved++;
    sim_schedule_in(s, ev, r->every);
}

/* A bulk sender that keeps its send buffer full. */
static void fill(struct tcp_ep *ep, void *app)
{
    (void)app;
    while (tcp_write(ep, 65536, 0) > 0) {}
}
static void fill_established(struct tcp_ep *ep, void *app) { fill(ep, app); }
static const struct tcp_app_ops bulk_ops = { fill_established, NULL, fill };

struct slow_run { uint64_t read, starved, probes; };

/* A 64-KB receive buffer (65535: no window scale, windows in whole MSS) on a 2-Mbit/s line,
 * 40 ms each way, its reader allowed `chunk` bytes every 100 ms; 60 s. */
static struct slow_run slow_reader_run(uint32_t rcvbuf, uint32_t chunk, int ack_at_read)
{
    struct tcp_tap t;
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.mss = 1452;
    cfg.rcvbuf = rcvbuf;
    cfg.ack_at_read = ack_at_read;
    tap_init(&t, &cfg, 2000000, 2000000, SIM_MS(40), 0);
    tcp_set_app(&t.conn.ep[0], &bulk_ops, NULL);
    struct slow_reader r = { &t.conn.ep[1], chunk, SIM_MS(100), SIM_SEC(10), 0, 0, { 0 } };
    sim_event_init(&r.ev, slow_read, &r);
    sim_schedule_at(&t.net.sim, &r.ev, SIM_MS(100));
    tcp_conn_open(&t.conn);
    sim_run_until(&t.net.sim, SIM_SEC(60));
    struct slow_run out = { t.conn.ep[1].st.bytes_read, r.starved, t.conn.ep[0].st.persist_probes };
    sim_cancel(&t.net.sim, &r.ev);
    tap_free(&t);
    return out;
}

static void test_slow_reader_keeps_receiving(void)
{
    /* Linux's receiver offers no window while less than 1/16 of the buffer or one MSS is free
     * (__tcp_select_window) and never moves the right edge back (tcp_select_window).  What
     * reopens it behind a reader that drains a little at a time: the read itself, once the
     * window it could offer is at least twice what is left of the last one (tcp_cleanup_rbuf:
     * time_to_ack), and the sender's persist timer (tcp_probe_timer, tcp_send_probe0), armed
     * whenever nothing is in flight and data waits (tcp_check_probe_timer).  Its probe is a
     * segment without data at snd_una - 1 (tcp_write_wakeup -> tcp_xmit_probe_skb), which the
     * receiver answers at once with its window (tcp_sequence fails, tcp_send_dupack).  Before,
     * the probe carried the next byte beyond the window: a receiver that had room again took
     * it and acknowledged one byte past snd_max, which the sender ignores, so from then on it
     * ignored every ACK and the download stopped after the first 64 KB (512 B per 100 ms:
     * 72601 of 306688 bytes read, 458 reads found nothing).  With the mechanism as Linux's, the
     * reader finds data at every turn after the buffer filled and reads at its own rate: 60 s
     * of reads at 0.1, 0.2, ... 59.9 s. */
    uint32_t chunks[] = { 1024, 512, 300 };
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        for (int at_read = 0; at_read <= 1; at_read++) {
            struct slow_run a = slow_reader_run(65535, chunks[i], at_read);
            double want = (double)chunks[i] * 599;       /* reads at 0.1, 0.2, ... 59.9 s */
            fprintf(stderr, "\n    chunk %u ack_at_read %d: read %llu of %.0f, starved %llu reads, %llu probes",
                    chunks[i], at_read, (unsigned long long)a.read, want,
                    (unsigned long long)a.starved, (unsigned long long)a.probes);
            CU_ASSERT_EQUAL(a.starved, 0);
            ASSERT_REL((double)a.read, want, 0.001);
        }
    }
}

/* Windows the receiver offered in its ACKs (direction 1, no data, not the SYN-ACK), in order. */
static size_t ack_windows(const struct tcp_tap *t, uint32_t *w, size_t max)
{
    size_t n = 0;
    for (size_t k = 0; k < t->n_log && n < max; k++)
        if (t->log[k].dir == 1 && t->log[k].payload == 0 && !(t->log[k].flags & TCPF_SYN) && t->log[k].ack > 0)
            w[n++] = t->log[k].rwnd;
    return n;
}

static uint32_t scaled_up(const struct tcp_tap *t, uint64_t bytes)
{
    uint64_t unit = 1u << t->conn.rcv_wscale;
    return (uint32_t)((bytes + unit - 1) / unit * unit);
}

static void test_window_starts_small_and_grows(void)
{
    /* Linux starts a connection's window at the whole buffer computed with the default scaling
     * ratio, 128/256, since no segment has been measured yet (tcp_select_initial_window:
     * rcv_wnd = rcv_ssthresh = sk_rcvbuf * 128 / 256, in whole segments), and lets it grow by
     * two segments for each segment received (tcp_event_data_recv -> tcp_grow_window), never
     * beyond what is free nor the clamp (__tcp_select_window: free space at most rcv_ssthresh).
     * The kernel engine's upload receiver (rcvbuf 262144, i.e. sk_rcvbuf 414254) offered 143,
     * 145, ... 161 segments in the ACKs of its first 10 segments (docs/validation.md).  Before,
     * the simulator offered the whole 262144 at once. */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.rcvbuf = 262144;
    struct tcp_tap t;
    open_tap(&t, &cfg);
    struct writer w;
    writer_start(&w, &t, 10 * 1460, SIM_MS(200), 0, 0);
    sim_run_until(&t.net.sim, SIM_SEC(2));
    CU_ASSERT_EQUAL(tcp_initial_window(&cfg), 141 * 1460);
    uint32_t win[32];
    size_t n = ack_windows(&t, win, 32);
    CU_ASSERT(n >= 10);                  /* the first 16 are quick ACKs: one per segment */
    for (size_t i = 0; i < n && i < 10; i++)
        CU_ASSERT_EQUAL(win[i], scaled_up(&t, (141 + 2 * (i + 1)) * 1460ull));
    tap_free(&t);
}

static void test_out_of_order_data_grows_the_window_only_with_sack(void)
{
    /* tcp_data_queue_ofo grows the window for out-of-order data only on a SACK connection
     * ("for non sack flows, do not grow window to force DUPACK"): a SACK-less receiver's
     * duplicate ACKs carry the same window, or the sender would take them for window updates
     * (tcp_ack: FLAG_WIN_UPDATE is not a duplicate).  With SACK each out-of-order segment adds
     * two segments to the window, as in-order data does. */
    for (int sack = 0; sack <= 1; sack++) {
        struct tcp_cfg cfg; tcp_cfg_default(&cfg);
        cfg.rcvbuf = 262144;
        cfg.sack = (uint8_t)sack;
        struct tcp_tap t;
        open_tap(&t, &cfg);
        struct tap_drop_nth d;
        tap_drop_nth(&t, &d, 3);
        struct writer w;
        writer_start(&w, &t, 10 * 1460, SIM_MS(200), 0, 0);
        sim_run_until(&t.net.sim, SIM_MS(500));
        uint32_t win[32];
        size_t n = ack_windows(&t, win, 32);
        CU_ASSERT(n >= 9);                    /* 2 in order, 7 duplicates, the retransmission's */
        for (size_t i = 2; i < 9 && i < n; i++) {
            uint32_t want = sack ? scaled_up(&t, win[i - 1] + 2 * 1460ull) : win[i - 1];
            CU_ASSERT_EQUAL(win[i], want);
        }
        tap_free(&t);
    }
}

static const struct tcp_app_ops no_reader_ops = { NULL, NULL, NULL };

static void test_held_segment_costs_its_memory(void)
{
    /* Linux's window is the free receive memory at the measured scaling ratio (tcp_space:
     * tcp_win_from_space(sk_rcvbuf - sk_rmem_alloc)), and the ratio is rounded down
     * (tcp_measure_rcv_mss: len * 256 / truesize): a full-size veth segment's 2304 bytes of
     * memory are worth 2304 * 162 / 256 = 1458 bytes of window, 2 less than it brings.  The kernel
     * engine's receiver holding 15 segments offered 240276 bytes (262144 - 15 * 1458 = 240274,
     * rounded up to its scale unit of 4); counted byte for byte, 240244. */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.rcvbuf = 262144;
    struct tcp_tap t;
    open_tap(&t, &cfg);
    tcp_set_app(&t.conn.ep[1], &no_reader_ops, NULL);          /* the application never reads */
    struct writer w;
    writer_start(&w, &t, 15 * 1460, SIM_MS(200), 0, 0);
    sim_run_until(&t.net.sim, SIM_SEC(2));
    const struct tcp_ep *r = &t.conn.ep[1];
    CU_ASSERT_EQUAL(r->rcv_nxt - r->rcv_read, 15 * 1460);
    CU_ASSERT_EQUAL(rcv_space(r), 262144 - 15 * 1458);
    tap_free(&t);
}

static void test_sender_fills_the_window_to_the_byte(void)
{
    /* Linux tcp_write_xmit: tcp_snd_wnd_test wants a full MSS of window for the first segment of
     * an skb, and tcp_mss_split_point then cuts the skb at the window's right edge to the byte;
     * tcp_nagle_check holds that partial last segment only while an earlier small segment is
     * unacknowledged (Minshall).  Traced on the kernel engine (paced 80 % upload, no SACK): the
     * server sent 1460 + 972 bytes ending at the window's edge, together.  Here a bulk sender
     * behind a reader that takes 20000 bytes every 200 ms (a window of scale 2, so not in whole
     * segments): each time the window opens, the sender's last segment ends at the right edge
     * of the window just offered, short of a full segment, and leaves with the full segment
     * before it.  Before, a partial segment waited for half the largest window offered (RFC 1122
     * 4.2.3.4), which Linux does not do, and went out only with the persist timer's probe. */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    cfg.rcvbuf = 262144;
    struct tcp_tap t;
    tap_init(&t, &cfg, 10000000, 10000000, SIM_MS(10), 0);
    tcp_set_app(&t.conn.ep[0], &bulk_ops, NULL);
    struct slow_reader r = { &t.conn.ep[1], 20000, SIM_MS(200), SIM_SEC(100), 0, 0, { 0 } };
    sim_event_init(&r.ev, slow_read, &r);
    sim_schedule_at(&t.net.sim, &r.ev, SIM_SEC(1));
    tcp_conn_open(&t.conn);
    sim_run_until(&t.net.sim, SIM_SEC(5));
    size_t partial = 0, at_edge = 0;
    const struct tap_seg *prev = NULL;
    for (size_t k = 0; k < t.n_log; k++) {
        const struct tap_seg *s = &t.log[k];
        if (s->dir != 0 || s->payload == 0) continue;
        if (s->payload < cfg.mss && s->t_sent >= SIM_SEC(1)) {
            partial++;
            /* the edge of the last ACK that had reached the sender when this segment left */
            const struct tap_seg *edge = NULL;
            for (size_t j = 0; j < t.n_log && t.log[j].t <= s->t_sent; j++)
                if (t.log[j].dir == 1) edge = &t.log[j];
            if (edge && prev && s->seq + s->payload == edge->ack + edge->rwnd &&
                prev->payload == cfg.mss && prev->t_sent == s->t_sent) at_edge++;
        }
        prev = s;
    }
    CU_ASSERT(partial >= 10);
    CU_ASSERT_EQUAL(at_edge, partial);
    sim_cancel(&t.net.sim, &r.ev);
    tap_free(&t);
}

static void test_split_at_the_window_edge_rules(void)
{
    /* The decision behind the test above, vector by vector (Linux tcp_write_xmit): 10 segments in
     * flight, 90 more written, the peer's window ends 2 segments and 500 bytes past snd_nxt.
     * tcp_snd_wnd_test: a piece (skb) must fit its first full segment; tcp_mss_split_point cuts a
     * piece at the edge to the byte; tcp_nagle_check holds that cut-off partial segment only
     * under Nagle (nonagle 0, not TCP_NAGLE_PUSH, not TCP_NODELAY), with segments in flight
     * before the piece and a small segment (snd_sml) unacknowledged (tcp_minshall_check). */
    struct tcp_cfg cfg; tcp_cfg_default(&cfg);
    struct tcp_tap t;
    open_tap(&t, &cfg);
    sim_run_until(&t.net.sim, SIM_MS(500));                      /* the handshake only */
    struct tcp_ep *ep = &t.conn.ep[0];
    uint32_t mss = cfg.mss;
    uint64_t una = ep->snd_una;
    ep->snd_nxt = una + 10ull * mss;
    ep->write_seq = una + 100ull * mss;
    ep->snd_wnd = 12 * mss + 500;
    ep->cwnd = 1000 * mss;
    ep->snd_sml = una;                                           /* no small segment unacked */
    CU_ASSERT_EQUAL(xmit_next_len(ep, 0, 0, 0), mss);            /* a full segment goes       */
    CU_ASSERT_EQUAL(xmit_next_len(ep, 2 * mss, 0, 0), 0);        /* a piece starting at 500 B  */
    CU_ASSERT_EQUAL(xmit_next_len(ep, 2 * mss, mss, 0), 500);    /* cut at the edge            */
    CU_ASSERT_EQUAL(xmit_next_len(ep, 2 * mss + 500, mss, 0), 0);/* the window is full         */
    ep->snd_sml = una + 1;                                       /* a small segment unacked   */
    CU_ASSERT_EQUAL(xmit_next_len(ep, 2 * mss, mss, 0), 0);      /* Nagle holds the cut        */
    CU_ASSERT_EQUAL(xmit_next_len(ep, 2 * mss, mss, 1), 500);    /* not on TCP_NAGLE_PUSH      */
    CU_ASSERT_EQUAL(xmit_next_len(ep, 0, 0, 0), mss);            /* full segments still go     */
    t.conn.cfg.nagle = 0;                                        /* TCP_NODELAY                */
    CU_ASSERT_EQUAL(xmit_next_len(ep, 2 * mss, mss, 0), 500);
    t.conn.cfg.nagle = 1;
    ep->snd_nxt = una;                                           /* nothing in flight before  */
    ep->snd_wnd = 2 * mss + 500;                                 /* a piece of 2 MSS + 500 B  */
    CU_ASSERT_EQUAL(xmit_next_len(ep, 2 * mss, 2 * mss, 0), 500);/* no Nagle hold             */
    CU_ASSERT_EQUAL(xmit_next_len(ep, 2 * mss, mss, 0), 0);      /* a piece before it: held    */
    ep->snd_nxt = ep->snd_una;
    ep->write_seq = ep->snd_una;                                 /* leave the socket idle     */
    tap_free(&t);
}

static void test_window_scale_as_linux_picks_it(void)
{
    /* Linux tcp_select_initial_window picks the scale for the largest window the socket may
     * offer, ilog2(space) - 15, where space is at most window_clamp; with SO_RCVBUF set
     * (SOCK_RCVBUF_LOCK) tcp_connect_init and tcp_openreq_init_rwin first cut window_clamp to
     * tcp_full_space, the buffer as a window at the default scaling ratio (128/256 of sk_rcvbuf),
     * below the TCP_WINDOW_CLAMP the kernel engine sets (rcvbuf).  Measured on Linux 6.18 (the
     * kernel engine, tcpdump on both veths): the SYN and the SYN-ACK both announced these scales,
     * and windows of 51100 for rcvbuf 65535 and 65536, 65535 for the others.  Before, the
     * simulator scaled for rcvbuf itself: 0, 1, 2, 3, 5. */
    static const struct { uint32_t rcvbuf; uint8_t wscale; uint32_t syn_wnd; } m[] = {
        { 65535, 0, 51100 }, { 65536, 0, 51100 }, { 131072, 1, 65535 }, { 262144, 2, 65535 },
        { 1048576, 4, 65535 },
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
        struct tcp_cfg cfg; tcp_cfg_default(&cfg);
        cfg.rcvbuf = m[i].rcvbuf;
        struct tcp_tap t;
        open_tap(&t, &cfg);
        sim_run_until(&t.net.sim, SIM_MS(500));
        CU_ASSERT_EQUAL(t.conn.rcv_wscale, m[i].wscale);
        size_t syns = 0;
        for (size_t k = 0; k < t.n_log; k++)
            if (t.log[k].flags & TCPF_SYN) {
                CU_ASSERT_EQUAL(t.log[k].rwnd, m[i].syn_wnd);
                syns++;
            }
        CU_ASSERT_EQUAL(syns, 2);
        tap_free(&t);
    }
}

void register_test_tcp_window(void)
{
    TEST_SUITE("tcp_window",
               TEST(test_slow_reader_keeps_receiving),
               TEST(test_window_starts_small_and_grows),
               TEST(test_out_of_order_data_grows_the_window_only_with_sack),
               TEST(test_held_segment_costs_its_memory),
               TEST(test_sender_fills_the_window_to_the_byte),
               TEST(test_split_at_the_window_edge_rules),
               TEST(test_window_scale_as_linux_picks_it));
}
