/* ike_crypto.h: IKEv2 key material and message protection over OpenSSL 3 EVP: the PRF and
 * prf+ (RFC 7296 §2.13), SKEYSEED and the seven SK_* keys (§2.14), IKE SA rekey (§2.18),
 * CHILD SA KEYMAT (§2.17), the shared-key AUTH value (§2.15), Encrypted (SK) payload
 * protection with AES-CBC + HMAC (§3.14) and AES-GCM-16 (RFC 5282), and the Wireshark
 * ikev2_decryption_table row. Nothing here parses messages: the caller hands over byte spans. */
#ifndef MODELS_IPSEC_IKE_CRYPTO_H
#define MODELS_IPSEC_IKE_CRYPTO_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IANA transform IDs this file implements (RFC 7296 §3.3.2; same values as the codec's
 * enums, plain numbers so that this file depends on nothing). */
enum {
	IKE_CRYPTO_ENCR_NULL = 11,	/* ESP only */
	IKE_CRYPTO_ENCR_AES_CBC = 12,	/* RFC 3602 */
	IKE_CRYPTO_ENCR_AES_GCM_16 = 20, /* RFC 5282 (IKE), RFC 4106 (ESP) */

	IKE_CRYPTO_PRF_HMAC_SHA1 = 2,
	IKE_CRYPTO_PRF_HMAC_SHA2_256 = 5, /* RFC 4868 */
	IKE_CRYPTO_PRF_HMAC_SHA2_384 = 6,

	IKE_CRYPTO_INTEG_NONE = 0,
	IKE_CRYPTO_INTEG_HMAC_SHA1_96 = 2,
	IKE_CRYPTO_INTEG_HMAC_SHA2_256_128 = 12,
	IKE_CRYPTO_INTEG_HMAC_SHA2_384_192 = 13,
};

#define IKE_CRYPTO_MAX_PRF_LEN 48     /* SHA-384 */
#define IKE_CRYPTO_MAX_INTEG_KEY_LEN 48
#define IKE_CRYPTO_MAX_ENCR_KEY_LEN 36 /* AES-256 + 4-byte GCM salt */
#define IKE_CRYPTO_GCM_SALT_LEN 4
#define IKE_CRYPTO_GCM_IV_LEN 8
#define IKE_CRYPTO_GCM_ICV_LEN 16
#define IKE_CRYPTO_SPI_LEN 8 /* IKE SA SPIs */

/* A read-only byte span; several of them make a concatenation without copying. */
struct ike_crypto_buf {
	const uint8_t *ptr;
	size_t len;
};

/* The negotiated algorithms of an IKE SA or a CHILD SA. encr_key_bits is the Key Length
 * attribute (128, 192 or 256; 0 for ENCR_NULL); integ is IKE_CRYPTO_INTEG_NONE with AEAD. */
struct ike_transforms {
	uint16_t encr;
	uint16_t encr_key_bits;
	uint16_t prf;	/* IKE SA only; ignored for CHILD SA KEYMAT splitting */
	uint16_t integ;
};

/* ---- algorithm properties (0 / false when the ID is not implemented) ---------------------- */

size_t ike_prf_len(uint16_t prf);			     /* output = preferred key length */
size_t ike_integ_key_len(uint16_t integ);		     /* 20, 32, 48 */
size_t ike_integ_icv_len(uint16_t integ);		     /* 12, 16, 24 */
size_t ike_encr_key_len(uint16_t encr, uint16_t key_bits); /* key bytes, + 4 salt bytes for GCM */
bool ike_encr_is_aead(uint16_t encr);
/* True when the combination is one this file can run: AES-CBC with one of the integrity
 * algorithms, or AES-GCM-16 with none; key lengths 128/192/256; for an IKE SA (with_prf)
 * also a supported PRF. ENCR_NULL is accepted only when !with_prf (ESP). */
bool ike_transforms_supported(const struct ike_transforms *t, bool with_prf);

/* ---- PRF and prf+ (RFC 7296 §2.13) ------------------------------------------------------- */

/* out = prf(key, parts[0] | parts[1] | ...), ike_prf_len(prf) bytes. False only if the PRF is
 * not implemented or OpenSSL fails. */
bool ike_prf(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_crypto_buf *parts, size_t n_parts,
	     uint8_t *out);

/* out = the first out_len bytes of prf+(key, S) = T1 | T2 | ..., where S is the concatenation of
 * seed_parts and Tn = prf(key, Tn-1 | S | n). out_len must not exceed 255 * ike_prf_len(prf). */
bool ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_crypto_buf *seed_parts,
		  size_t n_parts, uint8_t *out, size_t out_len);

/* out = the integrity checksum of the concatenated parts: HMAC with the integrity key,
 * truncated to ike_integ_icv_len(integ) bytes (RFC 2404, RFC 4868). */
bool ike_integ_icv(uint16_t integ, const uint8_t *key, const struct ike_crypto_buf *parts, size_t n_parts,
		   uint8_t *out);

/* ---- IKE SA keys (RFC 7296 §2.14, §2.18) ------------------------------------------------- */

/* SKEYSEED = prf(Ni | Nr, g^ir); out gets ike_prf_len(prf) bytes. */
bool ike_skeyseed(uint16_t prf, struct ike_crypto_buf ni, struct ike_crypto_buf nr, struct ike_crypto_buf g_ir,
		  uint8_t *out);

/* IKE SA rekey: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr), with the old SA's PRF and the
 * nonces of the CREATE_CHILD_SA exchange. */
bool ike_skeyseed_rekey(uint16_t old_prf, struct ike_crypto_buf old_sk_d, struct ike_crypto_buf g_ir_new,
			struct ike_crypto_buf ni, struct ike_crypto_buf nr, uint8_t *out);

/* The seven keys of an IKE SA, in the order prf+ yields them. Lengths: SK_d/SK_pi/SK_pr
 * prf_len; SK_ai/SK_ar integ_key_len (0 with AEAD); SK_ei/SK_er encr_key_len (for AES-GCM the
 * key followed by the 4-byte salt). */
struct ike_sa_keys {
	struct ike_transforms xf;
	size_t prf_len, integ_key_len, encr_key_len;
	uint8_t sk_d[IKE_CRYPTO_MAX_PRF_LEN];
	uint8_t sk_ai[IKE_CRYPTO_MAX_INTEG_KEY_LEN];
	uint8_t sk_ar[IKE_CRYPTO_MAX_INTEG_KEY_LEN];
	uint8_t sk_ei[IKE_CRYPTO_MAX_ENCR_KEY_LEN];
	uint8_t sk_er[IKE_CRYPTO_MAX_ENCR_KEY_LEN];
	uint8_t sk_pi[IKE_CRYPTO_MAX_PRF_LEN];
	uint8_t sk_pr[IKE_CRYPTO_MAX_PRF_LEN];
};

/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
 * skeyseed is ike_prf_len(xf->prf) bytes; the SPIs are 8 bytes each (for a rekeyed IKE SA,
 * the new SPIs). False if the transforms are not supported. */
bool ike_sa_keys_derive(const struct ike_transforms *xf, const uint8_t *skeyseed, struct ike_crypto_buf ni,
			struct ike_crypto_buf nr, const uint8_t spi_i[IKE_CRYPTO_SPI_LEN],
			const uint8_t spi_r[IKE_CRYPTO_SPI_LEN], struct ike_sa_keys *out);

/* IKE SA rekey (RFC 7296 §2.18) in one step: SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr)
 * with the old SA's PRF, then the new SA's keys with its own (possibly different) PRF:
 * prf+(SKEYSEED, Ni | Nr | SPIi | SPIr). Ni, SPIi are the rekey initiator's (who becomes the
 * new SA's original initiator), Nr, SPIr the responder's; the SPIs are the new SA's. */
bool ike_sa_keys_rekey(const struct ike_sa_keys *old, const struct ike_transforms *new_xf,
		       struct ike_crypto_buf g_ir_new, struct ike_crypto_buf ni, struct ike_crypto_buf nr,
		       const uint8_t spi_i[IKE_CRYPTO_SPI_LEN], const uint8_t spi_r[IKE_CRYPTO_SPI_LEN],
		       struct ike_sa_keys *out);

/* Overwrites the keys with zeros (call before freeing the memory that holds them). */
void ike_sa_keys_clear(struct ike_sa_keys *k);

/* ---- CHILD SA keys (RFC 7296 §2.17) ------------------------------------------------------ */

/* KEYMAT = prf+(SK_d, Ni | Nr), or prf+(SK_d, g^ir (new) | Ni | Nr) when g_ir_new.len > 0
 * (CREATE_CHILD_SA with PFS). out gets out_len bytes. */
bool ike_child_keymat(uint16_t prf, struct ike_crypto_buf sk_d, struct ike_crypto_buf g_ir_new,
		      struct ike_crypto_buf ni, struct ike_crypto_buf nr, uint8_t *out, size_t out_len);

/* A CHILD SA's keys split from KEYMAT: encryption then integrity key for initiator-to-responder
 * traffic, then the same for responder-to-initiator. For AES-GCM the encryption key includes
 * its 4-byte salt (RFC 4106 §8.1) and there is no integrity key. */
struct ike_child_keys {
	struct ike_transforms xf;
	size_t encr_key_len, integ_key_len;
	uint8_t ei[IKE_CRYPTO_MAX_ENCR_KEY_LEN]; /* initiator -> responder */
	uint8_t ai[IKE_CRYPTO_MAX_INTEG_KEY_LEN];
	uint8_t er[IKE_CRYPTO_MAX_ENCR_KEY_LEN]; /* responder -> initiator */
	uint8_t ar[IKE_CRYPTO_MAX_INTEG_KEY_LEN];
};

/* Derives and splits the CHILD SA's KEYMAT (prf is the IKE SA's PRF; esp->prf is ignored). */
bool ike_child_keys_derive(uint16_t prf, struct ike_crypto_buf sk_d, struct ike_crypto_buf g_ir_new,
			   struct ike_crypto_buf ni, struct ike_crypto_buf nr, const struct ike_transforms *esp,
			   struct ike_child_keys *out);
void ike_child_keys_clear(struct ike_child_keys *k);

/* ---- AUTH with a shared key (RFC 7296 §2.15) --------------------------------------------- */

/* Appends the signed octets to out: the sender's whole first message (IKE_SA_INIT request for
 * the initiator, response for the responder) | the peer's nonce data | prf(SK_px, IDx'), where
 * id_body is the sender's ID payload without its 4-byte generic header (ID type, 3 reserved
 * bytes, identification data) and sk_p is the sender's SK_pi or SK_pr. */
bool ike_auth_signed_octets(uint16_t prf, struct ike_crypto_buf sk_p, struct ike_crypto_buf first_message,
			    struct ike_crypto_buf peer_nonce, struct ike_crypto_buf id_body, GByteArray *out);

/* AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), signed octets); out gets ike_prf_len(prf)
 * bytes (the AUTH payload's data with Auth Method 2, Shared Key MIC). */
bool ike_psk_auth(uint16_t prf, struct ike_crypto_buf psk, struct ike_crypto_buf signed_octets, uint8_t *out);

/* Recomputes the peer's AUTH and compares it in constant time; false on mismatch (the caller
 * answers AUTHENTICATION_FAILED). */
bool ike_psk_auth_verify(uint16_t prf, struct ike_crypto_buf psk, struct ike_crypto_buf signed_octets,
			 const uint8_t *auth, size_t auth_len);

/* The key of that outer prf: prf(Shared Secret, "Key Pad for IKEv2"), ike_prf_len(prf) bytes.
 * It depends only on the PSK and the PRF, so a caller may keep it (as a secret) per peer and
 * PRF and use the _keyed functions below instead of recomputing it for every AUTH. */
bool ike_psk_auth_key(uint16_t prf, struct ike_crypto_buf psk, uint8_t *out);
/* ike_psk_auth and ike_psk_auth_verify with that key (ike_prf_len(prf) bytes) given. */
bool ike_psk_auth_keyed(uint16_t prf, const uint8_t *auth_key, struct ike_crypto_buf signed_octets, uint8_t *out);
bool ike_psk_auth_verify_keyed(uint16_t prf, const uint8_t *auth_key, struct ike_crypto_buf signed_octets,
			       const uint8_t *auth, size_t auth_len);

/* ---- AES-GCM building block (RFC 5282 nonce = 4-byte salt | 8-byte IV, 16-byte ICV) -------- */

/* In-place AES-GCM with a 12-byte nonce (salt | iv). key_len 16, 24 or 32. seal encrypts
 * data[0..len) and writes the 16-byte tag; open checks the tag and decrypts, returning false on
 * mismatch (data is then unspecified). */
bool ike_crypto_gcm_seal(const uint8_t *key, size_t key_len, const uint8_t salt[4], const uint8_t iv[8],
			 struct ike_crypto_buf aad, uint8_t *data, size_t len, uint8_t tag[16]);
bool ike_crypto_gcm_open(const uint8_t *key, size_t key_len, const uint8_t salt[4], const uint8_t iv[8],
			 struct ike_crypto_buf aad, uint8_t *data, size_t len, const uint8_t tag[16]);

/* ---- Encrypted (SK) payload protection (RFC 7296 §3.14, RFC 5282, RFC 7383) -------------- */

/* One direction's protection: the encryption and integrity keys the sender uses (SK_ei/SK_ai
 * for messages the original initiator sends, SK_er/SK_ar for the responder's). Points into an
 * ike_sa_keys, which must outlive it. */
struct ike_sk_cipher {
	uint16_t encr, encr_key_bits, integ;
	const uint8_t *ek; /* encr key (GCM: key | salt) */
	const uint8_t *ak; /* integrity key, NULL with AEAD */
};

/* The keys for messages sent by the original initiator (from_initiator) or by the responder. */
struct ike_sk_cipher ike_sk_cipher_for(const struct ike_sa_keys *k, bool from_initiator);

size_t ike_sk_iv_len(const struct ike_sk_cipher *c);  /* 16 for CBC, 8 for GCM */
size_t ike_sk_icv_len(const struct ike_sk_cipher *c); /* ICV / tag length */
/* Length of the SK payload's body (IV | encrypted(plaintext | padding | pad length) | ICV) for
 * plaintext_len bytes of inner payloads: the codec sets the SK payload and IKE header lengths
 * from this before sealing, because they are authenticated. */
size_t ike_sk_body_len(const struct ike_sk_cipher *c, size_t plaintext_len);

/* Why a received SK payload was dropped (the caller counts it). */
enum ike_sk_verdict {
	IKE_SKV_OK = 0,
	IKE_SKV_TRUNCATED,	   /* body shorter than IV + one block + ICV */
	IKE_SKV_BAD_ALIGNMENT,	   /* CBC ciphertext not a multiple of the block size */
	IKE_SKV_ICV_MISMATCH,	   /* integrity check or GCM tag failed */
	IKE_SKV_BAD_PADDING,	   /* pad length exceeds the decrypted data */
	IKE_SKV_UNSUPPORTED,	   /* algorithm not implemented */
	IKE_SKV_CRYPTO_ERROR,	   /* OpenSSL failed */
};
const char *ike_sk_verdict_name(enum ike_sk_verdict v);

/* Seals an SK (or SKF) payload in place. msg starts at the IKE header; msg[0..aad_len) is the
 * IKE header and everything up to and including the SK payload's generic header (SKF: its
 * 8-byte header), final and with the lengths already set. The body follows it:
 * msg[aad_len..aad_len + ike_sk_body_len(c, plaintext_len)); its plaintext (the inner payloads)
 * must already be at msg + aad_len + ike_sk_iv_len(c). iv is ike_sk_iv_len(c) bytes from the
 * caller: random for CBC (RFC 7296 §3.14), unique per key for GCM (RFC 5282 §3.1; a counter
 * is fine). Writes the IV, padding, pad length, ciphertext and ICV. For CBC the ICV is the
 * truncated HMAC over msg[0..end of ciphertext); for GCM the AAD is msg[0..aad_len). */
enum ike_sk_verdict ike_sk_seal(const struct ike_sk_cipher *c, const uint8_t *iv, uint8_t *msg, size_t aad_len,
				size_t plaintext_len);

/* Checks and decrypts an SK (or SKF) payload in place; msg[0..aad_len) as for ike_sk_seal, the
 * body is msg[aad_len..aad_len + body_len). On IKE_SKV_OK the inner payloads are at
 * msg + *plaintext_off, *plaintext_len bytes (padding and pad length stripped). With CBC the ICV
 * is verified before anything is decrypted; with GCM the tag check ends the decryption, so after
 * a failure the body may hold garbage: a message that fails is to be dropped, not reused. */
enum ike_sk_verdict ike_sk_open(const struct ike_sk_cipher *c, uint8_t *msg, size_t aad_len, size_t body_len,
				size_t *plaintext_off, size_t *plaintext_len);

/* ---- Wireshark key export ---------------------------------------------------------------- */

/* One row of Wireshark's ikev2_decryption_table UAT (packet-isakmp.c), as strongSwan's save-keys
 * plugin writes it: SPIi,SPIr,SK_ei,SK_er,"<encryption>",SK_ai,SK_ar,"<integrity>" with the
 * byte fields as bare lower-case hex and the algorithm names quoted, e.g.
 * "AES-CBC-256 [RFC3602]" / "HMAC_SHA2_256_128 [RFC4868]"; with AES-GCM SK_e* include the salt,
 * SK_a* are empty and integrity is "NONE [RFC4306]". Append it as a line to the
 * ikev2_decryption_table file or pass it as -o 'uat:ikev2_decryption_table:<row>'. NULL if
 * Wireshark has no name for an algorithm. The caller g_free()s it. */
char *ike_wireshark_ikev2_row(const uint8_t spi_i[IKE_CRYPTO_SPI_LEN], const uint8_t spi_r[IKE_CRYPTO_SPI_LEN],
			      const struct ike_sa_keys *k);

#endif
