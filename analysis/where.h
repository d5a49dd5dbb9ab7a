/* Selection expressions over parameter values: `lo_mark < hi_mark`, `policy == 'xtreme' &&
 * up_kbps >= 256`.  Used by `sweep --where` on grid points and by `plot --where` on stored runs. */
#ifndef ANALYSIS_WHERE_H
#define ANALYSIS_WHERE_H

#include <stddef.h>

/* A variable's value at evaluation: a number, and for enum or text keys also its name. */
struct where_value {
    double      num;
    const char *str;       /* NULL for plain numbers */
    int         present;   /* 0: the key does not exist for this point -> every comparison false */
};

/* What a name stands for, filled in by the caller's resolver when an expression is compiled, so
 * a misspelt key, a name a key cannot hold ('adsl' for framing) or a number compared with names
 * fails before anything is selected. */
struct where_key {
    int                var;       /* >= 0: the variable index; -1: no such key */
    int                text;      /* 1: the key holds names (compared with 'text' only), 0: numbers */
    const char *const *choices;   /* text keys: the names it can hold (NULL-terminated), or NULL: any */
    const char        *refuse;    /* set: the key exists but cannot be used here; the reason */
};
/* Called with k zeroed except var = -1. */
typedef void (*where_resolve_fn)(void *ctx, const char *name, struct where_key *k);
typedef struct where_value (*where_lookup_fn)(void *ctx, int var);

struct where_expr;

/* Nesting deeper than this (parentheses, unary operators, a chain of binary ones) is refused when
 * compiling, so evaluation's recursion is bounded. */
#define WHERE_MAX_DEPTH 256

/* Grammar: or := and {('||'|or) and}; and := not {('&&'|and) not}; not := ('!'|not) not | cmp;
 * cmp := sum [(<|<=|>|>=|==|=|!=) sum]; sum := prod {(+|-) prod}; prod := unary {(*|/) unary};
 * unary := - unary | NUMBER (8k, 2M, 16Ki) | 'text' | NAME | ( or ).
 * Comparisons take two numbers or two names; + - * / take numbers; && || ! take numbers or
 * comparisons.  On error returns NULL with one line in err naming the position or the key. */
struct where_expr *where_compile(const char *text, where_resolve_fn resolve, void *ctx,
                                 char *err, size_t errlen);
int  where_eval(const struct where_expr *e, where_lookup_fn lookup, void *ctx);
void where_free(struct where_expr *e);

#endif
