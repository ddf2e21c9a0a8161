/* ike_pair.c: the two-peers-in-one-process harness of ike_pair.h. */
#include "tests/ike_pair.h"

#include "models/ipsec/ike_pki.h"

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pkt {
	int to;
	int64_t at;
	uint64_t seq;
	struct ike_addr src, dst;
	uint8_t *data;
	size_t len;
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void cb_random(void *user, uint8_t *buf, size_t len)
{
	struct ike_pair_node *n = user;
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = splitmix(&n->rng);
		for (size_t k = 0; k < 8 && i + k < len; k++)
			buf[i + k] = (uint8_t)(v >> (8 * k));
	}
	if (n->pair->descending_nonces && len == 32)
		buf[0] = (uint8_t)(0xff - (unsigned)(2 - n->idx) * n->nonces++);
}

static gint pkt_cmp(gconstpointer a, gconstpointer b)
{
	const struct pkt *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : (x->seq > y->seq);
}

static void enqueue(struct ike_pair *p, int to, const struct ike_dgram *d, int64_t at)
{
	struct pkt *k = g_new0(struct pkt, 1);
	k->to = to;
	k->at = at;
	k->seq = p->seq++;
	k->src = d->src;
	k->dst = d->dst;
	k->data = g_memdup2(d->data, d->len);
	k->len = d->len;
	p->inflight = g_list_insert_sorted(p->inflight, k, pkt_cmp);
}

/* NAT: node 0's private 192.168.1.2:port appears as 198.51.100.9:(port + 40000). */
static void nat_out(struct ike_dgram *d)
{
	if (d->src.ip == IKE_PAIR_ADDR0_PRIV) {
		d->src.ip = IKE_PAIR_NAT_PUBLIC;
		d->src.port = (uint16_t)(d->src.port + 40000);
	}
}

static void nat_in(struct ike_dgram *d)
{
	if (d->dst.ip == IKE_PAIR_NAT_PUBLIC) {
		d->dst.ip = IKE_PAIR_ADDR0_PRIV;
		d->dst.port = (uint16_t)(d->dst.port - 40000);
	}
}

static void cb_send(void *user, const struct ike_dgram *d0)
{
	struct ike_pair_node *n = user;
	struct ike_pair *p = n->pair;
	struct ike_dgram d = *d0;
	n->sent++;
	if (p->nat && n->idx == 0)
		nat_out(&d);
	if (p->tap)
		p->tap(p->tap_ctx, p->now, &d);
	enum ike_pair_action a = IKE_PAIR_DELIVER;
	if (p->silent[n->idx]) {
		a = IKE_PAIR_DROP;
	} else if (p->drop_next[n->idx]) {
		p->drop_next[n->idx]--;
		a = IKE_PAIR_DROP;
	} else if (p->filter) {
		a = p->filter(p, n->idx, &d, p->filter_ctx);
	}
	if (a == IKE_PAIR_DROP)
		return;
	enqueue(p, 1 - n->idx, &d, p->now + p->delay_ns);
	if (a == IKE_PAIR_DUPLICATE)
		enqueue(p, 1 - n->idx, &d, p->now + p->delay_ns + NS / 1000);
}

static void cb_set_timer(void *user, uint64_t sa_id, int64_t at)
{
	struct ike_pair_node *n = user;
	if (at == INT64_MAX) {
		g_hash_table_remove(n->timers, &sa_id);
		return;
	}
	uint64_t *k = g_new(uint64_t, 1);
	int64_t *v = g_new(int64_t, 1);
	*k = sa_id;
	*v = at;
	g_hash_table_replace(n->timers, k, v);
}

static void cb_child_up(void *user, const struct ike_child_info *c)
{
	struct ike_pair_node *n = user;
	struct ike_pair_child_event e = { .up = true, .info = *c };
	g_array_append_val(n->child_events, e);
	g_array_append_val(n->children, *c);
}

static void cb_child_down(void *user, const struct ike_child_info *c, enum ike_down_reason why)
{
	struct ike_pair_node *n = user;
	struct ike_pair_child_event e = { .up = false, .why = why, .info = *c };
	g_array_append_val(n->child_events, e);
	for (guint i = 0; i < n->children->len; i++)
		if (g_array_index(n->children, struct ike_child_info, i).spi_in == c->spi_in) {
			g_array_remove_index(n->children, i);
			break;
		}
}

static void cb_ike_state(void *user, uint64_t sa_id, enum ike_sa_state o, enum ike_sa_state s)
{
	struct ike_pair_node *n = user;
	struct ike_pair_state_event e = { sa_id, o, s, n->pair->now };
	g_array_append_val(n->states, e);
	if (s == IKE_SA_ESTABLISHED) {
		n->n_established++;
		char *row = ike_sa_wireshark_row(n->ep, sa_id);
		if (row)
			g_ptr_array_add(n->rows, row);
	}
	if (s == IKE_SA_DEAD)
		n->n_dead++;
}

static void cb_log(void *user, GLogLevelFlags level, const char *msg)
{
	struct ike_pair_node *n = user;
	if (n->pair->verbose)
		printf("[%10.6f] node%d %s\n", (double)n->pair->now / 1e9, n->idx, msg);
}

void ike_pair_default_cfg(int i, bool nat, struct ike_peer_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->name = i == 0 ? "to-node1" : "to-node0";
	uint32_t a0 = nat ? IKE_PAIR_ADDR0_PRIV : IKE_PAIR_ADDR0;
	c->local.ip = i == 0 ? a0 : IKE_PAIR_ADDR1;
	c->remote.ip = i == 0 ? IKE_PAIR_ADDR1 : (nat ? 0 : IKE_PAIR_ADDR0);
	memcpy(c->psk, "secret", 6);
	c->psk_len = 6;
	c->ike[0] = (struct ike_ike_proposal){ 20, 256, 5, 0, 19 };
	c->n_ike = 1;
	c->esp[0] = (struct ike_esp_proposal){ 20, 256, 0, 0 };
	c->n_esp = 1;
	c->local_ts[0] = (struct ike_ts4){ 0x0a000000u + ((uint32_t)i << 16), 0x0a00ffffu + ((uint32_t)i << 16), 0,
					   65535, 0 };
	c->remote_ts[0] = (struct ike_ts4){ 0x0a000000u + ((uint32_t)(1 - i) << 16),
					    0x0a00ffffu + ((uint32_t)(1 - i) << 16), 0, 65535, 0 };
	c->n_local_ts = c->n_remote_ts = 1;
}

void ike_pair_init(struct ike_pair *p, const struct ike_peer_cfg *cfg0, const struct ike_peer_cfg *cfg1,
		   const struct ike_endpoint_cfg *ep0, const struct ike_endpoint_cfg *ep1, uint64_t seed)
{
	memset(p, 0, sizeof(*p));
	p->delay_ns = NS / 100; /* 10 ms one way */
	p->verbose = getenv("IKE_PAIR_VERBOSE") != NULL;
	static const struct ike_callbacks cb = { .send = cb_send,
						 .set_timer = cb_set_timer,
						 .random = cb_random,
						 .child_up = cb_child_up,
						 .child_down = cb_child_down,
						 .ike_state = cb_ike_state,
						 .log = cb_log };
	const struct ike_peer_cfg *cfgs[2] = { cfg0, cfg1 };
	const struct ike_endpoint_cfg *eps[2] = { ep0, ep1 };
	for (int i = 0; i < 2; i++) {
		struct ike_pair_node *n = &p->n[i];
		n->pair = p;
		n->idx = i;
		n->rng = seed * 2 + (uint64_t)i + 1;
		n->timers = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
		n->child_events = g_array_new(FALSE, TRUE, sizeof(struct ike_pair_child_event));
		n->children = g_array_new(FALSE, TRUE, sizeof(struct ike_child_info));
		n->states = g_array_new(FALSE, TRUE, sizeof(struct ike_pair_state_event));
		n->rows = g_ptr_array_new_with_free_func(g_free);
		struct ike_endpoint_cfg ec = { 0 };
		if (eps[i])
			ec = *eps[i];
		ec.name = i ? "node1" : "node0";
		n->ep = ike_endpoint_new(&ec, &cb, n);
		struct ike_peer_cfg c;
		if (cfgs[i])
			c = *cfgs[i];
		else
			ike_pair_default_cfg(i, false, &c);
		GError *err = NULL;
		n->peer = ike_peer_add(n->ep, &c, &err);
		if (n->peer < 0)
			g_error("ike_peer_add: %s", err->message);
	}
}

static void pkt_free(gpointer x)
{
	struct pkt *k = x;
	g_free(k->data);
	g_free(k);
}

void ike_pair_free(struct ike_pair *p)
{
	g_list_free_full(p->inflight, pkt_free);
	for (int i = 0; i < 2; i++) {
		struct ike_pair_node *n = &p->n[i];
		ike_endpoint_free(n->ep);
		g_hash_table_destroy(n->timers);
		g_array_free(n->child_events, TRUE);
		g_array_free(n->children, TRUE);
		g_array_free(n->states, TRUE);
		g_ptr_array_free(n->rows, TRUE);
	}
}

int64_t ike_pair_next_timer(const struct ike_pair *p, int i)
{
	int64_t best = INT64_MAX;
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, p->n[i].timers);
	while (g_hash_table_iter_next(&it, &k, &v))
		if (*(int64_t *)v < best)
			best = *(int64_t *)v;
	return best;
}

/* The node and SA of the earliest timer (lowest SA id on ties). */
static int64_t earliest_timer(const struct ike_pair *p, int *node, uint64_t *sa)
{
	int64_t best = INT64_MAX;
	for (int i = 0; i < 2; i++) {
		GHashTableIter it;
		gpointer k, v;
		g_hash_table_iter_init(&it, p->n[i].timers);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			int64_t t = *(int64_t *)v;
			uint64_t id = *(uint64_t *)k;
			if (t < best || (t == best && i == *node && id < *sa)) {
				best = t;
				*node = i;
				*sa = id;
			}
		}
	}
	return best;
}

bool ike_pair_step(struct ike_pair *p, int64_t t_end)
{
	int node = 0;
	uint64_t sa = 0;
	int64_t tt = earliest_timer(p, &node, &sa);
	struct pkt *k = p->inflight ? p->inflight->data : NULL;
	int64_t tp = k ? k->at : INT64_MAX;
	int64_t t = tp <= tt ? tp : tt;
	if (t == INT64_MAX || t > t_end)
		return false;
	if (t > p->now)
		p->now = t;
	if (tp <= tt) {
		p->inflight = g_list_delete_link(p->inflight, p->inflight);
		struct ike_dgram d = { .src = k->src, .dst = k->dst, .data = k->data, .len = k->len };
		if (p->nat && k->to == 0)
			nat_in(&d);
		ike_input(p->n[k->to].ep, &d, p->now);
		pkt_free(k);
	} else {
		g_hash_table_remove(p->n[node].timers, &sa);
		ike_timer(p->n[node].ep, sa, p->now);
	}
	return true;
}

void ike_pair_run_until(struct ike_pair *p, int64_t t_end)
{
	while (ike_pair_step(p, t_end))
		;
	if (p->now < t_end)
		p->now = t_end;
}

void ike_pair_run_idle(struct ike_pair *p, int64_t t_end)
{
	while (p->inflight && ike_pair_step(p, t_end))
		;
}

const struct ike_child_info *ike_pair_child(const struct ike_pair *p, int i, uint32_t spi_in)
{
	for (guint k = 0; k < p->n[i].children->len; k++) {
		const struct ike_child_info *c = &g_array_index(p->n[i].children, struct ike_child_info, k);
		if (c->spi_in == spi_in)
			return c;
	}
	return NULL;
}

unsigned ike_pair_n_children(const struct ike_pair *p, int i)
{
	return p->n[i].children->len;
}

bool ike_pair_child_matches(const struct ike_pair *p, int a, uint32_t spi_in)
{
	const struct ike_child_info *x = ike_pair_child(p, a, spi_in);
	if (!x)
		return false;
	const struct ike_child_info *y = ike_pair_child(p, 1 - a, x->spi_out);
	if (!y || y->spi_out != x->spi_in || x->encr != y->encr || x->integ != y->integ ||
	    x->encr_key_len != y->encr_key_len || x->integ_key_len != y->integ_key_len || x->encr_key_len == 0)
		return false;
	return memcmp(x->key_out_encr, y->key_in_encr, x->encr_key_len) == 0 &&
	       memcmp(x->key_in_encr, y->key_out_encr, x->encr_key_len) == 0 &&
	       memcmp(x->key_out_integ, y->key_in_integ, x->integ_key_len) == 0 &&
	       memcmp(x->key_in_integ, y->key_out_integ, x->integ_key_len) == 0 &&
	       memcmp(x->key_in_encr, x->key_out_encr, x->encr_key_len) != 0;
}

/* ---- deterministic test PKI (models/ipsec/ike_pki.c) ---- */

void ike_pair_pki_make(struct ike_pair_pki *pki, uint64_t seed, int bits)
{
	uint64_t rng = seed;
	EVP_PKEY *ca_key = ike_pki_rsa(&rng, bits), *k0 = ike_pki_rsa(&rng, bits), *k1 = ike_pki_rsa(&rng, bits);
	EVP_PKEY *rca_key = ike_pki_rsa(&rng, bits), *rk = ike_pki_rsa(&rng, bits);
	X509 *ca = ike_pki_cert(ca_key, "vpnsim test CA", NULL, NULL, 1, true);
	X509 *c0 = ike_pki_cert(k0, "node0", ca, ca_key, 2, false), *c1 = ike_pki_cert(k1, "node1", ca, ca_key, 3, false);
	X509 *rca = ike_pki_cert(rca_key, "rogue CA", NULL, NULL, 1, true);
	X509 *rc = ike_pki_cert(rk, "node0", rca, rca_key, 2, false);
	pki->ca_cert = ike_pki_cert_der(ca);
	pki->cert[0] = ike_pki_cert_der(c0);
	pki->cert[1] = ike_pki_cert_der(c1);
	pki->key[0] = ike_pki_key_der(k0);
	pki->key[1] = ike_pki_key_der(k1);
	pki->rogue_ca_cert = ike_pki_cert_der(rca);
	pki->rogue_cert = ike_pki_cert_der(rc);
	pki->rogue_key = ike_pki_key_der(rk);
	X509 *xs[] = { ca, c0, c1, rca, rc };
	for (size_t i = 0; i < G_N_ELEMENTS(xs); i++)
		X509_free(xs[i]);
	EVP_PKEY *ks[] = { ca_key, k0, k1, rca_key, rk };
	for (size_t i = 0; i < G_N_ELEMENTS(ks); i++)
		EVP_PKEY_free(ks[i]);
}

void ike_pair_pki_free(struct ike_pair_pki *pki)
{
	GByteArray *all[] = { pki->ca_cert,	  pki->cert[0],	   pki->cert[1],  pki->key[0],
			      pki->key[1],	  pki->rogue_ca_cert, pki->rogue_cert, pki->rogue_key };
	for (size_t i = 0; i < G_N_ELEMENTS(all); i++)
		g_byte_array_unref(all[i]);
	memset(pki, 0, sizeof(*pki));
}

void ike_pair_use_certs(struct ike_peer_cfg *cfg, const struct ike_pair_pki *pki, int i)
{
	cfg->auth = IKE_AUTH_MODE_CERT;
	cfg->key_der = pki->key[i]->data;
	cfg->key_der_len = pki->key[i]->len;
	cfg->cert_der = pki->cert[i]->data;
	cfg->cert_der_len = pki->cert[i]->len;
	cfg->ca_der = pki->ca_cert->data;
	cfg->ca_der_len = pki->ca_cert->len;
}
