/* Blocking ratio per upload socket and the throttler's upload health (emule-upload.md §1.6):
 * each a 20-sample FIFO of percentages, one sample per 1.024-s step, read as the mean.
 *
 * Blocking ratio: of the send() attempts in file-send calls during a step, the share that would
 * have blocked.  Upload health: of the throttler loops during a step, the share whose budget was
 * completely spent.  A step with no attempts (no loops) samples 0, as Xtreme does. */
#ifndef CORE_BLOCKRATIO_H
#define CORE_BLOCKRATIO_H

#include <stdint.h>

#define BR_HISTORY 20
#define BR_STEP_NS 1024000000LL       /* "tick >> 10 changed": one step per 1024 ms */

struct br_fifo {
    float   sample[BR_HISTORY];       /* percent                                        */
    uint8_t head, n;
};

struct br_socket {
    uint32_t       sendcount, blockedcount;           /* this step                      */
    uint64_t       sent_overall, blocked_overall;     /* since the slot started         */
    struct br_fifo hist;
};

struct br_health {
    uint32_t       loops, successful;                  /* this step                      */
    struct br_fifo hist;
};

void   br_fifo_push(struct br_fifo *f, double percent);
double br_fifo_mean(const struct br_fifo *f);          /* 0 when empty                   */

void   br_socket_init(struct br_socket *b);
void   br_socket_note(struct br_socket *b, uint32_t attempts, uint32_t blocked);
void   br_socket_step(struct br_socket *b);            /* close the step: push a sample  */
double br_socket_ratio(const struct br_socket *b);     /* 20-step mean, percent          */
double br_socket_overall(const struct br_socket *b);   /* since start, percent           */

void   br_health_init(struct br_health *h);
void   br_health_note_loop(struct br_health *h, int budget_spent);
void   br_health_step(struct br_health *h);
double br_health_value(const struct br_health *h);     /* percent                        */

/* The step index of time `now` (ns): a new step begins when this changes. */
static inline int64_t br_step_index(int64_t now) { return now / BR_STEP_NS; }

#endif
