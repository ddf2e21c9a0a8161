/* ipsec_node.h: the ESP data path of a simulated node: route-based tunnel interfaces whose
 * output is encapsulated by a real outbound ESP SA, and the receive side (IP protocol 50 and
 * ESP-in-UDP on 4500) that finds the inbound SA by SPI, decapsulates and hands the inner packet
 * back to the node as if it had arrived on the tunnel interface.
 *
 * This is the glue between sim/ packets and models/ipsec/esp: packet buffers are lent to ESP
 * as windows (struct esp_buf) and transformed in place. IKE traffic on UDP 500, and the
 * non-ESP-marker datagrams on 4500, go to the handler the IKE glue registers. */
#ifndef MODELS_IPSEC_NODE_H
#define MODELS_IPSEC_NODE_H

#include <glib.h>

#include "models/capacity.h"
#include "models/ipsec/esp.h"
#include "sim/net.h"

#define IPSEC_IKE_PORT 500
#define IPSEC_NATT_PORT 4500

struct ipsec_node;

/* A route-based tunnel: an interface of the node (routes through it send traffic into the
 * tunnel) and the outbound SA currently used. Inbound SAs are found by SPI and remember their
 * tunnel. */
struct ipsec_tunnel {
	struct ipsec_node *in;
	uint32_t index;            /* in in->tunnels */
	char *name;
	struct cap_server *cap;    /* this tunnel's own core (NULL: none), before the node's */
	struct sim_iface *iface;
	struct esp_sa *out_sa;     /* owned; NULL: packets are dropped (no SA) */
	uint64_t *c_tx_packets, *c_tx_drop_no_sa, *c_rx_packets;
	/* Inner IPv4 bytes carried: encrypted and sent (tx), authenticated and delivered (rx). */
	uint64_t *c_tx_bytes, *c_rx_bytes;
	struct sim_series *bytes;  /* NULL, or both directions' inner bytes by time (not owned) */
	uint64_t *c_tx_drop[ESP_VERDICT_COUNT];
};

/* Where IKE datagrams go: pkt's data is the UDP payload as received: the IKE message, preceded
 * by the 4-byte non-ESP marker on port 4500 (RFC 3948), as models/ipsec/ike.h expects it. The
 * handler owns pkt. */
typedef void (*ipsec_ike_rx_fn)(void *ctx, struct sim_pkt *pkt, const struct sim_rx_info *info);

struct ipsec_node {
	struct sim_node *node;
	struct esp_db *db;
	GHashTable *in_sas;  /* SPI -> struct ipsec_in (owned): the SA and its tunnel */
	GPtrArray *tunnels;  /* struct ipsec_tunnel *, owned */
	ipsec_ike_rx_fn ike_rx;
	void *ike_ctx;
	void (*esp_rx)(void *ctx, uint32_t spi_in); /* told of every authenticated ESP packet
						    * (ike_ctx; NULL: nobody) */
	struct cap_server *cap;    /* the node's processor shared by all tunnels (NULL: none) */
	uint16_t mss_clamp;        /* TCP MSS clamp on every tunnel, both ways (0: none) */
	uint64_t *c_mss_clamped;   /* SYNs whose MSS option was lowered */
	uint64_t *c_rx_esp, *c_rx_natt_keepalive, *c_rx_ike_no_handler;
	uint64_t *c_rx_drop[ESP_VERDICT_COUNT];
};

/* Takes over IP protocol 50 and UDP ports 500 and 4500 of node. */
void ipsec_node_init(struct ipsec_node *in, struct sim_node *node);
void ipsec_node_destroy(struct ipsec_node *in);

void ipsec_node_set_ike_handler(struct ipsec_node *in, ipsec_ike_rx_fn fn, void *ctx);

/* Clamps the MSS option of TCP SYNs entering and leaving every tunnel of the node to mss (0: no
 * clamping), as `ip tcp adjust-mss` on a tunnel interface does (sim_tcp_clamp_mss); counts them
 * in ipsec/NODE/mss_clamped. */
void ipsec_node_set_mss_clamp(struct ipsec_node *in, uint16_t mss);

/* A new tunnel interface (address/plen, usually a link-local /32, and an MTU for inner packets)
 * with no SA yet. Route prefixes into it with sim_route_add(node, prefix, plen, 0, t->iface). */
struct ipsec_tunnel *ipsec_tunnel_new(struct ipsec_node *in, const char *name, uint32_t addr, unsigned plen,
				      uint32_t mtu);

/* Capacity. Packets a node encrypts or decrypts can be made to pass through processors first:
 * the tunnel's own (per-tunnel core, both directions) and then the node's (shared by every
 * tunnel). Each is a struct cap_server the caller owns, initialised with ipsec_cap_done as its
 * done function and the ipsec_node as its context. NULL removes the stage. */
void ipsec_node_set_capacity(struct ipsec_node *in, struct cap_server *cap);
void ipsec_tunnel_set_capacity(struct ipsec_tunnel *t, struct cap_server *cap);
void ipsec_cap_done(void *ctx, struct sim_pkt *pkt);

/* Also adds every inner byte the tunnel carries, both directions, to series (a registry series
 * the caller asked for; NULL: none), binned by the time it was sent or delivered. */
void ipsec_tunnel_set_series(struct ipsec_tunnel *t, struct sim_series *series);

/* Makes sa (outbound) the tunnel's SA, freeing the previous one. sa may be NULL. */
void ipsec_tunnel_set_out_sa(struct ipsec_tunnel *t, struct esp_sa *sa);

/* Adds an inbound SA whose packets come out of tunnel t; the node owns it from now on. False
 * (and sa untouched) when its SPI is already in use. */
bool ipsec_node_add_in_sa(struct ipsec_node *in, struct esp_sa *sa, struct ipsec_tunnel *t);

/* Removes and frees the inbound SA with this SPI; false when there is none. */
bool ipsec_node_del_in_sa(struct ipsec_node *in, uint32_t spi);

/* The inbound SA with this SPI, or NULL. */
struct esp_sa *ipsec_node_in_sa(const struct ipsec_node *in, uint32_t spi);

/* Sends a UDP datagram for IKE from local (addr, port) to remote. data is the UDP payload
 * exactly as ike.h produces it (with the non-ESP marker on a non-500 port pair). Copies data. */
enum sim_drop ipsec_node_send_ike(struct ipsec_node *in, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
				  const uint8_t *data, size_t len);

#endif
