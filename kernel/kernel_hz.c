/* The running kernel's CONFIG_HZ, which no socket or route option changes: read from the kernel's
 * build configuration where it is installed, else measured from the jiffies counter. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include "kernel.h"

int kernel_hz_from_config(FILE *f)
{
    char line[256];
    while (fgets(line, sizeof line, f)) {
        char *end;
        if (strncmp(line, "CONFIG_HZ=", 10) != 0) continue;
        long hz = strtol(line + 10, &end, 10);
        if (end != line + 10 && (*end == '\n' || *end == 0) && hz > 0 && hz <= 100000) return (int)hz;
    }
    return 0;
}

int kernel_hz_nearest(double ticks_per_s)
{
    /* The values Linux's Kconfig offers (kernel/Kconfig.hz); 250 and 300 are 18 % apart. */
    static const int choices[] = { 100, 250, 300, 1000 };
    for (size_t i = 0; i < sizeof choices / sizeof choices[0]; i++)
        if (ticks_per_s > choices[i] * 0.95 && ticks_per_s < choices[i] * 1.05) return choices[i];
    return 0;
}

/* The jiffies counter as /proc/timer_list prints it (readable by root only). */
static int read_jiffies(unsigned long long *j, double *at)
{
    FILE *f = fopen("/proc/timer_list", "r");
    if (!f) return -1;
    char line[256];
    int ok = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "jiffies: %llu", j) == 1) { ok = 0; break; }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    *at = (double)ts.tv_sec + ts.tv_nsec / 1e9;
    fclose(f);
    return ok;
}

void kernel_host_probe(struct kernel_host *h)
{
    memset(h, 0, sizeof *h);
    struct utsname u;
    if (uname(&u) == 0) {
        snprintf(h->hz_source, sizeof h->hz_source, "/boot/config-%s", u.release);
        FILE *f = fopen(h->hz_source, "r");
        if (f) {
            h->hz = kernel_hz_from_config(f);
            fclose(f);
            if (h->hz) return;
        }
    }
    /* 200 ms of ticks: 50 at 250 Hz, 60 at 300, so one tick's uncertainty at either end and the
     * reads' own time stay well inside kernel_hz_nearest's 5 %. */
    unsigned long long j0, j1;
    double t0, t1;
    if (read_jiffies(&j0, &t0) == 0) {
        nanosleep(&(struct timespec){ 0, 200000000 }, NULL);
        if (read_jiffies(&j1, &t1) == 0 && t1 > t0) {
            h->hz = kernel_hz_nearest((double)(j1 - j0) / (t1 - t0));
            snprintf(h->hz_source, sizeof h->hz_source, "measured from /proc/timer_list's jiffies");
            if (h->hz) return;
        }
    }
    snprintf(h->hz_source, sizeof h->hz_source, "no /boot/config-%s and /proc/timer_list unreadable", u.release);
}
