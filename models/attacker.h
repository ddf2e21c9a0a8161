/* attacker.h: a hostile node on the internet for hostile scenarios: it floods a target with
 * well-formed IKE_SA_INIT requests from spoofed addresses, replays and tampers with ESP packets
 * it sees crossing the internet router, and sends garbage to UDP 500 and 4500. Each behaviour
 * has its own rate (0: off); all of them run between start_ns and stop_ns (copies captured
 * before stop_ns are still sent when their delay is up); every random choice
 * comes from the node's stream "attacker/<name>", so the same seed gives the same attack.
 *
 * What each behaviour sends:
 * - flood: IKE_SA_INIT requests (SA with the configured IKE proposals, KE, 32-byte nonce,
 *   fresh random SPIi) from a random address of spoof_prefix/spoof_plen, source port 500, to
 *   target_ip:500, at flood_pps on average (Poisson). KE values are real public values of the
 *   proposals' first group, drawn from a small set computed at start, so a responder that
 *   accepts them does real Diffie-Hellman work. The spoofed sources never answer.
 * - replay/tamper: a tap on the internet router sees every ESP packet (IP protocol 50, or UDP
 *   4500 without the non-ESP marker) whose destination is target_ip (0: any); each distinct
 *   packet is captured with probability replay_prob and sent again unchanged replay_delay_ns
 *   later, and, independently, with probability tamper_prob a modified copy is sent
 *   tamper_delay_ns later: the sequence number moved 2^20 ahead (so the replay check lets it
 *   through, as a forged new packet) and one random bit flipped in the encrypted part or ICV,
 *   so the receiver's ICV check must catch it. Copies leave the attacker's node with the
 *   original outer addresses (spoofed source).
 * - garbage: at garbage_pps (Poisson) one of: random bytes to 500; a truncated IKE header to
 *   500; a valid IKE header (random SPIs, exchange, flags, exact length) over a random payload
 *   chain to 500; the same behind the non-ESP marker to 4500; random bytes without the marker
 *   to 4500 (taken for ESP). From a random spoofed address (or the attacker's own when
 *   spoof_plen is 0 and spoof_prefix 0).
 *
 * Counters (attacker/<name>/...): tx_init_flood, tx_replay, tx_tamper, tx_garbage_ike,
 * tx_garbage_truncated, tx_garbage_chain, tx_garbage_natt, tx_garbage_esp, captured (ESP
 * packets retained for a replay or tamper), tx_refused (sends its own node dropped).
 * Everything the attacker sends leaves with TTL 200; its tap ignores such packets, so it never
 * captures its own copies. */
#ifndef MODELS_ATTACKER_H
#define MODELS_ATTACKER_H

#include <glib.h>

#include "models/ipsec/ike.h"
#include "models/world.h"
#include "sim/rng.h"

#define ATTACKER_MAX_PROPOSALS 8
#define ATTACKER_KE_SET 8 /* precomputed public values per attacker */

/* Defaults (attacker_new fills fields left 0). */
#define ATTACKER_DEFAULT_PATH_BPS 1000000000ull  /* its access link: 1 Gbit/s */
#define ATTACKER_DEFAULT_PATH_DELAY_NS (5 * SIM_NS_PER_MS)
#define ATTACKER_DEFAULT_GARBAGE_MAX_BYTES 1200u
#define ATTACKER_TAMPER_SEQ_STEP (1u << 20)

struct attacker_cfg {
	const char *name;              /* node name, and the counters' prefix */
	uint32_t addr;                 /* its own public address (0: an infrastructure address) */
	struct sim_link_params path;   /* its access link (rate 0: 1 Gbit/s, 5 ms, no loss) */
	uint32_t target_ip;            /* the flood's and garbage's destination; replay/tamper
					* capture only packets to it (0: any, without flood/garbage) */
	sim_time start_ns, stop_ns;    /* active window (stop 0: until the run ends) */
	/* spoofed sources: random addresses of this prefix (plen 32: always that address; prefix
	 * 0 and plen 0: the attacker's own address) */
	uint32_t spoof_prefix;
	unsigned spoof_plen;
	/* IKE_SA_INIT flood */
	double flood_pps;              /* mean requests per second (0: off; at most 1e6) */
	/* n_proposals 0: Azure's four default S2S proposals (AES-CBC-256/128 with SHA1 or SHA2-256,
	 * MODP-1024), the second of which an Azure P2S peer accepts too */
	struct ike_ike_proposal proposals[ATTACKER_MAX_PROPOSALS];
	size_t n_proposals;            /* all must use the first proposal's DH group (its KE is sent) */
	/* ESP replay and tampering */
	double replay_prob;            /* share of distinct ESP packets seen that are replayed */
	sim_time replay_delay_ns;      /* 0: 1 s */
	double tamper_prob;            /* share of distinct ESP packets seen that get a tampered copy */
	sim_time tamper_delay_ns;      /* 0: at once */
	uint32_t max_captured;         /* at most this many captures in all (0: 100000) */
	/* garbage */
	double garbage_pps;            /* mean datagrams per second (0: off; at most 1e6) */
	uint32_t garbage_max_bytes;    /* longest random datagram (0: 1200) */
};

struct attacker_delayed; /* a copy waiting to be sent */

struct attacker {
	struct world *w;
	struct attacker_cfg cfg;
	char *name;
	struct sim_node *node;
	struct sim_iface *wan;
	struct sim_rng rng;
	GByteArray *ke[ATTACKER_KE_SET];   /* public values of the proposals' DH group */
	sim_event_id flood_ev, garbage_ev, replay_ev, tamper_ev, start_ev;
	GQueue replay_q, tamper_q;         /* struct attacker_delayed *, in send order */
	uint64_t last_hash;                /* of the last ESP packet the tap looked at */
	uint32_t captures;
	bool tapping;
	uint64_t *c_flood, *c_replay, *c_tamper, *c_garbage_ike, *c_garbage_truncated, *c_garbage_chain,
		*c_garbage_natt, *c_garbage_esp, *c_captured, *c_refused;
};

/* Places the attacker on w's internet (a node called cfg->name with its access link) and
 * schedules its behaviours from start_ns. NULL with err when the configuration is unusable: no
 * name or a taken one, no target for the flood or garbage, rates (0..1e6 per second) or
 * probabilities (0..1) out of range,
 * proposals with unknown algorithms or mixed DH groups, a spoofed prefix longer than /32. */
struct attacker *attacker_new(struct world *w, const struct attacker_cfg *cfg, GError **err);

/* Stops the attacker: its events are cancelled, its tap removed, its waiting copies dropped.
 * The node stays in the net (nodes belong to it). Call it before world_destroy. NULL is ignored. */
void attacker_free(struct attacker *a);

#endif
