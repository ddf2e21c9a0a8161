/* pes_alt.c: the alternative pending-event sets of bench/pes_hold (see pes_alt.h). */
#include "bench/pes_alt.h"

#include <glib.h>
#include <string.h>

/* ---- d-ary heaps ---- */

void alt_heap_init(struct alt_heap *h, size_t hint)
{
	memset(h, 0, sizeof *h);
	h->cap = hint ? hint : 16;
	h->v = g_new(struct alt_heap_item, h->cap);
}

void alt_heap_destroy(struct alt_heap *h)
{
	g_free(h->v);
	memset(h, 0, sizeof *h);
}

void alt_heap_grow(struct alt_heap *h)
{
	h->cap *= 2;
	h->v = g_renew(struct alt_heap_item, h->v, h->cap);
}

/* ---- calendar queue ---- */

#define CALQ_SLAB 4096

static struct alt_calq_node *calq_node(struct alt_calq *q)
{
	if (!q->free) {
		struct alt_calq_node *s = g_new(struct alt_calq_node, CALQ_SLAB);
		q->slabs = g_renew(struct alt_calq_node *, q->slabs, q->n_slabs + 1);
		q->slabs[q->n_slabs++] = s;
		for (size_t i = 0; i < CALQ_SLAB; i++) {
			s[i].next = q->free;
			q->free = &s[i];
		}
	}
	struct alt_calq_node *n = q->free;
	q->free = n->next;
	return n;
}

static void calq_local_init(struct alt_calq *q, uint32_t nb, uint64_t width, uint64_t start)
{
	q->bucket = g_new0(struct alt_calq_node *, nb);
	q->nb = nb;
	q->width = width;
	q->last_key = start;
	q->last_b = (uint32_t)((start / width) & (nb - 1));
	q->bucket_top = (start / width + 1) * width;
}

void alt_calq_init(struct alt_calq *q, size_t hint)
{
	(void)hint;
	memset(q, 0, sizeof *q);
	calq_local_init(q, 2, 1, 0);
	q->resize_enabled = true;
}

void alt_calq_destroy(struct alt_calq *q)
{
	for (size_t i = 0; i < q->n_slabs; i++)
		g_free(q->slabs[i]);
	g_free(q->slabs);
	g_free(q->bucket);
	memset(q, 0, sizeof *q);
}

/* Inserts n into its bucket after every entry with a key <= its key (before_equal: before
 * entries with an equal key instead, to put back entries taken from the front). */
static void calq_insert(struct alt_calq *q, struct alt_calq_node *n, bool before_equal)
{
	struct alt_calq_node **p = &q->bucket[(n->e.key / q->width) & (q->nb - 1)];
	if (before_equal)
		while (*p && (*p)->e.key < n->e.key)
			p = &(*p)->next;
	else
		while (*p && (*p)->e.key <= n->e.key)
			p = &(*p)->next;
	n->next = *p;
	*p = n;
	q->size++;
}

static struct alt_calq_node *calq_take(struct alt_calq *q, uint32_t i)
{
	struct alt_calq_node *n = q->bucket[i];
	q->bucket[i] = n->next;
	q->size--;
	q->last_b = i;
	q->last_key = n->e.key;
	return n;
}

/* Removes the node with the smallest key (first among equals). The queue must not be empty. */
static struct alt_calq_node *calq_dequeue(struct alt_calq *q)
{
	uint32_t i = q->last_b;
	for (uint32_t k = 0; k < q->nb; k++) {
		struct alt_calq_node *n = q->bucket[i];
		if (n && n->e.key < q->bucket_top)
			return calq_take(q, i);
		i = (i + 1) & (q->nb - 1);
		q->bucket_top += q->width;
	}
	/* A whole year without an entry due: direct search for the minimum over bucket heads. */
	uint32_t best = UINT32_MAX;
	for (uint32_t b = 0; b < q->nb; b++)
		if (q->bucket[b] && (best == UINT32_MAX || q->bucket[b]->e.key < q->bucket[best]->e.key))
			best = b;
	struct alt_calq_node *n = calq_take(q, best);
	q->bucket_top = (n->e.key / q->width + 1) * q->width;
	return n;
}

/* Brown's width estimate from up to 25 entries at the front (taken out and put back). */
static uint64_t calq_new_width(struct alt_calq *q)
{
	if (q->size < 2)
		return 1;
	size_t ns = q->size <= 5 ? q->size : 5 + q->size / 10;
	if (ns > 25)
		ns = 25;
	uint64_t saved_key = q->last_key, saved_top = q->bucket_top;
	uint32_t saved_b = q->last_b;
	struct alt_calq_node *taken[25];
	for (size_t i = 0; i < ns; i++)
		taken[i] = calq_dequeue(q);
	double avg = (double)(taken[ns - 1]->e.key - taken[0]->e.key) / (double)(ns - 1);
	double sum = 0;
	size_t cnt = 0;
	for (size_t i = 1; i < ns; i++) {
		double sep = (double)(taken[i]->e.key - taken[i - 1]->e.key);
		if (sep <= 2 * avg) {
			sum += sep;
			cnt++;
		}
	}
	/* Back in reverse order, each before its equals: the original order is restored. */
	for (size_t i = ns; i-- > 0;)
		calq_insert(q, taken[i], true);
	q->last_key = saved_key;
	q->last_b = saved_b;
	q->bucket_top = saved_top;
	uint64_t w = cnt ? (uint64_t)(3.0 * sum / (double)cnt) : 0;
	return w ? w : 1;
}

static void calq_resize(struct alt_calq *q, uint32_t nb)
{
	uint64_t width = calq_new_width(q);
	struct alt_calq_node **old = q->bucket;
	uint32_t old_nb = q->nb;
	size_t size = q->size;
	calq_local_init(q, nb, width, q->last_key);
	q->size = 0;
	/* Equal keys share a bucket, kept in order: re-inserting each after its equals keeps it. */
	for (uint32_t b = 0; b < old_nb; b++) {
		struct alt_calq_node *n = old[b];
		while (n) {
			struct alt_calq_node *next = n->next;
			calq_insert(q, n, false);
			n = next;
		}
	}
	g_assert(q->size == size);
	g_free(old);
	q->resizes++;
}

void alt_calq_push(struct alt_calq *q, const struct sim_pes_entry *e)
{
	struct alt_calq_node *n = calq_node(q);
	n->e = *e;
	calq_insert(q, n, false);
	if (q->resize_enabled && q->size > 2 * (size_t)q->nb)
		calq_resize(q, q->nb * 2);
}

bool alt_calq_pop(struct alt_calq *q, struct sim_pes_entry *out)
{
	if (q->size == 0)
		return false;
	struct alt_calq_node *n = calq_dequeue(q);
	*out = n->e;
	n->next = q->free;
	q->free = n;
	if (q->resize_enabled && q->nb > 2 && q->size < q->nb / 2)
		calq_resize(q, q->nb / 2);
	return true;
}

/* ---- ladder queue ---- */

#define LADDER_THRES 50
#define LADDER_SLAB 4096

static struct alt_lq_node *lq_node(struct alt_ladder *q)
{
	if (!q->free) {
		struct alt_lq_node *s = g_new(struct alt_lq_node, LADDER_SLAB);
		q->slabs = g_renew(struct alt_lq_node *, q->slabs, q->n_slabs + 1);
		q->slabs[q->n_slabs++] = s;
		for (size_t i = 0; i < LADDER_SLAB; i++) {
			s[i].next = q->free;
			q->free = &s[i];
		}
	}
	struct alt_lq_node *n = q->free;
	q->free = n->next;
	return n;
}

static inline void lq_append(struct alt_lq_list *l, struct alt_lq_node *n)
{
	n->next = NULL;
	if (l->tail)
		l->tail->next = n;
	else
		l->head = n;
	l->tail = n;
	l->n++;
}

void alt_ladder_init(struct alt_ladder *q, size_t hint)
{
	(void)hint;
	memset(q, 0, sizeof *q);
}

void alt_ladder_destroy(struct alt_ladder *q)
{
	for (size_t i = 0; i < q->n_slabs; i++)
		g_free(q->slabs[i]);
	g_free(q->slabs);
	for (unsigned r = 0; r < ALT_LADDER_RUNGS; r++)
		g_free(q->rung[r].bucket);
	memset(q, 0, sizeof *q);
}

void alt_ladder_push(struct alt_ladder *q, const struct sim_pes_entry *e)
{
	struct alt_lq_node *n = lq_node(q);
	n->e = *e;
	q->size++;
	uint64_t key = e->key;
	if (key >= q->top_start) {
		if (q->top.n == 0 || key < q->top_min)
			q->top_min = key;
		if (q->top.n == 0 || key > q->top_max)
			q->top_max = key;
		lq_append(&q->top, n);
		return;
	}
	for (unsigned x = 0; x < q->nrung; x++) {
		struct alt_lq_rung *r = &q->rung[x];
		if (key >= r->start + r->cur * r->width) {
			lq_append(&r->bucket[(key - r->start) / r->width], n);
			return;
		}
	}
	n->next = NULL;
	if (!q->bottom) {
		q->bottom = q->bottom_tail = n;
		return;
	}
	if (key >= q->bottom_tail->e.key) {
		q->bottom_tail->next = n;
		q->bottom_tail = n;
		return;
	}
	struct alt_lq_node **p = &q->bottom;
	while ((*p)->e.key <= key)
		p = &(*p)->next;
	n->next = *p;
	*p = n;
}

/* Makes rung x cover [start, start + span) with about `count` buckets, and deals the list
 * `from` into it in order. */
static void lq_spawn(struct alt_ladder *q, unsigned x, uint64_t start, uint64_t span, size_t count,
		     struct alt_lq_node *from)
{
	struct alt_lq_rung *r = &q->rung[x];
	uint64_t width = (span + count - 1) / count;
	if (width == 0)
		width = 1;
	size_t nb = (size_t)((span + width - 1) / width);
	if (nb == 0)
		nb = 1;
	if (nb > r->cap) {
		g_free(r->bucket);
		r->cap = nb;
		r->bucket = g_new(struct alt_lq_list, nb);
	}
	memset(r->bucket, 0, nb * sizeof *r->bucket);
	r->nb = nb;
	r->cur = 0;
	r->start = start;
	r->width = width;
	while (from) {
		struct alt_lq_node *next = from->next;
		lq_append(&r->bucket[(from->e.key - start) / width], from);
		from = next;
	}
}

/* Stable merge sort of a list by key. */
static struct alt_lq_node *lq_sort(struct alt_lq_node *l, size_t n)
{
	if (n < 2)
		return l;
	struct alt_lq_node *mid = l;
	for (size_t i = 1; i < n / 2; i++)
		mid = mid->next;
	struct alt_lq_node *right = mid->next;
	mid->next = NULL;
	struct alt_lq_node *a = lq_sort(l, n / 2), *b = lq_sort(right, n - n / 2);
	struct alt_lq_node *head = NULL, **t = &head;
	while (a && b) {
		if (b->e.key < a->e.key) {
			*t = b;
			b = b->next;
		} else {
			*t = a;
			a = a->next;
		}
		t = &(*t)->next;
	}
	*t = a ? a : b;
	return head;
}

/* Bottom is empty: fill it from the lowest rung, spawning rungs or turning Top into one. */
static void lq_refill(struct alt_ladder *q)
{
	for (;;) {
		if (q->nrung == 0) {
			if (q->top.n == 0)
				return;
			uint64_t span = q->top_max - q->top_min + 1;
			lq_spawn(q, 0, q->top_min, span, q->top.n, q->top.head);
			q->top_start = q->top_min + q->rung[0].nb * q->rung[0].width;
			q->top = (struct alt_lq_list){ 0 };
			q->nrung = 1;
		}
		struct alt_lq_rung *r = &q->rung[q->nrung - 1];
		while (r->cur < r->nb && r->bucket[r->cur].n == 0)
			r->cur++;
		if (r->cur == r->nb) {
			q->nrung--;
			continue;
		}
		struct alt_lq_list l = r->bucket[r->cur];
		uint64_t bstart = r->start + r->cur * r->width;
		r->bucket[r->cur] = (struct alt_lq_list){ 0 };
		r->cur++;
		if (l.n > LADDER_THRES && r->width > 1 && q->nrung < ALT_LADDER_RUNGS) {
			lq_spawn(q, q->nrung, bstart, r->width, l.n, l.head);
			q->nrung++;
			continue;
		}
		q->bottom = lq_sort(l.head, l.n);
		for (q->bottom_tail = q->bottom; q->bottom_tail->next;)
			q->bottom_tail = q->bottom_tail->next;
		return;
	}
}

bool alt_ladder_pop(struct alt_ladder *q, struct sim_pes_entry *out)
{
	if (!q->bottom)
		lq_refill(q);
	struct alt_lq_node *n = q->bottom;
	if (!n)
		return false;
	q->bottom = n->next;
	*out = n->e;
	n->next = q->free;
	q->free = n;
	q->size--;
	return true;
}

/* ---- radix heap with 1-bit digits ---- */

void alt_radix2_init(struct alt_radix2 *q, size_t hint)
{
	(void)hint;
	memset(q, 0, sizeof *q);
}

void alt_radix2_destroy(struct alt_radix2 *q)
{
	for (int i = 0; i < 65; i++)
		g_free(q->b[i].v);
	memset(q, 0, sizeof *q);
}

static inline unsigned radix2_bucket(uint64_t key, uint64_t last)
{
	uint64_t x = key ^ last;
	return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
}

static inline void radix2_append(struct alt_radix2 *q, unsigned bi, const struct sim_pes_entry *e)
{
	struct alt_radix2_bucket *b = &q->b[bi];
	if (G_UNLIKELY(b->n == b->cap)) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->v = g_renew(struct sim_pes_entry, b->v, b->cap);
	}
	b->v[b->n++] = *e;
	if (bi)
		q->nonempty |= UINT64_C(1) << (bi - 1);
}

void alt_radix2_push(struct alt_radix2 *q, const struct sim_pes_entry *e)
{
	radix2_append(q, radix2_bucket(e->key, q->last), e);
	q->size++;
}

bool alt_radix2_pop(struct alt_radix2 *q, struct sim_pes_entry *out)
{
	struct alt_radix2_bucket *b0 = &q->b[0];
	if (b0->n == q->head0) {
		b0->n = q->head0 = 0;
		if (!q->nonempty)
			return false;
		unsigned bi = 1u + (unsigned)__builtin_ctzll(q->nonempty);
		struct alt_radix2_bucket *b = &q->b[bi];
		uint64_t min = b->v[0].key;
		for (uint32_t i = 1; i < b->n; i++)
			if (b->v[i].key < min)
				min = b->v[i].key;
		q->last = min;
		for (uint32_t i = 0; i < b->n; i++)
			radix2_append(q, radix2_bucket(b->v[i].key, min), &b->v[i]);
		b->n = 0;
		q->nonempty &= ~(UINT64_C(1) << (bi - 1));
	}
	*out = b0->v[q->head0++];
	q->size--;
	return true;
}
