/* tools/validate.sh (make validate) without root: which kernel runs it would do for a grid and a
 * committed kernel dump (VALIDATE_DRY_RUN=1), and its refusals of bad settings. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char tree[64];

/* A copy of the script in a tree of its own with a tiny grid and kernel dump.  The dump holds
 * only the columns the dry run reads: gaps lacks seeds 3 (a simulator row), 5 (a failed run) and
 * 6; full has 1..3 and a seed beyond its repetitions; other has both; fresh has none. */
static void make_tree(const char *grid)
{
    snprintf(tree, sizeof tree, "/tmp/ratelab-validate-%d", (int)getpid());
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/tools %s/validation && cp tools/validate.sh %s/tools/", tree, tree,
             tree, tree);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/validation/grid.txt", tree);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(grid, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/validation/kernel.sql", tree);
    f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("CREATE TABLE runs (scenario TEXT, seed INTEGER, engine TEXT, failure TEXT);\n"
          "INSERT INTO runs VALUES ('full',1,'kernel',NULL),('full',2,'kernel',NULL),('full',3,'kernel',NULL),\n"
          "  ('full',4,'kernel',NULL),('gaps',1,'kernel',NULL),('gaps',2,'kernel',NULL),('gaps',3,'sim',NULL),\n"
          "  ('gaps',4,'kernel',NULL),('gaps',5,'kernel','agent lost'),('other',1,'kernel',NULL),('other',2,'kernel',NULL);\n",
          f);
    fclose(f);
}

static void remove_tree(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tree);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static const char *grid_ok = "# name reps keys\n"
                             "full   3  down_kbps=1024\n"
                             "\n"
                             "gaps   6  down_kbps=8000 n_up=1\n"
                             "fresh  2  solo  down_kbps=100000\n"
                             "other  2  down_kbps=8000\n";

/* Runs the script with ENV (VAR=VALUE ...) and nothing else of the caller's VALIDATE_* settings;
 * stdout and stderr into out, returns the exit status. */
static int validate(const char *env, char *out, size_t len)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "env -u VALIDATE_KERNEL -u VALIDATE_KERNEL_CASES -u VALIDATE_KERNEL_ADD -u VALIDATE_SIM -u VALIDATE_DRY_RUN %s "
             "bash %s/tools/validate.sh 2>&1",
             env, tree);
    FILE *p = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    size_t n = fread(out, 1, len - 1, p);
    out[n] = 0;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void expect_runs(const char *env, const char *want)
{
    char out[4096];
    int rc = validate(env, out, sizeof out);
    CU_ASSERT_EQUAL(rc, 0);
    if (strcmp(out, want) != 0) fprintf(stderr, "\n    %s:\n    got  [%s]\n    want [%s]\n", env, out, want);
    CU_ASSERT_STRING_EQUAL(out, want);
}

static void test_validate_lists_only_the_missing_kernel_seeds(void)
{
    make_tree(grid_ok);
    /* Adding: the seeds 1..repetitions without a kernel run that kept every invariant, in
     * ranges, the two-at-a-time cases first and the solo one last. */
    expect_runs("VALIDATE_DRY_RUN=1 VALIDATE_KERNEL_ADD=1",
                "kernel gaps seeds 3-3\nkernel gaps seeds 5-6\nkernel fresh seeds 1-2 solo\n");
    expect_runs("VALIDATE_DRY_RUN=1 VALIDATE_KERNEL_ADD=1 VALIDATE_KERNEL_CASES='^(gaps|full)$'",
                "kernel gaps seeds 3-3\nkernel gaps seeds 5-6\n");
    /* Without it every selected case is measured from seed 1 (and replaces its committed runs). */
    expect_runs("VALIDATE_DRY_RUN=1",
                "kernel full seeds 1-3\nkernel gaps seeds 1-6\nkernel other seeds 1-2\nkernel fresh seeds 1-2 solo\n");
    expect_runs("VALIDATE_DRY_RUN=1 VALIDATE_KERNEL_CASES=other", "kernel other seeds 1-2\n");
    expect_runs("VALIDATE_DRY_RUN=1 VALIDATE_KERNEL=0 VALIDATE_KERNEL_ADD=1", "");
    remove_tree();
}

/* One line naming the variable (or the grid's file and line) and exit status 2. */
static void expect_refused(const char *env, const char *needle)
{
    char out[4096];
    int rc = validate(env, out, sizeof out);
    CU_ASSERT_EQUAL(rc, 2);
    const char *nl = strchr(out, '\n');
    CU_ASSERT(nl != NULL && nl[1] == 0);
    if (!strstr(out, needle)) fprintf(stderr, "\n    %s: [%s] lacks [%s]\n", env, out, needle);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, needle));
}

static void test_validate_refuses_bad_settings(void)
{
    make_tree(grid_ok);
    expect_refused("VALIDATE_DRY_RUN=1 VALIDATE_KERNEL_ADD=yes", "VALIDATE_KERNEL_ADD must be 0 or 1 (got 'yes')");
    expect_refused("VALIDATE_DRY_RUN=1 VALIDATE_KERNEL=2", "VALIDATE_KERNEL must be auto, 0 or 1 (got '2')");
    expect_refused("VALIDATE_DRY_RUN=1 VALIDATE_SIM=no", "VALIDATE_SIM must be 0 or 1");
    expect_refused("VALIDATE_DRY_RUN=true", "VALIDATE_DRY_RUN must be 0 or 1");
    expect_refused("VALIDATE_DRY_RUN=1 VALIDATE_KERNEL_CASES='('", "VALIDATE_KERNEL_CASES is not a regular expression");
    make_tree("full 3 down_kbps=1024\n# comment\ngaps five down_kbps=8000\n");
    expect_refused("VALIDATE_DRY_RUN=1", "validation/grid.txt:3: case gaps: kernel repetitions must be 1..9999 (got 'five')");
    make_tree("full 0 down_kbps=1024\n");
    expect_refused("VALIDATE_DRY_RUN=1", "validation/grid.txt:1: case full");
    remove_tree();
}

void register_test_validate(void)
{
    TEST_SUITE("validate", TEST(test_validate_lists_only_the_missing_kernel_seeds),
               TEST(test_validate_refuses_bad_settings));
}
