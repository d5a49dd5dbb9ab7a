/* Experiment xtreme: the client's sockets as core/'s throttler drives them (EMSocket::Send calls
 * in whole fragments, one send() per packet piece, each booked through the overhead estimator), the download receive
 * path with its ACK estimate, block requests and download limit, and slot opening. */
#include <string.h>
#include "exp_xtreme.h"

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* File bytes in the first `stream_bytes` of an OP_SENDINGPART stream. */
uint64_t xt_file_bytes(uint64_t stream_bytes)
{
    uint64_t full = stream_bytes / XT_PART, rest = stream_bytes % XT_PART;
    return full * XT_PART_DATA + (rest > XT_PART_HDR ? rest - XT_PART_HDR : 0);
}

/* Write n bytes of the upload stream, packet headers marked as control so the link counters
 * and the accounting see the same split. */
static uint32_t write_part_stream(struct xt_sock *k, uint32_t n, struct thr_sent *out)
{
    uint32_t done = 0;
    while (done < n) {
        uint32_t off = (uint32_t)(k->stream_pos % XT_PART);
        int hdr = off < XT_PART_HDR;
        uint32_t seg = min_u32(n - done, hdr ? XT_PART_HDR - off : XT_PART - off);
        uint32_t w = tcp_write(k->ep, seg, hdr);
        k->stream_pos += w;
        done += w;
        if (hdr) out->proto += w; else out->data += w;
        if (w < seg) break;
    }
    return done;
}

/* Bytes left of the control message at the head of the socket's queue: every message queued on
 * one socket has the same size (ctrl_msg; 0 if they differ, then the queue goes as one). */
static uint32_t ctrl_head_left(const struct xt_sock *k)
{
    if (k->ctrl_msg == 0) return k->ctrl_pending;
    uint32_t rest = k->ctrl_pending % k->ctrl_msg;
    return rest ? rest : k->ctrl_msg;
}

/* One EMSocket::Send call (emule-upload.md §2 "Send sizes"), as SendStd makes it: packets are
 * taken one at a time, control messages ahead of file data but never inside an OP_SENDINGPART
 * packet already started; each packet piece is one send() call of at most what is left of
 * `max` (already a multiple of min_frag), and one estimated TCP/IP header.  A control-only call
 * sends the queued control messages and then, on a socket with file data, goes on up to the
 * next multiple of min_frag ("continue to send until an even minFragsize to minimize packet
 * overhead"), so control data leaves in whole fragments.  A call needs send_lowat bytes of
 * buffer room (or room for all of the piece); otherwise it would block. */
static void op_send(void *ctx, int32_t id, uint32_t max, uint32_t min_frag, int control, int64_t now,
                    struct thr_sent *out)
{
    (void)now;
    struct xt_run *r = ctx;
    struct xt_sock *k = &r->sock[id];
    if (k->ep->state != TCP_ESTABLISHED) {
        if (!control) { out->attempts = 1; out->blocked = 1; }
        return;
    }
    const int has_data = k->kind == XS_UPLOAD;
    if (min_frag == 0) min_frag = 1;
    uint32_t total = 0;
    while (total < max) {
        int mid_packet = has_data && k->stream_pos % XT_PART != 0;
        int ctrl_next = !mid_packet && k->ctrl_pending > 0;
        uint32_t cap = max - total;
        if (!ctrl_next) {
            if (!has_data) break;
            if (control) {                   /* only to round a started call up to a fragment */
                if (total == 0 || total % min_frag == 0) break;
                cap = thr_next_frag_size(total, min_frag) - total;
            }
        }
        uint32_t left = ctrl_next ? ctrl_head_left(k) : XT_PART - (uint32_t)(k->stream_pos % XT_PART);
        uint32_t piece = min_u32(left, cap), space = tcp_send_space(k->ep);
        out->attempts++;
        if (space < piece && space < r->send_lowat) { out->blocked++; break; }
        uint32_t w;
        if (ctrl_next) {
            w = tcp_write(k->ep, piece, 1);
            k->ctrl_pending -= w;
            out->proto += w;
            if (k->ctrl_pending == 0) k->ctrl_msg = 0;
        } else {
            w = write_part_stream(k, piece, out);
        }
        if (w == 0) { out->blocked++; break; }
        struct ovh_cost c = r->est->cost(&r->ovh_cfg, &k->flow, OVH_TCP_SEND, w);
        out->hdr_est += c.up;
        if (c.down) bwacct_add_in(&r->acct, 0, 0, c.down);
        total += w;
        if (w < piece) { out->attempts++; out->blocked++; break; }   /* the next call would block */
    }
}

static int op_ready(void *ctx, int32_t id)
{
    struct xt_run *r = ctx;
    return r->sock[id].ep->state == TCP_ESTABLISHED;
}

static int op_has_control(void *ctx, int32_t id)
{
    struct xt_run *r = ctx;
    return r->sock[id].ctrl_pending > 0;
}

const struct thr_ops xt_thr_ops = { op_send, op_ready, op_has_control, NULL };

void xt_queue_control(struct xt_run *r, int32_t sock, uint32_t bytes)
{
    struct xt_sock *k = &r->sock[sock];
    if (k->ctrl_pending == 0) k->ctrl_msg = bytes;
    else if (k->ctrl_msg != bytes) k->ctrl_msg = 0;
    k->ctrl_pending += bytes;
    thr_queue_control(&r->thr, sock);
}

static void book_event(struct xt_run *r, struct xt_sock *k, enum ovh_event ev)
{
    struct ovh_cost c = r->est->cost(&r->ovh_cfg, &k->flow, ev, 0);
    bwacct_add_out(&r->acct, 0, 0, c.up);
    bwacct_add_in(&r->acct, 0, 0, c.down);
}

/* ---- downloads: readiness events.  Winsock posts FD_READ when data arrives and no FD_READ is
 * outstanding; the client's message loop runs OnReceive read_delay later, and that one recv()
 * drains whatever arrived meanwhile (up to what the download limit allows).  Xtreme books its
 * ACK estimate once per such event ("Xman include ACK", emule-upload.md §1.1), so on a busy
 * host one estimate covers several segments. */

static void receive(struct xt_run *r, struct xt_source *s, uint64_t n)
{
    struct tcp_ep *ep = &s->flow.conn.ep[1];
    struct xt_sock *k = &r->sock[s->sock];
    uint64_t before = ep->st.bytes_read;
    n = tcp_read(ep, n);
    if (n == 0) return;
    uint64_t file = xt_file_bytes(ep->st.bytes_read) - xt_file_bytes(before);
    uint32_t mss = r->cfg_down.mss, segs = (uint32_t)((n + mss - 1) / mss);
    if (r->measuring) { r->recv_events++; r->recv_segs += segs; }
    /* per event: one estimate for the whole read; per segment: one per full segment read */
    uint32_t books = r->ack_booking == XT_ACK_PER_SEGMENT ? segs : 1u;
    uint64_t left = n;
    for (uint32_t b = 0; b < books; b++) {
        uint64_t part = b + 1 == books ? left : (n / books);
        left -= part;
        struct ovh_cost c = r->est->cost(&r->ovh_cfg, &k->flow, OVH_TCP_RECV, part > UINT32_MAX ? UINT32_MAX : (uint32_t)part);
        bwacct_add_in(&r->acct, b == 0 ? file : 0, b == 0 ? n - file : 0, c.down);
        bwacct_add_out(&r->acct, 0, 0, c.up);          /* the ACK estimate: upload overhead */
    }
    r->last_rx_at = r->net.sim.now;
    s->since_request += n;
    while (s->since_request >= XT_BLOCK_REQ_EVERY) {
        s->since_request -= XT_BLOCK_REQ_EVERY;
        xt_queue_control(r, s->sock, r->block_req_bytes);
    }
}

/* OnReceive: read what is buffered, within the download limit's tokens (the limiter's tick
 * reads the rest). */
static void src_read_event(struct sim *sim, struct sim_event *ev)
{
    (void)sim;
    struct xt_source *s = ev->ctx;
    struct xt_run *r = s->run;
    uint64_t n = tcp_readable(&s->flow.conn.ep[1]);
    if (r->down_limit_kBps > 0) {
        if (r->down_tokens < 1) return;                  /* the next tick reads it */
        if ((double)n > r->down_tokens) n = (uint64_t)r->down_tokens;
        r->down_tokens -= (double)n;
    }
    receive(r, s, n);
}

/* FD_READ: posted once until the client reads. */
static void src_readable(struct tcp_ep *ep, void *app)
{
    (void)ep;
    struct xt_source *s = app;
    if (!sim_event_pending(&s->read_ev)) sim_schedule_in(&s->run->net.sim, &s->read_ev, s->run->read_delay);
}

static void src_established(struct tcp_ep *ep, void *app)
{
    (void)ep;
    struct xt_source *s = app;
    s->established = 1;
    book_event(s->run, &s->run->sock[s->sock], OVH_ACCEPT);
}

static const struct tcp_app_ops src_client_ops = { src_established, src_readable, NULL };

/* Xtreme's download limiter (§1.2): every 100 ms the bucket gains D * 1.024 * dt_ms bytes,
 * holds at most 1.2 periods of credit, and is handed to the sources round robin. */
void xt_download_tick(struct xt_run *r, double dt_s)
{
    if (r->down_limit_kBps <= 0) {
        /* Unlimited: read what an earlier limit left in the buffers (their windows may be
         * closed, so no new segment would announce it). */
        r->down_tokens = 0;
        for (size_t k = 0; k < r->n_src; k++) {
            uint64_t n = tcp_readable(&r->src[k].flow.conn.ep[1]);
            if (n) receive(r, &r->src[k], n);
        }
        return;
    }
    double credit = r->down_limit_kBps * 1024.0 * dt_s;
    r->down_tokens += credit;
    if (r->down_tokens > 1.2 * credit) r->down_tokens = 1.2 * credit;
    for (size_t k = 0; k < r->n_src && r->down_tokens >= 1; k++) {
        struct xt_source *s = &r->src[(r->down_rr + k) % r->n_src];
        uint64_t n = tcp_readable(&s->flow.conn.ep[1]);
        if (n == 0) continue;
        if ((double)n > r->down_tokens) n = (uint64_t)r->down_tokens;
        r->down_tokens -= (double)n;
        receive(r, s, n);
    }
    r->down_rr = r->n_src ? (r->down_rr + 1) % r->n_src : 0;
}

/* ---- upload slots and control peers */

static void dl_established(struct tcp_ep *ep, void *app)
{
    struct xt_downloader *d = app;
    if (ep != &d->conn.ep[0]) return;
    d->established = 1;
    struct xt_sock *k = &d->run->sock[d->sock];
    book_event(d->run, k, OVH_CONNECT);
    book_event(d->run, k, OVH_CONNECTED);
}

static void remote_reads_all(struct tcp_ep *ep, void *app) { (void)app; tcp_read(ep, tcp_readable(ep)); }

static const struct tcp_app_ops dl_client_ops = { dl_established, NULL, NULL };
static const struct tcp_app_ops remote_reader_ops = { NULL, remote_reads_all, NULL };

/* Connect when the delay has passed; a peer that never answers is given up after 30 s. */
static void dl_connect(struct sim *s, struct sim_event *ev)
{
    struct xt_downloader *d = ev->ctx;
    struct xt_run *r = d->run;
    if (d->connect_delay >= 0 && d->conn.ep[0].state == TCP_CLOSED) {
        tcp_conn_open(&d->conn);
        return;
    }
    if (!d->established) {
        thr_remove_slot(&r->thr, d->sock, s->now);
        d->opened = 0;
    }
}

void xt_open_slot(struct xt_run *r, sim_time_t now)
{
    if (r->next_dl >= r->n_dl) return;                  /* waiting queue exhausted */
    struct xt_downloader *d = &r->dl[r->next_dl++];
    if (thr_add_slot(&r->thr, d->sock, now) != 0) return;
    d->opened = 1;
    d->opened_at = now;
    sim_schedule_at(&r->net.sim, &d->connect_ev, now + (d->connect_delay >= 0 ? d->connect_delay : SIM_SEC(30)));
}

static void cp_established(struct tcp_ep *ep, void *app)
{
    struct xt_ctrl_peer *c = app;
    if (ep != &c->conn.ep[0]) return;
    c->established = 1;
    book_event(c->run, &c->run->sock[c->sock], OVH_CONNECT);
    book_event(c->run, &c->run->sock[c->sock], OVH_CONNECTED);
}

static const struct tcp_app_ops cp_client_ops = { cp_established, NULL, NULL };

void xt_socks_init(struct xt_run *r)
{
    size_t id = 0;
    for (size_t i = 0; i < r->n_dl; i++, id++) {
        struct xt_downloader *d = &r->dl[i];
        d->run = r;
        d->sock = (int32_t)id;
        tcp_set_app(&d->conn.ep[0], &dl_client_ops, d);
        tcp_set_app(&d->conn.ep[1], &remote_reader_ops, d);
        sim_event_init(&d->connect_ev, dl_connect, d);
        r->sock[id] = (struct xt_sock){ .kind = XS_UPLOAD, .ep = &d->conn.ep[0] };
    }
    for (size_t i = 0; i < r->n_cp; i++, id++) {
        struct xt_ctrl_peer *c = &r->cp[i];
        c->run = r;
        c->sock = (int32_t)id;
        tcp_set_app(&c->conn.ep[0], &cp_client_ops, c);
        tcp_set_app(&c->conn.ep[1], &remote_reader_ops, c);
        r->sock[id] = (struct xt_sock){ .kind = XS_CONTROL, .ep = &c->conn.ep[0] };
    }
    for (size_t i = 0; i < r->n_src; i++, id++) {
        struct xt_source *s = &r->src[i];
        s->run = r;
        s->sock = (int32_t)id;
        tcp_set_app(&s->flow.conn.ep[1], &src_client_ops, s);
        sim_event_init(&s->read_ev, src_read_event, s);
        r->sock[id] = (struct xt_sock){ .kind = XS_DOWNLOAD, .ep = &s->flow.conn.ep[1] };
    }
}

uint64_t xt_down_read(const struct xt_run *r)
{
    uint64_t b = 0;
    for (size_t i = 0; i < r->n_src; i++) b += xt_file_bytes(r->src[i].flow.conn.ep[1].st.bytes_read);
    return b;
}

uint64_t xt_up_read(const struct xt_run *r)
{
    uint64_t b = 0;
    for (size_t i = 0; i < r->n_dl; i++) b += xt_file_bytes(r->dl[i].conn.ep[1].st.bytes_read);
    return b;
}
