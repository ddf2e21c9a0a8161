/* live.h: one node of a topology on real UDP sockets and the wall clock: the sans-I/O IKEv2
 * engine (models/ipsec/ike.h) and user-space ESP (models/ipsec/esp.h), exactly as simulations
 * run them, driven by a GLib main context instead of the event loop (`vpnsim live`).
 *
 * The node binds UDP 500 and 4500 of one address, adds its peers, initiates to those marked so,
 * carries ESP in UDP on 4500 (RFC 3948: a datagram whose first four bytes are zero is IKE, a
 * single 0xff byte is a NAT keepalive, anything else is ESP), answers ICMP echo requests for its
 * inner prefixes that arrive through a tunnel (the reply goes back through a tunnel), and can
 * send echo requests of its own through the tunnel once a CHILD SA covers the destination.
 * Every SA event is one line on the log stream, stamped with the seconds since the node was
 * created; echo replies go to the output stream as ping prints them.
 *
 * Time is g_get_monotonic_time() in ns; random bytes come from OpenSSL's RAND_bytes (the
 * operating system's entropy): live runs are not deterministic, simulations are untouched.
 * No global state: two nodes can run in one process on different addresses. */
#ifndef MODELS_LIVE_H
#define MODELS_LIVE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "models/ipsec/ike.h"

#define LIVE_MAX_PREFIXES 8
#define LIVE_SHUTDOWN_WAIT_NS (2 * G_GINT64_CONSTANT(1000000000))

struct live_prefix {
	uint32_t addr; /* host order, host bits zero */
	unsigned plen;
};

/* One peer: the engine's configuration and what the node does with it. */
struct live_peer {
	struct ike_peer_cfg cfg; /* cfg.name may point into name */
	char name[64];
	bool initiate;		 /* initiate when the node starts */
	int64_t reconnect_ns;	 /* when the IKE SA with this peer died and none is left, initiate
				  * again after this (as the simulated device does); < 0: never */
	int64_t child_retry_ns;	 /* an initiator whose IKE SA has no CHILD SA (refused, or expired
				  * without a successor) deletes it after this and starts again, as
				  * the simulated device does; < 0: never */
};

struct live_cfg {
	const char *name;		/* for the log */
	uint32_t bind_ip;		/* host order; must be a concrete address */
	struct live_prefix inner[LIVE_MAX_PREFIXES]; /* the addresses this node answers pings for */
	size_t n_inner;
	unsigned cookie_threshold;	/* the engine's: half-open SAs above which IKE_SA_INIT needs a
					 * cookie (0: never) */
	const struct live_peer *peers;	/* copied */
	size_t n_peers;
	uint32_t ping_dst;		/* 0: no pings */
	uint32_t ping_src;		/* 0: the first inner prefix's first host address */
	unsigned ping_count;		/* 0: until the node stops */
	int64_t ping_interval_ns;	/* 0: 1 s */
	const char *keys_dir;		/* NULL: no key tables; else ikev2_decryption_table, esp_sa and
					 * preferences are (re)written there as SAs appear */
	FILE *log;			/* SA events (NULL: stderr) */
	FILE *out;			/* echo replies (NULL: stdout) */
};

struct live_stats {
	uint64_t ike_established, child_up, child_down, ike_rekeys, child_rekeys, dead_peers;
	uint64_t esp_rx, esp_tx, esp_drops, inner_not_ours;
	uint64_t echo_requests_answered;
	uint64_t pings_sent, pings_received, pings_unroutable;
};

struct live_node;

/* Binds the sockets, creates the engine and adds the peers; attaches the socket sources to ctx
 * (NULL: the default context). Nothing is sent before live_node_start. NULL with err when a
 * socket cannot be bound (EADDRINUSE, an address not on this host) or the engine refuses a peer
 * configuration. */
struct live_node *live_node_new(const struct live_cfg *cfg, GMainContext *ctx, GError **err);

/* Initiates to the peers marked so and starts the pings. */
void live_node_start(struct live_node *n);

/* Stops: no more pings or reconnects; sends DELETE for every established IKE SA and abandons the
 * others; `done` runs (from the context) once no SA is left or LIVE_SHUTDOWN_WAIT_NS passed.
 * A second call is ignored. */
void live_node_stop(struct live_node *n, void (*done)(void *user), void *user);

/* Requests from outside (signals in `vpnsim live`): rekey every CHILD SA, every IKE SA, or send a
 * liveness check on every IKE SA now. Return how many requests the engine accepted. */
unsigned live_node_rekey_children(struct live_node *n);
unsigned live_node_rekey_ike(struct live_node *n);
unsigned live_node_dpd(struct live_node *n);

/* True once every configured ping was sent and its reply arrived or timed out. */
bool live_node_pings_done(const struct live_node *n);

/* Counters so far (IKE rekeys and dead peers from the engine's counters). */
void live_node_get_stats(const struct live_node *n, struct live_stats *out);
const struct ike_endpoint *live_node_endpoint(const struct live_node *n);

/* Writes a one-line summary (counters, pings) to the log stream. */
void live_node_summary(struct live_node *n);

/* Frees everything at once (SAs still present vanish silently, as ike_endpoint_free does). */
void live_node_free(struct live_node *n);

#define LIVE_ERROR live_error_quark()
GQuark live_error_quark(void);

#endif
