/* sim.c: cancellation slots, lazy cancellation with compaction, and the run loop. */
#include "sim/sim.h"

#include <glib.h>
#include <string.h>

void sim_init(struct sim *sim, uint64_t seed)
{
	memset(sim, 0, sizeof *sim);
	sim->seed = seed;
	sim_pes_init(&sim->pes);
}

void sim_destroy(struct sim *sim)
{
	sim_pes_clear(&sim->pes);
	g_free(sim->slot_gen);
	g_free(sim->free_slots);
	memset(sim, 0, sizeof *sim);
}

void sim_slots_grow(struct sim *sim)
{
	uint32_t old = sim->slot_cap;
	uint32_t cap = old ? old * 2 : 1024;
	g_assert(cap > old && sim->n_free == 0);
	sim->slot_gen = g_renew(uint32_t, sim->slot_gen, cap);
	sim->free_slots = g_renew(uint32_t, sim->free_slots, cap);
	memset(sim->slot_gen + old, 0, (cap - old) * sizeof *sim->slot_gen);
	/* The lowest new slot on top. */
	for (uint32_t i = cap; i-- > old;)
		sim->free_slots[sim->n_free++] = i;
	sim->slot_cap = cap;
}

void sim_time_in_past(const struct sim *sim, sim_time t)
{
	g_error("sim: event scheduled at %" G_GINT64_FORMAT " ns, before now (%" G_GINT64_FORMAT " ns)",
		(gint64)t, (gint64)sim->now);
}

static inline void slot_release(struct sim *sim, uint32_t slot)
{
	sim->free_slots[sim->n_free++] = slot;
}

/* Decodes a handle to its slot when the event is still pending, else returns false. */
static bool lookup(const struct sim *sim, sim_event_id id, uint32_t *slot)
{
	uint32_t s = (uint32_t)(id & 0xffffffffu);
	uint32_t gen = (uint32_t)(id >> 32);
	if (s == 0 || s > sim->slot_cap || (gen & 1) == 0 || sim->slot_gen[s - 1] != gen)
		return false;
	*slot = s - 1;
	return true;
}

bool sim_event_pending(const struct sim *sim, sim_event_id id)
{
	uint32_t slot;
	return lookup(sim, id, &slot);
}

static bool keep_live(void *ctx, const struct sim_pes_entry *e)
{
	struct sim *sim = ctx;
	if (sim->slot_gen[e->slot] != e->gen) {
		slot_release(sim, e->slot);
		return false;
	}
	return true;
}

bool sim_cancel(struct sim *sim, sim_event_id id)
{
	uint32_t slot;
	if (!lookup(sim, id, &slot))
		return false;
	/* Lazy deletion: the entry stays in the set, its generation no longer matches the slot's,
	 * and it is dropped when it comes up (the slot is reused only then). */
	sim->slot_gen[slot]++;
	sim->pending--;
	sim->events_cancelled++;
	sim->cancelled_in_set++;
	/* Keep dead entries from outnumbering live ones (timers re-armed far in the future). */
	if (sim->cancelled_in_set > 4096 && sim->cancelled_in_set > sim->pending) {
		sim_pes_filter(&sim->pes, keep_live, sim);
		sim->cancelled_in_set = 0;
	}
	return true;
}

/* Runs the next event if its time is <= limit. Returns false when there is none. */
static inline bool step(struct sim *sim, sim_time limit)
{
	struct sim_pes_entry e;
	for (;;) {
		if (!sim_pes_pop_le(&sim->pes, (uint64_t)limit, &e))
			return false;
		if (G_UNLIKELY(sim->cancelled_in_set != 0) && sim->slot_gen[e.slot] != e.gen) {
			sim->cancelled_in_set--;
			slot_release(sim, e.slot);
			/* The set's floor moved to this entry's time but the clock did not. */
			sim_pes_rebase(&sim->pes, (uint64_t)sim->now);
			continue;
		}
		sim->now = (sim_time)e.key;
		sim->slot_gen[e.slot] = e.gen + 1; /* a store only: the handle is stale now */
		slot_release(sim, e.slot);
		sim->pending--;
		sim->events_run++;
		e.fn(sim, e.ctx, e.arg);
		return true;
	}
}

void sim_run(struct sim *sim)
{
	sim->stopped = false;
	while (!sim->stopped && step(sim, SIM_TIME_MAX))
		;
}

void sim_run_until(struct sim *sim, sim_time t)
{
	g_assert(t >= sim->now);
	sim->stopped = false;
	while (!sim->stopped && step(sim, t))
		;
	if (!sim->stopped)
		sim->now = t;
}
