/* The state of a report being written, shared by report.c (page) and report_sections.c
 * (what goes on it). */
#ifndef ANALYSIS_REPORT_INT_H
#define ANALYSIS_REPORT_INT_H

#include <stdio.h>
#include "figures.h"
#include "report.h"

#define REPORT_MAX_TOC 128
#define REPORT_MAX_MISSING 64

struct toc_entry { int level; char id[64]; char text[256]; };
struct missing { char what[512]; char why[512]; };

struct report {
    FILE            *body;           /* the page below the contents, in memory */
    char             tmpdir[512];    /* figures are rendered here, embedded, removed */
    size_t           n_figures, n_tables, n_sens;
    struct toc_entry toc[REPORT_MAX_TOC];
    size_t           n_toc;
    struct missing   missing[REPORT_MAX_MISSING];
    size_t           n_missing;
    char            *err;
    size_t           errlen;
    int              failed;         /* a database error: err says which */
};

/* An item the data does not allow: listed at the top of the page and on stderr. */
void report_missing(struct report *r, const char *what, const char *why);

#endif
