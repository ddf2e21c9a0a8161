/* test_ipv4.c: Internet checksum vectors, IPv4/UDP build and parse, refusals, address helpers. */
#include "sim/ipv4.h"
#include "sim/rng.h"
#include "tests/cu.h"

#include <string.h>

static void test_checksum_rfc1071(void)
{
	/* RFC 1071 section 3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (after folding), so the
	 * checksum is ~ddf2 = 220d. */
	static const uint8_t v[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	CU_ASSERT_EQUAL(sim_inet_sum(v, sizeof v, 0), 0xddf2);
	CU_ASSERT_EQUAL(sim_inet_checksum(v, sizeof v), 0x220d);
	/* an odd trailing byte is the high byte of a zero-padded word: ddf2 + ab00 -> 88f3 -> 770c */
	static const uint8_t w[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7, 0xab };
	CU_ASSERT_EQUAL(sim_inet_checksum(w, sizeof w), 0x770c);
	/* chunks: even first chunk, then the rest */
	CU_ASSERT_EQUAL(sim_inet_fold(sim_inet_sum(w + 4, 5, sim_inet_sum(w, 4, 0))), 0x770c);
	/* alignment does not matter */
	uint8_t buf[16];
	memcpy(buf + 1, v, sizeof v);
	CU_ASSERT_EQUAL(sim_inet_checksum(buf + 1, sizeof v), 0x220d);
	/* all zeros: sum 0, checksum ffff */
	memset(buf, 0, sizeof buf);
	CU_ASSERT_EQUAL(sim_inet_checksum(buf, sizeof buf), 0xffff);
}

/* The obvious definition, a big-endian word at a time, to check the fast one against. */
static uint16_t ref_checksum(const uint8_t *d, size_t len)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(d[i] << 8 | d[i + 1]);
	if (len & 1)
		s += (uint32_t)d[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void test_checksum_against_reference(void)
{
	uint8_t buf[2100];
	uint64_t x = 99;
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)sim_splitmix64(&x);
	int bad = 0;
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof buf; len += (len < 80 ? 1 : 61))
			bad += sim_inet_checksum(buf + off, len) != ref_checksum(buf + off, len);
	/* all ones: sums that wrap many times */
	memset(buf, 0xff, sizeof buf);
	bad += sim_inet_checksum(buf, sizeof buf) != ref_checksum(buf, sizeof buf);
	bad += sim_inet_checksum(buf, 2047) != ref_checksum(buf, 2047);
	CU_ASSERT_EQUAL(bad, 0);
}

/* The classic header 4500 0073 0000 4000 4011 xxxx c0a8 0001 c0a8 00c7 has checksum b861. */
static const uint8_t classic_hdr[20] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
					 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };

static void test_ipv4_known_header(void)
{
	uint8_t out[20];
	struct sim_ipv4_hdr h = {
		.total_len = 0x73, .id = 0, .frag = SIM_IPV4_FLAG_DF, .ttl = 64, .proto = SIM_IPPROTO_UDP,
		.src = SIM_IPV4(192, 168, 0, 1), .dst = SIM_IPV4(192, 168, 0, 199),
	};
	sim_ipv4_write(out, &h);
	CU_ASSERT_EQUAL(memcmp(out, classic_hdr, 20), 0);
	CU_ASSERT_EQUAL(sim_inet_checksum(classic_hdr, 20), 0);

	uint8_t pkt[0x73] = { 0 };
	memcpy(pkt, classic_hdr, 20);
	struct sim_ipv4_hdr p;
	CU_ASSERT_EQUAL(sim_ipv4_parse(pkt, sizeof pkt, &p), SIM_IP_OK);
	CU_ASSERT_EQUAL(p.hdr_len, 20);
	CU_ASSERT_EQUAL(p.total_len, 0x73);
	CU_ASSERT_EQUAL(p.ttl, 64);
	CU_ASSERT_EQUAL(p.proto, 17);
	CU_ASSERT_EQUAL(p.frag, 0x4000);
	CU_ASSERT_EQUAL(p.checksum, 0xb861);
	CU_ASSERT_EQUAL(p.src, 0xc0a80001u);
	CU_ASSERT_EQUAL(p.dst, 0xc0a800c7u);
}

static void test_ipv4_parse_refusals(void)
{
	uint8_t pkt[0x80] = { 0 };
	struct sim_ipv4_hdr h;
	memcpy(pkt, classic_hdr, 20);
	CU_ASSERT_EQUAL(sim_ipv4_parse(pkt, 19, &h), SIM_IP_TRUNCATED);
	/* total length 0x73 but only 0x72 bytes present */
	CU_ASSERT_EQUAL(sim_ipv4_parse(pkt, 0x72, &h), SIM_IP_BAD_LENGTH);
	/* trailing bytes beyond total length are allowed */
	CU_ASSERT_EQUAL(sim_ipv4_parse(pkt, 0x80, &h), SIM_IP_OK);

	uint8_t bad[0x73];
	memcpy(bad, pkt, sizeof bad);
	bad[0] = 0x65; /* version 6 */
	CU_ASSERT_EQUAL(sim_ipv4_parse(bad, sizeof bad, &h), SIM_IP_BAD_VERSION);
	bad[0] = 0x44; /* IHL 4 */
	CU_ASSERT_EQUAL(sim_ipv4_parse(bad, sizeof bad, &h), SIM_IP_BAD_IHL);
	bad[0] = 0x4f; /* IHL 15: 60 bytes, more than a 40-byte buffer */
	CU_ASSERT_EQUAL(sim_ipv4_parse(bad, 40, &h), SIM_IP_BAD_IHL);

	/* total length below the header length; checksum kept valid so only the length is wrong */
	memcpy(bad, pkt, sizeof bad);
	struct sim_ipv4_hdr w = { .total_len = 19, .ttl = 64, .proto = 17, .src = 1, .dst = 2 };
	sim_ipv4_write(bad, &w);
	CU_ASSERT_EQUAL(sim_ipv4_parse(bad, sizeof bad, &h), SIM_IP_BAD_LENGTH);

	/* one flipped bit anywhere in the header breaks the checksum */
	for (int i = 0; i < 20 * 8; i++) {
		memcpy(bad, pkt, sizeof bad);
		if (i / 8 == 0 || i / 8 == 2 || i / 8 == 3)
			continue; /* version/IHL and length bits give other verdicts */
		bad[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (sim_ipv4_parse(bad, sizeof bad, &h) != SIM_IP_BAD_CHECKSUM) {
			CU_FAIL("flipped bit not detected");
			break;
		}
	}
}

static void test_ipv4_options_skipped(void)
{
	/* IHL 6: four bytes of options (NOP NOP NOP EOL) */
	uint8_t pkt[28] = { 0x46, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 1, 1, 0 };
	sim_put16(pkt + 10, sim_inet_checksum(pkt, 24));
	struct sim_ipv4_hdr h;
	CU_ASSERT_EQUAL(sim_ipv4_parse(pkt, sizeof pkt, &h), SIM_IP_OK);
	CU_ASSERT_EQUAL(h.hdr_len, 24);
	CU_ASSERT_EQUAL(h.total_len, 28);
	/* the checksum covers the options too */
	pkt[21] = 0;
	CU_ASSERT_EQUAL(sim_ipv4_parse(pkt, sizeof pkt, &h), SIM_IP_BAD_CHECKSUM);
}

static void test_dec_ttl_incremental(void)
{
	uint8_t hdr[20];
	memcpy(hdr, classic_hdr, 20);
	for (int ttl = 64; ttl > 1; ttl--) {
		sim_ipv4_dec_ttl(hdr);
		CU_ASSERT_EQUAL(hdr[8], ttl - 1);
		/* the incrementally updated checksum equals a full recomputation */
		uint8_t copy[20];
		memcpy(copy, hdr, 20);
		sim_put16(copy + 10, 0);
		if (sim_get16(hdr + 10) != sim_inet_checksum(copy, 20)) {
			CU_FAIL("incremental checksum differs from full recomputation");
			break;
		}
	}
	/* RFC 1624 section 4: m = 5555 -> 3285 with HC = dd2f gives HC' = 0000 by eqn. 3 (the
	 * older eqn. 2 gives ffff) */
	CU_ASSERT_EQUAL(sim_inet_checksum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}

static void test_udp_known_checksum(void)
{
	/* 192.168.0.1:1234 -> 192.168.0.199:80, payload "ab". By hand: pseudo-header
	 * c0a8+0001+c0a8+00c7+0011+000a, header 04d2+0050+000a+0000, data 6162: 1e8c1 -> e8c2,
	 * checksum ~e8c2 = 173d. */
	struct sim_pkt_pool pool;
	sim_pkt_pool_init(&pool, 256, 64);
	struct sim_pkt *p = sim_pkt_alloc(&pool);
	memcpy(sim_pkt_put(p, 2), "ab", 2);
	uint32_t src = SIM_IPV4(192, 168, 0, 1), dst = SIM_IPV4(192, 168, 0, 199);
	uint8_t *u = sim_udp_push(p, src, dst, 1234, 80);
	CU_ASSERT_EQUAL(p->len, 10);
	static const uint8_t want[] = { 0x04, 0xd2, 0x00, 0x50, 0x00, 0x0a, 0x17, 0x3d, 'a', 'b' };
	CU_ASSERT_EQUAL(memcmp(u, want, sizeof want), 0);

	struct sim_udp_hdr uh;
	CU_ASSERT_EQUAL(sim_udp_parse(u, p->len, src, dst, &uh), SIM_IP_OK);
	CU_ASSERT_EQUAL(uh.sport, 1234);
	CU_ASSERT_EQUAL(uh.dport, 80);
	CU_ASSERT_EQUAL(uh.len, 10);
	/* a different pseudo-header (wrong destination) fails */
	CU_ASSERT_EQUAL(sim_udp_parse(u, p->len, src, dst + 1, &uh), SIM_IP_BAD_CHECKSUM);
	/* a corrupted payload byte fails */
	u[9] ^= 1;
	CU_ASSERT_EQUAL(sim_udp_parse(u, p->len, src, dst, &uh), SIM_IP_BAD_CHECKSUM);
	/* checksum 0: none was computed, accepted whatever the data */
	sim_put16(u + 6, 0);
	CU_ASSERT_EQUAL(sim_udp_parse(u, p->len, src, dst, &uh), SIM_IP_OK);
	/* length field out of range */
	sim_put16(u + 4, 7);
	CU_ASSERT_EQUAL(sim_udp_parse(u, p->len, src, dst, &uh), SIM_IP_BAD_LENGTH);
	sim_put16(u + 4, 11);
	CU_ASSERT_EQUAL(sim_udp_parse(u, p->len, src, dst, &uh), SIM_IP_BAD_LENGTH);
	CU_ASSERT_EQUAL(sim_udp_parse(u, 7, src, dst, &uh), SIM_IP_TRUNCATED);
	sim_pkt_free(p);
	sim_pkt_pool_destroy(&pool);
}

static void test_udp_zero_checksum_sent_as_ffff(void)
{
	/* Choose a payload word that makes the computed checksum 0: then 0xffff goes on the wire. */
	struct sim_pkt_pool pool;
	sim_pkt_pool_init(&pool, 256, 64);
	uint32_t src = SIM_IPV4(10, 0, 0, 1), dst = SIM_IPV4(10, 0, 0, 2);
	struct sim_pkt *p = sim_pkt_alloc(&pool);
	uint8_t *d = sim_pkt_put(p, 2);
	sim_put16(d, 0);
	uint8_t *u = sim_udp_push(p, src, dst, 1, 2);
	uint16_t c = sim_get16(u + 6);
	/* adding c to the zero word zeroes the sum's complement */
	sim_pkt_pull(p, SIM_UDP_HDR_LEN);
	sim_put16(sim_pkt_data(p), c);
	u = sim_udp_push(p, src, dst, 1, 2);
	CU_ASSERT_EQUAL(sim_get16(u + 6), 0xffff);
	struct sim_udp_hdr uh;
	CU_ASSERT_EQUAL(sim_udp_parse(u, p->len, src, dst, &uh), SIM_IP_OK);
	sim_pkt_free(p);
	sim_pkt_pool_destroy(&pool);
}

static void test_round_trip(void)
{
	struct sim_pkt_pool pool;
	sim_pkt_pool_init(&pool, 2048, 128);
	for (uint32_t n = 0; n < 1400; n += 37) {
		struct sim_pkt *p = sim_pkt_alloc(&pool);
		uint8_t *d = sim_pkt_put(p, n);
		for (uint32_t i = 0; i < n; i++)
			d[i] = (uint8_t)(i * 7 + n);
		uint32_t src = SIM_IPV4(172, 16, 1, 1) + n, dst = SIM_IPV4(10, 200, 3, 4);
		sim_udp_push(p, src, dst, 4500, (uint16_t)(1000 + n));
		sim_ipv4_push(p, src, dst, SIM_IPPROTO_UDP, 33, (uint16_t)n);
		struct sim_ipv4_hdr h;
		struct sim_udp_hdr u;
		CU_ASSERT_EQUAL_FATAL(sim_ipv4_parse(sim_pkt_data(p), p->len, &h), SIM_IP_OK);
		CU_ASSERT_EQUAL(h.total_len, n + 28);
		CU_ASSERT_EQUAL(h.ttl, 33);
		CU_ASSERT_EQUAL(h.id, n);
		CU_ASSERT_EQUAL(h.src, src);
		CU_ASSERT_EQUAL(h.dst, dst);
		CU_ASSERT_EQUAL(h.proto, SIM_IPPROTO_UDP);
		CU_ASSERT_EQUAL_FATAL(sim_udp_parse(sim_pkt_data(p) + h.hdr_len, h.total_len - h.hdr_len, h.src,
						    h.dst, &u),
				      SIM_IP_OK);
		CU_ASSERT_EQUAL(u.sport, 4500);
		CU_ASSERT_EQUAL(u.dport, 1000 + n);
		CU_ASSERT_EQUAL(u.len, n + 8);
		CU_ASSERT_EQUAL(memcmp(sim_pkt_data(p) + 28, d, n), 0);
		sim_pkt_free(p);
	}
	sim_pkt_pool_destroy(&pool);
}

static void test_addresses(void)
{
	uint32_t a;
	unsigned plen;
	char buf[SIM_IPV4_ADDRSTRLEN];
	CU_ASSERT_TRUE(sim_ipv4_addr_parse("10.0.0.1", &a));
	CU_ASSERT_EQUAL(a, 0x0a000001u);
	CU_ASSERT_TRUE(sim_ipv4_addr_parse("255.255.255.255", &a));
	CU_ASSERT_EQUAL(a, 0xffffffffu);
	CU_ASSERT_STRING_EQUAL(sim_ipv4_addr_format(SIM_IPV4(192, 168, 10, 254), buf), "192.168.10.254");
	CU_ASSERT_STRING_EQUAL(sim_ipv4_addr_format(0, buf), "0.0.0.0");
	static const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "01.2.3.4", "1.2.3.4 ", "a.b.c.d",
				     "1..2.3", "1.2.3.4/", "1000.1.1.1", NULL };
	for (int i = 0; bad[i]; i++)
		CU_ASSERT_FALSE(sim_ipv4_addr_parse(bad[i], &a));

	CU_ASSERT_TRUE(sim_ipv4_prefix_parse("10.0.0.0/8", true, &a, &plen));
	CU_ASSERT_EQUAL(a, 0x0a000000u);
	CU_ASSERT_EQUAL(plen, 8);
	CU_ASSERT_TRUE(sim_ipv4_prefix_parse("0.0.0.0/0", true, &a, &plen));
	CU_ASSERT_EQUAL(plen, 0);
	CU_ASSERT_TRUE(sim_ipv4_prefix_parse("10.1.2.3", true, &a, &plen));
	CU_ASSERT_EQUAL(plen, 32);
	CU_ASSERT_FALSE(sim_ipv4_prefix_parse("10.0.0.1/8", true, &a, &plen));
	CU_ASSERT_TRUE(sim_ipv4_prefix_parse("10.0.0.1/8", false, &a, &plen));
	CU_ASSERT_EQUAL(a, 0x0a000001u);
	CU_ASSERT_FALSE(sim_ipv4_prefix_parse("10.0.0.0/33", false, &a, &plen));
	CU_ASSERT_FALSE(sim_ipv4_prefix_parse("10.0.0.0/08", false, &a, &plen));

	CU_ASSERT_EQUAL(sim_ipv4_mask(0), 0);
	CU_ASSERT_EQUAL(sim_ipv4_mask(1), 0x80000000u);
	CU_ASSERT_EQUAL(sim_ipv4_mask(24), 0xffffff00u);
	CU_ASSERT_EQUAL(sim_ipv4_mask(32), 0xffffffffu);
	CU_ASSERT_TRUE(sim_ipv4_in_prefix(SIM_IPV4(10, 1, 2, 3), SIM_IPV4(10, 0, 0, 0), 8));
	CU_ASSERT_FALSE(sim_ipv4_in_prefix(SIM_IPV4(11, 1, 2, 3), SIM_IPV4(10, 0, 0, 0), 8));
	CU_ASSERT_TRUE(sim_ipv4_in_prefix(SIM_IPV4(11, 1, 2, 3), 0, 0));
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "checksum: RFC 1071 example, odd length, chunks", test_checksum_rfc1071 },
		{ "checksum: fast sum equals the word-by-word definition", test_checksum_against_reference },
		{ "ipv4: known header builds and parses", test_ipv4_known_header },
		{ "ipv4: refuses bad version, IHL, length, checksum", test_ipv4_parse_refusals },
		{ "ipv4: options skipped, covered by the checksum", test_ipv4_options_skipped },
		{ "ipv4: TTL decrement with incremental checksum (RFC 1624)", test_dec_ttl_incremental },
		{ "udp: hand-computed checksum, refusals, checksum 0", test_udp_known_checksum },
		{ "udp: a computed 0 is sent as ffff", test_udp_zero_checksum_sent_as_ffff },
		{ "ipv4+udp: build/parse round trip", test_round_trip },
		{ "addresses: parse, format, prefixes, masks", test_addresses },
		{ NULL, NULL },
	};
	return cu_run("ipv4", tests);
}
