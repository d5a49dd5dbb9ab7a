/* The receive window behind a slow reader: the receiver closes its window when the application
 * falls behind and must reopen it as the application reads, or the transfer stalls for good. */
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

void register_test_tcp_window(void)
{
    TEST_SUITE("tcp_window",
               TEST(test_slow_reader_keeps_receiving));
}
