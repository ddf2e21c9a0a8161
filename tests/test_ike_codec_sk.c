/* test_ike_codec_sk.c: the seam between the codec and IKE crypto (ike_crypto.h): an IKE_AUTH built
 * with ike_build_sk(), sealed in place with ike_sk_seal(), parsed, opened with ike_sk_open() at the
 * codec's body offset, and its inner chain parsed by ike_payloads_parse(); the header is covered
 * by the ICV; and tshark, given the Wireshark key row, decrypts and dissects what we sealed. */
#include "models/ipsec/ike_codec.h"
#include "models/ipsec/ike_crypto.h"
#include "sim/pcap.h"
#include "tests/cu.h"
#include "tests/ike_codec_samples.h"

#include <glib/gstdio.h>
#include <string.h>

static void spi_bytes(uint64_t spi, uint8_t out[8])
{
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(spi >> (56 - 8 * i));
}

/* Keys of an IKE SA between the samples' SPIs, from fixed nonces and g^ir. */
static void derive(uint16_t encr, uint16_t key_bits, uint16_t integ, struct ike_sa_keys *k)
{
	uint8_t ni[32], nr[32], gir[256], skeyseed[IKE_CRYPTO_MAX_PRF_LEN], spi_i[8], spi_r[8];
	sample_fill(ni, sizeof(ni), 101);
	sample_fill(nr, sizeof(nr), 102);
	sample_fill(gir, sizeof(gir), 103);
	spi_bytes(SAMPLE_SPI_I, spi_i);
	spi_bytes(SAMPLE_SPI_R, spi_r);
	struct ike_transforms xf = { .encr = encr, .encr_key_bits = key_bits, .prf = IKE_PRF_HMAC_SHA2_256,
				     .integ = integ };
	struct ike_crypto_buf bni = { ni, sizeof(ni) }, bnr = { nr, sizeof(nr) }, bg = { gir, sizeof(gir) };
	g_assert_true(ike_skeyseed(xf.prf, bni, bnr, bg, skeyseed));
	g_assert_true(ike_sa_keys_derive(&xf, skeyseed, bni, bnr, spi_i, spi_r, k));
}

/* The sample IKE_AUTH request, its inner chain sealed for c. *aad_len gets the body offset. */
static GByteArray *sealed_ike_auth(const struct ike_sk_cipher *c, size_t *aad_len)
{
	struct ike_hdr h = { .spi_i = SAMPLE_SPI_I, .spi_r = SAMPLE_SPI_R, .major = 2, .exchange = IKE_EXCH_IKE_AUTH,
			     .flags = IKE_FLAG_INITIATOR, .msg_id = 1 };
	uint8_t first, iv[16];
	GByteArray *inner = sample_ike_auth_inner(&first);
	struct ike_builder b;
	ike_builder_init(&b, &h);
	g_assert_true(ike_build_sk(&b, first, ike_sk_body_len(c, inner->len), aad_len));
	GByteArray *m = ike_build_finish(&b);
	memcpy(m->data + *aad_len + ike_sk_iv_len(c), inner->data, inner->len);
	sample_fill(iv, sizeof(iv), 104);
	CU_ASSERT_EQUAL(ike_sk_seal(c, iv, m->data, *aad_len, inner->len), IKE_SKV_OK);
	g_byte_array_unref(inner);
	return m;
}

static void check_round_trip(uint16_t encr, uint16_t key_bits, uint16_t integ)
{
	struct ike_sa_keys k;
	derive(encr, key_bits, integ, &k);
	struct ike_sk_cipher c = ike_sk_cipher_for(&k, true);
	size_t aad_len;
	GByteArray *m = sealed_ike_auth(&c, &aad_len);
	struct ike_msg msg;
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(m->data, m->len, 65535, &msg), IKE_PARSE_OK);
	CU_ASSERT_EQUAL_FATAL(msg.pls.sk_index, 0);
	struct ike_pl_sk sk = msg.pls.pl[0].u.sk;
	CU_ASSERT_EQUAL(sk.body_off, aad_len);
	CU_ASSERT_EQUAL(sk.body.len, m->len - aad_len);
	struct ike_payload_list in;
	size_t pt_off, pt_len;
	CU_ASSERT_EQUAL_FATAL(ike_sk_open(&c, m->data, sk.body_off, sk.body.len, &pt_off, &pt_len), IKE_SKV_OK);
	CU_ASSERT_EQUAL_FATAL(ike_payloads_parse(sk.inner_first, m->data + pt_off, pt_len, &in), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(in.n, 7);
	CU_ASSERT_EQUAL(in.pl[0].type, IKE_PL_IDI);
	CU_ASSERT_EQUAL(in.pl[6].type, IKE_PL_TSR);
	CU_ASSERT_EQUAL(in.pl[3].u.cp.cfg_type, IKE_CFG_REQUEST);
	g_byte_array_unref(m);

	/* the AAD is the whole header through the SK header: a changed flag byte or next-payload
	 * field still parses, but no longer opens */
	static const size_t tamper[] = { 19, 23, IKE_HDR_LEN };
	for (size_t i = 0; i < G_N_ELEMENTS(tamper); i++) {
		m = sealed_ike_auth(&c, &aad_len);
		m->data[tamper[i]] ^= 0x01;
		CU_ASSERT_EQUAL(ike_msg_parse(m->data, m->len, 65535, &msg), IKE_PARSE_OK);
		CU_ASSERT_EQUAL(ike_sk_open(&c, m->data, aad_len, m->len - aad_len, &pt_off, &pt_len),
				IKE_SKV_ICV_MISMATCH);
		g_byte_array_unref(m);
	}
	ike_sa_keys_clear(&k);
}

static void test_cbc_sha256(void)
{
	check_round_trip(IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128);
}

static void test_gcm16(void)
{
	check_round_trip(IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE);
}

/* tshark 4.0 reads the UAT's byte fields (SPIs, keys) as bare hex: "0123..." in quotes is taken as
 * a 16-character string and rejected ("Length of Initiator's SPI must be 8 octets"). The row from
 * ike_wireshark_ikev2_row() quotes them, so unquote every field that is hex digits only. */
static gchar *unquote_hex_fields(const char *row)
{
	gchar **f = g_strsplit(row, ",", -1);
	for (gchar **p = f; *p; p++) {
		size_t n = strlen(*p);
		if (n < 2 || (*p)[0] != '"' || (*p)[n - 1] != '"')
			continue;
		bool hex = true;
		for (size_t i = 1; i + 1 < n; i++)
			hex = hex && g_ascii_isxdigit((*p)[i]);
		if (hex) {
			memmove(*p, *p + 1, n - 2);
			(*p)[n - 2] = '\0';
		}
	}
	gchar *out = g_strjoinv(",", f);
	g_strfreev(f);
	return out;
}

/* tshark decrypts the sealed message with the exported key row and finds the inner payloads. */
static void check_tshark(uint16_t encr, uint16_t key_bits, uint16_t integ)
{
	const char *tshark_bin = g_getenv("TSHARK");
	if (!tshark_bin || !*tshark_bin) {
		printf("(TSHARK empty: not run) ");
		return;
	}
	struct ike_sa_keys k;
	derive(encr, key_bits, integ, &k);
	struct ike_sk_cipher c = ike_sk_cipher_for(&k, true);
	size_t aad_len;
	GByteArray *m = sealed_ike_auth(&c, &aad_len);
	GError *err = NULL;
	gchar *dir = g_dir_make_tmp("ike_codec_sk_XXXXXX", &err);
	g_assert_no_error(err);
	gchar *path = g_build_filename(dir, "sk.pcap", NULL);
	struct sim_pcap *pc = sim_pcap_open(path, &err);
	g_assert_no_error(err);
	GByteArray *pkt = sample_ipv4_udp(m, 500);
	sim_pcap_write(pc, 0, pkt->data, pkt->len);
	g_assert_true(sim_pcap_close(pc, &err));
	uint8_t spi_i[8], spi_r[8];
	spi_bytes(SAMPLE_SPI_I, spi_i);
	spi_bytes(SAMPLE_SPI_R, spi_r);
	char *row = ike_wireshark_ikev2_row(spi_i, spi_r, &k);
	CU_ASSERT_PTR_NOT_NULL_FATAL(row);
	gchar *bare = unquote_hex_fields(row);
	gchar *uat = g_strdup_printf("uat:ikev2_decryption_table:%s", bare);
	g_free(bare);
	const char *argv[] = { tshark_bin, "-n", "-r", path, "-o", uat, "-T", "fields", "-e", "isakmp.id.data.fqdn",
			       "-e", "isakmp.cfg.type", "-e", "isakmp.ts.end_ipv4", "-e", "_ws.malformed", "-e",
			       "_ws.expert.severity", NULL };
	gchar *out = NULL;
	gint status = -1;
	CU_ASSERT_TRUE(g_spawn_sync(NULL, (gchar **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
				    &status, NULL));
	CU_ASSERT_TRUE(g_spawn_check_wait_status(status, NULL));
	/* no malformed marker and no expert info of any severity */
	const char *want = "client1.example.net\t1\t255.255.255.255,10.1.255.255\t\t\n";
	CU_ASSERT_STRING_EQUAL(out ? out : "", want);
	if (out && strcmp(out, want) != 0)
		printf("\ntshark '%s'\nwant   '%s'\n", out, want);
	g_free(out);
	g_free(uat);
	g_free(row);
	g_byte_array_unref(pkt);
	g_byte_array_unref(m);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
	ike_sa_keys_clear(&k);
}

static void test_tshark_cbc(void)
{
	check_tshark(IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128);
}

static void test_tshark_gcm(void)
{
	check_tshark(IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "build, seal, parse, open, parse inner: AES-CBC-256 + SHA2-256", test_cbc_sha256 },
		{ "build, seal, parse, open, parse inner: AES-GCM-16-256", test_gcm16 },
		{ "tshark decrypts and dissects: AES-CBC-256", test_tshark_cbc },
		{ "tshark decrypts and dissects: AES-GCM-16-128", test_tshark_gcm },
		{ NULL, NULL },
	};
	return cu_run("ike_codec_sk", tests);
}
