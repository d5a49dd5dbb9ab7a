/* When asym_link's flows start, the same on both engines: the kernel engine hands these offsets
 * to its traffic agents, the simulator starts its flows at them, so a seed means the same starts. */
#ifndef CONTRACT_START_OFFSETS_H
#define CONTRACT_START_OFFSETS_H

#include <stdint.h>

/* The draws of one run: downloads, then uploads, then VoIP, in that order. */
static inline uint64_t start_offsets_seed(uint64_t seed) { return seed * 0x2545f4914f6cdd1dULL + 1; }

/* The next draw, uniform in [0, 1) (splitmix64). */
static inline double start_offset_draw(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) / 9007199254740992.0;
}

/* A TCP flow starts within 100 ms, the VoIP source within 20 ms; microseconds (the agent's
 * command line carries them so). */
#define START_OFFSET_TCP_US  100000.0
#define START_OFFSET_VOIP_US 20000.0
static inline int64_t start_offset_us(uint64_t *state, double range_us)
{
    return (int64_t)(start_offset_draw(state) * range_us + 0.5);
}

#endif
