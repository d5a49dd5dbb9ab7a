/* Merging, completeness and shard identity end to end: damaged inputs refused with nothing left
 * behind, stale shard files refused, incomplete sweeps named, a killed shard's WAL copied back
 * and resumed, runs shared between sweeps, --help on every subcommand. */
#include "testutil.h"
#include <dirent.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "db.h"
#include "test_sweep_helpers.h"

#define SCN "scenarios/asym_link.ini"
#define GRID SCN " --vary up_limit_kbps=16,32,64 --vary modem_queue_pkts=5,15,45 --seeds 2" \
             " --set duration_s=5 --set warmup_s=1 --set n_up=1"
#define OTHER_GRID SCN " --vary up_limit_kbps=16,32 --seeds 2 --set duration_s=5 --set warmup_s=1 --set n_up=1"

static char dir[64];

static int suite_init(void)
{
    snprintf(dir, sizeof dir, "/tmp/ratelab-merge-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int suite_clean(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *in_dir(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", dir, name);
    return buf;
}

/* FNV-1a of a file's bytes, 0 if it does not exist. */
static unsigned long long file_hash(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    unsigned long long h = 1469598103934665603ULL;
    int c;
    while ((c = getc(f)) != EOF) h = (h ^ (unsigned)c) * 1099511628211ULL;
    fclose(f);
    return h;
}

/* Files in the directory whose name holds `part` (a merge's temporary files: ".merge-"). */
static int files_with(const char *part)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) n += strstr(e->d_name, part) != NULL;
    if (d) closedir(d);
    return n;
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* Three shards of GRID and the whole sweep, made once. */
static char shard[3][256], full[256];

static void make_shards(void)
{
    struct cli_out o;
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "shard-%d.db", i);
        in_dir(shard[i], sizeof shard[i], name);
        if (access(shard[i], F_OK) != 0) CU_ASSERT_EQUAL(cli(&o, "sweep " GRID " --shard %d/3 --db %s", i, shard[i]), 0);
    }
    in_dir(full, sizeof full, "full.db");
    if (access(full, F_OK) != 0) CU_ASSERT_EQUAL(cli(&o, "sweep " GRID " --db %s", full), 0);
}

/* A bad input: exit 2, one line naming it, the output exactly as before, no temporary file. */
static void refused(const char *out, const char *bad, const char *needle)
{
    struct cli_out o;
    unsigned long long before = file_hash(out);
    cli(&o, "merge %s %s %s", out, shard[0], bad);
    if (o.rc != 2 || !strstr(o.err, bad) || !strstr(o.err, needle) || lines(o.err) != 1)
        fprintf(stderr, "\n    merge with %s -> %d: %s", bad, o.rc, o.err);
    CU_ASSERT_EQUAL(o.rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, bad));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, needle));
    CU_ASSERT_EQUAL(lines(o.err), 1);
    CU_ASSERT(file_hash(out) == before);
    CU_ASSERT_EQUAL(files_with(".merge-"), 0);
}

static void test_damaged_inputs(void)
{
    make_shards();
    char out[256], bad[256];
    struct cli_out o;
    in_dir(out, sizeof out, "out.db");
    remove_db(out);
    /* Page 10 overwritten with text: SQLite's integrity check finds it. */
    char cmd[1024];
    in_dir(bad, sizeof bad, "page.db");
    snprintf(cmd, sizeof cmd, "cp %s %s && printf 'not a b-tree page%%.0s' $(seq 200) | dd of=%s bs=4096 seek=9 conv=notrunc 2>/dev/null",
             shard[1], bad, bad);
    CU_ASSERT_EQUAL(system(cmd), 0);
    refused(out, bad, "damaged database");
    CU_ASSERT_NOT_EQUAL(access(out, F_OK), 0);
    /* Cut at several points: mid-page, after the first page, after one byte. */
    static const char *const cuts[] = { "30000", "4096", "4100", "1" };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        snprintf(cmd, sizeof cmd, "head -c %s %s > %s/cut.db", cuts[i], shard[1], dir);
        CU_ASSERT_EQUAL(system(cmd), 0);
        in_dir(bad, sizeof bad, "cut.db");
        refused(out, bad, "cut.db");
    }
    /* Text, an empty file, a directory, a missing file, another schema version. */
    snprintf(cmd, sizeof cmd, "echo hello > %s/text.db && : > %s/empty.db && mkdir -p %s/dir.db", dir, dir, dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    refused(out, in_dir(bad, sizeof bad, "text.db"), "not an SQLite database");
    refused(out, in_dir(bad, sizeof bad, "empty.db"), "not a ratelab results database");
    refused(out, in_dir(bad, sizeof bad, "dir.db"), "not a regular file");
    refused(out, in_dir(bad, sizeof bad, "missing.db"), "No such file");
    snprintf(cmd, sizeof cmd, "cp %s %s/v99.db && sqlite3 %s/v99.db 'PRAGMA user_version = 99'", shard[1], dir, dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    refused(out, in_dir(bad, sizeof bad, "v99.db"), "schema version 99");
    CU_ASSERT_NOT_EQUAL(access(out, F_OK), 0);
    /* The same with an existing output: it stays byte for byte what it was. */
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s", out, shard[2]), 0);
    CU_ASSERT(file_hash(out) != 0);
    refused(out, in_dir(bad, sizeof bad, "page.db"), "damaged database");
    refused(out, in_dir(bad, sizeof bad, "cut.db"), "cut.db");
    refused(out, in_dir(bad, sizeof bad, "v99.db"), "schema version 99");
    CU_ASSERT_EQUAL(db_scalar(out, "SELECT count(*) FROM runs"), 6);
    /* A damaged output is refused too, before anything is read. */
    snprintf(cmd, sizeof cmd, "cp %s/page.db %s/badout.db", dir, dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    in_dir(bad, sizeof bad, "badout.db");
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s", bad, shard[0]), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "badout.db: damaged database"));
    remove_db(out);
}

static void test_stale_shards(void)
{
    make_shards();
    char other[256], out[256], copy[256];
    struct cli_out o;
    in_dir(other, sizeof other, "other-0.db");
    in_dir(out, sizeof out, "stale.db");
    remove_db(other);
    remove_db(out);
    /* A shard of another sweep left in the folder. */
    CU_ASSERT_EQUAL(cli(&o, "sweep " OTHER_GRID " --shard 0/2 --db %s", other), 0);
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s %s %s %s", out, shard[0], shard[1], shard[2], other), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "stale shard file"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, other));
    CU_ASSERT_NOT_EQUAL(access(out, F_OK), 0);
    /* The same sweep cut differently is another set of shards, too. */
    CU_ASSERT_EQUAL(cli(&o, "sweep " GRID " --shard 0/2 --db %s/half.db", dir), 0);
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s %s/half.db", out, shard[1], dir), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "stale shard file"));
    /* A shard's database takes no other shard, and no other sweep's shard. */
    in_dir(copy, sizeof copy, "copy-0.db");
    remove_db(copy);
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s", copy, shard[0]), 0);
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s", copy, shard[1]), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "is the database of shard 0/3"));
    CU_ASSERT_EQUAL(cli(&o, "sweep " GRID " --shard 1/3 --db %s", copy), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "not of shard 1/3"));
    CU_ASSERT_EQUAL(cli(&o, "sweep " OTHER_GRID " --shard 0/3 --db %s", copy), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "another sweep"));
    CU_ASSERT_EQUAL(db_scalar(copy, "SELECT count(*) FROM runs"), 6);
    remove_db(other);
    remove_db(copy);
}

static void test_completeness(void)
{
    make_shards();
    char out[256];
    struct cli_out o;
    in_dir(out, sizeof out, "partial.db");
    remove_db(out);
    /* Shard 1 of 3 missing: named, with the points that lack seeds; --require-complete refuses. */
    CU_ASSERT_EQUAL(cli(&o, "merge --require-complete %s %s %s", out, shard[0], shard[2]), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "is incomplete: 12 of 18 runs; missing from shard 1/3 (0 of 6 runs)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "points lack runs, e.g. up_limit_kbps="));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "nothing written"));
    CU_ASSERT_NOT_EQUAL(access(out, F_OK), 0);
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s %s", out, shard[0], shard[2]), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "missing from shard 1/3"));
    CU_ASSERT_EQUAL(cli(&o, "status %s", out), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "12/18 runs (9 points x 2 seeds), incomplete"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "shard 1/3: 0/6 runs  (incomplete)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "shard 2/3: 6/6 runs\n"));
    /* A figure of it is drawn and says so; as a regression baseline it is refused. */
    CU_ASSERT_EQUAL(cli(&o, "plot %s line --x up_limit_kbps --y down_goodput_kbps --by modem_queue_pkts --out %s/fig",
                        out, dir), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "ratelab plot: note: sweep 'asym_link --seeds 2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "is incomplete: 12 of 18 runs; missing from shard 1/3"));
    CU_ASSERT_EQUAL(cli(&o, "baseline %s", out), 0);
    CU_ASSERT_EQUAL(cli(&o, "regress --baseline %s", out), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "is incomplete: 12 of 18 runs"));
    /* The missing shard completes it. */
    CU_ASSERT_EQUAL(cli(&o, "merge --require-complete %s %s", out, shard[1]), 0);
    CU_ASSERT_STRING_EQUAL(o.err, "");
    CU_ASSERT_EQUAL(cli(&o, "plot %s line --x up_limit_kbps --y down_goodput_kbps --by modem_queue_pkts --out %s/fig",
                        out, dir), 0);
    CU_ASSERT_PTR_NULL(strstr(o.err, "incomplete"));
    CU_ASSERT_EQUAL(cli(&o, "status %s", out), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "18/18 runs (9 points x 2 seeds), complete"));
    /* A shard's own database is complete when its shard is. */
    CU_ASSERT_EQUAL(cli(&o, "status %s", shard[1]), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "the database of shard 1/3: 6/6 runs, complete"));
    remove_db(out);
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Runs long enough (~50 ms) to kill a shard in the middle. */
#define SLOW_GRID SCN " --vary up_limit_kbps=16,32,64 --vary modem_queue_pkts=5,15,45 --seeds 3" \
                  " --set duration_s=2000 --set warmup_s=1 --set n_up=1 --jobs 2"

/* What a cluster task does: a shard on "local disk" killed with SIGKILL (its last runs only in
 * the WAL), copied back through merge, restored on a "new node" and resumed there. */
static void test_copy_back_and_resume(void)
{
    char local[256], back[256], node2[256], args[1024];
    struct cli_out o;
    in_dir(local, sizeof local, "local.db");
    in_dir(back, sizeof back, "shared-shard-1.db");
    in_dir(node2, sizeof node2, "node2.db");
    remove_db(local); remove_db(back); remove_db(node2);
    snprintf(args, sizeof args, "exec %s sweep " SLOW_GRID " --shard 1/2 --db %s >/dev/null 2>&1", getenv("RATELAB"), local);
    pid_t pid = fork();
    if (pid == 0) { execl("/bin/sh", "sh", "-c", args, (char *)NULL); _exit(127); }
    long long stored = 0;
    for (int i = 0; i < 6000 && stored < 3; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) { pid = 0; break; }
        stored = db_scalar(local, "SELECT count(*) FROM runs");
        sleep_ms(10);
    }
    CU_ASSERT_FATAL(pid > 0);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    stored = db_scalar(local, "SELECT count(*) FROM runs");
    CU_ASSERT(stored >= 3 && stored < 14);
    /* Copy back through SQLite: every committed run, WAL included. */
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s", back, local), 0);
    CU_ASSERT_EQUAL(db_scalar(back, "SELECT count(*) FROM runs"), stored);
    /* The next attempt restores the copy and runs only what is missing. */
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s", node2, back), 0);
    CU_ASSERT_EQUAL(cli(&o, "sweep " SLOW_GRID " --shard 1/2 --db %s", node2), 0);
    char want[128];
    snprintf(want, sizeof want, "13 in this shard, %lld already present, %lld done", stored, 13 - stored);
    if (!strstr(o.out, want)) fprintf(stderr, "\n    %s", o.out);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, want));
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s", back, node2), 0);
    snprintf(want, sizeof want, "%lld runs added, %lld already present", 13 - stored, stored);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, want));
    CU_ASSERT_EQUAL(cli(&o, "status %s", back), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "the database of shard 1/2: 13/13 runs, complete"));
    remove_db(local); remove_db(back); remove_db(node2);
}

/* A run belongs to every sweep that asked for it, stored once. */
static void test_runs_shared_between_sweeps(void)
{
    char db[256];
    struct cli_out o;
    in_dir(db, sizeof db, "shared.db");
    remove_db(db);
    CU_ASSERT_EQUAL(cli(&o, "sweep " OTHER_GRID " --db %s", db), 0);
    CU_ASSERT_EQUAL(cli(&o, "sweep " SCN " --vary up_limit_kbps=16,32 --seeds 3 --set duration_s=5 --set warmup_s=1"
                            " --set n_up=1 --db %s", db), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "6 runs, 4 already present (4 stored by another sweep), 2 done"));
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM runs"), 6);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM sweep_runs"), 10);
    CU_ASSERT_EQUAL(cli(&o, "status %s", db), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "4/4 runs (2 points x 2 seeds), complete"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "6/6 runs (2 points x 3 seeds), complete"));
    remove_db(db);
}

static void test_help_and_dry_run(void)
{
    /* Every subcommand the usage lists answers --help with its usage and exit status 0. */
    struct cli_out o, h;
    CU_ASSERT_EQUAL(cli(&o, "--help"), 0);
    int n = 0;
    for (const char *p = strstr(o.out, "\n  ratelab "); p; p = strstr(p + 1, "\n  ratelab ")) {
        char name[32];
        if (sscanf(p, "\n  ratelab %31s", name) != 1) continue;
        char want[64];
        snprintf(want, sizeof want, "usage: ratelab %s", name);
        CU_ASSERT_EQUAL(cli(&h, "%s --help", name), 0);
        if (!strstr(h.out, want)) fprintf(stderr, "\n    %s --help: %s", name, h.out);
        CU_ASSERT_PTR_NOT_NULL(strstr(h.out, want));
        n++;
    }
    CU_ASSERT(n >= 8);
    CU_ASSERT_EQUAL(cli(&o, "sweep " SCN " --help"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "SLURM_ARRAY_TASK_ID"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "--array=0-(N-1)"));
    char db[256];
    in_dir(db, sizeof db, "dry.db");
    CU_ASSERT_EQUAL(cli(&o, "sweep " GRID " --shard 2/4 --db %s --dry-run", db), 0);
    /* 18 runs in 4 shards: shards 0 and 1 take 5, shards 2 and 3 take 4. */
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "9 points x 2 seeds = 18 runs; shard 2/4: 4 runs; nothing run"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "sweep key: asym_link --seeds 2 --vary up_limit_kbps=16,32,64"));
    CU_ASSERT_NOT_EQUAL(access(db, F_OK), 0);
}

void register_test_merge(void)
{
    CU_pSuite s = CU_add_suite("merge", suite_init, suite_clean);
    CU_add_test(s, "test_damaged_inputs", test_damaged_inputs);
    CU_add_test(s, "test_stale_shards", test_stale_shards);
    CU_add_test(s, "test_completeness", test_completeness);
    CU_add_test(s, "test_copy_back_and_resume", test_copy_back_and_resume);
    CU_add_test(s, "test_runs_shared_between_sweeps", test_runs_shared_between_sweeps);
    CU_add_test(s, "test_help_and_dry_run", test_help_and_dry_run);
}
