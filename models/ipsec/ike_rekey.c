/* ike_rekey.c: IKE SA rekeying with CREATE_CHILD_SA (RFC 7296 §1.3.2, §2.18): new SPIs, a new
 * DH exchange, SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), message IDs from 0, roles
 * following the rekey initiator; the CHILD SAs move to the new IKE SA and the rekey initiator
 * deletes the old one. Crossing rekeys follow the lowest-nonce rule (§2.8.2). */
#include "models/ipsec/ike_sa_internal.h"

#include <string.h>

#define NS_PER_S G_GINT64_CONSTANT(1000000000)

static uint16_t rekey_group(const struct ike_sa *sa)
{
	return sa->rekey_ke_group ? sa->rekey_ke_group : sa->prop.dh;
}

static struct ike_dh_key *gen_dh(struct ike_endpoint *ep, uint16_t group, GByteArray *pub)
{
	const struct ike_dh_group *g = ike_dh_group_lookup(group);
	if (!g)
		return NULL;
	size_t plen = ike_dh_private_len(g);
	uint8_t *priv = g_malloc(plen);
	ike_random(ep, priv, plen);
	g_byte_array_set_size(pub, (guint)ike_dh_public_len(g));
	struct ike_dh_key *k = NULL;
	enum ike_dh_verdict v = ike_dh_generate(g, priv, plen, &k, pub->data);
	memset(priv, 0, plen);
	g_free(priv);
	return v == IKE_DHV_OK ? k : NULL;
}

void ike_rekey_start(struct ike_sa *sa, int64_t now)
{
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	struct ike_request *r = &sa->req;
	ike_request_clear(r);
	r->new_ike_spi = ike_random_spi64(ep);
	r->nonce = g_byte_array_sized_new(IKE_NONCE_LEN);
	g_byte_array_set_size(r->nonce, IKE_NONCE_LEN);
	ike_random(ep, r->nonce->data, IKE_NONCE_LEN);
	GByteArray *pub = g_byte_array_new();
	r->dh = gen_dh(ep, rekey_group(sa), pub);
	g_assert(r->dh);
	uint8_t spi[8];
	ike_put64(spi, r->new_ike_spi);
	struct ike_builder b;
	ike_builder_init_inner(&b);
	ike_build_ike_sa(&b, cfg->ike, cfg->n_ike, spi, 0);
	ike_build_nonce(&b, r->nonce->data, r->nonce->len);
	ike_build_ke(&b, rekey_group(sa), pub->data, pub->len);
	g_byte_array_unref(pub);
	GByteArray *m = ike_msg_seal(sa, IKE_EXCH_CREATE_CHILD_SA, false, sa->next_req_id, &b);
	g_assert(m);
	ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": rekeying the IKE SA", sa->id);
	ike_request_send(sa, IKE_TASK_IKE_REKEY, IKE_EXCH_CREATE_CHILD_SA, m, now);
}

/* Creates the new IKE SA of a rekey (initiator: we started the rekey). */
static struct ike_sa *new_sa(struct ike_sa *old, bool initiator, uint64_t spi_i, uint64_t spi_r,
			     const struct ike_ike_proposal *prop, const GByteArray *ni, const GByteArray *nr,
			     const GByteArray *gir, int64_t now)
{
	struct ike_endpoint *ep = old->ep;
	struct ike_sa *sa = ike_sa_new(ep, old->peer, initiator, now);
	sa->spi_i = spi_i;
	sa->spi_r = spi_r;
	if (!initiator)
		ike_sa_index_spi_i(sa);
	ike_sa_set_spi(sa, initiator ? spi_i : spi_r);
	sa->local = old->local;
	sa->remote = old->remote;
	sa->nat_local = old->nat_local;
	sa->nat_remote = old->nat_remote;
	sa->encap = old->encap;
	sa->frag_ok = old->frag_ok;
	sa->prop = *prop;
	ike_ike_xf(prop, &sa->xf);
	sa->ni = g_byte_array_ref((GByteArray *)ni);
	sa->nr = g_byte_array_ref((GByteArray *)nr);
	sa->peer_id = old->peer_id;
	uint8_t skeyseed[IKE_CRYPTO_MAX_PRF_LEN], si[8], sr[8];
	ike_put64(si, spi_i);
	ike_put64(sr, spi_r);
	struct ike_crypto_buf bni = { ni->data, ni->len }, bnr = { nr->data, nr->len };
	bool ok = ike_skeyseed_rekey(old->xf.prf, (struct ike_crypto_buf){ old->keys.sk_d, old->keys.prf_len },
				     (struct ike_crypto_buf){ gir->data, gir->len }, bni, bnr, skeyseed) &&
		  ike_sa_keys_derive(&sa->xf, skeyseed, bni, bnr, si, sr, &sa->keys);
	memset(skeyseed, 0, sizeof(skeyseed));
	g_assert(ok);
	sa->have_keys = true;
	sa->next_req_id = 0;
	sa->expect_req_id = 0;
	sa->vip = old->vip;
	sa->vip_from_pool = old->vip_from_pool;
	old->vip_from_pool = false;
	ike_sa_established(sa, now);
	ep->ctr.ike_rekeys++;
	return sa;
}

static void old_replaced(struct ike_sa *old, int64_t now)
{
	old->replaced = true;
	old->expire_at_ns = now + IKE_REKEYED_LINGER_NS;
	old->rekey_at_ns = INT64_MAX;
	ike_sa_set_state(old, IKE_SA_REKEYED);
}

void ike_rekey_request_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now)
{
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	if (sa->state != IKE_SA_ESTABLISHED ||
	    (sa->req.active && sa->req.task != IKE_TASK_IKE_REKEY && sa->req.task != IKE_TASK_DPD)) {
		ike_send_error_response(sa, IKE_EXCH_CREATE_CHILD_SA, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	int isa = ike_payload_find(in, IKE_PL_SA, 0), ini = ike_payload_find(in, IKE_PL_NONCE, 0),
	    ike = ike_payload_find(in, IKE_PL_KE, 0);
	if (isa < 0 || ini < 0 || ike < 0) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		ike_send_error_response(sa, IKE_EXCH_CREATE_CHILD_SA, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	struct ike_ike_proposal prop;
	uint8_t num;
	struct ike_rbuf pspi;
	if (!ike_select_ike(&in->pl[isa].u.sa, cfg->ike, cfg->n_ike, &prop, &num, &pspi) || pspi.len != 8) {
		ike_send_error_response(sa, IKE_EXCH_CREATE_CHILD_SA, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (in->pl[ike].u.ke.group != prop.dh) {
		uint8_t g[2] = { (uint8_t)(prop.dh >> 8), (uint8_t)prop.dh };
		ep->ctr.invalid_ke_sent++;
		ike_send_error_response(sa, IKE_EXCH_CREATE_CHILD_SA, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	GByteArray *pub = g_byte_array_new(), *gir = g_byte_array_new();
	struct ike_dh_key *k = gen_dh(ep, prop.dh, pub);
	g_byte_array_set_size(gir, (guint)ike_dh_secret_len(ike_dh_key_group(k)));
	bool ok = ike_dh_derive(k, in->pl[ike].u.ke.data.p, in->pl[ike].u.ke.data.len, gir->data) == IKE_DHV_OK;
	ike_dh_key_free(k);
	if (!ok) {
		ep->ctr.drops[IKE_DROP_DH]++;
		g_byte_array_unref(pub);
		g_byte_array_unref(gir);
		ike_send_error_response(sa, IKE_EXCH_CREATE_CHILD_SA, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	GByteArray *ni = g_byte_array_new(), *nr = g_byte_array_sized_new(IKE_NONCE_LEN);
	g_byte_array_append(ni, in->pl[ini].u.typed.data.p, (guint)in->pl[ini].u.typed.data.len);
	g_byte_array_set_size(nr, IKE_NONCE_LEN);
	ike_random(ep, nr->data, IKE_NONCE_LEN);
	uint64_t spi_i = ike_get64(pspi.p), spi_r = ike_random_spi64(ep);
	uint8_t sprb[8];
	ike_put64(sprb, spi_r);
	struct ike_builder b;
	ike_builder_init_inner(&b);
	ike_build_ike_sa(&b, &prop, 1, sprb, num);
	ike_build_nonce(&b, nr->data, nr->len);
	ike_build_ke(&b, prop.dh, pub->data, pub->len);
	ike_response_send(sa, IKE_EXCH_CREATE_CHILD_SA,
			  ike_msg_seal(sa, IKE_EXCH_CREATE_CHILD_SA, true, sa->expect_req_id, &b));
	struct ike_sa *n = new_sa(sa, false, spi_i, spi_r, &prop, ni, nr, gir, now);
	ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": rekeyed by the peer into IKE SA %" G_GUINT64_FORMAT,
		sa->id, n->id);
	ike_child_move(sa, n);
	if (sa->req.active && sa->req.task == IKE_TASK_IKE_REKEY) {
		struct ike_collision *co = &sa->req.coll;
		co->active = true;
		co->ni = g_byte_array_ref(ni);
		co->nr = g_byte_array_ref(nr);
		co->new_sa_id = n->id;
	}
	old_replaced(sa, now);
	ike_sa_update_timer(n, now);
	g_byte_array_unref(ni);
	g_byte_array_unref(nr);
	g_byte_array_unref(pub);
	g_byte_array_unref(gir);
}

void ike_rekey_response_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now)
{
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	struct ike_request *r = &sa->req;
	uint16_t err = ike_first_error(in);
	if (err) {
		ike_count_notify(ep->ctr.notify_rx, err);
		const struct ike_pl_notify *n = ike_notify_find(in, IKE_N_INVALID_KE_PAYLOAD);
		if (n && n->data.len == 2 && sa->rekey_ke_rounds < IKE_MAX_INIT_RETRIES) {
			uint16_t g = (uint16_t)(n->data.p[0] << 8 | n->data.p[1]);
			for (size_t i = 0; i < cfg->n_ike; i++)
				if (cfg->ike[i].dh == g && g != rekey_group(sa)) {
					sa->rekey_ke_rounds++;
					sa->rekey_ke_group = g;
					r->active = false; /* done: the retry is a new request */
					ike_task_queue(sa, IKE_TASK_IKE_REKEY, 0);
					return;
				}
		}
		sa->error_notify = err;
		if (sa->state == IKE_SA_ESTABLISHED)
			sa->rekey_at_ns = err == IKE_N_TEMPORARY_FAILURE ? ike_retry_at(ep, now) : now + 60 * NS_PER_S;
		return;
	}
	int isa = ike_payload_find(in, IKE_PL_SA, 0), inr = ike_payload_find(in, IKE_PL_NONCE, 0),
	    ike = ike_payload_find(in, IKE_PL_KE, 0);
	struct ike_ike_proposal prop;
	uint8_t num;
	struct ike_rbuf pspi;
	if (isa < 0 || inr < 0 || ike < 0 ||
	    !ike_select_ike(&in->pl[isa].u.sa, cfg->ike, cfg->n_ike, &prop, &num, &pspi) || pspi.len != 8 ||
	    in->pl[ike].u.ke.group != prop.dh || prop.dh != ike_dh_group_id(ike_dh_key_group(r->dh))) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		return;
	}
	GByteArray *gir = g_byte_array_new();
	g_byte_array_set_size(gir, (guint)ike_dh_secret_len(ike_dh_key_group(r->dh)));
	if (ike_dh_derive(r->dh, in->pl[ike].u.ke.data.p, in->pl[ike].u.ke.data.len, gir->data) != IKE_DHV_OK) {
		ep->ctr.drops[IKE_DROP_DH]++;
		g_byte_array_unref(gir);
		return;
	}
	sa->rekey_ke_rounds = 0;
	GByteArray *nr = g_byte_array_new();
	g_byte_array_append(nr, in->pl[inr].u.typed.data.p, (guint)in->pl[inr].u.typed.data.len);
	struct ike_sa *n = new_sa(sa, true, r->new_ike_spi, ike_get64(pspi.p), &prop, r->nonce, nr, gir, now);
	g_byte_array_unref(gir);
	if (r->coll.active) {
		struct ike_sa *theirs = ike_sa_by_id(ep, r->coll.new_sa_id);
		bool lost = ike_lowest_nonce_in(r->nonce, nr, r->coll.ni, r->coll.nr);
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": IKE rekey collision %s", sa->id,
			lost ? "lost: deleting our redundant IKE SA" : "won: deleting the old IKE SA");
		if (lost) {
			n->replaced = true;
			ike_task_queue(n, IKE_TASK_IKE_DELETE, 0);
			ike_task_next(n, now);
		} else {
			if (theirs) {
				ike_child_move(theirs, n);
				theirs->replaced = true; /* the peer deletes it */
			}
			ike_task_queue(sa, IKE_TASK_IKE_DELETE, 0);
		}
	} else {
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": rekeyed into IKE SA %" G_GUINT64_FORMAT,
			sa->id, n->id);
		ike_child_move(sa, n);
		old_replaced(sa, now);
		ike_task_queue(sa, IKE_TASK_IKE_DELETE, 0);
	}
	g_byte_array_unref(nr);
	ike_sa_update_timer(n, now);
}
