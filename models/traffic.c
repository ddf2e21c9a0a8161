/* traffic.c: flow sources, the sink handler, and the flow metrics. */
#include "models/traffic.h"

#include <math.h>
#include <string.h>

#include "sim/link.h"

#define TRAFFIC_MAGIC 0x5653494du /* "VSIM" */

G_DEFINE_QUARK(traffic-error-quark, traffic_error)

static void flow_free(gpointer p)
{
	struct traffic_flow *f = p;
	g_free(f->name);
	if (f->gaps)
		g_array_free(f->gaps, TRUE);
	if (f->tx_by_bin)
		g_array_free(f->tx_by_bin, TRUE);
	if (f->rx_by_bin)
		g_array_free(f->rx_by_bin, TRUE);
	g_free(f->delay_hist);
	g_free(f);
}

void traffic_init(struct traffic *tr, struct sim_net *net)
{
	memset(tr, 0, sizeof *tr);
	tr->net = net;
	tr->flows = g_ptr_array_new_with_free_func(flow_free);
	tr->sinks = g_hash_table_new(g_int64_hash, g_int64_equal);
	tr->c_rx_foreign = sim_stats_counter(&net->stats, "traffic/rx_foreign");
}

static void free_key(gpointer key, gpointer value, gpointer user)
{
	g_free(key);
}

void traffic_destroy(struct traffic *tr)
{
	if (tr->sinks) {
		g_hash_table_foreach(tr->sinks, free_key, NULL);
		g_hash_table_destroy(tr->sinks);
	}
	if (tr->flows)
		g_ptr_array_free(tr->flows, TRUE);
	memset(tr, 0, sizeof *tr);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

/* ---- sink ---- */

static unsigned delay_bucket(sim_time d)
{
	uint64_t v = d < 0 ? 0 : (uint64_t)d;
	if (v < TRAFFIC_DELAY_SUBBUCKETS)
		return (unsigned)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	unsigned octave = msb - 4u; /* 32..63 is octave 1 */
	if (octave >= TRAFFIC_DELAY_OCTAVES)
		return TRAFFIC_DELAY_OCTAVES * TRAFFIC_DELAY_SUBBUCKETS - 1;
	unsigned sub = (unsigned)(v >> (msb - 5u)) & (TRAFFIC_DELAY_SUBBUCKETS - 1);
	return octave * TRAFFIC_DELAY_SUBBUCKETS + sub;
}

/* The largest delay that falls in bucket b. */
static sim_time delay_bucket_top(unsigned b)
{
	unsigned octave = b / TRAFFIC_DELAY_SUBBUCKETS, sub = b % TRAFFIC_DELAY_SUBBUCKETS;
	if (octave == 0)
		return sub;
	unsigned shift = octave - 1u;
	return (sim_time)((((uint64_t)(TRAFFIC_DELAY_SUBBUCKETS + sub + 1)) << shift) - 1);
}

static void record_gap(struct traffic_flow *f, sim_time from, sim_time to)
{
	if (to - from < f->cfg.gap_min_ns)
		return;
	struct traffic_gap g = { from, to };
	g_array_append_val(f->gaps, g);
	if (to - from > f->longest.to - f->longest.from)
		f->longest = g;
}

static void count_bin(GArray *bins, const struct traffic_flow *f, sim_time t)
{
	guint b = (guint)(t / f->cfg.bin_ns);
	if (b >= bins->len)
		g_array_set_size(bins, b + 1);
	g_array_index(bins, uint32_t, b)++;
}

static void sink_rx(struct sim_node *node, struct sim_pkt *pkt, const struct sim_rx_info *info, void *ctx)
{
	struct traffic *tr = ctx;
	sim_time now = sim_net_now(tr->net);
	const uint8_t *d = sim_pkt_data(pkt);
	struct traffic_flow *f = NULL;
	if (pkt->len >= TRAFFIC_HDR_LEN && get_be32(d) == TRAFFIC_MAGIC) {
		uint32_t id = get_be32(d + 4);
		if (id >= 1 && id <= tr->flows->len)
			f = tr->flows->pdata[id - 1];
	}
	if (!f || f->cfg.dst != node || f->cfg.dport != info->dport) {
		(*tr->c_rx_foreign)++;
		sim_pkt_free(pkt);
		return;
	}
	uint64_t seq = get_be64(d + 8);
	sim_time origin = (sim_time)get_be64(d + 16);
	uint32_t ip_bytes = pkt->len + info->hdr_bytes;
	sim_pkt_free(pkt);

	(*f->c_rx_packets)++;
	(*f->c_rx_bytes) += ip_bytes;
	if (seq + 1 <= f->highest_seq_plus1)
		(*f->c_rx_reordered)++;
	else
		f->highest_seq_plus1 = seq + 1;
	sim_series_add(f->rx_bytes_series, now, ip_bytes);
	count_bin(f->rx_by_bin, f, origin);
	sim_time delay = now - origin;
	f->delay_hist[delay_bucket(delay)]++;
	f->delay_sum += delay;
	if (*f->c_rx_packets == 1) {
		f->delay_min = f->delay_max = delay;
		f->first_rx = now;
		record_gap(f, f->cfg.start_ns, now);
	} else {
		f->delay_min = MIN(f->delay_min, delay);
		f->delay_max = MAX(f->delay_max, delay);
		record_gap(f, f->last_rx, now);
	}
	f->last_rx = now;
}

static void bind_sink(struct traffic *tr, struct sim_node *node, uint16_t port)
{
	gint64 key = (gint64)node->index << 16 | port;
	if (g_hash_table_contains(tr->sinks, &key))
		return;
	gint64 *k = g_new(gint64, 1);
	*k = key;
	g_hash_table_add(tr->sinks, k);
	sim_node_set_udp_handler(node, port, sink_rx, tr);
}

/* ---- source ---- */

static void flow_send(struct sim *sim, void *ctx, uint64_t arg);

static sim_time next_gap(struct traffic_flow *f)
{
	if (f->cfg.kind == TRAFFIC_POISSON)
		return (sim_time)llround(sim_rng_exponential(&f->rng, (double)f->interval_ns));
	return f->interval_ns;
}

static sim_time draw_period(struct traffic_flow *f, sim_time mean)
{
	sim_time p = (sim_time)llround(sim_rng_exponential(&f->rng, (double)mean));
	return p > 0 ? p : 1;
}

static void schedule_at(struct traffic_flow *f, sim_time t)
{
	if (t < f->cfg.stop_ns)
		sim_schedule_at(f->tr->net->sim, t, flow_send, f, 0);
}

static void emit_packet(struct traffic_flow *f, sim_time now)
{
	struct sim_net *net = f->tr->net;
	struct sim_pkt *p = sim_net_pkt(net);
	uint32_t payload = f->cfg.pkt_bytes - 28u;
	uint8_t *d = sim_pkt_put(p, payload);
	put_be32(d, TRAFFIC_MAGIC);
	put_be32(d + 4, f->id);
	put_be64(d + 8, f->next_seq++);
	put_be64(d + 16, (uint64_t)now);
	memset(d + TRAFFIC_HDR_LEN, 0, payload - TRAFFIC_HDR_LEN);
	p->flow_id = f->id;
	p->t_origin = now;
	(*f->c_tx_packets)++;
	(*f->c_tx_bytes) += f->cfg.pkt_bytes;
	count_bin(f->tx_by_bin, f, now);
	if (f->cfg.dst_addr_fn) {
		f->dst_addr = f->cfg.dst_addr_fn(f->cfg.dst_addr_ctx);
		if (!f->dst_addr) {
			(*f->c_tx_refused)++;
			sim_pkt_free(p);
			return;
		}
	}
	if (sim_node_send_udp(f->cfg.src, 0, f->cfg.sport, f->dst_addr, f->cfg.dport, p) != SIM_OK)
		(*f->c_tx_refused)++;
}

static void flow_send(struct sim *sim, void *ctx, uint64_t arg)
{
	struct traffic_flow *f = ctx;
	sim_time now = sim_now(sim);
	if (f->cfg.kind == TRAFFIC_ONOFF && now >= f->phase_end) {
		/* Period boundary: flip, and if now off, sleep to the start of the next on period. */
		f->on = !f->on;
		f->phase_end = now + draw_period(f, f->on ? f->cfg.on_mean_ns : f->cfg.off_mean_ns);
		if (!f->on) {
			sim_time wake = f->phase_end;
			f->on = false;
			schedule_at(f, wake);
			return;
		}
	}
	emit_packet(f, now);
	sim_time t = now + next_gap(f);
	if (f->cfg.kind == TRAFFIC_ONOFF && t > f->phase_end)
		t = f->phase_end; /* the period ends before the next packet is due */
	schedule_at(f, t);
}

static uint64_t first_hop_rate(const struct traffic_flow_cfg *cfg, uint32_t dst)
{
	const struct sim_route *r = sim_route_lookup(cfg->src, dst);
	if (!r || !r->iface->link)
		return 0;
	struct sim_link *l = r->iface->link;
	return sim_link_params(l, (enum sim_link_dir)r->iface->tx_dir)->rate_bps;
}

struct traffic_flow *traffic_add_flow(struct traffic *tr, const struct traffic_flow_cfg *cfg, GError **err)
{
	const char *name = cfg->name ? cfg->name : "flow";
	uint32_t dst = cfg->dst_addr ? cfg->dst_addr : (cfg->dst ? sim_node_addr(cfg->dst) : 0);
	if (!cfg->src || !cfg->dst || dst == 0) {
		g_set_error(err, TRAFFIC_ERROR, 1, "flow %s: needs a source and a destination with an address", name);
		return NULL;
	}
	if (cfg->pkt_bytes < TRAFFIC_MIN_PKT || cfg->pkt_bytes > 65535) {
		g_set_error(err, TRAFFIC_ERROR, 1, "flow %s: packet size %u B outside %u..65535 B", name, cfg->pkt_bytes,
			    TRAFFIC_MIN_PKT);
		return NULL;
	}
	if (cfg->stop_ns <= cfg->start_ns || cfg->start_ns < 0) {
		g_set_error(err, TRAFFIC_ERROR, 1, "flow %s: stop must come after start (and start >= 0)", name);
		return NULL;
	}
	uint64_t rate = cfg->rate_bps;
	if (cfg->kind == TRAFFIC_BULK) {
		rate = first_hop_rate(cfg, dst);
		if (rate == 0) {
			g_set_error(err, TRAFFIC_ERROR, 1,
				    "flow %s: a bulk flow needs a first-hop link with a finite rate", name);
			return NULL;
		}
	} else if (rate == 0) {
		g_set_error(err, TRAFFIC_ERROR, 1, "flow %s: rate must be > 0", name);
		return NULL;
	}
	if (cfg->kind == TRAFFIC_ONOFF && (cfg->on_mean_ns <= 0 || cfg->off_mean_ns <= 0)) {
		g_set_error(err, TRAFFIC_ERROR, 1, "flow %s: on/off periods must be > 0", name);
		return NULL;
	}
	struct traffic_flow *f = g_new0(struct traffic_flow, 1);
	struct sim_stats *st = &tr->net->stats;
	f->tr = tr;
	f->cfg = *cfg;
	f->name = g_strdup(name);
	f->cfg.name = f->name;
	if (f->cfg.bin_ns <= 0)
		f->cfg.bin_ns = sim_ms(100);
	if (f->cfg.gap_min_ns <= 0)
		f->cfg.gap_min_ns = sim_ms(50);
	f->dst_addr = dst;
	f->id = tr->flows->len + 1;
	g_autofree char *stream = g_strdup_printf("flow/%s", name);
	sim_rng_stream(&f->rng, tr->net->sim->seed, stream);
	f->interval_ns = sim_tx_time(cfg->pkt_bytes, rate);
	if (f->interval_ns < 1)
		f->interval_ns = 1;
	f->c_tx_packets = sim_stats_counterf(st, "flow/%s/tx_packets", name);
	f->c_tx_bytes = sim_stats_counterf(st, "flow/%s/tx_bytes", name);
	f->c_tx_refused = sim_stats_counterf(st, "flow/%s/tx_refused", name);
	f->c_rx_packets = sim_stats_counterf(st, "flow/%s/rx_packets", name);
	f->c_rx_bytes = sim_stats_counterf(st, "flow/%s/rx_bytes", name);
	f->c_rx_reordered = sim_stats_counterf(st, "flow/%s/rx_reordered", name);
	g_autofree char *series = g_strdup_printf("flow/%s/rx_bytes", name);
	f->rx_bytes_series = sim_stats_series(st, series, f->cfg.bin_ns);
	f->gaps = g_array_new(FALSE, FALSE, sizeof(struct traffic_gap));
	f->tx_by_bin = g_array_new(FALSE, TRUE, sizeof(uint32_t));
	f->rx_by_bin = g_array_new(FALSE, TRUE, sizeof(uint32_t));
	f->delay_hist = g_new0(uint32_t, TRAFFIC_DELAY_OCTAVES * TRAFFIC_DELAY_SUBBUCKETS);
	g_ptr_array_add(tr->flows, f);
	bind_sink(tr, cfg->dst, cfg->dport);
	if (cfg->kind == TRAFFIC_ONOFF) {
		f->on = true;
		f->phase_end = cfg->start_ns + draw_period(f, cfg->on_mean_ns);
	}
	schedule_at(f, cfg->start_ns);
	return f;
}

struct traffic_flow *traffic_flow_by_name(const struct traffic *tr, const char *name)
{
	for (guint i = 0; i < tr->flows->len; i++) {
		struct traffic_flow *f = tr->flows->pdata[i];
		if (strcmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

/* ---- metrics ---- */

sim_time traffic_delay_quantile(const struct traffic_flow *f, double q)
{
	uint64_t n = *f->c_rx_packets;
	if (n == 0)
		return 0;
	if (q <= 0)
		return f->delay_min;
	if (q >= 1)
		return f->delay_max;
	uint64_t rank = (uint64_t)ceil(q * (double)n); /* 1-based rank of the quantile */
	uint64_t seen = 0;
	for (unsigned b = 0; b < TRAFFIC_DELAY_OCTAVES * TRAFFIC_DELAY_SUBBUCKETS; b++) {
		seen += f->delay_hist[b];
		if (seen >= rank)
			return MIN(delay_bucket_top(b), f->delay_max);
	}
	return f->delay_max;
}

sim_time traffic_delay_mean(const struct traffic_flow *f)
{
	uint64_t n = *f->c_rx_packets;
	return n ? (sim_time)llroundl(f->delay_sum / (long double)n) : 0;
}

double traffic_loss_ratio(const struct traffic_flow *f)
{
	uint64_t tx = *f->c_tx_packets, rx = *f->c_rx_packets;
	if (tx == 0)
		return 0;
	return rx >= tx ? 0.0 : (double)(tx - rx) / (double)tx;
}

static uint64_t sum_bins(const GArray *bins, size_t b0, size_t b1)
{
	uint64_t n = 0;
	for (size_t i = b0; i < b1 && i < bins->len; i++)
		n += g_array_index(bins, uint32_t, i);
	return n;
}

double traffic_loss_ratio_sent(const struct traffic_flow *f, sim_time from, sim_time to)
{
	if (to <= from)
		return 0;
	size_t b0 = (size_t)(MAX(from, 0) / f->cfg.bin_ns), b1 = (size_t)((to + f->cfg.bin_ns - 1) / f->cfg.bin_ns);
	uint64_t tx = sum_bins(f->tx_by_bin, b0, b1), rx = sum_bins(f->rx_by_bin, b0, b1);
	return tx == 0 || rx >= tx ? 0.0 : (double)(tx - rx) / (double)tx;
}

static sim_time clipped(sim_time a, sim_time b, sim_time from, sim_time to)
{
	a = MAX(a, from);
	b = MIN(b, to);
	return b > a ? b - a : 0;
}

sim_time traffic_longest_gap_within(const struct traffic_flow *f, sim_time from, sim_time to, sim_time now)
{
	to = MIN(to, MIN(now, f->cfg.stop_ns));
	from = MAX(from, f->cfg.start_ns);
	if (to <= from)
		return 0;
	/* Only gaps of at least gap_min_ns count (as recorded): the spacing of ordinary deliveries
	 * is no outage. */
	sim_time best = 0;
	for (guint i = 0; i < f->gaps->len; i++) {
		const struct traffic_gap *g = &g_array_index(f->gaps, struct traffic_gap, i);
		best = MAX(best, clipped(g->from, g->to, from, to));
	}
	sim_time open_from = *f->c_rx_packets ? f->last_rx : f->cfg.start_ns;
	sim_time open_to = MIN(now, f->cfg.stop_ns);
	if (open_to - open_from >= f->cfg.gap_min_ns)
		best = MAX(best, clipped(open_from, open_to, from, to));
	return best;
}

static bool gap_hits(const struct traffic_gap *g, sim_time t, sim_time slack_ns)
{
	return t < 0 || (g->from <= t + slack_ns && t < g->to);
}

gboolean traffic_gap_spanning(const struct traffic_flow *f, sim_time t, sim_time slack_ns, sim_time now,
			      struct traffic_gap *out)
{
	struct traffic_gap best = { 0, 0 };
	for (guint i = 0; i < f->gaps->len; i++) {
		struct traffic_gap g = g_array_index(f->gaps, struct traffic_gap, i);
		if (gap_hits(&g, t, slack_ns) && g.to - g.from > best.to - best.from)
			best = g;
	}
	/* A gap still open at the end: from the last delivery (or the start) to when sending stopped. */
	sim_time open_from = *f->c_rx_packets ? f->last_rx : f->cfg.start_ns;
	sim_time open_to = MIN(now, f->cfg.stop_ns);
	struct traffic_gap open = { open_from, open_to };
	if (open_to - open_from >= f->cfg.gap_min_ns && gap_hits(&open, t, slack_ns) &&
	    open_to - open_from > best.to - best.from)
		best = open;
	if (best.to == best.from)
		return FALSE;
	*out = best;
	return TRUE;
}

double traffic_rx_bps(const struct traffic_flow *f, sim_time from, sim_time to)
{
	if (to <= from)
		return 0;
	const struct sim_series *s = f->rx_bytes_series;
	double bytes = 0;
	size_t b0 = (size_t)(from / s->bin_ns), b1 = (size_t)((to + s->bin_ns - 1) / s->bin_ns);
	for (size_t i = b0; i < b1; i++)
		bytes += sim_series_bin(s, i);
	double span_s = sim_to_seconds((sim_time)(b1 - b0) * s->bin_ns);
	return bytes * 8.0 / span_s;
}

double traffic_jain(const double *x, size_t n)
{
	double sum = 0, sq = 0;
	for (size_t i = 0; i < n; i++) {
		sum += x[i];
		sq += x[i] * x[i];
	}
	return sq > 0 ? sum * sum / ((double)n * sq) : 1.0;
}
