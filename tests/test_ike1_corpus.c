/* test_ike1_corpus.c: the IKEv1 parser's fuzz entry in `make check`: every datagram of an IKEv1
 * session (Main Mode, Quick Mode with PFS, a quick-mode rekey, DPD, DELETE; once on 500, once
 * floated to 4500) and 2,000 deterministic mutations of each go through ike1_parse_datagram and,
 * as a decrypted body, ike1_payloads_parse/ike1_payloads_validate (what a libFuzzer target on
 * ike1_parse_datagram would do), so the sanitizer build and valgrind see what a fuzzer would
 * start from. The session's unencrypted messages must parse cleanly; the encrypted ones as far as
 * their header and block alignment. */
#include "models/ipsec/ike.h"
#include "models/ipsec/ike1_internal.h"
#include "models/ipsec/ike_consts.h"
#include "tests/cu.h"
#include "tests/ike_pair.h"

#include <string.h>

/* The fuzz entry: the datagram, then the same bytes as a decrypted body whose first byte names
 * the first payload. */
static void parse_all(const uint8_t *data, size_t size)
{
	struct ike1_msg m;
	(void)ike1_parse_datagram(data, size, &m);
	if (size >= 1) {
		struct ike1_payloads l;
		if (ike1_payloads_parse(data[0], data + 1, size - 1, true, &l) == IKE1_PARSE_OK)
			(void)ike1_payloads_validate(data + 1, &l);
	}
}

struct capture {
	GPtrArray *msgs; /* GByteArray*: ISAKMP messages without the non-ESP marker */
};

static void tap(void *ctx, int64_t t, const struct ike_dgram *d)
{
	(void)t;
	struct capture *c = ctx;
	size_t off = d->src.port != IKE_PORT && d->dst.port != IKE_PORT ? 4 : 0;
	if (d->len <= off + 1)
		return; /* a NAT keepalive */
	GByteArray *m = g_byte_array_new();
	g_byte_array_append(m, d->data + off, (guint)(d->len - off));
	g_ptr_array_add(c->msgs, m);
}

static void session(struct capture *c, bool encap, uint64_t seed)
{
	struct ike_peer_cfg c0, c1;
	for (int i = 0; i < 2; i++) {
		struct ike_peer_cfg *x = i ? &c1 : &c0;
		ike_pair_default_cfg(i, false, x);
		x->ike_version = 1;
		x->ike[0] = (struct ike_ike_proposal){ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, 0, IKE_DH_MODP1024 };
		x->esp[0].dh = IKE_DH_MODP1024;
		x->keepalive_ns = -1;
	}
	c0.force_encap = encap;
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, seed);
	p.tap = tap;
	p.tap_ctx = c;
	uint64_t id = ike_initiate(p.n[0].ep, p.n[0].peer, p.now);
	ike_pair_run_idle(&p, p.now + 60 * NS);
	struct ike_child_info ci;
	if (ike_sa_children(p.n[0].ep, id, &ci, 1) == 1)
		ike_child_rekey(p.n[0].ep, id, ci.spi_in, p.now);
	ike_pair_run_idle(&p, p.now + 60 * NS);
	ike_dpd_now(p.n[0].ep, id, p.now);
	ike_pair_run_idle(&p, p.now + 60 * NS);
	ike_delete(p.n[0].ep, id, p.now);
	ike_pair_run_idle(&p, p.now + 60 * NS);
	ike_pair_free(&p);
}

static uint64_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_replay(void)
{
	struct capture c = { g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref) };
	session(&c, false, 201);
	session(&c, true, 202);
	CU_ASSERT(c.msgs->len >= 2 * 16);
	unsigned plain = 0, plain_ok = 0;
	uint64_t rng = 0x2545f4914f6cdd1dull;
	uint8_t buf[4096];
	for (guint i = 0; i < c.msgs->len; i++) {
		const GByteArray *m = g_ptr_array_index(c.msgs, i);
		struct ike1_msg parsed;
		enum ike1_parse_verdict v = ike1_parse_datagram(m->data, m->len, &parsed);
		CU_ASSERT_EQUAL(parsed.hdr.version, IKE1_VERSION);
		if (!(parsed.hdr.flags & IKE1_FLAG_ENC)) {
			plain++;
			plain_ok += v == IKE1_PARSE_OK;
		} else {
			CU_ASSERT_EQUAL(v, IKE1_PARSE_OK); /* header and block alignment */
		}
		parse_all(m->data, m->len);
		for (int k = 0; k < 2000; k++) {
			size_t len = MIN((size_t)m->len, sizeof(buf));
			memcpy(buf, m->data, len);
			uint64_t r = next(&rng);
			switch (r % 4) {
			case 0:
				buf[next(&rng) % len] ^= (uint8_t)(r >> 8);
				break;
			case 1:
				len = (size_t)(next(&rng) % (len + 1));
				break;
			case 2: /* a 16-bit length field somewhere set to a random value */
				if (len > 2) {
					size_t at = (size_t)(next(&rng) % (len - 1));
					buf[at] = (uint8_t)(r >> 16);
					buf[at + 1] = (uint8_t)(r >> 24);
				}
				break;
			default:
				for (int f = 0; f < 8; f++)
					buf[next(&rng) % len] = (uint8_t)next(&rng);
				break;
			}
			parse_all(buf, len);
		}
	}
	/* MM1-MM4 of two Main Modes (and the rekey has none): all unencrypted ones parse */
	CU_ASSERT_EQUAL(plain, 8);
	CU_ASSERT_EQUAL(plain_ok, plain);
	g_ptr_array_free(c.msgs, TRUE);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "session datagrams and their mutations through the parser", test_replay },
		{ NULL, NULL },
	};
	return cu_run("ike1_corpus", tests);
}
