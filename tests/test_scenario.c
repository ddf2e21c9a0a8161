/* test_scenario.c: the scenario front end: units, the INI reader, did-you-mean, a table of bad
 * files with their exact first diagnostics, one file with many errors reported in one pass,
 * good files parsed to the expected description, inheritance, --set, the examples, the check
 * verb's exit codes, and the fuzz target (fuzz/fuzz_scenario.c) over deterministic mutations of
 * every good file. Runs in tests/scenario-data (file names in messages are relative to it). */
#include "scenarios/cmd.h"
#include "scenarios/parse.h"
#include "scenarios/units.h"
#include "scenarios/validate.h"
#include "sim/ipv4.h"
#include "models/gateway.h"
#include "tests/cu.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#ifndef SCENARIO_DATA_DIR
#define SCENARIO_DATA_DIR "tests/scenario-data"
#endif

unsigned fuzz_scenario_run(const uint8_t *data, size_t size, const char *const *sets, size_t n_sets);

static int run_check(const char *const *args, int n);

/* Parses and validates file (with sets), returns its diagnostics formatted and sorted. */
static GPtrArray *problems_of(const char *file, const char *const *sets, size_t n_sets, struct scenario **out,
			      unsigned *errors)
{
	struct scn_parse_opts o = { .sets = sets, .n_sets = n_sets };
	struct scn_diags d;
	scn_diags_init(&d);
	struct scenario *s = scn_parse_file(file, &o, &d);
	if (s)
		scn_validate(s, &d);
	scn_diags_sort(&d);
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < d.items->len; i++)
		g_ptr_array_add(lines, scn_diag_format(&g_array_index(d.items, struct scn_diag, i)));
	if (errors)
		*errors = d.errors;
	scn_diags_clear(&d);
	if (out)
		*out = s;
	else
		scenario_free(s);
	return lines;
}

static void dump(const char *what, GPtrArray *lines)
{
	fprintf(stderr, "\n%s:\n", what);
	for (guint i = 0; i < lines->len; i++)
		fprintf(stderr, "  %s\n", (char *)lines->pdata[i]);
}

/* ---- units ---- */

struct dur_case {
	const char *s;
	enum units_result r;
	sim_time ns;
};

static void test_units_duration(void)
{
	static const struct dur_case cases[] = {
		{ "0 s", UNITS_OK, 0 },
		{ "0ns", UNITS_OK, 0 },
		{ "10 ms", UNITS_OK, 10000000 },
		{ "10ms", UNITS_OK, 10000000 },
		{ "  10 \t ms  ", UNITS_OK, 10000000 },
		{ "1.5s", UNITS_OK, 1500000000 },
		{ "1.5 min", UNITS_OK, INT64_C(90000000000) },
		{ "2 h", UNITS_OK, INT64_C(7200000000000) },
		{ "1 ns", UNITS_OK, 1 },
		{ "3 us", UNITS_OK, 3000 },
		{ "0.000000001 s", UNITS_OK, 1 },
		{ "1.50000 s", UNITS_OK, 1500000000 },
		{ "007 s", UNITS_OK, INT64_C(7000000000) },
		{ "9223372036854775807 ns", UNITS_OK, INT64_MAX },
		{ "9223372036854775808 ns", UNITS_OVERFLOW, 0 },
		{ "2562047 h", UNITS_OK, INT64_C(2562047) * 3600 * 1000000000 },
		{ "2562048 h", UNITS_OVERFLOW, 0 },
		{ "99999999999999999999999999999999 s", UNITS_OVERFLOW, 0 },
		{ "10", UNITS_NO_UNIT, 0 },
		{ "1.5", UNITS_NO_UNIT, 0 },
		{ "10 sec", UNITS_UNKNOWN_UNIT, 0 },
		{ "10 MS", UNITS_UNKNOWN_UNIT, 0 },
		{ "10 s x", UNITS_UNKNOWN_UNIT, 0 },
		{ "-1 s", UNITS_NEGATIVE, 0 },
		{ " -0 s", UNITS_NEGATIVE, 0 },
		{ "", UNITS_EMPTY, 0 },
		{ "   ", UNITS_EMPTY, 0 },
		{ "1.5 ns", UNITS_NOT_WHOLE, 0 },
		{ "0.0000000001 s", UNITS_NOT_WHOLE, 0 },
		{ "1.s", UNITS_BAD_NUMBER, 0 },
		{ ".5 s", UNITS_BAD_NUMBER, 0 },
		{ "1e3 s", UNITS_BAD_NUMBER, 0 },
		{ "1,5 s", UNITS_BAD_NUMBER, 0 },
		{ "+1 s", UNITS_BAD_NUMBER, 0 },
		{ "1.2.3 s", UNITS_BAD_NUMBER, 0 },
		{ "s", UNITS_BAD_NUMBER, 0 },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		sim_time ns = -7;
		enum units_result r = units_duration(cases[i].s, &ns);
		if (r != cases[i].r || (r == UNITS_OK && ns != cases[i].ns))
			fprintf(stderr, "\nduration '%s': got %d/%lld, want %d/%lld\n", cases[i].s, r, (long long)ns, cases[i].r,
				(long long)cases[i].ns);
		CU_ASSERT_EQUAL(r, cases[i].r);
		if (r == UNITS_OK) {
			CU_ASSERT_EQUAL(ns, cases[i].ns);
		} else {
			CU_ASSERT_EQUAL(ns, -7); /* untouched on failure */
		}
	}
}

struct u64_case {
	const char *s;
	enum units_result r;
	uint64_t v;
};

static void run_u64(const char *what, enum units_result (*fn)(const char *, uint64_t *), const struct u64_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 7;
		enum units_result r = fn(c[i].s, &v);
		if (r != c[i].r || (r == UNITS_OK && v != c[i].v))
			fprintf(stderr, "\n%s '%s': got %d/%llu, want %d/%llu\n", what, c[i].s, r, (unsigned long long)v, c[i].r,
				(unsigned long long)c[i].v);
		CU_ASSERT_EQUAL(r, c[i].r);
		if (r == UNITS_OK)
			CU_ASSERT_EQUAL(v, c[i].v);
	}
}

static void test_units_rate(void)
{
	static const struct u64_case cases[] = {
		{ "0 bps", UNITS_OK, 0 },
		{ "1 bps", UNITS_OK, 1 },
		{ "100 kbps", UNITS_OK, 100000 },
		{ "10 Mbps", UNITS_OK, 10000000 },
		{ "10Mbps", UNITS_OK, 10000000 },
		{ "1.5 Gbps", UNITS_OK, 1500000000 },
		{ "0.001 kbps", UNITS_OK, 1 },
		{ "18446744073709551615 bps", UNITS_OK, UINT64_MAX },
		{ "18446744073709551616 bps", UNITS_OVERFLOW, 0 },
		{ "18446744074 Gbps", UNITS_OVERFLOW, 0 },
		{ "0.5 bps", UNITS_NOT_WHOLE, 0 },
		{ "10 mbps", UNITS_UNKNOWN_UNIT, 0 },
		{ "10 Mb/s", UNITS_UNKNOWN_UNIT, 0 },
		{ "10", UNITS_NO_UNIT, 0 },
		{ "-10 Mbps", UNITS_NEGATIVE, 0 },
		{ "fast", UNITS_BAD_NUMBER, 0 },
	};
	run_u64("rate", units_rate, cases, G_N_ELEMENTS(cases));
}

static void test_units_size(void)
{
	static const struct u64_case cases[] = {
		{ "0 B", UNITS_OK, 0 },
		{ "1400 B", UNITS_OK, 1400 },
		{ "1 KB", UNITS_OK, 1024 },
		{ "1.5 KB", UNITS_OK, 1536 },
		{ "1 MB", UNITS_OK, 1048576 },
		{ "1 GB", UNITS_OK, 1073741824 },
		{ "2 KiB", UNITS_OK, 2048 },
		{ "102400000 KB", UNITS_OK, UINT64_C(104857600000) }, /* Azure's default SA volume */
		{ "17179869183 GB", UNITS_OK, UINT64_C(17179869183) << 30 },
		{ "17179869184 GB", UNITS_OVERFLOW, 0 },
		{ "0.5 B", UNITS_NOT_WHOLE, 0 },
		{ "0.1 KB", UNITS_NOT_WHOLE, 0 },
		{ "1 kB", UNITS_UNKNOWN_UNIT, 0 },
		{ "1 TB", UNITS_UNKNOWN_UNIT, 0 },
		{ "1400", UNITS_NO_UNIT, 0 },
		{ "-1 B", UNITS_NEGATIVE, 0 },
	};
	run_u64("size", units_size, cases, G_N_ELEMENTS(cases));
}

static void test_units_percent_and_plain(void)
{
	double f = -1;
	CU_ASSERT_EQUAL(units_percent("0%", &f), UNITS_OK);
	CU_ASSERT_EQUAL(f, 0.0);
	CU_ASSERT_EQUAL(units_percent("100%", &f), UNITS_OK);
	CU_ASSERT_EQUAL(f, 1.0);
	CU_ASSERT_EQUAL(units_percent(" 0.5 % ", &f), UNITS_OK);
	CU_ASSERT_DOUBLE_EQUAL(f, 0.005, 1e-15);
	CU_ASSERT_EQUAL(units_percent("100.1%", &f), UNITS_OVERFLOW);
	CU_ASSERT_EQUAL(units_percent("5", &f), UNITS_NO_UNIT);
	CU_ASSERT_EQUAL(units_percent("5 pct", &f), UNITS_UNKNOWN_UNIT);
	CU_ASSERT_EQUAL(units_percent("5%%", &f), UNITS_UNKNOWN_UNIT);
	CU_ASSERT_EQUAL(units_percent("-1%", &f), UNITS_NEGATIVE);
	uint64_t u = 0;
	CU_ASSERT_EQUAL(units_uint("42", 100, &u), UNITS_OK);
	CU_ASSERT_EQUAL(u, 42);
	CU_ASSERT_EQUAL(units_uint("4.0", 100, &u), UNITS_OK);
	CU_ASSERT_EQUAL(u, 4);
	CU_ASSERT_EQUAL(units_uint("100", 100, &u), UNITS_OK);
	CU_ASSERT_EQUAL(units_uint("101", 100, &u), UNITS_OVERFLOW);
	CU_ASSERT_EQUAL(units_uint("4.5", 100, &u), UNITS_NOT_WHOLE);
	CU_ASSERT_EQUAL(units_uint("4 x", 100, &u), UNITS_UNKNOWN_UNIT);
	CU_ASSERT_EQUAL(units_uint("18446744073709551615", UINT64_MAX, &u), UNITS_OK);
	CU_ASSERT_EQUAL(u, UINT64_MAX);
	CU_ASSERT_EQUAL(units_uint("18446744073709551616", UINT64_MAX, &u), UNITS_OVERFLOW);
	double x = 0;
	CU_ASSERT_EQUAL(units_number("0.95", &x), UNITS_OK);
	CU_ASSERT_DOUBLE_EQUAL(x, 0.95, 1e-15);
	CU_ASSERT_EQUAL(units_number("3", &x), UNITS_OK);
	CU_ASSERT_EQUAL(x, 3.0);
	CU_ASSERT_EQUAL(units_number("3 s", &x), UNITS_UNKNOWN_UNIT);
	g_autofree char *a = scn_format_duration(sim_s(90));
	g_autofree char *b = scn_format_duration(sim_ms(1500));
	g_autofree char *c = scn_format_duration(sim_min(3));
	CU_ASSERT_STRING_EQUAL(a, "90 s");
	CU_ASSERT_STRING_EQUAL(b, "1500 ms");
	CU_ASSERT_STRING_EQUAL(c, "3 min");
}

/* ---- reader, suggestions ---- */

static GPtrArray *buffer_problems(const char *text, size_t len, struct ini_doc *doc)
{
	struct scn_diags d;
	scn_diags_init(&d);
	GPtrArray *strings = g_ptr_array_new_with_free_func(g_free);
	ini_doc_init(doc);
	ini_parse(doc, "mem.ini", text, len, strings, &d);
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < d.items->len; i++)
		g_ptr_array_add(lines, scn_diag_format(&g_array_index(d.items, struct scn_diag, i)));
	scn_diags_clear(&d);
	g_ptr_array_unref(strings);
	return lines;
}

static void test_reader(void)
{
	static const char text[] = "\xef\xbb\xbf# comment\r\n"
				   "; another\r\n"
				   "\r\n"
				   "  [ gateway ]  \r\n"
				   "sku=VpnGw1\r\n"
				   "  psk =  a = b # not a comment  \r\n"
				   "empty =\r\n"
				   "[site.hq-1_x]\n"
				   "tunnels = 2";
	struct ini_doc doc;
	g_autoptr(GPtrArray) lines = buffer_problems(text, sizeof(text) - 1, &doc);
	CU_ASSERT_EQUAL(lines->len, 0);
	CU_ASSERT_EQUAL_FATAL(doc.sections->len, 2);
	struct ini_section *g = ini_find_section(&doc, "gateway");
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_EQUAL(g->loc.line, 4);
	CU_ASSERT_STRING_EQUAL(ini_find_entry(g, "sku")->value, "VpnGw1");
	CU_ASSERT_EQUAL(ini_find_entry(g, "sku")->loc.line, 5);
	CU_ASSERT_STRING_EQUAL(ini_find_entry(g, "psk")->value, "a = b # not a comment");
	CU_ASSERT_STRING_EQUAL(ini_find_entry(g, "empty")->value, "");
	struct ini_section *s = ini_find_section(&doc, "site.hq-1_x");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(ini_find_entry(s, "tunnels")->loc.line, 9); /* last line without newline */
	ini_doc_clear(&doc);

	static const char bad[] = "k = v\n[a b]\nx = 1\n[ok]\n=v\nk-y = 1\nnoequals\n[ok]\n[unclosed\n";
	g_autoptr(GPtrArray) l2 = buffer_problems(bad, sizeof(bad) - 1, &doc);
	static const char *const want[] = {
		"mem.ini:1: error: k: key before the first section (expected a section header like '[scenario]')",
		"mem.ini:2: error: expected a section header like '[gateway]' or '[site.hq]' (letters, digits, '_', '-', '.'), found '[a b]'",
		"mem.ini:5: error: expected a key (letters, digits, '_') before '=', found ''",
		"mem.ini:6: error: expected a key (letters, digits, '_') before '=', found 'k-y'",
		"mem.ini:7: error: expected 'key = value' or '[section]', found 'noequals'",
		"mem.ini:8: error: [ok]: section repeated (first at mem.ini:4); its keys are merged",
		"mem.ini:9: error: expected a section header like '[gateway]', found '[unclosed'",
	};
	if (l2->len != G_N_ELEMENTS(want))
		dump("reader errors", l2);
	CU_ASSERT_EQUAL_FATAL(l2->len, G_N_ELEMENTS(want));
	for (unsigned i = 0; i < G_N_ELEMENTS(want); i++)
		CU_ASSERT_STRING_EQUAL(l2->pdata[i], want[i]);
	ini_doc_clear(&doc);
}

static void test_did_you_mean(void)
{
	CU_ASSERT_EQUAL(scn_edit_distance("tunels", "tunnels"), 1);
	CU_ASSERT_EQUAL(scn_edit_distance("tunnles", "tunnels"), 1); /* transposition */
	CU_ASSERT_EQUAL(scn_edit_distance("SKU", "sku"), 0);
	CU_ASSERT_EQUAL(scn_edit_distance("", "abc"), 3);
	CU_ASSERT_EQUAL(scn_edit_distance("kitten", "sitting"), 3);
	static const char *const keys[] = { "sku", "vnet", "public_ip", "mode", NULL };
	CU_ASSERT_STRING_EQUAL(scn_did_you_mean("skuu", keys), "sku");
	CU_ASSERT_STRING_EQUAL(scn_did_you_mean("publicip", keys), "public_ip");
	CU_ASSERT_STRING_EQUAL(scn_did_you_mean("pubilc_ip", keys), "public_ip");
	CU_ASSERT_PTR_NULL(scn_did_you_mean("bandwidth", keys));
	CU_ASSERT_PTR_NULL(scn_did_you_mean("xyz", keys));
}

/* ---- bad files ---- */

struct bad_case {
	const char *file;
	const char *first;  /* the first diagnostic, exactly (a trailing '*' matches any rest) */
	const char *second; /* NULL: the file has exactly one diagnostic; else the next one */
};

static const struct bad_case bad_cases[] = {
	{ "bad-side-kind.ini", "bad-side-kind.ini:21: error: [fault.reboot] side: does not apply to kind device-reboot", NULL },
	{ "bad-sa-pairs.ini", "bad-sa-pairs.ini:9: error: [gateway] vnet: expected at most 8 prefixes (what the models hold), found 15",
	  "bad-sa-pairs.ini:14: error: [site.hq] prefixes: expected at most 8 prefixes (what the models hold), found 14" },
	{ "bad-window-tunnel.ini",
	  "bad-window-tunnel.ini:22: error: [expect] up: a window ('after 30 s') applies to a flow's outage, throughput and loss only, found it after 'tunnel.hq.up_at_end after 30 s'",
	  NULL },
	{ "bad-window-syntax.ini",
	  "bad-window-syntax.ini:22: error: [expect] clean: expected a window 'before T', 'after T' or 'between T1 and T2' (T a duration), found 'between 10 s 20 s'",
	  NULL },
	{ "bad-window-order.ini",
	  "bad-window-order.ini:22: error: [expect] clean: expected a window that ends after it starts, found 'between 20 s and 10 s'",
	  NULL },
	{ "bad-window-outside.ini",
	  "bad-window-outside.ini:22: error: [expect] late: flow.app.throughput after 2 min: expected a window inside the run (duration 60.000 s)",
	  NULL },
	{ "bad-window-empty.ini",
	  "bad-window-empty.ini:22: error: [expect] early: expected a window that ends after 0 s, found 'before 0 s'",
	  NULL },
	{ "bad-des3.ini",
	  "bad-des3.ini:15: error: [connection.hq] ike_encryption: expected an algorithm this simulator implements, found 'DES3' (Azure accepts it; DES, 3DES, MD5, DH group 1 and IKE without encryption are not simulated)",
	  "bad-des3.ini:16: error: [connection.hq] ike_integrity: expected an algorithm this simulator implements, found 'MD5' (Azure accepts it; DES, 3DES, MD5, DH group 1 and IKE without encryption are not simulated)" },
	{ "bad-site-pfs1.ini",
	  "bad-site-pfs1.ini:12: error: [site.hq] pfs_group: expected a PFS group this simulator implements, found 'PFS1' (Azure accepts it; PFS1 is not simulated)",
	  NULL },
	{ "bad-vnet-prefixes.ini",
	  "bad-vnet-prefixes.ini:6: error: [gateway] vnet: expected at most 8 prefixes (what the models hold), found 9",
	  NULL },
	{ "bad-policybased-p2s.ini",
	  "bad-policybased-p2s.ini:9: error: [gateway] p2s_pool: a PolicyBased gateway has no point-to-site (azure-facts.md §3)",
	  NULL },
	{ "bad-policybased-active-active.ini",
	  "bad-policybased-active-active.ini:7: error: [gateway] mode: active-active is not available on a PolicyBased gateway (azure-facts.md §2, §3)",
	  "bad-policybased-active-active.ini:11: warning: [site.hq] tunnels: a device with one tunnel to an active-active gateway: Azure sends on both tunnels, so what it sends through the other instance is lost (azure-facts.md §2, pain point 5)" },
	{ "bad-policy-change-md5.ini",
	  "bad-policy-change-md5.ini:21: error: [fault.rekey-policy] ike_integrity: expected an algorithm this simulator implements, found 'MD5' (Azure accepts it; DES, 3DES, MD5, DH group 1 and IKE without encryption are not simulated)",
	  NULL },
	{ "bad-unknown-key.ini", "bad-unknown-key.ini:12: error: [site.hq] tunels: unknown key (did you mean 'tunnels'?)", NULL },
	{ "bad-unknown-section.ini",
	  "bad-unknown-section.ini:16: error: [sitee.branch]: unknown section; expected [scenario], [gateway], [site.NAME], [connection.NAME], [path.NAME], [p2s.NAME], [flow.NAME], [fault.NAME], [attacker.NAME] or [expect] (did you mean '[site.branch]'?)",
	  NULL },
	{ "bad-duplicate-key.ini", "bad-duplicate-key.ini:8: error: [gateway] sku: duplicate key (first set at bad-duplicate-key.ini:5)",
	  NULL },
	{ "bad-duplicate-section.ini",
	  "bad-duplicate-section.ini:16: error: [gateway]: section repeated (first at bad-duplicate-section.ini:4); its keys are merged",
	  NULL },
	{ "bad-missing-required.ini", "bad-missing-required.ini:9: error: [site.hq]: missing required key 'public_ip'", NULL },
	{ "bad-missing-gateway.ini", "bad-missing-gateway.ini: error: missing section [gateway] (required)", NULL },
	{ "bad-key-before-section.ini",
	  "bad-key-before-section.ini:1: error: duration: key before the first section (expected a section header like '[scenario]')",
	  NULL },
	{ "bad-no-equals.ini", "bad-no-equals.ini:4: error: [gateway]: missing required key 'sku'",
	  "bad-no-equals.ini:5: error: expected 'key = value' or '[section]', found 'sku VpnGw1'" },
	{ "bad-section-syntax.ini",
	  "bad-section-syntax.ini:9: error: expected a section header like '[gateway]' or '[site.hq]' (letters, digits, '_', '-', '.'), found '[site hq]'",
	  "bad-section-syntax.ini:14: error: [connection.hq] site: expected the name of a [site.NAME] section, found 'hq'" },
	{ "bad-duration-no-unit.ini",
	  "bad-duration-no-unit.ini:2: error: [scenario] duration: expected a duration (ns, us, ms, s, min, h), found '60' (the unit is missing)",
	  NULL },
	{ "bad-duration-unit.ini",
	  "bad-duration-unit.ini:2: error: [scenario] duration: expected a duration (ns, us, ms, s, min, h), found '1 minute' (unknown unit)",
	  NULL },
	{ "bad-negative.ini",
	  "bad-negative.ini:18: error: [path.hq] delay: expected a duration (ns, us, ms, s, min, h), found '-5 ms' (negative values are not allowed)",
	  NULL },
	{ "bad-overflow.ini",
	  "bad-overflow.ini:2: error: [scenario] duration: expected a duration (ns, us, ms, s, min, h), found '3000000 h' (out of range)",
	  NULL },
	{ "bad-seed.ini",
	  "bad-seed.ini:3: error: [scenario] seed: expected a whole number from 0 to 18446744073709551615, found '18446744073709551616' (out of range)",
	  NULL },
	{ "bad-rate-unit.ini",
	  "bad-rate-unit.ini:19: error: [flow.app] rate: expected a rate (bps, kbps, Mbps, Gbps), found '10 mbps' (unknown unit)", NULL },
	{ "bad-percent.ini",
	  "bad-percent.ini:18: error: [path.hq] loss: expected a percentage from 0% to 100%, like 0.5%, found '0.5' (the unit is missing)",
	  NULL },
	{ "bad-size-fraction.ini",
	  "bad-size-fraction.ini:20: error: [flow.app] packet_size: expected a size from 52 B to 65535 B (B, KB, MB, GB), found '1400.5 B' (not a whole number of the base unit)",
	  NULL },
	{ "bad-bool.ini", "bad-bool.ini:12: error: [site.hq] initiator: expected true or false, found 'maybe'", NULL },
	{ "bad-prefix-host-bits.ini",
	  "bad-prefix-host-bits.ini:6: error: [gateway] vnet: expected a comma-separated list of IPv4 prefixes like 10.1.0.0/16, found '10.1.0.1/16' ('10.1.0.1/16': host bits are set under the mask)",
	  NULL },
	{ "bad-address.ini",
	  "bad-address.ini:10: error: [site.hq] public_ip: expected an IPv4 address like 203.0.113.10, found '198.51.100.300'", NULL },
	{ "bad-choice.ini",
	  "bad-choice.ini:8: error: [gateway] mode: expected one of active-standby, active-active, found 'active-pasive' (did you mean 'active-active'?)",
	  NULL },
	{ "bad-endpoint-syntax.ini",
	  "bad-endpoint-syntax.ini:17: error: [flow.app] from: expected 'vnet', 'site:NAME' or 'p2s:NAME', found 'hq'", NULL },
	{ "bad-named-singleton.ini", "bad-named-singleton.ini: error: missing section [gateway] (required)",
	  "bad-named-singleton.ini:4: error: [gateway.main]: expected [gateway] (there is only one, without a name)" },
	{ "bad-unnamed-site.ini", "bad-unnamed-site.ini:9: error: [site]: expected a named section like [site.NAME]",
	  "bad-unnamed-site.ini:14: error: [connection.hq] site: expected the name of a [site.NAME] section, found 'hq'" },
	{ "bad-sku.ini",
	  "bad-sku.ini:5: error: [gateway] sku: expected an Azure VPN Gateway SKU (azure-facts.md §1), found 'VpnGW11' (did you mean 'VpnGw1'?)",
	  NULL },
	{ "bad-sku-generation.ini", "bad-sku-generation.ini:6: error: [gateway] generation: VpnGw4 does not exist as Gen1 (azure-facts.md §1)",
	  NULL },
	{ "bad-tunnel-limit.ini",
	  "bad-tunnel-limit.ini:5: error: [gateway] sku: VpnGw1 allows 30 S2S tunnels (azure-facts.md §1), this scenario needs 32", NULL },
	{ "bad-p2s-basic.ini", "bad-p2s-basic.ini:6: error: [gateway] p2s_pool: Basic does not support IKEv2 point-to-site (azure-facts.md §1)",
	  NULL },
	{ "bad-p2s-limit.ini",
	  "bad-p2s-limit.ini:5: error: [gateway] sku: VpnGw1 allows 250 IKEv2 P2S clients (azure-facts.md §1), this scenario has 300", NULL },
	{ "bad-p2s-no-pool.ini",
	  "bad-p2s-no-pool.ini:16: error: [p2s.laptops]: P2S clients need an address pool: set p2s_pool in [gateway] (azure-facts.md §5)",
	  NULL },
	{ "bad-policybased-sku.ini",
	  "bad-policybased-sku.ini:8: error: [gateway] type: PolicyBased exists only on the Basic SKU (azure-facts.md §3), this gateway is VpnGw1",
	  NULL },
	{ "bad-policybased-ikev2.ini",
	  "bad-policybased-ikev2.ini:14: error: [connection.hq] ike: a PolicyBased gateway speaks IKEv1 only (azure-facts.md §1, §3): set ike = IKEv1",
	  NULL },
	{ "bad-policybased-two-connections.ini",
	  "bad-policybased-two-connections.ini:22: error: [connection.b]: a PolicyBased gateway allows one S2S connection (azure-facts.md §3), this scenario has 2",
	  NULL },
	{ "bad-active-active-basic.ini",
	  "bad-active-active-basic.ini:8: error: [gateway] mode: active-active is not available on Basic (azure-facts.md §1)",
	  "bad-active-active-basic.ini:10: warning: [site.hq] tunnels: a device with one tunnel to an active-active gateway: Azure sends on both tunnels, so what it sends through the other instance is lost (azure-facts.md §2, pain point 5)" },
	{ "bad-active-active-one-ip.ini",
	  "bad-active-active-one-ip.ini:7: error: [gateway] public_ip: an active-active gateway needs two public IPs, one per instance (azure-facts.md §2), found 1",
	  NULL },
	{ "bad-tunnels-standby.ini",
	  "bad-tunnels-standby.ini:12: error: [site.hq] tunnels: 2 tunnels need an active-active gateway with two public IPs (azure-facts.md §2)",
	  NULL },
	{ "bad-p2s-overlap-vnet.ini",
	  "bad-p2s-overlap-vnet.ini:8: error: [gateway] p2s_pool: 10.1.200.0/24 overlaps the VNet prefix 10.1.0.0/16 (azure-facts.md §5)",
	  NULL },
	{ "bad-p2s-overlap-site.ini",
	  "bad-p2s-overlap-site.ini:8: error: [gateway] p2s_pool: 192.168.0.0/16 overlaps 192.168.1.0/24 of [site.hq] (azure-facts.md §5)",
	  NULL },
	{ "bad-p2s-pool-small.ini",
	  "bad-p2s-pool-small.ini:8: error: [gateway] p2s_pool: expected at least a /29 for active-standby (azure-facts.md §5), found /30",
	  NULL },
	{ "bad-p2s-pool-aa.ini",
	  "bad-p2s-pool-aa.ini:9: error: [gateway] p2s_pool: expected at least a /28 for active-active (azure-facts.md §5), found /29",
	  NULL },
	{ "bad-p2s-public.ini",
	  "bad-p2s-public.ini:8: error: [gateway] p2s_pool: 8.8.8.0/24 is not a private range (10/8, 172.16/12, 192.168/16; azure-facts.md §5)",
	  NULL },
	{ "bad-dpd-range.ini",
	  "bad-dpd-range.ini:15: error: [connection.hq] dpd_timeout: expected 9 s to 3600 s (azure-facts.md §4), found 5 s", NULL },
	{ "bad-sa-lifetime.ini",
	  "bad-sa-lifetime.ini:21: error: [connection.hq] sa_lifetime: expected at least 300 s (azure-facts.md §4), found 2 min", NULL },
	{ "bad-sa-data.ini",
	  "bad-sa-data.ini:21: error: [connection.hq] sa_data_limit: expected at least 1024 KB (azure-facts.md §4), found 524288 B", NULL },
	{ "bad-custom-incomplete.ini",
	  "bad-custom-incomplete.ini:13: error: [connection.hq]: a custom IPsec/IKE policy must be complete (azure-facts.md §4); missing ike_integrity, dh_group, ipsec_encryption, ipsec_integrity",
	  NULL },
	{ "bad-custom-name.ini",
	  "bad-custom-name.ini:18: error: [connection.hq] ipsec_encryption: expected one of GCMAES256, GCMAES192, GCMAES128, AES256, AES192, AES128, DES3, DES, None (azure-facts.md §4), found 'AES257' (did you mean 'AES256'?)",
	  NULL },
	{ "bad-gcm-mismatch.ini",
	  "bad-gcm-mismatch.ini:19: error: [connection.hq] ipsec_integrity: with GCM the IPsec integrity must be the same GCM variant as the encryption (azure-facts.md §4): expected GCMAES256, found SHA256",
	  NULL },
	{ "bad-custom-basic.ini",
	  "bad-custom-basic.ini:13: error: [connection.hq]: a custom IPsec/IKE policy is not available on Basic (azure-facts.md §1, §4)", NULL },
	{ "bad-basic-ikev1.ini",
	  "bad-basic-ikev1.ini:15: error: [connection.hq] ike: a RouteBased Basic gateway supports IKEv2 only (azure-facts.md §1)", NULL },
	{ "bad-ref-site.ini", "bad-ref-site.ini:9: warning: [site.hq]: no connection uses this site",
	  "bad-ref-site.ini:14: error: [connection.hq] site: expected the name of a [site.NAME] section, found 'hqq' (did you mean 'hq'?)" },
	{ "bad-ref-flow-endpoint.ini",
	  "bad-ref-flow-endpoint.ini:17: error: [flow.app] from: no [site.nowhere] section for 'site:nowhere'", NULL },
	{ "bad-ref-fault-target.ini",
	  "bad-ref-fault-target.ini:19: error: [fault.cut] target: expected the name of a [path.NAME] section (kind path-down), found 'hq-internet'",
	  NULL },
	{ "bad-ref-expect.ini", "bad-ref-expect.ini:17: error: [expect] quick: flow.nope.outage: no [flow.nope] section for this metric",
	  NULL },
	{ "bad-flow-after-end.ini",
	  "bad-flow-after-end.ini:20: error: [flow.app] start: 2 min is not before the end of the scenario (1 min)", NULL },
	{ "bad-fault-after-end.ini",
	  "bad-fault-after-end.ini:19: error: [fault.crash] at: 90 s is not before the end of the scenario (1 min)", NULL },
	{ "bad-site-overlap-vnet.ini",
	  "bad-site-overlap-vnet.ini:11: error: [site.hq] prefixes: 10.1.5.0/24 overlaps the VNet prefix 10.1.0.0/16 (routes would be ambiguous)",
	  NULL },
	{ "bad-site-overlap-site.ini",
	  "bad-site-overlap-site.ini:18: error: [site.b] prefixes: 192.168.0.0/16 overlaps 192.168.1.0/24 of [site.hq] (only identical prefix lists may be shared, by two devices of one network)",
	  NULL },
	{ "bad-shared-prefixes-no-bgp.ini",
	  "bad-shared-prefixes-no-bgp.ini:16: error: [site.b] prefixes: the same prefixes as [site.a]: one network behind two devices needs BGP (azure-facts.md §2): set [gateway] bgp = true",
	  NULL },
	{ "bad-policy-change-incomplete.ini",
	  "bad-policy-change-incomplete.ini:17: error: [fault.p]: missing required key 'pfs_group' (kind policy-change)", NULL },
	{ "bad-ts-count.ini",
	  "bad-ts-count.ini:13: error: [site.hq] traffic_selectors: expected at most 4 prefixes, found 5", NULL },
	{ "bad-expect-syntax.ini",
	  "bad-expect-syntax.ini:22: error: [expect] short: expected 'METRIC OP VALUE' like 'flow.web.outage <= 30 s' (OP: <, <=, >, >=, ==, !=), found 'flow.app.outage about 3 min'",
	  NULL },
	{ "bad-expect-metric.ini",
	  "bad-expect-metric.ini:22: error: [expect] short: expected a metric flow.NAME.outage, flow.NAME.throughput, flow.NAME.loss, flow.NAME.delay_p99, tunnel.NAME.up_at_end, gateway.fairness or counter.NAME, found 'flow.app.outgae' (did you mean 'flow.app.outage'?)",
	  NULL },
	{ "bad-expect-value.ini",
	  "bad-expect-value.ini:22: error: [expect] fast: flow.app.throughput: expected a rate (bps, kbps, Mbps, Gbps), found '3 s' (unknown unit)",
	  NULL },
	{ "bad-fault-keys.ini", "bad-fault-keys.ini:19: error: [fault.burst]: missing required key 'loss' (kind loss-burst)",
	  "bad-fault-keys.ini:24: error: [fault.burst] psk: does not apply to kind loss-burst" },
	{ "bad-instance-target.ini",
	  "bad-instance-target.ini:18: error: [fault.crash] target: expected a gateway instance, 0 or 1 (kind instance-crash), found '2'",
	  NULL },
	{ "bad-onoff-missing.ini", "bad-onoff-missing.ini:16: error: [flow.app]: missing required key 'off' (kind onoff)", NULL },
	{ "bad-extends-cycle.ini",
	  "cycle-b.ini:3: error: [scenario] extends: inheritance cycle (bad-extends-cycle.ini -> cycle-b.ini -> bad-extends-cycle.ini)",
	  NULL },
	{ "bad-extends-missing.ini",
	  "bad-extends-missing.ini:2: error: [scenario] extends: expected a readable scenario file, found 'no-such-base.ini' (*", NULL },
	{ "bad-nul.ini", "bad-nul.ini:9: warning: [site.hq]: no connection uses this site",
	  "bad-nul.ini:13: error: [connection.hq]: missing required key 'site'" },
};

static bool line_matches(const char *got, const char *want)
{
	size_t n = strlen(want);
	if (n > 0 && want[n - 1] == '*')
		return strncmp(got, want, n - 1) == 0;
	return strcmp(got, want) == 0;
}

static void test_bad_files(void)
{
	CU_ASSERT(G_N_ELEMENTS(bad_cases) >= 30);
	for (unsigned i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		unsigned errors = 0;
		g_autoptr(GPtrArray) lines = problems_of(c->file, NULL, 0, NULL, &errors);
		bool ok = errors > 0 && lines->len >= 1 && line_matches(lines->pdata[0], c->first);
		if (c->second)
			ok = ok && lines->len >= 2 && line_matches(lines->pdata[1], c->second);
		else
			ok = ok && lines->len == 1;
		if (!ok)
			dump(c->file, lines);
		CU_ASSERT(ok);
	}
}

/* Every bad-*.ini of the data directory is in the table (so none is silently untested). */
static void test_bad_files_all_listed(void)
{
	g_autoptr(GDir) dir = g_dir_open(".", 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	unsigned n = 0;
	const char *name;
	while ((name = g_dir_read_name(dir))) {
		if (!g_str_has_prefix(name, "bad-") || !g_str_has_suffix(name, ".ini"))
			continue;
		n++;
		bool listed = false;
		for (unsigned i = 0; i < G_N_ELEMENTS(bad_cases) && !listed; i++)
			listed = strcmp(bad_cases[i].file, name) == 0 || strcmp(name, "bad-multi.ini") == 0;
		if (!listed)
			fprintf(stderr, "\n%s is not in the table\n", name);
		CU_ASSERT(listed);
	}
	CU_ASSERT(n >= 30);
}

/* One file, many problems: all reported in one pass, sorted by line, nothing else. */
static void test_many_errors_one_pass(void)
{
	static const char *const want[] = {
		"bad-multi.ini:2: error: [scenario] duration: expected a duration (ns, us, ms, s, min, h), found '10' (the unit is missing)",
		"bad-multi.ini:3: error: [scenario] seeed: unknown key (did you mean 'seed'?)",
		"bad-multi.ini:8: error: [gateway] public_ip: an active-active gateway needs two public IPs, one per instance (azure-facts.md §2), found 1",
		"bad-multi.ini:13: error: [site.hq] prefixes: 10.1.1.0/24 overlaps the VNet prefix 10.1.0.0/16 (routes would be ambiguous)",
		"bad-multi.ini:18: error: [connection.hq] dpd_timeout: expected 9 s to 3600 s (azure-facts.md §4), found 2 h",
		"bad-multi.ini:21: error: [connection.branch] site: expected the name of a [site.NAME] section, found 'branch'",
		"bad-multi.ini:31: error: [fault.cut] target: expected the name of a [path.NAME] section (kind path-down), found 'hq-internet'",
		"bad-multi.ini:35: error: [expect] up: tunnel.hq.up_at_end: expected true or false (with == or !=), found 'yes'",
	};
	unsigned errors = 0;
	g_autoptr(GPtrArray) lines = problems_of("bad-multi.ini", NULL, 0, NULL, &errors);
	if (lines->len != G_N_ELEMENTS(want))
		dump("bad-multi.ini", lines);
	CU_ASSERT_EQUAL(errors, G_N_ELEMENTS(want));
	CU_ASSERT_EQUAL_FATAL(lines->len, G_N_ELEMENTS(want));
	for (unsigned i = 0; i < G_N_ELEMENTS(want); i++)
		CU_ASSERT_STRING_EQUAL(lines->pdata[i], want[i]);
}

/* ---- good files ---- */

static struct scenario *good(const char *file, const char *const *sets, size_t n_sets)
{
	struct scenario *s = NULL;
	unsigned errors = 0;
	g_autoptr(GPtrArray) lines = problems_of(file, sets, n_sets, &s, &errors);
	if (lines->len)
		dump(file, lines);
	CU_ASSERT_EQUAL(lines->len, 0);
	return s;
}

static uint32_t ip(const char *s)
{
	uint32_t a = 0;
	g_assert(sim_ipv4_addr_parse(s, &a));
	return a;
}

static void test_good_minimal_defaults(void)
{
	g_autoptr(scenario) s = good("good-minimal.ini", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s->name, "good-minimal"); /* from the file name */
	CU_ASSERT_STRING_EQUAL(s->description, "");
	CU_ASSERT_EQUAL(s->duration_ns, sim_min(1));
	CU_ASSERT_EQUAL(s->seed, 1);
	CU_ASSERT_STRING_EQUAL(s->gw.name, "azure-gw");
	CU_ASSERT_STRING_EQUAL(s->gw.sku, "vpngw1"); /* as written; the SKU table matches any case */
	CU_ASSERT_EQUAL(s->gw.generation, 0);
	CU_ASSERT_EQUAL(s->gw.type, SCN_ROUTE_BASED);
	CU_ASSERT_EQUAL(s->gw.mode, SCN_ACTIVE_STANDBY);
	CU_ASSERT_EQUAL(s->gw.n_public_ips, 1);
	CU_ASSERT_EQUAL(s->gw.public_ip[0], ip("20.1.1.1"));
	CU_ASSERT_FALSE(s->gw.p2s);
	CU_ASSERT_EQUAL(s->gw.health_probe_interval_ns, sim_s(5));
	CU_ASSERT_EQUAL(s->gw.health_probe_threshold, GW_DEFAULT_PROBE_THRESHOLD);
	CU_ASSERT_EQUAL(s->gw.takeover_delay_ns, GW_DEFAULT_TAKEOVER_DELAY_NS);
	CU_ASSERT_EQUAL(s->gw.planned_handover_ns, GW_DEFAULT_PLANNED_HANDOVER_NS);
	CU_ASSERT_EQUAL(s->gw.queue_bytes, GW_DEFAULT_QUEUE_BYTES);
	CU_ASSERT_EQUAL_FATAL(s->sites->len, 1);
	struct scn_site *site = s->sites->pdata[0];
	CU_ASSERT_EQUAL(site->device, SCN_DEV_GENERIC);
	CU_ASSERT_EQUAL(site->tunnels, 1);
	CU_ASSERT_TRUE(site->initiator);
	CU_ASSERT_EQUAL(site->dpd_interval_ns, 0);
	CU_ASSERT_EQUAL(site->traffic_selectors->len, 0);
	CU_ASSERT_EQUAL(site->loc.line, 10);
	CU_ASSERT_EQUAL_FATAL(s->connections->len, 1);
	struct scn_connection *c = s->connections->pdata[0];
	CU_ASSERT_EQUAL(c->ike, SCN_IKEV2);
	CU_ASSERT_STRING_EQUAL(c->psk, "psk-hq");
	CU_ASSERT_FALSE(c->policy.custom);
	CU_ASSERT_PTR_NULL(c->policy.ike_encryption);
	CU_ASSERT_EQUAL(c->policy.ike_lifetime_ns, sim_s(28800));
	CU_ASSERT_EQUAL(c->policy.sa_lifetime_ns, sim_s(27000));
	CU_ASSERT_EQUAL(c->policy.sa_lifetime_bytes, UINT64_C(102400000) * 1024);
	CU_ASSERT_EQUAL(c->policy.dpd_timeout_ns, sim_s(45));
	struct scn_loc l = scenario_loc(s, "connection.hq", "site");
	CU_ASSERT_STRING_EQUAL(l.file, "good-minimal.ini");
	CU_ASSERT_EQUAL(l.line, 15);
	l = scenario_loc(s, "connection.hq", "psk"); /* not written: the section header */
	CU_ASSERT_EQUAL(l.line, 14);
}

static void test_good_full(void)
{
	g_autoptr(scenario) s = good("good-full.ini", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s->name, "full");
	CU_ASSERT_EQUAL(s->duration_ns, sim_min(90));
	CU_ASSERT_EQUAL(s->seed, 42);
	const struct scn_gateway *g = &s->gw;
	CU_ASSERT_STRING_EQUAL(g->name, "gw-east");
	CU_ASSERT_EQUAL(g->generation, 2);
	CU_ASSERT_EQUAL(g->mode, SCN_ACTIVE_ACTIVE);
	CU_ASSERT_EQUAL_FATAL(g->vnet->len, 2);
	CU_ASSERT_EQUAL(g_array_index(g->vnet, struct scn_prefix, 1).addr, ip("10.11.0.0"));
	CU_ASSERT_EQUAL(g_array_index(g->vnet, struct scn_prefix, 1).plen, 16);
	CU_ASSERT_EQUAL(g->n_public_ips, 2);
	CU_ASSERT_EQUAL(g->public_ip[1], ip("20.1.1.2"));
	CU_ASSERT_EQUAL(g->health_probe_threshold, 4);
	CU_ASSERT_TRUE(g->p2s);
	CU_ASSERT_EQUAL(g->p2s_pool.addr, ip("172.16.201.0"));
	CU_ASSERT_EQUAL(g->p2s_pool.plen, 24);
	CU_ASSERT_EQUAL(g->queue_bytes, 4 * 1024 * 1024);
	struct scn_site *site = scenario_site(s, "hq");
	CU_ASSERT_PTR_NOT_NULL_FATAL(site);
	CU_ASSERT_EQUAL(site->device, SCN_DEV_IKED);
	CU_ASSERT_EQUAL(site->prefixes->len, 2);
	CU_ASSERT_EQUAL(site->tunnels, 2);
	CU_ASSERT_FALSE(site->initiator);
	CU_ASSERT_EQUAL(site->ike_lifetime_ns, sim_s(86400));
	CU_ASSERT_STRING_EQUAL(site->pfs_group, "PFS2048"); /* canonical spelling */
	CU_ASSERT_EQUAL(site->traffic_selectors->len, 1);
	CU_ASSERT_EQUAL(site->mss_clamp, 1350);
	struct scn_connection *c = scenario_connection(s, "hq");
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->ike, SCN_IKEV1);
	CU_ASSERT_STRING_EQUAL(c->psk, "s3cret = with equals");
	CU_ASSERT_TRUE(c->policy.custom);
	CU_ASSERT_STRING_EQUAL(c->policy.ipsec_encryption, "GCMAES128");
	CU_ASSERT_EQUAL(c->policy.sa_lifetime_ns, sim_s(3600));
	CU_ASSERT_EQUAL(c->policy.sa_lifetime_bytes, 1024 * 1024);
	CU_ASSERT_EQUAL(c->policy.dpd_timeout_ns, sim_s(9));
	CU_ASSERT_FALSE(c->policy_based_ts);
	struct scn_path *p = scenario_path(s, "hq");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(p->rate_bps, 1500000000);
	CU_ASSERT_EQUAL(p->rate_down_bps, 800000000);
	CU_ASSERT_EQUAL(p->delay_ns, 2500000);
	CU_ASSERT_EQUAL(p->jitter_ns, 500000);
	CU_ASSERT_DOUBLE_EQUAL(p->loss, 0.0025, 1e-15);
	CU_ASSERT_DOUBLE_EQUAL(p->burst_loss_mean, 3.5, 1e-15);
	CU_ASSERT_EQUAL(p->queue_bytes, 256 * 1024);
	CU_ASSERT_EQUAL(p->mtu, 1400);
	struct scn_path *pl = scenario_path(s, "laptops");
	CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
	CU_ASSERT_EQUAL(pl->rate_down_bps, 50000000); /* defaults to rate */
	CU_ASSERT_EQUAL(pl->delay_ns, sim_ms(10));
	struct scn_p2s_group *grp = scenario_p2s_group(s, "laptops");
	CU_ASSERT_PTR_NOT_NULL_FATAL(grp);
	CU_ASSERT_EQUAL(grp->count, 200);
	CU_ASSERT_EQUAL(grp->arrive_to_ns, sim_s(70));
	CU_ASSERT_EQUAL(grp->arrival, SCN_ARRIVAL_POISSON);
	CU_ASSERT_EQUAL(grp->reconnect_max_ns, sim_min(2));
	struct scn_flow *web = scenario_flow(s, "web"), *sync = scenario_flow(s, "sync"), *bulk = scenario_flow(s, "bulk");
	CU_ASSERT_PTR_NOT_NULL_FATAL(web);
	CU_ASSERT_PTR_NOT_NULL_FATAL(sync);
	CU_ASSERT_PTR_NOT_NULL_FATAL(bulk);
	CU_ASSERT_EQUAL(web->kind, SCN_FLOW_POISSON);
	CU_ASSERT_EQUAL(web->packet_bytes, 1024);
	CU_ASSERT_EQUAL(web->stop_ns, sim_min(80));
	CU_ASSERT_EQUAL(sync->kind, SCN_FLOW_ONOFF);
	CU_ASSERT_EQUAL(sync->off_ns, sim_ms(2500));
	CU_ASSERT_EQUAL(sync->stop_ns, sim_min(90)); /* default: the duration */
	CU_ASSERT_EQUAL(sync->packet_bytes, 1400);
	CU_ASSERT_EQUAL(bulk->kind, SCN_FLOW_BULK);
	/* faults sorted by time, whatever their order in the file */
	CU_ASSERT_EQUAL_FATAL(s->faults->len, 5);
	const char *order[] = { "early", "slow", "late", "rekey", "reboot" };
	for (unsigned i = 0; i < 5; i++)
		CU_ASSERT_STRING_EQUAL(((struct scn_fault *)s->faults->pdata[i])->name, order[i]);
	struct scn_fault *early = s->faults->pdata[0], *slow = s->faults->pdata[1], *late = s->faults->pdata[2],
			 *rekey = s->faults->pdata[3];
	CU_ASSERT_EQUAL(early->kind, SCN_FAULT_INSTANCE_CRASH);
	CU_ASSERT_EQUAL(early->instance, 1);
	CU_ASSERT_EQUAL(early->duration_ns, sim_min(2));
	CU_ASSERT_EQUAL(slow->kind, SCN_FAULT_DELAY_CHANGE);
	CU_ASSERT_DOUBLE_EQUAL(slow->value, 80e6, 0.5);
	CU_ASSERT_EQUAL(slow->duration_ns, 0);
	CU_ASSERT_DOUBLE_EQUAL(late->value, 0.4, 1e-15);
	CU_ASSERT_STRING_EQUAL(rekey->text, "new-secret");
	CU_ASSERT_EQUAL(rekey->side, SCN_SIDE_DEVICE); /* the default for psk-change */
	CU_ASSERT_EQUAL_FATAL(s->expects->len, 8);
	struct scn_expect *x0 = s->expects->pdata[0], *x1 = s->expects->pdata[1], *x2 = s->expects->pdata[2],
			  *x3 = s->expects->pdata[3], *x4 = s->expects->pdata[4];
	CU_ASSERT_EQUAL(x0->kind, SCN_METRIC_FLOW_OUTAGE);
	CU_ASSERT_STRING_EQUAL(x0->subject, "web");
	CU_ASSERT_EQUAL(x0->cmp, SCN_LE);
	CU_ASSERT_DOUBLE_EQUAL(x0->value, 180e9, 0.5);
	CU_ASSERT_STRING_EQUAL(x0->text, "3 min");
	CU_ASSERT_EQUAL(x1->cmp, SCN_GT);
	CU_ASSERT_DOUBLE_EQUAL(x1->value, 1.5e6, 0.5);
	CU_ASSERT_EQUAL(x2->cmp, SCN_LT);
	CU_ASSERT_DOUBLE_EQUAL(x2->value, 0.005, 1e-15);
	CU_ASSERT_EQUAL(x3->kind, SCN_METRIC_TUNNEL_UP_AT_END);
	CU_ASSERT_EQUAL(x3->value, 1.0);
	CU_ASSERT_EQUAL(x4->kind, SCN_METRIC_GATEWAY_FAIRNESS);
	CU_ASSERT_PTR_NULL(x4->subject);
	CU_ASSERT_DOUBLE_EQUAL(x4->value, 0.8, 1e-15);
	CU_ASSERT_EQUAL(x4->loc.line, 132);
	CU_ASSERT_FALSE(x0->windowed);
	struct scn_expect *x5 = s->expects->pdata[5], *x6 = s->expects->pdata[6], *x7 = s->expects->pdata[7];
	CU_ASSERT(x5->windowed && x5->kind == SCN_METRIC_FLOW_LOSS);
	CU_ASSERT_EQUAL(x5->from_ns, 0);
	CU_ASSERT_EQUAL(x5->to_ns, sim_min(20));
	CU_ASSERT_EQUAL(x5->value, 0.0);
	CU_ASSERT_STRING_EQUAL(x5->metric, "flow.web.loss before 20 min");
	CU_ASSERT(x6->windowed && x6->kind == SCN_METRIC_FLOW_THROUGHPUT);
	CU_ASSERT_EQUAL(x6->from_ns, sim_min(60));
	CU_ASSERT_EQUAL(x6->to_ns, -1);
	CU_ASSERT_DOUBLE_EQUAL(x6->value, 1e6, 0.5);
	CU_ASSERT(x7->windowed && x7->kind == SCN_METRIC_FLOW_OUTAGE);
	CU_ASSERT_EQUAL(x7->from_ns, sim_min(30));
	CU_ASSERT_EQUAL(x7->to_ns, sim_min(45));
	CU_ASSERT_DOUBLE_EQUAL(x7->value, 90e9, 0.5);
}

/* Warnings are printed but the scenario is valid (pain points of azure-facts.md). */
static void test_warning_only(void)
{
	static const struct {
		const char *file, *want;
	} cases[] = {
		{ "good-aa-single-tunnel.ini",
		  "good-aa-single-tunnel.ini:12: warning: [site.hq] tunnels: a device with one tunnel to an active-active gateway: Azure sends on both tunnels, so what it sends through the other instance is lost (azure-facts.md §2, pain point 5)" },
		{ "warn-pfs-mismatch.ini",
		  "warn-pfs-mismatch.ini:14: warning: [site.hq] pfs_group: the device uses PFS2, [connection.hq] requires PFS2048: CHILD SA negotiation will fail (PFS groups must match, azure-facts.md §4, pain point 1)" },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
		unsigned errors = 99;
		g_autoptr(GPtrArray) lines = problems_of(cases[i].file, NULL, 0, NULL, &errors);
		CU_ASSERT_EQUAL(errors, 0);
		bool ok = lines->len == 1 && strcmp(lines->pdata[0], cases[i].want) == 0;
		if (!ok)
			dump(cases[i].file, lines);
		CU_ASSERT(ok);
		CU_ASSERT_EQUAL(run_check((const char *[]){ cases[i].file, "--quiet" }, 2), 0);
	}
}

/* ---- inheritance ---- */

static void test_inheritance(void)
{
	g_autoptr(scenario) s = good("sub/child.ini", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s->name, "child");             /* overridden */
	CU_ASSERT_EQUAL(s->duration_ns, sim_min(10));          /* overridden */
	CU_ASSERT_EQUAL(s->seed, 9);                           /* inherited */
	CU_ASSERT_STRING_EQUAL(s->gw.sku, "VpnGw2");           /* overridden */
	CU_ASSERT_EQUAL(s->gw.mode, SCN_ACTIVE_ACTIVE);        /* added to an inherited section */
	CU_ASSERT_EQUAL(g_array_index(s->gw.vnet, struct scn_prefix, 0).addr, ip("10.1.0.0")); /* inherited */
	CU_ASSERT_EQUAL_FATAL(s->sites->len, 2);               /* merged + new */
	struct scn_site *hq = scenario_site(s, "hq");
	CU_ASSERT_PTR_NOT_NULL_FATAL(hq);
	CU_ASSERT_EQUAL(hq->tunnels, 2);                       /* child key in a parent section */
	CU_ASSERT_EQUAL(hq->public_ip, ip("198.51.100.1"));   /* parent key */
	CU_ASSERT_EQUAL(scenario_connection(s, "hq")->policy.dpd_timeout_ns, sim_s(30));
	CU_ASSERT_EQUAL(s->files->len, 2);
	CU_ASSERT_STRING_EQUAL(s->files->pdata[0], "sub/child.ini");
	CU_ASSERT_STRING_EQUAL(s->files->pdata[1], "sub/../base.ini");
	/* locations name the file each value came from */
	struct scn_loc l = scenario_loc(s, "gateway", "sku");
	CU_ASSERT_STRING_EQUAL(l.file, "sub/child.ini");
	CU_ASSERT_EQUAL(l.line, 9);
	l = scenario_loc(s, "gateway", "vnet");
	CU_ASSERT_STRING_EQUAL(l.file, "sub/../base.ini");
	CU_ASSERT_EQUAL(l.line, 9);

	g_autoptr(scenario) g = good("sub/grandchild.ini", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g);
	CU_ASSERT_STRING_EQUAL(g->name, "grandchild");
	CU_ASSERT_EQUAL(g->duration_ns, sim_min(10)); /* from child */
	CU_ASSERT_EQUAL(g->seed, 9);                  /* from base */
	CU_ASSERT_EQUAL(scenario_flow(g, "app")->rate_bps, 20000000);
	CU_ASSERT_EQUAL(g->files->len, 3);
}

/* A problem in a parent file is reported at the parent's line. */
static void test_inheritance_error_location(void)
{
	static const char *const sets[] = { "connection.hq.dpd_timeout=1 h" };
	unsigned errors = 0;
	g_autoptr(GPtrArray) lines = problems_of("sub/child.ini", NULL, 0, NULL, &errors);
	CU_ASSERT_EQUAL(errors, 0);
	g_autoptr(GPtrArray) l2 = problems_of("sub/child.ini", sets, 1, NULL, &errors);
	CU_ASSERT_EQUAL(errors, 0); /* 1 h is within 9 s..3600 s */
	static const char *const sets2[] = { "connection.hq.dpd_timeout=2 h", "gateway.skuu=Basic" };
	g_autoptr(GPtrArray) l3 = problems_of("sub/child.ini", sets2, 2, NULL, &errors);
	CU_ASSERT_EQUAL(errors, 2);
	CU_ASSERT_EQUAL_FATAL(l3->len, 2);
	CU_ASSERT_STRING_EQUAL(l3->pdata[0],
			       "--set:1: error: [connection.hq] dpd_timeout: expected 9 s to 3600 s (azure-facts.md §4), found 2 h");
	CU_ASSERT_STRING_EQUAL(l3->pdata[1], "--set:2: error: [gateway] skuu: unknown key (did you mean 'sku'?)");
	/* an error in the parent keeps the parent's name and line */
	g_autoptr(GPtrArray) l4 = problems_of("sub/child.ini", (const char *const[]){ "gateway.vnet=192.168.0.0/16" }, 1, NULL,
					      &errors);
	CU_ASSERT_EQUAL(errors, 2);
	CU_ASSERT_EQUAL_FATAL(l4->len, 2);
	CU_ASSERT_STRING_EQUAL(l4->pdata[0],
			       "sub/../base.ini:14: error: [site.hq] prefixes: 192.168.1.0/24 overlaps the VNet prefix 192.168.0.0/16 (routes would be ambiguous)");
	CU_ASSERT_STRING_EQUAL(l4->pdata[1],
			       "sub/child.ini:18: error: [site.branch] prefixes: 192.168.2.0/24 overlaps the VNet prefix 192.168.0.0/16 (routes would be ambiguous)");
}

/* ---- --set ---- */

static void test_set(void)
{
	static const char *const sets[] = { "gateway.sku=VpnGw3", "site.hq.tunnels = 2", "gateway.mode=active-active",
					    "gateway.public_ip=20.1.1.1,20.1.1.9", "scenario.seed=77" };
	g_autoptr(scenario) s = good("good-minimal.ini", sets, G_N_ELEMENTS(sets));
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_STRING_EQUAL(s->gw.sku, "VpnGw3");
	CU_ASSERT_EQUAL(s->gw.mode, SCN_ACTIVE_ACTIVE);
	CU_ASSERT_EQUAL(s->gw.public_ip[1], ip("20.1.1.9"));
	CU_ASSERT_EQUAL(scenario_site(s, "hq")->tunnels, 2);
	CU_ASSERT_EQUAL(s->seed, 77);
	struct scn_loc l = scenario_loc(s, "site.hq", "tunnels");
	CU_ASSERT_STRING_EQUAL(l.file, "--set");
	CU_ASSERT_EQUAL(l.line, 2);

	static const struct {
		const char *set;
		const char *want;
	} bad[] = {
		{ "gateway.skuu=VpnGw2", "--set:1: error: [gateway] skuu: unknown key (did you mean 'sku'?)" },
		{ "site.hq.tunnels=three", "--set:1: error: [site.hq] tunnels: expected a whole number from 1 to 2, found 'three'" },
		{ "sitee.hq.tunnels=2", "--set:1: error: sitee.hq.tunnels: unknown section [sitee.hq] (did you mean '[site.hq]'?)" },
		{ "site.branch.tunnels=2",
		  "--set:1: error: site.branch.tunnels: unknown section [site.branch]; --set changes sections the scenario has" },
		{ "gateway.sku", "--set:1: error: expected 'section.key=value' (e.g. gateway.sku=VpnGw2), found 'gateway.sku'" },
		{ "sku=VpnGw2", "--set:1: error: expected 'section.key=value' (e.g. gateway.sku=VpnGw2), found 'sku=VpnGw2'" },
		{ "scenario.extends=base.ini", "--set:1: error: scenario.extends: cannot be set from the command line" },
		{ "scenario.duration=10",
		  "--set:1: error: [scenario] duration: expected a duration (ns, us, ms, s, min, h), found '10' (the unit is missing)" },
	};
	for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
		unsigned errors = 0;
		g_autoptr(GPtrArray) lines = problems_of("good-minimal.ini", &bad[i].set, 1, NULL, &errors);
		CU_ASSERT_EQUAL(errors, 1);
		bool ok = lines->len == 1 && strcmp(lines->pdata[0], bad[i].want) == 0;
		if (!ok)
			dump(bad[i].set, lines);
		CU_ASSERT(ok);
	}
	/* a rule broken by an override: Basic has no IKEv2 P2S; the pool comes from the override too */
	static const char *const p2s[] = { "gateway.sku=Basic", "gateway.p2s_pool=172.16.0.0/24" };
	unsigned errors = 0;
	g_autoptr(GPtrArray) lines = problems_of("good-minimal.ini", p2s, 2, NULL, &errors);
	CU_ASSERT_EQUAL(errors, 1);
	CU_ASSERT_EQUAL_FATAL(lines->len, 1);
	CU_ASSERT_STRING_EQUAL(lines->pdata[0],
			       "--set:2: error: [gateway] p2s_pool: Basic does not support IKEv2 point-to-site (azure-facts.md §1)");
}

/* ---- the examples and the verb ---- */

static const char *const examples[] = { "../../scenarios/s2s-ikev2.ini", "../../scenarios/active-active-failover.ini",
					 "../../scenarios/multisite-vpngw2.ini" };

static void test_examples(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(examples); i++) {
		g_autoptr(scenario) s = good(examples[i], NULL, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		CU_ASSERT(s->flows->len >= 1);
		CU_ASSERT(s->expects->len >= 3);
	}
	g_autoptr(scenario) m = good(examples[2], NULL, 0);
	CU_ASSERT_EQUAL(m->sites->len, 10);
	CU_ASSERT_EQUAL(m->connections->len, 10);
}

static void test_check_summary(void)
{
	g_autoptr(scenario) s = good("good-full.ini", NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	g_autofree char *sum = vpnsim_check_summary(s);
	CU_ASSERT_STRING_EQUAL(sum, "full (good-full.ini): valid. 90 min of simulated time, seed 42, on a VpnGw2 Gen2 RouteBased "
				    "active-active gateway; 1 site, 1 connection, 2 S2S tunnels (limit 30); 200 P2S clients in "
				    "1 group (limit 500); 2 paths, 3 flows, 5 faults, 8 expectations.");
}

/* A value the parser refused is not judged again by a rule (its default stands in for it),
 * but two rules broken on one valid line are both reported. */
static void test_no_cascade(void)
{
	static const char *const sets[] = { "gateway.mode=active-active", "gateway.public_ip=20.1.1.1,20.1.1.2",
					    "site.hq.tunnels=3", "gateway.p2s_pool=10.1.0.0/30" };
	unsigned errors = 0;
	g_autoptr(GPtrArray) lines = problems_of("good-minimal.ini", sets, G_N_ELEMENTS(sets), NULL, &errors);
	static const char *const want[] = {
		"--set:3: error: [site.hq] tunnels: expected a whole number from 1 to 2, found '3' (out of range)",
		"--set:4: error: [gateway] p2s_pool: expected at least a /28 for active-active (azure-facts.md §5), found /30",
		"--set:4: error: [gateway] p2s_pool: 10.1.0.0/30 overlaps the VNet prefix 10.1.0.0/16 (azure-facts.md §5)",
	};
	if (lines->len != G_N_ELEMENTS(want))
		dump("no cascade", lines);
	CU_ASSERT_EQUAL(errors, 3);
	CU_ASSERT_EQUAL_FATAL(lines->len, G_N_ELEMENTS(want));
	for (unsigned i = 0; i < G_N_ELEMENTS(want); i++)
		CU_ASSERT_STRING_EQUAL(lines->pdata[i], want[i]);
}

static int run_check(const char *const *args, int n)
{
	char **argv = g_new0(char *, (size_t)n + 2);
	argv[0] = g_strdup("check");
	for (int i = 0; i < n; i++)
		argv[i + 1] = g_strdup(args[i]);
	fflush(stdout);
	int rc = vpnsim_cmd_check(n + 1, argv);
	g_strfreev(argv);
	return rc;
}

static void test_check_verb(void)
{
	CU_ASSERT_EQUAL(run_check((const char *[]){ "good-minimal.ini" }, 1), 0);
	CU_ASSERT_EQUAL(run_check((const char *[]){ "good-aa-single-tunnel.ini", "--quiet" }, 2), 0);
	CU_ASSERT_EQUAL(run_check((const char *[]){ "bad-multi.ini", "--quiet" }, 2), 2);
	CU_ASSERT_EQUAL(run_check((const char *[]){ "good-minimal.ini", "--set", "gateway.sku=VpnGw9" }, 3), 2);
	CU_ASSERT_EQUAL(run_check((const char *[]){ "good-minimal.ini", "--set=gateway.sku=VpnGw2", "-q" }, 3), 0);
	CU_ASSERT_EQUAL(run_check((const char *[]){ "no-such-file.ini" }, 1), 2);
	CU_ASSERT_EQUAL(run_check((const char *[]){ "--bogus", "good-minimal.ini" }, 2), 2);
	CU_ASSERT_EQUAL(run_check((const char *[]){ "good-minimal.ini", "--set" }, 2), 2);
	CU_ASSERT_EQUAL(run_check((const char *[]){ "good-minimal.ini", "good-full.ini" }, 2), 2);
	CU_ASSERT_EQUAL(run_check(NULL, 0), 2);
}

/* ---- the fuzz target over deterministic mutations ---- */

struct mut_stats {
	unsigned runs, invalid;
};

static void mut_run(struct mut_stats *st, const char *buf, size_t len)
{
	/* an exact-size private copy, so the sanitizers catch any read past the end */
	uint8_t *copy = g_malloc(len ? len : 1);
	memcpy(copy, buf, len);
	st->invalid += fuzz_scenario_run(copy, len, NULL, 0) > 0;
	static const char *const sets[] = { "gateway.mode=active-active", "site.hq.tunnels=2" };
	fuzz_scenario_run(copy, len, sets, G_N_ELEMENTS(sets));
	st->runs++;
	g_free(copy);
}

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Under valgrind (50x slower) the byte substitutions take every 7th position and the random
 * edits a tenth, so `make check-valgrind` stays within a minute; the sanitizer build runs all. */
static void mutate_file(struct mut_stats *st, const char *file)
{
	const size_t stride = RUNNING_ON_VALGRIND ? 7 : 1;
	const unsigned random_edits = RUNNING_ON_VALGRIND ? 40 : 400;
	g_autofree char *text = NULL;
	gsize len = 0;
	CU_ASSERT_FATAL(g_file_get_contents(file, &text, &len, NULL));
	/* the file itself must be valid (extends-free files only) */
	struct mut_stats self = { 0 };
	mut_run(&self, text, len);
	CU_ASSERT_EQUAL(self.invalid, 0);
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	unsigned n = g_strv_length(lines);
	/* every line deleted, every line doubled, every line's value emptied */
	for (unsigned i = 0; i < n; i++) {
		GString *del = g_string_new(NULL), *dup = g_string_new(NULL), *empty = g_string_new(NULL);
		for (unsigned j = 0; j < n; j++) {
			if (j != i)
				g_string_append_printf(del, "%s\n", lines[j]);
			g_string_append_printf(dup, "%s\n", lines[j]);
			if (j == i)
				g_string_append_printf(dup, "%s\n", lines[j]);
			const char *eq = strchr(lines[j], '=');
			if (j == i && eq)
				g_string_append_printf(empty, "%.*s=\n", (int)(eq - lines[j]), lines[j]);
			else
				g_string_append_printf(empty, "%s\n", lines[j]);
		}
		mut_run(st, del->str, del->len);
		mut_run(st, dup->str, dup->len);
		mut_run(st, empty->str, empty->len);
		g_string_free(del, TRUE);
		g_string_free(dup, TRUE);
		g_string_free(empty, TRUE);
	}
	/* every truncation at a line end and a few inside lines */
	for (size_t i = 0; i < len; i++)
		if (text[i] == '\n' || i % 37 == 0)
			mut_run(st, text, i);
	/* every byte replaced by an interesting one */
	static const char subst[] = { '\0', '[', '=', '.', '\n', 'x', '\xff' };
	char *b = g_memdup2(text, len);
	for (size_t i = 0; i < len; i += stride) {
		char orig = b[i];
		for (unsigned k = 0; k < sizeof(subst); k++) {
			if (subst[k] == orig)
				continue;
			b[i] = subst[k];
			mut_run(st, b, len);
		}
		b[i] = orig;
	}
	g_free(b);
	/* random multi-byte edits, and digits grown into huge numbers */
	uint64_t x = 0x9e3779b97f4a7c15ull ^ len;
	for (unsigned r = 0; r < random_edits; r++) {
		GString *g = g_string_new_len(text, (gssize)len);
		unsigned edits = 1 + (unsigned)(xorshift(&x) % 8);
		for (unsigned e = 0; e < edits && g->len > 0; e++) {
			size_t pos = (size_t)(xorshift(&x) % g->len);
			switch (xorshift(&x) % 4) {
			case 0: {
				size_t cut = 1 + (size_t)(xorshift(&x) % 16);
				g_string_erase(g, (gssize)pos, (gssize)MIN(g->len - pos, cut));
				break;
			}
			case 1:
				g_string_insert_c(g, (gssize)pos, (char)(xorshift(&x) & 0xff));
				break;
			case 2:
				g_string_insert(g, (gssize)pos, "99999999999999999999999");
				break;
			default:
				g->str[pos] = (char)(xorshift(&x) & 0xff);
				break;
			}
		}
		mut_run(st, g->str, g->len);
		g_string_free(g, TRUE);
	}
}

static void test_mutations(void)
{
	static const char *const files[] = { "good-minimal.ini", "good-full.ini", "good-aa-single-tunnel.ini", "base.ini",
					     "../../scenarios/s2s-ikev2.ini", "../../scenarios/active-active-failover.ini" };
	struct mut_stats st = { 0 };
	for (unsigned i = 0; i < G_N_ELEMENTS(files); i++)
		mutate_file(&st, files[i]);
	printf("\n  %u mutated inputs, %u invalid\n", st.runs, st.invalid);
	/* mutations must mostly be caught, and some must survive (comment edits, equivalent values) */
	CU_ASSERT(st.runs > (RUNNING_ON_VALGRIND ? 5000u : 20000u));
	CU_ASSERT(st.invalid > st.runs / 2);
	CU_ASSERT(st.invalid < st.runs);
}

int main(void)
{
	if (chdir(SCENARIO_DATA_DIR) != 0) {
		perror(SCENARIO_DATA_DIR);
		return 99;
	}
	static const struct cu_test tests[] = {
		{ "units: durations", test_units_duration },
		{ "units: rates", test_units_rate },
		{ "units: sizes (KB = 1024 B)", test_units_size },
		{ "units: percentages, plain numbers, formatting", test_units_percent_and_plain },
		{ "reader: syntax, lines, errors", test_reader },
		{ "did-you-mean distance", test_did_you_mean },
		{ "bad files: exact first diagnostics", test_bad_files },
		{ "bad files: all in the table", test_bad_files_all_listed },
		{ "many errors in one pass", test_many_errors_one_pass },
		{ "good: defaults", test_good_minimal_defaults },
		{ "good: every section", test_good_full },
		{ "good: warning only", test_warning_only },
		{ "inheritance", test_inheritance },
		{ "inheritance: error locations", test_inheritance_error_location },
		{ "--set", test_set },
		{ "examples validate cleanly", test_examples },
		{ "check verb exit codes", test_check_verb },
		{ "check summary", test_check_summary },
		{ "no cascading diagnostics", test_no_cascade },
		{ "fuzz target over mutations", test_mutations },
		{ NULL, NULL },
	};
	return cu_run("scenario", tests);
}
