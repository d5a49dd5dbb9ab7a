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

/* Maps a name to a variable index (>= 0), or -1 if unknown. */
typedef int (*where_resolve_fn)(void *ctx, const char *name);
typedef struct where_value (*where_lookup_fn)(void *ctx, int var);

struct where_expr;

/* Grammar: or := and {('||'|or) and}; and := not {('&&'|and) not}; not := ('!'|not) not | cmp;
 * cmp := sum [(<|<=|>|>=|==|=|!=) sum]; sum := prod {(+|-) prod}; prod := unary {(*|/) unary};
 * unary := - unary | NUMBER (8k, 2M, 16Ki) | 'text' | NAME | ( or ).
 * On error returns NULL with one line in err naming the position or the unknown key. */
struct where_expr *where_compile(const char *text, where_resolve_fn resolve, void *ctx,
                                 char *err, size_t errlen);
int  where_eval(const struct where_expr *e, where_lookup_fn lookup, void *ctx);
void where_free(struct where_expr *e);

#endif
