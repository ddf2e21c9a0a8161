/* cmd_draw.c: `vpnsim draw`: the topology diagram of a scenario as configured, or (--at) as a
 * run saw it at one instant; and the throughput plot of `vpnsim run`. */
#include "scenarios/cmd.h"

#include "scenarios/build.h"
#include "scenarios/history.h"
#include "scenarios/parse.h"
#include "scenarios/units.h"
#include "scenarios/validate.h"
#include "viz/plot.h"
#include "viz/topology.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: vpnsim draw FILE [-o OUT.svg|OUT.png|OUT.dot] [--at TIME] [--seed N] [--set section.key=value ...]\n"
	"  Draws the scenario's topology with Graphviz (default OUT: <scenario name>.svg).\n"
	"  --at TIME  runs the scenario (as `vpnsim run` does) up to TIME (\"45 s\", \"2 min\"; at most\n"
	"             its duration) and draws it as it was then: instances, tunnels UP / standby /\n"
	"             connecting / DOWN with the throughput each carried in the second before,\n"
	"             P2S clients connected, paths down\n"
	"  Exit status: 0 drawn, 2 bad scenario or command line.\n";

struct draw_args {
	const char *file, *out, *at;
	GPtrArray *sets;
	uint64_t seed;
	bool seed_set;
};

/* 0: parsed; 1: --help printed; 2: bad (printed). */
static int parse_args(int argc, char **argv, struct draw_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		bool valued = strcmp(s, "-o") == 0 || strcmp(s, "--set") == 0 || strcmp(s, "--at") == 0 ||
			      strcmp(s, "--seed") == 0;
		if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			fputs(usage, stdout);
			return 1;
		} else if (valued && i + 1 >= argc) {
			fprintf(stderr, "vpnsim draw: %s needs a value\n%s", s, usage);
			return 2;
		} else if (strcmp(s, "-o") == 0) {
			a->out = argv[++i];
		} else if (strcmp(s, "--set") == 0) {
			g_ptr_array_add(a->sets, argv[++i]);
		} else if (strcmp(s, "--at") == 0) {
			a->at = argv[++i];
		} else if (strcmp(s, "--seed") == 0) {
			if (vpnsim_parse_seed(argv[++i], &a->seed) != 0) {
				fprintf(stderr, "vpnsim draw: --seed: expected a non-negative integer, found '%s'\n", argv[i]);
				return 2;
			}
			a->seed_set = true;
		} else if (s[0] == '-' && s[1]) {
			fprintf(stderr, "vpnsim draw: unknown option '%s'\n%s", s, usage);
			return 2;
		} else if (!a->file) {
			a->file = s;
		} else {
			fprintf(stderr, "vpnsim draw: one scenario file at a time\n%s", usage);
			return 2;
		}
	}
	if (!a->file) {
		fprintf(stderr, "vpnsim draw: no scenario file\n%s", usage);
		return 2;
	}
	return 0;
}

/* --at's value as an instant of s; false with the reason printed. */
static bool parse_at(const struct scenario *s, const char *text, sim_time *t)
{
	enum units_result u = units_duration(text, t);
	if (u != UNITS_OK) {
		fprintf(stderr, "vpnsim draw: --at '%s': %s (a duration: %s)\n", text, units_result_str(u),
			units_duration_list);
		return false;
	}
	if (*t > s->duration_ns) {
		fprintf(stderr, "vpnsim draw: --at '%s' is beyond the scenario's duration (%.9g s)\n", text,
			sim_to_seconds(s->duration_ns));
		return false;
	}
	return true;
}

/* Runs s up to t (as `vpnsim run` does, without writing anything else) and draws it then. 2 when
 * it cannot be simulated (printed); false with err when drawing fails. */
static int draw_run_at(const struct scenario *s, sim_time t, const char *out, GError **err)
{
	struct scn_diags d;
	scn_diags_init(&d);
	struct run r;
	struct run_opts ro = { .progress = false };
	int rc = 0;
	if (!run_build(&r, s, &ro, &d)) {
		vpnsim_print_diags(&d);
		rc = 2;
	} else {
		struct history h;
		history_init(&h, &r, t);
		history_run(&r, &h, &ro);
		g_autofree char *label = g_strdup_printf("t = %.3f s", sim_to_seconds(t));
		if (!history_draw_at(&h, t, label, NULL, out, NULL, err))
			rc = 1;
		history_destroy(&h);
	}
	run_destroy(&r);
	scn_diags_clear(&d);
	return rc;
}

/* Draws the loaded scenario at a->out (or def); returns the exit status. */
static int draw(const struct draw_args *a, const struct scenario *s, const char *path)
{
	GError *err = NULL;
	sim_time t = 0;
	int rc = 0;
	if (!viz_topology_format_of(path, &err) || (a->at && !parse_at(s, a->at, &t)))
		rc = 2;
	else if (a->at)
		rc = draw_run_at(s, t, path, &err);
	else if (!viz_topology_render(s, NULL, path, NULL, &err))
		rc = 1;
	if (err) {
		fprintf(stderr, "vpnsim draw: %s\n", err->message);
		g_error_free(err);
		rc = 2;
	}
	if (rc == 0)
		printf("%s\n", path);
	return rc;
}

int vpnsim_cmd_draw(int argc, char **argv)
{
	struct draw_args a = { .sets = g_ptr_array_new() };
	int rc = parse_args(argc, argv, &a);
	if (rc != 0) {
		g_ptr_array_free(a.sets, TRUE);
		return rc == 1 ? 0 : 2;
	}
	struct scn_diags d;
	scn_diags_init(&d);
	struct scenario *s = vpnsim_load(a.file, a.sets, &d);
	if (!s || d.errors) {
		rc = 2;
	} else {
		if (a.seed_set)
			s->seed = a.seed;
		g_autofree char *def = g_strdup_printf("%s.svg", s->name);
		rc = draw(&a, s, a.out ? a.out : def);
	}
	scenario_free(s);
	scn_diags_clear(&d);
	g_ptr_array_free(a.sets, TRUE);
	return rc;
}

/* The flow's outage windows into w (at most one per fault, or the longest gap without faults):
 * every delivery gap spanning a fault, each once. Returns how many. */
static size_t flow_outages(const struct run *r, const struct traffic_flow *f, struct viz_window *w)
{
	const struct scenario *s = r->s;
	sim_time now = sim_now(&r->w.sim);
	size_t n = 0;
	struct traffic_gap g;
	if (s->faults->len == 0 && traffic_gap_spanning(f, -1, 0, now, &g))
		w[n++] = (struct viz_window){ g.from, g.to, f->name };
	for (guint i = 0; i < s->faults->len; i++) {
		const struct scn_fault *fa = s->faults->pdata[i];
		if (!traffic_gap_spanning(f, fa->at_ns, SIM_NS_PER_S, now, &g))
			continue;
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = w[k].from_ns == g.from && w[k].to_ns == g.to;
		if (!seen)
			w[n++] = (struct viz_window){ g.from, g.to, f->name };
	}
	return n;
}

bool run_plot(const struct run *r, const char *dir, GError **err)
{
	const struct scenario *s = r->s;
	guint nf = s->flows->len;
	if (nf == 0)
		return true;
	struct viz_series *series = g_new0(struct viz_series, nf);
	struct viz_mark *marks = g_new0(struct viz_mark, s->faults->len + 1);
	struct viz_window *shaded = g_new0(struct viz_window, nf * (s->faults->len + 1));
	size_t n_shaded = 0;
	for (guint i = 0; i < nf; i++) {
		const struct traffic_flow *f = r->flows[i];
		series[i].label = f->name;
		series[i].s = f->rx_bytes_series;
		series[i].scale = viz_scale_mbps(f->rx_bytes_series);
		n_shaded += flow_outages(r, f, shaded + n_shaded);
	}
	for (guint i = 0; i < s->faults->len; i++) {
		const struct scn_fault *fa = s->faults->pdata[i];
		marks[i].at_ns = fa->at_ns;
		marks[i].label = fa->name;
	}
	g_autofree char *title = g_strdup_printf("%s: received throughput per flow (every outage shaded)", s->name);
	bool ok = viz_plot_throughput(dir, "throughput", title, series, nf, marks, s->faults->len, shaded, n_shaded, err);
	g_free(series);
	g_free(marks);
	g_free(shaded);
	return ok;
}
