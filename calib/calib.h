/* Calibration of the receive-path CPU model on real sockets: the receiver paths, the paced
 * sender, one measured point, the least-squares fit and the plan `ratelab calibrate` runs. */
#ifndef CALIB_CALIB_H
#define CALIB_CALIB_H

#include <stddef.h>
#include <stdint.h>
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
/* Fill buf with the next n bytes of the stream at time now_s. */
void   bt_stream_fill(struct bt_stream *s, uint8_t *buf, size_t n, double now_s);

/* ---- calib/recv_c.c: the C receivers.  Listens, writes "PORT n\n" to out_fd, accepts conns,
 * measures one window and writes one "RESULT k=v ..." line.  Returns 0, or -1 with a message. */
int calib_recv_c_run(const struct calib_spec *sp, int out_fd);

/* ---- calib/point.c: run one point (receiver pinned to one CPU, sender to the other). */
struct calib_env {
    char escript[4096];          /* path of recv_erlang.escript; "" if Erlang is unavailable */
    int  have_erlang;
    int  cpu_recv, cpu_send;     /* -1: no pinning */
};
int  calib_env_init(struct calib_env *e, const char *escript_override, char *err, size_t errlen);
int  calib_run_point(const struct calib_env *e, const struct calib_spec *sp, struct calib_meas *m,
                     char *err, size_t errlen);
/* Parse a "RESULT k=v ..." line into m. */
int  calib_parse_result(const char *line, struct calib_meas *m);
/* Micro-benchmarks: ns per rate update with each clock, per clock read, per mode switch.
 * Erlang through the escript, C in process. */
struct calib_bench {
    double rate_update_ns[CLOCK__N];   /* index CLOCK_MONO / CLOCK_LOCALTIME */
    double clock_ns[CLOCK__N];
    double switch_ns;
    double wake_latency_ns;            /* C: median, a byte sent on one CPU to recv() returning on the other */
    char   runtime[64];
};
int  calib_bench_erlang(const struct calib_env *e, struct calib_bench *b, char *err, size_t errlen);
void calib_bench_c(const struct calib_env *e, struct calib_bench *b);
/* The kernel's accounting of this process: CPU ns and run count summed over its threads. */
void calib_task_schedstat(uint64_t *cpu_ns, uint64_t *runs);

#endif
