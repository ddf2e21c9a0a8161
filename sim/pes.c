/* pes.c: radix heap with FIFO buckets (see pes.h for why). */
#include "sim/pes.h"

#include <glib.h>
#include <string.h>

void sim_pes_init(struct sim_pes *q)
{
	memset(q, 0, sizeof *q);
}

void sim_pes_clear(struct sim_pes *q)
{
	for (int i = 0; i < 65; i++)
		g_free(q->b[i].v);
	sim_pes_init(q);
}

static inline unsigned bucket_of(uint64_t key, uint64_t last)
{
	uint64_t x = key ^ last;
	return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
}

static void bucket_grow(struct sim_pes *q, struct sim_pes_bucket *b)
{
	q->grows++;
	b->cap = b->cap ? b->cap * 2 : 64;
	b->v = g_renew(struct sim_pes_entry, b->v, b->cap);
}

static inline void bucket_append(struct sim_pes *q, unsigned bi, uint64_t key, uint32_t idx)
{
	struct sim_pes_bucket *b = &q->b[bi];
	if (G_UNLIKELY(b->n == b->cap))
		bucket_grow(q, b);
	b->v[b->n].key = key;
	b->v[b->n].idx = idx;
	b->n++;
	if (bi)
		q->nonempty |= UINT64_C(1) << (bi - 1);
}

void sim_pes_push(struct sim_pes *q, uint64_t key, uint32_t idx)
{
	bucket_append(q, bucket_of(key, q->last), key, idx);
	q->size++;
}

/* Makes bucket 0 non-empty by spilling the lowest non-empty bucket. Returns false when empty. */
static bool refill0(struct sim_pes *q)
{
	struct sim_pes_bucket *b0 = &q->b[0];
	if (b0->n > q->head0)
		return true;
	b0->n = 0;
	q->head0 = 0;
	if (!q->nonempty)
		return false;
	unsigned bi = 1u + (unsigned)__builtin_ctzll(q->nonempty);
	struct sim_pes_bucket *b = &q->b[bi];
	uint64_t min = b->v[0].key;
	for (uint32_t i = 1; i < b->n; i++)
		if (b->v[i].key < min)
			min = b->v[i].key;
	q->last = min;
	/* Every entry lands in a lower bucket, in its original order: FIFO among equals holds. */
	for (uint32_t i = 0; i < b->n; i++)
		bucket_append(q, bucket_of(b->v[i].key, min), b->v[i].key, b->v[i].idx);
	b->n = 0;
	q->nonempty &= ~(UINT64_C(1) << (bi - 1));
	return true;
}

bool sim_pes_peek(struct sim_pes *q, uint64_t *key)
{
	if (!refill0(q))
		return false;
	*key = q->last;
	return true;
}

uint32_t sim_pes_pop(struct sim_pes *q, uint64_t *key)
{
	bool ok = refill0(q);
	g_assert(ok);
	struct sim_pes_bucket *b0 = &q->b[0];
	uint32_t idx = b0->v[q->head0++].idx;
	*key = q->last;
	q->size--;
	return idx;
}

void sim_pes_filter(struct sim_pes *q, bool (*keep)(void *ctx, uint32_t idx), void *ctx)
{
	for (unsigned bi = 0; bi < 65; bi++) {
		struct sim_pes_bucket *b = &q->b[bi];
		uint32_t from = bi == 0 ? q->head0 : 0, to = 0;
		for (uint32_t i = from; i < b->n; i++)
			if (keep(ctx, b->v[i].idx))
				b->v[to++] = b->v[i];
		q->size -= b->n - from - to;
		b->n = to;
		if (bi == 0)
			q->head0 = 0;
		else if (to == 0)
			q->nonempty &= ~(UINT64_C(1) << (bi - 1));
	}
}
