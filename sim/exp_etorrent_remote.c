/* Experiment etorrent: reciprocity.  Each remote peer chooses whom it uploads to with core/'s
 * choker on its own view (us and its competitors, ranked by what each uploads to it), and we
 * upload to the peers our choker unchokes, so a wrong unchoke of ours costs download.
 *
 * The model, as docs/experiments.md states it:
 *  - Our upload is a fluid: each peer our choker unchokes (preferred or optimistic) receives
 *    our_upload_Bps / (number unchoked), at most its downstream line, until our next rechoke.
 *    It is not sent as packets, so it does not load the client's uplink.
 *  - Remote peer j runs etorrent's choker (core/choke) with remote_slots upload slots over
 *    1 + K candidates: us (id 0), ranked by the bytes we uploaded to it in its last 10-s round,
 *    and K competitors (ids 1..K) whose upload rates to j are drawn once from the swarm's
 *    capacity distribution (its own random stream) and held: a tit-for-tat simplification in
 *    which the competitors always upload to j whatever j does.
 *  - j rechokes every 10 s from its own phase, its optimistic ring advancing every third round
 *    as ours does.  When it starts (connects, or starts late) it unchokes us until its first own
 *    rechoke, as clients favour new connections for their optimistic unchoke.
 *  - While j chokes us its sender takes no requests and drops the PIECEs it had queued but not
 *    begun; they are answered when it unchokes us again (BitTorrent discards requests on choke
 *    and the requester asks again). */
#include "exp_etorrent.h"

static void settle(struct et_peer *p, sim_time_t now)
{
    p->our_bytes += p->our_rate_Bps * (double)(now - p->our_since) / 1e9;
    p->our_since = now;
}

static void remote_rechoke(struct sim *s, struct sim_event *ev)
{
    struct et_peer *p = ev->ctx;
    struct choker *v = &p->view;
    settle(p, s->now);
    double got = p->our_bytes - p->our_bytes_seen;
    double dt = (double)(s->now - p->remote_last) / 1e9;
    v->peer[0].rate_Bps = dt > 0 ? got / dt : 0.0;
    /* the round's two 5-s snub ticks; a block's worth from us counts as a PIECE */
    choke_tick_peer(v, 0);
    choke_tick_peer(v, 0);
    if (got >= ET_BLOCK) choke_note_piece(v, 0);
    choke_round(v);
    p->our_bytes_seen = p->our_bytes;
    p->remote_last = s->now;
    et_peer_set_unchoking(p, v->peer[0].unchoked);
    sim_schedule_in(s, ev, ET_RECHOKE_NS);
}

int et_remote_setup(struct et_run *r, struct et_peer *p, gsl_rng *g)
{
    sim_event_init(&p->remote_ev, remote_rechoke, p);
    if (!r->cfg.reciprocity) return 0;
    size_t k = (size_t)r->cfg.remote_competitors;
    p->offer = calloc(k ? k : 1, sizeof *p->offer);
    if (!p->offer || choke_init(&p->view, 1 + k, r->cfg.remote_slots) != 0) return -1;
    choke_add_peer(&p->view, 0, gsl_rng_uniform(g));
    for (size_t i = 0; i < k; i++) {
        p->offer[i] = et_draw_capacity(&r->cfg, g);
        choke_add_peer(&p->view, (unsigned)(1 + i), gsl_rng_uniform(g));
        p->view.peer[1 + i].rate_Bps = p->offer[i];
    }
    for (size_t i = 0; i <= k; i++) p->view.peer[i].interested = 1;
    return 0;
}

void et_remote_free(struct et_peer *p)
{
    sim_cancel(&p->run->net.sim, &p->remote_ev);
    if (p->view.peer) choke_free(&p->view);
    free(p->offer);
    p->offer = NULL;
}

void et_remote_start(struct et_peer *p)
{
    struct sim *s = &p->run->net.sim;
    p->our_since = p->remote_last = s->now;
    et_peer_set_unchoking(p, 1);
    if (p->run->cfg.reciprocity) sim_schedule_in(s, &p->remote_ev, ET_RECHOKE_NS + p->remote_phase);
}

void et_remote_our_unchokes(struct et_run *r)
{
    sim_time_t now = r->net.sim.now;
    size_t n_unchoked = 0;
    for (size_t i = 0; i < r->n_peers; i++)
        n_unchoked += r->peer[i].connected && r->choker.peer[i].unchoked;
    double share = n_unchoked ? r->cfg.our_upload_Bps / (double)n_unchoked : 0.0;
    for (size_t i = 0; i < r->n_peers; i++) {
        struct et_peer *p = &r->peer[i];
        settle(p, now);
        double line = (double)r->topo.remote[i].down.rate_bps / 8.0;
        p->our_rate_Bps = p->connected && r->choker.peer[i].unchoked ? (share < line ? share : line) : 0.0;
    }
}
