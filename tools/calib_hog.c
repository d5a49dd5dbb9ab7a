/* A CPU hog for controlled interference measurements (tools/calib_interference.sh): pinned to one
 * CPU, busy for DUTY x PERIOD of every period, either in a register loop or walking a buffer. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop;
static void on_term(int s) { (void)s; stop = 1; }

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static double number(const char *s, const char *what)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end) { fprintf(stderr, "calib_hog: %s: not a number: '%s'\n", what, s); exit(2); }
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: calib_hog CPU DUTY(0..1) PERIOD_US spin|mem [MEM_MIB, default 64]\n");
        return 2;
    }
    double cpu = number(argv[1], "CPU"), duty = number(argv[2], "DUTY"), period_us = number(argv[3], "PERIOD_US");
    double mib = argc > 5 ? number(argv[5], "MEM_MIB") : 64;
    int mem = !strcmp(argv[4], "mem");
    if (!mem && strcmp(argv[4], "spin")) { fprintf(stderr, "calib_hog: kind: spin or mem, not '%s'\n", argv[4]); return 2; }
    if (cpu < 0 || cpu >= CPU_SETSIZE || cpu != (int)cpu) { fprintf(stderr, "calib_hog: CPU: not a CPU number: %s\n", argv[1]); return 2; }
    if (duty < 0 || duty > 1) { fprintf(stderr, "calib_hog: DUTY: 0..1, not %s\n", argv[2]); return 2; }
    if (period_us < 100 || period_us > 1e7) { fprintf(stderr, "calib_hog: PERIOD_US: 100..1e7, not %s\n", argv[3]); return 2; }
    if (mib < 1 || mib > 4096) { fprintf(stderr, "calib_hog: MEM_MIB: 1..4096, not %s\n", argv[5]); return 2; }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) { perror("calib_hog: sched_setaffinity"); return 1; }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    size_t len = (size_t)mib << 20, pos = 0;
    unsigned char *buf = NULL;
    if (mem) {
        if (!(buf = malloc(len))) { perror("calib_hog: malloc"); return 1; }
        memset(buf, 1, len);
    }
    volatile uint64_t sink = 0;
    int64_t period = (int64_t)(period_us * 1000), start = now_ns();
    while (!stop) {
        int64_t busy_end = start + (int64_t)(duty * (double)period);
        while (!stop && now_ns() < busy_end) {
            if (mem) /* one read-modify-write per 64-byte line: evicts the caches and the TLB */
                for (int k = 0; k < 256; k++) { buf[pos] += 1; if ((pos += 64) >= len) pos = 0; }
            else     /* registers only: takes the CPU, leaves the caches alone */
                for (int k = 0; k < 1000; k++) sink += (uint64_t)k;
        }
        start += period;
        if (duty < 1) {
            struct timespec t = { (time_t)(start / 1000000000), (long)(start % 1000000000) };
            while (!stop && clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR) {}
        }
    }
    free(buf);
    return 0;
}
