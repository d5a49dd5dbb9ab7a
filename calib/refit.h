/* A stored calibration measured again without measuring: its points read back into a session
 * and each point's traffic re-made from the paced sender's recorded timing, so that changes to
 * the fit and to the simulated receiving process are checked against every stored repetition. */
#ifndef CALIB_REFIT_H
#define CALIB_REFIT_H

#include "db_calib.h"
#include "session.h"

/* The paced sender's writes for one point, re-made: round robin over sp->conns, one segment of
 * sp->mss each, evenly spaced at sp->rate_Bps per connection from 1 s before m's window (the
 * warm-up) to its end; the sender sleeps to each write's time and wakes late by a draw from the
 * lateness it recorded (m->send.late, binned as cpu_gap_bin), writing every segment that fell
 * due meanwhile, write_us apart; messages as calib/sender.c's stream completes them.  NULL for an
 * idle point (a trace of no writes) only on allocation failure. */
/* Sender time per write when it writes a burst (a loopback send runs the receiving side's TCP in
 * the sender's context): the spacing of the smallest gaps the receivers recorded between writes. */
#define CALIB_REPLAY_WRITE_US 5.0
struct calib_send_trace *calib_sender_replay(const struct calib_spec *sp, const struct calib_meas *m, double write_us,
                                             uint64_t seed);
/* A session holding calibration rows (points and micro-benchmarks) and cal's latencies, with
 * every point's traffic re-made; then calib_session_fit and calib_session_validate work as after
 * measuring.  Returns 0, or -1 with err. */
int calib_session_from_points(struct calib_session *s, const struct calib_point_row *rows, size_t n,
                              const struct calib_bench_row *bench, size_t n_bench, const struct cpu_calibration *cal,
                              char *err, size_t errlen);

/* The runtimes whose wake-up latency --latency-from replaces. */
enum { CALIB_LAT_C = 1, CALIB_LAT_ERLANG = 2 };
/* The wake-up latency tables by sleep of calibration `from` (src: C's from c_blocking, Erlang's from
 * erl_passive) in place of the session's, for the runtimes in `which`; the others keep the
 * session's own.  Erlang is skipped when both are asked for and the session has no Erlang paths.
 * Returns 0, or -1 with err (src has no table by sleep for a runtime asked for; Erlang asked for
 * alone and the session has no Erlang paths). */
int calib_session_take_latency(struct calib_session *s, const struct cpu_calibration *src, long from, unsigned which,
                               char *err, size_t errlen);

#endif
