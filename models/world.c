/* world.c: the internet router and the helpers that attach nodes and hosts to it. */
#include "models/world.h"

#include <string.h>

#define INFRA_BASE SIM_IPV4(100, 64, 0, 1)

void world_init(struct world *w, uint64_t seed)
{
	memset(w, 0, sizeof *w);
	sim_init(&w->sim, seed);
	sim_net_init(&w->net, &w->sim);
	traffic_init(&w->tr, &w->net);
	w->internet = sim_node_new(&w->net, "internet");
	sim_node_set_forwarding(w->internet, true);
	w->next_infra = INFRA_BASE;
}

void world_destroy(struct world *w)
{
	traffic_destroy(&w->tr);
	sim_net_destroy(&w->net);
	sim_destroy(&w->sim);
}

struct sim_link_params world_path(uint64_t rate_bps, sim_time delay_ns, double loss, uint64_t queue_bytes)
{
	struct sim_link_params p;
	sim_link_params_init(&p);
	p.rate_bps = rate_bps;
	p.delay_ns = delay_ns;
	p.loss = loss;
	p.queue_limit_bytes = queue_bytes ? queue_bytes : 1000000;
	return p;
}

struct sim_iface *world_attach(struct world *w, struct sim_node *node, const char *name, uint32_t addr,
			       const struct sim_link_params *up, const struct sim_link_params *down)
{
	uint32_t router_addr = w->next_infra++;
	if (!addr)
		addr = w->next_infra++;
	struct sim_link *l = sim_net_connect(&w->net, name, node, addr, w->internet, router_addr, 32, up, down);
	struct sim_iface *mine = l->end[0];
	world_route_public(w, addr, l->end[1]);
	sim_route_add(node, 0, 0, 0, mine, NULL);
	return mine;
}

void world_route_public(struct world *w, uint32_t public_ip, struct sim_iface *router_side)
{
	sim_route_add(w->internet, public_ip, 32, 0, router_side, NULL);
}

struct sim_iface *world_router_end(const struct sim_iface *iface)
{
	const struct sim_link *l = iface->link;
	return l->end[0] == iface ? l->end[1] : l->end[0];
}

struct sim_node *world_host(struct world *w, const char *name, struct sim_node *router, uint32_t host_addr,
			    uint32_t router_addr, unsigned plen)
{
	struct sim_node *h = sim_node_new(&w->net, name);
	struct sim_link_params p = world_path(1000000000, sim_us(100), 0, 0);
	g_autofree char *lname = g_strdup_printf("lan-%s", name);
	sim_net_connect(&w->net, lname, h, host_addr, router, router_addr, plen, &p, NULL);
	sim_route_add(h, 0, 0, router_addr, NULL, NULL);
	return h;
}
