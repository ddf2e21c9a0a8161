/* build.h: turns a validated scenario description into a running world (gateway, devices,
 * hosts, paths, flows, faults on the timeline), runs it, and answers metric questions about the
 * result. The builder refuses, with the scenario's file:line, what the models cannot simulate
 * yet, rather than approximating it. */
#ifndef SCENARIOS_BUILD_H
#define SCENARIOS_BUILD_H

#include "models/attacker.h"
#include "models/ipsec/ike_pki.h"
#include "models/gateway.h"
#include "models/p2s.h"
#include "scenarios/ini.h"
#include "scenarios/scenario.h"
#include "sim/pcap.h"

struct run_fault {
	const struct scn_fault *f;
	struct run *r;
	double saved_loss;   /* loss-burst: the value to restore */
	struct policy_custom policy; /* policy-change: the new policy, translated at build time */
};

struct run {
	const struct scenario *s;
	struct world w;
	struct gateway *gw;
	struct device **devices;     /* parallel to s->sites */
	struct sim_node **site_hosts;  /* sites with the same prefixes share the first one's host */
	int *lan_owner;               /* per site: the first site with the same prefixes (itself if none) */
	struct sim_iface **lan_iface; /* per site: the shared host's interface toward its device */
	uint32_t *lan_router;         /* per site: its device's address on that LAN */
	struct sim_link **site_paths;
	struct sim_node *vnet_host;
	struct traffic_flow **flows; /* parallel to s->flows */
	struct attacker **attackers; /* parallel to s->attackers */
	struct p2s_group **groups;   /* parallel to s->p2s_groups */
	char *p2s_psk;               /* p2s_auth = psk */
	struct ike_pki_set p2s_pki;   /* p2s_auth = certificate (the default) */
	struct run_fault *faults;    /* parallel to s->faults */
	struct sim_pcap *pcap;
	struct keylog keylog;        /* filled when a capture is written */
};

struct run_opts {
	const char *pcap_path; /* capture of the internet side (NULL: none) */
	bool progress;         /* a progress line on stderr */
	bool stop_early;       /* run_execute stops at until_ns (else at the scenario's duration) */
	sim_time until_ns;
};

/* The models' configurations for a validated scenario, as a run builds them (vpnsim live uses
 * them too, so a live node negotiates exactly what the simulated one does). Strings point into
 * s. false with problems in d when the scenario asks for what cannot be simulated. */
bool run_gateway_cfg(const struct scenario *s, struct gateway_cfg *cfg, struct scn_diags *d);
bool run_connection_cfg(const struct scenario *s, const struct scn_connection *c, struct gw_connection_cfg *cfg,
			struct scn_diags *d);
/* Site i's device (no path-independent hooks: tunnels_changed is left NULL). */
bool run_device_cfg(const struct scenario *s, guint i, struct device_cfg *cfg, struct scn_diags *d);

/* Builds the world for s (which must have passed validation). false with problems in d (at the
 * scenario's file:line) when the scenario asks for what cannot be simulated. */
bool run_build(struct run *r, const struct scenario *s, const struct run_opts *o, struct scn_diags *d);

/* With a capture: writes dir/ (Wireshark's ikev2_decryption_table, esp_sa and preferences) so
 * that `WIRESHARK_CONFIG_DIR=dir tshark -r capture.pcap` decrypts every IKE and ESP packet.
 * Without a capture there is nothing to write and it returns true. */
bool run_write_keys(const struct run *r, const char *dir, GError **err);

/* DIR/throughput.{dat,gp,svg,png}: each flow's received Mbit/s over time, faults marked,
 * every outage (each delivery gap spanning a fault) shaded (gnuplot; without it the .dat and
 * .gp are still written and err says so). */
bool run_plot(const struct run *r, const char *dir, GError **err);

/* The IKE engines keep their own counters: copies them into the run's registry (idempotent;
 * run_execute and report_evaluate call it, so the report sees them). */
void run_export_counters(const struct run *r);

/* Runs until the scenario's duration, or o->until_ns (at most the duration) with o->stop_early. */
void run_execute(struct run *r, const struct run_opts *o);

void run_destroy(struct run *r);

/* The flow's outage: the longest delivery gap spanning one of the scenario's faults (with 1 s of
 * slack for packets in flight), or the longest gap of all when there is no fault. 0: none. */
sim_time run_flow_outage(const struct run *r, const struct traffic_flow *f, const struct traffic_gap *gap_out);

/* Mean received rate over the flow's life (start to stop), bit/s. */
double run_flow_throughput(const struct run *r, size_t flow_index);

/* True when any instance has the connection's tunnel up. */
bool run_connection_up(const struct run *r, const char *connection);

/* Jain's index over the sites' received throughput (all flows from or to each site). */
double run_fairness(const struct run *r);

#endif
