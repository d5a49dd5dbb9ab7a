/* Packet pool: slab-allocated free list.
 * Allocation is a pointer pop, so packet churn costs nothing in steady state. */
#include "packet.h"
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

const char *const byte_class_name[BC__N] = { "data", "control", "header", "ack", "cross" };

#define SLAB_PKTS 1024

void pkt_pool_init(struct pkt_pool *pp) { memset(pp, 0, sizeof *pp); }

void pkt_pool_free(struct pkt_pool *pp)
{
    for (size_t i = 0; i < pp->n_slabs; i++) free(pp->slabs[i]);
    free(pp->slabs);
    memset(pp, 0, sizeof *pp);
}

static void grow(struct pkt_pool *pp)
{
    if (pp->n_slabs == pp->cap_slabs) {
        pp->cap_slabs = pp->cap_slabs ? 2 * pp->cap_slabs : 16;
        void **s = realloc(pp->slabs, pp->cap_slabs * sizeof *s);
        if (!s) { perror("pkt_pool"); exit(1); }
        pp->slabs = s;
    }
    struct packet *slab = malloc(SLAB_PKTS * sizeof *slab);
    if (!slab) { perror("pkt_pool"); exit(1); }
    pp->slabs[pp->n_slabs++] = slab;
    for (size_t i = 0; i < SLAB_PKTS; i++) { slab[i].next = pp->free_list; pp->free_list = &slab[i]; }
}

struct packet *pkt_alloc(struct pkt_pool *pp)
{
    if (!pp->free_list) grow(pp);
    struct packet *p = pp->free_list;
    pp->free_list = p->next;
    memset(p, 0, sizeof *p);
    pp->live++;
    return p;
}

void pkt_free(struct pkt_pool *pp, struct packet *p)
{
    p->next = pp->free_list;
    pp->free_list = p;
    pp->live--;
}
