/* scenario.c: the description's defaults, lookups and release (see scenario.h for each default). */
#include "scenarios/scenario.h"

#include "models/gateway.h"

#include <string.h>

#define KIB UINT64_C(1024)
#define MIB (KIB * 1024)

static void policy_defaults(struct scn_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->ike_lifetime_ns = sim_s(28800);
	p->sa_lifetime_ns = sim_s(27000); /* RouteBased; the parser applies 3,600 s for PolicyBased */
	p->sa_lifetime_bytes = UINT64_C(102400000) * KIB;
	p->dpd_timeout_ns = sim_s(45);
}

static void policy_clear(struct scn_policy *p)
{
	g_free(p->ike_encryption);
	g_free(p->ike_integrity);
	g_free(p->dh_group);
	g_free(p->ipsec_encryption);
	g_free(p->ipsec_integrity);
	g_free(p->pfs_group);
}

static void loc_free(gpointer p)
{
	g_free(p);
}

struct scenario *scenario_new(void)
{
	struct scenario *s = g_new0(struct scenario, 1);
	s->files = g_ptr_array_new_with_free_func(g_free);
	s->loc_names = g_ptr_array_new_with_free_func(g_free);
	s->key_locs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, loc_free);
	s->description = g_strdup("");
	s->seed = 1;
	struct scn_gateway *g = &s->gw;
	g->name = g_strdup("azure-gw");
	g->type = SCN_ROUTE_BASED;
	g->mode = SCN_ACTIVE_STANDBY;
	g->vnet = g_array_new(FALSE, TRUE, sizeof(struct scn_prefix));
	g->health_probe_interval_ns = GW_DEFAULT_PROBE_INTERVAL_NS;
	g->health_probe_threshold = GW_DEFAULT_PROBE_THRESHOLD;
	g->p2s_key_bits = 2048;
	g->ike_cookie_threshold = 10; /* GW_DEFAULT_COOKIE_THRESHOLD */
	g->takeover_delay_ns = GW_DEFAULT_TAKEOVER_DELAY_NS;
	g->planned_handover_ns = GW_DEFAULT_PLANNED_HANDOVER_NS;
	g->queue_bytes = GW_DEFAULT_QUEUE_BYTES;
	s->sites = g_ptr_array_new();
	s->connections = g_ptr_array_new();
	s->paths = g_ptr_array_new();
	s->p2s_groups = g_ptr_array_new();
	s->flows = g_ptr_array_new();
	s->faults = g_ptr_array_new();
	s->attackers = g_ptr_array_new();
	s->expects = g_ptr_array_new();
	return s;
}

struct scn_site *scn_site_new(void)
{
	struct scn_site *x = g_new0(struct scn_site, 1);
	x->device = SCN_DEV_GENERIC;
	x->prefixes = g_array_new(FALSE, TRUE, sizeof(struct scn_prefix));
	x->traffic_selectors = g_array_new(FALSE, TRUE, sizeof(struct scn_prefix));
	x->tunnels = 1;
	x->initiator = true;
	return x;
}

struct scn_connection *scn_connection_new(void)
{
	struct scn_connection *x = g_new0(struct scn_connection, 1);
	x->ike = SCN_IKEV2;
	policy_defaults(&x->policy);
	return x;
}

struct scn_path *scn_path_new(void)
{
	struct scn_path *x = g_new0(struct scn_path, 1);
	x->rate_bps = UINT64_C(1000000000);
	x->rate_down_bps = x->rate_bps;
	x->delay_ns = sim_ms(10);
	x->queue_bytes = MIB;
	x->mtu = 1500;
	return x;
}

struct scn_p2s_group *scn_p2s_group_new(void)
{
	struct scn_p2s_group *x = g_new0(struct scn_p2s_group, 1);
	x->reconnect_min_ns = sim_s(1);
	x->reconnect_max_ns = sim_s(60);
	return x;
}

struct scn_flow *scn_flow_new(void)
{
	struct scn_flow *x = g_new0(struct scn_flow, 1);
	x->kind = SCN_FLOW_CBR;
	x->packet_bytes = 1400;
	return x;
}

struct scn_fault *scn_fault_new(void)
{
	return g_new0(struct scn_fault, 1);
}

struct scn_expect *scn_expect_new(void)
{
	return g_new0(struct scn_expect, 1);
}

struct scn_attacker *scn_attacker_new(void)
{
	struct scn_attacker *x = g_new0(struct scn_attacker, 1);
	x->replay_delay_ns = SIM_NS_PER_S;
	return x;
}

struct scn_loc scenario_loc(const struct scenario *s, const char *section, const char *key)
{
	g_autofree char *k = key ? g_strdup_printf("%s.%s", section, key) : g_strdup(section);
	const struct scn_loc *l = g_hash_table_lookup(s->key_locs, k);
	if (!l && key)
		l = g_hash_table_lookup(s->key_locs, section);
	if (l)
		return *l;
	return (struct scn_loc){ s->file, 0 };
}

#define FIND(type, list)                                                                           \
	for (guint i = 0; name && i < (list)->len; i++) {                                          \
		type *x = (list)->pdata[i];                                                        \
		if (x->name && strcmp(x->name, name) == 0)                                         \
			return x;                                                                  \
	}                                                                                          \
	return NULL

struct scn_site *scenario_site(const struct scenario *s, const char *name)
{
	FIND(struct scn_site, s->sites);
}

struct scn_connection *scenario_connection(const struct scenario *s, const char *name)
{
	FIND(struct scn_connection, s->connections);
}

struct scn_path *scenario_path(const struct scenario *s, const char *name)
{
	FIND(struct scn_path, s->paths);
}

struct scn_p2s_group *scenario_p2s_group(const struct scenario *s, const char *name)
{
	FIND(struct scn_p2s_group, s->p2s_groups);
}

struct scn_flow *scenario_flow(const struct scenario *s, const char *name)
{
	FIND(struct scn_flow, s->flows);
}

const char *scn_fault_kind_name(enum scn_fault_kind k)
{
	static const char *const names[] = {
		"instance-crash", "instance-recover", "maintenance", "path-down", "path-up",
		"loss-burst",     "delay-change",     "device-reboot", "psk-change", "policy-change",
	};
	return (unsigned)k < G_N_ELEMENTS(names) ? names[k] : "?";
}

const char *scn_flow_kind_name(enum scn_flow_kind k)
{
	static const char *const names[] = { "cbr", "poisson", "onoff", "bulk" };
	return (unsigned)k < G_N_ELEMENTS(names) ? names[k] : "?";
}

const char *scn_cmp_name(enum scn_cmp c)
{
	static const char *const names[] = { "<", "<=", ">", ">=", "==", "!=" };
	return (unsigned)c < G_N_ELEMENTS(names) ? names[c] : "?";
}

static void site_free(gpointer p)
{
	struct scn_site *x = p;
	g_free(x->name);
	g_array_unref(x->prefixes);
	g_array_unref(x->traffic_selectors);
	g_free(x->pfs_group);
	g_free(x);
}

static void connection_free(gpointer p)
{
	struct scn_connection *x = p;
	g_free(x->name);
	g_free(x->site);
	g_free(x->psk);
	policy_clear(&x->policy);
	g_free(x);
}

static void path_free(gpointer p)
{
	struct scn_path *x = p;
	g_free(x->name);
	g_free(x->from);
	g_free(x);
}

static void group_free(gpointer p)
{
	struct scn_p2s_group *x = p;
	g_free(x->name);
	g_free(x);
}

static void flow_free(gpointer p)
{
	struct scn_flow *x = p;
	g_free(x->name);
	g_free(x->from);
	g_free(x->to);
	g_free(x);
}

static void fault_free(gpointer p)
{
	struct scn_fault *x = p;
	g_free(x->name);
	g_free(x->target);
	g_free(x->text);
	policy_clear(&x->policy);
	g_free(x);
}

static void attacker_free_el(gpointer p)
{
	struct scn_attacker *x = p;
	g_free(x->name);
	g_free(x);
}

static void expect_free(gpointer p)
{
	struct scn_expect *x = p;
	g_free(x->name);
	g_free(x->metric);
	g_free(x->subject);
	g_free(x->text);
	g_free(x);
}

static void free_list(GPtrArray *a, GDestroyNotify fn)
{
	if (!a)
		return;
	for (guint i = 0; i < a->len; i++)
		fn(a->pdata[i]);
	g_ptr_array_unref(a);
}

void scenario_free(struct scenario *s)
{
	if (!s)
		return;
	g_free(s->file);
	if (s->files)
		g_ptr_array_unref(s->files);
	if (s->loc_names)
		g_ptr_array_unref(s->loc_names);
	if (s->key_locs)
		g_hash_table_unref(s->key_locs);
	g_free(s->name);
	g_free(s->description);
	g_free(s->gw.name);
	g_free(s->gw.sku);
	if (s->gw.vnet)
		g_array_unref(s->gw.vnet);
	free_list(s->sites, site_free);
	free_list(s->connections, connection_free);
	free_list(s->paths, path_free);
	free_list(s->p2s_groups, group_free);
	free_list(s->flows, flow_free);
	free_list(s->faults, fault_free);
	free_list(s->expects, expect_free);
	free_list(s->attackers, attacker_free_el);
	g_free(s);
}
