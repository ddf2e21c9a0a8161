/* build.c: scenario description -> world; the fault timeline; metric helpers. */
#include "scenarios/build.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAINTENANCE_DEFAULT_NS (5 * 60 * SIM_NS_PER_S)

static bool unsupported(struct scn_diags *d, struct scn_loc loc, const char *what)
{
	scn_diag_add(d, SCN_ERROR, loc, "%s is not simulated yet (see the open issues); remove it to run", what);
	return false;
}

static void prefixes_to(const GArray *from, struct device_prefix *to, size_t max, size_t *n)
{
	*n = 0;
	for (guint i = 0; from && i < from->len && *n < max; i++) {
		const struct scn_prefix *p = &g_array_index(from, struct scn_prefix, i);
		to[*n].addr = p->addr;
		to[*n].plen = p->plen;
		(*n)++;
	}
}

static const struct scn_connection *connection_of_site(const struct scenario *s, const char *site)
{
	for (guint i = 0; i < s->connections->len; i++) {
		const struct scn_connection *c = s->connections->pdata[i];
		if (strcmp(c->site, site) == 0)
			return c;
	}
	return NULL;
}

static const struct scn_path *path_of(const struct scenario *s, const char *from)
{
	for (guint i = 0; i < s->paths->len; i++) {
		const struct scn_path *p = s->paths->pdata[i];
		if (strcmp(p->from, from) == 0)
			return p;
	}
	return NULL;
}

/* Link parameters of a path (defaults of docs/scenario-format.md when there is none). */
static void path_params(const struct scn_path *p, struct sim_link_params *up, struct sim_link_params *down)
{
	struct scn_path def = { .rate_bps = 1000000000, .delay_ns = sim_ms(10), .queue_bytes = 1024 * 1024, .mtu = 1500 };
	if (!p)
		p = &def;
	sim_link_params_init(up);
	up->rate_bps = p->rate_bps;
	up->delay_ns = p->delay_ns;
	if (p->jitter_ns > 0) {
		up->jitter = SIM_JITTER_UNIFORM;
		up->jitter_ns = p->jitter_ns;
	}
	if (p->burst_loss_mean >= 1.0 && p->loss > 0) {
		/* Gilbert-Elliott: bursts of mean length burst_loss_mean, the same average loss. */
		up->ge_enabled = true;
		up->ge_p_bg = 1.0 / p->burst_loss_mean;
		up->ge_p_gb = p->loss * up->ge_p_bg / (1.0 - p->loss);
		up->ge_loss_good = 0;
		up->ge_loss_bad = 1;
	} else {
		up->loss = p->loss;
	}
	up->queue_limit_bytes = p->queue_bytes;
	up->mtu = p->mtu;
	*down = *up;
	down->rate_bps = p->rate_down_bps ? p->rate_down_bps : p->rate_bps;
}

static enum device_preset preset_of(enum scn_device_preset p)
{
	switch (p) {
	case SCN_DEV_STRONGSWAN:
		return DEVICE_STRONGSWAN;
	case SCN_DEV_IKED:
		return DEVICE_IKED;
	case SCN_DEV_GENERIC:
	default:
		return DEVICE_GENERIC;
	}
}

static bool custom_policy(const struct scn_connection *c, struct policy_custom *out, struct scn_diags *d)
{
	memset(out, 0, sizeof *out);
	if (!c)
		return true;
	const struct scn_policy *p = &c->policy;
	/* lifetimes apply with Azure's default proposals too */
	out->ike_lifetime_ns = p->ike_lifetime_ns;
	if (!p->custom)
		return true;
	GError *err = NULL;
	if (!policy_custom_from_names(out, p->ike_encryption, p->ike_integrity, p->dh_group, p->ipsec_encryption,
				      p->ipsec_integrity, p->pfs_group, &err)) {
		scn_diag_add(d, SCN_ERROR, c->loc, "[connection.%s] %s", c->name, err->message);
		g_error_free(err);
		return false;
	}
	out->ike_lifetime_ns = p->ike_lifetime_ns;
	out->child_lifetime_ns = p->sa_lifetime_ns;
	out->child_lifetime_bytes = p->sa_lifetime_bytes;
	return true;
}

/* A policy-change fault's policy in the models' terms (the six names; lifetimes stay). */
static bool policy_names(const char *fault, struct scn_loc loc, const struct scn_policy *p, struct policy_custom *out,
			 struct scn_diags *d)
{
	memset(out, 0, sizeof *out);
	GError *err = NULL;
	if (!policy_custom_from_names(out, p->ike_encryption, p->ike_integrity, p->dh_group, p->ipsec_encryption,
				      p->ipsec_integrity, p->pfs_group, &err)) {
		scn_diag_add(d, SCN_ERROR, loc, "[fault.%s] %s", fault, err->message);
		g_error_free(err);
		return false;
	}
	return true;
}

static uint32_t host_addr(uint32_t prefix, unsigned plen, uint32_t n)
{
	return (prefix & sim_ipv4_mask(plen)) + n;
}

/* ---- faults ---- */

static struct sim_link *path_link(const struct run *r, const char *path)
{
	const struct scn_path *p = scenario_path(r->s, path);
	if (!p || strncmp(p->from, "site:", 5) != 0)
		return NULL;
	for (guint i = 0; i < r->s->sites->len; i++) {
		const struct scn_site *site = r->s->sites->pdata[i];
		if (strcmp(site->name, p->from + 5) == 0)
			return r->site_paths[i];
	}
	return NULL;
}

static struct device *site_device(const struct run *r, const char *site)
{
	for (guint i = 0; i < r->s->sites->len; i++)
		if (strcmp(((struct scn_site *)r->s->sites->pdata[i])->name, site) == 0)
			return r->devices[i];
	return NULL;
}

static void set_loss(struct sim_link *l, double loss)
{
	for (int dir = 0; dir < 2; dir++) {
		struct sim_link_params *p = sim_link_params(l, (enum sim_link_dir)dir);
		p->ge_enabled = false;
		p->loss = loss;
	}
}

static void fault_end(struct sim *sim, void *ctx, uint64_t arg)
{
	struct run_fault *rf = ctx;
	struct run *r = rf->r;
	const struct scn_fault *f = rf->f;
	switch (f->kind) {
	case SCN_FAULT_INSTANCE_CRASH:
		gateway_recover(r->gw, (int)f->instance);
		break;
	case SCN_FAULT_PATH_DOWN:
		sim_link_set_up(path_link(r, f->target), true);
		break;
	case SCN_FAULT_LOSS_BURST:
		set_loss(path_link(r, f->target), rf->saved_loss);
		break;
	default:
		break;
	}
}

static void fault_start(struct sim *sim, void *ctx, uint64_t arg)
{
	struct run_fault *rf = ctx;
	struct run *r = rf->r;
	const struct scn_fault *f = rf->f;
	struct sim_link *l = NULL;
	bool timed = false;
	switch (f->kind) {
	case SCN_FAULT_INSTANCE_CRASH:
		gateway_crash(r->gw, (int)f->instance);
		timed = f->duration_ns > 0;
		break;
	case SCN_FAULT_INSTANCE_RECOVER:
		gateway_recover(r->gw, (int)f->instance);
		break;
	case SCN_FAULT_MAINTENANCE:
		gateway_maintenance(r->gw, (int)f->instance, f->duration_ns > 0 ? f->duration_ns : MAINTENANCE_DEFAULT_NS);
		break;
	case SCN_FAULT_PATH_DOWN:
		sim_link_set_up(path_link(r, f->target), false);
		timed = f->duration_ns > 0;
		break;
	case SCN_FAULT_PATH_UP:
		sim_link_set_up(path_link(r, f->target), true);
		break;
	case SCN_FAULT_LOSS_BURST:
		l = path_link(r, f->target);
		rf->saved_loss = sim_link_params(l, SIM_LINK_A2B)->loss;
		set_loss(l, f->value);
		timed = true;
		break;
	case SCN_FAULT_DELAY_CHANGE:
		l = path_link(r, f->target);
		sim_link_params(l, SIM_LINK_A2B)->delay_ns = (sim_time)f->value;
		sim_link_params(l, SIM_LINK_B2A)->delay_ns = (sim_time)f->value;
		break;
	case SCN_FAULT_DEVICE_REBOOT:
		device_reboot(site_device(r, f->target), f->duration_ns);
		break;
	case SCN_FAULT_PSK_CHANGE:
		if (f->side == SCN_SIDE_GATEWAY)
			gateway_set_psk(r->gw, gateway_connection(r->gw, f->target), f->text);
		else
			device_set_psk(site_device(r, scenario_connection(r->s, f->target)->site), f->text);
		break;
	case SCN_FAULT_POLICY_CHANGE:
		if (f->side == SCN_SIDE_DEVICE)
			device_set_policy(site_device(r, scenario_connection(r->s, f->target)->site), &rf->policy);
		else
			gateway_set_policy(r->gw, gateway_connection(r->gw, f->target), &rf->policy);
		break;
	}
	if (timed)
		sim_schedule_in(sim, f->duration_ns, fault_end, rf, 0);
}

/* ---- building ---- */

bool run_gateway_cfg(const struct scenario *s, struct gateway_cfg *cfg_out, struct scn_diags *d)
{
	const struct scn_gateway *g = &s->gw;
	struct gateway_cfg cfg;
	memset(&cfg, 0, sizeof cfg);
	cfg.name = g->name;
	cfg.sku = azure_sku_find(g->sku, g->generation);
	cfg.active_active = g->mode == SCN_ACTIVE_ACTIVE;
	cfg.policy_based = g->type == SCN_POLICY_BASED;
	cfg.public_ip[0] = g->public_ip[0];
	cfg.public_ip[1] = g->public_ip[1];
	prefixes_to(g->vnet, cfg.vnet, GW_MAX_PREFIXES, &cfg.n_vnet);
	if (g->vnet->len > GW_MAX_PREFIXES)
		return unsupported(d, g->loc, "a VNet with more than 8 prefixes");
	cfg.health_probe_interval_ns = g->health_probe_interval_ns;
	cfg.health_probe_threshold = g->health_probe_threshold;
	cfg.takeover_delay_ns = g->takeover_delay_ns;
	cfg.planned_handover_ns = g->planned_handover_ns;
	cfg.queue_bytes = g->queue_bytes;
	cfg.bgp = g->bgp;
	cfg.cookie_threshold = g->ike_cookie_threshold ? (int)g->ike_cookie_threshold : -1;
	*cfg_out = cfg;
	return true;
}

static bool build_gateway(struct run *r, struct scn_diags *d)
{
	const struct scn_gateway *g = &r->s->gw;
	struct gateway_cfg cfg;
	if (!run_gateway_cfg(r->s, &cfg, d))
		return false;
	GError *err = NULL;
	r->gw = gateway_new(&r->w, &cfg, &err);
	if (!r->gw) {
		scn_diag_add(d, SCN_ERROR, g->loc, "[gateway] %s", err->message);
		g_error_free(err);
		return false;
	}
	const struct scn_prefix *v = &g_array_index(g->vnet, struct scn_prefix, 0);
	r->vnet_host = gateway_add_host(r->gw, "vnet-vm", host_addr(v->addr, v->plen, 10), host_addr(v->addr, v->plen, 1));
	return true;
}

/* Certificate authentication from the run's PKI: ours is the server's (gateway) or the
 * client's; both chain to the one root. */
static struct p2s_auth pki_auth(const struct ike_pki_set *k, bool gateway)
{
	struct p2s_auth a = { 0 };
	const GByteArray *cert = gateway ? k->server_cert : k->client_cert, *key = gateway ? k->server_key : k->client_key;
	a.cert_der = cert->data;
	a.cert_der_len = cert->len;
	a.key_der = key->data;
	a.key_der_len = key->len;
	a.ca_der = k->ca_cert->data;
	a.ca_der_len = k->ca_cert->len;
	return a;
}

/* Point-to-site: the gateway's responder and the client groups. With certificates (Azure's
 * IKEv2 P2S), a root, the gateway's and a client certificate come from a deterministic PKI
 * seeded by the scenario's seed (models/ipsec/ike_pki.h); with p2s_auth = psk, a key derived
 * from the scenario's name. */
static bool build_p2s(struct run *r, struct scn_diags *d)
{
	const struct scenario *s = r->s;
	struct gw_p2s_cfg pc;
	memset(&pc, 0, sizeof pc);
	pc.pool.addr = s->gw.p2s_pool.addr;
	pc.pool.plen = s->gw.p2s_pool.plen;
	if (s->gw.p2s_auth == SCN_P2S_AUTH_PSK) {
		r->p2s_psk = g_strdup_printf("p2s-%s", s->name);
		pc.auth.psk = r->p2s_psk;
	} else {
		ike_pki_set_make(&r->p2s_pki, s->seed, (int)s->gw.p2s_key_bits, s->gw.name, "p2s-client");
		pc.auth = pki_auth(&r->p2s_pki, true);
	}
	GError *err = NULL;
	if (!gateway_enable_p2s(r->gw, &pc, &err)) {
		scn_diag_add(d, SCN_ERROR, scenario_loc(s, "gateway", "p2s_pool"), "[gateway] p2s_pool: %s", err->message);
		g_error_free(err);
		return false;
	}
	for (guint i = 0; i < s->p2s_groups->len; i++) {
		const struct scn_p2s_group *g = s->p2s_groups->pdata[i];
		struct p2s_group_cfg gc;
		memset(&gc, 0, sizeof gc);
		gc.name = g->name;
		gc.count = g->count;
		gc.public_ip_base = SIM_IPV4(198, 18, 0, 0) + (uint32_t)i * 65536u + 1; /* RFC 2544 range */
		gc.arrive_from_ns = g->arrive_from_ns;
		gc.arrive_to_ns = g->arrive_to_ns;
		static const enum p2s_arrival arrivals[] = { P2S_ARRIVAL_UNIFORM, P2S_ARRIVAL_EVEN, P2S_ARRIVAL_POISSON };
		gc.arrival = arrivals[g->arrival];
		gc.backoff_min_ns = g->reconnect_min_ns;
		gc.backoff_max_ns = g->reconnect_max_ns;
		if (r->p2s_psk)
			gc.auth.psk = r->p2s_psk;
		else
			gc.auth = pki_auth(&r->p2s_pki, false);
		gc.clients_per_isp = g->count > 64 ? 64 : 0;
		char path[64];
		snprintf(path, sizeof path, "p2s:%s", g->name);
		path_params(path_of(s, path), &gc.path_up, &gc.path_down);
		r->groups[i] = p2s_group_new(&r->w, r->gw, &gc, &err);
		if (!r->groups[i]) {
			scn_diag_add(d, SCN_ERROR, g->loc, "[p2s.%s] %s", g->name, err->message);
			g_error_free(err);
			return false;
		}
	}
	return true;
}

static bool same_prefix_list(const GArray *a, const GArray *b)
{
	if (a->len != b->len)
		return false;
	for (guint k = 0; k < a->len; k++) {
		const struct scn_prefix *x = &g_array_index(a, struct scn_prefix, k), *y = &g_array_index(b, struct scn_prefix, k);
		if (x->addr != y->addr || x->plen != y->plen)
			return false;
	}
	return true;
}

/* One network behind several devices (dual redundancy): the shared host sends through the first
 * device (in file order) that has a tunnel up, as an on-prem router pair running VRRP or iBGP
 * would; through the first one when none has. */
static void lan_tunnels_changed(void *ctx, struct device *changed)
{
	struct run *r = ctx;
	guint me = 0;
	while (me < r->s->sites->len && r->devices[me] != changed)
		me++;
	if (me == r->s->sites->len || !r->site_hosts[r->lan_owner[me]])
		return; /* still building */
	int owner = r->lan_owner[me];
	int pick = owner;
	for (guint k = 0; k < r->s->sites->len; k++) {
		if (r->lan_owner[k] == owner && r->devices[k] && r->lan_iface[k] && device_any_tunnel_up(r->devices[k])) {
			pick = (int)k;
			break;
		}
	}
	sim_route_add(r->site_hosts[owner], 0, 0, r->lan_router[pick], r->lan_iface[pick], NULL);
}

bool run_device_cfg(const struct scenario *s, guint i, struct device_cfg *out, struct scn_diags *d)
{
	const struct scn_site *site = s->sites->pdata[i];
	const struct scn_connection *c = connection_of_site(s, site->name);
	struct device_cfg dc;
	memset(&dc, 0, sizeof dc);
	dc.name = site->name;
	dc.preset = preset_of(site->device);
	dc.public_ip = site->public_ip;
	prefixes_to(site->prefixes, dc.local, DEVICE_MAX_PREFIXES, &dc.n_local);
	prefixes_to(s->gw.vnet, dc.remote, DEVICE_MAX_PREFIXES, &dc.n_remote);
	prefixes_to(site->traffic_selectors, dc.ts, DEVICE_MAX_PREFIXES, &dc.n_ts);
	dc.n_tunnels = MIN((size_t)site->tunnels, (size_t)s->gw.n_public_ips);
	dc.gateway_ip[0] = s->gw.public_ip[0];
	dc.gateway_ip[1] = s->gw.public_ip[1];
	dc.psk = c ? c->psk : "no-connection";
	dc.dpd_interval_ns = site->dpd_interval_ns;
	dc.initiator = c && site->initiator;
	dc.start_ns = sim_ms(100) + sim_ms(10) * (sim_time)i; /* devices come up one after another */
	dc.ike_lifetime_ns = site->ike_lifetime_ns;
	dc.child_lifetime_ns = site->sa_lifetime_ns;
	dc.ike_version = c && c->ike == SCN_IKEV1 ? 1 : 2;
	dc.mss_clamp = (uint16_t)site->mss_clamp;
	if (site->pfs_group) {
		dc.pfs_group = policy_pfs_group(site->pfs_group);
		if (dc.pfs_group < 0)
			return unsupported(d, site->loc, "this PFS group");
	}
	if (!custom_policy(c, &dc.policy, d))
		return false;
	char path[64];
	snprintf(path, sizeof path, "site:%s", site->name);
	path_params(path_of(s, path), &dc.path_up, &dc.path_down);
	*out = dc;
	return true;
}

static bool build_site(struct run *r, guint i, struct scn_diags *d)
{
	const struct scenario *s = r->s;
	const struct scn_site *site = s->sites->pdata[i];
	struct device_cfg dc;
	if (!run_device_cfg(s, i, &dc, d))
		return false;
	dc.tunnels_changed = lan_tunnels_changed;
	dc.tunnels_changed_ctx = r;
	GError *err = NULL;
	r->devices[i] = device_new(&r->w, &dc, &err);
	if (!r->devices[i]) {
		scn_diag_add(d, SCN_ERROR, site->loc, "[site.%s] %s", site->name, err->message);
		g_error_free(err);
		return false;
	}
	r->site_paths[i] = r->devices[i]->wan->link;
	const struct scn_prefix *lp = &g_array_index(site->prefixes, struct scn_prefix, 0);
	r->lan_owner[i] = (int)i;
	for (guint j = 0; j < i; j++)
		if (same_prefix_list(((const struct scn_site *)s->sites->pdata[j])->prefixes, site->prefixes)) {
			r->lan_owner[i] = (int)j;
			break;
		}
	int owner = r->lan_owner[i];
	unsigned nth = 0; /* how many devices already share this LAN */
	for (guint j = 0; j < i; j++)
		nth += r->lan_owner[j] == owner;
	r->lan_router[i] = host_addr(lp->addr, lp->plen, 1 + nth);
	if (owner == (int)i) {
		g_autofree char *hname = g_strdup_printf("%s-host", site->name);
		r->site_hosts[i] = device_add_host(r->devices[i], hname, host_addr(lp->addr, lp->plen, 10), r->lan_router[i]);
		r->lan_iface[i] = g_ptr_array_index(r->site_hosts[i]->ifaces, 0);
	} else {
		r->site_hosts[i] = r->site_hosts[owner];
		r->lan_iface[i] = device_join_host(r->devices[i], r->site_hosts[owner], host_addr(lp->addr, lp->plen, 10 + nth),
						   r->lan_router[i]);
	}
	return true;
}

bool run_connection_cfg(const struct scenario *s, const struct scn_connection *c, struct gw_connection_cfg *out,
			struct scn_diags *d)
{
	const struct scn_site *site = scenario_site(s, c->site);
	struct gw_connection_cfg cc;
	memset(&cc, 0, sizeof cc);
	cc.name = c->name;
	cc.site_ip = site->public_ip;
	prefixes_to(site->prefixes, cc.remote, GW_MAX_PREFIXES, &cc.n_remote);
	cc.psk = c->psk;
	cc.initiate = !site->initiator;
	cc.dpd_timeout_ns = c->policy.dpd_timeout_ns;
	cc.policy_based_ts = c->policy_based_ts;
	cc.ike_version = c->ike == SCN_IKEV1 ? 1 : 2;
	if (!custom_policy(c, &cc.policy, d))
		return false;
	*out = cc;
	return true;
}

static bool build_connection(struct run *r, const struct scn_connection *c, struct scn_diags *d)
{
	struct gw_connection_cfg cc;
	if (!run_connection_cfg(r->s, c, &cc, d))
		return false;
	GError *err = NULL;
	if (!gateway_add_connection(r->gw, &cc, &err)) {
		scn_diag_add(d, SCN_ERROR, c->loc, "[connection.%s] %s", c->name, err->message);
		g_error_free(err);
		return false;
	}
	return true;
}

/* The node of "site:NAME", "vnet", or "p2s:GROUP" (the group's first client). */
static struct sim_node *endpoint(struct run *r, const char *what)
{
	if (strcmp(what, "vnet") == 0)
		return r->vnet_host;
	if (strncmp(what, "p2s:", 4) == 0)
		for (guint i = 0; i < r->s->p2s_groups->len; i++)
			if (strcmp(((struct scn_p2s_group *)r->s->p2s_groups->pdata[i])->name, what + 4) == 0)
				return p2s_group_client(r->groups[i], 0)->node;
	if (strncmp(what, "site:", 5) == 0)
		for (guint i = 0; i < r->s->sites->len; i++)
			if (strcmp(((struct scn_site *)r->s->sites->pdata[i])->name, what + 5) == 0)
				return r->site_hosts[i];
	return NULL;
}

static uint32_t client_vip(void *ctx)
{
	return p2s_client_vip(ctx);
}

static struct p2s_client *p2s_first_client(struct run *r, const char *group)
{
	for (guint i = 0; i < r->s->p2s_groups->len; i++)
		if (strcmp(((struct scn_p2s_group *)r->s->p2s_groups->pdata[i])->name, group) == 0)
			return p2s_group_client(r->groups[i], 0);
	return NULL;
}

static bool build_attacker(struct run *r, guint i, struct scn_diags *d)
{
	const struct scn_attacker *a = r->s->attackers->pdata[i];
	struct attacker_cfg c;
	memset(&c, 0, sizeof c);
	c.name = a->name;
	c.addr = a->address;
	c.target_ip = a->target ? a->target : r->s->gw.public_ip[0];
	c.start_ns = a->start_ns;
	c.stop_ns = a->stop_ns;
	if (a->spoof) {
		c.spoof_prefix = a->spoof_from.addr;
		c.spoof_plen = a->spoof_from.plen;
	}
	c.flood_pps = a->flood_rate;
	c.replay_prob = a->replay;
	c.replay_delay_ns = a->replay_delay_ns;
	c.tamper_prob = a->tamper;
	c.tamper_delay_ns = a->tamper_delay_ns;
	c.garbage_pps = a->garbage_rate;
	GError *err = NULL;
	r->attackers[i] = attacker_new(&r->w, &c, &err);
	if (!r->attackers[i]) {
		scn_diag_add(d, SCN_ERROR, a->loc, "[attacker.%s] %s", a->name, err->message);
		g_error_free(err);
		return false;
	}
	return true;
}

static bool build_flow(struct run *r, guint i, struct scn_diags *d)
{
	const struct scn_flow *f = r->s->flows->pdata[i];
	struct sim_node *src = endpoint(r, f->from), *dst = endpoint(r, f->to);
	if (!src || !dst)
		return unsupported(d, f->loc, "this flow endpoint");
	static const enum traffic_kind kinds[] = { TRAFFIC_CBR, TRAFFIC_POISSON, TRAFFIC_ONOFF, TRAFFIC_BULK };
	struct traffic_flow_cfg c = {
		.name = f->name, .kind = kinds[f->kind], .src = src, .dst = dst,
		.sport = (uint16_t)(10000 + i), .dport = (uint16_t)(20000 + i), .pkt_bytes = f->packet_bytes,
		.rate_bps = f->rate_bps, .on_mean_ns = f->on_ns, .off_mean_ns = f->off_ns,
		.start_ns = f->start_ns, .stop_ns = f->stop_ns, .tcp = f->transport == SCN_TRANSPORT_TCP,
		/* to a P2S client: its virtual IP while it is connected (none: the packet is lost) */
		.dst_addr_fn = strncmp(f->to, "p2s:", 4) == 0 ? client_vip : NULL,
		.dst_addr_ctx = strncmp(f->to, "p2s:", 4) == 0 ? p2s_first_client(r, f->to + 4) : NULL,
	};
	GError *err = NULL;
	r->flows[i] = traffic_add_flow(&r->w.tr, &c, &err);
	if (!r->flows[i]) {
		scn_diag_add(d, SCN_ERROR, f->loc, "[flow.%s] %s", f->name, err->message);
		g_error_free(err);
		return false;
	}
	return true;
}

static void tap_both(struct sim_link *l, struct sim_pcap *pcap)
{
	sim_link_add_tap(l, SIM_LINK_A2B, sim_pcap_tap, pcap);
	sim_link_add_tap(l, SIM_LINK_B2A, sim_pcap_tap, pcap);
}

bool run_build(struct run *r, const struct scenario *s, const struct run_opts *o, struct scn_diags *d)
{
	memset(r, 0, sizeof *r);
	r->s = s;
	world_init(&r->w, s->seed);
	guint ns = s->sites->len;
	r->devices = g_new0(struct device *, ns ? ns : 1);
	r->site_hosts = g_new0(struct sim_node *, ns ? ns : 1);
	r->lan_owner = g_new0(int, ns ? ns : 1);
	r->lan_iface = g_new0(struct sim_iface *, ns ? ns : 1);
	r->lan_router = g_new0(uint32_t, ns ? ns : 1);
	r->site_paths = g_new0(struct sim_link *, ns ? ns : 1);
	r->flows = g_new0(struct traffic_flow *, s->flows->len ? s->flows->len : 1);
	r->attackers = g_new0(struct attacker *, s->attackers->len ? s->attackers->len : 1);
	r->faults = g_new0(struct run_fault, s->faults->len ? s->faults->len : 1);
	if (o && o->pcap_path) {
		keylog_init(&r->keylog);
		r->w.keylog = &r->keylog; /* before any model: their IKE nodes record every SA's keys */
	}
	r->groups = g_new0(struct p2s_group *, s->p2s_groups->len ? s->p2s_groups->len : 1);
	if (!build_gateway(r, d))
		return false;
	if (s->gw.p2s && !build_p2s(r, d))
		return false;
	for (guint i = 0; i < ns; i++)
		if (!build_site(r, i, d))
			return false;
	for (guint i = 0; i < s->connections->len; i++)
		if (!build_connection(r, s->connections->pdata[i], d))
			return false;
	for (guint i = 0; i < s->flows->len; i++)
		if (!build_flow(r, i, d))
			return false;
	for (guint i = 0; i < s->attackers->len; i++)
		if (!build_attacker(r, i, d))
			return false;
	for (guint i = 0; i < s->faults->len; i++) {
		const struct scn_fault *f = s->faults->pdata[i];
		r->faults[i].f = f;
		r->faults[i].r = r;
		if (f->kind == SCN_FAULT_POLICY_CHANGE && !policy_names(f->name, f->loc, &f->policy, &r->faults[i].policy, d))
			return false;
		sim_schedule_at(&r->w.sim, f->at_ns, fault_start, &r->faults[i], 0);
	}
	if (o && o->pcap_path) {
		GError *err = NULL;
		r->pcap = sim_pcap_open(o->pcap_path, &err);
		if (!r->pcap) {
			scn_diag_add(d, SCN_ERROR, (struct scn_loc){ NULL, 0 }, "%s", err->message);
			g_error_free(err);
			return false;
		}
		/* The sites' and P2S clients' access links in both directions: every IKE and ESP
		 * packet once. */
		for (guint i = 0; i < ns; i++)
			tap_both(r->site_paths[i], r->pcap);
		for (guint i = 0; i < s->p2s_groups->len; i++)
			for (guint k = 0; k < r->groups[i]->clients->len; k++)
				tap_both(p2s_group_client(r->groups[i], k)->wan->link, r->pcap);
	}
	return true;
}

/* ---- running ---- */

struct progress {
	struct run *r;
	gint64 t0, last;
	bool show;
};

static void progress_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct progress *p = ctx;
	if (p->show) {
		gint64 now = g_get_monotonic_time();
		if (now - p->last >= 500000 && now - p->t0 >= 1000000) {
			double wall = (double)(now - p->t0) / 1e6;
			fprintf(stderr, "\r  simulated %.1f of %.1f s, %.2f M events/s   ", sim_to_seconds(sim_now(sim)),
				sim_to_seconds(p->r->s->duration_ns), (double)sim->events_run / wall / 1e6);
			p->last = now;
		}
	}
	if (sim_now(sim) + SIM_NS_PER_S < p->r->s->duration_ns)
		sim_schedule_in(sim, SIM_NS_PER_S, progress_event, p, 0);
}

void run_export_counters(const struct run *r)
{
	gateway_export_counters(r->gw);
	for (guint i = 0; i < r->s->sites->len; i++)
		device_export_counters(r->devices[i]);
}

void run_execute(struct run *r, const struct run_opts *o)
{
	struct progress p = { r, g_get_monotonic_time(), 0, o && o->progress && isatty(2) };
	/* Always scheduled (one event per simulated second), shown only on a terminal: the
	 * simulation does not depend on where its output goes. */
	sim_schedule_in(&r->w.sim, SIM_NS_PER_S, progress_event, &p, 0);
	sim_time end = o && o->stop_early ? MIN(o->until_ns, r->s->duration_ns) : r->s->duration_ns;
	sim_run_until(&r->w.sim, end);
	run_export_counters(r);
	if (p.show && p.last)
		fprintf(stderr, "\r%60s\r", "");
}

bool run_write_keys(const struct run *r, const char *dir, GError **err)
{
	return !r->w.keylog || keylog_write(r->w.keylog, dir, err);
}

void run_destroy(struct run *r)
{
	if (r->pcap)
		sim_pcap_close(r->pcap, NULL);
	keylog_destroy(&r->keylog);
	if (r->devices)
		for (guint i = 0; i < r->s->sites->len; i++)
			device_free(r->devices[i]);
	if (r->groups)
		for (guint i = 0; i < r->s->p2s_groups->len; i++)
			p2s_group_free(r->groups[i]);
	if (r->attackers)
		for (guint i = 0; i < r->s->attackers->len; i++)
			attacker_free(r->attackers[i]);
	g_free(r->attackers);
	gateway_free(r->gw);
	world_destroy(&r->w);
	g_free(r->devices);
	g_free(r->site_hosts);
	g_free(r->lan_owner);
	g_free(r->lan_iface);
	g_free(r->lan_router);
	g_free(r->site_paths);
	g_free(r->flows);
	g_free(r->faults);
	g_free(r->groups);
	g_free(r->p2s_psk);
	ike_pki_set_free(&r->p2s_pki);
	memset(r, 0, sizeof *r);
}

/* ---- metrics ---- */

sim_time run_flow_outage(const struct run *r, const struct traffic_flow *f, const struct traffic_gap *gap_out)
{
	struct traffic_gap best = { 0, 0 }, g;
	sim_time now = sim_now(&r->w.sim);
	if (r->s->faults->len == 0) {
		if (traffic_gap_spanning(f, -1, 0, now, &g))
			best = g;
	}
	for (guint i = 0; i < r->s->faults->len; i++) {
		const struct scn_fault *fa = r->s->faults->pdata[i];
		if (traffic_gap_spanning(f, fa->at_ns, SIM_NS_PER_S, now, &g) && g.to - g.from > best.to - best.from)
			best = g;
	}
	if (gap_out)
		*(struct traffic_gap *)gap_out = best;
	return best.to - best.from;
}

double run_flow_throughput(const struct run *r, size_t i)
{
	const struct traffic_flow *f = r->flows[i];
	return traffic_rx_bps(f, f->cfg.start_ns, f->cfg.stop_ns);
}

bool run_connection_up(const struct run *r, const char *connection)
{
	for (guint i = 0; i < r->gw->conns->len; i++) {
		const struct gw_connection *c = r->gw->conns->pdata[i];
		if (strcmp(c->name, connection) == 0)
			return c->tun[0].up || c->tun[1].up;
	}
	return false;
}

double run_fairness(const struct run *r)
{
	guint n = r->s->sites->len;
	if (n == 0)
		return 1.0;
	double *x = g_new0(double, n);
	for (guint f = 0; f < r->s->flows->len; f++) {
		const struct scn_flow *sf = r->s->flows->pdata[f];
		for (guint i = 0; i < n; i++) {
			const struct scn_site *site = r->s->sites->pdata[i];
			g_autofree char *me = g_strdup_printf("site:%s", site->name);
			if (strcmp(sf->from, me) == 0 || strcmp(sf->to, me) == 0)
				x[i] += run_flow_throughput(r, f);
		}
	}
	double j = traffic_jain(x, n);
	g_free(x);
	return j;
}
