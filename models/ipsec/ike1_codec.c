/* ike1_codec.c: the ISAKMP (RFC 2408) message codec for IKEv1: header, payload chain, SA /
 * proposal / transform payloads with their attributes, and the builders. Every length is checked
 * against what is left of the buffer before a field is read; nothing here holds keys. */
#include "models/ipsec/ike1_internal.h"

#include <string.h>

/* Local 64-bit helpers: this file stands alone (the fuzz target builds it with GLib only). */
static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint32_t ike1_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint16_t ike1_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

const char *ike1_parse_verdict_name(enum ike1_parse_verdict v)
{
	static const char *const names[] = { "ok",		  "truncated",	      "bad-version",
					     "bad-length",	  "bad-payload-length", "too-many-payloads",
					     "unknown-payload", "bad-alignment",      "bad-payload-body" };
	return (unsigned)v < G_N_ELEMENTS(names) ? names[v] : "?";
}

enum ike1_parse_verdict ike1_hdr_parse(const uint8_t *buf, size_t len, struct ike1_hdr *h)
{
	memset(h, 0, sizeof(*h));
	if (len < IKE1_HDR_LEN)
		return IKE1_PARSE_TRUNCATED;
	h->icookie = get64(buf);
	h->rcookie = get64(buf + 8);
	h->next = buf[16];
	h->version = buf[17];
	h->exchange = buf[18];
	h->flags = buf[19];
	h->msg_id = ike1_get32(buf + 20);
	h->length = ike1_get32(buf + 24);
	if (h->version >> 4 != 1)
		return IKE1_PARSE_BAD_VERSION;
	if (h->length < IKE1_HDR_LEN || h->length > len)
		return IKE1_PARSE_TRUNCATED;
	if (h->length != len)
		return IKE1_PARSE_BAD_LENGTH;
	return IKE1_PARSE_OK;
}

static bool known_type(uint8_t t)
{
	return (t >= IKE1_PL_SA && t <= IKE1_PL_VID) || t == IKE1_PL_NATD || t == IKE1_PL_NATOA;
}

enum ike1_parse_verdict ike1_payloads_parse(uint8_t first, const uint8_t *buf, size_t len, bool allow_trailing,
					    struct ike1_payloads *out)
{
	out->n = 0;
	out->end = 0;
	uint8_t type = first;
	size_t off = 0;
	while (type != IKE1_PL_NONE) {
		if (!known_type(type))
			return IKE1_PARSE_UNKNOWN_PAYLOAD;
		if (out->n >= IKE1_MAX_PAYLOADS)
			return IKE1_PARSE_TOO_MANY;
		if (len - off < 4)
			return IKE1_PARSE_BAD_PAYLOAD_LEN;
		size_t plen = ike1_get16(buf + off + 2);
		if (plen < 4 || plen > len - off)
			return IKE1_PARSE_BAD_PAYLOAD_LEN;
		out->pl[out->n++] = (struct ike1_pl){ .type = type, .off = off, .len = plen };
		type = buf[off];
		off += plen;
	}
	out->end = off;
	if (off != len && !allow_trailing)
		return IKE1_PARSE_BAD_LENGTH;
	return IKE1_PARSE_OK;
}

/* Attributes in buf[0..len): TV (AF bit set, 2-byte value) or TLV. */
static enum ike1_parse_verdict attrs_parse(const uint8_t *buf, size_t len, struct ike1_xform *x)
{
	size_t off = 0;
	x->n_attrs = 0;
	while (off < len) {
		if (len - off < 4)
			return IKE1_PARSE_BAD_BODY;
		uint16_t t = ike1_get16(buf + off);
		uint16_t v = ike1_get16(buf + off + 2);
		struct ike1_attr a = { .type = (uint16_t)(t & 0x7fff) };
		if (t & 0x8000) {
			a.value = v;
			off += 4;
		} else {
			if (v > len - off - 4)
				return IKE1_PARSE_BAD_BODY;
			const uint8_t *p = buf + off + 4;
			if (v > 4) {
				a.value = UINT32_MAX;
			} else {
				for (uint16_t i = 0; i < v; i++)
					a.value = a.value << 8 | p[i];
			}
			off += 4u + v;
		}
		if (x->n_attrs < IKE1_MAX_ATTRS)
			x->attrs[x->n_attrs++] = a;
	}
	return IKE1_PARSE_OK;
}

bool ike1_attr_get(const struct ike1_xform *x, uint16_t type, uint32_t *value)
{
	for (uint8_t i = 0; i < x->n_attrs; i++)
		if (x->attrs[i].type == type) {
			*value = x->attrs[i].value;
			return true;
		}
	return false;
}

static enum ike1_parse_verdict prop_parse(const uint8_t *p, size_t plen, struct ike1_prop *pr, bool keep)
{
	/* p: the proposal payload including its generic header */
	if (plen < 8)
		return IKE1_PARSE_BAD_BODY;
	uint8_t num = p[4], proto = p[5], spi_len = p[6], n_xf = p[7];
	if (spi_len > 16 || (size_t)8 + spi_len > plen)
		return IKE1_PARSE_BAD_BODY;
	if (keep) {
		memset(pr, 0, sizeof(*pr));
		pr->num = num;
		pr->proto = proto;
		pr->spi_len = spi_len;
		memcpy(pr->spi, p + 8, spi_len);
	}
	size_t off = 8u + spi_len;
	uint8_t next = n_xf ? IKE1_PL_T : IKE1_PL_NONE;
	unsigned seen = 0;
	while (next == IKE1_PL_T) {
		if (plen - off < 8)
			return IKE1_PARSE_BAD_BODY;
		const uint8_t *t = p + off;
		size_t tlen = ike1_get16(t + 2);
		if (tlen < 8 || tlen > plen - off)
			return IKE1_PARSE_BAD_BODY;
		next = t[0];
		if (next != IKE1_PL_T && next != IKE1_PL_NONE)
			return IKE1_PARSE_BAD_BODY;
		struct ike1_xform tmp, *x = keep && pr->n_xf < IKE1_MAX_XF ? &pr->xf[pr->n_xf] : &tmp;
		memset(x, 0, sizeof(*x));
		x->num = t[4];
		x->id = t[5];
		enum ike1_parse_verdict v = attrs_parse(t + 8, tlen - 8, x);
		if (v != IKE1_PARSE_OK)
			return v;
		if (keep && pr->n_xf < IKE1_MAX_XF)
			pr->n_xf++;
		seen++;
		off += tlen;
	}
	if (seen != n_xf || off != plen)
		return IKE1_PARSE_BAD_BODY;
	return IKE1_PARSE_OK;
}

enum ike1_parse_verdict ike1_sa_parse(const uint8_t *body, size_t len, struct ike1_sa_pl *out)
{
	memset(out, 0, sizeof(*out));
	if (len < 8)
		return IKE1_PARSE_BAD_BODY;
	out->doi = ike1_get32(body);
	out->situation = ike1_get32(body + 4);
	size_t off = 8;
	uint8_t next = off < len ? IKE1_PL_P : IKE1_PL_NONE;
	while (next == IKE1_PL_P) {
		if (len - off < 8)
			return IKE1_PARSE_BAD_BODY;
		const uint8_t *p = body + off;
		size_t plen = ike1_get16(p + 2);
		if (plen < 8 || plen > len - off)
			return IKE1_PARSE_BAD_BODY;
		next = p[0];
		if (next != IKE1_PL_P && next != IKE1_PL_NONE)
			return IKE1_PARSE_BAD_BODY;
		bool keep = out->n_props < IKE1_MAX_PROPS;
		enum ike1_parse_verdict v = prop_parse(p, plen, keep ? &out->props[out->n_props] : NULL, keep);
		if (v != IKE1_PARSE_OK)
			return v;
		if (keep)
			out->n_props++;
		off += plen;
	}
	if (off != len || out->n_props == 0)
		return IKE1_PARSE_BAD_BODY;
	return IKE1_PARSE_OK;
}

enum ike1_parse_verdict ike1_payloads_validate(const uint8_t *buf, const struct ike1_payloads *l)
{
	struct ike1_sa_pl *sa = NULL;
	enum ike1_parse_verdict v = IKE1_PARSE_OK;
	for (size_t i = 0; i < l->n && v == IKE1_PARSE_OK; i++) {
		const uint8_t *b = buf + l->pl[i].off + 4;
		size_t n = l->pl[i].len - 4;
		switch (l->pl[i].type) {
		case IKE1_PL_SA:
			if (!sa)
				sa = g_new(struct ike1_sa_pl, 1);
			v = ike1_sa_parse(b, n, sa);
			break;
		case IKE1_PL_ID:
			if (n < 4)
				v = IKE1_PARSE_BAD_BODY;
			break;
		case IKE1_PL_KE:
		case IKE1_PL_NONCE:
		case IKE1_PL_HASH:
		case IKE1_PL_NATD:
			if (n == 0)
				v = IKE1_PARSE_BAD_BODY;
			break;
		case IKE1_PL_N:
			if (n < 8 || (size_t)8 + b[5] > n)
				v = IKE1_PARSE_BAD_BODY;
			break;
		case IKE1_PL_D:
			if (n < 8 || (size_t)8 + (size_t)b[5] * ike1_get16(b + 6) != n)
				v = IKE1_PARSE_BAD_BODY;
			break;
		default:
			break;
		}
	}
	g_free(sa);
	return v;
}

enum ike1_parse_verdict ike1_parse_datagram(const uint8_t *data, size_t len, struct ike1_msg *out)
{
	memset(out, 0, sizeof(*out));
	enum ike1_parse_verdict v = ike1_hdr_parse(data, len, &out->hdr);
	if (v != IKE1_PARSE_OK)
		return v;
	size_t body = out->hdr.length - IKE1_HDR_LEN;
	if (out->hdr.flags & IKE1_FLAG_ENC)
		return body == 0 || body % 8 ? IKE1_PARSE_BAD_ALIGNMENT : IKE1_PARSE_OK;
	v = ike1_payloads_parse(out->hdr.next, data + IKE1_HDR_LEN, body, false, &out->pls);
	if (v != IKE1_PARSE_OK)
		return v;
	return ike1_payloads_validate(data + IKE1_HDR_LEN, &out->pls);
}

const struct ike1_pl *ike1_find(const struct ike1_payloads *l, uint8_t type, size_t from)
{
	for (size_t i = from; i < l->n; i++)
		if (l->pl[i].type == type)
			return &l->pl[i];
	return NULL;
}

/* ---- building ---- */

void ike1_builder_init(struct ike1_builder *bld)
{
	memset(bld, 0, sizeof(*bld));
	bld->b = g_byte_array_new();
}

void ike1_put_bytes(GByteArray *b, const void *p, size_t len)
{
	if (len)
		g_byte_array_append(b, p, (guint)len);
}

void ike1_put16(GByteArray *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	g_byte_array_append(b, x, 2);
}

void ike1_put32(GByteArray *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	g_byte_array_append(b, x, 4);
}

void ike1_put_attr(GByteArray *b, uint16_t type, uint32_t value)
{
	if (value <= 0xffff) {
		ike1_put16(b, (uint16_t)(0x8000 | type));
		ike1_put16(b, (uint16_t)value);
		return;
	}
	ike1_put16(b, type);
	ike1_put16(b, 4);
	ike1_put32(b, value);
}

size_t ike1_pl_begin(struct ike1_builder *bld, uint8_t type)
{
	if (bld->any)
		bld->b->data[bld->last] = type;
	else
		bld->first = type;
	bld->any = true;
	bld->last = bld->b->len;
	uint8_t h[4] = { 0, 0, 0, 0 };
	g_byte_array_append(bld->b, h, 4);
	return bld->last;
}

void ike1_pl_end(struct ike1_builder *bld, size_t start)
{
	size_t len = bld->b->len - start;
	g_assert(len <= 0xffff);
	bld->b->data[start + 2] = (uint8_t)(len >> 8);
	bld->b->data[start + 3] = (uint8_t)len;
}

void ike1_put_simple(struct ike1_builder *bld, uint8_t type, const void *data, size_t len)
{
	size_t s = ike1_pl_begin(bld, type);
	ike1_put_bytes(bld->b, data, len);
	ike1_pl_end(bld, s);
}

void ike1_put_notify(struct ike1_builder *bld, uint8_t proto, const uint8_t *spi, size_t spi_len, uint16_t type,
		     const void *data, size_t len)
{
	size_t s = ike1_pl_begin(bld, IKE1_PL_N);
	ike1_put32(bld->b, IKE1_DOI_IPSEC);
	uint8_t x[2] = { proto, (uint8_t)spi_len };
	ike1_put_bytes(bld->b, x, 2);
	ike1_put16(bld->b, type);
	ike1_put_bytes(bld->b, spi, spi_len);
	ike1_put_bytes(bld->b, data, len);
	ike1_pl_end(bld, s);
}

void ike1_put_delete(struct ike1_builder *bld, uint8_t proto, const uint8_t *spis, size_t spi_len, size_t n)
{
	size_t s = ike1_pl_begin(bld, IKE1_PL_D);
	ike1_put32(bld->b, IKE1_DOI_IPSEC);
	uint8_t x[2] = { proto, (uint8_t)spi_len };
	ike1_put_bytes(bld->b, x, 2);
	ike1_put16(bld->b, (uint16_t)n);
	ike1_put_bytes(bld->b, spis, spi_len * n);
	ike1_pl_end(bld, s);
}

void ike1_hdr_write(uint8_t *p, const struct ike1_hdr *h)
{
	put64(p, h->icookie);
	put64(p + 8, h->rcookie);
	p[16] = h->next;
	p[17] = IKE1_VERSION;
	p[18] = h->exchange;
	p[19] = h->flags;
	for (int i = 0; i < 4; i++) {
		p[20 + i] = (uint8_t)(h->msg_id >> (24 - 8 * i));
		p[24 + i] = (uint8_t)(h->length >> (24 - 8 * i));
	}
}

GByteArray *ike1_msg_plain(const struct ike1_hdr *h0, const GByteArray *body)
{
	struct ike1_hdr h = *h0;
	h.length = (uint32_t)(IKE1_HDR_LEN + body->len);
	GByteArray *m = g_byte_array_sized_new(h.length);
	g_byte_array_set_size(m, IKE1_HDR_LEN);
	ike1_hdr_write(m->data, &h);
	g_byte_array_append(m, body->data, body->len);
	return m;
}
