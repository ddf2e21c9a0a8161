/* phold.c: the PHOLD benchmark through the engine's real scheduling API (sim_schedule_in with a
 * handler, sim_stop after E events), with exactly the model of shared/anchors/ns3-phold/: N LPs,
 * K initial events each, delays lookahead + Exp(mean) truncated to integer ns, a uniform remote
 * LP with probability `remote` (else self), one xoshiro256** stream seeded by splitmix64. So it
 * ends at the same simulated time with the same counter hash as the anchor's ns-3 program and
 * its lean C twin, and prints the same line format (engine=vpnsim ...) for its summarize.py.
 *
 *   phold [--lps=N] [--init=K] [--events=E] [--mean=S] [--lookahead=S] [--remote=P] [--seed=S]
 *         [--reps=R]    one configuration, R runs (default 1), one line each
 *   phold               the default matrix: N=1000 and N=10000, K=10, E=1e7, 5 runs each,
 *                       then medians (stderr) with the ratio to the anchor's recorded figures
 *   phold --smoke       a small run checked against the anchor's t_end_ns and lpsum */
#include "sim/rng.h"
#include "sim/sim.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct phold_cfg {
	uint32_t lps;
	uint32_t init;
	double mean_s;
	double lookahead_s;
	double remote;
	uint64_t events;
	uint64_t seed;
};

struct phold {
	struct sim_rng rng;
	uint64_t *count; /* events processed per LP */
	uint32_t lps;
	double mean_ns;
	double lookahead_ns;
	double remote;
	uint64_t processed;
	uint64_t target;
	sim_time t_end_ns;
};

struct phold_result {
	uint64_t processed;
	double wall_s;
	sim_time t_end_ns;
	uint64_t lpsum;
};

/* The anchor's delay draw, term for term (phold_rng.h: lookahead - mean * log(1 - U)). */
static inline sim_time phold_delay_ns(struct phold *p)
{
	return (sim_time)(p->lookahead_ns - p->mean_ns * log(1.0 - sim_rng_uniform(&p->rng)));
}

/* The anchor's destination draw: with probability remote a uniform LP (maybe self), else self. */
static inline uint32_t phold_dest(struct phold *p, uint32_t self)
{
	if (sim_rng_uniform(&p->rng) < p->remote)
		return sim_rng_below(&p->rng, p->lps);
	return self;
}

/* One PHOLD event at LP `arg`: count it, send one event on, stop after the target count. */
static void arrive(struct sim *sim, void *ctx, uint64_t arg)
{
	struct phold *p = ctx;
	uint32_t lp = (uint32_t)arg;
	p->count[lp]++;
	sim_time d = phold_delay_ns(p);
	uint32_t dst = phold_dest(p, lp);
	sim_schedule_in(sim, d, arrive, p, dst);
	if (++p->processed == p->target) {
		p->t_end_ns = sim_now(sim);
		sim_stop(sim);
	}
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs one PHOLD simulation; the wall time covers the event loop only, like the anchor's. */
static struct phold_result phold_run(const struct phold_cfg *cfg)
{
	struct phold p = {
		.lps = cfg->lps,
		.mean_ns = cfg->mean_s * 1e9,
		.lookahead_ns = cfg->lookahead_s * 1e9,
		.remote = cfg->remote,
		.target = cfg->events,
	};
	struct sim sim;
	p.count = g_new0(uint64_t, cfg->lps);
	sim_init(&sim, cfg->seed);
	sim_rng_seed(&p.rng, cfg->seed);
	for (uint32_t i = 0; i < cfg->lps; i++)
		for (uint32_t k = 0; k < cfg->init; k++)
			sim_schedule_in(&sim, phold_delay_ns(&p), arrive, &p, i);

	double t0 = mono_s();
	sim_run(&sim);
	double t1 = mono_s();

	struct phold_result r = { .processed = p.processed, .wall_s = t1 - t0 };
	/* Like the anchor: the time of the last event processed (also when the set ran dry). */
	r.t_end_ns = p.processed == p.target ? p.t_end_ns : sim_now(&sim);
	uint64_t h = UINT64_C(1469598103934665603);
	for (uint32_t i = 0; i < cfg->lps; i++)
		h = (h ^ p.count[i]) * UINT64_C(1099511628211);
	r.lpsum = h;
	sim_destroy(&sim);
	g_free(p.count);
	return r;
}

static void print_result(const struct phold_cfg *cfg, const struct phold_result *r)
{
	printf("engine=vpnsim N=%u K=%u events=%llu wall_s=%.4f events_per_s=%.0f t_end_ns=%lld "
	       "lpsum=%016llx\n",
	       cfg->lps, cfg->init, (unsigned long long)r->processed, r->wall_s,
	       (double)r->processed / r->wall_s, (long long)r->t_end_ns, (unsigned long long)r->lpsum);
	fflush(stdout);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Reference values obtained by running the anchor's phold_c (and phold_ns3, which agrees) with
 * --lps=100 --init=10 --events=1000000: the anchor is the oracle for the trajectory. */
#define SMOKE_LPS 100
#define SMOKE_EVENTS 1000000
#define SMOKE_T_END_NS INT64_C(999934672)
#define SMOKE_LPSUM UINT64_C(0x737fbb6630f2be5f)

static int smoke(void)
{
	struct phold_cfg cfg = { SMOKE_LPS, 10, 1e-3, 0.0, 0.5, SMOKE_EVENTS, 12345 };
	struct phold_result r = phold_run(&cfg);
	print_result(&cfg, &r);
	if (r.processed != SMOKE_EVENTS || r.t_end_ns != SMOKE_T_END_NS || r.lpsum != SMOKE_LPSUM) {
		fprintf(stderr, "phold: trajectory differs from the anchor's: want t_end_ns=%lld "
				"lpsum=%016llx\n",
			(long long)SMOKE_T_END_NS, (unsigned long long)SMOKE_LPSUM);
		return 1;
	}
	printf("phold smoke: same t_end_ns and lpsum as the anchor\n");
	return 0;
}

/* Median events/s of reps runs; every run must end where the first did. */
static double median_rate(const struct phold_cfg *cfg, int reps)
{
	double rates[64];
	struct phold_result first = { 0 };
	g_assert(reps > 0 && reps <= 64);
	for (int i = 0; i < reps; i++) {
		struct phold_result r = phold_run(cfg);
		print_result(cfg, &r);
		if (i == 0)
			first = r;
		g_assert(r.t_end_ns == first.t_end_ns && r.lpsum == first.lpsum);
		rates[i] = (double)r.processed / r.wall_s;
	}
	qsort(rates, (size_t)reps, sizeof rates[0], cmp_double);
	return reps % 2 ? rates[reps / 2] : 0.5 * (rates[reps / 2 - 1] + rates[reps / 2]);
}

static const char *flag(const char *a, const char *name)
{
	size_t l = strlen(name);
	return (strncmp(a, name, l) == 0 && a[l] == '=') ? a + l + 1 : NULL;
}

int main(int argc, char **argv)
{
	struct phold_cfg cfg = { 1000, 10, 1e-3, 0.0, 0.5, 10000000, 12345 };
	int reps = 1;
	if (argc == 2 && strcmp(argv[1], "--smoke") == 0)
		return smoke();
	for (int i = 1; i < argc; i++) {
		const char *v;
		if ((v = flag(argv[i], "--lps")))
			cfg.lps = (uint32_t)strtoul(v, NULL, 10);
		else if ((v = flag(argv[i], "--init")))
			cfg.init = (uint32_t)strtoul(v, NULL, 10);
		else if ((v = flag(argv[i], "--mean")))
			cfg.mean_s = strtod(v, NULL);
		else if ((v = flag(argv[i], "--lookahead")))
			cfg.lookahead_s = strtod(v, NULL);
		else if ((v = flag(argv[i], "--remote")))
			cfg.remote = strtod(v, NULL);
		else if ((v = flag(argv[i], "--events")))
			cfg.events = (uint64_t)strtod(v, NULL);
		else if ((v = flag(argv[i], "--seed")))
			cfg.seed = strtoull(v, NULL, 10);
		else if ((v = flag(argv[i], "--reps")))
			reps = atoi(v);
		else {
			fprintf(stderr, "unknown arg %s\n", argv[i]);
			return 2;
		}
	}
	if (cfg.lps == 0 || reps < 1 || reps > 64) {
		fprintf(stderr, "need --lps >= 1 and 1 <= --reps <= 64\n");
		return 2;
	}
	if (argc > 1) {
		double m = median_rate(&cfg, reps);
		if (reps > 1)
			fprintf(stderr, "# median of %d: %.0f events/s\n", reps, m);
		return 0;
	}
	/* The default matrix, against the anchor README's figures for this machine kind. */
	static const struct {
		uint32_t lps;
		double twin, ns3_best;
	} matrix[] = { { 1000, 11.64e6, 6.80e6 }, { 10000, 8.13e6, 4.27e6 } };
	double med[2];
	for (int k = 0; k < 2; k++) {
		cfg.lps = matrix[k].lps;
		med[k] = median_rate(&cfg, 5);
	}
	for (int k = 0; k < 2; k++)
		fprintf(stderr, "# N=%u: median %.2f M events/s = %.2fx the anchor's recorded C twin, "
				"%.2fx its fastest ns-3 scheduler (run bench/side_by_side.sh for a "
				"measured comparison)\n",
			matrix[k].lps, med[k] / 1e6, med[k] / matrix[k].twin, med[k] / matrix[k].ns3_best);
	return 0;
}
