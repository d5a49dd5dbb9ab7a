/* One calibration point: the receiver (an Erlang VM running recv_erlang.escript, or a C reader)
 * pinned to one CPU, the paced sender to the other, one measured window; and the micro-benchmarks. */
#define _GNU_SOURCE
#include <dirent.h>
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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
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
    const char *t0 = strstr(line, " t0_ns="), *t1 = strstr(line, " t1_ns=");
    m->t0_ns = t0 ? strtoll(t0 + 7, NULL, 10) : 0;
    m->t1_ns = t1 ? strtoll(t1 + 7, NULL, 10) : 0;
    m->cpu_ns = field(line, "cpu_ns");
    m->own_cpu_ns = field(line, "own_cpu_ns");
    if (m->own_cpu_ns < 0) m->own_cpu_ns = field(line, "runtime_ms") * 1e6;
    uint64_t *dst[] = { &m->runs, &m->segs, &m->reads, &m->events, &m->msgs, &m->bytes, &m->updates, &m->ticks,
                        &m->vcsw, &m->ivcsw, &m->acks };
    const char *keys[] = { "runs", "segs", "reads", "events", "msgs", "bytes", "updates", "ticks", "vcsw", "ivcsw", "acks" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) { double v = field(line, keys[i]); *dst[i] = v > 0 ? (uint64_t)v : 0; }
    double busy = field(line, "cpu_busy_ns");
    m->other_cpu = busy > 0 ? fmax(0, (busy - m->cpu_ns) / (m->window_s * 1e9)) : NAN;
    const char *g = strstr(line, " gaps=");
    for (int b = 0; g && b < CPU_GAP_BINS; b++) {
        char *end;
        m->gaps[b] = strtoull(g + (b ? 1 : 6), &end, 10);
        g = *end == '/' ? end : NULL;
    }
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

/* Writes the sender records: (warm-up + window + slack) x the fastest plan's segment rate. */
#define TRACE_CAP 262144

int calib_run_point(const struct calib_env *e, const struct calib_spec *sp, struct calib_meas *m,
                    struct calib_send_trace **trace, char *err, size_t errlen)
{
    if (trace) *trace = NULL;
    if (is_erlang(sp->path) && !e->have_erlang) { snprintf(err, errlen, "Erlang (escript) is not available"); return -1; }
    int pfd[2];
    if (pipe(pfd) != 0) { snprintf(err, errlen, "pipe: %s", strerror(errno)); return -1; }
    /* Steal on this machine (a guest of a shared hypervisor): while the hypervisor runs other
     * guests the receiver's measured CPU for the same counts rises far beyond the time taken
     * (docs/experiments.md, "Steal"), so every point records it. */
    struct calib_steal_mark steal0;
    calib_steal_mark(e->cpu_recv, e->cpu_send, &steal0);
    fflush(NULL);
    pid_t rx = fork();
    if (rx < 0) { snprintf(err, errlen, "fork: %s", strerror(errno)); return -1; }
    if (rx == 0) {
        close(pfd[0]);
        pin(e->cpu_recv);
        if (is_erlang(sp->path)) {
            char conns[16], warm[16], win[16], cpu[16];
            snprintf(conns, sizeof conns, "%d", sp->conns);
            snprintf(warm, sizeof warm, "%d", sp->warmup_ms);
            snprintf(win, sizeof win, "%d", sp->window_ms);
            snprintf(cpu, sizeof cpu, "%d", e->cpu_recv);
            dup2(pfd[1], 1);
            execlp("escript", "escript", e->escript, "recv", erl_mode[sp->path], calib_clock_name[sp->clock],
                   conns, warm, win, cpu, (char *)NULL);
            _exit(127);
        }
        _exit(calib_recv_c_run(sp, e->cpu_recv, pfd[1]) == 0 ? 0 : 1);
    }
    close(pfd[1]);
    char line[2048];
    pid_t tx = -1;
    struct calib_send_trace *shm = NULL;
    size_t shm_len = sizeof *shm + TRACE_CAP * sizeof shm->ev[0];
    int rc = -1;
    if (read_line(pfd[0], line, sizeof line, 20000) != 0 || strncmp(line, "PORT ", 5) != 0) {
        snprintf(err, errlen, "%s receiver did not start", cpu_path_name[sp->path]);
        goto out;
    }
    shm = mmap(NULL, shm_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shm == MAP_FAILED) { shm = NULL; snprintf(err, errlen, "mmap: %s", strerror(errno)); goto out; }
    shm->cap = TRACE_CAP;
    struct send_cfg sc = { "127.0.0.1", atoi(line + 5), sp->conns, sp->rate_Bps, sp->mss, sp->have_hz, sp->warmup_ms, shm };
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
    double load[3];
    m->load1 = getloadavg(load, 3) >= 1 ? load[0] : NAN;
    m->steal = calib_steal_since(&steal0);
    reap(tx);
    tx = -1;
    m->send = shm->stats;
    size_t kept = shm->n < shm->cap ? shm->n : shm->cap;
    for (size_t i = 1; i < kept; i++)
        if (shm->ev[i].t_ns >= m->t0_ns && shm->ev[i].t_ns < m->t1_ns)
            m->agaps[cpu_gap_bin((double)(shm->ev[i].t_ns - shm->ev[i - 1].t_ns) / 1e3)]++;
    if (trace) {
        size_t n = shm->n < shm->cap ? shm->n : shm->cap, len = sizeof *shm + n * sizeof shm->ev[0];
        if (!(*trace = malloc(len))) { snprintf(err, errlen, "out of memory"); goto out; }
        memcpy(*trace, shm, len);
        (*trace)->cap = n;
    }
    rc = 0;
out:
    close(pfd[0]);
    reap(tx);
    if (shm) munmap(shm, shm_len);
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

static int64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The C side of the latency measurement: a thread blocked in recv, as the C readers block.  Each
 * sample is how long it had slept when the stamp was sent (the stamp less the time it called
 * recv) and the stamp's age when recv returned it; printed after the last one, so the printing
 * wakes nobody during the run. */
static void c_latency_reader(int out_fd, int n)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1) || getsockname(ls, (struct sockaddr *)&a, &al)) _exit(1);
    dprintf(out_fd, "PORT %d\n", ntohs(a.sin_port));
    int in = accept(ls, NULL, NULL);
    int64_t *lat = malloc(sizeof *lat * (size_t)n), *slept = malloc(sizeof *slept * (size_t)n);
    int64_t *stamps = malloc(sizeof *stamps * (size_t)n);
    if (in < 0 || !lat || !slept || !stamps) _exit(1);
    struct calib_task_totals k0, k1;
    calib_task_totals(0, &k0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int k = 0;
    for (; k < n; k++) {
        uint8_t b[8];
        int64_t before = real_ns();
        if (recv(in, b, sizeof b, MSG_WAITALL) != (ssize_t)sizeof b) break;
        int64_t now = real_ns(), stamp = 0;
        for (int i = 0; i < 8; i++) stamp = stamp << 8 | b[i];
        lat[k] = now - stamp;
        slept[k] = stamp - before;
        stamps[k] = stamp;
    }
    calib_task_totals(0, &k1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (int i = 0; i < k; i++)
        dprintf(out_fd, "SAMPLE %lld %lld %lld\n", (long long)slept[i], (long long)lat[i], (long long)stamps[i]);
    dprintf(out_fd, "LATENCY vcsw=%llu elapsed_ns=%lld n=%d\n", (unsigned long long)(k1.vcsw - k0.vcsw),
            (long long)((t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec)), k);
    _exit(0);
}

/* Quantiles at 0, 5, .., 100 % of n sorted values. */
static void quantiles(const int64_t *v, int n, struct cpu_latency *l)
{
    for (int q = 0; q < CPU_LAT_Q; q++) l->q_ns[q] = n > 0 ? (double)v[(int)lround(q * 5 * (n - 1) / 100.0)] : 0;
}

void calib_latency_table(const int64_t *slept_ns, const int64_t *lat_ns, const int64_t *cpu_ns, int n,
                         struct calib_latency_run *out)
{
    memset(&out->lat, 0, sizeof out->lat);
    memset(out->n_sleep, 0, sizeof out->n_sleep);
    memset(out->wake_cpu_ns, 0, sizeof out->wake_cpu_ns);
    memset(out->n_cpu, 0, sizeof out->n_cpu);
    int64_t *v = malloc(sizeof *v * (size_t)(n > 0 ? n : 1));
    if (!v) return;
    memcpy(v, lat_ns, sizeof *v * (size_t)n);
    qsort(v, (size_t)n, sizeof *v, cmp_i64);
    quantiles(v, n, &out->lat.any);
    for (int b = 0; b < CPU_GAP_BINS; b++) {
        int m = 0, c = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (!(slept_ns[i] > 0 && cpu_gap_bin(slept_ns[i] / 1e3) == b)) continue;
            v[m++] = lat_ns[i];
            if (cpu_ns && cpu_ns[i] >= 0) { sum += (double)cpu_ns[i]; c++; }
        }
        if (c >= CALIB_LAT_MIN_N) { out->wake_cpu_ns[b] = sum / c; out->n_cpu[b] = c; }
        if (m < CALIB_LAT_MIN_N) continue;
        qsort(v, (size_t)m, sizeof *v, cmp_i64);
        quantiles(v, m, &out->lat.by_sleep[b]);
        out->n_sleep[b] = m;
    }
    free(v);
}

/* What the sender records of each stamp for the parent: the stamp, and the receiver's CPU (every
 * thread, schedstat) when it was sent.  The receiver sleeps then, so the difference between two
 * stamps' readings is the CPU it took to wake for one, read it and go back to sleep. */
struct lat_send_log { int64_t stamp[1500], cpu_ns[1500]; };

/* The receiver's threads' schedstat files, opened once (its threads exist once it listens). */
static int open_task_stats(pid_t pid, int *fds, int cap)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    int k = 0;
    struct dirent *de;
    while (d && k < cap && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        char f[300];
        snprintf(f, sizeof f, "/proc/%d/task/%.32s/schedstat", (int)pid, de->d_name);
        int fd = open(f, O_RDONLY);
        if (fd >= 0) fds[k++] = fd;
    }
    if (d) closedir(d);
    return k;
}

static int64_t task_stats_cpu(const int *fds, int k)
{
    int64_t sum = 0;
    for (int i = 0; i < k; i++) {
        char b[96];
        ssize_t r = pread(fds[i], b, sizeof b - 1, 0);
        if (r <= 0) continue;
        b[r] = 0;
        sum += strtoll(b, NULL, 10);
    }
    return sum;
}

/* Each sample's receiver CPU: the reading at its stamp to the reading at the next stamp (none
 * for the last stamp, or a stamp the log does not hold: -1). */
static void sample_cpu(const int64_t *stamps, int k, const struct lat_send_log *log, int n, int64_t *cpu_ns)
{
    int j = 0;
    for (int i = 0; i < k; i++) {
        while (j < n && log->stamp[j] < stamps[i]) j++;
        cpu_ns[i] = j + 1 < n && log->stamp[j] == stamps[i] && log->cpu_ns[j] > 0 ? log->cpu_ns[j + 1] - log->cpu_ns[j] : -1;
    }
}

/* Latency from data sent on the sender's CPU to the receiver's reading code holding it, n stamps
 * apart by gaps spread evenly in log between CALIB_LAT_GAP_MIN_US and CALIB_LAT_GAP_MAX_US (a
 * sleeping receiver each time, for sleeps of every length the receive paths see): a C thread
 * blocked in recv, or (erlang) an Erlang process with an active socket; and the receiver's CPU
 * per wake-up by the same sleep bins. */
/* Other work on the reader's CPU, as the machine's other processes run: a child pinned there,
 * niced 10, busy in a register loop (it takes the CPU and leaves the caches alone) until killed,
 * or until calibrate dies (it must never spin on alone). */
static pid_t start_hog(int cpu)
{
    fflush(NULL);
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(0);
        pin(cpu);
        setpriority(PRIO_PROCESS, 0, 10);
        volatile uint64_t sink = 0;
        for (;;) sink += 1;
    }
    return pid;
}

int calib_latency(const struct calib_env *e, int erlang, int hog, struct calib_latency_run *out, char *err, size_t errlen)
{
    const int n = (int)(sizeof ((struct lat_send_log *)0)->stamp / sizeof (int64_t));
    if (erlang && !e->have_erlang) { snprintf(err, errlen, "Erlang (escript) is not available"); return -1; }
    struct lat_send_log *log = mmap(NULL, sizeof *log, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (log == MAP_FAILED) { snprintf(err, errlen, "mmap: %s", strerror(errno)); return -1; }
    int pfd[2];
    if (pipe(pfd) != 0) { snprintf(err, errlen, "pipe: %s", strerror(errno)); munmap(log, sizeof *log); return -1; }
    fflush(NULL);
    pid_t rx = fork();
    if (rx == 0) {
        close(pfd[0]);
        pin(e->cpu_recv);
        if (!erlang) c_latency_reader(pfd[1], n);
        char count[16];
        snprintf(count, sizeof count, "%d", n);
        dup2(pfd[1], 1);
        execlp("escript", "escript", e->escript, "latency", count, (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    char line[1024];
    int rc = -1, k = 0;
    pid_t tx = -1, hog_pid = -1;
    int64_t *slept = malloc(sizeof *slept * (size_t)n), *lat = malloc(sizeof *lat * (size_t)n);
    int64_t *stamps = malloc(sizeof *stamps * (size_t)n), *cpu = malloc(sizeof *cpu * (size_t)n);
    const char *who = erlang ? "Erlang" : "C";
    if (!slept || !lat || !stamps || !cpu) { snprintf(err, errlen, "out of memory"); goto out; }
    if (rx < 0 || read_line(pfd[0], line, sizeof line, 20000) != 0 || strncmp(line, "PORT ", 5) != 0) {
        snprintf(err, errlen, "the %s latency receiver did not start", who);
        goto out;
    }
    int port = atoi(line + 5);
    if (hog && (hog_pid = start_hog(e->cpu_recv)) < 0) { snprintf(err, errlen, "fork: %s", strerror(errno)); goto out; }
    struct timespec w0, w1;
    clock_gettime(CLOCK_MONOTONIC, &w0);
    uint64_t busy0 = calib_cpu_busy_ns(e->cpu_recv);
    tx = fork();
    if (tx == 0) {
        pin(e->cpu_send);
        prctl(PR_SET_TIMERSLACK, 1UL);              /* gaps of 100 us are not to be rounded up by 50 */
        int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) _exit(1);
        int task_fd[512];
        int n_task = open_task_stats(rx, task_fd, 512);
        uint64_t jit = 88172645463325252ULL;
        for (int i = 0; i < n; i++) {
            jit ^= jit << 13; jit ^= jit >> 7; jit ^= jit << 17;            /* xorshift: the gap, log-uniform */
            double u = (double)(jit >> 11) / 9007199254740992.0;
            usleep((useconds_t)(CALIB_LAT_GAP_MIN_US * pow(CALIB_LAT_GAP_MAX_US / CALIB_LAT_GAP_MIN_US, u)));
            log->cpu_ns[i] = n_task > 0 ? task_stats_cpu(task_fd, n_task) : 0;
            int64_t t = real_ns();
            log->stamp[i] = t;
            uint8_t b[8];
            for (int j = 0; j < 8; j++) b[j] = (uint8_t)((uint64_t)t >> (56 - 8 * j));
            if (send(fd, b, sizeof b, 0) != (ssize_t)sizeof b) _exit(1);
        }
        pause();
        _exit(0);
    }
    for (;;) {
        if (read_line(pfd[0], line, sizeof line, 60000) != 0) {
            snprintf(err, errlen, "the %s latency receiver gave no result", who);
            goto out;
        }
        if (!strncmp(line, "LATENCY", 7)) break;
        long long a1, a2, a3;
        char tail;
        if (sscanf(line, "SAMPLE %lld %lld %lld%c", &a1, &a2, &a3, &tail) != 3 || k >= n) {
            snprintf(err, errlen, "the %s latency receiver: '%.60s' is not a sample", who, line);
            goto out;
        }
        slept[k] = a1;
        lat[k] = a2;
        stamps[k++] = a3;
    }
    clock_gettime(CLOCK_MONOTONIC, &w1);
    uint64_t busy1 = calib_cpu_busy_ns(e->cpu_recv);
    reap(hog_pid);
    hog_pid = -1;
    double wall_ns = (double)(w1.tv_sec - w0.tv_sec) * 1e9 + (double)(w1.tv_nsec - w0.tv_nsec);
    double rx_cpu = k > 1 ? (double)(log->cpu_ns[n - 1] - log->cpu_ns[0]) : 0;
    out->other_cpu = e->cpu_recv >= 0 && wall_ns > 0
                   ? fmax(0, fmin(1, ((double)(busy1 - busy0) - rx_cpu) / wall_ns)) : NAN;
    out->vcsw = field(line, "vcsw");
    out->elapsed_s = field(line, "elapsed_ns") / 1e9;
    out->n = (int)field(line, "n");
    if (out->n <= 0 || out->elapsed_s <= 0 || k == 0) { snprintf(err, errlen, "the %s latency receiver: no count", who); goto out; }
    sample_cpu(stamps, k, log, n, cpu);
    calib_latency_table(slept, lat, cpu, k, out);
    rc = 0;
out:
    free(slept);
    free(lat);
    free(stamps);
    free(cpu);
    close(pfd[0]);
    reap(hog_pid);
    reap(tx);
    reap(rx);
    munmap(log, sizeof *log);
    return rc;
}

/* C: the same rate update (core/rate's etorrent) with each clock, best of 5; a mode switch is
 * what a C reader pays to move a socket between a blocking thread and epoll (two fcntl calls
 * and an epoll_ctl), per direction. */
void calib_bench_c(struct calib_bench *b)
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
            rate_free(&est);
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
    snprintf(b->runtime, sizeof b->runtime, "C");
    (void)sink;
}
