/* pes_alt.h: pending-event sets the engine's radix heap (sim/pes.h) is measured against in
 * bench/pes_hold: an implicit binary heap and a 4-ary heap on (time, insertion sequence) keys,
 * Brown's calendar queue (1988) with resizing, a ladder queue (Tang, Goh and Thng, 2005), and a
 * radix heap with 1-bit digits (the engine's first structure). All hold struct sim_pes_entry by value, as the engine does, and pop equal
 * keys in insertion order. Push keys must be >= the last key popped (monotone time). */
#ifndef BENCH_PES_ALT_H
#define BENCH_PES_ALT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/pes.h"

/* ---- Implicit d-ary heaps (d = 2 or 4) with a sequence number breaking ties ---- */

struct alt_heap_item {
	struct sim_pes_entry e;
	uint64_t seq;
};

struct alt_heap {
	struct alt_heap_item *v;
	size_t n;
	size_t cap;
	uint64_t next_seq;
};

void alt_heap_init(struct alt_heap *h, size_t hint);
void alt_heap_destroy(struct alt_heap *h);
void alt_heap_grow(struct alt_heap *h);

static inline bool alt_heap_less(const struct alt_heap_item *a, const struct alt_heap_item *b)
{
	return a->e.key < b->e.key || (a->e.key == b->e.key && a->seq < b->seq);
}

/* Sift-up with a hole, for arity 2 or 4. */
static inline void alt_dheap_push(struct alt_heap *h, const struct sim_pes_entry *e, unsigned arity)
{
	if (__builtin_expect(h->n == h->cap, 0))
		alt_heap_grow(h);
	struct alt_heap_item it = { *e, h->next_seq++ };
	size_t i = h->n++;
	while (i > 0) {
		size_t p = (i - 1) / arity;
		if (!alt_heap_less(&it, &h->v[p]))
			break;
		h->v[i] = h->v[p];
		i = p;
	}
	h->v[i] = it;
}

/* Sift-down of the last item from the root, with a hole, for arity 2 or 4. */
static inline bool alt_dheap_pop(struct alt_heap *h, struct sim_pes_entry *out, unsigned arity)
{
	if (h->n == 0)
		return false;
	*out = h->v[0].e;
	struct alt_heap_item last = h->v[--h->n];
	size_t n = h->n, i = 0;
	for (;;) {
		size_t c = arity * i + 1;
		if (c >= n)
			break;
		size_t end = c + arity < n ? c + arity : n;
		size_t m = c;
		for (size_t k = c + 1; k < end; k++)
			if (alt_heap_less(&h->v[k], &h->v[m]))
				m = k;
		if (!alt_heap_less(&h->v[m], &last))
			break;
		h->v[i] = h->v[m];
		i = m;
	}
	h->v[i] = last;
	return true;
}

/* ---- Calendar queue (R. Brown, CACM 31(10), 1988) ----
 * Buckets of width `width` ns, nb of them (a power of two), each a list sorted by key and
 * scanned from its head on insertion (a new entry goes after equal keys). The calendar doubles
 * when the size exceeds 2 nb and halves below nb / 2; the new width is three times the mean
 * separation of up to 25 entries from the front, ignoring separations above twice the mean. */

struct alt_calq_node {
	struct sim_pes_entry e;
	struct alt_calq_node *next;
};

struct alt_calq {
	struct alt_calq_node **bucket;
	uint32_t nb;
	uint64_t width;
	uint64_t last_key;  /* key of the last entry popped */
	uint32_t last_b;    /* bucket of last_key */
	uint64_t bucket_top; /* end of last_b's interval in the current year */
	size_t size;
	bool resize_enabled;
	struct alt_calq_node *free;
	struct alt_calq_node **slabs;
	size_t n_slabs;
	uint64_t resizes;
};

void alt_calq_init(struct alt_calq *q, size_t hint);
void alt_calq_destroy(struct alt_calq *q);
void alt_calq_push(struct alt_calq *q, const struct sim_pes_entry *e);
bool alt_calq_pop(struct alt_calq *q, struct sim_pes_entry *out);

/* ---- Ladder queue (W. T. Tang, R. S. M. Goh, I. L.-J. Thng, ACM TOMACS 15(3), 2005) ----
 * Top: an unsorted list of far-future entries (key >= top_start). Rungs: arrays of unsorted
 * FIFO buckets, the first made from Top when the rest is empty, each further one spawned from
 * a bucket of the rung above holding more than LADDER_THRES entries. Bottom: a sorted list
 * that the next bucket is moved into (stable merge sort) when it is small enough. Equal keys
 * always land in the same list and keep their order, so they leave in insertion order. This
 * version does not spawn rungs from an overfull Bottom (entries inserted there directly), but
 * appends to Bottom in O(1) when the key is >= its last one. */

#define ALT_LADDER_RUNGS 8

struct alt_lq_node {
	struct sim_pes_entry e;
	struct alt_lq_node *next;
};

struct alt_lq_list {
	struct alt_lq_node *head;
	struct alt_lq_node *tail;
	size_t n;
};

struct alt_lq_rung {
	struct alt_lq_list *bucket;
	size_t cap; /* buckets allocated (reused from one spawn to the next) */
	size_t nb;  /* buckets in use */
	size_t cur; /* first bucket not yet consumed: keys below start + cur * width go lower */
	uint64_t start;
	uint64_t width;
};

struct alt_ladder {
	struct alt_lq_list top;
	uint64_t top_min, top_max, top_start;
	struct alt_lq_rung rung[ALT_LADDER_RUNGS];
	unsigned nrung;
	struct alt_lq_node *bottom; /* sorted; a new entry goes after equal keys */
	struct alt_lq_node *bottom_tail;
	size_t size;
	struct alt_lq_node *free;
	struct alt_lq_node **slabs;
	size_t n_slabs;
};

void alt_ladder_init(struct alt_ladder *q, size_t hint);
void alt_ladder_destroy(struct alt_ladder *q);
void alt_ladder_push(struct alt_ladder *q, const struct sim_pes_entry *e);
bool alt_ladder_pop(struct alt_ladder *q, struct sim_pes_entry *out);

/* ---- Radix heap with 1-bit digits (65 buckets of growable arrays; bucket 0 FIFO) ---- */

struct alt_radix2_bucket {
	struct sim_pes_entry *v;
	uint32_t n;
	uint32_t cap;
};

struct alt_radix2 {
	uint64_t last;
	uint64_t nonempty; /* bit b-1 set when bucket b (1..64) has entries */
	uint32_t head0;
	size_t size;
	struct alt_radix2_bucket b[65];
};

void alt_radix2_init(struct alt_radix2 *q, size_t hint);
void alt_radix2_destroy(struct alt_radix2 *q);
void alt_radix2_push(struct alt_radix2 *q, const struct sim_pes_entry *e);
bool alt_radix2_pop(struct alt_radix2 *q, struct sim_pes_entry *out);

#endif
