/* plot.c: NAME.dat and NAME.gp for gnuplot, and gnuplot run on them (as a separate program,
 * so that a missing gnuplot costs the pictures, never the run). */
#include "viz/plot.h"

#include "viz/topology.h"

#include <errno.h>
#include <string.h>

G_DEFINE_QUARK(viz-plot-error-quark, viz_plot_error)

/* Okabe-Ito colours (safe for colour-blind readers), each with its own dash type so that the
 * lines stay apart in grey. */
static const char *const line_colours[] = {"#0072b2", "#d55e00", "#009e73", "#cc79a7",
					   "#e69f00", "#56b4e9", "#000000", "#f0e442"};
#define N_STYLES 8

double viz_scale_mbps(const struct sim_series *s)
{
	return 8.0 / sim_to_seconds(s->bin_ns) / 1e6;
}

static void append_num(GString *out, const char *fmt, double v)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	g_ascii_formatd(buf, sizeof buf, fmt, v);
	/* "-0" would make the file differ for no reason */
	g_string_append(out, strcmp(buf, "-0") == 0 ? "0" : buf);
}

static void append_seconds(GString *out, sim_time ns)
{
	append_num(out, "%.9g", sim_to_seconds(ns));
}

/* A gnuplot single-quoted string: no escapes but '' for '. */
static void append_quoted(GString *out, const char *text)
{
	g_string_append_c(out, '\'');
	for (const char *p = text ? text : ""; *p; p++) {
		if (*p == '\'')
			g_string_append_c(out, '\'');
		if (*p == '\n')
			g_string_append_c(out, ' ');
		else
			g_string_append_c(out, *p);
	}
	g_string_append_c(out, '\'');
}

/* A text for a comment line: no line breaks. */
static void append_comment_text(GString *out, const char *text)
{
	for (const char *p = text ? text : ""; *p; p++)
		g_string_append_c(out, *p == '\n' || *p == '\r' ? ' ' : *p);
}

static bool check_args(const char *name, const struct viz_plot *p, GError **err)
{
	if (!name || !*name || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
				       strlen(name) || name[0] == '.') {
		g_set_error(err, VIZ_PLOT_ERROR, VIZ_PLOT_ERROR_ARGS,
			    "plot name \"%s\" is not a plain file name (letters, digits, '-', '_', '.')",
			    name ? name : "");
		return false;
	}
	if (p->n_series == 0) {
		g_set_error(err, VIZ_PLOT_ERROR, VIZ_PLOT_ERROR_ARGS, "plot %s: no series", name);
		return false;
	}
	for (size_t i = 0; i < p->n_series; i++) {
		const struct sim_series *s = p->series[i].s;
		if (!s || s->bin_ns <= 0 || s->bin_ns != p->series[0].s->bin_ns) {
			g_set_error(err, VIZ_PLOT_ERROR, VIZ_PLOT_ERROR_ARGS,
				    "plot %s: series %zu (%s) is missing or has another bin width than the first", name,
				    i, p->series[i].label ? p->series[i].label : "");
			return false;
		}
	}
	return true;
}

/* How many rows: up to end_ns, or the longest series, or (nothing measured at all, e.g. every
 * flow lost in a black hole) up to the last mark or shaded window, so the x axis is never
 * empty (gnuplot refuses an empty range). */
static size_t n_rows(const struct viz_plot *p)
{
	sim_time bin = p->series[0].s->bin_ns;
	if (p->end_ns > 0)
		return (size_t)((p->end_ns + bin - 1) / bin);
	size_t n = 0;
	for (size_t i = 0; i < p->n_series; i++)
		n = MAX(n, sim_series_len(p->series[i].s));
	sim_time last = 0;
	for (size_t i = 0; i < p->n_marks; i++)
		last = MAX(last, p->marks[i].at_ns);
	for (size_t i = 0; i < p->n_shaded; i++)
		last = MAX(last, p->shaded[i].to_ns);
	return MAX(n, MAX((size_t)((last + bin - 1) / bin), (size_t)1));
}

static char *dat_text(const char *name, const struct viz_plot *p)
{
	GString *o = g_string_new(NULL);
	sim_time bin = p->series[0].s->bin_ns;
	g_string_append_printf(o, "# %s.dat: ", name);
	append_comment_text(o, p->title);
	g_string_append(o, "\n# column 1: time in s (the middle of each bin of ");
	append_seconds(o, bin);
	g_string_append(o, " s); columns 2..: ");
	append_comment_text(o, p->ylabel);
	g_string_append(o, "\n# time_s");
	for (size_t i = 0; i < p->n_series; i++) {
		g_string_append_c(o, '\t');
		append_comment_text(o, p->series[i].label);
	}
	g_string_append_c(o, '\n');
	size_t rows = n_rows(p);
	for (size_t r = 0; r < rows; r++) {
		append_seconds(o, (sim_time)r * bin + bin / 2);
		for (size_t i = 0; i < p->n_series; i++) {
			g_string_append_c(o, '\t');
			double scale = p->states ? 1.0 : p->series[i].scale;
			append_num(o, "%.9g", sim_series_bin(p->series[i].s, r) * scale);
		}
		g_string_append_c(o, '\n');
	}
	return g_string_free(o, FALSE);
}

static void gp_marks(GString *o, const struct viz_plot *p)
{
	if (p->n_shaded)
		g_string_append(o, "\n# Outage windows, shaded behind the lines.\n");
	for (size_t i = 0; i < p->n_shaded; i++) {
		const struct viz_window *w = &p->shaded[i];
		g_string_append_printf(o, "set object %zu rect from ", i + 1);
		append_seconds(o, w->from_ns);
		g_string_append(o, ", graph 0 to ");
		append_seconds(o, w->to_ns);
		g_string_append(o, ", graph 1 behind fillcolor rgb '#d62728' fillstyle transparent solid 0.15 noborder\n");
		if (w->label) {
			g_string_append_printf(o, "set label %zu ", i + 1);
			append_quoted(o, w->label);
			g_string_append(o, " at ");
			append_seconds(o, w->from_ns + (w->to_ns - w->from_ns) / 2);
			/* windows that overlap in time would put their labels on one another: step them up */
			g_string_append(o, ", graph ");
			append_num(o, "%.2f", 0.04 + 0.06 * (double)(i % 8));
			g_string_append(o, " center textcolor rgb '#b71c1c'\n");
		}
	}
	if (p->n_marks)
		g_string_append(o, "\n# Faults: a dashed vertical line and the fault's name.\n");
	for (size_t i = 0; i < p->n_marks; i++) {
		const struct viz_mark *m = &p->marks[i];
		g_string_append_printf(o, "set arrow %zu from ", i + 1);
		append_seconds(o, m->at_ns);
		g_string_append(o, ", graph 0 to ");
		append_seconds(o, m->at_ns);
		g_string_append(o, ", graph 1 nohead front lc rgb '#333333' lw 1.5 dt 2\n");
		g_string_append_printf(o, "set label %zu ", p->n_shaded + i + 1);
		append_quoted(o, m->label);
		g_string_append(o, " at ");
		append_seconds(o, m->at_ns);
		g_string_append(o, ", graph 0.98 rotate by 90 right offset 0.8,0 front textcolor rgb '#333333'\n");
	}
}

/* The y axis of a states plot: a lane per series, the height in a lane by state. */
static void gp_state_axes(GString *o, const char *name, const struct viz_plot *p)
{
	g_string_append_printf(o, "set yrange [-0.3:%zu.8]  # a lane per tunnel, headroom for the fault labels\n",
			       p->n_series);
	g_string_append(o, "set ytics (");
	for (size_t i = 0; i < p->n_series; i++) {
		g_string_append(o, i ? ", " : "");
		append_quoted(o, p->series[i].label);
		g_string_append_printf(o, " %zu.4", i);
	}
	g_string_append(o, ")\nset grid xtics lc rgb '#dddddd'\nunset key\nset border 3\nset tics nomirror\n");
	g_string_append_printf(o,
			       "\n# State codes in %s.dat: %d UP, %d standby, %d connecting, %d DOWN, %d unknown.\n"
			       "# Height in a lane: UP at the top, DOWN at the bottom; unknown is not drawn.\n"
			       "h(v) = v == %d ? 1 : v == %d ? 2.0/3 : v == %d ? 1.0/3 : v == %d ? 0 : NaN\n",
			       name, VIZ_TUNNEL_UP, VIZ_TUNNEL_STANDBY, VIZ_TUNNEL_CONNECTING, VIZ_TUNNEL_DOWN,
			       VIZ_TUNNEL_UNKNOWN, VIZ_TUNNEL_UP, VIZ_TUNNEL_STANDBY, VIZ_TUNNEL_CONNECTING,
			       VIZ_TUNNEL_DOWN);
	g_string_append(o, "set label 99 'in each lane: top UP, 2/3 standby, 1/3 connecting, bottom DOWN' "
			   "at screen 0.01, screen 0.03 left textcolor rgb '#555555'\n");
}

static char *gp_text(const char *name, const struct viz_plot *p)
{
	GString *o = g_string_new(NULL);
	g_string_append_printf(o,
			       "# %s.gp: written by vpnsim. Restyle freely, then run `gnuplot %s.gp` in this\n"
			       "# directory: it draws %s.svg and %s.png from %s.dat (column 1: time in s).\n",
			       name, name, name, name, name);
	g_string_append(o, "set encoding utf8\n");
	g_string_append(o, "set title ");
	append_quoted(o, p->title);
	g_string_append(o, "\nset xlabel 'time (s)'\nset ylabel ");
	append_quoted(o, p->ylabel);
	g_string_append(o, "\nset xrange [0:");
	append_seconds(o, (sim_time)n_rows(p) * p->series[0].s->bin_ns);
	g_string_append(o, "]\nbinw = ");
	append_seconds(o, p->series[0].s->bin_ns);
	g_string_append(o, "  # s, the width of a bin in the .dat\n");
	if (p->states) {
		gp_state_axes(o, name, p);
	} else {
		g_string_append(o, "set yrange [0:*]\n");
		g_string_append(o, "set offsets 0, 0, graph 0.3, 0  # headroom for the fault labels\n");
		g_string_append(o, "set grid lc rgb '#dddddd'\nset key outside right top vertical\nset border 3\n"
				   "set tics nomirror\n");
	}

	g_string_append(o, p->states ? "\n# One colour per lane.\n"
				     : "\n# One style per series: a colour and a dash type (readable in grey).\n");
	for (size_t i = 0; i < p->n_series; i++) /* lanes apart by height: solid, thicker */
		g_string_append_printf(o, "set style line %zu lc rgb '%s' lw %d dt %zu\n", i + 1,
				       line_colours[i % N_STYLES], p->states ? 3 : 2, p->states ? 1 : i % 5 + 1);
	gp_marks(o, p);

	g_string_append(o, "\n# SVG first, then the same plot as PNG.\n");
	unsigned height = p->height_px ? p->height_px : 480;
	g_string_append_printf(o, "set terminal svg size 900,%u noenhanced font 'Helvetica,12' background rgb 'white'\n",
			       height);
	g_string_append_printf(o, "set output '%s.svg'\n", name);
	g_string_append(o, "plot");
	for (size_t i = 0; i < p->n_series; i++) {
		g_string_append_printf(o, "%s '%s.dat' using ", i ? ", \\\n    " : "", name);
		if (p->states) /* each bin a flat stroke across its width */
			g_string_append_printf(o, "($1 - binw / 2):(%zu + 0.8 * h($%zu)):(binw):(0) with vectors nohead",
					       i, i + 2);
		else
			g_string_append_printf(o, "1:%zu with %s", i + 2, p->lines ? "lines" : "histeps");
		g_string_append_printf(o, " ls %zu title ", i + 1);
		append_quoted(o, p->series[i].label);
	}
	g_string_append(o, "\n");
	g_string_append_printf(o, "set terminal pngcairo size 900,%u noenhanced font 'Helvetica,10' background rgb 'white'\n",
			       height);
	g_string_append_printf(o, "set output '%s.png'\nreplot\nunset output\n", name);
	return g_string_free(o, FALSE);
}

bool viz_plot_text(const char *name, const struct viz_plot *p, char **dat_out, char **gp_out, GError **err)
{
	g_return_val_if_fail(p != NULL, false);
	if (!check_args(name, p, err))
		return false;
	if (dat_out)
		*dat_out = dat_text(name, p);
	if (gp_out)
		*gp_out = gp_text(name, p);
	return true;
}

static bool write_file(const char *dir, const char *file, const char *text, GError **err)
{
	g_autofree char *path = g_build_filename(dir, file, NULL);
	GError *e = NULL;
	if (!g_file_set_contents(path, text, -1, &e)) {
		g_set_error(err, VIZ_PLOT_ERROR, VIZ_PLOT_ERROR_IO, "%s", e->message);
		g_error_free(e);
		return false;
	}
	return true;
}

static bool run_gnuplot(const char *dir, const char *name, GError **err)
{
	g_autofree char *script = g_strdup_printf("%s.gp", name);
	char *argv[] = {(char *)"gnuplot", script, NULL};
	g_autofree char *out = NULL, *errout = NULL;
	int status = 0;
	GError *e = NULL;
	if (!g_spawn_sync(dir, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &errout, &status, &e)) {
		if (g_error_matches(e, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT))
			g_set_error(err, VIZ_PLOT_ERROR, VIZ_PLOT_ERROR_NO_GNUPLOT,
				    "gnuplot is not installed (Debian: apt-get install gnuplot-nox), so %s/%s.svg and "
				    "%s.png were not drawn; %s.gp and %s.dat are there: run `gnuplot %s.gp` in %s later",
				    dir, name, name, name, name, name, dir);
		else
			g_set_error(err, VIZ_PLOT_ERROR, VIZ_PLOT_ERROR_GNUPLOT, "cannot run gnuplot: %s", e->message);
		g_error_free(e);
		return false;
	}
	if (!g_spawn_check_wait_status(status, &e)) {
		g_set_error(err, VIZ_PLOT_ERROR, VIZ_PLOT_ERROR_GNUPLOT, "gnuplot %s/%s.gp failed (%s): %s", dir, name,
			    e->message, errout ? g_strstrip(errout) : "");
		g_error_free(e);
		return false;
	}
	return true;
}

bool viz_plot_write(const char *dir, const char *name, const struct viz_plot *p, GError **err)
{
	g_return_val_if_fail(dir != NULL && p != NULL, false);
	g_autofree char *dat = NULL, *gp = NULL;
	if (!viz_plot_text(name, p, &dat, &gp, err))
		return false;
	if (g_mkdir_with_parents(dir, 0777) != 0) {
		int e = errno;
		g_set_error(err, VIZ_PLOT_ERROR, VIZ_PLOT_ERROR_IO, "cannot create %s: %s", dir, g_strerror(e));
		return false;
	}
	g_autofree char *datf = g_strdup_printf("%s.dat", name);
	g_autofree char *gpf = g_strdup_printf("%s.gp", name);
	if (!write_file(dir, datf, dat, err) || !write_file(dir, gpf, gp, err))
		return false;
	return p->no_render || run_gnuplot(dir, name, err);
}

bool viz_plot_throughput(const char *dir, const char *name, const char *title, const struct viz_series *series,
			 size_t n, const struct viz_mark *marks, size_t n_marks, const struct viz_window *shaded,
			 size_t n_shaded, GError **err)
{
	struct viz_plot p = {
		.title = title,
		.ylabel = "throughput (Mbit/s)",
		.series = series,
		.n_series = n,
		.marks = marks,
		.n_marks = n_marks,
		.shaded = shaded,
		.n_shaded = n_shaded,
	};
	return viz_plot_write(dir, name, &p, err);
}

bool viz_plot_states(const char *dir, const char *name, const char *title, const struct viz_series *lanes, size_t n,
		     const struct viz_mark *marks, size_t n_marks, const struct viz_window *shaded, size_t n_shaded,
		     GError **err)
{
	struct viz_plot p = {
		.title = title,
		.ylabel = "tunnel",
		.series = lanes,
		.n_series = n,
		.marks = marks,
		.n_marks = n_marks,
		.shaded = shaded,
		.n_shaded = n_shaded,
		.states = true,
		.height_px = (unsigned)CLAMP(150 + 36 * n, 260, 1200),
	};
	return viz_plot_write(dir, name, &p, err);
}

char *viz_plot_name(const char *prefix, const char *name)
{
	char *out = g_strconcat(prefix, name, NULL);
	for (char *c = out + strlen(prefix); *c; c++)
		if (!g_ascii_isalnum(*c) && *c != '-' && *c != '_' && *c != '.')
			*c = '_';
	return out;
}
