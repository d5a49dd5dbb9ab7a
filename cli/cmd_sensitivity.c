/* `ratelab sensitivity SCENARIO --keys a,b,c --metric m`: which keys move a metric, and how much,
 * over documented ranges: a Morris screening (default) or Sobol indices; the runs go to a results
 * database like a sweep's (re-running the same study resumes), the statistics to its sensitivity
 * table, and a bar figure next to it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "flags.h"
#include "db.h"
#include "figures.h"
#include "progress.h"
#include "rng.h"
#include "sens_ranges.h"
#include "sensitivity.h"
#include "db_sweeps.h"
#include "sweep_pool.h"

#define MAX_SETS 64

struct sens_opts {
    const char *scenario, *keys, *metric, *method, *db, *out;
    const char *ranges[SENS_MAX_KEYS]; int n_ranges;
    const char *sets[MAX_SETS];        int n_sets;
    long        r, p, n, jobs;
};

struct sens_ctx {
    const struct scenario *sc;
    const struct run_task *tasks;
    struct db_writer       writer;
    struct param_set       scratch;
    const char            *study;
    struct progress        prog;
    size_t                 done, failed;
    int                    write_failed;
    int64_t                sweep_id;     /* the study as a sweep of its design points, one seed each */
};

static int parse_long(const char *flag, const char *v, long lo, long hi, long *out)
{
    char err[256];
    if (flag_long(flag, v, lo, hi, out, err, sizeof err) == 0) return 0;
    fprintf(stderr, "ratelab sensitivity: %s\n", err);
    return -1;
}

static int parse_args(int argc, char **argv, struct sens_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = "morris";
    o->r = 10;
    o->p = 4;
    o->n = 64;
    o->jobs = sysconf(_SC_NPROCESSORS_ONLN);
    if (o->jobs < 1) o->jobs = 1;
    static const char *const flags[] = { "--keys", "--metric", "--method", "--range", "--set", "--trajectories",
                                         "--levels", "--samples", "--jobs", "--db", "--out", NULL };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--list-ranges")) { sens_list_ranges(stdout); return 1; }
        if (a[0] != '-') {
            if (o->scenario) { fprintf(stderr, "ratelab sensitivity: more than one scenario ('%s')\n", a); return -1; }
            o->scenario = a;
            continue;
        }
        int k = 0;
        while (flags[k] && strcmp(flags[k], a)) k++;
        if (!flags[k]) {
            fprintf(stderr, "ratelab sensitivity: unknown flag '%s' (allowed: --keys K,K,..., --metric M, --method morris|sobol,"
                            " --range KEY=SPEC, --set KEY=VALUE, --trajectories R, --levels P, --samples N, --jobs J,"
                            " --db FILE, --out FILE, --list-ranges)\n", a);
            return -1;
        }
        if (i + 1 >= argc) { fprintf(stderr, "ratelab sensitivity: %s needs a value\n", a); return -1; }
        const char *v = argv[++i];
        switch (k) {
        case 0: o->keys = v; break;
        case 1: o->metric = v; break;
        case 2:
            if (strcmp(v, "morris") && strcmp(v, "sobol")) {
                fprintf(stderr, "ratelab sensitivity: --method %s: expected morris or sobol\n", v);
                return -1;
            }
            o->method = v;
            break;
        case 3:
            if (o->n_ranges == SENS_MAX_KEYS) { fprintf(stderr, "ratelab sensitivity: more than %d --range\n", SENS_MAX_KEYS); return -1; }
            o->ranges[o->n_ranges++] = v;
            break;
        case 4:
            if (o->n_sets == MAX_SETS) { fprintf(stderr, "ratelab sensitivity: more than %d --set\n", MAX_SETS); return -1; }
            o->sets[o->n_sets++] = v;
            break;
        case 5: if (parse_long(a, v, 2, 1000, &o->r) != 0) return -1; break;
        case 6: if (parse_long(a, v, 2, 20, &o->p) != 0 || o->p % 2) { if (o->p % 2) fprintf(stderr, "ratelab sensitivity: --levels %s: must be even\n", v); return -1; } break;
        case 7: if (parse_long(a, v, 8, 100000, &o->n) != 0) return -1; break;
        case 8: if (parse_long(a, v, 1, 1024, &o->jobs) != 0) return -1; break;
        case 9: o->db = v; break;
        default: o->out = v; break;
        }
    }
    if (!o->scenario || !o->keys || !o->metric) {
        fprintf(stderr, "ratelab sensitivity: usage: ratelab sensitivity SCENARIO.ini --keys K,K,... --metric METRIC"
                        " [--method morris|sobol] [--range KEY=SPEC]... (ratelab sensitivity --list-ranges)\n");
        return -1;
    }
    return 0;
}

/* The factors: each --keys entry with its --range or documented default range. */
static int build_ranges(const struct sens_opts *o, const struct scenario *sc, struct sens_range *rg, size_t *k)
{
    char keys[1024], err[512];
    snprintf(keys, sizeof keys, "%s", o->keys);
    *k = 0;
    for (char *save = NULL, *key = strtok_r(keys, ",", &save); key; key = strtok_r(NULL, ",", &save)) {
        if (*k == SENS_MAX_KEYS) { fprintf(stderr, "ratelab sensitivity: --keys: more than %d keys\n", SENS_MAX_KEYS); return -1; }
        for (size_t j = 0; j < *k; j++)
            if (!strcmp(rg[j].key, key)) { fprintf(stderr, "ratelab sensitivity: --keys: '%s' twice\n", key); return -1; }
        const char *spec = NULL;
        char origin[256];
        for (int i = 0; i < o->n_ranges; i++) {
            size_t l = strlen(key);
            if (!strncmp(o->ranges[i], key, l) && o->ranges[i][l] == '=') { spec = o->ranges[i] + l + 1; snprintf(origin, sizeof origin, "--range %s", o->ranges[i]); }
        }
        if (!spec) {
            spec = sens_default_range(sc->exp->name, key, NULL);
            snprintf(origin, sizeof origin, "--keys %s (documented range)", key);
        }
        if (!spec) {
            if (params_index(&sc->ps, key) < 0)
                fprintf(stderr, "ratelab sensitivity: --keys: experiment %s has no key '%s'\n", sc->exp->name, key);
            else
                fprintf(stderr, "ratelab sensitivity: --keys: no documented range for %s's key '%s': give --range %s=LO:HI"
                                " (ratelab sensitivity --list-ranges)\n", sc->exp->name, key, key);
            return -1;
        }
        if (sens_range_parse(sc, key, spec, origin, &rg[*k], err, sizeof err) != 0) {
            fprintf(stderr, "ratelab sensitivity: %s\n", err);
            return -1;
        }
        (*k)++;
    }
    for (int i = 0; i < o->n_ranges; i++) {
        int used = 0;
        for (size_t j = 0; j < *k; j++) {
            size_t l = strlen(rg[j].key);
            used |= !strncmp(o->ranges[i], rg[j].key, l) && o->ranges[i][l] == '=';
        }
        if (!used) { fprintf(stderr, "ratelab sensitivity: --range %s: not one of --keys\n", o->ranges[i]); return -1; }
    }
    if (*k == 0) { fprintf(stderr, "ratelab sensitivity: --keys: no key given\n"); return -1; }
    return 0;
}

/* One design point's parameter values: the scenario's, the factors set from coordinates x. */
static int point_vals(const struct scenario *sc, const struct sens_range *rg, size_t k, const double *x, double *vals,
                      char *desc, size_t dlen)
{
    struct param_set ps;
    if (params_copy(&ps, &sc->ps) != 0) return -1;
    char err[512];
    size_t o = 0;
    int rc = 0;
    for (size_t i = 0; i < k && rc == 0; i++) {
        char v[64];
        sens_value_text(&rg[i], x[i], v, sizeof v);
        o += (size_t)snprintf(desc + o, o < dlen ? dlen - o : 0, "%s%s=%s", i ? " " : "", rg[i].key, v);
        rc = params_set(&ps, rg[i].key, v, "sensitivity", err, sizeof err);
    }
    if (rc == 0 && sc->exp->validate && sc->exp->validate(&ps, err, sizeof err) != 0) rc = -1;
    if (rc != 0) snprintf(desc + o, o < dlen ? dlen - o : 0, ": %s", err);
    else memcpy(vals, ps.val, ps.n * sizeof *vals);
    params_free(&ps);
    return rc;
}

static int on_result(void *vctx, const struct pool_result *r)
{
    struct sens_ctx *c = vctx;
    if (c->write_failed) return 1;
    c->done++;
    if (r->rc != 0) {
        progress_end(&c->prog);
        fprintf(stderr, "ratelab sensitivity: run failed: %s\n", r->err);
        c->failed++;
        return 0;
    }
    run_task_params(&c->tasks[r->task], &c->scratch);
    struct db_run_meta m = { .scenario = c->sc->name, .experiment = c->sc->exp->name, .code_version = ratelab_version(),
                             .sweep_key = c->study, .sweep_id = c->sweep_id, .task = (int64_t)r->task,
                             .started_ms = r->started_ms, .finished_ms = r->finished_ms };
    char err[512];
    if (db_write_run(&c->writer, &m, &c->scratch, &r->res, &r->series, NULL, err, sizeof err) != 0) {
        progress_end(&c->prog);
        fprintf(stderr, "ratelab sensitivity: %s; stopping\n", err);
        c->write_failed = 1;
        return 1;
    }
    progress_update(&c->prog, c->done, 0);
    return 0;
}

static void design_label(void *ctx, size_t point, char *buf, size_t len)
{
    (void)ctx;
    snprintf(buf, len, "design point %zu", point);
}

static void on_idle(void *vctx)
{
    struct sens_ctx *c = vctx;
    char err[512];
    if (c->writer.in_txn && db_writer_commit(&c->writer, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab sensitivity: %s\n", err);
        c->write_failed = 1;
    }
}

/* The id of task t's run in the database: > 0 stored, 0 not yet, -1 on error. */
static int64_t stored_run(struct sens_ctx *c, const struct run_task *t, char *err, size_t errlen)
{
    char params[DB_TEXT_LEN], key[2 * DB_TEXT_LEN];
    run_task_params(t, &c->scratch);
    params_canonical(&c->scratch, params, sizeof params);
    db_run_key(key, sizeof key, c->sc->name, params, ratelab_version());
    return db_find_run(&c->writer, key, NULL, err, errlen);
}

/* The metric of task t's run (NAN when the run stored NULL or lacks it); *failed on an error. */
static double stored_value(struct sens_ctx *c, sqlite3 *db, const struct run_task *t, const char *metric, int *failed)
{
    char err[512];
    sqlite3_stmt *st = NULL;
    double v = NAN;
    int64_t id = stored_run(c, t, err, sizeof err);
    int r = id < 0 ? -1 : 0;
    if (id > 0 && (r = db_prepare(db, "SELECT value FROM metrics WHERE run_id = ?1 AND name = ?2", &st, NULL, err, sizeof err)) == 0) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
        r = db_step(st, NULL, err, sizeof err);
        if (r == 1 && sqlite3_column_type(st, 0) != SQLITE_NULL) v = sqlite3_column_double(st, 0);
    }
    sqlite3_finalize(st);
    if (r < 0) {
        if (!*failed) fprintf(stderr, "ratelab sensitivity: %s\n", err);
        *failed = 1;
    }
    return v;
}

struct sens_row { const char *key, *range, *stat; struct sens_stat s; };

static int store_rows(sqlite3 *db, const char *study, const struct scenario *sc, const struct sens_opts *o,
                      const struct sens_row *rows, size_t n, char *err, size_t errlen)
{
    char now[40];
    db_iso_time(db_now_ms(), now, sizeof now);
    sqlite3_stmt *del = NULL, *ins = NULL;
    int rc = -1;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM sensitivity WHERE study = ?1 AND code_version = ?2", -1, &del, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO sensitivity VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)", -1, &ins, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(del, 1, study, -1, SQLITE_STATIC);
    sqlite3_bind_text(del, 2, ratelab_version(), -1, SQLITE_STATIC);
    if (sqlite3_step(del) != SQLITE_DONE) goto out;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(ins);
        const char *vals[] = { study, ratelab_version(), sc->name, o->metric, o->method, rows[i].key, rows[i].range, rows[i].stat };
        for (int k = 0; k < 8; k++) sqlite3_bind_text(ins, k + 1, vals[k], -1, SQLITE_STATIC);
        if (isfinite(rows[i].s.value)) sqlite3_bind_double(ins, 9, rows[i].s.value); else sqlite3_bind_null(ins, 9);
        if (isfinite(rows[i].s.ci95)) sqlite3_bind_double(ins, 10, rows[i].s.ci95); else sqlite3_bind_null(ins, 10);
        sqlite3_bind_int64(ins, 11, (sqlite3_int64)rows[i].s.n);
        sqlite3_bind_text(ins, 12, now, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) goto out;
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) rc = 0;
out:
    if (rc != 0) { snprintf(err, errlen, "storing the study: %s", sqlite3_errmsg(db)); sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL); }
    sqlite3_finalize(del);
    sqlite3_finalize(ins);
    return rc;
}

int cmd_sensitivity(int argc, char **argv)
{
    struct sens_opts o;
    int pa = parse_args(argc, argv, &o);
    if (pa != 0) return pa > 0 ? 0 : EXIT_BADINPUT;
    char err[1024];
    struct scenario sc;
    if (scenario_load(o.scenario, &sc, err, sizeof err) != 0) { fprintf(stderr, "ratelab sensitivity: %s\n", err); return EXIT_BADINPUT; }
    int rc = EXIT_BADINPUT, morris = !strcmp(o.method, "morris");
    struct sens_range rg[SENS_MAX_KEYS];
    size_t k = 0, n_tasks = 0;
    struct morris_design md = { 0 };
    struct sobol_design sd = { 0 };
    double *vals = NULL, *y = NULL;
    struct run_task *tasks = NULL;
    size_t *todo = NULL;
    sqlite3 *db = NULL;
    struct sens_ctx ctx = { .sc = &sc };
    int have_writer = 0, have_scratch = 0;
    gsl_rng *g = NULL;
    char study[2048];

    for (int i = 0; i < o.n_sets; i++)
        if (scenario_set(&sc, o.sets[i], "--set", err, sizeof err) != 0) { fprintf(stderr, "ratelab sensitivity: %s\n", err); goto out; }
    int declared = 0;
    experiment_metric_dir(sc.exp, o.metric, &declared);
    if (!declared) {
        fprintf(stderr, "ratelab sensitivity: --metric %s: not a metric experiment %s declares (ratelab run %s --json lists them)\n",
                o.metric, sc.exp->name, o.scenario);
        goto out;
    }
    if (build_ranges(&o, &sc, rg, &k) != 0) goto out;

    /* The study's identity: everything that defines its runs. */
    size_t sl = (size_t)snprintf(study, sizeof study, "%s %s %s", sc.name, o.metric, o.method);
    if (morris) sl += (size_t)snprintf(study + sl, sizeof study - sl, " r=%ld p=%ld", o.r, o.p);
    else sl += (size_t)snprintf(study + sl, sizeof study - sl, " n=%ld", o.n);
    for (size_t i = 0; i < k; i++) sl += (size_t)snprintf(study + sl, sl < sizeof study ? sizeof study - sl : 0, " %s=%s", rg[i].key, rg[i].spec);
    for (int i = 0; i < o.n_sets; i++) sl += (size_t)snprintf(study + sl, sl < sizeof study ? sizeof study - sl : 0, " --set %s", o.sets[i]);

    /* The design, fixed by the study (the same command gives the same runs). */
    g = rng_stream(1, "sensitivity.design", 0);
    if (morris) {
        if (morris_design(k, (size_t)o.r, (size_t)o.p, g, &md) != 0) { fprintf(stderr, "ratelab sensitivity: out of memory\n"); rc = 1; goto out; }
        n_tasks = (size_t)o.r * (k + 2);          /* k + 1 points + the seed-only change */
    } else {
        if (sobol_design(k, (size_t)o.n, &sd) != 0) { fprintf(stderr, "ratelab sensitivity: out of memory\n"); rc = 1; goto out; }
        n_tasks = (size_t)o.n * (k + 2);          /* A, B and k mixed rows */
    }
    size_t np = sc.exp->n_params;
    int seed_at = params_index(&sc.ps, "seed");
    vals = malloc(n_tasks * np * sizeof *vals);
    tasks = calloc(n_tasks, sizeof *tasks);
    todo = calloc(n_tasks, sizeof *todo);
    y = malloc(n_tasks * sizeof *y);
    if (!vals || !tasks || !todo || !y || params_copy(&ctx.scratch, &sc.ps) != 0) { fprintf(stderr, "ratelab sensitivity: out of memory\n"); rc = 1; goto out; }
    have_scratch = 1;
    for (size_t t = 0; t < n_tasks; t++) {
        double x[SENS_MAX_KEYS];
        double seed;
        if (morris) {
            size_t tr = t / (k + 2), j = t % (k + 2);
            memcpy(x, morris_point(&md, tr, j <= k ? j : 0), k * sizeof *x);
            seed = (double)(tr + 1) + (j == k + 1 ? (double)o.r : 0.0);
        } else {
            size_t row = t / (k + 2), i = t % (k + 2);
            sobol_point(&sd, row, i, x);
            seed = (double)(row + 1);
        }
        char desc[1024];
        if (point_vals(&sc, rg, k, x, vals + t * np, desc, sizeof desc) != 0) {
            fprintf(stderr, "ratelab sensitivity: design point %s is not a valid %s run; narrow the --range\n", desc, sc.exp->name);
            goto out;
        }
        tasks[t] = (struct run_task){ .exp = sc.exp, .vals = vals + t * np, .seed_at = seed_at, .seed = seed };
    }

    char db_path[1024];
    if (o.db) snprintf(db_path, sizeof db_path, "%s", o.db);
    else snprintf(db_path, sizeof db_path, "results/%s-sensitivity.db", sc.name);
    if (!(db = db_open(db_path, DB_WRITE, err, sizeof err))) { fprintf(stderr, "ratelab sensitivity: %s\n", err); goto out; }
    char others[512];
    int ov = db_other_versions(db, study, ratelab_version(), others, sizeof others, err, sizeof err);
    if (ov < 0) { fprintf(stderr, "ratelab sensitivity: %s\n", err); rc = 1; goto out; }
    if (ov > 0) {
        fprintf(stderr, "ratelab sensitivity: %s holds this study's runs from code version %s, this build is %s (use another --db)\n",
                db_path, others, ratelab_version());
        goto out;
    }
    /* The study is recorded as a sweep of its design points (one task each), so status and merge
     * can tell whether all of its runs are stored. */
    if (db_record_sweep(db, study, sc.name, n_tasks, 1, design_label, NULL, &ctx.sweep_id, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab sensitivity: %s\n", err);
        rc = 1;
        goto out;
    }
    if (db_writer_init(&ctx.writer, db, err, sizeof err) != 0) { fprintf(stderr, "ratelab sensitivity: %s\n", err); rc = 1; goto out; }
    have_writer = 1;
    ctx.writer.commit_every_s = 0.1;
    size_t n_todo = 0;
    for (size_t t = 0; t < n_tasks; t++) {
        int64_t id = stored_run(&ctx, &tasks[t], err, sizeof err);
        int has = id > 0;
        if (id < 0) { fprintf(stderr, "ratelab sensitivity: %s\n", err); rc = 1; goto out; }
        /* Morris trajectories revisit a point only by chance; a task already queued is not run twice. */
        int dup = 0;
        for (size_t q = 0; !has && q < n_todo && !dup; q++)
            dup = tasks[todo[q]].seed == tasks[t].seed && !memcmp(tasks[todo[q]].vals, tasks[t].vals, np * sizeof *vals);
        if (!has && !dup) todo[n_todo++] = t;
    }
    ctx.tasks = tasks;
    ctx.study = study;
    progress_init(&ctx.prog, n_tasks - n_todo, n_todo, isatty(STDERR_FILENO));
    struct pool_summary sum;
    double t0 = pool_mono_s();
    int prc = pool_run((int)o.jobs, tasks, todo, n_todo, on_result, on_idle, &ctx, &sum, err, sizeof err);
    on_idle(&ctx);
    progress_update(&ctx.prog, ctx.done, 1);
    progress_end(&ctx.prog);
    if (prc != 0) { fprintf(stderr, "ratelab sensitivity: %s\n", err); rc = 1; goto out; }
    /* Every task's run joins the study's sweep: runs stored before, and a task that repeats
     * another's point and seed shares its run. */
    for (size_t t = 0; t < n_tasks; t++) {
        int64_t id = stored_run(&ctx, &tasks[t], err, sizeof err);
        if (id < 0 || (id > 0 && db_writer_add_member(&ctx.writer, ctx.sweep_id, (int64_t)t, id, err, sizeof err) < 0) ||
            (t + 1 == n_tasks && db_writer_commit(&ctx.writer, err, sizeof err) != 0)) {
            fprintf(stderr, "ratelab sensitivity: %s\n", err);
            rc = 1;
            goto out;
        }
    }
    if (sum.interrupted) { fprintf(stderr, "ratelab sensitivity: interrupted; run the same command again to resume\n"); rc = 130; goto out; }
    if (ctx.write_failed || ctx.failed) { fprintf(stderr, "ratelab sensitivity: %zu runs failed; not computing the study\n", ctx.failed); rc = 1; goto out; }
    printf("sensitivity %s: %zu runs (%zu already present) in %.1f s -> %s\n", study, n_tasks, n_tasks - n_todo,
           pool_mono_s() - t0, db_path);

    size_t n_missing = 0;
    int read_failed = 0;
    for (size_t t = 0; t < n_tasks; t++)
        n_missing += !isfinite(y[t] = stored_value(&ctx, db, &tasks[t], o.metric, &read_failed));
    if (read_failed) { rc = 1; goto out; }
    if (n_missing == n_tasks) { fprintf(stderr, "ratelab sensitivity: no run produced metric %s\n", o.metric); rc = 1; goto out; }
    if (n_missing) fprintf(stderr, "ratelab sensitivity: %zu of %zu runs have no finite %s; their effects are left out\n", n_missing, n_tasks, o.metric);

    /* Statistics, stored and printed. */
    struct sens_row rows[3 * (SENS_MAX_KEYS + 1)];
    size_t n_rows = 0;
    gsl_rng *boot = rng_stream(2, "sensitivity.bootstrap", 0);
    if (morris) {
        size_t r = (size_t)o.r;
        double *yy = malloc(r * (k + 1) * sizeof *yy), *ee = malloc(r * (k + 1) * sizeof *ee);
        if (!yy || !ee) { free(yy); free(ee); rng_free(boot); rc = 1; goto out; }
        for (size_t t = 0; t < r; t++) memcpy(yy + t * (k + 1), y + t * (k + 2), (k + 1) * sizeof *yy);
        morris_effects(&md, yy, ee);
        double *seed_ee = malloc(r * sizeof *seed_ee);
        for (size_t t = 0; seed_ee && t < r; t++) seed_ee[t] = y[t * (k + 2) + k + 1] - y[t * (k + 2)];
        for (size_t i = 0; i <= k && seed_ee; i++) {
            struct sens_stat ms, m, s;
            if (i < k) morris_stats(ee + i, r, k, boot, &ms, &m, &s);
            else morris_stats(seed_ee, r, 1, boot, &ms, &m, &s);
            const char *key = i < k ? rg[i].key : "(seed)", *range = i < k ? rg[i].spec : "another seed";
            rows[n_rows++] = (struct sens_row){ key, range, "mu_star", ms };
            rows[n_rows++] = (struct sens_row){ key, range, "mu", m };
            rows[n_rows++] = (struct sens_row){ key, range, "sigma", s };
        }
        free(seed_ee);
        free(yy);
        free(ee);
    } else {
        size_t n = (size_t)o.n;
        double *ya = malloc(n * sizeof *ya), *yb = malloc(n * sizeof *yb), *yab = malloc(k * n * sizeof *yab);
        struct sens_stat s1[SENS_MAX_KEYS], st[SENS_MAX_KEYS];
        if (!ya || !yb || !yab) { free(ya); free(yb); free(yab); rng_free(boot); rc = 1; goto out; }
        for (size_t row = 0; row < n; row++) {
            for (size_t i = 0; i < k; i++) yab[i * n + row] = y[row * (k + 2) + i];
            ya[row] = y[row * (k + 2) + k];
            yb[row] = y[row * (k + 2) + k + 1];
        }
        sobol_indices(&sd, ya, yb, yab, boot, s1, st);
        for (size_t i = 0; i < k; i++) {
            rows[n_rows++] = (struct sens_row){ rg[i].key, rg[i].spec, "S1", s1[i] };
            rows[n_rows++] = (struct sens_row){ rg[i].key, rg[i].spec, "ST", st[i] };
        }
        free(ya); free(yb); free(yab);
    }
    rng_free(boot);
    if (store_rows(db, study, &sc, &o, rows, n_rows, err, sizeof err) != 0) { fprintf(stderr, "ratelab sensitivity: %s\n", err); rc = 1; goto out; }
    printf("  %-20s %-34s %s\n", "key", "range", morris ? "mu* (95 % CI)          mu          sigma" : "S1 (95 % CI)        ST (95 % CI)");
    for (size_t i = 0; i < n_rows; ) {
        size_t per = morris ? 3 : 2;
        printf("  %-20s %-34s", rows[i].key, rows[i].range);
        for (size_t j = 0; j < per; j++)
            printf("  %10.4g ± %-9.3g", rows[i + j].s.value, rows[i + j].s.ci95);
        printf("\n");
        i += per;
    }
    db_writer_close(&ctx.writer);
    have_writer = 0;
    struct fig_opts fo = { .db_path = db_path, .study = study };
    char out_base[1100];
    if (o.out) fo.out = o.out;
    else {
        snprintf(out_base, sizeof out_base, "%.*s/sensitivity-%s-%s", (int)(strrchr(db_path, '/') ? strrchr(db_path, '/') - db_path : 1),
                 strrchr(db_path, '/') ? db_path : ".", sc.name, o.metric);
        fo.out = out_base;
    }
    enum fig_status fs = figure_plot("sensitivity", &fo, err, sizeof err);
    if (fs != FIG_OK) { fprintf(stderr, "ratelab sensitivity: figure: %s\n", err); rc = 1; goto out; }
    rc = 0;
out:
    if (have_writer) db_writer_close(&ctx.writer);
    if (db) db_close(db);
    if (have_scratch) params_free(&ctx.scratch);
    if (g) rng_free(g);
    morris_design_free(&md);
    sobol_design_free(&sd);
    free(vals); free(tasks); free(todo); free(y);
    scenario_free(&sc);
    return rc;
}
