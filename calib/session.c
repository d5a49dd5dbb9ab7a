/* One `ratelab calibrate` session: benchmarks and latencies, the plan measured in rounds (paths
 * interleaved, so the machine's changing load touches every path alike), the fits, the
 * calibration assembled from them, and the held-out points run through the simulator. */
#include "session.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_ITEMS 512

static int is_erlang(int p) { return p <= PATH_ERL_PACKET4; }

int calib_session_init(struct calib_session *s, const char *escript, const int paths[PATH__N], int quick,
                       char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (calib_env_init(&s->env, escript, err, errlen) != 0) return -1;
    memcpy(s->paths, paths, sizeof s->paths);
    if (!s->env.have_erlang)
        for (int p = 0; p <= PATH_ERL_PACKET4; p++) s->paths[p] = 0;
    s->quick = quick;
    s->reps = calib_plan_reps(quick);
    s->steal_max = CALIB_STEAL_MAX_DEFAULT;
    s->items = calloc(MAX_ITEMS, sizeof *s->items);
    if (!s->items) { snprintf(err, errlen, "out of memory"); return -1; }
    s->n_items = calib_plan(s->items, MAX_ITEMS, s->paths, quick);
    size_t n = s->n_items * (size_t)s->reps;
    s->obs = calloc(n, sizeof *s->obs);
    s->sim = calloc(n, sizeof *s->sim);
    s->simmed = calloc(n, sizeof *s->simmed);
    if (!s->obs || !s->sim || !s->simmed) { snprintf(err, errlen, "out of memory"); return -1; }
    return calib_session_prepare(s, err, errlen);
}

int calib_session_prepare(struct calib_session *s, char *err, size_t errlen)
{
    for (int p = 0; p < PATH__N; p++)
        for (int f = 0; f < CPUF__N; f++) s->fixed[p][f] = NAN;
    const char *tmp = getenv("TMPDIR");
    snprintf(s->trace_dir, sizeof s->trace_dir, "%s/ratelab-calib-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(s->trace_dir)) {
        snprintf(err, errlen, "%s: cannot create the directory for the sender's records", s->trace_dir);
        s->trace_dir[0] = 0;
        return -1;
    }
    return 0;
}

static void trace_path(const struct calib_session *s, size_t i, char *buf, size_t len)
{
    snprintf(buf, len, "%s/obs-%zu.trace", s->trace_dir, i);
}

void calib_session_free(struct calib_session *s)
{
    if (s->trace_dir[0]) {
        char path[320];
        for (size_t i = 0; i < s->n_obs; i++) { trace_path(s, i, path, sizeof path); unlink(path); }
        rmdir(s->trace_dir);
    }
    free(s->obs);
    free(s->sim);
    free(s->simmed);
    free(s->items);
    memset(s, 0, sizeof *s);
}

int calib_session_put_trace(const struct calib_session *s, size_t i, const struct calib_send_trace *tr)
{
    char path[320];
    trace_path(s, i, path, sizeof path);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t len = sizeof *tr + tr->cap * sizeof tr->ev[0];
    int ok = fwrite(tr, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

struct calib_send_trace *calib_session_trace(const struct calib_session *s, size_t i)
{
    char path[320];
    trace_path(s, i, path, sizeof path);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    struct calib_send_trace head, *tr = NULL;
    if (fread(&head, sizeof head, 1, f) == 1 && head.cap < (1u << 26) &&
        (tr = malloc(sizeof head + head.cap * sizeof head.ev[0])) != NULL) {
        *tr = head;
        if (fread(tr->ev, sizeof tr->ev[0], head.cap, f) != head.cap) { free(tr); tr = NULL; }
    }
    fclose(f);
    return tr;
}

/* One more latency run of each runtime, averaged into the session's quantiles: over every sleep
 * by run, each sleep bin weighted by its samples. */
int calib_session_latency(struct calib_session *s, char *err, size_t errlen)
{
    struct calib_latency_run *dst[2] = { &s->lat_c, &s->lat_erl };
    for (int k = 0; k < (s->env.have_erlang ? 2 : 1); k++) {
        struct calib_latency_run r;
        if (calib_latency(&s->env, k, 0, &r, err, errlen) != 0) return -1;
        struct calib_latency_run *d = dst[k];
        for (int q = 0; q < CPU_LAT_Q; q++) d->lat.any.q_ns[q] = (d->lat.any.q_ns[q] * s->n_lat + r.lat.any.q_ns[q]) / (s->n_lat + 1);
        for (int b = 0; b < CPU_GAP_BINS; b++) {
            double n0 = d->n_sleep[b], n1 = r.n_sleep[b];
            if (n1 <= 0) continue;
            for (int q = 0; q < CPU_LAT_Q; q++)
                d->lat.by_sleep[b].q_ns[q] = (d->lat.by_sleep[b].q_ns[q] * n0 + r.lat.by_sleep[b].q_ns[q] * n1) / (n0 + n1);
            d->n_sleep[b] = n0 + n1;
        }
        for (int b = 0; b < CPU_GAP_BINS; b++) {
            double n0 = d->n_cpu[b], n1 = r.n_cpu[b];
            if (n1 <= 0) continue;
            d->wake_cpu_ns[b] = (d->wake_cpu_ns[b] * n0 + r.wake_cpu_ns[b] * n1) / (n0 + n1);
            d->n_cpu[b] = n0 + n1;
        }
        d->other_cpu = (d->other_cpu * s->n_lat + (isfinite(r.other_cpu) ? r.other_cpu : 0)) / (s->n_lat + 1);
        d->vcsw += r.vcsw;
        d->elapsed_s += r.elapsed_s;
        d->n += r.n;
    }
    s->n_lat++;
    return 0;
}

int calib_session_wake_share(struct calib_session *s, void (*progress)(void *ctx, size_t done, size_t total), void *ctx,
                             char *err, size_t errlen)
{
    int runtimes = s->env.have_erlang ? 2 : 1;
    size_t done = 0, total = (size_t)(CALIB_WS_ROUNDS * 2 * runtimes);
    for (int k = 0; k < runtimes; k++) s->ws[k].n = 0;
    for (int r = 0; r < CALIB_WS_ROUNDS; r++)
        for (int k = 0; k < runtimes; k++)
            for (int j = 0; j < 2; j++) {
                int hog = r % 2 ? 1 - j : j;              /* even rounds without the hog first */
                struct calib_latency_run lr;
                if (calib_latency(&s->env, k, hog, &lr, err, errlen) != 0) return -1;
                struct calib_ws_run *w = &s->ws[k].run[s->ws[k].n++];
                w->hog = hog;
                w->share = lr.other_cpu;
                memcpy(w->cpu_ns, lr.wake_cpu_ns, sizeof w->cpu_ns);
                if (progress) progress(ctx, ++done, total);
            }
    for (int k = 0; k < runtimes; k++) calib_wake_slopes(&s->ws[k], &s->wf[k]);
    return 0;
}

int calib_session_bench(struct calib_session *s, char *err, size_t errlen)
{
    calib_bench_c(&s->cb);
    if (s->env.have_erlang && calib_bench_erlang(&s->env, &s->erl, err, errlen) != 0) return -1;
    return calib_session_latency(s, err, errlen);
}

/* The order of one round: the paths' items interleaved (each path's first item, then each
 * path's second, ...), so no path is measured only while the machine was busy. */
static void round_order(const struct calib_session *s, size_t *order)
{
    size_t k = 0;
    for (size_t rank = 0; k < s->n_items; rank++)
        for (int p = 0; p < PATH__N; p++) {
            size_t seen = 0;
            for (size_t i = 0; i < s->n_items; i++) {
                if (s->items[i].sp.path != (enum cpu_path)p) continue;
                if (seen++ == rank) { order[k++] = i; break; }
            }
        }
}

int calib_steal_again(double steal, double max, int tries)
{
    return tries < CALIB_STEAL_TRIES && steal > max;
}

int calib_steal_better(double cand, double kept)
{
    return isnan(kept) ? !isnan(cand) : cand < kept;
}

int calib_session_measure(struct calib_session *s, void (*progress)(void *ctx, size_t done, size_t total), void *ctx,
                          char *err, size_t errlen)
{
    size_t order[MAX_ITEMS], total = s->n_items * (size_t)s->reps;
    round_order(s, order);
    s->n_obs = 0;
    for (int r = 0; r < s->reps; r++) {
        if (r > 0 && calib_session_latency(s, err, errlen) != 0) return -1;
        for (size_t k = 0; k < s->n_items; k++) {
            const struct calib_item *it = &s->items[order[k]];
            struct calib_obs *o = &s->obs[s->n_obs];
            struct calib_send_trace *tr = NULL;
            o->item = order[k];
            o->rep = r;
            calib_wait_steal_quiet(s->env.cpu_recv, s->env.cpu_send, s->steal_max, CALIB_STEAL_QUIET_MS, CALIB_STEAL_WAIT_MS);
            int rc = calib_run_point(&s->env, &it->sp, &o->m, &tr, err, errlen);
            if (rc != 0) rc = calib_run_point(&s->env, &it->sp, &o->m, &tr, err, errlen);    /* once more */
            for (int tries = 1; rc == 0 && calib_steal_again(o->m.steal, s->steal_max, tries); tries++) {
                struct calib_meas m2;
                struct calib_send_trace *tr2 = NULL;
                s->steal_retries++;
                calib_wait_steal_quiet(s->env.cpu_recv, s->env.cpu_send, s->steal_max, CALIB_STEAL_QUIET_MS, CALIB_STEAL_WAIT_MS);
                if (calib_run_point(&s->env, &it->sp, &m2, &tr2, err, errlen) != 0) { free(tr2); continue; }
                if (calib_steal_better(m2.steal, o->m.steal)) {
                    o->m = m2;
                    free(tr);
                    tr = tr2;
                } else free(tr2);
            }
            if (rc == 0 && tr && calib_session_put_trace(s, s->n_obs, tr) != 0) {
                snprintf(err, errlen, "%s: cannot write the sender's records", s->trace_dir);
                rc = -1;
            }
            free(tr);
            if (rc != 0) {
                char what[256];
                snprintf(what, sizeof what, "%s", err);
                snprintf(err, errlen, "point %s %d x %.0f B/s (repetition %d): %s", cpu_path_name[it->sp.path],
                         it->sp.conns, it->sp.rate_Bps, r + 1, what);
                return -1;
            }
            s->n_obs++;
            if (progress) progress(ctx, s->n_obs, total);
        }
    }
    return calib_session_latency(s, err, errlen);
}

/* Every observation of a calibrated path (fit_only: of the fit points) through the simulator with s->cal. */
static void simulate(struct calib_session *s, int fit_only)
{
    for (size_t i = 0; i < s->n_obs; i++) {
        const struct calib_item *it = &s->items[s->obs[i].item];
        s->simmed[i] = 0;
        if (!s->paths[it->sp.path] || (fit_only && it->role != ROLE_FIT)) continue;
        struct calib_send_trace *tr = calib_session_trace(s, i);
        if (tr && calib_sim_point(&it->sp, &s->obs[i].m, tr, &s->cal, 1000 + i, &s->sim[i]) == 0) s->simmed[i] = 1;
        free(tr);
    }
}

static double median_other(const struct calib_session *s, enum cpu_path p);

int calib_session_fit(struct calib_session *s, char *err, size_t errlen)
{
    struct cpu_calibration *cal = &s->cal;
    memset(cal, 0, sizeof *cal);
    for (int p = 0; p < PATH__N; p++) {
        if (!s->paths[p]) continue;
        /* The rate update from the micro-benchmark of its runtime: even with the local-time clock
         * in Erlang it is a few per cent of a point's CPU, below the spread of repeated points,
         * so the end-to-end fit cannot see it (the clock variants stay in the plan as a check). */
        const struct calib_bench *b = is_erlang(p) ? &s->erl : &s->cb;
        s->fixed[p][CPUF_RATE_MONO] = b->rate_update_ns[CLOCK_MONO];
        s->fixed[p][CPUF_RATE_LOCALTIME] = b->rate_update_ns[CLOCK_LOCALTIME];
        char e[512];
        const struct calib_latency_run *lr = is_erlang(p) ? &s->lat_erl : &s->lat_c;
        if (calib_fit_path((enum cpu_path)p, s->items, s->n_items, s->obs, s->n_obs, s->fixed[p], &s->fit[p], e, sizeof e) != 0) {
            snprintf(err, errlen, "fitting %s: %s", cpu_path_name[p], e);
            return -1;
        }
        for (int f = 0; f < CPUF__N; f++) cal->ns[p][f] = s->fit[p].fr.coef[f];
        cal->ns[p][CPUF_SWITCH] = is_erlang(p) ? s->erl.switch_ns : s->cb.switch_ns;
        cal->os_wakes[p] = 1;
        cal->cold_tau_us[p] = s->fit[p].tau_us;
        cal->conn_tau_us[p] = s->fit[p].conn_tau_us;
        cal->interference[p] = s->fit[p].gamma;
        cal->other_ref[p] = median_other(s, (enum cpu_path)p);
        cal->latency[p] = lr->lat;
    }
    snprintf(cal->label, sizeof cal->label, "this session's calibration");
    /* OS wake-ups per simulated wake-up and per segment: the simulator counts the receiver's
     * wake-ups (one per sleeping thread woken); the kernel counts every thread's (the Erlang VM
     * wakes more than one, has timers of its own, and its poll thread wakes for data that reaches
     * a busy scheduler as well).  Least squares through the origin over the fit points, both
     * terms non-negative, the second only where it earns its place (calib_fit_pair_nonneg).
     * Two passes: the wake-ups' own CPU moves the batching. */
    for (int pass = 0; pass < 2; pass++) {
        simulate(s, 1);
        double a[PATH__N][2][2] = { { { 0 } } }, v[PATH__N][2] = { { 0 } }, mm[PATH__N] = { 0 };
        size_t n[PATH__N] = { 0 };
        for (size_t i = 0; i < s->n_obs; i++) {
            if (!s->simmed[i]) continue;
            const struct calib_obs *o = &s->obs[i];
            int p = s->items[o->item].sp.path;
            double meas = fmax(0, (double)o->m.vcsw / o->m.window_s - s->fit[p].idle_vcsw);
            double x[2] = { s->sim[i].wakes, cpu_path_mech[p].poll_thread ? (double)o->m.segs / o->m.window_s : 0 };
            for (int j = 0; j < 2; j++) {
                for (int k = 0; k < 2; k++) a[p][j][k] += x[j] * x[k];
                v[p][j] += x[j] * meas;
            }
            mm[p] += meas * meas;
            n[p]++;
        }
        for (int p = 0; p < PATH__N; p++) {
            if (!s->paths[p] || a[p][0][0] <= 0) continue;
            calib_fit_pair_nonneg(a[p], v[p], mm[p], n[p], &cal->os_wakes[p], &cal->os_wakes_seg[p]);
            cal->os_wakes[p] = fmax(0.1, cal->os_wakes[p]);
        }
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The share of the receiver's CPU other processes took, median over path p's measurements
 * behind the fit (fit and idle points: the load the costs were fitted at). */
static double median_other(const struct calib_session *s, enum cpu_path p)
{
    double *v = malloc(sizeof *v * (s->n_obs + 1));
    int n = 0;
    for (size_t i = 0; v && i < s->n_obs; i++)
        if (s->items[s->obs[i].item].sp.path == p && s->items[s->obs[i].item].role != ROLE_HOLDOUT &&
            isfinite(s->obs[i].m.other_cpu))
            v[n++] = s->obs[i].m.other_cpu;
    double r = n > 0 ? median(v, n) : 0;
    free(v);
    return r;
}

/* The deliveries' mean cold share (0 warm .. 1 cold) of a gap histogram. */
static double cold_share(const double *gaps, double tau_us)
{
    double n = 0, c = 0;
    for (int b = 0; b < CPU_GAP_BINS; b++) { n += gaps[b]; c += gaps[b] * cpu_cold(cpu_gap_bin_us(b), tau_us); }
    return n > 0 ? c / n : 0;
}

int calib_session_heldout(const struct calib_session *s, size_t item, struct calib_heldout_row *row)
{
    enum { K = 9 };
    double v[K][CALIB_MAX_REPS];
    int n = 0;
    const struct calib_item *it = &s->items[item];
    const struct calib_path_fit *pf = &s->fit[it->sp.path];
    memset(row, 0, sizeof *row);
    for (size_t i = 0; i < s->n_obs && n < CALIB_MAX_REPS; i++) {
        if (s->obs[i].item != item || !s->simmed[i]) continue;
        const struct calib_meas *m = &s->obs[i].m;
        const struct calib_sim_out *o = &s->sim[i];
        double w = m->window_s, g[CPU_GAP_BINS];
        for (int b = 0; b < CPU_GAP_BINS; b++) g[b] = (double)m->gaps[b];
        v[0][n] = m->cpu_ns / w;
        v[1][n] = calib_fit_cpu(pf, &it->sp, m);
        v[2][n] = o->cpu_ns;
        v[3][n] = fmax(0, (double)m->vcsw / w - pf->idle_vcsw);
        v[4][n] = o->units[CPUF_WAKEUP];
        v[5][n] = calib_deliveries(&it->sp, m) / w;
        v[6][n] = o->units[CPUF_DELIVERY];
        v[7][n] = cold_share(g, pf->tau_us);
        v[8][n] = cold_share(o->gaps, pf->tau_us);
        n++;
    }
    if (n == 0) return 0;
    double *dst[K] = { &row->cpu, &row->cpu_fit, &row->cpu_sim, &row->wake, &row->wake_sim, &row->deliv,
                       &row->deliv_sim, &row->cold, &row->cold_sim };
    for (int k = 0; k < K; k++) *dst[k] = median(v[k], n);
    row->n = n;
    return 1;
}

static double rel(double sim, double meas) { return meas > 0 ? (sim - meas) / meas : (sim > 0 ? INFINITY : 0); }

void calib_session_validate(struct calib_session *s)
{
    for (int p = 0; p < PATH__N; p++) s->heldout_max_rel[p] = s->heldout_count_max_rel[p] = s->paths[p] ? 0 : NAN;
    simulate(s, 0);
    for (size_t k = 0; k < s->n_items; k++) {
        struct calib_heldout_row r;
        if (s->items[k].role != ROLE_HOLDOUT || !calib_session_heldout(s, k, &r)) continue;
        int p = s->items[k].sp.path;
        s->heldout_max_rel[p] = fmax(s->heldout_max_rel[p], fabs(rel(r.cpu_sim, r.cpu)));
        s->heldout_count_max_rel[p] = fmax(s->heldout_count_max_rel[p],
                                           fmax(fabs(rel(r.wake_sim, r.wake)), fabs(rel(r.deliv_sim, r.deliv))));
    }
}
