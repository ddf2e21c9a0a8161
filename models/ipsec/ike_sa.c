/* ike_sa.c: the IKEv2 endpoint (ike.h): peers, the IKE SA table, SA lifecycle and timers, and
 * the dispatch of received datagrams to the exchange handlers (ike_exchange_*.c, ike_child.c,
 * ike_rekey.c, ike_info.c). */
#include "models/ipsec/ike_sa_internal.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <string.h>

#define NS_PER_S G_GINT64_CONSTANT(1000000000)

G_DEFINE_QUARK(ike-error-quark, ike_error)

struct ike_retransmit_cfg ike_retransmit_strongswan(void)
{
	return (struct ike_retransmit_cfg){ .timeout_ns = 4 * NS_PER_S, .base = 1.8, .tries = 5 };
}

struct ike_retransmit_cfg ike_retransmit_iked(void)
{
	return (struct ike_retransmit_cfg){ .timeout_ns = 4 * NS_PER_S, .base = 2.0, .tries = 4 };
}

const char *ike_sa_state_name(enum ike_sa_state s)
{
	static const char *const names[] = { "init-sent", "auth-sent",	"half-open", "established",
					     "rekeyed",	  "deleting",	"dead" };
	return (unsigned)s < G_N_ELEMENTS(names) ? names[s] : "?";
}

const char *ike_down_reason_name(enum ike_down_reason r)
{
	static const char *const names[] = { "deleted-local", "deleted-peer", "rekeyed",  "peer-dead",
					     "failed",	      "expired",      "ike-gone" };
	return (unsigned)r < G_N_ELEMENTS(names) ? names[r] : "?";
}

const char *ike_drop_name(enum ike_drop d)
{
	static const char *const names[] = { "parse",	   "no-sa",   "bad-marker", "sk",	"msg-id",
					     "unexpected", "invalid", "dh",	    "cookie",	"v1-parse" };
	return (unsigned)d < G_N_ELEMENTS(names) ? names[d] : "?";
}

void ike_log(struct ike_endpoint *ep, GLogLevelFlags level, const char *fmt, ...)
{
	if (!ep->cb.log)
		return;
	/* on the stack: a setup logs a handful of lines that most callers discard */
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = g_vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof buf) {
		ep->cb.log(ep->user, level, buf);
		return;
	}
	va_start(ap, fmt);
	char *s = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	ep->cb.log(ep->user, level, s);
	g_free(s);
}

void ike_random(struct ike_endpoint *ep, void *buf, size_t len)
{
	ep->cb.random(ep->user, buf, len);
}

uint64_t ike_random_spi64(struct ike_endpoint *ep)
{
	for (;;) {
		uint8_t b[8];
		ike_random(ep, b, sizeof(b));
		uint64_t v = ike_get64(b);
		if (v != 0 && !g_hash_table_contains(ep->by_spi, &v))
			return v;
	}
}

uint32_t ike_random_child_spi(struct ike_endpoint *ep)
{
	for (;;) {
		uint8_t b[4];
		ike_random(ep, b, sizeof(b));
		uint32_t v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
		if (v >= 256 && !g_hash_table_contains(ep->child_spis, GUINT_TO_POINTER(v)))
			return v;
	}
}

int64_t ike_jittered(struct ike_endpoint *ep, int64_t base_ns, int64_t jitter_ns)
{
	if (base_ns <= 0)
		return INT64_MAX;
	if (jitter_ns <= 0)
		return base_ns;
	/* a jitter as long as the time itself (a preset's 10 % of hours against a what-if lifetime
	 * of seconds) would fire at once, again and again: keep it to a tenth of the time */
	if (jitter_ns >= base_ns)
		jitter_ns = base_ns / 10;
	uint8_t b[8];
	ike_random(ep, b, sizeof(b));
	uint64_t r = ike_get64(b) % (uint64_t)(jitter_ns + 1);
	return base_ns - (int64_t)r;
}

int64_t ike_retry_at(struct ike_endpoint *ep, int64_t now)
{
	return now + NS_PER_S + (5 * NS_PER_S - ike_jittered(ep, 5 * NS_PER_S, 4 * NS_PER_S));
}

unsigned ike_exch_index(uint8_t exchange)
{
	return exchange >= IKE_EXCH_IKE_SA_INIT && exchange <= IKE_EXCH_INFORMATIONAL
		       ? (unsigned)(exchange - IKE_EXCH_IKE_SA_INIT)
		       : 3u;
}

void ike_count_notify(uint64_t *arr, uint16_t type)
{
	if (type < 64)
		arr[type]++;
}

/* ---- endpoint ---- */

struct ike_endpoint *ike_endpoint_new(const struct ike_endpoint_cfg *cfg, const struct ike_callbacks *cb,
				      void *user)
{
	g_assert(cb && cb->send && cb->set_timer && cb->random);
	struct ike_endpoint *ep = g_new0(struct ike_endpoint, 1);
	if (cfg)
		ep->cfg = *cfg;
	ep->name = g_strdup(ep->cfg.name ? ep->cfg.name : "ike");
	ep->cfg.name = ep->name;
	if (!ep->cfg.max_cookie_rounds)
		ep->cfg.max_cookie_rounds = 2;
	if (!ep->cfg.half_open_timeout_ns)
		ep->cfg.half_open_timeout_ns = 30 * NS_PER_S;
	if (!ep->cfg.max_msg_len)
		ep->cfg.max_msg_len = 65535;
	ep->cb = *cb;
	ep->user = user;
	ep->peers = g_ptr_array_new();
	ep->by_spi = g_hash_table_new(g_int64_hash, g_int64_equal);
	ep->by_id = g_hash_table_new(g_int64_hash, g_int64_equal);
	ep->child_spis = g_hash_table_new(g_direct_hash, g_direct_equal);
	ep->resp_by_spi_i = g_hash_table_new(g_int64_hash, g_int64_equal);
	ep->graveyard = g_ptr_array_new();
	ep->next_id = 1;
	return ep;
}

static void child_free(struct ike_child *c)
{
	memset(c, 0, sizeof(*c));
	g_free(c);
}

static void sa_free(struct ike_sa *sa)
{
	if (sa->v1)
		ike1_sa_free(sa->v1);
	ike_request_clear(&sa->req);
	ike_frag_rx_clear(sa);
	if (sa->resp_frags)
		g_ptr_array_unref(sa->resp_frags);
	if (sa->sealed_frags)
		g_ptr_array_unref(sa->sealed_frags);
	if (sa->dh)
		ike_dh_key_free(sa->dh);
	GByteArray **bufs[] = { &sa->ke_pub, &sa->ni, &sa->nr, &sa->init_req, &sa->init_resp, &sa->cookie, &sa->last_req,
				&sa->resp_cache };
	for (size_t i = 0; i < G_N_ELEMENTS(bufs); i++)
		if (*bufs[i])
			g_byte_array_unref(*bufs[i]);
	ike_sa_keys_clear(&sa->keys);
	for (guint i = 0; i < sa->children->len; i++)
		child_free(g_ptr_array_index(sa->children, i));
	g_ptr_array_free(sa->children, TRUE);
	g_array_free(sa->queue, TRUE);
	g_free(sa);
}

static void bury(struct ike_endpoint *ep)
{
	for (guint i = 0; i < ep->graveyard->len; i++)
		sa_free(g_ptr_array_index(ep->graveyard, i));
	g_ptr_array_set_size(ep->graveyard, 0);
}

void ike_endpoint_free(struct ike_endpoint *ep)
{
	if (!ep)
		return;
	GList *sas = g_hash_table_get_values(ep->by_id);
	for (GList *l = sas; l; l = l->next)
		sa_free(l->data);
	g_list_free(sas);
	bury(ep);
	for (guint i = 0; i < ep->peers->len; i++) {
		struct ike_peer *p = g_ptr_array_index(ep->peers, i);
		g_tree_destroy(p->pool_free);
		ike_cert_free(p);
		g_free(p->name);
		OPENSSL_cleanse(p, sizeof(*p)); /* the PSK and the keys derived from it */
		g_free(p);
	}
	g_ptr_array_free(ep->peers, TRUE);
	g_hash_table_destroy(ep->by_spi);
	g_hash_table_destroy(ep->by_id);
	g_hash_table_destroy(ep->child_spis);
	g_hash_table_destroy(ep->resp_by_spi_i);
	g_ptr_array_free(ep->graveyard, TRUE);
	g_free(ep->name);
	memset(ep, 0, sizeof(*ep));
	g_free(ep);
}

static gint cmp_index(gconstpointer a, gconstpointer b)
{
	guint x = GPOINTER_TO_UINT(a), y = GPOINTER_TO_UINT(b);
	return x < y ? -1 : x > y;
}

uint32_t ike_pool_take(struct ike_peer *p)
{
	GTreeNode *lowest = g_tree_node_first(p->pool_free);
	if (lowest) {
		guint idx = GPOINTER_TO_UINT(g_tree_node_key(lowest));
		g_tree_remove(p->pool_free, GUINT_TO_POINTER(idx));
		return p->cfg.pool_start + idx;
	}
	if (p->pool_hwm >= p->cfg.pool_size)
		return 0;
	return p->cfg.pool_start + p->pool_hwm++;
}

void ike_pool_release(struct ike_peer *p, uint32_t vip)
{
	uint32_t idx = vip - p->cfg.pool_start;
	g_assert(idx < p->pool_hwm);
	g_tree_insert(p->pool_free, GUINT_TO_POINTER(idx), NULL);
}

int ike_peer_add(struct ike_endpoint *ep, const struct ike_peer_cfg *cfg, GError **err)
{
	if (cfg->ike_version > 2) {
		g_set_error(err, IKE_ERROR, 6, "peer %s: IKE version %u", cfg->name ? cfg->name : "?", cfg->ike_version);
		return -1;
	}
	if (cfg->n_ike == 0 || cfg->n_ike > IKE_MAX_PROPOSALS) {
		g_set_error(err, IKE_ERROR, 1, "peer %s: 1..%d IKE proposals needed", cfg->name ? cfg->name : "?",
			    IKE_MAX_PROPOSALS);
		return -1;
	}
	if (cfg->ike_version == 1 && !ike1_peer_check(cfg, err))
		return -1;
	for (size_t i = 0; i < cfg->n_ike && cfg->ike_version != 1; i++) {
		struct ike_transforms xf;
		ike_ike_xf(&cfg->ike[i], &xf);
		if (!ike_transforms_supported(&xf, true) || !ike_dh_group_lookup(cfg->ike[i].dh)) {
			g_set_error(err, IKE_ERROR, 2, "peer %s: IKE proposal %zu not supported",
				    cfg->name ? cfg->name : "?", i + 1);
			return -1;
		}
	}
	if (cfg->n_esp > IKE_MAX_PROPOSALS || cfg->n_local_ts > IKE_MAX_TS || cfg->n_remote_ts > IKE_MAX_TS ||
	    cfg->psk_len > IKE_MAX_PSK_LEN || cfg->local_id.len > IKE_MAX_ID_LEN) {
		g_set_error(err, IKE_ERROR, 3, "peer %s: too many proposals or selectors, or too long PSK/ID",
			    cfg->name ? cfg->name : "?");
		return -1;
	}
	if (cfg->fragment_mtu && cfg->fragment_mtu < 256) {
		g_set_error(err, IKE_ERROR, 5, "peer %s: fragment MTU %zu below 256 bytes", cfg->name ? cfg->name : "?",
			    cfg->fragment_mtu);
		return -1;
	}
	for (size_t i = 0; i < cfg->n_esp; i++) {
		struct ike_transforms xf;
		ike_esp_xf(&cfg->esp[i], &xf);
		if (!ike_transforms_supported(&xf, false) || (cfg->esp[i].dh && !ike_dh_group_lookup(cfg->esp[i].dh))) {
			g_set_error(err, IKE_ERROR, 4, "peer %s: ESP proposal %zu not supported",
				    cfg->name ? cfg->name : "?", i + 1);
			return -1;
		}
	}
	struct ike_peer *p = g_new0(struct ike_peer, 1);
	p->cfg = *cfg;
	p->name = g_strdup(cfg->name ? cfg->name : "peer");
	p->cfg.name = p->name;
	p->cfg.key_der = p->cfg.cert_der = p->cfg.ca_der = NULL;
	if (cfg->auth == IKE_AUTH_MODE_CERT && !ike_cert_load(p, cfg, err)) {
		ike_cert_free(p);
		g_free(p->name);
		g_free(p);
		return -1;
	}
	if (!p->cfg.local.port)
		p->cfg.local.port = IKE_PORT;
	if (!p->cfg.remote.port)
		p->cfg.remote.port = IKE_PORT;
	if (!p->cfg.retransmit.timeout_ns)
		p->cfg.retransmit = ike_retransmit_strongswan();
	p->pool_free = g_tree_new(cmp_index);
	g_ptr_array_add(ep->peers, p);
	return (int)ep->peers->len - 1;
}

/* ---- SAs ---- */

const struct ike_peer_cfg *ike_sa_cfg(const struct ike_sa *sa)
{
	const struct ike_peer *p = g_ptr_array_index(sa->ep->peers, sa->peer);
	return &p->cfg;
}

/* One more half-open responder SA; the counters keep the highest count seen. */
static void half_open_inc(struct ike_endpoint *ep)
{
	ep->half_open++;
	if (ep->half_open > ep->ctr.half_open_peak)
		ep->ctr.half_open_peak = ep->half_open;
}

struct ike_sa *ike_sa_new(struct ike_endpoint *ep, int peer, bool initiator, int64_t now)
{
	struct ike_sa *sa = g_new0(struct ike_sa, 1);
	sa->id = ep->next_id++;
	sa->ep = ep;
	sa->peer = peer;
	sa->initiator = initiator;
	sa->state = initiator ? IKE_SA_INIT_SENT : IKE_SA_HALF_OPEN;
	if (sa->state == IKE_SA_HALF_OPEN)
		half_open_inc(ep);
	sa->queue = g_array_new(FALSE, TRUE, sizeof(struct ike_task_item));
	sa->children = g_ptr_array_new();
	sa->created_ns = now;
	sa->last_rx_ns = now;
	sa->rekey_at_ns = INT64_MAX;
	sa->expire_at_ns = INT64_MAX;
	sa->timer_at_ns = INT64_MAX;
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	sa->local = cfg->local;
	sa->remote = cfg->remote;
	g_hash_table_insert(ep->by_id, &sa->id, sa);
	return sa;
}

void ike_sa_set_spi(struct ike_sa *sa, uint64_t local_spi)
{
	if (sa->local_spi)
		g_hash_table_remove(sa->ep->by_spi, &sa->local_spi);
	sa->local_spi = local_spi;
	if (sa->initiator)
		sa->spi_i = local_spi;
	else
		sa->spi_r = local_spi;
	if (local_spi)
		g_hash_table_insert(sa->ep->by_spi, &sa->local_spi, sa);
}

void ike_sa_index_spi_i(struct ike_sa *sa)
{
	g_assert(!sa->initiator && !sa->spi_i_indexed);
	sa->next_same_spi_i = g_hash_table_lookup(sa->ep->resp_by_spi_i, &sa->spi_i);
	/* replace, not insert: the key must point into the new head */
	g_hash_table_replace(sa->ep->resp_by_spi_i, &sa->spi_i, sa);
	sa->spi_i_indexed = true;
}

static void unindex_spi_i(struct ike_sa *sa)
{
	if (!sa->spi_i_indexed)
		return;
	GHashTable *t = sa->ep->resp_by_spi_i;
	struct ike_sa *head = g_hash_table_lookup(t, &sa->spi_i);
	if (head == sa) {
		g_hash_table_remove(t, &sa->spi_i);
		if (sa->next_same_spi_i)
			g_hash_table_replace(t, &sa->next_same_spi_i->spi_i, sa->next_same_spi_i);
	} else {
		struct ike_sa *prev = head;
		while (prev && prev->next_same_spi_i != sa)
			prev = prev->next_same_spi_i;
		g_assert(prev);
		prev->next_same_spi_i = sa->next_same_spi_i;
	}
	sa->next_same_spi_i = NULL;
	sa->spi_i_indexed = false;
}

struct ike_sa *ike_sa_by_spi_i(const struct ike_endpoint *ep, uint64_t spi_i)
{
	return g_hash_table_lookup(ep->resp_by_spi_i, &spi_i);
}

struct ike_sa *ike_sa_by_id(const struct ike_endpoint *ep, uint64_t id)
{
	return g_hash_table_lookup(ep->by_id, &id);
}

struct ike_sa *ike_sa_by_spi(const struct ike_endpoint *ep, uint64_t local_spi)
{
	return g_hash_table_lookup(ep->by_spi, &local_spi);
}

void ike_sa_set_state(struct ike_sa *sa, enum ike_sa_state st)
{
	enum ike_sa_state old = sa->state;
	if (old == st)
		return;
	sa->state = st;
	if (old == IKE_SA_HALF_OPEN)
		sa->ep->half_open--;
	if (st == IKE_SA_HALF_OPEN)
		half_open_inc(sa->ep);
	ike_log(sa->ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT " (%s): %s -> %s", sa->id,
		ike_sa_cfg(sa)->name, ike_sa_state_name(old), ike_sa_state_name(st));
	if (sa->ep->cb.ike_state)
		sa->ep->cb.ike_state(sa->ep->user, sa->id, old, st);
}

void ike_sa_destroy(struct ike_sa *sa, enum ike_down_reason why)
{
	if (sa->state == IKE_SA_DEAD)
		return;
	struct ike_endpoint *ep = sa->ep;
	enum ike_down_reason cwhy = why == IKE_DOWN_REKEYED ? IKE_DOWN_IKE_GONE : why;
	if (why == IKE_DOWN_DELETED_LOCAL || why == IKE_DOWN_DELETED_PEER || why == IKE_DOWN_FAILED)
		cwhy = IKE_DOWN_IKE_GONE;
	while (sa->children->len)
		ike_child_remove(sa, g_ptr_array_index(sa->children, sa->children->len - 1), cwhy);
	if (why == IKE_DOWN_PEER_DEAD)
		ep->ctr.dead_peers++;
	if (sa->vip_from_pool) {
		struct ike_peer *p = g_ptr_array_index(ep->peers, sa->peer);
		ike_pool_release(p, sa->vip);
	}
	ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT " destroyed: %s", sa->id, ike_down_reason_name(why));
	ike_sa_set_state(sa, IKE_SA_DEAD);
	if (sa->timer_at_ns != INT64_MAX)
		ep->cb.set_timer(ep->user, sa->id, INT64_MAX);
	sa->timer_at_ns = INT64_MAX;
	if (sa->local_spi)
		g_hash_table_remove(ep->by_spi, &sa->local_spi);
	unindex_spi_i(sa);
	g_hash_table_remove(ep->by_id, &sa->id);
	g_ptr_array_add(ep->graveyard, sa);
}

void ike_sa_established(struct ike_sa *sa, int64_t now)
{
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	sa->ep->ctr.established++;
	sa->created_ns = now;
	sa->last_rx_ns = now;
	int64_t rk = ike_jittered(sa->ep, cfg->ike_rekey_ns, cfg->rekey_jitter_ns);
	sa->rekey_at_ns = rk == INT64_MAX ? INT64_MAX : now + rk;
	sa->expire_at_ns = cfg->ike_lifetime_ns > 0 ? now + cfg->ike_lifetime_ns : INT64_MAX;
	ike_sa_set_state(sa, IKE_SA_ESTABLISHED);
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* The NAT keepalive interval of an SA, or 0 when it sends none: only an SA that found itself
 * behind a NAT keeps the mapping open (RFC 3948 §2.3). */
int64_t ike_keepalive_interval(const struct ike_sa *sa)
{
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	/* IKEv1 floats to 4500 only once NAT-D says so (encap) */
	if (!sa->nat_local || (sa->v1 && !sa->encap) || cfg->keepalive_ns < 0)
		return 0;
	return cfg->keepalive_ns ? cfg->keepalive_ns : 20 * NS_PER_S;
}

/* The SA's next deadline: retransmission, DPD, NAT keepalive, rekeys, lifetimes, half-open
 * timeout. */
static int64_t sa_deadline(const struct ike_sa *sa)
{
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	int64_t t = INT64_MAX;
	bool busy = sa->req.active;
	if (sa->v1)
		t = ike1_request_deadline(sa, &busy);
	else if (sa->req.active)
		t = sa->req.deadline_ns;
	if (sa->state == IKE_SA_HALF_OPEN)
		t = min64(t, sa->created_ns + sa->ep->cfg.half_open_timeout_ns);
	if (sa->state == IKE_SA_REKEYED)
		t = min64(t, sa->expire_at_ns);
	if (sa->state != IKE_SA_ESTABLISHED)
		return t;
	t = min64(t, sa->expire_at_ns);
	int64_t ka = ike_keepalive_interval(sa);
	if (ka > 0)
		t = min64(t, sa->last_tx_ns + ka);
	if (!busy && sa->queue->len == 0) {
		t = min64(t, sa->rekey_at_ns);
		if (cfg->dpd_interval_ns > 0 && (!sa->v1 || ike1_dpd_allowed(sa)))
			t = min64(t, sa->last_rx_ns + cfg->dpd_interval_ns);
	}
	for (guint i = 0; i < sa->children->len; i++) {
		const struct ike_child *c = g_ptr_array_index(sa->children, i);
		t = min64(t, c->info.expire_at_ns);
		if (c->state == IKE_CHILD_INSTALLED && !c->task_queued)
			t = min64(t, c->info.rekey_at_ns);
	}
	return t;
}

void ike_sa_update_timer(struct ike_sa *sa, int64_t now)
{
	if (sa->state == IKE_SA_DEAD)
		return;
	int64_t t = sa_deadline(sa);
	if (t != INT64_MAX && t < now)
		t = now;
	if (t != sa->timer_at_ns) {
		sa->timer_at_ns = t;
		sa->ep->cb.set_timer(sa->ep->user, sa->id, t);
	}
}

/* Work that falls due at `now` on an established SA. */
static void sa_due(struct ike_sa *sa, int64_t now)
{
	const struct ike_peer_cfg *cfg = ike_sa_cfg(sa);
	int64_t ka = ike_keepalive_interval(sa);
	if (ka > 0 && now >= sa->last_tx_ns + ka) {
		static const uint8_t keepalive = 0xff;
		struct ike_dgram d = { .src = sa->local, .dst = sa->remote, .data = &keepalive, .len = 1 };
		sa->ep->ctr.keepalives_sent++;
		sa->last_tx_ns = now;
		sa->ep->cb.send(sa->ep->user, &d);
	}
	if (now >= sa->expire_at_ns) {
		ike_log(sa->ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": lifetime expired", sa->id);
		ike_task_queue(sa, IKE_TASK_IKE_DELETE, 0);
		sa->expire_at_ns = INT64_MAX;
	}
	for (guint i = 0; i < sa->children->len;) {
		struct ike_child *c = g_ptr_array_index(sa->children, i);
		if (now >= c->info.expire_at_ns) {
			uint32_t spi = c->info.spi_in;
			ike_child_remove(sa, c, IKE_DOWN_EXPIRED);
			ike_task_queue(sa, IKE_TASK_CHILD_DELETE, spi);
			continue;
		}
		if (c->state == IKE_CHILD_INSTALLED && !c->task_queued && now >= c->info.rekey_at_ns)
			ike_task_queue(sa, IKE_TASK_CHILD_REKEY, c->info.spi_in);
		i++;
	}
	if (now >= sa->rekey_at_ns && !sa->req.active) {
		sa->rekey_at_ns = INT64_MAX;
		ike_task_queue(sa, IKE_TASK_IKE_REKEY, 0);
	}
	if (cfg->dpd_interval_ns > 0 && !sa->req.active && sa->queue->len == 0 &&
	    now >= sa->last_rx_ns + cfg->dpd_interval_ns)
		ike_task_queue(sa, IKE_TASK_DPD, 0);
	ike_task_next(sa, now);
}

void ike_timer(struct ike_endpoint *ep, uint64_t sa_id, int64_t now)
{
	ep->now_ns = now;
	struct ike_sa *sa = ike_sa_by_id(ep, sa_id);
	if (!sa)
		return;
	sa->timer_at_ns = INT64_MAX; /* it fired */
	if (sa->v1) {
		ike1_timer(sa, now);
		if (sa->state != IKE_SA_DEAD)
			ike_sa_update_timer(sa, now);
		goto out;
	}
	if (sa->req.active && now >= sa->req.deadline_ns) {
		if (!ike_request_timeout(sa, now))
			goto out;
	}
	if (sa->state == IKE_SA_HALF_OPEN && now >= sa->created_ns + ep->cfg.half_open_timeout_ns) {
		ike_log(ep, G_LOG_LEVEL_INFO, "IKE SA %" G_GUINT64_FORMAT ": half-open timeout", sa->id);
		ike_sa_destroy(sa, IKE_DOWN_FAILED);
		goto out;
	}
	if (sa->state == IKE_SA_REKEYED && now >= sa->expire_at_ns) {
		ike_sa_destroy(sa, IKE_DOWN_REKEYED);
		goto out;
	}
	if (sa->state == IKE_SA_ESTABLISHED)
		sa_due(sa, now);
	ike_sa_update_timer(sa, now);
out:
	bury(ep);
}

uint64_t ike_initiate(struct ike_endpoint *ep, int peer, int64_t now)
{
	ep->now_ns = now;
	g_assert(peer >= 0 && (guint)peer < ep->peers->len);
	const struct ike_peer *pp = g_ptr_array_index(ep->peers, peer);
	if (pp->cfg.remote.ip == 0)
		return 0;
	if (pp->cfg.ike_version == 1) {
		uint64_t v1_id = ike1_initiate(ep, peer, now);
		bury(ep);
		return v1_id;
	}
	struct ike_sa *sa = ike_sa_new(ep, peer, true, now);
	uint64_t id = sa->id;
	ike_sa_set_spi(sa, ike_random_spi64(ep));
	ike_init_start(sa, now);
	ike_sa_update_timer(sa, now);
	bury(ep);
	return id;
}

/* ---- input ---- */

static void drop(struct ike_endpoint *ep, enum ike_drop why)
{
	ep->ctr.drops[why]++;
}

/* A request or response on an SA with keys (everything after IKE_SA_INIT). */
static void sa_input(struct ike_sa *sa, const struct ike_dgram *d, const struct ike_msg *msg,
		     const uint8_t *raw, size_t len, int64_t now)
{
	struct ike_endpoint *ep = sa->ep;
	bool response = msg->hdr.flags & IKE_FLAG_RESPONSE;
	uint8_t exch = msg->hdr.exchange;
	if (!sa->have_keys) {
		drop(ep, IKE_DROP_UNEXPECTED);
		return;
	}
	bool fragment = msg->pls.sk_index >= 0 && msg->pls.pl[msg->pls.sk_index].u.sk.fragment;
	if (!response && fragment && msg->hdr.msg_id + 1 == sa->expect_req_id && sa->resp_cache) {
		/* RFC 7383 §2.6.1: only fragment 1 of a retransmitted request triggers the response */
		if (msg->pls.pl[msg->pls.sk_index].u.sk.frag_num == 1) {
			ep->ctr.resp_resent++;
			ike_send_msg(sa, sa->resp_cache, sa->resp_frags);
		}
		return;
	}
	if (!response) {
		if (msg->hdr.msg_id + 1 == sa->expect_req_id && sa->last_req && sa->resp_cache &&
		    sa->last_req->len == len && memcmp(sa->last_req->data, raw, len) == 0) {
			ep->ctr.resp_resent++;
			ike_send_msg(sa, sa->resp_cache, sa->resp_frags);
			return;
		}
		if (msg->hdr.msg_id != sa->expect_req_id) {
			drop(ep, IKE_DROP_MSG_ID);
			return;
		}
	} else if (!sa->req.active || msg->hdr.msg_id != sa->req.msg_id || exch != sa->req.exchange) {
		drop(ep, IKE_DROP_MSG_ID);
		return;
	}
	uint8_t *buf = g_memdup2(raw, len);
	struct ike_payload_list *in = g_new(struct ike_payload_list, 1);
	enum ike_parse_verdict v = IKE_PARSE_OK;
	GByteArray *plain = NULL;
	int r = fragment ? ike_frag_in(sa, buf, msg, in, &v, &plain) : ike_msg_open(sa, buf, msg, in, &v);
	if (r < 0 || r == 2)
		goto out;
	/* authentic from here on */
	sa->last_rx_ns = now;
	if (sa->nat_local || sa->nat_remote || sa->encap) {
		/* RFC 7296 §2.23: follow the peer's NAT mapping */
		sa->remote = d->src;
		sa->local = d->dst;
	}
	if (response)
		ep->ctr.rx_resp[ike_exch_index(exch)]++;
	else
		ep->ctr.rx_req[ike_exch_index(exch)]++;
	if (r > 0) {
		ep->ctr.parse_drops[v]++;
		if (!response) {
			if (v == IKE_PARSE_UNSUPPORTED_CRITICAL) {
				uint8_t t = in->err_type;
				ike_send_error_response(sa, exch, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD, &t, 1);
			} else {
				ike_send_error_response(sa, exch, IKE_N_INVALID_SYNTAX, NULL, 0);
			}
			if (sa->last_req)
				g_byte_array_unref(sa->last_req);
			sa->last_req = g_byte_array_new();
			g_byte_array_append(sa->last_req, raw, (guint)len);
		}
		goto out;
	}
	if (!response) {
		if (sa->last_req)
			g_byte_array_unref(sa->last_req);
		sa->last_req = g_byte_array_new();
		g_byte_array_append(sa->last_req, raw, (guint)len);
		switch (exch) {
		case IKE_EXCH_IKE_AUTH:
			if (sa->initiator || sa->state != IKE_SA_HALF_OPEN) {
				drop(ep, IKE_DROP_UNEXPECTED);
				ike_send_error_response(sa, exch, IKE_N_INVALID_SYNTAX, NULL, 0);
				break;
			}
			ike_auth_request_in(sa, in, now);
			break;
		case IKE_EXCH_CREATE_CHILD_SA:
			if (sa->state != IKE_SA_ESTABLISHED && sa->state != IKE_SA_DELETING) {
				ike_send_error_response(sa, exch, IKE_N_TEMPORARY_FAILURE, NULL, 0);
				break;
			}
			ike_create_child_request_in(sa, in, now);
			break;
		case IKE_EXCH_INFORMATIONAL:
			if (sa->state == IKE_SA_HALF_OPEN || sa->state == IKE_SA_INIT_SENT) {
				drop(ep, IKE_DROP_UNEXPECTED);
				break;
			}
			ike_info_request_in(sa, in, now);
			break;
		default:
			drop(ep, IKE_DROP_UNEXPECTED);
			break;
		}
	} else {
		enum ike_task task = sa->req.task;
		sa->next_req_id = sa->req.msg_id + 1;
		switch (task) {
		case IKE_TASK_AUTH:
			ike_auth_response_in(sa, in, now);
			break;
		case IKE_TASK_CHILD_REKEY:
			ike_child_rekey_response_in(sa, in, now);
			break;
		case IKE_TASK_IKE_REKEY:
			ike_rekey_response_in(sa, in, now);
			break;
		case IKE_TASK_DPD:
		case IKE_TASK_IKE_DELETE:
		case IKE_TASK_CHILD_DELETE:
			ike_info_response_in(sa, in, now);
			break;
		default:
			drop(ep, IKE_DROP_UNEXPECTED);
			break;
		}
		ike_request_clear(&sa->req);
	}
	if (sa->state != IKE_SA_DEAD)
		ike_task_next(sa, now);
out:
	if (sa->state != IKE_SA_DEAD)
		ike_sa_update_timer(sa, now);
	if (plain)
		g_byte_array_unref(plain);
	g_free(in);
	g_free(buf);
}

void ike_input(struct ike_endpoint *ep, const struct ike_dgram *d, int64_t now)
{
	ep->now_ns = now;
	const uint8_t *p = d->data;
	size_t len = d->len;
	if (ike_needs_marker(d->dst.port, d->src.port)) {
		if (len == 1 && p[0] == 0xff)
			return; /* a NAT keepalive: nothing to do */
		if (len < 4 || p[0] || p[1] || p[2] || p[3]) {
			drop(ep, IKE_DROP_BAD_MARKER); /* ESP or a NAT keepalive: not ours */
			return;
		}
		p += 4;
		len -= 4;
	}
	if (len > 17 && p[17] >> 4 == 1) {
		ike1_input(ep, d, p, len, now); /* ISAKMP 1.x: IKEv1 */
		bury(ep);
		return;
	}
	struct ike_msg *msg = g_new(struct ike_msg, 1);
	enum ike_parse_verdict v = ike_msg_parse(p, len, ep->cfg.max_msg_len, msg);
	bool response = v != IKE_PARSE_TRUNCATED_HEADER && (msg->hdr.flags & IKE_FLAG_RESPONSE);
	if (v != IKE_PARSE_OK) {
		drop(ep, IKE_DROP_PARSE);
		ep->ctr.parse_drops[v]++;
		ike_log(ep, G_LOG_LEVEL_DEBUG, "dropped a datagram: %s", ike_parse_verdict_str(v));
		if (!response && msg->hdr.exchange == IKE_EXCH_IKE_SA_INIT && msg->hdr.spi_r == 0) {
			if (v == IKE_PARSE_BAD_MAJOR_VERSION)
				ike_init_error_reply(ep, d, &msg->hdr, IKE_N_INVALID_MAJOR_VERSION, NULL, 0);
			else if (v == IKE_PARSE_UNSUPPORTED_CRITICAL)
				ike_init_error_reply(ep, d, &msg->hdr, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
						 &msg->pls.err_type, 1);
		}
		goto out;
	}
	if (msg->hdr.exchange == IKE_EXCH_IKE_SA_INIT) {
		if (!response) {
			if (!(msg->hdr.flags & IKE_FLAG_INITIATOR) || msg->hdr.msg_id != 0 || msg->hdr.spi_r != 0) {
				drop(ep, IKE_DROP_INVALID);
				goto out;
			}
			ike_init_request_in(ep, d, msg, now);
		} else {
			struct ike_sa *sa = ike_sa_by_spi(ep, msg->hdr.spi_i);
			if (!sa || !sa->initiator) {
				drop(ep, IKE_DROP_NO_SA);
				goto out;
			}
			ike_init_response_in(sa, d, msg, now);
			if (sa->state != IKE_SA_DEAD)
				ike_sa_update_timer(sa, now);
		}
		goto out;
	}
	/* I flag set: sent by the original initiator, so we are the original responder */
	bool from_initiator = msg->hdr.flags & IKE_FLAG_INITIATOR;
	uint64_t spi = from_initiator ? msg->hdr.spi_r : msg->hdr.spi_i;
	struct ike_sa *sa = ike_sa_by_spi(ep, spi);
	if (!sa || sa->initiator == from_initiator ||
	    (from_initiator ? sa->spi_i != msg->hdr.spi_i : sa->spi_r != msg->hdr.spi_r)) {
		drop(ep, IKE_DROP_NO_SA);
		goto out;
	}
	sa_input(sa, d, msg, p, len, now);
out:
	g_free(msg);
	bury(ep);
}

/* ---- requests from the caller ---- */

static struct ike_sa *established(struct ike_endpoint *ep, uint64_t sa_id)
{
	struct ike_sa *sa = ike_sa_by_id(ep, sa_id);
	return sa && sa->state == IKE_SA_ESTABLISHED ? sa : NULL;
}

static bool queue_and_go(struct ike_endpoint *ep, uint64_t sa_id, enum ike_task t, uint32_t spi, int64_t now)
{
	ep->now_ns = now;
	struct ike_sa *sa = established(ep, sa_id);
	if (!sa)
		return false;
	if (spi && !ike_child_find(sa, spi))
		return false;
	ike_task_queue(sa, t, spi);
	if (sa->v1)
		ike1_task_next(sa, now);
	else
		ike_task_next(sa, now);
	if (sa->state != IKE_SA_DEAD)
		ike_sa_update_timer(sa, now);
	bury(ep);
	return true;
}

bool ike_abort(struct ike_endpoint *ep, uint64_t sa_id, int64_t now)
{
	ep->now_ns = now;
	struct ike_sa *sa = ike_sa_by_id(ep, sa_id);
	if (!sa)
		return false;
	ike_sa_destroy(sa, IKE_DOWN_DELETED_LOCAL);
	bury(ep);
	return true;
}

bool ike_delete(struct ike_endpoint *ep, uint64_t sa_id, int64_t now)
{
	return queue_and_go(ep, sa_id, IKE_TASK_IKE_DELETE, 0, now);
}

bool ike_rekey(struct ike_endpoint *ep, uint64_t sa_id, int64_t now)
{
	return queue_and_go(ep, sa_id, IKE_TASK_IKE_REKEY, 0, now);
}

bool ike_child_rekey(struct ike_endpoint *ep, uint64_t sa_id, uint32_t spi_in, int64_t now)
{
	return spi_in && queue_and_go(ep, sa_id, IKE_TASK_CHILD_REKEY, spi_in, now);
}

bool ike_child_delete(struct ike_endpoint *ep, uint64_t sa_id, uint32_t spi_in, int64_t now)
{
	return spi_in && queue_and_go(ep, sa_id, IKE_TASK_CHILD_DELETE, spi_in, now);
}

bool ike_dpd_now(struct ike_endpoint *ep, uint64_t sa_id, int64_t now)
{
	return queue_and_go(ep, sa_id, IKE_TASK_DPD, 0, now);
}

void ike_child_activity(struct ike_endpoint *ep, uint32_t spi_in, int64_t now)
{
	struct ike_child *c = g_hash_table_lookup(ep->child_spis, GUINT_TO_POINTER(spi_in));
	struct ike_sa *sa = c ? ike_sa_by_id(ep, c->info.sa_id) : NULL;
	/* the armed timer may fire early for a DPD no longer due; it then re-arms */
	if (sa && now > sa->last_rx_ns)
		sa->last_rx_ns = now;
}

void ike_child_bytes(struct ike_endpoint *ep, uint32_t spi_in, uint64_t bytes, int64_t now)
{
	ep->now_ns = now;
	struct ike_child *c = g_hash_table_lookup(ep->child_spis, GUINT_TO_POINTER(spi_in));
	if (!c)
		return;
	struct ike_sa *sa = ike_sa_by_id(ep, c->info.sa_id);
	if (!sa || sa->state != IKE_SA_ESTABLISHED)
		return;
	if (c->info.lifetime_bytes && bytes >= c->info.lifetime_bytes) {
		ike_child_remove(sa, c, IKE_DOWN_EXPIRED);
		ike_task_queue(sa, IKE_TASK_CHILD_DELETE, spi_in);
	} else if (c->info.rekey_bytes && bytes >= c->info.rekey_bytes && c->state == IKE_CHILD_INSTALLED &&
		   !c->task_queued) {
		ike_task_queue(sa, IKE_TASK_CHILD_REKEY, spi_in);
	} else {
		return;
	}
	if (sa->v1)
		ike1_task_next(sa, now);
	else
		ike_task_next(sa, now);
	if (sa->state != IKE_SA_DEAD)
		ike_sa_update_timer(sa, now);
	bury(ep);
}

/* ---- inspection ---- */

const struct ike_counters *ike_endpoint_counters(const struct ike_endpoint *ep)
{
	return &ep->ctr;
}

unsigned ike_sa_count(const struct ike_endpoint *ep)
{
	return g_hash_table_size(ep->by_id);
}

unsigned ike_half_open_count(const struct ike_endpoint *ep)
{
	return ep->half_open;
}

bool ike_sa_exists(const struct ike_endpoint *ep, uint64_t sa_id)
{
	return ike_sa_by_id(ep, sa_id) != NULL;
}

enum ike_sa_state ike_sa_state(const struct ike_endpoint *ep, uint64_t sa_id)
{
	const struct ike_sa *sa = ike_sa_by_id(ep, sa_id);
	return sa ? sa->state : IKE_SA_DEAD;
}

static bool state_connecting(enum ike_sa_state st)
{
	return st == IKE_SA_INIT_SENT || st == IKE_SA_AUTH_SENT || st == IKE_SA_HALF_OPEN;
}

static bool state_established(enum ike_sa_state st)
{
	return st == IKE_SA_ESTABLISHED;
}

/* The lowest id of the SAs with peer `peer` whose state passes want (0: none). */
static uint64_t find_sa(const struct ike_endpoint *ep, int peer, bool (*want)(enum ike_sa_state))
{
	uint64_t best = 0;
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, ep->by_id);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const struct ike_sa *sa = v;
		if (sa->peer == peer && want(sa->state) && (best == 0 || sa->id < best))
			best = sa->id;
	}
	return best;
}

uint64_t ike_sa_find_established(const struct ike_endpoint *ep, int peer)
{
	return find_sa(ep, peer, state_established);
}

uint64_t ike_sa_find_connecting(const struct ike_endpoint *ep, int peer)
{
	return find_sa(ep, peer, state_connecting);
}

bool ike_sa_spis(const struct ike_endpoint *ep, uint64_t sa_id, uint64_t *spi_i, uint64_t *spi_r)
{
	const struct ike_sa *sa = ike_sa_by_id(ep, sa_id);
	if (!sa)
		return false;
	*spi_i = sa->spi_i;
	*spi_r = sa->spi_r;
	return true;
}

bool ike_sa_is_initiator(const struct ike_endpoint *ep, uint64_t sa_id)
{
	const struct ike_sa *sa = ike_sa_by_id(ep, sa_id);
	return sa && sa->initiator;
}

bool ike_sa_udp_encap(const struct ike_endpoint *ep, uint64_t sa_id)
{
	const struct ike_sa *sa = ike_sa_by_id(ep, sa_id);
	return sa && sa->encap;
}

uint16_t ike_sa_error_notify(const struct ike_endpoint *ep, uint64_t sa_id)
{
	const struct ike_sa *sa = ike_sa_by_id(ep, sa_id);
	return sa ? sa->error_notify : 0;
}

size_t ike_sa_children(const struct ike_endpoint *ep, uint64_t sa_id, struct ike_child_info *out, size_t max)
{
	const struct ike_sa *sa = ike_sa_by_id(ep, sa_id);
	if (!sa)
		return 0;
	size_t n = 0;
	for (guint i = 0; i < sa->children->len; i++) {
		const struct ike_child *c = g_ptr_array_index(sa->children, i);
		if (n < max)
			out[n] = c->info;
		n++;
	}
	return n;
}

char *ike_sa_wireshark_row(const struct ike_endpoint *ep, uint64_t sa_id)
{
	const struct ike_sa *sa = ike_sa_by_id(ep, sa_id);
	if (!sa || !sa->have_keys || sa->v1)
		return NULL;
	uint8_t si[8], sr[8];
	ike_put64(si, sa->spi_i);
	ike_put64(sr, sa->spi_r);
	return ike_wireshark_ikev2_row(si, sr, &sa->keys);
}

char *ike_sa_wireshark_ikev1_row(const struct ike_endpoint *ep, uint64_t sa_id)
{
	const struct ike_sa *sa = ike_sa_by_id(ep, sa_id);
	return sa && sa->v1 ? ike1_sa_wireshark_row(sa) : NULL;
}

uint8_t ike_sa_ike_version(const struct ike_endpoint *ep, uint64_t sa_id)
{
	const struct ike_sa *sa = ike_sa_by_id(ep, sa_id);
	return sa ? (sa->v1 ? 1 : 2) : 0;
}

uint32_t ike_sa_vip(const struct ike_endpoint *ep, uint64_t sa_id)
{
	const struct ike_sa *sa = ike_sa_by_id(ep, sa_id);
	return sa ? sa->vip : 0;
}
