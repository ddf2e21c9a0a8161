/* ike1_internal.h: IKEv1 (RFC 2409 Main Mode and Quick Mode with pre-shared keys, RFC 2408
 * ISAKMP) inside the sans-I/O IKE engine: wire constants, the parsed message, the codec
 * (ike1_codec.c), the key schedule and phase-1 encryption (ike1_crypto.c) and the per-SA state the
 * exchanges keep (ike1_sa.c). Only models/ipsec/ike1_*.c and the dispatch hooks include this. */
#ifndef MODELS_IPSEC_IKE1_INTERNAL_H
#define MODELS_IPSEC_IKE1_INTERNAL_H

#include "models/ipsec/ike_sa_internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE1_VERSION 0x10 /* major 1, minor 0 */
#define IKE1_HDR_LEN 28
#define IKE1_MAX_PAYLOADS 32
#define IKE1_MAX_PROPS 4
#define IKE1_MAX_XF 16
#define IKE1_MAX_ATTRS 16
#define IKE1_MAX_QM 4		/* quick modes the peer may run at once with us */
#define IKE1_NONCE_LEN 32
#define IKE1_MAX_HASH 48
/* make-before-break phase-1 rekey: how long the replaced ISAKMP SA lives on before its DELETE */
#define IKE1_OLD_SA_DELETE_DELAY_NS G_GINT64_CONSTANT(1000000000)
/* make-before-break phase-1 rekey: how often the old SA checks that its replacement still lives
 * (when it died, the old SA starts another one) */
#define IKE1_REKEY_CHECK_NS (30 * G_GINT64_CONSTANT(1000000000))

enum ike1_exchange {
	IKE1_EXCH_MAIN = 2, /* Identity Protection */
	IKE1_EXCH_AGGRESSIVE = 4,
	IKE1_EXCH_INFO = 5,
	IKE1_EXCH_QUICK = 32,
};

enum { IKE1_FLAG_ENC = 1, IKE1_FLAG_COMMIT = 2, IKE1_FLAG_AUTH_ONLY = 4 };

enum ike1_payload_type {
	IKE1_PL_NONE = 0,
	IKE1_PL_SA = 1,
	IKE1_PL_P = 2,
	IKE1_PL_T = 3,
	IKE1_PL_KE = 4,
	IKE1_PL_ID = 5,
	IKE1_PL_CERT = 6,
	IKE1_PL_CR = 7,
	IKE1_PL_HASH = 8,
	IKE1_PL_SIG = 9,
	IKE1_PL_NONCE = 10,
	IKE1_PL_N = 11,
	IKE1_PL_D = 12,
	IKE1_PL_VID = 13,
	IKE1_PL_NATD = 20,  /* RFC 3947 */
	IKE1_PL_NATOA = 21, /* RFC 3947 */
};

enum { IKE1_DOI_IPSEC = 1, IKE1_SIT_IDENTITY_ONLY = 1 };
enum { IKE1_PROTO_ISAKMP = 1, IKE1_PROTO_ESP = 3 };
enum { IKE1_XF_KEY_IKE = 1 };

/* Phase 1 attributes (RFC 2409 Appendix A) */
enum {
	IKE1_A_ENCR = 1,
	IKE1_A_HASH = 2,
	IKE1_A_AUTH = 3,
	IKE1_A_GROUP = 4,
	IKE1_A_LIFE_TYPE = 11,
	IKE1_A_LIFE_DURATION = 12,
	IKE1_A_KEY_LEN = 14,
};
enum { IKE1_ENCR_DES = 1, IKE1_ENCR_3DES = 5, IKE1_ENCR_AES = 7 };
enum { IKE1_HASH_MD5 = 1, IKE1_HASH_SHA = 2, IKE1_HASH_SHA2_256 = 4, IKE1_HASH_SHA2_384 = 5 };
enum { IKE1_AUTH_PSK = 1 };
enum { IKE1_LIFE_SECONDS = 1, IKE1_LIFE_KILOBYTES = 2 };

/* IPsec DOI attributes (RFC 2407 §4.5, RFC 3947 §5) */
enum {
	IKE1_QA_LIFE_TYPE = 1,
	IKE1_QA_LIFE_DURATION = 2,
	IKE1_QA_GROUP = 3,
	IKE1_QA_ENCAP = 4,
	IKE1_QA_AUTH = 5,
	IKE1_QA_KEY_LEN = 6,
};
enum { IKE1_ENCAP_TUNNEL = 1, IKE1_ENCAP_UDP_TUNNEL = 3, IKE1_ENCAP_UDP_TUNNEL_DRAFT = 61443 };
enum { IKE1_AUTH_HMAC_SHA = 2, IKE1_AUTH_HMAC_SHA2_256 = 5 };
/* ESP transform IDs (RFC 2407 §4.4.4): 3DES 3, NULL 11, AES-CBC 12, AES-GCM-16 20: the same
 * numbers as the IKEv2 ENCR IDs, which is what ike_child_info carries. */

/* ID types (RFC 2407 §4.6.2.1) */
enum { IKE1_ID_IPV4_ADDR = 1, IKE1_ID_FQDN = 2, IKE1_ID_USER_FQDN = 3, IKE1_ID_IPV4_ADDR_SUBNET = 4,
       IKE1_ID_IPV4_ADDR_RANGE = 7 };

/* Notify types (RFC 2408 §3.14.1, RFC 2407 §4.6.3, RFC 3706) */
enum {
	IKE1_N_INVALID_PAYLOAD_TYPE = 1,
	IKE1_N_NO_PROPOSAL_CHOSEN = 14,
	IKE1_N_PAYLOAD_MALFORMED = 16,
	IKE1_N_INVALID_ID_INFORMATION = 18,
	IKE1_N_INVALID_HASH_INFORMATION = 23,
	IKE1_N_AUTHENTICATION_FAILED = 24,
	IKE1_N_INITIAL_CONTACT = 24578,
	IKE1_N_R_U_THERE = 36136,
	IKE1_N_R_U_THERE_ACK = 36137,
};

/* ---- codec (ike1_codec.c) ---- */

struct ike1_hdr {
	uint64_t icookie, rcookie;
	uint8_t next, version, exchange, flags;
	uint32_t msg_id, length;
};

/* One payload: its type and where it lies in the buffer it was parsed from (off: the generic
 * header; len: the whole payload including it, so the body is [off + 4, off + len)). */
struct ike1_pl {
	uint8_t type;
	size_t off, len;
};

struct ike1_payloads {
	size_t n;
	struct ike1_pl pl[IKE1_MAX_PAYLOADS];
	size_t end; /* where the chain ended (padding may follow in an encrypted body) */
};

enum ike1_parse_verdict {
	IKE1_PARSE_OK = 0,
	IKE1_PARSE_TRUNCATED,	    /* shorter than the header or than the header's length */
	IKE1_PARSE_BAD_VERSION,	    /* not ISAKMP 1.0 */
	IKE1_PARSE_BAD_LENGTH,	    /* header length differs from the datagram */
	IKE1_PARSE_BAD_PAYLOAD_LEN, /* a payload shorter than 4 bytes or past the end */
	IKE1_PARSE_TOO_MANY,	    /* more than IKE1_MAX_PAYLOADS */
	IKE1_PARSE_UNKNOWN_PAYLOAD, /* a payload type we do not know */
	IKE1_PARSE_BAD_ALIGNMENT,   /* encrypted body not a whole number of cipher blocks */
	IKE1_PARSE_BAD_BODY,	    /* a payload's fixed fields do not fit its length */
	IKE1_PARSE_VERDICT_COUNT
};
const char *ike1_parse_verdict_name(enum ike1_parse_verdict v);

/* A parsed ISAKMP datagram without keys: the header, and for an unencrypted message its payload
 * chain (every payload's fixed fields validated, SA payloads down to their attributes). */
struct ike1_msg {
	struct ike1_hdr hdr;
	struct ike1_payloads pls;
};

enum ike1_parse_verdict ike1_hdr_parse(const uint8_t *buf, size_t len, struct ike1_hdr *h);
/* Walks a payload chain starting with type `first` in buf[0..len): lengths are checked against
 * what is left; after the last payload, trailing bytes are accepted only when allow_trailing
 * (the padding of a decrypted body). */
enum ike1_parse_verdict ike1_payloads_parse(uint8_t first, const uint8_t *buf, size_t len, bool allow_trailing,
					    struct ike1_payloads *out);
/* Checks the fixed fields of every payload in the list (SA down to attributes, ID, notify,
 * delete, KE, nonce, hash lengths). */
enum ike1_parse_verdict ike1_payloads_validate(const uint8_t *buf, const struct ike1_payloads *l);
/* The fuzz entry: parses one IKEv1 datagram (no non-ESP marker) as far as it can be without
 * keys: the header, and for an unencrypted message its whole payload chain, validated. */
enum ike1_parse_verdict ike1_parse_datagram(const uint8_t *data, size_t len, struct ike1_msg *out);

struct ike1_attr {
	uint16_t type;
	uint32_t value; /* TLV values longer than 4 bytes: UINT32_MAX */
};
struct ike1_xform {
	uint8_t num, id;
	uint8_t n_attrs;
	struct ike1_attr attrs[IKE1_MAX_ATTRS];
};
struct ike1_prop {
	uint8_t num, proto, spi_len, n_xf;
	uint8_t spi[16];
	struct ike1_xform xf[IKE1_MAX_XF];
};
struct ike1_sa_pl {
	uint32_t doi, situation;
	uint8_t n_props;
	struct ike1_prop props[IKE1_MAX_PROPS];
};
/* Parses an SA payload body (after the generic header). Transforms beyond IKE1_MAX_XF, proposals
 * beyond IKE1_MAX_PROPS and attributes beyond IKE1_MAX_ATTRS are validated and ignored. */
enum ike1_parse_verdict ike1_sa_parse(const uint8_t *body, size_t len, struct ike1_sa_pl *out);
/* The value of attribute type in a transform; false if absent. */
bool ike1_attr_get(const struct ike1_xform *x, uint16_t type, uint32_t *value);

/* First payload of a type in a list (NULL: none). */
const struct ike1_pl *ike1_find(const struct ike1_payloads *l, uint8_t type, size_t from);

/* A payload chain under construction (the message body after the ISAKMP header). */
struct ike1_builder {
	GByteArray *b;
	uint8_t first;
	size_t last; /* offset of the last payload's generic header */
	bool any;
};
void ike1_builder_init(struct ike1_builder *bld);
/* Starts a payload (its generic header) and returns its offset; end it with ike1_pl_end. */
size_t ike1_pl_begin(struct ike1_builder *bld, uint8_t type);
void ike1_pl_end(struct ike1_builder *bld, size_t start);
void ike1_put_bytes(GByteArray *b, const void *p, size_t len);
void ike1_put16(GByteArray *b, uint16_t v);
void ike1_put32(GByteArray *b, uint32_t v);
void ike1_put_attr(GByteArray *b, uint16_t type, uint32_t value); /* TV if it fits 16 bits */
void ike1_put_simple(struct ike1_builder *bld, uint8_t type, const void *data, size_t len);
void ike1_put_notify(struct ike1_builder *bld, uint8_t proto, const uint8_t *spi, size_t spi_len, uint16_t type,
		     const void *data, size_t len);
void ike1_put_delete(struct ike1_builder *bld, uint8_t proto, const uint8_t *spis, size_t spi_len, size_t n);
/* ISAKMP header followed by a body (no encryption). */
GByteArray *ike1_msg_plain(const struct ike1_hdr *h, const GByteArray *body);
void ike1_hdr_write(uint8_t *p, const struct ike1_hdr *h);
uint32_t ike1_get32(const uint8_t *p);
uint16_t ike1_get16(const uint8_t *p);

/* ---- key schedule and phase-1 encryption (ike1_crypto.c) ---- */

/* The IKEv2 PRF ID that is HMAC with this IKEv1 hash (SHA -> HMAC-SHA1, SHA2-256 ->
 * HMAC-SHA2-256), 0 if none. */
uint16_t ike1_hash_to_prf(uint16_t hash);
uint16_t ike1_prf_to_hash(uint16_t prf);
/* out = Hash(parts...) with the plain hash behind prf (the IV derivation, NAT-D). */
bool ike1_hash(uint16_t prf, const struct ike_crypto_buf *parts, size_t n, uint8_t *out);
/* SKEYID = prf(PSK, Ni_b | Nr_b) (RFC 2409 §5). */
bool ike1_skeyid_psk(uint16_t prf, struct ike_crypto_buf psk, struct ike_crypto_buf ni, struct ike_crypto_buf nr,
		     uint8_t *skeyid);
/* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0), SKEYID_a = prf(SKEYID, SKEYID_d | ... | 1),
 * SKEYID_e = prf(SKEYID, SKEYID_a | ... | 2). */
bool ike1_skeyid_dae(uint16_t prf, const uint8_t *skeyid, struct ike_crypto_buf gxy, const uint8_t cky_i[8],
		     const uint8_t cky_r[8], uint8_t *d, uint8_t *a, uint8_t *e);
/* The phase-1 encryption key from SKEYID_e (RFC 2409 Appendix B): its first key_len bytes, or,
 * when SKEYID_e is shorter, the first key_len bytes of K1 | K2 | ... with K1 = prf(SKEYID_e, 0)
 * and Kn = prf(SKEYID_e, Kn-1). */
bool ike1_enc_key(uint16_t prf, const uint8_t *skeyid_e, uint8_t *key, size_t key_len);
/* Quick mode KEYMAT for one SA (RFC 2409 §5.5): K1 = prf(SKEYID_d, [g^xy |] protocol | SPI | Ni_b
 * | Nr_b), Kn = prf(SKEYID_d, Kn-1 | [g^xy |] protocol | SPI | Ni_b | Nr_b), out_len bytes. */
bool ike1_qm_keymat(uint16_t prf, const uint8_t *skeyid_d, struct ike_crypto_buf gxy, uint8_t proto, uint32_t spi,
		    struct ike_crypto_buf ni, struct ike_crypto_buf nr, uint8_t *out, size_t out_len);
/* Phase-1 ciphers: IKEv1 encryption algorithm (IKE1_ENCR_*) and key bytes. */
size_t ike1_block_len(uint16_t encr);
size_t ike1_key_len(uint16_t encr, uint16_t key_bits);
/* CBC in place without padding (len a multiple of the block), iv block-length bytes. */
bool ike1_cbc(uint16_t encr, const uint8_t *key, size_t key_len, const uint8_t *iv, uint8_t *data, size_t len,
	      bool encrypt);
/* The ikev1_decryption_table row "<initiator cookie hex>,<encryption key hex>" (g_free). */
char *ike1_wireshark_row_of(const uint8_t cky_i[8], const uint8_t *key, size_t key_len);

/* ---- per-SA state (ike1_sa.c) ---- */

/* A quick mode exchange in progress (ours or the peer's). */
struct ike1_qm {
	bool active;
	bool initiator;	     /* we sent QM1 */
	bool done;	     /* initiator: QM3 sent (kept to answer a repeated QM2) */
	uint32_t msg_id;
	uint8_t iv[16];
	uint32_t spi_in, spi_out;
	uint32_t rekey_of;   /* our inbound SPI of the CHILD SA this replaces (0: a new one) */
	uint16_t group;	     /* PFS group (0: none) */
	struct ike_dh_key *dh;
	GByteArray *ni, *nr, *ke_pub, *gxy;
	struct ike_esp_proposal prop;
	struct ike_ts4 ts_i, ts_r; /* IDci, IDcr */
	GByteArray *last_rx, *last_tx; /* for retransmissions */
	unsigned sent;
	int64_t first_ns, deadline_ns; /* responder: QM2 retransmission; INT64_MAX: none */
};

/* Work queued as an outstanding (retransmitted) request. */
enum ike1_req_kind { IKE1_REQ_NONE, IKE1_REQ_MM, IKE1_REQ_QM, IKE1_REQ_DPD };

struct ike1_sa {
	/* negotiated phase 1 */
	uint16_t encr, key_bits, hash_prf, group; /* encr: IKE1_ENCR_*; hash_prf: the IKEv2 PRF ID */
	uint32_t life_s;
	size_t prf_len, block, ekey_len;
	GByteArray *sai_b;	/* the SA payload body of MM1 (HASH_I/HASH_R) */
	GByteArray *gxi, *gxr, *ni, *nr, *gxy;
	struct ike_dh_key *dh;
	uint8_t skeyid[IKE1_MAX_HASH], skeyid_d[IKE1_MAX_HASH], skeyid_a[IKE1_MAX_HASH], skeyid_e[IKE1_MAX_HASH];
	uint8_t ekey[32];
	uint8_t iv[16];	     /* phase-1 CBC chain */
	bool have_keys;
	int mm_expect;	     /* the main mode message we wait for (2..6; 0: none) */
	bool peer_natt, peer_dpd;
	GByteArray *last_rx, *last_resp; /* main mode: the peer's last message and our answer */
	uint8_t bad_mm5[32];		 /* SHA-256 of the first undecryptable MM5 (0: none yet) */
	bool have_bad_mm5;
	/* our outstanding request */
	struct {
		enum ike1_req_kind kind;
		GByteArray *msg;
		unsigned sent;
		int64_t first_ns, deadline_ns;
	} req;
	struct ike1_qm qm_out;		 /* our quick mode (window 1) */
	struct ike1_qm qm_in[IKE1_MAX_QM]; /* the peer's */
	uint32_t dpd_seq, dpd_acked;
	uint64_t replaces;	/* make-before-break phase-1 rekey: the SA this one replaces */
	bool rekey_started;	/* a replacement SA is being negotiated */
	uint64_t rekey_sa;	/* ... with this id (make before break) */
	bool children_adopted;
};

/* ike1_sa.c entry points the generic engine dispatches to */
void ike1_sa_free(struct ike1_sa *v);
char *ike1_sa_wireshark_row(const struct ike_sa *sa);

#endif
