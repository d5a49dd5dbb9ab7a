/* ratelab report end to end: small sweeps of both experiments and a sensitivity study make one
 * self-contained page holding the answer tables and every figure; headless Chromium renders it
 * (DOM: tables and figures present; screenshot: not blank).  Without Chromium that part skips
 * with a message. */
#include <png.h>
#include <string.h>
#include <sys/stat.h>
#include "testutil.h"
#include "test_sweep_helpers.h"

static char xt_db[256], et_db[256], sens_db[256], out_dir[256], page[300];
static int n_figures = -1, n_tables = -1;

static int ensure_report(void)
{
    static int done = -1;
    if (done >= 0) return done;
    struct cli_out o;
    tmp_path(xt_db, sizeof xt_db, "report-xt.db");
    tmp_path(et_db, sizeof et_db, "report-et.db");
    tmp_path(sens_db, sizeof sens_db, "report-sens.db");
    tmp_path(out_dir, sizeof out_dir, "report-out");
    snprintf(page, sizeof page, "%s/report.html", out_dir);
    remove_db(xt_db); remove_db(et_db); remove_db(sens_db);
    remove(page);
    done = cli(&o, "sweep scenarios/xtreme_adsl.ini --vary upload_policy=xtreme,nafc --vary upload_limit_kBps=30,45,60"
                   " --seeds 2 --set duration_s=20 --set warmup_s=5 --db %s", xt_db) == 0 &&
           cli(&o, "sweep scenarios/xtreme_adsl.ini --set dl_never_frac=1 --set dl_late_frac=0 --seeds 2"
                   " --set duration_s=20 --set warmup_s=5 --db %s", xt_db) == 0 &&
           cli(&o, "sweep scenarios/etorrent_dynamic.ini --set policy=hysteresis --vary hi_mark=8k,16k,32k --set lo_mark=4k"
                   " --seeds 2 --set duration_s=25 --set warmup_s=5 --set late_from_s=5 --set late_to_s=20"
                   " --set step_from_s=5 --set step_to_s=20 --set n_peers=8 --db %s", et_db) == 0 &&
           cli(&o, "sensitivity scenarios/xtreme_adsl.ini --keys framing,modem_queue_pkts --metric down_goodput_kbps"
                   " --trajectories 3 --set duration_s=15 --set warmup_s=5 --db %s", sens_db) == 0;
    if (!done) { fprintf(stderr, "\n    set-up failed: %s", o.err); return done; }
    done = cli(&o, "report %s %s %s --out %s", xt_db, et_db, sens_db, out_dir) == 0 &&
           sscanf(strstr(o.out, "html: ") ? strstr(o.out, "html: ") + 6 : "", "%d figures, %d tables", &n_figures, &n_tables) == 2;
    if (!done) fprintf(stderr, "\n    report failed: %s%s", o.out, o.err);
    return done;
}

static char *slurp_all(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s) s[fread(s, 1, (size_t)n, f)] = 0;
    fclose(f);
    return s;
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; p && (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

static void test_page_holds_answers_and_figures(void)
{
    CU_ASSERT_FATAL(ensure_report());
    /* marks + limit; per xtreme line 3 figures, per etorrent profile 2, 1 sensitivity */
    CU_ASSERT_EQUAL(n_tables, 2);
    CU_ASSERT_EQUAL(n_figures, 6);
    char *html = slurp_all(page);
    CU_ASSERT_PTR_NOT_NULL_FATAL(html);
    CU_ASSERT_EQUAL(count(html, "<figure class=\"fig\""), n_figures);
    CU_ASSERT_EQUAL(count(html, "<svg"), n_figures);
    CU_ASSERT_EQUAL(count(html, "<table class=\"rec\""), n_tables);
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "data-table=\"marks\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "data-table=\"limit\""));
    /* the limit table answers which policy, and says what each line is */
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "pick: most upload goodput at its limit"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "Lines: <code>xtreme_adsl</code> down_kbps=6016 framing=pppoe_atm up_kbps=576"));
    CU_ASSERT_EQUAL(count(html, "<figcaption><b>Figure"), n_figures);
    CU_ASSERT_EQUAL(count(html, "</b> Decides "), n_figures);     /* every caption says what it decides */
    /* self-contained: nothing fetched, nothing run */
    CU_ASSERT_PTR_NULL(strstr(html, "<script"));
    CU_ASSERT_PTR_NULL(strstr(html, "src="));
    CU_ASSERT_PTR_NULL(strstr(html, "href=\"http"));
    CU_ASSERT_PTR_NULL(strstr(html, "<?xml"));
    /* figure ids are unique: the second figure's point symbols are its own */
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "id='f1-gpPt0'"));
    CU_ASSERT_EQUAL(count(html, "id='f1-gpPt0'"), 1);
    /* provenance: code version, scenarios, seeds, engine */
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "How these numbers were made"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "xtreme_adsl"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "etorrent_dynamic"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td>2 (1–2)</td>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td>sim</td>"));                /* the engine */
    free(html);
    /* and stored: the tables are in the databases */
    CU_ASSERT_EQUAL(db_scalar(xt_db, "SELECT count(*) FROM rec_tables WHERE tbl = 'limit'"), 1);
    CU_ASSERT_EQUAL(db_scalar(et_db, "SELECT count(*) FROM rec_tables WHERE tbl = 'marks'"), 1);
    CU_ASSERT(db_scalar(sens_db, "SELECT count(*) FROM sensitivity WHERE key = '(seed)'") == 3);
}

static void test_bad_input(void)
{
    CU_ASSERT_FATAL(ensure_report());
    struct cli_out o;
    CU_ASSERT_EQUAL(cli(&o, "report /nonexistent.db --out %s", out_dir), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "/nonexistent.db: no such database"));
    CU_ASSERT_EQUAL(cli(&o, "report %s", xt_db), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--out DIR"));
    CU_ASSERT_EQUAL(cli(&o, "report %s --out %s --keep 2", xt_db, out_dir), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--keep 2"));
    /* A database with nothing a section needs: nothing to report, said, exit 1, no page. */
    char empty[256], dir[256], p2[300];
    tmp_path(empty, sizeof empty, "report-empty.db");
    tmp_path(dir, sizeof dir, "report-empty");
    snprintf(p2, sizeof p2, "%s/report.html", dir);
    remove_db(empty);
    CU_ASSERT_EQUAL(cli(&o, "run scenarios/asym_link.ini --set duration_s=2 --set warmup_s=1 --db %s", empty), 0);
    CU_ASSERT_EQUAL(cli(&o, "report %s --out %s", empty, dir), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "no database holds"));
    struct stat sb;
    CU_ASSERT_NOT_EQUAL(stat(p2, &sb), 0);
    remove_db(empty);
    rmdir(dir);
}

/* ---- headless Chromium */

static const char *chromium(void)
{
    const char *env = getenv("RATELAB_CHROMIUM");
    if (env && *env) return env;
    return system("command -v chromium >/dev/null 2>&1") == 0 ? "chromium" : NULL;
}

static int run_chromium(const char *bin, const char *profile, const char *what, const char *redirect)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "rm -rf %s && timeout 120 %s --headless --no-sandbox --disable-gpu --disable-background-networking"
                              " --disable-component-update --disable-sync --no-first-run --user-data-dir=%s"
                              " --window-size=1200,2400 %s file://%s %s 2>/dev/null; rc=$?; rm -rf %s; exit $rc",
             profile, bin, profile, what, page, redirect, profile);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_chromium_renders_it(void)
{
    CU_ASSERT_FATAL(ensure_report());
    const char *bin = chromium();
    if (!bin) {
        fprintf(stderr, "\n    skipped: chromium is not installed (apt-get install chromium, or set RATELAB_CHROMIUM) ");
        return;
    }
    char profile[256], dom[256], shot[256];
    tmp_path(profile, sizeof profile, "report-chromium-profile");
    tmp_path(dom, sizeof dom, "report-dom.html");
    tmp_path(shot, sizeof shot, "report-shot.png");
    char redirect[300];
    snprintf(redirect, sizeof redirect, "> %s", dom);
    CU_ASSERT_EQUAL_FATAL(run_chromium(bin, profile, "--dump-dom", redirect), 0);
    char *d = slurp_all(dom);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    /* the parsed DOM: both tables with their rows, every figure with an svg inside */
    CU_ASSERT_PTR_NOT_NULL(strstr(d, "data-table=\"marks\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(d, "data-table=\"limit\""));
    CU_ASSERT_EQUAL(count(d, "<table class=\"rec\""), n_tables);
    CU_ASSERT_EQUAL(count(d, "<figure class=\"fig\""), n_figures);
    CU_ASSERT_EQUAL(count(d, "<svg"), n_figures);
    for (int i = 0; i < n_figures; i++) {
        char id[32];
        snprintf(id, sizeof id, "id=\"fig%d\"", i);
        CU_ASSERT_PTR_NOT_NULL(strstr(d, id));
    }
    free(d);
    remove(dom);

    char what[300];
    snprintf(what, sizeof what, "--screenshot=%s", shot);
    remove(shot);
    CU_ASSERT_EQUAL_FATAL(run_chromium(bin, profile, what, ""), 0);
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    CU_ASSERT_FATAL(png_image_begin_read_from_file(&img, shot) != 0);
    img.format = PNG_FORMAT_RGB;
    png_bytep px = malloc(PNG_IMAGE_SIZE(img));
    CU_ASSERT_FATAL(px != NULL && png_image_finish_read(&img, NULL, px, 0, NULL) != 0);
    /* Not blank: a real page has text, tables and plots: many non-white pixels, many colours. */
    size_t n = (size_t)img.width * img.height, ink = 0, n_col = 0;
    static unsigned char seen[4096];
    memset(seen, 0, sizeof seen);
    for (size_t i = 0; i < n; i++) {
        unsigned char r = px[3 * i], g = px[3 * i + 1], b = px[3 * i + 2];
        ink += r < 200 || g < 200 || b < 200;
        unsigned idx = (unsigned)(r >> 4) << 8 | (unsigned)(g >> 4) << 4 | (unsigned)(b >> 4);
        if (!seen[idx]) { seen[idx] = 1; n_col++; }
    }
    fprintf(stderr, "\n    screenshot %ux%u: %.1f %% ink, %zu colours ", img.width, img.height, 100.0 * (double)ink / (double)n, n_col);
    CU_ASSERT_EQUAL(img.width, 1200);
    CU_ASSERT((double)ink / (double)n > 0.02);
    CU_ASSERT(n_col >= 16);
    free(px);
    png_image_free(&img);
    remove(shot);
}

static void test_cleanup(void)
{
    remove_db(xt_db); remove_db(et_db); remove_db(sens_db);
    remove(page);
    char png[300];
    snprintf(png, sizeof png, "%s", sens_db);
    /* the sensitivity figure lands next to its database */
    char *slash = strrchr(png, '/');
    if (slash) {
        char f[400];
        snprintf(f, sizeof f, "%.*s/sensitivity-xtreme_adsl-down_goodput_kbps.png", (int)(slash - png), png);
        remove(f);
        snprintf(f, sizeof f, "%.*s/sensitivity-xtreme_adsl-down_goodput_kbps.svg", (int)(slash - png), png);
        remove(f);
    }
    CU_ASSERT_EQUAL(rmdir(out_dir), 0);
}

void register_test_report(void)
{
    TEST_SUITE("report",
               TEST(test_page_holds_answers_and_figures),
               TEST(test_bad_input),
               TEST(test_chromium_renders_it),
               TEST(test_cleanup));
}
