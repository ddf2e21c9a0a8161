/* capacity.c: the FIFO processor. */
#include "models/capacity.h"

#include <string.h>

static void served(struct sim *sim, void *ctx, uint64_t arg);

void cap_server_init(struct cap_server *c, struct sim *sim, struct sim_stats *st, const char *name,
		     uint64_t rate_bps, uint32_t rate_pps, uint64_t queue_limit_bytes, cap_done_fn done,
		     void *done_ctx)
{
	memset(c, 0, sizeof *c);
	c->sim = sim;
	c->rate_bps = rate_bps;
	c->rate_pps = rate_pps;
	c->queue_limit_bytes = queue_limit_bytes;
	c->done = done;
	c->done_ctx = done_ctx;
	c->c_packets = sim_stats_counterf(st, "cap/%s/packets", name);
	c->c_bytes = sim_stats_counterf(st, "cap/%s/bytes", name);
	c->c_drop_queue = sim_stats_counterf(st, "cap/%s/drop_queue", name);
	c->c_busy_ns = sim_stats_counterf(st, "cap/%s/busy_ns", name);
}

sim_time cap_service_time(const struct cap_server *c, uint32_t bytes)
{
	sim_time t = c->rate_bps ? sim_tx_time(bytes, c->rate_bps) : 0;
	if (c->rate_pps) {
		sim_time per_pkt = (SIM_NS_PER_S + c->rate_pps - 1) / c->rate_pps;
		if (per_pkt > t)
			t = per_pkt;
	}
	return t;
}

static void start(struct cap_server *c)
{
	sim_time s = cap_service_time(c, c->head->len);
	c->busy = true;
	*c->c_busy_ns += (uint64_t)s;
	/* The epoch of this service rides in the event's argument: a flush in between makes the
	 * completion stale. */
	sim_schedule_in(c->sim, s, served, c, c->head->uid);
}

static void served(struct sim *sim, void *ctx, uint64_t arg)
{
	struct cap_server *c = ctx;
	struct sim_pkt *p = c->head;
	if (!c->busy || !p || p->uid != arg)
		return; /* flushed meanwhile */
	c->head = p->next;
	if (!c->head)
		c->tail = NULL;
	p->next = NULL;
	c->busy = false;
	(*c->c_packets)++;
	*c->c_bytes += p->len;
	if (c->head) {
		c->waiting_bytes -= c->head->len;
		start(c);
	}
	c->done(c->done_ctx, p);
}

bool cap_server_submit(struct cap_server *c, struct sim_pkt *pkt)
{
	pkt->next = NULL;
	if (c->busy) {
		if (c->waiting_bytes + pkt->len > c->queue_limit_bytes) {
			(*c->c_drop_queue)++;
			sim_pkt_free(pkt);
			return false;
		}
		c->waiting_bytes += pkt->len;
		c->tail->next = pkt;
		c->tail = pkt;
		return true;
	}
	c->head = c->tail = pkt;
	start(c);
	return true;
}

void cap_server_flush(struct cap_server *c)
{
	while (c->head) {
		struct sim_pkt *p = c->head;
		c->head = p->next;
		(*c->c_drop_queue)++;
		sim_pkt_free(p);
	}
	c->tail = NULL;
	c->busy = false;
	c->waiting_bytes = 0;
}

void cap_server_destroy(struct cap_server *c)
{
	while (c->head) {
		struct sim_pkt *p = c->head;
		c->head = p->next;
		sim_pkt_free(p);
	}
	memset(c, 0, sizeof *c);
}
