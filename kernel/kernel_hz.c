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

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The jiffies counter as /proc/timer_list prints it (readable by root only), and when: the middle
 * of a read that took at most 1 ms (the file is long and this machine is shared, so a read can be
 * preempted; such a read is done again, up to 50 times). */
static int read_jiffies(unsigned long long *j, double *at)
{
    for (int attempt = 0; attempt < 50; attempt++) {
        double t0 = mono_s();
        FILE *f = fopen("/proc/timer_list", "r");
        if (!f) return -1;
        char line[256];
        int found = 0;
        while (!found && fgets(line, sizeof line, f)) found = sscanf(line, "jiffies: %llu", j) == 1;
        double t1 = mono_s();
        fclose(f);
        if (!found) return -1;
        if (t1 - t0 <= 1e-3) { *at = (t0 + t1) / 2; return 0; }
    }
    return -1;
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
    /* 300 ms of ticks: 75 at 250 Hz, 90 at 300; a tick's uncertainty (4 ms at 250 Hz) and half a
     * read at either end (1 ms) are 2 %, well inside kernel_hz_nearest's 5 %. */
    unsigned long long j0, j1;
    double t0, t1;
    if (read_jiffies(&j0, &t0) == 0) {
        nanosleep(&(struct timespec){ 0, 300000000 }, NULL);
        if (read_jiffies(&j1, &t1) == 0 && t1 > t0) {
            h->hz = kernel_hz_nearest((double)(j1 - j0) / (t1 - t0));
            snprintf(h->hz_source, sizeof h->hz_source, "measured from /proc/timer_list's jiffies");
            if (h->hz) return;
        }
    }
    snprintf(h->hz_source, sizeof h->hz_source, "no /boot/config-%s and /proc/timer_list unreadable", u.release);
}
