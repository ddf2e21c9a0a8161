/* ike1_sa.c: IKEv1 exchanges on the engine's IKE SAs (RFC 2409 Main Mode and Quick Mode with
 * pre-shared keys, RFC 2408 Informational with HASH(1): DELETE, RFC 3706 DPD; RFC 3947 NAT-D
 * and the float to port 4500). Phase-1 encryption keeps the IV chain of RFC 2409 Appendix B;
 * quick mode and informational IVs come from the last phase-1 block and the message ID. States
 * map onto enum ike_sa_state so that the models' hooks (ike.h) work unchanged: an initiator is
 * INIT_SENT until MM4, AUTH_SENT until MM6; a responder HALF_OPEN until MM5. */
#include "models/ipsec/ike1_internal.h"

#include <math.h>
#include <openssl/crypto.h>
#include <string.h>

#define NS_PER_S G_GINT64_CONSTANT(1000000000)

/* MD5("RFC 3947") and the RFC 3706 DPD vendor ID */
static const uint8_t VID_NATT[16] = { 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
				      0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f };
static const uint8_t VID_DPD[16] = { 0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
				     0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 };

enum { EX_MM = 0, EX_QM = 1, EX_INFO = 2 };

static unsigned ex_index(uint8_t exch)
{
	return exch == IKE1_EXCH_MAIN ? EX_MM : exch == IKE1_EXCH_QUICK ? EX_QM : EX_INFO;
}

static GByteArray *bytes_new(const uint8_t *p, size_t len)
{
	GByteArray *b = g_byte_array_sized_new((guint)len);
	if (len)
		g_byte_array_append(b, p, (guint)len);
	return b;
}

static void unref0(GByteArray **b)
{
	if (*b) {
		OPENSSL_cleanse((*b)->data, (*b)->len);
		g_byte_array_unref(*b);
		*b = NULL;
	}
}

static struct ike_crypto_buf cb(const GByteArray *b)
{
	return (struct ike_crypto_buf){ b ? b->data : NULL, b ? b->len : 0 };
}

static void qm_clear(struct ike1_qm *q)
{
	if (q->dh)
		ike_dh_key_free(q->dh);
	GByteArray **bs[] = { &q->ni, &q->nr, &q->ke_pub, &q->gxy, &q->last_rx, &q->last_tx };
	for (size_t i = 0; i < G_N_ELEMENTS(bs); i++)
		unref0(bs[i]);
	memset(q, 0, sizeof(*q));
}

static void req_clear(struct ike1_sa *v)
{
	unref0(&v->req.msg);
	memset(&v->req, 0, sizeof(v->req));
}

void ike1_sa_free(struct ike1_sa *v)
{
	if (!v)
		return;
	req_clear(v);
	qm_clear(&v->qm_out);
	for (int i = 0; i < IKE1_MAX_QM; i++)
		qm_clear(&v->qm_in[i]);
	if (v->dh)
		ike_dh_key_free(v->dh);
	GByteArray **bs[] = { &v->sai_b, &v->gxi, &v->gxr, &v->ni, &v->nr, &v->gxy, &v->last_rx, &v->last_resp };
	for (size_t i = 0; i < G_N_ELEMENTS(bs); i++)
		unref0(bs[i]);
	OPENSSL_cleanse(v, sizeof(*v));
	g_free(v);
}

char *ike1_sa_wireshark_row(const struct ike_sa *sa)
{
	if (!sa->v1 || !sa->v1->have_keys)
		return NULL;
	uint8_t ci[8];
	ike_put64(ci, sa->spi_i);
	return ike1_wireshark_row_of(ci, sa->v1->ekey, sa->v1->ekey_len);
}

/* ---- configuration ---- */

static uint16_t v1_encr(uint16_t v2_encr)
{
	return v2_encr == IKE_ENCR_AES_CBC ? IKE1_ENCR_AES : v2_encr == IKE_ENCR_3DES ? IKE1_ENCR_3DES : 0;
}

bool ike1_peer_check(const struct ike_peer_cfg *cfg, GError **err)
{
	const char *n = cfg->name ? cfg->name : "?";
	if (cfg->auth != IKE_AUTH_MODE_PSK || cfg->psk_len == 0) {
		g_set_error(err, IKE_ERROR, 7, "peer %s: IKEv1 needs a pre-shared key", n);
		return false;
	}
	for (size_t i = 0; i < cfg->n_ike; i++) {
		const struct ike_ike_proposal *p = &cfg->ike[i];
		uint16_t e = v1_encr(p->encr);
		uint16_t bits = e == IKE1_ENCR_3DES ? 192 : p->encr_key_bits;
		if (!e || !ike1_key_len(e, bits) || !ike1_prf_to_hash(p->prf) || !ike_dh_group_lookup(p->dh)) {
			g_set_error(err, IKE_ERROR, 8, "peer %s: IKEv1 phase 1 proposal %zu not supported", n, i + 1);
			return false;
		}
	}
	return true;
}

void ike1_azure_proposals(struct ike_peer_cfg *cfg)
{
	static const struct ike_ike_proposal p1[] = {
		{ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA1, 0, IKE_DH_MODP1024 },
		{ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, 0, IKE_DH_MODP1024 },
		{ IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA1, 0, IKE_DH_MODP1024 },
		{ IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256, 0, IKE_DH_MODP1024 },
		{ IKE_ENCR_3DES, 192, IKE_PRF_HMAC_SHA1, 0, IKE_DH_MODP1024 },
		{ IKE_ENCR_3DES, 192, IKE_PRF_HMAC_SHA2_256, 0, IKE_DH_MODP1024 },
	};
	static const struct ike_esp_proposal p2[] = {
		{ IKE_ENCR_AES_GCM_16, 256, 0, 0 },
		{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA1_96, 0 },
		{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 0 },
		{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 0 },
	};
	memcpy(cfg->ike, p1, sizeof(p1));
	cfg->n_ike = G_N_ELEMENTS(p1);
	memcpy(cfg->esp, p2, sizeof(p2));
	cfg->n_esp = G_N_ELEMENTS(p2);
}

/* ---- sending ---- */

static void count_tx(struct ike_sa *sa, uint8_t exch)
{
	sa->ep->ctr.v1_tx[ex_index(exch)]++;
}

/* Header, body padded to the block and encrypted with *iv (then *iv = the last ciphertext
 * block), or plain when iv is NULL. Consumes the builder. */
static GByteArray *seal(struct ike_sa *sa, uint8_t exch, uint32_t msg_id, struct ike1_builder *bld, uint8_t *iv)
{
	struct ike1_sa *v = sa->v1;
	GByteArray *body = bld->b;
	struct ike1_hdr h = { .icookie = sa->spi_i, .rcookie = sa->spi_r, .next = bld->first, .exchange = exch,
			      .msg_id = msg_id };
	if (iv) {
		h.flags = IKE1_FLAG_ENC;
		size_t bl = v->block;
		size_t pad = (bl - body->len % bl) % bl;
		static const uint8_t zeros[16];
		g_byte_array_append(body, zeros, (guint)pad);
		if (!ike1_cbc(v->encr, v->ekey, v->ekey_len, iv, body->data, body->len, true))
			g_error("IKEv1 CBC encryption failed");
		memcpy(iv, body->data + body->len - bl, bl);
	}
	GByteArray *m = ike1_msg_plain(&h, body);
	unref0(&bld->b);
	return m;
}

static void send_bytes(struct ike_sa *sa, uint8_t exch, const GByteArray *m)
{
	count_tx(sa, exch);
	ike_send_msg(sa, m, NULL);
}

/* How long the k-th transmission waits (the peer's retransmission settings). */
static int64_t retransmit_wait(struct ike_sa *sa, unsigned k)
{
	const struct ike_retransmit_cfg *rc = &ike_sa_cfg(sa)->retransmit;
	int64_t wait = (int64_t)llround((double)rc->timeout_ns * pow(rc->base, (double)k));
	if (rc->jitter_pct) {
		uint8_t b[4];
		ike_random(sa->ep, b, sizeof(b));
		wait -= (int64_t)((double)wait * rc->jitter_pct / 100.0 * (ike1_get32(b) / 4294967296.0));
	}
	return wait;
}

/* Sends m as our outstanding request (takes m). */
static void request_send(struct ike_sa *sa, enum ike1_req_kind kind, uint8_t exch, GByteArray *m, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	req_clear(v);
	v->req.kind = kind;
	v->req.msg = m;
	v->req.sent = 1;
	v->req.first_ns = now;
	v->req.deadline_ns = now + retransmit_wait(sa, 0);
	send_bytes(sa, exch, m);
}

/* Remembers the peer's message and our answer, sends it (takes resp). */
static void respond(struct ike_sa *sa, uint8_t exch, const uint8_t *raw, size_t len, GByteArray *resp)
{
	struct ike1_sa *v = sa->v1;
	unref0(&v->last_rx);
	unref0(&v->last_resp);
	v->last_rx = bytes_new(raw, len);
	v->last_resp = resp;
	send_bytes(sa, exch, resp);
}

/* An unencrypted Informational with one notify (phase 1 failures, before keys agree). */
static void send_plain_notify(struct ike_endpoint *ep, struct ike_addr local, struct ike_addr remote,
			      uint64_t icookie, uint64_t rcookie, uint16_t type)
{
	struct ike1_builder bld;
	ike1_builder_init(&bld);
	uint8_t spi[16];
	ike_put64(spi, icookie);
	ike_put64(spi + 8, rcookie);
	ike1_put_notify(&bld, IKE1_PROTO_ISAKMP, spi, 16, type, NULL, 0);
	struct ike1_hdr h = { .icookie = icookie, .rcookie = rcookie, .next = bld.first, .exchange = IKE1_EXCH_INFO };
	GByteArray *m = ike1_msg_plain(&h, bld.b);
	g_byte_array_unref(bld.b);
	ep->ctr.v1_tx[EX_INFO]++;
	ike_count_notify(ep->ctr.notify_tx, type);
	ike_send_raw(ep, local, remote, m);
	g_byte_array_unref(m);
}

/* IV of a quick mode or informational exchange: Hash(last phase-1 block | M-ID). */
static void phase2_iv(const struct ike_sa *sa, uint32_t msg_id, uint8_t *iv)
{
	const struct ike1_sa *v = sa->v1;
	uint8_t mid[4] = { (uint8_t)(msg_id >> 24), (uint8_t)(msg_id >> 16), (uint8_t)(msg_id >> 8), (uint8_t)msg_id };
	struct ike_crypto_buf parts[2] = { { v->iv, v->block }, { mid, 4 } };
	uint8_t h[IKE1_MAX_HASH];
	if (!ike1_hash(v->hash_prf, parts, 2, h))
		g_error("IKEv1 IV hash failed");
	memcpy(iv, h, v->block);
}

static uint32_t random_msg_id(struct ike_endpoint *ep)
{
	for (;;) {
		uint8_t b[4];
		ike_random(ep, b, 4);
		uint32_t m = ike1_get32(b);
		if (m)
			return m;
	}
}

/* Fills the HASH payload at the start of body (4 + prf_len bytes) with
 * prf(SKEYID_a, [prefix] | M-ID | [ni] | rest of body). */
static void fill_hash(struct ike_sa *sa, GByteArray *body, uint32_t msg_id, const GByteArray *ni)
{
	struct ike1_sa *v = sa->v1;
	uint8_t mid[4] = { (uint8_t)(msg_id >> 24), (uint8_t)(msg_id >> 16), (uint8_t)(msg_id >> 8), (uint8_t)msg_id };
	size_t hl = 4 + v->prf_len;
	struct ike_crypto_buf parts[3] = { { mid, 4 }, cb(ni), { body->data + hl, body->len - hl } };
	if (!ike_prf(v->hash_prf, v->skeyid_a, v->prf_len, parts, 3, body->data + 4))
		g_error("IKEv1 HASH failed");
}

/* Sends an Informational exchange with HASH(1) and the payloads in bld (consumed). */
static void send_info(struct ike_sa *sa, struct ike1_builder *pls)
{
	struct ike1_sa *v = sa->v1;
	struct ike1_builder bld;
	ike1_builder_init(&bld);
	size_t s = ike1_pl_begin(&bld, IKE1_PL_HASH);
	g_byte_array_set_size(bld.b, bld.b->len + (guint)v->prf_len);
	ike1_pl_end(&bld, s);
	/* append the payload chain: link it behind HASH */
	bld.b->data[s] = pls->first;
	g_byte_array_append(bld.b, pls->b->data, pls->b->len);
	bld.any = true;
	unref0(&pls->b);
	uint32_t mid = random_msg_id(sa->ep);
	fill_hash(sa, bld.b, mid, NULL);
	uint8_t iv[16];
	phase2_iv(sa, mid, iv);
	GByteArray *m = seal(sa, IKE1_EXCH_INFO, mid, &bld, iv);
	send_bytes(sa, IKE1_EXCH_INFO, m);
	g_byte_array_unref(m);
}

static void put_isakmp_spi(const struct ike_sa *sa, uint8_t spi[16])
{
	ike_put64(spi, sa->spi_i);
	ike_put64(spi + 8, sa->spi_r);
}

static void put_spi32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* DELETE for the given inbound SPIs (ESP) and, with isakmp, for the ISAKMP SA itself, in one
 * Informational exchange. When both go, the ISAKMP DELETE is repeated alone in a second one:
 * charon 5.9 acts only on the first DELETE payload of a message and would keep its ISAKMP SA
 * (a peer that read both drops the repeat: the SA is gone). */
static void send_delete(struct ike_sa *sa, const uint32_t *spis, size_t n, bool isakmp)
{
	struct ike1_builder pls;
	ike1_builder_init(&pls);
	if (n) {
		uint8_t *b = g_malloc(4 * n);
		for (size_t i = 0; i < n; i++)
			put_spi32(b + 4 * i, spis[i]);
		ike1_put_delete(&pls, IKE1_PROTO_ESP, b, 4, n);
		g_free(b);
	}
	uint8_t spi[16];
	put_isakmp_spi(sa, spi);
	if (isakmp)
		ike1_put_delete(&pls, IKE1_PROTO_ISAKMP, spi, 16, 1);
	send_info(sa, &pls);
	if (n && isakmp) {
		ike1_builder_init(&pls);
		ike1_put_delete(&pls, IKE1_PROTO_ISAKMP, spi, 16, 1);
		send_info(sa, &pls);
	}
}

/* ---- phase 1 building blocks ---- */

/* Phase-1 transform attributes of a configured proposal. */
static void put_p1_transform(GByteArray *b, uint8_t num, bool last, const struct ike_ike_proposal *p, uint32_t life_s)
{
	size_t start = b->len;
	uint8_t h[8] = { last ? 0 : IKE1_PL_T, 0, 0, 0, num, IKE1_XF_KEY_IKE, 0, 0 };
	g_byte_array_append(b, h, 8);
	uint16_t e = v1_encr(p->encr);
	ike1_put_attr(b, IKE1_A_ENCR, e);
	if (e == IKE1_ENCR_AES)
		ike1_put_attr(b, IKE1_A_KEY_LEN, p->encr_key_bits);
	ike1_put_attr(b, IKE1_A_HASH, ike1_prf_to_hash(p->prf));
	ike1_put_attr(b, IKE1_A_AUTH, IKE1_AUTH_PSK);
	ike1_put_attr(b, IKE1_A_GROUP, p->dh);
	ike1_put_attr(b, IKE1_A_LIFE_TYPE, IKE1_LIFE_SECONDS);
	ike1_put_attr(b, IKE1_A_LIFE_DURATION, life_s);
	size_t len = b->len - start;
	b->data[start + 2] = (uint8_t)(len >> 8);
	b->data[start + 3] = (uint8_t)len;
}

/* An SA payload with one ISAKMP proposal of n transforms (nums[i] their numbers); returns the
 * offset of the payload. */
static size_t put_p1_sa(struct ike1_builder *bld, const struct ike_ike_proposal *props, const uint8_t *nums, size_t n,
			uint32_t life_s)
{
	size_t s = ike1_pl_begin(bld, IKE1_PL_SA);
	ike1_put32(bld->b, IKE1_DOI_IPSEC);
	ike1_put32(bld->b, IKE1_SIT_IDENTITY_ONLY);
	size_t p = bld->b->len;
	uint8_t ph[8] = { 0, 0, 0, 0, 1, IKE1_PROTO_ISAKMP, 0, (uint8_t)n };
	g_byte_array_append(bld->b, ph, 8);
	for (size_t i = 0; i < n; i++)
		put_p1_transform(bld->b, nums[i], i + 1 == n, &props[i], life_s);
	size_t plen = bld->b->len - p;
	bld->b->data[p + 2] = (uint8_t)(plen >> 8);
	bld->b->data[p + 3] = (uint8_t)plen;
	ike1_pl_end(bld, s);
	return s;
}

/* A phase-1 transform as a proposal in our terms; false if it is not one we could run. */
static bool p1_from_xform(const struct ike1_xform *x, struct ike_ike_proposal *out, uint32_t *life_s)
{
	uint32_t e = 0, kl = 0, hash = 0, auth = 0, group = 0, lt = 0, ld = 0;
	if (x->id != IKE1_XF_KEY_IKE || !ike1_attr_get(x, IKE1_A_ENCR, &e) || !ike1_attr_get(x, IKE1_A_HASH, &hash) ||
	    !ike1_attr_get(x, IKE1_A_AUTH, &auth) || !ike1_attr_get(x, IKE1_A_GROUP, &group))
		return false;
	ike1_attr_get(x, IKE1_A_KEY_LEN, &kl);
	memset(out, 0, sizeof(*out));
	if (e == IKE1_ENCR_AES) {
		out->encr = IKE_ENCR_AES_CBC;
		out->encr_key_bits = (uint16_t)(kl ? kl : 128);
	} else if (e == IKE1_ENCR_3DES) {
		out->encr = IKE_ENCR_3DES;
		out->encr_key_bits = 192;
	} else {
		return false;
	}
	out->prf = ike1_hash_to_prf((uint16_t)hash);
	out->dh = (uint16_t)group;
	*life_s = 0;
	if (ike1_attr_get(x, IKE1_A_LIFE_TYPE, &lt) && lt == IKE1_LIFE_SECONDS && ike1_attr_get(x, IKE1_A_LIFE_DURATION, &ld))
		*life_s = ld;
	return auth == IKE1_AUTH_PSK && out->prf && group <= 0xffff && ike_dh_group_lookup(out->dh) &&
	       ike1_key_len(v1_encr(out->encr), out->encr_key_bits);
}

static bool same_p1(const struct ike_ike_proposal *a, const struct ike_ike_proposal *b)
{
	uint16_t bb = b->encr == IKE_ENCR_3DES ? 192 : b->encr_key_bits;
	return a->encr == b->encr && a->encr_key_bits == bb && a->prf == b->prf && a->dh == b->dh;
}

static uint32_t our_life_s(const struct ike_peer_cfg *cfg)
{
	int64_t l = cfg->ike_lifetime_ns > 0 ? cfg->ike_lifetime_ns
		    : cfg->ike_rekey_ns > 0 ? cfg->ike_rekey_ns
					     : 28800 * NS_PER_S;
	return (uint32_t)MIN(l / NS_PER_S, (int64_t)UINT32_MAX);
}

static void use_p1(struct ike_sa *sa, const struct ike_ike_proposal *p, uint32_t life_s)
{
	struct ike1_sa *v = sa->v1;
	sa->prop = *p;
	v->encr = v1_encr(p->encr);
	v->key_bits = p->encr_key_bits;
	v->hash_prf = p->prf;
	v->group = p->dh;
	v->life_s = life_s;
	v->prf_len = ike_prf_len(p->prf);
	v->block = ike1_block_len(v->encr);
	v->ekey_len = ike1_key_len(v->encr, p->encr_key_bits);
}

static bool make_ke(struct ike_endpoint *ep, uint16_t group, struct ike_dh_key **key, GByteArray **pub)
{
	const struct ike_dh_group *g = ike_dh_group_lookup(group);
	if (!g)
		return false;
	uint8_t priv[128];
	size_t pl = ike_dh_private_len(g);
	g_assert(pl <= sizeof(priv));
	ike_random(ep, priv, pl);
	*pub = g_byte_array_sized_new((guint)ike_dh_public_len(g));
	g_byte_array_set_size(*pub, (guint)ike_dh_public_len(g));
	enum ike_dh_verdict dv = ike_dh_generate(g, priv, pl, key, (*pub)->data);
	OPENSSL_cleanse(priv, sizeof(priv));
	return dv == IKE_DHV_OK;
}

static GByteArray *make_nonce(struct ike_endpoint *ep)
{
	GByteArray *n = g_byte_array_sized_new(IKE1_NONCE_LEN);
	g_byte_array_set_size(n, IKE1_NONCE_LEN);
	ike_random(ep, n->data, IKE1_NONCE_LEN);
	return n;
}

/* NAT-D: Hash(CKY-I | CKY-R | IP | port) with the negotiated hash (RFC 3947 §3.2). */
static void natd_hash(const struct ike_sa *sa, struct ike_addr a, uint8_t *out)
{
	uint8_t buf[22];
	ike_put64(buf, sa->spi_i);
	ike_put64(buf + 8, sa->spi_r);
	buf[16] = (uint8_t)(a.ip >> 24);
	buf[17] = (uint8_t)(a.ip >> 16);
	buf[18] = (uint8_t)(a.ip >> 8);
	buf[19] = (uint8_t)a.ip;
	buf[20] = (uint8_t)(a.port >> 8);
	buf[21] = (uint8_t)a.port;
	struct ike_crypto_buf p = { buf, sizeof(buf) };
	if (!ike1_hash(sa->v1->hash_prf, &p, 1, out))
		g_error("NAT-D hash failed");
}

/* KE, nonce and the two NAT-D payloads of MM3 / MM4. */
static void put_ke_nonce_natd(struct ike_sa *sa, struct ike1_builder *bld, const GByteArray *ke,
			      const GByteArray *nonce)
{
	ike1_put_simple(bld, IKE1_PL_KE, ke->data, ke->len);
	ike1_put_simple(bld, IKE1_PL_NONCE, nonce->data, nonce->len);
	uint8_t h[IKE1_MAX_HASH];
	size_t hl = sa->v1->prf_len;
	natd_hash(sa, sa->remote, h);
	ike1_put_simple(bld, IKE1_PL_NATD, h, hl);
	natd_hash(sa, sa->local, h);
	if (ike_sa_cfg(sa)->force_encap)
		ike_random(sa->ep, h, hl); /* pretend to be behind a NAT (strongSwan encap=yes) */
	ike1_put_simple(bld, IKE1_PL_NATD, h, hl);
}

/* Reads the peer's NAT-D payloads of a datagram d: the first must hash our address as the
 * peer saw it (else we are behind a NAT), one of the others its own source. */
static void natd_check(struct ike_sa *sa, const struct ike_dgram *d, const uint8_t *body, const struct ike1_payloads *l)
{
	uint8_t mine[IKE1_MAX_HASH], theirs[IKE1_MAX_HASH];
	size_t hl = sa->v1->prf_len;
	natd_hash(sa, d->dst, mine);
	natd_hash(sa, d->src, theirs);
	bool first = true, found_local = false, found_remote = false, any = false;
	for (size_t i = 0; i < l->n; i++) {
		if (l->pl[i].type != IKE1_PL_NATD)
			continue;
		any = true;
		const uint8_t *h = body + l->pl[i].off + 4;
		size_t n = l->pl[i].len - 4;
		if (first)
			found_local = n == hl && memcmp(h, mine, hl) == 0;
		else if (n == hl && memcmp(h, theirs, hl) == 0)
			found_remote = true;
		first = false;
	}
	if (!any)
		return;
	sa->nat_local = !found_local || ike_sa_cfg(sa)->force_encap; /* encap=yes behaves as if NATed */
	sa->nat_remote = !found_remote;
}

/* Phase-1 keys once both KE and nonces are known. */
static bool derive_p1(struct ike_sa *sa)
{
	struct ike1_sa *v = sa->v1;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	const GByteArray *peer_ke = sa->initiator ? v->gxr : v->gxi;
	const struct ike_dh_group *g = ike_dh_key_group(v->dh);
	v->gxy = g_byte_array_sized_new((guint)ike_dh_secret_len(g));
	g_byte_array_set_size(v->gxy, (guint)ike_dh_secret_len(g));
	if (ike_dh_derive(v->dh, peer_ke->data, peer_ke->len, v->gxy->data) != IKE_DHV_OK)
		return false;
	uint8_t ci[8], cr[8];
	ike_put64(ci, sa->spi_i);
	ike_put64(cr, sa->spi_r);
	struct ike_crypto_buf psk = { cfg->psk, cfg->psk_len };
	if (!ike1_skeyid_psk(v->hash_prf, psk, cb(v->ni), cb(v->nr), v->skeyid) ||
	    !ike1_skeyid_dae(v->hash_prf, v->skeyid, cb(v->gxy), ci, cr, v->skeyid_d, v->skeyid_a, v->skeyid_e) ||
	    !ike1_enc_key(v->hash_prf, v->skeyid_e, v->ekey, v->ekey_len))
		return false;
	struct ike_crypto_buf parts[2] = { cb(v->gxi), cb(v->gxr) };
	uint8_t h[IKE1_MAX_HASH];
	if (!ike1_hash(v->hash_prf, parts, 2, h))
		return false;
	memcpy(v->iv, h, v->block);
	v->have_keys = true;
	sa->have_keys = true;
	return true;
}

/* Our phase-1 ID payload body: type, protocol 0, port 0, data. */
static GByteArray *p1_id_body(const struct ike_sa *sa)
{
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	GByteArray *b = g_byte_array_new();
	uint8_t h[4] = { IKE1_ID_IPV4_ADDR, 0, 0, 0 };
	if (cfg->local_id.len) {
		h[0] = cfg->local_id.type;
		g_byte_array_append(b, h, 4);
		g_byte_array_append(b, cfg->local_id.data, cfg->local_id.len);
	} else {
		g_byte_array_append(b, h, 4);
		ike1_put32(b, cfg->local.ip);
	}
	return b;
}

/* HASH_I (initiator's) or HASH_R: prf(SKEYID, g^xa | g^xb | CKY-A | CKY-B | SAi_b | IDa_b). */
static bool p1_auth_hash(const struct ike_sa *sa, bool of_initiator, const uint8_t *id_b, size_t id_len, uint8_t *out)
{
	const struct ike1_sa *v = sa->v1;
	uint8_t ci[8], cr[8];
	ike_put64(ci, sa->spi_i);
	ike_put64(cr, sa->spi_r);
	struct ike_crypto_buf parts[6] = { cb(of_initiator ? v->gxi : v->gxr), cb(of_initiator ? v->gxr : v->gxi),
					   { of_initiator ? ci : cr, 8 },	 { of_initiator ? cr : ci, 8 },
					   cb(v->sai_b),			 { id_b, id_len } };
	return ike_prf(v->hash_prf, v->skeyid, v->prf_len, parts, 6, out);
}

/* MM5 / MM6: ID and HASH_x, encrypted with the phase-1 chain. */
static GByteArray *build_id_hash(struct ike_sa *sa)
{
	struct ike1_sa *v = sa->v1;
	struct ike1_builder bld;
	ike1_builder_init(&bld);
	GByteArray *id = p1_id_body(sa);
	ike1_put_simple(&bld, IKE1_PL_ID, id->data, id->len);
	uint8_t h[IKE1_MAX_HASH];
	if (!p1_auth_hash(sa, sa->initiator, id->data, id->len, h))
		g_error("HASH_I/R failed");
	g_byte_array_unref(id);
	ike1_put_simple(&bld, IKE1_PL_HASH, h, v->prf_len);
	return seal(sa, IKE1_EXCH_MAIN, 0, &bld, v->iv);
}

/* Decrypts an encrypted body with iv (not changed); on success *plain holds it and *pls its
 * chain, and next_iv the last ciphertext block. Counts and returns false otherwise. */
static bool open_body(struct ike_sa *sa, const uint8_t *raw, size_t len, const struct ike1_hdr *h, const uint8_t *iv,
		      GByteArray **plain, struct ike1_payloads *pls, uint8_t *next_iv)
{
	struct ike1_sa *v = sa->v1;
	struct ike_endpoint *ep = sa->ep;
	size_t blen = len - IKE1_HDR_LEN;
	if (!v->have_keys || !(h->flags & IKE1_FLAG_ENC) || blen == 0 || blen % v->block) {
		ep->ctr.v1_decrypt_failed++;
		ep->ctr.drops[IKE_DROP_SK]++;
		return false;
	}
	GByteArray *b = bytes_new(raw + IKE1_HDR_LEN, blen);
	memcpy(next_iv, raw + len - v->block, v->block);
	enum ike1_parse_verdict pv = IKE1_PARSE_VERDICT_COUNT;
	if (ike1_cbc(v->encr, v->ekey, v->ekey_len, iv, b->data, b->len, false)) {
		pv = ike1_payloads_parse(h->next, b->data, b->len, true, pls);
		if (pv == IKE1_PARSE_OK)
			pv = ike1_payloads_validate(b->data, pls);
	}
	if (pv != IKE1_PARSE_OK) {
		ep->ctr.v1_decrypt_failed++;
		ep->ctr.drops[IKE_DROP_SK]++;
		ike_log(ep, G_LOG_LEVEL_DEBUG, "IKE SA %" G_GUINT64_FORMAT ": IKEv1 message did not decrypt (%s)", sa->id,
			ike1_parse_verdict_name(pv));
		unref0(&b);
		return false;
	}
	*plain = b;
	return true;
}

/* ---- main mode ---- */

static struct ike_sa *sa_create(struct ike_endpoint *ep, int peer, bool initiator, int64_t now)
{
	struct ike_sa *sa = ike_sa_new(ep, peer, initiator, now);
	sa->v1 = g_new0(struct ike1_sa, 1);
	return sa;
}

uint64_t ike1_initiate(struct ike_endpoint *ep, int peer, int64_t now)
{
	struct ike_sa *sa = sa_create(ep, peer, true, now);
	struct ike1_sa *v = sa->v1;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	ike_sa_set_spi(sa, ike_random_spi64(ep));
	struct ike1_builder bld;
	ike1_builder_init(&bld);
	uint8_t nums[IKE_MAX_PROPOSALS];
	for (size_t i = 0; i < cfg->n_ike; i++)
		nums[i] = (uint8_t)(i + 1);
	size_t s = put_p1_sa(&bld, cfg->ike, nums, cfg->n_ike, our_life_s(cfg));
	v->sai_b = bytes_new(bld.b->data + s + 4, bld.b->len - s - 4);
	ike1_put_simple(&bld, IKE1_PL_VID, VID_NATT, 16);
	ike1_put_simple(&bld, IKE1_PL_VID, VID_DPD, 16);
	v->mm_expect = 2;
	GByteArray *m = seal(sa, IKE1_EXCH_MAIN, 0, &bld, NULL);
	ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT " (%s): IKEv1 Main Mode to %08x", sa->id, cfg->name,
		sa->remote.ip);
	request_send(sa, IKE1_REQ_MM, IKE1_EXCH_MAIN, m, now);
	ike_sa_update_timer(sa, now);
	return sa->id;
}

static void read_vids(struct ike1_sa *v, const uint8_t *body, const struct ike1_payloads *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->pl[i].type != IKE1_PL_VID || l->pl[i].len - 4 < 16)
			continue;
		const uint8_t *p = body + l->pl[i].off + 4;
		if (memcmp(p, VID_NATT, 16) == 0)
			v->peer_natt = true;
		if (memcmp(p, VID_DPD, 16) == 0)
			v->peer_dpd = true;
	}
}

static int find_v1_peer(const struct ike_endpoint *ep, const struct ike_dgram *d)
{
	for (guint i = 0; i < ep->peers->len; i++) {
		const struct ike_peer *p = g_ptr_array_index(ep->peers, i);
		if (p->cfg.ike_version == 1 && p->cfg.local.ip == d->dst.ip &&
		    (p->cfg.remote.ip == 0 || p->cfg.remote.ip == d->src.ip))
			return (int)i;
	}
	return -1;
}

/* Responder: MM1. */
static void mm1_in(struct ike_endpoint *ep, const struct ike_dgram *d, const uint8_t *raw, size_t len,
		   const struct ike1_hdr *h, int64_t now)
{
	for (struct ike_sa *o = ike_sa_by_spi_i(ep, h->icookie); o; o = o->next_same_spi_i) {
		if (!o->v1 || o->remote.ip != d->src.ip)
			continue;
		if (o->v1->last_rx && o->v1->last_rx->len == len && memcmp(o->v1->last_rx->data, raw, len) == 0 &&
		    o->v1->last_resp) {
			ep->ctr.resp_resent++;
			send_bytes(o, IKE1_EXCH_MAIN, o->v1->last_resp);
		} else {
			ep->ctr.drops[IKE_DROP_UNEXPECTED]++;
		}
		return;
	}
	int peer = find_v1_peer(ep, d);
	if (peer < 0) {
		ep->ctr.drops[IKE_DROP_NO_SA]++;
		return;
	}
	const struct ike_peer_cfg *cfg = &((struct ike_peer *)g_ptr_array_index(ep->peers, peer))->cfg;
	struct ike1_payloads l;
	const uint8_t *body = raw + IKE1_HDR_LEN;
	if (ike1_payloads_parse(h->next, body, len - IKE1_HDR_LEN, false, &l) != IKE1_PARSE_OK ||
	    ike1_payloads_validate(body, &l) != IKE1_PARSE_OK || !ike1_find(&l, IKE1_PL_SA, 0)) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		return;
	}
	const struct ike1_pl *spl = ike1_find(&l, IKE1_PL_SA, 0);
	struct ike1_sa_pl *sp = g_new(struct ike1_sa_pl, 1);
	ike1_sa_parse(body + spl->off + 4, spl->len - 4, sp);
	bool found = false;
	struct ike_ike_proposal chosen;
	uint8_t num = 0;
	uint32_t life = 0;
	const struct ike1_prop *pr = &sp->props[0];
	if (sp->doi == IKE1_DOI_IPSEC && pr->proto == IKE1_PROTO_ISAKMP) {
		for (uint8_t i = 0; i < pr->n_xf && !found; i++) {
			struct ike_ike_proposal x;
			uint32_t l_s;
			if (!p1_from_xform(&pr->xf[i], &x, &l_s))
				continue;
			for (size_t k = 0; k < cfg->n_ike && !found; k++)
				if (same_p1(&x, &cfg->ike[k])) {
					found = true;
					chosen = x;
					num = pr->xf[i].num;
					life = l_s ? l_s : our_life_s(cfg);
				}
		}
	}
	g_free(sp);
	ep->ctr.v1_rx[EX_MM]++;
	if (!found) {
		ike_log(ep, G_LOG_LEVEL_INFO, "IKEv1 Main Mode from %08x: no proposal chosen", d->src.ip);
		send_plain_notify(ep, d->dst, d->src, h->icookie, 0, IKE1_N_NO_PROPOSAL_CHOSEN);
		return;
	}
	struct ike_sa *sa = sa_create(ep, peer, false, now);
	struct ike1_sa *v = sa->v1;
	sa->local = d->dst;
	sa->remote = d->src;
	sa->spi_i = h->icookie;
	ike_sa_set_spi(sa, ike_random_spi64(ep));
	ike_sa_index_spi_i(sa);
	use_p1(sa, &chosen, life);
	v->sai_b = bytes_new(body + spl->off + 4, spl->len - 4);
	read_vids(v, body, &l);
	struct ike1_builder bld;
	ike1_builder_init(&bld);
	put_p1_sa(&bld, &chosen, &num, 1, life);
	ike1_put_simple(&bld, IKE1_PL_VID, VID_NATT, 16);
	ike1_put_simple(&bld, IKE1_PL_VID, VID_DPD, 16);
	v->mm_expect = 3;
	respond(sa, IKE1_EXCH_MAIN, raw, len, seal(sa, IKE1_EXCH_MAIN, 0, &bld, NULL));
	ike_sa_update_timer(sa, now);
}

static void fail_p1(struct ike_sa *sa, uint16_t notify)
{
	sa->error_notify = notify;
	send_plain_notify(sa->ep, sa->local, sa->remote, sa->spi_i, sa->spi_r, notify);
	ike_sa_destroy(sa, IKE_DOWN_FAILED);
}

static void qm_start(struct ike_sa *sa, uint32_t rekey_of, int64_t now);

/* Children of older SAs with the same peer move to a newly established one (phase-1 rekey). */
static void adopt_children(struct ike_sa *sa, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	struct ike_endpoint *ep = sa->ep;
	if (v->replaces) {
		struct ike_sa *old = ike_sa_by_id(ep, v->replaces);
		v->replaces = 0;
		if (old && old->v1 && old->state == IKE_SA_ESTABLISHED) {
			ike_child_move(old, sa);
			v->children_adopted = sa->children->len > 0;
			old->replaced = true;
			ep->ctr.ike_rekeys++;
			/* the DELETE of the old ISAKMP SA waits a moment: a responder may adopt the
			 * CHILD SAs asynchronously (charon queues a job for it) and must not see the
			 * old SA go before that */
			ike_sa_set_state(old, IKE_SA_REKEYED);
			old->expire_at_ns = now + IKE1_OLD_SA_DELETE_DELAY_NS;
			ike_sa_update_timer(old, now);
		}
		return;
	}
	if (sa->initiator)
		return;
	GList *all = g_hash_table_get_values(ep->by_id);
	for (GList *it = all; it; it = it->next) {
		struct ike_sa *o = it->data;
		if (o == sa || !o->v1 || o->peer != sa->peer || o->state != IKE_SA_ESTABLISHED ||
		    o->remote.ip != sa->remote.ip)
			continue;
		ike_child_move(o, sa);
		v->children_adopted = true;
		ep->ctr.ike_rekeys++; /* the peer's phase-1 rekey (a new Main Mode) */
		o->replaced = true;
		ike_sa_set_state(o, IKE_SA_REKEYED);
		o->expire_at_ns = now + IKE_REKEYED_LINGER_NS;
		ike_sa_update_timer(o, now);
	}
	g_list_free(all);
}

static void p1_established(struct ike_sa *sa, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	req_clear(v);
	v->mm_expect = 0;
	unref0(&v->gxy);
	if (v->dh) {
		ike_dh_key_free(v->dh);
		v->dh = NULL;
	}
	ike_sa_established(sa, now);
	/* a make-before-break responder leaves the rekey to the Main Mode initiator (10 % later, so
	 * the two do not cross); a break-before-make (Azure-like) side rekeys on its own schedule
	 * whatever its role */
	if (!sa->initiator && sa->rekey_at_ns != INT64_MAX &&
	    ike_sa_cfg(sa)->ike1_p1_rekey == IKE1_P1_REKEY_MAKE_BEFORE_BREAK)
		sa->rekey_at_ns += (sa->rekey_at_ns - now) / 10;
	ike_log(sa->ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": IKEv1 ISAKMP SA established%s", sa->id,
		sa->encap ? " (NAT-T)" : "");
	adopt_children(sa, now);
	if (sa->initiator && !v->children_adopted && ike_sa_cfg(sa)->n_esp)
		qm_start(sa, 0, now);
}

/* The ID and HASH of MM5/MM6 check out (HASH of the sender's role). */
static bool check_id_hash(struct ike_sa *sa, const uint8_t *body, const struct ike1_payloads *l)
{
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	const struct ike1_pl *id = ike1_find(l, IKE1_PL_ID, 0), *hp = ike1_find(l, IKE1_PL_HASH, 0);
	if (!id || !hp || hp->len - 4 != sa->v1->prf_len)
		return false;
	const uint8_t *idb = body + id->off + 4;
	size_t idl = id->len - 4;
	uint8_t h[IKE1_MAX_HASH];
	if (!p1_auth_hash(sa, !sa->initiator, idb, idl, h) ||
	    CRYPTO_memcmp(h, body + hp->off + 4, sa->v1->prf_len) != 0) {
		sa->ep->ctr.v1_bad_hash++;
		return false;
	}
	if (cfg->remote_id.len &&
	    (idb[0] != cfg->remote_id.type || idl - 4 != cfg->remote_id.len ||
	     memcmp(idb + 4, cfg->remote_id.data, cfg->remote_id.len) != 0))
		return false;
	sa->peer_id.type = idb[0];
	sa->peer_id.len = (uint8_t)MIN(idl - 4, (size_t)IKE_MAX_ID_LEN);
	memcpy(sa->peer_id.data, idb + 4, sa->peer_id.len);
	return true;
}

/* Remembers an undecryptable MM5; true when the same bytes were undecryptable before (a
 * retransmission by the initiator, not a forgery with other bytes). */
static bool mm5_undecryptable_again(struct ike_sa *sa, const uint8_t *raw, size_t len)
{
	struct ike1_sa *v = sa->v1;
	uint8_t h[IKE1_MAX_HASH];
	struct ike_crypto_buf p = { raw, len };
	if (!ike1_hash(IKE_CRYPTO_PRF_HMAC_SHA2_256, &p, 1, h))
		return false;
	if (v->have_bad_mm5 && memcmp(v->bad_mm5, h, sizeof(v->bad_mm5)) == 0)
		return true;
	memcpy(v->bad_mm5, h, sizeof(v->bad_mm5));
	v->have_bad_mm5 = true;
	return false;
}

static void mm_in(struct ike_sa *sa, const struct ike_dgram *d, const uint8_t *raw, size_t len,
		  const struct ike1_hdr *h, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	struct ike_endpoint *ep = sa->ep;
	if (!sa->initiator && v->last_rx && v->last_rx->len == len && memcmp(v->last_rx->data, raw, len) == 0) {
		if (v->last_resp) {
			ep->ctr.resp_resent++;
			send_bytes(sa, IKE1_EXCH_MAIN, v->last_resp);
		}
		return;
	}
	int step = v->mm_expect;
	if (step == 0 || (step == 2 && h->rcookie == 0)) {
		ep->ctr.drops[IKE_DROP_UNEXPECTED]++;
		return;
	}
	bool enc = step >= 5;
	if (enc != ((h->flags & IKE1_FLAG_ENC) != 0)) {
		ep->ctr.drops[IKE_DROP_UNEXPECTED]++;
		return;
	}
	GByteArray *plain = NULL;
	struct ike1_payloads l;
	const uint8_t *body;
	uint8_t next_iv[16];
	if (enc) {
		if (!open_body(sa, raw, len, h, v->iv, &plain, &l, next_iv)) {
			if (!sa->initiator && mm5_undecryptable_again(sa, raw, len)) {
				/* the initiator sent the same undecryptable MM5 again: the keys disagree,
				 * a wrong pre-shared key (one forged packet alone does not end it) */
				ike_log(ep, G_LOG_LEVEL_WARNING,
					"IKE SA %" G_GUINT64_FORMAT ": MM5 undecryptable twice: pre-shared key mismatch?",
					sa->id);
				fail_p1(sa, IKE1_N_AUTHENTICATION_FAILED);
			}
			return;
		}
		body = plain->data;
	} else {
		body = raw + IKE1_HDR_LEN;
		if (ike1_payloads_parse(h->next, body, len - IKE1_HDR_LEN, false, &l) != IKE1_PARSE_OK ||
		    ike1_payloads_validate(body, &l) != IKE1_PARSE_OK) {
			ep->ctr.drops[IKE_DROP_INVALID]++;
			return;
		}
	}
	ep->ctr.v1_rx[EX_MM]++;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	switch (step) {
	case 2: {
		const struct ike1_pl *spl = ike1_find(&l, IKE1_PL_SA, 0);
		struct ike1_sa_pl *sp = g_new(struct ike1_sa_pl, 1);
		bool ok = spl && ike1_sa_parse(body + spl->off + 4, spl->len - 4, sp) == IKE1_PARSE_OK &&
			  sp->n_props == 1 && sp->props[0].n_xf == 1;
		struct ike_ike_proposal x;
		uint32_t life = 0;
		ok = ok && p1_from_xform(&sp->props[0].xf[0], &x, &life);
		bool ours = false;
		for (size_t k = 0; ok && k < cfg->n_ike; k++)
			ours |= same_p1(&x, &cfg->ike[k]);
		g_free(sp);
		if (!ok || !ours) {
			ep->ctr.drops[IKE_DROP_INVALID]++;
			break;
		}
		sa->spi_r = h->rcookie;
		use_p1(sa, &x, life ? life : our_life_s(cfg));
		read_vids(v, body, &l);
		v->ni = make_nonce(ep);
		if (!make_ke(ep, v->group, &v->dh, &v->gxi)) {
			ike_sa_destroy(sa, IKE_DOWN_FAILED);
			break;
		}
		struct ike1_builder bld;
		ike1_builder_init(&bld);
		put_ke_nonce_natd(sa, &bld, v->gxi, v->ni);
		v->mm_expect = 4;
		request_send(sa, IKE1_REQ_MM, IKE1_EXCH_MAIN, seal(sa, IKE1_EXCH_MAIN, 0, &bld, NULL), now);
		break;
	}
	case 3:
	case 4: {
		const struct ike1_pl *ke = ike1_find(&l, IKE1_PL_KE, 0), *no = ike1_find(&l, IKE1_PL_NONCE, 0);
		const struct ike_dh_group *g = ike_dh_group_lookup(v->group);
		if (!ke || !no || ke->len - 4 != ike_dh_public_len(g) || no->len - 4 < 8 || no->len - 4 > 256) {
			ep->ctr.drops[IKE_DROP_INVALID]++;
			break;
		}
		GByteArray *peer_ke = bytes_new(body + ke->off + 4, ke->len - 4);
		GByteArray *peer_n = bytes_new(body + no->off + 4, no->len - 4);
		if (step == 3) {
			v->gxi = peer_ke;
			v->ni = peer_n;
			v->nr = make_nonce(ep);
			if (!make_ke(ep, v->group, &v->dh, &v->gxr)) {
				ike_sa_destroy(sa, IKE_DOWN_FAILED);
				break;
			}
		} else {
			v->gxr = peer_ke;
			v->nr = peer_n;
		}
		if (!derive_p1(sa)) {
			ep->ctr.drops[IKE_DROP_DH]++;
			ike_sa_destroy(sa, IKE_DOWN_FAILED);
			break;
		}
		natd_check(sa, d, body, &l);
		bool nat = sa->nat_local || sa->nat_remote;
		if (step == 3) {
			struct ike1_builder bld;
			ike1_builder_init(&bld);
			put_ke_nonce_natd(sa, &bld, v->gxr, v->nr);
			v->mm_expect = 5;
			respond(sa, IKE1_EXCH_MAIN, raw, len, seal(sa, IKE1_EXCH_MAIN, 0, &bld, NULL));
			break;
		}
		if (nat && v->peer_natt) {
			/* RFC 3947 §4: float to 4500; from now on every message has the non-ESP marker */
			sa->encap = true;
			if (sa->local.port == IKE_PORT)
				sa->local.port = IKE_NATT_PORT;
			if (sa->remote.port == IKE_PORT)
				sa->remote.port = IKE_NATT_PORT;
		}
		ike_sa_set_state(sa, IKE_SA_AUTH_SENT);
		v->mm_expect = 6;
		request_send(sa, IKE1_REQ_MM, IKE1_EXCH_MAIN, build_id_hash(sa), now);
		break;
	}
	case 5:
		sa->local = d->dst;
		sa->remote = d->src;
		sa->encap = ike_needs_marker(d->dst.port, d->src.port) || ((sa->nat_local || sa->nat_remote) && v->peer_natt);
		if (!check_id_hash(sa, body, &l)) {
			fail_p1(sa, IKE1_N_AUTHENTICATION_FAILED);
			break;
		}
		memcpy(v->iv, next_iv, v->block);
		respond(sa, IKE1_EXCH_MAIN, raw, len, build_id_hash(sa));
		p1_established(sa, now);
		break;
	case 6:
		if (!check_id_hash(sa, body, &l)) {
			sa->error_notify = IKE1_N_AUTHENTICATION_FAILED;
			ike_sa_destroy(sa, IKE_DOWN_FAILED);
			break;
		}
		memcpy(v->iv, next_iv, v->block);
		p1_established(sa, now);
		break;
	default:
		ep->ctr.drops[IKE_DROP_UNEXPECTED]++;
		break;
	}
	unref0(&plain);
}

/* ---- quick mode ---- */

static uint16_t esp_auth_attr(uint16_t integ)
{
	if (integ == IKE_INTEG_HMAC_SHA1_96)
		return IKE1_AUTH_HMAC_SHA;
	return integ == IKE_INTEG_HMAC_SHA2_256_128 ? IKE1_AUTH_HMAC_SHA2_256 : 0;
}

static uint16_t esp_integ_of(uint32_t auth)
{
	if (auth == IKE1_AUTH_HMAC_SHA)
		return IKE_INTEG_HMAC_SHA1_96;
	return auth == IKE1_AUTH_HMAC_SHA2_256 ? IKE_INTEG_HMAC_SHA2_256_128 : 0xffff; /* 0xffff: unknown */
}

static void put_esp_transform(GByteArray *b, uint8_t num, bool last, const struct ike_esp_proposal *p, uint16_t group,
			      const struct ike_peer_cfg *cfg, bool encap)
{
	size_t start = b->len;
	uint8_t h[8] = { last ? 0 : IKE1_PL_T, 0, 0, 0, num, (uint8_t)p->encr, 0, 0 };
	g_byte_array_append(b, h, 8);
	int64_t life = cfg->child_lifetime_ns > 0 ? cfg->child_lifetime_ns
		       : cfg->child_rekey_ns > 0 ? cfg->child_rekey_ns
						  : 27000 * NS_PER_S;
	ike1_put_attr(b, IKE1_QA_LIFE_TYPE, IKE1_LIFE_SECONDS);
	ike1_put_attr(b, IKE1_QA_LIFE_DURATION, (uint32_t)MIN(life / NS_PER_S, (int64_t)UINT32_MAX));
	if (cfg->child_lifetime_bytes) {
		ike1_put_attr(b, IKE1_QA_LIFE_TYPE, IKE1_LIFE_KILOBYTES);
		ike1_put_attr(b, IKE1_QA_LIFE_DURATION, (uint32_t)MIN(cfg->child_lifetime_bytes / 1024, (uint64_t)UINT32_MAX));
	}
	if (group)
		ike1_put_attr(b, IKE1_QA_GROUP, group);
	ike1_put_attr(b, IKE1_QA_ENCAP, encap ? IKE1_ENCAP_UDP_TUNNEL : IKE1_ENCAP_TUNNEL);
	if (p->integ)
		ike1_put_attr(b, IKE1_QA_AUTH, esp_auth_attr(p->integ));
	if (p->encr != IKE_ENCR_NULL)
		ike1_put_attr(b, IKE1_QA_KEY_LEN, p->encr_key_bits);
	size_t len = b->len - start;
	b->data[start + 2] = (uint8_t)(len >> 8);
	b->data[start + 3] = (uint8_t)len;
}

static void put_qm_sa(struct ike_sa *sa, struct ike1_builder *bld, uint32_t spi, const struct ike_esp_proposal *props,
		      const uint8_t *nums, size_t n, uint16_t group)
{
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	size_t s = ike1_pl_begin(bld, IKE1_PL_SA);
	ike1_put32(bld->b, IKE1_DOI_IPSEC);
	ike1_put32(bld->b, IKE1_SIT_IDENTITY_ONLY);
	size_t p = bld->b->len;
	uint8_t ph[8] = { 0, 0, 0, 0, 1, IKE1_PROTO_ESP, 4, (uint8_t)n };
	g_byte_array_append(bld->b, ph, 8);
	ike1_put32(bld->b, spi);
	for (size_t i = 0; i < n; i++)
		put_esp_transform(bld->b, nums[i], i + 1 == n, &props[i], group, cfg, sa->encap);
	size_t plen = bld->b->len - p;
	bld->b->data[p + 2] = (uint8_t)(plen >> 8);
	bld->b->data[p + 3] = (uint8_t)plen;
	ike1_pl_end(bld, s);
}

/* IDci / IDcr of a selector: a host, a subnet when the range is a prefix, else a range. */
static void put_ts_id(struct ike1_builder *bld, const struct ike_ts4 *ts)
{
	size_t s = ike1_pl_begin(bld, IKE1_PL_ID);
	uint16_t port = ts->start_port == ts->end_port ? ts->start_port : 0;
	uint32_t span = ts->end - ts->start;
	bool prefix = ((span + 1) & span) == 0 && (ts->start & span) == 0;
	uint8_t type = ts->start == ts->end ? IKE1_ID_IPV4_ADDR : prefix ? IKE1_ID_IPV4_ADDR_SUBNET : IKE1_ID_IPV4_ADDR_RANGE;
	uint8_t h[4] = { type, ts->proto, (uint8_t)(port >> 8), (uint8_t)port };
	ike1_put_bytes(bld->b, h, 4);
	ike1_put32(bld->b, ts->start);
	if (type == IKE1_ID_IPV4_ADDR_SUBNET)
		ike1_put32(bld->b, ~span);
	else if (type == IKE1_ID_IPV4_ADDR_RANGE)
		ike1_put32(bld->b, ts->end);
	ike1_pl_end(bld, s);
}

static bool read_ts_id(const uint8_t *b, size_t len, struct ike_ts4 *ts)
{
	if (len < 8)
		return false;
	uint16_t port = ike1_get16(b + 2);
	ts->proto = b[1];
	ts->start_port = port;
	ts->end_port = port ? port : 65535;
	uint32_t a = ike1_get32(b + 4);
	switch (b[0]) {
	case IKE1_ID_IPV4_ADDR:
		ts->start = ts->end = a;
		return len == 8;
	case IKE1_ID_IPV4_ADDR_SUBNET: {
		if (len != 12)
			return false;
		uint32_t mask = ike1_get32(b + 8);
		ts->start = a & mask;
		ts->end = ts->start | ~mask;
		return true;
	}
	case IKE1_ID_IPV4_ADDR_RANGE:
		ts->start = a;
		ts->end = ike1_get32(b + 8);
		return len == 12 && ts->start <= ts->end;
	default:
		return false;
	}
}

static bool ts_inside(const struct ike_ts4 *a, const struct ike_ts4 *outer)
{
	return (!outer->proto || outer->proto == a->proto) && outer->start <= a->start && a->end <= outer->end &&
	       outer->start_port <= a->start_port && a->end_port <= outer->end_port;
}

static bool ts_equal(const struct ike_ts4 *a, const struct ike_ts4 *b)
{
	return a->start == b->start && a->end == b->end && a->start_port == b->start_port &&
	       a->end_port == b->end_port && a->proto == b->proto;
}

static struct ike_ts4 host_ts(uint32_t ip)
{
	return (struct ike_ts4){ ip, ip, 0, 65535, 0 };
}

/* Derives both directions' keys and installs the CHILD SA (child_up fires). */
static struct ike_child *qm_install(struct ike_sa *sa, struct ike1_qm *q, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	size_t ek = ike_encr_key_len(q->prop.encr, q->prop.encr_key_bits), ak = ike_integ_key_len(q->prop.integ);
	uint8_t kin[IKE_CRYPTO_MAX_ENCR_KEY_LEN + IKE_CRYPTO_MAX_INTEG_KEY_LEN];
	uint8_t kout[sizeof(kin)];
	if (ek + ak > sizeof(kin) ||
	    !ike1_qm_keymat(v->hash_prf, v->skeyid_d, cb(q->gxy), IKE1_PROTO_ESP, q->spi_in, cb(q->ni), cb(q->nr), kin,
			    ek + ak) ||
	    !ike1_qm_keymat(v->hash_prf, v->skeyid_d, cb(q->gxy), IKE1_PROTO_ESP, q->spi_out, cb(q->ni), cb(q->nr), kout,
			    ek + ak))
		return NULL;
	struct ike_child *c = g_new0(struct ike_child, 1);
	struct ike_child_info *in = &c->info;
	c->prop = q->prop;
	in->sa_id = sa->id;
	in->spi_in = q->spi_in;
	in->spi_out = q->spi_out;
	in->encr = q->prop.encr;
	in->encr_key_bits = q->prop.encr_key_bits;
	in->integ = q->prop.integ;
	in->pfs_dh = q->group;
	in->encr_key_len = ek;
	in->integ_key_len = ak;
	memcpy(in->key_in_encr, kin, ek);
	memcpy(in->key_in_integ, kin + ek, ak);
	memcpy(in->key_out_encr, kout, ek);
	memcpy(in->key_out_integ, kout + ek, ak);
	OPENSSL_cleanse(kin, sizeof(kin));
	OPENSSL_cleanse(kout, sizeof(kout));
	in->local_ts[0] = q->initiator ? q->ts_i : q->ts_r;
	in->remote_ts[0] = q->initiator ? q->ts_r : q->ts_i;
	in->n_local_ts = in->n_remote_ts = 1;
	in->local = sa->local;
	in->remote = sa->remote;
	in->udp_encap = sa->encap;
	in->initiator = q->initiator;
	in->created_ns = now;
	int64_t rk = ike_jittered(ep, cfg->child_rekey_ns, cfg->rekey_jitter_ns);
	if (rk != INT64_MAX && !q->initiator)
		rk += rk / 10; /* the exchange's initiator rekeys first; we only if it does not */
	in->rekey_at_ns = rk == INT64_MAX ? INT64_MAX : now + rk;
	in->expire_at_ns = cfg->child_lifetime_ns > 0 ? now + cfg->child_lifetime_ns : INT64_MAX;
	in->rekey_bytes = cfg->child_rekey_bytes;
	in->lifetime_bytes = cfg->child_lifetime_bytes;
	c->state = IKE_CHILD_INSTALLED;
	g_ptr_array_add(sa->children, c);
	g_hash_table_insert(ep->child_spis, GUINT_TO_POINTER(q->spi_in), c);
	ep->ctr.v1_quick_modes++;
	ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": IKEv1 CHILD SA installed, SPIs in %08x out %08x%s",
		sa->id, q->spi_in, q->spi_out, in->udp_encap ? ", UDP-encapsulated" : "");
	if (ep->cb.child_up)
		ep->cb.child_up(ep->user, in);
	return c;
}

static void qm_start(struct ike_sa *sa, uint32_t rekey_of, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	if (!cfg->n_esp)
		return;
	qm_clear(&v->qm_out);
	struct ike1_qm *q = &v->qm_out;
	q->active = true;
	q->initiator = true;
	q->rekey_of = rekey_of;
	q->msg_id = random_msg_id(ep);
	q->spi_in = ike_random_child_spi(ep);
	q->group = cfg->esp[0].dh;
	q->ni = make_nonce(ep);
	struct ike_child *old = rekey_of ? ike_child_find(sa, rekey_of) : NULL;
	if (old) {
		q->ts_i = old->info.local_ts[0];
		q->ts_r = old->info.remote_ts[0];
		old->state = IKE_CHILD_REKEYING;
	} else {
		q->ts_i = cfg->n_local_ts ? cfg->local_ts[0] : host_ts(sa->local.ip);
		q->ts_r = cfg->n_remote_ts ? cfg->remote_ts[0] : host_ts(sa->remote.ip);
	}
	if (q->group && !make_ke(ep, q->group, &q->dh, &q->ke_pub)) {
		qm_clear(q);
		return;
	}
	struct ike1_builder bld;
	ike1_builder_init(&bld);
	size_t s = ike1_pl_begin(&bld, IKE1_PL_HASH);
	g_byte_array_set_size(bld.b, bld.b->len + (guint)v->prf_len);
	ike1_pl_end(&bld, s);
	uint8_t nums[IKE_MAX_PROPOSALS];
	for (size_t i = 0; i < cfg->n_esp; i++)
		nums[i] = (uint8_t)(i + 1);
	put_qm_sa(sa, &bld, q->spi_in, cfg->esp, nums, cfg->n_esp, q->group);
	ike1_put_simple(&bld, IKE1_PL_NONCE, q->ni->data, q->ni->len);
	if (q->group)
		ike1_put_simple(&bld, IKE1_PL_KE, q->ke_pub->data, q->ke_pub->len);
	put_ts_id(&bld, &q->ts_i);
	put_ts_id(&bld, &q->ts_r);
	fill_hash(sa, bld.b, q->msg_id, NULL);
	phase2_iv(sa, q->msg_id, q->iv);
	GByteArray *m = seal(sa, IKE1_EXCH_QUICK, q->msg_id, &bld, q->iv);
	ike_log(ep, G_LOG_LEVEL_DEBUG, "IKE SA %" G_GUINT64_FORMAT ": quick mode %08x%s", sa->id, q->msg_id,
		rekey_of ? " (rekey)" : "");
	request_send(sa, IKE1_REQ_QM, IKE1_EXCH_QUICK, m, now);
}

/* Checks HASH(1)/HASH(2) (the first payload) over the rest of the chain. */
static bool check_qm_hash(struct ike_sa *sa, const GByteArray *plain, const struct ike1_payloads *l, uint32_t msg_id,
			  const GByteArray *ni)
{
	struct ike1_sa *v = sa->v1;
	if (l->n == 0 || l->pl[0].type != IKE1_PL_HASH || l->pl[0].len != 4 + v->prf_len) {
		sa->ep->ctr.drops[IKE_DROP_INVALID]++;
		return false;
	}
	uint8_t mid[4] = { (uint8_t)(msg_id >> 24), (uint8_t)(msg_id >> 16), (uint8_t)(msg_id >> 8), (uint8_t)msg_id };
	size_t from = l->pl[0].len;
	struct ike_crypto_buf parts[3] = { { mid, 4 }, cb(ni), { plain->data + from, l->end - from } };
	uint8_t h[IKE1_MAX_HASH];
	if (!ike_prf(v->hash_prf, v->skeyid_a, v->prf_len, parts, 3, h) ||
	    CRYPTO_memcmp(h, plain->data + 4, v->prf_len) != 0) {
		sa->ep->ctr.v1_bad_hash++;
		return false;
	}
	return true;
}

static void hash3(struct ike_sa *sa, const struct ike1_qm *q, uint8_t *out)
{
	struct ike1_sa *v = sa->v1;
	static const uint8_t zero = 0;
	uint8_t mid[4] = { (uint8_t)(q->msg_id >> 24), (uint8_t)(q->msg_id >> 16), (uint8_t)(q->msg_id >> 8),
			   (uint8_t)q->msg_id };
	struct ike_crypto_buf parts[4] = { { &zero, 1 }, { mid, 4 }, cb(q->ni), cb(q->nr) };
	if (!ike_prf(v->hash_prf, v->skeyid_a, v->prf_len, parts, 4, out))
		g_error("HASH(3) failed");
}

/* Reads an ESP transform into our terms; false if we could not run it. */
static bool esp_from_xform(const struct ike1_xform *x, struct ike_esp_proposal *p, uint32_t *encap)
{
	uint32_t kl = 0, auth = 0, group = 0;
	memset(p, 0, sizeof(*p));
	p->encr = x->id;
	if (x->id != IKE_ENCR_AES_CBC && x->id != IKE_ENCR_AES_GCM_16 && x->id != IKE_ENCR_NULL)
		return false;
	ike1_attr_get(x, IKE1_QA_KEY_LEN, &kl);
	p->encr_key_bits = (uint16_t)(x->id == IKE_ENCR_NULL ? 0 : kl ? kl : 128);
	p->integ = ike1_attr_get(x, IKE1_QA_AUTH, &auth) ? esp_integ_of(auth) : 0;
	if (ike1_attr_get(x, IKE1_QA_GROUP, &group))
		p->dh = (uint16_t)group;
	*encap = IKE1_ENCAP_TUNNEL;
	ike1_attr_get(x, IKE1_QA_ENCAP, encap);
	return p->integ != 0xffff && group <= 0xffff && kl <= 256;
}

static bool esp_acceptable(const struct ike_peer_cfg *cfg, const struct ike_esp_proposal *p)
{
	for (size_t k = 0; k < cfg->n_esp; k++) {
		const struct ike_esp_proposal *o = &cfg->esp[k];
		if (o->encr != p->encr || o->encr_key_bits != p->encr_key_bits || o->integ != p->integ)
			continue;
		if (o->dh == p->dh || (o->dh == 0 && p->dh && ike_dh_group_lookup(p->dh)))
			return true; /* PFS when the peer asks for it */
	}
	return false;
}

static struct ike1_qm *qm_in_slot(struct ike1_sa *v, uint32_t msg_id)
{
	for (int i = 0; i < IKE1_MAX_QM; i++)
		if (v->qm_in[i].active && v->qm_in[i].msg_id == msg_id)
			return &v->qm_in[i];
	return NULL;
}

/* A quick-mode error: told to the peer in an Informational (with HASH(1)). */
static void qm_notify(struct ike_sa *sa, uint16_t type, uint32_t spi)
{
	struct ike1_builder pls;
	ike1_builder_init(&pls);
	uint8_t s[4];
	put_spi32(s, spi);
	ike1_put_notify(&pls, IKE1_PROTO_ESP, s, 4, type, NULL, 0);
	ike_count_notify(sa->ep->ctr.notify_tx, type);
	send_info(sa, &pls);
}

/* Responder: QM1. */
static void qm1_in(struct ike_sa *sa, const uint8_t *raw, size_t len, const struct ike1_hdr *h, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	struct ike1_qm *slot = NULL;
	for (int i = 0; i < IKE1_MAX_QM && !slot; i++)
		if (!v->qm_in[i].active)
			slot = &v->qm_in[i];
	if (!slot) {
		ep->ctr.drops[IKE_DROP_UNEXPECTED]++;
		return;
	}
	uint8_t iv[16], next_iv[16];
	phase2_iv(sa, h->msg_id, iv);
	GByteArray *plain = NULL;
	struct ike1_payloads l;
	if (!open_body(sa, raw, len, h, iv, &plain, &l, next_iv))
		return;
	if (!check_qm_hash(sa, plain, &l, h->msg_id, NULL)) {
		unref0(&plain);
		return;
	}
	ep->ctr.v1_rx[EX_QM]++;
	sa->last_rx_ns = now;
	const uint8_t *body = plain->data;
	const struct ike1_pl *spl = ike1_find(&l, IKE1_PL_SA, 0), *no = ike1_find(&l, IKE1_PL_NONCE, 0);
	const struct ike1_pl *ke = ike1_find(&l, IKE1_PL_KE, 0), *idi = ike1_find(&l, IKE1_PL_ID, 0);
	const struct ike1_pl *idr = idi ? ike1_find(&l, IKE1_PL_ID, (size_t)(idi - l.pl) + 1) : NULL;
	struct ike1_qm *q = slot;
	memset(q, 0, sizeof(*q));
	q->msg_id = h->msg_id;
	memcpy(q->iv, next_iv, v->block);
	uint16_t err = 0;
	uint32_t peer_spi = 0;
	struct ike1_sa_pl *sp = g_new(struct ike1_sa_pl, 1);
	if (!spl || !no || no->len - 4 < 8 || (idi && !idr) ||
	    ike1_sa_parse(body + spl->off + 4, spl->len - 4, sp) != IKE1_PARSE_OK) {
		err = IKE1_N_PAYLOAD_MALFORMED;
	} else {
		q->ts_i = idi ? (struct ike_ts4){ 0 } : host_ts(sa->remote.ip);
		q->ts_r = idi ? (struct ike_ts4){ 0 } : host_ts(sa->local.ip);
		if (idi && (!read_ts_id(body + idi->off + 4, idi->len - 4, &q->ts_i) ||
			    !read_ts_id(body + idr->off + 4, idr->len - 4, &q->ts_r)))
			err = IKE1_N_INVALID_ID_INFORMATION;
		bool ok_i = !cfg->n_remote_ts, ok_r = !cfg->n_local_ts;
		for (size_t k = 0; k < cfg->n_remote_ts; k++)
			ok_i |= ts_inside(&q->ts_i, &cfg->remote_ts[k]);
		for (size_t k = 0; k < cfg->n_local_ts; k++)
			ok_r |= ts_inside(&q->ts_r, &cfg->local_ts[k]);
		if (!err && (!ok_i || !ok_r))
			err = IKE1_N_INVALID_ID_INFORMATION;
		const struct ike1_prop *pr = &sp->props[0];
		bool found = false;
		uint8_t num = 0;
		if (!err && pr->proto == IKE1_PROTO_ESP && pr->spi_len == 4) {
			peer_spi = ike1_get32(pr->spi);
			for (uint8_t i = 0; i < pr->n_xf && !found; i++) {
				struct ike_esp_proposal p;
				uint32_t encap;
				if (!esp_from_xform(&pr->xf[i], &p, &encap) || !esp_acceptable(cfg, &p))
					continue;
				bool udp = encap == IKE1_ENCAP_UDP_TUNNEL || encap == IKE1_ENCAP_UDP_TUNNEL_DRAFT;
				if (udp != sa->encap)
					continue;
				found = true;
				q->prop = p;
				num = pr->xf[i].num;
			}
		}
		if (!err && !found)
			err = IKE1_N_NO_PROPOSAL_CHOSEN;
		q->group = q->prop.dh;
		const struct ike_dh_group *g = q->group ? ike_dh_group_lookup(q->group) : NULL;
		if (!err && ((q->group && (!ke || ke->len - 4 != ike_dh_public_len(g))) || (!q->group && ke)))
			err = IKE1_N_NO_PROPOSAL_CHOSEN;
		if (!err) {
			q->active = true;
			q->spi_out = peer_spi;
			q->spi_in = ike_random_child_spi(ep);
			q->ni = bytes_new(body + no->off + 4, no->len - 4);
			q->nr = make_nonce(ep);
			if (q->group) {
				if (!make_ke(ep, q->group, &q->dh, &q->ke_pub)) {
					err = IKE1_N_NO_PROPOSAL_CHOSEN;
				} else {
					q->gxy = g_byte_array_sized_new((guint)ike_dh_secret_len(g));
					g_byte_array_set_size(q->gxy, (guint)ike_dh_secret_len(g));
					if (ike_dh_derive(q->dh, body + ke->off + 4, ke->len - 4, q->gxy->data) != IKE_DHV_OK) {
						ep->ctr.drops[IKE_DROP_DH]++;
						err = IKE1_N_NO_PROPOSAL_CHOSEN;
					}
				}
			}
		}
		if (!err) {
			struct ike1_builder bld;
			ike1_builder_init(&bld);
			size_t s = ike1_pl_begin(&bld, IKE1_PL_HASH);
			g_byte_array_set_size(bld.b, bld.b->len + (guint)v->prf_len);
			ike1_pl_end(&bld, s);
			put_qm_sa(sa, &bld, q->spi_in, &q->prop, &num, 1, q->group);
			ike1_put_simple(&bld, IKE1_PL_NONCE, q->nr->data, q->nr->len);
			if (q->group)
				ike1_put_simple(&bld, IKE1_PL_KE, q->ke_pub->data, q->ke_pub->len);
			if (idi) {
				ike1_put_simple(&bld, IKE1_PL_ID, body + idi->off + 4, idi->len - 4);
				ike1_put_simple(&bld, IKE1_PL_ID, body + idr->off + 4, idr->len - 4);
			}
			fill_hash(sa, bld.b, q->msg_id, q->ni);
			GByteArray *m = seal(sa, IKE1_EXCH_QUICK, q->msg_id, &bld, q->iv);
			q->last_rx = bytes_new(raw, len);
			q->last_tx = m;
			q->sent = 1;
			q->first_ns = now;
			q->deadline_ns = now + retransmit_wait(sa, 0);
			send_bytes(sa, IKE1_EXCH_QUICK, m);
		}
	}
	g_free(sp);
	if (err) {
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": quick mode %08x refused (notify %u)", sa->id,
			h->msg_id, err);
		qm_clear(q);
		qm_notify(sa, err, peer_spi);
	}
	unref0(&plain);
}

/* Initiator: QM2. */
static void qm2_in(struct ike_sa *sa, const uint8_t *raw, size_t len, const struct ike1_hdr *h, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	struct ike_endpoint *ep = sa->ep;
	struct ike1_qm *q = &v->qm_out;
	if (q->done) {
		if (q->last_rx && q->last_rx->len == len && memcmp(q->last_rx->data, raw, len) == 0 && q->last_tx) {
			ep->ctr.resp_resent++;
			send_bytes(sa, IKE1_EXCH_QUICK, q->last_tx);
		} else {
			ep->ctr.drops[IKE_DROP_UNEXPECTED]++;
		}
		return;
	}
	uint8_t next_iv[16];
	GByteArray *plain = NULL;
	struct ike1_payloads l;
	if (!open_body(sa, raw, len, h, q->iv, &plain, &l, next_iv))
		return;
	if (!check_qm_hash(sa, plain, &l, h->msg_id, q->ni)) {
		unref0(&plain);
		return;
	}
	ep->ctr.v1_rx[EX_QM]++;
	sa->last_rx_ns = now;
	memcpy(q->iv, next_iv, v->block);
	const uint8_t *body = plain->data;
	const struct ike1_pl *spl = ike1_find(&l, IKE1_PL_SA, 0), *no = ike1_find(&l, IKE1_PL_NONCE, 0);
	const struct ike1_pl *ke = ike1_find(&l, IKE1_PL_KE, 0);
	struct ike1_sa_pl *sp = g_new(struct ike1_sa_pl, 1);
	bool ok = spl && no && no->len - 4 >= 8 && ike1_sa_parse(body + spl->off + 4, spl->len - 4, sp) == IKE1_PARSE_OK &&
		  sp->props[0].proto == IKE1_PROTO_ESP && sp->props[0].spi_len == 4 && sp->props[0].n_xf == 1;
	struct ike_esp_proposal p;
	uint32_t encap = 0;
	ok = ok && esp_from_xform(&sp->props[0].xf[0], &p, &encap) && esp_acceptable(ike_sa_cfg(sa), &p) &&
	     p.dh == q->group;
	if (ok) {
		q->spi_out = ike1_get32(sp->props[0].spi);
		q->prop = p;
		q->nr = bytes_new(body + no->off + 4, no->len - 4);
		if (q->group) {
			const struct ike_dh_group *g = ike_dh_group_lookup(q->group);
			q->gxy = g_byte_array_sized_new((guint)ike_dh_secret_len(g));
			g_byte_array_set_size(q->gxy, (guint)ike_dh_secret_len(g));
			ok = ke && ike_dh_derive(q->dh, body + ke->off + 4, ke->len - 4, q->gxy->data) == IKE_DHV_OK;
		}
	}
	g_free(sp);
	unref0(&plain);
	if (!ok) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		return; /* keep waiting: a forged or broken QM2 must not end the exchange */
	}
	struct ike1_builder bld;
	ike1_builder_init(&bld);
	uint8_t h3[IKE1_MAX_HASH];
	hash3(sa, q, h3);
	ike1_put_simple(&bld, IKE1_PL_HASH, h3, v->prf_len);
	GByteArray *m = seal(sa, IKE1_EXCH_QUICK, q->msg_id, &bld, q->iv);
	send_bytes(sa, IKE1_EXCH_QUICK, m);
	q->last_rx = bytes_new(raw, len);
	q->last_tx = m;
	q->done = true;
	req_clear(v);
	struct ike_child *c = qm_install(sa, q, now);
	if (q->rekey_of) {
		struct ike_child *old = ike_child_find(sa, q->rekey_of);
		if (old && c) {
			ep->ctr.child_rekeys++;
			uint32_t s = old->info.spi_in;
			send_delete(sa, &s, 1, false);
			ike_child_remove(sa, old, IKE_DOWN_REKEYED);
		} else if (old) {
			old->state = IKE_CHILD_INSTALLED;
		}
	}
	if (q->dh) {
		ike_dh_key_free(q->dh);
		q->dh = NULL;
	}
	unref0(&q->gxy);
}

/* Responder: QM3. */
static void qm3_in(struct ike_sa *sa, struct ike1_qm *q, const uint8_t *raw, size_t len, const struct ike1_hdr *h,
		   int64_t now)
{
	struct ike1_sa *v = sa->v1;
	struct ike_endpoint *ep = sa->ep;
	if (q->last_rx && q->last_rx->len == len && memcmp(q->last_rx->data, raw, len) == 0) {
		ep->ctr.resp_resent++;
		send_bytes(sa, IKE1_EXCH_QUICK, q->last_tx); /* QM1 again: QM2 was lost */
		return;
	}
	uint8_t next_iv[16];
	GByteArray *plain = NULL;
	struct ike1_payloads l;
	if (!open_body(sa, raw, len, h, q->iv, &plain, &l, next_iv))
		return;
	uint8_t h3[IKE1_MAX_HASH];
	hash3(sa, q, h3);
	bool ok = l.n >= 1 && l.pl[0].type == IKE1_PL_HASH && l.pl[0].len == 4 + v->prf_len &&
		  CRYPTO_memcmp(h3, plain->data + 4, v->prf_len) == 0;
	unref0(&plain);
	if (!ok) {
		ep->ctr.v1_bad_hash++;
		return;
	}
	ep->ctr.v1_rx[EX_QM]++;
	sa->last_rx_ns = now;
	struct ike_child *c = qm_install(sa, q, now);
	if (c) {
		/* a CHILD SA with the same selectors is being replaced by the peer's rekey */
		for (guint i = 0; i < sa->children->len; i++) {
			struct ike_child *o = g_ptr_array_index(sa->children, i);
			if (o != c && o->state == IKE_CHILD_INSTALLED && ts_equal(&o->info.local_ts[0], &c->info.local_ts[0]) &&
			    ts_equal(&o->info.remote_ts[0], &c->info.remote_ts[0])) {
				o->replaced = true;
				o->state = IKE_CHILD_REKEYED;
				o->info.rekey_at_ns = INT64_MAX;
				ep->ctr.child_rekeys++;
			}
		}
	}
	qm_clear(q);
}

static void qm_in(struct ike_sa *sa, const uint8_t *raw, size_t len, const struct ike1_hdr *h, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	if (sa->state != IKE_SA_ESTABLISHED && sa->state != IKE_SA_REKEYED) {
		sa->ep->ctr.drops[IKE_DROP_UNEXPECTED]++;
		return;
	}
	if (v->qm_out.active && v->qm_out.msg_id == h->msg_id) {
		qm2_in(sa, raw, len, h, now);
		return;
	}
	struct ike1_qm *q = qm_in_slot(v, h->msg_id);
	if (q)
		qm3_in(sa, q, raw, len, h, now);
	else
		qm1_in(sa, raw, len, h, now);
}

/* ---- informational ---- */

/* The peer deleted this ISAKMP SA. Its quick-mode SAs do not depend on it (RFC 2408): when
 * another ISAKMP SA with the same peer is established, they move there without child events;
 * otherwise they go down with it. */
static void peer_deleted_isakmp(struct ike_sa *sa)
{
	struct ike_endpoint *ep = sa->ep;
	ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": peer deleted the ISAKMP SA", sa->id);
	if (sa->children->len) {
		struct ike_sa *heir = NULL;
		GHashTableIter it;
		gpointer k, val;
		g_hash_table_iter_init(&it, ep->by_id);
		while (g_hash_table_iter_next(&it, &k, &val)) {
			struct ike_sa *o = val;
			if (o != sa && o->v1 && o->peer == sa->peer && o->state == IKE_SA_ESTABLISHED &&
			    o->remote.ip == sa->remote.ip && (!heir || o->id > heir->id))
				heir = o;
		}
		if (heir) {
			ike_child_move(sa, heir);
			sa->replaced = true;
		}
	}
	ike_sa_destroy(sa, sa->replaced ? IKE_DOWN_REKEYED : IKE_DOWN_DELETED_PEER);
}

static void dpd_send(struct ike_sa *sa, int64_t now, bool first);

static void info_notify_in(struct ike_sa *sa, const uint8_t *b, size_t n)
{
	struct ike1_sa *v = sa->v1;
	struct ike_endpoint *ep = sa->ep;
	uint16_t type = ike1_get16(b + 6);
	size_t spi_len = b[5];
	const uint8_t *data = b + 8 + spi_len;
	size_t dlen = n - 8 - spi_len;
	ike_count_notify(ep->ctr.notify_rx, type);
	if (type == IKE1_N_R_U_THERE && dlen == 4) {
		struct ike1_builder pls;
		ike1_builder_init(&pls);
		uint8_t spi[16];
		put_isakmp_spi(sa, spi);
		ike1_put_notify(&pls, IKE1_PROTO_ISAKMP, spi, 16, IKE1_N_R_U_THERE_ACK, data, 4);
		send_info(sa, &pls);
		return;
	}
	if (type == IKE1_N_R_U_THERE_ACK && dlen == 4) {
		uint32_t seq = ike1_get32(data);
		if (v->req.kind == IKE1_REQ_DPD && seq > v->dpd_acked && seq <= v->dpd_seq) {
			v->dpd_acked = seq;
			ep->ctr.v1_dpd_acks++;
			req_clear(v);
		}
		return;
	}
	if (type < 8192 && v->qm_out.active && !v->qm_out.done) {
		/* our quick mode was refused; the ISAKMP SA stays */
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": quick mode refused with notify %u", sa->id,
			type);
		sa->error_notify = type;
		struct ike_child *old = v->qm_out.rekey_of ? ike_child_find(sa, v->qm_out.rekey_of) : NULL;
		if (old)
			old->state = IKE_CHILD_INSTALLED;
		qm_clear(&v->qm_out);
		req_clear(v);
	}
}

static void info_delete_in(struct ike_sa *sa, const uint8_t *b, bool *isakmp)
{
	uint8_t proto = b[4], spi_len = b[5];
	uint16_t n = ike1_get16(b + 6);
	const uint8_t *spis = b + 8;
	if (proto == IKE1_PROTO_ISAKMP && spi_len == 16) {
		for (uint16_t i = 0; i < n; i++)
			if (ike_get64(spis + 16 * i) == sa->spi_i && ike_get64(spis + 16 * i + 8) == sa->spi_r)
				*isakmp = true;
		return;
	}
	if (proto != IKE1_PROTO_ESP || spi_len != 4)
		return;
	for (uint16_t i = 0; i < n; i++) {
		struct ike_child *c = ike_child_find_out(sa, ike1_get32(spis + 4 * i));
		if (c)
			ike_child_remove(sa, c, c->replaced ? IKE_DOWN_REKEYED : IKE_DOWN_DELETED_PEER);
	}
}

static void info_in(struct ike_sa *sa, const uint8_t *raw, size_t len, const struct ike1_hdr *h, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	struct ike_endpoint *ep = sa->ep;
	if (!(h->flags & IKE1_FLAG_ENC)) {
		/* before the keys agree, a refusal comes unprotected: accepted only during Main Mode */
		struct ike1_payloads l;
		const uint8_t *body = raw + IKE1_HDR_LEN;
		if (v->have_keys && sa->state != IKE_SA_AUTH_SENT) {
			ep->ctr.drops[IKE_DROP_UNEXPECTED]++;
			return;
		}
		if (sa->state == IKE_SA_ESTABLISHED ||
		    ike1_payloads_parse(h->next, body, len - IKE1_HDR_LEN, false, &l) != IKE1_PARSE_OK ||
		    ike1_payloads_validate(body, &l) != IKE1_PARSE_OK) {
			ep->ctr.drops[IKE_DROP_INVALID]++;
			return;
		}
		const struct ike1_pl *np = ike1_find(&l, IKE1_PL_N, 0);
		ep->ctr.v1_rx[EX_INFO]++;
		if (!np)
			return;
		uint16_t type = ike1_get16(body + np->off + 4 + 6);
		ike_count_notify(ep->ctr.notify_rx, type);
		if (type < 8192) {
			ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": Main Mode refused with notify %u", sa->id,
				type);
			sa->error_notify = type;
			ike_sa_destroy(sa, IKE_DOWN_FAILED);
		}
		return;
	}
	if (sa->state != IKE_SA_ESTABLISHED && sa->state != IKE_SA_REKEYED) {
		ep->ctr.drops[IKE_DROP_UNEXPECTED]++;
		return;
	}
	uint8_t iv[16], next_iv[16];
	phase2_iv(sa, h->msg_id, iv);
	GByteArray *plain = NULL;
	struct ike1_payloads l;
	if (!open_body(sa, raw, len, h, iv, &plain, &l, next_iv))
		return;
	if (!check_qm_hash(sa, plain, &l, h->msg_id, NULL)) {
		unref0(&plain);
		return;
	}
	ep->ctr.v1_rx[EX_INFO]++;
	sa->last_rx_ns = now;
	bool isakmp = false;
	for (size_t i = 1; i < l.n; i++) {
		const uint8_t *b = plain->data + l.pl[i].off + 4;
		size_t n = l.pl[i].len - 4;
		if (l.pl[i].type == IKE1_PL_N)
			info_notify_in(sa, b, n);
		else if (l.pl[i].type == IKE1_PL_D)
			info_delete_in(sa, b, &isakmp);
	}
	unref0(&plain);
	if (isakmp)
		peer_deleted_isakmp(sa);
}

/* ---- input ---- */

static struct ike_sa *lookup(struct ike_endpoint *ep, const struct ike1_hdr *h)
{
	struct ike_sa *sa = h->rcookie ? ike_sa_by_spi(ep, h->rcookie) : NULL;
	if (sa && sa->v1 && !sa->initiator && sa->spi_i == h->icookie)
		return sa;
	sa = ike_sa_by_spi(ep, h->icookie);
	if (sa && sa->v1 && sa->initiator && (sa->spi_r == 0 || h->rcookie == 0 || sa->spi_r == h->rcookie))
		return sa;
	return NULL;
}

void ike1_input(struct ike_endpoint *ep, const struct ike_dgram *d, const uint8_t *raw, size_t len, int64_t now)
{
	struct ike1_hdr h;
	enum ike1_parse_verdict pv = ike1_hdr_parse(raw, len, &h);
	if (pv == IKE1_PARSE_OK && (h.flags & IKE1_FLAG_ENC) && (len - IKE1_HDR_LEN == 0 || (len - IKE1_HDR_LEN) % 8))
		pv = IKE1_PARSE_BAD_ALIGNMENT;
	if (pv != IKE1_PARSE_OK) {
		ep->ctr.drops[IKE_DROP_V1_PARSE]++;
		ep->ctr.v1_parse_drops[pv]++;
		return;
	}
	if (h.rcookie == 0 && h.exchange == IKE1_EXCH_MAIN && !(h.flags & IKE1_FLAG_ENC)) {
		mm1_in(ep, d, raw, len, &h, now);
		return;
	}
	struct ike_sa *sa = lookup(ep, &h);
	if (!sa) {
		ep->ctr.drops[IKE_DROP_NO_SA]++;
		return;
	}
	switch (h.exchange) {
	case IKE1_EXCH_MAIN:
		if (sa->state == IKE_SA_ESTABLISHED && !sa->initiator) {
			mm_in(sa, d, raw, len, &h, now); /* a repeated MM5: MM6 again */
			break;
		}
		if (h.rcookie == 0 || (sa->initiator && h.rcookie != sa->spi_r && sa->spi_r)) {
			ep->ctr.drops[IKE_DROP_UNEXPECTED]++;
			break;
		}
		mm_in(sa, d, raw, len, &h, now);
		break;
	case IKE1_EXCH_QUICK:
		qm_in(sa, raw, len, &h, now);
		break;
	case IKE1_EXCH_INFO:
		info_in(sa, raw, len, &h, now);
		break;
	default:
		ep->ctr.drops[IKE_DROP_UNEXPECTED]++;
		break;
	}
	if (sa->state != IKE_SA_DEAD) {
		if (sa->encap && sa->have_keys && (d->src.ip != sa->remote.ip || d->src.port != sa->remote.port) &&
		    sa->last_rx_ns == now && sa->state == IKE_SA_ESTABLISHED)
			sa->remote = d->src; /* follow the peer's NAT mapping */
		ike1_task_next(sa, now);
		if (sa->state != IKE_SA_DEAD)
			ike_sa_update_timer(sa, now);
	}
}

/* ---- tasks and timers ---- */

static void dpd_send(struct ike_sa *sa, int64_t now, bool first)
{
	struct ike1_sa *v = sa->v1;
	v->dpd_seq++;
	struct ike1_builder pls;
	ike1_builder_init(&pls);
	uint8_t spi[16], seq[4];
	put_isakmp_spi(sa, spi);
	put_spi32(seq, v->dpd_seq);
	ike1_put_notify(&pls, IKE1_PROTO_ISAKMP, spi, 16, IKE1_N_R_U_THERE, seq, 4);
	sa->ep->ctr.dpd_sent++;
	if (first) {
		req_clear(v);
		v->req.kind = IKE1_REQ_DPD;
		v->req.sent = 0;
		v->req.first_ns = now;
	}
	v->req.deadline_ns = now + retransmit_wait(sa, v->req.sent);
	v->req.sent++;
	send_info(sa, &pls);
}

/* Phase-1 rekey as configured (enum ike1_p1_rekey). */
static void p1_rekey(struct ike_sa *sa, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	if (cfg->remote.ip == 0 || v->rekey_started)
		return; /* a responder-only configuration cannot start Main Mode */
	v->rekey_started = true;
	int peer = sa->peer;
	if (cfg->ike1_p1_rekey == IKE1_P1_REKEY_BREAK_BEFORE_MAKE) {
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": IKEv1 rekey, break before make", sa->id);
		uint32_t spis[64];
		size_t n = 0;
		for (guint i = 0; i < sa->children->len && n < G_N_ELEMENTS(spis); i++)
			spis[n++] = ((struct ike_child *)g_ptr_array_index(sa->children, i))->info.spi_in;
		send_delete(sa, spis, n, true);
		while (sa->children->len)
			ike_child_remove(sa, g_ptr_array_index(sa->children, sa->children->len - 1), IKE_DOWN_DELETED_LOCAL);
		ep->ctr.ike_rekeys++;
		ike_sa_set_state(sa, IKE_SA_DELETING);
		ike_sa_destroy(sa, IKE_DOWN_DELETED_LOCAL);
		ike1_initiate(ep, peer, now);
		return;
	}
	ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": IKEv1 rekey, make before break", sa->id);
	uint64_t nid = ike1_initiate(ep, peer, now);
	struct ike_sa *n = ike_sa_by_id(ep, nid);
	if (n)
		n->v1->replaces = sa->id;
	v->rekey_sa = nid;
	sa->rekey_at_ns = now + IKE1_REKEY_CHECK_NS;
}

static void ike_delete_now(struct ike_sa *sa)
{
	uint32_t spis[64];
	size_t n = 0;
	for (guint i = 0; i < sa->children->len && n < G_N_ELEMENTS(spis); i++)
		spis[n++] = ((struct ike_child *)g_ptr_array_index(sa->children, i))->info.spi_in;
	send_delete(sa, spis, n, true);
	ike_sa_set_state(sa, IKE_SA_DELETING);
	ike_sa_destroy(sa, IKE_DOWN_DELETED_LOCAL);
}

void ike1_task_next(struct ike_sa *sa, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	static const enum ike_task order[] = { IKE_TASK_IKE_DELETE, IKE_TASK_CHILD_DELETE, IKE_TASK_CHILD_REKEY,
					       IKE_TASK_IKE_REKEY, IKE_TASK_DPD };
	while (sa->state == IKE_SA_ESTABLISHED && v->req.kind == IKE1_REQ_NONE && sa->queue->len) {
		guint pick = G_MAXUINT;
		for (size_t o = 0; o < G_N_ELEMENTS(order) && pick == G_MAXUINT; o++)
			for (guint i = 0; i < sa->queue->len; i++)
				if (g_array_index(sa->queue, struct ike_task_item, i).task == order[o]) {
					pick = i;
					break;
				}
		if (pick == G_MAXUINT) {
			g_array_set_size(sa->queue, 0);
			break;
		}
		struct ike_task_item it = g_array_index(sa->queue, struct ike_task_item, pick);
		g_array_remove_index(sa->queue, pick);
		struct ike_child *c = it.spi ? ike_child_find(sa, it.spi) : NULL;
		if (c)
			c->task_queued = false;
		switch (it.task) {
		case IKE_TASK_IKE_DELETE:
			ike_delete_now(sa);
			return;
		case IKE_TASK_CHILD_DELETE:
			send_delete(sa, &it.spi, 1, false);
			if (c)
				ike_child_remove(sa, c, IKE_DOWN_DELETED_LOCAL);
			break;
		case IKE_TASK_CHILD_REKEY:
			if (!it.spi || (c && c->state == IKE_CHILD_INSTALLED))
				qm_start(sa, it.spi, now);
			break;
		case IKE_TASK_IKE_REKEY:
			p1_rekey(sa, now);
			if (sa->state == IKE_SA_DEAD)
				return;
			break;
		case IKE_TASK_DPD:
			if (v->peer_dpd)
				dpd_send(sa, now, true);
			break;
		default:
			break;
		}
	}
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int64_t ike1_request_deadline(const struct ike_sa *sa, bool *busy)
{
	const struct ike1_sa *v = sa->v1;
	int64_t t = INT64_MAX;
	if (v->req.kind != IKE1_REQ_NONE)
		t = min64(t, v->req.deadline_ns);
	for (int i = 0; i < IKE1_MAX_QM; i++)
		if (v->qm_in[i].active)
			t = min64(t, v->qm_in[i].deadline_ns);
	*busy = v->req.kind != IKE1_REQ_NONE;
	return t;
}

bool ike1_dpd_allowed(const struct ike_sa *sa)
{
	return sa->v1->peer_dpd;
}

/* Retransmits our outstanding request, or gives up. false: the SA was destroyed. */
static bool request_timeout(struct ike_sa *sa, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	const struct ike_retransmit_cfg *rc = &ike_sa_cfg(sa)->retransmit;
	if (v->req.sent > rc->tries) {
		ike_log(sa->ep, G_LOG_LEVEL_WARNING,
			"IKE SA %" G_GUINT64_FORMAT ": no answer after %u transmissions (%.3f s): peer dead", sa->id,
			v->req.sent, (double)(now - v->req.first_ns) / 1e9);
		ike_sa_destroy(sa, IKE_DOWN_PEER_DEAD);
		return false;
	}
	sa->ep->ctr.retransmits++;
	if (v->req.kind == IKE1_REQ_DPD) {
		dpd_send(sa, now, false);
		return true;
	}
	v->req.deadline_ns = now + retransmit_wait(sa, v->req.sent);
	v->req.sent++;
	uint8_t exch = v->req.msg->data[18];
	send_bytes(sa, exch, v->req.msg);
	return true;
}

void ike1_timer(struct ike_sa *sa, int64_t now)
{
	struct ike1_sa *v = sa->v1;
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	if (v->req.kind != IKE1_REQ_NONE && now >= v->req.deadline_ns && !request_timeout(sa, now))
		return;
	for (int i = 0; i < IKE1_MAX_QM; i++) {
		struct ike1_qm *q = &v->qm_in[i];
		if (!q->active || now < q->deadline_ns)
			continue;
		if (q->sent > cfg->retransmit.tries) {
			qm_clear(q);
			continue;
		}
		q->deadline_ns = now + retransmit_wait(sa, q->sent);
		q->sent++;
		ep->ctr.retransmits++;
		send_bytes(sa, IKE1_EXCH_QUICK, q->last_tx);
	}
	if (sa->state == IKE_SA_HALF_OPEN && now >= sa->created_ns + ep->cfg.half_open_timeout_ns) {
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": half-open timeout", sa->id);
		ike_sa_destroy(sa, IKE_DOWN_FAILED);
		return;
	}
	if (sa->state == IKE_SA_REKEYED && now >= sa->expire_at_ns) {
		send_delete(sa, NULL, 0, true); /* replaced here: the peer can let its side go too */
		ike_sa_destroy(sa, IKE_DOWN_REKEYED);
		return;
	}
	if (sa->state != IKE_SA_ESTABLISHED)
		return;
	int64_t ka = ike_keepalive_interval(sa);
	if (ka > 0 && now >= sa->last_tx_ns + ka) {
		static const uint8_t keepalive = 0xff;
		struct ike_dgram d = { .src = sa->local, .dst = sa->remote, .data = &keepalive, .len = 1 };
		ep->ctr.keepalives_sent++;
		sa->last_tx_ns = now;
		ep->cb.send(ep->user, &d);
	}
	if (now >= sa->expire_at_ns) {
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": lifetime expired", sa->id);
		sa->expire_at_ns = INT64_MAX;
		ike_task_queue(sa, IKE_TASK_IKE_DELETE, 0);
	}
	for (guint i = 0; i < sa->children->len;) {
		struct ike_child *c = g_ptr_array_index(sa->children, i);
		if (now >= c->info.expire_at_ns) {
			uint32_t spi = c->info.spi_in;
			ike_child_remove(sa, c, IKE_DOWN_EXPIRED);
			send_delete(sa, &spi, 1, false);
			continue;
		}
		if (c->state == IKE_CHILD_INSTALLED && !c->task_queued && now >= c->info.rekey_at_ns)
			ike_task_queue(sa, IKE_TASK_CHILD_REKEY, c->info.spi_in);
		i++;
	}
	if (now >= sa->rekey_at_ns && v->req.kind == IKE1_REQ_NONE) {
		const struct ike_sa *n = v->rekey_started ? ike_sa_by_id(ep, v->rekey_sa) : NULL;
		if (n && n->state != IKE_SA_DEAD) {
			sa->rekey_at_ns = now + IKE1_REKEY_CHECK_NS; /* the replacement is still on its way */
		} else {
			if (v->rekey_started)
				ike_log(ep, G_LOG_LEVEL_INFO,
					"IKE SA %" G_GUINT64_FORMAT ": its replacement failed, rekeying again", sa->id);
			v->rekey_started = false;
			sa->rekey_at_ns = INT64_MAX;
			ike_task_queue(sa, IKE_TASK_IKE_REKEY, 0);
		}
	}
	if (cfg->dpd_interval_ns > 0 && v->peer_dpd && v->req.kind == IKE1_REQ_NONE && sa->queue->len == 0 &&
	    now >= sa->last_rx_ns + cfg->dpd_interval_ns)
		ike_task_queue(sa, IKE_TASK_DPD, 0);
	ike1_task_next(sa, now);
}
