/* A calibration point run through the simulator's receiving process (sim/cpu_model.c): the
 * sender's recorded writes are the traffic, the model predicts the receiver's wake-ups,
 * deliveries and gaps, and its CPU from a calibration's costs, over the same window. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "calib.h"
#include "simpoint.h"

#define TICK_NS 5000000000.0

struct sim_acc {
    double t0_ns, t1_ns;
    double units[CPUF__N], ns[CPUF__N];
};

static void sink(void *ctx, enum cpu_feat k, double units, double ns, double t_ns)
{
    struct sim_acc *a = ctx;
    if (t_ns < a->t0_ns || t_ns >= a->t1_ns) return;
    a->units[k] += units;
    a->ns[k] += ns;
}

void calib_costs_for_path(struct cpu_costs *c, const struct cpu_calibration *cal, enum cpu_path p, enum calib_clock clock)
{
    memset(c, 0, sizeof *c);
    for (int m = 0; m < 3; m++) {
        memcpy(c->ns[m], cal->ns[p], sizeof c->ns[m]);
        if (clock != CLOCK_LOCALTIME) c->ns[m][CPUF_RATE_LOCALTIME] = 0;
        if (clock != CLOCK_MONO) c->ns[m][CPUF_RATE_MONO] = 0;
        c->ns[m][CPUF_BASE] = 0;
        c->mech[m] = cpu_path_mech[p];
        c->os_wakes[m] = cal->os_wakes[p] > 0 ? cal->os_wakes[p] : 1;
        c->os_wakes_seg[m] = cal->os_wakes_seg[p];
        c->cold_tau_us[m] = cal->cold_tau_us[p];
        c->conn_tau_us[m] = cal->conn_tau_us[p];
        c->latency[m] = cal->latency[p];
    }
    c->base_ns_per_s = cal->ns[p][CPUF_BASE];
}

int calib_sim_point(const struct calib_spec *sp, const struct calib_meas *m, const struct calib_send_trace *tr,
                    const struct cpu_calibration *cal, uint64_t seed, struct calib_sim_out *out)
{
    memset(out, 0, sizeof *out);
    if (!tr || m->t1_ns <= m->t0_ns) return -1;
    struct cpu_costs costs;
    calib_costs_for_path(&costs, cal, sp->path, sp->clock);
    /* the point's own load: other processes took m->other_cpu of the receiver's CPU */
    double g = cpu_interference(cal->interference[sp->path], m->other_cpu);
    for (int k = 0; k < 3; k++)
        for (int f = 0; f < CPUF__N; f++) costs.ns[k][f] *= g;
    costs.base_ns_per_s *= g;
    struct sim_acc acc = { 0, (double)(m->t1_ns - m->t0_ns), { 0 }, { 0 } };
    /* times relative to the window's start; the trace starts with the sender, before it */
    double origin = (double)m->t0_ns;
    struct cpu_recv r;
    cpu_recv_init(&r, &costs, seed, sink, &acc);
    struct cpu_sock *socks = calloc((size_t)sp->conns, sizeof *socks);
    double *next_tick = calloc((size_t)sp->conns, sizeof *next_tick);
    if (!socks || !next_tick) { free(socks); free(next_tick); cpu_recv_free(&r); return -1; }
    /* The harnesses arm each connection's 5-s timer when its process starts, as the sender
     * connects, just before its first write: every connection ticks in phase, the first time 5 s
     * after the sender's start (calib/recv_erlang.escript start/4). */
    double start = tr->cap > 0 ? (double)tr->ev[0].t_ns - origin : 0;
    for (int i = 0; i < sp->conns; i++) {
        cpu_sock_init(&socks[i], 0);
        next_tick[i] = start + TICK_NS;
    }
    /* Passive Erlang blocks in recv(S, 0) without a timeout: the timer's message wakes the VM,
     * but the tick (and its rate update) runs only after the next data on that socket. */
    int tick_waits = sp->path == PATH_ERL_PASSIVE;
    char *tick_due = calloc((size_t)sp->conns, 1);
    if (!tick_due) { free(socks); free(next_tick); cpu_recv_free(&r); return -1; }
    int rate = sp->clock != CLOCK_NONE;
    enum cpu_feat rate_feat = sp->clock == CLOCK_LOCALTIME ? CPUF_RATE_LOCALTIME : CPUF_RATE_MONO;
    size_t i = 0;
    int in_window = 0;
    for (;;) {
        /* the next event: a write of the trace or a tick, whichever is first */
        double t_ev = i < tr->cap ? (double)tr->ev[i].t_ns - origin : INFINITY;
        int tick = -1;
        for (int c = 0; c < sp->conns; c++)
            if (next_tick[c] < t_ev) { t_ev = next_tick[c]; tick = c; }
        if (!(t_ev < acc.t1_ns)) break;
        if (!in_window && t_ev >= 0) {
            cpu_recv_advance(&r, 0);
            memset(r.gaps, 0, sizeof r.gaps);          /* count the window's deliveries only */
            r.wakes = 0;
            in_window = 1;
        }
        if (tick >= 0) {
            struct cpu_sock *s = &socks[tick];
            next_tick[tick] += TICK_NS;
            cpu_recv_arrival(&r, s, t_ev, 0, 0);
            if (tick_waits) { tick_due[tick] = 1; continue; }
            cpu_recv_charge(&r, s, CPUF_TICK, 1, t_ev);
            if (rate) cpu_recv_charge(&r, s, rate_feat, 1, t_ev);
            continue;
        }
        const struct calib_send_ev *e = &tr->ev[i++];
        if (e->conn < 0 || e->conn >= sp->conns) continue;
        struct cpu_sock *s = &socks[e->conn];
        cpu_recv_arrival(&r, s, t_ev, e->bytes, 1);
        cpu_recv_charge(&r, s, CPUF_BYTE, 0, t_ev);
        for (unsigned k = 0; k < e->msgs; k++) {
            cpu_recv_message(&r, s, t_ev);
            if (rate) cpu_recv_charge(&r, s, rate_feat, 1, t_ev);
        }
        if (tick_due[e->conn]) {
            tick_due[e->conn] = 0;
            cpu_recv_charge(&r, s, CPUF_TICK, 1, t_ev);
            if (rate) cpu_recv_charge(&r, s, rate_feat, 1, t_ev);
        }
    }
    cpu_recv_advance(&r, acc.t1_ns);
    double win = acc.t1_ns / 1e9;
    acc.units[CPUF_BASE] = win;
    acc.ns[CPUF_BASE] = costs.base_ns_per_s * win;
    for (int k = 0; k < CPUF__N; k++) {
        out->units[k] = acc.units[k] / win;
        out->ns[k] = acc.ns[k] / win;
        out->cpu_ns += out->ns[k];
    }
    for (int b = 0; b < CPU_GAP_BINS; b++) out->gaps[b] = (double)r.gaps[b] / win;
    out->wakes = (double)r.wakes / win;
    for (int k = 0; k < sp->conns; k++) cpu_sock_free(&socks[k]);
    free(socks);
    free(next_tick);
    free(tick_due);
    cpu_recv_free(&r);
    return 0;
}
