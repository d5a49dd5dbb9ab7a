/* The 4 / 11 KB/s download-limit rules: a static one on the configured upload limit and the
 * NAFC one on the measured own upload (emule-upload.md §1.2). */
#include "throttle_nafc.h"

double nafc_static_download_limit(double u, double user_max_down_kBps, double step_kBps)
{
    if (u < NAFC_RULE_LOW) return 3.0 * u;
    if (u < step_kBps) return 4.0 * u;
    return user_max_down_kBps > 0 ? user_max_down_kBps : 0.0;
}

double nafc_download_limit(double static_limit_kBps, double own_overall_Bps)
{
    double r = own_overall_Bps / 1024.0, d;
    if (r < NAFC_RULE_LOW) d = 3.0 * r;
    else if (r < NAFC_RULE_STEP) d = 4.0 * r;
    else return static_limit_kBps;
    if (d < 1.0) d = 1.0;
    if (static_limit_kBps > 0 && static_limit_kBps < d) d = static_limit_kBps;
    return d;
}

double nafc_download_limit_acct(double static_limit_kBps, const struct bwacct *a)
{
    struct bwacct_rates r;
    bwacct_rates(a, NAFC_RULE_WINDOW, &r);
    if (r.span_s <= 0) return static_limit_kBps;        /* nothing measured yet */
    return nafc_download_limit(static_limit_kBps, r.emule_out_overall);
}
