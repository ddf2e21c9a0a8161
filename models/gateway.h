/* gateway.h: the Azure VPN gateway: two instances behind one public IP (active-standby) or two
 * (active-active), each a node with its own IKE endpoint, ESP state, processor (capacity) and
 * tunnels; a VNet router that hands VNet traffic to the instances; health probing, takeover of
 * the public IP, planned maintenance; connections to sites.
 *
 * Everything a run measures comes from these mechanisms (azure-facts.md §2, docs/models.md):
 * - a crashed instance loses its links and all IKE/ESP state; the gateway notices it after
 *   health_probe_threshold missed probes, every health_probe_interval;
 * - active-standby: the standby then waits takeover_delay (moving the public IP and starting
 *   its VPN service), takes the IP (a route change in the internet router) with no IKE state, and
 *   answers the peers, which come back through their own DPD and reconnect logic;
 * - planned maintenance: the active instance hands over deliberately: the standby owns the IP
 *   after planned_handover and initiates to every connection itself;
 * - active-active: both instances carry tunnels; the VNet router pins each flow to an instance
 *   by hash, among the instances the health probes consider up;
 * - capacity: each instance forwards through a processor of the SKU's aggregate rate (halved per
 *   instance in active-active, so the pair totals the aggregate), each tunnel through a core of
 *   the SKU's per-tunnel rate for the negotiated cipher (§7). */
#ifndef MODELS_GATEWAY_H
#define MODELS_GATEWAY_H

#include "models/azure_sku.h"
#include "models/capacity.h"
#include "models/device.h"
#include "models/ike_node.h"
#include "models/world.h"

#define GW_MAX_PREFIXES 8

/* Defaults, calibrated so that the outages of azure-facts.md §2 emerge (docs/models.md). */
#define GW_DEFAULT_DPD_TIMEOUT_NS (45 * SIM_NS_PER_S)
#define GW_DEFAULT_PROBE_INTERVAL_NS (5 * SIM_NS_PER_S)
#define GW_DEFAULT_PROBE_THRESHOLD 2
#define GW_DEFAULT_TAKEOVER_DELAY_NS (60 * SIM_NS_PER_S)
#define GW_DEFAULT_PLANNED_HANDOVER_NS (12 * SIM_NS_PER_S)
#define GW_DEFAULT_QUEUE_BYTES (1024u * 1024u)
#define GW_DEFAULT_TUNNEL_QUEUE_BYTES (256u * 1024u)
/* Half-open IKE SAs per instance above which IKE_SA_INIT needs a cookie (RFC 7296 §2.6).
 * Azure documents none; this is strongSwan's charon.cookie_threshold default. */
#define GW_DEFAULT_COOKIE_THRESHOLD 10

struct gateway_cfg {
	const char *name;
	const struct azure_sku *sku;
	bool active_active;
	bool policy_based;
	uint32_t public_ip[2];          /* [1] only active-active */
	struct device_prefix vnet[GW_MAX_PREFIXES];
	size_t n_vnet;
	int64_t dpd_timeout_ns;         /* 0: GW_DEFAULT_DPD_TIMEOUT_NS (§4) */
	sim_time health_probe_interval_ns;  /* 0: GW_DEFAULT_* below */
	unsigned health_probe_threshold;
	sim_time takeover_delay_ns;
	sim_time planned_handover_ns;
	uint64_t queue_bytes;               /* per instance */
	uint64_t tunnel_queue_bytes;        /* per tunnel core */
	struct sim_link_params backbone;    /* instance <-> internet (rate 0: 10 Gbit/s, 1 ms) */
	/* Active-active, VNet -> site: false (static routing, Azure's default): the site's prefixes
	 * point at every instance the probes see up, whether or not that instance has a tunnel to
	 * the site (a one-tunnel device loses the flows hashed to the other instance, pain point
	 * 5); true (BGP): an instance withdraws the routes of a tunnel that is down. */
	bool bgp;
	int cookie_threshold;               /* 0: GW_DEFAULT_COOKIE_THRESHOLD; < 0: never cookies */
};

struct gw_connection_cfg {
	const char *name;
	uint32_t site_ip;               /* the device's public IP */
	struct device_prefix remote[GW_MAX_PREFIXES]; /* the site's prefixes */
	size_t n_remote;
	const char *psk;
	bool initiate;                  /* the gateway initiates at start (default: the device) */
	struct policy_custom policy;    /* custom IPsec/IKE policy (policy.custom false: Azure's defaults) */
	int64_t dpd_timeout_ns;         /* 0: the gateway's */
	/* false (route-based default): the CHILD SA is any-to-any, and a device proposing narrower
	 * selectors gets TS_UNACCEPTABLE (pain point 3); true (UsePolicyBasedTrafficSelectors, or
	 * a PolicyBased gateway): VNet prefixes to the site's, narrowed to what the device asks. */
	bool policy_based_ts;
	int ike_version;                /* 1 or 2 (0: 2). IKEv1: Azure's phase-1/quick-mode defaults, and a
					 * phase-1 rekey that deletes and rebuilds (break-before-make,
					 * azure-facts.md §4: "each main-mode rekey drops the tunnel") */
};

/* The bins of each tunnel's byte series (gateway/<gw>/<connection>/in<k>/bytes). */
#define GW_BYTES_BIN_NS (100 * SIM_NS_PER_MS)

/* What a tunnel is doing at this moment (for pictures and reports). */
enum gw_tunnel_activity {
	GW_TUNNEL_DOWN,       /* no CHILD SA, and no IKE SA with the peer being set up */
	GW_TUNNEL_CONNECTING, /* no CHILD SA; an IKE SA with the peer is being set up */
	GW_TUNNEL_STANDBY,    /* a CHILD SA is up but the site's traffic goes elsewhere: the instance
			       * routes the site's first prefix into another connection's tunnel, or
			       * (active-standby) the instance is not the active one */
	GW_TUNNEL_CARRYING,   /* a CHILD SA is up and the instance routes the site's traffic into it */
};

struct gateway;
struct gw_p2s; /* the P2S side, models/p2s.h */

/* The tunnel of one connection on one instance. */
struct gw_tunnel {
	struct gw_connection *conn;
	int instance;
	struct ipsec_tunnel *t;
	struct cap_server core;
	int peer;
	bool up;                  /* a CHILD SA is installed (the truth) */
	bool routable;            /* what the VNet side believes (stale until probes notice a crash) */
	sim_time last_change;
	GArray *up_times;         /* sim_time of every down -> up transition */
	GArray *down_times;       /* sim_time of every up -> down transition */
	uint64_t *c_ups, *c_downs;
	struct sim_series *bytes; /* inner bytes carried, both directions, GW_BYTES_BIN_NS bins */
};

struct gw_connection {
	struct gateway *gw;
	struct gw_connection_cfg cfg;
	char *name;
	struct gw_tunnel tun[2]; /* per instance */
};

struct gw_instance {
	struct gateway *gw;
	int idx;
	struct sim_node *node;
	struct sim_iface *wan;      /* to the internet (infrastructure address) */
	struct sim_iface *vip;      /* holds the public IP while the instance owns it (else 0) */
	struct sim_iface *vnet_end; /* the VNet router's end of the link to this instance */
	struct ipsec_node in;
	struct ike_node ike;
	struct cap_server cap;
	bool alive;
	bool seen_up;               /* what the health probes believe */
	unsigned misses;
	uint64_t *c_crashes, *c_detected_down;
};

struct gateway {
	struct world *w;
	struct gateway_cfg cfg;
	char *name;
	struct gw_instance inst[2];
	struct sim_node *vnet;
	struct sim_iface *dispatch;
	GPtrArray *conns;           /* struct gw_connection *, owned */
	int active;                 /* active-standby: the instance owning the public IP */
	struct sim_rng rng;
	sim_event_id takeover_ev;
	uint64_t *c_takeovers, *c_dispatch_drops;
	struct gw_p2s *p2s;         /* NULL until gateway_enable_p2s (models/p2s.h); owned */
};

/* Builds the gateway (instances, VNet router, probes). NULL with err when the configuration
 * breaks Azure's rules (PolicyBased off Basic or active-active, active-active on Basic, ...). */
struct gateway *gateway_new(struct world *w, const struct gateway_cfg *cfg, GError **err);
void gateway_free(struct gateway *gw);

/* Copies both instances' IKE counters into the world's registry (ike/<instance>/...); again at
 * free. */
void gateway_export_counters(const struct gateway *gw);

/* Adds a connection to a site. NULL with err when the SKU's tunnel limit is reached or a
 * PolicyBased gateway already has its one connection. */
struct gw_connection *gateway_add_connection(struct gateway *gw, const struct gw_connection_cfg *cfg, GError **err);
/* The IKE peer configuration instance `instance` of gateway g uses for connection c (name left
 * NULL): Azure's default or custom policy, IKE version, selectors, DPD. The one definition both
 * simulations and vpnsim live use. */
void gateway_peer_cfg(const struct gateway_cfg *g, const struct gw_connection_cfg *c, int instance,
		      struct ike_peer_cfg *out);

/* The half-open threshold above which the gateway's instances ask for cookies (0: never). */
unsigned gateway_cookie_threshold(const struct gateway_cfg *g);

/* The connection called name (NULL: none). */
struct gw_connection *gateway_connection(const struct gateway *gw, const char *name);

/* A host in the VNet (addr inside vnet[0]; the VNet router takes router_addr). */
struct sim_node *gateway_add_host(struct gateway *gw, const char *name, uint32_t addr, uint32_t router_addr);

/* Faults. */
void gateway_crash(struct gateway *gw, int instance);
void gateway_recover(struct gateway *gw, int instance);
/* Planned maintenance of an instance, back after down_ns. */
void gateway_maintenance(struct gateway *gw, int instance, sim_time down_ns);

/* The first time after t a tunnel of connection c came up on either instance (-1: none): the
 * time to re-establishment after a fault at t. */
sim_time gateway_connection_up_after(const struct gw_connection *c, sim_time t);

/* Azure applies a new custom policy to connection c (azure-facts.md §4: "applying it interrupts
 * the tunnel a few seconds"): both instances negotiate with it from now on, and the
 * connection's IKE SAs are deleted so that the peer negotiates again. */
void gateway_set_policy(struct gateway *gw, struct gw_connection *c, const struct policy_custom *policy);

/* The connection's PSK changes in Azure (and not on the device): SAs in place keep working
 * (IKEv2 rekeys without re-authenticating), the next authentication on either instance uses
 * the new key. */
void gateway_set_psk(struct gateway *gw, struct gw_connection *c, const char *psk);

/* Service restoration after a fault at t: the first instant at or after t when connection c had
 * no tunnel up on either instance (*lost_at, -1 if that never happened) and the first instant
 * after that when one was up again (returned; -1 if never, or if service was never lost). */
sim_time gateway_connection_restored_after(const struct gw_connection *c, sim_time t, sim_time *lost_at);

enum gw_tunnel_activity gateway_tunnel_activity(const struct gw_tunnel *t);

/* Counts of instances and tunnels up, for reports. */
unsigned gateway_tunnels_up(const struct gateway *gw);

#endif
