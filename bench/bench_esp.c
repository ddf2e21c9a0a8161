/* bench_esp.c: ESP throughput through the real code path: esp_encap then esp_decap of one
 * 1400-byte inner packet, in place, for AES-128-GCM, AES-256-GCM and AES-256-CBC+HMAC-SHA-256;
 * compared with `openssl speed -evp aes-256-gcm -bytes 1400` measured in the same run.
 *
 * Figures: the median of RUNS timed runs, in CPU time (see now_s). "Gbit/s" and "packets/s" count inner packets that went
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

/* CPU time of this process: `openssl speed` divides by CPU user time too (unless -elapsed), so
 * both sides are measured alike and the ratio does not depend on what else the machine runs. */
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

/* A second reference: bare EVP AES-256-GCM in this process, one 1400-byte pass per call done the
 * way ESP needs it (new IV, 8 bytes of AAD, in-place update, final, tag). One timed run of about
 * `secs` seconds; bytes/s, or 0 on failure. The gap between this and our per-pass figure is what
 * the ESP framing costs. */
static double raw_evp_gcm(double secs)
{
	static uint8_t data[INNER];
	uint8_t key[32] = { 1 }, nonce[12] = { 2 }, aad[8] = { 3 }, tag[16];
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	double rate = 0;
	if (c && ctx && EVP_EncryptInit_ex2(ctx, c, key, NULL, NULL)) {
		long n = 0;
		double t0 = now_s(), t = 0;
		bool ok = true;
		while (ok && (t = now_s() - t0) < secs) {
			for (int i = 0; ok && i < 1000; i++, n++) {
				int outl = 0, fl = 0;
				nonce[11] = (uint8_t)n;
				OSSL_PARAM p[] = { OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, 16),
						   OSSL_PARAM_construct_end() };
				ok = EVP_EncryptInit_ex2(ctx, NULL, NULL, nonce, NULL) &&
				     EVP_EncryptUpdate(ctx, NULL, &outl, aad, 8) &&
				     EVP_EncryptUpdate(ctx, data, &outl, data, INNER) &&
				     EVP_EncryptFinal_ex(ctx, data, &fl) && EVP_CIPHER_CTX_get_params(ctx, p);
			}
		}
		if (ok)
			rate = (double)n * INNER / t;
	}
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return rate;
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

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof v[0], cmp_double);
	return v[n / 2];
}

/* One timed run of n round trips: seconds, or -1 if a packet failed. */
static double timed_run(struct esp_sa *out, struct esp_sa *in, uint8_t *store, const uint8_t *ref, long n)
{
	double t0 = now_s();
	bool ok = round_trips(out, in, store, ref, n);
	double t = now_s() - t0;
	return ok ? t : -1;
}

#define NX G_N_ELEMENTS(xforms)

int main(int argc, char **argv)
{
	bool smoke = argc > 1 && strcmp(argv[1], "--smoke") == 0;
	static uint8_t store[BUF], ref[INNER];
	make_inner(ref);
	struct esp_sa *out[NX], *in[NX];
	long n[NX];
	int rc = 0;
	for (size_t xi = 0; xi < NX; xi++) {
		out[xi] = make_sa(&xforms[xi], ESP_DIR_OUT);
		in[xi] = make_sa(&xforms[xi], ESP_DIR_IN);
		memcpy(store + HEAD, ref, INNER);
		/* correctness first (and warm-up); then size a timed run to about 0.4 s */
		long warm = smoke ? 2000 : 20000;
		double t = timed_run(out[xi], in[xi], store, ref, warm);
		if (t < 0) {
			fprintf(stderr, "bench_esp: %s: round trip failed\n", xforms[xi].name);
			return 1;
		}
		n[xi] = (long)(0.4 * (double)warm / t) + 1;
		if (smoke)
			printf("%-30s %ld round trips ok\n", xforms[xi].name, warm);
	}
	if (smoke)
		goto done;

	/* RUNS rounds; each measures openssl speed, bare EVP and every transform back to back, so a
	 * change in machine load hits all of them alike; ratios are taken per round, then the median */
	double ossl[RUNS], raw[RUNS], secs[NX][RUNS], r_ossl[NX][RUNS], r_raw[NX][RUNS];
	for (int r = 0; r < RUNS; r++) {
		ossl[r] = openssl_speed("aes-256-gcm");
		raw[r] = raw_evp_gcm(0.3);
		for (size_t xi = 0; xi < NX; xi++) {
			secs[xi][r] = timed_run(out[xi], in[xi], store, ref, n[xi]);
			if (secs[xi][r] < 0) {
				fprintf(stderr, "bench_esp: %s: round trip failed\n", xforms[xi].name);
				rc = 1;
				goto done;
			}
			double per_pass = 2.0 * (double)n[xi] * INNER / secs[xi][r];
			r_ossl[xi][r] = ossl[r] > 0 ? per_pass / ossl[r] : 0;
			r_raw[xi][r] = raw[r] > 0 ? per_pass / raw[r] : 0;
		}
	}
	double ossl_m = median(ossl, RUNS), raw_m = median(raw, RUNS);
	printf("reference, AES-256-GCM at %d bytes, median of %d:\n", INNER, RUNS);
	printf("  openssl speed -evp aes-256-gcm -bytes %d -seconds 1   %8.1f MB/s  (%.2f Gbit/s)\n", INNER,
	       ossl_m / 1e6, ossl_m * 8 / 1e9);
	printf("  bare EVP in this process (IV + AAD + data + tag)       %8.1f MB/s  (%.2f Gbit/s)\n",
	       raw_m / 1e6, raw_m * 8 / 1e9);
	printf("ESP encap+decap of %d-byte inner packets, median of %d runs:\n", INNER, RUNS);
	for (size_t xi = 0; xi < NX; xi++) {
		double t = median(secs[xi], RUNS);
		double pps = (double)n[xi] / t;
		double ro = median(r_ossl[xi], RUNS), rr = median(r_raw[xi], RUNS);
		printf("  %-30s %9.0f packets/s %6.2f Gbit/s %6.0f ns/round trip; per pass %7.1f MB/s = "
		       "%3.0f %% of openssl speed, %3.0f %% of bare EVP\n",
		       xforms[xi].name, pps, pps * INNER * 8 / 1e9, 1e9 / pps, 2 * pps * INNER / 1e6, 100 * ro,
		       100 * rr);
	}
	printf("target: AES-256-GCM per-pass >= 70 %% of openssl speed: %s\n",
	       median(r_ossl[1], RUNS) >= 0.7 ? "met" : "NOT met");
done:
	for (size_t xi = 0; xi < NX; xi++) {
		esp_sa_free(out[xi]);
		esp_sa_free(in[xi]);
	}
	return rc;
}
