/* CPU time from /proc/stat (see procstat.h): one parser for every reader of the host's load. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "procstat.h"

/* The eight fields of CPU `cpu`'s line (user nice system idle iowait irq softirq steal, in ns);
 * the number read, or -1 if there is no such line. */
static int read_line_ns(int cpu, uint64_t v[8])
{
    memset(v, 0, 8 * sizeof v[0]);
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    char want[16], line[512];
    if (cpu < 0) snprintf(want, sizeof want, "cpu ");
    else snprintf(want, sizeof want, "cpu%d ", cpu);
    int n = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, want, strlen(want)) != 0) continue;
        unsigned long long t[8] = { 0 };
        n = sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &t[0], &t[1], &t[2], &t[3], &t[4],
                   &t[5], &t[6], &t[7]);
        uint64_t tick = 1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK);     /* the fields are USER_HZ ticks */
        for (int i = 0; i < 8; i++) v[i] = t[i] * tick;
        break;
    }
    fclose(f);
    return n;
}

int procstat_cpu_ns(int cpu, uint64_t *busy, uint64_t *total)
{
    if (busy) *busy = 0;
    if (total) *total = 0;
    uint64_t v[8];
    if (read_line_ns(cpu, v) < 7) return -1;
    uint64_t b = v[0] + v[1] + v[2] + v[5] + v[6];
    if (busy) *busy = b;
    if (total) *total = b + v[3] + v[4];
    return 0;
}

uint64_t procstat_steal_ns(int cpu)
{
    uint64_t v[8];
    return read_line_ns(cpu, v) >= 8 ? v[7] : 0;
}
