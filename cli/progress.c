/* Progress line: a carriage-return redraw on stderr, rate over this invocation's runs only
 * (runs skipped as already present would make the ETA a lie). */
#include "progress.h"
#include <math.h>
#include <stdio.h>
#include "sweep_pool.h"

void progress_init(struct progress *p, size_t base, size_t total, int enabled)
{
    *p = (struct progress){ .enabled = enabled, .total = total, .base = base };
    p->t0 = pool_mono_s();
}

void progress_format_eta(double s, char *buf, size_t len)
{
    if (!isfinite(s) || s < 0) { snprintf(buf, len, "?"); return; }
    long t = lround(s);
    if (t >= 3600) snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

void progress_update(struct progress *p, size_t done, int force)
{
    if (!p->enabled) return;
    double now = pool_mono_s();
    if (!force && now - p->last_draw < 0.2) return;
    p->last_draw = now;
    double el = now - p->t0;
    double rate = el > 0 ? (double)done / el : 0;
    char eta[16];
    progress_format_eta(rate > 0 ? (double)(p->total - done) / rate : NAN, eta, sizeof eta);
    const char *unit = p->unit ? p->unit : "runs";
    fprintf(stderr, "\r  %zu/%zu %s  %.1f %s/s  ETA %s   ", p->base + done, p->base + p->total, unit, rate, unit, eta);
    fflush(stderr);
    p->drawn = 1;
}

void progress_end(struct progress *p)
{
    if (p->enabled && p->drawn) { fputc('\n', stderr); fflush(stderr); }
    p->drawn = 0;
}
