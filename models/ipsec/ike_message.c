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
	if (!EVP_Digest(buf, sizeof(buf), out, &n, EVP_sha1(), NULL))
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
	g_byte_array_unref(pt);
	if (v != IKE_SKV_OK) {
		ike_log(sa->ep, G_LOG_LEVEL_WARNING, "SK seal failed: %s", ike_sk_verdict_name(v));
		g_byte_array_unref(m);
		return NULL;
	}
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
	r->active = true;
	r->task = task;
	r->exchange = exchange;
	r->msg = msg;
	r->msg_id = exchange == IKE_EXCH_IKE_SA_INIT ? 0 : sa->next_req_id;
	r->sent = 1;
	r->first_sent_ns = now;
	r->deadline_ns = now + retransmit_wait(sa, 0);
	sa->ep->ctr.tx_req[ike_exch_index(exchange)]++;
	ike_send_raw(sa->ep, sa->local, sa->remote, msg);
}

void ike_response_send(struct ike_sa *sa, uint8_t exchange, GByteArray *msg)
{
	if (!msg)
		return;
	if (sa->resp_cache)
		g_byte_array_unref(sa->resp_cache);
	sa->resp_cache = msg;
	sa->expect_req_id++;
	sa->ep->ctr.tx_resp[ike_exch_index(exchange)]++;
	ike_send_raw(sa->ep, sa->local, sa->remote, msg);
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
	ike_send_raw(sa->ep, sa->local, sa->remote, r->msg);
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
