/* ike_codec.h: the IKEv2 message and payload codec (RFC 7296 §3, RFC 7383 SKF).
 *
 * Parsing validates before it reads, as OpenBSD iked does: every payload and substructure has its
 * lengths, counts and bounds checked against what is left of the buffer before any field is taken,
 * and anything malformed yields an enum verdict (the caller counts drops by verdict) instead of a
 * crash. Parsed payloads are plain structs whose byte views point into the caller's buffer, which
 * must outlive them. Variable-length lists (proposals, transforms, selectors, CP attributes) are
 * read with iterators over bytes that parsing has already validated.
 *
 * Building appends payloads to a message (or to an SK inner chain), chains the next-payload
 * fields and fills every length. No crypto here: the SK payload is an opaque body (IV, ciphertext,
 * ICV) whose layout this codec reports so the IKE crypto step can encrypt and authenticate it. */
#ifndef MODELS_IPSEC_IKE_CODEC_H
#define MODELS_IPSEC_IKE_CODEC_H

#include "models/ipsec/ike_consts.h"

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_HDR_LEN 28	      /* RFC 7296 §3.1 */
#define IKE_GENERIC_HDR_LEN 4 /* RFC 7296 §3.2 */
#define IKE_MAX_PAYLOADS 64   /* a message with more payloads than this is rejected */
#define IKE_NONCE_MIN_LEN 16  /* RFC 7296 §3.9 */
#define IKE_NONCE_MAX_LEN 256

/* A read-only view of bytes: p is NULL only when len is 0. */
struct ike_rbuf {
	const uint8_t *p;
	size_t len;
};

/* Why a message or payload chain was rejected. IKE_PARSE_OK is 0; every other value is a drop
 * reason the caller counts. Names via ike_parse_verdict_str(). */
enum ike_parse_verdict {
	IKE_PARSE_OK = 0,
	IKE_PARSE_TRUNCATED_HEADER,	/* fewer than 28 bytes */
	IKE_PARSE_TOO_LONG,		/* datagram longer than the caller's limit */
	IKE_PARSE_BAD_MAJOR_VERSION,	/* major version != 2: answer INVALID_MAJOR_VERSION (§2.5) */
	IKE_PARSE_BAD_LENGTH,		/* header length != datagram length */
	IKE_PARSE_PAYLOAD_TRUNCATED,	/* next payload announced but < 4 bytes left for its header */
	IKE_PARSE_PAYLOAD_TOO_SHORT,	/* payload length < 4 or below the payload's fixed part */
	IKE_PARSE_PAYLOAD_OVERRUN,	/* payload length beyond the end of the buffer */
	IKE_PARSE_TRAILING_DATA,	/* bytes after the last payload (next payload 0) */
	IKE_PARSE_TOO_MANY_PAYLOADS,	/* more than IKE_MAX_PAYLOADS */
	IKE_PARSE_UNSUPPORTED_CRITICAL, /* unknown payload with the critical bit: answer
					 * UNSUPPORTED_CRITICAL_PAYLOAD with err_type (§2.5) */
	IKE_PARSE_SK_MISPLACED,		/* SK/SKF not the last payload, or inside a decrypted chain */
	IKE_PARSE_SA_EMPTY,		/* SA payload without proposals */
	IKE_PARSE_SA_PROPOSAL_LENGTH,	/* proposal length too short or beyond the SA payload */
	IKE_PARSE_SA_PROPOSAL_LAST,	/* last/more marker wrong (not 0 on the last, 2 before it) */
	IKE_PARSE_SA_PROPOSAL_NUMBER,	/* proposal numbers not 1, 2, 3... (non-zero, consecutive) */
	IKE_PARSE_SA_TRANSFORM_COUNT,	/* transform count does not match the transforms present */
	IKE_PARSE_SA_TRANSFORM_LENGTH,	/* transform length < 8 or beyond its proposal */
	IKE_PARSE_SA_TRANSFORM_LAST,	/* last/more marker wrong (not 0 on the last, 3 before it) */
	IKE_PARSE_SA_ATTRIBUTE,		/* attribute overruns its transform, or key length not TV */
	IKE_PARSE_KE_BAD,		/* KE without key exchange data */
	IKE_PARSE_NONCE_LENGTH,		/* nonce outside 16..256 bytes */
	IKE_PARSE_AUTH_BAD,		/* AUTH without authentication data */
	IKE_PARSE_CERTREQ_BAD,		/* X.509 CERTREQ not a whole number of 20-byte CA hashes */
	IKE_PARSE_NOTIFY_BAD,		/* notify SPI size beyond the payload */
	IKE_PARSE_DELETE_BAD,		/* SPI count * SPI size != bytes present, or size wrong for
					 * the protocol (IKE 0, AH/ESP 4) */
	IKE_PARSE_TS_COUNT,		/* selector count 0 or not matching the selectors present */
	IKE_PARSE_TS_LENGTH,		/* selector length wrong for its type or beyond the payload */
	IKE_PARSE_SK_BAD,		/* SK/SKF without body, or SKF fragment number 0 or > total */
	IKE_PARSE_CP_BAD,		/* CP attribute overruns, or wrong length for its type */
	IKE_PARSE_VERDICT_COUNT
};

/* The fixed header (RFC 7296 §3.1). SPIs are the 8 octets read as a big-endian number. */
struct ike_hdr {
	uint64_t spi_i;
	uint64_t spi_r;
	uint8_t next_payload;
	uint8_t major, minor;
	uint8_t exchange; /* enum ike_exchange_type */
	uint8_t flags;	  /* IKE_FLAG_* */
	uint32_t msg_id;
	uint32_t length;
};

/* One transform of a proposal. key_len_bits is 0 when the Key Length attribute is absent;
 * unknown_attr is set when an attribute other than Key Length (or a second Key Length) was
 * present: RFC 7296 §3.3.6 says such a transform must not be selected. */
struct ike_transform {
	uint8_t type; /* enum ike_transform_type */
	uint16_t id;
	uint16_t key_len_bits;
	bool unknown_attr;
	struct ike_rbuf attrs;
};

/* One proposal of an SA payload; iterate its transforms with ike_proposal_next_transform(). */
struct ike_proposal {
	uint8_t num;
	uint8_t protocol; /* enum ike_protocol_id */
	uint8_t n_transforms;
	struct ike_rbuf spi; /* spi.len is the SPI size: 0, 4 (AH/ESP) or 8 (IKE rekey) */
	struct ike_rbuf transforms;
};

struct ike_pl_sa {
	unsigned n_proposals;
	struct ike_rbuf proposals; /* iterate with ike_sa_next_proposal() */
};

struct ike_pl_ke {
	uint16_t group; /* enum ike_dh_id */
	struct ike_rbuf data;
};

/* IDi, IDr (type + data), AUTH (method + data), CERT and CERTREQ (encoding + data), V (data),
 * Nonce (data), EAP (data): one shape. */
struct ike_pl_typed {
	uint8_t kind; /* ID type, auth method or cert encoding; 0 for nonce, vendor, EAP */
	struct ike_rbuf data;
};

struct ike_pl_notify {
	uint8_t protocol;
	uint16_t type; /* enum ike_notify_type */
	struct ike_rbuf spi;
	struct ike_rbuf data;
};

struct ike_pl_delete {
	uint8_t protocol;
	uint8_t spi_size;
	uint16_t n_spis;
	struct ike_rbuf spis; /* n_spis * spi_size bytes, SPI i at spis.p + i * spi_size */
};

/* One traffic selector. For IPv4 and IPv6 ranges the addresses are filled (addr_len 4 or 16,
 * network byte order); for other types only raw (the whole selector, header included). */
struct ike_ts {
	uint8_t type; /* enum ike_ts_type */
	uint8_t ip_proto;
	uint16_t start_port, end_port;
	uint8_t addr_len;
	uint8_t start_addr[16], end_addr[16];
	struct ike_rbuf raw;
};

struct ike_pl_ts {
	uint8_t n_ts;
	struct ike_rbuf selectors; /* iterate with ike_ts_next() */
};

/* SK (RFC 7296 §3.14) or SKF (RFC 7383 §2.5). The authenticated-but-not-encrypted part (AAD for
 * AEAD; for non-AEAD the integrity check covers it plus the body minus the ICV) is the buffer from
 * the IKE header up to the body: bytes [0, body_off). body is IV | ciphertext | ICV. */
struct ike_pl_sk {
	uint8_t inner_first;   /* next-payload field: type of the first inner payload (0 in non-first
				* fragments) */
	bool fragment;	       /* SKF */
	uint16_t frag_num;     /* SKF only: 1..frag_total */
	uint16_t frag_total;
	size_t body_off;       /* offset of body from the start of the parsed buffer */
	struct ike_rbuf body;
};

struct ike_cp_attr {
	uint16_t type; /* enum ike_cp_attr_type */
	struct ike_rbuf value; /* may be empty (requests) */
};

struct ike_pl_cp {
	uint8_t cfg_type; /* enum ike_cp_type */
	unsigned n_attrs;
	struct ike_rbuf attrs; /* iterate with ike_cp_next_attr() */
};

/* One parsed payload: type selects the union member (typed for ID/AUTH/CERT/CERTREQ/NONCE/
 * VENDOR/EAP, sk for SK and SKF, ts for TSi/TSr). raw is the whole payload incl. its header. */
struct ike_payload {
	uint8_t type;
	bool critical;
	struct ike_rbuf raw;
	union {
		struct ike_pl_sa sa;
		struct ike_pl_ke ke;
		struct ike_pl_typed typed;
		struct ike_pl_notify notify;
		struct ike_pl_delete del;
		struct ike_pl_ts ts;
		struct ike_pl_sk sk;
		struct ike_pl_cp cp;
	} u;
};

/* A parsed payload chain. On failure, err_offset is the offset (in the parsed buffer) of the
 * payload or substructure that failed and err_type the type of the payload being read (for
 * IKE_PARSE_UNSUPPORTED_CRITICAL the unknown type, to put in the notify). */
struct ike_payload_list {
	size_t n;
	struct ike_payload pl[IKE_MAX_PAYLOADS];
	unsigned n_skipped; /* unknown non-critical payloads skipped (RFC 7296 §2.5) */
	int sk_index;	    /* index of the SK/SKF payload in pl[], or -1 */
	size_t err_offset;
	uint8_t err_type;
};

struct ike_msg {
	struct ike_hdr hdr;
	struct ike_rbuf raw; /* the whole message */
	struct ike_payload_list pls;
};

/* Parses and validates one IKE message of len bytes (UDP payload, non-ESP marker already
 * stripped). max_len is the caller's limit on an acceptable message. Returns IKE_PARSE_OK and
 * fills out, or a verdict; out->hdr is valid for every verdict except TRUNCATED_HEADER (so the
 * caller can answer INVALID_MAJOR_VERSION or UNSUPPORTED_CRITICAL_PAYLOAD with the right SPIs). */
enum ike_parse_verdict ike_msg_parse(const uint8_t *buf, size_t len, size_t max_len, struct ike_msg *out);

/* Parses a decrypted SK inner chain: first_type is the SK payload's next-payload field, buf the
 * plaintext without padding. SK/SKF inside it is rejected (IKE_PARSE_SK_MISPLACED). Offsets in
 * out are relative to buf. */
enum ike_parse_verdict ike_payloads_parse(uint8_t first_type, const uint8_t *buf, size_t len,
					  struct ike_payload_list *out);

/* True when this codec parses payload type t (unknown types are skipped or rejected). */
bool ike_payload_type_known(uint8_t t);

/* The index of the first payload of type at or after index from, or -1. */
int ike_payload_find(const struct ike_payload_list *l, uint8_t type, size_t from);

/* The first notify of notify_type in l, or NULL. */
const struct ike_pl_notify *ike_notify_find(const struct ike_payload_list *l, uint16_t notify_type);

/* Iterators over validated substructures: *cursor starts as the payload's list view (e.g.
 * sa.proposals) and is advanced; each returns false at the end. Given bytes that did not come
 * from a successful parse they still never read out of bounds, and stop at the first defect. */
bool ike_sa_next_proposal(struct ike_rbuf *cursor, struct ike_proposal *out);
bool ike_proposal_next_transform(struct ike_rbuf *cursor, struct ike_transform *out);
bool ike_ts_next(struct ike_rbuf *cursor, struct ike_ts *out);
bool ike_cp_next_attr(struct ike_rbuf *cursor, struct ike_cp_attr *out);

/* Static name of a verdict ("ok", "truncated-header", ...), for logs and drop counters. */
const char *ike_parse_verdict_str(enum ike_parse_verdict v);

/* The notify RFC 7296 ties to a rejection: INVALID_MAJOR_VERSION (§2.5), UNSUPPORTED_CRITICAL_PAYLOAD
 * (§2.5; its data is the one-byte type in err_type), INVALID_SYNTAX for any other malformed
 * message, and 0 for framing failures (truncated header, too long, length mismatch) that are only
 * dropped. Whether to answer at all (§2.21: not to an unauthenticated message outside
 * IKE_SA_INIT) is the state machine's decision. */
uint16_t ike_parse_verdict_notify(enum ike_parse_verdict v);

/* ---- building ---- */

/* A transform to build: key_len_bits 0 omits the Key Length attribute. */
struct ike_transform_spec {
	uint8_t type;
	uint16_t id;
	uint16_t key_len_bits;
};

struct ike_proposal_spec {
	uint8_t num; /* 1, 2, ... in a request; the accepted number in a response */
	uint8_t protocol;
	uint8_t spi_size;
	const uint8_t *spi; /* spi_size bytes */
	size_t n_transforms;
	const struct ike_transform_spec *transforms;
};

struct ike_cp_attr_spec {
	uint16_t type;
	const uint8_t *value;
	size_t len; /* 0 in a request */
};

/* Builds one message or one SK inner chain in a growable buffer. Payload builders return false
 * (and make the builder fail, sticky) when a payload would exceed 65535 bytes or a count field;
 * ike_build_finish() then returns NULL. */
struct ike_builder {
	GByteArray *buf;
	size_t next_field; /* offset of the next-payload byte to patch, or SIZE_MAX: none yet */
	uint8_t first_type; /* the chain's first payload type (inner chains) */
	bool with_header;
	bool sealed; /* an SK/SKF payload was added: nothing may follow */
	bool failed;
};

/* Starts a message with hdr (next_payload and length are filled by the builder). */
void ike_builder_init(struct ike_builder *b, const struct ike_hdr *hdr);
/* Starts a header-less payload chain: the plaintext of an SK payload. */
void ike_builder_init_inner(struct ike_builder *b);
/* Frees the buffer of a builder that will not be finished (harmless after finish). */
void ike_builder_clear(struct ike_builder *b);

bool ike_build_sa(struct ike_builder *b, const struct ike_proposal_spec *props, size_t n_props);
bool ike_build_ke(struct ike_builder *b, uint16_t group, const uint8_t *data, size_t len);
bool ike_build_nonce(struct ike_builder *b, const uint8_t *nonce, size_t len);
/* payload_type IKE_PL_IDI or IKE_PL_IDR */
bool ike_build_id(struct ike_builder *b, uint8_t payload_type, uint8_t id_type, const uint8_t *data,
		  size_t len);
bool ike_build_auth(struct ike_builder *b, uint8_t method, const uint8_t *data, size_t len);
/* payload_type IKE_PL_CERT or IKE_PL_CERTREQ */
bool ike_build_cert(struct ike_builder *b, uint8_t payload_type, uint8_t encoding, const uint8_t *data,
		    size_t len);
bool ike_build_notify(struct ike_builder *b, uint8_t protocol, const uint8_t *spi, size_t spi_size,
		      uint16_t notify_type, const uint8_t *data, size_t len);
bool ike_build_delete(struct ike_builder *b, uint8_t protocol, uint8_t spi_size, const uint8_t *spis,
		      size_t n_spis);
/* payload_type IKE_PL_TSI or IKE_PL_TSR; IPv4/IPv6 selectors from their fields, others from raw */
bool ike_build_ts(struct ike_builder *b, uint8_t payload_type, const struct ike_ts *ts, size_t n_ts);
bool ike_build_cp(struct ike_builder *b, uint8_t cfg_type, const struct ike_cp_attr_spec *attrs,
		  size_t n_attrs);
bool ike_build_vendor(struct ike_builder *b, const uint8_t *data, size_t len);
bool ike_build_eap(struct ike_builder *b, const uint8_t *data, size_t len);
/* Any payload from its body bytes (tests, and payloads this codec does not model). */
bool ike_build_raw(struct ike_builder *b, uint8_t type, bool critical, const uint8_t *body, size_t len);

/* Appends the SK payload with body_len zero bytes for IV | ciphertext | ICV; it must be the last
 * payload. inner_first is the type of the first inner payload (from ike_build_finish_inner()).
 * *body_off receives the body's offset in the finished message; the AAD is bytes [0, body_off)
 * and is final once this returns. Encrypt into the message from ike_build_finish() in place. */
bool ike_build_sk(struct ike_builder *b, uint8_t inner_first, size_t body_len, size_t *body_off);
/* The same for an SKF fragment (RFC 7383): frag_num 1..frag_total; inner_first 0 unless 1. */
bool ike_build_skf(struct ike_builder *b, uint8_t inner_first, uint16_t frag_num, uint16_t frag_total,
		   size_t body_len, size_t *body_off);

/* Fills the header length and returns the message (caller owns; g_byte_array_unref), or NULL if
 * any builder call failed. The builder is empty afterwards. */
GByteArray *ike_build_finish(struct ike_builder *b);
/* For an inner chain: returns the chain and its first payload type (0 if empty) in *first_type. */
GByteArray *ike_build_finish_inner(struct ike_builder *b, uint8_t *first_type);

#endif
