/* `ratelab report DB... --out DIR`: one self-contained HTML page (DIR/report.html) with the
 * recommendation tables, the figures that decide as inline SVG, and the provenance. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "report.h"

#define MAX_DBS 64

int cmd_report(int argc, char **argv)
{
    struct report_opts o = { .title = "ratelab: which marks, which limit" };
    rec_opts_default(&o.rec);
    const char *dbs[MAX_DBS];
    size_t n = 0;
    char command[2048];
    size_t cl = (size_t)snprintf(command, sizeof command, "ratelab");
    for (int i = 0; i < argc; i++) cl += (size_t)snprintf(command + cl, cl < sizeof command ? sizeof command - cl : 0, " %s", argv[i]);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = recommend_parse_flag("report", argc, argv, &i, &o.rec);
        if (r < 0) return EXIT_BADINPUT;
        if (r > 0) continue;
        if (!strcmp(a, "--out") || !strcmp(a, "--title")) {
            if (i + 1 >= argc) { fprintf(stderr, "ratelab report: %s needs a value\n", a); return EXIT_BADINPUT; }
            if (!strcmp(a, "--out")) o.out_dir = argv[++i]; else o.title = argv[++i];
            continue;
        }
        if (a[0] == '-') {
            fprintf(stderr, "ratelab report: unknown flag '%s' (allowed: --out DIR, --title TEXT, --quality METRIC,"
                            " --cpu-budget US, --keep SHARE)\n", a);
            return EXIT_BADINPUT;
        }
        if (n == MAX_DBS) { fprintf(stderr, "ratelab report: more than %d databases\n", MAX_DBS); return EXIT_BADINPUT; }
        if (access(a, R_OK) != 0) { fprintf(stderr, "ratelab report: %s: no such database\n", a); return EXIT_BADINPUT; }
        dbs[n++] = a;
    }
    if (n == 0 || !o.out_dir) {
        fprintf(stderr, "ratelab report: usage: ratelab report DB... --out DIR [--title TEXT] [--quality METRIC]"
                        " [--cpu-budget US] [--keep SHARE]\n");
        return EXIT_BADINPUT;
    }
    o.command = command;
    o.version = ratelab_version();
    char err[1024];
    int rc = report_write(dbs, n, &o, err, sizeof err);
    if (rc == 0) return 0;
    fprintf(stderr, "ratelab report: %s\n", err);
    return rc == 2 ? EXIT_BADINPUT : 1;
}
