/* test_sched.c: the engine: event order (equal times in insertion order), cancellation,
 * run-until and stop, the pending-event set against a reference, no growth in steady state. */
#include "sim/pes.h"
#include "sim/rng.h"
#include "sim/sim.h"
#include "tests/cu.h"

#include <glib.h>

struct trace {
	uint64_t seen[64];
	sim_time at[64];
	int n;
};

static void record(struct sim *sim, void *ctx, uint64_t arg)
{
	struct trace *t = ctx;
	g_assert(t->n < 64);
	t->at[t->n] = sim_now(sim);
	t->seen[t->n++] = arg;
}

static void test_order_and_ties(void)
{
	struct sim sim;
	struct trace t = { 0 };
	sim_init(&sim, 1);
	sim_schedule_at(&sim, 30, record, &t, 3);
	sim_schedule_at(&sim, 10, record, &t, 1);
	for (uint64_t k = 0; k < 5; k++)
		sim_schedule_at(&sim, 20, record, &t, 100 + k); /* equal times: insertion order */
	sim_schedule_at(&sim, 10, record, &t, 2);
	sim_run(&sim);
	uint64_t want[] = { 1, 2, 100, 101, 102, 103, 104, 3 };
	CU_ASSERT_EQUAL(t.n, 8);
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(t.seen[i], want[i]);
	CU_ASSERT_EQUAL(t.at[2], 20);
	CU_ASSERT_EQUAL(sim_now(&sim), 30);
	CU_ASSERT_EQUAL(sim.events_run, 8);
	sim_destroy(&sim);
}

/* An event scheduled for "now" from a handler runs after those already due at that time. */
static void chain(struct sim *sim, void *ctx, uint64_t arg)
{
	record(sim, ctx, arg);
	if (arg == 1)
		sim_schedule_in(sim, 0, record, ctx, 9);
}

static void test_same_time_from_handler(void)
{
	struct sim sim;
	struct trace t = { 0 };
	sim_init(&sim, 1);
	sim_schedule_at(&sim, 5, chain, &t, 1);
	sim_schedule_at(&sim, 5, chain, &t, 2);
	sim_run(&sim);
	CU_ASSERT_EQUAL(t.n, 3);
	CU_ASSERT_EQUAL(t.seen[0], 1);
	CU_ASSERT_EQUAL(t.seen[1], 2);
	CU_ASSERT_EQUAL(t.seen[2], 9);
	sim_destroy(&sim);
}

static void test_cancel(void)
{
	struct sim sim;
	struct trace t = { 0 };
	sim_init(&sim, 1);
	sim_event_id a = sim_schedule_at(&sim, 10, record, &t, 1);
	sim_event_id b = sim_schedule_at(&sim, 20, record, &t, 2);
	sim_event_id c = sim_schedule_at(&sim, 20, record, &t, 3);
	CU_ASSERT_TRUE(sim_event_pending(&sim, b));
	CU_ASSERT_TRUE(sim_cancel(&sim, b));
	CU_ASSERT_FALSE(sim_cancel(&sim, b)); /* twice: no effect */
	CU_ASSERT_FALSE(sim_event_pending(&sim, b));
	CU_ASSERT_EQUAL(sim_pending(&sim), 2);
	sim_run(&sim);
	CU_ASSERT_EQUAL(t.n, 2);
	CU_ASSERT_EQUAL(t.seen[0], 1);
	CU_ASSERT_EQUAL(t.seen[1], 3);
	/* Handles of events that ran are stale, even once their slots are reused. */
	CU_ASSERT_FALSE(sim_cancel(&sim, a));
	sim_event_id d = sim_schedule_in(&sim, 1, record, &t, 4);
	CU_ASSERT_FALSE(sim_cancel(&sim, c));
	CU_ASSERT_TRUE(sim_event_pending(&sim, d));
	CU_ASSERT_FALSE(sim_cancel(&sim, 0));
	sim_run(&sim);
	CU_ASSERT_EQUAL(t.n, 3);
	sim_destroy(&sim);
}

static void noop(struct sim *sim, void *ctx, uint64_t arg) {}

/* Many far-future timers re-armed again and again: dead entries get compacted away. */
static void test_cancel_compaction(void)
{
	struct sim sim;
	sim_init(&sim, 1);
	sim_event_id id = 0;
	for (int i = 0; i < 100000; i++) {
		sim_cancel(&sim, id);
		id = sim_schedule_at(&sim, sim_s(3600) + i, noop, NULL, 0);
	}
	CU_ASSERT_EQUAL(sim_pending(&sim), 1);
	CU_ASSERT_TRUE(sim_pes_size(&sim.pes) < 10000);
	CU_ASSERT_TRUE(sim.slot_cap <= 16384);
	sim_run(&sim);
	CU_ASSERT_EQUAL(sim.events_run, 1);
	CU_ASSERT_EQUAL(sim_now(&sim), sim_s(3600) + 99999);
	sim_destroy(&sim);
}

/* run_until must not let the set's floor pass the clock: an event scheduled afterwards
 * between the limit and the next pending one still runs first. */
static void test_schedule_after_run_until(void)
{
	struct sim sim;
	struct trace t = { 0 };
	sim_init(&sim, 1);
	sim_schedule_at(&sim, 300, record, &t, 1);
	sim_run_until(&sim, 100);
	CU_ASSERT_EQUAL(t.n, 0);
	sim_schedule_at(&sim, 260, record, &t, 2);
	sim_schedule_at(&sim, 100, record, &t, 3);
	sim_run(&sim);
	CU_ASSERT_EQUAL(t.n, 3);
	CU_ASSERT_EQUAL(t.seen[0], 3);
	CU_ASSERT_EQUAL(t.seen[1], 2);
	CU_ASSERT_EQUAL(t.seen[2], 1);
	CU_ASSERT_EQUAL(t.at[2], 300);
	/* The last entry popped is a cancelled one beyond the clock: later events before it
	 * still run in time order. */
	sim_event_id c = sim_schedule_at(&sim, 600, record, &t, 4);
	sim_schedule_at(&sim, 310, record, &t, 5);
	sim_cancel(&sim, c);
	sim_run(&sim);
	CU_ASSERT_EQUAL(sim_now(&sim), 310);
	sim_schedule_at(&sim, 320, record, &t, 6);
	sim_schedule_at(&sim, 590, record, &t, 7);
	sim_run(&sim);
	CU_ASSERT_EQUAL(t.n, 6);
	CU_ASSERT_EQUAL(t.seen[3], 5);
	CU_ASSERT_EQUAL(t.seen[4], 6);
	CU_ASSERT_EQUAL(t.seen[5], 7);
	CU_ASSERT_EQUAL(t.at[4], 320);
	CU_ASSERT_EQUAL(sim_now(&sim), 590);
	sim_destroy(&sim);
}

/* Handles survive the slot table growing; cancelling three events in four triggers compaction
 * mid-way; the survivors run once each, in time order and, among equal times, in order. */
struct ordered {
	sim_time last_t;
	uint64_t last_arg;
	uint64_t runs;
	bool in_order;
};

static void check_order(struct sim *sim, void *ctx, uint64_t arg)
{
	struct ordered *o = ctx;
	sim_time t = sim_now(sim);
	if (o->runs > 0 && (t < o->last_t || (t == o->last_t && arg <= o->last_arg)))
		o->in_order = false;
	if (arg % 4 != 0)
		o->in_order = false; /* a cancelled one ran */
	o->last_t = t;
	o->last_arg = arg;
	o->runs++;
}

static void test_cancel_many_with_growth(void)
{
	struct sim sim;
	struct sim_rng r;
	struct ordered o = { .in_order = true };
	enum { N = 20000 };
	sim_event_id *ids = g_new(sim_event_id, N);
	sim_init(&sim, 1);
	sim_rng_seed(&r, 5);
	for (uint64_t i = 0; i < N; i++)
		ids[i] = sim_schedule_at(&sim, sim_us(sim_rng_below(&r, 2000)), check_order, &o, i);
	CU_ASSERT_TRUE(sim.slot_cap >= N);
	uint64_t cancelled = 0;
	for (uint64_t i = 0; i < N; i++)
		if (i % 4 != 0)
			cancelled += sim_cancel(&sim, ids[i]);
	CU_ASSERT_EQUAL(cancelled, N / 4 * 3);
	CU_ASSERT_EQUAL(sim_pending(&sim), N / 4);
	CU_ASSERT_TRUE(sim_pes_size(&sim.pes) < N); /* compaction ran */
	CU_ASSERT_TRUE(sim_event_pending(&sim, ids[0]));
	CU_ASSERT_FALSE(sim_event_pending(&sim, ids[1]));
	sim_run(&sim);
	CU_ASSERT_EQUAL(o.runs, N / 4);
	CU_ASSERT_TRUE(o.in_order);
	CU_ASSERT_EQUAL(sim_pes_size(&sim.pes), 0);
	CU_ASSERT_EQUAL(sim.n_free, sim.slot_cap); /* every slot came back */
	g_free(ids);
	sim_destroy(&sim);
}

static void stopper(struct sim *sim, void *ctx, uint64_t arg)
{
	record(sim, ctx, arg);
	if (arg == 2)
		sim_stop(sim);
}

static void test_run_until_and_stop(void)
{
	struct sim sim;
	struct trace t = { 0 };
	sim_init(&sim, 1);
	for (uint64_t k = 1; k <= 4; k++)
		sim_schedule_at(&sim, sim_ms(k), stopper, &t, k);
	sim_run_until(&sim, sim_ms(1));
	CU_ASSERT_EQUAL(t.n, 1); /* events at exactly the limit run */
	CU_ASSERT_EQUAL(sim_now(&sim), sim_ms(1));
	sim_run_until(&sim, sim_ms(10));
	CU_ASSERT_EQUAL(t.n, 2); /* stopped by the handler of event 2 */
	CU_ASSERT_EQUAL(sim_now(&sim), sim_ms(2));
	sim_run_until(&sim, sim_us(3500));
	CU_ASSERT_EQUAL(t.n, 3);
	CU_ASSERT_EQUAL(sim_now(&sim), sim_us(3500)); /* clock advanced to the limit */
	sim_run(&sim);
	CU_ASSERT_EQUAL(t.n, 4);
	CU_ASSERT_EQUAL(sim_pending(&sim), 0);
	sim_destroy(&sim);
}

/* The radix heap against a sorted reference (a GTree on (key, push sequence)): random monotone
 * pushes with many ties, a growing then a draining phase (long chunk chains, also in level-0
 * buckets of one key), limits below the minimum, and compaction by a filter. */
struct ref_item {
	uint64_t key, seq;
};

static gint ref_cmp(gconstpointer a, gconstpointer b, gpointer unused)
{
	(void)unused;
	const struct ref_item *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static bool keep_not_3_mod_7(void *ctx, const struct sim_pes_entry *e)
{
	GTree *ref = ctx;
	if (e->arg % 7 != 3)
		return true;
	struct ref_item it = { e->key, e->arg };
	g_tree_remove(ref, &it);
	return false;
}

static uint64_t random_delay(struct sim_rng *r, uint64_t now)
{
	/* 0 (ties), small, about a ms, huge, and (while far from overflow) enormous: every level */
	double u = sim_rng_uniform(r);
	if (u < 0.3)
		return 0;
	if (u < 0.6)
		return sim_rng_below(r, 1000);
	if (u < 0.85)
		return sim_rng_next(r) >> 43;
	if (u < 0.99)
		return sim_rng_next(r) >> 20;
	return now < (UINT64_C(1) << 62) ? sim_rng_next(r) >> 8 : 0;
}

static void test_pes_against_reference(void)
{
	struct sim_pes q;
	struct sim_rng r;
	sim_pes_init(&q);
	sim_rng_seed(&r, 7);
	GTree *ref = g_tree_new_full(ref_cmp, NULL, g_free, NULL);
	uint64_t now = 0, seq = 0, mismatches = 0, pops = 0;
	static const double push_share[] = { 0.5, 0.7, 0.5, 0.3 };
	for (int phase = 0; phase < 4; phase++) {
		for (int round = 0; round < 150000; round++) {
			if (sim_rng_uniform(&r) < push_share[phase] || g_tree_nnodes(ref) == 0) {
				struct ref_item *it = g_new(struct ref_item, 1);
				it->key = now + random_delay(&r, now);
				it->seq = seq++;
				/* bursts of equal keys overflow a chunk */
				int copies = sim_rng_uniform(&r) < 0.001 ? 100 : 1;
				for (int c = 0; c < copies; c++) {
					struct ref_item *x = it;
					if (c > 0) {
						x = g_new(struct ref_item, 1);
						x->key = it->key;
						x->seq = seq++;
					}
					struct sim_pes_entry e = { .key = x->key, .arg = x->seq };
					sim_pes_push(&q, &e);
					g_tree_insert(ref, x, x);
				}
			} else {
				struct sim_pes_entry e = { 0 };
				GTreeNode *first = g_tree_node_first(ref);
				struct ref_item want = *(struct ref_item *)g_tree_node_key(first);
				uint64_t peeked = 0;
				if (!sim_pes_peek(&q, &peeked) || peeked != want.key)
					mismatches++;
				/* a limit below the minimum pops nothing and changes nothing */
				if (want.key > 0 && sim_pes_pop_le(&q, want.key - 1, &e))
					mismatches++;
				if (!sim_pes_pop_le(&q, UINT64_MAX, &e))
					mismatches++;
				g_tree_remove(ref, &want);
				if (e.key != want.key || e.arg != want.seq)
					mismatches++;
				now = e.key;
				pops++;
			}
		}
		if (phase == 1)
			sim_pes_filter(&q, keep_not_3_mod_7, ref);
		CU_ASSERT_EQUAL(sim_pes_size(&q), (size_t)g_tree_nnodes(ref));
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	CU_ASSERT_TRUE(pops > 250000);
	/* drain */
	struct sim_pes_entry e;
	while (sim_pes_pop_le(&q, UINT64_MAX, &e)) {
		GTreeNode *first = g_tree_node_first(ref);
		struct ref_item want = *(struct ref_item *)g_tree_node_key(first);
		if (e.key != want.key || e.arg != want.seq)
			mismatches++;
		g_tree_remove(ref, &want);
	}
	CU_ASSERT_EQUAL(mismatches, 0);
	CU_ASSERT_EQUAL(g_tree_nnodes(ref), 0);
	CU_ASSERT_EQUAL(sim_pes_size(&q), 0);
	g_tree_destroy(ref);
	sim_pes_clear(&q);
}

/* Steady state: a hold model must not grow the event pool or the buckets. */
struct hold {
	struct sim_rng r;
	uint64_t left;
};

static void hold_ev(struct sim *sim, void *ctx, uint64_t arg)
{
	struct hold *h = ctx;
	if (h->left == 0)
		return;
	h->left--;
	sim_schedule_in(sim, (sim_time)sim_rng_exponential(&h->r, 1e6), hold_ev, h, arg);
}

static void test_no_growth_in_steady_state(void)
{
	struct sim sim;
	struct hold h;
	sim_init(&sim, 1);
	sim_rng_seed(&h.r, 3);
	h.left = 2000000;
	for (uint64_t i = 0; i < 5000; i++)
		sim_schedule_in(&sim, (sim_time)sim_rng_exponential(&h.r, 1e6), hold_ev, &h, i);
	while (h.left > 1000000 && sim_pending(&sim))
		sim_run_until(&sim, sim_now(&sim) + sim_ms(1));
	uint32_t pool = sim.slot_cap;
	uint64_t chunks = sim.pes.chunks;
	sim_run(&sim);
	CU_ASSERT_EQUAL(sim.slot_cap, pool);
	/* Chunks are recycled: a new one only at a new high-water mark of chunks in use, a
	 * handful in a million events, not one each; and their room follows what is pending. */
	CU_ASSERT_TRUE(sim.pes.chunks - chunks <= 64);
	CU_ASSERT_TRUE(sim.pes.chunks * SIM_PES_CHUNK <= 5000 * 4 + SIM_PES_CHUNK * 512);
	/* 8-bit digits: an entry moves two or three times for millisecond delays, not ~20. */
	CU_ASSERT_TRUE(sim.pes.moves < 4 * sim.events_scheduled);
	CU_ASSERT_EQUAL(sim.events_run, 2000000 + 5000);
	sim_destroy(&sim);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "events run in time order, equal times in insertion order", test_order_and_ties },
		{ "an event for now scheduled by a handler runs after those due", test_same_time_from_handler },
		{ "cancel through a handle; stale handles do nothing", test_cancel },
		{ "cancelled far-future timers are compacted", test_cancel_compaction },
		{ "many cancels across slot growth and compaction", test_cancel_many_with_growth },
		{ "run until a time, stop, continue", test_run_until_and_stop },
		{ "scheduling after run_until or a cancelled last event keeps time order", test_schedule_after_run_until },
		{ "radix heap pops exactly what a sorted reference does", test_pes_against_reference },
		{ "no pool or bucket growth in steady state", test_no_growth_in_steady_state },
		{ NULL, NULL },
	};
	return cu_run("engine", tests);
}
