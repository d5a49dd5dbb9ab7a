/* ratelab-agent server|client: the traffic of an asym_link run on real sockets.  Bulk TCP both
 * ways (or paced uploads), UDP CBR VoIP upstream; goodput from tcpi_bytes_acked over the same
 * window as the simulator (warmup..duration), TCP_INFO and the namespace's TCP counters. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <linux/tcp.h>        /* the kernel's tcp_info: tcpi_bytes_acked, tcpi_snd_wnd */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"
#include "agent_counters.h"

#define SEND_CHUNK 65536
#define PACE_TICK_NS 10000000LL       /* paced writes: the simulator's 10-ms limiter tick     */
#define MAX_FLOWS 4096
#define CC_NAME_MAX 16                /* the kernel's TCP_CA_NAME_MAX, not exported to user space */

int64_t agent_real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t agent_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct opts {
    int     server;
    const char *addr;                 /* client: the server's address                          */
    int64_t t0, warm, end;            /* absolute ns                                           */
    int     n_down, n_up;
    int64_t voip_interval;            /* 0: no VoIP                                            */
    int     rcvbuf, sndbuf, clamp, nodelay, maxseg;
    const char *cc;                   /* congestion control, per socket (testbed.c says why)    */
    double  up_limit_Bps;
    int     up_write;
    int64_t up_start;                 /* ns after t0                                           */
    double  offset[MAX_FLOWS + 1];    /* start offsets (s): downs, ups, then VoIP             */
    int     n_offsets;
};

struct flow {
    int      fd, down, sender, connected;
    int64_t  start_at;                /* client: when to connect                               */
    uint64_t acked_warm, acked_sec;   /* tcpi_bytes_acked at warm-up / at the last 1-s sample  */
    uint64_t read_total, read_warm;
    int      warm_taken;
    double   credit;                  /* paced uploads                                         */
    int64_t  last_refill, next_tick;
    struct tcp_info ti;               /* at the end                                            */
    struct tcp_info ti_warm;          /* at warm-up (zero for a flow connected after it)       */
};

static struct flow flows[MAX_FLOWS];
static int n_flows;
static char sendbuf[SEND_CHUNK];

static int getinfo(int fd, struct tcp_info *ti)
{
    socklen_t l = sizeof *ti;
    memset(ti, 0, sizeof *ti);
    return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &l);
}

static void die(const char *what)
{
    fprintf(stderr, "ratelab-agent: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* The socket's congestion control is the scenario's: an accepted socket inherits its listener's
 * (tcp_ca_openreq_child keeps a setsockopt choice), and a run on any other is no run of the case. */
static void check_cc(int fd, const struct opts *o)
{
    if (!o->cc) return;
    char name[CC_NAME_MAX + 1] = "";
    socklen_t l = CC_NAME_MAX;
    if (getsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, &l) != 0) die("TCP_CONGESTION (read back)");
    name[l < CC_NAME_MAX ? l : CC_NAME_MAX] = 0;
    if (strcmp(name, o->cc) != 0) {
        fprintf(stderr, "ratelab-agent: a socket runs congestion control '%s', not '%s'\n", name, o->cc);
        exit(1);
    }
}

/* Socket options of the scenario, set before listen/connect (the window scale is chosen from
 * the receive buffer at SYN time).  The *FORCE variants pass net.core.[rw]mem_max. */
static void set_opts(int fd, const struct opts *o)
{
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (o->rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &o->rcvbuf, sizeof o->rcvbuf) != 0) die("SO_RCVBUFFORCE");
    if (o->sndbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &o->sndbuf, sizeof o->sndbuf) != 0) die("SO_SNDBUFFORCE");
    if (o->clamp > 0 && setsockopt(fd, IPPROTO_TCP, TCP_WINDOW_CLAMP, &o->clamp, sizeof o->clamp) != 0) die("TCP_WINDOW_CLAMP");
    if (o->maxseg > 0 && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &o->maxseg, sizeof o->maxseg) != 0) die("TCP_MAXSEG");
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &o->nodelay, sizeof o->nodelay) != 0) die("TCP_NODELAY");
    if (o->cc && setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, o->cc, (socklen_t)strlen(o->cc)) != 0) die("TCP_CONGESTION");
    check_cc(fd, o);
}

static int listener(int port, const struct opts *o)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    set_opts(fd, o);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_ANY) };
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) die("bind");
    if (listen(fd, 4096) != 0) die("listen");
    return fd;
}

static void ep_add(int ep, int fd, uint32_t events, uint64_t tag)
{
    struct epoll_event ev = { .events = events, .data.u64 = tag };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
}

static void ep_mod(int ep, int fd, uint32_t events, uint64_t tag)
{
    struct epoll_event ev = { .events = events, .data.u64 = tag };
    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

#define TAG_LISTEN_DOWN (1ULL << 32)
#define TAG_LISTEN_UP   (2ULL << 32)
#define TAG_UDP         (3ULL << 32)

static void flow_established(struct flow *f, int ep, int idx, const struct opts *o, int64_t now)
{
    f->connected = 1;
    f->last_refill = now;
    f->next_tick = now + (o->up_write > 0 ? 0 : PACE_TICK_NS);
    int paced = f->sender && !f->down && o->up_limit_Bps > 0;
    uint32_t ev = f->sender ? (paced ? 0 : EPOLLOUT) : EPOLLIN;
    ep_mod(ep, f->fd, ev, (uint64_t)idx);
}

/* Bulk sender: keep the send buffer full. */
static void fill(struct flow *f)
{
    for (;;) {
        ssize_t n = send(f->fd, sendbuf, sizeof sendbuf, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) break;
    }
}

/* Paced sender, as the simulator's (sim/traffic.c): with up_write = 0, every 10 ms the credit
 * grows at the rate (at most 100 ms of it) and all of it is written; with up_write = W, one write
 * of W bytes every W / rate (the first at once), a blocked remainder owed to the next tick. */
static int64_t pace_interval(const struct opts *o)
{
    if (o->up_write <= 0) return PACE_TICK_NS;
    int64_t t = (int64_t)((double)o->up_write / o->up_limit_Bps * 1e9);
    return t > 0 ? t : 1;
}

static void pace(struct flow *f, const struct opts *o, int64_t now)
{
    if (o->up_write > 0) {
        double cap = o->up_limit_Bps * 0.1 > o->up_write ? o->up_limit_Bps * 0.1 : (double)o->up_write;
        f->credit += o->up_write;
        if (f->credit > cap) f->credit = cap;
    } else {
        f->credit += o->up_limit_Bps * (double)(now - f->last_refill) / 1e9;
        f->last_refill = now;
        if (f->credit > o->up_limit_Bps * 0.1) f->credit = o->up_limit_Bps * 0.1;
    }
    size_t want = (size_t)f->credit;
    while (want) {
        size_t chunk = want < sizeof sendbuf ? want : sizeof sendbuf;
        ssize_t n = send(f->fd, sendbuf, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) break;
        f->credit -= (double)n;
        want -= (size_t)n;
    }
}

static void drain(struct flow *f)
{
    char buf[65536];
    for (;;) {
        ssize_t n = recv(f->fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n <= 0) break;
        f->read_total += (uint64_t)n;
    }
}

/* The namespace's TCP counters (`nstat`): TcpExt from /proc/net/netstat, Tcp from /proc/net/snmp. */
static void print_counters(void)
{
    const char *files[] = { "/proc/net/netstat", "/proc/net/snmp" };
    for (int fi = 0; fi < 2; fi++) {
        FILE *f = fopen(files[fi], "r");
        if (!f) continue;
        char names[8192], vals[8192];
        while (fgets(names, sizeof names, f) && fgets(vals, sizeof vals, f)) {
            int ext = !strncmp(names, "TcpExt:", 7), tcp = !strncmp(names, "Tcp:", 4);
            if (!ext && !tcp) continue;
            char *sn = NULL, *sv = NULL;
            char *n = strtok_r(names, " \n", &sn), *v = strtok_r(vals, " \n", &sv);
            for (n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv); n && v;
                 n = strtok_r(NULL, " \n", &sn), v = strtok_r(NULL, " \n", &sv))
                for (int i = 0; agent_counter_names[i]; i++)
                    if (!strcmp(n, agent_counter_names[i])) printf("n %s %s\n", n, v);
        }
        fclose(f);
    }
}

static double quantile_sorted(const double *v, size_t n, double q)
{
    if (!n) return 0;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)pos;
    return i + 1 < n ? v[i] + (pos - (double)i) * (v[i + 1] - v[i]) : v[n - 1];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    memset(o, 0, sizeof *o);
    o->server = !strcmp(argv[0], "server");
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--addr")) o->addr = v;
        else if (!strcmp(k, "--t0")) o->t0 = strtoll(v, NULL, 10);
        else if (!strcmp(k, "--warmup-ns")) o->warm = strtoll(v, NULL, 10);
        else if (!strcmp(k, "--duration-ns")) o->end = strtoll(v, NULL, 10);
        else if (!strcmp(k, "--n-down")) o->n_down = atoi(v);
        else if (!strcmp(k, "--n-up")) o->n_up = atoi(v);
        else if (!strcmp(k, "--voip-interval-ns")) o->voip_interval = strtoll(v, NULL, 10);
        else if (!strcmp(k, "--rcvbuf")) o->rcvbuf = atoi(v);
        else if (!strcmp(k, "--sndbuf")) o->sndbuf = atoi(v);
        else if (!strcmp(k, "--clamp")) o->clamp = atoi(v);
        else if (!strcmp(k, "--nodelay")) o->nodelay = atoi(v);
        else if (!strcmp(k, "--cc")) o->cc = v;
        else if (!strcmp(k, "--maxseg")) o->maxseg = atoi(v);
        else if (!strcmp(k, "--up-limit-Bps")) o->up_limit_Bps = strtod(v, NULL);
        else if (!strcmp(k, "--up-write")) o->up_write = atoi(v);
        else if (!strcmp(k, "--up-start-ns")) o->up_start = strtoll(v, NULL, 10);
        else if (!strcmp(k, "--offsets")) {
            char *save = NULL, *copy = strdup(v);
            for (char *t = strtok_r(copy, ",", &save); t && o->n_offsets <= MAX_FLOWS; t = strtok_r(NULL, ",", &save))
                o->offset[o->n_offsets++] = strtod(t, NULL);
            free(copy);
        } else { fprintf(stderr, "ratelab-agent: unknown option %s\n", k); return -1; }
    }
    if (!o->t0 || o->end <= o->warm || o->n_down + o->n_up > MAX_FLOWS || (!o->server && !o->addr)) {
        fprintf(stderr, "ratelab-agent: needs --t0, --warmup-ns < --duration-ns, at most %d flows%s\n", MAX_FLOWS,
                o->server ? "" : ", --addr");
        return -1;
    }
    o->warm += o->t0;
    o->end += o->t0;
    return 0;
}

int agent_traffic_main(int argc, char **argv)
{
    struct opts o;
    if (parse_opts(argc, argv, &o) != 0) return 2;
    signal(SIGPIPE, SIG_IGN);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    int ldown = -1, lup = -1, udp = -1;
    struct sockaddr_in srv = { .sin_family = AF_INET };
    if (o.server) {
        ldown = listener(AGENT_PORT_DOWN, &o);
        lup = listener(AGENT_PORT_UP, &o);
        ep_add(ep, ldown, EPOLLIN, TAG_LISTEN_DOWN);
        ep_add(ep, lup, EPOLLIN, TAG_LISTEN_UP);
        if (o.voip_interval) {
            udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(AGENT_PORT_VOIP) };
            int one = 1;
            if (udp < 0 || bind(udp, (struct sockaddr *)&sa, sizeof sa) != 0) die("udp bind");
            /* The kernel's receive time stamp, taken when the datagram reaches the socket. */
            if (setsockopt(udp, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0) die("SO_TIMESTAMPNS");
            ep_add(ep, udp, EPOLLIN, TAG_UDP);
        }
    } else {
        if (inet_pton(AF_INET, o.addr, &srv.sin_addr) != 1) { fprintf(stderr, "ratelab-agent: bad --addr %s\n", o.addr); return 2; }
        for (int i = 0; i < o.n_down + o.n_up; i++) {
            struct flow *f = &flows[n_flows++];
            f->fd = -1;
            f->down = i < o.n_down;
            f->sender = !f->down;
            double off = i < o.n_offsets ? o.offset[i] : 0;
            f->start_at = o.t0 + (f->down ? 0 : o.up_start) + (int64_t)(off * 1e9);
        }
        if (o.voip_interval) {
            udp = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (udp < 0) die("udp socket");
        }
    }
    /* VoIP state: the client sends from t0 + its offset until one second before the end. */
    int64_t voip_next = o.t0 + (int64_t)((o.n_down + o.n_up < o.n_offsets ? o.offset[o.n_down + o.n_up] : 0) * 1e9);
    uint64_t voip_seq = 0, voip_sent_measured = 0, voip_recv_measured = 0, voip_bytes_measured = 0;
    size_t n_delay = 0, cap_delay = 0;
    double *delays = NULL;

    int64_t next_sample = o.t0 + 1000000000LL;
    int warm_done = 0;
    uint64_t series_prev = 0;
    uint32_t snd_wnd_max = 0;
    int sndq_max = 0;
    for (;;) {
        int64_t now = agent_now_ns();
        if (now >= o.end) break;
        /* Client: connect flows whose start time has come. */
        for (int i = 0; !o.server && i < n_flows; i++) {
            struct flow *f = &flows[i];
            if (f->fd >= 0 || now < f->start_at) continue;
            f->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (f->fd < 0) die("socket");
            set_opts(f->fd, &o);
            srv.sin_port = htons(f->down ? AGENT_PORT_DOWN : AGENT_PORT_UP);
            if (connect(f->fd, (struct sockaddr *)&srv, sizeof srv) != 0 && errno != EINPROGRESS) die("connect");
            ep_add(ep, f->fd, EPOLLOUT, (uint64_t)i);
        }
        /* Paced uploads: the 10-ms tick. */
        for (int i = 0; i < n_flows; i++) {
            struct flow *f = &flows[i];
            if (f->connected && f->sender && !f->down && o.up_limit_Bps > 0 && now >= f->next_tick) {
                pace(f, &o, now);
                while (f->next_tick <= now) f->next_tick += pace_interval(&o);
            }
        }
        if (!o.server && udp >= 0 && now >= voip_next && voip_next < o.end - 1000000000LL) {
            unsigned char pkt[AGENT_VOIP_PAYLOAD] = { 0 };
            /* Stamped when sent (monotonic, for the measured window; real time, to compare with the
             * receiving kernel's SO_TIMESTAMPNS): the one-way delay excludes both agents' wake-up
             * latencies and is the network's alone. */
            int64_t ts = agent_now_ns(), rt = agent_real_ns();
            memcpy(pkt, &voip_seq, 8);
            memcpy(pkt + 8, &ts, 8);
            memcpy(pkt + 16, &rt, 8);
            if (sendto(udp, pkt, sizeof pkt, MSG_DONTWAIT, (struct sockaddr *)&(struct sockaddr_in){ .sin_family = AF_INET,
                       .sin_port = htons(AGENT_PORT_VOIP), .sin_addr = srv.sin_addr }, sizeof srv) == (ssize_t)sizeof pkt &&
                voip_next >= o.warm)
                voip_sent_measured++;
            voip_seq++;
            voip_next += o.voip_interval;
        }
        if (!warm_done && now >= o.warm) {
            for (int i = 0; i < n_flows; i++) {
                struct flow *f = &flows[i];
                if (f->connected && getinfo(f->fd, &f->ti_warm) == 0 && f->sender) f->acked_warm = f->ti_warm.tcpi_bytes_acked;
                f->read_warm = f->read_total;
                f->warm_taken = 1;
            }
            warm_done = 1;
        }
        if (now >= next_sample) {
            /* Once a second: bytes acknowledged to this side's senders, the 1-s goodput series. */
            uint64_t sum = 0;
            for (int i = 0; i < n_flows; i++) {
                struct tcp_info ti;
                int outq = 0;
                if (!flows[i].connected || !flows[i].sender || getinfo(flows[i].fd, &ti) != 0) continue;
                sum += ti.tcpi_bytes_acked;
                /* The window the receiver advertises and the bytes the send buffer holds: what
                 * rcvbuf/sndbuf mean on this engine (docs/validation.md). */
                if (ti.tcpi_snd_wnd > snd_wnd_max) snd_wnd_max = ti.tcpi_snd_wnd;
                if (ioctl(flows[i].fd, SIOCOUTQ, &outq) == 0 && outq > sndq_max) sndq_max = outq;
            }
            printf("s %s %.0f %llu\n", o.server ? "down_goodput_Bps" : "up_goodput_Bps", (double)(next_sample - o.t0) / 1e9,
                   (unsigned long long)(sum - series_prev));
            series_prev = sum;
            next_sample += 1000000000LL;
        }
        /* Sleep until the next thing to do. */
        int64_t wake = o.end < next_sample ? o.end : next_sample;
        if (!warm_done && o.warm < wake) wake = o.warm;
        for (int i = 0; i < n_flows; i++) {
            if (!o.server && flows[i].fd < 0 && flows[i].start_at < wake) wake = flows[i].start_at;
            if (flows[i].connected && flows[i].sender && !flows[i].down && o.up_limit_Bps > 0 && flows[i].next_tick < wake)
                wake = flows[i].next_tick;
        }
        if (!o.server && udp >= 0 && voip_next < wake) wake = voip_next;
        now = agent_now_ns();
        int timeout_ms = wake > now ? (int)((wake - now + 999999) / 1000000) : 0;
        struct epoll_event evs[256];
        int n = epoll_wait(ep, evs, 256, timeout_ms);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        now = agent_now_ns();
        for (int k = 0; k < n; k++) {
            uint64_t tag = evs[k].data.u64;
            if (tag == TAG_LISTEN_DOWN || tag == TAG_LISTEN_UP) {
                for (;;) {
                    int fd = accept4(tag == TAG_LISTEN_DOWN ? ldown : lup, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) break;
                    if (n_flows == MAX_FLOWS) { close(fd); continue; }
                    int idx = n_flows++;
                    struct flow *f = &flows[idx];
                    f->fd = fd;
                    f->down = tag == TAG_LISTEN_DOWN;
                    f->sender = f->down;
                    f->warm_taken = warm_done;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &o.nodelay, sizeof o.nodelay);
                    check_cc(fd, &o);
                    ep_add(ep, fd, 0, (uint64_t)idx);
                    flow_established(f, ep, idx, &o, now);
                }
            } else if (tag == TAG_UDP) {
                unsigned char pkt[2048];
                ssize_t len;
                for (;;) {
                    char ctl[CMSG_SPACE(sizeof(struct timespec))];
                    struct iovec iov = { pkt, sizeof pkt };
                    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
                    if ((len = recvmsg(udp, &mh, MSG_DONTWAIT)) < 24) break;
                    int64_t ts, rt, rx = agent_real_ns();
                    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
                        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
                            struct timespec t;
                            memcpy(&t, CMSG_DATA(cm), sizeof t);
                            rx = (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
                        }
                    memcpy(&ts, pkt + 8, 8);
                    memcpy(&rt, pkt + 16, 8);
                    if (ts < o.warm) continue;
                    voip_recv_measured++;
                    voip_bytes_measured += (uint64_t)len;
                    if (n_delay == cap_delay) {
                        cap_delay = cap_delay ? 2 * cap_delay : 4096;
                        double *d = realloc(delays, cap_delay * sizeof *d);
                        if (!d) die("realloc");
                        delays = d;
                    }
                    delays[n_delay++] = (double)(rx - rt) / 1e6;
                }
            } else {
                struct flow *f = &flows[tag];
                if (!f->connected) {
                    int e = 0;
                    socklen_t el = sizeof e;
                    getsockopt(f->fd, SOL_SOCKET, SO_ERROR, &e, &el);
                    if (e) { errno = e; die("connect"); }
                    f->warm_taken = warm_done;
                    flow_established(f, ep, (int)tag, &o, now);
                    if (f->sender && !(f->sender && !f->down && o.up_limit_Bps > 0)) fill(f);
                    continue;
                }
                if (evs[k].events & EPOLLIN) drain(f);
                if (evs[k].events & EPOLLOUT) fill(f);
            }
        }
    }

    /* The end of the measured window: everything from TCP_INFO now. */
    uint64_t acked = 0, read = 0, retrans = 0;
    /* Segments in the window (tcpi_segs_*, Linux >= 4.6: every segment, and those with data):
     * what the receivers send per data segment and how many of their ACKs reach the senders. */
    uint64_t snd_data_out = 0, snd_acks_in = 0, rcv_data_in = 0, rcv_acks_out = 0;
    double rtt_sum = 0, wnd_sum = 0;
    int n_snd = 0, mss = 0;
    const char *sdir = o.server ? "down" : "up", *rdir = o.server ? "up" : "down";
    for (int i = 0; i < n_flows; i++) {
        struct flow *f = &flows[i];
        if (!f->connected) continue;
        getinfo(f->fd, &f->ti);
        const struct tcp_info *t1 = &f->ti, *t0 = &f->ti_warm;
        uint32_t data_out = t1->tcpi_data_segs_out - t0->tcpi_data_segs_out, data_in = t1->tcpi_data_segs_in - t0->tcpi_data_segs_in;
        uint32_t pure_out = t1->tcpi_segs_out - t0->tcpi_segs_out - data_out, pure_in = t1->tcpi_segs_in - t0->tcpi_segs_in - data_in;
        if (f->sender) {
            snd_data_out += data_out;
            snd_acks_in += pure_in;
            uint64_t a = f->ti.tcpi_bytes_acked - (f->warm_taken ? f->acked_warm : 0);
            acked += a;
            retrans += f->ti.tcpi_total_retrans;
            rtt_sum += f->ti.tcpi_rtt / 1e3;
            wnd_sum += f->ti.tcpi_snd_wnd;
            if (!mss) mss = (int)f->ti.tcpi_snd_mss;
            n_snd++;
            printf("f %s %d goodput_Bps %.1f\n", sdir, i, (double)a / ((double)(o.end - o.warm) / 1e9));
            printf("f %s %d retrans %u\n", sdir, i, f->ti.tcpi_total_retrans);
            printf("f %s %d srtt_ms %.3f\n", sdir, i, f->ti.tcpi_rtt / 1e3);
            printf("f %s %d cwnd %u\n", sdir, i, f->ti.tcpi_snd_cwnd);
            printf("f %s %d ssthresh %u\n", sdir, i, f->ti.tcpi_snd_ssthresh);
            printf("f %s %d snd_wnd %u\n", sdir, i, f->ti.tcpi_snd_wnd);
        } else {
            drain(f);
            read += f->read_total - (f->warm_taken ? f->read_warm : 0);
            rcv_data_in += data_in;
            rcv_acks_out += pure_out;
            printf("f %s %d rcv_space %u\n", rdir, i, f->ti.tcpi_rcv_space);
            printf("f %s %d rcv_data_segs %u\n", rdir, i, data_in);
            printf("f %s %d rcv_acks %u\n", rdir, i, pure_out);
        }
    }
    printf("m %s_acked_bytes %llu\n", sdir, (unsigned long long)acked);
    printf("m %s_read_bytes %llu\n", rdir, (unsigned long long)read);
    printf("m %s_retrans %llu\n", sdir, (unsigned long long)retrans);
    printf("m %s_senders %d\n", sdir, n_snd);
    printf("m %s_snd_data_segs %llu\n", sdir, (unsigned long long)snd_data_out);
    printf("m %s_snd_acks_in %llu\n", sdir, (unsigned long long)snd_acks_in);
    printf("m %s_rcv_data_segs %llu\n", rdir, (unsigned long long)rcv_data_in);
    printf("m %s_rcv_acks %llu\n", rdir, (unsigned long long)rcv_acks_out);
    printf("m %s_snd_wnd_max %u\n", sdir, snd_wnd_max);
    printf("m %s_sndq_max %d\n", sdir, sndq_max);
    if (n_snd) {
        printf("m %s_srtt_ms_mean %.3f\n", sdir, rtt_sum / n_snd);
        printf("m %s_snd_wnd_mean %.0f\n", sdir, wnd_sum / n_snd);
        printf("m %s_mss %d\n", sdir, mss);
    }
    if (o.voip_interval) {
        if (o.server) {
            qsort(delays, n_delay, sizeof *delays, cmp_double);
            double sum = 0;
            for (size_t i = 0; i < n_delay; i++) sum += delays[i];
            printf("m voip_recv_measured %llu\n", (unsigned long long)voip_recv_measured);
            printf("m voip_bytes_measured %llu\n", (unsigned long long)voip_bytes_measured);
            printf("m voip_delay_ms_mean %.4f\n", n_delay ? sum / (double)n_delay : 0.0);
            printf("m voip_delay_ms_p95 %.4f\n", quantile_sorted(delays, n_delay, 0.95));
        } else {
            printf("m voip_sent_measured %llu\n", (unsigned long long)voip_sent_measured);
        }
    }
    print_counters();
    fflush(stdout);
    free(delays);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ratelab-agent server|client|delay OPTIONS (started by `ratelab kernel`)\n");
        return 2;
    }
    if (!strcmp(argv[1], "delay")) return agent_delay_main(argc - 1, argv + 1);
    if (!strcmp(argv[1], "server") || !strcmp(argv[1], "client")) return agent_traffic_main(argc - 1, argv + 1);
    fprintf(stderr, "ratelab-agent: unknown mode '%s' (allowed: server|client|delay)\n", argv[1]);
    return 2;
}
