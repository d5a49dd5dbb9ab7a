/* The kernel engine: keys it cannot express are refused; on a machine with root, iproute2 and
 * sch_tbf, the veth framing counts what tbf counts, the TUN delay line delays by what it is told,
 * a short run gives the line rate, SIGINT and concurrent runs leave nothing behind; the agent reads
 * its TCP counters by names this kernel has. */
#include "testutil.h"
#include <arpa/inet.h>
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "agent_counters.h"
#include "framing.h"
#include "hostload.h"
#include "kernel.h"
#include "netns.h"
#include "qdisc.h"
#include "testbed.h"
#include "experiment.h"

/* Reason the machine cannot run kernel tests, or NULL.  Printed by every test that skips. */
static const char *skip_reason(void)
{
    static char why[512];
    static int checked;
    if (!checked) {
        checked = 1;
        char agent[1024];
        if (kernel_check_env(NULL, why, sizeof why) != KERNEL_OK) return why;
        if (kernel_find_agent(agent, sizeof agent, why, sizeof why) != 0) return why;
        why[0] = 0;
    }
    return why[0] ? why : NULL;
}

/* The machine's own host facts, probed once; with ps, its hz key is set to the running kernel's
 * so that a real run's scenario describes this host. */
static void set(struct param_set *ps, const char *k, const char *v);
static const struct kernel_host *host_of_this_machine(struct param_set *ps)
{
    static struct kernel_host h;
    static int probed;
    if (!probed) { kernel_host_probe(&h); probed = 1; }
    if (ps && h.hz) {
        char hz[16];
        snprintf(hz, sizeof hz, "%d", h.hz);
        set(ps, "hz", hz);
    }
    return &h;
}

static int skipped(const char *test)
{
    const char *why = skip_reason();
    if (why) fprintf(stderr, "\n    %s SKIPPED: %s\n", test, why);
    return why != NULL;
}

static void asym_params(struct param_set *ps)
{
    const struct experiment *e = experiment_find("asym_link");
    CU_ASSERT_PTR_NOT_NULL_FATAL(e);
    CU_ASSERT_EQUAL_FATAL(params_init(ps, e->params, e->n_params), 0);
    char err[256];
    CU_ASSERT_EQUAL(params_set(ps, "framing", "veth", "test", err, sizeof err), 0);
}

static void set(struct param_set *ps, const char *k, const char *v)
{
    char err[256];
    if (params_set(ps, k, v, "test", err, sizeof err) != 0) fprintf(stderr, "\n    %s\n", err);
}

/* Inexpressible keys: one line naming the key, never a silent default. */
static void test_kernel_refuses_what_linux_cannot_express(void)
{
    struct param_set ps;
    struct kernel_cfg c;
    char err[512];
    const struct kernel_host h250 = { 250, "test" }, *host = &h250;
    asym_params(&ps);
    CU_ASSERT_EQUAL(kernel_cfg_from_params(&ps, host, &c, err, sizeof err), 0);
    set(&ps, "framing", "ppp");
    CU_ASSERT_EQUAL(kernel_cfg_from_params(&ps, host, &c, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'framing'"));
    set(&ps, "framing", "veth");
    set(&ps, "delack_count", "3");
    CU_ASSERT_EQUAL(kernel_cfg_from_params(&ps, host, &c, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'delack_count'"));
    set(&ps, "delack_count", "1");              /* route quickack: ACK every segment */
    CU_ASSERT_EQUAL(kernel_cfg_from_params(&ps, host, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.quickack, 1);
    set(&ps, "core_kbps", "64");                /* a core slower than the line does not exist here */
    CU_ASSERT_EQUAL(kernel_cfg_from_params(&ps, host, &c, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'core_kbps'"));
    set(&ps, "core_kbps", "100000");
    set(&ps, "timestamps", "1");                /* payload per segment clamped like the simulator */
    CU_ASSERT_EQUAL(kernel_cfg_from_params(&ps, host, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.mss, 1448);
    CU_ASSERT_STRING_EQUAL(c.cc, "reno");       /* newreno is Linux's reno module */
    /* Keys that describe the host take the host's value only, one rule for all of them: hz the
     * running kernel's CONFIG_HZ (whatever the key's default), the wake-up lateness what was
     * measured on the agents (the keys' defaults). */
    set(&ps, "hz", "100");
    CU_ASSERT_EQUAL(kernel_cfg_from_params(&ps, host, &c, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'hz'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "CONFIG_HZ (test), 250; use 250"));
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    const struct kernel_host h100 = { 100, "test" };
    CU_ASSERT_EQUAL(kernel_cfg_from_params(&ps, &h100, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.host_hz, 100);
    set(&ps, "hz", "250");
    CU_ASSERT_EQUAL(kernel_cfg_from_params(&ps, &h100, &c, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'hz'"));
    /* An unknown CONFIG_HZ passes here and is refused by kernel_check_env, after its root check. */
    const struct kernel_host unknown = { 0, "no /boot/config-R and /proc/timer_list unreadable" };
    CU_ASSERT_EQUAL(kernel_cfg_from_params(&ps, &unknown, &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL(c.host_hz, 0);
    if (!skip_reason()) {
        CU_ASSERT_EQUAL(kernel_check_env(&c, err, sizeof err), KERNEL_ENV);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "CONFIG_HZ"));
    }
    set(&ps, "server_wake_us", "100");
    CU_ASSERT_EQUAL(kernel_cfg_from_params(&ps, host, &c, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'server_wake_us'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "measured (schedstat) at 470; use 470"));
    set(&ps, "server_wake_us", "470");
    set(&ps, "client_wake_us", "0");
    CU_ASSERT_EQUAL(kernel_cfg_from_params(&ps, host, &c, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'client_wake_us'"));
    set(&ps, "client_wake_us", "280");
    CU_ASSERT_EQUAL(kernel_cfg_from_params(&ps, host, &c, err, sizeof err), 0);
    params_free(&ps);
}

/* The running kernel's CONFIG_HZ: a configuration's line, a measured tick rate to the nearest
 * Kconfig choice (kernel/Kconfig.hz: 100, 250, 300, 1000), and on this machine the probe (which
 * measures jiffies when /boot has no configuration) agrees with /proc/config.gz. */
static void test_kernel_host_hz(void)
{
    const char *cfg = "# CONFIG_HZ_100 is not set\nCONFIG_HZ_250=y\nCONFIG_HZ=250\nCONFIG_HZ_PERIODIC=y\n";
    FILE *f = fmemopen((void *)cfg, strlen(cfg), "r");
    CU_ASSERT_EQUAL(kernel_hz_from_config(f), 250);
    fclose(f);
    const char *none = "CONFIG_HZ_250=y\nCONFIG_HZ=\nCONFIG_HZX=1\n";
    f = fmemopen((void *)none, strlen(none), "r");
    CU_ASSERT_EQUAL(kernel_hz_from_config(f), 0);
    fclose(f);
    CU_ASSERT_EQUAL(kernel_hz_nearest(249.2), 250);
    CU_ASSERT_EQUAL(kernel_hz_nearest(255.0), 250);
    CU_ASSERT_EQUAL(kernel_hz_nearest(301.0), 300);
    CU_ASSERT_EQUAL(kernel_hz_nearest(99.0), 100);
    CU_ASSERT_EQUAL(kernel_hz_nearest(1004.0), 1000);
    CU_ASSERT_EQUAL(kernel_hz_nearest(275.0), 0);        /* between 250 and 300: cannot tell */
    CU_ASSERT_EQUAL(kernel_hz_nearest(0.0), 0);
    if (skipped("test_kernel_host_hz (probe)")) return;
    FILE *z = popen("zcat /proc/config.gz 2>/dev/null", "r");
    int want = z ? kernel_hz_from_config(z) : 0;
    if (z) pclose(z);
    if (!want) { fprintf(stderr, "\n    test_kernel_host_hz (probe) SKIPPED: no /proc/config.gz to compare with\n"); return; }
    CU_ASSERT_EQUAL(host_of_this_machine(NULL)->hz, want);
}

static int ns_left(void)
{
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%s%d", TB_NS_PREFIX, (int)getpid());
    DIR *d = opendir("/run/netns");
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)); ) n += !strncmp(e->d_name, prefix, strlen(prefix));
    if (d) closedir(d);
    return n;
}

/* framing = veth counts what tbf counts: IP length + 14 (Ethernet header), no FCS, no padding
 * to 64 bytes, no preamble.  UDP datagrams of known sizes cross the uplink's tbf; its byte
 * counter must equal the framing's sum exactly (and differ from framing = ethernet's). */
static void test_veth_framing_equals_tbf_bytes(void)
{
    if (skipped("test_veth_framing_equals_tbf_bytes")) return;
    struct param_set ps;
    struct kernel_cfg c;
    char err[512];
    asym_params(&ps);
    set(&ps, "access_delay_ms", "0");
    set(&ps, "core_delay_ms", "0");
    set(&ps, "up_kbps", "10000");
    set(&ps, "modem_queue_pkts", "1000");
    CU_ASSERT_EQUAL_FATAL(kernel_cfg_from_params(&ps, host_of_this_machine(&ps), &c, err, sizeof err), 0);
    struct testbed tb;
    enum kernel_status st = testbed_build(&tb, &c, TB_DELAY_NONE, err, sizeof err);
    if (st != KERNEL_OK) fprintf(stderr, "\n    %s\n", err);
    CU_ASSERT_EQUAL(st, KERNEL_OK);
    if (st == KERNEL_OK) {
        CU_ASSERT_EQUAL_FATAL(netns_enter(tb.ns[TB_ROUTER], err, sizeof err), 0);
        int nl = qdisc_open();
        netns_leave();
        struct qdisc_stats before, after;
        CU_ASSERT_EQUAL_FATAL(netns_enter(tb.ns[TB_CLIENT], err, sizeof err), 0);
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        netns_leave();
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
        inet_pton(AF_INET, TB_SERVER_ADDR, &to.sin_addr);
        /* One datagram first, so the router's ARP exchange with the server (which crosses the
         * uplink's tbf too) is over before the counting starts. */
        sendto(s, "", 0, 0, (struct sockaddr *)&to, sizeof to);
        usleep(200000);
        CU_ASSERT_EQUAL(qdisc_read(nl, tb.if_up, "tbf", &before), 0);
        static const int payload[] = { 0, 1, 17, 18, 100, 200, 1000, 1472 };
        static char buf[1500];
        uint64_t veth = 0, ether = 0;
        int sent = 0;
        struct framing fv = { FRAMING_VETH, 0 }, fe = { FRAMING_ETHERNET, 0 };
        for (int rep = 0; rep < 5; rep++)
            for (size_t i = 0; i < sizeof payload / sizeof payload[0]; i++)
                if (sendto(s, buf, (size_t)payload[i], 0, (struct sockaddr *)&to, sizeof to) == payload[i]) {
                    veth += framing_wire_bytes(&fv, (uint32_t)payload[i] + 28);
                    ether += framing_wire_bytes(&fe, (uint32_t)payload[i] + 28);
                    sent++;
                }
        usleep(300000);   /* 40 datagrams, 24 KB at 10 Mbit/s: well under 300 ms through tbf */
        CU_ASSERT_EQUAL(qdisc_read(nl, tb.if_up, "tbf", &after), 0);
        uint64_t counted = after.bytes - before.bytes;
        if (counted != veth)
            fprintf(stderr, "\n    tbf counted %llu bytes for %d datagrams; veth framing says %llu, ethernet %llu\n",
                    (unsigned long long)counted, sent, (unsigned long long)veth, (unsigned long long)ether);
        CU_ASSERT_EQUAL(sent, 40);
        CU_ASSERT_EQUAL(after.packets - before.packets, (uint64_t)sent);
        CU_ASSERT_EQUAL(counted, veth);
        CU_ASSERT_NOT_EQUAL(counted, ether);
        close(s);
        qdisc_close(nl);
    }
    testbed_destroy(&tb);
    CU_ASSERT_EQUAL(ns_left(), 0);
    params_free(&ps);
}

static enum kernel_status run_kernel(struct param_set *ps, struct run_result *res)
{
    struct kernel_cfg c;
    char err[512], agent[1024];
    CU_ASSERT_EQUAL_FATAL(kernel_cfg_from_params(ps, host_of_this_machine(ps), &c, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(kernel_find_agent(agent, sizeof agent, err, sizeof err), 0);
    volatile sig_atomic_t stop = 0;
    result_init(res);
    enum kernel_status st = kernel_run(&c, agent, &stop, res, err, sizeof err);
    if (st != KERNEL_OK) fprintf(stderr, "\n    kernel run: %s\n", err);
    return st;
}

/* The delay line, measured by the agent's own probes: UDP datagrams (200-byte payloads, the
 * VoIP source) across an otherwise idle 100 Mbit/s line with 20 ms one-way delay arrive 20 ms
 * plus serialization (19 us) plus the line's wake-up lateness later, none lost or reordered.
 * Only the lower bound is asserted: tests carry no timing limits. */
static void test_tun_delay_line_delays_as_configured(void)
{
    if (skipped("test_tun_delay_line_delays_as_configured")) return;
    struct param_set ps;
    asym_params(&ps);
    set(&ps, "down_kbps", "100000");
    set(&ps, "up_kbps", "100000");
    set(&ps, "core_kbps", "1000000");
    set(&ps, "n_down", "0");
    set(&ps, "voip_kbps", "80");
    set(&ps, "duration_s", "3");
    set(&ps, "warmup_s", "1");
    struct run_result res;
    if (run_kernel(&ps, &res) == KERNEL_OK) {
        double mean = result_get(&res, "voip_delay_ms_mean"), p95 = result_get(&res, "voip_delay_ms_p95");
        /* Never early is a property of the delay line; how late a release comes depends on
         * how busy the machine is, so it is printed (and recorded by the run), not asserted. */
        fprintf(stderr, "\n    one-way delay mean %.3f ms, p95 %.3f ms (configured 20 ms)\n", mean, p95);
        CU_ASSERT(mean >= 20.0);
        CU_ASSERT_EQUAL(result_get(&res, "voip_loss"), 0.0);
        CU_ASSERT_EQUAL(result_get(&res, "delay_line.reordered"), 0.0);
        CU_ASSERT_EQUAL(result_get(&res, "delay_line.overflow_drops"), 0.0);
        CU_ASSERT(result_get(&res, "delay_line.packets") > 0);
    } else {
        CU_FAIL("kernel run failed");
    }
    result_free(&res);
    params_free(&ps);
    CU_ASSERT_EQUAL(ns_left(), 0);
}

/* One download on the 1024/128 line, the window (rcvbuf 64 KiB, 44 segments) below what would
 * overflow the 50-packet FIFO: no loss, and the goodput is the line's, 1024 * 1460 / 1514 = 987.5
 * kbit/s.  The window is half a second of the line, so a receiver the loaded host wakes late
 * still finds the line busy (with 32 KiB, a quarter second, one loaded run used 98.6 % of it). */
static void short_download_fills_the_line(const char *test, const char *cc)
{
    if (skipped(test)) return;
    struct param_set ps;
    asym_params(&ps);
    set(&ps, "cc", cc);
    set(&ps, "rcvbuf", "65536");
    set(&ps, "duration_s", "5");
    set(&ps, "warmup_s", "2");
    struct run_result res;
    if (run_kernel(&ps, &res) == KERNEL_OK) {
        ASSERT_REL(result_get(&res, "down_goodput_kbps"), 1024.0 * 1460 / 1514, 0.02);
        /* tbf loses the tokens of a watchdog that fires later than (bucket - frame), 0.67 ms at
         * this rate, and the host's watchdog is that late now and then (docs/validation.md, item
         * 36: p99 1.4 ms at 8000/256): 98.2 and 99.0 % were seen in one make test, 99.9 % usually. */
        ASSERT_REL(result_get(&res, "down_link_util"), 1.0, 0.02);
        CU_ASSERT_EQUAL(result_get(&res, "drops"), 0.0);
        CU_ASSERT_EQUAL(result_get(&res, "tbf_oversize_drops"), 0.0);
        CU_ASSERT_EQUAL(result_get(&res, "mss_effective"), 1460.0);
        /* Offloads off: every frame on the downlink is at most 1514 bytes. */
        CU_ASSERT(result_get(&res, "down_wire_bytes") <= 1514 * result_get(&res, "down_wire_packets"));
        /* The receiver's segment counts (TCP_INFO, over the window): every downlink frame was a
         * data segment it received, every uplink frame a pure ACK it sent (the window's ends
         * differ from tbf's by a few milliseconds: two frames at most), and every ACK reached
         * the sender but the few on the way (one uplink frame is 3.4 ms). */
        double segs = result_get(&res, "down_rcv_data_segs"), acks = result_get(&res, "down_rcv_acks");
        CU_ASSERT(fabs(segs - result_get(&res, "down_wire_packets")) <= 2);
        CU_ASSERT(fabs(acks - result_get(&res, "up_wire_packets")) <= 2);
        CU_ASSERT(fabs(segs - result_get(&res, "down_snd_data_segs")) <= 50);    /* the window's 44 segments */
        CU_ASSERT(fabs(result_get(&res, "down_acks_lost")) <= 3);
        CU_ASSERT_DOUBLE_EQUAL(result_get(&res, "down_acks_per_seg"), acks / segs, 1e-9);
        CU_ASSERT(acks / segs >= 0.45 && acks / segs <= 1.0);
        /* The host's load is recorded: the run's own agents (delay line, sender, reader) were on
         * a CPU, and the shares add up: busy = run + other, each within [0, 1]. */
        double busy = result_get(&res, "host_busy_share"), run = result_get(&res, "host_run_share");
        double other = result_get(&res, "host_other_share");
        CU_ASSERT(run > 0.0);
        CU_ASSERT(busy > 0.0 && busy <= 1.0);
        CU_ASSERT(other >= 0.0 && other <= busy);
        CU_ASSERT_DOUBLE_EQUAL(busy, run + other, 0.02);
    } else {
        CU_FAIL("kernel run failed");
    }
    result_free(&res);
    params_free(&ps);
    CU_ASSERT_EQUAL(ns_left(), 0);
}

static void test_kernel_short_download_fills_the_line(void)
{
    short_download_fills_the_line("test_kernel_short_download_fills_the_line", "newreno");
}

/* cc = cubic runs whatever the host's default is: outside the initial namespace Linux lets a
 * namespace's default be only an allowed algorithm (tcp_set_default_congestion_control), and on a
 * host whose default is bbr cubic is not one, so the agents set it per socket and read it back
 * (a socket on any other algorithm ends the run).  The line is filled as with reno. */
static void test_kernel_runs_cubic_on_any_host_default(void)
{
    short_download_fills_the_line("test_kernel_runs_cubic_on_any_host_default", "cubic");
}

/* The command: SIGINT mid-run removes namespaces and agents and exits 130; two runs at once
 * both finish; without root it refuses in one line with exit 2. */
static void test_kernel_command_cleans_up_and_refuses(void)
{
    if (skipped("test_kernel_command_cleans_up_and_refuses")) return;
    const char *bin = getenv("RATELAB");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
    char cmd[2048];
    /* Two at once, one of them interrupted after 2 s. */
    pid_t a = fork();
    if (a == 0) {
        execl(bin, bin, "kernel", "scenarios/asym_link.ini", "--set", "framing=veth", "--set", "duration_s=20", "--set",
              "warmup_s=1", (char *)NULL);
        _exit(127);
    }
    snprintf(cmd, sizeof cmd, "%s kernel scenarios/asym_link.ini --set framing=veth --set duration_s=3 --set warmup_s=1 >/dev/null 2>&1", bin);
    int st_b = system(cmd);
    /* The interrupted run's agents, to check they are gone afterwards. */
    char agents[512] = "";
    snprintf(cmd, sizeof cmd, "pgrep -P %d -f ratelab-agent | tr '\\n' ' '", (int)a);
    FILE *pg = popen(cmd, "r");
    if (pg) { if (!fgets(agents, sizeof agents, pg)) agents[0] = 0; pclose(pg); }
    kill(a, SIGINT);
    int st_a = 0;
    waitpid(a, &st_a, 0);
    CU_ASSERT(WIFEXITED(st_b) && WEXITSTATUS(st_b) == 0);
    CU_ASSERT(WIFEXITED(st_a) && WEXITSTATUS(st_a) == 130);
    CU_ASSERT(strlen(agents) > 0);              /* server, client and delay line were running */
    for (char *save = NULL, *t = strtok_r(agents, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/%s", t);
        CU_ASSERT_NOT_EQUAL(access(proc, F_OK), 0);
    }
    char prefix[64];
    snprintf(prefix, sizeof prefix, "/run/netns/%s%d", TB_NS_PREFIX, (int)a);
    char path[128];
    for (int r = 0; r < 3; r++) {
        snprintf(path, sizeof path, "%s%c", prefix, "crs"[r]);
        CU_ASSERT_NOT_EQUAL(access(path, F_OK), 0);
    }
    /* Without root: one line, exit 2, nothing created. */
    snprintf(cmd, sizeof cmd, "setpriv --reuid=65534 --regid=65534 --clear-groups %s kernel scenarios/asym_link.ini --set framing=veth 2>&1", bin);
    FILE *p = popen(cmd, "r");
    char line[512] = "", extra[512];
    if (p && fgets(line, sizeof line, p)) {
        int more = fgets(extra, sizeof extra, p) != NULL;
        CU_ASSERT_EQUAL(more, 0);
    }
    int st = p ? pclose(p) : -1;
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(line, "needs root"));
}

/* Whether NAME is a column of a "TcpExt:" or "Tcp:" header line of FILE (-1: unreadable). */
static int proc_counter_exists(const char *file, const char *name)
{
    FILE *f = fopen(file, "r");
    if (!f) return -1;
    char *line = NULL;
    size_t cap = 0;
    int found = 0, row = 0;
    while (!found && getline(&line, &cap, f) > 0) {
        /* Header and value lines alternate: only the even ones name counters. */
        if (row++ % 2 || (strncmp(line, "TcpExt:", 7) && strncmp(line, "Tcp:", 4))) continue;
        char *save = NULL;
        for (char *t = strtok_r(line, " \n", &save); t && !found; t = strtok_r(NULL, " \n", &save))
            found = !strcmp(t, name);
    }
    free(line);
    fclose(f);
    return found;
}

/* The agent records counters by the names this kernel gives them: a wrong name is never read
 * and the counter is silently absent (Linux calls the delayed-ACK timer count DelayedACKs, not
 * TCPDelayedACKs: net/ipv4/proc.c snmp4_net_list, tcp_delack_timer_handler). */
static void test_agent_counter_names_exist_in_proc(void)
{
    if (proc_counter_exists("/proc/net/netstat", "TCPTimeouts") < 0 || proc_counter_exists("/proc/net/snmp", "InSegs") < 0) {
        fprintf(stderr, "\n    test_agent_counter_names_exist_in_proc SKIPPED: /proc/net/netstat or /proc/net/snmp unreadable\n");
        return;
    }
    int n = 0;
    for (int i = 0; agent_counter_names[i]; i++, n++) {
        int found = proc_counter_exists("/proc/net/netstat", agent_counter_names[i]) == 1 ||
                    proc_counter_exists("/proc/net/snmp", agent_counter_names[i]) == 1;
        if (!found) fprintf(stderr, "\n    no counter %s in /proc/net/netstat or /proc/net/snmp\n", agent_counter_names[i]);
        CU_ASSERT(found);
    }
    CU_ASSERT(n > 0);
}

/* --wait-idle's wait: a host with one CPU spinning is never "idle" below half a CPU's share (it
 * times out and reports the share it saw), any host is idle below 100 %, and a stop ends it. */
static void test_wait_idle_sees_a_busy_cpu(void)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (ncpu < 1) ncpu = 1;
    volatile sig_atomic_t stop = 0;
    double busy = -1;
    CU_ASSERT_EQUAL(hostload_wait_idle(1.0, 0.2, 0.2, &stop, &busy), 0);
    CU_ASSERT(busy >= 0 && busy <= 1);
    pid_t spin = fork();
    if (spin == 0) { for (;;) { } }
    CU_ASSERT_FATAL(spin > 0);
    int w = hostload_wait_idle(0.5 / (double)ncpu, 0.3, 0.6, &stop, &busy);
    kill(spin, SIGKILL);
    waitpid(spin, NULL, 0);
    CU_ASSERT_EQUAL(w, 1);
    CU_ASSERT(busy >= 0.8 / (double)ncpu);
    stop = 1;
    CU_ASSERT_EQUAL(hostload_wait_idle(1.0, 0.2, 0.2, &stop, &busy), -1);
}

void register_test_kernel(void)
{
    TEST_SUITE("kernel",
               TEST(test_agent_counter_names_exist_in_proc),
               TEST(test_kernel_refuses_what_linux_cannot_express),
               TEST(test_kernel_host_hz),
               TEST(test_wait_idle_sees_a_busy_cpu),
               TEST(test_veth_framing_equals_tbf_bytes),
               TEST(test_tun_delay_line_delays_as_configured),
               TEST(test_kernel_short_download_fills_the_line),
               TEST(test_kernel_runs_cubic_on_any_host_default),
               TEST(test_kernel_command_cleans_up_and_refuses));
}
