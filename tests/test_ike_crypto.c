/* test_ike_crypto.c: IKEv2 key material and SK protection against published vectors: NIST CAVP
 * SP 800-135 IKEv2 KDF (SKEYSEED, DKM, child DKM with and without D-H, rekey SKEYSEED), RFC 2202 /
 * RFC 4231 / RFC 4868 HMACs and truncated ICVs, a prf+ vector, NIST CAVP GCM; plus round trips,
 * tampering, PSK AUTH agreement and the Wireshark key table row. */
#include "models/ipsec/ike_crypto.h"
#include "tests/cu.h"

#include <string.h>

/* ---- helpers ----------------------------------------------------------------------------- */

/* Decodes hex (spaces ignored) into a new array; the test frees it. */
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

static struct ike_crypto_buf bufof(const GByteArray *b)
{
	return (struct ike_crypto_buf){ b->data, b->len };
}

static bool eq_hex(const uint8_t *p, size_t len, const char *want)
{
	GByteArray *w = hx(want);
	bool ok = w->len == len && memcmp(p, w->data, len) == 0;
	g_byte_array_unref(w);
	return ok;
}

/* ---- HMAC / PRF / ICV -------------------------------------------------------------------- */

static const char hi_there[] = "Hi There";
static const char jefe_data[] = "what do ya want for nothing?";

static void prf_str(uint16_t prf, const uint8_t *key, size_t key_len, const char *data, uint8_t *out)
{
	struct ike_crypto_buf part = { (const uint8_t *)data, strlen(data) };
	CU_ASSERT_TRUE_FATAL(ike_prf(prf, key, key_len, &part, 1, out));
}

/* RFC 2202 §3 test case 1 (HMAC-SHA-1) and RFC 4231 §4.2/§4.3 test cases 1 and 2. */
static void test_prf_rfc4231(void)
{
	uint8_t k20[20], out[48];
	memset(k20, 0x0b, sizeof k20);
	prf_str(IKE_CRYPTO_PRF_HMAC_SHA1, k20, 20, hi_there, out);
	CU_ASSERT_TRUE(eq_hex(out, 20, "b617318655057264e28bc0b6fb378c8ef146be00"));
	prf_str(IKE_CRYPTO_PRF_HMAC_SHA2_256, k20, 20, hi_there, out);
	CU_ASSERT_TRUE(eq_hex(out, 32, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"));
	prf_str(IKE_CRYPTO_PRF_HMAC_SHA2_384, k20, 20, hi_there, out);
	CU_ASSERT_TRUE(eq_hex(out, 48,
			      "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
			      "faea9ea9076ede7f4af152e8b2fa9cb6"));
	prf_str(IKE_CRYPTO_PRF_HMAC_SHA2_256, (const uint8_t *)"Jefe", 4, jefe_data, out);
	CU_ASSERT_TRUE(eq_hex(out, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"));
	prf_str(IKE_CRYPTO_PRF_HMAC_SHA2_384, (const uint8_t *)"Jefe", 4, jefe_data, out);
	CU_ASSERT_TRUE(eq_hex(out, 48,
			      "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
			      "8e2240ca5e69e2c78b3239ecfab21649"));
	/* the output length is the PRF's preferred key length */
	CU_ASSERT_EQUAL(ike_prf_len(IKE_CRYPTO_PRF_HMAC_SHA1), 20);
	CU_ASSERT_EQUAL(ike_prf_len(IKE_CRYPTO_PRF_HMAC_SHA2_384), 48);
	CU_ASSERT_EQUAL(ike_prf_len(4 /* AES128-XCBC, not implemented */), 0);
	CU_ASSERT_FALSE(ike_prf(4, k20, 20, NULL, 0, out));
}

/* RFC 4868 §2.7.2.1/§2.7.2.2 PRF test case 1 (key as long as the output) and the truncated
 * authenticators of §2.7.2 (AUTH256-1, AUTH384-1); RFC 2202 test case 5 truncated to 96 bits
 * (HMAC-SHA-1-96, RFC 2404). */
static void test_prf_and_icv_rfc4868(void)
{
	uint8_t k[48], out[48];
	memset(k, 0x0b, sizeof k);
	prf_str(IKE_CRYPTO_PRF_HMAC_SHA2_256, k, 32, hi_there, out);
	CU_ASSERT_TRUE(eq_hex(out, 32, "198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7"));
	prf_str(IKE_CRYPTO_PRF_HMAC_SHA2_384, k, 48, hi_there, out);
	CU_ASSERT_TRUE(eq_hex(out, 48,
			      "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee9737a959796489bddbc"
			      "4c5df61d5b3297b4fb68dab9f1b582c2"));

	struct ike_crypto_buf part = { (const uint8_t *)hi_there, strlen(hi_there) };
	memset(out, 0xee, sizeof out);
	CU_ASSERT_TRUE_FATAL(ike_integ_icv(IKE_CRYPTO_INTEG_HMAC_SHA2_256_128, k, &part, 1, out));
	CU_ASSERT_TRUE(eq_hex(out, 16, "198a607eb44bfbc69903a0f1cf2bbdc5"));
	CU_ASSERT_EQUAL(out[16], 0xee); /* truncated: nothing written past the ICV */
	CU_ASSERT_TRUE_FATAL(ike_integ_icv(IKE_CRYPTO_INTEG_HMAC_SHA2_384_192, k, &part, 1, out));
	CU_ASSERT_TRUE(eq_hex(out, 24, "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973"));

	uint8_t k0c[20];
	memset(k0c, 0x0c, sizeof k0c);
	struct ike_crypto_buf trunc = { (const uint8_t *)"Test With Truncation", 20 };
	CU_ASSERT_TRUE_FATAL(ike_integ_icv(IKE_CRYPTO_INTEG_HMAC_SHA1_96, k0c, &trunc, 1, out));
	CU_ASSERT_TRUE(eq_hex(out, 12, "4c1a03424b55e07fe7f27be1"));
	CU_ASSERT_EQUAL(ike_integ_icv_len(IKE_CRYPTO_INTEG_HMAC_SHA1_96), 12);
	CU_ASSERT_EQUAL(ike_integ_key_len(IKE_CRYPTO_INTEG_HMAC_SHA2_384_192), 48);
}

/* prf+ with HMAC-SHA-256, key 0x0b x 20, seed "Hi There" (the RFC 4231 test case 1 input), as
 * strongSwan's test_prf_plus.c checks it: T1 = HMAC(K, S | 0x01), ... 122 bytes. */
static void test_prf_plus_vector(void)
{
	static const char want[] =
		"b9bdc0" "8988b4c2b75a" "a93e596ac84205" "fa2ddde1bf7a2572067b00e14b237732"
		"830509981ad2f94a" "8c32a47daa2255b6" "60c436347ae756a6edc023477d80"
		"9590e682f61d9c04b06b4ad971a34c8147fa6679"
		"2ff1434b93c722b32e12f48832ebc15ce2369ce71fe9b7b81e5704c14d0f5280a6ec626e992d7a9f";
	uint8_t k[20], out[122];
	memset(k, 0x0b, sizeof k);
	struct ike_crypto_buf seed = { (const uint8_t *)hi_there, strlen(hi_there) };
	CU_ASSERT_TRUE_FATAL(ike_prf_plus(IKE_CRYPTO_PRF_HMAC_SHA2_256, k, 20, &seed, 1, out, sizeof out));
	CU_ASSERT_TRUE(eq_hex(out, sizeof out, want));
	/* a shorter request is a prefix; the seed may come in pieces */
	uint8_t shorter[33];
	struct ike_crypto_buf pieces[] = { { (const uint8_t *)"Hi ", 3 }, { (const uint8_t *)"There", 5 } };
	CU_ASSERT_TRUE_FATAL(ike_prf_plus(IKE_CRYPTO_PRF_HMAC_SHA2_256, k, 20, pieces, 2, shorter, sizeof shorter));
	CU_ASSERT_EQUAL(memcmp(shorter, out, sizeof shorter), 0);
	/* at most 255 blocks (the counter is one octet) */
	uint8_t *big = g_malloc(256 * 32);
	CU_ASSERT_TRUE(ike_prf_plus(IKE_CRYPTO_PRF_HMAC_SHA2_256, k, 20, &seed, 1, big, 255 * 32));
	CU_ASSERT_FALSE(ike_prf_plus(IKE_CRYPTO_PRF_HMAC_SHA2_256, k, 20, &seed, 1, big, 255 * 32 + 1));
	g_free(big);
}

/* ---- NIST CAVP SP 800-135 IKEv2 KDF ------------------------------------------------------ */

struct kdf_vector {
	const char *source;
	uint16_t prf;
	const char *ni, *nr, *gir, *gir_new, *spi_i, *spi_r;
	const char *skeyseed;
	const char *dkm;	    /* prf+(SKEYSEED, Ni | Nr | SPIi | SPIr), NULL if not given */
	const char *dkm_child;	    /* prf+(SK_d, Ni | Nr) */
	const char *dkm_child_dh;   /* prf+(SK_d, g^ir (new) | Ni | Nr) */
	const char *skeyseed_rekey; /* prf(SK_d, g^ir (new) | Ni | Nr) */
};

static const struct kdf_vector kdf_vectors[] = {
	{ /* CAVP IKEv2 sample, SHA-1, as libreswan's libreswan-ikev2-cavs.c records it */
	  .source = "CAVP SHA-1 (libreswan)",
	  .prf = IKE_CRYPTO_PRF_HMAC_SHA1,
	  .ni = "32b50d5f4a3763f3",
	  .nr = "9206a04b26564cb1",
	  .gir = "4b2c1f971981a8ad8d0abeafabf38cf75fc8349c148142465ed9c8b516b8be52",
	  .gir_new = "863f3c9d06efd39d2b907b97f8699e5dd5251ef64a2a176f36ee40c87d4f9330",
	  .spi_i = "34c9e7c188868785",
	  .spi_r = "3ff77d760d2b2199",
	  .skeyseed = "a9a7b222b59f8f48645f28a1db5b5f5d7479cba7",
	  .dkm = "a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002a2a63080e514a062768b7660"
		 "6f9fa5e992204fc5a670bde3f10d6b027113936a5c55b648a194ae587b0088d52204b702c979fa280870d2ed41"
		 "efa9c549fd11198af1670b143d384bd275c5f594cf266b05ebadca855e4249520a441a81157435a7a56cc4",
	  .dkm_child = "8059e3ee8810e6c3a91bc8bcd2a7a41151b8d0e6ae239c7b38093ad85ef4c5811a8e7b5d1cdabd9560b2d5e0"
		       "92d1f24e2d4b85eccdf0ad0dc9abd94b51ee71814ca6dbc8bb51b6309f5b9545c7eb35cf5580b1e521a8fe20"
		       "754a2d883ba0c2cf285f524aea6545b33106bc03e614296d319d41d4b50b3f510b1c0a22f3e664994d234cb4",
	  .dkm_child_dh = "bb43244c1860ad65ee1e211ffe8bb3661750c8f89cb9f547df7f4fa61d37301628190e38c66232eab4b3ab"
			  "14c400a5197dd3730ed4820a8a10394d51e1c0400052f63ebd36b0e7ef53aaed31eba4a5080d7d4b5666023a"
			  "8bbb5ffb7857240f9a05884d1b7d2f933708450b7b3288f1fc863ab49fa901227cffc06e27899c7054d56fd74c",
	  .skeyseed_rekey = "63e81194946ebd05df7df5ebf5d8750056bf1f1d" },
	{ /* CAVP IKEv2 sample, SHA-1, as Cisco's kdf/kdftest.c KAT records it */
	  .source = "CAVP SHA-1 (Cisco KAT)",
	  .prf = IKE_CRYPTO_PRF_HMAC_SHA1,
	  .ni = "3651fef5c9c35e93",
	  .nr = "c09a8b90a3f04d59",
	  .gir = "d084a30166a50fb7325c3960874a839449ef9741c2f4f947d0201dd8c1269273"
		 "d79509f37e3ca3eb4fa2fe2a28254e289cd3f34dad4eb4df1a07685a4b8a94fa"
		 "61e2491f7598b3ce65547ff133b3f63d1ac4175eaa695033f3cedb026a6873a3"
		 "6455172a8540b8a5d23a0143bed0390ee49b168269d75fffee9fb62be965993c",
	  .gir_new = "52f00ab174c25d5b7139ae5ff4e8e9eddee5992d2e36adf8a559ffd90dab1442"
		     "e4fbe429d320c0f33552a17d1557fa41ea70e8fb916c4fa27ed52b5f8ebd8461"
		     "afa78f1159159a64055ac5f6319e29c28eae58cbc6847770f32c3fed1d047504"
		     "84f854790f95e9ec01bc5bc461f24966462e359511329305038e94deb6dd42c2",
	  .spi_i = "8e5c3ae507221684",
	  .spi_r = "b1f201bb155c3acd",
	  .skeyseed = "cd2e8050137832245f1dbacc6e4f0a92f94d45d6",
	  .dkm = "6f1b12cad3cbe097b35430356d869d54cddb0198ec859174d53ceb92dddedbe2"
		 "436db69f60977c58fa63bbb667f8d36920b109baae8f6c61a9ac49feda018432"
		 "25d080ec5539d5881a25521ffb2a0a91874a9c0a27fcc2d717eb8963a9e3a89c"
		 "7ab264757284c28cf8c3ca40576f4220b052b1fb8e9ad60ba3c80557323331a8"
		 "cbb89f20",
	  .dkm_child = "4727dc0ef94eb326ce131cf282fb652faa638ad0ddae3786a11bcc0309876009"
		       "f8c485de011ad962c5b1ca8a41ff8145445749079c5686e26ffebbc342f06981"
		       "f3da745e11ca0976424d1f8caec623d59dc7186deb20a27b411d1dcb70a36544"
		       "0bf7de905088b0692e8addc094e18d1939bdb67e89798ca6b239e2ccb81c2409"
		       "dac0106c",
	  .dkm_child_dh = "b109c21ad4c0797768c1cec9e63554681e48f224bca7f23c20c4ea7041983451"
			  "e9aa1d5408656c8a975ff1b9d9a12c75ffeb64bdecb30174664cccb4e14f1c37"
			  "7b7f6d1525af77c7092aac3e47f917ebae8297fb5539d2008ce830823a09cc19"
			  "7361d4a289c72745f6ce9fefe812be5bf55b3200fbb82e41a4a40877d3fe106d"
			  "b909707b",
	  .skeyseed_rekey = "3b03bce748c96d5e8306918d2ff89b68f0648da3" },
	{ /* ACVP kdf-components IKEv2, SHA2-256, 256-byte nonces (ACVP-Server IKEv2Tests.cs) */
	  .source = "ACVP SHA2-256",
	  .prf = IKE_CRYPTO_PRF_HMAC_SHA2_256,
	  .ni = "0a58fea9c1d4fee2e74e1aad6fb02dd5f318eb127465a112be8dc3c04d5dba62eae708f9dc1b2362afd6ba4bda3cf500"
		"0f4979fbcbadbcfda9291593829c4e905c21db0c2ee15175ce77a8a0dadf25c7f175bc53fd91b636a9b3c50b203de9b9"
		"d6dc463dcb4048f101e26498ceaed3afbcd931394a7e099392dfff82e5d6fa85c2e8a8ab90ad363a66795dc32798847e"
		"405acd87988140f973058917273a6b0bafb962c75e2b1a21e79c08beeb82168bf8b4b57f3dce867bf7862a7b8acbc21b"
		"e838021913daf64340c055ed17aaf7b6e1d0ca33ae890ddbdb83f4e615aad5e3bff58c3db70bac81a0dfbabe5391fc62"
		"bca4659e22a0741e01d8d06e67d9bb41",
	  .nr = "e4fdfa68df6171d9eaff8b7b5ad31e7c6098d259f3397c9854cbefe7449b0864c1df16ddece8b26567560f8d59182a44"
		"c19149c2d0d72606a160021ade3d23c7c6936c91a4b6bec37adf38cfc84b851c68dcee06f81306f63abbefc07e231e30"
		"58c49437a557df617eac01663593d2a3e594699284c0a35eae6931492ccb2a43db72a600a3899205d681d2b76b1280e4"
		"56339bb10e0c584aecfdae31c77a4c40dbcb345f782ac32835d4c220c1e97254ded6a40075dd717b00b69c86a49e8017"
		"73026536ae02d58a649827f1ba67610ee936dffd11c9d5a9156631916a0a0046ec0ba42f56f2a18de83d5d71a985b0cc"
		"9eec2c06b3d907ca58454419f374069d",
	  .gir = "9d469de41b4739c7dd01f19aa94f17e48150ae9dbede94832142db19",
	  .gir_new = "c2987b0767006c3b9aea491bfed1646a3d7194639492b8d45b23b383",
	  .spi_i = "c8de93111750e409",
	  .spi_r = "32d51b33508997fa",
	  .skeyseed = "eec13ac67c2e072abb684ab4e7b6ce3e7f400af8b96bed48e113497ed337f8d4",
	  .dkm = "bc83518f63b762874ac57947cdfae33a8d9724df0b83ee4b6df38c23fc2ad829f4d70b5a68dd1f5a52416f09758638ae"
		 "df919c09a17c5298cdb703bb75b1005cba0109739aaa4efd2fe7534c95ad05e546e4419931270eddcab68ac1589d7fde"
		 "47f5b9e8d5b614cb24ec3caf515497a9e99ee6f1b318ff153b539ef071dcaff9b41945dcb780700d69e5dc888a91de19"
		 "5c52825badfd0ab4c33cec71ab5c2b4badefe5455455ce5d8ae91721a2091bcccc1514e69482c9c8da1d9f0f187eedda"
		 "916393570a8c0a8dfabc26d8ed31e8ea47662515972a22d11d692bc1fac6395aecd82a01ab78daafcd6f3070b1201f15"
		 "8a19331b5d21ceee66fccd2ea37bc07648b9539a52dbf797af53e31a0e8706dd86cf5081ebabd095f281d23c222dd3bc"
		 "5abf06869017ca8f751cafcc85abea6ba88c139d1f32a12f7f486cf57eae5d85551b97f3963616d8f597c70efa98c1e1"
		 "fa369fb77a80b1ec5fe533890672c4551172eab1b7fd68ad08c4d4c69f2a867302065ca730aa6915bc2cfb6d93820977",
	  .dkm_child = "c725012285d56e53244a9baaaf95abfca543708d333a3f3a86ba660e00edd4d489bcd631819fda0413382edd9f53d1ed"
		       "718e056c2ad91d38de90f06cd434de70141d051c021e7ddd6e4137946b4770dca59a4decabdd866852eb557fdd995646"
		       "613ff2923f5f23aa58c8fbd5ad52cf2eac9bda97faad5596695f4a747a0f1cc6a1f78b2181138fb19ac24574d2e6b3a4"
		       "0d6e688abb919a27d793b76568ec66bd099f6f476b705c1472d774a1516a11311b887688f36649e24227640ea8d8666b"
		       "9f452217e7103b6f0a92b6adb8fbda650ba58d6ac13ac6f6b6361a5d1c44f1e9f22196c96295115c5d01a120e7265962"
		       "d20353a049286908da776c2165f706a16f43d85fcd319f89c4386340bcb8ed10df38345cb68af719abaf997e9789a5f1"
		       "9a392dcecd78168ba282f0b30555c7a47031a3156d12d7158aa41b863b8394d30fec63120e89cbc5750eed7786f7d596"
		       "1b1f2e6faca641ed776d2211bee757b68b77f94056172553715da9fbd1c9a8728f28a2f3c9714a4917490132562484cd",
	  .dkm_child_dh = "140a1f2a3c94318ece6edfa8c63f37d8d45982de8b6cbfe34011150db0253e34de3796d4aa579954a0bbf234794eb6e7"
			  "ece2a8f91100f5507df4ee8e66c7813d4c0ff64d484a3494c54b0d9c605ea24234a49a010ce5c352feb9e1060c8c7872"
			  "29466296cdc9d11bb9d221ed2bb39544572464254ec02a0fbe777b07402c775eb6d3e53cd16214c707f851942cc7da92"
			  "a811b6c5c82f29d9fc3751b0ebff9898fb14372402a6989ffb9cc32dfe7e2cea32fd882e09804d7fea34ce3b5eb6f303"
			  "e095c48a452b0a3eccada81af22195ebbaad289aeabdab074c94e751496bde39d868ebf1d693f36d1c3c672bbb59c9f7"
			  "7aeb68de57d77da231b7f13d6d277f600c3d3086c4de7b3a59127f4cb9c118935574f30e1b7c88b52c8c3531fdbd38ee"
			  "3d14c69e81803ced6e7501fa0180f6d110b648272002dc1ad5bf09dc83188011da1d48632e0d2453c8abdd8e9fd32a57"
			  "6aeb9ddfb0a024f674441c20a950d9bd8cd7b30933cc0d8e87b55e8aa9d913579b410417b3acc13c14bf73c457327873",
	  .skeyseed_rekey = "05f796c8df322a7e33283ae5fa2f376d8d5efa0ac3745fc548e430031424c121" },
	{ /* CAVP IKEv2 sample, SHA-256, as NSS's ike-sha256-vectors.h records it */
	  .source = "CAVP SHA-256 (NSS)",
	  .prf = IKE_CRYPTO_PRF_HMAC_SHA2_256,
	  .ni = "3f302be1abcb28e1",
	  .nr = "8c332ee006064c9b",
	  .gir = "0f4d257d7a58fc4545c7d7a88119eee5d5c9690c5b4c989171d3abbfd99d1d29",
	  .gir_new = "25f3b12d6f282739256e39bf54eda53b60ffcf379bb7bcc90c27b4c4c578616c",
	  .spi_i = "40dac39e1e1a8640",
	  .spi_r = "8619a1cf9a6e4c07",
	  .skeyseed = "5f00d1bd2c58ec224b1e6b71fa0f19a1faa7a193952c444411b47c1a9d8ba6fe",
	  .dkm = "0b137d669b0947d7d026d593f0305ad401ff0c471357d695778a9c7f4b4869ece98aca531"
		 "188d16041b3bb936d2dbb3b4993a6e768a809160de45d0283f273a6cdf6854379e31be72b"
		 "8d3d1fa990cf9c5b015ca9f918a7df6253c958114a09d4e1c19bdcd4db14b29d98db1a74a"
		 "d405c588662c14a04d0d36aa4ab55e90f8986d12d4aad",
	  .skeyseed_rekey = "2d63f6debc92048b4fef3889c4c99ca67d6496e0fac14a2bca9a2d6566ff2398" },
	{ /* CAVP IKEv2 sample, SHA-384, as NSS's ike-sha384-vectors.h records it */
	  .source = "CAVP SHA-384 (NSS)",
	  .prf = IKE_CRYPTO_PRF_HMAC_SHA2_384,
	  .ni = "fd1b572a8e735591",
	  .nr = "6013b0ef88dacd3d",
	  .gir = "d3288cd87565101e88fe3bad918f31939d8dd26ff1071f8b2d7f447524e58d7c",
	  .gir_new = "3358f620539473aee8d07e779764c4c6a9aabddc79a28e136b3bac021dbde44a",
	  .spi_i = "2116ad07ce61f749",
	  .spi_r = "24880e55f11a65b7",
	  .skeyseed = "69fe7a1ac94adaeb711295f5fe004b1a8d6a0b65d05692758ce8ad2f7a45f59d7d0b596f5"
		      "1f7dfcf3330061888f6a94f",
	  .dkm = "4f904c2025c90c817ea5ff9b662a6fdb445a73b57cdf09eacd379b95e1f03cacb04cd6dee"
		 "da4f952191dd9bc1f7a9502471a648d74dc06d38112de48a42501f6b1a3ad55c2099cd9a6"
		 "48e5f17e5bf3e34bf9b5953decb768a34f875fe2b78dca0c2fcca81ec1a412006dfaed38f"
		 "a06882e61f4c148105fb8e231fdb33c4d484c001721d4",
	  .skeyseed_rekey = "e0548c1682e13bce454026b3b1bdf42985b24e4e7408095a7c529de38c3d1fcb04c9fe686"
			    "8042a34c9614c6c99e3fcea" },
	{ /* NIST SHA-384 sample, prf(Ni | Nr, g^xy) (NSS ike-sha384-vectors.h #1): the SKEYSEED
	   * formula on a second input */
	  .source = "NIST SHA-384 prf(Ni|Nr, g^xy) (NSS)",
	  .prf = IKE_CRYPTO_PRF_HMAC_SHA2_384,
	  .ni = "cec89d845add83ef",
	  .nr = "cebd43ab71d17db9",
	  .gir = "1724dbd893523764bfef8c6fa927856fccfb77ae254358cce29c2769a32915c1",
	  .skeyseed = "6e4514610bf82d0ab7bf0260096f6146a153c712071abb633ced813c572156c783e36874a"
		      "65a64690ca701d40d56ea18" },
};

static void check_kdf_vector(const struct kdf_vector *v)
{
	printf("\n    %s ", v->source);
	size_t prf_len = ike_prf_len(v->prf);
	GByteArray *ni = hx(v->ni), *nr = hx(v->nr), *gir = hx(v->gir);
	uint8_t skeyseed[48];
	CU_ASSERT_TRUE_FATAL(ike_skeyseed(v->prf, bufof(ni), bufof(nr), bufof(gir), skeyseed));
	CU_ASSERT_TRUE(eq_hex(skeyseed, prf_len, v->skeyseed));
	if (v->dkm) {
		GByteArray *want = hx(v->dkm), *spii = hx(v->spi_i), *spir = hx(v->spi_r);
		uint8_t *dkm = g_malloc(want->len);
		struct ike_crypto_buf seed[] = { bufof(ni), bufof(nr), bufof(spii), bufof(spir) };
		CU_ASSERT_TRUE_FATAL(ike_prf_plus(v->prf, skeyseed, prf_len, seed, 4, dkm, want->len));
		CU_ASSERT_EQUAL(memcmp(dkm, want->data, want->len), 0);
		struct ike_crypto_buf sk_d = { dkm, prf_len }; /* SK_d is the first prf_len bytes */
		GByteArray *gir_new = hx(v->gir_new);
		struct ike_crypto_buf none = { NULL, 0 };
		if (v->dkm_child) {
			GByteArray *wc = hx(v->dkm_child);
			uint8_t *out = g_malloc(wc->len);
			CU_ASSERT_TRUE(ike_child_keymat(v->prf, sk_d, none, bufof(ni), bufof(nr), out, wc->len));
			CU_ASSERT_EQUAL(memcmp(out, wc->data, wc->len), 0);
			g_free(out);
			g_byte_array_unref(wc);
		}
		if (v->dkm_child_dh) {
			GByteArray *wc = hx(v->dkm_child_dh);
			uint8_t *out = g_malloc(wc->len);
			CU_ASSERT_TRUE(
				ike_child_keymat(v->prf, sk_d, bufof(gir_new), bufof(ni), bufof(nr), out, wc->len));
			CU_ASSERT_EQUAL(memcmp(out, wc->data, wc->len), 0);
			g_free(out);
			g_byte_array_unref(wc);
		}
		if (v->skeyseed_rekey) {
			uint8_t rekey[48];
			CU_ASSERT_TRUE(ike_skeyseed_rekey(v->prf, sk_d, bufof(gir_new), bufof(ni), bufof(nr), rekey));
			CU_ASSERT_TRUE(eq_hex(rekey, prf_len, v->skeyseed_rekey));
		}
		g_byte_array_unref(gir_new);
		g_free(dkm);
		g_byte_array_unref(want);
		g_byte_array_unref(spii);
		g_byte_array_unref(spir);
	}
	g_byte_array_unref(ni);
	g_byte_array_unref(nr);
	g_byte_array_unref(gir);
}

static void test_cavp_ikev2_kdf(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(kdf_vectors); i++)
		check_kdf_vector(&kdf_vectors[i]);
}

/* ike_sa_keys_derive splits prf+ output as {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}:
 * with PRF-HMAC-SHA1, HMAC-SHA1-96 and AES-CBC-128 that is 3*20 + 2*20 + 2*16 = 132 bytes, the
 * whole DKM of the first CAVP vector; with SHA-256/AES-256 the ACVP vector's first 224 bytes. */
static void check_split(const struct kdf_vector *v, const struct ike_transforms *xf)
{
	GByteArray *ni = hx(v->ni), *nr = hx(v->nr), *gir = hx(v->gir), *dkm = hx(v->dkm);
	GByteArray *spii = hx(v->spi_i), *spir = hx(v->spi_r);
	uint8_t skeyseed[48];
	struct ike_sa_keys k;
	CU_ASSERT_TRUE_FATAL(ike_skeyseed(v->prf, bufof(ni), bufof(nr), bufof(gir), skeyseed));
	CU_ASSERT_TRUE_FATAL(ike_sa_keys_derive(xf, skeyseed, bufof(ni), bufof(nr), spii->data, spir->data, &k));
	size_t p = k.prf_len, a = k.integ_key_len, e = k.encr_key_len;
	CU_ASSERT_TRUE_FATAL(3 * p + 2 * a + 2 * e <= dkm->len);
	const uint8_t *d = dkm->data;
	CU_ASSERT_EQUAL(memcmp(k.sk_d, d, p), 0);
	CU_ASSERT_EQUAL(memcmp(k.sk_ai, d + p, a), 0);
	CU_ASSERT_EQUAL(memcmp(k.sk_ar, d + p + a, a), 0);
	CU_ASSERT_EQUAL(memcmp(k.sk_ei, d + p + 2 * a, e), 0);
	CU_ASSERT_EQUAL(memcmp(k.sk_er, d + p + 2 * a + e, e), 0);
	CU_ASSERT_EQUAL(memcmp(k.sk_pi, d + p + 2 * a + 2 * e, p), 0);
	CU_ASSERT_EQUAL(memcmp(k.sk_pr, d + 2 * p + 2 * a + 2 * e, p), 0);
	ike_sa_keys_clear(&k);
	CU_ASSERT_EQUAL(k.sk_d[0] | k.sk_pr[0] | k.prf_len, 0);
	g_byte_array_unref(ni);
	g_byte_array_unref(nr);
	g_byte_array_unref(gir);
	g_byte_array_unref(dkm);
	g_byte_array_unref(spii);
	g_byte_array_unref(spir);
}

static void test_sa_keys_split(void)
{
	struct ike_transforms sha1 = { IKE_CRYPTO_ENCR_AES_CBC, 128, IKE_CRYPTO_PRF_HMAC_SHA1,
				       IKE_CRYPTO_INTEG_HMAC_SHA1_96 };
	check_split(&kdf_vectors[0], &sha1);
	check_split(&kdf_vectors[1], &sha1);
	struct ike_transforms sha256 = { IKE_CRYPTO_ENCR_AES_CBC, 256, IKE_CRYPTO_PRF_HMAC_SHA2_256,
					 IKE_CRYPTO_INTEG_HMAC_SHA2_256_128 };
	check_split(&kdf_vectors[2], &sha256);
	struct ike_transforms gcm = { IKE_CRYPTO_ENCR_AES_GCM_16, 256, IKE_CRYPTO_PRF_HMAC_SHA2_256,
				      IKE_CRYPTO_INTEG_NONE };
	check_split(&kdf_vectors[2], &gcm);
	/* unsupported combinations are refused, not guessed */
	struct ike_sa_keys k;
	uint8_t seed[32] = { 0 }, spi[8] = { 0 };
	struct ike_crypto_buf n = { seed, 16 };
	struct ike_transforms bad[] = {
		{ IKE_CRYPTO_ENCR_AES_GCM_16, 128, IKE_CRYPTO_PRF_HMAC_SHA2_256, IKE_CRYPTO_INTEG_HMAC_SHA1_96 },
		{ IKE_CRYPTO_ENCR_AES_CBC, 128, IKE_CRYPTO_PRF_HMAC_SHA2_256, IKE_CRYPTO_INTEG_NONE },
		{ IKE_CRYPTO_ENCR_AES_CBC, 100, IKE_CRYPTO_PRF_HMAC_SHA2_256, IKE_CRYPTO_INTEG_HMAC_SHA1_96 },
		{ IKE_CRYPTO_ENCR_NULL, 0, IKE_CRYPTO_PRF_HMAC_SHA2_256, IKE_CRYPTO_INTEG_HMAC_SHA1_96 },
		{ IKE_CRYPTO_ENCR_AES_CBC, 128, 7, IKE_CRYPTO_INTEG_HMAC_SHA1_96 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		CU_ASSERT_FALSE(ike_sa_keys_derive(&bad[i], seed, n, n, spi, spi, &k));
}

/* IKE SA rekey: SKEYSEED with the old PRF from the old SK_d (checked against the CAVP
 * SKEYSEED(Rekey) value), then the new SA's keys with the new PRF keyed by that SKEYSEED, even
 * when the two PRFs differ in length. */
static void test_sa_keys_rekey(void)
{
	const struct kdf_vector *v = &kdf_vectors[0]; /* SHA-1 */
	GByteArray *ni = hx(v->ni), *nr = hx(v->nr), *gir = hx(v->gir), *gir_new = hx(v->gir_new);
	GByteArray *spii = hx(v->spi_i), *spir = hx(v->spi_r), *dkm = hx(v->dkm);
	struct ike_transforms old_xf = { IKE_CRYPTO_ENCR_AES_CBC, 128, IKE_CRYPTO_PRF_HMAC_SHA1,
					 IKE_CRYPTO_INTEG_HMAC_SHA1_96 };
	uint8_t skeyseed[20];
	struct ike_sa_keys old, fresh;
	CU_ASSERT_TRUE_FATAL(ike_skeyseed(v->prf, bufof(ni), bufof(nr), bufof(gir), skeyseed));
	CU_ASSERT_TRUE_FATAL(ike_sa_keys_derive(&old_xf, skeyseed, bufof(ni), bufof(nr), spii->data, spir->data, &old));
	CU_ASSERT_EQUAL(memcmp(old.sk_d, dkm->data, 20), 0);
	uint8_t new_spi_i[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, new_spi_r[8] = { 9, 10, 11, 12, 13, 14, 15, 16 };
	struct ike_transforms new_xf = { IKE_CRYPTO_ENCR_AES_GCM_16, 256, IKE_CRYPTO_PRF_HMAC_SHA2_384,
					 IKE_CRYPTO_INTEG_NONE };
	CU_ASSERT_TRUE_FATAL(ike_sa_keys_rekey(&old, &new_xf, bufof(gir_new), bufof(ni), bufof(nr), new_spi_i,
					       new_spi_r, &fresh));
	/* by hand: the CAVP rekey SKEYSEED (20 bytes), then SHA-384 prf+ */
	GByteArray *rekey = hx(v->skeyseed_rekey);
	size_t total = 3 * 48 + 2 * 36;
	uint8_t km[3 * 48 + 2 * 36];
	struct ike_crypto_buf seed[] = { bufof(ni), bufof(nr), { new_spi_i, 8 }, { new_spi_r, 8 } };
	CU_ASSERT_TRUE_FATAL(ike_prf_plus(IKE_CRYPTO_PRF_HMAC_SHA2_384, rekey->data, rekey->len, seed, 4, km, total));
	CU_ASSERT_EQUAL(fresh.prf_len, 48);
	CU_ASSERT_EQUAL(fresh.encr_key_len, 36);
	CU_ASSERT_EQUAL(memcmp(fresh.sk_d, km, 48), 0);
	CU_ASSERT_EQUAL(memcmp(fresh.sk_ei, km + 48, 36), 0);
	CU_ASSERT_EQUAL(memcmp(fresh.sk_er, km + 84, 36), 0);
	CU_ASSERT_EQUAL(memcmp(fresh.sk_pi, km + 120, 48), 0);
	CU_ASSERT_EQUAL(memcmp(fresh.sk_pr, km + 168, 48), 0);
	g_byte_array_unref(rekey);
	g_byte_array_unref(ni);
	g_byte_array_unref(nr);
	g_byte_array_unref(gir);
	g_byte_array_unref(gir_new);
	g_byte_array_unref(spii);
	g_byte_array_unref(spir);
	g_byte_array_unref(dkm);
}

/* CHILD SA keys split KEYMAT as encr_i | integ_i | encr_r | integ_r (RFC 7296 §2.17); checked
 * against the CAVP child DKM (no PFS) and child DKM with D-H (PFS). */
static void test_child_keys_split(void)
{
	const struct kdf_vector *v = &kdf_vectors[0];
	GByteArray *ni = hx(v->ni), *nr = hx(v->nr), *dkm = hx(v->dkm), *child = hx(v->dkm_child);
	GByteArray *child_dh = hx(v->dkm_child_dh), *gir_new = hx(v->gir_new);
	struct ike_crypto_buf sk_d = { dkm->data, 20 }, none = { NULL, 0 };
	struct ike_child_keys k;
	struct ike_transforms cbc = { IKE_CRYPTO_ENCR_AES_CBC, 128, 0, IKE_CRYPTO_INTEG_HMAC_SHA2_256_128 };
	CU_ASSERT_TRUE_FATAL(
		ike_child_keys_derive(IKE_CRYPTO_PRF_HMAC_SHA1, sk_d, none, bufof(ni), bufof(nr), &cbc, &k));
	CU_ASSERT_EQUAL(k.encr_key_len, 16);
	CU_ASSERT_EQUAL(k.integ_key_len, 32);
	CU_ASSERT_EQUAL(memcmp(k.ei, child->data, 16), 0);
	CU_ASSERT_EQUAL(memcmp(k.ai, child->data + 16, 32), 0);
	CU_ASSERT_EQUAL(memcmp(k.er, child->data + 48, 16), 0);
	CU_ASSERT_EQUAL(memcmp(k.ar, child->data + 64, 32), 0);
	struct ike_transforms gcm = { IKE_CRYPTO_ENCR_AES_GCM_16, 256, 0, IKE_CRYPTO_INTEG_NONE };
	CU_ASSERT_TRUE_FATAL(ike_child_keys_derive(IKE_CRYPTO_PRF_HMAC_SHA1, sk_d, bufof(gir_new), bufof(ni),
						   bufof(nr), &gcm, &k));
	CU_ASSERT_EQUAL(k.encr_key_len, 36); /* key + 4-byte salt */
	CU_ASSERT_EQUAL(k.integ_key_len, 0);
	CU_ASSERT_EQUAL(memcmp(k.ei, child_dh->data, 36), 0);
	CU_ASSERT_EQUAL(memcmp(k.er, child_dh->data + 36, 36), 0);
	struct ike_transforms null_sha = { IKE_CRYPTO_ENCR_NULL, 0, 0, IKE_CRYPTO_INTEG_HMAC_SHA1_96 };
	CU_ASSERT_TRUE(ike_child_keys_derive(IKE_CRYPTO_PRF_HMAC_SHA1, sk_d, none, bufof(ni), bufof(nr), &null_sha,
					     &k));
	CU_ASSERT_EQUAL(memcmp(k.ai, child->data, 20), 0);
	CU_ASSERT_EQUAL(memcmp(k.ar, child->data + 20, 20), 0);
	ike_child_keys_clear(&k);
	g_byte_array_unref(ni);
	g_byte_array_unref(nr);
	g_byte_array_unref(dkm);
	g_byte_array_unref(child);
	g_byte_array_unref(child_dh);
	g_byte_array_unref(gir_new);
}

/* ---- AES-GCM known answers --------------------------------------------------------------- */

struct gcm_vector {
	const char *source, *key, *iv, *aad, *pt, *ct, *tag;
	bool valid;
};

static const struct gcm_vector gcm_vectors[] = {
	{ "NIST CAVP gcmDecrypt128 [Keylen=128 IVlen=96 PTlen=128 AADlen=128 Taglen=128] Count 0",
	  "816e39070410cf2184904da03ea5075a", "32c367a3362613b27fc3e67e", "f2a30728ed874ee02983c294435d3c16",
	  "ecafe96c67a1646744f1c891f5e69427", "552ebe012e7bcf90fcef712f8344e8f1", "ecaae9fc68276a45ab0ca3cb9dd9539f",
	  true },
	{ "NIST CAVP gcmDecrypt128 Count 1 (FAIL)", "867fc5d5476d5008f0703d81e3622255", "22945529dff947c3c9264df7",
	  "261a9efd4f32bc3d07c115b4edcf8adf", NULL, "1c785025e5a2678e4b29b29276e395bb",
	  "87fdf1261846164a950c37a3f2eea17d", false },
	{ "NIST CAVP gcmDecrypt128 Count 2", "3d17f97bf1dae4268b6610dc90c70b28", "ebcd88fc18d4c99d28524d41",
	  "681a4feac147ee2d25e9191aaa4c8830", "ec18a057c22d12373b5efe4d177eb068", "0128a239bb43c12885f9591386ecac0f",
	  "144def0210af9348f07afe27e65bdc7e", true },
	{ "GCM spec (McGrew-Viega) test case 4", "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5"
	  "aa0de657ba637b39",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b39"
	  "6a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47", true },
	{ "GCM spec test case 14 (AES-256)", "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "00000000000000000000000000000000", "cea7403d4d606b6e074ec5d3baf39d18",
	  "d0d1c8a799996bf0265b98b5d48ab919", true },
};

/* The 12-byte GCM IV is split as RFC 5282 builds it: 4-byte salt (from the key material) then
 * the 8-byte IV carried in the payload. */
static void test_gcm_known_answers(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(gcm_vectors); i++) {
		const struct gcm_vector *v = &gcm_vectors[i];
		GByteArray *key = hx(v->key), *iv = hx(v->iv), *aad = hx(v->aad), *ct = hx(v->ct), *tag = hx(v->tag);
		g_assert(iv->len == 12);
		GByteArray *buf = g_byte_array_new();
		g_byte_array_append(buf, ct->data, ct->len);
		bool opened = ike_crypto_gcm_open(key->data, key->len, iv->data, iv->data + 4, bufof(aad), buf->data,
						  buf->len, tag->data);
		CU_ASSERT_EQUAL(opened, v->valid);
		if (v->valid) {
			CU_ASSERT_TRUE(eq_hex(buf->data, buf->len, v->pt));
			/* and the other way round: seal gives the ciphertext and the tag */
			uint8_t t[16];
			CU_ASSERT_TRUE(ike_crypto_gcm_seal(key->data, key->len, iv->data, iv->data + 4, bufof(aad),
							   buf->data, buf->len, t));
			CU_ASSERT_EQUAL(memcmp(buf->data, ct->data, ct->len), 0);
			CU_ASSERT_EQUAL(memcmp(t, tag->data, 16), 0);
		}
		g_byte_array_unref(buf);
		g_byte_array_unref(key);
		g_byte_array_unref(iv);
		g_byte_array_unref(aad);
		g_byte_array_unref(ct);
		g_byte_array_unref(tag);
	}
}

/* ---- SK payload -------------------------------------------------------------------------- */

#define HDR_LEN 32 /* IKE header (28) + SK generic header (4): the AAD span */

static struct ike_sa_keys make_keys(uint16_t encr, uint16_t bits, uint16_t integ)
{
	struct ike_transforms xf = { encr, bits, IKE_CRYPTO_PRF_HMAC_SHA2_256, integ };
	uint8_t skeyseed[32], ni[16], nr[16], spi_i[8], spi_r[8];
	for (int i = 0; i < 32; i++)
		skeyseed[i] = (uint8_t)(i * 7 + 1);
	memset(ni, 0x11, 16);
	memset(nr, 0x22, 16);
	memset(spi_i, 0xa1, 8);
	memset(spi_r, 0xb2, 8);
	struct ike_sa_keys k;
	struct ike_crypto_buf bi = { ni, 16 }, br = { nr, 16 };
	g_assert(ike_sa_keys_derive(&xf, skeyseed, bi, br, spi_i, spi_r, &k));
	return k;
}

/* Builds header | IV room | plaintext | room, seals it; returns the message and its length. */
static uint8_t *seal_msg(const struct ike_sk_cipher *c, size_t pt_len, size_t *msg_len)
{
	size_t body = ike_sk_body_len(c, pt_len);
	*msg_len = HDR_LEN + body;
	uint8_t *m = g_malloc0(*msg_len);
	for (size_t i = 0; i < HDR_LEN; i++)
		m[i] = (uint8_t)(0x40 + i);
	uint8_t *pt = m + HDR_LEN + ike_sk_iv_len(c);
	for (size_t i = 0; i < pt_len; i++)
		pt[i] = (uint8_t)(i ^ 0x5a);
	uint8_t iv[16];
	memset(iv, 0x3c, sizeof iv);
	CU_ASSERT_EQUAL(ike_sk_seal(c, iv, m, HDR_LEN, pt_len), IKE_SKV_OK);
	return m;
}

static void check_sk_cipher(uint16_t encr, uint16_t bits, uint16_t integ)
{
	struct ike_sa_keys k = make_keys(encr, bits, integ);
	struct ike_sk_cipher out_i = ike_sk_cipher_for(&k, true);
	struct ike_sk_cipher out_r = ike_sk_cipher_for(&k, false);
	size_t iv_len = ike_sk_iv_len(&out_i), icv_len = ike_sk_icv_len(&out_i);
	for (size_t pt_len = 0; pt_len <= 40; pt_len++) {
		size_t len;
		uint8_t *m = seal_msg(&out_i, pt_len, &len);
		size_t enc_len = len - HDR_LEN - iv_len - icv_len;
		if (ike_encr_is_aead(encr)) {
			CU_ASSERT_EQUAL(enc_len, pt_len + 1); /* no padding, just the pad length */
		} else {
			CU_ASSERT_EQUAL(enc_len % 16, 0);
		}
		/* the plaintext is not left in the clear */
		if (pt_len >= 4) {
			CU_ASSERT_NOT_EQUAL(memcmp(m + HDR_LEN + iv_len, "\x5a\x5b\x58\x59", 4), 0);
		}
		uint8_t *copy = g_memdup2(m, len);
		size_t off = 0, plen = 0;
		CU_ASSERT_EQUAL(ike_sk_open(&out_i, copy, HDR_LEN, len - HDR_LEN, &off, &plen), IKE_SKV_OK);
		CU_ASSERT_EQUAL(off, HDR_LEN + iv_len);
		CU_ASSERT_EQUAL(plen, pt_len);
		bool same = true;
		for (size_t i = 0; i < pt_len; i++)
			same &= copy[off + i] == (uint8_t)(i ^ 0x5a);
		CU_ASSERT_TRUE(same);
		/* the other direction's keys do not open it */
		memcpy(copy, m, len);
		CU_ASSERT_EQUAL(ike_sk_open(&out_r, copy, HDR_LEN, len - HDR_LEN, &off, &plen), IKE_SKV_ICV_MISMATCH);
		/* flipping any byte of header, IV, ciphertext or ICV is caught */
		size_t probes[] = { 0, HDR_LEN - 1, HDR_LEN, HDR_LEN + iv_len, len - icv_len - 1, len - 1 };
		for (size_t j = 0; j < G_N_ELEMENTS(probes); j++) {
			memcpy(copy, m, len);
			copy[probes[j]] ^= 0x01;
			CU_ASSERT_EQUAL(ike_sk_open(&out_i, copy, HDR_LEN, len - HDR_LEN, &off, &plen),
					IKE_SKV_ICV_MISMATCH);
		}
		/* cut short */
		memcpy(copy, m, len);
		CU_ASSERT_EQUAL(ike_sk_open(&out_i, copy, HDR_LEN, iv_len + icv_len, &off, &plen), IKE_SKV_TRUNCATED);
		g_free(copy);
		g_free(m);
	}
	if (!ike_encr_is_aead(encr)) {
		size_t len;
		uint8_t *m = seal_msg(&out_i, 20, &len);
		size_t off, plen;
		/* a body whose ciphertext is not whole blocks */
		CU_ASSERT_EQUAL(ike_sk_open(&out_i, m, HDR_LEN, len - HDR_LEN - 1, &off, &plen), IKE_SKV_BAD_ALIGNMENT);
		g_free(m);
	}
	ike_sa_keys_clear(&k);
}

static void test_sk_round_trip_and_tamper(void)
{
	check_sk_cipher(IKE_CRYPTO_ENCR_AES_CBC, 128, IKE_CRYPTO_INTEG_HMAC_SHA1_96);
	check_sk_cipher(IKE_CRYPTO_ENCR_AES_CBC, 192, IKE_CRYPTO_INTEG_HMAC_SHA2_384_192);
	check_sk_cipher(IKE_CRYPTO_ENCR_AES_CBC, 256, IKE_CRYPTO_INTEG_HMAC_SHA2_256_128);
	check_sk_cipher(IKE_CRYPTO_ENCR_AES_GCM_16, 128, IKE_CRYPTO_INTEG_NONE);
	check_sk_cipher(IKE_CRYPTO_ENCR_AES_GCM_16, 256, IKE_CRYPTO_INTEG_NONE);
}

/* The SK layout against independent computations: for GCM the body is IV | GCM(salt|IV, AAD =
 * header, plaintext | pad length 0) | tag; for CBC the ICV is the truncated HMAC over header |
 * IV | ciphertext and the padding makes whole blocks with the pad length last. */
static void test_sk_layout(void)
{
	struct ike_sa_keys k = make_keys(IKE_CRYPTO_ENCR_AES_GCM_16, 128, IKE_CRYPTO_INTEG_NONE);
	struct ike_sk_cipher c = ike_sk_cipher_for(&k, true);
	size_t len;
	uint8_t *m = seal_msg(&c, 10, &len);
	CU_ASSERT_EQUAL(len, HDR_LEN + 8 + 10 + 1 + 16);
	uint8_t pt[11], tag[16];
	for (int i = 0; i < 10; i++)
		pt[i] = (uint8_t)(i ^ 0x5a);
	pt[10] = 0;
	struct ike_crypto_buf aad = { m, HDR_LEN };
	CU_ASSERT_TRUE(ike_crypto_gcm_seal(k.sk_ei, 16, k.sk_ei + 16, m + HDR_LEN, aad, pt, sizeof pt, tag));
	CU_ASSERT_EQUAL(memcmp(m + HDR_LEN + 8, pt, sizeof pt), 0);
	CU_ASSERT_EQUAL(memcmp(m + HDR_LEN + 8 + 11, tag, 16), 0);
	g_free(m);

	k = make_keys(IKE_CRYPTO_ENCR_AES_CBC, 128, IKE_CRYPTO_INTEG_HMAC_SHA2_256_128);
	c = ike_sk_cipher_for(&k, false);
	m = seal_msg(&c, 10, &len);
	CU_ASSERT_EQUAL(len, HDR_LEN + 16 + 16 + 16);
	uint8_t icv[16];
	struct ike_crypto_buf covered = { m, len - 16 };
	CU_ASSERT_TRUE(ike_integ_icv(IKE_CRYPTO_INTEG_HMAC_SHA2_256_128, k.sk_ar, &covered, 1, icv));
	CU_ASSERT_EQUAL(memcmp(m + len - 16, icv, 16), 0);
	size_t off, plen;
	CU_ASSERT_EQUAL(ike_sk_open(&c, m, HDR_LEN, len - HDR_LEN, &off, &plen), IKE_SKV_OK);
	CU_ASSERT_EQUAL(m[HDR_LEN + 16 + 15], 5); /* 10 bytes + 5 padding + pad length = one block */
	g_free(m);
	ike_sa_keys_clear(&k);
}

/* A body whose (authentic) pad length claims more than was encrypted is refused. */
static void test_sk_bad_padding(void)
{
	struct ike_sa_keys k = make_keys(IKE_CRYPTO_ENCR_AES_GCM_16, 128, IKE_CRYPTO_INTEG_NONE);
	struct ike_sk_cipher c = ike_sk_cipher_for(&k, true);
	uint8_t m[HDR_LEN + 8 + 3 + 16] = { 0 };
	uint8_t iv[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	memcpy(m + HDR_LEN, iv, 8);
	m[HDR_LEN + 8 + 2] = 9; /* pad length 9 but only 3 bytes encrypted */
	struct ike_crypto_buf aad = { m, HDR_LEN };
	CU_ASSERT_TRUE(ike_crypto_gcm_seal(k.sk_ei, 16, k.sk_ei + 16, iv, aad, m + HDR_LEN + 8, 3, m + HDR_LEN + 11));
	size_t off, plen;
	CU_ASSERT_EQUAL(ike_sk_open(&c, m, HDR_LEN, sizeof m - HDR_LEN, &off, &plen), IKE_SKV_BAD_PADDING);
	ike_sa_keys_clear(&k);
}

/* ---- PSK AUTH ---------------------------------------------------------------------------- */

/* No published vector exists; what matters is that both ends compute the same value from the
 * same inputs and that every input changes it (RFC 7296 §2.15). */
static void test_psk_auth(void)
{
	struct ike_sa_keys k = make_keys(IKE_CRYPTO_ENCR_AES_CBC, 256, IKE_CRYPTO_INTEG_HMAC_SHA2_256_128);
	const uint16_t prf = IKE_CRYPTO_PRF_HMAC_SHA2_256;
	uint8_t msg[200], nonce_r[32], id_i[12] = { 1, 0, 0, 0, 192, 0, 2, 1 }; /* ID_IPV4_ADDR 192.0.2.1 */
	for (size_t i = 0; i < sizeof msg; i++)
		msg[i] = (uint8_t)i;
	memset(nonce_r, 0x99, sizeof nonce_r);
	struct ike_crypto_buf psk = { (const uint8_t *)"azure-shared-key", 16 };
	struct ike_crypto_buf skp = { k.sk_pi, k.prf_len }, m = { msg, sizeof msg }, n = { nonce_r, sizeof nonce_r };
	struct ike_crypto_buf id = { id_i, 8 };

	/* initiator builds, responder (with the same view of the exchange) verifies */
	GByteArray *so = g_byte_array_new();
	CU_ASSERT_TRUE_FATAL(ike_auth_signed_octets(prf, skp, m, n, id, so));
	CU_ASSERT_EQUAL(so->len, sizeof msg + sizeof nonce_r + 32);
	uint8_t maced[32];
	CU_ASSERT_TRUE(ike_prf(prf, k.sk_pi, k.prf_len, &id, 1, maced));
	CU_ASSERT_EQUAL(memcmp(so->data + sizeof msg + sizeof nonce_r, maced, 32), 0);
	uint8_t auth[32];
	CU_ASSERT_TRUE_FATAL(ike_psk_auth(prf, psk, bufof(so), auth));
	CU_ASSERT_TRUE(ike_psk_auth_verify(prf, psk, bufof(so), auth, sizeof auth));
	/* AUTH = prf(prf(PSK, "Key Pad for IKEv2"), octets), spelled out */
	uint8_t inner[32], outer[32];
	struct ike_crypto_buf pad = { (const uint8_t *)"Key Pad for IKEv2", 17 };
	CU_ASSERT_TRUE(ike_prf(prf, psk.ptr, psk.len, &pad, 1, inner));
	struct ike_crypto_buf sob = bufof(so);
	CU_ASSERT_TRUE(ike_prf(prf, inner, 32, &sob, 1, outer));
	CU_ASSERT_EQUAL(memcmp(auth, outer, 32), 0);

	/* every input matters */
	struct ike_crypto_buf other_psk = { (const uint8_t *)"azure-shared-kex", 16 };
	CU_ASSERT_FALSE(ike_psk_auth_verify(prf, other_psk, bufof(so), auth, sizeof auth));
	CU_ASSERT_FALSE(ike_psk_auth_verify(prf, psk, bufof(so), auth, sizeof auth - 1));
	uint8_t bad[32];
	memcpy(bad, auth, 32);
	bad[31] ^= 0x80;
	CU_ASSERT_FALSE(ike_psk_auth_verify(prf, psk, bufof(so), bad, sizeof bad));
	struct {
		uint8_t *p;
		size_t i;
	} flips[] = { { msg, 0 }, { msg, sizeof msg - 1 }, { nonce_r, 5 }, { id_i, 0 }, { id_i, 7 }, { k.sk_pi, 3 } };
	for (size_t j = 0; j < G_N_ELEMENTS(flips); j++) {
		flips[j].p[flips[j].i] ^= 0x01;
		GByteArray *so2 = g_byte_array_new();
		CU_ASSERT_TRUE(ike_auth_signed_octets(prf, skp, m, n, id, so2));
		CU_ASSERT_FALSE(ike_psk_auth_verify(prf, psk, bufof(so2), auth, sizeof auth));
		g_byte_array_unref(so2);
		flips[j].p[flips[j].i] ^= 0x01;
	}
	/* the responder's AUTH (its own SK_pr) differs from the initiator's */
	GByteArray *so_r = g_byte_array_new();
	struct ike_crypto_buf skr = { k.sk_pr, k.prf_len };
	CU_ASSERT_TRUE(ike_auth_signed_octets(prf, skr, m, n, id, so_r));
	CU_ASSERT_FALSE(ike_psk_auth_verify(prf, psk, bufof(so_r), auth, sizeof auth));
	g_byte_array_unref(so_r);
	g_byte_array_unref(so);
	ike_sa_keys_clear(&k);
}

/* ---- Wireshark --------------------------------------------------------------------------- */

static void test_wireshark_row(void)
{
	uint8_t spi_i[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	uint8_t spi_r[8] = { 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10 };
	struct ike_sa_keys k;
	memset(&k, 0, sizeof k);
	k.xf = (struct ike_transforms){ IKE_CRYPTO_ENCR_AES_CBC, 128, IKE_CRYPTO_PRF_HMAC_SHA1,
					IKE_CRYPTO_INTEG_HMAC_SHA1_96 };
	k.encr_key_len = 16;
	k.integ_key_len = 20;
	memset(k.sk_ei, 0x11, 16);
	memset(k.sk_er, 0x22, 16);
	memset(k.sk_ai, 0x33, 20);
	memset(k.sk_ar, 0x44, 20);
	char *row = ike_wireshark_ikev2_row(spi_i, spi_r, &k);
	CU_ASSERT_STRING_EQUAL(row, "0123456789abcdef,fedcba9876543210,"
				    "11111111111111111111111111111111,22222222222222222222222222222222,"
				    "\"AES-CBC-128 [RFC3602]\","
				    "3333333333333333333333333333333333333333,"
				    "4444444444444444444444444444444444444444,"
				    "\"HMAC_SHA1_96 [RFC2404]\"");
	g_free(row);

	k.xf = (struct ike_transforms){ IKE_CRYPTO_ENCR_AES_GCM_16, 256, IKE_CRYPTO_PRF_HMAC_SHA2_384,
					IKE_CRYPTO_INTEG_NONE };
	k.encr_key_len = 36;
	k.integ_key_len = 0;
	memset(k.sk_ei, 0xab, 36);
	memset(k.sk_er, 0xcd, 36);
	row = ike_wireshark_ikev2_row(spi_i, spi_r, &k);
	GString *want = g_string_new("0123456789abcdef,fedcba9876543210,");
	for (int i = 0; i < 36; i++)
		g_string_append(want, "ab");
	g_string_append(want, ",");
	for (int i = 0; i < 36; i++)
		g_string_append(want, "cd");
	g_string_append(want, ",\"AES-GCM-256 with 16 octet ICV [RFC5282]\",,,\"NONE [RFC4306]\"");
	CU_ASSERT_STRING_EQUAL(row, want->str);
	g_string_free(want, TRUE);
	g_free(row);

	k.xf = (struct ike_transforms){ IKE_CRYPTO_ENCR_AES_CBC, 256, IKE_CRYPTO_PRF_HMAC_SHA2_256,
					IKE_CRYPTO_INTEG_HMAC_SHA2_256_128 };
	k.encr_key_len = 32;
	k.integ_key_len = 32;
	row = ike_wireshark_ikev2_row(spi_i, spi_r, &k);
	CU_ASSERT_PTR_NOT_NULL(strstr(row, ",\"AES-CBC-256 [RFC3602]\","));
	CU_ASSERT_TRUE(g_str_has_suffix(row, ",\"HMAC_SHA2_256_128 [RFC4868]\""));
	g_free(row);
	k.xf.integ = IKE_CRYPTO_INTEG_HMAC_SHA2_384_192;
	row = ike_wireshark_ikev2_row(spi_i, spi_r, &k);
	CU_ASSERT_TRUE(g_str_has_suffix(row, ",\"HMAC_SHA2_384_192 [RFC4868]\""));
	g_free(row);
	k.xf.encr = 13; /* AES-CTR: not ours */
	CU_ASSERT_PTR_NULL(ike_wireshark_ikev2_row(spi_i, spi_r, &k));
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "prf_rfc2202_rfc4231", test_prf_rfc4231 },
		{ "prf_and_icv_rfc4868", test_prf_and_icv_rfc4868 },
		{ "prf_plus_vector", test_prf_plus_vector },
		{ "cavp_ikev2_kdf", test_cavp_ikev2_kdf },
		{ "sa_keys_split", test_sa_keys_split },
		{ "sa_keys_rekey", test_sa_keys_rekey },
		{ "child_keys_split", test_child_keys_split },
		{ "gcm_known_answers", test_gcm_known_answers },
		{ "sk_round_trip_and_tamper", test_sk_round_trip_and_tamper },
		{ "sk_layout", test_sk_layout },
		{ "sk_bad_padding", test_sk_bad_padding },
		{ "psk_auth", test_psk_auth },
		{ "wireshark_row", test_wireshark_row },
		{ NULL, NULL },
	};
	return cu_run("ike_crypto", tests);
}
