/* Replays the committed traces of etorrent.md §1's worked examples, through the library and
 * through the ratelab binary, and checks the command's input errors (one line, exit 2). */
#include "testutil.h"
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "replay.h"

/* tests/traces/NAME from the source tree: the working directory when run by `make test`, else
 * found from $RATELAB, which is ROOT/BUILD/ratelab. */
static const char *trace_path(const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "tests/traces/%s", name);
    if (access(path, R_OK) == 0) return path;
    const char *bin = getenv("RATELAB");
    if (bin) {
        char tmp[1024];
        snprintf(tmp, sizeof tmp, "%s", bin);
        char *dir = dirname(dirname(tmp));
        snprintf(path, sizeof path, "%s/tests/traces/%s", dir, name);
    }
    return path;
}

struct expect { double t, rate; };

/* The "# expect T RATE" lines of a trace: the values stated (with their hand computation) in
 * the trace's comments. */
static size_t read_expectations(const char *path, struct expect *ex, size_t max)
{
    FILE *f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char line[512];
    size_t n = 0;
    while (fgets(line, sizeof line, f))
        if (n < max && sscanf(line, "# expect %lf %lf", &ex[n].t, &ex[n].rate) == 2) n++;
    fclose(f);
    return n;
}

/* Every expectation must match the LAST CSV row printed for its time, to 0.1 B/s. */
static void check_csv(const char *csv, const struct expect *ex, size_t n_ex, const char *what)
{
    CU_ASSERT_EQUAL(strncmp(csv, "t,bytes,rate\n", 13), 0);
    for (size_t k = 0; k < n_ex; k++) {
        int found = 0;
        double got = NAN;
        const char *p = strchr(csv, '\n');
        while (p && p[1]) {
            double t, rate;
            unsigned long long b;
            if (sscanf(p + 1, "%lf,%llu,%lf", &t, &b, &rate) == 3 && fabs(t - ex[k].t) < 1e-9) {
                found = 1;
                got = rate;
            }
            p = strchr(p + 1, '\n');
        }
        if (!found || !(fabs(got - ex[k].rate) <= 0.1))
            fprintf(stderr, "\n    %s: t=%g want %.4f got %.4f%s", what, ex[k].t, ex[k].rate, got, found ? "" : " (no row)");
        CU_ASSERT(found);
        CU_ASSERT(fabs(got - ex[k].rate) <= 0.1);
    }
}

static void replay_lib(const char *trace)
{
    const char *path = trace_path(trace);
    struct expect ex[64];
    size_t n_ex = read_expectations(path, ex, 64);
    CU_ASSERT(n_ex >= 2);
    struct rate_params p;
    rate_params_init(&p, rate_algo_find("etorrent"));
    FILE *in = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(in);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    char err[256];
    int rc = rate_replay(in, path, &p, out, err, sizeof err);
    fclose(out);
    fclose(in);
    CU_ASSERT_EQUAL(rc, 0);
    check_csv(buf, ex, n_ex, trace);
    free(buf);
}

static void test_example1(void) { replay_lib("etorrent_ex1.trace"); }
static void test_example2(void) { replay_lib("etorrent_ex2.trace"); }
static void test_example3(void) { replay_lib("etorrent_ex3.trace"); }
static void test_example4(void) { replay_lib("etorrent_ex4.trace"); }
static void test_example5(void) { replay_lib("etorrent_ex5.trace"); }
static void test_example6(void) { replay_lib("etorrent_ex6.trace"); }

/* Run `ratelab ARGS`; stdout into out (if given), the first stderr line into line. */
static int run_cli(const char *args, char *out, size_t outlen, char *line, size_t linelen, int *n_err_lines)
{
    const char *bin = getenv("RATELAB");
    CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
    char errfile[64], cmd[2048];
    snprintf(errfile, sizeof errfile, "/tmp/ratelab-replay-test-%d.err", (int)getpid());
    snprintf(cmd, sizeof cmd, "%s %s 2>%s", bin, args, errfile);
    FILE *p = popen(cmd, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    size_t n = 0;
    if (out) {
        n = fread(out, 1, outlen - 1, p);
        out[n] = 0;
    } else {
        char sink[4096];
        while (fread(sink, 1, sizeof sink, p) > 0) {}
    }
    int st = pclose(p);
    FILE *e = fopen(errfile, "r");
    line[0] = 0;
    *n_err_lines = 0;
    if (e) {
        char tmp[1024];
        while (fgets(tmp, sizeof tmp, e)) {
            if (*n_err_lines == 0) snprintf(line, linelen, "%s", tmp);
            (*n_err_lines)++;
        }
        fclose(e);
    }
    remove(errfile);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_binary_replays_example6(void)
{
    const char *path = trace_path("etorrent_ex6.trace");
    struct expect ex[64];
    size_t n_ex = read_expectations(path, ex, 64);
    static char out[1 << 16];
    char line[1024], args[1200];
    int nl;
    snprintf(args, sizeof args, "rate-replay --algo etorrent --param fudge=5 %s", path);
    CU_ASSERT_EQUAL(run_cli(args, out, sizeof out, line, sizeof line, &nl), 0);
    CU_ASSERT_EQUAL(nl, 0);
    check_csv(out, ex, n_ex, "binary ex6");
    /* 40 data lines + 8 probes, plus the header */
    size_t rows = 0;
    for (const char *c = out; *c; c++) rows += *c == '\n';
    CU_ASSERT_EQUAL(rows, 49);
}

/* A refused input: exit 2, one line with the tool's prefix, and not a byte of CSV on stdout. */
static void expect_bad(const char *args, const char *needle1, const char *needle2)
{
    char line[1024];
    static char out[4096];
    int nl;
    int rc = run_cli(args, out, sizeof out, line, sizeof line, &nl);
    if (rc != 2 || !strstr(line, needle1) || (needle2 && !strstr(line, needle2)) || out[0])
        fprintf(stderr, "\n    ratelab %s -> %d: %s (stdout: %.60s)", args, rc, line, out);
    CU_ASSERT_EQUAL(rc, 2);
    CU_ASSERT_EQUAL(nl, 1);
    CU_ASSERT_STRING_EQUAL(out, "");
    CU_ASSERT_EQUAL(strncmp(line, "ratelab rate-replay: ", 21), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(line, needle1));
    if (needle2) CU_ASSERT_PTR_NOT_NULL(strstr(line, needle2));
}

static void test_binary_input_errors(void)
{
    char args[1200], tpath[64];
    const char *ex1 = trace_path("etorrent_ex1.trace");
    snprintf(args, sizeof args, "rate-replay --algo fastest %s", ex1);
    expect_bad(args, "--algo 'fastest'", "allowed: etorrent|etorrent_ns|reset10|ewma|window");
    snprintf(args, sizeof args, "rate-replay %s", ex1);
    expect_bad(args, "missing --algo", "allowed: etorrent|");
    snprintf(args, sizeof args, "rate-replay --algo ewma --param tau=3 %s", ex1);
    expect_bad(args, "--param tau=3", "allowed: tau_s");
    snprintf(args, sizeof args, "rate-replay --algo etorrent --param window=-1 %s", ex1);
    expect_bad(args, "--param window=-1", "allowed: integers 1..3600");
    snprintf(args, sizeof args, "rate-replay --algo etorrent --speed 3 %s", ex1);
    expect_bad(args, "unknown flag '--speed'", NULL);
    expect_bad("rate-replay --algo etorrent", "missing TRACE", NULL);
    expect_bad("rate-replay --algo etorrent /nonexistent/trace", "/nonexistent/trace: cannot open trace file", NULL);
    expect_bad("rate-replay --algo etorrent /tmp", "/tmp: is a directory, not a trace file", NULL);
    snprintf(args, sizeof args, "rate-replay --algo etorrent --param window=2.5 %s", ex1);
    expect_bad(args, "--param window=2.5", "is not an integer");
    snprintf(args, sizeof args, "rate-replay --algo etorrent --param fudge=0x5 %s", ex1);
    expect_bad(args, "--param fudge=0x5", "is not a number");

    /* A bad third line: TRACE:3: and nothing after it is replayed. */
    snprintf(tpath, sizeof tpath, "/tmp/ratelab-replay-bad-%d.trace", (int)getpid());
    const char *bodies[][2] = {
        { "# comment\n0 100\n1 lots\n2 100\n", ":3: bytes 'lots'" },
        { "0 100\n\n5 100\n4 100\n", ":4: time 4" },
        { "0 100\n1 -5\n", ":2: bytes '-5'" },
        { "0 100\n1 100 extra\n", ":2: unexpected text" },
        { "0 100\nabc 100\n", ":2: time 'abc'" },
        { "0 100\n1 2.5\n", ":2: bytes '2.5'" },
        { "0 100\n1 0x10\n", ":2: bytes '0x10'" },
        { "0 100\ninf 100\n", ":2: time 'inf'" },
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        FILE *f = fopen(tpath, "w");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        fputs(bodies[i][0], f);
        fclose(f);
        snprintf(args, sizeof args, "rate-replay --algo etorrent %s", tpath);
        char want[128];
        snprintf(want, sizeof want, "%s%s", tpath, bodies[i][1]);
        expect_bad(args, want, NULL);
    }
    remove(tpath);
}

/* The library reports a bad line the same way, and writes no row at all: the trace is checked
 * whole before the estimator runs, so no partial table reaches a consumer. */
static void test_library_bad_line(void)
{
    char in_text[] = "0 16384\n# fine\n3 0\n3.5 x\n";
    FILE *in = fmemopen(in_text, strlen(in_text), "r");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    struct rate_params p;
    rate_params_init(&p, rate_algo_find("etorrent"));
    char err[256];
    CU_ASSERT_EQUAL(rate_replay(in, "mem", &p, out, err, sizeof err), -1);
    fclose(out);
    fclose(in);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "mem:4:"));
    CU_ASSERT_STRING_EQUAL(buf, "");
    free(buf);
}

void register_test_rate_replay(void)
{
    TEST_SUITE("rate_replay",
               TEST(test_example1), TEST(test_example2), TEST(test_example3),
               TEST(test_example4), TEST(test_example5), TEST(test_example6),
               TEST(test_binary_replays_example6),
               TEST(test_binary_input_errors),
               TEST(test_library_bad_line));
}
