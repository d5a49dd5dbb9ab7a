/* etorrent's choker (etorrent.md §4): upload slots from the upload limit, a 10-s rechoke that
 * unchokes the fastest peers by their rate estimate, an optimistic ring and snubbing.
 *
 * Each rechoke: peers that are interested, not seeders and (for a torrent we leech) not snubbed
 * are candidates; those of torrents we leech are ranked by our receive rate from them, those of
 * torrents we seed by our send rate, fastest first (ties: lower id first).  D = max(1,
 * round(0.7 Max)) leech slots and S = max(1, round(0.3 Max)) seed slots; slots a list cannot use
 * move to the other.  The chosen ("preferred") peers are unchoked.  The rest are walked in ring
 * order: up to max(1, Max - |preferred|) interested peers are unchoked optimistically, peers that
 * are not interested are unchoked without using a slot, everything else is choked.
 * Every third round (the 1st, 4th, 7th, ...) first advances the ring: it rotates so the first
 * peer, from the current head on, that is interested and choked becomes the head.
 * Snubbing: a peer that sent no PIECE for more than 6 ticks of 5 s is snubbed; the counter is
 * checked, then incremented, on each tick, so a peer goes snubbed 35-40 s after its last piece.
 * Randomness (where a new peer enters the ring) comes from the caller as a uniform draw. */
#ifndef CORE_CHOKE_H
#define CORE_CHOKE_H

#include <stddef.h>
#include <stdint.h>

#define CHOKE_SNUB_TICKS     6       /* etorrent.md §4: more than 6 ticks of 5 s  */
#define CHOKE_OPTIMISTIC_EVERY 3     /* rounds between optimistic ring advances  */

/* Upload slots from the upload limit N in KiB/s (etorrent.md §4): N <= 0 -> 7; N < 9 -> 2;
 * N < 15 -> 3; N < 42 -> 4; else round(sqrt(0.8 N)), or sqrt(0.6 N) with old_variant
 * (before Nov 2010). */
int choke_upload_slots(double limit_kib, int old_variant);

struct choke_peer {
    /* set by the caller before a rechoke */
    double   rate_Bps;            /* receive rate (we leech its torrent) or send rate (we seed) */
    uint8_t  interested;          /* the peer is interested in what we have                   */
    uint8_t  seeder;              /* the peer has the whole torrent                            */
    uint8_t  we_seed;             /* we have the whole torrent this peer belongs to            */
    /* kept by the choker */
    uint8_t  present;
    uint8_t  snubbed;
    uint32_t ticks_without_piece;
    /* results of the last rechoke */
    uint8_t  unchoked, preferred, optimistic;
};

/* Sized by the caller: ids 0 .. cap-1.  A choker of a few peers (a remote peer's own view)
 * costs a few hundred bytes; every array is allocated once, in choke_init. */
struct choke_rank { double rate; uint32_t id; };
struct choker {
    struct choke_peer *peer;                    /* cap entries, indexed by the caller's peer id */
    uint32_t          *ring;                    /* optimistic ring, ring[0] is the head        */
    struct choke_rank *scratch;                 /* cap entries: ranking space of a rechoke     */
    size_t             cap, n_ring;
    int                max_uploads;
    int                round_countdown;         /* 0: advance the ring this round */
    uint64_t           rounds, advances;
};

/* Returns 0, or -1 if out of memory (nothing to free then). */
int  choke_init(struct choker *c, size_t cap, int max_uploads);
void choke_free(struct choker *c);
/* Add peer `id` (< cap, not present) at ring position floor(u * (n + 1)), u uniform in [0, 1)
 * from the caller's random stream.  Returns -1 if id is out of range or present. */
int  choke_add_peer(struct choker *c, unsigned id, double u);
void choke_remove_peer(struct choker *c, unsigned id);
/* A PIECE message arrived from peer id: it is not snubbed any more. */
void choke_note_piece(struct choker *c, unsigned id);
/* The 5-s tick: snub accounting, for every peer at once or for one peer on its own timer
 * (etorrent ran one tick per peer process). */
void choke_tick(struct choker *c);
void choke_tick_peer(struct choker *c, unsigned id);
/* The 10-s round: advance the ring if due, then rechoke. */
void choke_round(struct choker *c);
/* One rechoke on the current inputs (no ring advance); returns the number of unchoked peers. */
int  choke_rechoke(struct choker *c);
/* Rotate the ring to the first interested, choked peer (etorrent.md §4). */
void choke_advance_optimistic(struct choker *c);

#endif
