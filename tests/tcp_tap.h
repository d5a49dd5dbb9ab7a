/* A TCP connection over two links with a tap at each receiving end, for unit tests of the stack:
 * a test's rule may drop or hold each segment, and every segment delivered is logged. */
#ifndef TESTS_TCP_TAP_H
#define TESTS_TCP_TAP_H

#include "link.h"
#include "tcp.h"

enum tap_verdict { TAP_PASS, TAP_DROP, TAP_HOLD };

struct tap_seg {                  /* one delivery: dir 0 = ep[0] -> ep[1] (data), 1 = the other */
    sim_time_t t, t_sent;
    uint64_t   seq, ack;
    uint32_t   payload, rwnd;
    uint8_t    dir, n_sack, flags;
    uint64_t   sack[3][2];
};

struct tcp_tap;
/* Decide about segment p travelling in direction dir; *hold_until is read for TAP_HOLD. */
typedef enum tap_verdict (*tap_rule_fn)(struct tcp_tap *t, int dir, const struct packet *p, sim_time_t *hold_until);

struct tcp_tap {
    struct net      net;
    struct link     fwd, rev;        /* ep[0] -> ep[1] and back                                 */
    struct tcp_conn conn;
    tap_rule_fn     rule;
    void           *user;
    struct tap_seg *log; size_t n_log, cap_log;
    struct packet  *held_head, *held_tail;   /* held segments, released in order           */
    struct sim_event release_ev;
    uint64_t        dropped[2];
};

/* rate_bps and one-way delay per direction; queues of qlim packets (0: unlimited); PPP framing. */
void tap_init(struct tcp_tap *t, const struct tcp_cfg *cfg, uint64_t fwd_bps, uint64_t rev_bps,
              sim_time_t delay, uint32_t qlim);
void tap_free(struct tcp_tap *t);
/* Data segments logged in direction dir (payload > 0), and of those with payload < below. */
size_t tap_count_data(const struct tcp_tap *t, int dir, uint32_t below);
/* Data segments from ep[0], in arrival order: the i-th one (NULL: fewer arrived). */
const struct tap_seg *tap_data_seg(const struct tcp_tap *t, size_t i);

/* A rule dropping ep[0]'s n-th data segment (counted as it reaches the tap, copies included) once;
 * t->user points to it, and seq records the dropped segment's sequence number. */
struct tap_drop_nth { uint64_t n, seen, seq; };
enum tap_verdict tap_drop_nth_data(struct tcp_tap *t, int dir, const struct packet *p, sim_time_t *hold_until);
/* Make the tap drop the nth data segment it sees, once (d must live as long as the run). */
void tap_drop_nth(struct tcp_tap *t, struct tap_drop_nth *d, uint64_t n);

/* An application on ep[0] that writes `bytes` every `every` (0: once), from `from` until `until`. */
struct writer {
    struct tcp_ep   *ep;
    uint32_t         bytes;
    sim_time_t       every, until;
    uint64_t         written;
    struct sim_event ev;
};
void writer_start(struct writer *w, struct tcp_tap *t, uint32_t bytes, sim_time_t from,
                  sim_time_t every, sim_time_t until);
/* 40 full segments written at 0.5 s: the receiver's window grows to its cap on them (each growth
 * earns a quick ACK, tcp_grow_window: 19 at rcvbuf 262144), so what comes later meets the ACK
 * rules of a grown window.  GROWN_WINDOW_SEGS is what it writes. */
#define GROWN_WINDOW_SEGS 40
void writer_grow_window(struct writer *w, struct tcp_tap *t);
/* An application that reads everything at once. */
extern const struct tcp_app_ops reader_ops;
/* A tap on 1 Mbit/s both ways, 50 ms each way, no queue limit, whose ep[1] reads everything at
 * once; the connection is opened. */
void open_tap(struct tcp_tap *t, const struct tcp_cfg *cfg);

#endif
