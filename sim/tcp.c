/* TCP connections as the application sees them: set-up and tear-down, the send buffer that
 * tcp_write fills (with its control/data marks) and the receive buffer that tcp_read drains. */
#include "tcp_int.h"
#include "linux_buffers.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tcp_cfg_default(struct tcp_cfg *c)
{
    c->mss = 1460;
    c->timestamps = 0;
    c->sack = 1;
    c->cubic = 0;
    c->nagle = 1;
    c->delack_count = 2;
    c->delack_timeout = SIM_MS(40);
    c->hz = 250;                 /* the reference kernel's CONFIG_HZ (/proc/config.gz) */
    c->init_cwnd = 10;
    c->rcvbuf = 262144;
    c->sndbuf = 262144;
    c->linux_wmem = 0;
    c->ack_at_read = 0;
    c->rto_min = SIM_MS(200);
    c->rto_initial = SIM_SEC(1);
    c->rto_max = SIM_SEC(60);
}

/* The window a receiver may ever offer at SYN time, Linux's window_clamp as tcp_connect_init and
 * tcp_openreq_init_rwin leave it for tcp_select_initial_window: the whole buffer as a window
 * (tcp_full_space, sk_rcvbuf * TCP_DEFAULT_SCALING_RATIO / 256, since no segment has been
 * measured yet; rcvbuf is sk_rcvbuf at the veth ratio), and no more than TCP_WINDOW_CLAMP
 * (rcvbuf), since the buffer is locked (SO_RCVBUF). */
static uint64_t syn_window_clamp(const struct tcp_cfg *cfg)
{
    uint64_t space = (uint64_t)cfg->rcvbuf * LINUX_DEFAULT_SCALING_RATIO / LINUX_VETH_SCALING_RATIO;
    return space < cfg->rcvbuf ? space : cfg->rcvbuf;
}

/* Linux tcp_select_initial_window: the window a connection starts with (rcv_wnd, and
 * rcv_ssthresh), syn_window_clamp in whole segments.  For the grid's 262144: 141 segments,
 * 205860 bytes, as the kernel engine's sockets start (tcp_probe rcv_wnd). */
uint32_t tcp_initial_window(const struct tcp_cfg *cfg)
{
    uint64_t space = syn_window_clamp(cfg);
    if (space > cfg->mss) space = space / cfg->mss * cfg->mss;
    return (uint32_t)space;
}

/* The receive window scale, also tcp_select_initial_window: ilog2 of the largest window less 15
 * (so that 65535 units hold it), 0..14 (TCP_MAX_WSCALE, RFC 7323 2.3).  The largest window is
 * the initial one or net.ipv4.tcp_rmem[2] / net.core.rmem_max if larger, but never more than
 * window_clamp, which the locked buffer made syn_window_clamp: so the buffer as a window at the
 * default ratio, 0.79 of rcvbuf, and not rcvbuf itself.  The kernel engine's SYN and SYN-ACK
 * announce 0, 0, 1, 2, 4 for rcvbuf 65535, 65536, 131072, 262144, 1048576 (docs/validation.md);
 * ilog2(rcvbuf) - 15 gave 0, 1, 2, 3, 5.  Both ends of a connection share the configuration,
 * hence one scale for both directions. */
uint8_t tcp_rcv_wscale(const struct tcp_cfg *cfg)
{
    uint64_t clamp = syn_window_clamp(cfg), space = tcp_initial_window(cfg);
    if (space < LINUX_TCP_RMEM_MAX) space = LINUX_TCP_RMEM_MAX;
    if (space > clamp) space = clamp;
    unsigned lg = 0;
    while (space >> (lg + 1)) lg++;
    return (uint8_t)(lg > 15 ? (lg - 15 < 14 ? lg - 15 : 14) : 0);
}

static void ep_init(struct tcp_ep *ep, struct tcp_conn *c, struct tcp_ep *peer, const struct path *out)
{
    memset(ep, 0, sizeof *ep);
    ep->conn = c;
    ep->peer = peer;
    ep->out = out;
    ep->state = TCP_CLOSED;
    ep->cwnd = c->cfg.init_cwnd * c->cfg.mss;
    ep->ssthresh = UINT32_MAX;          /* RFC 5681: arbitrarily high, cut at the first loss */
    ep->reordering = DUPACK_THRESH;     /* net.ipv4.tcp_reordering */
    ep->rto = c->cfg.rto_initial;
    ep->snd_wnd = c->cfg.mss;           /* until the peer's first advertisement arrives */
    ep->rcv_ssthresh = tcp_initial_window(&c->cfg);
    ep->rcv_wnd_adv = ep->rcv_ssthresh;
    sim_event_init(&ep->rto_timer, on_rto, ep);
    sim_event_init(&ep->persist_timer, on_persist, ep);
    sim_event_init(&ep->delack_timer, on_delack, ep);
    sim_event_init(&ep->comp_sack_timer, on_comp_sack, ep);
    sim_event_init(&ep->tsq_event, on_tsq, ep);
}

void tcp_conn_init(struct tcp_conn *c, struct net *n, const struct tcp_cfg *cfg,
                   const struct path *fwd, const struct path *rev)
{
    memset(c, 0, sizeof *c);
    c->net = n;
    c->cfg = *cfg;
    c->hdr = (uint16_t)(IPV4_HDR + TCP_HDR + (cfg->timestamps ? TCP_TS_OPT : 0u));
    c->rcv_wscale = tcp_rcv_wscale(cfg);
    c->path[0] = *fwd;
    c->path[1] = *rev;
    c->path[0].sink = tcp_input; c->path[0].ctx = &c->ep[1];
    c->path[1].sink = tcp_input; c->path[1].ctx = &c->ep[0];
    ep_init(&c->ep[0], c, &c->ep[1], &c->path[0]);
    ep_init(&c->ep[1], c, &c->ep[0], &c->path[1]);
}

void tcp_conn_free(struct tcp_conn *c)
{
    for (int i = 0; i < 2; i++) {
        struct tcp_ep *ep = &c->ep[i];
        sim_cancel(&c->net->sim, &ep->rto_timer);
        sim_cancel(&c->net->sim, &ep->persist_timer);
        sim_cancel(&c->net->sim, &ep->delack_timer);
        sim_cancel(&c->net->sim, &ep->comp_sack_timer);
        sim_cancel(&c->net->sim, &ep->tsq_event);
        rtx_free(ep);
        free(ep->marks);
        ep->marks = NULL;
        ivl_free(&ep->ooo);
    }
}

void tcp_set_app(struct tcp_ep *ep, const struct tcp_app_ops *ops, void *app)
{
    ep->app_ops = ops;
    ep->app = app;
}

/* ---------------------------------------------------------------- send buffer */

uint32_t tcp_send_space(const struct tcp_ep *ep)
{
    uint64_t used = ep_cfg(ep)->linux_wmem ? tcp_wmem_queued(ep) : ep->write_seq - ep->snd_una;
    uint32_t buf = ep_cfg(ep)->sndbuf;
    return used >= buf ? 0 : (uint32_t)(buf - used);
}

/* Linux tcp_xmit_size_goal: the application's bytes are gathered in skbs of up to 64 KB, at most
 * half the largest window the peer offered (tcp_bound_to_half_wnd), in whole segments. */
uint32_t tcp_size_goal(const struct tcp_ep *ep)
{
    uint32_t mss = ep_cfg(ep)->mss, goal = TCP_GSO_MAX_SIZE;
    if (ep->max_snd_wnd > 536 && ep->max_snd_wnd / 2 < goal) goal = ep->max_snd_wnd / 2;
    goal = goal / mss * mss;
    return goal < mss ? mss : goal;
}

/* Linux sk_wmem_queued under linux_wmem: the retransmission queue as sent (payload and the
 * overhead of each skb), the unsent bytes and their skbs' overhead. */
uint64_t tcp_wmem_queued(const struct tcp_ep *ep)
{
    return ep->wmem_sent + (ep->write_seq - ep->snd_nxt) + (uint64_t)ep->unsent_skbs * TCP_SKB_OVERHEAD;
}

/* Linux __sk_stream_is_writeable (sk_stream_write_space wakes the writer, tcp_poll reports
 * EPOLLOUT): the memory is below sk_sndbuf and what is free is at least half of what is queued,
 * i.e. the queue has drained to two thirds of the buffer. */
int tcp_writable(const struct tcp_ep *ep)
{
    uint64_t q = tcp_wmem_queued(ep), buf = ep_cfg(ep)->sndbuf;
    return q < buf && buf - q >= q / 2;
}

static void add_mark(struct tcp_ep *ep, uint64_t end, int ctrl)
{
    if (ep->n_marks > ep->mark_head && ep->marks[ep->n_marks - 1].ctrl == (uint8_t)ctrl) {
        ep->marks[ep->n_marks - 1].end = end;
        return;
    }
    if (ep->mark_head > 0 && ep->n_marks == ep->cap_marks) {
        /* Reclaim the acknowledged prefix before growing. */
        memmove(ep->marks, ep->marks + ep->mark_head, (ep->n_marks - ep->mark_head) * sizeof *ep->marks);
        ep->n_marks -= ep->mark_head;
        ep->mark_head = 0;
    }
    if (ep->n_marks == ep->cap_marks) {
        ep->cap_marks = ep->cap_marks ? 2 * ep->cap_marks : 4;
        struct tcp_mark *m = realloc(ep->marks, ep->cap_marks * sizeof *m);
        if (!m) { perror("tcp"); exit(1); }
        ep->marks = m;
    }
    ep->marks[ep->n_marks++] = (struct tcp_mark){ end, (uint8_t)ctrl };
}

/* Control bytes within [start, end): walk the marks from the first one ending after start. */
uint32_t ctrl_bytes(const struct tcp_ep *ep, uint64_t start, uint64_t end)
{
    uint64_t run_start = 0;
    uint32_t ctrl = 0;
    size_t i = ep->mark_head;
    if (i > 0) run_start = ep->marks[i - 1].end;
    for (; i < ep->n_marks && run_start < end; i++) {
        uint64_t run_end = ep->marks[i].end;
        if (ep->marks[i].ctrl && run_end > start) {
            uint64_t a = max_u64(run_start, start), b = min_u64(run_end, end);
            if (b > a) ctrl += (uint32_t)(b - a);
        }
        run_start = run_end;
    }
    return ctrl;
}

void drop_acked_marks(struct tcp_ep *ep)
{
    while (ep->mark_head < ep->n_marks && ep->marks[ep->mark_head].end <= ep->snd_una) ep->mark_head++;
    if (ep->mark_head == ep->n_marks) ep->mark_head = ep->n_marks = 0;
}

/* Linux tcp_sendmsg_locked: bytes go into the last unsent skb while it has room (up to the size
 * goal); a new skb is started only while the memory is below sk_sndbuf (sk_stream_memory_free),
 * so one write may overshoot the buffer by up to an skb.  An skb that reaches the size goal while
 * it is the first unsent one is pushed at once (tcp_push_one): what the windows allow of it is
 * sent and split off, and the remainder, again the tail with room, takes more of the write without
 * a memory check.  So while the congestion window is open a write is not bounded by sk_sndbuf: a
 * writer woken after a silence refills the whole window (Linux 6.18, ss -tm, sk_sndbuf 102882:
 * 45 segments in flight and 84672 bytes queued before a write, 113-118 and 225-267 kB after).
 * A write that could not place all its bytes leaves SOCK_NOSPACE set: the writer hears of space
 * only once tcp_writable. */
static uint32_t sendmsg_linux(struct tcp_ep *ep, uint32_t len, int ctrl)
{
    uint32_t take = 0;
    int pushed_out = 0;
    while (take < len) {
        uint32_t goal = tcp_size_goal(ep);
        uint32_t room = ep->write_seq > ep->snd_nxt && ep->tail_len < goal ? goal - ep->tail_len : 0;
        if (room == 0) {
            /* tcp_push_one sends one piece (tcp_tso_segs) and leaves the rest of the skb as the
             * tail; the simulator sends all the windows allow at once, so an skb its push sent
             * out entirely still stands for that tail with room: no memory check for it. */
            if (!pushed_out && tcp_wmem_queued(ep) >= ep_cfg(ep)->sndbuf) break;
            ep->unsent_skbs++;
            ep->tail_len = 0;
            room = goal;
        }
        pushed_out = 0;
        uint32_t c = len - take < room ? len - take : room;
        take += c;
        ep->tail_len += c;
        ep->write_seq += c;
        add_mark(ep, ep->write_seq, ctrl);
        if (ep->tail_len >= goal && ep->unsent_skbs == 1 && ep->state == TCP_ESTABLISHED) {
            tcp_output_push(ep);                                /* tcp_push_one */
            pushed_out = ep->write_seq == ep->snd_nxt;
        }
    }
    if (take < len) ep->nospace = 1;
    return take;
}

/* Linux tcp_push at the end of tcp_sendmsg: tcp_mark_push puts PSH on the last unsent skb (none if
 * the write went out whole), and the next write that appends to that skb clears it
 * (tcp_sendmsg_locked).  forced_push (every half window written) is not modelled: the project's
 * writers end writes far more often. */
static void mark_push(struct tcp_ep *ep, int appended)
{
    if (ep->write_seq > ep->snd_nxt) ep->push_seq = ep->write_seq;
    else if (appended) ep->push_seq = 0;
}

uint32_t tcp_write(struct tcp_ep *ep, uint32_t len, int ctrl)
{
    ep->st.write_calls++;
    if (ep->write_seq == ep->snd_nxt) cwnd_restart_after_idle(ep);     /* a new skb: tcp_skb_entail */
    uint32_t take;
    int appends = ep->push_seq == ep->write_seq && ep->write_seq > ep->snd_nxt &&
                  (!ep_cfg(ep)->linux_wmem || ep->tail_len < tcp_size_goal(ep));
    if (ep_cfg(ep)->linux_wmem) {
        take = sendmsg_linux(ep, len, ctrl);
    } else {
        uint32_t space = tcp_send_space(ep);
        take = len < space ? len : space;
        ep->write_seq += take;
        if (take) add_mark(ep, ep->write_seq, ctrl);
    }
    if (take == 0) { ep->st.write_blocked++; return 0; }
    mark_push(ep, appends);
    /* A write that fills the buffer ends as Linux's writer goes to sleep for space
     * (wait_for_space): tcp_push with TCP_NAGLE_PUSH; one that placed all its bytes, with the
     * socket's own Nagle setting. */
    if (ep->state == TCP_ESTABLISHED) {
        if (take < len) tcp_output_push(ep);
        else tcp_output(ep);
    }
    return take;
}

/* ---------------------------------------------------------------- receive buffer */

uint64_t tcp_read(struct tcp_ep *ep, uint64_t max)
{
    uint64_t avail = ep->rcv_nxt - ep->rcv_read;
    uint64_t take = avail < max ? avail : max;
    if (take == 0) return 0;
    ep->rcv_read += take;
    ep->st.bytes_read += take;
    /* Linux's tcp_cleanup_rbuf with an ACK scheduled (ack_at_read, see data_input): more than one
     * MSS unacknowledged, the ACK __tcp_ack_snd_check left to the read; or this read emptied the
     * receive queue (out-of-order data is socket memory too: sk_rmem_alloc) after a short
     * segment, two of them (PUSHED2), or a pushed full-size one (PUSHED, measure_rcv_mss), and
     * the connection is not interactive (ping-pong mode is not modelled: never). */
    int emptied = ep->rcv_read == ep->rcv_nxt && ep->ooo.n == 0;
    if (ep_cfg(ep)->ack_at_read && sim_event_pending(&ep->delack_timer) &&
        (ep->rcv_nxt - ep->last_ack_sent > ep_cfg(ep)->mss ||
         (emptied && (ep->ack_pending & (ICSK_ACK_PUSHED | ICSK_ACK_PUSHED2))))) {
        send_pure_ack(ep);
        return take;
    }
    /* Window update, as Linux's tcp_cleanup_rbuf: only when the window we could offer now is at
     * least twice what is left of the last advertisement, so an application that keeps up never
     * causes extra ACKs, and a stalled one reopens the sender promptly (receiver SWS avoidance,
     * RFC 1122 4.2.3.3: the opening must also be at least one MSS). */
    uint64_t left = ep->rcv_adv_edge > ep->rcv_nxt ? ep->rcv_adv_edge - ep->rcv_nxt : 0;
    uint64_t now_wnd = rcv_window(ep);
    if (ep->state == TCP_ESTABLISHED && ep->last_ack_sent >= ep->rcv_nxt &&
        now_wnd >= 2 * left && now_wnd >= left + ep_cfg(ep)->mss)
        send_pure_ack(ep);
    return take;
}

void tcp_conn_open(struct tcp_conn *c) { tcp_conn_open_by(c, 0); }

void tcp_conn_open_by(struct tcp_conn *c, int side)
{
    struct tcp_ep *ep = &c->ep[side ? 1 : 0];
    ep->state = TCP_SYN_SENT;
    c->ep[side ? 0 : 1].state = TCP_SYN_RCVD;    /* a listening peer: it answers the SYN when it arrives */
    struct packet *p = new_syn_segment(ep, TCPF_SYN);
    ep->st.segs_out++;
    sim_time_t t = ep_now(ep);
    ep->syn_timing = 1; ep->syn_time = t;
    net_send(c->net, ep->out, p);
    arm_rto(ep);
}
