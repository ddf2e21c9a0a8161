/* test_traffic.c: traffic sources and sinks over real links: exact CBR timing and delay, outage
 * gaps across a link failure, Poisson and on/off mean rates, bulk at the first-hop rate. */
#include "models/traffic.h"
#include "sim/link.h"
#include "tests/cu.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

struct world {
	struct sim sim;
	struct sim_net net;
	struct traffic tr;
	struct sim_node *a, *b;
	struct sim_link *link;
};

/* a (10.0.0.1) --- 10 Mbit/s, 5 ms --- b (10.0.0.2) */
static void world_init(struct world *w, uint64_t seed)
{
	sim_init(&w->sim, seed);
	sim_net_init(&w->net, &w->sim);
	traffic_init(&w->tr, &w->net);
	w->a = sim_node_new(&w->net, "a");
	w->b = sim_node_new(&w->net, "b");
	struct sim_link_params p;
	sim_link_params_init(&p);
	p.rate_bps = 10000000;
	p.delay_ns = sim_ms(5);
	w->link = sim_net_connect(&w->net, "ab", w->a, IP(10, 0, 0, 1), w->b, IP(10, 0, 0, 2), 24, &p, NULL);
}

static void world_destroy(struct world *w)
{
	traffic_destroy(&w->tr);
	sim_net_destroy(&w->net);
	sim_destroy(&w->sim);
}

static struct traffic_flow_cfg flow_cfg(struct world *w, enum traffic_kind kind)
{
	struct traffic_flow_cfg c = {
		.name = "f", .kind = kind, .src = w->a, .dst = w->b, .sport = 4000, .dport = 5000,
		.pkt_bytes = 1000, .rate_bps = 1000000, .start_ns = 0, .stop_ns = sim_s(1),
	};
	return c;
}

static void test_cbr_exact(void)
{
	struct world w;
	world_init(&w, 1);
	struct traffic_flow_cfg c = flow_cfg(&w, TRAFFIC_CBR);
	struct traffic_flow *f = traffic_add_flow(&w.tr, &c, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	sim_run_until(&w.sim, sim_s(2));
	/* one 1000-byte packet every 8 ms in [0, 1 s): 125 packets, all delivered */
	CU_ASSERT_EQUAL(*f->c_tx_packets, 125);
	CU_ASSERT_EQUAL(*f->c_rx_packets, 125);
	CU_ASSERT_EQUAL(*f->c_rx_bytes, 125000);
	/* delay = 0.8 ms serialization + 5 ms propagation, exactly */
	CU_ASSERT_EQUAL(f->delay_min, sim_us(5800));
	CU_ASSERT_EQUAL(f->delay_max, sim_us(5800));
	CU_ASSERT_EQUAL(traffic_delay_mean(f), sim_us(5800));
	sim_time p50 = traffic_delay_quantile(f, 0.5);
	CU_ASSERT_TRUE(p50 >= sim_us(5800) && p50 <= sim_us(5800) * 103 / 100);
	CU_ASSERT_DOUBLE_EQUAL(traffic_loss_ratio(f), 0.0, 0);
	CU_ASSERT_DOUBLE_EQUAL(traffic_rx_bps(f, 0, sim_s(1)), 1e6, 1e4);
	struct traffic_gap g;
	CU_ASSERT_FALSE(traffic_gap_spanning(f, -1, 0, sim_now(&w.sim), &g));
	CU_ASSERT_EQUAL(sim_stats_get(&w.net.stats, "flow/f/rx_packets"), 125);
	world_destroy(&w);
}

static void test_outage_gap(void)
{
	struct world w;
	world_init(&w, 1);
	sim_link_schedule_state(w.link, sim_ms(300), false);
	sim_link_schedule_state(w.link, sim_ms(600), true);
	struct traffic_flow_cfg c = flow_cfg(&w, TRAFFIC_CBR);
	struct traffic_flow *f = traffic_add_flow(&w.tr, &c, NULL);
	sim_run_until(&w.sim, sim_s(2));
	/* last delivery: the packet sent at 288 ms (the one sent at 296 ms was in flight at 300 ms);
	 * first after: the packet sent at 600 ms, once the link is back. */
	struct traffic_gap g;
	CU_ASSERT_TRUE_FATAL(traffic_gap_spanning(f, sim_ms(450), 0, sim_now(&w.sim), &g));
	CU_ASSERT_EQUAL(g.from, sim_us(288000 + 5800));
	CU_ASSERT_EQUAL(g.to, sim_us(600000 + 5800));
	CU_ASSERT_FALSE(traffic_gap_spanning(f, sim_ms(100), 0, sim_now(&w.sim), &g));
	/* a fault at 290 ms: the gap starts 3.8 ms later (a packet was still in flight) */
	CU_ASSERT_FALSE(traffic_gap_spanning(f, sim_ms(290), 0, sim_now(&w.sim), &g));
	CU_ASSERT_TRUE(traffic_gap_spanning(f, sim_ms(290), sim_ms(5), sim_now(&w.sim), &g));
	CU_ASSERT_EQUAL(g.from, sim_us(293800));
	/* sent at 296, 304, ..., 592 ms: 38 packets lost */
	CU_ASSERT_EQUAL(*f->c_tx_packets - *f->c_rx_packets, 38);
	CU_ASSERT_DOUBLE_EQUAL(traffic_loss_ratio(f), 38.0 / 125.0, 1e-12);
	/* windows (by send time, whole 100 ms bins): none lost before 200 ms; of the 25 sent in
	 * [200, 400) ms, those from 296 ms on (13); every one sent in [300, 600) ms (37) */
	CU_ASSERT_DOUBLE_EQUAL(traffic_loss_ratio_sent(f, 0, sim_ms(200)), 0.0, 0);
	CU_ASSERT_DOUBLE_EQUAL(traffic_loss_ratio_sent(f, sim_ms(200), sim_ms(400)), 13.0 / 25.0, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(traffic_loss_ratio_sent(f, sim_ms(300), sim_ms(600)), 1.0, 0);
	CU_ASSERT_DOUBLE_EQUAL(traffic_loss_ratio_sent(f, sim_ms(600), sim_s(2)), 0.0, 0);
	/* the gap clipped to a window: none before it, all of a window inside it, and whole */
	sim_time now = sim_now(&w.sim);
	CU_ASSERT_EQUAL(traffic_longest_gap_within(f, 0, sim_ms(250), now), 0);
	CU_ASSERT_EQUAL(traffic_longest_gap_within(f, sim_ms(400), sim_ms(500), now), sim_ms(100));
	CU_ASSERT_EQUAL(traffic_longest_gap_within(f, sim_ms(250), sim_ms(700), now), sim_ms(312));
	CU_ASSERT_EQUAL(traffic_longest_gap_within(f, sim_ms(700), sim_s(2), now), 0);
	world_destroy(&w);
}

static void test_outage_until_end(void)
{
	struct world w;
	world_init(&w, 1);
	sim_link_schedule_state(w.link, sim_ms(500), false);
	struct traffic_flow_cfg c = flow_cfg(&w, TRAFFIC_CBR);
	struct traffic_flow *f = traffic_add_flow(&w.tr, &c, NULL);
	sim_run_until(&w.sim, sim_s(2));
	struct traffic_gap g;
	CU_ASSERT_TRUE_FATAL(traffic_gap_spanning(f, sim_ms(700), 0, sim_now(&w.sim), &g));
	CU_ASSERT_EQUAL(g.from, sim_us(488000 + 5800));
	CU_ASSERT_EQUAL(g.to, sim_s(1)); /* the source stopped at 1 s */
	world_destroy(&w);
}

static void test_poisson_and_onoff_rates(void)
{
	struct world w;
	world_init(&w, 7);
	struct traffic_flow_cfg c = flow_cfg(&w, TRAFFIC_POISSON);
	c.stop_ns = sim_s(100);
	struct traffic_flow *p = traffic_add_flow(&w.tr, &c, NULL);
	struct traffic_flow_cfg o = flow_cfg(&w, TRAFFIC_ONOFF);
	o.name = "onoff";
	o.dport = 5001;
	o.stop_ns = sim_s(100);
	o.on_mean_ns = sim_ms(100);
	o.off_mean_ns = sim_ms(300);
	struct traffic_flow *q = traffic_add_flow(&w.tr, &o, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	sim_run_until(&w.sim, sim_s(101));
	/* Poisson: 12500 expected in 100 s; sd = sqrt(12500) = 112: within 4 sd */
	CU_ASSERT_TRUE(*p->c_tx_packets > 12500 - 450 && *p->c_tx_packets < 12500 + 450);
	CU_ASSERT_EQUAL(*p->c_rx_packets, *p->c_tx_packets);
	/* on/off: on a quarter of the time on average (250 cycles of 400 ms): 3125 expected; the
	 * on-time share over 250 cycles has a standard deviation of about 5 %. */
	CU_ASSERT_TRUE(*q->c_tx_packets > 3125 * 80 / 100 && *q->c_tx_packets < 3125 * 120 / 100);
	CU_ASSERT_PTR_EQUAL(traffic_flow_by_name(&w.tr, "onoff"), q);
	world_destroy(&w);
}

static void test_bulk_and_errors(void)
{
	struct world w;
	world_init(&w, 1);
	struct traffic_flow_cfg c = flow_cfg(&w, TRAFFIC_BULK);
	c.stop_ns = sim_ms(100);
	struct traffic_flow *f = traffic_add_flow(&w.tr, &c, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	sim_run_until(&w.sim, sim_s(1));
	/* back to back at 10 Mbit/s: one 1000-byte packet per 800 us in 100 ms */
	CU_ASSERT_EQUAL(*f->c_rx_packets, 125);
	CU_ASSERT_EQUAL(f->delay_max, sim_us(5800)); /* never queued: paced at the link rate */
	GError *err = NULL;
	struct traffic_flow_cfg bad = flow_cfg(&w, TRAFFIC_CBR);
	bad.pkt_bytes = 40;
	CU_ASSERT_PTR_NULL(traffic_add_flow(&w.tr, &bad, &err));
	CU_ASSERT_PTR_NOT_NULL(err);
	g_clear_error(&err);
	bad = flow_cfg(&w, TRAFFIC_CBR);
	bad.rate_bps = 0;
	CU_ASSERT_PTR_NULL(traffic_add_flow(&w.tr, &bad, &err));
	g_clear_error(&err);
	bad = flow_cfg(&w, TRAFFIC_ONOFF);
	CU_ASSERT_PTR_NULL(traffic_add_flow(&w.tr, &bad, &err)); /* periods missing */
	g_clear_error(&err);
	world_destroy(&w);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "CBR: exact count, delay and rate", test_cbr_exact },
		{ "a link outage shows as the delivery gap spanning it", test_outage_gap },
		{ "an outage lasting to the end closes when the source stops", test_outage_until_end },
		{ "Poisson and on/off mean rates", test_poisson_and_onoff_rates },
		{ "bulk runs at the first-hop rate; bad configurations refused", test_bulk_and_errors },
		{ NULL, NULL },
	};
	return cu_run("traffic", tests);
}
