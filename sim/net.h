/* net.h: the simulated IPv4 world: nodes, interfaces, routing tables with longest-prefix match,
 * sending, and the receive path that dispatches by IP protocol and UDP port.
 *
 * A struct sim_net holds the engine it runs on, the counter registry, the packet pool, and every
 * node and link in creation order. Nodes send full IPv4 packets (sim_node_send_ip) or UDP
 * datagrams (sim_node_send_udp builds the headers in the packet's headroom). A packet that
 * arrives is parsed (checksum verified); if it is for one of the node's addresses it goes to the
 * handler registered for its protocol, or for UDP to the handler of its destination port;
 * otherwise a forwarding node decrements its TTL and routes it on; everything else is dropped
 * and counted under node/<name>/drop_<cause> (each such counter is created at its first drop;
 * node/<name>/{rx,tx}_{packets,bytes}, delivered and forwarded exist from the node's creation).
 * No ICMP is generated and nothing is fragmented or reassembled.
 *
 * Ownership of packets is simple: every function that takes a struct sim_pkt * takes ownership
 * of it, whatever it returns (a dropped packet goes back to the pool); every handler and link
 * receiver is given ownership of the packet it is called with. Taps only look (they see the bytes
 * during the call and must copy what they keep). */
#ifndef SIM_NET_H
#define SIM_NET_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/ipv4.h"
#include "sim/pkt.h"
#include "sim/sim.h"
#include "sim/stats.h"

/* Packet buffers of the net's pool: 2304 bytes of which 256 are headroom in a fresh packet (room
 * for nested IP/UDP/ESP headers in front of a 1500-byte inner packet, and ESP trailers behind). */
#define SIM_NET_PKT_BUF 2304u
#define SIM_NET_PKT_HEADROOM 256u

struct sim_link;
struct sim_node;
struct sim_iface;

/* GError domain of configuration errors (codes below). */
#define SIM_NET_ERROR (sim_net_error_quark())
GQuark sim_net_error_quark(void);

enum sim_net_error {
	SIM_NET_ERROR_NEXTHOP, /* a route's next hop is not on a directly connected network */
};

/* What happened to a packet: SIM_OK, or why it was dropped. The counter of a cause is
 * node/<name>/drop_<cause> for a node's drops and link/<name>/<dir>/drop_<cause> for a link's. */
enum sim_drop {
	SIM_OK = 0,
	SIM_DROP_NO_ROUTE,     /* no route to the destination */
	SIM_DROP_TTL,          /* forwarding would make TTL 0 */
	SIM_DROP_BAD_CHECKSUM, /* IPv4 header or UDP checksum */
	SIM_DROP_MALFORMED,    /* bad version, IHL or length, truncated (IP or UDP) */
	SIM_DROP_FRAGMENT,     /* a fragment addressed to us (no reassembly) */
	SIM_DROP_NO_PROTO,     /* for us, but no handler for its IP protocol */
	SIM_DROP_NO_PORT,      /* for us, UDP, but no handler for its destination port */
	SIM_DROP_NOT_LOCAL,    /* not for us and forwarding is off */
	SIM_DROP_IFACE_MTU,    /* longer than the outgoing interface's MTU (counted as drop_iface_mtu) */
	SIM_DROP_NO_LINK,      /* the outgoing interface is attached to nothing */
	SIM_DROP_QUEUE,        /* link: the drop-tail queue is full */
	SIM_DROP_LOSS,         /* link: lost on the wire (never returned by a send: the sender cannot know) */
	SIM_DROP_DOWN,         /* link: down when sent, or queued/in flight when it went down */
	SIM_DROP_MTU,          /* link: longer than the link's MTU */
	SIM_DROP_COUNT
};

/* "no_route", "ttl", ... (the suffix of the drop counters). */
const char *sim_drop_name(enum sim_drop d);

/* A tap: sees a packet's bytes (starting at the IPv4 header) at simulated time t. sim_pcap_tap
 * with a struct sim_pcap * as ctx is one. */
typedef void (*sim_tap_fn)(void *ctx, sim_time t, const uint8_t *data, size_t len);

struct sim_tap {
	sim_tap_fn fn;
	void *ctx;
};

/* What the receive path learnt about a packet it hands to a handler. */
struct sim_rx_info {
	struct sim_iface *iface; /* where it came in (NULL: sent by this node to itself) */
	uint32_t src, dst;
	uint8_t proto, ttl, tos;
	uint16_t sport, dport;   /* UDP only (0 otherwise) */
	uint32_t hdr_bytes;      /* header bytes in front of the data: IPv4 (+ 8 for UDP) */
};

/* A protocol or port handler. pkt's data is the payload: after the IPv4 header for a protocol
 * handler, after the UDP header for a port handler (trimmed to the lengths in the headers); the
 * headers are still in front of it (sim_pkt_push(pkt, info->hdr_bytes) gets the whole IPv4
 * packet back). The handler owns pkt: it must free, keep or send it. */
typedef void (*sim_rx_fn)(struct sim_node *node, struct sim_pkt *pkt, const struct sim_rx_info *info, void *ctx);

/* Output of an interface that has no link (e.g. a route-based tunnel interface): takes pkt
 * (data at the IPv4 header). */
typedef void (*sim_iface_output_fn)(struct sim_iface *iface, struct sim_pkt *pkt, void *ctx);

struct sim_iface {
	struct sim_node *node;
	char *name;           /* "eth0", "eth1", ... in creation order per node */
	uint32_t index;
	uint32_t addr;        /* host order */
	unsigned plen;
	uint32_t mtu;         /* bytes of IPv4 packet; longer ones are not sent (drop_iface_mtu) */
	struct sim_link *link; /* NULL when not attached */
	int tx_dir;           /* the link direction this interface sends on (enum sim_link_dir) */
	sim_iface_output_fn output; /* instead of a link */
	void *output_ctx;
};

struct sim_route {
	uint32_t prefix;          /* host bits zero */
	unsigned plen;
	uint32_t nexthop;         /* 0: directly connected */
	struct sim_iface *iface;  /* outgoing interface */
};

/* The routing table: one open-addressing hash table keyed by (prefix length, prefix), probed
 * for each prefix length present, longest first (a 33-bit mask of lengths in use). A lookup costs
 * one probe per distinct length in the table, whatever the number of routes. */
struct sim_rt_slot {
	uint64_t key; /* 0: empty; else (plen + 1) << 32 | prefix */
	struct sim_route route;
};

struct sim_rtable {
	struct sim_rt_slot *slots;
	uint32_t cap;  /* power of two */
	uint32_t count;
	uint32_t per_len[33];
	uint64_t len_mask; /* bit plen set when per_len[plen] > 0 */
};

struct sim_udp_binding {
	sim_rx_fn fn;
	void *ctx;
};

struct sim_node {
	struct sim_net *net;
	char *name;
	uint32_t index;        /* creation order */
	bool forwarding;
	uint8_t ttl;           /* of packets this node builds (64) */
	uint16_t next_ip_id;
	GPtrArray *ifaces;     /* struct sim_iface *, owned */
	struct sim_rtable rt;
	struct sim_udp_binding proto[256];
	GHashTable *udp;       /* port -> struct sim_udp_binding * */
	GArray *taps;          /* struct sim_tap */
	GHashTable *local;     /* interface address -> how many interfaces have it (0 not kept) */
	uint64_t *c_rx_packets, *c_rx_bytes, *c_tx_packets, *c_tx_bytes, *c_delivered, *c_forwarded;
	uint64_t *c_drop[SIM_DROP_COUNT]; /* created on first use */
};

struct sim_net {
	struct sim *sim;
	struct sim_stats stats;
	struct sim_pkt_pool pool;
	GPtrArray *nodes; /* struct sim_node *, creation order, owned */
	GPtrArray *links; /* struct sim_link *, creation order, owned */
	GHashTable *node_by_name;
	GHashTable *link_by_name;
};

/* A world on the engine sim (which must outlive it). Destroy it after the last run: pending
 * events of its links refer to it. */
void sim_net_init(struct sim_net *net, struct sim *sim);
void sim_net_destroy(struct sim_net *net);

/* A fresh packet from the net's pool (len 0, SIM_NET_PKT_HEADROOM bytes of headroom). */
static inline struct sim_pkt *sim_net_pkt(struct sim_net *net) { return sim_pkt_alloc(&net->pool); }

static inline sim_time sim_net_now(const struct sim_net *net) { return sim_now(net->sim); }

/* NULL when absent. */
struct sim_node *sim_net_node(const struct sim_net *net, const char *name);
struct sim_link *sim_net_link(const struct sim_net *net, const char *name);

/* ---- nodes and interfaces ---- */

/* A new node; its name must be new in this net (asserted: validate user input first). Forwarding
 * is off. */
struct sim_node *sim_node_new(struct sim_net *net, const char *name);

static inline void sim_node_set_forwarding(struct sim_node *n, bool on) { n->forwarding = on; }

/* Adds interface eth<N> with address addr/plen and an MTU, and the connected route to
 * addr/plen through it. Attach it to a link with sim_net_attach, or give it an output. */
struct sim_iface *sim_node_add_iface(struct sim_node *n, uint32_t addr, unsigned plen, uint32_t mtu);

/* Makes iface (not attached to a link) hand its outgoing packets to fn. */
void sim_iface_set_output(struct sim_iface *iface, sim_iface_output_fn fn, void *ctx);

/* Changes an interface's address (0: none), e.g. a public IP moving between gateway instances
 * or a virtual IP a tunnel obtains. Routes are not changed. */
void sim_iface_set_addr(struct sim_iface *iface, uint32_t addr);

/* True when addr is one of the node's interface addresses (a hash lookup: nodes with thousands
 * of tunnel interfaces stay fast). */
bool sim_node_has_addr(const struct sim_node *n, uint32_t addr);

/* The address of the node's first interface (0 if it has none). */
uint32_t sim_node_addr(const struct sim_node *n);

/* ---- routes ---- */

/* Adds prefix/plen (host bits are cleared) via nexthop, replacing a route to the same prefix.
 * With iface NULL the outgoing interface is the one of the route to nexthop, which must be
 * directly connected (false with err set otherwise). nexthop 0 with an iface: directly
 * connected. prefix 0/0 is the default route. */
bool sim_route_add(struct sim_node *n, uint32_t prefix, unsigned plen, uint32_t nexthop, struct sim_iface *iface,
		   GError **err);

/* Removes the route to prefix/plen; false when there was none. */
bool sim_route_del(struct sim_node *n, uint32_t prefix, unsigned plen);

/* The longest-prefix match for dst, or NULL. The pointer is valid until the next add or del. */
const struct sim_route *sim_route_lookup(const struct sim_node *n, uint32_t dst);

static inline uint32_t sim_route_count(const struct sim_node *n) { return n->rt.count; }

/* ---- handlers and taps ---- */

/* Handler for packets addressed to the node with IP protocol proto (not UDP: UDP is dispatched by
 * port, asserted). fn NULL removes it. */
void sim_node_set_proto_handler(struct sim_node *n, uint8_t proto, sim_rx_fn fn, void *ctx);

/* Handler for UDP datagrams addressed to the node with destination port port. fn NULL removes. */
void sim_node_set_udp_handler(struct sim_node *n, uint16_t port, sim_rx_fn fn, void *ctx);

/* Adds a tap that sees every packet the node sends (when it hands it to an interface or an
 * interface's output, after routing and any TTL decrement; a packet dropped by the node before
 * that, e.g. for lack of a route, is not seen) and every packet it receives (when a link
 * delivers it, or sim_node_input is called, e.g. with a decapsulated tunnel packet or a packet
 * sent to the node itself; before it is checked). A forwarded packet is seen twice, in and out;
 * what a link then drops was still sent. */
void sim_node_add_tap(struct sim_node *n, sim_tap_fn fn, void *ctx);

/* Removes the tap (fn, ctx) added with sim_node_add_tap (e.g. by a model freed before the net);
 * false when there is none. Not from inside a tap callback of the same node. */
bool sim_node_remove_tap(struct sim_node *n, sim_tap_fn fn, void *ctx);

/* ---- sending and receiving ---- */

/* Routes the IPv4 packet pkt (data at its header, already complete with checksum) and sends it
 * out its interface; a packet to one of the node's own addresses is delivered to it at the
 * current time through an event. Returns SIM_OK when handed on, or why it was dropped (counted).
 * Takes pkt. */
enum sim_drop sim_node_send_ip(struct sim_node *n, struct sim_pkt *pkt);

/* Sends the IPv4 packet pkt out iface without looking at the routing table (e.g. a reply that
 * must leave where its request came in). Same checks, counters and taps as a routed send.
 * Takes pkt. */
enum sim_drop sim_iface_send(struct sim_iface *iface, struct sim_pkt *pkt);

/* The source address n gives a packet it sends to dst: dst itself when it is one of n's, else
 * the address of the interface the route to dst leaves by; 0 when there is no route. */
uint32_t sim_node_source_addr(const struct sim_node *n, uint32_t dst);

/* Sends pkt's data as a UDP datagram: prepends UDP and IPv4 headers (TTL n->ttl, DF, the next IP
 * id) in the headroom and calls sim_node_send_ip. src 0 means the address of the outgoing
 * interface. Takes pkt. */
enum sim_drop sim_node_send_udp(struct sim_node *n, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
				struct sim_pkt *pkt);

/* The receive path for pkt (data at its IPv4 header) arriving on iface (NULL: from the node
 * itself, e.g. a decapsulated tunnel packet): check, deliver, forward or drop. Takes pkt. */
void sim_node_input(struct sim_node *n, struct sim_pkt *pkt, struct sim_iface *iface);

/* Counts one drop of cause d at node n (handlers may use it for their own refusals). */
void sim_node_count_drop(struct sim_node *n, enum sim_drop d);

/* ---- links (see link.h) ---- */

/* Attaches iface a to end A and b to end B of link: what a sends travels A->B and is delivered
 * to b's node, and back. */
void sim_net_attach(struct sim_link *link, struct sim_iface *a, struct sim_iface *b);

#endif
