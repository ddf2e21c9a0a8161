/* test_link.c: link timing to the nanosecond, drop-tail queue, MTU, up/down (now and scheduled),
 * jitter without reordering, loss rates (Bernoulli, Gilbert-Elliott), taps, stream independence. */
#include "sim/link.h"
#include "tests/cu.h"

#include <math.h>
#include <string.h>

enum { MAX_RX = 200000 };

struct rx_log {
	struct sim *sim;
	int n;
	sim_time t[MAX_RX];
	uint64_t seq[MAX_RX];
};

static void rx_record(void *ctx, struct sim_pkt *p)
{
	struct rx_log *log = ctx;
	if (log->n < MAX_RX) {
		log->t[log->n] = sim_now(log->sim);
		log->seq[log->n] = p->flow_seq;
	}
	log->n++;
	sim_pkt_free(p);
}

struct fixture {
	struct sim sim;
	struct sim_net net;
	struct sim_link *link;
	struct rx_log *rx;
};

static void fx_init(struct fixture *f, uint64_t seed, const struct sim_link_params *p)
{
	sim_init(&f->sim, seed);
	sim_net_init(&f->net, &f->sim);
	f->link = sim_link_new(&f->net, "l", p, NULL);
	f->rx = g_new0(struct rx_log, 1);
	f->rx->sim = &f->sim;
	sim_link_set_receiver(f->link, SIM_LINK_A2B, rx_record, f->rx);
}

static void fx_destroy(struct fixture *f)
{
	sim_net_destroy(&f->net);
	sim_destroy(&f->sim);
	g_free(f->rx);
}

static enum sim_drop send_len(struct fixture *f, uint32_t len, uint64_t seq)
{
	struct sim_pkt *p = sim_net_pkt(&f->net);
	memset(sim_pkt_put(p, len), 0, len);
	p->flow_seq = seq;
	return sim_link_send(f->link, SIM_LINK_A2B, p);
}

static uint64_t ctr(struct fixture *f, const char *what)
{
	g_autofree char *name = g_strdup_printf("link/l/a2b/%s", what);
	return sim_stats_get(&f->net.stats, name);
}

static void ten_mbit_5ms(struct sim_link_params *p)
{
	sim_link_params_init(p);
	p->rate_bps = 10000000;
	p->delay_ns = sim_ms(5);
}

static void test_one_packet_exact(void)
{
	struct sim_link_params p;
	ten_mbit_5ms(&p);
	struct fixture f;
	fx_init(&f, 1, &p);
	CU_ASSERT_EQUAL(send_len(&f, 1500, 0), SIM_OK);
	sim_run(&f.sim);
	CU_ASSERT_EQUAL_FATAL(f.rx->n, 1);
	/* 1500 * 8 bits at 10 Mbit/s = 1.2 ms, plus 5 ms */
	CU_ASSERT_EQUAL(f.rx->t[0], sim_us(1200) + sim_ms(5));
	CU_ASSERT_EQUAL(f.sim.events_run, 1); /* one event per packet */
	CU_ASSERT_EQUAL(ctr(&f, "tx_packets"), 1);
	CU_ASSERT_EQUAL(ctr(&f, "tx_bytes"), 1500);
	CU_ASSERT_EQUAL(ctr(&f, "rx_packets"), 1);
	CU_ASSERT_EQUAL(ctr(&f, "rx_bytes"), 1500);
	CU_ASSERT_EQUAL(f.net.pool.in_use, 0);
	fx_destroy(&f);
}

static void test_back_to_back_and_rounding(void)
{
	struct sim_link_params p;
	ten_mbit_5ms(&p);
	struct fixture f;
	fx_init(&f, 1, &p);
	for (int i = 0; i < 3; i++)
		send_len(&f, 1500, (uint64_t)i);
	sim_run_until(&f.sim, sim_ms(20));
	/* idle again: a later packet does not wait for anything */
	send_len(&f, 1500, 3);
	/* 101 bytes = 808 bits at 10 Mbit/s = 80.8 us exactly; then 7 bytes = 5.6 us */
	send_len(&f, 101, 4);
	send_len(&f, 7, 5);
	sim_run(&f.sim);
	CU_ASSERT_EQUAL_FATAL(f.rx->n, 6);
	CU_ASSERT_EQUAL(f.rx->t[0], sim_us(6200));
	CU_ASSERT_EQUAL(f.rx->t[1], sim_us(7400));
	CU_ASSERT_EQUAL(f.rx->t[2], sim_us(8600));
	CU_ASSERT_EQUAL(f.rx->t[3], sim_ms(20) + sim_us(6200));
	CU_ASSERT_EQUAL(f.rx->t[4], sim_ms(20) + sim_us(1200) + sim_ns(80800) + sim_ms(5));
	CU_ASSERT_EQUAL(f.rx->t[5], sim_ms(20) + sim_us(1200) + sim_ns(80800) + sim_ns(5600) + sim_ms(5));
	for (int i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(f.rx->seq[i], (uint64_t)i);
	fx_destroy(&f);

	/* a rate that does not divide: 100 bytes at 3 Mbit/s = 266666.67 ns, rounded up */
	sim_link_params_init(&p);
	p.rate_bps = 3000000;
	fx_init(&f, 1, &p);
	send_len(&f, 100, 0);
	send_len(&f, 100, 1);
	sim_run(&f.sim);
	CU_ASSERT_EQUAL(f.rx->t[0], 266667);
	CU_ASSERT_EQUAL(f.rx->t[1], 266667 * 2);
	fx_destroy(&f);
}

struct probe {
	struct fixture *f;
	uint64_t queue_bytes;
	enum sim_drop v[2];
};

static void probe_send2(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)sim;
	struct probe *pr = ctx;
	pr->queue_bytes = sim_link_queue_bytes(pr->f->link, SIM_LINK_A2B);
	pr->v[0] = send_len(pr->f, 1500, arg);
	pr->v[1] = send_len(pr->f, 1500, arg + 1);
}

static void test_queue_overflow(void)
{
	struct sim_link_params p;
	ten_mbit_5ms(&p);
	p.queue_limit_bytes = 3000; /* two 1500-byte packets wait; the one in transmission is extra */
	struct fixture f;
	fx_init(&f, 1, &p);
	int ok = 0, dropped = 0;
	for (int i = 0; i < 10; i++) {
		enum sim_drop v = send_len(&f, 1500, (uint64_t)i);
		ok += v == SIM_OK;
		dropped += v == SIM_DROP_QUEUE;
	}
	CU_ASSERT_EQUAL(ok, 3);
	CU_ASSERT_EQUAL(dropped, 7);
	CU_ASSERT_EQUAL(ctr(&f, "drop_queue"), 7);
	CU_ASSERT_EQUAL(sim_link_queue_bytes(f.link, SIM_LINK_A2B), 3000);

	/* 1 ns before the first transmission ends, the queue is still full */
	struct probe before = { &f, 0, { 0, 0 } }, at = { &f, 0, { 0, 0 } };
	sim_schedule_at(&f.sim, sim_us(1200) - 1, probe_send2, &before, 100);
	/* when it ends, packet 2 is in transmission and one waits: room for one more */
	sim_schedule_at(&f.sim, sim_us(1200), probe_send2, &at, 200);
	sim_run(&f.sim);
	CU_ASSERT_EQUAL(before.queue_bytes, 3000);
	CU_ASSERT_EQUAL(before.v[0], SIM_DROP_QUEUE);
	CU_ASSERT_EQUAL(before.v[1], SIM_DROP_QUEUE);
	CU_ASSERT_EQUAL(at.queue_bytes, 1500);
	CU_ASSERT_EQUAL(at.v[0], SIM_OK);
	CU_ASSERT_EQUAL(at.v[1], SIM_DROP_QUEUE);
	CU_ASSERT_EQUAL(ctr(&f, "drop_queue"), 10);
	CU_ASSERT_EQUAL_FATAL(f.rx->n, 4);
	CU_ASSERT_EQUAL(f.rx->seq[3], 200);
	/* it queued behind packets 1 and 2: it starts at 3.6 ms */
	CU_ASSERT_EQUAL(f.rx->t[3], sim_us(3600) + sim_us(1200) + sim_ms(5));
	CU_ASSERT_EQUAL(ctr(&f, "tx_packets"), 4);
	CU_ASSERT_EQUAL(ctr(&f, "rx_packets"), 4);
	fx_destroy(&f);

	/* no buffer at all: only a packet that finds the transmitter idle goes */
	p.queue_limit_bytes = 0;
	fx_init(&f, 1, &p);
	CU_ASSERT_EQUAL(send_len(&f, 1500, 0), SIM_OK);
	CU_ASSERT_EQUAL(send_len(&f, 40, 1), SIM_DROP_QUEUE);
	fx_destroy(&f);
}

static void test_mtu_drop(void)
{
	struct sim_link_params p;
	sim_link_params_init(&p);
	p.mtu = 1400;
	struct fixture f;
	fx_init(&f, 1, &p);
	CU_ASSERT_EQUAL(send_len(&f, 1401, 0), SIM_DROP_MTU);
	CU_ASSERT_EQUAL(send_len(&f, 1400, 1), SIM_OK);
	sim_run(&f.sim);
	CU_ASSERT_EQUAL(ctr(&f, "drop_mtu"), 1);
	CU_ASSERT_EQUAL(ctr(&f, "tx_packets"), 1);
	CU_ASSERT_EQUAL(f.rx->n, 1);
	CU_ASSERT_EQUAL(f.rx->seq[0], 1);
	CU_ASSERT_EQUAL(f.net.pool.in_use, 0);
	fx_destroy(&f);
}

static void set_down(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)sim;
	sim_link_set_up(ctx, arg != 0);
}

static void send_event(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)sim;
	send_len(ctx, 1500, arg);
}

static void test_down_drops_queued_and_in_flight(void)
{
	struct sim_link_params p;
	ten_mbit_5ms(&p);
	struct fixture f;
	fx_init(&f, 1, &p);
	for (int i = 0; i < 3; i++)
		send_len(&f, 1500, (uint64_t)i);
	/* arrivals would be 6.2, 7.4, 8.6 ms: down at 7 ms loses two in flight */
	sim_schedule_at(&f.sim, sim_ms(7), set_down, f.link, 0);
	sim_schedule_at(&f.sim, sim_ms(8), send_event, &f, 10); /* sent while down */
	sim_schedule_at(&f.sim, sim_ms(10), set_down, f.link, 1);
	sim_schedule_at(&f.sim, sim_ms(10), send_event, &f, 11);
	sim_run(&f.sim);
	CU_ASSERT_EQUAL(f.rx->n, 2);
	CU_ASSERT_EQUAL(f.rx->seq[0], 0);
	CU_ASSERT_EQUAL(f.rx->t[0], sim_us(6200));
	CU_ASSERT_EQUAL(f.rx->seq[1], 11);
	CU_ASSERT_EQUAL(f.rx->t[1], sim_ms(10) + sim_us(6200));
	CU_ASSERT_EQUAL(ctr(&f, "drop_down"), 3);
	CU_ASSERT_EQUAL(ctr(&f, "tx_packets"), 4);
	CU_ASSERT_EQUAL(ctr(&f, "rx_packets"), 2);
	CU_ASSERT_EQUAL(f.net.pool.in_use, 0);
	fx_destroy(&f);

	/* packets still queued when the link goes down are lost, and the transmitter is idle when it
	 * comes back (the dead backlog would have kept it busy until 6 ms) */
	fx_init(&f, 1, &p);
	for (int i = 0; i < 5; i++)
		send_len(&f, 1500, (uint64_t)i);
	sim_schedule_at(&f.sim, sim_ms(2), set_down, f.link, 0);
	sim_schedule_at(&f.sim, sim_ms(3), set_down, f.link, 1);
	sim_schedule_at(&f.sim, sim_ms(3), send_event, &f, 5);
	sim_run(&f.sim);
	CU_ASSERT_EQUAL(ctr(&f, "drop_down"), 5);
	CU_ASSERT_EQUAL_FATAL(f.rx->n, 1);
	CU_ASSERT_EQUAL(f.rx->seq[0], 5);
	CU_ASSERT_EQUAL(f.rx->t[0], sim_ms(3) + sim_us(6200));
	/* both directions are down together */
	fx_destroy(&f);
}

struct flap_probe {
	struct fixture *f;
	bool up_at[31];
	enum sim_drop v[31];
};

static void flap_tick(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)sim;
	struct flap_probe *fp = ctx;
	fp->up_at[arg] = sim_link_is_up(fp->f->link);
	fp->v[arg] = send_len(fp->f, 100, arg);
}

static void test_scheduled_state(void)
{
	struct sim_link_params p;
	sim_link_params_init(&p);
	struct fixture f;
	fx_init(&f, 1, &p);
	sim_link_schedule_state(f.link, sim_ms(10), false);
	sim_link_schedule_state(f.link, sim_ms(20), true);
	sim_event_id later = sim_link_schedule_state(f.link, sim_ms(25), false);
	CU_ASSERT_TRUE(sim_cancel(&f.sim, later));
	struct flap_probe fp = { .f = &f };
	for (int i = 0; i <= 30; i++)
		sim_schedule_at(&f.sim, sim_ms(i), flap_tick, &fp, (uint64_t)i);
	sim_run(&f.sim);
	int wrong = 0;
	for (int i = 0; i <= 30; i++) {
		bool up = i < 10 || i >= 20;
		wrong += fp.up_at[i] != up || fp.v[i] != (up ? SIM_OK : SIM_DROP_DOWN);
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT_EQUAL(ctr(&f, "drop_down"), 10);
	CU_ASSERT_EQUAL(f.rx->n, 21);
	fx_destroy(&f);
}

/* Sends n packets of 200 bytes every interval_ns from a chain of events. */
struct pacer {
	struct fixture *f;
	int left;
	uint64_t seq;
	sim_time interval_ns;
};

static void pace(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)arg;
	struct pacer *pc = ctx;
	send_len(pc->f, 200, pc->seq++);
	if (--pc->left > 0)
		sim_schedule_in(sim, pc->interval_ns, pace, pc, 0);
}

static void run_jitter(enum sim_jitter kind, bool reorder, int *inversions, double *mean_delay_ns,
		       int *delivered)
{
	struct sim_link_params p;
	sim_link_params_init(&p);
	p.rate_bps = 100000000; /* 200 bytes: 16 us */
	p.delay_ns = sim_ms(5);
	p.jitter = kind;
	p.jitter_ns = sim_ms(2);
	p.reorder = reorder;
	struct fixture f;
	fx_init(&f, 3, &p);
	struct pacer pc = { &f, 20000, 0, sim_us(100) };
	sim_schedule_at(&f.sim, 0, pace, &pc, 0);
	sim_run(&f.sim);
	*inversions = 0;
	double sum = 0;
	for (int i = 0; i < f.rx->n; i++) {
		if (i && (f.rx->seq[i] < f.rx->seq[i - 1] || f.rx->t[i] < f.rx->t[i - 1]))
			(*inversions)++;
		sum += (double)(f.rx->t[i] - (sim_time)f.rx->seq[i] * sim_us(100) - sim_us(16));
	}
	*mean_delay_ns = sum / f.rx->n;
	*delivered = f.rx->n;
	fx_destroy(&f);
}

static void test_jitter_order(void)
{
	int inv, n;
	double mean;
	run_jitter(SIM_JITTER_UNIFORM, false, &inv, &mean, &n);
	CU_ASSERT_EQUAL(n, 20000);
	CU_ASSERT_EQUAL(inv, 0);
	/* clamping to the previous arrival only adds delay: mean above 5 ms, and below 5 + 2 */
	CU_ASSERT_TRUE(mean > 5e6 && mean < 7e6);
	run_jitter(SIM_JITTER_NORMAL, false, &inv, &mean, &n);
	CU_ASSERT_EQUAL(inv, 0);
	/* with reordering allowed the jitter shows: packets 100 us apart swap often, and the mean
	 * delay is the configured 5 ms (uniform +-2 ms: standard error 1.15 ms / sqrt(20000) = 8 us) */
	run_jitter(SIM_JITTER_UNIFORM, true, &inv, &mean, &n);
	CU_ASSERT_TRUE(inv > 1000);
	CU_ASSERT_TRUE(fabs(mean - 5e6) < 40e3);
	printf("\n    uniform reorder: %d inversions, mean delay %.0f ns\n", inv, mean);
	run_jitter(SIM_JITTER_NORMAL, true, &inv, &mean, &n);
	CU_ASSERT_TRUE(inv > 1000);
	CU_ASSERT_TRUE(fabs(mean - 5e6) < 60e3);
}

/* Sends n packets one at a time (each delivered before the next) and records losses. */
static void run_loss(struct fixture *f, int n, uint8_t *lost)
{
	for (int i = 0; i < n; i++) {
		int before = f->rx->n;
		send_len(f, 64, (uint64_t)i);
		sim_run(&f->sim);
		lost[i] = f->rx->n == before;
	}
}

static void test_bernoulli_loss(void)
{
	struct sim_link_params p;
	sim_link_params_init(&p);
	p.loss = 0.01;
	struct fixture f;
	fx_init(&f, 42, &p);
	enum { N = 100000 };
	uint8_t *lost = g_new(uint8_t, N);
	run_loss(&f, N, lost);
	double rate = (double)ctr(&f, "drop_loss") / N;
	printf("\n    Bernoulli 1%%: %.4f%% over %d packets\n", rate * 100, N);
	/* standard error sqrt(0.01 * 0.99 / 1e5) = 0.031 %: +-0.15 % is ~5 sigma */
	CU_ASSERT_TRUE(fabs(rate - 0.01) < 0.0015);
	CU_ASSERT_EQUAL(ctr(&f, "tx_packets"), N);
	CU_ASSERT_EQUAL(ctr(&f, "rx_packets") + ctr(&f, "drop_loss"), N);
	CU_ASSERT_EQUAL(f.net.pool.in_use, 0);
	g_free(lost);
	fx_destroy(&f);
}

static void test_gilbert_elliott(void)
{
	/* good->bad 1 %, bad->good 25 %, lose everything in bad and nothing in good: the loss rate
	 * is pi_B = 0.01 / 0.26 = 3.846 % and loss bursts are geometric with mean 1 / 0.25 = 4.
	 * Over 1e6 packets (~9600 bursts): the mean burst's standard error is sqrt(12) / sqrt(9600)
	 * = 0.035, the loss rate's about 0.05 %; bounds are about 4 sigma. */
	struct sim_link_params p;
	sim_link_params_init(&p);
	p.ge_enabled = true;
	p.ge_p_gb = 0.01;
	p.ge_p_bg = 0.25;
	p.ge_loss_good = 0.0;
	p.ge_loss_bad = 1.0;
	struct fixture f;
	fx_init(&f, 42, &p);
	enum { N = 1000000 };
	uint8_t *lost = g_new(uint8_t, N);
	run_loss(&f, N, lost);
	long losses = 0, bursts = 0;
	for (int i = 0; i < N; i++) {
		losses += lost[i];
		bursts += lost[i] && (i == 0 || !lost[i - 1]);
	}
	double rate = (double)losses / N, burst = (double)losses / (double)bursts;
	printf("\n    Gilbert-Elliott: loss %.4f%% (analytic 3.8462%%), mean burst %.3f (analytic 4)\n",
	       rate * 100, burst);
	CU_ASSERT_TRUE(fabs(rate - 0.01 / 0.26) < 0.002);
	CU_ASSERT_TRUE(fabs(burst - 4.0) < 0.15);
	CU_ASSERT_EQUAL((long)ctr(&f, "drop_loss"), losses);
	fx_destroy(&f);

	/* partial losses in both states: average loss pi_G * 0.001 + pi_B * 0.5 = 2.0192 % */
	p.ge_loss_good = 0.001;
	p.ge_loss_bad = 0.5;
	fx_init(&f, 43, &p);
	run_loss(&f, N, lost);
	rate = (double)ctr(&f, "drop_loss") / N;
	double want = (0.25 / 0.26) * 0.001 + (0.01 / 0.26) * 0.5;
	printf("    Gilbert-Elliott partial: loss %.4f%% (analytic %.4f%%)\n", rate * 100, want * 100);
	CU_ASSERT_TRUE(fabs(rate - want) < 0.0015);
	fx_destroy(&f);
	g_free(lost);
}

static void test_stream_independence(void)
{
	/* link "x"'s loss pattern is the same whether or not another link was created first */
	struct sim_link_params p;
	sim_link_params_init(&p);
	p.loss = 0.3;
	enum { N = 2000 };
	uint8_t a[N], b[N];
	struct fixture f;
	fx_init(&f, 9, &p);
	run_loss(&f, N, a);
	fx_destroy(&f);

	sim_init(&f.sim, 9);
	sim_net_init(&f.net, &f.sim);
	struct sim_link *other = sim_link_new(&f.net, "other", &p, NULL);
	for (int i = 0; i < 100; i++) {
		struct sim_pkt *pk = sim_net_pkt(&f.net);
		sim_pkt_put(pk, 10);
		sim_link_send(other, SIM_LINK_A2B, pk);
	}
	f.link = sim_link_new(&f.net, "l", &p, NULL);
	f.rx = g_new0(struct rx_log, 1);
	f.rx->sim = &f.sim;
	sim_link_set_receiver(f.link, SIM_LINK_A2B, rx_record, f.rx);
	run_loss(&f, N, b);
	CU_ASSERT_EQUAL(memcmp(a, b, N), 0);
	/* and the two directions differ from each other (own streams) */
	fx_destroy(&f);

	/* a different seed gives a different pattern */
	fx_init(&f, 10, &p);
	run_loss(&f, N, b);
	CU_ASSERT_NOT_EQUAL(memcmp(a, b, N), 0);
	fx_destroy(&f);
}

struct tap_log {
	int n;
	sim_time t[16];
	size_t len[16];
};

static void tap_record(void *ctx, sim_time t, const uint8_t *data, size_t len)
{
	(void)data;
	struct tap_log *tl = ctx;
	if (tl->n < 16) {
		tl->t[tl->n] = t;
		tl->len[tl->n] = len;
	}
	tl->n++;
}

static void test_taps(void)
{
	struct sim_link_params p;
	ten_mbit_5ms(&p);
	p.queue_limit_bytes = 1500;
	p.mtu = 1500;
	struct fixture f;
	fx_init(&f, 1, &p);
	struct tap_log arr = { 0 }, drops = { 0 }, back = { 0 };
	sim_link_add_tap(f.link, SIM_LINK_A2B, tap_record, &arr);
	sim_link_add_drop_tap(f.link, SIM_LINK_A2B, tap_record, &drops);
	sim_link_add_tap(f.link, SIM_LINK_B2A, tap_record, &back);
	send_len(&f, 1000, 0); /* transmitting */
	send_len(&f, 1500, 1); /* waits */
	send_len(&f, 100, 2);  /* queue full */
	send_len(&f, 1501, 3); /* MTU */
	sim_run(&f.sim);
	CU_ASSERT_EQUAL(arr.n, 2);
	CU_ASSERT_EQUAL(arr.t[0], sim_us(800) + sim_ms(5));
	CU_ASSERT_EQUAL(arr.len[0], 1000);
	CU_ASSERT_EQUAL(arr.t[1], sim_us(800) + sim_us(1200) + sim_ms(5));
	CU_ASSERT_EQUAL(drops.n, 2);
	CU_ASSERT_EQUAL(drops.t[0], 0);
	CU_ASSERT_EQUAL(drops.len[0], 100);
	CU_ASSERT_EQUAL(drops.len[1], 1501);
	CU_ASSERT_EQUAL(back.n, 0);
	fx_destroy(&f);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "timing: 1500 B at 10 Mbit/s + 5 ms arrives at 6.2 ms exactly", test_one_packet_exact },
		{ "timing: back-to-back packets queue exactly; rounding up", test_back_to_back_and_rounding },
		{ "queue: drop-tail in bytes drops exactly what does not fit", test_queue_overflow },
		{ "mtu: longer packets dropped and counted", test_mtu_drop },
		{ "down: drops when sent, queued and in flight; up carries again", test_down_drops_queued_and_in_flight },
		{ "down: scheduled state changes at the right times", test_scheduled_state },
		{ "jitter: never reorders without the flag; mean delay", test_jitter_order },
		{ "loss: Bernoulli 1 % within +-0.15 % over 100k packets", test_bernoulli_loss },
		{ "loss: Gilbert-Elliott average loss and burst length", test_gilbert_elliott },
		{ "rng: a link's draws do not depend on other links", test_stream_independence },
		{ "taps: arrival instant, drop taps", test_taps },
		{ NULL, NULL },
	};
	return cu_run("link", tests);
}
