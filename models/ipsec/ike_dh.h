/* ike_dh.h: the Diffie-Hellman groups IKE uses (MODP, ECP, Curve25519) behind one small table,
 * over OpenSSL 3 EVP. Private keys are built from bytes the caller supplies (its random stream),
 * never from OpenSSL's RNG, so a simulation is deterministic. KE payload encodings follow
 * RFC 7296 §3.4 (MODP: g^x mod p left-padded to the modulus length), RFC 5903 §7 (ECP: x || y,
 * no 0x04 prefix; shared secret: x only) and RFC 8031 (Curve25519: 32 raw bytes). IKEv1 uses
 * the same group numbers and encodings, so it can reuse this table. */
#ifndef MODELS_IPSEC_IKE_DH_H
#define MODELS_IPSEC_IKE_DH_H

#include <stddef.h>
#include <stdint.h>

/* IANA "Transform Type 4" numbers of the groups this table implements (same values as the
 * codec's enum ike_dh_id; plain numbers so that this file depends on nothing). */
enum {
	IKE_CRYPTO_DH_MODP_1024 = 2,	  /* RFC 2409 §6.2, Oakley group 2 */
	IKE_CRYPTO_DH_MODP_2048 = 14,	  /* RFC 3526 §3 */
	IKE_CRYPTO_DH_ECP_256 = 19,	  /* RFC 5903, NIST P-256 */
	IKE_CRYPTO_DH_ECP_384 = 20,	  /* RFC 5903, NIST P-384 */
	IKE_CRYPTO_DH_MODP_2048_256 = 24, /* RFC 5114 §2.3, 256-bit prime order subgroup */
	IKE_CRYPTO_DH_CURVE25519 = 31,	  /* RFC 8031 */
};

/* Why a key operation was refused. A peer's bad public value is INVALID_PUBLIC: the caller
 * drops the message (and counts it), as RFC 7296 §2.14 / RFC 6989 ask. */
enum ike_dh_verdict {
	IKE_DHV_OK = 0,
	IKE_DHV_UNSUPPORTED_GROUP, /* no such group in the table */
	IKE_DHV_BAD_LENGTH,	   /* private or public value of the wrong length */
	IKE_DHV_INVALID_PUBLIC,	   /* out of range, not in the subgroup, not on the curve, low order */
	IKE_DHV_CRYPTO_ERROR,	   /* OpenSSL failed: our bug or resource exhaustion */
};

struct ike_dh_group; /* one row of the table (static, never freed) */
struct ike_dh_key;   /* our private key, owned by the caller */

/* The table row for IANA group number group_id, or NULL if it is not implemented. */
const struct ike_dh_group *ike_dh_group_lookup(uint16_t group_id);
uint16_t ike_dh_group_id(const struct ike_dh_group *g);
/* Short name for logs ("MODP-2048", "ECP-256", "Curve25519", ...). */
const char *ike_dh_group_name(const struct ike_dh_group *g);
/* Length of the KE payload's key exchange data for this group. */
size_t ike_dh_public_len(const struct ike_dh_group *g);
/* Length of the shared secret g^ir that derive() writes. */
size_t ike_dh_secret_len(const struct ike_dh_group *g);
/* Number of random bytes generate() consumes: MODP 32 (a 256-bit exponent, at least twice the
 * group's security strength), ECP the order's length, Curve25519 32. */
size_t ike_dh_private_len(const struct ike_dh_group *g);

/* Builds our key pair from exactly ike_dh_private_len(g) caller-supplied random bytes and
 * writes our public value (ike_dh_public_len(g) bytes) to out_public. The bytes are the
 * private value itself when it is in range ([1, q-1] for MODP, [1, n-1] for ECP), and are
 * otherwise reduced into that range, so the same bytes always give the same key. On success
 * *out_key is set and the caller frees it with ike_dh_key_free(). */
enum ike_dh_verdict ike_dh_generate(const struct ike_dh_group *g, const uint8_t *private_bytes, size_t private_len,
				    struct ike_dh_key **out_key, uint8_t *out_public);

/* Checks the peer's public value (length; 1 < y < p-1 and, for group 24, y^q = 1 mod p; point
 * on the curve; Curve25519 low-order points) and writes the shared secret,
 * ike_dh_secret_len() bytes, to out_secret: MODP left-padded with zeros to the modulus length,
 * ECP the x coordinate only, Curve25519 the 32 raw bytes. */
enum ike_dh_verdict ike_dh_derive(const struct ike_dh_key *key, const uint8_t *peer_public, size_t peer_len,
				  uint8_t *out_secret);

const struct ike_dh_group *ike_dh_key_group(const struct ike_dh_key *key);
void ike_dh_key_free(struct ike_dh_key *key);

const char *ike_dh_verdict_name(enum ike_dh_verdict v);

#endif
