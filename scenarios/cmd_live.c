/* cmd_live.c: `vpnsim live`: one node of a scenario (the Azure gateway, one of its instances, or
 * a site's device) on real UDP sockets and the wall clock (models/live.h), configured exactly as
 * a simulation of the scenario configures that node's IKE endpoint. */
#include "scenarios/cmd.h"

#include "scenarios/build.h"

#include "models/device.h"
#include "models/gateway.h"
#include "models/live.h"
#include "models/policy.h"
#include "models/ipsec/ike_consts.h"
#include "scenarios/parse.h"
#include "scenarios/scenario.h"
#include "scenarios/units.h"

#include <arpa/inet.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: vpnsim live FILE --node NAME [--bind ADDR] [--ping ADDR [--count N] [--interval D]]\n"
	"                   [--duration D] [--log-keys DIR] [--set section.key=value ...]\n"
	"  Runs one node of the scenario on real UDP sockets (ports 500 and 4500) with the wall clock,\n"
	"  with the IKEv2 and ESP code and the configuration a simulation of FILE uses.\n"
	"  --node NAME    the gateway (its name: instance 0; NAME-in0, NAME-in1: an instance) or a\n"
	"                 site's device (the site's name; site:NAME if a site shares the gateway's name)\n"
	"  --bind ADDR    the local address (default: the node's public IP in FILE)\n"
	"  --ping ADDR    send ICMP echo requests through the tunnel to ADDR (behind the peer) once a\n"
	"                 CHILD SA covers it, and print the replies\n"
	"  --count N      stop pinging after N requests (default 0: until the node stops)\n"
	"  --interval D   between requests (default 1 s)\n"
	"  --duration D   stop after D (default: run until SIGINT or SIGTERM)\n"
	"  --log-keys DIR write Wireshark's key tables (ikev2_decryption_table, esp_sa, preferences)\n"
	"                 into DIR as SAs appear: WIRESHARK_CONFIG_DIR=DIR tshark -r CAPTURE\n"
	"  --set S.K=V    overrides a scenario value, repeatable\n"
	"  Signals: SIGINT/SIGTERM send DELETE for every IKE SA and exit after the answers (at most\n"
	"  2 s; a second signal exits at once); SIGUSR1 rekeys every CHILD SA, SIGUSR2 every IKE SA,\n"
	"  SIGHUP sends a liveness check (DPD) on every IKE SA.\n"
	"  SA events go to stderr, one line each, stamped with seconds since start; echo replies to\n"
	"  stdout. Exit status: 0 stopped cleanly, 1 --ping got no reply, 2 bad scenario or command\n"
	"  line, or the sockets could not be bound.\n";

/* ---- the configuration a simulation gives the node ---- */

/* The diagnostics of build.c's translators as one GError. */
static bool diags_to_error(struct scn_diags *d, GError **err)
{
	GString *msg = g_string_new(NULL);
	for (guint i = 0; i < d->items->len; i++) {
		const struct scn_diag *g = &g_array_index(d->items, struct scn_diag, i);
		if (g->severity == SCN_ERROR)
			g_string_append_printf(msg, "%s%s", msg->len ? "; " : "", g->msg);
	}
	bool ok = msg->len == 0;
	if (!ok)
		g_set_error(err, LIVE_ERROR, 11, "%s", msg->str);
	g_string_free(msg, TRUE);
	scn_diags_clear(d);
	return ok;
}

/* Gateway instance `instance`: one peer per connection, from the very functions a simulation
 * uses (build.c's translators, gateway.c's gateway_peer_cfg). */
static bool gateway_peers(const struct scenario *s, int instance, struct live_cfg *cfg, GArray *peers, GError **err)
{
	const struct scn_gateway *g = &s->gw;
	struct scn_diags d;
	scn_diags_init(&d);
	struct gateway_cfg gc;
	if (!run_gateway_cfg(s, &gc, &d))
		return diags_to_error(&d, err);
	for (guint i = 0; i < s->connections->len; i++) {
		const struct scn_connection *c = s->connections->pdata[i];
		const struct scn_site *site = scenario_site(s, c->site);
		struct gw_connection_cfg cc;
		if (!run_connection_cfg(s, c, &cc, &d))
			return diags_to_error(&d, err);
		struct live_peer lp;
		memset(&lp, 0, sizeof lp);
		gateway_peer_cfg(&gc, &cc, instance, &lp.cfg);
		snprintf(lp.name, sizeof lp.name, "%s-i%d", c->name, instance);
		lp.cfg.name = lp.name;
		lp.initiate = !site->initiator;
		lp.reconnect_ns = -1; /* the simulated gateway initiates once, at start */
		lp.child_retry_ns = -1;
		g_array_append_val(peers, lp);
	}
	scn_diags_clear(&d);
	cfg->bind_ip = gc.active_active ? gc.public_ip[instance] : gc.public_ip[0];
	cfg->cookie_threshold = gateway_cookie_threshold(&gc);
	cfg->n_inner = 0;
	for (guint i = 0; i < g->vnet->len && cfg->n_inner < LIVE_MAX_PREFIXES; i++) {
		const struct scn_prefix *v = &g_array_index(g->vnet, struct scn_prefix, i);
		cfg->inner[cfg->n_inner++] = (struct live_prefix){ v->addr, v->plen };
	}
	return true;
}

/* A site's device: one peer per tunnel, from build.c's run_device_cfg and device.c's
 * device_peer_cfg; reconnects as device.c's rules say. */
static bool device_peers(const struct scenario *s, guint site_index, struct live_cfg *cfg, GArray *peers,
			 GError **err)
{
	const struct scn_site *site = s->sites->pdata[site_index];
	struct scn_diags d;
	scn_diags_init(&d);
	struct device_cfg dc;
	if (!run_device_cfg(s, site_index, &dc, &d))
		return diags_to_error(&d, err);
	scn_diags_clear(&d);
	for (size_t i = 0; i < dc.n_tunnels; i++) {
		struct live_peer lp;
		memset(&lp, 0, sizeof lp);
		device_peer_cfg(&dc, i, &lp.cfg);
		snprintf(lp.name, sizeof lp.name, "%s-t%zu", site->name, i);
		lp.cfg.name = lp.name;
		lp.initiate = dc.initiator;
		lp.reconnect_ns = dc.initiator ? device_reconnect_ns(&dc) : -1;
		lp.child_retry_ns = dc.initiator ? device_child_retry_ns(&dc) : -1;
		g_array_append_val(peers, lp);
	}
	cfg->bind_ip = site->public_ip;
	cfg->n_inner = 0;
	for (guint i = 0; i < site->prefixes->len && cfg->n_inner < LIVE_MAX_PREFIXES; i++) {
		const struct scn_prefix *v = &g_array_index(site->prefixes, struct scn_prefix, i);
		cfg->inner[cfg->n_inner++] = (struct live_prefix){ v->addr, v->plen };
	}
	return true;
}

bool vpnsim_live_node_cfg(const struct scenario *s, const char *node, struct live_cfg *cfg, GArray *peers,
			  GError **err)
{
	const char *gw = s->gw.name;
	int instance = -1;
	if (strcmp(node, gw) == 0) {
		instance = 0;
	} else if (g_str_has_prefix(node, gw) && (strcmp(node + strlen(gw), "-in0") == 0 || strcmp(node + strlen(gw), "-in1") == 0)) {
		instance = node[strlen(node) - 1] - '0';
	}
	const char *site_name = g_str_has_prefix(node, "site:") ? node + 5 : node;
	const struct scn_site *site = scenario_site(s, site_name);
	if (site && instance >= 0 && site_name == node) {
		g_set_error(err, LIVE_ERROR, 12, "'%s' is both the gateway and a site: say %s-in0 or site:%s", node, gw, node);
		return false;
	}
	cfg->name = site ? site->name : node;
	if (site) {
		guint index = 0;
		while (s->sites->pdata[index] != site)
			index++;
		return device_peers(s, index, cfg, peers, err);
	}
	if (instance >= 0) {
		return gateway_peers(s, instance, cfg, peers, err);
	}
	GString *names = g_string_new(NULL);
	g_string_append_printf(names, "%s (or %s-in0, %s-in1)", gw, gw, gw);
	for (guint i = 0; i < s->sites->len; i++)
		g_string_append_printf(names, ", %s", ((const struct scn_site *)s->sites->pdata[i])->name);
	g_set_error(err, LIVE_ERROR, 13, "no node '%s' in the scenario; its nodes are %s", node, names->str);
	g_string_free(names, TRUE);
	return false;
}

/* What live mode changes, and why: ESP travels in UDP on 4500 whatever NAT detection says (the
 * ESP is in user space, with no raw socket for protocol 50), as strongSwan's encap=yes forces
 * it; --bind moves the local address (the IDs stay the scenario's public IPs, as behind a NAT);
 * a rekey jitter of the preset's size (60 to 360 s) against the short lifetimes of a live test
 * would rekey at once, so it is kept below a tenth of the shortest rekey time. */
static void adjust_for_live(struct live_peer *lp, uint32_t bind_ip, FILE *log)
{
	struct ike_peer_cfg *p = &lp->cfg;
	p->force_encap = true;
	p->local.ip = bind_ip;
	int64_t shortest = INT64_MAX;
	if (p->ike_rekey_ns > 0)
		shortest = MIN(shortest, p->ike_rekey_ns);
	if (p->child_rekey_ns > 0)
		shortest = MIN(shortest, p->child_rekey_ns);
	if (shortest != INT64_MAX && p->rekey_jitter_ns > shortest / 10) {
		fprintf(log, "vpnsim live: peer %s: rekey jitter %.3f s cut to %.3f s (a tenth of the %.3f s rekey time)\n",
			lp->name, (double)p->rekey_jitter_ns / 1e9, (double)(shortest / 10) / 1e9, (double)shortest / 1e9);
		p->rekey_jitter_ns = shortest / 10;
	}
}

/* ---- the verb ---- */

struct live_args {
	const char *file, *node, *keys_dir;
	GPtrArray *sets;
	uint32_t bind_ip, ping_dst;
	uint64_t count;
	sim_time interval_ns, duration_ns;
	bool count_set, interval_set;
};

static int G_GNUC_PRINTF(1, 2) bad(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(stderr, "vpnsim live: %s\n%s", msg, usage);
	return 2;
}

static bool parse_ip(const char *s, uint32_t *out)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

/* 0: parsed; 1: --help printed; 2: bad command line (printed). */
static int parse_args(int argc, char **argv, struct live_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			fputs(usage, stdout);
			return 1;
		}
		bool takes = strcmp(o, "--node") == 0 || strcmp(o, "--bind") == 0 || strcmp(o, "--ping") == 0 ||
			     strcmp(o, "--count") == 0 || strcmp(o, "--interval") == 0 || strcmp(o, "--duration") == 0 ||
			     strcmp(o, "--log-keys") == 0 || strcmp(o, "--set") == 0;
		if (takes && i + 1 >= argc)
			return bad("%s needs a value", o);
		const char *v = takes ? argv[++i] : NULL;
		enum units_result ur;
		if (strcmp(o, "--node") == 0) {
			a->node = v;
		} else if (strcmp(o, "--bind") == 0) {
			if (!parse_ip(v, &a->bind_ip) || a->bind_ip == 0)
				return bad("--bind: expected an IPv4 address of this host, found '%s'", v);
		} else if (strcmp(o, "--ping") == 0) {
			if (!parse_ip(v, &a->ping_dst) || a->ping_dst == 0)
				return bad("--ping: expected an IPv4 address, found '%s'", v);
		} else if (strcmp(o, "--count") == 0) {
			if ((ur = units_uint(v, 1000000000u, &a->count)) != UNITS_OK)
				return bad("--count: expected a number of requests, found '%s' (%s)", v, units_result_str(ur));
			a->count_set = true;
		} else if (strcmp(o, "--interval") == 0) {
			if ((ur = units_duration(v, &a->interval_ns)) != UNITS_OK || a->interval_ns < sim_ms(1))
				return bad("--interval: expected a duration of at least 1 ms, found '%s' (%s)", v,
					   ur != UNITS_OK ? units_result_str(ur) : "too short");
			a->interval_set = true;
		} else if (strcmp(o, "--duration") == 0) {
			if ((ur = units_duration(v, &a->duration_ns)) != UNITS_OK || a->duration_ns <= 0)
				return bad("--duration: expected a duration > 0 such as '30 s', found '%s' (%s)", v,
					   ur != UNITS_OK ? units_result_str(ur) : "zero");
		} else if (strcmp(o, "--log-keys") == 0) {
			a->keys_dir = v;
		} else if (strcmp(o, "--set") == 0) {
			g_ptr_array_add(a->sets, (char *)v);
		} else if (o[0] == '-' && o[1]) {
			return bad("unknown option '%s'", o);
		} else if (!a->file) {
			a->file = o;
		} else {
			return bad("one scenario file at a time (found '%s' after '%s')", o, a->file);
		}
	}
	if (!a->file)
		return bad("no scenario file");
	if (!a->node)
		return bad("--node NAME is required (the gateway's name, NAME-in0/-in1, or a site's name)");
	if ((a->count_set || a->interval_set) && !a->ping_dst)
		return bad("--count and --interval go with --ping");
	return 0;
}

struct live_run {
	GMainLoop *loop;
	struct live_node *n;
	unsigned stop_signals;
	GSource *duration;
};

static void stopped(void *user)
{
	struct live_run *r = user;
	g_main_loop_quit(r->loop);
}

static void begin_stop(struct live_run *r)
{
	if (r->stop_signals++ > 0) {
		g_main_loop_quit(r->loop); /* a second request: now */
		return;
	}
	live_node_stop(r->n, stopped, r);
}

static gboolean on_stop_signal(gpointer data)
{
	struct live_run *r = data;
	fprintf(stderr, "vpnsim live: signal received, stopping\n");
	begin_stop(r);
	return G_SOURCE_CONTINUE;
}

static gboolean on_duration(gpointer data)
{
	struct live_run *r = data;
	fprintf(stderr, "vpnsim live: duration reached, stopping\n");
	begin_stop(r);
	return G_SOURCE_REMOVE;
}

static gboolean on_usr1(gpointer data)
{
	live_node_rekey_children(((struct live_run *)data)->n);
	return G_SOURCE_CONTINUE;
}

static gboolean on_usr2(gpointer data)
{
	live_node_rekey_ike(((struct live_run *)data)->n);
	return G_SOURCE_CONTINUE;
}

static gboolean on_hup(gpointer data)
{
	live_node_dpd(((struct live_run *)data)->n);
	return G_SOURCE_CONTINUE;
}

static guint add_signal(int sig, GSourceFunc fn, struct live_run *r)
{
	return g_unix_signal_add(sig, fn, r);
}

int vpnsim_cmd_live(int argc, char **argv)
{
	g_autoptr(GPtrArray) sets = g_ptr_array_new();
	struct live_args a = { .sets = sets };
	int rc = parse_args(argc, argv, &a);
	if (rc)
		return rc == 1 ? 0 : 2;
	struct scn_diags d;
	scn_diags_init(&d);
	struct scenario *s = vpnsim_load(a.file, sets, &d);
	if (!s || d.errors) {
		fprintf(stderr, "vpnsim live: %s: %u error%s\n", a.file, d.errors, d.errors == 1 ? "" : "s");
		scenario_free(s);
		scn_diags_clear(&d);
		return 2;
	}
	scn_diags_clear(&d);
	struct live_cfg cfg;
	memset(&cfg, 0, sizeof cfg);
	g_autoptr(GArray) peers = g_array_new(FALSE, TRUE, sizeof(struct live_peer));
	GError *err = NULL;
	if (!vpnsim_live_node_cfg(s, a.node, &cfg, peers, &err)) {
		fprintf(stderr, "vpnsim live: %s: %s\n", a.file, err->message);
		g_error_free(err);
		scenario_free(s);
		return 2;
	}
	if (peers->len == 0) {
		fprintf(stderr, "vpnsim live: %s: node %s has no connection to run\n", a.file, a.node);
		scenario_free(s);
		return 2;
	}
	if (s->gw.p2s && strcmp(cfg.name, s->gw.name) == 0)
		fprintf(stderr, "vpnsim live: the P2S side of %s is not run live (S2S connections only)\n", s->gw.name);
	g_autofree char *name = g_strdup(cfg.name);
	cfg.name = name;
	if (a.bind_ip)
		cfg.bind_ip = a.bind_ip;
	for (guint i = 0; i < peers->len; i++)
		adjust_for_live(&g_array_index(peers, struct live_peer, i), cfg.bind_ip, stderr);
	cfg.peers = (const struct live_peer *)peers->data;
	cfg.n_peers = peers->len;
	cfg.ping_dst = a.ping_dst;
	cfg.ping_count = (unsigned)a.count;
	cfg.ping_interval_ns = a.interval_ns;
	cfg.keys_dir = a.keys_dir;
	scenario_free(s);
	s = NULL;
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct live_node *n = live_node_new(&cfg, NULL, &err);
	if (!n) {
		fprintf(stderr, "vpnsim live: %s\n", err->message);
		g_error_free(err);
		return 2;
	}
	struct live_run r = { .loop = g_main_loop_new(NULL, FALSE), .n = n };
	guint sig[5] = { add_signal(SIGINT, on_stop_signal, &r), add_signal(SIGTERM, on_stop_signal, &r),
			 add_signal(SIGUSR1, on_usr1, &r), add_signal(SIGUSR2, on_usr2, &r), add_signal(SIGHUP, on_hup, &r) };
	if (a.duration_ns > 0)
		r.duration = g_timeout_source_new((guint)MIN(a.duration_ns / 1000000, (sim_time)G_MAXUINT));
	if (r.duration) {
		g_source_set_callback(r.duration, on_duration, &r, NULL);
		g_source_attach(r.duration, NULL);
	}
	live_node_start(n);
	g_main_loop_run(r.loop);
	live_node_summary(n);
	struct live_stats st;
	live_node_get_stats(n, &st);
	rc = cfg.ping_dst && st.pings_received == 0 ? 1 : 0;
	if (r.duration) {
		g_source_destroy(r.duration);
		g_source_unref(r.duration);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(sig); i++)
		g_source_remove(sig[i]);
	live_node_free(n);
	g_main_loop_unref(r.loop);
	return rc;
}
