/* ike_node.h: runs the sans-I/O IKEv2 engine (models/ipsec/ike.h) on a simulated node: its
 * datagrams travel as UDP over the node's links, its timers are engine events, its random bytes
 * come from the node's stream "ike/<name>", and the CHILD SAs it negotiates are installed as
 * real ESP SAs in the node's ipsec_node (inbound by SPI, outbound on the tunnel bound to the
 * peer's address). Models hear about tunnels and IKE SAs through hooks. */
#ifndef MODELS_IKE_NODE_H
#define MODELS_IKE_NODE_H

#include <glib.h>

#include "models/ipsec/ike.h"
#include "models/keylog.h"
#include "models/ipsec_node.h"
#include "sim/rng.h"

struct ike_node;

/* What the model hears. t is the tunnel the CHILD SA was installed on (NULL: no tunnel is bound
 * to the peer's address; the SA was not installed). Any hook may be NULL. */
struct ike_node_hooks {
	void (*child_up)(void *ctx, struct ike_node *k, const struct ike_child_info *c, struct ipsec_tunnel *t);
	void (*child_down)(void *ctx, struct ike_node *k, const struct ike_child_info *c, struct ipsec_tunnel *t,
			   enum ike_down_reason why);
	void (*ike_state)(void *ctx, struct ike_node *k, uint64_t sa_id, enum ike_sa_state old_state,
			  enum ike_sa_state new_state);
	/* A CHILD SA came up with a peer no tunnel is bound to: the model may return a tunnel for
	 * it (created on demand, e.g. one per P2S client); ike_node binds it to c->remote.ip and
	 * installs the SA on it. NULL: the SA is not installed (counted as child_no_tunnel). */
	struct ipsec_tunnel *(*tunnel_needed)(void *ctx, struct ike_node *k, const struct ike_child_info *c);
};

struct ike_node {
	struct ipsec_node *in;
	struct sim_net *net;
	char *name;
	struct ike_endpoint *ep;
	struct ike_endpoint_cfg cfg;
	struct sim_rng rng;
	GHashTable *timers;           /* sa_id -> struct ike_node_timer * (owned) */
	GHashTable *tunnel_by_remote; /* remote public IPv4 -> struct ipsec_tunnel * */
	struct ike_node_hooks hooks;
	void *hooks_ctx;
	uint64_t *c_no_tunnel, *c_esp_config_failed;
	struct keylog *keylog;        /* where SA keys are recorded (NULL: nowhere); set by the model */
	struct ike_counters past;     /* counters of the endpoints ike_node_reset replaced */
};

/* Starts an IKE endpoint on in's node (cfg->name is ignored: the node's name is used; the cookie
 * secret is drawn from the node's stream). Takes over the node's IKE ports through in. */
void ike_node_init(struct ike_node *k, struct ipsec_node *in, const struct ike_endpoint_cfg *cfg,
		   const struct ike_node_hooks *hooks, void *hooks_ctx);
void ike_node_destroy(struct ike_node *k);

/* CHILD SAs negotiated with the peer at remote_ip are installed on tunnel t. */
void ike_node_bind_tunnel(struct ike_node *k, uint32_t remote_ip, struct ipsec_tunnel *t);

/* The node lost all IKE and ESP state (a crash, a reboot): every SA is dropped silently (no
 * DELETE, no hooks), ESP SAs are removed from the node and its tunnels, timers are cancelled,
 * and a fresh endpoint without peers is started. The model adds its peers again. */
void ike_node_reset(struct ike_node *k);

/* Copies the endpoint's counters (plus those of the endpoints resets replaced: a node's counters
 * cover the whole run) into the registry under ike/<node>/... (for reports). */
void ike_node_export_counters(const struct ike_node *k, struct sim_stats *st);

#endif
