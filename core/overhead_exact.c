/* The exact estimator: segments, ACKs and link framing computed from the path's real framing,
 * so the testbed can show how far the fixed-constant guesses are from what the wire carries.
 *
 * The framing formulas repeat sim/framing.c on purpose: core/ must build and link without the
 * simulator (a real client links only core/), and the formulas are four lines of
 * network-facts.md §6.  A test in tests/test_overhead.c pins both to the same vectors. */
#include "overhead.h"

const char *const ovh_framing_name[OVH_FRAMING__N] = { "ip", "ppp", "ethernet", "pppoa_vcmux", "pppoe_llc" };

#define PPPOA_VCMUX_AAL5 10u    /* 2 B PPP + 8 B AAL5 trailer                                  */
#define PPPOE_LLC_AAL5   40u    /* 10 LLC/SNAP + 14 Ethernet + 8 PPPoE/PPP + 8 AAL5 trailer    */
#define PPPOE_MTU        1492u  /* 1500 minus the 8-B PPPoE/PPP header (RFC 2516)              */
#define SYN_OPTIONS      8u     /* MSS (4) + window scale (3) + NOP (1), as a typical SYN      */

static uint32_t atm_cells(uint32_t ip_len, uint32_t aal5_overhead)
{
    return 53u * ((ip_len + aal5_overhead + 47u) / 48u);
}

uint32_t ovh_wire_bytes(const struct ovh_cfg *c, uint32_t ip_len)
{
    switch (c->framing) {
    case OVH_FRAMING_PPP:
        return ip_len + 2u;
    case OVH_FRAMING_ETHERNET: {
        uint32_t frame = ip_len + 18u;
        if (frame < 64u) frame = 64u;
        return frame + (c->eth_preamble_ifg ? 20u : 0u);
    }
    case OVH_FRAMING_PPPOA_VCMUX: return atm_cells(ip_len, PPPOA_VCMUX_AAL5);
    case OVH_FRAMING_PPPOE_LLC:   return atm_cells(ip_len, PPPOE_LLC_AAL5);
    case OVH_FRAMING_IP:
    default:                      return ip_len;
    }
}

uint32_t ovh_ip_mtu(const struct ovh_cfg *c)
{
    if (c->framing == OVH_FRAMING_PPPOE_LLC && c->mtu > PPPOE_MTU) return PPPOE_MTU;
    return c->mtu;
}

uint32_t ovh_tcp_header(const struct ovh_cfg *c) { return 40u + (c->timestamps ? 12u : 0u); }

uint32_t ovh_mss(const struct ovh_cfg *c)
{
    uint32_t mtu = ovh_ip_mtu(c), h = ovh_tcp_header(c);
    return mtu > h ? mtu - h : 1u;
}

/* Overhead of `bytes` of stream cut into full segments plus one short one.  Each call is taken
 * to flush (a socket with Nagle off, or an idle one), so a short tail is its own segment. */
static uint32_t segments_overhead(const struct ovh_cfg *c, uint32_t bytes, uint32_t *n_segs)
{
    uint32_t mss = ovh_mss(c), h = ovh_tcp_header(c);
    uint32_t full = bytes / mss, rest = bytes % mss;
    uint32_t o = full * (ovh_wire_bytes(c, mss + h) - mss);
    if (rest) o += ovh_wire_bytes(c, rest + h) - rest;
    *n_segs = full + (rest ? 1u : 0u);
    return o;
}

/* Pure ACKs for `segs` new segments: one per segs_per_ack full segments (delayed ACK); a short
 * segment ends a burst, and the delayed-ACK timer then acknowledges whatever is outstanding. */
static uint32_t acks_for(const struct ovh_cfg *c, uint32_t *unacked, uint32_t segs, int ends_short)
{
    uint32_t d = c->segs_per_ack ? c->segs_per_ack : 1u;
    uint32_t pending = *unacked + segs, acks = pending / d;
    pending %= d;
    if (ends_short && pending) { acks++; pending = 0; }
    *unacked = pending;
    return acks;
}

static struct ovh_cost exact_cost(const struct ovh_cfg *c, struct ovh_flow *flow, enum ovh_event ev, uint32_t bytes)
{
    struct ovh_flow scratch = { 0, 0 };
    if (!flow) flow = &scratch;
    struct ovh_cost o = { 0, 0 };
    uint32_t h = ovh_tcp_header(c), ack = ovh_wire_bytes(c, h), syn = ovh_wire_bytes(c, h + SYN_OPTIONS);
    uint32_t segs;
    int ends_short = bytes % ovh_mss(c) != 0;
    switch (ev) {
    case OVH_TCP_SEND:
        o.up = segments_overhead(c, bytes, &segs);
        o.down = acks_for(c, &flow->tx_segs_unacked, segs, ends_short) * ack;
        break;
    case OVH_TCP_RECV:
        o.down = segments_overhead(c, bytes, &segs);
        o.up = acks_for(c, &flow->rx_segs_unacked, segs, ends_short) * ack;
        break;
    case OVH_UDP_SEND:
    case OVH_UDP_RECV: {
        /* IPv4 fragments carry multiples of 8 B; each fragment has its own 20-B header. */
        uint32_t per_frag = (ovh_ip_mtu(c) - 20u) & ~7u, dgram = bytes + 8u;
        uint32_t frags = (dgram + per_frag - 1u) / per_frag, wire = 0;
        for (uint32_t i = 0; i < frags; i++) {
            uint32_t part = i + 1 < frags ? per_frag : dgram - per_frag * (frags - 1u);
            wire += ovh_wire_bytes(c, part + 20u);
        }
        if (ev == OVH_UDP_SEND) o.up = wire - bytes; else o.down = wire - bytes;
        break;
    }
    case OVH_CONNECT:   o.up = syn; break;
    case OVH_CONNECTED: o.down = syn; o.up = ack; break;
    case OVH_ACCEPT:    o.down = syn + ack; o.up = syn; break;
    case OVH_CLOSE:     o.up = 2u * ack; o.down = 2u * ack; break;
    default: break;
    }
    return o;
}

const struct ovh_estimator ovh_exact = {
    "exact", "segments, delayed ACKs (1 per segs_per_ack) and the link framing of the configured line",
    exact_cost
};
