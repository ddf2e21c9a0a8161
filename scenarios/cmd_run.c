/* cmd_run.c: `vpnsim run`: parse, validate, build, run, report, verdict. */
#include "scenarios/cmd.h"

#include "scenarios/parse.h"
#include "scenarios/report.h"
#include "scenarios/validate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: vpnsim run FILE [--out DIR] [--seed N] [--set section.key=value ...] [--pcap] [--quiet]\n"
	"  Runs a scenario and checks its expectations. Exit status: 0 all hold, 1 one failed,\n"
	"  2 the scenario or the command line is wrong.\n"
	"  --out DIR    where report.json, series.csv and topology.svg go (default: out/<name>)\n"
	"  --seed N     overrides the scenario's seed\n"
	"  --set S.K=V  overrides a value, repeatable\n"
	"  --pcap       also write DIR/capture.pcap (the sites' internet paths) and DIR/wireshark/,\n"
	"               the key tables with which tshark decrypts every IKE and ESP packet\n"
	"  --quiet      print only the verdict line\n";

struct run_args {
	const char *file, *out;
	bool pcap, quiet, seed_set;
	uint64_t seed;
	GPtrArray *sets;
};

/* 0: parsed; 2: bad command line (message printed); 1: --help printed. */
static int parse_args(int argc, char **argv, struct run_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
			fputs(usage, stdout);
			return 1;
		} else if (strcmp(s, "--quiet") == 0 || strcmp(s, "-q") == 0) {
			a->quiet = true;
		} else if (strcmp(s, "--pcap") == 0) {
			a->pcap = true;
		} else if ((strcmp(s, "--out") == 0 || strcmp(s, "--set") == 0 || strcmp(s, "--seed") == 0) && i + 1 >= argc) {
			fprintf(stderr, "vpnsim run: %s needs a value\n%s", s, usage);
			return 2;
		} else if (strcmp(s, "--out") == 0) {
			a->out = argv[++i];
		} else if (strcmp(s, "--set") == 0) {
			g_ptr_array_add(a->sets, argv[++i]);
		} else if (strcmp(s, "--seed") == 0) {
			const char *v = argv[++i];
			char *end = NULL;
			errno = 0;
			a->seed = strtoull(v, &end, 10);
			if (errno || !*v || *end || v[0] == '-') {
				fprintf(stderr, "vpnsim run: --seed: expected a non-negative integer, found '%s'\n", v);
				return 2;
			}
			a->seed_set = true;
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

int vpnsim_cmd_run(int argc, char **argv)
{
	struct run_args a = { .sets = g_ptr_array_new() };
	int rc = parse_args(argc, argv, &a);
	if (rc) {
		g_ptr_array_free(a.sets, TRUE);
		return rc == 1 ? 0 : 2;
	}
	struct scn_diags d;
	scn_diags_init(&d);
	struct scenario *s = vpnsim_load(a.file, a.sets, &d);
	if (!s || d.errors) {
		if (!s)
			fprintf(stderr, "vpnsim run: cannot read %s\n", a.file);
		scenario_free(s);
		scn_diags_clear(&d);
		g_ptr_array_free(a.sets, TRUE);
		return 2;
	}
	if (a.seed_set)
		s->seed = a.seed;
	g_autofree char *dir = a.out ? g_strdup(a.out) : g_build_filename("out", s->name, NULL);
	g_autofree char *pcap = a.pcap ? g_build_filename(dir, "capture.pcap", NULL) : NULL;
	if (pcap)
		g_mkdir_with_parents(dir, 0755);
	struct run_opts ro = { .pcap_path = pcap, .progress = !a.quiet };
	struct run r;
	scn_diags_clear(&d);
	scn_diags_init(&d);
	if (!run_build(&r, s, &ro, &d)) {
		vpnsim_print_diags(&d);
		run_destroy(&r);
		scenario_free(s);
		scn_diags_clear(&d);
		g_ptr_array_free(a.sets, TRUE);
		return 2;
	}
	vpnsim_print_diags(&d); /* the builder's warnings */
	run_execute(&r, &ro);
	struct verdict *v = g_new0(struct verdict, s->expects->len + 1);
	unsigned failed = report_evaluate(&r, v);
	GError *err = NULL;
	g_autofree char *keys = g_build_filename(dir, "wireshark", NULL);
	g_autofree char *svg = g_build_filename(dir, "topology.svg", NULL);
	if (!report_write(&r, v, dir, &err) || !run_write_keys(&r, keys, &err) || !run_draw(&r, svg, &err)) {
		fprintf(stderr, "vpnsim run: %s\n", err->message);
		g_error_free(err);
		rc = 2;
	} else {
		GError *perr = NULL;
		if (!run_plot(&r, dir, &perr)) { /* a missing gnuplot costs the picture, not the run */
			fprintf(stderr, "vpnsim run: no plot: %s\n", perr->message);
			g_error_free(perr);
		}
		if (a.quiet)
			printf("%s: verdict %s (%u of %u expectations failed)\n", s->name, failed ? "FAIL" : "PASS", failed,
			       s->expects->len);
		else
			report_print(&r, v, stdout);
		rc = failed ? 1 : 0;
		if (!a.quiet)
			printf("report: %s/report.json%s\n", dir,
			       pcap ? ", capture.pcap (decrypt: WIRESHARK_CONFIG_DIR=<dir>/wireshark tshark -r ...)" : "");
	}
	g_free(v);
	run_destroy(&r);
	scenario_free(s);
	scn_diags_clear(&d);
	g_ptr_array_free(a.sets, TRUE);
	return rc;
}
