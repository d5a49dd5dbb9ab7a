/* `ratelab plot DB FIGURE`: renders a figure of a results database as PNG and SVG;
 * `ratelab plot --list` names the figures and their options. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "flags.h"
#include "figures.h"

static int list(void)
{
    size_t n;
    const struct figure *f = figure_list(&n);
    printf("figures (ratelab plot DB FIGURE [--out FILE] [--where EXPR] [options]):\n");
    for (size_t i = 0; i < n; i++) printf("  %-15s %s\n  %-15s   %s\n", f[i].name, f[i].doc, "", f[i].usage);
    return 0;
}

int cmd_plot(int argc, char **argv)
{
    struct fig_opts o;
    memset(&o, 0, sizeof o);
    const char *figure = NULL;
    static const char *const flags[] = { "--out", "--where", "--x", "--y", "--z", "--by", "--label", "--chosen", "--run", "--ref", "--study", NULL };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--list")) return list();
        if (a[0] != '-') {
            if (!o.db_path) o.db_path = a;
            else if (!figure) figure = a;
            else { fprintf(stderr, "ratelab plot: unexpected argument '%s'\n", a); return EXIT_BADINPUT; }
            continue;
        }
        int k = 0;
        while (flags[k] && strcmp(flags[k], a)) k++;
        if (!flags[k]) {
            fprintf(stderr, "ratelab plot: unknown flag '%s' (allowed: --list, --out FILE, --where EXPR, --x, --y, --z,"
                            " --by, --label, --chosen, --ref EXPR, --study STUDY, --run ID)\n", a);
            return EXIT_BADINPUT;
        }
        if (i + 1 >= argc) { fprintf(stderr, "ratelab plot: %s needs a value\n", a); return EXIT_BADINPUT; }
        const char *v = argv[++i];
        switch (k) {
        case 0: o.out = v; break;
        case 1: o.where = v; break;
        case 2: o.x = v; break;
        case 3: o.y = v; break;
        case 4: o.z = v; break;
        case 5: o.by = v; break;
        case 6: o.label = v; break;
        case 7: o.chosen = v; break;
        case 9: o.ref = v; break;
        case 10: o.study = v; break;
        default: {
            long id;
            char err[256];
            if (flag_long("--run", v, 1, LONG_MAX, &id, err, sizeof err) != 0) {
                fprintf(stderr, "ratelab plot: %s (a run id)\n", err);
                return EXIT_BADINPUT;
            }
            o.run_id = id;
        }
        }
    }
    if (!o.db_path || !figure) {
        fprintf(stderr, "ratelab plot: usage: ratelab plot DB FIGURE [--out FILE] [--where EXPR] (ratelab plot --list)\n");
        return EXIT_BADINPUT;
    }
    char err[1024];
    enum fig_status st = figure_plot(figure, &o, err, sizeof err);
    if (st == FIG_OK) return 0;
    if (st == FIG_EMPTY) fprintf(stderr, "ratelab plot: %s: nothing to draw: %s\n", figure, err);
    else fprintf(stderr, "ratelab plot: %s\n", err);
    return st == FIG_BADINPUT ? EXIT_BADINPUT : 1;
}
