/* test_trace.c: packet pool, counter/series registry, pcap writer (byte layout) and log format. */
#include "sim/log.h"
#include "sim/pcap.h"
#include "sim/pkt.h"
#include "sim/stats.h"
#include "tests/cu.h"

#include <glib/gstdio.h>
#include <string.h>

static void test_pkt_room_and_pool(void)
{
	struct sim_pkt_pool pool;
	sim_pkt_pool_init(&pool, 2048, 128);
	struct sim_pkt *p = sim_pkt_alloc(&pool);
	CU_ASSERT_EQUAL(p->len, 0);
	CU_ASSERT_EQUAL(sim_pkt_headroom(p), 128);
	CU_ASSERT_EQUAL(sim_pkt_tailroom(p), 2048 - 128);
	memcpy(sim_pkt_put(p, 4), "data", 4);
	memcpy(sim_pkt_push(p, 3), "hdr", 3);
	CU_ASSERT_EQUAL(p->len, 7);
	CU_ASSERT_EQUAL(memcmp(sim_pkt_data(p), "hdrdata", 7), 0);
	CU_ASSERT_EQUAL(sim_pkt_headroom(p), 125);
	sim_pkt_pull(p, 3);
	CU_ASSERT_EQUAL(memcmp(sim_pkt_data(p), "data", 4), 0);
	sim_pkt_trim(p, 2);
	CU_ASSERT_EQUAL(p->len, 2);
	struct sim_pkt *c = sim_pkt_clone(p);
	CU_ASSERT_EQUAL(memcmp(sim_pkt_data(c), "da", 2), 0);
	CU_ASSERT_NOT_EQUAL(c->uid, p->uid);
	CU_ASSERT_EQUAL(pool.in_use, 2);
	sim_pkt_free(p);
	sim_pkt_free(c);
	CU_ASSERT_EQUAL(pool.in_use, 0);
	/* recycling: a thousand alloc/free cycles create no new buffers */
	for (int i = 0; i < 1000; i++) {
		struct sim_pkt *a = sim_pkt_alloc(&pool), *b = sim_pkt_alloc(&pool);
		CU_ASSERT_EQUAL(a->len, 0);
		CU_ASSERT_EQUAL(sim_pkt_headroom(b), 128);
		sim_pkt_free(a);
		sim_pkt_free(b);
	}
	CU_ASSERT_EQUAL(pool.allocated, 2);
	sim_pkt_pool_destroy(&pool);
}

struct walk {
	GString *s;
};

static void visit_counter(void *ctx, const char *name, uint64_t v)
{
	struct walk *w = ctx;
	g_string_append_printf(w->s, "%s=%llu;", name, (unsigned long long)v);
}

static void visit_series(void *ctx, const struct sim_series *s)
{
	struct walk *w = ctx;
	g_string_append_printf(w->s, "%s[", s->name);
	for (size_t i = 0; i < sim_series_len(s); i++)
		g_string_append_printf(w->s, "%g,", sim_series_bin(s, i));
	g_string_append(w->s, "];");
}

static void test_stats_registry(void)
{
	struct sim_stats st;
	sim_stats_init(&st);
	uint64_t *b = sim_stats_counter(&st, "link/b/tx");
	uint64_t *a = sim_stats_counterf(&st, "link/%s/tx", "a");
	(*b) += 2;
	(*a)++;
	CU_ASSERT_PTR_EQUAL(sim_stats_counter(&st, "link/a/tx"), a); /* stable, found again */
	CU_ASSERT_EQUAL(sim_stats_get(&st, "link/b/tx"), 2);
	CU_ASSERT_EQUAL(sim_stats_get(&st, "missing"), 0);
	struct sim_series *s = sim_stats_series(&st, "flow/1/bytes", sim_ms(100));
	sim_series_add(s, sim_ms(0), 100);
	sim_series_add(s, sim_ms(99), 50);
	sim_series_add(s, sim_ms(100), 7);
	sim_series_add(s, sim_ms(350), 1);
	CU_ASSERT_EQUAL(sim_series_len(s), 4);
	CU_ASSERT_DOUBLE_EQUAL(sim_series_bin(s, 0), 150, 0);
	CU_ASSERT_DOUBLE_EQUAL(sim_series_bin(s, 2), 0, 0);
	CU_ASSERT_DOUBLE_EQUAL(sim_series_bin(s, 3), 1, 0);
	sim_stats_series(&st, "a/series", sim_s(1));
	struct walk w = { g_string_new(NULL) };
	sim_stats_foreach_counter(&st, visit_counter, &w);
	sim_stats_foreach_series(&st, visit_series, &w);
	/* walked in name order, whatever the order of creation */
	CU_ASSERT_STRING_EQUAL(w.s->str, "link/a/tx=1;link/b/tx=2;a/series[];flow/1/bytes[150,7,0,1,];");
	g_string_free(w.s, TRUE);
	sim_stats_destroy(&st);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_pcap_layout(void)
{
	g_autofree char *dir = g_dir_make_tmp("vpnsim-pcap-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "t.pcap", NULL);
	GError *err = NULL;
	struct sim_pcap *pc = sim_pcap_open(path, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pc);
	uint8_t pkt[20] = { 0x45 };
	sim_pcap_write(pc, sim_s(3) + 123456789, pkt, sizeof pkt);
	sim_pcap_tap(pc, sim_s(4), pkt, 10);
	CU_ASSERT_EQUAL(sim_pcap_records(pc), 2);
	CU_ASSERT_TRUE(sim_pcap_close(pc, &err));
	gchar *data;
	gsize len;
	CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &data, &len, NULL));
	CU_ASSERT_EQUAL_FATAL(len, 24 + 16 + 20 + 16 + 10);
	const uint8_t *d = (const uint8_t *)data;
	CU_ASSERT_EQUAL(le32(d), 0xa1b23c4du);  /* nanosecond magic */
	CU_ASSERT_EQUAL(le32(d + 20), 101);     /* LINKTYPE_RAW */
	CU_ASSERT_EQUAL(le32(d + 24), 3);       /* seconds */
	CU_ASSERT_EQUAL(le32(d + 28), 123456789); /* nanoseconds */
	CU_ASSERT_EQUAL(le32(d + 32), 20);
	CU_ASSERT_EQUAL(d[40], 0x45);
	CU_ASSERT_EQUAL(le32(d + 60), 4);
	g_free(data);
	g_unlink(path);
	g_rmdir(dir);
	/* an unwritable path is a clear error, not a crash */
	CU_ASSERT_PTR_NULL(sim_pcap_open("/nonexistent-dir/x.pcap", &err));
	CU_ASSERT_PTR_NOT_NULL(err);
	if (err)
		CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "/nonexistent-dir/x.pcap"));
	g_clear_error(&err);
}

static void test_time_format(void)
{
	char buf[32];
	CU_ASSERT_STRING_EQUAL(sim_time_format(sim_s(12) + 345, buf, sizeof buf), "12.000000345");
	CU_ASSERT_STRING_EQUAL(sim_time_format(0, buf, sizeof buf), "0.000000000");
	CU_ASSERT_STRING_EQUAL(sim_time_format(-sim_ms(1500), buf, sizeof buf), "-1.500000000");
	CU_ASSERT_EQUAL(sim_tx_time(1500, 10000000), 1200000); /* 1500 B at 10 Mbit/s: 1.2 ms */
	CU_ASSERT_EQUAL(sim_tx_time(1, 3), 2666666667);        /* rounded up, never faster */
	CU_ASSERT_EQUAL(sim_from_seconds(1.5e-9), 2);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "packet head/tailroom and pool recycling", test_pkt_room_and_pool },
		{ "counters and series walked in name order", test_stats_registry },
		{ "pcap file layout: nanosecond magic, LINKTYPE_RAW, records", test_pcap_layout },
		{ "time formatting and serialization delay", test_time_format },
		{ NULL, NULL },
	};
	return cu_run("trace", tests);
}
