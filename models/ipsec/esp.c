/* esp.c: RFC 4303 tunnel-mode ESP: build, protect, check and strip, in place.
 *
 * Per SA, the cipher (and HMAC) contexts are keyed once in esp_sa_new; per packet only the IV is
 * set again (EVP_*Init_ex2 with NULL cipher and key) and the HMAC restarted with EVP_MAC_init(ctx,
 * NULL, 0, NULL), which keeps the key (OpenSSL 3.0, openssl#18100). This code allocates nothing
 * per packet, and neither does OpenSSL for AES-GCM/CBC; its HMAC restart and final, though, copy
 * digest contexts, which OpenSSL 3.0 does by re-creating them (2 small allocations per ICV,
 * openssl#25703; OpenSSL 3.5 adds a copy hook that avoids them). No payload byte is copied: the
 * transforms run in place.
 *
 * IVs: AES-GCM uses a 64-bit per-SA counter as its explicit IV (RFC 4106 §3.1 only asks for
 * uniqueness under a key). AES-CBC needs an unpredictable IV (RFC 3602 §2.1): it is the AES
 * encryption, under the SA's own key, of a block holding a 64-bit per-SA counter (NIST SP 800-38A
 * Appendix C, first method), so it is deterministic for the simulator yet unpredictable without
 * the key.
 *
 * Extended sequence numbers (RFC 4303 §2.2.1, RFC 4106 §5) are optional per SA: the high 32 bits
 * go into the GCM AAD (SPI, high, low) or are appended to the HMAC input; a receiver infers them
 * as in RFC 4303 Appendix A2.2. Without ESN an outbound SA is finished after 2^32 - 1 packets. */
#include "models/ipsec/esp.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <string.h>

#define ESP_HDR_LEN 8
#define IPV4_HDR_LEN 20
#define UDP_HDR_LEN 8
#define IPPROTO_ESP_NUM 50
#define IPPROTO_UDP_NUM 17
#define NH_IPV4 4
#define NH_DUMMY 59
#define NATT_PORT 4500
#define REPLAY_MAX 4096u
#define REPLAY_MIN 64u

struct esp_sa {
	struct esp_sa_config cfg;
	EVP_CIPHER_CTX *cipher; /* keyed for cfg.dir; NULL for ENCR_NULL */
	EVP_CIPHER_CTX *ivgen;  /* outbound CBC: AES-ECB under the same key, makes IVs */
	EVP_MAC_CTX *mac;       /* keyed HMAC; NULL for INTEG_NONE */
	size_t iv_len, icv_len, block, mac_len;
	uint8_t salt[4];
	uint64_t seq;    /* outbound: last sequence number sent; inbound: highest authentic seen */
	uint64_t iv_ctr; /* outbound: last IV counter used */
	uint16_t ip_id;
	bool force_iv;
	uint8_t forced_iv[16];
	uint64_t *bitmap; /* inbound replay window: a ring of 64-bit words (RFC 6479 style) */
	uint32_t bitmap_mask;
	int64_t created_ns;
	unsigned events;
	esp_event_fn event_fn;
	void *event_ctx;
	struct esp_sa_stats stats;
};

struct esp_db {
	GHashTable *by_spi;
	struct esp_db_stats stats;
};

G_DEFINE_QUARK(esp-error-quark, esp_error)

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* The Internet checksum of an IPv4 header of `len` bytes (the checksum field included). */
static uint16_t ip_checksum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

const char *esp_verdict_name(enum esp_verdict v)
{
	switch (v) {
	case ESP_OK: return "ok";
	case ESP_ERR_MALFORMED: return "malformed";
	case ESP_ERR_NO_SA: return "no-sa";
	case ESP_ERR_AUTH: return "auth-failed";
	case ESP_ERR_REPLAY: return "replay";
	case ESP_ERR_EXPIRED: return "expired";
	case ESP_ERR_NOSPACE: return "no-space";
	case ESP_ERR_NOT_ESP: return "not-esp";
	case ESP_DUMMY: return "dummy";
	case ESP_VERDICT_COUNT: break;
	}
	return "?";
}

/* ---- SA life cycle ---- */

static bool check_config(const struct esp_sa_config *c, GError **err)
{
	size_t k = c->encr_key_len;
	switch (c->encr) {
	case ESP_ENCR_NULL:
		if (k != 0 || c->integ == ESP_INTEG_NONE) {
			g_set_error(err, ESP_ERROR, 1, "ENCR_NULL needs no key and an integrity algorithm");
			return false;
		}
		break;
	case ESP_ENCR_AES_CBC:
		if (k != 16 && k != 24 && k != 32) {
			g_set_error(err, ESP_ERROR, 1, "AES-CBC key must be 16, 24 or 32 bytes, not %zu", k);
			return false;
		}
		break;
	case ESP_ENCR_AES_GCM16:
		if (k != 20 && k != 28 && k != 36) {
			g_set_error(err, ESP_ERROR, 1,
				    "AES-GCM key material must be 20, 28 or 36 bytes (key + salt), not %zu", k);
			return false;
		}
		if (c->integ != ESP_INTEG_NONE) {
			g_set_error(err, ESP_ERROR, 1, "AES-GCM takes no integrity algorithm");
			return false;
		}
		break;
	default:
		g_set_error(err, ESP_ERROR, 1, "unknown encryption algorithm %d", (int)c->encr);
		return false;
	}
	size_t want = c->integ == ESP_INTEG_HMAC_SHA1_96 ? 20 : c->integ == ESP_INTEG_HMAC_SHA256_128 ? 32 : 0;
	if (c->integ > ESP_INTEG_HMAC_SHA256_128 || c->integ_key_len != want) {
		g_set_error(err, ESP_ERROR, 1, "integrity key must be %zu bytes, not %zu", want, c->integ_key_len);
		return false;
	}
	if (c->replay_window != 0 && (c->replay_window < REPLAY_MIN || c->replay_window > REPLAY_MAX)) {
		g_set_error(err, ESP_ERROR, 1, "replay window must be %u..%u, not %u", REPLAY_MIN, REPLAY_MAX,
			    c->replay_window);
		return false;
	}
	if (c->dir != ESP_DIR_OUT && c->dir != ESP_DIR_IN) {
		g_set_error(err, ESP_ERROR, 1, "unknown direction %d", (int)c->dir);
		return false;
	}
	return true;
}

static const char *cipher_name(enum esp_encr e, size_t key_len)
{
	if (e == ESP_ENCR_AES_GCM16)
		return key_len == 16 ? "AES-128-GCM" : key_len == 24 ? "AES-192-GCM" : "AES-256-GCM";
	return key_len == 16 ? "AES-128-CBC" : key_len == 24 ? "AES-192-CBC" : "AES-256-CBC";
}

static EVP_CIPHER_CTX *keyed_cipher(const char *name, const uint8_t *key, bool enc, bool no_padding)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	bool ok = c && ctx && EVP_CipherInit_ex2(ctx, c, key, NULL, enc ? 1 : 0, NULL);
	if (ok && no_padding)
		ok = EVP_CIPHER_CTX_set_padding(ctx, 0);
	EVP_CIPHER_free(c); /* the context holds its own reference */
	if (!ok) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static EVP_MAC_CTX *keyed_hmac(const char *digest, const uint8_t *key, size_t key_len)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac);
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0),
		OSSL_PARAM_construct_end(),
	};
	if (!ctx || !EVP_MAC_init(ctx, key, key_len, params)) {
		EVP_MAC_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static uint32_t round_up_pow2(uint32_t v)
{
	uint32_t p = 1;
	while (p < v)
		p <<= 1;
	return p;
}

struct esp_sa *esp_sa_new(const struct esp_sa_config *cfg, int64_t now, GError **err)
{
	if (!check_config(cfg, err))
		return NULL;
	struct esp_sa *sa = g_new0(struct esp_sa, 1);
	sa->cfg = *cfg;
	struct esp_sa_config *c = &sa->cfg;
	if (!c->natt_sport)
		c->natt_sport = NATT_PORT;
	if (!c->natt_dport)
		c->natt_dport = NATT_PORT;
	if (!c->replay_window)
		c->replay_window = REPLAY_MIN;
	if (!c->ttl)
		c->ttl = 64;
	if (!c->soft_seq)
		c->soft_seq = UINT32_MAX - (1u << 20);
	sa->created_ns = now;
	bool enc = c->dir == ESP_DIR_OUT;
	bool ok = true;
	switch (c->encr) {
	case ESP_ENCR_NULL:
		sa->block = 4;
		break;
	case ESP_ENCR_AES_CBC:
		sa->block = 16;
		sa->iv_len = 16;
		sa->cipher = keyed_cipher(cipher_name(c->encr, c->encr_key_len), c->encr_key, enc, true);
		ok = sa->cipher != NULL;
		if (ok && enc) {
			const char *ecb = c->encr_key_len == 16 ? "AES-128-ECB"
					  : c->encr_key_len == 24 ? "AES-192-ECB" : "AES-256-ECB";
			sa->ivgen = keyed_cipher(ecb, c->encr_key, true, true);
			ok = sa->ivgen != NULL;
		}
		break;
	case ESP_ENCR_AES_GCM16: {
		size_t k = c->encr_key_len - 4;
		sa->block = 4;
		sa->iv_len = 8;
		sa->icv_len = 16;
		memcpy(sa->salt, c->encr_key + k, 4);
		sa->cipher = keyed_cipher(cipher_name(c->encr, k), c->encr_key, enc, false);
		ok = sa->cipher != NULL;
		break;
	}
	}
	if (ok && c->integ != ESP_INTEG_NONE) {
		bool sha1 = c->integ == ESP_INTEG_HMAC_SHA1_96;
		sa->icv_len = sha1 ? 12 : 16;
		sa->mac_len = sha1 ? 20 : 32;
		sa->mac = keyed_hmac(sha1 ? "SHA1" : "SHA256", c->integ_key, c->integ_key_len);
		ok = sa->mac != NULL;
	}
	if (!ok) {
		g_set_error(err, ESP_ERROR, 2, "OpenSSL could not key the SA's cipher or MAC");
		esp_sa_free(sa);
		return NULL;
	}
	if (c->dir == ESP_DIR_IN) {
		/* one spare word so that clearing whole words never drops bits still in the window */
		uint32_t words = round_up_pow2(c->replay_window / 64 + 2);
		sa->bitmap = g_new0(uint64_t, words);
		sa->bitmap_mask = words - 1;
	}
	return sa;
}

void esp_sa_free(struct esp_sa *sa)
{
	if (!sa)
		return;
	EVP_CIPHER_CTX_free(sa->cipher);
	EVP_CIPHER_CTX_free(sa->ivgen);
	EVP_MAC_CTX_free(sa->mac);
	g_free(sa->bitmap);
	OPENSSL_cleanse(sa, sizeof *sa);
	g_free(sa);
}

void esp_sa_set_event_fn(struct esp_sa *sa, esp_event_fn fn, void *ctx)
{
	sa->event_fn = fn;
	sa->event_ctx = ctx;
}

const struct esp_sa_config *esp_sa_config(const struct esp_sa *sa)
{
	return &sa->cfg;
}

const struct esp_sa_stats *esp_sa_stats(const struct esp_sa *sa)
{
	return &sa->stats;
}

unsigned esp_sa_events(const struct esp_sa *sa)
{
	return sa->events;
}

uint64_t esp_sa_seq(const struct esp_sa *sa)
{
	return sa->seq;
}

void esp_sa_force_next(struct esp_sa *sa, uint64_t next_seq, const uint8_t *iv, size_t iv_len)
{
	g_return_if_fail(next_seq > 0);
	sa->seq = next_seq - 1;
	if (sa->bitmap)
		memset(sa->bitmap, 0, (sa->bitmap_mask + 1) * sizeof *sa->bitmap);
	sa->force_iv = iv != NULL;
	if (iv) {
		g_return_if_fail(iv_len == sa->iv_len);
		memcpy(sa->forced_iv, iv, iv_len);
	}
}

static size_t trailer_len(const struct esp_sa *sa, size_t payload_len)
{
	size_t padded = (payload_len + 2 + sa->block - 1) / sa->block * sa->block;
	return padded - payload_len + sa->icv_len;
}

size_t esp_sa_overhead(const struct esp_sa *sa, size_t inner_len)
{
	size_t outer = IPV4_HDR_LEN + (sa->cfg.natt ? UDP_HDR_LEN : 0);
	return outer + ESP_HDR_LEN + sa->iv_len + trailer_len(sa, inner_len);
}

/* ---- lifetimes ---- */

static void raise_event(struct esp_sa *sa, enum esp_event ev)
{
	if (ev == ESP_EV_HARD && !(sa->events & ESP_EV_SOFT))
		raise_event(sa, ESP_EV_SOFT);
	if (sa->events & ev)
		return;
	sa->events |= ev;
	if (sa->event_fn)
		sa->event_fn(sa, ev, sa->event_ctx);
}

static void check_time(struct esp_sa *sa, int64_t now)
{
	int64_t age = now - sa->created_ns;
	if (sa->cfg.hard_time_ns && age >= sa->cfg.hard_time_ns)
		raise_event(sa, ESP_EV_HARD);
	else if (sa->cfg.soft_time_ns && age >= sa->cfg.soft_time_ns)
		raise_event(sa, ESP_EV_SOFT);
}

unsigned esp_sa_poll(struct esp_sa *sa, int64_t now)
{
	check_time(sa, now);
	return sa->events;
}

/* Counts an accepted packet and raises the lifetime events it causes. */
static void account(struct esp_sa *sa, size_t inner_len)
{
	struct esp_sa_stats *s = &sa->stats;
	const struct esp_sa_config *c = &sa->cfg;
	s->packets++;
	s->bytes += inner_len;
	if ((c->hard_packets && s->packets >= c->hard_packets) || (c->hard_bytes && s->bytes >= c->hard_bytes))
		raise_event(sa, ESP_EV_HARD);
	else if ((c->soft_packets && s->packets >= c->soft_packets) || (c->soft_bytes && s->bytes >= c->soft_bytes))
		raise_event(sa, ESP_EV_SOFT);
	if (c->dir == ESP_DIR_OUT && !c->esn) {
		if (sa->seq >= UINT32_MAX)
			raise_event(sa, ESP_EV_HARD);
		else if (sa->seq >= c->soft_seq)
			raise_event(sa, ESP_EV_SOFT);
	}
}

static enum esp_verdict drop(struct esp_sa *sa, enum esp_verdict v)
{
	sa->stats.drops[v]++;
	return v;
}

/* ---- anti-replay window (RFC 4303 §3.4.3, Appendix A; bitmap as in RFC 6479) ---- */

static bool replay_ok(const struct esp_sa *sa, uint64_t seq)
{
	if (seq == 0)
		return false;
	if (seq > sa->seq)
		return true;
	if (sa->seq - seq >= sa->cfg.replay_window)
		return false;
	uint64_t word = sa->bitmap[(seq >> 6) & sa->bitmap_mask];
	return !((word >> (seq & 63)) & 1);
}

/* The full 64-bit sequence number of a packet that carries `low` (RFC 4303 Appendix A2.2); 0
 * (never valid) when it would lie before the start of the sequence space. */
static uint64_t infer_seq(const struct esp_sa *sa, uint32_t low)
{
	if (!sa->cfg.esn)
		return low;
	uint32_t w = sa->cfg.replay_window;
	uint32_t tl = (uint32_t)sa->seq, th = (uint32_t)(sa->seq >> 32);
	uint32_t bottom = tl - w + 1; /* modulo 2^32 */
	uint32_t hi;
	if (tl >= w - 1) { /* the window lies within one subspace */
		hi = low >= bottom ? th : th + 1;
	} else if (low >= bottom) { /* the window spans two subspaces; low is in the older one */
		if (th == 0)
			return 0;
		hi = th - 1;
	} else {
		hi = th;
	}
	return (uint64_t)hi << 32 | low;
}

/* Marks `seq` as received; call only after its ICV verified. */
static void replay_update(struct esp_sa *sa, uint64_t seq)
{
	if (seq > sa->seq) {
		uint64_t from = sa->seq >> 6, to = seq >> 6;
		uint64_t n = to - from;
		if (n > sa->bitmap_mask + 1)
			n = sa->bitmap_mask + 1;
		for (uint64_t i = 1; i <= n; i++)
			sa->bitmap[(from + i) & sa->bitmap_mask] = 0;
		sa->seq = seq;
	}
	sa->bitmap[(seq >> 6) & sa->bitmap_mask] |= UINT64_C(1) << (seq & 63);
}

/* ---- transforms ---- */

/* The HMAC of `n` bytes at `d`, followed by the high sequence bits when ESN is on. */
static void hmac(struct esp_sa *sa, const uint8_t *d, size_t n, uint32_t seq_hi, uint8_t out[32])
{
	size_t outl = 0;
	uint8_t hi[4];
	put32(hi, seq_hi);
	bool ok = EVP_MAC_init(sa->mac, NULL, 0, NULL) && EVP_MAC_update(sa->mac, d, n) &&
		  (!sa->cfg.esn || EVP_MAC_update(sa->mac, hi, 4)) && EVP_MAC_final(sa->mac, out, &outl, 32);
	if (!ok || outl != sa->mac_len)
		g_error("esp: HMAC failed");
}

static void gcm_nonce(const struct esp_sa *sa, const uint8_t *iv, uint8_t nonce[12])
{
	memcpy(nonce, sa->salt, 4);
	memcpy(nonce + 4, iv, 8);
}

/* Fills the explicit IV of the next outbound packet. */
static void next_iv(struct esp_sa *sa, uint8_t *iv)
{
	if (sa->force_iv) {
		memcpy(iv, sa->forced_iv, sa->iv_len);
		sa->force_iv = false;
		return;
	}
	sa->iv_ctr++;
	if (sa->cfg.encr == ESP_ENCR_AES_GCM16) {
		put64(iv, sa->iv_ctr);
		return;
	}
	uint8_t blk[16] = { 0 };
	int outl = 0;
	put64(blk + 8, sa->iv_ctr);
	if (!EVP_EncryptUpdate(sa->ivgen, iv, &outl, blk, 16) || outl != 16)
		g_error("esp: IV generation failed");
}

/* The GCM AAD: SPI and sequence number, 8 bytes, or 12 with ESN (RFC 4106 §5). */
static size_t gcm_aad(const struct esp_sa *sa, const uint8_t *esp, uint32_t seq_hi, uint8_t aad[12])
{
	if (!sa->cfg.esn) {
		memcpy(aad, esp, 8);
		return 8;
	}
	memcpy(aad, esp, 4);
	put32(aad + 4, seq_hi);
	memcpy(aad + 8, esp + 4, 4);
	return 12;
}

/* Protects `n` bytes at `p` (payload + trailer, already padded) in place; `esp` is the ESP header
 * (followed by the IV); the ICV goes to `icv`. */
static void protect(struct esp_sa *sa, const uint8_t *esp, uint8_t *p, size_t n, uint32_t seq_hi, uint8_t *icv)
{
	const uint8_t *iv = esp + ESP_HDR_LEN;
	int outl = 0, fl = 0;
	bool ok = true;
	if (sa->cfg.encr == ESP_ENCR_AES_GCM16) {
		uint8_t nonce[12], aad[12];
		gcm_nonce(sa, iv, nonce);
		size_t aad_len = gcm_aad(sa, esp, seq_hi, aad);
		OSSL_PARAM tag[] = {
			OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, icv, 16),
			OSSL_PARAM_construct_end(),
		};
		ok = EVP_EncryptInit_ex2(sa->cipher, NULL, NULL, nonce, NULL) &&
		     EVP_EncryptUpdate(sa->cipher, NULL, &outl, aad, (int)aad_len) &&
		     EVP_EncryptUpdate(sa->cipher, p, &outl, p, (int)n) &&
		     EVP_EncryptFinal_ex(sa->cipher, p + outl, &fl) &&
		     EVP_CIPHER_CTX_get_params(sa->cipher, tag);
		if (!ok || (size_t)(outl + fl) != n)
			g_error("esp: AES-GCM encryption failed");
		return;
	}
	if (sa->cfg.encr == ESP_ENCR_AES_CBC) {
		ok = EVP_EncryptInit_ex2(sa->cipher, NULL, NULL, iv, NULL) &&
		     EVP_EncryptUpdate(sa->cipher, p, &outl, p, (int)n);
		if (!ok || (size_t)outl != n)
			g_error("esp: AES-CBC encryption failed");
	}
	if (sa->mac) {
		uint8_t m[32];
		hmac(sa, esp, (size_t)(p + n - esp), seq_hi, m);
		memcpy(icv, m, sa->icv_len);
	}
}

/* Checks the ICV and decrypts in place; false when the ICV does not verify. */
static bool unprotect(struct esp_sa *sa, const uint8_t *esp, uint8_t *p, size_t n, uint32_t seq_hi,
		      const uint8_t *icv)
{
	const uint8_t *iv = esp + ESP_HDR_LEN;
	int outl = 0, fl = 0;
	if (sa->cfg.encr == ESP_ENCR_AES_GCM16) {
		uint8_t nonce[12], aad[12];
		gcm_nonce(sa, iv, nonce);
		size_t aad_len = gcm_aad(sa, esp, seq_hi, aad);
		OSSL_PARAM tag[] = {
			OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, (void *)icv, 16),
			OSSL_PARAM_construct_end(),
		};
		bool ok = EVP_DecryptInit_ex2(sa->cipher, NULL, NULL, nonce, NULL) &&
			  EVP_DecryptUpdate(sa->cipher, NULL, &outl, aad, (int)aad_len) &&
			  EVP_DecryptUpdate(sa->cipher, p, &outl, p, (int)n) &&
			  EVP_CIPHER_CTX_set_params(sa->cipher, tag);
		if (!ok)
			g_error("esp: AES-GCM decryption failed");
		return EVP_DecryptFinal_ex(sa->cipher, p + outl, &fl) > 0;
	}
	if (sa->mac) {
		uint8_t m[32];
		hmac(sa, esp, (size_t)(p + n - esp), seq_hi, m);
		if (CRYPTO_memcmp(m, icv, sa->icv_len) != 0)
			return false;
	}
	if (sa->cfg.encr == ESP_ENCR_AES_CBC) {
		bool ok = EVP_DecryptInit_ex2(sa->cipher, NULL, NULL, iv, NULL) &&
			  EVP_DecryptUpdate(sa->cipher, p, &outl, p, (int)n);
		if (!ok || (size_t)outl != n)
			g_error("esp: AES-CBC decryption failed");
	}
	return true;
}

/* ---- the ESP layer ---- */

/* esp_seal with `extra_head` more bytes of headroom required (for the outer headers). */
static enum esp_verdict seal(struct esp_sa *sa, struct esp_buf *b, uint8_t nh, size_t extra_head, int64_t now)
{
	g_return_val_if_fail(sa->cfg.dir == ESP_DIR_OUT, ESP_ERR_NO_SA);
	check_time(sa, now);
	if ((sa->events & ESP_EV_HARD) || sa->seq >= (sa->cfg.esn ? UINT64_MAX : UINT32_MAX))
		return drop(sa, ESP_ERR_EXPIRED);
	size_t len = b->len;
	size_t tail = trailer_len(sa, len);
	size_t head = ESP_HDR_LEN + sa->iv_len;
	if (b->tailroom < tail || b->headroom < head + extra_head)
		return drop(sa, ESP_ERR_NOSPACE);
	size_t n = len + tail - sa->icv_len; /* payload + padding + pad length + next header */
	size_t pad = n - len - 2;
	uint8_t *p = b->data;
	for (size_t i = 0; i < pad; i++)
		p[len + i] = (uint8_t)(i + 1);
	p[len + pad] = (uint8_t)pad;
	p[len + pad + 1] = nh;
	uint8_t *esp = p - head;
	sa->seq++;
	put32(esp, sa->cfg.spi);
	put32(esp + 4, (uint32_t)sa->seq);
	if (sa->iv_len)
		next_iv(sa, esp + ESP_HDR_LEN);
	protect(sa, esp, p, n, (uint32_t)(sa->seq >> 32), p + n);
	b->data = esp;
	b->len = head + len + tail;
	b->headroom -= head;
	b->tailroom -= tail;
	account(sa, len);
	return ESP_OK;
}

enum esp_verdict esp_seal(struct esp_sa *sa, struct esp_buf *b, uint8_t next_header, int64_t now)
{
	return seal(sa, b, next_header, 0, now);
}

/* Checks and strips the ESP layer at `b` (not counting the packet as accepted). */
static enum esp_verdict open_esp(struct esp_sa *sa, struct esp_buf *b, uint8_t *nh, int64_t now)
{
	g_return_val_if_fail(sa->cfg.dir == ESP_DIR_IN, ESP_ERR_NO_SA);
	check_time(sa, now);
	if (sa->events & ESP_EV_HARD)
		return drop(sa, ESP_ERR_EXPIRED);
	size_t head = ESP_HDR_LEN + sa->iv_len;
	if (b->len < head + sa->icv_len + 4)
		return drop(sa, ESP_ERR_MALFORMED);
	size_t n = b->len - head - sa->icv_len;
	if (n % sa->block)
		return drop(sa, ESP_ERR_MALFORMED);
	uint8_t *esp = b->data;
	if (get32(esp) != sa->cfg.spi)
		return drop(sa, ESP_ERR_NO_SA);
	uint64_t seq = infer_seq(sa, get32(esp + 4));
	if (!replay_ok(sa, seq))
		return drop(sa, ESP_ERR_REPLAY);
	uint8_t *p = esp + head;
	if (!unprotect(sa, esp, p, n, (uint32_t)(seq >> 32), p + n))
		return drop(sa, ESP_ERR_AUTH);
	replay_update(sa, seq);
	size_t pad = p[n - 2];
	if (pad + 2 > n)
		return drop(sa, ESP_ERR_MALFORMED);
	size_t len = n - 2 - pad;
	for (size_t i = 0; i < pad; i++)
		if (p[len + i] != (uint8_t)(i + 1))
			return drop(sa, ESP_ERR_MALFORMED);
	*nh = p[n - 1];
	b->data = p;
	b->len = len;
	b->headroom += head;
	b->tailroom += pad + 2 + sa->icv_len;
	if (*nh == NH_DUMMY)
		return drop(sa, ESP_DUMMY);
	return ESP_OK;
}

enum esp_verdict esp_open(struct esp_sa *sa, struct esp_buf *b, uint8_t *next_header, int64_t now)
{
	enum esp_verdict v = open_esp(sa, b, next_header, now);
	if (v == ESP_OK)
		account(sa, b->len);
	return v;
}

/* ---- tunnel mode ---- */

/* A plausible IPv4 packet of exactly `len` bytes? */
static bool inner_ok(const uint8_t *p, size_t len)
{
	return len >= IPV4_HDR_LEN && (p[0] >> 4) == 4 && (size_t)(p[0] & 15) * 4 >= IPV4_HDR_LEN &&
	       (size_t)(p[0] & 15) * 4 <= len && get16(p + 2) == len;
}

enum esp_verdict esp_encap(struct esp_sa *sa, struct esp_buf *b, int64_t now)
{
	g_return_val_if_fail(sa->cfg.dir == ESP_DIR_OUT, ESP_ERR_NO_SA);
	const struct esp_sa_config *c = &sa->cfg;
	if (!inner_ok(b->data, b->len))
		return drop(sa, ESP_ERR_MALFORMED);
	uint8_t tos = b->data[1];
	uint16_t inner_frag = get16(b->data + 6);
	size_t outer = IPV4_HDR_LEN + (c->natt ? UDP_HDR_LEN : 0);
	enum esp_verdict v = seal(sa, b, NH_IPV4, outer, now);
	if (v != ESP_OK)
		return v;
	size_t esp_len = b->len;
	b->data -= outer;
	b->len += outer;
	b->headroom -= outer;
	uint8_t *ip = b->data;
	uint16_t frag = 0;
	if (c->df == ESP_DF_SET || (c->df == ESP_DF_COPY && (inner_frag & 0x4000)))
		frag = 0x4000;
	ip[0] = 0x45;
	ip[1] = tos; /* DSCP and ECN copied (RFC 4301 §5.1.2.1, RFC 6040 normal mode) */
	put16(ip + 2, (uint16_t)b->len);
	put16(ip + 4, sa->ip_id++);
	put16(ip + 6, frag);
	ip[8] = c->ttl;
	ip[9] = c->natt ? IPPROTO_UDP_NUM : IPPROTO_ESP_NUM;
	put16(ip + 10, 0);
	put32(ip + 12, c->src);
	put32(ip + 16, c->dst);
	put16(ip + 10, ip_checksum(ip, IPV4_HDR_LEN));
	if (c->natt) {
		uint8_t *udp = ip + IPV4_HDR_LEN;
		put16(udp, c->natt_sport);
		put16(udp + 2, c->natt_dport);
		put16(udp + 4, (uint16_t)(UDP_HDR_LEN + esp_len));
		put16(udp + 6, 0); /* RFC 3948 §2.1: the checksum SHOULD be 0 */
	}
	return ESP_OK;
}

/* Parses the outer headers: ESP offset, SPI, outer destination, IP total length. */
static enum esp_verdict peek(const struct esp_buf *b, uint32_t *spi, uint32_t *dst, size_t *esp_off,
			     size_t *tot_len)
{
	const uint8_t *ip = b->data;
	if (b->len < IPV4_HDR_LEN || (ip[0] >> 4) != 4)
		return ESP_ERR_MALFORMED;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	size_t tot = get16(ip + 2);
	if (ihl < IPV4_HDR_LEN || tot < ihl || tot > b->len || ip_checksum(ip, ihl) != 0)
		return ESP_ERR_MALFORMED;
	if (get16(ip + 6) & 0x3fff) /* a fragment: reassembly is the caller's */
		return ESP_ERR_MALFORMED;
	size_t off = ihl;
	if (ip[9] == IPPROTO_UDP_NUM) {
		if (tot < ihl + UDP_HDR_LEN || get16(ip + ihl + 4) != tot - ihl)
			return ESP_ERR_MALFORMED;
		off += UDP_HDR_LEN;
		size_t left = tot - off;
		if (left == 1 && ip[off] == 0xff) /* NAT keepalive (RFC 3948 §2.3) */
			return ESP_ERR_NOT_ESP;
		if (left >= 4 && get32(ip + off) == 0) /* non-ESP marker: IKE (RFC 3948 §2.2) */
			return ESP_ERR_NOT_ESP;
	} else if (ip[9] != IPPROTO_ESP_NUM) {
		return ESP_ERR_NOT_ESP;
	}
	if (tot < off + ESP_HDR_LEN)
		return ESP_ERR_MALFORMED;
	*spi = get32(ip + off);
	*dst = get32(ip + 16);
	*esp_off = off;
	*tot_len = tot;
	return ESP_OK;
}

enum esp_verdict esp_peek(const struct esp_buf *b, uint32_t *spi, uint32_t *dst, size_t *esp_off)
{
	size_t tot;
	return peek(b, spi, dst, esp_off, &tot);
}

/* esp_decap after the outer headers were parsed by peek(). */
static enum esp_verdict decap_at(struct esp_sa *sa, struct esp_buf *b, size_t off, size_t tot, int64_t now)
{
	struct esp_buf e = {
		.data = b->data + off,
		.len = tot - off,
		.headroom = b->headroom + off,
		.tailroom = b->tailroom + (b->len - tot),
	};
	uint8_t nh = 0;
	enum esp_verdict v = open_esp(sa, &e, &nh, now);
	if (v != ESP_OK)
		return v;
	if (nh != NH_IPV4 || !inner_ok(e.data, e.len))
		return drop(sa, ESP_ERR_MALFORMED);
	*b = e;
	account(sa, e.len);
	return ESP_OK;
}

enum esp_verdict esp_decap(struct esp_sa *sa, struct esp_buf *b, int64_t now)
{
	g_return_val_if_fail(sa->cfg.dir == ESP_DIR_IN, ESP_ERR_NO_SA);
	uint32_t spi = 0, dst = 0;
	size_t off = 0, tot = 0;
	enum esp_verdict v = peek(b, &spi, &dst, &off, &tot);
	if (v != ESP_OK)
		return drop(sa, v);
	if (spi != sa->cfg.spi || dst != sa->cfg.dst)
		return drop(sa, ESP_ERR_NO_SA);
	return decap_at(sa, b, off, tot, now);
}

/* ---- SA database ---- */

struct esp_db *esp_db_new(void)
{
	struct esp_db *db = g_new0(struct esp_db, 1);
	db->by_spi = g_hash_table_new(g_direct_hash, g_direct_equal);
	return db;
}

void esp_db_free(struct esp_db *db)
{
	if (!db)
		return;
	g_hash_table_destroy(db->by_spi);
	g_free(db);
}

bool esp_db_add(struct esp_db *db, struct esp_sa *sa)
{
	gpointer key = GUINT_TO_POINTER(sa->cfg.spi);
	if (g_hash_table_contains(db->by_spi, key))
		return false;
	g_hash_table_insert(db->by_spi, key, sa);
	return true;
}

struct esp_sa *esp_db_remove(struct esp_db *db, uint32_t spi)
{
	gpointer key = GUINT_TO_POINTER(spi);
	struct esp_sa *sa = g_hash_table_lookup(db->by_spi, key);
	if (sa)
		g_hash_table_remove(db->by_spi, key);
	return sa;
}

struct esp_sa *esp_db_lookup(const struct esp_db *db, uint32_t spi, uint32_t dst)
{
	struct esp_sa *sa = g_hash_table_lookup(db->by_spi, GUINT_TO_POINTER(spi));
	return sa && sa->cfg.dst == dst ? sa : NULL;
}

const struct esp_db_stats *esp_db_stats(const struct esp_db *db)
{
	return &db->stats;
}

enum esp_verdict esp_db_decap(struct esp_db *db, struct esp_buf *b, int64_t now, struct esp_sa **sa_out)
{
	uint32_t spi = 0, dst = 0;
	size_t off = 0, tot = 0;
	*sa_out = NULL;
	enum esp_verdict v = peek(b, &spi, &dst, &off, &tot);
	if (v == ESP_ERR_NOT_ESP) {
		db->stats.not_esp++;
		return v;
	}
	if (v != ESP_OK) {
		db->stats.malformed++;
		return v;
	}
	struct esp_sa *sa = esp_db_lookup(db, spi, dst);
	if (!sa) {
		db->stats.no_sa++;
		return ESP_ERR_NO_SA;
	}
	*sa_out = sa;
	return decap_at(sa, b, off, tot, now);
}

/* ---- Wireshark ---- */

static void append_hex(GString *s, const uint8_t *p, size_t n)
{
	g_string_append(s, "0x");
	for (size_t i = 0; i < n; i++)
		g_string_append_printf(s, "%02x", p[i]);
}

static void append_ip(GString *s, uint32_t a)
{
	g_string_append_printf(s, "\"%u.%u.%u.%u\",", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

char *esp_sa_wireshark_row(const struct esp_sa *sa)
{
	const struct esp_sa_config *c = &sa->cfg;
	GString *s = g_string_new("\"IPv4\",");
	append_ip(s, c->src);
	append_ip(s, c->dst);
	g_string_append_printf(s, "\"0x%08x\",", c->spi);
	const char *encr = c->encr == ESP_ENCR_AES_GCM16 ? "AES-GCM with 16 octet ICV [RFC4106]"
			   : c->encr == ESP_ENCR_AES_CBC ? "AES-CBC [RFC3602]" : "NULL";
	g_string_append_printf(s, "\"%s\",\"", encr);
	if (c->encr_key_len)
		append_hex(s, c->encr_key, c->encr_key_len);
	const char *auth = c->integ == ESP_INTEG_HMAC_SHA1_96 ? "HMAC-SHA-1-96 [RFC2404]"
			   : c->integ == ESP_INTEG_HMAC_SHA256_128 ? "HMAC-SHA-256-128 [RFC4868]" : "NULL";
	g_string_append_printf(s, "\",\"%s\",\"", auth);
	if (c->integ_key_len)
		append_hex(s, c->integ_key, c->integ_key_len);
	g_string_append(s, "\"");
	return g_string_free(s, FALSE);
}
