/* The report page: HTML scaffolding (style, contents, headings, paragraphs), figures rendered
 * through the figure registry and embedded as inline SVG with ids made unique per figure, and
 * recommendation tables.  The page is written to a temp file and renamed, never half-written. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "report.h"
#include "report_int.h"

void html_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

void report_heading(struct report *r, int level, const char *id, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fprintf(r->body, "<h%d id=\"%s\">", level, id);
    html_text(r->body, text);
    fprintf(r->body, "</h%d>\n", level);
    if (level <= 3 && r->n_toc < REPORT_MAX_TOC) {
        struct toc_entry *e = &r->toc[r->n_toc++];
        e->level = level;
        snprintf(e->id, sizeof e->id, "%s", id);
        snprintf(e->text, sizeof e->text, "%.255s", text);
    }
}

void report_para(struct report *r, const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fputs("<p>", r->body);
    html_text(r->body, text);
    fputs("</p>\n", r->body);
}

void report_missing(struct report *r, const char *what, const char *why)
{
    if (r->n_missing < REPORT_MAX_MISSING) {
        snprintf(r->missing[r->n_missing].what, sizeof r->missing[0].what, "%s", what);
        snprintf(r->missing[r->n_missing].why, sizeof r->missing[0].why, "%s", why);
        r->n_missing++;
    }
    fprintf(stderr, "ratelab report: not in the report: %s: %s\n", what, why);
}

/* Copies the SVG element of a gnuplot file into the page, its ids prefixed with "fN-" so the
 * point symbols of one figure never resolve to another's definitions. */
static int embed_svg(struct report *r, const char *path, const char *title)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)len + 1);
    if (!s) { fclose(f); return -1; }
    size_t got = fread(s, 1, (size_t)len, f);
    fclose(f);
    s[got] = 0;
    char *start = strstr(s, "<svg");
    if (!start) { free(s); return -1; }
    char prefix[32];
    snprintf(prefix, sizeof prefix, "f%zu-", r->n_figures);
    static const char *const anchors[] = { "id=\"", "id='", "href=\"#", "href='#", "url(#", NULL };
    for (char *p = start; *p; ) {
        size_t hit = 0;
        int k;
        for (k = 0; anchors[k]; k++) {
            size_t l = strlen(anchors[k]);
            /* " id=" only as an attribute, not inside another name such as "grid=" */
            if (!strncmp(p, anchors[k], l) && (k > 1 || p == start || p[-1] == ' ' || p[-1] == '\n' || p[-1] == '\t')) {
                hit = l;
                break;
            }
        }
        if (hit) {
            fwrite(p, 1, hit, r->body);
            fputs(prefix, r->body);
            p += hit;
        } else if (!strncmp(p, "<title>Gnuplot</title>", 22)) {
            fputs("<title>", r->body);
            html_text(r->body, title);
            fputs("</title>", r->body);
            p += 22;
        } else {
            fputc(*p++, r->body);
        }
    }
    free(s);
    return 0;
}

int report_figure(struct report *r, const char *figure, struct fig_opts *fo, const char *caption)
{
    char out[1100], svg[1200], err[1024], what[512];
    snprintf(out, sizeof out, "%s/fig%zu", r->tmpdir, r->n_figures);
    fo->out = out;
    fo->quiet = 1;
    fo->svg_only = 1;
    snprintf(what, sizeof what, "figure %s%s%s", figure, fo->where ? " where " : "", fo->where ? fo->where : "");
    enum fig_status st = figure_plot(figure, fo, err, sizeof err);
    if (st != FIG_OK) { report_missing(r, what, err); return 1; }
    snprintf(svg, sizeof svg, "%s.svg", out);
    fprintf(r->body, "<figure class=\"fig\" id=\"fig%zu\">\n", r->n_figures);
    int rc = embed_svg(r, svg, caption);
    fprintf(r->body, "\n<figcaption><b>Figure %zu.</b> ", r->n_figures + 1);
    html_text(r->body, caption);
    fputs("</figcaption>\n</figure>\n", r->body);
    char png[1200];
    snprintf(png, sizeof png, "%s.png", out);
    unlink(svg);
    unlink(png);
    if (rc != 0) { report_missing(r, what, "gnuplot wrote no readable SVG"); return 1; }
    r->n_figures++;
    return 0;
}

void report_table(struct report *r, const struct rec_table *t)
{
    fprintf(r->body, "<div class=\"rec\" id=\"rec-%s\">\n<table class=\"rec\" data-table=\"%s\">\n<caption>", t->tbl, t->tbl);
    html_text(r->body, t->title);
    fputs("</caption>\n", r->body);
    for (size_t row = 0; row < t->n_rows; row++) {
        fputs("<tr>", r->body);
        for (size_t k = 0; k < t->n_cols; k++) {
            const struct rec_cell *c = &t->cell[row * t->n_cols + k];
            const char *tag = row == 0 ? "th" : k == 0 ? "th scope=\"row\"" : "td";
            fprintf(r->body, "<%s>", tag);
            html_text(r->body, c->text);
            fprintf(r->body, "</%s>", row == 0 || k == 0 ? "th" : "td");
        }
        fputs("</tr>\n", r->body);
    }
    fputs("</table>\n<p class=\"rule\">", r->body);
    html_text(r->body, t->rule);
    fputs("</p>\n</div>\n", r->body);
    r->n_tables++;
}

static const char *const style =
    "body{font-family:'DejaVu Sans',sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}"
    "h1{font-size:1.7em}h2{border-bottom:2px solid #2c7bb6;padding-bottom:.2em;margin-top:2em}"
    "table.rec{border-collapse:collapse;margin:1em 0;font-size:.88em}"
    "table.rec caption{text-align:left;font-weight:bold;padding:.3em 0}"
    "table.rec th,table.rec td{border:1px solid #bbb;padding:.3em .5em;vertical-align:top}"
    "table.rec tr:first-child th{background:#e8f0f8}table.rec th[scope=row]{background:#f6f6f6;text-align:left}"
    "p.rule{font-size:.85em;color:#555}figure.fig{margin:1.5em 0}figure.fig svg{width:100%;height:auto}"
    "figcaption{font-size:.9em;color:#333}nav ul{columns:2}div.missing{background:#fff4e5;border:1px solid #f0b35b;"
    "padding:.5em 1em}code{background:#f2f2f2;padding:0 .2em}table.prov td,table.prov th{border:1px solid #ccc;"
    "padding:.2em .5em;font-size:.85em;text-align:left}table.prov{border-collapse:collapse}";

int report_write(const char *const *dbs, size_t n_dbs, const struct report_opts *o, char *err, size_t errlen)
{
    struct report *r = calloc(1, sizeof *r);
    if (!r) { snprintf(err, errlen, "out of memory"); return -1; }
    int rc = -1;
    char *body = NULL;
    size_t body_len = 0;
    FILE *page = NULL;
    char path[1100], tmp_path[1200];
    /* A directory made here is removed again when no report comes of it (rmdir: only if empty). */
    int made_dir = mkdir(o->out_dir, 0755) == 0;
    if (!made_dir && errno != EEXIST) {
        snprintf(err, errlen, "--out %s: %s", o->out_dir, strerror(errno));
        free(r);
        return 2;
    }
    const char *td = getenv("TMPDIR");
    snprintf(r->tmpdir, sizeof r->tmpdir, "%s/ratelab-report-XXXXXX", td && *td ? td : "/tmp");
    if (!mkdtemp(r->tmpdir)) { snprintf(err, errlen, "cannot create a temp dir: %s", strerror(errno)); r->tmpdir[0] = 0; goto out; }
    if (!(r->body = open_memstream(&body, &body_len))) { snprintf(err, errlen, "out of memory"); goto out; }
    r->err = err;
    r->errlen = errlen;
    int src = report_sections(r, dbs, n_dbs, o);
    fclose(r->body);
    r->body = NULL;
    if (src != 0) { rc = src; goto out; }
    if (r->n_figures == 0 && r->n_tables == 0) {
        snprintf(err, errlen, "no database holds a sweep the report draws or a table it computes (see the lines above)");
        rc = 1;
        goto out;
    }
    snprintf(path, sizeof path, "%s/report.html", o->out_dir);
    snprintf(tmp_path, sizeof tmp_path, "%s.tmp", path);
    if (!(page = fopen(tmp_path, "w"))) { snprintf(err, errlen, "%s: %s", tmp_path, strerror(errno)); rc = 2; goto out; }
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>", page);
    html_text(page, o->title);
    fprintf(page, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
    html_text(page, o->title);
    fputs("</h1>\n<nav><ul>\n", page);
    for (size_t i = 0; i < r->n_toc; i++) {
        if (r->toc[i].level > 2) continue;
        fprintf(page, "<li><a href=\"#%s\">", r->toc[i].id);
        html_text(page, r->toc[i].text);
        fputs("</a></li>\n", page);
    }
    fputs("</ul></nav>\n", page);
    if (r->n_missing) {
        fprintf(page, "<div class=\"missing\"><b>Not in this report</b> (%zu item%s the databases do not allow):<ul>\n",
                r->n_missing, r->n_missing == 1 ? "" : "s");
        for (size_t i = 0; i < r->n_missing; i++) {
            fputs("<li>", page);
            html_text(page, r->missing[i].what);
            fputs(": ", page);
            html_text(page, r->missing[i].why);
            fputs("</li>\n", page);
        }
        fputs("</ul></div>\n", page);
    }
    fwrite(body, 1, body_len, page);
    fputs("</body>\n</html>\n", page);
    if (fclose(page) != 0) { page = NULL; snprintf(err, errlen, "%s: write failed", tmp_path); goto out; }
    page = NULL;
    if (rename(tmp_path, path) != 0) { snprintf(err, errlen, "%s: %s", path, strerror(errno)); goto out; }
    printf("report: %s: %zu figures, %zu tables%s\n", path, r->n_figures, r->n_tables,
           r->n_missing ? " (some items not drawn: see the page's list)" : "");
    rc = 0;
out:
    if (r->body) fclose(r->body);
    if (page) { fclose(page); unlink(tmp_path); }
    free(body);
    if (r->tmpdir[0]) rmdir(r->tmpdir);
    if (rc != 0 && made_dir) rmdir(o->out_dir);
    free(r);
    return rc;
}
