/* --where stays bounded and typed: nesting of any kind past WHERE_MAX_DEPTH is one line, not a
 * stack overflow in the parser or the evaluator; a name a key cannot hold, a number compared with
 * names, and seed (which is not a grid key) are refused when compiling.  And --set seed=S in a
 * sweep is honoured: its seeds are S..S+N-1. */
#include "testutil.h"
#include "cli.h"
#include "sweep_grid.h"
#include "test_sweep_helpers.h"

#define SCN "scenarios/asym_link.ini"

static void refused(const struct scenario *sc, const char *expr, const char *needle)
{
    char err[1024] = "";
    struct where_expr *e = where_compile_params(expr, &sc->ps, err, sizeof err);
    if (e || !strstr(err, needle)) fprintf(stderr, "\n    %.60s: %s", expr, e ? "compiled" : err);
    CU_ASSERT_PTR_NULL(e);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
    where_free(e);
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *s = malloc(hl + ul * n + tl + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    memcpy(s, head, hl);
    for (size_t i = 0; i < n; i++) memcpy(s + hl + i * ul, unit, ul);
    memcpy(s + hl + n * ul, tail, tl + 1);
    return s;
}

/* head + n x unit + tail must be refused with needle. */
static void refused_long(const struct scenario *sc, const char *head, const char *unit, size_t n, const char *tail,
                         const char *needle)
{
    char *text = repeat(head, unit, n, tail);
    refused(sc, text, needle);
    free(text);
}

static void test_depth_limit(void)
{
    struct scenario sc;
    char err[512];
    CU_ASSERT_EQUAL_FATAL(scenario_load(SCN, &sc, err, sizeof err), 0);
    /* The sizes that crashed sweep and plot, and just past the limit. */
    refused_long(&sc, "", "(", 11000, "1", "parentheses nested too deep");
    refused_long(&sc, "", "-", 100000, "1 < 0", "too many unary operators in a row");
    refused_long(&sc, "", "!", 100000, "1", "too many unary operators in a row");
    refused_long(&sc, "n_up", " + 1", 60000, " > 0", "nested deeper than 256 levels");
    refused_long(&sc, "n_up > 0", " && n_up > 0", 300, "", "nested deeper than 256 levels");
    /* Within the limit it still works: 100 terms of a sum. */
    char *ok = repeat("0", " + 1", 100, " == 100");
    struct where_expr *e = where_compile_params(ok, &sc.ps, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(e);
    if (e) CU_ASSERT_EQUAL(where_eval_params(e, &sc.ps), 1);
    where_free(e);
    free(ok);
    scenario_free(&sc);
}

/* End to end: the commands that crashed refuse with exit 2. */
static void test_depth_limit_commands(void)
{
    char file[256], db[256];
    tmp_path(file, sizeof file, "deep-where.txt");
    tmp_path(db, sizeof db, "deep-where.db");
    remove_db(db);
    char *parens = repeat("", "(", 11000, "1");
    FILE *f = fopen(file, "w");
    fputs(parens, f);
    fclose(f);
    free(parens);
    struct cli_out o;
    CU_ASSERT_EQUAL(cli(&o, "sweep " SCN " --vary n_up=0,1 --db %s --where \"$(cat %s)\"", db, file), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "parentheses nested too deep"));
    CU_ASSERT_NOT_EQUAL(access(db, F_OK), 0);
    CU_ASSERT_EQUAL(cli(&o, "sweep " SCN " --vary n_up=0,1 --set duration_s=3 --set warmup_s=1 --db %s", db), 0);
    CU_ASSERT_EQUAL(cli(&o, "plot %s line --x n_up --y drops --where \"$(cat %s)\"", db, file), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "parentheses nested too deep"));
    remove(file);
    remove_db(db);
}

static void test_values_checked_against_the_key(void)
{
    struct scenario sc;
    char err[512];
    CU_ASSERT_EQUAL_FATAL(scenario_load(SCN, &sc, err, sizeof err), 0);
    /* 'adsl' is no framing: this was always true, silently. */
    refused(&sc, "framing != 'adsl'", "key 'framing' has no value 'adsl' (allowed: ppp|");
    refused(&sc, "'adsl' == framing", "key 'framing' has no value 'adsl'");
    refused(&sc, "n_up == 'one'", "key 'n_up' holds numbers");
    refused(&sc, "framing == 2", "key 'framing' holds names");
    refused(&sc, "framing + 1 > 0", "key 'framing' holds names");
    refused(&sc, "framing", "a name alone selects nothing");
    refused(&sc, "seed < 3", "key 'seed' is not a grid key");
    struct where_expr *e = where_compile_params("framing != 'ethernet' && 'ppp' == framing", &sc.ps, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL(e);
    if (e) CU_ASSERT_EQUAL(where_eval_params(e, &sc.ps), 1);
    where_free(e);
    scenario_free(&sc);
}

static void test_sweep_seed(void)
{
    char db[256];
    tmp_path(db, sizeof db, "seed-sweep.db");
    remove_db(db);
    struct cli_out o;
    /* --set seed=42 with --seeds 2 runs seeds 42 and 43 of every point. */
    CU_ASSERT_EQUAL(cli(&o, "sweep " SCN " --vary n_up=0,1 --seeds 2 --set seed=42 --set duration_s=3 --set warmup_s=1"
                            " --db %s", db), 0);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM runs"), 4);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT min(seed) FROM runs"), 42);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT max(seed) FROM runs"), 43);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM params WHERE key = 'seed' AND text IN ('42', '43')"), 4);
    /* The range cannot run past what a double holds exactly. */
    CU_ASSERT_EQUAL(cli(&o, "sweep " SCN " --vary n_up=0,1 --seeds 3 --set seed=9007199254740991 --db %s", db), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "go past the largest seed"));
    CU_ASSERT_EQUAL(cli(&o, "sweep " SCN " --vary n_up=0,1 --where 'seed <= 2' --db %s", db), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "key 'seed' is not a grid key"));
    remove_db(db);
}

/* A database whose run has 100 000 parameter rows: plot collects its keys for --where in
 * O(n log n) (a linear check per key took about half a minute); the CPU limit, far above what it
 * takes, only turns a regression into a failure instead of a stall. */
static void test_plot_many_keys(void)
{
    char db[256];
    tmp_path(db, sizeof db, "many-keys.db");
    remove_db(db);
    struct cli_out o;
    CU_ASSERT_EQUAL_FATAL(cli(&o, "sweep " SCN " --vary n_up=0,1 --set duration_s=3 --set warmup_s=1 --db %s", db), 0);
    sqlite3 *h;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(db, &h), SQLITE_OK);
    sqlite3_exec(h, "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 99999)"
                    " INSERT INTO params SELECT 1, 'extra_' || i, i, i FROM k", NULL, NULL, NULL);
    sqlite3_close(h);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM params WHERE key LIKE 'extra_%'"), 100000);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "ulimit -t 20; %s plot %s line --x n_up --y drops --where 'n_up >= 0' "
             "--out /tmp/ratelab-many-%d >/dev/null 2>&1", getenv("RATELAB"), db, (int)getpid());
    int st = system(cmd);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    snprintf(cmd, sizeof cmd, "rm -f /tmp/ratelab-many-%d.png /tmp/ratelab-many-%d.svg", (int)getpid(), (int)getpid());
    CU_ASSERT_EQUAL(system(cmd), 0);
    remove_db(db);
}

void register_test_where(void)
{
    TEST_SUITE("where",
               TEST(test_depth_limit),
               TEST(test_depth_limit_commands),
               TEST(test_values_checked_against_the_key),
               TEST(test_sweep_seed),
               TEST(test_plot_many_keys));
}
