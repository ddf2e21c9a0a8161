/* ike_codec_build.c: building IKEv2 messages and SK inner chains: payloads are appended in order,
 * each next-payload field is patched when the following payload arrives, lengths are filled. */
#include "models/ipsec/ike_codec.h"

#include <string.h>

#define IKE_PAYLOAD_MAX_LEN 0xffffu

static void put8(GByteArray *a, uint8_t v)
{
	g_byte_array_append(a, &v, 1);
}

static void put16(GByteArray *a, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	g_byte_array_append(a, b, 2);
}

static void put32(GByteArray *a, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	g_byte_array_append(a, b, 4);
}

static void put64(GByteArray *a, uint64_t v)
{
	put32(a, (uint32_t)(v >> 32));
	put32(a, (uint32_t)v);
}

static void put_bytes(GByteArray *a, const uint8_t *p, size_t len)
{
	if (len)
		g_byte_array_append(a, p, (guint)len);
}

static void patch16(GByteArray *a, size_t off, uint16_t v)
{
	a->data[off] = (uint8_t)(v >> 8);
	a->data[off + 1] = (uint8_t)v;
}

static void patch32(GByteArray *a, size_t off, uint32_t v)
{
	patch16(a, off, (uint16_t)(v >> 16));
	patch16(a, off + 2, (uint16_t)v);
}

void ike_builder_init(struct ike_builder *b, const struct ike_hdr *hdr)
{
	memset(b, 0, sizeof(*b));
	b->buf = g_byte_array_sized_new(512);
	b->with_header = true;
	put64(b->buf, hdr->spi_i);
	put64(b->buf, hdr->spi_r);
	put8(b->buf, IKE_PL_NONE);
	put8(b->buf, (uint8_t)((hdr->major << 4) | (hdr->minor & 0x0f)));
	put8(b->buf, hdr->exchange);
	put8(b->buf, hdr->flags);
	put32(b->buf, hdr->msg_id);
	put32(b->buf, IKE_HDR_LEN);
	b->next_field = 16;
}

void ike_builder_init_inner(struct ike_builder *b)
{
	memset(b, 0, sizeof(*b));
	b->buf = g_byte_array_sized_new(256);
	b->next_field = SIZE_MAX;
}

void ike_builder_clear(struct ike_builder *b)
{
	if (b->buf)
		g_byte_array_unref(b->buf);
	b->buf = NULL;
}

/* Marks the builder failed (sticky); returns false for the caller to pass on. */
static bool fail(struct ike_builder *b)
{
	b->failed = true;
	return false;
}

/* Starts a payload of type: chains it and writes a generic header with length 0. Returns the
 * payload's offset, or SIZE_MAX if the builder cannot take another payload. */
static size_t begin(struct ike_builder *b, uint8_t type, bool critical)
{
	g_assert(b->buf);
	if (b->failed || b->sealed) {
		b->failed = true;
		return SIZE_MAX;
	}
	size_t off = b->buf->len;
	if (b->next_field == SIZE_MAX)
		b->first_type = type;
	else
		b->buf->data[b->next_field] = type;
	b->next_field = off;
	put8(b->buf, IKE_PL_NONE);
	put8(b->buf, critical ? IKE_PAYLOAD_CRITICAL : 0);
	put16(b->buf, 0);
	return off;
}

/* Fills the length of the payload begun at off; fails if it is too long. */
static bool end(struct ike_builder *b, size_t off)
{
	size_t len = b->buf->len - off;
	if (len > IKE_PAYLOAD_MAX_LEN)
		return fail(b);
	patch16(b->buf, off + 2, (uint16_t)len);
	return true;
}

bool ike_build_raw(struct ike_builder *b, uint8_t type, bool critical, const uint8_t *body, size_t len)
{
	size_t off = begin(b, type, critical);
	if (off == SIZE_MAX || len > IKE_PAYLOAD_MAX_LEN)
		return fail(b);
	put_bytes(b->buf, body, len);
	return end(b, off);
}

static bool put_proposal(struct ike_builder *b, const struct ike_proposal_spec *p, bool last)
{
	GByteArray *a = b->buf;
	size_t off = a->len;
	if (p->n_transforms > 255)
		return false;
	put8(a, last ? IKE_PROPOSAL_LAST : IKE_PROPOSAL_MORE);
	put8(a, 0);
	put16(a, 0);
	put8(a, p->num);
	put8(a, p->protocol);
	put8(a, p->spi_size);
	put8(a, (uint8_t)p->n_transforms);
	put_bytes(a, p->spi, p->spi_size);
	for (size_t i = 0; i < p->n_transforms; i++) {
		const struct ike_transform_spec *t = &p->transforms[i];
		bool t_last = i + 1 == p->n_transforms;
		put8(a, t_last ? IKE_TRANSFORM_LAST : IKE_TRANSFORM_MORE);
		put8(a, 0);
		put16(a, t->key_len_bits ? 12 : 8);
		put8(a, t->type);
		put8(a, 0);
		put16(a, t->id);
		if (t->key_len_bits) {
			put16(a, IKE_ATTR_FORMAT_TV | IKE_ATTR_KEY_LENGTH);
			put16(a, t->key_len_bits);
		}
	}
	size_t len = a->len - off;
	if (len > IKE_PAYLOAD_MAX_LEN)
		return false;
	patch16(a, off + 2, (uint16_t)len);
	return true;
}

bool ike_build_sa(struct ike_builder *b, const struct ike_proposal_spec *props, size_t n_props)
{
	size_t off = begin(b, IKE_PL_SA, false);
	if (off == SIZE_MAX)
		return false;
	for (size_t i = 0; i < n_props; i++)
		if (!put_proposal(b, &props[i], i + 1 == n_props))
			return fail(b);
	return end(b, off);
}

bool ike_build_ke(struct ike_builder *b, uint16_t group, const uint8_t *data, size_t len)
{
	size_t off = begin(b, IKE_PL_KE, false);
	if (off == SIZE_MAX || len > IKE_PAYLOAD_MAX_LEN)
		return fail(b);
	put16(b->buf, group);
	put16(b->buf, 0);
	put_bytes(b->buf, data, len);
	return end(b, off);
}

bool ike_build_nonce(struct ike_builder *b, const uint8_t *nonce, size_t len)
{
	return ike_build_raw(b, IKE_PL_NONCE, false, nonce, len);
}

bool ike_build_vendor(struct ike_builder *b, const uint8_t *data, size_t len)
{
	return ike_build_raw(b, IKE_PL_VENDOR, false, data, len);
}

bool ike_build_eap(struct ike_builder *b, const uint8_t *data, size_t len)
{
	return ike_build_raw(b, IKE_PL_EAP, false, data, len);
}

/* A payload of one kind byte, pad reserved bytes, then data (ID, AUTH: pad 3; CERT: pad 0). */
static bool build_typed(struct ike_builder *b, uint8_t type, uint8_t kind, unsigned pad, const uint8_t *data,
			size_t len)
{
	size_t off = begin(b, type, false);
	if (off == SIZE_MAX || len > IKE_PAYLOAD_MAX_LEN)
		return fail(b);
	put8(b->buf, kind);
	for (unsigned i = 0; i < pad; i++)
		put8(b->buf, 0);
	put_bytes(b->buf, data, len);
	return end(b, off);
}

bool ike_build_id(struct ike_builder *b, uint8_t payload_type, uint8_t id_type, const uint8_t *data,
		  size_t len)
{
	g_assert(payload_type == IKE_PL_IDI || payload_type == IKE_PL_IDR);
	return build_typed(b, payload_type, id_type, 3, data, len);
}

bool ike_build_auth(struct ike_builder *b, uint8_t method, const uint8_t *data, size_t len)
{
	return build_typed(b, IKE_PL_AUTH, method, 3, data, len);
}

bool ike_build_cert(struct ike_builder *b, uint8_t payload_type, uint8_t encoding, const uint8_t *data,
		    size_t len)
{
	g_assert(payload_type == IKE_PL_CERT || payload_type == IKE_PL_CERTREQ);
	return build_typed(b, payload_type, encoding, 0, data, len);
}

bool ike_build_notify(struct ike_builder *b, uint8_t protocol, const uint8_t *spi, size_t spi_size,
		      uint16_t notify_type, const uint8_t *data, size_t len)
{
	size_t off = begin(b, IKE_PL_NOTIFY, false);
	if (off == SIZE_MAX || spi_size > 255 || len > IKE_PAYLOAD_MAX_LEN)
		return fail(b);
	put8(b->buf, protocol);
	put8(b->buf, (uint8_t)spi_size);
	put16(b->buf, notify_type);
	put_bytes(b->buf, spi, spi_size);
	put_bytes(b->buf, data, len);
	return end(b, off);
}

bool ike_build_delete(struct ike_builder *b, uint8_t protocol, uint8_t spi_size, const uint8_t *spis,
		      size_t n_spis)
{
	size_t off = begin(b, IKE_PL_DELETE, false);
	if (off == SIZE_MAX || n_spis > 0xffff || n_spis * spi_size > IKE_PAYLOAD_MAX_LEN)
		return fail(b);
	put8(b->buf, protocol);
	put8(b->buf, spi_size);
	put16(b->buf, (uint16_t)n_spis);
	put_bytes(b->buf, spis, n_spis * spi_size);
	return end(b, off);
}

bool ike_build_ts(struct ike_builder *b, uint8_t payload_type, const struct ike_ts *ts, size_t n_ts)
{
	g_assert(payload_type == IKE_PL_TSI || payload_type == IKE_PL_TSR);
	size_t off = begin(b, payload_type, false);
	if (off == SIZE_MAX || n_ts > 255)
		return fail(b);
	put8(b->buf, (uint8_t)n_ts);
	put8(b->buf, 0);
	put16(b->buf, 0);
	for (size_t i = 0; i < n_ts; i++) {
		const struct ike_ts *t = &ts[i];
		if (t->type == IKE_TS_IPV4_ADDR_RANGE || t->type == IKE_TS_IPV6_ADDR_RANGE) {
			size_t alen = t->type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16;
			put8(b->buf, t->type);
			put8(b->buf, t->ip_proto);
			put16(b->buf, (uint16_t)(8 + 2 * alen));
			put16(b->buf, t->start_port);
			put16(b->buf, t->end_port);
			put_bytes(b->buf, t->start_addr, alen);
			put_bytes(b->buf, t->end_addr, alen);
		} else {
			if (t->raw.len > IKE_PAYLOAD_MAX_LEN)
				return fail(b);
			put_bytes(b->buf, t->raw.p, t->raw.len);
		}
	}
	return end(b, off);
}

bool ike_build_cp(struct ike_builder *b, uint8_t cfg_type, const struct ike_cp_attr_spec *attrs,
		  size_t n_attrs)
{
	size_t off = begin(b, IKE_PL_CP, false);
	if (off == SIZE_MAX)
		return false;
	put8(b->buf, cfg_type);
	put8(b->buf, 0);
	put16(b->buf, 0);
	for (size_t i = 0; i < n_attrs; i++) {
		if (attrs[i].len > IKE_PAYLOAD_MAX_LEN)
			return fail(b);
		put16(b->buf, attrs[i].type & 0x7fff);
		put16(b->buf, (uint16_t)attrs[i].len);
		put_bytes(b->buf, attrs[i].value, attrs[i].len);
	}
	return end(b, off);
}

static bool build_sk(struct ike_builder *b, uint8_t type, uint8_t inner_first, uint16_t frag_num,
		     uint16_t frag_total, size_t body_len, size_t *body_off)
{
	size_t off = begin(b, type, false);
	if (off == SIZE_MAX || body_len > IKE_PAYLOAD_MAX_LEN)
		return fail(b);
	b->buf->data[off] = inner_first;
	b->sealed = true;
	if (type == IKE_PL_SKF) {
		put16(b->buf, frag_num);
		put16(b->buf, frag_total);
	}
	*body_off = b->buf->len;
	g_byte_array_set_size(b->buf, b->buf->len + (guint)body_len);
	memset(b->buf->data + *body_off, 0, body_len);
	if (!end(b, off))
		return false;
	if (b->with_header)
		patch32(b->buf, 24, (uint32_t)b->buf->len);
	return true;
}

bool ike_build_sk(struct ike_builder *b, uint8_t inner_first, size_t body_len, size_t *body_off)
{
	return build_sk(b, IKE_PL_SK, inner_first, 0, 0, body_len, body_off);
}

bool ike_build_skf(struct ike_builder *b, uint8_t inner_first, uint16_t frag_num, uint16_t frag_total,
		   size_t body_len, size_t *body_off)
{
	return build_sk(b, IKE_PL_SKF, inner_first, frag_num, frag_total, body_len, body_off);
}

GByteArray *ike_build_finish(struct ike_builder *b)
{
	g_assert(b->buf);
	GByteArray *a = b->buf;
	b->buf = NULL;
	if (b->failed || (b->with_header && a->len > UINT32_MAX)) {
		g_byte_array_unref(a);
		return NULL;
	}
	if (b->with_header)
		patch32(a, 24, (uint32_t)a->len);
	return a;
}

GByteArray *ike_build_finish_inner(struct ike_builder *b, uint8_t *first_type)
{
	g_assert(!b->with_header);
	*first_type = b->first_type;
	return ike_build_finish(b);
}
