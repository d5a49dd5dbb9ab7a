/* Packet routing along precomputed paths, and the conservation ledger.
 * Routes are fixed per flow (access line, core, access line), so no lookup is needed per hop. */
#include "net.h"
#include "link.h"
#include <stdlib.h>
#include <string.h>

void net_init(struct net *n, uint64_t seed)
{
    memset(n, 0, sizeof *n);
    sim_init(&n->sim);
    pkt_pool_init(&n->pool);
    n->seed = seed;
    /* Test hook, in the manner of SQLite's test controls: RATELAB_TEST_LEDGER_SKEW=N books N IP
     * bytes as injected that never were, so the tests can check what a run that breaks byte
     * conservation does end to end.  Never set in normal use. */
    const char *skew = getenv("RATELAB_TEST_LEDGER_SKEW");
    if (skew) n->ledger.bytes_injected = strtoull(skew, NULL, 10);
}

void net_free(struct net *n)
{
    sim_free(&n->sim);
    pkt_pool_free(&n->pool);
}

void net_send(struct net *n, const struct path *path, struct packet *p)
{
    p->path = path;
    p->hop = 0;
    p->t_sent = n->sim.now;
    n->ledger.pkts_injected++;
    n->ledger.bytes_injected += pkt_ip_bytes(p);
    link_enqueue(n, path->hop[0], p);
}

void net_forward(struct net *n, struct packet *p)
{
    const struct path *path = p->path;
    p->hop++;
    if (p->hop < path->n_hops) {
        link_enqueue(n, path->hop[p->hop], p);
        return;
    }
    n->ledger.pkts_delivered++;
    n->ledger.bytes_delivered += pkt_ip_bytes(p);
    path->sink(n, path->ctx, p);
}

void net_drop(struct net *n, struct packet *p)
{
    n->ledger.pkts_dropped++;
    n->ledger.bytes_dropped += pkt_ip_bytes(p);
    pkt_free(&n->pool, p);
}
