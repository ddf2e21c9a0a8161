/* ike_pki.c: a deterministic PKI for simulations and tests (see ike_pki.h). */
#include "models/ipsec/ike_pki.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>

/* splitmix64: the key stream (a seed in, bytes out; not a cryptographic generator: these keys
 * are for simulations, never for real traffic) */
static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static BIGNUM *det_prime(uint64_t *rng, int bits, BN_CTX *ctx)
{
	size_t n = (size_t)bits / 8;
	uint8_t *b = g_malloc(n);
	for (size_t i = 0; i < n; i += 8) {
		uint64_t v = splitmix(rng);
		for (size_t k = 0; k < 8 && i + k < n; k++)
			b[i + k] = (uint8_t)(v >> (8 * k));
	}
	b[0] |= 0xc0; /* two top bits: the product has exactly 2 * bits bits */
	b[n - 1] |= 1;
	BIGNUM *p = BN_bin2bn(b, (int)n, NULL);
	g_free(b);
	/* BN_check_prime draws Miller-Rabin bases from OpenSSL's RNG; its answer, hence the prime,
	 * does not depend on them (error probability below 2^-128) */
	while (BN_check_prime(p, ctx, NULL) != 1 || BN_mod_word(p, 65537) == 1)
		BN_add_word(p, 2);
	return p;
}

EVP_PKEY *ike_pki_rsa(uint64_t *rng, int bits)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *p = det_prime(rng, bits / 2, ctx), *q = det_prime(rng, bits / 2, ctx);
	BIGNUM *e = BN_new(), *n = BN_new(), *p1 = BN_dup(p), *q1 = BN_dup(q), *phi = BN_new(), *d = BN_new(),
	       *dp = BN_new(), *dq = BN_new(), *qinv = BN_new();
	BN_set_word(e, 65537);
	BN_mul(n, p, q, ctx);
	BN_sub_word(p1, 1);
	BN_sub_word(q1, 1);
	BN_mul(phi, p1, q1, ctx);
	if (!BN_mod_inverse(d, e, phi, ctx) || !BN_mod(dp, d, p1, ctx) || !BN_mod(dq, d, q1, ctx) ||
	    !BN_mod_inverse(qinv, q, p, ctx))
		g_error("ike_pki RSA key: arithmetic failed");
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_D, d);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR1, p);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_FACTOR2, q);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq);
	OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv);
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *key = NULL;
	if (!params || !pc || EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, &key, EVP_PKEY_KEYPAIR, params) != 1)
		g_error("ike_pki RSA key: EVP_PKEY_fromdata failed");
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BIGNUM *all[] = { p, q, e, n, p1, q1, phi, d, dp, dq, qinv };
	for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
		BN_clear_free(all[i]);
	BN_CTX_free(ctx);
	return key;
}

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (!ext || !X509_add_ext(x, ext, -1))
		g_error("ike_pki certificate: extension failed");
	X509_EXTENSION_free(ext);
}

X509 *ike_pki_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, long serial, bool ca)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	ASN1_TIME_set_string(X509_getm_notBefore(x), "20200101000000Z");
	ASN1_TIME_set_string(X509_getm_notAfter(x), "20491231235959Z");
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"vpnsim", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	add_ext(x, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (ca)
		add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (!X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()))
		g_error("ike_pki certificate: signing failed");
	return x;
}

GByteArray *ike_pki_cert_der(X509 *x)
{
	uint8_t *d = NULL;
	int n = i2d_X509(x, &d);
	GByteArray *a = g_byte_array_new();
	g_byte_array_append(a, d, (guint)n);
	OPENSSL_free(d);
	return a;
}

GByteArray *ike_pki_key_der(EVP_PKEY *k)
{
	uint8_t *d = NULL;
	int n = i2d_PrivateKey(k, &d);
	GByteArray *a = g_byte_array_new();
	g_byte_array_append(a, d, (guint)n);
	OPENSSL_free(d);
	return a;
}

void ike_pki_set_make(struct ike_pki_set *s, uint64_t seed, int bits, const char *server_cn, const char *client_cn)
{
	uint64_t rng = seed;
	EVP_PKEY *ca_key = ike_pki_rsa(&rng, bits), *sk = ike_pki_rsa(&rng, bits), *ck = ike_pki_rsa(&rng, bits);
	X509 *ca = ike_pki_cert(ca_key, "vpnsim P2S root", NULL, NULL, 1, true);
	X509 *sc = ike_pki_cert(sk, server_cn, ca, ca_key, 2, false), *cc = ike_pki_cert(ck, client_cn, ca, ca_key, 3, false);
	s->ca_cert = ike_pki_cert_der(ca);
	s->server_cert = ike_pki_cert_der(sc);
	s->server_key = ike_pki_key_der(sk);
	s->client_cert = ike_pki_cert_der(cc);
	s->client_key = ike_pki_key_der(ck);
	X509_free(ca);
	X509_free(sc);
	X509_free(cc);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(sk);
	EVP_PKEY_free(ck);
}

void ike_pki_set_free(struct ike_pki_set *s)
{
	GByteArray *all[] = { s->ca_cert, s->server_cert, s->server_key, s->client_cert, s->client_key };
	for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
		if (all[i]) {
			/* private keys: wipe before freeing */
			memset(all[i]->data, 0, all[i]->len);
			g_byte_array_unref(all[i]);
		}
	memset(s, 0, sizeof(*s));
}
