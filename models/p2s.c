/* p2s.c: the gateway's P2S responder (peers, pool, per-client tunnels and routes, limit, failover
 * drops), the P2S client (initiator with a virtual IP, reconnect with back-off) and groups. */
#include "models/p2s.h"

#include <string.h>

#include "models/ipsec/ike_consts.h"
#include "sim/log.h"

GQuark p2s_error_quark(void);
G_DEFINE_QUARK(p2s-error-quark, p2s_error)
#define P2S_ERROR (p2s_error_quark())

/* Azure's P2S IKEv2 proposals (§5): IKE GCM-AES256 or AES256, PRF SHA384/SHA256, DH 24, 14,
 * ECP384, ECP256, plus AES256/SHA256/group 2; ESP GCM-AES256, AES256/SHA256, AES256/SHA1. The
 * engine holds IKE_MAX_PROPOSALS (8) IKE proposals: the eight below cover every DH group and
 * both ciphers and PRFs (not every cross product). */
static const struct ike_ike_proposal gw_ike[] = {
	{ IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_384, 0, IKE_DH_ECP384 },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256, 0, IKE_DH_ECP256 },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_384, 0, IKE_DH_MODP2048_S256 },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256, 0, IKE_DH_MODP2048 },
	{ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_384, IKE_INTEG_HMAC_SHA2_384_192, IKE_DH_ECP384 },
	{ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_ECP256 },
	{ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_MODP2048 },
	{ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_MODP1024 },
};

static const struct ike_esp_proposal p2s_esp[] = {
	{ IKE_ENCR_AES_GCM_16, 256, 0, 0 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 0 },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA1_96, 0 },
};

/* The client's default offer, most preferred first (all within §5): AES-CBC before AES-GCM and
 * ECP256 before ECP384 before MODP groups, the order of strongSwan's default IKE proposal
 * (Microsoft's Linux client sample is strongSwan, §5 [S11]). */
static const struct ike_ike_proposal client_ike[] = {
	{ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_ECP256 },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_384, 0, IKE_DH_ECP384 },
	{ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_MODP2048 },
};

static void set_proposals(struct ike_peer_cfg *p, const struct ike_ike_proposal *ike, size_t n_ike)
{
	p->n_ike = MIN(n_ike, (size_t)IKE_MAX_PROPOSALS);
	memcpy(p->ike, ike, p->n_ike * sizeof *ike);
	p->n_esp = G_N_ELEMENTS(p2s_esp);
	memcpy(p->esp, p2s_esp, sizeof p2s_esp);
}

static bool auth_is_cert(const struct p2s_auth *a)
{
	return a->cert_der && a->key_der && a->ca_der;
}

static bool auth_valid(const struct p2s_auth *a)
{
	return auth_is_cert(a) || (a->psk && a->psk[0]);
}

/* Authentication of a peer: certificate (the engine sends the certificate's subject as ID) or
 * PSK with our IPv4 address as ID. */
static void set_auth(struct ike_peer_cfg *p, const struct p2s_auth *a, uint32_t local_ip)
{
	if (auth_is_cert(a)) {
		p->auth = IKE_AUTH_MODE_CERT;
		p->cert_der = a->cert_der;
		p->cert_der_len = a->cert_der_len;
		p->key_der = a->key_der;
		p->key_der_len = a->key_der_len;
		p->ca_der = a->ca_der;
		p->ca_der_len = a->ca_der_len;
		return;
	}
	p->auth = IKE_AUTH_MODE_PSK;
	p->local_id.type = IKE_ID_IPV4_ADDR;
	p->local_id.len = 4;
	for (int b = 0; b < 4; b++)
		p->local_id.data[b] = (uint8_t)(local_ip >> (24 - 8 * b));
	size_t n = strlen(a->psk);
	p->psk_len = MIN(n, sizeof p->psk);
	memcpy(p->psk, a->psk, p->psk_len);
}

static void any_selectors(struct ike_peer_cfg *p)
{
	struct ike_ts4 any = { 0, UINT32_MAX, 0, 65535, 0 };
	p->local_ts[0] = any;
	p->remote_ts[0] = any;
	p->n_local_ts = p->n_remote_ts = 1;
}

/* ==== gateway side ==== */

/* A client's tunnel on one instance, created at its first CHILD SA there and kept (a client that
 * comes back from the same public IP reuses it). */
struct gw_p2s_tunnel {
	struct ipsec_tunnel *t;
	uint32_t vip;  /* routed into t while up */
	bool up;
};

struct gw_p2s_inst {
	int peer;
	uint32_t pool_start, pool_size;
	GHashTable *by_remote; /* client public IP -> struct gw_p2s_tunnel * (owned) */
	unsigned up;
};

struct gw_p2s {
	struct gateway *gw;
	struct gw_p2s_cfg cfg;          /* auth points into the copies below */
	GBytes *cert, *key, *ca;
	char *psk;
	uint32_t pool_base, half;       /* half: active-active split (0: none) */
	struct gw_p2s_inst inst[2];
	uint64_t *c_refused, *c_connects, *c_disconnects, *c_failover_drops;
};

static const uint8_t *copy_der(GBytes **dst, const uint8_t *src, size_t len)
{
	if (!src)
		return NULL;
	*dst = g_bytes_new(src, len);
	return g_bytes_get_data(*dst, NULL);
}

static uint32_t instance_public_ip(const struct gateway *gw, int i)
{
	return gw->cfg.active_active ? gw->cfg.public_ip[i] : gw->cfg.public_ip[0];
}

void gw_p2s_add_peer(struct gw_p2s *p, int inst)
{
	struct gateway *gw = p->gw;
	struct gw_instance *ins = &gw->inst[inst];
	struct ike_peer_cfg pc;
	memset(&pc, 0, sizeof pc);
	g_autofree char *name = g_strdup_printf("%s-p2s-i%d", gw->name, inst);
	pc.name = name;
	uint32_t ip = instance_public_ip(gw, inst);
	pc.local.ip = ip;
	pc.remote.ip = 0; /* any client */
	set_auth(&pc, &p->cfg.auth, ip);
	/* Lifetimes and DPD as for S2S (§4); proposals of §5. */
	policy_azure_default(&pc, false, gw->cfg.dpd_timeout_ns);
	set_proposals(&pc, gw_ike, G_N_ELEMENTS(gw_ike));
	any_selectors(&pc);
	pc.pool_start = p->inst[inst].pool_start;
	pc.pool_size = p->inst[inst].pool_size;
	GError *err = NULL;
	p->inst[inst].peer = ike_peer_add(ins->ike.ep, &pc, &err);
	g_assert_no_error(err); /* validated in gateway_enable_p2s */
}

bool gateway_enable_p2s(struct gateway *gw, const struct gw_p2s_cfg *cfg, GError **err)
{
	const struct azure_sku *sku = gw->cfg.sku;
	bool aa = gw->cfg.active_active;
	unsigned max_plen = aa ? 28 : 29;
	if (gw->p2s) {
		g_set_error(err, P2S_ERROR, 1, "gateway %s: P2S is already enabled", gw->name);
		return false;
	}
	if (!sku->p2s_ikev2) {
		g_set_error(err, P2S_ERROR, 2, "gateway %s: %s does not support IKEv2 P2S (azure-facts.md §1)", gw->name,
			    sku->name);
		return false;
	}
	if (gw->cfg.policy_based) {
		g_set_error(err, P2S_ERROR, 3, "gateway %s: a PolicyBased gateway has no P2S (azure-facts.md §3)", gw->name);
		return false;
	}
	if (cfg->pool.plen < 8 || cfg->pool.plen > max_plen) {
		g_set_error(err, P2S_ERROR, 4, "gateway %s: the P2S pool must be /%u or larger (azure-facts.md §5)",
			    gw->name, max_plen);
		return false;
	}
	for (size_t i = 0; i < gw->cfg.n_vnet; i++) {
		const struct device_prefix *v = &gw->cfg.vnet[i];
		if (sim_ipv4_in_prefix(cfg->pool.addr, v->addr, v->plen) ||
		    sim_ipv4_in_prefix(v->addr, cfg->pool.addr, cfg->pool.plen)) {
			g_set_error(err, P2S_ERROR, 5, "gateway %s: the P2S pool overlaps the VNet (azure-facts.md §5)",
				    gw->name);
			return false;
		}
	}
	uint32_t limit = cfg->max_clients ? cfg->max_clients : sku->p2s_ikev2;
	if (limit > sku->p2s_ikev2) {
		g_set_error(err, P2S_ERROR, 6, "gateway %s: %s allows %u IKEv2 P2S clients (azure-facts.md §1)", gw->name,
			    sku->name, sku->p2s_ikev2);
		return false;
	}
	if (!auth_valid(&cfg->auth)) {
		g_set_error(err, P2S_ERROR, 7, "gateway %s: P2S needs a certificate, key and root CA (or a PSK)",
			    gw->name);
		return false;
	}
	struct gw_p2s *p = g_new0(struct gw_p2s, 1);
	p->gw = gw;
	p->cfg = *cfg;
	p->cfg.max_clients = limit;
	p->cfg.auth.cert_der = copy_der(&p->cert, cfg->auth.cert_der, cfg->auth.cert_der_len);
	p->cfg.auth.key_der = copy_der(&p->key, cfg->auth.key_der, cfg->auth.key_der_len);
	p->cfg.auth.ca_der = copy_der(&p->ca, cfg->auth.ca_der, cfg->auth.ca_der_len);
	p->psk = g_strdup(cfg->auth.psk);
	p->cfg.auth.psk = p->psk;
	/* The pool without its network and broadcast addresses; active-active splits it in halves,
	 * one per instance, and each instance takes half the limit (rounded up). */
	uint32_t size = cfg->pool.plen == 0 ? 0 : 1u << (32 - cfg->pool.plen);
	p->pool_base = cfg->pool.addr & sim_ipv4_mask(cfg->pool.plen);
	p->cfg.pool.addr = p->pool_base;
	for (int i = 0; i < 2; i++) {
		struct gw_p2s_inst *pi = &p->inst[i];
		if (aa) {
			p->half = size / 2;
			pi->pool_start = p->pool_base + (i ? p->half : 1);
			pi->pool_size = MIN(p->half - 1, (limit + 1) / 2);
		} else {
			pi->pool_start = p->pool_base + 1;
			pi->pool_size = MIN(size - 2, limit);
		}
		pi->peer = -1;
		pi->by_remote = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	}
	struct sim_stats *st = &gw->w->net.stats;
	p->c_refused = sim_stats_counterf(st, "gateway/%s/p2s/refused", gw->name);
	p->c_connects = sim_stats_counterf(st, "gateway/%s/p2s/connects", gw->name);
	p->c_disconnects = sim_stats_counterf(st, "gateway/%s/p2s/disconnects", gw->name);
	p->c_failover_drops = sim_stats_counterf(st, "gateway/%s/p2s/failover_drops", gw->name);
	gw->p2s = p;
	sim_route_add(gw->vnet, p->pool_base, cfg->pool.plen, 0, gw->dispatch, NULL);
	for (int i = 0; i < 2; i++)
		if (gw->inst[i].alive)
			gw_p2s_add_peer(p, i); /* a dead one gets it when it recovers */
	return true;
}

void gw_p2s_free(struct gw_p2s *p)
{
	if (!p)
		return;
	for (int i = 0; i < 2; i++)
		g_hash_table_destroy(p->inst[i].by_remote);
	if (p->cert)
		g_bytes_unref(p->cert);
	if (p->key)
		g_bytes_unref(p->key);
	if (p->ca)
		g_bytes_unref(p->ca);
	g_free(p->psk);
	g_free(p);
}

struct ipsec_tunnel *gw_p2s_tunnel_needed(struct gw_p2s *p, int inst, const struct ike_child_info *c)
{
	if (!c->vip)
		return NULL; /* not a P2S client: no tunnel made up for it */
	struct gw_instance *ins = &p->gw->inst[inst];
	char ip[SIM_IPV4_ADDRSTRLEN];
	g_autofree char *name = g_strdup_printf("p2s-%s", sim_ipv4_addr_format(c->remote.ip, ip));
	struct gw_p2s_tunnel *gt = g_new0(struct gw_p2s_tunnel, 1);
	/* No address of its own (0/32): packets are routed into it by the client's VIP/32. */
	gt->t = ipsec_tunnel_new(&ins->in, name, 0, 32, 1400);
	g_hash_table_insert(p->inst[inst].by_remote, GUINT_TO_POINTER(c->remote.ip), gt);
	return gt->t;
}

/* Removes the route VIP/32 if it still points into t. */
static void unroute(struct sim_node *node, uint32_t vip, const struct ipsec_tunnel *t)
{
	const struct sim_route *r = sim_route_lookup(node, vip);
	if (r && r->plen == 32 && r->prefix == vip && r->iface == t->iface)
		sim_route_del(node, vip, 32);
}

void gw_p2s_child_up(struct gw_p2s *p, int inst, const struct ike_child_info *c, struct ipsec_tunnel *t)
{
	struct gw_p2s_tunnel *gt = g_hash_table_lookup(p->inst[inst].by_remote, GUINT_TO_POINTER(c->remote.ip));
	if (!gt || gt->t != t || !c->vip)
		return;
	struct sim_node *node = p->gw->inst[inst].node;
	if (gt->up && gt->vip != c->vip)
		unroute(node, gt->vip, t);
	gt->vip = c->vip;
	sim_route_add(node, c->vip, 32, 0, t->iface, NULL);
	if (!gt->up) {
		gt->up = true;
		p->inst[inst].up++;
		(*p->c_connects)++;
	}
}

static void tunnel_down(struct gw_p2s *p, int inst, struct gw_p2s_tunnel *gt)
{
	if (!gt->up)
		return;
	gt->up = false;
	p->inst[inst].up--;
	unroute(p->gw->inst[inst].node, gt->vip, gt->t);
}

void gw_p2s_child_down(struct gw_p2s *p, int inst, const struct ike_child_info *c, struct ipsec_tunnel *t)
{
	struct gw_p2s_tunnel *gt = g_hash_table_lookup(p->inst[inst].by_remote, GUINT_TO_POINTER(c->remote.ip));
	if (!gt || gt->t != t || t->out_sa || !gt->up) /* another CHILD SA still carries it (a rekey) */
		return;
	tunnel_down(p, inst, gt);
	(*p->c_disconnects)++;
}

void gw_p2s_ike_state(struct gw_p2s *p, int inst, uint64_t sa_id, enum ike_sa_state new_state)
{
	if (new_state != IKE_SA_ESTABLISHED)
		return;
	const struct ike_endpoint *ep = p->gw->inst[inst].ike.ep;
	if (ike_sa_error_notify(ep, sa_id) == IKE_N_INTERNAL_ADDRESS_FAILURE && !ike_sa_is_initiator(ep, sa_id))
		(*p->c_refused)++;
}

int gw_p2s_instance_for(const struct gw_p2s *p, uint32_t dst)
{
	if (!sim_ipv4_in_prefix(dst, p->pool_base, p->cfg.pool.plen))
		return -1;
	return p->half && dst - p->pool_base >= p->half ? 1 : 0;
}

void gw_p2s_instance_down(struct gw_p2s *p, int inst)
{
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, p->inst[inst].by_remote);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct gw_p2s_tunnel *gt = v;
		if (gt->up)
			(*p->c_failover_drops)++;
		tunnel_down(p, inst, gt);
	}
}

unsigned gateway_p2s_clients_on(const struct gateway *gw, int instance)
{
	return gw->p2s ? gw->p2s->inst[instance].up : 0;
}

unsigned gateway_p2s_clients(const struct gateway *gw)
{
	return gateway_p2s_clients_on(gw, 0) + gateway_p2s_clients_on(gw, 1);
}

uint64_t gateway_p2s_refused(const struct gateway *gw)
{
	return gw->p2s ? *gw->p2s->c_refused : 0;
}

/* ==== client ==== */

static sim_time now_of(const struct p2s_client *c)
{
	return sim_now(&c->w->sim);
}

static void attempt(struct p2s_client *c)
{
	(*c->c_attempts)++;
	c->ike_sa = ike_initiate(c->ike.ep, c->peer[c->target], now_of(c));
}

static void retry_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct p2s_client *c = ctx;
	c->retry_ev = 0;
	if (!c->ike_sa)
		attempt(c);
}

/* The next attempt after the back-off for the failures so far: min * 2^failures, capped at max,
 * stretched by a random 0-50 % (never beyond max). */
static void schedule_retry(struct p2s_client *c)
{
	if (c->retry_ev)
		return;
	sim_time d = c->cfg.backoff_min_ns;
	for (unsigned k = 0; k < c->failures && d < c->cfg.backoff_max_ns; k++)
		d *= 2;
	d = MIN(d, c->cfg.backoff_max_ns);
	d = MIN((sim_time)((double)d * (1.0 + 0.5 * sim_rng_uniform(&c->rng))), c->cfg.backoff_max_ns);
	c->failures++;
	c->retry_ev = sim_schedule_in(&c->w->sim, d, retry_event, c, 0);
}

static void delete_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct p2s_client *c = ctx;
	ike_delete(c->ike.ep, arg, sim_now(sim));
}

/* The tunnel is no longer usable: no VIP, no inner source address. */
static void mark_down(struct p2s_client *c)
{
	if (c->child_up) {
		(*c->c_drops)++;
		c->last_down = now_of(c);
	}
	c->child_up = false;
	c->vip = 0;
	sim_iface_set_addr(c->t->iface, 0);
}

/* Gives up the current IKE SA (deleting it if it still lives) and tries again later, at the next
 * gateway address. */
static void give_up(struct p2s_client *c, bool delete_sa)
{
	if (delete_sa && c->ike_sa)
		sim_schedule_in(&c->w->sim, 0, delete_event, c, c->ike_sa); /* not from inside a callback */
	c->ike_sa = 0;
	mark_down(c);
	c->target = (c->target + 1) % c->cfg.n_gateway_ip;
	schedule_retry(c);
}

static void on_child_up(void *ctx, struct ike_node *k, const struct ike_child_info *ci, struct ipsec_tunnel *t)
{
	struct p2s_client *c = ctx;
	if (t != c->t)
		return;
	uint32_t vip = ci->vip ? ci->vip : ike_sa_vip(k->ep, ci->sa_id);
	if (!vip)
		return;
	c->vip = vip;
	sim_iface_set_addr(c->t->iface, vip); /* the inner source address from now on */
	if (!c->child_up) {
		(*c->c_connects)++;
		c->last_up = now_of(c);
	}
	c->child_up = true;
	c->failures = 0;
	c->ike_sa = ci->sa_id;
	if (c->retry_ev) {
		sim_cancel(&c->w->sim, c->retry_ev);
		c->retry_ev = 0;
	}
}

static void on_child_down(void *ctx, struct ike_node *k, const struct ike_child_info *ci, struct ipsec_tunnel *t,
			  enum ike_down_reason why)
{
	struct p2s_client *c = ctx;
	if (t != c->t || t->out_sa) /* another CHILD SA still carries the tunnel (a rekey) */
		return;
	if (why == IKE_DOWN_IKE_GONE)
		return; /* the IKE SA's death (on_ike_state) handles it */
	if (c->child_up && ci->sa_id == c->ike_sa)
		give_up(c, true); /* an IKE SA without its CHILD SA is no use to a client */
}

static void on_ike_state(void *ctx, struct ike_node *k, uint64_t sa_id, enum ike_sa_state old_state,
			 enum ike_sa_state new_state)
{
	struct p2s_client *c = ctx;
	if (sa_id != c->ike_sa)
		return;
	if (new_state == IKE_SA_ESTABLISHED) {
		if (!ike_sa_vip(k->ep, sa_id)) { /* refused: no address (the gateway's limit) */
			(*c->c_refused)++;
			give_up(c, true);
		}
		return;
	}
	if (new_state != IKE_SA_DEAD)
		return;
	uint64_t est = ike_sa_find_established(k->ep, c->peer[c->target]);
	if (est) {
		c->ike_sa = est; /* replaced by a rekeyed IKE SA */
		return;
	}
	give_up(c, false); /* dropped, or the attempt failed */
}

static const struct ike_node_hooks client_hooks = {
	.child_up = on_child_up,
	.child_down = on_child_down,
	.ike_state = on_ike_state,
};

static void add_client_peers(struct p2s_client *c)
{
	for (size_t i = 0; i < c->cfg.n_gateway_ip; i++) {
		struct ike_peer_cfg p;
		memset(&p, 0, sizeof p);
		g_autofree char *name = g_strdup_printf("%s-gw%zu", c->name, i);
		p.name = name;
		p.local.ip = c->cfg.public_ip;
		p.remote.ip = c->cfg.gateway_ip[i];
		set_auth(&p, &c->cfg.auth, c->cfg.public_ip);
		/* strongSwan's timers (Microsoft's Linux client sample is strongSwan, §5 [S11]). */
		policy_device_preset(&p, DEVICE_STRONGSWAN);
		if (c->cfg.dpd_interval_ns)
			p.dpd_interval_ns = c->cfg.dpd_interval_ns > 0 ? c->cfg.dpd_interval_ns : 0;
		if (c->cfg.retransmit.timeout_ns)
			p.retransmit = c->cfg.retransmit;
		set_proposals(&p, c->cfg.ike ? c->cfg.ike : client_ike, c->cfg.ike ? c->cfg.n_ike : G_N_ELEMENTS(client_ike));
		any_selectors(&p);
		p.request_vip = true;
		GError *err = NULL;
		c->peer[i] = ike_peer_add(c->ike.ep, &p, &err);
		g_assert_no_error(err);
		ike_node_bind_tunnel(&c->ike, c->cfg.gateway_ip[i], c->t);
	}
}

static void start_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct p2s_client *c = ctx;
	if (!c->ike_sa && !c->retry_ev)
		attempt(c);
}

struct p2s_client *p2s_client_new(struct world *w, const struct p2s_client_cfg *cfg, GError **err)
{
	if (!cfg->name || !cfg->public_ip || cfg->n_gateway_ip < 1 || cfg->n_gateway_ip > 2 ||
	    cfg->n_routes > P2S_MAX_ROUTES || !auth_valid(&cfg->auth) || (cfg->ike && !cfg->n_ike)) {
		g_set_error(err, P2S_ERROR, 10,
			    "P2S client %s: needs a name, a public IP, 1-2 gateway IPs, up to %d routes and a "
			    "certificate (or PSK)",
			    cfg->name ? cfg->name : "?", P2S_MAX_ROUTES);
		return NULL;
	}
	if (sim_net_node(&w->net, cfg->name)) {
		g_set_error(err, P2S_ERROR, 11, "P2S client %s: the name is taken", cfg->name);
		return NULL;
	}
	struct p2s_client *c = g_new0(struct p2s_client, 1);
	c->w = w;
	c->cfg = *cfg;
	c->name = g_strdup(cfg->name);
	c->cfg.name = c->name;
	if (!c->cfg.backoff_min_ns)
		c->cfg.backoff_min_ns = P2S_DEFAULT_BACKOFF_MIN_NS;
	if (!c->cfg.backoff_max_ns)
		c->cfg.backoff_max_ns = P2S_DEFAULT_BACKOFF_MAX_NS;
	if (c->cfg.backoff_max_ns < c->cfg.backoff_min_ns)
		c->cfg.backoff_max_ns = c->cfg.backoff_min_ns;
	if (!c->cfg.path_up.rate_bps)
		c->cfg.path_up = world_path(100000000, sim_ms(20), 0, 0);
	if (!c->cfg.path_down.rate_bps)
		c->cfg.path_down = c->cfg.path_up;
	g_autofree char *stream = g_strdup_printf("p2s/%s", c->name);
	sim_rng_stream(&c->rng, w->sim.seed, stream);
	c->node = sim_node_new(&w->net, c->name);
	g_autofree char *path = g_strdup_printf("path-%s", c->name);
	if (cfg->access) {
		/* as world_attach, but to the access router, which the internet reaches it through */
		struct sim_link *l = sim_net_connect(&w->net, path, c->node, cfg->public_ip, cfg->access,
						     w->next_infra++, 32, &c->cfg.path_up, &c->cfg.path_down);
		c->wan = l->end[0];
		sim_route_add(c->node, 0, 0, 0, c->wan, NULL);
		sim_route_add(cfg->access, cfg->public_ip, 32, 0, l->end[1], NULL);
		const struct sim_route *up = sim_route_lookup(cfg->access, 0);
		g_assert(up && up->iface->link); /* the access router's default route: its uplink */
		world_route_public(w, cfg->public_ip, world_router_end(up->iface));
	} else {
		c->wan = world_attach(w, c->node, path, cfg->public_ip, &c->cfg.path_up, &c->cfg.path_down);
	}
	ipsec_node_init(&c->in, c->node);
	struct ike_endpoint_cfg ecfg = { 0 };
	ike_node_init(&c->ike, &c->in, &ecfg, &client_hooks, c);
	c->ike.keylog = c->w->keylog;
	c->t = ipsec_tunnel_new(&c->in, "vpn", 0, 32, 1400);
	for (size_t i = 0; i < cfg->n_routes; i++)
		sim_route_add(c->node, cfg->routes[i].addr, cfg->routes[i].plen, 0, c->t->iface, NULL);
	struct sim_stats *st = &w->net.stats;
	c->c_attempts = sim_stats_counterf(st, "p2s/%s/attempts", c->name);
	c->c_connects = sim_stats_counterf(st, "p2s/%s/connects", c->name);
	c->c_drops = sim_stats_counterf(st, "p2s/%s/drops", c->name);
	c->c_refused = sim_stats_counterf(st, "p2s/%s/refused", c->name);
	add_client_peers(c);
	sim_schedule_at(&w->sim, MAX(cfg->start_ns, sim_now(&w->sim)), start_event, c, 0);
	return c;
}

void p2s_client_free(struct p2s_client *c)
{
	if (!c)
		return;
	ike_node_export_counters(&c->ike, &c->w->net.stats);
	ike_node_destroy(&c->ike);
	ipsec_node_destroy(&c->in);
	g_free(c->name);
	g_free(c);
}

/* ==== groups ==== */

/* Client i's first attempt (clients are made in index order; *poisson_at carries the process). */
static sim_time next_arrival(const struct p2s_group_cfg *cfg, struct sim_rng *rng, unsigned i, double *poisson_at)
{
	double span = (double)(cfg->arrive_to_ns - cfg->arrive_from_ns);
	switch (cfg->arrival) {
	case P2S_ARRIVAL_EVEN:
		return cfg->arrive_from_ns + (cfg->count > 1 ? (sim_time)llround(span * i / (cfg->count - 1)) : 0);
	case P2S_ARRIVAL_POISSON:
		if (i > 0)
			*poisson_at += sim_rng_exponential(rng, span / cfg->count);
		return (sim_time)llround(*poisson_at);
	case P2S_ARRIVAL_UNIFORM:
	default:
		return cfg->arrive_from_ns + (sim_time)(sim_rng_uniform(rng) * span);
	}
}

struct p2s_group *p2s_group_new(struct world *w, const struct gateway *gw, const struct p2s_group_cfg *cfg,
				GError **err)
{
	if (!cfg->name || !cfg->count || cfg->arrive_to_ns < cfg->arrive_from_ns || cfg->arrive_from_ns < 0 ||
	    !cfg->public_ip_base || (uint64_t)cfg->public_ip_base + cfg->count > UINT32_MAX) {
		g_set_error(err, P2S_ERROR, 12,
			    "P2S group %s: needs a name, clients, a public IP range and an arrival window from <= to",
			    cfg->name ? cfg->name : "?");
		return NULL;
	}
	struct p2s_group *g = g_new0(struct p2s_group, 1);
	g->w = w;
	g->name = g_strdup(cfg->name);
	g->clients = g_ptr_array_new_full(cfg->count, (GDestroyNotify)p2s_client_free);
	struct sim_rng rng;
	g_autofree char *stream = g_strdup_printf("p2s-group/%s", cfg->name);
	sim_rng_stream(&rng, w->sim.seed, stream);
	struct p2s_client_cfg cc;
	memset(&cc, 0, sizeof cc);
	double poisson_at = (double)cfg->arrive_from_ns;
	cc.n_routes = MIN(gw->cfg.n_vnet, (size_t)P2S_MAX_ROUTES);
	for (size_t i = 0; i < cc.n_routes; i++)
		cc.routes[i] = gw->cfg.vnet[i];
	cc.auth = cfg->auth;
	cc.backoff_min_ns = cfg->backoff_min_ns;
	cc.backoff_max_ns = cfg->backoff_max_ns;
	cc.dpd_interval_ns = cfg->dpd_interval_ns;
	cc.path_up = cfg->path_up;
	cc.path_down = cfg->path_down;
	cc.ike = cfg->ike;
	cc.n_ike = cfg->n_ike;
	cc.n_gateway_ip = gw->cfg.active_active ? 2 : 1;
	g->isps = g_ptr_array_new();
	struct sim_link_params uplink = cfg->isp_uplink;
	if (!uplink.rate_bps)
		uplink = world_path(10000000000ull, sim_ms(1), 0, 0);
	for (unsigned i = 0; i < cfg->count; i++) {
		if (cfg->clients_per_isp && i % cfg->clients_per_isp == 0) {
			g_autofree char *isp = g_strdup_printf("%s-isp%u", cfg->name, i / cfg->clients_per_isp);
			if (sim_net_node(&w->net, isp)) {
				g_set_error(err, P2S_ERROR, 13, "P2S group %s: the name %s is taken", cfg->name, isp);
				p2s_group_free(g);
				return NULL;
			}
			struct sim_node *n = sim_node_new(&w->net, isp);
			sim_node_set_forwarding(n, true);
			g_autofree char *up = g_strdup_printf("uplink-%s", isp);
			world_attach(w, n, up, 0, &uplink, NULL);
			g_ptr_array_add(g->isps, n);
		}
		cc.access = cfg->clients_per_isp ? g->isps->pdata[g->isps->len - 1] : NULL;
		g_autofree char *name = g_strdup_printf("%s%u", cfg->name, i);
		cc.name = name;
		cc.public_ip = cfg->public_ip_base + i;
		cc.gateway_ip[0] = gw->cfg.public_ip[gw->cfg.active_active ? i % 2 : 0];
		cc.gateway_ip[1] = gw->cfg.public_ip[gw->cfg.active_active ? 1 - i % 2 : 0];
		cc.start_ns = next_arrival(cfg, &rng, i, &poisson_at);
		struct p2s_client *c = p2s_client_new(w, &cc, err);
		if (!c) {
			p2s_group_free(g);
			return NULL;
		}
		g_ptr_array_add(g->clients, c);
	}
	return g;
}

void p2s_group_free(struct p2s_group *g)
{
	if (!g)
		return;
	g_ptr_array_free(g->clients, TRUE);
	if (g->isps)
		g_ptr_array_free(g->isps, TRUE);
	g_free(g->name);
	g_free(g);
}

uint64_t p2s_group_bytes(const struct p2s_group *g)
{
	uint64_t n = 0;
	for (guint i = 0; i < g->clients->len; i++) {
		const struct p2s_client *c = g->clients->pdata[i];
		n += *c->t->c_tx_bytes + *c->t->c_rx_bytes;
	}
	return n;
}

unsigned p2s_group_up(const struct p2s_group *g)
{
	unsigned n = 0;
	for (guint i = 0; i < g->clients->len; i++)
		n += p2s_client_up(g->clients->pdata[i]);
	return n;
}
