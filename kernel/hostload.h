/* How busy the host was while a kernel run measured: the machine's non-idle CPU time and the run's
 * own processes' CPU time, so each result records the load it was taken under. */
#ifndef KERNEL_HOSTLOAD_H
#define KERNEL_HOSTLOAD_H
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

/* One reading. cpu_total_ns / cpu_busy_ns: every CPU's time from the "cpu" line of /proc/stat
 * (busy = all but idle and iowait); run_ns: the given processes' threads on a CPU (schedstat). */
struct hostload { uint64_t cpu_total_ns, cpu_busy_ns, run_ns; };

/* Read now; pids <= 0 are skipped. Returns 0, or -1 if /proc/stat cannot be read. */
int hostload_read(const pid_t *pids, int npids, struct hostload *h);

/* Shares of all CPUs' time between two readings: the whole host busy, the run's processes, and
 * everything else (the kernel's packet work outside the run's processes counts here). */
struct hostload_shares { double host_busy, run, other; };
struct hostload_shares hostload_between(const struct hostload *a, const struct hostload *b);

/* Waits until the host has been idle: the whole machine's busy share over one window of `window_s`
 * seconds at most `max_busy`, checking window after window for up to `timeout_s`.  For the runs
 * that measure the host's timing as well as TCP (the 100 Mbit/s cases, docs/validation.md), so
 * they start with nothing else on the CPUs.  Returns 0 when idle, 1 on timeout, -1 if /proc/stat
 * cannot be read or *stop was set; *busy gets the last window's share. */
int hostload_wait_idle(double max_busy, double window_s, double timeout_s, volatile sig_atomic_t *stop, double *busy);

#endif
