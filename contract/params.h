/* Scenario parameters: each experiment declares its keys (type, default, range, doc) once;
 * a param_set holds validated values plus where each came from, for one-line errors. */
#ifndef SIM_PARAMS_H
#define SIM_PARAMS_H

#include <stddef.h>
#include <stdint.h>

enum param_type { PT_INT, PT_DOUBLE, PT_BOOL, PT_ENUM };

struct param_def {
    const char        *key;
    enum param_type    type;
    const char        *def;        /* default, as it would be written in a scenario file */
    double             min, max;   /* inclusive range for PT_INT / PT_DOUBLE              */
    const char *const *choices;    /* PT_ENUM: NULL-terminated list of allowed names      */
    const char        *doc;        /* one line, with the unit                             */
};

#define PARAM_ORIGIN_LEN 160

struct param_set {
    const struct param_def *defs;
    size_t                  n;
    double                 *val;      /* numbers, bools (0/1) and enum indexes alike        */
    char                  (*origin)[PARAM_ORIGIN_LEN];  /* "file:line" or "--set k=v" or "default" */
};

int    params_init(struct param_set *ps, const struct param_def *defs, size_t n);
void   params_free(struct param_set *ps);
int    params_copy(struct param_set *dst, const struct param_set *src);
/* Set key from text. On error writes "ORIGIN: key 'k': reason" to err and returns -1. */
int    params_set(struct param_set *ps, const char *key, const char *text, const char *origin,
                  char *err, size_t errlen);
int    params_index(const struct param_set *ps, const char *key);     /* -1 if unknown */

/* Typed reads; the key must exist (a programming error aborts, since keys are compile-time). */
double      param_d(const struct param_set *ps, const char *key);
int64_t     param_i(const struct param_set *ps, const char *key);
int         param_b(const struct param_set *ps, const char *key);
int         param_e(const struct param_set *ps, const char *key);
const char *param_e_name(const struct param_set *ps, const char *key);
const char *param_origin(const struct param_set *ps, const char *key);

/* Numbers as users type them: 1500, 0.25, -3, 1e-3, 8k (1e3), 2M (1e6), 1G, 16Ki (1024), 1Mi.
 * Strict: no blanks, '+', hex, inf/nan or trailing bytes; a value above 2^53 must be an integer
 * written in digits that a double holds exactly.  Returns 0, NUM_BAD or NUM_INEXACT. */
#define NUM_BAD        (-1)
#define NUM_INEXACT    (-2)
#define EXACT_INT_MAX  9007199254740992ULL   /* 2^53: doubles hold every integer up to here */
int    parse_number(const char *text, double *out);
/* The reason for a parse_number error code, to follow the quoted text: "'0x10' is not a number ..." */
const char *parse_number_error(int code);
/* Cross-key errors: writes "ORIGIN: key 'KEY': <formatted message>" and returns -1. */
int    param_error(const struct param_set *ps, const char *key, char *err, size_t errlen, const char *fmt, ...)
       __attribute__((format(printf, 5, 6)));
/* Every experiment's warmup_s < duration_s check. */
int    params_check_warmup(const struct param_set *ps, char *err, size_t errlen);
/* Canonical text of one value (shortest exact form; enum names). */
void   param_format(const struct param_set *ps, size_t i, char *buf, size_t len);
/* Canonical "k1=v1;k2=v2;..." over every key in declaration order: the run's parameter identity. */
size_t params_canonical(const struct param_set *ps, char *buf, size_t len);

#endif
