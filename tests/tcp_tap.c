/* The test tap: sits where each path ends, logs the segment, applies the test's rule and hands
 * what passes to the real TCP input.  Held segments keep their order (one FIFO, one timer).  Also
 * the small applications the TCP tests share: a periodic writer and a reader that reads at once. */
#include "tcp_tap.h"
#include "tcp_int.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Log the segment as the receiving endpoint gets it, then hand it over. */
static void tap_deliver(struct tcp_tap *t, struct packet *p)
{
    int dir = p->flow;
    if (t->n_log == t->cap_log) {
        t->cap_log = t->cap_log ? 2 * t->cap_log : 256;
        t->log = realloc(t->log, t->cap_log * sizeof *t->log);
        if (!t->log) { perror("tap"); exit(1); }
    }
    struct tap_seg *s = &t->log[t->n_log++];
    memset(s, 0, sizeof *s);
    s->t = t->net.sim.now; s->t_sent = p->t_sent; s->seq = p->seq; s->ack = p->ack; s->payload = p->payload;
    s->rwnd = p->rwnd;
    s->dir = (uint8_t)dir; s->n_sack = p->n_sack; s->flags = p->flags;
    memcpy(s->sack, p->sack, sizeof s->sack);
    tcp_input(&t->net, &t->conn.ep[1 - dir], p);
}

/* Release the held segments whose time has come, in order; t_enq holds each one's release time
 * (the link is done with the field once the packet has left it). */
static void tap_release(struct sim *s, struct sim_event *ev)
{
    struct tcp_tap *t = ev->ctx;
    while (t->held_head && t->held_head->t_enq <= s->now) {
        struct packet *p = t->held_head;
        t->held_head = p->next;
        if (!t->held_head) t->held_tail = NULL;
        p->next = NULL;
        tap_deliver(t, p);
    }
    if (t->held_head) sim_schedule_at(s, ev, t->held_head->t_enq);
}

static void tap_sink(struct net *n, void *ctx, struct packet *p, int dir)
{
    struct tcp_tap *t = ctx;
    p->flow = (uint16_t)dir;
    sim_time_t until = 0;
    enum tap_verdict v = t->rule ? t->rule(t, dir, p, &until) : TAP_PASS;
    if (v == TAP_DROP) { t->dropped[dir]++; pkt_free(&n->pool, p); return; }
    if (v == TAP_HOLD || t->held_head) {
        /* Anything behind a held segment waits with it: the path stays a FIFO. */
        sim_time_t at = v == TAP_HOLD && until > n->sim.now ? until : n->sim.now;
        if (t->held_tail && t->held_tail->t_enq > at) at = t->held_tail->t_enq;
        p->t_enq = at;
        p->next = NULL;
        if (t->held_tail) t->held_tail->next = p; else t->held_head = p;
        t->held_tail = p;
        if (!sim_event_pending(&t->release_ev)) sim_schedule_at(&n->sim, &t->release_ev, t->held_head->t_enq);
        return;
    }
    tap_deliver(t, p);
}
static void tap_sink_fwd(struct net *n, void *ctx, struct packet *p) { tap_sink(n, ctx, p, 0); }
static void tap_sink_rev(struct net *n, void *ctx, struct packet *p) { tap_sink(n, ctx, p, 1); }

void tap_init(struct tcp_tap *t, const struct tcp_cfg *cfg, uint64_t fwd_bps, uint64_t rev_bps,
              sim_time_t delay, uint32_t qlim)
{
    memset(t, 0, sizeof *t);
    net_init(&t->net, 1);
    struct framing ppp = { FRAMING_PPP, 0 };
    link_init(&t->fwd, &t->net, fwd_bps, delay, ppp, qlim, 0);
    link_init(&t->rev, &t->net, rev_bps, delay, ppp, qlim, 0);
    struct path fwd = { { &t->fwd }, 1, NULL, NULL }, rev = { { &t->rev }, 1, NULL, NULL };
    tcp_conn_init(&t->conn, &t->net, cfg, &fwd, &rev);
    t->conn.path[0].sink = tap_sink_fwd; t->conn.path[0].ctx = t;
    t->conn.path[1].sink = tap_sink_rev; t->conn.path[1].ctx = t;
    sim_event_init(&t->release_ev, tap_release, t);
}

size_t tap_count_data(const struct tcp_tap *t, int dir, uint32_t below)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n_log; i++)
        if (t->log[i].dir == dir && t->log[i].payload > 0 && t->log[i].payload < below) n++;
    return n;
}

void tap_free(struct tcp_tap *t)
{
    sim_cancel(&t->net.sim, &t->release_ev);
    while (t->held_head) { struct packet *p = t->held_head; t->held_head = p->next; pkt_free(&t->net.pool, p); }
    tcp_conn_free(&t->conn);
    link_flush(&t->fwd); link_flush(&t->rev);
    link_free(&t->fwd); link_free(&t->rev);
    free(t->log);
    net_free(&t->net);
}

enum tap_verdict tap_drop_nth_data(struct tcp_tap *t, int dir, const struct packet *p, sim_time_t *hold_until)
{
    (void)hold_until;
    struct tap_drop_nth *d = t->user;
    if (dir != 0 || p->payload == 0 || ++d->seen != d->n) return TAP_PASS;
    d->seq = p->seq;
    return TAP_DROP;
}

/* ------------------------------------------------------------------ applications for the tests */

static void writer_fire(struct sim *s, struct sim_event *ev)
{
    struct writer *w = ev->ctx;
    w->written += tcp_write(w->ep, w->bytes, 0);
    if (w->every > 0 && s->now + w->every <= w->until) sim_schedule_in(s, ev, w->every);
}

void writer_start(struct writer *w, struct tcp_tap *t, uint32_t bytes, sim_time_t from,
                  sim_time_t every, sim_time_t until)
{
    w->ep = &t->conn.ep[0];
    w->bytes = bytes;
    w->every = every;
    w->until = until;
    w->written = 0;
    sim_event_init(&w->ev, writer_fire, w);
    sim_schedule_at(&t->net.sim, &w->ev, from);
}

void writer_grow_window(struct writer *w, struct tcp_tap *t)
{
    writer_start(w, t, GROWN_WINDOW_SEGS * 1460, SIM_MS(500), 0, 0);
}

static void reader_readable(struct tcp_ep *ep, void *app) { (void)app; tcp_read(ep, tcp_readable(ep)); }
const struct tcp_app_ops reader_ops = { NULL, reader_readable, NULL };

const struct tap_seg *tap_data_seg(const struct tcp_tap *t, size_t i)
{
    for (size_t k = 0; k < t->n_log; k++)
        if (t->log[k].dir == 0 && t->log[k].payload > 0 && i-- == 0) return &t->log[k];
    return NULL;
}

void open_tap(struct tcp_tap *t, const struct tcp_cfg *cfg)
{
    tap_init(t, cfg, 1000000, 1000000, SIM_MS(50), 0);
    tcp_set_app(&t->conn.ep[1], &reader_ops, NULL);
    tcp_conn_open(&t->conn);
}

void tap_drop_nth(struct tcp_tap *t, struct tap_drop_nth *d, uint64_t n)
{
    *d = (struct tap_drop_nth){ .n = n };
    t->user = d;
    t->rule = tap_drop_nth_data;
}
