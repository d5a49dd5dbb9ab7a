/* Socket-mode controller: chooses how a peer socket delivers bytes (passive reads, active chunks,
 * active {packet,4} messages) from the peer's measured rate, with hi/lo marks and dwell time.
 *
 * Policies:
 *  - fixed: one mode for the whole life of the socket.
 *  - etorrent2010: the rule etorrent ran May 2010 - Aug 2011 (etorrent.md §3): start passive,
 *    evaluate on every rate tick (the caller's 5-s tick, right after the 0-byte rate update),
 *    passive -> packet4 when rate > 16000 B/s, packet4 -> passive when rate < 4000 B/s, strict
 *    comparisons, no dwell time.  The hi/lo/mode fields of the configuration are ignored.
 *  - hysteresis: the general form: cheap_mode above hi_Bps, precise_mode below lo_Bps (strict
 *    comparisons), evaluated on a tick only when eval_period has passed since the last
 *    evaluation, and never sooner than min_dwell after the last switch (or init).
 *    lo_Bps == hi_Bps is allowed: a single threshold, where a rate exactly on it keeps the
 *    current mode and only the dwell time damps flapping.  lo_Bps > hi_Bps is rejected.
 * Going into packet4 from a mode where the application frames messages needs the partial message
 * drained first (etorrent read exactly its rest, so the runtime's framing starts on a boundary):
 * the tick then answers SM_DRAIN_FIRST and the switch completes when the caller reports
 * sockmode_drain_done.  The rate-update granularity is carried for the caller, which does the
 * updating. */
#ifndef CORE_SOCKMODE_H
#define CORE_SOCKMODE_H

#include <stddef.h>
#include <stdint.h>

enum sock_mode {
    SOCK_PASSIVE = 0,        /* the application reads what is buffered and frames messages      */
    SOCK_ACTIVE,             /* the runtime hands over each chunk as it arrives; app frames     */
    SOCK_ACTIVE_PACKET4,     /* the runtime frames: one delivery per complete 4-byte-prefixed msg */
    SOCK_MODE__N
};
extern const char *const sock_mode_name[SOCK_MODE__N];   /* passive, active, packet4 */

enum sockmode_policy { SMP_FIXED = 0, SMP_ETORRENT2010, SMP_HYSTERESIS, SMP__N };
extern const char *const sockmode_policy_name[SMP__N];   /* fixed, etorrent2010, hysteresis */

/* When the caller updates the rate: once per complete wire message (what etorrent did in both
 * modes) or once per read / delivered chunk (what the seed's argument assumes). */
enum rate_granularity { RATE_PER_MESSAGE = 0, RATE_PER_CHUNK, RATE_GRAN__N };
extern const char *const rate_granularity_name[RATE_GRAN__N];   /* per_message, per_chunk */

/* Name lookups for configuration; -1 if unknown. */
int sock_mode_parse(const char *name);
int sockmode_policy_parse(const char *name);
int rate_granularity_parse(const char *name);

#define SOCKMODE_ETORRENT_ENTER_FAST 16000.0   /* B/s, etorrent.md §3 ENTER_FAST */
#define SOCKMODE_ETORRENT_ENTER_SLOW 4000.0    /* B/s, etorrent.md §3 ENTER_SLOW */

struct sockmode_cfg {
    enum sockmode_policy  policy;
    enum sock_mode        fixed_mode;      /* fixed                                        */
    enum sock_mode        precise_mode;    /* hysteresis: below lo_Bps; the starting mode  */
    enum sock_mode        cheap_mode;      /* hysteresis: above hi_Bps                     */
    double                hi_Bps, lo_Bps;
    int64_t               eval_period_ns;  /* hysteresis: 0 = every tick                   */
    int64_t               min_dwell_ns;    /* hysteresis: 0 = no dwell time                */
    enum rate_granularity granularity;
};

/* Defaults of a policy: fixed passive; etorrent2010's constants; hysteresis with etorrent's
 * marks, passive/packet4, every tick, no dwell.  Granularity per_message. */
void sockmode_cfg_default(struct sockmode_cfg *c, enum sockmode_policy policy);
/* One line naming what is wrong (lo above hi, equal modes, negative values); -1 on error. */
int  sockmode_cfg_check(const struct sockmode_cfg *c, char *err, size_t errlen);

enum sockmode_action {
    SM_STAY = 0,         /* mode unchanged                                              */
    SM_SWITCHED,         /* the mode changed at this tick                               */
    SM_DRAIN_FIRST,      /* switch wanted: drain the partial message, then drain_done   */
    SM_DRAINING,         /* a drain is still under way; nothing was evaluated           */
};

struct sockmode {
    struct sockmode_cfg cfg;
    enum sock_mode      mode;
    enum sock_mode      pending;          /* target while draining                   */
    int                 draining;
    int64_t             last_switch_ns, last_eval_ns;
    uint64_t            ticks, evaluations, switches, drains;
    uint64_t            to_cheap, to_precise;
};

void sockmode_init(struct sockmode *m, const struct sockmode_cfg *cfg, int64_t now_ns);
/* Called on every rate tick with the just-updated rate.  partial_pending: the application holds
 * part of a message (only matters when going to packet4). */
enum sockmode_action sockmode_on_tick(struct sockmode *m, int64_t now_ns, double rate_Bps, int partial_pending);
/* Moves a hysteresis controller's marks while the socket lives (a controller whose marks follow
 * the rate at the unchoke boundary).  Takes effect at the next evaluation; a switch under way
 * completes.  -1 (nothing changed) unless the policy is hysteresis and 0 <= lo <= hi, finite. */
int  sockmode_set_marks(struct sockmode *m, double hi_Bps, double lo_Bps);
/* The partial message is complete: the pending switch takes effect now. */
void sockmode_drain_done(struct sockmode *m, int64_t now_ns);

static inline enum sock_mode sockmode_mode(const struct sockmode *m) { return m->mode; }
static inline enum rate_granularity sockmode_granularity(const struct sockmode *m) { return m->cfg.granularity; }

#endif
