/* The receive path's CPU model: what a receiving process does with the data that reaches it
 * (which thread wakes, how long it takes to run, what one read round finds and delivers) and
 * what each of those steps costs, per receive path, from a calibration on real sockets
 * (`ratelab calibrate`); the shipped calibration is compiled in. */
#ifndef SIM_CPU_MODEL_H
#define SIM_CPU_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* What costs CPU.  WAKEUP: an OS thread of the receiver woken from sleep (a voluntary context
 * switch); COLD: the extra a segment's arrival costs when none came for long (see cpu_cold);
 * DELIVERY: data handed to the reading code (a recv call returning data, an active message, a
 * ready socket of epoll); SEGMENT: a data segment received (the kernel's per-segment work in the
 * receiver: copy, free, the ACK it sends); MESSAGE: a complete wire message framed and handled;
 * BYTE: a byte; RATE_*: a rate update with that clock; TICK: the 5-s tick; SWITCH: a socket-mode
 * switch; BASE: one second of the receiving process being alive (its own timers); CONN_COLD:
 * the extra a segment costs when its own connection had none for long (cpu_cold of the gap since
 * that connection's previous segment, time constant conn_tau_us): the connection's own state, its
 * socket and buffers and the Erlang process or C thread that reads it, is out of the caches
 * (measured: with COLD alone the fit under-predicts points with many slow connections and
 * over-predicts one fast connection at the same total rate). */
enum cpu_feat { CPUF_WAKEUP = 0, CPUF_COLD, CPUF_DELIVERY, CPUF_SEGMENT, CPUF_MESSAGE, CPUF_BYTE,
                CPUF_RATE_MONO, CPUF_RATE_LOCALTIME, CPUF_TICK, CPUF_SWITCH, CPUF_BASE, CPUF_CONN_COLD, CPUF__N };
extern const char *const cpu_feat_name[CPUF__N];

/* A segment's gap: the time since the previous segment reached the receiver (any of its
 * connections).  A receiver that had nothing to do for long finds its caches and TLB refilled by
 * other work and pays more for the next segment: COLD is charged cpu_cold(gap) times per segment.
 * (The gap of a delivery, since the receiver's previous delivery, is binned the same way: the
 * receivers count it, and it checks the simulated batching.)  Calibration and simulator bin gaps
 * alike: bin 0 holds gaps under 1 us, bin k (1 .. N-2) gaps in [2^(k-1), 2^k) us, the last bin the
 * rest. */
#define CPU_GAP_BINS 24
int    cpu_gap_bin(double gap_us);
double cpu_gap_bin_us(int bin);              /* the bin's representative gap (geometric middle), us */
/* 1 - exp(-gap / tau) at the representative gap of the gap's bin: 0 warm .. 1 cold. */
double cpu_cold(double gap_us, double tau_us);

/* The calibrated receive paths: etorrent's three Erlang modes and three C readers. */
enum cpu_path { PATH_ERL_PASSIVE = 0, PATH_ERL_ACTIVE, PATH_ERL_PACKET4,
                PATH_C_BLOCKING, PATH_C_EPOLL, PATH_C_HDRBODY, PATH__N };
extern const char *const cpu_path_name[PATH__N];

/* How a path turns what a read round finds into deliveries (facts of the runtimes, not fitted):
 * ROUND one per round of its own thread (a blocking recv into a large buffer); SOCKET one per
 * ready socket (epoll); CHUNK one per chunk_bytes or part of it (Erlang's inet driver reads into
 * a 1460-byte buffer by default); MESSAGE msg_deliveries per complete message ({packet,4}: one
 * message; header-then-body: two recv calls), charged as messages complete. */
enum cpu_deliver { DELIVER_ROUND = 0, DELIVER_SOCKET, DELIVER_CHUNK, DELIVER_MESSAGE };
struct cpu_mech {
    int              thread_per_conn;        /* 1: a thread per connection; 0: one for all     */
    enum cpu_deliver deliver;
    double           chunk_bytes;
    double           msg_deliveries;
    int              tick_wakes;             /* the 5-s tick is a timer that wakes the receiver */
    int              poll_thread;            /* a thread of its own waits for the sockets' events
                                                and wakes for data a busy reader has not yet
                                                taken (os_wakes_seg applies) */
};
extern const struct cpu_mech cpu_path_mech[PATH__N];

/* A profile maps the simulator's three socket modes (passive, active, packet4) onto paths:
 * erlang: the Erlang modes themselves; c: blocking recv, epoll reads, header-then-body reads. */
enum cpu_profile_kind { CPU_PROFILE_ERLANG = 0, CPU_PROFILE_C, CPU_PROFILE__N };
extern const char *const cpu_profile_name[CPU_PROFILE__N + 1];   /* NULL-terminated, for enums */

/* Latency from data reaching a sleeping receiver to its reading code running, as quantiles at
 * 0, 5, ..., 100 % (measured: a blocked C thread; the Erlang VM's poll thread and scheduler). */
#define CPU_LAT_Q 21
struct cpu_latency { double q_ns[CPU_LAT_Q]; };
double cpu_latency_draw(const struct cpu_latency *l, double u);   /* u in [0, 1): inverse CDF */
/* The latency depends on how long the thread slept (measured: a thread woken after a few hundred
 * us of sleep runs sooner than one woken after milliseconds), so it is measured by the sleep's
 * length, binned as gaps (cpu_gap_bin).  On an otherwise idle CPU of this machine (a virtual
 * machine with no cpuidle driver) the pace matters more than this one sleep: in a paced stream a
 * reader whose sleeps stay under ~200 us is woken in ~20 us, one whose sleeps are longer in
 * ~80 us, the step of the hypervisor's adaptive halt polling; with other processes on the CPU
 * the step is gone and the in-stream latency is no lighter than this table (not modelled yet, see
 * docs/experiments.md):
 * by_sleep[k] holds the quantiles after sleeps in bin k, all zero where none were measured; any:
 * the quantiles over every sleep (calibrations before the table have only these). */
struct cpu_wake_latency {
    struct cpu_latency any;
    struct cpu_latency by_sleep[CPU_GAP_BINS];
};
int  cpu_latency_measured(const struct cpu_latency *l);       /* 1: holds quantiles (not all zero) */
/* The quantiles a thread that slept slept_us draws from: its sleep's bin, else the nearest
 * measured bin (a sleep beyond the measured range takes the range's end), else `any`. */
const struct cpu_latency *cpu_latency_for(const struct cpu_wake_latency *w, double slept_us);

struct cpu_calibration {
    long   id;                              /* 0: the shipped calibration                */
    char   label[96];                       /* machine and date, for reports             */
    double ns[PATH__N][CPUF__N];            /* cost per unit; 0 where a path has no such cost */
    double os_wakes[PATH__N];               /* OS thread wake-ups per wake-up of the receiver */
    double os_wakes_seg[PATH__N];           /* ... and per segment received, woken or not (the
                                               Erlang VM's poll thread wakes for data that reaches a
                                               busy scheduler too) */
    double cold_tau_us[PATH__N];            /* the cold-cache time constant of COLD       */
    double conn_tau_us[PATH__N];            /* ... of CONN_COLD                           */
    double interference[PATH__N];           /* every cost is (1 + interference x the share of the
                                               receiver's CPU that other processes took) times
                                               its own: their work evicts the receiver's caches */
    double other_ref[PATH__N];              /* the share a run's costs assume: the median over the
                                               fit's measurements (the machine as it was fitted) */
    struct cpu_wake_latency latency[PATH__N];
};

/* The costs and mechanisms one run uses, per socket mode (0 passive, 1 active, 2 packet4). */
struct cpu_costs {
    double             ns[3][CPUF__N];
    double             base_ns_per_s;       /* the process, once per second                */
    struct cpu_mech    mech[3];
    double             os_wakes[3], os_wakes_seg[3], cold_tau_us[3], conn_tau_us[3];
    struct cpu_wake_latency latency[3];
};

/* ---- the receiving process as the simulator runs it.  Every thread is asleep, woken (it runs
 * after a latency drawn from the distribution measured after a sleep as long as its own, and on the one CPU the process has, not
 * before the CPU is free), or busy for the CPU charged to it.  Data reaching a sleeping thread
 * wakes it; data reaching a woken or busy one is read in its current or next read round without
 * a wake-up.  A round reads everything its sockets hold and charges the path's deliveries,
 * segments (each with its COLD share) and bytes.  Rounds run lazily: each call first runs every
 * round due by its time. */
enum cpu_thread_state { CPU_ASLEEP = 0, CPU_WOKEN, CPU_BUSY };
struct cpu_sock;
struct cpu_thread {
    enum cpu_thread_state state;
    double            at_ns;                /* WOKEN: runs then; BUSY: its work ends then      */
    double            debt_ns;              /* CPU charged while woken, spent when it runs      */
    double            asleep_ns;            /* ASLEEP: since then (-1e18: from the start)       */
    struct cpu_sock **pend;                 /* sockets with data for its next round            */
    size_t            n_pend, cap_pend;
    int               active;               /* listed in the process's active threads          */
};
struct cpu_sock {
    int               mode;                 /* socket mode now (0 passive, 1 active, 2 packet4) */
    double            bytes, segs, cold;    /* arrived, not yet read; the segments' cold shares  */
    double            conn_cold;            /* ... their shares cold for their connection        */
    double            last_arrival_ns;      /* its previous segment (-1e18: none yet)            */
    int               pending;              /* listed in its thread's pend                      */
    struct cpu_thread own;                  /* its thread, for thread-per-connection paths      */
};
/* Where charged CPU goes: feature, units, ns, and when (the run's totals and per-second series). */
typedef void (*cpu_sink)(void *ctx, enum cpu_feat k, double units, double ns, double t_ns);
struct cpu_recv {
    const struct cpu_costs *costs;
    cpu_sink          sink;
    void             *sink_ctx;
    struct cpu_thread shared;               /* the VM / the epoll thread                        */
    struct cpu_thread **act;                /* threads not asleep                               */
    size_t            n_act, cap_act;
    double            cpu_free_ns;          /* the process's CPU is busy until then             */
    double            last_delivery_ns, last_arrival_ns;
    uint64_t          rng;                  /* latency draws (splitmix64)                       */
    uint64_t          gaps[CPU_GAP_BINS];   /* deliveries by gap, as the receivers count them  */
    uint64_t          wakes;                /* sleeping threads woken                           */
};
void cpu_recv_init(struct cpu_recv *r, const struct cpu_costs *c, uint64_t seed, cpu_sink sink, void *ctx);
void cpu_recv_free(struct cpu_recv *r);
void cpu_sock_init(struct cpu_sock *s, int mode);
/* Frees what the socket's own thread holds (thread-per-connection paths). */
void cpu_sock_free(struct cpu_sock *s);
/* bytes (0: a timer) reach socket s at now_ns; segs of them as segments. */
void cpu_recv_arrival(struct cpu_recv *r, struct cpu_sock *s, double now_ns, double bytes, double segs);
/* A complete message on s at now_ns (charges MESSAGE, and the deliveries of MESSAGE paths). */
void cpu_recv_message(struct cpu_recv *r, struct cpu_sock *s, double now_ns);
/* Charge units of k on s (NULL: the process, e.g. BASE) at now_ns; a running thread is busy longer. */
void cpu_recv_charge(struct cpu_recv *r, struct cpu_sock *s, enum cpu_feat k, double units, double now_ns);
/* Run every round due by now_ns (before reading totals). */
void cpu_recv_advance(struct cpu_recv *r, double now_ns);
/* The socket's mode changes (its data so far is read under the old one). */
void cpu_sock_set_mode(struct cpu_recv *r, struct cpu_sock *s, int mode, double now_ns);

/* The factor 1 + gamma x other_share on every cost (other_share: the share of the receiver's CPU
 * other processes took, 0..1; not a number counts as 0). */
double cpu_interference(double gamma, double other_share);

/* The calibration compiled in from calib/shipped/coefficients.csv (id 0). */
void cpu_calibration_shipped(struct cpu_calibration *out);
/* Loader for calibration ids other than 0, installed by the program (it reads the calibration
 * database); NULL: only the shipped calibration exists.  Returns 0 or -1 with err. */
typedef int (*cpu_calibration_loader)(long id, struct cpu_calibration *out, char *err, size_t errlen);
void cpu_calibration_set_loader(cpu_calibration_loader f);
int  cpu_calibration_get(long id, struct cpu_calibration *out, char *err, size_t errlen);
/* Set one named value of path p ("wakeup" .. "conn_cold", "os_wakes", "os_wakes_seg", "cold_tau_us", "conn_tau_us", "interference", "other_ref", "lat_p00" ..
 * "lat_p100" (any sleep), "lat_sKK_p00" .. "lat_sKK_p100" (sleeps in gap bin KK)); 0, or -1 if the name is unknown. */
int  cpu_calibration_set(struct cpu_calibration *cal, int p, const char *name, double v);
/* The costs of a profile under a calibration, at its reference load (each path's costs times
 * cpu_interference(interference, other_ref)); the rate-update feature of `clock_localtime`'s
 * choice is the one charged (the other is zeroed). */
void cpu_costs_from(struct cpu_costs *c, const struct cpu_calibration *cal, enum cpu_profile_kind prof,
                    int clock_localtime);
/* Which path serves socket mode m (0 passive, 1 active, 2 packet4) under a profile. */
enum cpu_path cpu_profile_path(enum cpu_profile_kind prof, int mode);
int  cpu_path_find(const char *name);       /* -1 if unknown */
int  cpu_feat_find(const char *name);       /* -1 if unknown */

#endif
