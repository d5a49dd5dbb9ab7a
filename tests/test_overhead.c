/* Overhead estimator tests: the exact framing arithmetic against network-facts.md §6, the
 * Xtreme and libtorrent constants, ACK carry-over, and agreement with the simulator's framing. */
#include "testutil.h"
#include "overhead.h"
#include "framing.h"

static struct ovh_cfg cfg_of(enum ovh_framing f)
{
    struct ovh_cfg c;
    ovh_cfg_default(&c);
    c.framing = f;
    return c;
}

static void test_exact_wire_vectors(void)
{
    /* network-facts.md §6: PPPoE LLC full packet 1492 B -> 53*ceil(1532/48) = 53*32 = 1696;
     * 40-B ACK -> 53*ceil(80/48) = 106.  PPPoA VC-MUX 1500 -> 53*ceil(1510/48) = 1696, ACK 106. */
    struct ovh_cfg e = cfg_of(OVH_FRAMING_PPPOE_LLC), a = cfg_of(OVH_FRAMING_PPPOA_VCMUX);
    CU_ASSERT_EQUAL(ovh_wire_bytes(&e, 1492), 1696);
    CU_ASSERT_EQUAL(ovh_wire_bytes(&e, 40), 106);
    CU_ASSERT_EQUAL(ovh_wire_bytes(&e, 52), 106);           /* with timestamps still 2 cells */
    CU_ASSERT_EQUAL(ovh_wire_bytes(&a, 1500), 1696);
    CU_ASSERT_EQUAL(ovh_wire_bytes(&a, 40), 106);
    CU_ASSERT_EQUAL(ovh_wire_bytes(&e, 200), 265);          /* G.711 200-B IP packet: 5 cells */
    /* 8 = 48 - 40 is the largest IP packet in one PPPoE cell; 9 needs two. */
    CU_ASSERT_EQUAL(ovh_wire_bytes(&e, 8), 53);
    CU_ASSERT_EQUAL(ovh_wire_bytes(&e, 9), 106);
    CU_ASSERT_EQUAL(ovh_ip_mtu(&e), 1492);
    CU_ASSERT_EQUAL(ovh_mss(&e), 1452);
    /* Ethernet: 40-B ACK padded to 64, +20 preamble/IFG = 84; 1500 -> 1518 (+20 = 1538). */
    struct ovh_cfg eth = cfg_of(OVH_FRAMING_ETHERNET);
    CU_ASSERT_EQUAL(ovh_wire_bytes(&eth, 40), 64);
    CU_ASSERT_EQUAL(ovh_wire_bytes(&eth, 1500), 1518);
    eth.eth_preamble_ifg = 1;
    CU_ASSERT_EQUAL(ovh_wire_bytes(&eth, 40), 84);
    CU_ASSERT_EQUAL(ovh_wire_bytes(&eth, 1500), 1538);
    struct ovh_cfg ppp = cfg_of(OVH_FRAMING_PPP), ip = cfg_of(OVH_FRAMING_IP);
    CU_ASSERT_EQUAL(ovh_wire_bytes(&ppp, 1500), 1502);
    CU_ASSERT_EQUAL(ovh_wire_bytes(&ip, 1500), 1500);
    ip.timestamps = 1;
    CU_ASSERT_EQUAL(ovh_tcp_header(&ip), 52);
    CU_ASSERT_EQUAL(ovh_mss(&ip), 1448);
}

/* core/ repeats the simulator's framing formulas; they must agree byte for byte. */
static void test_exact_matches_simulator_framing(void)
{
    const struct { enum ovh_framing o; enum framing_kind s; } pairs[] = {
        { OVH_FRAMING_IP, FRAMING_NONE }, { OVH_FRAMING_PPP, FRAMING_PPP },
        { OVH_FRAMING_ETHERNET, FRAMING_ETHERNET }, { OVH_FRAMING_PPPOA_VCMUX, FRAMING_PPPOA_ATM },
        { OVH_FRAMING_PPPOE_LLC, FRAMING_PPPOE_ATM },
    };
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        struct ovh_cfg c = cfg_of(pairs[k].o);
        struct framing f = { pairs[k].s, 0 };
        int same = 1;
        for (uint32_t len = 20; len <= 1500; len++)
            if (ovh_wire_bytes(&c, len) != framing_wire_bytes(&f, len)) same = 0;
        CU_ASSERT_TRUE(same);
        CU_ASSERT_EQUAL(ovh_ip_mtu(&c), framing_mtu(&f));
    }
}

static void test_exact_tcp_segments_and_acks(void)
{
    struct ovh_cfg e = cfg_of(OVH_FRAMING_PPPOE_LLC);
    struct ovh_flow fl = { 0, 0 };
    /* Two full segments received (2 * 1452): down = 2 * (1696 - 1452) = 488, one ACK up = 106. */
    struct ovh_cost c = ovh_exact.cost(&e, &fl, OVH_TCP_RECV, 2 * 1452);
    CU_ASSERT_EQUAL(c.down, 488);
    CU_ASSERT_EQUAL(c.up, 106);
    CU_ASSERT_EQUAL(fl.rx_segs_unacked, 0);
    /* One full segment: no ACK yet (delayed), the next full one completes the pair. */
    c = ovh_exact.cost(&e, &fl, OVH_TCP_RECV, 1452);
    CU_ASSERT_EQUAL(c.up, 0);
    CU_ASSERT_EQUAL(fl.rx_segs_unacked, 1);
    c = ovh_exact.cost(&e, &fl, OVH_TCP_RECV, 1452);
    CU_ASSERT_EQUAL(c.up, 106);
    /* 3 full + 100 B: 3 * 244 + (53*ceil((140+40)/48) - 100 = 212 - 100) = 732 + 112 = 844 down;
     * ACKs: 4 new segments, nothing pending -> 2 ACKs = 212 up; the short tail leaves none. */
    c = ovh_exact.cost(&e, &fl, OVH_TCP_RECV, 3 * 1452 + 100);
    CU_ASSERT_EQUAL(c.down, 844);
    CU_ASSERT_EQUAL(c.up, 212);
    CU_ASSERT_EQUAL(fl.rx_segs_unacked, 0);
    /* Sending 100 B over Ethernet: 140 IP -> 158 frame, overhead 58; one ACK of 64 comes back. */
    struct ovh_cfg eth = cfg_of(OVH_FRAMING_ETHERNET);
    struct ovh_flow f2 = { 0, 0 };
    c = ovh_exact.cost(&eth, &f2, OVH_TCP_SEND, 100);
    CU_ASSERT_EQUAL(c.up, 58);
    CU_ASSERT_EQUAL(c.down, 64);
    /* Without flow state the estimator still works (no carry-over). */
    c = ovh_exact.cost(&e, NULL, OVH_TCP_RECV, 1452);
    CU_ASSERT_EQUAL(c.down, 244);
}

static void test_exact_udp_and_handshake(void)
{
    struct ovh_cfg e = cfg_of(OVH_FRAMING_PPPOE_LLC);
    /* 172-B VoIP payload: 200 IP -> 265 wire, overhead 93 up. */
    struct ovh_cost c = ovh_exact.cost(&e, NULL, OVH_UDP_SEND, 172);
    CU_ASSERT_EQUAL(c.up, 93);
    CU_ASSERT_EQUAL(c.down, 0);
    /* A 3000-B datagram on a 1492 MTU: fragments carry 1472, 1472, 64 of the 3008-B UDP
     * datagram; IP packets 1492, 1492, 84 -> 1696 + 1696 + 53*ceil(124/48) = 159 -> 3551 wire. */
    c = ovh_exact.cost(&e, NULL, OVH_UDP_RECV, 3000);
    CU_ASSERT_EQUAL(c.down, 3551 - 3000);
    /* SYN = 40 + 8 options = 48 IP -> 106; connect costs one up; accept costs SYN + ACK down. */
    c = ovh_exact.cost(&e, NULL, OVH_CONNECT, 0);
    CU_ASSERT_EQUAL(c.up, 106);
    c = ovh_exact.cost(&e, NULL, OVH_ACCEPT, 0);
    CU_ASSERT_EQUAL(c.down, 212);
    CU_ASSERT_EQUAL(c.up, 106);
    c = ovh_exact.cost(&e, NULL, OVH_CLOSE, 0);
    CU_ASSERT_EQUAL(c.up, 212);
}

static void test_xtreme_constants(void)
{
    struct ovh_cfg c;
    ovh_cfg_default(&c);
    struct ovh_cost o = ovh_xtreme.cost(&c, NULL, OVH_TCP_SEND, 1300);
    CU_ASSERT_EQUAL(o.up, 40); CU_ASSERT_EQUAL(o.down, 0);
    o = ovh_xtreme.cost(&c, NULL, OVH_TCP_SEND, 0);                /* a send that sent nothing */
    CU_ASSERT_EQUAL(o.up, 0);
    o = ovh_xtreme.cost(&c, NULL, OVH_TCP_SEND, 10);               /* a 10-B send costs 40 too */
    CU_ASSERT_EQUAL(o.up, 40);
    o = ovh_xtreme.cost(&c, NULL, OVH_TCP_RECV, 65536);            /* one event = one ACK */
    CU_ASSERT_EQUAL(o.up, 40); CU_ASSERT_EQUAL(o.down, 40);
    o = ovh_xtreme.cost(&c, NULL, OVH_UDP_SEND, 500);
    CU_ASSERT_EQUAL(o.up, 28);
    o = ovh_xtreme.cost(&c, NULL, OVH_CONNECT, 0);
    CU_ASSERT_EQUAL(o.up, 40); CU_ASSERT_EQUAL(o.down, 0);
    o = ovh_xtreme.cost(&c, NULL, OVH_CONNECTED, 0);
    CU_ASSERT_EQUAL(o.up, 40); CU_ASSERT_EQUAL(o.down, 40);
}

static void test_libtorrent_constants(void)
{
    struct ovh_cfg c;
    ovh_cfg_default(&c);
    c.mtu = 1492;                    /* ignored: libtorrent assumes 1500 */
    /* ceil(1460/1460) = 1 -> 40 both ways; 1461 -> 2 -> 80; 0 -> max(1, 0) -> 40;
     * 16384 -> ceil(11.22) = 12 -> 480. */
    struct ovh_cost o = ovh_libtorrent.cost(&c, NULL, OVH_TCP_SEND, 1460);
    CU_ASSERT_EQUAL(o.up, 40); CU_ASSERT_EQUAL(o.down, 40);
    o = ovh_libtorrent.cost(&c, NULL, OVH_TCP_RECV, 1461);
    CU_ASSERT_EQUAL(o.up, 80); CU_ASSERT_EQUAL(o.down, 80);
    o = ovh_libtorrent.cost(&c, NULL, OVH_TCP_RECV, 0);
    CU_ASSERT_EQUAL(o.up, 40);
    o = ovh_libtorrent.cost(&c, NULL, OVH_TCP_RECV, 16384);
    CU_ASSERT_EQUAL(o.up, 480); CU_ASSERT_EQUAL(o.down, 480);
}

/* How wrong the guesses are for one second of a 6016 kbit/s PPPoE download received as one
 * event per segment: 6016000/8/1696 = 443.4 segments/s -> take 443 segments.
 * exact: 443 segments -> 221 ACKs * 106 = 23426 B up (one left pending).
 * xtreme: 443 events * 40 = 17720 B.  libtorrent: 443 * 40 = 17720 B as well. */
static void test_ack_estimates_against_exact(void)
{
    struct ovh_cfg e = cfg_of(OVH_FRAMING_PPPOE_LLC);
    struct ovh_flow fl = { 0, 0 };
    uint64_t ex = 0, xt = 0, lt = 0;
    for (int i = 0; i < 443; i++) {
        ex += ovh_exact.cost(&e, &fl, OVH_TCP_RECV, 1452).up;
        xt += ovh_xtreme.cost(&e, NULL, OVH_TCP_RECV, 1452).up;
        lt += ovh_libtorrent.cost(&e, NULL, OVH_TCP_RECV, 1452).up;
    }
    CU_ASSERT_EQUAL(ex, 23426);
    CU_ASSERT_EQUAL(xt, 17720);
    CU_ASSERT_EQUAL(lt, 17720);
}

static void test_registry(void)
{
    CU_ASSERT_PTR_EQUAL(ovh_find("xtreme"), &ovh_xtreme);
    CU_ASSERT_PTR_EQUAL(ovh_find("libtorrent"), &ovh_libtorrent);
    CU_ASSERT_PTR_EQUAL(ovh_find("exact"), &ovh_exact);
    CU_ASSERT_PTR_NULL(ovh_find("official"));
    size_t n = 0;
    for (const struct ovh_estimator *const *p = ovh_list(); *p; p++) n++;
    CU_ASSERT_EQUAL(n, 3);
}

void register_test_overhead(void)
{
    TEST_SUITE("overhead",
               TEST(test_exact_wire_vectors),
               TEST(test_exact_matches_simulator_framing),
               TEST(test_exact_tcp_segments_and_acks),
               TEST(test_exact_udp_and_handshake),
               TEST(test_xtreme_constants),
               TEST(test_libtorrent_constants),
               TEST(test_ack_estimates_against_exact),
               TEST(test_registry));
}
