/* esp.h: RFC 4303 tunnel-mode ESP over IPv4 (optionally UDP-encapsulated, RFC 3948): SAs, an
 * SA database keyed by SPI, and in-place encapsulation and decapsulation of packets.
 *
 * Sans-I/O: no sockets, no clock, no global state. Every call that depends on time takes `now`
 * (virtual nanoseconds). Packets are viewed through struct esp_buf, a window into a larger buffer
 * with free head- and tailroom, so headers and trailers are written in place and nothing is
 * copied or allocated per packet. Depends on GLib and OpenSSL 3 (EVP, EVP_MAC, OSSL_PARAM). */
#ifndef MODELS_IPSEC_ESP_H
#define MODELS_IPSEC_ESP_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A packet: `len` bytes at `data`, with `headroom` free bytes just before and `tailroom` free
 * bytes just after, all in one buffer the caller owns. Encapsulation grows the packet into both;
 * decapsulation shrinks it and gives the bytes back to head- and tailroom. */
struct esp_buf {
	uint8_t *data;
	size_t len;
	size_t headroom;
	size_t tailroom;
};

/* Worst-case room encapsulation needs: outer IPv4 (20) + UDP (8) + ESP header (8) + IV (16)
 * before the packet; padding (15) + pad length and next header (2) + ICV (16) after it. */
#define ESP_MAX_HEADROOM 52
#define ESP_MAX_TAILROOM 33

enum esp_encr {
	ESP_ENCR_NULL,      /* RFC 2410: no confidentiality; needs an integrity algorithm */
	ESP_ENCR_AES_CBC,   /* RFC 3602: 16- or 32-byte key, 16-byte IV */
	ESP_ENCR_AES_GCM16, /* RFC 4106: 16- or 32-byte key + 4-byte salt, 8-byte IV, 16-byte ICV */
};

enum esp_integ {
	ESP_INTEG_NONE,              /* only with AES-GCM (or AES-CBC for encryption-only tests) */
	ESP_INTEG_HMAC_SHA1_96,      /* RFC 2404: 20-byte key, 12-byte ICV */
	ESP_INTEG_HMAC_SHA256_128,   /* RFC 4868: 32-byte key, 16-byte ICV */
};

enum esp_dir { ESP_DIR_OUT, ESP_DIR_IN };

/* What to do with the DF bit of the outer header (RFC 4301 §8.1). */
enum esp_df { ESP_DF_COPY, ESP_DF_SET, ESP_DF_CLEAR };

/* Everything an SA is made from. Addresses and ports are in host byte order. Zero means
 * "default" or "unlimited" where noted. */
struct esp_sa_config {
	enum esp_dir dir;
	uint32_t spi;
	uint32_t src, dst;    /* outer (tunnel endpoint) addresses */
	enum esp_encr encr;
	uint8_t encr_key[36]; /* for GCM: key followed by the 4-byte salt (RFC 4106 §8.1) */
	size_t encr_key_len;  /* CBC: 16 or 32; GCM: 20 or 36; NULL: 0 */
	enum esp_integ integ;
	uint8_t integ_key[32];
	size_t integ_key_len; /* 20 for SHA1-96, 32 for SHA256-128 */
	bool natt;            /* UDP encapsulation (RFC 3948) */
	bool esn;             /* 64-bit extended sequence numbers (RFC 4303 §2.2.1) */
	uint16_t natt_sport, natt_dport; /* 0: 4500 */
	unsigned replay_window;          /* inbound: packets, 64..4096; 0: 64 */
	uint8_t ttl;                     /* outer TTL; 0: 64 */
	enum esp_df df;
	/* lifetimes (RFC 4301 §4.4.2.1); 0: unlimited. Soft raises ESP_EV_SOFT (rekey now), hard
	 * raises ESP_EV_HARD and the SA refuses further packets. Bytes count inner packet bytes. */
	uint64_t soft_bytes, hard_bytes;
	uint64_t soft_packets, hard_packets;
	int64_t soft_time_ns, hard_time_ns; /* from creation */
	uint32_t soft_seq;                  /* outbound without ESN: soft event at this sequence
					     * number; 0: 2^32 - 2^20. Hard is always at 2^32 - 1. */
};

/* Why a packet was dropped. ESP_OK means it was not. */
enum esp_verdict {
	ESP_OK = 0,
	ESP_ERR_MALFORMED, /* bad outer header, too short, bad padding, bad inner packet */
	ESP_ERR_NO_SA,     /* SPI unknown, or the SA's destination does not match */
	ESP_ERR_AUTH,      /* ICV check failed */
	ESP_ERR_REPLAY,    /* duplicate, or older than the window */
	ESP_ERR_EXPIRED,   /* the SA reached a hard lifetime or sequence exhaustion */
	ESP_ERR_NOSPACE,   /* not enough head- or tailroom to encapsulate */
	ESP_ERR_NOT_ESP,   /* UDP 4500 but an IKE message (non-ESP marker) or a NAT keepalive */
	ESP_DUMMY,         /* authentic dummy packet (next header 59), dropped silently */
	ESP_VERDICT_COUNT
};

/* Per-SA counters. Drops are counted by verdict; `packets`/`bytes` count accepted packets and
 * their inner bytes. */
struct esp_sa_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t drops[ESP_VERDICT_COUNT];
};

/* Lifetime events, as flags (esp_sa_events) and through the optional callback. */
enum esp_event {
	ESP_EV_SOFT = 1, /* time to rekey; the SA still works */
	ESP_EV_HARD = 2, /* the SA is finished; encap and decap return ESP_ERR_EXPIRED */
};

struct esp_sa;

/* The GError domain of esp_sa_new's configuration errors. */
#define ESP_ERROR esp_error_quark()
GQuark esp_error_quark(void);

/* Called once per event and SA, from inside the call (encap, decap or poll) that raised it. */
typedef void (*esp_event_fn)(struct esp_sa *sa, enum esp_event ev, void *ctx);

/* Creates an SA (cipher and MAC contexts keyed once, here). `now` starts the time lifetimes.
 * Returns NULL with `err` set when the configuration is invalid (key lengths, algorithm
 * combination, window size). */
struct esp_sa *esp_sa_new(const struct esp_sa_config *cfg, int64_t now, GError **err);
void esp_sa_free(struct esp_sa *sa);

void esp_sa_set_event_fn(struct esp_sa *sa, esp_event_fn fn, void *ctx);
const struct esp_sa_config *esp_sa_config(const struct esp_sa *sa);
const struct esp_sa_stats *esp_sa_stats(const struct esp_sa *sa);
/* ESP_EV_* flags raised so far. */
unsigned esp_sa_events(const struct esp_sa *sa);
/* Checks the time lifetimes without a packet (call it from a timer); returns esp_sa_events. */
unsigned esp_sa_poll(struct esp_sa *sa, int64_t now);
/* Outbound: the sequence number the last packet carried (0 before the first); inbound: the
 * highest authentic one received. 64 bits with ESN. */
uint64_t esp_sa_seq(const struct esp_sa *sa);
/* Bytes encapsulation adds to an inner packet of `inner_len` bytes (outer headers, ESP header,
 * IV, padding, trailer, ICV): what a path-MTU calculation needs. */
size_t esp_sa_overhead(const struct esp_sa *sa, size_t inner_len);

/* For tests and known-answer vectors only. Outbound: the next packet carries sequence number
 * `next_seq` and, when `iv` is not NULL, exactly this explicit IV (8 bytes for GCM, 16 for CBC)
 * instead of the generated one; later packets continue from there. Inbound: the replay window is
 * emptied and placed so that `next_seq` is the next number expected (ESN inference follows). */
void esp_sa_force_next(struct esp_sa *sa, uint64_t next_seq, const uint8_t *iv, size_t iv_len);

/* Encapsulates the inner IPv4 packet in `b` (it must be one whole IPv4 packet of at least 20
 * bytes): builds ESP header, IV, padding, trailer and ICV, encrypts in place, and prepends the
 * outer IPv4 header (and UDP when NAT-T is on). On ESP_OK, `b` is the outer packet. On any other
 * verdict `b` is unchanged and the drop is counted. `sa` must be outbound. */
enum esp_verdict esp_encap(struct esp_sa *sa, struct esp_buf *b, int64_t now);

/* Decapsulates the outer IPv4 packet in `b` with a known SA: checks outer headers, SPI and
 * destination, the replay window, the ICV (then updates the window), decrypts in place, checks
 * padding and the inner IPv4 packet. On ESP_OK, `b` is the inner packet. On failure the packet
 * must be dropped (its bytes may have been decrypted in place) and the drop was counted on the
 * SA (except ESP_ERR_NO_SA, ESP_ERR_NOT_ESP and outer-header ESP_ERR_MALFORMED, which belong to
 * no SA). `sa` must be inbound. */
enum esp_verdict esp_decap(struct esp_sa *sa, struct esp_buf *b, int64_t now);

/* The ESP layer alone (no outer IP/UDP), for known-answer vectors: `b` holds the payload; it is
 * padded, trailed with `next_header`, protected, and prefixed with the ESP header and IV. */
enum esp_verdict esp_seal(struct esp_sa *sa, struct esp_buf *b, uint8_t next_header, int64_t now);
/* The reverse: `b` starts at the ESP header. On ESP_OK, `b` is the payload and *next_header is
 * set. Replay window and ICV are checked as in esp_decap. */
enum esp_verdict esp_open(struct esp_sa *sa, struct esp_buf *b, uint8_t *next_header, int64_t now);

/* Outer-header parsing without an SA: where the ESP header starts in an outer IPv4 packet, its
 * SPI and the outer destination. Returns ESP_OK, ESP_ERR_MALFORMED (bad header or checksum, a
 * fragment, too short) or ESP_ERR_NOT_ESP (neither protocol 50 nor UDP; UDP carrying the non-ESP
 * marker or a keepalive). Any UDP datagram is taken as RFC 3948 encapsulation: demultiplexing
 * ports (4500) is the caller's job. */
enum esp_verdict esp_peek(const struct esp_buf *b, uint32_t *spi, uint32_t *dst, size_t *esp_off);

/* A set of inbound SAs, found by SPI in O(1) (a hash table; the destination is verified). The
 * database does not own the SAs. */
struct esp_db;
struct esp_db_stats {
	uint64_t no_sa;     /* unknown SPI or wrong destination */
	uint64_t malformed; /* outer header unusable before any SA could be found */
	uint64_t not_esp;   /* IKE or keepalive on UDP 4500: the caller's IKE stack takes these */
};
struct esp_db *esp_db_new(void);
void esp_db_free(struct esp_db *db);
/* Returns false (and adds nothing) if an SA with the same SPI is already present. */
bool esp_db_add(struct esp_db *db, struct esp_sa *sa);
/* Removes the SA with this SPI, if any; returns it. */
struct esp_sa *esp_db_remove(struct esp_db *db, uint32_t spi);
struct esp_sa *esp_db_lookup(const struct esp_db *db, uint32_t spi, uint32_t dst);
const struct esp_db_stats *esp_db_stats(const struct esp_db *db);
/* Finds the SA for the outer packet in `b` and decapsulates it (see esp_decap). *sa_out is the
 * SA used, or NULL when none was found. */
enum esp_verdict esp_db_decap(struct esp_db *db, struct esp_buf *b, int64_t now, struct esp_sa **sa_out);

/* The Wireshark `esp_sa` UAT row for this SA (8 columns, as tshark 4.0 reads them: protocol, src,
 * dst, SPI, encryption, key, authentication, auth key), for `-o 'uat:esp_sa:ROW'`. AES-GCM is
 * written as "AES-GCM with 16 octet ICV [RFC4106]" with key+salt and authentication "NULL" (4.0
 * then checks the GCM tag; the older "AES-GCM [RFC4106]" + "ANY 128 bit" pair is deprecated).
 * tshark 4.0 cannot check ICVs of ESN SAs (its 8-column rows have no ESN field). Free with
 * g_free. */
char *esp_sa_wireshark_row(const struct esp_sa *sa);

const char *esp_verdict_name(enum esp_verdict v);

#endif
