/* Figures from real sweep databases (asym_link, etorrent, xtreme, short runs): every figure
 * renders a PNG and an SVG with gnuplot silent; empty selections and bad options say so. */
#include "testutil.h"
#include <string.h>
#include <sys/stat.h>
#include "test_sweep_helpers.h"

static char asym_db[256], et_db[256], xt_db[256];

/* Three small sweeps, made once for the whole suite. */
static int ensure_dbs(void)
{
    static int done = -1;
    if (done >= 0) return done;
    struct cli_out o;
    tmp_path(asym_db, sizeof asym_db, "plot-asym.db");
    tmp_path(et_db, sizeof et_db, "plot-et.db");
    tmp_path(xt_db, sizeof xt_db, "plot-xt.db");
    remove_db(asym_db); remove_db(et_db); remove_db(xt_db);
    done = cli(&o, "sweep scenarios/asym_link.ini --vary up_limit_kbps=16,64,96 --vary modem_queue_pkts=5,45"
                   " --seeds 2 --set duration_s=10 --set warmup_s=1 --set n_up=1 --db %s", asym_db) == 0 &&
           cli(&o, "sweep scenarios/etorrent_dynamic.ini --set policy=hysteresis --vary hi_mark=8k:32k:x2"
                   " --vary lo_mark=2k:16k:x2 --where 'lo_mark <= hi_mark' --seeds 2 --set duration_s=30"
                   " --set warmup_s=5 --set late_from_s=5 --set late_to_s=20 --set step_from_s=5 --set step_to_s=20"
                   " --set n_peers=10 --db %s", et_db) == 0 &&
           cli(&o, "sweep scenarios/xtreme_adsl.ini --vary upload_policy=official,xtreme,nafc"
                   " --vary upload_limit_kBps=30,50 --seeds 2 --set duration_s=40 --set warmup_s=10 --db %s", xt_db) == 0;
    if (!done) fprintf(stderr, "\n    sweep for the figures failed: %s\n", o.err);
    return done;
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* Renders one figure and checks both files: a PNG signature, an <svg> element, gnuplot silent. */
static void plot_ok(const char *db, const char *figure, const char *opts)
{
    char out[256], png[300], svg[300];
    tmp_path(out, sizeof out, figure);
    snprintf(png, sizeof png, "%s.png", out);
    snprintf(svg, sizeof svg, "%s.svg", out);
    remove(png);
    remove(svg);
    struct cli_out o;
    int rc = cli(&o, "plot %s %s --out %s %s", db, figure, out, opts);
    if (rc != 0 || o.err[0]) fprintf(stderr, "\n    plot %s %s -> %d: %s", figure, opts, rc, o.err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_STRING_EQUAL(o.err, "");          /* any gnuplot message would be reported here */
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, png));
    CU_ASSERT(file_size(png) > 2000);
    FILE *f = fopen(png, "rb");
    unsigned char sig[8] = { 0 };
    if (f) { CU_ASSERT_EQUAL(fread(sig, 1, 8, f), 8); fclose(f); }
    CU_ASSERT(memcmp(sig, "\x89PNG\r\n\x1a\n", 8) == 0);
    char text[4096] = "";
    f = fopen(svg, "r");
    if (f) { text[fread(text, 1, sizeof text - 1, f)] = 0; fclose(f); }
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "<svg"));
    remove(png);
    remove(svg);
}

/* Exit status and message of a figure that must not be drawn; no file may appear. */
static void plot_fails(const char *db, const char *figure, const char *opts, int want_rc, const char *needle)
{
    char out[256], png[300];
    tmp_path(out, sizeof out, "nofig");
    snprintf(png, sizeof png, "%s.png", out);
    remove(png);
    struct cli_out o;
    int rc = cli(&o, "plot %s %s --out %s %s", db, figure, out, opts);
    if (rc != want_rc || !strstr(o.err, needle)) fprintf(stderr, "\n    plot %s %s -> %d: %s", figure, opts, rc, o.err);
    CU_ASSERT_EQUAL(rc, want_rc);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, needle));
    CU_ASSERT_EQUAL(file_size(png), -1);
}

static void test_list(void)
{
    struct cli_out o;
    CU_ASSERT_EQUAL(cli(&o, "plot --list"), 0);
    static const char *const names[] = { "line", "heatmap", "pareto", "cpu_heatmap", "err_heatmap", "cpu_err_pareto",
                                         "upload_stack", "slots", "limit_goodput" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) CU_ASSERT_PTR_NOT_NULL(strstr(o.out, names[i]));
}

static void test_asym_link_figures(void)
{
    CU_ASSERT_FATAL(ensure_dbs());
    plot_ok(asym_db, "line", "--x up_limit_kbps --y down_goodput_kbps --by modem_queue_pkts");
    plot_ok(asym_db, "line", "--x up_limit_kbps --y up_queue_delay_ms_mean --where 'modem_queue_pkts == 45'");
    plot_ok(asym_db, "heatmap", "--x up_limit_kbps --y modem_queue_pkts --z down_goodput_kbps");
    plot_ok(asym_db, "pareto", "--x up_queue_delay_ms_mean --y down_goodput_kbps --label up_limit_kbps,modem_queue_pkts"
                               " --chosen 'up_limit_kbps == 64 && modem_queue_pkts == 5'");
    plot_ok(asym_db, "upload_stack", "");
    plot_ok(asym_db, "upload_stack", "--run 3");
}

/* A user whose font cache is stale and who has no writable cache directory (HOME not a directory,
 * the configured cache dir impossible): fontconfig prints "No writable cache directories" and
 * gnuplot still draws.  Before, that line made every figure fail for such a user. */
static void test_font_cache_not_writable(void)
{
    CU_ASSERT_FATAL(ensure_dbs());
    char dir[256], conf[300], cmd[700];
    tmp_path(dir, sizeof dir, "fontconf");
    snprintf(conf, sizeof conf, "%s/fonts.conf", dir);
    snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/fonts", dir, dir);
    CU_ASSERT_FATAL(system(cmd) == 0);
    FILE *f = fopen(conf, "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f, "<?xml version=\"1.0\"?>\n<fontconfig><dir>%s/fonts</dir><cachedir>/dev/null/fc</cachedir>"
               "<cachedir prefix=\"xdg\">fontconfig</cachedir></fontconfig>\n", dir);
    fclose(f);
    /* The condition itself, shown on gnuplot directly, so this test cannot pass vacuously. */
    snprintf(cmd, sizeof cmd, "env -u XDG_CACHE_HOME HOME=/dev/null FONTCONFIG_FILE=%s gnuplot -e "
             "'set term pngcairo; set output \"/dev/null\"; plot x' 2>&1 | grep -q 'No writable cache directories'", conf);
    CU_ASSERT_EQUAL(system(cmd), 0);
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *xdg = getenv("XDG_CACHE_HOME") ? strdup(getenv("XDG_CACHE_HOME")) : NULL;
    setenv("HOME", "/dev/null", 1);
    unsetenv("XDG_CACHE_HOME");
    setenv("FONTCONFIG_FILE", conf, 1);
    plot_ok(asym_db, "line", "--x up_limit_kbps --y down_goodput_kbps --by modem_queue_pkts");
    unsetenv("FONTCONFIG_FILE");
    if (home) setenv("HOME", home, 1); else unsetenv("HOME");
    if (xdg) setenv("XDG_CACHE_HOME", xdg, 1);
    free(home);
    free(xdg);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_etorrent_figures(void)
{
    CU_ASSERT_FATAL(ensure_dbs());
    /* hi {8k, 16k, 32k} x lo {2k, 4k, 8k, 16k} with lo <= hi: 3 + 4 + 4 = 11 points. */
    CU_ASSERT_EQUAL(db_scalar(et_db, "SELECT count(DISTINCT point) FROM runs"), 11);
    plot_ok(et_db, "cpu_heatmap", "");
    plot_ok(et_db, "err_heatmap", "");
    plot_ok(et_db, "cpu_err_pareto", "");
    plot_ok(et_db, "line", "--x hi_mark --y switches_per_peer_hour --by lo_mark");
}

static void test_xtreme_figures(void)
{
    CU_ASSERT_FATAL(ensure_dbs());
    plot_ok(xt_db, "limit_goodput", "");
    plot_ok(xt_db, "slots", "--where \"upload_policy == 'xtreme'\"");
    plot_ok(xt_db, "upload_stack", "--where \"upload_policy == 'nafc' && upload_limit_kBps == 50\"");
}

static void test_empty_selections(void)
{
    CU_ASSERT_FATAL(ensure_dbs());
    plot_fails(asym_db, "cpu_heatmap", "", 1, "nothing to draw: no selected run has metric 'cpu_us_per_s'");
    plot_fails(asym_db, "slots", "", 1, "no selected run has series 'slots_full'");
    plot_fails(asym_db, "line", "--where 'up_limit_kbps > 1M' --x up_limit_kbps --y drops", 1, "no run matches --where");
    plot_fails(asym_db, "line", "--x voip_kbps --y nosuch_metric", 1, "no selected run has metric 'nosuch_metric'");
    plot_fails(et_db, "limit_goodput", "", 1, "no selected run has metric 'down_goodput_kbps'");
    plot_fails(asym_db, "upload_stack", "--run 999", 1, "run 999 has no series");
}

static void test_bad_options(void)
{
    CU_ASSERT_FATAL(ensure_dbs());
    plot_fails(asym_db, "nofigure", "", 2, "unknown figure 'nofigure' (allowed: line|");
    plot_fails(asym_db, "line", "--y drops", 2, "figure line needs --x KEY");
    plot_fails(asym_db, "line", "--x up_limit_kbps --y drops --where 'bogus > 1'", 2, "unknown key 'bogus'");
    plot_fails(asym_db, "upload_stack", "--run x", 2, "--run x");
    plot_fails(asym_db, "line", "--x up_limit_kbps --y drops --frobnicate 1", 2, "unknown flag '--frobnicate'");
    plot_fails("/nonexistent.db", "line", "--x a --y b", 2, "/nonexistent.db: no such database file");
    /* Two points on one x position (modem_queue_pkts differs) are not averaged silently. */
    plot_fails(asym_db, "line", "--x up_limit_kbps --y drops", 2, "differ in modem_queue_pkts");
    /* Runs of two builds in one selection. */
    char mixed[256], cmd[700];
    tmp_path(mixed, sizeof mixed, "plot-mixed.db");
    snprintf(cmd, sizeof cmd, "cp %s %s", asym_db, mixed);
    CU_ASSERT_EQUAL(system(cmd), 0);
    sqlite3 *db;
    sqlite3_open(mixed, &db);
    sqlite3_exec(db, "UPDATE runs SET code_version = 'older-build' WHERE id % 2 = 0", NULL, NULL, NULL);
    sqlite3_close(db);
    plot_fails(mixed, "heatmap", "--x up_limit_kbps --y modem_queue_pkts --z drops", 2, "mixes code versions");
    /* One build's half is drawn, with a note that its sweep lacks the other half's runs. */
    struct cli_out o;
    tmp_path(cmd, sizeof cmd, "heatmap-older");
    CU_ASSERT_EQUAL(cli(&o, "plot %s heatmap --x up_limit_kbps --y modem_queue_pkts --z drops --out %s"
                            " --where \"code_version == 'older-build'\"", mixed, cmd), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "ratelab plot: note: sweep 'asym_link --seeds 2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "(code older-build) is incomplete: 6 of 12 runs"));
    CU_ASSERT_PTR_NULL(strstr(o.err, "gnuplot"));
    char file[720];
    snprintf(file, sizeof file, "%s.png", cmd);
    remove(file);
    snprintf(file, sizeof file, "%s.svg", cmd);
    remove(file);
    remove_db(mixed);
}

static void test_cleanup(void)
{
    remove_db(asym_db);
    remove_db(et_db);
    remove_db(xt_db);
    CU_ASSERT_EQUAL(file_size(asym_db), -1);
}

void register_test_plot(void)
{
    TEST_SUITE("plot",
               TEST(test_list),
               TEST(test_asym_link_figures),
               TEST(test_font_cache_not_writable),
               TEST(test_etorrent_figures),
               TEST(test_xtreme_figures),
               TEST(test_empty_selections),
               TEST(test_bad_options),
               TEST(test_cleanup));
}
