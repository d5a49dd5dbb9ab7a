/* What the scenario keys rcvbuf and sndbuf are in Linux's socket memory, for both engines: the
 * kernel engine sets its socket options from these, the simulator's Linux send buffer uses the
 * same sk_sndbuf.  Measured on Linux 6.18, veth, MSS 1460, offloads off (docs/validation.md). */
#ifndef CONTRACT_LINUX_BUFFERS_H
#define CONTRACT_LINUX_BUFFERS_H

/* rcvbuf is the largest window advertised.  Linux doubles SO_RCVBUF and advertises
 * sk_rcvbuf * scaling_ratio, 162/256 for 1514-byte veth frames: SO_RCVBUF per byte of window.
 * Before the first data segment is measured the ratio is TCP_DEFAULT_SCALING_RATIO, 128/256: the
 * initial window (tcp_select_initial_window) is computed with it. */
#define LINUX_VETH_SCALING_RATIO 162
#define LINUX_DEFAULT_SCALING_RATIO 128
/* The larger of net.ipv4.tcp_rmem[2] (33554432) and net.core.rmem_max (4194304) in a new network
 * namespace on Linux 6.18: tcp_select_initial_window picks the window scale for at least this
 * much, unless window_clamp (the locked buffer) is smaller. */
#define LINUX_TCP_RMEM_MAX 33554432u
#define LINUX_SO_RCVBUF_PER_WINDOW_BYTE (256.0 / (2.0 * LINUX_VETH_SCALING_RATIO))
/* The receive memory (truesize) of one full-size segment arriving on the veth: 2304 bytes, so
 * scaling_ratio = 1460 * 256 / 2304 = 162 (tcp_measure_rcv_mss, rounded down) and a segment held
 * costs 2304 * 162 / 256 = 1458 bytes of window, 2 less than it brings.  Derived from the windows
 * a Linux 6.18 receiver offered while holding 15 and 16 segments (240276 and 238820 bytes:
 * (2 * 207127 - n * 2304) * 162 / 256, rounded up to the scale unit of 4; docs/validation.md). */
#define LINUX_VETH_SEG_TRUESIZE 2304
/* sndbuf is the payload a blocked writer had queued (SIOCOUTQ) = 0.972 of sk_sndbuf, the skb
 * memory Linux allows (twice SO_SNDBUF): sk_sndbuf per byte of sndbuf. */
#define LINUX_SK_SNDBUF_PER_BYTE (1.0 / 0.972)

#endif
