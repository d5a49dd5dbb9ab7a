/* `ratelab kernel`: an asym_link scenario on real Linux TCP in network namespaces, --repeat N
 * times (seeds seed..seed+N-1), stored like simulator runs with engine = kernel. */
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "flags.h"
#include "db.h"
#include "hostload.h"
#include "kernel.h"
#include "progress.h"

static volatile sig_atomic_t kernel_stop;
static void on_signal(int sig) { (void)sig; kernel_stop = 1; }

/* 1 if the database already holds this kernel run (a re-run of the same command resumes). */
static int already_stored(const char *path, const struct scenario *sc)
{
    if (!path || access(path, F_OK) != 0) return 0;
    char err[512];
    sqlite3 *db = db_open(path, DB_WRITE, err, sizeof err);
    if (!db) return 0;
    struct db_writer w;
    int has = 0;
    if (db_writer_init(&w, db, err, sizeof err) == 0) {
        char params[DB_TEXT_LEN], key[2 * DB_TEXT_LEN];
        params_canonical(&sc->ps, params, sizeof params);
        db_run_key_engine(key, sizeof key, sc->name, params, ratelab_version(), "kernel");
        has = db_find_run(&w, key, NULL, err, sizeof err) > 0;
        db_writer_close(&w);
    }
    db_close(db);
    return has;
}

static void print_run(const struct scenario *sc, const struct run_result *res, int json)
{
    if (json) { json_print_run(stdout, sc, res, "kernel"); fflush(stdout); return; }
    printf("%s (%s) on the kernel, seed %lld, %.1f s wall\n", sc->name, sc->exp->name,
           (long long)param_i(&sc->ps, "seed"), res->wall_s);
    static const char *const extra[] = { "retransmits", "rto_expiries", "down_srtt_ms_mean", NULL };
    for (size_t i = 0; sc->exp->headline && sc->exp->headline[i]; i++)
        printf("  %-28s %12.4g\n", sc->exp->headline[i], result_get(res, sc->exp->headline[i]));
    for (size_t i = 0; extra[i]; i++) printf("  %-28s %12.4g\n", extra[i], result_get(res, extra[i]));
    fflush(stdout);
}

int cmd_kernel(int argc, char **argv)
{
    const char *path = NULL, *db_path = NULL, *trace_path = NULL, *sets[256];
    int json = 0, n_sets = 0, cleanup = 0;
    long repeat = 1;
    double idle_max = -1;                 /* --wait-idle SHARE: < 0, start at once */
    char err[1024];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--cleanup")) cleanup = 1;
        else if (!strcmp(argv[i], "--set") || !strcmp(argv[i], "--db") || !strcmp(argv[i], "--repeat") ||
                 !strcmp(argv[i], "--delay-trace") || !strcmp(argv[i], "--wait-idle")) {
            if (i + 1 >= argc) { fprintf(stderr, "ratelab kernel: %s needs a value\n", argv[i]); return EXIT_BADINPUT; }
            const char *v = argv[++i];
            if (!strcmp(argv[i - 1], "--db")) db_path = v;
            else if (!strcmp(argv[i - 1], "--delay-trace")) trace_path = v;
            else if (!strcmp(argv[i - 1], "--wait-idle")) {
                if (flag_double("--wait-idle", v, 0, 1, &idle_max, err, sizeof err) != 0) {
                    fprintf(stderr, "ratelab kernel: %s\n", err);
                    return EXIT_BADINPUT;
                }
            }
            else if (!strcmp(argv[i - 1], "--repeat")) {
                if (flag_long("--repeat", v, 1, 10000, &repeat, err, sizeof err) != 0) {
                    fprintf(stderr, "ratelab kernel: %s\n", err);
                    return EXIT_BADINPUT;
                }
            } else if (n_sets == 256) { fprintf(stderr, "ratelab kernel: too many --set\n"); return EXIT_BADINPUT; }
            else sets[n_sets++] = v;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "ratelab kernel: unknown flag '%s' (allowed: --set KEY=VALUE, --repeat N, --json, --db FILE, --delay-trace FILE, --wait-idle SHARE, --cleanup)\n", argv[i]);
            return EXIT_BADINPUT;
        } else if (!path) path = argv[i];
        else { fprintf(stderr, "ratelab kernel: more than one scenario ('%s')\n", argv[i]); return EXIT_BADINPUT; }
    }
    if (cleanup) {
        if (path || n_sets || db_path || trace_path || idle_max >= 0) { fprintf(stderr, "ratelab kernel: --cleanup takes no scenario or other flags\n"); return EXIT_BADINPUT; }
        if (kernel_check_env(NULL, err, sizeof err) != KERNEL_OK) { fprintf(stderr, "ratelab kernel: %s\n", err); return EXIT_BADINPUT; }
        int n = kernel_cleanup_stale(stderr);
        printf("ratelab kernel: removed %d namespace%s of killed runs\n", n, n == 1 ? "" : "s");
        return 0;
    }
    if (!path) { fprintf(stderr, "ratelab kernel: missing SCENARIO.ini\n"); return EXIT_BADINPUT; }

    struct scenario sc;
    if (scenario_load(path, &sc, err, sizeof err) != 0) { fprintf(stderr, "ratelab kernel: %s\n", err); return EXIT_BADINPUT; }
    int rc = EXIT_BADINPUT;
    struct kernel_cfg kc;
    if (strcmp(sc.exp->name, "asym_link") != 0) {
        fprintf(stderr, "ratelab kernel: %s: experiment '%s' cannot run on the kernel engine (only asym_link: its traffic is "
                "bulk/paced TCP and UDP CBR, which the agent expresses)\n", path, sc.exp->name);
        goto out;
    }
    for (int i = 0; i < n_sets; i++)
        if (scenario_set(&sc, sets[i], "--set", err, sizeof err) != 0) { fprintf(stderr, "ratelab kernel: %s\n", err); goto out; }
    struct kernel_host host;
    kernel_host_probe(&host);
    if (scenario_validate(&sc, err, sizeof err) != 0 || kernel_cfg_from_params(&sc.ps, &host, &kc, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab kernel: %s\n", err);
        goto out;
    }
    char agent[4096];
    if (kernel_check_env(&kc, err, sizeof err) != KERNEL_OK || kernel_find_agent(agent, sizeof agent, err, sizeof err) != 0) {
        fprintf(stderr, "ratelab kernel: %s\n", err);
        goto out;
    }

    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    kernel_cleanup_stale(stderr);

    rc = 0;
    int64_t seed0 = param_i(&sc.ps, "seed");
    struct progress prog;
    progress_init(&prog, 0, (size_t)repeat, isatty(STDERR_FILENO) && repeat > 1);
    for (long r = 0; r < repeat && !kernel_stop; r++) {
        char kv[64];
        snprintf(kv, sizeof kv, "seed=%lld", (long long)(seed0 + r));
        if (scenario_set(&sc, kv, "--repeat", err, sizeof err) != 0) { fprintf(stderr, "ratelab kernel: %s\n", err); rc = EXIT_BADINPUT; break; }
        kc.seed = (uint64_t)(seed0 + r);
        /* One trace file per repetition: FILE, or FILE.SEED when there are several. */
        char trace_file[4096];
        if (trace_path) snprintf(trace_file, sizeof trace_file, repeat > 1 ? "%s.%lld" : "%s", trace_path, (long long)(seed0 + r));
        kc.delay_trace = trace_path ? trace_file : NULL;
        /* The line writes the trace when it stops: find out now, not after the run, that it cannot. */
        FILE *tf = trace_path ? fopen(trace_file, "w") : NULL;
        if (trace_path && !tf) { fprintf(stderr, "ratelab kernel: --delay-trace %s: %s\n", trace_file, strerror(errno)); rc = EXIT_BADINPUT; break; }
        if (tf) fclose(tf);
        if (already_stored(db_path, &sc)) {
            fprintf(stderr, "ratelab kernel: %s already holds seed %lld of this point (same code version); skipped\n", db_path,
                    (long long)(seed0 + r));
            progress_update(&prog, (size_t)r + 1, 1);
            continue;
        }
        /* --wait-idle: every repetition starts on a host that was idle for the last 5 s, so a
         * case that measures the host's timing is not measured beside other work (30 min at most). */
        if (idle_max >= 0) {
            double busy;
            int w = hostload_wait_idle(idle_max, 5.0, 0.0, &kernel_stop, &busy);
            if (w > 0) {                  /* say why nothing happens, once, then keep waiting */
                progress_end(&prog);
                fprintf(stderr, "ratelab kernel: seed %lld waits for an idle host (%.0f %% busy over 5 s, --wait-idle %.0f %%)\n",
                        (long long)(seed0 + r), 100 * busy, 100 * idle_max);
                w = hostload_wait_idle(idle_max, 5.0, 1800.0, &kernel_stop, &busy);
            }
            if (w < 0) { if (!kernel_stop) { fprintf(stderr, "ratelab kernel: --wait-idle: cannot read /proc/stat\n"); rc = 1; } break; }
            if (w > 0) {
                progress_end(&prog);
                fprintf(stderr, "ratelab kernel: %s: seed %lld not run: the host stayed busy for 30 min (%.0f %% of all CPUs over the "
                        "last 5 s, --wait-idle %.0f %%)\n", path, (long long)(seed0 + r), 100 * busy, 100 * idle_max);
                rc = 1;
                break;
            }
        }
        struct run_result res;
        result_init(&res);
        int64_t started = db_now_ms();
        err[0] = 0;
        enum kernel_status st = kernel_run(&kc, agent, &kernel_stop, &res, err, sizeof err);
        int64_t finished = db_now_ms();
        if (st == KERNEL_OK) {
            progress_end(&prog);
            print_run(&sc, &res, json);
            if (db_path && cli_store_run("kernel", db_path, &sc, &res, started, finished, "kernel", NULL) != 0) rc = 1;
            progress_update(&prog, (size_t)r + 1, 1);
        } else if (st == KERNEL_INTERRUPTED) {
            kernel_stop = 1;
        } else {
            progress_end(&prog);
            fprintf(stderr, "ratelab kernel: %s: seed %lld: %s\n", path, (long long)(seed0 + r), err);
            rc = st == KERNEL_ENV ? EXIT_BADINPUT : 1;
            result_free(&res);
            break;
        }
        result_free(&res);
    }
    progress_end(&prog);
    if (kernel_stop) {
        fprintf(stderr, "ratelab kernel: interrupted; namespaces, links and agents removed%s\n",
                db_path ? " (finished runs are stored: run the same command again to resume)" : "");
        rc = 130;
    }
out:
    scenario_free(&sc);
    return rc;
}
