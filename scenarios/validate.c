/* validate.c: Azure's rules over a parsed scenario (see validate.h). */
#include "scenarios/validate.h"

#include "models/azure_sku.h"
#include "models/device.h"
#include "models/gateway.h"
#include "models/policy.h"
#include "sim/ipv4.h"

#include <stdarg.h>
#include <string.h>

struct v {
	const struct scenario *s;
	struct scn_diags *d;
	const struct azure_sku *sku; /* NULL when unknown (reported) */
	unsigned errors;
	guint n_before;              /* diagnostics that were there before validation (the parser's) */
};

/* True when an error was already reported at loc: the value written there did not parse, so a
 * rule about it would only judge the default that stands in for it. */
static bool already_refused(const struct v *v, struct scn_loc loc)
{
	if (loc.line == 0 || !loc.file)
		return false;
	for (guint i = 0; i < v->n_before; i++) {
		const struct scn_diag *g = &g_array_index(v->d->items, struct scn_diag, i);
		if (g->severity == SCN_ERROR && g->line == loc.line && strcmp(g->file, loc.file) == 0)
			return true;
	}
	return false;
}

static void report(struct v *v, enum scn_severity sev, const char *section, const char *key, const char *fmt, va_list ap)
{
	struct scn_loc loc = scenario_loc(v->s, section, key);
	if (key && already_refused(v, loc))
		return;
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	if (key)
		scn_diag_add(v->d, sev, loc, "[%s] %s: %s", section, key, msg);
	else
		scn_diag_add(v->d, sev, loc, "[%s]: %s", section, msg);
	if (sev == SCN_ERROR)
		v->errors++;
}

G_GNUC_PRINTF(4, 5) static void err(struct v *v, const char *section, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(v, SCN_ERROR, section, key, fmt, ap);
	va_end(ap);
}

G_GNUC_PRINTF(4, 5) static void warn(struct v *v, const char *section, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(v, SCN_WARNING, section, key, fmt, ap);
	va_end(ap);
}

static bool key_set(const struct scenario *s, const char *section, const char *key)
{
	g_autofree char *k = g_strdup_printf("%s.%s", section, key);
	return g_hash_table_contains(s->key_locs, k);
}

char *scn_format_duration(sim_time ns)
{
	static const struct {
		const char *unit;
		sim_time f;
	} units[] = { { "h", 3600 * SIM_NS_PER_S }, { "min", 60 * SIM_NS_PER_S }, { "s", SIM_NS_PER_S },
		      { "ms", SIM_NS_PER_MS },      { "us", SIM_NS_PER_US },      { "ns", 1 } };
	if (ns == 0)
		return g_strdup("0 s");
	for (unsigned i = 0; i < G_N_ELEMENTS(units); i++)
		if (ns % units[i].f == 0)
			return g_strdup_printf("%lld %s", (long long)(ns / units[i].f), units[i].unit);
	return g_strdup_printf("%lld ns", (long long)ns);
}

static char *fmt_prefix(const struct scn_prefix *p)
{
	char buf[SIM_IPV4_ADDRSTRLEN];
	return g_strdup_printf("%s/%u", sim_ipv4_addr_format(p->addr, buf), p->plen);
}

static bool overlap(const struct scn_prefix *a, const struct scn_prefix *b)
{
	unsigned plen = a->plen < b->plen ? a->plen : b->plen;
	return sim_ipv4_in_prefix(a->addr, b->addr, plen);
}

static bool same_prefixes(const GArray *a, const GArray *b)
{
	if (a->len != b->len)
		return false;
	for (guint i = 0; i < a->len; i++) {
		bool found = false;
		const struct scn_prefix *x = &g_array_index(a, struct scn_prefix, i);
		for (guint j = 0; j < b->len && !found; j++) {
			const struct scn_prefix *y = &g_array_index(b, struct scn_prefix, j);
			found = x->addr == y->addr && x->plen == y->plen;
		}
		if (!found)
			return false;
	}
	return true;
}

/* ---- the gateway and its SKU ---- */

static void check_sku(struct v *v)
{
	const struct scn_gateway *g = &v->s->gw;
	if (!g->sku)
		return; /* missing: reported by the parser */
	v->sku = azure_sku_find(g->sku, g->generation);
	if (v->sku)
		return;
	const struct azure_sku *other = azure_sku_find(g->sku, 0);
	if (other) {
		err(v, "gateway", "generation", "%s does not exist as Gen%d (azure-facts.md §1)", other->name, g->generation);
		return;
	}
	unsigned n;
	const struct azure_sku *all = azure_sku_all(&n);
	const char **names = g_new0(const char *, n + 1);
	GString *list = g_string_new(NULL);
	for (unsigned i = 0, k = 0; i < n; i++) {
		bool dup = false;
		for (unsigned j = 0; j < k; j++)
			dup |= strcmp(names[j], all[i].name) == 0;
		if (dup)
			continue;
		names[k++] = all[i].name;
		g_string_append_printf(list, "%s%s", list->len ? ", " : "", all[i].name);
	}
	const char *best = scn_did_you_mean(g->sku, names);
	if (best)
		err(v, "gateway", "sku", "expected an Azure VPN Gateway SKU (azure-facts.md §1), found '%s' (did you mean '%s'?)", g->sku,
		    best);
	else
		err(v, "gateway", "sku", "expected one of %s (azure-facts.md §1), found '%s'", list->str, g->sku);
	g_string_free(list, TRUE);
	g_free(names);
}

static void check_public_ips(struct v *v)
{
	const struct scn_gateway *g = &v->s->gw;
	if (g->n_public_ips == 0)
		return;
	if (g->mode == SCN_ACTIVE_ACTIVE && g->n_public_ips != 2)
		err(v, "gateway", "public_ip",
		    "an active-active gateway needs two public IPs, one per instance (azure-facts.md §2), found %u", g->n_public_ips);
	if (g->mode == SCN_ACTIVE_STANDBY && g->n_public_ips != 1)
		err(v, "gateway", "public_ip", "an active-standby gateway has one public IP (azure-facts.md §2), found %u",
		    g->n_public_ips);
	if (g->n_public_ips == 2 && g->public_ip[0] == g->public_ip[1])
		err(v, "gateway", "public_ip", "the two instances need two different public IPs (azure-facts.md §2)");
}

static void check_gateway_rules(struct v *v)
{
	const struct scenario *s = v->s;
	const struct scn_gateway *g = &s->gw;
	const struct azure_sku *k = v->sku;
	if (g->mode == SCN_ACTIVE_ACTIVE) {
		if (g->type == SCN_POLICY_BASED)
			err(v, "gateway", "mode", "active-active is not available on a PolicyBased gateway (azure-facts.md §2, §3)");
		else if (k && !k->active_active)
			err(v, "gateway", "mode", "active-active is not available on %s (azure-facts.md §1)", k->name);
	}
	if (g->type == SCN_POLICY_BASED) {
		if (k && !k->policy_based)
			err(v, "gateway", "type", "PolicyBased exists only on the Basic SKU (azure-facts.md §3), this gateway is %s",
			    k->name);
		if (s->connections->len > 1) {
			const struct scn_connection *c = s->connections->pdata[1];
			g_autofree char *sec = g_strdup_printf("connection.%s", c->name);
			err(v, sec, NULL, "a PolicyBased gateway allows one S2S connection (azure-facts.md §3), this scenario has %u",
			    s->connections->len);
		}
		if (g->p2s)
			err(v, "gateway", "p2s_pool", "a PolicyBased gateway has no point-to-site (azure-facts.md §3)");
	}
	/* tunnels: every connection builds one tunnel per device tunnel (azure-facts.md §1, §6) */
	unsigned tunnels = 0;
	for (guint i = 0; i < s->connections->len; i++) {
		const struct scn_connection *c = s->connections->pdata[i];
		const struct scn_site *site = scenario_site(s, c->site);
		tunnels += site ? site->tunnels : 1;
	}
	if (k && g->type == SCN_ROUTE_BASED && tunnels > k->s2s_tunnels)
		err(v, "gateway", "sku", "%s allows %u S2S tunnels (azure-facts.md §1), this scenario needs %u", k->name,
		    k->s2s_tunnels, tunnels);
	/* point-to-site */
	unsigned clients = 0;
	for (guint i = 0; i < s->p2s_groups->len; i++)
		clients += ((const struct scn_p2s_group *)s->p2s_groups->pdata[i])->count;
	if (s->p2s_groups->len > 0 && !g->p2s) {
		const struct scn_p2s_group *grp = s->p2s_groups->pdata[0];
		g_autofree char *sec = g_strdup_printf("p2s.%s", grp->name);
		err(v, sec, NULL, "P2S clients need an address pool: set p2s_pool in [gateway] (azure-facts.md §5)");
	}
	if (k && (g->p2s || clients > 0) && g->type == SCN_ROUTE_BASED) {
		if (k->p2s_ikev2 == 0)
			err(v, "gateway", g->p2s ? "p2s_pool" : "sku", "%s does not support IKEv2 point-to-site (azure-facts.md §1)",
			    k->name);
		else if (clients > k->p2s_ikev2)
			err(v, "gateway", "sku", "%s allows %u IKEv2 P2S clients (azure-facts.md §1), this scenario has %u", k->name,
			    k->p2s_ikev2, clients);
	}
}

static void check_p2s_pool(struct v *v)
{
	if (v->s->gw.p2s_key_bits % 256)
		err(v, "gateway", "p2s_key_bits", "expected a multiple of 256 (1024, 2048, 3072, 4096), found %u",
		    v->s->gw.p2s_key_bits);
	const struct scenario *s = v->s;
	const struct scn_gateway *g = &s->gw;
	if (!g->p2s)
		return;
	const struct scn_prefix *pool = &g->p2s_pool;
	g_autofree char *ps = fmt_prefix(pool);
	unsigned max_plen = g->mode == SCN_ACTIVE_ACTIVE ? 28 : 29;
	if (pool->plen > max_plen)
		err(v, "gateway", "p2s_pool", "expected at least a /%u for %s (azure-facts.md §5), found /%u", max_plen,
		    g->mode == SCN_ACTIVE_ACTIVE ? "active-active" : "active-standby", pool->plen);
	const struct scn_prefix priv[] = { { 0x0a000000, 8 }, { 0xac100000, 12 }, { 0xc0a80000, 16 } };
	bool is_private = false;
	for (unsigned i = 0; i < G_N_ELEMENTS(priv); i++)
		is_private |= pool->plen >= priv[i].plen && sim_ipv4_in_prefix(pool->addr, priv[i].addr, priv[i].plen);
	if (!is_private)
		err(v, "gateway", "p2s_pool", "%s is not a private range (10/8, 172.16/12, 192.168/16; azure-facts.md §5)", ps);
	for (guint i = 0; i < g->vnet->len; i++) {
		const struct scn_prefix *x = &g_array_index(g->vnet, struct scn_prefix, i);
		if (overlap(pool, x)) {
			g_autofree char *xs = fmt_prefix(x);
			err(v, "gateway", "p2s_pool", "%s overlaps the VNet prefix %s (azure-facts.md §5)", ps, xs);
		}
	}
	for (guint i = 0; i < s->sites->len; i++) {
		const struct scn_site *site = s->sites->pdata[i];
		for (guint j = 0; j < site->prefixes->len; j++) {
			const struct scn_prefix *x = &g_array_index(site->prefixes, struct scn_prefix, j);
			if (overlap(pool, x)) {
				g_autofree char *xs = fmt_prefix(x);
				err(v, "gateway", "p2s_pool", "%s overlaps %s of [site.%s] (azure-facts.md §5)", ps, xs, site->name);
			}
		}
	}
}

/* ---- sites and prefixes ---- */

static void check_sites(struct v *v)
{
	const struct scenario *s = v->s;
	const struct scn_gateway *g = &s->gw;
	for (guint i = 0; i < g->vnet->len; i++)
		for (guint j = i + 1; j < g->vnet->len; j++)
			if (overlap(&g_array_index(g->vnet, struct scn_prefix, i), &g_array_index(g->vnet, struct scn_prefix, j))) {
				g_autofree char *a = fmt_prefix(&g_array_index(g->vnet, struct scn_prefix, i));
				g_autofree char *b = fmt_prefix(&g_array_index(g->vnet, struct scn_prefix, j));
				err(v, "gateway", "vnet", "%s overlaps %s", b, a);
			}
	for (guint i = 0; i < s->sites->len; i++) {
		const struct scn_site *site = s->sites->pdata[i];
		g_autofree char *sec = g_strdup_printf("site.%s", site->name);
		if (site->traffic_selectors->len > 4)
			err(v, sec, "traffic_selectors", "expected at most 4 prefixes, found %u", site->traffic_selectors->len);
		for (guint j = 0; j < site->prefixes->len; j++) {
			const struct scn_prefix *x = &g_array_index(site->prefixes, struct scn_prefix, j);
			for (guint k = 0; k < g->vnet->len; k++) {
				const struct scn_prefix *y = &g_array_index(g->vnet, struct scn_prefix, k);
				if (overlap(x, y)) {
					g_autofree char *xs = fmt_prefix(x), *ys = fmt_prefix(y);
					err(v, sec, "prefixes", "%s overlaps the VNet prefix %s (routes would be ambiguous)", xs, ys);
				}
			}
		}
		for (guint o = 0; o < i; o++) {
			const struct scn_site *other = s->sites->pdata[o];
			if (same_prefixes(site->prefixes, other->prefixes)) {
				/* one network behind two devices (azure-facts.md §2): Azure needs BGP to
				 * announce one network over two connections */
				if (!g->bgp)
					err(v, sec, "prefixes",
					    "the same prefixes as [site.%s]: one network behind two devices needs BGP (azure-facts.md §2): set [gateway] bgp = true",
					    other->name);
				continue;
			}
			for (guint j = 0; j < site->prefixes->len; j++)
				for (guint k = 0; k < other->prefixes->len; k++) {
					const struct scn_prefix *x = &g_array_index(site->prefixes, struct scn_prefix, j);
					const struct scn_prefix *y = &g_array_index(other->prefixes, struct scn_prefix, k);
					if (overlap(x, y)) {
						g_autofree char *xs = fmt_prefix(x), *ys = fmt_prefix(y);
						err(v, sec, "prefixes",
						    "%s overlaps %s of [site.%s] (only identical prefix lists may be shared, by two devices of one network)",
						    xs, ys, other->name);
					}
				}
			if (site->public_ip == other->public_ip) {
				char buf[SIM_IPV4_ADDRSTRLEN];
				err(v, sec, "public_ip", "%s is also [site.%s]'s: each device needs its own public IP (azure-facts.md §2)",
				    sim_ipv4_addr_format(site->public_ip, buf), other->name);
			}
		}
		for (unsigned k = 0; k < g->n_public_ips; k++)
			if (site->public_ip == g->public_ip[k]) {
				char buf[SIM_IPV4_ADDRSTRLEN];
				err(v, sec, "public_ip", "%s is the gateway's public IP", sim_ipv4_addr_format(site->public_ip, buf));
			}
		if (g->mode == SCN_ACTIVE_STANDBY && site->tunnels == 2)
			err(v, sec, "tunnels", "2 tunnels need an active-active gateway with two public IPs (azure-facts.md §2)");
		if (g->mode == SCN_ACTIVE_ACTIVE && site->tunnels == 1)
			warn(v, sec, "tunnels",
			     "a device with one tunnel to an active-active gateway: Azure sends on both tunnels, so what it sends through the other instance is lost (azure-facts.md §2, pain point 5)");
		unsigned conns = 0;
		for (guint c = 0; c < s->connections->len; c++) {
			const struct scn_connection *cn = s->connections->pdata[c];
			conns += cn->site && strcmp(cn->site, site->name) == 0;
		}
		if (conns == 0)
			warn(v, sec, NULL, "no connection uses this site");
		if (conns > 1)
			warn(v, sec, NULL, "%u connections to one site: several tunnels to the same site require BGP (azure-facts.md §6)",
			     conns);
	}
}

/* ---- connections and policies ---- */

static bool is_gcm(const char *name)
{
	return name && g_str_has_prefix(name, "GCMAES");
}

static void check_connection(struct v *v, const struct scn_connection *c)
{
	const struct scenario *s = v->s;
	const struct scn_gateway *g = &s->gw;
	g_autofree char *sec = g_strdup_printf("connection.%s", c->name);
	if (c->site && !scenario_site(s, c->site)) {
		const char **names = g_new0(const char *, s->sites->len + 1);
		for (guint i = 0; i < s->sites->len; i++)
			names[i] = ((const struct scn_site *)s->sites->pdata[i])->name;
		const char *best = scn_did_you_mean(c->site, names);
		if (best)
			err(v, sec, "site", "expected the name of a [site.NAME] section, found '%s' (did you mean '%s'?)", c->site, best);
		else
			err(v, sec, "site", "expected the name of a [site.NAME] section, found '%s'", c->site);
		g_free(names);
	}
	const struct scn_policy *pol = &c->policy;
	if (g->type == SCN_POLICY_BASED) {
		if (c->ike != SCN_IKEV1)
			err(v, sec, "ike", "a PolicyBased gateway speaks IKEv1 only (azure-facts.md §1, §3): set ike = IKEv1");
		if (pol->custom)
			err(v, sec, NULL, "a custom IPsec/IKE policy is not available on a PolicyBased gateway (azure-facts.md §1, §4)");
		if (key_set(s, sec, "dpd_timeout"))
			warn(v, sec, "dpd_timeout", "a PolicyBased gateway does not support DPD (azure-facts.md §3); ignored");
		if (c->policy_based_ts)
			err(v, sec, "policy_based_ts", "UsePolicyBasedTrafficSelectors is a RouteBased option (azure-facts.md §3)");
	} else if (v->sku) {
		if (c->ike == SCN_IKEV1 && !v->sku->ikev1_route_based)
			err(v, sec, "ike", "a RouteBased %s gateway supports IKEv2 only (azure-facts.md §1)", v->sku->name);
		if (pol->custom && !v->sku->custom_policy)
			err(v, sec, NULL, "a custom IPsec/IKE policy is not available on %s (azure-facts.md §1, §4)", v->sku->name);
	}
	if (c->policy_based_ts && g->type == SCN_ROUTE_BASED) {
		if (c->ike != SCN_IKEV2)
			err(v, sec, "policy_based_ts", "UsePolicyBasedTrafficSelectors needs IKEv2 (azure-facts.md §3)");
		if (!pol->custom)
			err(v, sec, "policy_based_ts", "UsePolicyBasedTrafficSelectors needs a full custom policy (azure-facts.md §3)");
	}
	if (pol->dpd_timeout_ns < sim_s(9) || pol->dpd_timeout_ns > sim_s(3600)) {
		g_autofree char *t = scn_format_duration(pol->dpd_timeout_ns);
		err(v, sec, "dpd_timeout", "expected 9 s to 3600 s (azure-facts.md §4), found %s", t);
	}
	if (pol->sa_lifetime_ns < sim_s(300)) {
		g_autofree char *t = scn_format_duration(pol->sa_lifetime_ns);
		err(v, sec, "sa_lifetime", "expected at least 300 s (azure-facts.md §4), found %s", t);
	}
	if (pol->sa_lifetime_bytes < 1024 * 1024)
		err(v, sec, "sa_data_limit", "expected at least 1024 KB (azure-facts.md §4), found %llu B",
		    (unsigned long long)pol->sa_lifetime_bytes);
	if (pol->ike_lifetime_ns == 0)
		err(v, sec, "ike_lifetime", "expected a duration > 0");
	const struct scn_site *site = c->site ? scenario_site(s, c->site) : NULL;
	if (site && pol->custom && pol->pfs_group && site->pfs_group && strcmp(site->pfs_group, pol->pfs_group) != 0) {
		g_autofree char *ssec = g_strdup_printf("site.%s", site->name);
		warn(v, ssec, "pfs_group",
		     "the device uses %s, [%s] requires %s: CHILD SA negotiation will fail (PFS groups must match, azure-facts.md §4, pain point 1)",
		     site->pfs_group, sec, pol->pfs_group);
	}
	if (site && (g->type == SCN_POLICY_BASED || c->policy_based_ts)) {
		unsigned pairs = g->vnet->len * site->prefixes->len;
		if (pairs > 200)
			warn(v, sec, NULL,
			     "%u subnet SA pairs (VNet prefixes x site prefixes) exceed Azure's 200: some subnets will disconnect sporadically (azure-facts.md §3, pain point 8)",
			     pairs);
	}
	if (pol->custom && pol->ipsec_encryption && pol->ipsec_integrity &&
	    (is_gcm(pol->ipsec_encryption) || is_gcm(pol->ipsec_integrity)) &&
	    strcmp(pol->ipsec_encryption, pol->ipsec_integrity) != 0)
		err(v, sec, "ipsec_integrity",
		    "with GCM the IPsec integrity must be the same GCM variant as the encryption (azure-facts.md §4): expected %s, found %s",
		    is_gcm(pol->ipsec_encryption) ? pol->ipsec_encryption : "a GCMAES encryption", pol->ipsec_integrity);
}

/* ---- references, times ---- */

/* True when ep ("vnet", "site:X", "p2s:Y") names something that exists; reports otherwise. */
static bool check_endpoint(struct v *v, const char *sec, const char *key, const char *ep)
{
	if (!ep || strcmp(ep, "vnet") == 0)
		return true;
	if (g_str_has_prefix(ep, "site:")) {
		if (scenario_site(v->s, ep + 5))
			return true;
		err(v, sec, key, "no [site.%s] section for '%s'", ep + 5, ep);
		return false;
	}
	if (g_str_has_prefix(ep, "p2s:")) {
		if (scenario_p2s_group(v->s, ep + 4))
			return true;
		err(v, sec, key, "no [p2s.%s] section for '%s'", ep + 4, ep);
		return false;
	}
	return true; /* malformed: reported by the parser */
}

static void check_paths(struct v *v)
{
	const struct scenario *s = v->s;
	for (guint i = 0; i < s->paths->len; i++) {
		const struct scn_path *p = s->paths->pdata[i];
		g_autofree char *sec = g_strdup_printf("path.%s", p->name);
		if (!p->from || strcmp(p->from, "vnet") == 0)
			continue;
		check_endpoint(v, sec, "from", p->from);
		for (guint j = 0; j < i; j++) {
			const struct scn_path *q = s->paths->pdata[j];
			if (q->from && strcmp(q->from, p->from) == 0)
				err(v, sec, "from", "%s already has [path.%s] (one path per site or P2S group)", p->from, q->name);
		}
		if (p->mtu < 1280)
			warn(v, sec, "mtu", "an MTU of %u leaves little room under IPsec overhead (azure-facts.md §4: MTU 1400, MSS 1350)",
			     p->mtu);
	}
}

static void check_flows(struct v *v)
{
	const struct scenario *s = v->s;
	g_autofree char *dur = scn_format_duration(s->duration_ns);
	for (guint i = 0; i < s->flows->len; i++) {
		const struct scn_flow *f = s->flows->pdata[i];
		g_autofree char *sec = g_strdup_printf("flow.%s", f->name);
		check_endpoint(v, sec, "from", f->from);
		check_endpoint(v, sec, "to", f->to);
		if (f->from && f->to && strcmp(f->from, f->to) == 0)
			err(v, sec, "to", "a flow needs two different ends, found '%s' twice", f->to);
		if (f->transport == SCN_TRANSPORT_TCP && f->packet_bytes < 64)
			err(v, sec, "packet_size", "a tcp flow needs at least 64 B (IPv4, TCP, measurement header), found %u B",
			    f->packet_bytes);
		if (s->duration_ns <= 0)
			continue;
		if (f->start_ns >= s->duration_ns) {
			g_autofree char *t = scn_format_duration(f->start_ns);
			err(v, sec, "start", "%s is not before the end of the scenario (%s)", t, dur);
		}
		if (f->stop_ns > s->duration_ns) {
			g_autofree char *t = scn_format_duration(f->stop_ns);
			err(v, sec, "stop", "%s is after the end of the scenario (%s)", t, dur);
		}
		if (f->stop_ns <= f->start_ns && f->start_ns < s->duration_ns)
			err(v, sec, "stop", "the flow stops before it starts");
	}
}

/* ---- what the models implement ---- */

/* Azure accepts DES, 3DES, MD5 and DH group 1; the models refuse them rather than approximate. */
static void check_policy_names(struct v *v, const char *sec, const struct scn_policy *pol)
{
	static const char *const keys[] = { "ike_encryption",	"ike_integrity",   "dh_group",
					    "ipsec_encryption", "ipsec_integrity", "pfs_group" };
	const char *const names[] = { pol->ike_encryption,   pol->ike_integrity,   pol->dh_group,
				      pol->ipsec_encryption, pol->ipsec_integrity, pol->pfs_group };
	if (!pol->custom)
		return;
	for (unsigned f = POLICY_IKE_ENCRYPTION; f <= POLICY_PFS_GROUP; f++)
		if (names[f] && !policy_name_implemented(f, names[f]))
			err(v, sec, keys[f],
			    "expected an algorithm this simulator implements, found '%s' (Azure accepts it; DES, 3DES, MD5, DH group 1 and IKE without encryption are not simulated)",
			    names[f]);
}

static void check_prefix_count(struct v *v, const char *sec, const char *key, const GArray *prefixes, unsigned max)
{
	if (prefixes && prefixes->len > max)
		err(v, sec, key, "expected at most %u prefixes (what the models hold), found %u", max, prefixes->len);
}

static void check_implemented(struct v *v)
{
	const struct scenario *s = v->s;
	check_prefix_count(v, "gateway", "vnet", s->gw.vnet, MIN(GW_MAX_PREFIXES, DEVICE_MAX_PREFIXES));
	for (guint i = 0; i < s->connections->len; i++) {
		const struct scn_connection *c = s->connections->pdata[i];
		g_autofree char *sec = g_strdup_printf("connection.%s", c->name);
		check_policy_names(v, sec, &c->policy);
	}
	for (guint i = 0; i < s->sites->len; i++) {
		const struct scn_site *site = s->sites->pdata[i];
		g_autofree char *sec = g_strdup_printf("site.%s", site->name);
		check_prefix_count(v, sec, "prefixes", site->prefixes, MIN(GW_MAX_PREFIXES, DEVICE_MAX_PREFIXES));
		if (site->mss_clamp && site->mss_clamp < 88)
			err(v, sec, "mss_clamp", "expected 0 (none) or at least 88 B (the smallest MSS a stack accepts), found %u B",
			    site->mss_clamp);
		if (site->pfs_group && policy_pfs_group(site->pfs_group) < 0)
			err(v, sec, "pfs_group",
			    "expected a PFS group this simulator implements, found '%s' (Azure accepts it; PFS1 is not simulated)",
			    site->pfs_group);
	}
	for (guint i = 0; i < s->faults->len; i++) {
		const struct scn_fault *f = s->faults->pdata[i];
		g_autofree char *sec = g_strdup_printf("fault.%s", f->name);
		if (f->kind == SCN_FAULT_POLICY_CHANGE)
			check_policy_names(v, sec, &f->policy);
	}
}

static void check_faults(struct v *v)
{
	const struct scenario *s = v->s;
	g_autofree char *dur = scn_format_duration(s->duration_ns);
	for (guint i = 0; i < s->faults->len; i++) {
		const struct scn_fault *f = s->faults->pdata[i];
		g_autofree char *sec = g_strdup_printf("fault.%s", f->name);
		if (f->target) {
			switch (f->kind) {
			case SCN_FAULT_PATH_DOWN:
			case SCN_FAULT_PATH_UP:
			case SCN_FAULT_LOSS_BURST:
			case SCN_FAULT_DELAY_CHANGE:
				if (!scenario_path(s, f->target))
					err(v, sec, "target", "expected the name of a [path.NAME] section (kind %s), found '%s'",
					    scn_fault_kind_name(f->kind), f->target);
				break;
			case SCN_FAULT_DEVICE_REBOOT:
				if (!scenario_site(s, f->target))
					err(v, sec, "target", "expected the name of a [site.NAME] section (kind %s), found '%s'",
					    scn_fault_kind_name(f->kind), f->target);
				break;
			case SCN_FAULT_PSK_CHANGE:
			case SCN_FAULT_POLICY_CHANGE:
				if (!scenario_connection(s, f->target))
					err(v, sec, "target", "expected the name of a [connection.NAME] section (kind %s), found '%s'",
					    scn_fault_kind_name(f->kind), f->target);
				break;
			default:
				break; /* instances: checked by the parser */
			}
		}
		if (s->duration_ns <= 0)
			continue;
		if (f->at_ns >= s->duration_ns) {
			g_autofree char *t = scn_format_duration(f->at_ns);
			err(v, sec, "at", "%s is not before the end of the scenario (%s)", t, dur);
		} else if (f->duration_ns > s->duration_ns - f->at_ns) {
			warn(v, sec, "duration", "lasts beyond the end of the scenario (%s)", dur);
		}
	}
}

static void check_groups(struct v *v)
{
	const struct scenario *s = v->s;
	for (guint i = 0; i < s->p2s_groups->len; i++) {
		const struct scn_p2s_group *g = s->p2s_groups->pdata[i];
		g_autofree char *sec = g_strdup_printf("p2s.%s", g->name);
		if (g->arrive_to_ns < g->arrive_from_ns)
			err(v, sec, "arrive_to", "the arrival window ends before it begins (arrive_from)");
		if (g->reconnect_max_ns < g->reconnect_min_ns)
			err(v, sec, "reconnect_max", "is below reconnect_min");
		if (s->duration_ns > 0 && g->arrive_from_ns >= s->duration_ns)
			err(v, sec, "arrive_from", "is not before the end of the scenario");
	}
}

static void check_attackers(struct v *v)
{
	const struct scenario *s = v->s;
	for (guint i = 0; i < s->attackers->len; i++) {
		const struct scn_attacker *a = s->attackers->pdata[i];
		g_autofree char *sec = g_strdup_printf("attacker.%s", a->name);
		if (a->flood_rate > 1e6)
			err(v, sec, "flood_rate", "expected at most 1000000 requests per second, found %g", a->flood_rate);
		if (a->garbage_rate > 1e6)
			err(v, sec, "garbage_rate", "expected at most 1000000 datagrams per second, found %g", a->garbage_rate);
		if (s->duration_ns > 0 && a->start_ns >= s->duration_ns)
			err(v, sec, "start", "is not before the end of the scenario");
		if (a->stop_ns && a->stop_ns <= a->start_ns)
			err(v, sec, "stop", "expected a time after start");
		if (a->flood_rate == 0 && a->garbage_rate == 0 && a->replay == 0 && a->tamper == 0)
			warn(v, sec, NULL, "does nothing: flood_rate, garbage_rate, replay and tamper are all 0");
	}
}

static void check_expects(struct v *v)
{
	const struct scenario *s = v->s;
	for (guint i = 0; i < s->expects->len; i++) {
		const struct scn_expect *x = s->expects->pdata[i];
		if (!x->subject || x->kind == SCN_METRIC_COUNTER)
			continue; /* counters exist once the run has made them */
		bool flow = x->kind != SCN_METRIC_TUNNEL_UP_AT_END;
		if (x->windowed && s->duration_ns > 0 && (x->from_ns >= s->duration_ns || x->to_ns > s->duration_ns))
			err(v, "expect", x->name, "%s: expected a window inside the run (duration %.3f s)", x->metric,
			    sim_to_seconds(s->duration_ns));
		if (flow ? scenario_flow(s, x->subject) != NULL : scenario_connection(s, x->subject) != NULL)
			continue;
		err(v, "expect", x->name, "%s: no [%s.%s] section for this metric", x->metric, flow ? "flow" : "connection",
		    x->subject);
	}
}

bool scn_validate(const struct scenario *s, struct scn_diags *d)
{
	struct v v = { .s = s, .d = d, .n_before = d->items->len };
	check_sku(&v);
	check_public_ips(&v);
	check_gateway_rules(&v);
	check_p2s_pool(&v);
	check_sites(&v);
	for (guint i = 0; i < s->connections->len; i++)
		check_connection(&v, s->connections->pdata[i]);
	check_paths(&v);
	check_flows(&v);
	check_faults(&v);
	check_implemented(&v);
	check_groups(&v);
	check_attackers(&v);
	check_expects(&v);
	return v.errors == 0;
}
