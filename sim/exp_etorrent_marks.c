/* Experiment etorrent: the unchoke boundary, the rate estimate of the slowest peer a rechoke chose
 * by rate, where the hi/lo marks decide anything; and the option whose marks follow it. */
#include <math.h>
#include "exp_etorrent.h"

void et_marks_after_rechoke(struct et_run *r)
{
    double b = INFINITY;
    for (size_t i = 0; i < r->n_peers; i++)
        if (r->peer[i].connected && r->choker.peer[i].preferred) b = fmin(b, r->choker.peer[i].rate_Bps);
    if (!isfinite(b)) return;                      /* nobody chosen yet */
    if (r->measuring) { r->boundary_sum += b; r->boundary_n++; }
    /* A boundary of 0 B/s (peers not yet sending were chosen) would put both marks at 0: keep them. */
    if (r->cfg.hi_mark_rel <= 0 || !(b > 0)) return;
    double hi = r->cfg.hi_mark_rel * b, lo = hi * r->cfg.lo_over_hi;
    for (size_t i = 0; i < r->n_peers; i++)
        if (r->peer[i].connected) sockmode_set_marks(&r->peer[i].sm, hi, lo);
}

void et_marks_finish(struct et_run *r)
{
    result_metric(r->res, "unchoke_boundary_Bps", r->boundary_n ? r->boundary_sum / (double)r->boundary_n : NAN);
}
