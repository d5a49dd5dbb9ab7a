/* `ratelab sweep`: a full grid of --vary values x seeds, run by worker processes, each finished
 * run stored in its own transaction; re-running the same command resumes where it stopped. */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "db.h"
#include "db_sweeps.h"
#include "flags.h"
#include "progress.h"
#include "sweep_grid.h"
#include "sweep_pool.h"

#define MAX_VARY 16
#define MAX_SETS 256
#define SHOW_FAILURES 3
/* Group commit: one transaction per run costs ~0.3 ms of page writes, as much as a short run
 * itself; grouping bounds what a SIGKILL can lose to the last 0.1 s of results. */
#define SWEEP_COMMIT_EVERY_S 0.1

struct sweep_opts {
    const char *scenario, *db, *where, *shard;
    const char *vary[MAX_VARY];  int n_vary;
    const char *sets[MAX_SETS];  int n_sets;
    long        seeds, jobs;
    int         allow_mixed, dry_run;
    enum result_series series;   /* --series: which time series the runs keep */
};

struct sweep_ctx {
    const struct scenario *sc;
    const struct run_task *tasks;
    struct db_writer       writer;
    struct param_set       scratch;
    const char            *sweep_key;
    int64_t                sweep_id;
    struct progress        prog;
    size_t                 done, failed, failed_stored;
    int                    write_failed;
};

static int bad(const char *msg1, const char *msg2)
{
    fprintf(stderr, "ratelab sweep: %s%s\n", msg1, msg2 ? msg2 : "");
    return EXIT_BADINPUT;
}

static int parse_count(const char *flag, const char *text, long min, long max, long *out)
{
    char err[256];
    if (flag_long(flag, text, min, max, out, err, sizeof err) == 0) return 0;
    fprintf(stderr, "ratelab sweep: %s\n", err);
    return -1;
}

static int parse_args(int argc, char **argv, struct sweep_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seeds = 1;
    o->jobs = sysconf(_SC_NPROCESSORS_ONLN);
    if (o->jobs < 1) o->jobs = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        if (!strcmp(a, "--allow-mixed-versions")) { o->allow_mixed = 1; continue; }
        if (!strcmp(a, "--dry-run")) { o->dry_run = 1; continue; }
        if (!strcmp(a, "--series")) {
            if (!has_value || result_series_parse(argv[i + 1], &o->series) != 0) {
                fprintf(stderr, "ratelab sweep: --series needs none|summary|all\n");
                return -1;
            }
            i++;
            continue;
        }
        if (a[0] != '-') {
            if (o->scenario) { fprintf(stderr, "ratelab sweep: more than one scenario ('%s')\n", a); return -1; }
            o->scenario = a;
            continue;
        }
        static const char *const with_value[] = { "--vary", "--set", "--seeds", "--jobs", "--db", "--where", "--shard", NULL };
        int known = 0;
        for (int k = 0; with_value[k]; k++) known |= !strcmp(a, with_value[k]);
        if (!known) {
            fprintf(stderr, "ratelab sweep: unknown flag '%s' (allowed: --vary KEY=SPEC, --seeds N, --jobs J, --db FILE,"
                            " --where EXPR, --set KEY=VALUE, --shard I/N, --allow-mixed-versions, --dry-run,"
                            " --series none|summary|all)\n", a);
            return -1;
        }
        if (!has_value) { fprintf(stderr, "ratelab sweep: %s needs a value\n", a); return -1; }
        const char *v = argv[++i];
        if (!strcmp(a, "--vary")) {
            if (o->n_vary == MAX_VARY) { fprintf(stderr, "ratelab sweep: more than %d --vary\n", MAX_VARY); return -1; }
            o->vary[o->n_vary++] = v;
        } else if (!strcmp(a, "--set")) {
            if (o->n_sets == MAX_SETS) { fprintf(stderr, "ratelab sweep: more than %d --set\n", MAX_SETS); return -1; }
            o->sets[o->n_sets++] = v;
        } else if (!strcmp(a, "--seeds")) {
            if (parse_count("--seeds", v, 1, 100000, &o->seeds) != 0) return -1;
        } else if (!strcmp(a, "--jobs")) {
            if (parse_count("--jobs", v, 1, 1024, &o->jobs) != 0) return -1;
        } else if (!strcmp(a, "--db")) {
            char err[256];
            if (db_path_check(v, err, sizeof err) != 0) { fprintf(stderr, "ratelab sweep: --db %s\n", err); return -1; }
            o->db = v;
        }
        else if (!strcmp(a, "--where")) o->where = v;
        else o->shard = v;
    }
    if (!o->scenario) { fprintf(stderr, "ratelab sweep: missing SCENARIO.ini\n"); return -1; }
    return 0;
}

/* The sweep's identity: scenario and grid-defining flags in the order given. */
static char *sweep_key_text(const struct scenario *sc, const struct sweep_opts *o)
{
    size_t len = strlen(sc->name) + 64 + (o->where ? strlen(o->where) + 16 : 0);
    for (int i = 0; i < o->n_vary; i++) len += strlen(o->vary[i]) + 16;
    for (int i = 0; i < o->n_sets; i++) len += strlen(o->sets[i]) + 16;
    char *s = malloc(len);
    if (!s) return NULL;
    size_t n = (size_t)snprintf(s, len, "%s --seeds %ld", sc->name, o->seeds);
    for (int i = 0; i < o->n_vary; i++) n += (size_t)snprintf(s + n, len - n, " --vary %s", o->vary[i]);
    for (int i = 0; i < o->n_sets; i++) n += (size_t)snprintf(s + n, len - n, " --set %s", o->sets[i]);
    if (o->where) snprintf(s + n, len - n, " --where '%s'", o->where);
    return s;
}

/* A grid point named by its --vary values, for reports of missing points. */
struct label_ctx { const struct grid *grid; const struct vary *vary; int n_vary; struct param_set *ps; };

static void point_label(void *vctx, size_t point, char *buf, size_t len)
{
    const struct label_ctx *l = vctx;
    memcpy(l->ps->val, l->grid->vals + point * l->grid->n_params, l->grid->n_params * sizeof *l->ps->val);
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < l->n_vary && o < len; i++) {
        char v[64];
        param_format(l->ps, (size_t)params_index(l->ps, l->vary[i].key), v, sizeof v);
        o += (size_t)snprintf(buf + o, len - o, "%s%s=%s", i ? " " : "", l->vary[i].key, v);
    }
}

static int on_result(void *vctx, const struct pool_result *r)
{
    struct sweep_ctx *c = vctx;
    if (c->write_failed) return 1;
    const struct run_task *t = &c->tasks[r->task];
    run_task_params(t, &c->scratch);
    c->done++;
    if (r->rc != 0) {
        char params[DB_TEXT_LEN];
        params_canonical(&c->scratch, params, sizeof params);
        if (c->failed++ < SHOW_FAILURES) {
            progress_end(&c->prog);
            fprintf(stderr, "ratelab sweep: run failed (%s): %s%s\n", params, r->err,
                    r->rc > 0 ? " (stored as failed)" : "");
        }
        progress_update(&c->prog, c->done, 0);
        /* A run that broke an invariant finished: it is stored, marked failed, as evidence. */
        if (r->rc < 0) return 0;
        c->failed_stored++;
    }
    struct db_run_meta m = { .scenario = c->sc->name, .experiment = c->sc->exp->name,
                             .code_version = ratelab_version(), .sweep_key = c->sweep_key,
                             .failure = r->rc > 0 ? r->err : NULL,
                             .sweep_id = c->sweep_id, .task = (int64_t)r->task,
                             .started_ms = r->started_ms, .finished_ms = r->finished_ms };
    char err[512];
    if (db_write_run(&c->writer, &m, &c->scratch, &r->res, &r->series, NULL, err, sizeof err) != 0) {
        progress_end(&c->prog);
        fprintf(stderr, "ratelab sweep: %s; stopping\n", err);
        c->write_failed = 1;
        return 1;
    }
    progress_update(&c->prog, c->done, 0);
    return 0;
}

static void on_idle(void *vctx)
{
    struct sweep_ctx *c = vctx;
    char err[512];
    if (c->writer.in_txn && db_writer_commit(&c->writer, err, sizeof err) != 0) {
        progress_end(&c->prog);
        fprintf(stderr, "ratelab sweep: %s\n", err);
        c->write_failed = 1;
    }
}

static void default_db(char *buf, size_t len, const struct scenario *sc, const char *shard, long si, long sn)
{
    if (shard) snprintf(buf, len, "results/%s.shard-%ld-of-%ld.db", sc->name, si, sn);
    else snprintf(buf, len, "results/%s.db", sc->name);
}

int cmd_sweep(int argc, char **argv)
{
    struct sweep_opts o;
    if (parse_args(argc, argv, &o) != 0) return EXIT_BADINPUT;
    char err[1024];
    long shard_i = 0, shard_n = 1;
    if (o.shard && shard_parse(o.shard, &shard_i, &shard_n, err, sizeof err) != 0) return bad(err, NULL);

    struct scenario sc;
    if (scenario_load(o.scenario, &sc, err, sizeof err) != 0) return bad(err, NULL);
    int rc = EXIT_BADINPUT;
    struct vary vary[MAX_VARY];
    int n_vary = 0;
    struct where_expr *where = NULL;
    struct grid grid = { 0 };
    struct run_task *tasks = NULL;
    size_t *todo = NULL;
    char *sweep_key = NULL;
    sqlite3 *db = NULL;
    struct sweep_ctx ctx = { .sc = &sc };
    int have_writer = 0, have_scratch = 0, have_signals = 0;

    for (int i = 0; i < o.n_sets; i++)
        if (scenario_set(&sc, o.sets[i], "--set", err, sizeof err) != 0) { bad(err, NULL); goto out; }
    for (; n_vary < o.n_vary; n_vary++)
        if (vary_parse(o.vary[n_vary], &sc, &vary[n_vary], err, sizeof err) != 0) { bad(err, NULL); goto out; }
    for (int i = 0; i < n_vary; i++)
        for (int j = 0; j < i; j++)
            if (!strcmp(vary[i].key, vary[j].key)) { bad("--vary: key varied twice: ", vary[i].key); goto out; }
    if (o.where && !(where = where_compile_params(o.where, &sc.ps, err, sizeof err))) { bad("--where ", err); goto out; }
    int seed_at = params_index(&sc.ps, "seed");
    if (seed_at < 0 && o.seeds > 1) { bad("--seeds: the experiment has no seed key: ", sc.exp->name); goto out; }
    /* The scenario's seed (or --set seed=S) is the first of the --seeds N consecutive seeds. */
    double seed0 = seed_at >= 0 ? sc.ps.val[seed_at] : 0;
    if (seed_at >= 0 && o.seeds > 1 && (seed0 > sc.ps.defs[seed_at].max - (double)(o.seeds - 1) ||
                                        seed0 > (double)EXACT_INT_MAX - (double)(o.seeds - 1))) {
        fprintf(stderr, "ratelab sweep: seeds %.17g..%.17g (%s, --seeds %ld) go past the largest seed %.17g\n", seed0,
                seed0 + (double)(o.seeds - 1), sc.ps.origin[seed_at], o.seeds,
                fmin(sc.ps.defs[seed_at].max, (double)EXACT_INT_MAX));
        goto out;
    }
    if (grid_build(&sc, vary, (size_t)n_vary, where, &grid, err, sizeof err) != 0) { bad(err, NULL); goto out; }
    if (grid.n_points == 0) {
        fprintf(stderr, "ratelab sweep: no parameter point left to run (%zu of %zu dropped by --where, %zu rejected%s%s)\n",
                grid.n_filtered, grid.n_combinations, grid.n_rejected, grid.n_rejected ? ", e.g. " : "", grid.first_reject);
        goto out;
    }
    /* Points the experiment rejects are skipped, not fatal: a grid over two keys often crosses
     * a constraint between them (lo_mark <= hi_mark) in a corner. */
    if (grid.n_rejected)
        fprintf(stderr, "ratelab sweep: skipped %zu of %zu points that %s rejects, e.g. %s\n",
                grid.n_rejected, grid.n_combinations, sc.exp->name, grid.first_reject);
    if (grid.n_points * (size_t)o.seeds > GRID_MAX_TASKS) {
        fprintf(stderr, "ratelab sweep: %zu points x %ld seeds is more than %d runs\n", grid.n_points, o.seeds, GRID_MAX_TASKS);
        goto out;
    }

    /* Seed-major order: a sweep stopped early still covers the whole grid with its first seeds. */
    size_t n_tasks = grid.n_points * (size_t)o.seeds;
    tasks = calloc(n_tasks, sizeof *tasks);
    todo = calloc(n_tasks, sizeof *todo);
    sweep_key = sweep_key_text(&sc, &o);
    if (!tasks || !todo || !sweep_key || params_copy(&ctx.scratch, &sc.ps) != 0) { bad("out of memory", NULL); goto out; }
    have_scratch = 1;
    for (size_t k = 0; k < n_tasks; k++)
        tasks[k] = (struct run_task){ .exp = sc.exp, .vals = grid.vals + (k % grid.n_points) * grid.n_params,
                                      .seed_at = seed_at, .seed = seed0 + (double)(k / grid.n_points),
                                      .series = o.series };

    if (o.dry_run) {
        size_t in_shard = n_tasks / (size_t)shard_n + ((size_t)shard_i < n_tasks % (size_t)shard_n);
        printf("sweep %s: %zu points x %ld seed%s = %zu runs", sc.name, grid.n_points, o.seeds, o.seeds == 1 ? "" : "s", n_tasks);
        if (o.shard) printf("; shard %ld/%ld: %zu runs", shard_i, shard_n, in_shard);
        printf("; nothing run (--dry-run)\nsweep key: %s\n", sweep_key);
        rc = 0;
        goto out;
    }
    char db_path[1024];
    if (o.db) snprintf(db_path, sizeof db_path, "%s", o.db);
    else default_db(db_path, sizeof db_path, &sc, o.shard, shard_i, shard_n);
    if (!(db = db_open(db_path, DB_WRITE, err, sizeof err))) { bad(err, NULL); goto out; }
    char others[512];
    int n_others = o.allow_mixed ? 0 : db_other_versions(db, sweep_key, ratelab_version(), others, sizeof others, err, sizeof err);
    if (n_others < 0) { fprintf(stderr, "ratelab sweep: %s\n", err); rc = 1; goto out; }
    if (n_others > 0) {
        fprintf(stderr, "ratelab sweep: %s holds runs of this sweep from code version %s, this build is %s "
                        "(use another --db, or --allow-mixed-versions)\n", db_path, others, ratelab_version());
        goto out;
    }
    if (o.shard) {
        int c = db_check_shard(db, db_path, sweep_key, shard_i, shard_n, err, sizeof err);
        if (c != 0) { fprintf(stderr, "ratelab sweep: %s\n", err); rc = c > 0 ? EXIT_BADINPUT : 1; goto out; }
    }
    struct label_ctx lc = { &grid, vary, n_vary, &ctx.scratch };
    int recorded = db_record_sweep(db, sweep_key, sc.name, grid.n_points, (size_t)o.seeds, point_label, &lc,
                                   &ctx.sweep_id, err, sizeof err);
    if (recorded == 0 && o.shard) recorded = db_record_shard(db, ctx.sweep_id, shard_i, shard_n, err, sizeof err);
    if (recorded != 0) {
        fprintf(stderr, "ratelab sweep: %s: %s\n", db_path, err);
        rc = recorded > 0 ? EXIT_BADINPUT : 1;
        goto out;
    }
    /* From here on SIGTERM/SIGHUP/SIGINT end the sweep through the same path: commit, checkpoint. */
    pool_signals_catch();
    have_signals = 1;
    if (db_writer_init(&ctx.writer, db, err, sizeof err) != 0) { fprintf(stderr, "ratelab sweep: %s\n", err); rc = 1; goto out; }
    have_writer = 1;
    ctx.writer.commit_every_s = SWEEP_COMMIT_EVERY_S;

    /* The shard owns every N-th task of the whole list, so shards never depend on what is done.
     * A run already stored (by this sweep, or by another that shares the point and seed) is not
     * run again; one of another sweep joins this one. */
    double t_keys = pool_mono_s();
    size_t n_todo = 0, n_present = 0, n_present_failed = 0, n_joined = 0, n_shard = 0;
    for (size_t k = (size_t)shard_i; k < n_tasks; k += (size_t)shard_n) {
        n_shard++;
        run_task_params(&tasks[k], &ctx.scratch);
        char params[DB_TEXT_LEN], key[2 * DB_TEXT_LEN];
        params_canonical(&ctx.scratch, params, sizeof params);
        db_run_key(key, sizeof key, sc.name, params, ratelab_version());
        int failed = 0;
        int64_t id = db_find_run(&ctx.writer, key, &failed, err, sizeof err);
        int joined = id > 0 ? db_writer_add_member(&ctx.writer, ctx.sweep_id, (int64_t)k, id, err, sizeof err) : 0;
        if (id < 0 || joined < 0) { fprintf(stderr, "ratelab sweep: %s\n", err); rc = 1; goto out; }
        if (id > 0) { n_present++; n_joined += (size_t)joined; }
        else todo[n_todo++] = k;
        n_present_failed += (size_t)failed;
    }
    if (db_writer_commit(&ctx.writer, err, sizeof err) != 0) { fprintf(stderr, "ratelab sweep: %s\n", err); rc = 1; goto out; }
    t_keys = pool_mono_s() - t_keys;

    ctx.tasks = tasks;
    ctx.sweep_key = sweep_key;
    progress_init(&ctx.prog, n_present, n_todo, isatty(STDERR_FILENO));
    double t0 = pool_mono_s();
    struct pool_summary sum = { .interrupted = pool_stop_signal() };
    int prc = sum.interrupted ? 0 : pool_run((int)o.jobs, tasks, todo, n_todo, on_result, on_idle, &ctx, &sum, err, sizeof err);
    on_idle(&ctx);
    /* Every committed run into the main file, so a plain copy of it holds them all (the WAL is
     * folded back and truncated; a reader holding the file open can delay but not lose this). */
    int log_frames = 0, ckpt_frames = 0;
    if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log_frames, &ckpt_frames) != SQLITE_OK)
        fprintf(stderr, "ratelab sweep: %s: the write-ahead log was not folded back (%s); copy the database with "
                        "`ratelab merge COPY.db %s`, not cp\n", db_path, sqlite3_errmsg(db), db_path);
    double wall = pool_mono_s() - t0;
    progress_update(&ctx.prog, ctx.done, 1);
    progress_end(&ctx.prog);
    if (prc != 0) { fprintf(stderr, "ratelab sweep: %s\n", err); rc = 1; goto out; }

    double db_s = ctx.writer.busy_s + t_keys;
    char shard_note[64] = "", shard_runs[64] = "", joined_note[80] = "";
    if (n_joined) snprintf(joined_note, sizeof joined_note, " (%zu stored by another sweep)", n_joined);
    if (o.shard) {
        snprintf(shard_note, sizeof shard_note, " (shard %ld/%ld)", shard_i, shard_n);
        snprintf(shard_runs, sizeof shard_runs, ", %zu in this shard", n_shard);
    }
    printf("sweep %s%s: %zu points x %ld seed%s = %zu runs%s, %zu already present%s, %zu done, %zu failed in %.2f s "
           "(%.1f runs/s, %ld jobs); database %.3f s = %.1f %% of the time -> %s\n",
           sc.name, shard_note, grid.n_points, o.seeds, o.seeds == 1 ? "" : "s", n_tasks, shard_runs, n_present,
           joined_note, ctx.writer.runs_committed, ctx.failed, wall, wall > 0 ? (double)ctx.done / wall : 0.0, o.jobs, db_s,
           wall + t_keys > 0 ? 100 * db_s / (wall + t_keys) : 0.0, db_path);
    fflush(stdout);
    if (sum.interrupted) {
        int sig = sum.interrupted;
        fprintf(stderr, "ratelab sweep: %s: %zu of %zu runs are in %s; run the same command again to resume\n",
                sig == SIGINT ? "interrupted" : sig == SIGTERM ? "stopped by SIGTERM" : "stopped by SIGHUP",
                n_present + ctx.writer.runs_committed, n_shard, db_path);
        rc = 128 + sig;
    } else if (ctx.write_failed) {
        fprintf(stderr, "ratelab sweep: stopped: %zu of %zu runs are stored in %s; run the same command again to "
                        "resume once the cause is fixed\n", n_present + ctx.writer.runs_committed, n_shard, db_path);
        rc = 1;
    }
    else if (ctx.failed || n_present_failed) {
        if (ctx.failed > ctx.failed_stored)
            fprintf(stderr, "ratelab sweep: %zu run%s failed (not stored; a re-run retries them)\n",
                    ctx.failed - ctx.failed_stored, ctx.failed - ctx.failed_stored == 1 ? "" : "s");
        if (ctx.failed_stored + n_present_failed)
            fprintf(stderr, "ratelab sweep: %zu run%s broke byte conservation and %s stored as failed in %s "
                            "(runs.failure; left out of figures and comparisons): a simulator bug\n",
                    ctx.failed_stored + n_present_failed, ctx.failed_stored + n_present_failed == 1 ? "" : "s",
                    ctx.failed_stored + n_present_failed == 1 ? "is" : "are", db_path);
        rc = 1;
    } else rc = 0;
out:
    if (have_writer) db_writer_close(&ctx.writer);
    if (db) db_close(db);
    if (have_signals) pool_signals_release();
    if (have_scratch) params_free(&ctx.scratch);
    free(sweep_key);
    free(todo);
    free(tasks);
    grid_free(&grid);
    where_free(where);
    for (int i = 0; i < n_vary; i++) vary_free(&vary[i]);
    scenario_free(&sc);
    return rc;
}
