/* Packets: payload and header bytes kept apart, a byte class for the per-class link counters,
 * TCP fields named as in RFC 793, and a free-list pool so the packet path never mallocs. */
#ifndef SIM_PACKET_H
#define SIM_PACKET_H

#include <stdint.h>
#include "engine.h"

enum pkt_proto { PROTO_TCP = 0, PROTO_UDP = 1 };

/* What a wire byte is, for the per-class counters (the Xtreme document's picture areas).
 * Invariant: a packet's wire bytes on a link sum exactly over the classes it is split into. */
enum byte_class {
    BC_DATA = 0,    /* application payload that is file/bulk data                              */
    BC_CONTROL,     /* application payload that is protocol control messages                   */
    BC_HEADER,      /* IP/TCP/UDP headers + link framing of packets that carry payload          */
    BC_ACK,         /* whole wire size of TCP segments without payload (pure ACK, SYN, FIN, WU) */
    BC_CROSS,       /* whole wire size of other applications' packets (VoIP, web)             */
    BC__N
};
extern const char *const byte_class_name[BC__N];

#define TCPF_SYN 0x01u
#define TCPF_FIN 0x02u
#define TCPF_ACK 0x04u
#define TCPF_PSH 0x08u

#define IPV4_HDR 20u
#define TCP_HDR  20u
#define TCP_TS_OPT 12u
#define UDP_HDR   8u
#define TCP_MAX_SACK 3           /* blocks that fit beside the timestamps option */

struct path;

struct packet {
    struct packet     *next;        /* queue / pipe / free-list link                           */
    const struct path *path;        /* route; hop indexes the link currently carrying it       */
    uint8_t            hop;
    uint8_t            proto;       /* enum pkt_proto                                          */
    uint8_t            flags;       /* TCPF_*                                                  */
    uint8_t            cross;       /* 1: belongs to cross-traffic (BC_CROSS)                   */
    uint16_t           hdr_bytes;   /* IP + TCP/UDP (+ options): the IP packet is hdr + payload */
    uint16_t           flow;        /* owner-defined flow id, for demultiplexing at delivery   */
    uint32_t           payload;     /* application bytes                                       */
    uint32_t           ctrl;        /* of payload, bytes that are control messages (<= payload) */
    uint32_t           wire;        /* bytes on the current link including framing             */
    /* TCP: 64-bit byte offsets, so sequence space never wraps inside a run. */
    uint64_t           seq;
    uint64_t           ack;
    uint32_t           rwnd;        /* advertised window in bytes (window scaling applied)     */
    sim_time_t         ts_val;      /* sender clock when sent (RFC 7323 TSval, used for RTT)   */
    sim_time_t         ts_ecr;      /* echoed TSval                                            */
    sim_time_t         t_sent;      /* when the sending endpoint emitted this packet           */
    sim_time_t         t_enq;       /* when it entered the current link's queue                */
    uint64_t           app_tag;     /* free for the application (UDP message id, ...)          */
    uint8_t            n_sack;      /* RFC 2018 SACK blocks carried (most recent first)        */
    uint64_t           sack[TCP_MAX_SACK][2];
};

static inline uint32_t pkt_ip_bytes(const struct packet *p) { return p->hdr_bytes + p->payload; }

/* Pool: packets come back through pkt_free; the pool only grows (in slabs). */
struct pkt_pool {
    struct packet *free_list;
    void         **slabs;
    size_t         n_slabs, cap_slabs;
    uint64_t       live;            /* allocated and not yet freed: must be 0 after teardown  */
};

void           pkt_pool_init(struct pkt_pool *pp);
void           pkt_pool_free(struct pkt_pool *pp);
struct packet *pkt_alloc(struct pkt_pool *pp);
void           pkt_free(struct pkt_pool *pp, struct packet *p);

#endif
