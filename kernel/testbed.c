/* Builds and removes the three namespaces of a kernel run.  Interfaces are created directly
 * inside their namespaces, so no name ever appears in the host's namespace and two runs (two
 * ratelab processes: the pid is in the namespace names) cannot collide. */
#include "testbed.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "netns.h"
#include "tbf_bucket.h"

static const char role_char[TB_N] = { 'c', 'r', 's' };

#define TRY(call) do { if ((call) != 0) return KERNEL_FAILED; } while (0)

/* Whether a socket in namespace ns can take congestion control cc, as the agents' sockets will
 * (setting it loads the module, tcp_ca_find_autoload): a missing module is the machine's, any
 * other refusal the run's. */
static enum kernel_status cc_usable(const char *ns, const char *cc, char *err, size_t errlen)
{
    if (netns_enter(ns, err, errlen) != 0) return KERNEL_FAILED;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = fd < 0 ? -1 : setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc));
    int e = errno;
    if (fd >= 0) close(fd);
    netns_leave();
    if (rc == 0) return KERNEL_OK;
    if (fd >= 0 && e == ENOENT) {
        snprintf(err, errlen, "congestion control module tcp_%s missing (not in /proc/sys/net/ipv4/tcp_available_congestion_control "
                 "and not loadable)", cc);
        return KERNEL_ENV;
    }
    snprintf(err, errlen, "%s TCP_CONGESTION %s: %s", fd < 0 ? "socket for" : "setsockopt", cc, strerror(e));
    return KERNEL_FAILED;
}

static int in_ns_sysctls(const char *ns, const char *const *kv, char *err, size_t errlen)
{
    if (netns_enter(ns, err, errlen) != 0) return -1;
    int rc = 0;
    for (size_t i = 0; kv[i] && rc == 0; i += 2) rc = netns_sysctl(kv[i], kv[i + 1], err, errlen);
    netns_leave();
    return rc;
}

static int in_ns_offloads(const char *ns, const char *a, const char *b, char *err, size_t errlen)
{
    if (netns_enter(ns, err, errlen) != 0) return -1;
    int rc = netns_offloads_off(a, err, errlen);
    if (rc == 0 && b) rc = netns_offloads_off(b, err, errlen);
    netns_leave();
    return rc;
}

/* A tc failure that means the kernel lacks the qdisc, not that we asked wrongly. */
static int missing_qdisc(const char *msg)
{
    return strstr(msg, "unknown") || strstr(msg, "Unknown") || strstr(msg, "No such file") || strstr(msg, "not found");
}

/* tbf at the line rate (bytes as the qdisc counts them: the veth frame with its 14-byte header)
 * and the modem's packet FIFO as its child.  The bucket (contract/tbf_bucket.h) is the simulated
 * veth line's too. */
static enum kernel_status add_shaper(const struct testbed *t, const char *dev, const char *parent, const char *handle,
                                     double bps, int queue_pkts, char *err, size_t errlen)
{
    char rate[32], limit[16], child[16], burst[32];
    snprintf(rate, sizeof rate, "%.0fbit", bps);
    snprintf(burst, sizeof burst, "%.0f", tbf_bucket_bytes(bps));
    snprintf(limit, sizeof limit, "%d", queue_pkts);
    snprintf(child, sizeof child, "%.*s:1", (int)(strlen(handle) - 1), handle);
    const char *ns = t->ns[TB_ROUTER];
    if (netns_tc_cmd(err, errlen, "-n", ns, "qdisc", "add", "dev", dev, "parent", parent, "handle", handle,
                     "tbf", "rate", rate, "burst", burst, "limit", "3000", (char *)NULL) != 0) {
        if (missing_qdisc(err)) {
            size_t l = strlen(err);
            snprintf(err + l, errlen - l, " (sch_tbf is not available in this kernel)");
            return KERNEL_ENV;
        }
        return KERNEL_FAILED;
    }
    char fifo_handle[16];
    snprintf(fifo_handle, sizeof fifo_handle, "%c0:", handle[0]);
    if (netns_tc_cmd(err, errlen, "-n", ns, "qdisc", "add", "dev", dev, "parent", child, "handle", fifo_handle,
                     "pfifo", "limit", limit, (char *)NULL) != 0)
        return missing_qdisc(err) ? KERNEL_ENV : KERNEL_FAILED;
    return KERNEL_OK;
}

static int tun_available(void)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return 0;
    close(fd);
    return 1;
}

enum kernel_status testbed_build(struct testbed *t, const struct kernel_cfg *c, enum tb_delay want,
                                 char *err, size_t errlen)
{
    (void)want;
    memset(t, 0, sizeof *t);
    t->fifo_kind = "pfifo";
    for (int r = 0; r < TB_N; r++) {
        snprintf(t->ns[r], sizeof t->ns[r], "%s%d%c", TB_NS_PREFIX, (int)getpid(), role_char[r]);
        if (netns_ip_cmd(err, errlen, "netns", "add", t->ns[r], (char *)NULL) != 0) return KERNEL_FAILED;
        t->created[r] = 1;
        /* IPv4 only: no IPv6 router or neighbour solicitations on the shaped links. */
        const char *v6[] = { "net/ipv6/conf/all/disable_ipv6", "1", "net/ipv6/conf/default/disable_ipv6", "1", NULL };
        char ignore[256];
        in_ns_sysctls(t->ns[r], v6, ignore, sizeof ignore);
    }
    const char *C = t->ns[TB_CLIENT], *R = t->ns[TB_ROUTER], *S = t->ns[TB_SERVER];
    /* veth pairs made inside the namespaces, peers placed straight into the router. */
    TRY(netns_ip_cmd(err, errlen, "-n", C, "link", "add", "c0", "type", "veth", "peer", "name", "rc0", "netns", R, (char *)NULL));
    TRY(netns_ip_cmd(err, errlen, "-n", S, "link", "add", "s0", "type", "veth", "peer", "name", "rs0", "netns", R, (char *)NULL));
    TRY(netns_ip_cmd(err, errlen, "-n", C, "addr", "add", TB_CLIENT_ADDR "/24", "dev", "c0", (char *)NULL));
    TRY(netns_ip_cmd(err, errlen, "-n", R, "addr", "add", "192.0.2.1/24", "dev", "rc0", (char *)NULL));
    TRY(netns_ip_cmd(err, errlen, "-n", R, "addr", "add", "198.51.100.1/24", "dev", "rs0", (char *)NULL));
    TRY(netns_ip_cmd(err, errlen, "-n", S, "addr", "add", TB_SERVER_ADDR "/24", "dev", "s0", (char *)NULL));
    /* Offloads off before the links carry traffic: every skb is one MSS-sized frame, as on a modem. */
    TRY(in_ns_offloads(C, "c0", NULL, err, errlen));
    TRY(in_ns_offloads(R, "rc0", "rs0", err, errlen));
    TRY(in_ns_offloads(S, "s0", NULL, err, errlen));
    const char *ifs[][2] = { { C, "c0" }, { C, "lo" }, { R, "rc0" }, { R, "rs0" }, { R, "lo" }, { S, "s0" }, { S, "lo" } };
    for (size_t i = 0; i < sizeof ifs / sizeof ifs[0]; i++)
        TRY(netns_ip_cmd(err, errlen, "-n", ifs[i][0], "link", "set", "dev", ifs[i][1], "up", (char *)NULL));

    /* Route metrics the scenario sets on both hosts' default routes (both send). */
    char cwnd[16], rto[16];
    snprintf(cwnd, sizeof cwnd, "%d", c->init_cwnd);
    snprintf(rto, sizeof rto, "%.0fms", c->rto_min_ms);
    const char *hosts[][2] = { { C, "192.0.2.1" }, { S, "198.51.100.1" } };
    for (int h = 0; h < 2; h++) {
        const char *dev = h == 0 ? "c0" : "s0";
        if (c->quickack)
            TRY(netns_ip_cmd(err, errlen, "-n", hosts[h][0], "route", "add", "default", "via", hosts[h][1], "dev", dev,
                             "initcwnd", cwnd, "rto_min", rto, "quickack", "1", (char *)NULL));
        else
            TRY(netns_ip_cmd(err, errlen, "-n", hosts[h][0], "route", "add", "default", "via", hosts[h][1], "dev", dev,
                             "initcwnd", cwnd, "rto_min", rto, (char *)NULL));
    }
    /* TCP as the scenario says, per namespace; no cached metrics from earlier connections.  The
     * congestion control is set per socket by the agents (TCP_CONGESTION), not as the namespace's
     * default: outside the initial namespace Linux lets the default be only an algorithm of
     * net.ipv4.tcp_allowed_congestion_control (tcp_set_default_congestion_control: EPERM), which
     * on a host whose default is bbr holds reno and bbr but not cubic; a socket of a process with
     * CAP_NET_ADMIN may take any loaded one. */
    const char *tcp_kv[] = { "net/ipv4/tcp_sack", c->sack ? "1" : "0", "net/ipv4/tcp_timestamps", c->timestamps ? "1" : "0",
                             "net/ipv4/tcp_no_metrics_save", "1", NULL };
    if (in_ns_sysctls(C, tcp_kv, err, errlen) != 0 || in_ns_sysctls(S, tcp_kv, err, errlen) != 0) return KERNEL_FAILED;
    enum kernel_status cc_st = cc_usable(C, c->cc, err, errlen);
    if (cc_st != KERNEL_OK) return cc_st;
    /* The router forwards; reverse-path filtering off, since the delay line re-injects packets
     * on the TUN device whose source addresses route out of the veths. */
    const char *router_kv[] = { "net/ipv4/ip_forward", "1", "net/ipv4/conf/all/rp_filter", "0",
                                "net/ipv4/conf/default/rp_filter", "0", "net/ipv4/conf/rc0/rp_filter", "0",
                                "net/ipv4/conf/rs0/rp_filter", "0", "net/ipv4/conf/all/send_redirects", "0", NULL };
    TRY(in_ns_sysctls(R, router_kv, err, errlen));

    /* The propagation delay. */
    const char *root = "root";
    t->delay = TB_DELAY_NONE;
    if (c->delay_s > 0) {
        char scratch[256];
        if (netns_tc_cmd(scratch, sizeof scratch, "-n", R, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "1ms",
                         (char *)NULL) == 0) {
            netns_tc_cmd(scratch, sizeof scratch, "-n", R, "qdisc", "del", "dev", "lo", "root", (char *)NULL);
            t->delay = TB_DELAY_NETEM;
        } else if (tun_available()) {
            t->delay = TB_DELAY_TUN;
        } else {
            snprintf(err, errlen, "a delay of %g ms needs sch_netem or /dev/net/tun, and this machine has neither: set "
                     "access_delay_ms = core_delay_ms = 0", c->delay_s * 1000);
            return KERNEL_ENV;
        }
    }
    if (t->delay == TB_DELAY_NETEM) {
        /* netem holds each packet for the delay, then hands it to tbf + pfifo (its child). */
        char us[32];
        snprintf(us, sizeof us, "%.0fus", c->delay_s * 1e6);
        for (int d = 0; d < 2; d++)
            TRY(netns_tc_cmd(err, errlen, "-n", R, "qdisc", "add", "dev", d ? "rs0" : "rc0", "root", "handle", "1:",
                             "netem", "delay", us, "limit", "1000000", (char *)NULL));
        root = "1:1";
    } else if (t->delay == TB_DELAY_TUN) {
        /* Everything the router receives from either veth is routed into the TUN device; its
         * reader (the agent's delay line) writes each packet back after the delay, and the
         * re-injected packet is forwarded by the main table to the shaped egress. */
        TRY(netns_ip_cmd(err, errlen, "-n", R, "tuntap", "add", "dev", TB_TUN_DEV, "mode", "tun", (char *)NULL));
        TRY(netns_ip_cmd(err, errlen, "-n", R, "link", "set", "dev", TB_TUN_DEV, "txqueuelen", "100000", "up", (char *)NULL));
        TRY(netns_tc_cmd(err, errlen, "-n", R, "qdisc", "replace", "dev", TB_TUN_DEV, "root", "pfifo", "limit", "100000",
                         (char *)NULL));
        const char *tun_kv[] = { "net/ipv4/conf/" TB_TUN_DEV "/rp_filter", "0", NULL };
        TRY(in_ns_sysctls(R, tun_kv, err, errlen));
        TRY(netns_ip_cmd(err, errlen, "-n", R, "route", "add", "default", "dev", TB_TUN_DEV, "table", "100", (char *)NULL));
        TRY(netns_ip_cmd(err, errlen, "-n", R, "rule", "add", "iif", "rc0", "lookup", "100", "pref", "100", (char *)NULL));
        TRY(netns_ip_cmd(err, errlen, "-n", R, "rule", "add", "iif", "rs0", "lookup", "100", "pref", "101", (char *)NULL));
    }
    enum kernel_status st = add_shaper(t, "rs0", root, "2:", c->up_bps, c->queue_pkts, err, errlen);
    if (st == KERNEL_OK) st = add_shaper(t, "rc0", root, "3:", c->down_bps, c->queue_pkts, err, errlen);
    if (st != KERNEL_OK) return st;

    if (netns_enter(R, err, errlen) != 0) return KERNEL_FAILED;
    t->if_up = (int)if_nametoindex("rs0");
    t->if_down = (int)if_nametoindex("rc0");
    netns_leave();
    if (!t->if_up || !t->if_down) { snprintf(err, errlen, "router interfaces vanished"); return KERNEL_FAILED; }
    return KERNEL_OK;
}

/* Kills every process inside namespace `ns` (`ip netns pids`), then deletes it. */
static void remove_ns(const char *ns)
{
    char out[4096], err[512];
    char *argv[] = { netns_ip, "netns", "pids", (char *)ns, NULL };
    if (netns_cmd_out(argv, out, sizeof out, err, sizeof err) == 0)
        for (char *save = NULL, *tok = strtok_r(out, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
            long pid = strtol(tok, NULL, 10);
            if (pid > 1 && pid != getpid()) kill((pid_t)pid, SIGKILL);
        }
    if (netns_ip_cmd(err, sizeof err, "netns", "del", ns, (char *)NULL) != 0)
        fprintf(stderr, "ratelab kernel: removing namespace %s: %s\n", ns, err);
}

void testbed_destroy(struct testbed *t)
{
    for (int r = TB_N - 1; r >= 0; r--)
        if (t->created[r]) {
            remove_ns(t->ns[r]);
            t->created[r] = 0;
        }
}

int kernel_cleanup_stale(FILE *log)
{
    char err[256];
    if (!netns_ip[0] && netns_find_tools(err, sizeof err) != 0) return 0;
    DIR *d = opendir("/run/netns");
    if (!d) return 0;
    int removed = 0;
    char names[256][64];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 256; ) {
        size_t pl = strlen(TB_NS_PREFIX);
        if (strncmp(e->d_name, TB_NS_PREFIX, pl) != 0) continue;
        char *end;
        long pid = strtol(e->d_name + pl, &end, 10);
        if (end == e->d_name + pl || !strchr("crs", end[0]) || end[1] || strlen(e->d_name) >= sizeof names[0]) continue;
        /* A namespace whose creator still runs belongs to a live run: never touch it. */
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        memcpy(names[n++], e->d_name, strlen(e->d_name) + 1);
    }
    closedir(d);
    for (int i = 0; i < n; i++) {
        remove_ns(names[i]);
        if (log) fprintf(log, "ratelab kernel: removed namespace %s left by a killed run\n", names[i]);
        removed++;
    }
    return removed;
}
