/* html.h: the one-file HTML report of a run (DIR/report.html) and the comparison page of several
 * runs (`vpnsim compare`). Both read a run's report.json (as a parsed JsonNode) and the pictures
 * and tables already written beside it: topology.svg, topology-N-before.svg and -after.svg,
 * throughput.svg, tunnels.svg, utilisation.svg (gnuplot) and timeline.csv. Missing pictures are
 * left out with a note, so the page also works without gnuplot.
 *
 * The page is self-contained: CSS and SVG inline (every inlined SVG's ids get a prefix of their
 * own, so several diagrams share one page), no script, no font or file fetched. Every string
 * that comes from a scenario is escaped. No clock is read: the same inputs give the same bytes.
 * States are spelled out in words (and drawn with dashes in the pictures), never by colour only. */
#ifndef VIZ_HTML_H
#define VIZ_HTML_H

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stddef.h>

#define VIZ_HTML_ERROR (viz_html_error_quark())
GQuark viz_html_error_quark(void);

enum viz_html_error {
	VIZ_HTML_ERROR_REPORT, /* report.json is not a vpnsim report (no "scenario" object) */
	VIZ_HTML_ERROR_IO,     /* the page could not be written */
};

/* The page for the run whose report is `report` and whose files are in dir. NULL with err
 * (VIZ_HTML_ERROR_REPORT) when report is not a vpnsim report. g_free the result. */
char *viz_html_report_text(JsonNode *report, const char *dir, GError **err);

/* The same, written to out_path. */
bool viz_html_report(JsonNode *report, const char *dir, const char *out_path, GError **err);

/* One run of a comparison. */
struct viz_compare_run {
	const char *label;   /* the column's heading (the scenario's name, made unique) */
	JsonNode *report;    /* its report.json */
	const char *dir;     /* its directory (for topology.svg) */
	const char *link;    /* a relative link to its report.html, or NULL */
};

/* The side-by-side table: one row per metric, one cell per run ("-" where a run lacks it). */
struct viz_table_row {
	char *section;       /* "verdict", "fault crash", "flow voice", "expectation voice_outage", ... */
	char *label;         /* the metric within the section */
	char **cells;        /* n_runs strings */
	bool differs;        /* not every cell is the same */
};

struct viz_table {
	size_t n_runs;
	GPtrArray *rows;     /* struct viz_table_row *, owned */
};

/* The table of key metrics: verdict, gateway, per fault (by name) the outage and the time until
 * every connection was up again, aggregate throughput and loss, per flow (by name) throughput,
 * loss and outage, fairness, tunnels used and up at the end, takeovers, utilisation per
 * instance, and each expectation (by name) with its verdict and measured value. Runs that are
 * not vpnsim reports get "-" everywhere. */
struct viz_table *viz_compare_table(const struct viz_compare_run *runs, size_t n);
void viz_table_free(struct viz_table *t);

/* The table as aligned plain text for a terminal (a heading line with the runs' labels, then a
 * line per row, sections apart; "*" in front of a row whose cells differ). g_free it. */
char *viz_table_text(const struct viz_table *t, const struct viz_compare_run *runs);

/* The comparison page: the verdicts, the table, the overlaid plots found in dir
 * (compare-throughput.svg), and each run's final topology. Written to out_path. */
bool viz_html_compare(const struct viz_compare_run *runs, size_t n, const struct viz_table *t, const char *dir,
		      const char *out_path, GError **err);

/* The <svg> element of an SVG document, with every id, "#id" reference and url(#id) prefixed
 * by prefix and "-", ready to inline in HTML. NULL when text holds no <svg> element or holds a
 * script. g_free the result. */
char *viz_svg_inline(const char *text, const char *prefix);

#endif
