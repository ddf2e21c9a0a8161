/* topology.h: the topology diagram of a scenario (Graphviz cgraph + gvc, laid out by dot):
 * on-prem sites on the left, the internet in the middle, Azure on the right; one edge per
 * tunnel, labelled with its IKE version and cipher. An optional overlay, filled in by a run,
 * shows what the tunnels and gateway instances were doing at one moment.
 *
 * The diagram reads the description only (scenarios/scenario.h) and the overlay; it never
 * looks at a model. Output is deterministic: the same scenario and overlay give the same bytes
 * for a given Graphviz version; SVG and DOT do not even depend on the installed fonts (labels
 * are sized with Graphviz's built-in Helvetica metrics), PNG does (cairo and pango).
 *
 * Graphviz is not thread-safe and keeps its contexts for the process (see topology.c): call
 * these functions from one thread at a time. */
#ifndef VIZ_TOPOLOGY_H
#define VIZ_TOPOLOGY_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "scenarios/scenario.h"

#define VIZ_TOPOLOGY_ERROR (viz_topology_error_quark())
GQuark viz_topology_error_quark(void);

enum viz_topology_error {
	VIZ_TOPOLOGY_ERROR_FORMAT, /* not svg, png or dot (or no extension to guess from) */
	VIZ_TOPOLOGY_ERROR_RENDER, /* Graphviz failed to lay out or render */
	VIZ_TOPOLOGY_ERROR_IO,     /* the output file could not be written */
};

/* What a tunnel is doing. UNKNOWN (0) draws it as configured, without a state. */
enum viz_tunnel_state {
	VIZ_TUNNEL_UNKNOWN = 0,
	VIZ_TUNNEL_UP,          /* solid, green-ish, "UP" and the throughput */
	VIZ_TUNNEL_STANDBY,     /* dashed, amber-ish, "standby": established or configured, idle */
	VIZ_TUNNEL_CONNECTING,  /* dashed, grey, "connecting": IKE under way */
	VIZ_TUNNEL_DOWN,        /* dotted, bold, red-ish, "DOWN" */
};

/* What a gateway instance is doing. UNKNOWN (0): as configured (active-standby: instance 0
 * active, instance 1 standby; active-active: both active). In active-standby the public IP
 * and the tunnels are drawn on the ACTIVE instance (the first one, when both say so). */
enum viz_instance_state {
	VIZ_INSTANCE_UNKNOWN = 0,
	VIZ_INSTANCE_ACTIVE,
	VIZ_INSTANCE_STANDBY,
	VIZ_INSTANCE_DOWN,
};

/* One tunnel of a connection: tunnel `index` (0 or 1; in active-active tunnel k ends on
 * gateway instance k, in active-standby on whichever instance is active). */
struct viz_tunnel_run {
	const char *connection;  /* a scn_connection name */
	unsigned index;
	enum viz_tunnel_state state;
	double throughput_bps;   /* both directions together; < 0: not shown */
};

/* One P2S group: how many of its clients are connected. */
struct viz_p2s_run {
	const char *group;       /* a scn_p2s_group name */
	unsigned connected;
	double throughput_bps;   /* < 0: not shown */
};

/* One internet path: whether it carries packets (path-down faults). */
struct viz_path_run {
	const char *path;        /* a scn_path name */
	bool down;
};

/* The run's state at one moment. Elements that the overlay does not mention are drawn as
 * configured. The overlay's strings belong to the caller. */
struct viz_overlay {
	const char *time_label;  /* e.g. "t = 42 s, after crash0"; NULL: none */
	const char *svg_id;      /* prefix of the SVG's element ids, so that several diagrams can
				    share one HTML page (e.g. "after-crash0"); NULL: none */
	enum viz_instance_state instance[2];
	const struct viz_tunnel_run *tunnels;
	size_t n_tunnels;
	const struct viz_p2s_run *p2s;
	size_t n_p2s;
	const struct viz_path_run *paths;
	size_t n_paths;
};

/* How many tunnel edges the connection gets: the site's tunnel count, at most 1 on an
 * active-standby gateway (one public IP) and at most 2 on an active-active one; 0 when the
 * connection's site does not exist. */
unsigned viz_connection_tunnels(const struct scenario *s, const struct scn_connection *c);

/* Renders the diagram of s (with ov, which may be NULL) to the file at path. format is "svg",
 * "png", "dot" (the graph as built, before layout) or "xdot" (the laid-out graph with its
 * drawing operations, as SVG is laid out: for tools and tests); NULL takes it from path's
 * extension (.svg, .png, .dot or .gv, .xdot). Returns false with err set (VIZ_TOPOLOGY_ERROR)
 * on failure. */
bool viz_topology_render(const struct scenario *s, const struct viz_overlay *ov, const char *out_path,
			 const char *format, GError **err);

/* The format viz_topology_render takes from path's extension (case-insensitive: .svg, .png,
 * .dot or .gv, .xdot), or NULL with err set (VIZ_TOPOLOGY_ERROR_FORMAT). */
const char *viz_topology_format_of(const char *path, GError **err);

/* The same in memory: *len_out receives the length (the buffer is also NUL-terminated).
 * Free with g_free. NULL with err set on failure. */
char *viz_topology_data(const struct scenario *s, const struct viz_overlay *ov, const char *format,
			size_t *len_out, GError **err);

/* The SVG element alone ("<svg ...>...</svg>", without the XML declaration, doctype and
 * comment before it), for embedding in HTML. Tunnel edges have the ids "tunnel:CONN:K" and the
 * classes "tunnel up|standby|connecting|down"; P2S edges "p2s:GROUP" and "p2s up|down"; with
 * ov->svg_id every id starts with that prefix and "-". Free with g_free. */
char *viz_topology_svg(const struct scenario *s, const struct viz_overlay *ov, GError **err);

/* "1 Gbit/s", "48.2 Mbit/s", "950 bit/s": a rate for labels and tables, three significant
 * digits at most. Free with g_free. */
char *viz_format_rate(double bps);

#endif
