/* CUnit runner for every suite: tests/test_NAME.c registers itself via register_test_NAME(),
 * collected by the Makefile.  Exit status is non-zero if any assertion failed. */
#include <CUnit/Basic.h>
#include <stdio.h>

void ratelab_register_all(void);

int main(int argc, char **argv)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 2;
    ratelab_register_all();
    CU_basic_set_mode(CU_BRM_VERBOSE);
    if (argc > 1) {
        /* Run only the named suite, or one test of it: `run_tests SUITE [TEST]`. */
        CU_pSuite s = CU_get_suite(argv[1]);
        if (!s) { fprintf(stderr, "run_tests: no suite '%s'\n", argv[1]); CU_cleanup_registry(); return 2; }
        CU_pTest t = argc > 2 ? CU_get_test(s, argv[2]) : NULL;
        if (argc > 2 && !t) {
            fprintf(stderr, "run_tests: no test '%s' in suite '%s'\n", argv[2], argv[1]);
            CU_cleanup_registry();
            return 2;
        }
        if (t) CU_basic_run_test(s, t);
        else CU_basic_run_suite(s);
    } else {
        CU_basic_run_tests();
    }
    unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    unsigned run = CU_get_number_of_tests_run();
    CU_cleanup_registry();
    if (run == 0) { fprintf(stderr, "run_tests: no test ran\n"); return 1; }
    return failed ? 1 : 0;
}
