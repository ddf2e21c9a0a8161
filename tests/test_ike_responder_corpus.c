/* test_ike_responder_corpus.c: replays the IKE responder fuzz target (fuzz/fuzz_ike_responder.c)
 * without clang's fuzzer runtime, so that every `make check`, the sanitizer build and valgrind
 * run the responder's payload handling behind the SK payload on hostile input: the seed inputs
 * the target writes (IKE_AUTH with PSK and certificates, CHILD and IKE SA rekeys, DPD, DELETE,
 * raw datagrams into the established SA, SKF fragments, a raw IKE_SA_INIT), each checked to reach what it was written for, then deterministic random
 * edits of them (bit flips, byte values, truncations, inserted and deleted runs, record headers
 * and payload types changed). The target's own invariants abort on a broken one.
 * VPNSIM_RESPONDER_EDITS sets the edits per seed (default 1500; 150 under valgrind, which is
 * about 50 times slower, so `make check-valgrind` stays within a quarter of a minute). */
#include "fuzz/fuzz_ike_responder.c"

#include "tests/cu.h"

#include <glib/gstdio.h>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

struct seed {
	char *name;
	GByteArray *bytes;
};

static GPtrArray *seeds; /* struct seed * */

static void seed_free(gpointer p)
{
	struct seed *s = p;
	g_free(s->name);
	g_byte_array_unref(s->bytes);
	g_free(s);
}

/* The target writes its seeds into a temporary directory; read them back, sorted by name. */
static void load_seeds(void)
{
	if (seeds)
		return;
	LLVMFuzzerTestOneInput((const uint8_t *)"\0", 1); /* setup, with its self-check */
	g_autofree char *dir = g_dir_make_tmp("vpnsim-responder-XXXXXX", NULL);
	g_assert(dir);
	write_seeds(dir);
	seeds = g_ptr_array_new_with_free_func(seed_free);
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *n;
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	while ((n = g_dir_read_name(d)))
		g_ptr_array_add(names, g_strdup(n));
	g_dir_close(d);
	g_ptr_array_sort(names, (GCompareFunc)g_strcmp0);
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *path = g_build_filename(dir, (const char *)names->pdata[i], NULL);
		gchar *data = NULL;
		gsize len = 0;
		g_assert(g_file_get_contents(path, &data, &len, NULL));
		struct seed *s = g_new0(struct seed, 1);
		s->name = g_strdup(names->pdata[i]);
		s->bytes = g_byte_array_new_take((guint8 *)data, len);
		g_ptr_array_add(seeds, s);
		g_unlink(path);
	}
	g_ptr_array_free(names, TRUE);
	g_rmdir(dir);
}

static const struct seed *seed_named(const char *name)
{
	for (guint i = 0; i < seeds->len; i++) {
		const struct seed *s = seeds->pdata[i];
		if (strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

/* Every authenticated seed establishes the IKE SA (the AUTH fix-up and the keys are right), the
 * IKE SA rekey seed a second one; without the fix-up none does; the raw seed is answered. */
static void test_seeds_reach_their_exchanges(void)
{
	load_seeds();
	CU_ASSERT_EQUAL(seeds->len, 16);
	for (int k = 0; k <= 14; k++) {
		g_autofree char *name = g_strdup_printf("seed-%d", k);
		const struct seed *s = seed_named(name);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		uint8_t mode = s->bytes->data[0];
		CU_ASSERT_NOT_EQUAL(mode & 3, 3);
		uint64_t est = run_authenticated(s->bytes->data + 1, s->bytes->len - 1, (mode >> 2) & 1, (mode >> 3) & 1);
		CU_ASSERT_EQUAL(est, k == 8 ? 2 : 1); /* seed-8 rekeys the IKE SA: a second one */
		/* the same input with the AUTH fix-up turned off (bit 5 of the first record) fails */
		GByteArray *no_fix = g_byte_array_new();
		g_byte_array_append(no_fix, s->bytes->data + 1, s->bytes->len - 1);
		no_fix->data[0] |= 0x20;
		CU_ASSERT_EQUAL(run_authenticated(no_fix->data, no_fix->len, (mode >> 2) & 1, (mode >> 3) & 1), 0);
		g_byte_array_unref(no_fix);
	}
	/* the seeds behind an established SA reach what they were written for */
	const struct seed *s11 = seed_named("seed-11"), *s12 = seed_named("seed-12");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s11);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s12);
	struct ike_counters c = run_authenticated_counters(s11->bytes->data + 1, s11->bytes->len - 1, 0, 0);
	CU_ASSERT_EQUAL(c.rx_req[3], 2);		  /* the DPD, on 500 and on 4500 */
	CU_ASSERT_EQUAL(c.resp_resent, 1);		  /* the retransmission */
	CU_ASSERT_EQUAL(c.drops[IKE_DROP_SK], 2);	  /* the broken ICVs: SK, then SKF */
	CU_ASSERT_EQUAL(c.drops[IKE_DROP_MSG_ID], 1);	  /* beyond the window */
	CU_ASSERT_EQUAL(c.drops[IKE_DROP_BAD_MARKER], 1); /* 4500 without the marker */
	c = run_authenticated_counters(s12->bytes->data + 1, s12->bytes->len - 1, 1, 0);
	CU_ASSERT_EQUAL(c.frags_rx, 4);		     /* 2, 1, 1 again, 3 */
	CU_ASSERT_EQUAL(c.reassembled, 1);
	CU_ASSERT_EQUAL(c.rx_req[3], 1);
	CU_ASSERT_EQUAL(c.drops[IKE_DROP_PARSE], 1); /* fragment 5 of 3: the codec refuses it */
	CU_ASSERT_EQUAL(c.parse_drops[IKE_PARSE_SK_BAD], 1);
	for (int k = 13; k <= 14; k++) {
		g_autofree char *name = g_strdup_printf("seed-%d", k);
		const struct seed *s = seed_named(name);
		c = run_authenticated_counters(s->bytes->data + 1, s->bytes->len - 1, 0, k == 14);
		CU_ASSERT_EQUAL(c.reassembled, 1); /* IKE_AUTH in fragments */
		CU_ASSERT_EQUAL(c.frags_rx, k == 13 ? 3 : 4);
	}
	const struct seed *raw = seed_named("seed-raw-init");
	CU_ASSERT_PTR_NOT_NULL_FATAL(raw);
	struct run r;
	struct ike_endpoint *ep = responder_new(&r, 0, false);
	feed(ep, raw->bytes->data + 1, raw->bytes->len - 1, 0);
	CU_ASSERT_EQUAL(r.n_out, 1);
	CU_ASSERT_EQUAL(ike_half_open_count(ep), 1);
	ike_endpoint_free(ep);
	run_clear(&r);
}

/* GLib's own complaints (g_return_if_fail and the like): each is a bug of ours. */
static unsigned glib_complaints;

static void count_glib(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer user)
{
	(void)user;
	glib_complaints++;
	fprintf(stderr, "%s %d: %s\n", domain, (int)level, msg);
}

/* Regression: a reassembly left unfinished (fragment 1 of 2 only, then fragment 1 of 3 of the
 * same message, which starts over) freed its missing slots through g_byte_array_unref(NULL), a
 * GLib critical at every start-over and at every SA's end (found by the raw-datagram mode). */
static void test_unfinished_reassembly(void)
{
	load_seeds();
	GByteArray *in = g_byte_array_new();
	seed_auth(in, false, true, false, false);
	static const uint8_t f1of2[] = { 0, 1, 0, 2, 0, 0, 0, 0 }, f1of3[] = { 0, 1, 0, 3, 0, 0, 0, 0 };
	record_bytes(in, 0x0a, IKE_PL_NOTIFY, f1of2, sizeof f1of2);
	record_bytes(in, 0x1a, IKE_PL_NOTIFY, f1of3, sizeof f1of3);
	unsigned before = glib_complaints;
	struct ike_counters c = run_authenticated_counters(in->data, in->len, 0, 0);
	CU_ASSERT_EQUAL(c.established, 1);
	CU_ASSERT_EQUAL(c.frags_rx, 2);
	CU_ASSERT_EQUAL(c.reassembled, 0);
	CU_ASSERT_EQUAL(glib_complaints, before);
	g_byte_array_unref(in);
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* One random edit of buf (at least 1 byte long afterwards). */
static void mutate(GByteArray *b, uint64_t *rng)
{
	uint64_t r = splitmix(rng);
	size_t at = 1 + (size_t)(splitmix(rng) % MAX(b->len - 1, 1u)); /* keep the mode byte */
	if (at >= b->len)
		at = b->len - 1;
	switch (r % 7) {
	case 0: /* bit flip */
		b->data[at] ^= (uint8_t)(1u << (r >> 8 & 7));
		break;
	case 1: /* a boundary value */
	{
		static const uint8_t v[] = { 0, 1, 3, 4, 8, 0x7f, 0x80, 0xfe, 0xff };
		b->data[at] = v[(r >> 8) % sizeof v];
		break;
	}
	case 2: /* truncation */
		g_byte_array_set_size(b, (guint)MAX(at, 1u));
		break;
	case 3: /* insert a run of random bytes */
	{
		uint8_t run[16];
		size_t n = 1 + (r >> 8) % sizeof run;
		for (size_t i = 0; i < n; i++)
			run[i] = (uint8_t)splitmix(rng);
		size_t old = b->len;
		g_byte_array_set_size(b, (guint)(old + n));
		memmove(b->data + at + n, b->data + at, old - at);
		memcpy(b->data + at, run, n);
		break;
	}
	case 4: /* delete a run */
		g_byte_array_remove_range(b, (guint)at, (guint)MIN((size_t)(1 + (r >> 8) % 16), b->len - at));
		break;
	case 5: /* a payload type (known types, or SK/SKF inside the chain) */
	{
		static const uint8_t t[] = { IKE_PL_SA, IKE_PL_KE, IKE_PL_IDI, IKE_PL_CERT, IKE_PL_AUTH, IKE_PL_NONCE,
					     IKE_PL_NOTIFY, IKE_PL_DELETE, IKE_PL_TSI, IKE_PL_TSR, IKE_PL_SK, IKE_PL_CP,
					     IKE_PL_EAP, IKE_PL_SKF, 0 };
		b->data[at] = t[(r >> 8) % sizeof t];
		break;
	}
	default: /* the record header: flags */
		b->data[1 < b->len ? 1 : 0] ^= (uint8_t)(r >> 8);
		break;
	}
	if (b->len == 0)
		g_byte_array_append(b, (const uint8_t *)"\0", 1);
}

static void test_mutations(void)
{
	load_seeds();
	const char *env = g_getenv("VPNSIM_RESPONDER_EDITS");
	unsigned per_seed = env ? (unsigned)g_ascii_strtoull(env, NULL, 10) : RUNNING_ON_VALGRIND ? 150 : 1500;
	uint64_t rng = 42, execs = 0;
	for (guint i = 0; i < seeds->len; i++) {
		const struct seed *s = seeds->pdata[i];
		for (unsigned k = 0; k < per_seed; k++) {
			GByteArray *b = g_byte_array_new();
			g_byte_array_append(b, s->bytes->data, s->bytes->len);
			unsigned edits = 1 + (unsigned)(splitmix(&rng) % 4);
			for (unsigned e = 0; e < edits; e++)
				mutate(b, &rng);
			/* a private copy of exactly len bytes, so an over-read is caught */
			uint8_t *copy = g_memdup2(b->data, b->len);
			LLVMFuzzerTestOneInput(copy, b->len);
			g_free(copy);
			g_byte_array_unref(b);
			execs++;
		}
	}
	printf("\n    %" G_GUINT64_FORMAT " mutated inputs into the responder\n", execs);
	CU_ASSERT_EQUAL(execs, (uint64_t)per_seed * seeds->len);
	CU_ASSERT_EQUAL(glib_complaints, 0);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "seeds reach their exchanges", test_seeds_reach_their_exchanges },
		{ "unfinished reassembly", test_unfinished_reassembly },
		{ "mutated seeds", test_mutations },
		{ NULL, NULL },
	};
	g_log_set_handler("GLib", G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING, count_glib, NULL);
	int rc = cu_run("ike_responder_corpus", tests);
	if (seeds)
		g_ptr_array_free(seeds, TRUE);
	return rc;
}
