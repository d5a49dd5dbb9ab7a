/* The rate-estimator registry, named parameters and the dispatch every caller goes through.
 * Algorithms live in core/rate_*.c; this file is the only place that lists them. */
#include "rate.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct rate_algo rate_algo_etorrent, rate_algo_etorrent_ns, rate_algo_reset10,
    rate_algo_ewma, rate_algo_window;

static const struct rate_algo *const algos[] = {
    &rate_algo_etorrent, &rate_algo_etorrent_ns, &rate_algo_reset10, &rate_algo_ewma, &rate_algo_window,
};
#define N_ALGOS (sizeof algos / sizeof algos[0])

const struct rate_algo *rate_algo_find(const char *name)
{
    for (size_t i = 0; i < N_ALGOS; i++)
        if (!strcmp(algos[i]->name, name)) return algos[i];
    return NULL;
}

size_t rate_algo_count(void) { return N_ALGOS; }
const struct rate_algo *rate_algo_at(size_t i) { return i < N_ALGOS ? algos[i] : NULL; }

const char *rate_algo_names(char *buf, size_t len)
{
    size_t o = 0;
    if (len) buf[0] = 0;
    for (size_t i = 0; i < N_ALGOS; i++)
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", i ? "|" : "", algos[i]->name);
    return buf;
}

const char *rate_param_names(const struct rate_algo *a, char *buf, size_t len)
{
    size_t o = 0;
    if (len) buf[0] = 0;
    for (size_t i = 0; i < a->n_params; i++)
        o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", i ? "|" : "", a->params[i].name);
    if (a->n_params == 0) snprintf(buf, len, "(none)");
    return buf;
}

void rate_params_init(struct rate_params *p, const struct rate_algo *a)
{
    memset(p, 0, sizeof *p);
    p->algo = a;
    for (size_t i = 0; i < a->n_params && i < RATE_MAX_PARAMS; i++) p->v[i] = a->params[i].def;
}

static int param_index(const struct rate_algo *a, const char *name)
{
    for (size_t i = 0; i < a->n_params; i++)
        if (!strcmp(a->params[i].name, name)) return (int)i;
    return -1;
}

int rate_param_set(struct rate_params *p, const char *name, const char *value, char *err, size_t errlen)
{
    const struct rate_algo *a = p->algo;
    int i = param_index(a, name);
    char names[128];
    if (i < 0) {
        snprintf(err, errlen, "unknown parameter '%s' for rate algorithm %s (allowed: %s)", name, a->name,
                 rate_param_names(a, names, sizeof names));
        return -1;
    }
    const struct rate_param_def *d = &a->params[i];
    char *end;
    double v = strtod(value, &end);
    while (*end == ' ' || *end == '\t') end++;
    if (end == value || *end || !isfinite(v)) {
        snprintf(err, errlen, "parameter '%s' of %s: '%s' is not a number (allowed: %s%g..%g)", name, a->name,
                 value, d->integer ? "integers " : "", d->min, d->max);
        return -1;
    }
    if (d->integer && v != floor(v)) {
        snprintf(err, errlen, "parameter '%s' of %s: %s is not an integer (allowed: integers %g..%g)", name, a->name,
                 value, d->min, d->max);
        return -1;
    }
    if (v < d->min || v > d->max) {
        snprintf(err, errlen, "parameter '%s' of %s: %s is out of range (allowed: %s%g..%g)", name, a->name,
                 value, d->integer ? "integers " : "", d->min, d->max);
        return -1;
    }
    p->v[i] = v;
    return 0;
}

int rate_param_set_kv(struct rate_params *p, const char *kv, char *err, size_t errlen)
{
    const char *eq = strchr(kv, '=');
    char name[64];
    if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof name) {
        snprintf(err, errlen, "'%s' is not NAME=VALUE", kv);
        return -1;
    }
    memcpy(name, kv, (size_t)(eq - kv));
    name[eq - kv] = 0;
    return rate_param_set(p, name, eq + 1, err, errlen);
}

double rate_param_get(const struct rate_params *p, const char *name)
{
    int i = param_index(p->algo, name);
    return i < 0 ? NAN : p->v[i];
}

int rate_params_check(const struct rate_params *p, char *err, size_t errlen)
{
    return p->algo->check ? p->algo->check(p, err, errlen) : 0;
}

int rate_init(struct rate_est *e, const struct rate_algo *a, const struct rate_params *params,
              int64_t now_ns, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    e->algo = a;
    if (params) {
        if (params->algo != a) {
            snprintf(err, errlen, "parameters are for rate algorithm %s, not %s", params->algo->name, a->name);
            return -1;
        }
        e->p = *params;
    } else {
        rate_params_init(&e->p, a);
    }
    if (rate_params_check(&e->p, err, errlen) != 0) return -1;
    if (a->init(e, now_ns) != 0) {
        snprintf(err, errlen, "rate algorithm %s: out of memory for its state", a->name);
        e->algo = NULL;
        return -1;
    }
    return 0;
}

void rate_free(struct rate_est *e)
{
    if (e->algo && e->algo->fini) e->algo->fini(e);
    e->algo = NULL;
}

void rate_update(struct rate_est *e, int64_t now_ns, uint64_t bytes)
{
    e->n_updates++;
    e->algo->update(e, now_ns, bytes);
}

double rate_read(const struct rate_est *e, int64_t now_ns)
{
    return e->algo->read(e, now_ns);
}
