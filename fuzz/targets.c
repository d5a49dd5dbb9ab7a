/* Fuzz targets for the three parsers of outside input: scenario files, --where expressions and
 * rate-replay traces.  libFuzzer drives them through fuzz/fuzz_*.c (make fuzz); the test suite
 * replays the kept corpora and every input that ever crashed (fuzz/crashes/) through them. */
#include "fuzz/targets.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "replay.h"
#include "sweep_grid.h"

int fuzz_scenario(const uint8_t *data, size_t size)
{
    struct scenario sc;
    char err[1024];
    if (scenario_parse((const char *)data, size, "fuzz.ini", &sc, err, sizeof err) != 0) return 0;
    char canon[8192];
    scenario_validate(&sc, err, sizeof err);
    params_canonical(&sc.ps, canon, sizeof canon);
    scenario_free(&sc);
    return 0;
}

/* Compiled against asym_link's keys (numbers, enums, seed) and evaluated on its defaults. */
int fuzz_where(const uint8_t *data, size_t size)
{
    static struct param_set ps;
    if (!ps.defs) {
        const struct experiment *e = experiment_find("asym_link");
        if (!e || params_init(&ps, e->params, e->n_params) != 0) abort();
    }
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;                      /* a command line ends at the first NUL */
    char err[1024];
    struct where_expr *e = where_compile_params(text, &ps, err, sizeof err);
    if (e) where_eval_params(e, &ps);
    where_free(e);
    free(text);
    return 0;
}

int fuzz_trace(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w"))) abort();
    if (size < 2) return 0;
    const struct rate_algo *a = rate_algo_at(data[0] % rate_algo_count());
    struct rate_params p;
    rate_params_init(&p, a);
    FILE *in = fmemopen((void *)(data + 1), size - 1, "r");
    if (!in) return 0;
    char err[512];
    rate_replay(in, "fuzz.trace", &p, sink, err, sizeof err);
    fclose(in);
    return 0;
}
