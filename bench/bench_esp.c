/* bench_esp.c: ESP throughput through the real code path: esp_encap then esp_decap of one
 * 1400-byte inner packet, in place, for AES-128-GCM, AES-256-GCM and AES-256-CBC+HMAC-SHA-256;
 * compared with `openssl speed -evp aes-256-gcm -bytes 1400` measured in the same run.
 *
 * Figures: the median of RUNS timed runs. "Gbit/s" and "packets/s" count inner packets that went
 * through encap AND decap (one round trip per packet). Each round trip makes two cipher passes
 * over the packet, so the ratio to openssl compares per-pass throughput, 2 * 1400 bytes per round
 * trip / time, with openssl's one-direction figure (equivalently: openssl's time per 1400-byte
 * pass divided by our time per encap or decap).
 *
 * Usage: bench_esp [--smoke]   (--smoke: a brief correctness run, no openssl, no timing claims) */
#include "models/ipsec/esp.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INNER 1400
#define BUF 2048
#define HEAD 128
#define RUNS 7

struct xform {
	const char *name;
	enum esp_encr encr;
	size_t key_len;
	enum esp_integ integ;
	size_t integ_len;
};

static const struct xform xforms[] = {
	{ "AES-128-GCM-16", ESP_ENCR_AES_GCM16, 20, ESP_INTEG_NONE, 0 },
	{ "AES-256-GCM-16", ESP_ENCR_AES_GCM16, 36, ESP_INTEG_NONE, 0 },
	{ "AES-256-CBC+HMAC-SHA-256-128", ESP_ENCR_AES_CBC, 32, ESP_INTEG_HMAC_SHA256_128, 32 },
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static struct esp_sa *make_sa(const struct xform *x, enum esp_dir dir)
{
	struct esp_sa_config c = { 0 };
	c.dir = dir;
	c.spi = 0x0badcafe;
	c.src = 0xc6120102;
	c.dst = 0xc6120202;
	c.encr = x->encr;
	c.encr_key_len = x->key_len;
	for (size_t i = 0; i < x->key_len; i++)
		c.encr_key[i] = (uint8_t)(i * 3 + 1);
	c.integ = x->integ;
	c.integ_key_len = x->integ_len;
	for (size_t i = 0; i < x->integ_len; i++)
		c.integ_key[i] = (uint8_t)(i * 5 + 2);
	c.replay_window = 1024;
	GError *err = NULL;
	struct esp_sa *sa = esp_sa_new(&c, 0, &err);
	if (!sa) {
		fprintf(stderr, "bench_esp: %s\n", err->message);
		exit(1);
	}
	return sa;
}

static void make_inner(uint8_t *p)
{
	memset(p, 0, INNER);
	p[0] = 0x45;
	p[2] = INNER >> 8;
	p[3] = INNER & 255;
	p[8] = 64;
	p[9] = 17;
	for (size_t i = 20; i < INNER; i++)
		p[i] = (uint8_t)i;
}

/* Runs n round trips; returns false if any packet failed or came back different. */
static bool round_trips(struct esp_sa *out, struct esp_sa *in, uint8_t *store, const uint8_t *ref, long n)
{
	for (long i = 0; i < n; i++) {
		struct esp_buf b = { store + HEAD, INNER, HEAD, BUF - HEAD - INNER };
		if (esp_encap(out, &b, 0) != ESP_OK || esp_decap(in, &b, 0) != ESP_OK)
			return false;
	}
	return memcmp(store + HEAD, ref, INNER) == 0;
}

/* A second reference: bare EVP AES-256-GCM in this process, one 1400-byte pass per "packet" done
 * the way ESP needs it (new IV, 8 bytes of AAD, in-place update, final, tag), in bytes/s. The gap
 * between this and our per-pass figure is what the ESP framing costs. */
static double raw_evp_gcm(void)
{
	static uint8_t data[INNER];
	uint8_t key[32] = { 1 }, nonce[12] = { 2 }, aad[8] = { 3 }, tag[16];
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	if (!c || !ctx || !EVP_EncryptInit_ex2(ctx, c, key, NULL, NULL))
		return 0;
	double secs[RUNS];
	long n = 400000;
	for (int r = 0; r < RUNS; r++) {
		double t0 = now_s();
		for (long i = 0; i < n; i++) {
			int outl = 0, fl = 0;
			nonce[11] = (uint8_t)i;
			OSSL_PARAM p[] = { OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, 16),
					   OSSL_PARAM_construct_end() };
			if (!EVP_EncryptInit_ex2(ctx, NULL, NULL, nonce, NULL) ||
			    !EVP_EncryptUpdate(ctx, NULL, &outl, aad, 8) ||
			    !EVP_EncryptUpdate(ctx, data, &outl, data, INNER) || !EVP_EncryptFinal_ex(ctx, data, &fl) ||
			    !EVP_CIPHER_CTX_get_params(ctx, p))
				return 0;
		}
		secs[r] = now_s() - t0;
	}
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	qsort(secs, RUNS, sizeof secs[0], cmp_double);
	return (double)n * INNER / secs[RUNS / 2];
}

/* openssl speed's figure for aes-256-gcm at 1400 bytes, in bytes/s; 0 if unavailable. */
static double openssl_speed(const char *cipher)
{
	char cmd[160];
	snprintf(cmd, sizeof cmd, "openssl speed -evp %s -bytes %d -seconds 1 2>/dev/null", cipher, INNER);
	FILE *f = popen(cmd, "r");
	if (!f)
		return 0;
	char line[512];
	double kbps = 0;
	while (fgets(line, sizeof line, f)) {
		if (g_ascii_strncasecmp(line, cipher, strlen(cipher)) != 0)
			continue;
		char *end = NULL;
		double v = g_ascii_strtod(line + strlen(cipher), &end);
		if (end && *end == 'k')
			kbps = v;
	}
	pclose(f);
	return kbps * 1000;
}

int main(int argc, char **argv)
{
	bool smoke = argc > 1 && strcmp(argv[1], "--smoke") == 0;
	static uint8_t store[BUF], ref[INNER];
	make_inner(ref);
	double ossl = 0, ossl_med[RUNS], raw = 0;
	if (!smoke) {
		/* openssl speed, three times, median: the same machine, the same run */
		for (int r = 0; r < 3; r++)
			ossl_med[r] = openssl_speed("aes-256-gcm");
		qsort(ossl_med, 3, sizeof ossl_med[0], cmp_double);
		ossl = ossl_med[1];
		printf("openssl speed -evp aes-256-gcm -bytes %d -seconds 1: %.1f MB/s (%.2f Gbit/s), median of 3\n",
		       INNER, ossl / 1e6, ossl * 8 / 1e9);
		raw = raw_evp_gcm();
		printf("bare EVP AES-256-GCM, IV+AAD+%d B+tag per call, this process: %.1f MB/s, median of %d\n",
		       INNER, raw / 1e6, RUNS);
	}
	int rc = 0;
	for (size_t xi = 0; xi < G_N_ELEMENTS(xforms); xi++) {
		const struct xform *x = &xforms[xi];
		struct esp_sa *out = make_sa(x, ESP_DIR_OUT);
		struct esp_sa *in = make_sa(x, ESP_DIR_IN);
		memcpy(store + HEAD, ref, INNER);
		long n = smoke ? 2000 : 50000;
		if (!round_trips(out, in, store, ref, n)) {
			fprintf(stderr, "bench_esp: %s: round trip failed\n", x->name);
			rc = 1;
			goto next;
		}
		if (smoke) {
			printf("%-30s %ld round trips ok\n", x->name, n);
			goto next;
		}
		/* size a run to about 0.4 s from the warm-up */
		double t0 = now_s();
		round_trips(out, in, store, ref, n);
		double per = (now_s() - t0) / (double)n;
		n = (long)(0.4 / per) + 1;
		double secs[RUNS];
		for (int r = 0; r < RUNS; r++) {
			t0 = now_s();
			bool ok = round_trips(out, in, store, ref, n);
			secs[r] = now_s() - t0;
			if (!ok) {
				fprintf(stderr, "bench_esp: %s: round trip failed\n", x->name);
				rc = 1;
				goto next;
			}
		}
		qsort(secs, RUNS, sizeof secs[0], cmp_double);
		double t = secs[RUNS / 2];
		double pps = (double)n / t;
		double gbps = pps * INNER * 8 / 1e9;
		double per_pass = 2 * pps * INNER; /* bytes/s through one cipher pass */
		printf("%-30s encap+decap %8.0f packets/s  %6.2f Gbit/s  (%.0f ns/round trip; "
		       "min %.2f max %.2f Gbit/s over %d runs of %ld)\n",
		       x->name, pps, gbps, 1e9 / pps, (double)n * INNER * 8 / secs[RUNS - 1] / 1e9,
		       (double)n * INNER * 8 / secs[0] / 1e9, RUNS, n);
		if (ossl > 0)
			printf("%-30s per-pass %.1f MB/s = %.0f %% of openssl aes-256-gcm%s\n", "", per_pass / 1e6,
			       100 * per_pass / ossl,
			       x->encr == ESP_ENCR_AES_GCM16 && x->key_len == 36
				       ? (per_pass / ossl >= 0.7 ? " (target 70 %: met)" : " (target 70 %: NOT met)")
				       : "");
		if (raw > 0 && x->encr == ESP_ENCR_AES_GCM16 && x->key_len == 36)
			printf("%-30s per-pass = %.0f %% of bare EVP AES-256-GCM\n", "", 100 * per_pass / raw);
	next:
		esp_sa_free(out);
		esp_sa_free(in);
	}
	return rc;
}
