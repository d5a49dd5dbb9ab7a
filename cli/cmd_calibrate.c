/* `ratelab calibrate`: measure the receive paths on real sockets (Erlang through an escript, C in
 * process) against the paced sender, fit each path's costs, store the calibration, and check the
 * simulator's counts and CPU against held-out points; --measure runs one point, --export writes a
 * stored calibration as CSV. */
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
#include "progress.h"
#include "refit.h"
#include "session.h"

#define HELDOUT_TOLERANCE 0.20
#define R2_TARGET 0.95

static const char *const usage_flags =
    "--db FILE, --quick, --paths LIST, --no-validate, --escript FILE, --steal-max SHARE, --export ID DIR, --measure SPEC [--reps N], "
    "--refit ID [--latency | --latency-from [c:|erlang:]ID2] [--wake-share]";

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
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int p = cpu_path_find(tok);
        if (p < 0) return -1;
        paths[p] = 1;
    }
    return 0;
}

static void hist_text(char *buf, size_t len, const uint64_t *v, int n)
{
    size_t o = 0;
    buf[0] = 0;
    for (int b = 0; b < n && o < len; b++) o += (size_t)snprintf(buf + o, len - o, "%s%llu", b ? "/" : "", (unsigned long long)v[b]);
}

/* One line per measured point: the spec, the receiver's CPU and counts per second, the gap
 * histogram, the sender's view and the machine's load (what --measure prints). */
static void print_meas(FILE *out, const struct calib_spec *sp, const struct calib_meas *m)
{
    double s = m->window_s;
    char gaps[CPU_GAP_BINS * 12], agaps[CPU_GAP_BINS * 12], late[CPU_GAP_BINS * 12], burst[CALIB_BURST_BINS * 12];
    hist_text(gaps, sizeof gaps, m->gaps, CPU_GAP_BINS);
    hist_text(agaps, sizeof agaps, m->agaps, CPU_GAP_BINS);
    hist_text(late, sizeof late, m->send.late, CPU_GAP_BINS);
    hist_text(burst, sizeof burst, m->send.burst, CALIB_BURST_BINS);
    fprintf(out, "path=%s clock=%s conns=%d rate=%.0f mss=%d have=%g window_s=%.3f cpu_us=%.1f own_us=%.1f runs=%.1f "
            "vcsw=%.1f ivcsw=%.1f segs=%.1f acks=%.1f reads=%.1f events=%.1f msgs=%.1f bytes=%.0f updates=%.1f ticks=%.2f "
            "load1=%.2f other_cpu=%.3f steal=%.4f send_segs=%.1f send_wakes=%.1f gaps=%s agaps=%s late=%s burst=%s\n",
            cpu_path_name[sp->path], calib_clock_name[sp->clock], sp->conns, sp->rate_Bps, sp->mss, sp->have_hz, s,
            m->cpu_ns / s / 1e3, m->own_cpu_ns / s / 1e3, (double)m->runs / s, (double)m->vcsw / s, (double)m->ivcsw / s,
            (double)m->segs / s, (double)m->acks / s, (double)m->reads / s, (double)m->events / s, (double)m->msgs / s,
            (double)m->bytes / s, (double)m->updates / s, (double)m->ticks / s, m->load1, m->other_cpu, m->steal,
            (double)m->send.segs / s, (double)m->send.wakes / s, gaps, agaps, late, burst);
}

/* --measure "path=P,conns=N,rate=B,mss=M,have=H,clock=C,warmup_ms=W,window_ms=X": one point, reps times,
 * each after the quiet-host wait. */
static int measure_cmd(const char *spec_text, int reps, const char *escript, double steal_max)
{
    struct calib_spec sp = { PATH_C_BLOCKING, CLOCK_MONO, 1, 8000, 1460, 1, 1000, 4000 };
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec_text);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '='), *end = NULL;
        if (!eq) { fprintf(stderr, "ratelab calibrate: --measure: '%s' is not key=value\n", tok); return EXIT_BADINPUT; }
        *eq++ = 0;
        double v = strtod(eq, &end);
        int num_ok = end != eq && *end == 0;
        if (!strcmp(tok, "path")) { int p = cpu_path_find(eq); if (p < 0) goto bad; sp.path = (enum cpu_path)p; }
        else if (!strcmp(tok, "clock")) {
            int c = -1;
            for (int k = 0; k < CLOCK__N; k++) if (!strcmp(eq, calib_clock_name[k])) c = k;
            if (c < 0) goto bad;
            sp.clock = (enum calib_clock)c;
        }
        else if (!num_ok) goto bad;
        else if (!strcmp(tok, "conns") && v >= 1 && v <= 1000) sp.conns = (int)v;
        else if (!strcmp(tok, "rate") && v >= 0) sp.rate_Bps = v;
        else if (!strcmp(tok, "mss") && v >= 64 && v <= 65000) sp.mss = (int)v;
        else if (!strcmp(tok, "have") && v >= 0) sp.have_hz = v;
        else if (!strcmp(tok, "warmup_ms") && v >= 0) sp.warmup_ms = (int)v;
        else if (!strcmp(tok, "window_ms") && v >= 100) sp.window_ms = (int)v;
        else goto bad;
        continue;
    bad:
        fprintf(stderr, "ratelab calibrate: --measure: bad or unknown '%s=%s'\n", tok, eq);
        return EXIT_BADINPUT;
    }
    char err[512];
    struct calib_env env;
    if (calib_env_init(&env, escript, err, sizeof err) != 0) { fprintf(stderr, "ratelab calibrate: %s\n", err); return EXIT_BADINPUT; }
    for (int r = 0; r < reps; r++) {
        struct calib_meas m;
        /* the session's quiet-host wait (no retry: every measurement is printed, with its steal) */
        calib_wait_steal_quiet(env.cpu_recv, env.cpu_send, steal_max, CALIB_STEAL_QUIET_MS, CALIB_STEAL_WAIT_MS);
        if (calib_run_point(&env, &sp, &m, NULL, err, sizeof err) != 0) { fprintf(stderr, "ratelab calibrate: %s\n", err); return 1; }
        print_meas(stdout, &sp, &m);
        fflush(stdout);
    }
    return 0;
}

/* The calibration id given to `flag` and the calibrations' database opened in `mode`; NULL (the
 * reason printed, exit EXIT_BADINPUT) when either is wrong. */
static sqlite3 *open_calibration(const char *flag, const char *id_text, const char *db_path, enum db_mode mode, long *id)
{
    char err[1024];
    if (flag_long(flag, id_text, 1, LONG_MAX, id, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab calibrate: %s (a calibration id)\n", err);
        return NULL;
    }
    sqlite3 *db = db_open(db_path, mode, err, sizeof err);
    if (!db) fprintf(stderr, "ratelab calibrate: %s\n", err);
    return db;
}

static int export_cmd(const char *db_path, const char *id_text, const char *dir)
{
    char err[1024];
    long id;
    sqlite3 *db = open_calibration("--export", id_text, db_path, DB_READ, &id);
    if (!db) return EXIT_BADINPUT;
    int rc = db_calib_export(db, id, dir, err, sizeof err);
    db_close(db);
    if (rc != 0) { fprintf(stderr, "ratelab calibrate: %s\n", err); return 1; }
    printf("calibration %ld written to %s/ (calibration, coefficients, fits, points, bench .csv)\n", id, dir);
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

static void add_mech(struct calib_record *rec, int p, const char *name, double v)
{
    if (rec->n_mech >= sizeof rec->mech / sizeof rec->mech[0]) return;
    struct calib_mech_row *m = &rec->mech[rec->n_mech++];
    m->path = p;
    snprintf(m->name, sizeof m->name, "%s", name);
    m->v = v;
}

/* The hog series of path p's runtime, if measured: each run's hog (0/1), share and wake-up CPU by
 * sleep bin (ws_rNN_*), the slopes and their standard errors by bin (wo_sKK, wo_sKK_se), the form
 * (wo_max ns, wo_tau_us) and whether the series supports it (wo_form 1/0). */
static void add_wake_share(struct calib_record *rec, int p, const struct calib_wake_series *ws, const struct calib_wake_fit *wf)
{
    if (ws->n == 0) return;
    char name[16];
    for (int i = 0; i < ws->n; i++) {
        snprintf(name, sizeof name, "ws_r%02u_hog", (unsigned)i % 100u);
        add_mech(rec, p, name, ws->run[i].hog);
        snprintf(name, sizeof name, "ws_r%02u_share", (unsigned)i % 100u);
        add_mech(rec, p, name, ws->run[i].share);
        for (int b = 0; b < CPU_GAP_BINS; b++) {
            if (!(ws->run[i].cpu_ns[b] > 0)) continue;
            snprintf(name, sizeof name, "ws_r%02u_s%02u", (unsigned)i % 100u, (unsigned)b % 100u);
            add_mech(rec, p, name, ws->run[i].cpu_ns[b]);
        }
    }
    for (int b = 0; b < CPU_GAP_BINS; b++) {
        if (!(wf->se_ns[b] > 0)) continue;
        snprintf(name, sizeof name, "wo_s%02u", (unsigned)b % 100u);
        add_mech(rec, p, name, wf->delta_ns[b]);
        snprintf(name, sizeof name, "wo_s%02u_se", (unsigned)b % 100u);
        add_mech(rec, p, name, wf->se_ns[b]);
    }
    add_mech(rec, p, "wo_max", wf->max_ns);
    add_mech(rec, p, "wo_tau_us", wf->tau_us);
    add_mech(rec, p, "wo_form", wf->supported);
}

/* The wake-up latency over every sleep and by the sleep's length, per runtime. */
static void print_latency(const struct calib_session *s)
{
    const struct calib_latency_run *run[2] = { &s->lat_c, &s->lat_erl };
    printf("wake-up latency (data sent to a sleeping reader holding it; quantiles averaged over %d runs) and the\n"
           "reader's CPU per wake-up (mean), µs:\n", s->n_lat);
    printf("  %-7s %-14s %7s %7s %7s %7s %8s\n", "runtime", "slept", "samples", "median", "p90", "max", "wake CPU");
    for (int k = 0; k < (s->env.have_erlang ? 2 : 1); k++) {
        const struct cpu_wake_latency *w = &run[k]->lat;
        const char *who = k ? "Erlang" : "C";
        printf("  %-7s %-14s %7d %7.0f %7.0f %7.0f\n", who, "any", run[k]->n, w->any.q_ns[10] / 1e3, w->any.q_ns[18] / 1e3,
               w->any.q_ns[CPU_LAT_Q - 1] / 1e3);
        for (int b = 1; b < CPU_GAP_BINS; b++) {
            if (!cpu_latency_measured(&w->by_sleep[b])) continue;
            char range[32];
            snprintf(range, sizeof range, "%.0f-%.0f", ldexp(1, b - 1), ldexp(1, b));
            printf("  %-7s %-14s %7.0f %7.0f %7.0f %7.0f %8.1f\n", who, range, run[k]->n_sleep[b], w->by_sleep[b].q_ns[10] / 1e3,
                   w->by_sleep[b].q_ns[18] / 1e3, w->by_sleep[b].q_ns[CPU_LAT_Q - 1] / 1e3, run[k]->wake_cpu_ns[b] / 1e3);
        }
        printf("  %-7s other processes took %.0f %% of the reader's CPU over the runs\n", who, 100 * run[k]->other_cpu);
    }
}

/* The hog series: per runtime and sleep bin, the CPU other processes' work adds to a wake-up (at
 * share 1), the saturating form fitted to it and the checks of calib/wakeshare.h. */
static void print_wake_share(const struct calib_session *s)
{
    printf("\nthe CPU a wake-up costs more with other processes on the reader's CPU (slope of the wake-up's CPU on their\n"
           "share over %d latency runs per runtime, half of them with a busy niced process there), µs at share 1:\n",
           s->ws[0].n);
    printf("  %-7s %-14s %5s %12s %8s\n", "runtime", "slept", "runs", "delta ± se", "form");
    for (int k = 0; k < (s->env.have_erlang ? 2 : 1); k++) {
        const struct calib_wake_fit *f = &s->wf[k];
        const char *who = k ? "Erlang" : "C";
        double lo = 1, hi = 0;
        for (int i = 0; i < s->ws[k].n; i++) {
            double v = s->ws[k].run[i].share;
            if (isfinite(v)) { lo = fmin(lo, v); hi = fmax(hi, v); }
        }
        for (int b = 1; b < CPU_GAP_BINS; b++) {
            if (!(f->se_ns[b] > 0)) continue;
            char range[32];
            snprintf(range, sizeof range, "%.0f-%.0f", ldexp(1, b - 1), ldexp(1, b));
            printf("  %-7s %-14s %5d %6.1f ± %-4.1f %8.1f\n", who, range, f->runs[b], f->delta_ns[b] / 1e3, f->se_ns[b] / 1e3,
                   calib_wake_curve(f, cpu_gap_bin_us(b)) / 1e3);
        }
        if (f->n_bins == 0) {
            printf("  %-7s shares %.2f-%.2f: no bin has %d runs over a share range of %.2f or more (no contrast): nothing measured\n",
                   who, lo, hi, CALIB_WS_MIN_RUNS, CALIB_WS_MIN_SPREAD);
            continue;
        }
        printf("  %-7s shares %.2f-%.2f; form %.1f µs x (1 - exp(-slept / %.0f µs)), chi2 %.1f; one constant %.1f µs, chi2 %.1f;\n"
               "          after sleeps >= %.0f µs %.1f ± %.1f µs; curve within 2 se in %.0f %% of %d bins: form %s\n",
               who, lo, hi, f->max_ns / 1e3, f->tau_us, f->chisq, f->const_ns / 1e3, f->chisq_const, CALIB_WS_LONG_US,
               f->long_ns / 1e3, f->long_se / 1e3, 100 * f->within, f->n_bins, f->supported ? "supported" : "NOT supported");
    }
}

static void print_coefs(const struct calib_session *s)
{
    static const int shown[] = { CPUF_WAKEUP, CPUF_COLD, CPUF_CONN_COLD, CPUF_DELIVERY, CPUF_SEGMENT, CPUF_MESSAGE,
                                 CPUF_RATE_MONO, CPUF_RATE_LOCALTIME, CPUF_TICK, CPUF_BASE };
    printf("\nfitted costs, µs per unit (base: µs per second; cold / conn_cold: the extra of a segment fully cold for the "
           "receiver / its connection), "
           "± one standard error; b: micro-benchmark, -: not in this path's model\n");
    printf("%-12s", "path");
    for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) printf(" %14s", cpu_feat_name[shown[i]]);
    printf(" %7s %7s %6s %8s %8s %6s %6s %7s %4s\n", "tau ms", "ctau ms", "interf", "os wakes", "/segment", "R2", "R2 w",
           "rms rel", "n");
    for (int p = 0; p < PATH__N; p++) {
        if (!s->paths[p]) continue;
        const struct calib_path_fit *pf = &s->fit[p];
        int use[CPUF__N];
        calib_model_mask((enum cpu_path)p, use);
        printf("%-12s", cpu_path_name[p]);
        for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
            int f = shown[i];
            char cell[40];
            if (isfinite(s->fixed[p][f])) snprintf(cell, sizeof cell, "%.3g b", s->fixed[p][f] / 1e3);
            else if (!use[f]) snprintf(cell, sizeof cell, "-");
            else snprintf(cell, sizeof cell, "%.3g±%.2g", pf->fr.coef[f] / 1e3, pf->fr.se[f] / 1e3);
            printf(" %14s", cell);
        }
        printf(" %7.3g %7.3g %6.2f %8.2f %8.2f %6.3f %6.3f %6.1f%% %4zu\n", pf->tau_us / 1e3, pf->conn_tau_us / 1e3, pf->gamma,
               s->cal.os_wakes[p], s->cal.os_wakes_seg[p], pf->fr.r2, pf->r2w,
               100 * pf->fr.rms_rel, pf->n_items);
    }
}

static void print_heldout(const struct calib_session *s)
{
    printf("\nheld-out points (rates and connection counts the fit does not use), medians of %d repetitions:\n"
           "wake-ups (OS thread wake-ups above the idle receiver's) and deliveries per second measured / simulated,\n"
           "the deliveries' mean cold share measured / simulated, CPU ms per second measured, of the fitted model on\n"
           "the measured counts, and of the simulator on the sender's recorded traffic\n", s->reps);
    printf("%-12s %9s %5s %17s %7s %17s %7s %11s %8s %8s %7s %8s %7s\n", "path", "rate B/s", "conns", "wake-ups m / s", "err",
           "deliveries m / s", "err", "cold m / s", "CPU m", "fit", "err", "sim", "err");
    for (size_t k = 0; k < s->n_items; k++) {
        struct calib_heldout_row r;
        if (s->items[k].role != ROLE_HOLDOUT || !calib_session_heldout(s, k, &r)) continue;
        const struct calib_spec *sp = &s->items[k].sp;
        printf("%-12s %9.0f %5d %8.0f / %-6.0f %+6.0f%% %8.0f / %-6.0f %+6.0f%% %5.2f / %-4.2f %8.2f %8.2f %+6.0f%% %8.2f %+6.0f%%\n",
               cpu_path_name[sp->path], sp->rate_Bps, sp->conns, r.wake, r.wake_sim, 100 * (r.wake_sim / r.wake - 1),
               r.deliv, r.deliv_sim, 100 * (r.deliv_sim / r.deliv - 1), r.cold, r.cold_sim, r.cpu / 1e6, r.cpu_fit / 1e6,
               100 * (r.cpu_fit / r.cpu - 1), r.cpu_sim / 1e6, 100 * (r.cpu_sim / r.cpu - 1));
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The machine while measuring: 1-minute load average and the share of the receiver's CPU that
 * other processes used, min / median / max over every measurement. */
static void load_text(const struct calib_session *s, char *buf, size_t len)
{
    double *l = malloc(sizeof *l * (s->n_obs + 1)), *o = malloc(sizeof *o * (s->n_obs + 1));
    double *st = malloc(sizeof *st * (s->n_obs + 1));
    size_t n = 0, ns = 0, over = 0;
    for (size_t i = 0; l && o && st && i < s->n_obs; i++) {
        if (isfinite(s->obs[i].m.load1) && isfinite(s->obs[i].m.other_cpu)) { l[n] = s->obs[i].m.load1; o[n] = s->obs[i].m.other_cpu; n++; }
        if (isfinite(s->obs[i].m.steal)) { st[ns++] = s->obs[i].m.steal; over += s->obs[i].m.steal > s->steal_max; }
    }
    if (n == 0) snprintf(buf, len, "load not recorded");
    else {
        qsort(l, n, sizeof *l, cmp_double);
        qsort(o, n, sizeof *o, cmp_double);
        int k = snprintf(buf, len, "load average %.1f / %.1f / %.1f, other processes on the receiver's CPU %.0f / %.0f / %.0f %% "
                         "(min / median / max over %zu measurements)", l[0], l[n / 2], l[n - 1], 100 * o[0], 100 * o[n / 2],
                         100 * o[n - 1], n);
        if (ns > 0 && k > 0 && (size_t)k < len) {
            qsort(st, ns, sizeof *st, cmp_double);
            snprintf(buf + k, len - (size_t)k, "; hypervisor steal on the receiver's or sender's CPU %.2f / %.2f / %.2f %% "
                     "(min / median / max over %zu measurements kept; %zu above %.2f %% after %d tries; %zu measurements "
                     "taken again for steal)", 100 * st[0], 100 * st[ns / 2], 100 * st[ns - 1], ns, over,
                     100 * s->steal_max, CALIB_STEAL_TRIES, s->steal_retries);
            k = (int)strlen(buf);
            if (s->steal_unseen && (size_t)k + 1 < len)
                snprintf(buf + k, len - (size_t)k, "; the hypervisor had reported no steal since boot when the run began");
        }
    }
    free(l);
    free(o);
    free(st);
}

static void progress_cb(void *ctx, size_t done, size_t total)
{
    (void)total;
    progress_update(ctx, done, 0);
}

/* The calibration record to store: machine, costs with their sources, mechanisms, fit rows,
 * every measurement, the micro-benchmarks. */
static struct calib_record *make_record(const struct calib_session *s, const char *load)
{
    struct calib_record *rec = calloc(1, sizeof *rec);
    if (!rec || !(rec->pts = calloc(s->n_obs ? s->n_obs : 1, sizeof *rec->pts))) { free(rec); return NULL; }
    machine_text(rec->machine, sizeof rec->machine);
    db_iso_time(db_now_ms(), rec->created, sizeof rec->created);
    snprintf(rec->code_version, sizeof rec->code_version, "%s", ratelab_version());
    snprintf(rec->runtime, sizeof rec->runtime, "%s; C", s->env.have_erlang ? s->erl.runtime : "no Erlang");
    snprintf(rec->settings, sizeof rec->settings,
             "%s plan, %d repetitions in rounds, medians fitted; receiver on CPU %d, sender on CPU %d, not niced; "
             "loopback TCP; segments of the set payload (TCP_MAXSEG); Erlang +sbwt none +sbwtdcpu none +sbwtdio none; "
             "CPU from /proc/<pid>/task/*/schedstat; fit weighted 1/y^2; %s",
             s->quick ? "quick" : "full", s->reps, s->env.cpu_recv, s->env.cpu_send, load);
    for (int p = 0; p < PATH__N; p++) {
        if (!s->paths[p]) continue;
        const struct calib_path_fit *pf = &s->fit[p];
        int use[CPUF__N];
        calib_model_mask((enum cpu_path)p, use);
        for (int f = 0; f < CPUF__N; f++) {
            rec->ns[p][f] = s->cal.ns[p][f];
            rec->se[p][f] = pf->fr.se[f];
            const char *src = isfinite(s->fixed[p][f]) || f == CPUF_SWITCH ? "bench" : use[f] ? "fit" : "";
            snprintf(rec->source[p][f], sizeof rec->source[p][f], "%s", src);
        }
        rec->fit[p] = (struct calib_fit_row){ 1, (int)pf->n_items, pf->fr.r2, pf->r2w, pf->fr.rms_rel, pf->fr.max_rel,
                                              pf->tau_us, s->heldout_max_rel[p], s->heldout_count_max_rel[p] };
        add_mech(rec, p, "os_wakes", s->cal.os_wakes[p]);
        add_mech(rec, p, "os_wakes_seg", s->cal.os_wakes_seg[p]);
        add_mech(rec, p, "cold_tau_us", s->cal.cold_tau_us[p]);
        add_mech(rec, p, "conn_tau_us", s->cal.conn_tau_us[p]);
        add_mech(rec, p, "interference", s->cal.interference[p]);
        add_mech(rec, p, "other_ref", s->cal.other_ref[p]);
        char name[16];
        for (int q = 0; q < CPU_LAT_Q; q++) {
            snprintf(name, sizeof name, "lat_p%02d", 5 * q);
            add_mech(rec, p, name, s->cal.latency[p].any.q_ns[q]);
        }
        const struct calib_latency_run *lr = p <= PATH_ERL_PACKET4 ? &s->lat_erl : &s->lat_c;
        for (int b = 0; b < CPU_GAP_BINS; b++) {
            if (!cpu_latency_measured(&s->cal.latency[p].by_sleep[b])) continue;
            for (int q = 0; q < CPU_LAT_Q; q++) {
                snprintf(name, sizeof name, "lat_s%02u_p%02u", (unsigned)b % 100u, (unsigned)(5 * q) % 1000u);
                add_mech(rec, p, name, s->cal.latency[p].by_sleep[b].q_ns[q]);
            }
            if (lr->n_sleep[b] > 0) {
                snprintf(name, sizeof name, "lat_s%02u_n", (unsigned)b % 100u);
                add_mech(rec, p, name, lr->n_sleep[b]);
            }
        }
        for (int b = 0; b < CPU_GAP_BINS; b++) {
            if (!(lr->wake_cpu_ns[b] > 0)) continue;          /* measured, not (yet) in the model */
            snprintf(name, sizeof name, "lat_s%02u_cpu", (unsigned)b % 100u);
            add_mech(rec, p, name, lr->wake_cpu_ns[b]);
        }
        add_wake_share(rec, p, &s->ws[p <= PATH_ERL_PACKET4], &s->wf[p <= PATH_ERL_PACKET4]);
    }
    for (size_t i = 0; i < s->n_obs; i++) {
        const struct calib_obs *o = &s->obs[i];
        const struct calib_spec *sp = &s->items[o->item].sp;
        const struct calib_meas *m = &o->m;
        struct calib_point_row *r = &rec->pts[i];
        r->path = sp->path;
        snprintf(r->role, sizeof r->role, "%s", calib_role_name[s->items[o->item].role]);
        r->item = (int)o->item;
        r->rep = o->rep;
        snprintf(r->clock, sizeof r->clock, "%s", calib_clock_name[sp->clock]);
        r->conns = sp->conns; r->mss = sp->mss; r->rate_Bps = sp->rate_Bps; r->have_hz = sp->have_hz;
        r->window_s = m->window_s; r->cpu_ns = m->cpu_ns; r->own_cpu_ns = m->own_cpu_ns;
        r->runs = m->runs; r->vcsw = m->vcsw; r->ivcsw = m->ivcsw; r->segs = m->segs; r->acks = m->acks;
        r->reads = m->reads; r->events = m->events; r->msgs = m->msgs; r->bytes = m->bytes;
        r->updates = m->updates; r->ticks = m->ticks; r->send_segs = m->send.segs;
        hist_text(r->gaps, sizeof r->gaps, m->gaps, CPU_GAP_BINS);
        hist_text(r->agaps, sizeof r->agaps, m->agaps, CPU_GAP_BINS);
        hist_text(r->send_late, sizeof r->send_late, m->send.late, CPU_GAP_BINS);
        r->load1 = m->load1; r->other_cpu = m->other_cpu;
        r->fit_ns = s->paths[sp->path] ? calib_fit_cpu(&s->fit[sp->path], sp, m) * m->window_s : NAN;
        int simmed = s->simmed[i];
        r->sim_ns = simmed ? s->sim[i].cpu_ns * m->window_s : NAN;
        r->sim_wakeups = simmed ? s->sim[i].units[CPUF_WAKEUP] * m->window_s : NAN;
        r->sim_deliveries = simmed ? s->sim[i].units[CPUF_DELIVERY] * m->window_s : NAN;
    }
    rec->n_pts = s->n_obs;
    const struct calib_bench *bs[2] = { &s->cb, &s->erl };
    const char *rt[2] = { "c", "erlang" };
    for (int k = 0; k < (s->env.have_erlang ? 2 : 1); k++) {
        add_bench(rec, rt[k], "rate_update_mono", bs[k]->rate_update_ns[CLOCK_MONO]);
        add_bench(rec, rt[k], "rate_update_localtime", bs[k]->rate_update_ns[CLOCK_LOCALTIME]);
        add_bench(rec, rt[k], "clock_mono", bs[k]->clock_ns[CLOCK_MONO]);
        add_bench(rec, rt[k], "clock_localtime", bs[k]->clock_ns[CLOCK_LOCALTIME]);
        add_bench(rec, rt[k], "switch", bs[k]->switch_ns);
    }
    return rec;
}

/* Stores the calibration (with the simulator's predictions when validated) and names every
 * target it misses: 0 if it meets them, 1 otherwise or if storing fails. */
static int store_and_judge(const struct calib_session *s, sqlite3 *db, const char *db_path, struct calib_record *rec,
                           int do_validate)
{
    char err[1024];
    long id;
    if (db_calib_store(db, rec, &id, err, sizeof err) != 0 ||
        (do_validate && db_calib_store_validation(db, id, rec, err, sizeof err) != 0)) {
        fprintf(stderr, "ratelab calibrate: %s\n", err);
        return 1;
    }
    printf("stored as calibration %ld in %s (select it with cpu_calibration = %ld; --export %ld DIR writes it as CSV)\n",
           id, db_path, id, id);
    int rc = 0;
    for (int p = 0; p < PATH__N; p++) {
        if (!s->paths[p]) continue;
        if (s->fit[p].fr.r2 < R2_TARGET) {
            printf("%s: R2 %.3f is below %.2f\n", cpu_path_name[p], s->fit[p].fr.r2, R2_TARGET);
            rc = 1;
        }
        if (do_validate && !(s->heldout_max_rel[p] <= HELDOUT_TOLERANCE)) {
            printf("%s: a held-out CPU prediction is %.0f %% off (tolerance %.0f %%)\n", cpu_path_name[p],
                   100 * s->heldout_max_rel[p], 100 * HELDOUT_TOLERANCE);
            rc = 1;
        }
    }
    return rc;
}

static void free_record(struct calib_record *rec)
{
    if (!rec) return;
    free(rec->pts);
    free(rec);
}

/* The hog series (calib_session_wake_share) with progress on a terminal, then its table; 0 or 1
 * (the reason printed). */
static int measure_wake_share(struct calib_session *s)
{
    char err[512];
    struct progress pg;
    progress_init(&pg, 0, (size_t)(CALIB_WS_ROUNDS * 2 * (s->env.have_erlang ? 2 : 1)), isatty(2));
    int rc = calib_session_wake_share(s, progress_cb, &pg, err, sizeof err);
    progress_end(&pg);
    if (rc != 0) { fprintf(stderr, "ratelab calibrate: the wake-up series: %s; nothing stored\n", err); return 1; }
    print_wake_share(s);
    return 0;
}

/* The wake-up latency tables (by the sleep's length) of stored calibration `from` in place of the
 * session's, for the runtimes in `which`: a calibration made before the latency was measured by
 * sleep is refitted with one measured on the same machine later.  0, or -1 with err. */
static int latency_from(sqlite3 *db, long from, unsigned which, struct calib_session *s, char *err, size_t errlen)
{
    struct cpu_calibration src;
    char e[512];
    if (db_calib_load(db, from, &src, e, sizeof e) != 0) { snprintf(err, errlen, "%s", e); return -1; }
    return calib_session_take_latency(s, &src, from, which, err, errlen);
}

/* --latency-from [c:|erlang:]ID: the calibration and the runtimes whose tables it gives (both
 * without a prefix).  0, or -1 with err naming the flag. */
static int parse_latency_from(const char *text, long *id, unsigned *which, char *err, size_t errlen)
{
    const char *colon = strchr(text, ':');
    *which = CALIB_LAT_C | CALIB_LAT_ERLANG;
    if (colon) {
        size_t n = (size_t)(colon - text);
        if (n == 1 && !strncmp(text, "c", n)) *which = CALIB_LAT_C;
        else if (n == 6 && !strncmp(text, "erlang", n)) *which = CALIB_LAT_ERLANG;
        else {
            snprintf(err, errlen, "--latency-from %.64s: the runtime before ':' is c or erlang", text);
            return -1;
        }
    }
    const char *flag = !colon ? "--latency-from" : *which == CALIB_LAT_C ? "--latency-from c:" : "--latency-from erlang:";
    if (flag_long(flag, colon ? colon + 1 : text, 1, LONG_MAX, id, err, errlen) != 0) return -1;
    return 0;
}

/* --refit ID [--latency | --latency-from [c:|erlang:]ID2] [--wake-share]: calibration ID's stored points fitted and validated again by
 * this program's fit and simulator, the sender's writes re-made from its recorded timing; stored as a new calibration. */
static int refit_cmd(const char *db_path, const char *id_text, int new_latency, const char *lat_from_text, int wake_share,
                     const char *escript)
{
    char err[1024];
    long id, lat_from = 0;
    unsigned lat_which = 0;
    if (lat_from_text && parse_latency_from(lat_from_text, &lat_from, &lat_which, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab calibrate: %s (a calibration id, after c: or erlang: for one runtime)\n", err);
        return EXIT_BADINPUT;
    }
    sqlite3 *db = open_calibration("--refit", id_text, db_path, DB_WRITE, &id);
    if (!db) return EXIT_BADINPUT;
    struct calib_session s;
    memset(&s, 0, sizeof s);
    struct cpu_calibration cal;
    struct calib_point_row *rows = NULL;
    struct calib_bench_row bench[16];
    size_t n = 0, n_bench = 0;
    char machine[256], runtime[128], settings[CALIB_SETTINGS_MAX];
    int rc = EXIT_BADINPUT;
    struct calib_record *rec = NULL;
    if (db_calib_load(db, id, &cal, err, sizeof err) || db_calib_load_meta(db, id, machine, sizeof machine, runtime,
                                                                           sizeof runtime, settings, sizeof settings, err, sizeof err) ||
        db_calib_load_points(db, id, &rows, &n, err, sizeof err) ||
        db_calib_load_bench(db, id, bench, sizeof bench / sizeof bench[0], &n_bench, err, sizeof err) ||
        calib_session_from_points(&s, rows, n, bench, n_bench, &cal, err, sizeof err)) {
        fprintf(stderr, "ratelab calibrate: --refit %ld (%s): %s\n", id, db_path, err);
        goto out;
    }
    if (lat_from && latency_from(db, lat_from, lat_which, &s, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab calibrate: --latency-from %ld (%s): %s\n", lat_from, db_path, err);
        goto out;
    }
    if (new_latency || wake_share) {
        /* the latency measured now on this machine, in place of the stored one */
        int have_erlang = s.env.have_erlang;
        const char *flag = new_latency ? "--latency" : "--wake-share";
        if (calib_env_init(&s.env, escript, err, sizeof err) != 0) {
            fprintf(stderr, "ratelab calibrate: %s: %s\n", flag, err);
            goto out;
        }
        if (have_erlang && !s.env.have_erlang) {
            fprintf(stderr, "ratelab calibrate: %s: calibration %ld has Erlang paths and Erlang (escript) is not available\n",
                    flag, id);
            goto out;
        }
        s.env.have_erlang = have_erlang;          /* the series measures the runtimes the calibration has */
    }
    if (new_latency) {
        memset(&s.lat_c, 0, sizeof s.lat_c);
        memset(&s.lat_erl, 0, sizeof s.lat_erl);
        s.n_lat = 0;
        for (int r = 0; r < 3; r++)
            if (calib_session_latency(&s, err, sizeof err) != 0) {
                fprintf(stderr, "ratelab calibrate: --latency: %s; nothing stored\n", err);
                rc = 1;
                goto out;
            }
        print_latency(&s);
    }
    if ((new_latency || wake_share) && measure_wake_share(&s) != 0) { rc = 1; goto out; }
    rc = 1;
    printf("refitting calibration %ld (%zu measurements of %zu points) on %s\n", id, s.n_obs, s.n_items, machine);
    if (calib_session_fit(&s, err, sizeof err) != 0) { fprintf(stderr, "ratelab calibrate: %s; nothing stored\n", err); goto out; }
    print_coefs(&s);
    calib_session_validate(&s);
    print_heldout(&s);
    if (!(rec = make_record(&s, ""))) { fprintf(stderr, "ratelab calibrate: out of memory\n"); goto out; }
    snprintf(rec->machine, sizeof rec->machine, "%s", machine);
    snprintf(rec->runtime, sizeof rec->runtime, "%s", runtime);
    char lat_note[96] = "";
    if (lat_from)
        snprintf(lat_note, sizeof lat_note, "; the wake-up latency by sleep of calibration %ld%s", lat_from,
                 lat_which == CALIB_LAT_C ? " for C" : lat_which == CALIB_LAT_ERLANG ? " for Erlang" : "");
    int k = snprintf(rec->settings, sizeof rec->settings, "refit of calibration %ld: its measurements, the sender's writes "
                     "re-made from its recorded timer lateness%s%s%s; %s", id,
                     new_latency ? "; the wake-up latency by sleep measured again at the refit" : "", lat_note,
                     new_latency || wake_share ? "; the wake-up's CPU under a niced busy process measured at the refit" : "",
                     settings);
    if (k < 0 || (size_t)k >= sizeof rec->settings) {
        fprintf(stderr, "ratelab calibrate: --refit %ld: its settings text would be %d bytes, more than the %zu stored; "
                "nothing stored\n", id, k, sizeof rec->settings - 1);
        goto out;
    }
    rc = store_and_judge(&s, db, db_path, rec, 1);
out:
    free(rows);
    free_record(rec);
    db_close(db);
    calib_session_free(&s);
    return rc;
}

int cmd_calibrate(int argc, char **argv)
{
    const char *db_path = "results/calib.db", *escript = NULL, *path_list = NULL, *measure = NULL;
    const char *refit = NULL, *lat_from = NULL;
    int quick = 0, do_validate = 1, reps = 1, new_latency = 0, wake_share = 0;
    double steal_max = CALIB_STEAL_MAX_DEFAULT;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = 1;
        else if (!strcmp(argv[i], "--no-validate")) do_validate = 0;
        else if (!strcmp(argv[i], "--db") || !strcmp(argv[i], "--escript") || !strcmp(argv[i], "--paths") ||
                 !strcmp(argv[i], "--measure") || !strcmp(argv[i], "--reps")) {
            if (i + 1 >= argc) { fprintf(stderr, "ratelab calibrate: %s needs a value\n", argv[i]); return EXIT_BADINPUT; }
            const char *flag = argv[i++];
            if (!strcmp(flag, "--reps")) {
                char err[256];
                long v;
                if (flag_long("--reps", argv[i], 1, 1000, &v, err, sizeof err) != 0) {
                    fprintf(stderr, "ratelab calibrate: %s (a count of repetitions)\n", err);
                    return EXIT_BADINPUT;
                }
                reps = (int)v;
                continue;
            }
            const char **dst = !strcmp(flag, "--db") ? &db_path : !strcmp(flag, "--escript") ? &escript
                             : !strcmp(flag, "--paths") ? &path_list : &measure;
            *dst = argv[i];
        } else if (!strcmp(argv[i], "--steal-max")) {
            char err[256];
            if (i + 1 >= argc || flag_double("--steal-max", argv[i + 1], 0, 1, &steal_max, err, sizeof err) != 0) {
                fprintf(stderr, "ratelab calibrate: %s (a share of the CPU, 0-1; 1: no rule)\n",
                        i + 1 >= argc ? "--steal-max needs a value" : err);
                return EXIT_BADINPUT;
            }
            i++;
        } else if (!strcmp(argv[i], "--latency")) {
            new_latency = 1;
        } else if (!strcmp(argv[i], "--wake-share")) {
            wake_share = 1;
        } else if (!strcmp(argv[i], "--latency-from")) {
            if (i + 1 >= argc) { fprintf(stderr, "ratelab calibrate: --latency-from needs a calibration id\n"); return EXIT_BADINPUT; }
            lat_from = argv[++i];
        } else if (!strcmp(argv[i], "--export")) {
            if (i + 2 >= argc) { fprintf(stderr, "ratelab calibrate: --export needs ID DIR\n"); return EXIT_BADINPUT; }
            return export_cmd(db_path, argv[i + 1], argv[i + 2]);
        } else if (!strcmp(argv[i], "--refit")) {
            if (i + 1 >= argc) { fprintf(stderr, "ratelab calibrate: --refit needs a calibration id\n"); return EXIT_BADINPUT; }
            refit = argv[++i];
        } else {
            fprintf(stderr, "ratelab calibrate: unknown argument '%s' (allowed: %s)\n", argv[i], usage_flags);
            return EXIT_BADINPUT;
        }
    }
    if ((new_latency || wake_share) && !refit) {
        fprintf(stderr, "ratelab calibrate: %s goes with --refit ID\n", new_latency ? "--latency" : "--wake-share");
        return EXIT_BADINPUT;
    }
    if (lat_from && (!refit || new_latency)) {
        fprintf(stderr, "ratelab calibrate: --latency-from goes with --refit ID and not with --latency\n");
        return EXIT_BADINPUT;
    }
    if (refit) return refit_cmd(db_path, refit, new_latency, lat_from, wake_share, escript);
    if (measure) return measure_cmd(measure, reps, escript, steal_max);
    int paths[PATH__N];
    for (int p = 0; p < PATH__N; p++) paths[p] = 1;
    if (path_list && parse_paths(path_list, paths) != 0) {
        fprintf(stderr, "ratelab calibrate: --paths %s: allowed paths: erl_passive,erl_active,erl_packet4,c_blocking,c_epoll,c_hdrbody\n", path_list);
        return EXIT_BADINPUT;
    }
    char err[1024];
    struct calib_session s;
    if (calib_session_init(&s, escript, paths, quick, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab calibrate: %s\n", err);
        calib_session_free(&s);
        return EXIT_BADINPUT;
    }
    if (!s.env.have_erlang && (paths[PATH_ERL_PASSIVE] || paths[PATH_ERL_ACTIVE] || paths[PATH_ERL_PACKET4]))
        printf("Erlang is not installed (no escript on PATH, or no calib/recv_erlang.escript): calibrating the C "
               "paths only; `make deps-calibrate` installs erlang-base\n");
    s.steal_max = steal_max;
    int any = 0;
    for (int p = 0; p < PATH__N; p++) any |= s.paths[p];
    if (!any) { fprintf(stderr, "ratelab calibrate: no receive path left to calibrate\n"); calib_session_free(&s); return EXIT_BADINPUT; }

    /* open the database first: a bad --db fails before an hour of measuring */
    sqlite3 *db = db_open(db_path, DB_WRITE, err, sizeof err);
    if (!db) { fprintf(stderr, "ratelab calibrate: %s\n", err); calib_session_free(&s); return EXIT_BADINPUT; }
    char machine[256];
    machine_text(machine, sizeof machine);
    printf("calibrating (%s plan: %zu points x %d repetitions) on %s\n", quick ? "quick" : "full", s.n_items, s.reps, machine);
    printf("receiver pinned to CPU %d, sender to CPU %d, neither niced; Erlang VM flags +sbwt none +sbwtdcpu none +sbwtdio none "
           "(scheduler busy-waiting off); CPU = the kernel's per-thread accounting of the receiver's threads (schedstat: "
           "user + system, with the softirq work that runs in their context), checked against its own getrusage / "
           "statistics(runtime); perf hardware counters are not supported here\n", s.env.cpu_recv, s.env.cpu_send);
    if (s.steal_max < 1)
        printf("a point measured while the hypervisor took more than %.2f %% of the receiver's or sender's CPU (steal) is "
               "measured again, up to %d times, and the least stolen kept\n", 100 * s.steal_max, CALIB_STEAL_TRIES);
    s.steal_unseen = calib_steal_unseen();
    if (s.steal_unseen && s.steal_max < 1)
        printf("this guest's hypervisor has reported no steal since boot: the quiet-host rule sees only the steal it reports, "
               "so the host's own load may still move the CPU measured here (docs/experiments.md, \"Steal\")\n");

    int rc = 1;
    struct calib_record *rec = NULL;
    if (calib_session_bench(&s, err, sizeof err) != 0) { fprintf(stderr, "ratelab calibrate: %s\n", err); goto out; }
    printf("C: rate update %.0f ns (monotonic clock) / %.0f ns (local time); socket switch %.1f µs\n",
           s.cb.rate_update_ns[CLOCK_MONO], s.cb.rate_update_ns[CLOCK_LOCALTIME], s.cb.switch_ns / 1e3);
    if (s.env.have_erlang)
        printf("Erlang (%s): rate update %.2f µs (erlang:monotonic_time) / %.2f µs (calendar:local_time); setopts switch "
               "%.1f µs\n", s.erl.runtime, s.erl.rate_update_ns[CLOCK_MONO] / 1e3, s.erl.rate_update_ns[CLOCK_LOCALTIME] / 1e3,
               s.erl.switch_ns / 1e3);

    struct progress pg;
    progress_init(&pg, 0, s.n_items * (size_t)s.reps, isatty(2));
    int mrc = calib_session_measure(&s, progress_cb, &pg, err, sizeof err);
    progress_end(&pg);
    if (mrc != 0) { fprintf(stderr, "ratelab calibrate: %s; nothing stored\n", err); goto out; }
    print_latency(&s);
    if (measure_wake_share(&s) != 0) goto out;
    if (calib_session_fit(&s, err, sizeof err) != 0) { fprintf(stderr, "ratelab calibrate: %s; nothing stored\n", err); goto out; }
    print_coefs(&s);
    if (do_validate) {
        calib_session_validate(&s);
        print_heldout(&s);
    } else {
        for (int p = 0; p < PATH__N; p++) s.heldout_max_rel[p] = s.heldout_count_max_rel[p] = NAN;
    }
    char load[768];
    load_text(&s, load, sizeof load);
    printf("\nmachine while measuring: %s\n", load);
    if (!(rec = make_record(&s, load))) { fprintf(stderr, "ratelab calibrate: out of memory\n"); goto out; }
    rc = store_and_judge(&s, db, db_path, rec, do_validate);
out:
    free_record(rec);
    db_close(db);
    calib_session_free(&s);
    return rc;
}
