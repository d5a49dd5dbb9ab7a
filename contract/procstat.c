/* CPU time from /proc/stat (see procstat.h): one parser for every reader of the host's load. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "procstat.h"

int procstat_cpu_ns(int cpu, uint64_t *busy, uint64_t *total)
{
    if (busy) *busy = 0;
    if (total) *total = 0;
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    char want[16], line[512];
    if (cpu < 0) snprintf(want, sizeof want, "cpu ");
    else snprintf(want, sizeof want, "cpu%d ", cpu);
    int rc = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, want, strlen(want)) != 0) continue;
        /* user nice system idle iowait irq softirq steal, in USER_HZ ticks */
        unsigned long long v[8] = { 0 };
        if (sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6], &v[7]) >= 7) {
            uint64_t tick = 1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK), b = (v[0] + v[1] + v[2] + v[5] + v[6]) * tick;
            if (busy) *busy = b;
            if (total) *total = b + (v[3] + v[4]) * tick;
            rc = 0;
        }
        break;
    }
    fclose(f);
    return rc;
}
