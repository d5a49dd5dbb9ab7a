/* The bucket of the tbf shaper that stands for an access line on the kernel testbed, the same on
 * both engines: the kernel engine gives tbf this burst, the simulator's line releases as it does. */
#ifndef CONTRACT_TBF_BUCKET_H
#define CONTRACT_TBF_BUCKET_H

/* One full frame (a 1514-byte veth frame fits), or 2 ms of the rate where that is more: tbf's
 * watchdog fires tens to hundreds of microseconds late on a busy machine and tokens a one-frame
 * bucket cannot hold are lost (measured at 100 Mbit/s: 66 % of the rate with 1600 bytes). */
#define TBF_BUCKET_MIN_BYTES 1600.0
#define TBF_BUCKET_S         0.002

static inline double tbf_bucket_bytes(double rate_bps)
{
    double b = rate_bps / 8 * TBF_BUCKET_S;
    return b > TBF_BUCKET_MIN_BYTES ? b : TBF_BUCKET_MIN_BYTES;
}

#endif
