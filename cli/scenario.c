/* Scenario files: `key = value` lines, `#` or `;` comment lines, blank lines; nothing else.
 * The whole file is read first, so lines of any length keep their real line numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include "cli.h"
#include "infile.h"

/* A scenario is a few dozen keys; a file this large is not one. */
#define SCENARIO_MAX_BYTES (16u << 20)

/* One line, split: the key and value point into the text (not terminated). */
struct line { const char *key, *val; size_t key_len, val_len; };

static int is_blank(char c) { return c == ' ' || c == '\t'; }
static int is_key_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

/* 1 for a setting, 0 for a blank or comment line, -1 with the reason in why. */
static int split_line(const char *s, size_t len, struct line *l, const char **why)
{
    if (len && s[len - 1] == '\r') len--;                     /* CRLF files */
    while (len && is_blank(*s)) { s++; len--; }
    while (len && is_blank(s[len - 1])) len--;
    if (!len || *s == '#' || *s == ';') return 0;
    if (*s == '[') { *why = "sections are not used in scenario files"; return -1; }
    size_t k = 0;
    while (k < len && is_key_char(s[k], k == 0)) k++;
    l->key = s;
    l->key_len = k;
    size_t e = k;
    while (e < len && is_blank(s[e])) e++;
    if (k == 0 || e == len || s[e] != '=') {
        *why = e < len && s[e] == ':' && k ? "expected 'key = value' (':' is not a separator)"
                                         : "expected 'key = value'";
        return -1;
    }
    e++;
    while (e < len && is_blank(s[e])) e++;
    if (e == len) { *why = "no value after '='"; return -1; }
    l->val = s + e;
    l->val_len = len - e;
    return 1;
}

static void experiment_names(char *buf, size_t len)
{
    size_t o = 0;
    const struct experiment *const *l = experiment_list();
    buf[0] = 0;
    for (size_t i = 0; l[i]; i++)
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", i ? "|" : "", l[i]->name);
}

/* Calls fn for each setting in file order; stops at the first syntax error (reported). */
typedef int (*line_fn)(void *ctx, const struct line *l, int lineno);
static int each_setting(const char *text, size_t len, const char *path, line_fn fn, void *ctx, char *err, size_t errlen)
{
    int lineno = 1;
    for (size_t at = 0; at < len; lineno++) {
        const char *nl = memchr(text + at, '\n', len - at);
        size_t l = nl ? (size_t)(nl - (text + at)) : len - at;
        struct line ln;
        const char *why = NULL;
        int r = split_line(text + at, l, &ln, &why);
        if (r < 0) { snprintf(err, errlen, "%s:%d: %s", path, lineno, why); return -1; }
        if (r > 0 && fn(ctx, &ln, lineno) != 0) return -1;
        at += l + 1;
    }
    return 0;
}

struct find_exp { const char *path; int line; struct line l; char *err; size_t errlen; };

static int find_experiment(void *vctx, const struct line *l, int lineno)
{
    struct find_exp *f = vctx;
    if (l->key_len != 10 || memcmp(l->key, "experiment", 10)) return 0;
    if (f->line) {
        snprintf(f->err, f->errlen, "%s:%d: key 'experiment': set twice (first at line %d)", f->path, lineno, f->line);
        return -1;
    }
    f->line = lineno;
    f->l = *l;
    return 0;
}

struct apply { struct scenario *sc; const char *path; int *set_at; char *err; size_t errlen; };

static int apply_setting(void *vctx, const struct line *l, int lineno)
{
    struct apply *a = vctx;
    if (l->key_len == 10 && !memcmp(l->key, "experiment", 10)) return 0;
    char key[64], origin[PARAM_ORIGIN_LEN];
    snprintf(origin, sizeof origin, "%s:%d", a->path, lineno);
    if (l->key_len >= sizeof key) {
        snprintf(a->err, a->errlen, "%s: unknown key '%.*s...'", origin, 40, l->key);
        return -1;
    }
    memcpy(key, l->key, l->key_len);
    key[l->key_len] = 0;
    int i = params_index(&a->sc->ps, key);
    if (i >= 0 && a->set_at[i]) {
        snprintf(a->err, a->errlen, "%s: key '%s': set twice (first at line %d)", origin, key, a->set_at[i]);
        return -1;
    }
    char *val = strndup(l->val, l->val_len);
    if (!val) { snprintf(a->err, a->errlen, "%s: out of memory", origin); return -1; }
    int rc = params_set(&a->sc->ps, key, val, origin, a->err, a->errlen);
    free(val);
    if (rc == 0) a->set_at[i] = lineno;
    return rc;
}

int scenario_parse(const char *text, size_t len, const char *path, struct scenario *sc, char *err, size_t errlen)
{
    memset(sc, 0, sizeof *sc);
    err[0] = 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strlen(path) >= sizeof sc->path || strlen(base) >= sizeof sc->name) {
        snprintf(err, errlen, "%.80s...: scenario path or file name too long", path);
        return -1;
    }
    snprintf(sc->path, sizeof sc->path, "%s", path);
    snprintf(sc->name, sizeof sc->name, "%s", base);
    char *dot = strrchr(sc->name, '.');
    if (dot && !strcmp(dot, ".ini")) *dot = 0;

    const char *nul = memchr(text, 0, len);
    if (nul) {
        int lineno = 1;
        for (const char *p = text; p < nul; p++) lineno += *p == '\n';
        snprintf(err, errlen, "%s:%d: NUL byte (a scenario file is text)", path, lineno);
        return -1;
    }
    /* A UTF-8 byte-order mark some editors write is not part of the first key. */
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) { text += 3; len -= 3; }

    char names[256];
    experiment_names(names, sizeof names);
    struct find_exp f = { .path = path, .err = err, .errlen = errlen };
    if (each_setting(text, len, path, find_experiment, &f, err, errlen) != 0) return -1;
    if (!f.line) { snprintf(err, errlen, "%s: missing key 'experiment' (allowed: %s)", path, names); return -1; }
    char ename[64];
    snprintf(ename, sizeof ename, "%.*s", (int)(f.l.val_len < 63 ? f.l.val_len : 63), f.l.val);
    if (f.l.val_len >= sizeof ename || !(sc->exp = experiment_find(ename))) {
        snprintf(err, errlen, "%s:%d: key 'experiment': unknown value '%.*s' (allowed: %s)", path, f.line,
                 (int)(f.l.val_len < 80 ? f.l.val_len : 80), f.l.val, names);
        return -1;
    }
    int *set_at = calloc(sc->exp->n_params + 1, sizeof *set_at);
    if (!set_at || params_init(&sc->ps, sc->exp->params, sc->exp->n_params) != 0) {
        free(set_at);
        snprintf(err, errlen, "%s: out of memory", path);
        sc->exp = NULL;
        return -1;
    }
    struct apply a = { sc, path, set_at, err, errlen };
    int rc = each_setting(text, len, path, apply_setting, &a, err, errlen);
    free(set_at);
    if (rc != 0) scenario_free(sc);
    return rc;
}

int scenario_load(const char *path, struct scenario *sc, char *err, size_t errlen)
{
    memset(sc, 0, sizeof *sc);
    char *text;
    size_t len;
    if (infile_read(path, "scenario file", SCENARIO_MAX_BYTES, &text, &len, err, errlen) != 0) return -1;
    int rc = scenario_parse(text, len, path, sc, err, errlen);
    free(text);
    return rc;
}

int scenario_set(struct scenario *sc, const char *kv, const char *flag, char *err, size_t errlen)
{
    char origin[PARAM_ORIGIN_LEN];
    snprintf(origin, sizeof origin, "%s %s", flag, kv);
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) { snprintf(err, errlen, "%s: expected KEY=VALUE", origin); return -1; }
    char key[64];
    size_t kl = (size_t)(eq - kv);
    if (kl >= sizeof key) { snprintf(err, errlen, "%s: key too long", origin); return -1; }
    memcpy(key, kv, kl);
    key[kl] = 0;
    return params_set(&sc->ps, key, eq + 1, origin, err, errlen);
}

int scenario_validate(const struct scenario *sc, char *err, size_t errlen)
{
    return sc->exp->validate ? sc->exp->validate(&sc->ps, err, errlen) : 0;
}

void scenario_free(struct scenario *sc)
{
    params_free(&sc->ps);
    sc->exp = NULL;
}

int scenario_run(const struct scenario *sc, struct run_result *res, char *err, size_t errlen)
{
    struct timeval t0, t1;
    gettimeofday(&t0, NULL);
    int rc = sc->exp->run(&sc->ps, res, err, errlen);
    gettimeofday(&t1, NULL);
    res->wall_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_usec - t0.tv_usec) / 1e6;
    if (rc != 0) return -1;
    return result_invariant_failure(res, err, errlen);
}
