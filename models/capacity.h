/* capacity.h: a packet processor with finite capacity: the CPU of a gateway instance, or the
 * core that serves one tunnel. Packets wait in one FIFO queue (drop-tail, in bytes) and are
 * served one at a time; a packet of b bytes takes max(b*8/rate_bps, 1/rate_pps) seconds, so
 * large packets are bounded by bit/s and small ones by packets/s, as the measured per-tunnel
 * figures of azure-facts.md §7 are. Overload emerges as queueing delay and then drops.
 *
 * One event per packet (its service completion); nothing allocated per packet. */
#ifndef MODELS_CAPACITY_H
#define MODELS_CAPACITY_H

#include <stdint.h>

#include "sim/pkt.h"
#include "sim/sim.h"
#include "sim/stats.h"

/* Called when a packet has been served; takes ownership of pkt. */
typedef void (*cap_done_fn)(void *ctx, struct sim_pkt *pkt);

struct cap_server {
	struct sim *sim;
	uint64_t rate_bps;          /* 0: no bit-rate limit */
	uint32_t rate_pps;          /* 0: no packet-rate limit */
	uint64_t queue_limit_bytes; /* bytes waiting (the packet in service not counted) */
	cap_done_fn done;
	void *done_ctx;
	struct sim_pkt *head, *tail; /* head is in service when busy */
	bool busy;
	uint64_t waiting_bytes;
	uint64_t *c_packets, *c_bytes, *c_drop_queue, *c_busy_ns;
};

/* Counters cap/<name>/{packets, bytes, drop_queue, busy_ns} (busy_ns / elapsed = utilisation). */
void cap_server_init(struct cap_server *c, struct sim *sim, struct sim_stats *st, const char *name,
		     uint64_t rate_bps, uint32_t rate_pps, uint64_t queue_limit_bytes, cap_done_fn done,
		     void *done_ctx);

/* Drops every packet waiting or in service (e.g. the instance failed). Counted as queue drops. */
void cap_server_flush(struct cap_server *c);

/* Destroys the server, freeing queued packets. A completion event still pending must not run
 * afterwards: destroy the simulation's events first, or flush before. */
void cap_server_destroy(struct cap_server *c);

/* Queues pkt (takes it). False when it was dropped because the queue is full. */
bool cap_server_submit(struct cap_server *c, struct sim_pkt *pkt);

/* Service time of a packet of `bytes` bytes. */
sim_time cap_service_time(const struct cap_server *c, uint32_t bytes);

#endif
