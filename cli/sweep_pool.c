/* The worker pool: fork J workers, hand out task indexes one at a time over per-worker pipes,
 * read back each run_result as one message.  Workers die with the parent (PR_SET_PDEATHSIG). */
#include "sweep_pool.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "db.h"

/* Everything after the header is raw structs: both ends are the same binary. */
struct msg_head {
    uint64_t task;
    int32_t  rc;
    uint32_t err_len;
    double   wall_s;
    uint64_t events;
    int64_t  started_ms, finished_ms;
    uint64_t n_metric, n_row, n_row_text, n_series, n_srow, text_len;
};

struct worker { pid_t pid; int task_fd, result_fd; int busy; size_t task; };

/* The first SIGINT, SIGTERM or SIGHUP stops dispatching; only a second Ctrl-C abandons the runs in
 * progress.  Batch schedulers send SIGTERM (Slurm: on scancel and at the time limit, to every
 * process of the job, then SIGKILL after KillWait), and a wrapper script may forward it once more,
 * so a repeated SIGTERM must not escalate. */
static volatile sig_atomic_t stop_signal, interrupts;
static void on_stop_signal(int sig)
{
    if (!stop_signal) stop_signal = sig;
    if (sig == SIGINT) interrupts++;
}

static const int caught[] = { SIGINT, SIGTERM, SIGHUP };
#define N_CAUGHT (sizeof caught / sizeof caught[0])
static struct sigaction saved[N_CAUGHT];
static int catch_depth;

void pool_signals_catch(void)
{
    if (catch_depth++ > 0) return;
    stop_signal = interrupts = 0;
    struct sigaction sa = { .sa_handler = on_stop_signal };
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_CAUGHT; i++) sigaction(caught[i], &sa, &saved[i]);
}

void pool_signals_release(void)
{
    if (catch_depth == 0 || --catch_depth > 0) return;
    for (size_t i = 0; i < N_CAUGHT; i++) sigaction(caught[i], &saved[i], NULL);
}

int pool_stop_signal(void) { return stop_signal; }

const char *pool_signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : sig == SIGHUP ? "SIGHUP" : "a signal";
}

void run_task_params(const struct run_task *t, struct param_set *ps)
{
    memcpy(ps->val, t->vals, t->exp->n_params * sizeof *t->vals);
    if (t->seed_at >= 0) ps->val[t->seed_at] = t->seed;
}

double pool_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int write_full(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
    char *p = buf;
    while (len) {
        ssize_t r = read(fd, p, len);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

/* Appends to a growing buffer; the worker sends one write per result. */
struct buf { char *p; size_t len, cap; };
static void buf_add(struct buf *b, const void *data, size_t len)
{
    if (len == 0) return;   /* empty arrays may be NULL */
    if (b->len + len > b->cap) {
        size_t c = b->cap ? b->cap : 65536;
        while (c < b->len + len) c *= 2;
        char *q = realloc(b->p, c);
        if (!q) _exit(3);
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
}

/* The structs go over the pipe whole: the bytes after each name's terminator (never written by
 * the experiment) and the padding are zeroed, so nothing uninitialised leaves the process. */
static void scrub_names(struct run_result *res)
{
    for (size_t i = 0; i < res->n_metric; i++) {
        struct result_metric m;
        memset(&m, 0, sizeof m);
        strncpy(m.name, res->metric[i].name, sizeof m.name - 1);
        m.value = res->metric[i].value;
        res->metric[i] = m;
    }
    for (size_t i = 0; i < res->n_row; i++) {
        struct result_row r;
        memset(&r, 0, sizeof r);   /* the padding before value */
        r.kind = res->row[i].kind;
        r.name = res->row[i].name;
        r.entity = res->row[i].entity;
        r.value = res->row[i].value;
        res->row[i] = r;
    }
    for (size_t i = 0; i < res->n_series; i++) {
        char name[RESULT_NAME_LEN];
        memset(name, 0, sizeof name);
        strncpy(name, res->series_name[i], sizeof name - 1);
        memcpy(res->series_name[i], name, sizeof name);
    }
}

static void worker_main(int task_fd, int result_fd, const struct run_task *tasks, pid_t parent)
{
    /* Ctrl-C reaches the whole process group, Slurm's SIGTERM every process of the job: the
     * worker finishes its run and the parent decides. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);
    struct buf b = { 0 };
    struct db_series_rows enc;
    memset(&enc, 0, sizeof enc);
    uint64_t idx;
    while (read_full(task_fd, &idx, sizeof idx) == 0) {
        const struct run_task *t = &tasks[idx];
        struct scenario sc;
        memset(&sc, 0, sizeof sc);
        sc.exp = t->exp;
        struct run_result res;
        result_init(&res);
        res.keep = t->series;
        char err[512] = "";
        struct msg_head h;
        memset(&h, 0, sizeof h);
        h.task = idx;
        h.started_ms = db_now_ms();
        if (params_init(&sc.ps, t->exp->params, t->exp->n_params) != 0) {
            h.rc = -1;
            snprintf(err, sizeof err, "out of memory");
        } else {
            run_task_params(t, &sc.ps);
            h.rc = scenario_run(&sc, &res, err, sizeof err);
            params_free(&sc.ps);
        }
        h.finished_ms = db_now_ms();
        /* The series are encoded here, in parallel, rather than by the single writer. */
        if (h.rc >= 0 && db_series_encode(&enc, &res) != 0) { h.rc = -1; snprintf(err, sizeof err, "out of memory"); }
        if (h.rc < 0) enc.n_row = enc.text_len = 0;
        h.err_len = h.rc ? (uint32_t)strlen(err) : 0;
        h.wall_s = res.wall_s;
        h.events = res.events;
        h.n_metric = res.n_metric; h.n_row = res.n_row; h.n_row_text = res.n_row_text; h.n_series = res.n_series;
        h.n_srow = enc.n_row; h.text_len = enc.text_len;
        b.len = 0;
        buf_add(&b, &h, sizeof h);
        buf_add(&b, err, h.err_len);
        scrub_names(&res);
        buf_add(&b, res.metric, res.n_metric * sizeof *res.metric);
        buf_add(&b, res.row, res.n_row * sizeof *res.row);
        buf_add(&b, res.row_text, res.n_row_text * sizeof *res.row_text);
        buf_add(&b, res.series_name, res.n_series * sizeof *res.series_name);
        buf_add(&b, enc.row, enc.n_row * sizeof *enc.row);
        buf_add(&b, enc.text, enc.text_len);
        result_free(&res);
        if (write_full(result_fd, b.p, b.len) != 0) break;
    }
    free(b.p);
    db_series_free(&enc);
    _exit(0);
}

/* others: the pool's workers, whose pipe ends this child must not keep open (a worker only sees
 * EOF on its task pipe when no process holds the write end). */
static int worker_start(struct worker *w, const struct run_task *tasks, const struct worker *others, int n_others)
{
    int tp[2], rp[2];
    if (pipe(tp) != 0) return -1;
    if (pipe(rp) != 0) { close(tp[0]); close(tp[1]); return -1; }
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) { close(tp[0]); close(tp[1]); close(rp[0]); close(rp[1]); return -1; }
    if (pid == 0) {
        close(tp[1]);
        close(rp[0]);
        for (int i = 0; i < n_others; i++)
            if (others[i].pid > 0 && &others[i] != w) { close(others[i].task_fd); close(others[i].result_fd); }
        worker_main(tp[0], rp[1], tasks, parent);
    }
    close(tp[0]);
    close(rp[1]);
    *w = (struct worker){ .pid = pid, .task_fd = tp[1], .result_fd = rp[0] };
    return 0;
}

static void worker_stop(struct worker *w, int kill_it)
{
    if (w->pid <= 0) return;
    if (kill_it) kill(w->pid, SIGKILL);
    close(w->task_fd);
    close(w->result_fd);
    waitpid(w->pid, NULL, 0);
    w->pid = 0;
}

/* Reads one result message; -1 if the worker is gone (its pipe closed mid-way or at once). */
static int read_result(struct worker *w, struct pool_result *r)
{
    struct msg_head h;
    memset(r, 0, sizeof *r);
    result_init(&r->res);
    r->task = w->task;
    if (read_full(w->result_fd, &h, sizeof h) != 0 || h.task != w->task) return -1;
    r->rc = h.rc;
    r->started_ms = h.started_ms;
    r->finished_ms = h.finished_ms;
    size_t el = h.err_len < sizeof r->err ? h.err_len : sizeof r->err - 1;
    if (read_full(w->result_fd, r->err, el) != 0) return -1;
    for (size_t skip = h.err_len - el; skip; skip--) { char c; if (read_full(w->result_fd, &c, 1) != 0) return -1; }
    struct run_result *res = &r->res;
    res->wall_s = h.wall_s;
    res->events = h.events;
    res->metric = malloc((h.n_metric ? h.n_metric : 1) * sizeof *res->metric);
    res->row = malloc((h.n_row ? h.n_row : 1) * sizeof *res->row);
    res->row_text = malloc((h.n_row_text ? h.n_row_text : 1) * sizeof *res->row_text);
    res->series_name = malloc((h.n_series ? h.n_series : 1) * sizeof *res->series_name);
    struct db_series_rows *enc = &r->series;
    enc->row = malloc((h.n_srow ? h.n_srow : 1) * sizeof *enc->row);
    enc->text = malloc(h.text_len ? h.text_len : 1);
    if (!res->metric || !res->row || !res->row_text || !res->series_name || !enc->row || !enc->text) return -1;
    res->n_metric = res->cap_metric = h.n_metric;
    res->n_row = res->cap_row = h.n_row;
    res->n_row_text = res->cap_row_text = h.n_row_text;
    res->n_series = res->cap_series = h.n_series;
    enc->n_row = enc->cap_row = h.n_srow;
    enc->text_len = enc->text_cap = h.text_len;
    if (read_full(w->result_fd, res->metric, h.n_metric * sizeof *res->metric) != 0 ||
        read_full(w->result_fd, res->row, h.n_row * sizeof *res->row) != 0 ||
        read_full(w->result_fd, res->row_text, h.n_row_text * sizeof *res->row_text) != 0 ||
        read_full(w->result_fd, res->series_name, h.n_series * sizeof *res->series_name) != 0 ||
        read_full(w->result_fd, enc->row, h.n_srow * sizeof *enc->row) != 0 ||
        read_full(w->result_fd, enc->text, h.text_len) != 0)
        return -1;
    return 0;
}

static int dispatch(struct worker *w, size_t task)
{
    uint64_t idx = task;
    if (write_full(w->task_fd, &idx, sizeof idx) != 0) return -1;
    w->busy = 1;
    w->task = task;
    return 0;
}

int pool_run(int jobs, const struct run_task *tasks, const size_t *order, size_t n,
             pool_done_fn done, pool_idle_fn idle, void *ctx, struct pool_summary *sum, char *err, size_t errlen)
{
    memset(sum, 0, sizeof *sum);
    if (n == 0) return 0;
    if (jobs < 1) jobs = 1;
    if ((size_t)jobs > n) jobs = (int)n;
    struct worker *ws = calloc((size_t)jobs, sizeof *ws);
    struct pollfd *pfd = calloc((size_t)jobs, sizeof *pfd);
    int *slot = calloc((size_t)jobs, sizeof *slot);
    if (!ws || !pfd || !slot) { free(ws); free(pfd); free(slot); snprintf(err, errlen, "out of memory"); return -1; }

    pool_signals_catch();
    struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old_pipe);

    size_t next = 0;
    int started = 0, active = 0, said_interrupt = 0, rc = 0;
    for (int i = 0; i < jobs; i++) {
        if (worker_start(&ws[i], tasks, ws, jobs) != 0) continue;
        started++;
        if (!stop_signal && next < n && dispatch(&ws[i], order[next]) == 0) { next++; active++; }
    }
    if (!started) {
        snprintf(err, errlen, "cannot start worker processes: %s", strerror(errno));
        rc = -1;
    }
    while (active > 0) {
        if (interrupts >= 2) {
            for (int i = 0; i < jobs; i++) if (ws[i].busy) worker_stop(&ws[i], 1);
            break;
        }
        if (stop_signal && !said_interrupt) {
            said_interrupt = 1;
            if (stop_signal == SIGINT)
                fprintf(stderr, "\nratelab: interrupted; finishing the %d run%s in progress (Ctrl-C again to abandon %s)\n",
                        active, active == 1 ? "" : "s", active == 1 ? "it" : "them");
            else
                fprintf(stderr, "\nratelab: %s received; finishing the %d run%s in progress\n",
                        pool_signal_name(stop_signal), active, active == 1 ? "" : "s");
        }
        int np = 0;
        for (int i = 0; i < jobs; i++)
            if (ws[i].pid > 0 && ws[i].busy) { pfd[np] = (struct pollfd){ .fd = ws[i].result_fd, .events = POLLIN }; slot[np++] = i; }
        int pr = poll(pfd, (nfds_t)np, (int)(POOL_IDLE_S * 1000));
        if (pr < 0 && errno != EINTR) { snprintf(err, errlen, "poll: %s", strerror(errno)); rc = -1; break; }
        if (pr == 0 && idle) idle(ctx);
        for (int k = 0; pr > 0 && k < np; k++) {
            if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            struct worker *w = &ws[slot[k]];
            struct pool_result r;
            int lost = read_result(w, &r) != 0;
            w->busy = 0;
            active--;
            if (lost) {
                int status = 0;
                kill(w->pid, SIGKILL);
                close(w->task_fd);
                close(w->result_fd);
                waitpid(w->pid, &status, 0);
                w->pid = 0;
                result_free(&r.res);
                result_init(&r.res);
                db_series_free(&r.series);
                r.rc = -1;
                if (WIFSIGNALED(status))
                    snprintf(r.err, sizeof r.err, "worker process died (signal %d)", WTERMSIG(status));
                else
                    snprintf(r.err, sizeof r.err, "worker process died (exit %d)", WEXITSTATUS(status));
            }
            /* The next task goes out before the result is stored, so the worker simulates
             * while the parent writes. */
            if (!sum->stopped && !stop_signal && next < n &&
                (w->pid > 0 || worker_start(w, tasks, ws, jobs) == 0) &&
                dispatch(w, order[next]) == 0) { next++; active++; }
            sum->completed++;
            if (r.rc != 0) sum->failed++;
            if (done(ctx, &r) != 0) sum->stopped = 1;
            result_free(&r.res);
            db_series_free(&r.series);
        }
    }
    sum->interrupted = stop_signal;
    for (int i = 0; i < jobs; i++) worker_stop(&ws[i], ws[i].busy);
    pool_signals_release();
    sigaction(SIGPIPE, &old_pipe, NULL);
    free(ws);
    free(pfd);
    free(slot);
    return rc;
}
