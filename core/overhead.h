/* Overhead estimators, selected by name: how many bytes beyond the application's own a socket
 * event costs, as eMule Xtreme guesses it, as libtorrent guesses it, and exactly on a given line.
 *
 * "Overhead" is everything that is not application payload: TCP/IP/UDP headers, link framing
 * (exact only), the pure ACKs a transfer causes in the opposite direction, SYN and FIN segments.
 * Each event returns the estimate for both directions: `up` is what the event adds to the
 * client's upload, `down` to its download.  A receive event therefore costs upload too (the ACKs
 * the client sends), which is the traffic the official eMule never counts (xtreme-rules.md).
 * The caller owns one struct ovh_flow per connection; only the exact estimator uses it. */
#ifndef CORE_OVERHEAD_H
#define CORE_OVERHEAD_H

#include <stddef.h>
#include <stdint.h>

enum ovh_event {
    OVH_TCP_SEND,       /* one send() call that accepted `bytes` > 0                            */
    OVH_TCP_RECV,       /* one receive event (Windows FD_READ / OnReceive) that read `bytes`     */
    OVH_UDP_SEND,       /* one datagram with `bytes` of payload sent                             */
    OVH_UDP_RECV,       /* one datagram with `bytes` of payload received                         */
    OVH_CONNECT,        /* connect() issued: our SYN                                            */
    OVH_CONNECTED,      /* our connect() completed: SYN-ACK in, final ACK out                    */
    OVH_ACCEPT,         /* an incoming connection was accepted: SYN and ACK in, SYN-ACK out      */
    OVH_CLOSE,          /* orderly close: FIN and its ACK in each direction                      */
    OVH__N
};

/* Link framing the exact estimator adds below IP (network-facts.md §6). */
enum ovh_framing {
    OVH_FRAMING_IP = 0,         /* IP bytes only                                                */
    OVH_FRAMING_PPP,            /* +2 B PPP header                                              */
    OVH_FRAMING_ETHERNET,       /* +18 B (header + FCS), 64-B minimum frame, +20 preamble/IFG opt */
    OVH_FRAMING_PPPOA_VCMUX,    /* ATM cells: 53 * ceil((L + 10) / 48)                          */
    OVH_FRAMING_PPPOE_LLC,      /* ATM cells: 53 * ceil((L + 40) / 48), IP MTU 1492             */
    OVH_FRAMING__N
};
extern const char *const ovh_framing_name[OVH_FRAMING__N];

struct ovh_cfg {
    uint32_t         mtu;               /* IP MTU of the path (PPPoE framing caps it at 1492)  */
    int              timestamps;        /* RFC 7323 option: +12 B on every segment              */
    enum ovh_framing framing;           /* exact estimator only                                 */
    int              eth_preamble_ifg;  /* ethernet: count preamble/SFD and inter-frame gap    */
    uint32_t         segs_per_ack;      /* exact: receiver ACKs every Nth full segment (2)      */
};
void ovh_cfg_default(struct ovh_cfg *c);       /* 1500, no ts, IP framing, no preamble, 2 */

/* Per-connection state: full segments not yet covered by an ACK, per direction. */
struct ovh_flow {
    uint32_t rx_segs_unacked;   /* segments we received that our next ACK will cover           */
    uint32_t tx_segs_unacked;   /* segments we sent that the peer's next ACK will cover        */
};

struct ovh_cost {
    uint32_t up, down;          /* estimated overhead bytes added to upload / download          */
};

struct ovh_estimator {
    const char *name;
    const char *doc;
    /* flow may be NULL for estimators that keep no per-connection state (all but "exact"). */
    struct ovh_cost (*cost)(const struct ovh_cfg *cfg, struct ovh_flow *flow, enum ovh_event ev,
                            uint32_t bytes);
};

const struct ovh_estimator *ovh_find(const char *name);             /* NULL if unknown        */
const struct ovh_estimator *const *ovh_list(void);                   /* NULL-terminated        */

extern const struct ovh_estimator ovh_xtreme, ovh_libtorrent, ovh_exact;

/* Exact framing arithmetic, shared by the exact estimator and its tests. */
uint32_t ovh_wire_bytes(const struct ovh_cfg *c, uint32_t ip_len);   /* one IP packet on the wire */
uint32_t ovh_ip_mtu(const struct ovh_cfg *c);                        /* mtu, capped by framing    */
uint32_t ovh_tcp_header(const struct ovh_cfg *c);                    /* 40 or 52                  */
uint32_t ovh_mss(const struct ovh_cfg *c);                           /* ip_mtu - tcp header       */

#endif
