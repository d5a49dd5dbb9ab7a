#!/bin/bash
# Traces the kernel testbed's agents as readers during one kernel run: their epoll_wait, recvfrom
# and sendto calls, their wake-ups and switches, every data segment TCP takes in (tcp:tcp_probe),
# every read that took bytes (tcp:tcp_rcv_space_adjust) and the client's transmits, for
# tools/reader_loop_trace.py to reduce into how long after a segment its socket is read, and how
# the loop spends a wake-up.
# usage: tools/reader_loop_trace.sh OUT.trace FROM_S SECONDS [--set KEY=VALUE]...
#   as tools/host_backlog_trace.sh (same line, same idle-host start).  Needs root and tracefs.
NAME=reader_loop_trace
EVENTS="syscalls/sys_enter_recvfrom syscalls/sys_exit_recvfrom syscalls/sys_enter_sendto syscalls/sys_enter_epoll_wait
        syscalls/sys_exit_epoll_wait sched/sched_waking sched/sched_wakeup sched/sched_switch tcp/tcp_probe
        tcp/tcp_rcv_space_adjust net/net_dev_xmit"
. "$(dirname "$0")/kernel_trace.sh"
echo 262144 > $T/buffer_size_kb
for e in syscalls/sys_enter_recvfrom syscalls/sys_exit_recvfrom syscalls/sys_enter_sendto syscalls/sys_enter_epoll_wait \
         syscalls/sys_exit_epoll_wait sched/sched_waking sched/sched_wakeup; do
    echo 'comm == "ratelab-agent"' > $T/events/$e/filter
done
echo 'prev_comm == "ratelab-agent" || next_comm == "ratelab-agent"' > $T/events/sched/sched_switch/filter
echo 'data_len > 0' > $T/events/tcp/tcp_probe/filter
# The testbed's client veth (kernel/testbed.c): the client's ACKs and uploads.
echo 'name == "c0"' > $T/events/net/net_dev_xmit/filter
trace_run "$@"
