/* The estimator registry and the two fixed-constant guesses: eMule Xtreme's (+40 per send call,
 * +40 per receive event as the ACK) and libtorrent's (one 40-B header per 1460 B, both ways). */
#include "overhead.h"
#include <string.h>

#define IP_TCP_HDR 40u      /* 20 IPv4 + 20 TCP: the constant both clients use */
#define IP_UDP_HDR 28u      /* 20 IPv4 + 8 UDP */

void ovh_cfg_default(struct ovh_cfg *c)
{
    c->mtu = 1500;
    c->timestamps = 0;
    c->framing = OVH_FRAMING_IP;
    c->eth_preamble_ifg = 0;
    c->segs_per_ack = 2;
}

/* Xtreme 8.1 (emule-upload.md §1.1 table).  It charges per system call or event, never per
 * segment: a 1300-B send() and a 10-B send() both cost 40, and one OnReceive that read 64 KiB
 * counts as one ACK. */
static struct ovh_cost xtreme_cost(const struct ovh_cfg *cfg, struct ovh_flow *flow, enum ovh_event ev,
                                   uint32_t bytes)
{
    (void)cfg; (void)flow;
    struct ovh_cost c = { 0, 0 };
    switch (ev) {
    case OVH_TCP_SEND:  if (bytes > 0) c.up = IP_TCP_HDR; break;
    case OVH_TCP_RECV:  c.down = IP_TCP_HDR; c.up = IP_TCP_HDR; break;   /* "Xman include ACK" */
    case OVH_UDP_SEND:  c.up = IP_UDP_HDR; break;
    case OVH_UDP_RECV:  break;              /* §1.1 lists a header for sent datagrams only */
    case OVH_CONNECT:   c.up = IP_TCP_HDR; break;
    case OVH_CONNECTED: c.up = IP_TCP_HDR; c.down = IP_TCP_HDR; break;
    case OVH_ACCEPT:    c.up = IP_TCP_HDR; c.down = IP_TCP_HDR; break;
    case OVH_CLOSE:     c.up = IP_TCP_HDR; c.down = IP_TCP_HDR; break;
    default: break;
    }
    return c;
}

/* libtorrent (§3.1): every read or write completion of n bytes costs max(1, ceil(n / 1460)) * 40
 * in BOTH directions ("one header for the packet and one for the ACK").  libtorrent assumes a
 * 1500-B MTU whatever the path, so cfg->mtu is deliberately ignored.  Datagrams: one 28-B header
 * in the direction of travel (our choice; §3.1 covers TCP only). */
#define LT_PACKET_PAYLOAD (1500u - IP_TCP_HDR)

static struct ovh_cost libtorrent_cost(const struct ovh_cfg *cfg, struct ovh_flow *flow, enum ovh_event ev,
                                       uint32_t bytes)
{
    (void)cfg; (void)flow;
    struct ovh_cost c = { 0, 0 };
    switch (ev) {
    case OVH_TCP_SEND:
    case OVH_TCP_RECV: {
        uint32_t pkts = (bytes + LT_PACKET_PAYLOAD - 1) / LT_PACKET_PAYLOAD;
        if (pkts == 0) pkts = 1;
        c.up = c.down = pkts * IP_TCP_HDR;
        break;
    }
    case OVH_UDP_SEND:  c.up = IP_UDP_HDR; break;
    case OVH_UDP_RECV:  c.down = IP_UDP_HDR; break;
    case OVH_CONNECT:   c.up = IP_TCP_HDR; break;                          /* SYN sent            */
    case OVH_CONNECTED: c.down = IP_TCP_HDR; c.up = IP_TCP_HDR; break;     /* SYN-ACK in, ACK out */
    case OVH_ACCEPT:    c.down = IP_TCP_HDR; c.up = IP_TCP_HDR; break;     /* mirror of the above */
    default: break;                                                         /* FIN: not counted    */
    }
    return c;
}

const struct ovh_estimator ovh_xtreme = {
    "xtreme", "eMule Xtreme 8.1: +40 B per send() call, +40 B up per receive event (ACK), +28 per UDP datagram sent",
    xtreme_cost
};
const struct ovh_estimator ovh_libtorrent = {
    "libtorrent", "libtorrent: ceil(bytes / 1460) * 40 B charged to both directions per read/write",
    libtorrent_cost
};

static const struct ovh_estimator *const registry[] = { &ovh_xtreme, &ovh_libtorrent, &ovh_exact, NULL };

const struct ovh_estimator *const *ovh_list(void) { return registry; }

const struct ovh_estimator *ovh_find(const char *name)
{
    for (size_t i = 0; registry[i]; i++)
        if (!strcmp(registry[i]->name, name)) return registry[i];
    return NULL;
}
