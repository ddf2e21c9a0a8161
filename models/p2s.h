/* p2s.h: point-to-site VPN with IKEv2 (azure-facts.md §5): the gateway's P2S side and the P2S
 * client, one node per user, and groups of many clients for scale runs.
 *
 * Gateway side. gateway_enable_p2s adds to each instance an IKEv2 responder peer that accepts any
 * remote address (remote.ip 0), offers Azure's P2S proposals and assigns virtual IPs from the
 * address pool by configuration payload (INTERNAL_IP4_ADDRESS). A client's first CHILD SA on an
 * instance creates a tunnel interface for it there (ike_node's tunnel_needed hook), and the
 * instance routes VIP/32 into it; the VNet router routes the whole pool to the instances. The
 * SKU's IKEv2 client limit (p2s_ikev2, §1) caps the addresses an instance hands out: a client
 * above it gets INTERNAL_ADDRESS_FAILURE in IKE_AUTH (no CHILD SA), counted as refused. A crashed
 * instance loses every client (§2: P2S clients are dropped on failover); in active-standby the
 * instance that takes over the public IP answers them when they come back.
 *
 * Client. A node on the internet (world_attach) with its public IP, an IKEv2 initiator that asks
 * for a virtual IP; once its CHILD SA is up the VIP is the address of its tunnel interface, into
 * which the VNet's prefixes are routed, so traffic from the client leaves with the VIP as inner
 * source and traffic to the VIP (traffic_flow_cfg.dst_addr = p2s_client_vip) reaches it. When it
 * is dropped (its IKE SA dies: DPD or retransmissions exhausted, DELETE) or refused, it connects
 * again after an exponential back-off (min, 2 min, 4 min, ... up to max, each stretched by a
 * random 0-50 % from the client's own stream "p2s/<name>", never beyond max).
 *
 * Authentication is by certificate as Azure's P2S does (a client certificate chaining to the
 * uploaded root, the gateway's certificate chaining to a CA the client trusts) when the DER
 * fields of struct p2s_auth are set, else by PSK (not an Azure P2S option; kept for tests). */
#ifndef MODELS_P2S_H
#define MODELS_P2S_H

#include "models/gateway.h"

/* Client defaults (docs/models.md): the back-off after a drop. */
#define P2S_DEFAULT_BACKOFF_MIN_NS (1 * SIM_NS_PER_S)
#define P2S_DEFAULT_BACKOFF_MAX_NS (60 * SIM_NS_PER_S)
#define P2S_MAX_ROUTES 8

/* Authentication material. Certificate mode when cert_der, key_der and ca_der are set: our
 * certificate and RSA private key, and the CA the peer's certificate must chain to (for the
 * gateway: the P2S root; for a client: the CA of the gateway's certificate). Else PSK mode. The
 * bytes are copied by the IKE engine when peers are added (groups keep pointing at them: they
 * must outlive the group). */
struct p2s_auth {
	const char *psk;
	const uint8_t *cert_der, *key_der, *ca_der;
	size_t cert_der_len, key_der_len, ca_der_len;
};

/* ---- gateway side ---- */

struct gw_p2s_cfg {
	struct device_prefix pool;  /* the client address pool (§5: /29 or larger, /28 active-active) */
	struct p2s_auth auth;
	uint32_t max_clients;       /* 0: the SKU's IKEv2 limit (§1); at most that */
};

/* Enables P2S on gw. false with err when Azure would refuse it: Basic (no IKEv2 P2S, §1),
 * PolicyBased (§3), a pool smaller than §5 allows or overlapping the VNet, a limit above the
 * SKU's, missing authentication, or P2S already enabled. Add S2S connections before clients
 * connect (gateway_add_connection refuses afterwards: the P2S peer must match last). */
bool gateway_enable_p2s(struct gateway *gw, const struct gw_p2s_cfg *cfg, GError **err);

/* Clients with a CHILD SA up on the gateway (both instances). */
unsigned gateway_p2s_clients(const struct gateway *gw);
/* ... on one instance. */
unsigned gateway_p2s_clients_on(const struct gateway *gw, int instance);
/* IKE_AUTH requests refused for the client limit (or an exhausted pool), since the start. */
uint64_t gateway_p2s_refused(const struct gateway *gw);

/* For gateway.c only: the P2S side's share of the instance hooks and life cycle. */
struct ipsec_tunnel *gw_p2s_tunnel_needed(struct gw_p2s *p, int inst, const struct ike_child_info *c);
void gw_p2s_child_up(struct gw_p2s *p, int inst, const struct ike_child_info *c, struct ipsec_tunnel *t);
void gw_p2s_child_down(struct gw_p2s *p, int inst, const struct ike_child_info *c, struct ipsec_tunnel *t);
void gw_p2s_ike_state(struct gw_p2s *p, int inst, uint64_t sa_id, enum ike_sa_state new_state);
int gw_p2s_instance_for(const struct gw_p2s *p, uint32_t dst); /* active-active pool half; -1: not in the pool */
void gw_p2s_instance_down(struct gw_p2s *p, int inst);
void gw_p2s_add_peer(struct gw_p2s *p, int inst);
void gw_p2s_free(struct gw_p2s *p);

/* ---- client ---- */

struct p2s_client_cfg {
	const char *name;
	uint32_t public_ip;
	uint32_t gateway_ip[2];   /* tried in turn, one per attempt (active-active: both IPs) */
	size_t n_gateway_ip;
	struct device_prefix routes[P2S_MAX_ROUTES]; /* routed into the tunnel (the VNet's prefixes) */
	size_t n_routes;
	struct p2s_auth auth;
	sim_time start_ns;        /* first connection attempt */
	sim_time backoff_min_ns;  /* 0: P2S_DEFAULT_BACKOFF_MIN_NS */
	sim_time backoff_max_ns;  /* 0: P2S_DEFAULT_BACKOFF_MAX_NS */
	int64_t dpd_interval_ns;  /* 0: 30 s (strongSwan's dpd_delay; <0: no DPD) */
	struct ike_retransmit_cfg retransmit; /* timeout_ns 0: strongSwan's (165 s to give up) */
	const struct ike_ike_proposal *ike; /* NULL: AES256/SHA256/ECP256, GCM-AES256/SHA384/ECP384, */
	size_t n_ike;                       /* AES256/SHA256/MODP2048 (a subset of §5) */
	struct sim_link_params path_up, path_down; /* rate 0: 100 Mbit/s, 20 ms each way */
	struct sim_node *access;  /* the path ends at this router (an ISP's, see p2s_group_cfg); NULL:
				   * at the internet router (world_attach) */
};

struct p2s_client {
	struct world *w;
	struct p2s_client_cfg cfg;
	char *name;
	struct sim_node *node;
	struct sim_iface *wan;
	struct ipsec_node in;
	struct ike_node ike;
	struct ipsec_tunnel *t;   /* its address is the VIP while connected (0 otherwise) */
	struct sim_rng rng;       /* "p2s/<name>": back-off jitter */
	int peer[2];              /* per gateway IP */
	size_t target;            /* the gateway IP of the current attempt */
	uint64_t ike_sa;          /* the IKE SA we track (0: none) */
	uint32_t vip;             /* 0: none */
	bool child_up;
	unsigned failures;        /* consecutive, for the back-off */
	sim_event_id retry_ev;
	sim_time last_up, last_down;
	uint64_t *c_attempts, *c_connects, *c_drops, *c_refused;
};

/* Builds the client on w and schedules its first attempt at cfg->start_ns. NULL with err on a
 * bad configuration. */
struct p2s_client *p2s_client_new(struct world *w, const struct p2s_client_cfg *cfg, GError **err);
void p2s_client_free(struct p2s_client *c);

static inline bool p2s_client_up(const struct p2s_client *c) { return c->child_up; }
/* The virtual IP while connected, else 0. */
static inline uint32_t p2s_client_vip(const struct p2s_client *c) { return c->child_up ? c->vip : 0; }

/* ---- groups ---- */

/* How a group's clients make their first attempts over [arrive_from, arrive_to]. */
enum p2s_arrival {
	P2S_ARRIVAL_UNIFORM, /* each at an independent uniform time in the window: a Poisson process
			      * conditioned on all count arrivals falling in it */
	P2S_ARRIVAL_EVEN,    /* evenly spaced, first at from and last at to (a scripted ramp) */
	P2S_ARRIVAL_POISSON, /* exponential gaps of mean (to - from) / count from `from` on: the
			      * unconditioned process, so the last may come after `to` */
};

struct p2s_group_cfg {
	const char *name;          /* clients are <name>0, <name>1, ... */
	unsigned count;
	uint32_t public_ip_base;   /* client i has public_ip_base + i */
	sim_time arrive_from_ns, arrive_to_ns; /* the window of the first attempts (group stream) */
	enum p2s_arrival arrival;  /* how the first attempts fall in it (default uniform) */
	sim_time backoff_min_ns, backoff_max_ns;
	struct p2s_auth auth;      /* shared by all clients (one client certificate) */
	int64_t dpd_interval_ns;
	struct sim_link_params path_up, path_down;
	const struct ike_ike_proposal *ike;
	size_t n_ike;
	/* Clients per ISP access router (0: every client's path ends at the internet router). With
	 * k > 0 the clients hang off routers "<name>-isp<j>" of k clients each, attached to the
	 * internet over isp_uplink (rate 0: 10 Gbit/s, 1 ms): the paths a client sees are its own
	 * link then the uplink. Thousands of links on one router make every packet through it cost
	 * a scan of its interfaces (sim_node_has_addr is linear); aggregation keeps that short. */
	unsigned clients_per_isp;
	struct sim_link_params isp_uplink;
};

struct p2s_group {
	struct world *w;
	char *name;
	GPtrArray *clients;        /* struct p2s_client *, owned */
	GPtrArray *isps;           /* struct sim_node * (owned by the net) */
};

/* count clients of the gateway gw: they connect to its public IP(s) (active-active: client i
 * starts with IP i % 2) and route its VNet prefixes into their tunnels. Arrival times are drawn
 * from the stream "p2s-group/<name>". NULL with err on a bad configuration. */
struct p2s_group *p2s_group_new(struct world *w, const struct gateway *gw, const struct p2s_group_cfg *cfg,
				GError **err);
void p2s_group_free(struct p2s_group *g);

static inline struct p2s_client *p2s_group_client(const struct p2s_group *g, unsigned i)
{
	return g->clients->pdata[i];
}
/* Clients whose CHILD SA is up (each has its VIP). */
unsigned p2s_group_up(const struct p2s_group *g);
/* Inner bytes the group's clients' tunnels carried so far, both directions (their tx_bytes and
 * rx_bytes counters summed). */
uint64_t p2s_group_bytes(const struct p2s_group *g);

#endif
