/* rtnetlink qdisc dump: one RTM_GETQDISC request, replies filtered by interface and kind, the
 * counters taken from TCA_STATS2 (gnet_stats_basic + gnet_stats_queue). */
#include "qdisc.h"
#include <errno.h>
#include <linux/gen_stats.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int qdisc_open(void)
{
    int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (nl < 0) return -1;
    struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
    if (bind(nl, (struct sockaddr *)&sa, sizeof sa) != 0) { close(nl); return -1; }
    return nl;
}

void qdisc_close(int nl) { if (nl >= 0) close(nl); }

static void parse_stats2(struct rtattr *nest, struct qdisc_stats *out)
{
    int len = (int)RTA_PAYLOAD(nest);
    for (struct rtattr *a = RTA_DATA(nest); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == TCA_STATS_BASIC && RTA_PAYLOAD(a) >= 12) {
            /* gnet_stats_basic: u64 bytes, u32 packets (12 bytes on the wire, unpadded). */
            uint32_t pk;
            memcpy(&out->bytes, RTA_DATA(a), 8);
            memcpy(&pk, (char *)RTA_DATA(a) + 8, 4);
            out->packets = pk;
        } else if (a->rta_type == TCA_STATS_QUEUE && RTA_PAYLOAD(a) >= sizeof(struct gnet_stats_queue)) {
            struct gnet_stats_queue q;
            memcpy(&q, RTA_DATA(a), sizeof q);
            out->qlen = q.qlen;
            out->backlog = q.backlog;
            out->drops = q.drops;
            out->overlimits = q.overlimits;
        }
    }
}

int qdisc_read(int nl, int ifindex, const char *kind, struct qdisc_stats *out)
{
    struct { struct nlmsghdr nh; struct tcmsg tc; } req;
    memset(&req, 0, sizeof req);
    req.nh.nlmsg_len = NLMSG_LENGTH(sizeof req.tc);
    req.nh.nlmsg_type = RTM_GETQDISC;
    req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.nh.nlmsg_seq = 1;
    req.tc.tcm_family = AF_UNSPEC;
    req.tc.tcm_ifindex = ifindex;
    if (send(nl, &req, req.nh.nlmsg_len, 0) < 0) return -1;
    int found = 0, done = 0;
    char buf[32768];
    while (!done) {
        ssize_t n = recv(nl, buf, sizeof buf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        int len = (int)n;
        for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type == NLMSG_DONE) { done = 1; break; }
            if (h->nlmsg_type == NLMSG_ERROR) return -1;
            if (h->nlmsg_type != RTM_NEWQDISC) continue;
            struct tcmsg *tc = NLMSG_DATA(h);
            if (tc->tcm_ifindex != ifindex || found) continue;
            int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *tc));
            struct rtattr *stats = NULL;
            int kind_ok = 0;
            for (struct rtattr *a = (struct rtattr *)((char *)tc + NLMSG_ALIGN(sizeof *tc)); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
                if (a->rta_type == TCA_KIND) kind_ok = strcmp((const char *)RTA_DATA(a), kind) == 0;
                else if (a->rta_type == TCA_STATS2) stats = a;
            }
            if (kind_ok && stats) {
                memset(out, 0, sizeof *out);
                parse_stats2(stats, out);
                found = 1;
            }
        }
    }
    return found ? 0 : -1;
}
