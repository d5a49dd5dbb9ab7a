/* Parameter parsing and validation.
 * Every value is range-checked when set, so a run never starts from a half-valid scenario. */
#include "params.h"
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int params_init(struct param_set *ps, const struct param_def *defs, size_t n)
{
    ps->defs = defs;
    ps->n = n;
    ps->val = calloc(n ? n : 1, sizeof *ps->val);
    ps->origin = calloc(n ? n : 1, sizeof *ps->origin);
    if (!ps->val || !ps->origin) return -1;
    char err[256];
    for (size_t i = 0; i < n; i++) {
        if (params_set(ps, defs[i].key, defs[i].def, "default", err, sizeof err) != 0) {
            fprintf(stderr, "internal: bad default: %s\n", err);
            abort();
        }
    }
    return 0;
}

void params_free(struct param_set *ps)
{
    free(ps->val);
    free(ps->origin);
    ps->val = NULL; ps->origin = NULL; ps->n = 0;
}

int params_copy(struct param_set *dst, const struct param_set *src)
{
    if (params_init(dst, src->defs, src->n) != 0) return -1;
    memcpy(dst->val, src->val, src->n * sizeof *src->val);
    memcpy(dst->origin, src->origin, src->n * sizeof *src->origin);
    return 0;
}

int params_index(const struct param_set *ps, const char *key)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->defs[i].key, key) == 0) return (int)i;
    return -1;
}

/* Numbers as people type them and nothing else: an optional '-', decimal digits with an optional
 * fraction and exponent, an optional suffix.  No blanks, '+', hex, inf or nan; integers whose
 * magnitude passes 2^53 must be written as digits and be exactly a double (2^60 is, 2^53 + 1 is
 * not), so a value is never rounded silently. */
int parse_number(const char *text, double *out)
{
    const char *p = text;
    int neg = *p == '-';
    p += neg;
    size_t n_int = 0, n_frac = 0;
    while (isdigit((unsigned char)p[n_int])) n_int++;
    const char *q = p + n_int;
    int integer = 1;
    if (*q == '.') {
        integer = 0;
        q++;
        while (isdigit((unsigned char)q[n_frac])) n_frac++;
        q += n_frac;
    }
    if (n_int + n_frac == 0) return NUM_BAD;
    if (*q == 'e' || *q == 'E') {
        integer = 0;
        q++;
        if (*q == '+' || *q == '-') q++;
        if (!isdigit((unsigned char)*q)) return NUM_BAD;
        while (isdigit((unsigned char)*q)) q++;
    }
    const char *num_end = q;
    uint64_t mult = 1;
    if (*q == 'k' || *q == 'K') mult = 1000;
    else if (*q == 'M') mult = 1000000;
    else if (*q == 'G') mult = 1000000000;
    if (mult != 1 && *++q == 'i') { mult = mult == 1000 ? 1024 : mult == 1000000 ? 1048576 : 1073741824; q++; }
    if (*q) return NUM_BAD;
    char *end;
    double v = strtod(text, &end);
    if (end != num_end || !isfinite(v)) return NUM_BAD;
    if (integer) {
        /* Digits counted exactly, so 2^53 + 1 is refused rather than read as 2^53. */
        uint64_t u = 0;
        for (size_t i = 0; i < n_int; i++) {
            unsigned d = (unsigned)(p[i] - '0');
            if (u > (UINT64_MAX - d) / 10) return NUM_INEXACT;
            u = u * 10 + d;
        }
        if (u > UINT64_MAX / mult) return NUM_INEXACT;
        u *= mult;
        double d = (double)u;
        if (u > EXACT_INT_MAX && (d >= 18446744073709551616.0 || (uint64_t)d != u)) return NUM_INEXACT;
        *out = neg ? -d : d;
        return 0;
    }
    v *= (double)mult;
    if (!isfinite(v)) return NUM_BAD;
    if (fabs(v) > (double)EXACT_INT_MAX) return NUM_INEXACT;
    *out = v;
    return 0;
}

const char *parse_number_error(int code)
{
    return code == NUM_INEXACT ? "is not exactly a double (above 2^53 write integers as digits, and only"
                                 " those a double holds exactly)"
                               : "is not a number (decimal digits, optional fraction, exponent and k/M/G/Ki/Mi/Gi)";
}

static void list_choices(const struct param_def *d, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (size_t k = 0; d->choices && d->choices[k]; k++)
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", k ? "|" : "", d->choices[k]);
}

int params_set(struct param_set *ps, const char *key, const char *text, const char *origin,
               char *err, size_t errlen)
{
    int i = params_index(ps, key);
    if (i < 0) {
        snprintf(err, errlen, "%s: unknown key '%s'", origin, key);
        return -1;
    }
    const struct param_def *d = &ps->defs[i];
    double v = 0;
    switch (d->type) {
    case PT_BOOL:
        if (!strcmp(text, "1") || !strcasecmp(text, "true") || !strcasecmp(text, "yes") || !strcasecmp(text, "on")) v = 1;
        else if (!strcmp(text, "0") || !strcasecmp(text, "false") || !strcasecmp(text, "no") || !strcasecmp(text, "off")) v = 0;
        else { snprintf(err, errlen, "%s: key '%s': '%s' is not a boolean (allowed: 0|1)", origin, key, text); return -1; }
        break;
    case PT_ENUM: {
        int found = -1;
        for (int k = 0; d->choices[k]; k++) if (!strcmp(text, d->choices[k])) found = k;
        if (found < 0) {
            char ch[512]; list_choices(d, ch, sizeof ch);
            snprintf(err, errlen, "%s: key '%s': unknown value '%s' (allowed: %s)", origin, key, text, ch);
            return -1;
        }
        v = found;
        break;
    }
    case PT_INT:
    case PT_DOUBLE: {
        int prc = parse_number(text, &v);
        if (prc != 0) {
            snprintf(err, errlen, "%s: key '%s': '%s' %s", origin, key, text, parse_number_error(prc));
            return -1;
        }
        if (d->type == PT_INT && v != floor(v)) {
            snprintf(err, errlen, "%s: key '%s': '%s' is not an integer", origin, key, text);
            return -1;
        }
        if (v < d->min || v > d->max) {
            snprintf(err, errlen, "%s: key '%s': %s is out of range [%g, %g]", origin, key, text, d->min, d->max);
            return -1;
        }
        break;
    }
    }
    ps->val[i] = v;
    snprintf(ps->origin[i], PARAM_ORIGIN_LEN, "%s", origin);
    return 0;
}

static int must_index(const struct param_set *ps, const char *key)
{
    int i = params_index(ps, key);
    if (i < 0) { fprintf(stderr, "internal: no parameter '%s'\n", key); abort(); }
    return i;
}

double      param_d(const struct param_set *ps, const char *key) { return ps->val[must_index(ps, key)]; }
int64_t     param_i(const struct param_set *ps, const char *key) { return (int64_t)ps->val[must_index(ps, key)]; }
int         param_b(const struct param_set *ps, const char *key) { return ps->val[must_index(ps, key)] != 0; }
int         param_e(const struct param_set *ps, const char *key) { return (int)ps->val[must_index(ps, key)]; }
const char *param_e_name(const struct param_set *ps, const char *key)
{
    int i = must_index(ps, key);
    return ps->defs[i].choices[(int)ps->val[i]];
}
const char *param_origin(const struct param_set *ps, const char *key) { return ps->origin[must_index(ps, key)]; }

int param_error(const struct param_set *ps, const char *key, char *err, size_t errlen, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "%s: key '%s': %s", param_origin(ps, key), key, msg);
    return -1;
}

int params_check_warmup(const struct param_set *ps, char *err, size_t errlen)
{
    double w = param_d(ps, "warmup_s"), d = param_d(ps, "duration_s");
    return w >= d ? param_error(ps, "warmup_s", err, errlen, "%g must be less than duration_s (%g)", w, d) : 0;
}

void param_format(const struct param_set *ps, size_t i, char *buf, size_t len)
{
    const struct param_def *d = &ps->defs[i];
    double v = ps->val[i];
    if (d->type == PT_ENUM) snprintf(buf, len, "%s", d->choices[(int)v]);
    else if (d->type == PT_INT || d->type == PT_BOOL) snprintf(buf, len, "%lld", (long long)v);
    else {
        /* Shortest of %.15g / %.17g that reads back exactly: "0.1", not "0.10000000000000001". */
        snprintf(buf, len, "%.15g", v);
        if (strtod(buf, NULL) != v) snprintf(buf, len, "%.17g", v);
    }
}

size_t params_canonical(const struct param_set *ps, char *buf, size_t len)
{
    size_t o = 0;
    if (len) buf[0] = 0;
    for (size_t i = 0; i < ps->n; i++) {
        char v[64];
        param_format(ps, i, v, sizeof v);
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s=%s", i ? ";" : "", ps->defs[i].key, v);
    }
    return o;
}
