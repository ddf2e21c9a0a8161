/* test_rng.c: random streams: reference values, independence by name, distribution moments. */
#include "sim/rng.h"
#include "tests/cu.h"

#include <math.h>
#include <string.h>

/* xoshiro256** seeded by splitmix64(12345): the anchor's first outputs (phold_rng.h computes
 * the same; values checked against that header compiled separately). */
static void test_reference_sequence(void)
{
	struct sim_rng r;
	uint64_t x = 12345;
	uint64_t s0 = sim_splitmix64(&x);
	/* splitmix64's published first output for seed 0 is 0xe220a8397b1dcdaf */
	uint64_t z = 0;
	CU_ASSERT_EQUAL(sim_splitmix64(&z), UINT64_C(0xe220a8397b1dcdaf));
	sim_rng_seed(&r, 12345);
	CU_ASSERT_EQUAL(r.s[0], s0);
	/* the generator itself: with state {1,2,3,4}, xoshiro256** outputs 11520, 0, 1509978240 */
	struct sim_rng k = { { 1, 2, 3, 4 } };
	CU_ASSERT_EQUAL(sim_rng_next(&k), UINT64_C(11520));
	CU_ASSERT_EQUAL(sim_rng_next(&k), UINT64_C(0));
	CU_ASSERT_EQUAL(sim_rng_next(&k), UINT64_C(1509978240));
}

static void test_streams_independent(void)
{
	struct sim_rng a1, a2, b;
	sim_rng_stream(&a1, 42, "gw0");
	uint64_t first[16];
	for (int i = 0; i < 16; i++)
		first[i] = sim_rng_next(&a1);
	/* creating and drawing from another stream does not change gw0's draws */
	sim_rng_stream(&b, 42, "site1");
	for (int i = 0; i < 1000; i++)
		sim_rng_next(&b);
	sim_rng_stream(&a2, 42, "gw0");
	int same = 1;
	for (int i = 0; i < 16; i++)
		same &= sim_rng_next(&a2) == first[i];
	CU_ASSERT_TRUE(same);
	/* different names, and different seeds, give different streams */
	sim_rng_stream(&b, 42, "gw1");
	CU_ASSERT_NOT_EQUAL(sim_rng_next(&b), first[0]);
	sim_rng_stream(&b, 43, "gw0");
	CU_ASSERT_NOT_EQUAL(sim_rng_next(&b), first[0]);
}

static void moments(double (*draw)(struct sim_rng *, double, double), double p1, double p2, double *mean,
		    double *var)
{
	struct sim_rng r;
	sim_rng_stream(&r, 1, "moments");
	const int n = 200000;
	double s = 0, s2 = 0;
	for (int i = 0; i < n; i++) {
		double v = draw(&r, p1, p2);
		s += v;
		s2 += v * v;
	}
	*mean = s / n;
	*var = s2 / n - *mean * *mean;
}

static double draw_uniform(struct sim_rng *r, double a, double b) { return sim_rng_uniform_range(r, a, b); }
static double draw_exp(struct sim_rng *r, double m, double unused) { return sim_rng_exponential(r, m); }
static double draw_normal(struct sim_rng *r, double m, double s) { return sim_rng_normal(r, m, s); }

/* n = 200000: the standard error of the mean is sd/447; bounds are about 5 standard errors. */
static void test_distributions(void)
{
	double m, v;
	moments(draw_uniform, 2.0, 4.0, &m, &v);
	CU_ASSERT_DOUBLE_EQUAL(m, 3.0, 0.006);
	CU_ASSERT_DOUBLE_EQUAL(v, 1.0 / 3.0, 0.01);
	moments(draw_exp, 5.0, 0, &m, &v);
	CU_ASSERT_DOUBLE_EQUAL(m, 5.0, 0.06);
	CU_ASSERT_DOUBLE_EQUAL(v, 25.0, 1.0);
	moments(draw_normal, -1.0, 2.0, &m, &v);
	CU_ASSERT_DOUBLE_EQUAL(m, -1.0, 0.025);
	CU_ASSERT_DOUBLE_EQUAL(v, 4.0, 0.08);
}

static void test_below_and_bytes(void)
{
	struct sim_rng r;
	sim_rng_stream(&r, 9, "below");
	unsigned hist[10] = { 0 };
	for (int i = 0; i < 100000; i++)
		hist[sim_rng_below(&r, 10)]++;
	for (int i = 0; i < 10; i++)
		CU_ASSERT_TRUE(hist[i] > 9500 && hist[i] < 10500);
	/* bytes are the little-endian words of the stream; a partial word uses its low bytes */
	struct sim_rng a, b;
	sim_rng_stream(&a, 9, "bytes");
	b = a;
	unsigned char buf[11];
	sim_rng_bytes(&a, buf, sizeof buf);
	uint64_t w0 = sim_rng_next(&b), w1 = sim_rng_next(&b);
	CU_ASSERT_EQUAL(buf[0], (unsigned char)w0);
	CU_ASSERT_EQUAL(buf[7], (unsigned char)(w0 >> 56));
	CU_ASSERT_EQUAL(buf[8], (unsigned char)w1);
	CU_ASSERT_EQUAL(buf[10], (unsigned char)(w1 >> 16));
	CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof a), 0);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "splitmix64 and xoshiro256** reference outputs", test_reference_sequence },
		{ "streams depend only on (seed, name)", test_streams_independent },
		{ "uniform, exponential and normal moments", test_distributions },
		{ "below is uniform; bytes follow the stream", test_below_and_bytes },
		{ NULL, NULL },
	};
	return cu_run("rng", tests);
}
