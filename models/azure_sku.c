/* azure_sku.c: the SKU table itself (azure-facts.md §1 and §7). */
#include "models/azure_sku.h"

#include <glib.h>

#define MBPS(x) ((uint64_t)(x) * 1000000u)
#define GBPS(x) ((uint64_t)((x) * 1e9))

/* §7 per-tunnel results, by SKU family; the AZ variant of a SKU shares its row. VpnGw2 Gen1's
 * GCM rate is given as 100-110k pps: the middle, 105k, is used. */
#define RATES(g_bps, g_pps, a_bps, a_pps, d_bps, d_pps)                                            \
	.has_tunnel_rates = true,                                                                  \
	.tunnel = { { (g_bps), (g_pps) }, { (a_bps), (a_pps) }, { (d_bps), (d_pps) } }

#define VPNGW_FEATURES .bgp = true, .active_active = true, .custom_policy = true, .ikev1_route_based = true

static const struct azure_sku skus[] = {
	/* Basic: no per-tunnel figures in §7; no P2S IKEv2, BGP, active-active, custom policy. */
	{ .name = "Basic", .generation = 1, .s2s_tunnels = 10, .p2s_sstp = 128, .p2s_ikev2 = 0,
	  .aggregate_bps = MBPS(100), .policy_based = true },
	{ .name = "VpnGw1", .generation = 1, .s2s_tunnels = 30, .p2s_sstp = 128, .p2s_ikev2 = 250,
	  .aggregate_bps = MBPS(650), VPNGW_FEATURES, RATES(MBPS(650), 62000, MBPS(500), 47000, MBPS(130), 12000) },
	{ .name = "VpnGw1AZ", .generation = 1, .az = true, .s2s_tunnels = 30, .p2s_sstp = 128, .p2s_ikev2 = 250,
	  .aggregate_bps = MBPS(650), VPNGW_FEATURES, RATES(MBPS(650), 62000, MBPS(500), 47000, MBPS(130), 12000) },
	{ .name = "VpnGw2", .generation = 1, .s2s_tunnels = 30, .p2s_sstp = 128, .p2s_ikev2 = 500,
	  .aggregate_bps = GBPS(1), VPNGW_FEATURES, RATES(GBPS(1.2), 105000, MBPS(650), 61000, MBPS(140), 13000) },
	{ .name = "VpnGw2AZ", .generation = 1, .az = true, .s2s_tunnels = 30, .p2s_sstp = 128, .p2s_ikev2 = 500,
	  .aggregate_bps = GBPS(1), VPNGW_FEATURES, RATES(GBPS(1.2), 105000, MBPS(650), 61000, MBPS(140), 13000) },
	{ .name = "VpnGw3", .generation = 1, .s2s_tunnels = 30, .p2s_sstp = 128, .p2s_ikev2 = 1000,
	  .aggregate_bps = GBPS(1.25), VPNGW_FEATURES, RATES(GBPS(1.25), 120000, MBPS(700), 66000, MBPS(140), 13000) },
	{ .name = "VpnGw3AZ", .generation = 1, .az = true, .s2s_tunnels = 30, .p2s_sstp = 128, .p2s_ikev2 = 1000,
	  .aggregate_bps = GBPS(1.25), VPNGW_FEATURES, RATES(GBPS(1.25), 120000, MBPS(700), 66000, MBPS(140), 13000) },
	{ .name = "VpnGw2", .generation = 2, .s2s_tunnels = 30, .p2s_sstp = 128, .p2s_ikev2 = 500,
	  .aggregate_bps = GBPS(1.25), VPNGW_FEATURES, RATES(GBPS(1.25), 120000, MBPS(550), 52000, MBPS(130), 12000) },
	{ .name = "VpnGw2AZ", .generation = 2, .az = true, .s2s_tunnels = 30, .p2s_sstp = 128, .p2s_ikev2 = 500,
	  .aggregate_bps = GBPS(1.25), VPNGW_FEATURES, RATES(GBPS(1.25), 120000, MBPS(550), 52000, MBPS(130), 12000) },
	{ .name = "VpnGw3", .generation = 2, .s2s_tunnels = 30, .p2s_sstp = 128, .p2s_ikev2 = 1000,
	  .aggregate_bps = GBPS(2.5), VPNGW_FEATURES, RATES(GBPS(1.5), 140000, MBPS(700), 66000, MBPS(140), 13000) },
	{ .name = "VpnGw3AZ", .generation = 2, .az = true, .s2s_tunnels = 30, .p2s_sstp = 128, .p2s_ikev2 = 1000,
	  .aggregate_bps = GBPS(2.5), VPNGW_FEATURES, RATES(GBPS(1.5), 140000, MBPS(700), 66000, MBPS(140), 13000) },
	{ .name = "VpnGw4", .generation = 2, .s2s_tunnels = 100, .p2s_sstp = 128, .p2s_ikev2 = 5000,
	  .aggregate_bps = GBPS(5), VPNGW_FEATURES, RATES(GBPS(2.3), 220000, MBPS(700), 66000, MBPS(140), 13000) },
	{ .name = "VpnGw4AZ", .generation = 2, .az = true, .s2s_tunnels = 100, .p2s_sstp = 128, .p2s_ikev2 = 5000,
	  .aggregate_bps = GBPS(5), VPNGW_FEATURES, RATES(GBPS(2.3), 220000, MBPS(700), 66000, MBPS(140), 13000) },
	{ .name = "VpnGw5", .generation = 2, .s2s_tunnels = 100, .p2s_sstp = 128, .p2s_ikev2 = 10000,
	  .aggregate_bps = GBPS(10), VPNGW_FEATURES, RATES(GBPS(2.3), 220000, MBPS(700), 66000, MBPS(140), 13000) },
	{ .name = "VpnGw5AZ", .generation = 2, .az = true, .s2s_tunnels = 100, .p2s_sstp = 128, .p2s_ikev2 = 10000,
	  .aggregate_bps = GBPS(10), VPNGW_FEATURES, RATES(GBPS(2.3), 220000, MBPS(700), 66000, MBPS(140), 13000) },
};

const struct azure_sku *azure_sku_find(const char *name, int generation)
{
	const struct azure_sku *first = NULL;
	for (unsigned i = 0; i < G_N_ELEMENTS(skus); i++) {
		if (g_ascii_strcasecmp(skus[i].name, name) != 0)
			continue;
		if (generation == 0 && !first)
			first = &skus[i]; /* rows are ordered Gen1 first */
		if (skus[i].generation == generation)
			return &skus[i];
	}
	return generation == 0 ? first : NULL;
}

const struct azure_sku *azure_sku_all(unsigned *n)
{
	*n = G_N_ELEMENTS(skus);
	return skus;
}

const char *azure_cipher_name(enum azure_cipher c)
{
	static const char *const names[] = { "GCMAES256", "AES256+SHA256", "DES3+SHA256" };
	return (unsigned)c < G_N_ELEMENTS(names) ? names[c] : "?";
}
