/* test_ike_policy.c: the engine's policy knobs that the models' pain points rest on: a
 * route-based responder that refuses narrowed traffic selectors (ts_require_cover), and a PSK
 * changed on one side (ike_peer_set_psk), with two endpoints in one process (tests/ike_pair.h). */
#include <string.h>

#include "models/ipsec/ike_consts.h"
#include "tests/cu.h"
#include "tests/ike_pair.h"

static struct ike_ts4 prefix_ts(uint32_t addr, unsigned plen)
{
	uint32_t mask = plen ? UINT32_MAX << (32 - plen) : 0;
	struct ike_ts4 t = { addr & mask, (addr & mask) | ~mask, 0, 65535, 0 };
	return t;
}

/* Node 0 (initiator) proposes ts0 <-> ts1; node 1 answers with any-to-any and cover required. */
static void run_ts(struct ike_pair *p, struct ike_ts4 mine, struct ike_ts4 theirs, bool require_cover)
{
	struct ike_peer_cfg c0, c1;
	ike_pair_default_cfg(0, false, &c0);
	ike_pair_default_cfg(1, false, &c1);
	c0.local_ts[0] = mine;
	c0.remote_ts[0] = theirs;
	c0.n_local_ts = c0.n_remote_ts = 1;
	c1.local_ts[0] = c1.remote_ts[0] = prefix_ts(0, 0);
	c1.n_local_ts = c1.n_remote_ts = 1;
	c1.ts_require_cover = require_cover;
	ike_pair_init(p, &c0, &c1, NULL, NULL, 7);
	ike_initiate(p->n[0].ep, p->n[0].peer, 0);
	ike_pair_run_idle(p, 10 * NS);
}

static void test_ts_narrow_refused(void)
{
	struct ike_pair p;
	run_ts(&p, prefix_ts(0xc0a81400u, 24), prefix_ts(0x0a010000u, 16), true);
	/* IKE SA up, CHILD SA refused with TS_UNACCEPTABLE, counted on both sides */
	CU_ASSERT_EQUAL(p.n[0].n_established, 1);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0), 0);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 1), 0);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->notify_tx[IKE_N_TS_UNACCEPTABLE], 1);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->notify_rx[IKE_N_TS_UNACCEPTABLE], 1);
	ike_pair_free(&p);
}

static void test_ts_any_accepted(void)
{
	struct ike_pair p;
	run_ts(&p, prefix_ts(0, 0), prefix_ts(0, 0), true);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0), 1);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 1), 1);
	ike_pair_free(&p);
}

static void test_ts_narrow_without_cover(void)
{
	/* the same narrow proposal to a responder that may narrow (RFC 7296 §2.9): accepted as is */
	struct ike_pair p;
	run_ts(&p, prefix_ts(0xc0a81400u, 24), prefix_ts(0x0a010000u, 16), false);
	CU_ASSERT_EQUAL_FATAL(ike_pair_n_children(&p, 1), 1);
	struct ike_child_info c;
	CU_ASSERT_EQUAL_FATAL(ike_sa_children(p.n[1].ep, ike_sa_find_established(p.n[1].ep, p.n[1].peer), &c, 1), 1);
	CU_ASSERT_EQUAL(c.remote_ts[0].start, 0xc0a81400u);
	CU_ASSERT_EQUAL(c.remote_ts[0].end, 0xc0a814ffu);
	ike_pair_free(&p);
}

static void test_psk_change(void)
{
	struct ike_pair p;
	ike_pair_init(&p, NULL, NULL, NULL, NULL, 11);
	ike_initiate(p.n[0].ep, p.n[0].peer, 0);
	ike_pair_run_idle(&p, 10 * NS);
	CU_ASSERT_EQUAL_FATAL(ike_pair_n_children(&p, 0), 1);
	uint64_t sa = ike_sa_find_established(p.n[0].ep, p.n[0].peer);
	static const char fresh[] = "rotated-on-one-side";
	CU_ASSERT_TRUE(ike_peer_set_psk(p.n[0].ep, p.n[0].peer, (const uint8_t *)fresh, strlen(fresh)));
	CU_ASSERT_FALSE(ike_peer_set_psk(p.n[0].ep, 99, (const uint8_t *)fresh, strlen(fresh)));
	/* the SA in place survives an IKE rekey (no re-authentication in IKEv2) */
	CU_ASSERT_TRUE(ike_rekey(p.n[0].ep, sa, p.now));
	ike_pair_run_idle(&p, p.now + 10 * NS);
	CU_ASSERT_EQUAL(ike_pair_n_children(&p, 0), 1);
	CU_ASSERT_NOT_EQUAL(ike_sa_find_established(p.n[0].ep, p.n[0].peer), 0);
	/* a new IKE SA authenticates with the new key and is refused */
	ike_initiate(p.n[0].ep, p.n[0].peer, p.now);
	ike_pair_run_idle(&p, p.now + 10 * NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[1].ep)->notify_tx[IKE_N_AUTHENTICATION_FAILED], 1);
	/* the same key on both sides again: accepted */
	CU_ASSERT_TRUE(ike_peer_set_psk(p.n[1].ep, p.n[1].peer, (const uint8_t *)fresh, strlen(fresh)));
	unsigned before = p.n[0].n_established;
	ike_initiate(p.n[0].ep, p.n[0].peer, p.now);
	ike_pair_run_idle(&p, p.now + 10 * NS);
	CU_ASSERT_EQUAL(p.n[0].n_established, before + 1);
	ike_pair_free(&p);
}

/* RFC 7296 §2.4: no liveness check while protected traffic arrives (ESP counts). */
static void test_esp_activity_defers_dpd(void)
{
	struct ike_peer_cfg c0;
	ike_pair_default_cfg(0, false, &c0);
	c0.dpd_interval_ns = 10 * NS;
	struct ike_pair p;
	ike_pair_init(&p, &c0, NULL, NULL, NULL, 13);
	ike_initiate(p.n[0].ep, p.n[0].peer, 0);
	ike_pair_run_idle(&p, 5 * NS);
	CU_ASSERT_EQUAL_FATAL(ike_pair_n_children(&p, 0), 1);
	const struct ike_child_info *c = &g_array_index(p.n[0].children, struct ike_child_info, 0);
	uint32_t spi_in = c->spi_in;
	/* ESP every 4 s for a minute: no DPD */
	for (int64_t t = 5 * NS; t < 65 * NS; t += 4 * NS) {
		ike_pair_run_until(&p, t);
		ike_child_activity(p.n[0].ep, spi_in, p.now);
	}
	ike_pair_run_until(&p, 65 * NS);
	CU_ASSERT_EQUAL(ike_endpoint_counters(p.n[0].ep)->dpd_sent, 0);
	/* silence: a check within the interval after the last packet */
	ike_pair_run_until(&p, 80 * NS);
	CU_ASSERT_TRUE(ike_endpoint_counters(p.n[0].ep)->dpd_sent >= 1);
	ike_child_activity(p.n[0].ep, 0xdeadbeef, p.now); /* unknown SPI: ignored */
	ike_pair_free(&p);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "route-based responder refuses narrowed selectors (TS_UNACCEPTABLE)", test_ts_narrow_refused },
		{ "route-based responder accepts any-to-any", test_ts_any_accepted },
		{ "a narrowing responder accepts the same proposal", test_ts_narrow_without_cover },
		{ "PSK changed on one side: SAs live on, the next authentication fails", test_psk_change },
		{ "ESP from the peer defers DPD (RFC 7296 2.4)", test_esp_activity_defers_dpd },
		{ NULL, NULL },
	};
	return cu_run("ike_policy", tests);
}
