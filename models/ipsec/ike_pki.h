/* ike_pki.h: a deterministic PKI for simulations and tests. Every key is RSA built from a seeded
 * stream (primes searched upward from seeded bytes, so the same seed gives the same key), every
 * certificate is signed with SHA-256 and PKCS#1 v1.5 (deterministic), valid 2020-2049, with a
 * subject O=vpnsim, CN=<name>. These keys come from a seed written in a scenario file: they
 * authenticate simulated peers and must never protect real traffic. */
#ifndef MODELS_IPSEC_IKE_PKI_H
#define MODELS_IPSEC_IKE_PKI_H

#include <glib.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>

/* An RSA key of `bits` bits (>= 512, a multiple of 16) from the stream *rng (advanced). */
EVP_PKEY *ike_pki_rsa(uint64_t *rng, int bits);
/* A certificate for key with subject O=vpnsim, CN=cn, signed by issuer with issuer_key (both
 * NULL: self-signed); ca: basicConstraints CA:TRUE and keyCertSign. */
X509 *ike_pki_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key, long serial, bool ca);
/* DER encodings (new arrays). */
GByteArray *ike_pki_cert_der(X509 *x);
GByteArray *ike_pki_key_der(EVP_PKEY *k);

/* What a P2S setup needs: a root CA (the certificate uploaded to Azure), the gateway's
 * certificate and key, and one client certificate and key, both issued by the root. */
struct ike_pki_set {
	GByteArray *ca_cert;
	GByteArray *server_cert, *server_key;
	GByteArray *client_cert, *client_key;
};
void ike_pki_set_make(struct ike_pki_set *s, uint64_t seed, int bits, const char *server_cn, const char *client_cn);
void ike_pki_set_free(struct ike_pki_set *s);

#endif
