/* rng.c: stream derivation and the draws too long to inline. */
#include "sim/rng.h"

#include <string.h>

void sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = sim_splitmix64(&x);
}

void sim_rng_stream(struct sim_rng *r, uint64_t seed, const char *name)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * UINT64_C(1099511628211);
	uint64_t x = seed;
	uint64_t a = sim_splitmix64(&x);
	x = h ^ a;
	sim_rng_seed(r, sim_splitmix64(&x));
}

double sim_rng_normal(struct sim_rng *r, double mean, double stddev)
{
	double u1 = 1.0 - sim_rng_uniform(r); /* (0, 1]: log is finite */
	double u2 = sim_rng_uniform(r);
	return mean + stddev * sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

void sim_rng_bytes(struct sim_rng *r, void *buf, size_t n)
{
	unsigned char *out = buf;
	while (n) {
		uint64_t w = sim_rng_next(r);
		unsigned char b[8];
		for (int i = 0; i < 8; i++)
			b[i] = (unsigned char)(w >> (8 * i));
		size_t k = n < 8 ? n : 8;
		memcpy(out, b, k);
		out += k;
		n -= k;
	}
}
