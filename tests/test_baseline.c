/* Damaged baselines are refused, never compared in part: the committed baseline is loaded into a
 * real database file, whose metrics pages are then corrupted (bytes flipped in their cells, a
 * page zeroed, the file cut short), and its dump is cut at several points; each must make
 * `ratelab regress` exit 2 naming the file.  A dump cannot run code: ATTACH, load_extension,
 * other tables and other statements are refused by line.  The baseline checked whole passes. */
#include "testutil.h"
#include <fcntl.h>
#include <string.h>
#include "dbpages.h"
#include "test_sweep_helpers.h"

#define COMMITTED "results/baseline/baseline.sql"

static char good_db[256], work[256];

static int make_db(void)
{
    static int done = -1;
    if (done >= 0) return done;
    tmp_path(good_db, sizeof good_db, "base-good.db");
    tmp_path(work, sizeof work, "base-work");
    remove_db(good_db);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "sqlite3 %s < " COMMITTED, good_db);
    done = system(cmd) == 0 && db_scalar(good_db, "PRAGMA page_size") == DB_PAGE;
    return done;
}

/* regress on path must exit 2 with one message naming the file; `what` says which damage. */
static void expect_refused(const char *path, const char *what)
{
    struct cli_out o;
    int rc = cli(&o, "regress --baseline %s --jobs 1", path);
    int named = strstr(o.err, path) != NULL;
    if (rc != 2 || !named || strstr(o.out, "regress: ok"))
        fprintf(stderr, "\n    %s: regress -> %d: %.300s%.200s", what, rc, o.err, o.out);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT(named);
    CU_ASSERT_PTR_NULL(strstr(o.out, "regress: ok"));
}

static void test_whole_baseline_passes(void)
{
    CU_ASSERT_FATAL(make_db());
    struct cli_out o;
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline %s --scenarios asym_link", good_db), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "regress: ok"));
}

static void test_corrupt_metrics_pages(void)
{
    CU_ASSERT_FATAL(make_db());
    long pages[64];
    int n = db_leaf_pages(good_db, "metrics", pages, 64);
    CU_ASSERT_FATAL(n >= 3);
    char what[160];
    /* Per metrics page, cells at its start, middle and end: one bit of a stored value flipped
     * (the quiet kind of damage: the page stays well-formed), and a cell pointer bent. */
    for (int i = 0; i < n; i++) {
        int n_cells;
        long start, last;
        db_cell_bounds(good_db, pages[i], 0, &start, &last, &n_cells);
        int cells[3] = { 0, n_cells / 2, n_cells - 1 };
        for (int k = 0; k < 3; k++) {
            db_cell_bounds(good_db, pages[i], cells[k], &start, &last, &n_cells);
            copy_file(good_db, work);
            db_flip(work, last);
            snprintf(what, sizeof what, "metrics page %ld, cell %d: a bit of its value flipped", pages[i], cells[k]);
            expect_refused(work, what);
            copy_file(good_db, work);
            db_flip(work, db_cell_pointer(pages[i], cells[k]));
            snprintf(what, sizeof what, "metrics page %ld, cell %d: its pointer bent", pages[i], cells[k]);
            expect_refused(work, what);
        }
    }
    /* A whole metrics page zeroed. */
    copy_file(good_db, work);
    db_zero_page(work, pages[n / 2]);
    expect_refused(work, "metrics page zeroed");
    /* The file cut in the middle of the metrics pages. */
    copy_file(good_db, work);
    CU_ASSERT_EQUAL(truncate(work, (pages[n / 2] - 1) * DB_PAGE), 0);
    expect_refused(work, "file cut short");
    remove(work);
}

static void test_cut_dumps(void)
{
    char text[1 << 20];
    FILE *f = fopen(COMMITTED, "rb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    size_t len = fread(text, 1, sizeof text, f);
    fclose(f);
    CU_ASSERT_FATAL(len > 1000 && len < sizeof text);
    char what[128];
    /* At byte offsets (mostly inside a statement) and at line ends (between statements). */
    static const int pct[] = { 5, 20, 40, 60, 80, 95, 99 };
    for (size_t k = 0; k < sizeof pct / sizeof pct[0]; k++)
        for (int at_line = 0; at_line < 2; at_line++) {
            size_t cut = len * (size_t)pct[k] / 100;
            if (at_line) while (cut < len && text[cut - 1] != '\n') cut++;
            f = fopen(work, "wb");
            fwrite(text, 1, cut, f);
            fclose(f);
            snprintf(what, sizeof what, "dump cut at %d %% (%s)", pct[k], at_line ? "line end" : "byte");
            expect_refused(work, what);
            /* Even closed with a COMMIT, a cut dump does not match its manifest. */
            if (at_line) {
                f = fopen(work, "ab");
                fputs("COMMIT;\n", f);
                fclose(f);
                snprintf(what, sizeof what, "dump cut at %d %%, COMMIT appended", pct[k]);
                expect_refused(work, what);
            }
        }
    remove(work);
}

/* A line inserted after the dump's header: the load must stop at it, by its line number. */
static void expect_dump_refuses(const char *line, const char *needle)
{
    char cmd[900];
    snprintf(cmd, sizeof cmd, "awk -v ins=\"%s\" 'NR == 3 { print ins } { print }' " COMMITTED " > %s", line, work);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    struct cli_out o;
    int rc = cli(&o, "regress --baseline %s", work);
    char want[300];
    snprintf(want, sizeof want, "%s:3: refused %s", work, needle);
    if (rc != 2 || !strstr(o.err, want)) fprintf(stderr, "\n    %s -> %d: %s", line, rc, o.err);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, want));
}

static void test_dump_cannot_run_code(void)
{
    char other[256];
    tmp_path(other, sizeof other, "attached.db");
    remove(other);
    char line[512];
    snprintf(line, sizeof line, "ATTACH DATABASE '%s' AS x; CREATE TABLE x.t(a);", other);
    expect_dump_refuses(line, "ATTACH");
    CU_ASSERT_NOT_EQUAL(access(other, F_OK), 0);       /* nothing written elsewhere */
    expect_dump_refuses("SELECT load_extension('/tmp/none.so');", "SELECT");
    expect_dump_refuses("INSERT INTO metrics VALUES (1, 'x', load_extension('/tmp/none.so'));", "function load_extension()");
    expect_dump_refuses("CREATE TABLE notes (a); INSERT INTO notes VALUES (1);", "CREATE TABLE notes");
    expect_dump_refuses("CREATE TRIGGER t AFTER INSERT ON metrics BEGIN DELETE FROM runs; END;", "CREATE TRIGGER t");
    expect_dump_refuses("DELETE FROM runs;", "DELETE FROM runs");
    expect_dump_refuses("PRAGMA writable_schema = 1;", "PRAGMA writable_schema");
    snprintf(line, sizeof line, "VACUUM INTO '%s';", other);
    expect_dump_refuses(line, "ATTACH");
    CU_ASSERT_NOT_EQUAL(access(other, F_OK), 0);
    remove(work);
}

static void test_unsealed_and_damaged_manifest(void)
{
    CU_ASSERT_FATAL(make_db());
    struct cli_out o;
    copy_file(good_db, work);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "sqlite3 %s 'DROP TABLE baseline_manifest'", work);
    CU_ASSERT_EQUAL(system(cmd), 0);
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline %s", work), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "no baseline manifest"));
    /* Sealing it makes it a baseline again; a changed value afterwards is caught. */
    CU_ASSERT_EQUAL(cli(&o, "baseline %s", work), 0);
    snprintf(cmd, sizeof cmd, "sqlite3 %s \"UPDATE metrics SET value = value + 1 WHERE rowid IN "
                              "(SELECT rowid FROM metrics LIMIT 1)\" 2>/dev/null || sqlite3 %s "
                              "\"UPDATE metrics SET value = value * 2 WHERE name = 'drops'\"", work, work);
    CU_ASSERT_EQUAL(system(cmd), 0);
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline %s", work), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "does not match its manifest"));
    remove_db(work);
    remove_db(good_db);
}

void register_test_baseline(void)
{
    TEST_SUITE("baseline",
               TEST(test_whole_baseline_passes),
               TEST(test_corrupt_metrics_pages),
               TEST(test_cut_dumps),
               TEST(test_dump_cannot_run_code),
               TEST(test_unsealed_and_damaged_manifest));
}
