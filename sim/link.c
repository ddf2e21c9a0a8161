/* link.c: point-to-point links: virtual-finish-time transmitter, drop-tail byte queue, loss
 * models, jitter, up/down with epochs; one event per delivered packet. */
#include "sim/link.h"

#include <math.h>
#include <string.h>

void sim_link_params_init(struct sim_link_params *p)
{
	memset(p, 0, sizeof *p);
	p->jitter = SIM_JITTER_NONE;
	p->queue_limit_bytes = SIM_LINK_QUEUE_UNLIMITED;
	p->mtu = 1500;
}

const char *sim_link_dir_name(enum sim_link_dir dir)
{
	return dir == SIM_LINK_A2B ? "a2b" : "b2a";
}

static void half_init(struct sim_link *link, enum sim_link_dir dir, const struct sim_link_params *p)
{
	struct sim_link_half *h = &link->half[dir];
	struct sim_net *net = link->net;
	const char *d = sim_link_dir_name(dir);
	memset(h, 0, sizeof *h);
	h->link = link;
	h->dir = dir;
	h->p = *p;
	g_autofree char *loss_name = g_strdup_printf("link/%s/%s/loss", link->name, d);
	g_autofree char *jitter_name = g_strdup_printf("link/%s/%s/jitter", link->name, d);
	sim_rng_stream(&h->loss_rng, net->sim->seed, loss_name);
	sim_rng_stream(&h->jitter_rng, net->sim->seed, jitter_name);
	h->taps = g_array_new(FALSE, FALSE, sizeof(struct sim_tap));
	h->drop_taps = g_array_new(FALSE, FALSE, sizeof(struct sim_tap));
	h->c_tx_packets = sim_stats_counterf(&net->stats, "link/%s/%s/tx_packets", link->name, d);
	h->c_tx_bytes = sim_stats_counterf(&net->stats, "link/%s/%s/tx_bytes", link->name, d);
	h->c_rx_packets = sim_stats_counterf(&net->stats, "link/%s/%s/rx_packets", link->name, d);
	h->c_rx_bytes = sim_stats_counterf(&net->stats, "link/%s/%s/rx_bytes", link->name, d);
	h->c_drop_queue = sim_stats_counterf(&net->stats, "link/%s/%s/drop_queue", link->name, d);
	h->c_drop_loss = sim_stats_counterf(&net->stats, "link/%s/%s/drop_loss", link->name, d);
	h->c_drop_down = sim_stats_counterf(&net->stats, "link/%s/%s/drop_down", link->name, d);
	h->c_drop_mtu = sim_stats_counterf(&net->stats, "link/%s/%s/drop_mtu", link->name, d);
}

struct sim_link *sim_link_new(struct sim_net *net, const char *name, const struct sim_link_params *a2b,
			      const struct sim_link_params *b2a)
{
	g_assert(name && !g_hash_table_contains(net->link_by_name, name));
	struct sim_link *link = g_new0(struct sim_link, 1);
	link->net = net;
	link->name = g_strdup(name);
	link->index = net->links->len;
	link->up = true;
	half_init(link, SIM_LINK_A2B, a2b);
	half_init(link, SIM_LINK_B2A, b2a ? b2a : a2b);
	g_ptr_array_add(net->links, link);
	g_hash_table_insert(net->link_by_name, link->name, link);
	return link;
}

void sim_link_free_(struct sim_link *link)
{
	for (int d = 0; d < 2; d++) {
		g_free(link->half[d].fifo);
		g_array_free(link->half[d].taps, TRUE);
		g_array_free(link->half[d].drop_taps, TRUE);
	}
	g_free(link->name);
	g_free(link);
}

void sim_link_set_receiver(struct sim_link *link, enum sim_link_dir dir, sim_link_rx_fn fn, void *ctx)
{
	link->half[dir].rx = fn;
	link->half[dir].rx_ctx = ctx;
}

void sim_link_add_tap(struct sim_link *link, enum sim_link_dir dir, sim_tap_fn fn, void *ctx)
{
	struct sim_tap t = { fn, ctx };
	g_array_append_val(link->half[dir].taps, t);
}

void sim_link_add_drop_tap(struct sim_link *link, enum sim_link_dir dir, sim_tap_fn fn, void *ctx)
{
	struct sim_tap t = { fn, ctx };
	g_array_append_val(link->half[dir].drop_taps, t);
}

static void run_taps(GArray *taps, sim_time t, const struct sim_pkt *pkt)
{
	for (guint i = 0; i < taps->len; i++) {
		const struct sim_tap *tp = &g_array_index(taps, struct sim_tap, i);
		tp->fn(tp->ctx, t, sim_pkt_data(pkt), pkt->len);
	}
}

/* ---- the FIFO of packets not yet fully transmitted ---- */

/* Forgets records of packets whose transmission has finished by now. */
static void fifo_expire(struct sim_link_half *h, sim_time now)
{
	while (h->fifo_len) {
		struct sim_link_rec *r = &h->fifo[h->fifo_head];
		if (r->finish > now)
			break;
		h->fifo_bytes -= r->bytes;
		h->fifo_head = (h->fifo_head + 1) & (h->fifo_cap - 1);
		h->fifo_len--;
	}
}

static void fifo_push(struct sim_link_half *h, sim_time start, sim_time finish, uint32_t bytes)
{
	if (h->fifo_len == h->fifo_cap) {
		uint32_t cap = h->fifo_cap ? h->fifo_cap * 2 : 16;
		struct sim_link_rec *n = g_new(struct sim_link_rec, cap);
		for (uint32_t i = 0; i < h->fifo_len; i++)
			n[i] = h->fifo[(h->fifo_head + i) & (h->fifo_cap - 1)];
		g_free(h->fifo);
		h->fifo = n;
		h->fifo_cap = cap;
		h->fifo_head = 0;
	}
	h->fifo[(h->fifo_head + h->fifo_len) & (h->fifo_cap - 1)] = (struct sim_link_rec){ start, finish, bytes };
	h->fifo_len++;
	h->fifo_bytes += bytes;
}

/* Bytes waiting at now (after fifo_expire): all records but one being transmitted. */
static uint64_t fifo_waiting(const struct sim_link_half *h, sim_time now)
{
	if (!h->fifo_len)
		return 0;
	const struct sim_link_rec *head = &h->fifo[h->fifo_head];
	return head->start <= now ? h->fifo_bytes - head->bytes : h->fifo_bytes;
}

uint64_t sim_link_queue_bytes(struct sim_link *link, enum sim_link_dir dir)
{
	struct sim_link_half *h = &link->half[dir];
	sim_time now = sim_now(link->net->sim);
	fifo_expire(h, now);
	return fifo_waiting(h, now);
}

/* ---- sending ---- */

static bool draw_loss(struct sim_link_half *h)
{
	const struct sim_link_params *p = &h->p;
	if (p->ge_enabled) {
		double u = sim_rng_uniform(&h->loss_rng);
		if (h->ge_bad)
			h->ge_bad = !(u < p->ge_p_bg);
		else
			h->ge_bad = u < p->ge_p_gb;
		double pl = h->ge_bad ? p->ge_loss_bad : p->ge_loss_good;
		return sim_rng_uniform(&h->loss_rng) < pl;
	}
	return p->loss > 0 && sim_rng_uniform(&h->loss_rng) < p->loss;
}

static sim_time draw_delay(struct sim_link_half *h)
{
	const struct sim_link_params *p = &h->p;
	double x;
	switch (p->jitter) {
	case SIM_JITTER_UNIFORM:
		x = sim_rng_uniform_range(&h->jitter_rng, -(double)p->jitter_ns, (double)p->jitter_ns);
		break;
	case SIM_JITTER_NORMAL:
		x = sim_rng_normal(&h->jitter_rng, 0.0, (double)p->jitter_ns);
		break;
	default:
		return p->delay_ns;
	}
	sim_time d = p->delay_ns + (sim_time)llround(x);
	return d < 0 ? 0 : d;
}

static void arrive(struct sim *sim, void *ctx, uint64_t arg);

static enum sim_drop drop(struct sim_link_half *h, uint64_t *counter, enum sim_drop why, struct sim_pkt *pkt)
{
	(*counter)++;
	if (h->drop_taps->len)
		run_taps(h->drop_taps, sim_now(h->link->net->sim), pkt);
	sim_pkt_free(pkt);
	return why;
}

enum sim_drop sim_link_send(struct sim_link *link, enum sim_link_dir dir, struct sim_pkt *pkt)
{
	struct sim_link_half *h = &link->half[dir];
	struct sim *sim = link->net->sim;
	sim_time now = sim_now(sim);
	uint32_t len = pkt->len;

	if (!link->up)
		return drop(h, h->c_drop_down, SIM_DROP_DOWN, pkt);
	if (len > h->p.mtu)
		return drop(h, h->c_drop_mtu, SIM_DROP_MTU, pkt);

	sim_time start = now, finish = now;
	if (h->p.rate_bps) {
		fifo_expire(h, now);
		if (h->busy_until > now) {
			if (fifo_waiting(h, now) + len > h->p.queue_limit_bytes)
				return drop(h, h->c_drop_queue, SIM_DROP_QUEUE, pkt);
			start = h->busy_until;
		}
		finish = start + sim_tx_time(len, h->p.rate_bps);
		h->busy_until = finish;
		fifo_push(h, start, finish, len);
	}
	(*h->c_tx_packets)++;
	*h->c_tx_bytes += len;

	if (draw_loss(h)) {
		drop(h, h->c_drop_loss, SIM_DROP_LOSS, pkt);
		return SIM_OK; /* the sender cannot know */
	}

	sim_time arrival = finish + draw_delay(h);
	if (!h->p.reorder) {
		if (arrival < h->last_arrival)
			arrival = h->last_arrival;
		h->last_arrival = arrival;
	}
	pkt->user = link->epoch;
	h->in_flight++;
	sim_schedule_at(sim, arrival, arrive, h, (uint64_t)(uintptr_t)pkt);
	return SIM_OK;
}

static void arrive(struct sim *sim, void *ctx, uint64_t arg)
{
	struct sim_link_half *h = ctx;
	struct sim_pkt *pkt = (struct sim_pkt *)(uintptr_t)arg;
	if (pkt->user != h->link->epoch) {
		/* lost when the link went down (already counted) */
		sim_pkt_free(pkt);
		return;
	}
	h->in_flight--;
	(*h->c_rx_packets)++;
	*h->c_rx_bytes += pkt->len;
	if (h->taps->len)
		run_taps(h->taps, sim_now(sim), pkt);
	if (h->rx)
		h->rx(h->rx_ctx, pkt);
	else
		sim_pkt_free(pkt);
}

/* ---- up and down ---- */

void sim_link_set_up(struct sim_link *link, bool up)
{
	if (link->up == up)
		return;
	link->up = up;
	if (up)
		return;
	sim_time now = sim_now(link->net->sim);
	link->epoch++;
	for (int d = 0; d < 2; d++) {
		struct sim_link_half *h = &link->half[d];
		*h->c_drop_down += h->in_flight;
		h->in_flight = 0;
		h->fifo_len = 0;
		h->fifo_head = 0;
		h->fifo_bytes = 0;
		h->busy_until = now;
		h->last_arrival = now;
	}
}

static void state_event(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)sim;
	sim_link_set_up(ctx, arg != 0);
}

sim_event_id sim_link_schedule_state(struct sim_link *link, sim_time t, bool up)
{
	return sim_schedule_at(link->net->sim, t, state_event, link, up ? 1 : 0);
}

struct sim_link *sim_net_connect(struct sim_net *net, const char *name, struct sim_node *a, uint32_t addr_a,
				 struct sim_node *b, uint32_t addr_b, unsigned plen, const struct sim_link_params *a2b,
				 const struct sim_link_params *b2a)
{
	struct sim_link *link = sim_link_new(net, name, a2b, b2a);
	struct sim_iface *ia = sim_node_add_iface(a, addr_a, plen, link->half[SIM_LINK_A2B].p.mtu);
	struct sim_iface *ib = sim_node_add_iface(b, addr_b, plen, link->half[SIM_LINK_B2A].p.mtu);
	sim_net_attach(link, ia, ib);
	return link;
}
