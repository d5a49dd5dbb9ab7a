/* The code version a build records: two different uncommitted builds must never share one, or a
 * sweep would resume the other build's runs and merge would mix them unnoticed.  Checked on a
 * fresh clone of the committed tree, through the Makefile rule that writes build/version.h. */
#include "testutil.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char clone_dir[128];

/* The version the Makefile writes for the clone's current tree, or "" on failure. */
static void build_version(char *buf, size_t len)
{
    char cmd[512];
    buf[0] = 0;
    /* Under make test-san, BUILD=build-san reaches this make through MAKEFLAGS and the
     * environment: both are overridden. */
    snprintf(cmd, sizeof cmd, "MAKEFLAGS= make -s -C %s BUILD=build SAN=0 build/version.h >/dev/null 2>&1 && sed -n 's/^#define RATELAB_VERSION \"\\(.*\\)\"$/\\1/p' %s/build/version.h",
             clone_dir, clone_dir);
    FILE *p = popen(cmd, "r");
    if (!p) return;
    if (fgets(buf, (int)len, p)) buf[strcspn(buf, "\n")] = 0;
    pclose(p);
}

static int sh(const char *fmt, const char *arg)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, fmt, clone_dir, arg);
    return system(cmd);
}

static void test_dirty_builds_differ(void)
{
    if (system("git rev-parse --git-dir >/dev/null 2>&1") != 0) {
        fprintf(stderr, "\n    not in a git checkout: version test not run\n");
        return;
    }
    snprintf(clone_dir, sizeof clone_dir, "/tmp/ratelab-version-%d", (int)getpid());
    CU_ASSERT_EQUAL_FATAL(sh("rm -rf %s && git clone -q --depth 1 \"file://$(git rev-parse --show-toplevel)\" %s", clone_dir), 0);
    char clean[128], a[128], b[128], a_again[128], added[128];
    build_version(clean, sizeof clean);
    CU_ASSERT(clean[0] != 0);
    CU_ASSERT_PTR_NULL(strstr(clean, "dirty"));
    /* Two different edits of one file: two versions, both marked dirty. */
    CU_ASSERT_EQUAL(sh("echo '/* edit a */' >> %s/cli/main.c", ""), 0);
    build_version(a, sizeof a);
    CU_ASSERT_EQUAL(sh("git -C %s checkout -q cli/main.c && echo '/* edit b */' >> %s/cli/main.c", clone_dir), 0);
    build_version(b, sizeof b);
    CU_ASSERT_PTR_NOT_NULL(strstr(a, "-dirty-"));
    CU_ASSERT_PTR_NOT_NULL(strstr(b, "-dirty-"));
    CU_ASSERT_STRING_NOT_EQUAL(a, b);
    CU_ASSERT_EQUAL(strncmp(a, clean, strlen(clean)), 0);
    /* The same edit gives the same version: a rebuild of one tree still resumes its own runs. */
    CU_ASSERT_EQUAL(sh("git -C %s checkout -q cli/main.c && echo '/* edit a */' >> %s/cli/main.c", clone_dir), 0);
    build_version(a_again, sizeof a_again);
    CU_ASSERT_STRING_EQUAL(a, a_again);
    /* A new source file, with no tracked file changed, is a different build too. */
    CU_ASSERT_EQUAL(sh("git -C %s checkout -q cli/main.c && echo 'int x;' > %s/sim/extra.c", clone_dir), 0);
    build_version(added, sizeof added);
    CU_ASSERT_PTR_NOT_NULL(strstr(added, "-dirty-"));
    CU_ASSERT_STRING_NOT_EQUAL(added, a);
    sh("rm -rf %s", "");
}

void register_test_version(void)
{
    TEST_SUITE("version", TEST(test_dirty_builds_differ));
}
