/* Builds the client / core / remote-hosts topology and the paths across it.
 * Remotes default to well-connected servers until an experiment gives them access lines. */
#include "topology.h"
#include <stdio.h>
#include <stdlib.h>

void topo_init(struct topology *t, struct net *n, const struct access_cfg *client,
               size_t n_remote, uint64_t core_bps, sim_time_t core_delay)
{
    t->net = n;
    t->n_remote = n_remote;
    t->one_host = 0;
    link_init(&t->client_up, n, client->up_bps, client->delay, client->framing, client->queue_pkts, 0);
    link_init(&t->client_down, n, client->down_bps, client->delay, client->framing, client->queue_pkts, 0);
    link_track_qdelay(&t->client_up);   /* the uplink's queueing delay is a metric of every experiment */
    t->remote = calloc(n_remote ? n_remote : 1, sizeof *t->remote);
    if (!t->remote) { perror("topology"); exit(1); }
    struct framing none = { FRAMING_NONE, 0 };
    for (size_t i = 0; i < n_remote; i++) {
        struct remote_host *r = &t->remote[i];
        link_init(&r->core_to, n, core_bps, core_delay, none, 0, 0);
        link_init(&r->core_from, n, core_bps, core_delay, none, 0, 0);
        /* Default remote: a well-connected server (core rate, no framing, no extra delay), so the
         * client's line is the only bottleneck until an experiment gives remotes lines of their own. */
        struct access_cfg a = { core_bps, core_bps, 0, none, 0 };
        topo_set_remote_access(t, i, &a);
    }
}

void topo_set_remote_access(struct topology *t, size_t i, const struct access_cfg *a)
{
    struct remote_host *r = &t->remote[i];
    link_init(&r->up, t->net, a->up_bps, a->delay, a->framing, a->queue_pkts, 0);
    link_init(&r->down, t->net, a->down_bps, a->delay, a->framing, a->queue_pkts, 0);
}

void topo_one_remote_host(struct topology *t) { t->one_host = 1; }

void topo_free(struct topology *t)
{
    link_flush(&t->client_up); link_free(&t->client_up);
    link_flush(&t->client_down); link_free(&t->client_down);
    for (size_t i = 0; i < t->n_remote; i++) {
        struct link *ls[4] = { &t->remote[i].up, &t->remote[i].down, &t->remote[i].core_to, &t->remote[i].core_from };
        for (int k = 0; k < 4; k++) { link_flush(ls[k]); link_free(ls[k]); }
    }
    free(t->remote);
    t->remote = NULL;
    t->n_remote = 0;
}

void topo_path_up(const struct topology *t, size_t i, struct path *p)
{
    if (t->one_host) i = 0;
    p->hop[0] = (struct link *)&t->client_up;
    p->hop[1] = &t->remote[i].core_to;
    p->hop[2] = &t->remote[i].down;
    p->n_hops = 3;
    p->sink = NULL;
    p->ctx = NULL;
}

void topo_path_down(const struct topology *t, size_t i, struct path *p)
{
    if (t->one_host) i = 0;
    p->hop[0] = &t->remote[i].up;
    p->hop[1] = &t->remote[i].core_from;
    p->hop[2] = (struct link *)&t->client_down;
    p->n_hops = 3;
    p->sink = NULL;
    p->ctx = NULL;
}

void topo_in_flight(const struct topology *t, uint64_t *pkts, uint64_t *ip_bytes)
{
    link_in_flight(&t->client_up, pkts, ip_bytes);
    link_in_flight(&t->client_down, pkts, ip_bytes);
    for (size_t i = 0; i < t->n_remote; i++) {
        link_in_flight(&t->remote[i].up, pkts, ip_bytes);
        link_in_flight(&t->remote[i].down, pkts, ip_bytes);
        link_in_flight(&t->remote[i].core_to, pkts, ip_bytes);
        link_in_flight(&t->remote[i].core_from, pkts, ip_bytes);
    }
}

int topo_ledger_balanced(const struct topology *t, uint64_t *in_flight_bytes)
{
    uint64_t pkts = 0, bytes = 0;
    topo_in_flight(t, &pkts, &bytes);
    const struct net_ledger *lg = &t->net->ledger;
    if (in_flight_bytes) *in_flight_bytes = bytes;
    return lg->pkts_injected == lg->pkts_delivered + lg->pkts_dropped + pkts &&
           lg->bytes_injected == lg->bytes_delivered + lg->bytes_dropped + bytes;
}

void topo_reset_stats(struct topology *t)
{
    link_reset_stats(&t->client_up);
    link_reset_stats(&t->client_down);
    for (size_t i = 0; i < t->n_remote; i++) {
        link_reset_stats(&t->remote[i].up);
        link_reset_stats(&t->remote[i].down);
        link_reset_stats(&t->remote[i].core_to);
        link_reset_stats(&t->remote[i].core_from);
    }
}
