/* A stored calibration's points back in a session: the measurements from their rows, the
 * micro-benchmarks and latencies from the calibration, and each point's traffic re-made from
 * the paced sender's algorithm (calib/sender.c) and the lateness of its timer it recorded. */
#include "refit.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_WARMUP_S 1.0

static double unit(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (double)((z ^ (z >> 31)) >> 11) / 9007199254740992.0;
}

/* A lateness from the recorded histogram: a bin by its count, log-uniform within it (bin 0:
 * uniform below 1 us), in seconds; 0 if nothing was recorded. */
static double draw_late(const uint64_t late[CPU_GAP_BINS], uint64_t total, uint64_t *rng)
{
    if (total == 0) return 0;
    double u = unit(rng) * (double)total;
    int b = 0;
    for (double acc = 0; b < CPU_GAP_BINS - 1; b++) { acc += (double)late[b]; if (u < acc) break; }
    double v = unit(rng);
    double us = b == 0 ? v : ldexp(1, b - 1) * pow(2, v);
    return us / 1e6;
}

struct calib_send_trace *calib_sender_replay(const struct calib_spec *sp, const struct calib_meas *m, double write_us,
                                             uint64_t seed)
{
    double t_end = m->window_s, t0 = -REPLAY_WARMUP_S;
    size_t cap = 0;
    if (sp->rate_Bps > 0 && sp->conns > 0)
        cap = (size_t)((t_end - t0) * sp->rate_Bps * sp->conns / sp->mss * 1.02) + 16;
    struct calib_send_trace *tr = calloc(1, sizeof *tr + cap * sizeof tr->ev[0]);
    if (!tr || cap == 0) return tr;
    struct bt_stream *st = calloc((size_t)sp->conns, sizeof *st);
    uint8_t *buf = malloc((size_t)sp->mss);
    if (!st || !buf) { free(st); free(buf); free(tr); return NULL; }
    for (int i = 0; i < sp->conns; i++) bt_stream_init(&st[i], sp->have_hz, t0);
    uint64_t total = 0;
    for (int b = 0; b < CPU_GAP_BINS; b++) total += m->send.late[b];
    uint64_t rng = seed ^ 0x73656e646572ULL;      /* "sender" */
    double gap = (double)sp->mss / (sp->rate_Bps * sp->conns), next = t0, now = t0;
    for (int i = 0; tr->n < cap; i = (i + 1) % sp->conns) {
        next += gap;
        if (next > now) now = next + draw_late(m->send.late, total, &rng);     /* slept, woke late */
        else if (now - next > 0.02) next = now - 0.02;                          /* fell behind */
        if (now >= t_end) break;
        unsigned msgs = bt_stream_fill(&st[i], buf, (size_t)sp->mss, now);
        tr->ev[tr->n++] = (struct calib_send_ev){ (int64_t)llround(now * 1e9), i, (uint16_t)sp->mss, (uint16_t)msgs };
        now += write_us / 1e6;
    }
    tr->cap = tr->n;
    free(st);
    free(buf);
    return tr;
}

/* "1/2/3" into v[0..n-1]; 0, or -1 if it does not parse. */
static int parse_hist(const char *text, uint64_t *v, int n)
{
    const char *p = text;
    for (int b = 0; b < n; b++) {
        char *end;
        unsigned long long x = strtoull(p, &end, 10);
        if (end == p) return -1;
        v[b] = x;
        p = end;
        if (b < n - 1) { if (*p != '/') return -1; p++; }
    }
    return *p == 0 ? 0 : -1;
}

static int role_find(const char *name)
{
    for (int r = 0; r < 3; r++) if (!strcmp(name, calib_role_name[r])) return r;
    return -1;
}

static int clock_find(const char *name)
{
    for (int c = 0; c < CLOCK__N; c++) if (!strcmp(name, calib_clock_name[c])) return c;
    return -1;
}

static void bench_from_rows(struct calib_bench *b, const char *runtime, const struct calib_bench_row *rows, size_t n)
{
    memset(b, 0, sizeof *b);
    for (int c = 0; c < CLOCK__N; c++) b->rate_update_ns[c] = b->clock_ns[c] = NAN;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(rows[i].runtime, runtime)) continue;
        const char *w = rows[i].what;
        if (!strcmp(w, "rate_update_mono")) b->rate_update_ns[CLOCK_MONO] = rows[i].ns;
        else if (!strcmp(w, "rate_update_localtime")) b->rate_update_ns[CLOCK_LOCALTIME] = rows[i].ns;
        else if (!strcmp(w, "clock_mono")) b->clock_ns[CLOCK_MONO] = rows[i].ns;
        else if (!strcmp(w, "clock_localtime")) b->clock_ns[CLOCK_LOCALTIME] = rows[i].ns;
        else if (!strcmp(w, "switch")) b->switch_ns = rows[i].ns;
    }
}

int calib_session_from_points(struct calib_session *s, const struct calib_point_row *rows, size_t n,
                              const struct calib_bench_row *bench, size_t n_bench, const struct cpu_calibration *cal,
                              char *err, size_t errlen)
{
    /* the items are the plan's, by their stored index */
    size_t n_items = 0;
    for (size_t i = 0; i < n; i++) if ((size_t)rows[i].item + 1 > n_items) n_items = (size_t)rows[i].item + 1;
    s->items = calloc(n_items ? n_items : 1, sizeof *s->items);
    s->obs = calloc(n, sizeof *s->obs);
    s->sim = calloc(n, sizeof *s->sim);
    s->simmed = calloc(n, sizeof *s->simmed);
    int *seen = calloc(n_items ? n_items : 1, sizeof *seen);   /* repetitions read per item */
    if (!s->items || !s->obs || !s->sim || !s->simmed || !seen) { free(seen); snprintf(err, errlen, "out of memory"); return -1; }
    s->n_items = n_items;
    int max_rep = 0;
    for (size_t i = 0; i < n; i++) {
        const struct calib_point_row *r = &rows[i];
        int role = role_find(r->role), clock = clock_find(r->clock);
        if (role < 0 || clock < 0 || r->item < 0 || r->conns < 1 || r->mss < 1 || !(r->window_s > 0)) {
            snprintf(err, errlen, "point %zu: role '%s', clock '%s', %d connections, mss %d, window %g s: not a measurement",
                     i, r->role, r->clock, r->conns, r->mss, r->window_s);
            free(seen);
            return -1;
        }
        struct calib_item it = { { (enum cpu_path)r->path, (enum calib_clock)clock, r->conns, r->rate_Bps, r->mss,
                                   r->have_hz, (int)(REPLAY_WARMUP_S * 1e3), (int)lround(r->window_s * 1e3) },
                                 (enum calib_role)role };
        struct calib_item *dst = &s->items[r->item];
        if (seen[r->item] == CALIB_MAX_REPS) {
            snprintf(err, errlen, "point %zu: item %d has more than %d repetitions, more than a median here takes",
                     i, r->item, CALIB_MAX_REPS);
            free(seen);
            return -1;
        }
        if (!seen[r->item]++) *dst = it;
        else if (dst->sp.path != it.sp.path || dst->role != it.role || dst->sp.conns != it.sp.conns ||
                 dst->sp.rate_Bps != it.sp.rate_Bps || dst->sp.mss != it.sp.mss || dst->sp.clock != it.sp.clock ||
                 dst->sp.have_hz != it.sp.have_hz) {
            snprintf(err, errlen, "point %zu: item %d is another point than its first repetition", i, r->item);
            free(seen);
            return -1;
        }
        struct calib_obs *o = &s->obs[i];
        struct calib_meas *m = &o->m;
        o->item = (size_t)r->item;
        o->rep = r->rep;
        if (r->rep + 1 > max_rep) max_rep = r->rep + 1;
        m->window_s = r->window_s;
        m->cpu_ns = r->cpu_ns;
        m->own_cpu_ns = r->own_cpu_ns;
        m->runs = r->runs; m->vcsw = r->vcsw; m->ivcsw = r->ivcsw; m->segs = r->segs; m->acks = r->acks;
        m->reads = r->reads; m->events = r->events; m->msgs = r->msgs; m->bytes = r->bytes;
        m->updates = r->updates; m->ticks = r->ticks;
        m->send.segs = r->send_segs;
        m->load1 = r->load1;
        m->other_cpu = r->other_cpu;
        m->steal = NAN;                 /* not stored with the points */
        m->t0_ns = 0;
        m->t1_ns = (int64_t)llround(r->window_s * 1e9);
        if (parse_hist(r->gaps, m->gaps, CPU_GAP_BINS) || parse_hist(r->agaps, m->agaps, CPU_GAP_BINS) ||
            parse_hist(r->send_late, m->send.late, CPU_GAP_BINS)) {
            snprintf(err, errlen, "point %zu: a gap histogram is not %d counts separated by '/'", i, CPU_GAP_BINS);
            free(seen);
            return -1;
        }
        s->paths[r->path] = 1;
        if (r->path <= PATH_ERL_PACKET4) s->env.have_erlang = 1;
    }
    free(seen);
    s->n_obs = n;
    s->reps = max_rep;
    bench_from_rows(&s->cb, "c", bench, n_bench);
    bench_from_rows(&s->erl, "erlang", bench, n_bench);
    s->lat_c.lat = cal->latency[PATH_C_BLOCKING];
    s->lat_erl.lat = cal->latency[PATH_ERL_PASSIVE];
    s->n_lat = 1;
    if (calib_session_prepare(s, err, errlen) != 0) return -1;
    for (size_t i = 0; i < n; i++) {
        const struct calib_item *it = &s->items[s->obs[i].item];
        struct calib_send_trace *tr = calib_sender_replay(&it->sp, &s->obs[i].m, CALIB_REPLAY_WRITE_US, 7000 + i);
        int rc = tr ? calib_session_put_trace(s, i, tr) : -1;
        free(tr);
        if (rc != 0) { snprintf(err, errlen, "%s: cannot write the re-made traffic of point %zu", s->trace_dir, i); return -1; }
    }
    return 0;
}

int calib_session_take_latency(struct calib_session *s, const struct cpu_calibration *src, long from, unsigned which,
                               char *err, size_t errlen)
{
    if (which == CALIB_LAT_ERLANG && !s->env.have_erlang) {
        snprintf(err, errlen, "erlang: the calibration refitted has no Erlang paths");
        return -1;
    }
    struct calib_latency_run *dst[2] = { &s->lat_c, &s->lat_erl };
    const enum cpu_path from_path[2] = { PATH_C_BLOCKING, PATH_ERL_PASSIVE };
    const unsigned bit[2] = { CALIB_LAT_C, CALIB_LAT_ERLANG };
    for (int k = 0; k < 2; k++) {
        if (!(which & bit[k]) || (k == 1 && !s->env.have_erlang)) continue;
        const struct cpu_wake_latency *w = &src->latency[from_path[k]];
        int by_sleep = 0;
        for (int b = 0; b < CPU_GAP_BINS; b++) by_sleep |= cpu_latency_measured(&w->by_sleep[b]);
        if (!by_sleep) {
            snprintf(err, errlen, "calibration %ld has no wake-up latency by sleep for %s", from, k ? "Erlang" : "C");
            return -1;
        }
        dst[k]->lat = *w;
    }
    return 0;
}
