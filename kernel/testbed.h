/* The line in namespaces: client - router - server over veth pairs (RFC 5737 documentation
 * addresses), tbf + pfifo on each router egress, and the propagation delay (TUN line or netem). */
#ifndef KERNEL_TESTBED_H
#define KERNEL_TESTBED_H

#include "kernel.h"

#define TB_CLIENT_ADDR "192.0.2.2"
#define TB_SERVER_ADDR "198.51.100.2"
#define TB_NS_PREFIX   "rlk"           /* rlk<pid><role>: the creating process is in the name */
#define TB_TUN_DEV     "dl0"

enum tb_role { TB_CLIENT, TB_ROUTER, TB_SERVER, TB_N };
enum tb_delay { TB_DELAY_NONE, TB_DELAY_TUN, TB_DELAY_NETEM };

struct testbed {
    char          ns[TB_N][32];
    int           created[TB_N];
    int           if_up, if_down;     /* router ifindex of the uplink (to server) / downlink egress */
    enum tb_delay delay;
    const char   *fifo_kind;          /* "pfifo": the modem queue whose drops are counted          */
};

/* Builds everything.  A delay > 0 uses netem where sch_netem exists (tried on the router's
 * loopback), else the TUN delay line (the caller starts its reader: t->delay == TB_DELAY_TUN),
 * else it is refused as KERNEL_ENV.  On failure returns KERNEL_ENV (a missing kernel feature) or KERNEL_FAILED
 * with err set, and the caller still calls testbed_destroy for what was created. */
enum kernel_status testbed_build(struct testbed *t, const struct kernel_cfg *c, enum tb_delay delay,
                                 char *err, size_t errlen);
/* Kills what still runs inside the namespaces and deletes them (their links and TUN go with them). */
void testbed_destroy(struct testbed *t);

#endif
