/* The ratelab command's input checking: every bad input gives one line naming the file and line
 * (or the --set argument) and exit status 2, and nothing runs. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run `ratelab ARGS` via the shell; capture stderr's first line and the exit status. */
static int run_cli(const char *args, char *line, size_t len)
{
    const char *bin = getenv("RATELAB");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1 >/dev/null", bin, args);
    FILE *p = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    line[0] = 0;
    if (!fgets(line, (int)len, p)) line[0] = 0;
    char rest[256];
    int extra = 0;
    while (fgets(rest, sizeof rest, p)) extra++;
    int st = pclose(p);
    CU_ASSERT_EQUAL(extra, 0);                  /* exactly one line */
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static const char *write_scenario(const char *body)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/ratelab-cli-test-%d.ini", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs(body, f);
    fclose(f);
    return path;
}

static void expect(const char *args, const char *needle1, const char *needle2)
{
    char line[1024];
    int rc = run_cli(args, line, sizeof line);
    if (rc != 2 || !strstr(line, needle1) || (needle2 && !strstr(line, needle2)))
        fprintf(stderr, "\n    ratelab %s -> %d: %s", args, rc, line);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(line, needle1));
    if (needle2) CU_ASSERT_PTR_NOT_NULL(strstr(line, needle2));
}

/* Write `body` as a scenario file, run it, expect a one-line error containing both needles. */
static void expect_file(const char *body, const char *needle1, const char *needle2)
{
    char args[256];
    snprintf(args, sizeof args, "run %s", write_scenario(body));
    expect(args, needle1, needle2);
}

static void test_bad_scenario_files(void)
{
    expect_file("experiment = asym_link\n# comment\ndown_kbps = 1024\nbogus_key = 3\n", ":4:", "unknown key 'bogus_key'");
    expect_file("experiment = asym_link\nup_kbps = fast\n", ":2:", "'up_kbps': 'fast' is not a number");
    expect_file("experiment = asym_link\n\nup_kbps = -5\n", ":3:", "out of range");
    expect_file("experiment = asym_link\nframing = adsl\n", ":2:", "allowed: ppp|ethernet|pppoa_atm|pppoe_atm");
    expect_file("experiment = asym_link\nduration_s = 10\nwarmup_s = 10\n", ":3:", "warmup_s");
    expect_file("down_kbps = 1024\n", "missing key 'experiment'", NULL);
    expect_file("experiment = nosuch\n", ":1:", "allowed: asym_link");
    expect_file("experiment = asym_link\nmss = 1000\nmss = 1200\n", ":3:", "set twice");
    expect_file("experiment = asym_link\n[section]\nmss = 1000\n", ":2:", "sections are not used");
    remove(write_scenario(""));
}

static void test_bad_command_line(void)
{
    expect("run scenarios/asym_link.ini --set up_kbps=abc", "--set up_kbps=abc", "not a number");
    expect("run scenarios/asym_link.ini --set nokey=1", "--set nokey=1", "unknown key");
    expect("run scenarios/asym_link.ini --set warmup_s=100", "--set warmup_s=100", "less than duration_s");
    expect("run scenarios/asym_link.ini --bogus", "unknown flag '--bogus'", NULL);
    expect("run /nonexistent.ini", "/nonexistent.ini", "cannot open");
    expect("frobnicate", "unknown subcommand", NULL);
    /* Flags of `kernel` are checked before it needs root or namespaces. */
    expect("kernel scenarios/asym_link.ini --wait-idle 2", "--wait-idle 2", "out of range");
    expect("kernel scenarios/asym_link.ini --wait-idle", "--wait-idle", "needs a value");
    expect("kernel --cleanup --wait-idle 0.1", "--cleanup takes no scenario or other flags", NULL);
}

static void test_json_output(void)
{
    const char *bin = getenv("RATELAB");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s run scenarios/asym_link.ini --set duration_s=5 --set warmup_s=1 --json", bin);
    FILE *p = popen(cmd, "r");
    char buf[16384] = { 0 };
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    int st = pclose(p);
    CU_ASSERT(n > 0);
    CU_ASSERT_EQUAL(WEXITSTATUS(st), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"down_goodput_kbps\":"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"up_bytes_by_class\":{\"data\":"));
    CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\"params\":{\"down_kbps\":1024,"));
    CU_ASSERT_EQUAL(buf[0], '{');
    CU_ASSERT_EQUAL(buf[n - 2], '}');
    CU_ASSERT_EQUAL(buf[n - 1], '\n');
}

void register_test_cli(void)
{
    TEST_SUITE("cli",
               TEST(test_bad_scenario_files),
               TEST(test_bad_command_line),
               TEST(test_json_output));
}
