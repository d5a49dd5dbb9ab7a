/* bench_sweep: sweep throughput with 1 and 2 worker processes and the database writer's share of
 * the time, by running the ratelab binary in $RATELAB on short asym_link and xtreme runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct figures { double wall_s, runs_per_s, db_s, db_pct; int runs; };

/* Runs one sweep into a fresh database and reads the figures off its summary line. */
static int sweep(const char *args, int jobs, struct figures *f)
{
    const char *bin = getenv("RATELAB");
    if (!bin) { fprintf(stderr, "bench_sweep: set RATELAB to the ratelab binary\n"); return -1; }
    char db[128], cmd[2048], line[2048] = "";
    snprintf(db, sizeof db, "/tmp/ratelab-bench-sweep-%d.db", (int)getpid());
    snprintf(cmd, sizeof cmd, "rm -f %s %s-wal %s-shm; %s sweep %s --jobs %d --db %s 2>&1; rm -f %s %s-wal %s-shm",
             db, db, db, bin, args, jobs, db, db, db, db);
    FILE *p = popen(cmd, "r");
    if (!p) return -1;
    char buf[2048];
    while (fgets(buf, sizeof buf, p)) if (!strncmp(buf, "sweep ", 6)) snprintf(line, sizeof line, "%s", buf);
    int rc = pclose(p);
    const char *a = strstr(line, " done, "), *b = strstr(line, " failed in "), *c = strstr(line, "; database ");
    if (rc != 0 || !a || !b || !c) { fprintf(stderr, "bench_sweep: sweep failed: %s\n", line); return -1; }
    const char *d = a;
    while (d > line && d[-1] != ' ') d--;
    f->runs = atoi(d);
    if (sscanf(b, " failed in %lf s (%lf runs/s", &f->wall_s, &f->runs_per_s) != 2 ||
        sscanf(c, "; database %lf s = %lf %%", &f->db_s, &f->db_pct) != 2) {
        fprintf(stderr, "bench_sweep: cannot read: %s\n", line);
        return -1;
    }
    return 0;
}

static void show(const char *what, int jobs, const struct figures *f)
{
    printf("  %-34s jobs %d: %4d runs in %6.2f s = %7.1f runs/s; writer %.3f s = %4.1f %% of the time\n",
           what, jobs, f->runs, f->wall_s, f->runs_per_s, f->db_s, f->db_pct);
}

int main(void)
{
    /* 60 simulated seconds of asym_link with an upload: about 2 ms of simulation per run. */
    const char *asym200 = "scenarios/asym_link.ini --vary up_limit_kbps=8:200:8 --vary modem_queue_pkts=5,20,50,100"
                          " --seeds 2 --set duration_s=60 --set warmup_s=5 --set n_up=1";
    const char *asym1000 = "scenarios/asym_link.ini --vary up_limit_kbps=8:200:8 --vary modem_queue_pkts=5,10,20,50,100"
                           " --seeds 8 --set duration_s=60 --set warmup_s=5 --set n_up=1";
    /* The xtreme scenario as shipped (90 simulated seconds, 40 downloaders): about 60 ms per run. */
    const char *xt = "scenarios/xtreme_adsl.ini --vary upload_policy=official,xtreme,nafc --vary upload_limit_kBps=20:70:10"
                     " --seeds 4";
    struct figures one, two, big, x1, x2;
    printf("bench_sweep: %ld cores online\n", sysconf(_SC_NPROCESSORS_ONLN));
    if (sweep(asym200, 1, &one) || sweep(asym200, 2, &two)) return 1;
    show("asym_link 60 s, 200 runs", 1, &one);
    show("asym_link 60 s, 200 runs", 2, &two);
    printf("  speed-up with 2 jobs: %.2f x\n", two.runs_per_s / one.runs_per_s);
    if (sweep(asym1000, 2, &big)) return 1;
    show("asym_link 60 s, 1000 runs", 2, &big);
    if (sweep(xt, 1, &x1) || sweep(xt, 2, &x2)) return 1;
    show("xtreme_adsl 90 s, 72 runs", 1, &x1);
    show("xtreme_adsl 90 s, 72 runs", 2, &x2);
    printf("  speed-up with 2 jobs: %.2f x\n", x2.runs_per_s / x1.runs_per_s);
    return 0;
}
