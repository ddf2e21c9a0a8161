/* ike_pcap_writer.c: writes the IKEv2 traffic of three full sessions for test_ike_pcap.sh: a pcap
 * (LINKTYPE_RAW, IPv4/UDP) and the Wireshark ikev2_decryption_table rows of every IKE SA (one
 * per line). Session 1 (UDP 500, AES-GCM-256, ECP-256): setup, CHILD rekey with PFS, IKE rekey,
 * a liveness check, CHILD delete, IKE delete. Session 2 (forced UDP encapsulation on 4500 with
 * the non-ESP marker, AES-CBC-256 + HMAC-SHA2-256, MODP-2048, an IKE_AUTH request too big for
 * the 400-byte path sent as two RFC 7383 fragments): setup, a liveness check, a lost response
 * and its retransmission, IKE delete. Session 3 (UDP 500, RSA certificates from the
 * deterministic test PKI, a virtual IP by configuration payload): setup, IKE delete by the
 * responder.
 *
 * Usage: ike_pcap_writer OUT.pcap OUT.rows   (prints "<datagrams> <encrypted> <on-4500>") */
#include "models/ipsec/ike.h"
#include "models/ipsec/ike_consts.h"
#include "sim/ipv4.h"
#include "sim/pcap.h"
#include "tests/ike_pair.h"

#include <stdio.h>
#include <string.h>

struct tap {
	struct sim_pcap *pc;
	int64_t offset_ns;
	unsigned total, encrypted, natt;
	uint16_t ip_id;
};

static void tap_fn(void *ctx, int64_t t, const struct ike_dgram *d)
{
	struct tap *tp = ctx;
	uint8_t buf[SIM_IPV4_HDR_LEN + SIM_UDP_HDR_LEN + 2048];
	if (d->len > 2048)
		g_error("datagram too long");
	size_t udp_len = SIM_UDP_HDR_LEN + d->len;
	struct sim_ipv4_hdr h = { .tos = 0,
				  .total_len = (uint16_t)(SIM_IPV4_HDR_LEN + udp_len),
				  .id = tp->ip_id++,
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
	sim_pcap_write(tp->pc, tp->offset_ns + t, buf, SIM_IPV4_HDR_LEN + udp_len);
	size_t off = (d->src.port != 500 && d->dst.port != 500) ? 4 : 0;
	tp->total++;
	tp->natt += off ? 1 : 0;
	if (d->len > off + 18 && d->data[off + 18] != IKE_EXCH_IKE_SA_INIT)
		tp->encrypted++;
}

static void write_rows(FILE *f, const struct ike_pair *p)
{
	for (int i = 0; i < 2; i++)
		for (guint k = 0; k < p->n[i].rows->len; k++) {
			const char *r = g_ptr_array_index(p->n[i].rows, k);
			bool dup = false;
			for (int j = 0; j < i && !dup; j++)
				for (guint m = 0; m < p->n[j].rows->len; m++)
					dup |= strcmp(r, g_ptr_array_index(p->n[j].rows, m)) == 0;
			if (!dup)
				fprintf(f, "%s\n", r);
		}
}

static void settle(struct ike_pair *p)
{
	ike_pair_run_idle(p, p->now + 600 * NS);
	ike_pair_run_until(p, p->now + NS);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s OUT.pcap OUT.rows\n", argv[0]);
		return 2;
	}
	GError *err = NULL;
	struct tap tp = { .pc = sim_pcap_open(argv[1], &err) };
	if (!tp.pc) {
		fprintf(stderr, "%s\n", err->message);
		return 1;
	}
	FILE *rows = fopen(argv[2], "w");
	if (!rows)
		return 1;

	/* session 1 */
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	c0.esp[0].dh = c1.esp[0].dh = IKE_DH_CURVE25519;
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 1001);
	p.tap = tap_fn;
	p.tap_ctx = &tp;
	uint64_t id = ike_initiate(p.n[0].ep, p.n[0].peer, p.now);
	settle(&p);
	struct ike_child_info ci;
	if (ike_sa_children(p.n[0].ep, id, &ci, 1) != 1)
		g_error("session 1: no CHILD SA");
	ike_child_rekey(p.n[0].ep, id, ci.spi_in, p.now);
	settle(&p);
	ike_rekey(p.n[0].ep, id, p.now);
	settle(&p);
	id = ike_sa_find_established(p.n[0].ep, p.n[0].peer);
	ike_dpd_now(p.n[0].ep, id, p.now);
	settle(&p);
	if (ike_sa_children(p.n[0].ep, id, &ci, 1) != 1)
		g_error("session 1: CHILD SA lost");
	ike_child_delete(p.n[0].ep, id, ci.spi_in, p.now);
	settle(&p);
	ike_delete(p.n[0].ep, id, p.now);
	settle(&p);
	if (ike_sa_count(p.n[0].ep) || ike_sa_count(p.n[1].ep))
		g_error("session 1 did not end cleanly");
	write_rows(rows, &p);
	tp.offset_ns += p.now + 10 * NS;
	ike_pair_free(&p);

	/* session 2 */
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	for (int i = 0; i < 2; i++) {
		struct ike_peer_cfg *c = i ? &c1 : &c0;
		c->ike[0] = (struct ike_ike_proposal){ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256,
						       IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_MODP2048 };
		c->esp[0] = (struct ike_esp_proposal){ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 0 };
		/* more proposals than fit in 400 bytes: IKE_AUTH goes out as RFC 7383 fragments */
		for (size_t k = 1; k < IKE_MAX_PROPOSALS; k++)
			c->esp[k] = (struct ike_esp_proposal){ IKE_ENCR_AES_GCM_16, (uint16_t)(k & 1 ? 128 : 256), 0, 0 };
		c->n_esp = IKE_MAX_PROPOSALS;
		c->fragment_mtu = 400;
	}
	c0.force_encap = true;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 1002);
	p.tap = tap_fn;
	p.tap_ctx = &tp;
	id = ike_initiate(p.n[0].ep, p.n[0].peer, p.now);
	settle(&p);
	ike_dpd_now(p.n[0].ep, id, p.now);
	p.drop_next[1] = 1;
	ike_pair_run_until(&p, p.now + 10 * NS); /* retransmitted after 4 s, answered from the cache */
	ike_delete(p.n[0].ep, id, p.now);
	settle(&p);
	if (ike_sa_count(p.n[0].ep) || ike_sa_count(p.n[1].ep))
		g_error("session 2 did not end cleanly");
	write_rows(rows, &p);
	tp.offset_ns += p.now + 10 * NS;
	ike_pair_free(&p);

	/* session 3 */
	struct ike_pair_pki pki;
	ike_pair_pki_make(&pki, 2026, 1024);
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	ike_pair_use_certs(&c0, &pki, 0);
	ike_pair_use_certs(&c1, &pki, 1);
	c0.request_vip = true;
	c1.remote.ip = 0;
	c1.remote_ts[0] = (struct ike_ts4){ 0xac100000u, 0xac1000ffu, 0, 65535, 0 };
	c1.pool_start = 0xac100010u;
	c1.pool_size = 16;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 1003);
	p.tap = tap_fn;
	p.tap_ctx = &tp;
	id = ike_initiate(p.n[0].ep, p.n[0].peer, p.now);
	settle(&p);
	if (ike_sa_vip(p.n[0].ep, id) != 0xac100010u)
		g_error("session 3: no virtual IP");
	ike_delete(p.n[1].ep, ike_sa_find_established(p.n[1].ep, p.n[1].peer), p.now);
	settle(&p);
	if (ike_sa_count(p.n[0].ep) || ike_sa_count(p.n[1].ep))
		g_error("session 3 did not end cleanly");
	write_rows(rows, &p);
	ike_pair_free(&p);
	ike_pair_pki_free(&pki);

	fclose(rows);
	if (!sim_pcap_close(tp.pc, &err)) {
		fprintf(stderr, "%s\n", err->message);
		return 1;
	}
	printf("%u %u %u\n", tp.total, tp.encrypted, tp.natt);
	return 0;
}
