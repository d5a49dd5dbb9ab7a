/* The socket-mode decision on each rate tick, and the drain handshake before packet4.
 * Pure state machine: the caller owns the socket and does the actual reading. */
#include "sockmode.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const sock_mode_name[SOCK_MODE__N] = { "passive", "active", "packet4" };
const char *const sockmode_policy_name[SMP__N] = { "fixed", "etorrent2010", "hysteresis" };
const char *const rate_granularity_name[RATE_GRAN__N] = { "per_message", "per_chunk" };

static int find(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(names[i], name)) return i;
    return -1;
}
int sock_mode_parse(const char *name) { return find(sock_mode_name, SOCK_MODE__N, name); }
int sockmode_policy_parse(const char *name) { return find(sockmode_policy_name, SMP__N, name); }
int rate_granularity_parse(const char *name) { return find(rate_granularity_name, RATE_GRAN__N, name); }

void sockmode_cfg_default(struct sockmode_cfg *c, enum sockmode_policy policy)
{
    memset(c, 0, sizeof *c);
    c->policy = policy;
    c->fixed_mode = SOCK_PASSIVE;
    c->precise_mode = SOCK_PASSIVE;
    c->cheap_mode = SOCK_ACTIVE_PACKET4;
    c->hi_Bps = SOCKMODE_ETORRENT_ENTER_FAST;
    c->lo_Bps = SOCKMODE_ETORRENT_ENTER_SLOW;
    c->eval_period_ns = 0;
    c->min_dwell_ns = 0;
    c->granularity = RATE_PER_MESSAGE;
}

int sockmode_cfg_check(const struct sockmode_cfg *c, char *err, size_t errlen)
{
    if ((unsigned)c->policy >= SMP__N || (unsigned)c->fixed_mode >= SOCK_MODE__N ||
        (unsigned)c->precise_mode >= SOCK_MODE__N || (unsigned)c->cheap_mode >= SOCK_MODE__N ||
        (unsigned)c->granularity >= RATE_GRAN__N) {
        snprintf(err, errlen, "socket-mode configuration holds an unknown policy, mode or granularity");
        return -1;
    }
    if (c->policy != SMP_HYSTERESIS) return 0;
    if (!(c->lo_Bps >= 0) || !isfinite(c->hi_Bps)) {
        snprintf(err, errlen, "lo_mark %g and hi_mark %g B/s must be finite and >= 0", c->lo_Bps, c->hi_Bps);
        return -1;
    }
    if (c->lo_Bps > c->hi_Bps) {
        snprintf(err, errlen, "lo_mark %g B/s is above hi_mark %g B/s (need lo_mark <= hi_mark)", c->lo_Bps, c->hi_Bps);
        return -1;
    }
    if (c->precise_mode == c->cheap_mode) {
        snprintf(err, errlen, "precise mode and cheap mode are both %s: use the fixed policy",
                 sock_mode_name[c->precise_mode]);
        return -1;
    }
    if (c->eval_period_ns < 0 || c->min_dwell_ns < 0) {
        snprintf(err, errlen, "evaluation period and minimum dwell time must be >= 0");
        return -1;
    }
    return 0;
}

int sockmode_set_marks(struct sockmode *m, double hi_Bps, double lo_Bps)
{
    if (m->cfg.policy != SMP_HYSTERESIS || !(lo_Bps >= 0) || !(lo_Bps <= hi_Bps) || !isfinite(hi_Bps)) return -1;
    m->cfg.hi_Bps = hi_Bps;
    m->cfg.lo_Bps = lo_Bps;
    return 0;
}

void sockmode_init(struct sockmode *m, const struct sockmode_cfg *cfg, int64_t now_ns)
{
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    if (cfg->policy == SMP_ETORRENT2010) {
        /* etorrent.md §3: the rule had fixed constants, whatever else is configured */
        enum rate_granularity g = cfg->granularity;
        sockmode_cfg_default(&m->cfg, SMP_ETORRENT2010);
        m->cfg.granularity = g;
    }
    m->mode = cfg->policy == SMP_FIXED ? m->cfg.fixed_mode : m->cfg.precise_mode;
    m->pending = m->mode;
    m->last_switch_ns = now_ns;
    m->last_eval_ns = now_ns;
}

static void switch_to(struct sockmode *m, enum sock_mode target, int64_t now_ns)
{
    if (target == m->cfg.cheap_mode) m->to_cheap++;
    else m->to_precise++;
    m->mode = target;
    m->pending = target;
    m->switches++;
    m->last_switch_ns = now_ns;
}

enum sockmode_action sockmode_on_tick(struct sockmode *m, int64_t now_ns, double rate_Bps, int partial_pending)
{
    m->ticks++;
    if (m->cfg.policy == SMP_FIXED) return SM_STAY;
    if (m->draining) return SM_DRAINING;
    if (now_ns - m->last_eval_ns < m->cfg.eval_period_ns) return SM_STAY;
    m->last_eval_ns = now_ns;
    m->evaluations++;

    enum sock_mode target = m->mode;
    if (rate_Bps > m->cfg.hi_Bps && m->mode != m->cfg.cheap_mode) target = m->cfg.cheap_mode;
    else if (rate_Bps < m->cfg.lo_Bps && m->mode != m->cfg.precise_mode) target = m->cfg.precise_mode;
    if (target == m->mode) return SM_STAY;
    if (now_ns - m->last_switch_ns < m->cfg.min_dwell_ns) return SM_STAY;

    if (target == SOCK_ACTIVE_PACKET4 && partial_pending) {
        m->draining = 1;
        m->pending = target;
        return SM_DRAIN_FIRST;
    }
    switch_to(m, target, now_ns);
    return SM_SWITCHED;
}

void sockmode_drain_done(struct sockmode *m, int64_t now_ns)
{
    if (!m->draining) return;
    m->draining = 0;
    m->drains++;
    switch_to(m, m->pending, now_ns);
}
