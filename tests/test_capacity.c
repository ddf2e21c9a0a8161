/* test_capacity.c: the capacity server: bit-rate and packet-rate bounds exact to the ns, FIFO
 * order, the byte-limited queue, flush, utilisation. */
#include "models/capacity.h"
#include "tests/cu.h"

struct rig {
	struct sim sim;
	struct sim_stats st;
	struct sim_pkt_pool pool;
	struct cap_server cap;
	sim_time done_at[16];
	uint64_t done_uid[16];
	int n;
};

static void on_done(void *ctx, struct sim_pkt *p)
{
	struct rig *r = ctx;
	if (r->n < 16) {
		r->done_at[r->n] = sim_now(&r->sim);
		r->done_uid[r->n] = p->uid;
	}
	r->n++;
	sim_pkt_free(p);
}

static void rig_init(struct rig *r, uint64_t bps, uint32_t pps, uint64_t qlim)
{
	sim_init(&r->sim, 1);
	sim_stats_init(&r->st);
	sim_pkt_pool_init(&r->pool, 2048, 128);
	r->n = 0;
	cap_server_init(&r->cap, &r->sim, &r->st, "gw", bps, pps, qlim, on_done, r);
}

static void rig_destroy(struct rig *r)
{
	cap_server_destroy(&r->cap);
	sim_destroy(&r->sim);
	CU_ASSERT_EQUAL(r->pool.in_use, 0); /* no packet leaked */
	sim_pkt_pool_destroy(&r->pool);
	sim_stats_destroy(&r->st);
}

static struct sim_pkt *pkt(struct rig *r, uint32_t len)
{
	struct sim_pkt *p = sim_pkt_alloc(&r->pool);
	sim_pkt_put(p, len);
	return p;
}

static void test_bit_rate_bound(void)
{
	struct rig r;
	rig_init(&r, 8000000, 0, 1 << 20); /* 8 Mbit/s: 1000 bytes per ms */
	uint64_t first = r.pool.next_uid;
	for (int i = 0; i < 3; i++)
		CU_ASSERT_TRUE(cap_server_submit(&r.cap, pkt(&r, 1000)));
	sim_run(&r.sim);
	CU_ASSERT_EQUAL(r.n, 3);
	CU_ASSERT_EQUAL(r.done_at[0], sim_ms(1));
	CU_ASSERT_EQUAL(r.done_at[1], sim_ms(2));
	CU_ASSERT_EQUAL(r.done_at[2], sim_ms(3));
	CU_ASSERT_EQUAL(r.done_uid[0], first); /* FIFO */
	CU_ASSERT_EQUAL(r.done_uid[2], first + 2);
	CU_ASSERT_EQUAL(sim_stats_get(&r.st, "cap/gw/busy_ns"), (uint64_t)sim_ms(3));
	CU_ASSERT_EQUAL(sim_stats_get(&r.st, "cap/gw/bytes"), 3000);
	rig_destroy(&r);
}

static void test_packet_rate_bound(void)
{
	struct rig r;
	rig_init(&r, 1000000000, 1000, 1 << 20); /* 1000 pps dominates for 100-byte packets */
	CU_ASSERT_EQUAL(cap_service_time(&r.cap, 100), sim_ms(1));
	CU_ASSERT_EQUAL(cap_service_time(&r.cap, 1000000), sim_ms(8)); /* huge: bit rate dominates */
	cap_server_submit(&r.cap, pkt(&r, 100));
	cap_server_submit(&r.cap, pkt(&r, 100));
	sim_run(&r.sim);
	CU_ASSERT_EQUAL(r.done_at[1], sim_ms(2));
	rig_destroy(&r);
}

static void test_queue_limit(void)
{
	struct rig r;
	rig_init(&r, 8000000, 0, 2000); /* room for two waiting 1000-byte packets */
	CU_ASSERT_TRUE(cap_server_submit(&r.cap, pkt(&r, 1000))); /* in service */
	CU_ASSERT_TRUE(cap_server_submit(&r.cap, pkt(&r, 1000)));
	CU_ASSERT_TRUE(cap_server_submit(&r.cap, pkt(&r, 1000)));
	CU_ASSERT_FALSE(cap_server_submit(&r.cap, pkt(&r, 1000)));
	sim_run_until(&r.sim, sim_us(1500)); /* one served: room for one more */
	CU_ASSERT_TRUE(cap_server_submit(&r.cap, pkt(&r, 1000)));
	CU_ASSERT_FALSE(cap_server_submit(&r.cap, pkt(&r, 1)));
	sim_run(&r.sim);
	CU_ASSERT_EQUAL(r.n, 4);
	CU_ASSERT_EQUAL(r.done_at[3], sim_ms(4));
	CU_ASSERT_EQUAL(sim_stats_get(&r.st, "cap/gw/drop_queue"), 2);
	rig_destroy(&r);
}

static void test_flush(void)
{
	struct rig r;
	rig_init(&r, 8000000, 0, 1 << 20);
	for (int i = 0; i < 5; i++)
		cap_server_submit(&r.cap, pkt(&r, 1000));
	sim_run_until(&r.sim, sim_us(2500)); /* two served */
	cap_server_flush(&r.cap);
	CU_ASSERT_EQUAL(sim_stats_get(&r.st, "cap/gw/drop_queue"), 3);
	cap_server_submit(&r.cap, pkt(&r, 1000)); /* idle again: served from now */
	sim_run(&r.sim);
	CU_ASSERT_EQUAL(r.n, 3);
	CU_ASSERT_EQUAL(r.done_at[2], sim_us(3500));
	rig_destroy(&r);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "bit-rate bound, FIFO, busy time", test_bit_rate_bound },
		{ "packet-rate bound for small packets", test_packet_rate_bound },
		{ "byte-limited queue drops what does not fit", test_queue_limit },
		{ "flush drops waiting and in-service packets", test_flush },
		{ NULL, NULL },
	};
	return cu_run("capacity", tests);
}
