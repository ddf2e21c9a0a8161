/* test_models.c: the seed's topologies built in code, with real IKEv2 and ESP, asserting what
 * the mechanisms produce: an S2S tunnel carries traffic; active-standby failover outages
 * (unplanned 1-3 min, planned 10-15 s: azure-facts.md §2); active-active keeps flows with a
 * short gap and half the capacity; sites share a gateway fairly; Azure's rules refuse what they
 * must. */
#include "models/gateway.h"
#include "sim/log.h"
#include "tests/cu.h"

#include <math.h>

#define IP(a, b, c, d) SIM_IPV4(a, b, c, d)
#define GW_IP0 IP(20, 0, 0, 1)
#define GW_IP1 IP(20, 0, 0, 2)

struct rig {
	struct world w;
	struct gateway *gw;
	struct device *dev[16];
	struct sim_node *site_host[16];
	struct sim_node *vnet_host;
	int n;
};

static void rig_init(struct rig *r, const char *sku, bool aa, uint64_t seed)
{
	memset(r, 0, sizeof *r);
	world_init(&r->w, seed);
	struct gateway_cfg g = { .name = "azgw", .sku = azure_sku_find(sku, 0), .active_active = aa,
				 .public_ip = { GW_IP0, aa ? GW_IP1 : 0 }, .vnet = { { IP(10, 1, 0, 0), 16 } },
				 .n_vnet = 1 };
	GError *err = NULL;
	r->gw = gateway_new(&r->w, &g, &err);
	g_assert_no_error(err);
	r->vnet_host = gateway_add_host(r->gw, "vm", IP(10, 1, 0, 10), IP(10, 1, 0, 1));
}

/* Site i: 192.168.i.0/24 behind 203.0.113.(10+i), one tunnel per gateway IP. */
static struct device *add_site(struct rig *r, enum device_preset preset, size_t tunnels, uint64_t path_bps)
{
	int i = r->n++;
	uint32_t pub = IP(203, 0, 113, 10 + i);
	char name[32], host[32], conn[32];
	snprintf(name, sizeof name, "site%d", i);
	snprintf(host, sizeof host, "pc%d", i);
	snprintf(conn, sizeof conn, "conn%d", i);
	struct device_cfg d = { .name = name, .preset = preset, .public_ip = pub,
				.local = { { IP(192, 168, i, 0), 24 } }, .n_local = 1,
				.remote = { { IP(10, 1, 0, 0), 16 } }, .n_remote = 1,
				.gateway_ip = { GW_IP0, GW_IP1 }, .n_tunnels = tunnels, .psk = "s3cret-psk",
				.initiator = true, .start_ns = sim_ms(100 + 10 * i) };
	d.path_up = world_path(path_bps, sim_ms(10), 0, 0);
	d.path_down = d.path_up;
	GError *err = NULL;
	struct gw_connection_cfg c = { .name = conn, .site_ip = pub, .remote = { { IP(192, 168, i, 0), 24 } },
				       .n_remote = 1, .psk = "s3cret-psk" };
	CU_ASSERT_PTR_NOT_NULL(gateway_add_connection(r->gw, &c, &err));
	g_assert_no_error(err);
	r->dev[i] = device_new(&r->w, &d, &err);
	g_assert_no_error(err);
	r->site_host[i] = device_add_host(r->dev[i], host, IP(192, 168, i, 10), IP(192, 168, i, 1));
	return r->dev[i];
}

static void rig_destroy(struct rig *r)
{
	for (int i = 0; i < r->n; i++)
		device_free(r->dev[i]);
	gateway_free(r->gw);
	world_destroy(&r->w);
}

static struct traffic_flow *flow(struct rig *r, const char *name, struct sim_node *src, struct sim_node *dst,
				 enum traffic_kind kind, uint64_t bps, sim_time start, sim_time stop)
{
	struct traffic_flow_cfg c = { .name = name, .kind = kind, .src = src, .dst = dst, .sport = 4000,
				      .dport = 5000, .pkt_bytes = 1000, .rate_bps = bps, .start_ns = start,
				      .stop_ns = stop, .gap_min_ns = sim_ms(200) };
	GError *err = NULL;
	struct traffic_flow *f = traffic_add_flow(&r->w.tr, &c, &err);
	g_assert_no_error(err);
	return f;
}

static void crash_event(struct sim *sim, void *ctx, uint64_t arg)
{
	gateway_crash(ctx, (int)arg);
}

static void maintenance_event(struct sim *sim, void *ctx, uint64_t arg)
{
	gateway_maintenance(ctx, (int)arg, sim_min(5));
}

static void test_s2s_carries_traffic(void)
{
	struct rig r;
	rig_init(&r, "VpnGw1", false, 1);
	add_site(&r, DEVICE_GENERIC, 1, 100000000);
	struct traffic_flow *up = flow(&r, "up", r.site_host[0], r.vnet_host, TRAFFIC_CBR, 2000000, sim_s(2), sim_s(30));
	struct traffic_flow *down = flow(&r, "down", r.vnet_host, r.site_host[0], TRAFFIC_CBR, 2000000, sim_s(2), sim_s(30));
	sim_run_until(&r.w.sim, sim_s(32));
	CU_ASSERT_TRUE(device_tunnel_up(r.dev[0], 0));
	CU_ASSERT_EQUAL(gateway_tunnels_up(r.gw), 1);
	CU_ASSERT_EQUAL(*up->c_tx_packets, 7000);
	CU_ASSERT_EQUAL(*up->c_rx_packets, 7000);
	CU_ASSERT_EQUAL(*down->c_rx_packets, 7000);
	/* every packet crossed ESP: the gateway decrypted all of the upstream */
	CU_ASSERT_EQUAL(sim_stats_get(&r.w.net.stats, "ipsec/azgw-in0/tunnel/conn0/rx_packets"), 7000);
	/* the tunnel negotiated Azure's first ESP choice, AES-GCM-256: the core runs at GCM's rate */
	CU_ASSERT_EQUAL(((struct gw_connection *)r.gw->conns->pdata[0])->tun[0].core.rate_bps, 650000000u);
	rig_destroy(&r);
}

static sim_time outage_across(struct traffic_flow *f, sim_time t, sim_time now)
{
	struct traffic_gap g;
	return traffic_gap_spanning(f, t, sim_s(1), now, &g) ? g.to - g.from : 0;
}

static void test_active_standby_unplanned(void)
{
	struct rig r;
	rig_init(&r, "VpnGw1", false, 2);
	add_site(&r, DEVICE_GENERIC, 1, 100000000);
	struct traffic_flow *up = flow(&r, "up", r.site_host[0], r.vnet_host, TRAFFIC_CBR, 1000000, sim_s(2), sim_s(400));
	struct traffic_flow *down = flow(&r, "down", r.vnet_host, r.site_host[0], TRAFFIC_CBR, 1000000, sim_s(2), sim_s(400));
	sim_schedule_at(&r.w.sim, sim_s(100), crash_event, r.gw, 0);
	sim_run_until(&r.w.sim, sim_s(401));
	sim_time o_up = outage_across(up, sim_s(100), sim_now(&r.w.sim));
	sim_time o_down = outage_across(down, sim_s(100), sim_now(&r.w.sim));
	printf("\n    active-standby unplanned: outage up %.1f s, down %.1f s\n", sim_to_seconds(o_up),
	       sim_to_seconds(o_down));
	CU_ASSERT_TRUE(o_up >= sim_min(1) && o_up <= sim_min(3));
	CU_ASSERT_TRUE(o_down >= sim_min(1) && o_down <= sim_min(3));
	CU_ASSERT_EQUAL(r.gw->active, 1);
	CU_ASSERT_TRUE(device_tunnel_up(r.dev[0], 0));
	rig_destroy(&r);
}

static void test_active_standby_planned(void)
{
	struct rig r;
	rig_init(&r, "VpnGw1", false, 3);
	add_site(&r, DEVICE_GENERIC, 1, 100000000);
	struct traffic_flow *up = flow(&r, "up", r.site_host[0], r.vnet_host, TRAFFIC_CBR, 1000000, sim_s(2), sim_s(200));
	struct traffic_flow *down = flow(&r, "down", r.vnet_host, r.site_host[0], TRAFFIC_CBR, 1000000, sim_s(2), sim_s(200));
	sim_schedule_at(&r.w.sim, sim_s(100), maintenance_event, r.gw, 0);
	sim_run_until(&r.w.sim, sim_s(201));
	sim_time o_up = outage_across(up, sim_s(100), sim_now(&r.w.sim));
	sim_time o_down = outage_across(down, sim_s(100), sim_now(&r.w.sim));
	printf("\n    active-standby planned: outage up %.1f s, down %.1f s\n", sim_to_seconds(o_up),
	       sim_to_seconds(o_down));
	CU_ASSERT_TRUE(o_up >= sim_s(10) && o_up <= sim_s(15));
	CU_ASSERT_TRUE(o_down >= sim_s(10) && o_down <= sim_s(15));
	rig_destroy(&r);
}

/* Active-active, instance 0 crashes: flows pinned to instance 1 never notice; those pinned to
 * instance 0 move once the probes see it down; the device moves its own traffic to tunnel 1 once
 * its DPD declares tunnel 0 dead. Every gap is far shorter than active-standby's minute. */
static void test_active_active_crash(void)
{
	struct rig r;
	rig_init(&r, "VpnGw1", true, 4);
	add_site(&r, DEVICE_GENERIC, 2, 100000000);
	struct traffic_flow *down[6];
	for (int i = 0; i < 6; i++) {
		char name[16];
		snprintf(name, sizeof name, "down%d", i);
		down[i] = flow(&r, name, r.vnet_host, r.site_host[0], TRAFFIC_CBR, 500000, sim_s(2), sim_s(200));
		down[i]->cfg.sport = (uint16_t)(4000 + i); /* different 5-tuples: spread by the hash */
	}
	struct traffic_flow *up = flow(&r, "up", r.site_host[0], r.vnet_host, TRAFFIC_CBR, 1000000, sim_s(2), sim_s(200));
	sim_schedule_at(&r.w.sim, sim_s(100), crash_event, r.gw, 0);
	sim_run_until(&r.w.sim, sim_s(201));
	sim_time worst = 0;
	int hit = 0;
	for (int i = 0; i < 6; i++) {
		sim_time o = outage_across(down[i], sim_s(100), sim_now(&r.w.sim));
		hit += o > 0;
		worst = MAX(worst, o);
		CU_ASSERT_TRUE(*down[i]->c_rx_packets > *down[i]->c_tx_packets * 9 / 10);
	}
	sim_time o_up = outage_across(up, sim_s(100), sim_now(&r.w.sim));
	printf("\n    active-active crash: %d of 6 downstream flows interrupted, longest %.1f s; upstream %.1f s\n",
	       hit, sim_to_seconds(worst), sim_to_seconds(o_up));
	CU_ASSERT_TRUE(hit >= 1 && hit <= 5); /* the hash put flows on both instances */
	CU_ASSERT_TRUE(worst > 0 && worst <= sim_s(15));
	CU_ASSERT_TRUE(o_up > 0 && o_up <= sim_s(30));
	CU_ASSERT_TRUE(device_tunnel_up(r.dev[0], 1));
	rig_destroy(&r);
}

/* Active-active halves its capacity when an instance dies: each instance forwards at half the
 * SKU's aggregate (VpnGw1: 650 Mbit/s in all). Four bulk-ish flows of 300 Mbit/s offered. */
static void test_active_active_capacity(void)
{
	struct rig r;
	rig_init(&r, "VpnGw1", true, 5);
	add_site(&r, DEVICE_GENERIC, 2, 10000000000ull);
	struct traffic_flow *f[4];
	for (int i = 0; i < 4; i++) {
		char name[16];
		snprintf(name, sizeof name, "bulk%d", i);
		f[i] = flow(&r, name, r.vnet_host, r.site_host[0], TRAFFIC_CBR, 300000000, sim_s(3), sim_ms(3800));
		f[i]->cfg.pkt_bytes = 1400;
		f[i]->cfg.sport = (uint16_t)(4100 + i);
	}
	/* the vnet host's LAN must not be the bottleneck */
	sim_link_params(sim_net_link(&r.w.net, "lan-vm"), SIM_LINK_A2B)->rate_bps = 100000000000ull;
	sim_schedule_at(&r.w.sim, sim_ms(3400), crash_event, r.gw, 0);
	sim_run_until(&r.w.sim, sim_s(4));
	double before = 0, after = 0;
	for (int i = 0; i < 4; i++) {
		before += traffic_rx_bps(f[i], sim_ms(3200), sim_ms(3400));
		after += traffic_rx_bps(f[i], sim_ms(3600), sim_ms(3800));
	}
	printf("\n    active-active capacity: %.0f Mbit/s with both instances, %.0f Mbit/s with one\n", before / 1e6,
	       after / 1e6);
	CU_ASSERT_DOUBLE_EQUAL(before, 650e6, 650e6 * 0.06);
	CU_ASSERT_DOUBLE_EQUAL(after, 325e6, 325e6 * 0.06);
	rig_destroy(&r);
}

/* Ten sites on a VpnGw2 (1 Gbit/s aggregate, Gen1) each offer 200 Mbit/s of Poisson traffic:
 * they share the one active instance's processor, each getting about a tenth, fairly. (Perfectly
 * periodic sources would not: with drop-tail, CBR flows phase-lock and some are always the ones
 * that find the queue full, the phase effect Floyd and Jacobson described in 1992.) */
static void test_multisite_fairness(void)
{
	struct rig r;
	rig_init(&r, "VpnGw2", false, 6);
	struct traffic_flow *f[10];
	for (int i = 0; i < 10; i++)
		add_site(&r, DEVICE_GENERIC, 1, 1000000000);
	sim_link_params(sim_net_link(&r.w.net, "lan-vm"), SIM_LINK_B2A)->rate_bps = 100000000000ull;
	for (int i = 0; i < 10; i++) {
		char name[16];
		snprintf(name, sizeof name, "site%d", i);
		f[i] = flow(&r, name, r.site_host[i], r.vnet_host, TRAFFIC_POISSON, 200000000, sim_s(2), sim_ms(2600));
		f[i]->cfg.pkt_bytes = 1400;
	}
	sim_run_until(&r.w.sim, sim_ms(2700));
	double x[10], total = 0;
	for (int i = 0; i < 10; i++) {
		x[i] = traffic_rx_bps(f[i], sim_ms(2200), sim_ms(2600));
		total += x[i];
	}
	double jain = traffic_jain(x, 10);
	printf("\n    10 sites on VpnGw2: %.0f Mbit/s in all, Jain's index %.4f\n", total / 1e6, jain);
	CU_ASSERT_DOUBLE_EQUAL(total, 1e9, 1e9 * 0.05);
	CU_ASSERT_TRUE(jain > 0.98);
	rig_destroy(&r);
}

/* Azure's rules: PolicyBased only on Basic, one tunnel; no active-active on Basic; SKU tunnel
 * limits. */
static void test_azure_rules(void)
{
	struct world w;
	world_init(&w, 1);
	GError *err = NULL;
	struct gateway_cfg g = { .name = "pb", .sku = azure_sku_find("Basic", 0), .policy_based = true,
				 .public_ip = { GW_IP0 }, .vnet = { { IP(10, 1, 0, 0), 16 } }, .n_vnet = 1 };
	struct gateway *gw = gateway_new(&w, &g, &err);
	g_assert_no_error(err);
	struct gw_connection_cfg c = { .name = "a", .site_ip = IP(203, 0, 113, 1), .remote = { { IP(192, 168, 1, 0), 24 } },
				       .n_remote = 1, .psk = "k" };
	CU_ASSERT_PTR_NOT_NULL(gateway_add_connection(gw, &c, &err));
	c.name = "b";
	c.site_ip = IP(203, 0, 113, 2);
	CU_ASSERT_PTR_NULL(gateway_add_connection(gw, &c, &err));
	CU_ASSERT_PTR_NOT_NULL(err);
	if (err)
		CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "PolicyBased"));
	g_clear_error(&err);
	gateway_free(gw);
	g.name = "aa";
	g.policy_based = false;
	g.active_active = true;
	g.public_ip[1] = GW_IP1;
	CU_ASSERT_PTR_NULL(gateway_new(&w, &g, &err)); /* Basic has no active-active */
	g_clear_error(&err);
	g.name = "pb-vpngw1";
	g.sku = azure_sku_find("VpnGw1", 0);
	g.policy_based = true;
	g.active_active = false;
	CU_ASSERT_PTR_NULL(gateway_new(&w, &g, &err)); /* PolicyBased is Basic only */
	g_clear_error(&err);
	g.name = "limit";
	g.policy_based = false;
	g.active_active = true;
	gw = gateway_new(&w, &g, &err);
	g_assert_no_error(err);
	int ok = 0;
	for (int i = 0; i < 20; i++) { /* VpnGw1: 30 tunnels, two per connection in active-active */
		char name[8];
		snprintf(name, sizeof name, "c%d", i);
		c.name = name;
		c.site_ip = IP(203, 0, 114, i + 1);
		struct gw_connection *conn = gateway_add_connection(gw, &c, &err);
		ok += conn != NULL;
		g_clear_error(&err);
	}
	CU_ASSERT_EQUAL(ok, 15);
	gateway_free(gw);
	world_destroy(&w);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "an S2S tunnel with real IKEv2 and ESP carries traffic both ways", test_s2s_carries_traffic },
		{ "active-standby, unplanned: the outage is 1-3 min", test_active_standby_unplanned },
		{ "active-standby, planned maintenance: the outage is 10-15 s", test_active_standby_planned },
		{ "active-active, instance crash: short gaps only", test_active_active_crash },
		{ "active-active: half the capacity after an instance dies", test_active_active_capacity },
		{ "10 sites share a VpnGw2 fairly", test_multisite_fairness },
		{ "Azure's rules refuse what they must", test_azure_rules },
		{ NULL, NULL },
	};
	g_log_set_writer_func(sim_log_writer, NULL, NULL); /* log lines carry the simulated time */
	return cu_run("models", tests);
}
