/* cmd_run.c: `vpnsim run`: parse, validate, build, run, report, verdict. While the run goes, it
 * keeps the history that the report's pictures need (tunnel, instance and path states over time,
 * each instance's processor utilisation), and afterwards draws the topology before and after
 * each fault, the tunnel-state and utilisation plots, DIR/timeline.csv and DIR/report.html. */
#include "scenarios/cmd.h"

#include "scenarios/history.h"
#include "scenarios/parse.h"
#include "scenarios/report.h"
#include "scenarios/validate.h"
#include "viz/html.h"
#include "viz/plot.h"
#include "viz/topology.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: vpnsim run FILE [--out DIR] [--seed N] [--set section.key=value ...] [--pcap] [--quiet]\n"
	"  Runs a scenario and checks its expectations. Exit status: 0 all hold, 1 one failed,\n"
	"  2 the scenario or the command line is wrong.\n"
	"  --out DIR    where report.html, report.json, series.csv, timeline.csv, the plots and the\n"
	"               diagrams go (default: out/<name>)\n"
	"  --seed N     overrides the scenario's seed\n"
	"  --set S.K=V  overrides a value, repeatable\n"
	"  --pcap       also write DIR/capture.pcap (the sites' internet paths) and DIR/wireshark/,\n"
	"               the key tables with which tshark decrypts every IKE and ESP packet\n"
	"  --quiet      print only the verdict line\n";

/* ---- what the history draws ---- */

static void fill_marks(const struct scenario *s, struct viz_mark *marks)
{
	for (guint i = 0; i < s->faults->len; i++) {
		const struct scn_fault *f = s->faults->pdata[i];
		marks[i].at_ns = f->at_ns;
		marks[i].label = f->name;
	}
}

static struct sim_series *series_new(const char *name, sim_time bin_ns)
{
	struct sim_series *se = g_new0(struct sim_series, 1);
	se->name = g_strdup(name);
	se->bin_ns = bin_ns;
	se->bins = g_array_new(FALSE, TRUE, sizeof(double));
	return se;
}

static void series_free(void *p)
{
	struct sim_series *se = p;
	g_free(se->name);
	g_array_free(se->bins, TRUE);
	g_free(se);
}

/* DIR/tunnels.*: one lane per tunnel, DOWN in a bin when it was down at any moment of it. */
static bool plot_tunnels(const struct history *h, const char *dir, GError **err)
{
	const struct scenario *s = h->r->s;
	guint n = h->tunnels->len;
	if (n == 0)
		return true;
	g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(series_free);
	struct viz_series *lanes = g_new0(struct viz_series, n);
	size_t bins = (size_t)((s->duration_ns + h->bin_ns - 1) / h->bin_ns);
	for (guint i = 0; i < n; i++) {
		const struct lane *l = h->tunnels->pdata[i];
		struct sim_series *se = series_new(l->label, h->bin_ns);
		for (size_t b = 0; b < bins; b++) {
			double v = lane_worst(l, (sim_time)b * h->bin_ns, (sim_time)(b + 1) * h->bin_ns);
			g_array_append_val(se->bins, v);
		}
		g_ptr_array_add(keep, se);
		lanes[i] = (struct viz_series){ l->label, se, 1.0 };
	}
	struct viz_mark *marks = g_new0(struct viz_mark, s->faults->len + 1);
	fill_marks(s, marks);
	g_autofree char *title = g_strdup_printf("%s: tunnel states (a lane per tunnel; faults dashed)", s->name);
	bool ok = viz_plot_states(dir, "tunnels", title, lanes, n, marks, s->faults->len, NULL, 0, err);
	g_free(lanes);
	g_free(marks);
	return ok;
}

/* A tunnel lane's inner bytes per GW_BYTES_BIN_NS bin over the run (both instances' tunnels
 * summed for an active-standby lane), as a new series. */
static struct sim_series *lane_bytes(const struct history *h, const struct lane *l)
{
	const struct gw_connection *c = h->r->gw->conns->pdata[l->conn];
	struct sim_series *se = series_new(l->label, GW_BYTES_BIN_NS);
	size_t bins = (size_t)((h->end_ns + GW_BYTES_BIN_NS - 1) / GW_BYTES_BIN_NS);
	for (size_t b = 0; b < bins; b++) {
		double v = 0;
		for (int k = 0; k < 2; k++)
			if (l->k < 0 || l->k == k)
				v += sim_series_bin(c->tun[k].bytes, b);
		g_array_append_val(se->bins, v);
	}
	return se;
}

/* DIR/tunnel-throughput.*: each tunnel's measured throughput (inner bytes, both directions). */
static bool plot_tunnel_throughput(const struct history *h, const char *dir, GError **err)
{
	const struct scenario *s = h->r->s;
	guint n = h->tunnels->len;
	if (n == 0)
		return true;
	g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(series_free);
	struct viz_series *series = g_new0(struct viz_series, n);
	for (guint i = 0; i < n; i++) {
		const struct lane *l = h->tunnels->pdata[i];
		struct sim_series *se = lane_bytes(h, l);
		g_ptr_array_add(keep, se);
		series[i] = (struct viz_series){ l->label, se, viz_scale_mbps(se) };
	}
	struct viz_mark *marks = g_new0(struct viz_mark, s->faults->len + 1);
	fill_marks(s, marks);
	g_autofree char *title = g_strdup_printf("%s: throughput per tunnel (inner bytes, both directions)", s->name);
	bool ok = viz_plot_throughput(dir, "tunnel-throughput", title, series, n, marks, s->faults->len, NULL, 0, err);
	g_free(series);
	g_free(marks);
	return ok;
}

/* DIR/utilisation.*: each instance's processor busy time per bin, in %. */
static bool plot_utilisation(const struct history *h, const char *dir, GError **err)
{
	const struct scenario *s = h->r->s;
	struct sim_series *se[2];
	struct viz_series series[2];
	char *labels[2];
	for (int i = 0; i < 2; i++) {
		labels[i] = g_strdup_printf("instance %d", i);
		se[i] = series_new(labels[i], h->bin_ns);
		for (guint b = 1; b < h->busy[i]->len; b++) {
			double d = (double)(g_array_index(h->busy[i], uint64_t, b) - g_array_index(h->busy[i], uint64_t, b - 1));
			double v = 100.0 * d / (double)h->bin_ns;
			g_array_append_val(se[i]->bins, v);
		}
		series[i] = (struct viz_series){ labels[i], se[i], 1.0 };
	}
	struct viz_mark *marks = g_new0(struct viz_mark, s->faults->len + 1);
	fill_marks(s, marks);
	g_autofree char *title = g_strdup_printf("%s: gateway processor utilisation per instance", s->name);
	struct viz_plot p = {
		.title = title,
		.ylabel = "utilisation (%)",
		.series = series,
		.n_series = 2,
		.marks = marks,
		.n_marks = s->faults->len,
		.end_ns = s->duration_ns,
	};
	bool ok = viz_plot_write(dir, "utilisation", &p, err);
	for (int i = 0; i < 2; i++) {
		series_free(se[i]);
		g_free(labels[i]);
	}
	g_free(marks);
	return ok;
}

/* DIR/p2s.*: each P2S group's connected clients over time (read at the end of each bin). */
static bool plot_p2s(const struct history *h, const char *dir, GError **err)
{
	const struct scenario *s = h->r->s;
	guint n = h->p2s->len;
	if (n == 0)
		return true;
	g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(series_free);
	struct viz_series *series = g_new0(struct viz_series, n);
	size_t bins = (size_t)((s->duration_ns + h->bin_ns - 1) / h->bin_ns);
	for (guint i = 0; i < n; i++) {
		const struct lane *l = h->p2s->pdata[i];
		struct sim_series *se = series_new(l->label, h->bin_ns);
		for (size_t b = 0; b < bins; b++) {
			double v = lane_at(l, MIN((sim_time)(b + 1) * h->bin_ns, s->duration_ns));
			g_array_append_val(se->bins, v);
		}
		g_ptr_array_add(keep, se);
		series[i] = (struct viz_series){ l->label, se, 1.0 };
	}
	struct viz_mark *marks = g_new0(struct viz_mark, s->faults->len + 1);
	fill_marks(s, marks);
	g_autofree char *title = g_strdup_printf("%s: point-to-site clients connected", s->name);
	struct viz_plot p = {
		.title = title,
		.ylabel = "clients connected",
		.series = series,
		.n_series = n,
		.marks = marks,
		.n_marks = s->faults->len,
		.end_ns = s->duration_ns,
	};
	bool ok = viz_plot_write(dir, "p2s", &p, err);
	g_free(series);
	g_free(marks);
	return ok;
}

/* When the world has settled after fault i: the latest of each connection's re-establishment,
 * the end of an outage that began with the fault, and the fault's own end, plus 1 s; before the
 * next fault and the end of the run. With none of those: just before the next fault (or the
 * end). */
static sim_time settled_after(const struct run *r, guint i)
{
	const struct scenario *s = r->s;
	const struct scn_fault *f = s->faults->pdata[i];
	sim_time limit = s->duration_ns;
	for (guint j = i + 1; j < s->faults->len; j++) {
		sim_time at = ((const struct scn_fault *)s->faults->pdata[j])->at_ns;
		if (at > f->at_ns) {
			limit = at - 1;
			break;
		}
	}
	sim_time t = -1;
	for (guint c = 0; c < r->gw->conns->len; c++) {
		sim_time up = gateway_connection_up_after(r->gw->conns->pdata[c], f->at_ns);
		if (up >= 0 && up < limit)
			t = MAX(t, up);
	}
	for (guint k = 0; k < s->flows->len; k++) {
		struct traffic_gap g;
		if (run_flow_outage(r, r->flows[k], &g) > 0 && g.from <= f->at_ns + SIM_NS_PER_S && g.to >= f->at_ns &&
		    g.to < limit)
			t = MAX(t, g.to);
	}
	if (f->duration_ns > 0 && f->at_ns + f->duration_ns < limit)
		t = MAX(t, f->at_ns + f->duration_ns);
	if (t < 0)
		return limit;
	return MIN(t + SIM_NS_PER_S, limit);
}

static void csv_time(GString *o, sim_time t)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	g_string_append(o, g_ascii_formatd(buf, sizeof buf, "%.9f", sim_to_seconds(t)));
}

struct row {
	sim_time t;
	int order; /* faults first at one instant, then instances, paths, tunnels, snapshots */
	guint seq;
	char *text;
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->order != y->order)
		return x->order - y->order;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void add_row(GArray *rows, sim_time t, int order, char *text)
{
	struct row r = { t, order, rows->len, text };
	g_array_append_val(rows, r);
}

static const char *tunnel_word(int st)
{
	switch (st) {
	case VIZ_TUNNEL_UP:
		return "up";
	case VIZ_TUNNEL_STANDBY:
		return "standby";
	case VIZ_TUNNEL_CONNECTING:
		return "connecting";
	case VIZ_TUNNEL_DOWN:
		return "down";
	}
	return "unknown";
}

static const char *instance_word(int st)
{
	return st == VIZ_INSTANCE_ACTIVE ? "active" : st == VIZ_INSTANCE_STANDBY ? "standby" : "down";
}

static void add_lane_rows(GArray *rows, const struct lane *l, int order, const char *kind,
			  const char *(*word)(int))
{
	for (guint i = 1; i < l->changes->len; i++) {
		const struct change *c = &g_array_index(l->changes, struct change, i);
		add_row(rows, c->t, order, g_strdup_printf("%s,%s,%s", kind, l->label, word(c->state)));
	}
}

static const char *path_word(int st)
{
	return st ? "up" : "down";
}

/* DIR/timeline.csv: time_s,kind,subject,state: every fault, every change of a tunnel, an
 * instance or a path, and the instants the before/after diagrams show (kind "snapshot", subject
 * the file, state "before NAME" or "after NAME"). */
static bool write_timeline(const struct history *h, const sim_time *after, const char *dir, GError **err)
{
	const struct scenario *s = h->r->s;
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(struct row));
	for (guint i = 0; i < s->faults->len; i++) {
		const struct scn_fault *f = s->faults->pdata[i];
		add_row(rows, f->at_ns, 0, g_strdup_printf("fault,%s,%s %s", f->name, scn_fault_kind_name(f->kind), f->target));
		add_row(rows, f->at_ns - 1, 4, g_strdup_printf("snapshot,topology-%u-before.svg,before %s", i, f->name));
		add_row(rows, after[i], 4, g_strdup_printf("snapshot,topology-%u-after.svg,after %s", i, f->name));
	}
	for (int i = 0; i < 2; i++)
		add_lane_rows(rows, &h->inst[i], 1, "instance", instance_word);
	for (guint i = 0; i < h->paths->len; i++)
		add_lane_rows(rows, h->paths->pdata[i], 2, "path", path_word);
	for (guint i = 0; i < h->tunnels->len; i++)
		add_lane_rows(rows, h->tunnels->pdata[i], 3, "tunnel", tunnel_word);
	g_array_sort(rows, row_cmp);
	GString *o = g_string_new("time_s,kind,subject,state\n");
	for (guint i = 0; i < rows->len; i++) {
		struct row *r = &g_array_index(rows, struct row, i);
		csv_time(o, r->t);
		g_string_append_printf(o, ",%s\n", r->text);
		g_free(r->text);
	}
	g_array_free(rows, TRUE);
	g_autofree char *path = g_build_filename(dir, "timeline.csv", NULL);
	bool ok = g_file_set_contents(path, o->str, -1, err);
	g_string_free(o, TRUE);
	return ok;
}

/* Everything drawn from the history; a missing gnuplot costs the plots, not the run (warned). */
static bool write_history(const struct history *h, const char *dir, GError **err)
{
	const struct scenario *s = h->r->s;
	sim_time *after = g_new0(sim_time, s->faults->len + 1);
	bool ok = true;
	for (guint i = 0; ok && i < s->faults->len; i++) {
		const struct scn_fault *f = s->faults->pdata[i];
		after[i] = settled_after(h->r, i);
		g_autofree char *bl = g_strdup_printf("t = %.3f s, just before %s (%s)", sim_to_seconds(f->at_ns), f->name,
						      scn_fault_kind_name(f->kind));
		g_autofree char *al = g_strdup_printf("t = %.3f s, %.3f s after %s (%s)", sim_to_seconds(after[i]),
						      sim_to_seconds(after[i] - f->at_ns), f->name,
						      scn_fault_kind_name(f->kind));
		g_autofree char *bid = g_strdup_printf("f%u-before", i);
		g_autofree char *aid = g_strdup_printf("f%u-after", i);
		g_autofree char *bp = g_strdup_printf("%s/topology-%u-before.svg", dir, i);
		g_autofree char *ap = g_strdup_printf("%s/topology-%u-after.svg", dir, i);
		ok = history_draw_at(h, f->at_ns - 1, bl, bid, bp, "svg", err) &&
		     history_draw_at(h, after[i], al, aid, ap, "svg", err);
	}
	ok = ok && write_timeline(h, after, dir, err);
	g_free(after);
	if (!ok)
		return false;
	GError *perr = NULL;
	if (!plot_tunnels(h, dir, &perr) || !plot_tunnel_throughput(h, dir, &perr) || !plot_utilisation(h, dir, &perr) ||
	    !plot_p2s(h, dir, &perr)) {
		fprintf(stderr, "vpnsim run: no plot: %s\n", perr->message);
		g_error_free(perr);
	}
	return true;
}

/* DIR/report.html from DIR/report.json and the pictures beside it. */
static bool write_html(const char *dir, GError **err)
{
	g_autofree char *jp = g_build_filename(dir, "report.json", NULL);
	g_autofree char *hp = g_build_filename(dir, "report.html", NULL);
	JsonParser *p = json_parser_new();
	bool ok = json_parser_load_from_file(p, jp, err) && viz_html_report(json_parser_get_root(p), dir, hp, err);
	g_object_unref(p);
	return ok;
}

/* ---- the verb ---- */

int vpnsim_run_option(const char *verb, const char *verb_usage, int argc, char **argv, int *i, const char **out,
		      GPtrArray *sets, uint64_t *seed, bool *seed_set)
{
	const char *s = argv[*i];
	if (strcmp(s, "--out") != 0 && strcmp(s, "--set") != 0 && strcmp(s, "--seed") != 0)
		return -1;
	if (*i + 1 >= argc) {
		fprintf(stderr, "vpnsim %s: %s needs a value\n%s", verb, s, verb_usage);
		return 2;
	}
	const char *v = argv[++*i];
	if (strcmp(s, "--out") == 0) {
		*out = v;
	} else if (strcmp(s, "--set") == 0) {
		g_ptr_array_add(sets, (char *)v);
	} else if (vpnsim_parse_seed(v, seed) != 0) {
		fprintf(stderr, "vpnsim %s: --seed: expected a non-negative integer, found '%s'\n", verb, v);
		return 2;
	} else {
		*seed_set = true;
	}
	return 0;
}

/* 0: parsed; 2: bad command line (message printed); 1: --help printed. */
static int parse_args(int argc, char **argv, struct vpnsim_run_args *a)
{
	int r;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			fputs(usage, stdout);
			return 1;
		} else if (strcmp(s, "--quiet") == 0 || strcmp(s, "-q") == 0) {
			a->quiet = true;
		} else if (strcmp(s, "--pcap") == 0) {
			a->pcap = true;
		} else if ((r = vpnsim_run_option("run", usage, argc, argv, &i, &a->out, a->sets, &a->seed, &a->seed_set)) >= 0) {
			if (r == 2)
				return 2;
		} else if (s[0] == '-' && s[1]) {
			fprintf(stderr, "vpnsim run: unknown option '%s'\n%s", s, usage);
			return 2;
		} else if (!a->file) {
			a->file = s;
		} else {
			fprintf(stderr, "vpnsim run: one scenario file at a time (found '%s' after '%s')\n", s, a->file);
			return 2;
		}
	}
	if (!a->file) {
		fprintf(stderr, "vpnsim run: no scenario file\n%s", usage);
		return 2;
	}
	return 0;
}

int vpnsim_parse_seed(const char *v, uint64_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || !*v || *end || v[0] == '-')
		return -1;
	*out = x;
	return 0;
}

/* DIR for a run: a->out, or a->out_parent/<name> made unique among a->taken. */
static char *run_dir(const struct vpnsim_run_args *a, const char *name)
{
	if (a->out)
		return g_strdup(a->out);
	const char *parent = a->out_parent ? a->out_parent : "out";
	char *dir = g_build_filename(parent, name, NULL);
	for (unsigned k = 2; a->taken && g_hash_table_contains(a->taken, dir); k++) {
		g_free(dir);
		g_autofree char *n = g_strdup_printf("%s-%u", name, k);
		dir = g_build_filename(parent, n, NULL);
	}
	if (a->taken)
		g_hash_table_add(a->taken, g_strdup(dir));
	return dir;
}

/* Writes everything after the run; false with err on I/O failure. */
static bool write_outputs(struct run *r, const struct verdict *v, const struct history *h, const char *dir,
			  GError **err)
{
	g_autofree char *keys = g_build_filename(dir, "wireshark", NULL);
	g_autofree char *svg = g_build_filename(dir, "topology.svg", NULL);
	g_autofree char *label = g_strdup_printf("at the end, t = %.0f s", sim_to_seconds(h->end_ns));
	if (!report_write(r, v, dir, err) || !run_write_keys(r, keys, err) ||
	    !history_draw_at(h, h->end_ns, label, NULL, svg, "svg", err))
		return false;
	GError *perr = NULL;
	if (!run_plot(r, dir, &perr)) { /* a missing gnuplot costs the picture, not the run */
		fprintf(stderr, "vpnsim run: no plot: %s\n", perr->message);
		g_error_free(perr);
	}
	return write_history(h, dir, err) && write_html(dir, err);
}

int vpnsim_run_scenario(const struct vpnsim_run_args *a, char **dir_out)
{
	struct scn_diags d;
	scn_diags_init(&d);
	struct scenario *s = vpnsim_load(a->file, a->sets, &d);
	if (!s || d.errors) {
		if (!s)
			fprintf(stderr, "vpnsim run: cannot read %s\n", a->file);
		scenario_free(s);
		scn_diags_clear(&d);
		return 2;
	}
	if (a->seed_set)
		s->seed = a->seed;
	g_autofree char *dir = run_dir(a, s->name);
	g_autofree char *pcap = a->pcap ? g_build_filename(dir, "capture.pcap", NULL) : NULL;
	if (pcap)
		g_mkdir_with_parents(dir, 0755);
	struct run_opts ro = { .pcap_path = pcap, .progress = !a->quiet };
	struct run r;
	scn_diags_clear(&d);
	scn_diags_init(&d);
	if (!run_build(&r, s, &ro, &d)) {
		vpnsim_print_diags(&d);
		run_destroy(&r);
		scenario_free(s);
		scn_diags_clear(&d);
		return 2;
	}
	vpnsim_print_diags(&d); /* the builder's warnings */
	struct history h;
	history_init(&h, &r, s->duration_ns);
	history_run(&r, &h, &ro);
	struct verdict *v = g_new0(struct verdict, s->expects->len + 1);
	unsigned failed = report_evaluate(&r, v);
	GError *err = NULL;
	int rc;
	if (!write_outputs(&r, v, &h, dir, &err)) {
		fprintf(stderr, "vpnsim run: %s\n", err->message);
		g_error_free(err);
		rc = 2;
	} else {
		if (a->quiet)
			printf("%s: verdict %s (%u of %u expectations failed)\n", s->name, failed ? "FAIL" : "PASS", failed,
			       s->expects->len);
		else
			report_print(&r, v, stdout);
		rc = failed ? 1 : 0;
		if (!a->quiet)
			printf("report: %s/report.html (and report.json)%s\n", dir,
			       pcap ? ", capture.pcap (decrypt: WIRESHARK_CONFIG_DIR=<dir>/wireshark tshark -r ...)" : "");
		if (dir_out)
			*dir_out = g_strdup(dir);
	}
	history_destroy(&h);
	g_free(v);
	run_destroy(&r);
	scenario_free(s);
	scn_diags_clear(&d);
	return rc;
}

int vpnsim_cmd_run(int argc, char **argv)
{
	struct vpnsim_run_args a = { .sets = g_ptr_array_new() };
	int rc = parse_args(argc, argv, &a);
	if (rc == 0)
		rc = vpnsim_run_scenario(&a, NULL);
	else
		rc = rc == 1 ? 0 : 2;
	g_ptr_array_free(a.sets, TRUE);
	return rc;
}
