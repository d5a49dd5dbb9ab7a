/* The receive path's CPU model: nanoseconds per wake-up/delivery, recv call, segment read,
 * message, byte, rate update (per clock), tick, mode switch and second, per receive path, from a
 * calibration on real sockets (`ratelab calibrate`); the shipped one is compiled in. */
#ifndef SIM_CPU_MODEL_H
#define SIM_CPU_MODEL_H

#include <stddef.h>

/* What costs CPU.  WAKEUP: the process scheduled in because data arrived while it slept (see
 * struct cpu_proc); EVENT: a delivery to the process (an active message, a ready socket);
 * RECV: a recv call returning data;
 * SEGMENT: a segment the runtime reads on its own ({packet,4}); MESSAGE: a complete message
 * handled; BYTE: a byte copied and framed; RATE_*: a rate update with that clock; TICK: the 5-s
 * tick; SWITCH: a socket-mode switch; BASE: one second of the receiving process being alive. */
enum cpu_feat { CPUF_WAKEUP = 0, CPUF_EVENT, CPUF_RECV, CPUF_SEGMENT, CPUF_MESSAGE, CPUF_BYTE,
                CPUF_RATE_MONO, CPUF_RATE_LOCALTIME, CPUF_TICK, CPUF_SWITCH, CPUF_BASE, CPUF__N };
extern const char *const cpu_feat_name[CPUF__N];

/* The calibrated receive paths: etorrent's three Erlang modes and three C readers. */
enum cpu_path { PATH_ERL_PASSIVE = 0, PATH_ERL_ACTIVE, PATH_ERL_PACKET4,
                PATH_C_BLOCKING, PATH_C_EPOLL, PATH_C_HDRBODY, PATH__N };
extern const char *const cpu_path_name[PATH__N];

/* A profile maps the simulator's three socket modes (passive, active, packet4) onto paths:
 * erlang: the Erlang modes themselves; c: blocking recv, epoll reads, header-then-body reads. */
enum cpu_profile_kind { CPU_PROFILE_ERLANG = 0, CPU_PROFILE_C, CPU_PROFILE__N };
extern const char *const cpu_profile_name[CPU_PROFILE__N + 1];   /* NULL-terminated, for enums */

struct cpu_calibration {
    long   id;                              /* 0: the shipped calibration                */
    char   label[96];                       /* machine and date, for reports             */
    double ns[PATH__N][CPUF__N];            /* cost per unit; 0 where a path has no such cost */
    double wake_latency_ns;                 /* data arrival to the sleeping reader running (measured) */
};

/* The costs one run charges: per socket mode (0 passive, 1 active, 2 packet4) and feature. */
struct cpu_costs {
    double ns[3][CPUF__N];
    double base_ns_per_s;                   /* the process, once per second                */
    int    thread_per_conn[3];              /* 1: each connection has its own thread       */
    double wake_latency_ns;
};

/* A receiving thread as a single server: it is busy for the CPU charged to it; data arriving
 * while it is busy is handled in the same run, data arriving while it sleeps wakes it (one
 * WAKEUP).  On this machine the wake-up dominates the cost of a slow socket. */
struct cpu_proc { double busy_until_ns; unsigned long wake_id; };
/* An arrival at now_ns: if it finds the thread asleep the thread is woken (returns 1: the
 * caller charges a WAKEUP) and counts as busy from now through the wake-up latency, so data
 * arriving before it runs is read in the same run. */
int  cpu_proc_arrival(struct cpu_proc *p, double now_ns, double wake_latency_ns);
void cpu_proc_busy(struct cpu_proc *p, double now_ns, double ns);
/* 1 if a read for one socket at now_ns is a new read round: the socket's last read (its round
 * id in *last) was not in the thread's current run.  Data that arrives while the thread is
 * still busy with its run joins the read already made for that socket. */
int  cpu_proc_new_read(const struct cpu_proc *p, double now_ns, unsigned long *last);

/* The calibration compiled in from calib/shipped/coefficients.csv (id 0). */
void cpu_calibration_shipped(struct cpu_calibration *out);
/* Loader for calibration ids other than 0, installed by the program (it reads the calibration
 * database); NULL: only the shipped calibration exists.  Returns 0 or -1 with err. */
typedef int (*cpu_calibration_loader)(long id, struct cpu_calibration *out, char *err, size_t errlen);
void cpu_calibration_set_loader(cpu_calibration_loader f);
int  cpu_calibration_get(long id, struct cpu_calibration *out, char *err, size_t errlen);
/* The costs of a profile under a calibration; the rate-update feature of `clock_localtime`'s
 * choice is the one charged (the other is zeroed). */
void cpu_costs_from(struct cpu_costs *c, const struct cpu_calibration *cal, enum cpu_profile_kind prof,
                    int clock_localtime);
/* Which path serves socket mode m (0 passive, 1 active, 2 packet4) under a profile. */
enum cpu_path cpu_profile_path(enum cpu_profile_kind prof, int mode);
int  cpu_path_find(const char *name);       /* -1 if unknown */
int  cpu_feat_find(const char *name);       /* -1 if unknown */

#endif
