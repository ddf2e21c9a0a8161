/* history.h: what a run looked like over time, for pictures: a read-only sampling event follows
 * the run (every 10 ms and at each fault's time) and records the tunnels', instances' and paths'
 * states, the P2S clients connected and each instance's processor busy time. `vpnsim run` draws
 * its before/after diagrams, plots and timeline from it; `vpnsim draw --at` runs up to one
 * instant and draws that. The sampler changes nothing in the run but adds its own events (about
 * 100 per simulated second, visible in engine.events). */
#ifndef SCENARIOS_HISTORY_H
#define SCENARIOS_HISTORY_H

#include "scenarios/build.h"

/* How far back the throughput on a diagram's tunnel looks: the whole byte-series bins
 * (GW_BYTES_BIN_NS) of the second before the snapshot. */
#define HISTORY_RATE_WINDOW_NS SIM_NS_PER_S

struct change {
	sim_time t;
	int state; /* enum viz_tunnel_state, enum viz_instance_state, 1/0 for a path, a count for P2S */
};

/* One thing whose state is followed. */
struct lane {
	char *label;
	guint conn;      /* tunnel lanes: index in gw->conns */
	int k;           /* tunnel lanes: the instance, or -1 for either (active-standby) */
	guint index;     /* path lanes: site index; P2S lanes: group index */
	GArray *changes; /* struct change; [0] is the state before anything ran, at time 0 */
	GArray *bytes;   /* P2S lanes: struct bytes_sample at every sample that read the group */
};

/* A cumulative byte count read at time t. */
struct bytes_sample {
	sim_time t;
	uint64_t bytes;
};

struct history {
	const struct run *r;
	sim_time end_ns;    /* the last sample (the run stops there) */
	GPtrArray *tunnels; /* struct lane * */
	struct lane inst[2];
	GPtrArray *paths;   /* struct lane *, one per site path */
	GPtrArray *p2s;     /* struct lane *, connected clients per group */
	sim_time bin_ns;    /* plot bins: utilisation and tunnel states */
	GArray *busy[2];    /* uint64_t busy_ns of each instance at every bin boundary */
};

/* Lanes for r's tunnels, instances, paths and P2S groups; the run will stop at end_ns (at most
 * the scenario's duration). */
void history_init(struct history *h, const struct run *r, sim_time end_ns);
void history_destroy(struct history *h);

/* Runs r (built, not yet run) up to h->end_ns with the sampler. */
void history_run(struct run *r, struct history *h, const struct run_opts *o);

/* The state at time t (changes at t included). */
int lane_at(const struct lane *l, sim_time t);
/* The worst state over [from, to): VIZ_TUNNEL_DOWN when it was down at any moment of it. */
int lane_worst(const struct lane *l, sim_time from, sim_time to);

/* A tunnel lane's measured throughput before t: inner bytes, both directions, of the gateway's
 * tunnel(s) over HISTORY_RATE_WINDOW_NS before t (whole bins), in bit/s; -1 before one bin. */
double history_tunnel_bps(const struct history *h, const struct lane *l, sim_time t);

/* A P2S lane's measured throughput before t: the inner bytes its clients' tunnels carried
 * between the samples at or before t - HISTORY_RATE_WINDOW_NS and t, in bit/s; -1 without two
 * such samples. */
double history_p2s_bps(const struct lane *l, sim_time t);

/* The topology with the states and throughputs at time t (t <= h->end_ns) at path; format as
 * viz_topology_render takes it (NULL: from path's extension). */
bool history_draw_at(const struct history *h, sim_time t, const char *label, const char *id, const char *path,
		     const char *format, GError **err);

#endif
