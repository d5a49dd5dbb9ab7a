/* The wake-up's cost under other processes' work by the sleep before it: the per-bin slope of the
 * latency runs' wake-up CPU on the share (hand-computed), and the saturating form recovered from
 * synthetic slopes with known coefficients, with the checks that accept or refuse it. */
#include <string.h>
#include "testutil.h"
#include "wakeshare.h"

/* Bin 9 in four runs at shares 0, 0.5, 1, 1 with 10, 20, 31, 29 us: mean share 0.625, Sxx 0.6875,
 * Sxy 13.75 us, slope 20 us; residuals 0, 0, 1, -1 us: se = sqrt(2 us^2 / 2 / 0.6875) = 1.20605 us.
 * Bin 10 holds three runs only (too few); bin 11 the same CPU in every run at three shares (slope
 * 0, an exact fit: the floor of 1 ns as its standard error). */
static void test_wake_slopes_hand_computed(void)
{
    static struct calib_wake_series s;
    memset(&s, 0, sizeof s);
    const double share[4] = { 0, 0.5, 1, 1 }, cpu[4] = { 10e3, 20e3, 31e3, 29e3 };
    s.n = 4;
    for (int i = 0; i < 4; i++) {
        s.run[i].hog = i >= 2;
        s.run[i].share = share[i];
        s.run[i].cpu_ns[9] = cpu[i];
        s.run[i].cpu_ns[10] = i < 3 ? 5e3 : 0;
        s.run[i].cpu_ns[11] = 7e3;
    }
    static struct calib_wake_fit f;
    calib_wake_slopes(&s, &f);
    ASSERT_REL(f.delta_ns[9], 20e3, 1e-12);
    ASSERT_REL(f.se_ns[9], sqrt(2e6 / 2 / 0.6875), 1e-12);
    CU_ASSERT_EQUAL(f.runs[9], 4);
    ASSERT_ABS(f.se_ns[10], 0, 0);                       /* not measured */
    ASSERT_ABS(f.delta_ns[11], 0, 1e-9);
    ASSERT_ABS(f.se_ns[11], 1, 0);
    CU_ASSERT_EQUAL(f.n_bins, 2);
    CU_ASSERT(!f.supported);                             /* no bin of long sleeps */
    /* every run at shares 0.94-0.98 (the runs without the hog on a busy machine): no contrast,
     * no slope, whatever the CPU does */
    for (int i = 0; i < 4; i++) s.run[i].share = 0.94 + 0.01 * i;
    calib_wake_slopes(&s, &f);
    CU_ASSERT_EQUAL(f.n_bins, 0);
    ASSERT_ABS(f.se_ns[9], 0, 0);
}

static void set_slopes(struct calib_wake_fit *f, double max_ns, double tau_us, double se_ns)
{
    memset(f, 0, sizeof *f);
    for (int b = 7; b <= 14; b++) {                      /* sleeps of 64 us .. 16 ms, as the runs measure */
        f->delta_ns[b] = max_ns * (tau_us > 0 ? 1 - exp(-cpu_gap_bin_us(b) / tau_us) : 1);
        f->se_ns[b] = se_ns;
    }
}

/* Slopes made by the form itself, 60 us x (1 - exp(-slept / 1 ms)), give back 60 us and 1 ms (a
 * candidate of the grid) with chi^2 0; the constant misses by far (bin 7 is 0.12 of bin 14) and
 * the form is supported; long sleeps (bins 12..14) pool to their mean. */
static void test_wake_form_recovers_known(void)
{
    static struct calib_wake_fit f;
    set_slopes(&f, 60e3, 1000, 2e3);
    calib_wake_form(&f);
    ASSERT_REL(f.max_ns, 60e3, 1e-9);
    ASSERT_ABS(f.tau_us, 1000, 0);
    ASSERT_ABS(f.chisq, 0, 1e-9);
    CU_ASSERT(f.chisq_const > 100);
    ASSERT_ABS(f.within, 1, 0);
    double pooled = 0;
    for (int b = 12; b <= 14; b++) pooled += f.delta_ns[b] / 3;
    ASSERT_REL(f.long_ns, pooled, 1e-12);
    ASSERT_REL(f.long_se, 2e3 / sqrt(3), 1e-12);
    CU_ASSERT_EQUAL(f.supported, 1);
    ASSERT_REL(calib_wake_curve(&f, 3000), 60e3 * (1 - exp(-cpu_gap_bin_us(12) / 1000)), 1e-12);
}

/* The same cost after every sleep: the constant fits exactly and the form cannot beat it, so the
 * form is refused although the cost is clearly there; and slopes lost in their noise (5 us
 * against se 10 us) are refused for the long-sleep test. */
static void test_wake_form_refused(void)
{
    static struct calib_wake_fit f;
    set_slopes(&f, 50e3, 0, 2e3);
    calib_wake_form(&f);
    ASSERT_REL(f.const_ns, 50e3, 1e-12);
    ASSERT_ABS(f.chisq_const, 0, 1e-9);
    CU_ASSERT(f.long_ns - 1.96 * f.long_se > 0);
    CU_ASSERT_EQUAL(f.supported, 0);
    set_slopes(&f, 5e3, 1000, 10e3);
    calib_wake_form(&f);
    CU_ASSERT(f.long_ns - 1.96 * f.long_se <= 0);
    CU_ASSERT_EQUAL(f.supported, 0);
}

void register_test_calib_wakeshare(void);
void register_test_calib_wakeshare(void)
{
    TEST_SUITE("calib_wakeshare",
               TEST(test_wake_slopes_hand_computed),
               TEST(test_wake_form_recovers_known),
               TEST(test_wake_form_refused));
}
