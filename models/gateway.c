/* gateway.c: instances, VNet dispatch, connections, health probes, takeover, maintenance. */
#include "models/gateway.h"

#include <string.h>

#include "models/ipsec/ike_consts.h"
#include "models/p2s.h"
#include "sim/log.h"

GQuark gateway_error_quark(void);
G_DEFINE_QUARK(gateway-error-quark, gateway_error)
#define GW_ERROR (gateway_error_quark())

static sim_time now_of(const struct gateway *gw)
{
	return sim_now(&gw->w->sim);
}

static void log_instance(const struct gateway *gw, int i, const char *what)
{
	sim_log(now_of(gw), "gateway", G_LOG_LEVEL_INFO, "%s: instance %d %s", gw->name, i, what);
}

/* ---- per-tunnel capacity by negotiated cipher (azure-facts.md §7) ---- */

static enum azure_cipher cipher_of(const struct ike_child_info *c)
{
	return c->encr == IKE_ENCR_AES_GCM_16 ? AZURE_CIPHER_GCMAES256 : AZURE_CIPHER_AES256_SHA256;
}

static struct gw_tunnel *tunnel_of(struct gw_instance *ins, const struct ipsec_tunnel *it)
{
	struct gateway *gw = ins->gw;
	for (guint i = 0; i < gw->conns->len; i++) {
		struct gw_connection *c = gw->conns->pdata[i];
		if (c->tun[ins->idx].t == it)
			return &c->tun[ins->idx];
	}
	return NULL;
}

static bool same_prefix(const struct device_prefix *a, const struct device_prefix *b)
{
	return a->addr == b->addr && a->plen == b->plen;
}

/* On instance ins, each prefix of connection c goes out the tunnel of the first connection
 * (in configuration order) announcing that prefix whose tunnel here is up; when none is, the
 * first such connection's (its packets are then dropped for want of an SA). Connections with
 * the same prefixes are one network behind two devices (dual redundancy, azure-facts.md §2). */
static void reroute_instance(struct gw_instance *ins, const struct gw_connection *c)
{
	struct gateway *gw = ins->gw;
	for (size_t p = 0; p < c->cfg.n_remote; p++) {
		const struct device_prefix *px = &c->cfg.remote[p];
		struct gw_tunnel *first = NULL, *up = NULL;
		for (guint i = 0; i < gw->conns->len && !up; i++) {
			struct gw_connection *o = gw->conns->pdata[i];
			for (size_t q = 0; q < o->cfg.n_remote; q++) {
				if (!same_prefix(px, &o->cfg.remote[q]))
					continue;
				if (!first)
					first = &o->tun[ins->idx];
				if (o->tun[ins->idx].up)
					up = &o->tun[ins->idx];
				break;
			}
		}
		struct gw_tunnel *pick = up ? up : first;
		if (pick && pick->t)
			sim_route_add(ins->node, px->addr, px->plen, 0, pick->t->iface, NULL);
	}
}

static void on_child_up(void *ctx, struct ike_node *k, const struct ike_child_info *c, struct ipsec_tunnel *it)
{
	struct gw_instance *ins = ctx;
	struct gw_tunnel *t = it ? tunnel_of(ins, it) : NULL;
	if (!t) {
		if (it && ins->gw->p2s)
			gw_p2s_child_up(ins->gw->p2s, ins->idx, c, it);
		return;
	}
	const struct azure_sku *sku = ins->gw->cfg.sku;
	if (sku->has_tunnel_rates) {
		struct azure_rate r = sku->tunnel[cipher_of(c)];
		t->core.rate_bps = r.bps;
		t->core.rate_pps = r.pps;
	}
	if (!t->up) {
		(*t->c_ups)++;
		t->last_change = now_of(ins->gw);
		sim_time at = t->last_change;
		g_array_append_val(t->up_times, at);
	}
	bool was_up = t->up;
	t->up = true;
	t->routable = true;
	if (!was_up)
		reroute_instance(ins, t->conn);
}

static void on_child_down(void *ctx, struct ike_node *k, const struct ike_child_info *c, struct ipsec_tunnel *it,
			  enum ike_down_reason why)
{
	struct gw_instance *ins = ctx;
	struct gw_tunnel *t = it ? tunnel_of(ins, it) : NULL;
	if (!t && it && ins->gw->p2s) {
		gw_p2s_child_down(ins->gw->p2s, ins->idx, c, it);
		return;
	}
	if (!t || it->out_sa)
		return;
	if (t->up) {
		(*t->c_downs)++;
		t->last_change = now_of(ins->gw);
		g_array_append_val(t->down_times, t->last_change);
	}
	t->up = false;
	t->routable = false;
	reroute_instance(ins, t->conn);
}

/* P2S: a client's first CHILD SA on this instance gets a tunnel of its own. */
static struct ipsec_tunnel *on_tunnel_needed(void *ctx, struct ike_node *k, const struct ike_child_info *c)
{
	struct gw_instance *ins = ctx;
	return ins->gw->p2s ? gw_p2s_tunnel_needed(ins->gw->p2s, ins->idx, c) : NULL;
}

static void on_ike_state(void *ctx, struct ike_node *k, uint64_t sa_id, enum ike_sa_state old_state,
			 enum ike_sa_state new_state)
{
	struct gw_instance *ins = ctx;
	if (ins->gw->p2s)
		gw_p2s_ike_state(ins->gw->p2s, ins->idx, sa_id, new_state);
}

static const struct ike_node_hooks hooks = {
	.child_up = on_child_up,
	.child_down = on_child_down,
	.ike_state = on_ike_state,
	.tunnel_needed = on_tunnel_needed,
};

/* ---- IKE peers ---- */

/* The public IP instance i answers on. */
static uint32_t instance_ip(const struct gateway *gw, int i)
{
	return gw->cfg.active_active ? gw->cfg.public_ip[i] : gw->cfg.public_ip[0];
}

void gateway_peer_cfg(const struct gateway_cfg *g, const struct gw_connection_cfg *c, int instance,
		      struct ike_peer_cfg *out)
{
	struct ike_peer_cfg p;
	memset(&p, 0, sizeof p);
	uint32_t ip = g->active_active ? g->public_ip[instance] : g->public_ip[0];
	p.local.ip = ip;
	p.remote.ip = c->site_ip;
	p.local_id.type = IKE_ID_IPV4_ADDR;
	p.local_id.len = 4;
	for (int b = 0; b < 4; b++)
		p.local_id.data[b] = (uint8_t)(ip >> (24 - 8 * b));
	size_t n = strlen(c->psk);
	p.psk_len = MIN(n, sizeof p.psk);
	memcpy(p.psk, c->psk, p.psk_len);
	policy_azure_default(&p, g->policy_based, c->dpd_timeout_ns ? c->dpd_timeout_ns : g->dpd_timeout_ns);
	if (c->ike_version == 1) {
		p.ike_version = 1;
		ike1_azure_proposals(&p);
		p.ike1_p1_rekey = IKE1_P1_REKEY_BREAK_BEFORE_MAKE;
	}
	policy_apply_custom(&p, &c->policy);
	if (c->policy_based_ts || g->policy_based) {
		p.n_local_ts = policy_ts_of_prefixes(g->vnet, g->n_vnet, p.local_ts);
		p.n_remote_ts = policy_ts_of_prefixes(c->remote, c->n_remote, p.remote_ts);
	} else {
		/* route-based: one any-to-any SA; narrower proposals are refused */
		p.local_ts[0] = policy_ts_of_prefix(0, 0);
		p.remote_ts[0] = policy_ts_of_prefix(0, 0);
		p.n_local_ts = p.n_remote_ts = 1;
		p.ts_require_cover = true;
	}
	*out = p;
}

static void add_peer(struct gw_instance *ins, struct gw_connection *c)
{
	struct ike_peer_cfg p;
	gateway_peer_cfg(&ins->gw->cfg, &c->cfg, ins->idx, &p);
	g_autofree char *name = g_strdup_printf("%s-i%d", c->name, ins->idx);
	p.name = name;
	GError *err = NULL;
	c->tun[ins->idx].peer = ike_peer_add(ins->ike.ep, &p, &err);
	g_assert_no_error(err);
	ike_node_bind_tunnel(&ins->ike, c->cfg.site_ip, c->tun[ins->idx].t);
}

/* S2S peers first, the P2S peer (any remote address) last: a responder takes the first peer
 * that matches a datagram. */
static void add_all_peers(struct gw_instance *ins)
{
	for (guint i = 0; i < ins->gw->conns->len; i++)
		add_peer(ins, ins->gw->conns->pdata[i]);
	if (ins->gw->p2s)
		gw_p2s_add_peer(ins->gw->p2s, ins->idx);
}

static void initiate_all(struct gw_instance *ins)
{
	for (guint i = 0; i < ins->gw->conns->len; i++) {
		struct gw_connection *c = ins->gw->conns->pdata[i];
		ike_initiate(ins->ike.ep, c->tun[ins->idx].peer, now_of(ins->gw));
	}
}

/* ---- the VNet side: flows pinned to instances by hash ---- */

static uint32_t flow_hash(const uint8_t *ip, uint32_t len)
{
	uint32_t h = 2166136261u;
	unsigned ihl = (ip[0] & 0x0f) * 4u;
	uint32_t n = 12 + 8; /* protocol .. addresses */
	for (uint32_t i = 9; i < n && i < len; i++)
		if (i == 9 || i >= 12)
			h = (h ^ ip[i]) * 16777619u;
	if (ip[9] == 17 || ip[9] == 6)
		for (uint32_t i = ihl; i < ihl + 4 && i < len; i++) /* ports */
			h = (h ^ ip[i]) * 16777619u;
	/* FNV's low bits are weak (odd multiplier: bit 0 is the parity of the input's bit 0s, so
	 * ports 10000/20000 and 10001/20001 collide mod 2): mix before the modulo (murmur3's
	 * finaliser) */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* With BGP, whether instance i has a routable tunnel of any connection whose site prefixes hold
 * dst (several connections may announce one network: dual redundancy). */
static bool instance_routes(const struct gateway *gw, int i, uint32_t dst)
{
	for (guint k = 0; k < gw->conns->len; k++) {
		const struct gw_connection *c = gw->conns->pdata[k];
		for (size_t p = 0; p < c->cfg.n_remote; p++)
			if (sim_ipv4_in_prefix(dst, c->cfg.remote[p].addr, c->cfg.remote[p].plen) && c->tun[i].routable)
				return true;
	}
	return false;
}

/* Active-standby: everything goes to the instance holding the public IP. Active-active: among
 * the instances the probes see up (and, with BGP, whose tunnel to the destination's site is up
 * as far as the gateway knows: a crashed instance's tunnels look up until the probes notice),
 * the flow's hash picks one. */
static void dispatch(struct sim_iface *iface, struct sim_pkt *pkt, void *ctx)
{
	struct gateway *gw = ctx;
	int pick = gw->active;
	int p2s = gw->p2s && gw->cfg.active_active ? gw_p2s_instance_for(gw->p2s, sim_get32(sim_pkt_data(pkt) + 16)) : -1;
	if (p2s >= 0) {
		pick = gw->inst[p2s].seen_up ? p2s : -1; /* a client's address lives on one instance */
	} else if (gw->cfg.active_active) {
		const uint8_t *ip = sim_pkt_data(pkt);
		uint32_t dst = sim_get32(ip + 16);
		int ups[2], n = 0;
		for (int i = 0; i < 2; i++)
			if (gw->inst[i].seen_up && (!gw->cfg.bgp || instance_routes(gw, i, dst)))
				ups[n++] = i;
		pick = n ? ups[flow_hash(ip, pkt->len) % (uint32_t)n] : -1;
	}
	if (pick < 0) {
		(*gw->c_dispatch_drops)++;
		sim_pkt_free(pkt);
		return;
	}
	sim_iface_send(gw->inst[pick].vnet_end, pkt);
}

/* ---- health probes and takeover ---- */

static void take_over(struct gateway *gw, int to, bool initiate)
{
	struct gw_instance *from = &gw->inst[gw->active], *ins = &gw->inst[to];
	sim_iface_set_addr(from->vip, 0);
	sim_iface_set_addr(ins->vip, gw->cfg.public_ip[0]);
	world_route_public(gw->w, gw->cfg.public_ip[0], world_router_end(ins->wan));
	gw->active = to;
	(*gw->c_takeovers)++;
	log_instance(gw, to, "owns the public IP");
	if (initiate)
		initiate_all(ins);
}

static void takeover_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct gateway *gw = ctx;
	gw->takeover_ev = 0;
	int to = (int)(arg & 1);
	bool planned = arg >> 1;
	if (!gw->inst[to].alive)
		return; /* nobody to take over: the IP stays dark */
	take_over(gw, to, planned);
}

static void probe_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct gateway *gw = ctx;
	for (int i = 0; i < 2; i++) {
		struct gw_instance *ins = &gw->inst[i];
		if (ins->alive) {
			ins->misses = 0;
			ins->seen_up = true;
			continue;
		}
		if (++ins->misses < gw->cfg.health_probe_threshold || !ins->seen_up)
			continue;
		ins->seen_up = false;
		(*ins->c_detected_down)++;
		log_instance(gw, i, "detected down");
		if (!gw->cfg.active_active && gw->active == i && !gw->takeover_ev)
			gw->takeover_ev = sim_schedule_in(sim, gw->cfg.takeover_delay_ns, takeover_event, gw,
							  (uint64_t)(1 - i));
	}
	sim_schedule_in(sim, gw->cfg.health_probe_interval_ns, probe_event, gw, 0);
}

/* ---- building ---- */

static void instance_init(struct gateway *gw, int i)
{
	struct world *w = gw->w;
	struct gw_instance *ins = &gw->inst[i];
	ins->gw = gw;
	ins->idx = i;
	ins->alive = ins->seen_up = true;
	g_autofree char *name = g_strdup_printf("%s-in%d", gw->name, i);
	ins->node = sim_node_new(&w->net, name);
	sim_node_set_forwarding(ins->node, true);
	g_autofree char *bb = g_strdup_printf("backbone-%s", name);
	ins->wan = world_attach(w, ins->node, bb, 0, &gw->cfg.backbone, NULL);
	uint32_t ip = instance_ip(gw, i);
	bool owns = gw->cfg.active_active || i == 0;
	ins->vip = sim_node_add_iface(ins->node, owns ? ip : 0, 32, 1500);
	if (owns)
		world_route_public(w, ip, world_router_end(ins->wan));
	/* The link to the VNet router: the instance on a GatewaySubnet-like /30. */
	struct sim_link_params lan = world_path(10000000000ull, sim_us(50), 0, 0);
	uint32_t base = (w->next_infra + 3) & ~3u, a = base + 1, r = base + 2;
	w->next_infra = base + 4;
	g_autofree char *ln = g_strdup_printf("vnet-%s", name);
	struct sim_link *l = sim_net_connect(&w->net, ln, ins->node, a, gw->vnet, r, 30, &lan, NULL);
	ins->vnet_end = l->end[1];
	for (size_t p = 0; p < gw->cfg.n_vnet; p++) {
		GError *err = NULL;
		sim_route_add(ins->node, gw->cfg.vnet[p].addr, gw->cfg.vnet[p].plen, r, NULL, &err);
		g_assert_no_error(err);
	}
	ipsec_node_init(&ins->in, ins->node);
	struct ike_endpoint_cfg ecfg = { 0 };
	ecfg.cookie_threshold = gateway_cookie_threshold(&gw->cfg);
	ike_node_init(&ins->ike, &ins->in, &ecfg, &hooks, ins);
	ins->ike.keylog = w->keylog;
	uint64_t rate = gw->cfg.sku->aggregate_bps;
	if (gw->cfg.active_active)
		rate /= 2; /* the pair totals the SKU's aggregate */
	g_autofree char *cname = g_strdup_printf("%s/cpu", name);
	cap_server_init(&ins->cap, &w->sim, &w->net.stats, cname, rate, 0, gw->cfg.queue_bytes, ipsec_cap_done, &ins->in);
	ipsec_node_set_capacity(&ins->in, &ins->cap);
	ins->c_crashes = sim_stats_counterf(&w->net.stats, "gateway/%s/in%d/crashes", gw->name, i);
	ins->c_detected_down = sim_stats_counterf(&w->net.stats, "gateway/%s/in%d/detected_down", gw->name, i);
}

struct gateway *gateway_new(struct world *w, const struct gateway_cfg *cfg, GError **err)
{
	const struct azure_sku *sku = cfg->sku;
	const char *name = cfg->name ? cfg->name : "gw";
	if (!sku) {
		g_set_error(err, GW_ERROR, 1, "gateway %s: no SKU", name);
		return NULL;
	}
	if (cfg->policy_based && (!sku->policy_based || cfg->active_active)) {
		g_set_error(err, GW_ERROR, 2, "gateway %s: PolicyBased needs the Basic SKU and active-standby (azure-facts.md §3)",
			    name);
		return NULL;
	}
	if (cfg->active_active && !sku->active_active) {
		g_set_error(err, GW_ERROR, 3, "gateway %s: %s does not support active-active (azure-facts.md §1)", name,
			    sku->name);
		return NULL;
	}
	if (cfg->n_vnet < 1 || cfg->n_vnet > GW_MAX_PREFIXES || !cfg->public_ip[0] ||
	    (cfg->active_active && !cfg->public_ip[1])) {
		g_set_error(err, GW_ERROR, 4, "gateway %s: needs 1..%d VNet prefixes and %d public IP(s)", name,
			    GW_MAX_PREFIXES, cfg->active_active ? 2 : 1);
		return NULL;
	}
	struct gateway *gw = g_new0(struct gateway, 1);
	gw->w = w;
	gw->cfg = *cfg;
	gw->name = g_strdup(name);
	gw->cfg.name = gw->name;
	if (!gw->cfg.dpd_timeout_ns)
		gw->cfg.dpd_timeout_ns = GW_DEFAULT_DPD_TIMEOUT_NS;
	if (!gw->cfg.health_probe_interval_ns)
		gw->cfg.health_probe_interval_ns = GW_DEFAULT_PROBE_INTERVAL_NS;
	if (!gw->cfg.health_probe_threshold)
		gw->cfg.health_probe_threshold = GW_DEFAULT_PROBE_THRESHOLD;
	if (!gw->cfg.takeover_delay_ns)
		gw->cfg.takeover_delay_ns = GW_DEFAULT_TAKEOVER_DELAY_NS;
	if (!gw->cfg.planned_handover_ns)
		gw->cfg.planned_handover_ns = GW_DEFAULT_PLANNED_HANDOVER_NS;
	if (!gw->cfg.queue_bytes)
		gw->cfg.queue_bytes = GW_DEFAULT_QUEUE_BYTES;
	if (!gw->cfg.tunnel_queue_bytes)
		gw->cfg.tunnel_queue_bytes = GW_DEFAULT_TUNNEL_QUEUE_BYTES;
	if (!gw->cfg.backbone.rate_bps)
		gw->cfg.backbone = world_path(10000000000ull, sim_ms(1), 0, 0);
	g_autofree char *stream = g_strdup_printf("gateway/%s", gw->name);
	sim_rng_stream(&gw->rng, w->sim.seed, stream);
	gw->conns = g_ptr_array_new();
	g_autofree char *vname = g_strdup_printf("%s-vnet", gw->name);
	gw->vnet = sim_node_new(&w->net, vname);
	sim_node_set_forwarding(gw->vnet, true);
	gw->dispatch = sim_node_add_iface(gw->vnet, 0, 32, 65535);
	sim_iface_set_output(gw->dispatch, dispatch, gw);
	for (int i = 0; i < 2; i++)
		instance_init(gw, i);
	gw->c_takeovers = sim_stats_counterf(&w->net.stats, "gateway/%s/takeovers", gw->name);
	gw->c_dispatch_drops = sim_stats_counterf(&w->net.stats, "gateway/%s/dispatch_drops", gw->name);
	/* The probes' phase is random: detection time varies within one probe interval. */
	sim_time phase = (sim_time)(sim_rng_uniform(&gw->rng) * (double)gw->cfg.health_probe_interval_ns);
	sim_schedule_in(&w->sim, phase, probe_event, gw, 0);
	return gw;
}

static void connection_free(struct gw_connection *c)
{
	for (int i = 0; i < 2; i++) {
		cap_server_destroy(&c->tun[i].core);
		g_array_free(c->tun[i].up_times, TRUE);
		g_array_free(c->tun[i].down_times, TRUE);
	}
	g_free((char *)c->cfg.psk);
	g_free(c->name);
	g_free(c);
}

void gateway_export_counters(const struct gateway *gw)
{
	for (int i = 0; i < 2; i++)
		ike_node_export_counters(&gw->inst[i].ike, &gw->w->net.stats);
}

void gateway_free(struct gateway *gw)
{
	if (!gw)
		return;
	gateway_export_counters(gw);
	for (int i = 0; i < 2; i++) {
		struct gw_instance *ins = &gw->inst[i];
		ike_node_destroy(&ins->ike);
		ipsec_node_destroy(&ins->in);
		cap_server_destroy(&ins->cap);
	}
	for (guint i = 0; i < gw->conns->len; i++)
		connection_free(gw->conns->pdata[i]);
	g_ptr_array_free(gw->conns, TRUE);
	gw_p2s_free(gw->p2s);
	g_free(gw->name);
	g_free(gw);
}

struct gw_connection *gateway_add_connection(struct gateway *gw, const struct gw_connection_cfg *cfg, GError **err)
{
	const char *name = cfg->name ? cfg->name : "conn";
	unsigned tunnels = (gw->conns->len + 1) * (gw->cfg.active_active ? 2u : 1u);
	if (gw->cfg.policy_based && gw->conns->len >= 1) {
		g_set_error(err, GW_ERROR, 5, "connection %s: a PolicyBased gateway has one S2S tunnel (azure-facts.md §3)",
			    name);
		return NULL;
	}
	if (tunnels > gw->cfg.sku->s2s_tunnels) {
		g_set_error(err, GW_ERROR, 6, "connection %s: %s allows %u S2S tunnels (azure-facts.md §1), this needs %u",
			    name, gw->cfg.sku->name, gw->cfg.sku->s2s_tunnels, tunnels);
		return NULL;
	}
	if (!cfg->psk || !cfg->site_ip || cfg->n_remote < 1 || cfg->n_remote > GW_MAX_PREFIXES) {
		g_set_error(err, GW_ERROR, 7, "connection %s: needs a PSK, the site's IP and 1..%d prefixes", name,
			    GW_MAX_PREFIXES);
		return NULL;
	}
	if (gw->p2s && (ike_sa_count(gw->inst[0].ike.ep) || ike_sa_count(gw->inst[1].ike.ep))) {
		g_set_error(err, GW_ERROR, 8, "connection %s: add S2S connections before P2S clients connect", name);
		return NULL;
	}
	struct world *w = gw->w;
	struct gw_connection *c = g_new0(struct gw_connection, 1);
	c->gw = gw;
	c->cfg = *cfg;
	c->name = g_strdup(name);
	c->cfg.name = c->name;
	c->cfg.psk = g_strdup(cfg->psk);
	g_ptr_array_add(gw->conns, c);
	for (int i = 0; i < 2; i++) {
		struct gw_instance *ins = &gw->inst[i];
		struct gw_tunnel *t = &c->tun[i];
		t->conn = c;
		t->instance = i;
		t->t = ipsec_tunnel_new(&ins->in, c->name, SIM_IPV4(169, 254, 21, 1), 32, 1400);
		g_autofree char *core = g_strdup_printf("%s-in%d/%s", gw->name, i, c->name);
		/* Until a CHILD SA says which cipher, the core runs at the SKU's GCM rate. */
		const struct azure_sku *sku = gw->cfg.sku;
		struct azure_rate r = sku->has_tunnel_rates ? sku->tunnel[AZURE_CIPHER_GCMAES256]
							    : (struct azure_rate){ sku->aggregate_bps, 0 };
		cap_server_init(&t->core, &w->sim, &w->net.stats, core, r.bps, r.pps, gw->cfg.tunnel_queue_bytes,
				ipsec_cap_done, &ins->in);
		ipsec_tunnel_set_capacity(t->t, &t->core);
		g_autofree char *series = g_strdup_printf("gateway/%s/%s/in%d/bytes", gw->name, c->name, i);
		t->bytes = sim_stats_series(&w->net.stats, series, GW_BYTES_BIN_NS);
		ipsec_tunnel_set_series(t->t, t->bytes);
		t->c_ups = sim_stats_counterf(&w->net.stats, "gateway/%s/%s/in%d/up_events", gw->name, c->name, i);
		t->c_downs = sim_stats_counterf(&w->net.stats, "gateway/%s/%s/in%d/down_events", gw->name, c->name, i);
		t->up_times = g_array_new(FALSE, FALSE, sizeof(sim_time));
		t->down_times = g_array_new(FALSE, FALSE, sizeof(sim_time));
		if (!gw->p2s) {
			add_peer(ins, c);
		} else if (ins->alive) {
			/* The P2S peer must stay last (see add_all_peers): no SA exists yet (checked
			 * above), so the endpoint restarts with every peer in order. */
			ike_node_reset(&ins->ike);
			add_all_peers(ins);
		}
	}
	for (int i = 0; i < 2; i++)
		reroute_instance(&gw->inst[i], c);
	for (size_t p = 0; p < cfg->n_remote; p++)
		sim_route_add(gw->vnet, cfg->remote[p].addr, cfg->remote[p].plen, 0, gw->dispatch, NULL);
	if (cfg->initiate) {
		for (int i = 0; i < 2; i++)
			if (gw->cfg.active_active || i == gw->active)
				ike_initiate(gw->inst[i].ike.ep, c->tun[i].peer, now_of(gw));
	}
	return c;
}

struct sim_node *gateway_add_host(struct gateway *gw, const char *name, uint32_t addr, uint32_t router_addr)
{
	return world_host(gw->w, name, gw->vnet, addr, router_addr, gw->cfg.vnet[0].plen);
}

/* ---- faults ---- */

static void instance_down(struct gw_instance *ins)
{
	ins->alive = false;
	sim_link_set_up(ins->wan->link, false);
	sim_link_set_up(ins->vnet_end->link, false);
	cap_server_flush(&ins->cap);
	for (guint i = 0; i < ins->gw->conns->len; i++) {
		struct gw_connection *c = ins->gw->conns->pdata[i];
		struct gw_tunnel *t = &c->tun[ins->idx];
		cap_server_flush(&t->core);
		if (t->up) {
			(*t->c_downs)++;
			t->last_change = now_of(ins->gw);
			g_array_append_val(t->down_times, t->last_change);
		}
		t->up = false;
	}
	if (ins->gw->p2s)
		gw_p2s_instance_down(ins->gw->p2s, ins->idx);
	ike_node_reset(&ins->ike); /* every IKE and ESP state is gone */
}

void gateway_crash(struct gateway *gw, int i)
{
	struct gw_instance *ins = &gw->inst[i];
	if (!ins->alive)
		return;
	(*ins->c_crashes)++;
	log_instance(gw, i, "crashed");
	instance_down(ins);
}

void gateway_recover(struct gateway *gw, int i)
{
	struct gw_instance *ins = &gw->inst[i];
	if (ins->alive)
		return;
	ins->alive = true;
	sim_link_set_up(ins->wan->link, true);
	sim_link_set_up(ins->vnet_end->link, true);
	for (guint c = 0; c < gw->conns->len; c++)
		((struct gw_connection *)gw->conns->pdata[c])->tun[i].routable = false; /* no SAs yet */
	add_all_peers(ins);
	log_instance(gw, i, "recovered");
}

static void recover_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct gateway *gw = ctx;
	gateway_recover(gw, (int)arg);
}

static void maintenance_down_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct gateway *gw = ctx;
	int i = (int)(arg & 1);
	instance_down(&gw->inst[i]);
	sim_schedule_in(sim, (sim_time)(arg >> 1), recover_event, gw, (uint64_t)i);
}

void gateway_maintenance(struct gateway *gw, int i, sim_time down_ns)
{
	struct gw_instance *ins = &gw->inst[i];
	if (!ins->alive)
		return;
	log_instance(gw, i, "goes into planned maintenance");
	ins->seen_up = false; /* drained: no new flows */
	if (gw->cfg.active_active) {
		/* Its tunnels are deleted so that the peers move to the other instance at once; it goes
		 * down once the DELETEs had time to leave. */
		for (guint c = 0; c < gw->conns->len; c++) {
			struct gw_connection *conn = gw->conns->pdata[c];
			uint64_t sa = ike_sa_find_established(ins->ike.ep, conn->tun[i].peer);
			if (sa)
				ike_delete(ins->ike.ep, sa, now_of(gw));
		}
		sim_schedule_in(&gw->w->sim, sim_ms(500), maintenance_down_event, gw, (uint64_t)down_ns << 1 | (uint64_t)i);
		return;
	}
	instance_down(ins);
	if (gw->active == i) {
		if (gw->takeover_ev)
			sim_cancel(&gw->w->sim, gw->takeover_ev);
		gw->takeover_ev = sim_schedule_in(&gw->w->sim, gw->cfg.planned_handover_ns, takeover_event, gw,
						  (uint64_t)(1 - i) | 2u);
	}
	sim_schedule_in(&gw->w->sim, down_ns, recover_event, gw, (uint64_t)i);
}

static gint cmp_time(gconstpointer a, gconstpointer b)
{
	sim_time x = *(const sim_time *)a, y = *(const sim_time *)b;
	return x < y ? -1 : x > y;
}

unsigned gateway_cookie_threshold(const struct gateway_cfg *g)
{
	int ct = g->cookie_threshold ? g->cookie_threshold : GW_DEFAULT_COOKIE_THRESHOLD;
	return ct > 0 ? (unsigned)ct : 0;
}

struct gw_connection *gateway_connection(const struct gateway *gw, const char *name)
{
	for (guint i = 0; i < gw->conns->len; i++) {
		struct gw_connection *c = gw->conns->pdata[i];
		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

void gateway_set_policy(struct gateway *gw, struct gw_connection *c, const struct policy_custom *policy)
{
	c->cfg.policy = *policy;
	for (int i = 0; i < 2; i++) {
		struct gw_instance *ins = &gw->inst[i];
		if (!ins->alive)
			continue;
		struct ike_peer_cfg p;
		memset(&p, 0, sizeof p);
		policy_apply_custom(&p, policy);
		ike_peer_set_proposals(ins->ike.ep, c->tun[i].peer, p.ike, p.n_ike, p.esp, p.n_esp);
		uint64_t sa = ike_sa_find_established(ins->ike.ep, c->tun[i].peer);
		if (sa)
			ike_delete(ins->ike.ep, sa, now_of(gw));
	}
}

void gateway_set_psk(struct gateway *gw, struct gw_connection *c, const char *psk)
{
	g_free((char *)c->cfg.psk);
	c->cfg.psk = g_strdup(psk);
	size_t n = MIN(strlen(psk), (size_t)IKE_MAX_PSK_LEN);
	for (int i = 0; i < 2; i++)
		if (gw->inst[i].alive)
			ike_peer_set_psk(gw->inst[i].ike.ep, c->tun[i].peer, (const uint8_t *)psk, n);
}

sim_time gateway_connection_up_after(const struct gw_connection *c, sim_time t)
{
	sim_time best = -1;
	for (int i = 0; i < 2; i++) {
		const GArray *ups = c->tun[i].up_times;
		for (guint k = 0; k < ups->len; k++) {
			sim_time at = g_array_index(ups, sim_time, k);
			if (at > t && (best < 0 || at < best))
				best = at;
		}
	}
	return best;
}

/* Whether tunnel t was up just after time x (its up and down events are in time order). */
static bool up_after(const struct gw_tunnel *t, sim_time x)
{
	sim_time last_up = -1, last_down = -1;
	for (guint k = 0; k < t->up_times->len && g_array_index(t->up_times, sim_time, k) <= x; k++)
		last_up = g_array_index(t->up_times, sim_time, k);
	for (guint k = 0; k < t->down_times->len && g_array_index(t->down_times, sim_time, k) <= x; k++)
		last_down = g_array_index(t->down_times, sim_time, k);
	return last_up > last_down;
}

sim_time gateway_connection_restored_after(const struct gw_connection *c, sim_time t, sim_time *lost_at)
{
	/* candidate instants: t and every tunnel change after it, in time order */
	GArray *when = g_array_new(FALSE, FALSE, sizeof(sim_time));
	g_array_append_val(when, t);
	for (int i = 0; i < 2; i++) {
		const GArray *lists[2] = { c->tun[i].up_times, c->tun[i].down_times };
		for (int l = 0; l < 2; l++)
			for (guint k = 0; k < lists[l]->len; k++)
				if (g_array_index(lists[l], sim_time, k) > t)
					g_array_append_val(when, g_array_index(lists[l], sim_time, k));
	}
	g_array_sort(when, cmp_time);
	sim_time lost = -1, back = -1;
	for (guint k = 0; k < when->len && back < 0; k++) {
		sim_time x = g_array_index(when, sim_time, k);
		bool any = up_after(&c->tun[0], x) || up_after(&c->tun[1], x);
		if (lost < 0 && !any)
			lost = x;
		else if (lost >= 0 && any)
			back = x;
	}
	g_array_free(when, TRUE);
	if (lost_at)
		*lost_at = lost;
	return back;
}

enum gw_tunnel_activity gateway_tunnel_activity(const struct gw_tunnel *t)
{
	const struct gateway *gw = t->conn->gw;
	const struct gw_instance *ins = &gw->inst[t->instance];
	if (!t->up)
		return ins->alive && ike_sa_find_connecting(ins->ike.ep, t->peer) ? GW_TUNNEL_CONNECTING : GW_TUNNEL_DOWN;
	if (!gw->cfg.active_active && gw->active != t->instance)
		return GW_TUNNEL_STANDBY;
	const struct gw_connection_cfg *c = &t->conn->cfg;
	if (c->n_remote == 0)
		return GW_TUNNEL_CARRYING;
	const struct sim_route *rt = sim_route_lookup(ins->node, c->remote[0].addr);
	return rt && rt->iface == t->t->iface ? GW_TUNNEL_CARRYING : GW_TUNNEL_STANDBY;
}

unsigned gateway_tunnels_up(const struct gateway *gw)
{
	unsigned n = 0;
	for (guint i = 0; i < gw->conns->len; i++) {
		const struct gw_connection *c = gw->conns->pdata[i];
		n += c->tun[0].up + c->tun[1].up;
	}
	return n;
}
