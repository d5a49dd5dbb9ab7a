/* What a run produces: scalar metrics, per-entity rows (peer, slot, flow) and 1-second series.
 * Filled by the experiment, read by the JSON printer and the database writer; knows no SQL. */
#ifndef SIM_RESULTS_H
#define SIM_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#define RESULT_NAME_LEN 48

struct result_metric { char name[RESULT_NAME_LEN]; double value; };
struct result_row    { char kind[16]; int32_t entity; char name[RESULT_NAME_LEN]; double value; };
struct result_point  { uint32_t series; int32_t entity; double t; double value; };

struct run_result {
    struct result_metric *metric;  size_t n_metric, cap_metric;
    struct result_row    *row;     size_t n_row,    cap_row;
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
/* Series ids are interned: look the id up once, then add points cheaply. */
uint32_t result_series_id(struct run_result *r, const char *name);
void   result_point(struct run_result *r, uint32_t series, int32_t entity, double t, double value);
/* NAN if absent. */
double result_get(const struct run_result *r, const char *name);
/* 1 if the run broke an invariant it reports (conservation_ok = 0), with the reason and the
 * imbalance in why; 0 if it kept them.  Such a run is stored as failed, never averaged. */
int    result_invariant_failure(const struct run_result *r, char *why, size_t len);

#endif
