/* html.c: report.html of a run and of a comparison, built from report.json and the SVG files
 * and timeline.csv beside it (viz/html.h). */
#include "viz/html.h"

#include "viz/plot.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK(viz-html-error-quark, viz_html_error)

/* Greys and one blue; PASS/FAIL and states are words with their own border styles, so the page
 * reads the same printed in grey. System fonts only: nothing is fetched. */
static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:0 auto;"
	"max-width:1180px;padding:12px 16px;color:#1a1a1a;background:#fff;line-height:1.4}\n"
	"h1{font-size:1.6em;margin:.3em 0}h2{font-size:1.25em;border-bottom:2px solid #444;margin-top:1.6em}"
	"h3{font-size:1.05em;margin:1.2em 0 .4em}\n"
	"table{border-collapse:collapse;margin:.5em 0;font-size:.92em}\n"
	"th,td{border:1px solid #999;padding:3px 8px;text-align:left;vertical-align:top}\n"
	"th{background:#eee}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"tr.differs td{background:#f6f6f6}tr.section th{background:#ddd}\n"
	".badge{display:inline-block;font-weight:bold;padding:0 6px;border-radius:3px;letter-spacing:.05em}\n"
	".pass{border:2px solid #1b5e20;color:#1b5e20}\n"
	".fail{border:2px dashed #b71c1c;color:#b71c1c;background:#fdecea}\n"
	".state-down,.state-fault{font-weight:bold}.state-down{text-decoration:underline dotted}\n"
	"figure{margin:.6em 0 1.2em}figcaption{font-size:.9em;color:#333;margin-bottom:.3em}\n"
	"figure svg{max-width:100%;height:auto;display:block;border:1px solid #ccc}\n"
	"td.num{white-space:nowrap}\n"
	".note{color:#555;font-size:.9em}.meta{color:#333}\n"
	"details>summary{cursor:pointer;font-weight:bold;margin:.4em 0}\n"
	"code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.95em}\n"
	"@media print{figure{break-inside:avoid}}\n";

/* ---- JSON access (missing members read as defaults) ---- */

static JsonObject *obj_of(JsonNode *n)
{
	return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static JsonNode *member(JsonObject *o, const char *name)
{
	return o && json_object_has_member(o, name) ? json_object_get_member(o, name) : NULL;
}

static JsonObject *obj(JsonObject *o, const char *name)
{
	return obj_of(member(o, name));
}

static JsonArray *arr(JsonObject *o, const char *name)
{
	JsonNode *n = member(o, name);
	return n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
}

static const char *str(JsonObject *o, const char *name)
{
	JsonNode *n = member(o, name);
	return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING ? json_node_get_string(n)
											       : "";
}

/* NAN when missing or null. */
static double num(JsonObject *o, const char *name)
{
	JsonNode *n = member(o, name);
	if (!n || !JSON_NODE_HOLDS_VALUE(n))
		return NAN;
	GType t = json_node_get_value_type(n);
	if (t == G_TYPE_DOUBLE)
		return json_node_get_double(n);
	if (t == G_TYPE_INT64)
		return (double)json_node_get_int(n);
	if (t == G_TYPE_BOOLEAN)
		return json_node_get_boolean(n) ? 1 : 0;
	return NAN;
}

/* An integer member in full (seeds and counters exceed a double's 53 bits); "-" when missing. The
 * report writes unsigned 64-bit values as int64, so negative ones are read back as unsigned. */
static char *intstr(JsonObject *o, const char *name)
{
	JsonNode *n = member(o, name);
	if (n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_INT64)
		return g_strdup_printf("%" G_GUINT64_FORMAT, (guint64)json_node_get_int(n));
	double v = num(o, name);
	return isnan(v) ? g_strdup("-") : g_strdup_printf("%.0f", v);
}

static bool flag(JsonObject *o, const char *name)
{
	JsonNode *n = member(o, name);
	return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_BOOLEAN && json_node_get_boolean(n);
}

static guint alen(JsonArray *a)
{
	return a ? json_array_get_length(a) : 0;
}

static JsonObject *aobj(JsonArray *a, guint i)
{
	return obj_of(json_array_get_element(a, i));
}

/* ---- text ---- */

static void esc(GString *o, const char *text)
{
	g_autofree char *e = g_markup_escape_text(text ? text : "", -1);
	g_string_append(o, e);
}

/* A number with printf's fmt, locale-independent; "-" for NAN. */
static char *fmt_num(const char *fmt, double v)
{
	if (isnan(v))
		return g_strdup("-");
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	g_ascii_formatd(buf, sizeof buf, fmt, v);
	return g_strdup(strcmp(buf, "-0") == 0 || strcmp(buf, "-0.0") == 0 ? buf + 1 : buf);
}

static char *fmt_unit(const char *fmt, double v, const char *unit)
{
	if (isnan(v))
		return g_strdup("-");
	g_autofree char *n = fmt_num(fmt, v);
	return g_strdup_printf("%s %s", n, unit);
}

static char *fmt_mbps(double bps)
{
	return fmt_unit("%.3f", bps / 1e6, "Mbit/s");
}

static void cell(GString *o, const char *text, bool numeric)
{
	g_string_append(o, numeric ? "<td class=\"num\">" : "<td>");
	esc(o, text);
	g_string_append(o, "</td>");
}

static void cell_take(GString *o, char *text, bool numeric)
{
	cell(o, text, numeric);
	g_free(text);
}

static void badge(GString *o, bool pass)
{
	g_string_append(o, pass ? "<span class=\"badge pass\">PASS</span>" : "<span class=\"badge fail\">FAIL</span>");
}

static void head(GString *o, const char *title)
{
	g_string_append(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	esc(o, title);
	g_string_append(o, "</title>\n<style>\n");
	g_string_append(o, css);
	g_string_append(o, "</style>\n</head>\n<body>\n");
}

/* ---- SVG inlining ---- */

static bool id_char(char c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':';
}

char *viz_svg_inline(const char *text, const char *prefix)
{
	const char *start = text ? strstr(text, "<svg") : NULL;
	if (!start || strstr(start, "<script") || strstr(start, "<foreignObject"))
		return NULL;
	const char *end = g_strrstr(start, "</svg>");
	size_t len = end ? (size_t)(end - start) + 6 : strlen(start);
	GString *o = g_string_sized_new(len + len / 16);
	for (size_t i = 0; i < len;) {
		const char *p = start + i;
		size_t skip = 0;
		/* id="..." (after a blank), href="#...", url(#...) */
		if ((p[0] == ' ' || p[0] == '\n' || p[0] == '\t') && strncmp(p + 1, "id=", 3) == 0 &&
		    (p[4] == '"' || p[4] == '\''))
			skip = 5;
		else if (strncmp(p, "href=\"#", 7) == 0 || strncmp(p, "href='#", 7) == 0)
			skip = 7;
		else if (strncmp(p, "url(#", 5) == 0)
			skip = 5;
		if (skip && i + skip < len && id_char(p[skip])) {
			g_string_append_len(o, p, (gssize)skip);
			g_string_append(o, prefix);
			g_string_append_c(o, '-');
			i += skip;
		} else {
			g_string_append_c(o, *p);
			i++;
		}
	}
	return g_string_free(o, FALSE);
}

/* Inlines dir/file as a figure with caption; the note `missing` when it is not there. */
static void figure_or(GString *o, const char *dir, const char *file, const char *prefix, const char *caption,
		      const char *missing)
{
	g_autofree char *path = g_build_filename(dir ? dir : ".", file, NULL);
	g_autofree char *text = NULL;
	g_autofree char *svg = NULL;
	if (g_file_get_contents(path, &text, NULL, NULL))
		svg = viz_svg_inline(text, prefix);
	g_string_append(o, "<figure>\n<figcaption>");
	esc(o, caption);
	g_string_append(o, "</figcaption>\n");
	if (svg) {
		g_string_append(o, svg);
		g_string_append_c(o, '\n');
	} else {
		g_string_append(o, "<p class=\"note\">(");
		esc(o, file);
		g_string_append(o, " is missing: ");
		esc(o, missing);
		g_string_append(o, ")</p>\n");
	}
	g_string_append(o, "</figure>\n");
}

/* Inlines dir/file as a figure with caption; a note when it is missing. */
static void figure(GString *o, const char *dir, const char *file, const char *prefix, const char *caption)
{
	figure_or(o, dir, file, prefix, caption, "gnuplot or Graphviz could not draw it");
}

/* ---- timeline.csv ---- */

struct event {
	char *time, *kind, *subject, *state;
};

static void event_clear(void *p)
{
	struct event *e = p;
	g_free(e->time);
	g_free(e->kind);
	g_free(e->subject);
	g_free(e->state);
}

/* Rows of dir/timeline.csv (empty when it is missing). */
static GArray *read_timeline(const char *dir)
{
	GArray *ev = g_array_new(FALSE, TRUE, sizeof(struct event));
	g_array_set_clear_func(ev, event_clear);
	g_autofree char *path = g_build_filename(dir ? dir : ".", "timeline.csv", NULL);
	g_autofree char *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return ev;
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	for (guint i = 1; lines[i]; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], ",", 4);
		if (g_strv_length(f) != 4)
			continue;
		struct event e = { g_strdup(f[0]), g_strdup(f[1]), g_strdup(f[2]), g_strdup(f[3]) };
		g_array_append_val(ev, e);
	}
	return ev;
}

static const struct event *snapshot(GArray *ev, const char *file)
{
	for (guint i = 0; i < ev->len; i++) {
		const struct event *e = &g_array_index(ev, struct event, i);
		if (strcmp(e->kind, "snapshot") == 0 && strcmp(e->subject, file) == 0)
			return e;
	}
	return NULL;
}

/* ---- the run's page ---- */

static void section_verdicts(GString *o, JsonObject *root)
{
	JsonArray *ex = arr(root, "expectations");
	g_string_append(o, "<h2 id=\"verdicts\">Verdicts</h2>\n");
	if (alen(ex) == 0) {
		g_string_append(o, "<p class=\"note\">The scenario states no expectations.</p>\n");
		return;
	}
	g_string_append(o, "<table>\n<tr><th>result</th><th>expectation</th><th>metric</th><th>wanted</th>"
			   "<th>measured</th><th>written at</th></tr>\n");
	for (guint i = 0; i < alen(ex); i++) {
		JsonObject *e = aobj(ex, i);
		g_string_append(o, "<tr><td>");
		badge(o, flag(e, "pass"));
		g_string_append(o, "</td>");
		cell(o, str(e, "name"), false);
		cell(o, str(e, "metric"), false);
		g_autofree char *want = g_strdup_printf("%s %s", str(e, "op"), str(e, "expected"));
		cell(o, want, false);
		cell(o, str(e, "value_text"), true);
		cell(o, str(e, "where"), false);
		g_string_append(o, "</tr>\n");
	}
	g_string_append(o, "</table>\n");
}

/* The outage a fault caused: the longest flow outage that contains the fault's time or starts
 * within 1 s after it (the report's own rule); *flow_out names the flow. NAN: none. */
static double fault_outage(JsonObject *root, double at_s, const char **flow_out)
{
	JsonArray *flows = arr(root, "flows");
	double best = NAN;
	for (guint i = 0; i < alen(flows); i++) {
		JsonObject *f = aobj(flows, i);
		double from = num(f, "outage_from_s"), to = num(f, "outage_to_s"), len = num(f, "outage_s");
		if (isnan(from) || isnan(to) || !(len > 0))
			continue;
		if (from <= at_s + 1.0 && to >= at_s && (isnan(best) || len > best)) {
			best = len;
			*flow_out = str(f, "name");
		}
	}
	return best;
}

/* The latest re-establishment over the fault's connections, NAN when none came up again. */
static double fault_reestablished(JsonObject *fault)
{
	JsonObject *re = obj(fault, "reestablished_s");
	if (!re)
		return NAN;
	double worst = NAN;
	g_autoptr(GList) names = json_object_get_members(re);
	for (GList *l = names; l; l = l->next) {
		double v = num(re, l->data);
		if (!isnan(v) && (isnan(worst) || v > worst))
			worst = v;
	}
	return worst;
}

static void faults_table(GString *o, JsonObject *root)
{
	JsonArray *faults = arr(root, "faults");
	g_string_append(o, "<table>\n<tr><th>#</th><th>fault</th><th>kind</th><th>at</th><th>outage it caused</th>"
			   "<th>a tunnel came up again after (per connection)</th>"
			   "<th>service restored after (per connection that lost every tunnel)</th></tr>\n");
	for (guint i = 0; i < alen(faults); i++) {
		JsonObject *f = aobj(faults, i);
		double at = num(f, "at_s");
		const char *flow = NULL;
		double out = fault_outage(root, at, &flow);
		g_string_append_printf(o, "<tr><td class=\"num\">%u</td>", i);
		cell(o, str(f, "name"), false);
		cell(o, str(f, "kind"), false);
		cell_take(o, fmt_unit("%.3f", at, "s"), true);
		if (isnan(out))
			cell(o, "none", false);
		else
			cell_take(o, g_strdup_printf("%.3f s (flow %s)", out, flow), false);
		GString *re = g_string_new(NULL);
		JsonObject *ro = obj(f, "reestablished_s");
		g_autoptr(GList) names = ro ? json_object_get_members(ro) : NULL;
		for (GList *l = names; l; l = l->next) {
			double v = num(ro, l->data);
			g_autofree char *t = isnan(v) ? g_strdup("never") : fmt_unit("%.3f", v, "s");
			g_string_append_printf(re, "%s%s: %s", re->len ? ", " : "", (const char *)l->data, t);
		}
		cell(o, re->len ? re->str : "-", false);
		g_string_free(re, TRUE);
		/* restored_s: null when the connection never lost every tunnel (reports before it
		 * existed have none: "-") */
		GString *rs = g_string_new(NULL);
		JsonObject *so = obj(f, "restored_s"), *lo = obj(f, "lost_all_s");
		g_autoptr(GList) snames = so && lo ? json_object_get_members(so) : NULL;
		for (GList *l = snames; l; l = l->next) {
			if (isnan(num(lo, l->data)))
				continue; /* it never lost every tunnel */
			double v = num(so, l->data);
			g_autofree char *t = isnan(v) ? g_strdup("never") : fmt_unit("%.3f", v, "s");
			g_string_append_printf(rs, "%s%s: %s", rs->len ? ", " : "", (const char *)l->data, t);
		}
		cell(o, rs->len ? rs->str : (so && lo ? "none lost every tunnel" : "-"), false);
		g_string_free(rs, TRUE);
		g_string_append(o, "</tr>\n");
	}
	g_string_append(o, "</table>\n");
}

#define MAX_EVENT_ROWS 400

static void events_table(GString *o, GArray *ev)
{
	guint shown = 0, total = 0;
	for (guint i = 0; i < ev->len; i++)
		total += strcmp(g_array_index(ev, struct event, i).kind, "snapshot") != 0;
	if (total == 0) {
		g_string_append(o, "<p class=\"note\">No timeline.csv beside report.json: no event table.</p>\n");
		return;
	}
	g_string_append(o, "<table>\n<tr><th>time (s)</th><th>what</th><th>which</th><th>state</th></tr>\n");
	for (guint i = 0; i < ev->len && shown < MAX_EVENT_ROWS; i++) {
		const struct event *e = &g_array_index(ev, struct event, i);
		if (strcmp(e->kind, "snapshot") == 0)
			continue;
		bool fault = strcmp(e->kind, "fault") == 0, down = strcmp(e->state, "down") == 0;
		g_string_append(o, fault ? "<tr class=\"differs\">" : "<tr>");
		cell(o, e->time, true);
		g_string_append_printf(o, "<td%s>", fault ? " class=\"state-fault\"" : "");
		esc(o, fault ? "FAULT" : e->kind);
		g_string_append(o, "</td>");
		cell(o, e->subject, false);
		g_string_append_printf(o, "<td%s>", down ? " class=\"state-down\"" : "");
		esc(o, down ? "DOWN" : e->state);
		g_string_append(o, "</td></tr>\n");
		shown++;
	}
	g_string_append(o, "</table>\n");
	if (shown < total)
		g_string_append_printf(o, "<p class=\"note\">%u more rows in timeline.csv.</p>\n", total - shown);
}

/* "crash" from "before crash" (the whole text when it does not start so). */
static const char *after_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	return strncmp(text, word, n) == 0 && text[n] == ' ' ? text + n + 1 : text;
}

static void section_fault_diagrams(GString *o, JsonObject *root, const char *dir, GArray *ev)
{
	JsonArray *faults = arr(root, "faults");
	g_string_append(o, "<h2 id=\"faults\">Before and after each fault</h2>\n");
	if (alen(faults) == 0)
		g_string_append(o, "<p class=\"note\">The scenario injects no fault.</p>\n");
	for (guint i = 0; i < alen(faults); i++) {
		JsonObject *f = aobj(faults, i);
		g_autofree char *at = fmt_num("%.3f", num(f, "at_s"));
		g_string_append_printf(o, "<h3 id=\"fault-%u\">Fault %u: ", i, i);
		esc(o, str(f, "name"));
		g_string_append(o, " (");
		esc(o, str(f, "kind"));
		g_string_append_printf(o, ") at %s s</h3>\n", at);
		for (int k = 0; k < 2; k++) {
			const char *when = k ? "after" : "before";
			g_autofree char *file = g_strdup_printf("topology-%u-%s.svg", i, when);
			g_autofree char *prefix = g_strdup_printf("fig-f%u-%s", i, when);
			const struct event *snap = snapshot(ev, file);
			g_autofree char *cap = snap ? g_strdup_printf("%s %s (the state at t = %s s)", k ? "After" : "Before",
								      after_word(snap->state, when), snap->time)
						    : g_strdup(k ? "After the fault" : "Before the fault");
			figure(o, dir, file, prefix, cap);
		}
	}
}

static void tunnels_table(GString *o, JsonObject *root)
{
	JsonArray *t = arr(root, "tunnels");
	g_string_append(o, "<h3>Tunnels (per connection and gateway instance)</h3>\n<table>\n<tr><th>connection</th>"
			   "<th>instance</th><th>at the end</th><th>came up</th><th>went down</th>"
			   "<th>throughput (mean, both ways)</th></tr>\n");
	for (guint i = 0; i < alen(t); i++) {
		JsonObject *x = aobj(t, i);
		g_string_append(o, "<tr>");
		cell(o, str(x, "connection"), false);
		cell_take(o, fmt_num("%.0f", num(x, "instance")), true);
		g_string_append_printf(o, "<td%s>%s</td>", flag(x, "up_at_end") ? "" : " class=\"state-down\"",
				       flag(x, "up_at_end") ? "up" : "DOWN");
		cell_take(o, fmt_num("%.0f", num(x, "up_events")), true);
		cell_take(o, fmt_num("%.0f", num(x, "down_events")), true);
		double bps = num(x, "throughput_bps");
		cell_take(o, isnan(bps) ? g_strdup("-") : fmt_mbps(bps), true);
		g_string_append(o, "</tr>\n");
	}
	g_string_append(o, "</table>\n");
}

static void flows_table(GString *o, JsonObject *root)
{
	JsonArray *fl = arr(root, "flows");
	if (alen(fl) == 0)
		return;
	g_string_append(o, "<h3>Flows</h3>\n<table>\n<tr><th>flow</th><th>from</th><th>to</th><th>kind</th>"
			   "<th>sent (packets)</th><th>received</th><th>loss</th><th>throughput</th><th>outage</th>"
			   "<th>delay p50 / p99 / max (ms)</th></tr>\n");
	for (guint i = 0; i < alen(fl); i++) {
		JsonObject *f = aobj(fl, i);
		JsonObject *d = obj(f, "delay_ms");
		g_string_append(o, "<tr>");
		cell(o, str(f, "name"), false);
		cell(o, str(f, "from"), false);
		cell(o, str(f, "to"), false);
		cell(o, str(f, "kind"), false);
		cell_take(o, fmt_num("%.0f", num(f, "tx_packets")), true);
		cell_take(o, fmt_num("%.0f", num(f, "rx_packets")), true);
		cell_take(o, fmt_unit("%.3f", num(f, "loss") * 100, "%"), true);
		cell_take(o, fmt_mbps(num(f, "throughput_bps")), true);
		double out = num(f, "outage_s");
		if (out > 0)
			cell_take(o, g_strdup_printf("%.3f s (%.3f-%.3f s)", out, num(f, "outage_from_s"), num(f, "outage_to_s")),
				  true);
		else
			cell(o, "none", true);
		g_autofree char *p50 = fmt_num("%.2f", num(d, "p50"));
		g_autofree char *p99 = fmt_num("%.2f", num(d, "p99"));
		g_autofree char *mx = fmt_num("%.2f", num(d, "max"));
		cell_take(o, g_strdup_printf("%s / %s / %s", p50, p99, mx), true);
		g_string_append(o, "</tr>\n");
	}
	g_string_append(o, "</table>\n");
}

static void instances_table(GString *o, JsonObject *root)
{
	JsonArray *in = arr(root, "instances");
	JsonObject *gw = obj(root, "gateway");
	g_string_append(o, "<h3>Gateway instances</h3>\n");
	g_autofree char *fair = fmt_num("%.4f", num(gw, "fairness"));
	g_autofree char *tk = fmt_num("%.0f", num(gw, "takeovers"));
	g_string_append_printf(o, "<p class=\"meta\">Takeovers: %s. Fairness (Jain's index over the sites): %s.</p>\n", tk,
			       fair);
	g_string_append(o, "<table>\n<tr><th>instance</th><th>at the end</th><th>utilisation</th>"
			   "<th>packets processed</th><th>queue drops</th></tr>\n");
	for (guint i = 0; i < alen(in); i++) {
		JsonObject *x = aobj(in, i);
		g_string_append(o, "<tr>");
		cell_take(o, fmt_num("%.0f", num(x, "instance")), true);
		bool down = strcmp(str(x, "state_at_end"), "down") == 0;
		g_string_append_printf(o, "<td%s>", down ? " class=\"state-down\"" : "");
		esc(o, down ? "DOWN" : str(x, "state_at_end"));
		g_string_append(o, "</td>");
		cell_take(o, fmt_unit("%.2f", num(x, "utilisation") * 100, "%"), true);
		cell_take(o, fmt_num("%.0f", num(x, "processed_packets")), true);
		cell_take(o, fmt_num("%.0f", num(x, "drops_queue")), true);
		g_string_append(o, "</tr>\n");
	}
	g_string_append(o, "</table>\n");
	JsonArray *pg = arr(root, "p2s_groups");
	if (alen(pg) == 0)
		return;
	g_string_append(o, "<h3>Point-to-site groups</h3>\n<table>\n<tr><th>group</th><th>clients</th>"
			   "<th>connected at the end</th></tr>\n");
	for (guint i = 0; i < alen(pg); i++) {
		JsonObject *x = aobj(pg, i);
		g_string_append(o, "<tr>");
		cell(o, str(x, "name"), false);
		cell_take(o, fmt_num("%.0f", num(x, "clients")), true);
		cell_take(o, fmt_num("%.0f", num(x, "connected_at_end")), true);
		g_string_append(o, "</tr>\n");
	}
	g_string_append(o, "</table>\n");
}

static bool counter_shown(const char *name)
{
	return g_str_has_prefix(name, "ike/") || g_str_has_prefix(name, "ipsec/") || g_str_has_prefix(name, "gateway/") ||
	       g_str_has_prefix(name, "device/");
}

static void section_counters(GString *o, JsonObject *root)
{
	JsonObject *c = obj(root, "counters");
	g_string_append(o, "<h2 id=\"counters\">IKE and ESP counters</h2>\n");
	if (!c) {
		g_string_append(o, "<p class=\"note\">No counters in report.json.</p>\n");
		return;
	}
	g_autoptr(GList) names = json_object_get_members(c);
	names = g_list_sort(names, (GCompareFunc)strcmp);
	guint zero = 0, shown = 0;
	GString *rows = g_string_new(NULL);
	for (GList *l = names; l; l = l->next) {
		if (!counter_shown(l->data))
			continue;
		double v = num(c, l->data);
		if (!(v != 0)) {
			zero++;
			continue;
		}
		g_string_append(rows, "<tr>");
		cell(rows, l->data, false);
		cell_take(rows, intstr(c, l->data), true);
		g_string_append(rows, "</tr>\n");
		shown++;
	}
	g_string_append(o, "<p class=\"note\">The ike/, ipsec/ (ESP), gateway/ and device/ counters of the run that are "
			   "not zero");
	g_string_append_printf(o, " (%u more are zero; report.json has every counter).</p>\n", zero);
	if (shown) {
		g_string_append(o, "<details open><summary>counters</summary>\n<table>\n<tr><th>counter</th><th>value</th>"
				   "</tr>\n");
		g_string_append(o, rows->str);
		g_string_append(o, "</table>\n</details>\n");
	}
	g_string_free(rows, TRUE);
}

static bool is_report(JsonNode *report, GError **err)
{
	JsonObject *root = obj_of(report);
	if (!root || !obj(root, "scenario")) {
		g_set_error(err, VIZ_HTML_ERROR, VIZ_HTML_ERROR_REPORT, "not a vpnsim report (no \"scenario\" object)");
		return false;
	}
	return true;
}

char *viz_html_report_text(JsonNode *report, const char *dir, GError **err)
{
	if (!is_report(report, err))
		return NULL;
	JsonObject *root = obj_of(report);
	JsonObject *sc = obj(root, "scenario"), *gw = obj(root, "gateway");
	GString *o = g_string_new(NULL);
	g_autofree char *title = g_strdup_printf("vpnsim: %s", str(sc, "name"));
	head(o, title);
	g_string_append(o, "<h1>");
	esc(o, str(sc, "name"));
	g_string_append(o, " ");
	badge(o, strcmp(str(root, "verdict"), "pass") == 0);
	g_string_append(o, "</h1>\n<p class=\"meta\">");
	esc(o, str(sc, "description"));
	g_autofree char *dur = fmt_num("%.0f", num(sc, "duration_s"));
	g_autofree char *seed = intstr(sc, "seed");
	g_autofree char *failed = fmt_num("%.0f", num(root, "expectations_failed"));
	g_string_append_printf(o, "<br>%s s simulated, seed %s; gateway ", dur, seed);
	esc(o, str(gw, "sku"));
	g_string_append(o, " ");
	esc(o, str(gw, "mode"));
	g_string_append_printf(o, "; %s of %u expectations failed.</p>\n", failed, alen(arr(root, "expectations")));
	g_string_append(o, "<p class=\"note\">Contents: <a href=\"#verdicts\">verdicts</a>, <a href=\"#topology\">"
			   "topology</a>, <a href=\"#timeline\">timeline</a>, <a href=\"#faults\">before and after each "
			   "fault</a>, <a href=\"#plots\">plots</a>, <a href=\"#tables\">tables</a>, <a href=\"#counters\">"
			   "counters</a>.</p>\n");

	section_verdicts(o, root);

	g_string_append(o, "<h2 id=\"topology\">Topology</h2>\n");
	figure(o, dir, "topology.svg", "fig-topology",
	       "The topology with the state at the end of the run (tunnels: solid = up, dashed = standby or "
	       "connecting, dotted = DOWN).");

	g_autoptr(GArray) ev = read_timeline(dir);
	g_string_append(o, "<h2 id=\"timeline\">Timeline</h2>\n<h3>Faults</h3>\n");
	if (alen(arr(root, "faults")) == 0)
		g_string_append(o, "<p class=\"note\">The scenario injects no fault.</p>\n");
	else
		faults_table(o, root);
	if (alen(arr(root, "tunnels")) > 0)
		figure(o, dir, "tunnels.svg", "fig-tunnels",
		       "Tunnel states over time: a lane per tunnel, the line at the top of its lane while UP and at the "
		       "bottom while DOWN (down at any moment of a bin counts); faults are dashed vertical lines.");
	if (alen(arr(root, "p2s_groups")) > 0)
		figure(o, dir, "p2s.svg", "fig-p2s",
		       "Point-to-site clients connected over time, per group (a dash pattern per group); faults are "
		       "dashed vertical lines.");
	g_string_append(o, "<h3>Events</h3>\n");
	events_table(o, ev);

	section_fault_diagrams(o, root, dir, ev);

	g_string_append(o, "<h2 id=\"plots\">Plots</h2>\n");
	figure(o, dir, "throughput.svg", "fig-throughput",
	       "Received throughput per flow (a dash pattern per flow); faults dashed vertical lines, every "
	       "outage of each flow (each delivery gap spanning a fault) shaded and labelled.");
	if (alen(arr(root, "tunnels")) > 0)
		figure(o, dir, "tunnel-throughput.svg", "fig-tunnel-throughput",
		       "Throughput per tunnel (per connection in active-standby): inner bytes both ways, measured "
		       "where the gateway encrypts and decrypts; faults dashed vertical lines.");
	figure(o, dir, "utilisation.svg", "fig-utilisation",
	       "Processor utilisation of each gateway instance (busy time per bin).");

	g_string_append(o, "<h2 id=\"tables\">Connections, flows and instances</h2>\n");
	tunnels_table(o, root);
	flows_table(o, root);
	instances_table(o, root);
	section_counters(o, root);

	JsonObject *eng = obj(root, "engine");
	g_autofree char *events = intstr(eng, "events");
	g_string_append_printf(o, "<p class=\"note\">Written by vpnsim from report.json (%s events simulated). The "
				  "pictures are also beside this page as .svg, with their gnuplot .gp and .dat.</p>\n",
			       events);
	g_string_append(o, "</body>\n</html>\n");
	return g_string_free(o, FALSE);
}

static bool write_page(const char *path, const char *text, GError **err)
{
	GError *e = NULL;
	if (!g_file_set_contents(path, text, -1, &e)) {
		g_set_error(err, VIZ_HTML_ERROR, VIZ_HTML_ERROR_IO, "%s", e->message);
		g_error_free(e);
		return false;
	}
	return true;
}

bool viz_html_report(JsonNode *report, const char *dir, const char *out_path, GError **err)
{
	g_autofree char *text = viz_html_report_text(report, dir, err);
	return text && write_page(out_path, text, err);
}

/* ---- comparison ---- */

static struct viz_table_row *row_add(struct viz_table *t, const char *section, const char *label)
{
	struct viz_table_row *r = g_new0(struct viz_table_row, 1);
	r->section = g_strdup(section);
	r->label = g_strdup(label);
	r->cells = g_new0(char *, t->n_runs + 1);
	g_ptr_array_add(t->rows, r);
	return r;
}

static void row_free(void *p)
{
	struct viz_table_row *r = p;
	g_free(r->section);
	g_free(r->label);
	g_strfreev(r->cells);
	g_free(r);
}

/* Names of the elements of array `name` (member `key`) over every run, in order of first
 * appearance. */
static GPtrArray *union_names(const struct viz_compare_run *runs, size_t n, const char *name, const char *key)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	for (size_t r = 0; r < n; r++) {
		JsonArray *a = arr(obj_of(runs[r].report), name);
		for (guint i = 0; i < alen(a); i++) {
			const char *nm = str(aobj(a, i), key);
			if (!g_ptr_array_find_with_equal_func(out, nm, g_str_equal, NULL))
				g_ptr_array_add(out, g_strdup(nm));
		}
	}
	return out;
}

static JsonObject *find_named(JsonObject *root, const char *array, const char *key, const char *name)
{
	JsonArray *a = arr(root, array);
	for (guint i = 0; i < alen(a); i++)
		if (strcmp(str(aobj(a, i), key), name) == 0)
			return aobj(a, i);
	return NULL;
}

static void rows_general(struct viz_table *t, const struct viz_compare_run *runs)
{
	struct viz_table_row *v = row_add(t, "run", "verdict");
	struct viz_table_row *g = row_add(t, "run", "gateway");
	struct viz_table_row *d = row_add(t, "run", "simulated, seed");
	for (size_t r = 0; r < t->n_runs; r++) {
		JsonObject *root = obj_of(runs[r].report);
		JsonObject *gw = obj(root, "gateway"), *sc = obj(root, "scenario");
		bool pass = strcmp(str(root, "verdict"), "pass") == 0;
		v->cells[r] = root ? g_strdup_printf("%s (%.0f of %u failed)", pass ? "PASS" : "FAIL",
						     num(root, "expectations_failed"), alen(arr(root, "expectations")))
				   : g_strdup("-");
		g->cells[r] = g_strdup_printf("%s %s", str(gw, "sku"), str(gw, "mode"));
		g_autofree char *seed = intstr(sc, "seed");
		d->cells[r] = g_strdup_printf("%.0f s, seed %s", num(sc, "duration_s"), seed);
	}
}

static void rows_faults(struct viz_table *t, const struct viz_compare_run *runs)
{
	g_autoptr(GPtrArray) names = union_names(runs, t->n_runs, "faults", "name");
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *sec = g_strdup_printf("fault %s", (const char *)names->pdata[i]);
		struct viz_table_row *k = row_add(t, sec, "kind, at");
		struct viz_table_row *o = row_add(t, sec, "outage");
		struct viz_table_row *u = row_add(t, sec, "a tunnel came up again after");
		for (size_t r = 0; r < t->n_runs; r++) {
			JsonObject *root = obj_of(runs[r].report);
			JsonObject *f = find_named(root, "faults", "name", names->pdata[i]);
			if (!f) {
				k->cells[r] = g_strdup("-");
				o->cells[r] = g_strdup("-");
				u->cells[r] = g_strdup("-");
				continue;
			}
			double at = num(f, "at_s");
			k->cells[r] = g_strdup_printf("%s at %.1f s", str(f, "kind"), at);
			const char *flow = NULL;
			double out = fault_outage(root, at, &flow);
			o->cells[r] = isnan(out) ? g_strdup("none") : g_strdup_printf("%.3f s (%s)", out, flow);
			double re = fault_reestablished(f);
			u->cells[r] = isnan(re) ? g_strdup("never") : fmt_unit("%.3f", re, "s");
		}
	}
}

static void rows_traffic(struct viz_table *t, const struct viz_compare_run *runs)
{
	struct viz_table_row *agg = row_add(t, "traffic", "throughput, all flows");
	struct viz_table_row *loss = row_add(t, "traffic", "loss, all flows");
	struct viz_table_row *fair = row_add(t, "traffic", "fairness (Jain)");
	for (size_t r = 0; r < t->n_runs; r++) {
		JsonObject *root = obj_of(runs[r].report);
		JsonArray *fl = arr(root, "flows");
		double bps = 0, tx = 0, rx = 0;
		for (guint i = 0; i < alen(fl); i++) {
			bps += num(aobj(fl, i), "throughput_bps");
			tx += num(aobj(fl, i), "tx_packets");
			rx += num(aobj(fl, i), "rx_packets");
		}
		agg->cells[r] = alen(fl) ? fmt_mbps(bps) : g_strdup("-");
		loss->cells[r] = tx > 0 ? fmt_unit("%.3f", (tx - rx) / tx * 100, "%") : g_strdup("-");
		fair->cells[r] = fmt_num("%.4f", num(obj(root, "gateway"), "fairness"));
	}
	g_autoptr(GPtrArray) names = union_names(runs, t->n_runs, "flows", "name");
	for (guint i = 0; i < names->len; i++) {
		g_autofree char *sec = g_strdup_printf("flow %s", (const char *)names->pdata[i]);
		struct viz_table_row *th = row_add(t, sec, "throughput");
		struct viz_table_row *ls = row_add(t, sec, "loss");
		struct viz_table_row *ou = row_add(t, sec, "outage");
		for (size_t r = 0; r < t->n_runs; r++) {
			JsonObject *f = find_named(obj_of(runs[r].report), "flows", "name", names->pdata[i]);
			th->cells[r] = f ? fmt_mbps(num(f, "throughput_bps")) : g_strdup("-");
			ls->cells[r] = f ? fmt_unit("%.3f", num(f, "loss") * 100, "%") : g_strdup("-");
			double out = f ? num(f, "outage_s") : NAN;
			ou->cells[r] = !f ? g_strdup("-") : out > 0 ? fmt_unit("%.3f", out, "s") : g_strdup("none");
		}
	}
}

/* Mean throughput (inner bytes both ways) of connection `name`'s tunnels in report root, all of
 * them (instance -1) or the one to an instance; NAN when there is none or no figure. */
static double connection_bps(JsonObject *root, const char *name, int instance)
{
	JsonArray *tu = arr(root, "tunnels");
	double bps = NAN;
	for (guint i = 0; i < alen(tu); i++) {
		JsonObject *x = aobj(tu, i);
		if (strcmp(str(x, "connection"), name) != 0 || (instance >= 0 && num(x, "instance") != instance))
			continue;
		bps = (isnan(bps) ? 0 : bps) + num(x, "throughput_bps");
	}
	return bps;
}

static char *fmt_mbps_or_dash(double bps)
{
	return isnan(bps) ? g_strdup("-") : fmt_mbps(bps);
}

/* Per connection (by name): its tunnels' mean throughput in all and per gateway instance. */
static void rows_connections(struct viz_table *t, const struct viz_compare_run *runs)
{
	g_autoptr(GPtrArray) names = union_names(runs, t->n_runs, "tunnels", "connection");
	for (guint i = 0; i < names->len; i++) {
		const char *name = names->pdata[i];
		g_autofree char *sec = g_strdup_printf("connection %s", name);
		struct viz_table_row *all = row_add(t, sec, "throughput, its tunnels (both ways)");
		struct viz_table_row *in[2] = { row_add(t, sec, "throughput, tunnel to instance 0"),
						row_add(t, sec, "throughput, tunnel to instance 1") };
		for (size_t r = 0; r < t->n_runs; r++) {
			JsonObject *root = obj_of(runs[r].report);
			all->cells[r] = fmt_mbps_or_dash(connection_bps(root, name, -1));
			for (int k = 0; k < 2; k++)
				in[k]->cells[r] = fmt_mbps_or_dash(connection_bps(root, name, k));
		}
	}
}

static void rows_gateway(struct viz_table *t, const struct viz_compare_run *runs)
{
	struct viz_table_row *used = row_add(t, "tunnels", "tunnels used (came up at least once)");
	struct viz_table_row *end = row_add(t, "tunnels", "tunnels up at the end");
	struct viz_table_row *tk = row_add(t, "tunnels", "takeovers");
	struct viz_table_row *u[2] = { row_add(t, "gateway", "utilisation, instance 0"),
				       row_add(t, "gateway", "utilisation, instance 1") };
	for (size_t r = 0; r < t->n_runs; r++) {
		JsonObject *root = obj_of(runs[r].report);
		JsonArray *tu = arr(root, "tunnels");
		unsigned nu = 0, ne = 0;
		for (guint i = 0; i < alen(tu); i++) {
			nu += num(aobj(tu, i), "up_events") > 0;
			ne += flag(aobj(tu, i), "up_at_end");
		}
		used->cells[r] = g_strdup_printf("%u", nu);
		end->cells[r] = g_strdup_printf("%u", ne);
		tk->cells[r] = fmt_num("%.0f", num(obj(root, "gateway"), "takeovers"));
		JsonArray *in = arr(root, "instances");
		for (guint i = 0; i < 2; i++)
			u[i]->cells[r] = i < alen(in) ? fmt_unit("%.2f", num(aobj(in, i), "utilisation") * 100, "%")
						      : g_strdup("-");
	}
}

static void rows_expectations(struct viz_table *t, const struct viz_compare_run *runs)
{
	g_autoptr(GPtrArray) names = union_names(runs, t->n_runs, "expectations", "name");
	for (guint i = 0; i < names->len; i++) {
		struct viz_table_row *e = row_add(t, "expectations", names->pdata[i]);
		for (size_t r = 0; r < t->n_runs; r++) {
			JsonObject *x = find_named(obj_of(runs[r].report), "expectations", "name", names->pdata[i]);
			e->cells[r] = x ? g_strdup_printf("%s %s (%s %s %s)", flag(x, "pass") ? "PASS" : "FAIL",
							  str(x, "value_text"), str(x, "metric"), str(x, "op"),
							  str(x, "expected"))
					: g_strdup("-");
		}
	}
}

struct viz_table *viz_compare_table(const struct viz_compare_run *runs, size_t n)
{
	struct viz_table *t = g_new0(struct viz_table, 1);
	t->n_runs = n;
	t->rows = g_ptr_array_new_with_free_func(row_free);
	rows_general(t, runs);
	rows_faults(t, runs);
	rows_traffic(t, runs);
	rows_connections(t, runs);
	rows_gateway(t, runs);
	rows_expectations(t, runs);
	for (guint i = 0; i < t->rows->len; i++) {
		struct viz_table_row *r = t->rows->pdata[i];
		for (size_t k = 1; k < n; k++)
			r->differs |= strcmp(r->cells[k], r->cells[0]) != 0;
	}
	return t;
}

void viz_table_free(struct viz_table *t)
{
	if (!t)
		return;
	g_ptr_array_free(t->rows, TRUE);
	g_free(t);
}

/* Display width of UTF-8 text (characters). */
static size_t width(const char *s)
{
	return g_utf8_validate(s, -1, NULL) ? (size_t)g_utf8_strlen(s, -1) : strlen(s);
}

static void pad(GString *o, const char *s, size_t w)
{
	g_string_append(o, s);
	for (size_t k = width(s); k < w; k++)
		g_string_append_c(o, ' ');
}

char *viz_table_text(const struct viz_table *t, const struct viz_compare_run *runs)
{
	size_t lw = 0;
	size_t *cw = g_new0(size_t, t->n_runs + 1);
	for (size_t r = 0; r < t->n_runs; r++)
		cw[r] = width(runs[r].label);
	for (guint i = 0; i < t->rows->len; i++) {
		const struct viz_table_row *row = t->rows->pdata[i];
		lw = MAX(lw, width(row->label) + 2);
		lw = MAX(lw, width(row->section));
		for (size_t r = 0; r < t->n_runs; r++)
			cw[r] = MAX(cw[r], width(row->cells[r]));
	}
	GString *o = g_string_new(NULL);
	g_string_append(o, "  ");
	pad(o, "", lw);
	for (size_t r = 0; r < t->n_runs; r++) {
		g_string_append(o, " | ");
		pad(o, runs[r].label, r + 1 < t->n_runs ? cw[r] : 0);
	}
	g_string_append_c(o, '\n');
	const char *section = NULL;
	for (guint i = 0; i < t->rows->len; i++) {
		const struct viz_table_row *row = t->rows->pdata[i];
		if (!section || strcmp(section, row->section) != 0) {
			section = row->section;
			g_string_append_printf(o, "  %s\n", section);
		}
		g_string_append(o, row->differs ? "* " : "  ");
		g_string_append(o, "  ");
		pad(o, row->label, lw - 2);
		for (size_t r = 0; r < t->n_runs; r++) {
			g_string_append(o, " | ");
			pad(o, row->cells[r], r + 1 < t->n_runs ? cw[r] : 0);
		}
		g_string_append_c(o, '\n');
	}
	g_free(cw);
	return g_string_free(o, FALSE);
}

static void compare_cell(GString *o, const char *text)
{
	bool pass = g_str_has_prefix(text, "PASS"), fail = g_str_has_prefix(text, "FAIL");
	g_string_append(o, "<td>");
	if (pass || fail) {
		badge(o, pass);
		g_string_append_c(o, ' ');
		esc(o, text + 4);
	} else {
		esc(o, text);
	}
	g_string_append(o, "</td>");
}

bool viz_html_compare(const struct viz_compare_run *runs, size_t n, const struct viz_table *t, const char *dir,
		      const char *out_path, GError **err)
{
	GString *o = g_string_new(NULL);
	bool all = true;
	for (size_t r = 0; r < n; r++)
		all &= strcmp(str(obj_of(runs[r].report), "verdict"), "pass") == 0;
	head(o, "vpnsim: comparison");
	g_string_append(o, "<h1>Comparison of ");
	g_string_append_printf(o, "%zu runs ", n);
	badge(o, all);
	g_string_append(o, "</h1>\n<p class=\"meta\">");
	for (size_t r = 0; r < n; r++) {
		JsonObject *sc = obj(obj_of(runs[r].report), "scenario");
		g_string_append(o, r ? "<br>" : "");
		g_string_append(o, "<b>");
		esc(o, runs[r].label);
		g_string_append(o, "</b>: ");
		esc(o, str(sc, "description"));
		if (runs[r].link) {
			g_string_append(o, " (<a href=\"");
			esc(o, runs[r].link);
			g_string_append(o, "\">its report</a>)");
		}
	}
	g_string_append(o, "</p>\n<h2 id=\"table\">Side by side</h2>\n<p class=\"note\">Rows whose values differ are "
			   "shaded and marked with *.</p>\n<table>\n<tr><th>metric</th>");
	for (size_t r = 0; r < n; r++) {
		g_string_append(o, "<th>");
		esc(o, runs[r].label);
		g_string_append(o, "</th>");
	}
	g_string_append(o, "</tr>\n");
	const char *section = NULL;
	for (guint i = 0; i < t->rows->len; i++) {
		const struct viz_table_row *row = t->rows->pdata[i];
		if (!section || strcmp(section, row->section) != 0) {
			section = row->section;
			g_string_append_printf(o, "<tr class=\"section\"><th colspan=\"%zu\">", n + 1);
			esc(o, section);
			g_string_append(o, "</th></tr>\n");
		}
		g_string_append(o, row->differs ? "<tr class=\"differs\"><td>* " : "<tr><td>");
		esc(o, row->label);
		g_string_append(o, "</td>");
		for (size_t r = 0; r < n; r++)
			compare_cell(o, row->cells[r]);
		g_string_append(o, "</tr>\n");
	}
	g_string_append(o, "</table>\n<h2 id=\"plots\">Overlaid</h2>\n");
	figure(o, dir, "compare-throughput.svg", "fig-compare-throughput",
	       "Received throughput of all flows together, one line (and dash pattern) per run; each run's longest "
	       "outage shaded and labelled with the run's name; faults dashed vertical lines.");
	g_autoptr(GPtrArray) flows = union_names(runs, n, "flows", "name");
	for (guint i = 0; i < flows->len; i++) {
		g_autofree char *name = viz_plot_name("compare-flow-", flows->pdata[i]);
		g_autofree char *file = g_strdup_printf("%s.svg", name);
		g_autofree char *prefix = g_strdup_printf("fig-%s", name);
		g_autofree char *cap = g_strdup_printf("Received throughput of flow %s in each run; that flow's outage in "
						       "each run shaded; faults dashed vertical lines.",
						       (const char *)flows->pdata[i]);
		figure(o, dir, file, prefix, cap);
	}
	g_string_append(o, "<h2 id=\"topologies\">Topologies at the end of each run</h2>\n");
	for (size_t r = 0; r < n; r++) {
		g_autofree char *prefix = g_strdup_printf("fig-run%zu-topology", r);
		g_autofree char *cap = g_strdup_printf("%s", runs[r].label);
		figure(o, runs[r].dir, "topology.svg", prefix, cap);
	}
	g_string_append(o, "<p class=\"note\">Written by vpnsim compare from each run's report.json.</p>\n</body>\n</html>\n");
	bool ok = write_page(out_path, o->str, err);
	g_string_free(o, TRUE);
	return ok;
}
