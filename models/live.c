/* live.c: a real-time IKEv2 + ESP endpoint on UDP sockets and a GLib main context (see live.h). */
#include "models/live.h"

#include "models/ipsec/esp.h"
#include "models/ipsec/ike_consts.h"
#include "models/keylog.h"
#include "sim/ipv4.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

G_DEFINE_QUARK(live-error-quark, live_error)

#define NS_PER_S G_GINT64_CONSTANT(1000000000)
#define NS_PER_MS G_GINT64_CONSTANT(1000000)
#define PKT_MAX 2048
#define PING_PAYLOAD 56
#define PING_WAIT_NS NS_PER_S /* after the last request: how long its reply may take */

/* A CHILD SA with its two ESP SAs. */
struct live_child {
	struct ike_child_info info;
	struct esp_sa *in, *out;
	uint64_t order; /* installation order: the newest SA covering a destination carries it */
};

struct live_peer_state {
	struct live_node *n;
	struct live_peer p;
	int index;	      /* in the engine */
	uint64_t ike_sa;      /* the IKE SA we track for reconnects (0: none) */
	GSource *reconnect;
};

/* One armed engine timer (an IKE SA's). */
struct live_timer {
	struct live_node *n;
	uint64_t sa_id;
	GSource *src;
};

struct live_node {
	struct live_cfg cfg;
	char *name, *keys_dir;
	GMainContext *ctx;
	int64_t t0_ns;
	int s500, s4500;
	GSource *src500, *src4500;
	struct ike_endpoint *ep;
	struct live_peer_state *peers;
	size_t n_peers;
	GHashTable *timers;   /* uint64 sa id -> struct live_timer */
	GHashTable *sas;      /* uint64 sa id -> GINT_TO_POINTER(peer index + 1, 0: unknown) */
	GHashTable *children; /* spi_in -> struct live_child */
	uint64_t child_order;
	struct live_stats st;
	struct keylog keys;
	bool keys_failed;
	/* pings */
	GSource *ping_src, *ping_end;
	uint16_t ping_id, ping_seq;
	GArray *ping_sent_ns; /* by sequence number: send time, 0 once answered */
	bool ping_waiting_logged, pings_done;
	double rtt_min_ms, rtt_max_ms, rtt_sum_ms;
	/* stopping */
	bool stopping, done_called;
	GSource *stop_timer, *done_idle;
	void (*done)(void *user);
	void *done_user;
};

static int64_t now_ns(void)
{
	return g_get_monotonic_time() * 1000;
}

static FILE *log_stream(const struct live_node *n)
{
	return n->cfg.log ? n->cfg.log : stderr;
}

static FILE *out_stream(const struct live_node *n)
{
	return n->cfg.out ? n->cfg.out : stdout;
}

/* One event line: "[seconds since start] node: text". */
static void G_GNUC_PRINTF(2, 3) event(struct live_node *n, const char *fmt, ...)
{
	FILE *f = log_stream(n);
	double t = (double)(now_ns() - n->t0_ns) / 1e9;
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	fprintf(f, "[%11.6f] %s: %s\n", t, n->name, msg);
	fflush(f);
}

static const char *ip_str(uint32_t ip, char buf[16])
{
	snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255u, (ip >> 8) & 255u, ip & 255u);
	return buf;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}


/* "a.b.c.d/len" when the selector is one prefix with all ports and protocols, else a range. */
static void ts_append(GString *s, const struct ike_ts4 *ts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char a[16], b[16];
		uint32_t span = ts[i].end - ts[i].start;
		bool prefix = (span & (span + 1)) == 0 && (ts[i].start & span) == 0;
		if (i)
			g_string_append_c(s, ',');
		if (prefix) {
			unsigned plen = 32;
			for (uint32_t m = span; m; m >>= 1)
				plen--;
			g_string_append_printf(s, "%s/%u", ip_str(ts[i].start, a), plen);
		} else {
			g_string_append_printf(s, "%s-%s", ip_str(ts[i].start, a), ip_str(ts[i].end, b));
		}
		if (ts[i].proto)
			g_string_append_printf(s, "[proto %u]", ts[i].proto);
	}
}

static bool ts_covers(const struct ike_ts4 *ts, size_t n, uint32_t ip, uint8_t proto)
{
	for (size_t i = 0; i < n; i++)
		if (ip >= ts[i].start && ip <= ts[i].end && (ts[i].proto == 0 || ts[i].proto == proto))
			return true;
	return false;
}

static bool inner_ours(const struct live_node *n, uint32_t ip)
{
	for (size_t i = 0; i < n->cfg.n_inner; i++) {
		unsigned plen = n->cfg.inner[i].plen;
		uint32_t mask = plen ? UINT32_MAX << (32 - plen) : 0;
		if ((ip & mask) == n->cfg.inner[i].addr)
			return true;
	}
	return false;
}

static struct live_peer_state *peer_by_remote(struct live_node *n, uint32_t ip)
{
	for (size_t i = 0; i < n->n_peers; i++)
		if (n->peers[i].p.cfg.remote.ip == ip)
			return &n->peers[i];
	return NULL;
}

static void remember_sa_peer(struct live_node *n, uint64_t sa_id, const struct live_peer_state *ps)
{
	uint64_t *k = g_new(uint64_t, 1);
	*k = sa_id;
	g_hash_table_replace(n->sas, k, GINT_TO_POINTER((int)(ps - n->peers) + 1));
}

/* The peer an SA belongs to: remembered when we initiated or a CHILD SA came up, else found
 * through its CHILD SAs' remote address or as the peer's established SA. */
static const char *peer_name_of_sa(struct live_node *n, uint64_t sa_id)
{
	int i = GPOINTER_TO_INT(g_hash_table_lookup(n->sas, &sa_id)) - 1;
	if (i < 0) {
		struct ike_child_info ci;
		struct live_peer_state *ps = NULL;
		if (ike_sa_children(n->ep, sa_id, &ci, 1) == 1)
			ps = peer_by_remote(n, ci.remote.ip);
		for (size_t k = 0; !ps && k < n->n_peers; k++)
			if (ike_sa_find_established(n->ep, n->peers[k].index) == sa_id)
				ps = &n->peers[k];
		if (!ps)
			return "?";
		remember_sa_peer(n, sa_id, ps);
		i = (int)(ps - n->peers);
	}
	return (size_t)i < n->n_peers ? n->peers[i].p.name : "?";
}

static void write_keys(struct live_node *n)
{
	if (!n->keys_dir || n->keys_failed)
		return;
	GError *err = NULL;
	if (!keylog_write(&n->keys, n->keys_dir, &err)) {
		event(n, "cannot write the key tables: %s", err->message);
		g_error_free(err);
		n->keys_failed = true;
	}
}

/* ---- sending ---- */

static void send_udp(struct live_node *n, int s, const uint8_t *data, size_t len, uint32_t ip, uint16_t port)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip) };
	if (sendto(s, data, len, 0, (struct sockaddr *)&to, sizeof to) < 0) {
		char a[16];
		event(n, "send to %s:%u failed: %s", ip_str(ip, a), port, g_strerror(errno));
	}
}

/* The newest CHILD SA whose selectors cover src -> dst. */
static struct live_child *route(struct live_node *n, uint32_t src, uint32_t dst, uint8_t proto)
{
	struct live_child *best = NULL;
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, n->children);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct live_child *c = v;
		if (!c->out || !ts_covers(c->info.local_ts, c->info.n_local_ts, src, proto) ||
		    !ts_covers(c->info.remote_ts, c->info.n_remote_ts, dst, proto))
			continue;
		if (!best || c->order > best->order)
			best = c;
	}
	return best;
}

/* Encrypts the inner IPv4 packet at b (with ESP_MAX_HEADROOM before and ESP_MAX_TAILROOM after
 * it) and sends it to the peer in UDP on 4500. false: no CHILD SA covers it, or ESP refused. */
static bool send_inner(struct live_node *n, struct esp_buf *b, int64_t now)
{
	uint32_t src = get32(b->data + 12), dst = get32(b->data + 16);
	struct live_child *c = route(n, src, dst, b->data[9]);
	if (!c)
		return false;
	enum esp_verdict v = esp_seal(c->out, b, 4, now);
	if (v != ESP_OK) {
		event(n, "ESP SPI %08x: outbound packet dropped: %s", c->info.spi_out, esp_verdict_name(v));
		return false;
	}
	send_udp(n, n->s4500, b->data, b->len, c->info.remote.ip, c->info.remote.port ? c->info.remote.port : IKE_NATT_PORT);
	n->st.esp_tx++;
	return true;
}

/* ---- engine callbacks ---- */

static void cb_send(void *user, const struct ike_dgram *d)
{
	struct live_node *n = user;
	send_udp(n, d->src.port == IKE_NATT_PORT ? n->s4500 : n->s500, d->data, d->len, d->dst.ip,
		 d->dst.port ? d->dst.port : IKE_PORT);
}

static gboolean timer_fired(gpointer data)
{
	struct live_timer *t = data;
	struct live_node *n = t->n;
	uint64_t id = t->sa_id;
	g_hash_table_remove(n->timers, &id); /* frees t; the engine may re-arm from ike_timer */
	ike_timer(n->ep, id, now_ns());
	return G_SOURCE_REMOVE;
}

static void timer_free(gpointer data)
{
	struct live_timer *t = data;
	g_source_destroy(t->src);
	g_source_unref(t->src);
	g_free(t);
}

static GSource *timeout_source(struct live_node *n, int64_t delay_ns, GSourceFunc fn, gpointer data)
{
	if (delay_ns < 0)
		delay_ns = 0;
	GSource *src = g_timeout_source_new((guint)MIN((delay_ns + NS_PER_MS - 1) / NS_PER_MS, (int64_t)G_MAXUINT));
	g_source_set_callback(src, fn, data, NULL);
	g_source_attach(src, n->ctx);
	return src;
}

static void cb_set_timer(void *user, uint64_t sa_id, int64_t at_ns)
{
	struct live_node *n = user;
	g_hash_table_remove(n->timers, &sa_id);
	if (at_ns == INT64_MAX)
		return;
	struct live_timer *t = g_new0(struct live_timer, 1);
	t->n = n;
	t->sa_id = sa_id;
	t->src = timeout_source(n, at_ns - now_ns(), timer_fired, t);
	g_hash_table_insert(n->timers, &t->sa_id, t);
}

static void cb_random(void *user, uint8_t *buf, size_t len)
{
	(void)user;
	if (len > INT_MAX || RAND_bytes(buf, (int)len) != 1)
		g_error("live: RAND_bytes failed");
}

static void child_free(gpointer data)
{
	struct live_child *c = data;
	esp_sa_free(c->in);
	esp_sa_free(c->out);
	g_free(c);
}

static const char *xf_name(unsigned type, unsigned id)
{
	const char *s = ike_transform_id_name(type, id);
	return s ? s : "?";
}

static gboolean reconnect_fired(gpointer data);

/* Looks at the peer again after delay_ns (reconnect_fired: initiate when it has no IKE SA, start
 * over when its IKE SA has no CHILD SA). why: logged when not NULL. */
static void schedule_reconnect(struct live_peer_state *ps, int64_t delay_ns, const char *why)
{
	struct live_node *n = ps->n;
	if (ps->reconnect || n->stopping || delay_ns < 0 || !ps->p.initiate)
		return;
	if (why)
		event(n, "peer %s: %s, initiating again in %.3f s", ps->p.name, why, (double)delay_ns / 1e9);
	ps->reconnect = timeout_source(n, delay_ns, reconnect_fired, ps);
}

static void drop_source(GSource **s);

/* Installed CHILD SAs with the peer. */
static unsigned peer_children(const struct live_node *n, const struct live_peer_state *ps)
{
	unsigned k = 0;
	GHashTableIter it;
	gpointer v;
	g_hash_table_iter_init(&it, n->children);
	while (g_hash_table_iter_next(&it, NULL, &v))
		k += ((const struct live_child *)v)->info.remote.ip == ps->p.cfg.remote.ip;
	return k;
}

static void cb_child_up(void *user, const struct ike_child_info *ci)
{
	struct live_node *n = user;
	struct live_peer_state *ps = peer_by_remote(n, ci->remote.ip);
	if (ps) {
		ps->ike_sa = ci->sa_id;
		remember_sa_peer(n, ci->sa_id, ps);
		drop_source(&ps->reconnect); /* a CHILD SA: nothing to retry */
	}
	g_autoptr(GString) s = g_string_new(NULL);
	g_string_append_printf(s, "CHILD SA up: SPIs in %08x out %08x, IKE SA %" G_GUINT64_FORMAT ", %s-%u", ci->spi_in,
			       ci->spi_out, ci->sa_id, xf_name(IKE_XF_ENCR, ci->encr), ci->encr_key_bits);
	if (ci->integ)
		g_string_append_printf(s, "/%s", xf_name(IKE_XF_INTEG, ci->integ));
	if (ci->pfs_dh)
		g_string_append_printf(s, "/%s", xf_name(IKE_XF_DH, ci->pfs_dh));
	g_string_append(s, ", TS ");
	ts_append(s, ci->local_ts, ci->n_local_ts);
	g_string_append(s, " === ");
	ts_append(s, ci->remote_ts, ci->n_remote_ts);
	g_string_append(s, ci->udp_encap ? ", UDP-encapsulated" : ", not encapsulated");
	event(n, "%s", s->str);
	n->st.child_up++;
	if (!ci->udp_encap) {
		event(n, "CHILD SA %08x: ESP without UDP encapsulation cannot be carried here (no raw socket); not installed",
		      ci->spi_in);
		return;
	}
	struct esp_sa_config in, out;
	if (!ike_child_esp_config(ci, ESP_DIR_IN, &in) || !ike_child_esp_config(ci, ESP_DIR_OUT, &out)) {
		event(n, "CHILD SA %08x: transforms without an ESP implementation; not installed", ci->spi_in);
		return;
	}
	int64_t now = now_ns();
	GError *err = NULL;
	struct live_child *c = g_new0(struct live_child, 1);
	c->info = *ci;
	c->order = ++n->child_order;
	c->in = esp_sa_new(&in, now, &err);
	if (c->in)
		c->out = esp_sa_new(&out, now, &err);
	if (!c->in || !c->out) {
		event(n, "CHILD SA %08x: ESP refused the keys: %s", ci->spi_in, err->message);
		g_error_free(err);
		child_free(c);
		return;
	}
	g_hash_table_replace(n->children, GUINT_TO_POINTER(ci->spi_in), c);
	if (n->keys_dir) {
		keylog_add_esp(&n->keys, esp_sa_wireshark_row(c->in));
		keylog_add_esp(&n->keys, esp_sa_wireshark_row(c->out));
		write_keys(n);
	}
}

static void cb_child_down(void *user, const struct ike_child_info *ci, enum ike_down_reason why)
{
	struct live_node *n = user;
	struct live_child *c = g_hash_table_lookup(n->children, GUINT_TO_POINTER(ci->spi_in));
	uint64_t pin = c ? esp_sa_stats(c->in)->packets : 0, pout = c ? esp_sa_seq(c->out) : 0;
	event(n, "CHILD SA down: SPIs in %08x out %08x, IKE SA %" G_GUINT64_FORMAT ", reason %s, packets in %" G_GUINT64_FORMAT
	      " out %" G_GUINT64_FORMAT,
	      ci->spi_in, ci->spi_out, ci->sa_id, ike_down_reason_name(why), pin, pout);
	n->st.child_down++;
	g_hash_table_remove(n->children, GUINT_TO_POINTER(ci->spi_in));
	/* expired without a successor (its rekey was refused): the IKE SA may live on without one */
	struct live_peer_state *ps = peer_by_remote(n, ci->remote.ip);
	if (ps && (why == IKE_DOWN_EXPIRED || why == IKE_DOWN_FAILED) && peer_children(n, ps) == 0)
		schedule_reconnect(ps, ps->p.child_retry_ns, "CHILD SA gone without a successor");
}

static void maybe_done(struct live_node *n);

static void cb_ike_state(void *user, uint64_t sa_id, enum ike_sa_state old_state, enum ike_sa_state new_state)
{
	struct live_node *n = user;
	if (!g_hash_table_contains(n->sas, &sa_id)) {
		uint64_t *k = g_new(uint64_t, 1);
		*k = sa_id;
		g_hash_table_insert(n->sas, k, NULL);
	}
	const char *peer = peer_name_of_sa(n, sa_id);
	if (new_state == IKE_SA_ESTABLISHED) {
		uint64_t spi_i = 0, spi_r = 0;
		ike_sa_spis(n->ep, sa_id, &spi_i, &spi_r);
		uint16_t nt = ike_sa_error_notify(n->ep, sa_id);
		const char *nt_name = nt ? ike_const_name(IKE_NS_NOTIFY, nt) : NULL;
		unsigned version = ike_sa_ike_version(n->ep, sa_id) == 1 ? 1u : 2u;
		const char *role = ike_sa_is_initiator(n->ep, sa_id) ? "initiator" : "responder";
		const char *port = ike_sa_udp_encap(n->ep, sa_id) ? "UDP 4500" : "UDP 500";
		event(n,
		      "IKE SA %" G_GUINT64_FORMAT " ESTABLISHED (was %s): IKEv%u, SPIs %016" G_GINT64_MODIFIER
		      "x_i %016" G_GINT64_MODIFIER "x_r, %s, %s%s%s",
		      sa_id, ike_sa_state_name(old_state), version, spi_i, spi_r, role, port, nt ? ", error notify " : "",
		      nt ? (nt_name ? nt_name : "?") : "");
		n->st.ike_established++;
		/* the CHILD SA comes up right after (which cancels this); if it was refused, retry */
		for (size_t i = 0; i < n->n_peers; i++)
			if (n->peers[i].ike_sa == sa_id && peer_children(n, &n->peers[i]) == 0)
				schedule_reconnect(&n->peers[i], n->peers[i].p.child_retry_ns, NULL);
		if (n->keys_dir) {
			if (ike_sa_ike_version(n->ep, sa_id) == 1)
				keylog_add_ike1(&n->keys, ike_sa_wireshark_ikev1_row(n->ep, sa_id));
			else
				keylog_add_ike(&n->keys, ike_sa_wireshark_row(n->ep, sa_id));
			write_keys(n);
		}
		return;
	}
	if (new_state != IKE_SA_DEAD) {
		event(n, "IKE SA %" G_GUINT64_FORMAT " %s -> %s (peer %s)", sa_id, ike_sa_state_name(old_state),
		      ike_sa_state_name(new_state), peer);
		return;
	}
	uint16_t notify = ike_sa_error_notify(n->ep, sa_id);
	const char *nname = notify ? ike_const_name(IKE_NS_NOTIFY, notify) : NULL;
	event(n, "IKE SA %" G_GUINT64_FORMAT " DEAD (was %s, peer %s)%s%s", sa_id, ike_sa_state_name(old_state), peer,
	      notify ? ", error notify " : "", notify ? (nname ? nname : "?") : "");
	g_hash_table_remove(n->sas, &sa_id);
	for (size_t i = 0; i < n->n_peers; i++) {
		struct live_peer_state *ps = &n->peers[i];
		if (ps->ike_sa != sa_id)
			continue;
		uint64_t est = ike_sa_find_established(n->ep, ps->index);
		ps->ike_sa = est;
		if (!est)
			schedule_reconnect(ps, ps->p.reconnect_ns, "no IKE SA left");
	}
	if (n->stopping)
		maybe_done(n);
}

static void cb_log(void *user, GLogLevelFlags level, const char *msg)
{
	struct live_node *n = user;
	const char *tag = level & G_LOG_LEVEL_WARNING ? "warning" : level & G_LOG_LEVEL_DEBUG ? "debug" : "info";
	event(n, "ike %s: %s", tag, msg);
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

/* ---- initiating ---- */

static void initiate(struct live_peer_state *ps)
{
	struct live_node *n = ps->n;
	char a[16];
	event(n, "peer %s: initiating to %s", ps->p.name, ip_str(ps->p.cfg.remote.ip, a));
	uint64_t id = ike_initiate(n->ep, ps->index, now_ns());
	if (id) {
		ps->ike_sa = id;
		remember_sa_peer(n, id, ps);
	}
}

static gboolean reconnect_fired(gpointer data)
{
	struct live_peer_state *ps = data;
	struct live_node *n = ps->n;
	g_source_unref(ps->reconnect);
	ps->reconnect = NULL;
	if (n->stopping)
		return G_SOURCE_REMOVE;
	uint64_t est = ike_sa_find_established(n->ep, ps->index);
	if (est && peer_children(n, ps) == 0) {
		/* an IKE SA without a CHILD SA carries nothing: start over (its DEAD state schedules
		 * the next initiation) */
		event(n, "peer %s: IKE SA %" G_GUINT64_FORMAT " has no CHILD SA, deleting it to start over", ps->p.name, est);
		ps->ike_sa = est;
		if (!ike_delete(n->ep, est, now_ns()))
			ike_abort(n->ep, est, now_ns());
		return G_SOURCE_REMOVE;
	}
	if (est)
		ps->ike_sa = est;
	else
		initiate(ps);
	return G_SOURCE_REMOVE;
}

/* ---- pings ---- */

static uint32_t ping_src(const struct live_node *n)
{
	if (n->cfg.ping_src)
		return n->cfg.ping_src;
	return n->cfg.n_inner ? n->cfg.inner[0].addr + 1 : 0;
}

static void ping_summary(struct live_node *n)
{
	char a[16];
	uint64_t tx = n->st.pings_sent, rx = n->st.pings_received;
	fprintf(out_stream(n), "--- %s ping statistics ---\n%" G_GUINT64_FORMAT " packets transmitted, %" G_GUINT64_FORMAT
			       " received, %.0f%% packet loss",
		ip_str(n->cfg.ping_dst, a), tx, rx, tx ? 100.0 * (double)(tx - MIN(rx, tx)) / (double)tx : 0.0);
	if (rx)
		fprintf(out_stream(n), ", rtt min/avg/max = %.3f/%.3f/%.3f ms", n->rtt_min_ms, n->rtt_sum_ms / (double)rx,
			n->rtt_max_ms);
	fprintf(out_stream(n), "\n");
	fflush(out_stream(n));
}

static gboolean ping_end_fired(gpointer data)
{
	struct live_node *n = data;
	g_source_unref(n->ping_end);
	n->ping_end = NULL;
	n->pings_done = true;
	ping_summary(n);
	event(n, "pings done: %" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT " answered", n->st.pings_sent,
	      n->st.pings_received);
	return G_SOURCE_REMOVE;
}

static gboolean ping_tick(gpointer data)
{
	struct live_node *n = data;
	if (n->stopping)
		return G_SOURCE_CONTINUE;
	uint8_t buf[ESP_MAX_HEADROOM + 20 + 8 + PING_PAYLOAD + ESP_MAX_TAILROOM];
	uint8_t *ip = buf + ESP_MAX_HEADROOM;
	size_t len = 20 + 8 + PING_PAYLOAD;
	memset(ip, 0, len);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)len);
	put16(ip + 4, (uint16_t)(n->ping_seq + 1));
	ip[8] = 64;
	ip[9] = 1;
	put32(ip + 12, ping_src(n));
	put32(ip + 16, n->cfg.ping_dst);
	put16(ip + 10, sim_inet_checksum(ip, 20));
	uint8_t *icmp = ip + 20;
	icmp[0] = 8;
	put16(icmp + 4, n->ping_id);
	put16(icmp + 6, (uint16_t)(n->ping_seq + 1));
	for (int i = 0; i < PING_PAYLOAD; i++)
		icmp[8 + i] = (uint8_t)(0x10 + i);
	put16(icmp + 2, sim_inet_checksum(icmp, 8 + PING_PAYLOAD));
	struct esp_buf b = { ip, len, ESP_MAX_HEADROOM, ESP_MAX_TAILROOM };
	int64_t now = now_ns();
	if (!send_inner(n, &b, now)) {
		n->st.pings_unroutable++;
		if (!n->ping_waiting_logged) {
			char a[16];
			event(n, "ping: no CHILD SA covers %s yet, waiting", ip_str(n->cfg.ping_dst, a));
			n->ping_waiting_logged = true;
		}
		return G_SOURCE_CONTINUE;
	}
	n->ping_waiting_logged = false;
	n->ping_seq++;
	g_array_set_size(n->ping_sent_ns, n->ping_seq + 1u);
	g_array_index(n->ping_sent_ns, int64_t, n->ping_seq) = now;
	n->st.pings_sent++;
	if (n->cfg.ping_count && n->ping_seq >= n->cfg.ping_count) {
		n->ping_end = timeout_source(n, MAX(PING_WAIT_NS, n->cfg.ping_interval_ns), ping_end_fired, n);
		g_source_unref(n->ping_src);
		n->ping_src = NULL;
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static void echo_reply_in(struct live_node *n, const uint8_t *ip, const uint8_t *icmp, size_t icmp_len, int64_t now)
{
	uint16_t id = (uint16_t)(icmp[4] << 8 | icmp[5]), seq = (uint16_t)(icmp[6] << 8 | icmp[7]);
	if (!n->cfg.ping_dst || id != n->ping_id || seq == 0 || seq > n->ping_seq)
		return;
	int64_t *sent = &g_array_index(n->ping_sent_ns, int64_t, seq);
	char a[16];
	if (*sent == 0) {
		fprintf(out_stream(n), "%zu bytes from %s: icmp_seq=%u (DUP!)\n", icmp_len, ip_str(get32(ip + 12), a), seq);
		fflush(out_stream(n));
		return;
	}
	double rtt_ms = (double)(now - *sent) / 1e6;
	*sent = 0;
	n->st.pings_received++;
	if (n->st.pings_received == 1 || rtt_ms < n->rtt_min_ms)
		n->rtt_min_ms = rtt_ms;
	if (rtt_ms > n->rtt_max_ms)
		n->rtt_max_ms = rtt_ms;
	n->rtt_sum_ms += rtt_ms;
	fprintf(out_stream(n), "%zu bytes from %s: icmp_seq=%u ttl=%u time=%.3f ms\n", icmp_len, ip_str(get32(ip + 12), a),
		seq, ip[8], rtt_ms);
	fflush(out_stream(n));
}

/* ---- receiving ---- */

/* An inner packet that came out of a tunnel: ICMP echo for one of our addresses is answered
 * through the tunnel; echo replies to our pings are printed; anything else is counted. */
static void inner_input(struct live_node *n, uint8_t *ip, size_t len, int64_t now)
{
	char a[16], b[16];
	if (len < 20 || ip[0] >> 4 != 4)
		goto not_ours;
	size_t ihl = (ip[0] & 15u) * 4u, tot = (size_t)(ip[2] << 8 | ip[3]);
	if (ihl < 20 || tot < ihl || tot > len || sim_inet_checksum(ip, ihl) != 0 || (ip[6] & 0x3f) || ip[7])
		goto not_ours;
	uint32_t src = get32(ip + 12), dst = get32(ip + 16);
	if (!inner_ours(n, dst) || ip[9] != 1 || tot - ihl < 8 || sim_inet_checksum(ip + ihl, tot - ihl) != 0)
		goto not_ours;
	uint8_t *icmp = ip + ihl;
	if (icmp[0] == 0) {
		echo_reply_in(n, ip, icmp, tot - ihl, now);
		return;
	}
	if (icmp[0] != 8 || icmp[1] != 0)
		goto not_ours;
	/* the reply, built in a buffer with room for ESP: the same ICMP body, addresses swapped */
	uint8_t buf[ESP_MAX_HEADROOM + PKT_MAX + ESP_MAX_TAILROOM];
	size_t icmp_len = tot - ihl;
	if (20 + icmp_len > PKT_MAX)
		goto not_ours;
	uint8_t *r = buf + ESP_MAX_HEADROOM;
	memset(r, 0, 20);
	r[0] = 0x45;
	put16(r + 2, (uint16_t)(20 + icmp_len));
	r[8] = 64;
	r[9] = 1;
	put32(r + 12, dst);
	put32(r + 16, src);
	put16(r + 10, sim_inet_checksum(r, 20));
	memcpy(r + 20, icmp, icmp_len);
	r[20] = 0;
	r[22] = r[23] = 0;
	put16(r + 22, sim_inet_checksum(r + 20, icmp_len));
	struct esp_buf eb = { r, 20 + icmp_len, ESP_MAX_HEADROOM, sizeof buf - ESP_MAX_HEADROOM - 20 - icmp_len };
	if (send_inner(n, &eb, now))
		n->st.echo_requests_answered++;
	else
		event(n, "echo request %s -> %s: no CHILD SA for the reply", ip_str(src, a), ip_str(dst, b));
	return;
not_ours:
	n->st.inner_not_ours++;
	if (n->st.inner_not_ours <= 10 || n->st.inner_not_ours % 1000 == 0)
		event(n, "inner packet not handled (%zu bytes%s%s, protocol %u): dropped (%" G_GUINT64_FORMAT " so far)", len,
		      len >= 20 ? " to " : "", len >= 20 ? ip_str(get32(ip + 16), a) : "", len >= 20 ? ip[9] : 0,
		      n->st.inner_not_ours);
}

/* Counts an ESP drop; true when it should be logged (the first ten, then every thousandth: a
 * flood of bad packets must not flood the log). */
static bool esp_drop_logged(struct live_node *n)
{
	n->st.esp_drops++;
	return n->st.esp_drops <= 10 || n->st.esp_drops % 1000 == 0;
}

static void esp_input(struct live_node *n, uint8_t *buf, size_t len, uint32_t from_ip, int64_t now)
{
	char a[16];
	uint32_t spi = get32(buf);
	struct live_child *c = g_hash_table_lookup(n->children, GUINT_TO_POINTER(spi));
	if (!c) {
		if (esp_drop_logged(n))
			event(n, "ESP from %s with unknown SPI %08x: dropped (%" G_GUINT64_FORMAT " ESP drops so far)",
			      ip_str(from_ip, a), spi, n->st.esp_drops);
		return;
	}
	struct esp_buf b = { buf, len, 0, 0 };
	uint8_t nh = 0;
	enum esp_verdict v = esp_open(c->in, &b, &nh, now);
	if (v == ESP_DUMMY)
		return;
	if (v != ESP_OK) {
		if (esp_drop_logged(n))
			event(n, "ESP SPI %08x from %s: dropped: %s (%" G_GUINT64_FORMAT " ESP drops so far)", spi,
			      ip_str(from_ip, a), esp_verdict_name(v), n->st.esp_drops);
		return;
	}
	n->st.esp_rx++;
	uint64_t bytes = esp_sa_stats(c->in)->bytes;
	if (nh == 4)
		inner_input(n, b.data, b.len, now);
	else
		event(n, "ESP SPI %08x: next header %u is not IPv4: dropped", spi, nh);
	/* a sign of life, as in a simulation (no DPD while ESP arrives) */
	ike_child_activity(n->ep, spi, now);
	/* last: may rekey, and so free c */
	ike_child_bytes(n->ep, spi, bytes, now);
}

static void socket_input(struct live_node *n, int s, uint16_t port)
{
	uint8_t buf[65536];
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t got = recvfrom(s, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		if (got < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				event(n, "receive on port %u: %s", port, g_strerror(errno));
			if (errno != EINTR)
				return;
			continue;
		}
		size_t len = (size_t)got;
		int64_t now = now_ns();
		uint32_t from_ip = ntohl(from.sin_addr.s_addr);
		if (port == IKE_NATT_PORT) {
			if (len == 1 && buf[0] == 0xff)
				continue; /* NAT keepalive (RFC 3948 §2.3) */
			if (len >= 8 && (buf[0] | buf[1] | buf[2] | buf[3])) {
				esp_input(n, buf, len, from_ip, now);
				continue;
			}
		}
		struct ike_dgram d = { .src = { from_ip, ntohs(from.sin_port) },
				       .dst = { n->cfg.bind_ip, port },
				       .data = buf,
				       .len = len };
		ike_input(n->ep, &d, now);
	}
}

static gboolean on_500(gint fd, GIOCondition cond, gpointer data)
{
	(void)cond;
	socket_input(data, fd, IKE_PORT);
	return G_SOURCE_CONTINUE;
}

static gboolean on_4500(gint fd, GIOCondition cond, gpointer data)
{
	(void)cond;
	socket_input(data, fd, IKE_NATT_PORT);
	return G_SOURCE_CONTINUE;
}

/* ---- life cycle ---- */

static int bind_udp(uint32_t ip, uint16_t port, GError **err)
{
	char a[16];
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		g_set_error(err, LIVE_ERROR, 1, "socket: %s", g_strerror(errno));
		return -1;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(ip) };
	if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		g_set_error(err, LIVE_ERROR, 2, "cannot bind UDP %s:%u: %s", ip_str(ip, a), port, g_strerror(e));
		close(s);
		return -1;
	}
	return s;
}

static GSource *fd_source(struct live_node *n, int fd, GUnixFDSourceFunc fn)
{
	GSource *src = g_unix_fd_source_new(fd, G_IO_IN);
	g_source_set_callback(src, G_SOURCE_FUNC(fn), n, NULL);
	g_source_attach(src, n->ctx);
	return src;
}

struct live_node *live_node_new(const struct live_cfg *cfg, GMainContext *ctx, GError **err)
{
	if (!cfg->bind_ip || cfg->n_inner > LIVE_MAX_PREFIXES) {
		g_set_error(err, LIVE_ERROR, 3, "live node %s: needs a concrete address to bind and at most %d inner prefixes",
			    cfg->name ? cfg->name : "?", LIVE_MAX_PREFIXES);
		return NULL;
	}
	struct live_node *n = g_new0(struct live_node, 1);
	n->cfg = *cfg;
	n->name = g_strdup(cfg->name ? cfg->name : "live");
	n->cfg.name = n->name;
	n->keys_dir = g_strdup(cfg->keys_dir);
	n->cfg.keys_dir = n->keys_dir;
	n->cfg.peers = NULL;
	n->ctx = ctx ? g_main_context_ref(ctx) : g_main_context_ref(g_main_context_default());
	n->t0_ns = now_ns();
	n->s500 = n->s4500 = -1;
	n->timers = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, timer_free);
	n->sas = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
	n->children = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, child_free);
	n->ping_sent_ns = g_array_new(FALSE, TRUE, sizeof(int64_t));
	keylog_init(&n->keys);
	uint8_t id[2];
	cb_random(n, id, sizeof id);
	n->ping_id = (uint16_t)(id[0] << 8 | id[1]);
	struct ike_endpoint_cfg ec = { .name = n->name, .cookie_threshold = cfg->cookie_threshold };
	cb_random(n, ec.cookie_secret, sizeof ec.cookie_secret);
	n->ep = ike_endpoint_new(&ec, &callbacks, n);
	n->n_peers = cfg->n_peers;
	n->peers = g_new0(struct live_peer_state, cfg->n_peers ? cfg->n_peers : 1);
	for (size_t i = 0; i < cfg->n_peers; i++) {
		struct live_peer_state *ps = &n->peers[i];
		ps->n = n;
		ps->p = cfg->peers[i];
		ps->p.cfg.name = ps->p.name;
		ps->index = ike_peer_add(n->ep, &ps->p.cfg, err);
		if (ps->index < 0) {
			g_prefix_error(err, "peer %s: ", ps->p.name);
			live_node_free(n);
			return NULL;
		}
	}
	n->s500 = bind_udp(cfg->bind_ip, IKE_PORT, err);
	if (n->s500 >= 0)
		n->s4500 = bind_udp(cfg->bind_ip, IKE_NATT_PORT, err);
	if (n->s4500 < 0) {
		live_node_free(n);
		return NULL;
	}
	n->src500 = fd_source(n, n->s500, on_500);
	n->src4500 = fd_source(n, n->s4500, on_4500);
	char a[16];
	event(n, "listening on %s UDP %u and %u, %zu peer%s", ip_str(cfg->bind_ip, a), IKE_PORT, IKE_NATT_PORT, n->n_peers,
	      n->n_peers == 1 ? "" : "s");
	return n;
}

void live_node_start(struct live_node *n)
{
	for (size_t i = 0; i < n->n_peers; i++)
		if (n->peers[i].p.initiate)
			initiate(&n->peers[i]);
	if (n->cfg.ping_dst) {
		int64_t iv = n->cfg.ping_interval_ns > 0 ? n->cfg.ping_interval_ns : NS_PER_S;
		n->ping_src = timeout_source(n, iv, ping_tick, n);
	}
}

static gboolean done_fired(gpointer data)
{
	struct live_node *n = data;
	g_source_unref(n->done_idle);
	n->done_idle = NULL;
	if (n->stop_timer) {
		g_source_destroy(n->stop_timer);
		g_source_unref(n->stop_timer);
		n->stop_timer = NULL;
	}
	if (!n->done_called) {
		n->done_called = true;
		if (g_hash_table_size(n->sas))
			event(n, "stopping with %u IKE SA%s unanswered", g_hash_table_size(n->sas),
			      g_hash_table_size(n->sas) == 1 ? "" : "s");
		if (n->done)
			n->done(n->done_user);
	}
	return G_SOURCE_REMOVE;
}

/* Runs `done` from the context (never from inside an engine callback). */
static void schedule_done(struct live_node *n)
{
	if (n->done_idle || n->done_called)
		return;
	n->done_idle = g_idle_source_new();
	g_source_set_callback(n->done_idle, done_fired, n, NULL);
	g_source_attach(n->done_idle, n->ctx);
}

static void maybe_done(struct live_node *n)
{
	if (g_hash_table_size(n->sas) == 0)
		schedule_done(n);
}

static gboolean stop_deadline(gpointer data)
{
	struct live_node *n = data;
	schedule_done(n);
	return G_SOURCE_REMOVE;
}

static void drop_source(GSource **s)
{
	if (*s) {
		g_source_destroy(*s);
		g_source_unref(*s);
		*s = NULL;
	}
}

/* Copies the ids of the SAs we know (engine calls below may change the table). */
static GArray *sa_ids(struct live_node *n)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	GHashTableIter it;
	gpointer k;
	g_hash_table_iter_init(&it, n->sas);
	while (g_hash_table_iter_next(&it, &k, NULL))
		g_array_append_val(ids, *(uint64_t *)k);
	return ids;
}

void live_node_stop(struct live_node *n, void (*done)(void *user), void *user)
{
	if (n->stopping)
		return;
	n->stopping = true;
	n->done = done;
	n->done_user = user;
	drop_source(&n->ping_src);
	if (n->ping_end) {
		drop_source(&n->ping_end);
		n->pings_done = true;
		ping_summary(n);
	} else if (n->cfg.ping_dst && !n->pings_done) {
		n->pings_done = true;
		ping_summary(n);
	}
	for (size_t i = 0; i < n->n_peers; i++)
		drop_source(&n->peers[i].reconnect);
	g_autoptr(GArray) ids = sa_ids(n);
	unsigned deleting = 0;
	int64_t now = now_ns();
	for (guint i = 0; i < ids->len; i++) {
		uint64_t id = g_array_index(ids, uint64_t, i);
		if (!ike_sa_exists(n->ep, id))
			continue;
		enum ike_sa_state st = ike_sa_state(n->ep, id);
		if (st == IKE_SA_ESTABLISHED && ike_delete(n->ep, id, now))
			deleting++;
		else if (st == IKE_SA_INIT_SENT || st == IKE_SA_AUTH_SENT || st == IKE_SA_HALF_OPEN)
			ike_abort(n->ep, id, now);
	}
	event(n, "stopping: DELETE sent for %u IKE SA%s, waiting at most %.1f s", deleting, deleting == 1 ? "" : "s",
	      (double)LIVE_SHUTDOWN_WAIT_NS / 1e9);
	n->stop_timer = timeout_source(n, LIVE_SHUTDOWN_WAIT_NS, stop_deadline, n);
	maybe_done(n);
}

unsigned live_node_rekey_children(struct live_node *n)
{
	/* the engine's view: an IKE rekey moves CHILD SAs to the new IKE SA */
	g_autoptr(GArray) ids = sa_ids(n);
	unsigned ok = 0, all = 0;
	for (guint i = 0; i < ids->len; i++) {
		uint64_t id = g_array_index(ids, uint64_t, i);
		if (!ike_sa_exists(n->ep, id) || ike_sa_state(n->ep, id) != IKE_SA_ESTABLISHED)
			continue;
		size_t k = ike_sa_children(n->ep, id, NULL, 0);
		g_autofree struct ike_child_info *c = g_new0(struct ike_child_info, MAX(k, 1));
		k = ike_sa_children(n->ep, id, c, k);
		for (size_t j = 0; j < k; j++, all++)
			if (ike_child_rekey(n->ep, id, c[j].spi_in, now_ns()))
				ok++;
	}
	event(n, "CHILD SA rekey requested for %u of %u CHILD SAs", ok, all);
	return ok;
}

static unsigned for_each_established(struct live_node *n, bool (*fn)(struct ike_endpoint *, uint64_t, int64_t))
{
	g_autoptr(GArray) ids = sa_ids(n);
	unsigned ok = 0;
	for (guint i = 0; i < ids->len; i++) {
		uint64_t id = g_array_index(ids, uint64_t, i);
		if (ike_sa_exists(n->ep, id) && ike_sa_state(n->ep, id) == IKE_SA_ESTABLISHED && fn(n->ep, id, now_ns()))
			ok++;
	}
	return ok;
}

unsigned live_node_rekey_ike(struct live_node *n)
{
	unsigned ok = for_each_established(n, ike_rekey);
	event(n, "IKE SA rekey requested for %u IKE SA%s", ok, ok == 1 ? "" : "s");
	return ok;
}

unsigned live_node_dpd(struct live_node *n)
{
	unsigned ok = for_each_established(n, ike_dpd_now);
	event(n, "liveness check requested on %u IKE SA%s", ok, ok == 1 ? "" : "s");
	return ok;
}

bool live_node_pings_done(const struct live_node *n)
{
	return n->pings_done;
}

void live_node_get_stats(const struct live_node *n, struct live_stats *out)
{
	*out = n->st;
	const struct ike_counters *k = ike_endpoint_counters(n->ep);
	out->ike_rekeys = k->ike_rekeys;
	out->child_rekeys = k->child_rekeys;
	out->dead_peers = k->dead_peers;
}

const struct ike_endpoint *live_node_endpoint(const struct live_node *n)
{
	return n->ep;
}

void live_node_summary(struct live_node *n)
{
	struct live_stats s;
	live_node_get_stats(n, &s);
	const struct ike_counters *k = ike_endpoint_counters(n->ep);
	uint64_t drops = 0;
	for (int d = 0; d < IKE_DROP_COUNT; d++)
		drops += k->drops[d];
	event(n,
	      "summary: IKE SAs established %" G_GUINT64_FORMAT ", IKE rekeys %" G_GUINT64_FORMAT ", CHILD SAs up %" G_GUINT64_FORMAT
	      " down %" G_GUINT64_FORMAT ", CHILD rekeys %" G_GUINT64_FORMAT ", dead peers %" G_GUINT64_FORMAT
	      ", IKE retransmits %" G_GUINT64_FORMAT ", IKE drops %" G_GUINT64_FORMAT ", ESP in %" G_GUINT64_FORMAT
	      " out %" G_GUINT64_FORMAT " dropped %" G_GUINT64_FORMAT ", echo requests answered %" G_GUINT64_FORMAT
	      ", pings sent %" G_GUINT64_FORMAT " answered %" G_GUINT64_FORMAT,
	      s.ike_established, s.ike_rekeys, s.child_up, s.child_down, s.child_rekeys, s.dead_peers, k->retransmits, drops,
	      s.esp_rx, s.esp_tx, s.esp_drops, s.echo_requests_answered, s.pings_sent, s.pings_received);
}

void live_node_free(struct live_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_peers; i++)
		drop_source(&n->peers[i].reconnect);
	drop_source(&n->ping_src);
	drop_source(&n->ping_end);
	drop_source(&n->stop_timer);
	drop_source(&n->done_idle);
	drop_source(&n->src500);
	drop_source(&n->src4500);
	if (n->ep)
		ike_endpoint_free(n->ep); /* silently: no callbacks */
	g_hash_table_destroy(n->timers);
	g_hash_table_destroy(n->children);
	g_hash_table_destroy(n->sas);
	g_array_free(n->ping_sent_ns, TRUE);
	keylog_destroy(&n->keys);
	if (n->s500 >= 0)
		close(n->s500);
	if (n->s4500 >= 0)
		close(n->s4500);
	g_main_context_unref(n->ctx);
	g_free(n->peers);
	g_free(n->keys_dir);
	g_free(n->name);
	g_free(n);
}
