/* Receive-path CPU calibrations in SQLite: storing one (machine, runtime, costs, fit quality,
 * raw points, micro-benchmarks), reading its costs back for the simulator, and the CSV export
 * the shipped calibration is committed as. */
#ifndef ANALYSIS_DB_CALIB_H
#define ANALYSIS_DB_CALIB_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include "cpu_model.h"

struct calib_point_row {
    int      path;                   /* enum cpu_path */
    char     role[8];                /* fit | holdout | idle */
    int      item, rep;
    char     clock[12];
    int      conns, mss;
    double   rate_Bps, have_hz, window_s;
    double   cpu_ns, own_cpu_ns;
    uint64_t runs, vcsw, ivcsw, segs, acks, reads, events, msgs, bytes, updates, ticks, send_segs;
    char     gaps[CPU_GAP_BINS * 12], agaps[CPU_GAP_BINS * 12], send_late[CPU_GAP_BINS * 12];
    double   load1, other_cpu;
    double   fit_ns, sim_ns, sim_wakeups, sim_deliveries;   /* NAN: none */
};

struct calib_fit_row {
    int    measured;                 /* 0: path not calibrated (no row stored) */
    int    n_points;
    double r2, r2w, rms_rel, max_rel, tau_us;
    double heldout_max_rel, heldout_count_max_rel;   /* NAN until validated */
};

/* A mechanism's measured number stored with the costs (os_wakes, cold_tau_us, lat_pNN, lat_sKK_pNN, lat_sKK_n). */
struct calib_mech_row { int path; char name[16]; double v; };

struct calib_bench_row { char runtime[8]; char what[32]; double ns; };

/* A calibration's settings text: a refit's says what it re-made and carries its source's whole text
 * (a chain of refits grows it, some 250 bytes each); one that would not fit is refused, never cut. */
#define CALIB_SETTINGS_MAX 8192

struct calib_record {
    char   created[32], machine[256], runtime[128], code_version[64], settings[CALIB_SETTINGS_MAX];
    double ns[PATH__N][CPUF__N], se[PATH__N][CPUF__N];
    char   source[PATH__N][CPUF__N][8];  /* "" = not part of this path's model (stored as 0) */
    struct calib_mech_row   mech[PATH__N * ((CPU_LAT_Q + 1) * (CPU_GAP_BINS + 1) + 5)];
    size_t                  n_mech;
    struct calib_fit_row    fit[PATH__N];
    struct calib_point_row *pts;
    size_t                  n_pts;
    struct calib_bench_row  bench[16];
    size_t                  n_bench;
};

/* Stores rec in one transaction; *id gets the new calibration's id. */
int db_calib_store(sqlite3 *db, const struct calib_record *rec, long *id, char *err, size_t errlen);
/* After validation: the simulator's prediction per held-out point and the worst errors per path. */
int db_calib_store_validation(sqlite3 *db, long id, const struct calib_record *rec, char *err, size_t errlen);
int db_calib_load(sqlite3 *db, long id, struct cpu_calibration *out, char *err, size_t errlen);
/* The loader the simulator calls for cpu_calibration = ID: reads the database set here
 * (default results/calib.db). */
void db_calib_use(const char *path);
int  db_calib_loader(long id, struct cpu_calibration *out, char *err, size_t errlen);
/* Every stored measurement of calibration id, in the order taken (malloc'd rows; *n of them),
 * and its micro-benchmarks (at most cap).  Returns 0, or -1 with err (an unknown path name or a
 * histogram that does not parse is an error: the rows are refitted). */
int  db_calib_load_points(sqlite3 *db, long id, struct calib_point_row **rows, size_t *n, char *err, size_t errlen);
/* The stored machine, runtime and settings text of calibration id. */
int  db_calib_load_meta(sqlite3 *db, long id, char *machine, size_t mlen, char *runtime, size_t rlen, char *settings,
                        size_t slen, char *err, size_t errlen);
int  db_calib_load_bench(sqlite3 *db, long id, struct calib_bench_row *rows, size_t cap, size_t *n, char *err, size_t errlen);
/* calibration.csv, coefficients.csv, points.csv and bench.csv of calibration id into dir. */
int  db_calib_export(sqlite3 *db, long id, const char *dir, char *err, size_t errlen);

#endif
