/* pes.c: the radix heap's slow paths: chunks, spilling a bucket to lower levels, peek and
 * compaction (see pes.h for the structure and why). */
#include "sim/pes.h"

#include <glib.h>
#include <string.h>

void sim_pes_init(struct sim_pes *q)
{
	memset(q, 0, sizeof *q);
	q->b = g_new0(struct sim_pes_bucket, SIM_PES_BUCKETS);
	for (unsigned i = 0; i < SIM_PES_BUCKETS; i++)
		q->b[i].tail_n = SIM_PES_CHUNK;
}

void sim_pes_clear(struct sim_pes *q)
{
	while (q->all) {
		struct sim_pes_chunk *c = q->all;
		q->all = c->all;
		g_free(c);
	}
	g_free(q->b);
	memset(q, 0, sizeof *q);
}

/* Gives bucket b a new empty tail chunk. */
void sim_pes_new_chunk(struct sim_pes *q, struct sim_pes_bucket *b)
{
	struct sim_pes_chunk *c = q->free;
	if (c) {
		q->free = c->next;
	} else {
		c = g_new(struct sim_pes_chunk, 1);
		c->all = q->all;
		q->all = c;
		q->chunks++;
	}
	c->next = NULL;
	if (b->tail)
		b->tail->next = c;
	else
		b->head = c;
	b->tail = c;
	b->tail_n = 0;
}

static inline void chunk_free(struct sim_pes *q, struct sim_pes_chunk *c)
{
	c->next = q->free;
	q->free = c;
}

static inline void bucket_empty(struct sim_pes *q, unsigned bi)
{
	struct sim_pes_bucket *b = &q->b[bi];
	b->head = b->tail = NULL;
	b->head_i = 0;
	b->tail_n = SIM_PES_CHUNK;
	q->words[bi >> 6] &= ~(UINT64_C(1) << (bi & 63));
	if (q->words[bi >> 6] == 0)
		q->summary &= ~(UINT32_C(1) << (bi >> 6));
}

/* The head chunk of level-0 bucket bi has been read to its end: drop it. */
void sim_pes_next_chunk(struct sim_pes *q, unsigned bi)
{
	struct sim_pes_bucket *b = &q->b[bi];
	struct sim_pes_chunk *c = b->head;
	if (c == b->tail) {
		chunk_free(q, c);
		bucket_empty(q, bi);
		return;
	}
	b->head = c->next;
	b->head_i = 0;
	chunk_free(q, c);
}

static inline uint32_t chunk_end(const struct sim_pes_bucket *b, const struct sim_pes_chunk *c)
{
	return c == b->tail ? b->tail_n : SIM_PES_CHUNK;
}

static uint64_t bucket_min(const struct sim_pes_bucket *b)
{
	uint64_t min = UINT64_MAX;
	uint32_t from = b->head_i;
	for (const struct sim_pes_chunk *c = b->head; c; c = c->next, from = 0)
		for (uint32_t i = from, end = chunk_end(b, c); i < end; i++)
			if (c->v[i].key < min)
				min = c->v[i].key;
	return min;
}

/* Spills bucket bi (the lowest non-empty one, above level 0) into lower levels relative to its
 * minimum, unless that minimum is > limit. Each entry lands below bi's level, in its original
 * order, so equal keys stay in insertion order. */
bool sim_pes_spill(struct sim_pes *q, unsigned bi, uint64_t limit)
{
	struct sim_pes_bucket *b = &q->b[bi];
	uint64_t min = bucket_min(b);
	if (min > limit)
		return false;
	q->last = min;
	struct sim_pes_chunk *c = b->head;
	struct sim_pes_chunk *tail = b->tail;
	uint32_t tail_n = b->tail_n;
	bucket_empty(q, bi);
	while (c) {
		struct sim_pes_chunk *next = c->next;
		uint32_t end = c == tail ? tail_n : SIM_PES_CHUNK;
		for (uint32_t i = 0; i < end; i++)
			sim_pes_append(q, sim_pes_bucket_of(c->v[i].key, min), &c->v[i]);
		q->moves += end;
		chunk_free(q, c); /* read to its end: the appends above may reuse it from now on */
		c = next;
	}
	return true; /* the minimum itself is now at level 0, in the lowest bucket there */
}

bool sim_pes_peek(const struct sim_pes *q, uint64_t *key)
{
	if (q->summary == 0)
		return false;
	*key = bucket_min(&q->b[sim_pes_lowest(q)]);
	return true;
}

void sim_pes_rebase(struct sim_pes *q, uint64_t floor)
{
	if (q->summary == 0)
		q->last = floor;
}

void sim_pes_filter(struct sim_pes *q, bool (*keep)(void *ctx, const struct sim_pes_entry *e), void *ctx)
{
	for (unsigned bi = 0; bi < SIM_PES_BUCKETS; bi++) {
		struct sim_pes_bucket *b = &q->b[bi];
		if (!b->head)
			continue;
		struct sim_pes_chunk *c = b->head;
		struct sim_pes_chunk *tail = b->tail;
		uint32_t tail_n = b->tail_n;
		uint32_t from = b->head_i;
		bucket_empty(q, bi);
		/* Re-append what is kept: a chunk goes back to the free list only once read. */
		while (c) {
			struct sim_pes_chunk *next = c->next;
			uint32_t end = c == tail ? tail_n : SIM_PES_CHUNK;
			for (uint32_t i = from; i < end; i++) {
				if (keep(ctx, &c->v[i]))
					sim_pes_append(q, bi, &c->v[i]);
				else
					q->size--;
			}
			chunk_free(q, c);
			c = next;
			from = 0;
		}
	}
}
