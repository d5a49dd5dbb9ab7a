/* The choker's rechoke, ring and snub bookkeeping over caller-owned, fixed-size state.
 * Ranking uses an insertion sort on at most CHOKE_MAX_PEERS ids: no allocation, every 10 s. */
#include "choke.h"
#include <math.h>
#include <string.h>

int choke_upload_slots(double limit_kib, int old_variant)
{
    if (limit_kib <= 0) return 7;
    if (limit_kib < 9) return 2;
    if (limit_kib < 15) return 3;
    if (limit_kib < 42) return 4;
    return (int)round(sqrt((old_variant ? 0.6 : 0.8) * limit_kib));
}

void choke_init(struct choker *c, int max_uploads)
{
    memset(c, 0, sizeof *c);
    c->max_uploads = max_uploads;
    c->round_countdown = 0;
}

int choke_add_peer(struct choker *c, unsigned id, double u)
{
    if (id >= CHOKE_MAX_PEERS || c->peer[id].present) return -1;
    size_t pos = (size_t)(u * (double)(c->n_ring + 1));
    if (pos > c->n_ring) pos = c->n_ring;
    memmove(&c->ring[pos + 1], &c->ring[pos], (c->n_ring - pos) * sizeof c->ring[0]);
    c->ring[pos] = (uint16_t)id;
    c->n_ring++;
    memset(&c->peer[id], 0, sizeof c->peer[id]);
    c->peer[id].present = 1;
    return 0;
}

void choke_remove_peer(struct choker *c, unsigned id)
{
    if (id >= CHOKE_MAX_PEERS || !c->peer[id].present) return;
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
    if (id >= CHOKE_MAX_PEERS) return;
    c->peer[id].ticks_without_piece = 0;
    c->peer[id].snubbed = 0;
}

void choke_tick_peer(struct choker *c, unsigned id)
{
    if (id >= CHOKE_MAX_PEERS || !c->peer[id].present) return;
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
    uint16_t tmp[CHOKE_MAX_PEERS];
    memcpy(tmp, c->ring, k * sizeof tmp[0]);
    memmove(c->ring, c->ring + k, (c->n_ring - k) * sizeof c->ring[0]);
    memcpy(c->ring + (c->n_ring - k), tmp, k * sizeof tmp[0]);
    c->advances++;
}

/* Insertion sort of ids by rate, fastest first; equal rates keep ascending id order. */
static void sort_by_rate(const struct choker *c, uint16_t *ids, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint16_t x = ids[i];
        double rx = c->peer[x].rate_Bps;
        size_t j = i;
        while (j > 0 && (c->peer[ids[j - 1]].rate_Bps < rx ||
                         (c->peer[ids[j - 1]].rate_Bps == rx && ids[j - 1] > x))) {
            ids[j] = ids[j - 1];
            j--;
        }
        ids[j] = x;
    }
}

int choke_rechoke(struct choker *c)
{
    uint16_t leech[CHOKE_MAX_PEERS], seed[CHOKE_MAX_PEERS];
    size_t n_leech = 0, n_seed = 0;
    for (size_t i = 0; i < c->n_ring; i++) {
        uint16_t id = c->ring[i];
        struct choke_peer *p = &c->peer[id];
        p->preferred = p->optimistic = 0;
        if (p->seeder || !p->interested) continue;
        if (p->we_seed) seed[n_seed++] = id;
        else if (!p->snubbed) leech[n_leech++] = id;
    }
    sort_by_rate(c, leech, n_leech);
    sort_by_rate(c, seed, n_seed);

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
    for (long i = 0; i < d; i++, n_pref++) c->peer[leech[i]].preferred = 1;
    for (long i = 0; i < s; i++, n_pref++) c->peer[seed[i]].preferred = 1;

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
