/* test_report_html.c: viz/html.c: SVG inlining (ids prefixed, scripts refused), the run's page
 * (escaped scenario text, verdicts, timeline, pictures from the directory, no external
 * reference, same bytes twice) and the comparison table. */
#include "tests/cu.h"
#include "viz/html.h"

#include <glib/gstdio.h>
#include <string.h>

static JsonNode *parse(const char *text)
{
	JsonParser *p = json_parser_new();
	GError *err = NULL;
	CU_ASSERT_FATAL(json_parser_load_from_data(p, text, -1, &err));
	JsonNode *root = json_node_copy(json_parser_get_root(p));
	g_object_unref(p);
	return root;
}

/* A report in the shape scenarios/report.c writes, with hostile text where a scenario may put
 * free text. */
static const char report_a[] =
	"{\"scenario\":{\"name\":\"aa\",\"description\":\"<script>alert(1)</script> & \\\"q\\\"\",\"duration_s\":600.0,"
	"\"seed\":7},\"verdict\":\"pass\",\"expectations_failed\":0,"
	"\"expectations\":[{\"name\":\"voice_outage\",\"metric\":\"flow.voice.outage\",\"op\":\"<=\",\"expected\":\"60 s\","
	"\"value_text\":\"8.326 s\",\"pass\":true,\"where\":\"x<y>.ini:3\"}],"
	"\"gateway\":{\"sku\":\"VpnGw2\",\"mode\":\"active-active\",\"takeovers\":0,\"fairness\":1.0},"
	"\"instances\":[{\"instance\":0,\"state_at_end\":\"down\",\"utilisation\":0.5,\"processed_packets\":10,"
	"\"drops_queue\":0},{\"instance\":1,\"state_at_end\":\"active\",\"utilisation\":0.25,\"processed_packets\":20,"
	"\"drops_queue\":1}],"
	"\"faults\":[{\"name\":\"crash\",\"kind\":\"instance-crash\",\"at_s\":120.0,\"reestablished_s\":{\"branch\":240.5}}],"
	"\"p2s_groups\":[],\"tunnels\":[{\"connection\":\"branch\",\"instance\":0,\"up_at_end\":false,\"up_events\":1,"
	"\"down_events\":1,\"throughput_bps\":1250000.0},{\"connection\":\"branch\",\"instance\":1,\"up_at_end\":true,"
	"\"up_events\":1,\"down_events\":0,\"throughput_bps\":750000.0}],"
	"\"flows\":[{\"name\":\"voice\",\"from\":\"site:branch\",\"to\":\"vnet\",\"kind\":\"cbr\",\"tx_packets\":1000,"
	"\"rx_packets\":990,\"loss\":0.01,\"throughput_bps\":2000000.0,\"outage_s\":8.326,\"outage_from_s\":120.0,"
	"\"outage_to_s\":128.326,\"delay_ms\":{\"p50\":9.3,\"p99\":9.4,\"max\":9.5}}],"
	"\"engine\":{\"events\":5},\"counters\":{\"ipsec/gw/rx_esp\":990,\"ike/gw/zero\":0,\"link/x\":5}}";

static const char report_b[] =
	"{\"scenario\":{\"name\":\"as\",\"description\":\"b\",\"duration_s\":600.0,\"seed\":7},\"verdict\":\"fail\","
	"\"expectations_failed\":1,\"expectations\":[{\"name\":\"voice_outage\",\"metric\":\"flow.voice.outage\","
	"\"op\":\"<=\",\"expected\":\"60 s\",\"value_text\":\"70.100 s\",\"pass\":false,\"where\":\"b.ini:9\"}],"
	"\"gateway\":{\"sku\":\"VpnGw1\",\"mode\":\"active-standby\",\"takeovers\":1,\"fairness\":1.0},"
	"\"instances\":[],\"faults\":[{\"name\":\"crash\",\"kind\":\"instance-crash\",\"at_s\":120.0,"
	"\"reestablished_s\":{\"hq\":null}}],\"tunnels\":[],"
	"\"flows\":[{\"name\":\"app\",\"tx_packets\":100,\"rx_packets\":50,\"loss\":0.5,\"throughput_bps\":1000000.0,"
	"\"outage_s\":70.1,\"outage_from_s\":120.5,\"outage_to_s\":190.6}],\"counters\":{}}";

static void test_svg_inline(void)
{
	const char *doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"x\" \"http://www.w3.org/x.dtd\">\n"
			  "<svg width=\"10\" viewBox=\"0 0 10 10\">\n<g id=\"graph0\"><use xlink:href='#gpPt1'/>"
			  "<rect fill=\"url(#grad)\" href=\"#a\"/><text>id=\"x\" href=#</text></g>\n</svg>\n<!-- after -->";
	g_autofree char *s = viz_svg_inline(doc, "p1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT(g_str_has_prefix(s, "<svg"));
	CU_ASSERT(g_str_has_suffix(s, "</svg>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "id=\"p1-graph0\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "xlink:href='#p1-gpPt1'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "url(#p1-grad)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(s, "href=\"#p1-a\""));
	CU_ASSERT_PTR_NULL(strstr(s, "DOCTYPE"));
	CU_ASSERT_PTR_NULL(strstr(s, "after"));
	CU_ASSERT_PTR_NULL(viz_svg_inline("<svg><script>x()</script></svg>", "p"));
	CU_ASSERT_PTR_NULL(viz_svg_inline("<html>no picture</html>", "p"));
	CU_ASSERT_PTR_NULL(viz_svg_inline(NULL, "p"));
}

/* The page escapes scenario text, shows verdicts and states in words, and points nowhere. */
static void test_report_page(void)
{
	g_autofree char *dir = g_dir_make_tmp("vpnsim-html-XXXXXX", NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	g_autofree char *svg = g_build_filename(dir, "topology-0-after.svg", NULL);
	g_autofree char *csv = g_build_filename(dir, "timeline.csv", NULL);
	CU_ASSERT(g_file_set_contents(svg, "<?xml?><svg id=\"graph0\"><text>AFTER-PICTURE</text></svg>", -1, NULL));
	CU_ASSERT(g_file_set_contents(csv,
				      "time_s,kind,subject,state\n0.1,tunnel,branch:0,up\n120,fault,crash,instance-crash 0\n"
				      "120,tunnel,branch:0,down\n121,snapshot,topology-0-after.svg,after crash\n",
				      -1, NULL));
	JsonNode *root = parse(report_a);
	GError *err = NULL;
	g_autofree char *html = viz_html_report_text(root, dir, &err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(html);
	CU_ASSERT(g_str_has_prefix(html, "<!DOCTYPE html>"));
	CU_ASSERT_PTR_NULL(strstr(html, "<script"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "x&lt;y&gt;.ini:3"));
	CU_ASSERT_PTR_NULL(strstr(html, "http://"));
	CU_ASSERT_PTR_NULL(strstr(html, "https://"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "badge pass\">PASS"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "8.326 s"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<th>throughput (mean, both ways)</th>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td class=\"num\">1.250 Mbit/s</td></tr>"));
	/* the verdicts come before the topology, the timeline before the plots */
	CU_ASSERT(strstr(html, "id=\"verdicts\"") < strstr(html, "id=\"topology\""));
	CU_ASSERT(strstr(html, "id=\"timeline\"") < strstr(html, "id=\"plots\""));
	/* the picture from the directory, its ids prefixed; missing ones noted */
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "AFTER-PICTURE"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "id=\"fig-f0-after-graph0\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "After crash (the state at t = 121 s)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "topology-0-before.svg is missing"));
	/* states in words: the timeline and the instance table say DOWN */
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "<td>branch:0</td><td class=\"state-down\">DOWN</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "class=\"state-down\">DOWN</td><td class=\"num\">50.00 %"));
	/* the fault's outage and re-establishment */
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "8.326 s (flow voice)"));
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "branch: 240.500 s"));
	/* counters: non-zero ike/ipsec ones only */
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "ipsec/gw/rx_esp"));
	CU_ASSERT_PTR_NULL(strstr(html, "ike/gw/zero"));
	CU_ASSERT_PTR_NULL(strstr(html, "link/x"));
	g_autofree char *again = viz_html_report_text(root, dir, NULL);
	CU_ASSERT_STRING_EQUAL(html, again);
	g_autofree char *out = g_build_filename(dir, "report.html", NULL);
	CU_ASSERT(viz_html_report(root, dir, out, NULL));
	CU_ASSERT(g_file_test(out, G_FILE_TEST_IS_REGULAR));
	g_unlink(out);
	g_unlink(svg);
	g_unlink(csv);
	g_rmdir(dir);
	json_node_unref(root);
}

static void test_not_a_report(void)
{
	JsonNode *root = parse("{\"verdict\":\"pass\"}");
	GError *err = NULL;
	CU_ASSERT_PTR_NULL(viz_html_report_text(root, ".", &err));
	CU_ASSERT(g_error_matches(err, VIZ_HTML_ERROR, VIZ_HTML_ERROR_REPORT));
	g_clear_error(&err);
	json_node_unref(root);
}

static const struct viz_table_row *row(const struct viz_table *t, const char *section, const char *label)
{
	for (guint i = 0; i < t->rows->len; i++) {
		const struct viz_table_row *r = t->rows->pdata[i];
		if (strcmp(r->section, section) == 0 && strcmp(r->label, label) == 0)
			return r;
	}
	return NULL;
}

static void test_compare_table(void)
{
	JsonNode *a = parse(report_a), *b = parse(report_b);
	struct viz_compare_run runs[2] = { { "aa", a, "/nonexistent", NULL }, { "as", b, "/nonexistent", NULL } };
	struct viz_table *t = viz_compare_table(runs, 2);
	const struct viz_table_row *r = row(t, "run", "verdict");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(r->cells[0], "PASS (0 of 1 failed)");
	CU_ASSERT_STRING_EQUAL(r->cells[1], "FAIL (1 of 1 failed)");
	CU_ASSERT(r->differs);
	r = row(t, "fault crash", "outage");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(r->cells[0], "8.326 s (voice)");
	CU_ASSERT_STRING_EQUAL(r->cells[1], "70.100 s (app)");
	r = row(t, "fault crash", "a tunnel came up again after");
	CU_ASSERT_STRING_EQUAL(r->cells[0], "240.500 s");
	CU_ASSERT_STRING_EQUAL(r->cells[1], "never");
	r = row(t, "flow voice", "throughput");
	CU_ASSERT_STRING_EQUAL(r->cells[0], "2.000 Mbit/s");
	CU_ASSERT_STRING_EQUAL(r->cells[1], "-");
	r = row(t, "traffic", "loss, all flows");
	CU_ASSERT_STRING_EQUAL(r->cells[0], "1.000 %");
	CU_ASSERT_STRING_EQUAL(r->cells[1], "50.000 %");
	r = row(t, "traffic", "fairness (Jain)");
	CU_ASSERT(!r->differs);
	r = row(t, "connection branch", "throughput, its tunnels (both ways)");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(r->cells[0], "2.000 Mbit/s");
	CU_ASSERT_STRING_EQUAL(r->cells[1], "-");
	r = row(t, "connection branch", "throughput, tunnel to instance 1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_STRING_EQUAL(r->cells[0], "0.750 Mbit/s");
	r = row(t, "tunnels", "tunnels used (came up at least once)");
	CU_ASSERT_STRING_EQUAL(r->cells[0], "2");
	CU_ASSERT_STRING_EQUAL(r->cells[1], "0");
	r = row(t, "expectations", "voice_outage");
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT(g_str_has_prefix(r->cells[0], "PASS 8.326 s"));
	CU_ASSERT(g_str_has_prefix(r->cells[1], "FAIL 70.100 s"));
	g_autofree char *text = viz_table_text(t, runs);
	CU_ASSERT(g_str_has_prefix(text, "  "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "| aa"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "* "));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "fault crash\n"));
	g_autofree char *dir = g_dir_make_tmp("vpnsim-cmp-XXXXXX", NULL);
	g_autofree char *out = g_build_filename(dir, "report.html", NULL);
	CU_ASSERT(viz_html_compare(runs, 2, t, dir, out, NULL));
	g_autofree char *page = NULL;
	CU_ASSERT(g_file_get_contents(out, &page, NULL, NULL));
	CU_ASSERT_PTR_NOT_NULL(page && strstr(page, "<th>aa</th><th>as</th>"));
	CU_ASSERT_PTR_NULL(page && strstr(page, "<script"));
	g_unlink(out);
	g_rmdir(dir);
	viz_table_free(t);
	json_node_unref(a);
	json_node_unref(b);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "svg_inline", test_svg_inline },
		{ "report_page", test_report_page },
		{ "not_a_report", test_not_a_report },
		{ "compare_table", test_compare_table },
		{ NULL, NULL },
	};
	return cu_run("html", tests);
}
