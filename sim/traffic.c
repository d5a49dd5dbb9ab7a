/* Traffic generator implementations.
 * Sources schedule themselves with one re-armed event each, so they add no allocation per packet. */
#include "traffic.h"
#include <gsl/gsl_randist.h>
#include "reader_loop.h"
#include "rng.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ UDP */

static void udp_sink(struct net *n, void *ctx, struct packet *p)
{
    struct udp_flow *f = ctx;
    if (p->t_sent >= f->measure_from) {
        f->received_measured++;
        f->bytes_received_measured += p->payload;
        hist_add(&f->delay, n->sim.now - p->t_sent);
    }
    pkt_free(&n->pool, p);
}

static void udp_send(struct sim *s, struct sim_event *ev)
{
    struct udp_flow *f = ev->ctx;
    if (s->now >= f->stop_at) return;
    struct packet *p = pkt_alloc(&f->net->pool);
    p->proto = PROTO_UDP;
    p->hdr_bytes = IPV4_HDR + UDP_HDR;
    p->payload = f->payload;
    p->cross = (uint8_t)f->cross;
    p->app_tag = f->sent++;
    if (s->now >= f->measure_from) f->sent_measured++;
    net_send(f->net, &f->path, p);
    sim_time_t gap = f->interval;
    if (f->kind == UDP_POISSON) {
        gap = (sim_time_t)(gsl_ran_exponential(f->rng, (double)f->interval));
        if (gap < 1) gap = 1;
    }
    sim_schedule_in(s, &f->send_ev, gap);
}

void udp_flow_init(struct udp_flow *f, struct net *n, const struct path *route, enum udp_kind kind,
                   uint32_t payload, sim_time_t interval, gsl_rng *rng)
{
    memset(f, 0, sizeof *f);
    f->net = n;
    f->path = *route;
    f->path.sink = udp_sink;
    f->path.ctx = f;
    f->kind = kind;
    f->payload = payload;
    f->interval = interval;
    f->rng = rng;
    f->cross = 1;
    hist_init(&f->delay);
    sim_event_init(&f->send_ev, udp_send, f);
}

void udp_flow_start(struct udp_flow *f, sim_time_t at, sim_time_t stop_at, sim_time_t measure_from)
{
    f->stop_at = stop_at;
    f->measure_from = measure_from;
    sim_schedule_at(&f->net->sim, &f->send_ev, at);
}

void udp_flow_free(struct udp_flow *f)
{
    sim_cancel(&f->net->sim, &f->send_ev);
    hist_free(&f->delay);
}

double udp_flow_loss(const struct udp_flow *f)
{
    /* Datagrams still in flight at the end are not lost; the caller stops sources one path
     * delay before the end of the run so the ledger settles. */
    if (f->sent_measured == 0) return 0.0;
    double lost = (double)f->sent_measured - (double)f->received_measured;
    return lost > 0 ? lost / (double)f->sent_measured : 0.0;
}

/* ------------------------------------------------------------------ bulk TCP */

#define BULK_WRITE_CHUNK 65536u     /* kernel/agent.c SEND_CHUNK */

static void bulk_fill(struct bulk_flow *b)
{
    struct tcp_ep *ep = &b->conn.ep[0];
    if (ep->state != TCP_ESTABLISHED) return;
    if (b->limit_Bps <= 0) {
        if (ep->conn->cfg.linux_wmem) {
            /* As the kernel engine's writer: 64-KB writes until one is cut short. */
            while (tcp_write(ep, BULK_WRITE_CHUNK, 0) == BULK_WRITE_CHUNK) {}
            return;
        }
        uint32_t space = tcp_send_space(ep);
        if (space) tcp_write(ep, space, 0);
        return;
    }
    if (b->write_bytes) {
        /* Paced writes: what is owed of the writes due so far (a blocked write's remainder). */
        uint32_t want = (uint32_t)b->credit;
        if (want) b->credit -= tcp_write(ep, want, 0);
        return;
    }
    sim_time_t now = b->conn.net->sim.now;
    b->credit += b->limit_Bps * (double)(now - b->last_refill) / 1e9;
    b->last_refill = now;
    /* At most 100 ms of credit, so an idle spell does not become a burst. */
    if (b->credit > b->limit_Bps * 0.1) b->credit = b->limit_Bps * 0.1;
    uint32_t want = (uint32_t)b->credit;
    if (want) b->credit -= tcp_write(ep, want, 0);
}

/* The time between two paced writes, or the 10-ms credit tick. */
static sim_time_t bulk_interval(const struct bulk_flow *b)
{
    if (!b->write_bytes) return SIM_MS(10);
    sim_time_t t = (sim_time_t)((double)b->write_bytes / b->limit_Bps * 1e9);
    return t > 0 ? t : 1;
}

static void bulk_pace(struct sim *s, struct sim_event *ev)
{
    struct bulk_flow *b = ev->ctx;
    if (b->write_bytes) {
        double cap = b->limit_Bps * 0.1 > b->write_bytes ? b->limit_Bps * 0.1 : (double)b->write_bytes;
        b->credit += b->write_bytes;
        if (b->credit > cap) b->credit = cap;
    }
    bulk_fill(b);
    sim_schedule_in(s, &b->pace_ev, bulk_interval(b));
}

/* List b for the loop's next round (in `list`, one of its two) and wake the loop if it sleeps. */
static void loop_list(struct bulk_reader *r, struct bulk_flow ***list, size_t *n, size_t *cap, struct bulk_flow *b)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 8;
        struct bulk_flow **v = realloc(*list, *cap * sizeof *v);
        if (!v) { perror("bulk_reader"); exit(1); }
        *list = v;
    }
    (*list)[(*n)++] = b;
    /* A pending event is the wake-up already due or, for the measured loop, the next socket's turn
     * of a loop that is awake: either serves b in turn. */
    if (sim_event_pending(&r->wake_ev)) return;
    sim_time_t wake = r->loop ? reader_loop_wake_ns(r->loop, gsl_rng_uniform(r->rng)) : r->wake_latency;
    sim_schedule_in(&r->net->sim, &r->wake_ev, wake);
}

static void bulk_writable(struct tcp_ep *ep, void *app)
{
    (void)ep;
    struct bulk_flow *b = app;
    /* A paced sender does not wait for send-buffer space: kernel/agent.c watches EPOLLOUT for
     * bulk senders only, and a paced write's blocked remainder is owed to its next tick. */
    if (b->limit_Bps > 0) return;
    struct bulk_reader *r = b->writer;
    if (!r) { bulk_fill(b); return; }
    if (b->write_pending) return;
    b->write_pending = 1;
    loop_list(r, &r->wpend, &r->n_wpend, &r->cap_wpend, b);
}
static void bulk_established(struct tcp_ep *ep, void *app)
{
    struct bulk_flow *b = app;
    if (ep != &b->conn.ep[0]) return;
    b->last_refill = b->conn.net->sim.now;
    if (b->limit_Bps > 0 && b->write_bytes) {
        bulk_pace(&b->conn.net->sim, &b->pace_ev);     /* the first write at once */
        return;
    }
    bulk_fill(b);
    if (b->limit_Bps > 0) sim_schedule_in(&b->conn.net->sim, &b->pace_ev, SIM_MS(10));
}
static void bulk_readable(struct tcp_ep *ep, void *app)
{
    struct bulk_flow *b = app;
    struct bulk_reader *r = b->reader;
    if (!r) { tcp_read(ep, tcp_readable(ep)); return; }
    if (b->read_pending) return;
    b->read_pending = 1;
    loop_list(r, &r->pend, &r->n_pend, &r->cap_pend, b);
}

static void reader_read(struct bulk_flow *b)
{
    struct tcp_ep *ep = &b->conn.ep[1];
    b->read_pending = 0;
    tcp_read(ep, tcp_readable(ep));
}

static void reader_write(struct bulk_flow *b)
{
    b->write_pending = 0;
    bulk_fill(b);
}

/* The fixed lateness's round: every listed socket served at once, then back to sleep. */
static void reader_round(struct bulk_reader *r)
{
    r->wakes++;
    for (size_t i = 0; i < r->n_pend; i++) reader_read(r->pend[i]);
    r->n_pend = 0;
    for (size_t i = 0; i < r->n_wpend; i++) reader_write(r->wpend[i]);
    r->n_wpend = 0;
}

/* The measured loop's turn: one listed socket served (reads before refills, as the agent finds a
 * receiver's EPOLLIN and a sender's EPOLLOUT in one epoll_wait), the next turn a busy time later;
 * nothing listed: asleep (no event pending), so the next listing draws a wake-up. */
static void reader_turn(struct bulk_reader *r)
{
    int reading = r->head_pend < r->n_pend;
    if (!reading && r->head_wpend == r->n_wpend) {
        r->n_pend = r->head_pend = r->n_wpend = r->head_wpend = 0;
        r->awake = 0;
        return;
    }
    if (!r->awake) r->wakes++;
    r->awake = 1;
    if (reading) reader_read(r->pend[r->head_pend++]);
    else reader_write(r->wpend[r->head_wpend++]);
    sim_schedule_in(&r->net->sim, &r->wake_ev, reader_loop_busy_ns(r->loop, gsl_rng_uniform(r->rng)));
}

static void reader_wake(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct bulk_reader *r = ev->ctx;
    if (!r->loop) { reader_round(r); return; }
    reader_turn(r);
}

void bulk_reader_init(struct bulk_reader *r, struct net *n, sim_time_t wake_latency)
{
    memset(r, 0, sizeof *r);
    r->net = n;
    r->wake_latency = wake_latency;
    sim_event_init(&r->wake_ev, reader_wake, r);
}

void bulk_reader_set_loop(struct bulk_reader *r, const struct reader_loop_host *loop, gsl_rng *rng)
{
    if (r->rng) rng_free(r->rng);
    r->loop = loop;
    r->rng = rng;
}

void bulk_flow_set_reader(struct bulk_flow *b, struct bulk_reader *r) { b->reader = r; }
void bulk_flow_set_writer(struct bulk_flow *b, struct bulk_reader *r) { b->writer = r; }

void bulk_reader_free(struct bulk_reader *r)
{
    sim_cancel(&r->net->sim, &r->wake_ev);
    if (r->rng) rng_free(r->rng);
    r->rng = NULL;
    free(r->pend);
    r->pend = NULL;
    r->n_pend = r->cap_pend = 0;
    free(r->wpend);
    r->wpend = NULL;
    r->n_wpend = r->cap_wpend = 0;
}

static const struct tcp_app_ops bulk_sender_ops = { bulk_established, NULL, bulk_writable };
static const struct tcp_app_ops bulk_receiver_ops = { NULL, bulk_readable, NULL };

static void bulk_segs_now(const struct bulk_flow *b, struct bulk_segs *s)
{
    const struct tcp_stats *snd = &b->conn.ep[0].st, *rcv = &b->conn.ep[1].st;
    s->snd_data_segs = snd->data_segs_out;
    s->snd_acks_in = snd->segs_in - snd->data_segs_in;
    s->rcv_data_segs = rcv->data_segs_in;
    s->rcv_acks = rcv->segs_out - rcv->data_segs_out;
}

static void bulk_measure(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct bulk_flow *b = ev->ctx;
    b->read_at_measure = b->conn.ep[1].st.bytes_read;
    bulk_segs_now(b, &b->segs_at_measure);
    b->measuring = 1;
}

void bulk_flow_init(struct bulk_flow *b, struct net *n, const struct tcp_cfg *cfg,
                    const struct path *fwd, const struct path *rev, double limit_Bps)
{
    memset(b, 0, sizeof *b);
    tcp_conn_init(&b->conn, n, cfg, fwd, rev);
    b->limit_Bps = limit_Bps;
    tcp_set_app(&b->conn.ep[0], &bulk_sender_ops, b);
    tcp_set_app(&b->conn.ep[1], &bulk_receiver_ops, b);
    sim_event_init(&b->pace_ev, bulk_pace, b);
    sim_event_init(&b->measure_ev, bulk_measure, b);
}

void bulk_flow_set_write_size(struct bulk_flow *b, uint32_t bytes) { b->write_bytes = b->limit_Bps > 0 ? bytes : 0; }
void bulk_flow_set_receiver_opens(struct bulk_flow *b) { b->receiver_opens = 1; }

static void bulk_open(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct bulk_flow *b = ev->ctx;
    sim_event_init(&b->pace_ev, bulk_pace, b);          /* from now on the event paces writes */
    tcp_conn_open_by(&b->conn, b->receiver_opens);
}

void bulk_flow_start(struct bulk_flow *b, sim_time_t at, sim_time_t measure_from)
{
    b->measure_from = measure_from;
    sim_event_init(&b->pace_ev, bulk_open, b);          /* first firing opens the connection */
    sim_schedule_at(&b->conn.net->sim, &b->pace_ev, at);
    sim_schedule_at(&b->conn.net->sim, &b->measure_ev, measure_from);
}

uint64_t bulk_flow_goodput_bytes(const struct bulk_flow *b)
{
    return b->measuring ? b->conn.ep[1].st.bytes_read - b->read_at_measure : 0;
}

void bulk_flow_window_segs(const struct bulk_flow *b, struct bulk_segs *out)
{
    struct bulk_segs now;
    bulk_segs_now(b, &now);
    const struct bulk_segs *w = &b->segs_at_measure;
    *out = (struct bulk_segs){ now.snd_data_segs - w->snd_data_segs, now.snd_acks_in - w->snd_acks_in,
                               now.rcv_data_segs - w->rcv_data_segs, now.rcv_acks - w->rcv_acks };
}

void bulk_flow_free(struct bulk_flow *b)
{
    sim_cancel(&b->conn.net->sim, &b->pace_ev);
    sim_cancel(&b->conn.net->sim, &b->measure_ev);
    tcp_conn_free(&b->conn);
}

/* ------------------------------------------------------------------ web on/off */

static void web_push(struct web_flow *w)
{
    if (w->pending == 0) return;
    uint32_t chunk = w->pending > UINT32_MAX ? UINT32_MAX : (uint32_t)w->pending;
    w->pending -= tcp_write(&w->conn.ep[0], chunk, 0);
}

static void web_next(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct web_flow *w = ev->ctx;
    if (w->conn.ep[0].state != TCP_ESTABLISHED) return;
    double size = gsl_ran_pareto(w->rng, w->pareto_shape, w->pareto_scale_bytes);
    if (size > 50e6) size = 50e6;            /* truncate the tail: one object never exceeds 50 MB */
    w->pending = (uint64_t)size + 1;
    w->object_end = w->conn.ep[0].write_seq + w->pending;
    w->objects++;
    w->bytes_offered += w->pending;
    web_push(w);
}

static void web_writable(struct tcp_ep *ep, void *app)
{
    struct web_flow *w = app;
    web_push(w);
    if (w->pending == 0 && ep->snd_una >= w->object_end && !sim_event_pending(&w->next_ev)) {
        sim_time_t off = (sim_time_t)gsl_ran_exponential(w->rng, (double)w->mean_off);
        sim_schedule_in(&w->conn.net->sim, &w->next_ev, off > 0 ? off : 1);
    }
}
static void web_established(struct tcp_ep *ep, void *app)
{
    struct web_flow *w = app;
    if (ep == &w->conn.ep[0]) web_next(&w->conn.net->sim, &w->next_ev);
}
static void web_readable(struct tcp_ep *ep, void *app) { (void)app; tcp_read(ep, tcp_readable(ep)); }

static const struct tcp_app_ops web_sender_ops = { web_established, NULL, web_writable };
static const struct tcp_app_ops web_receiver_ops = { NULL, web_readable, NULL };

void web_flow_init(struct web_flow *w, struct net *n, const struct tcp_cfg *cfg, const struct path *fwd,
                   const struct path *rev, double shape, double scale_bytes, sim_time_t mean_off, gsl_rng *rng)
{
    memset(w, 0, sizeof *w);
    tcp_conn_init(&w->conn, n, cfg, fwd, rev);
    w->conn.cross = 1;
    w->rng = rng;
    w->pareto_shape = shape;
    w->pareto_scale_bytes = scale_bytes;
    w->mean_off = mean_off;
    tcp_set_app(&w->conn.ep[0], &web_sender_ops, w);
    tcp_set_app(&w->conn.ep[1], &web_receiver_ops, w);
    sim_event_init(&w->next_ev, web_next, w);
}

static void web_open(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct web_flow *w = ev->ctx;
    sim_event_init(&w->next_ev, web_next, w);
    tcp_conn_open(&w->conn);
}

void web_flow_start(struct web_flow *w, sim_time_t at)
{
    sim_event_init(&w->next_ev, web_open, w);
    sim_schedule_at(&w->conn.net->sim, &w->next_ev, at);
}

void web_flow_free(struct web_flow *w)
{
    sim_cancel(&w->conn.net->sim, &w->next_ev);
    tcp_conn_free(&w->conn);
}
