/* What a run produces: scalar metrics, per-entity rows (peer, slot, flow) and 1-second series.
 * Filled by the experiment, read by the JSON printer and the database writer; knows no SQL. */
#ifndef SIM_RESULTS_H
#define SIM_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#define RESULT_NAME_LEN 48

struct result_metric { char name[RESULT_NAME_LEN]; double value; };
#define RESULT_KIND_LEN 16
/* kind and name index run_result.row_text: a swarm's rows repeat a dozen texts over thousands of
 * entities, so a row holds two numbers instead of 64 bytes of text. */
struct result_row    { uint32_t kind, name; int32_t entity; double value; };
struct result_point  { uint32_t series; int32_t entity; double t; double value; };

/* Which time series a run keeps (--series): the summary is every series but per-entity detail
 * that no figure draws (etorrent's rate and mode of every peer each second, 96 % of a grid's
 * database); none keeps metrics and per-entity rows only.  The summary is the default. */
enum result_series { RESULT_SERIES_SUMMARY = 0, RESULT_SERIES_NONE, RESULT_SERIES_ALL };
extern const char *const result_series_names[];   /* "summary", "none", "all", NULL */
/* Parses none|summary|all; -1 if it is none of them. */
int    result_series_parse(const char *text, enum result_series *out);

struct run_result {
    enum result_series    keep;    /* set before the run; result_init: summary */
    uint8_t              *series_detail;   /* per series id: 1 = kept only with "all" */
    struct result_metric *metric;  size_t n_metric, cap_metric;
    struct result_row    *row;     size_t n_row,    cap_row;
    char                (*row_text)[RESULT_NAME_LEN]; size_t n_row_text, cap_row_text;
    char                (*series_name)[RESULT_NAME_LEN]; size_t n_series, cap_series;
    struct result_point  *point;   size_t n_point,  cap_point;
    double                wall_s;  /* filled by the caller that timed the run */
    uint64_t              events;  /* engine events executed                  */
};

void   result_init(struct run_result *r);
void   result_free(struct run_result *r);
/* Dotted names ("up_bytes_by_class.ack") are nested into objects by the JSON printer. */
void   result_metric(struct run_result *r, const char *name, double value);
void   result_row(struct run_result *r, const char *kind, int32_t entity, const char *name, double value);
static inline const char *result_row_kind(const struct run_result *r, size_t i) { return r->row_text[r->row[i].kind]; }
static inline const char *result_row_name(const struct run_result *r, size_t i) { return r->row_text[r->row[i].name]; }
/* Series ids are interned: look the id up once, then add points cheaply.  A detail series is
 * per-entity data no figure draws: its points are kept only when keep == RESULT_SERIES_ALL. */
uint32_t result_series_id(struct run_result *r, const char *name);
uint32_t result_series_detail_id(struct run_result *r, const char *name);
/* Whether points of this series are kept (result_point drops the others at no cost). */
static inline int result_series_kept(const struct run_result *r, uint32_t series)
{
    return r->keep == RESULT_SERIES_ALL ||
           (r->keep == RESULT_SERIES_SUMMARY && series < r->n_series && !r->series_detail[series]);
}
void   result_point(struct run_result *r, uint32_t series, int32_t entity, double t, double value);
/* One direction's segment counts in the measured window, named alike by both engines: the
 * receivers' pure ACKs and data segments, the senders' data segments, the ACKs that never reached
 * the senders (sent minus arrived: dropped, or on the way at the window's ends) and ACKs per data
 * segment.  dir is "down" or "up". */
void   result_ack_metrics(struct run_result *r, const char *dir, double rcv_acks, double rcv_data_segs,
                          double snd_data_segs, double snd_acks_in);
/* NAN if absent. */
double result_get(const struct run_result *r, const char *name);
/* 1 if the run broke an invariant it reports (conservation_ok = 0), with the reason and the
 * imbalance in why; 0 if it kept them.  Such a run is stored as failed, never averaged. */
int    result_invariant_failure(const struct run_result *r, char *why, size_t len);

#endif
