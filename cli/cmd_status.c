/* `ratelab status DB...`: the sweeps of results databases, done / expected runs per code version
 * and per shard, and the points that lack runs.  Exit 0 when every sweep is complete, 1 if not. */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "db.h"
#include "db_sweeps.h"

int cmd_status(int argc, char **argv)
{
    int n_files = 0, incomplete = 0;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') {
            fprintf(stderr, "ratelab status: unknown flag '%s' (usage: ratelab status DB...)\n", argv[i]);
            return EXIT_BADINPUT;
        }
        n_files++;
    }
    if (n_files == 0) { fprintf(stderr, "ratelab status: usage: ratelab status DB...\n"); return EXIT_BADINPUT; }
    for (int i = 1; i < argc; i++) {
        char err[1024];
        sqlite3 *db = db_open(argv[i], DB_READ, err, sizeof err);
        if (!db) { fprintf(stderr, "ratelab status: %s\n", err); return EXIT_BADINPUT; }
        printf("%s:\n", argv[i]);
        int n = db_sweeps_report(db, NULL, 0, DB_REPORT_ALL, "ratelab status", stdout, err, sizeof err);
        sqlite3_stmt *st;
        if (n >= 0 && db_prepare(db, "SELECT (SELECT count(*) FROM sweeps), (SELECT count(*) FROM runs"
                                     " WHERE id NOT IN (SELECT run_id FROM sweep_runs))", &st, NULL, err, sizeof err) != 0) n = -1;
        else if (n >= 0) {
            int r = db_step(st, NULL, err, sizeof err);
            if (r == 1) {
                if (sqlite3_column_int64(st, 0) == 0) printf("no sweeps\n");
                if (sqlite3_column_int64(st, 1) > 0)
                    printf("%lld runs of no sweep (ratelab run or kernel --db)\n", (long long)sqlite3_column_int64(st, 1));
            } else if (r < 0) n = -1;
            sqlite3_finalize(st);
        }
        db_close(db);
        if (n < 0) { fprintf(stderr, "ratelab status: %s: %s\n", argv[i], err); return EXIT_BADINPUT; }
        incomplete += n;
    }
    return incomplete ? 1 : 0;
}
