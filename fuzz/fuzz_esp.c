/* fuzz_esp.c: libFuzzer target for ESP decapsulation. The first byte picks a mode:
 * - even: the rest is an outer IPv4 packet (plain ESP or ESP-in-UDP) whose header checksum the
 *   harness fixes (so the fuzzer gets past it), given to esp_peek and to an SA database holding
 *   an AES-GCM and an AES-CBC+HMAC inbound SA: the unauthenticated attack surface;
 * - odd: the rest is encapsulated by the matching outbound SA (real keys, a real ICV), then
 *   decapsulated, so that what only authentic packets reach (padding, next header, the inner
 *   packet's checks) is fuzzed too.
 * Nothing may be read outside the packet; the verdict must be a known one; an accepted packet
 * must shrink to an inner IPv4 packet inside its buffer. */
#include "models/ipsec/esp.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct esp_db *db;
static struct esp_sa *out_gcm, *out_cbc;

static struct esp_sa *sa_dir(enum esp_dir dir, uint32_t spi, enum esp_encr encr, enum esp_integ integ, bool natt)
{
	struct esp_sa_config c = { .dir = dir, .spi = spi, .src = 0xc6336401u, .dst = 0x14000001u,
				   .encr = encr, .integ = integ, .natt = natt };
	c.encr_key_len = encr == ESP_ENCR_AES_GCM16 ? 36 : 32;
	c.integ_key_len = integ == ESP_INTEG_HMAC_SHA256_128 ? 32 : 0;
	memset(c.encr_key, 0x42, sizeof c.encr_key);
	memset(c.integ_key, 0x24, sizeof c.integ_key);
	c.replay_window = 4096; /* every authentic packet a fresh sequence number: no replays */
	struct esp_sa *s = esp_sa_new(&c, 0, NULL);
	if (!s)
		abort();
	return s;
}

static void setup(void)
{
	db = esp_db_new();
	esp_db_add(db, sa_dir(ESP_DIR_IN, 0x100, ESP_ENCR_AES_GCM16, ESP_INTEG_NONE, false));
	esp_db_add(db, sa_dir(ESP_DIR_IN, 0x200, ESP_ENCR_AES_CBC, ESP_INTEG_HMAC_SHA256_128, true));
	out_gcm = sa_dir(ESP_DIR_OUT, 0x100, ESP_ENCR_AES_GCM16, ESP_INTEG_NONE, false);
	out_cbc = sa_dir(ESP_DIR_OUT, 0x200, ESP_ENCR_AES_CBC, ESP_INTEG_HMAC_SHA256_128, true);
}

/* The Internet checksum of the first 20 bytes, written at bytes 10-11. */
static void fix_ipv4_checksum(uint8_t *p, size_t len)
{
	if (len < 20)
		return;
	p[10] = p[11] = 0;
	uint32_t sum = 0;
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	uint16_t c = (uint16_t)~sum;
	p[10] = (uint8_t)(c >> 8);
	p[11] = (uint8_t)c;
}

/* Mode odd: data is an inner packet; encapsulate it for real, then decapsulate. */
static void authentic(const uint8_t *data, size_t size, bool cbc)
{
	size_t head = ESP_MAX_HEADROOM, tail = ESP_MAX_TAILROOM;
	uint8_t *buf = malloc(head + size + tail);
	if (!buf)
		return;
	memcpy(buf + head, data, size);
	struct esp_buf b = { .data = buf + head, .len = size, .headroom = head, .tailroom = tail };
	if (esp_encap(cbc ? out_cbc : out_gcm, &b, 1) == ESP_OK) {
		struct esp_sa *used = NULL;
		enum esp_verdict v = esp_db_decap(db, &b, 1, &used);
		if ((unsigned)v >= ESP_VERDICT_COUNT || (v == ESP_OK && b.len != size))
			abort(); /* an inner packet encap accepted must come back whole */
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!db)
		setup(); /* the SAs live for the whole run (their replay windows move, as on a gateway) */
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	if (mode & 1) {
		authentic(data, size, mode & 2);
		return 0;
	}
	/* The packet alone in its own allocation, so that any read past it is caught. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	fix_ipv4_checksum(buf, size);
	struct esp_buf b = { .data = buf, .len = size, .headroom = 0, .tailroom = 0 };
	uint32_t spi, dst;
	size_t off;
	enum esp_verdict pv = esp_peek(&b, &spi, &dst, &off);
	if (pv == ESP_OK && off > size)
		abort();
	struct esp_sa *used = NULL;
	enum esp_verdict v = esp_db_decap(db, &b, 1, &used);
	if ((unsigned)v >= ESP_VERDICT_COUNT)
		abort();
	if (v == ESP_OK && (b.len < 20 || b.data < buf || b.data + b.len > buf + size))
		abort();
	free(buf);
	return 0;
}
