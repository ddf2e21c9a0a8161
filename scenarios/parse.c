/* parse.c: the scenario schema (sections, keys, types, units, required keys) and the reading of
 * an INI document into struct scenario, with inheritance and --set overrides. */
#include "scenarios/parse.h"

#include "scenarios/units.h"
#include "sim/ipv4.h"

#include <stddef.h>
#include <string.h>

#define MAX_EXTENDS_DEPTH 16

/* ---- the schema ---- */

enum vtype {
	V_STR,       /* char *, any text */
	V_DURATION,  /* sim_time */
	V_RATE,      /* uint64_t bit/s */
	V_SIZE64,    /* uint64_t bytes */
	V_SIZE32,    /* uint32_t bytes, min..max */
	V_PERCENT,   /* double fraction */
	V_UINT,      /* unsigned, min..max */
	V_U64,       /* uint64_t */
	V_NUMBER,    /* double, plain */
	V_BOOL,      /* bool */
	V_PREFIXES,  /* GArray * of struct scn_prefix, comma-separated */
	V_PREFIX,    /* struct scn_prefix */
	V_ADDR,      /* uint32_t */
	V_GW_IPS,    /* the gateway's one or two public IPs */
	V_CHOICE,    /* an enum, from names */
	V_NAME,      /* char *, canonical spelling from names (case-insensitive match) */
	V_ENDPOINT,  /* char *, "vnet", "site:NAME" or "p2s:NAME" */
	V_IDENT,     /* char *, a name: letters, digits, '_', '-' */
};

struct choice {
	const char *name;
	int value;
};

struct key_spec {
	const char *key;
	enum vtype type;
	size_t off;
	bool required;
	const struct choice *choices; /* V_CHOICE, V_NAME */
	uint64_t min, max;            /* V_UINT, V_SIZE32 */
};

static const struct choice vpn_types[] = { { "RouteBased", SCN_ROUTE_BASED }, { "PolicyBased", SCN_POLICY_BASED }, { 0 } };
static const struct choice gw_modes[] = { { "active-standby", SCN_ACTIVE_STANDBY },
					  { "active-active", SCN_ACTIVE_ACTIVE }, { 0 } };
static const struct choice devices[] = { { "generic", SCN_DEV_GENERIC }, { "strongswan", SCN_DEV_STRONGSWAN },
					 { "iked", SCN_DEV_IKED }, { 0 } };
static const struct choice ike_versions[] = { { "IKEv2", SCN_IKEV2 }, { "IKEv1", SCN_IKEV1 }, { 0 } };
static const struct choice flow_kinds[] = { { "cbr", SCN_FLOW_CBR }, { "poisson", SCN_FLOW_POISSON },
					    { "onoff", SCN_FLOW_ONOFF }, { "bulk", SCN_FLOW_BULK }, { 0 } };
static const struct choice fault_kinds[] = {
	{ "instance-crash", SCN_FAULT_INSTANCE_CRASH }, { "instance-recover", SCN_FAULT_INSTANCE_RECOVER },
	{ "maintenance", SCN_FAULT_MAINTENANCE },       { "path-down", SCN_FAULT_PATH_DOWN },
	{ "path-up", SCN_FAULT_PATH_UP },               { "loss-burst", SCN_FAULT_LOSS_BURST },
	{ "delay-change", SCN_FAULT_DELAY_CHANGE },     { "device-reboot", SCN_FAULT_DEVICE_REBOOT },
	{ "psk-change", SCN_FAULT_PSK_CHANGE },         { "policy-change", SCN_FAULT_POLICY_CHANGE }, { 0 },
};

/* Custom policy names: azure-facts.md §4, spelled as Azure's IpsecPolicy parameters. */
static const struct choice ike_encryptions[] = { { "GCMAES256", 0 }, { "GCMAES128", 0 }, { "AES256", 0 }, { "AES192", 0 },
						 { "AES128", 0 },    { "DES3", 0 },      { "DES", 0 },    { 0 } };
static const struct choice ike_integrities[] = { { "GCMAES256", 0 }, { "GCMAES128", 0 }, { "SHA384", 0 }, { "SHA256", 0 },
						 { "SHA1", 0 },      { "MD5", 0 },       { 0 } };
static const struct choice dh_groups[] = { { "DHGroup24", 0 }, { "ECP384", 0 },   { "ECP256", 0 },   { "DHGroup14", 0 },
					   { "DHGroup2048", 0 }, { "DHGroup2", 0 }, { "DHGroup1", 0 }, { "None", 0 }, { 0 } };
static const struct choice ipsec_encryptions[] = { { "GCMAES256", 0 }, { "GCMAES192", 0 }, { "GCMAES128", 0 }, { "AES256", 0 },
						   { "AES192", 0 },    { "AES128", 0 },    { "DES3", 0 },      { "DES", 0 },
						   { "None", 0 },      { 0 } };
static const struct choice ipsec_integrities[] = { { "GCMAES256", 0 }, { "GCMAES192", 0 }, { "GCMAES128", 0 }, { "SHA256", 0 },
						   { "SHA1", 0 },      { "MD5", 0 },       { 0 } };
static const struct choice pfs_groups[] = { { "PFS24", 0 }, { "ECP384", 0 }, { "ECP256", 0 }, { "PFS2048", 0 },
					    { "PFS2", 0 },  { "PFS1", 0 },   { "None", 0 },   { 0 } };

#define K(name, t, type, field) { name, t, offsetof(type, field), false, NULL, 0, 0 }
#define KR(name, t, type, field) { name, t, offsetof(type, field), true, NULL, 0, 0 }
#define KC(name, type, field, ch) { name, V_CHOICE, offsetof(type, field), false, ch, 0, 0 }
#define KN(name, type, field, ch) { name, V_NAME, offsetof(type, field), false, ch, 0, 0 }
#define KU(name, t, type, field, lo, hi) { name, t, offsetof(type, field), false, NULL, lo, hi }
#define KUR(name, t, type, field, lo, hi) { name, t, offsetof(type, field), true, NULL, lo, hi }

static const struct key_spec scenario_keys[] = {
	K("name", V_IDENT, struct scenario, name),
	K("description", V_STR, struct scenario, description),
	KR("duration", V_DURATION, struct scenario, duration_ns),
	K("seed", V_U64, struct scenario, seed),
	K("extends", V_STR, struct scenario, file), /* consumed by inheritance; never stored */
	{ 0 },
};

static const struct choice transports[] = { { "udp", SCN_TRANSPORT_UDP }, { "tcp", SCN_TRANSPORT_TCP }, { 0 } };
static const struct choice sides[] = { { "device", SCN_SIDE_DEVICE }, { "gateway", SCN_SIDE_GATEWAY }, { 0 } };
static const struct choice arrivals[] = { { "uniform", SCN_ARRIVAL_UNIFORM },
					   { "even", SCN_ARRIVAL_EVEN },
					   { "poisson", SCN_ARRIVAL_POISSON },
					   { 0 } };
static const struct choice p2s_auths[] = { { "certificate", SCN_P2S_AUTH_CERTIFICATE }, { "psk", SCN_P2S_AUTH_PSK }, { 0 } };

static const struct key_spec gateway_keys[] = {
	K("name", V_IDENT, struct scn_gateway, name),
	{ "sku", V_STR, offsetof(struct scn_gateway, sku), true, NULL, 0, 0 },
	KU("generation", V_UINT, struct scn_gateway, generation, 1, 2),
	KC("type", struct scn_gateway, type, vpn_types),
	KC("mode", struct scn_gateway, mode, gw_modes),
	KR("vnet", V_PREFIXES, struct scn_gateway, vnet),
	KR("public_ip", V_GW_IPS, struct scn_gateway, public_ip),
	K("health_probe_interval", V_DURATION, struct scn_gateway, health_probe_interval_ns),
	KU("health_probe_threshold", V_UINT, struct scn_gateway, health_probe_threshold, 1, 100),
	K("takeover_delay", V_DURATION, struct scn_gateway, takeover_delay_ns),
	K("planned_handover", V_DURATION, struct scn_gateway, planned_handover_ns),
	K("p2s_pool", V_PREFIX, struct scn_gateway, p2s_pool),
	K("queue", V_SIZE64, struct scn_gateway, queue_bytes),
	K("bgp", V_BOOL, struct scn_gateway, bgp),
	KU("ike_cookie_threshold", V_UINT, struct scn_gateway, ike_cookie_threshold, 0, 1000000),
	KC("p2s_auth", struct scn_gateway, p2s_auth, p2s_auths),
	KU("p2s_key_bits", V_UINT, struct scn_gateway, p2s_key_bits, 1024, 4096),
	{ 0 },
};

static const struct key_spec site_keys[] = {
	KC("device", struct scn_site, device, devices),
	KR("public_ip", V_ADDR, struct scn_site, public_ip),
	KR("prefixes", V_PREFIXES, struct scn_site, prefixes),
	KU("tunnels", V_UINT, struct scn_site, tunnels, 1, 2),
	K("dpd_interval", V_DURATION, struct scn_site, dpd_interval_ns),
	K("initiator", V_BOOL, struct scn_site, initiator),
	K("ike_lifetime", V_DURATION, struct scn_site, ike_lifetime_ns),
	K("sa_lifetime", V_DURATION, struct scn_site, sa_lifetime_ns),
	KN("pfs_group", struct scn_site, pfs_group, pfs_groups),
	K("traffic_selectors", V_PREFIXES, struct scn_site, traffic_selectors),
	KU("mss_clamp", V_SIZE32, struct scn_site, mss_clamp, 0, 65535),
	{ 0 },
};

#define POL(f) offsetof(struct scn_connection, policy) + offsetof(struct scn_policy, f)
static const struct key_spec connection_keys[] = {
	{ "site", V_IDENT, offsetof(struct scn_connection, site), true, NULL, 0, 0 },
	KC("ike", struct scn_connection, ike, ike_versions),
	K("psk", V_STR, struct scn_connection, psk),
	{ "ike_encryption", V_NAME, POL(ike_encryption), false, ike_encryptions, 0, 0 },
	{ "ike_integrity", V_NAME, POL(ike_integrity), false, ike_integrities, 0, 0 },
	{ "dh_group", V_NAME, POL(dh_group), false, dh_groups, 0, 0 },
	{ "ipsec_encryption", V_NAME, POL(ipsec_encryption), false, ipsec_encryptions, 0, 0 },
	{ "ipsec_integrity", V_NAME, POL(ipsec_integrity), false, ipsec_integrities, 0, 0 },
	{ "pfs_group", V_NAME, POL(pfs_group), false, pfs_groups, 0, 0 },
	{ "ike_lifetime", V_DURATION, POL(ike_lifetime_ns), false, NULL, 0, 0 },
	{ "sa_lifetime", V_DURATION, POL(sa_lifetime_ns), false, NULL, 0, 0 },
	{ "sa_data_limit", V_SIZE64, POL(sa_lifetime_bytes), false, NULL, 0, 0 },
	{ "dpd_timeout", V_DURATION, POL(dpd_timeout_ns), false, NULL, 0, 0 },
	K("policy_based_ts", V_BOOL, struct scn_connection, policy_based_ts),
	{ 0 },
};

/* The keys that make a connection's policy custom, and that a custom policy must all give. */
static const char *const custom_policy_keys[] = { "ike_encryption", "ike_integrity", "dh_group",
						   "ipsec_encryption", "ipsec_integrity", "pfs_group", NULL };

static const struct key_spec path_keys[] = {
	KR("from", V_ENDPOINT, struct scn_path, from),
	K("rate", V_RATE, struct scn_path, rate_bps),
	K("rate_down", V_RATE, struct scn_path, rate_down_bps),
	K("delay", V_DURATION, struct scn_path, delay_ns),
	K("jitter", V_DURATION, struct scn_path, jitter_ns),
	K("loss", V_PERCENT, struct scn_path, loss),
	K("burst_loss_mean", V_NUMBER, struct scn_path, burst_loss_mean),
	K("queue", V_SIZE64, struct scn_path, queue_bytes),
	KU("mtu", V_SIZE32, struct scn_path, mtu, 576, 65535),
	{ 0 },
};

static const struct key_spec p2s_keys[] = {
	KUR("count", V_UINT, struct scn_p2s_group, count, 1, 1000000),
	K("arrive_from", V_DURATION, struct scn_p2s_group, arrive_from_ns),
	K("arrive_to", V_DURATION, struct scn_p2s_group, arrive_to_ns),
	KC("arrival", struct scn_p2s_group, arrival, arrivals),
	K("reconnect_min", V_DURATION, struct scn_p2s_group, reconnect_min_ns),
	K("reconnect_max", V_DURATION, struct scn_p2s_group, reconnect_max_ns),
	{ 0 },
};

static const struct key_spec flow_keys[] = {
	KR("from", V_ENDPOINT, struct scn_flow, from),
	KR("to", V_ENDPOINT, struct scn_flow, to),
	KC("kind", struct scn_flow, kind, flow_kinds),
	K("rate", V_RATE, struct scn_flow, rate_bps),
	KU("packet_size", V_SIZE32, struct scn_flow, packet_bytes, 52, 65535), /* IPv4 + UDP + 24-byte measurement header */
	KC("transport", struct scn_flow, transport, transports),
	K("start", V_DURATION, struct scn_flow, start_ns),
	K("stop", V_DURATION, struct scn_flow, stop_ns),
	K("on", V_DURATION, struct scn_flow, on_ns),
	K("off", V_DURATION, struct scn_flow, off_ns),
	{ 0 },
};

#define FPOL(f) offsetof(struct scn_fault, policy) + offsetof(struct scn_policy, f)
static const struct key_spec fault_keys[] = {
	{ "kind", V_CHOICE, offsetof(struct scn_fault, kind), true, fault_kinds, 0, 0 },
	KR("at", V_DURATION, struct scn_fault, at_ns),
	KR("target", V_STR, struct scn_fault, target),
	K("duration", V_DURATION, struct scn_fault, duration_ns),
	K("loss", V_PERCENT, struct scn_fault, value),
	K("delay", V_DURATION, struct scn_fault, duration_ns), /* stored into value; see fault_post */
	K("psk", V_STR, struct scn_fault, text),
	KC("side", struct scn_fault, side, sides),
	{ "ike_encryption", V_NAME, FPOL(ike_encryption), false, ike_encryptions, 0, 0 },
	{ "ike_integrity", V_NAME, FPOL(ike_integrity), false, ike_integrities, 0, 0 },
	{ "dh_group", V_NAME, FPOL(dh_group), false, dh_groups, 0, 0 },
	{ "ipsec_encryption", V_NAME, FPOL(ipsec_encryption), false, ipsec_encryptions, 0, 0 },
	{ "ipsec_integrity", V_NAME, FPOL(ipsec_integrity), false, ipsec_integrities, 0, 0 },
	{ "pfs_group", V_NAME, FPOL(pfs_group), false, pfs_groups, 0, 0 },
	{ 0 },
};

static const struct key_spec attacker_keys[] = {
	K("address", V_ADDR, struct scn_attacker, address),
	K("target", V_ADDR, struct scn_attacker, target),
	K("start", V_DURATION, struct scn_attacker, start_ns),
	K("stop", V_DURATION, struct scn_attacker, stop_ns),
	K("spoof_from", V_PREFIX, struct scn_attacker, spoof_from),
	K("flood_rate", V_NUMBER, struct scn_attacker, flood_rate),
	K("replay", V_PERCENT, struct scn_attacker, replay),
	K("replay_delay", V_DURATION, struct scn_attacker, replay_delay_ns),
	K("tamper", V_PERCENT, struct scn_attacker, tamper),
	K("tamper_delay", V_DURATION, struct scn_attacker, tamper_delay_ns),
	K("garbage_rate", V_NUMBER, struct scn_attacker, garbage_rate),
	{ 0 },
};

enum kind_id { KIND_SCENARIO, KIND_GATEWAY, KIND_SITE, KIND_CONNECTION, KIND_PATH, KIND_P2S, KIND_FLOW, KIND_FAULT, KIND_EXPECT,
	       KIND_ATTACKER };

struct kind_spec {
	const char *kind;
	enum kind_id id;
	bool named;
	const struct key_spec *keys;
};

static const struct kind_spec kinds[] = {
	{ "scenario", KIND_SCENARIO, false, scenario_keys },
	{ "gateway", KIND_GATEWAY, false, gateway_keys },
	{ "site", KIND_SITE, true, site_keys },
	{ "connection", KIND_CONNECTION, true, connection_keys },
	{ "path", KIND_PATH, true, path_keys },
	{ "p2s", KIND_P2S, true, p2s_keys },
	{ "flow", KIND_FLOW, true, flow_keys },
	{ "fault", KIND_FAULT, true, fault_keys },
	{ "expect", KIND_EXPECT, false, NULL },
	{ "attacker", KIND_ATTACKER, true, attacker_keys },
};

static const char *const kind_names[] = { "scenario", "gateway", "site", "connection", "path", "p2s",
					  "flow", "fault", "expect", "attacker", NULL };

const char *const *scn_section_kinds(void)
{
	return kind_names;
}

/* ---- the parse state ---- */

struct parse {
	struct scenario *s;
	struct scn_diags *d;
	const struct scn_parse_opts *o;
	struct ini_doc doc;
	GPtrArray *stack; /* canonical paths being read (cycle detection) */
	GHashTable *failed; /* "section.key" whose value was refused (reported once, not re-checked) */
};

static void key_loc(struct parse *p, const char *section, const char *key, struct scn_loc loc)
{
	struct scn_loc *l = g_new(struct scn_loc, 1);
	*l = loc;
	g_hash_table_replace(p->s->key_locs, key ? g_strdup_printf("%s.%s", section, key) : g_strdup(section), l);
}

static char *choice_list(const struct choice *c)
{
	GString *g = g_string_new(NULL);
	for (; c->name; c++)
		g_string_append_printf(g, "%s%s", g->len ? ", " : "", c->name);
	return g_string_free(g, FALSE);
}

static const char *const *choice_names(const struct choice *c, const char **buf, size_t n)
{
	size_t i = 0;
	for (; c->name && i + 1 < n; c++)
		buf[i++] = c->name;
	buf[i] = NULL;
	return buf;
}

/* "expected X, found 'Y'" with an optional detail in parentheses. */
static void bad_value(struct parse *p, const struct ini_section *sec, const struct ini_entry *e, const char *expected,
		      const char *detail)
{
	if (detail)
		scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: expected %s, found '%s' (%s)", sec->name, e->key, expected,
			     e->value, detail);
	else
		scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: expected %s, found '%s'", sec->name, e->key, expected, e->value);
}

static bool ident_ok(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!g_ascii_isalnum(*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static void units_error(struct parse *p, const struct ini_section *sec, const struct ini_entry *e, const char *expected,
			enum units_result r)
{
	bad_value(p, sec, e, expected, r == UNITS_BAD_NUMBER ? NULL : units_result_str(r));
}

static bool parse_prefix(const char *text, struct scn_prefix *out, const char **why)
{
	uint32_t a;
	unsigned plen;
	if (!strchr(text, '/')) {
		*why = "a prefix needs a length, like /24";
		return false;
	}
	if (!sim_ipv4_prefix_parse(text, false, &a, &plen)) {
		*why = NULL;
		return false;
	}
	if (a & ~sim_ipv4_mask(plen)) {
		*why = "host bits are set under the mask";
		return false;
	}
	out->addr = a;
	out->plen = plen;
	return true;
}

static bool parse_prefix_list(struct parse *p, const struct ini_section *sec, const struct ini_entry *e, GArray *out)
{
	g_auto(GStrv) parts = g_strsplit(e->value, ",", -1);
	g_array_set_size(out, 0);
	bool ok = true;
	for (char **q = parts; *q; q++) {
		char *t = g_strstrip(*q);
		struct scn_prefix pf;
		const char *why = NULL;
		if (!parse_prefix(t, &pf, &why)) {
			g_autofree char *det = why ? g_strdup_printf("'%s': %s", t, why) : g_strdup_printf("'%s' is not a prefix", t);
			bad_value(p, sec, e, "a comma-separated list of IPv4 prefixes like 10.1.0.0/16", det);
			ok = false;
			break;
		}
		g_array_append_val(out, pf);
	}
	if (ok && out->len == 0) {
		bad_value(p, sec, e, "a comma-separated list of IPv4 prefixes like 10.1.0.0/16", NULL);
		ok = false;
	}
	return ok;
}

static void set_str(char **field, const char *v)
{
	g_free(*field);
	*field = g_strdup(v);
}

/* Parses e's value per spec into the element at base. Returns false (reported) on failure. */
static bool parse_value(struct parse *p, const struct ini_section *sec, const struct ini_entry *e,
			const struct key_spec *k, void *base)
{
	char *f = (char *)base + k->off;
	const char *v = e->value;
	enum units_result r;
	switch (k->type) {
	case V_STR:
		if (!*v) {
			bad_value(p, sec, e, "a non-empty text", NULL);
			return false;
		}
		set_str((char **)f, v);
		return true;
	case V_IDENT:
		if (!ident_ok(v)) {
			bad_value(p, sec, e, "a name of letters, digits, '_' and '-'", NULL);
			return false;
		}
		set_str((char **)f, v);
		return true;
	case V_DURATION: {
		g_autofree char *exp = g_strdup_printf("a duration (%s)", units_duration_list);
		r = units_duration(v, (sim_time *)f);
		if (r != UNITS_OK)
			units_error(p, sec, e, exp, r);
		return r == UNITS_OK;
	}
	case V_RATE: {
		g_autofree char *exp = g_strdup_printf("a rate (%s)", units_rate_list);
		r = units_rate(v, (uint64_t *)f);
		if (r != UNITS_OK)
			units_error(p, sec, e, exp, r);
		return r == UNITS_OK;
	}
	case V_SIZE64:
	case V_SIZE32: {
		g_autofree char *exp = k->type == V_SIZE64 ? g_strdup_printf("a size (%s)", units_size_list)
							   : g_strdup_printf("a size from %llu B to %llu B (%s)",
									     (unsigned long long)k->min,
									     (unsigned long long)k->max, units_size_list);
		uint64_t b;
		r = units_size(v, &b);
		if (r == UNITS_OK && k->type == V_SIZE32 && (b < k->min || b > k->max))
			r = UNITS_OVERFLOW;
		if (r != UNITS_OK) {
			units_error(p, sec, e, exp, r);
			return false;
		}
		if (k->type == V_SIZE64)
			*(uint64_t *)f = b;
		else
			*(uint32_t *)f = (uint32_t)b;
		return true;
	}
	case V_PERCENT:
		r = units_percent(v, (double *)f);
		if (r != UNITS_OK)
			units_error(p, sec, e, "a percentage from 0% to 100%, like 0.5%", r);
		return r == UNITS_OK;
	case V_UINT: {
		uint64_t u;
		r = units_uint(v, k->max, &u);
		if (r == UNITS_OK && u < k->min)
			r = UNITS_OVERFLOW;
		if (r != UNITS_OK) {
			g_autofree char *exp = g_strdup_printf("a whole number from %llu to %llu", (unsigned long long)k->min,
							       (unsigned long long)k->max);
			units_error(p, sec, e, exp, r);
			return false;
		}
		*(unsigned *)f = (unsigned)u;
		return true;
	}
	case V_U64:
		r = units_uint(v, UINT64_MAX, (uint64_t *)f);
		if (r != UNITS_OK)
			units_error(p, sec, e, "a whole number from 0 to 18446744073709551615", r);
		return r == UNITS_OK;
	case V_NUMBER:
		r = units_number(v, (double *)f);
		if (r != UNITS_OK)
			units_error(p, sec, e, "a number without a unit, like 2.5", r);
		return r == UNITS_OK;
	case V_BOOL:
		if (!g_ascii_strcasecmp(v, "true") || !g_ascii_strcasecmp(v, "yes")) {
			*(bool *)f = true;
			return true;
		}
		if (!g_ascii_strcasecmp(v, "false") || !g_ascii_strcasecmp(v, "no")) {
			*(bool *)f = false;
			return true;
		}
		bad_value(p, sec, e, "true or false", NULL);
		return false;
	case V_PREFIXES:
		return parse_prefix_list(p, sec, e, *(GArray **)f);
	case V_PREFIX: {
		const char *why = NULL;
		if (!parse_prefix(v, (struct scn_prefix *)f, &why)) {
			bad_value(p, sec, e, "an IPv4 prefix like 172.16.201.0/24", why);
			return false;
		}
		return true;
	}
	case V_ADDR:
		if (!sim_ipv4_addr_parse(v, (uint32_t *)f)) {
			bad_value(p, sec, e, "an IPv4 address like 203.0.113.10", NULL);
			return false;
		}
		return true;
	case V_GW_IPS: {
		struct scn_gateway *g = base;
		g_auto(GStrv) parts = g_strsplit(v, ",", -1);
		unsigned n = g_strv_length(parts);
		bool ok = n >= 1 && n <= 2;
		for (unsigned i = 0; ok && i < n; i++)
			ok = sim_ipv4_addr_parse(g_strstrip(parts[i]), &g->public_ip[i]);
		if (!ok) {
			bad_value(p, sec, e, "one IPv4 address, or two separated by ',' for active-active", NULL);
			return false;
		}
		g->n_public_ips = n;
		return true;
	}
	case V_CHOICE:
	case V_NAME:
		for (const struct choice *c = k->choices; c->name; c++) {
			if (g_ascii_strcasecmp(c->name, v) == 0) {
				if (k->type == V_CHOICE)
					*(int *)f = c->value;
				else
					set_str((char **)f, c->name);
				return true;
			}
		}
		{
			g_autofree char *list = choice_list(k->choices);
			g_autofree char *exp = g_strdup_printf("one of %s%s", list,
							       k->type == V_NAME ? " (azure-facts.md §4)" : "");
			const char *buf[24];
			const char *best = scn_did_you_mean(v, choice_names(k->choices, buf, G_N_ELEMENTS(buf)));
			g_autofree char *det = best ? g_strdup_printf("did you mean '%s'?", best) : NULL;
			bad_value(p, sec, e, exp, det);
		}
		return false;
	case V_ENDPOINT: {
		const char *colon = strchr(v, ':');
		bool ok = strcmp(v, "vnet") == 0;
		if (!ok && colon) {
			size_t n = (size_t)(colon - v);
			ok = ((n == 4 && !strncmp(v, "site", 4)) || (n == 3 && !strncmp(v, "p2s", 3))) && ident_ok(colon + 1);
		}
		if (!ok) {
			bad_value(p, sec, e, "'vnet', 'site:NAME' or 'p2s:NAME'", NULL);
			return false;
		}
		set_str((char **)f, v);
		return true;
	}
	}
	g_assert_not_reached();
}

static const struct key_spec *find_key(const struct key_spec *keys, const char *key)
{
	for (const struct key_spec *k = keys; k->key; k++)
		if (strcmp(k->key, key) == 0)
			return k;
	return NULL;
}

static void unknown_key(struct parse *p, const struct ini_section *sec, const struct ini_entry *e, const struct key_spec *keys)
{
	const char *names[40];
	size_t n = 0;
	for (const struct key_spec *k = keys; k->key && n + 1 < G_N_ELEMENTS(names); k++)
		names[n++] = k->key;
	names[n] = NULL;
	const char *best = scn_did_you_mean(e->key, names);
	if (best) {
		scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: unknown key (did you mean '%s'?)", sec->name, e->key, best);
		return;
	}
	g_autofree char *list = g_strjoinv(", ", (char **)names);
	scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: unknown key; expected one of %s", sec->name, e->key, list);
}

/* Parses every key of sec into base per keys; reports unknown and missing keys. */
static void parse_keys(struct parse *p, const struct ini_section *sec, const struct key_spec *keys, void *base)
{
	key_loc(p, sec->name, NULL, sec->loc);
	for (guint i = 0; i < sec->entries->len; i++) {
		const struct ini_entry *e = sec->entries->pdata[i];
		const struct key_spec *k = find_key(keys, e->key);
		if (!k) {
			unknown_key(p, sec, e, keys);
			continue;
		}
		key_loc(p, sec->name, e->key, e->loc);
		if (keys == scenario_keys && strcmp(e->key, "extends") == 0)
			continue; /* handled by inheritance */
		if (!parse_value(p, sec, e, k, base))
			g_hash_table_add(p->failed, g_strdup_printf("%s.%s", sec->name, e->key));
	}
	for (const struct key_spec *k = keys; k->key; k++)
		if (k->required && !ini_find_entry(sec, k->key))
			scn_diag_add(p->d, SCN_ERROR, sec->loc, "[%s]: missing required key '%s'", sec->name, k->key);
}

static bool has(const struct ini_section *sec, const char *key)
{
	return ini_find_entry(sec, key) != NULL;
}

/* The entry for key when it is present and its value was accepted, else NULL. */
static const struct ini_entry *good(struct parse *p, const struct ini_section *sec, const char *key)
{
	const struct ini_entry *e = ini_find_entry(sec, key);
	if (!e)
		return NULL;
	g_autofree char *k = g_strdup_printf("%s.%s", sec->name, key);
	return g_hash_table_contains(p->failed, k) ? NULL : e;
}

/* ---- per-kind rules about the form of an element ---- */

static void connection_post(struct parse *p, const struct ini_section *sec, struct scn_connection *c)
{
	unsigned given = 0;
	for (const char *const *k = custom_policy_keys; *k; k++)
		given += has(sec, *k);
	bool lifetimes = has(sec, "sa_lifetime") || has(sec, "sa_data_limit");
	c->policy.custom = given > 0 || lifetimes;
	if (c->policy.custom && given < G_N_ELEMENTS(custom_policy_keys) - 1) {
		GString *miss = g_string_new(NULL);
		for (const char *const *k = custom_policy_keys; *k; k++)
			if (!has(sec, *k))
				g_string_append_printf(miss, "%s%s", miss->len ? ", " : "", *k);
		scn_diag_add(p->d, SCN_ERROR, sec->loc,
			     "[%s]: a custom IPsec/IKE policy must be complete (azure-facts.md §4); missing %s", sec->name,
			     miss->str);
		g_string_free(miss, TRUE);
	}
	if (!c->psk)
		c->psk = g_strdup_printf("psk-%s", c->name);
}

static void flow_post(struct parse *p, const struct ini_section *sec, struct scn_flow *f)
{
	if (f->kind != SCN_FLOW_BULK && !has(sec, "rate"))
		scn_diag_add(p->d, SCN_ERROR, sec->loc, "[%s]: missing required key 'rate' (kind %s)", sec->name,
			     scn_flow_kind_name(f->kind));
	if (f->kind == SCN_FLOW_BULK && has(sec, "rate"))
		scn_diag_add(p->d, SCN_ERROR, ini_find_entry(sec, "rate")->loc,
			     "[%s] rate: does not apply to kind bulk (it sends as fast as its first link allows)", sec->name);
	bool onoff = f->kind == SCN_FLOW_ONOFF;
	const char *const timing[] = { "on", "off" };
	for (unsigned i = 0; i < 2; i++) {
		if (onoff && !has(sec, timing[i]))
			scn_diag_add(p->d, SCN_ERROR, sec->loc, "[%s]: missing required key '%s' (kind onoff)", sec->name, timing[i]);
		if (!onoff && has(sec, timing[i]))
			scn_diag_add(p->d, SCN_ERROR, ini_find_entry(sec, timing[i])->loc,
				     "[%s] %s: applies only to kind onoff, this flow is %s", sec->name, timing[i],
				     scn_flow_kind_name(f->kind));
	}
	const struct ini_entry *e;
	if (onoff && (e = good(p, sec, "on")) && f->on_ns == 0)
		scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] on: expected a duration > 0, found '%s'", sec->name, e->value);
	if (f->kind != SCN_FLOW_BULK && (e = good(p, sec, "rate")) && f->rate_bps == 0)
		scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] rate: expected a rate > 0, found '%s'", sec->name, e->value);
}

static void path_post(struct parse *p, const struct ini_section *sec, struct scn_path *x)
{
	if (!has(sec, "rate_down"))
		x->rate_down_bps = x->rate_bps;
	if (x->from && strcmp(x->from, "vnet") == 0)
		scn_diag_add(p->d, SCN_ERROR, ini_find_entry(sec, "from")->loc,
			     "[%s] from: expected 'site:NAME' or 'p2s:NAME' (paths lead from a site or P2S group to the gateway), found 'vnet'",
			     sec->name);
	const char *const rates[] = { "rate", "rate_down" };
	for (unsigned i = 0; i < 2; i++) {
		const struct ini_entry *e = good(p, sec, rates[i]);
		if (e && (i == 0 ? x->rate_bps : x->rate_down_bps) == 0)
			scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: expected a rate > 0, found '%s'", sec->name, rates[i], e->value);
	}
	if (good(p, sec, "burst_loss_mean") && x->burst_loss_mean != 0 && x->burst_loss_mean < 1)
		scn_diag_add(p->d, SCN_ERROR, ini_find_entry(sec, "burst_loss_mean")->loc,
			     "[%s] burst_loss_mean: expected 0 (no bursts) or a mean burst length >= 1 packet, found '%s'",
			     sec->name, ini_find_entry(sec, "burst_loss_mean")->value);
}

/* Which optional fault keys each kind takes ("duration", "loss", "delay", "psk"), and which it
 * requires. */
struct fault_shape {
	const char *takes;
	const char *needs;
};

static const struct fault_shape fault_shapes[] = {
	[SCN_FAULT_INSTANCE_CRASH] = { "duration", "" },
	[SCN_FAULT_INSTANCE_RECOVER] = { "", "" },
	[SCN_FAULT_MAINTENANCE] = { "duration", "" },
	[SCN_FAULT_PATH_DOWN] = { "duration", "" },
	[SCN_FAULT_PATH_UP] = { "", "" },
	[SCN_FAULT_LOSS_BURST] = { "duration loss", "duration loss" },
	[SCN_FAULT_DELAY_CHANGE] = { "delay", "delay" },
	[SCN_FAULT_DEVICE_REBOOT] = { "duration", "duration" },
	[SCN_FAULT_PSK_CHANGE] = { "psk side", "psk" },
	[SCN_FAULT_POLICY_CHANGE] = { "ike_encryption ike_integrity dh_group ipsec_encryption ipsec_integrity pfs_group side",
				      "ike_encryption ike_integrity dh_group ipsec_encryption ipsec_integrity pfs_group" },
};

static bool word_in(const char *word, const char *list)
{
	g_auto(GStrv) w = g_strsplit(list, " ", -1);
	return g_strv_contains((const char *const *)w, word);
}

static void fault_post(struct parse *p, const struct ini_section *sec, struct scn_fault *f)
{
	if (!has(sec, "kind"))
		return;
	const struct fault_shape *sh = &fault_shapes[f->kind];
	const char *const opt[] = { "duration",	      "loss",		 "delay",	    "psk",
				    "ike_encryption", "ike_integrity",	 "dh_group",	    "ipsec_encryption",
				    "ipsec_integrity", "pfs_group", "side" };
	for (unsigned i = 0; i < G_N_ELEMENTS(opt); i++) {
		const struct ini_entry *e = ini_find_entry(sec, opt[i]);
		if (e && !word_in(opt[i], sh->takes))
			scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: does not apply to kind %s", sec->name, opt[i],
				     scn_fault_kind_name(f->kind));
		if (!e && word_in(opt[i], sh->needs))
			scn_diag_add(p->d, SCN_ERROR, sec->loc, "[%s]: missing required key '%s' (kind %s)", sec->name, opt[i],
				     scn_fault_kind_name(f->kind));
	}
	f->policy.custom = f->kind == SCN_FAULT_POLICY_CHANGE;
	if (f->side == SCN_SIDE_DEFAULT && f->kind == SCN_FAULT_POLICY_CHANGE)
		f->side = SCN_SIDE_GATEWAY;
	else if (f->side == SCN_SIDE_DEFAULT && f->kind == SCN_FAULT_PSK_CHANGE)
		f->side = SCN_SIDE_DEVICE;
	if (has(sec, "delay")) {
		/* the delay was parsed into duration_ns; it is the new one-way delay */
		f->value = (double)f->duration_ns;
		f->duration_ns = 0;
	}
	if ((f->kind == SCN_FAULT_LOSS_BURST || f->kind == SCN_FAULT_DEVICE_REBOOT) && good(p, sec, "duration") &&
	    f->duration_ns == 0)
		scn_diag_add(p->d, SCN_ERROR, ini_find_entry(sec, "duration")->loc,
			     "[%s] duration: expected a duration > 0, found '%s'", sec->name, ini_find_entry(sec, "duration")->value);
	if ((f->kind == SCN_FAULT_INSTANCE_CRASH || f->kind == SCN_FAULT_INSTANCE_RECOVER || f->kind == SCN_FAULT_MAINTENANCE) &&
	    f->target) {
		if (strcmp(f->target, "0") == 0 || strcmp(f->target, "1") == 0)
			f->instance = (unsigned)(f->target[0] - '0');
		else
			scn_diag_add(p->d, SCN_ERROR, ini_find_entry(sec, "target")->loc,
				     "[%s] target: expected a gateway instance, 0 or 1 (kind %s), found '%s'", sec->name,
				     scn_fault_kind_name(f->kind), f->target);
	}
}

/* ---- expectations ---- */

/* Recognises a metric name; otherwise *sugg may receive the closest valid spelling. */
static bool parse_metric(const char *m, struct scn_expect *x, char **sugg)
{
	static const char *const flow_m[] = { "outage", "throughput", "loss", "delay_p99", NULL };
	static const enum scn_metric flow_k[] = { SCN_METRIC_FLOW_OUTAGE, SCN_METRIC_FLOW_THROUGHPUT, SCN_METRIC_FLOW_LOSS,
						  SCN_METRIC_FLOW_DELAY_P99 };
	static const char *const tunnel_m[] = { "up_at_end", NULL };
	static const char *const gw_m[] = { "fairness", NULL };
	g_auto(GStrv) parts = g_strsplit(m, ".", -1);
	unsigned n = g_strv_length(parts);
	*sugg = NULL;
	if (n == 3 && strcmp(parts[0], "flow") == 0 && ident_ok(parts[1])) {
		for (unsigned i = 0; flow_m[i]; i++) {
			if (strcmp(parts[2], flow_m[i]) == 0) {
				x->kind = flow_k[i];
				x->subject = g_strdup(parts[1]);
				return true;
			}
		}
		const char *b = scn_did_you_mean(parts[2], flow_m);
		if (b)
			*sugg = g_strdup_printf("flow.%s.%s", parts[1], b);
		return false;
	}
	if (n == 3 && strcmp(parts[0], "tunnel") == 0 && ident_ok(parts[1])) {
		if (strcmp(parts[2], "up_at_end") == 0) {
			x->kind = SCN_METRIC_TUNNEL_UP_AT_END;
			x->subject = g_strdup(parts[1]);
			return true;
		}
		if (scn_did_you_mean(parts[2], tunnel_m))
			*sugg = g_strdup_printf("tunnel.%s.up_at_end", parts[1]);
		return false;
	}
	if (g_str_has_prefix(m, "counter.") && m[8]) {
		x->kind = SCN_METRIC_COUNTER;
		x->subject = g_strdup(m + 8);
		return true;
	}
	if (n == 2 && strcmp(parts[0], "gateway") == 0) {
		if (strcmp(parts[1], "fairness") == 0) {
			x->kind = SCN_METRIC_GATEWAY_FAIRNESS;
			return true;
		}
		if (scn_did_you_mean(parts[1], gw_m))
			*sugg = g_strdup("gateway.fairness");
		return false;
	}
	static const char *const prefixes[] = { "flow", "tunnel", "gateway", "counter", NULL };
	const char *b = n >= 2 ? scn_did_you_mean(parts[0], prefixes) : NULL;
	if (b && n == 3 && strcmp(b, "gateway") != 0)
		*sugg = g_strdup_printf("%s.%s.%s", b, parts[1], parts[2]);
	else if (b && n == 2 && strcmp(b, "gateway") == 0)
		*sugg = g_strdup_printf("gateway.%s", parts[1]);
	return false;
}

/* A window clause after a flow metric: "before T", "after T" or "between T1 and T2" (T from the
 * run's start). Reports what is wrong and returns false. */
static bool parse_window(struct parse *p, const struct ini_section *sec, const struct ini_entry *e, const char *w,
			 struct scn_expect *x)
{
	static const char expected_w[] = "a window 'before T', 'after T' or 'between T1 and T2' (T a duration)";
	bool flow = x->kind == SCN_METRIC_FLOW_OUTAGE || x->kind == SCN_METRIC_FLOW_THROUGHPUT ||
		    x->kind == SCN_METRIC_FLOW_LOSS;
	if (!flow) {
		scn_diag_add(p->d, SCN_ERROR, e->loc,
			     "[%s] %s: a window ('%s') applies to a flow's outage, throughput and loss only, found it after '%s'",
			     sec->name, e->key, w, x->metric);
		return false;
	}
	x->windowed = true;
	x->from_ns = 0;
	x->to_ns = -1;
	enum units_result r = UNITS_BAD_NUMBER;
	const char *bad = w;
	if (g_str_has_prefix(w, "before ")) {
		r = units_duration(w + 7, &x->to_ns);
	} else if (g_str_has_prefix(w, "after ")) {
		r = units_duration(w + 6, &x->from_ns);
	} else {
		const char *and = strstr(w, " and ");
		g_autofree char *t1 = and ? g_strstrip(g_strndup(w + 8, (size_t)(and - (w + 8)))) : NULL;
		r = and ? units_duration(t1, &x->from_ns) : UNITS_BAD_NUMBER;
		if (r == UNITS_OK)
			r = units_duration(and + 5, &x->to_ns);
		if (r == UNITS_OK && x->to_ns <= x->from_ns) {
			scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: expected a window that ends after it starts, found '%s'",
				     sec->name, e->key, w);
			return false;
		}
	}
	if (r == UNITS_OK && x->to_ns == 0) {
		scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: expected a window that ends after 0 s, found '%s'", sec->name,
			     e->key, w);
		return false;
	}
	if (r != UNITS_OK) {
		const char *det = r == UNITS_BAD_NUMBER ? NULL : units_result_str(r);
		if (det)
			scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: expected %s, found '%s' (%s)", sec->name, e->key,
				     expected_w, bad, det);
		else
			scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: expected %s, found '%s'", sec->name, e->key, expected_w,
				     bad);
		return false;
	}
	return true;
}

static void parse_expect(struct parse *p, const struct ini_section *sec, const struct ini_entry *e)
{
	static const char expected_expr[] = "'METRIC OP VALUE' like 'flow.web.outage <= 30 s' (OP: <, <=, >, >=, ==, !=)";
	key_loc(p, sec->name, e->key, e->loc);
	const char *s = e->value;
	const char *m = s;
	while (*s && (g_ascii_isalnum(*s) || *s == '_' || *s == '.' || *s == '-' || *s == '/'))
		s++;
	g_autofree char *metric = g_strndup(m, (size_t)(s - m));
	while (*s == ' ' || *s == '\t')
		s++;
	g_autofree char *window = NULL; /* "before 2 min", up to the operator */
	if (g_str_has_prefix(s, "before ") || g_str_has_prefix(s, "after ") || g_str_has_prefix(s, "between ")) {
		size_t n = strcspn(s, "<>=!");
		window = g_strstrip(g_strndup(s, n));
		s += n;
	}
	static const struct {
		const char *op;
		enum scn_cmp cmp;
	} ops[] = { { "<=", SCN_LE }, { ">=", SCN_GE }, { "==", SCN_EQ }, { "!=", SCN_NE }, { "<", SCN_LT }, { ">", SCN_GT } };
	int found = -1;
	for (unsigned i = 0; i < G_N_ELEMENTS(ops); i++) {
		if (strncmp(s, ops[i].op, strlen(ops[i].op)) == 0) {
			found = (int)i;
			s += strlen(ops[i].op);
			break;
		}
	}
	if (!*metric || found < 0) {
		bad_value(p, sec, e, expected_expr, NULL);
		return;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	struct scn_expect *x = scn_expect_new();
	x->loc = e->loc;
	x->name = g_strdup(e->key);
	x->metric = g_strdup(metric);
	x->cmp = ops[found].cmp;
	x->text = g_strdup(s);
	g_autofree char *sugg = NULL;
	bool metric_ok = parse_metric(metric, x, &sugg);
	if (metric_ok && window) {
		g_free(x->metric);
		x->metric = g_strdup_printf("%s %s", metric, window);
		if (!parse_window(p, sec, e, window, x)) {
			g_ptr_array_add(p->s->expects, x);
			return;
		}
	}
	if (!metric_ok) {
		static const char exp_metric[] =
			"a metric flow.NAME.outage, flow.NAME.throughput, flow.NAME.loss, flow.NAME.delay_p99, "
			"tunnel.NAME.up_at_end, gateway.fairness or counter.NAME";
		if (sugg)
			scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: expected %s, found '%s' (did you mean '%s'?)", sec->name,
				     e->key, exp_metric, metric, sugg);
		else
			scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: expected %s, found '%s'", sec->name, e->key, exp_metric,
				     metric);
		g_ptr_array_add(p->s->expects, x);
		return;
	}
	enum units_result r = UNITS_OK;
	const char *what = NULL;
	switch (x->kind) {
	case SCN_METRIC_FLOW_OUTAGE:
	case SCN_METRIC_FLOW_DELAY_P99: {
		sim_time t;
		r = units_duration(s, &t);
		x->value = (double)t;
		what = "a duration (ns, us, ms, s, min, h)";
		break;
	}
	case SCN_METRIC_FLOW_THROUGHPUT: {
		uint64_t b;
		r = units_rate(s, &b);
		x->value = (double)b;
		what = "a rate (bps, kbps, Mbps, Gbps)";
		break;
	}
	case SCN_METRIC_FLOW_LOSS:
		r = units_percent(s, &x->value);
		what = "a percentage like 0.1%";
		break;
	case SCN_METRIC_TUNNEL_UP_AT_END:
		what = "true or false (with == or !=)";
		if (x->cmp != SCN_EQ && x->cmp != SCN_NE)
			r = UNITS_BAD_NUMBER;
		else if (strcmp(s, "true") == 0)
			x->value = 1;
		else if (strcmp(s, "false") == 0)
			x->value = 0;
		else
			r = UNITS_BAD_NUMBER;
		break;
	case SCN_METRIC_GATEWAY_FAIRNESS:
		r = units_number(s, &x->value);
		if (r == UNITS_OK && x->value > 1)
			r = UNITS_OVERFLOW;
		what = "a number from 0 to 1";
		break;
	case SCN_METRIC_COUNTER:
		r = units_number(s, &x->value);
		what = "a count";
		break;
	}
	if (r != UNITS_OK) {
		const char *det = r == UNITS_BAD_NUMBER ? NULL : units_result_str(r);
		if (det)
			scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: %s: expected %s, found '%s' (%s)", sec->name, e->key,
				     metric, what, s, det);
		else
			scn_diag_add(p->d, SCN_ERROR, e->loc, "[%s] %s: %s: expected %s, found '%s'", sec->name, e->key, metric,
				     what, s);
	}
	g_ptr_array_add(p->s->expects, x);
}

/* ---- sections ---- */

static void *new_element(struct parse *p, enum kind_id id, const char *name, struct scn_loc loc)
{
	struct scenario *s = p->s;
	switch (id) {
	case KIND_SITE: {
		struct scn_site *x = scn_site_new();
		x->name = g_strdup(name);
		x->loc = loc;
		g_ptr_array_add(s->sites, x);
		return x;
	}
	case KIND_CONNECTION: {
		struct scn_connection *x = scn_connection_new();
		x->name = g_strdup(name);
		x->loc = loc;
		g_ptr_array_add(s->connections, x);
		return x;
	}
	case KIND_PATH: {
		struct scn_path *x = scn_path_new();
		x->name = g_strdup(name);
		x->loc = loc;
		g_ptr_array_add(s->paths, x);
		return x;
	}
	case KIND_P2S: {
		struct scn_p2s_group *x = scn_p2s_group_new();
		x->name = g_strdup(name);
		x->loc = loc;
		g_ptr_array_add(s->p2s_groups, x);
		return x;
	}
	case KIND_FLOW: {
		struct scn_flow *x = scn_flow_new();
		x->name = g_strdup(name);
		x->loc = loc;
		g_ptr_array_add(s->flows, x);
		return x;
	}
	case KIND_FAULT: {
		struct scn_fault *x = scn_fault_new();
		x->name = g_strdup(name);
		x->loc = loc;
		g_ptr_array_add(s->faults, x);
		return x;
	}
	case KIND_ATTACKER: {
		struct scn_attacker *x = scn_attacker_new();
		x->name = g_strdup(name);
		x->loc = loc;
		g_ptr_array_add(s->attackers, x);
		return x;
	}
	case KIND_SCENARIO:
		return s;
	case KIND_GATEWAY:
		s->gw.loc = loc;
		return &s->gw;
	case KIND_EXPECT:
		return NULL;
	}
	g_assert_not_reached();
}

static void unknown_section(struct parse *p, const struct ini_section *sec, const char *kind, const char *name)
{
	const char *best = scn_did_you_mean(kind, kind_names);
	static const char expected[] =
		"[scenario], [gateway], [site.NAME], [connection.NAME], [path.NAME], [p2s.NAME], [flow.NAME], [fault.NAME], "
		"[attacker.NAME] or [expect]";
	if (best) {
		g_autofree char *sugg = name ? g_strdup_printf("%s.%s", best, name) : g_strdup(best);
		scn_diag_add(p->d, SCN_ERROR, sec->loc, "[%s]: unknown section; expected %s (did you mean '[%s]'?)", sec->name,
			     expected, sugg);
	} else {
		scn_diag_add(p->d, SCN_ERROR, sec->loc, "[%s]: unknown section; expected %s", sec->name, expected);
	}
}

static void parse_section(struct parse *p, const struct ini_section *sec)
{
	const char *dot = strchr(sec->name, '.');
	g_autofree char *kind = dot ? g_strndup(sec->name, (size_t)(dot - sec->name)) : g_strdup(sec->name);
	const char *name = dot ? dot + 1 : NULL;
	const struct kind_spec *ks = NULL;
	for (unsigned i = 0; i < G_N_ELEMENTS(kinds); i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			ks = &kinds[i];
	if (!ks) {
		unknown_section(p, sec, kind, name);
		return;
	}
	if (ks->named && !name) {
		scn_diag_add(p->d, SCN_ERROR, sec->loc, "[%s]: expected a named section like [%s.NAME]", sec->name, kind);
		return;
	}
	if (!ks->named && name) {
		scn_diag_add(p->d, SCN_ERROR, sec->loc, "[%s]: expected [%s] (there is only one, without a name)", sec->name, kind);
		return;
	}
	if (name && !ident_ok(name)) {
		scn_diag_add(p->d, SCN_ERROR, sec->loc, "[%s]: expected a name of letters, digits, '_' and '-' after '%s.', found '%s'",
			     sec->name, kind, name);
		return;
	}
	if (ks->id == KIND_EXPECT) {
		key_loc(p, sec->name, NULL, sec->loc);
		for (guint i = 0; i < sec->entries->len; i++)
			parse_expect(p, sec, sec->entries->pdata[i]);
		return;
	}
	void *el = new_element(p, ks->id, name, sec->loc);
	if (ks->id == KIND_FLOW)
		((struct scn_flow *)el)->stop_ns = -1; /* the scenario's duration, once known */
	parse_keys(p, sec, ks->keys, el);
	switch (ks->id) {
	case KIND_CONNECTION:
		connection_post(p, sec, el);
		break;
	case KIND_FLOW:
		flow_post(p, sec, el);
		break;
	case KIND_PATH:
		path_post(p, sec, el);
		break;
	case KIND_FAULT:
		fault_post(p, sec, el);
		break;
	case KIND_GATEWAY:
		p->s->gw.p2s = has(sec, "p2s_pool");
		break;
	case KIND_ATTACKER:
		((struct scn_attacker *)el)->spoof = has(sec, "spoof_from");
		break;
	default:
		break;
	}
}

static gint fault_cmp(gconstpointer a, gconstpointer b)
{
	const struct scn_fault *x = *(struct scn_fault *const *)a, *y = *(struct scn_fault *const *)b;
	return x->at_ns < y->at_ns ? -1 : x->at_ns > y->at_ns;
}

/* Defaults that depend on other values, once everything is read. */
static void finish(struct parse *p)
{
	struct scenario *s = p->s;
	struct scn_loc main_loc = { ini_intern(s->loc_names, s->file), 0 };
	const char *const required[] = { "scenario", "gateway" };
	for (unsigned i = 0; i < G_N_ELEMENTS(required); i++)
		if (!ini_find_section(&p->doc, required[i]))
			scn_diag_add(p->d, SCN_ERROR, main_loc, "missing section [%s] (required)", required[i]);
	for (guint i = 0; i < s->flows->len; i++) {
		struct scn_flow *f = s->flows->pdata[i];
		if (f->stop_ns < 0)
			f->stop_ns = s->duration_ns;
	}
	for (guint i = 0; i < s->connections->len; i++) {
		struct scn_connection *c = s->connections->pdata[i];
		g_autofree char *secname = g_strdup_printf("connection.%s", c->name);
		const struct ini_section *sec = ini_find_section(&p->doc, secname);
		if (s->gw.type == SCN_POLICY_BASED && sec && !has(sec, "sa_lifetime"))
			c->policy.sa_lifetime_ns = sim_s(3600); /* azure-facts.md §4: policy-based QM default */
	}
	for (guint i = 0; i < s->p2s_groups->len; i++) {
		struct scn_p2s_group *g = s->p2s_groups->pdata[i];
		g_autofree char *secname = g_strdup_printf("p2s.%s", g->name);
		const struct ini_section *sec = ini_find_section(&p->doc, secname);
		if (sec && !has(sec, "arrive_to"))
			g->arrive_to_ns = g->arrive_from_ns;
	}
	if (!s->name) {
		g_autofree char *base = g_path_get_basename(s->file);
		if (g_str_has_suffix(base, ".ini"))
			base[strlen(base) - 4] = '\0';
		s->name = g_strdup(base);
	}
	const struct ini_section *sc = ini_find_section(&p->doc, "scenario");
	if (sc && good(p, sc, "duration") && s->duration_ns == 0)
		scn_diag_add(p->d, SCN_ERROR, ini_find_entry(sc, "duration")->loc,
			     "[scenario] duration: expected a duration > 0, found '%s'", ini_find_entry(sc, "duration")->value);
	g_ptr_array_sort(s->faults, fault_cmp);
}

/* ---- inheritance and overrides ---- */

static bool read_doc(struct parse *p, const char *file, const char *buf, size_t len, struct ini_doc *out, unsigned depth);

/* Reads the file named by an `extends` entry of `from` into out. */
static bool read_parent(struct parse *p, const char *from, const struct ini_entry *e, struct ini_doc *out, unsigned depth)
{
	g_autofree char *dir = g_path_get_dirname(from);
	g_autofree char *path = g_path_is_absolute(e->value) || strcmp(dir, ".") == 0 ? g_strdup(e->value)
										     : g_build_filename(dir, e->value, NULL);
	g_autofree char *canon = g_canonicalize_filename(path, NULL);
	for (guint i = 0; i < p->stack->len; i++) {
		if (strcmp(p->stack->pdata[i], canon) == 0) {
			GString *chain = g_string_new(NULL);
			for (guint j = i; j < p->stack->len; j++) {
				g_autofree char *b = g_path_get_basename(p->stack->pdata[j]);
				g_string_append_printf(chain, "%s -> ", b);
			}
			g_autofree char *b = g_path_get_basename(canon);
			g_string_append(chain, b);
			scn_diag_add(p->d, SCN_ERROR, e->loc, "[scenario] extends: inheritance cycle (%s)", chain->str);
			g_string_free(chain, TRUE);
			return false;
		}
	}
	if (depth >= MAX_EXTENDS_DEPTH) {
		scn_diag_add(p->d, SCN_ERROR, e->loc, "[scenario] extends: more than %d levels of inheritance", MAX_EXTENDS_DEPTH);
		return false;
	}
	g_autofree char *buf = NULL;
	gsize len = 0;
	g_autoptr(GError) err = NULL;
	if (!g_file_get_contents(path, &buf, &len, &err)) {
		scn_diag_add(p->d, SCN_ERROR, e->loc, "[scenario] extends: expected a readable scenario file, found '%s' (%s)",
			     e->value, err->message);
		return false;
	}
	return read_doc(p, path, buf, len, out, depth + 1);
}

/* Reads buf as file into out, with its ancestors merged underneath. */
static bool read_doc(struct parse *p, const char *file, const char *buf, size_t len, struct ini_doc *out, unsigned depth)
{
	g_autofree char *canon = g_canonicalize_filename(file, NULL);
	g_ptr_array_add(p->stack, g_strdup(canon));
	g_ptr_array_add(p->s->files, g_strdup(file));
	struct ini_doc child;
	ini_doc_init(&child);
	ini_parse(&child, file, buf, len, p->s->loc_names, p->d);
	struct ini_section *sc = ini_find_section(&child, "scenario");
	struct ini_entry *ext = sc ? ini_find_entry(sc, "extends") : NULL;
	bool parent_ok = false;
	if (ext && p->o->no_extends) {
		scn_diag_add(p->d, SCN_ERROR, ext->loc, "[scenario] extends: not available when parsing from memory");
	} else if (ext) {
		parent_ok = read_parent(p, file, ext, out, depth);
		if (parent_ok)
			ini_merge(out, &child);
	}
	if (!parent_ok)
		ini_merge(out, &child);
	ini_doc_clear(&child);
	g_free(g_ptr_array_steal_index(p->stack, p->stack->len - 1));
	return true;
}

/* Applies one --set (index i, 1-based in messages). */
static void apply_set(struct parse *p, const char *set, unsigned i)
{
	struct scn_loc loc = { ini_intern(p->s->loc_names, "--set"), i };
	const char *eq = strchr(set, '=');
	g_autofree char *lhs = eq ? g_strstrip(g_strndup(set, (size_t)(eq - set))) : NULL;
	const char *dot = lhs ? strrchr(lhs, '.') : NULL;
	if (!eq || !dot || dot == lhs || !dot[1]) {
		scn_diag_add(p->d, SCN_ERROR, loc, "expected 'section.key=value' (e.g. gateway.sku=VpnGw2), found '%s'", set);
		return;
	}
	g_autofree char *section = g_strndup(lhs, (size_t)(dot - lhs));
	const char *key = dot + 1;
	g_autofree char *value = g_strstrip(g_strdup(eq + 1));
	struct ini_section *sec = ini_find_section(&p->doc, section);
	if (!sec) {
		const char **names = g_new0(const char *, p->doc.sections->len + 1);
		for (guint j = 0; j < p->doc.sections->len; j++)
			names[j] = ((struct ini_section *)p->doc.sections->pdata[j])->name;
		const char *best = scn_did_you_mean(section, names);
		if (best)
			scn_diag_add(p->d, SCN_ERROR, loc, "%s.%s: unknown section [%s] (did you mean '[%s]'?)", section, key, section,
				     best);
		else
			scn_diag_add(p->d, SCN_ERROR, loc, "%s.%s: unknown section [%s]; --set changes sections the scenario has",
				     section, key, section);
		g_free(names);
		return;
	}
	if (strcmp(section, "scenario") == 0 && strcmp(key, "extends") == 0) {
		scn_diag_add(p->d, SCN_ERROR, loc, "scenario.extends: cannot be set from the command line");
		return;
	}
	ini_set(sec, key, value, loc);
}

static struct scenario *parse_from(const char *file, const char *buf, size_t len, const struct scn_parse_opts *opts,
				   struct scn_diags *d)
{
	static const struct scn_parse_opts none = { 0 };
	struct parse p = { .d = d, .o = opts ? opts : &none };
	p.s = scenario_new();
	p.s->file = g_strdup(file);
	p.stack = g_ptr_array_new_with_free_func(g_free);
	p.failed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	ini_doc_init(&p.doc);
	read_doc(&p, file, buf, len, &p.doc, 0);
	for (size_t i = 0; i < p.o->n_sets; i++)
		apply_set(&p, p.o->sets[i], (unsigned)i + 1);
	for (guint i = 0; i < p.doc.sections->len; i++) {
		const struct ini_section *sec = p.doc.sections->pdata[i];
		parse_section(&p, sec);
	}
	finish(&p);
	ini_doc_clear(&p.doc);
	g_ptr_array_unref(p.stack);
	g_hash_table_unref(p.failed);
	return p.s;
}

struct scenario *scn_parse_buffer(const char *file, const char *buf, size_t len, const struct scn_parse_opts *opts,
				  struct scn_diags *d)
{
	return parse_from(file, buf, len, opts, d);
}

struct scenario *scn_parse_file(const char *path, const struct scn_parse_opts *opts, struct scn_diags *d)
{
	g_autofree char *buf = NULL;
	gsize len = 0;
	g_autoptr(GError) err = NULL;
	if (!g_file_get_contents(path, &buf, &len, &err)) {
		scn_diag_add(d, SCN_ERROR, (struct scn_loc){ path, 0 }, "cannot read the scenario: %s", err->message);
		return NULL;
	}
	return parse_from(path, buf, len, opts, d);
}
