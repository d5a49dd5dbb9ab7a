/* Recommendation tables as data: cells with text and the numbers behind them, formatting of a
 * mean with its confidence interval, storing in the database and printing for a terminal. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "recommend.h"
#include "stats.h"

int rec_table_init(struct rec_table *t, const char *tbl, size_t n_cols)
{
    memset(t, 0, sizeof *t);
    snprintf(t->tbl, sizeof t->tbl, "%s", tbl);
    t->n_cols = n_cols;
    return rec_table_add_row(t) == 0 ? 0 : -1;          /* the header row */
}

int rec_table_add_row(struct rec_table *t)
{
    struct rec_cell *c = realloc(t->cell, (t->n_rows + 1) * t->n_cols * sizeof *c);
    if (!c) return -1;
    t->cell = c;
    for (size_t k = 0; k < t->n_cols; k++)
        t->cell[t->n_rows * t->n_cols + k] = (struct rec_cell){ .text = "", .mean = NAN, .ci95 = NAN, .n = 0 };
    return (int)t->n_rows++;
}

struct rec_cell *rec_at(struct rec_table *t, size_t row, size_t col) { return &t->cell[row * t->n_cols + col]; }

void rec_set_text(struct rec_table *t, size_t row, size_t col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rec_at(t, row, col)->text, sizeof t->cell[0].text, fmt, ap);
    va_end(ap);
}

/* Decimals that show the CI to two significant digits (at most 4), or 3 significant digits of
 * the mean when there is no CI. */
static int decimals_for(double mean, double ci)
{
    double ref = isfinite(ci) && ci > 0 ? ci : fabs(mean) / 100;
    if (!(ref > 0)) return 0;
    int d = 1 - (int)floor(log10(ref));
    return d < 0 ? 0 : d > 4 ? 4 : d;
}

void rec_stat_text(char *buf, size_t len, const char *prefix, double mean, double ci95, const char *unit)
{
    if (!isfinite(mean)) { snprintf(buf, len, "–"); return; }
    int d = decimals_for(mean, ci95);
    if (isfinite(ci95))
        snprintf(buf, len, "%s%.*f ± %.*f%s%s", prefix ? prefix : "", d, mean, d, ci95, unit ? " " : "", unit ? unit : "");
    else
        snprintf(buf, len, "%s%.*f%s%s", prefix ? prefix : "", d, mean, unit ? " " : "", unit ? unit : "");
}

void rec_set_stat(struct rec_table *t, size_t row, size_t col, const char *prefix, double mean, double ci95, long n,
                  const char *unit)
{
    struct rec_cell *c = rec_at(t, row, col);
    c->mean = mean;
    c->ci95 = ci95;
    c->n = n;
    rec_stat_text(c->text, sizeof c->text, prefix, mean, ci95, unit);
}

void rec_mean_ci(const double *v, size_t n, double *mean, double *ci95, long *n_out)
{
    struct sample_stats s;
    stats_describe(v, n, &s);
    *mean = s.mean;
    *ci95 = s.ci95;
    *n_out = (long)s.n;
}

void rec_table_free(struct rec_table *t)
{
    free(t->cell);
    t->cell = NULL;
    t->n_rows = 0;
}

int rec_table_store(sqlite3 *db, const struct rec_table *t, char *err, size_t errlen)
{
    char now[40];
    db_iso_time(db_now_ms(), now, sizeof now);
    sqlite3_stmt *del1 = NULL, *del2 = NULL, *ins_t = NULL, *ins_c = NULL;
    int rc = -1;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM rec_tables WHERE tbl = ?1 AND code_version = ?2", -1, &del1, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "DELETE FROM rec_cells WHERE tbl = ?1 AND code_version = ?2", -1, &del2, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO rec_tables VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &ins_t, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT INTO rec_cells VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1, &ins_c, NULL) != SQLITE_OK)
        goto out;
    sqlite3_stmt *dels[2] = { del1, del2 };
    for (int k = 0; k < 2; k++) {
        sqlite3_bind_text(dels[k], 1, t->tbl, -1, SQLITE_STATIC);
        sqlite3_bind_text(dels[k], 2, t->code_version, -1, SQLITE_STATIC);
        if (sqlite3_step(dels[k]) != SQLITE_DONE) goto out;
    }
    sqlite3_bind_text(ins_t, 1, t->tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins_t, 2, t->code_version, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins_t, 3, t->title, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins_t, 4, t->rule, -1, SQLITE_STATIC);
    sqlite3_bind_int64(ins_t, 5, (sqlite3_int64)t->n_rows - 1);
    sqlite3_bind_text(ins_t, 6, now, -1, SQLITE_STATIC);
    if (sqlite3_step(ins_t) != SQLITE_DONE) goto out;
    for (size_t r = 0; r < t->n_rows; r++)
        for (size_t k = 0; k < t->n_cols; k++) {
            const struct rec_cell *c = &t->cell[r * t->n_cols + k];
            sqlite3_reset(ins_c);
            sqlite3_bind_text(ins_c, 1, t->tbl, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins_c, 2, t->code_version, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins_c, 3, (sqlite3_int64)r);
            sqlite3_bind_int64(ins_c, 4, (sqlite3_int64)k);
            sqlite3_bind_text(ins_c, 5, c->text, -1, SQLITE_STATIC);
            if (isfinite(c->mean)) sqlite3_bind_double(ins_c, 6, c->mean); else sqlite3_bind_null(ins_c, 6);
            if (isfinite(c->ci95)) sqlite3_bind_double(ins_c, 7, c->ci95); else sqlite3_bind_null(ins_c, 7);
            if (c->n > 0) sqlite3_bind_int64(ins_c, 8, c->n); else sqlite3_bind_null(ins_c, 8);
            if (sqlite3_step(ins_c) != SQLITE_DONE) goto out;
        }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) goto out;
    rc = 0;
out:
    if (rc != 0) {
        snprintf(err, errlen, "storing recommendation table %s: %s", t->tbl, sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_finalize(del1);
    sqlite3_finalize(del2);
    sqlite3_finalize(ins_t);
    sqlite3_finalize(ins_c);
    return rc;
}

/* Display width of UTF-8 text: continuation bytes take no column. */
static int width(const char *s)
{
    int w = 0;
    for (; *s; s++) w += ((unsigned char)*s & 0xC0) != 0x80;
    return w;
}

void rec_table_print(FILE *f, const struct rec_table *t)
{
    fprintf(f, "%s\n", t->title);
    int w[32] = { 0 };
    for (size_t k = 0; k < t->n_cols && k < 32; k++)
        for (size_t r = 0; r < t->n_rows; r++) {
            int l = width(t->cell[r * t->n_cols + k].text);
            if (l > w[k]) w[k] = l;
        }
    for (size_t r = 0; r < t->n_rows; r++) {
        fputs("  ", f);
        for (size_t k = 0; k < t->n_cols && k < 32; k++) {
            const char *s = t->cell[r * t->n_cols + k].text;
            fprintf(f, "%s%s%*s", k ? "  " : "", s, w[k] - width(s), "");
        }
        fputc('\n', f);
    }
    fprintf(f, "  (%s)\n", t->rule);
}
