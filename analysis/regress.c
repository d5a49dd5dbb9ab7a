/* The metric direction table and the verdict rule of `ratelab regress`.
 * Names ending in '*' match by prefix (cpu_us_per_s_wakeup, ...). */
#include "regress.h"
#include <math.h>
#include <string.h>

struct direction { const char *name; int dir; };

/* Metric names as the experiments emit them (asym_link, etorrent, xtreme). */
static const struct direction directions[] = {
    /* more is better */
    { "down_goodput_kbps", +1 }, { "up_goodput_kbps", +1 }, { "voip_goodput_kbps", +1 },
    { "down_goodput_kBps", +1 }, { "up_link_util", +1 }, { "down_link_util", +1 },
    { "unchoke_overlap", +1 }, { "unchoke_rank_corr", +1 }, { "upload_health", +1 },
    { "conservation_ok", +1 }, { "amdahl_max_speedup", +1 },
    /* less is better */
    { "voip_delay_ms_mean", -1 }, { "voip_delay_ms_p95", -1 }, { "voip_loss", -1 },
    { "up_queue_delay_ms_mean", -1 }, { "up_queue_delay_ms_p95", -1 },
    { "drops", -1 }, { "drops_up", -1 }, { "drops_down", -1 }, { "bytes_dropped", -1 },
    { "retransmits", -1 }, { "rto_expiries", -1 }, { "fast_retransmits", -1 },
    { "cpu_us_per_s", -1 }, { "cpu_us_per_s_*", -1 }, { "rate_cpu_share", -1 },
    { "rate_err_mare", -1 }, { "rate_err_p95", -1 }, { "intervals_without_sample", -1 },
    { "late_fast_rank_delay_s", -1 }, { "switches_per_peer_hour", -1 },
    { "up_wire_cv", -1 }, { "slot_speed_err", -1 }, { "time_to_stable_s", -1 },
    { "blocking_ratio_mean", -1 },
};

int metric_direction(const char *name)
{
    for (size_t i = 0; i < sizeof directions / sizeof directions[0]; i++) {
        const char *d = directions[i].name;
        size_t l = strlen(d);
        if (d[l - 1] == '*' ? !strncmp(name, d, l - 1) : !strcmp(name, d)) return directions[i].dir;
    }
    return 0;
}

const char *verdict_name(enum verdict v)
{
    switch (v) {
    case VERDICT_SAME:     return "same";
    case VERDICT_BETTER:   return "better";
    case VERDICT_WORSE:    return "WORSE";
    case VERDICT_CHANGED:  return "changed";
    case VERDICT_UNTESTED: return "untested (n<2)";
    }
    return "?";
}

enum verdict regress_verdict(const char *metric, const struct sample_stats *base,
                             const struct sample_stats *now, const struct regress_rule *rule,
                             struct welch_result *w)
{
    stats_welch(base, now, w);
    if (base->n == 0 && now->n == 0) return VERDICT_SAME;
    if (base->n < 2 || now->n < 2) return base->mean == now->mean ? VERDICT_SAME : VERDICT_UNTESTED;
    double diff = now->mean - base->mean;
    double scale = fmax(fabs(base->mean), fabs(now->mean));
    if (!(w->p < rule->alpha) || fabs(diff) < rule->min_effect * scale) return VERDICT_SAME;
    int dir = metric_direction(metric);
    if (dir == 0) return VERDICT_CHANGED;
    return diff * dir > 0 ? VERDICT_BETTER : VERDICT_WORSE;
}
