/* Receive-path CPU calibrations in SQLite (tables calibrations, calib_fits, calib_coefs,
 * calib_points, calib_bench of analysis/schema.sql), and their CSV export. */
#include "db_calib.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"

static int fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "calibration database: %s: %s", what, sqlite3_errmsg(db));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

static void bind_real_or_null(sqlite3_stmt *st, int i, double v)
{
    if (isfinite(v)) sqlite3_bind_double(st, i, v); else sqlite3_bind_null(st, i);
}

int db_calib_store(sqlite3 *db, const struct calib_record *rec, long *id, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return fail(db, "begin", err, errlen);
    if (sqlite3_prepare_v2(db, "INSERT INTO calibrations (created, machine, runtime, code_version, settings) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK) return fail(db, "calibrations", err, errlen);
    sqlite3_bind_text(st, 1, rec->created, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, rec->machine, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, rec->runtime, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, rec->code_version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, rec->settings, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) { sqlite3_finalize(st); return fail(db, "calibrations", err, errlen); }
    sqlite3_finalize(st);
    *id = (long)sqlite3_last_insert_rowid(db);

    if (sqlite3_prepare_v2(db, "INSERT INTO calib_fits VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, NULL)", -1, &st, NULL) != SQLITE_OK)
        return fail(db, "calib_fits", err, errlen);
    for (int p = 0; p < PATH__N; p++) {
        const struct calib_fit_row *f = &rec->fit[p];
        if (!f->measured) continue;
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_text(st, 2, cpu_path_name[p], -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, f->n_points);
        sqlite3_bind_double(st, 4, f->r2);
        sqlite3_bind_double(st, 5, f->r2w);
        sqlite3_bind_double(st, 6, f->rms_rel);
        sqlite3_bind_double(st, 7, f->max_rel);
        sqlite3_bind_double(st, 8, f->tau_us);
        if (sqlite3_step(st) != SQLITE_DONE) { sqlite3_finalize(st); return fail(db, "calib_fits", err, errlen); }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);

    if (sqlite3_prepare_v2(db, "INSERT INTO calib_coefs VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &st, NULL) != SQLITE_OK)
        return fail(db, "calib_coefs", err, errlen);
    for (int p = 0; p < PATH__N; p++) {
        if (!rec->fit[p].measured) continue;
        for (int f = 0; f < CPUF__N; f++) {
            sqlite3_bind_int64(st, 1, *id);
            sqlite3_bind_text(st, 2, cpu_path_name[p], -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, cpu_feat_name[f], -1, SQLITE_STATIC);
            sqlite3_bind_double(st, 4, rec->ns[p][f]);
            bind_real_or_null(st, 5, rec->se[p][f]);
            sqlite3_bind_text(st, 6, rec->source[p][f][0] ? rec->source[p][f] : "none", -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE) { sqlite3_finalize(st); return fail(db, "calib_coefs", err, errlen); }
            sqlite3_reset(st);
        }
    }
    for (size_t i = 0; i < rec->n_mech; i++) {
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_text(st, 2, cpu_path_name[rec->mech[i].path], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, rec->mech[i].name, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 4, rec->mech[i].v);
        sqlite3_bind_null(st, 5);
        sqlite3_bind_text(st, 6, "mech", -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) { sqlite3_finalize(st); return fail(db, "calib_coefs", err, errlen); }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);

    if (sqlite3_prepare_v2(db, "INSERT INTO calib_points VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                           "?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, "
                           "?31, ?32, ?33, ?34, ?35)", -1, &st, NULL) != SQLITE_OK)
        return fail(db, "calib_points", err, errlen);
    for (size_t i = 0; i < rec->n_pts; i++) {
        const struct calib_point_row *r = &rec->pts[i];
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        sqlite3_bind_text(st, 3, cpu_path_name[r->path], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->role, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 5, r->item);
        sqlite3_bind_int(st, 6, r->rep);
        sqlite3_bind_text(st, 7, r->clock, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 8, r->conns);
        sqlite3_bind_double(st, 9, r->rate_Bps);
        sqlite3_bind_int(st, 10, r->mss);
        sqlite3_bind_double(st, 11, r->have_hz);
        sqlite3_bind_double(st, 12, r->window_s);
        sqlite3_bind_double(st, 13, r->cpu_ns);
        bind_real_or_null(st, 14, r->own_cpu_ns);
        const uint64_t c[11] = { r->runs, r->vcsw, r->ivcsw, r->segs, r->acks, r->reads, r->events, r->msgs, r->bytes,
                                 r->updates, r->ticks };
        for (int k = 0; k < 11; k++) sqlite3_bind_int64(st, 15 + k, (sqlite3_int64)c[k]);
        sqlite3_bind_text(st, 26, r->gaps, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 27, r->agaps, -1, SQLITE_STATIC);
        bind_real_or_null(st, 28, r->load1);
        bind_real_or_null(st, 29, r->other_cpu);
        sqlite3_bind_int64(st, 30, (sqlite3_int64)r->send_segs);
        sqlite3_bind_text(st, 31, r->send_late, -1, SQLITE_STATIC);
        bind_real_or_null(st, 32, r->fit_ns);
        bind_real_or_null(st, 33, r->sim_ns);
        bind_real_or_null(st, 34, r->sim_wakeups);
        bind_real_or_null(st, 35, r->sim_deliveries);
        if (sqlite3_step(st) != SQLITE_DONE) { sqlite3_finalize(st); return fail(db, "calib_points", err, errlen); }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);

    if (sqlite3_prepare_v2(db, "INSERT INTO calib_bench VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) != SQLITE_OK)
        return fail(db, "calib_bench", err, errlen);
    for (size_t i = 0; i < rec->n_bench; i++) {
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_text(st, 2, rec->bench[i].runtime, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, rec->bench[i].what, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 4, rec->bench[i].ns);
        if (sqlite3_step(st) != SQLITE_DONE) { sqlite3_finalize(st); return fail(db, "calib_bench", err, errlen); }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) return fail(db, "commit", err, errlen);
    return 0;
}

int db_calib_store_validation(sqlite3 *db, long id, const struct calib_record *rec, char *err, size_t errlen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return fail(db, "begin", err, errlen);
    if (sqlite3_prepare_v2(db, "UPDATE calib_points SET sim_ns = ?3, sim_wakeups = ?4, sim_deliveries = ?5 "
                           "WHERE calibration_id = ?1 AND seq = ?2", -1, &st, NULL) != SQLITE_OK)
        return fail(db, "calib_points", err, errlen);
    for (size_t i = 0; i < rec->n_pts; i++) {
        if (!isfinite(rec->pts[i].sim_ns)) continue;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        sqlite3_bind_double(st, 3, rec->pts[i].sim_ns);
        bind_real_or_null(st, 4, rec->pts[i].sim_wakeups);
        bind_real_or_null(st, 5, rec->pts[i].sim_deliveries);
        if (sqlite3_step(st) != SQLITE_DONE) { sqlite3_finalize(st); return fail(db, "calib_points", err, errlen); }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "UPDATE calib_fits SET heldout_max_rel_err = ?3, heldout_count_max_rel_err = ?4 "
                           "WHERE calibration_id = ?1 AND path = ?2", -1, &st, NULL) != SQLITE_OK)
        return fail(db, "calib_fits", err, errlen);
    for (int p = 0; p < PATH__N; p++) {
        if (!rec->fit[p].measured || !isfinite(rec->fit[p].heldout_max_rel)) continue;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, cpu_path_name[p], -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 3, rec->fit[p].heldout_max_rel);
        bind_real_or_null(st, 4, rec->fit[p].heldout_count_max_rel);
        if (sqlite3_step(st) != SQLITE_DONE) { sqlite3_finalize(st); return fail(db, "calib_fits", err, errlen); }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) return fail(db, "commit", err, errlen);
    return 0;
}

int db_calib_load(sqlite3 *db, long id, struct cpu_calibration *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->id = id;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT created, machine FROM calibrations WHERE id = ?1", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "calibration %ld: %s", id, sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    int r = db_step(st, NULL, err, errlen);
    if (r != 1) {
        sqlite3_finalize(st);
        if (r == 0) snprintf(err, errlen, "calibration %ld: not in the calibration database", id);
        return -1;
    }
    snprintf(out->label, sizeof out->label, "calibration %ld, %s, %s", id, sqlite3_column_text(st, 0), sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT path, feature, ns FROM calib_coefs WHERE calibration_id = ?1", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "calibration %ld: %s", id, sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    while ((r = db_step(st, NULL, err, errlen)) == 1) {
        int p = cpu_path_find((const char *)sqlite3_column_text(st, 0));
        if (p >= 0) cpu_calibration_set(out, p, (const char *)sqlite3_column_text(st, 1), sqlite3_column_double(st, 2));
    }
    sqlite3_finalize(st);
    return r < 0 ? -1 : 0;
}

/* A text column into a fixed buffer; a value that does not fit is an error, never cut short (a cut
 * settings text once lost the date of a calibration's repetitions without a word). */
static int text_col(sqlite3_stmt *st, int c, char *dst, size_t len, char *err, size_t errlen)
{
    const unsigned char *t = sqlite3_column_text(st, c);
    const char *v = t ? (const char *)t : "";
    size_t n = strlen(v);
    if (n >= len) {
        snprintf(err, errlen, "column %s holds %zu bytes, more than the %zu this build reads", sqlite3_column_name(st, c), n,
                 len - 1);
        return -1;
    }
    memcpy(dst, v, n + 1);
    return 0;
}

static double real_or_nan(sqlite3_stmt *st, int c)
{
    return sqlite3_column_type(st, c) == SQLITE_NULL ? NAN : sqlite3_column_double(st, c);
}

int db_calib_load_points(sqlite3 *db, long id, struct calib_point_row **rows, size_t *n, char *err, size_t errlen)
{
    *rows = NULL;
    *n = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT path, role, item, rep, clock, conns, rate_Bps, mss, have_hz, window_s, cpu_ns, "
                           "own_cpu_ns, runs, vcsw, ivcsw, segs, acks, reads, events, msgs, bytes, updates, ticks, gaps, "
                           "agaps, load1, other_cpu, send_segs, send_late, fit_ns, sim_ns, sim_wakeups, sim_deliveries "
                           "FROM calib_points WHERE calibration_id = ?1 ORDER BY seq", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "calibration %ld: %s", id, sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    size_t cap = 0;
    int r;
    while ((r = db_step(st, NULL, err, errlen)) == 1) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 256;
            struct calib_point_row *p = realloc(*rows, cap * sizeof *p);
            if (!p) { r = -1; snprintf(err, errlen, "out of memory"); break; }
            *rows = p;
        }
        struct calib_point_row *o = &(*rows)[*n];
        memset(o, 0, sizeof *o);
        const char *path = (const char *)sqlite3_column_text(st, 0);
        o->path = cpu_path_find(path ? path : "");
        if (o->path < 0) { r = -1; snprintf(err, errlen, "calibration %ld, point %zu: unknown path '%s'", id, *n, path ? path : ""); break; }
        char cerr[160];
        if (text_col(st, 1, o->role, sizeof o->role, cerr, sizeof cerr) ||
            text_col(st, 4, o->clock, sizeof o->clock, cerr, sizeof cerr) ||
            text_col(st, 23, o->gaps, sizeof o->gaps, cerr, sizeof cerr) ||
            text_col(st, 24, o->agaps, sizeof o->agaps, cerr, sizeof cerr) ||
            text_col(st, 28, o->send_late, sizeof o->send_late, cerr, sizeof cerr)) {
            r = -1;
            snprintf(err, errlen, "calibration %ld, point %zu: %s", id, *n, cerr);
            break;
        }
        o->item = sqlite3_column_int(st, 2);
        o->rep = sqlite3_column_int(st, 3);
        o->conns = sqlite3_column_int(st, 5);
        o->rate_Bps = sqlite3_column_double(st, 6);
        o->mss = sqlite3_column_int(st, 7);
        o->have_hz = sqlite3_column_double(st, 8);
        o->window_s = sqlite3_column_double(st, 9);
        o->cpu_ns = sqlite3_column_double(st, 10);
        o->own_cpu_ns = real_or_nan(st, 11);
        uint64_t *c[11] = { &o->runs, &o->vcsw, &o->ivcsw, &o->segs, &o->acks, &o->reads, &o->events, &o->msgs, &o->bytes,
                            &o->updates, &o->ticks };
        for (int k = 0; k < 11; k++) *c[k] = (uint64_t)sqlite3_column_int64(st, 12 + k);
        o->load1 = real_or_nan(st, 25);
        o->other_cpu = real_or_nan(st, 26);
        o->send_segs = (uint64_t)sqlite3_column_int64(st, 27);
        o->fit_ns = real_or_nan(st, 29);
        o->sim_ns = real_or_nan(st, 30);
        o->sim_wakeups = real_or_nan(st, 31);
        o->sim_deliveries = real_or_nan(st, 32);
        (*n)++;
    }
    sqlite3_finalize(st);
    if (r < 0) { free(*rows); *rows = NULL; *n = 0; return -1; }
    if (*n == 0) { snprintf(err, errlen, "calibration %ld: no stored points", id); return -1; }
    return 0;
}

int db_calib_load_meta(sqlite3 *db, long id, char *machine, size_t mlen, char *runtime, size_t rlen, char *settings,
                       size_t slen, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT machine, runtime, settings FROM calibrations WHERE id = ?1", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "calibration %ld: %s", id, sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    int r = db_step(st, NULL, err, errlen);
    char cerr[160];
    if (r == 1 && (text_col(st, 0, machine, mlen, cerr, sizeof cerr) || text_col(st, 1, runtime, rlen, cerr, sizeof cerr) ||
                   text_col(st, 2, settings, slen, cerr, sizeof cerr))) {
        snprintf(err, errlen, "calibration %ld: %s", id, cerr);
        r = -1;
    } else if (r == 0) {
        snprintf(err, errlen, "calibration %ld: not in the calibration database", id);
    }
    sqlite3_finalize(st);
    return r == 1 ? 0 : -1;
}

int db_calib_load_bench(sqlite3 *db, long id, struct calib_bench_row *rows, size_t cap, size_t *n, char *err, size_t errlen)
{
    *n = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT runtime, what, ns FROM calib_bench WHERE calibration_id = ?1", -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "calibration %ld: %s", id, sqlite3_errmsg(db));
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    int r;
    while ((r = db_step(st, NULL, err, errlen)) == 1) {
        char cerr[160];
        if (*n == cap) {
            snprintf(err, errlen, "calibration %ld: more than the %zu micro-benchmark rows this build reads", id, cap);
            r = -1;
            break;
        }
        if (text_col(st, 0, rows[*n].runtime, sizeof rows[*n].runtime, cerr, sizeof cerr) ||
            text_col(st, 1, rows[*n].what, sizeof rows[*n].what, cerr, sizeof cerr)) {
            snprintf(err, errlen, "calibration %ld, micro-benchmark %zu: %s", id, *n, cerr);
            r = -1;
            break;
        }
        rows[*n].ns = sqlite3_column_double(st, 2);
        (*n)++;
    }
    sqlite3_finalize(st);
    return r < 0 ? -1 : 0;
}

static char calib_db_path[1024] = "results/calib.db";

void db_calib_use(const char *path) { snprintf(calib_db_path, sizeof calib_db_path, "%s", path); }

int db_calib_loader(long id, struct cpu_calibration *out, char *err, size_t errlen)
{
    char e[512];
    sqlite3 *db = db_open(calib_db_path, DB_READ, e, sizeof e);
    if (!db) { snprintf(err, errlen, "calibration %ld: %s", id, e); return -1; }
    int rc = db_calib_load(db, id, out, err, errlen);
    db_close(db);
    return rc;
}

/* One query's rows as CSV (header from the column names; text with a comma or quote quoted). */
static int csv(sqlite3 *db, const char *sql, long id, const char *dir, const char *file, char *err, size_t errlen)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    FILE *f = fopen(path, "w");
    if (!f) { snprintf(err, errlen, "%s: cannot write", path); return -1; }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
        fclose(f);
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    int nc = sqlite3_column_count(st);
    for (int c = 0; c < nc; c++) fprintf(f, "%s%s", c ? "," : "", sqlite3_column_name(st, c));
    fputc('\n', f);
    int r;
    while ((r = db_step(st, NULL, err, errlen)) == 1) {
        for (int c = 0; c < nc; c++) {
            if (c) fputc(',', f);
            int t = sqlite3_column_type(st, c);
            if (t == SQLITE_NULL) continue;
            if (t == SQLITE_INTEGER) fprintf(f, "%lld", (long long)sqlite3_column_int64(st, c));
            else if (t == SQLITE_FLOAT) fprintf(f, "%.10g", sqlite3_column_double(st, c));
            else {
                const char *s = (const char *)sqlite3_column_text(st, c);
                if (strpbrk(s, ",\"\n")) {
                    fputc('"', f);
                    for (; *s; s++) { if (*s == '"') fputc('"', f); fputc(*s, f); }
                    fputc('"', f);
                } else {
                    fputs(s, f);
                }
            }
        }
        fputc('\n', f);
    }
    sqlite3_finalize(st);
    if (r < 0) { fclose(f); return -1; }
    if (fclose(f) != 0) { snprintf(err, errlen, "%s: write failed", path); return -1; }
    return 0;
}

int db_calib_export(sqlite3 *db, long id, const char *dir, char *err, size_t errlen)
{
    struct cpu_calibration c;
    if (db_calib_load(db, id, &c, err, errlen) != 0) return -1;
    if (csv(db, "SELECT * FROM calibrations WHERE id = ?1", id, dir, "calibration.csv", err, errlen) ||
        csv(db, "SELECT path, feature, ns, stderr, source FROM calib_coefs WHERE calibration_id = ?1 ORDER BY path, feature",
            id, dir, "coefficients.csv", err, errlen) ||
        csv(db, "SELECT * FROM calib_fits WHERE calibration_id = ?1 ORDER BY path", id, dir, "fits.csv", err, errlen) ||
        csv(db, "SELECT * FROM calib_points WHERE calibration_id = ?1 ORDER BY seq", id, dir, "points.csv", err, errlen) ||
        csv(db, "SELECT * FROM calib_bench WHERE calibration_id = ?1 ORDER BY runtime, what", id, dir, "bench.csv", err, errlen))
        return -1;
    return 0;
}
