/* fuzz_seeds.c: writes the seed corpora of fuzz_ike_codec, fuzz_ike1 and fuzz_esp from what the
 * test suite produces: the codec samples of tests/ike_codec_samples.c, and the datagrams of
 * `vpnsim run --pcap` captures (LINKTYPE_RAW). `make fuzz-seeds` runs it (fuzz/local.mk).
 *
 * Usage: fuzz_seeds OUTDIR CAPTURE.pcap...
 * Into OUTDIR/corpus-ike-codec: the samples, and the IKEv2 datagrams of the captures (the
 * non-ESP marker stripped); OUTDIR/corpus-ike1: the IKEv1 datagrams; OUTDIR/corpus-esp: each ESP
 * packet as fuzz_esp's even mode wants it (byte 0, then the outer IPv4 packet), once more with
 * its SPI set to the harness's AES-GCM SA (0x100, so decryption is tried), and a captured IPv4
 * packet for the odd mode (byte 1, then a packet the harness encapsulates and decapsulates).
 * Captured datagrams are kept by shape, not all of them: per capture at most two per (version,
 * exchange, response flag, first payload) for IKE, and one per (protocol, SPI, length) for ESP
 * (16 in all), numbered in capture order, so the corpora stay small and the output is the same
 * for the same captures. */
#include "models/ipsec/ike_codec.h"
#include "tests/ike_codec_samples.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PER_IKE_SHAPE 2
#define MAX_ESP 16 /* ESP packets kept in all (three seeds each) */
#define MAX_DATAGRAM 4096

struct out {
	const char *dir; /* OUTDIR */
	GHashTable *shapes; /* shape key -> count */
	unsigned n_ike2, n_ike1, n_esp;
};

static void write_file(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	GError *err = NULL;
	if (!g_file_set_contents(path, (const char *)p, (gssize)len, &err)) {
		fprintf(stderr, "fuzz_seeds: %s\n", err->message);
		exit(1);
	}
}

static void write_prefixed(const char *dir, const char *name, uint8_t mode, const uint8_t *p, size_t len)
{
	GByteArray *b = g_byte_array_new();
	g_byte_array_append(b, &mode, 1);
	g_byte_array_append(b, p, (guint)len);
	write_file(dir, name, b->data, b->len);
	g_byte_array_unref(b);
}

/* Counts one more datagram of this shape; true while the shape has room. */
static bool shape_room(struct out *o, const char *key, unsigned limit)
{
	unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(o->shapes, key));
	if (n >= limit)
		return false;
	g_hash_table_insert(o->shapes, g_strdup(key), GUINT_TO_POINTER(n + 1));
	return true;
}

static void write_samples(const char *dir)
{
	struct {
		const char *name;
		GByteArray *m;
	} s[] = {
		{ "sample-sa-init-req-14", sample_sa_init_request(14) },
		{ "sample-sa-init-req-19", sample_sa_init_request(19) },
		{ "sample-sa-init-resp-14", sample_sa_init_response(14) },
		{ "sample-ike-auth-req", NULL },
		{ "sample-informational-delete", sample_informational_delete() },
		{ "sample-cleartext-payloads", sample_cleartext_payloads() },
		{ "sample-skf-1", sample_skf_fragment(1) },
		{ "sample-skf-3", sample_skf_fragment(3) },
	};
	size_t body_off;
	s[3].m = sample_ike_auth_request(&body_off);
	for (size_t i = 0; i < G_N_ELEMENTS(s); i++) {
		write_file(dir, s[i].name, s[i].m->data, s[i].m->len);
		g_byte_array_unref(s[i].m);
	}
}

static void ike_datagram(struct out *o, const char *tag, const uint8_t *p, size_t len)
{
	if (len < IKE_HDR_LEN || len > MAX_DATAGRAM)
		return;
	bool v1 = p[17] >> 4 == 1;
	char key[64];
	snprintf(key, sizeof key, "%.24s/ike%u/%u/%u/%u", tag, v1 ? 1u : 2u, p[18], (p[19] & 0x20) ? 1u : 0u, p[16]);
	if (!shape_room(o, key, PER_IKE_SHAPE))
		return;
	g_autofree char *name = g_strdup_printf("%s-%s-%03u", tag, v1 ? "ikev1" : "ikev2", v1 ? o->n_ike1++ : o->n_ike2++);
	g_autofree char *dir = g_build_filename(o->dir, v1 ? "corpus-ike1" : "corpus-ike-codec", NULL);
	write_file(dir, name, p, len);
}

/* An outer IPv4 packet carrying ESP (protocol 50, or UDP 4500 without the marker). */
static void esp_packet(struct out *o, const char *tag, const uint8_t *ip, size_t len, size_t esp_off)
{
	if (len > MAX_DATAGRAM || esp_off + 8 > len)
		return;
	char key[80];
	snprintf(key, sizeof key, "%.24s/esp/%u/%02x%02x%02x%02x/%zu", tag, ip[9], ip[esp_off], ip[esp_off + 1],
		 ip[esp_off + 2], ip[esp_off + 3], len);
	if (o->n_esp >= MAX_ESP || !shape_room(o, key, 1))
		return;
	g_autofree char *dir = g_build_filename(o->dir, "corpus-esp", NULL);
	unsigned n = o->n_esp++;
	g_autofree char *name = g_strdup_printf("%s-esp-%03u", tag, n);
	write_prefixed(dir, name, 0, ip, len);
	uint8_t *copy = g_memdup2(ip, len);
	copy[esp_off] = copy[esp_off + 1] = 0;
	copy[esp_off + 2] = 0x01; /* SPI 0x100: the harness's AES-GCM SA */
	copy[esp_off + 3] = 0x00;
	g_autofree char *name_spi = g_strdup_printf("%s-esp-%03u-spi100", tag, n);
	write_prefixed(dir, name_spi, 0, copy, len);
	g_free(copy);
	g_autofree char *name_inner = g_strdup_printf("%s-inner-%03u", tag, n);
	write_prefixed(dir, name_inner, 1, ip, len); /* odd mode: this packet as the inner one */
}

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return swap ? GUINT32_SWAP_LE_BE(v) : v;
}

static void split_capture(struct out *o, const char *path)
{
	gchar *data = NULL;
	gsize size = 0;
	GError *err = NULL;
	if (!g_file_get_contents(path, &data, &size, &err)) {
		fprintf(stderr, "fuzz_seeds: %s\n", err->message);
		exit(1);
	}
	const uint8_t *b = (const uint8_t *)data;
	uint32_t magic = size >= 24 ? rd32(b, false) : 0;
	bool swap = magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u;
	if (!swap && magic != 0xa1b2c3d4u && magic != 0xa1b23c4du) {
		fprintf(stderr, "fuzz_seeds: %s is not a pcap file\n", path);
		exit(1);
	}
	if (rd32(b + 20, swap) != 101) {
		fprintf(stderr, "fuzz_seeds: %s: not LINKTYPE_RAW\n", path);
		exit(1);
	}
	/* the tag: the capture's directory name (vpnsim run --out DIR writes DIR/capture.pcap) */
	g_autofree char *parent = g_path_get_dirname(path);
	g_autofree char *tag = g_path_get_basename(parent);
	for (size_t off = 24; off + 16 <= size;) {
		size_t caplen = rd32(b + off + 8, swap);
		const uint8_t *ip = b + off + 16;
		off += 16 + caplen;
		if (off > size)
			break;
		if (caplen < 20 || ip[0] >> 4 != 4)
			continue;
		size_t ihl = (size_t)(ip[0] & 15) * 4;
		if (ihl < 20 || ihl > caplen)
			continue;
		if (ip[9] == 50) {
			esp_packet(o, tag, ip, caplen, ihl);
			continue;
		}
		if (ip[9] != 17 || ihl + 8 > caplen)
			continue;
		const uint8_t *udp = ip + ihl, *pl = udp + 8;
		size_t pl_len = caplen - ihl - 8;
		unsigned sport = udp[0] << 8 | udp[1], dport = udp[2] << 8 | udp[3];
		if (sport == 500 || dport == 500) {
			ike_datagram(o, tag, pl, pl_len);
		} else if (sport == 4500 || dport == 4500) {
			if (pl_len >= 4 && !pl[0] && !pl[1] && !pl[2] && !pl[3])
				ike_datagram(o, tag, pl + 4, pl_len - 4);
			else if (pl_len > 1)
				esp_packet(o, tag, ip, caplen, ihl + 8);
		}
	}
	g_free(data);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: fuzz_seeds OUTDIR CAPTURE.pcap...\n");
		return 2;
	}
	struct out o = { .dir = argv[1], .shapes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL) };
	static const char *const sub[] = { "corpus-ike-codec", "corpus-ike1", "corpus-esp" };
	for (size_t i = 0; i < G_N_ELEMENTS(sub); i++) {
		g_autofree char *d = g_build_filename(o.dir, sub[i], NULL);
		if (g_mkdir_with_parents(d, 0755) != 0) {
			fprintf(stderr, "fuzz_seeds: cannot create %s\n", d);
			return 1;
		}
	}
	g_autofree char *codec = g_build_filename(o.dir, "corpus-ike-codec", NULL);
	write_samples(codec);
	for (int i = 2; i < argc; i++)
		split_capture(&o, argv[i]);
	printf("fuzz_seeds: %u IKEv2, %u IKEv1 datagrams, %u ESP packets (x3 seeds) from %d captures\n", o.n_ike2,
	       o.n_ike1, o.n_esp, argc - 2);
	g_hash_table_destroy(o.shapes);
	return 0;
}
