/* policy.c: the numbers behind Azure's defaults and the device presets. */
#include "models/policy.h"

#include <glib.h>
#include <string.h>

#include "models/ipsec/ike_consts.h"

#define S(x) ((int64_t)(x) * INT64_C(1000000000))

static void add_ike(struct ike_peer_cfg *p, uint16_t bits, uint16_t prf, uint16_t integ, uint16_t dh)
{
	struct ike_ike_proposal x = { IKE_ENCR_AES_CBC, bits, prf, integ, dh };
	p->ike[p->n_ike++] = x;
}

static void add_esp(struct ike_peer_cfg *p, uint16_t encr, uint16_t bits, uint16_t integ)
{
	struct ike_esp_proposal x = { encr, bits, integ, 0 };
	p->esp[p->n_esp++] = x;
}

void policy_azure_default(struct ike_peer_cfg *p, bool policy_based, int64_t dpd_timeout_ns)
{
	p->n_ike = p->n_esp = 0;
	add_ike(p, 256, IKE_PRF_HMAC_SHA1, IKE_INTEG_HMAC_SHA1_96, IKE_DH_MODP1024);
	add_ike(p, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_MODP1024);
	add_ike(p, 128, IKE_PRF_HMAC_SHA1, IKE_INTEG_HMAC_SHA1_96, IKE_DH_MODP1024);
	add_ike(p, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, IKE_DH_MODP1024);
	add_esp(p, IKE_ENCR_AES_GCM_16, 256, 0);
	add_esp(p, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA1_96);
	add_esp(p, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128);
	add_esp(p, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96);
	/* Lifetimes (§4): the SA is rekeyed before it expires; jitter keeps peers from colliding. */
	p->ike_lifetime_ns = S(28800);
	p->ike_rekey_ns = S(28800) * 9 / 10;
	p->child_lifetime_ns = policy_based ? S(3600) : S(27000);
	p->child_rekey_ns = p->child_lifetime_ns * 9 / 10;
	p->child_lifetime_bytes = UINT64_C(102400000) * 1024;
	p->child_rekey_bytes = p->child_lifetime_bytes / 10 * 9;
	p->rekey_jitter_ns = S(60);
	/* DPD (§4): the peer is declared dead dpd_timeout after the first unanswered probe: a probe
	 * after 10 s of silence, retransmitted every quarter of the timeout, 3 times. */
	if (dpd_timeout_ns <= 0)
		dpd_timeout_ns = S(45);
	p->dpd_interval_ns = S(10);
	p->retransmit.timeout_ns = dpd_timeout_ns / 4;
	p->retransmit.base = 1.0;
	p->retransmit.tries = 3;
	p->retransmit.jitter_pct = 0;
}

void policy_device_preset(struct ike_peer_cfg *p, enum device_preset preset)
{
	p->n_ike = p->n_esp = 0;
	add_ike(p, 256, IKE_PRF_HMAC_SHA1, IKE_INTEG_HMAC_SHA1_96, IKE_DH_MODP1024);
	add_esp(p, IKE_ENCR_AES_GCM_16, 256, 0);
	add_esp(p, IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA1_96);
	switch (preset) {
	case DEVICE_STRONGSWAN:
		/* charon: rekey_time 4 h (IKE) and 1 h (CHILD), rand_time = over_time = 10 %;
		 * dpd_delay 30 s; retransmissions 4 s * 1.8^n, 5 tries (165 s). */
		p->retransmit = ike_retransmit_strongswan();
		p->dpd_interval_ns = S(30);
		p->ike_rekey_ns = S(14400);
		p->ike_lifetime_ns = S(14400) * 11 / 10;
		p->child_rekey_ns = S(3600);
		p->child_lifetime_ns = S(3600) * 11 / 10;
		p->rekey_jitter_ns = S(360);
		break;
	case DEVICE_IKED:
		/* iked: retransmissions 4, 8, 16, 32, 64 s (124 s); liveness checks every 60 s;
		 * IKE SA 24 h, CHILD SA 3 h. */
		p->retransmit = ike_retransmit_iked();
		p->dpd_interval_ns = S(60);
		p->ike_rekey_ns = S(86400) * 9 / 10;
		p->ike_lifetime_ns = S(86400);
		p->child_rekey_ns = S(10800) * 9 / 10;
		p->child_lifetime_ns = S(10800);
		p->rekey_jitter_ns = S(300);
		break;
	case DEVICE_GENERIC:
	default:
		/* A generic appliance (the default): DPD after 10 s of silence, retried every 2 s,
		 * dead after 3 retries (8 s); IKE SA 8 h, CHILD SA 1 h. */
		p->retransmit.timeout_ns = S(2);
		p->retransmit.base = 1.0;
		p->retransmit.tries = 3;
		p->retransmit.jitter_pct = 0;
		p->dpd_interval_ns = S(10);
		p->ike_rekey_ns = S(28800) * 9 / 10;
		p->ike_lifetime_ns = S(28800);
		p->child_rekey_ns = S(3600) * 9 / 10;
		p->child_lifetime_ns = S(3600);
		p->rekey_jitter_ns = S(60);
		break;
	}
}

int64_t policy_device_reconnect_ns(enum device_preset preset)
{
	switch (preset) {
	case DEVICE_STRONGSWAN:
		return 0; /* dpd_action = restart: at once */
	case DEVICE_IKED:
		return S(1);
	case DEVICE_GENERIC:
	default:
		return S(2);
	}
}

const char *policy_device_preset_name(enum device_preset preset)
{
	switch (preset) {
	case DEVICE_STRONGSWAN:
		return "strongswan";
	case DEVICE_IKED:
		return "iked";
	case DEVICE_GENERIC:
	default:
		return "generic";
	}
}

/* ---- custom policies (the names: policy_names.c) ---- */

void policy_apply_custom(struct ike_peer_cfg *p, const struct policy_custom *c)
{
	if (c->custom) {
		p->ike[0] = c->ike;
		p->n_ike = 1;
		p->esp[0] = c->esp;
		p->n_esp = 1;
	}
	if (c->ike_lifetime_ns > 0) {
		p->ike_lifetime_ns = c->ike_lifetime_ns;
		p->ike_rekey_ns = c->ike_lifetime_ns / 10 * 9;
	}
	if (c->child_lifetime_ns > 0) {
		p->child_lifetime_ns = c->child_lifetime_ns;
		p->child_rekey_ns = c->child_lifetime_ns / 10 * 9;
	}
	if (c->child_lifetime_bytes > 0) {
		p->child_lifetime_bytes = c->child_lifetime_bytes;
		p->child_rekey_bytes = c->child_lifetime_bytes / 10 * 9;
	}
}

struct ike_ts4 policy_ts_of_prefix(uint32_t addr, unsigned plen)
{
	uint32_t mask = plen ? UINT32_MAX << (32 - plen) : 0;
	struct ike_ts4 t = { addr & mask, (addr & mask) | ~mask, 0, 65535, 0 };
	return t;
}

size_t policy_ts_of_prefixes(const struct device_prefix *p, size_t n, struct ike_ts4 *out)
{
	size_t k = 0;
	for (; k < n && k < IKE_MAX_TS; k++)
		out[k] = policy_ts_of_prefix(p[k].addr, p[k].plen);
	return k;
}
