/* The 20-sample FIFOs behind the blocking ratio and upload health.
 * Samples are percentages of counts within one 1.024-s step; counts are reset at each step. */
#include "blockratio.h"
#include <string.h>

void br_fifo_push(struct br_fifo *f, double percent)
{
    f->sample[f->head] = (float)percent;
    f->head = (uint8_t)((f->head + 1) % BR_HISTORY);
    if (f->n < BR_HISTORY) f->n++;
}

double br_fifo_mean(const struct br_fifo *f)
{
    if (f->n == 0) return 0.0;
    double s = 0;
    for (unsigned i = 0; i < f->n; i++) s += f->sample[i];   /* order does not matter for a mean */
    return s / f->n;
}

static double percent(uint64_t part, uint64_t whole) { return whole ? 100.0 * (double)part / (double)whole : 0.0; }

void br_socket_init(struct br_socket *b) { memset(b, 0, sizeof *b); }

void br_socket_note(struct br_socket *b, uint32_t attempts, uint32_t blocked)
{
    b->sendcount += attempts;
    b->blockedcount += blocked;
    b->sent_overall += attempts;
    b->blocked_overall += blocked;
}

void br_socket_step(struct br_socket *b)
{
    br_fifo_push(&b->hist, percent(b->blockedcount, b->sendcount));
    b->sendcount = b->blockedcount = 0;
}

double br_socket_ratio(const struct br_socket *b) { return br_fifo_mean(&b->hist); }
double br_socket_overall(const struct br_socket *b) { return percent(b->blocked_overall, b->sent_overall); }

void br_health_init(struct br_health *h) { memset(h, 0, sizeof *h); }

void br_health_note_loop(struct br_health *h, int budget_spent)
{
    h->loops++;
    if (budget_spent) h->successful++;
}

void br_health_step(struct br_health *h)
{
    br_fifo_push(&h->hist, percent(h->successful, h->loops));
    h->loops = h->successful = 0;
}

double br_health_value(const struct br_health *h) { return br_fifo_mean(&h->hist); }
