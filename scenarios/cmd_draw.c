/* cmd_draw.c: `vpnsim draw`: the topology diagram of a scenario, without running it; and the
 * overlay `vpnsim run` draws from a run's final state. */
#include "scenarios/cmd.h"

#include "scenarios/build.h"
#include "scenarios/parse.h"
#include "scenarios/validate.h"
#include "viz/plot.h"
#include "viz/topology.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: vpnsim draw FILE [-o OUT.svg|OUT.png|OUT.dot] [--set section.key=value ...]\n"
	"  Draws the scenario's topology with Graphviz (default OUT: <scenario name>.svg).\n"
	"  Exit status: 0 drawn, 2 bad scenario or command line.\n";

int vpnsim_cmd_draw(int argc, char **argv)
{
	const char *file = NULL, *out = NULL;
	g_autoptr(GPtrArray) sets = g_ptr_array_new();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if ((strcmp(a, "-o") == 0 || strcmp(a, "--set") == 0) && i + 1 >= argc) {
			fprintf(stderr, "vpnsim draw: %s needs a value\n%s", a, usage);
			return 2;
		} else if (strcmp(a, "-o") == 0) {
			out = argv[++i];
		} else if (strcmp(a, "--set") == 0) {
			g_ptr_array_add(sets, argv[++i]);
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "vpnsim draw: unknown option '%s'\n%s", a, usage);
			return 2;
		} else if (!file) {
			file = a;
		} else {
			fprintf(stderr, "vpnsim draw: one scenario file at a time\n%s", usage);
			return 2;
		}
	}
	if (!file) {
		fprintf(stderr, "vpnsim draw: no scenario file\n%s", usage);
		return 2;
	}
	struct scn_diags d;
	scn_diags_init(&d);
	struct scenario *s = vpnsim_load(file, sets, &d);
	int rc = 0;
	if (!s || d.errors) {
		rc = 2;
	} else {
		g_autofree char *def = g_strdup_printf("%s.svg", s->name);
		GError *err = NULL;
		if (!viz_topology_render(s, NULL, out ? out : def, NULL, &err)) {
			fprintf(stderr, "vpnsim draw: %s\n", err->message);
			g_error_free(err);
			rc = 2;
		} else {
			printf("%s\n", out ? out : def);
		}
	}
	scenario_free(s);
	scn_diags_clear(&d);
	return rc;
}

bool run_draw(const struct run *r, const char *path, GError **err)
{
	const struct gateway *gw = r->gw;
	struct viz_overlay ov;
	memset(&ov, 0, sizeof ov);
	g_autofree char *label = g_strdup_printf("at the end, t = %.0f s", sim_to_seconds(sim_now(&r->w.sim)));
	ov.time_label = label;
	for (int i = 0; i < 2; i++)
		ov.instance[i] = !gw->inst[i].alive ? VIZ_INSTANCE_DOWN
				 : (gw->cfg.active_active || gw->active == i) ? VIZ_INSTANCE_ACTIVE
									      : VIZ_INSTANCE_STANDBY;
	GArray *tun = g_array_new(FALSE, TRUE, sizeof(struct viz_tunnel_run));
	for (guint c = 0; c < gw->conns->len; c++) {
		const struct gw_connection *conn = gw->conns->pdata[c];
		for (int k = 0; k < 2; k++) {
			if (!gw->cfg.active_active && k != gw->active)
				continue;
			struct viz_tunnel_run t = { conn->name, gw->cfg.active_active ? (unsigned)k : 0,
						    conn->tun[k].up ? VIZ_TUNNEL_UP : VIZ_TUNNEL_DOWN, -1 };
			g_array_append_val(tun, t);
		}
	}
	ov.tunnels = (const struct viz_tunnel_run *)tun->data;
	ov.n_tunnels = tun->len;
	bool ok = viz_topology_render(r->s, &ov, path, NULL, err);
	g_array_free(tun, TRUE);
	return ok;
}

bool run_plot(const struct run *r, const char *dir, GError **err)
{
	const struct scenario *s = r->s;
	guint nf = s->flows->len;
	if (nf == 0)
		return true;
	struct viz_series *series = g_new0(struct viz_series, nf);
	struct viz_mark *marks = g_new0(struct viz_mark, s->faults->len + 1);
	struct viz_window *shaded = g_new0(struct viz_window, nf);
	size_t n_shaded = 0;
	for (guint i = 0; i < nf; i++) {
		const struct traffic_flow *f = r->flows[i];
		series[i].label = f->name;
		series[i].s = f->rx_bytes_series;
		series[i].scale = viz_scale_mbps(f->rx_bytes_series);
		struct traffic_gap g;
		if (run_flow_outage(r, f, &g) > 0) {
			shaded[n_shaded].from_ns = g.from;
			shaded[n_shaded].to_ns = g.to;
			shaded[n_shaded].label = f->name;
			n_shaded++;
		}
	}
	for (guint i = 0; i < s->faults->len; i++) {
		const struct scn_fault *fa = s->faults->pdata[i];
		marks[i].at_ns = fa->at_ns;
		marks[i].label = fa->name;
	}
	g_autofree char *title = g_strdup_printf("%s: received throughput per flow (outages shaded)", s->name);
	bool ok = viz_plot_throughput(dir, "throughput", title, series, nf, marks, s->faults->len, shaded, n_shaded, err);
	g_free(series);
	g_free(marks);
	g_free(shaded);
	return ok;
}
