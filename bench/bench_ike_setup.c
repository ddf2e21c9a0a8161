/* bench_ike_setup.c: full IKEv2 setups per second (IKE_SA_INIT + IKE_AUTH with the first CHILD
 * SA), both peers in one process, through the engine's public boundary (ike.h), compared with
 * the crypto bound computed from `openssl speed` in the same run.
 *
 * Each setup: the initiator calls ike_initiate(); every datagram an endpoint sends is queued
 * and handed to the other endpoint's ike_input() (a callback may not call back into an
 * endpoint, so send only copies into one of four preallocated slots); timers are ignored (no
 * packet is lost); the clock advances 1 ms per setup. When the queue is empty both SAs must be
 * ESTABLISHED with one CHILD SA each whose SPIs cross and whose keys match (checked on every
 * setup, not only in --smoke); then both SAs are dropped with ike_abort() so the endpoints stay
 * small (unless --keep). Every SPI, nonce, DH private value and IV comes from the random callback: one
 * splitmix64 stream per endpoint, so the run is deterministic.
 *
 * Configuration: PSK, IKE AES-GCM-16-256 / PRF-HMAC-SHA2-256 / DH group 19 (ECP-256) or 14
 * (MODP-2048), ESP AES-GCM-16-256, one traffic selector pair, no NAT, no fragmentation.
 *
 * The crypto bound. A setup needs 4 DH operations: each side generates a key pair (1 generate)
 * and computes g^ir from the other's public value (1 derive). `openssl speed -seconds 1
 * ecdhp256` (ffdh2048 for MODP-2048) times EVP_PKEY_derive alone, with keys and context made
 * beforehand. As in bench/bench_ike_crypto.c, a key generation is counted as one more derive,
 * so
 *     bound (setups/s) = openssl derive ops/s / 4
 * and the ratio is setups/s / bound. (OpenSSL's P-256 key generation is a fixed-base
 * multiplication, several times cheaper than a derive, so on ECP-256 more than 100 % is
 * possible in principle; for MODP both are one 2048-bit exponentiation.) Also timed in the same
 * run: the same four DH operations through ike_dh.h alone ("DH only"), which shows how much of
 * a setup is DH.
 *
 * Figures: median of --runs rounds (default 5); each round runs openssl speed and then our
 * loop for each group back to back. Times are this process's CPU time (openssl speed reports
 * CPU time too).
 *
 * Usage: bench_ike_setup [--smoke] [--runs=N] [--seconds=S] [--group=19|14] [--setups=N] [--keep=K]
 *                        [--vip]
 *   --smoke      a few setups per group, checked (both ESTABLISHED, CHILD keys match, the same
 *                seed gives the same keys, pool addresses lowest free first); no openssl, no
 *                timing claims (CI)
 *   --setups=N   N timed setups per group, once, without openssl (for profilers)
 *   --keep=K     K setups first whose SAs stay up (untimed): the endpoints then hold K IKE SAs
 *                and K CHILD SAs each while the timed setups run, like a gateway with K tunnels
 *   --vip        the initiator asks for a virtual IP, the responder assigns one from a pool of
 *                65,534 addresses (P2S style; with --keep, K of them are taken) */
#include "models/ipsec/ike.h"
#include "bench/openssl_speed.h"
#include "models/ipsec/ike_dh.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RUNS 31
#define QUEUE_SLOTS 4
#define SLOT_BYTES 65540 /* the largest IKE message plus the non-ESP marker */
#define NS_PER_MS G_GINT64_CONSTANT(1000000)

#define ADDR_I 0xc0000201u /* 192.0.2.1 */
#define ADDR_R 0xcb007101u /* 203.0.113.1 */

struct bench_group {
	uint16_t id;
	const char *speed_alg; /* `openssl speed` algorithm */
	const char *speed_tag; /* what its result line contains */
};

static const struct bench_group bgroups[] = {
	{ 19, "ecdhp256", "nistp256" },
	{ 14, "ffdh2048", "ffdh" },
};
#define NG G_N_ELEMENTS(bgroups)

struct slot {
	int to;
	struct ike_addr src, dst;
	size_t len;
	uint8_t *data;
};

struct node;

struct bench {
	struct node *n[2];
	struct slot q[QUEUE_SLOTS];
	unsigned q_head, q_len;
	bool overflow;
	bool vip; /* the initiator must obtain a virtual IP */
};

struct node {
	struct bench *b;
	int idx;
	struct ike_endpoint *ep;
	int peer;
	uint64_t rng;
	uint64_t sa_id;		      /* the SA of the current setup (responder: its first ike_state) */
	bool established;	      /* the current setup's SA reached ESTABLISHED */
	unsigned children;	      /* child_up reports in the current setup */
	uint32_t vip;		      /* the current setup's virtual IP (0: none) */
	struct ike_child_info child; /* the last one */
};

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MAX_RUNS];
	memcpy(s, v, (size_t)n * sizeof v[0]);
	qsort(s, (size_t)n, sizeof s[0], cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void fill(uint64_t *s, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = splitmix(s);
		for (size_t k = 0; k < 8 && i + k < len; k++)
			buf[i + k] = (uint8_t)(v >> (8 * k));
	}
}

/* ---- callbacks ---- */

static void cb_send(void *user, const struct ike_dgram *d)
{
	struct node *n = user;
	struct bench *b = n->b;
	if (b->q_len == QUEUE_SLOTS || d->len > SLOT_BYTES) {
		b->overflow = true;
		return;
	}
	struct slot *s = &b->q[(b->q_head + b->q_len) % QUEUE_SLOTS];
	b->q_len++;
	s->to = 1 - n->idx;
	s->src = d->src;
	s->dst = d->dst;
	s->len = d->len;
	memcpy(s->data, d->data, d->len);
}

static void cb_set_timer(void *user, uint64_t sa_id, int64_t at_ns)
{
	(void)user;
	(void)sa_id;
	(void)at_ns; /* nothing is lost, so no timer ever needs to fire during a setup */
}

static void cb_random(void *user, uint8_t *buf, size_t len)
{
	struct node *n = user;
	fill(&n->rng, buf, len);
}

static void cb_child_up(void *user, const struct ike_child_info *c)
{
	struct node *n = user;
	n->children++;
	n->child = *c;
}

static void cb_child_down(void *user, const struct ike_child_info *c, enum ike_down_reason why)
{
	(void)user;
	(void)c;
	(void)why;
}

static void cb_ike_state(void *user, uint64_t sa_id, enum ike_sa_state old_state, enum ike_sa_state new_state)
{
	struct node *n = user;
	(void)old_state;
	/* the responder's SA is created inside ike_input; its first report leaves HALF_OPEN */
	if (n->idx == 1 && !n->sa_id)
		n->sa_id = sa_id;
	if (new_state == IKE_SA_ESTABLISHED && sa_id == n->sa_id)
		n->established = true;
}

/* Logs are formatted by the engine and discarded here, as a simulation without --verbose
 * does. */
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
	.ike_state = cb_ike_state,
	.log = cb_log,
};

/* ---- setup ---- */

/* The initiator asks for a virtual IP (P2S style) and the responder assigns it from a pool. */
#define POOL_START 0x0a640001u /* 10.100.0.1 */
#define POOL_SIZE 65534u

static void peer_cfg(int i, uint16_t group, bool vip, struct ike_peer_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->name = i == 0 ? "to-responder" : "to-initiator";
	c->local.ip = i == 0 ? ADDR_I : ADDR_R;
	c->remote.ip = i == 0 ? ADDR_R : ADDR_I;
	memcpy(c->psk, "bench shared secret", 19);
	c->psk_len = 19;
	c->ike[0] = (struct ike_ike_proposal){ .encr = 20, .encr_key_bits = 256, .prf = 5, .integ = 0, .dh = group };
	c->n_ike = 1;
	c->esp[0] = (struct ike_esp_proposal){ .encr = 20, .encr_key_bits = 256, .integ = 0, .dh = 0 };
	c->n_esp = 1;
	uint32_t mine = 0x0a000000u + ((uint32_t)i << 16), theirs = 0x0a000000u + ((uint32_t)(1 - i) << 16);
	c->local_ts[0] = (struct ike_ts4){ mine, mine + 0xffffu, 0, 65535, 0 };
	c->remote_ts[0] = (struct ike_ts4){ theirs, theirs + 0xffffu, 0, 65535, 0 };
	c->n_local_ts = c->n_remote_ts = 1;
	if (vip && i == 0) {
		c->request_vip = true;
	} else if (vip) {
		c->pool_start = POOL_START;
		c->pool_size = POOL_SIZE;
		c->remote_ts[0] = (struct ike_ts4){ POOL_START, POOL_START + POOL_SIZE - 1, 0, 65535, 0 };
	}
}

static void bench_init(struct bench *b, struct node nodes[2], uint16_t group, bool vip, uint64_t seed)
{
	memset(b, 0, sizeof *b);
	b->vip = vip;
	for (int k = 0; k < QUEUE_SLOTS; k++)
		b->q[k].data = g_malloc(SLOT_BYTES);
	for (int i = 0; i < 2; i++) {
		struct node *n = &nodes[i];
		memset(n, 0, sizeof *n);
		n->b = b;
		n->idx = i;
		n->rng = seed * 2 + (uint64_t)i + 1;
		b->n[i] = n;
		struct ike_endpoint_cfg ec = { .name = i ? "responder" : "initiator" };
		n->ep = ike_endpoint_new(&ec, &callbacks, n);
		struct ike_peer_cfg c;
		peer_cfg(i, group, vip, &c);
		GError *err = NULL;
		n->peer = ike_peer_add(n->ep, &c, &err);
		if (n->peer < 0)
			g_error("ike_peer_add: %s", err->message);
	}
}

static void bench_free(struct bench *b)
{
	for (int i = 0; i < 2; i++)
		ike_endpoint_free(b->n[i]->ep);
	for (int k = 0; k < QUEUE_SLOTS; k++)
		g_free(b->q[k].data);
}

/* Both CHILD SAs of the setup: crossed SPIs, same algorithms, a's out keys are b's in keys. */
static bool children_match(const struct ike_child_info *x, const struct ike_child_info *y)
{
	return x->spi_out == y->spi_in && y->spi_out == x->spi_in && x->encr == y->encr &&
	       x->encr_key_len == y->encr_key_len && x->encr_key_len > 0 && x->integ_key_len == y->integ_key_len &&
	       memcmp(x->key_out_encr, y->key_in_encr, x->encr_key_len) == 0 &&
	       memcmp(x->key_in_encr, y->key_out_encr, x->encr_key_len) == 0 &&
	       memcmp(x->key_in_encr, x->key_out_encr, x->encr_key_len) != 0 &&
	       memcmp(x->key_out_integ, y->key_in_integ, x->integ_key_len) == 0 &&
	       memcmp(x->key_in_integ, y->key_out_integ, x->integ_key_len) == 0;
}

/* One full setup at time now, then both SAs dropped unless keep. false (with a message) if it
 * did not end ESTABLISHED on both sides with matching CHILD SAs. */
static bool one_setup(struct bench *b, int64_t now, bool keep)
{
	struct node *ni = b->n[0], *nr = b->n[1];
	for (int i = 0; i < 2; i++) {
		b->n[i]->sa_id = 0;
		b->n[i]->established = false;
		b->n[i]->children = 0;
	}
	ni->sa_id = ike_initiate(ni->ep, ni->peer, now);
	while (b->q_len) {
		struct slot *s = &b->q[b->q_head];
		struct ike_dgram d = { .src = s->src, .dst = s->dst, .data = s->data, .len = s->len };
		/* the slot stays taken while the receiver runs: its replies go to other slots */
		ike_input(b->n[s->to]->ep, &d, now);
		b->q_head = (b->q_head + 1) % QUEUE_SLOTS;
		b->q_len--;
	}
	bool ok = !b->overflow && ni->established && nr->established && ni->children == 1 && nr->children == 1 &&
		  ike_sa_state(ni->ep, ni->sa_id) == IKE_SA_ESTABLISHED &&
		  ike_sa_state(nr->ep, nr->sa_id) == IKE_SA_ESTABLISHED && children_match(&ni->child, &nr->child) &&
		  (!b->vip || (ike_sa_vip(ni->ep, ni->sa_id) != 0 &&
			       ike_sa_vip(ni->ep, ni->sa_id) == ike_sa_vip(nr->ep, nr->sa_id)));
	if (!ok)
		fprintf(stderr, "setup failed: initiator %s, responder %s, children %u/%u%s\n",
			ni->established ? "established" : "not established",
			nr->established ? "established" : "not established", ni->children, nr->children,
			b->overflow ? ", send queue overflow" : "");
	ni->vip = ike_sa_vip(ni->ep, ni->sa_id);
	nr->vip = ike_sa_vip(nr->ep, nr->sa_id);
	if (!keep) {
		ike_abort(ni->ep, ni->sa_id, now);
		ike_abort(nr->ep, nr->sa_id, now);
	}
	return ok;
}

/* Runs setups for budget_s CPU seconds (at least min_setups) after `keep` untimed ones whose SAs
 * stay up; setups/s, or -1 on a failure. */
static double measure_setups(uint16_t group, bool vip, uint64_t seed, long keep, long min_setups, double budget_s)
{
	struct bench b;
	struct node nodes[2];
	bench_init(&b, nodes, group, vip, seed);
	bool ok = true;
	for (long k = 0; ok && k < keep; k++)
		ok = one_setup(&b, (k + 1) * NS_PER_MS, true);
	long n = 0;
	double t0 = cpu_s(), t = 0;
	while (ok && (n < min_setups || t < budget_s)) {
		ok = one_setup(&b, (keep + n + 1) * NS_PER_MS, false);
		n++;
		t = cpu_s() - t0;
	}
	bench_free(&b);
	return ok ? (double)n / t : -1;
}

/* The DH work of a setup alone through ike_dh.h: two key pairs, two derives (with the peer's
 * value checked), private bytes from a splitmix64 stream. "Setups"/s, or -1 on a failure. */
static double measure_dh_only(uint16_t group, uint64_t seed, long min_setups, double budget_s)
{
	const struct ike_dh_group *g = ike_dh_group_lookup(group);
	size_t xlen = ike_dh_private_len(g), plen = ike_dh_public_len(g), slen = ike_dh_secret_len(g);
	uint8_t x[64], pi[256], pr[256], si[256], sr[256];
	uint64_t s = seed;
	long n = 0;
	bool ok = true;
	double t0 = cpu_s(), t = 0;
	while (ok && (n < min_setups || t < budget_s)) {
		struct ike_dh_key *ki = NULL, *kr = NULL;
		fill(&s, x, xlen);
		ok = ike_dh_generate(g, x, xlen, &ki, pi) == IKE_DHV_OK;
		fill(&s, x, xlen);
		ok = ok && ike_dh_generate(g, x, xlen, &kr, pr) == IKE_DHV_OK;
		ok = ok && ike_dh_derive(kr, pi, plen, sr) == IKE_DHV_OK && ike_dh_derive(ki, pr, plen, si) == IKE_DHV_OK;
		ok = ok && memcmp(si, sr, slen) == 0;
		ike_dh_key_free(ki);
		ike_dh_key_free(kr);
		n++;
		t = cpu_s() - t0;
	}
	return ok ? (double)n / t : -1;
}

/* --smoke: a few setups per group, the same seed giving the same CHILD keys twice, and setups
 * with a virtual IP from the responder's pool: the first kept up, the next two dropped, so the
 * lowest free address is taken, released and taken again. */
static int smoke(void)
{
	for (size_t i = 0; i < NG; i++) {
		struct ike_child_info first[2];
		for (int rep = 0; rep < 3; rep++) {
			struct bench b;
			struct node nodes[2];
			bench_init(&b, nodes, bgroups[i].id, rep == 2, 7);
			for (int k = 0; k < 3; k++) {
				if (!one_setup(&b, (k + 1) * NS_PER_MS, rep == 2 && k == 0)) {
					fprintf(stderr, "group %u: setup %d failed\n", bgroups[i].id, k);
					bench_free(&b);
					return 1;
				}
				if (rep == 2 && nodes[0].vip != POOL_START + (k > 0)) {
					fprintf(stderr, "group %u: setup %d got virtual IP %08x\n", bgroups[i].id, k,
						nodes[0].vip);
					bench_free(&b);
					return 1;
				}
				if (k == 0 && rep == 0) {
					first[0] = nodes[0].child;
					first[1] = nodes[1].child;
				} else if (k == 0 && rep == 1 &&
					   (memcmp(first[0].key_out_encr, nodes[0].child.key_out_encr, 36) != 0 ||
					    first[1].spi_in != nodes[1].child.spi_in)) {
					fprintf(stderr, "group %u: the same seed gave different keys\n", bgroups[i].id);
					bench_free(&b);
					return 1;
				}
			}
			bench_free(&b);
		}
	}
	printf("bench_ike_setup --smoke: ECP-256 and MODP-2048: PSK setups, both sides ESTABLISHED, CHILD SPIs "
	       "crossed and keys matching, deterministic, virtual IPs from a pool\n");
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_ike_setup [--smoke] [--runs=N] [--seconds=S] [--group=19|14] [--setups=N] "
			"[--keep=K] [--vip]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int runs = 5;
	double seconds = 1.0;
	int only_group = 0;
	long fixed_setups = 0, keep = 0;
	bool vip = false;
	for (int a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--smoke") == 0)
			return smoke();
		else if (strncmp(argv[a], "--runs=", 7) == 0)
			runs = atoi(argv[a] + 7);
		else if (strncmp(argv[a], "--seconds=", 10) == 0)
			seconds = g_ascii_strtod(argv[a] + 10, NULL);
		else if (strncmp(argv[a], "--group=", 8) == 0)
			only_group = atoi(argv[a] + 8);
		else if (strncmp(argv[a], "--setups=", 9) == 0)
			fixed_setups = atol(argv[a] + 9);
		else if (strncmp(argv[a], "--keep=", 7) == 0)
			keep = atol(argv[a] + 7);
		else if (strcmp(argv[a], "--vip") == 0)
			vip = true;
		else
			usage();
	}
	if (runs < 1 || runs > MAX_RUNS || seconds <= 0 || keep < 0 || (vip && keep >= (long)POOL_SIZE) ||
	    (only_group && only_group != 19 && only_group != 14))
		usage();
	bool sel[NG];
	for (size_t i = 0; i < NG; i++)
		sel[i] = !only_group || bgroups[i].id == only_group;

	if (fixed_setups > 0) {
		for (size_t i = 0; i < NG; i++) {
			if (!sel[i])
				continue;
			double t0 = cpu_s();
			double rate = measure_setups(bgroups[i].id, vip, 1, keep, fixed_setups, 0);
			if (rate < 0)
				return 1;
			double t = cpu_s() - t0;
			printf("group %u: %ld setups (%ld kept up before) in %.3f CPU s: %.0f setups/s timed\n",
			       bgroups[i].id, fixed_setups, keep, t, rate);
		}
		return 0;
	}

	static double setups[NG][MAX_RUNS], dh_only[NG][MAX_RUNS], ossl[NG][MAX_RUNS], ratio[NG][MAX_RUNS];
	for (int r = 0; r < runs; r++) {
		for (size_t i = 0; i < NG; i++) {
			if (!sel[i])
				continue;
			const struct bench_group *bg = &bgroups[i];
			uint64_t seed = (uint64_t)r * 100 + i;
			ossl[i][r] = openssl_speed_ops(bg->speed_alg, bg->speed_tag);
			setups[i][r] = measure_setups(bg->id, vip, seed, keep, 20, seconds);
			dh_only[i][r] = measure_dh_only(bg->id, seed, 20, seconds / 2);
			if (setups[i][r] < 0 || dh_only[i][r] < 0) {
				fprintf(stderr, "group %u: a setup failed\n", bg->id);
				return 1;
			}
			ratio[i][r] = ossl[i][r] > 0 ? setups[i][r] / (ossl[i][r] / 4) : 0;
		}
		fprintf(stderr, "round %d/%d done\n", r + 1, runs);
	}

	printf("IKEv2 setups (IKE_SA_INIT + IKE_AUTH + first CHILD SA, PSK, AES-GCM-256, PRF SHA-256), both peers "
	       "in one process, %ld other SAs up, per CPU second, median of %d rounds\n",
	       keep, runs);
	printf("%-10s %10s %10s %10s %12s %10s %10s %10s\n", "group", "setups/s", "us/setup", "DH only/s",
	       "openssl op/s", "bound/s", "ratio", "min-max");
	for (size_t i = 0; i < NG; i++) {
		if (!sel[i])
			continue;
		double s = median(setups[i], runs), os = median(ossl[i], runs), rt = median(ratio[i], runs);
		double lo = ratio[i][0], hi = ratio[i][0];
		for (int r = 1; r < runs; r++) {
			lo = MIN(lo, ratio[i][r]);
			hi = MAX(hi, ratio[i][r]);
		}
		printf("%-10s %10.0f %10.1f %10.0f %12.0f %10.0f %9.0f%% %4.0f-%3.0f%%\n",
		       ike_dh_group_name(ike_dh_group_lookup(bgroups[i].id)), s, 1e6 / s, median(dh_only[i], runs), os,
		       os / 4, 100 * rt, 100 * lo, 100 * hi);
	}
	printf("bound/s: `openssl speed -seconds 1 ecdhp256|ffdh2048` derive op/s / 4 (2 key generations + 2 "
	       "derives per setup, a generation counted as a derive); ratio: setups/s / bound/s, median of the "
	       "per-round ratios; DH only: the 4 DH operations through ike_dh.h alone\n");
	return 0;
}
