/* sim.h: the discrete-event engine: virtual clock, event scheduling, cancellation, run control.
 *
 * A simulation is a value (struct sim); two can live in one process. Events are slots from a
 * pool recycled through a free list, so scheduling allocates nothing in steady state. Events at
 * equal times run in the order they were scheduled. */
#ifndef SIM_SIM_H
#define SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/pes.h"
#include "sim/time.h"

struct sim;

/* An event handler: ctx and arg are what was given to sim_schedule_*. */
typedef void (*sim_event_fn)(struct sim *sim, void *ctx, uint64_t arg);

/* A handle to a scheduled event; 0 means "no event". Stale handles are harmless: cancelling an
 * event that already ran or was cancelled does nothing. */
typedef uint64_t sim_event_id;

struct sim_event {
	sim_event_fn fn;
	void *ctx;
	uint64_t arg;
	uint32_t gen;   /* bumped when the slot's event runs or is cancelled */
	uint32_t state; /* SIM_EV_FREE, SIM_EV_PENDING, SIM_EV_CANCELLED; or next free slot */
	uint32_t next_free;
	uint32_t pad;
};

struct sim {
	sim_time now;
	uint64_t seed;
	bool stopped;
	uint64_t events_run;
	uint64_t events_scheduled;
	uint64_t events_cancelled;
	size_t pending;      /* scheduled and neither run nor cancelled */
	size_t cancelled_in_set;
	struct sim_pes pes;
	struct sim_event *ev;
	uint32_t ev_cap;
	uint32_t free_head;
};

void sim_init(struct sim *sim, uint64_t seed);
void sim_destroy(struct sim *sim);

static inline sim_time sim_now(const struct sim *sim) { return sim->now; }

/* Schedules fn at absolute time t (t >= now, asserted). */
sim_event_id sim_schedule_at(struct sim *sim, sim_time t, sim_event_fn fn, void *ctx, uint64_t arg);

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
