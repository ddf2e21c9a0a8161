/* ike_codec.c: parsing and validation of IKEv2 messages and payload chains (RFC 7296 §3).
 *
 * Each payload type has a validate_*() that checks lengths, counts and bounds of the payload body
 * and its substructures, and a parse_*() that reads the fields once they are known to be there.
 * Nothing is read past a length that has not been checked against what is left of the buffer. */
#include "models/ipsec/ike_codec.h"

#include <string.h>

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint64_t rd64(const uint8_t *p)
{
	return ((uint64_t)rd32(p) << 32) | rd32(p + 4);
}

static struct ike_rbuf sub(struct ike_rbuf b, size_t off, size_t len)
{
	g_assert(off <= b.len && len <= b.len - off);
	struct ike_rbuf r = { len ? b.p + off : NULL, len };
	return r;
}

bool ike_payload_type_known(uint8_t t)
{
	return (t >= IKE_PL_SA && t <= IKE_PL_EAP) || t == IKE_PL_SKF;
}

/* ---- SA: proposals, transforms, attributes (RFC 7296 §3.3) ---- */

/* Transform attributes: TV (4 bytes) or TLV (4 + length); Key Length must be TV. */
static enum ike_parse_verdict validate_attrs(struct ike_rbuf a)
{
	size_t off = 0;
	while (off < a.len) {
		if (a.len - off < 4)
			return IKE_PARSE_SA_ATTRIBUTE;
		uint16_t tf = rd16(a.p + off);
		size_t alen = 4;
		if (!(tf & IKE_ATTR_FORMAT_TV)) {
			if ((tf & 0x7fff) == IKE_ATTR_KEY_LENGTH)
				return IKE_PARSE_SA_ATTRIBUTE;
			alen += rd16(a.p + off + 2);
			if (alen > a.len - off)
				return IKE_PARSE_SA_ATTRIBUTE;
		}
		off += alen;
	}
	return IKE_PARSE_OK;
}

static enum ike_parse_verdict validate_transforms(struct ike_rbuf t, unsigned n_expected)
{
	size_t off = 0;
	unsigned n = 0;
	if (n_expected == 0)
		return IKE_PARSE_SA_TRANSFORM_COUNT;
	while (off < t.len) {
		if (t.len - off < 8)
			return IKE_PARSE_SA_TRANSFORM_LENGTH;
		const uint8_t *x = t.p + off;
		uint16_t xlen = rd16(x + 2);
		if (xlen < 8 || xlen > t.len - off)
			return IKE_PARSE_SA_TRANSFORM_LENGTH;
		if (++n > n_expected)
			return IKE_PARSE_SA_TRANSFORM_COUNT;
		bool is_last = off + xlen == t.len;
		if (x[0] != (is_last ? IKE_TRANSFORM_LAST : IKE_TRANSFORM_MORE))
			return IKE_PARSE_SA_TRANSFORM_LAST;
		enum ike_parse_verdict v = validate_attrs(sub(t, off + 8, xlen - 8u));
		if (v)
			return v;
		off += xlen;
	}
	return n == n_expected ? IKE_PARSE_OK : IKE_PARSE_SA_TRANSFORM_COUNT;
}

static enum ike_parse_verdict validate_sa(struct ike_rbuf b, unsigned *n_props, size_t *err_off)
{
	size_t off = 0;
	unsigned n = 0, prev_num = 0;
	if (b.len == 0)
		return IKE_PARSE_SA_EMPTY;
	while (off < b.len) {
		*err_off = off;
		if (b.len - off < 8)
			return IKE_PARSE_SA_PROPOSAL_LENGTH;
		const uint8_t *p = b.p + off;
		uint16_t plen = rd16(p + 2);
		uint8_t spi_size = p[6];
		if (plen < 8u + spi_size || plen > b.len - off)
			return IKE_PARSE_SA_PROPOSAL_LENGTH;
		bool is_last = off + plen == b.len;
		if (p[0] != (is_last ? IKE_PROPOSAL_LAST : IKE_PROPOSAL_MORE))
			return IKE_PARSE_SA_PROPOSAL_LAST;
		if (p[4] == 0 || (n > 0 && p[4] != prev_num + 1))
			return IKE_PARSE_SA_PROPOSAL_NUMBER;
		size_t xoff = off + 8u + spi_size;
		enum ike_parse_verdict v = validate_transforms(sub(b, xoff, off + plen - xoff), p[7]);
		if (v)
			return v;
		prev_num = p[4];
		n++;
		off += plen;
	}
	*n_props = n;
	return IKE_PARSE_OK;
}

bool ike_sa_next_proposal(struct ike_rbuf *cursor, struct ike_proposal *out)
{
	struct ike_rbuf c = *cursor;
	if (c.len < 8)
		return false;
	uint16_t plen = rd16(c.p + 2);
	uint8_t spi_size = c.p[6];
	if (plen < 8u + spi_size || plen > c.len)
		return false;
	out->num = c.p[4];
	out->protocol = c.p[5];
	out->n_transforms = c.p[7];
	out->spi = sub(c, 8, spi_size);
	out->transforms = sub(c, 8u + spi_size, plen - 8u - spi_size);
	*cursor = sub(c, plen, c.len - plen);
	return true;
}

bool ike_proposal_next_transform(struct ike_rbuf *cursor, struct ike_transform *out)
{
	struct ike_rbuf c = *cursor;
	if (c.len < 8)
		return false;
	uint16_t xlen = rd16(c.p + 2);
	if (xlen < 8 || xlen > c.len)
		return false;
	out->type = c.p[4];
	out->id = rd16(c.p + 6);
	out->key_len_bits = 0;
	out->unknown_attr = false;
	out->attrs = sub(c, 8, xlen - 8u);
	bool have_key_len = false;
	struct ike_rbuf a = out->attrs;
	while (a.len >= 4) {
		uint16_t tf = rd16(a.p);
		size_t alen = 4;
		if (tf & IKE_ATTR_FORMAT_TV) {
			if ((tf & 0x7fff) == IKE_ATTR_KEY_LENGTH && !have_key_len) {
				out->key_len_bits = rd16(a.p + 2);
				have_key_len = true;
			} else {
				out->unknown_attr = true;
			}
		} else {
			alen += rd16(a.p + 2);
			out->unknown_attr = true;
			if (alen > a.len)
				break;
		}
		a = sub(a, alen, a.len - alen);
	}
	*cursor = sub(c, xlen, c.len - xlen);
	return true;
}

/* ---- traffic selectors (RFC 7296 §3.13) ---- */

static size_t ts_len_for_type(uint8_t type)
{
	switch (type) {
	case IKE_TS_IPV4_ADDR_RANGE:
		return IKE_TS_IPV4_LEN;
	case IKE_TS_IPV6_ADDR_RANGE:
		return IKE_TS_IPV6_LEN;
	default:
		return 0; /* any length >= 4 */
	}
}

static enum ike_parse_verdict validate_ts(struct ike_rbuf b, size_t *err_off)
{
	if (b.len < 4)
		return IKE_PARSE_PAYLOAD_TOO_SHORT;
	unsigned n_expected = b.p[0], n = 0;
	size_t off = 4;
	if (n_expected == 0)
		return IKE_PARSE_TS_COUNT;
	while (off < b.len) {
		*err_off = off;
		if (b.len - off < 4)
			return IKE_PARSE_TS_LENGTH;
		uint16_t slen = rd16(b.p + off + 2);
		size_t want = ts_len_for_type(b.p[off]);
		if ((want && slen != want) || slen < 4 || slen > b.len - off)
			return IKE_PARSE_TS_LENGTH;
		if (++n > n_expected)
			return IKE_PARSE_TS_COUNT;
		off += slen;
	}
	return n == n_expected ? IKE_PARSE_OK : IKE_PARSE_TS_COUNT;
}

bool ike_ts_next(struct ike_rbuf *cursor, struct ike_ts *out)
{
	struct ike_rbuf c = *cursor;
	if (c.len < 4)
		return false;
	uint16_t slen = rd16(c.p + 2);
	size_t want = ts_len_for_type(c.p[0]);
	if (slen < 4 || slen > c.len || (want && slen != want))
		return false;
	memset(out, 0, sizeof(*out));
	out->type = c.p[0];
	out->ip_proto = c.p[1];
	out->raw = sub(c, 0, slen);
	if (want) {
		size_t alen = (want - 8) / 2;
		out->start_port = rd16(c.p + 4);
		out->end_port = rd16(c.p + 6);
		out->addr_len = (uint8_t)alen;
		memcpy(out->start_addr, c.p + 8, alen);
		memcpy(out->end_addr, c.p + 8 + alen, alen);
	}
	*cursor = sub(c, slen, c.len - slen);
	return true;
}

/* ---- configuration payload (RFC 7296 §3.15) ---- */

/* Fixed value lengths of the CP attributes we know (0 is always allowed, for requests);
 * returns 0 when any length is allowed. */
static size_t cp_attr_len(uint16_t type)
{
	switch (type) {
	case IKE_CP_INTERNAL_IP4_ADDRESS:
	case IKE_CP_INTERNAL_IP4_NETMASK:
	case IKE_CP_INTERNAL_IP4_DNS:
	case IKE_CP_INTERNAL_IP4_NBNS:
	case IKE_CP_INTERNAL_IP4_DHCP:
		return 4;
	case IKE_CP_INTERNAL_IP4_SUBNET:
		return 8;
	case IKE_CP_INTERNAL_IP6_ADDRESS:
	case IKE_CP_INTERNAL_IP6_SUBNET:
		return 17;
	case IKE_CP_INTERNAL_IP6_DNS:
	case IKE_CP_INTERNAL_IP6_DHCP:
		return 16;
	default:
		return 0;
	}
}

static enum ike_parse_verdict validate_cp(struct ike_rbuf b, unsigned *n_attrs, size_t *err_off)
{
	if (b.len < 4)
		return IKE_PARSE_PAYLOAD_TOO_SHORT;
	size_t off = 4;
	unsigned n = 0;
	while (off < b.len) {
		*err_off = off;
		if (b.len - off < 4)
			return IKE_PARSE_CP_BAD;
		uint16_t type = rd16(b.p + off) & 0x7fff;
		uint16_t vlen = rd16(b.p + off + 2);
		if (vlen > b.len - off - 4)
			return IKE_PARSE_CP_BAD;
		size_t want = cp_attr_len(type);
		if (want && vlen != 0 && vlen != want)
			return IKE_PARSE_CP_BAD;
		n++;
		off += 4u + vlen;
	}
	*n_attrs = n;
	return IKE_PARSE_OK;
}

bool ike_cp_next_attr(struct ike_rbuf *cursor, struct ike_cp_attr *out)
{
	struct ike_rbuf c = *cursor;
	if (c.len < 4)
		return false;
	uint16_t vlen = rd16(c.p + 2);
	if (vlen > c.len - 4)
		return false;
	out->type = rd16(c.p) & 0x7fff;
	out->value = sub(c, 4, vlen);
	*cursor = sub(c, 4u + vlen, c.len - 4u - vlen);
	return true;
}

/* ---- one payload ---- */

/* Validates the body of a known payload of type; *err_off is set to the failing
 * substructure's offset within the body when there is one. */
static enum ike_parse_verdict validate_payload(uint8_t type, struct ike_rbuf b, struct ike_payload *p,
					       size_t *err_off)
{
	switch (type) {
	case IKE_PL_SA:
		return validate_sa(b, &p->u.sa.n_proposals, err_off);
	case IKE_PL_KE:
		if (b.len < 4)
			return IKE_PARSE_PAYLOAD_TOO_SHORT;
		return b.len > 4 ? IKE_PARSE_OK : IKE_PARSE_KE_BAD;
	case IKE_PL_NONCE:
		return b.len >= IKE_NONCE_MIN_LEN && b.len <= IKE_NONCE_MAX_LEN ? IKE_PARSE_OK
										: IKE_PARSE_NONCE_LENGTH;
	case IKE_PL_IDI:
	case IKE_PL_IDR:
		return b.len >= 4 ? IKE_PARSE_OK : IKE_PARSE_PAYLOAD_TOO_SHORT;
	case IKE_PL_AUTH:
		if (b.len < 4)
			return IKE_PARSE_PAYLOAD_TOO_SHORT;
		return b.len > 4 ? IKE_PARSE_OK : IKE_PARSE_AUTH_BAD;
	case IKE_PL_CERT:
		return b.len >= 1 ? IKE_PARSE_OK : IKE_PARSE_PAYLOAD_TOO_SHORT;
	case IKE_PL_CERTREQ:
		if (b.len < 1)
			return IKE_PARSE_PAYLOAD_TOO_SHORT;
		if (b.p[0] == IKE_CERT_X509_SIGNATURE && (b.len - 1) % IKE_CERTREQ_HASH_LEN)
			return IKE_PARSE_CERTREQ_BAD;
		return IKE_PARSE_OK;
	case IKE_PL_NOTIFY:
		if (b.len < 4)
			return IKE_PARSE_PAYLOAD_TOO_SHORT;
		return b.p[1] <= b.len - 4 ? IKE_PARSE_OK : IKE_PARSE_NOTIFY_BAD;
	case IKE_PL_DELETE: {
		if (b.len < 4)
			return IKE_PARSE_PAYLOAD_TOO_SHORT;
		uint8_t proto = b.p[0], spi_size = b.p[1];
		uint16_t n = rd16(b.p + 2);
		if (proto == IKE_PROTO_IKE && (spi_size != 0 || n != 0))
			return IKE_PARSE_DELETE_BAD;
		if ((proto == IKE_PROTO_AH || proto == IKE_PROTO_ESP) && spi_size != 4)
			return IKE_PARSE_DELETE_BAD;
		if (spi_size == 0 && n != 0)
			return IKE_PARSE_DELETE_BAD;
		return (size_t)n * spi_size == b.len - 4 ? IKE_PARSE_OK : IKE_PARSE_DELETE_BAD;
	}
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		return validate_ts(b, err_off);
	case IKE_PL_SK:
		return b.len >= 1 ? IKE_PARSE_OK : IKE_PARSE_SK_BAD;
	case IKE_PL_SKF: {
		if (b.len < 4)
			return IKE_PARSE_PAYLOAD_TOO_SHORT;
		uint16_t num = rd16(b.p), total = rd16(b.p + 2);
		if (num == 0 || num > total || b.len == 4)
			return IKE_PARSE_SK_BAD;
		return IKE_PARSE_OK;
	}
	case IKE_PL_CP:
		return validate_cp(b, &p->u.cp.n_attrs, err_off);
	case IKE_PL_VENDOR:
	case IKE_PL_EAP:
		return IKE_PARSE_OK;
	default:
		g_assert_not_reached();
	}
}

/* Reads the fields of a validated body; off is the body's offset in the parsed buffer. */
static void parse_payload(uint8_t type, struct ike_rbuf b, size_t off, uint8_t next, struct ike_payload *p)
{
	switch (type) {
	case IKE_PL_SA:
		p->u.sa.proposals = b;
		break;
	case IKE_PL_KE:
		p->u.ke.group = rd16(b.p);
		p->u.ke.data = sub(b, 4, b.len - 4);
		break;
	case IKE_PL_IDI:
	case IKE_PL_IDR:
	case IKE_PL_AUTH:
		p->u.typed.kind = b.p[0];
		p->u.typed.data = sub(b, 4, b.len - 4);
		break;
	case IKE_PL_CERT:
	case IKE_PL_CERTREQ:
		p->u.typed.kind = b.p[0];
		p->u.typed.data = sub(b, 1, b.len - 1);
		break;
	case IKE_PL_NONCE:
	case IKE_PL_VENDOR:
	case IKE_PL_EAP:
		p->u.typed.kind = 0;
		p->u.typed.data = b;
		break;
	case IKE_PL_NOTIFY:
		p->u.notify.protocol = b.p[0];
		p->u.notify.type = rd16(b.p + 2);
		p->u.notify.spi = sub(b, 4, b.p[1]);
		p->u.notify.data = sub(b, 4u + b.p[1], b.len - 4u - b.p[1]);
		break;
	case IKE_PL_DELETE:
		p->u.del.protocol = b.p[0];
		p->u.del.spi_size = b.p[1];
		p->u.del.n_spis = rd16(b.p + 2);
		p->u.del.spis = sub(b, 4, b.len - 4);
		break;
	case IKE_PL_TSI:
	case IKE_PL_TSR:
		p->u.ts.n_ts = b.p[0];
		p->u.ts.selectors = sub(b, 4, b.len - 4);
		break;
	case IKE_PL_SK:
		p->u.sk = (struct ike_pl_sk){ .inner_first = next, .body_off = off, .body = b };
		break;
	case IKE_PL_SKF:
		p->u.sk = (struct ike_pl_sk){ .inner_first = next,
					      .fragment = true,
					      .frag_num = rd16(b.p),
					      .frag_total = rd16(b.p + 2),
					      .body_off = off + 4,
					      .body = sub(b, 4, b.len - 4) };
		break;
	case IKE_PL_CP:
		p->u.cp.cfg_type = b.p[0];
		p->u.cp.attrs = sub(b, 4, b.len - 4);
		break;
	default:
		g_assert_not_reached();
	}
}

/* Walks the chain that starts with a payload of type at base+off and must end exactly at
 * base+end. outer: an SK/SKF payload is allowed (as the last one). */
static enum ike_parse_verdict walk(uint8_t type, const uint8_t *base, size_t off, size_t end, bool outer,
				   struct ike_payload_list *l)
{
	unsigned walked = 0;
	l->n = 0;
	l->n_skipped = 0;
	l->sk_index = -1;
	l->err_offset = 0;
	l->err_type = 0;
	while (type != IKE_PL_NONE) {
		l->err_offset = off;
		l->err_type = type;
		if (end - off < IKE_GENERIC_HDR_LEN)
			return IKE_PARSE_PAYLOAD_TRUNCATED;
		const uint8_t *g = base + off;
		uint8_t next = g[0];
		bool critical = (g[1] & IKE_PAYLOAD_CRITICAL) != 0;
		uint16_t plen = rd16(g + 2);
		if (plen < IKE_GENERIC_HDR_LEN)
			return IKE_PARSE_PAYLOAD_TOO_SHORT;
		if (plen > end - off)
			return IKE_PARSE_PAYLOAD_OVERRUN;
		if (++walked > IKE_MAX_PAYLOADS)
			return IKE_PARSE_TOO_MANY_PAYLOADS;
		struct ike_rbuf body = { g + IKE_GENERIC_HDR_LEN, plen - IKE_GENERIC_HDR_LEN };
		if (!ike_payload_type_known(type)) {
			if (critical)
				return IKE_PARSE_UNSUPPORTED_CRITICAL;
			l->n_skipped++;
			off += plen;
			type = next;
			continue;
		}
		struct ike_payload *p = &l->pl[l->n];
		size_t sub_off = 0;
		enum ike_parse_verdict v = validate_payload(type, body, p, &sub_off);
		if (v) {
			l->err_offset = off + IKE_GENERIC_HDR_LEN + sub_off;
			return v;
		}
		bool is_sk = type == IKE_PL_SK || type == IKE_PL_SKF;
		if (is_sk && (!outer || plen != end - off))
			return IKE_PARSE_SK_MISPLACED;
		p->type = type;
		p->critical = critical;
		p->raw.p = g;
		p->raw.len = plen;
		parse_payload(type, body, off + IKE_GENERIC_HDR_LEN, next, p);
		l->n++;
		off += plen;
		if (is_sk) {
			l->sk_index = (int)l->n - 1;
			return IKE_PARSE_OK;
		}
		type = next;
	}
	if (off != end) {
		l->err_offset = off;
		return IKE_PARSE_TRAILING_DATA;
	}
	return IKE_PARSE_OK;
}

enum ike_parse_verdict ike_msg_parse(const uint8_t *buf, size_t len, size_t max_len, struct ike_msg *out)
{
	out->raw.p = buf;
	out->raw.len = len;
	out->pls.n = 0;
	out->pls.n_skipped = 0;
	out->pls.sk_index = -1;
	out->pls.err_offset = 0;
	out->pls.err_type = 0;
	if (len < IKE_HDR_LEN) {
		memset(&out->hdr, 0, sizeof(out->hdr));
		return IKE_PARSE_TRUNCATED_HEADER;
	}
	struct ike_hdr *h = &out->hdr;
	h->spi_i = rd64(buf);
	h->spi_r = rd64(buf + 8);
	h->next_payload = buf[16];
	h->major = buf[17] >> 4;
	h->minor = buf[17] & 0x0f;
	h->exchange = buf[18];
	h->flags = buf[19];
	h->msg_id = rd32(buf + 20);
	h->length = rd32(buf + 24);
	if (len > max_len)
		return IKE_PARSE_TOO_LONG;
	if (h->major != 2)
		return IKE_PARSE_BAD_MAJOR_VERSION;
	if (h->length != len)
		return IKE_PARSE_BAD_LENGTH;
	return walk(h->next_payload, buf, IKE_HDR_LEN, len, true, &out->pls);
}

enum ike_parse_verdict ike_payloads_parse(uint8_t first_type, const uint8_t *buf, size_t len,
					  struct ike_payload_list *out)
{
	return walk(first_type, buf, 0, len, false, out);
}

int ike_payload_find(const struct ike_payload_list *l, uint8_t type, size_t from)
{
	for (size_t i = from; i < l->n; i++)
		if (l->pl[i].type == type)
			return (int)i;
	return -1;
}

const struct ike_pl_notify *ike_notify_find(const struct ike_payload_list *l, uint16_t notify_type)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->pl[i].type == IKE_PL_NOTIFY && l->pl[i].u.notify.type == notify_type)
			return &l->pl[i].u.notify;
	return NULL;
}
