/* What the recommendation tables (recommend.c, recommend_marks.c, recommend_limit.c) share: the
 * rows (contexts) a table's points group into, and reading a point's parameters. */
#ifndef ANALYSIS_RECOMMEND_INT_H
#define ANALYSIS_RECOMMEND_INT_H
#include <stddef.h>
#include "fig_internal.h"

#define MAX_ROWS 256

/* The rows: of[i] is point i's row (-1: not relevant or beyond MAX_ROWS), labels in label order. */
struct groups { char label[MAX_ROWS][256]; size_t n; int *of; };
int rec_group_points(struct fig_ctx *c, const int *rel, const char *const *except, struct groups *g);

/* A parameter of a point as a number (NAN if absent or not a number) or as text ("" if absent). */
double rec_num(const struct fig_point *p, const char *key);
const char *rec_text(const struct fig_point *p, const char *key);

/* The one code version of the relevant points; -1 with c->err set if they mix versions. */
int rec_single_version(struct fig_ctx *c, const int *rel, char *version, size_t len);

#endif
