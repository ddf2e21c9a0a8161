/* ike_child.c: CHILD SAs (RFC 7296 §1.3, §2.17): key derivation and orientation, install and
 * removal (the child_up/child_down callbacks), the ESP configuration for esp.h, CHILD rekeying
 * with CREATE_CHILD_SA (optional PFS; a PFS group mismatch gets INVALID_KE_PAYLOAD), the
 * lowest-nonce rule for crossing rekeys (§2.8.1), and the queue of exchanges an SA initiates. */
#include "models/ipsec/ike_sa_internal.h"

#include <string.h>

#define NS_PER_S G_GINT64_CONSTANT(1000000000)

/* ---- lookup, install, remove ---- */

struct ike_child *ike_child_find(const struct ike_sa *sa, uint32_t spi_in)
{
	for (guint i = 0; i < sa->children->len; i++) {
		struct ike_child *c = g_ptr_array_index(sa->children, i);
		if (c->info.spi_in == spi_in)
			return c;
	}
	return NULL;
}

struct ike_child *ike_child_find_out(const struct ike_sa *sa, uint32_t spi_out)
{
	for (guint i = 0; i < sa->children->len; i++) {
		struct ike_child *c = g_ptr_array_index(sa->children, i);
		if (c->info.spi_out == spi_out)
			return c;
	}
	return NULL;
}

struct ike_child *ike_child_install(struct ike_sa *sa, const struct ike_esp_proposal *prop, bool exch_initiator,
				    uint32_t spi_in, uint32_t spi_out, struct ike_crypto_buf g_ir,
				    struct ike_crypto_buf ni, struct ike_crypto_buf nr, const struct ike_ts4 *ts_i,
				    size_t n_ts_i, const struct ike_ts4 *ts_r, size_t n_ts_r, int64_t now)
{
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	struct ike_transforms xf;
	ike_esp_xf(prop, &xf);
	struct ike_child_keys k;
	struct ike_crypto_buf skd = { sa->keys.sk_d, sa->keys.prf_len };
	if (!ike_child_keys_derive(sa->xf.prf, skd, g_ir, ni, nr, &xf, &k)) {
		ike_log(ep, G_LOG_LEVEL_WARNING, "IKE SA %" G_GUINT64_FORMAT ": CHILD key derivation failed", sa->id);
		return NULL;
	}
	struct ike_child *c = g_new0(struct ike_child, 1);
	struct ike_child_info *in = &c->info;
	c->prop = *prop;
	in->sa_id = sa->id;
	in->spi_in = spi_in;
	in->spi_out = spi_out;
	in->encr = prop->encr;
	in->encr_key_bits = prop->encr_key_bits;
	in->integ = prop->integ;
	in->pfs_dh = g_ir.len ? prop->dh : 0;
	in->encr_key_len = k.encr_key_len;
	in->integ_key_len = k.integ_key_len;
	memcpy(exch_initiator ? in->key_out_encr : in->key_in_encr, k.ei, k.encr_key_len);
	memcpy(exch_initiator ? in->key_in_encr : in->key_out_encr, k.er, k.encr_key_len);
	memcpy(exch_initiator ? in->key_out_integ : in->key_in_integ, k.ai, k.integ_key_len);
	memcpy(exch_initiator ? in->key_in_integ : in->key_out_integ, k.ar, k.integ_key_len);
	ike_child_keys_clear(&k);
	const struct ike_ts4 *l = exch_initiator ? ts_i : ts_r, *r = exch_initiator ? ts_r : ts_i;
	in->n_local_ts = MIN(exch_initiator ? n_ts_i : n_ts_r, (size_t)IKE_MAX_TS);
	in->n_remote_ts = MIN(exch_initiator ? n_ts_r : n_ts_i, (size_t)IKE_MAX_TS);
	memcpy(in->local_ts, l, in->n_local_ts * sizeof(*l));
	memcpy(in->remote_ts, r, in->n_remote_ts * sizeof(*r));
	in->local = sa->local;
	in->remote = sa->remote;
	in->udp_encap = sa->encap;
	in->initiator = exch_initiator;
	in->created_ns = now;
	int64_t rk = ike_jittered(ep, cfg->child_rekey_ns, cfg->rekey_jitter_ns);
	in->rekey_at_ns = rk == INT64_MAX ? INT64_MAX : now + rk;
	in->expire_at_ns = cfg->child_lifetime_ns > 0 ? now + cfg->child_lifetime_ns : INT64_MAX;
	in->rekey_bytes = cfg->child_rekey_bytes;
	in->lifetime_bytes = cfg->child_lifetime_bytes;
	in->vip = sa->vip;
	c->state = IKE_CHILD_INSTALLED;
	g_ptr_array_add(sa->children, c);
	g_hash_table_insert(ep->child_spis, GUINT_TO_POINTER(spi_in), c);
	ike_log(ep, G_LOG_LEVEL_INFO,
		"IKE SA %" G_GUINT64_FORMAT ": CHILD SA installed, SPIs in %08x out %08x, %s%s", sa->id, spi_in,
		spi_out, ike_transform_id_name(IKE_XF_ENCR, prop->encr) ? ike_transform_id_name(IKE_XF_ENCR, prop->encr) : "?",
		in->udp_encap ? ", UDP-encapsulated" : "");
	if (ep->cb.child_up)
		ep->cb.child_up(ep->user, in);
	return c;
}

void ike_child_remove(struct ike_sa *sa, struct ike_child *c, enum ike_down_reason why)
{
	struct ike_endpoint *ep = sa->ep;
	g_ptr_array_remove(sa->children, c);
	g_hash_table_remove(ep->child_spis, GUINT_TO_POINTER(c->info.spi_in));
	ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": CHILD SA %08x/%08x removed: %s", sa->id,
		c->info.spi_in, c->info.spi_out, ike_down_reason_name(why));
	if (ep->cb.child_down)
		ep->cb.child_down(ep->user, &c->info, why);
	memset(c, 0, sizeof(*c));
	g_free(c);
}

void ike_child_move(struct ike_sa *from, struct ike_sa *to)
{
	for (guint i = 0; i < from->children->len; i++) {
		struct ike_child *c = g_ptr_array_index(from->children, i);
		c->info.sa_id = to->id;
		c->task_queued = false;
		if (c->state == IKE_CHILD_REKEYING)
			c->state = IKE_CHILD_INSTALLED;
		g_ptr_array_add(to->children, c);
	}
	g_ptr_array_set_size(from->children, 0);
}

bool ike_child_esp_config(const struct ike_child_info *c, enum esp_dir dir, struct esp_sa_config *out)
{
	memset(out, 0, sizeof(*out));
	switch (c->encr) {
	case IKE_ENCR_AES_CBC:
		out->encr = ESP_ENCR_AES_CBC;
		break;
	case IKE_ENCR_AES_GCM_16:
		out->encr = ESP_ENCR_AES_GCM16;
		break;
	case IKE_ENCR_NULL:
		out->encr = ESP_ENCR_NULL;
		break;
	default:
		return false;
	}
	switch (c->integ) {
	case IKE_INTEG_NONE:
		out->integ = ESP_INTEG_NONE;
		break;
	case IKE_INTEG_HMAC_SHA1_96:
		out->integ = ESP_INTEG_HMAC_SHA1_96;
		break;
	case IKE_INTEG_HMAC_SHA2_256_128:
		out->integ = ESP_INTEG_HMAC_SHA256_128;
		break;
	default:
		return false;
	}
	bool o = dir == ESP_DIR_OUT;
	out->dir = dir;
	out->spi = o ? c->spi_out : c->spi_in;
	out->src = o ? c->local.ip : c->remote.ip;
	out->dst = o ? c->remote.ip : c->local.ip;
	if (c->encr_key_len > sizeof(out->encr_key) || c->integ_key_len > sizeof(out->integ_key))
		return false;
	memcpy(out->encr_key, o ? c->key_out_encr : c->key_in_encr, c->encr_key_len);
	out->encr_key_len = c->encr_key_len;
	memcpy(out->integ_key, o ? c->key_out_integ : c->key_in_integ, c->integ_key_len);
	out->integ_key_len = c->integ_key_len;
	out->natt = c->udp_encap;
	out->natt_sport = o ? c->local.port : c->remote.port;
	out->natt_dport = o ? c->remote.port : c->local.port;
	return true;
}

/* ---- the task queue ---- */

static bool task_pending(const struct ike_sa *sa, enum ike_task t, uint32_t spi)
{
	if (sa->req.active && sa->req.task == t && (t != IKE_TASK_CHILD_REKEY || sa->req.old_spi_in == spi) &&
	    (t != IKE_TASK_CHILD_DELETE || sa->req.old_spi_in == spi))
		return true;
	for (guint i = 0; i < sa->queue->len; i++) {
		const struct ike_task_item *it = &g_array_index(sa->queue, struct ike_task_item, i);
		if (it->task == t && it->spi == spi)
			return true;
	}
	return false;
}

void ike_task_queue(struct ike_sa *sa, enum ike_task task, uint32_t spi)
{
	if (task_pending(sa, task, spi))
		return;
	struct ike_child *c = spi ? ike_child_find(sa, spi) : NULL;
	if (c)
		c->task_queued = true;
	struct ike_task_item it = { task, spi };
	g_array_append_val(sa->queue, it);
}

void ike_task_next(struct ike_sa *sa, int64_t now)
{
	static const enum ike_task order[] = { IKE_TASK_IKE_DELETE, IKE_TASK_CHILD_DELETE, IKE_TASK_CHILD_REKEY,
					       IKE_TASK_IKE_REKEY, IKE_TASK_DPD };
	while (!sa->req.active && sa->queue->len &&
	       (sa->state == IKE_SA_ESTABLISHED || sa->state == IKE_SA_REKEYED)) {
		guint pick = G_MAXUINT;
		for (size_t o = 0; o < G_N_ELEMENTS(order) && pick == G_MAXUINT; o++)
			for (guint i = 0; i < sa->queue->len; i++)
				if (g_array_index(sa->queue, struct ike_task_item, i).task == order[o]) {
					pick = i;
					break;
				}
		g_assert(pick != G_MAXUINT);
		struct ike_task_item it = g_array_index(sa->queue, struct ike_task_item, pick);
		g_array_remove_index(sa->queue, pick);
		struct ike_child *c = it.spi ? ike_child_find(sa, it.spi) : NULL;
		if (c)
			c->task_queued = false;
		if (sa->state == IKE_SA_REKEYED && it.task != IKE_TASK_IKE_DELETE)
			continue;
		switch (it.task) {
		case IKE_TASK_CHILD_REKEY:
			ike_child_rekey_start(sa, it.spi, now);
			break;
		case IKE_TASK_IKE_REKEY:
			ike_rekey_start(sa, now);
			break;
		case IKE_TASK_IKE_DELETE:
		case IKE_TASK_CHILD_DELETE:
		case IKE_TASK_DPD:
			ike_info_start(sa, it.task, it.spi, now);
			break;
		default:
			break;
		}
	}
}

/* ---- nonces ---- */

bool ike_nonce_less(const GByteArray *a, const GByteArray *b)
{
	size_t n = MIN(a->len, b->len);
	int r = memcmp(a->data, b->data, n);
	return r < 0 || (r == 0 && a->len < b->len);
}

static const GByteArray *lower(const GByteArray *a, const GByteArray *b)
{
	return ike_nonce_less(a, b) ? a : b;
}

bool ike_lowest_nonce_in(const GByteArray *ni_a, const GByteArray *nr_a, const GByteArray *ni_b,
			 const GByteArray *nr_b)
{
	return ike_nonce_less(lower(ni_a, nr_a), lower(ni_b, nr_b));
}

static GByteArray *copy_rbuf(const struct ike_rbuf *r)
{
	GByteArray *a = g_byte_array_sized_new((guint)r->len);
	g_byte_array_append(a, r->p, (guint)r->len);
	return a;
}

/* ---- CHILD rekey, initiator ---- */

static uint16_t child_pfs_group(const struct ike_sa *sa)
{
	return sa->child_ke_group ? sa->child_ke_group : ike_sa_cfg(sa)->esp[0].dh;
}

/* Generates a DH key for group; writes the public value to pub (resized). */
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

/* g^ir into out (resized); false if the peer's value is refused. */
static bool dh_secret(const struct ike_dh_key *k, const struct ike_rbuf *peer, GByteArray *out)
{
	g_byte_array_set_size(out, (guint)ike_dh_secret_len(ike_dh_key_group(k)));
	return ike_dh_derive(k, peer->p, peer->len, out->data) == IKE_DHV_OK;
}

void ike_child_rekey_start(struct ike_sa *sa, uint32_t spi_in, int64_t now)
{
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	struct ike_child *c = ike_child_find(sa, spi_in);
	if (!c || c->state != IKE_CHILD_INSTALLED || cfg->n_esp == 0)
		return;
	struct ike_request *r = &sa->req;
	ike_request_clear(r);
	r->old_spi_in = spi_in;
	r->new_spi_in = ike_random_child_spi(ep);
	r->nonce = g_byte_array_sized_new(IKE_NONCE_LEN);
	g_byte_array_set_size(r->nonce, IKE_NONCE_LEN);
	ike_random(ep, r->nonce->data, IKE_NONCE_LEN);
	uint16_t pfs = child_pfs_group(sa);
	GByteArray *pub = g_byte_array_new();
	if (pfs) {
		r->dh = gen_dh(ep, pfs, pub);
		g_assert(r->dh);
	}
	uint8_t spib[4] = { (uint8_t)(spi_in >> 24), (uint8_t)(spi_in >> 16), (uint8_t)(spi_in >> 8), (uint8_t)spi_in };
	struct ike_builder b;
	ike_builder_init_inner(&b);
	ike_build_notify(&b, IKE_PROTO_ESP, spib, 4, IKE_N_REKEY_SA, NULL, 0);
	/* after INVALID_KE the requested group goes first, the list is otherwise kept */
	struct ike_esp_proposal props[IKE_MAX_PROPOSALS];
	memcpy(props, cfg->esp, cfg->n_esp * sizeof(props[0]));
	ike_build_esp_sa(&b, props, cfg->n_esp, r->new_spi_in, true, 0);
	ike_build_nonce(&b, r->nonce->data, r->nonce->len);
	if (pfs)
		ike_build_ke(&b, pfs, pub->data, pub->len);
	ike_build_ts4(&b, IKE_PL_TSI, c->info.local_ts, c->info.n_local_ts);
	ike_build_ts4(&b, IKE_PL_TSR, c->info.remote_ts, c->info.n_remote_ts);
	g_byte_array_unref(pub);
	GByteArray *m = ike_msg_seal(sa, IKE_EXCH_CREATE_CHILD_SA, false, sa->next_req_id, &b);
	g_assert(m);
	c->state = IKE_CHILD_REKEYING;
	ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": rekeying CHILD SA %08x%s", sa->id, spi_in,
		pfs ? " with PFS" : "");
	/* keep old_spi_in etc.: ike_request_send only sets the message fields */
	ike_request_send(sa, IKE_TASK_CHILD_REKEY, IKE_EXCH_CREATE_CHILD_SA, m, now);
}

static bool esp_dh_offered(const struct ike_peer_cfg *cfg, uint16_t g)
{
	for (size_t i = 0; i < cfg->n_esp; i++)
		if (cfg->esp[i].dh == g)
			return true;
	return false;
}

void ike_child_rekey_response_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now)
{
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	struct ike_request *r = &sa->req;
	struct ike_child *old = ike_child_find(sa, r->old_spi_in);
	uint16_t err = ike_first_error(in);
	if (err) {
		ike_count_notify(ep->ctr.notify_rx, err);
		if (old && old->state == IKE_CHILD_REKEYING)
			old->state = IKE_CHILD_INSTALLED;
		const struct ike_pl_notify *n = ike_notify_find(in, IKE_N_INVALID_KE_PAYLOAD);
		if (n && n->data.len == 2 && old) {
			uint16_t g = (uint16_t)(n->data.p[0] << 8 | n->data.p[1]);
			if (g != child_pfs_group(sa) && esp_dh_offered(cfg, g) && sa->child_ke_rounds < IKE_MAX_INIT_RETRIES) {
				sa->child_ke_rounds++;
				sa->child_ke_group = g;
				r->active = false; /* done: the retry is a new request */
				ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": CHILD rekey retried with group %u",
					sa->id, g);
				ike_task_queue(sa, IKE_TASK_CHILD_REKEY, old->info.spi_in);
				return;
			}
		}
		sa->error_notify = err;
		if (old && err == IKE_N_TEMPORARY_FAILURE)
			old->info.rekey_at_ns = ike_retry_at(ep, now);
		else if (old)
			old->info.rekey_at_ns = INT64_MAX; /* it lives until its hard lifetime */
		ike_log(ep, G_LOG_LEVEL_WARNING, "IKE SA %" G_GUINT64_FORMAT ": CHILD rekey refused (%s)", sa->id,
			ike_const_name(IKE_NS_NOTIFY, err));
		return;
	}
	sa->child_ke_rounds = 0;
	int isa = ike_payload_find(in, IKE_PL_SA, 0), inr = ike_payload_find(in, IKE_PL_NONCE, 0),
	    ike = ike_payload_find(in, IKE_PL_KE, 0), itsi = ike_payload_find(in, IKE_PL_TSI, 0),
	    itsr = ike_payload_find(in, IKE_PL_TSR, 0);
	struct ike_esp_proposal prop;
	uint8_t num;
	uint32_t spi_out;
	if (isa < 0 || inr < 0 || itsi < 0 || itsr < 0 ||
	    !ike_select_esp(&in->pl[isa].u.sa, cfg->esp, cfg->n_esp, true, &prop, &num, &spi_out) ||
	    (prop.dh && (ike < 0 || !r->dh || in->pl[ike].u.ke.group != prop.dh ||
			 ike_dh_group_id(ike_dh_key_group(r->dh)) != prop.dh))) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		if (old && old->state == IKE_CHILD_REKEYING)
			old->state = IKE_CHILD_INSTALLED;
		return;
	}
	GByteArray *gir = g_byte_array_new();
	if (prop.dh && !dh_secret(r->dh, &in->pl[ike].u.ke.data, gir)) {
		ep->ctr.drops[IKE_DROP_DH]++;
		g_byte_array_unref(gir);
		if (old && old->state == IKE_CHILD_REKEYING)
			old->state = IKE_CHILD_INSTALLED;
		return;
	}
	GByteArray *nr = copy_rbuf(&in->pl[inr].u.typed.data);
	struct ike_ts4 tsi[IKE_MAX_TS], tsr[IKE_MAX_TS];
	size_t ni_ts = ike_ts_read(&in->pl[itsi].u.ts, tsi), nr_ts = ike_ts_read(&in->pl[itsr].u.ts, tsr);
	struct ike_child *c = ike_child_install(sa, &prop, true, r->new_spi_in, spi_out,
						 (struct ike_crypto_buf){ gir->data, gir->len },
						 (struct ike_crypto_buf){ r->nonce->data, r->nonce->len },
						 (struct ike_crypto_buf){ nr->data, nr->len }, tsi, ni_ts, tsr, nr_ts, now);
	g_byte_array_unref(gir);
	ep->ctr.child_rekeys++;
	if (r->coll.active && c) {
		/* both rekeyed the same CHILD SA: the SA made with the lowest nonce is redundant and
		 * its creator deletes it; the other side deletes the old SA (RFC 7296 §2.8.1) */
		bool lost = ike_lowest_nonce_in(r->nonce, nr, r->coll.ni, r->coll.nr);
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": CHILD rekey collision %s", sa->id,
			lost ? "lost: deleting our redundant SA" : "won: deleting the old SA");
		if (old) {
			old->state = IKE_CHILD_REKEYED;
			old->replaced = true;
		}
		if (lost) {
			c->replaced = true;
			c->state = IKE_CHILD_REKEYED;
			ike_task_queue(sa, IKE_TASK_CHILD_DELETE, c->info.spi_in);
		} else if (old) {
			ike_task_queue(sa, IKE_TASK_CHILD_DELETE, old->info.spi_in);
		}
	} else if (old) {
		old->state = IKE_CHILD_REKEYED;
		old->replaced = true;
		ike_task_queue(sa, IKE_TASK_CHILD_DELETE, old->info.spi_in);
	}
	g_byte_array_unref(nr);
}

/* ---- CREATE_CHILD_SA, responder ---- */

static bool is_ike_rekey(const struct ike_payload_list *in)
{
	int isa = ike_payload_find(in, IKE_PL_SA, 0);
	if (isa < 0)
		return false;
	struct ike_rbuf cur = in->pl[isa].u.sa.proposals;
	struct ike_proposal p;
	return ike_sa_next_proposal(&cur, &p) && p.protocol == IKE_PROTO_IKE;
}

void ike_create_child_request_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now)
{
	struct ike_endpoint *ep = sa->ep;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	if (is_ike_rekey(in)) {
		ike_rekey_request_in(sa, in, now);
		return;
	}
	if (sa->state != IKE_SA_ESTABLISHED || (sa->req.active && sa->req.task == IKE_TASK_IKE_REKEY)) {
		ike_send_error_response(sa, IKE_EXCH_CREATE_CHILD_SA, IKE_N_TEMPORARY_FAILURE, NULL, 0);
		return;
	}
	int isa = ike_payload_find(in, IKE_PL_SA, 0), ini = ike_payload_find(in, IKE_PL_NONCE, 0),
	    ike = ike_payload_find(in, IKE_PL_KE, 0), itsi = ike_payload_find(in, IKE_PL_TSI, 0),
	    itsr = ike_payload_find(in, IKE_PL_TSR, 0);
	if (isa < 0 || ini < 0 || itsi < 0 || itsr < 0) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		ike_send_error_response(sa, IKE_EXCH_CREATE_CHILD_SA, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	struct ike_child *old = NULL;
	const struct ike_pl_notify *rk = ike_notify_find(in, IKE_N_REKEY_SA);
	if (rk) {
		uint32_t spi = rk->spi.len == 4 ? ((uint32_t)rk->spi.p[0] << 24 | (uint32_t)rk->spi.p[1] << 16 |
						  (uint32_t)rk->spi.p[2] << 8 | rk->spi.p[3])
						: 0;
		old = ike_child_find_out(sa, spi);
		if (!old) {
			ike_send_error_response(sa, IKE_EXCH_CREATE_CHILD_SA, IKE_N_CHILD_SA_NOT_FOUND, NULL, 0);
			return;
		}
		if (old->state == IKE_CHILD_REKEYED || old->state == IKE_CHILD_DELETING) {
			ike_send_error_response(sa, IKE_EXCH_CREATE_CHILD_SA, IKE_N_TEMPORARY_FAILURE, NULL, 0);
			return;
		}
	}
	struct ike_esp_proposal prop;
	uint8_t num;
	uint32_t spi_out;
	if (cfg->n_esp == 0 || !ike_select_esp(&in->pl[isa].u.sa, cfg->esp, cfg->n_esp, true, &prop, &num, &spi_out)) {
		ike_send_error_response(sa, IKE_EXCH_CREATE_CHILD_SA, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (prop.dh && (ike < 0 || in->pl[ike].u.ke.group != prop.dh)) {
		uint8_t g[2] = { (uint8_t)(prop.dh >> 8), (uint8_t)prop.dh };
		ep->ctr.invalid_ke_sent++;
		ike_send_error_response(sa, IKE_EXCH_CREATE_CHILD_SA, IKE_N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	struct ike_ts4 tsi[IKE_MAX_TS], tsr[IKE_MAX_TS];
	size_t ni_ts, nr_ts;
	if (sa->vip) {
		struct ike_ts4 v = { sa->vip, sa->vip, 0, 65535, 0 };
		ni_ts = sa->initiator ? ike_ts_narrow(&in->pl[itsi].u.ts, cfg->remote_ts, cfg->n_remote_ts, tsi)
				      : ike_ts_narrow(&in->pl[itsi].u.ts, &v, 1, tsi);
		nr_ts = sa->initiator ? ike_ts_narrow(&in->pl[itsr].u.ts, &v, 1, tsr)
				      : ike_ts_narrow(&in->pl[itsr].u.ts, cfg->local_ts, cfg->n_local_ts, tsr);
	} else {
		ike_ts_respond(cfg, &in->pl[itsi].u.ts, &in->pl[itsr].u.ts, NULL, tsi, &ni_ts, tsr, &nr_ts);
	}
	if (!ni_ts || !nr_ts) {
		ike_send_error_response(sa, IKE_EXCH_CREATE_CHILD_SA, IKE_N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	GByteArray *pub = g_byte_array_new(), *gir = g_byte_array_new();
	if (prop.dh) {
		struct ike_dh_key *k = gen_dh(ep, prop.dh, pub);
		bool ok = k && dh_secret(k, &in->pl[ike].u.ke.data, gir);
		if (k)
			ike_dh_key_free(k);
		if (!ok) {
			ep->ctr.drops[IKE_DROP_DH]++;
			g_byte_array_unref(pub);
			g_byte_array_unref(gir);
			ike_send_error_response(sa, IKE_EXCH_CREATE_CHILD_SA, IKE_N_INVALID_SYNTAX, NULL, 0);
			return;
		}
	}
	GByteArray *ni = copy_rbuf(&in->pl[ini].u.typed.data);
	GByteArray *nr = g_byte_array_sized_new(IKE_NONCE_LEN);
	g_byte_array_set_size(nr, IKE_NONCE_LEN);
	ike_random(ep, nr->data, IKE_NONCE_LEN);
	uint32_t spi_in = ike_random_child_spi(ep);
	struct ike_builder b;
	ike_builder_init_inner(&b);
	ike_build_esp_sa(&b, &prop, 1, spi_in, true, num);
	ike_build_nonce(&b, nr->data, nr->len);
	if (prop.dh)
		ike_build_ke(&b, prop.dh, pub->data, pub->len);
	ike_build_ts4(&b, IKE_PL_TSI, tsi, ni_ts);
	ike_build_ts4(&b, IKE_PL_TSR, tsr, nr_ts);
	ike_response_send(sa, IKE_EXCH_CREATE_CHILD_SA,
			  ike_msg_seal(sa, IKE_EXCH_CREATE_CHILD_SA, true, sa->expect_req_id, &b));
	struct ike_child *c = ike_child_install(sa, &prop, false, spi_in, spi_out,
						 (struct ike_crypto_buf){ gir->data, gir->len },
						 (struct ike_crypto_buf){ ni->data, ni->len },
						 (struct ike_crypto_buf){ nr->data, nr->len }, tsi, ni_ts, tsr, nr_ts, now);
	if (old) {
		ep->ctr.child_rekeys++;
		if (sa->req.active && sa->req.task == IKE_TASK_CHILD_REKEY && sa->req.old_spi_in == old->info.spi_in &&
		    c) {
			/* a crossing rekey of the same CHILD SA: decided when our response arrives */
			struct ike_collision *co = &sa->req.coll;
			if (co->ni)
				g_byte_array_unref(co->ni);
			if (co->nr)
				g_byte_array_unref(co->nr);
			co->active = true;
			co->ni = g_byte_array_ref(ni);
			co->nr = g_byte_array_ref(nr);
			co->child_spi_in = c->info.spi_in;
		} else {
			old->state = IKE_CHILD_REKEYED; /* the peer deletes it */
			old->replaced = true;
		}
	}
	g_byte_array_unref(ni);
	g_byte_array_unref(nr);
	g_byte_array_unref(pub);
	g_byte_array_unref(gir);
}
