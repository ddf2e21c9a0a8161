/* test_ike_sa.c: the IKEv2 engine (models/ipsec/ike.h) with two peers in one process
 * (tests/ike_pair.h): PSK setup, proposal and selector negotiation, NAT-T, lost and duplicated
 * packets, retransmission presets, every failure RFC 7296 prescribes, DPD, DELETE, CHILD and IKE
 * rekeying (also crossing), cookies and the configuration payload. Node 0 initiates. */
#include "models/ipsec/esp.h"
#include "models/ipsec/ike.h"
#include "models/ipsec/ike_consts.h"
#include "models/ipsec/ike_sa_internal.h" /* white-box: authentic but malformed messages */
#include "tests/cu.h"
#include "tests/ike_pair.h"

#include <string.h>

#define MS (NS / 1000)

static const struct ike_child_info *first_child(const struct ike_pair *p, int i)
{
	return p->n[i].children->len ? &g_array_index(p->n[i].children, struct ike_child_info, 0) : NULL;
}

/* Runs a setup started by node 0 and returns node 0's SA id. */
static uint64_t setup(struct ike_pair *p)
{
	uint64_t id = ike_initiate(p->n[0].ep, p->n[0].peer, p->now);
	ike_pair_run_idle(p, p->now + 600 * NS);
	return id;
}

static unsigned count_child_events(const struct ike_pair *p, int i, bool up, enum ike_down_reason why)
{
	unsigned n = 0;
	for (guint k = 0; k < p->n[i].child_events->len; k++) {
		const struct ike_pair_child_event *e = &g_array_index(p->n[i].child_events, struct ike_pair_child_event, k);
		if (e->up == up && (up || e->why == why))
			n++;
	}
	return n;
}

static void check_one_matching_child(struct ike_pair *p);

/* ESP through the installed keys: node a encapsulates, node b decapsulates. */
static bool esp_roundtrip(const struct ike_pair *p, int a)
{
	const struct ike_child_info *x = first_child(p, a);
	if (!x)
		return false;
	const struct ike_child_info *y = ike_pair_child(p, 1 - a, x->spi_out);
	if (!y)
		return false;
	struct esp_sa_config co, ci;
	if (!ike_child_esp_config(x, ESP_DIR_OUT, &co) || !ike_child_esp_config(y, ESP_DIR_IN, &ci))
		return false;
	struct esp_sa *so = esp_sa_new(&co, 0, NULL), *si = esp_sa_new(&ci, 0, NULL);
	bool ok = false;
	if (so && si) {
		uint8_t buf[256] = { 0 };
		uint8_t *pkt = buf + ESP_MAX_HEADROOM + 8;
		memset(pkt, 0, 28);
		pkt[0] = 0x45;
		pkt[3] = 28;
		pkt[8] = 64;
		pkt[9] = 17;
		pkt[12] = 10;
		pkt[16] = 10;
		pkt[17] = 1;
		/* IPv4 header checksum */
		uint32_t s = 0;
		for (int i = 0; i < 20; i += 2)
			s += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		pkt[10] = (uint8_t)(~s >> 8);
		pkt[11] = (uint8_t)~s;
		pkt[20] = 0x12;
		pkt[21] = 0x34;
		pkt[22] = 0;
		pkt[23] = 9;
		pkt[25] = 8;
		struct esp_buf b = { pkt, 28, ESP_MAX_HEADROOM + 8, sizeof(buf) - ESP_MAX_HEADROOM - 8 - 28 };
		ok = esp_encap(so, &b, 0) == ESP_OK && esp_decap(si, &b, 0) == ESP_OK && b.len == 28 &&
		     b.data[20] == 0x12 && b.data[21] == 0x34;
	}
	esp_sa_free(so);
	esp_sa_free(si);
	return ok;
}

/* ---- step 1: setup ---- */

static void test_psk_setup_gcm(void)
{
	struct ike_pair p;
	ike_pair_init(&p, NULL, NULL, NULL, NULL, 1);
	uint64_t id = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	uint64_t rid = ike_sa_find_established(p.n[1].ep, p.n[1].peer);
	CU_ASSERT_NOT_EQUAL(rid, 0);
	uint64_t si0, sr0, si1, sr1;
	CU_ASSERT(ike_sa_spis(p.n[0].ep, id, &si0, &sr0));
	CU_ASSERT(ike_sa_spis(p.n[1].ep, rid, &si1, &sr1));
	CU_ASSERT(si0 == si1 && sr0 == sr1 && si0 && sr0);
	CU_ASSERT(ike_sa_is_initiator(p.n[0].ep, id));
	CU_ASSERT(!ike_sa_is_initiator(p.n[1].ep, rid));
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0), 1);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 1), 1);
	const struct ike_child_info *c0 = first_child(&p, 0), *c1 = first_child(&p, 1);
	CU_ASSERT_FATAL(c0 && c1);
	CU_ASSERT_EQUAL(c0->spi_in, c1->spi_out);
	CU_ASSERT_EQUAL(c0->spi_out, c1->spi_in);
	CU_ASSERT(ike_pair_child_matches(&p, 0, c0->spi_in));
	CU_ASSERT_EQUAL(c0->encr, IKE_ENCR_AES_GCM_16);
	CU_ASSERT_EQUAL(c0->encr_key_len, 36);
	CU_ASSERT_EQUAL(c0->integ_key_len, 0);
	CU_ASSERT(c0->initiator && !c1->initiator);
	CU_ASSERT(!c0->udp_encap && !c1->udp_encap);
	CU_ASSERT_EQUAL(c0->local_ts[0].start, 0x0a000000u);
	CU_ASSERT_EQUAL(c0->remote_ts[0].start, 0x0a010000u);
	CU_ASSERT_EQUAL(c1->local_ts[0].start, 0x0a010000u);
	CU_ASSERT(esp_roundtrip(&p, 0));
	CU_ASSERT(esp_roundtrip(&p, 1));
	/* 4 messages, no retransmissions, no drops */
	const struct ike_counters *k0 = ike_endpoint_counters(p.n[0].ep), *k1 = ike_endpoint_counters(p.n[1].ep);
	CU_ASSERT_EQUAL(k0->tx_req[0], 1);
	CU_ASSERT_EQUAL(k0->tx_req[1], 1);
	CU_ASSERT_EQUAL(k1->tx_resp[0], 1);
	CU_ASSERT_EQUAL(k1->tx_resp[1], 1);
	CU_ASSERT_EQUAL(k0->retransmits + k1->retransmits, 0);
	for (int d = 0; d < IKE_DROP_COUNT; d++)
		CU_ASSERT_EQUAL(k0->drops[d] + k1->drops[d], 0);
	/* established reported once per side, rows exported, same row on both sides */
	CU_ASSERT_EQUAL(p.n[0].n_established, 1);
	CU_ASSERT_EQUAL(p.n[1].n_established, 1);
	CU_ASSERT_EQUAL_FATAL(p.n[0].rows->len, 1);
	CU_ASSERT_STRING_EQUAL(g_ptr_array_index(p.n[0].rows, 0), g_ptr_array_index(p.n[1].rows, 0));
	CU_ASSERT(strstr(g_ptr_array_index(p.n[0].rows, 0), "AES-GCM-256 with 16 octet ICV [RFC5282]") != NULL);
	/* nothing is armed: no DPD, no rekey configured */
	CU_ASSERT_EQUAL(ike_pair_next_timer(&p, 0), INT64_MAX);
	CU_ASSERT_EQUAL(ike_pair_next_timer(&p, 1), INT64_MAX);
	ike_pair_free(&p);
}

static void test_psk_setup_cbc_modp(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	for (int i = 0; i < 2; i++) {
		struct ike_peer_cfg *c = i ? &c1 : &c0;
		c->ike[0] = (struct ike_ike_proposal){ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256,
						       IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_MODP2048 };
		c->esp[0] = (struct ike_esp_proposal){ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96, 0 };
	}
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 2);
	uint64_t id = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	const struct ike_child_info *c = first_child(&p, 0);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_EQUAL(c->encr, IKE_ENCR_AES_CBC);
	CU_ASSERT_EQUAL(c->encr_key_len, 16);
	CU_ASSERT_EQUAL(c->integ_key_len, 20);
	CU_ASSERT(ike_pair_child_matches(&p, 0, c->spi_in));
	CU_ASSERT(esp_roundtrip(&p, 0));
	CU_ASSERT(esp_roundtrip(&p, 1));
	char *row = ike_sa_wireshark_row(p.n[0].ep, id);
	CU_ASSERT(row && strstr(row, "AES-CBC-256 [RFC3602]") && strstr(row, "HMAC_SHA2_256_128 [RFC4868]"));
	g_free(row);
	ike_pair_free(&p);
}

/* The responder takes the first of the initiator's proposals it supports, for IKE and ESP. */
static void test_proposal_selection(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	c0.ike[0] = (struct ike_ike_proposal){ IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_384, 0, IKE_DH_ECP384 };
	c0.ike[1] = (struct ike_ike_proposal){ IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA1, IKE_INTEG_HMAC_SHA1_96,
					       IKE_DH_ECP384 };
	c0.ike[2] = (struct ike_ike_proposal){ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256,
					       IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_ECP384 };
	c0.n_ike = 3;
	/* the responder lists them the other way round and lacks the first */
	c1.ike[0] = c0.ike[2];
	c1.ike[1] = c0.ike[1];
	c1.n_ike = 2;
	c0.esp[0] = (struct ike_esp_proposal){ IKE_ENCR_AES_GCM_16, 128, 0, 0 };
	c0.esp[1] = (struct ike_esp_proposal){ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 0 };
	c0.esp[2] = (struct ike_esp_proposal){ IKE_ENCR_AES_GCM_16, 256, 0, 0 };
	c0.n_esp = 3;
	c1.esp[0] = c0.esp[2];
	c1.esp[1] = c0.esp[1];
	c1.n_esp = 2;
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 3);
	uint64_t id = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	char *row = ike_sa_wireshark_row(p.n[0].ep, id);
	CU_ASSERT(row && strstr(row, "AES-CBC-128 [RFC3602]") && strstr(row, "HMAC_SHA1_96 [RFC2404]"));
	g_free(row);
	const struct ike_child_info *c = first_child(&p, 0);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_EQUAL(c->encr, IKE_ENCR_AES_CBC);
	CU_ASSERT_EQUAL(c->encr_key_bits, 256);
	CU_ASSERT_EQUAL(c->integ, IKE_INTEG_HMAC_SHA2_256_128);
	CU_ASSERT(ike_pair_child_matches(&p, 0, c->spi_in));
	ike_pair_free(&p);
}

/* The responder narrows the selectors to the intersection with its own. */
static void test_ts_narrowing(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	/* initiator: 10.0.0.0/16 -> 10.1.0.0/16 any; responder: 10.0.5.0/24 (TCP) -> 10.0.0.0/8 */
	c1.remote_ts[0] = (struct ike_ts4){ 0x0a000500u, 0x0a0005ffu, 0, 65535, 6 };
	c1.local_ts[0] = (struct ike_ts4){ 0x0a000000u, 0x0affffffu, 0, 65535, 0 };
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 4);
	setup(&p);
	const struct ike_child_info *a = first_child(&p, 0), *b = first_child(&p, 1);
	CU_ASSERT_FATAL(a && b);
	CU_ASSERT_EQUAL(a->n_local_ts, 1);
	CU_ASSERT_EQUAL(a->local_ts[0].start, 0x0a000500u);
	CU_ASSERT_EQUAL(a->local_ts[0].end, 0x0a0005ffu);
	CU_ASSERT_EQUAL(a->local_ts[0].proto, 6);
	CU_ASSERT_EQUAL(a->remote_ts[0].start, 0x0a010000u);
	CU_ASSERT_EQUAL(a->remote_ts[0].end, 0x0a01ffffu);
	CU_ASSERT_EQUAL(b->remote_ts[0].start, 0x0a000500u);
	CU_ASSERT_EQUAL(b->local_ts[0].end, 0x0a01ffffu);
	ike_pair_free(&p);
}

static bool has_marker(const struct ike_dgram *d)
{
	return d->len >= 4 && !d->data[0] && !d->data[1] && !d->data[2] && !d->data[3];
}

struct port_log {
	unsigned n500, n4500, n_marker;
};

static void port_tap(void *ctx, int64_t t, const struct ike_dgram *d)
{
	(void)t;
	struct port_log *l = ctx;
	if (d->dst.port == 500 || d->src.port == 500)
		l->n500++;
	else {
		l->n4500++;
		l->n_marker += has_marker(d);
	}
}

/* Node 0 behind a NAT: detected by both, IKE_AUTH on 4500 with the marker, CHILD SAs encapsulated. */
static void test_nat_detected(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, true, &c0);
	ike_pair_default_cfg(1, true, &c1);
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 5);
	p.nat = true;
	struct port_log l = { 0 };
	p.tap = port_tap;
	p.tap_ctx = &l;
	uint64_t id = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	CU_ASSERT(ike_sa_udp_encap(p.n[0].ep, id));
	CU_ASSERT(ike_sa_udp_encap(p.n[1].ep, ike_sa_find_established(p.n[1].ep, p.n[1].peer)));
	CU_ASSERT_EQUAL(l.n500, 2);
	CU_ASSERT_EQUAL(l.n4500, 2);
	CU_ASSERT_EQUAL(l.n_marker, 2);
	const struct ike_child_info *a = first_child(&p, 0), *b = first_child(&p, 1);
	CU_ASSERT_FATAL(a && b);
	CU_ASSERT(a->udp_encap && b->udp_encap);
	CU_ASSERT_EQUAL(a->local.port, 4500);
	CU_ASSERT_EQUAL(a->remote.port, 4500);
	CU_ASSERT_EQUAL(b->remote.ip, IKE_PAIR_NAT_PUBLIC);
	CU_ASSERT_EQUAL(b->remote.port, 44500);
	CU_ASSERT(ike_pair_child_matches(&p, 0, a->spi_in));
	ike_pair_free(&p);
}

/* Behind the NAT, node 0 keeps the mapping open with a keepalive whenever it sent nothing for
 * 20 s; node 1 (not behind a NAT) sends none and ignores them. */
static void test_nat_keepalive(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, true, &c0);
	ike_pair_default_cfg(1, true, &c1);
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 5);
	p.nat = true;
	uint64_t id = setup(&p);
	/* node 0 last sent the IKE_AUTH request at 20 ms */
	CU_ASSERT_EQUAL(ike_pair_next_timer(&p, 0), 20 * MS + 20 * NS);
	ike_pair_run_until(&p, 65 * NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->keepalives_sent, 3);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->keepalives_sent, 0);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->drops[IKE_DROP_BAD_MARKER], 0);
	/* any other message resets the clock: a liveness check at 65 s, the next keepalive at 85 s */
	CU_ASSERT(ike_dpd_now(p.n[0].ep, id, p.now));
	ike_pair_run_until(&p, 85 * NS - 1);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->keepalives_sent, 3);
	ike_pair_run_until(&p, 85 * NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->keepalives_sent, 4);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	ike_pair_free(&p);
}

/* No NAT, but the initiator forces encapsulation (strongSwan's encap=yes). */
static void test_force_encap(void)
{
	struct ike_peer_cfg c0;
	ike_pair_default_cfg(0, false, &c0);
	c0.force_encap = true;
	struct ike_pair p;
	ike_pair_init(&p, &c0, NULL, NULL, NULL, 6);
	struct port_log l = { 0 };
	p.tap = port_tap;
	p.tap_ctx = &l;
	uint64_t id = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	CU_ASSERT_EQUAL(l.n4500, 2);
	CU_ASSERT_EQUAL(l.n_marker, 2);
	const struct ike_child_info *a = first_child(&p, 0), *b = first_child(&p, 1);
	CU_ASSERT_FATAL(a && b);
	CU_ASSERT(a->udp_encap && b->udp_encap);
	ike_pair_free(&p);
}

/* The first IKE_SA_INIT request is lost: retransmitted after exactly 4 s. The IKE_AUTH response
 * is lost: the retransmitted request is answered from the response cache. */
static void test_lost_packets(void)
{
	struct ike_pair p;
	ike_pair_init(&p, NULL, NULL, NULL, NULL, 7);
	p.drop_next[0] = 1;
	uint64_t id = ike_initiate(p.n[0].ep, p.n[0].peer, 0);
	CU_ASSERT_EQUAL(ike_pair_next_timer(&p, 0), 4 * NS);
	ike_pair_run_until(&p, 4 * NS - 1);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->rx_req[0], 0);
	/* let the INIT exchange complete, then lose the IKE_AUTH response */
	ike_pair_run_until(&p, 4 * NS + 25 * MS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->retransmits, 1);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_AUTH_SENT);
	p.drop_next[1] = 1;
	ike_pair_run_until(&p, 4 * NS + 100 * MS);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_AUTH_SENT);
	CU_ASSERT_EQUAL(p.n[1].n_established, 1);
	ike_pair_run_until(&p, 60 * NS);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->resp_resent, 1);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->retransmits, 2);
	CU_ASSERT_EQUAL(p.n[1].n_established, 1);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0), 1);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 1), 1);
	CU_ASSERT_EQUAL(count_child_events(&p, 1, true, 0), 1);
	CU_ASSERT(ike_pair_child_matches(&p, 0, first_child(&p, 0)->spi_in));
	ike_pair_free(&p);
}

static enum ike_pair_action dup_all(struct ike_pair *p, int from, const struct ike_dgram *d, void *ctx)
{
	return IKE_PAIR_DUPLICATE;
}

/* Every datagram arrives twice: one SA, one CHILD SA per side, the copies answered or dropped. */
static void test_duplicates(void)
{
	struct ike_pair p;
	ike_pair_init(&p, NULL, NULL, NULL, NULL, 8);
	p.filter = dup_all;
	uint64_t id = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	CU_ASSERT_EQUAL(ike_sa_count(p.n[1].ep), 1);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0), 1);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 1), 1);
	const struct ike_counters *k0 = ike_endpoint_counters(p.n[0].ep), *k1 = ike_endpoint_counters(p.n[1].ep);
	CU_ASSERT_EQUAL(k1->resp_resent, 2); /* both duplicated requests answered from cache */
	CU_ASSERT(k0->drops[IKE_DROP_UNEXPECTED] + k0->drops[IKE_DROP_MSG_ID] >= 2);
	ike_pair_free(&p);
}

/* No response ever: the strongSwan preset retransmits at 4, 11.2, 24.16, 47.488, 89.4784 s and
 * gives up at 165.06112 s; the iked preset at 4, 12, 28, 60 s and gives up at 124 s. */
static void check_schedule(struct ike_retransmit_cfg rc, const int64_t *expect, size_t n, int64_t dead_ns)
{
	struct ike_peer_cfg c0;
	ike_pair_default_cfg(0, false, &c0);
	c0.retransmit = rc;
	struct ike_pair p;
	ike_pair_init(&p, &c0, NULL, NULL, NULL, 9);
	p.silent[1] = true;
	uint64_t id = ike_initiate(p.n[0].ep, p.n[0].peer, 0);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(ike_pair_next_timer(&p, 0), expect[i]);
		ike_pair_run_until(&p, expect[i]);
		CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->retransmits, i + 1);
	}
	CU_ASSERT_EQUAL(ike_pair_next_timer(&p, 0), dead_ns);
	ike_pair_run_until(&p, dead_ns - 1);
	CU_ASSERT(ike_sa_exists(p.n[0].ep, id));
	ike_pair_run_until(&p, dead_ns);
	CU_ASSERT(!ike_sa_exists(p.n[0].ep, id));
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->dead_peers, 1);
	CU_ASSERT_EQUAL(p.n[0].n_dead, 1);
	ike_pair_free(&p);
}

static void test_retransmit_presets(void)
{
	const int64_t ss[] = { 4000000000, 11200000000, 24160000000, 47488000000, 89478400000 };
	check_schedule(ike_retransmit_strongswan(), ss, 5, 165061120000);
	const int64_t ik[] = { 4 * NS, 12 * NS, 28 * NS, 60 * NS };
	check_schedule(ike_retransmit_iked(), ik, 4, 124 * NS);
}

/* ---- step 2: failures ---- */

static void test_no_proposal_chosen(void)
{
	struct ike_peer_cfg c1;
	ike_pair_default_cfg(1, false, &c1);
	c1.ike[0].encr_key_bits = 128; /* initiator offers only GCM-256 */
	struct ike_pair p;
	ike_pair_init(&p, NULL, &c1, NULL, NULL, 10);
	uint64_t id = setup(&p);
	CU_ASSERT(!ike_sa_exists(p.n[0].ep, id));
	CU_ASSERT_EQUAL(ike_sa_count(p.n[1].ep), 0);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->notify_tx[IKE_N_NO_PROPOSAL_CHOSEN], 1);
	CU_ASSERT_EQUAL(p.n[0].n_dead, 1);
	CU_ASSERT_EQUAL(p.n[0].n_established, 0);
	ike_pair_free(&p);
}

/* The initiator's KE is for ECP-256 but the responder only takes MODP-2048: INVALID_KE_PAYLOAD,
 * then the retry with group 14 and the same proposal list succeeds. */
static void test_invalid_ke(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	c0.ike[1] = c0.ike[0];
	c0.ike[1].dh = IKE_DH_MODP2048;
	c0.n_ike = 2;
	c1.ike[0].dh = IKE_DH_MODP2048;
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 11);
	uint64_t id = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->invalid_ke_sent, 1);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->notify_rx[IKE_N_INVALID_KE_PAYLOAD], 1);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->tx_req[0], 2);
	CU_ASSERT(ike_pair_child_matches(&p, 0, first_child(&p, 0)->spi_in));
	/* a group the initiator never offered: it gives up */
	ike_pair_free(&p);
	c1.ike[0].dh = IKE_DH_ECP384;
	c1.ike[1] = c1.ike[0];
	c1.ike[1].dh = IKE_DH_MODP2048;
	c1.n_ike = 2;
	c0.n_ike = 1;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 12);
	id = setup(&p);
	CU_ASSERT(!ike_sa_exists(p.n[0].ep, id));
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->notify_tx[IKE_N_NO_PROPOSAL_CHOSEN], 1);
	ike_pair_free(&p);
}

static void test_auth_failed(void)
{
	struct ike_peer_cfg c1;
	ike_pair_default_cfg(1, false, &c1);
	memcpy(c1.psk, "Secret", 6);
	struct ike_pair p;
	ike_pair_init(&p, NULL, &c1, NULL, NULL, 13);
	uint64_t id = setup(&p);
	CU_ASSERT(!ike_sa_exists(p.n[0].ep, id));
	CU_ASSERT_EQUAL(ike_sa_count(p.n[1].ep), 0);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->notify_tx[IKE_N_AUTHENTICATION_FAILED], 1);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->notify_rx[IKE_N_AUTHENTICATION_FAILED], 1);
	CU_ASSERT_EQUAL(p.n[0].n_established + p.n[1].n_established, 0);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0) + ike_pair_n_children(&p, 1), 0);
	ike_pair_free(&p);
	/* wrong identity: the same answer */
	ike_pair_default_cfg(1, false, &c1);
	c1.remote_id = (struct ike_id){ IKE_ID_FQDN, 7, "alice.x" };
	ike_pair_init(&p, NULL, &c1, NULL, NULL, 14);
	id = setup(&p);
	CU_ASSERT(!ike_sa_exists(p.n[0].ep, id));
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->notify_tx[IKE_N_AUTHENTICATION_FAILED], 1);
	ike_pair_free(&p);
}

/* CHILD failures in IKE_AUTH leave the IKE SA up on both sides. */
static void child_failure(struct ike_peer_cfg *c1, uint16_t notify)
{
	struct ike_pair p;
	ike_pair_init(&p, NULL, c1, NULL, NULL, 15);
	uint64_t id = setup(&p);
	uint64_t rid = ike_sa_find_established(p.n[1].ep, p.n[1].peer);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	CU_ASSERT_NOT_EQUAL(rid, 0);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0) + ike_pair_n_children(&p, 1), 0);
	CU_ASSERT_EQUAL(ike_sa_error_notify(p.n[0].ep, id), notify);
	CU_ASSERT_EQUAL(ike_sa_error_notify(p.n[1].ep, rid), notify);
	/* the IKE SA works: a liveness check gets its answer */
	CU_ASSERT(ike_dpd_now(p.n[0].ep, id, p.now));
	ike_pair_run_idle(&p, p.now + NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->tx_resp[3], 1);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	ike_pair_free(&p);
}

static void test_child_no_proposal(void)
{
	struct ike_peer_cfg c1;
	ike_pair_default_cfg(1, false, &c1);
	c1.esp[0] = (struct ike_esp_proposal){ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128, 0 };
	child_failure(&c1, IKE_N_NO_PROPOSAL_CHOSEN);
}

static void test_ts_unacceptable(void)
{
	struct ike_peer_cfg c1;
	ike_pair_default_cfg(1, false, &c1);
	c1.remote_ts[0] = (struct ike_ts4){ 0xac100000u, 0xac10ffffu, 0, 65535, 0 }; /* 172.16/16 */
	child_failure(&c1, IKE_N_TS_UNACCEPTABLE);
}

struct capture {
	GPtrArray *msgs; /* GByteArray of every datagram node 0 sent */
};

static enum ike_pair_action capture_filter(struct ike_pair *p, int from, const struct ike_dgram *d, void *ctx)
{
	struct capture *c = ctx;
	if (from != 0)
		return IKE_PAIR_DELIVER;
	GByteArray *a = g_byte_array_new();
	g_byte_array_append(a, d->data, (guint)d->len);
	g_ptr_array_add(c->msgs, a);
	return IKE_PAIR_DELIVER;
}

static void inject(struct ike_pair *p, int to, const uint8_t *data, size_t len, uint16_t port)
{
	struct ike_dgram d = { .src = { to ? IKE_PAIR_ADDR0 : IKE_PAIR_ADDR1, port },
			       .dst = { to ? IKE_PAIR_ADDR1 : IKE_PAIR_ADDR0, port },
			       .data = data,
			       .len = len };
	ike_input(p->n[to].ep, &d, p->now);
}

/* Malformed datagrams are dropped and counted; INVALID_MAJOR_VERSION, UNSUPPORTED_CRITICAL_PAYLOAD
 * and INVALID_SYNTAX answer bad IKE_SA_INIT requests; a tampered SK payload is dropped. */
static void test_malformed(void)
{
	struct ike_pair p;
	ike_pair_init(&p, NULL, NULL, NULL, NULL, 16);
	struct capture cap = { g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref) };
	p.filter = capture_filter;
	p.filter_ctx = &cap;
	uint64_t id = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	CU_ASSERT_EQUAL_FATAL(cap.msgs->len, 2);
	const struct ike_counters *k1 = ike_endpoint_counters(p.n[1].ep);
	GByteArray *init = g_ptr_array_index(cap.msgs, 0), *auth = g_ptr_array_index(cap.msgs, 1);
	uint8_t junk[40] = { 1, 2, 3 };
	inject(&p, 1, junk, 10, 500); /* truncated header */
	inject(&p, 1, junk, 40, 500); /* length mismatch, bad version... */
	CU_ASSERT_EQUAL(k1->drops[IKE_DROP_PARSE], 2);
	/* ESP on 4500 (no marker) is not IKE */
	inject(&p, 1, junk, 40, 4500);
	CU_ASSERT_EQUAL(k1->drops[IKE_DROP_BAD_MARKER], 1);
	/* a new IKE_SA_INIT with major version 3 */
	uint8_t *m = g_memdup2(init->data, init->len);
	m[0] ^= 0x55; /* another SPIi */
	m[17] = 0x30;
	uint64_t tx = k1->tx_resp[0];
	inject(&p, 1, m, init->len, 500);
	CU_ASSERT_EQUAL(k1->tx_resp[0], tx + 1);
	CU_ASSERT_EQUAL(k1->notify_tx[IKE_N_INVALID_MAJOR_VERSION], 1);
	/* unknown payload type 60 with the critical bit, in front of the SA payload */
	GByteArray *u = g_byte_array_new();
	g_byte_array_append(u, init->data, 28);
	uint8_t crit[8] = { init->data[16], 0x80, 0, 8, 0xde, 0xad, 0xbe, 0xef };
	g_byte_array_append(u, crit, 8);
	g_byte_array_append(u, init->data + 28, init->len - 28);
	u->data[0] ^= 0x66;
	u->data[16] = 60;
	u->data[24] = (uint8_t)(u->len >> 24);
	u->data[25] = (uint8_t)(u->len >> 16);
	u->data[26] = (uint8_t)(u->len >> 8);
	u->data[27] = (uint8_t)u->len;
	inject(&p, 1, u->data, u->len, 500);
	CU_ASSERT_EQUAL(k1->notify_tx[IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD], 1);
	g_byte_array_unref(u);
	/* IKE_SA_INIT without KE: INVALID_SYNTAX (build: header + SA only by truncating after SA) */
	memcpy(m, init->data, init->len);
	m[0] ^= 0x77;
	size_t sa_len = (size_t)(m[30] << 8 | m[31]);
	m[28] = 0; /* SA's next payload: none */
	size_t nl = 28 + sa_len;
	m[24] = (uint8_t)(nl >> 24);
	m[25] = (uint8_t)(nl >> 16);
	m[26] = (uint8_t)(nl >> 8);
	m[27] = (uint8_t)nl;
	inject(&p, 1, m, nl, 500);
	CU_ASSERT_EQUAL(k1->notify_tx[IKE_N_INVALID_SYNTAX], 1);
	g_free(m);
	/* a tampered IKE_AUTH (last byte of the ICV), replayed: no longer the expected ID anyway, so
	 * alter the message ID back to the expected one to reach the ICV check */
	m = g_memdup2(auth->data, auth->len);
	m[20] = m[21] = m[22] = 0;
	m[23] = 2;
	m[auth->len - 1] ^= 1;
	uint64_t sk = k1->drops[IKE_DROP_SK];
	/* IKE_AUTH on an established SA: reaches the SK check first */
	inject(&p, 1, m, auth->len, 500);
	CU_ASSERT_EQUAL(k1->drops[IKE_DROP_SK], sk + 1);
	/* the same with a wrong message ID: dropped before decryption */
	m[23] = 9;
	inject(&p, 1, m, auth->len, 500);
	CU_ASSERT_EQUAL(k1->drops[IKE_DROP_MSG_ID], 1);
	g_free(m);
	CU_ASSERT_EQUAL(ike_sa_count(p.n[1].ep), 1);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	g_ptr_array_free(cap.msgs, TRUE);
	ike_pair_free(&p);
}

struct capture_all {
	GPtrArray *msgs; /* GByteArray: byte 0 the sender, then the datagram */
};

static enum ike_pair_action capture_all_filter(struct ike_pair *p, int from, const struct ike_dgram *d, void *ctx)
{
	struct capture_all *c = ctx;
	GByteArray *a = g_byte_array_new();
	uint8_t f = (uint8_t)from;
	g_byte_array_append(a, &f, 1);
	g_byte_array_append(a, d->data, (guint)d->len);
	g_ptr_array_add(c->msgs, a);
	return IKE_PAIR_DELIVER;
}

/* Every datagram of a session (setup, rekeys, DPD, delete), mutated (1-4 bytes flipped, or cut)
 * thousands of times and fed to the established peers: everything is dropped and counted or
 * answered, nothing crashes (run it under the sanitizers and valgrind), the SAs stay up. */
static void test_mutated_input(void)
{
	struct ike_pair p;
	ike_pair_init(&p, NULL, NULL, NULL, NULL, 70);
	struct capture_all cap = { g_ptr_array_new_with_free_func((GDestroyNotify)g_byte_array_unref) };
	p.filter = capture_all_filter;
	p.filter_ctx = &cap;
	uint64_t id = setup(&p);
	ike_child_rekey(p.n[0].ep, id, first_child(&p, 0)->spi_in, p.now);
	ike_pair_run_idle(&p, p.now + NS);
	ike_dpd_now(p.n[0].ep, id, p.now);
	ike_pair_run_idle(&p, p.now + NS);
	p.filter = NULL;
	CU_ASSERT_FATAL(cap.msgs->len >= 10);
	uint32_t spi = first_child(&p, 0)->spi_in;
	uint64_t rng = 12345;
	unsigned injected = 0;
	for (guint m = 0; m < cap.msgs->len; m++) {
		GByteArray *orig = g_ptr_array_index(cap.msgs, m);
		int to = 1 - orig->data[0];
		for (int it = 0; it < 300; it++) {
			GByteArray *a = g_byte_array_new();
			g_byte_array_append(a, orig->data + 1, orig->len - 1);
			rng = rng * 6364136223846793005ull + 1442695040888963407ull;
			unsigned r = (unsigned)(rng >> 33);
			if (r % 8 == 0) {
				g_byte_array_set_size(a, r % a->len);
			} else {
				for (unsigned k = 0; k <= r % 4; k++) {
					rng = rng * 6364136223846793005ull + 1442695040888963407ull;
					unsigned pos = (unsigned)(rng >> 33) % a->len;
					a->data[pos] ^= (uint8_t)(1u << ((rng >> 20) & 7));
				}
			}
			inject(&p, to, a->data, a->len, 500);
			injected++;
			g_byte_array_unref(a);
		}
	}
	/* answers to the mutants go out through the harness; let them land */
	ike_pair_run_idle(&p, p.now + NS);
	CU_ASSERT(injected >= 3000);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	CU_ASSERT(ike_pair_child(&p, 0, spi) != NULL);
	const struct ike_counters *k1 = ike_endpoint_counters(p.n[1].ep);
	uint64_t drops = 0;
	for (int d = 0; d < IKE_DROP_COUNT; d++)
		drops += k1->drops[d];
	CU_ASSERT(drops > 1000);
	/* and the SA still works end to end */
	CU_ASSERT(ike_child_rekey(p.n[0].ep, id, spi, p.now));
	ike_pair_run_idle(&p, p.now + NS);
	check_one_matching_child(&p);
	g_ptr_array_free(cap.msgs, TRUE);
	ike_pair_free(&p);
}

/* Sends an authentic INFORMATIONAL request from node 0's SA whose inner chain is one raw payload. */
static void send_authentic(struct ike_pair *p, uint64_t id, uint8_t type, bool critical, const uint8_t *body,
			   size_t len)
{
	struct ike_sa *sa = ike_sa_by_id(p->n[0].ep, id);
	CU_ASSERT_FATAL(sa != NULL);
	struct ike_builder b;
	ike_builder_init_inner(&b);
	ike_build_raw(&b, type, critical, body, len);
	GByteArray *m = ike_msg_seal(sa, IKE_EXCH_INFORMATIONAL, false, sa->next_req_id, &b);
	CU_ASSERT_FATAL(m != NULL);
	sa->next_req_id++; /* the message ID is used up */
	struct ike_dgram d = { .src = sa->local, .dst = sa->remote, .data = m->data, .len = m->len };
	ike_input(p->n[1].ep, &d, p->now);
	g_byte_array_unref(m);
	ike_pair_run_idle(p, p->now + NS);
}

/* Authentic requests with a malformed inner chain get INVALID_SYNTAX; with an unknown critical
 * payload UNSUPPORTED_CRITICAL_PAYLOAD (RFC 7296 §2.5, §2.21); the SA carries on. */
static void test_authentic_malformed(void)
{
	struct ike_pair p;
	ike_pair_init(&p, NULL, NULL, NULL, NULL, 71);
	uint64_t id = setup(&p);
	const struct ike_counters *k1 = ike_endpoint_counters(p.n[1].ep);
	/* TSi announcing 2 selectors but holding 1 */
	uint8_t ts[4 + 16] = { 2,    0,	   0,  0, IKE_TS_IPV4_ADDR_RANGE, 0, 0, 16, 0, 0,
			       0xff, 0xff, 10, 0, 0,			  0, 10, 0,  255, 255 };
	send_authentic(&p, id, IKE_PL_TSI, false, ts, sizeof(ts));
	CU_ASSERT_EQUAL(k1->notify_tx[IKE_N_INVALID_SYNTAX], 1);
	CU_ASSERT_EQUAL(k1->parse_drops[IKE_PARSE_TS_COUNT], 1);
	uint8_t junk[4] = { 1, 2, 3, 4 };
	send_authentic(&p, id, 250, true, junk, sizeof(junk));
	CU_ASSERT_EQUAL(k1->notify_tx[IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD], 1);
	/* unknown but not critical: skipped, answered normally */
	send_authentic(&p, id, 250, false, junk, sizeof(junk));
	CU_ASSERT_EQUAL(k1->notify_tx[IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD], 1);
	CU_ASSERT_EQUAL(k1->tx_resp[3], 3);
	/* the SA carries on */
	CU_ASSERT(ike_dpd_now(p.n[0].ep, id, p.now));
	ike_pair_run_idle(&p, p.now + NS);
	CU_ASSERT_EQUAL(k1->tx_resp[3], 4);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->retransmits, 0);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	ike_pair_free(&p);
}

/* Retransmission jitter shortens each wait by up to jitter_pct percent, drawn from the random
 * callback. */
static void test_retransmit_jitter(void)
{
	struct ike_peer_cfg c0;
	ike_pair_default_cfg(0, false, &c0);
	c0.retransmit = ike_retransmit_strongswan();
	c0.retransmit.jitter_pct = 20;
	struct ike_pair p;
	ike_pair_init(&p, &c0, NULL, NULL, NULL, 72);
	p.silent[1] = true;
	ike_initiate(p.n[0].ep, p.n[0].peer, 0);
	int64_t t = ike_pair_next_timer(&p, 0);
	CU_ASSERT(t >= 3200 * MS && t < 4 * NS);
	ike_pair_run_until(&p, t);
	int64_t t2 = ike_pair_next_timer(&p, 0);
	CU_ASSERT(t2 - t >= 5760 * MS && t2 - t < 7200 * MS);
	ike_pair_free(&p);
}

/* ---- step 3: INFORMATIONAL ---- */

/* DPD 30 s on node 0, node 1 goes silent right after the setup: the probe goes out at 30 s after
 * the last message, the peer is declared dead 165.06112 s later (strongSwan preset), the CHILD
 * SA goes down with the IKE SA. */
static void test_dpd_dead_peer(void)
{
	struct ike_peer_cfg c0;
	ike_pair_default_cfg(0, false, &c0);
	c0.dpd_interval_ns = 30 * NS;
	struct ike_pair p;
	ike_pair_init(&p, &c0, NULL, NULL, NULL, 17);
	uint64_t id = setup(&p);
	CU_ASSERT_EQUAL_FATAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	/* the last message node 0 received: the IKE_AUTH response at 40 ms */
	int64_t t_last = 40 * MS;
	CU_ASSERT_EQUAL(ike_pair_next_timer(&p, 0), t_last + 30 * NS);
	p.silent[1] = true;
	ike_pair_run_until(&p, t_last + 30 * NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->dpd_sent, 1);
	int64_t dead = t_last + 30 * NS + 165061120000;
	ike_pair_run_until(&p, dead - 1);
	CU_ASSERT(ike_sa_exists(p.n[0].ep, id));
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->retransmits, 5);
	ike_pair_run_until(&p, dead);
	CU_ASSERT(!ike_sa_exists(p.n[0].ep, id));
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->dead_peers, 1);
	CU_ASSERT_EQUAL(count_child_events(&p, 0, false, IKE_DOWN_PEER_DEAD), 1);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0), 0);
	const struct ike_pair_state_event *e =
		&g_array_index(p.n[0].states, struct ike_pair_state_event, p.n[0].states->len - 1);
	CU_ASSERT_EQUAL(e->new_state, IKE_SA_DEAD);
	CU_ASSERT_EQUAL(e->t_ns, dead);
	ike_pair_free(&p);
}

/* A liveness check goes out only when nothing arrived for the interval: node 1 probes every 10 s,
 * so node 0 (30 s) never needs to. */
static void test_dpd_only_when_idle(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	c0.dpd_interval_ns = 30 * NS;
	c1.dpd_interval_ns = 10 * NS;
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 18);
	uint64_t id = setup(&p);
	ike_pair_run_until(&p, 300 * NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->dpd_sent, 0);
	CU_ASSERT(ike_endpoint_counters(p.n[1].ep)->dpd_sent >= 29);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->tx_resp[3], ike_endpoint_counters(p.n[1].ep)->dpd_sent);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	ike_pair_free(&p);
}

static void test_delete(void)
{
	struct ike_pair p;
	ike_pair_init(&p, NULL, NULL, NULL, NULL, 19);
	uint64_t id = setup(&p);
	uint32_t spi = first_child(&p, 0)->spi_in;
	/* CHILD delete from node 0 */
	CU_ASSERT(ike_child_delete(p.n[0].ep, id, spi, p.now));
	ike_pair_run_idle(&p, p.now + NS);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0), 0);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 1), 0);
	CU_ASSERT_EQUAL(count_child_events(&p, 0, false, IKE_DOWN_DELETED_LOCAL), 1);
	CU_ASSERT_EQUAL(count_child_events(&p, 1, false, IKE_DOWN_DELETED_PEER), 1);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	/* unknown SPI refused */
	CU_ASSERT(!ike_child_delete(p.n[0].ep, id, spi, p.now));
	ike_pair_free(&p);
	/* IKE delete from the responder side takes the CHILD SAs with it */
	ike_pair_init(&p, NULL, NULL, NULL, NULL, 20);
	id = setup(&p);
	uint64_t rid = ike_sa_find_established(p.n[1].ep, p.n[1].peer);
	CU_ASSERT(ike_delete(p.n[1].ep, rid, p.now));
	CU_ASSERT_EQUAL(ike_sa_state(p.n[1].ep, rid), IKE_SA_DELETING);
	ike_pair_run_idle(&p, p.now + NS);
	CU_ASSERT_EQUAL(ike_sa_count(p.n[0].ep) + ike_sa_count(p.n[1].ep), 0);
	CU_ASSERT_EQUAL(count_child_events(&p, 0, false, IKE_DOWN_IKE_GONE), 1);
	CU_ASSERT_EQUAL(count_child_events(&p, 1, false, IKE_DOWN_IKE_GONE), 1);
	CU_ASSERT_EQUAL(ike_pair_next_timer(&p, 0), INT64_MAX);
	CU_ASSERT_EQUAL(ike_pair_next_timer(&p, 1), INT64_MAX);
	ike_pair_free(&p);
}

/* Both sides delete the same CHILD SA at once (RFC 7296 §1.4.1: neither echoes it), then both
 * delete the IKE SA at once: everything is gone on both sides, nothing is retransmitted. */
static void test_delete_crossing(void)
{
	struct ike_pair p;
	ike_pair_init(&p, NULL, NULL, NULL, NULL, 29);
	uint64_t id = setup(&p);
	uint64_t rid = ike_sa_find_established(p.n[1].ep, p.n[1].peer);
	CU_ASSERT(ike_child_delete(p.n[0].ep, id, first_child(&p, 0)->spi_in, p.now));
	CU_ASSERT(ike_child_delete(p.n[1].ep, rid, first_child(&p, 1)->spi_in, p.now));
	ike_pair_run_idle(&p, p.now + NS);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0) + ike_pair_n_children(&p, 1), 0);
	CU_ASSERT_EQUAL(count_child_events(&p, 0, false, IKE_DOWN_DELETED_PEER), 1);
	CU_ASSERT_EQUAL(count_child_events(&p, 1, false, IKE_DOWN_DELETED_PEER), 1);
	CU_ASSERT(ike_delete(p.n[0].ep, id, p.now));
	CU_ASSERT(ike_delete(p.n[1].ep, rid, p.now));
	ike_pair_run_until(&p, p.now + 200 * NS);
	CU_ASSERT_EQUAL(ike_sa_count(p.n[0].ep) + ike_sa_count(p.n[1].ep), 0);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->retransmits + ike_endpoint_counters(p.n[1].ep)->retransmits, 0);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->dead_peers, 0);
	ike_pair_free(&p);
}

/* ---- step 4: CREATE_CHILD_SA ---- */

static void check_one_matching_child(struct ike_pair *p)
{
	CU_ASSERT_EQUAL(ike_pair_n_children(p, 0), 1);
	CU_ASSERT_EQUAL(ike_pair_n_children(p, 1), 1);
	if (ike_pair_n_children(p, 0) == 1)
		CU_ASSERT(ike_pair_child_matches(p, 0, first_child(p, 0)->spi_in));
}

static void test_child_rekey(void)
{
	for (int pfs = 0; pfs < 2; pfs++) {
		struct ike_peer_cfg c0, c1;
		ike_pair_default_cfg(0, false, &c0);
		ike_pair_default_cfg(1, false, &c1);
		if (pfs)
			c0.esp[0].dh = c1.esp[0].dh = IKE_DH_CURVE25519;
		struct ike_pair p;
		ike_pair_init(&p, &c0, &c1, NULL, NULL, 21);
		uint64_t id = setup(&p);
		struct ike_child_info old = *first_child(&p, 0);
		CU_ASSERT(ike_child_rekey(p.n[0].ep, id, old.spi_in, p.now));
		ike_pair_run_idle(&p, p.now + NS);
		check_one_matching_child(&p);
		const struct ike_child_info *c = first_child(&p, 0);
		CU_ASSERT_NOT_EQUAL(c->spi_in, old.spi_in);
		CU_ASSERT(memcmp(c->key_in_encr, old.key_in_encr, old.encr_key_len) != 0);
		CU_ASSERT_EQUAL(c->pfs_dh, pfs ? IKE_DH_CURVE25519 : 0);
		CU_ASSERT_EQUAL(count_child_events(&p, 0, false, IKE_DOWN_REKEYED), 1);
		CU_ASSERT_EQUAL(count_child_events(&p, 1, false, IKE_DOWN_REKEYED), 1);
		CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->child_rekeys, 1);
		CU_ASSERT(esp_roundtrip(&p, 0));
		CU_ASSERT(esp_roundtrip(&p, 1));
		/* the responder's side can rekey too */
		uint64_t rid = ike_sa_find_established(p.n[1].ep, p.n[1].peer);
		CU_ASSERT(ike_child_rekey(p.n[1].ep, rid, first_child(&p, 1)->spi_in, p.now));
		ike_pair_run_idle(&p, p.now + NS);
		check_one_matching_child(&p);
		ike_pair_free(&p);
	}
}

/* PFS groups differ: the responder answers INVALID_KE_PAYLOAD with its group, the initiator
 * retries with it. */
static void test_child_rekey_pfs_mismatch(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	c0.esp[0].dh = IKE_DH_MODP2048;
	c0.esp[1] = c0.esp[0];
	c0.esp[1].dh = IKE_DH_ECP256;
	c0.n_esp = 2;
	c1.esp[0].dh = IKE_DH_ECP256;
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 22);
	uint64_t id = setup(&p);
	CU_ASSERT(ike_child_rekey(p.n[0].ep, id, first_child(&p, 0)->spi_in, p.now));
	ike_pair_run_idle(&p, p.now + NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->notify_tx[IKE_N_INVALID_KE_PAYLOAD], 1);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->notify_tx[IKE_N_NO_PROPOSAL_CHOSEN], 0);
	check_one_matching_child(&p);
	CU_ASSERT_EQUAL(first_child(&p, 0)->pfs_dh, IKE_DH_ECP256);
	ike_pair_free(&p);
}

/* The crossing case decided: with node 0's nonces falling faster, node 1's exchange carries the
 * lowest nonce (node 0's Nr), so node 1 deletes the CHILD SA it created and node 0 deletes the old
 * one: the survivor is the one node 0 initiated (and the same with IKE SAs). */
static void test_rekey_collision_lowest_nonce(void)
{
	struct ike_pair p;
	ike_pair_init(&p, NULL, NULL, NULL, NULL, 50);
	p.descending_nonces = true;
	uint64_t id = setup(&p);
	uint64_t rid = ike_sa_find_established(p.n[1].ep, p.n[1].peer);
	CU_ASSERT(ike_child_rekey(p.n[0].ep, id, first_child(&p, 0)->spi_in, p.now));
	CU_ASSERT(ike_child_rekey(p.n[1].ep, rid, first_child(&p, 1)->spi_in, p.now));
	ike_pair_run_idle(&p, p.now + 10 * NS);
	check_one_matching_child(&p);
	CU_ASSERT(first_child(&p, 0)->initiator);
	CU_ASSERT(!first_child(&p, 1)->initiator);
	/* node 0's redundant-deleting peer: node 1 deleted one SA it created, node 0 the old one */
	CU_ASSERT_EQUAL(count_child_events(&p, 0, false, IKE_DOWN_DELETED_PEER), 1);
	CU_ASSERT(ike_rekey(p.n[0].ep, id, p.now));
	CU_ASSERT(ike_rekey(p.n[1].ep, rid, p.now));
	ike_pair_run_idle(&p, p.now + 10 * NS);
	uint64_t a = ike_sa_find_established(p.n[0].ep, p.n[0].peer);
	CU_ASSERT_EQUAL(ike_sa_count(p.n[0].ep), 1);
	CU_ASSERT(a && ike_sa_is_initiator(p.n[0].ep, a));
	CU_ASSERT(ike_sa_children(p.n[0].ep, a, NULL, 0) == 1);
	ike_pair_free(&p);
}

/* Both sides rekey the same CHILD SA at the same moment: both requests cross, both responses
 * arrive, the lowest-nonce rule leaves exactly one new CHILD SA that both agree on. */
static void test_child_rekey_collision(void)
{
	for (uint64_t seed = 30; seed < 36; seed++) {
		struct ike_pair p;
		ike_pair_init(&p, NULL, NULL, NULL, NULL, seed);
		uint64_t id = setup(&p);
		uint64_t rid = ike_sa_find_established(p.n[1].ep, p.n[1].peer);
		uint32_t s0 = first_child(&p, 0)->spi_in, s1 = first_child(&p, 1)->spi_in;
		CU_ASSERT(ike_child_rekey(p.n[0].ep, id, s0, p.now));
		CU_ASSERT(ike_child_rekey(p.n[1].ep, rid, s1, p.now));
		ike_pair_run_idle(&p, p.now + 10 * NS);
		check_one_matching_child(&p);
		CU_ASSERT(ike_pair_child(&p, 0, s0) == NULL);
		CU_ASSERT_EQUAL(count_child_events(&p, 0, true, 0), 3);
		CU_ASSERT_EQUAL(count_child_events(&p, 1, true, 0), 3);
		CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
		CU_ASSERT(esp_roundtrip(&p, 0));
		ike_pair_free(&p);
	}
}

/* The rekeying side prefers another group than the one in use: its KE (the current group) gets
 * INVALID_KE_PAYLOAD from the peer, which picks the first proposal it supports; the retry wins. */
static void test_ike_rekey_invalid_ke(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	c0.ike[1] = c0.ike[0];
	c0.ike[1].dh = IKE_DH_MODP2048;
	c0.n_ike = 2; /* ECP-256, MODP-2048 */
	c1.ike[1] = c1.ike[0];
	c1.ike[0].dh = IKE_DH_MODP2048;
	c1.n_ike = 2; /* MODP-2048, ECP-256 */
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 52);
	setup(&p); /* node 1 takes node 0's first choice: ECP-256 */
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->invalid_ke_sent, 0);
	uint64_t rid = ike_sa_find_established(p.n[1].ep, p.n[1].peer);
	CU_ASSERT(ike_rekey(p.n[1].ep, rid, p.now));
	ike_pair_run_idle(&p, p.now + NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->invalid_ke_sent, 1);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->ike_rekeys, 1);
	CU_ASSERT_EQUAL(ike_sa_count(p.n[0].ep), 1);
	CU_ASSERT_EQUAL(ike_sa_count(p.n[1].ep), 1);
	check_one_matching_child(&p);
	ike_pair_free(&p);
}

/* A CHILD rekey from node 0 crosses an IKE rekey from node 1: both are refused with
 * TEMPORARY_FAILURE, retried after random 1-5 s delays, and both eventually complete. */
static void test_rekey_child_vs_ike(void)
{
	struct ike_pair p;
	ike_pair_init(&p, NULL, NULL, NULL, NULL, 51);
	uint64_t id = setup(&p);
	uint64_t rid = ike_sa_find_established(p.n[1].ep, p.n[1].peer);
	CU_ASSERT(ike_child_rekey(p.n[0].ep, id, first_child(&p, 0)->spi_in, p.now));
	CU_ASSERT(ike_rekey(p.n[1].ep, rid, p.now));
	ike_pair_run_until(&p, p.now + 60 * NS);
	const struct ike_counters *k0 = ike_endpoint_counters(p.n[0].ep), *k1 = ike_endpoint_counters(p.n[1].ep);
	CU_ASSERT(k0->notify_rx[IKE_N_TEMPORARY_FAILURE] + k1->notify_rx[IKE_N_TEMPORARY_FAILURE] >= 1);
	CU_ASSERT_EQUAL(k1->ike_rekeys, 1);
	CU_ASSERT_EQUAL(k0->child_rekeys, 1);
	CU_ASSERT_EQUAL(ike_sa_count(p.n[0].ep), 1);
	CU_ASSERT_EQUAL(ike_sa_count(p.n[1].ep), 1);
	check_one_matching_child(&p);
	ike_pair_free(&p);
}

static void test_ike_rekey(void)
{
	struct ike_peer_cfg c0;
	ike_pair_default_cfg(0, false, &c0);
	c0.dpd_interval_ns = 30 * NS;
	struct ike_pair p;
	ike_pair_init(&p, &c0, NULL, NULL, NULL, 23);
	uint64_t id = setup(&p);
	uint64_t si, sr;
	ike_sa_spis(p.n[0].ep, id, &si, &sr);
	uint32_t spi = first_child(&p, 0)->spi_in;
	/* the responder rekeys: roles follow the rekey initiator */
	uint64_t rid = ike_sa_find_established(p.n[1].ep, p.n[1].peer);
	CU_ASSERT(ike_rekey(p.n[1].ep, rid, p.now));
	ike_pair_run_idle(&p, p.now + NS);
	CU_ASSERT(!ike_sa_exists(p.n[0].ep, id));
	CU_ASSERT(!ike_sa_exists(p.n[1].ep, rid));
	CU_ASSERT_EQUAL(ike_sa_count(p.n[0].ep), 1);
	CU_ASSERT_EQUAL(ike_sa_count(p.n[1].ep), 1);
	uint64_t nid = ike_sa_find_established(p.n[0].ep, p.n[0].peer);
	uint64_t nrid = ike_sa_find_established(p.n[1].ep, p.n[1].peer);
	CU_ASSERT_FATAL(nid && nrid);
	CU_ASSERT(!ike_sa_is_initiator(p.n[0].ep, nid));
	CU_ASSERT(ike_sa_is_initiator(p.n[1].ep, nrid));
	uint64_t nsi, nsr, msi, msr;
	ike_sa_spis(p.n[0].ep, nid, &nsi, &nsr);
	ike_sa_spis(p.n[1].ep, nrid, &msi, &msr);
	CU_ASSERT(nsi == msi && nsr == msr && nsi != si && nsr != sr);
	char *r0 = ike_sa_wireshark_row(p.n[0].ep, nid), *r1 = ike_sa_wireshark_row(p.n[1].ep, nrid);
	CU_ASSERT(r0 && r1 && strcmp(r0, r1) == 0);
	g_free(r0);
	g_free(r1);
	/* CHILD SAs moved, not reinstalled */
	CU_ASSERT(ike_pair_child(&p, 0, spi) != NULL);
	CU_ASSERT_EQUAL(count_child_events(&p, 0, true, 0), 1);
	CU_ASSERT_EQUAL(count_child_events(&p, 0, false, IKE_DOWN_IKE_GONE), 0);
	CU_ASSERT_EQUAL(ike_sa_children(p.n[0].ep, nid, NULL, 0), 1);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->ike_rekeys, 1);
	/* message IDs restart at 0 on the new SA: a CHILD rekey and DPD work over it */
	CU_ASSERT(ike_child_rekey(p.n[0].ep, nid, spi, p.now));
	ike_pair_run_idle(&p, p.now + NS);
	check_one_matching_child(&p);
	ike_pair_run_until(&p, p.now + 31 * NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->dpd_sent, 1);
	ike_pair_run_until(&p, p.now + NS);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, nid), IKE_SA_ESTABLISHED);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->drops[IKE_DROP_MSG_ID], 0);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->drops[IKE_DROP_MSG_ID], 0);
	ike_pair_free(&p);
}

static void test_ike_rekey_collision(void)
{
	for (uint64_t seed = 40; seed < 46; seed++) {
		struct ike_pair p;
		ike_pair_init(&p, NULL, NULL, NULL, NULL, seed);
		uint64_t id = setup(&p);
		uint64_t rid = ike_sa_find_established(p.n[1].ep, p.n[1].peer);
		uint32_t spi = first_child(&p, 0)->spi_in;
		CU_ASSERT(ike_rekey(p.n[0].ep, id, p.now));
		CU_ASSERT(ike_rekey(p.n[1].ep, rid, p.now));
		ike_pair_run_idle(&p, p.now + 10 * NS);
		CU_ASSERT_EQUAL(ike_sa_count(p.n[0].ep), 1);
		CU_ASSERT_EQUAL(ike_sa_count(p.n[1].ep), 1);
		uint64_t a = ike_sa_find_established(p.n[0].ep, p.n[0].peer);
		uint64_t b = ike_sa_find_established(p.n[1].ep, p.n[1].peer);
		CU_ASSERT_FATAL(a && b);
		uint64_t ai, ar, bi, br;
		ike_sa_spis(p.n[0].ep, a, &ai, &ar);
		ike_sa_spis(p.n[1].ep, b, &bi, &br);
		CU_ASSERT(ai == bi && ar == br);
		CU_ASSERT_EQUAL(ike_sa_children(p.n[0].ep, a, NULL, 0), 1);
		CU_ASSERT_EQUAL(ike_sa_children(p.n[1].ep, b, NULL, 0), 1);
		CU_ASSERT(ike_pair_child(&p, 0, spi) != NULL);
		check_one_matching_child(&p);
		/* the survivor works */
		CU_ASSERT(ike_dpd_now(p.n[0].ep, a, p.now));
		CU_ASSERT(ike_dpd_now(p.n[1].ep, b, p.now));
		ike_pair_run_idle(&p, p.now + NS);
		CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->drops[IKE_DROP_MSG_ID], 0);
		CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, a), IKE_SA_ESTABLISHED);
		CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->retransmits, 0);
		ike_pair_free(&p);
	}
}

/* Rekey and lifetimes by time with jitter; rekey by bytes reported by the ESP layer. */
static void test_rekey_times(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	c0.child_rekey_ns = 3600 * NS;
	c0.rekey_jitter_ns = 360 * NS;
	c0.ike_rekey_ns = 3 * 3600 * NS;
	c0.child_lifetime_bytes = 2000000;
	c0.child_rekey_bytes = 1000000;
	c1.child_rekey_ns = 7200 * NS; /* the responder would rekey later */
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 24);
	setup(&p);
	int64_t t0 = p.now;
	const struct ike_child_info *c = first_child(&p, 0);
	CU_ASSERT(c->rekey_at_ns >= 40 * MS + 3240 * NS && c->rekey_at_ns <= 40 * MS + 3600 * NS);
	int64_t rk = c->rekey_at_ns;
	ike_pair_run_until(&p, rk - 1);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->child_rekeys, 0);
	ike_pair_run_until(&p, rk + NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->child_rekeys, 1);
	check_one_matching_child(&p);
	/* bytes: below the soft limit nothing, above it a rekey */
	uint32_t spi = first_child(&p, 0)->spi_in;
	ike_child_bytes(p.n[0].ep, spi, 999999, p.now);
	ike_pair_run_idle(&p, p.now + NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->child_rekeys, 1);
	ike_child_bytes(p.n[0].ep, spi, 1000000, p.now);
	ike_pair_run_idle(&p, p.now + NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->child_rekeys, 2);
	check_one_matching_child(&p);
	/* the hard byte limit deletes it */
	spi = first_child(&p, 0)->spi_in;
	ike_child_bytes(p.n[0].ep, spi, 2000000, p.now);
	ike_pair_run_idle(&p, p.now + NS);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0), 0);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 1), 0);
	CU_ASSERT_EQUAL(count_child_events(&p, 0, false, IKE_DOWN_EXPIRED), 1);
	/* the IKE SA rekeys itself between 3 h - 360 s and 3 h */
	ike_pair_run_until(&p, t0 + 3 * 3600 * NS - 360 * NS - NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->ike_rekeys, 0);
	ike_pair_run_until(&p, t0 + 3 * 3600 * NS + NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->ike_rekeys, 1);
	CU_ASSERT_EQUAL(ike_sa_count(p.n[0].ep), 1);
	ike_pair_free(&p);
}

/* Hard lifetimes by time: the CHILD SA expires (removed here, DELETE to the peer), then the IKE
 * SA (DELETE, both sides gone). */
static void test_lifetimes(void)
{
	struct ike_peer_cfg c0;
	ike_pair_default_cfg(0, false, &c0);
	c0.child_lifetime_ns = 100 * NS;
	c0.ike_lifetime_ns = 200 * NS;
	struct ike_pair p;
	ike_pair_init(&p, &c0, NULL, NULL, NULL, 28);
	uint64_t id = setup(&p);
	int64_t t_est = 40 * MS;
	CU_ASSERT_EQUAL(first_child(&p, 0)->expire_at_ns, t_est + 100 * NS);
	CU_ASSERT_EQUAL(first_child(&p, 1)->expire_at_ns, INT64_MAX);
	ike_pair_run_until(&p, t_est + 100 * NS - 1);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0), 1);
	ike_pair_run_until(&p, t_est + 100 * NS + NS);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0), 0);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 1), 0);
	CU_ASSERT_EQUAL(count_child_events(&p, 0, false, IKE_DOWN_EXPIRED), 1);
	CU_ASSERT_EQUAL(count_child_events(&p, 1, false, IKE_DOWN_DELETED_PEER), 1);
	ike_pair_run_until(&p, t_est + 200 * NS - 1);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	ike_pair_run_until(&p, t_est + 200 * NS + NS);
	CU_ASSERT_EQUAL(ike_sa_count(p.n[0].ep) + ike_sa_count(p.n[1].ep), 0);
	CU_ASSERT_EQUAL(ike_pair_next_timer(&p, 0), INT64_MAX);
	ike_pair_free(&p);
}

/* ---- step 5: cookies, configuration payload ---- */

/* One half-open SA (its response lost) puts the responder over its threshold: the next
 * IKE_SA_INIT gets a COOKIE, the retry with the cookie as first payload succeeds. */
static void test_cookie(void)
{
	struct ike_endpoint_cfg e1 = { .cookie_threshold = 1 };
	memset(e1.cookie_secret, 7, sizeof(e1.cookie_secret));
	struct ike_pair p;
	ike_pair_init(&p, NULL, NULL, NULL, &e1, 25);
	p.silent[1] = true;
	uint64_t first = ike_initiate(p.n[0].ep, p.n[0].peer, 0);
	ike_pair_run_until(&p, 100 * MS);
	CU_ASSERT_EQUAL(ike_half_open_count(p.n[1].ep), 1);
	p.silent[1] = false;
	CU_ASSERT(!ike_delete(p.n[0].ep, first, p.now)); /* not established: refused */
	CU_ASSERT(ike_abort(p.n[0].ep, first, p.now));	 /* but it can be dropped */
	CU_ASSERT(!ike_sa_exists(p.n[0].ep, first));
	CU_ASSERT_EQUAL(ike_pair_next_timer(&p, 0), INT64_MAX);
	uint64_t id = ike_initiate(p.n[0].ep, p.n[0].peer, p.now);
	ike_pair_run_until(&p, p.now + 1 * NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->cookies_sent, 1);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	CU_ASSERT_EQUAL(ike_half_open_count(p.n[1].ep), 1);
	ike_pair_free(&p);
}

static enum ike_pair_action spoil_cookie(struct ike_pair *p, int from, const struct ike_dgram *d, void *ctx)
{
	/* an IKE_SA_INIT request whose first payload is a notify: corrupt the cookie data */
	if (from == 0 && d->len > 40 && d->data[18] == IKE_EXCH_IKE_SA_INIT && d->data[16] == IKE_PL_NOTIFY)
		((uint8_t *)d->data)[37] ^= 0xff;
	return IKE_PAIR_DELIVER;
}

/* A responder that never accepts the cookie: the initiator stops after its bounded rounds. */
static void test_cookie_bounded(void)
{
	struct ike_endpoint_cfg e1 = { .cookie_threshold = 1 };
	struct ike_pair p;
	ike_pair_init(&p, NULL, NULL, NULL, &e1, 26);
	p.silent[1] = true;
	ike_initiate(p.n[0].ep, p.n[0].peer, 0);
	ike_pair_run_until(&p, 100 * MS);
	p.silent[1] = false;
	p.filter = spoil_cookie;
	uint64_t id = ike_initiate(p.n[0].ep, p.n[0].peer, p.now);
	ike_pair_run_until(&p, p.now + NS);
	CU_ASSERT(!ike_sa_exists(p.n[0].ep, id));
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->cookies_sent, 3); /* first + 2 rounds */
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->drops[IKE_DROP_COOKIE], 2);
	ike_pair_free(&p);
}

/* P2S: the client asks for an address, the gateway assigns the first free one of its pool and
 * narrows the client's selector to it; a second client SA gets the next address. */
static void test_config_payload(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	c0.request_vip = true;
	c0.remote_ts[0] = (struct ike_ts4){ 0, 0xffffffffu, 0, 65535, 0 };
	c1.remote_ts[0] = (struct ike_ts4){ 0xac100000u, 0xac1000ffu, 0, 65535, 0 }; /* pool 172.16.0/24 */
	c1.local_ts[0] = (struct ike_ts4){ 0, 0xffffffffu, 0, 65535, 0 };
	c1.remote.ip = 0;
	c1.pool_start = 0xac100002u;
	c1.pool_size = 2;
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 27);
	uint64_t id = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_vip(p.n[0].ep, id), 0xac100002u);
	const struct ike_child_info *c = first_child(&p, 0);
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT_EQUAL(c->local_ts[0].start, 0xac100002u);
	CU_ASSERT_EQUAL(c->local_ts[0].end, 0xac100002u);
	CU_ASSERT_EQUAL(c->remote_ts[0].start, 0);
	CU_ASSERT_EQUAL(c->vip, 0xac100002u);
	uint64_t id2 = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_vip(p.n[0].ep, id2), 0xac100003u);
	/* pool exhausted: IKE SA up, no CHILD SA */
	uint64_t id3 = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id3), IKE_SA_ESTABLISHED);
	CU_ASSERT_EQUAL(ike_sa_error_notify(p.n[0].ep, id3), IKE_N_INTERNAL_ADDRESS_FAILURE);
	/* deleting the first returns its address */
	ike_delete(p.n[0].ep, id, p.now);
	ike_pair_run_idle(&p, p.now + NS);
	uint64_t id4 = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_vip(p.n[0].ep, id4), 0xac100002u);
	/* the gateway's config has no remote address: it cannot initiate */
	CU_ASSERT_EQUAL(ike_initiate(p.n[1].ep, p.n[1].peer, p.now), 0);
	ike_pair_free(&p);
}

/* ---- step 6: IKE fragmentation (RFC 7383) ---- */

struct frag_ctl {
	size_t max_ip_len;
	unsigned auth_frags[2];	  /* IKE_AUTH SKF fragments sent by node i */
	int drop_from;		  /* drop fragment drop_num of IKE_AUTH from this node once (-1: none) */
	unsigned drop_num;
};

static enum ike_pair_action frag_filter(struct ike_pair *p, int from, const struct ike_dgram *d, void *ctx)
{
	struct frag_ctl *f = ctx;
	f->max_ip_len = MAX(f->max_ip_len, d->len + 28);
	size_t o = (d->src.port != 500 && d->dst.port != 500) ? 4 : 0;
	if (d->len < o + 36 || d->data[o + 18] != IKE_EXCH_IKE_AUTH || d->data[o + 16] != IKE_PL_SKF)
		return IKE_PAIR_DELIVER;
	f->auth_frags[from]++;
	unsigned num = (unsigned)(d->data[o + 32] << 8 | d->data[o + 33]);
	if (from == f->drop_from && num == f->drop_num) {
		f->drop_from = -1;
		return IKE_PAIR_DROP;
	}
	return IKE_PAIR_DELIVER;
}

static void frag_cfgs(struct ike_peer_cfg *c0, struct ike_peer_cfg *c1, size_t mtu0, size_t mtu1)
{
	ike_pair_default_cfg(0, false, c0);
	ike_pair_default_cfg(1, false, c1);
	for (int i = 0; i < 2; i++) {
		struct ike_peer_cfg *c = i ? c1 : c0;
		c->ike[0] = (struct ike_ike_proposal){ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256,
						       IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_ECP256 };
		for (size_t k = 0; k < IKE_MAX_PROPOSALS; k++)
			c->esp[k] = (struct ike_esp_proposal){ IKE_ENCR_AES_CBC, (uint16_t)(k & 1 ? 128 : 256),
							       k < 4 ? IKE_INTEG_HMAC_SHA1_96
								     : IKE_INTEG_HMAC_SHA2_256_128,
							       0 };
		c->n_esp = IKE_MAX_PROPOSALS;
		for (size_t k = 0; k < IKE_MAX_TS; k++) {
			c->local_ts[k] = (struct ike_ts4){ 0x0a000000u + ((uint32_t)i << 16) + ((uint32_t)k << 8),
							   0x0a0000ffu + ((uint32_t)i << 16) + ((uint32_t)k << 8), 0,
							   65535, 0 };
			c->remote_ts[k] = (struct ike_ts4){ 0x0a000000u + ((uint32_t)(1 - i) << 16) + ((uint32_t)k << 8),
							    0x0a0000ffu + ((uint32_t)(1 - i) << 16) + ((uint32_t)k << 8),
							    0, 65535, 0 };
		}
		c->n_local_ts = c->n_remote_ts = IKE_MAX_TS;
		c->fragment_mtu = i ? mtu1 : mtu0;
	}
}

/* IKE_AUTH messages larger than the 300-byte path are sent as SKF fragments of at most 300 bytes
 * (IPv4), reassembled, and the SA comes up as usual; a lost request fragment costs one
 * retransmission of all fragments; a lost response fragment makes the responder resend every
 * fragment of its cached response when fragment 1 of the retransmitted request arrives. */
static void test_fragmentation(void)
{
	struct ike_peer_cfg c0, c1;
	frag_cfgs(&c0, &c1, 300, 300);
	for (int scenario = 0; scenario < 3; scenario++) {
		struct ike_pair p;
		ike_pair_init(&p, &c0, &c1, NULL, NULL, 60 + (uint64_t)scenario);
		struct frag_ctl f = { .drop_from = scenario == 0 ? -1 : scenario - 1, .drop_num = 2 };
		p.filter = frag_filter;
		p.filter_ctx = &f;
		uint64_t id = ike_initiate(p.n[0].ep, p.n[0].peer, 0);
		ike_pair_run_until(&p, 30 * NS);
		CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
		check_one_matching_child(&p);
		CU_ASSERT(f.max_ip_len <= 300);
		const struct ike_counters *k0 = ike_endpoint_counters(p.n[0].ep), *k1 = ike_endpoint_counters(p.n[1].ep);
		CU_ASSERT(f.auth_frags[0] >= 2 && f.auth_frags[1] >= 2);
		CU_ASSERT_EQUAL(k0->reassembled, 1);
		CU_ASSERT_EQUAL(k1->reassembled, 1);
		CU_ASSERT_EQUAL(k0->retransmits, scenario == 0 ? 0 : 1);
		CU_ASSERT_EQUAL(k1->resp_resent, scenario == 2 ? 1 : 0);
		CU_ASSERT(esp_roundtrip(&p, 0));
		/* later exchanges over the same SA still work (small ones unfragmented) */
		CU_ASSERT(ike_child_rekey(p.n[0].ep, id, first_child(&p, 0)->spi_in, p.now));
		ike_pair_run_idle(&p, p.now + NS);
		check_one_matching_child(&p);
		ike_pair_free(&p);
	}
	/* the responder does not announce support: nothing is fragmented */
	frag_cfgs(&c0, &c1, 300, 0);
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 64);
	struct frag_ctl f = { .drop_from = -1 };
	p.filter = frag_filter;
	p.filter_ctx = &f;
	uint64_t id = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	CU_ASSERT_EQUAL(f.auth_frags[0] + f.auth_frags[1], 0);
	CU_ASSERT(f.max_ip_len > 300);
	ike_pair_free(&p);
}

/* ---- step 6: certificates ---- */

static struct ike_pair_pki pki; /* built once in main() */

/* Both sides authenticate with RSA certificates from the test CA (the PSKs differ, so a PSK
 * could not have done it); the IDs are the certificates' subjects. */
static void test_cert_setup(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	ike_pair_use_certs(&c0, &pki, 0);
	ike_pair_use_certs(&c1, &pki, 1);
	memcpy(c1.psk, "nomatc", 6);
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 80);
	uint64_t id = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	check_one_matching_child(&p);
	CU_ASSERT(esp_roundtrip(&p, 0));
	/* rekeying works as with PSK */
	CU_ASSERT(ike_rekey(p.n[0].ep, id, p.now));
	ike_pair_run_idle(&p, p.now + NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->ike_rekeys, 1);
	check_one_matching_child(&p);
	ike_pair_free(&p);
}

/* The responder trusts another CA; then the initiator presents a certificate for the right name
 * from a rogue CA: AUTHENTICATION_FAILED both times. */
static void test_cert_untrusted(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	ike_pair_use_certs(&c0, &pki, 0);
	ike_pair_use_certs(&c1, &pki, 1);
	c1.ca_der = pki.rogue_ca_cert->data;
	c1.ca_der_len = pki.rogue_ca_cert->len;
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 81);
	uint64_t id = setup(&p);
	CU_ASSERT(!ike_sa_exists(p.n[0].ep, id));
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->notify_tx[IKE_N_AUTHENTICATION_FAILED], 1);
	ike_pair_free(&p);
	ike_pair_use_certs(&c1, &pki, 1);
	c0.key_der = pki.rogue_key->data;
	c0.key_der_len = pki.rogue_key->len;
	c0.cert_der = pki.rogue_cert->data;
	c0.cert_der_len = pki.rogue_cert->len;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 82);
	id = setup(&p);
	CU_ASSERT(!ike_sa_exists(p.n[0].ep, id));
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->notify_tx[IKE_N_AUTHENTICATION_FAILED], 1);
	CU_ASSERT_EQUAL(p.n[0].n_established + p.n[1].n_established, 0);
	ike_pair_free(&p);
	/* the initiator does not trust the responder: it gives up after the IKE_AUTH response */
	ike_pair_use_certs(&c0, &pki, 0);
	c0.ca_der = pki.rogue_ca_cert->data;
	c0.ca_der_len = pki.rogue_ca_cert->len;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 83);
	id = setup(&p);
	CU_ASSERT(!ike_sa_exists(p.n[0].ep, id));
	CU_ASSERT_EQUAL(ike_sa_error_notify(p.n[0].ep, id), 0);
	CU_ASSERT_EQUAL(p.n[0].n_established, 0);
	ike_pair_free(&p);
}

/* A key that is not the certificate's is a configuration error. */
static void test_cert_bad_config(void)
{
	struct ike_peer_cfg c0;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_use_certs(&c0, &pki, 0);
	c0.key_der = pki.key[1]->data;
	c0.key_der_len = pki.key[1]->len;
	static const struct ike_callbacks cb = { .send = (void *)1, .set_timer = (void *)1, .random = (void *)1 };
	struct ike_endpoint *ep = ike_endpoint_new(NULL, &cb, NULL);
	GError *err = NULL;
	CU_ASSERT_EQUAL(ike_peer_add(ep, &c0, &err), -1);
	CU_ASSERT(err && strstr(err->message, "does not match"));
	g_clear_error(&err);
	c0.cert_der_len = 10;
	CU_ASSERT_EQUAL(ike_peer_add(ep, &c0, &err), -1);
	g_clear_error(&err);
	ike_pair_use_certs(&c0, &pki, 0);
	CU_ASSERT_EQUAL(ike_peer_add(ep, &c0, &err), 0);
	ike_endpoint_free(ep);
	/* the test PKI is deterministic: the same seed, the same DER */
	struct ike_pair_pki again;
	ike_pair_pki_make(&again, 2026, 1024);
	CU_ASSERT(again.cert[1]->len == pki.cert[1]->len &&
		  memcmp(again.cert[1]->data, pki.cert[1]->data, pki.cert[1]->len) == 0);
	CU_ASSERT(again.key[0]->len == pki.key[0]->len &&
		  memcmp(again.key[0]->data, pki.key[0]->data, pki.key[0]->len) == 0);
	ike_pair_pki_free(&again);
}

/* P2S as Azure runs it: certificate authentication, a virtual IP from the gateway's pool, and
 * IKE_AUTH messages (which carry certificates) fragmented for a 576-byte path. */
static void test_p2s_cert_vip_fragmented(void)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	ike_pair_use_certs(&c0, &pki, 0);
	ike_pair_use_certs(&c1, &pki, 1);
	c0.request_vip = true;
	c0.remote_ts[0] = (struct ike_ts4){ 0x0a010000u, 0x0a01ffffu, 0, 65535, 0 };
	c1.remote.ip = 0;
	c1.remote_ts[0] = (struct ike_ts4){ 0xac100000u, 0xac1000ffu, 0, 65535, 0 };
	c1.pool_start = 0xac100010u;
	c1.pool_size = 16;
	c0.fragment_mtu = c1.fragment_mtu = 576;
	struct ike_pair p;
	ike_pair_init(&p, &c0, &c1, NULL, NULL, 84);
	struct frag_ctl f = { .drop_from = -1 };
	p.filter = frag_filter;
	p.filter_ctx = &f;
	uint64_t id = setup(&p);
	CU_ASSERT_EQUAL(ike_sa_state(p.n[0].ep, id), IKE_SA_ESTABLISHED);
	CU_ASSERT_EQUAL(ike_sa_vip(p.n[0].ep, id), 0xac100010u);
	CU_ASSERT(f.max_ip_len <= 576);
	CU_ASSERT(f.auth_frags[0] >= 2 && f.auth_frags[1] >= 2);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->reassembled, 1);
	check_one_matching_child(&p);
	CU_ASSERT_EQUAL(first_child(&p, 0)->local_ts[0].start, 0xac100010u);
	ike_pair_free(&p);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "psk_setup_gcm", test_psk_setup_gcm },
		{ "psk_setup_cbc_modp", test_psk_setup_cbc_modp },
		{ "proposal_selection", test_proposal_selection },
		{ "ts_narrowing", test_ts_narrowing },
		{ "nat_detected", test_nat_detected },
		{ "nat_keepalive", test_nat_keepalive },
		{ "force_encap", test_force_encap },
		{ "lost_packets", test_lost_packets },
		{ "duplicates", test_duplicates },
		{ "retransmit_presets", test_retransmit_presets },
		{ "no_proposal_chosen", test_no_proposal_chosen },
		{ "invalid_ke", test_invalid_ke },
		{ "auth_failed", test_auth_failed },
		{ "child_no_proposal", test_child_no_proposal },
		{ "ts_unacceptable", test_ts_unacceptable },
		{ "malformed", test_malformed },
		{ "mutated_input", test_mutated_input },
		{ "authentic_malformed", test_authentic_malformed },
		{ "retransmit_jitter", test_retransmit_jitter },
		{ "dpd_dead_peer", test_dpd_dead_peer },
		{ "dpd_only_when_idle", test_dpd_only_when_idle },
		{ "delete", test_delete },
		{ "delete_crossing", test_delete_crossing },
		{ "child_rekey", test_child_rekey },
		{ "child_rekey_pfs_mismatch", test_child_rekey_pfs_mismatch },
		{ "child_rekey_collision", test_child_rekey_collision },
		{ "rekey_collision_lowest_nonce", test_rekey_collision_lowest_nonce },
		{ "rekey_child_vs_ike", test_rekey_child_vs_ike },
		{ "ike_rekey_invalid_ke", test_ike_rekey_invalid_ke },
		{ "ike_rekey", test_ike_rekey },
		{ "ike_rekey_collision", test_ike_rekey_collision },
		{ "rekey_times", test_rekey_times },
		{ "lifetimes", test_lifetimes },
		{ "cookie", test_cookie },
		{ "cookie_bounded", test_cookie_bounded },
		{ "config_payload", test_config_payload },
		{ "fragmentation", test_fragmentation },
		{ "cert_setup", test_cert_setup },
		{ "cert_untrusted", test_cert_untrusted },
		{ "cert_bad_config", test_cert_bad_config },
		{ "p2s_cert_vip_fragmented", test_p2s_cert_vip_fragmented },
		{ NULL, NULL },
	};
	ike_pair_pki_make(&pki, 2026, 1024);
	int rc = cu_run("ike_sa", tests);
	ike_pair_pki_free(&pki);
	return rc;
}
