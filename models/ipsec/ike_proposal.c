/* ike_proposal.c: SA payload proposals (RFC 7296 §3.3) and traffic selectors (§2.9): building
 * ours, choosing from the peer's (the responder takes the first of the initiator's proposals its
 * own configuration supports) and narrowing selectors by intersection. */
#include "models/ipsec/ike_sa_internal.h"

#include <string.h>

void ike_ike_xf(const struct ike_ike_proposal *p, struct ike_transforms *xf)
{
	xf->encr = p->encr;
	xf->encr_key_bits = p->encr_key_bits;
	xf->prf = p->prf;
	xf->integ = p->integ;
}

void ike_esp_xf(const struct ike_esp_proposal *p, struct ike_transforms *xf)
{
	xf->encr = p->encr;
	xf->encr_key_bits = p->encr_key_bits;
	xf->prf = 0;
	xf->integ = p->integ;
}

static size_t ike_transforms_of(const struct ike_ike_proposal *p, struct ike_transform_spec *t)
{
	size_t n = 0;
	t[n++] = (struct ike_transform_spec){ IKE_XF_ENCR, p->encr, p->encr_key_bits };
	t[n++] = (struct ike_transform_spec){ IKE_XF_PRF, p->prf, 0 };
	if (p->integ)
		t[n++] = (struct ike_transform_spec){ IKE_XF_INTEG, p->integ, 0 };
	t[n++] = (struct ike_transform_spec){ IKE_XF_DH, p->dh, 0 };
	return n;
}

bool ike_build_ike_sa(struct ike_builder *b, const struct ike_ike_proposal *props, size_t n, const uint8_t *spi,
		      uint8_t proposal_num)
{
	struct ike_transform_spec t[IKE_MAX_PROPOSALS][4];
	struct ike_proposal_spec ps[IKE_MAX_PROPOSALS];
	g_assert(n >= 1 && n <= IKE_MAX_PROPOSALS);
	for (size_t i = 0; i < n; i++) {
		ps[i] = (struct ike_proposal_spec){ .num = proposal_num ? proposal_num : (uint8_t)(i + 1),
						    .protocol = IKE_PROTO_IKE,
						    .spi_size = spi ? 8 : 0,
						    .spi = spi,
						    .n_transforms = ike_transforms_of(&props[i], t[i]),
						    .transforms = t[i] };
	}
	return ike_build_sa(b, ps, n);
}

bool ike_build_esp_sa(struct ike_builder *b, const struct ike_esp_proposal *props, size_t n, uint32_t spi,
		      bool with_dh, uint8_t proposal_num)
{
	struct ike_transform_spec t[IKE_MAX_PROPOSALS][4];
	struct ike_proposal_spec ps[IKE_MAX_PROPOSALS];
	uint8_t spib[4] = { (uint8_t)(spi >> 24), (uint8_t)(spi >> 16), (uint8_t)(spi >> 8), (uint8_t)spi };
	g_assert(n >= 1 && n <= IKE_MAX_PROPOSALS);
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		t[i][k++] = (struct ike_transform_spec){ IKE_XF_ENCR, props[i].encr, props[i].encr_key_bits };
		if (props[i].integ)
			t[i][k++] = (struct ike_transform_spec){ IKE_XF_INTEG, props[i].integ, 0 };
		if (with_dh && props[i].dh)
			t[i][k++] = (struct ike_transform_spec){ IKE_XF_DH, props[i].dh, 0 };
		t[i][k++] = (struct ike_transform_spec){ IKE_XF_ESN, IKE_ESN_NO, 0 };
		ps[i] = (struct ike_proposal_spec){ .num = proposal_num ? proposal_num : (uint8_t)(i + 1),
						    .protocol = IKE_PROTO_ESP,
						    .spi_size = 4,
						    .spi = spib,
						    .n_transforms = k,
						    .transforms = t[i] };
	}
	return ike_build_sa(b, ps, n);
}

/* The transforms of one received proposal, by type, as small sets. */
struct xf_sets {
	struct ike_transform v[5][16];
	size_t n[5];
	bool bad;
};

static void read_sets(const struct ike_proposal *p, struct xf_sets *s)
{
	memset(s, 0, sizeof(*s));
	struct ike_rbuf cur = p->transforms;
	struct ike_transform t;
	while (ike_proposal_next_transform(&cur, &t)) {
		if (t.unknown_attr)
			continue; /* RFC 7296 §3.3.6: never select it */
		if (t.type < IKE_XF_ENCR || t.type > IKE_XF_ESN) {
			s->bad = true; /* unknown transform type: the proposal must be rejected */
			continue;
		}
		size_t i = t.type - 1u;
		if (s->n[i] < 16)
			s->v[i][s->n[i]++] = t;
	}
}

static bool has(const struct xf_sets *s, uint8_t type, uint16_t id, uint16_t key_bits)
{
	size_t i = type - 1u;
	for (size_t k = 0; k < s->n[i]; k++)
		if (s->v[i][k].id == id && s->v[i][k].key_len_bits == key_bits)
			return true;
	return false;
}

/* Integrity: absent transform equals NONE (AEAD). */
static bool has_integ(const struct xf_sets *s, uint16_t integ)
{
	if (integ == 0)
		return s->n[IKE_XF_INTEG - 1] == 0 || has(s, IKE_XF_INTEG, 0, 0);
	return has(s, IKE_XF_INTEG, integ, 0);
}

bool ike_select_ike(const struct ike_pl_sa *sa, const struct ike_ike_proposal *ours, size_t n_ours,
		    struct ike_ike_proposal *out, uint8_t *num, struct ike_rbuf *spi)
{
	struct ike_rbuf cur = sa->proposals;
	struct ike_proposal p;
	struct xf_sets *s = g_new(struct xf_sets, 1);
	bool found = false;
	while (!found && ike_sa_next_proposal(&cur, &p)) {
		if (p.protocol != IKE_PROTO_IKE)
			continue;
		read_sets(&p, s);
		if (s->bad)
			continue;
		for (size_t k = 0; k < n_ours; k++) {
			const struct ike_ike_proposal *o = &ours[k];
			if (has(s, IKE_XF_ENCR, o->encr, o->encr_key_bits) && has(s, IKE_XF_PRF, o->prf, 0) &&
			    has_integ(s, o->integ) && has(s, IKE_XF_DH, o->dh, 0)) {
				*out = *o;
				*num = p.num;
				*spi = p.spi;
				found = true;
				break;
			}
		}
	}
	g_free(s);
	return found;
}

bool ike_select_esp(const struct ike_pl_sa *sa, const struct ike_esp_proposal *ours, size_t n_ours, bool with_dh,
		    struct ike_esp_proposal *out, uint8_t *num, uint32_t *spi)
{
	struct ike_rbuf cur = sa->proposals;
	struct ike_proposal p;
	struct xf_sets *s = g_new(struct xf_sets, 1);
	bool found = false;
	while (!found && ike_sa_next_proposal(&cur, &p)) {
		if (p.protocol != IKE_PROTO_ESP || p.spi.len != 4)
			continue;
		read_sets(&p, s);
		if (s->bad)
			continue;
		if (s->n[IKE_XF_ESN - 1] && !has(s, IKE_XF_ESN, IKE_ESN_NO, 0))
			continue;
		for (size_t k = 0; k < n_ours; k++) {
			const struct ike_esp_proposal *o = &ours[k];
			if (!has(s, IKE_XF_ENCR, o->encr, o->encr_key_bits) || !has_integ(s, o->integ))
				continue;
			if (with_dh) {
				bool none_offered = s->n[IKE_XF_DH - 1] == 0 || has(s, IKE_XF_DH, 0, 0);
				if (o->dh ? !has(s, IKE_XF_DH, o->dh, 0) : !none_offered)
					continue;
			}
			*out = *o;
			if (!with_dh)
				out->dh = 0;
			*num = p.num;
			*spi = (uint32_t)p.spi.p[0] << 24 | (uint32_t)p.spi.p[1] << 16 | (uint32_t)p.spi.p[2] << 8 |
			       p.spi.p[3];
			found = true;
			break;
		}
	}
	g_free(s);
	return found;
}

static uint32_t addr4(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

size_t ike_ts_read(const struct ike_pl_ts *pl, struct ike_ts4 *out)
{
	struct ike_rbuf cur = pl->selectors;
	struct ike_ts t;
	size_t n = 0;
	while (ike_ts_next(&cur, &t)) {
		if (t.type != IKE_TS_IPV4_ADDR_RANGE || n >= IKE_MAX_TS)
			continue;
		out[n++] = (struct ike_ts4){ .start = addr4(t.start_addr),
					     .end = addr4(t.end_addr),
					     .start_port = t.start_port,
					     .end_port = t.end_port,
					     .proto = t.ip_proto };
	}
	return n;
}

size_t ike_ts_narrow(const struct ike_pl_ts *theirs, const struct ike_ts4 *ours, size_t n_ours,
		     struct ike_ts4 *out)
{
	struct ike_ts4 t[IKE_MAX_TS];
	size_t nt = ike_ts_read(theirs, t), n = 0;
	for (size_t i = 0; i < nt; i++) {
		for (size_t k = 0; k < n_ours && n < IKE_MAX_TS; k++) {
			const struct ike_ts4 *a = &t[i], *b = &ours[k];
			if (a->proto && b->proto && a->proto != b->proto)
				continue;
			struct ike_ts4 r = {
				.start = MAX(a->start, b->start),
				.end = MIN(a->end, b->end),
				.start_port = MAX(a->start_port, b->start_port),
				.end_port = MIN(a->end_port, b->end_port),
				.proto = a->proto ? a->proto : b->proto,
			};
			if (r.start > r.end || r.start_port > r.end_port)
				continue;
			out[n++] = r;
		}
	}
	return n;
}

bool ike_ts_covers(const struct ike_pl_ts *theirs, const struct ike_ts4 *ours, size_t n_ours)
{
	struct ike_ts4 t[IKE_MAX_TS];
	size_t nt = ike_ts_read(theirs, t);
	for (size_t k = 0; k < n_ours; k++) {
		const struct ike_ts4 *b = &ours[k];
		bool inside = false;
		for (size_t i = 0; i < nt && !inside; i++) {
			const struct ike_ts4 *a = &t[i];
			inside = (!a->proto || a->proto == b->proto) && a->start <= b->start && b->end <= a->end &&
				 a->start_port <= b->start_port && b->end_port <= a->end_port;
		}
		if (!inside)
			return false;
	}
	return true;
}

bool ike_ts_respond(const struct ike_peer_cfg *cfg, const struct ike_pl_ts *their_i, const struct ike_pl_ts *their_r,
		    const struct ike_ts4 *vip, struct ike_ts4 *tsi, size_t *ni, struct ike_ts4 *tsr, size_t *nr)
{
	*ni = vip ? ike_ts_narrow(their_i, vip, 1, tsi) : ike_ts_narrow(their_i, cfg->remote_ts, cfg->n_remote_ts, tsi);
	*nr = ike_ts_narrow(their_r, cfg->local_ts, cfg->n_local_ts, tsr);
	if (cfg->ts_require_cover && !vip &&
	    (!ike_ts_covers(their_i, cfg->remote_ts, cfg->n_remote_ts) || !ike_ts_covers(their_r, cfg->local_ts, cfg->n_local_ts)))
		*ni = *nr = 0;
	return *ni && *nr;
}

bool ike_build_ts4(struct ike_builder *b, uint8_t type, const struct ike_ts4 *ts, size_t n)
{
	struct ike_ts t[IKE_MAX_TS];
	memset(t, 0, sizeof(t));
	for (size_t i = 0; i < n; i++) {
		t[i].type = IKE_TS_IPV4_ADDR_RANGE;
		t[i].ip_proto = ts[i].proto;
		t[i].start_port = ts[i].start_port;
		t[i].end_port = ts[i].end_port;
		t[i].addr_len = 4;
		for (int k = 0; k < 4; k++) {
			t[i].start_addr[k] = (uint8_t)(ts[i].start >> (24 - 8 * k));
			t[i].end_addr[k] = (uint8_t)(ts[i].end >> (24 - 8 * k));
		}
	}
	return ike_build_ts(b, type, t, n);
}
