/* What the report shows, in order: the answers (recommendation tables), then per experiment the
 * figures that decide with captions saying what each decides, then how every number was made.
 * Each section appears when a database holds the sweep it needs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"
#include "report_int.h"

#define MAX_LIST 64
#define MAX_TABLES 64

typedef char item_t[256];

/* A database error ends the report with it (r->failed), never an empty section. */
static sqlite3_stmt *sql_start(struct report *r, sqlite3 *db, const char *sql, const char *a1, const char *a2)
{
    sqlite3_stmt *st;
    if (r->failed || db_prepare(db, sql, &st, NULL, r->err, r->errlen) != 0) { r->failed = 1; return NULL; }
    if (a1) sqlite3_bind_text(st, 1, a1, -1, SQLITE_STATIC);
    if (a2) sqlite3_bind_text(st, 2, a2, -1, SQLITE_STATIC);
    return st;
}

/* The first column of every row of a query with up to two text arguments. */
static size_t sql_list(struct report *r, sqlite3 *db, const char *sql, const char *a1, const char *a2, item_t *out, size_t max)
{
    sqlite3_stmt *st = sql_start(r, db, sql, a1, a2);
    size_t n = 0;
    int k;
    if (!st) return 0;
    while (n < max && (k = db_step(st, NULL, r->err, r->errlen)) == 1) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(out[n++], sizeof out[0], "%s", t ? t : "NULL");
    }
    if (n < max && k < 0) r->failed = 1;
    sqlite3_finalize(st);
    return r->failed ? 0 : n;
}

static double sql_num(struct report *r, sqlite3 *db, const char *sql, const char *a1, const char *a2)
{
    sqlite3_stmt *st = sql_start(r, db, sql, a1, a2);
    double v = NAN;
    if (!st) return v;
    int k = db_step(st, NULL, r->err, r->errlen);
    if (k < 0) r->failed = 1;
    if (k == 1 && sqlite3_column_type(st, 0) != SQLITE_NULL) v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void fig_base(struct fig_opts *fo, const char *db, const char *where)
{
    memset(fo, 0, sizeof *fo);
    fo->db_path = db;
    fo->where = where;
}

struct found { const char *db; struct rec_table t; };

/* ---------------------------------------------------------------- experiment A: which marks */

/* A row label of a recommendation table ("scenario k=v k=v") as a --where selecting its points;
 * values that are not numbers are quoted as enum names. */
static void row_where(const char *label, char *buf, size_t len)
{
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s", label);
    size_t o = 0;
    int first = 1;
    for (char *save = NULL, *tok = strtok_r(tmp, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        if (first) { o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "scenario == '%s'", tok); first = 0; continue; }
        if (!eq) continue;
        *eq = 0;
        char *end;
        strtod(eq + 1, &end);
        int num = *end == 0 && eq[1];
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, " && %s == %s%s%s", tok, num ? "" : "'", eq + 1, num ? "" : "'");
    }
}

static void section_marks(struct report *r, const char *db_path, const struct rec_table *t, const struct report_opts *o)
{
    const char *qm = o->rec.quality ? o->rec.quality : "unchoke_overlap";
    for (size_t row = 1; row < t->n_rows; row++) {
        const char *label = t->cell[row * t->n_cols].text;
        char where[1024], cap[2048], id[64], sel[1200];
        row_where(label, where, sizeof where);
        snprintf(sel, sizeof sel, "%s && policy == 'hysteresis'", where);
        snprintf(id, sizeof id, "marks-%zu", row);
        report_heading(r, 3, id, "Swarm profile %s", label);
        struct fig_opts fo;
        fig_base(&fo, db_path, sel);
        fo.y = qm;
        snprintf(cap, sizeof cap,
                 "Decides whether the marks matter in %.300s: for every (hi_mark, lo_mark) pair, its %s minus that of "
                 "etorrent's 16000/4000 on the same seeds, mean and 95 %% CI of the paired difference.  Red points differ "
                 "from 16000/4000 (the CI excludes 0); blue ones cannot be told apart from it with these seeds.",
                 label, qm);
        report_figure(r, "marks_paired", &fo, cap);
        fig_base(&fo, db_path, sel);
        fo.x = "cpu_us_per_s";
        fo.y = qm;
        fo.label = "hi_mark,lo_mark";
        fo.chosen = "hi_mark == 16000 && lo_mark == 4000";
        snprintf(cap, sizeof cap,
                 "Decides which marks at which CPU cost in %.300s: modelled receive-path CPU against %s per (hi_mark, "
                 "lo_mark), means over seeds; the Pareto front is joined and labelled hi/lo, etorrent's 16000/4000 circled.  "
                 "A pair off the front buys nothing its front neighbour does not; the table picks the cheapest front "
                 "pair not significantly worse than the best within the CPU budget.", label, qm);
        report_figure(r, "pareto", &fo, cap);
    }
}

/* ---------------------------------------------------------------- experiment B: which limit */

/* What a line scenario is: its rates and framing, from the parameters of its first run. */
static void line_of(struct report *r, sqlite3 *db, const char *scenario, char *line, size_t len)
{
    item_t v[1];
    line[0] = 0;
    if (sql_list(r, db, "SELECT group_concat(p.key || '=' || p.text, ' ') FROM (SELECT min(id) AS id FROM runs WHERE scenario = ?1) r"
                     " JOIN params p ON p.run_id = r.id WHERE p.key IN ('down_kbps', 'up_kbps', 'framing')", scenario, NULL, v, 1))
        snprintf(line, len, "%s", v[0]);
}

/* Under the limit table: which line each row's scenario is, so the table reads without the scenario files. */
static void line_legend(struct report *r, sqlite3 *db)
{
    item_t scn[MAX_LIST];
    size_t n = sql_list(r, db, "SELECT DISTINCT scenario FROM runs WHERE experiment = 'xtreme' ORDER BY 1", NULL, NULL, scn, MAX_LIST);
    if (n == 0) return;
    fputs("<p class=\"rule\">Lines: ", r->body);
    for (size_t i = 0; i < n; i++) {
        char line[256];
        line_of(r, db, scn[i], line, sizeof line);
        fprintf(r->body, "%s<code>", i ? "; " : "");
        html_text(r->body, scn[i]);
        fputs("</code> ", r->body);
        html_text(r->body, line);
    }
    fputs(".</p>\n", r->body);
}

static void section_limit(struct report *r, const char *db_path, sqlite3 *db, const struct report_opts *o)
{
    item_t scn[MAX_LIST];
    size_t n = sql_list(r, db, "SELECT DISTINCT scenario FROM runs WHERE experiment = 'xtreme' ORDER BY 1", NULL, NULL, scn, MAX_LIST);
    for (size_t i = 0; i < n; i++) {
        item_t fifo[MAX_LIST];
        size_t nf = sql_list(r, db, "SELECT DISTINCT p.text FROM runs r JOIN params p ON p.run_id = r.id WHERE r.scenario = ?1"
                                 " AND p.key = 'modem_queue_pkts' ORDER BY p.num", scn[i], NULL, fifo, MAX_LIST);
        if (nf == 0) continue;
        const char *f = fifo[nf / 2];          /* the middle FIFO length; the table covers every one */
        char line[256];
        line_of(r, db, scn[i], line, sizeof line);
        double solo = sql_num(r, db, "SELECT avg(m.value) FROM runs r JOIN metrics m ON m.run_id = r.id"
                                  " JOIN params q ON q.run_id = r.id AND q.key = 'modem_queue_pkts' AND q.text = ?2"
                                  " JOIN params s ON s.run_id = r.id AND s.key = 'dl_never_frac' AND s.num >= 1"
                                  " WHERE r.scenario = ?1 AND m.name = 'down_goodput_kbps'", scn[i], f);
        char id[64], where[512], cap[2048], hl[128];
        snprintf(id, sizeof id, "limit-%zu", i);
        report_heading(r, 3, id, "Line %s (%s), FIFO %s packets", scn[i], line, f);
        snprintf(where, sizeof where, "scenario == '%s' && modem_queue_pkts == %s && dl_never_frac < 1", scn[i], f);
        snprintf(hl, sizeof hl, "%.0f %% of the solo download (%.0f kbit/s)", 100 * o->rec.keep_share, o->rec.keep_share * solo);
        struct fig_opts fo;
        fig_base(&fo, db_path, where);
        if (isfinite(solo)) { fo.hline = o->rec.keep_share * solo; fo.hline_label = hl; }
        snprintf(cap, sizeof cap,
                 "Decides which policy on %s: download goodput against the upload goodput each policy delivers, along the "
                 "limit (labels: %% of the line's upstream).  At the same upload the higher curve keeps more download; "
                 "comparing at the same configured limit would mix the policy with what its limit counts.  Dotted: %.0f %% "
                 "of the download without upload; where a curve crosses it is that policy's highest safe limit (table).",
                 scn[i], 100 * o->rec.keep_share);
        report_figure(r, "tradeoff", &fo, cap);
        fig_base(&fo, db_path, where);
        if (isfinite(solo)) { fo.hline = o->rec.keep_share * solo; fo.hline_label = hl; }
        snprintf(cap, sizeof cap,
                 "Decides which limit to type in on %s: download goodput against the configured limit in %% of the line's "
                 "upstream, per policy (mean and 95 %% CI over seeds).  The dashed grey line is the official client's 80 %% "
                 "rule of thumb; the dotted red one %.0f %% of the solo download.", scn[i], 100 * o->rec.keep_share);
        report_figure(r, "limit_goodput", &fo, cap);
        fig_base(&fo, db_path, where);
        snprintf(cap, sizeof cap,
                 "Decides what the upload costs a call on %s: the 95th percentile of the VoIP one-way delay against the "
                 "upload goodput per policy, along the limit in %% of the line.  A policy that sees the VoIP bytes (NAFC) "
                 "keeps the delay down at the same upload.", scn[i]);
        report_figure(r, "voip_tradeoff", &fo, cap);
    }
}

static void section_slots(struct report *r, const char *db_path, sqlite3 *db)
{
    item_t scn[MAX_LIST];
    size_t n = sql_list(r, db, "SELECT DISTINCT scenario FROM runs WHERE experiment = 'xtreme' ORDER BY 1", NULL, NULL, scn, MAX_LIST);
    for (size_t i = 0; i < n; i++) {
        char where[1024], cap[2048];
        snprintf(where, sizeof where, "scenario == '%.200s' && dl_never_frac < 1", scn[i]);
        struct fig_opts fo;
        fig_base(&fo, db_path, where);
        fo.x = "slot_speed_kBps";
        fo.y = "slot_speed_err";
        fo.hline = 0.25;
        fo.hline_label = "25 % tolerance";
        snprintf(cap, sizeof cap,
                 "Decides the slot speed on %.200s: how far the Full slots run from the target slot speed (mean relative error, "
                 "95 %% CI over seeds) against the target.  Above the dotted 25 %% line Xtreme keeps promoting and opening "
                 "slots: the target is not achievable for these downloaders.", scn[i]);
        report_figure(r, "line", &fo, cap);
    }
}

static void section_asym(struct report *r, const char *db_path, sqlite3 *db)
{
    double up = sql_num(r, db, "SELECT count(DISTINCT r.point) FROM runs r JOIN params p ON p.run_id = r.id"
                            " WHERE r.experiment = 'asym_link' AND p.key = 'up_limit_kbps' AND p.num > 0", NULL, NULL);
    if (!(up >= 2)) return;
    report_heading(r, 2, "asym", "A plain TCP upload against a download (asym_link)");
    struct fig_opts fo;
    fig_base(&fo, db_path, "experiment == 'asym_link' && up_limit_kbps > 0");
    fo.x = "limit_pct_line";
    fo.y = "down_goodput_kbps";
    fo.by = "modem_queue_pkts";
    report_figure(r, "line", &fo,
                  "Decides how far below the line rate a rate-limited TCP upload must stay, per modem FIFO length: download "
                  "goodput against the upload's limit in % of the line's upstream (mean and 95 % CI over seeds).  The "
                  "upload's ACK-clocked packets share the FIFO with the download's ACKs, so the FIFO length moves the answer.");
}

/* ---------------------------------------------------------------- sensitivity */

static void report_sensitivity(struct report *r, const char *db_path, sqlite3 *db)
{
    item_t studies[MAX_LIST];
    size_t n = sql_list(r, db, "SELECT DISTINCT study FROM sensitivity ORDER BY study", NULL, NULL, studies, MAX_LIST);
    for (size_t i = 0; i < n; i++) {
        if (r->n_sens++ == 0) {
            report_heading(r, 2, "sensitivity", "What moves the answers (sensitivity)");
            report_para(r, "Each study varies several scenario keys over the ranges named on the bars (ratelab sensitivity).  "
                           "A key whose bar is not clearly above the (seed) bar moves the metric no more than a different "
                           "seed does: within its range it does not matter for the decision.");
        }
        item_t v[4];
        char cap[1536];
        size_t got = sql_list(r, db, "SELECT method || ' ' || metric || ' in ' || scenario || ' (' || max(n) || ' effects per key)'"
                                  " FROM sensitivity WHERE study = ?1", studies[i], NULL, v, 1);
        snprintf(cap, sizeof cap,
                 "Decides which line or swarm properties the answer depends on: %.250s.  Morris: mu* is the mean absolute change "
                 "of the metric when a key moves over its whole range with everything else fixed (same seed), sigma its spread "
                 "(interactions, non-linearity); Sobol: the share of the metric's variance a key explains alone (S1) and with "
                 "its interactions (ST).  Study: %.250s", got ? v[0] : "", studies[i]);
        struct fig_opts fo;
        fig_base(&fo, db_path, NULL);
        fo.study = studies[i];
        report_figure(r, "sensitivity", &fo, cap);
    }
}

/* ---------------------------------------------------------------- provenance */

static void provenance(struct report *r, const char *db_path, sqlite3 *db)
{
    FILE *f = r->body;
    fputs("<h3>", f);
    html_text(f, db_path);
    fputs("</h3>\n<table class=\"prov\"><tr><th>scenario</th><th>experiment</th><th>code version</th><th>points</th>"
          "<th>runs</th><th>seeds</th><th>engine</th><th>first run (UTC)</th><th>last run</th><th>failed runs (left out)</th></tr>\n", f);
    /* The engine is recorded where the results carry it (a runs column or an `engine` parameter). */
    int has_col = sql_num(r, db, "SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'engine'", NULL, NULL) > 0;
    char sql[1400];
    snprintf(sql, sizeof sql,
             "SELECT r.scenario, r.experiment, r.code_version, count(DISTINCT r.point), count(*), min(r.seed), max(r.seed),"
             " count(DISTINCT r.seed), %s, min(r.started), max(r.finished), sum(r.failure IS NOT NULL)"
             " FROM runs r GROUP BY r.scenario, r.experiment, r.code_version ORDER BY 1, 3",
             has_col ? "group_concat(DISTINCT r.engine)"
                     : "coalesce((SELECT group_concat(DISTINCT p.text) FROM params p JOIN runs q ON q.id = p.run_id"
                       " WHERE p.key = 'engine' AND q.scenario = r.scenario), 'sim (not recorded)')");
    sqlite3_stmt *st = sql_start(r, db, sql, NULL, NULL);
    int k0 = 0;
    if (st) {
        while ((k0 = db_step(st, NULL, r->err, r->errlen)) == 1) {
            fputs("<tr>", f);
            for (int k = 0; k < 12; k++) {
                if (k == 6 || k == 7) continue;
                const char *t = (const char *)sqlite3_column_text(st, k);
                fputs("<td>", f);
                if (k == 5) {
                    fprintf(f, "%lld", sqlite3_column_int64(st, 7));
                    fprintf(f, " (%lld–%lld)", sqlite3_column_int64(st, 5), sqlite3_column_int64(st, 6));
                } else html_text(f, t ? t : "");
                fputs("</td>", f);
            }
            fputs("</tr>\n", f);
        }
        if (k0 < 0) r->failed = 1;
    }
    sqlite3_finalize(st);
    fputs("</table>\n", f);
    item_t sweeps[MAX_LIST];
    size_t n = sql_list(r, db, "SELECT sweep_key FROM sweeps ORDER BY created", NULL, NULL, sweeps, MAX_LIST);
    if (n) {
        fputs("<p>Sweeps (re-run any of them with <code>ratelab sweep scenarios/SCENARIO.ini</code> and these flags):</p><ul>\n", f);
        for (size_t i = 0; i < n; i++) { fputs("<li><code>", f); html_text(f, sweeps[i]); fputs("</code></li>\n", f); }
        fputs("</ul>\n", f);
    }
}

int report_sections(struct report *r, const char *const *dbs, size_t n_dbs, const struct report_opts *o)
{
    struct found *tabs = calloc(MAX_TABLES, sizeof *tabs);
    sqlite3 **h = calloc(n_dbs ? n_dbs : 1, sizeof *h);
    size_t n_tabs = 0;
    int rc = 0;
    if (!tabs || !h) { snprintf(r->err, r->errlen, "out of memory"); free(tabs); free(h); return -1; }
    for (size_t d = 0; d < n_dbs; d++) {
        size_t n = 0;
        char err[1024];
        int x = recommend_all(dbs[d], &o->rec, &tabs[n_tabs].t, MAX_TABLES - n_tabs, &n, err, sizeof err, NULL);
        if (x < 0) { snprintf(r->err, r->errlen, "%s", err); rc = x == -2 ? 2 : -1; goto out; }
        /* recommend_all opened it with DB_READ first (a damaged file is -2 above), so its
         * integrity check, which reads every page, need not run a second time. */
        if (!(h[d] = db_open(dbs[d], DB_READ_UNCHECKED, r->err, r->errlen))) { rc = 2; goto out; }
        for (size_t k = 0; k < n; k++) tabs[n_tabs + k].db = dbs[d];
        n_tabs += n;
    }

    report_heading(r, 2, "answers", "The answers");
    if (n_tabs == 0) report_para(r, "No database holds a sweep a recommendation table needs.");
    else report_para(r, "Each table is computed by ratelab from the runs of the database named under it, with 95 %% confidence "
                        "intervals over seeds; the rule under each table says how.  The sections below show the figures "
                        "the answers come from.");
    /* The answers in the order of the questions: marks, limit, slot speed. */
    static const char *const order[] = { "marks", "limit", "slot_speed" };
    for (size_t oi = 0; oi < 3; oi++)
    for (size_t k = 0; k < n_tabs; k++) {
        if (strcmp(tabs[k].t.tbl, order[oi])) continue;
        report_table(r, &tabs[k].t);
        fprintf(r->body, "<p class=\"rule\">From <code>");
        html_text(r->body, tabs[k].db);
        fprintf(r->body, "</code>, code version <code>");
        html_text(r->body, tabs[k].t.code_version);
        fputs("</code>.</p>\n", r->body);
        if (!strcmp(order[oi], "limit"))
            for (size_t d = 0; d < n_dbs; d++) if (tabs[k].db == dbs[d]) line_legend(r, h[d]);
    }

    int said_a = 0, said_b = 0, said_s = 0;
    for (size_t d = 0; d < n_dbs; d++)
        for (size_t k = 0; k < n_tabs; k++) {
            if (tabs[k].db != dbs[d]) continue;
            if (!strcmp(tabs[k].t.tbl, "marks")) {
                if (!said_a++) {
                    report_heading(r, 2, "exp-a", "Which hi/lo marks (experiment A: etorrent's dynamic sockets)");
                    report_para(r, "Marks only matter where the rate at the unchoke boundary falls between lo_mark and "
                                   "hi_mark: there the precise mode's extra samples can change who is unchoked.  Each "
                                   "profile below is a swarm where that can happen.");
                }
                section_marks(r, dbs[d], &tabs[k].t, o);
            } else if (!strcmp(tabs[k].t.tbl, "limit")) {
                if (!said_b++) {
                    report_heading(r, 2, "exp-b", "Which upload limit (experiment B: eMule's upload control)");
                    report_para(r, "Per line type at the middle FIFO length swept (the table covers every FIFO length).  "
                                   "Solo = the same line and traffic without eMule's upload.");
                }
                section_limit(r, dbs[d], h[d], o);
            } else if (!strcmp(tabs[k].t.tbl, "slot_speed")) {
                if (!said_s++) report_heading(r, 2, "slots", "Which slot speed (experiment B: Xtreme's slots)");
                section_slots(r, dbs[d], h[d]);
            }
        }
    for (size_t d = 0; d < n_dbs; d++) section_asym(r, dbs[d], h[d]);
    for (size_t d = 0; d < n_dbs; d++) report_sensitivity(r, dbs[d], h[d]);

    if (r->failed) { rc = -1; goto out; }
    report_heading(r, 2, "provenance", "How these numbers were made");
    report_para(r, "Every run is determined by its scenario, parameters and seed (and engine); the databases below hold "
                   "each run's complete parameters, so any number here can be re-run.  Report written by ratelab %s.%s%s",
                o->version ? o->version : "?", o->command ? "  Command: " : "", o->command ? o->command : "");
    for (size_t d = 0; d < n_dbs; d++) provenance(r, dbs[d], h[d]);
    if (r->failed) rc = -1;
out:
    for (size_t k = 0; k < n_tabs; k++) rec_table_free(&tabs[k].t);
    for (size_t d = 0; d < n_dbs; d++) if (h[d]) db_close(h[d]);
    free(tabs);
    free(h);
    return rc;
}
