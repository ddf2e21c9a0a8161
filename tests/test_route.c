/* test_route.c: longest-prefix match: overlapping prefixes, default route, next-hop resolution,
 * 10,000 host routes with aggregates against a brute-force reference, removal. */
#include "sim/net.h"
#include "sim/rng.h"
#include "tests/cu.h"

#include <time.h>

struct world {
	struct sim sim;
	struct sim_net net;
	struct sim_node *n;
	struct sim_iface *if0, *if1, *if2;
};

static void world_init(struct world *w)
{
	sim_init(&w->sim, 1);
	sim_net_init(&w->net, &w->sim);
	w->n = sim_node_new(&w->net, "r");
	w->if0 = sim_node_add_iface(w->n, SIM_IPV4(192, 0, 2, 1), 30, 1500);
	w->if1 = sim_node_add_iface(w->n, SIM_IPV4(198, 51, 100, 1), 24, 1500);
	w->if2 = sim_node_add_iface(w->n, SIM_IPV4(203, 0, 113, 1), 24, 1500);
}

static void world_destroy(struct world *w)
{
	sim_net_destroy(&w->net);
	sim_destroy(&w->sim);
}

static const struct sim_route *lookup(struct world *w, uint32_t dst)
{
	return sim_route_lookup(w->n, dst);
}

static void test_overlapping_prefixes(void)
{
	struct world w;
	world_init(&w);
	/* three connected routes */
	CU_ASSERT_EQUAL(sim_route_count(w.n), 3);
	CU_ASSERT_PTR_NULL(lookup(&w, SIM_IPV4(10, 1, 2, 3)));

	uint32_t gw0 = SIM_IPV4(192, 0, 2, 2), gw1 = SIM_IPV4(198, 51, 100, 2), gw2 = SIM_IPV4(203, 0, 113, 2);
	CU_ASSERT_TRUE(sim_route_add(w.n, 0, 0, gw0, NULL, NULL));
	CU_ASSERT_TRUE(sim_route_add(w.n, SIM_IPV4(10, 0, 0, 0), 8, gw1, NULL, NULL));
	CU_ASSERT_TRUE(sim_route_add(w.n, SIM_IPV4(10, 1, 0, 0), 16, gw2, NULL, NULL));
	CU_ASSERT_TRUE(sim_route_add(w.n, SIM_IPV4(10, 1, 2, 0), 24, gw1, NULL, NULL));
	/* host bits of the prefix are cleared */
	CU_ASSERT_TRUE(sim_route_add(w.n, SIM_IPV4(10, 1, 2, 3), 32, gw2, NULL, NULL));
	CU_ASSERT_EQUAL(sim_route_count(w.n), 8);

	const struct sim_route *r = lookup(&w, SIM_IPV4(10, 1, 2, 3));
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->plen, 32);
	CU_ASSERT_EQUAL(r->nexthop, gw2);
	CU_ASSERT_PTR_EQUAL(r->iface, w.if2);
	r = lookup(&w, SIM_IPV4(10, 1, 2, 4));
	CU_ASSERT_EQUAL(r->plen, 24);
	CU_ASSERT_PTR_EQUAL(r->iface, w.if1);
	r = lookup(&w, SIM_IPV4(10, 1, 3, 4));
	CU_ASSERT_EQUAL(r->plen, 16);
	CU_ASSERT_PTR_EQUAL(r->iface, w.if2);
	r = lookup(&w, SIM_IPV4(10, 2, 3, 4));
	CU_ASSERT_EQUAL(r->plen, 8);
	CU_ASSERT_EQUAL(r->prefix, SIM_IPV4(10, 0, 0, 0));
	r = lookup(&w, SIM_IPV4(11, 0, 0, 1));
	CU_ASSERT_EQUAL(r->plen, 0);
	CU_ASSERT_PTR_EQUAL(r->iface, w.if0);
	/* a connected network beats the default */
	r = lookup(&w, SIM_IPV4(198, 51, 100, 77));
	CU_ASSERT_EQUAL(r->plen, 24);
	CU_ASSERT_EQUAL(r->nexthop, 0);
	CU_ASSERT_PTR_EQUAL(r->iface, w.if1);
	/* the edges of a prefix */
	CU_ASSERT_EQUAL(lookup(&w, SIM_IPV4(10, 1, 255, 255))->plen, 16);
	CU_ASSERT_EQUAL(lookup(&w, SIM_IPV4(10, 2, 0, 0))->plen, 8);
	CU_ASSERT_EQUAL(lookup(&w, SIM_IPV4(9, 255, 255, 255))->plen, 0);

	/* replacing a route keeps the count */
	CU_ASSERT_TRUE(sim_route_add(w.n, SIM_IPV4(10, 1, 0, 0), 16, gw1, NULL, NULL));
	CU_ASSERT_EQUAL(sim_route_count(w.n), 8);
	CU_ASSERT_PTR_EQUAL(lookup(&w, SIM_IPV4(10, 1, 3, 4))->iface, w.if1);

	/* removal falls back to the next longest */
	CU_ASSERT_TRUE(sim_route_del(w.n, SIM_IPV4(10, 1, 2, 3), 32));
	CU_ASSERT_FALSE(sim_route_del(w.n, SIM_IPV4(10, 1, 2, 3), 32));
	CU_ASSERT_EQUAL(lookup(&w, SIM_IPV4(10, 1, 2, 3))->plen, 24);
	CU_ASSERT_TRUE(sim_route_del(w.n, SIM_IPV4(10, 1, 2, 99), 24)); /* host bits ignored */
	CU_ASSERT_EQUAL(lookup(&w, SIM_IPV4(10, 1, 2, 3))->plen, 16);
	CU_ASSERT_TRUE(sim_route_del(w.n, 0, 0));
	CU_ASSERT_PTR_NULL(lookup(&w, SIM_IPV4(11, 0, 0, 1)));
	CU_ASSERT_EQUAL(sim_route_count(w.n), 5);
	world_destroy(&w);
}

static void test_nexthop_resolution(void)
{
	struct world w;
	world_init(&w);
	GError *err = NULL;
	/* not on a connected network */
	CU_ASSERT_FALSE(sim_route_add(w.n, SIM_IPV4(10, 0, 0, 0), 8, SIM_IPV4(172, 16, 0, 1), NULL, &err));
	CU_ASSERT_PTR_NOT_NULL(err);
	if (err)
		CU_ASSERT_TRUE(g_error_matches(err, SIM_NET_ERROR, SIM_NET_ERROR_NEXTHOP));
	g_clear_error(&err);
	CU_ASSERT_PTR_NULL(lookup(&w, SIM_IPV4(10, 0, 0, 1)));
	/* a next hop reached only through another next hop is refused too */
	CU_ASSERT_TRUE(sim_route_add(w.n, SIM_IPV4(172, 16, 0, 0), 16, SIM_IPV4(192, 0, 2, 2), NULL, NULL));
	CU_ASSERT_FALSE(sim_route_add(w.n, SIM_IPV4(10, 0, 0, 0), 8, SIM_IPV4(172, 16, 0, 1), NULL, &err));
	g_clear_error(&err);
	/* an explicit interface with no next hop: directly connected */
	CU_ASSERT_TRUE(sim_route_add(w.n, SIM_IPV4(10, 0, 0, 0), 8, 0, w.if2, NULL));
	CU_ASSERT_PTR_EQUAL(lookup(&w, SIM_IPV4(10, 9, 9, 9))->iface, w.if2);
	world_destroy(&w);
}

/* The brute-force reference: the longest prefix of routes[0..n) containing dst, or -1. */
struct ref_route {
	uint32_t prefix;
	unsigned plen;
	bool live;
	struct sim_iface *iface;
};

static int ref_lookup(const struct ref_route *routes, int n, uint32_t dst)
{
	int best = -1;
	for (int i = 0; i < n; i++)
		if (routes[i].live && sim_ipv4_in_prefix(dst, routes[i].prefix, routes[i].plen) &&
		    (best < 0 || routes[i].plen > routes[best].plen))
			best = i;
	return best;
}

/* Mean wall-clock nanoseconds of a lookup in n's table over addresses spread through 10/12. */
static double lookup_ns(const struct sim_node *n)
{
	struct timespec t0, t1;
	volatile uint64_t acc = 0;
	const int lookups = 300000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < lookups; i++) {
		const struct sim_route *r = sim_route_lookup(n, SIM_IPV4(10, 0, 0, 0) | ((uint32_t)i * 2654435761u >> 12));
		acc += r ? r->plen : 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / lookups;
}

static void test_ten_thousand_routes(void)
{
	enum { HOSTS = 10000, AGG = 200, TOTAL = HOSTS + AGG + 1 };
	struct world w;
	world_init(&w);
	struct sim_rng rng;
	sim_rng_stream(&rng, 7, "routes");
	static struct ref_route ref[TOTAL];
	struct sim_iface *ifs[3] = { w.if0, w.if1, w.if2 };
	int n = 0;
	ref[n++] = (struct ref_route){ 0, 0, true, w.if0 };
	sim_route_add(w.n, 0, 0, 0, w.if0, NULL);
	/* aggregates /12../24 inside 10.0.0.0/8, then /32 hosts inside 10.0.0.0/12 (many covered by
	 * the aggregates, many not) */
	for (int i = 0; i < AGG; i++) {
		unsigned plen = 12 + sim_rng_below(&rng, 13);
		uint32_t p = (SIM_IPV4(10, 0, 0, 0) | (sim_rng_below(&rng, 1u << 20) << 4)) & sim_ipv4_mask(plen);
		struct sim_iface *ifc = ifs[sim_rng_below(&rng, 3)];
		int dup = 0;
		for (int k = 0; k < n; k++)
			if (ref[k].prefix == p && ref[k].plen == plen) {
				ref[k].iface = ifc;
				dup = 1;
			}
		if (!dup)
			ref[n++] = (struct ref_route){ p, plen, true, ifc };
		sim_route_add(w.n, p, plen, 0, ifc, NULL);
	}
	int first_host = n;
	for (int i = 0; i < HOSTS; i++) {
		uint32_t a = SIM_IPV4(10, 0, 0, 0) | sim_rng_below(&rng, 1u << 20);
		struct sim_iface *ifc = ifs[sim_rng_below(&rng, 3)];
		int dup = 0;
		for (int k = first_host; k < n; k++)
			if (ref[k].prefix == a) {
				ref[k].iface = ifc;
				dup = 1;
				break;
			}
		if (!dup)
			ref[n++] = (struct ref_route){ a, 32, true, ifc };
		sim_route_add(w.n, a, 32, 0, ifc, NULL);
	}
	CU_ASSERT_EQUAL(sim_route_count(w.n), (uint32_t)n + 3); /* + the connected routes */

	/* every host route resolves to itself; random addresses match the reference */
	int bad = 0;
	for (int k = first_host; k < n; k++) {
		const struct sim_route *r = lookup(&w, ref[k].prefix);
		bad += !r || r->plen != 32 || r->iface != ref[k].iface;
	}
	for (int i = 0; i < 5000; i++) {
		uint32_t a = SIM_IPV4(10, 0, 0, 0) | sim_rng_below(&rng, 1u << 20);
		int want = ref_lookup(ref, n, a);
		const struct sim_route *r = lookup(&w, a);
		bad += !r || r->plen != ref[want].plen || r->prefix != ref[want].prefix || r->iface != ref[want].iface;
	}
	CU_ASSERT_EQUAL(bad, 0);

	/* speed: a lookup costs one probe per prefix length present, not per route. Compare with a
	 * table holding one route of each length present (same probes, 300 times fewer routes):
	 * a relative bound, so that slow (sanitizer, valgrind) builds do not matter. */
	struct sim_node *small = sim_node_new(&w.net, "small");
	struct sim_iface *sif = sim_node_add_iface(small, SIM_IPV4(192, 0, 2, 1), 30, 1500);
	for (int k = 0; k < n; k++)
		sim_route_add(small, ref[k].prefix, ref[k].plen, 0, sif, NULL);
	for (int k = 0; k < first_host; k++)
		sim_route_del(small, ref[k].prefix, ref[k].plen);
	for (unsigned plen = 0; plen <= 32; plen++)
		if (w.n->rt.len_mask >> plen & 1)
			sim_route_add(small, SIM_IPV4(10, 0, 0, 0), plen, 0, sif, NULL);
	for (int k = first_host; k < n; k++)
		sim_route_del(small, ref[k].prefix, 32);
	sim_route_add(small, SIM_IPV4(10, 0, 0, 0), 32, 0, sif, NULL);
	CU_ASSERT_EQUAL(small->rt.len_mask, w.n->rt.len_mask);
	CU_ASSERT_TRUE(sim_route_count(small) < 40);
	double ns_big = lookup_ns(w.n), ns_small = lookup_ns(small);
	printf("\n    %u routes: %.0f ns per lookup; %u routes of the same lengths: %.0f ns\n", sim_route_count(w.n),
	       ns_big, sim_route_count(small), ns_small);
	CU_ASSERT_TRUE(ns_big < 25 * ns_small); /* cache misses cost some; a scan would be ~600x */

	/* remove every other host route and a third of the aggregates; compare again */
	for (int k = 1; k < n; k++) {
		if ((k >= first_host && k % 2 == 0) || (k < first_host && k % 3 == 0)) {
			CU_ASSERT_TRUE(sim_route_del(w.n, ref[k].prefix, ref[k].plen));
			ref[k].live = false;
		}
	}
	bad = 0;
	for (int k = first_host; k < n; k++) {
		const struct sim_route *r = lookup(&w, ref[k].prefix);
		int want = ref_lookup(ref, n, ref[k].prefix);
		bad += !r || r->plen != ref[want].plen || r->prefix != ref[want].prefix;
	}
	for (int i = 0; i < 5000; i++) {
		uint32_t a = SIM_IPV4(10, 0, 0, 0) | sim_rng_below(&rng, 1u << 20);
		int want = ref_lookup(ref, n, a);
		const struct sim_route *r = lookup(&w, a);
		bad += !r || r->plen != ref[want].plen || r->prefix != ref[want].prefix;
	}
	CU_ASSERT_EQUAL(bad, 0);

	world_destroy(&w);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "lpm: overlapping /8 /16 /24 /32, default, replace, remove", test_overlapping_prefixes },
		{ "routes: next hop must be directly connected", test_nexthop_resolution },
		{ "lpm: 10,000 host routes and aggregates vs brute force, removal", test_ten_thousand_routes },
		{ NULL, NULL },
	};
	return cu_run("route", tests);
}
