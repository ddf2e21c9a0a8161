/* ike_node.c: the IKE engine's callbacks on a simulated node. */
#include "models/ike_node.h"

#include <stdio.h>
#include <string.h>

#include "models/ipsec/ike_consts.h"

#include "sim/log.h"

struct ike_node_timer {
	struct ike_node *k;
	uint64_t sa_id;
	sim_event_id ev;
};

static sim_time now_of(const struct ike_node *k)
{
	return sim_now(k->net->sim);
}

/* ---- callbacks ---- */

static void cb_send(void *user, const struct ike_dgram *d)
{
	struct ike_node *k = user;
	ipsec_node_send_ike(k->in, d->src.ip, d->src.port, d->dst.ip, d->dst.port, d->data, d->len);
}

static void timer_fired(struct sim *sim, void *ctx, uint64_t arg)
{
	struct ike_node_timer *t = ctx;
	struct ike_node *k = t->k;
	uint64_t sa_id = t->sa_id;
	g_hash_table_remove(k->timers, &sa_id); /* frees t */
	ike_timer(k->ep, sa_id, sim_now(sim));
}

static void cb_set_timer(void *user, uint64_t sa_id, int64_t at_ns)
{
	struct ike_node *k = user;
	struct ike_node_timer *t = g_hash_table_lookup(k->timers, &sa_id);
	if (t)
		sim_cancel(k->net->sim, t->ev);
	if (at_ns == INT64_MAX) {
		if (t)
			g_hash_table_remove(k->timers, &sa_id);
		return;
	}
	if (!t) {
		t = g_new0(struct ike_node_timer, 1);
		t->k = k;
		t->sa_id = sa_id;
		g_hash_table_insert(k->timers, &t->sa_id, t);
	}
	sim_time at = at_ns < now_of(k) ? now_of(k) : at_ns;
	t->ev = sim_schedule_at(k->net->sim, at, timer_fired, t, 0);
}

static void cb_random(void *user, uint8_t *buf, size_t len)
{
	struct ike_node *k = user;
	sim_rng_bytes(&k->rng, buf, len);
}

static struct ipsec_tunnel *tunnel_for(const struct ike_node *k, uint32_t remote_ip)
{
	return g_hash_table_lookup(k->tunnel_by_remote, GUINT_TO_POINTER(remote_ip));
}

static struct esp_sa *make_esp(struct ike_node *k, const struct ike_child_info *c, enum esp_dir dir)
{
	struct esp_sa_config cfg;
	if (!ike_child_esp_config(c, dir, &cfg)) {
		(*k->c_esp_config_failed)++;
		return NULL;
	}
	GError *err = NULL;
	struct esp_sa *sa = esp_sa_new(&cfg, now_of(k), &err);
	if (!sa) {
		sim_log(now_of(k), "ike", G_LOG_LEVEL_WARNING, "%s: ESP SA %08x refused: %s", k->name, cfg.spi,
			err->message);
		g_error_free(err);
		(*k->c_esp_config_failed)++;
	}
	return sa;
}

static void cb_child_up(void *user, const struct ike_child_info *c)
{
	struct ike_node *k = user;
	struct ipsec_tunnel *t = tunnel_for(k, c->remote.ip);
	if (!t && k->hooks.tunnel_needed) {
		t = k->hooks.tunnel_needed(k->hooks_ctx, k, c);
		if (t)
			ike_node_bind_tunnel(k, c->remote.ip, t);
	}
	if (!t) {
		(*k->c_no_tunnel)++;
	} else {
		struct esp_sa *in = make_esp(k, c, ESP_DIR_IN), *out = make_esp(k, c, ESP_DIR_OUT);
		if (in && out && k->keylog) {
			keylog_add_esp(k->keylog, esp_sa_wireshark_row(in));
			keylog_add_esp(k->keylog, esp_sa_wireshark_row(out));
			keylog_add_ike(k->keylog, ike_sa_wireshark_row(k->ep, c->sa_id));
			keylog_add_ike1(k->keylog, ike_sa_wireshark_ikev1_row(k->ep, c->sa_id));
		}
		if (in && out && ipsec_node_add_in_sa(k->in, in, t)) {
			ipsec_tunnel_set_out_sa(t, out); /* the newest SA carries traffic from now on */
		} else {
			esp_sa_free(in);
			esp_sa_free(out);
			t = NULL;
		}
	}
	if (k->hooks.child_up)
		k->hooks.child_up(k->hooks_ctx, k, c, t);
}

static void cb_child_down(void *user, const struct ike_child_info *c, enum ike_down_reason why)
{
	struct ike_node *k = user;
	struct ipsec_tunnel *t = tunnel_for(k, c->remote.ip);
	ipsec_node_del_in_sa(k->in, c->spi_in);
	if (t && t->out_sa && esp_sa_config(t->out_sa)->spi == c->spi_out)
		ipsec_tunnel_set_out_sa(t, NULL);
	if (k->hooks.child_down)
		k->hooks.child_down(k->hooks_ctx, k, c, t, why);
}

static void cb_ike_state(void *user, uint64_t sa_id, enum ike_sa_state old_state, enum ike_sa_state new_state)
{
	struct ike_node *k = user;
	if (k->keylog && new_state == IKE_SA_ESTABLISHED) {
		keylog_add_ike(k->keylog, ike_sa_wireshark_row(k->ep, sa_id));
		keylog_add_ike1(k->keylog, ike_sa_wireshark_ikev1_row(k->ep, sa_id));
	}
	if (k->hooks.ike_state)
		k->hooks.ike_state(k->hooks_ctx, k, sa_id, old_state, new_state);
}

static void cb_log(void *user, GLogLevelFlags level, const char *msg)
{
	struct ike_node *k = user;
	sim_log(now_of(k), "ike", level, "%s: %s", k->name, msg);
}

static const struct ike_callbacks callbacks = {
	.send = cb_send,
	.set_timer = cb_set_timer,
	.random = cb_random,
	.child_up = cb_child_up,
	.child_down = cb_child_down,
	.ike_state = cb_ike_state,
	.log = cb_log,
};

/* ---- input ---- */

static void ike_rx(void *ctx, struct sim_pkt *pkt, const struct sim_rx_info *info)
{
	struct ike_node *k = ctx;
	struct ike_dgram d = {
		.src = { info->src, info->sport },
		.dst = { info->dst, info->dport },
		.data = sim_pkt_data(pkt),
		.len = pkt->len,
	};
	ike_input(k->ep, &d, now_of(k));
	sim_pkt_free(pkt);
}

/* ---- life cycle ---- */

static void start_endpoint(struct ike_node *k)
{
	struct ike_endpoint_cfg cfg = k->cfg;
	cfg.name = k->name;
	sim_rng_bytes(&k->rng, cfg.cookie_secret, sizeof cfg.cookie_secret);
	k->ep = ike_endpoint_new(&cfg, &callbacks, k);
}

/* ESP from the peer is a sign of life: no DPD is due while it arrives */
static void esp_rx(void *ctx, uint32_t spi_in)
{
	struct ike_node *k = ctx;
	ike_child_activity(k->ep, spi_in, now_of(k));
}

void ike_node_init(struct ike_node *k, struct ipsec_node *in, const struct ike_endpoint_cfg *cfg,
		   const struct ike_node_hooks *hooks, void *hooks_ctx)
{
	memset(k, 0, sizeof *k);
	struct sim_node *node = in->node;
	k->in = in;
	k->net = node->net;
	k->name = g_strdup(node->name);
	k->cfg = *cfg;
	if (hooks)
		k->hooks = *hooks;
	k->hooks_ctx = hooks_ctx;
	g_autofree char *stream = g_strdup_printf("ike/%s", node->name);
	sim_rng_stream(&k->rng, k->net->sim->seed, stream);
	k->timers = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
	k->tunnel_by_remote = g_hash_table_new(g_direct_hash, g_direct_equal);
	k->c_no_tunnel = sim_stats_counterf(&k->net->stats, "ike/%s/child_no_tunnel", node->name);
	k->c_esp_config_failed = sim_stats_counterf(&k->net->stats, "ike/%s/esp_config_failed", node->name);
	start_endpoint(k);
	ipsec_node_set_ike_handler(in, ike_rx, k);
	in->esp_rx = esp_rx;
}

static void cancel_timers(struct ike_node *k)
{
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, k->timers);
	while (g_hash_table_iter_next(&it, NULL, &v))
		sim_cancel(k->net->sim, ((struct ike_node_timer *)v)->ev);
	g_hash_table_remove_all(k->timers);
}

/* Removes the ESP SAs of every CHILD SA of the endpoint from the node. */
static void drop_esp_state(struct ike_node *k)
{
	for (guint i = 0; i < k->in->tunnels->len; i++) {
		struct ipsec_tunnel *t = k->in->tunnels->pdata[i];
		ipsec_tunnel_set_out_sa(t, NULL);
	}
	GList *spis = g_hash_table_get_keys(k->in->in_sas);
	for (GList *l = spis; l; l = l->next)
		ipsec_node_del_in_sa(k->in, GPOINTER_TO_UINT(l->data));
	g_list_free(spis);
}

/* a += b, field by field (struct ike_counters holds only uint64_t), except the half-open
 * watermark, which takes the higher */
static void counters_add(struct ike_counters *a, const struct ike_counters *b)
{
	G_STATIC_ASSERT(sizeof(struct ike_counters) % sizeof(uint64_t) == 0);
	uint64_t *x = (uint64_t *)a;
	const uint64_t *y = (const uint64_t *)b;
	uint64_t peak = MAX(a->half_open_peak, b->half_open_peak);
	for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		x[i] += y[i];
	a->half_open_peak = peak; /* a watermark: the higher of the two, not their sum */
}

void ike_node_reset(struct ike_node *k)
{
	counters_add(&k->past, ike_endpoint_counters(k->ep));
	cancel_timers(k);
	ike_endpoint_free(k->ep); /* silently: no callbacks */
	drop_esp_state(k);
	start_endpoint(k);
}

void ike_node_destroy(struct ike_node *k)
{
	if (!k->ep)
		return;
	cancel_timers(k);
	ike_endpoint_free(k->ep);
	ipsec_node_set_ike_handler(k->in, NULL, NULL);
	k->in->esp_rx = NULL;
	g_hash_table_destroy(k->timers);
	g_hash_table_destroy(k->tunnel_by_remote);
	g_free(k->name);
	memset(k, 0, sizeof *k);
}

void ike_node_bind_tunnel(struct ike_node *k, uint32_t remote_ip, struct ipsec_tunnel *t)
{
	g_hash_table_insert(k->tunnel_by_remote, GUINT_TO_POINTER(remote_ip), t);
}

void ike_node_export_counters(const struct ike_node *k, struct sim_stats *st)
{
	struct ike_counters all = k->past;
	counters_add(&all, ike_endpoint_counters(k->ep));
	const struct ike_counters *c = &all;
	static const char *const exch[4] = { "ike_sa_init", "ike_auth", "create_child_sa", "informational" };
	for (int i = 0; i < 4; i++) {
		*sim_stats_counterf(st, "ike/%s/rx_req_%s", k->name, exch[i]) = c->rx_req[i];
		*sim_stats_counterf(st, "ike/%s/tx_req_%s", k->name, exch[i]) = c->tx_req[i];
	}
	*sim_stats_counterf(st, "ike/%s/retransmits", k->name) = c->retransmits;
	*sim_stats_counterf(st, "ike/%s/resp_resent", k->name) = c->resp_resent;
	*sim_stats_counterf(st, "ike/%s/dpd_sent", k->name) = c->dpd_sent;
	*sim_stats_counterf(st, "ike/%s/ike_rekeys", k->name) = c->ike_rekeys;
	*sim_stats_counterf(st, "ike/%s/child_rekeys", k->name) = c->child_rekeys;
	*sim_stats_counterf(st, "ike/%s/established", k->name) = c->established;
	*sim_stats_counterf(st, "ike/%s/dead_peers", k->name) = c->dead_peers;
	*sim_stats_counterf(st, "ike/%s/cookies_sent", k->name) = c->cookies_sent;
	*sim_stats_counterf(st, "ike/%s/half_open_peak", k->name) = c->half_open_peak;
	for (int d = 0; d < IKE_DROP_COUNT; d++)
		*sim_stats_counterf(st, "ike/%s/drop_%s", k->name, ike_drop_name(d)) = c->drops[d];
	/* IKEv1 */
	static const char *const ex1[3] = { "main_mode", "quick_mode", "informational" };
	for (int i = 0; i < 3; i++) {
		*sim_stats_counterf(st, "ike/%s/v1_rx_%s", k->name, ex1[i]) = c->v1_rx[i];
		*sim_stats_counterf(st, "ike/%s/v1_tx_%s", k->name, ex1[i]) = c->v1_tx[i];
	}
	*sim_stats_counterf(st, "ike/%s/v1_quick_modes", k->name) = c->v1_quick_modes;
	*sim_stats_counterf(st, "ike/%s/v1_decrypt_failed", k->name) = c->v1_decrypt_failed;
	*sim_stats_counterf(st, "ike/%s/v1_bad_hash", k->name) = c->v1_bad_hash;
	/* error notifies by IANA name, only those that happened (TS_UNACCEPTABLE, ...) */
	for (unsigned n = 1; n < G_N_ELEMENTS(c->notify_tx); n++) {
		const char *nm = ike_const_name(IKE_NS_NOTIFY, n);
		char num[8];
		snprintf(num, sizeof num, "%u", n);
		if (c->notify_tx[n])
			*sim_stats_counterf(st, "ike/%s/notify_tx/%s", k->name, nm ? nm : num) = c->notify_tx[n];
		if (c->notify_rx[n])
			*sim_stats_counterf(st, "ike/%s/notify_rx/%s", k->name, nm ? nm : num) = c->notify_rx[n];
	}
}
