/* esp_pcap_writer.c: writes ESP traffic for test_esp_tshark.sh: a pcap (LINKTYPE_RAW) of tunnels
 * with AES-GCM, AES-CBC+HMAC-SHA-256, AES-CBC+HMAC-SHA1 and NULL+HMAC-SHA1, each with and without
 * UDP encapsulation, and the Wireshark esp_sa rows that decrypt them (one per line).
 *
 * Usage: esp_pcap_writer OUT.pcap OUT.esp_sa   (prints the packet counts "<icmp> <udp> <total> <udp-encapsulated>") */
#include "models/ipsec/esp.h"
#include "sim/pcap.h"

#include <stdio.h>
#include <string.h>

#define PER_TUNNEL 6
#define BUF 2048
#define HEAD 64

static uint16_t csum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An inner IPv4 packet from 10.0.<t>.1 to 10.1.<t>.2: an ICMP echo request (even i) or a UDP
 * datagram to port 9 (odd i), `len` bytes in all. */
static void make_inner(uint8_t *p, size_t len, int t, int i)
{
	memset(p, 0, len);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)len);
	put16(p + 4, (uint16_t)(t * 100 + i));
	p[8] = 64;
	p[9] = (i & 1) ? 17 : 1;
	p[12] = 10, p[13] = 0, p[14] = (uint8_t)t, p[15] = 1;
	p[16] = 10, p[17] = 1, p[18] = (uint8_t)t, p[19] = 2;
	put16(p + 10, csum(p, 20));
	for (size_t k = 28; k < len; k++)
		p[k] = (uint8_t)(k + i);
	if (i & 1) {
		put16(p + 20, 40000);
		put16(p + 22, 9);
		put16(p + 24, (uint16_t)(len - 20));
	} else {
		p[20] = 8; /* echo request */
		put16(p + 24, (uint16_t)t);
		put16(p + 26, (uint16_t)i);
		put16(p + 22, csum(p + 20, len - 20));
	}
}

struct tunnel {
	enum esp_encr encr;
	size_t key_len;
	enum esp_integ integ;
	size_t integ_len;
	bool natt;
};

static const struct tunnel tunnels[] = {
	{ ESP_ENCR_AES_GCM16, 36, ESP_INTEG_NONE, 0, false },
	{ ESP_ENCR_AES_GCM16, 36, ESP_INTEG_NONE, 0, true },
	{ ESP_ENCR_AES_GCM16, 20, ESP_INTEG_NONE, 0, false },
	{ ESP_ENCR_AES_CBC, 32, ESP_INTEG_HMAC_SHA256_128, 32, false },
	{ ESP_ENCR_AES_CBC, 32, ESP_INTEG_HMAC_SHA256_128, 32, true },
	{ ESP_ENCR_AES_CBC, 16, ESP_INTEG_HMAC_SHA1_96, 20, true },
	{ ESP_ENCR_NULL, 0, ESP_INTEG_HMAC_SHA1_96, 20, false },
};

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s OUT.pcap OUT.esp_sa\n", argv[0]);
		return 2;
	}
	GError *err = NULL;
	struct sim_pcap *pc = sim_pcap_open(argv[1], &err);
	FILE *keys = fopen(argv[2], "w");
	if (!pc || !keys) {
		fprintf(stderr, "cannot create outputs: %s\n", err ? err->message : argv[2]);
		return 1;
	}
	static uint8_t store[BUF];
	unsigned icmp = 0, udp = 0, total = 0, natt = 0;
	int64_t t = 1000000000;
	for (size_t ti = 0; ti < G_N_ELEMENTS(tunnels); ti++) {
		const struct tunnel *tu = &tunnels[ti];
		struct esp_sa_config c = { 0 };
		c.dir = ESP_DIR_OUT;
		c.spi = 0x51000000u + (uint32_t)ti * 0x111;
		c.src = 0xc6120100u + (uint32_t)ti + 1; /* 198.18.1.x */
		c.dst = 0xc6120200u + (uint32_t)ti + 1; /* 198.18.2.x */
		c.encr = tu->encr;
		c.encr_key_len = tu->key_len;
		for (size_t k = 0; k < tu->key_len; k++)
			c.encr_key[k] = (uint8_t)(k * 29 + ti * 7 + 1);
		c.integ = tu->integ;
		c.integ_key_len = tu->integ_len;
		for (size_t k = 0; k < tu->integ_len; k++)
			c.integ_key[k] = (uint8_t)(k * 31 + ti * 5 + 2);
		c.natt = tu->natt;
		c.df = ESP_DF_SET;
		struct esp_sa *sa = esp_sa_new(&c, 0, &err);
		if (!sa) {
			fprintf(stderr, "%s\n", err->message);
			return 1;
		}
		char *row = esp_sa_wireshark_row(sa);
		fprintf(keys, "%s\n", row);
		g_free(row);
		for (int i = 0; i < PER_TUNNEL; i++) {
			size_t len = i == PER_TUNNEL - 1 ? 1400 : 60 + (size_t)i * 37;
			make_inner(store + HEAD, len, (int)ti + 1, i);
			struct esp_buf b = { store + HEAD, len, HEAD, BUF - HEAD - len };
			enum esp_verdict v = esp_encap(sa, &b, t);
			if (v != ESP_OK) {
				fprintf(stderr, "encap: %s\n", esp_verdict_name(v));
				return 1;
			}
			sim_pcap_write(pc, t, b.data, b.len);
			t += 1000000;
			total++;
			natt += tu->natt;
			if (i & 1)
				udp++;
			else
				icmp++;
		}
		esp_sa_free(sa);
	}
	if (!sim_pcap_close(pc, &err) || fclose(keys) != 0) {
		fprintf(stderr, "write failed\n");
		return 1;
	}
	printf("%u %u %u %u\n", icmp, udp, total, natt);
	return 0;
}
