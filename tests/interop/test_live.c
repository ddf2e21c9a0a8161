/* test_live.c: `vpnsim live` without namespaces: (1) the configuration live mode derives for a
 * node (scenarios/cmd_live.c) is the very ike_peer_cfg a simulation of the same scenario gives
 * that node's IKE endpoint, for every node of every example scenario; (2) two live nodes
 * (models/live.c), the gateway on 127.0.0.1 and the device on 127.0.0.2, in one process on one
 * GLib main context over real UDP sockets: IKE_SA_INIT, IKE_AUTH, pings through the tunnel in
 * both directions with user-space ESP in UDP, CHILD and IKE rekeys from each side with pings
 * after each, then a stop that deletes every SA on both sides; (3) a device whose CHILD SA the
 * gateway refuses deletes its IKE SA and starts over, as the simulated device does. Parts (2) and
 * (3) need UDP 500/4500 on the loopback (root); without it, they say so loudly and the program
 * exits 77 (automake's SKIP) after part (1), unless VPNSIM_INTEROP_REQUIRED=1, which makes that a
 * failure. */
#include "models/live.h"
#include "models/ipsec/ike_sa_internal.h"
#include "scenarios/build.h"
#include "scenarios/cmd.h"
#include "scenarios/parse.h"
#include "scenarios/scenario.h"
#include "scenarios/validate.h"
#include "tests/cu.h"

#include <string.h>

#ifndef LIVE_DATA_DIR
#define LIVE_DATA_DIR "."
#endif
#ifndef SCENARIO_DIR
#define SCENARIO_DIR "."
#endif

static unsigned skipped;	 /* loopback tests that could not run here */
static bool required_failed; /* ... although VPNSIM_INTEROP_REQUIRED=1 */

/* A loopback test cannot run here: a failure when VPNSIM_INTEROP_REQUIRED=1, else counted so
 * that the program reports itself skipped. */
static void live_skip(const char *why)
{
	printf("\n  ==============================================================\n");
	if (g_strcmp0(g_getenv("VPNSIM_INTEROP_REQUIRED"), "1") == 0) {
		printf("  FAIL: VPNSIM_INTEROP_REQUIRED=1, but live nodes cannot run here: %s\n", why);
		CU_FAIL("live nodes cannot run here, and VPNSIM_INTEROP_REQUIRED=1");
		required_failed = true;
	} else {
		printf("  SKIP: live nodes cannot run here: %s\n", why);
		skipped++;
	}
	printf("  ==============================================================\n");
}

static struct scenario *load(const char *path, const char *const *sets, size_t n_sets)
{
	struct scn_diags d;
	scn_diags_init(&d);
	struct scn_parse_opts o = { .sets = sets, .n_sets = n_sets };
	struct scenario *s = scn_parse_file(path, &o, &d);
	if (s)
		scn_validate(s, &d);
	bool ok = s && d.errors == 0;
	if (!ok)
		vpnsim_print_diags(&d);
	scn_diags_clear(&d);
	if (!ok) {
		scenario_free(s);
		return NULL;
	}
	return s;
}

#define SAME(field)                                                                                                    \
	do {                                                                                                           \
		if (a->field != b->field) {                                                                            \
			printf("  %s: %s differs (live %lld, simulation %lld)\n", what, #field, (long long)a->field,   \
			       (long long)b->field);                                                                   \
			return false;                                                                                  \
		}                                                                                                      \
	} while (0)

static bool same_ts(const struct ike_ts4 *a, const struct ike_ts4 *b)
{
	return a->start == b->start && a->end == b->end && a->start_port == b->start_port && a->end_port == b->end_port &&
	       a->proto == b->proto;
}

/* Every field of two stored peer configurations (as ike_peer_add keeps them). */
static bool same_cfg(const struct ike_peer_cfg *a, const struct ike_peer_cfg *b, const char *what)
{
	if (g_strcmp0(a->name, b->name) != 0) {
		printf("  %s: name %s vs %s\n", what, a->name, b->name);
		return false;
	}
	SAME(local.ip);
	SAME(local.port);
	SAME(remote.ip);
	SAME(remote.port);
	SAME(local_id.type);
	SAME(local_id.len);
	SAME(remote_id.type);
	SAME(remote_id.len);
	SAME(psk_len);
	SAME(auth);
	SAME(n_ike);
	SAME(n_esp);
	SAME(n_local_ts);
	SAME(n_remote_ts);
	if (memcmp(a->local_id.data, b->local_id.data, a->local_id.len) ||
	    memcmp(a->remote_id.data, b->remote_id.data, a->remote_id.len) || memcmp(a->psk, b->psk, a->psk_len) ||
	    memcmp(a->ike, b->ike, a->n_ike * sizeof a->ike[0]) || memcmp(a->esp, b->esp, a->n_esp * sizeof a->esp[0])) {
		printf("  %s: IDs, PSK or proposals differ\n", what);
		return false;
	}
	for (size_t i = 0; i < a->n_local_ts; i++)
		if (!same_ts(&a->local_ts[i], &b->local_ts[i]))
			return printf("  %s: local_ts[%zu] differs\n", what, i), false;
	for (size_t i = 0; i < a->n_remote_ts; i++)
		if (!same_ts(&a->remote_ts[i], &b->remote_ts[i]))
			return printf("  %s: remote_ts[%zu] differs\n", what, i), false;
	SAME(dpd_interval_ns);
	SAME(keepalive_ns);
	SAME(ike_rekey_ns);
	SAME(ike_lifetime_ns);
	SAME(child_rekey_ns);
	SAME(child_lifetime_ns);
	SAME(child_rekey_bytes);
	SAME(child_lifetime_bytes);
	SAME(rekey_jitter_ns);
	SAME(retransmit.timeout_ns);
	SAME(retransmit.base);
	SAME(retransmit.tries);
	SAME(retransmit.jitter_pct);
	SAME(force_encap);
	SAME(ts_require_cover);
	SAME(request_vip);
	SAME(pool_start);
	SAME(pool_size);
	SAME(childless);
	SAME(fragment_mtu);
	SAME(ike_version);
	SAME(ike1_p1_rekey);
	return true;
}

static void noop_send(void *u, const struct ike_dgram *d)
{
	(void)u;
	(void)d;
}

static void noop_timer(void *u, uint64_t id, int64_t at)
{
	(void)u;
	(void)id;
	(void)at;
}

static void zero_random(void *u, uint8_t *b, size_t n)
{
	(void)u;
	memset(b, 7, n);
}

/* Compares node NAME's live peers with the peers the simulation's endpoint ep holds (the first
 * n_live of them: a P2S peer, which live mode does not run, comes last). Returns the number of
 * peers compared, or -1 on a difference. */
static int compare_node(const struct scenario *s, const char *node, const struct ike_endpoint *ep, const char *file)
{
	struct live_cfg cfg;
	memset(&cfg, 0, sizeof cfg);
	GArray *peers = g_array_new(FALSE, TRUE, sizeof(struct live_peer));
	GError *err = NULL;
	if (!vpnsim_live_node_cfg(s, node, &cfg, peers, &err)) {
		printf("  %s %s: %s\n", file, node, err->message);
		g_error_free(err);
		g_array_free(peers, TRUE);
		return -1;
	}
	if (cfg.cookie_threshold != ep->cfg.cookie_threshold) {
		printf("  %s %s: cookie threshold %u, simulation %u\n", file, node, cfg.cookie_threshold,
		       ep->cfg.cookie_threshold);
		g_array_free(peers, TRUE);
		return -1;
	}
	/* the stored form: through ike_peer_add like the simulation's */
	static const struct ike_callbacks cb = { .send = noop_send, .set_timer = noop_timer, .random = zero_random };
	struct ike_endpoint_cfg ec = { .name = "cmp" };
	struct ike_endpoint *mine = ike_endpoint_new(&ec, &cb, NULL);
	int n = (int)peers->len;
	for (guint i = 0; i < peers->len && n >= 0; i++) {
		struct live_peer *lp = &g_array_index(peers, struct live_peer, i);
		lp->cfg.name = lp->name;
		if (ike_peer_add(mine, &lp->cfg, NULL) < 0 || i >= ep->peers->len) {
			printf("  %s %s: peer %u missing or refused\n", file, node, i);
			n = -1;
			break;
		}
		const struct ike_peer *sim = g_ptr_array_index(ep->peers, i);
		const struct ike_peer *live = g_ptr_array_index(mine->peers, i);
		g_autofree char *what = g_strdup_printf("%s %s peer %u", file, node, i);
		if (!same_cfg(&live->cfg, &sim->cfg, what))
			n = -1;
	}
	ike_endpoint_free(mine);
	g_array_free(peers, TRUE);
	return n;
}

static void check_scenario(const char *path, unsigned *nodes)
{
	struct scenario *s = load(path, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct run r;
	struct scn_diags d;
	scn_diags_init(&d);
	bool built = run_build(&r, s, NULL, &d);
	scn_diags_clear(&d);
	if (!built) {
		printf("  %s: not simulated (skipped)\n", path);
		run_destroy(&r);
		scenario_free(s);
		return;
	}
	const char *gw = s->gw.name;
	g_autofree char *in1 = g_strdup_printf("%s-in1", gw);
	CU_ASSERT(compare_node(s, gw, r.gw->inst[0].ike.ep, path) == (int)s->connections->len);
	(*nodes)++;
	if (s->gw.mode == SCN_ACTIVE_ACTIVE) {
		CU_ASSERT(compare_node(s, in1, r.gw->inst[1].ike.ep, path) == (int)s->connections->len);
		(*nodes)++;
	}
	for (guint i = 0; i < s->sites->len; i++) {
		const struct scn_site *site = s->sites->pdata[i];
		g_autofree char *name = g_strdup_printf("site:%s", site->name);
		int n = compare_node(s, name, r.devices[i]->ike.ep, path);
		CU_ASSERT(n >= 1);
		(*nodes)++;
	}
	run_destroy(&r);
	scenario_free(s);
}

/* The cfg live mode derives equals the simulation's, for every node of every scenario at hand
 * (the .ini files of tests/interop and scenarios), plus variants: gateway initiating, custom policy,
 * device overrides (DPD, lifetimes, PFS), active-active with two tunnels. */
static void test_cfg_matches_simulation(void)
{
	unsigned nodes = 0;
	const char *dirs[] = { LIVE_DATA_DIR, SCENARIO_DIR };
	for (size_t k = 0; k < G_N_ELEMENTS(dirs); k++) {
		GDir *dir = g_dir_open(dirs[k], 0, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
		const char *f;
		while ((f = g_dir_read_name(dir))) {
			if (!g_str_has_suffix(f, ".ini"))
				continue;
			g_autofree char *path = g_build_filename(dirs[k], f, NULL);
			check_scenario(path, &nodes);
		}
		g_dir_close(dir);
	}
	printf("  %u nodes compared\n", nodes);
	CU_ASSERT(nodes >= 10);
}

static void test_cfg_variants(void)
{
	static const char *const sets[] = {
		"site.branch.initiator=false",
		"site.branch.device=strongswan",
		"site.branch.ike_lifetime=2 h",
		"site.branch.sa_lifetime=20 min",
		"site.branch.pfs_group=ECP256",
		"connection.branch.ike_encryption=GCMAES256",
		"connection.branch.ike_integrity=GCMAES256",
		"connection.branch.dh_group=ECP384",
		"connection.branch.ipsec_encryption=AES256",
		"connection.branch.ipsec_integrity=SHA256",
		"connection.branch.pfs_group=ECP256",
		"connection.branch.sa_lifetime=600 s",
	};
	struct scenario *s = load(LIVE_DATA_DIR "/gateway.ini", sets, G_N_ELEMENTS(sets));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct run r;
	struct scn_diags d;
	scn_diags_init(&d);
	CU_ASSERT_FATAL(run_build(&r, s, NULL, &d));
	scn_diags_clear(&d);
	CU_ASSERT_EQUAL(compare_node(s, "azure-gw", r.gw->inst[0].ike.ep, "variant"), 1);
	CU_ASSERT_EQUAL(compare_node(s, "branch", r.devices[0]->ike.ep, "variant"), 1);
	/* the gateway initiates (the site does not), the device does not and never reconnects */
	struct live_cfg cfg;
	memset(&cfg, 0, sizeof cfg);
	GArray *peers = g_array_new(FALSE, TRUE, sizeof(struct live_peer));
	CU_ASSERT(vpnsim_live_node_cfg(s, "azure-gw-in0", &cfg, peers, NULL));
	CU_ASSERT(peers->len == 1 && g_array_index(peers, struct live_peer, 0).initiate);
	CU_ASSERT_EQUAL(cfg.bind_ip, 0xc0000201u);
	CU_ASSERT(cfg.n_inner == 1 && cfg.inner[0].addr == 0x0a010000u && cfg.inner[0].plen == 16);
	g_array_set_size(peers, 0);
	CU_ASSERT(vpnsim_live_node_cfg(s, "branch", &cfg, peers, NULL));
	CU_ASSERT(peers->len == 1 && !g_array_index(peers, struct live_peer, 0).initiate);
	CU_ASSERT(g_array_index(peers, struct live_peer, 0).reconnect_ns < 0);
	CU_ASSERT_EQUAL(cfg.bind_ip, 0xc0000202u);
	/* unknown names are refused with the list of nodes */
	GError *err = NULL;
	CU_ASSERT_FALSE(vpnsim_live_node_cfg(s, "nowhere", &cfg, peers, &err));
	CU_ASSERT(err && strstr(err->message, "branch") && strstr(err->message, "azure-gw"));
	g_clear_error(&err);
	g_array_free(peers, TRUE);
	run_destroy(&r);
	scenario_free(s);
}

/* ---- two live nodes over the loopback ---- */

struct pair {
	struct live_node *gw, *dev;
	GMainContext *ctx;
	unsigned stopped;
	unsigned want_rekeys; /* CHILD + IKE rekeys both sides must have counted */
};

static void spin(GMainContext *ctx)
{
	if (!g_main_context_iteration(ctx, FALSE))
		g_usleep(1000);
}

static bool run_until(struct pair *p, bool (*cond)(struct pair *), int64_t timeout_ms)
{
	gint64 end = g_get_monotonic_time() + timeout_ms * 1000;
	while (!cond(p) && g_get_monotonic_time() < end)
		spin(p->ctx);
	return cond(p);
}

static bool both_up(struct pair *p)
{
	struct live_stats a, b;
	live_node_get_stats(p->gw, &a);
	live_node_get_stats(p->dev, &b);
	return a.child_up >= 1 && b.child_up >= 1;
}

static bool rekeys_done(struct pair *p)
{
	struct live_stats a, b;
	live_node_get_stats(p->gw, &a);
	live_node_get_stats(p->dev, &b);
	return a.child_rekeys + a.ike_rekeys >= p->want_rekeys && b.child_rekeys + b.ike_rekeys >= p->want_rekeys &&
	       ike_sa_count(live_node_endpoint(p->gw)) == 1 && ike_sa_count(live_node_endpoint(p->dev)) == 1 &&
	       a.child_up - a.child_down == 1 && b.child_up - b.child_down == 1;
}

static bool pings_done(struct pair *p)
{
	return live_node_pings_done(p->gw) && live_node_pings_done(p->dev);
}

static bool both_stopped(struct pair *p)
{
	return p->stopped == 2;
}

static bool one_stopped(struct pair *p)
{
	return p->stopped >= 1;
}

static void on_stopped(void *user)
{
	((struct pair *)user)->stopped++;
}

static const char *const loopback_sets[] = { "gateway.public_ip=127.0.0.1", "site.branch.public_ip=127.0.0.2" };

/* The device proposes ESP GCM-AES128, which Azure's defaults do not have: its CHILD SA is refused. */
static const char *const refused_child_sets[] = {
	"gateway.public_ip=127.0.0.1",		    "site.branch.public_ip=127.0.0.2",
	"connection.branch.ike_encryption=AES256",  "connection.branch.ike_integrity=SHA256",
	"connection.branch.dh_group=DHGroup2",	    "connection.branch.ipsec_encryption=GCMAES128",
	"connection.branch.ipsec_integrity=GCMAES128", "connection.branch.pfs_group=None",
};

static struct live_node *make_node_with(const char *node, uint32_t ping_dst, GMainContext *ctx, FILE *log, bool *skip,
					const char *const *sets, size_t n_sets, int64_t child_retry_ns)
{
	struct scenario *s = load(LIVE_DATA_DIR "/gateway.ini", sets, n_sets);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct live_cfg cfg;
	memset(&cfg, 0, sizeof cfg);
	GArray *peers = g_array_new(FALSE, TRUE, sizeof(struct live_peer));
	CU_ASSERT_FATAL(vpnsim_live_node_cfg(s, node, &cfg, peers, NULL));
	for (guint i = 0; i < peers->len; i++) {
		struct live_peer *lp = &g_array_index(peers, struct live_peer, i);
		lp->cfg.force_encap = true;
		if (child_retry_ns && lp->child_retry_ns >= 0)
			lp->child_retry_ns = child_retry_ns;
	}
	cfg.name = node;
	cfg.peers = (const struct live_peer *)peers->data;
	cfg.n_peers = peers->len;
	cfg.ping_dst = ping_dst;
	cfg.ping_count = 3;
	cfg.ping_interval_ns = 50 * 1000000;
	cfg.log = log;
	cfg.out = log;
	GError *err = NULL;
	struct live_node *n = live_node_new(&cfg, ctx, &err);
	if (!n) {
		live_skip(err->message);
		*skip = true;
		g_error_free(err);
	}
	g_array_free(peers, TRUE);
	scenario_free(s);
	return n;
}

static struct live_node *make_node(const char *node, uint32_t ping_dst, GMainContext *ctx, FILE *log, bool *skip)
{
	return make_node_with(node, ping_dst, ctx, log, skip, loopback_sets, G_N_ELEMENTS(loopback_sets), 0);
}

static void test_two_nodes_loopback(void)
{
	struct pair p = { .ctx = g_main_context_new() };
	FILE *log = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	bool skip = false;
	p.gw = make_node("azure-gw", 0x0a0a0201u /* 10.10.2.1 */, p.ctx, log, &skip);
	if (!skip)
		p.dev = make_node("branch", 0x0a010001u /* 10.1.0.1 */, p.ctx, log, &skip);
	if (skip) {
		live_node_free(p.gw);
		fclose(log);
		g_main_context_unref(p.ctx);
		return;
	}
	live_node_start(p.gw);
	live_node_start(p.dev);
	CU_ASSERT_FATAL(run_until(&p, both_up, 5000));
	CU_ASSERT(run_until(&p, pings_done, 5000));
	struct live_stats g, d;
	live_node_get_stats(p.gw, &g);
	live_node_get_stats(p.dev, &d);
	CU_ASSERT_EQUAL(g.pings_sent, 3);
	CU_ASSERT_EQUAL(g.pings_received, 3);
	CU_ASSERT_EQUAL(d.pings_received, 3);
	CU_ASSERT_EQUAL(g.echo_requests_answered, 3);
	CU_ASSERT_EQUAL(d.echo_requests_answered, 3);
	CU_ASSERT_EQUAL(g.ike_established, 1);
	CU_ASSERT_EQUAL(g.esp_drops + d.esp_drops, 0);
	/* rekeys from each side: CHILD (device), IKE (gateway), CHILD (gateway), IKE (device) */
	struct live_node *who[4] = { p.dev, p.gw, p.gw, p.dev };
	for (int k = 0; k < 4; k++) {
		unsigned accepted = k % 2 == 0 ? live_node_rekey_children(who[k]) : live_node_rekey_ike(who[k]);
		CU_ASSERT_EQUAL(accepted, 1);
		/* done when both sides count it and the old SA is gone (at most 3 s: valgrind is slow) */
		p.want_rekeys = (unsigned)k + 1;
		CU_ASSERT(run_until(&p, rekeys_done, 3000));
	}
	live_node_get_stats(p.gw, &g);
	live_node_get_stats(p.dev, &d);
	CU_ASSERT_EQUAL(g.child_rekeys, 2);
	CU_ASSERT_EQUAL(d.child_rekeys, 2);
	CU_ASSERT_EQUAL(g.ike_rekeys, 2);
	CU_ASSERT_EQUAL(d.ike_rekeys, 2);
	CU_ASSERT_EQUAL(g.ike_established, 3);
	CU_ASSERT_EQUAL(d.child_up, 3);
	CU_ASSERT_EQUAL(d.child_down, 2);
	CU_ASSERT_EQUAL(ike_sa_count(live_node_endpoint(p.gw)), 1);
	CU_ASSERT_EQUAL(ike_sa_count(live_node_endpoint(p.dev)), 1);
	/* the device stops: DELETE; the gateway answers and has no SA left either */
	live_node_stop(p.dev, on_stopped, &p);
	CU_ASSERT(run_until(&p, one_stopped, 3000));
	CU_ASSERT_EQUAL(p.stopped, 1);
	CU_ASSERT_EQUAL(ike_sa_count(live_node_endpoint(p.dev)), 0);
	CU_ASSERT_EQUAL(ike_sa_count(live_node_endpoint(p.gw)), 0);
	live_node_stop(p.gw, on_stopped, &p);
	CU_ASSERT(run_until(&p, both_stopped, 3000));
	live_node_summary(p.gw);
	live_node_summary(p.dev);
	live_node_free(p.gw);
	live_node_free(p.dev);
	/* the log names every event once per line */
	rewind(log);
	char line[1024];
	unsigned est = 0, rekeyed = 0, replies = 0;
	while (fgets(line, sizeof line, log)) {
		est += strstr(line, " ESTABLISHED (was ") != NULL;
		rekeyed += strstr(line, "reason rekeyed") != NULL;
		replies += strstr(line, "bytes from") != NULL;
	}
	CU_ASSERT_EQUAL(est, 6);
	CU_ASSERT_EQUAL(rekeyed, 4);
	CU_ASSERT_EQUAL(replies, 6);
	fclose(log);
	g_main_context_unref(p.ctx);
}

static bool two_established(struct pair *p)
{
	struct live_stats d;
	live_node_get_stats(p->dev, &d);
	return d.ike_established >= 2;
}

/* A device whose CHILD SA is refused (NO_PROPOSAL_CHOSEN) keeps a useless IKE SA only until its
 * retry delay: then it deletes it and starts over, as the simulated device does (the delay is
 * 10 s there; 200 ms here). */
static void test_refused_child_retry(void)
{
	struct pair p = { .ctx = g_main_context_new() };
	FILE *log = tmpfile();
	CU_ASSERT_PTR_NOT_NULL_FATAL(log);
	bool skip = false;
	p.gw = make_node_with("azure-gw", 0, p.ctx, log, &skip, loopback_sets, G_N_ELEMENTS(loopback_sets), 0);
	if (!skip)
		p.dev = make_node_with("branch", 0, p.ctx, log, &skip, refused_child_sets, G_N_ELEMENTS(refused_child_sets),
				       200 * 1000000);
	if (skip) {
		live_node_free(p.gw);
		fclose(log);
		g_main_context_unref(p.ctx);
		return;
	}
	live_node_start(p.gw);
	live_node_start(p.dev);
	CU_ASSERT(run_until(&p, two_established, 3000));
	struct live_stats g, d;
	live_node_get_stats(p.gw, &g);
	live_node_get_stats(p.dev, &d);
	CU_ASSERT_EQUAL(d.child_up, 0);
	CU_ASSERT_EQUAL(g.child_up, 0);
	CU_ASSERT(d.ike_established >= 2);
	live_node_stop(p.dev, on_stopped, &p);
	live_node_stop(p.gw, on_stopped, &p);
	CU_ASSERT(run_until(&p, both_stopped, 3000));
	live_node_free(p.gw);
	live_node_free(p.dev);
	rewind(log);
	char line[1024];
	unsigned restarts = 0, refused = 0;
	while (fgets(line, sizeof line, log)) {
		restarts += strstr(line, "has no CHILD SA, deleting it to start over") != NULL;
		refused += strstr(line, "error notify NO_PROPOSAL_CHOSEN") != NULL;
	}
	CU_ASSERT(restarts >= 1);
	CU_ASSERT(refused >= 2);
	fclose(log);
	g_main_context_unref(p.ctx);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "cfg_matches_simulation", test_cfg_matches_simulation },
		{ "cfg_variants", test_cfg_variants },
		{ "two_nodes_loopback", test_two_nodes_loopback },
		{ "refused_child_retry", test_refused_child_retry },
		{ NULL, NULL },
	};
	int rc = cu_run("live", tests);
	if (required_failed)
		return 99; /* a hard error, as the shell tests' skip() gives */
	if (rc == 0 && skipped) {
		printf("SKIP: %u loopback test(s) could not run (need root for UDP 500/4500)\n", skipped);
		return 77;
	}
	return rc;
}
