/* Byte accounting as eMule Xtreme keeps it (emule-upload.md §1.1): six monotone counters, a
 * snapshot of all six at most once per second, and rates over the last N snapshots.
 *
 * eMuleOut/In: file payload.  eMuleOutOverall/InOverall: payload + eD2K control + the overhead
 * estimate (headers, ACKs, SYN/FIN).  networkOut/In: the network adapter's octet counters (NAFC).
 * The ring is fixed-size, so updates never allocate; it holds StatsAverageMinutes (default 5)
 * of 1-s snapshots. */
#ifndef CORE_BWACCT_H
#define CORE_BWACCT_H

#include <stddef.h>
#include <stdint.h>

#define BWACCT_RING 302        /* 5 min of 1-s snapshots, plus the current and one spare      */

struct bwacct_counters {
    uint64_t emule_out, emule_in;
    uint64_t emule_out_overall, emule_in_overall;
    uint64_t network_out, network_in;
};

struct bwacct_rates {               /* bytes per second over the chosen window                */
    double emule_out, emule_in;
    double emule_out_overall, emule_in_overall;
    double network_out, network_in;
    double span_s;                   /* the window actually used (0: fewer than 2 snapshots)   */
};

struct bwacct_snapshot {
    int64_t                at;       /* ns */
    struct bwacct_counters c;
};

struct bwacct {
    struct bwacct_counters c;        /* live totals                                            */
    struct bwacct_snapshot ring[BWACCT_RING];
    size_t                 head;     /* index of the newest snapshot                           */
    size_t                 n;        /* snapshots held                                         */
    size_t                 keep;     /* snapshots kept: StatsAverageMinutes * 60 + 1           */
    int                    adapter_seen;
    uint64_t               adapter_last_out, adapter_last_in;
};

/* Starts with one snapshot of zeros at `now`; keep_minutes in [1, 5]. */
void bwacct_init(struct bwacct *a, int64_t now, unsigned keep_minutes);

/* Upload: `payload` file bytes, `control` eD2K bytes that are not file payload (control
 * messages, the 30-36 B header of each data packet), `overhead` estimated non-eD2K bytes. */
void bwacct_add_out(struct bwacct *a, uint64_t payload, uint64_t control, uint64_t overhead);
void bwacct_add_in(struct bwacct *a, uint64_t payload, uint64_t control, uint64_t overhead);

/* The adapter's cumulative octet counters.  The first call only sets the base; a counter that
 * went backwards (another adapter, a reset, a wrap) contributes nothing for that interval, as
 * Xtreme does, and becomes the new base. */
void bwacct_adapter_sample(struct bwacct *a, uint64_t out_octets, uint64_t in_octets);

/* Push a snapshot if at least 1 s passed since the newest one; returns 1 if it did. */
int  bwacct_process(struct bwacct *a, int64_t now);

/* Rates between the newest snapshot and the one n snapshots older (the oldest held if fewer);
 * n = 20 is Xtreme's 20-s average.  All zero with span_s = 0 before the second snapshot. */
void bwacct_rates(const struct bwacct *a, size_t n, struct bwacct_rates *out);

#endif
