/* vpnsim.c: the command line. Until the scenario layer lands, `vpnsim demo` runs the engine. */
#include "sim/rng.h"
#include "sim/sim.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

struct demo {
	struct sim_rng rng;
	uint64_t budget;
	uint64_t handled;
};

static void demo_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct demo *d = ctx;
	d->handled++;
	if (d->handled >= d->budget)
		return;
	sim_schedule_in(sim, (sim_time)sim_rng_exponential(&d->rng, 1e6), demo_event, d, arg);
}

static int demo(void)
{
	struct sim sim;
	struct demo d = { .budget = 1000000 };
	sim_init(&sim, 1);
	sim_rng_stream(&d.rng, sim.seed, "demo");
	for (uint64_t i = 0; i < 1000; i++)
		sim_schedule_in(&sim, (sim_time)sim_rng_exponential(&d.rng, 1e6), demo_event, &d, i);
	gint64 t0 = g_get_monotonic_time();
	sim_run(&sim);
	double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
	printf("vpnsim demo: %llu events over %.6f s of simulated time in %.3f s (%.2f M events/s)\n",
	       (unsigned long long)sim.events_run, sim_to_seconds(sim_now(&sim)), wall,
	       (double)sim.events_run / wall / 1e6);
	sim_destroy(&sim);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "demo") == 0)
		return demo();
	fprintf(stderr, "usage: vpnsim demo\n");
	return 2;
}
