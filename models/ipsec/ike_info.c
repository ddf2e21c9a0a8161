/* ike_info.c: INFORMATIONAL exchanges (RFC 7296 §1.4, §1.5): liveness checks (an empty request;
 * the retransmission budget decides when the peer is dead) and DELETE of CHILD and IKE SAs,
 * including deletes that cross (§1.4.1: an SA both sides are deleting is not echoed). */
#include "models/ipsec/ike_sa_internal.h"

#include <string.h>

void ike_info_start(struct ike_sa *sa, enum ike_task task, uint32_t spi, int64_t now)
{
	struct ike_endpoint *ep = sa->ep;
	struct ike_builder b;
	ike_request_clear(&sa->req);
	ike_builder_init_inner(&b);
	switch (task) {
	case IKE_TASK_DPD:
		ep->ctr.dpd_sent++;
		ike_log(ep, G_LOG_LEVEL_DEBUG, "IKE SA %" G_GUINT64_FORMAT ": liveness check", sa->id);
		break;
	case IKE_TASK_CHILD_DELETE: {
		struct ike_child *c = ike_child_find(sa, spi);
		if (c)
			c->state = IKE_CHILD_DELETING;
		uint8_t s[4] = { (uint8_t)(spi >> 24), (uint8_t)(spi >> 16), (uint8_t)(spi >> 8), (uint8_t)spi };
		ike_build_delete(&b, IKE_PROTO_ESP, 4, s, 1);
		sa->req.old_spi_in = spi;
		break;
	}
	case IKE_TASK_IKE_DELETE:
		ike_build_delete(&b, IKE_PROTO_IKE, 0, NULL, 0);
		if (sa->state == IKE_SA_ESTABLISHED)
			ike_sa_set_state(sa, IKE_SA_DELETING);
		break;
	default:
		g_assert_not_reached();
	}
	GByteArray *m = ike_msg_seal(sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id, &b);
	g_assert(m);
	ike_request_send(sa, task, IKE_EXCH_INFORMATIONAL, m, now);
	if (task == IKE_TASK_CHILD_DELETE)
		sa->req.old_spi_in = spi;
}

static uint32_t spi32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void ike_info_request_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now)
{
	(void)now;
	struct ike_endpoint *ep = sa->ep;
	bool delete_ike = false;
	uint8_t echo[4 * 64];
	size_t n_echo = 0;
	for (size_t i = 0; i < in->n; i++) {
		const struct ike_payload *p = &in->pl[i];
		if (p->type == IKE_PL_NOTIFY && p->u.notify.type < IKE_N_FIRST_STATUS)
			ike_count_notify(ep->ctr.notify_rx, p->u.notify.type);
		if (p->type != IKE_PL_DELETE)
			continue;
		const struct ike_pl_delete *d = &p->u.del;
		if (d->protocol == IKE_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (d->protocol != IKE_PROTO_ESP || d->spi_size != 4)
			continue;
		for (unsigned k = 0; k < d->n_spis; k++) {
			struct ike_child *c = ike_child_find_out(sa, spi32(d->spis.p + 4u * k));
			if (!c)
				continue;
			bool crossing = c->state == IKE_CHILD_DELETING;
			if (!crossing && n_echo < 64) {
				uint32_t s = c->info.spi_in;
				echo[4 * n_echo] = (uint8_t)(s >> 24);
				echo[4 * n_echo + 1] = (uint8_t)(s >> 16);
				echo[4 * n_echo + 2] = (uint8_t)(s >> 8);
				echo[4 * n_echo + 3] = (uint8_t)s;
				n_echo++;
			}
			ike_child_remove(sa, c, c->replaced ? IKE_DOWN_REKEYED : IKE_DOWN_DELETED_PEER);
		}
	}
	struct ike_builder b;
	ike_builder_init_inner(&b);
	if (n_echo)
		ike_build_delete(&b, IKE_PROTO_ESP, 4, echo, n_echo);
	ike_response_send(sa, IKE_EXCH_INFORMATIONAL, ike_msg_seal(sa, IKE_EXCH_INFORMATIONAL, true, sa->expect_req_id, &b));
	if (delete_ike) {
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": deleted by the peer", sa->id);
		ike_sa_destroy(sa, sa->replaced ? IKE_DOWN_REKEYED : IKE_DOWN_DELETED_PEER);
	}
}

void ike_info_response_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now)
{
	(void)in;
	(void)now;
	switch (sa->req.task) {
	case IKE_TASK_CHILD_DELETE: {
		struct ike_child *c = ike_child_find(sa, sa->req.old_spi_in);
		if (c)
			ike_child_remove(sa, c, c->replaced ? IKE_DOWN_REKEYED : IKE_DOWN_DELETED_LOCAL);
		break;
	}
	case IKE_TASK_IKE_DELETE:
		ike_sa_destroy(sa, sa->replaced ? IKE_DOWN_REKEYED : IKE_DOWN_DELETED_LOCAL);
		break;
	default:
		break;
	}
}
