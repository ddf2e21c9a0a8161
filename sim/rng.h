/* rng.h: named random streams: xoshiro256** seeded through splitmix64.
 *
 * A stream is derived from (simulation seed, stream name) alone, so adding a stream, or drawing
 * more from one, never changes another's draws. The draw functions are defined exactly as the
 * PHOLD anchor's (53-bit uniform, Lemire's multiply-shift, inverse-transform exponential), so
 * bench/phold reproduces its trajectory through this API. */
#ifndef SIM_RNG_H
#define SIM_RNG_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

struct sim_rng {
	uint64_t s[4];
};

static inline uint64_t sim_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Seeds the state from one 64-bit value (the four words are splitmix64 outputs). */
void sim_rng_seed(struct sim_rng *r, uint64_t seed);

/* Seeds stream `name` of a simulation with seed `seed`: the 64-bit FNV-1a hash of the name is
 * mixed with the seed through splitmix64 before sim_rng_seed. */
void sim_rng_stream(struct sim_rng *r, uint64_t seed, const char *name);

static inline uint64_t sim_rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** (Blackman and Vigna). */
static inline uint64_t sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	const uint64_t result = sim_rng_rotl(s[1] * 5, 7) * 9;
	const uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = sim_rng_rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double sim_rng_uniform(struct sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [a, b). */
static inline double sim_rng_uniform_range(struct sim_rng *r, double a, double b)
{
	return a + (b - a) * sim_rng_uniform(r);
}

/* Uniform integer in [0, n), n > 0 (multiply-shift; bias below n / 2^64). */
static inline uint32_t sim_rng_below(struct sim_rng *r, uint32_t n)
{
	return (uint32_t)(((unsigned __int128)sim_rng_next(r) * n) >> 64);
}

/* Exponential with the given mean: -mean * ln(1 - U). */
static inline double sim_rng_exponential(struct sim_rng *r, double mean)
{
	return -mean * log(1.0 - sim_rng_uniform(r));
}

/* Normal(mean, stddev) by the Box-Muller transform (one draw per call, no cached pair, so a
 * stream's sequence does not depend on how calls interleave). */
double sim_rng_normal(struct sim_rng *r, double mean, double stddev);

/* True with probability p. */
static inline int sim_rng_bernoulli(struct sim_rng *r, double p)
{
	return sim_rng_uniform(r) < p;
}

/* Fills buf with n random bytes (little-endian words of the stream). */
void sim_rng_bytes(struct sim_rng *r, void *buf, size_t n);

#endif
