/* The testbed's topology: the local client behind its asymmetric access line, a core with a
 * per-remote one-way delay, and N remote hosts each behind an access line of their own. */
#ifndef SIM_TOPOLOGY_H
#define SIM_TOPOLOGY_H

#include <stddef.h>
#include "link.h"
#include "net.h"

/* One host's access line: two independent links (asymmetric DSL/cable). */
struct access_cfg {
    uint64_t       down_bps, up_bps;
    sim_time_t     delay;            /* one-way propagation, each direction                    */
    struct framing framing;
    uint32_t       queue_pkts;       /* drop-tail limit of both directions (0: unlimited)       */
};

struct remote_host {
    struct link up, down;            /* the remote's own access line                           */
    struct link core_to, core_from;  /* core hop client->remote and remote->client            */
};

struct topology {
    struct net         *net;
    struct link         client_up, client_down;
    struct remote_host *remote;
    size_t              n_remote;
    int                 one_host;    /* every remote flow is on remote 0's host (topo_one_remote_host) */
};

/* core_bps/core_delay: the core hop of every remote (delays may be changed per remote after
 * init by writing remote[i].core_to.prop_delay / core_from.prop_delay before traffic starts). */
void topo_init(struct topology *t, struct net *n, const struct access_cfg *client,
               size_t n_remote, uint64_t core_bps, sim_time_t core_delay);
/* Give remote i its own access line (default: core rate both ways, no framing, no delay). */
void topo_set_remote_access(struct topology *t, size_t i, const struct access_cfg *a);
/* Put every remote flow on one host, remote 0's: its access line and core hops carry them all,
 * in the order they are sent (the kernel testbed's single server namespace, one veth); the other
 * remotes' links stay idle. */
void topo_one_remote_host(struct topology *t);
void topo_free(struct topology *t);
/* Paths: client -> remote i (client_up, core_to, remote down) and back. Sink left for the user. */
void topo_path_up(const struct topology *t, size_t i, struct path *p);
void topo_path_down(const struct topology *t, size_t i, struct path *p);
/* Sum of packets / IP bytes still inside any link, for the conservation check. */
void topo_in_flight(const struct topology *t, uint64_t *pkts, uint64_t *ip_bytes);
/* Conservation: injected == delivered + dropped + still inside a link, for packets and IP bytes.
 * Returns 1 if it holds; *in_flight_bytes (if not NULL) gets the bytes still inside links. */
int  topo_ledger_balanced(const struct topology *t, uint64_t *in_flight_bytes);
/* End of warm-up: reset every link's counters. */
void topo_reset_stats(struct topology *t);

#endif
