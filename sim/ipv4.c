/* ipv4.c: IPv4 and UDP header codec, the Internet checksum, address parsing and formatting. */
#include "sim/ipv4.h"

#include <stdio.h>
#include <string.h>

const char *sim_ip_verdict_name(enum sim_ip_verdict v)
{
	switch (v) {
	case SIM_IP_OK:
		return "ok";
	case SIM_IP_TRUNCATED:
		return "truncated";
	case SIM_IP_BAD_VERSION:
		return "bad_version";
	case SIM_IP_BAD_IHL:
		return "bad_ihl";
	case SIM_IP_BAD_LENGTH:
		return "bad_length";
	case SIM_IP_BAD_CHECKSUM:
		return "bad_checksum";
	}
	return "?";
}

static uint32_t fold16(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint32_t)s;
}

/* One's-complement arithmetic is byte-order independent (RFC 1071 section 2(B)): sum the data
 * as native 32-bit words, fold, and swap the bytes on a little-endian machine. */
uint32_t sim_inet_sum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	uint64_t s = 0, s2 = 0;
	/* 32 bytes per round: each 64-bit word adds its two 32-bit halves (2^32 = 1 mod 2^16 - 1),
	 * so the 64-bit accumulators cannot overflow for any buffer below 2^31 bytes */
	while (len >= 32) {
		uint64_t w[4];
		memcpy(w, p, 32);
		s += (w[0] & 0xffffffffu) + (w[0] >> 32) + (w[1] & 0xffffffffu) + (w[1] >> 32);
		s2 += (w[2] & 0xffffffffu) + (w[2] >> 32) + (w[3] & 0xffffffffu) + (w[3] >> 32);
		p += 32;
		len -= 32;
	}
	s += s2;
	while (len >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		s += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		s += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint8_t last[2] = { p[0], 0 };
		uint16_t w;
		memcpy(&w, last, 2);
		s += w;
	}
	uint32_t f = fold16(s);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	f = ((f & 0xff) << 8) | (f >> 8);
#endif
	return fold16((uint64_t)f + sum);
}

uint16_t sim_inet_fold(uint32_t sum)
{
	return (uint16_t)~fold16(sum);
}

uint16_t sim_inet_checksum(const void *data, size_t len)
{
	return sim_inet_fold(sim_inet_sum(data, len, 0));
}

uint16_t sim_inet_checksum_update16(uint16_t checksum, uint16_t old_word, uint16_t new_word)
{
	uint32_t s = (uint16_t)~checksum;
	s += (uint16_t)~old_word;
	s += new_word;
	return (uint16_t)~fold16(s);
}

void sim_ipv4_write(uint8_t *out, const struct sim_ipv4_hdr *h)
{
	out[0] = 0x45;
	out[1] = h->tos;
	sim_put16(out + 2, h->total_len);
	sim_put16(out + 4, h->id);
	sim_put16(out + 6, h->frag);
	out[8] = h->ttl;
	out[9] = h->proto;
	sim_put16(out + 10, 0);
	sim_put32(out + 12, h->src);
	sim_put32(out + 16, h->dst);
	sim_put16(out + 10, sim_inet_checksum(out, SIM_IPV4_HDR_LEN));
}

uint8_t *sim_ipv4_push(struct sim_pkt *p, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl, uint16_t id)
{
	g_assert(p->len + SIM_IPV4_HDR_LEN <= UINT16_MAX);
	struct sim_ipv4_hdr h = {
		.total_len = (uint16_t)(p->len + SIM_IPV4_HDR_LEN),
		.id = id,
		.frag = SIM_IPV4_FLAG_DF,
		.ttl = ttl,
		.proto = proto,
		.src = src,
		.dst = dst,
	};
	uint8_t *hdr = sim_pkt_push(p, SIM_IPV4_HDR_LEN);
	sim_ipv4_write(hdr, &h);
	return hdr;
}

enum sim_ip_verdict sim_ipv4_parse(const uint8_t *data, size_t len, struct sim_ipv4_hdr *h)
{
	if (len < SIM_IPV4_HDR_LEN)
		return SIM_IP_TRUNCATED;
	if ((data[0] >> 4) != 4)
		return SIM_IP_BAD_VERSION;
	unsigned hdr_len = (data[0] & 0x0fu) * 4u;
	if (hdr_len < SIM_IPV4_HDR_LEN || hdr_len > len)
		return SIM_IP_BAD_IHL;
	uint16_t total_len = sim_get16(data + 2);
	if (total_len < hdr_len || total_len > len)
		return SIM_IP_BAD_LENGTH;
	if (sim_inet_checksum(data, hdr_len) != 0)
		return SIM_IP_BAD_CHECKSUM;
	h->hdr_len = (uint8_t)hdr_len;
	h->tos = data[1];
	h->total_len = total_len;
	h->id = sim_get16(data + 4);
	h->frag = sim_get16(data + 6);
	h->ttl = data[8];
	h->proto = data[9];
	h->checksum = sim_get16(data + 10);
	h->src = sim_get32(data + 12);
	h->dst = sim_get32(data + 16);
	return SIM_IP_OK;
}

void sim_ipv4_dec_ttl(uint8_t *hdr)
{
	g_assert(hdr[8] > 1);
	/* TTL is the high byte of the word at offset 8 (TTL, protocol). */
	uint16_t old_word = sim_get16(hdr + 8);
	hdr[8]--;
	uint16_t new_word = sim_get16(hdr + 8);
	sim_put16(hdr + 10, sim_inet_checksum_update16(sim_get16(hdr + 10), old_word, new_word));
}

uint16_t sim_pseudo_checksum(uint32_t src, uint32_t dst, uint8_t proto, const uint8_t *segment, size_t len)
{
	uint8_t pseudo[12];
	sim_put32(pseudo, src);
	sim_put32(pseudo + 4, dst);
	pseudo[8] = 0;
	pseudo[9] = proto;
	sim_put16(pseudo + 10, (uint16_t)len);
	return sim_inet_fold(sim_inet_sum(segment, len, sim_inet_sum(pseudo, sizeof pseudo, 0)));
}

uint16_t sim_udp_checksum(uint32_t src, uint32_t dst, const uint8_t *segment, size_t len)
{
	return sim_pseudo_checksum(src, dst, SIM_IPPROTO_UDP, segment, len);
}

uint8_t *sim_udp_push(struct sim_pkt *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	g_assert(p->len + SIM_UDP_HDR_LEN <= UINT16_MAX);
	uint8_t *u = sim_pkt_push(p, SIM_UDP_HDR_LEN);
	sim_put16(u, sport);
	sim_put16(u + 2, dport);
	sim_put16(u + 4, (uint16_t)p->len);
	sim_put16(u + 6, 0);
	uint16_t c = sim_udp_checksum(src, dst, u, p->len);
	sim_put16(u + 6, c ? c : 0xffff);
	return u;
}

enum sim_ip_verdict sim_udp_parse(const uint8_t *data, size_t len, uint32_t src, uint32_t dst, struct sim_udp_hdr *u)
{
	if (len < SIM_UDP_HDR_LEN)
		return SIM_IP_TRUNCATED;
	uint16_t ulen = sim_get16(data + 4);
	if (ulen < SIM_UDP_HDR_LEN || ulen > len)
		return SIM_IP_BAD_LENGTH;
	uint16_t c = sim_get16(data + 6);
	if (c != 0 && sim_udp_checksum(src, dst, data, ulen) != 0)
		return SIM_IP_BAD_CHECKSUM;
	u->sport = sim_get16(data);
	u->dport = sim_get16(data + 2);
	u->len = ulen;
	u->checksum = c;
	return SIM_IP_OK;
}

/* One decimal octet 0..255 without leading zeros; advances *s. */
static bool parse_octet(const char **s, uint32_t *v)
{
	const char *p = *s;
	if (*p < '0' || *p > '9')
		return false;
	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return false;
	uint32_t n = 0;
	int digits = 0;
	while (*p >= '0' && *p <= '9') {
		if (++digits > 3)
			return false;
		n = n * 10 + (uint32_t)(*p - '0');
		p++;
	}
	if (n > 255)
		return false;
	*v = n;
	*s = p;
	return true;
}

/* Parses a dotted quad at *s, advancing it past the last digit. */
static bool parse_quad(const char **s, uint32_t *addr)
{
	uint32_t a = 0;
	for (int i = 0; i < 4; i++) {
		uint32_t o;
		if (i > 0) {
			if (**s != '.')
				return false;
			(*s)++;
		}
		if (!parse_octet(s, &o))
			return false;
		a = (a << 8) | o;
	}
	*addr = a;
	return true;
}

bool sim_ipv4_addr_parse(const char *s, uint32_t *addr)
{
	uint32_t a;
	if (!s || !parse_quad(&s, &a) || *s != '\0')
		return false;
	*addr = a;
	return true;
}

bool sim_ipv4_prefix_parse(const char *s, bool strict, uint32_t *addr, unsigned *plen)
{
	uint32_t a, n = 32;
	if (!s || !parse_quad(&s, &a))
		return false;
	if (*s == '/') {
		s++;
		if (!parse_octet(&s, &n) || n > 32)
			return false;
	}
	if (*s != '\0')
		return false;
	if (strict && (a & ~sim_ipv4_mask(n)) != 0)
		return false;
	*addr = a;
	*plen = n;
	return true;
}

const char *sim_ipv4_addr_format(uint32_t addr, char *buf)
{
	snprintf(buf, SIM_IPV4_ADDRSTRLEN, "%u.%u.%u.%u", addr >> 24, (addr >> 16) & 0xff, (addr >> 8) & 0xff,
		 addr & 0xff);
	return buf;
}
