/* ike_codec_samples.h: IKEv2 messages built with the codec as strongSwan and Azure would send them;
 * shared by the codec tests, the tshark check and the fuzz corpus driver. */
#ifndef TESTS_IKE_CODEC_SAMPLES_H
#define TESTS_IKE_CODEC_SAMPLES_H

#include "models/ipsec/ike_codec.h"

#define SAMPLE_SPI_I UINT64_C(0x0123456789abcdef)
#define SAMPLE_SPI_R UINT64_C(0xfedcba9876543210)

/* Fills buf with a deterministic pattern derived from seed (stands in for random bytes). */
void sample_fill(uint8_t *buf, size_t len, unsigned seed);

/* IKE_SA_INIT request as strongSwan 5.9 sends it: SA (AEAD proposal without INTEG, then a CBC
 * proposal with INTEG), KE of dh_group (14: 256 bytes, 19: 64 bytes), Ni (32), NAT-D source and
 * destination, IKEV2_FRAGMENTATION_SUPPORTED, SIGNATURE_HASH_ALGORITHMS, REDIRECT_SUPPORTED. */
GByteArray *sample_sa_init_request(uint16_t dh_group);

/* IKE_SA_INIT response as an Azure gateway sends it: SA (one proposal, number 2, CBC-256 with
 * SHA2-256), KE, Nr, the Microsoft vendor ID, NAT-D, IKEV2_FRAGMENTATION_SUPPORTED, CERTREQ. */
GByteArray *sample_sa_init_response(uint16_t dh_group);

/* The plaintext inner chain of an IKE_AUTH request (IDi, AUTH, N(INITIAL_CONTACT), CP request,
 * SA for ESP, TSi, TSr) and its first payload type. */
GByteArray *sample_ike_auth_inner(uint8_t *first_type);

/* An IKE_AUTH request whose SK body is the plaintext inner chain (no crypto: the fuzzer reaches
 * the inner walker through it). *body_off receives the body's offset. */
GByteArray *sample_ike_auth_request(size_t *body_off);

/* An INFORMATIONAL request whose SK body holds D(ESP, 2 SPIs) and D(IKE). */
GByteArray *sample_informational_delete(void);

/* Not a real exchange: the IKE_AUTH inner chain in the clear followed by CERT, N(REKEY_SA) with an
 * ESP SPI, a CP reply, D(ESP), D(IKE), V and EAP, so Wireshark can dissect every builder. */
GByteArray *sample_cleartext_payloads(void);

/* Fragment frag_num of 3 of an IKE_AUTH response (RFC 7383 SKF). */
GByteArray *sample_skf_fragment(uint16_t frag_num);

/* An IKE_SA_INIT request captured on UDP 4500: 4-byte non-ESP marker, then 300 bytes of IKE
 * (from rusticata/ipsec-parser's test data). */
extern const uint8_t sample_captured_sa_init[];
extern const size_t sample_captured_sa_init_len;

/* Every sample above (the capture without its marker), for the corpus; free with g_ptr_array_unref(). */
GPtrArray *sample_all(void);

/* An IPv4/UDP packet (192.0.2.1 -> 198.51.100.1, both ports port) around an IKE message; with
 * port 4500 the non-ESP marker precedes it. For pcaps (LINKTYPE_RAW). */
GByteArray *sample_ipv4_udp(const GByteArray *ike, uint16_t port);

#endif
