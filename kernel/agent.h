/* ratelab-agent: the traffic and delay program the kernel engine runs inside its namespaces.
 * Output is one line per value on stdout ("m NAME VALUE", "s SERIES T VALUE", "f KIND I NAME VALUE"). */
#ifndef KERNEL_AGENT_H
#define KERNEL_AGENT_H

#include <stdint.h>

#define AGENT_PORT_DOWN 5001     /* the client connects, the server sends (downloads)  */
#define AGENT_PORT_UP   5002     /* the client connects and sends (uploads)            */
#define AGENT_PORT_VOIP 5003     /* UDP CBR client -> server                           */
#define AGENT_VOIP_PAYLOAD 200   /* bytes, as the simulator's VoIP source              */

int64_t agent_now_ns(void);      /* CLOCK_MONOTONIC: one clock for every namespace of the host */
int64_t agent_real_ns(void);     /* CLOCK_REALTIME, the clock of SO_TIMESTAMPNS                 */
/* The TUN delay line: `ratelab-agent delay --dev NAME --delay-ns D --slots N`. */
int agent_delay_main(int argc, char **argv);
/* Traffic: `ratelab-agent server|client ...` (see agent.c for the options). */
int agent_traffic_main(int argc, char **argv);

#endif
