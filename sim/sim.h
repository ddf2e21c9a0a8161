/* sim.h: the discrete-event engine: virtual clock, event scheduling, cancellation, run control.
 *
 * A simulation is a value (struct sim); two can live in one process. Events are stored by value
 * in the pending-event set (sim/pes.h) and cancelled lazily through generation-checked slots
 * recycled through a free stack, so scheduling allocates nothing in steady state. Events at
 * equal times run in the order they were scheduled. */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/pes.h"
#include "sim/time.h"

/* sim_event_fn, the handler type, is declared in sim/pes.h:
 * void fn(struct sim *sim, void *ctx, uint64_t arg), with ctx and arg as given to sim_schedule_*. */

/* A handle to a scheduled event; 0 means "no event". Stale handles are harmless: cancelling an
 * event that already ran or was cancelled does nothing. */
typedef uint64_t sim_event_id;

struct sim {
	sim_time now;
	uint64_t seed;
	bool stopped;
	uint64_t events_run;
	uint64_t events_scheduled;
	uint64_t events_cancelled;
	size_t pending;          /* scheduled and neither run nor cancelled */
	size_t cancelled_in_set; /* cancelled entries still in the set */
	struct sim_pes pes;      /* the events themselves, by value */
	/* Cancellation slots: one per event in the set. slot_gen[s] is odd while its event is
	 * pending and even once it ran or was cancelled; a handle is (generation << 32 | s + 1).
	 * (A generation wraps after 2^31 reuses of one slot: a handle kept that long may alias.) */
	uint32_t *slot_gen;
	uint32_t *free_slots; /* a stack of free slots: the one freed last is reused first */
	uint32_t n_free;
	uint32_t slot_cap;
};

/* Internal: slow paths of sim_schedule_at. */
void sim_slots_grow(struct sim *sim);
_Noreturn void sim_time_in_past(const struct sim *sim, sim_time t);

void sim_init(struct sim *sim, uint64_t seed);
void sim_destroy(struct sim *sim);

static inline sim_time sim_now(const struct sim *sim) { return sim->now; }

/* Schedules fn at absolute time t (t >= now, else abort). Never allocates once the set has
 * held as many events as it holds now. */
static inline sim_event_id sim_schedule_at(struct sim *sim, sim_time t, sim_event_fn fn, void *ctx,
					   uint64_t arg)
{
	if (__builtin_expect(t < sim->now, 0))
		sim_time_in_past(sim, t);
	if (__builtin_expect(sim->n_free == 0, 0))
		sim_slots_grow(sim);
	uint32_t slot = sim->free_slots[--sim->n_free];
	uint32_t gen = sim->slot_gen[slot] + 1; /* odd: pending */
	sim->slot_gen[slot] = gen;
	struct sim_pes_entry e = { (uint64_t)t, fn, ctx, arg, slot, gen };
	sim_pes_push(&sim->pes, &e);
	sim->pending++;
	sim->events_scheduled++;
	return ((uint64_t)gen << 32) | (uint64_t)(slot + 1);
}

/* Schedules fn after delay (>= 0) from now. */
static inline sim_event_id sim_schedule_in(struct sim *sim, sim_time delay, sim_event_fn fn, void *ctx,
					   uint64_t arg)
{
	return sim_schedule_at(sim, sim->now + delay, fn, ctx, arg);
}

/* Cancels a pending event. Returns true when it was pending (it will not run). */
bool sim_cancel(struct sim *sim, sim_event_id id);

/* True while the event is scheduled and has neither run nor been cancelled. */
bool sim_event_pending(const struct sim *sim, sim_event_id id);

/* Runs events until none is left or sim_stop is called. */
void sim_run(struct sim *sim);

/* Runs events with time <= t, then sets the clock to t (unless stopped before). */
void sim_run_until(struct sim *sim, sim_time t);

/* Makes the current run return after the event being handled. A later run continues. */
static inline void sim_stop(struct sim *sim) { sim->stopped = true; }

static inline size_t sim_pending(const struct sim *sim) { return sim->pending; }

#endif
