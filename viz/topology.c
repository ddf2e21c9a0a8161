/* topology.c: the scenario's topology as a cgraph graph, laid out by dot and rendered by gvc.
 *
 * Ranks from left to right: on-prem networks, VPN devices (and P2S groups), the internet, the
 * gateway's instances, the VNet. Sites and the Azure side are clusters; every tunnel is one
 * edge from a device to the instance that terminates it. State is shown by line style and
 * words, colour only repeats it, so the picture also reads in grey. */
#include "viz/topology.h"

#include <dlfcn.h>
#include <gvc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(viz-topology-error-quark, viz_topology_error)

/* Colours: Azure blue for the Azure side, and state colours of distinct lightness. */
#define C_AZURE "#0078d4"
#define C_AZURE_FILL "#eaf3fb"
#define C_SITE_FILL "#f4f4f4"
#define C_LINE "#707070"
#define C_TUNNEL "#0063b1"
#define C_UP "#1b7a2f"
#define C_STANDBY "#b26a00"
#define C_CONNECTING "#6d6d6d"
#define C_DOWN "#c62828"
#define C_DOWN_FILL "#fde0e0"
#define FONT "Helvetica,Arial,sans-serif"

struct build {
	const struct scenario *s;
	const struct viz_overlay *ov;
	Agraph_t *g;
	Agnode_t *internet;
	Agnode_t *inst[2];
	GString *internet_label; /* "Internet" and a line per path */
	unsigned ip_holder; /* active-standby: the instance that holds the public IP */
};

static void set(void *obj, const char *name, const char *value)
{
	agsafeset(obj, (char *)name, (char *)value, (char *)"");
}

/* Label text: Graphviz reads backslash escapes in labels, so a user's backslash is doubled. */
static void append_text(GString *out, const char *text)
{
	for (const char *p = text ? text : ""; *p; p++) {
		if (*p == '\\')
			g_string_append_c(out, '\\');
		g_string_append_c(out, *p);
	}
}

static char *ip_str(uint32_t ip)
{
	return g_strdup_printf("%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255u, (ip >> 8) & 255u, ip & 255u);
}

static char *prefix_str(const struct scn_prefix *p)
{
	g_autofree char *ip = ip_str(p->addr);
	return g_strdup_printf("%s/%u", ip, p->plen);
}

/* Appends the prefixes, one per label line. */
static void append_prefixes(GString *out, const GArray *prefixes)
{
	for (guint i = 0; prefixes && i < prefixes->len; i++) {
		g_autofree char *p = prefix_str(&g_array_index(prefixes, struct scn_prefix, i));
		g_string_append_printf(out, "\\n%s", p);
	}
}

char *viz_format_rate(double bps)
{
	static const char *const units[] = {"bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"};
	unsigned u = 0;
	while (bps >= 999.5 && u + 1 < G_N_ELEMENTS(units)) { /* 999.7 Mbit/s is "1 Gbit/s" */
		bps /= 1000.0;
		u++;
	}
	char num[G_ASCII_DTOSTR_BUF_SIZE];
	g_ascii_formatd(num, sizeof num, bps >= 100.0 ? "%.0f" : "%.3g", bps);
	return g_strdup_printf("%s %s", num, units[u]);
}

static char *format_delay(sim_time ns)
{
	char num[G_ASCII_DTOSTR_BUF_SIZE];
	if (ns >= SIM_NS_PER_S) {
		g_ascii_formatd(num, sizeof num, "%.3g", (double)ns / 1e9);
		return g_strdup_printf("%s s", num);
	}
	if (ns >= SIM_NS_PER_MS) {
		g_ascii_formatd(num, sizeof num, "%.3g", (double)ns / 1e6);
		return g_strdup_printf("%s ms", num);
	}
	g_ascii_formatd(num, sizeof num, "%.3g", (double)ns / 1e3);
	return g_strdup_printf("%s us", num);
}

static const char *device_name(enum scn_device_preset d)
{
	switch (d) {
	case SCN_DEV_STRONGSWAN:
		return "strongSwan";
	case SCN_DEV_IKED:
		return "OpenBSD iked";
	case SCN_DEV_GENERIC:
		break;
	}
	return "VPN device";
}

/* ---- overlay lookups ---------------------------------------------------------------------- */

static const struct viz_tunnel_run *ov_tunnel(const struct viz_overlay *ov, const char *conn, unsigned index)
{
	for (size_t i = 0; ov && i < ov->n_tunnels; i++)
		if (ov->tunnels[i].index == index && g_strcmp0(ov->tunnels[i].connection, conn) == 0)
			return &ov->tunnels[i];
	return NULL;
}

static const struct viz_p2s_run *ov_p2s(const struct viz_overlay *ov, const char *group)
{
	for (size_t i = 0; ov && i < ov->n_p2s; i++)
		if (g_strcmp0(ov->p2s[i].group, group) == 0)
			return &ov->p2s[i];
	return NULL;
}

static bool ov_path_down(const struct viz_overlay *ov, const char *path_name)
{
	for (size_t i = 0; ov && i < ov->n_paths; i++)
		if (g_strcmp0(ov->paths[i].path, path_name) == 0)
			return ov->paths[i].down;
	return false;
}

static bool active_active(const struct scenario *s)
{
	return s->gw.mode == SCN_ACTIVE_ACTIVE;
}

static enum viz_instance_state instance_state(const struct build *b, unsigned i)
{
	if (b->ov && b->ov->instance[i] != VIZ_INSTANCE_UNKNOWN)
		return b->ov->instance[i];
	if (active_active(b->s) || i == 0)
		return VIZ_INSTANCE_ACTIVE;
	return VIZ_INSTANCE_STANDBY;
}

/* ---- pieces ------------------------------------------------------------------------------ */

static void set_defaults(Agraph_t *g)
{
	agattr(g, AGRAPH, (char *)"fontname", (char *)FONT);
	agattr(g, AGNODE, (char *)"fontname", (char *)FONT);
	agattr(g, AGEDGE, (char *)"fontname", (char *)FONT);
	agattr(g, AGNODE, (char *)"fontsize", (char *)"11");
	agattr(g, AGEDGE, (char *)"fontsize", (char *)"10");
	agattr(g, AGNODE, (char *)"shape", (char *)"box");
	agattr(g, AGNODE, (char *)"style", (char *)"rounded,filled");
	agattr(g, AGNODE, (char *)"fillcolor", (char *)"white");
	agattr(g, AGNODE, (char *)"color", (char *)C_LINE);
	agattr(g, AGEDGE, (char *)"dir", (char *)"none");
	agattr(g, AGEDGE, (char *)"color", (char *)C_LINE);
	set(g, "rankdir", "LR");
	set(g, "newrank", "true"); /* also: Graphviz 2.42 leaks in cluster mincross without it */
	set(g, "nodesep", "0.3");
	set(g, "ranksep", "0.9");
	set(g, "pad", "0.2");
	set(g, "bgcolor", "white");
	set(g, "labelloc", "t");
	set(g, "labeljust", "l");
	set(g, "fontsize", "14");
}

/* The object's SVG id: key, after the overlay's prefix if it has one. Every cluster needs one:
 * a subgraph without its own id would inherit the root graph's. */
static void set_id(struct build *b, void *obj, const char *key)
{
	if (b->ov && b->ov->svg_id) {
		g_autofree char *id = g_strdup_printf("%s-%s", b->ov->svg_id, key);
		set(obj, "id", id);
	} else {
		set(obj, "id", key);
	}
}

static void add_title(struct build *b)
{
	g_autoptr(GString) t = g_string_new(NULL);
	append_text(t, b->s->name ? b->s->name : "scenario");
	if (b->s->description && *b->s->description) {
		g_string_append(t, ": ");
		append_text(t, b->s->description);
	}
	if (b->ov) {
		if (b->ov->time_label) {
			g_string_append(t, "\\l");
			append_text(t, b->ov->time_label);
		}
		g_string_append(t, "\\ltunnels: solid = up, dashed = standby or connecting, dotted = DOWN");
	}
	g_string_append(t, "\\l");
	set(b->g, "label", t->str);
	/* Graphviz prefixes the ids it makes up (node1, edge2, clust3) with the graph's id */
	if (b->ov && b->ov->svg_id)
		set(b->g, "id", b->ov->svg_id);
}

unsigned viz_connection_tunnels(const struct scenario *s, const struct scn_connection *c)
{
	const struct scn_site *site = NULL;
	for (guint i = 0; s->sites && i < s->sites->len && !site; i++) {
		const struct scn_site *x = g_ptr_array_index(s->sites, i);
		if (g_strcmp0(x->name, c->site) == 0)
			site = x;
	}
	if (!site)
		return 0;
	unsigned n = site->tunnels ? site->tunnels : 1;
	unsigned max = active_active(s) ? 2 : 1;
	return n < max ? n : max;
}

/* How many tunnel and P2S edges end on instance i. */
static unsigned edges_on_instance(const struct build *b, unsigned i)
{
	unsigned n = 0;
	for (guint j = 0; b->s->connections && j < b->s->connections->len; j++) {
		unsigned t = viz_connection_tunnels(b->s, g_ptr_array_index(b->s->connections, j));
		if (active_active(b->s))
			n += t > i;
		else if (i == b->ip_holder)
			n += t;
	}
	if (i == b->ip_holder && b->s->p2s_groups)
		n += b->s->p2s_groups->len;
	return n;
}

static void add_azure(struct build *b)
{
	const struct scn_gateway *gw = &b->s->gw;
	Agraph_t *vnet = agsubg(b->g, (char *)"cluster_azure", 1);
	set_id(b, vnet, "cluster_azure");
	set(vnet, "label", "Azure virtual network");
	set(vnet, "style", "rounded,filled");
	set(vnet, "fillcolor", C_AZURE_FILL);
	set(vnet, "color", C_AZURE);
	set(vnet, "fontcolor", C_AZURE);
	set(vnet, "labelloc", "b");

	Agraph_t *gwc = agsubg(vnet, (char *)"cluster_gateway", 1);
	set_id(b, gwc, "cluster_gateway");
	g_autoptr(GString) l = g_string_new("VPN gateway ");
	append_text(l, gw->name ? gw->name : "azure-gw");
	g_string_append(l, "\\n");
	append_text(l, gw->sku ? gw->sku : "?");
	if (gw->generation)
		g_string_append_printf(l, " Gen%d", gw->generation);
	g_string_append_printf(l, " · %s · %s", gw->type == SCN_POLICY_BASED ? "PolicyBased" : "RouteBased",
			       active_active(b->s) ? "active-active" : "active-standby");
	if (gw->p2s) {
		g_autofree char *pool = prefix_str(&gw->p2s_pool);
		g_string_append_printf(l, "\\nP2S pool %s", pool);
	}
	set(gwc, "label", l->str);
	set(gwc, "style", "rounded,filled");
	set(gwc, "fillcolor", "white");
	set(gwc, "color", C_AZURE);
	set(gwc, "fontcolor", "black");
	set(gwc, "labelloc", "b"); /* tunnels arrive from above and the left: keep the label clear */

	/* active-standby: the IP sits on the active instance (instance 1 once it has taken over) */
	b->ip_holder = 0;
	if (!active_active(b->s) && b->ov && b->ov->instance[0] != VIZ_INSTANCE_ACTIVE &&
	    b->ov->instance[1] == VIZ_INSTANCE_ACTIVE)
		b->ip_holder = 1;

	Agnode_t *vn = agnode(vnet, (char *)"vnet", 1);
	set_id(b, vn, "vnet");
	g_autoptr(GString) vl = g_string_new("VNet address space");
	append_prefixes(vl, gw->vnet);
	set(vn, "label", vl->str);
	set(vn, "shape", "folder");
	set(vn, "style", "filled");

	/* instance 0 above instance 1: one rank, ordered by an invisible edge */
	Agraph_t *pair = agsubg(gwc, (char *)"instances", 1);
	set_id(b, pair, "instances");
	set(pair, "rank", "same");
	for (unsigned i = 0; i < 2; i++) {
		char name[16];
		g_snprintf(name, sizeof name, "instance%u", i);
		Agnode_t *n = agnode(pair, name, 1);
		set_id(b, n, name);
		b->inst[i] = n;
		enum viz_instance_state st = instance_state(b, i);
		bool has_ip = active_active(b->s) || i == b->ip_holder;
		uint32_t ip = active_active(b->s) ? gw->public_ip[i] : gw->public_ip[0];
		g_autoptr(GString) il = g_string_new(NULL);
		g_string_append_printf(il, "instance %u · %s\\n", i,
				       st == VIZ_INSTANCE_DOWN      ? "DOWN"
				       : st == VIZ_INSTANCE_STANDBY ? "standby"
								    : "active");
		if (has_ip) {
			g_autofree char *ips = ip_str(ip);
			g_string_append(il, ips);
		} else {
			g_string_append(il, "(no public IP)");
		}
		set(n, "label", il->str);
		set(n, "color", C_AZURE);
		/* tall enough for its tunnels to arrive side by side, not over the cluster's label */
		unsigned ends = edges_on_instance(b, i);
		if (ends > 2) {
			char h[G_ASCII_DTOSTR_BUF_SIZE];
			g_ascii_formatd(h, sizeof h, "%.2f", 0.25 * ends);
			set(n, "height", h);
		}
		if (st == VIZ_INSTANCE_DOWN) {
			set(n, "style", "rounded,filled,dotted");
			set(n, "penwidth", "2.5");
			set(n, "color", C_DOWN);
			set(n, "fillcolor", C_DOWN_FILL);
		} else if (st == VIZ_INSTANCE_STANDBY) {
			set(n, "style", "rounded,filled,dashed");
		} else {
			set(n, "penwidth", "1.8");
		}
		Agedge_t *e = agedge(b->g, n, vn, NULL, 1);
		set(e, "color", C_AZURE);
		if (i == 1) {
			/* (in LR, a flat edge's head goes above its tail) */
			Agedge_t *o = agedge(pair, n, b->inst[0], NULL, 1);
			set(o, "style", "invis");
		}
		if (i == b->ip_holder) {
			/* the Internet in the rank between the devices and the instances; one edge
			 * only, so that it crosses no tunnel */
			Agedge_t *ie = agedge(b->g, b->internet, n, NULL, 1);
			set(ie, "style", "invis");
		}
	}
}

/* The path whose from is "site:NAME" or "p2s:NAME" (kind is "site" or "p2s"). */
static const struct scn_path *find_path(const struct scenario *s, const char *kind, const char *name)
{
	g_autofree char *from = g_strdup_printf("%s:%s", kind, name ? name : "");
	for (guint i = 0; s->paths && i < s->paths->len; i++) {
		const struct scn_path *p = g_ptr_array_index(s->paths, i);
		if (g_strcmp0(p->from, from) == 0)
			return p;
	}
	return NULL;
}

/* A line of the Internet node's label for the path from an on-prem node: "hq: 1 Gbit/s,
 * 10 ms". (Path edges from every site to one Internet node crossed the tunnels of every other
 * site: the picture of ten sites was a tangle. The Internet is placed by one invisible edge to
 * the instance that holds the public IP.) */
static void add_path(struct build *b, const char *who, const struct scn_path *p)
{
	g_autofree struct scn_path *dflt = p ? NULL : scn_path_new(); /* no [path.NAME]: its defaults */
	GString *l = b->internet_label;
	append_text(l, who);
	g_string_append(l, dflt ? " (default): " : ": ");
	if (dflt)
		p = dflt;
	else if (ov_path_down(b->ov, p->name)) {
		g_string_append(l, "PATH DOWN\\l");
		return;
	}
	g_autofree char *up = viz_format_rate((double)p->rate_bps);
	g_autofree char *delay = format_delay(p->delay_ns);
	if (p->rate_down_bps && p->rate_down_bps != p->rate_bps) {
		g_autofree char *down = viz_format_rate((double)p->rate_down_bps);
		g_string_append_printf(l, "%s up, %s down", up, down);
	} else {
		g_string_append(l, up);
	}
	g_string_append_printf(l, ", %s", delay);
	if (p->loss > 0) {
		char num[G_ASCII_DTOSTR_BUF_SIZE];
		g_ascii_formatd(num, sizeof num, "%.3g", p->loss * 100.0);
		g_string_append_printf(l, ", loss %s%%", num);
	}
	g_string_append(l, "\\l");
}

/* "IKEv2 · GCMAES256" (Azure's default first offer), or the custom policy's phase 2. */
static void append_cipher(GString *l, const struct scn_connection *c)
{
	const struct scn_policy *p = &c->policy;
	g_string_append(l, c->ike == SCN_IKEV1 ? "IKEv1 · " : "IKEv2 · ");
	if (!p->custom || !p->ipsec_encryption) {
		g_string_append(l, "GCMAES256");
		return;
	}
	append_text(l, p->ipsec_encryption);
	if (p->ipsec_integrity && !g_str_has_prefix(p->ipsec_encryption, "GCM")) {
		g_string_append_c(l, '/');
		append_text(l, p->ipsec_integrity);
	}
	if (p->pfs_group && g_ascii_strcasecmp(p->pfs_group, "None") != 0) {
		g_string_append(l, " · ");
		append_text(l, p->pfs_group);
	}
}

/* Style and words for a state: solid/dashed/dotted first, colour second. */
static void style_state(void *e, GString *l, enum viz_tunnel_state st, double throughput_bps)
{
	switch (st) {
	case VIZ_TUNNEL_UNKNOWN:
		set(e, "color", C_TUNNEL);
		set(e, "penwidth", "2");
		return;
	case VIZ_TUNNEL_UP:
		set(e, "color", C_UP);
		set(e, "fontcolor", C_UP);
		set(e, "penwidth", "2.5");
		g_string_append(l, "\\nUP");
		break;
	case VIZ_TUNNEL_STANDBY:
		set(e, "color", C_STANDBY);
		set(e, "fontcolor", C_STANDBY);
		set(e, "style", "dashed");
		set(e, "penwidth", "2");
		g_string_append(l, "\\nstandby");
		break;
	case VIZ_TUNNEL_CONNECTING:
		set(e, "color", C_CONNECTING);
		set(e, "fontcolor", C_CONNECTING);
		set(e, "style", "dashed");
		set(e, "penwidth", "1.5");
		g_string_append(l, "\\nconnecting");
		break;
	case VIZ_TUNNEL_DOWN:
		set(e, "color", C_DOWN);
		set(e, "fontcolor", C_DOWN);
		set(e, "style", "dotted");
		set(e, "penwidth", "3");
		g_string_append(l, "\\nDOWN");
		return;
	}
	if (throughput_bps >= 0) {
		g_autofree char *r = viz_format_rate(throughput_bps);
		g_string_append_printf(l, " %s", r);
	}
}

static const char *state_class(enum viz_tunnel_state st)
{
	switch (st) {
	case VIZ_TUNNEL_UP:
		return "tunnel up";
	case VIZ_TUNNEL_STANDBY:
		return "tunnel standby";
	case VIZ_TUNNEL_CONNECTING:
		return "tunnel connecting";
	case VIZ_TUNNEL_DOWN:
		return "tunnel down";
	case VIZ_TUNNEL_UNKNOWN:
		break;
	}
	return "tunnel";
}

static void add_tunnels(struct build *b, const struct scn_connection *c, Agnode_t *device)
{
	unsigned n = viz_connection_tunnels(b->s, c);
	for (unsigned k = 0; k < n; k++) {
		unsigned inst = active_active(b->s) ? k : b->ip_holder;
		g_autofree char *key = g_strdup_printf("tunnel:%s:%u", c->name ? c->name : "", k);
		Agedge_t *e = agedge(b->g, device, b->inst[inst], key, 1);
		set(e, "minlen", "2"); /* over the Internet's rank */
		set(e, "headport", "w"); /* from the left: clear of the clusters' labels */
		g_autoptr(GString) l = g_string_new(NULL);
		append_text(l, c->name);
		if (n > 1)
			g_string_append_printf(l, " #%u", k);
		g_string_append(l, ": ");
		append_cipher(l, c);
		const struct viz_tunnel_run *run = ov_tunnel(b->ov, c->name, k);
		enum viz_tunnel_state st = run ? run->state : VIZ_TUNNEL_UNKNOWN;
		style_state(e, l, st, run ? run->throughput_bps : -1);
		set(e, "label", l->str);
		set_id(b, e, key);
		set(e, "class", state_class(st));
	}
	/* A device with one tunnel to an active-active gateway: Azure also sends on instance 1,
	 * whose packets have nowhere to go (azure-facts.md, pain point 5). Say so on the picture. */
	if (active_active(b->s) && n == 1) {
		g_autofree char *key = g_strdup_printf("missing:%s:1", c->name ? c->name : "");
		Agedge_t *e = agedge(b->g, device, b->inst[1], key, 1);
		set(e, "minlen", "2");
		set(e, "headport", "w");
		set(e, "style", "dotted");
		set(e, "color", "#9e9e9e");
		set(e, "fontcolor", "#6d6d6d");
		g_autoptr(GString) l = g_string_new(NULL);
		append_text(l, c->name);
		g_string_append(l, ": no tunnel to instance 1");
		set(e, "label", l->str);
		set_id(b, e, key);
		set(e, "class", "no-tunnel");
	}
}

static void add_sites(struct build *b)
{
	for (guint i = 0; b->s->sites && i < b->s->sites->len; i++) {
		const struct scn_site *site = g_ptr_array_index(b->s->sites, i);
		char name[32];
		g_snprintf(name, sizeof name, "cluster_site%u", i);
		Agraph_t *c = agsubg(b->g, name, 1);
		set_id(b, c, name);
		g_autoptr(GString) cl = g_string_new("site ");
		append_text(cl, site->name);
		set(c, "label", cl->str);
		set(c, "style", "rounded,filled");
		set(c, "fillcolor", C_SITE_FILL);
		set(c, "color", "#9e9e9e");

		g_snprintf(name, sizeof name, "site%u_lan", i);
		Agnode_t *lan = agnode(c, name, 1);
		set_id(b, lan, name);
		g_autoptr(GString) ll = g_string_new("on-prem networks");
		append_prefixes(ll, site->prefixes);
		set(lan, "label", ll->str);
		set(lan, "shape", "folder");
		set(lan, "style", "filled");

		g_snprintf(name, sizeof name, "site%u", i);
		Agnode_t *dev = agnode(c, name, 1);
		set_id(b, dev, name);
		g_autofree char *ip = ip_str(site->public_ip);
		g_autofree char *dl = g_strdup_printf("%s\\n%s", device_name(site->device), ip);
		set(dev, "label", dl);
		set(dev, "penwidth", "1.5");
		agedge(b->g, lan, dev, NULL, 1);
		add_path(b, site->name, find_path(b->s, "site", site->name));

		for (guint j = 0; b->s->connections && j < b->s->connections->len; j++) {
			const struct scn_connection *conn = g_ptr_array_index(b->s->connections, j);
			if (g_strcmp0(conn->site, site->name) == 0)
				add_tunnels(b, conn, dev);
		}
	}
}

static void add_p2s(struct build *b)
{
	for (guint i = 0; b->s->p2s_groups && i < b->s->p2s_groups->len; i++) {
		const struct scn_p2s_group *grp = g_ptr_array_index(b->s->p2s_groups, i);
		char name[32];
		g_snprintf(name, sizeof name, "p2s%u", i);
		Agnode_t *n = agnode(b->g, name, 1);
		set_id(b, n, name);
		g_autoptr(GString) l = g_string_new("P2S group ");
		append_text(l, grp->name);
		g_string_append_printf(l, "\\n%u client%s", grp->count, grp->count == 1 ? "" : "s");
		if (b->s->gw.p2s) {
			g_autofree char *pool = prefix_str(&b->s->gw.p2s_pool);
			g_string_append_printf(l, "\\npool %s", pool);
		}
		set(n, "label", l->str);
		set(n, "shape", "box3d");
		set(n, "style", "filled");
		g_autofree char *who = g_strdup_printf("%s (P2S)", grp->name ? grp->name : "");
		add_path(b, who, find_path(b->s, "p2s", grp->name));

		/* the group's clients reach the gateway through its public IP(s) */
		g_autofree char *key = g_strdup_printf("p2s:%s", grp->name ? grp->name : "");
		Agedge_t *e = agedge(b->g, n, b->inst[b->ip_holder], key, 1);
		set(e, "minlen", "2");
		set(e, "headport", "w"); /* like the tunnels: clear of the clusters' labels */
		set_id(b, e, key);
		g_autoptr(GString) el = g_string_new("P2S IKEv2 (certificate)");
		const struct viz_p2s_run *run = ov_p2s(b->ov, grp->name);
		enum viz_tunnel_state st = VIZ_TUNNEL_UNKNOWN;
		if (run) {
			g_string_append_printf(el, "\\n%u/%u connected", run->connected, grp->count);
			st = run->connected == 0 ? VIZ_TUNNEL_DOWN : VIZ_TUNNEL_UP;
		}
		style_state(e, el, st, run ? run->throughput_bps : -1);
		set(e, "label", el->str);
		set(e, "class", st == VIZ_TUNNEL_DOWN ? "p2s down" : st == VIZ_TUNNEL_UP ? "p2s up" : "p2s");
	}
}

/* ---- deterministic object IDs ------------------------------------------------------------
 * cgraph's default ID discipline uses the address of each interned name as its ID, and keeps
 * subgraphs in ID order, so the clusters came out in a different order from one rendering to
 * the next. This one numbers names in the order they are first seen: named objects get even
 * IDs (2, 4, ...), anonymous ones odd IDs, as the default does. The state lives with the graph. */

struct id_state {
	Agraph_t *g;       /* the root graph, whose string pool holds the names */
	GHashTable *ids;   /* name -> index + 1 into names */
	GPtrArray *names;  /* agstrdup'ed: agwrite asks the pool whether a name is HTML */
	IDTYPE next_anon;  /* odd */
};

static void *id_open(Agraph_t *g, Agdisc_t *disc)
{
	struct id_state *st = g_new0(struct id_state, 1);
	st->g = g;
	st->names = g_ptr_array_new();
	st->ids = g_hash_table_new(g_str_hash, g_str_equal);
	st->next_anon = 1;
	return st;
}

static long id_map(void *state, int objtype, char *str, IDTYPE *id, int createflag)
{
	struct id_state *st = state;
	if (!str) {
		*id = st->next_anon;
		st->next_anon += 2;
		return 1;
	}
	guint index = GPOINTER_TO_UINT(g_hash_table_lookup(st->ids, str));
	if (!index) {
		if (!createflag)
			return 0;
		char *name = agstrdup(st->g, str);
		g_ptr_array_add(st->names, name);
		index = st->names->len;
		g_hash_table_insert(st->ids, name, GUINT_TO_POINTER(index));
	}
	*id = (IDTYPE)index * 2;
	return 1;
}

static long id_alloc(void *state, int objtype, IDTYPE id)
{
	return 0; /* no caller-chosen IDs */
}

static void id_free(void *state, int objtype, IDTYPE id)
{
	/* names stay until the graph closes: an ID is never reused */
}

static char *id_print(void *state, int objtype, IDTYPE id)
{
	struct id_state *st = state;
	if (id % 2 != 0 || id == 0 || id / 2 > st->names->len)
		return NULL;
	return g_ptr_array_index(st->names, (guint)(id / 2 - 1));
}

static void id_close(void *state)
{
	struct id_state *st = state;
	g_hash_table_destroy(st->ids);
	for (guint i = 0; i < st->names->len; i++)
		agstrfree(st->g, g_ptr_array_index(st->names, i));
	g_ptr_array_unref(st->names);
	g_free(st);
}

static void id_register(void *state, int objtype, void *obj)
{
}

/* The disciplines a graph uses; it must outlive the graph. */
struct disc {
	Agdisc_t disc;
	Agiddisc_t id;
};

static void disc_init(struct disc *d)
{
	d->id = (Agiddisc_t){id_open, id_map, id_alloc, id_free, id_print, id_close, id_register};
	d->disc = (Agdisc_t){&AgMemDisc, &d->id, &AgIoDisc};
}

/* The whole graph; the caller closes it with agclose before d goes. */
static Agraph_t *build_graph(const struct scenario *s, const struct viz_overlay *ov, struct disc *d)
{
	struct build b = {.s = s, .ov = ov};
	disc_init(d);
	b.g = agopen((char *)"topology", Agdirected, &d->disc);
	set_defaults(b.g);
	add_title(&b);
	/* The internet, then the instances, exist before the edges that end on them. */
	b.internet = agnode(b.g, (char *)"internet", 1);
	set_id(&b, b.internet, "internet");
	b.internet_label = g_string_new("Internet\\n");
	set(b.internet, "style", "rounded,filled,dashed");
	set(b.internet, "fillcolor", "#f0f0f0");
	add_azure(&b);
	add_sites(&b);
	add_p2s(&b);
	set(b.internet, "label", b.internet_label->str);
	g_string_free(b.internet_label, TRUE);
	return b.g;
}

/* ---- rendering --------------------------------------------------------------------------- */

static bool known_format(const char *f)
{
	return f && (strcmp(f, "svg") == 0 || strcmp(f, "png") == 0 || strcmp(f, "dot") == 0 ||
		     strcmp(f, "xdot") == 0);
}

/* The graph as built (no layout), as DOT text. */
static char *write_dot(Agraph_t *g, size_t *len_out, GError **err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		g_set_error(err, VIZ_TOPOLOGY_ERROR, VIZ_TOPOLOGY_ERROR_RENDER, "cannot open a memory stream");
		return NULL;
	}
	int rc = agwrite(g, f);
	fclose(f);
	if (rc != 0) {
		free(buf);
		g_set_error(err, VIZ_TOPOLOGY_ERROR, VIZ_TOPOLOGY_ERROR_RENDER, "Graphviz could not write DOT");
		return NULL;
	}
	char *out = g_memdup2(buf, len + 1);
	free(buf);
	*len_out = len;
	return out;
}

/* Graphviz contexts, made on first use and kept for the process (library state, not ours:
 * rendering must not run in two threads at once, nor can Graphviz).
 *
 * SVG and DOT use a context with only the core renderers and the dot layout, loaded from
 * libgvc's own plugin directory. Without a text layout plugin Graphviz sizes labels from its
 * built-in Helvetica/Arial metrics, so the SVG is the same on every machine whatever fonts it
 * has installed, and the pango and fontconfig caches (which Graphviz 2.42 leaks on first use,
 * "definitely lost" for valgrind and LeakSanitizer) are never touched.
 *
 * PNG needs cairo and pango: a second context with every installed plugin, made only when a
 * PNG is asked for. It is never freed either: Graphviz 2.42's pango plugin keeps, in a static
 * variable, a pointer to a font name owned by the last context that measured text, and the next
 * context's first label would read freed memory. */
struct graphviz {
	GVC_t *plain;
	GVC_t *full;
	lt_symlist_t builtins[3]; /* gvContextPlugins keeps a pointer to this */
};

/* libgvc's directory + "/graphviz/" + file, dlopen'ed, or NULL. */
static void *open_plugin(const char *file)
{
	Dl_info info;
	if (!dladdr((void *)gvContext, &info) || !info.dli_fname)
		return NULL;
	g_autofree char *dir = g_path_get_dirname(info.dli_fname);
	g_autofree char *plugin = g_build_filename(dir, "graphviz", file, NULL);
	return dlopen(plugin, RTLD_NOW | RTLD_LOCAL);
}

static GVC_t *plain_context(struct graphviz *gv)
{
	void *core = open_plugin("libgvplugin_core.so.6");
	void *dot = open_plugin("libgvplugin_dot_layout.so.6");
	void *core_lib = core ? dlsym(core, "gvplugin_core_LTX_library") : NULL;
	void *dot_lib = dot ? dlsym(dot, "gvplugin_dot_layout_LTX_library") : NULL;
	if (!core_lib || !dot_lib)
		return gvContext(); /* another layout of plugins: every plugin, pango included */
	gv->builtins[0] = (lt_symlist_t){"gvplugin_core_LTX_library", core_lib};
	gv->builtins[1] = (lt_symlist_t){"gvplugin_dot_layout_LTX_library", dot_lib};
	gv->builtins[2] = (lt_symlist_t){NULL, NULL};
	return gvContextPlugins(gv->builtins, 0);
}

/* The context for format: plain for svg and dot, full for png. */
static GVC_t *graphviz(const char *format)
{
	static gsize once;
	if (g_once_init_enter(&once)) {
		struct graphviz *gv = g_new0(struct graphviz, 1);
		gv->plain = plain_context(gv);
		g_once_init_leave(&once, (gsize)gv);
	}
	struct graphviz *gv = (struct graphviz *)once;
	if (strcmp(format, "png") != 0)
		return gv->plain;
	if (!gv->full)
		gv->full = gvContext();
	return gv->full;
}

/* LeakSanitizer asks the program for default suppressions through this hook: any program that
 * links viz lays out with Graphviz, whose leaks (tests/graphviz.supp says which) are not ours.
 * Graphviz is built without frame pointers, so its frames are matched by library. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libgvc.so\n"
	       "leak:libgvplugin_dot_layout.so\n"
	       "leak:libgvplugin_pango.so\n"
	       "leak:libpango\n"
	       "leak:libfontconfig.so\n";
}

static char *lay_out_and_render(Agraph_t *g, const char *format, size_t *len_out, GError **err)
{
	GVC_t *gvc = graphviz(format);
	char *out = NULL;
	if (gvLayout(gvc, g, "dot") != 0) {
		g_set_error(err, VIZ_TOPOLOGY_ERROR, VIZ_TOPOLOGY_ERROR_RENDER, "Graphviz dot layout failed");
		return NULL;
	}
	char *data = NULL;
	unsigned int len = 0;
	if (gvRenderData(gvc, g, format, &data, &len) != 0 || !data) {
		g_set_error(err, VIZ_TOPOLOGY_ERROR, VIZ_TOPOLOGY_ERROR_RENDER,
			    "Graphviz could not render %s (is its plugin installed? libgvc6 brings svg and png)",
			    format);
	} else {
		out = g_malloc(len + 1);
		memcpy(out, data, len);
		out[len] = '\0';
		*len_out = len;
	}
	if (data)
		gvFreeRenderData(data);
	gvFreeLayout(gvc, g);
	return out;
}

char *viz_topology_data(const struct scenario *s, const struct viz_overlay *ov, const char *format,
			size_t *len_out, GError **err)
{
	g_return_val_if_fail(s != NULL && len_out != NULL, NULL);
	if (!known_format(format)) {
		g_set_error(err, VIZ_TOPOLOGY_ERROR, VIZ_TOPOLOGY_ERROR_FORMAT,
			    "unknown diagram format \"%s\": expected svg, png, dot or xdot", format ? format : "(none)");
		return NULL;
	}
	struct disc d;
	Agraph_t *g = build_graph(s, ov, &d);
	char *out = strcmp(format, "dot") == 0 ? write_dot(g, len_out, err)
					      : lay_out_and_render(g, format, len_out, err);
	agclose(g);
	return out;
}

char *viz_topology_svg(const struct scenario *s, const struct viz_overlay *ov, GError **err)
{
	size_t len;
	char *doc = viz_topology_data(s, ov, "svg", &len, err);
	if (!doc)
		return NULL;
	char *svg = strstr(doc, "<svg");
	if (!svg) {
		g_set_error(err, VIZ_TOPOLOGY_ERROR, VIZ_TOPOLOGY_ERROR_RENDER, "Graphviz wrote SVG without <svg>");
		g_free(doc);
		return NULL;
	}
	memmove(doc, svg, strlen(svg) + 1);
	return doc;
}

const char *viz_topology_format_of(const char *file, GError **err)
{
	const char *dot = strrchr(file, '.');
	const char *slash = strrchr(file, '/');
	if (dot && (!slash || dot > slash)) {
		static const char *const ext[][2] = { { "svg", "svg" }, { "png", "png" }, { "dot", "dot" },
						      { "gv", "dot" },   { "xdot", "xdot" } };
		for (size_t i = 0; i < G_N_ELEMENTS(ext); i++)
			if (g_ascii_strcasecmp(dot + 1, ext[i][0]) == 0)
				return ext[i][1];
	}
	g_set_error(err, VIZ_TOPOLOGY_ERROR, VIZ_TOPOLOGY_ERROR_FORMAT,
		    "%s: cannot tell the format from the extension (expected .svg, .png or .dot)", file);
	return NULL;
}

bool viz_topology_render(const struct scenario *s, const struct viz_overlay *ov, const char *out_path,
			 const char *format, GError **err)
{
	g_return_val_if_fail(s != NULL && out_path != NULL, false);
	if (!format && !(format = viz_topology_format_of(out_path, err)))
		return false;
	size_t len = 0;
	g_autofree char *data = viz_topology_data(s, ov, format, &len, err);
	if (!data)
		return false;
	GError *io = NULL;
	if (!g_file_set_contents(out_path, data, (gssize)len, &io)) {
		g_set_error(err, VIZ_TOPOLOGY_ERROR, VIZ_TOPOLOGY_ERROR_IO, "%s", io->message);
		g_error_free(io);
		return false;
	}
	return true;
}
