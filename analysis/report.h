/* `ratelab report`: one self-contained HTML page from results databases: the recommendation
 * tables, the figures that decide (inline SVG, each with a caption saying what it decides),
 * sensitivity studies, and the provenance of every number (code version, scenarios, seeds,
 * engine). */
#ifndef ANALYSIS_REPORT_H
#define ANALYSIS_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include "recommend.h"

struct report_opts {
    const char     *out_dir;     /* report.html goes here */
    const char     *title;
    const char     *command;     /* the command line that made it, for the provenance */
    const char     *version;     /* of the ratelab writing it */
    struct rec_opts rec;
};

/* Writes OUT_DIR/report.html.  Returns 0, 1 if no database held anything to report (err says
 * what was looked for), 2 on bad input (a database that cannot be read), -1 on other errors. */
int report_write(const char *const *dbs, size_t n_dbs, const struct report_opts *o, char *err, size_t errlen);

/* ---- internal to report*.c */

struct report;      /* the page being written */

/* Figures and tables in page order: the sections of report_sections.c call these. */
void report_heading(struct report *r, int level, const char *id, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void report_para(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Renders a figure (fig_opts as for `ratelab plot`, out and quiet set by the report) and embeds
 * its SVG with the caption; a figure the data does not allow is listed as missing, not fatal. */
int  report_figure(struct report *r, const char *figure, struct fig_opts *fo, const char *caption);
void report_table(struct report *r, const struct rec_table *t);
/* The sections: answers, experiment A, experiment B, asym_link, sensitivity, provenance. */
int  report_sections(struct report *r, const char *const *dbs, size_t n_dbs, const struct report_opts *o);

/* HTML-escaped text. */
void html_text(FILE *f, const char *s);

#endif
