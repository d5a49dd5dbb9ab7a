/* Throttler state shared by both loops: the slot list (Full first, then Trickles), the Full
 * round-robin list, the control queue, booking of sent bytes, and the readouts. */
#include "throttle.h"
#include <string.h>

const char *const thr_policy_name[THR__N] = { "none", "official", "xtreme", "nafc" };

int thr_policy_parse(const char *name)
{
    for (int i = 0; i < THR__N; i++)
        if (!strcmp(name, thr_policy_name[i])) return i;
    return -1;
}

void thr_cfg_default(struct thr_cfg *c)
{
    c->policy = THR_XTREME;
    c->limit_Bps = 12u * 1024u;            /* MaxUpload default 12 KB/s (§1.2) */
    c->slot_speed_Bps = 3482u;             /* uploadslotspeed default 3.4 KB/s (§1.5) */
    c->mtu = 1340;
    c->double_send = 0;
    c->nafc_reserve = 0.33;
    c->notreached_slots = 0;
}

void thr_init(struct throttle *t, const struct thr_cfg *cfg, const struct thr_ops *ops, void *ctx,
              struct bwacct *acct, int64_t now)
{
    memset(t, 0, sizeof *t);
    t->cfg = *cfg;
    if (t->cfg.slot_speed_Bps < 1024) t->cfg.slot_speed_Bps = 1024;   /* the original's guard */
    t->ops = ops;
    t->ctx = ctx;
    t->acct = acct;
    t->last_ms = now / 1000000;
    t->seen_overall = acct->c.emule_out_overall;
    t->seen_network = acct->c.network_out;
    t->last_rate = t->cfg.limit_Bps;
    t->last_slotspeed = t->cfg.slot_speed_Bps;
    t->last_reached = now;
    t->step_idx = br_step_index(now);
    t->cap_hit_since = -1;
    t->last_data_at = now;
    br_health_init(&t->health);
}

static int slot_index(const struct throttle *t, int32_t sock)
{
    for (uint32_t i = 0; i < t->n_slots; i++)
        if (t->slot[i].sock == sock) return (int)i;
    return -1;
}

const struct thr_slot *thr_slot_of(const struct throttle *t, int32_t sock)
{
    int i = slot_index(t, sock);
    return i < 0 ? NULL : &t->slot[i];
}

static void rr_remove(struct throttle *t, int32_t sock)
{
    for (uint32_t i = 0; i < t->n_rr; i++) {
        if (t->rr[i] != sock) continue;
        memmove(&t->rr[i], &t->rr[i + 1], (t->n_rr - i - 1) * sizeof t->rr[0]);
        t->n_rr--;
        return;
    }
}

/* Only the boundary moves: S[n_full] becomes Full, or S[n_full - 1] becomes a Trickle, so the
 * list stays "Full first" without reordering anyone. */
void thr_make_full(struct throttle *t, uint32_t idx, int64_t now)
{
    struct thr_slot *sl = &t->slot[idx];
    sl->full = 1;
    sl->full_since = now;
    t->rr[t->n_rr++] = sl->sock;
    t->n_full++;
}

void thr_make_trickle(struct throttle *t, uint32_t idx, int64_t now)
{
    struct thr_slot *sl = &t->slot[idx];
    if (sl->full_since >= 0) sl->full_ns += now - sl->full_since;
    sl->full = 0;
    sl->full_since = -1;
    sl->cslope = 1;                            /* SetTrickle resets the trickle bucket */
    sl->cslope_rem = 0;
    rr_remove(t, sl->sock);
    t->n_full--;
}

int thr_add_slot(struct throttle *t, int32_t sock, int64_t now)
{
    if (t->n_slots >= THR_MAX_SLOTS || slot_index(t, sock) >= 0) return -1;
    struct thr_slot *sl = &t->slot[t->n_slots++];
    memset(sl, 0, sizeof *sl);
    sl->sock = sock;
    sl->cslope = 1;
    sl->added_at = now;
    sl->last_called = now;
    sl->full_since = -1;
    br_socket_init(&sl->br);
    if (t->cfg.policy == THR_OFFICIAL) thr_make_full(t, t->n_slots - 1, now);   /* no Trickles */
    else if (t->n_full == 0) t->recalculate = 1;                                  /* first slot  */
    return 0;
}

int thr_remove_slot(struct throttle *t, int32_t sock, int64_t now)
{
    int i = slot_index(t, sock);
    if (i < 0) return -1;
    int was_full = t->slot[i].full;
    if (was_full) { rr_remove(t, sock); t->n_full--; }
    memmove(&t->slot[i], &t->slot[i + 1], (t->n_slots - (uint32_t)i - 1) * sizeof t->slot[0]);
    t->n_slots--;
    if (t->n_slots && t->trickle_rr >= t->n_slots) t->trickle_rr = 0;
    if (t->cfg.policy == THR_OFFICIAL || !was_full) return 0;
    /* A Full slot left: if the split now wants more Full slots, promote the next Trickle. */
    struct bwacct_rates r;
    bwacct_rates(t->acct, 20, &r);
    double ovh = t->cfg.policy == THR_NAFC ? r.network_out - r.emule_out : r.emule_out_overall - r.emule_out;
    int all_full;
    uint32_t want = thr_xtreme_full_slots(t->cfg.limit_Bps, ovh, t->n_slots - t->n_full,
                                          t->cfg.slot_speed_Bps, t->n_slots, &all_full);
    if (want > t->n_full || t->n_full == 0) t->next_trickle_to_full = 1;
    (void)now;
    return 0;
}

int thr_queue_control(struct throttle *t, int32_t sock)
{
    for (uint32_t k = 0; k < t->ctrl_n; k++)
        if (t->ctrl[(t->ctrl_head + k) % THR_MAX_CTRL] == sock) return 0;
    if (t->ctrl_n >= THR_MAX_CTRL) return -1;
    t->ctrl[(t->ctrl_head + t->ctrl_n) % THR_MAX_CTRL] = sock;
    t->ctrl_n++;
    return 0;
}

void thr_set_limit(struct throttle *t, uint32_t limit_Bps) { t->cfg.limit_Bps = limit_Bps; }

void thr_set_slot_speed(struct throttle *t, uint32_t slot_speed_Bps)
{
    t->cfg.slot_speed_Bps = slot_speed_Bps < 1024 ? 1024 : slot_speed_Bps;
}

void thr_next_trickle_to_full(struct throttle *t) { t->next_trickle_to_full = 1; }

uint32_t thr_next_frag_size(uint32_t bytes, uint32_t min_frag)
{
    if (min_frag == 0) min_frag = 1;
    uint32_t rest = bytes % min_frag;
    if (rest == 0) return bytes;
    uint64_t up = (uint64_t)bytes + (min_frag - rest);
    return up > UINT32_MAX ? UINT32_MAX - (UINT32_MAX % min_frag) : (uint32_t)up;
}

/* One send request (EMSocket::Send): zero the report, round the request up to whole fragments,
 * call the socket, book the bytes.  Returns the bytes the request debits under the active
 * policy (official: eD2K bytes only). */
uint32_t thr_send(struct throttle *t, struct thr_slot *sl, int32_t sock, uint32_t max, uint32_t min_frag,
                  int control, int64_t now, struct thr_sent *s)
{
    memset(s, 0, sizeof *s);
    if (max == 0) return 0;
    t->ops->send(t->ctx, sock, thr_next_frag_size(max, min_frag), min_frag, control, now, s);
    bwacct_add_out(t->acct, s->data, s->proto, s->hdr_est);
    if (s->data) t->last_data_at = now;
    uint32_t spent = s->data + s->proto + (t->cfg.policy == THR_OFFICIAL ? 0u : s->hdr_est);
    if (sl) {
        sl->data_sent += s->data;
        sl->spent += spent;
        if (!control) br_socket_note(&sl->br, s->attempts, s->blocked);
    }
    return spent;
}

/* Every 1024 ms: close the blocking-ratio step of every slot and the health step. */
void thr_step_blockratio(struct throttle *t, int64_t now)
{
    int64_t idx = br_step_index(now);
    if (idx == t->step_idx) return;
    t->step_idx = idx;
    for (uint32_t i = 0; i < t->n_slots; i++) br_socket_step(&t->slot[i].br);
    br_health_step(&t->health);
}

int64_t thr_run(struct throttle *t, int64_t now, uint64_t adapter_out, uint64_t adapter_in)
{
    bwacct_adapter_sample(t->acct, adapter_out, adapter_in);
    bwacct_process(t->acct, now);
    /* Latch readiness; a slot becoming ready is Xtreme's SetNoNeedSlot. */
    for (uint32_t i = 0; i < t->n_slots; i++) {
        struct thr_slot *sl = &t->slot[i];
        if (!sl->ready && t->ops->ready(t->ctx, sl->sock)) { sl->ready = 1; t->needslot = 0; }
    }
    int64_t sleep = t->cfg.policy == THR_OFFICIAL ? thr_run_official(t, now) : thr_run_xtreme(t, now);
    t->loops++;
    t->last_sleep_ns = sleep;
    return sleep;
}

double thr_block_ratio(const struct throttle *t)
{
    double s = 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->n_slots; i++)
        if (t->slot[i].full) { s += br_socket_ratio(&t->slot[i].br); n++; }
    return n ? s / n : 0.0;
}

double thr_upload_health(const struct throttle *t) { return br_health_value(&t->health); }

uint32_t thr_xtreme_full_slots(uint32_t rate, double avg_overhead, uint32_t n_trickles,
                               uint32_t slot_speed, uint32_t n_slots, int *all_full)
{
    int64_t ss = slot_speed ? slot_speed : 1;
    int64_t real = (int64_t)rate - (int64_t)avg_overhead - (int64_t)THR_TRICKLE_SPEED * n_trickles;
    if (real < 0) real = 0;
    int64_t saved = n_trickles > 1 ? THR_TRICKLE_SPEED : 0;
    int64_t slots = real / ss;
    if (slots < 1) slots = 1;
    if (slots >= (int64_t)n_slots) { *all_full = 1; return n_slots; }
    *all_full = 0;
    /* Round to the nearer count, biased up by the 500 B/s a second Trickle would give back. */
    if (real - slots * ss > ((slots + 1) * ss - real) - saved) slots++;
    return (uint32_t)slots;
}
