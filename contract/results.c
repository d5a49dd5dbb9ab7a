/* Growable result tables.
 * Appends are amortised O(1); names are copied so callers may pass temporaries. */
#include "results.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void result_init(struct run_result *r) { memset(r, 0, sizeof *r); }

void result_free(struct run_result *r)
{
    free(r->metric); free(r->row); free(r->row_text); free(r->series_name); free(r->series_detail); free(r->point);
    memset(r, 0, sizeof *r);
}

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return p;
    size_t c = *cap ? *cap : 16;
    while (c < need) c *= 2;
    void *q = realloc(p, c * elem);
    if (!q) { perror("results"); exit(1); }
    *cap = c;
    return q;
}

static void copy_name(char *dst, const char *src, size_t len)
{
    if (strlen(src) >= len) { fprintf(stderr, "internal: result name too long: %s\n", src); abort(); }
    strcpy(dst, src);
}

void result_metric(struct run_result *r, const char *name, double value)
{
    r->metric = grow(r->metric, &r->cap_metric, r->n_metric + 1, sizeof *r->metric);
    struct result_metric *m = &r->metric[r->n_metric++];
    copy_name(m->name, name, sizeof m->name);
    m->value = value;
}

/* The index of text in row_text, added if new.  Experiments write a dozen kinds and names at
 * most (never one per entity), so a scan costs a few compares. */
static uint32_t row_text_id(struct run_result *r, const char *text, size_t len)
{
    for (size_t i = r->n_row_text; i-- > 0;)
        if (!strcmp(r->row_text[i], text)) return (uint32_t)i;
    r->row_text = grow(r->row_text, &r->cap_row_text, r->n_row_text + 1, sizeof *r->row_text);
    char *w = r->row_text[r->n_row_text];
    memset(w, 0, sizeof *r->row_text);   /* the table goes whole over the sweep pool's pipe */
    copy_name(w, text, len);
    return (uint32_t)r->n_row_text++;
}

void result_row(struct run_result *r, const char *kind, int32_t entity, const char *name, double value)
{
    uint32_t k = row_text_id(r, kind, RESULT_KIND_LEN), n = row_text_id(r, name, RESULT_NAME_LEN);
    r->row = grow(r->row, &r->cap_row, r->n_row + 1, sizeof *r->row);
    r->row[r->n_row++] = (struct result_row){ .kind = k, .name = n, .entity = entity, .value = value };
}

const char *const result_series_names[] = { "summary", "none", "all", NULL };

int result_series_parse(const char *text, enum result_series *out)
{
    for (int i = 0; result_series_names[i]; i++)
        if (!strcmp(text, result_series_names[i])) { *out = (enum result_series)i; return 0; }
    return -1;
}

static uint32_t intern_series(struct run_result *r, const char *name, uint8_t detail)
{
    for (size_t i = 0; i < r->n_series; i++)
        if (!strcmp(r->series_name[i], name)) return (uint32_t)i;
    size_t cap = r->cap_series;
    r->series_name = grow(r->series_name, &r->cap_series, r->n_series + 1, sizeof *r->series_name);
    if (r->cap_series != cap || !r->series_detail) {
        uint8_t *d = realloc(r->series_detail, r->cap_series);
        if (!d) { perror("results"); exit(1); }
        r->series_detail = d;
    }
    copy_name(r->series_name[r->n_series], name, RESULT_NAME_LEN);
    r->series_detail[r->n_series] = detail;
    return (uint32_t)r->n_series++;
}

uint32_t result_series_id(struct run_result *r, const char *name) { return intern_series(r, name, 0); }
uint32_t result_series_detail_id(struct run_result *r, const char *name) { return intern_series(r, name, 1); }

void result_point(struct run_result *r, uint32_t series, int32_t entity, double t, double value)
{
    if (!result_series_kept(r, series)) return;
    r->point = grow(r->point, &r->cap_point, r->n_point + 1, sizeof *r->point);
    r->point[r->n_point++] = (struct result_point){ series, entity, t, value };
}

double result_get(const struct run_result *r, const char *name)
{
    for (size_t i = 0; i < r->n_metric; i++)
        if (!strcmp(r->metric[i].name, name)) return r->metric[i].value;
    return NAN;
}

int result_invariant_failure(const struct run_result *r, char *why, size_t len)
{
    double ok = result_get(r, "conservation_ok");
    if (isnan(ok) || ok != 0) return 0;
    double imbalance = result_get(r, "conservation_imbalance_bytes");
    snprintf(why, len, "byte conservation violated: %.0f bytes unaccounted for (injected - delivered - dropped - in "
             "flight)%s", isnan(imbalance) ? 0.0 : imbalance,
             imbalance == 0 ? "; the experiment's own stream checks failed" : "");
    return 1;
}

void result_ack_metrics(struct run_result *r, const char *dir, double rcv_acks, double rcv_data_segs,
                        double snd_data_segs, double snd_acks_in)
{
    static const char *const what[] = { "rcv_acks", "rcv_data_segs", "snd_data_segs", "acks_lost", "acks_per_seg" };
    const double v[] = { rcv_acks, rcv_data_segs, snd_data_segs, rcv_acks - snd_acks_in,
                         rcv_data_segs > 0 ? rcv_acks / rcv_data_segs : 0.0 };
    char name[RESULT_NAME_LEN];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        snprintf(name, sizeof name, "%s_%s", dir, what[i]);
        result_metric(r, name, v[i]);
    }
}
