/* The kernel's accounting a calibration point reads from /proc: per-thread CPU, runs and context
 * switches of the receiver (its own threads), and how busy its CPU was with everything else. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "calib.h"
#include "procstat.h"

static void add_status(const char *dir, struct calib_task_totals *t)
{
    char path[320], line[256];
    snprintf(path, sizeof path, "%s/status", dir);
    FILE *f = fopen(path, "r");
    if (!f) return;
    unsigned long long v;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "voluntary_ctxt_switches: %llu", &v) == 1) t->vcsw += v;
        else if (sscanf(line, "nonvoluntary_ctxt_switches: %llu", &v) == 1) t->ivcsw += v;
    }
    fclose(f);
}

void calib_task_totals(int skip_tid, struct calib_task_totals *t)
{
    memset(t, 0, sizeof *t);
    DIR *d = opendir("/proc/self/task");
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || atoi(de->d_name) == skip_tid) continue;
        char dir[300], path[320];
        snprintf(dir, sizeof dir, "/proc/self/task/%s", de->d_name);
        snprintf(path, sizeof path, "%s/schedstat", dir);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        unsigned long long ns, wait, n;
        if (fscanf(f, "%llu %llu %llu", &ns, &wait, &n) == 3) { t->cpu_ns += ns; t->runs += n; }
        fclose(f);
        add_status(dir, t);
    }
    closedir(d);
}

uint64_t calib_cpu_busy_ns(int cpu)
{
    uint64_t busy = 0;
    if (cpu >= 0) procstat_cpu_ns(cpu, &busy, NULL);
    return busy;
}

void calib_steal_mark(int cpu_a, int cpu_b, struct calib_steal_mark *m)
{
    m->cpu_a = cpu_a;
    m->cpu_b = cpu_b;
    m->a_ns = procstat_steal_ns(cpu_a);
    m->b_ns = procstat_steal_ns(cpu_b);
    clock_gettime(CLOCK_MONOTONIC, &m->t);
}

double calib_steal_since(const struct calib_steal_mark *m)
{
    struct calib_steal_mark now;
    calib_steal_mark(m->cpu_a, m->cpu_b, &now);
    double wall = (double)(now.t.tv_sec - m->t.tv_sec) * 1e9 + (double)(now.t.tv_nsec - m->t.tv_nsec);
    if (m->cpu_a < 0 || m->cpu_b < 0 || !(wall > 0)) return NAN;
    return fmax((double)(now.a_ns - m->a_ns), (double)(now.b_ns - m->b_ns)) / wall;
}

int calib_cpuinfo_is_guest(const char *text)
{
    /* x86's cpuinfo lists the CPUID "hypervisor" bit as a word of each CPU's flags line */
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        if (strncmp(line, "flags", 5) == 0)
            for (const char *w = line; (w = strstr(w, "hypervisor")) != NULL && w < line + len; w += 10) {
                char after = w + 10 < line + len ? w[10] : ' ';
                if (w[-1] == ' ' && (after == ' ' || after == '\t')) return 1;
            }
        line += len + (end != NULL);
    }
    return 0;
}

int calib_steal_unseen(void)
{
    /* line by line, as the machine's description reads it; a flags line is under 2 kB today */
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return 0;
    char line[8192];
    int guest = 0;
    while (!guest && fgets(line, sizeof line, f)) guest = calib_cpuinfo_is_guest(line);
    fclose(f);
    return guest && procstat_steal_ns(-1) == 0;
}

int calib_wait_steal_quiet(int a, int b, double max, int quiet_ms, int timeout_ms)
{
    if (a < 0 || b < 0 || max >= 1) return 1;
    for (int waited = 0; waited <= timeout_ms; waited += quiet_ms) {
        struct calib_steal_mark m;
        calib_steal_mark(a, b, &m);
        usleep((useconds_t)quiet_ms * 1000);
        if (calib_steal_since(&m) <= max) return 1;
    }
    return 0;
}
