/* azure_sku.h: the Azure VPN Gateway SKU table: tunnel and P2S limits, aggregate throughput,
 * features, and measured per-tunnel throughput by cipher. Every figure is from
 * ../shared/azure-facts.md (section 1 for limits and features, section 7 for per-tunnel rates);
 * the comments name the section. Pure data: the gateway model turns it into mechanisms
 * (queues, service rates, admission checks). */
#ifndef MODELS_AZURE_SKU_H
#define MODELS_AZURE_SKU_H

#include <stdbool.h>
#include <stdint.h>

enum azure_cipher {
	AZURE_CIPHER_GCMAES256,      /* ESP AES-256-GCM */
	AZURE_CIPHER_AES256_SHA256,  /* ESP AES-256-CBC + HMAC-SHA-256 */
	AZURE_CIPHER_DES3_SHA256,    /* ESP 3DES + HMAC-SHA-256 */
	AZURE_CIPHER_COUNT
};

/* A measured per-tunnel figure: bit/s and packets/s (azure-facts.md §7). */
struct azure_rate {
	uint64_t bps;
	uint32_t pps;
};

struct azure_sku {
	const char *name;        /* "VpnGw2", "VpnGw2AZ", "Basic" */
	int generation;          /* 1 or 2 */
	bool az;                 /* zone-redundant variant */
	uint32_t s2s_tunnels;    /* S2S/VNet-to-VNet tunnel limit (§1) */
	uint32_t p2s_sstp;       /* SSTP connections (§1) */
	uint32_t p2s_ikev2;      /* IKEv2/OpenVPN connections; 0: P2S IKEv2 not supported (§1) */
	uint64_t aggregate_bps;  /* aggregate benchmark, S2S + P2S together (§1) */
	bool bgp;                /* (§1) */
	bool active_active;      /* every SKU but Basic (§1) */
	bool custom_policy;      /* custom IPsec/IKE policy: not on Basic (§1, §4) */
	bool ikev1_route_based;  /* route-based IKEv1: VpnGw1-5 and AZ yes, Basic no (§1) */
	bool policy_based;       /* PolicyBased VPN type: Basic only (§3) */
	bool has_tunnel_rates;   /* §7 lists this SKU */
	struct azure_rate tunnel[AZURE_CIPHER_COUNT]; /* per-tunnel throughput by cipher (§7) */
};

/* The SKU called name (case-insensitive; "VpnGw2" is Gen1 unless generation says 2, "VpnGw4"
 * and "VpnGw5" exist only as Gen2), or NULL when there is no such SKU or generation.
 * generation 0 means the SKU's default (Gen1 where both exist). */
const struct azure_sku *azure_sku_find(const char *name, int generation);

/* Every SKU of the table, in order; *n receives the count. */
const struct azure_sku *azure_sku_all(unsigned *n);

/* Short name of a cipher class ("GCMAES256", ...). */
const char *azure_cipher_name(enum azure_cipher c);

#endif
