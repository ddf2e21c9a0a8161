/* cmd_compare.c: `vpnsim compare`: several runs side by side. Scenario files are run (each into
 * DIR/<name>/ with its own report), run directories and report.json files are read as they
 * are; then a table of key metrics goes to the terminal, DIR/compare.csv and DIR/report.html,
 * with the runs' throughput overlaid in one plot. */
#include "scenarios/cmd.h"

#include "viz/html.h"
#include "viz/plot.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: vpnsim compare INPUT INPUT [...] [--out DIR] [--seed N] [--set section.key=value ...] [--quiet]\n"
	"  Compares runs side by side. Each INPUT is a scenario file (run into DIR/<name>/, with its own\n"
	"  report), or a run's directory or its report.json (read, not run again).\n"
	"  Prints a table of key metrics (outage per fault, throughput and loss per flow, fairness,\n"
	"  tunnels used, verdicts) and writes DIR/report.html (the table, throughput overlaid, each\n"
	"  run's topology) and DIR/compare.csv.\n"
	"  Exit status: 0 every expectation of every run holds, 1 one failed, 2 bad input.\n"
	"  --out DIR    where the comparison and the runs go (default: out/compare)\n"
	"  --seed N     overrides every scenario file's seed (not a read report's)\n"
	"  --set S.K=V  overrides a value in every scenario file, repeatable\n"
	"  --quiet      print only the verdict line\n";

struct compare_args {
	GPtrArray *inputs;
	const char *out;
	GPtrArray *sets;
	bool seed_set, quiet;
	uint64_t seed;
};

/* 0 parsed, 1 --help printed, 2 bad command line (printed). */
static int parse_args(int argc, char **argv, struct compare_args *a)
{
	int r;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			fputs(usage, stdout);
			return 1;
		} else if (strcmp(s, "--quiet") == 0 || strcmp(s, "-q") == 0) {
			a->quiet = true;
		} else if ((r = vpnsim_run_option("compare", usage, argc, argv, &i, &a->out, a->sets, &a->seed, &a->seed_set)) >= 0) {
			if (r == 2)
				return 2;
		} else if (s[0] == '-' && s[1]) {
			fprintf(stderr, "vpnsim compare: unknown option '%s'\n%s", s, usage);
			return 2;
		} else {
			g_ptr_array_add(a->inputs, (char *)s);
		}
	}
	if (a->inputs->len < 2) {
		fprintf(stderr, "vpnsim compare: give at least two scenario files or run directories\n%s", usage);
		return 2;
	}
	return 0;
}

/* One input, resolved. */
struct input {
	const char *arg;
	char *report_path;   /* an existing report.json; NULL: a scenario file to run */
	char *dir;           /* the run's directory */
	char *label;
	char *link;
	JsonParser *parser;
};

/* Classifies arg: a directory (with report.json), a .json file, or a scenario file. false with
 * a message when it is none of them. */
static bool resolve(struct input *in, const char *arg)
{
	in->arg = arg;
	if (g_file_test(arg, G_FILE_TEST_IS_DIR)) {
		in->report_path = g_build_filename(arg, "report.json", NULL);
		in->dir = g_strdup(arg);
		if (!g_file_test(in->report_path, G_FILE_TEST_IS_REGULAR)) {
			fprintf(stderr, "vpnsim compare: %s is a directory without report.json (not a run's directory)\n", arg);
			return false;
		}
		return true;
	}
	if (!g_file_test(arg, G_FILE_TEST_IS_REGULAR)) {
		fprintf(stderr, "vpnsim compare: %s: no such file or directory\n", arg);
		return false;
	}
	if (g_str_has_suffix(arg, ".json")) {
		in->report_path = g_strdup(arg);
		in->dir = g_path_get_dirname(arg);
	}
	return true;
}

static bool load_report(struct input *in)
{
	GError *err = NULL;
	in->parser = json_parser_new();
	if (!json_parser_load_from_file(in->parser, in->report_path, &err)) {
		fprintf(stderr, "vpnsim compare: %s: %s\n", in->report_path, err->message);
		g_error_free(err);
		return false;
	}
	JsonNode *root = json_parser_get_root(in->parser);
	JsonObject *o = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
	JsonObject *sc = o && json_object_has_member(o, "scenario") ? json_object_get_object_member(o, "scenario") : NULL;
	if (!sc || !json_object_has_member(sc, "name")) {
		fprintf(stderr, "vpnsim compare: %s is not a vpnsim report (no scenario name)\n", in->report_path);
		return false;
	}
	in->label = g_strdup(json_object_get_string_member(sc, "name"));
	return true;
}

/* ---- the overlaid plots ---- */

/* A run's series.csv: column names (without "_mbps") and each column as a series of Mbit/s. */
struct csv_series {
	GPtrArray *names; /* char * */
	GPtrArray *cols;  /* struct sim_series * */
	sim_time bin_ns;
};

static void series_free(void *p)
{
	struct sim_series *se = p;
	g_free(se->name);
	g_array_free(se->bins, TRUE);
	g_free(se);
}

static void csv_series_clear(struct csv_series *c)
{
	if (c->names)
		g_ptr_array_free(c->names, TRUE);
	if (c->cols)
		g_ptr_array_free(c->cols, TRUE);
	memset(c, 0, sizeof *c);
}

/* Reads dir/series.csv; false when it is missing or has no row. The bin width is the step of
 * the time column (100 ms when there is one row). */
static bool csv_series_read(const char *dir, struct csv_series *c)
{
	memset(c, 0, sizeof *c);
	g_autofree char *path = g_build_filename(dir, "series.csv", NULL);
	g_autofree char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return false;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	if (!lines[0] || !lines[1] || !*lines[1])
		return false;
	g_auto(GStrv) head = g_strsplit(lines[0], ",", -1);
	c->names = g_ptr_array_new_with_free_func(g_free);
	c->cols = g_ptr_array_new_with_free_func(series_free);
	c->bin_ns = SIM_NS_PER_S / 10;
	for (guint k = 1; head[k]; k++) {
		const char *h = head[k];
		size_t len = g_str_has_suffix(h, "_mbps") ? strlen(h) - 5 : strlen(h);
		g_ptr_array_add(c->names, g_strndup(h, len));
		struct sim_series *se = g_new0(struct sim_series, 1);
		se->name = g_strndup(h, len);
		se->bins = g_array_new(FALSE, TRUE, sizeof(double));
		g_ptr_array_add(c->cols, se);
	}
	double t0 = NAN;
	for (guint i = 1; lines[i]; i++) {
		if (!*lines[i])
			continue;
		g_auto(GStrv) f = g_strsplit(lines[i], ",", -1);
		double t = g_ascii_strtod(f[0], NULL);
		if (i == 1)
			t0 = t;
		else if (i == 2 && t > t0)
			c->bin_ns = (sim_time)llround((t - t0) * 1e9);
		for (guint k = 0; k < c->cols->len; k++) {
			double v = f[0] && k + 1 < g_strv_length(f) ? g_ascii_strtod(f[k + 1], NULL) : 0;
			g_array_append_val(((struct sim_series *)c->cols->pdata[k])->bins, v);
		}
	}
	for (guint k = 0; k < c->cols->len; k++)
		((struct sim_series *)c->cols->pdata[k])->bin_ns = c->bin_ns;
	return true;
}

/* The sum of the flow columns (not the "tunnel:" ones) per bin, as a new series labelled label. */
static struct sim_series *csv_flows_sum(const struct csv_series *c, const char *label)
{
	struct sim_series *se = g_new0(struct sim_series, 1);
	se->name = g_strdup(label);
	se->bin_ns = c->bin_ns;
	se->bins = g_array_new(FALSE, TRUE, sizeof(double));
	for (guint k = 0; k < c->cols->len; k++) {
		if (g_str_has_prefix(c->names->pdata[k], "tunnel:"))
			continue;
		const struct sim_series *col = c->cols->pdata[k];
		if (se->bins->len < col->bins->len)
			g_array_set_size(se->bins, col->bins->len);
		for (guint b = 0; b < col->bins->len; b++)
			g_array_index(se->bins, double, b) += g_array_index(col->bins, double, b);
	}
	return se;
}

/* The column called name (NULL: none). */
static const struct sim_series *csv_column(const struct csv_series *c, const char *name)
{
	for (guint k = 0; c->names && k < c->names->len; k++)
		if (strcmp(c->names->pdata[k], name) == 0)
			return c->cols->pdata[k];
	return NULL;
}

static JsonArray *member_array(JsonObject *o, const char *name)
{
	return o && json_object_has_member(o, name) && JSON_NODE_HOLDS_ARRAY(json_object_get_member(o, name))
		       ? json_object_get_array_member(o, name)
		       : NULL;
}

static double member_num(JsonObject *o, const char *name)
{
	if (!o || !json_object_has_member(o, name) || json_object_get_null_member(o, name))
		return NAN;
	return json_object_get_double_member(o, name);
}

/* Every fault of every run, once per name and time, into marks (labels kept in texts). */
static void add_fault_marks(JsonObject *root, GArray *marks, GPtrArray *texts)
{
	JsonArray *fa = member_array(root, "faults");
	for (guint i = 0; fa && i < json_array_get_length(fa); i++) {
		JsonObject *f = json_array_get_object_element(fa, i);
		sim_time at = (sim_time)llround(member_num(f, "at_s") * 1e9);
		const char *name = json_object_get_string_member_with_default(f, "name", "");
		bool seen = false;
		for (guint k = 0; k < marks->len && !seen; k++) {
			const struct viz_mark *m = &g_array_index(marks, struct viz_mark, k);
			seen = m->at_ns == at && strcmp(m->label, name) == 0;
		}
		if (!seen) {
			char *label = g_strdup(name);
			g_ptr_array_add(texts, label);
			struct viz_mark m = { at, label };
			g_array_append_val(marks, m);
		}
	}
}

/* The outage of a flow in report.json's flows (flow NULL: the longest of any flow) as a window
 * labelled label; false when there is none. */
static bool flow_outage(JsonObject *root, const char *flow, const char *label, struct viz_window *w)
{
	JsonArray *fl = member_array(root, "flows");
	double best = 0, from = 0, to = 0;
	for (guint i = 0; fl && i < json_array_get_length(fl); i++) {
		JsonObject *f = json_array_get_object_element(fl, i);
		if (flow && strcmp(json_object_get_string_member_with_default(f, "name", ""), flow) != 0)
			continue;
		double len = member_num(f, "outage_s");
		if (len > best && !isnan(member_num(f, "outage_from_s"))) {
			best = len;
			from = member_num(f, "outage_from_s");
			to = member_num(f, "outage_to_s");
		}
	}
	*w = (struct viz_window){ (sim_time)llround(from * 1e9), (sim_time)llround(to * 1e9), label };
	return best > 0;
}

/* One overlaid plot: each run's series (NULL: that run has none), each run's outage of flow
 * (NULL: its longest) shaded. Runs whose bin width differs from the first one's are left out
 * with a warning. */
static void plot_runs(struct input *in, size_t n, const struct sim_series *const *se, const char *flow,
		      const char *dir, const char *name, const char *title)
{
	struct viz_series *series = g_new0(struct viz_series, n);
	GArray *marks = g_array_new(FALSE, TRUE, sizeof(struct viz_mark));
	GArray *shaded = g_array_new(FALSE, TRUE, sizeof(struct viz_window));
	GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);
	size_t ns = 0;
	for (size_t r = 0; r < n; r++) {
		if (!se[r])
			continue;
		if (ns && se[r]->bin_ns != series[0].s->bin_ns) {
			fprintf(stderr, "vpnsim compare: %s: %s left out: its series.csv has %g s bins, %s's %g s\n", name,
				in[r].label, sim_to_seconds(se[r]->bin_ns), series[0].label,
				sim_to_seconds(series[0].s->bin_ns));
			continue;
		}
		series[ns++] = (struct viz_series){ in[r].label, se[r], 1.0 };
		JsonObject *root = json_node_get_object(json_parser_get_root(in[r].parser));
		struct viz_window w;
		if (flow_outage(root, flow, in[r].label, &w))
			g_array_append_val(shaded, w);
		add_fault_marks(root, marks, texts);
	}
	GError *err = NULL;
	if (ns > 0 && !viz_plot_throughput(dir, name, title, series, ns, (const struct viz_mark *)marks->data, marks->len,
					   (const struct viz_window *)shaded->data, shaded->len, &err)) {
		fprintf(stderr, "vpnsim compare: no plot %s: %s\n", name, err->message);
		g_error_free(err);
	}
	g_free(series);
	g_array_free(marks, TRUE);
	g_array_free(shaded, TRUE);
	g_ptr_array_free(texts, TRUE);
}

/* DIR/compare-throughput.* (each run's flows summed, its longest outage shaded) and
 * DIR/compare-flow-NAME.* per flow name (each run's flow of that name, its outage shaded);
 * every fault marked once per name and time. Notes on stderr for what cannot be drawn. */
static void plot_overlay(struct input *in, size_t n, const char *dir)
{
	struct csv_series *csv = g_new0(struct csv_series, n);
	const struct sim_series **se = g_new0(const struct sim_series *, n);
	GPtrArray *sums = g_ptr_array_new_with_free_func(series_free);
	GPtrArray *flows = g_ptr_array_new(); /* names of flows, in order of first appearance */
	for (size_t r = 0; r < n; r++) {
		if (!csv_series_read(in[r].dir, &csv[r]))
			continue;
		struct sim_series *sum = csv_flows_sum(&csv[r], in[r].label);
		g_ptr_array_add(sums, sum);
		se[r] = sum->bins->len ? sum : NULL;
		for (guint k = 0; k < csv[r].names->len; k++) {
			const char *f = csv[r].names->pdata[k];
			if (!g_str_has_prefix(f, "tunnel:") && !g_ptr_array_find_with_equal_func(flows, f, g_str_equal, NULL))
				g_ptr_array_add(flows, (char *)f);
		}
	}
	if (flows->len == 0)
		fprintf(stderr, "vpnsim compare: no plot: no run has a series.csv with flows\n");
	else
		plot_runs(in, n, se, NULL, dir, "compare-throughput",
			  "received throughput, all flows of each run (each run's longest outage shaded)");
	for (guint i = 0; i < flows->len; i++) {
		const char *f = flows->pdata[i];
		for (size_t r = 0; r < n; r++)
			se[r] = csv_column(&csv[r], f);
		g_autofree char *name = viz_plot_name("compare-flow-", f);
		g_autofree char *title = g_strdup_printf("received throughput of flow %s in each run (its outage shaded)", f);
		plot_runs(in, n, se, f, dir, name, title);
	}
	g_ptr_array_free(flows, TRUE);
	g_ptr_array_free(sums, TRUE);
	for (size_t r = 0; r < n; r++)
		csv_series_clear(&csv[r]);
	g_free(csv);
	g_free(se);
}

/* ---- the table as CSV ---- */

static void csv_field(GString *o, const char *s)
{
	g_string_append_c(o, '"');
	for (; *s; s++) {
		if (*s == '"')
			g_string_append_c(o, '"');
		g_string_append_c(o, *s);
	}
	g_string_append_c(o, '"');
}

static bool write_csv(const struct viz_table *t, const struct viz_compare_run *runs, const char *dir, GError **err)
{
	GString *o = g_string_new("\"section\",\"metric\"");
	for (size_t r = 0; r < t->n_runs; r++) {
		g_string_append_c(o, ',');
		csv_field(o, runs[r].label);
	}
	g_string_append_c(o, '\n');
	for (guint i = 0; i < t->rows->len; i++) {
		const struct viz_table_row *row = t->rows->pdata[i];
		csv_field(o, row->section);
		g_string_append_c(o, ',');
		csv_field(o, row->label);
		for (size_t r = 0; r < t->n_runs; r++) {
			g_string_append_c(o, ',');
			csv_field(o, row->cells[r]);
		}
		g_string_append_c(o, '\n');
	}
	g_autofree char *path = g_build_filename(dir, "compare.csv", NULL);
	bool ok = g_file_set_contents(path, o->str, -1, err);
	g_string_free(o, TRUE);
	return ok;
}

/* ---- the verb ---- */

/* Runs or reads every input; 0, or 2 when one is bad (reported). */
static int gather(const struct compare_args *a, struct input *in, size_t n, GHashTable *taken)
{
	for (size_t i = 0; i < n; i++)
		if (!resolve(&in[i], a->inputs->pdata[i]))
			return 2;
	bool warned = false;
	for (size_t i = 0; i < n; i++) {
		if (in[i].report_path) {
			if ((a->seed_set || a->sets->len) && !warned) {
				fprintf(stderr, "vpnsim compare: note: --seed and --set apply to scenario files, not to %s\n",
					in[i].arg);
				warned = true;
			}
			continue;
		}
		struct vpnsim_run_args ra = { .file = in[i].arg, .out_parent = a->out, .taken = taken, .sets = a->sets,
					      .quiet = true, .seed_set = a->seed_set, .seed = a->seed };
		int rc = vpnsim_run_scenario(&ra, &in[i].dir);
		if (rc == 2 || !in[i].dir)
			return 2;
		in[i].report_path = g_build_filename(in[i].dir, "report.json", NULL);
		g_autofree char *base = g_path_get_basename(in[i].dir);
		in[i].link = g_build_filename(base, "report.html", NULL);
	}
	for (size_t i = 0; i < n; i++)
		if (!load_report(&in[i]))
			return 2;
	/* unique column labels: a repeated name gets "#2", "#3", ... */
	for (size_t i = n; i-- > 1;) {
		unsigned same = 0;
		for (size_t j = 0; j < i; j++)
			same += strcmp(in[j].label, in[i].label) == 0;
		if (same) {
			char *l = g_strdup_printf("%s#%u", in[i].label, same + 1);
			g_free(in[i].label);
			in[i].label = l;
		}
	}
	return 0;
}

static void input_clear(struct input *in)
{
	g_free(in->report_path);
	g_free(in->dir);
	g_free(in->label);
	g_free(in->link);
	if (in->parser)
		g_object_unref(in->parser);
}

int vpnsim_cmd_compare(int argc, char **argv)
{
	struct compare_args a = { .inputs = g_ptr_array_new(), .sets = g_ptr_array_new() };
	int rc = parse_args(argc, argv, &a);
	if (rc) {
		g_ptr_array_free(a.inputs, TRUE);
		g_ptr_array_free(a.sets, TRUE);
		return rc == 1 ? 0 : 2;
	}
	const char *dir = a.out ? a.out : "out/compare";
	a.out = dir;
	size_t n = a.inputs->len;
	struct input *in = g_new0(struct input, n);
	GHashTable *taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	rc = gather(&a, in, n, taken);
	if (rc == 0 && g_mkdir_with_parents(dir, 0755) != 0) {
		fprintf(stderr, "vpnsim compare: cannot create %s: %s\n", dir, g_strerror(errno));
		rc = 2;
	}
	if (rc == 0) {
		struct viz_compare_run *runs = g_new0(struct viz_compare_run, n);
		unsigned failed = 0;
		for (size_t i = 0; i < n; i++) {
			runs[i] = (struct viz_compare_run){ in[i].label, json_parser_get_root(in[i].parser), in[i].dir,
							    in[i].link };
			JsonObject *o = json_node_get_object(runs[i].report);
			failed += g_strcmp0(json_object_get_string_member_with_default(o, "verdict", ""), "pass") != 0;
		}
		struct viz_table *t = viz_compare_table(runs, n);
		if (!a.quiet) {
			g_autofree char *text = viz_table_text(t, runs);
			fputs(text, stdout);
		}
		plot_overlay(in, n, dir);
		g_autofree char *html = g_build_filename(dir, "report.html", NULL);
		GError *err = NULL;
		if (!write_csv(t, runs, dir, &err) || !viz_html_compare(runs, n, t, dir, html, &err)) {
			fprintf(stderr, "vpnsim compare: %s\n", err->message);
			g_error_free(err);
			rc = 2;
		} else {
			printf("verdict: %s (%u of %zu runs failed an expectation)\n", failed ? "FAIL" : "PASS", failed, n);
			if (!a.quiet)
				printf("report: %s\n", html);
			rc = failed ? 1 : 0;
		}
		viz_table_free(t);
		g_free(runs);
	}
	for (size_t i = 0; i < n; i++)
		input_clear(&in[i]);
	g_free(in);
	g_hash_table_destroy(taken);
	g_ptr_array_free(a.inputs, TRUE);
	g_ptr_array_free(a.sets, TRUE);
	return rc;
}
