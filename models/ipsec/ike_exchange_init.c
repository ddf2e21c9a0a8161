/* ike_exchange_init.c: IKE_SA_INIT (RFC 7296 §1.2), both roles: proposal and DH group choice,
 * INVALID_KE_PAYLOAD retries (§1.3, keeping the proposal list), COOKIE (§2.6, the responder's
 * defence above a half-open threshold; the cookie is the first payload of the retried request),
 * NAT_DETECTION_* (§2.23) and the switch of the IKE traffic to UDP 4500, and SKEYSEED. */
#include "models/ipsec/ike_sa_internal.h"

#include <openssl/evp.h>
#include <string.h>

#define COOKIE_LEN 21 /* version byte + SHA-1 sized hash (RFC 7296 §2.6 suggests this shape) */

/* RFC 7427 §4: SHA2-256, SHA2-384, SHA2-512 */
static const uint8_t SIG_HASHES[] = { 0, IKE_HASH_SHA2_256, 0, IKE_HASH_SHA2_384, 0, IKE_HASH_SHA2_512 };

void ike_init_error_reply(struct ike_endpoint *ep, const struct ike_dgram *d, const struct ike_hdr *req,
			  uint16_t notify, const uint8_t *data, size_t len)
{
	struct ike_hdr h = { .spi_i = req->spi_i,
			     .major = 2,
			     .exchange = req->exchange,
			     .flags = IKE_FLAG_RESPONSE,
			     .msg_id = req->msg_id };
	struct ike_builder b;
	ike_builder_init(&b, &h);
	ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, notify, data, len);
	GByteArray *m = ike_build_finish(&b);
	ep->ctr.tx_resp[ike_exch_index(req->exchange)]++;
	ike_count_notify(ep->ctr.notify_tx, notify);
	ike_log(ep, G_LOG_LEVEL_INFO, "IKE_SA_INIT from %u.%u.%u.%u answered with notify %s", d->src.ip >> 24,
		(d->src.ip >> 16) & 255, (d->src.ip >> 8) & 255, d->src.ip & 255,
		ike_const_name(IKE_NS_NOTIFY, notify) ? ike_const_name(IKE_NS_NOTIFY, notify) : "?");
	ike_send_raw(ep, d->dst, d->src, m);
	g_byte_array_unref(m);
}

static bool make_ke(struct ike_sa *sa, uint16_t group)
{
	const struct ike_dh_group *g = ike_dh_group_lookup(group);
	if (!g)
		return false;
	if (sa->dh)
		ike_dh_key_free(sa->dh);
	sa->dh = NULL;
	size_t plen = ike_dh_private_len(g);
	uint8_t *priv = g_malloc(plen);
	ike_random(sa->ep, priv, plen);
	if (!sa->ke_pub)
		sa->ke_pub = g_byte_array_new();
	g_byte_array_set_size(sa->ke_pub, (guint)ike_dh_public_len(g));
	enum ike_dh_verdict v = ike_dh_generate(g, priv, plen, &sa->dh, sa->ke_pub->data);
	memset(priv, 0, plen);
	g_free(priv);
	sa->ke_group = group;
	return v == IKE_DHV_OK;
}

static GByteArray *random_nonce(struct ike_endpoint *ep)
{
	GByteArray *n = g_byte_array_sized_new(IKE_NONCE_LEN);
	g_byte_array_set_size(n, IKE_NONCE_LEN);
	ike_random(ep, n->data, n->len);
	return n;
}

/* Our NAT_DETECTION_SOURCE_IP hash, faked when the configuration forces UDP encapsulation. */
static void natd_source(struct ike_sa *sa, uint64_t spi_r, uint8_t out[20])
{
	if (ike_sa_cfg(sa)->force_encap) {
		ike_random(sa->ep, out, 20);
		return;
	}
	ike_natd_hash(sa->spi_i, spi_r, sa->local, out);
}

static GByteArray *build_init_request(struct ike_sa *sa)
{
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	struct ike_hdr h = { .spi_i = sa->spi_i, .major = 2, .exchange = IKE_EXCH_IKE_SA_INIT,
			     .flags = IKE_FLAG_INITIATOR };
	struct ike_builder b;
	ike_builder_init(&b, &h);
	if (sa->cookie)
		ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_COOKIE, sa->cookie->data, sa->cookie->len);
	ike_build_ike_sa(&b, cfg->ike, cfg->n_ike, NULL, 0);
	ike_build_ke(&b, sa->ke_group, sa->ke_pub->data, sa->ke_pub->len);
	ike_build_nonce(&b, sa->ni->data, sa->ni->len);
	uint8_t hs[20], hd[20];
	natd_source(sa, 0, hs);
	ike_natd_hash(sa->spi_i, 0, sa->remote, hd);
	ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, hs, 20);
	ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, hd, 20);
	if (cfg->fragment_mtu)
		ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	if (cfg->auth == IKE_AUTH_MODE_CERT)
		ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, SIG_HASHES,
				 sizeof(SIG_HASHES));
	return ike_build_finish(&b);
}

static void send_init(struct ike_sa *sa, int64_t now)
{
	GByteArray *m = build_init_request(sa);
	g_assert(m);
	if (sa->init_req)
		g_byte_array_unref(sa->init_req);
	sa->init_req = g_byte_array_ref(m);
	ike_request_send(sa, IKE_TASK_INIT, IKE_EXCH_IKE_SA_INIT, m, now);
}

void ike_init_start(struct ike_sa *sa, int64_t now)
{
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	sa->ni = random_nonce(sa->ep);
	if (!make_ke(sa, cfg->ike[0].dh))
		g_error("DH group %u failed", cfg->ike[0].dh);
	ike_log(sa->ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": initiating IKE_SA_INIT with %s", sa->id,
		cfg->name);
	send_init(sa, now);
}

/* Derives SKEYSEED and the SK_* keys once both nonces, the SPIs and g^ir are known. */
static bool derive_keys(struct ike_sa *sa, const uint8_t *peer_ke, size_t peer_len)
{
	const struct ike_dh_group *g = ike_dh_key_group(sa->dh);
	size_t slen = ike_dh_secret_len(g);
	uint8_t *secret = g_malloc(slen);
	enum ike_dh_verdict v = ike_dh_derive(sa->dh, peer_ke, peer_len, secret);
	if (v != IKE_DHV_OK) {
		ike_log(sa->ep, G_LOG_LEVEL_WARNING, "IKE SA %" G_GUINT64_FORMAT ": peer's KE refused: %s", sa->id,
			ike_dh_verdict_name(v));
		g_free(secret);
		return false;
	}
	uint8_t skeyseed[IKE_CRYPTO_MAX_PRF_LEN];
	struct ike_crypto_buf ni = { sa->ni->data, sa->ni->len }, nr = { sa->nr->data, sa->nr->len };
	struct ike_crypto_buf gir = { secret, slen };
	uint8_t si[8], sr[8];
	ike_put64(si, sa->spi_i);
	ike_put64(sr, sa->spi_r);
	bool ok = ike_skeyseed(sa->xf.prf, ni, nr, gir, skeyseed) &&
		  ike_sa_keys_derive(&sa->xf, skeyseed, ni, nr, si, sr, &sa->keys);
	memset(secret, 0, slen);
	memset(skeyseed, 0, sizeof(skeyseed));
	g_free(secret);
	sa->have_keys = ok;
	ike_dh_key_free(sa->dh);
	sa->dh = NULL;
	return ok;
}

/* Compares a received NAT_DETECTION hash with the one for address a; true when they differ. */
static bool natd_differs(const struct ike_pl_notify *n, uint64_t spi_i, uint64_t spi_r, struct ike_addr a)
{
	uint8_t h[20];
	ike_natd_hash(spi_i, spi_r, a, h);
	return n->data.len != 20 || memcmp(n->data.p, h, 20) != 0;
}

static bool dh_in_proposals(const struct ike_peer_cfg *cfg, uint16_t group)
{
	for (size_t i = 0; i < cfg->n_ike; i++)
		if (cfg->ike[i].dh == group)
			return true;
	return false;
}

static void fail(struct ike_sa *sa, uint16_t notify)
{
	sa->error_notify = notify;
	ike_log(sa->ep, G_LOG_LEVEL_WARNING, "IKE SA %" G_GUINT64_FORMAT ": IKE_SA_INIT failed (%s)", sa->id,
		notify ? ike_const_name(IKE_NS_NOTIFY, notify) : "bad response");
	ike_sa_destroy(sa, IKE_DOWN_FAILED);
}

void ike_init_response_in(struct ike_sa *sa, const struct ike_dgram *d, const struct ike_msg *msg, int64_t now)
{
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	const struct ike_payload_list *l = &msg->pls;
	if (sa->state != IKE_SA_INIT_SENT || !sa->req.active || sa->req.task != IKE_TASK_INIT ||
	    msg->hdr.msg_id != 0) {
		ep->ctr.drops[IKE_DROP_UNEXPECTED]++;
		return;
	}
	ep->ctr.rx_resp[0]++;
	const struct ike_pl_notify *n = ike_notify_find(l, IKE_N_COOKIE);
	if (n) {
		if (sa->cookie_rounds >= ep->cfg.max_cookie_rounds || n->data.len < 1 || n->data.len > 64) {
			fail(sa, IKE_N_COOKIE);
			return;
		}
		sa->cookie_rounds++;
		if (!sa->cookie)
			sa->cookie = g_byte_array_new();
		g_byte_array_set_size(sa->cookie, 0);
		g_byte_array_append(sa->cookie, n->data.p, (guint)n->data.len);
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": retrying with a COOKIE", sa->id);
		send_init(sa, now);
		return;
	}
	n = ike_notify_find(l, IKE_N_INVALID_KE_PAYLOAD);
	if (n) {
		ike_count_notify(ep->ctr.notify_rx, IKE_N_INVALID_KE_PAYLOAD);
		uint16_t g = n->data.len == 2 ? (uint16_t)(n->data.p[0] << 8 | n->data.p[1]) : 0;
		if (sa->ke_rounds >= IKE_MAX_INIT_RETRIES || g == sa->ke_group || !dh_in_proposals(cfg, g) ||
		    !make_ke(sa, g)) {
			fail(sa, IKE_N_INVALID_KE_PAYLOAD);
			return;
		}
		sa->ke_rounds++;
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": INVALID_KE_PAYLOAD, retrying with group %u",
			sa->id, g);
		send_init(sa, now);
		return;
	}
	uint16_t err = ike_first_error(l);
	if (err) {
		ike_count_notify(ep->ctr.notify_rx, err);
		fail(sa, err);
		return;
	}
	int isa = ike_payload_find(l, IKE_PL_SA, 0), ike = ike_payload_find(l, IKE_PL_KE, 0),
	    inr = ike_payload_find(l, IKE_PL_NONCE, 0);
	if (isa < 0 || ike < 0 || inr < 0 || msg->hdr.spi_r == 0 || l->pl[isa].u.sa.n_proposals != 1) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		fail(sa, 0);
		return;
	}
	struct ike_ike_proposal chosen;
	uint8_t num;
	struct ike_rbuf spi;
	if (!ike_select_ike(&l->pl[isa].u.sa, cfg->ike, cfg->n_ike, &chosen, &num, &spi) ||
	    l->pl[ike].u.ke.group != chosen.dh || chosen.dh != sa->ke_group) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		fail(sa, IKE_N_NO_PROPOSAL_CHOSEN);
		return;
	}
	sa->prop = chosen;
	ike_ike_xf(&chosen, &sa->xf);
	sa->spi_r = msg->hdr.spi_r;
	sa->nr = g_byte_array_new();
	g_byte_array_append(sa->nr, l->pl[inr].u.typed.data.p, (guint)l->pl[inr].u.typed.data.len);
	if (!derive_keys(sa, l->pl[ike].u.ke.data.p, l->pl[ike].u.ke.data.len)) {
		ep->ctr.drops[IKE_DROP_DH]++;
		fail(sa, 0);
		return;
	}
	sa->init_resp = g_byte_array_new();
	g_byte_array_append(sa->init_resp, msg->raw.p, (guint)msg->raw.len);
	sa->frag_ok = cfg->fragment_mtu && ike_notify_find(l, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED);
	/* NAT detection: their source hash vs where the datagram came from, their destination hash vs
	 * our address */
	const struct ike_pl_notify *ns = ike_notify_find(l, IKE_N_NAT_DETECTION_SOURCE_IP);
	const struct ike_pl_notify *nd = ike_notify_find(l, IKE_N_NAT_DETECTION_DESTINATION_IP);
	if (ns && nd) {
		sa->nat_remote = natd_differs(ns, sa->spi_i, sa->spi_r, d->src);
		sa->nat_local = natd_differs(nd, sa->spi_i, sa->spi_r, d->dst);
	}
	if (sa->nat_local || sa->nat_remote || cfg->force_encap) {
		sa->encap = true;
		if (sa->local.port == IKE_PORT)
			sa->local.port = IKE_NATT_PORT;
		if (sa->remote.port == IKE_PORT)
			sa->remote.port = IKE_NATT_PORT;
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": NAT %s%s, switching to port %u", sa->id,
			sa->nat_local ? "here" : "", sa->nat_remote ? " there" : "", sa->remote.port);
	}
	ike_request_clear(&sa->req);
	sa->next_req_id = 1;
	ike_sa_set_state(sa, IKE_SA_AUTH_SENT);
	ike_auth_start(sa, now);
}

/* SHA-256, fetched once per process and only read afterwards: above the cookie threshold every
 * IKE_SA_INIT request is hashed, and an implicit fetch per digest costs more than the hash. */
static const EVP_MD *sha256(void)
{
	static gsize done;
	static EVP_MD *md;
	if (g_once_init_enter(&done)) {
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
		if (!md)
			g_error("OpenSSL has no SHA-256");
		g_once_init_leave(&done, 1);
	}
	return md;
}

/* The cookie for (Ni, IPi, SPIi) under the endpoint's secret (RFC 7296 §2.6). */
static void make_cookie(const struct ike_endpoint *ep, const struct ike_rbuf *ni, uint32_t ip, uint64_t spi_i,
			uint8_t out[COOKIE_LEN])
{
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;
	uint8_t b[12];
	b[0] = (uint8_t)(ip >> 24);
	b[1] = (uint8_t)(ip >> 16);
	b[2] = (uint8_t)(ip >> 8);
	b[3] = (uint8_t)ip;
	ike_put64(b + 4, spi_i);
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (!c || !EVP_DigestInit_ex2(c, sha256(), NULL) || !EVP_DigestUpdate(c, ni->p, ni->len) ||
	    !EVP_DigestUpdate(c, b, sizeof(b)) ||
	    !EVP_DigestUpdate(c, ep->cfg.cookie_secret, sizeof(ep->cfg.cookie_secret)) ||
	    !EVP_DigestFinal_ex(c, h, &hl))
		g_error("cookie digest failed");
	EVP_MD_CTX_free(c);
	out[0] = 1;
	memcpy(out + 1, h, COOKIE_LEN - 1);
}

/* The SA we answered as responder for a retransmitted IKE_SA_INIT request, if any (by SPIi,
 * then the sender's address). */
static struct ike_sa *find_half_open(struct ike_endpoint *ep, const struct ike_dgram *d, uint64_t spi_i)
{
	for (struct ike_sa *sa = ike_sa_by_spi_i(ep, spi_i); sa; sa = sa->next_same_spi_i)
		if (sa->remote.ip == d->src.ip && sa->remote.port == d->src.port)
			return sa;
	return NULL;
}

static int find_peer(const struct ike_endpoint *ep, const struct ike_dgram *d)
{
	for (guint i = 0; i < ep->peers->len; i++) {
		const struct ike_peer *p = g_ptr_array_index(ep->peers, i);
		if (p->cfg.local.ip == d->dst.ip && (p->cfg.remote.ip == 0 || p->cfg.remote.ip == d->src.ip))
			return (int)i;
	}
	return -1;
}

void ike_init_request_in(struct ike_endpoint *ep, const struct ike_dgram *d, const struct ike_msg *msg,
			 int64_t now)
{
	const struct ike_payload_list *l = &msg->pls;
	ep->ctr.rx_req[0]++;
	struct ike_sa *old = find_half_open(ep, d, msg->hdr.spi_i);
	if (old) {
		if (old->init_req && old->init_resp && old->init_req->len == msg->raw.len &&
		    memcmp(old->init_req->data, msg->raw.p, msg->raw.len) == 0) {
			ep->ctr.resp_resent++;
			ike_send_raw(ep, old->local, old->remote, old->init_resp);
		} else {
			ep->ctr.drops[IKE_DROP_UNEXPECTED]++;
		}
		return;
	}
	int peer = find_peer(ep, d);
	if (peer < 0) {
		ep->ctr.drops[IKE_DROP_NO_SA]++;
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE_SA_INIT from an unknown peer dropped");
		return;
	}
	const struct ike_peer_cfg *cfg = &((struct ike_peer *)g_ptr_array_index(ep->peers, peer))->cfg;
	int isa = ike_payload_find(l, IKE_PL_SA, 0), ike = ike_payload_find(l, IKE_PL_KE, 0),
	    ini = ike_payload_find(l, IKE_PL_NONCE, 0);
	if (isa < 0 || ike < 0 || ini < 0) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		ike_init_error_reply(ep, d, &msg->hdr, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	const struct ike_rbuf *ni = &l->pl[ini].u.typed.data;
	if (ep->cfg.cookie_threshold && ike_half_open_count(ep) >= ep->cfg.cookie_threshold) {
		uint8_t want[COOKIE_LEN];
		make_cookie(ep, ni, d->src.ip, msg->hdr.spi_i, want);
		const struct ike_payload *first = &l->pl[0];
		bool ok = first->type == IKE_PL_NOTIFY && first->u.notify.type == IKE_N_COOKIE &&
			  first->u.notify.data.len == COOKIE_LEN &&
			  memcmp(first->u.notify.data.p, want, COOKIE_LEN) == 0;
		if (!ok) {
			if (ike_notify_find(l, IKE_N_COOKIE))
				ep->ctr.drops[IKE_DROP_COOKIE]++;
			ep->ctr.cookies_sent++;
			ike_init_error_reply(ep, d, &msg->hdr, IKE_N_COOKIE, want, COOKIE_LEN);
			return;
		}
	}
	struct ike_ike_proposal chosen;
	uint8_t num;
	struct ike_rbuf spi;
	if (!ike_select_ike(&l->pl[isa].u.sa, cfg->ike, cfg->n_ike, &chosen, &num, &spi)) {
		ike_init_error_reply(ep, d, &msg->hdr, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (l->pl[ike].u.ke.group != chosen.dh) {
		uint8_t g[2] = { (uint8_t)(chosen.dh >> 8), (uint8_t)chosen.dh };
		ep->ctr.invalid_ke_sent++;
		ike_init_error_reply(ep, d, &msg->hdr, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	struct ike_sa *sa = ike_sa_new(ep, peer, false, now);
	sa->spi_i = msg->hdr.spi_i;
	ike_sa_index_spi_i(sa);
	ike_sa_set_spi(sa, ike_random_spi64(ep));
	sa->local = d->dst;
	sa->remote = d->src;
	sa->prop = chosen;
	ike_ike_xf(&chosen, &sa->xf);
	sa->ni = g_byte_array_new();
	g_byte_array_append(sa->ni, ni->p, (guint)ni->len);
	sa->nr = random_nonce(ep);
	if (!make_ke(sa, chosen.dh) || !derive_keys(sa, l->pl[ike].u.ke.data.p, l->pl[ike].u.ke.data.len)) {
		ep->ctr.drops[IKE_DROP_DH]++;
		ike_sa_destroy(sa, IKE_DOWN_FAILED);
		return;
	}
	const struct ike_pl_notify *ns = ike_notify_find(l, IKE_N_NAT_DETECTION_SOURCE_IP);
	const struct ike_pl_notify *nd = ike_notify_find(l, IKE_N_NAT_DETECTION_DESTINATION_IP);
	if (ns && nd) {
		sa->nat_remote = natd_differs(ns, sa->spi_i, 0, d->src);
		sa->nat_local = natd_differs(nd, sa->spi_i, 0, d->dst);
	}
	sa->encap = sa->nat_local || sa->nat_remote || cfg->force_encap || ike_needs_marker(d->dst.port, d->src.port);
	struct ike_hdr h = { .spi_i = sa->spi_i,
			     .spi_r = sa->spi_r,
			     .major = 2,
			     .exchange = IKE_EXCH_IKE_SA_INIT,
			     .flags = IKE_FLAG_RESPONSE };
	struct ike_builder b;
	ike_builder_init(&b, &h);
	ike_build_ike_sa(&b, &chosen, 1, NULL, num);
	ike_build_ke(&b, sa->ke_group, sa->ke_pub->data, sa->ke_pub->len);
	ike_build_nonce(&b, sa->nr->data, sa->nr->len);
	uint8_t hs[20], hd[20];
	natd_source(sa, sa->spi_r, hs);
	ike_natd_hash(sa->spi_i, sa->spi_r, sa->remote, hd);
	ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, hs, 20);
	ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, hd, 20);
	sa->frag_ok = cfg->fragment_mtu && ike_notify_find(l, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED);
	if (sa->frag_ok)
		ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	if (cfg->auth == IKE_AUTH_MODE_CERT) {
		/* RFC 7296 §3.7: the responder asks for the initiator's certificate here */
		const struct ike_peer *pp = g_ptr_array_index(ep->peers, peer);
		ike_build_cert(&b, IKE_PL_CERTREQ, IKE_CERT_X509_SIGNATURE, pp->ca_hash, 20);
		ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, SIG_HASHES,
				 sizeof(SIG_HASHES));
	}
	GByteArray *m = ike_build_finish(&b);
	sa->init_req = g_byte_array_new();
	g_byte_array_append(sa->init_req, msg->raw.p, (guint)msg->raw.len);
	sa->init_resp = g_byte_array_ref(m);
	sa->expect_req_id = 0;
	ike_response_send(sa, IKE_EXCH_IKE_SA_INIT, m); /* caches it; the peer's next request is 1 */
	ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": IKE_SA_INIT answered (%s)%s", sa->id, cfg->name,
		sa->encap ? ", NAT-T" : "");
	ike_sa_update_timer(sa, now);
}
