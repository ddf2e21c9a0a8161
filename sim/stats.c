/* stats.c: the counter and series registry. */
#include "sim/stats.h"

#include <stdarg.h>
#include <string.h>

static void series_free(gpointer p)
{
	struct sim_series *s = p;
	g_free(s->name);
	g_array_free(s->bins, TRUE);
	g_free(s);
}

void sim_stats_init(struct sim_stats *st)
{
	st->counters = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	st->series = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, series_free);
}

void sim_stats_destroy(struct sim_stats *st)
{
	if (st->counters)
		g_hash_table_destroy(st->counters);
	if (st->series)
		g_hash_table_destroy(st->series);
	memset(st, 0, sizeof *st);
}

uint64_t *sim_stats_counter(struct sim_stats *st, const char *name)
{
	uint64_t *c = g_hash_table_lookup(st->counters, name);
	if (!c) {
		c = g_new0(uint64_t, 1);
		g_hash_table_insert(st->counters, g_strdup(name), c);
	}
	return c;
}

uint64_t *sim_stats_counterf(struct sim_stats *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *name = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	return sim_stats_counter(st, name);
}

uint64_t sim_stats_get(const struct sim_stats *st, const char *name)
{
	const uint64_t *c = g_hash_table_lookup(st->counters, name);
	return c ? *c : 0;
}

struct sim_series *sim_stats_series(struct sim_stats *st, const char *name, sim_time bin_ns)
{
	g_assert(bin_ns > 0);
	struct sim_series *s = g_hash_table_lookup(st->series, name);
	if (s) {
		g_assert(s->bin_ns == bin_ns);
		return s;
	}
	s = g_new0(struct sim_series, 1);
	s->name = g_strdup(name);
	s->bin_ns = bin_ns;
	s->bins = g_array_new(FALSE, TRUE, sizeof(double));
	g_hash_table_insert(st->series, s->name, s);
	return s;
}

void sim_series_add(struct sim_series *s, sim_time t, double v)
{
	g_assert(t >= 0);
	guint i = (guint)(t / s->bin_ns);
	if (i >= s->bins->len)
		g_array_set_size(s->bins, i + 1); /* zero-filled */
	g_array_index(s->bins, double, i) += v;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys of h, sorted. */
static GPtrArray *sorted_keys(GHashTable *h)
{
	GPtrArray *keys = g_ptr_array_sized_new(g_hash_table_size(h));
	GHashTableIter it;
	gpointer k;
	g_hash_table_iter_init(&it, h);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_ptr_array_add(keys, k);
	g_ptr_array_sort(keys, cmp_str);
	return keys;
}

void sim_stats_foreach_counter(const struct sim_stats *st, sim_counter_visit_fn fn, void *ctx)
{
	GPtrArray *keys = sorted_keys(st->counters);
	for (guint i = 0; i < keys->len; i++) {
		const char *name = keys->pdata[i];
		fn(ctx, name, *(const uint64_t *)g_hash_table_lookup(st->counters, name));
	}
	g_ptr_array_free(keys, TRUE);
}

void sim_stats_foreach_series(const struct sim_stats *st, sim_series_visit_fn fn, void *ctx)
{
	GPtrArray *keys = sorted_keys(st->series);
	for (guint i = 0; i < keys->len; i++)
		fn(ctx, g_hash_table_lookup(st->series, keys->pdata[i]));
	g_ptr_array_free(keys, TRUE);
}
