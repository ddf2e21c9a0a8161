/* device.c: the on-prem device: tunnels, peers, routing by tunnel state, reconnects, reboots. */
#include "models/device.h"

#include <string.h>

#include "models/ipsec/ike_consts.h"
#include "sim/log.h"

GQuark device_error_quark(void);
G_DEFINE_QUARK(device-error-quark, device_error)

static sim_time now_of(const struct device *d)
{
	return sim_now(&d->w->sim);
}

/* Points the VNet's prefixes at the first tunnel that is up (tunnel 0 when none is). */
static void reroute(struct device *d)
{
	int pick = 0;
	for (size_t i = 0; i < d->cfg.n_tunnels; i++) {
		if (d->tun[i].child_up) {
			pick = (int)i;
			break;
		}
	}
	if (pick == d->routed)
		return;
	for (size_t p = 0; p < d->cfg.n_remote; p++)
		sim_route_add(d->node, d->cfg.remote[p].addr, d->cfg.remote[p].plen, 0, d->tun[pick].t->iface, NULL);
	d->routed = pick;
}

static void notify_tunnels(struct device *d)
{
	if (d->cfg.tunnels_changed)
		d->cfg.tunnels_changed(d->cfg.tunnels_changed_ctx, d);
}

static void initiate(struct device *d, int i)
{
	struct device_tunnel *t = &d->tun[i];
	(*t->c_initiations)++;
	t->ike_sa = ike_initiate(d->ike.ep, t->peer, now_of(d));
}

static void reconnect_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct device *d = ctx;
	struct device_tunnel *t = &d->tun[arg];
	t->reconnect = 0;
	if (!d->up)
		return;
	uint64_t est = ike_sa_find_established(d->ike.ep, t->peer);
	if (est && !t->child_up && d->cfg.initiator) {
		/* an IKE SA without a CHILD SA carries nothing: start over (the DEAD state that
		 * follows the DELETE schedules the next initiation) */
		(*t->c_childless_resets)++;
		t->ike_sa = est;
		if (!ike_delete(d->ike.ep, est, now_of(d)))
			ike_abort(d->ike.ep, est, now_of(d));
		return;
	}
	if (est) {
		t->ike_sa = est;
		return;
	}
	initiate(d, (int)arg);
}

static void schedule_reconnect_in(struct device *d, int i, sim_time delay_ns)
{
	struct device_tunnel *t = &d->tun[i];
	if (t->reconnect && sim_event_pending(&d->w->sim, t->reconnect))
		return;
	t->reconnect = sim_schedule_in(&d->w->sim, delay_ns, reconnect_event, d, (uint64_t)i);
}

int64_t device_reconnect_ns(const struct device_cfg *cfg)
{
	return policy_device_reconnect_ns(cfg->preset);
}

/* An IKE SA left without a CHILD SA is torn down and built again after this (at least the
 * preset's reconnect delay): a device retrying a refused CHILD SA does not hammer the peer. */
int64_t device_child_retry_ns(const struct device_cfg *cfg)
{
	return MAX(policy_device_reconnect_ns(cfg->preset), DEVICE_CHILD_RETRY_NS);
}

static void schedule_reconnect(struct device *d, int i)
{
	schedule_reconnect_in(d, i, device_reconnect_ns(&d->cfg));
}

static void schedule_childless_check(struct device *d, int i)
{
	schedule_reconnect_in(d, i, device_child_retry_ns(&d->cfg));
}

static int tunnel_index(const struct device *d, const struct ipsec_tunnel *it)
{
	for (size_t i = 0; i < d->cfg.n_tunnels; i++)
		if (d->tun[i].t == it)
			return (int)i;
	return -1;
}

static void on_child_up(void *ctx, struct ike_node *k, const struct ike_child_info *c, struct ipsec_tunnel *it)
{
	struct device *d = ctx;
	int i = tunnel_index(d, it);
	if (i < 0)
		return;
	struct device_tunnel *t = &d->tun[i];
	if (!t->child_up) {
		(*t->c_ups)++;
		t->last_up = now_of(d);
	}
	t->child_up = true;
	t->ike_sa = c->sa_id;
	if (t->reconnect) {
		sim_cancel(&d->w->sim, t->reconnect);
		t->reconnect = 0;
	}
	reroute(d);
	notify_tunnels(d);
}

static void on_child_down(void *ctx, struct ike_node *k, const struct ike_child_info *c, struct ipsec_tunnel *it,
			  enum ike_down_reason why)
{
	struct device *d = ctx;
	int i = tunnel_index(d, it);
	if (i < 0 || it->out_sa) /* another CHILD SA still carries the tunnel (a rekey) */
		return;
	struct device_tunnel *t = &d->tun[i];
	if (t->child_up) {
		(*t->c_downs)++;
		t->last_down = now_of(d);
	}
	t->child_up = false;
	reroute(d);
	notify_tunnels(d);
	/* expired without a successor (its rekey was refused) or never replaced: the IKE SA may
	 * live on without a CHILD SA */
	if ((why == IKE_DOWN_EXPIRED || why == IKE_DOWN_FAILED) && d->up && d->cfg.initiator)
		schedule_childless_check(d, i);
}

static void on_ike_state(void *ctx, struct ike_node *k, uint64_t sa_id, enum ike_sa_state old_state,
			 enum ike_sa_state new_state)
{
	struct device *d = ctx;
	if (new_state == IKE_SA_ESTABLISHED && d->up && d->cfg.initiator) {
		/* the CHILD SA comes up right after (cancelling this); if it was refused, retry */
		for (size_t i = 0; i < d->cfg.n_tunnels; i++)
			if (d->tun[i].ike_sa == sa_id && !d->tun[i].child_up)
				schedule_childless_check(d, (int)i);
		return;
	}
	if (new_state != IKE_SA_DEAD)
		return;
	for (size_t i = 0; i < d->cfg.n_tunnels; i++) {
		struct device_tunnel *t = &d->tun[i];
		if (t->ike_sa != sa_id)
			continue;
		uint64_t est = ike_sa_find_established(d->ike.ep, t->peer);
		if (est) {
			t->ike_sa = est; /* replaced (IKE rekey, or the gateway built a new one) */
		} else {
			t->ike_sa = 0;
			if (d->up && d->cfg.initiator)
				schedule_reconnect(d, (int)i);
		}
	}
}

static const struct ike_node_hooks hooks = {
	.child_up = on_child_up,
	.child_down = on_child_down,
	.ike_state = on_ike_state,
};

void device_peer_cfg(const struct device_cfg *dc, size_t tunnel, struct ike_peer_cfg *out)
{
	struct ike_peer_cfg p;
	memset(&p, 0, sizeof p);
	p.local.ip = dc->public_ip;
	p.remote.ip = dc->gateway_ip[tunnel];
	p.local_id.type = IKE_ID_IPV4_ADDR;
	p.local_id.len = 4;
	for (int b = 0; b < 4; b++)
		p.local_id.data[b] = (uint8_t)(dc->public_ip >> (24 - 8 * b));
	size_t n = strlen(dc->psk);
	p.psk_len = MIN(n, sizeof p.psk);
	memcpy(p.psk, dc->psk, p.psk_len);
	policy_device_preset(&p, dc->preset);
	if (dc->ike_version == 1)
		p.ike_version = 1;
	policy_apply_custom(&p, &dc->policy);
	if (dc->dpd_interval_ns > 0)
		p.dpd_interval_ns = dc->dpd_interval_ns;
	if (dc->ike_lifetime_ns > 0) {
		p.ike_lifetime_ns = dc->ike_lifetime_ns;
		p.ike_rekey_ns = dc->ike_lifetime_ns / 10 * 9;
	}
	if (dc->child_lifetime_ns > 0) {
		p.child_lifetime_ns = dc->child_lifetime_ns;
		p.child_rekey_ns = dc->child_lifetime_ns / 10 * 9;
	}
	for (size_t e = 0; dc->pfs_group > 0 && e < p.n_esp; e++)
		p.esp[e].dh = (uint16_t)dc->pfs_group;
	if (dc->n_ts) {
		/* Policy-based: its ACL, site prefixes to the VNet's */
		p.n_local_ts = policy_ts_of_prefixes(dc->ts, dc->n_ts, p.local_ts);
		p.n_remote_ts = policy_ts_of_prefixes(dc->remote, dc->n_remote, p.remote_ts);
	} else {
		/* Route-based: any-to-any selectors; routes decide what enters the tunnel. */
		p.local_ts[0] = policy_ts_of_prefix(0, 0);
		p.remote_ts[0] = policy_ts_of_prefix(0, 0);
		p.n_local_ts = p.n_remote_ts = 1;
	}
	*out = p;
}

static void add_peers(struct device *d)
{
	for (size_t i = 0; i < d->cfg.n_tunnels; i++) {
		struct ike_peer_cfg p;
		device_peer_cfg(&d->cfg, i, &p);
		g_autofree char *name = g_strdup_printf("%s-t%zu", d->name, i);
		p.name = name;
		GError *err = NULL;
		d->tun[i].peer = ike_peer_add(d->ike.ep, &p, &err);
		g_assert_no_error(err); /* the presets are ours: a refusal is our bug */
		ike_node_bind_tunnel(&d->ike, d->cfg.gateway_ip[i], d->tun[i].t);
	}
}

static void start_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct device *d = ctx;
	for (size_t i = 0; i < d->cfg.n_tunnels; i++)
		initiate(d, (int)i);
}

struct device *device_new(struct world *w, const struct device_cfg *cfg, GError **err)
{
	if (cfg->n_tunnels < 1 || cfg->n_tunnels > DEVICE_MAX_TUNNELS || cfg->n_local < 1 || cfg->n_ts > IKE_MAX_TS ||
	    cfg->n_local > DEVICE_MAX_PREFIXES || cfg->n_remote > DEVICE_MAX_PREFIXES || !cfg->psk || !cfg->name) {
		g_set_error(err, device_error_quark(), 1,
			    "device %s: needs a name, a PSK, 1..%d tunnels and 1..%d local prefixes",
			    cfg->name ? cfg->name : "?", DEVICE_MAX_TUNNELS, DEVICE_MAX_PREFIXES);
		return NULL;
	}
	struct device *d = g_new0(struct device, 1);
	d->w = w;
	d->cfg = *cfg;
	d->name = g_strdup(cfg->name);
	d->cfg.name = d->name;
	d->cfg.psk = g_strdup(cfg->psk);
	d->up = true;
	d->routed = -1;
	d->node = sim_node_new(&w->net, d->name);
	sim_node_set_forwarding(d->node, true);
	g_autofree char *path = g_strdup_printf("path-%s", d->name);
	d->wan = world_attach(w, d->node, path, cfg->public_ip, &cfg->path_up, &cfg->path_down);
	ipsec_node_init(&d->in, d->node);
	ipsec_node_set_mss_clamp(&d->in, cfg->mss_clamp);
	struct ike_endpoint_cfg ecfg = { 0 };
	ike_node_init(&d->ike, &d->in, &ecfg, &hooks, d);
	d->ike.keylog = w->keylog;
	struct sim_stats *st = &w->net.stats;
	for (size_t i = 0; i < cfg->n_tunnels; i++) {
		struct device_tunnel *t = &d->tun[i];
		t->dev = d;
		t->index = (int)i;
		g_autofree char *tname = g_strdup_printf("t%zu", i);
		/* Link-local tunnel addresses, as Azure's APIPA BGP range (169.254.21.0/24). */
		t->t = ipsec_tunnel_new(&d->in, tname, SIM_IPV4(169, 254, 21, (uint8_t)(2 * i + 2)), 32, 1400);
		t->c_ups = sim_stats_counterf(st, "device/%s/t%zu/up_events", d->name, i);
		t->c_downs = sim_stats_counterf(st, "device/%s/t%zu/down_events", d->name, i);
		t->c_initiations = sim_stats_counterf(st, "device/%s/t%zu/initiations", d->name, i);
		t->c_childless_resets = sim_stats_counterf(st, "device/%s/t%zu/childless_resets", d->name, i);
	}
	add_peers(d);
	reroute(d);
	if (cfg->initiator)
		sim_schedule_at(&w->sim, cfg->start_ns, start_event, d, 0);
	return d;
}

void device_export_counters(const struct device *d)
{
	ike_node_export_counters(&d->ike, &d->w->net.stats);
}

void device_free(struct device *d)
{
	if (!d)
		return;
	device_export_counters(d);
	ike_node_destroy(&d->ike);
	ipsec_node_destroy(&d->in);
	g_free((char *)d->cfg.psk);
	g_free(d->name);
	g_free(d);
}

struct sim_node *device_add_host(struct device *d, const char *name, uint32_t addr, uint32_t router_addr)
{
	return world_host(d->w, name, d->node, addr, router_addr, d->cfg.local[0].plen);
}

struct sim_iface *device_join_host(struct device *d, struct sim_node *host, uint32_t host_addr, uint32_t router_addr)
{
	struct sim_link_params p = world_path(1000000000, sim_us(100), 0, 0);
	g_autofree char *lname = g_strdup_printf("lan-%s-%s", host->name, d->name);
	struct sim_link *l =
		sim_net_connect(&d->w->net, lname, host, host_addr, d->node, router_addr, d->cfg.local[0].plen, &p, NULL);
	return l->end[0];
}

void device_set_psk(struct device *d, const char *psk)
{
	g_free((char *)d->cfg.psk);
	d->cfg.psk = g_strdup(psk);
	size_t n = MIN(strlen(psk), (size_t)IKE_MAX_PSK_LEN);
	for (size_t i = 0; i < d->cfg.n_tunnels; i++)
		ike_peer_set_psk(d->ike.ep, d->tun[i].peer, (const uint8_t *)psk, n);
}

void device_set_policy(struct device *d, const struct policy_custom *policy)
{
	d->cfg.policy = *policy;
	struct ike_peer_cfg p;
	memset(&p, 0, sizeof p);
	policy_apply_custom(&p, policy);
	for (size_t i = 0; i < d->cfg.n_tunnels; i++)
		ike_peer_set_proposals(d->ike.ep, d->tun[i].peer, p.ike, p.n_ike, p.esp, p.n_esp);
}

bool device_any_tunnel_up(const struct device *d)
{
	for (size_t i = 0; i < d->cfg.n_tunnels; i++)
		if (d->tun[i].child_up)
			return true;
	return false;
}

static void boot_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct device *d = ctx;
	sim_link_set_up(d->wan->link, true);
	d->up = true;
	add_peers(d);
	if (d->cfg.initiator)
		start_event(sim, d, 0);
}

void device_reboot(struct device *d, sim_time down_ns)
{
	d->up = false;
	sim_link_set_up(d->wan->link, false);
	for (size_t i = 0; i < d->cfg.n_tunnels; i++) {
		struct device_tunnel *t = &d->tun[i];
		if (t->reconnect)
			sim_cancel(&d->w->sim, t->reconnect);
		t->reconnect = 0;
		if (t->child_up) {
			(*t->c_downs)++;
			t->last_down = now_of(d);
		}
		t->child_up = false;
		t->ike_sa = 0;
	}
	ike_node_reset(&d->ike);
	reroute(d);
	notify_tunnels(d);
	sim_schedule_in(&d->w->sim, down_ns, boot_event, d, 0);
}
