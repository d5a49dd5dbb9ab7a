/* One kernel run: build the testbed, start the delay line and the two traffic agents, sample the
 * router's qdiscs over the measured window, gather everything into a run_result, tear down. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "agent.h"
#include "hostload.h"
#include "kernel.h"
#include "linux_buffers.h"
#include "start_offsets.h"
#include "netns.h"
#include "qdisc.h"
#include "testbed.h"

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Capabilities from /proc/self/status (CapEff): 12 = CAP_NET_ADMIN, 21 = CAP_SYS_ADMIN. */
static int has_caps(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return geteuid() == 0;
    char line[256];
    unsigned long long eff = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "CapEff:", 7)) eff = strtoull(line + 7, NULL, 16);
    fclose(f);
    return (eff >> 12 & 1) && (eff >> 21 & 1);
}

enum kernel_status kernel_check_env(const struct kernel_cfg *c, char *err, size_t errlen)
{
    if (!has_caps()) {
        snprintf(err, errlen, "needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN, to create network namespaces and qdiscs); "
                 "running as uid %d", (int)geteuid());
        return KERNEL_ENV;
    }
    if (c && !c->host_hz) {
        snprintf(err, errlen, "cannot tell the running kernel's CONFIG_HZ, which the key hz must match (no "
                 "/boot/config-RELEASE with CONFIG_HZ, and no jiffies in /proc/timer_list)");
        return KERNEL_ENV;
    }
    if (netns_find_tools(err, errlen) != 0) return KERNEL_ENV;
    if (access("/run/netns", F_OK) != 0 && access("/run", W_OK) != 0) {
        snprintf(err, errlen, "/run is not writable: `ip netns` cannot create namespaces here");
        return KERNEL_ENV;
    }
    return KERNEL_OK;
}

int kernel_find_agent(char *buf, size_t len, char *err, size_t errlen)
{
    const char *env = getenv("RATELAB_AGENT");
    if (env && *env) {
        snprintf(buf, len, "%s", env);
        if (access(buf, X_OK) == 0) return 0;
        snprintf(err, errlen, "RATELAB_AGENT=%s is not an executable", env);
        return -1;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) { snprintf(err, errlen, "/proc/self/exe: %s", strerror(errno)); return -1; }
    self[n] = 0;
    char *slash = strrchr(self, '/');
    if (slash) *slash = 0;
    /* Next to the binary (build/ratelab), or one level up (build/tests/run_tests). */
    const char *cand[] = { "%s/ratelab-agent", "%s/../ratelab-agent" };
    for (int i = 0; i < 2; i++) {
        snprintf(buf, len, cand[i], self);
        if (access(buf, X_OK) == 0) return 0;
    }
    snprintf(err, errlen, "the traffic agent ratelab-agent is not next to %s (run make, or set RATELAB_AGENT)", self);
    return -1;
}

struct agent_proc { pid_t pid; int fd; char *out; size_t len, cap; const char *name; int done; };

static void agent_read(struct agent_proc *a)
{
    if (a->fd < 0) return;
    for (;;) {
        if (a->cap - a->len < 4096) {
            size_t nc = a->cap ? 2 * a->cap : 65536;
            char *p = realloc(a->out, nc);
            if (!p) return;
            a->out = p;
            a->cap = nc;
        }
        ssize_t n = read(a->fd, a->out + a->len, a->cap - a->len - 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        if (n <= 0) { close(a->fd); a->fd = -1; a->done = 1; break; }
        a->len += (size_t)n;
    }
    a->out[a->len] = 0;
}

static void agent_kill(struct agent_proc *a)
{
    if (a->pid > 0) {
        kill(a->pid, SIGKILL);
        while (waitpid(a->pid, NULL, 0) < 0 && errno == EINTR) {}
        a->pid = 0;
    }
    if (a->fd >= 0) { close(a->fd); a->fd = -1; }
}

/* Waits for the agent to exit (reading its output) until deadline; 0 if it exited 0. */
static int agent_finish(struct agent_proc *a, int64_t deadline, char *err, size_t errlen)
{
    while (a->fd >= 0 && now_ns() < deadline) {
        struct pollfd p = { .fd = a->fd, .events = POLLIN };
        poll(&p, 1, 100);
        agent_read(a);
    }
    if (a->fd >= 0) {
        snprintf(err, errlen, "the %s agent did not finish in time", a->name);
        agent_kill(a);
        return -1;
    }
    int status = 0;
    while (waitpid(a->pid, &status, 0) < 0 && errno == EINTR) {}
    a->pid = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        snprintf(err, errlen, "the %s agent failed (%s %d)", a->name, WIFEXITED(status) ? "exit" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        return -1;
    }
    return 0;
}

/* A metric line "m NAME VALUE" of an agent's output; NAN if absent. */
static double agent_metric(const struct agent_proc *a, const char *name)
{
    if (!a->out) return NAN;
    size_t nl = strlen(name);
    for (const char *p = a->out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (p[0] == 'm' && p[1] == ' ' && !strncmp(p + 2, name, nl) && p[2 + nl] == ' ') return strtod(p + 3 + nl, NULL);
    return NAN;
}

static double nz(double v) { return isnan(v) ? 0 : v; }

/* Series ("s"), per-flow rows ("f"), TCP counters ("n", under a prefix) and delay-line metrics
 * ("m delay_line.*") go into the result as they are. */
static void agent_copy(const struct agent_proc *a, struct run_result *res, const char *counter_prefix, int *flow_base)
{
    if (!a->out) return;
    char *copy = strdup(a->out);
    int max_flow = -1;
    for (char *save = NULL, *line = copy ? strtok_r(copy, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save)) {
        char name[64], kind[16];
        double t, v;
        int ent;
        if (sscanf(line, "s %63s %lf %lf", name, &t, &v) == 3) {
            result_point(res, result_series_id(res, name), 0, t, v);
        } else if (sscanf(line, "f %15s %d %63s %lf", kind, &ent, name, &v) == 4) {
            char rn[RESULT_NAME_LEN + 80];
            snprintf(rn, sizeof rn, "%s_%s", kind, name);
            rn[RESULT_NAME_LEN - 1] = 0;
            result_row(res, "flow", *flow_base + ent, rn, v);
            if (ent > max_flow) max_flow = ent;
        } else if (sscanf(line, "n %63s %lf", name, &v) == 2) {
            char rn[RESULT_NAME_LEN + 80];
            snprintf(rn, sizeof rn, "%s.%s", counter_prefix, name);
            rn[RESULT_NAME_LEN - 1] = 0;
            result_metric(res, rn, v);
        } else if (sscanf(line, "m %63s %lf", name, &v) == 2 && !strncmp(name, "delay_line.", 11)) {
            result_metric(res, name, v);
        }
    }
    *flow_base += max_flow + 1;
    free(copy);
}

/* What one direction's receivers sent back in the window: the agents' TCP_INFO segment counts. */
static void ack_metrics(struct run_result *res, const char *dir, const struct agent_proc *rcv, const struct agent_proc *snd)
{
    char n[4][RESULT_NAME_LEN];
    static const char *const what[] = { "rcv_acks", "rcv_data_segs", "snd_data_segs", "snd_acks_in" };
    for (int i = 0; i < 4; i++) snprintf(n[i], sizeof n[i], "%s_%s", dir, what[i]);
    result_ack_metrics(res, dir, nz(agent_metric(rcv, n[0])), nz(agent_metric(rcv, n[1])),
                       nz(agent_metric(snd, n[2])), nz(agent_metric(snd, n[3])));
}

static char *fmt(char *buf, size_t len, const char *f, double v)
{
    snprintf(buf, len, f, v);
    return buf;
}


struct qsample { struct qdisc_stats tbf, fifo; };

static int sample(int nl, int ifindex, struct qsample *q)
{
    return qdisc_read(nl, ifindex, "tbf", &q->tbf) == 0 && qdisc_read(nl, ifindex, "pfifo", &q->fifo) == 0 ? 0 : -1;
}

enum kernel_status kernel_run(const struct kernel_cfg *c, const char *agent, volatile sig_atomic_t *stop,
                              struct run_result *res, char *err, size_t errlen)
{
    struct testbed tb;
    struct agent_proc ag[3] = { { .fd = -1, .name = "delay-line" }, { .fd = -1, .name = "server" }, { .fd = -1, .name = "client" } };
    int nl = -1;
    enum kernel_status st = testbed_build(&tb, c, TB_DELAY_TUN, err, errlen);
    int64_t started = now_ns();
    if (st != KERNEL_OK) goto out;
    st = KERNEL_FAILED;

    char a_delay[32], a_slots[32], a_t0[32], a_warm[32], a_dur[32], a_down[16], a_up[16], a_voip[32], a_rcv[16], a_snd[16],
         a_clamp[16], a_nodelay[4], a_mss[16], a_lim[32], a_write[16], a_upstart[32];
    if (tb.delay == TB_DELAY_TUN) {
        /* Slots for everything in flight on both directions at the smallest frame (54 B). */
        double slots = (c->down_bps + c->up_bps) / 8 * c->delay_s / 54 * 1.5 + 1024;
        char *argv[] = { (char *)agent, "delay", "--dev", TB_TUN_DEV, "--delay-ns", fmt(a_delay, sizeof a_delay, "%.0f", c->delay_s * 1e9),
                         "--slots", fmt(a_slots, sizeof a_slots, "%.0f", slots), c->delay_trace ? "--trace" : NULL,
                         (char *)c->delay_trace, NULL };
        if ((ag[0].pid = netns_spawn(tb.ns[TB_ROUTER], argv, &ag[0].fd, err, errlen)) < 0) goto out;
        /* Wait for "ready": the TUN device has its reader, so the route through it carries. */
        int64_t deadline = now_ns() + 5000000000LL;
        while (!(ag[0].out && strstr(ag[0].out, "ready\n")) && !ag[0].done && now_ns() < deadline && !*stop) {
            struct pollfd p = { .fd = ag[0].fd, .events = POLLIN };
            poll(&p, 1, 50);
            if (p.revents) agent_read(&ag[0]);
        }
        if (*stop) { st = KERNEL_INTERRUPTED; goto out; }
        if (!(ag[0].out && strstr(ag[0].out, "ready\n"))) { snprintf(err, errlen, "the delay line did not start"); goto out; }
    }

    /* Offsets: downloads, uploads, VoIP, the simulator's (contract/start_offsets.h). */
    size_t n_off = (size_t)(c->n_down + c->n_up + 1);
    char *offsets = malloc(n_off * 24 + 1);
    if (!offsets) { snprintf(err, errlen, "out of memory"); goto out; }
    uint64_t rs = start_offsets_seed(c->seed);
    size_t o = 0;
    for (size_t i = 0; i < n_off; i++)
        o += (size_t)sprintf(offsets + o, "%s%.6f", i ? "," : "",
                             (double)start_offset_us(&rs, i + 1 == n_off ? START_OFFSET_VOIP_US : START_OFFSET_TCP_US) / 1e6);
    /* t0 leaves the agents time to start and listen; the client connects no earlier than t0. */
    int64_t t0 = now_ns() + 300000000LL + 2000000LL * (c->n_down + c->n_up);
    int64_t warm = (int64_t)(c->warmup_s * 1e9), dur = (int64_t)(c->duration_s * 1e9);
    int64_t voip_iv = c->voip_kbps > 0 ? (int64_t)((AGENT_VOIP_PAYLOAD * 8.0) / (c->voip_kbps * 1000) * 1e9) : 0;
    fmt(a_t0, sizeof a_t0, "%.0f", (double)t0);
    fmt(a_warm, sizeof a_warm, "%.0f", (double)warm);
    fmt(a_dur, sizeof a_dur, "%.0f", (double)dur);
    fmt(a_down, sizeof a_down, "%.0f", c->n_down);
    fmt(a_up, sizeof a_up, "%.0f", c->n_up);
    fmt(a_voip, sizeof a_voip, "%.0f", (double)voip_iv);
    /* Buffers: the simulator's rcvbuf is the largest window advertised, its sndbuf the bytes
     * unacknowledged + unsent.  Linux doubles SO_RCVBUF/SO_SNDBUF and counts skb memory: it
     * advertises rcvbuf_kernel * scaling_ratio (162/256 for 1514-byte veth frames, measured) and
     * queues 0.972 * 2 * SO_SNDBUF payload bytes (measured with SIOCOUTQ).  TCP_WINDOW_CLAMP at
     * the window holds only until the receiver measures its scaling ratio (tcp_measure_rcv_mss
     * then recomputes window_clamp), hence the buffer sizes.  Each run records what it saw
     * (down_snd_wnd_max, down_sndq_max); docs/validation.md has the measurements. */
    fmt(a_rcv, sizeof a_rcv, "%.0f", ceil(c->rcvbuf * LINUX_SO_RCVBUF_PER_WINDOW_BYTE));
    fmt(a_snd, sizeof a_snd, "%.0f", ceil(c->sndbuf * LINUX_SK_SNDBUF_PER_BYTE / 2));
    fmt(a_clamp, sizeof a_clamp, "%.0f", c->rcvbuf);
    fmt(a_nodelay, sizeof a_nodelay, "%.0f", c->nagle ? 0 : 1);
    fmt(a_mss, sizeof a_mss, "%.0f", c->mss + (c->timestamps ? 12 : 0) < 1460 ? c->mss + (c->timestamps ? 12 : 0) : 0);
    fmt(a_lim, sizeof a_lim, "%.3f", c->up_limit_Bps);
    fmt(a_write, sizeof a_write, "%.0f", c->up_write_bytes);
    fmt(a_upstart, sizeof a_upstart, "%.0f", c->up_start_s * 1e9);
    for (int side = 1; side <= 2; side++) {
        char *argv[] = { (char *)agent, side == 1 ? "server" : "client", "--t0", a_t0, "--warmup-ns", a_warm, "--duration-ns", a_dur,
                         "--n-down", a_down, "--n-up", a_up, "--voip-interval-ns", a_voip, "--rcvbuf", a_rcv, "--sndbuf", a_snd,
                         "--clamp", a_clamp, "--nodelay", a_nodelay, "--cc", (char *)c->cc, "--maxseg", a_mss, "--up-limit-Bps", a_lim,
                         "--up-write", a_write, "--up-start-ns", a_upstart, "--offsets", offsets,
                         "--addr", TB_SERVER_ADDR, NULL };
        ag[side].pid = netns_spawn(tb.ns[side == 1 ? TB_SERVER : TB_CLIENT], argv, &ag[side].fd, err, errlen);
        if (ag[side].pid < 0) { free(offsets); goto out; }
    }
    free(offsets);

    /* The measured window, on the router: qdisc counters at warm-up and at the end, and the
     * FIFOs' occupancy sampled every 10 ms for the mean queueing delay (Little's law). */
    if (netns_enter(tb.ns[TB_ROUTER], err, errlen) != 0) goto out;
    nl = qdisc_open();
    netns_leave();
    if (nl < 0) { snprintf(err, errlen, "netlink socket in the router namespace: %s", strerror(errno)); goto out; }
    struct qsample up0, dn0, up1, dn1, s;
    double qsum_up = 0, qsum_dn = 0;
    long nsamples = 0;
    int warm_taken = 0;
    /* The host's load over the measured window; the end reading is taken 100 ms early, while the
     * traffic agents (which exit at the end) still have their threads. */
    struct hostload hl0 = { 0, 0, 0 }, hl1 = { 0, 0, 0 };
    int hl_end_taken = 0;
    pid_t run_pids[3];
    for (int i = 0; i < 3; i++) run_pids[i] = ag[i].pid;
    for (;;) {
        int64_t now = now_ns();
        if (*stop) { st = KERNEL_INTERRUPTED; goto out; }
        for (int i = 0; i < 3; i++) agent_read(&ag[i]);
        if (ag[0].pid > 0 && ag[0].done) { snprintf(err, errlen, "the delay line stopped during the run"); goto out; }
        /* An agent that ends before the run does is a failure; one that ends with it (it exits
         * once its clock reaches t0 + duration) is not: read the clock after seeing its EOF. */
        for (int i = 1; i < 3; i++)
            if (ag[i].done && now_ns() < t0 + dur) {
                agent_finish(&ag[i], now + 1000000000LL, err, errlen);
                if (!err[0]) snprintf(err, errlen, "the %s agent stopped before the end of the run", ag[i].name);
                goto out;
            }
        if (now >= t0 + dur) break;
        if (!warm_taken && now >= t0 + warm) {
            if (sample(nl, tb.if_up, &up0) != 0 || sample(nl, tb.if_down, &dn0) != 0) {
                snprintf(err, errlen, "reading the router's qdisc counters failed");
                goto out;
            }
            warm_taken = 1;
            if (hostload_read(run_pids, 3, &hl0) != 0) {
                snprintf(err, errlen, "reading /proc/stat failed");
                goto out;
            }
        } else if (warm_taken) {
            if (!hl_end_taken && now >= t0 + dur - 100000000LL) {
                if (hostload_read(run_pids, 3, &hl1) != 0) {
                    snprintf(err, errlen, "reading /proc/stat failed");
                    goto out;
                }
                hl_end_taken = 1;
            }
            if (sample(nl, tb.if_up, &s) == 0) qsum_up += s.fifo.qlen;
            if (sample(nl, tb.if_down, &s) == 0) qsum_dn += s.fifo.qlen;
            nsamples++;
        }
        int64_t next = now + 10000000LL;
        if (!warm_taken && t0 + warm < next) next = t0 + warm;
        if (t0 + dur < next) next = t0 + dur;
        struct timespec ts = { (next - now_ns()) / 1000000000LL, (next - now_ns()) % 1000000000LL };
        if (ts.tv_sec >= 0 && ts.tv_nsec > 0) nanosleep(&ts, NULL);
    }
    if (warm_taken && !hl_end_taken && hostload_read(run_pids, 3, &hl1) != 0) {
        snprintf(err, errlen, "reading /proc/stat failed");
        goto out;
    }
    if (!warm_taken || sample(nl, tb.if_up, &up1) != 0 || sample(nl, tb.if_down, &dn1) != 0) {
        snprintf(err, errlen, "reading the router's qdisc counters failed");
        goto out;
    }
    for (int i = 1; i < 3; i++)
        if (agent_finish(&ag[i], now_ns() + 10000000000LL, err, errlen) != 0) goto out;
    if (ag[0].pid > 0) {
        kill(ag[0].pid, SIGTERM);
        /* A trace takes a few seconds to write. */
        if (agent_finish(&ag[0], now_ns() + (c->delay_trace ? 60000000000LL : 5000000000LL), err, errlen) != 0) goto out;
    }

    /* ---- metrics, named as the simulator names them where they mean the same */
    const struct agent_proc *srv = &ag[1], *cli = &ag[2];
    double secs = c->duration_s - c->warmup_s;
    result_metric(res, "down_goodput_kbps", nz(agent_metric(srv, "down_acked_bytes")) * 8 / 1000 / secs);
    result_metric(res, "up_goodput_kbps", nz(agent_metric(cli, "up_acked_bytes")) * 8 / 1000 / secs);
    result_metric(res, "down_read_kbps", nz(agent_metric(cli, "down_read_bytes")) * 8 / 1000 / secs);
    result_metric(res, "up_read_kbps", nz(agent_metric(srv, "up_read_bytes")) * 8 / 1000 / secs);
    double vsent = agent_metric(cli, "voip_sent_measured"), vrecv = agent_metric(srv, "voip_recv_measured");
    int voip = c->voip_kbps > 0;
    result_metric(res, "voip_goodput_kbps", voip ? nz(agent_metric(srv, "voip_bytes_measured")) * 8 / 1000 / secs : 0.0);
    result_metric(res, "voip_delay_ms_mean", voip ? nz(agent_metric(srv, "voip_delay_ms_mean")) : 0.0);
    result_metric(res, "voip_delay_ms_p95", voip ? nz(agent_metric(srv, "voip_delay_ms_p95")) : 0.0);
    result_metric(res, "voip_loss", voip && vsent > 0 ? fmax(0.0, 1 - nz(vrecv) / vsent) : 0.0);
    /* Little's law: mean packets queued / packets dequeued per second = mean wait per packet. */
    double pk_up = (double)(up1.fifo.packets - up0.fifo.packets), pk_dn = (double)(dn1.fifo.packets - dn0.fifo.packets);
    result_metric(res, "up_queue_delay_ms_mean", nsamples && pk_up > 0 ? qsum_up / nsamples / (pk_up / secs) * 1000 : 0.0);
    result_metric(res, "down_queue_delay_ms_mean", nsamples && pk_dn > 0 ? qsum_dn / nsamples / (pk_dn / secs) * 1000 : 0.0);
    result_metric(res, "up_link_util", (double)(up1.tbf.bytes - up0.tbf.bytes) * 8 / (c->up_bps * secs));
    result_metric(res, "down_link_util", (double)(dn1.tbf.bytes - dn0.tbf.bytes) * 8 / (c->down_bps * secs));
    double du = (double)(up1.fifo.drops - up0.fifo.drops), dd = (double)(dn1.fifo.drops - dn0.fifo.drops);
    result_metric(res, "drops", du + dd);
    result_metric(res, "drops_up", du);
    result_metric(res, "drops_down", dd);
    /* tbf drops what exceeds its burst itself; none should (offloads are off). */
    result_metric(res, "tbf_oversize_drops", (double)(up1.tbf.drops - up0.tbf.drops) - du + (double)(dn1.tbf.drops - dn0.tbf.drops) - dd);
    result_metric(res, "up_wire_bytes", (double)(up1.tbf.bytes - up0.tbf.bytes));
    result_metric(res, "up_wire_packets", (double)(up1.tbf.packets - up0.tbf.packets));
    result_metric(res, "down_wire_bytes", (double)(dn1.tbf.bytes - dn0.tbf.bytes));
    result_metric(res, "down_wire_packets", (double)(dn1.tbf.packets - dn0.tbf.packets));
    result_metric(res, "retransmits", nz(agent_metric(srv, "down_retrans")) + nz(agent_metric(cli, "up_retrans")));
    result_metric(res, "down_srtt_ms_mean", nz(agent_metric(srv, "down_srtt_ms_mean")));
    result_metric(res, "up_srtt_ms_mean", nz(agent_metric(cli, "up_srtt_ms_mean")));
    result_metric(res, "down_snd_wnd_mean", nz(agent_metric(srv, "down_snd_wnd_mean")));
    result_metric(res, "down_snd_wnd_max", nz(agent_metric(srv, "down_snd_wnd_max")));
    result_metric(res, "up_snd_wnd_max", nz(agent_metric(cli, "up_snd_wnd_max")));
    result_metric(res, "down_sndq_max", nz(agent_metric(srv, "down_sndq_max")));
    result_metric(res, "up_sndq_max", nz(agent_metric(cli, "up_sndq_max")));
    ack_metrics(res, "down", cli, srv);
    ack_metrics(res, "up", srv, cli);
    double mss = agent_metric(srv, "down_mss");
    result_metric(res, "mss_effective", isnan(mss) ? nz(agent_metric(cli, "up_mss")) : mss);
    int flow_base = 0;
    agent_copy(srv, res, "nstat_server", &flow_base);
    agent_copy(cli, res, "nstat_client", &flow_base);
    agent_copy(&ag[0], res, "", &flow_base);
    double get_s = result_get(res, "nstat_server.TCPTimeouts"), get_c = result_get(res, "nstat_client.TCPTimeouts");
    result_metric(res, "rto_expiries", nz(get_s) + nz(get_c));
    result_metric(res, "fast_retransmits", nz(result_get(res, "nstat_server.TCPSackRecovery")) + nz(result_get(res, "nstat_server.TCPRenoRecovery")) +
                                               nz(result_get(res, "nstat_client.TCPSackRecovery")) + nz(result_get(res, "nstat_client.TCPRenoRecovery")));
    result_metric(res, "delay_mechanism", tb.delay);
    /* What the host did beside the run: results on this engine depend on it (docs/validation.md,
     * the 100/10 Mbit/s case), so every run records it. */
    struct hostload_shares load = hostload_between(&hl0, &hl1);
    result_metric(res, "host_busy_share", load.host_busy);
    result_metric(res, "host_run_share", load.run);
    result_metric(res, "host_other_share", load.other);
    st = KERNEL_OK;
out:
    for (int i = 0; i < 3; i++) agent_kill(&ag[i]);
    for (int i = 0; i < 3; i++) free(ag[i].out);
    qdisc_close(nl);
    testbed_destroy(&tb);
    res->wall_s = (double)(now_ns() - started) / 1e9;
    res->events = 0;
    return st;
}
