/* pes.h: the engine's pending-event set: a radix heap over monotone 64-bit timestamps whose
 * buckets are FIFO, so that entries with equal timestamps leave in insertion order.
 *
 * Why a radix heap: simulated time never goes backwards, so every key pushed is >= the last key
 * popped. An entry sits in bucket b = 1 + index of the highest bit in which it differs from the
 * last popped key (bucket 0: equal to it). A push is O(1); a pop empties the lowest non-empty
 * bucket into lower ones, so each entry moves at most 64 times and in practice a handful.
 * docs/performance.md compares it with binary and 4-ary heaps and a calendar queue. */
#ifndef SIM_PES_H
#define SIM_PES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sim_pes_entry {
	uint64_t key;
	uint32_t idx; /* caller's payload, here an event slot */
	uint32_t pad;
};

struct sim_pes_bucket {
	struct sim_pes_entry *v;
	uint32_t n;
	uint32_t cap;
};

struct sim_pes {
	uint64_t last;                 /* the last key popped (or 0) */
	uint64_t nonempty;             /* bit b-1 set when bucket b (1..64) has entries */
	uint32_t head0;                /* FIFO read position in bucket 0 */
	size_t size;                   /* entries held, including ones the caller has abandoned */
	uint64_t grows;                /* bucket reallocations so far (rare once warmed up) */
	struct sim_pes_bucket b[65];
};

void sim_pes_init(struct sim_pes *q);
void sim_pes_clear(struct sim_pes *q);

/* key must be >= the last key popped (time is monotone); the engine asserts this. */
void sim_pes_push(struct sim_pes *q, uint64_t key, uint32_t idx);

/* The smallest key (earliest inserted among equals) without removing it. false when empty. */
bool sim_pes_peek(struct sim_pes *q, uint64_t *key);

/* Removes the entry sim_pes_peek would show. The set must not be empty. */
uint32_t sim_pes_pop(struct sim_pes *q, uint64_t *key);

/* Drops, in place and keeping the order of the rest, every entry for which keep() says false. */
void sim_pes_filter(struct sim_pes *q, bool (*keep)(void *ctx, uint32_t idx), void *ctx);

static inline size_t sim_pes_size(const struct sim_pes *q) { return q->size; }

#endif
