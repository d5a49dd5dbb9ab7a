/* The fuzz corpora and every input that ever crashed a parser, replayed through the same fuzz
 * targets in the test runner (under ASan + UBSan in make test-san): a fixed crash stays fixed. */
#include "testutil.h"
#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fuzz/targets.h"

/* Every file of dir through fn; the number of files, -1 if dir cannot be read. */
static int replay(const char *dir, int (*fn)(const uint8_t *, size_t))
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d)); ) {
        if (e->d_name[0] == '.') continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        static uint8_t buf[1 << 20];
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        CU_ASSERT_EQUAL(fn(buf, len), 0);
        n++;
    }
    closedir(d);
    return n;
}

static void check(const char *target, int (*fn)(const uint8_t *, size_t))
{
    char dir[256];
    snprintf(dir, sizeof dir, "fuzz/corpus/%s", target);
    CU_ASSERT(replay(dir, fn) > 0);
    snprintf(dir, sizeof dir, "fuzz/crashes/%s", target);
    CU_ASSERT(replay(dir, fn) >= 0);
}

static void test_scenario_corpus(void) { check("scenario", fuzz_scenario); }
static void test_where_corpus(void) { check("where", fuzz_where); }
static void test_trace_corpus(void) { check("trace", fuzz_trace); }

void register_test_fuzz_corpus(void)
{
    TEST_SUITE("fuzz_corpus",
               TEST(test_scenario_corpus),
               TEST(test_where_corpus),
               TEST(test_trace_corpus));
}
