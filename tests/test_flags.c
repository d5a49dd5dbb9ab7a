/* One strict parser for every subcommand's numeric flags: ' 0/4', '+0/4' and overflowing numbers
 * are refused (strtol took the first two and clamped the last to LONG_MAX), a non-integer says so
 * rather than "out of range", and a directory given as the scenario says it is one. */
#include "testutil.h"
#include "test_sweep_helpers.h"

#define SCN "scenarios/asym_link.ini"

static void refused(const char *args, const char *needle)
{
    char db[256];
    tmp_path(db, sizeof db, "flags.db");
    remove_db(db);
    struct cli_out o;
    int rc = cli(&o, "%s --db %s", args, db);
    int lines = 0;
    for (const char *p = o.err; *p; p++) lines += *p == '\n';
    if (rc != 2 || !strstr(o.err, needle) || lines != 1) fprintf(stderr, "\n    %s -> %d: %s", args, rc, o.err);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_EQUAL(lines, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, needle));
    CU_ASSERT_NOT_EQUAL(access(db, F_OK), 0);
}

static void test_shard_and_counts(void)
{
    refused("sweep " SCN " --vary n_up=0,1 --shard ' 0/4'", "--shard ' 0/4': I ' 0': not an integer");
    refused("sweep " SCN " --vary n_up=0,1 --shard +0/4", "--shard '+0/4': I +0: not an integer");
    refused("sweep " SCN " --vary n_up=0,1 --shard 0/+4", "N +4: not an integer");
    refused("sweep " SCN " --vary n_up=0,1 --shard 99999999999999999999/4", "I 99999999999999999999: out of range");
    refused("sweep " SCN " --vary n_up=0,1 --shard 0/99999999999999999999", "N 99999999999999999999: out of range");
    refused("sweep " SCN " --vary n_up=0,1 --shard 0x1/4", "I 0x1: not an integer");
    refused("sweep " SCN " --vary n_up=0,1 --jobs 2.5", "--jobs 2.5: not an integer");
    refused("sweep " SCN " --vary n_up=0,1 --jobs 99999999999999999999", "--jobs 99999999999999999999: out of range [1, 1024]");
    refused("sweep " SCN " --vary n_up=0,1 --seeds ' 3'", "--seeds ' 3': not an integer");
    refused("sweep " SCN " --vary n_up=0,1 --seeds -1", "--seeds -1: not an integer");
    refused("sweep " SCN " --vary n_up=0,1 --seeds 0", "--seeds 0: out of range [1, 100000]");
    setenv("SLURM_ARRAY_TASK_ID", "+1", 1);
    refused("sweep " SCN " --vary n_up=0,1 --shard 4", "SLURM_ARRAY_TASK_ID +1: not an integer");
    unsetenv("SLURM_ARRAY_TASK_ID");
}

static void test_other_subcommands(void)
{
    struct cli_out o;
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline results/baseline/baseline.sql --jobs 1.5"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--jobs 1.5: not an integer"));
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline results/baseline/baseline.sql --alpha 0x0.01"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--alpha 0x0.01: '0x0.01' is not a number"));
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline results/baseline/baseline.sql --alpha ' 0.01'"), 2);
    CU_ASSERT_EQUAL(cli(&o, "plot results/none.db line --run 1.5"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--run 1.5: not an integer"));
    CU_ASSERT_EQUAL(cli(&o, "plot results/none.db line --run 99999999999999999999"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--run 99999999999999999999: out of range"));
    /* recommend and report, sensitivity, kernel and calibrate parse their numbers the same way
     * (each took ' 3', '+3' or hex before). */
    CU_ASSERT_EQUAL(cli(&o, "recommend results/none.db --keep 0x0.5"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--keep 0x0.5: not a number"));
    CU_ASSERT_EQUAL(cli(&o, "recommend results/none.db --cpu-budget ' 16'"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--cpu-budget  16: not a number"));
    CU_ASSERT_EQUAL(cli(&o, "report --cpu-budget 0x2x results/none.db --out /tmp/none"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--cpu-budget 0x2x: not a number"));
    CU_ASSERT_EQUAL(cli(&o, "sensitivity " SCN " --keys n_up --metric drops --trajectories ' 3'"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--trajectories ' 3': not an integer"));
    CU_ASSERT_EQUAL(cli(&o, "sensitivity " SCN " --keys n_up --metric drops --jobs +2"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--jobs +2: not an integer"));
    CU_ASSERT_EQUAL(cli(&o, "kernel " SCN " --repeat ' 2'"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--repeat ' 2': not an integer"));
    CU_ASSERT_EQUAL(cli(&o, "calibrate --export +1 /tmp/none"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--export +1: not an integer"));
}

static void test_directory_as_scenario(void)
{
    refused("sweep scenarios --vary n_up=0,1", "scenarios: is a directory, not a scenario file");
    refused("run scenarios", "scenarios: is a directory, not a scenario file");
}

void register_test_flags(void)
{
    TEST_SUITE("flags",
               TEST(test_shard_and_counts),
               TEST(test_other_subcommands),
               TEST(test_directory_as_scenario));
}
