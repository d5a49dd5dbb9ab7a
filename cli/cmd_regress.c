/* `ratelab regress --baseline FILE`: re-run every parameter point and seed of a baseline with this
 * build, compare each metric across seeds (Welch's t-test + minimum effect), exit 1 if worse. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "baseline.h"
#include "db.h"
#include "db_sweeps.h"
#include "flags.h"
#include "progress.h"
#include "regress.h"
#include "sweep_pool.h"

#define MAX_SETS 64

struct base_run {
    long long   id;
    char       *scenario, *point;
    const struct experiment *exp;
    double     *vals;
    int         group;                 /* runs of one parameter point share a group */
    struct result_metric *now;         /* metrics of the re-run */
    size_t      n_now;
    int         failed;
};

struct regress_ctx {
    struct base_run *runs;
    struct progress  prog;
    size_t           done, failed;
};

static int on_result(void *vctx, const struct pool_result *r)
{
    struct regress_ctx *c = vctx;
    struct base_run *b = &c->runs[r->task];
    c->done++;
    if (r->rc != 0) {
        progress_end(&c->prog);
        fprintf(stderr, "ratelab regress: re-run of baseline run %lld failed: %s\n", b->id, r->err);
        b->failed = 1;
        c->failed++;
        return 0;
    }
    b->now = malloc((r->res.n_metric ? r->res.n_metric : 1) * sizeof *b->now);
    if (b->now) {
        memcpy(b->now, r->res.metric, r->res.n_metric * sizeof *b->now);
        b->n_now = r->res.n_metric;
    }
    progress_update(&c->prog, c->done, 0);
    return 0;
}

/* Rebuilds a run's parameter set from experiment + canonical text, then applies --set. */
static int rebuild(struct base_run *b, const char *params, const char *const *sets, int n_sets, int *set_used,
                   char *err, size_t errlen)
{
    struct param_set ps;
    if (params_init(&ps, b->exp->params, b->exp->n_params) != 0) { snprintf(err, errlen, "out of memory"); return -1; }
    char origin[PARAM_ORIGIN_LEN];
    snprintf(origin, sizeof origin, "baseline run %lld", b->id);
    char *copy = strdup(params);
    int rc = copy ? 0 : -1;
    for (char *save = NULL, *kv = copy ? strtok_r(copy, ";", &save) : NULL; kv && rc == 0; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) { snprintf(err, errlen, "%s: malformed parameter '%s'", origin, kv); rc = -1; break; }
        *eq = 0;
        if (params_set(&ps, kv, eq + 1, origin, err, errlen) != 0) {
            size_t l = strlen(err);
            snprintf(err + l, errlen - l, " (the baseline predates this build's keys: refresh it, see docs/workflow.md)");
            rc = -1;
        }
    }
    free(copy);
    for (int i = 0; rc == 0 && i < n_sets; i++) {
        const char *eq = strchr(sets[i], '=');
        char key[64];
        size_t kl = eq ? (size_t)(eq - sets[i]) : 0;
        if (!eq || kl == 0 || kl >= sizeof key) { snprintf(err, errlen, "--set %s: expected KEY=VALUE", sets[i]); rc = -1; break; }
        memcpy(key, sets[i], kl);
        key[kl] = 0;
        if (params_index(&ps, key) < 0) continue;   /* a key of another experiment in the baseline */
        char o2[PARAM_ORIGIN_LEN];
        snprintf(o2, sizeof o2, "--set %s", sets[i]);
        if (params_set(&ps, key, eq + 1, o2, err, errlen) != 0) rc = -1;
        set_used[i] = 1;
    }
    if (rc == 0 && b->exp->validate && b->exp->validate(&ps, err, errlen) != 0) rc = -1;
    if (rc == 0) {
        b->vals = malloc(ps.n * sizeof *b->vals);
        if (b->vals) memcpy(b->vals, ps.val, ps.n * sizeof *b->vals);
        else { snprintf(err, errlen, "out of memory"); rc = -1; }
    }
    params_free(&ps);
    return rc;
}

/* "k=v ..." of the parameters that differ from the experiment's defaults (seed left out). */
static void describe_point(const struct base_run *b, char *buf, size_t len)
{
    struct param_set def;
    size_t o = 0;
    buf[0] = 0;
    if (params_init(&def, b->exp->params, b->exp->n_params) != 0) return;
    for (size_t i = 0; i < def.n; i++) {
        if (def.val[i] == b->vals[i] || !strcmp(def.defs[i].key, "seed")) continue;
        char v[64];
        double keep = def.val[i];
        def.val[i] = b->vals[i];
        param_format(&def, i, v, sizeof v);
        def.val[i] = keep;
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s=%s", o ? " " : "", def.defs[i].key, v);
    }
    params_free(&def);
    if (!o) snprintf(buf, len, "scenario defaults");
}

static void fmt_mean_ci(char *buf, size_t len, const struct sample_stats *s)
{
    if (s->n == 0) snprintf(buf, len, "-");
    else if (isfinite(s->ci95)) snprintf(buf, len, "%.6g ± %.3g", s->mean, s->ci95);
    else snprintf(buf, len, "%.6g", s->mean);
}

struct counts { size_t same, better, worse, changed, untested, missing, metrics; };

/* Compares one parameter point: every metric of the baseline runs against the re-runs. */
static int compare_point(sqlite3 *db, const char *label, struct base_run *runs, size_t first, size_t end,
                         const struct regress_rule *rule, struct counts *cnt, char *err, size_t errlen)
{
    char desc[1024];
    describe_point(&runs[first], desc, sizeof desc);
    printf("\n%s (%s): %s, %zu seed%s\n", runs[first].scenario, runs[first].exp->name, desc, end - first,
           end - first == 1 ? "" : "s");
    printf("  %-30s %-26s %-26s %-9s %s\n", "metric", "baseline mean ± 95% CI", "now mean ± 95% CI", "p", "verdict");
    sqlite3_stmt *names = NULL, *vals = NULL;
    if (db_prepare(db, "SELECT name FROM metrics WHERE run_id = ?1 ORDER BY name", &names, label, err, errlen) != 0 ||
        db_prepare(db, "SELECT value FROM metrics WHERE run_id = ?1 AND name = ?2", &vals, label, err, errlen) != 0) {
        sqlite3_finalize(names);
        return -1;
    }
    size_t n = end - first;
    double *b = malloc(n * sizeof *b), *w = malloc(n * sizeof *w);
    int r = -1, rv = 0;
    if (!b || !w) { snprintf(err, errlen, "out of memory"); goto out; }
    sqlite3_bind_int64(names, 1, runs[first].id);
    while ((r = db_step(names, label, err, errlen)) == 1) {
        const char *metric = (const char *)sqlite3_column_text(names, 0);
        size_t nb = 0, nw = 0;
        for (size_t i = first; i < end; i++) {
            sqlite3_bind_int64(vals, 1, runs[i].id);
            sqlite3_bind_text(vals, 2, metric, -1, SQLITE_STATIC);
            if ((rv = db_step(vals, label, err, errlen)) < 0) break;
            b[nb++] = rv == 1 && sqlite3_column_type(vals, 0) != SQLITE_NULL ? sqlite3_column_double(vals, 0) : NAN;
            sqlite3_reset(vals);
            for (size_t k = 0; k < runs[i].n_now; k++)
                if (!strcmp(runs[i].now[k].name, metric)) { w[nw++] = runs[i].now[k].value; break; }
        }
        if (rv < 0) { r = -1; break; }
        struct sample_stats sb, sw;
        stats_describe(b, nb, &sb);
        stats_describe(w, nw, &sw);
        struct welch_result wr;
        const char *verdict;
        cnt->metrics++;
        if (sb.n > 0 && sw.n == 0) {
            /* A metric that stopped being produced is a regression of the experiment itself. */
            verdict = "MISSING";
            cnt->missing++;
            wr.p = NAN;
        } else {
            enum verdict v = regress_verdict(metric, &sb, &sw, rule, &wr);
            verdict = verdict_name(v);
            switch (v) {
            case VERDICT_SAME: cnt->same++; break;
            case VERDICT_BETTER: cnt->better++; break;
            case VERDICT_WORSE: cnt->worse++; break;
            case VERDICT_CHANGED: cnt->changed++; break;
            case VERDICT_UNTESTED: cnt->untested++; break;
            }
        }
        char cb[64], cw[64], cp[32];
        fmt_mean_ci(cb, sizeof cb, &sb);
        fmt_mean_ci(cw, sizeof cw, &sw);
        if (isfinite(wr.p)) snprintf(cp, sizeof cp, "%.3g", wr.p); else snprintf(cp, sizeof cp, "-");
        printf("  %-30s %-26s %-26s %-9s %s\n", metric, cb, cw, cp, verdict);
    }
out:
    free(b);
    free(w);
    sqlite3_finalize(names);
    sqlite3_finalize(vals);
    return r == 0 ? 0 : -1;
}

static int parse_double(const char *flag, const char *v, double lo, double hi, double *out)
{
    char err[256];
    if (flag_double(flag, v, lo, hi, out, err, sizeof err) == 0) return 0;
    fprintf(stderr, "ratelab regress: %s\n", err);
    return -1;
}

int cmd_regress(int argc, char **argv)
{
    const char *baseline = NULL, *scenarios = NULL;
    const char *sets[MAX_SETS];
    int n_sets = 0;
    long jobs = sysconf(_SC_NPROCESSORS_ONLN);
    struct regress_rule rule = { .alpha = 0.01, .min_effect = 0.05 };
    char err[1024];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        static const char *const with_value[] = { "--baseline", "--scenarios", "--set", "--jobs", "--alpha", "--min-effect", NULL };
        int k = 0;
        while (with_value[k] && strcmp(with_value[k], a)) k++;
        if (!with_value[k]) {
            fprintf(stderr, "ratelab regress: unknown argument '%s' (allowed: --baseline FILE, --scenarios NAME,...,"
                            " --set KEY=VALUE, --jobs J, --alpha A, --min-effect F)\n", a);
            return EXIT_BADINPUT;
        }
        if (i + 1 >= argc) { fprintf(stderr, "ratelab regress: %s needs a value\n", a); return EXIT_BADINPUT; }
        const char *v = argv[++i];
        switch (k) {
        case 0: baseline = v; break;
        case 1: scenarios = v; break;
        case 2:
            if (n_sets == MAX_SETS) { fprintf(stderr, "ratelab regress: more than %d --set\n", MAX_SETS); return EXIT_BADINPUT; }
            sets[n_sets++] = v;
            break;
        case 3:
            if (flag_long("--jobs", v, 1, 1024, &jobs, err, sizeof err) != 0) {
                fprintf(stderr, "ratelab regress: %s\n", err);
                return EXIT_BADINPUT;
            }
            break;
        case 4: if (parse_double("--alpha", v, 1e-12, 0.5, &rule.alpha) != 0) return EXIT_BADINPUT; break;
        default: if (parse_double("--min-effect", v, 0, 10, &rule.min_effect) != 0) return EXIT_BADINPUT; break;
        }
    }
    if (!baseline) { fprintf(stderr, "ratelab regress: missing --baseline FILE (a results database or its .sql dump)\n"); return EXIT_BADINPUT; }

    /* The baseline is whole (integrity, manifest) before any of it is compared. */
    sqlite3 *db = baseline_open(baseline, err, sizeof err);
    if (!db) { fprintf(stderr, "ratelab regress: --baseline %s\n", err); return EXIT_BADINPUT; }
    /* A baseline lacking runs of its sweeps would check fewer points than it claims to. */
    char who[1100];
    snprintf(who, sizeof who, "ratelab regress: --baseline %s", baseline);
    int incomplete = db_sweeps_report(db, NULL, 0, DB_REPORT_INCOMPLETE, who, stderr, err, sizeof err);
    if (incomplete != 0) {
        if (incomplete < 0) fprintf(stderr, "%s: %s\n", who, err);
        db_close(db);
        return EXIT_BADINPUT;
    }

    int rc = EXIT_BADINPUT;
    struct base_run *runs = NULL;
    struct run_task *tasks = NULL;
    size_t *order = NULL, n = 0, cap = 0;
    int set_used[MAX_SETS] = { 0 };
    sqlite3_stmt *st = NULL;
    /* Only simulator runs can be re-run and compared: kernel runs are measurements (see ratelab kernel). */
    int64_t kernel_runs = 0;
    if (db_query_int64(db, "SELECT count(*) FROM runs WHERE engine <> 'sim'", &kernel_runs, baseline, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab regress: --baseline %s\n", err);
        goto out;
    }
    if (kernel_runs) printf("regress: %lld kernel runs in %s left out (measurements, not re-run)\n", (long long)kernel_runs, baseline);
    if (db_prepare(db, "SELECT id, scenario, experiment, params, point, code_version, failure FROM runs WHERE engine = 'sim'"
                       " ORDER BY scenario, experiment, point, seed", &st, baseline, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab regress: --baseline %s\n", err);
        goto out;
    }
    char base_version[128] = "";
    int step;
    while ((step = db_step(st, baseline, err, sizeof err)) == 1) {
        const char *scn = (const char *)sqlite3_column_text(st, 1);
        if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
            /* A failed run has no results to compare with; a baseline holding one is not a baseline. */
            fprintf(stderr, "ratelab regress: --baseline %s: run %lld is stored as failed (%s); refresh the baseline\n",
                    baseline, (long long)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 6));
            goto out;
        }
        if (scenarios) {
            /* Match whole names in the comma list. */
            size_t l = strlen(scn);
            const char *p = scenarios;
            int hit = 0;
            while (p && *p) {
                const char *comma = strchr(p, ',');
                size_t pl = comma ? (size_t)(comma - p) : strlen(p);
                if (pl == l && !strncmp(p, scn, l)) hit = 1;
                p = comma ? comma + 1 : NULL;
            }
            if (!hit) continue;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            struct base_run *q = realloc(runs, cap * sizeof *q);
            if (!q) { fprintf(stderr, "ratelab regress: out of memory\n"); rc = 1; goto out; }
            runs = q;
        }
        struct base_run *b = &runs[n];
        memset(b, 0, sizeof *b);
        b->id = sqlite3_column_int64(st, 0);
        b->scenario = strdup(scn);
        b->point = strdup((const char *)sqlite3_column_text(st, 4));
        n++;
        snprintf(base_version, sizeof base_version, "%s", (const char *)sqlite3_column_text(st, 5));
        const char *ename = (const char *)sqlite3_column_text(st, 2);
        if (!(b->exp = experiment_find(ename))) {
            fprintf(stderr, "ratelab regress: baseline run %lld: experiment '%s' is not in this build\n", b->id, ename);
            goto out;
        }
        if (rebuild(b, (const char *)sqlite3_column_text(st, 3), sets, n_sets, set_used, err, sizeof err) != 0) {
            fprintf(stderr, "ratelab regress: %s\n", err);
            goto out;
        }
        b->group = n > 1 && !strcmp(runs[n - 2].scenario, b->scenario) && !strcmp(runs[n - 2].point, b->point) &&
                   runs[n - 2].exp == b->exp ? runs[n - 2].group : (n > 1 ? runs[n - 2].group + 1 : 0);
    }
    if (step < 0) { fprintf(stderr, "ratelab regress: --baseline %s\n", err); goto out; }
    sqlite3_finalize(st);
    st = NULL;
    if (n == 0) {
        fprintf(stderr, "ratelab regress: %s holds no run%s%s\n", baseline, scenarios ? " of --scenarios " : "", scenarios ? scenarios : "");
        goto out;
    }
    for (int i = 0; i < n_sets; i++)
        if (!set_used[i]) {
            fprintf(stderr, "ratelab regress: --set %s: no experiment in the baseline has this key\n", sets[i]);
            goto out;
        }

    tasks = calloc(n, sizeof *tasks);
    order = calloc(n, sizeof *order);
    if (!tasks || !order) { fprintf(stderr, "ratelab regress: out of memory\n"); rc = 1; goto out; }
    for (size_t i = 0; i < n; i++) {
        tasks[i] = (struct run_task){ .exp = runs[i].exp, .vals = runs[i].vals, .seed_at = -1 };
        order[i] = i;
    }
    struct regress_ctx ctx = { .runs = runs };
    progress_init(&ctx.prog, 0, n, isatty(STDERR_FILENO));
    struct pool_summary sum;
    if (pool_run((int)jobs, tasks, order, n, on_result, NULL, &ctx, &sum, err, sizeof err) != 0) {
        progress_end(&ctx.prog);
        fprintf(stderr, "ratelab regress: %s\n", err);
        rc = 1;
        goto out;
    }
    progress_end(&ctx.prog);
    if (sum.interrupted) {
        fprintf(stderr, "ratelab regress: stopped by %s\n", pool_signal_name(sum.interrupted));
        rc = 128 + sum.interrupted;
        goto out;
    }

    printf("regress: %zu runs of %s (baseline code %s) re-run with code %s; alpha %g, minimum effect %g %%\n",
           n, baseline, base_version, ratelab_version(), rule.alpha, 100 * rule.min_effect);
    for (int i = 0; i < n_sets; i++) printf("  --set %s\n", sets[i]);
    struct counts cnt = { 0 };
    size_t points = 0;
    for (size_t i = 0; i < n; ) {
        size_t j = i;
        while (j < n && runs[j].group == runs[i].group) j++;
        if (compare_point(db, baseline, runs, i, j, &rule, &cnt, err, sizeof err) != 0) {
            fprintf(stderr, "ratelab regress: --baseline %s\n", err);
            rc = EXIT_BADINPUT;
            goto out;
        }
        points++;
        i = j;
    }
    printf("\nregress: %zu points, %zu metric comparisons: %zu same, %zu better, %zu worse, %zu changed (neutral),"
           " %zu untested, %zu missing; %zu re-runs failed\n", points, cnt.metrics, cnt.same, cnt.better, cnt.worse,
           cnt.changed, cnt.untested, cnt.missing, ctx.failed);
    rc = cnt.worse || cnt.missing || ctx.failed ? 1 : 0;
    printf("regress: %s\n", rc ? "FAILED (significantly worse, missing or failed)" : "ok");
out:
    sqlite3_finalize(st);
    for (size_t i = 0; i < n; i++) { free(runs[i].scenario); free(runs[i].point); free(runs[i].vals); free(runs[i].now); }
    free(runs);
    free(tasks);
    free(order);
    db_close(db);
    return rc;
}
