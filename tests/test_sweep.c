/* Sweeps: spec parsing and grids by hand, then the binary end to end on asym_link: killed with
 * SIGKILL half-way and resumed, interrupted with SIGINT, shards merged equal to one sweep. */
#include "testutil.h"
#include <dirent.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "progress.h"
#include "sweep_grid.h"
#include "test_sweep_helpers.h"

#define SCN "scenarios/asym_link.ini"
#define SHORT "--set duration_s=5 --set warmup_s=1 --set n_up=1"

static void test_spec_numbers(void)
{
    double v[64];
    char err[256];
    CU_ASSERT_EQUAL(spec_numbers("4,8,16", v, 64, err, sizeof err), 3);
    CU_ASSERT(v[0] == 4 && v[1] == 8 && v[2] == 16);
    /* 2:15:1 -> 2, 3, ..., 15 (stop included): 14 values. */
    CU_ASSERT_EQUAL(spec_numbers("2:15:1", v, 64, err, sizeof err), 14);
    CU_ASSERT(v[0] == 2 && v[13] == 15);
    /* 8k:1M:x2 -> 8000 * 2^i <= 1e6: 8000 ... 512000 = 8000 * 2^6, 7 values (1024000 > 1M). */
    CU_ASSERT_EQUAL(spec_numbers("8k:1M:x2", v, 64, err, sizeof err), 7);
    CU_ASSERT(v[0] == 8000 && v[6] == 512000);
    /* Binary suffixes: 16Ki:64Ki:x2 -> 16384, 32768, 65536. */
    CU_ASSERT_EQUAL(spec_numbers("16Ki:64Ki:x2", v, 64, err, sizeof err), 3);
    CU_ASSERT(v[2] == 65536);
    /* Decimal steps land on the decimal values: 0.3, not 0.30000000000000004. */
    CU_ASSERT_EQUAL(spec_numbers("0.1:0.5:0.1", v, 64, err, sizeof err), 5);
    CU_ASSERT(v[2] == 0.3 && v[4] == 0.5);
    CU_ASSERT_EQUAL(spec_numbers("5", v, 64, err, sizeof err), 1);
    CU_ASSERT_EQUAL(spec_numbers("5:1:1", v, 64, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "below start"));
    CU_ASSERT_EQUAL(spec_numbers("1:10:0", v, 64, err, sizeof err), -1);
    CU_ASSERT_EQUAL(spec_numbers("1:10:x1", v, 64, err, sizeof err), -1);
    CU_ASSERT_EQUAL(spec_numbers("0:10:x2", v, 64, err, sizeof err), -1);
    CU_ASSERT_EQUAL(spec_numbers("a,b", v, 64, err, sizeof err), -1);
    CU_ASSERT_EQUAL(spec_numbers("1:100:1", v, 64, err, sizeof err), -1);   /* more than the 64 allowed */
}

static void test_vary_parse(void)
{
    struct scenario sc;
    char err[512];
    CU_ASSERT_EQUAL_FATAL(scenario_load(SCN, &sc, err, sizeof err), 0);
    struct vary v;
    CU_ASSERT_EQUAL(vary_parse("up_limit_kbps=16,32,2k", &sc, &v, err, sizeof err), 0);
    CU_ASSERT_EQUAL(v.n, 3);
    CU_ASSERT_STRING_EQUAL(v.values[2], "2000");          /* canonical text */
    vary_free(&v);
    CU_ASSERT_EQUAL(vary_parse("framing=ppp,ethernet", &sc, &v, err, sizeof err), 0);
    CU_ASSERT_EQUAL(v.n, 2);
    vary_free(&v);
    CU_ASSERT_EQUAL(vary_parse("framing=ppp,adsl", &sc, &v, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--vary framing=ppp,adsl"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "allowed: ppp|"));
    CU_ASSERT_EQUAL(vary_parse("nokey=1,2", &sc, &v, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key 'nokey'"));
    CU_ASSERT_EQUAL(vary_parse("seed=1,2", &sc, &v, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "--seeds"));
    CU_ASSERT_EQUAL(vary_parse("mss=1000:1001:0.5", &sc, &v, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an integer"));
    CU_ASSERT_EQUAL(vary_parse("mss=1000,1k", &sc, &v, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "appears twice"));
    CU_ASSERT_EQUAL(vary_parse("up_kbps=-5,5", &sc, &v, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "out of range"));
    CU_ASSERT_EQUAL(vary_parse("up_kbps", &sc, &v, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "KEY=SPEC"));
    scenario_free(&sc);
}

static void test_where(void)
{
    struct scenario sc;
    char err[512];
    CU_ASSERT_EQUAL_FATAL(scenario_load(SCN, &sc, err, sizeof err), 0);
    /* asym_link.ini: up_kbps 128, down_kbps 1024, framing ppp, mss 1460, n_up 0. */
    static const struct { const char *expr; int want; } cases[] = {
        { "up_kbps < down_kbps", 1 },
        { "framing == 'ppp' && mss >= 1460", 1 },
        { "framing != 'ppp' or mss > 1460", 0 },
        { "!(n_up > 0)", 1 },
        { "not n_up", 1 },
        { "up_kbps * 8 >= 1Ki", 1 },           /* 1024 >= 1024 */
        { "up_kbps * 8 > 1k + 24", 0 },        /* 1024 > 1024 */
        { "-up_kbps < -100 && (1 || 0)", 1 },
        { "down_kbps / up_kbps = 8", 1 },
        { "1e3 < 2e+3", 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct where_expr *e = where_compile_params(cases[i].expr, &sc.ps, err, sizeof err);
        CU_ASSERT_PTR_NOT_NULL(e);
        if (!e) { fprintf(stderr, "\n    %s: %s\n", cases[i].expr, err); continue; }
        if (where_eval_params(e, &sc.ps) != cases[i].want) fprintf(stderr, "\n    %s: wrong\n", cases[i].expr);
        CU_ASSERT_EQUAL(where_eval_params(e, &sc.ps), cases[i].want);
        where_free(e);
    }
    CU_ASSERT_PTR_NULL(where_compile_params("lo_mark < hi_mark", &sc.ps, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key 'lo_mark'"));
    CU_ASSERT_PTR_NULL(where_compile_params("up_kbps <", &sc.ps, err, sizeof err));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "column 10"));
    CU_ASSERT_PTR_NULL(where_compile_params("(up_kbps > 1", &sc.ps, err, sizeof err));
    CU_ASSERT_PTR_NULL(where_compile_params("up_kbps > 1 junk", &sc.ps, err, sizeof err));
    CU_ASSERT_PTR_NULL(where_compile_params("framing == 'ppp", &sc.ps, err, sizeof err));
    scenario_free(&sc);
}

static void test_grid(void)
{
    struct scenario sc;
    char err[512];
    CU_ASSERT_EQUAL_FATAL(scenario_load(SCN, &sc, err, sizeof err), 0);
    struct vary v[2];
    CU_ASSERT_EQUAL_FATAL(vary_parse("up_limit_kbps=16,32,64", &sc, &v[0], err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(vary_parse("modem_queue_pkts=5,15,45", &sc, &v[1], err, sizeof err), 0);
    struct grid g;
    CU_ASSERT_EQUAL(grid_build(&sc, v, 2, NULL, &g, err, sizeof err), 0);
    CU_ASSERT_EQUAL(g.n_points, 9);
    /* The first --vary turns slowest: point 1 is (16, 15), point 3 is (32, 5). */
    int il = params_index(&sc.ps, "up_limit_kbps"), iq = params_index(&sc.ps, "modem_queue_pkts");
    CU_ASSERT(g.vals[1 * g.n_params + il] == 16 && g.vals[1 * g.n_params + iq] == 15);
    CU_ASSERT(g.vals[3 * g.n_params + il] == 32 && g.vals[3 * g.n_params + iq] == 5);
    grid_free(&g);
    /* up_limit_kbps < modem_queue_pkts holds for (16, 45) and (32, 45) only. */
    struct where_expr *e = where_compile_params("up_limit_kbps < modem_queue_pkts", &sc.ps, err, sizeof err);
    CU_ASSERT_EQUAL(grid_build(&sc, v, 2, e, &g, err, sizeof err), 0);
    CU_ASSERT_EQUAL(g.n_points, 2);
    CU_ASSERT_EQUAL(g.n_filtered, 7);
    grid_free(&g);
    where_free(e);
    vary_free(&v[0]);
    vary_free(&v[1]);
    /* warmup_s = 100 >= duration_s = 60 is rejected by asym_link's validate. */
    CU_ASSERT_EQUAL_FATAL(vary_parse("warmup_s=1,100", &sc, &v[0], err, sizeof err), 0);
    CU_ASSERT_EQUAL(grid_build(&sc, v, 1, NULL, &g, err, sizeof err), 0);
    CU_ASSERT_EQUAL(g.n_points, 1);
    CU_ASSERT_EQUAL(g.n_rejected, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(g.first_reject, "--vary warmup_s=100"));
    grid_free(&g);
    vary_free(&v[0]);
    scenario_free(&sc);
}

static void test_shard_parse(void)
{
    long i, n;
    char err[256];
    CU_ASSERT_EQUAL(shard_parse("1/4", &i, &n, err, sizeof err), 0);
    CU_ASSERT(i == 1 && n == 4);
    CU_ASSERT_EQUAL(shard_parse("4/4", &i, &n, err, sizeof err), -1);
    CU_ASSERT_EQUAL(shard_parse("x/4", &i, &n, err, sizeof err), -1);
    unsetenv("SLURM_ARRAY_TASK_ID");
    CU_ASSERT_EQUAL(shard_parse("4", &i, &n, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "SLURM_ARRAY_TASK_ID"));
    setenv("SLURM_ARRAY_TASK_ID", "2", 1);
    CU_ASSERT_EQUAL(shard_parse("4", &i, &n, err, sizeof err), 0);
    CU_ASSERT(i == 2 && n == 4);
    setenv("SLURM_ARRAY_TASK_ID", "7", 1);
    CU_ASSERT_EQUAL(shard_parse("4", &i, &n, err, sizeof err), -1);
    unsetenv("SLURM_ARRAY_TASK_ID");
}

static void test_eta_format(void)
{
    char b[16];
    progress_format_eta(3723, b, sizeof b);          /* 1 h 2 min 3 s */
    CU_ASSERT_STRING_EQUAL(b, "1:02:03");
    progress_format_eta(62.4, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "1:02");
    progress_format_eta(0, b, sizeof b);
    CU_ASSERT_STRING_EQUAL(b, "0:00");
    progress_format_eta(NAN, b, sizeof b);           /* no rate yet */
    CU_ASSERT_STRING_EQUAL(b, "?");
}

/* Bad input: exit 2, one line naming the flag, and no database written. */
static void bad_sweep(const char *args, const char *needle)
{
    char db[256];
    tmp_path(db, sizeof db, "bad.db");
    remove_db(db);
    struct cli_out o;
    cli(&o, "sweep %s --db %s %s", SCN, db, args);
    int lines = 0;
    for (const char *p = o.err; *p; p++) lines += *p == '\n';
    if (o.rc != 2 || !strstr(o.err, needle) || lines != 1) fprintf(stderr, "\n    sweep %s -> %d: %s", args, o.rc, o.err);
    CU_ASSERT_EQUAL(o.rc, 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, needle));
    CU_ASSERT_EQUAL(lines, 1);
    CU_ASSERT_NOT_EQUAL(access(db, F_OK), 0);
}

static void test_bad_flags(void)
{
    bad_sweep("--vary up_limit_kbps=5:1:1", "--vary up_limit_kbps=5:1:1");
    bad_sweep("--vary nokey=1,2", "unknown key 'nokey'");
    bad_sweep("--vary framing=ppp,adsl", "allowed: ppp|");
    bad_sweep("--vary mss=1000 --vary mss=1200", "varied twice");
    bad_sweep("--seeds 0", "--seeds 0");
    bad_sweep("--jobs x", "--jobs x");
    bad_sweep("--where 'lo < 3'", "--where");
    bad_sweep("--shard 3/3", "--shard 3/3");
    bad_sweep("--bogus", "unknown flag '--bogus'");
    bad_sweep("--set up_kbps=fast", "--set up_kbps=fast");
    bad_sweep("--vary warmup_s=100,200", "no parameter point left");
}

static pid_t spawn(const char *args, const char *err_file)
{
    const char *bin = getenv("RATELAB");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "exec %s %s >/dev/null 2>%s", bin, args, err_file);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Processes whose command line mentions the database: the sweep and its workers. */
static int processes_using(const char *needle)
{
    DIR *d = opendir("/proc");
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        char p[300], buf[4096];
        snprintf(p, sizeof p, "/proc/%s/cmdline", e->d_name);
        FILE *f = fopen(p, "r");
        if (!f) continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        for (size_t i = 0; i < len; i++) if (!buf[i]) buf[i] = ' ';
        buf[len] = 0;
        if (strstr(buf, needle) && strstr(buf, " sweep ")) n++;
    }
    if (d) closedir(d);
    return n;
}

/* Each stored run has every row a run of it has: none is half-written. */
static void assert_runs_complete(const char *db)
{
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"), 0);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM metrics WHERE run_id = r.id)"
                                  " <> (SELECT count(*) FROM metrics WHERE run_id = (SELECT min(id) FROM runs))"), 0);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM params WHERE run_id = r.id)"
                                  " <> (SELECT count(*) FROM params WHERE run_id = (SELECT min(id) FROM runs))"), 0);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM series WHERE run_id = r.id)"
                                  " <> (SELECT count(*) FROM series WHERE run_id = (SELECT min(id) FROM runs))"), 0);
    CU_ASSERT(db_scalar(db, "SELECT count(*) FROM metrics WHERE run_id = (SELECT min(id) FROM runs)") > 10);
}

/* A 3 x 3 x 3-seed grid long enough per run (~50 ms) to be killed in the middle. */
#define KILL_GRID SCN " --vary up_limit_kbps=16,32,64 --vary modem_queue_pkts=5,15,45 --seeds 3" \
                  " --set duration_s=2000 --set warmup_s=1 --set n_up=1 --jobs 2"

static void test_sigkill_resume(void)
{
    char db[256], errf[256], args[1024];
    tmp_path(db, sizeof db, "kill.db");
    tmp_path(errf, sizeof errf, "kill.err");
    remove_db(db);
    snprintf(args, sizeof args, "sweep " KILL_GRID " --db %s", db);
    pid_t pid = spawn(args, errf);
    long long before = 0;
    int exited = 0;
    for (int i = 0; i < 6000; i++) {
        int st;
        if (waitpid(pid, &st, WNOHANG) == pid) { exited = 1; break; }
        before = db_scalar(db, "SELECT count(*) FROM runs");
        if (before >= 3) break;
        sleep_ms(10);
    }
    CU_ASSERT_FALSE_FATAL(exited);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    /* The workers die with the parent (PR_SET_PDEATHSIG). */
    int left = 1;
    for (int i = 0; i < 200 && (left = processes_using(db)) > 0; i++) sleep_ms(10);
    CU_ASSERT_EQUAL(left, 0);
    long long after_kill = db_scalar(db, "SELECT count(*) FROM runs");
    if (!(after_kill >= 3 && after_kill < 27)) fprintf(stderr, "\n    %lld runs stored when killed\n", after_kill);
    CU_ASSERT(after_kill >= 3 && after_kill < 27);
    assert_runs_complete(db);

    struct cli_out o;
    CU_ASSERT_EQUAL(cli(&o, "sweep " KILL_GRID " --db %s", db), 0);
    char want[128];
    snprintf(want, sizeof want, "27 runs, %lld already present, %lld done, 0 failed", after_kill, 27 - after_kill);
    if (!strstr(o.out, want)) fprintf(stderr, "\n    %s", o.out);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, want));
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM runs"), 27);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(DISTINCT run_key) FROM runs"), 27);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(DISTINCT point) FROM runs"), 9);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM (SELECT point FROM runs GROUP BY point HAVING count(*) = 3)"), 9);
    assert_runs_complete(db);
    /* Once more: nothing left to do. */
    CU_ASSERT_EQUAL(cli(&o, "sweep " KILL_GRID " --db %s", db), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "27 already present, 0 done"));
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM runs"), 27);
    remove_db(db);
    remove(errf);
}

/* SIGINT (Ctrl-C), SIGTERM (scancel, a batch time limit) and SIGHUP (a closed terminal) all end a
 * sweep the same way: runs in progress finished and stored, exit 128 + signal number, a resume
 * hint, and the write-ahead log folded back so a plain copy of the main file holds every run. */
static void stop_with(int sig, const char *said)
{
    char db[256], copy[256], errf[256], args[1024], err[4096];
    tmp_path(db, sizeof db, "int.db");
    tmp_path(copy, sizeof copy, "int-copy.db");
    tmp_path(errf, sizeof errf, "int.err");
    remove_db(db);
    remove_db(copy);
    snprintf(args, sizeof args, "sweep " KILL_GRID " --db %s", db);
    pid_t pid = spawn(args, errf);
    int exited = 0, st = 0;
    for (int i = 0; i < 6000; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid) { exited = 1; break; }
        if (db_scalar(db, "SELECT count(*) FROM runs") >= 2) break;
        sleep_ms(10);
    }
    CU_ASSERT_FALSE_FATAL(exited);
    kill(pid, sig);
    waitpid(pid, &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 128 + sig);
    /* The write-ahead log is gone or empty: every run is in the main file. */
    char wal[300];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", db);
    CU_ASSERT(stat(wal, &sb) != 0 || sb.st_size == 0);
    slurp(errf, err, sizeof err);
    if (!strstr(err, said)) fprintf(stderr, "\n    %s", err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, said));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "run the same command again to resume"));
    long long n = db_scalar(db, "SELECT count(*) FROM runs");
    CU_ASSERT(n >= 2 && n < 27);
    assert_runs_complete(db);
    /* The main file alone (what `cp` of it copies) holds every stored run. */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp %s %s", db, copy);
    CU_ASSERT_EQUAL(system(cmd), 0);
    CU_ASSERT_EQUAL(db_scalar(copy, "SELECT count(*) FROM runs"), n);
    struct cli_out o;
    CU_ASSERT_EQUAL(cli(&o, "sweep " KILL_GRID " --db %s", db), 0);
    CU_ASSERT_EQUAL(db_scalar(db, "SELECT count(*) FROM runs"), 27);
    remove_db(db);
    remove_db(copy);
}

static void test_sigint(void) { stop_with(SIGINT, "interrupted"); }
static void test_sigterm(void) { stop_with(SIGTERM, "stopped by SIGTERM"); }
static void test_sighup(void) { stop_with(SIGHUP, "stopped by SIGHUP"); }

static const char *const compare_sql[] = {
    "SELECT run_key, sweep_key, scenario, experiment, params, point, seed, code_version, events FROM runs ORDER BY run_key",
    "SELECT r.run_key, p.key, p.text, p.num FROM params p JOIN runs r ON r.id = p.run_id ORDER BY 1, 2",
    "SELECT r.run_key, m.name, m.value FROM metrics m JOIN runs r ON r.id = m.run_id ORDER BY 1, 2",
    "SELECT r.run_key, e.kind, e.entity, e.name, e.value FROM entity_metrics e JOIN runs r ON r.id = e.run_id ORDER BY 1, 2, 3, 4",
    "SELECT r.run_key, s.name, s.entity, s.n, s.points FROM series s JOIN runs r ON r.id = s.run_id ORDER BY 1, 2, 3",
    "SELECT sweep_key, scenario, n_points, n_seeds FROM sweeps ORDER BY sweep_key",
    "SELECT s.sweep_key, m.task, r.run_key FROM sweep_runs m JOIN sweeps s ON s.id = m.sweep_id"
    " JOIN runs r ON r.id = m.run_id ORDER BY 1, 2, 3",
    "SELECT s.sweep_key, p.point_index, p.label FROM sweep_points p JOIN sweeps s ON s.id = p.sweep_id ORDER BY 1, 2",
};
/* asym_link emits no per-entity rows; every other query must compare something. */
static const int compare_may_be_empty[] = { 0, 0, 0, 1, 0, 0, 0, 0 };

#define SHARD_GRID SCN " --vary up_limit_kbps=16,32,64 --vary modem_queue_pkts=5,15,45 --seeds 2 " SHORT

static void test_shards_merge(void)
{
    char full[256], shard[3][256], merged[256], mixed[256];
    struct cli_out o;
    tmp_path(full, sizeof full, "full.db");
    tmp_path(merged, sizeof merged, "merged.db");
    tmp_path(mixed, sizeof mixed, "mixed.db");
    remove_db(full); remove_db(merged); remove_db(mixed);
    CU_ASSERT_EQUAL(cli(&o, "sweep " SHARD_GRID " --db %s", full), 0);
    /* Not a terminal: no progress line, nothing on stderr. */
    CU_ASSERT_STRING_EQUAL(o.err, "");
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "9 points x 2 seeds = 18 runs"));
    for (int i = 0; i < 3; i++) {
        char name[32];
        snprintf(name, sizeof name, "shard%d.db", i);
        tmp_path(shard[i], sizeof shard[i], name);
        remove_db(shard[i]);
        if (i == 1) {
            /* This shard takes its index from Slurm's array task id. */
            setenv("SLURM_ARRAY_TASK_ID", "1", 1);
            CU_ASSERT_EQUAL(cli(&o, "sweep " SHARD_GRID " --shard 3 --db %s", shard[i]), 0);
            unsetenv("SLURM_ARRAY_TASK_ID");
        } else {
            CU_ASSERT_EQUAL(cli(&o, "sweep " SHARD_GRID " --shard %d/3 --db %s", i, shard[i]), 0);
        }
        /* Every third of the 18 runs. */
        CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "= 18 runs, 6 in this shard, 0 already present, 6 done"));
    }
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s %s %s", merged, shard[0], shard[1], shard[2]), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "18 runs added, 0 already present"));
    for (size_t q = 0; q < sizeof compare_sql / sizeof compare_sql[0]; q++) {
        unsigned long long ha, hb;
        long long ra = db_digest(full, compare_sql[q], &ha), rb = db_digest(merged, compare_sql[q], &hb);
        if (ra != rb || ha != hb) fprintf(stderr, "\n    differs: %s (%lld vs %lld rows)\n", compare_sql[q], ra, rb);
        CU_ASSERT(ra > 0 || (ra == 0 && compare_may_be_empty[q]));
        CU_ASSERT_EQUAL(ra, rb);
        CU_ASSERT(ha == hb);
    }
    /* Merging a shard again adds nothing. */
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s", merged, shard[2]), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.out, "0 runs added, 6 already present"));
    CU_ASSERT_EQUAL(db_scalar(merged, "SELECT count(*) FROM runs"), 18);

    /* One shard from another build: the merge refuses unless told. */
    sqlite3 *db;
    sqlite3_open(shard[2], &db);
    sqlite3_exec(db, "UPDATE runs SET code_version = 'other-build'", NULL, NULL, NULL);
    sqlite3_close(db);
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s %s %s", mixed, shard[0], shard[1], shard[2]), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "--allow-mixed-versions"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "other-build"));
    CU_ASSERT_NOT_EQUAL(access(mixed, F_OK), 0);     /* refused: no output file at all */
    CU_ASSERT_EQUAL(cli(&o, "merge %s %s %s %s --allow-mixed-versions", mixed, shard[0], shard[1], shard[2]), 0);
    CU_ASSERT_EQUAL(db_scalar(mixed, "SELECT count(*) FROM runs"), 18);
    /* The sweep itself refuses to add this build's runs to runs of another build (whose keys,
     * holding their code version, differ from ours). */
    sqlite3_open(full, &db);
    sqlite3_exec(db, "UPDATE runs SET code_version = 'other-build', run_key = run_key || '-other'", NULL, NULL, NULL);
    sqlite3_close(db);
    CU_ASSERT_EQUAL(cli(&o, "sweep " SHARD_GRID " --db %s", full), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "from code version other-build"));
    CU_ASSERT_EQUAL(db_scalar(full, "SELECT count(*) FROM runs"), 18);
    CU_ASSERT_EQUAL(cli(&o, "sweep " SHARD_GRID " --db %s --allow-mixed-versions", full), 0);
    CU_ASSERT_EQUAL(db_scalar(full, "SELECT count(*) FROM runs"), 36);
    CU_ASSERT_EQUAL(cli(&o, "merge %s /nonexistent.db", mixed), 2);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.err, "/nonexistent.db"));
    remove_db(full); remove_db(merged); remove_db(mixed);
    for (int i = 0; i < 3; i++) remove_db(shard[i]);
}

void register_test_sweep(void)
{
    TEST_SUITE("sweep",
               TEST(test_spec_numbers),
               TEST(test_vary_parse),
               TEST(test_where),
               TEST(test_grid),
               TEST(test_shard_parse),
               TEST(test_eta_format),
               TEST(test_bad_flags),
               TEST(test_sigkill_resume),
               TEST(test_sigint),
               TEST(test_sigterm),
               TEST(test_sighup),
               TEST(test_shards_merge));
}
