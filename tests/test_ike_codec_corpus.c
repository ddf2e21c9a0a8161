/* test_ike_codec_corpus.c: replays the codec's fuzz target (fuzz/fuzz_ike_codec.c) without clang's
 * fuzzer runtime: the sample messages, then deterministic mutations of them (every bit flip, every
 * truncation, every 16-bit field set to boundary values, and random multi-byte edits), so each
 * `make check` (and the sanitizer build) runs the parser on a few hundred thousand hostile inputs.
 * Fails if a sample does not parse, or if the mutations reach too few distinct verdicts.
 * With `--write-seeds DIR` it only writes the samples into DIR as a libFuzzer seed corpus. */
#include "models/ipsec/ike_codec.h"
#include "tests/ike_codec_samples.h"

#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RANDOM_EDITS_PER_SAMPLE 40000

struct stats {
	uint64_t execs;
	uint64_t by_verdict[IKE_PARSE_VERDICT_COUNT];
};

/* Runs the target on buf and records how the message parser judged it. */
static void run(struct stats *st, const uint8_t *buf, size_t len)
{
	struct ike_msg m;
	/* a private copy of exactly len bytes, so ASan catches any read past the end */
	uint8_t *copy = g_memdup2(buf, len ? len : 1);
	LLVMFuzzerTestOneInput(copy, len);
	st->by_verdict[ike_msg_parse(copy, len, 65535, &m)]++;
	st->execs++;
	g_free(copy);
}

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void bit_flips(struct stats *st, const GByteArray *a)
{
	uint8_t *b = g_memdup2(a->data, a->len);
	for (size_t i = 0; i < a->len * 8; i++) {
		b[i / 8] ^= (uint8_t)(1u << (i % 8));
		run(st, b, a->len);
		b[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	g_free(b);
}

static void truncations(struct stats *st, const GByteArray *a)
{
	for (size_t n = 0; n < a->len; n++)
		run(st, a->data, n);
}

/* Every aligned and unaligned 16-bit field set to values that sit on length boundaries. */
static void length_fields(struct stats *st, const GByteArray *a)
{
	uint8_t *b = g_memdup2(a->data, a->len);
	for (size_t i = 0; i + 1 < a->len; i++) {
		uint16_t orig = (uint16_t)(b[i] << 8 | b[i + 1]);
		uint16_t rest = (uint16_t)(a->len - i);
		const uint16_t vals[] = { 0, 1, 3, 4, 5, 7, 8, 16, 0xff, 0x7fff, 0xffff, (uint16_t)(orig + 1),
					  (uint16_t)(orig - 1), rest, (uint16_t)(rest + 1), (uint16_t)(rest - 1) };
		for (size_t k = 0; k < G_N_ELEMENTS(vals); k++) {
			b[i] = (uint8_t)(vals[k] >> 8);
			b[i + 1] = (uint8_t)vals[k];
			run(st, b, a->len);
		}
		b[i] = (uint8_t)(orig >> 8);
		b[i + 1] = (uint8_t)orig;
	}
	g_free(b);
}

static void insert_bytes(GByteArray *b, size_t pos, const uint8_t *p, size_t n)
{
	size_t old = b->len;
	g_byte_array_set_size(b, (guint)(old + n));
	memmove(b->data + pos + n, b->data + pos, old - pos);
	memcpy(b->data + pos, p, n);
}

/* 1..4 random edits (byte set, byte insert, byte delete, chunk duplicate, header length fixed
 * up or not) per input. */
static void random_edits(struct stats *st, const GByteArray *a, uint64_t seed)
{
	uint64_t s = seed | 1;
	GByteArray *b = g_byte_array_new();
	for (int r = 0; r < RANDOM_EDITS_PER_SAMPLE; r++) {
		g_byte_array_set_size(b, 0);
		g_byte_array_append(b, a->data, a->len);
		int edits = 1 + (int)(next_rand(&s) % 4);
		for (int e = 0; e < edits && b->len > 0; e++) {
			size_t pos = next_rand(&s) % b->len;
			switch (next_rand(&s) % 5) {
			case 0:
				b->data[pos] = (uint8_t)next_rand(&s);
				break;
			case 1: {
				uint8_t v = (uint8_t)next_rand(&s);
				insert_bytes(b, pos, &v, 1);
				break;
			}
			case 2:
				g_byte_array_remove_index(b, (guint)pos);
				break;
			case 3: {
				size_t n = 1 + next_rand(&s) % 16;
				if (n > b->len - pos)
					n = b->len - pos;
				uint8_t chunk[16];
				memcpy(chunk, b->data + pos, n);
				insert_bytes(b, next_rand(&s) % b->len, chunk, n);
				break;
			}
			default:
				b->data[pos] ^= (uint8_t)(1u << (next_rand(&s) % 8));
				break;
			}
		}
		/* half the time keep the header's length honest, so the payload walker is reached */
		if ((next_rand(&s) & 1) && b->len >= IKE_HDR_LEN) {
			b->data[24] = (uint8_t)(b->len >> 24);
			b->data[25] = (uint8_t)(b->len >> 16);
			b->data[26] = (uint8_t)(b->len >> 8);
			b->data[27] = (uint8_t)b->len;
		}
		run(st, b->data, b->len);
	}
	g_byte_array_unref(b);
}

static int write_seeds(const char *dir)
{
	GPtrArray *all = sample_all();
	int rc = 0;
	for (guint i = 0; i < all->len; i++) {
		const GByteArray *a = g_ptr_array_index(all, i);
		gchar *name = g_strdup_printf("%s/seed-%02u", dir, i);
		GError *err = NULL;
		if (!g_file_set_contents(name, (const gchar *)a->data, a->len, &err)) {
			fprintf(stderr, "%s\n", err->message);
			g_error_free(err);
			rc = 1;
		}
		g_free(name);
	}
	g_ptr_array_unref(all);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	struct stats st = { 0 };
	GPtrArray *all = sample_all();
	gint64 t0 = g_get_monotonic_time();
	int failed = 0;
	for (guint i = 0; i < all->len; i++) {
		const GByteArray *a = g_ptr_array_index(all, i);
		struct ike_msg m;
		enum ike_parse_verdict v = ike_msg_parse(a->data, a->len, 65535, &m);
		if (v != IKE_PARSE_OK) {
			fprintf(stderr, "sample %u does not parse: %s\n", i, ike_parse_verdict_str(v));
			failed = 1;
		}
		run(&st, a->data, a->len);
		bit_flips(&st, a);
		truncations(&st, a);
		length_fields(&st, a);
		random_edits(&st, a, 0x9e3779b97f4a7c15u * (i + 1));
	}
	double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
	unsigned distinct = 0;
	printf("ike_codec corpus: %" G_GUINT64_FORMAT " inputs from %u samples in %.2f s\n", st.execs, all->len,
	       secs);
	for (int v = 0; v < IKE_PARSE_VERDICT_COUNT; v++) {
		if (st.by_verdict[v])
			distinct++;
		printf("  %-30s %10" G_GUINT64_FORMAT "\n", ike_parse_verdict_str((enum ike_parse_verdict)v),
		       st.by_verdict[v]);
	}
	g_ptr_array_unref(all);
	/* the mutations must exercise most validators, or this test has silently lost its teeth */
	if (distinct < IKE_PARSE_VERDICT_COUNT - 6) {
		fprintf(stderr, "only %u distinct verdicts reached\n", distinct);
		failed = 1;
	}
	return failed;
}
