/* Queueing-discipline counters read over rtnetlink (RTM_GETQDISC): what tbf sent and what its
 * packet FIFO held and dropped, cheap enough to sample many times a second. */
#ifndef KERNEL_QDISC_H
#define KERNEL_QDISC_H

#include <stdint.h>

struct qdisc_stats {
    uint64_t bytes, packets;   /* dequeued (sent) by the qdisc, as it counts them (skb->len)     */
    uint32_t qlen, backlog;    /* packets / bytes queued now                                     */
    uint32_t drops, overlimits;
};

/* A netlink socket bound in the current network namespace (enter it first). -1 on error. */
int  qdisc_open(void);
void qdisc_close(int nl);
/* Counters of the qdisc of `kind` ("tbf", "pfifo", "netem") on interface ifindex.  0, or -1 if
 * the request failed or no such qdisc exists. */
int  qdisc_read(int nl, int ifindex, const char *kind, struct qdisc_stats *out);

#endif
