/* Link-layer framing: how many bytes an IP packet occupies on the wire of an access line.
 * Formulas from RFC 2364/2516/2684 and IEEE 802.3; see the README's "Framing" section. */
#ifndef SIM_FRAMING_H
#define SIM_FRAMING_H

#include <stdint.h>

enum framing_kind {
    FRAMING_NONE = 0,   /* raw IP bytes (core links)                                        */
    FRAMING_PPP,        /* 2-byte PPP header (as ns-3's point-to-point device)              */
    FRAMING_ETHERNET,   /* 14 header + 4 FCS, frame padded to 64; +8 preamble +12 IFG opt.  */
    FRAMING_PPPOA_ATM,  /* PPPoA VC-MUX over AAL5: 10 bytes + cell tax                       */
    FRAMING_PPPOE_ATM,  /* PPPoE LLC over AAL5: 40 bytes + cell tax, MTU 1492               */
    FRAMING_VETH,       /* what tbf counts on a Linux veth: 14-byte Ethernet header only     */
    FRAMING__N
};
extern const char *const framing_name[FRAMING__N];

struct framing {
    enum framing_kind kind;
    int eth_preamble_ifg;     /* ethernet only: count preamble/SFD and inter-frame gap (+20) */
};

/* Bytes on the wire for an IP packet of ip_len bytes. */
uint32_t framing_wire_bytes(const struct framing *f, uint32_t ip_len);
/* Largest IP packet the framing carries (PPPoE's 8-byte header leaves 1492). */
uint32_t framing_mtu(const struct framing *f);
/* Parse a framing name; -1 if unknown. */
int framing_parse(const char *name);

#endif
