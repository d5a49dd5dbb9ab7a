/* One calibration point: the receiver (an Erlang VM running recv_erlang.escript, or a C reader)
 * pinned to one CPU, the paced sender to the other, one measured window; and the micro-benchmarks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "calib.h"
#include "rate.h"

const char *const calib_clock_name[CLOCK__N] = { "none", "mono", "localtime" };
static const char *const erl_mode[] = { "passive", "active", "packet4" };

static int on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path) return 0;
    char buf[4096];
    for (const char *p = path; *p;) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, prog);
        if (access(buf, X_OK) == 0) return 1;
        if (!e) break;
        p = e + 1;
    }
    return 0;
}

int calib_env_init(struct calib_env *e, const char *escript_override, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    if (escript_override) {
        snprintf(e->escript, sizeof e->escript, "%s", escript_override);
        if (access(e->escript, R_OK) != 0) { snprintf(err, errlen, "--escript %s: %s", e->escript, strerror(errno)); return -1; }
    } else {
        /* the harness sits in the source tree: <repo>/build/ratelab -> <repo>/calib/ */
        char exe[2048];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            exe[n] = 0;
            for (int up = 0; up < 2; up++) { char *s = strrchr(exe, '/'); if (s) *s = 0; }
            snprintf(e->escript, sizeof e->escript, "%s/calib/recv_erlang.escript", exe);
        }
        if (access(e->escript, R_OK) != 0) e->escript[0] = 0;
    }
    e->have_erlang = e->escript[0] && on_path("escript");
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    e->cpu_recv = ncpu >= 2 ? 1 : -1;
    e->cpu_send = ncpu >= 2 ? 0 : -1;
    return 0;
}

static void pin(int cpu)
{
    if (cpu < 0) return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

/* Read one line from fd within timeout_ms; 0 on success. */
static int read_line(int fd, char *buf, size_t len, int timeout_ms)
{
    size_t n = 0;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (n + 1 < len) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        int left = timeout_ms - (int)((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (left <= 0) return -1;
        struct pollfd p = { fd, POLLIN, 0 };
        int r = poll(&p, 1, left);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        char c;
        ssize_t k = read(fd, &c, 1);
        if (k <= 0) return -1;
        if (c == '\n') break;
        buf[n++] = c;
    }
    buf[n] = 0;
    return 0;
}

static double field(const char *line, const char *key)
{
    char pat[40];
    snprintf(pat, sizeof pat, " %s=", key);
    const char *p = strstr(line, pat);
    return p ? strtod(p + strlen(pat), NULL) : -1;
}

int calib_parse_result(const char *line, struct calib_meas *m)
{
    if (strncmp(line, "RESULT ", 7) != 0) return -1;
    memset(m, 0, sizeof *m);
    m->window_s = field(line, "window_ns") / 1e9;
    m->cpu_ns = field(line, "cpu_ns");
    m->own_cpu_ns = field(line, "own_cpu_ns");
    if (m->own_cpu_ns < 0) m->own_cpu_ns = field(line, "runtime_ms") * 1e6;
    double v[8];
    const char *keys[8] = { "runs", "segs", "reads", "events", "msgs", "bytes", "updates", "ticks" };
    for (int i = 0; i < 8; i++) { v[i] = field(line, keys[i]); if (v[i] < 0) v[i] = 0; }
    m->runs = (uint64_t)v[0]; m->segs = (uint64_t)v[1]; m->reads = (uint64_t)v[2]; m->events = (uint64_t)v[3];
    m->msgs = (uint64_t)v[4]; m->bytes = (uint64_t)v[5]; m->updates = (uint64_t)v[6]; m->ticks = (uint64_t)v[7];
    const char *rt = strstr(line, " runtime=");
    if (rt) snprintf(m->runtime, sizeof m->runtime, "%s", rt + 9);
    return m->window_s > 0 && m->cpu_ns >= 0 ? 0 : -1;
}

static int is_erlang(enum cpu_path p) { return p <= PATH_ERL_PACKET4; }

static void reap(pid_t pid)
{
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

int calib_run_point(const struct calib_env *e, const struct calib_spec *sp, struct calib_meas *m,
                    char *err, size_t errlen)
{
    if (is_erlang(sp->path) && !e->have_erlang) { snprintf(err, errlen, "Erlang (escript) is not available"); return -1; }
    int pfd[2];
    if (pipe(pfd) != 0) { snprintf(err, errlen, "pipe: %s", strerror(errno)); return -1; }
    fflush(NULL);
    pid_t rx = fork();
    if (rx < 0) { snprintf(err, errlen, "fork: %s", strerror(errno)); return -1; }
    if (rx == 0) {
        close(pfd[0]);
        pin(e->cpu_recv);
        if (is_erlang(sp->path)) {
            char conns[16], warm[16], win[16];
            snprintf(conns, sizeof conns, "%d", sp->conns);
            snprintf(warm, sizeof warm, "%d", sp->warmup_ms);
            snprintf(win, sizeof win, "%d", sp->window_ms);
            dup2(pfd[1], 1);
            execlp("escript", "escript", e->escript, "recv", erl_mode[sp->path], calib_clock_name[sp->clock],
                   conns, warm, win, (char *)NULL);
            _exit(127);
        }
        _exit(calib_recv_c_run(sp, pfd[1]) == 0 ? 0 : 1);
    }
    close(pfd[1]);
    char line[1024];
    pid_t tx = -1;
    int rc = -1;
    if (read_line(pfd[0], line, sizeof line, 20000) != 0 || strncmp(line, "PORT ", 5) != 0) {
        snprintf(err, errlen, "%s receiver did not start", cpu_path_name[sp->path]);
        goto out;
    }
    struct send_cfg sc = { "127.0.0.1", atoi(line + 5), sp->conns, sp->rate_Bps, sp->mss, sp->have_hz };
    tx = fork();
    if (tx < 0) { snprintf(err, errlen, "fork: %s", strerror(errno)); goto out; }
    if (tx == 0) {
        close(pfd[0]);
        pin(e->cpu_send);
        _exit(calib_sender_run(&sc) == 0 ? 0 : 1);
    }
    if (read_line(pfd[0], line, sizeof line, sp->warmup_ms + sp->window_ms + 30000) != 0 ||
        calib_parse_result(line, m) != 0) {
        snprintf(err, errlen, "%s receiver gave no result", cpu_path_name[sp->path]);
        goto out;
    }
    rc = 0;
out:
    close(pfd[0]);
    reap(tx);
    if (rc == 0) {                     /* the receiver ends by itself after its result */
        int st;
        for (int i = 0; i < 100 && waitpid(rx, &st, WNOHANG) == 0; i++) usleep(20000);
    }
    reap(rx);
    return rc;
}

/* ---------------------------------------------------------------- micro-benchmarks */

int calib_bench_erlang(const struct calib_env *e, struct calib_bench *b, char *err, size_t errlen)
{
    if (!e->have_erlang) { snprintf(err, errlen, "Erlang (escript) is not available"); return -1; }
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "taskset -c %d escript '%s' bench 200000", e->cpu_recv < 0 ? 0 : e->cpu_recv, e->escript);
    FILE *f = popen(cmd, "r");
    char line[1024] = "";
    if (!f || !fgets(line, sizeof line, f) || strncmp(line, "BENCH ", 6) != 0) {
        if (f) pclose(f);
        snprintf(err, errlen, "the Erlang micro-benchmark gave no result");
        return -1;
    }
    pclose(f);
    memset(b, 0, sizeof *b);
    b->rate_update_ns[CLOCK_LOCALTIME] = field(line, "rate_update_localtime");
    b->rate_update_ns[CLOCK_MONO] = field(line, "rate_update_mono");
    b->clock_ns[CLOCK_LOCALTIME] = field(line, "clock_localtime");
    b->clock_ns[CLOCK_MONO] = field(line, "clock_mono");
    b->switch_ns = field(line, "switch");
    const char *rt = strstr(line, " runtime=");
    if (rt) { snprintf(b->runtime, sizeof b->runtime, "%s", rt + 9); b->runtime[strcspn(b->runtime, "\n")] = 0; }
    return 0;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int64_t bench_clock(enum calib_clock k)
{
    if (k == CLOCK_LOCALTIME) {
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        return (((int64_t)tm.tm_yday * 24 + tm.tm_hour) * 60 + tm.tm_min) * 60000000000LL + tm.tm_sec * 1000000000LL;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median time from a byte sent on the sender's CPU to recv() returning in a reader blocked on
 * the receiver's CPU (loopback TCP, 3 ms apart so the reader is asleep every time). */
static double wake_latency(int cpu_send, int cpu_recv)
{
    enum { N = 200 };
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1) || getsockname(ls, (struct sockaddr *)&a, &al)) return NAN;
    int out = socket(AF_INET, SOCK_STREAM, 0);
    if (out < 0 || connect(out, (struct sockaddr *)&a, sizeof a) != 0) return NAN;
    int in = accept(ls, NULL, NULL);
    close(ls);
    setsockopt(out, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int pfd[2];
    if (in < 0 || pipe(pfd) != 0) return NAN;
    pid_t rx = fork();
    if (rx == 0) {
        pin(cpu_recv);
        double lat[N];
        for (int i = 0; i < N; i++) {
            double sent;
            if (recv(in, &sent, sizeof sent, MSG_WAITALL) != (ssize_t)sizeof sent) _exit(1);
            lat[i] = now_ns() - sent;
        }
        qsort(lat, N, sizeof lat[0], cmp_double);
        if (write(pfd[1], &lat[N / 2], sizeof lat[0]) != (ssize_t)sizeof lat[0]) _exit(1);
        _exit(0);
    }
    pid_t tx = fork();
    if (tx == 0) {
        pin(cpu_send);
        for (int i = 0; i < N; i++) {
            usleep(3000);
            double t = now_ns();
            if (send(out, &t, sizeof t, 0) != (ssize_t)sizeof t) _exit(1);
        }
        _exit(0);
    }
    double med = NAN;
    if (read(pfd[0], &med, sizeof med) != (ssize_t)sizeof med) med = NAN;
    waitpid(tx, NULL, 0);
    waitpid(rx, NULL, 0);
    close(pfd[0]); close(pfd[1]); close(in); close(out);
    return med;
}

/* C: the same rate update (core/rate's etorrent) with each clock, best of 5; a mode switch is
 * what a C reader pays to move a socket between a blocking thread and epoll (two fcntl calls
 * and an epoll_ctl), per direction. */
void calib_bench_c(const struct calib_env *e, struct calib_bench *b)
{
    memset(b, 0, sizeof *b);
    const int n = 200000;
    volatile int64_t sink = 0;
    for (int k = CLOCK_MONO; k <= CLOCK_LOCALTIME; k++) {
        double best_u = 1e18, best_c = 1e18;
        for (int rep = 0; rep < 5; rep++) {
            struct rate_est est;
            char err[64];
            rate_init(&est, rate_algo_find("etorrent"), NULL, bench_clock((enum calib_clock)k), err, sizeof err);
            double t0 = now_ns();
            for (int i = 0; i < n; i++) rate_update(&est, bench_clock((enum calib_clock)k), 16393);
            double t1 = now_ns();
            for (int i = 0; i < n; i++) sink += bench_clock((enum calib_clock)k);
            double t2 = now_ns();
            if ((t1 - t0) / n < best_u) best_u = (t1 - t0) / n;
            if ((t2 - t1) / n < best_c) best_c = (t2 - t1) / n;
        }
        b->rate_update_ns[k] = best_u;
        b->clock_ns[k] = best_c;
    }
    int sv[2], ep = epoll_create1(0);
    if (ep >= 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        double best = 1e18;
        for (int rep = 0; rep < 5; rep++) {
            double t0 = now_ns();
            for (int i = 0; i < n / 10; i++) {
                struct epoll_event ev = { .events = EPOLLIN };
                fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
                epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
                epoll_ctl(ep, EPOLL_CTL_DEL, sv[0], NULL);
                fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) & ~O_NONBLOCK);
            }
            double per = (now_ns() - t0) / (2.0 * (n / 10));
            if (per < best) best = per;
        }
        b->switch_ns = best;
        close(sv[0]); close(sv[1]);
    }
    if (ep >= 0) close(ep);
    b->wake_latency_ns = wake_latency(e->cpu_send, e->cpu_recv);
    snprintf(b->runtime, sizeof b->runtime, "C");
    (void)sink;
}
