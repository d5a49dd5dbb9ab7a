/* Wire-size formulas for the access-line framings.
 * ATM: wire = 53 * ceil((L + O) / 48), O includes the 8-byte AAL5 trailer (RFC 2684). */
#include "framing.h"
#include <string.h>

const char *const framing_name[FRAMING__N] = { "none", "ppp", "ethernet", "pppoa_atm", "pppoe_atm", "veth" };

/* AAL5 payload overheads incl. the 8-byte CPCS trailer: PPPoA VC-MUX 2+8, PPPoE LLC 10+6+2+6+8+8. */
#define PPPOA_VCMUX_O 10u
#define PPPOE_LLC_O   40u

static uint32_t atm_cells_bytes(uint32_t ip_len, uint32_t overhead)
{
    return 53u * ((ip_len + overhead + 47u) / 48u);
}

uint32_t framing_wire_bytes(const struct framing *f, uint32_t ip_len)
{
    switch (f->kind) {
    case FRAMING_NONE:      return ip_len;
    case FRAMING_PPP:       return ip_len + 2u;
    case FRAMING_ETHERNET: {
        uint32_t frame = ip_len + 18u;          /* 14 header + 4 FCS */
        if (frame < 64u) frame = 64u;           /* minimum frame: payload padded to 46 */
        return frame + (f->eth_preamble_ifg ? 20u : 0u);
    }
    case FRAMING_PPPOA_ATM: return atm_cells_bytes(ip_len, PPPOA_VCMUX_O);
    case FRAMING_PPPOE_ATM: return atm_cells_bytes(ip_len, PPPOE_LLC_O);
    /* A veth frame as a qdisc sees it (qdisc_pkt_len = skb->len): the 14-byte Ethernet header and
     * the IP packet, no FCS, preamble or padding (veth never pads); checked against tbf's byte
     * counters by the kernel engine's tests. */
    case FRAMING_VETH:      return ip_len + 14u;
    default:                return ip_len;
    }
}

uint32_t framing_mtu(const struct framing *f)
{
    return f->kind == FRAMING_PPPOE_ATM ? 1492u : 1500u;
}

int framing_parse(const char *name)
{
    for (int i = 0; i < FRAMING__N; i++)
        if (strcmp(name, framing_name[i]) == 0) return i;
    return -1;
}
