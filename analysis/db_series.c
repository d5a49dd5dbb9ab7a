/* Encoding a run's series for the database: points grouped by series and entity, as JSON text.
 * Runs in the worker processes, so its cost is spread over them instead of the single writer. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "db.h"

void db_series_free(struct db_series_rows *s)
{
    free(s->row);
    free(s->text);
    free(s->order);
    memset(s, 0, sizeof *s);
}

static int text_reserve(struct db_series_rows *s, size_t more)
{
    if (s->text_len + more <= s->text_cap) return 0;
    size_t c = s->text_cap ? s->text_cap : 4096;
    while (c < s->text_len + more) c *= 2;
    char *p = realloc(s->text, c);
    if (!p) return -1;
    s->text = p;
    s->text_cap = c;
    return 0;
}

/* Numbers as JSON text by hand, 12 significant digits: snprintf("%.12g") cost more than the
 * insert of the whole series. */
static size_t put_uint(char *out, unsigned long long u, int min_digits)
{
    char rev[24];
    size_t n = 0, o = 0;
    do { rev[n++] = (char)('0' + u % 10); u /= 10; } while (u || (int)n < min_digits);
    while (n) out[o++] = rev[--n];
    return o;
}

static size_t json_number(char *out, double v)
{
    static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
                                    1e14, 1e15 };
    if (!isfinite(v)) { memcpy(out, "null", 4); return 4; }
    double a = fabs(v);
    size_t o = 0;
    if (a < 1e-4 || a >= 1e15) {
        if (a == 0) { out[0] = '0'; return 1; }
        return (size_t)snprintf(out, 32, "%.12g", v);
    }
    if (v < 0) out[o++] = '-';
    if (a == floor(a)) return o + put_uint(out + o, (unsigned long long)a, 1);
    /* 12 significant digits as a scaled integer, then the decimal point put back in. */
    int d = 11 - (int)floor(log10(a));
    if (d <= 0) return o + put_uint(out + o, (unsigned long long)llround(a), 1);
    if (d > 15) d = 15;
    unsigned long long p10 = (unsigned long long)pow10[d];
    unsigned long long scaled = (unsigned long long)llround(a * pow10[d]);
    unsigned long long ip = scaled / p10, fp = scaled % p10;
    o += put_uint(out + o, ip, 1);
    if (fp) {
        while (fp % 10 == 0) { fp /= 10; d--; }
        out[o++] = '.';
        o += put_uint(out + o, fp, d);
    }
    return o;
}

static const struct run_result *sort_res;
static int by_entity(const void *a, const void *b)
{
    const struct result_point *p = &sort_res->point[*(const size_t *)a], *q = &sort_res->point[*(const size_t *)b];
    if (p->entity != q->entity) return p->entity < q->entity ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;   /* keep emission order */
}

/* Point indexes grouped by series, then entity, each group in emission order: a counting sort on
 * the series id (there are few), a sort by entity only where a series has several. */
static int group_points(struct db_series_rows *s, const struct run_result *res)
{
    size_t n = res->n_point, ns = res->n_series + 1;   /* + 1: ids out of range, dropped later */
    size_t need = n + ns + 1;
    if (need > s->order_cap) {
        size_t *p = realloc(s->order, need * sizeof *p);
        if (!p) return -1;
        s->order = p;
        s->order_cap = need;
    }
    size_t *out = s->order, *start = s->order + n;
    memset(start, 0, (ns + 1) * sizeof *start);
    for (size_t i = 0; i < n; i++) start[res->point[i].series < res->n_series ? res->point[i].series : res->n_series]++;
    for (size_t g = 1; g < ns; g++) start[g] += start[g - 1];
    for (size_t i = n; i-- > 0; ) {
        size_t g = res->point[i].series < res->n_series ? res->point[i].series : res->n_series;
        out[--start[g]] = i;
    }
    /* start[g] is now where group g begins. */
    sort_res = res;
    for (size_t g = 0; g < ns; g++) {
        size_t from = start[g], to = g + 1 < ns ? start[g + 1] : n;
        for (size_t k = from + 1; k < to; k++)
            if (res->point[out[k]].entity != res->point[out[from]].entity) {
                qsort(out + from, to - from, sizeof *out, by_entity);
                break;
            }
    }
    return 0;
}

int db_series_encode(struct db_series_rows *s, const struct run_result *res)
{
    s->n_row = 0;
    s->text_len = 0;
    if (res->n_point == 0) return 0;
    if (group_points(s, res) != 0) return -1;
    for (size_t i = 0; i < res->n_point; ) {
        const struct result_point *first = &res->point[s->order[i]];
        if (s->n_row == s->cap_row) {
            size_t c = s->cap_row ? 2 * s->cap_row : 32;
            struct db_series_row *q = realloc(s->row, c * sizeof *q);
            if (!q) return -1;
            s->row = q;
            s->cap_row = c;
        }
        size_t j = i, off = s->text_len;
        if (text_reserve(s, 2) != 0) return -1;
        s->text[s->text_len++] = '[';
        for (; j < res->n_point; j++) {
            const struct result_point *p = &res->point[s->order[j]];
            if (p->series != first->series || p->entity != first->entity) break;
            if (text_reserve(s, 80) != 0) return -1;
            if (j > i) s->text[s->text_len++] = ',';
            s->text[s->text_len++] = '[';
            s->text_len += json_number(s->text + s->text_len, p->t);
            s->text[s->text_len++] = ',';
            s->text_len += json_number(s->text + s->text_len, p->value);
            s->text[s->text_len++] = ']';
        }
        s->text[s->text_len++] = ']';
        if (s->text_len - off > INT_MAX) return -1;
        s->row[s->n_row++] = (struct db_series_row){ first->series, first->entity, (uint32_t)(j - i),
                                                     (uint32_t)off, (uint32_t)(s->text_len - off) };
        i = j;
    }
    return 0;
}
