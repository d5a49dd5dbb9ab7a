/* CPU time from /proc/stat, for the measurements that record how busy the host was: the kernel
 * engine (the whole machine over a run) and the calibration (the receiver's CPU over a point). */
#ifndef CONTRACT_PROCSTAT_H
#define CONTRACT_PROCSTAT_H
#include <stdint.h>

/* The line of CPU `cpu` (-1: the "cpu" line of all CPUs together), in ns: busy is all but idle
 * and iowait (user nice system irq softirq; steal is the hypervisor's), total adds idle and
 * iowait.  Either pointer may be NULL.  Returns 0, or -1 (both set to 0) if the line cannot be
 * read. */
int procstat_cpu_ns(int cpu, uint64_t *busy, uint64_t *total);
/* The time the hypervisor ran something else while CPU `cpu` wanted to run (steal), in ns; 0 if
 * the line cannot be read or has no steal field (no hypervisor, or an old kernel). */
uint64_t procstat_steal_ns(int cpu);

#endif
