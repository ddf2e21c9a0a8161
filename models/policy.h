/* policy.h: IPsec/IKE policies as ike_peer_cfg settings: Azure's default proposals and
 * lifetimes (azure-facts.md §4), and the on-prem device presets (retransmission, DPD, lifetimes,
 * reconnect) after strongSwan, OpenBSD iked and a generic appliance (docs/models.md). */
#ifndef MODELS_POLICY_H
#define MODELS_POLICY_H

#include "models/ipsec/ike.h"

enum device_preset { DEVICE_GENERIC, DEVICE_STRONGSWAN, DEVICE_IKED };

/* Azure's default IKEv2 policy: IKE AES256/SHA1, AES256/SHA256, AES128/SHA1, AES128/SHA256 with
 * DH group 2 (3DES offers are omitted: no 3DES here); ESP GCM-AES256, AES256/SHA1, AES256/SHA256,
 * AES128/SHA1, no PFS; IKE SA 28,800 s; CHILD SA 27,000 s RouteBased or 3,600 s PolicyBased and
 * 102,400,000 KB; DPD timeout dpd_timeout_ns (45 s by default), probed after 10 s of silence. */
void policy_azure_default(struct ike_peer_cfg *p, bool policy_based, int64_t dpd_timeout_ns);

/* A device preset: proposals Azure accepts (AES256/SHA1/group 2 for IKE; GCM-AES256 then
 * AES256/SHA1 for ESP), the preset's DPD interval, retransmission schedule and lifetimes. */
void policy_device_preset(struct ike_peer_cfg *p, enum device_preset preset);

/* How long the preset waits after a tunnel died before it initiates again. */
int64_t policy_device_reconnect_ns(enum device_preset preset);

const char *policy_device_preset_name(enum device_preset preset);

/* A custom IPsec/IKE policy (azure-facts.md §4): exactly one proposal per phase, and local
 * lifetimes. Zero lifetimes keep the defaults of whoever applies it. */
struct policy_custom {
	bool custom;
	struct ike_ike_proposal ike;
	struct ike_esp_proposal esp; /* esp.dh: the PFS group (0: none) */
	int64_t ike_lifetime_ns;
	int64_t child_lifetime_ns;
	uint64_t child_lifetime_bytes;
};

/* Translates Azure's names ("GCMAES256", "SHA384", "ECP384", "PFS2048", ...) into transforms.
 * false with err (naming the offending value) when a name is unknown, or is one this simulator
 * does not implement (DES, 3DES, MD5, DH group 1: refused rather than approximated). */
bool policy_custom_from_names(struct policy_custom *out, const char *ike_encryption, const char *ike_integrity,
			      const char *dh_group, const char *ipsec_encryption, const char *ipsec_integrity,
			      const char *pfs_group, GError **err);

/* The six algorithm keys of an Azure custom policy. */
enum policy_field {
	POLICY_IKE_ENCRYPTION,
	POLICY_IKE_INTEGRITY,
	POLICY_DH_GROUP,
	POLICY_IPSEC_ENCRYPTION,
	POLICY_IPSEC_INTEGRITY,
	POLICY_PFS_GROUP,
};

/* Whether name is a value of that key this simulator implements (what policy_custom_from_names
 * accepts): false for unknown names and for DES, 3DES, MD5 and DH group 1. */
bool policy_name_implemented(enum policy_field field, const char *name);

/* The PFS group number for an Azure PFS name ("None": 0); -1 when unknown or not implemented. */
int policy_pfs_group(const char *name);

/* Replaces p's proposals with the custom ones (when c->custom) and applies c's non-zero
 * lifetimes in any case (rekeys at 90 % of them). */
void policy_apply_custom(struct ike_peer_cfg *p, const struct policy_custom *c);

/* The IPv4 traffic selector of addr/plen, all ports and protocols (plen 0: 0.0.0.0/0). */
struct ike_ts4 policy_ts_of_prefix(uint32_t addr, unsigned plen);

/* An IPv4 prefix of a site or the VNet, as the models hold them. */
struct device_prefix {
	uint32_t addr;
	unsigned plen;
};

/* Selectors for n prefixes (at most IKE_MAX_TS of them); returns how many were written. */
size_t policy_ts_of_prefixes(const struct device_prefix *p, size_t n, struct ike_ts4 *out);

#endif
