/* Scenario files: INI (parsed by inih) with one `experiment` key and that experiment's keys.
 * A counting reader gives inih's callbacks their line numbers, so errors say FILE:LINE. */
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include "cli.h"

struct kv { char key[64]; char value[256]; int line; };

struct load_ctx {
    FILE      *f;
    int        line;
    struct kv *items;
    size_t     n, cap;
    char      *err;
    size_t     errlen;
    const char *path;
};

static char *counting_reader(char *str, int num, void *stream)
{
    struct load_ctx *c = stream;
    char *r = fgets(str, num, c->f);
    if (r) c->line++;
    return r;
}

static int collect(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *c = user;
    if (section && section[0]) {
        snprintf(c->err, c->errlen, "%s:%d: key '%s': sections are not used in scenario files ([%s])",
                 c->path, c->line, name, section);
        return 0;
    }
    if (strlen(name) >= sizeof c->items[0].key || strlen(value) >= sizeof c->items[0].value) {
        snprintf(c->err, c->errlen, "%s:%d: key '%.40s': key or value too long", c->path, c->line, name);
        return 0;
    }
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->items[i].key, name)) {
            snprintf(c->err, c->errlen, "%s:%d: key '%s': set twice (first at line %d)",
                     c->path, c->line, name, c->items[i].line);
            return 0;
        }
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 32;
        struct kv *p = realloc(c->items, c->cap * sizeof *p);
        if (!p) { snprintf(c->err, c->errlen, "%s: out of memory", c->path); return 0; }
        c->items = p;
    }
    struct kv *it = &c->items[c->n++];
    strcpy(it->key, name);
    strcpy(it->value, value);
    it->line = c->line;
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

int scenario_load(const char *path, struct scenario *sc, char *err, size_t errlen)
{
    memset(sc, 0, sizeof *sc);
    snprintf(sc->path, sizeof sc->path, "%s", path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(sc->name, sizeof sc->name, "%s", base);
    char *dot = strrchr(sc->name, '.');
    if (dot && !strcmp(dot, ".ini")) *dot = 0;

    struct load_ctx c = { .err = err, .errlen = errlen, .path = path };
    err[0] = 0;
    c.f = fopen(path, "r");
    if (!c.f) { snprintf(err, errlen, "%s: cannot open scenario file", path); return -1; }
    int rc = ini_parse_stream(counting_reader, &c, collect, &c);
    fclose(c.f);
    if (rc != 0) {
        if (!err[0]) snprintf(err, errlen, "%s:%d: syntax error (expected 'key = value')", path, rc > 0 ? rc : c.line);
        free(c.items);
        return -1;
    }
    int exp_at = -1;
    for (size_t i = 0; i < c.n; i++) if (!strcmp(c.items[i].key, "experiment")) exp_at = (int)i;
    char names[256];
    experiment_names(names, sizeof names);
    if (exp_at < 0) {
        snprintf(err, errlen, "%s: missing key 'experiment' (allowed: %s)", path, names);
        free(c.items);
        return -1;
    }
    sc->exp = experiment_find(c.items[exp_at].value);
    if (!sc->exp) {
        snprintf(err, errlen, "%s:%d: key 'experiment': unknown value '%s' (allowed: %s)",
                 path, c.items[exp_at].line, c.items[exp_at].value, names);
        free(c.items);
        return -1;
    }
    if (params_init(&sc->ps, sc->exp->params, sc->exp->n_params) != 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        free(c.items);
        return -1;
    }
    for (size_t i = 0; i < c.n; i++) {
        if ((int)i == exp_at) continue;
        char origin[PARAM_ORIGIN_LEN];
        snprintf(origin, sizeof origin, "%s:%d", path, c.items[i].line);
        if (params_set(&sc->ps, c.items[i].key, c.items[i].value, origin, err, errlen) != 0) {
            free(c.items);
            scenario_free(sc);
            return -1;
        }
    }
    free(c.items);
    return 0;
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
    return rc;
}
