/* pkt.h: packet buffers with head- and tailroom, recycled through a pool.
 *
 * A packet's bytes are buf[off .. off+len); off bytes of headroom sit before them (so IP, UDP and
 * ESP headers can be prepended in place) and cap-off-len bytes of tailroom after (ESP trailer and
 * ICV). Buffers come from a pool and go back to it: no allocation per packet once warm. */
#ifndef SIM_PKT_H
#define SIM_PKT_H

#include <glib.h>
#include <stdint.h>

#include "sim/time.h"

struct sim_pkt_pool;

struct sim_pkt {
	struct sim_pkt *next; /* for whoever holds the packet (queues), and the pool's free list */
	struct sim_pkt_pool *pool;
	uint8_t *buf;
	uint32_t cap;
	uint32_t off;
	uint32_t len;
	uint32_t flow_id;   /* measurement tag set by a traffic source (0: none) */
	uint64_t uid;       /* unique per pool, in allocation order */
	uint64_t flow_seq;  /* sequence number within the flow */
	sim_time t_origin;  /* when the source created it (for one-way delay) */
	uint64_t user;      /* free for the current holder (e.g. a link epoch) */
};

struct sim_pkt_pool {
	uint32_t buf_size;       /* bytes per buffer */
	uint32_t headroom;       /* default headroom of a fresh packet */
	struct sim_pkt *free_list;
	uint64_t next_uid;
	uint64_t allocated;      /* buffers ever created */
	uint64_t in_use;
	GPtrArray *all;          /* every buffer, freed when the pool is destroyed */
};

/* buf_size bytes per buffer with `headroom` of them in front of a fresh packet's data. */
void sim_pkt_pool_init(struct sim_pkt_pool *pool, uint32_t buf_size, uint32_t headroom);
void sim_pkt_pool_destroy(struct sim_pkt_pool *pool);

/* An empty packet (len 0, the pool's headroom). Never fails. */
struct sim_pkt *sim_pkt_alloc(struct sim_pkt_pool *pool);

/* Returns the packet to its pool. NULL is allowed. */
void sim_pkt_free(struct sim_pkt *p);

/* A copy of p's bytes and metadata (new uid) with the same headroom. */
struct sim_pkt *sim_pkt_clone(const struct sim_pkt *p);

static inline uint8_t *sim_pkt_data(const struct sim_pkt *p) { return p->buf + p->off; }
static inline uint32_t sim_pkt_headroom(const struct sim_pkt *p) { return p->off; }
static inline uint32_t sim_pkt_tailroom(const struct sim_pkt *p) { return p->cap - p->off - p->len; }

/* Prepends n bytes (headroom must allow it) and returns a pointer to them. */
static inline uint8_t *sim_pkt_push(struct sim_pkt *p, uint32_t n)
{
	g_assert(n <= p->off);
	p->off -= n;
	p->len += n;
	return p->buf + p->off;
}

/* Removes n bytes from the front (n <= len); returns the new start. */
static inline uint8_t *sim_pkt_pull(struct sim_pkt *p, uint32_t n)
{
	g_assert(n <= p->len);
	p->off += n;
	p->len -= n;
	return p->buf + p->off;
}

/* Appends n bytes (tailroom must allow it) and returns a pointer to them. */
static inline uint8_t *sim_pkt_put(struct sim_pkt *p, uint32_t n)
{
	g_assert(n <= sim_pkt_tailroom(p));
	uint8_t *t = p->buf + p->off + p->len;
	p->len += n;
	return t;
}

/* Cuts the packet to len bytes (len <= current length). */
static inline void sim_pkt_trim(struct sim_pkt *p, uint32_t len)
{
	g_assert(len <= p->len);
	p->len = len;
}

#endif
