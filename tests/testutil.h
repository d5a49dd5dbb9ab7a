/* Small helpers shared by the CUnit suites: suite registration and tolerance asserts.
 * Tolerances are always stated relative to an analytic value the test names. */
#ifndef TESTS_TESTUTIL_H
#define TESTS_TESTUTIL_H

#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>

#define TEST_SUITE(name, ...) do { \
        CU_pSuite s_ = CU_add_suite(name, NULL, NULL); \
        struct { const char *n; CU_TestFunc f; } t_[] = { __VA_ARGS__ }; \
        for (size_t i_ = 0; i_ < sizeof t_ / sizeof t_[0]; i_++) CU_add_test(s_, t_[i_].n, t_[i_].f); \
    } while (0)
#define TEST(f) { #f, f }

/* |got - want| <= rel * |want|, printing both on failure. */
#define ASSERT_REL(got, want, rel) do { \
        double g_ = (got), w_ = (want); \
        if (!(fabs(g_ - w_) <= (rel) * fabs(w_))) \
            fprintf(stderr, "\n    %s:%d: got %.6g, want %.6g (rel %.3g)\n", __FILE__, __LINE__, g_, w_, (double)(rel)); \
        CU_ASSERT(fabs(g_ - w_) <= (rel) * fabs(w_)); \
    } while (0)
#define ASSERT_ABS(got, want, tol) do { \
        double g_ = (got), w_ = (want); \
        if (!(fabs(g_ - w_) <= (tol))) \
            fprintf(stderr, "\n    %s:%d: got %.6g, want %.6g (abs %.3g)\n", __FILE__, __LINE__, g_, w_, (double)(tol)); \
        CU_ASSERT(fabs(g_ - w_) <= (tol)); \
    } while (0)

#endif
