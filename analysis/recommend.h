/* Recommendation tables: answers computed from a results database's runs, each with a 95 %
 * confidence interval over seeds, stored back into the database (rec_tables, rec_cells) and
 * rendered by `ratelab recommend` and `ratelab report`.
 *   marks:      etorrent: per swarm profile, the hi/lo pair on the Pareto front of CPU against
 *               decision quality with the best quality within a stated CPU budget, and its paired
 *               difference from etorrent's 16000/4000 on the same seeds;
 *   limit:      xtreme: per line and FIFO length, the highest upload limit (% of the line) per
 *               policy that keeps the download >= 95 % of its solo goodput, and the upload
 *               goodput it buys;
 *   slot_speed: xtreme: per line, the highest target slot speed at which the slots stay stable. */
#ifndef ANALYSIS_RECOMMEND_H
#define ANALYSIS_RECOMMEND_H

#include <stddef.h>
#include <stdio.h>
#include "fig_internal.h"

struct rec_cell { char text[192]; double mean, ci95; long n; };

struct rec_table {
    char             tbl[32];
    char             title[256];     /* the question */
    char             rule[1536];     /* how the answer is computed, in words */
    char             code_version[64];
    size_t           n_rows, n_cols; /* row 0: the header */
    struct rec_cell *cell;           /* n_rows x n_cols */
};

struct rec_opts {
    const char *quality;        /* decision-quality metric for marks (default: see recommend.c) */
    double      cpu_budget_us;  /* CPU budget for marks, us per simulated second; NAN: relative */
    double      cpu_budget_rel; /* ... else this x the CPU of etorrent's 16000/4000 in the profile */
    double      keep_share;     /* limit: download kept, share of solo (0.95) */
};
void rec_opts_default(struct rec_opts *o);

enum rec_status { REC_OK = 0, REC_NODATA = 1, REC_ERROR = 3 };

/* Each fills t from the selected points of c (c loaded with fig_load, all points selected);
 * REC_NODATA with c->err saying what is missing when the database holds no such sweep. */
int recommend_marks(struct fig_ctx *c, const struct rec_opts *o, struct rec_table *t);
int recommend_limit(struct fig_ctx *c, const struct rec_opts *o, struct rec_table *t);
int recommend_slot_speed(struct fig_ctx *c, const struct rec_opts *o, struct rec_table *t);

/* Every table the database's sweeps allow, computed and stored in it: up to max tables in out
 * (the caller frees them), their count in *n_out.  Tables the data does not allow are named on
 * `notes` (may be NULL) with the reason.  0; 1 if the database holds no runs; -2 if it cannot be
 * read (missing, damaged, another schema); -1 on another error. */
int recommend_all(const char *path, const struct rec_opts *o, struct rec_table *out, size_t max, size_t *n_out,
                  char *err, size_t errlen, FILE *notes);

/* rec_table.c */
int  rec_table_init(struct rec_table *t, const char *tbl, size_t n_cols);
int  rec_table_add_row(struct rec_table *t);                 /* index of a new empty row, -1: memory */
struct rec_cell *rec_at(struct rec_table *t, size_t row, size_t col);
void rec_set_text(struct rec_table *t, size_t row, size_t col, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* "62.1 ± 3.4" with the decimals the CI warrants; "62.1" without a CI; prefix such as ">= ". */
void rec_stat_text(char *buf, size_t len, const char *prefix, double mean, double ci95, const char *unit);
void rec_set_stat(struct rec_table *t, size_t row, size_t col, const char *prefix, double mean, double ci95, long n,
                  const char *unit);
void rec_table_free(struct rec_table *t);
/* Replaces the table of this code version in the database.  0 or -1 with err set. */
int  rec_table_store(sqlite3 *db, const struct rec_table *t, char *err, size_t errlen);
/* Plain-text rendering for the terminal. */
void rec_table_print(FILE *f, const struct rec_table *t);
/* Mean and 95 % CI half-width (NAN when n < 2) of the finite values. */
void rec_mean_ci(const double *v, size_t n, double *mean, double *ci95, long *n_out);

#endif
