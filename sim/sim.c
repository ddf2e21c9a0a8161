/* sim.c: event pool, scheduling, lazy cancellation and the run loop. */
#include "sim/sim.h"

#include <glib.h>
#include <string.h>

enum { SIM_EV_FREE, SIM_EV_PENDING, SIM_EV_CANCELLED };

#define NO_SLOT UINT32_MAX

void sim_init(struct sim *sim, uint64_t seed)
{
	memset(sim, 0, sizeof *sim);
	sim->seed = seed;
	sim->free_head = NO_SLOT;
	sim_pes_init(&sim->pes);
}

void sim_destroy(struct sim *sim)
{
	sim_pes_clear(&sim->pes);
	g_free(sim->ev);
	memset(sim, 0, sizeof *sim);
}

static void pool_grow(struct sim *sim)
{
	uint32_t old = sim->ev_cap;
	uint32_t cap = old ? old * 2 : 1024;
	g_assert(cap > old);
	sim->ev = g_renew(struct sim_event, sim->ev, cap);
	memset(sim->ev + old, 0, (cap - old) * sizeof *sim->ev);
	/* Thread the new slots onto the free list lowest index first. */
	for (uint32_t i = cap; i-- > old;) {
		sim->ev[i].next_free = sim->free_head;
		sim->free_head = i;
	}
	sim->ev_cap = cap;
}

static inline void slot_free(struct sim *sim, uint32_t i)
{
	struct sim_event *e = &sim->ev[i];
	e->state = SIM_EV_FREE;
	e->next_free = sim->free_head;
	sim->free_head = i;
}

static inline sim_event_id make_id(uint32_t slot, uint32_t gen)
{
	return ((uint64_t)gen << 32) | (uint64_t)(slot + 1);
}

sim_event_id sim_schedule_at(struct sim *sim, sim_time t, sim_event_fn fn, void *ctx, uint64_t arg)
{
	g_assert(t >= sim->now);
	if (G_UNLIKELY(sim->free_head == NO_SLOT))
		pool_grow(sim);
	uint32_t i = sim->free_head;
	struct sim_event *e = &sim->ev[i];
	sim->free_head = e->next_free;
	e->fn = fn;
	e->ctx = ctx;
	e->arg = arg;
	e->state = SIM_EV_PENDING;
	sim_pes_push(&sim->pes, (uint64_t)t, i);
	sim->pending++;
	sim->events_scheduled++;
	return make_id(i, e->gen);
}

static struct sim_event *lookup(const struct sim *sim, sim_event_id id)
{
	uint32_t slot = (uint32_t)(id & 0xffffffffu);
	if (slot == 0 || slot > sim->ev_cap)
		return NULL;
	struct sim_event *e = &sim->ev[slot - 1];
	if (e->state != SIM_EV_PENDING || e->gen != (uint32_t)(id >> 32))
		return NULL;
	return e;
}

bool sim_event_pending(const struct sim *sim, sim_event_id id)
{
	return lookup(sim, id) != NULL;
}

static bool keep_live(void *ctx, uint32_t idx)
{
	struct sim *sim = ctx;
	if (sim->ev[idx].state == SIM_EV_CANCELLED) {
		slot_free(sim, idx);
		return false;
	}
	return true;
}

bool sim_cancel(struct sim *sim, sim_event_id id)
{
	struct sim_event *e = lookup(sim, id);
	if (!e)
		return false;
	/* Lazy deletion: the entry stays in the set and is skipped when it comes up. */
	e->state = SIM_EV_CANCELLED;
	e->gen++;
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
	uint64_t key;
	for (;;) {
		if (!sim_pes_peek(&sim->pes, &key) || (sim_time)key > limit)
			return false;
		uint32_t i = sim_pes_pop(&sim->pes, &key);
		struct sim_event *e = &sim->ev[i];
		if (e->state == SIM_EV_CANCELLED) {
			sim->cancelled_in_set--;
			slot_free(sim, i);
			continue;
		}
		sim->now = (sim_time)key;
		sim_event_fn fn = e->fn;
		void *ctx = e->ctx;
		uint64_t arg = e->arg;
		e->gen++;
		slot_free(sim, i);
		sim->pending--;
		sim->events_run++;
		fn(sim, ctx, arg);
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
