/* bench_ike_crypto.c: Diffie-Hellman operations per second through models/ipsec/ike_dh.h for
 * every group of the table, compared with `openssl speed` for the same operation measured in
 * the same run. These are "the crypto bound" a later IKE handshake benchmark divides by.
 *
 * What is measured, per group:
 *   generate  ike_dh_generate(): private key from caller bytes, public value, EVP_PKEY_fromdata
 *   derive    ike_dh_derive(): import and check the peer's value, EVP_PKEY_derive (padded)
 *   pair      one generate + one derive: one side's DH work in an IKE_SA_INIT exchange
 * `openssl speed ecdhp256 / ecdhp384 / ecdhx25519 / ffdh2048` times EVP_PKEY_derive alone with
 * keys made beforehand, so "derive / openssl" compares the same operation, and the bound for a
 * pair is taken as half openssl's derive rate (key generation counted as one more derive). MODP-
 * 2048-256 is compared with ffdh2048 (same modulus size; speed's ffdhe2048 key is a 225-bit
 * exponent, ours 256 bits); MODP-1024 has no `openssl speed` counterpart.
 *
 * Figures: medians of RUNS rounds; each round runs openssl speed and our three loops for every
 * group back to back, so a change in machine load hits all alike. Times are this process's CPU
 * time, as openssl speed reports CPU (user) time.
 *
 * A second table gives the rest of an IKE SA's crypto per operation (key derivation, PSK AUTH,
 * sealing and opening a 500-byte SK payload), so that a handshake benchmark can see how much of
 * its time is not DH.
 *
 * Usage: bench_ike_crypto [--smoke]   (--smoke: agreement check per group and a few timed
 * operations; no openssl, no timing claims) */
#include "models/ipsec/ike_crypto.h"
#include "bench/openssl_speed.h"
#include "models/ipsec/ike_dh.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUNS 5
#define MEASURE_S 0.3 /* CPU seconds per loop and round */

struct bench_group {
	uint16_t id;
	const char *speed_alg; /* `openssl speed` algorithm, NULL if none */
	const char *speed_tag; /* what its result line contains */
};

static const struct bench_group bgroups[] = {
	{ 19, "ecdhp256", "nistp256" }, { 20, "ecdhp384", "nistp384" }, { 31, "ecdhx25519", "X25519" },
	{ 14, "ffdh2048", "ffdh" },	{ 24, "ffdh2048", "ffdh" },	{ 2, NULL, NULL },
};
#define NG G_N_ELEMENTS(bgroups)

static double now_s(void)
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
	double s[RUNS];
	memcpy(s, v, (size_t)n * sizeof v[0]);
	qsort(s, (size_t)n, sizeof s[0], cmp_double);
	return s[n / 2];
}

/* Deterministic private bytes (splitmix64): the benchmark, like the simulator, never asks
 * OpenSSL for randomness. */
static void fill(uint64_t *state, uint8_t *out, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));
		z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
		z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
		out[i] = (uint8_t)(z ^ (z >> 31));
	}
}

enum op { OP_GENERATE, OP_DERIVE, OP_PAIR, N_OPS };
static const char *const op_names[N_OPS] = { "generate", "derive", "pair" };

/* Runs op on group g for about MEASURE_S CPU seconds (min_ops at least); returns ops/s, or -1 if
 * an operation failed. */
static double measure(const struct ike_dh_group *g, enum op op, uint64_t *stream, long min_ops, double budget_s)
{
	size_t xlen = ike_dh_private_len(g), plen = ike_dh_public_len(g);
	uint8_t x[64], pub[256], peer_pub[256], secret[256];
	struct ike_dh_key *mine = NULL, *peer = NULL;
	fill(stream, x, xlen);
	if (ike_dh_generate(g, x, xlen, &mine, pub) != IKE_DHV_OK)
		return -1;
	fill(stream, x, xlen);
	if (ike_dh_generate(g, x, xlen, &peer, peer_pub) != IKE_DHV_OK)
		return -1;
	long n = 0;
	bool ok = true;
	double t0 = now_s(), t = 0;
	while (ok && (n < min_ops || t < budget_s)) {
		struct ike_dh_key *k = NULL;
		switch (op) {
		case OP_GENERATE:
			fill(stream, x, xlen);
			ok = ike_dh_generate(g, x, xlen, &k, pub) == IKE_DHV_OK;
			ike_dh_key_free(k);
			break;
		case OP_DERIVE:
			ok = ike_dh_derive(mine, peer_pub, plen, secret) == IKE_DHV_OK;
			break;
		case OP_PAIR:
			fill(stream, x, xlen);
			ok = ike_dh_generate(g, x, xlen, &k, pub) == IKE_DHV_OK &&
			     ike_dh_derive(k, peer_pub, plen, secret) == IKE_DHV_OK;
			ike_dh_key_free(k);
			break;
		default:
			g_assert_not_reached();
		}
		n++;
		t = now_s() - t0;
	}
	ike_dh_key_free(mine);
	ike_dh_key_free(peer);
	return ok ? (double)n / t : -1;
}

/* The non-DH crypto of an IKE SA, timed per call. */
enum sym_op { SYM_KEYS, SYM_AUTH, SYM_SK_GCM, SYM_SK_CBC, N_SYM };
static const char *const sym_names[N_SYM] = {
	"SKEYSEED + 7 SK_* keys (SHA-256, AES-GCM-256)",
	"PSK AUTH: signed octets + prf(prf()) (SHA-256)",
	"SK seal + open, 500 B, AES-GCM-256",
	"SK seal + open, 500 B, AES-CBC-256 + SHA-256-128",
};

static double measure_sym(enum sym_op op, long min_ops, double budget_s)
{
	static uint8_t msg[1024];
	uint8_t ni[32], nr[32], gir[256], skeyseed[IKE_CRYPTO_MAX_PRF_LEN], spi[8] = { 1 }, auth[48], iv[16] = { 0 };
	memset(ni, 1, sizeof ni);
	memset(nr, 2, sizeof nr);
	memset(gir, 3, sizeof gir);
	struct ike_crypto_buf bi = { ni, 32 }, br = { nr, 32 }, bg = { gir, 256 };
	struct ike_transforms gcm = { IKE_CRYPTO_ENCR_AES_GCM_16, 256, IKE_CRYPTO_PRF_HMAC_SHA2_256, 0 };
	struct ike_transforms cbc = { IKE_CRYPTO_ENCR_AES_CBC, 256, IKE_CRYPTO_PRF_HMAC_SHA2_256,
				      IKE_CRYPTO_INTEG_HMAC_SHA2_256_128 };
	struct ike_sa_keys k;
	if (!ike_skeyseed(gcm.prf, bi, br, bg, skeyseed) ||
	    !ike_sa_keys_derive(op == SYM_SK_CBC ? &cbc : &gcm, skeyseed, bi, br, spi, spi, &k))
		return -1;
	struct ike_sk_cipher c = ike_sk_cipher_for(&k, true);
	struct ike_crypto_buf psk = { (const uint8_t *)"secret", 6 }, first = { msg, 400 }, id = { msg, 12 };
	struct ike_crypto_buf skp = { k.sk_pi, k.prf_len };
	GByteArray *so = g_byte_array_new();
	long n = 0;
	bool ok = true;
	double t0 = now_s(), t = 0;
	while (ok && (n < min_ops || t < budget_s)) {
		size_t off, len;
		switch (op) {
		case SYM_KEYS:
			ok = ike_skeyseed(gcm.prf, bi, br, bg, skeyseed) &&
			     ike_sa_keys_derive(&gcm, skeyseed, bi, br, spi, spi, &k);
			break;
		case SYM_AUTH:
			g_byte_array_set_size(so, 0);
			ok = ike_auth_signed_octets(gcm.prf, skp, first, br, id, so) &&
			     ike_psk_auth(gcm.prf, psk, (struct ike_crypto_buf){ so->data, so->len }, auth);
			break;
		case SYM_SK_GCM:
		case SYM_SK_CBC:
			ok = ike_sk_seal(&c, iv, msg, 32, 500) == IKE_SKV_OK &&
			     ike_sk_open(&c, msg, 32, ike_sk_body_len(&c, 500), &off, &len) == IKE_SKV_OK && len == 500;
			break;
		default:
			g_assert_not_reached();
		}
		n++;
		t = now_s() - t0;
	}
	g_byte_array_unref(so);
	ike_sa_keys_clear(&k);
	return ok ? (double)n / t : -1;
}

/* Both sides agree, for every group: what --smoke checks besides running the loops. */
static bool agreement(const struct ike_dh_group *g, uint64_t *stream)
{
	size_t xlen = ike_dh_private_len(g), plen = ike_dh_public_len(g), slen = ike_dh_secret_len(g);
	uint8_t x[64], pi[256], pr[256], si[256], sr[256];
	struct ike_dh_key *ki = NULL, *kr = NULL;
	fill(stream, x, xlen);
	bool ok = ike_dh_generate(g, x, xlen, &ki, pi) == IKE_DHV_OK;
	fill(stream, x, xlen);
	ok = ok && ike_dh_generate(g, x, xlen, &kr, pr) == IKE_DHV_OK;
	ok = ok && ike_dh_derive(ki, pr, plen, si) == IKE_DHV_OK && ike_dh_derive(kr, pi, plen, sr) == IKE_DHV_OK;
	ok = ok && memcmp(si, sr, slen) == 0;
	ike_dh_key_free(ki);
	ike_dh_key_free(kr);
	return ok;
}

int main(int argc, char **argv)
{
	bool smoke = argc > 1 && strcmp(argv[1], "--smoke") == 0;
	uint64_t stream = 20261125;
	const struct ike_dh_group *groups[NG];
	for (size_t i = 0; i < NG; i++) {
		groups[i] = ike_dh_group_lookup(bgroups[i].id);
		if (!groups[i] || !agreement(groups[i], &stream)) {
			fprintf(stderr, "group %u: key agreement failed\n", bgroups[i].id);
			return 1;
		}
	}
	if (smoke) {
		for (size_t i = 0; i < NG; i++)
			for (int op = 0; op < N_OPS; op++)
				if (measure(groups[i], (enum op)op, &stream, 3, 0) < 0) {
					fprintf(stderr, "group %u: %s failed\n", bgroups[i].id, op_names[op]);
					return 1;
				}
		for (int op = 0; op < N_SYM; op++)
			if (measure_sym((enum sym_op)op, 3, 0) < 0) {
				fprintf(stderr, "%s failed\n", sym_names[op]);
				return 1;
			}
		printf("bench_ike_crypto --smoke: %zu groups agree; generate, derive and pair run; KDF, AUTH, SK run\n",
		       NG);
		return 0;
	}

	static double ours[NG][N_OPS][RUNS], ossl[NG][RUNS], r_derive[NG][RUNS], r_pair[NG][RUNS];
	static double sym[N_SYM][RUNS];
	for (int r = 0; r < RUNS; r++) {
		for (size_t i = 0; i < NG; i++) {
			const struct bench_group *b = &bgroups[i];
			ossl[i][r] = b->speed_alg ? openssl_speed_ops(b->speed_alg, b->speed_tag) : 0;
			for (int op = 0; op < N_OPS; op++) {
				ours[i][op][r] = measure(groups[i], (enum op)op, &stream, 20, MEASURE_S);
				if (ours[i][op][r] < 0) {
					fprintf(stderr, "group %u: %s failed\n", b->id, op_names[op]);
					return 1;
				}
			}
			r_derive[i][r] = ossl[i][r] > 0 ? ours[i][OP_DERIVE][r] / ossl[i][r] : 0;
			r_pair[i][r] = ossl[i][r] > 0 ? ours[i][OP_PAIR][r] / (ossl[i][r] / 2) : 0;
		}
		for (int op = 0; op < N_SYM; op++) {
			sym[op][r] = measure_sym((enum sym_op)op, 100, MEASURE_S / 3);
			if (sym[op][r] < 0) {
				fprintf(stderr, "%s failed\n", sym_names[op]);
				return 1;
			}
		}
		fprintf(stderr, "round %d/%d done\n", r + 1, RUNS);
	}

	printf("IKE DH through ike_dh.h, ops per CPU second, median of %d rounds\n", RUNS);
	printf("%-14s %10s %10s %10s  %-22s %10s %9s %9s\n", "group", "generate", "derive", "pair",
	       "openssl speed", "op/s", "derive/os", "pair/bnd");
	for (size_t i = 0; i < NG; i++) {
		const struct bench_group *b = &bgroups[i];
		double os = median(ossl[i], RUNS);
		printf("%-14s %10.0f %10.0f %10.0f  ", ike_dh_group_name(groups[i]), median(ours[i][OP_GENERATE], RUNS),
		       median(ours[i][OP_DERIVE], RUNS), median(ours[i][OP_PAIR], RUNS));
		if (b->speed_alg && os > 0)
			printf("%-22s %10.0f %8.0f%% %8.0f%%\n", b->speed_alg, os, 100 * median(r_derive[i], RUNS),
			       100 * median(r_pair[i], RUNS));
		else
			printf("%-22s %10s %9s %9s\n", "(none)", "-", "-", "-");
	}
	printf("pair/bnd: pairs/s over openssl's derive op/s / 2 (one key generation + one derive per side "
	       "and exchange)\n");
	printf("crypto bound for a full IKE_SA_INIT (both peers in one process: 2 generates + 2 derives), "
	       "setups/s:\n");
	for (size_t i = 0; i < NG; i++) {
		double os = median(ossl[i], RUNS);
		printf("  %-14s ours %8.0f", ike_dh_group_name(groups[i]), median(ours[i][OP_PAIR], RUNS) / 2);
		if (os > 0)
			printf("   openssl speed %8.0f", os / 4);
		printf("\n");
	}
	printf("non-DH crypto of an IKE SA, median of %d rounds:\n", RUNS);
	for (int op = 0; op < N_SYM; op++)
		printf("  %-50s %8.2f us\n", sym_names[op], 1e6 / median(sym[op], RUNS));
	return 0;
}
