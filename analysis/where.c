/* Selection expressions: a recursive-descent parser into a flat node array, and its evaluator.
 * Names are resolved when compiling, so a misspelt key fails before any run starts. */
#include "where.h"
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "params.h"

enum op { N_NUM, N_STR, N_VAR, N_NEG, N_ADD, N_SUB, N_MUL, N_DIV,
          N_LT, N_LE, N_GT, N_GE, N_EQ, N_NE, N_AND, N_OR, N_NOT };

/* type: 0 number, 1 text.  Variables keep their name (str) for messages and what they may hold. */
struct node { enum op op; int a, b; double num; char *str; int var; int type, depth; const char *const *choices; };

struct where_expr { struct node *node; size_t n, cap; int root; };

struct parser {
    const char      *text, *p;
    struct where_expr *e;
    where_resolve_fn resolve;
    void            *ctx;
    char            *err;
    size_t           errlen;
    int              failed;
    int              nest;       /* recursion depth of the parser */
};

/* The expression as quoted in messages: whole, or its first 60 bytes. */
static void fail_at(struct parser *ps, const char *what, const char *key)
{
    if (ps->failed) return;
    ps->failed = 1;
    int n = (int)strlen(ps->text);
    const char *more = n > 60 ? "..." : "";
    if (key) snprintf(ps->err, ps->errlen, "'%.60s%s': %s", ps->text, more, what);
    else snprintf(ps->err, ps->errlen, "'%.60s%s': %s at column %d", ps->text, more, what, (int)(ps->p - ps->text) + 1);
}
static void fail(struct parser *ps, const char *what) { fail_at(ps, what, NULL); }

static void list_choices(const char *const *c, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (size_t i = 0; c[i]; i++) o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", i ? "|" : "", c[i]);
}

/* Operands must be numbers for arithmetic and logic, alike for comparisons, and a name compared
 * with a key must be one the key can hold. */
static int check_types(struct parser *ps, const struct node *nd)
{
    const struct node *a = &ps->e->node[nd->a], *b = nd->op >= N_ADD && nd->op != N_NOT ? &ps->e->node[nd->b] : NULL;
    char why[1024];
    if (nd->op >= N_LT && nd->op <= N_NE) {
        if (a->type != b->type) {
            const struct node *t = a->type ? a : b, *n = a->type ? b : a;
            if (t->op == N_VAR) snprintf(why, sizeof why, "key '%s' holds names: compare it with 'text'", t->str);
            else if (n->op == N_VAR) snprintf(why, sizeof why, "key '%s' holds numbers, not names like '%.100s'", n->str, t->str);
            else snprintf(why, sizeof why, "'%.100s' is a name, compared with a number", t->str ? t->str : "");
            fail_at(ps, why, "");
            return -1;
        }
        const struct node *v = a->op == N_VAR ? a : b->op == N_VAR ? b : NULL, *lit = v == a ? b : a;
        if (v && v->choices && lit->op == N_STR) {
            size_t k = 0;
            while (v->choices[k] && strcmp(v->choices[k], lit->str)) k++;
            if (!v->choices[k]) {
                char ch[512];
                list_choices(v->choices, ch, sizeof ch);
                snprintf(why, sizeof why, "key '%s' has no value '%.100s' (allowed: %s)", v->str, lit->str, ch);
                fail_at(ps, why, "");
                return -1;
            }
        }
        return 0;
    }
    for (const struct node *o = a; o; o = o == a ? b : NULL)
        if (o->type) {
            if (o->op == N_VAR) snprintf(why, sizeof why, "key '%s' holds names: use it in a comparison with 'text'", o->str);
            else snprintf(why, sizeof why, "'%.100s' is a name: use it in a comparison with a key", o->str);
            fail_at(ps, why, "");
            return -1;
        }
    return 0;
}

static int add(struct parser *ps, struct node nd)
{
    struct where_expr *e = ps->e;
    int da = nd.op >= N_NEG ? e->node[nd.a].depth : 0;
    int db = nd.op >= N_ADD && nd.op != N_NOT ? e->node[nd.b].depth : 0;
    nd.depth = 1 + (da > db ? da : db);
    if (nd.depth > WHERE_MAX_DEPTH) {
        char why[64];
        snprintf(why, sizeof why, "nested deeper than %d levels", WHERE_MAX_DEPTH);
        fail(ps, why);
        free(nd.str);
        return -1;
    }
    if (nd.op >= N_NEG && check_types(ps, &nd) != 0) return -1;
    if (e->n == e->cap) {
        size_t c = e->cap ? 2 * e->cap : 16;
        struct node *q = realloc(e->node, c * sizeof *q);
        if (!q) { fail(ps, "out of memory"); free(nd.str); return -1; }
        e->node = q;
        e->cap = c;
    }
    e->node[e->n] = nd;
    return (int)e->n++;
}

static void skip_space(struct parser *ps) { while (isspace((unsigned char)*ps->p)) ps->p++; }

/* Consumes tok (an operator or a keyword) if it is next. */
static int accept(struct parser *ps, const char *tok)
{
    skip_space(ps);
    size_t l = strlen(tok);
    if (strncmp(ps->p, tok, l) != 0) return 0;
    if (isalpha((unsigned char)tok[0]) && (isalnum((unsigned char)ps->p[l]) || ps->p[l] == '_')) return 0;
    /* "<" must not eat the first half of "<=", "=" not of "==", "!" not of "!=". */
    if (l == 1 && strchr("<>=!", tok[0]) && ps->p[1] == '=') return 0;
    ps->p += l;
    return 1;
}

static int parse_or(struct parser *ps);

static int parse_primary(struct parser *ps)
{
    skip_space(ps);
    const char *s = ps->p;
    if (accept(ps, "(")) {
        if (++ps->nest > WHERE_MAX_DEPTH) { fail(ps, "parentheses nested too deep"); return -1; }
        int r = parse_or(ps);
        ps->nest--;
        if (r < 0) return -1;
        if (!accept(ps, ")")) { fail(ps, "expected ')'"); return -1; }
        return r;
    }
    if (*s == '\'' || *s == '"') {
        const char *end = strchr(s + 1, *s);
        if (!end) { fail(ps, "unterminated string"); return -1; }
        char *str = malloc((size_t)(end - s));
        if (!str) { fail(ps, "out of memory"); return -1; }
        memcpy(str, s + 1, (size_t)(end - s - 1));
        str[end - s - 1] = 0;
        ps->p = end + 1;
        return add(ps, (struct node){ .op = N_STR, .str = str, .num = NAN, .type = 1 });
    }
    if (isdigit((unsigned char)*s) || (*s == '.' && isdigit((unsigned char)s[1]))) {
        const char *q = s;
        while (isalnum((unsigned char)*q) || *q == '.' ||
               ((*q == '+' || *q == '-') && (q[-1] == 'e' || q[-1] == 'E') && isdigit((unsigned char)q[-2])))
            q++;
        char tok[64];
        double v;
        size_t l = (size_t)(q - s);
        if (l >= sizeof tok) { fail(ps, "number too long"); return -1; }
        memcpy(tok, s, l);
        tok[l] = 0;
        if (parse_number(tok, &v) != 0) { fail(ps, "not a number"); return -1; }   /* also 0x10, 1e999 */
        ps->p = q;
        return add(ps, (struct node){ .op = N_NUM, .num = v });
    }
    if (isalpha((unsigned char)*s) || *s == '_') {
        const char *q = s;
        while (isalnum((unsigned char)*q) || *q == '_' || *q == '.') q++;
        char name[128];
        size_t l = (size_t)(q - s);
        if (l >= sizeof name) { fail(ps, "name too long"); return -1; }
        memcpy(name, s, l);
        name[l] = 0;
        struct where_key k = { .var = -1 };
        ps->resolve(ps->ctx, name, &k);
        char why[512];
        if (k.refuse || k.var < 0) {
            if (k.refuse) snprintf(why, sizeof why, "key '%s' %s", name, k.refuse);
            else snprintf(why, sizeof why, "unknown key '%s'", name);
            fail_at(ps, why, name);
            return -1;
        }
        char *copy = strdup(name);
        if (!copy) { fail(ps, "out of memory"); return -1; }
        ps->p = q;
        return add(ps, (struct node){ .op = N_VAR, .var = k.var, .str = copy, .type = k.text, .choices = k.choices });
    }
    fail(ps, *s ? "expected a number, 'text', a key or '('" : "unexpected end");
    return -1;
}

static int parse_unary(struct parser *ps)
{
    if (accept(ps, "-")) {
        if (++ps->nest > WHERE_MAX_DEPTH) { fail(ps, "too many unary operators in a row"); return -1; }
        int a = parse_unary(ps);
        ps->nest--;
        return a < 0 ? -1 : add(ps, (struct node){ .op = N_NEG, .a = a });
    }
    return parse_primary(ps);
}

static int parse_binary_chain(struct parser *ps, int (*sub)(struct parser *),
                              const char *const *toks, const enum op *ops)
{
    int a = sub(ps);
    while (a >= 0) {
        int k = -1;
        for (int i = 0; toks[i]; i++) if (accept(ps, toks[i])) { k = i; break; }
        if (k < 0) break;
        int b = sub(ps);
        if (b < 0) return -1;
        a = add(ps, (struct node){ .op = ops[k], .a = a, .b = b });
    }
    return a;
}

static int parse_prod(struct parser *ps)
{
    static const char *const t[] = { "*", "/", NULL };
    static const enum op o[] = { N_MUL, N_DIV };
    return parse_binary_chain(ps, parse_unary, t, o);
}

static int parse_sum(struct parser *ps)
{
    static const char *const t[] = { "+", "-", NULL };
    static const enum op o[] = { N_ADD, N_SUB };
    return parse_binary_chain(ps, parse_prod, t, o);
}

static int parse_cmp(struct parser *ps)
{
    static const char *const t[] = { "<=", ">=", "==", "!=", "<", ">", "=", NULL };
    static const enum op o[] = { N_LE, N_GE, N_EQ, N_NE, N_LT, N_GT, N_EQ };
    int a = parse_sum(ps);
    if (a < 0) return -1;
    for (int i = 0; t[i]; i++)
        if (accept(ps, t[i])) {
            int b = parse_sum(ps);
            return b < 0 ? -1 : add(ps, (struct node){ .op = o[i], .a = a, .b = b });
        }
    return a;
}

static int parse_not(struct parser *ps)
{
    if (accept(ps, "!") || accept(ps, "not")) {
        if (++ps->nest > WHERE_MAX_DEPTH) { fail(ps, "too many unary operators in a row"); return -1; }
        int a = parse_not(ps);
        ps->nest--;
        return a < 0 ? -1 : add(ps, (struct node){ .op = N_NOT, .a = a });
    }
    return parse_cmp(ps);
}

static int parse_and(struct parser *ps)
{
    static const char *const t[] = { "&&", "and", NULL };
    static const enum op o[] = { N_AND, N_AND };
    return parse_binary_chain(ps, parse_not, t, o);
}

static int parse_or(struct parser *ps)
{
    static const char *const t[] = { "||", "or", NULL };
    static const enum op o[] = { N_OR, N_OR };
    return parse_binary_chain(ps, parse_and, t, o);
}

struct where_expr *where_compile(const char *text, where_resolve_fn resolve, void *ctx,
                                 char *err, size_t errlen)
{
    struct where_expr *e = calloc(1, sizeof *e);
    if (!e) { snprintf(err, errlen, "out of memory"); return NULL; }
    struct parser ps = { .text = text, .p = text, .e = e, .resolve = resolve, .ctx = ctx,
                         .err = err, .errlen = errlen };
    e->root = parse_or(&ps);
    skip_space(&ps);
    if (!ps.failed && *ps.p) fail(&ps, "unexpected text");
    if (!ps.failed && e->root >= 0 && e->node[e->root].type)
        fail_at(&ps, "a name alone selects nothing: compare it, e.g. framing == 'ppp'", "");
    if (ps.failed || e->root < 0) { where_free(e); return NULL; }
    return e;
}

void where_free(struct where_expr *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->n; i++) free(e->node[i].str);
    free(e->node);
    free(e);
}

static struct where_value boolean(int b) { return (struct where_value){ .num = b, .present = 1 }; }

static struct where_value eval(const struct where_expr *e, int i, where_lookup_fn lookup, void *ctx)
{
    const struct node *nd = &e->node[i];
    struct where_value a, b;
    switch (nd->op) {
    case N_NUM: return (struct where_value){ .num = nd->num, .present = 1 };
    case N_STR: return (struct where_value){ .num = NAN, .str = nd->str, .present = 1 };
    case N_VAR: return lookup(ctx, nd->var);
    case N_NOT: a = eval(e, nd->a, lookup, ctx); return boolean(!(a.present && a.num != 0 && !isnan(a.num)));
    case N_AND:
        a = eval(e, nd->a, lookup, ctx);
        if (!(a.present && a.num != 0 && !isnan(a.num))) return boolean(0);
        b = eval(e, nd->b, lookup, ctx);
        return boolean(b.present && b.num != 0 && !isnan(b.num));
    case N_OR:
        a = eval(e, nd->a, lookup, ctx);
        if (a.present && a.num != 0 && !isnan(a.num)) return boolean(1);
        b = eval(e, nd->b, lookup, ctx);
        return boolean(b.present && b.num != 0 && !isnan(b.num));
    default: break;
    }
    a = eval(e, nd->a, lookup, ctx);
    if (nd->op == N_NEG) return (struct where_value){ .num = -a.num, .present = a.present };
    b = eval(e, nd->b, lookup, ctx);
    int present = a.present && b.present;
    switch (nd->op) {
    case N_ADD: return (struct where_value){ .num = a.num + b.num, .present = present };
    case N_SUB: return (struct where_value){ .num = a.num - b.num, .present = present };
    case N_MUL: return (struct where_value){ .num = a.num * b.num, .present = present };
    case N_DIV: return (struct where_value){ .num = a.num / b.num, .present = present };
    default: break;
    }
    /* A key the point does not have makes every comparison false (like SQL's NULL). */
    if (!present) return boolean(0);
    int c;
    if (a.str && b.str) c = strcmp(a.str, b.str);
    else if (isnan(a.num) || isnan(b.num)) return boolean(nd->op == N_NE);
    else c = (a.num > b.num) - (a.num < b.num);
    switch (nd->op) {
    case N_LT: return boolean(c < 0);
    case N_LE: return boolean(c <= 0);
    case N_GT: return boolean(c > 0);
    case N_GE: return boolean(c >= 0);
    case N_EQ: return boolean(c == 0);
    case N_NE: return boolean(c != 0);
    default:   return boolean(0);
    }
}

int where_eval(const struct where_expr *e, where_lookup_fn lookup, void *ctx)
{
    struct where_value v = eval(e, e->root, lookup, ctx);
    return v.present && v.num != 0 && !isnan(v.num);
}
