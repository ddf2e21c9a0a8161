/* fuzz_ike_responder.c: libFuzzer target for the IKEv2 responder (models/ipsec/ike.h) behind
 * the SK payload: the harness plays a real initiator with fixed randomness, so the IKE SA's keys
 * are the same in every run, and the fuzz input becomes the plaintext of IKE_AUTH and later
 * requests, correctly encrypted and integrity-protected, so the payload handling after
 * decryption (IDi, AUTH, SA, TS, CP, notifies, CERT, DELETE, rekeys) is what gets explored.
 *
 * Input: byte 0 picks the mode.
 * - (byte0 & 3) == 3: raw mode. The rest is an IKE_SA_INIT request datagram fed to a fresh
 *   responder on port 500; with bit 2 set the harness's own valid IKE_SA_INIT goes first and
 *   the cookie threshold is 1, so the raw request meets the COOKIE check (RFC 7296 §2.6).
 * - otherwise: authenticated mode. Bit 2 picks the IKE SA's cipher (0: AES-GCM-16-256,
 *   1: AES-CBC-256 + HMAC-SHA2-256-128; PRF HMAC-SHA2-256, Curve25519 in both), bit 3 the
 *   responder's authentication (0: PSK; 1: X.509 certificates of a fixed RSA-1024 test PKI,
 *   ike_responder_pki.h, so CERT payloads reach the certificate checks). The harness
 *   runs IKE_SA_INIT with a fresh responder (whose random bytes restart at the same seed every
 *   run), then reads records until the input ends:
 *     [flags][first payload type][length, 2 bytes big-endian][plaintext chain, length bytes]
 *   flags: bits 0-1 the exchange (IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL, IKE_AUTH), bit 4
 *   repeats the previous message ID (a retransmission), bit 5 leaves a PSK AUTH payload as it
 *   is (by default an AUTH payload with method 2 and a 32-byte value is rewritten to the right
 *   MIC for the IDi payload of the chain, and in certificate mode one with method 14 and room
 *   for an RSA-1024 signature gets the initiator's real signature, so the fuzzer gets past
 *   authentication), bit 6 sets the
 *   response flag, bit 7 fires the SA's pending timer after the message. A short last record
 *   takes what is left. Two flags change what the record's bytes are:
 *   - bit 2, raw: the bytes are a whole datagram, delivered as they are to the SA (nothing is
 *     sealed), so ICV failures, the message-ID window, retransmission detection and the
 *     non-ESP marker are reached. The first-payload byte holds options: bit 0 writes the SA's
 *     SPIs over bytes 0-15, bit 1 the current message ID over bytes 20-23 (when the datagram is
 *     that long), bit 2 delivers on UDP 4500 instead of 500, bit 3 puts the non-ESP marker in
 *     front first.
 *   - bit 3, fragment (RFC 7383 SKF): the bytes start with the fragment number and the total
 *     (16 bits each, big-endian), the rest is this fragment's piece of the plaintext, sealed in
 *     an SKF payload whose next-payload field is the first-payload byte. Fragments are held
 *     until one with number == total (or any other record, or the end) arrives; then, for
 *     IKE_AUTH without bit 5 on the first held fragment, if the held pieces cover 1..total the
 *     AUTH fix-up runs on their concatenation and the result is cut back at the same places.
 *     Then each is sealed and fed in record order (duplicates, gaps, wrong totals and numbers
 *     as the input says), so reassembly is explored behind valid ICVs.
 * One endpoint per run, freed at the end: nothing leaks between runs. Under libFuzzer a GLib
 * critical aborts the run (LLVMFuzzerInitialize).
 *
 * FUZZ_IKE_RESPONDER_SEEDS=DIR makes the first run write the seed corpus (valid record
 * sequences) into DIR; fuzz/corpus-ike-responder/ holds them. At start the harness checks that
 * its seed IKE_AUTH really establishes the SA, so the keys and the fix-up are known good. */
#include "models/ipsec/ike.h"
#include "models/ipsec/ike_codec.h"
#include "models/ipsec/ike_consts.h"
#include "models/ipsec/ike_crypto.h"
#include "models/ipsec/ike_dh.h"
#include "fuzz/ike_responder_pki.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* libFuzzer only: a GLib critical (g_return_if_fail failing) is a bug, so it aborts. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	return 0;
}

#define INIT_IP 0xc6336401u /* 198.51.100.1 */
#define RESP_IP 0xcb007101u /* 203.0.113.1 */
#define SPI_I UINT64_C(0x0123456789abcdef)
#define PSK "fuzz-shared-key"
#define MAX_OUT 16
#define PKI_BITS 1024
#define SIG_BLOB_LEN (1 + 15 + PKI_BITS / 8) /* RFC 7427: length, AlgorithmIdentifier, signature */

/* sha256WithRSAEncryption AlgorithmIdentifier (RFC 7427 Appendix A.3.3) */
static const uint8_t ALG_RSA_SHA256[15] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					    0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };

/* The PKI: node 0 is the responder, node 1 the initiator. */
static EVP_PKEY *client_key;
static GByteArray *client_dn; /* DER subject of node 1's certificate */

static void must(bool cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_ike_responder: %s\n", what);
		abort();
	}
}

/* ---- the responder's world for one run ---- */

struct run {
	uint64_t rng;		/* splitmix64 state: the same seed every run */
	uint64_t timer_sa;	/* the last SA that armed its timer, and when */
	int64_t timer_at;
	GByteArray *out[MAX_OUT]; /* datagrams the responder sent (first MAX_OUT) */
	size_t n_out;
	unsigned children, states;
};

static void cb_send(void *user, const struct ike_dgram *d)
{
	struct run *r = user;
	must(d->len >= IKE_HDR_LEN && d->len <= 65535, "sent datagram length");
	if (r->n_out < MAX_OUT) {
		r->out[r->n_out] = g_byte_array_new();
		g_byte_array_append(r->out[r->n_out++], d->data, (guint)d->len);
	}
}

static void cb_set_timer(void *user, uint64_t sa_id, int64_t at_ns)
{
	struct run *r = user;
	if (at_ns == INT64_MAX) {
		if (r->timer_sa == sa_id)
			r->timer_sa = 0;
		return;
	}
	r->timer_sa = sa_id;
	r->timer_at = at_ns;
}

static void cb_random(void *user, uint8_t *buf, size_t len)
{
	struct run *r = user;
	for (size_t i = 0; i < len; i++) {
		uint64_t z = (r->rng += UINT64_C(0x9e3779b97f4a7c15));
		z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
		z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
		buf[i] = (uint8_t)(z ^ (z >> 31));
	}
}

static void cb_child_up(void *user, const struct ike_child_info *c)
{
	struct run *r = user;
	struct esp_sa_config ec;
	(void)ike_child_esp_config(c, ESP_DIR_IN, &ec);
	r->children++;
}

static void cb_child_down(void *user, const struct ike_child_info *c, enum ike_down_reason why)
{
	(void)user;
	(void)c;
	(void)why;
}

static void cb_state(void *user, uint64_t sa_id, enum ike_sa_state o, enum ike_sa_state n)
{
	struct run *r = user;
	(void)sa_id;
	(void)o;
	(void)n;
	r->states++;
}

static void cb_log(void *user, GLogLevelFlags level, const char *msg)
{
	(void)user;
	(void)level;
	(void)msg;
}

static const struct ike_callbacks callbacks = {
	.send = cb_send,
	.set_timer = cb_set_timer,
	.random = cb_random,
	.child_up = cb_child_up,
	.child_down = cb_child_down,
	.ike_state = cb_state,
	.log = cb_log,
};

static void run_clear(struct run *r)
{
	for (size_t i = 0; i < r->n_out; i++)
		g_byte_array_unref(r->out[i]);
	r->n_out = 0;
}

/* A responder with one PSK peer that accepts any address (as a P2S gateway does), a virtual-IP
 * pool, both IKE ciphers and three ESP proposals. */
static struct ike_endpoint *responder_new(struct run *r, unsigned cookie_threshold, bool cert)
{
	memset(r, 0, sizeof *r);
	r->rng = UINT64_C(0x5eed);
	struct ike_endpoint_cfg ec = { .name = "fuzz-responder", .cookie_threshold = cookie_threshold };
	memset(ec.cookie_secret, 0x17, sizeof ec.cookie_secret);
	struct ike_endpoint *ep = ike_endpoint_new(&ec, &callbacks, r);
	struct ike_peer_cfg p;
	memset(&p, 0, sizeof p);
	p.name = "any";
	p.local.ip = RESP_IP;
	p.local_id.type = IKE_ID_FQDN;
	p.local_id.len = 11;
	memcpy(p.local_id.data, "vpn.example", 11);
	p.psk_len = strlen(PSK);
	memcpy(p.psk, PSK, p.psk_len);
	p.ike[0] = (struct ike_ike_proposal){ IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256, 0, IKE_DH_CURVE25519 };
	p.ike[1] = (struct ike_ike_proposal){ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256,
					      IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_CURVE25519 };
	p.n_ike = 2;
	p.esp[0] = (struct ike_esp_proposal){ IKE_ENCR_AES_GCM_16, 256, 0, IKE_DH_CURVE25519 };
	p.esp[1] = (struct ike_esp_proposal){ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 0 };
	p.esp[2] = (struct ike_esp_proposal){ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 0 };
	p.n_esp = 3;
	struct ike_ts4 any = { 0, UINT32_MAX, 0, 65535, 0 };
	p.local_ts[0] = p.remote_ts[0] = any;
	p.n_local_ts = p.n_remote_ts = 1;
	p.dpd_interval_ns = 10 * INT64_C(1000000000);
	p.ike_rekey_ns = 3600 * INT64_C(1000000000);
	p.child_rekey_ns = 1800 * INT64_C(1000000000);
	p.child_lifetime_bytes = 1u << 20;
	p.pool_start = 0xac100001u; /* 172.16.0.1 */
	p.pool_size = 4;
	p.fragment_mtu = 576;
	if (cert) {
		p.auth = IKE_AUTH_MODE_CERT;
		p.key_der = PKI_KEY0;
		p.key_der_len = sizeof PKI_KEY0;
		p.cert_der = PKI_CERT0;
		p.cert_der_len = sizeof PKI_CERT0;
		p.ca_der = PKI_CA_CERT;
		p.ca_der_len = sizeof PKI_CA_CERT;
		p.local_id.len = 0;
	}
	must(ike_peer_add(ep, &p, NULL) == 0, "peer refused");
	return ep;
}

/* ---- the initiator's side, computed once per cipher ---- */

struct variant {
	bool ready;
	struct ike_sa_keys keys;
	uint64_t spi_r;
	GByteArray *init_req;  /* our IKE_SA_INIT request */
	GByteArray *init_resp; /* the responder's answer (identical in every run) */
	GByteArray *nr;	       /* its nonce */
	uint8_t psk_key[IKE_CRYPTO_MAX_PRF_LEN];
};

static struct variant variants[2][2]; /* [cipher][cert] */
static struct ike_dh_key *our_dh;
static uint8_t our_pub[32];
static const uint8_t NI[32] = { 0x4e, 0x69, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
				15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30 };

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static GByteArray *build_init_request(int cipher, const uint8_t *cookie, size_t cookie_len)
{
	struct ike_hdr h = { .spi_i = SPI_I, .major = 2, .exchange = IKE_EXCH_IKE_SA_INIT, .flags = IKE_FLAG_INITIATOR };
	struct ike_builder b;
	ike_builder_init(&b, &h);
	if (cookie)
		ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_COOKIE, cookie, cookie_len);
	struct ike_transform_spec gcm[] = { { IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256 },
					    { IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0 },
					    { IKE_XF_DH, IKE_DH_CURVE25519, 0 } };
	struct ike_transform_spec cbc[] = { { IKE_XF_ENCR, IKE_ENCR_AES_CBC, 256 },
					    { IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0 },
					    { IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0 },
					    { IKE_XF_DH, IKE_DH_CURVE25519, 0 } };
	struct ike_proposal_spec ps = { .num = 1, .protocol = IKE_PROTO_IKE,
					.n_transforms = cipher ? G_N_ELEMENTS(cbc) : G_N_ELEMENTS(gcm),
					.transforms = cipher ? cbc : gcm };
	ike_build_sa(&b, &ps, 1);
	ike_build_ke(&b, IKE_DH_CURVE25519, our_pub, sizeof our_pub);
	ike_build_nonce(&b, NI, sizeof NI);
	ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	GByteArray *m = ike_build_finish(&b);
	must(m != NULL, "IKE_SA_INIT build");
	return m;
}

static void feed(struct ike_endpoint *ep, const uint8_t *p, size_t len, int64_t now)
{
	struct ike_dgram d = { .src = { INIT_IP, IKE_PORT }, .dst = { RESP_IP, IKE_PORT }, .data = p, .len = len };
	ike_input(ep, &d, now);
}

/* Runs IKE_SA_INIT on a fresh responder; on the first call per cipher derives the keys from the
 * answer, afterwards checks the answer is the same. */
static struct ike_endpoint *establish_init(struct run *r, int cipher, int cert)
{
	struct variant *v = &variants[cipher][cert];
	if (!v->init_req)
		v->init_req = build_init_request(cipher, NULL, 0);
	struct ike_endpoint *ep = responder_new(r, 0, cert);
	feed(ep, v->init_req->data, v->init_req->len, 0);
	must(r->n_out == 1, "no IKE_SA_INIT response");
	GByteArray *resp = r->out[0];
	if (v->ready) {
		must(resp->len == v->init_resp->len && memcmp(resp->data, v->init_resp->data, resp->len) == 0,
		     "the responder's IKE_SA_INIT response changed between runs");
		run_clear(r);
		return ep;
	}
	struct ike_msg msg;
	must(ike_msg_parse(resp->data, resp->len, 65535, &msg) == IKE_PARSE_OK, "response parse");
	int ike = ike_payload_find(&msg.pls, IKE_PL_KE, 0), inr = ike_payload_find(&msg.pls, IKE_PL_NONCE, 0);
	must(ike >= 0 && inr >= 0 && msg.hdr.spi_r, "response without KE or nonce");
	uint8_t secret[32];
	must(ike_dh_derive(our_dh, msg.pls.pl[ike].u.ke.data.p, msg.pls.pl[ike].u.ke.data.len, secret) == IKE_DHV_OK,
	     "DH derive");
	v->spi_r = msg.hdr.spi_r;
	v->nr = g_byte_array_new();
	g_byte_array_append(v->nr, msg.pls.pl[inr].u.typed.data.p, (guint)msg.pls.pl[inr].u.typed.data.len);
	struct ike_transforms xf = { cipher ? IKE_ENCR_AES_CBC : IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256,
				     cipher ? IKE_INTEG_HMAC_SHA2_256_128 : 0 };
	uint8_t skeyseed[IKE_CRYPTO_MAX_PRF_LEN], si[8], sr[8];
	struct ike_crypto_buf ni = { NI, sizeof NI }, nr = { v->nr->data, v->nr->len }, gir = { secret, 32 };
	put_u64(si, SPI_I);
	put_u64(sr, v->spi_r);
	must(ike_skeyseed(xf.prf, ni, nr, gir, skeyseed) && ike_sa_keys_derive(&xf, skeyseed, ni, nr, si, sr, &v->keys),
	     "key derivation");
	struct ike_crypto_buf psk = { (const uint8_t *)PSK, strlen(PSK) };
	must(ike_psk_auth_key(xf.prf, psk, v->psk_key), "PSK key");
	v->init_resp = g_byte_array_ref(resp);
	v->ready = true;
	run_clear(r);
	return ep;
}

/* RFC 7427 AUTH data: the AlgorithmIdentifier's length and bytes, then node 1's RSA signature
 * (SHA-256, PKCS#1 v1.5) over octets, into out (SIG_BLOB_LEN bytes). */
static void sign_blob(const GByteArray *octets, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t sl = PKI_BITS / 8;
	out[0] = sizeof ALG_RSA_SHA256;
	memcpy(out + 1, ALG_RSA_SHA256, sizeof ALG_RSA_SHA256);
	must(c && EVP_DigestSignInit_ex(c, NULL, "SHA256", NULL, NULL, client_key, NULL) == 1 &&
		     EVP_DigestSign(c, out + 1 + sizeof ALG_RSA_SHA256, &sl, octets->data, octets->len) == 1 &&
		     sl == PKI_BITS / 8,
	     "RSA signature");
	EVP_MD_CTX_free(c);
}

/* Rewrites the AUTH payload of an IKE_AUTH chain to the right value for the chain's IDi: a PSK
 * MIC (method 2, 32 bytes) with a PSK responder, node 1's signature (method 14, room for it) with
 * a certificate responder. */
static void fix_auth(const struct variant *v, bool cert, uint8_t first, uint8_t *chain, size_t len)
{
	struct ike_payload_list *l = g_new(struct ike_payload_list, 1);
	if (ike_payloads_parse(first, chain, len, l) == IKE_PARSE_OK) {
		int id = ike_payload_find(l, IKE_PL_IDI, 0), au = ike_payload_find(l, IKE_PL_AUTH, 0);
		uint8_t method = cert ? IKE_AUTH_DIGITAL_SIGNATURE : IKE_AUTH_SHARED_KEY_MIC;
		size_t want = cert ? SIG_BLOB_LEN : 32;
		if (id >= 0 && au >= 0 && l->pl[au].u.typed.kind == method && l->pl[au].u.typed.data.len == want &&
		    l->pl[id].raw.len >= IKE_GENERIC_HDR_LEN) {
			struct ike_crypto_buf sk_p = { v->keys.sk_pi, v->keys.prf_len };
			struct ike_crypto_buf m1 = { v->init_req->data, v->init_req->len };
			struct ike_crypto_buf nr = { v->nr->data, v->nr->len };
			struct ike_crypto_buf idb = { l->pl[id].raw.p + IKE_GENERIC_HDR_LEN,
						      l->pl[id].raw.len - IKE_GENERIC_HDR_LEN };
			GByteArray *so = g_byte_array_new();
			uint8_t *dst = chain + (l->pl[au].u.typed.data.p - chain);
			must(ike_auth_signed_octets(IKE_PRF_HMAC_SHA2_256, sk_p, m1, nr, idb, so), "signed octets");
			if (cert) {
				sign_blob(so, dst);
			} else {
				uint8_t mic[IKE_CRYPTO_MAX_PRF_LEN];
				struct ike_crypto_buf sob = { so->data, so->len };
				must(ike_psk_auth_keyed(IKE_PRF_HMAC_SHA2_256, v->psk_key, sob, mic), "AUTH");
				memcpy(dst, mic, 32);
			}
			g_byte_array_unref(so);
		}
	}
	g_free(l);
}

/* Encrypts chain (first payload type first) into a message of the IKE SA: in an SK payload, or
 * with frag_total > 0 in an SKF fragment. NULL if it cannot be built. */
static GByteArray *seal_message(const struct variant *v, uint8_t exchange, uint8_t flags, uint32_t msg_id,
				uint8_t first, uint16_t frag_num, uint16_t frag_total, const uint8_t *chain, size_t len)
{
	struct ike_sk_cipher c = ike_sk_cipher_for(&v->keys, true);
	struct ike_hdr h = { .spi_i = SPI_I, .spi_r = v->spi_r, .major = 2, .exchange = exchange,
			     .flags = flags, .msg_id = msg_id };
	struct ike_builder b;
	ike_builder_init(&b, &h);
	size_t body_off = 0, body_len = ike_sk_body_len(&c, len);
	bool built = frag_total ? ike_build_skf(&b, first, frag_num, frag_total, body_len, &body_off)
				: ike_build_sk(&b, first, body_len, &body_off);
	if (!built) {
		ike_builder_clear(&b);
		return NULL;
	}
	GByteArray *m = ike_build_finish(&b);
	if (!m)
		return NULL;
	size_t iv_len = ike_sk_iv_len(&c);
	uint8_t iv[16];
	for (size_t i = 0; i < iv_len; i++)
		iv[i] = (uint8_t)(msg_id * 16 + i + frag_num);
	if (len)
		memcpy(m->data + body_off + iv_len, chain, len);
	must(ike_sk_seal(&c, iv, m->data, body_off, len) == IKE_SKV_OK, "SK seal");
	return m;
}

/* Encrypts chain into a request of the IKE SA and feeds it. */
static void send_protected(struct ike_endpoint *ep, const struct variant *v, uint8_t exchange, uint8_t flags,
			   uint32_t msg_id, uint8_t first, const uint8_t *chain, size_t len, int64_t now)
{
	GByteArray *m = seal_message(v, exchange, flags, msg_id, first, 0, 0, chain, len);
	if (!m)
		return;
	feed(ep, m->data, m->len, now);
	g_byte_array_unref(m);
}

/* Raw-record options (the first-payload byte of a raw record). */
enum { RAW_SPIS = 1, RAW_MSG_ID = 2, RAW_NATT = 4, RAW_MARKER = 8 };

/* Delivers a raw record: the datagram as the input gives it, with the options applied, from a
 * heap copy of exactly its length (so an over-read is caught). */
static void send_raw(struct ike_endpoint *ep, const struct variant *v, uint8_t opts, uint32_t msg_id,
		     const uint8_t *dgram, size_t len, int64_t now)
{
	size_t pre = (opts & RAW_MARKER) ? 4 : 0;
	uint8_t *p = g_malloc0(MAX(pre + len, 1));
	memcpy(p + pre, dgram, len);
	uint8_t *h = p + pre;
	if ((opts & RAW_SPIS) && len >= 16) {
		put_u64(h, SPI_I);
		put_u64(h + 8, v->spi_r);
	}
	if ((opts & RAW_MSG_ID) && len >= 24) {
		for (int i = 0; i < 4; i++)
			h[20 + i] = (uint8_t)(msg_id >> (24 - 8 * i));
	}
	uint16_t port = (opts & RAW_NATT) ? IKE_NATT_PORT : IKE_PORT;
	struct ike_dgram d = { .src = { INIT_IP, port }, .dst = { RESP_IP, port }, .data = p, .len = pre + len };
	ike_input(ep, &d, now);
	g_free(p);
}

/* A fragment record held until its message is complete. */
struct held_frag {
	uint8_t fl, exch, first;
	uint32_t msg_id;
	uint16_t num, total;
	GByteArray *piece;
};

/* The AUTH fix-up for a fragmented IKE_AUTH: if the held pieces cover 1..total (the first held
 * fragment's total), fixes their concatenation and cuts it back into the pieces. */
static void fix_auth_fragments(const struct variant *v, bool cert, GArray *held)
{
	const struct held_frag *h0 = &g_array_index(held, struct held_frag, 0);
	unsigned total = h0->total;
	if (total == 0 || total > held->len)
		return;
	struct held_frag **by_num = g_new0(struct held_frag *, total);
	for (guint i = 0; i < held->len; i++) {
		struct held_frag *h = &g_array_index(held, struct held_frag, i);
		if (h->total == total && h->msg_id == h0->msg_id && h->num >= 1 && h->num <= total && !by_num[h->num - 1])
			by_num[h->num - 1] = h;
	}
	GByteArray *all = g_byte_array_new();
	bool complete = true;
	for (unsigned k = 0; k < total && complete; k++) {
		if (by_num[k])
			g_byte_array_append(all, by_num[k]->piece->data, by_num[k]->piece->len);
		else
			complete = false;
	}
	if (complete && all->len) {
		fix_auth(v, cert, by_num[0]->first, all->data, all->len);
		size_t off = 0;
		for (unsigned k = 0; k < total; k++) {
			if (by_num[k]->piece->len) /* an empty piece's data may be NULL */
				memcpy(by_num[k]->piece->data, all->data + off, by_num[k]->piece->len);
			off += by_num[k]->piece->len;
		}
	}
	g_byte_array_unref(all);
	g_free(by_num);
}
static const uint8_t EXCHANGES[4] = { IKE_EXCH_IKE_AUTH, IKE_EXCH_CREATE_CHILD_SA, IKE_EXCH_INFORMATIONAL,
				      IKE_EXCH_IKE_AUTH };

struct auth_run {
	struct run r;
	struct ike_endpoint *ep;
	const struct variant *v;
	bool cert;
	int64_t now;
	GArray *held; /* struct held_frag: fragments of the message being sent */
};

/* After a record's datagram: time moves on, bit 7 fires the SA's timer, the output is dropped. */
static void after_record(struct auth_run *a, uint8_t fl)
{
	a->now += 1000000;
	if ((fl & 0x80) && a->r.timer_sa) {
		a->now = MAX(a->now, a->r.timer_at);
		ike_timer(a->ep, a->r.timer_sa, a->now);
	}
	run_clear(&a->r);
}

/* Seals and feeds the held fragments, in the order they were recorded. */
static void flush_fragments(struct auth_run *a)
{
	if (a->held->len == 0)
		return;
	const struct held_frag *h0 = &g_array_index(a->held, struct held_frag, 0);
	if (h0->exch == IKE_EXCH_IKE_AUTH && !(h0->fl & 0x20))
		fix_auth_fragments(a->v, a->cert, a->held);
	for (guint i = 0; i < a->held->len; i++) {
		struct held_frag *h = &g_array_index(a->held, struct held_frag, i);
		uint8_t flags = IKE_FLAG_INITIATOR | ((h->fl & 0x40) ? IKE_FLAG_RESPONSE : 0);
		GByteArray *m = seal_message(a->v, h->exch, flags, h->msg_id, h->first, h->num, h->total,
					     h->piece->data, h->piece->len);
		if (m) {
			feed(a->ep, m->data, m->len, a->now);
			g_byte_array_unref(m);
		}
		after_record(a, h->fl);
		g_byte_array_unref(h->piece);
	}
	g_array_set_size(a->held, 0);
}

/* Runs the records of an authenticated-mode input; returns the responder's counters at the end
 * (established SAs for the self-check, drops and fragments for the corpus test). */
static struct ike_counters run_authenticated_counters(const uint8_t *data, size_t size, int cipher, int cert)
{
	struct auth_run a = { .v = &variants[cipher][cert], .cert = cert, .now = 1000000 };
	a.ep = establish_init(&a.r, cipher, cert);
	a.held = g_array_new(FALSE, TRUE, sizeof(struct held_frag));
	uint32_t msg_id = 0;
	size_t off = 0;
	while (off < size) {
		uint8_t fl = data[off], first = off + 1 < size ? data[off + 1] : 0;
		size_t len = off + 3 < size ? (size_t)data[off + 2] << 8 | data[off + 3] : 0;
		off = MIN(off + 4, size);
		len = MIN(len, size - off);
		const uint8_t *bytes = data + off;
		off += len;
		uint8_t exch = EXCHANGES[fl & 3];
		if (!(fl & 0x10))
			msg_id++;
		if ((fl & 0x0c) == 0x08) { /* a fragment: held until its message is complete */
			struct held_frag h = { .fl = fl, .exch = exch, .first = first, .msg_id = msg_id };
			if (len >= 4) {
				h.num = (uint16_t)(bytes[0] << 8 | bytes[1]);
				h.total = (uint16_t)(bytes[2] << 8 | bytes[3]);
				bytes += 4;
				len -= 4;
			}
			h.piece = g_byte_array_new();
			g_byte_array_append(h.piece, bytes, (guint)len);
			g_array_append_val(a.held, h);
			if (h.num == h.total)
				flush_fragments(&a);
			continue;
		}
		flush_fragments(&a);
		if (fl & 0x04) {
			send_raw(a.ep, a.v, first, msg_id, bytes, len, a.now);
		} else {
			uint8_t *chain = g_malloc(len + 1);
			memcpy(chain, bytes, len);
			if (exch == IKE_EXCH_IKE_AUTH && !(fl & 0x20))
				fix_auth(a.v, cert, first, chain, len);
			uint8_t flags = IKE_FLAG_INITIATOR | ((fl & 0x40) ? IKE_FLAG_RESPONSE : 0);
			send_protected(a.ep, a.v, exch, flags, msg_id, first, chain, len, a.now);
			g_free(chain);
		}
		after_record(&a, fl);
	}
	flush_fragments(&a);
	g_array_unref(a.held);
	struct ike_counters c = *ike_endpoint_counters(a.ep);
	ike_endpoint_free(a.ep);
	run_clear(&a.r);
	return c;
}

/* Returns the run's count of established SAs (for the self-check). */
static uint64_t run_authenticated(const uint8_t *data, size_t size, int cipher, int cert)
{
	return run_authenticated_counters(data, size, cipher, cert).established;
}

static void run_raw(const uint8_t *data, size_t size, bool cookie_first)
{
	struct run r;
	struct ike_endpoint *ep = responder_new(&r, cookie_first ? 1 : 0, false);
	if (cookie_first) {
		struct variant *v = &variants[0][0];
		if (!v->init_req)
			v->init_req = build_init_request(0, NULL, 0);
		feed(ep, v->init_req->data, v->init_req->len, 0);
	}
	feed(ep, data, size, 1000);
	ike_endpoint_free(ep);
	run_clear(&r);
}

/* ---- seeds ---- */

static void record(GByteArray *out, uint8_t flags, struct ike_builder *b)
{
	uint8_t first = 0;
	GByteArray *pt = ike_build_finish_inner(b, &first);
	must(pt != NULL, "seed build");
	uint8_t hdr[4] = { flags, first, (uint8_t)(pt->len >> 8), (uint8_t)pt->len };
	g_byte_array_append(out, hdr, 4);
	g_byte_array_append(out, pt->data, pt->len);
	g_byte_array_unref(pt);
}

static void seed_esp_sa(struct ike_builder *b, bool gcm, bool pfs)
{
	static const uint8_t spi[4] = { 0xc0, 0xff, 0xee, 0x01 };
	struct ike_transform_spec g[] = { { IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256 },
					  { IKE_XF_DH, IKE_DH_CURVE25519, 0 },
					  { IKE_XF_ESN, 0, 0 } };
	struct ike_transform_spec c[] = { { IKE_XF_ENCR, IKE_ENCR_AES_CBC, 256 },
					  { IKE_XF_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0 },
					  { IKE_XF_ESN, 0, 0 } };
	struct ike_transform_spec gn[] = { { IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256 }, { IKE_XF_ESN, 0, 0 } };
	struct ike_proposal_spec p = { .num = 1, .protocol = IKE_PROTO_ESP, .spi_size = 4, .spi = spi };
	if (gcm && pfs) {
		p.transforms = g;
		p.n_transforms = G_N_ELEMENTS(g);
	} else if (gcm) {
		p.transforms = gn;
		p.n_transforms = G_N_ELEMENTS(gn);
	} else {
		p.transforms = c;
		p.n_transforms = G_N_ELEMENTS(c);
	}
	ike_build_sa(b, &p, 1);
}

static void seed_ts(struct ike_builder *b)
{
	struct ike_ts ts = { .type = IKE_TS_IPV4_ADDR_RANGE, .start_port = 0, .end_port = 65535, .addr_len = 4 };
	memset(ts.end_addr, 0xff, 4);
	ike_build_ts(b, IKE_PL_TSI, &ts, 1);
	ike_build_ts(b, IKE_PL_TSR, &ts, 1);
}

/* An IKE_AUTH request: IDi, AUTH (fixed up by the harness), SA, TS, optionally CP and notifies;
 * for a certificate responder IDi is node 1's subject, then CERT and CERTREQ. */
static void seed_auth(GByteArray *out, bool cp, bool gcm, bool id_ip, bool cert)
{
	struct ike_builder b;
	ike_builder_init_inner(&b);
	if (cert) {
		ike_build_id(&b, IKE_PL_IDI, IKE_ID_DER_ASN1_DN, client_dn->data, client_dn->len);
		ike_build_cert(&b, IKE_PL_CERT, IKE_CERT_X509_SIGNATURE, PKI_CERT1, sizeof PKI_CERT1);
		uint8_t hash[20];
		memset(hash, 0x5a, sizeof hash);
		ike_build_cert(&b, IKE_PL_CERTREQ, IKE_CERT_X509_SIGNATURE, hash, sizeof hash);
		uint8_t blob[SIG_BLOB_LEN] = { 0 };
		ike_build_auth(&b, IKE_AUTH_DIGITAL_SIGNATURE, blob, sizeof blob);
	} else if (id_ip) {
		static const uint8_t ip[4] = { 198, 51, 100, 1 };
		ike_build_id(&b, IKE_PL_IDI, IKE_ID_IPV4_ADDR, ip, 4);
	} else {
		ike_build_id(&b, IKE_PL_IDI, IKE_ID_FQDN, (const uint8_t *)"client.example", 14);
	}
	ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	uint8_t zero[32] = { 0 };
	if (!cert)
		ike_build_auth(&b, IKE_AUTH_SHARED_KEY_MIC, zero, sizeof zero);
	if (cp) {
		struct ike_cp_attr_spec a[] = { { IKE_CP_INTERNAL_IP4_ADDRESS, NULL, 0 },
						{ IKE_CP_INTERNAL_IP4_DNS, NULL, 0 } };
		ike_build_cp(&b, IKE_CFG_REQUEST, a, G_N_ELEMENTS(a));
	}
	seed_esp_sa(&b, gcm, false);
	seed_ts(&b);
	record(out, 0, &b);
}

/* A record whose bytes are given as they are (raw datagrams, fragments). */
static void record_bytes(GByteArray *out, uint8_t flags, uint8_t first, const uint8_t *p, size_t len)
{
	uint8_t hdr[4] = { flags, first, (uint8_t)(len >> 8), (uint8_t)len };
	g_byte_array_append(out, hdr, 4);
	g_byte_array_append(out, p, (guint)len);
}

/* Cuts the plaintext of the record at rec[off..] (one record as record() writes it) into n
 * fragment records of exchange bits exch, appended in the order given (1-based numbers; the
 * first one sent takes the next message ID, the others repeat it). */
static void fragment_record(GByteArray *out, const GByteArray *rec, size_t off, uint8_t exch, unsigned n,
			    const unsigned *order, unsigned n_order, uint16_t total)
{
	uint8_t first = rec->data[off + 1];
	size_t len = (size_t)rec->data[off + 2] << 8 | rec->data[off + 3];
	const uint8_t *chain = rec->data + off + 4;
	for (unsigned i = 0; i < n_order; i++) {
		unsigned k = order[i];
		size_t a = len * (k - 1) / n, b = k > n ? len : len * k / n;
		if (k > n)
			a = b;
		GByteArray *f = g_byte_array_new();
		uint8_t nt[4] = { (uint8_t)(k >> 8), (uint8_t)k, (uint8_t)(total >> 8), (uint8_t)total };
		g_byte_array_append(f, nt, 4);
		g_byte_array_append(f, chain + a, (guint)(b - a));
		record_bytes(out, (uint8_t)(0x08 | exch | (i ? 0x10 : 0)), k == 1 ? first : 0, f->data, f->len);
		g_byte_array_unref(f);
	}
}

/* A DPD (empty INFORMATIONAL request) of the GCM/PSK variant's SA with message ID id, sealed as
 * the harness seals: the bytes a raw record delivers. */
static GByteArray *sealed_dpd(uint32_t id)
{
	GByteArray *m = seal_message(&variants[0][0], IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR, id, 0, 0, 0, NULL, 0);
	must(m != NULL, "sealed DPD");
	return m;
}

/* Seeds that reach an established SA with raw datagrams and fragments:
 * seed-11 raw: a sealed DPD (answered), the same again (a retransmission: the cached answer),
 *   one with its ICV broken, one beyond the message-ID window, a valid one on 4500 behind the
 *   non-ESP marker, the same on 4500 without the marker, and an SKF fragment with its ICV
 *   broken;
 * seed-12 fragments after IKE_AUTH (AES-CBC): a DELETE of the CHILD SA in 3 SKF fragments sent
 *   2, 1, 1 again, 3, then a fragment numbered beyond its total;
 * seed-13, seed-14: IKE_AUTH itself in 3 (PSK) and 4 (certificates) fragments, out of order
 *   (the last one last: it completes the message). */
static void write_seeds_established(const char *dir)
{
	static const uint8_t child_spi[4] = { 0xc0, 0xff, 0xee, 0x01 };
	struct ike_builder b;
	for (int k = 11; k <= 14; k++) {
		GByteArray *s = g_byte_array_new();
		uint8_t mode = k == 12 ? 4 : k == 14 ? 8 : 0;
		g_byte_array_append(s, &mode, 1);
		if (k == 11) {
			seed_auth(s, false, true, false, false);
			/* IKE_AUTH was message 1 */
			GByteArray *d1 = sealed_dpd(2), *d2 = sealed_dpd(3), *d7 = sealed_dpd(9);
			record_bytes(s, 0x06, 0, d1->data, d1->len);	    /* message 2: answered */
			record_bytes(s, 0x16, 0, d1->data, d1->len);	    /* again: the cached answer */
			GByteArray *bad = g_byte_array_new();
			g_byte_array_append(bad, d2->data, d2->len);
			bad->data[bad->len - 1] ^= 0x01;
			record_bytes(s, 0x06, 0, bad->data, bad->len);     /* message 3, ICV broken */
			record_bytes(s, 0x16, 0, d7->data, d7->len);	    /* beyond the window */
			record_bytes(s, 0x16, RAW_NATT | RAW_MARKER, d2->data, d2->len); /* 4500: answered */
			record_bytes(s, 0x16, RAW_NATT, d2->data, d2->len); /* 4500 without the marker */
			/* message 4: fragment 1 of 2 (RFC 7383), its ICV broken */
			GByteArray *f = seal_message(&variants[0][0], IKE_EXCH_INFORMATIONAL, IKE_FLAG_INITIATOR, 4, 0, 1,
						     2, NULL, 0);
			must(f != NULL, "sealed fragment");
			f->data[f->len - 1] ^= 0x01;
			record_bytes(s, 0x06, 0, f->data, f->len);
			g_byte_array_unref(f);
			g_byte_array_unref(bad);
			g_byte_array_unref(d1);
			g_byte_array_unref(d2);
			g_byte_array_unref(d7);
		} else if (k == 12) {
			seed_auth(s, false, false, false, false);
			GByteArray *del = g_byte_array_new();
			ike_builder_init_inner(&b);
			ike_build_notify(&b, IKE_PROTO_NONE, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
			ike_build_delete(&b, IKE_PROTO_ESP, 4, child_spi, 1);
			record(del, 2, &b);
			static const unsigned order[] = { 2, 1, 1, 3 };
			fragment_record(s, del, 0, 2, 3, order, G_N_ELEMENTS(order), 3);
			static const unsigned beyond[] = { 5 };
			fragment_record(s, del, 0, 2, 3, beyond, 1, 3);
			g_byte_array_unref(del);
		} else {
			GByteArray *auth = g_byte_array_new();
			seed_auth(auth, true, true, false, k == 14);
			static const unsigned o3[] = { 2, 1, 3 }, o4[] = { 3, 1, 2, 4 };
			if (k == 13)
				fragment_record(s, auth, 0, 0, 3, o3, 3, 3);
			else
				fragment_record(s, auth, 0, 0, 4, o4, 4, 4);
			g_byte_array_unref(auth);
		}
		g_autofree char *path = g_strdup_printf("%s/seed-%d", dir, k);
		must(g_file_set_contents(path, (const char *)s->data, s->len, NULL), "writing a seed");
		g_byte_array_unref(s);
	}
}

static void write_seeds(const char *dir)
{
	for (int k = 0; k < 11; k++) {
		GByteArray *s = g_byte_array_new();
		bool cert = k == 6 || k == 7;
		uint8_t mode = (uint8_t)((k & 1) << 2 | (cert ? 8 : 0)); /* cipher, authentication */
		g_byte_array_append(s, &mode, 1);
		seed_auth(s, k >= 2, k != 3, k == 4, cert);
		struct ike_builder b;
		if (k == 1 || k == 2) { /* DPD, then a DELETE of the CHILD SA */
			ike_builder_init_inner(&b);
			record(s, 2, &b);
			ike_builder_init_inner(&b);
			static const uint8_t spi[4] = { 0xc0, 0xff, 0xee, 0x01 };
			ike_build_delete(&b, IKE_PROTO_ESP, 4, spi, 1);
			record(s, 2, &b);
		}
		uint8_t n[32];
		memset(n, 0x33, sizeof n);
		static const uint8_t child_spi[4] = { 0xc0, 0xff, 0xee, 0x01 };
		if (k == 3 || k == 4 || k == 9 || k == 10) {
			/* a CHILD SA rekey (3, 4: with PFS and KE; 9: without) or a new CHILD SA with PFS (10) */
			ike_builder_init_inner(&b);
			if (k != 10)
				ike_build_notify(&b, IKE_PROTO_ESP, child_spi, 4, IKE_N_REKEY_SA, NULL, 0);
			seed_esp_sa(&b, true, k != 9);
			ike_build_nonce(&b, n, sizeof n);
			if (k != 9)
				ike_build_ke(&b, IKE_DH_CURVE25519, our_pub, sizeof our_pub);
			seed_ts(&b);
			record(s, 1, &b);
		}
		if (k == 8) { /* an IKE SA rekey, then a DELETE of the old IKE SA */
			ike_builder_init_inner(&b);
			static const uint8_t new_spi[8] = { 0xfe, 0xed, 0xfa, 0xce, 0, 0, 0, 1 };
			struct ike_transform_spec t[] = { { IKE_XF_ENCR, IKE_ENCR_AES_GCM_16, 256 },
							  { IKE_XF_PRF, IKE_PRF_HMAC_SHA2_256, 0 },
							  { IKE_XF_DH, IKE_DH_CURVE25519, 0 } };
			struct ike_proposal_spec p = { .num = 1, .protocol = IKE_PROTO_IKE, .spi_size = 8, .spi = new_spi,
						       .n_transforms = G_N_ELEMENTS(t), .transforms = t };
			ike_build_sa(&b, &p, 1);
			ike_build_nonce(&b, n, sizeof n);
			ike_build_ke(&b, IKE_DH_CURVE25519, our_pub, sizeof our_pub);
			record(s, 1, &b);
			ike_builder_init_inner(&b);
			ike_build_delete(&b, IKE_PROTO_IKE, 0, NULL, 0);
			record(s, 2, &b);
		}
		if (k == 5) { /* IKE SA DELETE, with the timer fired */
			ike_builder_init_inner(&b);
			ike_build_delete(&b, IKE_PROTO_IKE, 0, NULL, 0);
			record(s, 0x82, &b);
		}
		g_autofree char *path = g_strdup_printf("%s/seed-%d", dir, k);
		must(g_file_set_contents(path, (const char *)s->data, s->len, NULL), "writing a seed");
		g_byte_array_unref(s);
	}
	write_seeds_established(dir);
	uint8_t raw[1024];
	GByteArray *init = build_init_request(0, NULL, 0);
	raw[0] = 7;
	must(init->len < sizeof raw - 1, "seed size");
	memcpy(raw + 1, init->data, init->len);
	g_autofree char *path = g_strdup_printf("%s/seed-raw-init", dir);
	must(g_file_set_contents(path, (const char *)raw, init->len + 1, NULL), "writing a seed");
	g_byte_array_unref(init);
}

static void setup(void)
{
	const uint8_t *q = PKI_KEY1;
	client_key = d2i_AutoPrivateKey(NULL, &q, (long)sizeof PKI_KEY1);
	q = PKI_CERT1;
	X509 *x = d2i_X509(NULL, &q, (long)sizeof PKI_CERT1);
	must(client_key && x, "test PKI");
	uint8_t *dn = NULL;
	int n = i2d_X509_NAME(X509_get_subject_name(x), &dn);
	must(n > 0, "subject DN");
	client_dn = g_byte_array_new();
	g_byte_array_append(client_dn, dn, (guint)n);
	OPENSSL_free(dn);
	X509_free(x);
	const struct ike_dh_group *g = ike_dh_group_lookup(IKE_DH_CURVE25519);
	must(g && ike_dh_public_len(g) == sizeof our_pub, "Curve25519");
	uint8_t priv[32];
	memset(priv, 0x61, sizeof priv);
	must(ike_dh_generate(g, priv, sizeof priv, &our_dh, our_pub) == IKE_DHV_OK, "our DH key");
	/* Self-check: the seed IKE_AUTH must establish the SA with either cipher and authentication. */
	for (int k = 0; k < 4; k++) {
		GByteArray *s = g_byte_array_new();
		seed_auth(s, true, true, false, k >= 2);
		must(run_authenticated(s->data, s->len, k & 1, k >= 2) == 1, "the seed IKE_AUTH did not establish the SA");
		g_byte_array_unref(s);
	}
	const char *dir = g_getenv("FUZZ_IKE_RESPONDER_SEEDS");
	if (dir)
		write_seeds(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool done;
	if (!done) {
		setup();
		done = true;
	}
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	if ((mode & 3) == 3)
		run_raw(data + 1, size - 1, mode & 4);
	else
		run_authenticated(data + 1, size - 1, (mode >> 2) & 1, (mode >> 3) & 1);
	return 0;
}
