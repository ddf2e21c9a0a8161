/* test_ike_dh.c: the IKE DH groups in IKE encoding: RFC 5903 §8 (groups 19, 20), RFC 7748 §6.1
 * (group 31), RFC 5114 Appendix A.3 (group 24); for the MODP groups also agreement, full-length
 * public values, determinism and the zero left-padding of secrets; invalid peer values. */
#include "models/ipsec/ike_dh.h"
#include "tests/cu.h"

#include <glib.h>
#include <stdbool.h>
#include <string.h>

static GByteArray *hx(const char *s)
{
	GByteArray *b = g_byte_array_new();
	int hi = -1;
	for (; *s; s++) {
		if (*s == ' ')
			continue;
		int v = g_ascii_xdigit_value(*s);
		g_assert(v >= 0);
		if (hi < 0) {
			hi = v;
		} else {
			uint8_t byte = (uint8_t)(hi << 4 | v);
			g_byte_array_append(b, &byte, 1);
			hi = -1;
		}
	}
	g_assert(hi < 0);
	return b;
}

/* A deterministic byte stream for private values (splitmix64). */
static void fill_stream(uint64_t *state, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
		z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
		z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
		out[i] = (uint8_t)(z ^ (z >> 31));
	}
}

struct kat {
	const char *source;
	uint16_t group;
	const char *priv_i, *pub_i, *priv_r, *pub_r, *shared;
};

static const struct kat kats[] = {
	{ "RFC 5903 §8.1", 19, "C88F01F5 10D9AC3F 70A292DA A2316DE5 44E9AAB8 AFE84049 C62A9C57 862D1433",
	  "DAD0B653 94221CF9 B051E1FE CA5787D0 98DFE637 FC90B9EF 945D0C37 72581180"
	  "5271A046 1CDB8252 D61F1C45 6FA3E59A B1F45B33 ACCF5F58 389E0577 B8990BB3",
	  "C6EF9C5D 78AE012A 011164AC B397CE20 88685D8F 06BF9BE0 B283AB46 476BEE53",
	  "D12DFB52 89C8D4F8 1208B702 70398C34 2296970A 0BCCB74C 736FC755 4494BF63"
	  "56FBF3CA 366CC23E 8157854C 13C58D6A AC23F046 ADA30F83 53E74F33 039872AB",
	  "D6840F6B 42F6EDAF D13116E0 E1256520 2FEF8E9E CE7DCE03 812464D0 4B9442DE" },
	{ "RFC 5903 §8.2", 20,
	  "099F3C70 34D4A2C6 99884D73 A375A67F 7624EF7C 6B3C0F16 0647B674 14DCE655 E35B5380 41E649EE 3FAEF896 783AB194",
	  "667842D7 D180AC2C DE6F74F3 7551F557 55C7645C 20EF73E3 1634FE72 B4C55EE6 DE3AC808 ACB4BDB4 C88732AE E95F41AA"
	  "9482ED1F C0EEB9CA FC498462 5CCFC23F 65032149 E0E144AD A0241815 35A0F38E EB9FCFF3 C2C947DA E69B4C63 4573A81C",
	  "41CB0779 B4BDB85D 47846725 FBEC3C94 30FAB46C C8DC5060 855CC9BD A0AA2942 E0308312 916B8ED2 960E4BD5 5A7448FC",
	  "E558DBEF 53EECDE3 D3FCCFC1 AEA08A89 A987475D 12FD950D 83CFA417 32BC509D 0D1AC43A 0336DEF9 6FDA41D0 774A3571"
	  "DCFBEC7A ACF31964 72169E83 8430367F 66EEBE3C 6E70C416 DD5F0C68 759DD1FF F83FA401 42209DFF 5EAAD96D B9E6386C",
	  "11187331 C279962D 93D60424 3FD592CB 9D0A926F 422E4718 7521287E 7156C5C4 D6031355 69B9E9D0 9CF5D4A2 70F59746" },
	{ "RFC 7748 §6.1", 31, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
	  "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
	  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	  "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742" },
	{ "RFC 5114 Appendix A.3", 24, "0881382cdb87660c6dc13e614938d5b9c8b2f248581cc5e31b35454397fce50e",
	  "2e9380c8323af97545bc4941deb0ec3742c62fe0ece824a6abdbe66c59bee024"
	  "2911bfb967235ceba35ae13e4ec752be630b92dc4bde2847a9c62cb815274542"
	  "1fb7eb60a63c0fe9159fcce726ce7cd8523d7450667ef840e4919121eb5f01c8"
	  "c9b0d3d648a93bfb75689e8244ac134af544711ce79a02dcc34226684780dddc"
	  "b498594106c37f5bc79856487af5ab022a2e5e42f09897c1a85a11ea0212af04"
	  "d9b4cebc937c3c1a3e15a8a0342e337615c84e7fe3b8b9b87fb1e73a15af12a3"
	  "0d746e06dfc34f290d797ce51aa13aa785bf6658aff5e4b093003cbeaf665b3c"
	  "2e113a3a4e905269341dc0711426685f4ef37e868a8126ff3f2279b57ca67e29",
	  "7d62a7e3ef36de617b13d1afb82c780d83a23bd4ee6705645121f371f546a53d",
	  "575f0351bd2b1b817448bdf87a6c362c1e289d3903a30b9832c5741fa250363e"
	  "7acbc7f77f3dacbc1f131add8e03367eff8fbbb3e1c5784424809b25afe4d226"
	  "2a1a6fd2fab64105ca30a674e07f7809852088632fc049233791ad4edd083a97"
	  "8b883ee618bc5e0dd047415f2d95e683cf14826b5fbe10d3ce41c6c120c78ab2"
	  "0008c698bf7f0bcab9d7f407bed0f43afb2970f57f8d12043963e66ddd320d59"
	  "9ad9936c8f44137c08b180ec5e985cebe186f3d549677e80607331ee17af3380"
	  "a725b0782317d7dd43f59d7af9568a9bb63a84d365f92244ed120988219302f4"
	  "2924c7ca90b89d24f71b0ab697823d7deb1aff5b0e8e4a45d49f7f53757e1913",
	  "86c70bf8d0bb81bb01078a17219cb7d27203db2a19c877f1d1f19fd7d77ef225"
	  "46a68f005ad52dc84553b78fc60330be51ea7c0672cac1515e4b35c047b9a551"
	  "b88f39dc26da14a09ef74774d47c762dd177f9ed5bc2f11e52c879bd95098504"
	  "cd9eecd8a8f9b3efbd1f008ac5853097d9d1837f2b18f77cd7be01af80a7c7b5"
	  "ea3ca54cc02d0c116fee3f95bb87399385875d7e86747e676e728938acbff709"
	  "8e05be4dcfb24052b83aeffb14783f029adbde7f53fae92084224090e007cee9"
	  "4d4bf2bace9ffd4b57d2af7c724d0caa19bf0501f6f17b4aa10f425e3ea76080"
	  "b4b9d6b3cefea115b2ceb8789bb8a3b0ea87febe63b6c8f846ec6db0c26c5d7c" },
};

static void check_kat(const struct kat *v)
{
	printf("\n    %s ", v->source);
	const struct ike_dh_group *g = ike_dh_group_lookup(v->group);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	GByteArray *pi = hx(v->priv_i), *gi = hx(v->pub_i), *pr = hx(v->priv_r), *gr = hx(v->pub_r);
	GByteArray *z = hx(v->shared);
	CU_ASSERT_EQUAL(gi->len, ike_dh_public_len(g));
	CU_ASSERT_EQUAL(z->len, ike_dh_secret_len(g));
	uint8_t pub[256], secret[256];
	struct ike_dh_key *ki = NULL, *kr = NULL;
	CU_ASSERT_EQUAL_FATAL(ike_dh_generate(g, pi->data, pi->len, &ki, pub), IKE_DHV_OK);
	CU_ASSERT_EQUAL(memcmp(pub, gi->data, gi->len), 0);
	CU_ASSERT_EQUAL_FATAL(ike_dh_generate(g, pr->data, pr->len, &kr, pub), IKE_DHV_OK);
	CU_ASSERT_EQUAL(memcmp(pub, gr->data, gr->len), 0);
	memset(secret, 0xee, sizeof secret);
	CU_ASSERT_EQUAL(ike_dh_derive(ki, gr->data, gr->len, secret), IKE_DHV_OK);
	CU_ASSERT_EQUAL(memcmp(secret, z->data, z->len), 0);
	memset(secret, 0xee, sizeof secret);
	CU_ASSERT_EQUAL(ike_dh_derive(kr, gi->data, gi->len, secret), IKE_DHV_OK);
	CU_ASSERT_EQUAL(memcmp(secret, z->data, z->len), 0);
	CU_ASSERT_PTR_EQUAL(ike_dh_key_group(ki), g);
	ike_dh_key_free(ki);
	ike_dh_key_free(kr);
	g_byte_array_unref(pi);
	g_byte_array_unref(gi);
	g_byte_array_unref(pr);
	g_byte_array_unref(gr);
	g_byte_array_unref(z);
}

static void test_known_answers(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(kats); i++)
		check_kat(&kats[i]);
}

static void test_table(void)
{
	static const struct {
		uint16_t id;
		size_t pub, secret, priv;
	} want[] = {
		{ 2, 128, 128, 32 }, { 14, 256, 256, 32 }, { 19, 64, 32, 32 },
		{ 20, 96, 48, 48 },  { 24, 256, 256, 32 }, { 31, 32, 32, 32 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		const struct ike_dh_group *g = ike_dh_group_lookup(want[i].id);
		CU_ASSERT_PTR_NOT_NULL_FATAL(g);
		CU_ASSERT_EQUAL(ike_dh_group_id(g), want[i].id);
		CU_ASSERT_EQUAL(ike_dh_public_len(g), want[i].pub);
		CU_ASSERT_EQUAL(ike_dh_secret_len(g), want[i].secret);
		CU_ASSERT_EQUAL(ike_dh_private_len(g), want[i].priv);
		CU_ASSERT_PTR_NOT_NULL(ike_dh_group_name(g));
	}
	CU_ASSERT_PTR_NULL(ike_dh_group_lookup(0));
	CU_ASSERT_PTR_NULL(ike_dh_group_lookup(1));  /* MODP-768: not offered */
	CU_ASSERT_PTR_NULL(ike_dh_group_lookup(21)); /* ECP-521: not implemented */
	struct ike_dh_key *k = (struct ike_dh_key *)&k;
	uint8_t pub[32], priv[32] = { 1 };
	CU_ASSERT_EQUAL(ike_dh_generate(NULL, priv, 32, &k, pub), IKE_DHV_UNSUPPORTED_GROUP);
	CU_ASSERT_PTR_NULL(k);
	CU_ASSERT_EQUAL(ike_dh_generate(ike_dh_group_lookup(31), priv, 31, &k, pub), IKE_DHV_BAD_LENGTH);
	CU_ASSERT_STRING_EQUAL(ike_dh_verdict_name(IKE_DHV_INVALID_PUBLIC), "invalid-public");
}

/* MODP groups have no published IKE vectors except group 24's: the two sides agree, public
 * values and secrets have the modulus length, the same bytes give the same key, and a secret
 * whose top byte is zero is left-padded rather than shortened (RFC 7296 §2.14). */
static void check_modp(uint16_t id)
{
	const struct ike_dh_group *g = ike_dh_group_lookup(id);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	size_t plen = ike_dh_public_len(g), slen = ike_dh_secret_len(g), xlen = ike_dh_private_len(g);
	uint64_t stream = 0x1234 + id;
	uint8_t xi[32], xr[32], pi[256], pr[256], pi2[256], si[256], sr[256];
	g_assert(xlen == 32 && plen <= 256);
	bool found_zero_top = false;
	int tries = 0;
	for (; tries < 3000 && !found_zero_top; tries++) {
		fill_stream(&stream, xi, xlen);
		fill_stream(&stream, xr, xlen);
		struct ike_dh_key *ki, *kr, *ki2;
		CU_ASSERT_EQUAL_FATAL(ike_dh_generate(g, xi, xlen, &ki, pi), IKE_DHV_OK);
		CU_ASSERT_EQUAL_FATAL(ike_dh_generate(g, xr, xlen, &kr, pr), IKE_DHV_OK);
		CU_ASSERT_EQUAL_FATAL(ike_dh_derive(ki, pr, plen, si), IKE_DHV_OK);
		CU_ASSERT_EQUAL_FATAL(ike_dh_derive(kr, pi, plen, sr), IKE_DHV_OK);
		CU_ASSERT_EQUAL_FATAL(memcmp(si, sr, slen), 0);
		if (tries == 0) {
			/* determinism: the same bytes give the same public value */
			CU_ASSERT_EQUAL(ike_dh_generate(g, xi, xlen, &ki2, pi2), IKE_DHV_OK);
			CU_ASSERT_EQUAL(memcmp(pi, pi2, plen), 0);
			CU_ASSERT_NOT_EQUAL(memcmp(pi, pr, plen), 0);
			ike_dh_key_free(ki2);
		}
		found_zero_top = si[0] == 0;
		ike_dh_key_free(ki);
		ike_dh_key_free(kr);
	}
	printf("\n    group %u: secret with a zero top byte after %d pairs ", id, tries);
	CU_ASSERT_TRUE(found_zero_top);
	/* the padded secret is still the full modulus length and both sides agree on it */
	CU_ASSERT_EQUAL(si[0], 0);
	CU_ASSERT_EQUAL(memcmp(si, sr, slen), 0);
}

static void test_modp_groups(void)
{
	check_modp(2);
	check_modp(14);
	check_modp(24);
}

/* Public values whose top bytes are zero are also full length (an 8-byte zero prefix is a
 * 2^-64 event, so look at the encoding instead: the buffer is exactly public_len and a value
 * below 2^(8*(len-1)) keeps its leading zero byte). Here: x = 1 gives g itself. */
static void test_modp_public_padding(void)
{
	const struct ike_dh_group *g = ike_dh_group_lookup(14);
	uint8_t x[32] = { 0 }, pub[256];
	x[31] = 1;
	struct ike_dh_key *k;
	CU_ASSERT_EQUAL_FATAL(ike_dh_generate(g, x, 32, &k, pub), IKE_DHV_OK);
	bool zeros = true;
	for (int i = 0; i < 255; i++)
		zeros &= pub[i] == 0;
	CU_ASSERT_TRUE(zeros);
	CU_ASSERT_EQUAL(pub[255], 2); /* g = 2 */
	ike_dh_key_free(k);
	/* all-zero private bytes are out of range and are mapped into it, not refused */
	memset(x, 0, sizeof x);
	CU_ASSERT_EQUAL_FATAL(ike_dh_generate(g, x, 32, &k, pub), IKE_DHV_OK);
	CU_ASSERT_EQUAL(pub[255], 2); /* 0 -> 1 */
	ike_dh_key_free(k);
}

/* Peer values that RFC 6989 / RFC 7748 say to refuse. */
static void test_invalid_peer_values(void)
{
	uint8_t x[48], pub[256], peer[256], secret[256];
	uint64_t s = 99;
	fill_stream(&s, x, sizeof x);
	for (int gi = 0; gi < 3; gi++) {
		uint16_t id = (uint16_t[]){ 2, 14, 24 }[gi];
		const struct ike_dh_group *g = ike_dh_group_lookup(id);
		size_t len = ike_dh_public_len(g);
		struct ike_dh_key *k;
		CU_ASSERT_EQUAL_FATAL(ike_dh_generate(g, x, 32, &k, pub), IKE_DHV_OK);
		memset(peer, 0, len); /* 0 */
		CU_ASSERT_EQUAL(ike_dh_derive(k, peer, len, secret), IKE_DHV_INVALID_PUBLIC);
		peer[len - 1] = 1; /* 1 */
		CU_ASSERT_EQUAL(ike_dh_derive(k, peer, len, secret), IKE_DHV_INVALID_PUBLIC);
		memset(peer, 0xff, len); /* > p-1 (p < 2^bits) */
		CU_ASSERT_EQUAL(ike_dh_derive(k, peer, len, secret), IKE_DHV_INVALID_PUBLIC);
		CU_ASSERT_EQUAL(ike_dh_derive(k, pub, len - 1, secret), IKE_DHV_BAD_LENGTH);
		if (id == 24) {
			/* 2 is in range but not in the order-q subgroup */
			memset(peer, 0, len);
			peer[len - 1] = 2;
			CU_ASSERT_EQUAL(ike_dh_derive(k, peer, len, secret), IKE_DHV_INVALID_PUBLIC);
		}
		/* our own public value is fine */
		CU_ASSERT_EQUAL(ike_dh_derive(k, pub, len, secret), IKE_DHV_OK);
		ike_dh_key_free(k);
	}
	for (int gi = 0; gi < 2; gi++) {
		const struct ike_dh_group *g = ike_dh_group_lookup(gi ? 20 : 19);
		size_t len = ike_dh_public_len(g);
		struct ike_dh_key *k;
		CU_ASSERT_EQUAL_FATAL(ike_dh_generate(g, x, ike_dh_private_len(g), &k, pub), IKE_DHV_OK);
		memcpy(peer, pub, len);
		peer[len - 1] ^= 1; /* y off the curve */
		CU_ASSERT_EQUAL(ike_dh_derive(k, peer, len, secret), IKE_DHV_INVALID_PUBLIC);
		memset(peer, 0, len); /* the point at infinity has no x || y encoding */
		CU_ASSERT_EQUAL(ike_dh_derive(k, peer, len, secret), IKE_DHV_INVALID_PUBLIC);
		memset(peer, 0xff, len); /* coordinates >= p */
		CU_ASSERT_EQUAL(ike_dh_derive(k, peer, len, secret), IKE_DHV_INVALID_PUBLIC);
		CU_ASSERT_EQUAL(ike_dh_derive(k, pub, len + 1, secret), IKE_DHV_BAD_LENGTH);
		ike_dh_key_free(k);
	}
	/* Curve25519: u = 0 and u = 1 are of low order; the shared secret would be all zeros */
	const struct ike_dh_group *g = ike_dh_group_lookup(31);
	struct ike_dh_key *k;
	CU_ASSERT_EQUAL_FATAL(ike_dh_generate(g, x, 32, &k, pub), IKE_DHV_OK);
	memset(peer, 0, 32);
	CU_ASSERT_EQUAL(ike_dh_derive(k, peer, 32, secret), IKE_DHV_INVALID_PUBLIC);
	peer[0] = 1;
	CU_ASSERT_EQUAL(ike_dh_derive(k, peer, 32, secret), IKE_DHV_INVALID_PUBLIC);
	ike_dh_key_free(k);
}

/* ECP scalars at or above the group order are mapped into range deterministically. */
static void test_ecp_out_of_range_scalar(void)
{
	const struct ike_dh_group *g = ike_dh_group_lookup(19);
	uint8_t ff[32], pub1[64], pub2[64], zero[32] = { 0 }, one[32] = { 0 };
	memset(ff, 0xff, sizeof ff);
	struct ike_dh_key *k;
	CU_ASSERT_EQUAL_FATAL(ike_dh_generate(g, ff, 32, &k, pub1), IKE_DHV_OK);
	ike_dh_key_free(k);
	CU_ASSERT_EQUAL_FATAL(ike_dh_generate(g, ff, 32, &k, pub2), IKE_DHV_OK);
	ike_dh_key_free(k);
	CU_ASSERT_EQUAL(memcmp(pub1, pub2, 64), 0);
	/* 0 maps to 1, whose public value is the base point G */
	one[31] = 1;
	CU_ASSERT_EQUAL_FATAL(ike_dh_generate(g, zero, 32, &k, pub1), IKE_DHV_OK);
	ike_dh_key_free(k);
	CU_ASSERT_EQUAL_FATAL(ike_dh_generate(g, one, 32, &k, pub2), IKE_DHV_OK);
	ike_dh_key_free(k);
	CU_ASSERT_EQUAL(memcmp(pub1, pub2, 64), 0);
	GByteArray *gx = hx("6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296");
	CU_ASSERT_EQUAL(memcmp(pub2, gx->data, 32), 0);
	g_byte_array_unref(gx);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "table", test_table },
		{ "known_answers", test_known_answers },
		{ "modp_groups", test_modp_groups },
		{ "modp_public_padding", test_modp_public_padding },
		{ "invalid_peer_values", test_invalid_peer_values },
		{ "ecp_out_of_range_scalar", test_ecp_out_of_range_scalar },
		{ NULL, NULL },
	};
	return cu_run("ike_dh", tests);
}
