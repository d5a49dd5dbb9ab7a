/* `ratelab baseline DB`: makes a results database a regression baseline by recording its manifest
 * (counts and a checksum over every row), which `ratelab regress` checks before comparing. */
#include <stdio.h>
#include <string.h>
#include "baseline.h"
#include "cli.h"
#include "db.h"
#include "infile.h"

int cmd_baseline(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "ratelab baseline: usage: ratelab baseline DB (records DB's manifest; dump it with "
                        "`sqlite3 DB .dump` behind a `PRAGMA user_version=N;` line for a text baseline)\n");
        return EXIT_BADINPUT;
    }
    const char *path = argv[1];
    char err[1024];
    if (db_path_check(path, err, sizeof err) != 0 || infile_check(path, "database file", err, sizeof err) != 0) {
        fprintf(stderr, "ratelab baseline: %s\n", err);
        return EXIT_BADINPUT;
    }
    sqlite3 *db = db_open(path, DB_WRITE, err, sizeof err);
    if (!db) { fprintf(stderr, "ratelab baseline: %s\n", err); return EXIT_BADINPUT; }
    /* A damaged database must not be sealed as if whole. */
    struct baseline_manifest m;
    if (db_check_intact(db, "integrity_check", path, err, sizeof err) != 0 || baseline_seal(db, path, &m, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab baseline: %s\n", err);
        db_close(db);
        return EXIT_BADINPUT;
    }
    db_close(db);
    printf("baseline %s: %lld runs, %lld points, %lld seeds, %lld params rows, %lld metric rows, checksum %016llx\n",
           path, (long long)m.runs, (long long)m.points, (long long)m.seeds, (long long)m.param_rows,
           (long long)m.metric_rows, (unsigned long long)m.checksum);
    return 0;
}
