/* How busy the host was while a kernel run measured: the machine's non-idle CPU time and the run's
 * own processes' CPU time, so each result records the load it was taken under. */
#ifndef KERNEL_HOSTLOAD_H
#define KERNEL_HOSTLOAD_H
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

#endif
