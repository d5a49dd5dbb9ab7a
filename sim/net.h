/* A simulated network: the engine, the packet pool, and routes (paths) over links.
 * Packets enter with net_send, hop link to link along their path, and end at the path's sink. */
#ifndef SIM_NET_H
#define SIM_NET_H

#include "engine.h"
#include "packet.h"

#define PATH_MAX_HOPS 4

struct link;
struct net;

/* The endpoint a path delivers to takes ownership of the packet and must pkt_free it. */
typedef void (*path_sink_fn)(struct net *n, void *ctx, struct packet *p);

struct path {
    struct link *hop[PATH_MAX_HOPS];
    uint8_t      n_hops;
    path_sink_fn sink;
    void        *ctx;
};

/* Byte conservation: injected == delivered + dropped + in flight, for packets and IP bytes. */
struct net_ledger {
    uint64_t pkts_injected, pkts_delivered, pkts_dropped;
    uint64_t bytes_injected, bytes_delivered, bytes_dropped;   /* IP bytes (header + payload) */
};

struct net {
    struct sim        sim;
    struct pkt_pool   pool;
    struct net_ledger ledger;
    uint64_t          seed;
};

void net_init(struct net *n, uint64_t seed);
void net_free(struct net *n);

/* Hand a packet (payload, hdr_bytes, class fields filled in) to its path's first link. */
void net_send(struct net *n, const struct path *path, struct packet *p);
/* Called by a link when a packet leaves its far end: next hop or sink. */
void net_forward(struct net *n, struct packet *p);
/* Called by a link that drops a packet. */
void net_drop(struct net *n, struct packet *p);

static inline sim_time_t net_now(const struct net *n) { return n->sim.now; }

#endif
