/* Test helpers for simulator suites: run an experiment with key=value overrides and read its
 * metrics, without going through files or the CLI. */
#ifndef TESTS_SIMUTIL_H
#define TESTS_SIMUTIL_H

#include "experiment.h"
#include "results.h"

/* Runs experiment `name` with "key=value" overrides (NULL-terminated); aborts the test run on a
 * bad key, since that is a bug in the test itself.  The caller frees res with result_free. */
int sim_test_run(const char *name, const char *const *overrides, struct run_result *res);

#endif
