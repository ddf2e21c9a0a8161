/* stats.h: one registry of named counters and binned time series that a report can walk.
 *
 * Models ask for a counter once (by name) and keep the returned pointer: counting is then a plain
 * increment. Names are hierarchical by convention ("link/gw0-site1/a2b/tx_packets"). Walking
 * visits entries sorted by name, so reports are byte-identical from run to run. */
#ifndef SIM_STATS_H
#define SIM_STATS_H

#include <glib.h>
#include <stdint.h>

#include "sim/time.h"

struct sim_series {
	char *name;
	sim_time bin_ns;
	GArray *bins; /* double per bin: bin i covers [i*bin_ns, (i+1)*bin_ns) */
};

struct sim_stats {
	GHashTable *counters; /* name -> uint64_t * (owned) */
	GHashTable *series;   /* name -> struct sim_series * (owned) */
};

void sim_stats_init(struct sim_stats *st);
void sim_stats_destroy(struct sim_stats *st);

/* The counter called name, created at 0 if new. The pointer stays valid until destroy. */
uint64_t *sim_stats_counter(struct sim_stats *st, const char *name);

/* Same, with a printf-style name. */
uint64_t *sim_stats_counterf(struct sim_stats *st, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* The counter's value, 0 when it does not exist. */
uint64_t sim_stats_get(const struct sim_stats *st, const char *name);

/* The series called name with bins of bin_ns (> 0), created empty if new. Asking again with a
 * different bin width is our own bug (asserted). */
struct sim_series *sim_stats_series(struct sim_stats *st, const char *name, sim_time bin_ns);

/* Adds v to the bin holding time t (t >= 0). */
void sim_series_add(struct sim_series *s, sim_time t, double v);

static inline size_t sim_series_len(const struct sim_series *s) { return s->bins->len; }
static inline double sim_series_bin(const struct sim_series *s, size_t i)
{
	return i < s->bins->len ? g_array_index(s->bins, double, i) : 0.0;
}

typedef void (*sim_counter_visit_fn)(void *ctx, const char *name, uint64_t value);
typedef void (*sim_series_visit_fn)(void *ctx, const struct sim_series *s);

/* Visits every counter (series) in name order. */
void sim_stats_foreach_counter(const struct sim_stats *st, sim_counter_visit_fn fn, void *ctx);
void sim_stats_foreach_series(const struct sim_stats *st, sim_series_visit_fn fn, void *ctx);

#endif
