/* Per-peer transfer-rate estimators, selected by name ("etorrent", "ewma", ...), with named
 * parameters; the caller owns all state and passes the time (ns) and byte counts in. */
#ifndef CORE_RATE_H
#define CORE_RATE_H

#include <stddef.h>
#include <stdint.h>

#define RATE_MAX_PARAMS         4
#define RATE_WINDOW_MAX_BUCKETS 128

/* One tunable of an algorithm: the name users type, bounds, and whether it must be whole. */
struct rate_param_def {
    const char *name;
    double      def, min, max;
    int         integer;
    const char *doc;
};

struct rate_est;
struct rate_params;

struct rate_algo {
    const char                  *name;
    const char                  *doc;
    const struct rate_param_def *params;
    size_t                       n_params;
    /* Cross-parameter check; NULL if every single-value range suffices. */
    int    (*check)(const struct rate_params *p, char *err, size_t errlen);
    /* Returns -1 only if memory for the state could not be had. */
    int    (*init)(struct rate_est *e, int64_t now_ns);
    /* Gives back what init allocated; NULL if the state is all inside struct rate_est. */
    void   (*fini)(struct rate_est *e);
    void   (*update)(struct rate_est *e, int64_t now_ns, uint64_t bytes);
    double (*read)(const struct rate_est *e, int64_t now_ns);
};

struct rate_params {
    const struct rate_algo *algo;
    double                  v[RATE_MAX_PARAMS];   /* in the order of algo->params */
};

/* Per-algorithm state; one union of a few numbers each.  The window estimator's ring, the only
 * state whose size depends on the parameters, is allocated by rate_init (see rate_free). */
struct rate_etorrent_state {
    double  rate;            /* R, bytes/s                                      */
    double  total;           /* bytes counted so far                            */
    double  next_expected;   /* NE: a 0-byte probe before this changes nothing   */
    double  last;            /* L: time of the last counted update              */
    double  since;           /* S: start of the averaging window                */
};

struct rate_reset_state {
    int64_t  round;          /* index of the round cur_bytes belongs to          */
    uint64_t cur_bytes;      /* bytes of the running round                       */
    uint64_t prev_bytes;     /* bytes of round (round - 1); 0 if it was idle     */
};

struct rate_ewma_state {
    double  rate;
    int64_t last_ns;
};

struct rate_window_state {
    int64_t  newest;         /* absolute index of the newest bucket in ring     */
    uint32_t n_buckets;
    int64_t  bucket_ns;
    uint64_t *ring;          /* n_buckets + 1: the window plus the running bucket; owned */
};

struct rate_est {
    const struct rate_algo *algo;
    struct rate_params      p;
    uint64_t                n_updates;   /* calls to rate_update, probes included */
    union {
        struct rate_etorrent_state et;
        struct rate_reset_state    rs;
        struct rate_ewma_state     ew;
        struct rate_window_state   win;
    } s;
};

/* ---- the registry */
const struct rate_algo *rate_algo_find(const char *name);         /* NULL if unknown */
size_t                  rate_algo_count(void);
const struct rate_algo *rate_algo_at(size_t i);
/* "etorrent|etorrent_ns|..." for error messages; returns buf. */
const char *rate_algo_names(char *buf, size_t len);
/* "fudge|window" for error messages; returns buf. */
const char *rate_param_names(const struct rate_algo *a, char *buf, size_t len);

/* ---- parameters: defaults, then set by name from text.  Errors write one line naming the
 * parameter and what is allowed, and return -1. */
void rate_params_init(struct rate_params *p, const struct rate_algo *a);
int  rate_param_set(struct rate_params *p, const char *name, const char *value, char *err, size_t errlen);
/* "name=value" form, as command lines and scenario keys write it. */
int  rate_param_set_kv(struct rate_params *p, const char *kv, char *err, size_t errlen);
double rate_param_get(const struct rate_params *p, const char *name);  /* NAN if unknown */
int  rate_params_check(const struct rate_params *p, char *err, size_t errlen);

/* ---- the estimator.  params may be NULL for the algorithm's defaults.  rate_init returns -1
 * (with err) if the parameters fail rate_params_check or memory runs out.  Every estimator that
 * rate_init set up is given back with rate_free before its memory goes or rate_init runs on it
 * again; rate_free is a no-op on a zeroed or already freed struct rate_est. */
int    rate_init(struct rate_est *e, const struct rate_algo *a, const struct rate_params *params,
                 int64_t now_ns, char *err, size_t errlen);
void   rate_free(struct rate_est *e);
/* bytes == 0 is a probe / tick: it lets time-based algorithms decay. now_ns must not go back;
 * an earlier time is treated as the latest time seen. */
void   rate_update(struct rate_est *e, int64_t now_ns, uint64_t bytes);
/* Bytes per second as the algorithm would publish it at now_ns (does not change state). */
double rate_read(const struct rate_est *e, int64_t now_ns);

#endif
