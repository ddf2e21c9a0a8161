/* ike_live_peer.c: drives the IKEv2 engine (models/ipsec/ike.h) over real UDP sockets against a
 * real peer (strongSwan's charon in test_ike_strongswan.sh): the boundary's "live mode" in its
 * smallest form. Wall-clock time (CLOCK_MONOTONIC) and getrandom() feed the engine; sockets on
 * UDP 500 and 4500 of LOCAL carry its datagrams. It initiates with PSK (IDs a.example/b.example),
 * IKE AES-CBC-256/HMAC-SHA2-256/ECP-256, ESP AES-GCM-256, 10.10.1.0/24 <-> 10.10.2.0/24, then runs
 * the steps given: ping (an ICMP echo to 10.10.2.1 through the newest CHILD SA with esp.h in user
 * space, the reply must come back through it), rekey-child, rekey-ike, dpd, delete-child, delete.
 * Each step must finish within 10 s. Prints the Wireshark rows and CHILD SAs it saw; exit status 0 when every step succeeded.
 *
 * With --respond it waits for the peer to initiate instead and its steps wait for what the peer
 * does: wait-up, wait-child-rekey, wait-ike-rekey, wait-down.
 *
 * With AUTH "v1:PSK" it speaks IKEv1 instead (Main Mode with PSK, AES-CBC-256/SHA2-256/MODP-1024,
 * Quick Mode with AES-GCM-256; rekey-ike is a new Main Mode that adopts the CHILD SA, dpd an
 * RFC 3706 R-U-THERE, deletes are unanswered DELETE payloads) and prints ikev1_decryption_table
 * rows; "v1des:PSK" the same with 3DES/SHA1 in phase 1 (Appendix B key expansion) and
 * AES-CBC-256/HMAC-SHA1-96 in quick mode.
 *
 * With AUTH "cert" instead of a PSK both sides use RSA certificates from the deterministic test
 * PKI (tests/ike_pair.h; we are CN=node0, the peer CN=node1) and, responding, we assign the peer
 * a virtual IP from 10.10.3.100-103 (P2S); --write-pki DIR writes the peer's files for swanctl
 * (x509ca/ca.der, x509/node1.der, private/node1.der). With certificates, messages over 576 bytes
 * are fragmented (RFC 7383).
 *
 * Usage: ike_live_peer LOCAL_IP REMOTE_IP PSK|v1:PSK|v1des:PSK|cert [--respond] [STEP...]
 *        ike_live_peer --write-pki DIR */
#include "models/ipsec/ike.h"
#include "models/ipsec/ike_consts.h"
#include "tests/ike_pair.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The ESP SAs of one CHILD SA (user-space ESP: esp_seal/esp_open over the 4500 socket). */
struct esp_pair {
	struct esp_sa *in, *out;
};

struct live {
	struct ike_endpoint *ep;
	int s500, s4500;
	uint32_t local_ip;
	GHashTable *timers; /* sa id -> deadline */
	unsigned children_up, children_down;
	uint32_t last_spi_in;
	GHashTable *esp;     /* spi_in -> struct esp_pair* */
	struct esp_sa *out;  /* the newest CHILD SA's outbound SA */
	struct ike_addr esp_dst;
	unsigned echo_replies;
	uint16_t echo_seq;
};

static void esp_pair_free(gpointer x)
{
	struct esp_pair *e = x;
	esp_sa_free(e->in);
	esp_sa_free(e->out);
	g_free(e);
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void cb_send(void *user, const struct ike_dgram *d)
{
	struct live *l = user;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(d->dst.port),
				  .sin_addr.s_addr = htonl(d->dst.ip) };
	int s = d->src.port == IKE_NATT_PORT ? l->s4500 : l->s500;
	if (sendto(s, d->data, d->len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		fprintf(stderr, "sendto: %s\n", strerror(errno));
}

static void cb_set_timer(void *user, uint64_t sa_id, int64_t at)
{
	struct live *l = user;
	uint64_t *k = g_new(uint64_t, 1);
	*k = sa_id;
	if (at == INT64_MAX) {
		g_hash_table_remove(l->timers, k);
		g_free(k);
		return;
	}
	int64_t *v = g_new(int64_t, 1);
	*v = at;
	g_hash_table_replace(l->timers, k, v);
}

static void cb_random(void *user, uint8_t *buf, size_t len)
{
	(void)user;
	if (getrandom(buf, len, 0) != (ssize_t)len)
		g_error("getrandom failed");
}

static void cb_child_up(void *user, const struct ike_child_info *c)
{
	struct live *l = user;
	l->children_up++;
	l->last_spi_in = c->spi_in;
	printf("child up: in %08x out %08x encr %u/%u integ %u encap %d vip %08x ts %08x-%08x <-> %08x-%08x\n",
	       c->spi_in, c->spi_out, c->encr, c->encr_key_bits, c->integ, c->udp_encap, c->vip, c->local_ts[0].start,
	       c->local_ts[0].end, c->remote_ts[0].start, c->remote_ts[0].end);
	struct esp_sa_config in, out;
	if (ike_child_esp_config(c, ESP_DIR_IN, &in) && ike_child_esp_config(c, ESP_DIR_OUT, &out)) {
		struct esp_pair *e = g_new0(struct esp_pair, 1);
		e->in = esp_sa_new(&in, 0, NULL);
		e->out = esp_sa_new(&out, 0, NULL);
		if (!e->in || !e->out)
			g_error("esp_sa_new refused the CHILD SA");
		g_hash_table_replace(l->esp, GUINT_TO_POINTER(c->spi_in), e);
		l->out = e->out;
		l->esp_dst = c->remote;
		printf("  key in  ");
		for (size_t i = 0; i < in.encr_key_len; i++)
			printf("%02x", in.encr_key[i]);
		printf("\n  key out ");
		for (size_t i = 0; i < out.encr_key_len; i++)
			printf("%02x", out.encr_key[i]);
		printf("\n");
	}
}

static void cb_child_down(void *user, const struct ike_child_info *c, enum ike_down_reason why)
{
	struct live *l = user;
	l->children_down++;
	printf("child down: in %08x (%s)\n", c->spi_in, ike_down_reason_name(why));
	struct esp_pair *e = g_hash_table_lookup(l->esp, GUINT_TO_POINTER(c->spi_in));
	if (e && e->out == l->out)
		l->out = NULL;
	g_hash_table_remove(l->esp, GUINT_TO_POINTER(c->spi_in));
}

static void cb_state(void *user, uint64_t sa, enum ike_sa_state o, enum ike_sa_state n)
{
	struct live *l = user;
	printf("IKE SA %" G_GUINT64_FORMAT ": %s -> %s\n", sa, ike_sa_state_name(o), ike_sa_state_name(n));
	if (n == IKE_SA_ESTABLISHED && ike_sa_ike_version(l->ep, sa) == 1) {
		char *row = ike_sa_wireshark_ikev1_row(l->ep, sa);
		printf("  ikev1_decryption_table: %s\n", row ? row : "?");
		g_free(row);
	} else if (n == IKE_SA_ESTABLISHED) {
		char *row = ike_sa_wireshark_row(l->ep, sa);
		printf("  ikev2_decryption_table: %s\n", row ? row : "?");
		g_free(row);
	}
}

static void cb_log(void *user, GLogLevelFlags level, const char *msg)
{
	(void)user;
	(void)level;
	printf("  log: %s\n", msg);
}

static int bind_udp(uint32_t ip, uint16_t port)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip) };
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		fprintf(stderr, "bind %u: %s\n", port, strerror(errno));
		exit(77);
	}
	return s;
}

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

/* An ESP packet from the peer (UDP 4500, no marker): opened with the inbound SA of its SPI; an
 * ICMP echo reply from 10.10.2.1 inside counts. */
static void esp_in(struct live *l, uint8_t *buf, size_t n)
{
	uint32_t spi = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
	struct esp_pair *e = g_hash_table_lookup(l->esp, GUINT_TO_POINTER(spi));
	if (!e) {
		printf("ESP with unknown SPI %08x\n", spi);
		return;
	}
	struct esp_buf b = { buf, n, 0, 0 };
	uint8_t nh = 0;
	enum esp_verdict v = esp_open(e->in, &b, &nh, mono_ns());
	if (v != ESP_OK) {
		printf("ESP from SPI %08x dropped: %s\n", spi, esp_verdict_name(v));
		return;
	}
	const uint8_t *ip = b.data;
	if (nh == 4 && b.len >= 28 && ip[9] == 1 && ip[20] == 0 && ip[12] == 10 && ip[13] == 10 && ip[14] == 2 &&
	    ip[15] == 1) {
		l->echo_replies++;
		printf("ESP %08x: ICMP echo reply seq %u from 10.10.2.1\n", spi, (unsigned)(ip[26] << 8 | ip[27]));
	}
}

/* Sends an ICMP echo request 10.10.1.1 -> 10.10.2.1 through the newest CHILD SA. */
static bool esp_ping(struct live *l)
{
	if (!l->out)
		return false;
	uint8_t buf[256];
	size_t head = ESP_MAX_HEADROOM;
	uint8_t *ip = buf + head;
	size_t len = 20 + 8 + 32;
	memset(ip, 0, len);
	ip[0] = 0x45;
	ip[2] = (uint8_t)(len >> 8);
	ip[3] = (uint8_t)len;
	ip[8] = 64;
	ip[9] = 1;
	uint8_t src[4] = { 10, 10, 1, 1 }, dst[4] = { 10, 10, 2, 1 };
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	uint16_t c = csum(ip, 20);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	uint8_t *icmp = ip + 20;
	icmp[0] = 8;
	icmp[4] = 0x12;
	icmp[5] = 0x34;
	l->echo_seq++;
	icmp[6] = (uint8_t)(l->echo_seq >> 8);
	icmp[7] = (uint8_t)l->echo_seq;
	memset(icmp + 8, 0xa5, 32);
	c = csum(icmp, 40);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	struct esp_buf b = { ip, len, head, sizeof(buf) - head - len };
	if (esp_seal(l->out, &b, 4, mono_ns()) != ESP_OK)
		return false;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(l->esp_dst.port),
				  .sin_addr.s_addr = htonl(l->esp_dst.ip) };
	return sendto(l->s4500, b.data, b.len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)b.len;
}

/* Runs the event loop until done() or the deadline; returns done(). */
static bool run(struct live *l, int64_t timeout_ns, bool (*done)(struct live *, void *), void *ctx)
{
	int64_t end = mono_ns() + timeout_ns;
	while (!done(l, ctx)) {
		int64_t now = mono_ns();
		if (now >= end)
			return false;
		int64_t next = end;
		uint64_t due = 0;
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, l->timers);
		while (g_hash_table_iter_next(&it, &k, &v))
			if (*(int64_t *)v < next) {
				next = *(int64_t *)v;
				due = *(uint64_t *)k;
			}
		if (due && next <= now) {
			g_hash_table_remove(l->timers, &due);
			ike_timer(l->ep, due, now);
			continue;
		}
		struct pollfd p[2] = { { l->s500, POLLIN, 0 }, { l->s4500, POLLIN, 0 } };
		int ms = (int)((next - now) / 1000000) + 1;
		if (poll(p, 2, ms) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			uint8_t buf[65536];
			struct sockaddr_in from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(p[i].fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
			if (n <= 0)
				continue;
			if (i == 1 && n >= 8 && (buf[0] | buf[1] | buf[2] | buf[3])) {
				esp_in(l, buf, (size_t)n);
				continue;
			}
			struct ike_dgram d = { .src = { ntohl(from.sin_addr.s_addr), ntohs(from.sin_port) },
					       .dst = { l->local_ip, i ? IKE_NATT_PORT : IKE_PORT },
					       .data = buf,
					       .len = (size_t)n };
			ike_input(l->ep, &d, mono_ns());
		}
	}
	return true;
}

struct wait_ctx {
	uint64_t before, before_down;
	int peer;
};

static bool established_with_child(struct live *l, void *ctx)
{
	struct wait_ctx *w = ctx;
	uint64_t id = ike_sa_find_established(l->ep, w->peer);
	return id && ike_sa_children(l->ep, id, NULL, 0) == 1 && l->children_up > 0;
}

static bool child_rekeyed(struct live *l, void *ctx)
{
	struct wait_ctx *w = ctx;
	uint64_t id = ike_sa_find_established(l->ep, w->peer);
	return ike_endpoint_counters(l->ep)->child_rekeys > w->before && id &&
	       ike_sa_children(l->ep, id, NULL, 0) == 1;
}

static bool ike_rekeyed(struct live *l, void *ctx)
{
	struct wait_ctx *w = ctx;
	return ike_endpoint_counters(l->ep)->ike_rekeys > w->before && ike_sa_count(l->ep) == 1 &&
	       ike_sa_find_established(l->ep, w->peer);
}

/* IKEv1: the peer's new Main Mode adopted the CHILD SAs (the old ISAKMP SA may linger until the
 * peer deletes it). */
static bool ike_rekeyed_v1(struct live *l, void *ctx)
{
	struct wait_ctx *w = ctx;
	uint64_t id = ike_sa_find_established(l->ep, w->peer);
	return ike_endpoint_counters(l->ep)->ike_rekeys > w->before && id && ike_sa_children(l->ep, id, NULL, 0) >= 1;
}

/* IKEv1: the peer's quick mode replaced the CHILD SA (charon deletes the old one only later). */
static bool child_rekeyed_v1(struct live *l, void *ctx)
{
	struct wait_ctx *w = ctx;
	return ike_endpoint_counters(l->ep)->child_rekeys > w->before;
}

static bool info_answered(struct live *l, void *ctx)
{
	struct wait_ctx *w = ctx;
	return ike_endpoint_counters(l->ep)->rx_resp[3] > w->before;
}

static bool dpd_acked(struct live *l, void *ctx)
{
	struct wait_ctx *w = ctx;
	return ike_endpoint_counters(l->ep)->v1_dpd_acks > w->before;
}

/* IKEv1 DELETE is not answered: the CHILD SA is gone here, and the peer had 200 ms. */
static bool no_children_v1(struct live *l, void *ctx)
{
	struct wait_ctx *w = ctx;
	uint64_t id = ike_sa_find_established(l->ep, w->peer);
	return id && ike_sa_children(l->ep, id, NULL, 0) == 0 && mono_ns() >= (int64_t)w->before;
}

static bool no_children(struct live *l, void *ctx)
{
	struct wait_ctx *w = ctx;
	uint64_t id = ike_sa_find_established(l->ep, w->peer);
	return id && ike_sa_children(l->ep, id, NULL, 0) == 0 && ike_endpoint_counters(l->ep)->rx_resp[3] > w->before;
}

static bool echo_replied(struct live *l, void *ctx)
{
	struct wait_ctx *w = ctx;
	return l->echo_replies > w->before;
}

static bool no_sa(struct live *l, void *ctx)
{
	(void)ctx;
	return ike_sa_count(l->ep) == 0;
}

static bool child_rekeyed_by_peer(struct live *l, void *ctx)
{
	struct wait_ctx *w = ctx;
	return l->children_down > w->before_down && child_rekeyed(l, ctx);
}

static void write_file(const char *dir, const char *name, const GByteArray *a)
{
	char *path = g_build_filename(dir, name, NULL);
	char *d = g_path_get_dirname(path);
	g_mkdir_with_parents(d, 0700);
	GError *err = NULL;
	if (!g_file_set_contents(path, (const char *)a->data, a->len, &err))
		g_error("%s", err->message);
	g_free(d);
	g_free(path);
}

#define PKI_SEED 2026
#define PKI_BITS 2048

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--write-pki") == 0) {
		struct ike_pair_pki pki;
		ike_pair_pki_make(&pki, PKI_SEED, PKI_BITS);
		write_file(argv[2], "x509ca/ca.der", pki.ca_cert);
		write_file(argv[2], "x509/node1.der", pki.cert[1]);
		write_file(argv[2], "private/node1.der", pki.key[1]);
		ike_pair_pki_free(&pki);
		return 0;
	}
	if (argc < 4) {
		fprintf(stderr, "usage: %s LOCAL_IP REMOTE_IP PSK [STEP...]\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct in_addr a, b;
	if (!inet_aton(argv[1], &a) || !inet_aton(argv[2], &b))
		return 2;
	struct live l = { .local_ip = ntohl(a.s_addr) };
	l.timers = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	l.esp = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, esp_pair_free);
	l.s500 = bind_udp(l.local_ip, IKE_PORT);
	l.s4500 = bind_udp(l.local_ip, IKE_NATT_PORT);
	static const struct ike_callbacks cb = { .send = cb_send,
						 .set_timer = cb_set_timer,
						 .random = cb_random,
						 .child_up = cb_child_up,
						 .child_down = cb_child_down,
						 .ike_state = cb_state,
						 .log = cb_log };
	struct ike_endpoint_cfg ec = { .name = "live" };
	l.ep = ike_endpoint_new(&ec, &cb, &l);
	struct ike_peer_cfg c = { .name = "charon" };
	c.local = (struct ike_addr){ l.local_ip, IKE_PORT };
	c.remote = (struct ike_addr){ ntohl(b.s_addr), IKE_PORT };
	c.local_id = (struct ike_id){ IKE_ID_FQDN, 9, "a.example" };
	c.remote_id = (struct ike_id){ IKE_ID_FQDN, 9, "b.example" };
	struct ike_pair_pki pki = { 0 };
	bool cert = strcmp(argv[3], "cert") == 0;
	bool v1des = strncmp(argv[3], "v1des:", 6) == 0;
	bool v1 = strncmp(argv[3], "v1:", 3) == 0 || v1des;
	if (v1) {
		const char *secret = argv[3] + (v1des ? 6 : 3);
		c.ike_version = 1;
		c.psk_len = MIN(strlen(secret), sizeof(c.psk));
		memcpy(c.psk, secret, c.psk_len);
	} else if (cert) {
		ike_pair_pki_make(&pki, PKI_SEED, PKI_BITS);
		ike_pair_use_certs(&c, &pki, 0);
		c.local_id.len = c.remote_id.len = 0; /* the certificates' subjects */
	} else {
		c.psk_len = MIN(strlen(argv[3]), sizeof(c.psk));
		memcpy(c.psk, argv[3], c.psk_len);
	}
	c.ike[0] = (struct ike_ike_proposal){ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128,
					      IKE_DH_ECP256 };
	c.n_ike = 1;
	if (v1)
		c.ike[0] = (struct ike_ike_proposal){ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, 0, IKE_DH_MODP1024 };
	if (v1des)
		c.ike[0] = (struct ike_ike_proposal){ IKE_ENCR_3DES, 192, IKE_PRF_HMAC_SHA1, 0, IKE_DH_MODP1024 };
	c.esp[0] = (struct ike_esp_proposal){ IKE_ENCR_AES_GCM_16, 256, 0, 0 };
	if (v1des)
		c.esp[0] = (struct ike_esp_proposal){ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA1_96, 0 };
	c.n_esp = 1;
	c.local_ts[0] = (struct ike_ts4){ 0x0a0a0100u, 0x0a0a01ffu, 0, 65535, 0 };
	c.remote_ts[0] = (struct ike_ts4){ 0x0a0a0200u, 0x0a0a02ffu, 0, 65535, 0 };
	c.n_local_ts = c.n_remote_ts = 1;
	c.force_encap = true;
	bool respond = argc > 4 && strcmp(argv[4], "--respond") == 0;
	if (cert)
		c.fragment_mtu = 576; /* certificates make IKE_AUTH bigger: RFC 7383 fragments */
	if (cert && respond) {
		c.pool_start = 0x0a0a0364u; /* 10.10.3.100 */
		c.pool_size = 4;
		c.remote_ts[0] = (struct ike_ts4){ 0x0a0a0300u, 0x0a0a03ffu, 0, 65535, 0 };
	}
	GError *err = NULL;
	int peer = ike_peer_add(l.ep, &c, &err);
	if (peer < 0) {
		fprintf(stderr, "%s\n", err->message);
		return 1;
	}
	const int64_t T = 10 * G_GINT64_CONSTANT(1000000000);
	struct wait_ctx w = { .peer = peer };
	bool ok = true;
	if (!respond) {
		ike_initiate(l.ep, peer, mono_ns());
		ok = run(&l, T, established_with_child, &w);
		printf("step setup: %s\n", ok ? "ok" : "FAILED");
	}
	for (int i = respond ? 5 : 4; ok && i < argc; i++) {
		uint64_t id = ike_sa_find_established(l.ep, peer);
		const struct ike_counters *k = ike_endpoint_counters(l.ep);
		int64_t now = mono_ns();
		if (strcmp(argv[i], "wait-up") == 0) {
			ok = run(&l, 3 * T, established_with_child, &w);
		} else if (strcmp(argv[i], "wait-child-rekey") == 0) {
			w.before = k->child_rekeys;
			w.before_down = l.children_down;
			ok = run(&l, T, v1 ? child_rekeyed_v1 : child_rekeyed_by_peer, &w);
		} else if (strcmp(argv[i], "wait-ike-rekey") == 0) {
			w.before = k->ike_rekeys;
			ok = run(&l, T, v1 ? ike_rekeyed_v1 : ike_rekeyed, &w);
		} else if (strcmp(argv[i], "wait-down") == 0) {
			ok = run(&l, T, no_sa, &w);
		} else if (strcmp(argv[i], "ping") == 0) {
			/* an echo a second until one is answered: an IKEv1 responder installs its SA
			 * only when QM3 arrives, so the first ESP packet may overtake it */
			w.before = l.echo_replies;
			ok = false;
			for (int tries = 0; tries < 10 && !ok; tries++)
				ok = esp_ping(&l) && run(&l, T / 10, echo_replied, &w);
		} else if (strcmp(argv[i], "rekey-child") == 0) {
			w.before = k->child_rekeys;
			struct ike_child_info ci;
			ok = ike_sa_children(l.ep, id, &ci, 1) == 1 && ike_child_rekey(l.ep, id, ci.spi_in, now) &&
			     run(&l, T, child_rekeyed, &w);
		} else if (strcmp(argv[i], "rekey-ike") == 0) {
			w.before = k->ike_rekeys;
			ok = ike_rekey(l.ep, id, now) && run(&l, T, ike_rekeyed, &w);
		} else if (strcmp(argv[i], "dpd") == 0 && v1) {
			w.before = k->v1_dpd_acks;
			ok = ike_dpd_now(l.ep, id, now) && run(&l, T, dpd_acked, &w);
		} else if (strcmp(argv[i], "delete-child") == 0 && v1) {
			w.before = (uint64_t)(now + 200000000);
			struct ike_child_info ci;
			ok = ike_sa_children(l.ep, id, &ci, 1) == 1 && ike_child_delete(l.ep, id, ci.spi_in, now) &&
			     run(&l, T, no_children_v1, &w);
		} else if (strcmp(argv[i], "dpd") == 0) {
			w.before = k->rx_resp[3];
			ok = ike_dpd_now(l.ep, id, now) && run(&l, T, info_answered, &w);
		} else if (strcmp(argv[i], "delete-child") == 0) {
			w.before = k->rx_resp[3];
			struct ike_child_info ci;
			ok = ike_sa_children(l.ep, id, &ci, 1) == 1 && ike_child_delete(l.ep, id, ci.spi_in, now) &&
			     run(&l, T, no_children, &w);
		} else if (strcmp(argv[i], "delete") == 0) {
			ok = ike_delete(l.ep, id, now) && run(&l, T, no_sa, &w);
		} else {
			fprintf(stderr, "unknown step %s\n", argv[i]);
			ok = false;
		}
		printf("step %s: %s\n", argv[i], ok ? "ok" : "FAILED");
	}
	const struct ike_counters *k = ike_endpoint_counters(l.ep);
	uint64_t drops = 0;
	for (int d = 0; d < IKE_DROP_COUNT; d++)
		drops += k->drops[d];
	printf("counters: retransmits %" G_GUINT64_FORMAT " drops %" G_GUINT64_FORMAT " fragments out %" G_GUINT64_FORMAT
	       " in %" G_GUINT64_FORMAT " reassembled %" G_GUINT64_FORMAT " INVALID_KE sent %" G_GUINT64_FORMAT "\n",
	       k->retransmits, drops, k->frags_tx, k->frags_rx, k->reassembled, k->invalid_ke_sent);
	ike_endpoint_free(l.ep);
	g_hash_table_destroy(l.esp);
	if (cert)
		ike_pair_pki_free(&pki);
	g_hash_table_destroy(l.timers);
	close(l.s500);
	close(l.s4500);
	return ok ? 0 : 1;
}
