/* What the scenario keys rcvbuf and sndbuf are in Linux's socket memory, for both engines: the
 * kernel engine sets its socket options from these, the simulator's Linux send buffer uses the
 * same sk_sndbuf.  Measured on Linux 6.18, veth, MSS 1460, offloads off (docs/validation.md). */
#ifndef CONTRACT_LINUX_BUFFERS_H
#define CONTRACT_LINUX_BUFFERS_H

/* rcvbuf is the largest window advertised.  Linux doubles SO_RCVBUF and advertises
 * sk_rcvbuf * scaling_ratio, 162/256 for 1514-byte veth frames: SO_RCVBUF per byte of window. */
#define LINUX_SO_RCVBUF_PER_WINDOW_BYTE (256.0 / (2 * 162.0))
/* sndbuf is the payload a blocked writer had queued (SIOCOUTQ) = 0.972 of sk_sndbuf, the skb
 * memory Linux allows (twice SO_SNDBUF): sk_sndbuf per byte of sndbuf. */
#define LINUX_SK_SNDBUF_PER_BYTE (1.0 / 0.972)

#endif
