/* The trace reader behind `ratelab rate-replay`: strict parsing, so a typo in a trace is a
 * named line, never a silently different rate. */
#include "replay.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Largest byte count a double holds exactly, so every accepted value is counted exactly. */
#define TRACE_BYTES_MAX 9007199254740992.0

static char *skip_blank(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') s++;
    return s;
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
    fprintf(out, "t,bytes,rate\n");
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    double last_t = 0;
    int rc = 0;
    while (getline(&line, &cap, in) >= 0) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash) *hash = 0;
        char *p = skip_blank(line);
        if (!*p) continue;
        char *end;
        errno = 0;
        double t = strtod(p, &end);
        if (end == p || !isfinite(t)) {
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
        if (end == p || !isfinite(b) || b < 0 || b != floor(b) || b > TRACE_BYTES_MAX) {
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
        last_t = t;
        int64_t now_ns = llround(t * 1e9);
        uint64_t bytes = (uint64_t)b;
        rate_update(&est, now_ns, bytes);
        fprintf(out, "%.9g,%llu,%.4f\n", t, (unsigned long long)bytes, rate_read(&est, now_ns));
    }
    free(line);
    if (rc == 0 && ferror(in)) {
        snprintf(err, errlen, "%s: read error", name);
        rc = -1;
    }
    return rc;
}
