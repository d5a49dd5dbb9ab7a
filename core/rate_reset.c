/* The counter-reset rate: bytes per round, rolled over lazily whenever a call sees a later
 * round, so no timer is needed and a read never has to change state. */
#include "rate_reset.h"

enum { P_ROUND = 0, P_PARTIAL = 1 };

static int64_t round_ns(const struct rate_est *e) { return (int64_t)(e->p.v[P_ROUND] * 1e9); }

static int64_t round_of(const struct rate_est *e, int64_t now_ns)
{
    int64_t len = round_ns(e), q = now_ns / len;
    if (now_ns % len < 0) q--;
    return q;
}

static int reset_init(struct rate_est *e, int64_t now_ns)
{
    e->s.rs.round = round_of(e, now_ns);
    e->s.rs.cur_bytes = 0;
    e->s.rs.prev_bytes = 0;
    return 0;
}

static void reset_update(struct rate_est *e, int64_t now_ns, uint64_t bytes)
{
    struct rate_reset_state *s = &e->s.rs;
    int64_t k = round_of(e, now_ns);
    if (k > s->round) {
        /* Only the round just before k is kept; an idle round in between means k - 1 had none. */
        s->prev_bytes = k == s->round + 1 ? s->cur_bytes : 0;
        s->cur_bytes = 0;
        s->round = k;
    }
    s->cur_bytes += bytes;
}

static double reset_read(const struct rate_est *e, int64_t now_ns)
{
    const struct rate_reset_state *s = &e->s.rs;
    int64_t k = round_of(e, now_ns);
    if (k < s->round) k = s->round;
    double len_s = e->p.v[P_ROUND];
    if (e->p.v[P_PARTIAL] != 0) return k == s->round ? (double)s->cur_bytes / len_s : 0.0;
    if (k == s->round) return (double)s->prev_bytes / len_s;
    if (k == s->round + 1) return (double)s->cur_bytes / len_s;
    return 0.0;
}

static const struct rate_param_def reset_params[] = {
    [P_ROUND]   = { "round_s", 10, 0.001, 3600, 0, "round length, s (etorrent.md §2: 10)" },
    [P_PARTIAL] = { "partial", 0, 0, 1, 1, "1: read the running round's counter / round_s instead of the last complete round" },
};

const struct rate_algo rate_algo_reset10 = {
    .name = "reset10",
    .doc = "byte counter per 10-s round, reset at the round boundary (etorrent before July 2008)",
    .params = reset_params, .n_params = 2,
    .init = reset_init, .update = reset_update, .read = reset_read,
};
