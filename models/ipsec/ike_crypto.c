/* ike_crypto.c: IKEv2 PRF, prf+, SKEYSEED and SK_* keys, CHILD SA KEYMAT, shared-key AUTH, SK
 * payload sealing and opening (AES-CBC + HMAC, AES-GCM-16) and the Wireshark key table row,
 * over OpenSSL 3 EVP_MAC / EVP_CIPHER (algorithms fetched once per process, see fetched()). */
#include "models/ipsec/ike_crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <limits.h>
#include <string.h>

#define CBC_BLOCK_LEN 16
#define MAX_MD_LEN 64

/* ---- algorithm properties ---------------------------------------------------------------- */

size_t ike_prf_len(uint16_t prf)
{
	switch (prf) {
	case IKE_CRYPTO_PRF_HMAC_SHA1:
		return 20;
	case IKE_CRYPTO_PRF_HMAC_SHA2_256:
		return 32;
	case IKE_CRYPTO_PRF_HMAC_SHA2_384:
		return 48;
	}
	return 0;
}

size_t ike_integ_key_len(uint16_t integ)
{
	switch (integ) {
	case IKE_CRYPTO_INTEG_HMAC_SHA1_96:
		return 20;
	case IKE_CRYPTO_INTEG_HMAC_SHA2_256_128:
		return 32;
	case IKE_CRYPTO_INTEG_HMAC_SHA2_384_192:
		return 48;
	}
	return 0;
}

size_t ike_integ_icv_len(uint16_t integ)
{
	switch (integ) {
	case IKE_CRYPTO_INTEG_HMAC_SHA1_96:
		return 12;
	case IKE_CRYPTO_INTEG_HMAC_SHA2_256_128:
		return 16;
	case IKE_CRYPTO_INTEG_HMAC_SHA2_384_192:
		return 24;
	}
	return 0;
}

static bool aes_bits_ok(uint16_t bits)
{
	return bits == 128 || bits == 192 || bits == 256;
}

size_t ike_encr_key_len(uint16_t encr, uint16_t key_bits)
{
	switch (encr) {
	case IKE_CRYPTO_ENCR_NULL:
		return 0;
	case IKE_CRYPTO_ENCR_AES_CBC:
		return aes_bits_ok(key_bits) ? key_bits / 8u : 0;
	case IKE_CRYPTO_ENCR_AES_GCM_16:
		return aes_bits_ok(key_bits) ? key_bits / 8u + IKE_CRYPTO_GCM_SALT_LEN : 0;
	}
	return 0;
}

bool ike_encr_is_aead(uint16_t encr)
{
	return encr == IKE_CRYPTO_ENCR_AES_GCM_16;
}

bool ike_transforms_supported(const struct ike_transforms *t, bool with_prf)
{
	if (with_prf && !ike_prf_len(t->prf))
		return false;
	switch (t->encr) {
	case IKE_CRYPTO_ENCR_AES_CBC:
		return aes_bits_ok(t->encr_key_bits) && ike_integ_key_len(t->integ) != 0;
	case IKE_CRYPTO_ENCR_AES_GCM_16:
		return aes_bits_ok(t->encr_key_bits) && t->integ == IKE_CRYPTO_INTEG_NONE;
	case IKE_CRYPTO_ENCR_NULL:
		return !with_prf && t->encr_key_bits == 0 && ike_integ_key_len(t->integ) != 0;
	}
	return false;
}

/* ---- algorithms fetched once ---------------------------------------------------------------- */

/* The digests behind the PRFs and integrity algorithms. */
enum md_index { MD_SHA1, MD_SHA256, MD_SHA384, N_MD };

/* OpenSSL algorithm objects fetched once per process on first use and only read afterwards
 * (constants in all but name; OpenSSL allows sharing them between threads). An implicit fetch
 * (EVP_MAC_fetch, a digest named in the HMAC parameters, EVP_aes_256_gcm() at cipher init) costs
 * a locked method-store lookup per call, about as much as the HMAC itself. For HMAC we keep one
 * context per digest with the digest set and a throw-away key: a call duplicates it and sets its
 * own key. */
struct fetched {
	EVP_MAC_CTX *hmac[N_MD];
	EVP_CIPHER *gcm[3], *cbc[3]; /* AES-128, -192, -256 */
};

static const struct fetched *fetched(void)
{
	static gsize done;
	static struct fetched f;
	if (g_once_init_enter(&done)) {
		static const char *const mds[N_MD] = { "SHA1", "SHA256", "SHA384" };
		static const char *const gcm[3] = { "AES-128-GCM", "AES-192-GCM", "AES-256-GCM" };
		static const char *const cbc[3] = { "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" };
		static const uint8_t dummy_key[1];
		EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
		if (!mac)
			g_error("ike_crypto: OpenSSL has no HMAC");
		for (int i = 0; i < N_MD; i++) {
			OSSL_PARAM params[] = {
				OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)mds[i], 0),
				OSSL_PARAM_construct_end(),
			};
			f.hmac[i] = EVP_MAC_CTX_new(mac);
			if (!f.hmac[i] || EVP_MAC_init(f.hmac[i], dummy_key, sizeof dummy_key, params) != 1)
				g_error("ike_crypto: OpenSSL has no HMAC-%s", mds[i]);
		}
		EVP_MAC_free(mac); /* the contexts hold their own references */
		for (int i = 0; i < 3; i++) {
			f.gcm[i] = EVP_CIPHER_fetch(NULL, gcm[i], NULL);
			f.cbc[i] = EVP_CIPHER_fetch(NULL, cbc[i], NULL);
			if (!f.gcm[i] || !f.cbc[i])
				g_error("ike_crypto: OpenSSL has no %s or %s", gcm[i], cbc[i]);
		}
		g_once_init_leave(&done, 1);
	}
	return &f;
}

static int prf_md(uint16_t prf)
{
	switch (prf) {
	case IKE_CRYPTO_PRF_HMAC_SHA1:
		return MD_SHA1;
	case IKE_CRYPTO_PRF_HMAC_SHA2_256:
		return MD_SHA256;
	case IKE_CRYPTO_PRF_HMAC_SHA2_384:
		return MD_SHA384;
	}
	return -1;
}

static int integ_md(uint16_t integ)
{
	switch (integ) {
	case IKE_CRYPTO_INTEG_HMAC_SHA1_96:
		return MD_SHA1;
	case IKE_CRYPTO_INTEG_HMAC_SHA2_256_128:
		return MD_SHA256;
	case IKE_CRYPTO_INTEG_HMAC_SHA2_384_192:
		return MD_SHA384;
	}
	return -1;
}

/* ---- HMAC -------------------------------------------------------------------------------- */

/* A new HMAC context for digest md keyed with key (any length, 0 included); NULL if OpenSSL
 * fails. */
static EVP_MAC_CTX *hmac_new(int md, const uint8_t *key, size_t key_len)
{
	static const uint8_t empty_key[1];
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_dup(fetched()->hmac[md]);
	/* a NULL key would mean "keep the previous key" to EVP_MAC_init */
	if (ctx && EVP_MAC_init(ctx, key_len ? key : empty_key, key_len, NULL) != 1) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* out (out_cap >= the digest length) = HMAC over parts... with the key ctx holds (freshly
 * keyed or restarted); *out_len = digest length. */
static bool hmac_run(EVP_MAC_CTX *ctx, const struct ike_crypto_buf *parts, size_t n_parts, uint8_t *out,
		     size_t out_cap, size_t *out_len)
{
	bool ok = true;
	for (size_t i = 0; ok && i < n_parts; i++)
		if (parts[i].len)
			ok = EVP_MAC_update(ctx, parts[i].ptr, parts[i].len) == 1;
	return ok && EVP_MAC_final(ctx, out, out_len, out_cap) == 1;
}

/* out (out_cap >= the digest length) = HMAC-<md>(key, parts...); *out_len = digest length. */
static bool hmac_parts(int md, const uint8_t *key, size_t key_len, const struct ike_crypto_buf *parts,
		       size_t n_parts, uint8_t *out, size_t out_cap, size_t *out_len)
{
	if (md < 0)
		return false;
	EVP_MAC_CTX *ctx = hmac_new(md, key, key_len);
	bool ok = ctx && hmac_run(ctx, parts, n_parts, out, out_cap, out_len);
	EVP_MAC_CTX_free(ctx);
	return ok;
}

/* ---- PRF and prf+ ------------------------------------------------------------------------ */

bool ike_prf(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_crypto_buf *parts, size_t n_parts,
	     uint8_t *out)
{
	uint8_t buf[MAX_MD_LEN];
	size_t len = 0;
	if (!hmac_parts(prf_md(prf), key, key_len, parts, n_parts, buf, sizeof buf, &len) || len != ike_prf_len(prf))
		return false;
	memcpy(out, buf, len);
	OPENSSL_cleanse(buf, sizeof buf);
	return true;
}

#define MAX_SEED_PARTS 8

bool ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_crypto_buf *seed_parts,
		  size_t n_parts, uint8_t *out, size_t out_len)
{
	size_t blk = ike_prf_len(prf);
	if (!blk || out_len > 255 * blk || n_parts > MAX_SEED_PARTS)
		return false;
	/* keyed once; each block restarts it (EVP_MAC_init with a NULL key keeps the key) */
	EVP_MAC_CTX *ctx = hmac_new(prf_md(prf), key, key_len);
	if (!ctx)
		return false;
	uint8_t t[MAX_MD_LEN];
	uint8_t counter = 0;
	struct ike_crypto_buf parts[MAX_SEED_PARTS + 2];
	size_t done = 0;
	bool ok = true;
	while (ok && done < out_len) {
		size_t np = 0, len = 0;
		/* Tn = prf(K, Tn-1 | S | n), T0 empty */
		if (counter > 0) {
			parts[np++] = (struct ike_crypto_buf){ t, blk };
			ok = EVP_MAC_init(ctx, NULL, 0, NULL) == 1;
		}
		for (size_t i = 0; i < n_parts; i++)
			parts[np++] = seed_parts[i];
		counter++;
		parts[np++] = (struct ike_crypto_buf){ &counter, 1 };
		ok = ok && hmac_run(ctx, parts, np, t, sizeof t, &len) && len == blk;
		size_t take = MIN(blk, out_len - done);
		if (ok)
			memcpy(out + done, t, take);
		done += take;
	}
	EVP_MAC_CTX_free(ctx);
	OPENSSL_cleanse(t, sizeof t);
	return ok;
}

bool ike_integ_icv(uint16_t integ, const uint8_t *key, const struct ike_crypto_buf *parts, size_t n_parts,
		   uint8_t *out)
{
	uint8_t mac[MAX_MD_LEN];
	size_t len = 0;
	if (!hmac_parts(integ_md(integ), key, ike_integ_key_len(integ), parts, n_parts, mac, sizeof mac, &len))
		return false;
	memcpy(out, mac, ike_integ_icv_len(integ));
	OPENSSL_cleanse(mac, sizeof mac);
	return true;
}

/* ---- IKE SA keys ------------------------------------------------------------------------- */

bool ike_skeyseed(uint16_t prf, struct ike_crypto_buf ni, struct ike_crypto_buf nr, struct ike_crypto_buf g_ir,
		  uint8_t *out)
{
	/* The key is Ni | Nr; HMAC takes any key length, so concatenate into one buffer (nonces
	 * are 16 to 256 bytes, RFC 7296 §3.9). */
	uint8_t stack_key[2 * 256] = { 0 }; /* (zeroed: keeps -Wmaybe-uninitialized quiet when len is 0) */
	size_t len = ni.len + nr.len;
	uint8_t *key = len <= sizeof stack_key ? stack_key : g_malloc(len);
	if (ni.len)
		memcpy(key, ni.ptr, ni.len);
	if (nr.len)
		memcpy(key + ni.len, nr.ptr, nr.len);
	bool ok = ike_prf(prf, key, len, &g_ir, 1, out);
	OPENSSL_cleanse(key, len);
	if (key != stack_key)
		g_free(key);
	return ok;
}

bool ike_skeyseed_rekey(uint16_t old_prf, struct ike_crypto_buf old_sk_d, struct ike_crypto_buf g_ir_new,
			struct ike_crypto_buf ni, struct ike_crypto_buf nr, uint8_t *out)
{
	struct ike_crypto_buf parts[] = { g_ir_new, ni, nr };
	return ike_prf(old_prf, old_sk_d.ptr, old_sk_d.len, parts, G_N_ELEMENTS(parts), out);
}

/* Splits prf+(skeyseed, Ni | Nr | SPIi | SPIr) into the seven keys; skeyseed_len may differ
 * from the new PRF's length after a rekey that changed the PRF. */
static bool sa_keys_split(const struct ike_transforms *xf, const uint8_t *skeyseed, size_t skeyseed_len,
			  struct ike_crypto_buf ni, struct ike_crypto_buf nr, const uint8_t *spi_i, const uint8_t *spi_r,
			  struct ike_sa_keys *out)
{
	memset(out, 0, sizeof *out);
	if (!ike_transforms_supported(xf, true))
		return false;
	out->xf = *xf;
	out->prf_len = ike_prf_len(xf->prf);
	out->integ_key_len = ike_integ_key_len(xf->integ);
	out->encr_key_len = ike_encr_key_len(xf->encr, xf->encr_key_bits);
	uint8_t km[3 * IKE_CRYPTO_MAX_PRF_LEN + 2 * IKE_CRYPTO_MAX_INTEG_KEY_LEN + 2 * IKE_CRYPTO_MAX_ENCR_KEY_LEN];
	size_t total = 3 * out->prf_len + 2 * out->integ_key_len + 2 * out->encr_key_len;
	struct ike_crypto_buf seed[] = { ni, nr, { spi_i, IKE_CRYPTO_SPI_LEN }, { spi_r, IKE_CRYPTO_SPI_LEN } };
	if (!ike_prf_plus(xf->prf, skeyseed, skeyseed_len, seed, G_N_ELEMENTS(seed), km, total)) {
		memset(out, 0, sizeof *out);
		return false;
	}
	const uint8_t *p = km;
	memcpy(out->sk_d, p, out->prf_len);
	p += out->prf_len;
	memcpy(out->sk_ai, p, out->integ_key_len);
	p += out->integ_key_len;
	memcpy(out->sk_ar, p, out->integ_key_len);
	p += out->integ_key_len;
	memcpy(out->sk_ei, p, out->encr_key_len);
	p += out->encr_key_len;
	memcpy(out->sk_er, p, out->encr_key_len);
	p += out->encr_key_len;
	memcpy(out->sk_pi, p, out->prf_len);
	p += out->prf_len;
	memcpy(out->sk_pr, p, out->prf_len);
	p += out->prf_len;
	g_assert((size_t)(p - km) == total);
	OPENSSL_cleanse(km, sizeof km);
	return true;
}

bool ike_sa_keys_derive(const struct ike_transforms *xf, const uint8_t *skeyseed, struct ike_crypto_buf ni,
			struct ike_crypto_buf nr, const uint8_t spi_i[IKE_CRYPTO_SPI_LEN],
			const uint8_t spi_r[IKE_CRYPTO_SPI_LEN], struct ike_sa_keys *out)
{
	return sa_keys_split(xf, skeyseed, ike_prf_len(xf->prf), ni, nr, spi_i, spi_r, out);
}

bool ike_sa_keys_rekey(const struct ike_sa_keys *old, const struct ike_transforms *new_xf,
		       struct ike_crypto_buf g_ir_new, struct ike_crypto_buf ni, struct ike_crypto_buf nr,
		       const uint8_t spi_i[IKE_CRYPTO_SPI_LEN], const uint8_t spi_r[IKE_CRYPTO_SPI_LEN],
		       struct ike_sa_keys *out)
{
	uint8_t skeyseed[IKE_CRYPTO_MAX_PRF_LEN];
	struct ike_crypto_buf sk_d = { old->sk_d, old->prf_len };
	bool ok = ike_skeyseed_rekey(old->xf.prf, sk_d, g_ir_new, ni, nr, skeyseed) &&
		  sa_keys_split(new_xf, skeyseed, old->prf_len, ni, nr, spi_i, spi_r, out);
	OPENSSL_cleanse(skeyseed, sizeof skeyseed);
	return ok;
}

void ike_sa_keys_clear(struct ike_sa_keys *k)
{
	OPENSSL_cleanse(k, sizeof *k);
}

/* ---- CHILD SA keys ----------------------------------------------------------------------- */

bool ike_child_keymat(uint16_t prf, struct ike_crypto_buf sk_d, struct ike_crypto_buf g_ir_new,
		      struct ike_crypto_buf ni, struct ike_crypto_buf nr, uint8_t *out, size_t out_len)
{
	struct ike_crypto_buf seed[] = { g_ir_new, ni, nr };
	/* an empty g^ir part contributes nothing, which is the no-PFS KEYMAT */
	return ike_prf_plus(prf, sk_d.ptr, sk_d.len, seed, G_N_ELEMENTS(seed), out, out_len);
}

bool ike_child_keys_derive(uint16_t prf, struct ike_crypto_buf sk_d, struct ike_crypto_buf g_ir_new,
			   struct ike_crypto_buf ni, struct ike_crypto_buf nr, const struct ike_transforms *esp,
			   struct ike_child_keys *out)
{
	memset(out, 0, sizeof *out);
	if (!ike_transforms_supported(esp, false))
		return false;
	out->xf = *esp;
	out->encr_key_len = ike_encr_key_len(esp->encr, esp->encr_key_bits);
	out->integ_key_len = ike_integ_key_len(esp->integ);
	uint8_t km[2 * (IKE_CRYPTO_MAX_ENCR_KEY_LEN + IKE_CRYPTO_MAX_INTEG_KEY_LEN)];
	size_t total = 2 * (out->encr_key_len + out->integ_key_len);
	if (!ike_child_keymat(prf, sk_d, g_ir_new, ni, nr, km, total)) {
		memset(out, 0, sizeof *out);
		return false;
	}
	const uint8_t *p = km;
	memcpy(out->ei, p, out->encr_key_len);
	p += out->encr_key_len;
	memcpy(out->ai, p, out->integ_key_len);
	p += out->integ_key_len;
	memcpy(out->er, p, out->encr_key_len);
	p += out->encr_key_len;
	memcpy(out->ar, p, out->integ_key_len);
	p += out->integ_key_len;
	g_assert((size_t)(p - km) == total);
	OPENSSL_cleanse(km, sizeof km);
	return true;
}

void ike_child_keys_clear(struct ike_child_keys *k)
{
	OPENSSL_cleanse(k, sizeof *k);
}

/* ---- AUTH -------------------------------------------------------------------------------- */

bool ike_auth_signed_octets(uint16_t prf, struct ike_crypto_buf sk_p, struct ike_crypto_buf first_message,
			    struct ike_crypto_buf peer_nonce, struct ike_crypto_buf id_body, GByteArray *out)
{
	uint8_t maced_id[IKE_CRYPTO_MAX_PRF_LEN];
	if (!ike_prf(prf, sk_p.ptr, sk_p.len, &id_body, 1, maced_id))
		return false;
	g_byte_array_append(out, first_message.ptr, (guint)first_message.len);
	g_byte_array_append(out, peer_nonce.ptr, (guint)peer_nonce.len);
	g_byte_array_append(out, maced_id, (guint)ike_prf_len(prf));
	return true;
}

static const char key_pad[] = "Key Pad for IKEv2"; /* 17 octets, no terminating NUL (§2.15) */

bool ike_psk_auth_key(uint16_t prf, struct ike_crypto_buf psk, uint8_t *out)
{
	struct ike_crypto_buf pad = { (const uint8_t *)key_pad, sizeof key_pad - 1 };
	return ike_prf(prf, psk.ptr, psk.len, &pad, 1, out);
}

bool ike_psk_auth_keyed(uint16_t prf, const uint8_t *auth_key, struct ike_crypto_buf signed_octets, uint8_t *out)
{
	return ike_prf(prf, auth_key, ike_prf_len(prf), &signed_octets, 1, out);
}

bool ike_psk_auth_verify_keyed(uint16_t prf, const uint8_t *auth_key, struct ike_crypto_buf signed_octets,
			       const uint8_t *auth, size_t auth_len)
{
	uint8_t want[IKE_CRYPTO_MAX_PRF_LEN];
	size_t len = ike_prf_len(prf);
	bool ok = len && auth_len == len && ike_psk_auth_keyed(prf, auth_key, signed_octets, want) &&
		  CRYPTO_memcmp(want, auth, len) == 0;
	OPENSSL_cleanse(want, sizeof want);
	return ok;
}

bool ike_psk_auth(uint16_t prf, struct ike_crypto_buf psk, struct ike_crypto_buf signed_octets, uint8_t *out)
{
	uint8_t key[IKE_CRYPTO_MAX_PRF_LEN];
	bool ok = ike_psk_auth_key(prf, psk, key) && ike_psk_auth_keyed(prf, key, signed_octets, out);
	OPENSSL_cleanse(key, sizeof key);
	return ok;
}

bool ike_psk_auth_verify(uint16_t prf, struct ike_crypto_buf psk, struct ike_crypto_buf signed_octets,
			 const uint8_t *auth, size_t auth_len)
{
	uint8_t key[IKE_CRYPTO_MAX_PRF_LEN];
	bool ok = ike_prf_len(prf) && ike_psk_auth_key(prf, psk, key) &&
		  ike_psk_auth_verify_keyed(prf, key, signed_octets, auth, auth_len);
	OPENSSL_cleanse(key, sizeof key);
	return ok;
}

/* ---- AES-GCM ----------------------------------------------------------------------------- */

static const EVP_CIPHER *gcm_cipher(size_t key_len)
{
	switch (key_len) {
	case 16:
		return fetched()->gcm[0];
	case 24:
		return fetched()->gcm[1];
	case 32:
		return fetched()->gcm[2];
	}
	return NULL;
}

static bool gcm_run(bool enc, const uint8_t *key, size_t key_len, const uint8_t salt[4], const uint8_t iv[8],
		    struct ike_crypto_buf aad, uint8_t *data, size_t len, uint8_t tag[16])
{
	const EVP_CIPHER *cipher = gcm_cipher(key_len);
	if (!cipher || len > INT_MAX || aad.len > INT_MAX)
		return false;
	uint8_t nonce[12];
	memcpy(nonce, salt, 4);
	memcpy(nonce + 4, iv, 8);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0;
	bool ok = ctx && EVP_CipherInit_ex2(ctx, cipher, key, nonce, enc ? 1 : 0, NULL) == 1;
	if (ok && aad.len)
		ok = EVP_CipherUpdate(ctx, NULL, &outl, aad.ptr, (int)aad.len) == 1;
	if (ok && len)
		ok = EVP_CipherUpdate(ctx, data, &outl, data, (int)len) == 1 && (size_t)outl == len;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag) == 1;
	if (ok)
		ok = EVP_CipherFinal_ex(ctx, data + len, &outl) == 1 && outl == 0;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

bool ike_crypto_gcm_seal(const uint8_t *key, size_t key_len, const uint8_t salt[4], const uint8_t iv[8],
			 struct ike_crypto_buf aad, uint8_t *data, size_t len, uint8_t tag[16])
{
	return gcm_run(true, key, key_len, salt, iv, aad, data, len, tag);
}

bool ike_crypto_gcm_open(const uint8_t *key, size_t key_len, const uint8_t salt[4], const uint8_t iv[8],
			 struct ike_crypto_buf aad, uint8_t *data, size_t len, const uint8_t tag[16])
{
	uint8_t t[16];
	memcpy(t, tag, 16);
	return gcm_run(false, key, key_len, salt, iv, aad, data, len, t);
}

/* ---- AES-CBC ----------------------------------------------------------------------------- */

static const EVP_CIPHER *cbc_cipher(uint16_t bits)
{
	switch (bits) {
	case 128:
		return fetched()->cbc[0];
	case 192:
		return fetched()->cbc[1];
	case 256:
		return fetched()->cbc[2];
	}
	return NULL;
}

/* In place; len is a multiple of the block size. */
static bool cbc_run(bool enc, uint16_t bits, const uint8_t *key, const uint8_t *iv, uint8_t *data, size_t len)
{
	const EVP_CIPHER *cipher = cbc_cipher(bits);
	if (!cipher || len > INT_MAX || len % CBC_BLOCK_LEN)
		return false;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0, finl = 0;
	bool ok = ctx && EVP_CipherInit_ex2(ctx, cipher, key, iv, enc ? 1 : 0, NULL) == 1 &&
		  EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
		  EVP_CipherUpdate(ctx, data, &outl, data, (int)len) == 1 &&
		  EVP_CipherFinal_ex(ctx, data + outl, &finl) == 1 && (size_t)(outl + finl) == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

/* ---- SK payload -------------------------------------------------------------------------- */

struct ike_sk_cipher ike_sk_cipher_for(const struct ike_sa_keys *k, bool from_initiator)
{
	struct ike_sk_cipher c = {
		.encr = k->xf.encr,
		.encr_key_bits = k->xf.encr_key_bits,
		.integ = k->xf.integ,
		.ek = from_initiator ? k->sk_ei : k->sk_er,
		.ak = k->integ_key_len ? (from_initiator ? k->sk_ai : k->sk_ar) : NULL,
	};
	return c;
}

static bool sk_supported(const struct ike_sk_cipher *c)
{
	struct ike_transforms t = { c->encr, c->encr_key_bits, 0, c->integ };
	return c->encr != IKE_CRYPTO_ENCR_NULL && ike_transforms_supported(&t, false);
}

size_t ike_sk_iv_len(const struct ike_sk_cipher *c)
{
	return ike_encr_is_aead(c->encr) ? IKE_CRYPTO_GCM_IV_LEN : CBC_BLOCK_LEN;
}

size_t ike_sk_icv_len(const struct ike_sk_cipher *c)
{
	return ike_encr_is_aead(c->encr) ? IKE_CRYPTO_GCM_ICV_LEN : ike_integ_icv_len(c->integ);
}

/* Padding bytes (not counting the pad length byte) for plaintext_len. AES-GCM needs none
 * (RFC 5282 §3); CBC fills up to the block size. */
static size_t sk_pad_len(const struct ike_sk_cipher *c, size_t plaintext_len)
{
	if (ike_encr_is_aead(c->encr))
		return 0;
	return (CBC_BLOCK_LEN - (plaintext_len + 1) % CBC_BLOCK_LEN) % CBC_BLOCK_LEN;
}

size_t ike_sk_body_len(const struct ike_sk_cipher *c, size_t plaintext_len)
{
	return ike_sk_iv_len(c) + plaintext_len + sk_pad_len(c, plaintext_len) + 1 + ike_sk_icv_len(c);
}

static bool cbc_icv(const struct ike_sk_cipher *c, const uint8_t *msg, size_t covered_len, uint8_t *icv)
{
	struct ike_crypto_buf part = { msg, covered_len };
	return ike_integ_icv(c->integ, c->ak, &part, 1, icv);
}

enum ike_sk_verdict ike_sk_seal(const struct ike_sk_cipher *c, const uint8_t *iv, uint8_t *msg, size_t aad_len,
				size_t plaintext_len)
{
	if (!sk_supported(c))
		return IKE_SKV_UNSUPPORTED;
	size_t iv_len = ike_sk_iv_len(c);
	size_t pad = sk_pad_len(c, plaintext_len);
	size_t enc_len = plaintext_len + pad + 1;
	uint8_t *body = msg + aad_len;
	uint8_t *enc = body + iv_len;
	memcpy(body, iv, iv_len);
	memset(enc + plaintext_len, 0, pad);
	enc[plaintext_len + pad] = (uint8_t)pad;
	if (ike_encr_is_aead(c->encr)) {
		size_t key_len = c->encr_key_bits / 8u;
		struct ike_crypto_buf aad = { msg, aad_len };
		if (!ike_crypto_gcm_seal(c->ek, key_len, c->ek + key_len, iv, aad, enc, enc_len, enc + enc_len))
			return IKE_SKV_CRYPTO_ERROR;
		return IKE_SKV_OK;
	}
	if (!cbc_run(true, c->encr_key_bits, c->ek, iv, enc, enc_len) ||
	    !cbc_icv(c, msg, aad_len + iv_len + enc_len, enc + enc_len))
		return IKE_SKV_CRYPTO_ERROR;
	return IKE_SKV_OK;
}

enum ike_sk_verdict ike_sk_open(const struct ike_sk_cipher *c, uint8_t *msg, size_t aad_len, size_t body_len,
				size_t *plaintext_off, size_t *plaintext_len)
{
	if (!sk_supported(c))
		return IKE_SKV_UNSUPPORTED;
	bool aead = ike_encr_is_aead(c->encr);
	size_t iv_len = ike_sk_iv_len(c);
	size_t icv_len = ike_sk_icv_len(c);
	size_t min_enc = aead ? 1 : CBC_BLOCK_LEN;
	if (body_len < iv_len + min_enc + icv_len)
		return IKE_SKV_TRUNCATED;
	size_t enc_len = body_len - iv_len - icv_len;
	if (!aead && enc_len % CBC_BLOCK_LEN)
		return IKE_SKV_BAD_ALIGNMENT;
	uint8_t *body = msg + aad_len;
	uint8_t *enc = body + iv_len;
	const uint8_t *icv = enc + enc_len;
	if (aead) {
		size_t key_len = c->encr_key_bits / 8u;
		struct ike_crypto_buf aad = { msg, aad_len };
		if (!ike_crypto_gcm_open(c->ek, key_len, c->ek + key_len, body, aad, enc, enc_len, icv))
			return IKE_SKV_ICV_MISMATCH;
	} else {
		uint8_t want[MAX_MD_LEN];
		if (!cbc_icv(c, msg, aad_len + iv_len + enc_len, want))
			return IKE_SKV_CRYPTO_ERROR;
		if (CRYPTO_memcmp(want, icv, icv_len) != 0)
			return IKE_SKV_ICV_MISMATCH;
		if (!cbc_run(false, c->encr_key_bits, c->ek, body, enc, enc_len))
			return IKE_SKV_CRYPTO_ERROR;
	}
	size_t pad = enc[enc_len - 1];
	if (pad + 1 > enc_len)
		return IKE_SKV_BAD_PADDING;
	*plaintext_off = aad_len + iv_len;
	*plaintext_len = enc_len - pad - 1;
	return IKE_SKV_OK;
}

const char *ike_sk_verdict_name(enum ike_sk_verdict v)
{
	switch (v) {
	case IKE_SKV_OK:
		return "ok";
	case IKE_SKV_TRUNCATED:
		return "truncated";
	case IKE_SKV_BAD_ALIGNMENT:
		return "bad-alignment";
	case IKE_SKV_ICV_MISMATCH:
		return "icv-mismatch";
	case IKE_SKV_BAD_PADDING:
		return "bad-padding";
	case IKE_SKV_UNSUPPORTED:
		return "unsupported";
	case IKE_SKV_CRYPTO_ERROR:
		return "crypto-error";
	}
	return "?";
}

/* ---- Wireshark --------------------------------------------------------------------------- */

/* Names exactly as packet-isakmp.c's vs_ikev2_encr_algs / vs_ikev2_auth_algs spell them. */
static const char *wireshark_encr_name(uint16_t encr, uint16_t bits)
{
	switch (encr) {
	case IKE_CRYPTO_ENCR_NULL:
		return "NULL [RFC2410]";
	case IKE_CRYPTO_ENCR_AES_CBC:
		switch (bits) {
		case 128:
			return "AES-CBC-128 [RFC3602]";
		case 192:
			return "AES-CBC-192 [RFC3602]";
		case 256:
			return "AES-CBC-256 [RFC3602]";
		}
		return NULL;
	case IKE_CRYPTO_ENCR_AES_GCM_16:
		switch (bits) {
		case 128:
			return "AES-GCM-128 with 16 octet ICV [RFC5282]";
		case 192:
			return "AES-GCM-192 with 16 octet ICV [RFC5282]";
		case 256:
			return "AES-GCM-256 with 16 octet ICV [RFC5282]";
		}
		return NULL;
	}
	return NULL;
}

static const char *wireshark_integ_name(uint16_t integ)
{
	switch (integ) {
	case IKE_CRYPTO_INTEG_NONE:
		return "NONE [RFC4306]";
	case IKE_CRYPTO_INTEG_HMAC_SHA1_96:
		return "HMAC_SHA1_96 [RFC2404]";
	case IKE_CRYPTO_INTEG_HMAC_SHA2_256_128:
		return "HMAC_SHA2_256_128 [RFC4868]";
	case IKE_CRYPTO_INTEG_HMAC_SHA2_384_192:
		return "HMAC_SHA2_384_192 [RFC4868]";
	}
	return NULL;
}

/* UAT byte fields are bare hex: quoted, tshark 4.0 takes them as text and rejects the length. */
static void append_hex_field(GString *s, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		g_string_append_printf(s, "%02x", p[i]);
	g_string_append_c(s, ',');
}

char *ike_wireshark_ikev2_row(const uint8_t spi_i[IKE_CRYPTO_SPI_LEN], const uint8_t spi_r[IKE_CRYPTO_SPI_LEN],
			      const struct ike_sa_keys *k)
{
	const char *encr = wireshark_encr_name(k->xf.encr, k->xf.encr_key_bits);
	const char *integ = wireshark_integ_name(k->xf.integ);
	if (!encr || !integ)
		return NULL;
	GString *s = g_string_new(NULL);
	append_hex_field(s, spi_i, IKE_CRYPTO_SPI_LEN);
	append_hex_field(s, spi_r, IKE_CRYPTO_SPI_LEN);
	append_hex_field(s, k->sk_ei, k->encr_key_len);
	append_hex_field(s, k->sk_er, k->encr_key_len);
	g_string_append_printf(s, "\"%s\",", encr);
	append_hex_field(s, k->sk_ai, k->integ_key_len);
	append_hex_field(s, k->sk_ar, k->integ_key_len);
	g_string_append_printf(s, "\"%s\"", integ);
	return g_string_free(s, FALSE);
}
