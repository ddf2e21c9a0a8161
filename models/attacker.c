/* attacker.c: the hostile node: spoofed IKE_SA_INIT flood, ESP replay and tampering through a
 * tap on the internet router, garbage to UDP 500/4500 (see attacker.h). */
#include "models/attacker.h"

#include <math.h>
#include <string.h>

#include "models/ipsec/ike_codec.h"
#include "models/ipsec/ike_consts.h"
#include "models/ipsec/ike_crypto.h"
#include "models/ipsec/ike_dh.h"
#include "sim/ipv4.h"

GQuark attacker_error_quark(void);
G_DEFINE_QUARK(attacker-error-quark, attacker_error)
#define ATTACKER_ERROR (attacker_error_quark())

/* The TTL of everything the attacker sends: its tap skips packets this high, so it never
 * captures its own copies (hosts and models send with 64). */
#define ATTACKER_TTL 200
#define ATTACKER_OWN_TTL_MIN (ATTACKER_TTL - 8)

struct attacker_delayed {
	sim_time at;
	GByteArray *bytes; /* the whole IPv4 packet */
	bool tampered;
};

static sim_time now_of(const struct attacker *a)
{
	return sim_now(&a->w->sim);
}

static bool active(const struct attacker *a)
{
	sim_time t = now_of(a);
	return t >= a->cfg.start_ns && (a->cfg.stop_ns == 0 || t < a->cfg.stop_ns);
}

/* Inter-arrival time of a Poisson process of rate pps, at least 1 ns. */
static sim_time poisson_gap(struct attacker *a, double pps)
{
	double s = sim_rng_exponential(&a->rng, 1.0 / pps);
	double ns = s * (double)SIM_NS_PER_S;
	return ns < 1.0 ? 1 : ns > 1e18 ? (sim_time)1e18 : (sim_time)ns;
}

static uint32_t spoofed_src(struct attacker *a)
{
	if (a->cfg.spoof_plen == 0 && a->cfg.spoof_prefix == 0)
		return a->wan->addr;
	uint32_t mask = sim_ipv4_mask(a->cfg.spoof_plen);
	return (a->cfg.spoof_prefix & mask) | ((uint32_t)sim_rng_next(&a->rng) & ~mask);
}

static void send_udp(struct attacker *a, uint32_t src, uint16_t sport, uint16_t dport, const uint8_t *data,
		     size_t len)
{
	struct sim_pkt *p = sim_net_pkt(&a->w->net);
	if (len > sim_pkt_tailroom(p))
		len = sim_pkt_tailroom(p);
	memcpy(sim_pkt_put(p, (uint32_t)len), data, len);
	if (sim_node_send_udp(a->node, src, sport, a->cfg.target_ip, dport, p) != SIM_OK)
		(*a->c_refused)++;
}

/* ---- IKE_SA_INIT flood ---- */

static size_t transforms_of(const struct ike_ike_proposal *p, struct ike_transform_spec t[4])
{
	size_t k = 0;
	t[k++] = (struct ike_transform_spec){ IKE_XF_ENCR, p->encr, p->encr_key_bits };
	t[k++] = (struct ike_transform_spec){ IKE_XF_PRF, p->prf, 0 };
	if (p->integ)
		t[k++] = (struct ike_transform_spec){ IKE_XF_INTEG, p->integ, 0 };
	t[k++] = (struct ike_transform_spec){ IKE_XF_DH, p->dh, 0 };
	return k;
}

static void send_init(struct attacker *a)
{
	struct ike_transform_spec t[ATTACKER_MAX_PROPOSALS][4];
	struct ike_proposal_spec ps[ATTACKER_MAX_PROPOSALS];
	for (size_t i = 0; i < a->cfg.n_proposals; i++)
		ps[i] = (struct ike_proposal_spec){ .num = (uint8_t)(i + 1),
						    .protocol = IKE_PROTO_IKE,
						    .n_transforms = transforms_of(&a->cfg.proposals[i], t[i]),
						    .transforms = t[i] };
	uint64_t spi = sim_rng_next(&a->rng);
	struct ike_hdr h = { .spi_i = spi ? spi : 1, .major = 2, .exchange = IKE_EXCH_IKE_SA_INIT,
			     .flags = IKE_FLAG_INITIATOR };
	uint8_t nonce[32];
	sim_rng_bytes(&a->rng, nonce, sizeof nonce);
	const GByteArray *ke = a->ke[sim_rng_below(&a->rng, ATTACKER_KE_SET)];
	struct ike_builder b;
	ike_builder_init(&b, &h);
	ike_build_sa(&b, ps, a->cfg.n_proposals);
	ike_build_ke(&b, a->cfg.proposals[0].dh, ke->data, ke->len);
	ike_build_nonce(&b, nonce, sizeof nonce);
	GByteArray *m = ike_build_finish(&b);
	g_assert(m); /* validated proposals always build */
	send_udp(a, spoofed_src(a), IKE_PORT, IKE_PORT, m->data, m->len);
	g_byte_array_unref(m);
	(*a->c_flood)++;
}

static void flood_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct attacker *a = ctx;
	a->flood_ev = 0;
	if (!active(a))
		return;
	send_init(a);
	a->flood_ev = sim_schedule_in(sim, poisson_gap(a, a->cfg.flood_pps), flood_event, a, 0);
}

/* ---- garbage ---- */

enum garbage_kind { G_RANDOM, G_TRUNCATED, G_CHAIN, G_NATT, G_ESP, G_KINDS };

/* An IKE-looking datagram of kind G_RANDOM, G_TRUNCATED or G_CHAIN into buf; returns its length. */
static size_t ike_garbage(struct attacker *a, enum garbage_kind kind, uint8_t *buf, size_t max)
{
	if (kind == G_TRUNCATED) {
		size_t len = 1 + sim_rng_below(&a->rng, IKE_HDR_LEN - 1);
		sim_rng_bytes(&a->rng, buf, len);
		return len;
	}
	size_t len = 1 + sim_rng_below(&a->rng, (uint32_t)max);
	sim_rng_bytes(&a->rng, buf, len);
	if (kind == G_RANDOM || len < IKE_HDR_LEN)
		return len;
	/* a plausible header: version 2, a real exchange, flags of a request or a response, the
	 * exact length, and a first payload of a known type over random bytes */
	static const uint8_t flags[] = { IKE_FLAG_INITIATOR, IKE_FLAG_RESPONSE, IKE_FLAG_INITIATOR | IKE_FLAG_RESPONSE, 0 };
	buf[16] = (uint8_t)(IKE_PL_SA + sim_rng_below(&a->rng, IKE_PL_EAP - IKE_PL_SA + 1));
	buf[17] = 0x20;
	buf[18] = (uint8_t)(IKE_EXCH_IKE_SA_INIT + sim_rng_below(&a->rng, 4));
	buf[19] = flags[sim_rng_below(&a->rng, G_N_ELEMENTS(flags))];
	sim_put32(buf + 20, sim_rng_below(&a->rng, 4));
	sim_put32(buf + 24, (uint32_t)len);
	return len;
}

static void send_garbage(struct attacker *a)
{
	uint8_t buf[2048];
	size_t max = MIN((size_t)a->cfg.garbage_max_bytes, sizeof buf - 4);
	enum garbage_kind kind = (enum garbage_kind)sim_rng_below(&a->rng, G_KINDS);
	uint32_t src = spoofed_src(a);
	size_t len;
	switch (kind) {
	case G_NATT:
		memset(buf, 0, 4);
		len = 4 + ike_garbage(a, (enum garbage_kind)sim_rng_below(&a->rng, 3), buf + 4, max);
		send_udp(a, src, IKE_NATT_PORT, IKE_NATT_PORT, buf, len);
		(*a->c_garbage_natt)++;
		return;
	case G_ESP:
		len = 8 + sim_rng_below(&a->rng, (uint32_t)(max > 8 ? max - 8 : 1));
		sim_rng_bytes(&a->rng, buf, len);
		buf[0] |= 0x80; /* never the non-ESP marker */
		send_udp(a, src, IKE_NATT_PORT, IKE_NATT_PORT, buf, len);
		(*a->c_garbage_esp)++;
		return;
	default:
		len = ike_garbage(a, kind, buf, max);
		send_udp(a, src, IKE_PORT, IKE_PORT, buf, len);
		(*(kind == G_RANDOM ? a->c_garbage_ike : kind == G_TRUNCATED ? a->c_garbage_truncated : a->c_garbage_chain))++;
		return;
	}
}

static void garbage_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct attacker *a = ctx;
	a->garbage_ev = 0;
	if (!active(a))
		return;
	send_garbage(a);
	a->garbage_ev = sim_schedule_in(sim, poisson_gap(a, a->cfg.garbage_pps), garbage_event, a, 0);
}

/* ---- ESP replay and tampering ---- */

static void delayed_free(gpointer p)
{
	struct attacker_delayed *d = p;
	g_byte_array_unref(d->bytes);
	g_free(d);
}

static void delayed_event(struct sim *sim, void *ctx, uint64_t arg);

static void arm_delayed(struct attacker *a, bool tamper)
{
	GQueue *q = tamper ? &a->tamper_q : &a->replay_q;
	sim_event_id *ev = tamper ? &a->tamper_ev : &a->replay_ev;
	if (*ev || g_queue_is_empty(q))
		return;
	const struct attacker_delayed *d = g_queue_peek_head(q);
	*ev = sim_schedule_at(&a->w->sim, MAX(d->at, now_of(a)), delayed_event, a, tamper);
}

/* Sends the copies that are due, in capture order (one delay per queue keeps it sorted). */
static void delayed_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct attacker *a = ctx;
	bool tamper = arg;
	GQueue *q = tamper ? &a->tamper_q : &a->replay_q;
	*(tamper ? &a->tamper_ev : &a->replay_ev) = 0;
	while (!g_queue_is_empty(q) && ((struct attacker_delayed *)g_queue_peek_head(q))->at <= sim_now(sim)) {
		struct attacker_delayed *d = g_queue_pop_head(q);
		uint8_t *ip = d->bytes->data;
		ip[8] = ATTACKER_TTL;
		sim_put16(ip + 10, 0);
		sim_put16(ip + 10, sim_inet_checksum(ip, (size_t)(ip[0] & 15) * 4));
		struct sim_pkt *p = sim_net_pkt(&a->w->net);
		memcpy(sim_pkt_put(p, d->bytes->len), ip, d->bytes->len);
		if (sim_node_send_ip(a->node, p) != SIM_OK)
			(*a->c_refused)++;
		(*(d->tampered ? a->c_tamper : a->c_replay))++;
		delayed_free(d);
	}
	arm_delayed(a, tamper);
}

static uint64_t fnv1a(const uint8_t *p, size_t len)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * UINT64_C(1099511628211);
	return h;
}

/* Where the ESP header starts in an IPv4 packet (plain or UDP-encapsulated), or 0 when the
 * packet is not ESP. */
static size_t esp_offset(const uint8_t *ip, size_t len)
{
	if (len < 20 || (ip[0] >> 4) != 4)
		return 0;
	size_t ihl = (size_t)(ip[0] & 15) * 4;
	if (ihl < 20 || len < ihl + 16)
		return 0;
	if (ip[9] == SIM_IPPROTO_ESP)
		return ihl;
	if (ip[9] != SIM_IPPROTO_UDP || sim_get16(ip + ihl + 2) != IKE_NATT_PORT || len < ihl + 8 + 16)
		return 0;
	const uint8_t *u = ip + ihl + 8;
	if (u[0] == 0 && u[1] == 0 && u[2] == 0 && u[3] == 0)
		return 0; /* non-ESP marker: IKE */
	return ihl + 8;
}

static void enqueue(struct attacker *a, const uint8_t *data, size_t len, sim_time at, bool tamper)
{
	struct attacker_delayed *d = g_new(struct attacker_delayed, 1);
	d->at = at;
	d->bytes = g_byte_array_sized_new((guint)len);
	g_byte_array_append(d->bytes, data, (guint)len);
	d->tampered = tamper;
	g_queue_push_tail(tamper ? &a->tamper_q : &a->replay_q, d);
	arm_delayed(a, tamper);
}

/* Sees every packet the internet router receives and sends. A forwarded packet shows up twice
 * (in, then out with its TTL one lower): the second sighting has the same ESP bytes as the
 * first and is skipped. */
static void router_tap(void *ctx, sim_time t, const uint8_t *data, size_t len)
{
	struct attacker *a = ctx;
	if (!active(a) || a->captures >= a->cfg.max_captured)
		return;
	size_t off = esp_offset(data, len);
	if (!off || data[8] >= ATTACKER_OWN_TTL_MIN)
		return;
	if (a->cfg.target_ip && sim_get32(data + 16) != a->cfg.target_ip)
		return;
	uint64_t h = fnv1a(data + off, len - off);
	if (h == a->last_hash)
		return;
	a->last_hash = h;
	bool replay = a->cfg.replay_prob > 0 && sim_rng_bernoulli(&a->rng, a->cfg.replay_prob);
	bool tamper = a->cfg.tamper_prob > 0 && sim_rng_bernoulli(&a->rng, a->cfg.tamper_prob);
	if (replay) {
		enqueue(a, data, len, t + a->cfg.replay_delay_ns, false);
		a->captures++;
		(*a->c_captured)++;
	}
	if (tamper && len - off > 8) {
		uint8_t *copy = g_memdup2(data, len);
		sim_put32(copy + off + 4, sim_get32(copy + off + 4) + ATTACKER_TAMPER_SEQ_STEP);
		size_t bit = sim_rng_below(&a->rng, (uint32_t)((len - off - 8) * 8));
		copy[off + 8 + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (off > (size_t)(copy[0] & 15) * 4)
			sim_put16(copy + off - 2, 0); /* UDP checksum 0, as RFC 3948 senders do */
		enqueue(a, copy, len, t + a->cfg.tamper_delay_ns, true);
		g_free(copy);
		a->captures++;
		(*a->c_captured)++;
	}
}

/* ---- life cycle ---- */

static void start_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct attacker *a = ctx;
	a->start_ev = 0;
	if (a->cfg.flood_pps > 0)
		a->flood_ev = sim_schedule_in(sim, poisson_gap(a, a->cfg.flood_pps), flood_event, a, 0);
	if (a->cfg.garbage_pps > 0)
		a->garbage_ev = sim_schedule_in(sim, poisson_gap(a, a->cfg.garbage_pps), garbage_event, a, 0);
}

static bool rate_ok(double x)
{
	return isfinite(x) && x >= 0 && x <= 1e6;
}

static bool prob_ok(double x)
{
	return isfinite(x) && x >= 0 && x <= 1;
}

/* Fills defaults and checks cfg (copied into a). */
static bool configure(struct attacker_cfg *c, const struct world *w, GError **err)
{
	const char *n = c->name;
	if (!n || !*n || sim_net_node(&w->net, n)) {
		g_set_error(err, ATTACKER_ERROR, 1, "attacker: needs a name no other node has (got '%s')", n ? n : "");
		return false;
	}
	if (!rate_ok(c->flood_pps) || !rate_ok(c->garbage_pps) || !prob_ok(c->replay_prob) ||
	    !prob_ok(c->tamper_prob) || c->replay_delay_ns < 0 || c->tamper_delay_ns < 0 || c->start_ns < 0 ||
	    (c->stop_ns && c->stop_ns <= c->start_ns)) {
		g_set_error(err, ATTACKER_ERROR, 2,
			    "attacker %s: rates must be within 0..1e6 per second, probabilities within 0..1, delays >= 0, "
			    "stop after start",
			    n);
		return false;
	}
	if ((c->flood_pps > 0 || c->garbage_pps > 0) && !c->target_ip) {
		g_set_error(err, ATTACKER_ERROR, 3, "attacker %s: a flood or garbage needs a target address", n);
		return false;
	}
	if (c->spoof_plen > 32) {
		g_set_error(err, ATTACKER_ERROR, 4, "attacker %s: spoofed prefix length %u > 32", n, c->spoof_plen);
		return false;
	}
	if (c->n_proposals == 0) {
		static const struct ike_ike_proposal azure[] = {
			{ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA1, IKE_INTEG_HMAC_SHA1_96, IKE_DH_MODP1024 },
			{ IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_MODP1024 },
			{ IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA1, IKE_INTEG_HMAC_SHA1_96, IKE_DH_MODP1024 },
			{ IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_MODP1024 },
		};
		memcpy(c->proposals, azure, sizeof azure);
		c->n_proposals = G_N_ELEMENTS(azure);
	}
	if (c->n_proposals > ATTACKER_MAX_PROPOSALS || !ike_dh_group_lookup(c->proposals[0].dh)) {
		g_set_error(err, ATTACKER_ERROR, 5, "attacker %s: 1..%d proposals with a known DH group", n,
			    ATTACKER_MAX_PROPOSALS);
		return false;
	}
	for (size_t i = 0; i < c->n_proposals; i++)
		if (c->proposals[i].dh != c->proposals[0].dh || !c->proposals[i].encr || !c->proposals[i].prf) {
			g_set_error(err, ATTACKER_ERROR, 6,
				    "attacker %s: proposal %zu: every proposal needs a cipher, a PRF and the first one's DH group",
				    n, i + 1);
			return false;
		}
	if (!c->replay_delay_ns)
		c->replay_delay_ns = SIM_NS_PER_S;
	if (!c->max_captured)
		c->max_captured = 100000;
	if (!c->garbage_max_bytes)
		c->garbage_max_bytes = ATTACKER_DEFAULT_GARBAGE_MAX_BYTES;
	c->garbage_max_bytes = MAX(c->garbage_max_bytes, 16u);
	if (!c->path.rate_bps) {
		struct sim_link_params p = world_path(ATTACKER_DEFAULT_PATH_BPS, ATTACKER_DEFAULT_PATH_DELAY_NS, 0, 0);
		c->path = p;
	}
	return true;
}

struct attacker *attacker_new(struct world *w, const struct attacker_cfg *cfg, GError **err)
{
	struct attacker_cfg c = *cfg;
	if (!configure(&c, w, err))
		return NULL;
	struct attacker *a = g_new0(struct attacker, 1);
	a->w = w;
	a->cfg = c;
	a->name = g_strdup(c.name);
	a->cfg.name = a->name;
	g_autofree char *stream = g_strdup_printf("attacker/%s", a->name);
	sim_rng_stream(&a->rng, w->sim.seed, stream);
	a->node = sim_node_new(&w->net, a->name);
	a->node->ttl = ATTACKER_TTL;
	g_autofree char *path = g_strdup_printf("path-%s", a->name);
	a->wan = world_attach(w, a->node, path, c.addr, &a->cfg.path, NULL);
	/* KE values: real public values of the group, so that a responder does real DH work */
	const struct ike_dh_group *g = ike_dh_group_lookup(c.proposals[0].dh);
	size_t plen = ike_dh_private_len(g);
	uint8_t priv[128];
	g_assert(plen <= sizeof priv);
	for (int i = 0; i < ATTACKER_KE_SET; i++) {
		a->ke[i] = g_byte_array_sized_new((guint)ike_dh_public_len(g));
		g_byte_array_set_size(a->ke[i], (guint)ike_dh_public_len(g));
		struct ike_dh_key *k = NULL;
		sim_rng_bytes(&a->rng, priv, plen);
		if (ike_dh_generate(g, priv, plen, &k, a->ke[i]->data) != IKE_DHV_OK)
			g_error("attacker %s: DH key generation failed", a->name);
		ike_dh_key_free(k);
	}
	memset(priv, 0, sizeof priv);
	g_queue_init(&a->replay_q);
	g_queue_init(&a->tamper_q);
	struct sim_stats *st = &w->net.stats;
	a->c_flood = sim_stats_counterf(st, "attacker/%s/tx_init_flood", a->name);
	a->c_replay = sim_stats_counterf(st, "attacker/%s/tx_replay", a->name);
	a->c_tamper = sim_stats_counterf(st, "attacker/%s/tx_tamper", a->name);
	a->c_garbage_ike = sim_stats_counterf(st, "attacker/%s/tx_garbage_ike", a->name);
	a->c_garbage_truncated = sim_stats_counterf(st, "attacker/%s/tx_garbage_truncated", a->name);
	a->c_garbage_chain = sim_stats_counterf(st, "attacker/%s/tx_garbage_chain", a->name);
	a->c_garbage_natt = sim_stats_counterf(st, "attacker/%s/tx_garbage_natt", a->name);
	a->c_garbage_esp = sim_stats_counterf(st, "attacker/%s/tx_garbage_esp", a->name);
	a->c_captured = sim_stats_counterf(st, "attacker/%s/captured", a->name);
	a->c_refused = sim_stats_counterf(st, "attacker/%s/tx_refused", a->name);
	if (c.replay_prob > 0 || c.tamper_prob > 0) {
		sim_node_add_tap(w->internet, router_tap, a);
		a->tapping = true;
	}
	a->start_ev = sim_schedule_at(&w->sim, MAX(c.start_ns, sim_now(&w->sim)), start_event, a, 0);
	return a;
}

void attacker_free(struct attacker *a)
{
	if (!a)
		return;
	struct sim *sim = &a->w->sim;
	sim_event_id evs[] = { a->start_ev, a->flood_ev, a->garbage_ev, a->replay_ev, a->tamper_ev };
	for (size_t i = 0; i < G_N_ELEMENTS(evs); i++)
		if (evs[i])
			sim_cancel(sim, evs[i]);
	if (a->tapping)
		sim_node_remove_tap(a->w->internet, router_tap, a);
	g_queue_clear_full(&a->replay_q, delayed_free);
	g_queue_clear_full(&a->tamper_q, delayed_free);
	for (int i = 0; i < ATTACKER_KE_SET; i++)
		g_byte_array_unref(a->ke[i]);
	g_free(a->name);
	g_free(a);
}
