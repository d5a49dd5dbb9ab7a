/* The trace reader behind `ratelab rate-replay`: strict parsing, so a typo in a trace is a
 * named line, never a silently different rate. */
#include "replay.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Largest byte count a double holds exactly, so every accepted value is counted exactly. */
#define TRACE_BYTES_MAX 9007199254740992.0

/* A decimal number's characters only: strtod alone would also take hex, inf and nan. */
static int decimal_token(const char *p)
{
    size_t n = strcspn(p, " \t\r\n");
    return n > 0 && strspn(p, "0123456789.eE+-") >= n;
}

static char *skip_blank(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
    return s;
}

struct sample { double t; uint64_t bytes; };

/* Reads and checks every line first: a bad line stops the replay before any row is printed, so a
 * consumer of the CSV never gets a partial table from a trace that is wrong further down. */
static int read_trace(FILE *in, const char *name, struct sample **out, size_t *n_out, char *err, size_t errlen)
{
    struct sample *v = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    long lineno = 0;
    double last_t = 0;
    int rc = 0;
    ssize_t got;
    while ((got = getline(&line, &lcap, in)) >= 0) {
        lineno++;
        if (memchr(line, 0, (size_t)got)) {
            snprintf(err, errlen, "%s:%ld: NUL byte (a trace is text)", name, lineno);
            rc = -1;
            break;
        }
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *p = skip_blank(line);
        if (!*p) continue;
        char *end;
        errno = 0;
        double t = strtod(p, &end);
        if (end == p || !isfinite(t) || !decimal_token(p)) {
            snprintf(err, errlen, "%s:%ld: time '%.*s' is not a number (want: t_seconds bytes)", name, lineno,
                     (int)strcspn(p, " \t\r\n"), p);
            rc = -1;
            break;
        }
        if (t < 0 || t < last_t || t > 9.2e9) {
            snprintf(err, errlen, "%s:%ld: time %g must be >= 0, <= 9.2e9 and not before the previous line (%g)",
                     name, lineno, t, last_t);
            rc = -1;
            break;
        }
        p = end;
        if (*p != ' ' && *p != '\t') {
            snprintf(err, errlen, "%s:%ld: expected 't_seconds bytes' separated by blanks", name, lineno);
            rc = -1;
            break;
        }
        p = skip_blank(p);
        double b = strtod(p, &end);
        if (end == p || !decimal_token(p) || !isfinite(b) || b < 0 || b != floor(b) || b > TRACE_BYTES_MAX) {
            snprintf(err, errlen, "%s:%ld: bytes '%.*s' must be a whole number >= 0", name, lineno,
                     (int)strcspn(p, " \t\r\n"), p);
            rc = -1;
            break;
        }
        if (*skip_blank(end)) {
            snprintf(err, errlen, "%s:%ld: unexpected text after the byte count", name, lineno);
            rc = -1;
            break;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 1024;
            struct sample *q = realloc(v, cap * sizeof *q);
            if (!q) { snprintf(err, errlen, "%s: out of memory at line %ld", name, lineno); rc = -1; break; }
            v = q;
        }
        v[n++] = (struct sample){ t, (uint64_t)b };
        last_t = t;
    }
    free(line);
    if (rc == 0 && ferror(in)) {
        snprintf(err, errlen, "%s: read error", name);
        rc = -1;
    }
    if (rc != 0) { free(v); return -1; }
    *out = v;
    *n_out = n;
    return 0;
}

int rate_replay(FILE *in, const char *name, const struct rate_params *params, FILE *out,
                char *err, size_t errlen)
{
    struct rate_est est;
    char initerr[256];
    if (rate_init(&est, params->algo, params, 0, initerr, sizeof initerr) != 0) {
        snprintf(err, errlen, "%s", initerr);
        return -1;
    }
    struct sample *v;
    size_t n;
    if (read_trace(in, name, &v, &n, err, errlen) != 0) { rate_free(&est); return -1; }
    fprintf(out, "t,bytes,rate\n");
    for (size_t i = 0; i < n; i++) {
        int64_t now_ns = llround(v[i].t * 1e9);
        rate_update(&est, now_ns, v[i].bytes);
        fprintf(out, "%.9g,%llu,%.4f\n", v[i].t, (unsigned long long)v[i].bytes, rate_read(&est, now_ns));
    }
    free(v);
    rate_free(&est);
    return 0;
}
