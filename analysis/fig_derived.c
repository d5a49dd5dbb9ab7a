/* Keys derived from a point's parameters, so figures, --where and recommendations can use the
 * axis a decision needs (an upload limit in % of the line rate) without a second sweep key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fig_internal.h"

/* value = num / den * scale; both keys must be numbers of the point. */
struct derived { const char *key, *num, *den; double scale; };

static const struct derived derived_keys[] = {
    /* xtreme: the limit is in eMule's KB/s (1024 B), the line in kbit/s: 1 KB/s = 8.192 kbit/s */
    { "limit_pct_line", "upload_limit_kBps", "up_kbps", 819.2 },
    /* asym_link: each upload's payload limit against the line's upstream, both kbit/s */
    { "limit_pct_line", "up_limit_kbps", "up_kbps", 100.0 },
};

const char *fig_derived_doc(void)
{
    return "limit_pct_line = upload_limit_kBps x 8.192 / up_kbps x 100 (xtreme) or up_limit_kbps / up_kbps x 100"
           " (asym_link): the upload limit in % of the line's upstream rate";
}

int fig_derive_params(struct fig_point *p, int (*add_key)(void *, const char *), void *ctx)
{
    for (size_t i = 0; i < sizeof derived_keys / sizeof derived_keys[0]; i++) {
        const struct derived *d = &derived_keys[i];
        const struct fig_param *n = fig_param(p, d->num), *q = fig_param(p, d->den);
        if (!n || !q || !n->is_num || !q->is_num || q->num == 0 || fig_param(p, d->key)) continue;
        /* n and q point into p->params, which the realloc may move. */
        double v = n->num / q->num * d->scale;
        struct fig_param *np = realloc(p->params, (p->n_params + 1) * sizeof *np);
        if (!np) return -1;
        p->params = np;
        char text[64];
        snprintf(text, sizeof text, "%.4g", v);
        struct fig_param *fp = &p->params[p->n_params];
        fp->key = strdup(d->key);
        fp->text = strdup(text);
        fp->num = v;
        fp->is_num = 1;
        if (!fp->key || !fp->text) { free(fp->key); free(fp->text); return -1; }
        p->n_params++;
        if (add_key(ctx, d->key) != 0) return -1;
    }
    return 0;
}

int fig_is_derived(const char *key)
{
    for (size_t i = 0; i < sizeof derived_keys / sizeof derived_keys[0]; i++)
        if (!strcmp(derived_keys[i].key, key)) return 1;
    return 0;
}
