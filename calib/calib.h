/* Calibration of the receive-path CPU model on real sockets: the receiver paths, the paced
 * sender, one measured point, the least-squares fit and the plan `ratelab calibrate` runs. */
#ifndef CALIB_CALIB_H
#define CALIB_CALIB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "cpu_model.h"

/* The rate update's clock in a receiver harness. */
enum calib_clock { CLOCK_NONE = 0, CLOCK_MONO, CLOCK_LOCALTIME, CLOCK__N };
extern const char *const calib_clock_name[CLOCK__N];

/* One point: which receiver, which clock, what traffic, how long. */
struct calib_spec {
    enum cpu_path    path;
    enum calib_clock clock;
    int              conns;
    double           rate_Bps;      /* per connection, bytes of stream per second; 0: idle  */
    int              mss;           /* payload bytes per segment the sender writes           */
    double           have_hz;       /* small (HAVE) messages per connection per second       */
    int              warmup_ms, window_ms;
};

/* What the sender itself saw after the warm-up: how late its timer wake-ups were and how many
 * segments it wrote per wake-up (a late wake-up writes every segment that fell due meanwhile). */
#define CALIB_BURST_BINS 16
struct calib_send_stats {
    uint64_t segs, wakes;
    uint64_t late[CPU_GAP_BINS];          /* wake-ups by lateness, binned as gaps (cpu_gap_bin) */
    uint64_t burst[CALIB_BURST_BINS];     /* wake-ups by segments written, the last bin: that many or more */
};
/* Every write the sender made, as it made it: the traffic the simulator replays. */
struct calib_send_ev { int64_t t_ns; int32_t conn; uint16_t bytes; uint16_t msgs; };   /* CLOCK_REALTIME */
struct calib_send_trace {
    struct calib_send_stats stats;
    uint64_t n, cap;                      /* writes recorded (the first cap are kept) */
    struct calib_send_ev ev[];
};

/* What the receiver counted over the window, and its CPU. */
struct calib_meas {
    double   window_s;
    double   cpu_ns;          /* user + system of every receiver thread (kernel schedstat)  */
    double   own_cpu_ns;      /* the receiver's own accounting: getrusage / statistics(runtime) */
    uint64_t runs;            /* times a receiver thread was scheduled in (wake-ups + preemptions) */
    uint64_t segs;            /* data segments received (tcpi_data_segs_in)                 */
    uint64_t reads;           /* recv calls returning data / deliveries to the process      */
    uint64_t events;          /* C epoll: ready sockets returned by epoll_wait               */
    uint64_t msgs, bytes, updates, ticks;
    uint64_t vcsw, ivcsw;     /* voluntary (slept, then woken) / involuntary (preempted) switches, all receiver threads */
    uint64_t acks;            /* segments the receiver's sockets sent (tcpi_segs_out: ACKs, window updates) */
    uint64_t gaps[CPU_GAP_BINS];   /* deliveries by gap since the previous one */
    uint64_t agaps[CPU_GAP_BINS];  /* segments the sender wrote in the window, by gap since its previous write */
    struct calib_send_stats send;  /* the sender's own view of its timing (from warm-up to the result) */
    int64_t  t0_ns, t1_ns;    /* the window, CLOCK_REALTIME (the sender's trace is on the same clock) */
    double   load1;           /* the machine's 1-minute load average at the window's end */
    double   other_cpu;       /* share of the receiver's CPU taken by other processes over the window (0..1) */
    double   steal;           /* the larger share of the wall time the hypervisor took from the receiver's or the
                               * sender's CPU (/proc/stat steal) over the whole point; NAN: not recorded */
    char     runtime[64];     /* "erts-13.1.5/OTP-25", "glibc-2.36"                           */
};

/* ---- calib/sender.c: the paced BitTorrent-framed sender (runs until killed or disconnected). */
struct send_cfg {
    const char *host;
    int         port;
    int         conns;
    double      rate_Bps;
    int         mss;
    double      have_hz;
    int         warmup_ms;
    struct calib_send_trace *trace;       /* shared with the parent; NULL: not recorded */
};
int calib_sender_run(const struct send_cfg *c);
/* The stream generator the sender writes and the tests check: PIECE messages (4 + 9 + 16384
 * bytes) with HAVE messages (4 + 5 bytes) inserted at message boundaries as they fall due. */
struct bt_stream {
    uint32_t msg_len, msg_off;      /* wire length and bytes written of the current message */
    uint8_t  hdr[13];
    double   have_every_s, next_have_s;
    uint64_t pieces, haves;
};
void   bt_stream_init(struct bt_stream *s, double have_hz, double t0_s);
/* Fill buf with the next n bytes of the stream at time now_s; returns the messages it completes. */
unsigned bt_stream_fill(struct bt_stream *s, uint8_t *buf, size_t n, double now_s);

/* ---- calib/recv_c.c: the C receivers.  Listens, writes "PORT n\n" to out_fd, accepts conns,
 * measures one window and writes one "RESULT k=v ..." line.  Returns 0, or -1 with a message. */
int calib_recv_c_run(const struct calib_spec *sp, int cpu, int out_fd);

/* ---- calib/point.c: run one point (receiver pinned to one CPU, sender to the other). */
struct calib_env {
    char escript[4096];          /* path of recv_erlang.escript; "" if Erlang is unavailable */
    int  have_erlang;
    int  cpu_recv, cpu_send;     /* -1: no pinning */
};
int  calib_env_init(struct calib_env *e, const char *escript_override, char *err, size_t errlen);
/* trace: if not NULL, gets the sender's records (malloc'd; cap = the records kept) or NULL. */
int  calib_run_point(const struct calib_env *e, const struct calib_spec *sp, struct calib_meas *m,
                     struct calib_send_trace **trace, char *err, size_t errlen);
/* Parse a "RESULT k=v ..." line into m. */
int  calib_parse_result(const char *line, struct calib_meas *m);
/* Micro-benchmarks: ns per rate update with each clock, per clock read, per mode switch.
 * Erlang through the escript, C in process. */
struct calib_bench {
    double rate_update_ns[CLOCK__N];   /* index CLOCK_MONO / CLOCK_LOCALTIME */
    double clock_ns[CLOCK__N];
    double switch_ns;
    char   runtime[64];
};
int  calib_bench_erlang(const struct calib_env *e, struct calib_bench *b, char *err, size_t errlen);
void calib_bench_c(struct calib_bench *b);
/* Latency from data sent on the sender's CPU to a sleeping receiver's reading code (a C thread
 * blocked in recv, or (erlang) an Erlang process on an active socket), over every sleep and by the
 * sleep's length (gaps between stamps spread evenly in log over 100 us .. 10 ms; a sleep bin keeps
 * its quantiles from CALIB_LAT_MIN_N samples on, n_sleep their count); with the receiver's
 * voluntary context switches over the n stamps (OS thread wake-ups per wake-up). */
#define CALIB_LAT_GAP_MIN_US 100.0
#define CALIB_LAT_GAP_MAX_US 10000.0
#define CALIB_LAT_MIN_N 30
struct calib_latency_run {
    struct cpu_wake_latency lat;
    double n_sleep[CPU_GAP_BINS];
    double wake_cpu_ns[CPU_GAP_BINS];      /* the receiver's CPU per wake-up after a sleep in the bin
                                              (every thread, from its stamp to the next), mean; 0: too
                                              few samples */
    double n_cpu[CPU_GAP_BINS];
    double other_cpu;                      /* share of the reader's CPU other processes took (0..1) */
    double vcsw, elapsed_s;
    int n;
};
/* hog: with a busy child niced 10 on the reader's CPU for the run (the wake-up's cost under other
 * processes' work; see calib/wakeshare.h). */
int  calib_latency(const struct calib_env *e, int erlang, int hog, struct calib_latency_run *out, char *err, size_t errlen);
/* The quantiles of n samples (slept_ns: how long the receiver slept; lat_ns: its latency) into
 * out->lat and out->n_sleep, and the mean of their cpu_ns (the receiver's CPU for that wake-up;
 * < 0: not known; cpu_ns may be NULL) into out->wake_cpu_ns and out->n_cpu, by sleep bin; samples
 * that found the receiver awake (slept <= 0) count in `any` only. */
void calib_latency_table(const int64_t *slept_ns, const int64_t *lat_ns, const int64_t *cpu_ns, int n,
                         struct calib_latency_run *out);
/* ---- calib/procstat.c: the kernel's accounting, read from /proc. */
struct calib_task_totals { uint64_t cpu_ns, runs, vcsw, ivcsw; };
/* This process's threads except skip_tid (0: none): ns on the CPU (schedstat, user + system and
 * the softirq work that ran in their context), times scheduled in, voluntary and involuntary
 * context switches. */
void     calib_task_totals(int skip_tid, struct calib_task_totals *t);
/* Non-idle time of one CPU from /proc/stat (every process on it), ns; 0 if cpu < 0. */
uint64_t calib_cpu_busy_ns(int cpu);
/* Steal (/proc/stat: the hypervisor ran something else while the CPU wanted to run) of the
 * receiver's and the sender's CPU at a moment; calib_steal_since gives the larger of the two's
 * stolen share of the wall time since the mark (NAN if either CPU is not pinned). */
struct calib_steal_mark { int cpu_a, cpu_b; uint64_t a_ns, b_ns; struct timespec t; };
void     calib_steal_mark(int cpu_a, int cpu_b, struct calib_steal_mark *m);
double   calib_steal_since(const struct calib_steal_mark *m);
/* Waits until the hypervisor has taken at most max of CPU a's and of CPU b's time over `quiet_ms`,
 * for at most timeout_ms; 1 if such a spell was seen, 0 if not. */
int      calib_wait_steal_quiet(int a, int b, double max, int quiet_ms, int timeout_ms);
/* 1 if /proc/cpuinfo's text `text` says the CPUs are a hypervisor's guest (the "hypervisor" flag). */
int      calib_cpuinfo_is_guest(const char *text);
/* 1 if this machine is a guest whose hypervisor has reported no steal since boot: then the steal
 * rule sees nothing, whatever the host does (docs/experiments.md, "Steal"). */
int      calib_steal_unseen(void);

#endif
