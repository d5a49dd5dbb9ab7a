/* The choker's rechoke, ring and snub bookkeeping over state sized once by the caller; a
 * rechoke ranks with qsort in the choker's own scratch space and allocates nothing. */
#include "choke.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

int choke_upload_slots(double limit_kib, int old_variant)
{
    if (limit_kib <= 0) return 7;
    if (limit_kib < 9) return 2;
    if (limit_kib < 15) return 3;
    if (limit_kib < 42) return 4;
    return (int)round(sqrt((old_variant ? 0.6 : 0.8) * limit_kib));
}

int choke_init(struct choker *c, size_t cap, int max_uploads)
{
    memset(c, 0, sizeof *c);
    size_t n = cap ? cap : 1;
    c->peer = calloc(n, sizeof *c->peer);
    c->ring = calloc(n, sizeof *c->ring);
    c->scratch = calloc(n, sizeof *c->scratch);
    if (!c->peer || !c->ring || !c->scratch) { choke_free(c); return -1; }
    c->cap = cap;
    c->max_uploads = max_uploads;
    c->round_countdown = 0;
    return 0;
}

void choke_free(struct choker *c)
{
    free(c->peer);
    free(c->ring);
    free(c->scratch);
    c->peer = NULL;
    c->ring = NULL;
    c->scratch = NULL;
    c->cap = c->n_ring = 0;
}

int choke_add_peer(struct choker *c, unsigned id, double u)
{
    if (id >= c->cap || c->peer[id].present) return -1;
    size_t pos = (size_t)(u * (double)(c->n_ring + 1));
    if (pos > c->n_ring) pos = c->n_ring;
    memmove(&c->ring[pos + 1], &c->ring[pos], (c->n_ring - pos) * sizeof c->ring[0]);
    c->ring[pos] = id;
    c->n_ring++;
    memset(&c->peer[id], 0, sizeof c->peer[id]);
    c->peer[id].present = 1;
    return 0;
}

void choke_remove_peer(struct choker *c, unsigned id)
{
    if (id >= c->cap || !c->peer[id].present) return;
    for (size_t i = 0; i < c->n_ring; i++)
        if (c->ring[i] == id) {
            memmove(&c->ring[i], &c->ring[i + 1], (c->n_ring - i - 1) * sizeof c->ring[0]);
            c->n_ring--;
            break;
        }
    memset(&c->peer[id], 0, sizeof c->peer[id]);
}

void choke_note_piece(struct choker *c, unsigned id)
{
    if (id >= c->cap) return;
    c->peer[id].ticks_without_piece = 0;
    c->peer[id].snubbed = 0;
}

void choke_tick_peer(struct choker *c, unsigned id)
{
    if (id >= c->cap || !c->peer[id].present) return;
    struct choke_peer *p = &c->peer[id];
    if (p->ticks_without_piece > CHOKE_SNUB_TICKS) p->snubbed = 1;
    p->ticks_without_piece++;
}

void choke_tick(struct choker *c)
{
    for (size_t i = 0; i < c->n_ring; i++) choke_tick_peer(c, c->ring[i]);
}

void choke_advance_optimistic(struct choker *c)
{
    size_t k;
    for (k = 0; k < c->n_ring; k++) {
        const struct choke_peer *p = &c->peer[c->ring[k]];
        if (p->interested && !p->unchoked) break;
    }
    if (k == 0 || k == c->n_ring) return;
    /* rotate left by k: reverse [0, k), reverse [k, n), reverse all */
    size_t n = c->n_ring;
    for (size_t a = 0, b = k - 1; a < b; a++, b--) { uint32_t t = c->ring[a]; c->ring[a] = c->ring[b]; c->ring[b] = t; }
    for (size_t a = k, b = n - 1; a < b; a++, b--) { uint32_t t = c->ring[a]; c->ring[a] = c->ring[b]; c->ring[b] = t; }
    for (size_t a = 0, b = n - 1; a < b; a++, b--) { uint32_t t = c->ring[a]; c->ring[a] = c->ring[b]; c->ring[b] = t; }
    c->advances++;
}

/* Fastest first; equal rates by ascending id. */
static int rank_cmp(const void *a, const void *b)
{
    const struct choke_rank *x = a, *y = b;
    if (x->rate != y->rate) return x->rate < y->rate ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}

int choke_rechoke(struct choker *c)
{
    /* leechers ranked from the front of scratch, seeders' peers from the back */
    struct choke_rank *leech = c->scratch, *seed;
    size_t n_leech = 0, n_seed = 0;
    for (size_t i = 0; i < c->n_ring; i++) {
        uint32_t id = c->ring[i];
        struct choke_peer *p = &c->peer[id];
        p->preferred = p->optimistic = 0;
        if (p->seeder || !p->interested) continue;
        if (p->we_seed) { n_seed++; c->scratch[c->cap - n_seed] = (struct choke_rank){ p->rate_Bps, id }; }
        else if (!p->snubbed) leech[n_leech++] = (struct choke_rank){ p->rate_Bps, id };
    }
    seed = c->scratch + (c->cap - n_seed);
    qsort(leech, n_leech, sizeof *leech, rank_cmp);
    qsort(seed, n_seed, sizeof *seed, rank_cmp);

    /* D/S split with surplus moving both ways (etorrent.md §4) */
    int max = c->max_uploads;
    long d = lround(0.7 * max), s = lround(0.3 * max);
    if (d < 1) d = 1;
    if (s < 1) s = 1;
    if (d > (long)n_leech) { s += d - (long)n_leech; d = (long)n_leech; }
    if (s > (long)n_seed) {
        long spare = s - (long)n_seed;
        s = (long)n_seed;
        d = d + spare < (long)n_leech ? d + spare : (long)n_leech;
    }
    size_t n_pref = 0;
    for (long i = 0; i < d; i++, n_pref++) c->peer[leech[i].id].preferred = 1;
    for (long i = 0; i < s; i++, n_pref++) c->peer[seed[i].id].preferred = 1;

    long optimistic = max - (long)n_pref;
    if (optimistic < 1) optimistic = 1;
    long used = 0;
    int unchoked = 0;
    for (size_t i = 0; i < c->n_ring; i++) {
        struct choke_peer *p = &c->peer[c->ring[i]];
        if (p->preferred) p->unchoked = 1;
        else if (used >= optimistic) p->unchoked = 0;
        else if (p->interested) { p->unchoked = 1; p->optimistic = 1; used++; }
        else p->unchoked = 1;                  /* not interested: unchoking costs no slot */
        unchoked += p->unchoked;
    }
    return unchoked;
}

void choke_round(struct choker *c)
{
    if (c->round_countdown == 0) {
        choke_advance_optimistic(c);
        c->round_countdown = CHOKE_OPTIMISTIC_EVERY - 1;
    } else {
        c->round_countdown--;
    }
    c->rounds++;
    choke_rechoke(c);
}
