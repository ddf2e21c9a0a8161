/* test_tcp.c: the TCP header codec and MSS clamping: a Linux-style SYN whose checksums were
 * computed independently (RFC 1071 in Python) before and after clamping to 1350, header
 * build/parse round trips, an MSS option at an odd offset, what must be left alone, and
 * random mutations through the clamp and the parser (run under ASan in CI). */
#include "sim/rng.h"
#include "sim/tcp.h"
#include "tests/cu.h"

#include <string.h>

#define SRC SIM_IPV4(192, 168, 10, 20)
#define DST SIM_IPV4(10, 1, 0, 10)

/* 192.168.10.20:40000 -> 10.1.0.10:443 SYN, seq 0x01020304, window 64240; options MSS 1460,
 * SACK permitted, NOP, NOP, window scale 7, EOL; TCP checksum f75e. */
static const uint8_t syn[] = {
	0x45, 0x00, 0x00, 0x34, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x53, 0xc9, 0xc0, 0xa8, 0x0a, 0x14, 0x0a, 0x01,
	0x00, 0x0a, 0x9c, 0x40, 0x01, 0xbb, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x00, 0x80, 0x02, 0xfa, 0xf0,
	0xf7, 0x5e, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x01, 0x01, 0x03, 0x03, 0x07, 0x00,
};

static void test_vector(void)
{
	uint8_t p[sizeof syn];
	memcpy(p, syn, sizeof p);
	struct sim_tcp_hdr h;
	CU_ASSERT_EQUAL_FATAL(sim_tcp_parse(p + 20, sizeof p - 20, SRC, DST, &h), SIM_IP_OK);
	CU_ASSERT_EQUAL(h.sport, 40000);
	CU_ASSERT_EQUAL(h.dport, 443);
	CU_ASSERT_EQUAL(h.seq, 0x01020304);
	CU_ASSERT_EQUAL(h.flags, SIM_TCP_SYN);
	CU_ASSERT_EQUAL(h.window, 64240);
	CU_ASSERT_EQUAL(h.hdr_len, 32);
	CU_ASSERT_EQUAL(h.mss, 1460);
	CU_ASSERT_TRUE(sim_tcp_clamp_mss(p, sizeof p, 1350));
	CU_ASSERT_EQUAL(sim_get16(p + 20 + 16), 0xf7cc); /* the independently computed checksum */
	CU_ASSERT_EQUAL(sim_get16(p + 20 + 22), 1350);
	CU_ASSERT_EQUAL(sim_tcp_parse(p + 20, sizeof p - 20, SRC, DST, &h), SIM_IP_OK);
	CU_ASSERT_EQUAL(h.mss, 1350);
	CU_ASSERT_EQUAL(memcmp(p, syn, 20), 0); /* the IP header is untouched */
	/* at or below the clamp: nothing to do */
	CU_ASSERT_FALSE(sim_tcp_clamp_mss(p, sizeof p, 1350));
	CU_ASSERT_FALSE(sim_tcp_clamp_mss(p, sizeof p, 1400));
	/* a wrong checksum is found */
	p[20 + 17] ^= 1;
	CU_ASSERT_EQUAL(sim_tcp_parse(p + 20, sizeof p - 20, SRC, DST, &h), SIM_IP_BAD_CHECKSUM);
}

static void test_push_parse(void)
{
	struct sim_pkt_pool pool;
	sim_pkt_pool_init(&pool, 2048, 128);
	for (int with_mss = 0; with_mss < 2; with_mss++) {
		struct sim_pkt *p = sim_pkt_alloc(&pool);
		memcpy(sim_pkt_put(p, 5), "hello", 5);
		struct sim_tcp_hdr h = { .sport = 10001, .dport = 20001, .seq = 7, .ack = 9,
					 .flags = SIM_TCP_SYN | SIM_TCP_ACK, .window = 65535,
					 .mss = with_mss ? 1460 : 0 };
		sim_tcp_push(p, SRC, DST, &h);
		CU_ASSERT_EQUAL(p->len, 5 + 20 + (with_mss ? 4 : 0));
		struct sim_tcp_hdr g;
		CU_ASSERT_EQUAL_FATAL(sim_tcp_parse(sim_pkt_data(p), p->len, SRC, DST, &g), SIM_IP_OK);
		CU_ASSERT_EQUAL(g.sport, 10001);
		CU_ASSERT_EQUAL(g.dport, 20001);
		CU_ASSERT_EQUAL(g.seq, 7);
		CU_ASSERT_EQUAL(g.ack, 9);
		CU_ASSERT_EQUAL(g.flags, SIM_TCP_SYN | SIM_TCP_ACK);
		CU_ASSERT_EQUAL(g.mss, with_mss ? 1460 : 0);
		CU_ASSERT_EQUAL(memcmp(sim_pkt_data(p) + g.hdr_len, "hello", 5), 0);
		/* the same bytes seen from other addresses fail the pseudo-header checksum */
		CU_ASSERT_EQUAL(sim_tcp_parse(sim_pkt_data(p), p->len, SRC + 1, DST, &g), SIM_IP_BAD_CHECKSUM);
		sim_pkt_free(p);
	}
	sim_pkt_pool_destroy(&pool);
}

/* An IPv4 SYN with the options given, its checksums right. */
static size_t make_syn(uint8_t *out, const uint8_t *opt, size_t n_opt, uint8_t flags)
{
	size_t hl = 20 + n_opt, len = 20 + hl;
	struct sim_ipv4_hdr ih = { .total_len = (uint16_t)len, .frag = SIM_IPV4_FLAG_DF, .ttl = 64,
				   .proto = SIM_IPPROTO_TCP, .src = SRC, .dst = DST };
	sim_ipv4_write(out, &ih);
	uint8_t *t = out + 20;
	memset(t, 0, hl);
	sim_put16(t, 1234);
	sim_put16(t + 2, 80);
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = flags;
	memcpy(t + 20, opt, n_opt);
	sim_put16(t + 16, sim_tcp_checksum(SRC, DST, t, hl));
	return len;
}

static void test_odd_offset_and_refusals(void)
{
	uint8_t p[80];
	struct sim_tcp_hdr h;
	/* NOP first: the MSS value sits at an odd offset and straddles two checksum words */
	static const uint8_t odd[] = { 1, 2, 4, 0x05, 0xb4, 1, 1, 1 };
	size_t n = make_syn(p, odd, sizeof odd, SIM_TCP_SYN);
	CU_ASSERT_TRUE(sim_tcp_clamp_mss(p, n, 1200));
	CU_ASSERT_EQUAL_FATAL(sim_tcp_parse(p + 20, n - 20, SRC, DST, &h), SIM_IP_OK);
	CU_ASSERT_EQUAL(h.mss, 1200);
	/* not a SYN: left alone */
	static const uint8_t mss[] = { 2, 4, 0x05, 0xb4 };
	n = make_syn(p, mss, sizeof mss, SIM_TCP_ACK);
	CU_ASSERT_FALSE(sim_tcp_clamp_mss(p, n, 1200));
	/* a SYN without MSS option */
	static const uint8_t none[] = { 1, 1, 1, 0 };
	n = make_syn(p, none, sizeof none, SIM_TCP_SYN);
	CU_ASSERT_FALSE(sim_tcp_clamp_mss(p, n, 1200));
	CU_ASSERT_EQUAL(sim_tcp_parse(p + 20, n - 20, SRC, DST, &h), SIM_IP_OK);
	CU_ASSERT_EQUAL(h.mss, 0);
	/* malformed options: a zero length, an MSS option of length 3, a length past the end */
	static const uint8_t zero[] = { 8, 0, 2, 4, 0x05, 0xb4, 0, 0 };
	static const uint8_t short_mss[] = { 2, 3, 0x05, 0xb4 };
	static const uint8_t past[] = { 1, 1, 8, 10 };
	const uint8_t *bad[] = { zero, short_mss, past };
	size_t bad_len[] = { sizeof zero, sizeof short_mss, sizeof past };
	for (unsigned i = 0; i < 3; i++) {
		n = make_syn(p, bad[i], bad_len[i], SIM_TCP_SYN);
		CU_ASSERT_FALSE(sim_tcp_clamp_mss(p, n, 1200));
		CU_ASSERT_EQUAL(sim_tcp_parse(p + 20, n - 20, SRC, DST, &h), SIM_IP_BAD_LENGTH);
	}
	/* not TCP, a fragment, a truncated buffer */
	n = make_syn(p, mss, sizeof mss, SIM_TCP_SYN);
	CU_ASSERT_FALSE(sim_tcp_clamp_mss(p, n - 1, 1200));
	p[9] = SIM_IPPROTO_UDP;
	CU_ASSERT_FALSE(sim_tcp_clamp_mss(p, n, 1200));
	n = make_syn(p, mss, sizeof mss, SIM_TCP_SYN);
	struct sim_ipv4_hdr ih = { .total_len = (uint16_t)n, .frag = SIM_IPV4_FLAG_MF, .ttl = 64,
				   .proto = SIM_IPPROTO_TCP, .src = SRC, .dst = DST };
	sim_ipv4_write(p, &ih);
	CU_ASSERT_FALSE(sim_tcp_clamp_mss(p, n, 1200));
}

/* Random edits of the vector, every length: the clamp and the parser stay inside the buffer,
 * and a clamped segment that parsed before still parses (its checksum kept right). */
static void test_mutations(void)
{
	struct sim_rng rng;
	sim_rng_stream(&rng, 1, "tcp-mutations");
	unsigned clamped = 0;
	for (unsigned i = 0; i < 200000; i++) {
		uint8_t p[sizeof syn];
		memcpy(p, syn, sizeof p);
		unsigned edits = 1 + (unsigned)sim_rng_below(&rng, 3);
		for (unsigned k = 0; k < edits; k++)
			p[20 + sim_rng_below(&rng, sizeof p - 20)] = (uint8_t)sim_rng_below(&rng, 256);
		size_t len = sizeof p - (size_t)sim_rng_below(&rng, 4);
		sim_put16(p + 2, (uint16_t)len);
		sim_put16(p + 10, 0);
		sim_put16(p + 10, sim_inet_checksum(p, 20));
		struct sim_tcp_hdr h;
		sim_put16(p + 36, 0);
		sim_put16(p + 36, sim_tcp_checksum(SRC, DST, p + 20, len - 20));
		bool before = sim_tcp_parse(p + 20, len - 20, SRC, DST, &h) == SIM_IP_OK;
		if (sim_tcp_clamp_mss(p, len, 1000)) {
			clamped++;
			CU_ASSERT(!before || sim_tcp_parse(p + 20, len - 20, SRC, DST, &h) == SIM_IP_OK);
		}
	}
	CU_ASSERT(clamped > 1000);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "SYN vector: parse, clamp to 1350, checksum as computed independently", test_vector },
		{ "build and parse, with and without the MSS option", test_push_parse },
		{ "MSS at an odd offset; non-SYN, no option, malformed, non-TCP, fragment", test_odd_offset_and_refusals },
		{ "random edits through clamp and parse", test_mutations },
		{ NULL, NULL },
	};
	return cu_run("tcp", tests);
}
