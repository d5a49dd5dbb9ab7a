/* The ranges `ratelab sensitivity` varies keys over: a documented default per experiment key
 * (what a line or swarm plausibly has), or --range KEY=SPEC; and the mapping of a coordinate in
 * [0, 1] to the key's value. */
#ifndef CLI_SENS_RANGES_H
#define CLI_SENS_RANGES_H

#include <stddef.h>
#include "cli.h"

#define SENS_MAX_CHOICES 16

struct sens_range {
    char   key[64];
    char   spec[128];          /* as given or as documented: "LO:HI", "LO:HI:log", "a,b,c" */
    int    idx;                /* the key's index in the experiment's parameters */
    int    is_list;            /* a list of values (enum names or numbers) */
    int    is_log, is_int;
    double lo, hi;
    char   choice[SENS_MAX_CHOICES][64];
    size_t n_choice;
};

/* The documented default spec of an experiment's key, or NULL; why: one line on what it covers. */
const char *sens_default_range(const char *experiment, const char *key, const char **why);
/* Every documented default, for --list-ranges. */
void sens_list_ranges(FILE *f);
/* Parses SPEC for the scenario's key (origin names the flag in errors).  0 or -1 with err set. */
int  sens_range_parse(const struct scenario *sc, const char *key, const char *spec, const char *origin,
                      struct sens_range *r, char *err, size_t errlen);
/* The value text for coordinate u in [0, 1]: linear or geometric between lo and hi (rounded for
 * integer keys), or the floor(u * n)-th of a list. */
void sens_value_text(const struct sens_range *r, double u, char *buf, size_t len);

#endif
