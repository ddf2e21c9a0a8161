/* tcp.h: the TCP header (RFC 9293) as far as simulated packets need it: build a segment's header
 * (with the MSS option on a SYN) in a packet's headroom, validate and parse one, and clamp the
 * MSS option of a SYN in place as a VPN device or router does (`ip tcp adjust-mss`), with the
 * RFC 1624 checksum update. There is no TCP state machine here: models/traffic.c uses these
 * for its handshake and segments. */
#ifndef SIM_TCP_H
#define SIM_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/ipv4.h"
#include "sim/pkt.h"

#define SIM_TCP_HDR_LEN 20u     /* without options */
#define SIM_TCP_MSS_OPT_LEN 4u  /* kind 2, length 4, 16-bit MSS */
#define SIM_TCP_FIN 0x01u
#define SIM_TCP_SYN 0x02u
#define SIM_TCP_RST 0x04u
#define SIM_TCP_ACK 0x10u

/* A segment's header fields, in host order. */
struct sim_tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;     /* SIM_TCP_* */
	uint16_t window;
	uint16_t hdr_len;  /* parse: data offset in bytes (20..60) */
	uint16_t mss;      /* the MSS option's value; 0: none (push: none written) */
};

/* The pseudo-header checksum of a segment of len bytes (RFC 9293 3.1); 0 over a segment whose
 * checksum field is right. */
uint16_t sim_tcp_checksum(uint32_t src, uint32_t dst, const uint8_t *segment, size_t len);

/* Prepends a TCP header for h (20 bytes, 24 with h->mss != 0) to p's data, the segment's
 * payload, with its checksum for src -> dst. Returns the header. */
uint8_t *sim_tcp_push(struct sim_pkt *p, uint32_t src, uint32_t dst, const struct sim_tcp_hdr *h);

/* Checks a segment of len bytes (the IP payload) from src to dst: data offset within it, the
 * options well formed (an MSS option of length 4 is read, others skipped), the checksum right.
 * SIM_IP_OK fills h; SIM_IP_TRUNCATED, SIM_IP_BAD_LENGTH or SIM_IP_BAD_CHECKSUM otherwise. */
enum sim_ip_verdict sim_tcp_parse(const uint8_t *data, size_t len, uint32_t src, uint32_t dst, struct sim_tcp_hdr *h);

/* When the IPv4 packet ip[0..len) is an unfragmented TCP SYN whose MSS option exceeds mss,
 * rewrites the option to mss and updates the TCP checksum (RFC 1624); returns whether it did.
 * Anything else (not TCP, a fragment, no SYN, no MSS option, malformed options, a short
 * buffer) is left alone and false returned. */
bool sim_tcp_clamp_mss(uint8_t *ip, size_t len, uint16_t mss);

#endif
