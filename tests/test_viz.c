/* test_viz.c: topology diagrams of every seed topology (structure read back from the DOT with
 * cgraph; SVG parsed as XML; overlay styles) and gnuplot plots (.dat exact, .gp with marks and
 * shading, SVG/PNG when gnuplot is installed).
 *
 * With VIZ_DOCS_DIR set, the diagrams listed in docs_pictures are also written there as PNG:
 * that is how docs/topologies/ is made (`VIZ_DOCS_DIR=$srcdir/docs/topologies tests/test_viz`,
 * then `pngquant 32 --strip --speed 1 --force --ext .png docs/topologies/[a-z]*.png` to keep them
 * to a few tens of KB). */
#include <cgraph.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "scenarios/parse.h"
#include "tests/cu.h"
#include "viz/plot.h"
#include "viz/topology.h"

/* ---- scenarios built in code ------------------------------------------------------------- */

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

static void site_free(gpointer p)
{
	struct scn_site *x = p;
	g_free(x->name);
	g_array_unref(x->prefixes);
	g_free(x);
}

static void conn_free(gpointer p)
{
	struct scn_connection *x = p;
	g_free(x->name);
	g_free(x->site);
	g_free(x->policy.ike_encryption);
	g_free(x->policy.ike_integrity);
	g_free(x->policy.dh_group);
	g_free(x->policy.ipsec_encryption);
	g_free(x->policy.ipsec_integrity);
	g_free(x->policy.pfs_group);
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

static struct scenario *scn(const char *name, const char *description, const char *sku, enum scn_gw_mode mode)
{
	struct scenario *s = g_new0(struct scenario, 1);
	s->name = g_strdup(name);
	s->description = g_strdup(description);
	s->duration_ns = sim_s(120);
	s->gw.name = g_strdup("azure-gw");
	s->gw.sku = g_strdup(sku);
	s->gw.mode = mode;
	s->gw.vnet = g_array_new(FALSE, FALSE, sizeof(struct scn_prefix));
	struct scn_prefix v = {IP(10, 0, 0, 0), 16};
	g_array_append_val(s->gw.vnet, v);
	s->gw.public_ip[0] = IP(20, 50, 1, 10);
	s->gw.public_ip[1] = mode == SCN_ACTIVE_ACTIVE ? IP(20, 50, 1, 11) : 0;
	s->sites = g_ptr_array_new_with_free_func(site_free);
	s->connections = g_ptr_array_new_with_free_func(conn_free);
	s->paths = g_ptr_array_new_with_free_func(path_free);
	s->p2s_groups = g_ptr_array_new_with_free_func(group_free);
	return s;
}

static void scn_destroy(struct scenario *s)
{
	g_free(s->name);
	g_free(s->description);
	g_free(s->gw.name);
	g_free(s->gw.sku);
	g_array_unref(s->gw.vnet);
	g_ptr_array_unref(s->sites);
	g_ptr_array_unref(s->connections);
	g_ptr_array_unref(s->paths);
	g_ptr_array_unref(s->p2s_groups);
	g_free(s);
}

/* A site with one /16, its connection (same name) and its path (rate, delay). */
static struct scn_connection *add_site(struct scenario *s, const char *name, uint32_t ip, uint32_t net,
				       unsigned tunnels, uint64_t rate_bps, sim_time delay_ns)
{
	struct scn_site *site = g_new0(struct scn_site, 1);
	site->name = g_strdup(name);
	site->public_ip = ip;
	site->tunnels = tunnels;
	site->initiator = true;
	site->device = SCN_DEV_GENERIC;
	site->prefixes = g_array_new(FALSE, FALSE, sizeof(struct scn_prefix));
	struct scn_prefix p = {net, 16};
	g_array_append_val(site->prefixes, p);
	g_ptr_array_add(s->sites, site);

	struct scn_connection *c = g_new0(struct scn_connection, 1);
	c->name = g_strdup(name);
	c->site = g_strdup(name);
	g_ptr_array_add(s->connections, c);

	struct scn_path *path = g_new0(struct scn_path, 1);
	path->name = g_strdup_printf("%s-internet", name);
	path->from = g_strdup_printf("site:%s", name);
	path->rate_bps = path->rate_down_bps = rate_bps;
	path->delay_ns = delay_ns;
	g_ptr_array_add(s->paths, path);
	return c;
}

static void add_p2s(struct scenario *s, const char *name, unsigned count, uint32_t pool, unsigned plen)
{
	s->gw.p2s = true;
	s->gw.p2s_pool.addr = pool;
	s->gw.p2s_pool.plen = plen;
	struct scn_p2s_group *g = g_new0(struct scn_p2s_group, 1);
	g->name = g_strdup(name);
	g->count = count;
	g_ptr_array_add(s->p2s_groups, g);
	struct scn_path *path = g_new0(struct scn_path, 1);
	path->name = g_strdup_printf("%s-internet", name);
	path->from = g_strdup_printf("p2s:%s", name);
	path->rate_bps = path->rate_down_bps = 200000000;
	path->delay_ns = sim_ms(30);
	g_ptr_array_add(s->paths, path);
}

static struct scenario *s2s_single(void)
{
	struct scenario *s = scn("s2s-single-site", "one branch, Basic policy-based gateway", "Basic",
				 SCN_ACTIVE_STANDBY);
	s->gw.type = SCN_POLICY_BASED;
	struct scn_connection *c = add_site(s, "branch", IP(198, 51, 100, 7), IP(192, 168, 0, 0), 1, 50000000,
					    sim_ms(15));
	c->ike = SCN_IKEV1;
	return s;
}

static struct scenario *active_standby(void)
{
	struct scenario *s = scn("active-standby", "one site, custom IPsec policy", "VpnGw1", SCN_ACTIVE_STANDBY);
	struct scn_connection *c = add_site(s, "hq", IP(203, 0, 113, 10), IP(10, 1, 0, 0), 1, 1000000000,
					    sim_ms(10));
	struct scn_site *site = g_ptr_array_index(s->sites, 0);
	site->device = SCN_DEV_STRONGSWAN;
	c->policy.custom = true;
	c->policy.ike_encryption = g_strdup("AES256");
	c->policy.ike_integrity = g_strdup("SHA256");
	c->policy.dh_group = g_strdup("DHGroup14");
	c->policy.ipsec_encryption = g_strdup("AES256");
	c->policy.ipsec_integrity = g_strdup("SHA256");
	c->policy.pfs_group = g_strdup("PFS2048");
	return s;
}

static struct scenario *active_active(void)
{
	struct scenario *s = scn("active-active", "one site with a tunnel to each instance", "VpnGw2",
				 SCN_ACTIVE_ACTIVE);
	s->gw.generation = 2;
	add_site(s, "hq", IP(203, 0, 113, 10), IP(10, 1, 0, 0), 2, 1000000000, sim_ms(10));
	struct scn_site *site = g_ptr_array_index(s->sites, 0);
	site->device = SCN_DEV_STRONGSWAN;
	return s;
}

static struct scenario *dual_redundancy(void)
{
	struct scenario *s = scn("dual-redundancy", "two devices, two connections, four tunnels", "VpnGw2",
				 SCN_ACTIVE_ACTIVE);
	add_site(s, "hq-a", IP(203, 0, 113, 10), IP(10, 1, 0, 0), 2, 1000000000, sim_ms(10));
	add_site(s, "hq-b", IP(198, 51, 100, 20), IP(10, 1, 0, 0), 2, 500000000, sim_ms(12));
	((struct scn_site *)g_ptr_array_index(s->sites, 1))->device = SCN_DEV_IKED;
	return s;
}

static struct scenario *multi_site(void)
{
	struct scenario *s = scn("multi-site", "ten branches share one VpnGw2", "VpnGw2", SCN_ACTIVE_STANDBY);
	for (unsigned i = 0; i < 10; i++) {
		char name[16];
		g_snprintf(name, sizeof name, "branch%02u", i + 1);
		add_site(s, name, IP(198, 51, 100, 10 + i), IP(10, 10 + i, 0, 0), 1, (i % 3 + 1) * 100000000ull,
			 sim_ms(5 + 5 * (i % 4)));
	}
	return s;
}

static struct scenario *p2s(void)
{
	struct scenario *s = scn("p2s", "200 remote users with IKEv2 certificates", "VpnGw1", SCN_ACTIVE_STANDBY);
	add_p2s(s, "laptops", 200, IP(172, 16, 200, 0), 24);
	return s;
}

static struct scenario *s2s_p2s(void)
{
	struct scenario *s = scn("s2s-p2s", "a site and remote users on one gateway", "VpnGw2", SCN_ACTIVE_STANDBY);
	add_site(s, "hq", IP(203, 0, 113, 10), IP(10, 1, 0, 0), 1, 1000000000, sim_ms(10));
	add_p2s(s, "laptops", 50, IP(172, 16, 200, 0), 24);
	return s;
}

/* ---- reading the DOT back ---------------------------------------------------------------- */

struct shape {
	int nodes, edges, visible_edges, clusters, tunnels, p2s;
};

static void count_clusters(Agraph_t *g, int *n)
{
	for (Agraph_t *sg = agfstsubg(g); sg; sg = agnxtsubg(sg)) {
		if (g_str_has_prefix(agnameof(sg), "cluster"))
			(*n)++;
		count_clusters(sg, n);
	}
}

static const char *attr(void *obj, const char *name)
{
	const char *v = agget(obj, (char *)name);
	return v ? v : "";
}

static struct shape shape_of(Agraph_t *g)
{
	struct shape sh = {.nodes = agnnodes(g), .edges = agnedges(g)};
	count_clusters(g, &sh.clusters);
	for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n))
		for (Agedge_t *e = agfstout(g, n); e; e = agnxtout(g, e)) {
			if (strcmp(attr(e, "style"), "invis") != 0)
				sh.visible_edges++;
			if (g_str_has_prefix(attr(e, "class"), "tunnel"))
				sh.tunnels++;
			if (g_str_has_prefix(attr(e, "class"), "p2s"))
				sh.p2s++;
		}
	return sh;
}

static const char *node_label(Agraph_t *g, const char *name)
{
	Agnode_t *n = agnode(g, (char *)name, 0);
	CU_ASSERT_PTR_NOT_NULL(n);
	return n ? attr(n, "label") : "";
}

static const char *cluster_label(Agraph_t *g, const char *name)
{
	Agraph_t *sg = agsubg(agsubg(g, (char *)"cluster_azure", 0), (char *)name, 0);
	if (!sg)
		sg = agsubg(g, (char *)name, 0);
	CU_ASSERT_PTR_NOT_NULL(sg);
	return sg ? attr(sg, "label") : "";
}

static Agedge_t *tunnel_edge(Agraph_t *g, const char *conn, unsigned k)
{
	char id[64];
	g_snprintf(id, sizeof id, "tunnel:%s:%u", conn, k);
	for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n))
		for (Agedge_t *e = agfstout(g, n); e; e = agnxtout(g, e))
			if (g_strcmp0(agnameof(e), id) == 0)
				return e;
	return NULL;
}

/* Every tunnel is labelled IKEv1/IKEv2 and ends on a gateway instance. */
static void check_tunnels(Agraph_t *g)
{
	for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n))
		for (Agedge_t *e = agfstout(g, n); e; e = agnxtout(g, e)) {
			if (!g_str_has_prefix(attr(e, "class"), "tunnel"))
				continue;
			CU_ASSERT(strstr(attr(e, "label"), "IKEv") != NULL);
			CU_ASSERT(g_str_has_prefix(agnameof(aghead(e)), "instance"));
			CU_ASSERT(g_str_has_prefix(agnameof(agtail(e)), "site"));
		}
}

/* ---- the layout, read back from xdot ---------------------------------------------------- */

struct box {
	double x0, y0, x1, y1; /* points */
	char what[96];
};

static bool boxes_overlap(const struct box *a, const struct box *b, double slack)
{
	return a->x0 + slack < b->x1 && b->x0 + slack < a->x1 && a->y0 + slack < b->y1 && b->y0 + slack < a->y1;
}

static bool node_box(Agnode_t *n, struct box *b)
{
	double x, y;
	if (sscanf(attr(n, "pos"), "%lf,%lf", &x, &y) != 2)
		return false;
	double w = g_ascii_strtod(attr(n, "width"), NULL) * 72.0 / 2;
	double h = g_ascii_strtod(attr(n, "height"), NULL) * 72.0 / 2;
	*b = (struct box){x - w, y - h, x + w, y + h, ""};
	g_snprintf(b->what, sizeof b->what, "node %s", agnameof(n));
	return true;
}

/* The boxes of the text lines of an xdot _ldraw_ ("F size n -font ... T x y j w n -text ..."). */
static void label_boxes(Agedge_t *e, GArray *out)
{
	const char *p = attr(e, "_ldraw_");
	double size = 10;
	while (*p) {
		while (*p == ' ')
			p++;
		char op = *p;
		if (!op)
			break;
		p++;
		if (op == 'F' || op == 'T') {
			char *end;
			double v[5];
			int nv = op == 'F' ? 2 : 5;
			for (int i = 0; i < nv; i++) {
				v[i] = g_ascii_strtod(p, &end);
				p = end;
			}
			while (*p == ' ')
				p++;
			if (*p == '-')
				p++;
			size_t n = (size_t)v[nv - 1];
			if (op == 'F') {
				size = v[0];
			} else {
				double x0 = v[2] < 0 ? v[0] : v[2] > 0 ? v[0] - v[3] : v[0] - v[3] / 2;
				struct box b = {x0, v[1] - size * 0.25, x0 + v[3], v[1] + size * 0.75, ""};
				g_snprintf(b.what, sizeof b.what, "label \"%.*s\"", (int)MIN(n, 60), p);
				g_array_append_val(out, b);
			}
			p += MIN(n, strlen(p));
		} else if (op == 'c' || op == 'C' || op == 't' || op == 'S') {
			/* colour, font characteristics, style: a number or a -string of n bytes */
			char *end;
			double n = g_ascii_strtod(p, &end);
			p = end;
			if (op != 't') {
				while (*p == ' ')
					p++;
				if (*p == '-')
					p++;
				p += MIN((size_t)n, strlen(p));
			}
		} else {
			break; /* no other operation in a label */
		}
	}
}

static double node_x(Agraph_t *g, const char *name)
{
	double x = 0, y;
	Agnode_t *n = agnode(g, (char *)name, 0);
	if (n)
		sscanf(attr(n, "pos"), "%lf,%lf", &x, &y);
	return x;
}

/* Overlaps in a laid-out graph: node on node, edge label on node or on another label (up to
 * five are printed). */
static unsigned count_overlaps(Agraph_t *g, unsigned *n_labels)
{
	GArray *nodes = g_array_new(FALSE, FALSE, sizeof(struct box));
	GArray *labels = g_array_new(FALSE, FALSE, sizeof(struct box));
	for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n)) {
		struct box b;
		if (node_box(n, &b))
			g_array_append_val(nodes, b);
		for (Agedge_t *e = agfstout(g, n); e; e = agnxtout(g, e))
			label_boxes(e, labels);
	}
	unsigned bad = 0;
	for (guint i = 0; i < nodes->len; i++)
		for (guint j = i + 1; j < nodes->len; j++)
			if (boxes_overlap(&g_array_index(nodes, struct box, i), &g_array_index(nodes, struct box, j), 0) &&
			    bad++ < 5)
				printf("\n  overlap: %s and %s", g_array_index(nodes, struct box, i).what,
				       g_array_index(nodes, struct box, j).what);
	for (guint i = 0; i < labels->len; i++) {
		const struct box *l = &g_array_index(labels, struct box, i);
		for (guint j = 0; j < nodes->len; j++)
			if (boxes_overlap(l, &g_array_index(nodes, struct box, j), 1) && bad++ < 5)
				printf("\n  overlap: %s and %s", l->what, g_array_index(nodes, struct box, j).what);
		for (guint j = i + 1; j < labels->len; j++)
			if (boxes_overlap(l, &g_array_index(labels, struct box, j), 1) && bad++ < 5)
				printf("\n  overlap: %s and %s", l->what, g_array_index(labels, struct box, j).what);
	}
	*n_labels = labels->len;
	g_array_unref(nodes);
	g_array_unref(labels);
	return bad;
}

/* What the pictures must be: no overlaps, and left to right the on-prem side, the Internet,
 * the gateway's instances, the VNet. */
static void check_layout(const struct scenario *s, const struct viz_overlay *ov)
{
	size_t len;
	GError *err = NULL;
	g_autofree char *xdot = viz_topology_data(s, ov, "xdot", &len, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(xdot);
	Agraph_t *g = agmemread(xdot);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	unsigned n_labels = 0;
	CU_ASSERT_EQUAL(count_overlaps(g, &n_labels), 0);
	CU_ASSERT(n_labels > 0 || s->connections->len + s->p2s_groups->len == 0);

	double internet = node_x(g, "internet"), inst = node_x(g, "instance0"), vnet = node_x(g, "vnet");
	CU_ASSERT(internet < inst && inst < vnet);
	for (guint i = 0; i < s->sites->len; i++) {
		char name[16];
		g_snprintf(name, sizeof name, "site%u", i);
		CU_ASSERT(node_x(g, name) < internet);
	}
	agclose(g);
}

/* The overlap check itself finds what it must (so that its silence above means something). */
static void test_overlap_check(void)
{
	static const char xdot[] =
		"digraph { a [pos=\"100,100\", width=1, height=0.5]; b [pos=\"150,100\", width=1, height=0.5];"
		" c [pos=\"400,100\", width=1, height=0.5]; d [pos=\"600,100\", width=1, height=0.5];"
		" c -> d [_ldraw_=\"F 10 5 -Arial c 7 -#000000 T 400 110 0 60 5 -hello \"];"
		" a -> d [_ldraw_=\"F 10 5 -Arial T 700 300 0 40 3 -far T 420 112 0 30 3 -two \"]; }";
	Agraph_t *g = agmemread(xdot);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	unsigned n_labels = 0;
	/* a on b; "hello" on c; "two" on c and on "hello"; "far" alone */
	CU_ASSERT_EQUAL(count_overlaps(g, &n_labels), 4);
	CU_ASSERT_EQUAL(n_labels, 3);
	printf("\n  (the overlaps above were planted)\n");
	agclose(g);
}

/* SVG parses as XML and is a whole document. */
static void check_svg(const char *svg)
{
	CU_ASSERT_FATAL(svg != NULL);
	CU_ASSERT(g_str_has_prefix(svg, "<?xml") || g_str_has_prefix(svg, "<svg"));
	CU_ASSERT(strstr(svg, "</svg>") != NULL);
	GMarkupParser parser = {0};
	GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, NULL, NULL);
	GError *err = NULL;
	gboolean ok = g_markup_parse_context_parse(ctx, svg, -1, &err) && g_markup_parse_context_end_parse(ctx, &err);
	if (!ok)
		printf("SVG not well-formed: %s\n", err->message);
	CU_ASSERT(ok);
	g_clear_error(&err);
	g_markup_parse_context_free(ctx);
}

/* The pictures in docs/topologies/: the seven seed topologies, two runs' overlays and the
 * single-tunnel device on an active-active gateway. */
static const char *const docs_pictures[] = {"s2s-single-site", "active-standby", "active-active", "dual-redundancy",
					    "multi-site", "p2s", "s2s-p2s", "active-active-failure",
					    "dual-redundancy-states", "active-active-one-tunnel", NULL};

/* Renders DOT and SVG files in a temporary directory (and PNG to VIZ_DOCS_DIR when set);
 * returns the graph read back from the DOT file. */
static Agraph_t *render_all(const struct scenario *s, const struct viz_overlay *ov, const char *name)
{
	GError *err = NULL;
	g_autofree char *dir = g_dir_make_tmp("test_viz-XXXXXX", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	g_autofree char *dotf = g_strdup_printf("%s/%s.dot", dir, name);
	g_autofree char *svgf = g_strdup_printf("%s/%s.svg", dir, name);
	CU_ASSERT(viz_topology_render(s, ov, dotf, NULL, &err));
	CU_ASSERT(viz_topology_render(s, ov, svgf, NULL, &err));
	if (err)
		printf("render: %s\n", err->message);
	g_clear_error(&err);

	g_autofree char *svg = NULL;
	CU_ASSERT(g_file_get_contents(svgf, &svg, NULL, NULL));
	check_svg(svg);
	/* the same input gives the same picture; for HTML, the <svg> element alone */
	g_autofree char *again = viz_topology_svg(s, ov, &err);
	CU_ASSERT(again && g_str_has_prefix(again, "<svg") && g_str_has_suffix(again, "</svg>\n"));
	CU_ASSERT(again && svg && strstr(svg, "<svg") && strcmp(again, strstr(svg, "<svg")) == 0);

	check_layout(s, ov);

	g_autofree char *dot = NULL;
	CU_ASSERT_FATAL(g_file_get_contents(dotf, &dot, NULL, NULL));
	Agraph_t *g = agmemread(dot);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	g_unlink(dotf);
	g_unlink(svgf);
	g_rmdir(dir);

	const char *docs = g_getenv("VIZ_DOCS_DIR");
	if (docs && g_strv_contains(docs_pictures, name)) {
		g_autofree char *png = g_strdup_printf("%s/%s.png", docs, name);
		CU_ASSERT(viz_topology_render(s, ov, png, NULL, &err));
		g_clear_error(&err);
	}
	return g;
}

/* ---- topology tests ---------------------------------------------------------------------- */

static void test_s2s_single(void)
{
	struct scenario *s = s2s_single();
	Agraph_t *g = render_all(s, NULL, "s2s-single-site");
	struct shape sh = shape_of(g);
	/* LAN + device, internet, 2 instances, VNet; LAN-dev, 2 to VNet, tunnel (and invisible ones
	 * for the layout: internet-instance0, instance1-instance0) */
	CU_ASSERT_EQUAL(sh.nodes, 6);
	CU_ASSERT_EQUAL(sh.visible_edges, 4);
	CU_ASSERT_EQUAL(sh.edges, 6);
	CU_ASSERT_EQUAL(sh.clusters, 3);
	CU_ASSERT_EQUAL(sh.tunnels, 1);
	CU_ASSERT(strstr(node_label(g, "site0"), "198.51.100.7") != NULL);
	CU_ASSERT(strstr(node_label(g, "site0_lan"), "192.168.0.0/16") != NULL);
	CU_ASSERT(strstr(node_label(g, "instance0"), "20.50.1.10") != NULL);
	CU_ASSERT(strstr(node_label(g, "instance1"), "standby") != NULL);
	CU_ASSERT(strstr(node_label(g, "instance1"), "no public IP") != NULL);
	CU_ASSERT(strstr(node_label(g, "vnet"), "10.0.0.0/16") != NULL);
	CU_ASSERT(strstr(cluster_label(g, "cluster_gateway"), "Basic") != NULL);
	CU_ASSERT(strstr(cluster_label(g, "cluster_gateway"), "PolicyBased") != NULL);
	CU_ASSERT(strstr(cluster_label(g, "cluster_site0"), "branch") != NULL);
	Agedge_t *t = tunnel_edge(g, "branch", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_STRING_EQUAL(attr(t, "label"), "branch: IKEv1 · GCMAES256");
	CU_ASSERT_STRING_EQUAL(agnameof(aghead(t)), "instance0");
	/* the Internet lists each path's rate and delay */
	CU_ASSERT_STRING_EQUAL(node_label(g, "internet"), "Internet\\nbranch: 50 Mbit/s, 15 ms\\l");
	check_tunnels(g);
	agclose(g);

	/* the path goes down: the Internet says so, the tunnel is down */
	struct viz_path_run pr = {"branch-internet", true};
	struct viz_tunnel_run tr = {"branch", 0, VIZ_TUNNEL_DOWN, -1};
	struct viz_overlay ov = {.time_label = "t = 5 s", .paths = &pr, .n_paths = 1, .tunnels = &tr, .n_tunnels = 1};
	g = render_all(s, &ov, "s2s-single-site-path-down");
	CU_ASSERT_STRING_EQUAL(node_label(g, "internet"), "Internet\\nbranch: PATH DOWN\\l");
	CU_ASSERT_STRING_EQUAL(attr(tunnel_edge(g, "branch", 0), "style"), "dotted");
	CU_ASSERT_STRING_EQUAL(attr(tunnel_edge(g, "branch", 0), "label"), "branch: IKEv1 · GCMAES256\\nDOWN");
	agclose(g);
	scn_destroy(s);
}

static void test_active_standby(void)
{
	struct scenario *s = active_standby();
	Agraph_t *g = render_all(s, NULL, "active-standby");
	struct shape sh = shape_of(g);
	CU_ASSERT_EQUAL(sh.tunnels, 1);
	CU_ASSERT_EQUAL(sh.clusters, 3);
	CU_ASSERT(strstr(node_label(g, "instance0"), "active") != NULL);
	CU_ASSERT(strstr(node_label(g, "instance0"), "20.50.1.10") != NULL);
	CU_ASSERT(strstr(node_label(g, "instance1"), "standby") != NULL);
	CU_ASSERT(strstr(node_label(g, "site0"), "strongSwan") != NULL);
	CU_ASSERT(strstr(attr(agnode(g, (char *)"instance1", 0), "style"), "dashed") != NULL);
	CU_ASSERT(strstr(cluster_label(g, "cluster_gateway"), "VpnGw1") != NULL);
	CU_ASSERT(strstr(cluster_label(g, "cluster_gateway"), "active-standby") != NULL);
	Agedge_t *t = tunnel_edge(g, "hq", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_STRING_EQUAL(attr(t, "label"), "hq: IKEv2 · AES256/SHA256 · PFS2048");
	agclose(g);

	/* after a takeover: instance 0 down, the IP and the tunnel on instance 1 */
	struct viz_tunnel_run tr = {"hq", 0, VIZ_TUNNEL_CONNECTING, -1};
	struct viz_overlay ov = {.time_label = "t = 14 s, after crash0",
				 .instance = {VIZ_INSTANCE_DOWN, VIZ_INSTANCE_ACTIVE},
				 .tunnels = &tr,
				 .n_tunnels = 1};
	g = render_all(s, &ov, "active-standby-takeover");
	t = tunnel_edge(g, "hq", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_STRING_EQUAL(agnameof(aghead(t)), "instance1");
	CU_ASSERT(strstr(attr(t, "style"), "dashed") != NULL);
	CU_ASSERT(strstr(attr(t, "label"), "connecting") != NULL);
	CU_ASSERT(strstr(node_label(g, "instance0"), "DOWN") != NULL);
	CU_ASSERT(strstr(node_label(g, "instance0"), "no public IP") != NULL);
	CU_ASSERT(strstr(node_label(g, "instance1"), "20.50.1.10") != NULL);
	CU_ASSERT(strstr(attr(agnode(g, (char *)"instance0", 0), "style"), "dotted") != NULL);
	CU_ASSERT(strstr(attr(g, "label"), "after crash0") != NULL);
	agclose(g);
	scn_destroy(s);
}

static void test_active_active(void)
{
	struct scenario *s = active_active();
	Agraph_t *g = render_all(s, NULL, "active-active");
	struct shape sh = shape_of(g);
	CU_ASSERT_EQUAL(sh.tunnels, 2);
	/* LAN-dev, 2 to VNet, 2 tunnels */
	CU_ASSERT_EQUAL(sh.visible_edges, 5);
	CU_ASSERT(strstr(node_label(g, "instance0"), "20.50.1.10") != NULL);
	CU_ASSERT(strstr(node_label(g, "instance1"), "20.50.1.11") != NULL);
	CU_ASSERT(strstr(node_label(g, "instance1"), "active") != NULL);
	CU_ASSERT(strstr(cluster_label(g, "cluster_gateway"), "VpnGw2 Gen2") != NULL);
	CU_ASSERT(strstr(cluster_label(g, "cluster_gateway"), "active-active") != NULL);
	Agedge_t *t0 = tunnel_edge(g, "hq", 0), *t1 = tunnel_edge(g, "hq", 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t1);
	CU_ASSERT_STRING_EQUAL(agnameof(aghead(t0)), "instance0");
	CU_ASSERT_STRING_EQUAL(agnameof(aghead(t1)), "instance1");
	check_tunnels(g);
	CU_ASSERT_EQUAL(sh.visible_edges, 5); /* no "no tunnel" edge */
	agclose(g);

	/* a device with one tunnel only: the picture says instance 1 has none from it */
	struct scn_site *site = g_ptr_array_index(s->sites, 0);
	site->tunnels = 1;
	g_free(s->description);
	s->description = g_strdup("a device that builds one tunnel only");
	g = render_all(s, NULL, "active-active-one-tunnel");
	sh = shape_of(g);
	CU_ASSERT_EQUAL(sh.tunnels, 1);
	Agedge_t *missing = NULL;
	for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n))
		for (Agedge_t *e = agfstout(g, n); e; e = agnxtout(g, e))
			if (strcmp(attr(e, "class"), "no-tunnel") == 0)
				missing = e;
	CU_ASSERT_PTR_NOT_NULL_FATAL(missing);
	CU_ASSERT_STRING_EQUAL(agnameof(aghead(missing)), "instance1");
	CU_ASSERT_STRING_EQUAL(attr(missing, "style"), "dotted");
	CU_ASSERT_STRING_EQUAL(attr(missing, "label"), "hq: no tunnel to instance 1");
	agclose(g);
	site->tunnels = 2;
	g_free(s->description);
	s->description = g_strdup("one site with a tunnel to each instance");

	/* instance 1 fails: its tunnel is down, the other carries the traffic */
	struct viz_tunnel_run tr[] = {{"hq", 0, VIZ_TUNNEL_UP, 612.5e6}, {"hq", 1, VIZ_TUNNEL_DOWN, 0}};
	struct viz_overlay ov = {.time_label = "t = 30 s, after crash1",
				 .svg_id = "after-crash1",
				 .instance = {VIZ_INSTANCE_ACTIVE, VIZ_INSTANCE_DOWN},
				 .tunnels = tr,
				 .n_tunnels = 2};
	g = render_all(s, &ov, "active-active-failure");
	t0 = tunnel_edge(g, "hq", 0);
	t1 = tunnel_edge(g, "hq", 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t1);
	CU_ASSERT_STRING_EQUAL(attr(t0, "label"), "hq #0: IKEv2 · GCMAES256\\nUP 612 Mbit/s");
	CU_ASSERT_STRING_EQUAL(attr(t0, "style"), "");
	CU_ASSERT_STRING_EQUAL(attr(t0, "class"), "tunnel up");
	CU_ASSERT(strstr(attr(t1, "label"), "DOWN") != NULL);
	CU_ASSERT_STRING_EQUAL(attr(t1, "style"), "dotted");
	CU_ASSERT_STRING_EQUAL(attr(t1, "class"), "tunnel down");
	CU_ASSERT_STRING_EQUAL(attr(t1, "id"), "after-crash1-tunnel:hq:1");
	CU_ASSERT_STRING_EQUAL(attr(g, "id"), "after-crash1");
	CU_ASSERT(strstr(node_label(g, "instance1"), "DOWN") != NULL);
	agclose(g);
	scn_destroy(s);
}

static void test_dual_redundancy(void)
{
	struct scenario *s = dual_redundancy();
	Agraph_t *g = render_all(s, NULL, "dual-redundancy");
	struct shape sh = shape_of(g);
	CU_ASSERT_EQUAL(sh.tunnels, 4);
	CU_ASSERT_EQUAL(sh.clusters, 4);
	CU_ASSERT_EQUAL(sh.nodes, 8);
	CU_ASSERT(strstr(node_label(g, "site1"), "OpenBSD iked") != NULL);
	CU_ASSERT(strstr(node_label(g, "site1"), "198.51.100.20") != NULL);
	for (unsigned k = 0; k < 2; k++) {
		char want[16];
		g_snprintf(want, sizeof want, "instance%u", k);
		CU_ASSERT_STRING_EQUAL(agnameof(aghead(tunnel_edge(g, "hq-a", k))), want);
		CU_ASSERT_STRING_EQUAL(agnameof(aghead(tunnel_edge(g, "hq-b", k))), want);
	}
	check_tunnels(g);
	agclose(g);

	/* standby: one device keeps its second tunnel as a backup */
	struct viz_tunnel_run tr[] = {{"hq-a", 0, VIZ_TUNNEL_UP, 4e8},
				      {"hq-a", 1, VIZ_TUNNEL_UP, 3.9e8},
				      {"hq-b", 0, VIZ_TUNNEL_STANDBY, -1},
				      {"hq-b", 1, VIZ_TUNNEL_DOWN, -1}};
	struct viz_overlay ov = {.time_label = "t = 60 s", .tunnels = tr, .n_tunnels = 4};
	g = render_all(s, &ov, "dual-redundancy-states");
	CU_ASSERT_STRING_EQUAL(attr(tunnel_edge(g, "hq-b", 0), "style"), "dashed");
	CU_ASSERT(strstr(attr(tunnel_edge(g, "hq-b", 0), "label"), "standby") != NULL);
	CU_ASSERT_STRING_EQUAL(attr(tunnel_edge(g, "hq-b", 1), "style"), "dotted");
	CU_ASSERT(strstr(attr(tunnel_edge(g, "hq-a", 1), "label"), "390 Mbit/s") != NULL);
	agclose(g);
	scn_destroy(s);
}

static void test_multi_site(void)
{
	struct scenario *s = multi_site();
	Agraph_t *g = render_all(s, NULL, "multi-site");
	struct shape sh = shape_of(g);
	CU_ASSERT_EQUAL(sh.tunnels, 10);
	CU_ASSERT_EQUAL(sh.clusters, 12);
	CU_ASSERT_EQUAL(sh.nodes, 24);
	/* every tunnel ends on the one active instance */
	for (unsigned i = 0; i < 10; i++) {
		char name[16];
		g_snprintf(name, sizeof name, "branch%02u", i + 1);
		Agedge_t *t = tunnel_edge(g, name, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		CU_ASSERT_STRING_EQUAL(agnameof(aghead(t)), "instance0");
	}
	CU_ASSERT(strstr(cluster_label(g, "cluster_gateway"), "VpnGw2") != NULL);
	CU_ASSERT(strstr(node_label(g, "site9"), "198.51.100.19") != NULL);
	agclose(g);
	scn_destroy(s);
}

static void test_p2s(void)
{
	struct scenario *s = p2s();
	Agraph_t *g = render_all(s, NULL, "p2s");
	struct shape sh = shape_of(g);
	CU_ASSERT_EQUAL(sh.tunnels, 0);
	CU_ASSERT_EQUAL(sh.p2s, 1);
	CU_ASSERT_EQUAL(sh.clusters, 2);
	const char *l = node_label(g, "p2s0");
	CU_ASSERT(strstr(l, "laptops") != NULL);
	CU_ASSERT(strstr(l, "200 clients") != NULL);
	CU_ASSERT(strstr(l, "172.16.200.0/24") != NULL);
	CU_ASSERT(strstr(cluster_label(g, "cluster_gateway"), "P2S pool 172.16.200.0/24") != NULL);
	agclose(g);

	struct viz_p2s_run pr = {"laptops", 0, -1};
	struct viz_overlay ov = {.instance = {VIZ_INSTANCE_DOWN, VIZ_INSTANCE_ACTIVE}, .p2s = &pr, .n_p2s = 1};
	g = render_all(s, &ov, "p2s-dropped");
	Agedge_t *e = NULL;
	for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n))
		for (Agedge_t *x = agfstout(g, n); x; x = agnxtout(g, x))
			if (g_str_has_prefix(attr(x, "class"), "p2s"))
				e = x;
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_STRING_EQUAL(attr(e, "style"), "dotted");
	CU_ASSERT(strstr(attr(e, "label"), "0/200 connected") != NULL);
	CU_ASSERT(strstr(attr(e, "label"), "DOWN") != NULL);
	CU_ASSERT_STRING_EQUAL(agnameof(aghead(e)), "instance1");
	agclose(g);
	scn_destroy(s);
}

static void test_s2s_p2s(void)
{
	struct scenario *s = s2s_p2s();
	Agraph_t *g = render_all(s, NULL, "s2s-p2s");
	struct shape sh = shape_of(g);
	CU_ASSERT_EQUAL(sh.tunnels, 1);
	CU_ASSERT_EQUAL(sh.p2s, 1);
	CU_ASSERT_EQUAL(sh.nodes, 7);
	CU_ASSERT(strstr(node_label(g, "p2s0"), "50 clients") != NULL);
	agclose(g);
	scn_destroy(s);
}

/* Every example scenario file of the library draws: one site cluster per site, one edge per
 * tunnel, the public IPs, SKU and paths in the labels. With VIZ_EXAMPLES_DIR set, their PNGs
 * are written there to be looked at. */
static void test_example_files(void)
{
	GError *err = NULL;
	g_autofree char *dir = g_build_filename(SCENARIO_EXAMPLES_DIR, NULL);
	GDir *d = g_dir_open(dir, 0, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	unsigned files = 0;
	for (const char *f; (f = g_dir_read_name(d));) {
		if (!g_str_has_suffix(f, ".ini"))
			continue;
		g_autofree char *path = g_build_filename(dir, f, NULL);
		struct scn_diags diags;
		scn_diags_init(&diags);
		struct scenario *s = scn_parse_file(path, NULL, &diags);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT_EQUAL(diags.errors, 0);
		scn_diags_clear(&diags);
		files++;

		unsigned want_tunnels = 0;
		for (guint i = 0; i < s->connections->len; i++)
			want_tunnels += viz_connection_tunnels(s, g_ptr_array_index(s->connections, i));
		Agraph_t *g = render_all(s, NULL, f);
		struct shape sh = shape_of(g);
		CU_ASSERT_EQUAL(sh.tunnels, (int)want_tunnels);
		CU_ASSERT_EQUAL(sh.clusters, 2 + (int)s->sites->len);
		CU_ASSERT(strstr(cluster_label(g, "cluster_gateway"), s->gw.sku) != NULL);
		for (guint i = 0; i < s->sites->len; i++) {
			const struct scn_site *site = g_ptr_array_index(s->sites, i);
			char node[32], ip[16];
			g_snprintf(node, sizeof node, "site%u", i);
			g_snprintf(ip, sizeof ip, "%u.%u.%u.%u", site->public_ip >> 24, (site->public_ip >> 16) & 255,
				   (site->public_ip >> 8) & 255, site->public_ip & 255);
			CU_ASSERT(strstr(node_label(g, node), ip) != NULL);
		}
		for (guint i = 0; i < s->paths->len; i++) {
			const struct scn_path *p = g_ptr_array_index(s->paths, i);
			const char *colon = strchr(p->from, ':');
			CU_ASSERT(colon && strstr(node_label(g, "internet"), colon + 1) != NULL);
		}
		agclose(g);

		const char *out = g_getenv("VIZ_EXAMPLES_DIR");
		if (out) {
			g_autofree char *png = g_strdup_printf("%s/%s.png", out, f);
			CU_ASSERT(viz_topology_render(s, NULL, png, "png", &err));
			g_clear_error(&err);
		}
		scenario_free(s);
	}
	g_dir_close(d);
	CU_ASSERT(files >= 1);
}

/* PNG through cairo: a PNG signature, and an image about as wide as the SVG says. */
static void test_png(void)
{
	struct scenario *s = active_active();
	GError *err = NULL;
	size_t len = 0;
	g_autofree char *png = viz_topology_data(s, NULL, "png", &len, &err);
	if (!png)
		printf("png: %s\n", err->message);
	CU_ASSERT_PTR_NOT_NULL_FATAL(png);
	CU_ASSERT(len > 24 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0 && memcmp(png + 12, "IHDR", 4) == 0);
	const unsigned char *u = (const unsigned char *)png;
	unsigned width = (unsigned)u[16] << 24 | (unsigned)u[17] << 16 | (unsigned)u[18] << 8 | u[19];
	CU_ASSERT(width > 600 && width < 3000);
	scn_destroy(s);
}

/* An unusual name must stay text: quotes, backslashes and HTML characters. */
static void test_escaping_and_errors(void)
{
	struct scenario *s = s2s_single();
	struct scn_site *site = g_ptr_array_index(s->sites, 0);
	g_free(site->name);
	site->name = g_strdup("a\"b\\n<c>&");
	struct scn_connection *c = g_ptr_array_index(s->connections, 0);
	g_free(c->site);
	c->site = g_strdup(site->name);
	Agraph_t *g = render_all(s, NULL, "escaping");
	CU_ASSERT_STRING_EQUAL(cluster_label(g, "cluster_site0"), "site a\"b\\\\n<c>&");
	agclose(g);

	GError *err = NULL;
	CU_ASSERT_FALSE(viz_topology_render(s, NULL, "/nonexistent-dir/x.svg", NULL, &err));
	CU_ASSERT(g_error_matches(err, VIZ_TOPOLOGY_ERROR, VIZ_TOPOLOGY_ERROR_IO));
	g_clear_error(&err);
	CU_ASSERT_FALSE(viz_topology_render(s, NULL, "/tmp/x.jpeg", NULL, &err));
	CU_ASSERT(g_error_matches(err, VIZ_TOPOLOGY_ERROR, VIZ_TOPOLOGY_ERROR_FORMAT));
	g_clear_error(&err);
	CU_ASSERT_FALSE(viz_topology_render(s, NULL, "/tmp/noextension", NULL, &err));
	CU_ASSERT(g_error_matches(err, VIZ_TOPOLOGY_ERROR, VIZ_TOPOLOGY_ERROR_FORMAT));
	g_clear_error(&err);
	scn_destroy(s);
}

static void test_format_rate(void)
{
	const struct {
		double bps;
		const char *want;
	} v[] = {{0, "0 bit/s"},         {950, "950 bit/s"},       {1e9, "1 Gbit/s"},
		 {48.25e6, "48.2 Mbit/s"}, {1.5e9, "1.5 Gbit/s"},    {612.5e6, "612 Mbit/s"},
		 {1250, "1.25 kbit/s"},    {12e12, "12 Tbit/s"},     {999.7e6, "1 Gbit/s"},
		 {99.96e3, "100 kbit/s"}};
	for (size_t i = 0; i < G_N_ELEMENTS(v); i++) {
		g_autofree char *r = viz_format_rate(v[i].bps);
		CU_ASSERT_STRING_EQUAL(r, v[i].want);
	}
}

/* ---- plots ------------------------------------------------------------------------------- */

static struct sim_series *series(const char *name, sim_time bin_ns, const double *bins, size_t n)
{
	struct sim_series *s = g_new0(struct sim_series, 1);
	s->name = g_strdup(name);
	s->bin_ns = bin_ns;
	s->bins = g_array_new(FALSE, TRUE, sizeof(double));
	g_array_append_vals(s->bins, bins, (guint)n);
	return s;
}

static void series_free(struct sim_series *s)
{
	g_free(s->name);
	g_array_unref(s->bins);
	g_free(s);
}

static const char want_dat[] = "# tput.dat: hq during crash0\n"
			       "# column 1: time in s (the middle of each bin of 0.1 s); columns 2..: "
			       "throughput (Mbit/s)\n"
			       "# time_s\ttunnel 0\ttunnel 1\n"
			       "0.05\t10\t8\n"
			       "0.15\t10\t0\n"
			       "0.25\t0\t0\n"
			       "0.35\t5\t0\n"
			       "0.45\t0\t0\n";

static void plot_fixture(struct sim_series **a, struct sim_series **b)
{
	/* bytes per 100 ms: 125,000 B = 10 Mbit/s */
	const double av[] = {125000, 125000, 0, 62500};
	const double bv[] = {100000};
	*a = series("a", sim_ms(100), av, 4);
	*b = series("b", sim_ms(100), bv, 1);
}

static void test_plot_text(void)
{
	struct sim_series *a, *b;
	plot_fixture(&a, &b);
	struct viz_series vs[] = {{"tunnel 0", a, viz_scale_mbps(a)}, {"tunnel 1", b, viz_scale_mbps(b)}};
	struct viz_mark marks[] = {{sim_ms(120), "crash0"}, {sim_ms(310), "it's back"}};
	struct viz_window win[] = {{sim_ms(200), sim_ms(300), "outage 100 ms"}};
	struct viz_plot p = {.title = "hq during crash0",
			     .ylabel = "throughput (Mbit/s)",
			     .series = vs,
			     .n_series = 2,
			     .marks = marks,
			     .n_marks = 2,
			     .shaded = win,
			     .n_shaded = 1,
			     .end_ns = sim_ms(450)};
	g_autofree char *dat = NULL, *gp = NULL;
	GError *err = NULL;
	CU_ASSERT_FATAL(viz_plot_text("tput", &p, &dat, &gp, &err));
	CU_ASSERT_STRING_EQUAL(dat, want_dat);
	/* marks: a line and a label each; the window: a transparent rectangle and its label */
	CU_ASSERT(strstr(gp, "set arrow 1 from 0.12, graph 0 to 0.12, graph 1 nohead") != NULL);
	CU_ASSERT(strstr(gp, "set label 2 'crash0' at 0.12, graph 0.98") != NULL);
	CU_ASSERT(strstr(gp, "set label 3 'it''s back' at 0.31,") != NULL);
	CU_ASSERT(strstr(gp, "set object 1 rect from 0.2, graph 0 to 0.3, graph 1 behind") != NULL);
	CU_ASSERT(strstr(gp, "fillstyle transparent solid") != NULL);
	CU_ASSERT(strstr(gp, "set label 1 'outage 100 ms' at 0.25,") != NULL);
	CU_ASSERT(strstr(gp, "set xrange [0:0.5]") != NULL);
	CU_ASSERT(strstr(gp, "set ylabel 'throughput (Mbit/s)'") != NULL);
	CU_ASSERT(strstr(gp, "set terminal svg") != NULL);
	CU_ASSERT(strstr(gp, "set terminal pngcairo") != NULL);
	CU_ASSERT(strstr(gp, "'tput.dat' using 1:2 with histeps ls 1 title 'tunnel 0'") != NULL);
	CU_ASSERT(strstr(gp, "'tput.dat' using 1:3 with histeps ls 2 title 'tunnel 1'") != NULL);
	/* two dash types: the lines differ without colour */
	CU_ASSERT(strstr(gp, "set style line 1 lc rgb '#0072b2' lw 2 dt 1") != NULL);
	CU_ASSERT(strstr(gp, "set style line 2 lc rgb '#d55e00' lw 2 dt 2") != NULL);

	/* without end_ns the longest series decides */
	p.end_ns = 0;
	g_autofree char *dat2 = NULL;
	CU_ASSERT(viz_plot_text("tput", &p, &dat2, NULL, &err));
	CU_ASSERT(g_str_has_suffix(dat2, "0.35\t5\t0\n"));

	/* bad arguments */
	CU_ASSERT_FALSE(viz_plot_text("../x", &p, NULL, NULL, &err));
	CU_ASSERT(g_error_matches(err, VIZ_PLOT_ERROR, VIZ_PLOT_ERROR_ARGS));
	g_clear_error(&err);
	struct sim_series *c = series("c", sim_ms(50), (double[]){1}, 1);
	struct viz_series bad[] = {vs[0], {"c", c, 1.0}};
	p.series = bad;
	CU_ASSERT_FALSE(viz_plot_text("tput", &p, NULL, NULL, &err));
	CU_ASSERT(g_error_matches(err, VIZ_PLOT_ERROR, VIZ_PLOT_ERROR_ARGS));
	g_clear_error(&err);
	series_free(a);
	series_free(b);
	series_free(c);
}

/* Tunnel states: a lane per tunnel, state codes kept as they are in the .dat. */
static void test_plot_states(void)
{
	const double av[] = {VIZ_TUNNEL_UP, VIZ_TUNNEL_DOWN, VIZ_TUNNEL_CONNECTING, VIZ_TUNNEL_UP};
	const double bv[] = {VIZ_TUNNEL_UNKNOWN, VIZ_TUNNEL_STANDBY, VIZ_TUNNEL_STANDBY, VIZ_TUNNEL_UP};
	struct sim_series *a = series("a", sim_s(1), av, 4), *b = series("b", sim_s(1), bv, 4);
	struct viz_series lanes[] = {{"hq #0", a, 123.0}, {"hq #1", b, 0}};
	struct viz_plot p = {.title = "states", .ylabel = "tunnel", .series = lanes, .n_series = 2, .states = true};
	g_autofree char *dat = NULL, *gp = NULL;
	GError *err = NULL;
	CU_ASSERT_FATAL(viz_plot_text("st", &p, &dat, &gp, &err));
	CU_ASSERT(g_str_has_suffix(dat, "# time_s\thq #0\thq #1\n0.5\t1\t0\n1.5\t4\t2\n2.5\t3\t2\n3.5\t1\t1\n"));
	CU_ASSERT(strstr(gp, "set ytics ('hq #0' 0.4, 'hq #1' 1.4)") != NULL);
	CU_ASSERT(strstr(gp, "h(v) = v == 1 ? 1 : v == 2 ? 2.0/3 : v == 3 ? 1.0/3 : v == 4 ? 0 : NaN") != NULL);
	CU_ASSERT(strstr(gp, "binw = 1  #") != NULL);
	CU_ASSERT(strstr(gp, "using ($1 - binw / 2):(1 + 0.8 * h($3)):(binw):(0) with vectors nohead ls 2") != NULL);
	series_free(a);
	series_free(b);
}

static bool have_gnuplot(void)
{
	g_autofree char *p = g_find_program_in_path("gnuplot");
	return p != NULL;
}

static gsize file_size(const char *dir, const char *file)
{
	g_autofree char *path = g_build_filename(dir, file, NULL);
	g_autofree char *data = NULL;
	gsize len = 0;
	if (!g_file_get_contents(path, &data, &len, NULL))
		return 0;
	return len;
}

static void test_plot_files(void)
{
	struct sim_series *a, *b;
	plot_fixture(&a, &b);
	struct viz_series vs[] = {{"tunnel 0", a, viz_scale_mbps(a)}, {"tunnel 1", b, viz_scale_mbps(b)}};
	struct viz_mark marks[] = {{sim_ms(120), "crash0"}};
	struct viz_window win[] = {{sim_ms(200), sim_ms(300), NULL}};
	GError *err = NULL;
	g_autofree char *tmp = g_dir_make_tmp("test_viz_plot-XXXXXX", &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	g_autofree char *dir = g_build_filename(tmp, "plots", NULL); /* created by the writer */
	bool ok = viz_plot_throughput(dir, "tput", "hq during crash0", vs, 2, marks, 1, win, 1, &err);
	CU_ASSERT(file_size(dir, "tput.dat") > 0);
	CU_ASSERT(file_size(dir, "tput.gp") > 0);
	if (have_gnuplot()) {
		if (!ok)
			printf("gnuplot: %s\n", err->message);
		CU_ASSERT(ok);
		CU_ASSERT(file_size(dir, "tput.svg") > 1000);
		CU_ASSERT(file_size(dir, "tput.png") > 1000);
		g_autofree char *svg_path = g_build_filename(dir, "tput.svg", NULL);
		g_autofree char *svg = NULL;
		CU_ASSERT(g_file_get_contents(svg_path, &svg, NULL, NULL));
		check_svg(svg);
		/* run again: the same SVG */
		CU_ASSERT(viz_plot_throughput(dir, "tput", "hq during crash0", vs, 2, marks, 1, win, 1, &err));
		g_autofree char *svg2 = NULL;
		CU_ASSERT(g_file_get_contents(svg_path, &svg2, NULL, NULL));
		CU_ASSERT(svg && svg2 && strcmp(svg, svg2) == 0);
		/* the states script is valid gnuplot too (the series hold codes 0..4 here) */
		struct viz_series lanes[] = {{"hq #0", a, 1.0}};
		const double codes[] = {1, 4, 3, 2};
		struct sim_series *c = series("c", sim_ms(100), codes, 4);
		lanes[0].s = c;
		CU_ASSERT(viz_plot_states(dir, "states", "states", lanes, 1, marks, 1, win, 1, &err));
		if (err)
			printf("gnuplot: %s\n", err->message);
		g_clear_error(&err);
		CU_ASSERT(file_size(dir, "states.svg") > 1000);
		CU_ASSERT(file_size(dir, "states.png") > 1000);
		series_free(c);
	} else {
		printf("\n  note: gnuplot not installed: SVG/PNG checks skipped (Debian: gnuplot-nox)\n");
		CU_ASSERT_FALSE(ok);
		CU_ASSERT(g_error_matches(err, VIZ_PLOT_ERROR, VIZ_PLOT_ERROR_NO_GNUPLOT));
	}
	g_clear_error(&err);
	const char *files[] = {"tput.dat",   "tput.gp",   "tput.svg",   "tput.png",
			       "states.dat", "states.gp", "states.svg", "states.png"};
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path = g_build_filename(dir, files[i], NULL);
		g_unlink(path);
	}
	g_rmdir(dir);
	g_rmdir(tmp);
	series_free(a);
	series_free(b);
}

/* gnuplot missing: a clear error, the script and data still written. */
static void test_plot_no_gnuplot(void)
{
	struct sim_series *a, *b;
	plot_fixture(&a, &b);
	struct viz_series vs[] = {{"tunnel 0", a, viz_scale_mbps(a)}};
	GError *err = NULL;
	g_autofree char *dir = g_dir_make_tmp("test_viz_plot-XXXXXX", &err);
	g_autofree char *old_path = g_strdup(g_getenv("PATH"));
	g_setenv("PATH", "/nonexistent", TRUE);
	bool ok = viz_plot_throughput(dir, "t", "t", vs, 1, NULL, 0, NULL, 0, &err);
	g_setenv("PATH", old_path ? old_path : "/usr/bin:/bin", TRUE);
	CU_ASSERT_FALSE(ok);
	CU_ASSERT(g_error_matches(err, VIZ_PLOT_ERROR, VIZ_PLOT_ERROR_NO_GNUPLOT));
	CU_ASSERT(err && strstr(err->message, "gnuplot-nox") != NULL);
	CU_ASSERT(file_size(dir, "t.dat") > 0);
	CU_ASSERT(file_size(dir, "t.gp") > 0);
	g_clear_error(&err);
	const char *files[] = {"t.dat", "t.gp"};
	for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree char *path = g_build_filename(dir, files[i], NULL);
		g_unlink(path);
	}
	g_rmdir(dir);
	series_free(a);
	series_free(b);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{"S2S single site", test_s2s_single},
		{"active-standby and a takeover overlay", test_active_standby},
		{"active-active, 2 tunnels, one instance down", test_active_active},
		{"dual redundancy: 4 tunnels, standby and down", test_dual_redundancy},
		{"multi-site: 10 sites on a VpnGw2", test_multi_site},
		{"P2S: 200 clients, dropped on failover", test_p2s},
		{"S2S + P2S", test_s2s_p2s},
		{"the library's example scenario files", test_example_files},
		{"PNG", test_png},
		{"odd names stay text; bad paths and formats", test_escaping_and_errors},
		{"rates for labels", test_format_rate},
		{"the layout check finds overlaps", test_overlap_check},
		{"plot .dat exact, .gp marks and shading", test_plot_text},
		{"plot of tunnel states: a lane each", test_plot_states},
		{"plot files and gnuplot's SVG/PNG", test_plot_files},
		{"plot without gnuplot", test_plot_no_gnuplot},
		{NULL, NULL},
	};
	return cu_run("viz", tests);
}
