/* test_determinism.c: the same scenario and seed, run twice in one process, give byte-identical
 * captures and identical counters and series (the whole registry walked); another seed differs.
 * Scenarios: the netdemo, and a busier one with jitter (with and without reordering),
 * Gilbert-Elliott loss, a link flap and traffic both ways. */
#include "sim/link.h"
#include "sim/netdemo.h"
#include "sim/pcap.h"
#include "tests/cu.h"

#include <glib/gstdio.h>
#include <inttypes.h>
#include <string.h>

static char *tmpdir;

static char *tmp_path(const char *name)
{
	return g_build_filename(tmpdir, name, NULL);
}

static GBytes *slurp(const char *path)
{
	gchar *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &data, &len, NULL))
		return g_bytes_new(NULL, 0);
	return g_bytes_new_take(data, len);
}

static void test_netdemo_twice(void)
{
	g_autofree char *p1 = tmp_path("demo1.pcap"), *p2 = tmp_path("demo2.pcap"), *p3 = tmp_path("demo3.pcap");
	GString *r1 = g_string_new(NULL), *r2 = g_string_new(NULL), *r3 = g_string_new(NULL);
	CU_ASSERT_EQUAL(sim_netdemo_run(7, p1, r1), 0);
	CU_ASSERT_EQUAL(sim_netdemo_run(7, p2, r2), 0);
	CU_ASSERT_EQUAL(sim_netdemo_run(8, p3, r3), 0);
	GBytes *b1 = slurp(p1), *b2 = slurp(p2), *b3 = slurp(p3);
	CU_ASSERT_TRUE(g_bytes_get_size(b1) > 1000000); /* ~2400 frames of 1028 bytes */
	CU_ASSERT_TRUE(g_bytes_equal(b1, b2));
	CU_ASSERT_FALSE(g_bytes_equal(b1, b3));
	CU_ASSERT_STRING_EQUAL(r1->str, r2->str);
	CU_ASSERT_STRING_NOT_EQUAL(r1->str, r3->str);
	/* a path that cannot be created is reported, not fatal */
	GString *r4 = g_string_new(NULL);
	g_autofree char *bad = tmp_path("no/such/dir/x.pcap");
	CU_ASSERT_EQUAL(sim_netdemo_run(7, bad, r4), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r4->str, "cannot create"));
	g_bytes_unref(b1);
	g_bytes_unref(b2);
	g_bytes_unref(b3);
	g_string_free(r1, TRUE);
	g_string_free(r2, TRUE);
	g_string_free(r3, TRUE);
	g_string_free(r4, TRUE);
}

/* ---- the busier scenario ---- */

struct busy {
	struct sim sim;
	struct sim_net net;
	struct sim_node *a, *r, *b;
	uint64_t a_sent, b_sent;
	struct sim_series *rx;
};

static void sink(struct sim_node *node, struct sim_pkt *pkt, const struct sim_rx_info *info, void *ctx)
{
	struct busy *w = ctx;
	(void)info;
	sim_series_add(w->rx, sim_net_now(node->net), (double)pkt->len);
	sim_pkt_free(pkt);
}

/* arg: 0 for a -> b, 1 for b -> a; Poisson-ish sends from the test's own stream */
struct source {
	struct busy *w;
	struct sim_rng rng;
	int dir;
};

static void source_tick(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)arg;
	struct source *s = ctx;
	struct busy *w = s->w;
	struct sim_pkt *p = sim_net_pkt(&w->net);
	uint32_t len = 64 + sim_rng_below(&s->rng, 1300);
	sim_rng_bytes(&s->rng, sim_pkt_put(p, len), len);
	if (s->dir == 0) {
		w->a_sent++;
		sim_node_send_udp(w->a, 0, 1000, sim_node_addr(w->b), 2000, p);
	} else {
		w->b_sent++;
		sim_node_send_udp(w->b, 0, 2000, sim_node_addr(w->a), 1000, p);
	}
	sim_time gap = (sim_time)sim_rng_exponential(&s->rng, 300000.0) + 1;
	if (sim_now(sim) + gap < sim_s(3))
		sim_schedule_in(sim, gap, source_tick, s, 0);
}

static void walk_counter(void *ctx, const char *name, uint64_t v)
{
	g_string_append_printf(ctx, "%s=%" PRIu64 "\n", name, v);
}

static void walk_series(void *ctx, const struct sim_series *s)
{
	g_string_append_printf(ctx, "%s:", s->name);
	for (size_t i = 0; i < sim_series_len(s); i++)
		g_string_append_printf(ctx, " %.17g", sim_series_bin(s, i));
	g_string_append_c(ctx, '\n');
}

/* Runs the busy scenario with seed; captures into dir/<tag>-*.pcap; returns the registry dump. */
static GString *run_busy(uint64_t seed, const char *tag)
{
	struct busy *w = g_new0(struct busy, 1);
	sim_init(&w->sim, seed);
	sim_net_init(&w->net, &w->sim);
	w->a = sim_node_new(&w->net, "a");
	w->r = sim_node_new(&w->net, "r");
	w->b = sim_node_new(&w->net, "b");
	sim_node_set_forwarding(w->r, true);
	struct sim_link_params p1, p2;
	sim_link_params_init(&p1);
	p1.rate_bps = 20000000;
	p1.delay_ns = sim_ms(3);
	p1.jitter = SIM_JITTER_UNIFORM;
	p1.jitter_ns = sim_ms(1);
	p1.reorder = true;
	p1.ge_enabled = true;
	p1.ge_p_gb = 0.02;
	p1.ge_p_bg = 0.3;
	p1.ge_loss_bad = 0.8;
	p1.queue_limit_bytes = 20000;
	sim_link_params_init(&p2);
	p2.rate_bps = 15000000;
	p2.delay_ns = sim_ms(7);
	p2.jitter = SIM_JITTER_NORMAL;
	p2.jitter_ns = sim_us(500);
	p2.loss = 0.02;
	p2.queue_limit_bytes = 30000;
	struct sim_link *l1 = sim_net_connect(&w->net, "a-r", w->a, SIM_IPV4(10, 1, 0, 1), w->r, SIM_IPV4(10, 1, 0, 2), 30,
					      &p1, NULL);
	struct sim_link *l2 = sim_net_connect(&w->net, "r-b", w->r, SIM_IPV4(10, 2, 0, 1), w->b, SIM_IPV4(10, 2, 0, 2), 30,
					      &p2, NULL);
	sim_route_add(w->a, 0, 0, SIM_IPV4(10, 1, 0, 2), NULL, NULL);
	sim_route_add(w->b, 0, 0, SIM_IPV4(10, 2, 0, 1), NULL, NULL);
	sim_node_set_udp_handler(w->a, 1000, sink, w);
	sim_node_set_udp_handler(w->b, 2000, sink, w);
	w->rx = sim_stats_series(&w->net.stats, "busy/rx_bytes", sim_ms(100));
	sim_link_schedule_state(l2, sim_ms(1200), false);
	sim_link_schedule_state(l2, sim_ms(1700), true);

	g_autofree char *n1 = g_strdup_printf("%s-link.pcap", tag), *n2 = g_strdup_printf("%s-node.pcap", tag);
	g_autofree char *path1 = tmp_path(n1), *path2 = tmp_path(n2);
	struct sim_pcap *pc1 = sim_pcap_open(path1, NULL), *pc2 = sim_pcap_open(path2, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pc1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(pc2);
	sim_link_add_tap(l1, SIM_LINK_A2B, sim_pcap_tap, pc1);
	sim_link_add_tap(l1, SIM_LINK_B2A, sim_pcap_tap, pc1);
	sim_node_add_tap(w->r, sim_pcap_tap, pc2);

	struct source s0 = { w, { { 0 } }, 0 }, s1 = { w, { { 0 } }, 1 };
	sim_rng_stream(&s0.rng, seed, "src/a");
	sim_rng_stream(&s1.rng, seed, "src/b");
	sim_schedule_at(&w->sim, 0, source_tick, &s0, 0);
	sim_schedule_at(&w->sim, 0, source_tick, &s1, 0);
	sim_run(&w->sim);

	GString *dump = g_string_new(NULL);
	sim_stats_foreach_counter(&w->net.stats, walk_counter, dump);
	sim_stats_foreach_series(&w->net.stats, walk_series, dump);
	g_string_append_printf(dump, "sent %" PRIu64 " %" PRIu64 " end %" PRId64 " events %" PRIu64 "\n", w->a_sent,
			       w->b_sent, sim_now(&w->sim), w->sim.events_run);
	CU_ASSERT_TRUE(sim_pcap_close(pc1, NULL));
	CU_ASSERT_TRUE(sim_pcap_close(pc2, NULL));
	CU_ASSERT_EQUAL(w->net.pool.in_use, 0);
	sim_net_destroy(&w->net);
	sim_destroy(&w->sim);
	g_free(w);
	return dump;
}

static void test_busy_twice(void)
{
	GString *d1 = run_busy(11, "x1"), *d2 = run_busy(11, "x2"), *d3 = run_busy(12, "x3");
	CU_ASSERT_STRING_EQUAL(d1->str, d2->str);
	CU_ASSERT_STRING_NOT_EQUAL(d1->str, d3->str);
	/* the scenario did exercise what it claims */
	CU_ASSERT_PTR_NOT_NULL(strstr(d1->str, "link/r-b/a2b/drop_down="));
	CU_ASSERT_PTR_NULL(strstr(d1->str, "link/r-b/a2b/drop_down=0\n"));
	CU_ASSERT_PTR_NULL(strstr(d1->str, "link/a-r/a2b/drop_loss=0\n"));
	const char *names[] = { "link.pcap", "node.pcap" };
	for (int i = 0; i < 2; i++) {
		g_autofree char *n1 = g_strdup_printf("x1-%s", names[i]), *n2 = g_strdup_printf("x2-%s", names[i]),
				*n3 = g_strdup_printf("x3-%s", names[i]);
		g_autofree char *a = tmp_path(n1), *b = tmp_path(n2), *c = tmp_path(n3);
		GBytes *ba = slurp(a), *bb = slurp(b), *bc = slurp(c);
		CU_ASSERT_TRUE(g_bytes_get_size(ba) > 100000);
		CU_ASSERT_TRUE(g_bytes_equal(ba, bb));
		CU_ASSERT_FALSE(g_bytes_equal(ba, bc));
		g_bytes_unref(ba);
		g_bytes_unref(bb);
		g_bytes_unref(bc);
	}
	g_string_free(d1, TRUE);
	g_string_free(d2, TRUE);
	g_string_free(d3, TRUE);
}

static void rm_rf(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;
	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, name, NULL);
		g_remove(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

int main(void)
{
	tmpdir = g_dir_make_tmp("vpnsim-det-XXXXXX", NULL);
	if (!tmpdir)
		return 99;
	static const struct cu_test tests[] = {
		{ "netdemo: same seed, same pcap and report; another seed differs", test_netdemo_twice },
		{ "jitter, GE loss, flap, two-way traffic: same seed, same registry and pcaps", test_busy_twice },
		{ NULL, NULL },
	};
	int rc = cu_run("determinism", tests);
	rm_rf(tmpdir);
	g_free(tmpdir);
	return rc;
}
