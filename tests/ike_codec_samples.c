/* ike_codec_samples.c: sample IKEv2 messages built with the codec (see ike_codec_samples.h). */
#include "tests/ike_codec_samples.h"

#include <string.h>

void sample_fill(uint8_t *buf, size_t len, unsigned seed)
{
	uint32_t x = seed * 2654435761u + 1;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
}

static size_t ke_len(uint16_t group)
{
	switch (group) {
	case IKE_DH_MODP2048:
		return 256;
	case IKE_DH_ECP256:
		return 64;
	case IKE_DH_CURVE25519:
		return 32;
	default:
		return 128;
	}
}

static void add_ke_nonce(struct ike_builder *b, uint16_t group, unsigned seed)
{
	uint8_t ke[256], nonce[32];
	size_t klen = ke_len(group);
	sample_fill(ke, klen, seed);
	sample_fill(nonce, sizeof(nonce), seed + 1);
	ike_build_ke(b, group, ke, klen);
	ike_build_nonce(b, nonce, sizeof(nonce));
}

static void add_natd(struct ike_builder *b, unsigned seed)
{
	uint8_t h[20];
	sample_fill(h, sizeof(h), seed);
	ike_build_notify(b, IKE_PROTO_NONE, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	sample_fill(h, sizeof(h), seed + 1);
	ike_build_notify(b, IKE_PROTO_NONE, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
}

GByteArray *sample_sa_init_request(uint16_t dh_group)
{
	struct ike_hdr h = { .spi_i = SAMPLE_SPI_I, .major = 2, .exchange = IKE_EXCH_IKE_SA_INIT,
			     .flags = IKE_FLAG_INITIATOR };
	/* AEAD: no INTEG transform (RFC 5282 §8) */
	const struct ike_transform_spec aead[] = {
		{ IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256 }, { IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 128 },
		{ IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0 },  { IKE_XF_PRF, IKE_PRF_HMAC_SHA2_384, 0 },
		{ IKE_XF_DH, dh_group, 0 },		   { IKE_XF_DH, IKE_DH_CURVE25519, 0 },
	};
	const struct ike_transform_spec cbc[] = {
		{ IKE_XF_ENCR, IKE_ENCR_AES_CBC, 256 },
		{ IKE_XF_ENCR, IKE_ENCR_AES_CBC, 128 },
		{ IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0 },
		{ IKE_XF_INTEG, IKE_INTEG_HMAC_SHA1_96, 0 },
		{ IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0 },
		{ IKE_XF_PRF, IKE_PRF_HMAC_SHA1, 0 },
		{ IKE_XF_DH, dh_group, 0 },
		{ IKE_XF_DH, IKE_DH_MODP1024, 0 },
	};
	const struct ike_proposal_spec props[] = {
		{ .num = 1, .protocol = IKE_PROTO_IKE, .n_transforms = G_N_ELEMENTS(aead), .transforms = aead },
		{ .num = 2, .protocol = IKE_PROTO_IKE, .n_transforms = G_N_ELEMENTS(cbc), .transforms = cbc },
	};
	static const uint8_t sig_hashes[] = { 0, IKE_HASH_SHA2_256, 0, IKE_HASH_SHA2_384, 0, IKE_HASH_SHA2_512,
					      0, IKE_HASH_IDENTITY };
	struct ike_builder b;
	ike_builder_init(&b, &h);
	ike_build_sa(&b, props, G_N_ELEMENTS(props));
	add_ke_nonce(&b, dh_group, 10);
	add_natd(&b, 20);
	ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, sig_hashes,
			 sizeof(sig_hashes));
	ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_REDIRECT_SUPPORTED, NULL, 0);
	return ike_build_finish(&b);
}

GByteArray *sample_sa_init_response(uint16_t dh_group)
{
	struct ike_hdr h = { .spi_i = SAMPLE_SPI_I, .spi_r = SAMPLE_SPI_R, .major = 2,
			     .exchange = IKE_EXCH_IKE_SA_INIT, .flags = IKE_FLAG_RESPONSE };
	const struct ike_transform_spec xf[] = {
		{ IKE_XF_ENCR, IKE_ENCR_AES_CBC, 256 },
		{ IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0 },
		{ IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0 },
		{ IKE_XF_DH, dh_group, 0 },
	};
	const struct ike_proposal_spec prop = { .num = 2, .protocol = IKE_PROTO_IKE,
						.n_transforms = G_N_ELEMENTS(xf), .transforms = xf };
	/* "MS NT5 ISAKMPOAKLEY" with version 9, as Windows-based gateways send */
	static const uint8_t ms_vid[] = { 0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d, 0x7c, 0x96,
					  0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61, 0x00, 0x00, 0x00, 0x09 };
	uint8_t ca_hashes[2 * IKE_CERTREQ_HASH_LEN];
	sample_fill(ca_hashes, sizeof(ca_hashes), 30);
	struct ike_builder b;
	ike_builder_init(&b, &h);
	ike_build_sa(&b, &prop, 1);
	add_ke_nonce(&b, dh_group, 40);
	ike_build_vendor(&b, ms_vid, sizeof(ms_vid));
	add_natd(&b, 50);
	ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	ike_build_cert(&b, IKE_PL_CERTREQ, IKE_CERT_X509_SIGNATURE, ca_hashes, sizeof(ca_hashes));
	return ike_build_finish(&b);
}

/* IDi, AUTH, N(INITIAL_CONTACT), CP request, SA for ESP, TSi, TSr. */
static void add_ike_auth_payloads(struct ike_builder *b)
{
	static const char fqdn[] = "client1.example.net";
	uint8_t auth[32];
	sample_fill(auth, sizeof(auth), 60);
	const struct ike_cp_attr_spec cp[] = {
		{ IKE_CP_INTERNAL_IP4_ADDRESS, NULL, 0 },
		{ IKE_CP_INTERNAL_IP4_DNS, NULL, 0 },
		{ IKE_CP_INTERNAL_IP6_ADDRESS, NULL, 0 },
	};
	static const uint8_t esp_spi[4] = { 0xc1, 0x00, 0x00, 0x01 };
	const struct ike_transform_spec esp_xf[] = {
		{ IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256 },
		{ IKE_XF_ESN, IKE_ESN_NO, 0 },
	};
	const struct ike_proposal_spec esp = { .num = 1, .protocol = IKE_PROTO_ESP, .spi_size = 4, .spi = esp_spi,
					       .n_transforms = G_N_ELEMENTS(esp_xf), .transforms = esp_xf };
	struct ike_ts tsi[2] = { { .type = IKE_TS_IPV4_ADDR_RANGE, .end_port = 0xffff, .addr_len = 4,
				   .end_addr = { 255, 255, 255, 255 } },
				 { .type = IKE_TS_IPV6_ADDR_RANGE, .end_port = 0xffff, .addr_len = 16 } };
	memset(tsi[1].end_addr, 0xff, 16);
	struct ike_ts tsr = { .type = IKE_TS_IPV4_ADDR_RANGE, .ip_proto = 17, .start_port = 500, .end_port = 500,
			      .addr_len = 4, .start_addr = { 10, 1, 0, 0 }, .end_addr = { 10, 1, 255, 255 } };
	ike_build_id(b, IKE_PL_IDI, IKE_ID_FQDN, (const uint8_t *)fqdn, strlen(fqdn));
	ike_build_auth(b, IKE_AUTH_SHARED_KEY_MIC, auth, sizeof(auth));
	ike_build_notify(b, IKE_PROTO_NONE, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	ike_build_cp(b, IKE_CFG_REQUEST, cp, G_N_ELEMENTS(cp));
	ike_build_sa(b, &esp, 1);
	ike_build_ts(b, IKE_PL_TSI, tsi, 2);
	ike_build_ts(b, IKE_PL_TSR, &tsr, 1);
}

GByteArray *sample_ike_auth_inner(uint8_t *first_type)
{
	struct ike_builder b;
	ike_builder_init_inner(&b);
	add_ike_auth_payloads(&b);
	return ike_build_finish_inner(&b, first_type);
}

/* A message with hdr whose SK body is inner (plaintext in place of ciphertext). */
static GByteArray *wrap_sk(const struct ike_hdr *h, GByteArray *inner, uint8_t first, size_t *body_off)
{
	struct ike_builder b;
	size_t off;
	ike_builder_init(&b, h);
	ike_build_sk(&b, first, inner->len, &off);
	GByteArray *m = ike_build_finish(&b);
	memcpy(m->data + off, inner->data, inner->len);
	g_byte_array_unref(inner);
	if (body_off)
		*body_off = off;
	return m;
}

GByteArray *sample_ike_auth_request(size_t *body_off)
{
	struct ike_hdr h = { .spi_i = SAMPLE_SPI_I, .spi_r = SAMPLE_SPI_R, .major = 2, .exchange = IKE_EXCH_IKE_AUTH,
			     .flags = IKE_FLAG_INITIATOR, .msg_id = 1 };
	uint8_t first;
	GByteArray *inner = sample_ike_auth_inner(&first);
	return wrap_sk(&h, inner, first, body_off);
}

GByteArray *sample_informational_delete(void)
{
	struct ike_hdr h = { .spi_i = SAMPLE_SPI_I, .spi_r = SAMPLE_SPI_R, .major = 2,
			     .exchange = IKE_EXCH_INFORMATIONAL, .flags = IKE_FLAG_INITIATOR, .msg_id = 7 };
	static const uint8_t spis[8] = { 0xc1, 0, 0, 1, 0xc1, 0, 0, 2 };
	struct ike_builder b;
	uint8_t first;
	ike_builder_init_inner(&b);
	ike_build_delete(&b, IKE_PROTO_ESP, 4, spis, 2);
	ike_build_delete(&b, IKE_PROTO_IKE, 0, NULL, 0);
	GByteArray *inner = ike_build_finish_inner(&b, &first);
	return wrap_sk(&h, inner, first, NULL);
}

/* A self-signed ECDSA P-256 certificate for CN=vpnsim-test (made with openssl req -x509; DER). */
static const uint8_t test_cert[] = {
	0x30, 0x82, 0x01, 0x82, 0x30, 0x82, 0x01, 0x27, 0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x14, 0x28,
	0x14, 0x69, 0xb6, 0x23, 0xc0, 0xc2, 0x96, 0x25, 0xbb, 0xb8, 0x24, 0x90, 0x49, 0x6a, 0x37, 0x55,
	0x98, 0xf5, 0xa7, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x30,
	0x16, 0x31, 0x14, 0x30, 0x12, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x0b, 0x76, 0x70, 0x6e, 0x73,
	0x69, 0x6d, 0x2d, 0x74, 0x65, 0x73, 0x74, 0x30, 0x1e, 0x17, 0x0d, 0x32, 0x36, 0x31, 0x31, 0x32,
	0x35, 0x30, 0x31, 0x32, 0x39, 0x32, 0x34, 0x5a, 0x17, 0x0d, 0x33, 0x36, 0x31, 0x31, 0x32, 0x32,
	0x30, 0x31, 0x32, 0x39, 0x32, 0x34, 0x5a, 0x30, 0x16, 0x31, 0x14, 0x30, 0x12, 0x06, 0x03, 0x55,
	0x04, 0x03, 0x0c, 0x0b, 0x76, 0x70, 0x6e, 0x73, 0x69, 0x6d, 0x2d, 0x74, 0x65, 0x73, 0x74, 0x30,
	0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86,
	0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x08, 0xc5, 0x77, 0x0d, 0x2d, 0x62,
	0x59, 0xc5, 0x45, 0x28, 0x15, 0x01, 0x95, 0xd8, 0xae, 0x06, 0xd3, 0xab, 0x5a, 0x3b, 0x28, 0x7d,
	0x80, 0x02, 0xe3, 0x79, 0x5b, 0x6b, 0x84, 0x32, 0x78, 0xb6, 0xd5, 0x40, 0x2f, 0xc8, 0x84, 0xaa,
	0xff, 0x87, 0xfe, 0xf5, 0xab, 0xe3, 0x34, 0x2e, 0x4b, 0x8e, 0x8d, 0x58, 0x3c, 0xaa, 0x7e, 0x22,
	0x61, 0xd9, 0x85, 0x40, 0x55, 0xb0, 0x2a, 0x4c, 0xcc, 0x82, 0xa3, 0x53, 0x30, 0x51, 0x30, 0x1d,
	0x06, 0x03, 0x55, 0x1d, 0x0e, 0x04, 0x16, 0x04, 0x14, 0x15, 0x9b, 0x3f, 0x09, 0x89, 0xae, 0x2b,
	0x53, 0xf5, 0x54, 0xc6, 0xfb, 0xda, 0x8f, 0x5e, 0x31, 0xc8, 0x7b, 0xe5, 0x3f, 0x30, 0x1f, 0x06,
	0x03, 0x55, 0x1d, 0x23, 0x04, 0x18, 0x30, 0x16, 0x80, 0x14, 0x15, 0x9b, 0x3f, 0x09, 0x89, 0xae,
	0x2b, 0x53, 0xf5, 0x54, 0xc6, 0xfb, 0xda, 0x8f, 0x5e, 0x31, 0xc8, 0x7b, 0xe5, 0x3f, 0x30, 0x0f,
	0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff, 0x04, 0x05, 0x30, 0x03, 0x01, 0x01, 0xff, 0x30,
	0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x03, 0x49, 0x00, 0x30, 0x46,
	0x02, 0x21, 0x00, 0xac, 0x21, 0x3e, 0x2d, 0x10, 0x85, 0x90, 0x4e, 0xcf, 0x1d, 0x31, 0x05, 0x56,
	0x2e, 0xc9, 0x3e, 0xd8, 0xdb, 0x02, 0x7f, 0x8c, 0x8c, 0x58, 0xba, 0xa6, 0x8e, 0x05, 0xc2, 0x6b,
	0x1b, 0xf2, 0x91, 0x02, 0x21, 0x00, 0xcc, 0x83, 0x11, 0x3a, 0x03, 0x15, 0xff, 0xbb, 0x72, 0x2e,
	0x3e, 0xd3, 0x62, 0x6e, 0xcf, 0x30, 0xcb, 0xe7, 0xde, 0x19, 0x4c, 0xfa, 0xbc, 0xb3, 0x10, 0x30,
	0xb2, 0x0d, 0x1c, 0xc1, 0xbe, 0xca,
};

GByteArray *sample_cleartext_payloads(void)
{
	struct ike_hdr h = { .spi_i = SAMPLE_SPI_I, .spi_r = SAMPLE_SPI_R, .major = 2,
			     .exchange = IKE_EXCH_INFORMATIONAL, .flags = IKE_FLAG_RESPONSE, .msg_id = 9 };
	static const uint8_t eap_identity_request[] = { 1, 1, 0, 5, 1 };
	static const uint8_t rekey_spi[4] = { 0xc1, 0, 0, 9 }, del_spis[8] = { 0xc1, 0, 0, 1, 0xc1, 0, 0, 2 };
	static const uint8_t ip[4] = { 10, 99, 0, 7 }, mask[4] = { 255, 255, 255, 0 }, dns[4] = { 10, 0, 0, 53 };
	const struct ike_cp_attr_spec cp[] = {
		{ IKE_CP_INTERNAL_IP4_ADDRESS, ip, 4 },
		{ IKE_CP_INTERNAL_IP4_NETMASK, mask, 4 },
		{ IKE_CP_INTERNAL_IP4_DNS, dns, 4 },
	};
	struct ike_builder b;
	ike_builder_init(&b, &h);
	add_ike_auth_payloads(&b); /* in the clear, then one of every other payload */
	ike_build_cert(&b, IKE_PL_CERT, IKE_CERT_X509_SIGNATURE, test_cert, sizeof(test_cert));
	ike_build_notify(&b, IKE_PROTO_ESP, rekey_spi, 4, IKE_N_REKEY_SA, NULL, 0);
	ike_build_cp(&b, IKE_CFG_REPLY, cp, G_N_ELEMENTS(cp));
	ike_build_delete(&b, IKE_PROTO_ESP, 4, del_spis, 2);
	ike_build_delete(&b, IKE_PROTO_IKE, 0, NULL, 0);
	ike_build_vendor(&b, (const uint8_t *)"vpnsim", 6);
	ike_build_eap(&b, eap_identity_request, sizeof(eap_identity_request));
	return ike_build_finish(&b);
}

GByteArray *sample_skf_fragment(uint16_t frag_num)
{
	struct ike_hdr h = { .spi_i = SAMPLE_SPI_I, .spi_r = SAMPLE_SPI_R, .major = 2, .exchange = IKE_EXCH_IKE_AUTH,
			     .flags = IKE_FLAG_RESPONSE, .msg_id = 1 };
	struct ike_builder b;
	size_t off;
	ike_builder_init(&b, &h);
	ike_build_skf(&b, frag_num == 1 ? IKE_PL_IDR : IKE_PL_NONE, frag_num, 3, 100, &off);
	GByteArray *m = ike_build_finish(&b);
	sample_fill(m->data + off, 100, 70 + frag_num);
	return m;
}

/* IKE_SA_INIT request from the ipsec-parser project's test data (rusticata/ipsec-parser,
 * tests/ikev2.rs), captured on UDP 4500 with its 4-byte non-ESP marker: four IKE proposals
 * (AES-GCM-16/PRF-SHA2-256 and AES-CTR/SHA2-256-128, each with brainpoolP256r1 and ECP-256),
 * KE group 28 (64 bytes), Ni (32 bytes). */
const uint8_t sample_captured_sa_init[] = {
	0x00, 0x00, 0x00, 0x00, 0xbc, 0xa1, 0x93, 0x7a, 0x7c, 0x2f, 0xf5, 0xb9, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x21, 0x20, 0x22, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x2c,
	0x22, 0x00, 0x00, 0xa4, 0x02, 0x00, 0x00, 0x24, 0x01, 0x01, 0x00, 0x03, 0x03, 0x00, 0x00, 0x0c,
	0x01, 0x00, 0x00, 0x14, 0x80, 0x0e, 0x00, 0x80, 0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05,
	0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x1c, 0x02, 0x00, 0x00, 0x24, 0x02, 0x01, 0x00, 0x03,
	0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x14, 0x80, 0x0e, 0x00, 0x80, 0x03, 0x00, 0x00, 0x08,
	0x02, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x13, 0x02, 0x00, 0x00, 0x2c,
	0x03, 0x01, 0x00, 0x04, 0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x0d, 0x80, 0x0e, 0x00, 0x80,
	0x03, 0x00, 0x00, 0x08, 0x03, 0x00, 0x00, 0x0c, 0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05,
	0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x00, 0x2c, 0x04, 0x01, 0x00, 0x04,
	0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x0d, 0x80, 0x0e, 0x00, 0x80, 0x03, 0x00, 0x00, 0x08,
	0x03, 0x00, 0x00, 0x0c, 0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x08,
	0x04, 0x00, 0x00, 0x13, 0x28, 0x00, 0x00, 0x48, 0x00, 0x1c, 0x00, 0x00, 0x4d, 0x23, 0xb8, 0xf2,
	0x2c, 0x03, 0xae, 0x3a, 0xb4, 0x0a, 0xf9, 0xfa, 0x76, 0xc2, 0x3c, 0x7b, 0xa6, 0xc5, 0x69, 0x81,
	0xe1, 0x3c, 0x32, 0xfb, 0xc3, 0x69, 0x54, 0xc8, 0x7a, 0x96, 0xcb, 0xfa, 0x34, 0x63, 0x7c, 0x6f,
	0x31, 0xb6, 0x50, 0xce, 0x5d, 0x87, 0x17, 0x00, 0x5c, 0xe7, 0x93, 0xc2, 0xee, 0xaf, 0xf1, 0xc5,
	0x66, 0x28, 0x08, 0x11, 0xd9, 0x42, 0xd1, 0xb8, 0xe8, 0x02, 0x68, 0xbb, 0x00, 0x00, 0x00, 0x24,
	0x99, 0xe2, 0xa3, 0x73, 0xcc, 0x44, 0xad, 0x10, 0xfb, 0x78, 0xdd, 0xa2, 0x52, 0x06, 0xa4, 0xa9,
	0xb7, 0x55, 0x8e, 0x0d, 0x82, 0x69, 0x79, 0x9c, 0x68, 0x00, 0x36, 0x2c, 0x46, 0xa0, 0xbf, 0x7b,
};

const size_t sample_captured_sa_init_len = sizeof(sample_captured_sa_init);

/* Wraps an IKE message in IPv4/UDP; with port 4500 a non-ESP marker precedes it. */
GByteArray *sample_ipv4_udp(const GByteArray *ike, uint16_t port)
{
	size_t marker = port == 4500 ? 4 : 0;
	size_t udp_len = 8 + marker + ike->len, ip_len = 20 + udp_len;
	uint8_t h[32] = { 0x45, 0, (uint8_t)(ip_len >> 8), (uint8_t)ip_len, 0, 1, 0x40, 0, 64, 17, 0, 0,
			  192, 0, 2, 1, 198, 51, 100, 1 };
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	h[10] = (uint8_t)(~sum >> 8);
	h[11] = (uint8_t)~sum;
	uint8_t *u = h + 20;
	u[0] = u[2] = (uint8_t)(port >> 8);
	u[1] = u[3] = (uint8_t)port;
	u[4] = (uint8_t)(udp_len >> 8);
	u[5] = (uint8_t)udp_len;
	u[6] = u[7] = 0; /* no UDP checksum (IPv4) */
	GByteArray *p = g_byte_array_new();
	g_byte_array_append(p, h, 28);
	g_byte_array_append(p, (const uint8_t *)"\0\0\0\0", (guint)marker);
	g_byte_array_append(p, ike->data, ike->len);
	return p;
}

GPtrArray *sample_all(void)
{
	GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
	g_ptr_array_add(all, sample_sa_init_request(IKE_DH_MODP2048));
	g_ptr_array_add(all, sample_sa_init_request(IKE_DH_ECP256));
	g_ptr_array_add(all, sample_sa_init_response(IKE_DH_MODP2048));
	g_ptr_array_add(all, sample_sa_init_response(IKE_DH_ECP256));
	g_ptr_array_add(all, sample_ike_auth_request(NULL));
	g_ptr_array_add(all, sample_informational_delete());
	g_ptr_array_add(all, sample_skf_fragment(1));
	g_ptr_array_add(all, sample_skf_fragment(3));
	g_ptr_array_add(all, sample_cleartext_payloads());
	GByteArray *cap = g_byte_array_new();
	g_byte_array_append(cap, sample_captured_sa_init + 4, (guint)sample_captured_sa_init_len - 4);
	g_ptr_array_add(all, cap);
	return all;
}
