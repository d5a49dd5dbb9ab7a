/* The wake-up latency by sleep length: the calibration's samples binned by how long the receiver
 * slept, the bin a sleeping thread draws from, and the batching that follows, hand-computed. */
#include <stdint.h>
#include <string.h>
#include "testutil.h"
#include "cpu_tally.h"
#include "calib.h"
#include "simpoint.h"

static void set_const(struct cpu_latency *l, double ns)
{
    for (int q = 0; q < CPU_LAT_Q; q++) l->q_ns[q] = ns;
}

/* A sleep draws from its own bin; from the nearest measured one otherwise (the shorter on a tie;
 * a sleep beyond the measured range from the range's end); with no bin measured, from `any`. */
static void test_latency_bin_chosen_by_sleep(void)
{
    static struct cpu_wake_latency w;
    memset(&w, 0, sizeof w);
    set_const(&w.any, 5e6);
    CU_ASSERT_PTR_EQUAL(cpu_latency_for(&w, 200), &w.any);
    set_const(&w.by_sleep[8], 1e4);                      /* sleeps in [128, 256) us */
    set_const(&w.by_sleep[12], 1e6);                     /* sleeps in [2048, 4096) us */
    CU_ASSERT_PTR_EQUAL(cpu_latency_for(&w, 200), &w.by_sleep[8]);
    CU_ASSERT_PTR_EQUAL(cpu_latency_for(&w, 3000), &w.by_sleep[12]);
    CU_ASSERT_PTR_EQUAL(cpu_latency_for(&w, 50), &w.by_sleep[8]);      /* bin 6: shorter than measured */
    CU_ASSERT_PTR_EQUAL(cpu_latency_for(&w, 300), &w.by_sleep[8]);     /* bin 9: one from 8, three from 12 */
    CU_ASSERT_PTR_EQUAL(cpu_latency_for(&w, 600), &w.by_sleep[8]);     /* bin 10: two from each, the shorter */
    CU_ASSERT_PTR_EQUAL(cpu_latency_for(&w, 1500), &w.by_sleep[12]);   /* bin 11 */
    CU_ASSERT_PTR_EQUAL(cpu_latency_for(&w, 1e9), &w.by_sleep[12]);    /* longer than measured */
    ASSERT_ABS(cpu_latency_draw(cpu_latency_for(&w, 200), 0.5), 1e4, 0);
    /* stored by name as the calibration database and calib/shipped/ hold it */
    static struct cpu_calibration cal;
    memset(&cal, 0, sizeof cal);
    CU_ASSERT_EQUAL(cpu_calibration_set(&cal, PATH_C_EPOLL, "lat_s08_p50", 7e4), 0);
    CU_ASSERT_EQUAL(cpu_calibration_set(&cal, PATH_C_EPOLL, "lat_s13_p100", 9e5), 0);
    CU_ASSERT_EQUAL(cpu_calibration_set(&cal, PATH_C_EPOLL, "lat_s24_p50", 1), -1);   /* no such bin */
    CU_ASSERT_EQUAL(cpu_calibration_set(&cal, PATH_C_EPOLL, "lat_s08_p52", 1), -1);   /* not a 5 % step */
    ASSERT_ABS(cal.latency[PATH_C_EPOLL].by_sleep[8].q_ns[10], 7e4, 0);
    ASSERT_ABS(cal.latency[PATH_C_EPOLL].by_sleep[13].q_ns[20], 9e5, 0);
    CU_ASSERT(!cpu_latency_measured(&cal.latency[PATH_C_EPOLL].any));
}

/* Samples binned by the sleep: 40 after 200-us sleeps (latencies 1..40 us), 40 after 3-ms sleeps
 * (101..140 us), 10 after 600-us sleeps (too few for a bin: `any` only) and 5 that found the
 * receiver awake (slept <= 0: `any` only). */
static void test_latency_table_from_samples(void)
{
    int64_t slept[95], lat[95], cpu[95];
    int n = 0;
    for (int i = 0; i < 40; i++, n++) { slept[n] = 200000; lat[n] = (i + 1) * 1000; cpu[n] = i < 39 ? 40000 + 1000 * (i % 2) : -1; }
    for (int i = 0; i < 40; i++, n++) { slept[n] = 3000000; lat[n] = (101 + i) * 1000; cpu[n] = 90000; }
    for (int i = 0; i < 10; i++, n++) { slept[n] = 600000; lat[n] = 50000; cpu[n] = 60000; }
    for (int i = 0; i < 5; i++, n++) { slept[n] = -1000; lat[n] = 500; cpu[n] = 1000; }
    static struct calib_latency_run run;
    calib_latency_table(slept, lat, cpu, n, &run);
    /* the wake-up CPU: the mean of a bin's known samples (39 of bin 8: 20 x 40 us, 19 x 41 us) */
    ASSERT_ABS(run.wake_cpu_ns[8], (20 * 40000.0 + 19 * 41000.0) / 39, 1e-9);
    ASSERT_ABS(run.n_cpu[8], 39, 0);
    ASSERT_ABS(run.wake_cpu_ns[12], 90000, 0);
    ASSERT_ABS(run.wake_cpu_ns[10], 0, 0);                  /* 10 samples: too few */
    ASSERT_ABS(run.n_sleep[8], 40, 0);
    ASSERT_ABS(run.n_sleep[12], 40, 0);
    ASSERT_ABS(run.n_sleep[10], 0, 0);
    CU_ASSERT(!cpu_latency_measured(&run.lat.by_sleep[10]));
    ASSERT_ABS(run.lat.by_sleep[8].q_ns[0], 1000, 0);
    ASSERT_ABS(run.lat.by_sleep[8].q_ns[10], 21000, 0);    /* sample round(0.5 x 39) = 20 (from 0) */
    ASSERT_ABS(run.lat.by_sleep[8].q_ns[20], 40000, 0);
    ASSERT_ABS(run.lat.by_sleep[12].q_ns[10], 121000, 0);
    ASSERT_ABS(run.lat.any.q_ns[0], 500, 0);                /* every sample counts in `any` */
    ASSERT_ABS(run.lat.any.q_ns[20], 140000, 0);
    ASSERT_ABS(run.lat.any.q_ns[10], 50000, 0);             /* sample 47 of 95: among the ten 50-us ones */
}

/* A blocking reader (a thread of its own; one delivery per round), nothing costing CPU, 40
 * segments 300 us apart.  Sleep-blind 1-ms latency: each wake-up runs 1 ms later and reads the 4
 * segments that arrived since: 10 wake-ups.  The same 1 ms after long sleeps but 10 us after
 * sleeps under 512 us: the first wake-up (after sleeping since the start) reads 4 segments at
 * 1000 us; the thread then sleeps 200 us, wakes at 1210, sleeps 290 us, ... and reads every later
 * segment alone: 1 + 36 wake-ups, the deliveries 300 us apart. */
static void test_latency_by_sleep_batching(void)
{
    static struct cpu_calibration cal;
    memset(&cal, 0, sizeof cal);
    cal.os_wakes[PATH_C_BLOCKING] = 1;
    set_const(&cal.latency[PATH_C_BLOCKING].any, 1e6);
    for (int with_table = 0; with_table < 2; with_table++) {
        if (with_table) {
            set_const(&cal.latency[PATH_C_BLOCKING].by_sleep[8], 1e4);
            set_const(&cal.latency[PATH_C_BLOCKING].by_sleep[12], 1e6);
        }
        struct cpu_costs c;
        calib_costs_for_path(&c, &cal, PATH_C_BLOCKING, CLOCK_NONE);
        struct cpu_tally t = { { 0 }, { 0 } };
        struct cpu_recv r;
        cpu_recv_init(&r, &c, 1, cpu_tally_sink, &t);
        struct cpu_sock s;
        cpu_sock_init(&s, 0);
        for (int i = 0; i < 40; i++) cpu_recv_arrival(&r, &s, i * 300e3, 1460, 1);
        cpu_recv_advance(&r, 1e12);
        ASSERT_ABS(t.units[CPUF_SEGMENT], 40, 0);
        ASSERT_ABS(t.units[CPUF_WAKEUP], with_table ? 37 : 10, 0);
        ASSERT_ABS(t.units[CPUF_DELIVERY], with_table ? 37 : 10, 0);
        if (with_table) {
            CU_ASSERT_EQUAL(r.gaps[CPU_GAP_BINS - 1], 1);  /* the first: none before it */
            CU_ASSERT_EQUAL(r.gaps[8], 1);                  /* 1000 -> 1210 us */
            CU_ASSERT_EQUAL(r.gaps[9], 35);                 /* 300 us apart */
        } else {
            CU_ASSERT_EQUAL(r.gaps[11], 9);                 /* 1200 us apart */
        }
        cpu_sock_free(&s);
        cpu_recv_free(&r);
    }
}

void register_test_calib_latency(void);
void register_test_calib_latency(void)
{
    TEST_SUITE("calib_latency",
               TEST(test_latency_bin_chosen_by_sleep),
               TEST(test_latency_table_from_samples),
               TEST(test_latency_by_sleep_batching));
}
