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

/* Where a value came from: "file:line" for messages. file is owned by the scenario. */
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
 * one custom proposal for each phase, as Azure's custom policy has. */
struct scn_policy {
	bool custom;
	/* IKE (phase 1) */
	char *ike_encryption;  /* "GCMAES256", "AES256", ... (Azure's names) */
	char *ike_integrity;   /* "SHA256", "SHA384", "GCMAES256", ... */
	char *dh_group;        /* "DHGroup14", "ECP256", "DHGroup24", ... */
	/* IPsec (phase 2) */
	char *ipsec_encryption;
	char *ipsec_integrity;
	char *pfs_group;       /* "None", "PFS2048", "ECP256", ... */
	sim_time ike_lifetime_ns;   /* IKE SA; 28,800 s */
	sim_time sa_lifetime_ns;    /* CHILD SA; 27,000 s RouteBased, 3,600 s PolicyBased */
	uint64_t sa_lifetime_bytes; /* 102,400,000 KB */
	sim_time dpd_timeout_ns;    /* 45 s; 9 s to 3600 s */
};

struct scn_gateway {
	struct scn_loc loc;
	char *name;              /* "azure-gw" */
	char *sku;               /* "VpnGw2" */
	int generation;          /* 1 or 2 (0: the SKU's default) */
	enum scn_vpn_type type;
	enum scn_gw_mode mode;
	GArray *vnet;            /* struct scn_prefix: the VNet's address space */
	uint32_t public_ip[2];   /* [1] only in active-active */
	/* failure detection and takeover between the two instances */
	sim_time health_probe_interval_ns;
	unsigned health_probe_threshold; /* missed probes before the standby takes over */
	sim_time takeover_delay_ns;      /* from detection to the standby owning the IP */
	sim_time planned_handover_ns;    /* planned maintenance: deliberate handover time */
	/* point-to-site */
	bool p2s;
	struct scn_prefix p2s_pool;
	uint64_t queue_bytes;    /* the instance's processing queue */
};

/* An on-prem device model preset: retransmission schedule, DPD and reconnect behaviour after
 * a known implementation. */
enum scn_device_preset { SCN_DEV_STRONGSWAN, SCN_DEV_IKED, SCN_DEV_GENERIC };

struct scn_site {
	struct scn_loc loc;
	char *name;
	enum scn_device_preset device;
	uint32_t public_ip;
	GArray *prefixes;        /* struct scn_prefix: the on-prem networks */
	unsigned tunnels;        /* 1, or 2 (one per gateway public IP, for active-active) */
	sim_time dpd_interval_ns; /* 0: the preset's */
	bool initiator;          /* the device initiates (the default); else it waits for Azure */
};

struct scn_connection {
	struct scn_loc loc;
	char *name;
	char *site;              /* a scn_site name */
	enum scn_ike_version ike;
	char *psk;
	struct scn_policy policy;
	bool policy_based_ts;    /* UsePolicyBasedTrafficSelectors */
};

/* An internet path between a site (or a P2S group) and the gateway, both directions alike
 * unless the _down keys are given. */
struct scn_path {
	struct scn_loc loc;
	char *name;
	char *from;              /* a site or P2S group */
	uint64_t rate_bps, rate_down_bps;
	sim_time delay_ns;
	sim_time jitter_ns;
	double loss;             /* Bernoulli */
	double burst_loss_mean;  /* Gilbert-Elliott mean burst length in packets; 0: none */
	uint64_t queue_bytes;
	uint32_t mtu;
};

struct scn_p2s_group {
	struct scn_loc loc;
	char *name;
	unsigned count;
	sim_time arrive_from_ns, arrive_to_ns; /* clients connect uniformly over this window */
	sim_time reconnect_min_ns, reconnect_max_ns; /* back-off bounds after a drop */
};

enum scn_flow_kind { SCN_FLOW_CBR, SCN_FLOW_POISSON, SCN_FLOW_ONOFF, SCN_FLOW_BULK };

struct scn_flow {
	struct scn_loc loc;
	char *name;
	char *from, *to;          /* "site:NAME", "vnet", "p2s:GROUP" */
	enum scn_flow_kind kind;
	uint64_t rate_bps;
	uint32_t packet_bytes;
	sim_time start_ns, stop_ns;
	sim_time on_ns, off_ns;
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
};

struct scn_fault {
	struct scn_loc loc;
	char *name;
	enum scn_fault_kind kind;
	sim_time at_ns;
	char *target;
	sim_time duration_ns;
	double value;
	char *text;
};

enum scn_cmp { SCN_LT, SCN_LE, SCN_GT, SCN_GE, SCN_EQ, SCN_NE };

/* An expectation over the report: "<metric> <op> <value>", e.g. "flow.web.outage <= 3min" or
 * "tunnel.hq.up_at_end == true". The metric names are those of the report. */
struct scn_expect {
	struct scn_loc loc;
	char *name;
	char *metric;
	enum scn_cmp cmp;
	double value;            /* in the metric's base unit (ns, bit/s, bytes, fraction, 0/1) */
	char *text;              /* the value as written, for the report */
};

struct scenario {
	char *file;              /* the main file */
	GPtrArray *files;        /* every file read (inheritance), owned strings */
	char *name;
	char *description;
	sim_time duration_ns;
	uint64_t seed;
	struct scn_gateway gw;
	GPtrArray *sites;        /* struct scn_site * */
	GPtrArray *connections;  /* struct scn_connection * */
	GPtrArray *paths;        /* struct scn_path * */
	GPtrArray *p2s_groups;   /* struct scn_p2s_group * */
	GPtrArray *flows;        /* struct scn_flow * */
	GPtrArray *faults;       /* struct scn_fault *, sorted by time */
	GPtrArray *expects;      /* struct scn_expect * */
};

void scenario_free(struct scenario *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(scenario, scenario_free)

#endif
