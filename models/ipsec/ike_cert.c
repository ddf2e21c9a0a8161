/* ike_cert.c: certificate authentication for IKE_AUTH (RFC 7296 §3.6-3.8, RFC 7427): our key and
 * X.509 certificate, the CA the peer's certificate must chain to, the DER_ASN1_DN identity, and
 * AUTH method 14 (Digital Signature) with RSA PKCS#1 v1.5 / SHA-256 to sign and RSA or ECDSA
 * (SHA-256/384/512) to verify. OpenSSL 3 EVP and X509 only.
 *
 * Determinism: RSA PKCS#1 v1.5 signatures are a function of key and message, so a simulation
 * stays reproducible; ECDSA signing would draw its per-signature secret from OpenSSL's RNG, so
 * ECDSA keys are accepted for verification (the peer's certificate) but not as our own key.
 * Certificate validity times are not checked against a clock (there is none here): the chain and
 * signatures are. */
#include "models/ipsec/ike_sa_internal.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <string.h>

/* DER AlgorithmIdentifiers of RFC 7427 §3 / RFC 8420 (with their parameters as RFC 4055 and
 * RFC 5758 encode them). */
static const uint8_t ALG_RSA_SHA256[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					  0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
static const uint8_t ALG_RSA_SHA384[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					  0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00 };
static const uint8_t ALG_RSA_SHA512[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					  0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00 };
static const uint8_t ALG_ECDSA_SHA256[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
					    0xce, 0x3d, 0x04, 0x03, 0x02 };
static const uint8_t ALG_ECDSA_SHA384[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
					    0xce, 0x3d, 0x04, 0x03, 0x03 };
static const uint8_t ALG_ECDSA_SHA512[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
					    0xce, 0x3d, 0x04, 0x03, 0x04 };

static const struct {
	const uint8_t *der;
	size_t len;
	const char *md;
	bool rsa;
} algs[] = {
	{ ALG_RSA_SHA256, sizeof(ALG_RSA_SHA256), "SHA256", true },
	{ ALG_RSA_SHA384, sizeof(ALG_RSA_SHA384), "SHA384", true },
	{ ALG_RSA_SHA512, sizeof(ALG_RSA_SHA512), "SHA512", true },
	{ ALG_ECDSA_SHA256, sizeof(ALG_ECDSA_SHA256), "SHA256", false },
	{ ALG_ECDSA_SHA384, sizeof(ALG_ECDSA_SHA384), "SHA384", false },
	{ ALG_ECDSA_SHA512, sizeof(ALG_ECDSA_SHA512), "SHA512", false },
};

bool ike_cert_load(struct ike_peer *p, const struct ike_peer_cfg *cfg, GError **err)
{
	const uint8_t *q;
	if (!cfg->key_der || !cfg->cert_der || !cfg->ca_der) {
		g_set_error(err, IKE_ERROR, 10, "peer %s: certificate authentication needs key, certificate and CA",
			    p->name);
		return false;
	}
	q = cfg->key_der;
	p->key = d2i_AutoPrivateKey(NULL, &q, (long)cfg->key_der_len);
	q = cfg->cert_der;
	p->cert = d2i_X509(NULL, &q, (long)cfg->cert_der_len);
	q = cfg->ca_der;
	p->ca = d2i_X509(NULL, &q, (long)cfg->ca_der_len);
	if (!p->key || !p->cert || !p->ca) {
		g_set_error(err, IKE_ERROR, 11, "peer %s: unreadable key or certificate (DER expected)", p->name);
		return false;
	}
	if (!EVP_PKEY_is_a(p->key, "RSA")) {
		g_set_error(err, IKE_ERROR, 12,
			    "peer %s: only RSA keys sign deterministically (ECDSA would use OpenSSL's RNG)", p->name);
		return false;
	}
	if (X509_check_private_key(p->cert, p->key) != 1) {
		g_set_error(err, IKE_ERROR, 13, "peer %s: the key does not match the certificate", p->name);
		return false;
	}
	p->cert_der = g_byte_array_new();
	g_byte_array_append(p->cert_der, cfg->cert_der, (guint)cfg->cert_der_len);
	/* CERTREQ: SHA-1 of the CA's SubjectPublicKeyInfo (RFC 7296 §3.7) */
	uint8_t *spki = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(p->ca), &spki);
	unsigned int hl = 0;
	bool ok = n > 0 && EVP_Digest(spki, (size_t)n, p->ca_hash, &hl, EVP_sha1(), NULL) && hl == 20;
	OPENSSL_free(spki);
	if (!ok) {
		g_set_error(err, IKE_ERROR, 14, "peer %s: CA key hash failed", p->name);
		return false;
	}
	return true;
}

void ike_cert_free(struct ike_peer *p)
{
	EVP_PKEY_free(p->key);
	X509_free(p->cert);
	X509_free(p->ca);
	if (p->cert_der)
		g_byte_array_unref(p->cert_der);
	p->key = NULL;
	p->cert = NULL;
	p->ca = NULL;
	p->cert_der = NULL;
}

GByteArray *ike_cert_id_body(const struct ike_peer *p)
{
	uint8_t *dn = NULL;
	int n = i2d_X509_NAME(X509_get_subject_name(p->cert), &dn);
	GByteArray *b = g_byte_array_new();
	uint8_t hdr[4] = { IKE_ID_DER_ASN1_DN, 0, 0, 0 };
	g_byte_array_append(b, hdr, 4);
	if (n > 0)
		g_byte_array_append(b, dn, (guint)n);
	OPENSSL_free(dn);
	return b;
}

GByteArray *ike_cert_sign(const struct ike_peer *p, const GByteArray *octets)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t sl = 0;
	GByteArray *out = NULL;
	if (c && EVP_DigestSignInit_ex(c, NULL, "SHA256", NULL, NULL, p->key, NULL) == 1 &&
	    EVP_DigestSign(c, NULL, &sl, octets->data, octets->len) == 1) {
		out = g_byte_array_sized_new((guint)(1 + sizeof(ALG_RSA_SHA256) + sl));
		uint8_t l = sizeof(ALG_RSA_SHA256);
		g_byte_array_append(out, &l, 1);
		g_byte_array_append(out, ALG_RSA_SHA256, sizeof(ALG_RSA_SHA256));
		guint at = out->len;
		g_byte_array_set_size(out, at + (guint)sl);
		if (EVP_DigestSign(c, out->data + at, &sl, octets->data, octets->len) != 1) {
			g_byte_array_unref(out);
			out = NULL;
		} else {
			g_byte_array_set_size(out, at + (guint)sl);
		}
	}
	EVP_MD_CTX_free(c);
	return out;
}

/* The peer's certificate, checked against our CA (chain and signatures; no clock). */
static X509 *verified_cert(const struct ike_peer *p, const struct ike_rbuf *der)
{
	const uint8_t *q = der->p;
	X509 *x = d2i_X509(NULL, &q, (long)der->len);
	if (!x || q != der->p + der->len) {
		X509_free(x);
		return NULL;
	}
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	bool ok = st && ctx && X509_STORE_add_cert(st, p->ca) == 1 && X509_STORE_CTX_init(ctx, st, x, NULL) == 1;
	if (ok) {
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
		ok = X509_verify_cert(ctx) == 1;
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

enum ike_cert_verdict ike_cert_verify(const struct ike_peer *p, const struct ike_rbuf *cert_der, uint8_t id_type,
				      const struct ike_rbuf *id_data, uint8_t method, const struct ike_rbuf *auth,
				      const GByteArray *octets)
{
	X509 *x = verified_cert(p, cert_der);
	if (!x)
		return IKE_CERT_UNTRUSTED;
	enum ike_cert_verdict v = IKE_CERT_OK;
	/* the identity must be the certificate's subject, compared as names (strongSwan encodes
	 * the attributes as UTF8String where the certificate may hold PrintableString) */
	const uint8_t *q = id_data->p;
	X509_NAME *id = id_type == IKE_ID_DER_ASN1_DN ? d2i_X509_NAME(NULL, &q, (long)id_data->len) : NULL;
	if (!id || q != id_data->p + id_data->len || X509_NAME_cmp(id, X509_get_subject_name(x)) != 0)
		v = IKE_CERT_ID_MISMATCH;
	X509_NAME_free(id);
	if (v != IKE_CERT_OK) {
		X509_free(x);
		return v;
	}
	v = IKE_CERT_BAD_SIGNATURE;
	if (method == IKE_AUTH_DIGITAL_SIGNATURE && auth->len > 1 && (size_t)auth->p[0] + 1 < auth->len) {
		size_t al = auth->p[0];
		const uint8_t *sig = auth->p + 1 + al;
		size_t sl = auth->len - 1 - al;
		EVP_PKEY *pk = X509_get0_pubkey(x);
		for (size_t i = 0; i < G_N_ELEMENTS(algs); i++) {
			if (algs[i].len != al || memcmp(algs[i].der, auth->p + 1, al) != 0)
				continue;
			if (!pk || (algs[i].rsa ? !EVP_PKEY_is_a(pk, "RSA") : !EVP_PKEY_is_a(pk, "EC")))
				break;
			EVP_MD_CTX *c = EVP_MD_CTX_new();
			if (c && EVP_DigestVerifyInit_ex(c, NULL, algs[i].md, NULL, NULL, pk, NULL) == 1 &&
			    EVP_DigestVerify(c, sig, sl, octets->data, octets->len) == 1)
				v = IKE_CERT_OK;
			EVP_MD_CTX_free(c);
			break;
		}
	}
	X509_free(x);
	return v;
}
