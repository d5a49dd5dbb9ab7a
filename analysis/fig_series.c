/* Figures of one run's time series: the stacked uplink by byte class, and the upload slots
 * (Full / Trickle counts, per-slot speed against the target). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "fig_internal.h"

struct series { double *t, *v; size_t n; };

static void series_free(struct series *s) { free(s->t); free(s->v); memset(s, 0, sizeof *s); }

/* Reads one series through JSON in SQL (json_each), so C needs no JSON parser. */
static int series_read(struct fig_ctx *c, long long run, const char *name, int entity, struct series *s)
{
    memset(s, 0, sizeof *s);
    sqlite3_stmt *st;
    if (db_prepare(c->db, "SELECT json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]')"
                          " FROM series s, json_each(s.points) j"
                          " WHERE s.run_id = ?1 AND s.name = ?2 AND s.entity = ?3 ORDER BY j.key",
                   &st, NULL, c->err, c->errlen) != 0) return -1;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, entity);
    size_t cap = 0;
    int r;
    while ((r = db_step(st, NULL, c->err, c->errlen)) == 1) {
        if (s->n == cap) {
            cap = cap ? 2 * cap : 256;
            double *t = realloc(s->t, cap * sizeof *t), *v = t ? realloc(s->v, cap * sizeof *v) : NULL;
            if (t) s->t = t;
            if (!t || !v) { sqlite3_finalize(st); series_free(s); snprintf(c->err, c->errlen, "out of memory"); return -1; }
            s->v = v;
        }
        s->t[s->n] = sqlite3_column_double(st, 0);
        s->v[s->n] = sqlite3_column_type(st, 1) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 1);
        s->n++;
    }
    sqlite3_finalize(st);
    if (r < 0) { series_free(s); return -1; }
    return 0;
}

/* Value at time t (series are on the same 1-s grid; a missing point is NaN). */
static double series_at(const struct series *s, double t)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->t[mid] < t) lo = mid + 1; else hi = mid;
    }
    return lo < s->n && fabs(s->t[lo] - t) < 1e-9 ? s->v[lo] : NAN;
}

/* 1 if the run has the series, 0 if not, -1 on a database error (c->err set). */
static int has_series(struct fig_ctx *c, long long run, const char *name)
{
    sqlite3_stmt *st;
    if (db_prepare(c->db, "SELECT 1 FROM series WHERE run_id = ?1 AND name = ?2 LIMIT 1", &st, NULL, c->err, c->errlen) != 0)
        return -1;
    sqlite3_bind_int64(st, 1, run);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int has = db_step(st, NULL, c->err, c->errlen);
    sqlite3_finalize(st);
    return has;
}

/* --run, else the first selected point (lowest run id) whose run has the series. */
static int pick_run(struct fig_ctx *c, const struct fig_opts *o, const char *needed, const char *figure,
                    long long *run, const struct fig_point **pt)
{
    *pt = NULL;
    if (o->run_id > 0) {
        for (size_t i = 0; i < c->n_pts; i++) if (c->pts[i].rep_run == o->run_id) *pt = &c->pts[i];
        int has = has_series(c, o->run_id, needed);
        if (has < 0) return FIG_BADINPUT;
        if (!has) return fig_empty(c, "run %lld has no series '%s' (figure %s)", o->run_id, needed, figure);
        *run = o->run_id;
        return FIG_OK;
    }
    for (size_t i = 0; i < c->n_pts; i++) {
        int has = c->pts[i].selected ? has_series(c, c->pts[i].rep_run, needed) : 0;
        if (has < 0) return FIG_BADINPUT;
        if (has) {
            *run = c->pts[i].rep_run;
            *pt = &c->pts[i];
            return FIG_OK;
        }
    }
    return fig_empty(c, "no selected run has series '%s' (figure %s)", needed, figure);
}

static void run_title(const struct fig_ctx *c, char *buf, size_t len, const char *what, long long run,
                      const struct fig_point *pt)
{
    char swept[300] = "";
    if (pt) fig_point_summary(c, pt, swept, sizeof swept);
    if (pt) snprintf(buf, len, "%s: %s run %lld%s%s", what, pt->scenario, run, swept[0] ? ", " : "", swept);
    else snprintf(buf, len, "%s: run %lld", what, run);
}

int fig_upload_stack(struct fig_ctx *c, const struct fig_opts *o)
{
    static const char *const names[] = { "up_data_Bps", "up_control_Bps", "up_header_Bps", "up_ack_Bps",
                                         "up_cross_Bps", "up_capacity_Bps", "up_limit_Bps" };
    enum { N = sizeof names / sizeof names[0] };
    long long run = 0;
    const struct fig_point *pt;
    int rc = pick_run(c, o, names[0], "upload_stack", &run, &pt);
    if (rc != FIG_OK) return rc;
    struct series s[N];
    memset(s, 0, sizeof s);
    rc = FIG_BADINPUT;
    for (int k = 0; k < N; k++) if (series_read(c, run, names[k], 0, &s[k]) != 0) goto out;
    rc = FIG_ERROR;
    FILE *f = fig_open_data(c, "data.dat");
    if (!f) goto out;
    /* Bytes per second -> kbit/s; a class the experiment does not emit stacks as 0. */
    for (size_t i = 0; i < s[0].n; i++) {
        double t = s[0].t[i];
        fprintf(f, "%.17g", t);
        for (int k = 0; k < N; k++) {
            double v = k == 0 ? s[0].v[i] : series_at(&s[k], t);
            if (k < 5 && !isfinite(v)) v = 0;
            if (isfinite(v)) fprintf(f, " %.17g", v * 8 / 1000); else fputs(" NaN", f);
        }
        fputc('\n', f);
    }
    fclose(f);
    char title[512];
    run_title(c, title, sizeof title, "uplink by byte class", run, pt);
    if (!(f = fig_open_data(c, "settings.gp"))) goto out;
    fig_set_str(f, "title_text", title);
    fig_set_num(f, "has_limit", s[6].n > 0);
    fclose(f);
    rc = fig_render(c, "upload_stack");
    if (rc == FIG_OK) printf("  (run %lld)\n", run);
out:
    for (int k = 0; k < N; k++) series_free(&s[k]);
    return rc;
}

int fig_slots(struct fig_ctx *c, const struct fig_opts *o)
{
    long long run = 0;
    const struct fig_point *pt;
    int rc = pick_run(c, o, "slots_full", "slots", &run, &pt);
    if (rc != FIG_OK) return rc;
    struct series full, trickle, target, sp;
    memset(&trickle, 0, sizeof trickle);
    memset(&target, 0, sizeof target);
    memset(&sp, 0, sizeof sp);
    rc = FIG_ERROR;
    FILE *f = NULL;
    sqlite3_stmt *st = NULL;
    if (series_read(c, run, "slots_full", 0, &full) != 0) return FIG_BADINPUT;
    if (series_read(c, run, "slots_trickle", 0, &trickle) != 0 || series_read(c, run, "slot_target_Bps", 0, &target) != 0)
        goto out;
    if (!(f = fig_open_data(c, "counts.dat"))) goto out;
    for (size_t i = 0; i < full.n; i++) {
        double tr = series_at(&trickle, full.t[i]);
        fprintf(f, "%.17g %.17g %.17g\n", full.t[i], full.v[i], isfinite(tr) ? tr : 0.0);
    }
    fclose(f);
    if (!(f = fig_open_data(c, "target.dat"))) goto out;
    for (size_t i = 0; i < target.n; i++) fprintf(f, "%.17g %.17g\n", target.t[i], target.v[i] / 1000);
    fclose(f);
    if (!(f = fig_open_data(c, "speeds.dat"))) goto out;
    if (db_prepare(c->db, "SELECT DISTINCT entity FROM series WHERE run_id = ?1 AND name = 'slot_speed_Bps'"
                          " ORDER BY entity", &st, NULL, c->err, c->errlen) != 0) goto out;
    sqlite3_bind_int64(st, 1, run);
    int n_slots = 0, r;
    while ((r = db_step(st, NULL, c->err, c->errlen)) == 1) {
        if (series_read(c, run, "slot_speed_Bps", sqlite3_column_int(st, 0), &sp) != 0) goto out;
        if (sp.n == 0) { series_free(&sp); continue; }
        if (n_slots++) fputs("\n\n", f);
        for (size_t i = 0; i < sp.n; i++)
            if (isfinite(sp.v[i])) fprintf(f, "%.17g %.17g\n", sp.t[i], sp.v[i] / 1000);
        series_free(&sp);
    }
    if (r < 0) { rc = FIG_BADINPUT; goto out; }
    fclose(f);
    f = NULL;
    if (n_slots == 0) { rc = fig_empty(c, "run %lld has no series 'slot_speed_Bps' (figure slots)", run); goto out; }
    char title[512];
    run_title(c, title, sizeof title, "upload slots", run, pt);
    if (!(f = fig_open_data(c, "settings.gp"))) goto out;
    fig_set_str(f, "title_text", title);
    fig_set_num(f, "nslots", n_slots);
    fig_set_num(f, "has_target", target.n > 0);
    fclose(f);
    f = NULL;
    rc = fig_render(c, "slots");
    if (rc == FIG_OK) printf("  (run %lld, %d slots)\n", run, n_slots);
out:
    if (f) fclose(f);
    sqlite3_finalize(st);
    series_free(&full); series_free(&trickle); series_free(&target); series_free(&sp);
    return rc;
}
