/* The paced sender of `ratelab calibrate`: N TCP connections each carrying a BitTorrent-framed
 * stream (16 KiB PIECE messages plus HAVEs) at a set rate, written one full segment at a time. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "calib.h"

#define BT_BLOCK      16384u
#define BT_PIECE_WIRE (4u + 9u + BT_BLOCK)
#define BT_HAVE_WIRE  (4u + 5u)

static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

void bt_stream_init(struct bt_stream *s, double have_hz, double t0_s)
{
    memset(s, 0, sizeof *s);
    s->have_every_s = have_hz > 0 ? 1.0 / have_hz : 0;
    s->next_have_s = have_hz > 0 ? t0_s + s->have_every_s : 0;
}

/* At a message boundary: a HAVE if one is due, otherwise the next PIECE. */
static void next_message(struct bt_stream *s, double now_s)
{
    memset(s->hdr, 0, sizeof s->hdr);
    s->msg_off = 0;
    if (s->have_every_s > 0 && now_s >= s->next_have_s) {
        s->next_have_s += s->have_every_s;
        s->msg_len = BT_HAVE_WIRE;
        put32(s->hdr, 5);
        s->hdr[4] = 4;                                     /* have */
        put32(s->hdr + 5, (uint32_t)s->haves++);
        return;
    }
    s->msg_len = BT_PIECE_WIRE;
    put32(s->hdr, BT_PIECE_WIRE - 4);
    s->hdr[4] = 7;                                         /* piece */
    put32(s->hdr + 5, (uint32_t)(s->pieces / 16));         /* index */
    put32(s->hdr + 9, (uint32_t)(s->pieces % 16) * BT_BLOCK);   /* begin */
    s->pieces++;
}

unsigned bt_stream_fill(struct bt_stream *s, uint8_t *buf, size_t n, double now_s)
{
    unsigned done = 0;
    while (n > 0) {
        if (s->msg_len == 0 || s->msg_off == s->msg_len) next_message(s, now_s);
        uint32_t hdr_len = s->msg_len == BT_HAVE_WIRE ? BT_HAVE_WIRE : 13u;
        size_t take = s->msg_len - s->msg_off;
        if (take > n) take = n;
        for (size_t i = 0; i < take; i++) {
            uint32_t o = s->msg_off + (uint32_t)i;
            buf[i] = o < hdr_len ? s->hdr[o] : 0;
        }
        s->msg_off += (uint32_t)take;
        done += s->msg_off == s->msg_len;
        buf += take;
        n -= take;
    }
    return done;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct conn {
    int              fd;
    struct bt_stream st;
    uint8_t          pend[65536];
    size_t           pend_off, pend_len;
    unsigned         pend_msgs;           /* messages the pending segment completes */
};

static int64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Connect with the segment size pinned: TCP_MAXSEG before connect() clamps the MSS, so on
 * loopback (MTU 65536) each write of mss bytes leaves as one segment of mss payload bytes. */
static int connect_one(const struct send_cfg *c, int *seg)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    int one = 1, ask = c->mss + 12;                        /* + the timestamps option */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &ask, sizeof ask);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->port) };
    if (inet_pton(AF_INET, c->host, &a.sin_addr) != 1 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    int eff = 0;
    socklen_t l = sizeof eff;
    if (getsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &eff, &l) == 0 && eff > 0 && eff < *seg) *seg = eff;
    return fd;
}

int calib_sender_run(const struct send_cfg *c)
{
    struct conn *cs = calloc((size_t)c->conns, sizeof *cs);
    if (!cs) return -1;
    int seg = c->mss;
    for (int i = 0; i < c->conns; i++) {
        cs[i].fd = connect_one(c, &seg);
        if (cs[i].fd < 0) { perror("calibrate sender: connect"); return -1; }
    }
    double t0 = mono_s();
    for (int i = 0; i < c->conns; i++) bt_stream_init(&cs[i].st, c->have_hz, t0);
    if (c->rate_Bps <= 0) {                                /* idle: hold the connections */
        for (;;) pause();
    }
    /* Round robin over the connections, one segment each, evenly spaced: every connection
     * then carries rate_Bps in full segments. */
    double gap = (double)seg / (c->rate_Bps * c->conns), next = t0, count_from = t0 + c->warmup_ms / 1e3;
    struct calib_send_stats *st = c->trace ? &c->trace->stats : NULL;
    int burst = 0;
    for (int i = 0;; i = (i + 1) % c->conns) {
        next += gap;
        double now = mono_s();
        if (next > now) {
            struct timespec ts = { (time_t)next, (long)((next - (double)(time_t)next) * 1e9) };
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
            double woke = mono_s();
            if (st && woke >= count_from) {
                st->wakes++;
                st->late[cpu_gap_bin((woke - next) * 1e6)]++;
                if (burst > 0) st->burst[burst < CALIB_BURST_BINS ? burst - 1 : CALIB_BURST_BINS - 1]++;
            }
            burst = 0;
        } else if (now - next > 0.02) {
            next = now - 0.02;                             /* fell behind: catch up at most 20 ms */
        }
        burst++;
        if (st && now >= count_from) st->segs++;
        struct conn *k = &cs[i];
        if (k->pend_len == k->pend_off) {
            k->pend_msgs = bt_stream_fill(&k->st, k->pend, (size_t)seg, mono_s());
            k->pend_off = 0;
            k->pend_len = (size_t)seg;
        }
        int64_t t_send = real_ns();
        ssize_t w = send(k->fd, k->pend + k->pend_off, k->pend_len - k->pend_off, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w > 0) {
            k->pend_off += (size_t)w;
            struct calib_send_trace *tr = c->trace;
            if (tr && tr->n < tr->cap)           /* a message counts as sent with its last byte */
                tr->ev[tr->n] = (struct calib_send_ev){ t_send, i, (uint16_t)w, (uint16_t)(k->pend_off == k->pend_len ? k->pend_msgs : 0) };
            if (tr) tr->n++;
        } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
            break;                               /* the receiver is gone */
        }
    }
    for (int i = 0; i < c->conns; i++) close(cs[i].fd);
    free(cs);
    return 0;
}
