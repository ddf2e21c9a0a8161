/* fuzz_tcp.c: libFuzzer target for the TCP header parser and the MSS clamp (sim/tcp.c), the
 * code a device runs on every SYN crossing its tunnel. The first two bytes are the clamp; the
 * rest is an IPv4 packet whose header checksum the harness fixes (so the fuzzer gets past it).
 * Nothing may be read outside the packet; a clamp must leave the MSS at most the clamp value,
 * and a segment whose checksum was right must still be right afterwards. */
#include "sim/tcp.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 + SIM_IPV4_HDR_LEN || size > 2 + 65535)
		return 0;
	uint16_t mss = (uint16_t)(data[0] << 8 | data[1]);
	size_t len = size - 2;
	uint8_t *p = malloc(len); /* exactly the packet: ASan sees any read past it */
	memcpy(p, data + 2, len);
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl >= SIM_IPV4_HDR_LEN && ihl <= len) {
		sim_put16(p + 10, 0);
		sim_put16(p + 10, sim_inet_checksum(p, ihl));
	}
	struct sim_ipv4_hdr ih;
	bool ip_ok = sim_ipv4_parse(p, len, &ih) == SIM_IP_OK && ih.proto == SIM_IPPROTO_TCP;
	struct sim_tcp_hdr h;
	bool before = ip_ok && sim_tcp_parse(p + ih.hdr_len, ih.total_len - ih.hdr_len, ih.src, ih.dst, &h) == SIM_IP_OK;
	if (sim_tcp_clamp_mss(p, len, mss)) {
		if (!ip_ok)
			abort(); /* clamped something that is not an IPv4 TCP packet */
		size_t n = ih.total_len - ih.hdr_len;
		enum sim_ip_verdict v = sim_tcp_parse(p + ih.hdr_len, n, ih.src, ih.dst, &h);
		if (before && (v != SIM_IP_OK || h.mss > mss))
			abort(); /* the checksum update or the rewrite went wrong */
	}
	free(p);
	return 0;
}
