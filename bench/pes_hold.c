/* pes_hold.c: the hold model (pop the earliest event, push it again at its time plus a random
 * increment) over pending-event sets through one interface: the engine's radix heap with 8-bit
 * digits (sim/pes.h), a 1-bit radix heap, binary and 4-ary heaps, Brown's calendar queue and a
 * ladder queue (bench/pes_alt.h). Loads of 1e3 to 1e6 pending events, five increment distributions; it
 * prints ns per hold (pop + push) as the median of several runs, with each set's ratio to the
 * engine's, as Markdown tables. Every set must pop exactly the same sequence of (time, event id)
 * on a load (ids are given in push order, so this checks FIFO among equal times): asserted.
 *
 *   pes_hold [--reps=R] [--holds=H] [--budget=S] [--max-load=N] [--only=radix8,ladder,...]
 *   pes_hold --smoke      loads 1e3 and 1e4, few holds, one run: the correctness check only */
#include "bench/pes_alt.h"
#include "sim/pes.h"
#include "sim/rng.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the common interface ---- */

struct pes_ops {
	const char *name;
	const char *short_name; /* for --only */
	size_t size; /* of the state */
	void (*init)(void *q, size_t hint);
	void (*destroy)(void *q);
	void (*push)(void *q, const struct sim_pes_entry *e);
	bool (*pop)(void *q, struct sim_pes_entry *out);
};

static void radix8_init(void *q, size_t hint)
{
	(void)hint;
	sim_pes_init(q);
}
static void radix8_destroy(void *q) { sim_pes_clear(q); }
static inline void radix8_push(void *q, const struct sim_pes_entry *e) { sim_pes_push(q, e); }
static inline bool radix8_pop(void *q, struct sim_pes_entry *out) { return sim_pes_pop_le(q, UINT64_MAX, out); }

static void heap_init(void *q, size_t hint) { alt_heap_init(q, hint); }
static void heap_destroy(void *q) { alt_heap_destroy(q); }
static inline void heap2_push(void *q, const struct sim_pes_entry *e) { alt_dheap_push(q, e, 2); }
static inline bool heap2_pop(void *q, struct sim_pes_entry *out) { return alt_dheap_pop(q, out, 2); }
static inline void heap4_push(void *q, const struct sim_pes_entry *e) { alt_dheap_push(q, e, 4); }
static inline bool heap4_pop(void *q, struct sim_pes_entry *out) { return alt_dheap_pop(q, out, 4); }

static void calq_init(void *q, size_t hint) { alt_calq_init(q, hint); }
static void calq_destroy(void *q) { alt_calq_destroy(q); }
static void calq_push(void *q, const struct sim_pes_entry *e) { alt_calq_push(q, e); }
static bool calq_pop(void *q, struct sim_pes_entry *out) { return alt_calq_pop(q, out); }

static void ladder_init(void *q, size_t hint) { alt_ladder_init(q, hint); }
static void ladder_destroy(void *q) { alt_ladder_destroy(q); }
static void ladder_push(void *q, const struct sim_pes_entry *e) { alt_ladder_push(q, e); }
static bool ladder_pop(void *q, struct sim_pes_entry *out) { return alt_ladder_pop(q, out); }

static void radix2_init(void *q, size_t hint) { alt_radix2_init(q, hint); }
static void radix2_destroy(void *q) { alt_radix2_destroy(q); }
static void radix2_push(void *q, const struct sim_pes_entry *e) { alt_radix2_push(q, e); }
static bool radix2_pop(void *q, struct sim_pes_entry *out) { return alt_radix2_pop(q, out); }

enum { PES_RADIX8, PES_RADIX2, PES_HEAP2, PES_HEAP4, PES_CALQ, PES_LADDER, N_PES };

static const struct pes_ops ops_radix8 = { "radix heap 8-bit (engine)", "radix8", sizeof(struct sim_pes),
					   radix8_init, radix8_destroy, radix8_push, radix8_pop };
static const struct pes_ops ops_radix2 = { "radix heap 1-bit", "radix2", sizeof(struct alt_radix2), radix2_init,
					   radix2_destroy, radix2_push, radix2_pop };
static const struct pes_ops ops_heap2 = { "binary heap", "heap2", sizeof(struct alt_heap), heap_init, heap_destroy,
					  heap2_push, heap2_pop };
static const struct pes_ops ops_heap4 = { "4-ary heap", "heap4", sizeof(struct alt_heap), heap_init, heap_destroy,
					  heap4_push, heap4_pop };
static const struct pes_ops ops_calq = { "calendar queue", "calendar", sizeof(struct alt_calq), calq_init, calq_destroy,
					 calq_push, calq_pop };
static const struct pes_ops ops_ladder = { "ladder queue", "ladder", sizeof(struct alt_ladder), ladder_init,
					   ladder_destroy, ladder_push, ladder_pop };

/* ---- increment distributions (ns) ---- */

enum dist { D_EXP, D_UNIFORM, D_TIES, D_BIMODAL, D_TRIANGULAR, N_DIST };

static const char *const dist_name[N_DIST] = {
	"exponential, mean 1 ms",
	"uniform on [0, 2 ms)",
	"equal times: 0 or 1 ms, half each",
	"bimodal: 99 % Exp(1 us), 1 % Exp(1 s)",
	"triangular (ramp) on [0, 2 ms]: 2 ms * sqrt(U)",
};

static uint64_t draw(struct sim_rng *r, enum dist d)
{
	switch (d) {
	case D_EXP:
		return (uint64_t)sim_rng_exponential(r, 1e6);
	case D_UNIFORM:
		return (uint64_t)(sim_rng_uniform(r) * 2e6);
	case D_TIES:
		return sim_rng_uniform(r) < 0.5 ? 0 : 1000000;
	case D_BIMODAL:
		return (uint64_t)(sim_rng_uniform(r) < 0.99 ? sim_rng_exponential(r, 1e3)
							     : sim_rng_exponential(r, 1e9));
	case D_TRIANGULAR:
		return (uint64_t)(2e6 * sqrt(sim_rng_uniform(r)));
	default:
		g_assert_not_reached();
	}
}

/* ---- the hold model ---- */

struct hold_cfg {
	size_t load;     /* pending events */
	enum dist dist;
	uint64_t holds;  /* timed holds, after `load` untimed ones */
	double budget_s; /* a run taking longer stops early and counts as not finished */
	const uint64_t *inc; /* the timed holds' increments, drawn once for every set */
};

struct hold_result {
	double ns_per_hold; /* over the holds done when not finished */
	bool finished;
	uint64_t hash; /* of every (time, id) popped */
};

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline uint64_t mix(uint64_t h, const struct sim_pes_entry *e)
{
	return (h ^ e->key) * UINT64_C(0x100000001b3) ^ (e->arg * UINT64_C(0x9E3779B97F4A7C15));
}

/* Always inlined with a constant ops, so the set's calls are direct (and inlined where the set
 * defines them inline): every set pays the same driver. */
static inline __attribute__((always_inline)) struct hold_result hold_run(const struct pes_ops *ops,
									 const struct hold_cfg *cfg)
{
	struct hold_result res = { .finished = true };
	void *q = g_malloc(ops->size);
	struct sim_rng r;
	struct sim_pes_entry e = { 0 };
	uint64_t id = 0, h = 0;
	double t0 = mono_s(), deadline = t0 + cfg->budget_s;
	sim_rng_seed(&r, 1000 + (uint64_t)cfg->dist * 7 + cfg->load);
	ops->init(q, cfg->load + 1);
	for (size_t i = 0; i < cfg->load; i++) {
		e.key = draw(&r, cfg->dist);
		e.arg = id++;
		ops->push(q, &e);
		if ((i & 1023) == 0 && mono_s() > deadline)
			goto late;
	}
	for (size_t i = 0; i < cfg->load; i++) {
		bool ok = ops->pop(q, &e);
		g_assert(ok);
		h = mix(h, &e);
		e.key += draw(&r, cfg->dist);
		e.arg = id++;
		ops->push(q, &e);
		if ((i & 1023) == 0 && mono_s() > deadline)
			goto late;
	}
	double t1 = mono_s();
	uint64_t done = 0;
	while (done < cfg->holds) {
		uint64_t end = done + 1024 < cfg->holds ? done + 1024 : cfg->holds;
		for (; done < end; done++) {
			bool ok = ops->pop(q, &e);
			g_assert(ok);
			h = mix(h, &e);
			e.key += cfg->inc[done];
			e.arg = id++;
			ops->push(q, &e);
		}
		if (mono_s() > deadline)
			break;
	}
	res.ns_per_hold = (mono_s() - t1) * 1e9 / (double)(done ? done : 1);
	res.finished = done == cfg->holds;
	res.hash = h;
	ops->destroy(q);
	g_free(q);
	return res;
late:
	res.finished = false;
	res.ns_per_hold = INFINITY;
	ops->destroy(q);
	g_free(q);
	return res;
}

static struct hold_result hold_radix8(const struct hold_cfg *c) { return hold_run(&ops_radix8, c); }
static struct hold_result hold_radix2(const struct hold_cfg *c) { return hold_run(&ops_radix2, c); }
static struct hold_result hold_heap2(const struct hold_cfg *c) { return hold_run(&ops_heap2, c); }
static struct hold_result hold_heap4(const struct hold_cfg *c) { return hold_run(&ops_heap4, c); }
static struct hold_result hold_calq(const struct hold_cfg *c) { return hold_run(&ops_calq, c); }
static struct hold_result hold_ladder(const struct hold_cfg *c) { return hold_run(&ops_ladder, c); }

static const struct {
	const struct pes_ops *ops;
	struct hold_result (*run)(const struct hold_cfg *);
} pes[N_PES] = {
	[PES_RADIX8] = { &ops_radix8, hold_radix8 }, [PES_RADIX2] = { &ops_radix2, hold_radix2 },
	[PES_HEAP2] = { &ops_heap2, hold_heap2 },    [PES_HEAP4] = { &ops_heap4, hold_heap4 },
	[PES_CALQ] = { &ops_calq, hold_calq },	     [PES_LADDER] = { &ops_ladder, hold_ladder },
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

struct opts {
	const char *only; /* comma-separated short names, or NULL for every set */
	int reps;
	uint64_t holds;
	double budget_s;
	size_t max_load;
	bool smoke;
};

static bool selected(const struct opts *o, int p)
{
	if (!o->only || p == PES_RADIX8) /* the engine's is the reference */
		return true;
	g_auto(GStrv) names = g_strsplit(o->only, ",", -1);
	return g_strv_contains((const gchar *const *)names, pes[p].ops->short_name);
}

/* Measures every set on one (load, distribution); checks they all popped the same sequence.
 * med[p] is the median ns/hold, INFINITY when set p did not finish within the budget. Returns
 * the number of sets whose sequence differed from the engine's. */
static int measure(const struct opts *o, size_t load, enum dist d, double med[N_PES], double lower[N_PES],
		   int *not_done)
{
	struct hold_cfg cfg = { load, d, o->holds, o->budget_s, NULL };
	uint64_t *inc = g_new(uint64_t, o->holds);
	struct sim_rng r;
	sim_rng_seed(&r, 99 + (uint64_t)d);
	for (uint64_t i = 0; i < o->holds; i++)
		inc[i] = draw(&r, d);
	cfg.inc = inc;
	double runs[N_PES][16];
	bool dnf[N_PES] = { false };
	uint64_t want = 0;
	bool have_want = false;
	int bad = 0;
	/* Interleaved: rep-major, so a slow patch of the machine hits every set alike. */
	for (int rep = 0; rep < o->reps; rep++) {
		for (int p = 0; p < N_PES; p++) {
			if (dnf[p] || !selected(o, p))
				continue;
			struct hold_result res = pes[p].run(&cfg);
			runs[p][rep] = res.ns_per_hold;
			if (!res.finished) {
				dnf[p] = true;
				(*not_done)++;
				lower[p] = res.ns_per_hold;
				continue;
			}
			if (!have_want) {
				want = res.hash;
				have_want = true;
			} else if (res.hash != want) {
				fprintf(stderr, "pes_hold: %s popped a different sequence (load %zu, %s)\n",
					pes[p].ops->name, load, dist_name[d]);
				bad++;
			}
		}
	}
	for (int p = 0; p < N_PES; p++) {
		if (!selected(o, p)) {
			med[p] = lower[p] = NAN;
			continue;
		}
		if (dnf[p]) {
			med[p] = INFINITY;
			continue;
		}
		qsort(runs[p], (size_t)o->reps, sizeof(double), cmp_double);
		med[p] = o->reps % 2 ? runs[p][o->reps / 2] : 0.5 * (runs[p][o->reps / 2 - 1] + runs[p][o->reps / 2]);
	}
	g_free(inc);
	return bad;
}

static const char *flag(const char *a, const char *name)
{
	size_t l = strlen(name);
	return (strncmp(a, name, l) == 0 && a[l] == '=') ? a + l + 1 : NULL;
}

int main(int argc, char **argv)
{
	struct opts o = { NULL, 5, 1000000, 10.0, 1000000, false };
	for (int i = 1; i < argc; i++) {
		const char *v;
		if (strcmp(argv[i], "--smoke") == 0) {
			o = (struct opts){ NULL, 1, 20000, 10.0, 10000, true };
		} else if ((v = flag(argv[i], "--only"))) {
			o.only = v;
		} else if ((v = flag(argv[i], "--reps"))) {
			o.reps = atoi(v);
		} else if ((v = flag(argv[i], "--holds"))) {
			o.holds = (uint64_t)strtod(v, NULL);
		} else if ((v = flag(argv[i], "--budget"))) {
			o.budget_s = strtod(v, NULL);
		} else if ((v = flag(argv[i], "--max-load"))) {
			o.max_load = (size_t)strtod(v, NULL);
		} else {
			fprintf(stderr, "unknown arg %s\n", argv[i]);
			return 2;
		}
	}
	if (o.reps < 1 || o.reps > 16 || o.holds < 1) {
		fprintf(stderr, "need 1 <= --reps <= 16 and --holds >= 1\n");
		return 2;
	}
	int bad = 0, not_done = 0;
	printf("Hold model, ns per hold (pop + push of a 40-byte event), median of %d runs of %llu holds "
	       "after as many untimed holds as the load; (x) is the ratio to the engine's radix heap; "
	       "a run over %.0f s is cut short and shown as > its rate so far.\n",
	       o.reps, (unsigned long long)o.holds, o.budget_s);
	for (int d = 0; d < N_DIST; d++) {
		printf("\n%s\n\n| pending |", dist_name[d]);
		for (int p = 0; p < N_PES; p++)
			printf(" %s |", pes[p].ops->name);
		printf("\n|---:|");
		for (int p = 0; p < N_PES; p++)
			printf("---:|");
		printf("\n");
		for (size_t load = 1000; load <= o.max_load; load *= 10) {
			double med[N_PES], lower[N_PES];
			bad += measure(&o, load, (enum dist)d, med, lower, &not_done);
			printf("| %zu |", load);
			for (int p = 0; p < N_PES; p++) {
				if (isnan(med[p]))
					printf(" - |");
				else if (isinf(med[p]) && isinf(lower[p]))
					printf(" not done (filling took > %.0f s) |", o.budget_s);
				else if (isinf(med[p]))
					printf(" > %.0f (> %.0fx) |", lower[p], lower[p] / med[PES_RADIX8]);
				else
					printf(" %.1f (%.2fx) |", med[p], med[p] / med[PES_RADIX8]);
			}
			printf("\n");
			fflush(stdout);
		}
	}
	if (o.smoke && not_done) {
		fprintf(stderr, "pes_hold: %d runs did not finish, so their sequences were not compared\n", not_done);
		return 1;
	}
	if (bad) {
		fprintf(stderr, "pes_hold: %d sets popped a different sequence\n", bad);
		return 1;
	}
	printf("\nEvery set that finished popped the same (time, id) sequence as the others on each load.\n");
	return 0;
}
