/* test_net.c: nodes: UDP port and IP protocol dispatch, forwarding through a router with TTL
 * decrement, drops by cause (no route, TTL, no handler, checksum, malformed, MTU, not local),
 * loopback, node taps, interfaces with an output function instead of a link. */
#include "sim/link.h"
#include "tests/cu.h"

#include <string.h>

#define H1 SIM_IPV4(10, 0, 1, 1)
#define R1 SIM_IPV4(10, 0, 1, 2)
#define R2 SIM_IPV4(10, 0, 2, 1)
#define H2 SIM_IPV4(10, 0, 2, 2)

struct got {
	int n;
	struct sim_rx_info info;
	struct sim_node *node;
	sim_time t;
	uint32_t len;
	uint8_t data[64];
	uint8_t hdr[64]; /* the headers in front of the data */
};

static void record(struct sim_node *node, struct sim_pkt *pkt, const struct sim_rx_info *info, void *ctx)
{
	struct got *g = ctx;
	g->n++;
	g->info = *info;
	g->node = node;
	g->t = sim_net_now(node->net);
	g->len = pkt->len;
	memcpy(g->data, sim_pkt_data(pkt), pkt->len < 64 ? pkt->len : 64);
	memcpy(g->hdr, sim_pkt_data(pkt) - info->hdr_bytes, info->hdr_bytes);
	sim_pkt_free(pkt);
}

struct world {
	struct sim sim;
	struct sim_net net;
	struct sim_node *h1, *r, *h2;
	struct sim_link *l1, *l2;
};

static void world_init(struct world *w)
{
	sim_init(&w->sim, 5);
	sim_net_init(&w->net, &w->sim);
	w->h1 = sim_node_new(&w->net, "h1");
	w->r = sim_node_new(&w->net, "r");
	w->h2 = sim_node_new(&w->net, "h2");
	sim_node_set_forwarding(w->r, true);
	struct sim_link_params p;
	sim_link_params_init(&p);
	p.delay_ns = sim_ms(1);
	w->l1 = sim_net_connect(&w->net, "h1-r", w->h1, H1, w->r, R1, 24, &p, NULL);
	w->l2 = sim_net_connect(&w->net, "r-h2", w->r, R2, w->h2, H2, 24, &p, NULL);
	CU_ASSERT_TRUE(sim_route_add(w->h1, 0, 0, R1, NULL, NULL));
	CU_ASSERT_TRUE(sim_route_add(w->h2, 0, 0, R2, NULL, NULL));
}

static void world_destroy(struct world *w)
{
	CU_ASSERT_EQUAL(w->net.pool.in_use, 0); /* every packet went back: ownership is respected */
	sim_net_destroy(&w->net);
	sim_destroy(&w->sim);
}

static uint64_t ctr(struct world *w, const char *name)
{
	return sim_stats_get(&w->net.stats, name);
}

static struct sim_pkt *payload(struct world *w, const char *s)
{
	struct sim_pkt *p = sim_net_pkt(&w->net);
	memcpy(sim_pkt_put(p, (uint32_t)strlen(s)), s, strlen(s));
	return p;
}

static void test_udp_through_router(void)
{
	struct world w;
	world_init(&w);
	struct got g = { 0 };
	sim_node_set_udp_handler(w.h2, 5000, record, &g);
	CU_ASSERT_EQUAL(sim_node_send_udp(w.h1, 0, 1234, H2, 5000, payload(&w, "hello")), SIM_OK);
	sim_run(&w.sim);
	CU_ASSERT_EQUAL_FATAL(g.n, 1);
	CU_ASSERT_EQUAL(g.t, sim_ms(2));
	CU_ASSERT_PTR_EQUAL(g.node, w.h2);
	CU_ASSERT_PTR_EQUAL(g.info.iface, w.l2->end[1]);
	CU_ASSERT_EQUAL(g.info.src, H1);
	CU_ASSERT_EQUAL(g.info.dst, H2);
	CU_ASSERT_EQUAL(g.info.sport, 1234);
	CU_ASSERT_EQUAL(g.info.dport, 5000);
	CU_ASSERT_EQUAL(g.info.proto, SIM_IPPROTO_UDP);
	CU_ASSERT_EQUAL(g.info.ttl, 63); /* one router */
	CU_ASSERT_EQUAL(g.info.hdr_bytes, 28);
	CU_ASSERT_EQUAL(g.len, 5);
	CU_ASSERT_EQUAL(memcmp(g.data, "hello", 5), 0);
	/* the headers in front are intact: the router's incremental checksum update is valid */
	struct sim_ipv4_hdr h;
	uint8_t whole[64];
	memcpy(whole, g.hdr, 28);
	memcpy(whole + 28, "hello", 5);
	CU_ASSERT_EQUAL(sim_ipv4_parse(whole, 33, &h), SIM_IP_OK);
	CU_ASSERT_EQUAL(h.ttl, 63);
	CU_ASSERT_EQUAL(sim_inet_checksum(whole, 20), 0);
	CU_ASSERT_EQUAL(ctr(&w, "node/r/forwarded"), 1);
	CU_ASSERT_EQUAL(ctr(&w, "node/h2/delivered"), 1);
	CU_ASSERT_EQUAL(ctr(&w, "node/h1/tx_packets"), 1);
	CU_ASSERT_EQUAL(ctr(&w, "node/h1/tx_bytes"), 33);
	CU_ASSERT_EQUAL(ctr(&w, "node/r/rx_packets"), 1);
	CU_ASSERT_EQUAL(ctr(&w, "node/r/tx_packets"), 1);
	CU_ASSERT_EQUAL(ctr(&w, "link/r-h2/a2b/rx_packets"), 1);

	/* the reply goes back by h2's default route; an explicit source address is kept */
	struct got back = { 0 };
	sim_node_set_udp_handler(w.h1, 1234, record, &back);
	sim_node_send_udp(w.h2, H2, 5000, H1, 1234, payload(&w, "hi"));
	sim_run(&w.sim);
	CU_ASSERT_EQUAL(back.n, 1);
	CU_ASSERT_EQUAL(back.info.src, H2);
	CU_ASSERT_EQUAL(back.t, sim_ms(4));
	/* a removed handler no longer receives */
	sim_node_set_udp_handler(w.h2, 5000, NULL, NULL);
	sim_node_send_udp(w.h1, 0, 1234, H2, 5000, payload(&w, "x"));
	sim_run(&w.sim);
	CU_ASSERT_EQUAL(g.n, 1);
	CU_ASSERT_EQUAL(ctr(&w, "node/h2/drop_no_port"), 1);
	world_destroy(&w);
}

static struct sim_pkt *raw_ip(struct world *w, uint32_t src, uint32_t dst, uint8_t proto, uint8_t ttl,
			      const char *s)
{
	struct sim_pkt *p = payload(w, s);
	sim_ipv4_push(p, src, dst, proto, ttl, 7);
	return p;
}

static void test_proto_dispatch(void)
{
	struct world w;
	world_init(&w);
	struct got esp = { 0 };
	sim_node_set_proto_handler(w.h2, SIM_IPPROTO_ESP, record, &esp);
	CU_ASSERT_EQUAL(sim_node_send_ip(w.h1, raw_ip(&w, H1, H2, SIM_IPPROTO_ESP, 64, "espdata")), SIM_OK);
	sim_node_send_ip(w.h1, raw_ip(&w, H1, H2, 99, 64, "other"));
	sim_run(&w.sim);
	CU_ASSERT_EQUAL(esp.n, 1);
	CU_ASSERT_EQUAL(esp.info.proto, SIM_IPPROTO_ESP);
	CU_ASSERT_EQUAL(esp.info.hdr_bytes, 20);
	CU_ASSERT_EQUAL(esp.info.sport, 0);
	CU_ASSERT_EQUAL(esp.len, 7);
	CU_ASSERT_EQUAL(memcmp(esp.data, "espdata", 7), 0);
	CU_ASSERT_EQUAL(ctr(&w, "node/h2/drop_no_proto"), 1);
	CU_ASSERT_EQUAL(ctr(&w, "node/h2/delivered"), 1);
	world_destroy(&w);
}

static void test_ttl_and_routes(void)
{
	struct world w;
	world_init(&w);
	struct got g = { 0 };
	sim_node_set_proto_handler(w.h2, 200, record, &g);
	/* TTL 1 at the router: would become 0, dropped */
	sim_node_send_ip(w.h1, raw_ip(&w, H1, H2, 200, 1, "a"));
	/* TTL 2: arrives with 1 */
	sim_node_send_ip(w.h1, raw_ip(&w, H1, H2, 200, 2, "b"));
	sim_run(&w.sim);
	CU_ASSERT_EQUAL(ctr(&w, "node/r/drop_ttl"), 1);
	CU_ASSERT_EQUAL(g.n, 1);
	CU_ASSERT_EQUAL(g.info.ttl, 1);
	CU_ASSERT_EQUAL(g.data[0], 'b');

	/* no route at the sender, and at the router */
	CU_ASSERT_EQUAL(sim_node_send_ip(w.r, raw_ip(&w, R1, SIM_IPV4(172, 16, 0, 1), 200, 64, "c")),
			SIM_DROP_NO_ROUTE);
	CU_ASSERT_EQUAL(sim_node_send_udp(w.r, 0, 1, SIM_IPV4(172, 16, 0, 1), 2, payload(&w, "c")), SIM_DROP_NO_ROUTE);
	CU_ASSERT_EQUAL(sim_node_send_ip(w.h1, raw_ip(&w, H1, SIM_IPV4(172, 16, 0, 1), 200, 64, "d")), SIM_OK);
	sim_run(&w.sim);
	CU_ASSERT_EQUAL(ctr(&w, "node/r/drop_no_route"), 3);

	/* with forwarding off the router drops what is not for it */
	sim_node_set_forwarding(w.r, false);
	sim_node_send_ip(w.h1, raw_ip(&w, H1, H2, 200, 64, "e"));
	sim_run(&w.sim);
	CU_ASSERT_EQUAL(ctr(&w, "node/r/drop_not_local"), 1);
	CU_ASSERT_EQUAL(g.n, 1);
	/* but accepts what is (its far interface's address counts too) */
	struct got rg = { 0 };
	sim_node_set_proto_handler(w.r, 200, record, &rg);
	sim_node_send_ip(w.h1, raw_ip(&w, H1, R2, 200, 64, "f"));
	sim_run(&w.sim);
	CU_ASSERT_EQUAL(rg.n, 1);
	CU_ASSERT_PTR_EQUAL(rg.info.iface, w.l1->end[1]);
	world_destroy(&w);
}

static void test_bad_packets(void)
{
	struct world w;
	world_init(&w);
	struct got g = { 0 };
	sim_node_set_udp_handler(w.h2, 5000, record, &g);
	struct sim_iface *in = w.l2->end[1];

	/* a header bit flipped: bad checksum */
	struct sim_pkt *p = payload(&w, "data");
	sim_udp_push(p, H1, H2, 1, 5000);
	sim_ipv4_push(p, H1, H2, SIM_IPPROTO_UDP, 64, 1);
	sim_pkt_data(p)[5] ^= 0x10;
	sim_node_input(w.h2, p, in);
	CU_ASSERT_EQUAL(ctr(&w, "node/h2/drop_bad_checksum"), 1);

	/* a payload bit flipped: the UDP checksum catches it */
	p = payload(&w, "data");
	sim_udp_push(p, H1, H2, 1, 5000);
	sim_ipv4_push(p, H1, H2, SIM_IPPROTO_UDP, 64, 1);
	sim_pkt_data(p)[30] ^= 0x01;
	sim_node_input(w.h2, p, in);
	CU_ASSERT_EQUAL(ctr(&w, "node/h2/drop_bad_checksum"), 2);

	/* version 6, and a truncated packet: malformed */
	p = payload(&w, "data");
	sim_ipv4_push(p, H1, H2, SIM_IPPROTO_UDP, 64, 1);
	sim_pkt_data(p)[0] = 0x65;
	sim_node_input(w.h2, p, in);
	p = payload(&w, "data");
	sim_ipv4_push(p, H1, H2, SIM_IPPROTO_UDP, 64, 1);
	sim_pkt_trim(p, 22);
	sim_node_input(w.h2, p, in);
	/* UDP length beyond the IP payload */
	p = payload(&w, "data");
	sim_udp_push(p, H1, H2, 1, 5000);
	sim_put16(sim_pkt_data(p) + 4, 40);
	sim_ipv4_push(p, H1, H2, SIM_IPPROTO_UDP, 64, 1);
	sim_node_input(w.h2, p, in);
	CU_ASSERT_EQUAL(ctr(&w, "node/h2/drop_malformed"), 3);

	/* a fragment for us: no reassembly */
	p = payload(&w, "data");
	sim_udp_push(p, H1, H2, 1, 5000);
	struct sim_ipv4_hdr fh = { .total_len = (uint16_t)(p->len + 20), .frag = SIM_IPV4_FLAG_MF, .ttl = 64,
				   .proto = SIM_IPPROTO_UDP, .src = H1, .dst = H2 };
	sim_ipv4_write(sim_pkt_push(p, 20), &fh);
	sim_node_input(w.h2, p, in);
	CU_ASSERT_EQUAL(ctr(&w, "node/h2/drop_fragment"), 1);

	/* trailing bytes after the IP total length are cut off before delivery */
	p = payload(&w, "data");
	sim_udp_push(p, H1, H2, 1, 5000);
	sim_ipv4_push(p, H1, H2, SIM_IPPROTO_UDP, 64, 1);
	memset(sim_pkt_put(p, 6), 0xee, 6);
	sim_node_input(w.h2, p, in);
	CU_ASSERT_EQUAL(g.n, 1);
	CU_ASSERT_EQUAL(g.len, 4);
	CU_ASSERT_EQUAL(ctr(&w, "node/h2/rx_packets"), 7);
	CU_ASSERT_EQUAL(ctr(&w, "node/h2/delivered"), 1);
	world_destroy(&w);
}

static void test_iface_mtu_and_link_mtu(void)
{
	struct world w;
	world_init(&w);
	struct got g = { 0 };
	sim_node_set_proto_handler(w.h2, 200, record, &g);
	/* h1's interface MTU 1500: a 1501-byte packet is not sent */
	struct sim_pkt *p = sim_net_pkt(&w.net);
	memset(sim_pkt_put(p, 1481), 0, 1481);
	sim_ipv4_push(p, H1, H2, 200, 64, 1);
	CU_ASSERT_EQUAL(sim_node_send_ip(w.h1, p), SIM_DROP_IFACE_MTU);
	CU_ASSERT_EQUAL(ctr(&w, "node/h1/drop_iface_mtu"), 1);
	/* a smaller MTU on the second link: the router's interface still says 1500, so the link
	 * drops it silently (an MTU black hole) */
	sim_link_params(w.l2, SIM_LINK_A2B)->mtu = 1400;
	p = sim_net_pkt(&w.net);
	memset(sim_pkt_put(p, 1450), 0, 1450);
	sim_ipv4_push(p, H1, H2, 200, 64, 1);
	CU_ASSERT_EQUAL(sim_node_send_ip(w.h1, p), SIM_OK);
	sim_run(&w.sim);
	CU_ASSERT_EQUAL(g.n, 0);
	CU_ASSERT_EQUAL(ctr(&w, "link/r-h2/a2b/drop_mtu"), 1);
	world_destroy(&w);
}

static void test_loopback(void)
{
	struct world w;
	world_init(&w);
	struct got g = { 0 };
	sim_node_set_udp_handler(w.h1, 7, record, &g);
	sim_run_until(&w.sim, sim_ms(3));
	CU_ASSERT_EQUAL(sim_node_send_udp(w.h1, 0, 7, H1, 7, payload(&w, "me")), SIM_OK);
	CU_ASSERT_EQUAL(g.n, 0); /* not re-entrant: delivered by an event */
	sim_run(&w.sim);
	CU_ASSERT_EQUAL(g.n, 1);
	CU_ASSERT_EQUAL(g.t, sim_ms(3));
	CU_ASSERT_PTR_NULL(g.info.iface);
	CU_ASSERT_EQUAL(g.info.src, H1);
	CU_ASSERT_EQUAL(ctr(&w, "node/h1/tx_packets"), 0); /* it never left */
	CU_ASSERT_EQUAL(ctr(&w, "node/h1/rx_packets"), 1);
	world_destroy(&w);
}

struct tap_count {
	int n;
	uint8_t ttl[8];
	sim_time t[8];
};

static void tap_count(void *ctx, sim_time t, const uint8_t *data, size_t len)
{
	struct tap_count *tc = ctx;
	CU_ASSERT_TRUE(len >= 20);
	if (tc->n < 8) {
		tc->ttl[tc->n] = data[8];
		tc->t[tc->n] = t;
	}
	tc->n++;
}

static void test_node_taps(void)
{
	struct world w;
	world_init(&w);
	struct got g = { 0 };
	sim_node_set_udp_handler(w.h2, 9, record, &g);
	struct tap_count th1 = { 0 }, tr = { 0 }, th2 = { 0 };
	sim_node_add_tap(w.h1, tap_count, &th1);
	sim_node_add_tap(w.r, tap_count, &tr);
	sim_node_add_tap(w.h2, tap_count, &th2);
	sim_node_send_udp(w.h1, 0, 9, H2, 9, payload(&w, "tap"));
	sim_run(&w.sim);
	CU_ASSERT_EQUAL(th1.n, 1);
	CU_ASSERT_EQUAL(th1.t[0], 0);
	CU_ASSERT_EQUAL(tr.n, 2); /* in and out */
	CU_ASSERT_EQUAL(tr.ttl[0], 64);
	CU_ASSERT_EQUAL(tr.ttl[1], 63);
	CU_ASSERT_EQUAL(tr.t[1], sim_ms(1));
	CU_ASSERT_EQUAL(th2.n, 1);
	CU_ASSERT_EQUAL(th2.t[0], sim_ms(2));
	/* a packet injected by sim_node_input (e.g. decapsulated from a tunnel) is seen too */
	struct sim_pkt *p = payload(&w, "inner");
	sim_udp_push(p, H1, H2, 9, 9);
	sim_ipv4_push(p, H1, H2, SIM_IPPROTO_UDP, 64, 1);
	sim_node_input(w.h2, p, NULL);
	CU_ASSERT_EQUAL(th2.n, 2);
	CU_ASSERT_EQUAL(g.n, 2);
	CU_ASSERT_PTR_NULL(g.info.iface);
	/* nothing is seen of a packet dropped for lack of a route before it reached an interface */
	sim_node_send_udp(w.h1, H1, 9, SIM_IPV4(10, 0, 1, 1) + 0x10000, 9, payload(&w, "x"));
	CU_ASSERT_EQUAL(th1.n, 2); /* h1's default route takes it: seen */
	sim_run(&w.sim);
	CU_ASSERT_EQUAL(sim_stats_get(&w.net.stats, "node/r/drop_no_route"), 1);
	CU_ASSERT_EQUAL(tr.n, 3); /* r saw it come in, not go out */
	world_destroy(&w);
}

struct tunnel {
	int n;
	uint32_t dst;
	uint8_t ttl;
	struct sim_iface *iface;
};

static void tunnel_output(struct sim_iface *iface, struct sim_pkt *pkt, void *ctx)
{
	struct tunnel *t = ctx;
	t->n++;
	t->iface = iface;
	t->dst = sim_get32(sim_pkt_data(pkt) + 16);
	t->ttl = sim_pkt_data(pkt)[8];
	sim_pkt_free(pkt);
}

static void test_output_iface(void)
{
	struct world w;
	world_init(&w);
	struct tunnel t = { 0 };
	struct sim_iface *tun = sim_node_add_iface(w.r, SIM_IPV4(169, 254, 0, 1), 30, 1400);
	sim_iface_set_output(tun, tunnel_output, &t);
	CU_ASSERT_TRUE(sim_route_add(w.r, SIM_IPV4(172, 16, 0, 0), 16, 0, tun, NULL));
	sim_node_send_ip(w.h1, raw_ip(&w, H1, SIM_IPV4(172, 16, 5, 5), 200, 64, "to the tunnel"));
	sim_run(&w.sim);
	CU_ASSERT_EQUAL(t.n, 1);
	CU_ASSERT_PTR_EQUAL(t.iface, tun);
	CU_ASSERT_EQUAL(t.dst, SIM_IPV4(172, 16, 5, 5));
	CU_ASSERT_EQUAL(t.ttl, 63);
	/* sending out a given interface ignores the routing table (no route to 192.0.2.0/24 here) */
	struct sim_pkt *p = raw_ip(&w, H1, SIM_IPV4(192, 0, 2, 7), 200, 64, "direct");
	CU_ASSERT_EQUAL(sim_iface_send(tun, p), SIM_OK);
	CU_ASSERT_EQUAL(t.n, 2);
	CU_ASSERT_EQUAL(t.dst, SIM_IPV4(192, 0, 2, 7));
	CU_ASSERT_EQUAL(t.ttl, 64);
	p = sim_net_pkt(&w.net);
	memset(sim_pkt_put(p, 1400), 0, 1400);
	sim_ipv4_push(p, H1, SIM_IPV4(192, 0, 2, 7), 200, 64, 1);
	CU_ASSERT_EQUAL(sim_iface_send(tun, p), SIM_DROP_IFACE_MTU); /* tun's MTU is 1400 */
	CU_ASSERT_EQUAL(t.n, 2);
	/* an interface with neither link nor output */
	struct sim_iface *dangling = sim_node_add_iface(w.r, SIM_IPV4(192, 0, 2, 1), 24, 1500);
	(void)dangling;
	sim_node_send_ip(w.h1, raw_ip(&w, H1, SIM_IPV4(192, 0, 2, 9), 200, 64, "nowhere"));
	sim_run(&w.sim);
	CU_ASSERT_EQUAL(ctr(&w, "node/r/drop_no_link"), 1);
	world_destroy(&w);
}

/* Addresses that move (a public IP between instances, a tunnel's virtual IP): the node's
 * local-address index follows, including shared addresses and addresses given up. */
static void test_iface_set_addr(void)
{
	struct sim sim;
	struct sim_net net;
	sim_init(&sim, 1);
	sim_net_init(&net, &sim);
	struct sim_node *n = sim_node_new(&net, "n");
	struct sim_iface *a = sim_node_add_iface(n, SIM_IPV4(10, 0, 0, 1), 24, 1500);
	struct sim_iface *b = sim_node_add_iface(n, 0, 32, 1500);
	CU_ASSERT_TRUE(sim_node_has_addr(n, SIM_IPV4(10, 0, 0, 1)));
	CU_ASSERT_FALSE(sim_node_has_addr(n, 0)); /* "no address" is nobody's address */
	sim_iface_set_addr(b, SIM_IPV4(20, 0, 0, 1));
	CU_ASSERT_TRUE(sim_node_has_addr(n, SIM_IPV4(20, 0, 0, 1)));
	sim_iface_set_addr(b, SIM_IPV4(10, 0, 0, 1)); /* two interfaces, one address */
	CU_ASSERT_FALSE(sim_node_has_addr(n, SIM_IPV4(20, 0, 0, 1)));
	sim_iface_set_addr(a, 0);
	CU_ASSERT_TRUE(sim_node_has_addr(n, SIM_IPV4(10, 0, 0, 1))); /* b still has it */
	sim_iface_set_addr(b, 0);
	CU_ASSERT_FALSE(sim_node_has_addr(n, SIM_IPV4(10, 0, 0, 1)));
	for (uint32_t i = 0; i < 10000; i++)
		sim_node_add_iface(n, SIM_IPV4(169, 254, 0, 0) + i, 32, 1400);
	CU_ASSERT_TRUE(sim_node_has_addr(n, SIM_IPV4(169, 254, 0, 0) + 9999));
	CU_ASSERT_FALSE(sim_node_has_addr(n, SIM_IPV4(169, 254, 0, 0) + 10000));
	sim_net_destroy(&net);
	sim_destroy(&sim);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "udp: through a router to a port handler, reply, handler removal", test_udp_through_router },
		{ "interface addresses that move: the local-address index follows", test_iface_set_addr },
		{ "proto: handler by IP protocol, none registered", test_proto_dispatch },
		{ "forwarding: TTL expiry, no route, forwarding off", test_ttl_and_routes },
		{ "receive: bad checksum, malformed, fragment, trailing bytes", test_bad_packets },
		{ "mtu: interface MTU at the sender, link MTU on the path", test_iface_mtu_and_link_mtu },
		{ "loopback: to one's own address through an event", test_loopback },
		{ "taps: node sees sent and received, router in and out", test_node_taps },
		{ "interfaces: output function instead of a link; none at all", test_output_iface },
		{ NULL, NULL },
	};
	return cu_run("net", tests);
}
