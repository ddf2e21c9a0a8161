/* ike_pair.h: two IKEv2 endpoints in one process on a virtual clock, the way strongSwan's
 * exchange_test_helper drives two IKE SAs: datagrams go into a queue with a one-way delay, timers
 * are kept per SA, and a test steps the clock event by event. Hooks drop, duplicate or delay
 * packets; an optional NAT rewrites node 0's addresses; a tap sees every datagram on the wire. */
#ifndef TESTS_IKE_PAIR_H
#define TESTS_IKE_PAIR_H

#include "models/ipsec/ike.h"

#include <stdint.h>

#define IKE_PAIR_MAX_EVENTS 64
#define NS G_GINT64_CONSTANT(1000000000)

enum ike_pair_action {
	IKE_PAIR_DELIVER,
	IKE_PAIR_DROP,
	IKE_PAIR_DUPLICATE, /* delivered twice, the copy 1 ms later */
};

struct ike_pair;

/* Decides a datagram's fate at the moment node `from` sends it. */
typedef enum ike_pair_action (*ike_pair_filter_fn)(struct ike_pair *p, int from, const struct ike_dgram *d,
						   void *ctx);
typedef void (*ike_pair_tap_fn)(void *ctx, int64_t t_ns, const struct ike_dgram *d);

struct ike_pair_child_event {
	bool up;
	enum ike_down_reason why;
	struct ike_child_info info;
};

struct ike_pair_state_event {
	uint64_t sa_id;
	enum ike_sa_state old_state, new_state;
	int64_t t_ns;
};

struct ike_pair_node {
	struct ike_pair *pair;
	int idx;
	struct ike_endpoint *ep;
	int peer; /* index of the peer config for the other node */
	GHashTable *timers; /* sa_id (uint64*) -> deadline (int64*) */
	uint64_t rng;
	GArray *child_events; /* struct ike_pair_child_event */
	GArray *children;     /* currently installed struct ike_child_info */
	GArray *states;	      /* struct ike_pair_state_event */
	unsigned n_established, n_dead;
	GPtrArray *rows; /* ikev2_decryption_table rows of every SA that got keys (strings) */
	uint64_t sent;
	unsigned nonces;
};

struct ike_pair {
	struct ike_pair_node n[2];
	int64_t now;
	int64_t delay_ns;
	GList *inflight; /* struct pkt*, by time then sequence */
	uint64_t seq;
	ike_pair_filter_fn filter;
	void *filter_ctx;
	ike_pair_tap_fn tap;
	void *tap_ctx;
	unsigned drop_next[2];	  /* drop this many further datagrams sent by node i */
	bool silent[2];		  /* drop everything node i sends */
	bool nat;		  /* node 0 behind a NAT (addresses rewritten) */
	bool verbose;		  /* print logs (IKE_PAIR_VERBOSE in the environment) */
	/* every 32-byte draw (a nonce or DH private value) of node i starts with 0xff - (2 - i) * k
	 * for its k-th such draw: later nonces sort lower, node 0's fall faster (decides which
	 * exchange of a crossing rekey holds the lowest nonce) */
	bool descending_nonces;
};

/* Default addresses: node 0 at 192.0.2.1 (behind NAT: 192.168.1.2, public 198.51.100.9), node 1
 * at 203.0.113.1. */
#define IKE_PAIR_ADDR0 0xc0000201u
#define IKE_PAIR_ADDR0_PRIV 0xc0a80102u
#define IKE_PAIR_NAT_PUBLIC 0xc6336409u
#define IKE_PAIR_ADDR1 0xcb007101u

/* A peer config for node i talking to the other node: PSK "secret", AES-GCM-256/SHA-256/ECP-256
 * for IKE, AES-GCM-256 for ESP, selectors 10.<i>.0.0/16 <-> 10.<1-i>.0.0/16, no DPD, no rekey. */
void ike_pair_default_cfg(int i, bool nat, struct ike_peer_cfg *cfg);

/* Creates both endpoints from the two configs (NULL: defaults) and endpoint configs (NULL:
 * zeros); seeds make the random streams. */
void ike_pair_init(struct ike_pair *p, const struct ike_peer_cfg *cfg0, const struct ike_peer_cfg *cfg1,
		   const struct ike_endpoint_cfg *ep0, const struct ike_endpoint_cfg *ep1, uint64_t seed);
void ike_pair_free(struct ike_pair *p);

/* Processes the next event (a delivery or a timer) if one is due at or before t_end; returns
 * false when none is. */
bool ike_pair_step(struct ike_pair *p, int64_t t_end);
/* Runs every event up to t_end and leaves the clock at t_end. */
void ike_pair_run_until(struct ike_pair *p, int64_t t_end);
/* Runs until no datagram is in flight (timers stay armed), at most until t_end. */
void ike_pair_run_idle(struct ike_pair *p, int64_t t_end);
/* The earliest armed timer of node i (INT64_MAX: none). */
int64_t ike_pair_next_timer(const struct ike_pair *p, int i);

/* Installed CHILD SA of node i with this inbound SPI, or NULL. */
const struct ike_child_info *ike_pair_child(const struct ike_pair *p, int i, uint32_t spi_in);
/* Number of installed CHILD SAs of node i. */
unsigned ike_pair_n_children(const struct ike_pair *p, int i);
/* True when node a's CHILD SA `spi_in` and node b's counterpart have crossed SPIs and matching
 * keys (a's out keys are b's in keys and vice versa). */
bool ike_pair_child_matches(const struct ike_pair *p, int a, uint32_t spi_in);

/* A deterministic test PKI: every key is RSA of `bits` bits built from a seeded stream (primes
 * searched upward from seeded bytes), every certificate signed with SHA-256 (PKCS#1 v1.5, so the
 * same seed gives the same DER). ca signs node[0] and node[1] (subjects O=vpnsim, CN=node0 and
 * CN=node1); rogue_ca, an unrelated CA, signs rogue (CN=node0 as well). DER bytes. */
struct ike_pair_pki {
	GByteArray *ca_cert;
	GByteArray *cert[2], *key[2];
	GByteArray *rogue_ca_cert, *rogue_cert, *rogue_key;
};
void ike_pair_pki_make(struct ike_pair_pki *pki, uint64_t seed, int bits);
void ike_pair_pki_free(struct ike_pair_pki *pki);
/* Sets cfg to certificate authentication with node i's key and certificate and the CA. */
void ike_pair_use_certs(struct ike_peer_cfg *cfg, const struct ike_pair_pki *pki, int i);

#endif
