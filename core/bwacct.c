/* Byte accounting: live counters, the 1-s snapshot ring and windowed rates.
 * The ring is newest-first by index arithmetic, like Xtreme's list with the head at the front. */
#include "bwacct.h"
#include <string.h>

void bwacct_init(struct bwacct *a, int64_t now, unsigned keep_minutes)
{
    memset(a, 0, sizeof *a);
    if (keep_minutes < 1) keep_minutes = 1;
    if (keep_minutes > 5) keep_minutes = 5;
    a->keep = (size_t)keep_minutes * 60u + 1u;
    a->ring[0].at = now;
    a->head = 0;
    a->n = 1;
}

void bwacct_add_out(struct bwacct *a, uint64_t payload, uint64_t control, uint64_t overhead)
{
    a->c.emule_out += payload;
    a->c.emule_out_overall += payload + control + overhead;
}

void bwacct_add_in(struct bwacct *a, uint64_t payload, uint64_t control, uint64_t overhead)
{
    a->c.emule_in += payload;
    a->c.emule_in_overall += payload + control + overhead;
}

void bwacct_adapter_sample(struct bwacct *a, uint64_t out_octets, uint64_t in_octets)
{
    if (a->adapter_seen) {
        if (out_octets >= a->adapter_last_out) a->c.network_out += out_octets - a->adapter_last_out;
        if (in_octets >= a->adapter_last_in) a->c.network_in += in_octets - a->adapter_last_in;
    }
    a->adapter_seen = 1;
    a->adapter_last_out = out_octets;
    a->adapter_last_in = in_octets;
}

int bwacct_process(struct bwacct *a, int64_t now)
{
    if (now - a->ring[a->head].at < 1000000000LL) return 0;
    a->head = (a->head + 1) % BWACCT_RING;
    a->ring[a->head].at = now;
    a->ring[a->head].c = a->c;
    if (a->n < a->keep) a->n++;
    return 1;
}

static double per_s(uint64_t newer, uint64_t older, double span_s) { return (double)(newer - older) / span_s; }

void bwacct_rates(const struct bwacct *a, size_t n, struct bwacct_rates *out)
{
    memset(out, 0, sizeof *out);
    if (a->n < 2 || n == 0) return;
    if (n > a->n - 1) n = a->n - 1;                    /* fewer snapshots: use the oldest held */
    const struct bwacct_snapshot *hd = &a->ring[a->head];
    const struct bwacct_snapshot *old = &a->ring[(a->head + BWACCT_RING - n) % BWACCT_RING];
    double span = (double)(hd->at - old->at) / 1e9;
    if (span <= 0) return;
    out->span_s = span;
    out->emule_out = per_s(hd->c.emule_out, old->c.emule_out, span);
    out->emule_in = per_s(hd->c.emule_in, old->c.emule_in, span);
    out->emule_out_overall = per_s(hd->c.emule_out_overall, old->c.emule_out_overall, span);
    out->emule_in_overall = per_s(hd->c.emule_in_overall, old->c.emule_in_overall, span);
    out->network_out = per_s(hd->c.network_out, old->c.network_out, span);
    out->network_in = per_s(hd->c.network_in, old->c.network_in, span);
}
