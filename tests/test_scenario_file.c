/* Scenario files say what they mean or are refused: a comment of any length stays a comment,
 * only `key = value` sets a key, numbers are strict, a NUL byte or a file that is not a regular
 * file is named (as it is for traces, baselines and databases), and error lines are the file's
 * real lines.  Every refusal is one line, exit 2. */
#include "testutil.h"
#include <sys/stat.h>
#include "test_sweep_helpers.h"

static char path[256];

static void write_bytes(const char *bytes, size_t n)
{
    tmp_path(path, sizeof path, "scn.ini");
    FILE *f = fopen(path, "wb");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fwrite(bytes, 1, n, f);
    fclose(f);
}

static void write_text(const char *text) { write_bytes(text, strlen(text)); }

/* `ratelab run` on the file must fail with exit 2 and one line holding both needles. */
static void refused(const char *needle1, const char *needle2)
{
    struct cli_out o;
    int rc = cli(&o, "run %s --set duration_s=2 --set warmup_s=1", path);
    int lines = 0;
    for (const char *p = o.err; *p; p++) lines += *p == '\n';
    if (rc != 2 || !strstr(o.err, needle1) || (needle2 && !strstr(o.err, needle2)) || lines != 1)
        fprintf(stderr, "\n    -> %d: %.300s", rc, o.err);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_EQUAL(lines, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, needle1));
    if (needle2) CU_ASSERT_PTR_NOT_NULL(strstr(o.err, needle2));
}

/* Exit status of `PREFIX $RATELAB ARGS FILE` with its output discarded: PREFIX bounds the time
 * (timeout, ulimit -t) so a regression fails the test instead of stalling the suite. */
static char limited_err[4096];
static int limited(const char *prefix, const char *args, const char *file)
{
    char cmd[1024], errf[128];
    tmp_path(errf, sizeof errf, "limited.err");
    snprintf(cmd, sizeof cmd, "%s %s %s %s >/dev/null 2>%s", prefix, getenv("RATELAB"), args, file, errf);
    int st = system(cmd);
    slurp(errf, limited_err, sizeof limited_err);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_long_lines_stay_whole(void)
{
    static char text[300000];
    struct cli_out o;
    /* A comment longer than a 200-byte line buffer, ending in what looks like a setting: with the
     * setting right at byte 199 (a 199-byte piece then ends the comment and the rest reads as a
     * line of its own, which set duration_s silently), and one byte later (where the rest began
     * with a blank and read as a continuation line). */
    static const char *const comments[] = { "# %0197dduration_s = 3\n", "# %0197d duration_s = 3\n" };
    for (int k = 0; k < 2; k++) {
        int n = snprintf(text, sizeof text, "experiment = asym_link\n");
        n += snprintf(text + n, sizeof text - (size_t)n, comments[k], 0);
        CU_ASSERT(n > 200);
        write_text(text);
        CU_ASSERT_EQUAL(cli(&o, "run %s --json --set warmup_s=1", path), 0);
        CU_ASSERT_PTR_NULL(strstr(o.out, "\"duration_s\":3,"));
        CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "\"duration_s\":"));
    }
    /* One padded line must not set two keys. */
    snprintf(text, sizeof text, "experiment = asym_link\nmss = 1000%*sn_up = 1\n", 190, "");
    write_text(text);
    refused(":2:", "key 'mss'");
    /* After a 100 000-byte comment line the error is on the file's line 3, not further down. */
    size_t o_ = (size_t)snprintf(text, sizeof text, "experiment = asym_link\n#");
    memset(text + o_, 'x', 100000);
    snprintf(text + o_ + 100000, sizeof text - o_ - 100000, "\nbogus_key = 1\n");
    write_text(text);
    refused(":3:", "unknown key 'bogus_key'");
}

static void test_only_key_equals_value(void)
{
    write_text("experiment = asym_link\nduration_s: 30\n");
    refused(":2:", "':' is not a separator");
    write_text("experiment = asym_link\n  duration_s\n");
    refused(":2:", "expected 'key = value'");
    write_text("experiment = asym_link\nduration_s =\n");
    refused(":2:", "no value");
    write_text("experiment = asym_link\n[run]\nduration_s = 30\n");
    refused(":2:", "sections are not used");
    static const char nul[] = "experiment = asym_link\nduration_s = 30\0 junk\n";
    write_bytes(nul, sizeof nul - 1);
    refused(":2:", "NUL byte");
    write_text("experiment = asym_link\nexperiment = asym_link\n");
    refused(":2:", "set twice (first at line 1)");
}

static void test_strict_numbers(void)
{
    write_text("experiment = asym_link\nmss = 0x5b4\n");
    refused(":2: key 'mss': '0x5b4'", "is not a number");
    write_text("experiment = asym_link\nmss = 1460abc\n");
    refused(":2: key 'mss': '1460abc'", "is not a number");
    write_text("experiment = asym_link\nmss = +1460\n");
    refused(":2: key 'mss': '+1460'", "is not a number");
    write_text("experiment = asym_link\ncore_delay_ms = inf\n");
    refused(":2: key 'core_delay_ms': 'inf'", "is not a number");
    /* 2^53 + 1 would be read as 2^53: refused rather than rounded. */
    write_text("experiment = asym_link\nseed = 9007199254740993\n");
    refused(":2: key 'seed': '9007199254740993'", "is not exactly a double");
    write_text("experiment = asym_link\nseed = 1e17\n");
    refused(":2: key 'seed': '1e17'", "is not exactly a double");
    /* Exact ones pass: 2^53 itself, and 2^60 written out. */
    struct cli_out o;
    write_text("experiment = asym_link\nseed = 1152921504606846976\nduration_s = 2\nwarmup_s = 1\n");
    CU_ASSERT_EQUAL(cli(&o, "run %s --json", path), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "\"seed\":1152921504606846976"));
}

static void test_regular_files_only(void)
{
    char dir[256], fifo[256];
    tmp_path(dir, sizeof dir, "scn-dir.ini");
    tmp_path(fifo, sizeof fifo, "scn-fifo.ini");
    rmdir(dir);
    remove(fifo);
    CU_ASSERT_EQUAL(mkdir(dir, 0755), 0);
    CU_ASSERT_EQUAL(mkfifo(fifo, 0644), 0);
    struct cli_out o;
    CU_ASSERT_EQUAL(cli(&o, "run %s", dir), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "is a directory, not a scenario file"));
    /* A FIFO nobody writes to: refused at once, not waited on (the timeout only guards the
     * suite against a regression; 124 would be its exit status). */
    CU_ASSERT_EQUAL(limited("timeout 20", "run", fifo), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(limited_err, "is a FIFO, not a scenario file"));
    CU_ASSERT_EQUAL(limited("timeout 20", "sweep --vary n_up=0,1", fifo), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(limited_err, "is a FIFO"));
    CU_ASSERT_EQUAL(limited("timeout 20", "run", "/dev/null"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(limited_err, "/dev/null: is a character device"));
    /* Every other file ratelab reads the same way: a trace, a baseline, a database, a merge input
     * (rate-replay and regress waited on the FIFO and read /dev/zero without end). */
    static const struct { const char *args, *file, *said; } others[] = {
        { "rate-replay --algo etorrent", NULL, "is a FIFO, not a trace file" },
        { "rate-replay --algo etorrent", "/dev/zero", "/dev/zero: is a character device, not a trace file" },
        { "regress --baseline", NULL, "is a FIFO, not a baseline" },
        { "regress --baseline", "/dev/zero", "/dev/zero: is a character device, not a baseline" },
        { "plot /dev/zero", "line --x n_up --y drops", "/dev/zero: is a character device, not a database file" },
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        int rc = limited("timeout 20", others[i].args, others[i].file ? others[i].file : fifo);
        if (rc != 2 || !strstr(limited_err, others[i].said)) fprintf(stderr, "\n    %s -> %d: %s", others[i].args, rc, limited_err);
        CU_ASSERT_EQUAL(rc, 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(limited_err, others[i].said));
    }
    char out[256], args[300];
    tmp_path(out, sizeof out, "fifo-merge.db");
    snprintf(args, sizeof args, "merge %s", out);
    CU_ASSERT_EQUAL(limited("timeout 20", args, fifo), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(limited_err, "not a regular file"));
    CU_ASSERT_NOT_EQUAL(access(out, F_OK), 0);
    remove(out);
    rmdir(dir);
    remove(fifo);
}

/* 100 000 distinct keys: checked as read, one by one against the experiment, so the first unknown
 * one ends the load; collecting them all with a linear duplicate check took 34 s here.  The CPU
 * limit (far above the milliseconds this takes) only keeps a regression from stalling the suite. */
static void test_many_keys_linear(void)
{
    static char text[2000000];
    size_t o_ = 0;
    for (int i = 0; i < 100000; i++) o_ += (size_t)snprintf(text + o_, sizeof text - o_, "key_%d = 1\n", i);
    snprintf(text + o_, sizeof text - o_, "experiment = asym_link\n");
    write_text(text);
    CU_ASSERT_EQUAL(limited("ulimit -t 10;", "run", path), 2);
    refused(":1:", "unknown key 'key_0'");
    remove(path);
}

void register_test_scenario_file(void)
{
    TEST_SUITE("scenario_file",
               TEST(test_long_lines_stay_whole),
               TEST(test_only_key_equals_value),
               TEST(test_strict_numbers),
               TEST(test_regular_files_only),
               TEST(test_many_keys_linear));
}
