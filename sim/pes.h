/* pes.h: the engine's pending-event set: a radix heap over monotone 64-bit timestamps with
 * 8-bit digits (8 levels of 256 FIFO buckets), whose entries carry the whole event so that
 * running one never touches memory elsewhere.
 *
 * Why: simulated time never goes backwards, so every key pushed is >= the last key popped
 * (`last`). An entry sits at level l = the highest byte in which its key differs from `last`, in
 * bucket d = its key's byte l. Every key at a lower level is smaller than every key at a higher
 * one, and at one level a lower digit means a smaller key; a level-0 bucket holds one key value.
 * A push is O(1) (an append). A pop takes the front of the lowest level-0 bucket; when level 0
 * is empty it first spills the lowest bucket of the lowest level into lower levels relative to
 * that bucket's minimum (a bucket of one entry is popped directly), so an entry moves at most 7
 * times and for delays of about a millisecond in nanoseconds about twice. Equal keys always share
 * a bucket and moves keep their order, so equal timestamps leave in insertion order.
 * docs/performance.md compares it with binary and 4-ary heaps, a calendar queue, a ladder queue
 * and a 1-bit radix heap (bench/pes_hold). */
#ifndef SIM_PES_H
#define SIM_PES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim;

/* An event handler: ctx and arg are what was given to sim_schedule_*. */
typedef void (*sim_event_fn)(struct sim *sim, void *ctx, uint64_t arg);

/* One pending event, stored by value (40 bytes). */
struct sim_pes_entry {
	uint64_t key; /* time in ns */
	sim_event_fn fn;
	void *ctx;
	uint64_t arg;
	uint32_t slot; /* the engine's cancellation slot and its generation at scheduling time */
	uint32_t gen;
};

/* Buckets are FIFO chains of fixed-size chunks taken from one free list, so the room the set
 * holds follows the number of pending entries, not the sum of every bucket's high-water mark. */
#define SIM_PES_CHUNK 64

struct sim_pes_chunk {
	struct sim_pes_chunk *next; /* in its bucket, or in the free list */
	struct sim_pes_chunk *all;  /* every chunk allocated, for sim_pes_clear */
	struct sim_pes_entry v[SIM_PES_CHUNK];
};

struct sim_pes_bucket {
	struct sim_pes_chunk *head; /* NULL when empty */
	struct sim_pes_chunk *tail;
	uint32_t head_i; /* next entry to pop in head (level 0 only; 0 elsewhere) */
	uint32_t tail_n; /* entries in tail; SIM_PES_CHUNK when empty, so a push takes a chunk */
};

#define SIM_PES_LEVELS 8
#define SIM_PES_DIGITS 256
#define SIM_PES_BUCKETS (SIM_PES_LEVELS * SIM_PES_DIGITS)

struct sim_pes {
	uint64_t last;                        /* the last key popped (or the minimum being spilled) */
	uint32_t summary;                     /* bit w set when words[w] != 0 */
	uint64_t words[SIM_PES_BUCKETS / 64]; /* bit of bucket i: words[i / 64] bit i % 64 */
	size_t size;                          /* entries held, including abandoned ones */
	struct sim_pes_chunk *free;           /* chunks not in any bucket */
	struct sim_pes_chunk *all;            /* every chunk allocated */
	uint64_t chunks;                      /* chunks allocated so far (stops growing when warm) */
	uint64_t moves;                       /* entries moved to a lower level so far */
	struct sim_pes_bucket *b;             /* SIM_PES_BUCKETS; (level l, digit d) is b[l * 256 + d] */
};

/* Makes an empty set (allocating its bucket table); sim_pes_clear frees everything. */
void sim_pes_init(struct sim_pes *q);
void sim_pes_clear(struct sim_pes *q);

/* Internal: slow paths of the inline functions below. */
void sim_pes_new_chunk(struct sim_pes *q, struct sim_pes_bucket *b);
void sim_pes_next_chunk(struct sim_pes *q, unsigned bi);
bool sim_pes_spill(struct sim_pes *q, unsigned bi, uint64_t limit);

static inline unsigned sim_pes_bucket_of(uint64_t key, uint64_t last)
{
	uint64_t x = key ^ last;
	unsigned level = x ? (63u - (unsigned)__builtin_clzll(x)) >> 3 : 0u;
	return level * SIM_PES_DIGITS + (unsigned)((key >> (8 * level)) & 0xffu);
}

static inline void sim_pes_append(struct sim_pes *q, unsigned bi, const struct sim_pes_entry *e)
{
	struct sim_pes_bucket *b = &q->b[bi];
	if (__builtin_expect(b->tail_n == SIM_PES_CHUNK, 0))
		sim_pes_new_chunk(q, b);
	b->tail->v[b->tail_n++] = *e;
	q->words[bi >> 6] |= UINT64_C(1) << (bi & 63);
	q->summary |= UINT32_C(1) << (bi >> 6);
}

/* Adds an entry. e->key must be >= the last key popped (time is monotone; the engine asserts
 * it against its clock, which never trails that key). */
static inline void sim_pes_push(struct sim_pes *q, const struct sim_pes_entry *e)
{
	sim_pes_append(q, sim_pes_bucket_of(e->key, q->last), e);
	q->size++;
}

/* The lowest non-empty bucket; the set must not be empty. */
static inline unsigned sim_pes_lowest(const struct sim_pes *q)
{
	unsigned w = (unsigned)__builtin_ctz(q->summary);
	return w * 64 + (unsigned)__builtin_ctzll(q->words[w]);
}

/* Removes the entry with the smallest key (the earliest pushed among equals) into *out when
 * its key is <= limit. Returns false, changing nothing, when the set is empty or its smallest
 * key is > limit. */
static inline bool sim_pes_pop_le(struct sim_pes *q, uint64_t limit, struct sim_pes_entry *out)
{
	if (__builtin_expect(q->summary == 0, 0))
		return false;
	unsigned bi = sim_pes_lowest(q);
	struct sim_pes_bucket *b = &q->b[bi];
	/* Above level 0, a bucket of one entry holds the minimum: take it without moving it. */
	if (bi >= SIM_PES_DIGITS && !(b->head == b->tail && b->tail_n == 1)) {
		if (!sim_pes_spill(q, bi, limit))
			return false;
		bi = sim_pes_lowest(q);
		b = &q->b[bi];
	}
	const struct sim_pes_entry *e = &b->head->v[b->head_i];
	if (e->key > limit)
		return false;
	*out = *e;
	q->last = e->key;
	q->size--;
	if (++b->head_i == (b->head == b->tail ? b->tail_n : SIM_PES_CHUNK))
		sim_pes_next_chunk(q, bi);
	return true;
}

/* The smallest key without removing anything (it may scan one bucket). false when empty. */
bool sim_pes_peek(const struct sim_pes *q, uint64_t *key);

/* When the set is empty, lets keys from `floor` on be pushed again (the engine calls it when
 * the last entry popped was a cancelled one beyond its clock). */
void sim_pes_rebase(struct sim_pes *q, uint64_t floor);

/* Drops, in place and keeping the order of the rest, every entry for which keep() says false. */
void sim_pes_filter(struct sim_pes *q, bool (*keep)(void *ctx, const struct sim_pes_entry *e), void *ctx);

static inline size_t sim_pes_size(const struct sim_pes *q) { return q->size; }

#endif
