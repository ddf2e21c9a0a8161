/* device.h: the on-prem VPN device of a site: a router between the site's LAN and the internet
 * that builds one tunnel, or one per gateway public IP (active-active), with real IKEv2 and ESP.
 *
 * Routing follows the tunnels: the VNet's prefixes go out the first tunnel whose CHILD SA is up
 * (as a device withdrawing BGP routes of a dead tunnel would), and to tunnel 0 when none is. When
 * a tunnel's IKE SA dies (DPD or retransmissions exhausted) the device initiates again after its
 * preset's reconnect delay, and keeps trying. An initiator whose IKE SA lives without a CHILD SA
 * (the CHILD SA was refused, or expired because its rekey was refused) deletes that IKE SA after
 * DEVICE_CHILD_RETRY_NS and starts again: a fresh IKE_AUTH carries a new CHILD SA (periodic drops of a
 * PFS or lifetime mismatch, pain point 1). */
#ifndef MODELS_DEVICE_H
#define MODELS_DEVICE_H

#include "models/ike_node.h"
#include "models/policy.h"
#include "models/world.h"

#define DEVICE_MAX_TUNNELS 2
#define DEVICE_MAX_PREFIXES 8
/* How long an initiator lets an IKE SA live without a CHILD SA before it starts over. */
#define DEVICE_CHILD_RETRY_NS (10 * (int64_t)1000000000)

struct device;


struct device_cfg {
	const char *name;
	enum device_preset preset;
	uint32_t public_ip;
	struct device_prefix local[DEVICE_MAX_PREFIXES];   /* the site's networks */
	size_t n_local;
	struct device_prefix remote[DEVICE_MAX_PREFIXES];  /* the VNet's */
	size_t n_remote;
	uint32_t gateway_ip[DEVICE_MAX_TUNNELS];           /* one tunnel per address */
	uint16_t mss_clamp;  /* TCP MSS clamp on its tunnels, both ways (0: none; Azure advises 1350) */
	size_t n_tunnels;
	const char *psk;
	int64_t dpd_interval_ns;  /* 0: the preset's */
	struct policy_custom policy; /* the connection's custom policy, mirrored (custom false: none) */
	int64_t ike_lifetime_ns;  /* overrides (0: keep): where the device differs from Azure */
	int64_t child_lifetime_ns;
	int pfs_group;            /* > 0: the device asks for PFS with this group when it rekeys */
	struct device_prefix ts[DEVICE_MAX_PREFIXES]; /* selectors it proposes for its side, with
						       * the VNet's prefixes for the other (a
						       * policy-based device's ACL); n_ts 0: any-to-any */
	size_t n_ts;
	int ike_version;          /* 1 or 2 (0: 2); IKEv1 rekeys phase 1 make-before-break */
	bool initiator;           /* initiate at start_ns (else wait for the gateway) */
	/* Called whenever a tunnel of the device comes up or goes down (or it reboots): a LAN
	 * shared with another device re-points its routes (NULL: nobody listens). */
	void (*tunnels_changed)(void *ctx, struct device *d);
	void *tunnels_changed_ctx;
	sim_time start_ns;
	struct sim_link_params path_up, path_down; /* the site's internet path */
};

struct device_tunnel {
	struct device *dev;
	int index;
	int peer;                 /* in the IKE endpoint */
	struct ipsec_tunnel *t;
	bool child_up;
	uint64_t ike_sa;          /* the IKE SA we track (0: none) */
	sim_event_id reconnect;
	uint64_t *c_ups, *c_downs, *c_initiations, *c_childless_resets;
	sim_time last_up, last_down;
};

struct device {
	struct world *w;
	struct device_cfg cfg;
	char *name;
	struct sim_node *node;
	struct sim_iface *wan;
	struct ipsec_node in;
	struct ike_node ike;
	struct device_tunnel tun[DEVICE_MAX_TUNNELS];
	int routed;               /* tunnel the VNet routes point at */
	bool up;                  /* false while rebooting */
};

/* The device's reconnect rules: initiate again this long after its IKE SA died with none left;
 * tear down and rebuild an IKE SA left without a CHILD SA after this long. */
int64_t device_reconnect_ns(const struct device_cfg *cfg);
int64_t device_child_retry_ns(const struct device_cfg *cfg);

/* The IKE peer configuration the device uses for tunnel `tunnel` (name left NULL): its preset,
 * the connection's custom policy mirrored, its own lifetimes, PFS and selectors. The one
 * definition both simulations and vpnsim live use. */
void device_peer_cfg(const struct device_cfg *cfg, size_t tunnel, struct ike_peer_cfg *out);

/* Builds the device on w (a node called cfg->name attached to the internet with its path) and,
 * when cfg->initiator, schedules its first initiation. NULL with err on a bad configuration. */
struct device *device_new(struct world *w, const struct device_cfg *cfg, GError **err);
void device_free(struct device *d);

/* Copies the device's IKE counters into the world's registry (ike/<name>/...); again at free. */
void device_export_counters(const struct device *d);

/* A host on the site's LAN (addr inside the first local prefix; the device takes router_addr). */
struct sim_node *device_add_host(struct device *d, const char *name, uint32_t addr, uint32_t router_addr);

/* Joins the device to another device's LAN host (one network behind two devices): a second link
 * from host (at host_addr) to the device (at router_addr). The host's default route is left
 * alone; the caller points it at whichever device should carry its traffic. Returns the host's
 * interface on the new link. */
struct sim_iface *device_join_host(struct device *d, struct sim_node *host, uint32_t host_addr, uint32_t router_addr);

/* The device's PSK changes (an on-prem change not made in Azure): its SAs keep working, the
 * next authentication uses the new key (and fails if the gateway kept the old one). */
void device_set_psk(struct device *d, const char *psk);

/* The device's proposals become this custom policy (an on-prem change): SAs in place keep
 * working; rekeys and new SAs propose only it (and fail with NO_PROPOSAL_CHOSEN where the
 * gateway does not accept it). */
void device_set_policy(struct device *d, const struct policy_custom *policy);

/* True when any tunnel of the device has a CHILD SA installed. */
bool device_any_tunnel_up(const struct device *d);

/* True when tunnel i has an installed CHILD SA. */
static inline bool device_tunnel_up(const struct device *d, int i) { return d->tun[i].child_up; }

/* Reboot: all IKE/ESP state is lost and the device is unreachable for down_ns; then it starts
 * again (initiating if it is an initiator). */
void device_reboot(struct device *d, sim_time down_ns);

#endif
