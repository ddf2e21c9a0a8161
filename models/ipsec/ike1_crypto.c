/* ike1_crypto.c: the IKEv1 key schedule with pre-shared keys (RFC 2409 §5 and Appendix B:
 * SKEYID, SKEYID_d/a/e, the expanded encryption key, quick mode KEYMAT), the plain hash used for
 * IVs, phase-1 CBC encryption (AES-CBC, 3DES-CBC) over OpenSSL 3 EVP, and the Wireshark
 * ikev1_decryption_table row. */
#include "models/ipsec/ike1_internal.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <limits.h>
#include <string.h>

uint16_t ike1_hash_to_prf(uint16_t hash)
{
	switch (hash) {
	case IKE1_HASH_SHA:
		return IKE_CRYPTO_PRF_HMAC_SHA1;
	case IKE1_HASH_SHA2_256:
		return IKE_CRYPTO_PRF_HMAC_SHA2_256;
	case IKE1_HASH_SHA2_384:
		return IKE_CRYPTO_PRF_HMAC_SHA2_384;
	default:
		return 0;
	}
}

uint16_t ike1_prf_to_hash(uint16_t prf)
{
	switch (prf) {
	case IKE_CRYPTO_PRF_HMAC_SHA1:
		return IKE1_HASH_SHA;
	case IKE_CRYPTO_PRF_HMAC_SHA2_256:
		return IKE1_HASH_SHA2_256;
	case IKE_CRYPTO_PRF_HMAC_SHA2_384:
		return IKE1_HASH_SHA2_384;
	default:
		return 0;
	}
}

static const char *md_name(uint16_t prf)
{
	switch (prf) {
	case IKE_CRYPTO_PRF_HMAC_SHA1:
		return "SHA1";
	case IKE_CRYPTO_PRF_HMAC_SHA2_256:
		return "SHA2-256";
	case IKE_CRYPTO_PRF_HMAC_SHA2_384:
		return "SHA2-384";
	default:
		return NULL;
	}
}

/* Fetched once per process and only read afterwards (an implicit fetch on every use costs more
 * than hashing a few dozen bytes). index: 0..2 digests, 3..6 ciphers. */
static const void *fetched(unsigned index, const char *name)
{
	static gsize done[7];
	static void *obj[7];
	if (g_once_init_enter(&done[index])) {
		obj[index] = index < 3 ? (void *)EVP_MD_fetch(NULL, name, NULL) : (void *)EVP_CIPHER_fetch(NULL, name, NULL);
		if (!obj[index])
			g_error("OpenSSL has no %s", name);
		g_once_init_leave(&done[index], 1);
	}
	return obj[index];
}

static const EVP_MD *md_of(uint16_t prf)
{
	const char *name = md_name(prf);
	if (!name)
		return NULL;
	unsigned i = prf == IKE_CRYPTO_PRF_HMAC_SHA1 ? 0 : prf == IKE_CRYPTO_PRF_HMAC_SHA2_256 ? 1 : 2;
	return fetched(i, name);
}

bool ike1_hash(uint16_t prf, const struct ike_crypto_buf *parts, size_t n, uint8_t *out)
{
	const EVP_MD *md = md_of(prf);
	if (!md)
		return false;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	bool ok = md && ctx && EVP_DigestInit_ex(ctx, md, NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, parts[i].ptr, parts[i].len);
	unsigned int len = 0;
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len);
	EVP_MD_CTX_free(ctx);
	return ok;
}

bool ike1_skeyid_psk(uint16_t prf, struct ike_crypto_buf psk, struct ike_crypto_buf ni, struct ike_crypto_buf nr,
		     uint8_t *skeyid)
{
	struct ike_crypto_buf parts[2] = { ni, nr };
	return ike_prf(prf, psk.ptr, psk.len, parts, 2, skeyid);
}

bool ike1_skeyid_dae(uint16_t prf, const uint8_t *skeyid, struct ike_crypto_buf gxy, const uint8_t cky_i[8],
		     const uint8_t cky_r[8], uint8_t *d, uint8_t *a, uint8_t *e)
{
	size_t n = ike_prf_len(prf);
	if (!n)
		return false;
	static const uint8_t nums[3] = { 0, 1, 2 };
	uint8_t *outs[3] = { d, a, e };
	for (int k = 0; k < 3; k++) {
		struct ike_crypto_buf parts[5] = {
			{ k ? outs[k - 1] : NULL, k ? n : 0 }, gxy, { cky_i, 8 }, { cky_r, 8 }, { &nums[k], 1 }
		};
		if (!ike_prf(prf, skeyid, n, parts, 5, outs[k]))
			return false;
	}
	return true;
}

bool ike1_enc_key(uint16_t prf, const uint8_t *skeyid_e, uint8_t *key, size_t key_len)
{
	size_t n = ike_prf_len(prf);
	if (!n)
		return false;
	if (key_len <= n) {
		memcpy(key, skeyid_e, key_len);
		return true;
	}
	uint8_t k[IKE1_MAX_HASH];
	static const uint8_t zero = 0;
	struct ike_crypto_buf first = { &zero, 1 };
	if (!ike_prf(prf, skeyid_e, n, &first, 1, k))
		return false;
	size_t done = 0;
	for (;;) {
		size_t c = MIN(n, key_len - done);
		memcpy(key + done, k, c);
		done += c;
		if (done == key_len)
			break;
		struct ike_crypto_buf prev = { k, n };
		uint8_t next[IKE1_MAX_HASH];
		if (!ike_prf(prf, skeyid_e, n, &prev, 1, next))
			return false;
		memcpy(k, next, n);
	}
	OPENSSL_cleanse(k, sizeof(k));
	return true;
}

bool ike1_qm_keymat(uint16_t prf, const uint8_t *skeyid_d, struct ike_crypto_buf gxy, uint8_t proto, uint32_t spi,
		    struct ike_crypto_buf ni, struct ike_crypto_buf nr, uint8_t *out, size_t out_len)
{
	size_t n = ike_prf_len(prf);
	if (!n)
		return false;
	uint8_t spi_b[4] = { (uint8_t)(spi >> 24), (uint8_t)(spi >> 16), (uint8_t)(spi >> 8), (uint8_t)spi };
	uint8_t k[IKE1_MAX_HASH];
	size_t done = 0, klen = 0;
	while (done < out_len) {
		struct ike_crypto_buf parts[6] = { { k, klen }, gxy, { &proto, 1 }, { spi_b, 4 }, ni, nr };
		uint8_t next[IKE1_MAX_HASH];
		if (!ike_prf(prf, skeyid_d, n, parts, 6, next))
			return false;
		memcpy(k, next, n);
		klen = n;
		size_t c = MIN(n, out_len - done);
		memcpy(out + done, k, c);
		done += c;
	}
	OPENSSL_cleanse(k, sizeof(k));
	return true;
}

size_t ike1_block_len(uint16_t encr)
{
	return encr == IKE1_ENCR_AES ? 16 : encr == IKE1_ENCR_3DES ? 8 : 0;
}

size_t ike1_key_len(uint16_t encr, uint16_t key_bits)
{
	if (encr == IKE1_ENCR_3DES)
		return 24;
	if (encr == IKE1_ENCR_AES && (key_bits == 128 || key_bits == 192 || key_bits == 256))
		return key_bits / 8u;
	return 0;
}

static const char *cipher_name(uint16_t encr, size_t key_len)
{
	if (encr == IKE1_ENCR_3DES && key_len == 24)
		return "DES-EDE3-CBC";
	if (encr != IKE1_ENCR_AES)
		return NULL;
	return key_len == 16 ? "AES-128-CBC" : key_len == 24 ? "AES-192-CBC" : key_len == 32 ? "AES-256-CBC" : NULL;
}

bool ike1_cbc(uint16_t encr, const uint8_t *key, size_t key_len, const uint8_t *iv, uint8_t *data, size_t len,
	      bool encrypt)
{
	const char *name = cipher_name(encr, key_len);
	size_t bl = ike1_block_len(encr);
	if (!name || !bl || len % bl)
		return false;
	if (len == 0)
		return true;
	unsigned idx = encr == IKE1_ENCR_3DES ? 3 : key_len == 16 ? 4 : key_len == 24 ? 5 : 6;
	const EVP_CIPHER *c = fetched(idx, name);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int outl = 0;
	bool ok = c && ctx && EVP_CipherInit_ex2(ctx, c, key, iv, encrypt ? 1 : 0, NULL) &&
		  EVP_CIPHER_CTX_set_padding(ctx, 0) && len <= INT_MAX &&
		  EVP_CipherUpdate(ctx, data, &outl, data, (int)len) && (size_t)outl == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok;
}

char *ike1_wireshark_row_of(const uint8_t cky_i[8], const uint8_t *key, size_t key_len)
{
	GString *s = g_string_new(NULL);
	for (int i = 0; i < 8; i++)
		g_string_append_printf(s, "%02x", cky_i[i]);
	g_string_append_c(s, ',');
	for (size_t i = 0; i < key_len; i++)
		g_string_append_printf(s, "%02x", key[i]);
	return g_string_free(s, FALSE);
}
