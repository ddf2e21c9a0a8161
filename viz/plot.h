/* plot.h: time-series plots drawn by gnuplot. For a plot called NAME in DIR this writes
 * NAME.dat (the numbers: time in s, one column per series) and NAME.gp (a readable script that
 * users may restyle and run again with `gnuplot NAME.gp` inside DIR), then runs gnuplot on it,
 * which writes NAME.svg and NAME.png.
 *
 * The .dat and .gp files depend only on the arguments (byte-identical from run to run), and
 * so do gnuplot's SVG and PNG for a given gnuplot (5.4 writes no date into either). Needs the
 * program gnuplot (Debian: gnuplot-nox) only to draw; without it the .dat and .gp are written
 * and the caller gets VIZ_PLOT_ERROR_NO_GNUPLOT. */
#ifndef VIZ_PLOT_H
#define VIZ_PLOT_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "sim/stats.h"
#include "sim/time.h"

#define VIZ_PLOT_ERROR (viz_plot_error_quark())
GQuark viz_plot_error_quark(void);

enum viz_plot_error {
	VIZ_PLOT_ERROR_ARGS,       /* a bad name, no series, series of different bin widths */
	VIZ_PLOT_ERROR_IO,         /* DIR or a file in it could not be written */
	VIZ_PLOT_ERROR_NO_GNUPLOT, /* gnuplot is not installed: .dat and .gp are written all the same */
	VIZ_PLOT_ERROR_GNUPLOT,    /* gnuplot ran and failed (the message has its stderr) */
};

/* One line of the plot: bin i of s, times scale, is drawn over [i*bin_ns, (i+1)*bin_ns). */
struct viz_series {
	const char *label;
	const struct sim_series *s;
	double scale;            /* e.g. viz_scale_mbps(s) for bytes per bin -> Mbit/s */
};

/* A moment to mark with a vertical line and a label (a fault). */
struct viz_mark {
	sim_time at_ns;
	const char *label;
};

/* A span to shade (an outage); label may be NULL. */
struct viz_window {
	sim_time from_ns, to_ns;
	const char *label;
};

struct viz_plot {
	const char *title;
	const char *ylabel;      /* with its unit: "throughput (Mbit/s)" */
	const struct viz_series *series;
	size_t n_series;         /* >= 1; all series share one bin width */
	const struct viz_mark *marks;
	size_t n_marks;
	const struct viz_window *shaded;
	size_t n_shaded;
	sim_time end_ns;         /* the x axis ends here; 0: at the end of the longest series */
	bool lines;              /* draw straight lines between bin centres instead of steps */
	bool states;             /* the bins hold tunnel states (enum viz_tunnel_state codes of
				    viz/topology.h): one lane per series, see viz_plot_states */
	bool no_render;          /* write NAME.dat and NAME.gp only, do not run gnuplot */
	unsigned height_px;      /* the picture's height; 0: 480 (900 wide in every case) */
};

/* The scale that turns bytes per bin into Mbit/s: 8 / bin_s / 1e6. */
double viz_scale_mbps(const struct sim_series *s);

/* prefix followed by name with every character a plot name does not allow replaced by '_'
 * (g_free): the plot name for a flow or a tunnel. */
char *viz_plot_name(const char *prefix, const char *name);

/* Writes DIR/NAME.dat and DIR/NAME.gp (creating DIR when needed) and, unless p->no_render,
 * runs gnuplot in DIR to draw NAME.svg and NAME.png. NAME is a plain file name (letters,
 * digits, '-', '_', '.'). Returns false with err set (VIZ_PLOT_ERROR) on failure; with
 * VIZ_PLOT_ERROR_NO_GNUPLOT the .dat and .gp files are there. */
bool viz_plot_write(const char *dir, const char *name, const struct viz_plot *p, GError **err);

/* Throughput over time: viz_plot_write with the y axis "throughput (Mbit/s)", drawn as steps
 * (each bin flat over its width). The series' scales must give Mbit/s (viz_scale_mbps for
 * bytes per bin). */
bool viz_plot_throughput(const char *dir, const char *name, const char *title, const struct viz_series *series,
			 size_t n, const struct viz_mark *marks, size_t n_marks, const struct viz_window *shaded,
			 size_t n_shaded, GError **err);

/* Tunnel states over time, one lane per series (labelled with the series' label), the picture's
 * height growing with the number of lanes: in its lane
 * a step line sits at the top while the tunnel is UP, at 2/3 for standby, 1/3 for connecting
 * and at the bottom while DOWN (height, not colour, tells the state); UNKNOWN (0) is not
 * drawn. Each bin holds the state code of that bin (e.g. the state at its end); scales are
 * ignored. */
bool viz_plot_states(const char *dir, const char *name, const char *title, const struct viz_series *lanes, size_t n,
		     const struct viz_mark *marks, size_t n_marks, const struct viz_window *shaded, size_t n_shaded,
		     GError **err);

/* The text of NAME.dat and NAME.gp without writing anything (for tests and embedding). Each
 * out pointer may be NULL; the strings are freed with g_free. */
bool viz_plot_text(const char *name, const struct viz_plot *p, char **dat_out, char **gp_out, GError **err);

#endif
