/* net.c: nodes, interfaces, the routing table, sending, and the receive/forward path. */
#include "sim/net.h"

#include <string.h>

#include "sim/link.h"

const char *sim_drop_name(enum sim_drop d)
{
	static const char *const names[SIM_DROP_COUNT] = {
		[SIM_OK] = "ok",
		[SIM_DROP_NO_ROUTE] = "no_route",
		[SIM_DROP_TTL] = "ttl",
		[SIM_DROP_BAD_CHECKSUM] = "bad_checksum",
		[SIM_DROP_MALFORMED] = "malformed",
		[SIM_DROP_FRAGMENT] = "fragment",
		[SIM_DROP_NO_PROTO] = "no_proto",
		[SIM_DROP_NO_PORT] = "no_port",
		[SIM_DROP_NOT_LOCAL] = "not_local",
		[SIM_DROP_IFACE_MTU] = "iface_mtu",
		[SIM_DROP_NO_LINK] = "no_link",
		[SIM_DROP_QUEUE] = "queue",
		[SIM_DROP_LOSS] = "loss",
		[SIM_DROP_DOWN] = "down",
		[SIM_DROP_MTU] = "mtu",
	};
	return (unsigned)d < SIM_DROP_COUNT ? names[d] : "?";
}

G_DEFINE_QUARK(sim-net-error-quark, sim_net_error)

/* ---- the world ---- */

static void node_free(gpointer p);
static void link_free(gpointer p) { sim_link_free_(p); }

void sim_net_init(struct sim_net *net, struct sim *sim)
{
	memset(net, 0, sizeof *net);
	net->sim = sim;
	sim_stats_init(&net->stats);
	sim_pkt_pool_init(&net->pool, SIM_NET_PKT_BUF, SIM_NET_PKT_HEADROOM);
	net->nodes = g_ptr_array_new_with_free_func(node_free);
	net->links = g_ptr_array_new_with_free_func(link_free);
	net->node_by_name = g_hash_table_new(g_str_hash, g_str_equal);
	net->link_by_name = g_hash_table_new(g_str_hash, g_str_equal);
}

void sim_net_destroy(struct sim_net *net)
{
	g_hash_table_destroy(net->node_by_name);
	g_hash_table_destroy(net->link_by_name);
	g_ptr_array_free(net->links, TRUE);
	g_ptr_array_free(net->nodes, TRUE);
	sim_pkt_pool_destroy(&net->pool); /* also frees packets still in flight */
	sim_stats_destroy(&net->stats);
	memset(net, 0, sizeof *net);
}

struct sim_node *sim_net_node(const struct sim_net *net, const char *name)
{
	return g_hash_table_lookup(net->node_by_name, name);
}

struct sim_link *sim_net_link(const struct sim_net *net, const char *name)
{
	return g_hash_table_lookup(net->link_by_name, name);
}

/* ---- routing table ---- */

static inline uint64_t rt_key(uint32_t prefix, unsigned plen)
{
	return ((uint64_t)(plen + 1) << 32) | prefix;
}

static inline uint32_t rt_hash(uint64_t key, uint32_t cap)
{
	/* Fibonacci hashing: the top bits of key * 2^64/phi. */
	return (uint32_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & (cap - 1);
}

static struct sim_rt_slot *rt_find(const struct sim_rtable *rt, uint64_t key)
{
	if (!rt->cap)
		return NULL;
	for (uint32_t i = rt_hash(key, rt->cap);; i = (i + 1) & (rt->cap - 1)) {
		struct sim_rt_slot *s = &rt->slots[i];
		if (s->key == key)
			return s;
		if (s->key == 0)
			return NULL;
	}
}

static void rt_insert_new(struct sim_rtable *rt, uint64_t key, const struct sim_route *r)
{
	uint32_t i = rt_hash(key, rt->cap);
	while (rt->slots[i].key)
		i = (i + 1) & (rt->cap - 1);
	rt->slots[i].key = key;
	rt->slots[i].route = *r;
}

static void rt_grow(struct sim_rtable *rt)
{
	struct sim_rt_slot *old = rt->slots;
	uint32_t old_cap = rt->cap;
	rt->cap = old_cap ? old_cap * 2 : 16;
	rt->slots = g_new0(struct sim_rt_slot, rt->cap);
	for (uint32_t i = 0; i < old_cap; i++)
		if (old[i].key)
			rt_insert_new(rt, old[i].key, &old[i].route);
	g_free(old);
}

static void rt_put(struct sim_rtable *rt, const struct sim_route *r)
{
	uint64_t key = rt_key(r->prefix, r->plen);
	struct sim_rt_slot *s = rt_find(rt, key);
	if (s) {
		s->route = *r;
		return;
	}
	if ((rt->count + 1) * 2 > rt->cap)
		rt_grow(rt);
	rt_insert_new(rt, key, r);
	rt->count++;
	if (rt->per_len[r->plen]++ == 0)
		rt->len_mask |= UINT64_C(1) << r->plen;
}

/* Linear probing deletion by backward shift: later members of the cluster that may move into
 * the hole do so, so lookups never need tombstones. */
static bool rt_remove(struct sim_rtable *rt, uint32_t prefix, unsigned plen)
{
	struct sim_rt_slot *s = rt_find(rt, rt_key(prefix, plen));
	if (!s)
		return false;
	uint32_t mask = rt->cap - 1;
	uint32_t hole = (uint32_t)(s - rt->slots);
	for (uint32_t j = (hole + 1) & mask; rt->slots[j].key; j = (j + 1) & mask) {
		uint32_t home = rt_hash(rt->slots[j].key, rt->cap);
		/* slot j may move to hole when its home is not in (hole, j] cyclically */
		bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (!stays) {
			rt->slots[hole] = rt->slots[j];
			hole = j;
		}
	}
	rt->slots[hole].key = 0;
	rt->count--;
	if (--rt->per_len[plen] == 0)
		rt->len_mask &= ~(UINT64_C(1) << plen);
	return true;
}

static const struct sim_route *rt_lookup(const struct sim_rtable *rt, uint32_t dst)
{
	uint64_t lens = rt->len_mask;
	while (lens) {
		unsigned plen = 63u - (unsigned)__builtin_clzll(lens);
		lens &= ~(UINT64_C(1) << plen);
		const struct sim_rt_slot *s = rt_find(rt, rt_key(dst & sim_ipv4_mask(plen), plen));
		if (s)
			return &s->route;
	}
	return NULL;
}

bool sim_route_add(struct sim_node *n, uint32_t prefix, unsigned plen, uint32_t nexthop, struct sim_iface *iface,
		   GError **err)
{
	g_assert(plen <= 32);
	struct sim_route r = { .prefix = prefix & sim_ipv4_mask(plen), .plen = plen, .nexthop = nexthop, .iface = iface };
	if (!iface) {
		const struct sim_route *via = nexthop ? rt_lookup(&n->rt, nexthop) : NULL;
		if (!via || via->nexthop != 0 || !via->iface) {
			char a[SIM_IPV4_ADDRSTRLEN], h[SIM_IPV4_ADDRSTRLEN];
			g_set_error(err, SIM_NET_ERROR, SIM_NET_ERROR_NEXTHOP,
				    "%s: route to %s/%u: next hop %s is not on a directly connected network", n->name,
				    sim_ipv4_addr_format(r.prefix, a), plen, sim_ipv4_addr_format(nexthop, h));
			return false;
		}
		r.iface = via->iface;
	}
	g_assert(r.iface->node == n);
	rt_put(&n->rt, &r);
	return true;
}

bool sim_route_del(struct sim_node *n, uint32_t prefix, unsigned plen)
{
	g_assert(plen <= 32);
	return rt_remove(&n->rt, prefix & sim_ipv4_mask(plen), plen);
}

const struct sim_route *sim_route_lookup(const struct sim_node *n, uint32_t dst)
{
	return rt_lookup(&n->rt, dst);
}

/* ---- nodes ---- */

static void iface_free(gpointer p)
{
	struct sim_iface *i = p;
	g_free(i->name);
	g_free(i);
}

static void node_free(gpointer p)
{
	struct sim_node *n = p;
	g_ptr_array_free(n->ifaces, TRUE);
	g_hash_table_destroy(n->udp);
	g_hash_table_destroy(n->local);
	g_array_free(n->taps, TRUE);
	g_free(n->rt.slots);
	g_free(n->name);
	g_free(n);
}

struct sim_node *sim_node_new(struct sim_net *net, const char *name)
{
	g_assert(name && !g_hash_table_contains(net->node_by_name, name));
	struct sim_node *n = g_new0(struct sim_node, 1);
	n->net = net;
	n->name = g_strdup(name);
	n->index = net->nodes->len;
	n->ttl = SIM_IPV4_DEFAULT_TTL;
	n->ifaces = g_ptr_array_new_with_free_func(iface_free);
	n->udp = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
	n->taps = g_array_new(FALSE, FALSE, sizeof(struct sim_tap));
	n->local = g_hash_table_new(g_direct_hash, g_direct_equal);
	struct sim_stats *st = &net->stats;
	n->c_rx_packets = sim_stats_counterf(st, "node/%s/rx_packets", name);
	n->c_rx_bytes = sim_stats_counterf(st, "node/%s/rx_bytes", name);
	n->c_tx_packets = sim_stats_counterf(st, "node/%s/tx_packets", name);
	n->c_tx_bytes = sim_stats_counterf(st, "node/%s/tx_bytes", name);
	n->c_delivered = sim_stats_counterf(st, "node/%s/delivered", name);
	n->c_forwarded = sim_stats_counterf(st, "node/%s/forwarded", name);
	g_ptr_array_add(net->nodes, n);
	g_hash_table_insert(net->node_by_name, n->name, n);
	return n;
}

struct sim_iface *sim_node_add_iface(struct sim_node *n, uint32_t addr, unsigned plen, uint32_t mtu)
{
	g_assert(plen <= 32);
	struct sim_iface *i = g_new0(struct sim_iface, 1);
	i->node = n;
	i->index = n->ifaces->len;
	i->name = g_strdup_printf("eth%u", i->index);
	i->plen = plen;
	i->mtu = mtu;
	g_ptr_array_add(n->ifaces, i);
	sim_iface_set_addr(i, addr);
	struct sim_route r = { .prefix = addr & sim_ipv4_mask(plen), .plen = plen, .iface = i };
	rt_put(&n->rt, &r);
	return i;
}

void sim_iface_set_output(struct sim_iface *iface, sim_iface_output_fn fn, void *ctx)
{
	g_assert(!iface->link);
	iface->output = fn;
	iface->output_ctx = ctx;
}

static void local_adjust(struct sim_node *n, uint32_t addr, int delta)
{
	if (!addr)
		return;
	guint c = GPOINTER_TO_UINT(g_hash_table_lookup(n->local, GUINT_TO_POINTER(addr)));
	c = (guint)((int)c + delta);
	if (c)
		g_hash_table_insert(n->local, GUINT_TO_POINTER(addr), GUINT_TO_POINTER(c));
	else
		g_hash_table_remove(n->local, GUINT_TO_POINTER(addr));
}

void sim_iface_set_addr(struct sim_iface *iface, uint32_t addr)
{
	local_adjust(iface->node, iface->addr, -1);
	iface->addr = addr;
	local_adjust(iface->node, addr, +1);
}

bool sim_node_has_addr(const struct sim_node *n, uint32_t addr)
{
	return addr && g_hash_table_contains(n->local, GUINT_TO_POINTER(addr));
}

uint32_t sim_node_addr(const struct sim_node *n)
{
	return n->ifaces->len ? ((const struct sim_iface *)n->ifaces->pdata[0])->addr : 0;
}

void sim_node_set_proto_handler(struct sim_node *n, uint8_t proto, sim_rx_fn fn, void *ctx)
{
	g_assert(proto != SIM_IPPROTO_UDP);
	n->proto[proto].fn = fn;
	n->proto[proto].ctx = fn ? ctx : NULL;
}

void sim_node_set_udp_handler(struct sim_node *n, uint16_t port, sim_rx_fn fn, void *ctx)
{
	if (!fn) {
		g_hash_table_remove(n->udp, GUINT_TO_POINTER(port));
		return;
	}
	struct sim_udp_binding *b = g_new(struct sim_udp_binding, 1);
	b->fn = fn;
	b->ctx = ctx;
	g_hash_table_replace(n->udp, GUINT_TO_POINTER(port), b);
}

void sim_node_add_tap(struct sim_node *n, sim_tap_fn fn, void *ctx)
{
	struct sim_tap t = { fn, ctx };
	g_array_append_val(n->taps, t);
}

bool sim_node_remove_tap(struct sim_node *n, sim_tap_fn fn, void *ctx)
{
	for (guint i = 0; i < n->taps->len; i++) {
		const struct sim_tap *t = &g_array_index(n->taps, struct sim_tap, i);
		if (t->fn == fn && t->ctx == ctx) {
			g_array_remove_index(n->taps, i);
			return true;
		}
	}
	return false;
}

void sim_node_count_drop(struct sim_node *n, enum sim_drop d)
{
	g_assert(d > SIM_OK && d < SIM_DROP_COUNT);
	if (G_UNLIKELY(!n->c_drop[d]))
		n->c_drop[d] = sim_stats_counterf(&n->net->stats, "node/%s/drop_%s", n->name, sim_drop_name(d));
	(*n->c_drop[d])++;
}

static enum sim_drop node_drop(struct sim_node *n, enum sim_drop d, struct sim_pkt *pkt)
{
	sim_node_count_drop(n, d);
	sim_pkt_free(pkt);
	return d;
}

static void node_taps(struct sim_node *n, const struct sim_pkt *pkt)
{
	sim_time now = sim_now(n->net->sim);
	for (guint i = 0; i < n->taps->len; i++) {
		const struct sim_tap *t = &g_array_index(n->taps, struct sim_tap, i);
		t->fn(t->ctx, now, sim_pkt_data(pkt), pkt->len);
	}
}

/* ---- links to interfaces ---- */

static void iface_rx(void *ctx, struct sim_pkt *pkt)
{
	struct sim_iface *i = ctx;
	sim_node_input(i->node, pkt, i);
}

void sim_net_attach(struct sim_link *link, struct sim_iface *a, struct sim_iface *b)
{
	g_assert(!a->link && !b->link && !a->output && !b->output);
	g_assert(!link->end[0] && !link->end[1]);
	link->end[0] = a;
	link->end[1] = b;
	a->link = link;
	a->tx_dir = SIM_LINK_A2B;
	b->link = link;
	b->tx_dir = SIM_LINK_B2A;
	sim_link_set_receiver(link, SIM_LINK_A2B, iface_rx, b);
	sim_link_set_receiver(link, SIM_LINK_B2A, iface_rx, a);
}

/* ---- sending ---- */

static void loopback_event(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)sim;
	sim_node_input(ctx, (struct sim_pkt *)(uintptr_t)arg, NULL);
}

/* Hands pkt (a valid IPv4 packet) to interface i of node n. */
static enum sim_drop node_output(struct sim_node *n, struct sim_iface *i, struct sim_pkt *pkt)
{
	if (pkt->len > i->mtu)
		return node_drop(n, SIM_DROP_IFACE_MTU, pkt);
	if (!i->link && !i->output)
		return node_drop(n, SIM_DROP_NO_LINK, pkt);
	(*n->c_tx_packets)++;
	*n->c_tx_bytes += pkt->len;
	if (n->taps->len)
		node_taps(n, pkt);
	if (i->output) {
		i->output(i, pkt, i->output_ctx);
		return SIM_OK;
	}
	return sim_link_send(i->link, (enum sim_link_dir)i->tx_dir, pkt);
}

enum sim_drop sim_node_send_ip(struct sim_node *n, struct sim_pkt *pkt)
{
	g_assert(pkt->len >= SIM_IPV4_HDR_LEN);
	uint32_t dst = sim_get32(sim_pkt_data(pkt) + 16);
	if (sim_node_has_addr(n, dst)) {
		sim_schedule_in(n->net->sim, 0, loopback_event, n, (uint64_t)(uintptr_t)pkt);
		return SIM_OK;
	}
	const struct sim_route *r = rt_lookup(&n->rt, dst);
	if (!r)
		return node_drop(n, SIM_DROP_NO_ROUTE, pkt);
	return node_output(n, r->iface, pkt);
}

enum sim_drop sim_iface_send(struct sim_iface *iface, struct sim_pkt *pkt)
{
	g_assert(pkt->len >= SIM_IPV4_HDR_LEN);
	return node_output(iface->node, iface, pkt);
}

uint32_t sim_node_source_addr(const struct sim_node *n, uint32_t dst)
{
	if (sim_node_has_addr(n, dst))
		return dst;
	const struct sim_route *r = rt_lookup(&n->rt, dst);
	return r ? r->iface->addr : 0;
}

enum sim_drop sim_node_send_udp(struct sim_node *n, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
				struct sim_pkt *pkt)
{
	if (!src && !(src = sim_node_source_addr(n, dst)))
		return node_drop(n, SIM_DROP_NO_ROUTE, pkt);
	sim_udp_push(pkt, src, dst, sport, dport);
	sim_ipv4_push(pkt, src, dst, SIM_IPPROTO_UDP, n->ttl, n->next_ip_id++);
	return sim_node_send_ip(n, pkt);
}

/* ---- receiving ---- */

static enum sim_drop ip_verdict_drop(enum sim_ip_verdict v)
{
	return v == SIM_IP_BAD_CHECKSUM ? SIM_DROP_BAD_CHECKSUM : SIM_DROP_MALFORMED;
}

static void deliver_local(struct sim_node *n, struct sim_pkt *pkt, const struct sim_ipv4_hdr *h,
			  struct sim_iface *iface)
{
	if (h->frag & (SIM_IPV4_FLAG_MF | SIM_IPV4_FRAG_OFFSET_MASK)) {
		node_drop(n, SIM_DROP_FRAGMENT, pkt);
		return;
	}
	struct sim_rx_info info = {
		.iface = iface,
		.src = h->src,
		.dst = h->dst,
		.proto = h->proto,
		.ttl = h->ttl,
		.tos = h->tos,
		.hdr_bytes = h->hdr_len,
	};
	const uint8_t *payload = sim_pkt_data(pkt) + h->hdr_len;
	uint32_t payload_len = h->total_len - h->hdr_len;
	const struct sim_udp_binding *b;
	if (h->proto == SIM_IPPROTO_UDP) {
		struct sim_udp_hdr u;
		enum sim_ip_verdict v = sim_udp_parse(payload, payload_len, h->src, h->dst, &u);
		if (v != SIM_IP_OK) {
			node_drop(n, ip_verdict_drop(v), pkt);
			return;
		}
		b = g_hash_table_lookup(n->udp, GUINT_TO_POINTER(u.dport));
		if (!b) {
			node_drop(n, SIM_DROP_NO_PORT, pkt);
			return;
		}
		info.sport = u.sport;
		info.dport = u.dport;
		info.hdr_bytes += SIM_UDP_HDR_LEN;
		sim_pkt_trim(pkt, h->hdr_len + u.len);
	} else {
		b = &n->proto[h->proto];
		if (!b->fn) {
			node_drop(n, SIM_DROP_NO_PROTO, pkt);
			return;
		}
	}
	sim_pkt_pull(pkt, info.hdr_bytes);
	(*n->c_delivered)++;
	b->fn(n, pkt, &info, b->ctx);
}

void sim_node_input(struct sim_node *n, struct sim_pkt *pkt, struct sim_iface *iface)
{
	(*n->c_rx_packets)++;
	*n->c_rx_bytes += pkt->len;
	if (n->taps->len)
		node_taps(n, pkt);
	struct sim_ipv4_hdr h;
	enum sim_ip_verdict v = sim_ipv4_parse(sim_pkt_data(pkt), pkt->len, &h);
	if (v != SIM_IP_OK) {
		node_drop(n, ip_verdict_drop(v), pkt);
		return;
	}
	sim_pkt_trim(pkt, h.total_len);
	if (sim_node_has_addr(n, h.dst) || h.dst == UINT32_MAX) {
		deliver_local(n, pkt, &h, iface);
		return;
	}
	if (!n->forwarding) {
		node_drop(n, SIM_DROP_NOT_LOCAL, pkt);
		return;
	}
	if (h.ttl <= 1) {
		node_drop(n, SIM_DROP_TTL, pkt);
		return;
	}
	const struct sim_route *r = rt_lookup(&n->rt, h.dst);
	if (!r) {
		node_drop(n, SIM_DROP_NO_ROUTE, pkt);
		return;
	}
	sim_ipv4_dec_ttl(sim_pkt_data(pkt));
	(*n->c_forwarded)++;
	node_output(n, r->iface, pkt);
}
