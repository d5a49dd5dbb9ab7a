/* The kernel engine: runs an asym_link scenario on real Linux TCP between network namespaces
 * (client - router - server), the router shaping each direction with tbf + a packet FIFO. */
#ifndef KERNEL_KERNEL_H
#define KERNEL_KERNEL_H

#include <signal.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include "params.h"
#include "results.h"

/* The scenario keys as the kernel can express them (see kernel_cfg_from_params). */
struct kernel_cfg {
    double   down_bps, up_bps;        /* line rates at the framing level (tbf rate), bit/s        */
    double   delay_s;                 /* one-way propagation client <-> server (access + core)   */
    int      queue_pkts;              /* pfifo limit of each direction                            */
    int      n_down, n_up;
    double   up_limit_Bps;            /* 0: bulk uploads                                          */
    int      up_write_bytes;          /* paced uploads: write size (0: the 10-ms credit)         */
    double   up_start_s;              /* uploads start this late                                  */
    double   voip_kbps;               /* UDP CBR upstream, 200-byte payloads                      */
    double   duration_s, warmup_s;
    int      sack, timestamps, nagle;
    char     cc[16];                  /* Linux congestion control module: reno | cubic            */
    int      rcvbuf, sndbuf;          /* the simulator's meaning: largest window / send buffer    */
    int      mss;                     /* payload bytes per full segment, clamped as the simulator */
    int      init_cwnd;               /* route initcwnd                                           */
    double   rto_min_ms;              /* route rto_min                                            */
    int      quickack;                /* delack_count = 1: route quickack (ACK every segment)     */
    uint64_t seed;                    /* repetition number; draws the flows' start offsets        */
    const char *delay_trace;          /* NULL, or a file for the delay line's per-packet trace    */
    int      host_hz;                 /* the running kernel's CONFIG_HZ; 0: unknown (refused by
                                         kernel_check_env)                                         */
};

/* What the host does that no option changes, which the keys describing it must match. */
struct kernel_host {
    int  hz;                          /* the running kernel's CONFIG_HZ; 0: could not be told     */
    char hz_source[160];              /* where it came from (or why it could not be told)        */
};
/* The running kernel's CONFIG_HZ: from /boot/config-$(uname -r), else measured from the jiffies
 * of /proc/timer_list over 300 ms (root only; a read preempted for over 1 ms is done again); h->hz = 0 when neither works. */
void kernel_host_probe(struct kernel_host *h);
/* The CONFIG_HZ=N line of a kernel configuration; 0 if there is none. */
int kernel_hz_from_config(FILE *f);
/* The Kconfig HZ choice (100, 250, 300, 1000) within 5 % of a measured tick rate; 0 if none. */
int kernel_hz_nearest(double ticks_per_s);

/* Maps validated asym_link parameters to the kernel's knobs.  Keys the kernel cannot express
 * (a framing other than veth, a fixed delayed-ACK count other than 1 or 2, ...) are refused with
 * one line naming the key and its origin, and so are keys that describe the host (hz, the agents'
 * wake-up lateness) with a value other than the host's; returns 0 or -1. */
int kernel_cfg_from_params(const struct param_set *ps, const struct kernel_host *host, struct kernel_cfg *c,
                           char *err, size_t errlen);

enum kernel_status {
    KERNEL_OK = 0,
    KERNEL_FAILED = 1,        /* the run failed (setup, an agent, a measurement)                   */
    KERNEL_ENV = 2,           /* missing root, iproute2, sch_tbf or a delay mechanism: err says which */
    KERNEL_INTERRUPTED = 130, /* stop was raised (SIGINT/SIGTERM): everything was torn down        */
};

/* What this machine offers: root (CAP_SYS_ADMIN + CAP_NET_ADMIN), iproute2 (ip, tc), and a way
 * to delay packets when the configuration needs one.  KERNEL_OK or KERNEL_ENV with one line. */
enum kernel_status kernel_check_env(const struct kernel_cfg *c, char *err, size_t errlen);

/* One run: builds the namespaces, runs the agents for duration_s of real time, collects the
 * metrics and series into res, removes everything it created (also when *stop becomes non-zero,
 * which a SIGINT/SIGTERM handler sets).  `agent` is the path of the ratelab-agent program. */
enum kernel_status kernel_run(const struct kernel_cfg *c, const char *agent, volatile sig_atomic_t *stop,
                              struct run_result *res, char *err, size_t errlen);

/* Removes what killed runs left behind: namespaces named by this engine whose creating process
 * is gone (and the processes still inside them).  Returns how many namespaces were removed;
 * `log` (may be NULL) gets one line per namespace. */
int kernel_cleanup_stale(FILE *log);

/* The agent program next to `self_exe` (or $RATELAB_AGENT): path into buf, 0 or -1 with err. */
int kernel_find_agent(char *buf, size_t len, char *err, size_t errlen);

#endif
