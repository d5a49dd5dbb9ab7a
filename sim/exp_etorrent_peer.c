/* Experiment etorrent: one remote peer answering requests with PIECE messages, and the client's
 * peer process receiving them passively, as active chunks or as {packet,4} messages. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_randist.h>
#include "exp_etorrent.h"
#include "rng.h"

void et_cpu_sink(void *run, enum cpu_feat k, double units, double ns, double t_ns)
{
    struct et_run *r = run;
    (void)units;
    (void)t_ns;
    r->cpu_sec_ns += ns;
    if (r->measuring) r->cpu_ns[k] += ns;
}

static sim_time_t now_of(const struct et_peer *p) { return p->run->net.sim.now; }

void et_cpu_charge(struct et_run *r, struct et_peer *p, enum cpu_feat k, double units)
{
    cpu_recv_charge(&r->cpu, p ? &p->cpu : NULL, k, units, (double)r->net.sim.now);
}

void et_cpu_arrival(struct et_run *r, struct et_peer *p, uint64_t bytes)
{
    cpu_recv_arrival(&r->cpu, &p->cpu, (double)r->net.sim.now, (double)bytes, bytes > 0);
}

/* ---------------------------------------------------------------- the message stream */

static void msgq_push(struct et_msgq *q, uint32_t size)
{
    if (q->tail - q->base == q->cap) {
        size_t ncap = q->cap ? 2 * q->cap : 16;
        uint32_t *n = malloc(ncap * sizeof *n);
        if (!n) { perror("exp_etorrent"); exit(1); }
        for (size_t a = q->base; a < q->tail; a++) n[a % ncap] = q->size[a % q->cap];
        free(q->size);
        q->size = n;
        q->cap = ncap;
    }
    q->size[q->tail % q->cap] = size;
    q->tail++;
}

static uint32_t msgq_at(const struct et_msgq *q, size_t abs_idx) { return q->size[abs_idx % q->cap]; }

int et_peer_partial(const struct et_peer *p) { return p->q.rd_off > 0; }

static double pace_depth(const struct et_peer *p)
{
    double d = p->capacity_Bps * ET_PACE_BURST_S;
    return d < ET_PACE_MIN_BURST ? ET_PACE_MIN_BURST : d;
}

/* message writer: tokens accrue at capacity_Bps up to the bucket's depth, or up to the next
 * message's size while one waits (the limiter lets a whole message through once earned). */
static void pace_refill(struct et_peer *p)
{
    sim_time_t now = now_of(p);
    double cap = pace_depth(p);
    if (p->q.wr < p->q.tail && p->q.wr_off == 0) {
        double next = msgq_at(&p->q, p->q.wr);
        if (next > cap) cap = next;
    }
    p->credit += p->capacity_Bps * (double)(now - p->credit_at) / 1e9;
    if (p->credit > cap) p->credit = cap;
    p->credit_at = now;
}

/* Writes up to n bytes of the message at q->wr; returns what the send buffer took (less than n:
 * the socket is full, and a blocking write waits for on_writable). */
static uint32_t write_part(struct et_peer *p, uint32_t n)
{
    struct et_msgq *q = &p->q;
    uint32_t size = msgq_at(q, q->wr);
    uint32_t w = tcp_write(&p->conn.ep[0], n, size != ET_PIECE_WIRE);
    p->written += w;
    q->wr_off += w;
    if (q->wr_off == size) { q->wr++; q->wr_off = 0; }
    return w;
}

/* The remote peer writes as BitTorrent clients do (peer_writer):
 *   tick:    Transmission's and libtorrent's 500-ms bandwidth period: each period grants
 *            capacity x 0.5 s of bytes (no carry-over), written at once into the socket, message
 *            boundaries or not; bytes queued later in the period go out while the grant lasts.
 *   message: etorrent's rlimit: tokens at capacity_Bps are taken for a whole message, which
 *            then goes to the socket in one write.
 * A write the send buffer cannot take whole waits for on_writable, as a blocking write does;
 * only the period tick or a wait for tokens arms the timer (a token wait for the time the
 * tokens take, at least 1 us), so nothing here re-arms itself while the socket is full (the old
 * pacer re-armed every nanosecond there). */
static void sender_pump(struct et_peer *p)
{
    struct et_msgq *q = &p->q;
    if (p->run->cfg.writer == ET_WRITER_TICK) {
        while (q->wr < q->tail && p->credit >= 1.0) {
            uint32_t left = msgq_at(q, q->wr) - q->wr_off;
            uint32_t n = (double)left <= p->credit ? left : (uint32_t)p->credit;
            uint32_t w = write_part(p, n);
            p->credit -= w;
            if (w < n) return;                           /* on_writable resumes */
        }
        return;
    }
    pace_refill(p);
    while (q->wr < q->tail) {
        if (q->wr_off == 0) {                            /* a new message: take its tokens */
            uint32_t size = msgq_at(q, q->wr);
            if (p->credit + ET_PACE_EPS_B < (double)size) break;
            p->credit -= size;
        }
        uint32_t n = msgq_at(q, q->wr) - q->wr_off;
        if (write_part(p, n) < n) return;                /* on_writable resumes */
    }
    if (q->wr < q->tail && !sim_event_pending(&p->pace_ev)) {
        double need = (double)msgq_at(q, q->wr) - p->credit;
        double wait_ns = ceil(need / p->capacity_Bps * 1e9);
        if (wait_ns < (double)ET_PACE_MIN_WAIT_NS) wait_ns = (double)ET_PACE_MIN_WAIT_NS;
        sim_schedule_in(&p->run->net.sim, &p->pace_ev, (sim_time_t)wait_ns);
    }
}

/* message writer: the tokens for the next message are there.  tick writer: a new period. */
static void pace_due(struct sim *s, struct sim_event *ev)
{
    struct et_peer *p = ev->ctx;
    if (p->run->cfg.writer == ET_WRITER_TICK) {
        p->credit = p->capacity_Bps * ET_WRITER_PERIOD_S;          /* no carry-over */
        sim_schedule_in(s, ev, (sim_time_t)(ET_WRITER_PERIOD_S * 1e9));
    }
    sender_pump(p);
}

static void sender_queue(struct et_peer *p, uint32_t size, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) msgq_push(&p->q, size);
    if (count) p->last_queued = now_of(p);
    sender_pump(p);
}

/* ---------------------------------------------------------------- sender events */

static void sender_readable(struct tcp_ep *ep, void *app)
{
    struct et_peer *p = app;
    p->req_bytes += tcp_read(ep, UINT64_MAX);
    uint64_t total = p->req_bytes / ET_REQUEST_WIRE, fresh = total - p->requests_seen;
    p->requests_seen = total;
    if (p->started && p->unchoking_us) sender_queue(p, ET_PIECE_WIRE, (uint32_t)fresh);
    else p->owed += (uint32_t)fresh;                /* choking us: answered when it unchokes */
}

/* Choking us: the PIECEs queued but not begun are dropped back to requests owed (a message
 * already begun is finished; HAVEs and keep-alives stay). */
static void drop_unbegun_pieces(struct et_peer *p)
{
    struct et_msgq *q = &p->q;
    size_t from = q->wr + (q->wr_off > 0), keep = from;
    for (size_t a = from; a < q->tail; a++) {
        uint32_t size = msgq_at(q, a);
        if (size == ET_PIECE_WIRE) p->owed++;
        else q->size[keep++ % q->cap] = size;
    }
    q->tail = keep;
}

void et_peer_set_unchoking(struct et_peer *p, int unchoking)
{
    if (unchoking == p->unchoking_us) return;
    p->unchoking_us = unchoking;
    if (!unchoking) { drop_unbegun_pieces(p); return; }
    if (!p->started) return;
    uint32_t owed = p->owed;
    p->owed = 0;
    sender_queue(p, ET_PIECE_WIRE, owed);
}

static void sender_writable(struct tcp_ep *ep, void *app) { (void)ep; sender_pump(app); }

static void have_due(struct sim *s, struct sim_event *ev)
{
    struct et_peer *p = ev->ctx;
    sender_queue(p, ET_HAVE_WIRE, 1);
    sim_schedule_in(s, ev, 1 + (sim_time_t)(gsl_ran_exponential(p->rng, 1.0 / p->run->cfg.have_rate_hz) * 1e9));
}

static void keepalive_due(struct sim *s, struct sim_event *ev)
{
    struct et_peer *p = ev->ctx;
    if (s->now - p->last_queued >= ET_KEEPALIVE_NS) sender_queue(p, ET_KEEPALIVE_WIRE, 1);
    sim_schedule_at(s, ev, p->last_queued + ET_KEEPALIVE_NS > s->now ? p->last_queued + ET_KEEPALIVE_NS : s->now + ET_KEEPALIVE_NS);
}

static void sender_established(struct tcp_ep *ep, void *app)
{
    (void)ep;
    struct et_peer *p = app;
    struct sim *s = &p->run->net.sim;
    p->last_queued = s->now;
    p->credit = pace_depth(p);
    p->credit_at = s->now;
    if (p->run->cfg.writer == ET_WRITER_TICK) sim_schedule_in(s, &p->pace_ev, 0 + ET_PACE_MIN_WAIT_NS);
    if (p->run->cfg.have_rate_hz > 0)
        sim_schedule_in(s, &p->have_ev, 1 + (sim_time_t)(gsl_ran_exponential(p->rng, 1.0 / p->run->cfg.have_rate_hz) * 1e9));
    sim_schedule_in(s, &p->keepalive_ev, ET_KEEPALIVE_NS);
}

/* The peer starts serving: it unchokes us (its optimistic chance for a new connection) until
 * its own first rechoke decides by reciprocity. */
static void start_sending(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct et_peer *p = ev->ctx;
    p->started = 1;
    et_remote_start(p);
}

/* The peer's upload limit changes; its line grows with it if it would otherwise bind. */
static void speed_step(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct et_peer *p = ev->ctx;
    if (p->run->cfg.writer == ET_WRITER_MESSAGE) pace_refill(p);
    p->capacity_Bps *= p->step_factor;
    struct link *up = &p->run->topo.remote[p->id].up;
    double line = p->capacity_Bps * 8 * p->run->cfg.remote_up_factor;
    if ((double)up->rate_bps < line) up->rate_bps = (uint64_t)line;
    et_truth_setup(p->run, p);
    if (p->run->cfg.writer == ET_WRITER_TICK) return;   /* the next period grants the new rate */
    sim_cancel(&p->run->net.sim, &p->pace_ev);
    sender_pump(p);
}

/* ---------------------------------------------------------------- the receive side */

static void rate_sample(struct et_peer *p, uint64_t bytes)
{
    rate_update(&p->est, now_of(p), bytes);
    et_cpu_charge(p->run, p, CPUF_RATE_MONO, 1);          /* the costs hold the configured clock's */
    et_cpu_charge(p->run, p, CPUF_RATE_LOCALTIME, 1);
    if (bytes > 0) p->samples_now++;
}

static int per_message_updates(const struct et_peer *p)
{
    return sockmode_mode(&p->sm) == SOCK_ACTIVE_PACKET4 || sockmode_granularity(&p->sm) == RATE_PER_MESSAGE;
}

/* A whole wire message is complete: the process handles it (and, for a PIECE, asks for the
 * next block so the pipeline stays full). */
static void on_message(struct et_peer *p, uint32_t size)
{
    struct et_run *r = p->run;
    p->messages++;
    cpu_recv_message(&r->cpu, &p->cpu, (double)now_of(p));
    if (per_message_updates(p)) rate_sample(p, size - ET_PREFIX);
    if (size == ET_PIECE_WIRE) {
        p->pieces++;
        choke_note_piece(&r->choker, p->id);
        tcp_write(&p->conn.ep[1], ET_REQUEST_WIRE, 1);
    }
}

/* Walk n consumed bytes over the message boundaries the sender wrote. */
static void frame(struct et_peer *p, uint64_t n)
{
    struct et_msgq *q = &p->q;
    p->framed_bytes += n;
    while (n > 0) {
        uint32_t size = msgq_at(q, q->base), left = size - q->rd_off;
        uint32_t take = n < left ? (uint32_t)n : left;
        q->rd_off += take;
        n -= take;
        if (q->rd_off == size) {
            q->base++;
            q->rd_off = 0;
            p->complete_bytes += size;
            on_message(p, size);
        }
    }
}

/* Bytes the application itself read and frames (passive reads, active chunks, drains). */
static void app_consume(struct et_peer *p, uint64_t n)
{
    p->read_bytes += n;
    if (!per_message_updates(p)) rate_sample(p, n);
    frame(p, n);
}

static void packet4_read(struct et_peer *p)
{
    uint64_t n = tcp_read(&p->conn.ep[1], UINT64_MAX);
    if (n == 0) return;
    p->read_bytes += n;
    frame(p, n);                                  /* the runtime frames; one delivery per message */
}

static void active_read(struct et_peer *p)
{
    uint64_t n = tcp_read(&p->conn.ep[1], UINT64_MAX);
    if (n == 0) return;
    app_consume(p, n);
}

static void mode_time_close(struct et_peer *p)
{
    struct et_run *r = p->run;
    sim_time_t now = now_of(p), from = p->mode_since > r->warmup ? p->mode_since : r->warmup;
    if (now > from) p->mode_time[sockmode_mode(&p->sm)] += (double)(now - from) / 1e9;
    p->mode_since = now;
}

/* The mode changed (switch or completed drain; the old mode's time was closed before): let the
 * new mode pick up whatever is already buffered. */
static void mode_changed(struct et_peer *p)
{
    struct et_run *r = p->run;
    et_cpu_charge(r, p, CPUF_SWITCH, 1);
    if (r->measuring) p->switches_warm++;
    enum sock_mode m = sockmode_mode(&p->sm);
    cpu_sock_set_mode(&r->cpu, &p->cpu, (int)m, (double)now_of(p));
    sim_cancel(&r->net.sim, &p->wake_ev);
    p->blocked = 0;
    if (m == SOCK_PASSIVE) {
        p->blocked = 1;
        if (tcp_readable(&p->conn.ep[1]) > 0) sim_schedule_in(&r->net.sim, &p->wake_ev, r->cfg.sched_delay);
    } else if (m == SOCK_ACTIVE) {
        active_read(p);
    } else {
        packet4_read(p);
    }
}

/* Drain: read exactly the rest of the partial message (one recv of that length, which returns
 * only when all of it is there), then the pending switch to packet4 takes effect. */
static void try_drain(struct et_peer *p, int running)
{
    struct et_run *r = p->run;
    uint32_t need = msgq_at(&p->q, p->q.base) - p->q.rd_off;
    (void)running;
    if (tcp_readable(&p->conn.ep[1]) < need) return;
    et_cpu_charge(r, p, CPUF_DELIVERY, 1);           /* the one recv of exactly that length */
    uint64_t n = tcp_read(&p->conn.ep[1], need);
    app_consume(p, n);
    p->drain = 0;
    mode_time_close(p);
    sockmode_drain_done(&p->sm, now_of(p));
    mode_changed(p);
}

/* The 5-s tick as the process handles it: 0-byte rate update, snub accounting, mode decision. */
static void process_tick(struct et_peer *p)
{
    struct et_run *r = p->run;
    et_cpu_arrival(r, p, 0);
    et_cpu_charge(r, p, CPUF_TICK, 1);
    rate_sample(p, 0);
    choke_tick_peer(&r->choker, p->id);
    sim_time_t now = now_of(p);
    mode_time_close(p);                   /* a switch below starts the new mode's time now */
    enum sockmode_action a = sockmode_on_tick(&p->sm, now, rate_read(&p->est, now), et_peer_partial(p));
    if (a == SM_SWITCHED) {
        mode_changed(p);
    } else if (a == SM_DRAIN_FIRST) {
        p->drain = 1;
        sim_cancel(&r->net.sim, &p->wake_ev);
        try_drain(p, 1);
    }
}

static void tick_due(struct sim *s, struct sim_event *ev)
{
    struct et_peer *p = ev->ctx;
    sim_schedule_in(s, ev, ET_TICK_NS);
    if (p->run->cfg.blocking_recv_defect && sockmode_mode(&p->sm) == SOCK_PASSIVE && !p->drain) {
        /* etorrent.md §3 defect: the process sits in recv without a timeout; the tick waits in
         * its mailbox until bytes arrive. */
        if (p->ticks_waiting++ == 0) p->tick_due_first = s->now;
        return;
    }
    process_tick(p);
}

static void process_ticks_held(struct et_peer *p)
{
    struct et_run *r = p->run;
    if (p->ticks_waiting == 0) return;
    if (r->measuring) {
        r->ticks_deferred += (uint64_t)p->ticks_waiting;
        double late_s = (double)(now_of(p) - p->tick_due_first) / 1e9;
        r->tick_defer_batches++;
        r->tick_defer_sum_s += late_s;
        if (late_s > r->tick_defer_max_s) r->tick_defer_max_s = late_s;
    }
    int n = p->ticks_waiting;
    p->ticks_waiting = 0;
    for (int i = 0; i < n; i++) process_tick(p);
}

/* Passive mode: the blocked recv returns (after the scheduling delay); read until nothing is
 * buffered, then block again. */
static void passive_wake(struct sim *s, struct sim_event *ev)
{
    (void)s;
    struct et_peer *p = ev->ctx;
    struct et_run *r = p->run;
    if (sockmode_mode(&p->sm) != SOCK_PASSIVE || p->drain) return;
    p->blocked = 0;
    for (;;) {
        uint64_t n = tcp_read(&p->conn.ep[1], r->cfg.recv_cap);
        if (n == 0) break;
        app_consume(p, n);
    }
    p->blocked = 1;
    process_ticks_held(p);
}

static void client_readable(struct tcp_ep *ep, void *app)
{
    struct et_peer *p = app;
    struct et_run *r = p->run;
    if (p->first_byte_at < 0) p->first_byte_at = now_of(p);
    et_cpu_arrival(r, p, ep->rcv_nxt - p->arrived);
    p->arrived = ep->rcv_nxt;
    if (p->drain) { try_drain(p, 0); return; }
    switch (sockmode_mode(&p->sm)) {
    case SOCK_PASSIVE:
        if (p->blocked && !sim_event_pending(&p->wake_ev))
            sim_schedule_in(&r->net.sim, &p->wake_ev, r->cfg.sched_delay);
        break;
    case SOCK_ACTIVE:
        active_read(p);
        break;
    default:
        packet4_read(p);
        break;
    }
}

static void client_established(struct tcp_ep *ep, void *app)
{
    struct et_peer *p = app;
    tcp_write(ep, ET_REQUEST_WIRE * p->run->cfg.pipeline, 1);
}

static const struct tcp_app_ops sender_ops = { sender_established, sender_readable, sender_writable };
static const struct tcp_app_ops client_ops = { client_established, client_readable, NULL };

/* The peer process starts with the connection: estimator, mode controller, choker entry. */
static void connect_now(struct sim *s, struct sim_event *ev)
{
    struct et_peer *p = ev->ctx;
    struct et_run *r = p->run;
    char err[256];
    p->connected = 1;
    if (rate_init(&p->est, r->cfg.rp.algo, &r->cfg.rp, s->now, err, sizeof err) != 0) {
        fprintf(stderr, "exp_etorrent: %s\n", err);    /* validated before the run: a bug */
        abort();
    }
    sockmode_init(&p->sm, &r->cfg.smc, s->now);
    cpu_sock_init(&p->cpu, (int)sockmode_mode(&p->sm));
    p->blocked = 1;
    p->mode_since = s->now;
    double u = gsl_rng_uniform(r->ring_rng);
    choke_add_peer(&r->choker, p->id, u);
    choke_add_peer(&r->oracle, p->id, u);
    sim_schedule_in(s, &p->tick_ev, ET_TICK_NS);
    tcp_conn_open(&p->conn);
}

void et_peer_setup(struct et_run *r, struct et_peer *p, unsigned id, const struct tcp_cfg *tc)
{
    p->run = r;
    p->id = id;
    p->first_byte_at = -1;
    p->preferred_at = -1;
    p->rng = rng_stream(r->net.seed, "etorrent.peer", id);
    struct path down, up;
    topo_path_down(&r->topo, id, &down);
    topo_path_up(&r->topo, id, &up);
    tcp_conn_init(&p->conn, &r->net, tc, &down, &up);
    tcp_set_app(&p->conn.ep[0], &sender_ops, p);
    tcp_set_app(&p->conn.ep[1], &client_ops, p);
    sim_event_init(&p->connect_ev, connect_now, p);
    sim_event_init(&p->start_ev, start_sending, p);
    sim_event_init(&p->step_ev, speed_step, p);
    sim_event_init(&p->have_ev, have_due, p);
    sim_event_init(&p->keepalive_ev, keepalive_due, p);
    sim_event_init(&p->wake_ev, passive_wake, p);
    sim_event_init(&p->tick_ev, tick_due, p);
    sim_event_init(&p->pace_ev, pace_due, p);
    struct sim *s = &r->net.sim;
    sim_schedule_at(s, &p->connect_ev, p->t_connect);
    sim_schedule_at(s, &p->start_ev, p->t_start);
    if (p->stepped) sim_schedule_at(s, &p->step_ev, p->t_step);
}

void et_peer_close_mode_time(struct et_peer *p)
{
    if (p->connected) mode_time_close(p);
}

void et_peer_free(struct et_peer *p)
{
    struct sim *s = &p->run->net.sim;
    struct sim_event *evs[] = { &p->connect_ev, &p->start_ev, &p->step_ev, &p->have_ev, &p->keepalive_ev,
                                &p->wake_ev, &p->tick_ev, &p->pace_ev };
    for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) sim_cancel(s, evs[i]);
    tcp_conn_free(&p->conn);
    rate_free(&p->est);
    free(p->q.size);
    p->q.size = NULL;
    rng_free(p->rng);
}
