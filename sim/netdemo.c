/* netdemo.c: the substrate demo: build, run a CBR flow into a bottleneck, report. */
#include "sim/netdemo.h"

#include <inttypes.h>
#include <string.h>

#include "sim/link.h"
#include "sim/log.h"
#include "sim/pcap.h"

#define DEMO_H1 SIM_IPV4(10, 0, 1, 1)
#define DEMO_R1 SIM_IPV4(10, 0, 1, 2)
#define DEMO_R2 SIM_IPV4(10, 0, 2, 1)
#define DEMO_H2 SIM_IPV4(10, 0, 2, 2)
#define DEMO_SPORT 40000
#define DEMO_DPORT 9000
#define DEMO_PAYLOAD 1000u
#define DEMO_FLOW_ID 1

/* 1028-byte IP packets every 680 us: 12.09 Mbit/s offered to a 10 Mbit/s link. */
static const sim_time demo_interval_ns = 680000;
static const sim_time demo_duration_ns = 2 * SIM_NS_PER_S;

struct demo {
	struct sim sim;
	struct sim_net net;
	struct sim_node *h1, *r, *h2;
	uint64_t sent, send_refused, received, rx_bytes;
	uint64_t next_seq, out_of_order;
	sim_time delay_min, delay_max, delay_sum;
	sim_time first_rx, last_rx;
	struct sim_series *rx_series;
};

static void cbr_send(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)arg;
	struct demo *d = ctx;
	struct sim_pkt *p = sim_net_pkt(&d->net);
	uint8_t *pl = sim_pkt_put(p, DEMO_PAYLOAD);
	memset(pl, 0, DEMO_PAYLOAD);
	sim_put32(pl, (uint32_t)d->sent); /* a sequence number, visible in the capture */
	p->flow_id = DEMO_FLOW_ID;
	p->flow_seq = d->sent;
	p->t_origin = sim_now(sim);
	d->sent++;
	if (sim_node_send_udp(d->h1, 0, DEMO_SPORT, DEMO_H2, DEMO_DPORT, p) != SIM_OK)
		d->send_refused++;
	sim_time next = sim_now(sim) + demo_interval_ns;
	if (next < demo_duration_ns)
		sim_schedule_at(sim, next, cbr_send, d, 0);
}

static void sink(struct sim_node *node, struct sim_pkt *pkt, const struct sim_rx_info *info, void *ctx)
{
	(void)info;
	struct demo *d = ctx;
	sim_time now = sim_net_now(node->net);
	sim_time delay = now - pkt->t_origin;
	if (d->received == 0) {
		d->delay_min = d->delay_max = delay;
		d->first_rx = now;
	}
	if (delay < d->delay_min)
		d->delay_min = delay;
	if (delay > d->delay_max)
		d->delay_max = delay;
	d->delay_sum += delay;
	if (pkt->flow_seq < d->next_seq)
		d->out_of_order++;
	d->next_seq = pkt->flow_seq + 1;
	d->received++;
	d->rx_bytes += pkt->len;
	d->last_rx = now;
	sim_series_add(d->rx_series, now, (double)pkt->len);
	sim_pkt_free(pkt);
}

static void build(struct demo *d, uint64_t seed)
{
	sim_init(&d->sim, seed);
	sim_net_init(&d->net, &d->sim);
	d->h1 = sim_node_new(&d->net, "h1");
	d->r = sim_node_new(&d->net, "r");
	d->h2 = sim_node_new(&d->net, "h2");
	sim_node_set_forwarding(d->r, true);

	struct sim_link_params fast, slow;
	sim_link_params_init(&fast);
	fast.rate_bps = 100000000;
	fast.delay_ns = sim_ms(10);
	fast.queue_limit_bytes = 64 * 1024;
	sim_link_params_init(&slow);
	slow.rate_bps = 10000000;
	slow.delay_ns = sim_ms(20);
	slow.loss = 0.01;
	slow.queue_limit_bytes = 64 * 1024;
	sim_net_connect(&d->net, "h1-r", d->h1, DEMO_H1, d->r, DEMO_R1, 24, &fast, NULL);
	sim_net_connect(&d->net, "r-h2", d->r, DEMO_R2, d->h2, DEMO_H2, 24, &slow, NULL);
	sim_route_add(d->h1, 0, 0, DEMO_R1, NULL, NULL);
	sim_route_add(d->h2, 0, 0, DEMO_R2, NULL, NULL);
	sim_node_set_udp_handler(d->h2, DEMO_DPORT, sink, d);
	d->rx_series = sim_stats_series(&d->net.stats, "flow/cbr/rx_bytes", sim_ms(100));
}

static uint64_t link_ctr(struct sim_net *net, const char *base, const char *what)
{
	g_autofree char *name = g_strdup_printf("%s/%s", base, what);
	return sim_stats_get(&net->stats, name);
}

static void report_link(GString *out, struct sim_net *net, const char *name)
{
	for (int i = 0; i < 2; i++) {
		const char *dir = sim_link_dir_name((enum sim_link_dir)i);
		g_autofree char *b = g_strdup_printf("link/%s/%s", name, dir);
		uint64_t tx = link_ctr(net, b, "tx_packets");
		uint64_t refused = link_ctr(net, b, "drop_queue") + link_ctr(net, b, "drop_down") + link_ctr(net, b, "drop_mtu");
		if (!tx && !refused)
			continue;
		g_string_append_printf(out,
				       "  link %s %s: tx %" PRIu64 " pkts %" PRIu64 " B, rx %" PRIu64 " pkts %" PRIu64
				       " B; drops: queue %" PRIu64 ", loss %" PRIu64 ", down %" PRIu64 ", mtu %" PRIu64 "\n",
				       name, dir, tx, link_ctr(net, b, "tx_bytes"), link_ctr(net, b, "rx_packets"),
				       link_ctr(net, b, "rx_bytes"), link_ctr(net, b, "drop_queue"), link_ctr(net, b, "drop_loss"),
				       link_ctr(net, b, "drop_down"), link_ctr(net, b, "drop_mtu"));
	}
}

struct drop_walk {
	GString *out;
	int n;
};

static void report_node_drop(void *ctx, const char *name, uint64_t value)
{
	struct drop_walk *w = ctx;
	if (value && g_str_has_prefix(name, "node/") && strstr(name, "/drop_")) {
		g_string_append_printf(w->out, "  %s = %" PRIu64 "\n", name, value);
		w->n++;
	}
}

static uint64_t sum_drops(struct sim_net *net, const char *cause)
{
	uint64_t s = 0;
	for (guint i = 0; i < net->links->len; i++) {
		struct sim_link *l = net->links->pdata[i];
		for (int d = 0; d < 2; d++) {
			g_autofree char *n =
				g_strdup_printf("link/%s/%s/drop_%s", l->name, sim_link_dir_name((enum sim_link_dir)d), cause);
			s += sim_stats_get(&net->stats, n);
		}
	}
	return s;
}

static void report(struct demo *d, uint64_t seed, GString *out)
{
	char t[32];
	struct sim_net *net = &d->net;
	g_string_append_printf(out,
			       "netdemo (seed %" PRIu64 "): h1 --100 Mbit/s, 10 ms-- r --10 Mbit/s, 20 ms, 1 %% loss, "
			       "64 KB queue-- h2\n",
			       seed);
	g_string_append_printf(out,
			       "  flow: UDP h1:%d -> h2:%d, %u-byte payloads every %" PRId64
			       " us (%.2f Mbit/s of IP) for %s s\n",
			       DEMO_SPORT, DEMO_DPORT, DEMO_PAYLOAD, demo_interval_ns / 1000,
			       (double)(DEMO_PAYLOAD + 28) * 8.0 / sim_to_seconds(demo_interval_ns) / 1e6,
			       sim_time_format(demo_duration_ns, t, sizeof t));
	uint64_t lost = d->sent - d->received;
	g_string_append_printf(out,
			       "  sent %" PRIu64 ", received %" PRIu64 " (%.1f %%), lost %" PRIu64 ": queue %" PRIu64
			       ", loss %" PRIu64 ", other %" PRIu64 "\n",
			       d->sent, d->received, d->sent ? 100.0 * (double)d->received / (double)d->sent : 0.0, lost,
			       sum_drops(net, "queue"), sum_drops(net, "loss"),
			       lost - sum_drops(net, "queue") - sum_drops(net, "loss"));
	if (d->received) {
		char a[32], b[32], c[32];
		g_string_append_printf(out, "  one-way delay: min %s s, mean %s s, max %s s; out of order %" PRIu64 "\n",
				       sim_time_format(d->delay_min, a, sizeof a),
				       sim_time_format(d->delay_sum / (sim_time)d->received, b, sizeof b),
				       sim_time_format(d->delay_max, c, sizeof c), d->out_of_order);
		if (d->last_rx > d->first_rx)
			g_string_append_printf(out, "  goodput at h2: %.3f Mbit/s of UDP payload\n",
					       (double)(d->received - 1) * DEMO_PAYLOAD * 8.0 /
						       sim_to_seconds(d->last_rx - d->first_rx) / 1e6);
	}
	report_link(out, net, "h1-r");
	report_link(out, net, "r-h2");
	struct drop_walk w = { out, 0 };
	sim_stats_foreach_counter(&net->stats, report_node_drop, &w);
	if (!w.n)
		g_string_append(out, "  node drops: none\n");
	g_string_append_printf(out, "  simulated %s s, %" PRIu64 " events\n", sim_time_format(sim_now(&d->sim), t, sizeof t),
			       d->sim.events_run);
}

int sim_netdemo_run(uint64_t seed, const char *pcap_path, GString *out)
{
	struct demo *d = g_new0(struct demo, 1);
	struct sim_pcap *pc = NULL;
	GError *err = NULL;
	build(d, seed);
	if (pcap_path) {
		pc = sim_pcap_open(pcap_path, &err);
		if (!pc) {
			g_string_append_printf(out, "netdemo: %s\n", err->message);
			g_error_free(err);
			sim_net_destroy(&d->net);
			sim_destroy(&d->sim);
			g_free(d);
			return 1;
		}
		sim_node_add_tap(d->h2, sim_pcap_tap, pc);
	}
	sim_schedule_at(&d->sim, 0, cbr_send, d, 0);
	sim_run(&d->sim);
	report(d, seed, out);
	int rc = 0;
	if (pc && !sim_pcap_close(pc, &err)) {
		g_string_append_printf(out, "netdemo: %s\n", err->message);
		g_error_free(err);
		rc = 1;
	}
	sim_net_destroy(&d->net);
	sim_destroy(&d->sim);
	g_free(d);
	return rc;
}
