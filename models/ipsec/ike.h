/* ike.h: the sans-I/O IKEv2 engine (RFC 7296): the public boundary the gateway, device and P2S
 * models (and a live UDP mode) drive.
 *
 * An endpoint (one per node) holds peer configurations and IKE SAs. It performs no I/O and reads
 * no clock: every entry point takes `now` (virtual nanoseconds); datagrams and expired timers go
 * in; datagrams, timer requests, random-byte requests, CHILD SA and IKE SA events and log lines
 * come out through struct ike_callbacks. All randomness (SPIs, nonces, DH private values, IVs)
 * is drawn through the callback, so a run is deterministic. No global mutable state.
 *
 * Driving it: create an endpoint, add peers, call ike_initiate() for the peers this node starts;
 * pass every UDP datagram for the IKE ports to ike_input(); when the timer armed for an SA
 * (set_timer(user, sa_id, at_ns)) expires, call ike_timer(sa_id, now). Install ESP SAs from the
 * child_up callback (ike_child_esp_config() fills esp.h's config) and remove them in child_down. */
#ifndef MODELS_IPSEC_IKE_H
#define MODELS_IPSEC_IKE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/ipsec/esp.h"

#define IKE_PORT 500
#define IKE_NATT_PORT 4500
#define IKE_MAX_PROPOSALS 8
#define IKE_MAX_TS 4
#define IKE_MAX_ID_LEN 64
#define IKE_MAX_PSK_LEN 128
#define IKE_KEY_MAX 48

/* An IPv4 address and UDP port, host byte order. */
struct ike_addr {
	uint32_t ip;
	uint16_t port;
};

/* A datagram in or out: the UDP payload (on a non-500 port pair, with the 4-byte non-ESP
 * marker, RFC 3948), and both endpoints. */
struct ike_dgram {
	struct ike_addr src, dst;
	const uint8_t *data;
	size_t len;
};

/* One IKE proposal: one transform per type. integ is 0 with AES-GCM. */
struct ike_ike_proposal {
	uint16_t encr, encr_key_bits, prf, integ, dh;
};

/* One ESP proposal. dh is the PFS group used in CREATE_CHILD_SA (0: no PFS); it is ignored for
 * the CHILD SA created with IKE_AUTH (RFC 7296 §1.2). */
struct ike_esp_proposal {
	uint16_t encr, encr_key_bits, integ, dh;
};

/* An IPv4 traffic selector (RFC 7296 §3.13.1): addresses and ports inclusive, proto 0 = any. */
struct ike_ts4 {
	uint32_t start, end;
	uint16_t start_port, end_port;
	uint8_t proto;
};

/* An identity (IDi/IDr): type is enum ike_id_type (IPV4_ADDR: 4 bytes; FQDN, RFC822: text). */
struct ike_id {
	uint8_t type;
	uint8_t len;
	uint8_t data[IKE_MAX_ID_LEN];
};

/* Request retransmission: the k-th transmission (k = 0 is the first) waits
 * timeout_ns * base^k for the response; after `tries` retransmissions, the last wait expiring
 * means the peer is dead. jitter_pct shortens each wait by up to that many percent (random). */
struct ike_retransmit_cfg {
	int64_t timeout_ns;
	double base;
	unsigned tries;
	unsigned jitter_pct;
};

/* strongSwan: 4 s * 1.8^k, 5 retransmissions, gives up 165.06 s after the first send. */
struct ike_retransmit_cfg ike_retransmit_strongswan(void);
/* OpenBSD iked: 2 s * (2 << k) = 4, 8, 16, 32, 64 s, 5 transmissions, gives up after 124 s. */
struct ike_retransmit_cfg ike_retransmit_iked(void);

/* How both sides authenticate in IKE_AUTH. */
enum ike_auth_mode {
	IKE_AUTH_MODE_PSK = 0, /* shared key MIC (RFC 7296 §2.15) */
	IKE_AUTH_MODE_CERT,    /* X.509 certificate, RFC 7427 digital signature (RSA PKCS#1 v1.5,
				* SHA-256); the peer's certificate must chain to ca_der */
};

/* IKEv1 has no in-place rekey of the ISAKMP SA (RFC 2409); how a phase-1 rekey is done. */
enum ike1_p1_rekey {
	/* strongSwan-like (default): a new Main Mode while the old ISAKMP SA lives; its quick-mode
	 * SAs move to the new one without child events, then the old one is deleted */
	IKE1_P1_REKEY_MAKE_BEFORE_BREAK = 0,
	/* Azure-like: DELETE for every quick-mode SA and the ISAKMP SA, then Main Mode and Quick
	 * Mode anew: traffic has a gap as long as those exchanges (RTTs, retransmissions) */
	IKE1_P1_REKEY_BREAK_BEFORE_MAKE = 1,
};

/* A peer: what this endpoint negotiates with one remote node. A responder picks the peer whose
 * local address matches the datagram's destination and whose remote address matches its source
 * (remote.ip 0 accepts any, as P2S gateways do); IDs are checked in IKE_AUTH. */
struct ike_peer_cfg {
	const char *name; /* copied; for logs */
	struct ike_addr local, remote; /* ports 0: 500 */
	struct ike_id local_id, remote_id; /* remote_id.len 0: accept any */
	uint8_t psk[IKE_MAX_PSK_LEN];
	size_t psk_len;
	enum ike_auth_mode auth;
	/* IKE_AUTH_MODE_CERT: DER bytes, copied by ike_peer_add (RSA private key; the peer's CA).
	 * The identity sent is our certificate's subject (ID_DER_ASN1_DN); remote_id, if set, must
	 * be the peer certificate's subject DN in DER. */
	const uint8_t *key_der, *cert_der, *ca_der;
	size_t key_der_len, cert_der_len, ca_der_len;
	struct ike_ike_proposal ike[IKE_MAX_PROPOSALS];
	size_t n_ike;
	struct ike_esp_proposal esp[IKE_MAX_PROPOSALS];
	size_t n_esp;
	struct ike_ts4 local_ts[IKE_MAX_TS], remote_ts[IKE_MAX_TS];
	size_t n_local_ts, n_remote_ts;
	int64_t dpd_interval_ns;      /* 0: no DPD */
	int64_t keepalive_ns;	      /* NAT keepalives (RFC 3948 §2.3) when we are behind a NAT
				       * and sent nothing for this long; 0: 20 s, < 0: never */
	int64_t ike_rekey_ns;	      /* IKE SA rekey after this (0: never) */
	int64_t ike_lifetime_ns;      /* IKE SA deleted after this (0: never) */
	int64_t child_rekey_ns;	      /* CHILD SA rekey (0: never) */
	int64_t child_lifetime_ns;    /* CHILD SA hard lifetime (0: none) */
	uint64_t child_rekey_bytes;   /* CHILD rekey after this many bytes (0: never) */
	uint64_t child_lifetime_bytes;
	int64_t rekey_jitter_ns;      /* rekey times are shortened by a random 0..jitter (0..time/10
				       * when the jitter is as long as the time itself) */
	struct ike_retransmit_cfg retransmit; /* timeout_ns 0: strongSwan preset */
	bool force_encap;	      /* fake the NAT_DETECTION_SOURCE_IP hash (strongSwan encap=yes) */
	bool ts_require_cover;	      /* responder: a CHILD SA's proposed selectors must contain
				       * local_ts/remote_ts whole, else TS_UNACCEPTABLE (a
				       * route-based VTI that only does any-to-any; no narrowing) */
	bool request_vip;	      /* initiator: ask for INTERNAL_IP4_ADDRESS */
	uint32_t pool_start;	      /* responder: assign virtual IPs from here (0: no pool) */
	uint32_t pool_size;
	bool childless;		      /* initiator: no ESP proposals in IKE_AUTH (tests) */
	size_t fragment_mtu;	      /* RFC 7383: offer fragmentation and split encrypted messages
				       * whose IPv4 datagram would exceed this (0: never; >= 256) */
	/* IKEv1 (RFC 2409 Main Mode + Quick Mode, PSK only): ike_version 1 instead of 2 (0 means
	 * 2). The same fields apply: ike[] are the phase-1 proposals (encr AES-CBC or 3DES, prf
	 * names the hash: HMAC-SHA1 -> SHA, HMAC-SHA2-256 -> SHA2-256; integ is ignored), esp[] the
	 * quick-mode ones (dh: PFS group, KE in quick mode), ike_lifetime_ns the proposed ISAKMP SA
	 * lifetime, local_ts[0]/remote_ts[0] the IDci/IDcr, dpd_interval_ns RFC 3706 DPD. */
	uint8_t ike_version;
	uint8_t ike1_p1_rekey;	      /* enum ike1_p1_rekey */
};

/* Azure's default IKEv1 proposals (azure-facts §4): phase 1 AES256/SHA1, AES256/SHA256,
 * AES128/SHA1, AES128/SHA256, 3DES/SHA1, 3DES/SHA256 with DH group 2; quick mode GCM-AES256,
 * AES256/SHA1, AES256/SHA256, AES128/SHA1 without PFS (the 3DES ESP offers are left out: esp.h has
 * no 3DES). Replaces cfg's ike[] and esp[]. */
void ike1_azure_proposals(struct ike_peer_cfg *cfg);

/* The endpoint's own settings. */
struct ike_endpoint_cfg {
	const char *name;
	unsigned cookie_threshold;   /* half-open SAs above which cookies are required; 0: never */
	unsigned max_cookie_rounds;  /* initiator: COOKIE answers accepted per IKE_SA_INIT (0: 2) */
	int64_t half_open_timeout_ns; /* responder gives up on a half-open SA (0: 30 s) */
	size_t max_msg_len;	     /* 0: 65535 */
	uint8_t cookie_secret[32];   /* for cookies; tests set it, a node draws it from its stream */
};

enum ike_sa_state {
	IKE_SA_INIT_SENT,     /* initiator: waiting for the IKE_SA_INIT response */
	IKE_SA_AUTH_SENT,     /* initiator: waiting for the IKE_AUTH response */
	IKE_SA_HALF_OPEN,     /* responder: IKE_SA_INIT answered, waiting for IKE_AUTH */
	IKE_SA_ESTABLISHED,
	IKE_SA_REKEYED,	      /* replaced by a rekeyed IKE SA, waiting for its DELETE */
	IKE_SA_DELETING,      /* DELETE sent, waiting for the answer */
	IKE_SA_DEAD,	      /* destroyed: the last state change any SA reports */
};
const char *ike_sa_state_name(enum ike_sa_state s);

/* Why an IKE SA or CHILD SA went down. */
enum ike_down_reason {
	IKE_DOWN_DELETED_LOCAL,	 /* we deleted it (ike_delete, lifetime, rekey done) */
	IKE_DOWN_DELETED_PEER,	 /* the peer sent DELETE */
	IKE_DOWN_REKEYED,	 /* replaced by a rekeyed SA */
	IKE_DOWN_PEER_DEAD,	 /* retransmissions exhausted (DPD or any request) */
	IKE_DOWN_FAILED,	 /* negotiation failed (notify in error_notify) */
	IKE_DOWN_EXPIRED,	 /* hard lifetime */
	IKE_DOWN_IKE_GONE,	 /* CHILD SA: its IKE SA went away */
};
const char *ike_down_reason_name(enum ike_down_reason r);

/* A CHILD SA as the ESP layer needs it, keys oriented: in = what we receive and decrypt (the
 * peer's out), out = what we send. Addresses are the outer (tunnel) addresses. */
struct ike_child_info {
	uint64_t sa_id;		/* the IKE SA it belongs to */
	uint32_t spi_in, spi_out;
	uint16_t encr, encr_key_bits, integ, pfs_dh; /* IKE transform IDs */
	uint8_t key_in_encr[36], key_out_encr[36]; /* AES-GCM: key | 4-byte salt */
	size_t encr_key_len;
	uint8_t key_in_integ[IKE_KEY_MAX], key_out_integ[IKE_KEY_MAX];
	size_t integ_key_len;
	struct ike_ts4 local_ts[IKE_MAX_TS], remote_ts[IKE_MAX_TS];
	size_t n_local_ts, n_remote_ts;
	struct ike_addr local, remote;
	bool udp_encap;		/* RFC 3948; ports in local/remote */
	bool initiator;		/* we initiated the exchange that created it */
	int64_t created_ns, rekey_at_ns, expire_at_ns; /* INT64_MAX: never */
	uint64_t rekey_bytes, lifetime_bytes;
	uint32_t vip;		/* virtual IP assigned to the initiator (0: none) */
};

/* Fills an esp.h SA configuration for one direction of a CHILD SA. false if the transforms have no
 * ESP equivalent. Lifetimes are left 0 (the IKE layer rekeys and deletes). */
bool ike_child_esp_config(const struct ike_child_info *c, enum esp_dir dir, struct esp_sa_config *out);

/* Why a received datagram was dropped (counted in struct ike_counters). */
enum ike_drop {
	IKE_DROP_PARSE,	       /* codec verdict (see parse_drops) */
	IKE_DROP_NO_SA,	       /* unknown SPI */
	IKE_DROP_BAD_MARKER,   /* non-500 ports without the non-ESP marker: ESP, not ours */
	IKE_DROP_SK,	       /* SK decryption/ICV failed */
	IKE_DROP_MSG_ID,       /* message ID outside the window */
	IKE_DROP_UNEXPECTED,   /* response without request, wrong state or exchange */
	IKE_DROP_INVALID,      /* missing or bad payloads (INVALID_SYNTAX where answerable) */
	IKE_DROP_DH,	       /* peer's KE invalid */
	IKE_DROP_COOKIE,       /* missing or wrong cookie */
	IKE_DROP_V1_PARSE,     /* IKEv1 (ISAKMP 1.x) header unusable (see v1_parse_drops) */
	IKE_DROP_COUNT
};
const char *ike_drop_name(enum ike_drop d);

/* Counters, per endpoint. Exchange arrays are indexed by exchange type - 34 (IKE_SA_INIT,
 * IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL). */
struct ike_counters {
	uint64_t rx_req[4], rx_resp[4], tx_req[4], tx_resp[4];
	uint64_t retransmits;	      /* requests sent again after a timeout */
	uint64_t resp_resent;	      /* cached responses sent for retransmitted requests */
	uint64_t drops[IKE_DROP_COUNT];
	uint64_t parse_drops[32];     /* by enum ike_parse_verdict */
	uint64_t dpd_sent;
	uint64_t keepalives_sent;
	uint64_t ike_rekeys, child_rekeys;
	uint64_t established, dead_peers, cookies_sent, invalid_ke_sent;
	uint64_t half_open_peak;      /* the most half-open responder SAs held at once (a
				       * watermark, not a sum) */
	uint64_t frags_tx, frags_rx, reassembled; /* RFC 7383 fragments sent and received, messages
						   * reassembled */
	uint64_t notify_tx[64], notify_rx[64]; /* error notifies by type (< 64) */
	/* IKEv1: messages by exchange (0 Main Mode, 1 Quick Mode, 2 Informational); drops */
	uint64_t v1_rx[3], v1_tx[3];
	uint64_t v1_parse_drops[16];   /* by ISAKMP parse verdict (ike1_internal.h) */
	uint64_t v1_decrypt_failed;    /* encrypted message that did not decrypt to a valid chain
					* (a wrong PSK shows up here) */
	uint64_t v1_bad_hash;	       /* HASH_I/HASH_R/HASH(1..3) mismatch */
	uint64_t v1_quick_modes;       /* quick modes completed */
	uint64_t v1_dpd_acks;	       /* R-U-THERE-ACKs received */
};

struct ike_endpoint;

/* Output. user is the pointer given to ike_endpoint_new. Callbacks may not call back into the
 * endpoint, except for reads (ike_sa_* getters; an SA reporting IKE_SA_DEAD can still be read
 * during that callback). An SA's first ike_state report leaves its initial state (INIT_SENT for
 * an initiator, HALF_OPEN for a responder, also for the new SA of an IKE rekey). An IKE rekey
 * shows as a new SA id reaching ESTABLISHED and the old one going REKEYED, then DEAD; its CHILD
 * SAs move to the new SA without child events (their sa_id changes). */
struct ike_callbacks {
	void (*send)(void *user, const struct ike_dgram *d);
	/* Arm the one timer of IKE SA sa_id at at_ns (replacing an earlier one); INT64_MAX disarms.
	 * When it fires, call ike_timer(ep, sa_id, now). */
	void (*set_timer)(void *user, uint64_t sa_id, int64_t at_ns);
	void (*random)(void *user, uint8_t *buf, size_t len);
	void (*child_up)(void *user, const struct ike_child_info *c);
	void (*child_down)(void *user, const struct ike_child_info *c, enum ike_down_reason why);
	void (*ike_state)(void *user, uint64_t sa_id, enum ike_sa_state old_state, enum ike_sa_state new_state);
	/* level: G_LOG_LEVEL_* */
	void (*log)(void *user, GLogLevelFlags level, const char *msg);
};

struct ike_endpoint *ike_endpoint_new(const struct ike_endpoint_cfg *cfg, const struct ike_callbacks *cb,
				      void *user);
/* Destroys every SA silently (no callbacks, no DELETE) and the endpoint. */
void ike_endpoint_free(struct ike_endpoint *ep);

/* Adds a peer; returns its index, or -1 with err set when the configuration is invalid. */
int ike_peer_add(struct ike_endpoint *ep, const struct ike_peer_cfg *cfg, GError **err);

/* Replaces peer `peer`'s pre-shared key (someone changed it on this side). SAs already
 * authenticated keep working; every later AUTH computation uses the new key. false: no such
 * peer or a key longer than IKE_MAX_PSK_LEN. */
bool ike_peer_set_psk(struct ike_endpoint *ep, int peer, const uint8_t *psk, size_t psk_len);

/* Replaces peer `peer`'s IKE and ESP proposals (a policy applied on this side). SAs in place keep
 * their transforms; later negotiations use the new lists. false: no such peer, or a count of 0
 * or above IKE_MAX_PROPOSALS. */
bool ike_peer_set_proposals(struct ike_endpoint *ep, int peer, const struct ike_ike_proposal *ike, size_t n_ike,
			    const struct ike_esp_proposal *esp, size_t n_esp);

/* Starts IKE_SA_INIT (IKEv1: Main Mode) with peer `peer`; returns the new SA's id, or 0 when the
 * peer has no remote address to initiate to (a responder-only configuration). */
uint64_t ike_initiate(struct ike_endpoint *ep, int peer, int64_t now);

/* Destroys an SA in any state at once, without telling the peer (a caller giving up on a
 * half-open or unresponsive SA): its CHILD SAs go down (IKE_DOWN_IKE_GONE), the state goes to
 * IKE_SA_DEAD, the timer is disarmed. false: no such SA. */
bool ike_abort(struct ike_endpoint *ep, uint64_t sa_id, int64_t now);

/* A datagram received for this endpoint. Anything unusable is dropped and counted. */
void ike_input(struct ike_endpoint *ep, const struct ike_dgram *d, int64_t now);

/* The timer of SA sa_id fired. Unknown ids (SA already gone) are ignored. */
void ike_timer(struct ike_endpoint *ep, uint64_t sa_id, int64_t now);

/* Requests, queued behind the SA's current exchange (window size 1). false: no such SA or not
 * established. */
bool ike_delete(struct ike_endpoint *ep, uint64_t sa_id, int64_t now);
bool ike_rekey(struct ike_endpoint *ep, uint64_t sa_id, int64_t now);
bool ike_child_rekey(struct ike_endpoint *ep, uint64_t sa_id, uint32_t spi_in, int64_t now);
bool ike_child_delete(struct ike_endpoint *ep, uint64_t sa_id, uint32_t spi_in, int64_t now);
/* Sends a liveness check now, whatever the DPD interval. */
bool ike_dpd_now(struct ike_endpoint *ep, uint64_t sa_id, int64_t now);
/* An ESP packet arrived and authenticated on the inbound CHILD SA spi_in: its IKE SA heard from
 * the peer, so no liveness check is due (RFC 7296 §2.4: DPD only when nothing protected came
 * in). Unknown SPIs are ignored. */
void ike_child_activity(struct ike_endpoint *ep, uint32_t spi_in, int64_t now);
/* Bytes the ESP layer counted on the inbound CHILD SA spi_in (total so far); rekeys when the
 * byte limit is reached. */
void ike_child_bytes(struct ike_endpoint *ep, uint32_t spi_in, uint64_t bytes, int64_t now);

/* ---- inspection ---- */
const struct ike_counters *ike_endpoint_counters(const struct ike_endpoint *ep);
/* Number of IKE SAs (all states) and of half-open responder SAs. */
unsigned ike_sa_count(const struct ike_endpoint *ep);
unsigned ike_half_open_count(const struct ike_endpoint *ep);
/* false when there is no SA with this id. */
bool ike_sa_exists(const struct ike_endpoint *ep, uint64_t sa_id);
enum ike_sa_state ike_sa_state(const struct ike_endpoint *ep, uint64_t sa_id);
/* The id of the first established SA with peer `peer` (0: none). */
uint64_t ike_sa_find_established(const struct ike_endpoint *ep, int peer);
/* The id of the first SA with peer `peer` still being set up (INIT_SENT, AUTH_SENT or HALF_OPEN;
 * 0: none). */
uint64_t ike_sa_find_connecting(const struct ike_endpoint *ep, int peer);
/* SPIs (host order of the 8 wire bytes), role, NAT-T state. */
bool ike_sa_spis(const struct ike_endpoint *ep, uint64_t sa_id, uint64_t *spi_i, uint64_t *spi_r);
bool ike_sa_is_initiator(const struct ike_endpoint *ep, uint64_t sa_id);
bool ike_sa_udp_encap(const struct ike_endpoint *ep, uint64_t sa_id);
/* The last error notify received or sent for this SA (0: none). */
uint16_t ike_sa_error_notify(const struct ike_endpoint *ep, uint64_t sa_id);
/* Installed CHILD SAs of the SA: fills up to max (out may be NULL when max is 0), returns the
 * count. */
size_t ike_sa_children(const struct ike_endpoint *ep, uint64_t sa_id, struct ike_child_info *out, size_t max);
/* The Wireshark ikev2_decryption_table row of the SA (g_free), or NULL before keys exist. */
char *ike_sa_wireshark_row(const struct ike_endpoint *ep, uint64_t sa_id);
/* IKEv1 SAs: the Wireshark ikev1_decryption_table row ("<initiator cookie>,<encryption key>",
 * hex; g_free), NULL for IKEv2 SAs (ike_sa_wireshark_row is NULL for IKEv1 SAs) or before keys. */
char *ike_sa_wireshark_ikev1_row(const struct ike_endpoint *ep, uint64_t sa_id);
/* 1 or 2; 0 when there is no such SA. */
uint8_t ike_sa_ike_version(const struct ike_endpoint *ep, uint64_t sa_id);
/* The virtual IP the SA obtained (initiator) or assigned (responder), 0 if none. */
uint32_t ike_sa_vip(const struct ike_endpoint *ep, uint64_t sa_id);

#define IKE_ERROR ike_error_quark()
GQuark ike_error_quark(void);

#endif
