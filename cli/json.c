/* JSON output of one run: a flat object of metrics, dotted names nested one level.
 * Non-finite numbers become null, since JSON has no NaN. */
#include <math.h>
#include <string.h>
#include "cli.h"

void json_print_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(out, "\\%c", ch);
        else if (ch < 0x20) fprintf(out, "\\u%04x", ch);
        else fputc(ch, out);
    }
    fputc('"', out);
}

static void json_number(FILE *out, double v)
{
    if (!isfinite(v)) { fputs("null", out); return; }
    if (v == floor(v) && fabs(v) < 9e15) fprintf(out, "%.0f", v);
    else fprintf(out, "%.10g", v);
}

void json_print_run(FILE *out, const struct scenario *sc, const struct run_result *res, const char *engine)
{
    fputs("{\"scenario\":", out);
    json_print_string(out, sc->name);
    fputs(",\"experiment\":", out);
    json_print_string(out, sc->exp->name);
    fputs(",\"engine\":", out);
    json_print_string(out, engine);
    fputs(",\"code_version\":", out);
    json_print_string(out, ratelab_version());
    fputs(",\"params\":{", out);
    for (size_t i = 0; i < sc->ps.n; i++) {
        char v[64];
        param_format(&sc->ps, i, v, sizeof v);
        if (i) fputc(',', out);
        json_print_string(out, sc->ps.defs[i].key);
        fputc(':', out);
        if (sc->ps.defs[i].type == PT_ENUM) json_print_string(out, v); else fputs(v, out);
    }
    fputc('}', out);
    /* Metrics in insertion order; a run of names sharing "prefix." becomes one nested object. */
    for (size_t i = 0; i < res->n_metric; ) {
        const char *name = res->metric[i].name;
        const char *dot = strchr(name, '.');
        fputc(',', out);
        if (!dot) {
            json_print_string(out, name);
            fputc(':', out);
            json_number(out, res->metric[i].value);
            i++;
            continue;
        }
        size_t plen = (size_t)(dot - name);
        fprintf(out, "\"%.*s\":{", (int)plen, name);
        size_t j = i;
        for (; j < res->n_metric && !strncmp(res->metric[j].name, name, plen + 1); j++) {
            if (j > i) fputc(',', out);
            json_print_string(out, res->metric[j].name + plen + 1);
            fputc(':', out);
            json_number(out, res->metric[j].value);
        }
        fputc('}', out);
        i = j;
    }
    fputs(",\"wall_s\":", out);
    json_number(out, res->wall_s);
    fputs(",\"events\":", out);
    json_number(out, (double)res->events);
    fputs("}\n", out);
}
