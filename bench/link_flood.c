/* link_flood.c: packets per second through the network substrate, two ways:
 *   link    a bare link (1 Gbit/s, 1 ms, 1 % loss, 64 KB queue) flooded by a source that offers
 *           bursts of 32 1000-byte packets at 1.2 times the link rate: queueing, queue drops,
 *           loss draws and one arrival event per delivered packet; the receiver frees them.
 *   routed  h1 --link-- r --link-- h2 (both 1 Gbit/s, no loss): UDP built in place (headers and
 *           checksum), routed, forwarded with TTL decrement, parsed and checksummed again,
 *           dispatched to a port handler. Same offered load.
 * Each prints packets offered per wall-clock second: the median of 5 runs (--reps=R), with the
 * ratio routed/link. --smoke: one short run of each, checking the counters add up.
 *
 *   link_flood [--smoke] [--packets=N] [--reps=R] */
#include "sim/link.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BURST 32
#define PAYLOAD 972u /* + 28 = 1000-byte IP packets */
#define RATE_BPS UINT64_C(1000000000)

struct flood {
	struct sim sim;
	struct sim_net net;
	struct sim_link *link;
	struct sim_node *h1, *r, *h2;
	uint64_t to_send, sent, received;
	sim_time burst_gap_ns;
	bool routed;
};

static void rx_free(void *ctx, struct sim_pkt *pkt)
{
	struct flood *f = ctx;
	f->received++;
	sim_pkt_free(pkt);
}

static void sink(struct sim_node *node, struct sim_pkt *pkt, const struct sim_rx_info *info, void *ctx)
{
	(void)node;
	(void)info;
	rx_free(ctx, pkt);
}

static void source(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)arg;
	struct flood *f = ctx;
	for (int i = 0; i < BURST && f->sent < f->to_send; i++, f->sent++) {
		struct sim_pkt *p = sim_net_pkt(&f->net);
		uint8_t *d = sim_pkt_put(p, PAYLOAD);
		memset(d, 0, 16); /* the rest is whatever the buffer held: the checksum covers it anyway */
		sim_put32(d, (uint32_t)f->sent);
		if (f->routed) {
			sim_node_send_udp(f->h1, 0, 4000, SIM_IPV4(10, 0, 2, 2), 5000, p);
		} else {
			sim_pkt_push(p, 28); /* header bytes: the link does not look at them */
			sim_link_send(f->link, SIM_LINK_A2B, p);
		}
	}
	if (f->sent < f->to_send)
		sim_schedule_in(sim, f->burst_gap_ns, source, f, 0);
}

static void flood_build(struct flood *f, bool routed, uint64_t packets)
{
	memset(f, 0, sizeof *f);
	sim_init(&f->sim, 1);
	sim_net_init(&f->net, &f->sim);
	f->to_send = packets;
	f->routed = routed;
	/* offered: 1.2 x the link rate */
	f->burst_gap_ns = sim_tx_time((uint64_t)BURST * (PAYLOAD + 28), RATE_BPS) * 10 / 12;
	struct sim_link_params p;
	sim_link_params_init(&p);
	p.rate_bps = RATE_BPS;
	p.delay_ns = sim_ms(1);
	p.queue_limit_bytes = 64 * 1024;
	if (!routed) {
		p.loss = 0.01;
		f->link = sim_link_new(&f->net, "flood", &p, NULL);
		sim_link_set_receiver(f->link, SIM_LINK_A2B, rx_free, f);
		return;
	}
	f->h1 = sim_node_new(&f->net, "h1");
	f->r = sim_node_new(&f->net, "r");
	f->h2 = sim_node_new(&f->net, "h2");
	sim_node_set_forwarding(f->r, true);
	struct sim_link_params fast = p;
	fast.rate_bps = RATE_BPS * 2; /* the first hop is not the bottleneck */
	sim_net_connect(&f->net, "h1-r", f->h1, SIM_IPV4(10, 0, 1, 1), f->r, SIM_IPV4(10, 0, 1, 2), 24, &fast, NULL);
	sim_net_connect(&f->net, "r-h2", f->r, SIM_IPV4(10, 0, 2, 1), f->h2, SIM_IPV4(10, 0, 2, 2), 24, &p, NULL);
	sim_route_add(f->h1, 0, 0, SIM_IPV4(10, 0, 1, 2), NULL, NULL);
	sim_node_set_udp_handler(f->h2, 5000, sink, f);
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t sum_counters(struct sim_net *net, const char *suffix)
{
	uint64_t s = 0;
	for (guint i = 0; i < net->links->len; i++) {
		struct sim_link *l = net->links->pdata[i];
		g_autofree char *n = g_strdup_printf("link/%s/a2b/%s", l->name, suffix);
		s += sim_stats_get(&net->stats, n);
	}
	return s;
}

/* One run; returns packets offered per second, checks the books when check is set. */
static double flood_run(bool routed, uint64_t packets, bool check, bool *ok)
{
	struct flood *f = g_new(struct flood, 1);
	flood_build(f, routed, packets);
	double t0 = wall_now();
	sim_schedule_at(&f->sim, 0, source, f, 0);
	sim_run(&f->sim);
	double wall = wall_now() - t0;
	if (check) {
		uint64_t q = sum_counters(&f->net, "drop_queue"), l = sum_counters(&f->net, "drop_loss");
		bool good = f->sent == packets && f->received + q + l == packets && q > 0 && f->net.pool.in_use == 0 &&
			    f->received > packets / 2;
		if (routed)
			good = good && sim_stats_get(&f->net.stats, "node/r/forwarded") == packets &&
			       sim_stats_get(&f->net.stats, "node/h2/delivered") == f->received;
		else
			good = good && l > 0;
		printf("  %-6s sent %" PRIu64 ", received %" PRIu64 ", queue drops %" PRIu64 ", losses %" PRIu64
		       ", %" PRIu64 " events: %s\n",
		       routed ? "routed" : "link", f->sent, f->received, q, l, f->sim.events_run, good ? "ok" : "WRONG");
		*ok = *ok && good;
	}
	sim_net_destroy(&f->net);
	sim_destroy(&f->sim);
	g_free(f);
	return (double)packets / wall;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median_rate(bool routed, uint64_t packets, int reps)
{
	double *r = g_new(double, reps);
	for (int i = 0; i < reps; i++) {
		r[i] = flood_run(routed, packets, false, NULL);
		fprintf(stderr, "  %s run %d: %.3f Mpkt/s\n", routed ? "routed" : "link", i + 1, r[i] / 1e6);
	}
	qsort(r, (size_t)reps, sizeof *r, cmp_double);
	double m = reps % 2 ? r[reps / 2] : (r[reps / 2 - 1] + r[reps / 2]) / 2;
	g_free(r);
	return m;
}

int main(int argc, char **argv)
{
	bool smoke = false;
	uint64_t packets = 2000000;
	int reps = 5;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--smoke"))
			smoke = true;
		else if (!strncmp(argv[i], "--packets=", 10))
			packets = strtoull(argv[i] + 10, NULL, 10);
		else if (!strncmp(argv[i], "--reps=", 7))
			reps = atoi(argv[i] + 7);
		else {
			fprintf(stderr, "usage: %s [--smoke] [--packets=N] [--reps=R]\n", argv[0]);
			return 2;
		}
	}
	if (reps < 1 || packets < BURST) {
		fprintf(stderr, "%s: need --reps >= 1 and --packets >= %d\n", argv[0], BURST);
		return 2;
	}
	if (smoke) {
		bool ok = true;
		double a = flood_run(false, 100000, true, &ok);
		double b = flood_run(true, 100000, true, &ok);
		printf("link_flood --smoke: link %.2f Mpkt/s, routed %.2f Mpkt/s: %s\n", a / 1e6, b / 1e6,
		       ok ? "ok" : "FAILED");
		return ok ? 0 : 1;
	}
	double link = median_rate(false, packets, reps);
	double routed = median_rate(true, packets, reps);
	printf("link_flood: %" PRIu64 " packets of 1000 bytes offered at 1.2x a 1 Gbit/s link, median of %d runs\n",
	       packets, reps);
	printf("  link    %8.3f Mpkt/s offered (%.0f ns per packet)\n", link / 1e6, 1e9 / link);
	printf("  routed  %8.3f Mpkt/s offered (%.0f ns per packet), %.2fx the bare link's time per packet\n",
	       routed / 1e6, 1e9 / routed, link / routed);
	return 0;
}
