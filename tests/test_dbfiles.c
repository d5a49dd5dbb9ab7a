/* Databases in every state: --db must name a file; a database nobody may write (file, directory,
 * mount) is read read-only by plot, regress and merge; a damaged one (real pages of its metrics,
 * params and runs tables bent or zeroed, the file cut) is refused by every reader, naming it; a
 * full disk (RLIMIT_FSIZE) stops a sweep with the file named, counts only committed runs and
 * leaves no empty file; a second writer is told another sweep is writing. */
#include "testutil.h"
#include <signal.h>
#include <sys/stat.h>
#include "dbpages.h"
#include "test_sweep_helpers.h"

#define SCN "scenarios/asym_link.ini"
#define SHORT "--set duration_s=3 --set warmup_s=1"

static void test_db_must_name_a_file(void)
{
    struct cli_out o;
    static const char *const names[] = { "''", ":memory:", "file:x.db?mode=memory" };
    for (size_t i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(cli(&o, "run " SCN " " SHORT " --db %s", names[i]), 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "a database must be a file name"));
        CU_ASSERT_STRING_EQUAL(o.out, "");                 /* refused before the run */
        CU_ASSERT_EQUAL(cli(&o, "sweep " SCN " --vary n_up=0,1 " SHORT " --db %s", names[i]), 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "a database must be a file name"));
        CU_ASSERT_EQUAL(cli(&o, "plot %s line --x n_up --y drops", names[i]), 2);
        CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "a database must be a file name"));
    }
    CU_ASSERT_EQUAL(cli(&o, "run " SCN " " SHORT " --db /tmp"), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "/tmp: is a directory, not a database file"));
    CU_ASSERT_STRING_EQUAL(o.out, "");
}

/* A sealed sweep database in its own directory, for the read-only cases. */
static int make_ro_db(char *dir, size_t dl, char *db, size_t len)
{
    tmp_path(dir, dl, "ro");
    snprintf(db, len, "%s/r.db", dir);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "chmod -R u+w %s 2>/dev/null; rm -rf %s; mkdir -p %s", dir, dir, dir);
    if (system(cmd) != 0) return 0;
    struct cli_out o;
    if (cli(&o, "sweep " SCN " --vary n_up=0,1 --seeds 2 " SHORT " --db %s", db) != 0) return 0;
    CU_ASSERT_EQUAL(cli(&o, "baseline %s", db), 0);        /* so regress can read it too */
    return 1;
}

/* Runs ratelab as an unprivileged user when the tests run as root (root ignores permissions). */
static int cli_user(struct cli_out *o, const char *args)
{
    const char *who = geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
    char errf[128], cmd[2048];
    tmp_path(errf, sizeof errf, "user.err");
    snprintf(cmd, sizeof cmd, "%s%s %s >/dev/null 2>%s", who, getenv("RATELAB"), args, errf);
    int st = system(cmd);
    slurp(errf, o->err, sizeof o->err);
    o->rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return o->rc;
}

static void read_only_reads(const char *db, const char *how)
{
    struct cli_out o;
    char args[700];
    snprintf(args, sizeof args, "plot %s line --x n_up --y drops --out /tmp/ratelab-ro-%d", db, (int)getpid());
    int rc = cli_user(&o, args);
    if (rc != 0) fprintf(stderr, "\n    %s: plot -> %d: %s", how, rc, o.err);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NULL(strstr(o.err, "not an SQLite database"));
    snprintf(args, sizeof args, "regress --baseline %s --jobs 1", db);
    rc = cli_user(&o, args);
    if (rc != 0) fprintf(stderr, "\n    %s: regress -> %d: %s", how, rc, o.err);
    CU_ASSERT_EQUAL(rc, 0);
    /* As a merge input: attached read-only too. */
    snprintf(args, sizeof args, "merge /tmp/ratelab-ro-%d.db %s", (int)getpid(), db);
    rc = cli_user(&o, args);
    if (rc != 0) fprintf(stderr, "\n    %s: merge -> %d: %s", how, rc, o.err);
    CU_ASSERT_EQUAL(rc, 0);
    char files[300];
    snprintf(files, sizeof files, "rm -f /tmp/ratelab-ro-%d.png /tmp/ratelab-ro-%d.svg /tmp/ratelab-ro-%d.db",
             (int)getpid(), (int)getpid(), (int)getpid());
    CU_ASSERT_EQUAL(system(files), 0);
}

static void test_read_only_file_and_directory(void)
{
    char dir[256], db[300], cmd[700];
    CU_ASSERT_FATAL(make_ro_db(dir, sizeof dir, db, sizeof db));
    if (geteuid() == 0 && system("command -v setpriv >/dev/null") != 0) {
        fprintf(stderr, "\n    setpriv missing: read-only file test not run as an unprivileged user\n");
        return;
    }
    /* Read-only file in a writable directory, then a read-only directory too. */
    snprintf(cmd, sizeof cmd, "chmod 755 %s && chmod 444 %s", dir, db);
    CU_ASSERT_EQUAL(system(cmd), 0);
    read_only_reads(db, "read-only file");
    snprintf(cmd, sizeof cmd, "chmod 555 %s", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    read_only_reads(db, "read-only file and directory");
    /* Nothing was left next to it: a read-only reader cannot leave -wal/-shm files. */
    snprintf(cmd, sizeof cmd, "test $(ls %s | wc -l) -eq 1", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "chmod -R u+w %s; rm -rf %s", dir, dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_read_only_mount(void)
{
    char dir[256], db[300], cmd[3000];
    CU_ASSERT_FATAL(make_ro_db(dir, sizeof dir, db, sizeof db));
    /* A private mount namespace with the directory bind-mounted read-only over itself. */
    if (system("unshare -m true 2>/dev/null") != 0) {
        fprintf(stderr, "\n    no mount namespace here: read-only mount test not run\n");
        return;
    }
    char out[128];
    tmp_path(out, sizeof out, "ro-mount");
    snprintf(cmd, sizeof cmd, "unshare -m sh -c 'mount --bind %s %s && mount -o remount,bind,ro %s && "
             "! touch %s/x 2>/dev/null && %s plot %s line --x n_up --y drops --out %s && "
             "%s regress --baseline %s --jobs 1 >/dev/null && %s merge %s.db %s' >/dev/null 2>&1", dir, dir, dir, dir,
             getenv("RATELAB"), db, out, getenv("RATELAB"), db, getenv("RATELAB"), out, db);
    CU_ASSERT_EQUAL(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "rm -rf %s %s.png %s.svg %s.db", dir, out, out, out);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* Every reader of a results database on `bad`: exit 2 and one line "BAD: damaged database (...)"
 * (or SQLite's word for a cut file), never a figure, a table or "complete" from the rows that are
 * still readable.  `what` names the damage. */
static void readers_refuse(const char *bad, const char *what, const char *needle)
{
    static const char *const cmds[] = { "plot %s line --x up_limit_kbps --y drops --out %s-fig", "status %s",
                                        "recommend %s", "report %s --out %s-report" };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        struct cli_out o;
        int rc = cli(&o, cmds[i], bad, bad);
        char want[600];
        snprintf(want, sizeof want, "%s: %s", bad, needle);
        int lines = 0;
        for (const char *p = o.err; *p; p++) lines += *p == '\n';
        if (rc != 2 || !strstr(o.err, want) || lines != 1)
            fprintf(stderr, "\n    %s: %.*s -> %d: %.200s%.100s", what, (int)strcspn(cmds[i], " "), cmds[i], rc, o.err, o.out);
        CU_ASSERT_EQUAL(rc, 2);
        CU_ASSERT_EQUAL(lines, 1);
        CU_ASSERT_PTR_NOT_NULL(strstr(o.err, want));
    }
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "test ! -e %s-fig.png && test ! -e %s-fig.svg && test ! -e %s-report", bad, bad, bad);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_damaged_database_readers(void)
{
    char good[256], bad[256], what[160];
    tmp_path(good, sizeof good, "dmg-good.db");
    tmp_path(bad, sizeof bad, "dmg.db");
    remove_db(good);
    struct cli_out o;
    CU_ASSERT_EQUAL_FATAL(cli(&o, "sweep " SCN " --vary up_limit_kbps=16:112:8 --seeds 3 " SHORT " --db %s", good), 0);
    CU_ASSERT_EQUAL_FATAL(db_scalar(good, "PRAGMA page_size"), DB_PAGE);
    /* The intact database reads. */
    CU_ASSERT_EQUAL(cli(&o, "status %s", good), 0);
    char out[700];
    snprintf(out, sizeof out, "%s-fig", good);
    CU_ASSERT_EQUAL(cli(&o, "plot %s line --x up_limit_kbps --y drops --out %s", good, out), 0);
    snprintf(out, sizeof out, "rm -f %s-fig.png %s-fig.svg", good, good);
    CU_ASSERT_EQUAL(system(out), 0);
    /* The tables a figure, a recommendation and the completeness are read from: in the middle
     * leaf page of each, a cell pointer bent (the page still looks like a page) and the page
     * zeroed.  SQLite meets neither until a query walks over that page, and a bent pointer not
     * even then: the cell it points into reads as a different row. */
    static const char *const tables[] = { "metrics", "params", "runs" };
    for (size_t t = 0; t < 3; t++) {
        long pages[256];
        int n = db_leaf_pages(good, tables[t], pages, 256);
        CU_ASSERT_FATAL(n >= 2);
        long start, last;
        int n_cells;
        db_cell_bounds(good, pages[n / 2], 0, &start, &last, &n_cells);
        copy_file(good, bad);
        db_flip(bad, db_cell_pointer(pages[n / 2], n_cells / 2));
        snprintf(what, sizeof what, "%s page %ld: cell %d's pointer bent", tables[t], pages[n / 2], n_cells / 2);
        readers_refuse(bad, what, "damaged database");
        copy_file(good, bad);
        db_zero_page(bad, pages[n / 2]);
        snprintf(what, sizeof what, "%s page %ld zeroed", tables[t], pages[n / 2]);
        readers_refuse(bad, what, "damaged database");
    }
    /* The file cut at a page boundary past its header and in the middle of a page. */
    static const long cuts[] = { 8 * DB_PAGE, 20 * DB_PAGE + 1000 };
    for (size_t k = 0; k < 2; k++) {
        copy_file(good, bad);
        CU_ASSERT_EQUAL(truncate(bad, cuts[k]), 0);
        snprintf(what, sizeof what, "file cut at byte %ld", cuts[k]);
        readers_refuse(bad, what, "");
    }
    remove_db(bad);
    remove_db(good);
}

/* The sweep under a file-size limit: writes past it fail (EFBIG) as on a full disk. */
static int limited_sweep(struct cli_out *o, const char *db, int blocks)
{
    char errf[128], outf[128], cmd[1200];
    tmp_path(errf, sizeof errf, "full.err");
    tmp_path(outf, sizeof outf, "full.out");
    snprintf(cmd, sizeof cmd, "sh -c 'ulimit -f %d; trap \"\" XFSZ; exec %s sweep " SCN " --vary n_up=0,1 "
             "--vary up_limit_kbps=16:112:2 --seeds 8 --set duration_s=20 --set warmup_s=1 --jobs 2 --db %s' "
             ">%s 2>%s", blocks, getenv("RATELAB"), db, outf, errf);
    int st = system(cmd);
    slurp(outf, o->out, sizeof o->out);
    slurp(errf, o->err, sizeof o->err);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_full_disk(void)
{
    char db[256];
    tmp_path(db, sizeof db, "full.db");
    remove_db(db);
    struct cli_out o;
    /* Too small for the schema: refused, named, and no empty file left behind. */
    int rc = limited_sweep(&o, db, 8);
    CU_ASSERT(rc == 1 || rc == 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, db));
    CU_ASSERT_NOT_EQUAL(access(db, F_OK), 0);
    /* Room for part of the sweep: it stops, naming the file, and "done" is what was stored. */
    rc = limited_sweep(&o, db, 4000);
    CU_ASSERT_EQUAL(rc, 1);
    char want[300];
    snprintf(want, sizeof want, "%s: disk I/O error", db);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, want));
    long long done = -1, stored = db_scalar(db, "SELECT count(*) FROM runs");
    const char *p = strstr(o.out, "already present, ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(sscanf(p, "already present, %lld done", &done), 1);
    if (done != stored) fprintf(stderr, "\n    summary says %lld done, the database holds %lld\n", done, stored);
    CU_ASSERT_EQUAL(done, stored);
    CU_ASSERT(stored > 0 && stored < 784);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
    /* With room again the same command completes the sweep. */
    CU_ASSERT_EQUAL(cli(&o, "sweep " SCN " --vary n_up=0,1 --vary up_limit_kbps=16:112:2 --seeds 8 --set duration_s=20"
                            " --set warmup_s=1 --jobs 2 --db %s", db), 0);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM runs"), 784);
    remove_db(db);
}

static void test_second_writer(void)
{
    char db[256], errf[128];
    tmp_path(db, sizeof db, "two.db");
    tmp_path(errf, sizeof errf, "two.err");
    remove_db(db);
    /* Sweep A, long enough to be caught mid-way; stopped once it has stored runs (it holds the
     * writer's lock), B starts on the same file, then A continues. */
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "exec %s sweep " SCN " --vary up_limit_kbps=16:112:1 --seeds 10 --set duration_s=20 "
             "--set warmup_s=1 --jobs 1 --db %s >/dev/null 2>%s", getenv("RATELAB"), db, errf);
    pid_t a = fork();
    CU_ASSERT_FATAL(a >= 0);
    if (a == 0) { execl("/bin/sh", "sh", "-c", cmd, (char *)NULL); _exit(127); }
    long long n = 0;
    for (int i = 0; i < 600 && n < 1; i++) {
        usleep(50000);
        if (access(db, F_OK) == 0) n = db_scalar(db, "SELECT count(*) FROM runs");
    }
    CU_ASSERT(n >= 1);
    kill(a, SIGSTOP);
    struct cli_out o;
    int rc = cli(&o, "sweep " SCN " --vary up_limit_kbps=16:112:1 --seeds 10 --set duration_s=20 --set warmup_s=1"
                     " --jobs 1 --db %s", db);
    kill(a, SIGCONT);
    int st;
    waitpid(a, &st, 0);
    if (rc != 2) fprintf(stderr, "\n    second sweep -> %d: %s", rc, o.err);
    CU_ASSERT_EQUAL(rc, 2);
    char want[300];
    snprintf(want, sizeof want, "another sweep is writing %s", db);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, want));
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM runs"), 970);
    remove_db(db);
    remove(errf);
}

void register_test_dbfiles(void)
{
    TEST_SUITE("dbfiles",
               TEST(test_db_must_name_a_file),
               TEST(test_read_only_file_and_directory),
               TEST(test_read_only_mount),
               TEST(test_damaged_database_readers),
               TEST(test_full_disk),
               TEST(test_second_writer));
}
