/* scale.c: a VpnGw5 at its limits (issue 5, "Scale"): 100 S2S sites (devices, PSK) and 10,000
 * IKEv2 P2S clients (certificates, virtual IPs) connecting over the first simulated minute, then
 * traffic: every site 1 Mbit/s CBR each way, and a tenth of the clients a 64 kbit/s CBR flow each
 * way, for --traffic-s simulated seconds.
 *
 * Printed per run: wall time (split into building, the connecting minute and the traffic
 * phase), events run and events per wall second, IKE SAs completed by the gateway (S2S + P2S)
 * per wall second of the connecting minute, peak memory (getrusage ru_maxrss, the process's
 * high-water mark), and the counts that show the run did what it claims: tunnels up, clients
 * with a virtual IP, packets delivered. The full run repeats RUNS times and prints medians; the
 * PKI (deterministic RSA keys) is built once, outside the timings.
 *
 * The clients hang off ISP access routers, --clients-per-isp each (100; 0: every client on the
 * internet router itself), as they would in life; it also keeps the internet router's interface
 * scan per packet short (sim_node_has_addr is linear in a node's interfaces).
 *
 * Usage: scale [--smoke] [--sites N] [--clients N] [--traffic-s S] [--key-bits B]
 *              [--psk] [--clients-per-isp K] [--runs R]
 *   --psk: P2S with a pre-shared key instead of certificates (not an Azure option: shows what
 *   the certificate work costs)
 *   --smoke: 5 sites, 50 clients, 5 s of traffic, one run; exits non-zero unless every tunnel
 *   and client is up and the traffic arrived. */
#include "models/p2s.h"
#include "sim/log.h"
#include "tests/ike_pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define IP(a, b, c, d) SIM_IPV4(a, b, c, d)
#define GW_IP IP(20, 0, 0, 1)
#define CLIENT_IP_BASE IP(11, 0, 0, 1)
#define MAX_RUNS 9

struct opts {
	bool smoke;
	unsigned sites, clients, runs;
	unsigned traffic_s;
	int key_bits;
	double client_flow_fraction;
	unsigned clients_per_isp;
	bool psk;
};

struct result {
	double wall_build_s, wall_connect_s, wall_traffic_s, wall_total_s;
	double cpu_s; /* process CPU time of build + connect + traffic (robust to a loaded machine) */
	uint64_t events;
	uint64_t ike_established;
	unsigned tunnels_up, clients_up, flows_ok, flows;
	uint64_t tx_packets, rx_packets;
	long maxrss_kib;
};

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double wall_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct client_flows {
	struct world *w;
	struct p2s_group *g;
	struct sim_node *vm;
	unsigned every;        /* one client in `every` gets flows */
	sim_time stop_ns;
	unsigned added;
};

static struct traffic_flow *add_flow(struct world *w, const char *name, struct sim_node *src, struct sim_node *dst,
				     uint32_t dst_addr, uint64_t bps, uint32_t bytes, sim_time start, sim_time stop)
{
	struct traffic_flow_cfg c = { .name = name, .kind = TRAFFIC_CBR, .src = src, .dst = dst, .dst_addr = dst_addr,
				      .sport = 4000, .dport = 5000, .pkt_bytes = bytes, .rate_bps = bps,
				      .start_ns = start, .stop_ns = stop, .bin_ns = sim_s(1) };
	GError *err = NULL;
	struct traffic_flow *f = traffic_add_flow(&w->tr, &c, &err);
	if (!f)
		g_error("flow %s: %s", name, err->message);
	return f;
}

/* Once the clients are in, every `every`-th client with a VIP gets a flow each way. */
static void client_flows_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct client_flows *cf = ctx;
	for (guint i = 0; i < cf->g->clients->len; i += cf->every) {
		struct p2s_client *c = p2s_group_client(cf->g, i);
		if (!p2s_client_up(c))
			continue;
		char name[48];
		snprintf(name, sizeof name, "%s-up", c->name);
		add_flow(cf->w, name, c->node, cf->vm, 0, 64000, 400, sim_now(sim) + sim_ms(1 + i % 97), cf->stop_ns);
		snprintf(name, sizeof name, "%s-down", c->name);
		add_flow(cf->w, name, cf->vm, c->node, p2s_client_vip(c), 64000, 400, sim_now(sim) + sim_ms(1 + i % 89),
			 cf->stop_ns);
		cf->added += 2;
	}
}

static void run_once(const struct opts *o, const struct ike_pair_pki *pki, uint64_t seed, struct result *res)
{
	memset(res, 0, sizeof *res);
	double t0 = wall_s(), c0 = cpu_s();
	struct world w;
	world_init(&w, seed);
	struct gateway_cfg gc = { .name = "azgw", .sku = azure_sku_find("VpnGw5", 2), .public_ip = { GW_IP },
				  .vnet = { { IP(10, 0, 0, 0), 16 } }, .n_vnet = 1 };
	GError *err = NULL;
	struct gateway *gw = gateway_new(&w, &gc, &err);
	g_assert_no_error(err);
	struct sim_node *vm = gateway_add_host(gw, "vm", IP(10, 0, 0, 10), IP(10, 0, 0, 1));
	sim_link_params(sim_net_link(&w.net, "lan-vm"), SIM_LINK_A2B)->rate_bps = 100000000000ull;
	sim_link_params(sim_net_link(&w.net, "lan-vm"), SIM_LINK_B2A)->rate_bps = 100000000000ull;

	/* the sites: connections first, then P2S (its any-address peer must match last) */
	struct sim_rng rng;
	sim_rng_stream(&rng, seed, "bench/scale");
	struct device **dev = g_new0(struct device *, o->sites);
	struct sim_node **pc = g_new0(struct sim_node *, o->sites);
	for (unsigned i = 0; i < o->sites; i++) {
		char name[32], conn[32], host[32];
		snprintf(name, sizeof name, "site%u", i);
		snprintf(conn, sizeof conn, "conn%u", i);
		snprintf(host, sizeof host, "pc%u", i);
		uint32_t pub = IP(198, 18, i / 250, i % 250 + 1);
		uint32_t lan = IP(192, 168, i, 0);
		struct gw_connection_cfg cc = { .name = conn, .site_ip = pub, .remote = { { lan, 24 } }, .n_remote = 1,
						.psk = "scale-psk" };
		if (!gateway_add_connection(gw, &cc, &err))
			g_error("%s", err->message);
		struct device_cfg d = { .name = name, .preset = DEVICE_GENERIC, .public_ip = pub,
					.local = { { lan, 24 } }, .n_local = 1, .remote = { { IP(10, 0, 0, 0), 16 } },
					.n_remote = 1, .gateway_ip = { GW_IP }, .n_tunnels = 1, .psk = "scale-psk",
					.initiator = true,
					.start_ns = (sim_time)(sim_rng_uniform(&rng) * (double)sim_s(60)) };
		d.path_up = world_path(100000000, sim_ms(5 + i % 20), 0, 0);
		d.path_down = d.path_up;
		dev[i] = device_new(&w, &d, &err);
		g_assert_no_error(err);
		pc[i] = device_add_host(dev[i], host, lan + 10, lan + 1);
	}
	struct gw_p2s_cfg pcfg = {
		.pool = { IP(172, 16, 0, 0), 18 },
		.auth = { .cert_der = pki->cert[1]->data, .cert_der_len = pki->cert[1]->len,
			  .key_der = pki->key[1]->data, .key_der_len = pki->key[1]->len,
			  .ca_der = pki->ca_cert->data, .ca_der_len = pki->ca_cert->len },
	};
	if (o->psk)
		pcfg.auth = (struct p2s_auth){ .psk = "p2s-psk" };
	if (!gateway_enable_p2s(gw, &pcfg, &err))
		g_error("%s", err->message);
	struct p2s_group_cfg gcfg = {
		.name = "user", .count = o->clients, .public_ip_base = CLIENT_IP_BASE,
		.arrive_from_ns = 0, .arrive_to_ns = sim_s(60), .clients_per_isp = o->clients_per_isp,
		.auth = { .cert_der = pki->cert[0]->data, .cert_der_len = pki->cert[0]->len,
			  .key_der = pki->key[0]->data, .key_der_len = pki->key[0]->len,
			  .ca_der = pki->ca_cert->data, .ca_der_len = pki->ca_cert->len },
	};
	if (o->psk)
		gcfg.auth = (struct p2s_auth){ .psk = "p2s-psk" };
	struct p2s_group *g = p2s_group_new(&w, gw, &gcfg, &err);
	g_assert_no_error(err);

	/* traffic from 65 s: sites both ways at 1 Mbit/s, 1000-byte packets */
	sim_time t_traffic = sim_s(65), t_stop = t_traffic + sim_s(o->traffic_s), t_end = t_stop + sim_s(1);
	GPtrArray *flows = g_ptr_array_new();
	for (unsigned i = 0; i < o->sites; i++) {
		char name[32];
		snprintf(name, sizeof name, "site%u-up", i);
		g_ptr_array_add(flows, add_flow(&w, name, pc[i], vm, 0, 1000000, 1000, t_traffic + sim_ms(i), t_stop));
		snprintf(name, sizeof name, "site%u-down", i);
		g_ptr_array_add(flows, add_flow(&w, name, vm, pc[i], 0, 1000000, 1000, t_traffic + sim_ms(i), t_stop));
	}
	struct client_flows cf = { .w = &w, .g = g, .vm = vm, .stop_ns = t_stop,
				   .every = (unsigned)(1.0 / o->client_flow_fraction + 0.5) };
	sim_schedule_at(&w.sim, t_traffic, client_flows_event, &cf, 0);
	double t1 = wall_s();

	sim_run_until(&w.sim, t_traffic);
	double t2 = wall_s();
	res->ike_established = ike_endpoint_counters(gw->inst[0].ike.ep)->established +
			       ike_endpoint_counters(gw->inst[1].ike.ep)->established;
	res->tunnels_up = gateway_tunnels_up(gw);
	res->clients_up = p2s_group_up(g);
	sim_run_until(&w.sim, t_end);
	double t3 = wall_s();
	res->cpu_s = cpu_s() - c0;

	res->events = w.sim.events_run;
	for (guint i = 0; i < w.tr.flows->len; i++) {
		struct traffic_flow *f = w.tr.flows->pdata[i];
		res->flows++;
		res->tx_packets += *f->c_tx_packets;
		res->rx_packets += *f->c_rx_packets;
		res->flows_ok += *f->c_tx_packets > 0 && *f->c_rx_packets == *f->c_tx_packets;
	}
	res->wall_build_s = t1 - t0;
	res->wall_connect_s = t2 - t1;
	res->wall_traffic_s = t3 - t2;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	res->maxrss_kib = ru.ru_maxrss;

	g_ptr_array_free(flows, TRUE);
	p2s_group_free(g);
	for (unsigned i = 0; i < o->sites; i++)
		device_free(dev[i]);
	g_free(dev);
	g_free(pc);
	gateway_free(gw);
	world_destroy(&w);
	res->wall_total_s = wall_s() - t0;
}

/* Warnings (a dead peer, a refusal) are counted, not printed: noise at this scale. The rest goes
 * to sim_log_writer. */
static GLogWriterOutput quiet_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE)) {
		(*(uint64_t *)user_data)++;
		return G_LOG_WRITER_HANDLED;
	}
	return sim_log_writer(level, fields, n_fields, user_data);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void print_run(const struct opts *o, unsigned k, const struct result *r)
{
	double wall = r->wall_build_s + r->wall_connect_s + r->wall_traffic_s;
	printf("run %u: wall %.2f s (build %.2f, connect %.2f, traffic %.2f; teardown %.2f; CPU %.2f s), %" G_GUINT64_FORMAT
	       " events (%.0f/s), %" G_GUINT64_FORMAT " IKE SAs (%.0f/s of the connecting minute), tunnels %u/%u, "
	       "clients %u/%u, flows %u/%u delivered in full (%" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
	       " packets), peak RSS %.0f MiB\n",
	       k, wall, r->wall_build_s, r->wall_connect_s, r->wall_traffic_s, r->wall_total_s - wall, r->cpu_s, r->events,
	       (double)r->events / wall, r->ike_established, (double)r->ike_established / r->wall_connect_s,
	       r->tunnels_up, o->sites, r->clients_up, o->clients, r->flows_ok, r->flows, r->rx_packets, r->tx_packets,
	       (double)r->maxrss_kib / 1024.0);
	fflush(stdout);
}

static bool parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .sites = 100, .clients = 10000, .runs = 5, .traffic_s = 10, .key_bits = 2048,
			    .client_flow_fraction = 0.1, .clients_per_isp = 100 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--smoke")) {
			o->smoke = true;
			o->sites = 5;
			o->clients = 50;
			o->traffic_s = 5;
			o->runs = 1;
			o->key_bits = 1024;
		} else if (v && !strcmp(a, "--sites")) {
			o->sites = (unsigned)atoi(v), i++;
		} else if (v && !strcmp(a, "--clients")) {
			o->clients = (unsigned)atoi(v), i++;
		} else if (v && !strcmp(a, "--traffic-s")) {
			o->traffic_s = (unsigned)atoi(v), i++;
		} else if (v && !strcmp(a, "--key-bits")) {
			o->key_bits = atoi(v), i++;
		} else if (!strcmp(a, "--psk")) {
			o->psk = true;
		} else if (v && !strcmp(a, "--clients-per-isp")) {
			o->clients_per_isp = (unsigned)atoi(v), i++;
		} else if (v && !strcmp(a, "--runs")) {
			o->runs = (unsigned)atoi(v), i++;
		} else {
			return false;
		}
	}
	return o->sites >= 1 && o->sites <= 100 && o->clients >= 1 && o->clients <= 10000 && o->runs >= 1 &&
	       o->runs <= MAX_RUNS && o->traffic_s >= 1 && o->key_bits >= 1024;
}

int main(int argc, char **argv)
{
	struct opts o;
	if (!parse(argc, argv, &o)) {
		fprintf(stderr, "usage: scale [--smoke] [--sites 1..100] [--clients 1..10000] [--traffic-s S] "
				"[--key-bits B] [--psk] [--clients-per-isp K] [--runs 1..%d]\n",
			MAX_RUNS);
		return 2;
	}
	uint64_t quiet = 0;
	if (g_getenv("SCALE_LOG"))
		g_log_set_writer_func(sim_log_writer, NULL, NULL); /* everything, for debugging */
	else
		g_log_set_writer_func(quiet_writer, &quiet, NULL);
	double tp = wall_s();
	struct ike_pair_pki pki;
	ike_pair_pki_make(&pki, 2026, o.key_bits);
	char auth[32];
	snprintf(auth, sizeof auth, o.psk ? "PSK" : "RSA-%d certificates", o.key_bits);
	printf("scale: VpnGw5 active-standby, %u S2S sites (PSK), %u P2S clients (%s) arriving "
	       "over 60 s (%u per ISP router), then %u s of traffic (sites 1 Mbit/s each way, every %.0fth client 64 kbit/s each way); "
	       "PKI built in %.2f s (not timed below)\n",
	       o.sites, o.clients, auth, o.clients_per_isp, o.traffic_s, 1.0 / o.client_flow_fraction, wall_s() - tp);
	struct result r[MAX_RUNS];
	for (unsigned k = 0; k < o.runs; k++) {
		run_once(&o, &pki, 1, &r[k]);
		print_run(&o, k, &r[k]);
	}
	ike_pair_pki_free(&pki);
	printf("(%" G_GUINT64_FORMAT " warnings were counted, not printed; SCALE_LOG=1 prints them)\n", quiet);
	bool ok = true;
	for (unsigned k = 0; k < o.runs; k++)
		ok = ok && r[k].tunnels_up == o.sites && r[k].clients_up == o.clients && r[k].flows_ok == r[k].flows &&
		     r[k].events == r[0].events; /* the same seed: the same run */
	if (o.runs > 1) {
		double wall[MAX_RUNS], conn[MAX_RUNS], traf[MAX_RUNS], evs[MAX_RUNS], hs[MAX_RUNS], cpu[MAX_RUNS];
		for (unsigned k = 0; k < o.runs; k++) {
			wall[k] = r[k].wall_build_s + r[k].wall_connect_s + r[k].wall_traffic_s;
			conn[k] = r[k].wall_connect_s;
			cpu[k] = r[k].cpu_s;
			traf[k] = r[k].wall_traffic_s;
			evs[k] = (double)r[k].events / wall[k];
			hs[k] = (double)r[k].ike_established / r[k].wall_connect_s;
		}
		double mw = median(wall, o.runs), mc = median(conn, o.runs), mt = median(traf, o.runs);
		printf("median of %u: wall %.2f s, CPU %.2f s (connecting minute %.2f s = %.1fx faster than real time, %u s of "
		       "traffic %.2f s = %.1fx), %.0f events/s, %.0f IKE SAs/s, peak RSS %.0f MiB\n",
		       o.runs, mw, median(cpu, o.runs), mc, 65.0 / mc, o.traffic_s, mt, (double)(o.traffic_s + 1) / mt, median(evs, o.runs),
		       median(hs, o.runs), (double)r[o.runs - 1].maxrss_kib / 1024.0);
	}
	if (!ok) {
		fprintf(stderr, "scale: not every tunnel, client or flow made it (or runs differ)\n");
		return 1;
	}
	return 0;
}
