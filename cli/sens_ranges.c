/* Documented default ranges for sensitivity studies, range specs, and coordinate -> value. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "sens_ranges.h"

struct range_doc { const char *experiment, *key, *spec, *why; };

/* What a client's line, swarm or configuration plausibly spans; docs/experiments.md repeats it. */
static const struct range_doc ranges[] = {
    { "asym_link", "up_limit_kbps",    "16:112",             "upload payload limit on the 128 kbit/s line" },
    { "asym_link", "modem_queue_pkts", "5:100",              "modem FIFOs from short to bufferbloated" },
    { "asym_link", "delack_count",     "1,2",                "ACK every segment or every second" },
    { "asym_link", "framing",          "ppp,ethernet,pppoe_atm", "line framings" },
    { "asym_link", "sack",             "0,1",                "NewReno or SACK recovery" },
    { "asym_link", "cc",               "newreno,cubic",      "congestion avoidance" },
    { "asym_link", "up_kbps",          "64:512",             "ADSL upstream rates" },
    { "etorrent",  "hi_mark",          "4k:64k:log",         "cheap mode above this rate, B/s" },
    { "etorrent",  "lo_mark",          "1k:4k:log",          "precise mode below this rate, B/s (stays <= hi_mark)" },
    { "etorrent",  "rate_granularity", "per_message,per_chunk", "etorrent as built / the seed's premise" },
    { "etorrent",  "rate_algo",        "etorrent,etorrent_ns,reset10,ewma,window", "rate estimators of core/rate.h" },
    { "etorrent",  "n_peers",          "10:60",              "swarm size" },
    { "etorrent",  "cap_min_Bps",      "500:8000:log",       "slowest peer's upload to us, B/s" },
    { "etorrent",  "cap_max_Bps",      "20k:2M:log",         "fastest peer's upload to us, B/s" },
    { "etorrent",  "upload_limit_kib", "0:200",              "our upload limit: 0 = 7 slots, 200 KiB/s = 13" },
    { "etorrent",  "late_share",       "0:0.3",              "share of peers that unchoke us late" },
    { "etorrent",  "pipeline",         "2:16",               "outstanding requests per peer" },
    { "xtreme",    "upload_limit_kBps", "20:70",             "from 28 % to 100 % of a 576 kbit/s line" },
    { "xtreme",    "modem_queue_pkts", "10:100",             "modem FIFOs from short to bufferbloated" },
    { "xtreme",    "framing",          "pppoe_atm,ethernet", "ADSL with ATM cells or Ethernet-framed" },
    { "xtreme",    "delack_count",     "1,2",                "downloads ACK every segment or every second" },
    { "xtreme",    "n_sources",        "1:8",                "download sources at the same time" },
    { "xtreme",    "voip_kBps",        "0:10",               "VoIP upstream, KB/s" },
    { "xtreme",    "up_kbps",          "384:1024",           "ADSL upstream rates" },
    { "xtreme",    "down_kbps",        "2000:16000",         "ADSL downstream rates" },
    { "xtreme",    "slot_speed_kBps",  "2:5",                "target slot speed, KB/s (within Xtreme's cap at 20 KB/s)" },
    { "xtreme",    "dl_slow_frac",     "0:0.5",              "share of downloaders slower than the slot speed" },
    { "xtreme",    "upload_policy",    "official,xtreme,nafc", "what the limit counts" },
    { "xtreme",    "estimator",        "xtreme,libtorrent,exact", "overhead estimate" },
};

const char *sens_default_range(const char *experiment, const char *key, const char **why)
{
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (!strcmp(ranges[i].experiment, experiment) && !strcmp(ranges[i].key, key)) {
            if (why) *why = ranges[i].why;
            return ranges[i].spec;
        }
    return NULL;
}

void sens_list_ranges(FILE *f)
{
    fprintf(f, "documented default ranges (override with --range KEY=LO:HI[:log] or KEY=a,b,c):\n");
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        fprintf(f, "  %-10s %-18s %-42s %s\n", ranges[i].experiment, ranges[i].key, ranges[i].spec, ranges[i].why);
}

int sens_range_parse(const struct scenario *sc, const char *key, const char *spec, const char *origin,
                     struct sens_range *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    snprintf(r->key, sizeof r->key, "%s", key);
    snprintf(r->spec, sizeof r->spec, "%s", spec);
    r->idx = params_index(&sc->ps, key);
    if (r->idx < 0) { snprintf(err, errlen, "%s: experiment %s has no key '%s'", origin, sc->exp->name, key); return -1; }
    const struct param_def *d = &sc->ps.defs[r->idx];
    if (!strcmp(key, "seed")) { snprintf(err, errlen, "%s: the seed is varied by every study already ((seed) bar)", origin); return -1; }
    r->is_int = d->type == PT_INT;
    char tmp[128];
    snprintf(tmp, sizeof tmp, "%s", spec);
    if (strchr(spec, ',') || d->type == PT_ENUM || d->type == PT_BOOL) {
        r->is_list = 1;
        for (char *save = NULL, *v = strtok_r(tmp, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
            if (r->n_choice == SENS_MAX_CHOICES) { snprintf(err, errlen, "%s: more than %d values", origin, SENS_MAX_CHOICES); return -1; }
            snprintf(r->choice[r->n_choice++], sizeof r->choice[0], "%s", v);
        }
        if (r->n_choice < 2) { snprintf(err, errlen, "%s: key '%s': a list needs at least two values (a,b)", origin, key); return -1; }
    } else {
        char *parts[3] = { tmp, NULL, NULL };
        for (int k = 1; k < 3; k++) {
            char *c = parts[k - 1] ? strchr(parts[k - 1], ':') : NULL;
            if (c) { *c = 0; parts[k] = c + 1; }
        }
        if (!parts[1] || parse_number(parts[0], &r->lo) != 0 || parse_number(parts[1], &r->hi) != 0 ||
            (parts[2] && strcmp(parts[2], "log")) || !(r->lo < r->hi)) {
            snprintf(err, errlen, "%s: key '%s': expected LO:HI, LO:HI:log (LO < HI) or a list a,b,c, not '%s'", origin, key, spec);
            return -1;
        }
        r->is_log = parts[2] != NULL;
        if (r->is_log && r->lo <= 0) { snprintf(err, errlen, "%s: key '%s': a log range needs LO > 0", origin, key); return -1; }
    }
    /* Every value must be one the key accepts: check both ends, or every list value. */
    struct param_set probe;
    if (params_copy(&probe, &sc->ps) != 0) { snprintf(err, errlen, "out of memory"); return -1; }
    int rc = 0;
    size_t n_check = r->is_list ? r->n_choice : 2;
    for (size_t i = 0; i < n_check && rc == 0; i++) {
        char v[64];
        sens_value_text(r, r->is_list ? ((double)i + 0.5) / (double)r->n_choice : (double)i, v, sizeof v);
        rc = params_set(&probe, key, v, origin, err, errlen);
    }
    params_free(&probe);
    return rc;
}

void sens_value_text(const struct sens_range *r, double u, char *buf, size_t len)
{
    if (u < 0) u = 0;
    if (u > 1) u = 1;
    if (r->is_list) {
        size_t i = (size_t)floor(u * (double)r->n_choice);
        if (i >= r->n_choice) i = r->n_choice - 1;
        snprintf(buf, len, "%s", r->choice[i]);
        return;
    }
    double v = r->is_log ? exp(log(r->lo) + u * (log(r->hi) - log(r->lo))) : r->lo + u * (r->hi - r->lo);
    if (r->is_int) snprintf(buf, len, "%.0f", round(v));
    else snprintf(buf, len, "%.6g", v);
}
