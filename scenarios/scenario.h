/* scenario.h: the scenario description: plain data parsed from a scenario file, validated
 * against Azure's rules, and then used by `check` (nothing more), `draw` (the diagram) and `run`
 * (the builder turns it into nodes, links and models). Nothing here refers to a model's
 * internals; every value is already in base units (ns, bit/s, bytes, fractions).
 *
 * Every element remembers where it was written (file and line) so that validation and the
 * builder can report problems the way the parser does. */
#ifndef SCENARIOS_SCENARIO_H
#define SCENARIOS_SCENARIO_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/time.h"

/* Where a value came from: "file:line" for messages. file is owned by the scenario
 * (struct scenario.loc_names); "--set" with line N is the N-th command-line override. */
struct scn_loc {
	const char *file;
	unsigned line;
};

struct scn_prefix {
	uint32_t addr; /* host order, host bits zero */
	unsigned plen;
};

enum scn_vpn_type { SCN_ROUTE_BASED, SCN_POLICY_BASED };
enum scn_gw_mode { SCN_ACTIVE_STANDBY, SCN_ACTIVE_ACTIVE };
enum scn_ike_version { SCN_IKEV2, SCN_IKEV1 };

/* An IPsec/IKE policy: Azure's defaults when `custom` is false (azure-facts.md §4); otherwise
 * one custom proposal for each phase, as Azure's custom policy has. The six algorithm names are
 * NULL unless custom (then all six are set, spelled as in §4's lists). */
struct scn_policy {
	bool custom;             /* default false: any algorithm or SA lifetime key makes it custom */
	/* IKE (phase 1) */
	char *ike_encryption;  /* "GCMAES256", "GCMAES128", "AES256", "AES192", "AES128", "DES3", "DES" */
	char *ike_integrity;   /* "GCMAES256", "GCMAES128", "SHA384", "SHA256", "SHA1", "MD5" */
	char *dh_group;        /* "DHGroup24", "ECP384", "ECP256", "DHGroup14", "DHGroup2048", "DHGroup2",
				  "DHGroup1", "None" */
	/* IPsec (phase 2) */
	char *ipsec_encryption; /* "GCMAES256", "GCMAES192", "GCMAES128", "AES256", "AES192", "AES128",
				   "DES3", "DES", "None" */
	char *ipsec_integrity;  /* "GCMAES256", "GCMAES192", "GCMAES128", "SHA256", "SHA1", "MD5" */
	char *pfs_group;        /* "PFS24", "ECP384", "ECP256", "PFS2048", "PFS2", "PFS1", "None" */
	sim_time ike_lifetime_ns;   /* IKE SA; default 28,800 s */
	sim_time sa_lifetime_ns;    /* CHILD SA; default 27,000 s RouteBased, 3,600 s PolicyBased */
	uint64_t sa_lifetime_bytes; /* default 102,400,000 KB (x 1024 bytes) */
	sim_time dpd_timeout_ns;    /* default 45 s; 9 s to 3600 s */
};

/* Defaults are given per field; "required" fields have none. */
enum scn_p2s_auth { SCN_P2S_AUTH_CERTIFICATE, SCN_P2S_AUTH_PSK };

struct scn_gateway {
	struct scn_loc loc;
	char *name;              /* default "azure-gw" */
	char *sku;               /* required: "VpnGw2" (canonical spelling from the SKU table) */
	int generation;          /* 1 or 2; default 0: the SKU's default (Gen1 where both exist) */
	enum scn_vpn_type type;  /* default RouteBased */
	enum scn_gw_mode mode;   /* default active-standby */
	GArray *vnet;            /* required, struct scn_prefix: the VNet's address space */
	uint32_t public_ip[2];   /* required; [1] only in active-active */
	unsigned n_public_ips;   /* how many public_ip gave (1 or 2) */
	/* failure detection and takeover between the two instances */
	sim_time health_probe_interval_ns; /* default 5 s */
	unsigned health_probe_threshold; /* missed probes before the standby takes over; default 3 */
	sim_time takeover_delay_ns;      /* from detection to the standby owning the IP; default 45 s */
	sim_time planned_handover_ns;    /* planned maintenance: deliberate handover time; default 10 s */
	/* point-to-site */
	bool p2s;                /* true when p2s_pool is given (default: no P2S) */
	struct scn_prefix p2s_pool;
	uint64_t queue_bytes;    /* the instance's processing queue; default 2 MB (2 MiB) */
	enum scn_p2s_auth p2s_auth; /* default certificate (Azure's IKEv2 P2S) */
	unsigned p2s_key_bits;   /* RSA size of the generated P2S certificates; default 2048 */
	unsigned ike_cookie_threshold; /* half-open IKE SAs per instance before cookies; default 10,
					* 0: never */
	bool bgp;                /* active-active VNet routing follows tunnels (BGP); default false:
				  * static routes to every healthy instance */
};

/* An on-prem device model preset: retransmission schedule, DPD and reconnect behaviour after
 * a known implementation. */
enum scn_device_preset { SCN_DEV_STRONGSWAN, SCN_DEV_IKED, SCN_DEV_GENERIC };

struct scn_site {
	struct scn_loc loc;
	char *name;
	enum scn_device_preset device; /* default generic */
	uint32_t public_ip;      /* required */
	GArray *prefixes;        /* required, struct scn_prefix: the on-prem networks */
	unsigned tunnels;        /* 1, or 2 (one per gateway public IP, for active-active); default 1 */
	sim_time dpd_interval_ns; /* default 0: the preset's */
	bool initiator;          /* the device initiates (the default); else it waits for Azure */
	/* Where the device's own configuration differs from the connection's (pain points:
	 * lifetime/PFS mismatch, traffic-selector mismatch, MTU black hole). 0/NULL/empty: the
	 * device matches the connection (the default). */
	sim_time ike_lifetime_ns;
	sim_time sa_lifetime_ns;
	char *pfs_group;         /* a §4 PFS name */
	GArray *traffic_selectors; /* struct scn_prefix: the device proposes these local prefixes
				      instead of any-to-any; default empty */
	uint32_t mss_clamp;      /* TCP MSS clamp in bytes; default 0: none */
};

struct scn_connection {
	struct scn_loc loc;
	char *name;
	char *site;              /* required: a scn_site name */
	enum scn_ike_version ike; /* default IKEv2 */
	char *psk;               /* default "psk-<connection name>" */
	struct scn_policy policy;
	bool policy_based_ts;    /* UsePolicyBasedTrafficSelectors; default false */
};

/* An internet path between a site (or a P2S group) and the gateway, both directions alike
 * unless the _down keys are given. */
struct scn_path {
	struct scn_loc loc;
	char *name;
	char *from;              /* required: "site:NAME" or "p2s:GROUP" */
	uint64_t rate_bps;       /* toward the gateway; default 1 Gbps */
	uint64_t rate_down_bps;  /* from the gateway; default rate_bps */
	sim_time delay_ns;       /* one way; default 10 ms */
	sim_time jitter_ns;      /* default 0 */
	double loss;             /* Bernoulli, fraction; default 0 */
	double burst_loss_mean;  /* Gilbert-Elliott mean burst length in packets; default 0: none */
	uint64_t queue_bytes;    /* default 1 MB (1 MiB) */
	uint32_t mtu;            /* default 1500 */
};

enum scn_arrival { SCN_ARRIVAL_UNIFORM, SCN_ARRIVAL_EVEN, SCN_ARRIVAL_POISSON };

struct scn_p2s_group {
	struct scn_loc loc;
	char *name;
	unsigned count;          /* required, >= 1 */
	sim_time arrive_from_ns, arrive_to_ns; /* clients connect over this window;
						  defaults 0 and arrive_from */
	enum scn_arrival arrival; /* default uniform */
	sim_time reconnect_min_ns, reconnect_max_ns; /* back-off bounds after a drop; 1 s, 60 s */
};

enum scn_flow_kind { SCN_FLOW_CBR, SCN_FLOW_POISSON, SCN_FLOW_ONOFF, SCN_FLOW_BULK };

enum scn_transport { SCN_TRANSPORT_UDP, SCN_TRANSPORT_TCP };

struct scn_flow {
	struct scn_loc loc;
	char *name;
	char *from, *to;          /* required: "site:NAME", "vnet", "p2s:GROUP" */
	enum scn_flow_kind kind;  /* default cbr */
	uint64_t rate_bps;        /* required except for bulk (which takes what it is given) */
	uint32_t packet_bytes;    /* IP packet size; default 1400 (tcp: the largest segment) */
	enum scn_transport transport; /* default udp */
	sim_time start_ns, stop_ns; /* defaults 0 and the scenario's duration */
	sim_time on_ns, off_ns;   /* onoff only, required there */
};

enum scn_fault_kind {
	SCN_FAULT_INSTANCE_CRASH,   /* target: gateway instance 0 or 1 */
	SCN_FAULT_INSTANCE_RECOVER,
	SCN_FAULT_MAINTENANCE,      /* planned handover away from the instance */
	SCN_FAULT_PATH_DOWN,        /* target: a path */
	SCN_FAULT_PATH_UP,
	SCN_FAULT_LOSS_BURST,       /* loss `value` on a path for `duration` */
	SCN_FAULT_DELAY_CHANGE,     /* delay `value` ns on a path */
	SCN_FAULT_DEVICE_REBOOT,    /* target: a site; down for `duration` */
	SCN_FAULT_PSK_CHANGE,       /* target: a connection; the device's PSK becomes `text` */
	SCN_FAULT_POLICY_CHANGE,    /* target: a connection; Azure applies the custom `policy` */
};

/* A hostile node on the internet (models/attacker.h): floods, replays, tampering, garbage. */
struct scn_attacker {
	struct scn_loc loc;
	char *name;
	uint32_t address;        /* its own public address; 0: an infrastructure one */
	uint32_t target;         /* default: the gateway's first public IP */
	sim_time start_ns;       /* default 0 */
	sim_time stop_ns;        /* default 0: the end of the run */
	bool spoof;              /* spoof_from given */
	struct scn_prefix spoof_from; /* source addresses of floods and garbage */
	double flood_rate;       /* IKE_SA_INIT requests per second; default 0 (off) */
	double replay;           /* share of ESP packets to the target replayed; default 0 */
	sim_time replay_delay_ns; /* default 1 s */
	double tamper;           /* share of ESP packets to the target tampered with; default 0 */
	sim_time tamper_delay_ns; /* default 0 */
	double garbage_rate;     /* garbage datagrams per second to 500/4500; default 0 */
};

enum scn_side { SCN_SIDE_DEFAULT, SCN_SIDE_DEVICE, SCN_SIDE_GATEWAY };

struct scn_fault {
	struct scn_loc loc;
	char *name;
	enum scn_fault_kind kind; /* required */
	sim_time at_ns;           /* required */
	char *target;             /* required: "0"/"1" (instance), a path, a site or a connection */
	unsigned instance;        /* the instance index for instance faults */
	sim_time duration_ns;     /* loss-burst, device-reboot: required; instance-crash, maintenance,
				     path-down: optional, 0 = until a recover/up fault (or instant) */
	double value;             /* loss-burst: loss fraction; delay-change: new delay in ns */
	char *text;               /* psk-change: the new PSK */
	enum scn_side side;       /* psk-change (default device), policy-change (default gateway):
				   * which end of the connection changes */
	struct scn_policy policy; /* policy-change: the connection's new custom policy (the six
				   * algorithm keys, all required) */
};

enum scn_cmp { SCN_LT, SCN_LE, SCN_GT, SCN_GE, SCN_EQ, SCN_NE };

/* The report's metrics an expectation may name (docs/scenario-format.md):
 *   flow.<flow>.outage        longest delivery gap of the flow, ns
 *   flow.<flow>.throughput    mean received rate over the flow's life, bit/s
 *   flow.<flow>.loss          lost / sent packets, fraction
 *   flow.<flow>.delay_p99     99th percentile of the one-way delay of the packets received, ns
 *   tunnel.<connection>.up_at_end  1 when the connection has a tunnel up at the end, else 0
 *   gateway.fairness          Jain's index over the flows' throughputs, 0..1
 *   counter.<name>            a counter of the run's registry at the end (report.json "counters")
 * A flow metric may be restricted to a window of the run (struct scn_expect.windowed). */
enum scn_metric {
	SCN_METRIC_FLOW_OUTAGE,
	SCN_METRIC_FLOW_THROUGHPUT,
	SCN_METRIC_FLOW_LOSS,
	SCN_METRIC_FLOW_DELAY_P99,
	SCN_METRIC_TUNNEL_UP_AT_END,
	SCN_METRIC_GATEWAY_FAIRNESS,
	SCN_METRIC_COUNTER,
};

/* An expectation over the report: "<metric> <op> <value>", e.g. "flow.web.outage <= 3min" or
 * "tunnel.hq.up_at_end == true". The metric names are those of the report. */
struct scn_expect {
	struct scn_loc loc;
	char *name;
	char *metric;            /* as written: "flow.web.outage" */
	enum scn_metric kind;
	char *subject;           /* the flow or connection name, the counter's name; NULL for gateway.* */
	enum scn_cmp cmp;
	double value;            /* in the metric's base unit (ns, bit/s, bytes, fraction, 0/1) */
	char *text;              /* the value as written, for the report */
	/* Flow metrics only: "before T", "after T" or "between T1 and T2" after the metric restricts
	 * it to [from_ns, to_ns) (to_ns < 0: the end of the run). metric then holds the clause too. */
	bool windowed;
	sim_time from_ns, to_ns;
};

struct scenario {
	char *file;              /* the main file */
	GPtrArray *files;        /* every file read (inheritance), owned strings, main file first */
	GPtrArray *loc_names;    /* owned strings that struct scn_loc.file points to */
	GHashTable *key_locs;    /* "section.key" -> struct scn_loc *: where each value was set */
	char *name;              /* default: the main file's base name without ".ini" */
	char *description;       /* default "" */
	sim_time duration_ns;    /* required, > 0 */
	uint64_t seed;           /* default 1 */
	struct scn_gateway gw;
	GPtrArray *sites;        /* struct scn_site * */
	GPtrArray *connections;  /* struct scn_connection * */
	GPtrArray *paths;        /* struct scn_path * */
	GPtrArray *p2s_groups;   /* struct scn_p2s_group * */
	GPtrArray *flows;        /* struct scn_flow * */
	GPtrArray *faults;       /* struct scn_fault *, sorted by time */
	GPtrArray *expects;      /* struct scn_expect * */
	GPtrArray *attackers;    /* struct scn_attacker * */
};

/* A new scenario with every default of this file applied and empty element lists. */
struct scenario *scenario_new(void);

/* New elements with their defaults (the caller sets names and adds them to the lists). */
struct scn_site *scn_site_new(void);
struct scn_connection *scn_connection_new(void);
struct scn_path *scn_path_new(void);
struct scn_p2s_group *scn_p2s_group_new(void);
struct scn_flow *scn_flow_new(void);
struct scn_fault *scn_fault_new(void);
struct scn_expect *scn_expect_new(void);
struct scn_attacker *scn_attacker_new(void);

/* Where section.key was set ("site.hq", "tunnels"), else where the section began, else the
 * main file with line 0. */
struct scn_loc scenario_loc(const struct scenario *s, const char *section, const char *key);

/* Lookups by name; NULL when absent. */
struct scn_site *scenario_site(const struct scenario *s, const char *name);
struct scn_connection *scenario_connection(const struct scenario *s, const char *name);
struct scn_path *scenario_path(const struct scenario *s, const char *name);
struct scn_p2s_group *scenario_p2s_group(const struct scenario *s, const char *name);
struct scn_flow *scenario_flow(const struct scenario *s, const char *name);

/* Names for enums, as written in scenario files. */
const char *scn_fault_kind_name(enum scn_fault_kind k);
const char *scn_flow_kind_name(enum scn_flow_kind k);
const char *scn_cmp_name(enum scn_cmp c);

void scenario_free(struct scenario *s);
typedef struct scenario scenario; /* for g_autoptr(scenario) */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(scenario, scenario_free)

#endif
