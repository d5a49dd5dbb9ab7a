/* The committed regression baseline covers the regimes where a model change moves a decision,
 * and regress catches through it a deliberately miscalibrated throttler and a deliberately
 * worse rate estimator (scenario keys; the code under test is unchanged). */
#include <string.h>
#include "testutil.h"
#include "baseline.h"
#include "test_sweep_helpers.h"

#define BASELINE "results/baseline/baseline.sql"

/* Distinct parameter points of the baseline matching a condition on its params rows. */
static long long count_points(sqlite3 *db, const char *where)
{
    char sql[1024];
    snprintf(sql, sizeof sql, "SELECT count(DISTINCT r.point) FROM runs r WHERE %s", where);
    sqlite3_stmt *st;
    long long n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    else fprintf(stderr, "\n    %s: %s", sql, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return n;
}

#define P(key, cond) "EXISTS (SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = '" key "' AND " cond ")"

static void test_baseline_covers_the_deciding_regimes(void)
{
    char err[512];
    sqlite3 *db = baseline_load_dump(BASELINE, err, sizeof err);
    if (!db) fprintf(stderr, "\n    %s", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    /* xtreme: each policy below and above 80 % of the line (limit KB/s x 8.192 / up_kbps x 100),
     * with ATM cells and with Ethernet framing */
    const char *pct = "(SELECT l.num FROM params l WHERE l.run_id = r.id AND l.key = 'upload_limit_kBps') * 819.2 /"
                      " (SELECT u.num FROM params u WHERE u.run_id = r.id AND u.key = 'up_kbps')";
    static const char *const framing[] = { "pppoe_atm", "ethernet" }, *const policy[] = { "official", "xtreme", "nafc" };
    for (int f = 0; f < 2; f++)
        for (int p = 0; p < 3; p++)
            for (int above = 0; above < 2; above++) {
                char where[1024];
                snprintf(where, sizeof where, "r.experiment = 'xtreme' AND " P("framing", "p.text = '%s'") " AND "
                         P("upload_policy", "p.text = '%s'") " AND %s %s 80", framing[f], policy[p], pct, above ? ">" : "<");
                long long n = count_points(db, where);
                if (n < 1) fprintf(stderr, "\n    no xtreme point: %s %s, %s 80 %% of the line", framing[f], policy[p], above ? "above" : "below");
                CU_ASSERT(n >= 1);
            }
    /* etorrent: a slow swarm (every peer below 20 kB/s) with the hi/lo controller */
    CU_ASSERT(count_points(db, "r.experiment = 'etorrent' AND " P("cap_max_Bps", "p.num <= 20000") " AND "
                               P("policy", "p.text = 'hysteresis'")) >= 1);
    /* asym_link: a saturating upload against the download with a short and a long FIFO */
    CU_ASSERT(count_points(db, "r.experiment = 'asym_link' AND " P("n_up", "p.num >= 1") " AND " P("up_limit_kbps", "p.num = 0")
                               " AND " P("modem_queue_pkts", "p.num <= 10")) >= 1);
    CU_ASSERT(count_points(db, "r.experiment = 'asym_link' AND " P("n_up", "p.num >= 1") " AND " P("up_limit_kbps", "p.num = 0")
                               " AND " P("modem_queue_pkts", "p.num >= 50")) >= 1);
    /* every point on at least 3 seeds, so Welch's test has variance on both sides */
    CU_ASSERT_EQUAL(count_points(db, "(SELECT count(*) FROM runs q WHERE q.point = r.point AND q.scenario = r.scenario) < 3"), 0);
    sqlite3_close(db);
}

/* needle within the len bytes at s */
static int within(const char *s, size_t len, const char *needle)
{
    char *c = strndup(s, len);
    int hit = c && strstr(c, needle) != NULL;
    free(c);
    return hit;
}

/* The output section of one parameter point: from its header line to the next blank line. */
static int section_has(const char *out, const char *header_part, const char *needle)
{
    for (const char *p = out; (p = strstr(p, "\n")); p++) {
        const char *line = p + 1, *eol = strchr(line, '\n');
        if (!eol) break;
        if (line[0] == ' ' || !within(line, (size_t)(eol - line), header_part)) continue;
        const char *end = strstr(eol, "\n\n");
        size_t len = end ? (size_t)(end - eol) : strlen(eol);
        if (within(eol, len, needle)) return 1;
    }
    return 0;
}

/* A throttler that lets 30 % too much through: below the 80 % rule the modem queue and the VoIP
 * delay grow; above it the line is full whatever the throttler does, so only a baseline with
 * limits below 80 % can see it. */
static void test_worsened_throttler_is_flagged(void)
{
    struct cli_out o;
    int rc = cli(&o, "regress --baseline " BASELINE " --scenarios xtreme_adsl,xtreme_adsl_eth --set throttle_overshoot=0.3");
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "regress: FAILED"));
    CU_ASSERT(section_has(o.out, "upload_limit_kBps=35.15625", "WORSE"));
    /* and the same re-run without the key is clean */
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline " BASELINE " --scenarios xtreme_adsl,xtreme_adsl_eth"), 0);
    CU_ASSERT_PTR_NULL(strstr(o.out, "WORSE"));
}

/* An estimator with a two-minute memory (EWMA, tau 120 s, against etorrent's 20-s window): it
 * follows stepping and late peers slowly, so its error against the true rates grows, in the
 * slow swarm where the marks decide as in the default one. */
static void test_worsened_estimator_is_flagged(void)
{
    struct cli_out o;
    int rc = cli(&o, "regress --baseline " BASELINE " --scenarios etorrent_slow,etorrent_dynamic --set rate_algo=ewma"
                     " --set rate_tau_s=120");
    CU_ASSERT_EQUAL(rc, 1);
    CU_ASSERT(section_has(o.out, "etorrent_slow (etorrent)", "WORSE"));
    CU_ASSERT(section_has(o.out, "etorrent_dynamic (etorrent)", "WORSE"));
}

void register_test_baseline_regimes(void)
{
    TEST_SUITE("baseline_regimes",
               TEST(test_baseline_covers_the_deciding_regimes),
               TEST(test_worsened_throttler_is_flagged),
               TEST(test_worsened_estimator_is_flagged));
}
