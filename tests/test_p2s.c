/* test_p2s.c: point-to-site on the gateway model with real IKEv2 (certificates from the
 * deterministic test PKI, virtual IPs by configuration payload) and ESP: distinct virtual IPs,
 * traffic both ways with the VIP as inner address, the SKU's client limit, clients dropped by an
 * active-standby failover coming back to the new active instance, the reconnect back-off, Azure's
 * refusals (Basic, PolicyBased, small or overlapping pools), and S2S with P2S on one gateway. */
#include "models/p2s.h"
#include "sim/log.h"
#include "tests/cu.h"
#include "tests/ike_pair.h"

#define IP(a, b, c, d) SIM_IPV4(a, b, c, d)
#define GW_IP0 IP(20, 0, 0, 1)
#define GW_IP1 IP(20, 0, 0, 2)
#define POOL IP(172, 16, 0, 0)

static struct ike_pair_pki pki; /* node0: the clients' certificate, node1: the gateway's */

static struct p2s_auth client_auth(void)
{
	struct p2s_auth a = { .cert_der = pki.cert[0]->data, .cert_der_len = pki.cert[0]->len,
			      .key_der = pki.key[0]->data, .key_der_len = pki.key[0]->len,
			      .ca_der = pki.ca_cert->data, .ca_der_len = pki.ca_cert->len };
	return a;
}

static struct p2s_auth gateway_auth(void)
{
	struct p2s_auth a = { .cert_der = pki.cert[1]->data, .cert_der_len = pki.cert[1]->len,
			      .key_der = pki.key[1]->data, .key_der_len = pki.key[1]->len,
			      .ca_der = pki.ca_cert->data, .ca_der_len = pki.ca_cert->len };
	return a;
}

struct rig {
	struct world w;
	struct gateway *gw;
	struct sim_node *vm;
	struct p2s_group *g;
};

static void rig_init(struct rig *r, const char *sku, bool aa, unsigned pool_plen, uint64_t seed)
{
	memset(r, 0, sizeof *r);
	world_init(&r->w, seed);
	struct gateway_cfg g = { .name = "azgw", .sku = azure_sku_find(sku, 0), .active_active = aa,
				 .public_ip = { GW_IP0, aa ? GW_IP1 : 0 }, .vnet = { { IP(10, 1, 0, 0), 16 } },
				 .n_vnet = 1 };
	GError *err = NULL;
	r->gw = gateway_new(&r->w, &g, &err);
	g_assert_no_error(err);
	r->vm = gateway_add_host(r->gw, "vm", IP(10, 1, 0, 10), IP(10, 1, 0, 1));
	struct gw_p2s_cfg p = { .pool = { POOL, pool_plen }, .auth = gateway_auth() };
	CU_ASSERT_TRUE(gateway_enable_p2s(r->gw, &p, &err));
	g_assert_no_error(err);
}

static void rig_clients(struct rig *r, unsigned n, sim_time from, sim_time to, sim_time bmin, sim_time bmax)
{
	struct p2s_group_cfg c = { .name = "user", .count = n, .public_ip_base = IP(198, 51, 100, 1),
				   .arrive_from_ns = from, .arrive_to_ns = to, .backoff_min_ns = bmin,
				   .backoff_max_ns = bmax, .auth = client_auth() };
	GError *err = NULL;
	r->g = p2s_group_new(&r->w, r->gw, &c, &err);
	g_assert_no_error(err);
}

static void rig_destroy(struct rig *r)
{
	p2s_group_free(r->g);
	gateway_free(r->gw);
	world_destroy(&r->w);
}

static struct traffic_flow *flow(struct rig *r, const char *name, struct sim_node *src, struct sim_node *dst,
				 uint32_t dst_addr, sim_time start, sim_time stop)
{
	struct traffic_flow_cfg c = { .name = name, .kind = TRAFFIC_CBR, .src = src, .dst = dst, .dst_addr = dst_addr,
				      .sport = 4000, .dport = 5000, .pkt_bytes = 500, .rate_bps = 400000,
				      .start_ns = start, .stop_ns = stop };
	GError *err = NULL;
	struct traffic_flow *f = traffic_add_flow(&r->w.tr, &c, &err);
	g_assert_no_error(err);
	return f;
}

static uint64_t stat(struct rig *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static uint64_t stat(struct rig *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *name = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return sim_stats_get(&r->w.net.stats, name);
}

static sim_time first_attempt(const struct rig *r, unsigned i)
{
	return ((const struct p2s_client *)r->g->clients->pdata[i])->cfg.start_ns;
}

/* The three arrival patterns over [10 s, 20 s] for 41 clients: even is exact; uniform stays in
 * the window, unordered; poisson starts at 10 s with increasing times whose mean gap is near
 * 10 s / 41 (and its last may pass 20 s). Each is a pure function of the seed. */
static void test_arrivals(void)
{
	static const enum p2s_arrival kinds[] = { P2S_ARRIVAL_EVEN, P2S_ARRIVAL_UNIFORM, P2S_ARRIVAL_POISSON };
	for (unsigned k = 0; k < G_N_ELEMENTS(kinds); k++) {
		struct rig r;
		rig_init(&r, "VpnGw1", false, 24, 3);
		struct p2s_group_cfg c = { .name = "user", .count = 41, .public_ip_base = IP(198, 51, 100, 1),
					   .arrive_from_ns = sim_s(10), .arrive_to_ns = sim_s(20), .arrival = kinds[k],
					   .auth = client_auth() };
		GError *err = NULL;
		r.g = p2s_group_new(&r.w, r.gw, &c, &err);
		g_assert_no_error(err);
		bool in_window = true, increasing = true;
		for (unsigned i = 0; i < 41; i++) {
			in_window = in_window && first_attempt(&r, i) >= sim_s(10) && first_attempt(&r, i) <= sim_s(20);
			increasing = increasing && (i == 0 || first_attempt(&r, i) > first_attempt(&r, i - 1));
		}
		if (kinds[k] == P2S_ARRIVAL_EVEN) {
			CU_ASSERT_EQUAL(first_attempt(&r, 0), sim_s(10));
			CU_ASSERT_EQUAL(first_attempt(&r, 1), sim_ms(10250));
			CU_ASSERT_EQUAL(first_attempt(&r, 40), sim_s(20));
			CU_ASSERT_TRUE(increasing);
		} else if (kinds[k] == P2S_ARRIVAL_UNIFORM) {
			CU_ASSERT_TRUE(in_window);
			CU_ASSERT_FALSE(increasing);
		} else {
			CU_ASSERT_EQUAL(first_attempt(&r, 0), sim_s(10));
			CU_ASSERT_TRUE(increasing);
			double mean_gap = (double)(first_attempt(&r, 40) - first_attempt(&r, 0)) / 40;
			CU_ASSERT(mean_gap > 0.5 * 10e9 / 41 && mean_gap < 1.5 * 10e9 / 41);
		}
		rig_destroy(&r);
	}
}

/* 40 clients arrive over 10 s: each gets a CHILD SA and its own address from the pool. */
static void test_distinct_vips(void)
{
	struct rig r;
	rig_init(&r, "VpnGw1", false, 24, 11);
	rig_clients(&r, 40, sim_s(1), sim_s(10), 0, 0);
	sim_run_until(&r.w.sim, sim_s(20));
	CU_ASSERT_EQUAL(p2s_group_up(r.g), 40);
	CU_ASSERT_EQUAL(gateway_p2s_clients(r.gw), 40);
	CU_ASSERT_EQUAL(gateway_p2s_clients_on(r.gw, 0), 40);
	GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	for (unsigned i = 0; i < 40; i++) {
		struct p2s_client *c = p2s_group_client(r.g, i);
		uint32_t vip = p2s_client_vip(c);
		CU_ASSERT_TRUE(vip > POOL && vip < POOL + 255); /* inside the pool, not its network address */
		CU_ASSERT_FALSE(g_hash_table_contains(seen, GUINT_TO_POINTER(vip)));
		g_hash_table_add(seen, GUINT_TO_POINTER(vip));
		CU_ASSERT_EQUAL(c->t->iface->addr, vip);
		CU_ASSERT_EQUAL(*c->c_attempts, 1);
		CU_ASSERT_TRUE(c->last_up >= c->cfg.start_ns && c->last_up < c->cfg.start_ns + sim_s(1));
	}
	CU_ASSERT_EQUAL(g_hash_table_size(seen), 40);
	g_hash_table_destroy(seen);
	/* certificates, not a PSK, authenticated them: the gateway verified 40 client certificates */
	CU_ASSERT_EQUAL(stat(&r, "gateway/azgw/p2s/connects"), 40);
	CU_ASSERT_EQUAL(gateway_p2s_refused(r.gw), 0);
	rig_destroy(&r);
}

struct src_check {
	uint32_t want;
	uint64_t match, other;
};

/* Counts UDP packets for port 5000 arriving at the VM by inner source address. */
static void src_tap(void *ctx, sim_time t, const uint8_t *data, size_t len)
{
	struct src_check *s = ctx;
	if (len < 28 || data[9] != 17 || sim_get32(data + 16) != IP(10, 1, 0, 10) || (data[22] << 8 | data[23]) != 5000)
		return;
	if (sim_get32(data + 12) == s->want)
		s->match++;
	else
		s->other++;
}

/* A client talks to a VM in the VNet and back: every packet crosses real ESP, with the VIP as
 * the inner address both ways. */
static void test_traffic_both_ways(void)
{
	struct rig r;
	rig_init(&r, "VpnGw1", false, 24, 12);
	rig_clients(&r, 3, sim_s(1), sim_s(2), 0, 0);
	sim_run_until(&r.w.sim, sim_s(5));
	struct p2s_client *c = p2s_group_client(r.g, 1);
	uint32_t vip = p2s_client_vip(c);
	CU_ASSERT_NOT_EQUAL(vip, 0);
	struct src_check chk = { .want = vip };
	sim_node_add_tap(r.vm, src_tap, &chk);
	struct traffic_flow *up = flow(&r, "up", c->node, r.vm, 0, sim_s(6), sim_s(16));
	struct traffic_flow *down = flow(&r, "down", r.vm, c->node, vip, sim_s(6), sim_s(16));
	sim_run_until(&r.w.sim, sim_s(17));
	CU_ASSERT_EQUAL(*up->c_tx_packets, 1000);
	CU_ASSERT_EQUAL(*up->c_rx_packets, 1000);
	CU_ASSERT_EQUAL(*down->c_tx_packets, 1000);
	CU_ASSERT_EQUAL(*down->c_rx_packets, 1000);
	CU_ASSERT_EQUAL(chk.match, 1000);
	CU_ASSERT_EQUAL(chk.other, 0);
	/* through the client's own tunnel on the gateway, decrypted and encrypted there */
	CU_ASSERT_EQUAL(stat(&r, "ipsec/azgw-in0/tunnel/p2s-198.51.100.2/rx_packets"), 1000);
	CU_ASSERT_EQUAL(stat(&r, "ipsec/azgw-in0/tunnel/p2s-198.51.100.2/tx_packets"), 1000);
	CU_ASSERT_EQUAL(stat(&r, "ipsec/user1/tunnel/vpn/tx_packets"), 1000);
	rig_destroy(&r);
}

/* VpnGw1 takes 250 IKEv2 clients (§1): of 262, 12 are refused (INTERNAL_ADDRESS_FAILURE in
 * IKE_AUTH), counted, and keep retrying with back-off. */
static void test_sku_limit(void)
{
	struct rig r;
	rig_init(&r, "VpnGw1", false, 16, 13);
	rig_clients(&r, 262, sim_s(1), sim_s(20), sim_s(5), sim_s(60));
	sim_run_until(&r.w.sim, sim_s(90));
	unsigned refused_clients = 0;
	for (unsigned i = 0; i < 262; i++)
		refused_clients += *p2s_group_client(r.g, i)->c_refused > 0;
	printf("\n    VpnGw1: %u clients up, %u refused (%" G_GUINT64_FORMAT " refusals)\n", p2s_group_up(r.g),
	       refused_clients, gateway_p2s_refused(r.gw));
	CU_ASSERT_EQUAL(p2s_group_up(r.g), 250);
	CU_ASSERT_EQUAL(gateway_p2s_clients(r.gw), 250);
	CU_ASSERT_EQUAL(refused_clients, 12);
	CU_ASSERT_TRUE(gateway_p2s_refused(r.gw) > 12); /* they came back and were refused again */
	rig_destroy(&r);
}

static void crash_event(struct sim *sim, void *ctx, uint64_t arg)
{
	gateway_crash(ctx, (int)arg);
}

/* Active-standby, instance 0 crashes at 60 s: all clients are dropped (§2), none can come back
 * before the standby owns the public IP (60 s takeover delay after detection), and each returns,
 * to instance 1, once its DPD gave up (probe after 30 s of silence, strongSwan's 165 s of
 * retransmissions) plus one back-off (1-1.5 s). */
static void test_failover_drops_and_reconnects(void)
{
	struct rig r;
	rig_init(&r, "VpnGw1", false, 24, 14);
	rig_clients(&r, 20, sim_s(1), sim_s(5), 0, 0);
	sim_schedule_at(&r.w.sim, sim_s(60), crash_event, r.gw, 0);
	sim_run_until(&r.w.sim, sim_s(61));
	CU_ASSERT_EQUAL(gateway_p2s_clients(r.gw), 0);
	CU_ASSERT_EQUAL(stat(&r, "gateway/azgw/p2s/failover_drops"), 20);
	sim_run_until(&r.w.sim, sim_s(300));
	CU_ASSERT_EQUAL(r.gw->active, 1);
	CU_ASSERT_EQUAL(gateway_p2s_clients_on(r.gw, 1), 20);
	CU_ASSERT_EQUAL(p2s_group_up(r.g), 20);
	sim_time lo = INT64_MAX, hi = 0;
	for (unsigned i = 0; i < 20; i++) {
		struct p2s_client *c = p2s_group_client(r.g, i);
		CU_ASSERT_EQUAL(*c->c_drops, 1);
		CU_ASSERT_EQUAL(*c->c_connects, 2);
		lo = MIN(lo, c->last_up);
		hi = MAX(hi, c->last_up);
	}
	printf("\n    failover at 60 s: clients back between %.1f s and %.1f s\n", sim_to_seconds(lo), sim_to_seconds(hi));
	CU_ASSERT_TRUE(lo >= sim_s(60 + 60));
	CU_ASSERT_TRUE(lo >= sim_s(60) + sim_ms(165060));
	CU_ASSERT_TRUE(hi <= sim_s(60 + 30) + sim_ms(165060) + sim_ms(1500) + sim_s(1));
	rig_destroy(&r);
}

static void delete_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct gateway *gw = ctx;
	ike_delete(gw->inst[0].ike.ep, arg, sim_now(sim));
}

/* The gateway deletes one client's IKE SA: that client alone is dropped and is back one back-off
 * (1-1.5 s) and a handshake later, with an address from the pool again. */
static void test_delete_reconnects(void)
{
	struct rig r;
	rig_init(&r, "VpnGw1", false, 24, 19);
	rig_clients(&r, 5, sim_s(1), sim_s(2), 0, 0);
	sim_run_until(&r.w.sim, sim_s(5));
	CU_ASSERT_EQUAL(p2s_group_up(r.g), 5);
	struct ike_endpoint *ep = r.gw->inst[0].ike.ep;
	uint64_t sa = ike_sa_find_established(ep, 0); /* peer 0: the P2S peer (no S2S connection) */
	uint32_t vip = ike_sa_vip(ep, sa);
	CU_ASSERT_NOT_EQUAL(vip, 0);
	struct p2s_client *victim = NULL;
	for (unsigned i = 0; i < 5; i++)
		if (p2s_client_vip(p2s_group_client(r.g, i)) == vip)
			victim = p2s_group_client(r.g, i);
	CU_ASSERT_PTR_NOT_NULL_FATAL(victim);
	sim_schedule_at(&r.w.sim, sim_s(10), delete_event, r.gw, sa);
	sim_run_until(&r.w.sim, sim_s(20));
	for (unsigned i = 0; i < 5; i++) {
		struct p2s_client *c = p2s_group_client(r.g, i);
		CU_ASSERT_TRUE(p2s_client_up(c));
		CU_ASSERT_EQUAL(*c->c_drops, c == victim ? 1 : 0);
		CU_ASSERT_EQUAL(*c->c_connects, c == victim ? 2 : 1);
	}
	CU_ASSERT_TRUE(victim->last_down >= sim_s(10) && victim->last_down < sim_s(10) + sim_ms(100));
	CU_ASSERT_TRUE(victim->last_up >= victim->last_down + sim_s(1));
	CU_ASSERT_TRUE(victim->last_up <= victim->last_down + sim_ms(1500) + sim_ms(500));
	CU_ASSERT_EQUAL(gateway_p2s_clients(r.gw), 5);
	CU_ASSERT_EQUAL(stat(&r, "gateway/azgw/p2s/disconnects"), 1);
	rig_destroy(&r);
}

/* Active-active, instance 0 crashes: its clients are dropped and come back through the other
 * public IP (a client tries the gateway's addresses in turn), to instance 1's half of the pool;
 * instance 1's clients never notice. */
static void test_active_active_crash(void)
{
	struct rig r;
	rig_init(&r, "VpnGw1", true, 24, 20);
	rig_clients(&r, 10, sim_s(1), sim_s(3), 0, 0);
	sim_schedule_at(&r.w.sim, sim_s(30), crash_event, r.gw, 0);
	sim_run_until(&r.w.sim, sim_s(260));
	CU_ASSERT_EQUAL(gateway_p2s_clients_on(r.gw, 0), 0);
	CU_ASSERT_EQUAL(gateway_p2s_clients_on(r.gw, 1), 10);
	for (unsigned i = 0; i < 10; i++) {
		struct p2s_client *c = p2s_group_client(r.g, i);
		uint32_t vip = p2s_client_vip(c);
		CU_ASSERT_TRUE(vip >= POOL + 128 && vip < POOL + 255);
		CU_ASSERT_EQUAL(*c->c_drops, i % 2 ? 0 : 1);
		CU_ASSERT_EQUAL(c->target, i % 2 ? 0 : 1); /* their second gateway address */
	}
	rig_destroy(&r);
}

/* A gateway address nobody answers: attempts fail after 1 s (one transmission) and come back
 * after 1, 2, 4, 8, 16, 16, ... s (each stretched by up to 50 %, never beyond 16 s). */
static void test_backoff(void)
{
	struct world w;
	world_init(&w, 15);
	struct p2s_client_cfg cfg = { .name = "lonely", .public_ip = IP(198, 51, 100, 7), .gateway_ip = { GW_IP0 },
				      .n_gateway_ip = 1, .routes = { { IP(10, 1, 0, 0), 16 } }, .n_routes = 1,
				      .auth = client_auth(), .backoff_min_ns = sim_s(1), .backoff_max_ns = sim_s(16),
				      .retransmit = { .timeout_ns = sim_s(1), .base = 1.0, .tries = 0 } };
	GError *err = NULL;
	struct p2s_client *c = p2s_client_new(&w, &cfg, &err);
	g_assert_no_error(err);
	/* attempt starts: 0, then each after 1 s + back-off: with the shortest back-offs by 87 s, with
	 * the longest by 94.5 s, the tenth not before 104 s */
	sim_run_until(&w.sim, sim_s(100));
	CU_ASSERT_EQUAL(*c->c_attempts, 9);
	CU_ASSERT_EQUAL(*c->c_connects, 0);
	CU_ASSERT_FALSE(p2s_client_up(c));
	p2s_client_free(c);
	world_destroy(&w);
}

/* Azure's rules: no IKEv2 P2S on Basic or PolicyBased; the pool at least /29 (/28 active-active),
 * apart from the VNet; no limit above the SKU's; a certificate or key is needed. */
static void test_refusals(void)
{
	struct world w;
	world_init(&w, 16);
	GError *err = NULL;
	struct gw_p2s_cfg p = { .pool = { POOL, 24 }, .auth = gateway_auth() };
	struct gateway_cfg g = { .name = "basic", .sku = azure_sku_find("Basic", 0), .public_ip = { GW_IP0 },
				 .vnet = { { IP(10, 1, 0, 0), 16 } }, .n_vnet = 1 };
	struct gateway *gw = gateway_new(&w, &g, &err);
	g_assert_no_error(err);
	CU_ASSERT_FALSE(gateway_enable_p2s(gw, &p, &err));
	CU_ASSERT_TRUE(err && strstr(err->message, "IKEv2 P2S"));
	g_clear_error(&err);
	gateway_free(gw);
	g.name = "pb";
	g.policy_based = true;
	gw = gateway_new(&w, &g, &err);
	g_assert_no_error(err);
	CU_ASSERT_FALSE(gateway_enable_p2s(gw, &p, &err));
	CU_ASSERT_PTR_NOT_NULL(err);
	g_clear_error(&err);
	CU_ASSERT_PTR_NULL(gw->p2s);
	gateway_free(gw);
	g.name = "aa";
	g.policy_based = false;
	g.sku = azure_sku_find("VpnGw1", 0);
	g.active_active = true;
	g.public_ip[1] = GW_IP1;
	gw = gateway_new(&w, &g, &err);
	g_assert_no_error(err);
	p.pool.plen = 29; /* enough for active-standby, not for active-active */
	CU_ASSERT_FALSE(gateway_enable_p2s(gw, &p, &err));
	g_clear_error(&err);
	p.pool = (struct device_prefix){ IP(10, 1, 200, 0), 24 }; /* inside the VNet */
	CU_ASSERT_FALSE(gateway_enable_p2s(gw, &p, &err));
	CU_ASSERT_TRUE(err && strstr(err->message, "overlaps"));
	g_clear_error(&err);
	p.pool = (struct device_prefix){ POOL, 16 };
	p.max_clients = 251;
	CU_ASSERT_FALSE(gateway_enable_p2s(gw, &p, &err));
	g_clear_error(&err);
	p.max_clients = 0;
	p.auth.key_der = NULL;
	CU_ASSERT_FALSE(gateway_enable_p2s(gw, &p, &err));
	g_clear_error(&err);
	p.auth = gateway_auth();
	CU_ASSERT_TRUE(gateway_enable_p2s(gw, &p, &err));
	g_assert_no_error(err);
	CU_ASSERT_FALSE(gateway_enable_p2s(gw, &p, &err)); /* once */
	g_clear_error(&err);
	gateway_free(gw);
	world_destroy(&w);
}

/* A site (S2S, PSK) and P2S clients (certificates) on one VpnGw2: the site's connection is added
 * after P2S was enabled (the P2S peer must still match last), and everybody's traffic flows. */
static void test_s2s_and_p2s(void)
{
	struct rig r;
	rig_init(&r, "VpnGw2", false, 24, 17);
	GError *err = NULL;
	struct gw_connection_cfg cc = { .name = "conn0", .site_ip = IP(203, 0, 113, 10),
					.remote = { { IP(192, 168, 0, 0), 24 } }, .n_remote = 1, .psk = "s3cret-psk" };
	CU_ASSERT_PTR_NOT_NULL(gateway_add_connection(r.gw, &cc, &err));
	g_assert_no_error(err);
	struct device_cfg d = { .name = "site0", .preset = DEVICE_GENERIC, .public_ip = IP(203, 0, 113, 10),
				.local = { { IP(192, 168, 0, 0), 24 } }, .n_local = 1,
				.remote = { { IP(10, 1, 0, 0), 16 } }, .n_remote = 1, .gateway_ip = { GW_IP0 },
				.n_tunnels = 1, .psk = "s3cret-psk", .initiator = true, .start_ns = sim_ms(500) };
	d.path_up = world_path(100000000, sim_ms(10), 0, 0);
	d.path_down = d.path_up;
	struct device *dev = device_new(&r.w, &d, &err);
	g_assert_no_error(err);
	struct sim_node *pc = device_add_host(dev, "pc0", IP(192, 168, 0, 10), IP(192, 168, 0, 1));
	rig_clients(&r, 4, sim_s(1), sim_s(3), 0, 0);
	sim_run_until(&r.w.sim, sim_s(5));
	CU_ASSERT_TRUE(device_tunnel_up(dev, 0));
	CU_ASSERT_EQUAL(gateway_tunnels_up(r.gw), 1);
	CU_ASSERT_EQUAL(gateway_p2s_clients(r.gw), 4);
	struct p2s_client *c = p2s_group_client(r.g, 3);
	struct traffic_flow *f[4] = {
		flow(&r, "site-up", pc, r.vm, 0, sim_s(6), sim_s(10)),
		flow(&r, "site-down", r.vm, pc, 0, sim_s(6), sim_s(10)),
		flow(&r, "p2s-up", c->node, r.vm, 0, sim_s(6), sim_s(10)),
		flow(&r, "p2s-down", r.vm, c->node, p2s_client_vip(c), sim_s(6), sim_s(10)),
	};
	sim_run_until(&r.w.sim, sim_s(11));
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(*f[i]->c_tx_packets, 400);
		CU_ASSERT_EQUAL(*f[i]->c_rx_packets, 400);
	}
	device_free(dev);
	rig_destroy(&r);
}

/* Active-active: each instance hands out addresses from its half of the pool; traffic to a client
 * goes to the instance holding its address. */
static void test_active_active_halves(void)
{
	struct rig r;
	rig_init(&r, "VpnGw1", true, 24, 18);
	rig_clients(&r, 10, sim_s(1), sim_s(3), 0, 0);
	sim_run_until(&r.w.sim, sim_s(6));
	CU_ASSERT_EQUAL(gateway_p2s_clients_on(r.gw, 0), 5);
	CU_ASSERT_EQUAL(gateway_p2s_clients_on(r.gw, 1), 5);
	for (unsigned i = 0; i < 10; i++) {
		uint32_t vip = p2s_client_vip(p2s_group_client(r.g, i));
		bool upper = vip >= POOL + 128 && vip < POOL + 255, lower = vip > POOL && vip < POOL + 128;
		CU_ASSERT_TRUE(i % 2 ? upper : lower);
	}
	struct p2s_client *c = p2s_group_client(r.g, 1);
	struct traffic_flow *down = flow(&r, "down", r.vm, c->node, p2s_client_vip(c), sim_s(7), sim_s(9));
	sim_run_until(&r.w.sim, sim_s(10));
	CU_ASSERT_EQUAL(*down->c_rx_packets, 200);
	CU_ASSERT_EQUAL(stat(&r, "ipsec/azgw-in1/tunnel/p2s-198.51.100.2/tx_packets"), 200);
	rig_destroy(&r);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "P2S clients get distinct virtual IPs from the pool", test_distinct_vips },
		{ "VNet <-> P2S client traffic crosses ESP with the VIP as inner address", test_traffic_both_ways },
		{ "the SKU's IKEv2 client limit is enforced (VpnGw1: 250)", test_sku_limit },
		{ "active-standby failover drops all clients; they reconnect to the new active", test_failover_drops_and_reconnects },
		{ "reconnect back-off doubles up to its maximum", test_backoff },
		{ "arrival patterns: even, uniform, poisson", test_arrivals },
		{ "a client whose IKE SA the gateway deletes reconnects after its back-off", test_delete_reconnects },
		{ "active-active crash: instance 0's clients move to instance 1", test_active_active_crash },
		{ "Basic, PolicyBased, small or overlapping pools are refused", test_refusals },
		{ "S2S and P2S on one gateway", test_s2s_and_p2s },
		{ "active-active: the pool split by instance", test_active_active_halves },
		{ NULL, NULL },
	};
	g_log_set_writer_func(sim_log_writer, NULL, NULL);
	ike_pair_pki_make(&pki, 2026, 1024);
	int rc = cu_run("p2s", tests);
	ike_pair_pki_free(&pki);
	return rc;
}
