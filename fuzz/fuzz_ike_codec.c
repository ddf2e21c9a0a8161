/* fuzz_ike_codec.c: libFuzzer target for the IKEv2 codec: parses arbitrary bytes as an IKE message
 * (and as a bare payload chain), walks every payload and substructure, and aborts when a view
 * leaves the input or a count that parsing vouched for does not match what the iterators find.
 *
 * Build with clang's fuzzer runtime (see the codec report), or link with a main of your own as
 * tests/test_ike_codec_corpus does. */
#include "models/ipsec/ike_codec.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct span {
	const uint8_t *lo;
	size_t len;
};

static void must(bool cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_ike_codec: invariant broken: %s\n", what);
		abort();
	}
}

static void in_span(struct span s, struct ike_rbuf r)
{
	if (r.len == 0)
		return;
	must(r.p >= s.lo && r.len <= s.len && (size_t)(r.p - s.lo) <= s.len - r.len, "view inside input");
}

/* Reads every byte of r, so the sanitizers see any view that is not really there. */
static unsigned touch(struct ike_rbuf r)
{
	unsigned sum = 0;
	for (size_t i = 0; i < r.len; i++)
		sum += r.p[i];
	return sum;
}

static unsigned walk_sa(struct span s, const struct ike_pl_sa *sa)
{
	unsigned sum = 0, n = 0;
	struct ike_rbuf pc = sa->proposals;
	struct ike_proposal p;
	while (ike_sa_next_proposal(&pc, &p)) {
		in_span(s, p.spi);
		in_span(s, p.transforms);
		sum += touch(p.spi);
		struct ike_rbuf tc = p.transforms;
		struct ike_transform t;
		unsigned nt = 0;
		while (ike_proposal_next_transform(&tc, &t)) {
			in_span(s, t.attrs);
			sum += touch(t.attrs) + t.id + t.key_len_bits;
			nt++;
		}
		must(tc.len == 0 && nt == p.n_transforms, "transform count");
		n++;
	}
	must(pc.len == 0 && n == sa->n_proposals, "proposal count");
	return sum;
}

static unsigned walk_payload(struct span s, const struct ike_payload *p)
{
	unsigned sum = 0, n = 0;
	in_span(s, p->raw);
	must(p->raw.len >= IKE_GENERIC_HDR_LEN, "payload header");
	switch (p->type) {
	case IKE_PL_SA:
		return walk_sa(s, &p->u.sa);
	case IKE_PL_KE:
		in_span(s, p->u.ke.data);
		return touch(p->u.ke.data);
	case IKE_PL_NONCE:
		must(p->u.typed.data.len >= IKE_NONCE_MIN_LEN && p->u.typed.data.len <= IKE_NONCE_MAX_LEN,
		     "nonce length");
		/* fall through */
	case IKE_PL_IDI:
	case IKE_PL_IDR:
	case IKE_PL_AUTH:
	case IKE_PL_CERT:
	case IKE_PL_CERTREQ:
	case IKE_PL_VENDOR:
	case IKE_PL_EAP:
		in_span(s, p->u.typed.data);
		return touch(p->u.typed.data);
	case IKE_PL_NOTIFY:
		in_span(s, p->u.notify.spi);
		in_span(s, p->u.notify.data);
		return touch(p->u.notify.spi) + touch(p->u.notify.data);
	case IKE_PL_DELETE:
		in_span(s, p->u.del.spis);
		must(p->u.del.spis.len == (size_t)p->u.del.n_spis * p->u.del.spi_size, "delete count");
		return touch(p->u.del.spis);
	case IKE_PL_TSI:
	case IKE_PL_TSR: {
		struct ike_rbuf c = p->u.ts.selectors;
		struct ike_ts ts;
		while (ike_ts_next(&c, &ts)) {
			in_span(s, ts.raw);
			sum += touch(ts.raw) + ts.start_port + ts.start_addr[0];
			n++;
		}
		must(c.len == 0 && n == p->u.ts.n_ts, "selector count");
		return sum;
	}
	case IKE_PL_CP: {
		struct ike_rbuf c = p->u.cp.attrs;
		struct ike_cp_attr at;
		while (ike_cp_next_attr(&c, &at)) {
			in_span(s, at.value);
			sum += touch(at.value) + at.type;
			n++;
		}
		must(c.len == 0 && n == p->u.cp.n_attrs, "CP attribute count");
		return sum;
	}
	case IKE_PL_SK:
	case IKE_PL_SKF:
		in_span(s, p->u.sk.body);
		must(p->u.sk.body.len > 0, "SK body");
		must(p->u.sk.body.p == s.lo + p->u.sk.body_off, "SK body offset");
		return touch(p->u.sk.body);
	default:
		must(false, "unknown payload type in list");
		return 0;
	}
}

static unsigned walk_list(struct span s, const struct ike_payload_list *l)
{
	unsigned sum = 0;
	must(l->n <= IKE_MAX_PAYLOADS, "payload count");
	for (size_t i = 0; i < l->n; i++)
		sum += walk_payload(s, &l->pl[i]);
	return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volatile unsigned sink = 0; /* keeps the reads of every view */
	struct span s = { data, size };
	struct ike_msg m;
	enum ike_parse_verdict v = ike_msg_parse(data, size, 65535, &m);
	must(ike_parse_verdict_str(v) != NULL, "verdict name");
	if (v == IKE_PARSE_OK) {
		must(m.hdr.length == size && m.hdr.major == 2, "header");
		sink += walk_list(s, &m.pls);
		if (m.pls.sk_index >= 0) {
			/* treat the SK body as if it had decrypted to itself: reaches the inner walker */
			const struct ike_pl_sk *sk = &m.pls.pl[m.pls.sk_index].u.sk;
			struct ike_payload_list in;
			struct span b = { sk->body.p, sk->body.len };
			if (ike_payloads_parse(sk->inner_first, sk->body.p, sk->body.len, &in) == IKE_PARSE_OK) {
				must(in.sk_index == -1, "no SK inside SK");
				sink += walk_list(b, &in);
			}
		}
	}
	/* the same bytes as a bare chain whose first type is the first byte */
	if (size >= 1) {
		struct ike_payload_list l;
		struct span c = { data + 1, size - 1 };
		if (ike_payloads_parse(data[0], data + 1, size - 1, &l) == IKE_PARSE_OK)
			sink += walk_list(c, &l);
	}
	(void)sink;
	return 0;
}
