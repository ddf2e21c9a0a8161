/* ike_message.c: how IKE messages travel: SK protection of outgoing messages and checking of
 * incoming ones, the non-ESP marker on port 4500 (RFC 3948), the outstanding request and its
 * retransmission schedule, the response cache that answers retransmitted requests, and the
 * NAT_DETECTION_* hashes (RFC 7296 §2.23). */
#include "models/ipsec/ike_sa_internal.h"

#include <math.h>
#include <openssl/evp.h>
#include <string.h>

void ike_put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t ike_get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

bool ike_needs_marker(uint16_t local_port, uint16_t remote_port)
{
	/* charon's rule (network/sender.c): the marker whenever neither port is 500 */
	return local_port != IKE_PORT && remote_port != IKE_PORT;
}

/* SHA-1, fetched once per process and only read afterwards (EVP_sha1() would be fetched
 * implicitly on every digest, which costs more than hashing 22 bytes). */
static const EVP_MD *sha1(void)
{
	static gsize done;
	static EVP_MD *md;
	if (g_once_init_enter(&done)) {
		md = EVP_MD_fetch(NULL, "SHA1", NULL);
		if (!md)
			g_error("OpenSSL has no SHA-1");
		g_once_init_leave(&done, 1);
	}
	return md;
}

void ike_natd_hash(uint64_t spi_i, uint64_t spi_r, struct ike_addr a, uint8_t out[20])
{
	uint8_t buf[8 + 8 + 4 + 2];
	ike_put64(buf, spi_i);
	ike_put64(buf + 8, spi_r);
	buf[16] = (uint8_t)(a.ip >> 24);
	buf[17] = (uint8_t)(a.ip >> 16);
	buf[18] = (uint8_t)(a.ip >> 8);
	buf[19] = (uint8_t)a.ip;
	buf[20] = (uint8_t)(a.port >> 8);
	buf[21] = (uint8_t)a.port;
	unsigned int n = 20;
	if (!EVP_Digest(buf, sizeof(buf), out, &n, sha1(), NULL))
		g_error("EVP_Digest(SHA-1) failed");
}

void ike_send_raw(struct ike_endpoint *ep, struct ike_addr src, struct ike_addr dst, const GByteArray *msg)
{
	struct ike_dgram d = { .src = src, .dst = dst };
	if (ike_needs_marker(src.port, dst.port)) {
		uint8_t *buf = g_malloc(msg->len + 4);
		memset(buf, 0, 4);
		memcpy(buf + 4, msg->data, msg->len);
		d.data = buf;
		d.len = msg->len + 4;
		ep->cb.send(ep->user, &d);
		g_free(buf);
		return;
	}
	d.data = msg->data;
	d.len = msg->len;
	ep->cb.send(ep->user, &d);
}

void ike_send_msg(struct ike_sa *sa, const GByteArray *msg, const GPtrArray *frags)
{
	sa->last_tx_ns = sa->ep->now_ns;
	if (!frags) {
		ike_send_raw(sa->ep, sa->local, sa->remote, msg);
		return;
	}
	for (guint i = 0; i < frags->len; i++) {
		sa->ep->ctr.frags_tx++;
		ike_send_raw(sa->ep, sa->local, sa->remote, g_ptr_array_index(frags, i));
	}
}

/* The largest IKE message the path takes, or 0 when this SA does not fragment. */
static size_t frag_limit(const struct ike_sa *sa)
{
	size_t mtu = ike_sa_cfg(sa)->fragment_mtu;
	if (!sa->frag_ok || mtu < 256)
		return 0;
	return mtu - 20 - 8 - (ike_needs_marker(sa->local.port, sa->remote.port) ? 4 : 0);
}

/* Splits the inner chain pt (first payload type `first`) into SKF fragments of at most `limit`
 * bytes each, every one protected on its own (RFC 7383 §2.5). */
static GPtrArray *build_fragments(struct ike_sa *sa, const struct ike_hdr *h, uint8_t first, const GByteArray *pt,
				  size_t limit)
{
	struct ike_sk_cipher c = ike_sk_cipher_for(&sa->keys, sa->initiator);
	size_t fixed = IKE_HDR_LEN + 8;
	size_t chunk = limit > fixed ? limit - fixed : 1;
	while (chunk > 1 && fixed + ike_sk_body_len(&c, chunk) > limit)
		chunk--;
	size_t total = (pt->len + chunk - 1) / chunk;
	if (total == 0)
		total = 1;
	if (total > 65535)
		return NULL;
	GPtrArray *frags = g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref);
	size_t iv_len = ike_sk_iv_len(&c);
	for (size_t k = 0; k < total; k++) {
		size_t off = k * chunk, len = MIN(chunk, pt->len - off);
		struct ike_builder b;
		ike_builder_init(&b, h);
		size_t body_off = 0;
		ike_build_skf(&b, k == 0 ? first : 0, (uint16_t)(k + 1), (uint16_t)total, ike_sk_body_len(&c, len),
			      &body_off);
		GByteArray *m = ike_build_finish(&b);
		g_assert(m);
		uint8_t iv[16];
		ike_random(sa->ep, iv, iv_len);
		memcpy(m->data + body_off + iv_len, pt->data + off, len);
		if (ike_sk_seal(&c, iv, m->data, body_off, len) != IKE_SKV_OK)
			g_error("SKF seal failed");
		g_ptr_array_add(frags, m);
	}
	return frags;
}

GByteArray *ike_msg_seal(struct ike_sa *sa, uint8_t exchange, bool response, uint32_t msg_id,
			 struct ike_builder *inner)
{
	uint8_t first = 0;
	GByteArray *pt = ike_build_finish_inner(inner, &first);
	if (!pt)
		return NULL;
	struct ike_sk_cipher c = ike_sk_cipher_for(&sa->keys, sa->initiator);
	struct ike_hdr h = { .spi_i = sa->spi_i,
			     .spi_r = sa->spi_r,
			     .major = 2,
			     .exchange = exchange,
			     .flags = (uint8_t)((sa->initiator ? IKE_FLAG_INITIATOR : 0) |
						(response ? IKE_FLAG_RESPONSE : 0)),
			     .msg_id = msg_id };
	struct ike_builder b;
	ike_builder_init(&b, &h);
	size_t body_off = 0;
	ike_build_sk(&b, first, ike_sk_body_len(&c, pt->len), &body_off);
	GByteArray *m = ike_build_finish(&b);
	if (!m) {
		g_byte_array_unref(pt);
		return NULL;
	}
	size_t iv_len = ike_sk_iv_len(&c);
	uint8_t iv[16];
	ike_random(sa->ep, iv, iv_len);
	memcpy(m->data + body_off + iv_len, pt->data, pt->len);
	enum ike_sk_verdict v = ike_sk_seal(&c, iv, m->data, body_off, pt->len);
	if (v != IKE_SKV_OK) {
		ike_log(sa->ep, G_LOG_LEVEL_WARNING, "SK seal failed: %s", ike_sk_verdict_name(v));
		g_byte_array_unref(pt);
		g_byte_array_unref(m);
		return NULL;
	}
	size_t limit = frag_limit(sa);
	if (sa->sealed_frags)
		g_ptr_array_unref(sa->sealed_frags);
	sa->sealed_frags = limit && m->len > limit ? build_fragments(sa, &h, first, pt, limit) : NULL;
	g_byte_array_unref(pt);
	return m;
}

int ike_msg_open(struct ike_sa *sa, uint8_t *buf, const struct ike_msg *msg, struct ike_payload_list *inner,
		 enum ike_parse_verdict *verdict)
{
	struct ike_endpoint *ep = sa->ep;
	if (msg->pls.sk_index < 0 || msg->pls.pl[msg->pls.sk_index].u.sk.fragment) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		return -1;
	}
	const struct ike_pl_sk *sk = &msg->pls.pl[msg->pls.sk_index].u.sk;
	/* the peer sends with its own role's keys */
	struct ike_sk_cipher c = ike_sk_cipher_for(&sa->keys, !sa->initiator);
	size_t off = 0, len = 0;
	enum ike_sk_verdict v = ike_sk_open(&c, buf, sk->body_off, sk->body.len, &off, &len);
	if (v != IKE_SKV_OK) {
		ep->ctr.drops[IKE_DROP_SK]++;
		ike_log(ep, G_LOG_LEVEL_DEBUG, "IKE SA %" G_GUINT64_FORMAT ": SK payload dropped: %s", sa->id,
			ike_sk_verdict_name(v));
		return -1;
	}
	*verdict = ike_payloads_parse(sk->inner_first, buf + off, len, inner);
	return *verdict == IKE_PARSE_OK ? 0 : 1;
}

void ike_request_clear(struct ike_request *r)
{
	if (r->msg)
		g_byte_array_unref(r->msg);
	if (r->frags)
		g_ptr_array_unref(r->frags);
	if (r->dh)
		ike_dh_key_free(r->dh);
	if (r->nonce)
		g_byte_array_unref(r->nonce);
	if (r->coll.ni)
		g_byte_array_unref(r->coll.ni);
	if (r->coll.nr)
		g_byte_array_unref(r->coll.nr);
	memset(r, 0, sizeof(*r));
}

/* How long the k-th transmission waits for its response. */
static int64_t retransmit_wait(struct ike_sa *sa, unsigned k)
{
	const struct ike_retransmit_cfg *rc = &ike_sa_cfg(sa)->retransmit;
	double w = (double)rc->timeout_ns * pow(rc->base, (double)k);
	int64_t wait = (int64_t)llround(w);
	if (rc->jitter_pct) {
		uint8_t b[4];
		ike_random(sa->ep, b, sizeof(b));
		uint32_t r = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
		wait -= (int64_t)((double)wait * rc->jitter_pct / 100.0 * (r / 4294967296.0));
	}
	return wait;
}

void ike_request_send(struct ike_sa *sa, enum ike_task task, uint8_t exchange, GByteArray *msg, int64_t now)
{
	struct ike_request *r = &sa->req;
	if (r->msg)
		g_byte_array_unref(r->msg);
	if (r->frags)
		g_ptr_array_unref(r->frags);
	r->frags = sa->sealed_frags; /* set by ike_msg_seal for this message, or NULL */
	sa->sealed_frags = NULL;
	r->active = true;
	r->task = task;
	r->exchange = exchange;
	r->msg = msg;
	r->msg_id = exchange == IKE_EXCH_IKE_SA_INIT ? 0 : sa->next_req_id;
	r->sent = 1;
	r->first_sent_ns = now;
	r->deadline_ns = now + retransmit_wait(sa, 0);
	sa->ep->ctr.tx_req[ike_exch_index(exchange)]++;
	ike_send_msg(sa, msg, r->frags);
}

void ike_response_send(struct ike_sa *sa, uint8_t exchange, GByteArray *msg)
{
	if (!msg)
		return;
	if (sa->resp_cache)
		g_byte_array_unref(sa->resp_cache);
	if (sa->resp_frags)
		g_ptr_array_unref(sa->resp_frags);
	sa->resp_cache = msg;
	sa->resp_frags = exchange == IKE_EXCH_IKE_SA_INIT ? NULL : sa->sealed_frags;
	if (exchange != IKE_EXCH_IKE_SA_INIT)
		sa->sealed_frags = NULL;
	sa->expect_req_id++;
	sa->ep->ctr.tx_resp[ike_exch_index(exchange)]++;
	ike_send_msg(sa, msg, sa->resp_frags);
}

bool ike_request_timeout(struct ike_sa *sa, int64_t now)
{
	struct ike_request *r = &sa->req;
	const struct ike_retransmit_cfg *rc = &ike_sa_cfg(sa)->retransmit;
	if (r->sent > rc->tries) {
		ike_log(sa->ep, G_LOG_LEVEL_WARNING,
			"IKE SA %" G_GUINT64_FORMAT ": no response after %u transmissions (%.3f s): peer dead", sa->id,
			r->sent, (double)(now - r->first_sent_ns) / 1e9);
		ike_sa_destroy(sa, sa->replaced ? IKE_DOWN_REKEYED : IKE_DOWN_PEER_DEAD);
		return false;
	}
	r->deadline_ns = now + retransmit_wait(sa, r->sent);
	r->sent++;
	sa->ep->ctr.retransmits++;
	ike_log(sa->ep, G_LOG_LEVEL_DEBUG, "IKE SA %" G_GUINT64_FORMAT ": retransmit %u of message %u", sa->id,
		r->sent - 1, r->msg_id);
	ike_send_msg(sa, r->msg, r->frags);
	return true;
}

void ike_send_error_response(struct ike_sa *sa, uint8_t exchange, uint16_t notify, const uint8_t *data,
			     size_t len)
{
	struct ike_builder b;
	ike_builder_init_inner(&b);
	ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, notify, data, len);
	ike_count_notify(sa->ep->ctr.notify_tx, notify);
	ike_response_send(sa, exchange, ike_msg_seal(sa, exchange, true, sa->expect_req_id, &b));
}

uint16_t ike_first_error(const struct ike_payload_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->pl[i].type == IKE_PL_NOTIFY && l->pl[i].u.notify.type < IKE_N_FIRST_STATUS)
			return l->pl[i].u.notify.type;
	return 0;
}

/* Frees a received fragment; the slots of fragments not yet received are NULL. */
static void frag_chunk_free(gpointer chunk)
{
	if (chunk)
		g_byte_array_unref(chunk);
}

void ike_frag_rx_clear(struct ike_sa *sa)
{
	if (sa->rx.chunks)
		g_ptr_array_unref(sa->rx.chunks);
	memset(&sa->rx, 0, sizeof(sa->rx));
}

int ike_frag_in(struct ike_sa *sa, uint8_t *buf, const struct ike_msg *msg, struct ike_payload_list *inner,
		enum ike_parse_verdict *verdict, GByteArray **plain)
{
	struct ike_endpoint *ep = sa->ep;
	const struct ike_pl_sk *sk = &msg->pls.pl[msg->pls.sk_index].u.sk;
	bool response = msg->hdr.flags & IKE_FLAG_RESPONSE;
	if (!sa->frag_ok || sk->frag_total == 0 || sk->frag_num == 0 || sk->frag_num > sk->frag_total ||
	    sk->frag_total > 256) {
		ep->ctr.drops[IKE_DROP_INVALID]++;
		return -1;
	}
	struct ike_sk_cipher c = ike_sk_cipher_for(&sa->keys, !sa->initiator);
	size_t off = 0, len = 0;
	enum ike_sk_verdict v = ike_sk_open(&c, buf, sk->body_off, sk->body.len, &off, &len);
	if (v != IKE_SKV_OK) {
		ep->ctr.drops[IKE_DROP_SK]++;
		return -1;
	}
	ep->ctr.frags_rx++;
	if (!sa->rx.active || sa->rx.msg_id != msg->hdr.msg_id || sa->rx.response != response ||
	    sa->rx.total != sk->frag_total) {
		/* RFC 7383 §2.6.2: a new message (or a different fragmentation) starts over */
		ike_frag_rx_clear(sa);
		sa->rx.active = true;
		sa->rx.response = response;
		sa->rx.msg_id = msg->hdr.msg_id;
		sa->rx.total = sk->frag_total;
		sa->rx.chunks = g_ptr_array_new_with_free_func(frag_chunk_free);
		g_ptr_array_set_size(sa->rx.chunks, sk->frag_total);
	}
	guint k = sk->frag_num - 1u;
	if (g_ptr_array_index(sa->rx.chunks, k))
		return 2; /* duplicate fragment */
	GByteArray *chunk = g_byte_array_sized_new((guint)len);
	g_byte_array_append(chunk, buf + off, (guint)len);
	sa->rx.chunks->pdata[k] = chunk;
	sa->rx.have++;
	if (k == 0)
		sa->rx.first_type = sk->inner_first;
	if (sa->rx.have < sa->rx.total)
		return 2;
	GByteArray *all = g_byte_array_new();
	for (guint i = 0; i < sa->rx.total; i++) {
		GByteArray *ch = g_ptr_array_index(sa->rx.chunks, i);
		g_byte_array_append(all, ch->data, ch->len);
	}
	uint8_t first = sa->rx.first_type;
	ike_frag_rx_clear(sa);
	ep->ctr.reassembled++;
	*plain = all;
	*verdict = ike_payloads_parse(first, all->data, all->len, inner);
	return *verdict == IKE_PARSE_OK ? 0 : 1;
}
