/* The C receivers of `ratelab calibrate`: blocking recv into a buffer (a thread per connection),
 * epoll readiness reads into a buffer, and header-then-body reads per message; each frames the
 * 4-byte length-prefixed messages and makes etorrent's per-message rate update (core/rate). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/tcp.h>
#include "calib.h"
#include "rate.h"

#define RX_BUF   (256 * 1024)
#define TICK_NS  5000000000LL

/* Counters written by the connection's own thread only (relaxed stores: plain moves on x86),
 * read by the main thread at the window's edges. */
struct rx_count { _Atomic uint64_t reads, events, msgs, bytes, updates, ticks; };

/* The time of the process's last delivery (any thread), for the gap histogram; the bins are
 * bumped by whichever thread delivers (relaxed adds: counts, not a protocol). */
static _Atomic int64_t last_delivery_ns;
static _Atomic uint64_t gap_count[CPU_GAP_BINS];

struct rx_conn {
    int              fd;
    enum calib_clock clock;
    struct rate_est  est;
    int64_t          next_tick;
    uint8_t         *buf;
    size_t           have;
    struct rx_count  n;
    pthread_t        th;
} __attribute__((aligned(64)));

#define BUMP(c, f, v) atomic_store_explicit(&(c)->n.f, atomic_load_explicit(&(c)->n.f, memory_order_relaxed) + (v), memory_order_relaxed)
#define READ(c, f)    atomic_load_explicit(&(c)->n.f, memory_order_relaxed)

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The rate update's clock: monotonic, or wall-clock local time in whole seconds as etorrent
 * read it before 2013 (calendar:local_time()); both as ns for core/rate. */
static int64_t clock_ns(enum calib_clock k)
{
    if (k == CLOCK_LOCALTIME) {
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        int64_t days = (int64_t)tm.tm_yday + 365LL * tm.tm_year;
        int64_t s = ((days * 24 + tm.tm_hour) * 60 + tm.tm_min) * 60 + tm.tm_sec;
        return s * 1000000000LL;
    }
    return mono_ns();
}

/* A delivery: a recv call (or, for epoll, a ready socket) that hands data to the reader. */
static void on_delivery(void)
{
    int64_t now = mono_ns(), prev = atomic_exchange_explicit(&last_delivery_ns, now, memory_order_relaxed);
    atomic_fetch_add_explicit(&gap_count[cpu_gap_bin((double)(now - prev) / 1e3)], 1, memory_order_relaxed);
}

static void on_message(struct rx_conn *c, uint32_t body)
{
    BUMP(c, msgs, 1);
    BUMP(c, bytes, body + 4u);
    if (c->clock != CLOCK_NONE) {
        rate_update(&c->est, clock_ns(c->clock), body);
        BUMP(c, updates, 1);
    }
}

/* The 5-s tick: a 0-byte update, checked after each read on the coarse clock. */
static void maybe_tick(struct rx_conn *c)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    if (now < c->next_tick) return;
    c->next_tick = now + TICK_NS;
    BUMP(c, ticks, 1);
    if (c->clock != CLOCK_NONE) {
        rate_update(&c->est, clock_ns(c->clock), 0);
        BUMP(c, updates, 1);
    }
}

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

/* Frame the buffered bytes: hand every complete message on, keep the partial one. */
static void frame(struct rx_conn *c)
{
    size_t off = 0;
    while (c->have - off >= 4) {
        uint32_t len = get32(c->buf + off);
        if (c->have - off - 4 < len) break;
        on_message(c, len);
        off += 4 + (size_t)len;
    }
    if (off > 0) {
        memmove(c->buf, c->buf + off, c->have - off);
        c->have -= off;
    }
}

static void *blocking_loop(void *arg)
{
    struct rx_conn *c = arg;
    for (;;) {
        ssize_t r = recv(c->fd, c->buf + c->have, RX_BUF - c->have, 0);
        if (r <= 0) { if (r < 0 && errno == EINTR) continue; return NULL; }
        BUMP(c, reads, 1);
        on_delivery();
        c->have += (size_t)r;
        frame(c);
        maybe_tick(c);
    }
}

static int read_exact(struct rx_conn *c, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = recv(c->fd, p, n, MSG_WAITALL);
        if (r <= 0) { if (r < 0 && errno == EINTR) continue; return -1; }
        BUMP(c, reads, 1);
        on_delivery();
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void *hdrbody_loop(void *arg)
{
    struct rx_conn *c = arg;
    uint8_t hdr[4];
    for (;;) {
        if (read_exact(c, hdr, 4) != 0) return NULL;
        uint32_t len = get32(hdr);
        if (len > RX_BUF || (len > 0 && read_exact(c, c->buf, len) != 0)) return NULL;
        on_message(c, len);
        maybe_tick(c);
    }
}

struct rx_epoll { struct rx_conn *cs; int n, ep; };

static void *epoll_loop(void *arg)
{
    struct rx_epoll *e = arg;
    struct epoll_event evs[64];
    for (;;) {
        int k = epoll_wait(e->ep, evs, 64, 1000);
        if (k < 0) { if (errno == EINTR) continue; return NULL; }
        for (int j = 0; j < k; j++) {
            struct rx_conn *c = evs[j].data.ptr;
            BUMP(c, events, 1);
            on_delivery();
            for (;;) {
                ssize_t r = recv(c->fd, c->buf + c->have, RX_BUF - c->have, 0);
                if (r < 0 && errno == EAGAIN) break;
                if (r <= 0) { epoll_ctl(e->ep, EPOLL_CTL_DEL, c->fd, NULL); break; }
                BUMP(c, reads, 1);
                c->have += (size_t)r;
                frame(c);
            }
            maybe_tick(c);
        }
        /* ticks of idle connections: epoll_wait wakes at least once a second */
        if (k == 0) for (int i = 0; i < e->n; i++) maybe_tick(&e->cs[i]);
    }
}

struct snap { struct calib_task_totals k; uint64_t own, segs, acks, c[6], gaps[CPU_GAP_BINS], cpu_busy; int64_t t, real; };

static void tcp_counts(int fd, uint64_t *segs, uint64_t *acks)
{
    struct tcp_info ti;
    socklen_t l = sizeof ti;
    memset(&ti, 0, sizeof ti);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l) != 0) return;
    *segs += ti.tcpi_data_segs_in;
    *acks += ti.tcpi_segs_out;
}

/* The main thread only measures: its CPU and switches are left out of the receiver's. */
static void take(struct snap *s, struct rx_conn *cs, int n, int cpu)
{
    memset(s, 0, sizeof *s);
    s->cpu_busy = calib_cpu_busy_ns(cpu);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    s->own = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
             (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
    calib_task_totals(getpid(), &s->k);
    for (int i = 0; i < n; i++) {
        struct rx_conn *c = &cs[i];
        s->c[0] += READ(c, reads); s->c[1] += READ(c, events); s->c[2] += READ(c, msgs);
        s->c[3] += READ(c, bytes); s->c[4] += READ(c, updates); s->c[5] += READ(c, ticks);
        tcp_counts(c->fd, &s->segs, &s->acks);
    }
    for (int b = 0; b < CPU_GAP_BINS; b++) s->gaps[b] = atomic_load_explicit(&gap_count[b], memory_order_relaxed);
    s->t = mono_ns();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    s->real = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int fail(const char *what) { fprintf(stderr, "calibrate receiver: %s: %s\n", what, strerror(errno)); return -1; }

int calib_recv_c_run(const struct calib_spec *sp, int cpu, int out_fd)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY), .sin_port = 0 };
    socklen_t al = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1024) ||
        getsockname(ls, (struct sockaddr *)&a, &al)) return fail("listen");
    dprintf(out_fd, "PORT %d\n", ntohs(a.sin_port));
    struct rx_conn *cs = aligned_alloc(64, sizeof *cs * (size_t)sp->conns);
    if (!cs) return fail("memory");
    memset(cs, 0, sizeof *cs * (size_t)sp->conns);
    const struct rate_algo *algo = rate_algo_find("etorrent");
    char err[128];
    for (int i = 0; i < sp->conns; i++) {
        struct rx_conn *c = &cs[i];
        c->fd = accept(ls, NULL, NULL);
        if (c->fd < 0) return fail("accept");
        c->clock = sp->clock;
        c->buf = malloc(RX_BUF);
        if (!c->buf) return fail("memory");
        c->next_tick = mono_ns() + TICK_NS;
        if (rate_init(&c->est, algo, NULL, clock_ns(sp->clock == CLOCK_NONE ? CLOCK_MONO : sp->clock), err, sizeof err) != 0)
            return fail(err);
    }
    close(ls);
    struct rx_epoll ep = { cs, sp->conns, -1 };
    pthread_t eth;
    if (sp->path == PATH_C_EPOLL) {
        ep.ep = epoll_create1(0);
        for (int i = 0; i < sp->conns; i++) {
            fcntl(cs[i].fd, F_SETFL, fcntl(cs[i].fd, F_GETFL) | O_NONBLOCK);
            struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &cs[i] };
            if (epoll_ctl(ep.ep, EPOLL_CTL_ADD, cs[i].fd, &ev) != 0) return fail("epoll_ctl");
        }
        if (pthread_create(&eth, NULL, epoll_loop, &ep) != 0) return fail("pthread_create");
    } else {
        for (int i = 0; i < sp->conns; i++)
            if (pthread_create(&cs[i].th, NULL, sp->path == PATH_C_HDRBODY ? hdrbody_loop : blocking_loop, &cs[i]) != 0)
                return fail("pthread_create");
    }
    struct snap s0, s1;
    atomic_store(&last_delivery_ns, mono_ns());
    usleep((useconds_t)sp->warmup_ms * 1000);
    take(&s0, cs, sp->conns, cpu);
    usleep((useconds_t)sp->window_ms * 1000);
    take(&s1, cs, sp->conns, cpu);
    char gaps[CPU_GAP_BINS * 12] = "";
    for (int b = 0, o = 0; b < CPU_GAP_BINS; b++)
        o += snprintf(gaps + o, sizeof gaps - (size_t)o, "%s%llu", b ? "/" : "", (unsigned long long)(s1.gaps[b] - s0.gaps[b]));
    dprintf(out_fd, "RESULT mode=%s clock=%s conns=%d window_ns=%lld cpu_ns=%llu runs=%llu vcsw=%llu ivcsw=%llu "
            "own_cpu_ns=%llu cpu_busy_ns=%llu segs=%llu acks=%llu reads=%llu events=%llu msgs=%llu bytes=%llu "
            "updates=%llu ticks=%llu gaps=%s t0_ns=%lld t1_ns=%lld runtime=glibc-%s\n",
            cpu_path_name[sp->path], calib_clock_name[sp->clock], sp->conns, (long long)(s1.t - s0.t),
            (unsigned long long)(s1.k.cpu_ns - s0.k.cpu_ns), (unsigned long long)(s1.k.runs - s0.k.runs),
            (unsigned long long)(s1.k.vcsw - s0.k.vcsw), (unsigned long long)(s1.k.ivcsw - s0.k.ivcsw),
            (unsigned long long)(s1.own - s0.own), (unsigned long long)(s1.cpu_busy - s0.cpu_busy),
            (unsigned long long)(s1.segs - s0.segs), (unsigned long long)(s1.acks - s0.acks),
            (unsigned long long)(s1.c[0] - s0.c[0]), (unsigned long long)(s1.c[1] - s0.c[1]),
            (unsigned long long)(s1.c[2] - s0.c[2]), (unsigned long long)(s1.c[3] - s0.c[3]),
            (unsigned long long)(s1.c[4] - s0.c[4]), (unsigned long long)(s1.c[5] - s0.c[5]),
            gaps, (long long)s0.real, (long long)s1.real, gnu_get_libc_version());
    /* The process exits right after: threads blocked in recv end with it. */
    return 0;
}
