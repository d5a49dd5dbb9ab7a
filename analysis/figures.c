/* The figure registry: generic figures (line, heatmap, pareto, upload_stack, slots) and the
 * decision figures as presets of them with the experiments' keys and metrics filled in. */
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "db_sweeps.h"
#include "fig_internal.h"

enum kind { K_LINE, K_HEATMAP, K_PARETO, K_UPLOAD, K_SLOTS, K_XY, K_PAIRED, K_SENS };

struct fig_def {
    struct figure pub;
    enum kind     kind;
    const char   *x, *y, *z, *by, *label, *chosen;   /* defaults; options override (K_PAIRED: chosen = --ref) */
    int           mark_80;
};

/* etorrent's chosen marks: ENTER_FAST 16000 B/s, ENTER_SLOW 4000 B/s (etorrent.md section 3). */
#define ETORRENT_CHOSEN "hi_mark == 16000 && lo_mark == 4000"

static const struct fig_def defs[] = {
    { { "line", "--x KEY --y METRIC [--by KEY]",
        "a metric against one swept key, one line per value of --by, 95 % CI bars across seeds" },
      K_LINE, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
    { { "heatmap", "--x KEY --y KEY --z METRIC", "a metric's mean over the grid of two swept keys" },
      K_HEATMAP, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
    { { "pareto", "--x METRIC --y METRIC [--label KEY,KEY] [--chosen EXPR]",
        "two metrics per parameter point, the Pareto front labelled, the chosen point(s) marked" },
      K_PARETO, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
    { { "cpu_heatmap", "[--x hi_mark --y lo_mark --z cpu_us_per_s]",
        "etorrent: modelled receive-path CPU over the (hi_mark, lo_mark) grid" },
      K_HEATMAP, "hi_mark", "lo_mark", "cpu_us_per_s", NULL, NULL, NULL, 0 },
    { { "err_heatmap", "[--x hi_mark --y lo_mark --z rate_err_mare]",
        "etorrent: rate-estimate error over the (hi_mark, lo_mark) grid" },
      K_HEATMAP, "hi_mark", "lo_mark", "rate_err_mare", NULL, NULL, NULL, 0 },
    { { "cpu_err_pareto", "[--x cpu_us_per_s --y rate_err_mare --label hi_mark,lo_mark --chosen EXPR]",
        "etorrent: CPU against rate error per (hi_mark, lo_mark), front labelled, etorrent's 16000/4000 marked" },
      K_PARETO, "cpu_us_per_s", "rate_err_mare", NULL, NULL, "hi_mark,lo_mark", ETORRENT_CHOSEN, 0 },
    { { "upload_stack", "[--run ID]",
        "one run's uplink per second stacked: data, control, TCP/IP headers, ACKs, cross-traffic vs capacity and limit" },
      K_UPLOAD, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
    { { "slots", "[--run ID]", "xtreme: Full / Trickle slot counts over time, per-slot speed against the target" },
      K_SLOTS, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
    { { "limit_goodput", "[--x upload_limit_kBps --y down_goodput_kbps --by upload_policy]",
        "xtreme: download goodput against the upload limit per policy (official 80 % rule, xtreme, nafc)" },
      K_LINE, "limit_pct_line", "down_goodput_kbps", NULL, "upload_policy", NULL, NULL, 1 },
    { { "xy", "--x METRIC --y METRIC [--label KEY] [--by KEY]",
        "one metric against another per point (95 % CI both ways), a line per --by value joined in --label order" },
      K_XY, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
    { { "paired", "--y METRIC --label KEY,KEY --ref EXPR",
        "each setting (--label keys) minus the --ref setting on the same seeds: mean and 95 % CI of the paired difference" },
      K_PAIRED, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
    { { "sensitivity", "[--study STUDY]",
        "a sensitivity study (ratelab sensitivity): Morris mu* and sigma or Sobol S1 and ST per key, with 95 % intervals" },
      K_SENS, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
    { { "tradeoff", "[--x up_goodput_kbps --y down_goodput_kbps --label limit_pct_line --by upload_policy]",
        "xtreme: download against upload goodput per policy, along the limit in % of the line: the trade-off frontier" },
      K_XY, "up_goodput_kbps", "down_goodput_kbps", NULL, "upload_policy", "limit_pct_line", NULL, 0 },
    { { "voip_tradeoff", "[--x up_goodput_kbps --y voip_delay_ms_p95 --label limit_pct_line --by upload_policy]",
        "xtreme: VoIP delay (95th percentile) against upload goodput per policy, along the limit in % of the line" },
      K_XY, "up_goodput_kbps", "voip_delay_ms_p95", NULL, "upload_policy", "limit_pct_line", NULL, 0 },
    { { "marks_paired", "[--y unchoke_overlap --label hi_mark,lo_mark --ref EXPR]",
        "etorrent: each (hi_mark, lo_mark) minus etorrent's 16000/4000 on the same seeds, with 95 % CI" },
      K_PAIRED, NULL, "unchoke_overlap", NULL, NULL, "hi_mark,lo_mark", ETORRENT_CHOSEN, 0 },
};
#define N_DEFS (sizeof defs / sizeof defs[0])

const struct figure *figure_list(size_t *n)
{
    static struct figure pub[N_DEFS];
    for (size_t i = 0; i < N_DEFS; i++) pub[i] = defs[i].pub;
    *n = N_DEFS;
    return pub;
}

static const char *pick(const char *opt, const char *def) { return opt ? opt : def; }

/* FILE.png/.svg: --out without its extension, else next to the database. */
static void out_base(struct fig_ctx *c, const struct fig_opts *o, const char *stem)
{
    if (o->out) {
        snprintf(c->out_base, sizeof c->out_base, "%s", o->out);
        size_t l = strlen(c->out_base);
        if (l > 4 && (!strcmp(c->out_base + l - 4, ".png") || !strcmp(c->out_base + l - 4, ".svg")))
            c->out_base[l - 4] = 0;
        return;
    }
    const char *slash = strrchr(o->db_path, '/');
    int dl = slash ? (int)(slash - o->db_path) : 1;
    snprintf(c->out_base, sizeof c->out_base, "%.*s/%s", dl, slash ? o->db_path : ".", stem);
}

/* A figure of an incomplete sweep is drawn, but says so: which sweeps of the selected points lack
 * runs, and which shards and points. */
static int note_incomplete(struct fig_ctx *c)
{
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < c->n_pts; i++)
        if (c->pts[i].selected)
            rc = db_sweeps_at_point(c->db, c->pts[i].experiment, c->pts[i].scenario, c->pts[i].code_version,
                                    c->pts[i].point, &ids, &n, &cap, c->err, c->errlen);
    if (rc == 0 && n) rc = db_sweeps_report(c->db, ids, n, DB_REPORT_INCOMPLETE, "ratelab plot: note", stderr,
                                            c->err, c->errlen) < 0 ? -1 : 0;
    free(ids);
    return rc;
}

enum fig_status figure_plot(const char *name, const struct fig_opts *o, char *err, size_t errlen)
{
    const struct fig_def *d = NULL;
    for (size_t i = 0; i < N_DEFS; i++) if (!strcmp(defs[i].pub.name, name)) d = &defs[i];
    if (!d) {
        size_t l = (size_t)snprintf(err, errlen, "unknown figure '%s' (allowed: ", name);
        for (size_t i = 0; i < N_DEFS; i++)
            l += (size_t)snprintf(err + l, l < errlen ? errlen - l : 0, "%s%s", i ? "|" : "", defs[i].pub.name);
        snprintf(err + l, l < errlen ? errlen - l : 0, ")");
        return FIG_BADINPUT;
    }
    const char *x = pick(o->x, d->x), *y = pick(o->y, d->y), *z = pick(o->z, d->z), *by = pick(o->by, d->by);
    const char *missing = NULL;
    if (d->kind == K_LINE && (!x || !y)) missing = !x ? "--x KEY" : "--y METRIC";
    if (d->kind == K_HEATMAP && (!x || !y || !z)) missing = !x ? "--x KEY" : !y ? "--y KEY" : "--z METRIC";
    if ((d->kind == K_PARETO || d->kind == K_XY) && (!x || !y)) missing = !x ? "--x METRIC" : "--y METRIC";
    const char *label = pick(o->label, d->label), *ref = pick(o->ref, d->chosen);
    if (d->kind == K_PAIRED && (!y || !label || !ref)) missing = !y ? "--y METRIC" : !label ? "--label KEY,KEY" : "--ref EXPR";
    if (missing) { snprintf(err, errlen, "figure %s needs %s", name, missing); return FIG_BADINPUT; }

    struct fig_ctx c;
    memset(&c, 0, sizeof c);
    c.err = err;
    c.errlen = errlen;
    c.quiet = o->quiet;
    c.svg_only = o->svg_only;
    if (o->scripts_dir) snprintf(c.scripts, sizeof c.scripts, "%s", o->scripts_dir);
    else if (figure_scripts_dir(c.scripts, sizeof c.scripts, err, errlen) != 0) return FIG_ERROR;
    char stem[512];
    if (d->kind == K_LINE && !d->x)
        snprintf(stem, sizeof stem, "line-%s-vs-%s%s%s", y, x, by ? "-by-" : "", by ? by : "");
    else if (d->kind == K_HEATMAP && !d->z) snprintf(stem, sizeof stem, "heatmap-%s", z);
    else if (d->kind == K_PARETO && !d->x) snprintf(stem, sizeof stem, "pareto-%s-%s", x, y);
    else if (d->kind == K_XY && !d->x) snprintf(stem, sizeof stem, "xy-%s-%s", y, x);
    else if (d->kind == K_PAIRED && !d->y) snprintf(stem, sizeof stem, "paired-%s", y);
    else snprintf(stem, sizeof stem, "%s", name);
    out_base(&c, o, stem);

    /* A sensitivity figure reads its table, not the runs' points. */
    int rc = d->kind == K_SENS ? (c.db = db_open(o->db_path, DB_READ, err, errlen)) ? FIG_OK : FIG_BADINPUT
                               : fig_load(&c, o->db_path);
    if (rc == FIG_OK && d->kind != K_SENS) rc = fig_select(&c, o->where);
    if (rc == FIG_OK && d->kind != K_SENS && note_incomplete(&c) != 0) rc = FIG_ERROR;
    if (rc == FIG_OK && fig_workdir(&c) != 0) rc = FIG_ERROR;
    if (rc == FIG_OK) {
        switch (d->kind) {
        case K_LINE:    rc = fig_line(&c, o, x, y, by, d->mark_80); break;
        case K_HEATMAP: rc = fig_heatmap(&c, o, x, y, z); break;
        case K_PARETO:  rc = fig_pareto(&c, o, x, y, label, pick(o->chosen, d->chosen)); break;
        case K_XY:      rc = fig_xy(&c, o, x, y, label, by); break;
        case K_PAIRED:  rc = fig_paired(&c, o, y, label, ref); break;
        case K_SENS:    rc = fig_sensitivity(&c, o); break;
        case K_UPLOAD:  rc = fig_upload_stack(&c, o); break;
        case K_SLOTS:   rc = fig_slots(&c, o); break;
        }
    }
    fig_workdir_remove(&c);
    fig_free(&c);
    return (enum fig_status)rc;
}
