/* ike_exchange_auth.c: IKE_AUTH (RFC 7296 §1.2, §2.15), both roles: identities, shared-key or
 * certificate AUTH (ike_cert.c), the configuration payload (§3.15: the initiator asks for INTERNAL_IP4_ADDRESS, a
 * responder with a pool assigns one) and the first CHILD SA with traffic selector narrowing
 * (§2.9). A CHILD failure (NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE, INTERNAL_ADDRESS_FAILURE) leaves
 * the IKE SA up (§1.2). */
#include "models/ipsec/ike_sa_internal.h"

#include <string.h>

#include <openssl/crypto.h>

static struct ike_peer *sa_peer(const struct ike_sa *sa)
{
	return g_ptr_array_index(sa->ep->peers, sa->peer);
}

/* The body of our ID payload (type, 3 reserved bytes, data): our certificate's subject, the
 * configured ID, or our IPv4 address. */
static GByteArray *id_body(const struct ike_sa *sa)
{
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	if (cfg->auth == IKE_AUTH_MODE_CERT)
		return ike_cert_id_body(sa_peer(sa));
	GByteArray *b = g_byte_array_new();
	uint8_t hdr[4] = { cfg->local_id.len ? cfg->local_id.type : (uint8_t)IKE_ID_IPV4_ADDR, 0, 0, 0 };
	g_byte_array_append(b, hdr, 4);
	if (cfg->local_id.len) {
		g_byte_array_append(b, cfg->local_id.data, cfg->local_id.len);
	} else {
		uint32_t a = sa->local.ip;
		uint8_t ip[4] = { (uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a };
		g_byte_array_append(b, ip, 4);
	}
	return b;
}

/* The peer's shared-key AUTH key for the SA's PRF, computed on first use. NULL only if the
 * PRF is not implemented. */
static const uint8_t *psk_auth_key(const struct ike_sa *sa)
{
	struct ike_peer *p = sa_peer(sa);
	for (size_t i = 0; i < p->n_psk_auth_keys; i++)
		if (p->psk_auth_keys[i].prf == sa->xf.prf)
			return p->psk_auth_keys[i].key;
	if (p->n_psk_auth_keys == G_N_ELEMENTS(p->psk_auth_keys))
		return NULL;
	size_t k = p->n_psk_auth_keys;
	if (!ike_psk_auth_key(sa->xf.prf, (struct ike_crypto_buf){ p->cfg.psk, p->cfg.psk_len }, p->psk_auth_keys[k].key))
		return NULL;
	p->psk_auth_keys[k].prf = sa->xf.prf;
	p->n_psk_auth_keys++;
	return p->psk_auth_keys[k].key;
}

/* The octets a side signs (RFC 7296 §2.15): as the original initiator when `as_initiator`. */
static GByteArray *signed_octets(const struct ike_sa *sa, bool as_initiator, struct ike_crypto_buf idb)
{
	GByteArray *oct = g_byte_array_new();
	bool i = as_initiator;
	struct ike_crypto_buf skp = { i ? sa->keys.sk_pi : sa->keys.sk_pr, sa->keys.prf_len };
	const GByteArray *first = i ? sa->init_req : sa->init_resp;
	const GByteArray *nonce = i ? sa->nr : sa->ni; /* the other side's nonce */
	if (!ike_auth_signed_octets(sa->xf.prf, skp, (struct ike_crypto_buf){ first->data, first->len },
				    (struct ike_crypto_buf){ nonce->data, nonce->len }, idb, oct)) {
		g_byte_array_unref(oct);
		return NULL;
	}
	return oct;
}

/* Adds our ID (IDi or IDr), CERT (certificate mode), CERTREQ (initiator, certificate mode) and
 * AUTH payloads. */
static void build_id_auth(struct ike_sa *sa, struct ike_builder *b)
{
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	struct ike_peer *peer = sa_peer(sa);
	GByteArray *idb = id_body(sa);
	ike_build_id(b, sa->initiator ? IKE_PL_IDI : IKE_PL_IDR, idb->data[0], idb->data + 4, idb->len - 4);
	GByteArray *oct = signed_octets(sa, sa->initiator, (struct ike_crypto_buf){ idb->data, idb->len });
	g_assert(oct);
	if (cfg->auth == IKE_AUTH_MODE_CERT) {
		ike_build_cert(b, IKE_PL_CERT, IKE_CERT_X509_SIGNATURE, peer->cert_der->data, peer->cert_der->len);
		if (sa->initiator)
			ike_build_cert(b, IKE_PL_CERTREQ, IKE_CERT_X509_SIGNATURE, peer->ca_hash, 20);
		GByteArray *sig = ike_cert_sign(peer, oct);
		g_assert(sig);
		ike_build_auth(b, IKE_AUTH_DIGITAL_SIGNATURE, sig->data, sig->len);
		g_byte_array_unref(sig);
	} else {
		uint8_t auth[IKE_CRYPTO_MAX_PRF_LEN];
		const uint8_t *key = psk_auth_key(sa);
		if (!key || !ike_psk_auth_keyed(sa->xf.prf, key, (struct ike_crypto_buf){ oct->data, oct->len }, auth))
			g_error("AUTH computation failed");
		ike_build_auth(b, IKE_AUTH_SHARED_KEY_MIC, auth, sa->keys.prf_len);
	}
	g_byte_array_unref(oct);
	g_byte_array_unref(idb);
}

/* Checks the peer's ID (against the configured remote ID), its certificate (certificate mode) and
 * its AUTH. */
static bool verify_peer(struct ike_sa *sa, const struct ike_payload_list *in, const struct ike_payload *id,
			const struct ike_payload *auth)
{
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	const struct ike_rbuf *idd = &id->u.typed.data;
	if (cfg->remote_id.len &&
	    (id->u.typed.kind != cfg->remote_id.type || idd->len != cfg->remote_id.len ||
	     memcmp(idd->p, cfg->remote_id.data, idd->len) != 0)) {
		ike_log(sa->ep, G_LOG_LEVEL_WARNING, "IKE SA %" G_GUINT64_FORMAT ": peer ID does not match", sa->id);
		return false;
	}
	if (idd->len <= IKE_MAX_ID_LEN) {
		sa->peer_id.type = id->u.typed.kind;
		sa->peer_id.len = (uint8_t)idd->len;
		if (idd->len)
			memcpy(sa->peer_id.data, idd->p, idd->len);
	}
	/* we verify what the other role signed */
	GByteArray *oct = signed_octets(sa, !sa->initiator, (struct ike_crypto_buf){ id->raw.p + 4, id->raw.len - 4 });
	if (!oct)
		return false;
	bool ok = false;
	if (cfg->auth == IKE_AUTH_MODE_CERT) {
		int k = ike_payload_find(in, IKE_PL_CERT, 0);
		if (k >= 0 && in->pl[k].u.typed.kind == IKE_CERT_X509_SIGNATURE) {
			enum ike_cert_verdict v = ike_cert_verify(sa_peer(sa), &in->pl[k].u.typed.data, id->u.typed.kind,
								  idd, auth->u.typed.kind, &auth->u.typed.data, oct);
			ok = v == IKE_CERT_OK;
			if (!ok)
				ike_log(sa->ep, G_LOG_LEVEL_WARNING,
					"IKE SA %" G_GUINT64_FORMAT ": peer certificate refused (%s)", sa->id,
					v == IKE_CERT_UNTRUSTED	     ? "untrusted"
					: v == IKE_CERT_ID_MISMATCH ? "ID is not its subject"
								     : "bad signature");
		}
	} else if (auth->u.typed.kind == IKE_AUTH_SHARED_KEY_MIC) {
		const uint8_t *key = psk_auth_key(sa);
		ok = key && ike_psk_auth_verify_keyed(sa->xf.prf, key, (struct ike_crypto_buf){ oct->data, oct->len },
						      auth->u.typed.data.p, auth->u.typed.data.len);
	}
	g_byte_array_unref(oct);
	return ok;
}

void ike_auth_start(struct ike_sa *sa, int64_t now)
{
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	struct ike_builder b;
	ike_builder_init_inner(&b);
	build_id_auth(sa, &b);
	if (cfg->request_vip) {
		struct ike_cp_attr_spec a = { .type = IKE_CP_INTERNAL_IP4_ADDRESS };
		ike_build_cp(&b, IKE_CFG_REQUEST, &a, 1);
	}
	if (cfg->n_esp && !cfg->childless) {
		sa->auth_child_spi = ike_random_child_spi(sa->ep);
		ike_build_esp_sa(&b, cfg->esp, cfg->n_esp, sa->auth_child_spi, false, 0);
		struct ike_ts4 any = { 0, 0xffffffffu, 0, 65535, 0 };
		if (cfg->request_vip)
			ike_build_ts4(&b, IKE_PL_TSI, &any, 1);
		else
			ike_build_ts4(&b, IKE_PL_TSI, cfg->local_ts, cfg->n_local_ts);
		ike_build_ts4(&b, IKE_PL_TSR, cfg->remote_ts, cfg->n_remote_ts);
	}
	ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	GByteArray *m = ike_msg_seal(sa, IKE_EXCH_IKE_AUTH, false, sa->next_req_id, &b);
	g_assert(m);
	ike_request_send(sa, IKE_TASK_AUTH, IKE_EXCH_IKE_AUTH, m, now);
}

/* Responder: the lowest free address of the peer's pool, or 0. */
static uint32_t pool_assign(struct ike_sa *sa)
{
	uint32_t a = ike_pool_take(g_ptr_array_index(sa->ep->peers, sa->peer));
	if (a)
		sa->vip_from_pool = true;
	return a;
}

static bool cp_requests_ip4(const struct ike_payload_list *in)
{
	int k = ike_payload_find(in, IKE_PL_CP, 0);
	if (k < 0 || in->pl[k].u.cp.cfg_type != IKE_CFG_REQUEST)
		return false;
	struct ike_rbuf cur = in->pl[k].u.cp.attrs;
	struct ike_cp_attr a;
	while (ike_cp_next_attr(&cur, &a))
		if (a.type == IKE_CP_INTERNAL_IP4_ADDRESS)
			return true;
	return false;
}

static void auth_fail_responder(struct ike_sa *sa, uint16_t notify)
{
	sa->error_notify = notify;
	ike_send_error_response(sa, IKE_EXCH_IKE_AUTH, notify, NULL, 0);
	ike_log(sa->ep, G_LOG_LEVEL_WARNING, "IKE SA %" G_GUINT64_FORMAT ": IKE_AUTH refused (%s)", sa->id,
		ike_const_name(IKE_NS_NOTIFY, notify));
	ike_sa_destroy(sa, IKE_DOWN_FAILED);
}

void ike_auth_request_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now)
{
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	int iid = ike_payload_find(in, IKE_PL_IDI, 0), iauth = ike_payload_find(in, IKE_PL_AUTH, 0);
	if (iid < 0 || iauth < 0) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		auth_fail_responder(sa, IKE_N_INVALID_SYNTAX);
		return;
	}
	if (!verify_peer(sa, in, &in->pl[iid], &in->pl[iauth])) {
		auth_fail_responder(sa, IKE_N_AUTHENTICATION_FAILED);
		return;
	}
	struct ike_builder b;
	ike_builder_init_inner(&b);
	build_id_auth(sa, &b);

	uint16_t child_err = 0;
	if (cp_requests_ip4(in) && cfg->pool_size) {
		sa->vip = pool_assign(sa);
		if (!sa->vip) {
			child_err = IKE_N_INTERNAL_ADDRESS_FAILURE;
		} else {
			uint8_t a[4] = { (uint8_t)(sa->vip >> 24), (uint8_t)(sa->vip >> 16), (uint8_t)(sa->vip >> 8),
					 (uint8_t)sa->vip };
			struct ike_cp_attr_spec at = { IKE_CP_INTERNAL_IP4_ADDRESS, a, 4 };
			ike_build_cp(&b, IKE_CFG_REPLY, &at, 1);
		}
	}
	int isa = ike_payload_find(in, IKE_PL_SA, 0), itsi = ike_payload_find(in, IKE_PL_TSI, 0),
	    itsr = ike_payload_find(in, IKE_PL_TSR, 0);
	struct ike_esp_proposal prop;
	uint8_t num = 0;
	uint32_t spi_out = 0;
	struct ike_ts4 tsi[IKE_MAX_TS], tsr[IKE_MAX_TS];
	size_t ni = 0, nr = 0;
	bool want_child = isa >= 0;
	if (want_child && !child_err) {
		if (itsi < 0 || itsr < 0) {
			child_err = IKE_N_INVALID_SYNTAX;
		} else if (!ike_select_esp(&in->pl[isa].u.sa, cfg->esp, cfg->n_esp, false, &prop, &num, &spi_out)) {
			child_err = IKE_N_NO_PROPOSAL_CHOSEN;
		} else {
			struct ike_ts4 v = { sa->vip, sa->vip, 0, 65535, 0 };
			if (!ike_ts_respond(cfg, &in->pl[itsi].u.ts, &in->pl[itsr].u.ts, sa->vip ? &v : NULL, tsi, &ni, tsr,
					    &nr))
				child_err = IKE_N_TS_UNACCEPTABLE;
		}
	}
	uint32_t spi_in = 0;
	if (want_child && !child_err) {
		spi_in = ike_random_child_spi(ep);
		ike_build_esp_sa(&b, &prop, 1, spi_in, false, num);
		ike_build_ts4(&b, IKE_PL_TSI, tsi, ni);
		ike_build_ts4(&b, IKE_PL_TSR, tsr, nr);
	} else if (want_child) {
		ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, child_err, NULL, 0);
		ike_count_notify(ep->ctr.notify_tx, child_err);
		sa->error_notify = child_err;
	}
	ike_response_send(sa, IKE_EXCH_IKE_AUTH, ike_msg_seal(sa, IKE_EXCH_IKE_AUTH, true, sa->expect_req_id, &b));
	ike_sa_established(sa, now);
	if (want_child && !child_err)
		ike_child_install(sa, &prop, false, spi_in, spi_out, (struct ike_crypto_buf){ NULL, 0 },
				  (struct ike_crypto_buf){ sa->ni->data, sa->ni->len },
				  (struct ike_crypto_buf){ sa->nr->data, sa->nr->len }, tsi, ni, tsr, nr, now);
}

static bool is_child_error(uint16_t n)
{
	return n == IKE_N_NO_PROPOSAL_CHOSEN || n == IKE_N_TS_UNACCEPTABLE || n == IKE_N_SINGLE_PAIR_REQUIRED ||
	       n == IKE_N_INTERNAL_ADDRESS_FAILURE || n == IKE_N_FAILED_CP_REQUIRED || n == IKE_N_NO_ADDITIONAL_SAS ||
	       n == IKE_N_INVALID_SELECTORS;
}

static void auth_fail_initiator(struct ike_sa *sa, uint16_t notify)
{
	sa->error_notify = notify;
	ike_log(sa->ep, G_LOG_LEVEL_WARNING, "IKE SA %" G_GUINT64_FORMAT ": IKE_AUTH failed (%s)", sa->id,
		notify ? ike_const_name(IKE_NS_NOTIFY, notify) : "bad response");
	ike_sa_destroy(sa, IKE_DOWN_FAILED);
}

void ike_auth_response_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now)
{
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	uint16_t err = ike_first_error(in);
	if (err)
		ike_count_notify(ep->ctr.notify_rx, err);
	if (err && !is_child_error(err)) {
		auth_fail_initiator(sa, err);
		return;
	}
	int iid = ike_payload_find(in, IKE_PL_IDR, 0), iauth = ike_payload_find(in, IKE_PL_AUTH, 0);
	if (iid < 0 || iauth < 0) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		auth_fail_initiator(sa, 0);
		return;
	}
	if (!verify_peer(sa, in, &in->pl[iid], &in->pl[iauth])) {
		auth_fail_initiator(sa, IKE_N_AUTHENTICATION_FAILED);
		return;
	}
	int icp = ike_payload_find(in, IKE_PL_CP, 0);
	if (icp >= 0 && in->pl[icp].u.cp.cfg_type == IKE_CFG_REPLY) {
		struct ike_rbuf cur = in->pl[icp].u.cp.attrs;
		struct ike_cp_attr a;
		while (ike_cp_next_attr(&cur, &a))
			if (a.type == IKE_CP_INTERNAL_IP4_ADDRESS && a.value.len >= 4)
				sa->vip = (uint32_t)a.value.p[0] << 24 | (uint32_t)a.value.p[1] << 16 |
					  (uint32_t)a.value.p[2] << 8 | a.value.p[3];
	}
	ike_sa_established(sa, now);
	if (err) {
		sa->error_notify = err;
		ike_log(ep, G_LOG_LEVEL_WARNING, "IKE SA %" G_GUINT64_FORMAT ": no CHILD SA (%s), IKE SA kept", sa->id,
			ike_const_name(IKE_NS_NOTIFY, err));
		return;
	}
	int isa = ike_payload_find(in, IKE_PL_SA, 0), itsi = ike_payload_find(in, IKE_PL_TSI, 0),
	    itsr = ike_payload_find(in, IKE_PL_TSR, 0);
	if (isa < 0 || !sa->auth_child_spi)
		return; /* childless */
	struct ike_esp_proposal prop;
	uint8_t num;
	uint32_t spi_out;
	struct ike_ts4 tsi[IKE_MAX_TS], tsr[IKE_MAX_TS];
	if (itsi < 0 || itsr < 0 || in->pl[isa].u.sa.n_proposals != 1 ||
	    !ike_select_esp(&in->pl[isa].u.sa, cfg->esp, cfg->n_esp, false, &prop, &num, &spi_out)) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		sa->error_notify = IKE_N_NO_PROPOSAL_CHOSEN;
		return;
	}
	size_t ni = ike_ts_read(&in->pl[itsi].u.ts, tsi), nr = ike_ts_read(&in->pl[itsr].u.ts, tsr);
	if (!ni || !nr) {
		sa->error_notify = IKE_N_TS_UNACCEPTABLE;
		return;
	}
	ike_child_install(sa, &prop, true, sa->auth_child_spi, spi_out, (struct ike_crypto_buf){ NULL, 0 },
			  (struct ike_crypto_buf){ sa->ni->data, sa->ni->len },
			  (struct ike_crypto_buf){ sa->nr->data, sa->nr->len }, tsi, ni, tsr, nr, now);
}

bool ike_peer_set_psk(struct ike_endpoint *ep, int peer, const uint8_t *psk, size_t psk_len)
{
	if (peer < 0 || (guint)peer >= ep->peers->len || psk_len > IKE_MAX_PSK_LEN)
		return false;
	struct ike_peer *p = ep->peers->pdata[peer];
	OPENSSL_cleanse(p->cfg.psk, sizeof p->cfg.psk);
	memcpy(p->cfg.psk, psk, psk_len);
	p->cfg.psk_len = psk_len;
	/* the cached prf(PSK, "Key Pad for IKEv2") values belong to the old key */
	OPENSSL_cleanse(p->psk_auth_keys, sizeof p->psk_auth_keys);
	p->n_psk_auth_keys = 0;
	return true;
}

bool ike_peer_set_proposals(struct ike_endpoint *ep, int peer, const struct ike_ike_proposal *ike, size_t n_ike,
			    const struct ike_esp_proposal *esp, size_t n_esp)
{
	if (peer < 0 || (guint)peer >= ep->peers->len || n_ike == 0 || n_ike > IKE_MAX_PROPOSALS || n_esp == 0 ||
	    n_esp > IKE_MAX_PROPOSALS)
		return false;
	struct ike_peer *p = ep->peers->pdata[peer];
	memcpy(p->cfg.ike, ike, n_ike * sizeof(*ike));
	p->cfg.n_ike = n_ike;
	memcpy(p->cfg.esp, esp, n_esp * sizeof(*esp));
	p->cfg.n_esp = n_esp;
	return true;
}
