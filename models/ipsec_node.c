/* ipsec_node.c: tunnel interfaces, ESP encapsulation on output, SA lookup and decapsulation on
 * input, and the IKE ports. */
#include "models/ipsec_node.h"

#include <string.h>

#include "sim/tcp.h"

struct ipsec_in {
	struct esp_sa *sa;
	struct ipsec_tunnel *tunnel;
};

static struct esp_buf buf_of(struct sim_pkt *p)
{
	struct esp_buf b = {
		.data = sim_pkt_data(p),
		.len = p->len,
		.headroom = sim_pkt_headroom(p),
		.tailroom = sim_pkt_tailroom(p),
	};
	return b;
}

static void pkt_from_buf(struct sim_pkt *p, const struct esp_buf *b)
{
	p->off = (uint32_t)(b->data - p->buf);
	p->len = (uint32_t)b->len;
}

/* ---- capacity stages ----
 * A packet waiting in a processor carries in pkt->user where it is going: bit 63 set for
 * inbound, bit 62 set once it passed the tunnel's own stage, the tunnel index below. */

#define TAG_IN (UINT64_C(1) << 63)
#define TAG_TUNNEL_STAGE (UINT64_C(1) << 62)
#define TAG_NODE_STAGE (UINT64_C(1) << 61)

static void encap_send(struct ipsec_tunnel *t, struct sim_pkt *pkt);
static void decap_deliver(struct ipsec_node *in, struct sim_pkt *pkt);

/* Sends pkt through the stages it has not passed yet, then to its last step. A processor that
 * drops it (full queue) counts the drop. */
static void advance(struct ipsec_node *in, struct ipsec_tunnel *t, struct sim_pkt *pkt)
{
	if (t && t->cap && !(pkt->user & TAG_TUNNEL_STAGE)) {
		pkt->user |= TAG_TUNNEL_STAGE;
		cap_server_submit(t->cap, pkt);
		return;
	}
	if (in->cap && !(pkt->user & TAG_NODE_STAGE)) {
		pkt->user |= TAG_NODE_STAGE;
		cap_server_submit(in->cap, pkt);
		return;
	}
	if (pkt->user & TAG_IN)
		decap_deliver(in, pkt);
	else
		encap_send(t, pkt);
}

void ipsec_cap_done(void *ctx, struct sim_pkt *pkt)
{
	struct ipsec_node *in = ctx;
	uint32_t idx = (uint32_t)pkt->user;
	struct ipsec_tunnel *t = idx < in->tunnels->len ? in->tunnels->pdata[idx] : NULL;
	advance(in, t, pkt);
}

void ipsec_node_set_capacity(struct ipsec_node *in, struct cap_server *cap)
{
	in->cap = cap;
}

void ipsec_tunnel_set_capacity(struct ipsec_tunnel *t, struct cap_server *cap)
{
	t->cap = cap;
}

/* ---- output ---- */

static void count_bytes(struct ipsec_tunnel *t, uint64_t *counter, uint32_t bytes)
{
	*counter += bytes;
	if (t->bytes)
		sim_series_add(t->bytes, sim_net_now(t->in->node->net), bytes);
}

static void encap_send(struct ipsec_tunnel *t, struct sim_pkt *pkt)
{
	struct sim_node *n = t->in->node;
	if (!t->out_sa) {
		(*t->c_tx_drop_no_sa)++;
		sim_pkt_free(pkt);
		return;
	}
	struct esp_buf b = buf_of(pkt);
	uint32_t inner = pkt->len;
	enum esp_verdict v = esp_encap(t->out_sa, &b, sim_net_now(n->net));
	if (v != ESP_OK) {
		(*t->c_tx_drop[v])++;
		sim_pkt_free(pkt);
		return;
	}
	pkt_from_buf(pkt, &b);
	(*t->c_tx_packets)++;
	count_bytes(t, t->c_tx_bytes, inner);
	sim_node_send_ip(n, pkt); /* the outer packet: routed like any other (drops counted there) */
}

static void clamp(struct ipsec_node *in, struct sim_pkt *pkt)
{
	if (in->mss_clamp && sim_tcp_clamp_mss(sim_pkt_data(pkt), pkt->len, in->mss_clamp))
		(*in->c_mss_clamped)++;
}

static void tunnel_output(struct sim_iface *iface, struct sim_pkt *pkt, void *ctx)
{
	struct ipsec_tunnel *t = ctx;
	if (!t->out_sa) { /* no SA: drop before spending capacity on it */
		(*t->c_tx_drop_no_sa)++;
		sim_pkt_free(pkt);
		return;
	}
	clamp(t->in, pkt);
	pkt->user = t->index;
	advance(t->in, t, pkt);
}

/* ---- input ---- */

static void decap_deliver(struct ipsec_node *in, struct sim_pkt *pkt)
{
	struct esp_buf b = buf_of(pkt);
	struct esp_sa *sa = NULL;
	enum esp_verdict v = esp_db_decap(in->db, &b, sim_net_now(in->node->net), &sa);
	if (v != ESP_OK) {
		(*in->c_rx_drop[v])++;
		sim_pkt_free(pkt);
		return;
	}
	pkt_from_buf(pkt, &b);
	uint32_t spi = esp_sa_config(sa)->spi;
	struct ipsec_in *e = g_hash_table_lookup(in->in_sas, GUINT_TO_POINTER(spi));
	(*e->tunnel->c_rx_packets)++;
	count_bytes(e->tunnel, e->tunnel->c_rx_bytes, pkt->len);
	if (in->esp_rx)
		in->esp_rx(in->ike_ctx, spi);
	clamp(in, pkt);
	sim_node_input(in->node, pkt, e->tunnel->iface);
}

static void esp_input(struct ipsec_node *in, struct sim_pkt *pkt, const struct sim_rx_info *info)
{
	sim_pkt_push(pkt, info->hdr_bytes); /* back to the outer IPv4 header */
	(*in->c_rx_esp)++;
	/* Which tunnel's core serves it: the SPI says (a cheap look, no crypto yet). */
	struct ipsec_tunnel *t = NULL;
	struct esp_buf b = buf_of(pkt);
	uint32_t spi, dst;
	size_t off;
	if (esp_peek(&b, &spi, &dst, &off) == ESP_OK) {
		struct ipsec_in *e = g_hash_table_lookup(in->in_sas, GUINT_TO_POINTER(spi));
		t = e ? e->tunnel : NULL;
	}
	pkt->user = TAG_IN | (t ? t->index : UINT32_MAX);
	advance(in, t, pkt);
}

static void proto_esp_rx(struct sim_node *node, struct sim_pkt *pkt, const struct sim_rx_info *info, void *ctx)
{
	esp_input(ctx, pkt, info);
}

static void ike_deliver(struct ipsec_node *in, struct sim_pkt *pkt, const struct sim_rx_info *info)
{
	if (!in->ike_rx) {
		(*in->c_rx_ike_no_handler)++;
		sim_pkt_free(pkt);
		return;
	}
	in->ike_rx(in->ike_ctx, pkt, info);
}

static void udp500_rx(struct sim_node *node, struct sim_pkt *pkt, const struct sim_rx_info *info, void *ctx)
{
	ike_deliver(ctx, pkt, info);
}

static void udp4500_rx(struct sim_node *node, struct sim_pkt *pkt, const struct sim_rx_info *info, void *ctx)
{
	struct ipsec_node *in = ctx;
	const uint8_t *d = sim_pkt_data(pkt);
	if (pkt->len == 1 && d[0] == 0xff) { /* NAT-keepalive (RFC 3948 §2.3) */
		(*in->c_rx_natt_keepalive)++;
		sim_pkt_free(pkt);
		return;
	}
	if (pkt->len >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 0) {
		ike_deliver(in, pkt, info); /* non-ESP marker: an IKE message follows */
		return;
	}
	esp_input(in, pkt, info);
}

/* ---- set-up ---- */

static void in_free(gpointer p)
{
	struct ipsec_in *e = p;
	esp_sa_free(e->sa);
	g_free(e);
}

static void tunnel_free(gpointer p)
{
	struct ipsec_tunnel *t = p;
	esp_sa_free(t->out_sa);
	g_free(t->name);
	g_free(t);
}

void ipsec_node_init(struct ipsec_node *in, struct sim_node *node)
{
	memset(in, 0, sizeof *in);
	struct sim_stats *st = &node->net->stats;
	in->node = node;
	in->db = esp_db_new();
	in->in_sas = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, in_free);
	in->tunnels = g_ptr_array_new_with_free_func(tunnel_free);
	in->c_rx_esp = sim_stats_counterf(st, "ipsec/%s/rx_esp", node->name);
	in->c_rx_natt_keepalive = sim_stats_counterf(st, "ipsec/%s/rx_natt_keepalive", node->name);
	in->c_rx_ike_no_handler = sim_stats_counterf(st, "ipsec/%s/rx_ike_no_handler", node->name);
	for (int v = 1; v < ESP_VERDICT_COUNT; v++)
		in->c_rx_drop[v] = sim_stats_counterf(st, "ipsec/%s/rx_drop_%s", node->name, esp_verdict_name(v));
	sim_node_set_proto_handler(node, 50, proto_esp_rx, in);
	sim_node_set_udp_handler(node, IPSEC_IKE_PORT, udp500_rx, in);
	sim_node_set_udp_handler(node, IPSEC_NATT_PORT, udp4500_rx, in);
}

void ipsec_node_destroy(struct ipsec_node *in)
{
	if (!in->node)
		return;
	sim_node_set_proto_handler(in->node, 50, NULL, NULL);
	sim_node_set_udp_handler(in->node, IPSEC_IKE_PORT, NULL, NULL);
	sim_node_set_udp_handler(in->node, IPSEC_NATT_PORT, NULL, NULL);
	esp_db_free(in->db); /* it does not own the SAs */
	g_hash_table_destroy(in->in_sas);
	g_ptr_array_free(in->tunnels, TRUE);
	memset(in, 0, sizeof *in);
}

void ipsec_node_set_mss_clamp(struct ipsec_node *in, uint16_t mss)
{
	in->mss_clamp = mss;
	if (mss && !in->c_mss_clamped)
		in->c_mss_clamped = sim_stats_counterf(&in->node->net->stats, "ipsec/%s/mss_clamped", in->node->name);
}

void ipsec_node_set_ike_handler(struct ipsec_node *in, ipsec_ike_rx_fn fn, void *ctx)
{
	in->ike_rx = fn;
	in->ike_ctx = ctx;
}

struct ipsec_tunnel *ipsec_tunnel_new(struct ipsec_node *in, const char *name, uint32_t addr, unsigned plen,
				      uint32_t mtu)
{
	struct sim_stats *st = &in->node->net->stats;
	const char *node = in->node->name;
	struct ipsec_tunnel *t = g_new0(struct ipsec_tunnel, 1);
	t->in = in;
	t->index = in->tunnels->len;
	t->name = g_strdup(name);
	t->iface = sim_node_add_iface(in->node, addr, plen, mtu);
	sim_iface_set_output(t->iface, tunnel_output, t);
	t->c_tx_packets = sim_stats_counterf(st, "ipsec/%s/tunnel/%s/tx_packets", node, name);
	t->c_tx_drop_no_sa = sim_stats_counterf(st, "ipsec/%s/tunnel/%s/tx_drop_no_sa", node, name);
	t->c_rx_packets = sim_stats_counterf(st, "ipsec/%s/tunnel/%s/rx_packets", node, name);
	t->c_tx_bytes = sim_stats_counterf(st, "ipsec/%s/tunnel/%s/tx_bytes", node, name);
	t->c_rx_bytes = sim_stats_counterf(st, "ipsec/%s/tunnel/%s/rx_bytes", node, name);
	for (int v = 1; v < ESP_VERDICT_COUNT; v++)
		t->c_tx_drop[v] = sim_stats_counterf(st, "ipsec/%s/tunnel/%s/tx_drop_%s", node, name, esp_verdict_name(v));
	g_ptr_array_add(in->tunnels, t);
	return t;
}

void ipsec_tunnel_set_series(struct ipsec_tunnel *t, struct sim_series *series)
{
	t->bytes = series;
}

void ipsec_tunnel_set_out_sa(struct ipsec_tunnel *t, struct esp_sa *sa)
{
	esp_sa_free(t->out_sa);
	t->out_sa = sa;
}

bool ipsec_node_add_in_sa(struct ipsec_node *in, struct esp_sa *sa, struct ipsec_tunnel *t)
{
	if (!esp_db_add(in->db, sa))
		return false;
	struct ipsec_in *e = g_new(struct ipsec_in, 1);
	e->sa = sa;
	e->tunnel = t;
	g_hash_table_insert(in->in_sas, GUINT_TO_POINTER(esp_sa_config(sa)->spi), e);
	return true;
}

bool ipsec_node_del_in_sa(struct ipsec_node *in, uint32_t spi)
{
	if (!esp_db_remove(in->db, spi))
		return false;
	return g_hash_table_remove(in->in_sas, GUINT_TO_POINTER(spi));
}

struct esp_sa *ipsec_node_in_sa(const struct ipsec_node *in, uint32_t spi)
{
	struct ipsec_in *e = g_hash_table_lookup(in->in_sas, GUINT_TO_POINTER(spi));
	return e ? e->sa : NULL;
}

enum sim_drop ipsec_node_send_ike(struct ipsec_node *in, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
				  const uint8_t *data, size_t len)
{
	struct sim_pkt *p = sim_net_pkt(in->node->net);
	if (len > sim_pkt_tailroom(p)) {
		sim_node_count_drop(in->node, SIM_DROP_MALFORMED);
		sim_pkt_free(p);
		return SIM_DROP_MALFORMED;
	}
	memcpy(sim_pkt_put(p, (uint32_t)len), data, len);
	return sim_node_send_udp(in->node, src, sport, dst, dport, p);
}
