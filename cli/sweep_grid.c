/* Sweep grids: parsing --vary specs, expanding the full grid, --where filtering, shard slices.
 * Every value is checked with the key's own range when parsed, so a bad spec stops before any run. */
#include "sweep_grid.h"
#include "flags.h"
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int spec_numbers(const char *spec, double *out, size_t max, char *err, size_t errlen)
{
    char buf[256];
    if (strlen(spec) >= sizeof buf) { snprintf(err, errlen, "spec too long"); return -1; }
    strcpy(buf, spec);
    char *colon = strchr(buf, ':');
    if (!colon) {
        size_t n = 0;
        for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (n == max) { snprintf(err, errlen, "more than %zu values", max); return -1; }
            if (parse_number(tok, &out[n]) != 0) { snprintf(err, errlen, "'%s' is not a number", tok); return -1; }
            n++;
        }
        if (n == 0) { snprintf(err, errlen, "no values"); return -1; }
        return (int)n;
    }
    *colon = 0;
    char *stop_s = colon + 1, *step_s = strchr(stop_s, ':');
    if (step_s) *step_s++ = 0;
    double start, stop, step = 1;
    if (parse_number(buf, &start) != 0) { snprintf(err, errlen, "range start '%s' is not a number", buf); return -1; }
    if (parse_number(stop_s, &stop) != 0) { snprintf(err, errlen, "range stop '%s' is not a number", stop_s); return -1; }
    int geometric = step_s && (step_s[0] == 'x' || step_s[0] == '*');
    if (step_s && parse_number(step_s + geometric, &step) != 0) {
        snprintf(err, errlen, "range step '%s' is not a number (START:STOP:STEP or START:STOP:xFACTOR)", step_s);
        return -1;
    }
    if (stop < start) { snprintf(err, errlen, "range stop %g is below start %g", stop, start); return -1; }
    if (geometric && !(step > 1)) { snprintf(err, errlen, "geometric factor must be > 1 (got x%g)", step); return -1; }
    if (geometric && !(start > 0)) { snprintf(err, errlen, "geometric range must start above 0 (got %g)", start); return -1; }
    if (!geometric && !(step > 0)) { snprintf(err, errlen, "range step must be > 0 (got %g)", step); return -1; }
    size_t n = 0;
    /* Values are computed from the start (not accumulated) and rounded to 15 digits, so
     * 0.1:0.5:0.1 gives 0.3, not 0.30000000000000004; the stop is included. */
    for (size_t i = 0;; i++) {
        double v = geometric ? start * pow(step, (double)i) : start + (double)i * step;
        char t[64];
        snprintf(t, sizeof t, "%.15g", v);
        v = strtod(t, NULL);
        if (v > stop + 1e-9 * fmax(fabs(stop), geometric ? 0 : step)) break;
        if (n == max) { snprintf(err, errlen, "range has more than %zu values", max); return -1; }
        out[n++] = v;
    }
    return (int)n;
}

void vary_free(struct vary *v)
{
    for (size_t i = 0; i < v->n; i++) free(v->values[i]);
    free(v->values);
    v->values = NULL;
    v->n = 0;
}

/* Checks one value against the key on a scratch copy of the scenario; keeps its canonical text. */
static int vary_add(struct vary *v, struct param_set *scratch, int idx, const char *text, const char *origin,
                    char *err, size_t errlen)
{
    if (params_set(scratch, v->key, text, origin, err, errlen) != 0) return -1;
    char canon[64];
    param_format(scratch, (size_t)idx, canon, sizeof canon);
    for (size_t i = 0; i < v->n; i++)
        if (!strcmp(v->values[i], canon)) {
            snprintf(err, errlen, "%s: value %s appears twice", origin, canon);
            return -1;
        }
    char *copy = strdup(canon);
    if (!copy) { snprintf(err, errlen, "%s: out of memory", origin); return -1; }
    v->values[v->n++] = copy;
    return 0;
}

int vary_parse(const char *arg, const struct scenario *sc, struct vary *v, char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    char origin[PARAM_ORIGIN_LEN];
    snprintf(origin, sizeof origin, "--vary %s", arg);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1]) {
        snprintf(err, errlen, "%s: expected KEY=SPEC (SPEC: 4,8,16 or 2:15:1 or 8k:1M:x2)", origin);
        return -1;
    }
    size_t kl = (size_t)(eq - arg);
    if (kl >= sizeof v->key) { snprintf(err, errlen, "%s: key too long", origin); return -1; }
    memcpy(v->key, arg, kl);
    v->key[kl] = 0;
    int idx = params_index(&sc->ps, v->key);
    if (idx < 0) { snprintf(err, errlen, "%s: unknown key '%s' for experiment %s", origin, v->key, sc->exp->name); return -1; }
    if (!strcmp(v->key, "seed")) { snprintf(err, errlen, "%s: seeds are set with --seeds N", origin); return -1; }
    const char *spec = eq + 1;
    v->values = calloc(VARY_MAX_VALUES, sizeof *v->values);
    struct param_set scratch;
    if (!v->values || params_copy(&scratch, &sc->ps) != 0) {
        free(v->values);
        v->values = NULL;
        snprintf(err, errlen, "%s: out of memory", origin);
        return -1;
    }
    int rc = 0;
    if (strchr(spec, ':')) {
        double *nums = malloc(VARY_MAX_VALUES * sizeof *nums);
        char why[256];
        int n = nums ? spec_numbers(spec, nums, VARY_MAX_VALUES, why, sizeof why) : -1;
        if (n < 0) { snprintf(err, errlen, "%s: %s", origin, nums ? why : "out of memory"); rc = -1; }
        if (sc->ps.defs[idx].type == PT_ENUM && rc == 0) {
            snprintf(err, errlen, "%s: key '%s' takes names, give them as a list", origin, v->key);
            rc = -1;
        }
        for (int i = 0; rc == 0 && i < n; i++) {
            char t[64];
            snprintf(t, sizeof t, "%.15g", nums[i]);
            rc = vary_add(v, &scratch, idx, t, origin, err, errlen);
        }
        free(nums);
    } else {
        char buf[1024];
        if (strlen(spec) >= sizeof buf) { snprintf(err, errlen, "%s: list too long", origin); rc = -1; }
        else strcpy(buf, spec);
        for (char *p = buf; rc == 0; ) {
            char *comma = strchr(p, ',');
            if (comma) *comma = 0;
            while (*p == ' ') p++;
            size_t l = strlen(p);
            while (l && p[l - 1] == ' ') p[--l] = 0;
            if (!*p) { snprintf(err, errlen, "%s: empty value in the list", origin); rc = -1; break; }
            if (v->n == VARY_MAX_VALUES) { snprintf(err, errlen, "%s: more than %d values", origin, VARY_MAX_VALUES); rc = -1; break; }
            rc = vary_add(v, &scratch, idx, p, origin, err, errlen);
            if (!comma) break;
            p = comma + 1;
        }
    }
    params_free(&scratch);
    if (rc != 0) vary_free(v);
    return rc;
}

/* Grid points are parameter sets without their seed: the seeds come from --seeds, so a --where on
 * seed would test the scenario's seed, not each run's. */
static void resolve_param(void *ctx, const char *name, struct where_key *k)
{
    const struct param_set *ps = ctx;
    k->var = params_index(ps, name);
    if (k->var < 0) return;
    if (!strcmp(name, "seed")) { k->refuse = "is not a grid key: every point runs the seeds of --seeds N"; return; }
    k->text = ps->defs[k->var].type == PT_ENUM;
    k->choices = k->text ? ps->defs[k->var].choices : NULL;
}

static struct where_value lookup_param(void *ctx, int var)
{
    const struct param_set *ps = ctx;
    struct where_value v = { .num = ps->val[var], .present = 1 };
    if (ps->defs[var].type == PT_ENUM) v.str = ps->defs[var].choices[(int)ps->val[var]];
    return v;
}

struct where_expr *where_compile_params(const char *text, const struct param_set *ps, char *err, size_t errlen)
{
    return where_compile(text, resolve_param, (void *)ps, err, errlen);
}

int where_eval_params(const struct where_expr *e, const struct param_set *ps)
{
    return where_eval(e, lookup_param, (void *)ps);
}

int grid_build(const struct scenario *sc, const struct vary *vary, size_t n_vary,
               const struct where_expr *where, struct grid *g, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->n_params = sc->ps.n;
    size_t total = 1;
    for (size_t i = 0; i < n_vary; i++) {
        if (vary[i].n && total > GRID_MAX_TASKS / vary[i].n) {
            snprintf(err, errlen, "--vary: the grid has more than %d points", GRID_MAX_TASKS);
            return -1;
        }
        total *= vary[i].n;
    }
    g->n_combinations = total;
    g->vals = malloc(total * g->n_params * sizeof *g->vals);
    size_t *digit = calloc(n_vary ? n_vary : 1, sizeof *digit);
    struct param_set scratch;
    if (!g->vals || !digit || params_copy(&scratch, &sc->ps) != 0) {
        free(g->vals); free(digit);
        g->vals = NULL;
        snprintf(err, errlen, "sweep: out of memory for %zu points", total);
        return -1;
    }
    for (size_t c = 0; c < total; c++) {
        memcpy(scratch.val, sc->ps.val, g->n_params * sizeof *scratch.val);
        memcpy(scratch.origin, sc->ps.origin, g->n_params * sizeof *scratch.origin);
        for (size_t i = 0; i < n_vary; i++) {
            char origin[PARAM_ORIGIN_LEN], why[256];
            snprintf(origin, sizeof origin, "--vary %s=%s", vary[i].key, vary[i].values[digit[i]]);
            /* Values were checked by vary_parse; this cannot fail short of a programming error. */
            if (params_set(&scratch, vary[i].key, vary[i].values[digit[i]], origin, why, sizeof why) != 0) {
                snprintf(err, errlen, "%s", why);
                params_free(&scratch); free(digit);
                grid_free(g);
                return -1;
            }
        }
        char why[512];
        if (where && !where_eval_params(where, &scratch)) g->n_filtered++;
        else if (sc->exp->validate && sc->exp->validate(&scratch, why, sizeof why) != 0) {
            if (g->n_rejected++ == 0) snprintf(g->first_reject, sizeof g->first_reject, "%s", why);
        } else {
            memcpy(g->vals + g->n_points * g->n_params, scratch.val, g->n_params * sizeof *g->vals);
            g->n_points++;
        }
        /* Odometer: the last --vary turns fastest. */
        for (size_t i = n_vary; i-- > 0; ) {
            if (++digit[i] < vary[i].n) break;
            digit[i] = 0;
        }
    }
    params_free(&scratch);
    free(digit);
    return 0;
}

void grid_free(struct grid *g)
{
    free(g->vals);
    g->vals = NULL;
    g->n_points = 0;
}

int shard_parse(const char *arg, long *index, long *count, char *err, size_t errlen)
{
    char why[256], text[64];
    const char *slash = strchr(arg, '/');
    if (slash) {
        snprintf(text, sizeof text, "%.*s", (int)(slash - arg < 63 ? slash - arg : 63), arg);
        if (flag_long("I", text, 0, LONG_MAX, index, why, sizeof why) != 0 ||
            flag_long("N", slash + 1, 1, LONG_MAX, count, why, sizeof why) != 0) goto bad;
    } else {
        if (flag_long("N", arg, 1, LONG_MAX, count, why, sizeof why) != 0) goto bad;
        const char *env = getenv("SLURM_ARRAY_TASK_ID");
        if (!env || !*env) {
            snprintf(err, errlen, "--shard %s: SLURM_ARRAY_TASK_ID is not set (give --shard I/N)", arg);
            return -1;
        }
        if (flag_long("SLURM_ARRAY_TASK_ID", env, 0, LONG_MAX, index, why, sizeof why) != 0) {
            snprintf(err, errlen, "--shard %s: %s", arg, why);
            return -1;
        }
    }
    if (*index >= *count) {
        snprintf(err, errlen, "--shard %s: need 0 <= I < N (got I=%ld, N=%ld)", arg, *index, *count);
        return -1;
    }
    return 0;
bad:
    snprintf(err, errlen, "--shard '%s': %s; expected I/N (e.g. 0/4) or N with SLURM_ARRAY_TASK_ID set", arg, why);
    return -1;
}
