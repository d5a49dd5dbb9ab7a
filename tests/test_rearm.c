/* Re-arm loops: the debug engine stops an event armed more than SIM_REARM_MAX_PER_MS times in
 * one simulated millisecond (a 1-ns self re-arm, the etorrent pacer's old livelock), and lets a
 * legitimately busy event (every 20 ns) run.  Only debug builds (make DEBUG=1, the sanitizer
 * build) carry the check; other builds say so and test nothing. */
#include "testutil.h"
#include "engine.h"
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef SIM_DEBUG_REARM
static sim_time_t g_step;
static uint64_t g_fired;

static void rearm(struct sim *s, struct sim_event *ev)
{
    g_fired++;
    sim_schedule_in(s, ev, g_step);
}

/* Runs one self re-arming event `step` ns apart for `ms` simulated ms in a child process;
 * returns the child's wait status. */
static int run_child(sim_time_t step, int ms)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* the child's abort message is the expected outcome, not noise for the test log */
        if (!freopen("/dev/null", "w", stderr)) _exit(3);
        struct sim s;
        struct sim_event ev;
        sim_init(&s);
        g_step = step;
        sim_event_init(&ev, rearm, NULL);
        sim_schedule_at(&s, &ev, 0);
        sim_run_until(&s, SIM_MS(ms));
        sim_cancel(&s, &ev);
        sim_free(&s);
        _exit(g_fired > 0 ? 0 : 4);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return st;
}
#endif

static void test_rearm_loop_stops_debug_build(void)
{
#ifdef SIM_DEBUG_REARM
    int st = run_child(1, 2);                        /* 1 ns ahead: 1e6 armings per ms */
    CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    st = run_child(0, 1);                            /* zero-length: never leaves now */
    CU_ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
    st = run_child(20, 3);                           /* 50 000 per ms: busy but bounded */
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
#else
    fprintf(stderr, "\n    not a debug build (make DEBUG=1 or the sanitizer build carries the check) ");
#endif
}

void register_test_rearm(void)
{
    TEST_SUITE("rearm", TEST(test_rearm_loop_stops_debug_build));
}
