/* Link model: [delay line ->] drop-tail FIFO -> serializer (or tbf's token bucket) -> constant-delay
 * pipe [-> the receiving host's backlog] -> next hop.  Invariant: pipe packets arrive in FIFO order
 * because each enters no earlier than the last; the delay line and the backlog keep their order the
 * same way (each hands a packet on no earlier than the one before it). */
#include "link.h"
#include "net.h"
#include "rng.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_tx_done(struct sim *s, struct sim_event *ev);
static void on_arrive(struct sim *s, struct sim_event *ev);
static void on_delay_line_out(struct sim *s, struct sim_event *ev);
static void on_host_backlog_out(struct sim *s, struct sim_event *ev);
static void link_accept(struct net *n, struct link *l, struct packet *p);
static void backlog_push(struct link_host_backlog *b, int kind, struct packet *p);

/* A link's timed FIFOs (its delay line, its pipe, the receiving host's backlog) hold packets that
 * leave at their t_enq, in order: append one due at `at`, and take the head when ev fires. */
static void timed_push(struct sim *s, struct packet **head, struct packet **tail, struct sim_event *ev,
                       struct packet *p, sim_time_t at)
{
    p->t_enq = at;
    p->next = NULL;
    if (*tail) (*tail)->next = p; else *head = p;
    *tail = p;
    if (!sim_event_pending(ev)) sim_schedule_at(s, ev, at);
}

static struct packet *timed_pop(struct sim *s, struct packet **head, struct packet **tail, struct sim_event *ev)
{
    struct packet *p = *head;
    *head = p->next;
    if (!*head) *tail = NULL;
    else sim_schedule_at(s, ev, (*head)->t_enq);
    p->next = NULL;
    return p;
}

void link_init(struct link *l, struct net *n, uint64_t rate_bps,
               sim_time_t prop_delay, struct framing framing, uint32_t qlim_pkts, uint64_t qlim_bytes)
{
    memset(l, 0, sizeof *l);
    l->net = n;
    l->rate_bps = rate_bps;
    l->prop_delay = prop_delay;
    l->framing = framing;
    l->qlim_pkts = qlim_pkts;
    l->qlim_bytes = qlim_bytes;
    sim_event_init(&l->tx_done, on_tx_done, l);
    sim_event_init(&l->arrive, on_arrive, l);
}

void link_set_delay_line(struct link *l, const struct delay_line_table *t, gsl_rng *rng)
{
    if (!l->dl && !(l->dl = calloc(1, sizeof *l->dl))) { perror("link"); exit(1); }
    if (l->dl->rng) rng_free(l->dl->rng);
    l->dl->t = t;
    l->dl->rng = rng;
    l->dl->last = -SIM_NEVER;                     /* nothing has left: the first packet is due after */
    sim_event_init(&l->dl->out, on_delay_line_out, l);
}

void link_set_watchdog(struct link *l, const struct tbf_watchdog_table *t, gsl_rng *rng)
{
    if (!l->wd && !(l->wd = calloc(1, sizeof *l->wd))) { perror("link"); exit(1); }
    if (l->wd->rng) rng_free(l->wd->rng);
    l->wd->t = t;
    l->wd->rng = rng;
}

void link_set_host_backlog(struct link *in, struct link *out, const struct host_backlog_table *t, gsl_rng *rng)
{
    struct link_host_backlog *b = in->hb;
    if (!b && !(b = in->hb = calloc(1, sizeof *b))) { perror("link"); exit(1); }
    if (b->rng) rng_free(b->rng);
    b->t = t;
    b->rng = rng;
    b->in = in;
    b->out = out;
    if (out) out->hb = b;
    b->last = -SIM_NEVER;
    sim_event_init(&b->ev[HOST_BACKLOG_IN], on_host_backlog_out, b);
    sim_event_init(&b->ev[HOST_BACKLOG_OUT], on_host_backlog_out, b);
}

sim_time_t link_host_backlog_until(const struct link *l, sim_time_t now)
{
    const struct link_host_backlog *b = l->hb;
    return b && b->in == l && (b->head[0] || b->head[1]) && b->last > now ? b->last : now;
}

void link_share_delay_line(struct link *a, struct link *b)
{
    a->dl->peer = b->dl;
    b->dl->peer = a->dl;
}

void link_set_bucket(struct link *l, uint32_t bytes)
{
    l->bucket_ns = link_tx_time(l, bytes);
    l->toks = l->bucket_ns;
    l->t_c = l->net->sim.now;
}

/* How long the head packet of `wire` bytes waits for its tokens (tbf_dequeue: tokens grow with
 * time up to the bucket, a packet takes its line time from them); 0 when it leaves at once. */
static sim_time_t bucket_wait(struct link *l, sim_time_t now, uint32_t wire)
{
    sim_time_t cost = link_tx_time(l, wire);
    sim_time_t toks = l->toks + (now - l->t_c);
    if (toks > l->bucket_ns) toks = l->bucket_ns;
    sim_time_t wait = toks >= cost ? 0 : cost - toks;
    l->toks = toks + wait - cost;
    l->t_c = now + wait;
    return wait;
}

void link_track_qdelay(struct link *l)
{
    if (l->st.qdelay) return;
    if (!(l->st.qdelay = malloc(sizeof *l->st.qdelay))) { perror("link"); exit(1); }
    hist_init(l->st.qdelay);
}

void link_free(struct link *l)
{
    free(l->sec);
    l->sec = NULL;
    if (l->dl && l->dl->rng) rng_free(l->dl->rng);
    if (l->dl && l->dl->peer) l->dl->peer->peer = NULL;
    free(l->dl);
    l->dl = NULL;
    if (l->wd && l->wd->rng) rng_free(l->wd->rng);
    free(l->wd);
    l->wd = NULL;
    if (l->hb && l->hb->in == l) {              /* the delivering link owns the backlog */
        if (l->hb->out) l->hb->out->hb = NULL;
        if (l->hb->rng) rng_free(l->hb->rng);
        free(l->hb);
    } else if (l->hb) {
        l->hb->out = NULL;
    }
    l->hb = NULL;
    if (l->st.qdelay) hist_free(l->st.qdelay);
    free(l->st.qdelay);
    l->st.qdelay = NULL;
    l->n_sec = l->cap_sec = 0;
}

sim_time_t link_tx_time(const struct link *l, uint32_t wire)
{
    /* 128-bit intermediate: wire * 8e9 overflows 64 bits only beyond 2 GB, but be exact anyway. */
    unsigned __int128 num = (unsigned __int128)wire * 8u * 1000000000u;
    return (sim_time_t)((num + l->rate_bps - 1) / l->rate_bps);
}

void link_classify(const struct packet *p, uint32_t wire, uint64_t out[BC__N])
{
    if (p->cross)            { out[BC_CROSS] += wire; return; }
    if (p->payload == 0)     { out[BC_ACK] += wire; return; }
    out[BC_DATA]    += p->payload - p->ctrl;
    out[BC_CONTROL] += p->ctrl;
    out[BC_HEADER]  += wire - p->payload;
}

static struct link_second *second_of(struct link *l, sim_time_t t)
{
    size_t i = (size_t)(t / SIM_SEC(1));
    if (i >= l->cap_sec) {
        size_t cap = l->cap_sec ? l->cap_sec : 64;
        while (cap <= i) cap *= 2;
        struct link_second *s = realloc(l->sec, cap * sizeof *s);
        if (!s) { perror("link"); exit(1); }
        memset(s + l->cap_sec, 0, (cap - l->cap_sec) * sizeof *s);
        l->sec = s; l->cap_sec = cap;
    }
    if (i >= l->n_sec) l->n_sec = i + 1;
    return &l->sec[i];
}

static void start_tx(struct net *n, struct link *l)
{
    struct packet *p = l->q_head;
    l->q_head = p->next;
    if (!l->q_head) l->q_tail = NULL;
    l->q_pkts--;
    l->q_bytes -= p->wire;
    p->next = NULL;
    l->tx = p;
    sim_time_t wait = n->sim.now - p->t_enq;
    if (l->st.qdelay && n->sim.now >= l->stats_from) hist_add(l->st.qdelay, wait);
    if (l->probe) {
        struct link_second *s = second_of(l, n->sim.now);
        s->qdelay_sum_ns += (double)wait;
        s->qdelay_n++;
    }
    if (!l->bucket_ns) { sim_schedule_in(&n->sim, &l->tx_done, link_tx_time(l, p->wire)); return; }
    sim_time_t leave = bucket_wait(l, n->sim.now, p->wire);
    /* tbf_dequeue arms its watchdog (an hrtimer) for the moment the tokens are there; the packet
     * leaves when the timer has fired and the NET_TX softirq it schedules has run.  The tokens
     * keep growing meanwhile (t_c stays at `due`), so what they grew to leaves with it. */
    if (leave > 0 && l->wd) {
        l->wd->due = n->sim.now + leave;
        l->wd->held = 1;
        leave += tbf_watchdog_late_ns(l->wd->t, gsl_rng_uniform(l->wd->rng));
    }
    sim_schedule_in(&n->sim, &l->tx_done, leave);
}

static void fifo_enqueue(struct net *n, struct link *l, struct packet *p);

void link_enqueue(struct net *n, struct link *l, struct packet *p)
{
    /* A packet the host hands to its first hop waits in the host's backlog first. */
    if (l->hb && l->hb->out == l && p->hop == 0) { backlog_push(l->hb, HOST_BACKLOG_OUT, p); return; }
    link_accept(n, l, p);
}

/* The line takes a packet: its delay line, or its FIFO. */
static void link_accept(struct net *n, struct link *l, struct packet *p)
{
    if (!l->dl) { fifo_enqueue(n, l, p); return; }
    /* The TUN reader takes packets in arrival order and writes one at a time, one loop for both
     * directions when the two share the line.  A packet due after the line's last departure waits
     * for the reader's own wake-up, read and write: its `own` extra, drawn from what exactly such
     * packets took in the traces (own_and_service in tools/delay_line_trace.py counts a packet
     * whose due time, arrival + delay, is after its predecessor's departure).  A packet due while
     * its predecessor is still inside takes no wake-up of its own: kernel/agent_delay.c writes
     * every packet whose due time has passed before it sleeps again, so it leaves one turn of
     * its loop (`service`) after the one before it.  That turn is drawn per packet from the
     * measured gaps between departures of packets that waited (own_and_service again), not
     * taken as their median: the kernel's vary from a few us to milliseconds, and with one
     * constant the simulated line emptied too fast (bursts entered the FIFO one constant apart;
     * at 100/10 Mbit/s a fifth of the measured extra).  One uniform draw for the turn, then one
     * for `own` when the packet is due after the last departure, both from the line's stream. */
    struct link_delay_line *d = l->dl;
    sim_time_t last = d->peer && d->peer->last > d->last ? d->peer->last : d->last;
    sim_time_t out = last + delay_line_service_ns(d->t, gsl_rng_uniform(d->rng));
    if (n->sim.now > last) {
        sim_time_t own = n->sim.now + delay_line_own_ns(d->t, gsl_rng_uniform(d->rng));
        if (own > out) out = own;
    }
    d->last = out;
    timed_push(&n->sim, &d->head, &d->tail, &d->out, p, out);   /* t_enq: when it leaves the line */
}

static void on_delay_line_out(struct sim *s, struct sim_event *ev)
{
    struct link *l = ev->ctx;
    struct link_delay_line *d = l->dl;
    fifo_enqueue(l->net, l, timed_pop(s, &d->head, &d->tail, &d->out));
}

static void fifo_enqueue(struct net *n, struct link *l, struct packet *p)
{
    p->wire = framing_wire_bytes(&l->framing, pkt_ip_bytes(p));
    p->t_enq = n->sim.now;
    p->next = NULL;
    l->st.offered_ip_bytes += pkt_ip_bytes(p);
    l->st.offered_pkts++;
    if (p->payload > 0 && !p->cross && pkt_ip_bytes(p) < LINK_SMALL_IP_BYTES) l->st.offered_small++;
    int busy = l->tx != NULL;
    /* The kernel engine's line is tbf with a pfifo inside: tbf_dequeue only peeks at the pfifo's
     * head until the bucket holds its bytes, so on a busy line the packet whose time is being
     * paid for still takes one of the pfifo's `limit` places (pfifo_enqueue counts sch->q.qlen).
     * A veth line therefore holds modem_queue_pkts packets in all, the one in the serializer
     * included (with tbf's bucket: while it waits for its tokens; one released at once has left);
     * the other framings keep a modem's FIFO behind its serializer. */
    uint32_t held = l->q_pkts + (uint32_t)(busy && l->framing.kind == FRAMING_VETH &&
                                           (!l->bucket_ns || l->tx_done.at > n->sim.now));
    if (busy && ((l->qlim_pkts && held >= l->qlim_pkts) ||
                 (l->qlim_bytes && l->q_bytes + p->wire > l->qlim_bytes))) {
        l->st.drops++;
        l->st.drop_wire_bytes += p->wire;
        if (l->probe) second_of(l, n->sim.now)->drops++;
        net_drop(n, p);
        return;
    }
    if (l->q_tail) l->q_tail->next = p; else l->q_head = p;
    l->q_tail = p;
    l->q_pkts++;
    l->q_bytes += p->wire;
    if (l->q_pkts > l->st.max_queue_pkts) l->st.max_queue_pkts = l->q_pkts;
    if (!busy) { start_tx(n, l); return; }
    /* Every enqueue runs the qdisc (__dev_xmit_skb -> __qdisc_run): a packet whose tokens are
     * there but whose watchdog has not run yet leaves now. */
    if (l->wd && l->tx_done.at > n->sim.now && n->sim.now >= l->wd->due) {
        sim_schedule_at(&n->sim, &l->tx_done, n->sim.now);
    }
}

static void on_tx_done(struct sim *s, struct sim_event *ev)
{
    struct link *l = ev->ctx;
    struct net *n = l->net;
    struct packet *p = l->tx;
    l->tx = NULL;
    if (l->wd && l->wd->held) {
        /* tbf_dequeue at the late moment: the tokens grown since `due` go into the bucket with
         * the head's cost still in it, so past (bucket - cost) of lateness they are lost. */
        sim_time_t grown = s->now - l->wd->due, room = l->bucket_ns - link_tx_time(l, p->wire);
        if (room < 0) room = 0;
        l->toks = grown < room ? grown : room;
        l->t_c = s->now;
        l->wd->held = 0;
    }
    if (s->now >= l->stats_from) {
        link_classify(p, p->wire, l->st.wire_bytes);
        l->st.wire_total += p->wire;
        l->st.ip_bytes += pkt_ip_bytes(p);
        l->st.pkts++;
    }
    if (l->probe) {
        uint64_t cls[BC__N] = { 0 };
        link_classify(p, p->wire, cls);
        sim_time_t end = s->now, start = end - link_tx_time(l, p->wire);
        for (sim_time_t t = start; t < end;) {
            sim_time_t next = (t / SIM_SEC(1) + 1) * SIM_SEC(1);
            sim_time_t upto = next < end ? next : end;
            double share = (double)(upto - t) / (double)(end - start);
            struct link_second *sec = second_of(l, t);
            for (int c = 0; c < BC__N; c++) sec->wire_bytes[c] += (double)cls[c] * share;
            t = upto;
        }
        second_of(l, end - 1)->pkts++;
    }
    /* Into the pipe: arrival = now + prop; FIFO since now is non-decreasing. */
    timed_push(s, &l->pipe_head, &l->pipe_tail, &l->arrive, p, s->now + l->prop_delay);
    if (l->q_head) start_tx(n, l);
}

static void on_arrive(struct sim *s, struct sim_event *ev)
{
    struct link *l = ev->ctx;
    struct packet *p = timed_pop(s, &l->pipe_head, &l->pipe_tail, &l->arrive);
    if (l->hb && l->hb->in == l) backlog_push(l->hb, HOST_BACKLOG_IN, p);
    else net_forward(l->net, p);
}

/* Into a host's backlog, a FIFO that works as the delay line does: a service gap after the packet
 * ahead of it (of either kind), and its own wait when that one has already been handed on. */
static void backlog_push(struct link_host_backlog *b, int kind, struct packet *p)
{
    struct sim *s = &b->in->net->sim;
    sim_time_t out = b->last + host_backlog_service_ns(b->t, kind, gsl_rng_uniform(b->rng));
    if (s->now > b->last) {
        sim_time_t own = s->now + host_backlog_own_ns(b->t, kind, gsl_rng_uniform(b->rng));
        if (own > out) out = own;
    }
    b->last = out;
    timed_push(s, &b->head[kind], &b->tail[kind], &b->ev[kind], p, out);   /* t_enq: when it is handed on */
}

/* Handed on: an arrival to the host's stack, a packet the host sent to its first hop's line. */
static void on_host_backlog_out(struct sim *s, struct sim_event *ev)
{
    struct link_host_backlog *b = ev->ctx;
    int kind = ev == &b->ev[HOST_BACKLOG_OUT];
    struct packet *p = timed_pop(s, &b->head[kind], &b->tail[kind], &b->ev[kind]);
    if (kind == HOST_BACKLOG_IN) net_forward(b->in->net, p);
    else link_accept(b->out->net, b->out, p);
}

void link_reset_stats(struct link *l)
{
    memset(l->st.wire_bytes, 0, sizeof l->st.wire_bytes);
    l->st.wire_total = l->st.ip_bytes = l->st.pkts = l->st.drops = l->st.drop_wire_bytes = 0;
    l->st.offered_ip_bytes = l->st.offered_pkts = l->st.offered_small = 0;
    l->st.max_queue_pkts = 0;
    if (l->st.qdelay) hist_reset(l->st.qdelay);
    l->stats_from = l->net->sim.now;
}

/* Which of its host backlog's packets count as this link's: the arrivals it delivers, or the
 * host's own packets waiting for it (l->hb set). */
static int backlog_kind(const struct link *l)
{
    return l->hb->in == l ? HOST_BACKLOG_IN : HOST_BACKLOG_OUT;
}

void link_in_flight(const struct link *l, uint64_t *pkts, uint64_t *ip_bytes)
{
    const struct packet *waiting = l->hb ? l->hb->head[backlog_kind(l)] : NULL;
    const struct packet *lists[4] = { l->dl ? l->dl->head : NULL, l->q_head, l->pipe_head, waiting };
    for (int k = 0; k < 4; k++)
        for (const struct packet *p = lists[k]; p; p = p->next) { (*pkts)++; *ip_bytes += pkt_ip_bytes(p); }
    if (l->tx) { (*pkts)++; *ip_bytes += pkt_ip_bytes(l->tx); }
}

void link_flush(struct link *l)
{
    int kind = l->hb ? backlog_kind(l) : HOST_BACKLOG_IN;
    struct packet *lists[4] = { l->dl ? l->dl->head : NULL, l->q_head, l->pipe_head, l->hb ? l->hb->head[kind] : NULL };
    for (int k = 0; k < 4; k++)
        for (struct packet *p = lists[k], *nx; p; p = nx) { nx = p->next; pkt_free(&l->net->pool, p); }
    if (l->tx) pkt_free(&l->net->pool, l->tx);
    l->q_head = l->q_tail = l->pipe_head = l->pipe_tail = l->tx = NULL;
    l->q_pkts = 0; l->q_bytes = 0;
    sim_cancel(&l->net->sim, &l->tx_done);
    sim_cancel(&l->net->sim, &l->arrive);
    if (l->dl) {
        l->dl->head = l->dl->tail = NULL;
        sim_cancel(&l->net->sim, &l->dl->out);
    }
    if (l->hb) {
        l->hb->head[kind] = l->hb->tail[kind] = NULL;
        sim_cancel(&l->net->sim, &l->hb->ev[kind]);
    }
}
