/* Byte conservation enforced, not only recorded: a run whose ledger does not balance is a failed
 * run.  `run` exits 3 and, with --db, stores it marked failed with the imbalance; a sweep stores
 * it the same way and exits 1, also when resumed; views and figures leave it out.  The imbalance
 * comes from the RATELAB_TEST_LEDGER_SKEW test hook (sim/net.c), which books bytes that were
 * never sent, so the real ledger check in each experiment is what catches it. */
#include "testutil.h"
#include "test_sweep_helpers.h"

static void test_run_exits_3_and_stores_failed(void)
{
    char db[256];
    tmp_path(db, sizeof db, "failed-run.db");
    remove_db(db);
    struct cli_out o;
    int rc = cli(&o, "run scenarios/asym_link.ini --set duration_s=5 --set warmup_s=1 --db %s", db);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM runs WHERE failure IS NULL"), 1);
    CU_ASSERT_EQUAL(cli(&o, "run scenarios/asym_link.ini --set duration_s=5 --set warmup_s=1 --set seed=2 --db %s", db), 0);
    setenv("RATELAB_TEST_LEDGER_SKEW", "40", 1);
    rc = cli(&o, "run scenarios/asym_link.ini --set duration_s=5 --set warmup_s=1 --set seed=3 --db %s", db);
    unsetenv("RATELAB_TEST_LEDGER_SKEW");
    if (rc != 3) fprintf(stderr, "\n    run -> %d: %s", rc, o.err);
    CU_ASSERT_EQUAL(rc, 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "byte conservation violated: 40 bytes unaccounted for"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "stored as failed run 3"));
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM runs WHERE seed = 3 AND failure LIKE "
                                  "'byte conservation violated: 40 bytes%'"), 1);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT m.value FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.seed = 3"
                                  " AND m.name = 'conservation_imbalance_bytes'"), 40);
    /* The failed run is evidence, not data: the across-seed view counts the two good runs. */
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT n FROM point_metric_stats WHERE metric = 'down_goodput_kbps'"), 2);
    remove_db(db);
}

static void test_sweep_stores_failed_and_says_so(void)
{
    char db[256];
    tmp_path(db, sizeof db, "failed-sweep.db");
    remove_db(db);
    struct cli_out o;
    const char *args = "sweep scenarios/asym_link.ini --vary n_up=0,1 --set duration_s=5 --set warmup_s=1 --db";
    setenv("RATELAB_TEST_LEDGER_SKEW", "7", 1);
    int rc = cli(&o, "%s %s", args, db);
    unsetenv("RATELAB_TEST_LEDGER_SKEW");
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "2 runs broke byte conservation and are stored as failed"));
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM runs WHERE failure LIKE 'byte conservation violated: 7 bytes%'"), 2);
    /* Resumed, the runs are present, not re-run, and still not passed off as fine. */
    rc = cli(&o, "%s %s", args, db);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "2 already present, 0 done"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "2 runs broke byte conservation"));
    /* Figures leave failed runs out: nothing is left to draw. */
    rc = cli(&o, "plot %s line --x n_up --y drops --out /tmp/ratelab-failed-%d", db, (int)getpid());
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "holds no runs"));
    remove_db(db);
}

void register_test_failed_runs(void)
{
    TEST_SUITE("failed_runs",
               TEST(test_run_exits_3_and_stores_failed),
               TEST(test_sweep_stores_failed_and_says_so));
}
