/* Figures from a results database: a registry of named figures, each selecting runs (--where),
 * aggregating across seeds and rendering PNG + SVG through a gnuplot script in analysis/. */
#ifndef ANALYSIS_FIGURES_H
#define ANALYSIS_FIGURES_H

#include <stddef.h>

struct fig_opts {
    const char *db_path;
    const char *out;        /* output path without extension; NULL: next to the database */
    const char *where;      /* selection over parameters, scenario, experiment, code_version */
    const char *x, *y, *z;  /* keys / metrics, meaning per figure (see figure_list docs) */
    const char *by;         /* one line per value of this key */
    const char *label;      /* comma list of keys labelling Pareto points */
    const char *chosen;     /* expression marking the chosen point(s) of a Pareto figure */
    const char *ref;        /* paired figures: expression selecting the reference setting */
    double      hline;      /* line and xy figures: a dashed reference at this y (0 with no label: none) */
    const char *hline_label;
    int         quiet;      /* do not print where the files went */
    int         svg_only;   /* write FILE.svg only (the report embeds it) */
    const char *study;      /* sensitivity figure: the study (NULL: the only one) */
    long long   run_id;     /* series figures: this run; <= 0 picks the first selected run */
    const char *scripts_dir;/* NULL: found next to the binary (see figure_scripts_dir) */
};

enum fig_status { FIG_OK = 0, FIG_EMPTY = 1, FIG_BADINPUT = 2, FIG_ERROR = 3 };

struct figure {
    const char *name;
    const char *usage;      /* the options it takes, with their defaults */
    const char *doc;
};

const struct figure *figure_list(size_t *n);
/* Renders FIGURE.png and FIGURE.svg; prints where they are.  On a non-OK status err holds one
 * line: an empty selection says what was missing. */
enum fig_status figure_plot(const char *name, const struct fig_opts *o, char *err, size_t errlen);
/* Where the gnuplot scripts are: $RATELAB_ANALYSIS_DIR, else ../analysis next to the binary,
 * else ./analysis.  Returns 0 or -1 with err set. */
int figure_scripts_dir(char *buf, size_t len, char *err, size_t errlen);

#endif
