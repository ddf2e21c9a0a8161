/* test_ike_codec.c: the IKEv2 codec: round trips of every payload and of whole messages as
 * strongSwan and Azure send them, a captured IKE_SA_INIT request, and every rejection verdict. */
#include "models/ipsec/ike_codec.h"
#include "tests/cu.h"
#include "tests/ike_codec_samples.h"

#include <string.h>

#define MAX_LEN 65535

static enum ike_parse_verdict parse(const GByteArray *m, struct ike_msg *out)
{
	return ike_msg_parse(m->data, m->len, MAX_LEN, out);
}

static struct ike_hdr req_hdr(uint8_t exchange)
{
	struct ike_hdr h = { .spi_i = SAMPLE_SPI_I, .spi_r = SAMPLE_SPI_R, .major = 2, .exchange = exchange,
			     .flags = IKE_FLAG_INITIATOR, .msg_id = 3 };
	return h;
}

/* A message holding one payload of type with the given body. */
static GByteArray *msg_raw(uint8_t type, bool critical, const uint8_t *body, size_t len)
{
	struct ike_hdr h = req_hdr(IKE_EXCH_INFORMATIONAL);
	struct ike_builder b;
	ike_builder_init(&b, &h);
	ike_build_raw(&b, type, critical, body, len);
	return ike_build_finish(&b);
}

static enum ike_parse_verdict verdict_raw(uint8_t type, const uint8_t *body, size_t len)
{
	struct ike_msg m;
	GByteArray *a = msg_raw(type, false, body, len);
	enum ike_parse_verdict v = parse(a, &m);
	g_byte_array_unref(a);
	return v;
}

static bool rbuf_eq(struct ike_rbuf r, const void *p, size_t len)
{
	return r.len == len && (len == 0 || memcmp(r.p, p, len) == 0);
}

/* ---- round trips ---- */

static void test_header_round_trip(void)
{
	struct ike_hdr h = { .spi_i = UINT64_C(0x8000000000000001), .spi_r = UINT64_C(0x00000000ffffffff),
			     .major = 2, .minor = 1, .exchange = IKE_EXCH_CREATE_CHILD_SA,
			     .flags = IKE_FLAG_RESPONSE | IKE_FLAG_VERSION, .msg_id = 0xfffffffe };
	struct ike_builder b;
	ike_builder_init(&b, &h);
	GByteArray *a = ike_build_finish(&b);
	CU_ASSERT_EQUAL_FATAL(a->len, IKE_HDR_LEN);
	/* byte layout of RFC 7296 §3.1 */
	CU_ASSERT_EQUAL(a->data[0], 0x80);
	CU_ASSERT_EQUAL(a->data[15], 0xff);
	CU_ASSERT_EQUAL(a->data[16], IKE_PL_NONE);
	CU_ASSERT_EQUAL(a->data[17], 0x21);
	CU_ASSERT_EQUAL(a->data[18], 36);
	CU_ASSERT_EQUAL(a->data[19], 0x30);
	CU_ASSERT_EQUAL(a->data[27], 28);
	struct ike_msg m;
	CU_ASSERT_EQUAL_FATAL(parse(a, &m), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(m.hdr.spi_i, h.spi_i);
	CU_ASSERT_EQUAL(m.hdr.spi_r, h.spi_r);
	CU_ASSERT_EQUAL(m.hdr.major, 2);
	CU_ASSERT_EQUAL(m.hdr.minor, 1);
	CU_ASSERT_EQUAL(m.hdr.exchange, IKE_EXCH_CREATE_CHILD_SA);
	CU_ASSERT_EQUAL(m.hdr.flags, IKE_FLAG_RESPONSE | IKE_FLAG_VERSION);
	CU_ASSERT_EQUAL(m.hdr.msg_id, 0xfffffffe);
	CU_ASSERT_EQUAL(m.hdr.length, IKE_HDR_LEN);
	CU_ASSERT_EQUAL(m.pls.n, 0);
	CU_ASSERT_EQUAL(m.pls.sk_index, -1);
	g_byte_array_unref(a);
}

/* Checks the SA of sample_sa_init_request(): an AEAD proposal without INTEG, then CBC. */
static void check_request_sa(const struct ike_pl_sa *sa, uint16_t group)
{
	CU_ASSERT_EQUAL_FATAL(sa->n_proposals, 2);
	struct ike_rbuf pc = sa->proposals, tc;
	struct ike_proposal p;
	struct ike_transform t;
	CU_ASSERT_TRUE_FATAL(ike_sa_next_proposal(&pc, &p));
	CU_ASSERT_EQUAL(p.num, 1);
	CU_ASSERT_EQUAL(p.protocol, IKE_PROTO_IKE);
	CU_ASSERT_EQUAL(p.spi.len, 0);
	CU_ASSERT_EQUAL(p.n_transforms, 6);
	static const uint8_t types[6] = { IKE_XF_ENCR, IKE_XF_ENCR, IKE_XF_PRF, IKE_XF_PRF, IKE_XF_DH, IKE_XF_DH };
	const uint16_t ids[6] = { IKE_ENCR_AES_GCM_16, IKE_ENCR_AES_GCM_16, IKE_PRF_HMAC_SHA2_256,
				  IKE_PRF_HMAC_SHA2_384, group, IKE_DH_CURVE25519 };
	static const uint16_t keylens[6] = { 256, 128, 0, 0, 0, 0 };
	tc = p.transforms;
	for (int i = 0; i < 6; i++) {
		CU_ASSERT_TRUE_FATAL(ike_proposal_next_transform(&tc, &t));
		CU_ASSERT_EQUAL(t.type, types[i]);
		CU_ASSERT_EQUAL(t.id, ids[i]);
		CU_ASSERT_EQUAL(t.key_len_bits, keylens[i]);
		CU_ASSERT_FALSE(t.unknown_attr);
		CU_ASSERT_NOT_EQUAL(t.type, IKE_XF_INTEG);
	}
	CU_ASSERT_FALSE(ike_proposal_next_transform(&tc, &t));
	CU_ASSERT_TRUE_FATAL(ike_sa_next_proposal(&pc, &p));
	CU_ASSERT_EQUAL(p.num, 2);
	CU_ASSERT_EQUAL(p.n_transforms, 8);
	tc = p.transforms;
	unsigned n = 0, integ = 0;
	while (ike_proposal_next_transform(&tc, &t)) {
		n++;
		integ += t.type == IKE_XF_INTEG;
	}
	CU_ASSERT_EQUAL(n, 8);
	CU_ASSERT_EQUAL(integ, 2);
	CU_ASSERT_FALSE(ike_sa_next_proposal(&pc, &p));
}

static void check_sa_init_request(uint16_t group, size_t ke_len)
{
	GByteArray *a = sample_sa_init_request(group);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	struct ike_msg m;
	CU_ASSERT_EQUAL_FATAL(parse(a, &m), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(m.hdr.exchange, IKE_EXCH_IKE_SA_INIT);
	CU_ASSERT_EQUAL(m.hdr.flags, IKE_FLAG_INITIATOR);
	CU_ASSERT_EQUAL(m.hdr.spi_r, 0);
	CU_ASSERT_EQUAL(m.hdr.length, a->len);
	static const uint8_t order[] = { IKE_PL_SA, IKE_PL_KE, IKE_PL_NONCE, IKE_PL_NOTIFY,
					 IKE_PL_NOTIFY, IKE_PL_NOTIFY, IKE_PL_NOTIFY, IKE_PL_NOTIFY };
	CU_ASSERT_EQUAL_FATAL(m.pls.n, sizeof(order));
	for (size_t i = 0; i < sizeof(order); i++)
		CU_ASSERT_EQUAL(m.pls.pl[i].type, order[i]);
	CU_ASSERT_EQUAL(m.hdr.next_payload, IKE_PL_SA);
	check_request_sa(&m.pls.pl[0].u.sa, group);
	CU_ASSERT_EQUAL(m.pls.pl[1].u.ke.group, group);
	CU_ASSERT_EQUAL(m.pls.pl[1].u.ke.data.len, ke_len);
	CU_ASSERT_EQUAL(m.pls.pl[1].raw.len, 8 + ke_len);
	CU_ASSERT_EQUAL(m.pls.pl[2].u.typed.data.len, 32);
	const struct ike_pl_notify *n = ike_notify_find(&m.pls, IKE_N_NAT_DETECTION_SOURCE_IP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(n->data.len, 20);
	CU_ASSERT_EQUAL(n->spi.len, 0);
	CU_ASSERT_EQUAL(n->protocol, IKE_PROTO_NONE);
	n = ike_notify_find(&m.pls, IKE_N_NAT_DETECTION_DESTINATION_IP);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(n->data.len, 20);
	n = ike_notify_find(&m.pls, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(n->data.len, 0);
	n = ike_notify_find(&m.pls, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	static const uint8_t hashes[] = { 0, 2, 0, 3, 0, 4, 0, 5 };
	CU_ASSERT_TRUE(rbuf_eq(n->data, hashes, sizeof(hashes)));
	CU_ASSERT_PTR_NOT_NULL(ike_notify_find(&m.pls, IKE_N_REDIRECT_SUPPORTED));
	CU_ASSERT_PTR_NULL(ike_notify_find(&m.pls, IKE_N_COOKIE));
	/* the last payload ends the chain and the message */
	CU_ASSERT_EQUAL(m.pls.pl[7].raw.p + m.pls.pl[7].raw.len, a->data + a->len);
	CU_ASSERT_EQUAL(m.pls.pl[7].raw.p[0], IKE_PL_NONE);
	g_byte_array_unref(a);
}

static void test_sa_init_request_modp2048(void)
{
	check_sa_init_request(IKE_DH_MODP2048, 256);
}

static void test_sa_init_request_ecp256(void)
{
	check_sa_init_request(IKE_DH_ECP256, 64);
}

static void check_sa_init_response(uint16_t group, size_t ke_len)
{
	GByteArray *a = sample_sa_init_response(group);
	struct ike_msg m;
	CU_ASSERT_EQUAL_FATAL(parse(a, &m), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(m.hdr.flags, IKE_FLAG_RESPONSE);
	CU_ASSERT_EQUAL(m.hdr.spi_r, SAMPLE_SPI_R);
	CU_ASSERT_EQUAL_FATAL(m.pls.n, 8);
	CU_ASSERT_EQUAL(m.pls.pl[0].u.sa.n_proposals, 1);
	struct ike_rbuf pc = m.pls.pl[0].u.sa.proposals;
	struct ike_proposal p;
	CU_ASSERT_TRUE_FATAL(ike_sa_next_proposal(&pc, &p));
	CU_ASSERT_EQUAL(p.num, 2); /* the accepted proposal keeps its number */
	CU_ASSERT_EQUAL(p.n_transforms, 4);
	CU_ASSERT_EQUAL(m.pls.pl[1].u.ke.group, group);
	CU_ASSERT_EQUAL(m.pls.pl[1].u.ke.data.len, ke_len);
	int v = ike_payload_find(&m.pls, IKE_PL_VENDOR, 0);
	CU_ASSERT_EQUAL_FATAL(v, 3);
	CU_ASSERT_EQUAL(m.pls.pl[v].u.typed.data.len, 20);
	CU_ASSERT_EQUAL(m.pls.pl[v].u.typed.data.p[0], 0x1e);
	int cr = ike_payload_find(&m.pls, IKE_PL_CERTREQ, 0);
	CU_ASSERT_EQUAL_FATAL(cr, 7);
	CU_ASSERT_EQUAL(m.pls.pl[cr].u.typed.kind, IKE_CERT_X509_SIGNATURE);
	CU_ASSERT_EQUAL(m.pls.pl[cr].u.typed.data.len, 40);
	CU_ASSERT_EQUAL(ike_payload_find(&m.pls, IKE_PL_CERTREQ, 8), -1);
	g_byte_array_unref(a);
}

static void test_sa_init_response_modp2048(void)
{
	check_sa_init_response(IKE_DH_MODP2048, 256);
}

static void test_sa_init_response_ecp256(void)
{
	check_sa_init_response(IKE_DH_ECP256, 64);
}

static void test_ike_auth_sk_and_inner(void)
{
	size_t body_off;
	GByteArray *a = sample_ike_auth_request(&body_off);
	struct ike_msg m;
	CU_ASSERT_EQUAL_FATAL(parse(a, &m), IKE_PARSE_OK);
	CU_ASSERT_EQUAL_FATAL(m.pls.n, 1);
	CU_ASSERT_EQUAL(m.pls.sk_index, 0);
	const struct ike_pl_sk *sk = &m.pls.pl[0].u.sk;
	CU_ASSERT_FALSE(sk->fragment);
	CU_ASSERT_EQUAL(sk->inner_first, IKE_PL_IDI);
	CU_ASSERT_EQUAL(body_off, IKE_HDR_LEN + IKE_GENERIC_HDR_LEN);
	CU_ASSERT_EQUAL(sk->body_off, body_off);
	CU_ASSERT_EQUAL(sk->body.p, a->data + body_off);
	CU_ASSERT_EQUAL(sk->body.len, a->len - body_off);
	/* the AAD (header through SK header) carries the final length */
	CU_ASSERT_EQUAL(((size_t)a->data[26] << 8 | a->data[27]), a->len);

	struct ike_payload_list in;
	CU_ASSERT_EQUAL_FATAL(ike_payloads_parse(sk->inner_first, sk->body.p, sk->body.len, &in), IKE_PARSE_OK);
	static const uint8_t order[] = { IKE_PL_IDI, IKE_PL_AUTH, IKE_PL_NOTIFY, IKE_PL_CP,
					 IKE_PL_SA,  IKE_PL_TSI,  IKE_PL_TSR };
	CU_ASSERT_EQUAL_FATAL(in.n, sizeof(order));
	for (size_t i = 0; i < sizeof(order); i++)
		CU_ASSERT_EQUAL(in.pl[i].type, order[i]);
	CU_ASSERT_EQUAL(in.pl[0].u.typed.kind, IKE_ID_FQDN);
	CU_ASSERT_TRUE(rbuf_eq(in.pl[0].u.typed.data, "client1.example.net", 19));
	CU_ASSERT_EQUAL(in.pl[1].u.typed.kind, IKE_AUTH_SHARED_KEY_MIC);
	CU_ASSERT_EQUAL(in.pl[1].u.typed.data.len, 32);
	CU_ASSERT_EQUAL(in.pl[2].u.notify.type, IKE_N_INITIAL_CONTACT);

	const struct ike_pl_cp *cp = &in.pl[3].u.cp;
	CU_ASSERT_EQUAL(cp->cfg_type, IKE_CFG_REQUEST);
	CU_ASSERT_EQUAL(cp->n_attrs, 3);
	struct ike_rbuf c = cp->attrs;
	struct ike_cp_attr at;
	static const uint16_t at_types[] = { IKE_CP_INTERNAL_IP4_ADDRESS, IKE_CP_INTERNAL_IP4_DNS,
					     IKE_CP_INTERNAL_IP6_ADDRESS };
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_TRUE_FATAL(ike_cp_next_attr(&c, &at));
		CU_ASSERT_EQUAL(at.type, at_types[i]);
		CU_ASSERT_EQUAL(at.value.len, 0);
	}
	CU_ASSERT_FALSE(ike_cp_next_attr(&c, &at));

	struct ike_rbuf pc = in.pl[4].u.sa.proposals;
	struct ike_proposal p;
	CU_ASSERT_TRUE_FATAL(ike_sa_next_proposal(&pc, &p));
	CU_ASSERT_EQUAL(p.protocol, IKE_PROTO_ESP);
	static const uint8_t spi[4] = { 0xc1, 0, 0, 1 };
	CU_ASSERT_TRUE(rbuf_eq(p.spi, spi, 4));
	struct ike_transform t;
	struct ike_rbuf tc = p.transforms;
	CU_ASSERT_TRUE(ike_proposal_next_transform(&tc, &t));
	CU_ASSERT_EQUAL(t.key_len_bits, 256);
	CU_ASSERT_TRUE(ike_proposal_next_transform(&tc, &t));
	CU_ASSERT_EQUAL(t.type, IKE_XF_ESN);
	CU_ASSERT_EQUAL(t.id, IKE_ESN_NO);

	const struct ike_pl_ts *tsi = &in.pl[5].u.ts;
	CU_ASSERT_EQUAL(tsi->n_ts, 2);
	struct ike_rbuf sc = tsi->selectors;
	struct ike_ts ts;
	CU_ASSERT_TRUE_FATAL(ike_ts_next(&sc, &ts));
	CU_ASSERT_EQUAL(ts.type, IKE_TS_IPV4_ADDR_RANGE);
	CU_ASSERT_EQUAL(ts.addr_len, 4);
	CU_ASSERT_EQUAL(ts.start_port, 0);
	CU_ASSERT_EQUAL(ts.end_port, 0xffff);
	CU_ASSERT_EQUAL(ts.end_addr[3], 255);
	CU_ASSERT_EQUAL(ts.raw.len, IKE_TS_IPV4_LEN);
	CU_ASSERT_TRUE_FATAL(ike_ts_next(&sc, &ts));
	CU_ASSERT_EQUAL(ts.type, IKE_TS_IPV6_ADDR_RANGE);
	CU_ASSERT_EQUAL(ts.addr_len, 16);
	CU_ASSERT_EQUAL(ts.raw.len, IKE_TS_IPV6_LEN);
	CU_ASSERT_EQUAL(ts.end_addr[15], 0xff);
	CU_ASSERT_FALSE(ike_ts_next(&sc, &ts));
	sc = in.pl[6].u.ts.selectors;
	CU_ASSERT_TRUE_FATAL(ike_ts_next(&sc, &ts));
	CU_ASSERT_EQUAL(ts.ip_proto, 17);
	CU_ASSERT_EQUAL(ts.start_port, 500);
	CU_ASSERT_EQUAL(ts.end_port, 500);
	static const uint8_t s[4] = { 10, 1, 0, 0 }, e[4] = { 10, 1, 255, 255 };
	CU_ASSERT_EQUAL(memcmp(ts.start_addr, s, 4), 0);
	CU_ASSERT_EQUAL(memcmp(ts.end_addr, e, 4), 0);
	g_byte_array_unref(a);
}

static void test_delete_round_trip(void)
{
	GByteArray *a = sample_informational_delete();
	struct ike_msg m;
	CU_ASSERT_EQUAL_FATAL(parse(a, &m), IKE_PARSE_OK);
	const struct ike_pl_sk *sk = &m.pls.pl[m.pls.sk_index].u.sk;
	struct ike_payload_list in;
	CU_ASSERT_EQUAL_FATAL(ike_payloads_parse(sk->inner_first, sk->body.p, sk->body.len, &in), IKE_PARSE_OK);
	CU_ASSERT_EQUAL_FATAL(in.n, 2);
	const struct ike_pl_delete *d = &in.pl[0].u.del;
	CU_ASSERT_EQUAL(d->protocol, IKE_PROTO_ESP);
	CU_ASSERT_EQUAL(d->spi_size, 4);
	CU_ASSERT_EQUAL(d->n_spis, 2);
	CU_ASSERT_EQUAL(d->spis.len, 8);
	CU_ASSERT_EQUAL(d->spis.p[4 * 1 + 3], 2);
	d = &in.pl[1].u.del;
	CU_ASSERT_EQUAL(d->protocol, IKE_PROTO_IKE);
	CU_ASSERT_EQUAL(d->n_spis, 0);
	CU_ASSERT_EQUAL(d->spis.len, 0);
	g_byte_array_unref(a);
}

static void test_skf_round_trip(void)
{
	for (uint16_t k = 1; k <= 3; k++) {
		GByteArray *a = sample_skf_fragment(k);
		struct ike_msg m;
		CU_ASSERT_EQUAL_FATAL(parse(a, &m), IKE_PARSE_OK);
		CU_ASSERT_EQUAL_FATAL(m.pls.sk_index, 0);
		const struct ike_pl_sk *sk = &m.pls.pl[0].u.sk;
		CU_ASSERT_TRUE(sk->fragment);
		CU_ASSERT_EQUAL(m.pls.pl[0].type, IKE_PL_SKF);
		CU_ASSERT_EQUAL(sk->frag_num, k);
		CU_ASSERT_EQUAL(sk->frag_total, 3);
		CU_ASSERT_EQUAL(sk->inner_first, k == 1 ? IKE_PL_IDR : IKE_PL_NONE);
		/* RFC 7383 §2.5.3: the AAD includes the fragment number and total */
		CU_ASSERT_EQUAL(sk->body_off, IKE_HDR_LEN + IKE_GENERIC_HDR_LEN + 4);
		CU_ASSERT_EQUAL(sk->body.len, 100);
		g_byte_array_unref(a);
	}
}

/* Every payload builder once, parsed back field by field. */
static void test_each_payload_round_trip(void)
{
	struct ike_hdr h = req_hdr(IKE_EXCH_CREATE_CHILD_SA);
	uint8_t ke[32], nonce[IKE_NONCE_MAX_LEN], cert[300], eap[8], spi[4] = { 1, 2, 3, 4 }, auth[64];
	sample_fill(ke, sizeof(ke), 1);
	sample_fill(nonce, sizeof(nonce), 2);
	sample_fill(cert, sizeof(cert), 3);
	sample_fill(eap, sizeof(eap), 4);
	sample_fill(auth, sizeof(auth), 5);
	static const uint8_t ip[4] = { 192, 0, 2, 7 }, mask[4] = { 255, 255, 255, 0 };
	const struct ike_cp_attr_spec cp[] = {
		{ IKE_CP_INTERNAL_IP4_ADDRESS, ip, 4 },
		{ IKE_CP_INTERNAL_IP4_NETMASK, mask, 4 },
		{ IKE_CP_INTERNAL_IP4_DNS, ip, 4 },
		{ IKE_CP_APPLICATION_VERSION, (const uint8_t *)"vpnsim", 6 },
	};
	struct ike_ts ts = { .type = IKE_TS_IPV4_ADDR_RANGE, .ip_proto = 6, .start_port = 1, .end_port = 2,
			     .addr_len = 4, .start_addr = { 1, 2, 3, 4 }, .end_addr = { 5, 6, 7, 8 } };
	static const uint8_t opaque_ts[8] = { IKE_TS_SECLABEL, 0, 0, 8, 's', 'e', 'c', 0 };
	struct ike_ts ts2 = { .type = IKE_TS_SECLABEL, .raw = { opaque_ts, sizeof(opaque_ts) } };
	struct ike_ts both[2] = { ts, ts2 };
	static const uint8_t unknown_body[3] = { 9, 9, 9 };

	struct ike_builder b;
	ike_builder_init(&b, &h);
	CU_ASSERT_TRUE(ike_build_notify(&b, IKE_PROTO_ESP, spi, 4, IKE_N_REKEY_SA, NULL, 0));
	CU_ASSERT_TRUE(ike_build_ke(&b, IKE_DH_CURVE25519, ke, sizeof(ke)));
	CU_ASSERT_TRUE(ike_build_nonce(&b, nonce, sizeof(nonce)));
	CU_ASSERT_TRUE(ike_build_id(&b, IKE_PL_IDR, IKE_ID_IPV4_ADDR, ip, 4));
	CU_ASSERT_TRUE(ike_build_cert(&b, IKE_PL_CERT, IKE_CERT_X509_SIGNATURE, cert, sizeof(cert)));
	CU_ASSERT_TRUE(ike_build_cert(&b, IKE_PL_CERTREQ, IKE_CERT_X509_SIGNATURE, NULL, 0));
	CU_ASSERT_TRUE(ike_build_auth(&b, IKE_AUTH_DIGITAL_SIGNATURE, auth, sizeof(auth)));
	CU_ASSERT_TRUE(ike_build_raw(&b, 200, false, unknown_body, sizeof(unknown_body)));
	CU_ASSERT_TRUE(ike_build_cp(&b, IKE_CFG_REPLY, cp, G_N_ELEMENTS(cp)));
	CU_ASSERT_TRUE(ike_build_ts(&b, IKE_PL_TSI, both, 2));
	CU_ASSERT_TRUE(ike_build_delete(&b, IKE_PROTO_ESP, 4, spi, 1));
	CU_ASSERT_TRUE(ike_build_vendor(&b, (const uint8_t *)"strongSwan", 10));
	CU_ASSERT_TRUE(ike_build_eap(&b, eap, sizeof(eap)));
	GByteArray *a = ike_build_finish(&b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);

	struct ike_msg m;
	CU_ASSERT_EQUAL_FATAL(parse(a, &m), IKE_PARSE_OK);
	CU_ASSERT_EQUAL_FATAL(m.pls.n, 12);
	CU_ASSERT_EQUAL(m.pls.n_skipped, 1); /* the unknown non-critical payload 200 */
	const struct ike_payload *p = m.pls.pl;
	CU_ASSERT_EQUAL(p[0].type, IKE_PL_NOTIFY);
	CU_ASSERT_EQUAL(p[0].u.notify.protocol, IKE_PROTO_ESP);
	CU_ASSERT_TRUE(rbuf_eq(p[0].u.notify.spi, spi, 4));
	CU_ASSERT_EQUAL(p[0].u.notify.type, IKE_N_REKEY_SA);
	CU_ASSERT_EQUAL(p[0].u.notify.data.len, 0);
	CU_ASSERT_EQUAL(p[1].u.ke.group, IKE_DH_CURVE25519);
	CU_ASSERT_TRUE(rbuf_eq(p[1].u.ke.data, ke, sizeof(ke)));
	CU_ASSERT_TRUE(rbuf_eq(p[2].u.typed.data, nonce, sizeof(nonce)));
	CU_ASSERT_EQUAL(p[3].type, IKE_PL_IDR);
	CU_ASSERT_EQUAL(p[3].u.typed.kind, IKE_ID_IPV4_ADDR);
	CU_ASSERT_TRUE(rbuf_eq(p[3].u.typed.data, ip, 4));
	CU_ASSERT_EQUAL(p[4].type, IKE_PL_CERT);
	CU_ASSERT_TRUE(rbuf_eq(p[4].u.typed.data, cert, sizeof(cert)));
	CU_ASSERT_EQUAL(p[5].type, IKE_PL_CERTREQ);
	CU_ASSERT_EQUAL(p[5].u.typed.data.len, 0);
	CU_ASSERT_EQUAL(p[6].u.typed.kind, IKE_AUTH_DIGITAL_SIGNATURE);
	CU_ASSERT_TRUE(rbuf_eq(p[6].u.typed.data, auth, sizeof(auth)));
	CU_ASSERT_EQUAL(p[7].type, IKE_PL_CP);
	CU_ASSERT_EQUAL(p[7].u.cp.cfg_type, IKE_CFG_REPLY);
	CU_ASSERT_EQUAL(p[7].u.cp.n_attrs, 4);
	struct ike_rbuf c = p[7].u.cp.attrs;
	struct ike_cp_attr at;
	CU_ASSERT_TRUE(ike_cp_next_attr(&c, &at));
	CU_ASSERT_EQUAL(at.type, IKE_CP_INTERNAL_IP4_ADDRESS);
	CU_ASSERT_TRUE(rbuf_eq(at.value, ip, 4));
	CU_ASSERT_TRUE(ike_cp_next_attr(&c, &at));
	CU_ASSERT_TRUE(rbuf_eq(at.value, mask, 4));
	CU_ASSERT_TRUE(ike_cp_next_attr(&c, &at));
	CU_ASSERT_TRUE(ike_cp_next_attr(&c, &at));
	CU_ASSERT_TRUE(rbuf_eq(at.value, "vpnsim", 6));
	CU_ASSERT_FALSE(ike_cp_next_attr(&c, &at));
	CU_ASSERT_EQUAL(p[8].type, IKE_PL_TSI);
	struct ike_rbuf sc = p[8].u.ts.selectors;
	struct ike_ts got;
	CU_ASSERT_TRUE(ike_ts_next(&sc, &got));
	CU_ASSERT_EQUAL(got.ip_proto, 6);
	CU_ASSERT_EQUAL(got.start_port, 1);
	CU_ASSERT_EQUAL(got.end_port, 2);
	CU_ASSERT_EQUAL(memcmp(got.start_addr, ts.start_addr, 4), 0);
	CU_ASSERT_EQUAL(memcmp(got.end_addr, ts.end_addr, 4), 0);
	CU_ASSERT_TRUE(ike_ts_next(&sc, &got));
	CU_ASSERT_EQUAL(got.type, IKE_TS_SECLABEL);
	CU_ASSERT_EQUAL(got.addr_len, 0);
	CU_ASSERT_TRUE(rbuf_eq(got.raw, opaque_ts, sizeof(opaque_ts)));
	CU_ASSERT_EQUAL(p[9].u.del.n_spis, 1);
	CU_ASSERT_TRUE(rbuf_eq(p[9].u.del.spis, spi, 4));
	CU_ASSERT_EQUAL(p[10].type, IKE_PL_VENDOR);
	CU_ASSERT_TRUE(rbuf_eq(p[10].u.typed.data, "strongSwan", 10));
	CU_ASSERT_EQUAL(p[11].type, IKE_PL_EAP);
	CU_ASSERT_TRUE(rbuf_eq(p[11].u.typed.data, eap, sizeof(eap)));
	g_byte_array_unref(a);
}

static void test_captured_sa_init(void)
{
	const uint8_t *msg = sample_captured_sa_init + 4; /* strip the non-ESP marker */
	size_t len = sample_captured_sa_init_len - 4;
	struct ike_msg m;
	CU_ASSERT_EQUAL_FATAL(ike_msg_parse(msg, len, MAX_LEN, &m), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(m.hdr.spi_i, UINT64_C(0xbca1937a7c2ff5b9));
	CU_ASSERT_EQUAL(m.hdr.spi_r, 0);
	CU_ASSERT_EQUAL(m.hdr.exchange, IKE_EXCH_IKE_SA_INIT);
	CU_ASSERT_EQUAL(m.hdr.flags, IKE_FLAG_INITIATOR);
	CU_ASSERT_EQUAL(m.hdr.length, 300);
	CU_ASSERT_EQUAL_FATAL(m.pls.n, 3);
	CU_ASSERT_EQUAL(m.pls.pl[0].type, IKE_PL_SA);
	CU_ASSERT_EQUAL(m.pls.pl[1].type, IKE_PL_KE);
	CU_ASSERT_EQUAL(m.pls.pl[2].type, IKE_PL_NONCE);
	CU_ASSERT_EQUAL(m.pls.pl[1].u.ke.group, IKE_DH_BRAINPOOL_P256);
	CU_ASSERT_EQUAL(m.pls.pl[1].u.ke.data.len, 64);
	CU_ASSERT_EQUAL(m.pls.pl[2].u.typed.data.len, 32);

	/* rebuild it from what was parsed: the builder must reproduce the capture byte for byte */
	static const uint8_t want_ntf[4] = { 3, 3, 4, 4 };
	struct ike_transform_spec xf[4][8];
	struct ike_proposal_spec props[4];
	struct ike_rbuf pc = m.pls.pl[0].u.sa.proposals;
	struct ike_proposal p;
	unsigned np = 0;
	CU_ASSERT_EQUAL_FATAL(m.pls.pl[0].u.sa.n_proposals, 4);
	while (ike_sa_next_proposal(&pc, &p)) {
		CU_ASSERT_EQUAL_FATAL(p.n_transforms, want_ntf[np]);
		struct ike_rbuf tc = p.transforms;
		struct ike_transform t;
		unsigned nt = 0;
		while (ike_proposal_next_transform(&tc, &t)) {
			xf[np][nt] = (struct ike_transform_spec){ t.type, t.id, t.key_len_bits };
			nt++;
		}
		props[np] = (struct ike_proposal_spec){ .num = p.num, .protocol = p.protocol,
							.n_transforms = nt, .transforms = xf[np] };
		np++;
	}
	CU_ASSERT_EQUAL(xf[0][0].id, IKE_ENCR_AES_GCM_16);
	CU_ASSERT_EQUAL(xf[0][0].key_len_bits, 128);
	CU_ASSERT_EQUAL(xf[1][2].id, IKE_DH_ECP256);
	CU_ASSERT_EQUAL(xf[2][0].id, IKE_ENCR_AES_CTR);
	CU_ASSERT_EQUAL(xf[2][1].type, IKE_XF_INTEG);
	CU_ASSERT_EQUAL(xf[2][1].id, IKE_INTEG_HMAC_SHA2_256_128);

	struct ike_builder b;
	ike_builder_init(&b, &m.hdr);
	ike_build_sa(&b, props, np);
	ike_build_ke(&b, m.pls.pl[1].u.ke.group, m.pls.pl[1].u.ke.data.p, m.pls.pl[1].u.ke.data.len);
	ike_build_nonce(&b, m.pls.pl[2].u.typed.data.p, m.pls.pl[2].u.typed.data.len);
	GByteArray *a = ike_build_finish(&b);
	CU_ASSERT_EQUAL_FATAL(a->len, len);
	CU_ASSERT_EQUAL(memcmp(a->data, msg, len), 0);
	g_byte_array_unref(a);
}

/* ---- rejections ---- */

static void test_reject_header(void)
{
	GByteArray *a = sample_sa_init_request(IKE_DH_ECP256);
	struct ike_msg m;
	CU_ASSERT_EQUAL(ike_msg_parse(a->data, 0, MAX_LEN, &m), IKE_PARSE_TRUNCATED_HEADER);
	CU_ASSERT_EQUAL(ike_msg_parse(a->data, IKE_HDR_LEN - 1, MAX_LEN, &m), IKE_PARSE_TRUNCATED_HEADER);
	CU_ASSERT_EQUAL(ike_msg_parse(a->data, a->len, a->len - 1, &m), IKE_PARSE_TOO_LONG);
	CU_ASSERT_EQUAL(ike_msg_parse(a->data, a->len, a->len, &m), IKE_PARSE_OK);
	/* a datagram shorter or longer than the header's length */
	CU_ASSERT_EQUAL(ike_msg_parse(a->data, a->len - 1, MAX_LEN, &m), IKE_PARSE_BAD_LENGTH);
	g_byte_array_append(a, (const uint8_t *)"", 1);
	CU_ASSERT_EQUAL(ike_msg_parse(a->data, a->len, MAX_LEN, &m), IKE_PARSE_BAD_LENGTH);
	g_byte_array_set_size(a, a->len - 1);
	/* a length field below the header size */
	uint8_t saved = a->data[26];
	a->data[26] = 0;
	a->data[27] = 20;
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_BAD_LENGTH);
	a->data[26] = saved;
	a->data[27] = (uint8_t)a->len;
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_OK);
	/* IKEv1 and a future IKEv3: the header is still reported, for INVALID_MAJOR_VERSION */
	a->data[17] = 0x10;
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_BAD_MAJOR_VERSION);
	CU_ASSERT_EQUAL(m.hdr.major, 1);
	CU_ASSERT_EQUAL(m.hdr.spi_i, SAMPLE_SPI_I);
	a->data[17] = 0x30;
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_BAD_MAJOR_VERSION);
	/* a minor version is ignored (RFC 7296 §2.5) */
	a->data[17] = 0x2f;
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_OK);
	g_byte_array_unref(a);
}

static void test_reject_payload_chain(void)
{
	struct ike_hdr h = req_hdr(IKE_EXCH_INFORMATIONAL);
	struct ike_msg m;
	struct ike_builder b;
	/* header announces SA but the message ends */
	ike_builder_init(&b, &h);
	GByteArray *a = ike_build_finish(&b);
	a->data[16] = IKE_PL_SA;
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_PAYLOAD_TRUNCATED);
	CU_ASSERT_EQUAL(m.pls.err_offset, IKE_HDR_LEN);
	CU_ASSERT_EQUAL(m.pls.err_type, IKE_PL_SA);
	g_byte_array_unref(a);

	uint8_t vid[8] = { 0 };
	a = msg_raw(IKE_PL_VENDOR, false, vid, sizeof(vid));
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_OK);
	/* payload length 3 */
	a->data[IKE_HDR_LEN + 3] = 3;
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_PAYLOAD_TOO_SHORT);
	/* payload length one past the message */
	a->data[IKE_HDR_LEN + 3] = 13;
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_PAYLOAD_OVERRUN);
	/* payload length one short: a byte left after the last payload */
	a->data[IKE_HDR_LEN + 3] = 11;
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_TRAILING_DATA);
	CU_ASSERT_EQUAL(m.pls.err_offset, IKE_HDR_LEN + 11);
	/* next payload points past the end */
	a->data[IKE_HDR_LEN + 3] = 12;
	a->data[IKE_HDR_LEN] = IKE_PL_VENDOR;
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_PAYLOAD_TRUNCATED);
	g_byte_array_unref(a);
}

static GByteArray *n_vendor_payloads(unsigned n)
{
	struct ike_hdr h = req_hdr(IKE_EXCH_INFORMATIONAL);
	struct ike_builder b;
	ike_builder_init(&b, &h);
	for (unsigned i = 0; i < n; i++)
		ike_build_vendor(&b, (const uint8_t *)"v", 1);
	return ike_build_finish(&b);
}

static void test_reject_too_many_payloads(void)
{
	struct ike_msg m;
	GByteArray *a = n_vendor_payloads(IKE_MAX_PAYLOADS);
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(m.pls.n, IKE_MAX_PAYLOADS);
	g_byte_array_unref(a);
	a = n_vendor_payloads(IKE_MAX_PAYLOADS + 1);
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_TOO_MANY_PAYLOADS);
	g_byte_array_unref(a);
}

static void test_reject_critical_unknown(void)
{
	struct ike_msg m;
	uint8_t body[4] = { 1, 2, 3, 4 };
	GByteArray *a = msg_raw(IKE_PL_GSPM, true, body, sizeof(body));
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_UNSUPPORTED_CRITICAL);
	CU_ASSERT_EQUAL(m.pls.err_type, IKE_PL_GSPM);
	g_byte_array_unref(a);
	a = msg_raw(IKE_PL_GSPM, false, body, sizeof(body));
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(m.pls.n, 0);
	CU_ASSERT_EQUAL(m.pls.n_skipped, 1);
	g_byte_array_unref(a);
	/* the critical bit on a known payload is ignored (RFC 7296 §3.2) */
	a = msg_raw(IKE_PL_VENDOR, true, body, sizeof(body));
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_OK);
	CU_ASSERT_TRUE(m.pls.pl[0].critical);
	g_byte_array_unref(a);
}

static void test_reject_sk_misplaced(void)
{
	struct ike_hdr h = req_hdr(IKE_EXCH_INFORMATIONAL);
	struct ike_builder b;
	struct ike_msg m;
	uint8_t body[16] = { 0 };
	ike_builder_init(&b, &h);
	ike_build_raw(&b, IKE_PL_SK, false, body, sizeof(body));
	ike_build_vendor(&b, body, 4);
	GByteArray *a = ike_build_finish(&b);
	CU_ASSERT_EQUAL(parse(a, &m), IKE_PARSE_SK_MISPLACED);
	g_byte_array_unref(a);
	/* nothing may be built after SK */
	size_t off;
	ike_builder_init(&b, &h);
	CU_ASSERT_TRUE(ike_build_sk(&b, IKE_PL_NONE, 16, &off));
	CU_ASSERT_FALSE(ike_build_vendor(&b, body, 4));
	CU_ASSERT_PTR_NULL(ike_build_finish(&b));
	/* SK inside a decrypted chain */
	struct ike_payload_list l;
	uint8_t inner[8] = { IKE_PL_NONE, 0, 0, 8, 1, 2, 3, 4 };
	CU_ASSERT_EQUAL(ike_payloads_parse(IKE_PL_SK, inner, sizeof(inner), &l), IKE_PARSE_SK_MISPLACED);
	CU_ASSERT_EQUAL(ike_payloads_parse(IKE_PL_VENDOR, inner, sizeof(inner), &l), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(ike_payloads_parse(IKE_PL_VENDOR, inner, 7, &l), IKE_PARSE_PAYLOAD_OVERRUN);
	CU_ASSERT_EQUAL(ike_payloads_parse(IKE_PL_NONE, NULL, 0, &l), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(l.n, 0);
}

/* Copies the SA payload body of the sample request (SA is the first payload) for corruption. */
static GByteArray *request(void)
{
	return sample_sa_init_request(IKE_DH_ECP256);
}

#define SA_BODY (IKE_HDR_LEN + IKE_GENERIC_HDR_LEN) /* first proposal */
#define XF1 (SA_BODY + 8)			   /* its first transform */

static enum ike_parse_verdict corrupt(size_t off, uint8_t v)
{
	GByteArray *a = request();
	struct ike_msg m;
	a->data[off] = v;
	enum ike_parse_verdict r = parse(a, &m);
	g_byte_array_unref(a);
	return r;
}

static void test_reject_sa(void)
{
	GByteArray *a = request();
	size_t p1len = (size_t)a->data[SA_BODY + 2] << 8 | a->data[SA_BODY + 3];
	uint8_t ntf = a->data[SA_BODY + 7];
	g_byte_array_unref(a);
	CU_ASSERT_EQUAL(ntf, 6);
	CU_ASSERT_EQUAL(corrupt(SA_BODY, IKE_PROPOSAL_MORE), IKE_PARSE_OK); /* sanity: unchanged byte */
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_SA, NULL, 0), IKE_PARSE_SA_EMPTY);
	/* proposal length below its header, and beyond the SA payload */
	CU_ASSERT_EQUAL(corrupt(SA_BODY + 3, 7), IKE_PARSE_SA_PROPOSAL_LENGTH);
	CU_ASSERT_EQUAL(corrupt(SA_BODY + 2, 0xff), IKE_PARSE_SA_PROPOSAL_LENGTH);
	/* SPI size larger than the proposal */
	CU_ASSERT_EQUAL(corrupt(SA_BODY + 6, 0xff), IKE_PARSE_SA_PROPOSAL_LENGTH);
	/* first proposal marked last, second marked more, a bogus marker */
	CU_ASSERT_EQUAL(corrupt(SA_BODY, IKE_PROPOSAL_LAST), IKE_PARSE_SA_PROPOSAL_LAST);
	CU_ASSERT_EQUAL(corrupt(SA_BODY + p1len, IKE_PROPOSAL_MORE), IKE_PARSE_SA_PROPOSAL_LAST);
	CU_ASSERT_EQUAL(corrupt(SA_BODY, 3), IKE_PARSE_SA_PROPOSAL_LAST);
	/* numbering: 0, and 1 then 3 */
	CU_ASSERT_EQUAL(corrupt(SA_BODY + 4, 0), IKE_PARSE_SA_PROPOSAL_NUMBER);
	CU_ASSERT_EQUAL(corrupt(SA_BODY + p1len + 4, 3), IKE_PARSE_SA_PROPOSAL_NUMBER);
	CU_ASSERT_EQUAL(corrupt(SA_BODY + p1len + 4, 1), IKE_PARSE_SA_PROPOSAL_NUMBER);
	/* transform count above, below, zero */
	CU_ASSERT_EQUAL(corrupt(SA_BODY + 7, 7), IKE_PARSE_SA_TRANSFORM_COUNT);
	CU_ASSERT_EQUAL(corrupt(SA_BODY + 7, 5), IKE_PARSE_SA_TRANSFORM_COUNT);
	CU_ASSERT_EQUAL(corrupt(SA_BODY + 7, 0), IKE_PARSE_SA_TRANSFORM_COUNT);
	/* transform length below 8, beyond the proposal */
	CU_ASSERT_EQUAL(corrupt(XF1 + 3, 7), IKE_PARSE_SA_TRANSFORM_LENGTH);
	CU_ASSERT_EQUAL(corrupt(XF1 + 2, 1), IKE_PARSE_SA_TRANSFORM_LENGTH);
	/* transform markers */
	CU_ASSERT_EQUAL(corrupt(XF1, IKE_TRANSFORM_LAST), IKE_PARSE_SA_TRANSFORM_LAST);
	CU_ASSERT_EQUAL(corrupt(XF1, IKE_PROPOSAL_MORE), IKE_PARSE_SA_TRANSFORM_LAST);
	/* key length as TLV, and a TLV attribute running past its transform */
	CU_ASSERT_EQUAL(corrupt(XF1 + 8, 0x00), IKE_PARSE_SA_ATTRIBUTE);
	GByteArray *b = request();
	struct ike_msg m;
	b->data[XF1 + 8] = 0x00;
	b->data[XF1 + 9] = 0x20; /* attribute type 32, TLV */
	b->data[XF1 + 10] = 0x00;
	b->data[XF1 + 11] = 0x01;
	CU_ASSERT_EQUAL(parse(b, &m), IKE_PARSE_SA_ATTRIBUTE);
	/* a TLV attribute that fits is accepted; the transform is flagged, not the message */
	b->data[XF1 + 11] = 0x00;
	CU_ASSERT_EQUAL_FATAL(parse(b, &m), IKE_PARSE_OK);
	struct ike_rbuf pc = m.pls.pl[0].u.sa.proposals, tc;
	struct ike_proposal p;
	struct ike_transform t;
	CU_ASSERT_TRUE(ike_sa_next_proposal(&pc, &p));
	tc = p.transforms;
	CU_ASSERT_TRUE(ike_proposal_next_transform(&tc, &t));
	CU_ASSERT_TRUE(t.unknown_attr);
	CU_ASSERT_EQUAL(t.key_len_bits, 0);
	g_byte_array_unref(b);
}

static void test_reject_simple_payloads(void)
{
	uint8_t buf[300] = { 0 };
	/* KE: group and reserved but no data; shorter than its fixed part */
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_KE, buf, 4), IKE_PARSE_KE_BAD);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_KE, buf, 3), IKE_PARSE_PAYLOAD_TOO_SHORT);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_KE, buf, 5), IKE_PARSE_OK);
	/* nonce 16..256 */
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_NONCE, buf, 15), IKE_PARSE_NONCE_LENGTH);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_NONCE, buf, 16), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_NONCE, buf, 256), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_NONCE, buf, 257), IKE_PARSE_NONCE_LENGTH);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_NONCE, buf, 0), IKE_PARSE_NONCE_LENGTH);
	/* ID and AUTH */
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_IDI, buf, 3), IKE_PARSE_PAYLOAD_TOO_SHORT);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_AUTH, buf, 4), IKE_PARSE_AUTH_BAD);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_AUTH, buf, 2), IKE_PARSE_PAYLOAD_TOO_SHORT);
	/* CERT needs its encoding byte; an X.509 CERTREQ holds whole 20-byte hashes */
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_CERT, buf, 0), IKE_PARSE_PAYLOAD_TOO_SHORT);
	buf[0] = IKE_CERT_X509_SIGNATURE;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_CERTREQ, buf, 1 + 21), IKE_PARSE_CERTREQ_BAD);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_CERTREQ, buf, 1 + 40), IKE_PARSE_OK);
	buf[0] = 0;
	/* notify SPI size beyond the payload */
	uint8_t n[8] = { IKE_PROTO_ESP, 5, 0x40, 0x09, 1, 2, 3, 4 };
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_NOTIFY, n, sizeof(n)), IKE_PARSE_NOTIFY_BAD);
	n[1] = 4;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_NOTIFY, n, sizeof(n)), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_NOTIFY, n, 3), IKE_PARSE_PAYLOAD_TOO_SHORT);
	/* SK without body; SKF fragment numbers */
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_SK, buf, 0), IKE_PARSE_SK_BAD);
	uint8_t f[6] = { 0, 1, 0, 2, 0xaa, 0xbb };
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_SKF, f, sizeof(f)), IKE_PARSE_OK);
	f[1] = 0;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_SKF, f, sizeof(f)), IKE_PARSE_SK_BAD);
	f[1] = 3;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_SKF, f, sizeof(f)), IKE_PARSE_SK_BAD);
	f[1] = 2;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_SKF, f, 4), IKE_PARSE_SK_BAD);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_SKF, f, 3), IKE_PARSE_PAYLOAD_TOO_SHORT);
}

static void test_reject_delete(void)
{
	uint8_t d[12] = { IKE_PROTO_ESP, 4, 0, 2, 1, 1, 1, 1, 2, 2, 2, 2 };
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_DELETE, d, 12), IKE_PARSE_OK);
	d[3] = 3; /* count 3, two SPIs */
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_DELETE, d, 12), IKE_PARSE_DELETE_BAD);
	d[3] = 1; /* count 1, two SPIs */
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_DELETE, d, 12), IKE_PARSE_DELETE_BAD);
	d[1] = 8; /* ESP SPIs are 4 bytes */
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_DELETE, d, 12), IKE_PARSE_DELETE_BAD);
	uint8_t ike[4] = { IKE_PROTO_IKE, 0, 0, 0 };
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_DELETE, ike, 4), IKE_PARSE_OK);
	ike[3] = 1; /* IKE SA deletes carry no SPIs */
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_DELETE, ike, 4), IKE_PARSE_DELETE_BAD);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_DELETE, ike, 3), IKE_PARSE_PAYLOAD_TOO_SHORT);
}

static void test_reject_ts(void)
{
	/* one IPv4 selector */
	uint8_t ts[4 + 40] = { 1, 0, 0, 0, IKE_TS_IPV4_ADDR_RANGE, 0, 0, 16, 0, 0, 0xff, 0xff };
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_TSI, ts, 20), IKE_PARSE_OK);
	ts[0] = 0;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_TSI, ts, 20), IKE_PARSE_TS_COUNT);
	ts[0] = 2;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_TSR, ts, 20), IKE_PARSE_TS_COUNT);
	ts[0] = 1;
	/* IPv4 selector claiming the IPv6 length, and the reverse */
	ts[7] = 40;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_TSI, ts, 44), IKE_PARSE_TS_LENGTH);
	ts[4] = IKE_TS_IPV6_ADDR_RANGE;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_TSI, ts, 44), IKE_PARSE_OK);
	ts[7] = 16;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_TSI, ts, 20), IKE_PARSE_TS_LENGTH);
	/* IPv6 selector cut short by the payload */
	ts[7] = 40;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_TSI, ts, 30), IKE_PARSE_TS_LENGTH);
	/* an unknown selector type below its own header */
	ts[4] = 99;
	ts[7] = 3;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_TSI, ts, 20), IKE_PARSE_TS_LENGTH);
	/* leftover bytes too few for a selector header */
	ts[4] = IKE_TS_IPV4_ADDR_RANGE;
	ts[7] = 16;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_TSI, ts, 22), IKE_PARSE_TS_LENGTH);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_TSI, ts, 3), IKE_PARSE_PAYLOAD_TOO_SHORT);
}

static void test_reject_cp(void)
{
	uint8_t cp[12] = { IKE_CFG_REPLY, 0, 0, 0, 0, IKE_CP_INTERNAL_IP4_ADDRESS, 0, 4, 10, 0, 0, 1 };
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_CP, cp, 12), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_CP, cp, 11), IKE_PARSE_CP_BAD); /* value overruns */
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_CP, cp, 6), IKE_PARSE_CP_BAD);  /* partial attribute header */
	cp[7] = 3;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_CP, cp, 11), IKE_PARSE_CP_BAD); /* IPv4 address of 3 bytes */
	cp[7] = 0;
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_CP, cp, 8), IKE_PARSE_OK); /* empty, as in a request */
	CU_ASSERT_EQUAL(verdict_raw(IKE_PL_CP, cp, 3), IKE_PARSE_PAYLOAD_TOO_SHORT);
}

/* ---- builder limits, iterators, names ---- */

static void test_builder_limits(void)
{
	struct ike_hdr h = req_hdr(IKE_EXCH_IKE_AUTH);
	struct ike_builder b;
	uint8_t *big = g_malloc0(70000);
	ike_builder_init(&b, &h);
	CU_ASSERT_TRUE(ike_build_cert(&b, IKE_PL_CERT, IKE_CERT_X509_SIGNATURE, big, 65535 - 5));
	CU_ASSERT_FALSE(ike_build_cert(&b, IKE_PL_CERT, IKE_CERT_X509_SIGNATURE, big, 65535 - 4));
	CU_ASSERT_FALSE(ike_build_vendor(&b, big, 1)); /* sticky */
	CU_ASSERT_PTR_NULL(ike_build_finish(&b));
	ike_builder_clear(&b); /* harmless after finish */
	ike_builder_init(&b, &h);
	CU_ASSERT_TRUE(ike_build_cert(&b, IKE_PL_CERT, IKE_CERT_X509_SIGNATURE, big, 65535 - 5));
	GByteArray *a = ike_build_finish(&b);
	struct ike_msg m;
	CU_ASSERT_EQUAL(ike_msg_parse(a->data, a->len, a->len, &m), IKE_PARSE_OK);
	CU_ASSERT_EQUAL(m.pls.pl[0].raw.len, 65535);
	g_byte_array_unref(a);
	/* an inner chain that is never finished */
	ike_builder_init_inner(&b);
	ike_build_vendor(&b, big, 10);
	ike_builder_clear(&b);
	/* an empty inner chain */
	uint8_t first = 99;
	ike_builder_init_inner(&b);
	a = ike_build_finish_inner(&b, &first);
	CU_ASSERT_EQUAL(first, IKE_PL_NONE);
	CU_ASSERT_EQUAL(a->len, 0);
	g_byte_array_unref(a);
	g_free(big);
}

static void test_iterators_defensive(void)
{
	/* iterators given bytes that were never validated stop instead of overrunning */
	uint8_t junk[10] = { 0, 0, 0xff, 0xff, 1, 1, 0, 0, 0, 0 };
	struct ike_rbuf c = { junk, sizeof(junk) };
	struct ike_proposal p;
	struct ike_transform t;
	struct ike_ts ts;
	struct ike_cp_attr at;
	CU_ASSERT_FALSE(ike_sa_next_proposal(&c, &p));
	CU_ASSERT_FALSE(ike_proposal_next_transform(&c, &t));
	CU_ASSERT_FALSE(ike_ts_next(&c, &ts));
	CU_ASSERT_FALSE(ike_cp_next_attr(&c, &at));
	struct ike_rbuf empty = { NULL, 0 };
	CU_ASSERT_FALSE(ike_sa_next_proposal(&empty, &p));
	CU_ASSERT_FALSE(ike_ts_next(&empty, &ts));
}

static void test_names(void)
{
	CU_ASSERT_STRING_EQUAL(ike_const_name(IKE_NS_EXCHANGE, 34), "IKE_SA_INIT");
	CU_ASSERT_STRING_EQUAL(ike_const_name(IKE_NS_PAYLOAD, 46), "SK");
	CU_ASSERT_STRING_EQUAL(ike_const_name(IKE_NS_NOTIFY, 16388), "NAT_DETECTION_SOURCE_IP");
	CU_ASSERT_STRING_EQUAL(ike_const_name(IKE_NS_NOTIFY, 16430), "IKEV2_FRAGMENTATION_SUPPORTED");
	CU_ASSERT_STRING_EQUAL(ike_const_name(IKE_NS_NOTIFY, 16431), "SIGNATURE_HASH_ALGORITHMS");
	CU_ASSERT_STRING_EQUAL(ike_transform_id_name(IKE_XF_ENCR, 20), "AES_GCM_16");
	CU_ASSERT_STRING_EQUAL(ike_transform_id_name(IKE_XF_INTEG, 12), "AUTH_HMAC_SHA2_256_128");
	CU_ASSERT_STRING_EQUAL(ike_transform_id_name(IKE_XF_DH, 31), "CURVE25519");
	CU_ASSERT_STRING_EQUAL(ike_const_name(IKE_NS_CP_ATTR, 1), "INTERNAL_IP4_ADDRESS");
	CU_ASSERT_STRING_EQUAL(ike_const_name(IKE_NS_TS_TYPE, 7), "TS_IPV4_ADDR_RANGE");
	CU_ASSERT_PTR_NULL(ike_const_name(IKE_NS_EXCHANGE, 99));
	CU_ASSERT_PTR_NULL(ike_transform_id_name(9, 1));
	/* every verdict has its own name */
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	for (int v = 0; v < IKE_PARSE_VERDICT_COUNT; v++) {
		const char *s = ike_parse_verdict_str((enum ike_parse_verdict)v);
		CU_ASSERT_STRING_NOT_EQUAL(s, "invalid-verdict");
		CU_ASSERT_FALSE(g_hash_table_contains(seen, s));
		g_hash_table_add(seen, (gpointer)s);
	}
	g_hash_table_unref(seen);
	CU_ASSERT_STRING_EQUAL(ike_parse_verdict_str(IKE_PARSE_VERDICT_COUNT), "invalid-verdict");
	/* the notify each rejection calls for */
	CU_ASSERT_EQUAL(ike_parse_verdict_notify(IKE_PARSE_OK), 0);
	CU_ASSERT_EQUAL(ike_parse_verdict_notify(IKE_PARSE_TRUNCATED_HEADER), 0);
	CU_ASSERT_EQUAL(ike_parse_verdict_notify(IKE_PARSE_BAD_LENGTH), 0);
	CU_ASSERT_EQUAL(ike_parse_verdict_notify(IKE_PARSE_BAD_MAJOR_VERSION), IKE_N_INVALID_MAJOR_VERSION);
	CU_ASSERT_EQUAL(ike_parse_verdict_notify(IKE_PARSE_UNSUPPORTED_CRITICAL), IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	CU_ASSERT_EQUAL(ike_parse_verdict_notify(IKE_PARSE_TS_LENGTH), IKE_N_INVALID_SYNTAX);
	CU_ASSERT_EQUAL(ike_parse_verdict_notify(IKE_PARSE_NONCE_LENGTH), IKE_N_INVALID_SYNTAX);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "header round trip", test_header_round_trip },
		{ "IKE_SA_INIT request, MODP-2048", test_sa_init_request_modp2048 },
		{ "IKE_SA_INIT request, ECP-256", test_sa_init_request_ecp256 },
		{ "IKE_SA_INIT response, MODP-2048", test_sa_init_response_modp2048 },
		{ "IKE_SA_INIT response, ECP-256", test_sa_init_response_ecp256 },
		{ "IKE_AUTH: SK layout and inner chain", test_ike_auth_sk_and_inner },
		{ "INFORMATIONAL delete round trip", test_delete_round_trip },
		{ "SKF fragments round trip", test_skf_round_trip },
		{ "every payload round trip", test_each_payload_round_trip },
		{ "captured IKE_SA_INIT parses and rebuilds byte for byte", test_captured_sa_init },
		{ "reject: header", test_reject_header },
		{ "reject: payload chain", test_reject_payload_chain },
		{ "reject: too many payloads", test_reject_too_many_payloads },
		{ "reject: unsupported critical payload", test_reject_critical_unknown },
		{ "reject: SK misplaced", test_reject_sk_misplaced },
		{ "reject: SA proposals and transforms", test_reject_sa },
		{ "reject: KE, nonce, ID, AUTH, CERT, N, SK", test_reject_simple_payloads },
		{ "reject: delete", test_reject_delete },
		{ "reject: traffic selectors", test_reject_ts },
		{ "reject: configuration payload", test_reject_cp },
		{ "builder limits", test_builder_limits },
		{ "iterators on unvalidated bytes", test_iterators_defensive },
		{ "names", test_names },
		{ NULL, NULL },
	};
	return cu_run("ike_codec", tests);
}
