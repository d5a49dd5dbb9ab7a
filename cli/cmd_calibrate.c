/* `ratelab calibrate`: measure the receive paths on real sockets (Erlang through an escript, C in
 * process) against the paced sender, fit each path's costs, store the calibration, and check the
 * simulator's CPU against held-out points; --export writes a stored calibration as CSV. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "calib.h"
#include "cli.h"
#include "flags.h"
#include "db.h"
#include "db_calib.h"
#include "plan.h"
#include "progress.h"

#define MAX_ITEMS 512
#define HELDOUT_TOLERANCE 0.20
#define R2_TARGET 0.95

static const char *const usage_flags =
    "--db FILE, --quick, --paths LIST, --no-validate, --escript FILE, --export ID DIR";

static void machine_text(char *buf, size_t len)
{
    char model[160] = "unknown CPU";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            char *c = strchr(line, ':');
            if (c) { snprintf(model, sizeof model, "%s", c + 2); model[strcspn(model, "\n")] = 0; }
            break;
        }
    if (f) fclose(f);
    struct utsname u;
    uname(&u);
    snprintf(buf, len, "%s; %ld CPUs; Linux %s", model, sysconf(_SC_NPROCESSORS_ONLN), u.release);
    for (char *p = buf; *p; p++) if (*p == ',' || *p == '"') *p = ';';    /* CSV- and C-string-safe */
}

static int parse_paths(const char *list, int paths[PATH__N])
{
    memset(paths, 0, sizeof(int) * PATH__N);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        int p = cpu_path_find(tok);
        if (p < 0) return -1;
        paths[p] = 1;
    }
    return 0;
}

static void add_bench(struct calib_record *rec, const char *runtime, const char *what, double ns)
{
    if (rec->n_bench >= sizeof rec->bench / sizeof rec->bench[0] || !isfinite(ns)) return;
    struct calib_bench_row *b = &rec->bench[rec->n_bench++];
    snprintf(b->runtime, sizeof b->runtime, "%s", runtime);
    snprintf(b->what, sizeof b->what, "%s", what);
    b->ns = ns;
}

static void print_coefs(const struct calib_record *rec)
{
    static const int shown[] = { CPUF_WAKEUP, CPUF_EVENT, CPUF_RECV, CPUF_SEGMENT, CPUF_MESSAGE, CPUF_BYTE, CPUF_RATE_MONO,
                                 CPUF_RATE_LOCALTIME, CPUF_TICK, CPUF_BASE };
    printf("\nfitted costs, ns per unit (byte: ns per byte; base: ns per second); * fitted, ± one standard error\n");
    printf("%-12s", "path");
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) printf(" %15s", cpu_feat_name[shown[i]]);
    printf(" %6s %8s %4s\n", "R2", "rms rel", "n");
    for (int p = 0; p < PATH__N; p++) {
        if (!rec->fit[p].measured) continue;
        printf("%-12s", cpu_path_name[p]);
        for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
            int f = shown[i];
            char cell[40];
            if (!rec->source[p][f][0]) snprintf(cell, sizeof cell, "-");
            else if (!strcmp(rec->source[p][f], "fit")) snprintf(cell, sizeof cell, "%.4g±%.2g*", rec->ns[p][f], rec->se[p][f]);
            else snprintf(cell, sizeof cell, "%.4g (%s)", rec->ns[p][f], rec->source[p][f]);
            printf(" %15s", cell);
        }
        printf(" %6.3f %7.1f%% %4d\n", rec->fit[p].r2, 100 * rec->fit[p].rms_rel, rec->fit[p].n_points);
    }
}

/* Fit one path from its measured points; fills rec's costs, fit row and each point's fit_ns. */
static int fit_path(struct calib_record *rec, const struct calib_item *items, const struct calib_meas *meas,
                    size_t n, int p, const struct calib_bench *erl, const struct calib_bench *cb, char *err, size_t errlen)
{
    struct fit_point *pts = calloc(n, sizeof *pts);
    size_t k = 0, n_idle = 0;
    double idle = 0, idle_runs = 0;
    for (size_t i = 0; i < n; i++) {
        if ((int)items[i].sp.path != p || items[i].role != ROLE_IDLE) continue;
        idle += meas[i].cpu_ns / meas[i].window_s;
        idle_runs += (double)meas[i].runs / meas[i].window_s;
        n_idle++;
    }
    if (n_idle) { idle /= (double)n_idle; idle_runs /= (double)n_idle; }
    double fixed[CPUF__N];
    for (int f = 0; f < CPUF__N; f++) fixed[f] = NAN;
    fixed[CPUF_BASE] = idle;
    int erlang = p <= PATH_ERL_PACKET4;
    if (!erlang) {                                 /* tens of ns against microseconds per event */
        fixed[CPUF_RATE_MONO] = cb->rate_update_ns[CLOCK_MONO];
        fixed[CPUF_RATE_LOCALTIME] = cb->rate_update_ns[CLOCK_LOCALTIME];
    }
    for (size_t i = 0; i < n; i++) {
        if ((int)items[i].sp.path != p || items[i].role != ROLE_FIT) continue;
        calib_features(&items[i].sp, &meas[i], pts[k].x);
        pts[k].x[CPUF_WAKEUP] = fmax(0, pts[k].x[CPUF_WAKEUP] - idle_runs);   /* the idle receiver's are in base */
        pts[k].y = meas[i].cpu_ns / meas[i].window_s;
        k++;
    }
    int use[CPUF__N];
    calib_model_mask((enum cpu_path)p, use);
    struct fit_result fr;
    int rc = calib_fit(pts, k, use, fixed, &fr, err, errlen);
    free(pts);
    if (rc != 0) return -1;
    for (int f = 0; f < CPUF__N; f++) {
        rec->ns[p][f] = fr.coef[f];
        rec->se[p][f] = fr.se[f];
        const char *src = "";
        if (use[f] && !isfinite(fixed[f])) src = "fit";
        else if (f == CPUF_BASE) src = "idle";
        else if (f == CPUF_RATE_MONO || f == CPUF_RATE_LOCALTIME) src = "bench";
        if (!use[f] && !isfinite(fixed[f])) rec->ns[p][f] = 0;
        snprintf(rec->source[p][f], sizeof rec->source[p][f], "%s", src);
    }
    rec->ns[p][CPUF_SWITCH] = erlang ? erl->switch_ns : cb->switch_ns;
    snprintf(rec->source[p][CPUF_SWITCH], sizeof rec->source[p][CPUF_SWITCH], "bench");
    rec->fit[p] = (struct calib_fit_row){ 1, (int)k, fr.r2, fr.rms_rel, fr.max_rel, NAN };
    for (size_t i = 0; i < n; i++) {
        if ((int)items[i].sp.path != p) continue;
        double x[CPUF__N];
        calib_features(&items[i].sp, &meas[i], x);
        x[CPUF_WAKEUP] = fmax(0, x[CPUF_WAKEUP] - idle_runs);
        rec->pts[i].fit_ns = calib_fit_predict(&fr, x) * meas[i].window_s;
    }
    return 0;
}

static int export_cmd(const char *db_path, const char *id_text, const char *dir)
{
    char err[1024];
    long id;
    if (flag_long("--export", id_text, 1, LONG_MAX, &id, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab calibrate: %s (a calibration id)\n", err);
        return EXIT_BADINPUT;
    }
    sqlite3 *db = db_open(db_path, DB_READ, err, sizeof err);
    if (!db) { fprintf(stderr, "ratelab calibrate: %s\n", err); return EXIT_BADINPUT; }
    int rc = db_calib_export(db, id, dir, err, sizeof err);
    db_close(db);
    if (rc != 0) { fprintf(stderr, "ratelab calibrate: %s\n", err); return 1; }
    printf("calibration %ld written to %s/ (calibration, coefficients, fits, points, bench .csv)\n", id, dir);
    return 0;
}

/* Held-out points: the simulator's CPU for the same traffic against the measured CPU, per
 * distinct traffic (repetitions share one prediction); fills sim_ns and the worst error per path. */
static void validate(struct calib_record *rec, const struct calib_item *items, const struct calib_meas *meas,
                     size_t n, long id)
{
    printf("\nheld-out points: measured CPU (mean of repetitions, min-max), the fitted model on the measured counts,\n"
           "and the simulator on the same traffic (µs of CPU per second)\n");
    printf("%-12s %9s %5s %9s %19s %9s %9s %8s\n", "path", "rate B/s", "conns", "measured", "(min-max)", "fit", "sim", "sim err");
    for (int p = 0; p < PATH__N; p++) rec->fit[p].heldout_max_rel = rec->fit[p].measured ? 0 : NAN;
    for (size_t i = 0; i < n; i++) {
        if (items[i].role != ROLE_HOLDOUT || isfinite(rec->pts[i].sim_ns)) continue;
        const struct calib_spec *sp = &items[i].sp;
        char err[512];
        double sim = calib_sim_predict(sp, id, rec->wake_latency_ns, err, sizeof err);
        double sum = 0, fit = 0, lo = INFINITY, hi = 0;
        int reps = 0;
        for (size_t j = i; j < n; j++) {
            const struct calib_spec *q = &items[j].sp;
            if (items[j].role != ROLE_HOLDOUT || q->path != sp->path || q->conns != sp->conns || q->rate_Bps != sp->rate_Bps ||
                q->clock != sp->clock || q->mss != sp->mss || q->have_hz != sp->have_hz) continue;
            double y = meas[j].cpu_ns / meas[j].window_s;
            sum += y; fit += rec->pts[j].fit_ns / meas[j].window_s; reps++;
            if (y < lo) lo = y;
            if (y > hi) hi = y;
            rec->pts[j].sim_ns = sim * meas[j].window_s;
        }
        double mean = sum / reps, rel = (sim - mean) / mean;
        if (!isfinite(sim)) { fprintf(stderr, "ratelab calibrate: simulating %s: %s\n", cpu_path_name[sp->path], err); rel = INFINITY; }
        if (fabs(rel) > rec->fit[sp->path].heldout_max_rel) rec->fit[sp->path].heldout_max_rel = fabs(rel);
        printf("%-12s %9.0f %5d %9.1f %9.1f-%-9.1f %9.1f %9.1f %+7.1f%%\n", cpu_path_name[sp->path], sp->rate_Bps, sp->conns,
               mean / 1e3, lo / 1e3, hi / 1e3, fit / reps / 1e3, sim / 1e3, 100 * rel);
    }
}

int cmd_calibrate(int argc, char **argv)
{
    const char *db_path = "results/calib.db", *escript = NULL, *path_list = NULL;
    int quick = 0, do_validate = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--no-validate")) do_validate = 0;
        else if (!strcmp(argv[i], "--db") || !strcmp(argv[i], "--escript") || !strcmp(argv[i], "--paths")) {
            if (i + 1 >= argc) { fprintf(stderr, "ratelab calibrate: %s needs a value\n", argv[i]); return EXIT_BADINPUT; }
            const char **dst = !strcmp(argv[i], "--db") ? &db_path : !strcmp(argv[i], "--escript") ? &escript : &path_list;
            *dst = argv[++i];
        } else if (!strcmp(argv[i], "--export")) {
            if (i + 2 >= argc) { fprintf(stderr, "ratelab calibrate: --export needs ID DIR\n"); return EXIT_BADINPUT; }
            return export_cmd(db_path, argv[i + 1], argv[i + 2]);
        } else {
            fprintf(stderr, "ratelab calibrate: unknown argument '%s' (allowed: %s)\n", argv[i], usage_flags);
            return EXIT_BADINPUT;
        }
    }
    int paths[PATH__N];
    for (int p = 0; p < PATH__N; p++) paths[p] = 1;
    if (path_list && parse_paths(path_list, paths) != 0) {
        fprintf(stderr, "ratelab calibrate: --paths %s: allowed paths: erl_passive,erl_active,erl_packet4,c_blocking,c_epoll,c_hdrbody\n", path_list);
        return EXIT_BADINPUT;
    }
    char err[1024];
    struct calib_env env;
    if (calib_env_init(&env, escript, err, sizeof err) != 0) { fprintf(stderr, "ratelab calibrate: %s\n", err); return EXIT_BADINPUT; }
    if (!env.have_erlang) {
        int wanted = paths[PATH_ERL_PASSIVE] || paths[PATH_ERL_ACTIVE] || paths[PATH_ERL_PACKET4];
        paths[PATH_ERL_PASSIVE] = paths[PATH_ERL_ACTIVE] = paths[PATH_ERL_PACKET4] = 0;
        if (wanted)
            printf("Erlang is not installed (no escript on PATH, or no calib/recv_erlang.escript): calibrating the C "
                   "paths only; `make deps-calibrate` installs erlang-base\n");
    }
    int any = 0;
    for (int p = 0; p < PATH__N; p++) any |= paths[p];
    if (!any) { fprintf(stderr, "ratelab calibrate: no receive path left to calibrate\n"); return EXIT_BADINPUT; }

    /* open the database first: a bad --db fails before minutes of measuring */
    sqlite3 *db = db_open(db_path, DB_WRITE, err, sizeof err);
    if (!db) { fprintf(stderr, "ratelab calibrate: %s\n", err); return EXIT_BADINPUT; }

    static struct calib_item items[MAX_ITEMS];
    static struct calib_meas meas[MAX_ITEMS];
    size_t n = calib_plan(items, MAX_ITEMS, paths, quick);
    struct calib_record *rec = calloc(1, sizeof *rec);
    rec->pts = calloc(n, sizeof *rec->pts);
    rec->n_pts = n;
    machine_text(rec->machine, sizeof rec->machine);
    db_iso_time(db_now_ms(), rec->created, sizeof rec->created);
    snprintf(rec->code_version, sizeof rec->code_version, "%s", ratelab_version());
    printf("calibrating %s on %s\n", quick ? "(quick plan)" : "(full plan)", rec->machine);
    printf("receiver pinned to CPU %d, sender to CPU %d; Erlang VM flags +sbwt none +sbwtdcpu none +sbwtdio none "
           "(scheduler busy-waiting off); CPU = the kernel's per-thread accounting of the receiver (schedstat), "
           "checked against its own getrusage / statistics(runtime); perf hardware counters are not used (not supported here)\n",
           env.cpu_recv, env.cpu_send);

    struct calib_bench erl = { 0 }, cb;
    calib_bench_c(&env, &cb);
    rec->wake_latency_ns = cb.wake_latency_ns;
    add_bench(rec, "c", "rate_update_mono", cb.rate_update_ns[CLOCK_MONO]);
    add_bench(rec, "c", "rate_update_localtime", cb.rate_update_ns[CLOCK_LOCALTIME]);
    add_bench(rec, "c", "clock_mono", cb.clock_ns[CLOCK_MONO]);
    add_bench(rec, "c", "clock_localtime", cb.clock_ns[CLOCK_LOCALTIME]);
    add_bench(rec, "c", "switch", cb.switch_ns);
    add_bench(rec, "c", "wake_latency", cb.wake_latency_ns);
    printf("C micro-benchmark: rate update %.0f ns (monotonic clock) / %.0f ns (local time); switch %.0f ns; "
           "wake-up latency %.0f µs (median)\n", cb.rate_update_ns[CLOCK_MONO], cb.rate_update_ns[CLOCK_LOCALTIME],
           cb.switch_ns, cb.wake_latency_ns / 1e3);
    if (env.have_erlang) {
        if (calib_bench_erlang(&env, &erl, err, sizeof err) != 0) { fprintf(stderr, "ratelab calibrate: %s\n", err); db_close(db); return 1; }
        add_bench(rec, "erlang", "rate_update_mono", erl.rate_update_ns[CLOCK_MONO]);
        add_bench(rec, "erlang", "rate_update_localtime", erl.rate_update_ns[CLOCK_LOCALTIME]);
        add_bench(rec, "erlang", "clock_mono", erl.clock_ns[CLOCK_MONO]);
        add_bench(rec, "erlang", "clock_localtime", erl.clock_ns[CLOCK_LOCALTIME]);
        add_bench(rec, "erlang", "switch", erl.switch_ns);
        printf("Erlang micro-benchmark (%s): rate update %.0f ns (erlang:monotonic_time) / %.0f ns (calendar:local_time); "
               "setopts switch %.0f ns\n", erl.runtime, erl.rate_update_ns[CLOCK_MONO], erl.rate_update_ns[CLOCK_LOCALTIME], erl.switch_ns);
    }
    snprintf(rec->runtime, sizeof rec->runtime, "%s; C", env.have_erlang ? erl.runtime : "no Erlang");
    snprintf(rec->settings, sizeof rec->settings,
             "%s plan; receiver on CPU %d; sender on CPU %d; loopback TCP; segments of the set payload (TCP_MAXSEG); "
             "Erlang +sbwt none +sbwtdcpu none +sbwtdio none; CPU from /proc/<pid>/task/*/schedstat; fit weighted 1/y^2",
             quick ? "quick" : "full", env.cpu_recv, env.cpu_send);

    struct progress pg;
    progress_init(&pg, 0, n, isatty(2));
    for (size_t i = 0; i < n; i++) {
        int rc = calib_run_point(&env, &items[i].sp, &meas[i], err, sizeof err);
        if (rc != 0) rc = calib_run_point(&env, &items[i].sp, &meas[i], err, sizeof err);   /* once more */
        if (rc != 0) {
            progress_end(&pg);
            fprintf(stderr, "ratelab calibrate: point %zu (%s, %d x %.0f B/s): %s; nothing stored\n", i,
                    cpu_path_name[items[i].sp.path], items[i].sp.conns, items[i].sp.rate_Bps, err);
            db_close(db);
            return 1;
        }
        const struct calib_spec *sp = &items[i].sp;
        struct calib_point_row *r = &rec->pts[i];
        r->path = sp->path;
        snprintf(r->role, sizeof r->role, "%s", calib_role_name[items[i].role]);
        snprintf(r->clock, sizeof r->clock, "%s", calib_clock_name[sp->clock]);
        r->conns = sp->conns; r->mss = sp->mss; r->rate_Bps = sp->rate_Bps; r->have_hz = sp->have_hz;
        const struct calib_meas *m = &meas[i];
        r->window_s = m->window_s; r->cpu_ns = m->cpu_ns; r->own_cpu_ns = m->own_cpu_ns;
        r->runs = m->runs; r->segs = m->segs; r->reads = m->reads; r->events = m->events; r->msgs = m->msgs;
        r->bytes = m->bytes; r->updates = m->updates; r->ticks = m->ticks;
        r->fit_ns = r->sim_ns = NAN;
        progress_update(&pg, i + 1, 0);
    }
    progress_end(&pg);

    for (int p = 0; p < PATH__N; p++) {
        if (!paths[p]) continue;
        if (fit_path(rec, items, meas, n, p, &erl, &cb, err, sizeof err) != 0) {
            fprintf(stderr, "ratelab calibrate: fitting %s: %s; nothing stored\n", cpu_path_name[p], err);
            db_close(db);
            return 1;
        }
    }
    print_coefs(rec);
    long id;
    if (db_calib_store(db, rec, &id, err, sizeof err) != 0) { fprintf(stderr, "ratelab calibrate: %s\n", err); db_close(db); return 1; }
    printf("\nstored as calibration %ld in %s (select it with cpu_calibration = %ld)\n", id, db_path, id);
    int ok = 1;
    for (int p = 0; p < PATH__N; p++)
        if (rec->fit[p].measured && rec->fit[p].r2 < R2_TARGET) {
            printf("%s: R2 %.3f is below %.2f\n", cpu_path_name[p], rec->fit[p].r2, R2_TARGET);
            ok = 0;
        }
    if (do_validate) {
        db_calib_use(db_path);
        validate(rec, items, meas, n, id);
        if (db_calib_store_validation(db, id, rec, err, sizeof err) != 0) { fprintf(stderr, "ratelab calibrate: %s\n", err); ok = 0; }
        for (int p = 0; p < PATH__N; p++)
            if (rec->fit[p].measured && !(rec->fit[p].heldout_max_rel <= HELDOUT_TOLERANCE)) {
                printf("%s: a held-out prediction is %.0f %% off (tolerance %.0f %%)\n", cpu_path_name[p],
                       100 * rec->fit[p].heldout_max_rel, 100 * HELDOUT_TOLERANCE);
                ok = 0;
            }
    }
    db_close(db);
    free(rec->pts);
    free(rec);
    return ok ? 0 : 1;
}
