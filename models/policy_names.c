/* policy_names.c: Azure's algorithm names (azure-facts.md §4) as transforms, and which of them
 * the simulator implements. Depends on nothing but the IKE constants, so that the scenario
 * validator (and its fuzz target) can ask it without linking the models. */
#include "models/policy.h"

#include <glib.h>
#include <string.h>

#include "models/ipsec/ike_consts.h"

struct name_map {
	const char *name;
	int a, b; /* meaning depends on the table */
};

static const struct name_map *lookup(const struct name_map *t, const char *name)
{
	for (; t->name; t++)
		if (name && g_ascii_strcasecmp(t->name, name) == 0)
			return t;
	return NULL;
}

/* encryption: a = transform, b = key bits (0: not implemented) */
static const struct name_map encryption[] = {
	{ "GCMAES256", IKE_ENCR_AES_GCM_16, 256 }, { "GCMAES192", IKE_ENCR_AES_GCM_16, 192 },
	{ "GCMAES128", IKE_ENCR_AES_GCM_16, 128 }, { "AES256", IKE_ENCR_AES_CBC, 256 },
	{ "AES192", IKE_ENCR_AES_CBC, 192 },	   { "AES128", IKE_ENCR_AES_CBC, 128 },
	{ "None", IKE_ENCR_NULL, 0 },		   { "DES3", 0, 0 },
	{ "DES", 0, 0 },			   { NULL, 0, 0 },
};

/* integrity: a = PRF, b = INTEG (0 for GCM: AEAD) */
static const struct name_map integrity[] = {
	{ "SHA384", IKE_PRF_HMAC_SHA2_384, IKE_INTEG_HMAC_SHA2_384_192 },
	{ "SHA256", IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128 },
	{ "SHA1", IKE_PRF_HMAC_SHA1, IKE_INTEG_HMAC_SHA1_96 },
	{ "GCMAES256", IKE_PRF_HMAC_SHA2_256, 0 },
	{ "GCMAES192", IKE_PRF_HMAC_SHA2_256, 0 },
	{ "GCMAES128", IKE_PRF_HMAC_SHA2_256, 0 },
	{ "MD5", -1, -1 },
	{ NULL, 0, 0 },
};

/* DH and PFS groups: a = group (-1: not implemented) */
static const struct name_map groups[] = {
	{ "DHGroup24", IKE_DH_MODP2048_S256, 0 }, { "PFS24", IKE_DH_MODP2048_S256, 0 },
	{ "ECP384", IKE_DH_ECP384, 0 },		  { "ECP256", IKE_DH_ECP256, 0 },
	{ "DHGroup14", IKE_DH_MODP2048, 0 },	  { "DHGroup2048", IKE_DH_MODP2048, 0 },
	{ "PFS2048", IKE_DH_MODP2048, 0 },	  { "PFS14", IKE_DH_MODP2048, 0 },
	{ "DHGroup2", IKE_DH_MODP1024, 0 },	  { "PFS2", IKE_DH_MODP1024, 0 },
	{ "DHGroup1", -1, 0 },			  { "PFS1", -1, 0 },
	{ "None", 0, 0 },			  { NULL, 0, 0 },
};

int policy_pfs_group(const char *name)
{
	const struct name_map *m = lookup(groups, name ? name : "None");
	return m ? m->a : -1;
}

static bool refuse(GError **err, const char *what, const char *name)
{
	g_set_error(err, g_quark_from_static_string("policy-error"), 1,
		    "%s '%s' is not one this simulator implements (no DES, 3DES, MD5 or DH group 1)", what,
		    name ? name : "(none)");
	return false;
}

bool policy_name_implemented(enum policy_field field, const char *name)
{
	const struct name_map *m = NULL;
	switch (field) {
	case POLICY_IKE_ENCRYPTION:
		m = lookup(encryption, name);
		return m && m->b && m->a != IKE_ENCR_NULL;
	case POLICY_IKE_INTEGRITY:
	case POLICY_IPSEC_INTEGRITY:
		m = lookup(integrity, name);
		return m && m->a >= 0;
	case POLICY_DH_GROUP:
		m = lookup(groups, name);
		return m && m->a > 0;
	case POLICY_IPSEC_ENCRYPTION:
		m = lookup(encryption, name);
		return m && (m->b || m->a == IKE_ENCR_NULL);
	case POLICY_PFS_GROUP:
		return policy_pfs_group(name) >= 0;
	}
	return false;
}

bool policy_custom_from_names(struct policy_custom *out, const char *ike_encryption, const char *ike_integrity,
			      const char *dh_group, const char *ipsec_encryption, const char *ipsec_integrity,
			      const char *pfs_group, GError **err)
{
	memset(out, 0, sizeof *out);
	static const char *const what[] = { "IKE encryption",	"IKE integrity",   "DH group",
					    "IPsec encryption", "IPsec integrity", "PFS group" };
	const char *const names[] = { ike_encryption, ike_integrity, dh_group, ipsec_encryption, ipsec_integrity, pfs_group };
	for (unsigned f = POLICY_IKE_ENCRYPTION; f <= POLICY_PFS_GROUP; f++)
		if (!policy_name_implemented(f, names[f]))
			return refuse(err, what[f], names[f]);
	const struct name_map *ie = lookup(encryption, ike_encryption), *ii = lookup(integrity, ike_integrity);
	const struct name_map *dh = lookup(groups, dh_group), *ee = lookup(encryption, ipsec_encryption);
	const struct name_map *ei = lookup(integrity, ipsec_integrity);
	int pfs = policy_pfs_group(pfs_group);
	bool ike_gcm = ie->a == IKE_ENCR_AES_GCM_16, esp_gcm = ee->a == IKE_ENCR_AES_GCM_16;
	out->custom = true;
	out->ike.encr = (uint16_t)ie->a;
	out->ike.encr_key_bits = (uint16_t)ie->b;
	out->ike.prf = (uint16_t)ii->a;
	out->ike.integ = ike_gcm ? 0 : (uint16_t)(ii->b ? ii->b : IKE_INTEG_HMAC_SHA2_256_128);
	out->ike.dh = (uint16_t)dh->a;
	out->esp.encr = (uint16_t)ee->a;
	out->esp.encr_key_bits = (uint16_t)ee->b;
	out->esp.integ = esp_gcm ? 0 : (uint16_t)(ei->b ? ei->b : IKE_INTEG_HMAC_SHA2_256_128);
	out->esp.dh = (uint16_t)pfs;
	return true;
}

