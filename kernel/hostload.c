/* How busy the host was while a kernel run measured (see hostload.h).  On the shared machine the
 * 100/10 Mbit/s case's download fell with the other load (docs/validation.md), so it is recorded. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "hostload.h"
#include "procstat.h"

/* Sum of every thread's time on a CPU: the first field of /proc/PID/task/TID/schedstat.  The
 * delay line has threads; a process that has ended adds nothing. */
static uint64_t task_ns(pid_t pid)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    if (!d) return 0;
    uint64_t sum = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        char path[128];
        snprintf(path, sizeof path, "%s/%.32s/schedstat", dir, de->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        unsigned long long ns;
        if (fscanf(f, "%llu", &ns) == 1) sum += ns;
        fclose(f);
    }
    closedir(d);
    return sum;
}

int hostload_read(const pid_t *pids, int npids, struct hostload *h)
{
    memset(h, 0, sizeof *h);
    if (procstat_cpu_ns(-1, &h->cpu_busy_ns, &h->cpu_total_ns) != 0) return -1;
    for (int i = 0; i < npids; i++)
        if (pids[i] > 0) h->run_ns += task_ns(pids[i]);
    return 0;
}

struct hostload_shares hostload_between(const struct hostload *a, const struct hostload *b)
{
    struct hostload_shares s = { 0, 0, 0 };
    if (b->cpu_total_ns <= a->cpu_total_ns) return s;
    double total = (double)(b->cpu_total_ns - a->cpu_total_ns);
    s.host_busy = (double)(b->cpu_busy_ns - a->cpu_busy_ns) / total;
    s.run = b->run_ns > a->run_ns ? (double)(b->run_ns - a->run_ns) / total : 0.0;
    /* The two clocks differ (ticks against ns), so the run's share can exceed the busy share by
     * a tick's worth: other load is never negative. */
    s.other = s.host_busy > s.run ? s.host_busy - s.run : 0.0;
    return s;
}

int hostload_wait_idle(double max_busy, double window_s, double timeout_s, volatile sig_atomic_t *stop, double *busy)
{
    *busy = 1.0;
    for (double waited = 0; waited < timeout_s + window_s / 2; waited += window_s) {
        struct hostload a, b;
        if (hostload_read(NULL, 0, &a) != 0) return -1;
        /* In steps of 100 ms, so SIGINT ends the wait at once. */
        for (double t = 0; t < window_s && !*stop; t += 0.1) nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
        if (*stop || hostload_read(NULL, 0, &b) != 0) return -1;
        *busy = hostload_between(&a, &b).host_busy;
        if (*busy <= max_busy) return 0;
    }
    return 1;
}
