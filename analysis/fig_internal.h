/* Shared between the figure modules: the selected parameter points of a database with their
 * parameters, across-seed statistics per point, and the gnuplot runner. */
#ifndef ANALYSIS_FIG_INTERNAL_H
#define ANALYSIS_FIG_INTERNAL_H

#include <sqlite3.h>
#include <stdio.h>
#include "figures.h"
#include "stats.h"
#include "where.h"

struct fig_param { char *key, *text; double num; int is_num; };

struct fig_point {
    long long         rep_run;        /* lowest run id of the point */
    char             *experiment, *scenario, *code_version, *point;
    long long         n_runs;
    struct fig_param *params;
    size_t            n_params;
    int               selected;
};

struct fig_ctx {
    sqlite3          *db;
    struct fig_point *pts;
    size_t            n_pts, n_selected;
    char            **keys;           /* every parameter key of any point */
    size_t            n_keys;
    char              workdir[512];   /* temp dir for data files and settings.gp */
    char              scripts[512];
    char              out_base[1024];
    char             *err;
    size_t            errlen;
    int               quiet;
    int               svg_only;       /* the report embeds SVG: no PNG */
};

/* fig_data.c */
int  fig_load(struct fig_ctx *c, const char *db_path);
int  fig_select(struct fig_ctx *c, const char *where);          /* FIG_* status */
void fig_free(struct fig_ctx *c);
const struct fig_param *fig_param(const struct fig_point *p, const char *key);
/* Across-seed stats of metric for every point (n = 0 where the point lacks it): the number of
 * points that have it, or -FIG_BADINPUT (a database error, c->err naming the file) or -FIG_ERROR. */
int  fig_metric_stats(struct fig_ctx *c, const char *metric, struct sample_stats *out);
/* The first key other than `except` (NULL-terminated list) whose value differs between two
 * points, to explain why two points land on the same figure position. */
const char *fig_differing_key(const struct fig_point *a, const struct fig_point *b, const char *const *except);
/* --where-style expressions over a point's parameters, scenario, experiment, code_version. */
struct where_expr *fig_where_compile(struct fig_ctx *c, const char *text, char *why, size_t len);
int  fig_where_eval(struct fig_ctx *c, const struct where_expr *e, const struct fig_point *p);
/* "k=v k=v" of the keys whose values differ among the database's points: what was swept. */
void fig_point_summary(const struct fig_ctx *c, const struct fig_point *p, char *buf, size_t len);
int  fig_empty(struct fig_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int  fig_bad(struct fig_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* fig_derived.c: keys computed from a point's parameters (limit_pct_line). */
int  fig_derive_params(struct fig_point *p, int (*add_key)(void *, const char *), void *ctx);
int  fig_is_derived(const char *key);
const char *fig_derived_doc(void);

/* The --hline reference of line and xy figures as settings (hline = NaN when there is none). */
void fig_set_hline(FILE *f, const struct fig_opts *o);
/* lo == hi (every point the same): a range around the value as xrange_cmd / yrange_cmd. */
void fig_set_flat_range(FILE *f, char axis, double lo, double hi);

/* fig_gnuplot.c */
FILE *fig_open_data(struct fig_ctx *c, const char *name);     /* in the work dir */
/* settings.gp: gnuplot assignments the script reads; strings are quoted for gnuplot. */
void fig_set_str(FILE *f, const char *var, const char *value);
void fig_set_num(FILE *f, const char *var, double value);
int  fig_workdir(struct fig_ctx *c);
void fig_workdir_remove(struct fig_ctx *c);
/* Runs analysis/SCRIPT.gp once for png and once for svg; any gnuplot message is an error. */
int  fig_render(struct fig_ctx *c, const char *script);

/* fig_stats.c and fig_series.c: the figure bodies. */
int fig_line(struct fig_ctx *c, const struct fig_opts *o, const char *x, const char *y, const char *by, int mark_80);
int fig_heatmap(struct fig_ctx *c, const struct fig_opts *o, const char *x, const char *y, const char *z);
int fig_pareto(struct fig_ctx *c, const struct fig_opts *o, const char *x, const char *y, const char *labels,
               const char *chosen);
int fig_upload_stack(struct fig_ctx *c, const struct fig_opts *o);
int fig_slots(struct fig_ctx *c, const struct fig_opts *o);
/* fig_sens.c */
int fig_sensitivity(struct fig_ctx *c, const struct fig_opts *o);
/* fig_xy.c */
int fig_xy(struct fig_ctx *c, const struct fig_opts *o, const char *x, const char *y, const char *along, const char *by);
int fig_paired(struct fig_ctx *c, const struct fig_opts *o, const char *y, const char *labels, const char *ref);
/* A value as users type it: 16000 -> 16k, 2000000 -> 2M (fig_stats.c). */
void fig_short_number(char *buf, size_t len, const struct fig_param *v);
/* "16k/4k": the values of the comma-listed keys of a point, as fig_short_number writes them. */
void fig_label_point(const struct fig_point *p, const char *labels, char *buf, size_t len);

#endif
