/* Running iproute2, entering namespaces, per-namespace sysctls and offloads, and agent processes.
 * Commands run from argv arrays (no shell), each in its own process group. */
#define _GNU_SOURCE
#include "netns.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

char netns_ip[256], netns_tc[256];
static int home_ns = -1;            /* the namespace ratelab started in */

static int find_in_path(const char *prog, char *out, size_t len)
{
    const char *path = getenv("PATH");
    char buf[4096];
    /* iproute2 lives in /usr/sbin, which a non-root PATH may lack. */
    snprintf(buf, sizeof buf, "%s:/usr/sbin:/sbin:/usr/bin:/bin", path ? path : "");
    for (char *save = NULL, *dir = strtok_r(buf, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        if (!*dir) continue;
        snprintf(out, len, "%s/%s", dir, prog);
        if (access(out, X_OK) == 0) return 0;
    }
    return -1;
}

int netns_find_tools(char *err, size_t errlen)
{
    if (find_in_path("ip", netns_ip, sizeof netns_ip) != 0) {
        snprintf(err, errlen, "iproute2 is missing: no 'ip' program in PATH, /usr/sbin or /sbin (apt-get install iproute2)");
        return -1;
    }
    if (find_in_path("tc", netns_tc, sizeof netns_tc) != 0) {
        snprintf(err, errlen, "iproute2 is missing: no 'tc' program in PATH, /usr/sbin or /sbin (apt-get install iproute2)");
        return -1;
    }
    return 0;
}

static void describe_argv(char *const argv[], char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; argv[i] && o < len; i++) {
        const char *a = i == 0 && strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[i];
        o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " " : "", a);
    }
}

/* Reads fd to EOF into buf (truncating), retrying on EINTR. */
static void drain(int fd, char *buf, size_t len)
{
    size_t o = 0;
    char scratch[512];
    for (;;) {
        ssize_t n = o + 1 < len ? read(fd, buf + o, len - 1 - o) : read(fd, scratch, sizeof scratch);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (o + 1 < len) o += (size_t)n;
    }
    if (len) buf[o < len ? o : len - 1] = 0;
}

static int wait_child(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int netns_cmd_out(char *const argv[], char *out, size_t outlen, char *err, size_t errlen)
{
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) != 0) { snprintf(err, errlen, "pipe: %s", strerror(errno)); return -1; }
    if (pipe2(pe, O_CLOEXEC) != 0) { close(po[0]); close(po[1]); snprintf(err, errlen, "pipe: %s", strerror(errno)); return -1; }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(po[0]); close(po[1]); close(pe[0]); close(pe[1]);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    char errbuf[1024];
    /* Output is small (one qdisc or link listing); read stdout fully, then stderr. */
    char sink[1];
    drain(po[0], out ? out : sink, out ? outlen : sizeof sink);
    drain(pe[0], errbuf, sizeof errbuf);
    close(po[0]);
    close(pe[0]);
    int rc = wait_child(pid);
    if (rc == 0) return 0;
    char cmd[512];
    describe_argv(argv, cmd, sizeof cmd);
    size_t l = strlen(errbuf);
    while (l && (errbuf[l - 1] == '\n' || errbuf[l - 1] == ' ')) errbuf[--l] = 0;
    for (char *p = errbuf; *p; p++) if (*p == '\n') *p = ' ';
    snprintf(err, errlen, "`%s` failed (exit %d): %s", cmd, rc, errbuf[0] ? errbuf : "no message");
    return -1;
}

int netns_cmd(char *const argv[], char *err, size_t errlen)
{
    return netns_cmd_out(argv, NULL, 0, err, errlen);
}

static int vcmd(const char *prog, char *err, size_t errlen, va_list ap)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)prog;
    for (const char *a; n < 63 && (a = va_arg(ap, const char *)); ) argv[n++] = (char *)a;
    argv[n] = NULL;
    return netns_cmd(argv, err, errlen);
}

int netns_ip_cmd(char *err, size_t errlen, ...)
{
    va_list ap;
    va_start(ap, errlen);
    int rc = vcmd(netns_ip, err, errlen, ap);
    va_end(ap);
    return rc;
}

int netns_tc_cmd(char *err, size_t errlen, ...)
{
    va_list ap;
    va_start(ap, errlen);
    int rc = vcmd(netns_tc, err, errlen, ap);
    va_end(ap);
    return rc;
}

static int open_ns(const char *name, char *err, size_t errlen)
{
    char path[256];
    snprintf(path, sizeof path, "/run/netns/%s", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return fd;
}

int netns_enter(const char *name, char *err, size_t errlen)
{
    if (home_ns < 0 && (home_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
        snprintf(err, errlen, "/proc/self/ns/net: %s", strerror(errno));
        return -1;
    }
    int fd = open_ns(name, err, errlen);
    if (fd < 0) return -1;
    int rc = setns(fd, CLONE_NEWNET);
    if (rc != 0) snprintf(err, errlen, "entering network namespace %s: %s", name, strerror(errno));
    close(fd);
    return rc;
}

void netns_leave(void)
{
    if (home_ns >= 0 && setns(home_ns, CLONE_NEWNET) != 0) {
        /* Staying in a run's namespace would make every later command act on the wrong one. */
        perror("ratelab kernel: returning to the initial network namespace");
        abort();
    }
}

int netns_sysctl(const char *path, const char *value, char *err, size_t errlen)
{
    char full[256];
    snprintf(full, sizeof full, "/proc/sys/%s", path);
    int fd = open(full, O_WRONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? write(fd, value, strlen(value)) : -1;
    int e = errno;
    if (fd >= 0) close(fd);
    if (n != (ssize_t)strlen(value)) {
        snprintf(err, errlen, "sysctl %s = %s: %s", full, value, strerror(e));
        return -1;
    }
    return 0;
}

/* The legacy ethtool ioctls (ETHTOOL_STSO/SGSO/SGRO) switch one offload each; read back to be sure. */
int netns_offloads_off(const char *ifname, char *err, size_t errlen)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) { snprintf(err, errlen, "socket: %s", strerror(errno)); return -1; }
    static const struct { uint32_t set, get; const char *name; } ops[] = {
        { ETHTOOL_STSO, ETHTOOL_GTSO, "tso" }, { ETHTOOL_SGSO, ETHTOOL_GGSO, "gso" }, { ETHTOOL_SGRO, ETHTOOL_GGRO, "gro" },
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0] && rc == 0; i++) {
        struct ethtool_value v = { .cmd = ops[i].set, .data = 0 };
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
        ifr.ifr_data = (char *)&v;
        if (ioctl(s, SIOCETHTOOL, &ifr) != 0) {
            snprintf(err, errlen, "%s: switching %s off: %s", ifname, ops[i].name, strerror(errno));
            rc = -1;
            break;
        }
        v.cmd = ops[i].get;
        v.data = 1;
        if (ioctl(s, SIOCETHTOOL, &ifr) != 0 || v.data != 0) {
            snprintf(err, errlen, "%s: %s is still on after switching it off", ifname, ops[i].name);
            rc = -1;
        }
    }
    close(s);
    return rc;
}

pid_t netns_spawn(const char *name, char *const argv[], int *out_fd, char *err, size_t errlen)
{
    int nsfd = open_ns(name, err, errlen);
    if (nsfd < 0) return -1;
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) { close(nsfd); snprintf(err, errlen, "pipe: %s", strerror(errno)); return -1; }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        close(nsfd); close(p[0]); close(p[1]);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        /* Dies with ratelab even on SIGKILL; the check closes the race with an early parent death. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(1);
        if (setns(nsfd, CLONE_NEWNET) != 0) { fprintf(stderr, "setns %s: %s\n", name, strerror(errno)); _exit(126); }
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        dup2(p[1], 1);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(nsfd);
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);   /* ratelab polls; the agent's own end stays blocking */
    *out_fd = p[0];
    return pid;
}
