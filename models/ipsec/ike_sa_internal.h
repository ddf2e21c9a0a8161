/* ike_sa_internal.h: the private state of the IKEv2 engine (ike.h), shared by its ike_*.c files:
 * the endpoint, IKE SAs, CHILD SAs, the outstanding request and the queue of work. Nothing
 * outside models/ipsec/ike_*.c includes this. */
#ifndef MODELS_IPSEC_IKE_SA_INTERNAL_H
#define MODELS_IPSEC_IKE_SA_INTERNAL_H

#include "models/ipsec/ike.h"
#include "models/ipsec/ike_codec.h"
#include "models/ipsec/ike_crypto.h"
#include "models/ipsec/ike_dh.h"

#include <openssl/types.h>

#define IKE_NONCE_LEN 32
#define IKE_MAX_INIT_RETRIES 3 /* INVALID_KE_PAYLOAD rounds per IKE_SA_INIT */
#define IKE_REKEYED_LINGER_NS (30 * G_GINT64_CONSTANT(1000000000))

struct ike_peer {
	struct ike_peer_cfg cfg;
	char *name;
	/* responder pool: addresses are handed out lowest free first; every index (address -
	 * pool_start) at or above pool_hwm is free, and pool_free holds the free ones below it */
	uint32_t pool_hwm;
	GTree *pool_free; /* GUINT_TO_POINTER(index) -> NULL */
	/* IKE_AUTH_MODE_CERT */
	EVP_PKEY *key;
	X509 *cert, *ca;
	GByteArray *cert_der;
	uint8_t ca_hash[20]; /* SHA-1 of the CA's SubjectPublicKeyInfo, for CERTREQ */
	/* IKE_AUTH_MODE_PSK: prf(PSK, "Key Pad for IKEv2") per PRF used so far (a secret, like the
	 * PSK; zeroed with the peer), so that AUTH costs one prf, not two */
	struct {
		uint16_t prf;
		uint8_t key[IKE_CRYPTO_MAX_PRF_LEN];
	} psk_auth_keys[3];
	size_t n_psk_auth_keys;
};

/* Responder pool (ike_sa.c): the lowest free address (marked used), or 0 when all are taken. */
uint32_t ike_pool_take(struct ike_peer *p);
/* Returns an address ike_pool_take gave out. */
void ike_pool_release(struct ike_peer *p, uint32_t vip);

/* ---- ike_cert.c ---- */
enum ike_cert_verdict {
	IKE_CERT_OK,
	IKE_CERT_UNTRUSTED,	/* unreadable, or no chain to our CA */
	IKE_CERT_ID_MISMATCH,	/* the ID payload is not the certificate's subject */
	IKE_CERT_BAD_SIGNATURE, /* AUTH does not verify, or an algorithm we do not take */
};
/* Parses the configured key, certificate and CA into p (cfg's pointers are not kept). */
bool ike_cert_load(struct ike_peer *p, const struct ike_peer_cfg *cfg, GError **err);
void ike_cert_free(struct ike_peer *p);
/* Our ID payload body: ID_DER_ASN1_DN, 3 reserved bytes, our certificate's subject. */
GByteArray *ike_cert_id_body(const struct ike_peer *p);
/* AUTH data for method 14 (RFC 7427): AlgorithmIdentifier length, sha256WithRSAEncryption, the
 * signature over octets. NULL if signing failed. */
GByteArray *ike_cert_sign(const struct ike_peer *p, const GByteArray *octets);
/* Checks the peer's certificate against our CA, its ID against the certificate's subject, and its
 * AUTH over octets with the certificate's key. */
enum ike_cert_verdict ike_cert_verify(const struct ike_peer *p, const struct ike_rbuf *cert_der, uint8_t id_type,
				      const struct ike_rbuf *id_data, uint8_t method, const struct ike_rbuf *auth,
				      const GByteArray *octets);

/* Work an established SA does as exchange initiator, one at a time (window size 1). */
enum ike_task {
	IKE_TASK_NONE,
	IKE_TASK_INIT,
	IKE_TASK_AUTH,
	IKE_TASK_IKE_DELETE,
	IKE_TASK_CHILD_DELETE,
	IKE_TASK_CHILD_REKEY,
	IKE_TASK_IKE_REKEY,
	IKE_TASK_DPD,
};

struct ike_task_item {
	enum ike_task task;
	uint32_t spi; /* CHILD tasks: our inbound SPI of the CHILD SA */
};

enum ike_child_state {
	IKE_CHILD_INSTALLED,
	IKE_CHILD_REKEYING, /* our CREATE_CHILD_SA rekey of it is outstanding */
	IKE_CHILD_REKEYED,  /* replaced: waiting for its DELETE (ours or the peer's) */
	IKE_CHILD_DELETING, /* our DELETE of it is outstanding */
};

struct ike_child {
	struct ike_child_info info;
	enum ike_child_state state;
	bool task_queued;
	bool replaced; /* a rekey replaced it: its removal is IKE_DOWN_REKEYED */
	struct ike_esp_proposal prop;
};

/* The nonces and SPIs of a CREATE_CHILD_SA exchange the peer initiated while ours was
 * outstanding, for the lowest-nonce rule (RFC 7296 §2.8.1). */
struct ike_collision {
	bool active;
	GByteArray *ni, *nr;
	uint32_t child_spi_in;	/* the CHILD SA the peer's exchange created */
	uint64_t new_sa_id;	/* IKE rekey: the IKE SA the peer's exchange created */
};

/* Our outstanding request. */
struct ike_request {
	bool active;
	enum ike_task task;
	uint8_t exchange;
	uint32_t msg_id;
	GByteArray *msg; /* the IKE message (no non-ESP marker) */
	GPtrArray *frags; /* its RFC 7383 fragments (sent instead of msg), or NULL */
	unsigned sent;	 /* transmissions so far */
	int64_t first_sent_ns, deadline_ns;
	/* CREATE_CHILD_SA */
	uint32_t old_spi_in, new_spi_in;
	uint64_t new_ike_spi;
	struct ike_dh_key *dh;
	GByteArray *nonce;
	struct ike_collision coll;
};

struct ike_sa {
	uint64_t id;
	struct ike_endpoint *ep;
	int peer;
	enum ike_sa_state state;
	bool initiator; /* original initiator (I flag) */
	uint64_t spi_i, spi_r, local_spi;
	struct ike_addr local, remote;
	bool nat_local, nat_remote, encap; /* encap: IKE runs on 4500 with the marker */
	struct ike_ike_proposal prop;	   /* selected */
	struct ike_transforms xf;
	/* IKE_SA_INIT */
	struct ike_dh_key *dh;
	uint16_t ke_group;
	GByteArray *ke_pub; /* our KE data (kept for COOKIE/INVALID_KE retries) */
	GByteArray *ni, *nr, *init_req, *init_resp;
	GByteArray *cookie;
	unsigned cookie_rounds, ke_rounds;
	struct ike_sa_keys keys;
	bool have_keys;
	/* message IDs */
	uint32_t next_req_id;	  /* our next request */
	uint32_t expect_req_id;	  /* the peer's next request */
	GByteArray *last_req;	  /* the peer's last request (to recognise retransmissions) */
	GByteArray *resp_cache;	  /* our response to it */
	GPtrArray *resp_frags;	  /* ... as fragments, or NULL */
	/* RFC 7383 */
	bool frag_ok;		  /* both sides announced IKEV2_FRAGMENTATION_SUPPORTED */
	GPtrArray *sealed_frags;  /* fragments of the message ike_msg_seal just built (hand-off to
				   * ike_request_send / ike_response_send) */
	struct {
		bool active, response;
		uint32_t msg_id;
		uint16_t total, have;
		uint8_t first_type;
		GPtrArray *chunks; /* decrypted inner bytes by fragment number - 1 (NULL: missing) */
	} rx;
	struct ike_request req;
	GArray *queue; /* struct ike_task_item */
	GPtrArray *children; /* struct ike_child* */
	uint32_t auth_child_spi; /* initiator: SPI proposed in IKE_AUTH */
	int64_t created_ns, last_rx_ns, rekey_at_ns, expire_at_ns, timer_at_ns;
	int64_t last_tx_ns; /* our last datagram (for NAT keepalives) */
	uint16_t error_notify;
	uint32_t vip;
	bool vip_from_pool;
	struct ike_id peer_id;
	bool replaced;		  /* an IKE rekey replaced it */
	bool spi_i_indexed;	  /* in ep->resp_by_spi_i (we are the original responder) */
	struct ike_sa *next_same_spi_i; /* older responder SA with the same SPIi (chain) */
	uint16_t child_ke_group;  /* PFS group after INVALID_KE_PAYLOAD (0: configured) */
	uint16_t rekey_ke_group;  /* IKE rekey group after INVALID_KE_PAYLOAD */
	unsigned child_ke_rounds, rekey_ke_rounds;
	struct ike1_sa *v1; /* IKEv1 state (ike1_*.c); NULL for an IKEv2 SA */
};

struct ike_endpoint {
	struct ike_endpoint_cfg cfg;
	char *name;
	struct ike_callbacks cb;
	void *user;
	GPtrArray *peers;	 /* struct ike_peer* */
	GHashTable *by_spi;	 /* &sa->local_spi -> sa */
	GHashTable *by_id;	 /* &sa->id -> sa */
	GHashTable *child_spis;	 /* GUINT_TO_POINTER(spi_in) -> child (all SAs) */
	GHashTable *resp_by_spi_i; /* &sa->spi_i -> the newest SA we answered as original responder
				    * with this SPIi; older ones chained by next_same_spi_i */
	unsigned half_open;	 /* SAs in IKE_SA_HALF_OPEN */
	GPtrArray *graveyard;	 /* destroyed SAs, freed when the entry point returns */
	uint64_t next_id;
	int64_t now_ns; /* the time the current entry point was called with */
	struct ike_counters ctr;
};

/* ---- ike_sa.c ---- */
void ike_log(struct ike_endpoint *ep, GLogLevelFlags level, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
struct ike_sa *ike_sa_new(struct ike_endpoint *ep, int peer, bool initiator, int64_t now);
struct ike_sa *ike_sa_by_id(const struct ike_endpoint *ep, uint64_t id);
struct ike_sa *ike_sa_by_spi(const struct ike_endpoint *ep, uint64_t local_spi);
void ike_sa_set_spi(struct ike_sa *sa, uint64_t local_spi);
/* Indexes an SA of which we are the original responder by its (already set) spi_i, so that a
 * retransmitted IKE_SA_INIT request finds it without a scan of every SA; ike_sa_destroy removes
 * it. */
void ike_sa_index_spi_i(struct ike_sa *sa);
/* The newest indexed responder SA with this SPIi (older ones follow next_same_spi_i), or NULL. */
struct ike_sa *ike_sa_by_spi_i(const struct ike_endpoint *ep, uint64_t spi_i);
void ike_sa_set_state(struct ike_sa *sa, enum ike_sa_state st);
/* Destroys the SA: CHILD SAs down with `why`, state DEAD, timer disarmed; freed later. */
void ike_sa_destroy(struct ike_sa *sa, enum ike_down_reason why);
void ike_sa_established(struct ike_sa *sa, int64_t now);
/* Recomputes the SA's next deadline and re-arms its timer if it changed. */
void ike_sa_update_timer(struct ike_sa *sa, int64_t now);
const struct ike_peer_cfg *ike_sa_cfg(const struct ike_sa *sa);
void ike_random(struct ike_endpoint *ep, void *buf, size_t len);
uint64_t ike_random_spi64(struct ike_endpoint *ep);
uint32_t ike_random_child_spi(struct ike_endpoint *ep);
int64_t ike_jittered(struct ike_endpoint *ep, int64_t base_ns, int64_t jitter_ns);
/* NAT keepalive interval of an SA behind a NAT (0: none; RFC 3948 §2.3), both IKE versions. */
int64_t ike_keepalive_interval(const struct ike_sa *sa);
/* When to retry an exchange the peer refused with TEMPORARY_FAILURE: 1 to 5 s from now, drawn
 * at random so that two peers whose rekeys keep colliding drift apart (RFC 7296 §2.25). */
int64_t ike_retry_at(struct ike_endpoint *ep, int64_t now);
unsigned ike_exch_index(uint8_t exchange);
void ike_count_notify(uint64_t *arr, uint16_t type);

/* ---- ike_message.c ---- */
/* Builds an encrypted message of the SA from an inner chain (consumed). NULL on failure. */
GByteArray *ike_msg_seal(struct ike_sa *sa, uint8_t exchange, bool response, uint32_t msg_id,
			 struct ike_builder *inner);
/* Checks and decrypts msg's SK payload (buf is a mutable copy of the message) and parses the
 * inner chain. Returns 0 on success, else counts the drop and returns -1; for an authentic
 * message whose inner chain is malformed returns 1 with *verdict set. */
int ike_msg_open(struct ike_sa *sa, uint8_t *buf, const struct ike_msg *msg, struct ike_payload_list *inner,
		 enum ike_parse_verdict *verdict);
void ike_send_raw(struct ike_endpoint *ep, struct ike_addr src, struct ike_addr dst, const GByteArray *msg);
/* Sends msg, or its fragments when frags is not NULL. */
void ike_send_msg(struct ike_sa *sa, const GByteArray *msg, const GPtrArray *frags);
/* Frees the fragment reassembly state. */
void ike_frag_rx_clear(struct ike_sa *sa);
/* A received SKF fragment (msg, buf a mutable copy): checks and decrypts it and, when it completes
 * the message, parses the reassembled inner chain into *inner (its bytes in *plain, which the
 * caller frees). Returns 0 complete, 1 complete but malformed (*verdict), 2 incomplete, -1
 * dropped (counted). */
int ike_frag_in(struct ike_sa *sa, uint8_t *buf, const struct ike_msg *msg, struct ike_payload_list *inner,
		enum ike_parse_verdict *verdict, GByteArray **plain);
/* Sends a request and makes it the outstanding one (takes msg). */
void ike_request_send(struct ike_sa *sa, enum ike_task task, uint8_t exchange, GByteArray *msg, int64_t now);
/* Sends a response to the peer's request with msg_id and caches it (takes msg). */
void ike_response_send(struct ike_sa *sa, uint8_t exchange, GByteArray *msg);
void ike_request_clear(struct ike_request *r);
/* Retransmits or declares the peer dead when the outstanding request's deadline passed. Returns
 * false when the SA was destroyed. */
bool ike_request_timeout(struct ike_sa *sa, int64_t now);
void ike_natd_hash(uint64_t spi_i, uint64_t spi_r, struct ike_addr a, uint8_t out[20]);
bool ike_needs_marker(uint16_t local_port, uint16_t remote_port);
/* Answers a request with one error notify (encrypted on an SA with keys). */
void ike_send_error_response(struct ike_sa *sa, uint8_t exchange, uint16_t notify, const uint8_t *data,
			     size_t len);
/* The error notify (< 16384) in a payload list, or 0. */
uint16_t ike_first_error(const struct ike_payload_list *l);
void ike_put64(uint8_t *p, uint64_t v);
uint64_t ike_get64(const uint8_t *p);

/* ---- ike_proposal.c ---- */
/* Builds IKE proposals (spi: 8 bytes or NULL) or ESP proposals (spi 4 bytes; with_dh adds the PFS
 * group) into an SA payload. */
bool ike_build_ike_sa(struct ike_builder *b, const struct ike_ike_proposal *props, size_t n, const uint8_t *spi,
		      uint8_t proposal_num);
bool ike_build_esp_sa(struct ike_builder *b, const struct ike_esp_proposal *props, size_t n, uint32_t spi,
		      bool with_dh, uint8_t proposal_num);
/* Responder: the first of the peer's IKE proposals our config supports. Returns true and fills
 * *out, the proposal number and its SPI (IKE rekey). */
bool ike_select_ike(const struct ike_pl_sa *sa, const struct ike_ike_proposal *ours, size_t n_ours,
		    struct ike_ike_proposal *out, uint8_t *num, struct ike_rbuf *spi);
/* The same for ESP; with_dh: the DH transform must match ours (CREATE_CHILD_SA) else it is
 * ignored (IKE_AUTH). *spi receives the peer's 4-byte SPI. */
bool ike_select_esp(const struct ike_pl_sa *sa, const struct ike_esp_proposal *ours, size_t n_ours, bool with_dh,
		    struct ike_esp_proposal *out, uint8_t *num, uint32_t *spi);
/* Narrows the peer's selectors (theirs) by ours: every non-empty intersection, at most
 * IKE_MAX_TS. Returns the count. */
size_t ike_ts_narrow(const struct ike_pl_ts *theirs, const struct ike_ts4 *ours, size_t n_ours,
		     struct ike_ts4 *out);
/* True when every one of ours lies inside one of theirs (ports and protocol included): the
 * peer proposed at least what we are configured for, so no narrowing is needed. */
bool ike_ts_covers(const struct ike_pl_ts *theirs, const struct ike_ts4 *ours, size_t n_ours);
/* The responder's selector choice for a CHILD SA: ike_ts_narrow of both lists, except that a
 * peer with ts_require_cover gets nothing (0 selectors: TS_UNACCEPTABLE) unless the proposal
 * covers its configured selectors whole. */
bool ike_ts_respond(const struct ike_peer_cfg *cfg, const struct ike_pl_ts *their_i, const struct ike_pl_ts *their_r,
		    const struct ike_ts4 *vip, struct ike_ts4 *tsi, size_t *ni, struct ike_ts4 *tsr, size_t *nr);
bool ike_build_ts4(struct ike_builder *b, uint8_t type, const struct ike_ts4 *ts, size_t n);
size_t ike_ts_read(const struct ike_pl_ts *pl, struct ike_ts4 *out);
void ike_esp_xf(const struct ike_esp_proposal *p, struct ike_transforms *xf);
void ike_ike_xf(const struct ike_ike_proposal *p, struct ike_transforms *xf);

/* ---- ike_exchange_init.c ---- */
/* Answers an IKE_SA_INIT request with an unencrypted notify, SPIr 0 (RFC 7296 §2.5, §2.6). */
void ike_init_error_reply(struct ike_endpoint *ep, const struct ike_dgram *d, const struct ike_hdr *req,
			  uint16_t notify, const uint8_t *data, size_t len);
void ike_init_start(struct ike_sa *sa, int64_t now);
void ike_init_request_in(struct ike_endpoint *ep, const struct ike_dgram *d, const struct ike_msg *msg,
			 int64_t now);
void ike_init_response_in(struct ike_sa *sa, const struct ike_dgram *d, const struct ike_msg *msg, int64_t now);

/* ---- ike_exchange_auth.c ---- */
void ike_auth_start(struct ike_sa *sa, int64_t now);
void ike_auth_request_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now);
void ike_auth_response_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now);

/* ---- ike_child.c ---- */
/* True when nonce a sorts before b (memcmp order, shorter first on a tie). */
bool ike_nonce_less(const GByteArray *a, const GByteArray *b);
/* The lowest of the four nonces is in exchange (ni_a, nr_a), not in (ni_b, nr_b). */
bool ike_lowest_nonce_in(const GByteArray *ni_a, const GByteArray *nr_a, const GByteArray *ni_b,
			 const GByteArray *nr_b);
void ike_child_move(struct ike_sa *from, struct ike_sa *to);
struct ike_child *ike_child_find(const struct ike_sa *sa, uint32_t spi_in);
struct ike_child *ike_child_find_out(const struct ike_sa *sa, uint32_t spi_out);
/* Derives keys (g_ir may be empty) and installs a CHILD SA; child_up fires. */
struct ike_child *ike_child_install(struct ike_sa *sa, const struct ike_esp_proposal *prop, bool exch_initiator,
				    uint32_t spi_in, uint32_t spi_out, struct ike_crypto_buf g_ir,
				    struct ike_crypto_buf ni, struct ike_crypto_buf nr, const struct ike_ts4 *ts_i,
				    size_t n_ts_i, const struct ike_ts4 *ts_r, size_t n_ts_r, int64_t now);
/* Removes a CHILD SA; child_down fires. */
void ike_child_remove(struct ike_sa *sa, struct ike_child *c, enum ike_down_reason why);
void ike_child_rekey_start(struct ike_sa *sa, uint32_t spi_in, int64_t now);
void ike_create_child_request_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now);
void ike_child_rekey_response_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now);
/* Queues a task unless an identical one is queued or active. */
void ike_task_queue(struct ike_sa *sa, enum ike_task task, uint32_t spi);
/* Starts the next queued task when no request is outstanding. */
void ike_task_next(struct ike_sa *sa, int64_t now);

/* ---- ike_rekey.c ---- */
void ike_rekey_start(struct ike_sa *sa, int64_t now);
void ike_rekey_request_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now);
void ike_rekey_response_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now);

/* ---- ike_info.c ---- */
void ike_info_start(struct ike_sa *sa, enum ike_task task, uint32_t spi, int64_t now);
void ike_info_request_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now);
void ike_info_response_in(struct ike_sa *sa, const struct ike_payload_list *in, int64_t now);

/* ---- ike1_*.c: IKEv1 (RFC 2409), for SAs whose v1 is set and peers with ike_version 1 ---- */
struct ike1_sa;
bool ike1_peer_check(const struct ike_peer_cfg *cfg, GError **err);
uint64_t ike1_initiate(struct ike_endpoint *ep, int peer, int64_t now);
/* A datagram whose ISAKMP version byte says 1.x (the non-ESP marker already stripped). */
void ike1_input(struct ike_endpoint *ep, const struct ike_dgram *d, const uint8_t *msg, size_t len, int64_t now);
void ike1_timer(struct ike_sa *sa, int64_t now);
/* The earliest retransmission or quick-mode responder deadline; *busy: a request is in flight. */
int64_t ike1_request_deadline(const struct ike_sa *sa, bool *busy);
/* The peer announced RFC 3706 DPD. */
bool ike1_dpd_allowed(const struct ike_sa *sa);
void ike1_task_next(struct ike_sa *sa, int64_t now);
void ike1_sa_free(struct ike1_sa *v);
char *ike1_sa_wireshark_row(const struct ike_sa *sa);

#endif
