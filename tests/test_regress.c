/* ratelab regress end to end: an unchanged build re-running a baseline is "same" everywhere (from
 * a database and from its text dump); a deliberately worsened variant (--set) fails. */
#include "testutil.h"
#include <string.h>
#include "db.h"
#include "test_sweep_helpers.h"

static char base_db[256], base_sql[256];

static int ensure_baseline(void)
{
    static int done = -1;
    if (done >= 0) return done;
    struct cli_out o;
    tmp_path(base_db, sizeof base_db, "regress.db");
    tmp_path(base_sql, sizeof base_sql, "regress.sql");
    remove_db(base_db);
    done = cli(&o, "sweep scenarios/asym_link.ini --vary n_up=0,1 --seeds 3 --set duration_s=10 --set warmup_s=2"
                   " --set up_limit_kbps=64 --db %s", base_db) == 0;
    /* A baseline carries its manifest; the committed one is a text dump with the schema version in front. */
    if (done) done = cli(&o, "baseline %s", base_db) == 0;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "{ echo 'PRAGMA user_version=%d;'; sqlite3 %s .dump; } > %s", DB_SCHEMA_VERSION, base_db, base_sql);
    if (done && system(cmd) != 0) done = 0;
    return done;
}

static int count_lines_with(const char *text, const char *needle)
{
    int n = 0;
    for (const char *line = text; line && *line; ) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), line);
        n += strstr(buf, needle) != NULL;
        line = end ? end + 1 : NULL;
    }
    return n;
}

static void test_unchanged_is_same(void)
{
    CU_ASSERT_FATAL(ensure_baseline());
    const char *files[2] = { base_db, base_sql };
    for (int k = 0; k < 2; k++) {
        struct cli_out o;
        int rc = cli(&o, "regress --baseline %s", files[k]);
        if (rc != 0) fprintf(stderr, "\n    %s%s", o.out, o.err);
        CU_ASSERT_EQUAL(rc, 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "regress: 6 runs of"));
        CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "2 points"));
        CU_ASSERT_PTR_NOT_NULL(strstr(o.out, " same, 0 better, 0 worse, 0 changed (neutral), 0 untested, 0 missing"));
        CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "regress: ok"));
        /* Every metric row of both points says same, and there are as many as compared. */
        CU_ASSERT_EQUAL(count_lines_with(o.out, "  down_goodput_kbps "), 2);
        const char *sum = strstr(o.out, "regress: 2 points, ");
        int n_cmp = -1, n_same = -2;
        CU_ASSERT_PTR_NOT_NULL_FATAL(sum);
        CU_ASSERT_EQUAL(sscanf(sum, "regress: 2 points, %d metric comparisons: %d same", &n_cmp, &n_same), 2);
        CU_ASSERT(n_cmp > 40);
        CU_ASSERT_EQUAL(n_same, n_cmp);
        CU_ASSERT_EQUAL(count_lines_with(o.out, " same"), n_cmp + 1);   /* + the summary line */
    }
}

static void test_worsened_variant_fails(void)
{
    CU_ASSERT_FATAL(ensure_baseline());
    struct cli_out o;
    /* Half the downlink: download goodput drops by ~half on every seed. */
    int rc = cli(&o, "regress --baseline %s --set down_kbps=512", base_sql);
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "--set down_kbps=512"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "regress: FAILED"));
    int worse_goodput = 0;
    for (const char *p = o.out; (p = strstr(p, "\n  down_goodput_kbps ")); p++) {
        const char *end = strchr(p + 1, '\n');
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)(end ? end - p : 200), p);
        worse_goodput += strstr(line, "WORSE") != NULL;
    }
    CU_ASSERT_EQUAL(worse_goodput, 2);
    /* A stricter minimum effect than the change itself turns the verdicts back to same.  (Not
     * 1000: from 1000 kbit/s down every seed's download loses one packet at its start, and 0 -> 1
     * drops is a relative change no minimum effect covers.) */
    rc = cli(&o, "regress --baseline %s --set down_kbps=1010 --min-effect 0.5", base_sql);
    CU_ASSERT_EQUAL(rc, 0);
}

static void test_scenario_filter_and_bad_input(void)
{
    CU_ASSERT_FATAL(ensure_baseline());
    struct cli_out o;
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline %s --scenarios asym_link,other", base_db), 0);
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline %s --scenarios nosuch", base_db), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "holds no run of --scenarios nosuch"));
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline %s --set nokey=1", base_db), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--set nokey=1: no experiment in the baseline has this key"));
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline %s --set up_kbps=fast", base_db), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--set up_kbps=fast"));
    CU_ASSERT_EQUAL(cli(&o, "regress"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "missing --baseline"));
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline /nonexistent.sql"), 2);
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline %s --alpha 2", base_db), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--alpha 2"));
    /* A baseline of another schema version. */
    char old[256], cmd[700];
    tmp_path(old, sizeof old, "old.sql");
    snprintf(cmd, sizeof cmd, "sed 's/^PRAGMA user_version=.*/PRAGMA user_version=99;/' %s > %s", base_sql, old);
    CU_ASSERT_EQUAL(system(cmd), 0);
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline %s", old), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "schema version 99"));
    remove(old);
}

static void test_cleanup(void)
{
    remove_db(base_db);
    remove(base_sql);
    CU_ASSERT_NOT_EQUAL(access(base_sql, F_OK), 0);
}

void register_test_regress(void)
{
    TEST_SUITE("regress",
               TEST(test_unchanged_is_same),
               TEST(test_worsened_variant_fails),
               TEST(test_scenario_filter_and_bad_input),
               TEST(test_cleanup));
}
