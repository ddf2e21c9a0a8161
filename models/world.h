/* world.h: the frame every topology is built in: the engine, the network, the traffic, and an
 * "internet" router to which sites, P2S clients and the gateway's instances attach over paths.
 * Public addresses are /32 host routes in the internet router, so moving a public IP from one
 * gateway instance to another is one route change, as an SDN update would be. */
#ifndef MODELS_WORLD_H
#define MODELS_WORLD_H

#include "models/keylog.h"
#include "models/traffic.h"
#include "sim/link.h"
#include "sim/net.h"

struct world {
	struct sim sim;
	struct sim_net net;
	struct traffic tr;
	struct sim_node *internet;
	uint32_t next_infra; /* next infrastructure address (100.64.0.0/10) for router-side ends */
	struct keylog *keylog; /* when set before models are built, their IKE nodes record SA keys */
};

void world_init(struct world *w, uint64_t seed);
void world_destroy(struct world *w);

/* Attaches node to the internet over a new link named name (A = node, B = the router), with
 * parameters up (node -> internet) and down (NULL: as up). The node's end gets address addr
 * (0: an infrastructure address), the router routes addr/32 to the link, and the node's default
 * route points at it. Returns the node's interface. */
struct sim_iface *world_attach(struct world *w, struct sim_node *node, const char *name, uint32_t addr,
			       const struct sim_link_params *up, const struct sim_link_params *down);

/* Makes the internet router send traffic for public_ip (/32) to iface's link. */
void world_route_public(struct world *w, uint32_t public_ip, struct sim_iface *router_side);

/* The router's end of the link attached with world_attach to iface. */
struct sim_iface *world_router_end(const struct sim_iface *iface);

/* A host called name on a LAN link to router (addresses host_addr and router_addr in one /plen,
 * 1 Gbit/s, 100 us); the host's default route goes to the router. */
struct sim_node *world_host(struct world *w, const char *name, struct sim_node *router, uint32_t host_addr,
			    uint32_t router_addr, unsigned plen);

/* Link parameters: rate, one-way delay, Bernoulli loss, queue in bytes (0: 1 MB). */
struct sim_link_params world_path(uint64_t rate_bps, sim_time delay_ns, double loss, uint64_t queue_bytes);

#endif
