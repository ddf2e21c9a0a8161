/* ipv4.h: IPv4 (RFC 791) and UDP (RFC 768) headers: build in a packet's headroom, validate and
 * parse; the Internet checksum (RFC 1071, incremental update RFC 1624); address helpers.
 *
 * Addresses are uint32_t in host order everywhere in vpnsim (10.0.0.1 is 0x0a000001); only the
 * bytes on the wire are big-endian. Options: a received header with IHL > 5 is accepted and its
 * options are skipped (kept when forwarding); headers we build never carry options. */
#ifndef SIM_IPV4_H
#define SIM_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/pkt.h"

#define SIM_IPV4_HDR_LEN 20u /* without options */
#define SIM_UDP_HDR_LEN 8u
#define SIM_IPV4_ADDRSTRLEN 16 /* "255.255.255.255" and its NUL */
#define SIM_IPV4_DEFAULT_TTL 64u

#define SIM_IPPROTO_ICMP 1u
#define SIM_IPPROTO_TCP 6u
#define SIM_IPPROTO_UDP 17u
#define SIM_IPPROTO_ESP 50u

#define SIM_IPV4_FLAG_DF 0x4000u
#define SIM_IPV4_FLAG_MF 0x2000u
#define SIM_IPV4_FRAG_OFFSET_MASK 0x1fffu

/* 10.1.2.3 as SIM_IPV4(10, 1, 2, 3). */
#define SIM_IPV4(a, b, c, d) \
	((uint32_t)(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d)))

/* The fields of an IPv4 header, in host order. */
struct sim_ipv4_hdr {
	uint8_t hdr_len;    /* bytes: IHL * 4, 20..60 */
	uint8_t tos;
	uint16_t total_len; /* header and payload, bytes */
	uint16_t id;
	uint16_t frag;      /* flags (DF, MF) and fragment offset, as on the wire */
	uint8_t ttl;
	uint8_t proto;
	uint16_t checksum;  /* as received (parse) */
	uint32_t src;
	uint32_t dst;
};

struct sim_udp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;      /* header and payload, bytes */
	uint16_t checksum; /* as received; 0 means the sender computed none */
};

/* Why a header was refused. */
enum sim_ip_verdict {
	SIM_IP_OK = 0,
	SIM_IP_TRUNCATED,    /* fewer bytes than a minimal header */
	SIM_IP_BAD_VERSION,  /* version field is not 4 */
	SIM_IP_BAD_IHL,      /* IHL < 5, or the header is longer than the buffer */
	SIM_IP_BAD_LENGTH,   /* IPv4 total length < IHL * 4 or > the bytes present;
			        UDP length < 8 or > the IP payload */
	SIM_IP_BAD_CHECKSUM, /* header checksum (IPv4), or pseudo-header checksum (UDP) */
};

const char *sim_ip_verdict_name(enum sim_ip_verdict v);

/* ---- Internet checksum ---- */

/* Adds data to a running one's-complement sum of big-endian 16-bit words and returns the new
 * running sum (not folded to 16 bits; start with 0). Every chunk but the last must have an even
 * length; an odd last byte counts as the high byte of a word padded with zero. */
uint32_t sim_inet_sum(const void *data, size_t len, uint32_t sum);

/* Folds a running sum to 16 bits and complements it: the value to put in a checksum field.
 * Over data that includes a correct checksum field the result is 0. */
uint16_t sim_inet_fold(uint32_t sum);

/* The checksum of one buffer: sim_inet_fold(sim_inet_sum(data, len, 0)). */
uint16_t sim_inet_checksum(const void *data, size_t len);

/* RFC 1624 eqn. 3: the checksum after a 16-bit word of the covered data changes from old_word
 * to new_word (HC' = ~(~HC + ~m + m')). */
uint16_t sim_inet_checksum_update16(uint16_t checksum, uint16_t old_word, uint16_t new_word);

/* ---- IPv4 ---- */

/* Writes a 20-byte header (no options) with its checksum to out from h (h->hdr_len and
 * h->checksum are ignored). */
void sim_ipv4_write(uint8_t *out, const struct sim_ipv4_hdr *h);

/* Prepends a 20-byte IPv4 header to p's current data (which becomes the payload): total length
 * from p->len, DF set, the given TTL and id; needs 20 bytes of headroom (asserted). Returns the
 * header's first byte. */
uint8_t *sim_ipv4_push(struct sim_pkt *p, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl, uint16_t id);

/* Validates and parses the IPv4 header at data[0..len): version, IHL, total length against len,
 * header checksum. On SIM_IP_OK fills h; the packet proper is data[0..h->total_len) (bytes after
 * it, e.g. link padding, are not part of it). Options are skipped (h->hdr_len > 20). */
enum sim_ip_verdict sim_ipv4_parse(const uint8_t *data, size_t len, struct sim_ipv4_hdr *h);

/* Decrements the TTL of the valid header at hdr in place with an incremental checksum update.
 * The caller has checked TTL > 1 (a packet whose TTL would reach 0 is dropped, not forwarded). */
void sim_ipv4_dec_ttl(uint8_t *hdr);

/* The checksum of a transport segment[0..len) with the IPv4 pseudo-header (src, dst, 0, proto,
 * len): UDP's and TCP's (RFC 768, RFC 9293 3.1). */
uint16_t sim_pseudo_checksum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *segment, size_t len);

/* ---- UDP ---- */

/* The UDP checksum of segment[0..len) (header included, its checksum field as it is) with the
 * IPv4 pseudo-header (src, dst, 0, 17, len), before the 0 -> 0xffff substitution. */
uint16_t sim_udp_checksum(uint32_t src, uint32_t dst, const uint8_t *segment, size_t len);

/* Prepends an 8-byte UDP header to p's current data (the payload) with length and checksum over
 * the pseudo-header (a computed 0 is sent as 0xffff); needs 8 bytes of headroom (asserted).
 * Returns the header's first byte. */
uint8_t *sim_udp_push(struct sim_pkt *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport);

/* Validates and parses the UDP header at data[0..len) (len: the IP payload length): length in
 * [8, len], checksum over the pseudo-header unless the checksum field is 0 (RFC 768: none sent).
 * The datagram proper is data[0..u->len). */
enum sim_ip_verdict sim_udp_parse(const uint8_t *data, size_t len, uint32_t src, uint32_t dst, struct sim_udp_hdr *u);

/* ---- addresses ---- */

/* Parses a dotted quad ("10.0.0.1": four decimal numbers 0..255, no leading zeros, nothing
 * else). False on anything else. */
bool sim_ipv4_addr_parse(const char *s, uint32_t *addr);

/* Parses "10.0.0.0/8" (or a bare address, meaning /32). With strict, host bits set under the
 * mask are refused ("10.0.0.1/8" is then false); otherwise the address is kept as written. */
bool sim_ipv4_prefix_parse(const char *s, bool strict, uint32_t *addr, unsigned *plen);

/* Formats addr into buf (>= SIM_IPV4_ADDRSTRLEN bytes) and returns buf. */
const char *sim_ipv4_addr_format(uint32_t addr, char *buf);

/* The netmask of a prefix length 0..32 (0 -> 0, 24 -> 0xffffff00, 32 -> 0xffffffff). */
static inline uint32_t sim_ipv4_mask(unsigned plen)
{
	return plen == 0 ? 0 : UINT32_MAX << (32 - plen);
}

/* True when addr lies in prefix/plen. */
static inline bool sim_ipv4_in_prefix(uint32_t addr, uint32_t prefix, unsigned plen)
{
	return ((addr ^ prefix) & sim_ipv4_mask(plen)) == 0;
}

static inline uint16_t sim_get16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t sim_get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
static inline void sim_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void sim_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
