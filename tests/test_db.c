/* The results database: schema file and embedded copy equal, version check, one run written and
 * read back exactly (params, NULL for NaN, series JSON), the across-seed view, merge rules. */
#include "testutil.h"
#include <string.h>
#include "baseline.h"
#include "db.h"
#include "db_merge.h"
#include "db_sweeps.h"
#include "test_sweep_helpers.h"

static const char *const choices[] = { "fifo", "codel", NULL };
static const struct param_def defs[] = {
    { "rate",   PT_DOUBLE, "1.5", 0, 1e9, NULL, "a rate" },
    { "queue",  PT_ENUM,   "fifo", 0, 0, choices, "a queue" },
    { "seed",   PT_INT,    "1", 0, 1e9, NULL, "seed" },
};

static void fixture_result(struct run_result *r, double metric)
{
    result_init(r);
    result_metric(r, "goodput", metric);
    result_metric(r, "broken", NAN);
    result_row(r, "peer", 3, "bytes", 42);
    /* Interleaved as a per-second probe emits them; the writer groups by series and entity. */
    uint32_t a = result_series_id(r, "a_Bps"), b = result_series_id(r, "b_Bps");
    result_point(r, a, 0, 1, 10);
    result_point(r, b, 0, 1, 7);
    result_point(r, a, 0, 2, 20.5);
    result_point(r, b, 1, 2, NAN);
    result_point(r, b, 0, 2, -3);
    /* Number formats: 12 significant digits, fixed notation from 1e-4 up, exponent below. */
    uint32_t c = result_series_id(r, "c");
    result_point(r, c, 0, 1, 0.000123);
    result_point(r, c, 0, 2, -1234.5678);
    result_point(r, c, 0, 3, 2.0 / 3.0);
    result_point(r, c, 0, 4, 1e-7);
    result_point(r, c, 0, 5, 123456789012345.0);
    result_point(r, c, 0, 6, 0);
    r->wall_s = 0.25;
    r->events = 1234;
}

static void fixture_label(void *ctx, size_t point, char *buf, size_t len)
{
    (void)ctx;
    snprintf(buf, len, "rate=1.5 #%zu", point);
}

static int write_run(struct db_writer *w, struct param_set *ps, double seed, double metric, const char *version,
                     const char *sweep)
{
    ps->val[2] = seed;
    struct run_result r;
    fixture_result(&r, metric);
    struct db_run_meta m = { .scenario = "fix", .experiment = "fixture", .code_version = version, .sweep_key = sweep,
                             .started_ms = 1700000000123LL, .finished_ms = 1700000001456LL };
    char err[512];
    /* A sweep of one point and 3 seeds: the run is its task seed - 1. */
    if (sweep && (db_writer_commit(w, err, sizeof err) != 0 ||
                  db_record_sweep(w->db, sweep, "fix", 1, 3, fixture_label, NULL, &m.sweep_id, err, sizeof err) != 0))
        return -2;
    m.task = (int64_t)seed - 1;
    int rc = db_write_run(w, &m, ps, &r, NULL, NULL, err, sizeof err);
    result_free(&r);
    return rc;
}

static void test_schema_file_matches(void)
{
    FILE *f = fopen("analysis/schema.sql", "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    CU_ASSERT_EQUAL(strlen(db_schema_sql), n);
    CU_ASSERT_STRING_EQUAL(db_schema_sql, text);
}

static void test_create_write_read(void)
{
    char path[256], err[512];
    tmp_path(path, sizeof path, "db1.db");
    remove_db(path);
    sqlite3 *db = db_open(path, DB_WRITE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    CU_ASSERT_EQUAL(db_scalar(path, "PRAGMA user_version"), DB_SCHEMA_VERSION);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM t_quantile"), 1000);
    struct db_writer w;
    CU_ASSERT_EQUAL_FATAL(db_writer_init(&w, db, err, sizeof err), 0);
    struct param_set ps;
    params_init(&ps, defs, 3);
    params_set(&ps, "queue", "codel", "test", err, sizeof err);
    /* Three seeds of one point: goodput 1, 2, 3. */
    for (int s = 1; s <= 3; s++) CU_ASSERT_EQUAL(write_run(&w, &ps, s, s, "v1", "sw"), 0);
    /* The same key again is refused and leaves nothing of itself behind. */
    CU_ASSERT_EQUAL(write_run(&w, &ps, 2, 99, "v1", "sw"), -1);
    char key[512];
    ps.val[2] = 2;
    char params[256];
    params_canonical(&ps, params, sizeof params);
    CU_ASSERT_STRING_EQUAL(params, "rate=1.5;queue=codel;seed=2");
    db_run_key(key, sizeof key, "fix", params, "v1");
    CU_ASSERT(db_find_run(&w, key, NULL, err, sizeof err) > 0);
    db_run_key(key, sizeof key, "fix", params, "v2");
    CU_ASSERT_EQUAL(db_find_run(&w, key, NULL, err, sizeof err), 0);
    CU_ASSERT_EQUAL(db_writer_commit(&w, err, sizeof err), 0);
    db_writer_close(&w);
    db_close(db);
    params_free(&ps);

    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM runs"), 3);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM metrics"), 6);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM metrics WHERE name = 'goodput' AND value = 99"), 0);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM runs WHERE point = 'rate=1.5;queue=codel;engine=sim' AND seed = 2"
                                    " AND events = 1234 AND started = '2023-11-14T22:13:20.123Z' AND engine = 'sim'"), 1);
    /* The engine is also a parameter row, so figures and --where can use it like any key. */
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM params WHERE key = 'engine' AND text = 'sim' AND num IS NULL"), 3);
    /* Enum parameters: text, no number; numbers: both. */
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM params WHERE key = 'queue' AND text = 'codel' AND num IS NULL"), 3);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM params WHERE key = 'rate' AND text = '1.5' AND num = 1.5"), 3);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM metrics WHERE name = 'broken' AND value IS NULL"), 3);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM entity_metrics WHERE kind = 'peer' AND entity = 3 AND value = 42"), 3);
    /* Series grouped per (name, entity) in emission order; NaN as null. */
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM series WHERE run_id = 1"), 4);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM series WHERE name = 'c' AND points ="
                                    " '[[1,0.000123],[2,-1234.5678],[3,0.666666666667],[4,1e-07],[5,123456789012345],[6,0]]'"), 3);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM series WHERE name = 'a_Bps' AND n = 2 AND points = '[[1,10],[2,20.5]]'"), 3);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM series WHERE name = 'b_Bps' AND entity = 0 AND points = '[[1,7],[2,-3]]'"), 3);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM series WHERE name = 'b_Bps' AND entity = 1 AND points = '[[2,null]]'"), 3);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM series_points WHERE run_id = 2"), 11);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT 1000 * value FROM series_points WHERE run_id = 2 AND name = 'a_Bps' AND t = 2"), 20500);
    /* Across seeds: goodput 1, 2, 3 -> mean 2, sd 1, ci95 = 4.30265 / sqrt(3) = 2.48414. */
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT n FROM point_metric_stats WHERE metric = 'goodput'"), 3);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT round(1e6 * mean) FROM point_metric_stats WHERE metric = 'goodput'"), 2000000);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT round(1e6 * sd) FROM point_metric_stats WHERE metric = 'goodput'"), 1000000);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT round(1e5 * ci95) FROM point_metric_stats WHERE metric = 'goodput'"), 248414);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT n FROM point_metric_stats WHERE metric = 'broken'"), 0);
    remove_db(path);
}

static void test_version_check(void)
{
    char path[256], err[512];
    tmp_path(path, sizeof path, "db2.db");
    remove_db(path);
    sqlite3 *db = db_open(path, DB_WRITE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
    db_close(db);
    CU_ASSERT_PTR_NULL(db_open(path, DB_READ, err, sizeof err));
    char want[96];
    snprintf(want, sizeof want, "schema version 99, this ratelab reads version %d", DB_SCHEMA_VERSION);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
    CU_ASSERT_PTR_NULL(db_open(path, DB_WRITE, err, sizeof err));
    remove_db(path);
    /* Some other SQLite file. */
    sqlite3_open(path, &db);
    sqlite3_exec(db, "CREATE TABLE x(a)", NULL, NULL, NULL);
    sqlite3_close(db);
    CU_ASSERT_PTR_NULL(db_open(path, DB_WRITE, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a ratelab results database"));
    remove_db(path);
    /* Not SQLite at all. */
    FILE *f = fopen(path, "w");
    fputs("this is not a database, just text that is long enough to fill a header page.....", f);
    fclose(f);
    CU_ASSERT_PTR_NULL(db_open(path, DB_READ, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an SQLite database"));
    remove_db(path);
    CU_ASSERT_PTR_NULL(db_open(path, DB_READ, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no such database file"));
}

static void test_dump_roundtrip(void)
{
    char path[256], err[512];
    tmp_path(path, sizeof path, "dump.sql");
    FILE *f = fopen(path, "w");
    fprintf(f, "PRAGMA user_version=%d;\nBEGIN TRANSACTION;\n%s", DB_SCHEMA_VERSION, db_schema_sql);
    fputs("INSERT INTO runs VALUES(7,'k',NULL,'s','e','a=1;seed=1','a=1',1,'v','t','t',0.5,10,'sim',NULL);\n"
          "INSERT INTO metrics VALUES(7,'m',4.5);\nCOMMIT;\n", f);
    fclose(f);
    sqlite3 *db = baseline_load_dump(path, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT value FROM metrics WHERE run_id = 7", -1, &st, NULL);
    CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
    CU_ASSERT_EQUAL(sqlite3_column_double(st, 0), 4.5);
    sqlite3_finalize(st);
    db_close(db);
    /* Without the version line the dump is refused. */
    f = fopen(path, "w");
    fprintf(f, "%s", db_schema_sql);
    fclose(f);
    f = fopen(path, "r+");
    fseek(f, (long)(strstr(db_schema_sql, "PRAGMA user_version = ") - db_schema_sql), SEEK_SET);
    fputs("--", f);
    fclose(f);
    CU_ASSERT_PTR_NULL(baseline_load_dump(path, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no schema version"));
    remove(path);
}

static void test_merge(void)
{
    char a[256], b[256], out[256], err[1024];
    tmp_path(a, sizeof a, "ma.db");
    tmp_path(b, sizeof b, "mb.db");
    tmp_path(out, sizeof out, "mout.db");
    remove_db(a); remove_db(b); remove_db(out);
    struct param_set ps;
    params_init(&ps, defs, 3);
    const char *paths[2] = { a, b };
    for (int k = 0; k < 2; k++) {
        sqlite3 *db = db_open(paths[k], DB_WRITE, err, sizeof err);
        struct db_writer w;
        db_writer_init(&w, db, err, sizeof err);
        /* a: seeds 1, 2 of v1; b: seeds 2, 3 of v1 (seed 2 twice) and seed 1 of v2 under another sweep. */
        for (int s = 1 + k; s <= 2 + k; s++) CU_ASSERT_EQUAL(write_run(&w, &ps, s, 10 * s, "v1", "sw"), 0);
        if (k == 1) CU_ASSERT_EQUAL(write_run(&w, &ps, 1, 1, "v2", "other"), 0);
        db_writer_close(&w);
        db_close(db);
    }
    struct db_merge_opts o = { .who = "test" };
    struct db_merge_stats st;
    CU_ASSERT_EQUAL(db_merge_files(out, paths, 2, &o, &st, err, sizeof err), 0);
    CU_ASSERT_EQUAL(st.added, 4);
    CU_ASSERT_EQUAL(st.duplicates, 1);
    /* "sw" has its 3 seeds; "other" 1 of 3. */
    CU_ASSERT_EQUAL(st.incomplete, 1);
    CU_ASSERT_EQUAL(db_scalar(out, "SELECT count(*) FROM runs"), 4);
    CU_ASSERT_EQUAL(db_scalar(out, "SELECT count(DISTINCT run_key) FROM runs"), 4);
    CU_ASSERT_EQUAL(db_scalar(out, "SELECT count(*) FROM metrics"), 8);
    CU_ASSERT_EQUAL(db_scalar(out, "SELECT count(*) FROM series"), 16);
    /* Child rows and memberships follow their run through the renumbering. */
    CU_ASSERT_EQUAL(db_scalar(out, "SELECT count(*) FROM runs r JOIN metrics m ON m.run_id = r.id"
                                   " WHERE m.name = 'goodput' AND m.value = 10 * r.seed AND r.code_version = 'v1'"), 3);
    CU_ASSERT_EQUAL(db_scalar(out, "SELECT count(*) FROM sweep_runs m JOIN sweeps s ON s.id = m.sweep_id"
                                   " JOIN runs r ON r.id = m.run_id WHERE s.sweep_key = 'sw' AND m.task = r.seed - 1"), 3);
    /* A merged database is a plain file: rollback journal, no -wal beside it. */
    sqlite3 *db = db_open(out, DB_READ, err, sizeof err);
    sqlite3_stmt *jm;
    CU_ASSERT_EQUAL(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &jm, NULL), SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_step(jm), SQLITE_ROW);
    CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(jm, 0), "delete");
    sqlite3_finalize(jm);
    db_close(db);

    /* A v2 run under sweep "sw" makes that sweep mixed: refused unless allowed, nothing written. */
    remove_db(b);
    db = db_open(b, DB_WRITE, err, sizeof err);
    struct db_writer w;
    db_writer_init(&w, db, err, sizeof err);
    CU_ASSERT_EQUAL(write_run(&w, &ps, 3, 1, "v2", "sw"), 0);
    db_writer_close(&w);
    db_close(db);
    CU_ASSERT_EQUAL(db_merge_files(out, paths + 1, 1, &o, &st, err, sizeof err), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--allow-mixed-versions"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "v1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "v2"));
    CU_ASSERT_EQUAL(db_scalar(out, "SELECT count(*) FROM runs"), 4);
    o.allow_mixed = 1;
    CU_ASSERT_EQUAL(db_merge_files(out, paths + 1, 1, &o, &st, err, sizeof err), 0);
    CU_ASSERT_EQUAL(st.added, 1);
    CU_ASSERT_EQUAL(db_scalar(out, "SELECT count(*) FROM runs"), 5);
    params_free(&ps);
    remove_db(a); remove_db(b); remove_db(out);
}

/* The engine is part of a run's identity: the kernel's run of the same point and seed is a
 * different run (own key, own point), never "already stored". */
static void test_engine_is_part_of_identity(void)
{
    char path[256], err[512], key[512], params[256];
    tmp_path(path, sizeof path, "engine.db");
    remove_db(path);
    sqlite3 *db = db_open(path, DB_WRITE, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(db);
    struct db_writer w;
    CU_ASSERT_EQUAL_FATAL(db_writer_init(&w, db, err, sizeof err), 0);
    struct param_set ps;
    params_init(&ps, defs, 3);
    CU_ASSERT_EQUAL(write_run(&w, &ps, 1, 1.0, "v1", NULL), 0);
    struct run_result r;
    fixture_result(&r, 2.0);
    struct db_run_meta m = { .scenario = "fix", .experiment = "fixture", .code_version = "v1", .engine = "kernel",
                             .started_ms = 1700000000123LL, .finished_ms = 1700000001456LL };
    CU_ASSERT_EQUAL(db_write_run(&w, &m, &ps, &r, NULL, NULL, err, sizeof err), 0);
    result_free(&r);
    params_canonical(&ps, params, sizeof params);
    db_run_key_engine(key, sizeof key, "fix", params, "v1", "kernel");
    CU_ASSERT(db_find_run(&w, key, NULL, err, sizeof err) > 0);
    db_run_key_engine(key, sizeof key, "fix", params, "v1", "sim");
    CU_ASSERT(db_find_run(&w, key, NULL, err, sizeof err) > 0);
    CU_ASSERT_EQUAL(db_writer_commit(&w, err, sizeof err), 0);
    db_writer_close(&w);
    db_close(db);
    params_free(&ps);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(DISTINCT point) FROM runs"), 2);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM point_metric_stats WHERE metric = 'goodput' AND n = 1"), 2);
    CU_ASSERT_EQUAL(db_scalar(path, "SELECT count(*) FROM params WHERE key = 'engine' AND text = 'kernel'"), 1);
    remove_db(path);
}

void register_test_db(void)
{
    TEST_SUITE("db",
               TEST(test_schema_file_matches),
               TEST(test_create_write_read),
               TEST(test_version_check),
               TEST(test_dump_roundtrip),
               TEST(test_merge), TEST(test_engine_is_part_of_identity));
}
