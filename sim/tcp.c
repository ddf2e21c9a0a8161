/* tcp.c: TCP header build, parse and MSS clamping (see tcp.h). */
#include "sim/tcp.h"

#include <glib.h>

#define TCP_OPT_END 0u
#define TCP_OPT_NOP 1u
#define TCP_OPT_MSS 2u

uint16_t sim_tcp_checksum(uint32_t src, uint32_t dst, const uint8_t *segment, size_t len)
{
	return sim_pseudo_checksum(src, dst, SIM_IPPROTO_TCP, segment, len);
}

uint8_t *sim_tcp_push(struct sim_pkt *p, uint32_t src, uint32_t dst, const struct sim_tcp_hdr *h)
{
	uint32_t hl = SIM_TCP_HDR_LEN + (h->mss ? SIM_TCP_MSS_OPT_LEN : 0);
	g_assert(p->len + hl <= UINT16_MAX);
	uint8_t *t = sim_pkt_push(p, hl);
	sim_put16(t, h->sport);
	sim_put16(t + 2, h->dport);
	sim_put32(t + 4, h->seq);
	sim_put32(t + 8, h->ack);
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = h->flags;
	sim_put16(t + 14, h->window);
	sim_put16(t + 16, 0);
	sim_put16(t + 18, 0); /* urgent pointer */
	if (h->mss) {
		t[20] = TCP_OPT_MSS;
		t[21] = SIM_TCP_MSS_OPT_LEN;
		sim_put16(t + 22, h->mss);
	}
	sim_put16(t + 16, sim_tcp_checksum(src, dst, t, p->len));
	return t;
}

/* Finds the MSS option in the options opt[0..n); returns its offset in opt, or -1 when there
 * is none; -2 when the options are malformed (a length that is < 2 or runs past the end, an
 * MSS option whose length is not 4). */
static int find_mss(const uint8_t *opt, size_t n)
{
	size_t i = 0;
	while (i < n) {
		if (opt[i] == TCP_OPT_END)
			return -1;
		if (opt[i] == TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n || opt[i + 1] < 2 || i + opt[i + 1] > n)
			return -2;
		if (opt[i] == TCP_OPT_MSS)
			return opt[i + 1] == SIM_TCP_MSS_OPT_LEN ? (int)i : -2;
		i += opt[i + 1];
	}
	return -1;
}

enum sim_ip_verdict sim_tcp_parse(const uint8_t *data, size_t len, uint32_t src, uint32_t dst, struct sim_tcp_hdr *h)
{
	if (len < SIM_TCP_HDR_LEN)
		return SIM_IP_TRUNCATED;
	size_t hl = (size_t)(data[12] >> 4) * 4;
	if (hl < SIM_TCP_HDR_LEN || hl > len)
		return SIM_IP_BAD_LENGTH;
	int mss_at = find_mss(data + SIM_TCP_HDR_LEN, hl - SIM_TCP_HDR_LEN);
	if (mss_at == -2)
		return SIM_IP_BAD_LENGTH;
	if (sim_tcp_checksum(src, dst, data, len) != 0)
		return SIM_IP_BAD_CHECKSUM;
	h->sport = sim_get16(data);
	h->dport = sim_get16(data + 2);
	h->seq = sim_get32(data + 4);
	h->ack = sim_get32(data + 8);
	h->flags = data[13];
	h->window = sim_get16(data + 14);
	h->hdr_len = (uint16_t)hl;
	h->mss = mss_at >= 0 ? sim_get16(data + SIM_TCP_HDR_LEN + (size_t)mss_at + 2) : 0;
	return SIM_IP_OK;
}

bool sim_tcp_clamp_mss(uint8_t *ip, size_t len, uint16_t mss)
{
	if (len < SIM_IPV4_HDR_LEN || ip[9] != SIM_IPPROTO_TCP)
		return false; /* most packets: no header parse (and checksum) for them */
	struct sim_ipv4_hdr ih;
	if (sim_ipv4_parse(ip, len, &ih) != SIM_IP_OK || ih.proto != SIM_IPPROTO_TCP ||
	    (ih.frag & (SIM_IPV4_FLAG_MF | SIM_IPV4_FRAG_OFFSET_MASK)))
		return false;
	uint8_t *t = ip + ih.hdr_len;
	size_t n = ih.total_len - ih.hdr_len;
	if (n < SIM_TCP_HDR_LEN || !(t[13] & SIM_TCP_SYN))
		return false;
	size_t hl = (size_t)(t[12] >> 4) * 4;
	if (hl < SIM_TCP_HDR_LEN || hl > n)
		return false;
	int at = find_mss(t + SIM_TCP_HDR_LEN, hl - SIM_TCP_HDR_LEN);
	if (at < 0)
		return false;
	uint8_t *v = t + SIM_TCP_HDR_LEN + at + 2;
	uint16_t old = sim_get16(v);
	if (old <= mss)
		return false;
	sim_put16(v, mss);
	/* The option sits at an even offset only when it is 16-bit aligned in the segment; an odd
	 * one straddles two checksum words, so update both. */
	size_t off = (size_t)(v - t);
	uint16_t c = sim_get16(t + 16);
	if (off % 2 == 0) {
		c = sim_inet_checksum_update16(c, old, mss);
	} else {
		uint16_t w0_old = (uint16_t)(v[-1] << 8 | (old >> 8)), w0_new = (uint16_t)(v[-1] << 8 | (mss >> 8));
		uint16_t w1_old = (uint16_t)((old & 0xff) << 8 | v[2]), w1_new = (uint16_t)((mss & 0xff) << 8 | v[2]);
		c = sim_inet_checksum_update16(sim_inet_checksum_update16(c, w0_old, w0_new), w1_old, w1_new);
	}
	sim_put16(t + 16, c);
	return true;
}
