/* traffic.c: flow sources, the sink handler, and the flow metrics. */
#include "models/traffic.h"

#include <math.h>
#include <string.h>

#include "sim/link.h"
#include "sim/tcp.h"

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

/* Measures a packet of flow traffic whose measurement header starts at d (len bytes), that
 * arrived at node for port dport, ip_bytes long in all. */
static void sink_account(struct traffic *tr, struct sim_node *node, uint16_t dport, const uint8_t *d, size_t len,
			 uint32_t ip_bytes)
{
	sim_time now = sim_net_now(tr->net);
	struct traffic_flow *f = NULL;
	if (len >= TRAFFIC_HDR_LEN && get_be32(d) == TRAFFIC_MAGIC) {
		uint32_t id = get_be32(d + 4);
		if (id >= 1 && id <= tr->flows->len)
			f = tr->flows->pdata[id - 1];
	}
	if (!f || f->cfg.dst != node || f->cfg.dport != dport) {
		(*tr->c_rx_foreign)++;
		return;
	}
	uint64_t seq = get_be64(d + 8);
	sim_time origin = (sim_time)get_be64(d + 16);
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

static void sink_rx(struct sim_node *node, struct sim_pkt *pkt, const struct sim_rx_info *info, void *ctx)
{
	sink_account(ctx, node, info->dport, sim_pkt_data(pkt), pkt->len, pkt->len + info->hdr_bytes);
	sim_pkt_free(pkt);
}

/* ---- TCP-like transport ---- */

static void flow_send(struct sim *sim, void *ctx, uint64_t arg);

/* Sends a TCP segment h with payload p (possibly empty) from node n to dst: source address from
 * the route, as a UDP send takes it. */
static enum sim_drop send_tcp(struct sim_node *n, uint32_t dst, const struct sim_tcp_hdr *h, struct sim_pkt *p)
{
	uint32_t src = sim_node_source_addr(n, dst);
	if (!src) {
		sim_pkt_free(p);
		sim_node_count_drop(n, SIM_DROP_NO_ROUTE);
		return SIM_DROP_NO_ROUTE;
	}
	sim_tcp_push(p, src, dst, h);
	sim_ipv4_push(p, src, dst, SIM_IPPROTO_TCP, n->ttl, n->next_ip_id++);
	return sim_node_send_ip(n, p);
}

static uint32_t sink_isn(const struct traffic_flow *f)
{
	return f->id * 0x01000193u; /* any fixed value: nothing checks it */
}

static struct traffic_flow *tcp_flow(struct traffic *tr, struct sim_node *node, uint16_t port, bool at_sink)
{
	for (guint i = 0; i < tr->flows->len; i++) {
		struct traffic_flow *f = tr->flows->pdata[i];
		if (f->cfg.tcp && (at_sink ? f->cfg.dst == node && f->cfg.dport == port
					   : f->cfg.src == node && f->cfg.sport == port))
			return f;
	}
	return NULL;
}

/* The sink answers a SYN with a SYN-ACK announcing its own MSS (each SYN anew: a retransmitted
 * SYN means the SYN-ACK was lost). */
static void tcp_syn_rx(struct traffic *tr, struct sim_node *node, const struct sim_rx_info *info,
		       const struct sim_tcp_hdr *h, struct traffic_flow *f)
{
	struct sim_tcp_hdr a = { .sport = h->dport, .dport = h->sport, .seq = sink_isn(f), .ack = h->seq + 1,
				 .flags = SIM_TCP_SYN | SIM_TCP_ACK, .window = 65535, .mss = TRAFFIC_SINK_MSS };
	send_tcp(node, info->src, &a, sim_net_pkt(tr->net));
}

/* The source learns the sink's MSS: data segments are min(ours, theirs) + 40 bytes from now. */
static void tcp_synack_rx(struct traffic *tr, const struct sim_tcp_hdr *h, struct traffic_flow *f)
{
	if (f->tcp_open)
		return; /* a duplicate */
	sim_time now = sim_net_now(tr->net);
	uint32_t ours = f->cfg.pkt_bytes - 40u, theirs = h->mss ? h->mss : 536u; /* RFC 9293 3.7.1 default */
	uint32_t mss = MIN(ours, theirs);
	f->tcp_open = true;
	f->tcp_ack = h->seq + 1;
	f->seg_bytes = MAX(mss + 40u, TRAFFIC_MIN_TCP_PKT);
	*f->c_tcp_mss = mss;
	/* the same rate in smaller packets */
	f->interval_ns = MAX(f->interval_ns * (sim_time)f->seg_bytes / (sim_time)f->cfg.pkt_bytes, 1);
	if (now < f->cfg.stop_ns)
		sim_schedule_at(tr->net->sim, now, flow_send, f, 0);
}

static void tcp_rx(struct sim_node *node, struct sim_pkt *pkt, const struct sim_rx_info *info, void *ctx)
{
	struct traffic *tr = ctx;
	struct sim_tcp_hdr h;
	struct traffic_flow *f = NULL;
	if (sim_tcp_parse(sim_pkt_data(pkt), pkt->len, info->src, info->dst, &h) != SIM_IP_OK) {
		(*tr->c_rx_foreign)++;
	} else if ((h.flags & (SIM_TCP_SYN | SIM_TCP_ACK)) == SIM_TCP_SYN) {
		if ((f = tcp_flow(tr, node, h.dport, true)))
			tcp_syn_rx(tr, node, info, &h, f);
		else
			(*tr->c_rx_foreign)++;
	} else if (h.flags & SIM_TCP_SYN) {
		if ((f = tcp_flow(tr, node, h.dport, false)))
			tcp_synack_rx(tr, &h, f);
		else
			(*tr->c_rx_foreign)++;
	} else {
		sink_account(tr, node, h.dport, sim_pkt_data(pkt) + h.hdr_len, pkt->len - h.hdr_len,
			     pkt->len + info->hdr_bytes);
	}
	sim_pkt_free(pkt);
}

/* The source's SYN, again after 1, 2, 4, ... s (at most 64 s) until a SYN-ACK comes. */
static void syn_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct traffic_flow *f = ctx;
	sim_time now = sim_now(sim);
	if (f->tcp_open || now >= f->cfg.stop_ns)
		return;
	uint32_t dst = f->cfg.dst_addr_fn ? f->cfg.dst_addr_fn(f->cfg.dst_addr_ctx) : f->dst_addr;
	if (dst) {
		struct sim_tcp_hdr h = { .sport = f->cfg.sport, .dport = f->cfg.dport, .seq = f->tcp_seq - 1,
					 .flags = SIM_TCP_SYN, .window = 65535, .mss = (uint16_t)(f->cfg.pkt_bytes - 40u) };
		(*f->c_syn_sent)++;
		send_tcp(f->cfg.src, dst, &h, sim_net_pkt(f->tr->net));
	}
	sim_schedule_at(sim, now + f->syn_rto_ns, syn_event, f, 0);
	f->syn_rto_ns = MIN(f->syn_rto_ns * 2, sim_s(64));
}

static void bind_tcp(struct traffic *tr, struct sim_node *node)
{
	gint64 key = -((gint64)node->index + 1); /* UDP port keys are >= 0 */
	if (g_hash_table_contains(tr->sinks, &key))
		return;
	gint64 *k = g_new(gint64, 1);
	*k = key;
	g_hash_table_add(tr->sinks, k);
	sim_node_set_proto_handler(node, SIM_IPPROTO_TCP, tcp_rx, tr);
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
	uint32_t ip_bytes = f->cfg.tcp ? f->seg_bytes : f->cfg.pkt_bytes;
	uint32_t payload = ip_bytes - (f->cfg.tcp ? 40u : 28u);
	uint8_t *d = sim_pkt_put(p, payload);
	put_be32(d, TRAFFIC_MAGIC);
	put_be32(d + 4, f->id);
	put_be64(d + 8, f->next_seq++);
	put_be64(d + 16, (uint64_t)now);
	memset(d + TRAFFIC_HDR_LEN, 0, payload - TRAFFIC_HDR_LEN);
	p->flow_id = f->id;
	p->t_origin = now;
	(*f->c_tx_packets)++;
	(*f->c_tx_bytes) += ip_bytes;
	count_bin(f->tx_by_bin, f, now);
	if (f->cfg.dst_addr_fn) {
		f->dst_addr = f->cfg.dst_addr_fn(f->cfg.dst_addr_ctx);
		if (!f->dst_addr) {
			(*f->c_tx_refused)++;
			sim_pkt_free(p);
			return;
		}
	}
	if (f->cfg.tcp) {
		struct sim_tcp_hdr h = { .sport = f->cfg.sport, .dport = f->cfg.dport, .seq = f->tcp_seq, .ack = f->tcp_ack,
					 .flags = SIM_TCP_ACK | 0x08u /* PSH */, .window = 65535 };
		f->tcp_seq += payload;
		if (send_tcp(f->cfg.src, f->dst_addr, &h, p) != SIM_OK)
			(*f->c_tx_refused)++;
		return;
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
	if (cfg->tcp && cfg->pkt_bytes < TRAFFIC_MIN_TCP_PKT) {
		g_set_error(err, TRAFFIC_ERROR, 1, "flow %s: packet size %u B below %u B (IPv4, TCP and the measurement header)",
			    name, cfg->pkt_bytes, TRAFFIC_MIN_TCP_PKT);
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
	if (cfg->tcp) {
		f->c_syn_sent = sim_stats_counterf(st, "flow/%s/tcp_syn_sent", name);
		f->c_tcp_mss = sim_stats_counterf(st, "flow/%s/tcp_mss", name);
		f->seg_bytes = cfg->pkt_bytes;
		f->tcp_seq = f->id * 0x9e3779b9u + 1; /* the ISN + 1: any fixed value */
		f->syn_rto_ns = sim_s(1);
		bind_tcp(tr, cfg->src);
		bind_tcp(tr, cfg->dst);
	} else {
		bind_sink(tr, cfg->dst, cfg->dport);
	}
	if (cfg->kind == TRAFFIC_ONOFF) {
		f->on = true;
		f->phase_end = cfg->start_ns + draw_period(f, cfg->on_mean_ns);
	}
	if (cfg->tcp)
		sim_schedule_at(tr->net->sim, cfg->start_ns, syn_event, f, 0);
	else
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
