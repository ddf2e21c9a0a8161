/* test_ike1_pcap.c: writes IKEv1 traffic plus ESP for test_ike1_tshark.sh: a pcap (LINKTYPE_RAW)
 * and the Wireshark key tables, ikev1_decryption_table (one row per ISAKMP SA) and esp_sa (one row
 * per ESP SA). Session 1 (UDP 500, AES-256/SHA2-256, GCM ESP with PFS): Main Mode, Quick Mode,
 * ESP both ways, a quick-mode rekey, DPD, CHILD delete, ISAKMP delete. Session 2 (forced NAT-T:
 * float to 4500 with the non-ESP marker, 3DES/SHA1, AES-CBC/HMAC-SHA1 ESP in UDP): setup, ESP, a
 * make-before-break phase-1 rekey, ESP, delete. Session 3 (AES-128/SHA1): a break-before-make
 * phase-1 rekey and ESP on the new SAs.
 *
 * Usage: test_ike1_pcap OUT.pcap OUT.ikev1_rows OUT.esp_rows
 * prints "<IKE datagrams> <encrypted IKE> <on 4500> <ESP packets> <ESP in UDP>" */
#include "models/ipsec/esp.h"
#include "models/ipsec/ike.h"
#include "models/ipsec/ike_consts.h"
#include "sim/ipv4.h"
#include "sim/pcap.h"
#include "tests/ike_pair.h"

#include <stdio.h>
#include <string.h>

struct out {
	struct sim_pcap *pc;
	int64_t offset_ns;
	unsigned ike, encrypted, natt, esp, esp_udp;
	uint16_t ip_id;
	GPtrArray *ike_rows, *esp_rows;
	GHashTable *next_seq; /* SPI -> the next ESP sequence number (an SA outlives a phase-1 rekey) */
};

static void add_row(GPtrArray *rows, char *row)
{
	if (!row)
		return;
	for (guint i = 0; i < rows->len; i++)
		if (strcmp(rows->pdata[i], row) == 0) {
			g_free(row);
			return;
		}
	g_ptr_array_add(rows, row);
}

static void tap_fn(void *ctx, int64_t t, const struct ike_dgram *d)
{
	struct out *o = ctx;
	uint8_t buf[SIM_IPV4_HDR_LEN + SIM_UDP_HDR_LEN + 2048];
	if (d->len > 2048)
		g_error("datagram too long");
	size_t udp_len = SIM_UDP_HDR_LEN + d->len;
	struct sim_ipv4_hdr h = { .total_len = (uint16_t)(SIM_IPV4_HDR_LEN + udp_len),
				  .id = o->ip_id++,
				  .ttl = 64,
				  .proto = SIM_IPPROTO_UDP,
				  .src = d->src.ip,
				  .dst = d->dst.ip };
	sim_ipv4_write(buf, &h);
	uint8_t *u = buf + SIM_IPV4_HDR_LEN;
	sim_put16(u, d->src.port);
	sim_put16(u + 2, d->dst.port);
	sim_put16(u + 4, (uint16_t)udp_len);
	sim_put16(u + 6, 0);
	memcpy(u + 8, d->data, d->len);
	uint16_t c = sim_udp_checksum(d->src.ip, d->dst.ip, u, udp_len);
	sim_put16(u + 6, c ? c : 0xffff);
	sim_pcap_write(o->pc, o->offset_ns + t, buf, SIM_IPV4_HDR_LEN + udp_len);
	size_t off = (d->src.port != 500 && d->dst.port != 500) ? 4 : 0;
	if (d->len == 1)
		g_error("a NAT keepalive: the checks count ISAKMP datagrams only");
	o->ike++;
	o->natt += off ? 1 : 0;
	if (d->len > off + 19 && (d->data[off + 19] & 1))
		o->encrypted++;
}

/* Keys of every ISAKMP SA either node has now. */
static void collect_ike_rows(struct out *o, const struct ike_pair *p)
{
	for (int i = 0; i < 2; i++)
		for (uint64_t id = 1; id < 64; id++)
			add_row(o->ike_rows, ike_sa_wireshark_ikev1_row(p->n[i].ep, id));
}

/* n ESP packets each way through node 0's first CHILD SA and node 1's counterpart, written to
 * the pcap with their esp_sa rows. */
static void esp_traffic(struct out *o, struct ike_pair *p, unsigned n)
{
	if (!p->n[0].children->len)
		g_error("no CHILD SA");
	const struct ike_child_info *a = &g_array_index(p->n[0].children, struct ike_child_info, 0);
	const struct ike_child_info *b = ike_pair_child(p, 1, a->spi_out);
	if (!b)
		g_error("no matching CHILD SA");
	const struct ike_child_info *ends[2] = { a, b };
	for (int dir = 0; dir < 2; dir++) {
		struct esp_sa_config co, ci;
		if (!ike_child_esp_config(ends[dir], ESP_DIR_OUT, &co) || !ike_child_esp_config(ends[1 - dir], ESP_DIR_IN, &ci))
			g_error("no ESP config");
		struct esp_sa *so = esp_sa_new(&co, 0, NULL), *si = esp_sa_new(&ci, 0, NULL);
		if (!so || !si)
			g_error("esp_sa_new failed");
		add_row(o->esp_rows, esp_sa_wireshark_row(so));
		gpointer key = GUINT_TO_POINTER(co.spi);
		uint64_t seq = GPOINTER_TO_UINT(g_hash_table_lookup(o->next_seq, key));
		if (seq) {
			esp_sa_force_next(so, seq, NULL, 0);
			esp_sa_force_next(si, seq, NULL, 0);
		}
		for (unsigned k = 0; k < n; k++) {
			uint8_t buf[256] = { 0 };
			uint8_t *pkt = buf + ESP_MAX_HEADROOM + 8;
			struct sim_ipv4_hdr ih = { .total_len = 20 + 8 + 12,
						   .id = (uint16_t)k,
						   .ttl = 64,
						   .proto = SIM_IPPROTO_UDP,
						   .src = ends[dir]->local_ts[0].start + 5,
						   .dst = ends[dir]->remote_ts[0].start + 7 };
			sim_ipv4_write(pkt, &ih);
			uint8_t *u = pkt + 20;
			sim_put16(u, 40000);
			sim_put16(u + 2, 9);
			sim_put16(u + 4, 20);
			memcpy(u + 8, "vpnsim-ikev1", 12);
			sim_put16(u + 6, 0);
			uint16_t c = sim_udp_checksum(ih.src, ih.dst, u, 20);
			sim_put16(u + 6, c ? c : 0xffff);
			struct esp_buf eb = { pkt, 40, ESP_MAX_HEADROOM + 8, sizeof(buf) - ESP_MAX_HEADROOM - 8 - 40 };
			if (esp_encap(so, &eb, p->now) != ESP_OK)
				g_error("esp_encap failed");
			sim_pcap_write(o->pc, o->offset_ns + p->now + (int64_t)(dir * n + k) * 1000, eb.data, eb.len);
			o->esp++;
			o->esp_udp += co.natt ? 1 : 0;
			if (esp_decap(si, &eb, p->now) != ESP_OK)
				g_error("esp_decap failed");
		}
		g_hash_table_replace(o->next_seq, key, GUINT_TO_POINTER((guint)esp_sa_seq(so) + 1));
		esp_sa_free(so);
		esp_sa_free(si);
	}
	p->now += NS / 100;
}

static void settle(struct ike_pair *p)
{
	ike_pair_run_idle(p, p->now + 600 * NS);
	ike_pair_run_until(p, p->now + NS);
}

static void cfg(struct ike_peer_cfg *c, int i, struct ike_ike_proposal p1, struct ike_esp_proposal p2)
{
	ike_pair_default_cfg(i, false, c);
	c->ike_version = 1;
	c->ike[0] = p1;
	c->esp[0] = p2;
	c->keepalive_ns = -1;
}

static struct ike_pair *start(struct out *o, struct ike_pair *p, struct ike_peer_cfg *c0, struct ike_peer_cfg *c1,
			      uint64_t seed)
{
	ike_pair_init(p, c0, c1, NULL, NULL, seed);
	p->tap = tap_fn;
	p->tap_ctx = o;
	ike_initiate(p->n[0].ep, p->n[0].peer, p->now);
	settle(p);
	collect_ike_rows(o, p);
	return p;
}

static void finish(struct out *o, struct ike_pair *p)
{
	if (ike_sa_count(p->n[0].ep) || ike_sa_count(p->n[1].ep))
		g_error("a session did not end cleanly");
	o->offset_ns += p->now + 10 * NS;
	ike_pair_free(p);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s OUT.pcap OUT.ikev1_rows OUT.esp_rows\n", argv[0]);
		return 2;
	}
	GError *err = NULL;
	struct out o = { .pc = sim_pcap_open(argv[1], &err) };
	if (!o.pc) {
		fprintf(stderr, "%s\n", err->message);
		return 1;
	}
	o.ike_rows = g_ptr_array_new_with_free_func(g_free);
	o.esp_rows = g_ptr_array_new_with_free_func(g_free);
	o.next_seq = g_hash_table_new(g_direct_hash, g_direct_equal);
	struct ike_peer_cfg c0, c1;
	struct ike_pair p;

	/* session 1 */
	struct ike_ike_proposal aes256 = { IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, 0, IKE_DH_MODP1024 };
	struct ike_esp_proposal gcm_pfs = { IKE_ENCR_AES_GCM_16, 256, 0, IKE_DH_MODP1024 };
	cfg(&c0, 0, aes256, gcm_pfs);
	cfg(&c1, 1, aes256, gcm_pfs);
	start(&o, &p, &c0, &c1, 3001);
	esp_traffic(&o, &p, 3);
	uint64_t id = ike_sa_find_established(p.n[0].ep, p.n[0].peer);
	struct ike_child_info ci;
	if (ike_sa_children(p.n[0].ep, id, &ci, 1) != 1)
		g_error("session 1: no CHILD SA");
	ike_child_rekey(p.n[0].ep, id, ci.spi_in, p.now);
	settle(&p);
	esp_traffic(&o, &p, 3);
	ike_dpd_now(p.n[0].ep, id, p.now);
	settle(&p);
	if (ike_sa_children(p.n[0].ep, id, &ci, 1) != 1)
		g_error("session 1: CHILD SA lost");
	ike_child_delete(p.n[0].ep, id, ci.spi_in, p.now);
	settle(&p);
	ike_delete(p.n[0].ep, id, p.now);
	settle(&p);
	finish(&o, &p);

	/* session 2 */
	struct ike_ike_proposal des3 = { IKE_ENCR_3DES, 192, IKE_PRF_HMAC_SHA1, 0, IKE_DH_MODP1024 };
	struct ike_esp_proposal cbc = { IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA1_96, 0 };
	cfg(&c0, 0, des3, cbc);
	cfg(&c1, 1, des3, cbc);
	c0.force_encap = true;
	start(&o, &p, &c0, &c1, 3002);
	esp_traffic(&o, &p, 3);
	id = ike_sa_find_established(p.n[0].ep, p.n[0].peer);
	ike_rekey(p.n[0].ep, id, p.now); /* make before break (the default) */
	settle(&p);
	collect_ike_rows(&o, &p);
	esp_traffic(&o, &p, 2);
	ike_delete(p.n[0].ep, ike_sa_find_established(p.n[0].ep, p.n[0].peer), p.now);
	settle(&p);
	finish(&o, &p);

	/* session 3 */
	struct ike_ike_proposal aes128 = { IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA1, 0, IKE_DH_MODP1024 };
	struct ike_esp_proposal cbc256 = { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, 0 };
	cfg(&c0, 0, aes128, cbc256);
	cfg(&c1, 1, aes128, cbc256);
	c0.ike1_p1_rekey = c1.ike1_p1_rekey = IKE1_P1_REKEY_BREAK_BEFORE_MAKE;
	start(&o, &p, &c0, &c1, 3003);
	esp_traffic(&o, &p, 2);
	ike_rekey(p.n[0].ep, ike_sa_find_established(p.n[0].ep, p.n[0].peer), p.now);
	settle(&p);
	collect_ike_rows(&o, &p);
	esp_traffic(&o, &p, 2);
	ike_delete(p.n[0].ep, ike_sa_find_established(p.n[0].ep, p.n[0].peer), p.now);
	settle(&p);
	finish(&o, &p);

	if (!sim_pcap_close(o.pc, &err)) {
		fprintf(stderr, "%s\n", err->message);
		return 1;
	}
	const char *paths[2] = { argv[2], argv[3] };
	GPtrArray *rows[2] = { o.ike_rows, o.esp_rows };
	for (int k = 0; k < 2; k++) {
		FILE *f = fopen(paths[k], "w");
		if (!f)
			return 1;
		for (guint i = 0; i < rows[k]->len; i++)
			fprintf(f, "%s\n", (const char *)rows[k]->pdata[i]);
		fclose(f);
		g_ptr_array_free(rows[k], TRUE);
	}
	g_hash_table_destroy(o.next_seq);
	printf("%u %u %u %u %u\n", o.ike, o.encrypted, o.natt, o.esp, o.esp_udp);
	return 0;
}
