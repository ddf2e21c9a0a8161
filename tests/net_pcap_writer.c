/* net_pcap_writer.c: writes the captures tests/test_pcap.sh reads back with tshark.
 *
 * h1 --l1: 10 Mbit/s, 5 ms, 3000-byte queue-- r --l2: no serialization, 1 ms-- h2. At t = 0 h1
 * sends five 1500-byte UDP packets (1472-byte payloads) to h2:7; h2 answers each with a 100-byte
 * payload. Writes DIR/link.pcap (arrivals of l1 A->B: 6.2, 7.4, 8.6 ms), DIR/drops.pcap (l1's two
 * queue drops, at 0), DIR/node.pcap (h2's tap: in at 7.2, 8.4, 9.6 ms with TTL 63, each answer
 * out at the same instant with TTL 64). */
#include "sim/link.h"
#include "sim/pcap.h"

#include <stdio.h>
#include <string.h>

#define H1 SIM_IPV4(10, 0, 1, 1)
#define R1 SIM_IPV4(10, 0, 1, 2)
#define R2 SIM_IPV4(10, 0, 2, 1)
#define H2 SIM_IPV4(10, 0, 2, 2)

static void echo(struct sim_node *node, struct sim_pkt *pkt, const struct sim_rx_info *info, void *ctx)
{
	(void)ctx;
	sim_pkt_trim(pkt, 0);
	memset(sim_pkt_put(pkt, 100), 'e', 100);
	sim_node_send_udp(node, info->dst, info->dport, info->src, info->sport, pkt);
}

static struct sim_pcap *open_or_die(const char *dir, const char *name)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	GError *err = NULL;
	struct sim_pcap *pc = sim_pcap_open(path, &err);
	if (!pc) {
		fprintf(stderr, "%s\n", err->message);
		exit(1);
	}
	return pc;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	struct sim sim;
	struct sim_net net;
	sim_init(&sim, 1);
	sim_net_init(&net, &sim);
	struct sim_node *h1 = sim_node_new(&net, "h1"), *r = sim_node_new(&net, "r"), *h2 = sim_node_new(&net, "h2");
	sim_node_set_forwarding(r, true);
	struct sim_link_params p1, p2;
	sim_link_params_init(&p1);
	p1.rate_bps = 10000000;
	p1.delay_ns = sim_ms(5);
	p1.queue_limit_bytes = 3000;
	sim_link_params_init(&p2);
	p2.delay_ns = sim_ms(1);
	struct sim_link *l1 = sim_net_connect(&net, "l1", h1, H1, r, R1, 24, &p1, NULL);
	sim_net_connect(&net, "l2", r, R2, h2, H2, 24, &p2, NULL);
	sim_route_add(h1, 0, 0, R1, NULL, NULL);
	sim_route_add(h2, 0, 0, R2, NULL, NULL);
	sim_node_set_udp_handler(h2, 7, echo, NULL);

	struct sim_pcap *link_pc = open_or_die(argv[1], "link.pcap");
	struct sim_pcap *drop_pc = open_or_die(argv[1], "drops.pcap");
	struct sim_pcap *node_pc = open_or_die(argv[1], "node.pcap");
	sim_link_add_tap(l1, SIM_LINK_A2B, sim_pcap_tap, link_pc);
	sim_link_add_drop_tap(l1, SIM_LINK_A2B, sim_pcap_tap, drop_pc);
	sim_node_add_tap(h2, sim_pcap_tap, node_pc);

	for (int i = 0; i < 5; i++) {
		struct sim_pkt *p = sim_net_pkt(&net);
		uint8_t *d = sim_pkt_put(p, 1472);
		for (int k = 0; k < 1472; k++)
			d[k] = (uint8_t)(k + i);
		sim_node_send_udp(h1, 0, (uint16_t)(5000 + i), H2, 7, p);
	}
	sim_run(&sim);

	int rc = 0;
	struct sim_pcap *all[] = { link_pc, drop_pc, node_pc };
	for (int i = 0; i < 3; i++) {
		GError *err = NULL;
		if (!sim_pcap_close(all[i], &err)) {
			fprintf(stderr, "%s\n", err->message);
			g_error_free(err);
			rc = 1;
		}
	}
	sim_net_destroy(&net);
	sim_destroy(&sim);
	return rc;
}
