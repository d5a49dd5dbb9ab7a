/* The download limit that comes with an upload limit (emule-upload.md §1.2, "the 11 kB/s rule"):
 * a client that uploads little may download only a few times as much.
 *
 * Static rule (always, on the configured upload limit U, KB/s): U < 4 -> D <= 3U; U < step ->
 * D <= 4U; else the user's own download limit.  step = 11 in Xtreme, 10 in the official client.
 * NAFC rule (once a second under NAFC full control, on R = eMule's measured own upload incl.
 * overhead over ~10 s, KiB/s): R < 4 -> D <= 3R; R < 11 -> D <= 4R; D >= 1 KB/s. */
#ifndef CORE_THROTTLE_NAFC_H
#define CORE_THROTTLE_NAFC_H

#include "bwacct.h"

#define NAFC_RULE_LOW   4.0      /* KB/s: below this the factor is 3                  */
#define NAFC_RULE_STEP 11.0      /* KB/s: below this the factor is 4 (official: 10)  */
#define NAFC_RULE_WINDOW 10      /* snapshots (~10 s) of eMuleOutOverall              */

/* user_max_down_kBps <= 0 means unlimited (returned as 0). */
double nafc_static_download_limit(double upload_limit_kBps, double user_max_down_kBps, double step_kBps);
/* own_overall_Bps: eMule's own upload incl. overhead (B/s).  Returns the limit in KB/s, 0 =
 * unlimited; starts from the static value and only lowers it. */
double nafc_download_limit(double static_limit_kBps, double own_overall_Bps);
/* The same, reading R from the accounting's last NAFC_RULE_WINDOW snapshots. */
double nafc_download_limit_acct(double static_limit_kBps, const struct bwacct *a);

#endif
