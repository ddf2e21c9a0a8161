/* pkt.c: the packet pool. */
#include "sim/pkt.h"

#include <string.h>

void sim_pkt_pool_init(struct sim_pkt_pool *pool, uint32_t buf_size, uint32_t headroom)
{
	g_assert(headroom < buf_size);
	memset(pool, 0, sizeof *pool);
	pool->buf_size = buf_size;
	pool->headroom = headroom;
	pool->all = g_ptr_array_new_with_free_func(g_free);
}

void sim_pkt_pool_destroy(struct sim_pkt_pool *pool)
{
	if (pool->all)
		g_ptr_array_free(pool->all, TRUE);
	memset(pool, 0, sizeof *pool);
}

struct sim_pkt *sim_pkt_alloc(struct sim_pkt_pool *pool)
{
	struct sim_pkt *p = pool->free_list;
	if (p) {
		pool->free_list = p->next;
	} else {
		/* The header and its buffer in one block. */
		p = g_malloc(sizeof *p + pool->buf_size);
		p->buf = (uint8_t *)(p + 1);
		p->cap = pool->buf_size;
		p->pool = pool;
		g_ptr_array_add(pool->all, p);
		pool->allocated++;
	}
	p->next = NULL;
	p->off = pool->headroom;
	p->len = 0;
	p->flow_id = 0;
	p->flow_seq = 0;
	p->t_origin = 0;
	p->user = 0;
	p->uid = pool->next_uid++;
	pool->in_use++;
	return p;
}

void sim_pkt_free(struct sim_pkt *p)
{
	if (!p)
		return;
	struct sim_pkt_pool *pool = p->pool;
	g_assert(pool->in_use > 0);
	pool->in_use--;
	p->next = pool->free_list;
	pool->free_list = p;
}

struct sim_pkt *sim_pkt_clone(const struct sim_pkt *p)
{
	struct sim_pkt *c = sim_pkt_alloc(p->pool);
	c->off = p->off;
	c->len = p->len;
	memcpy(c->buf + c->off, p->buf + p->off, p->len);
	c->flow_id = p->flow_id;
	c->flow_seq = p->flow_seq;
	c->t_origin = p->t_origin;
	c->user = p->user;
	return c;
}
