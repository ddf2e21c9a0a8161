/* cmd_check.c: `vpnsim check`: parse and validate a scenario, report every problem, summarise. */
#include "scenarios/cmd.h"

#include "models/azure_sku.h"
#include "scenarios/parse.h"
#include "scenarios/validate.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
	"usage: vpnsim check FILE [--set section.key=value ...] [--quiet]\n"
	"  Parses and validates a scenario without running it. Exit status: 0 valid, 2 invalid.\n"
	"  --set section.key=value  override a value (e.g. --set gateway.sku=VpnGw2), repeatable\n"
	"  --quiet                  print only problems, no summary\n";

static const char *plural(unsigned n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

char *vpnsim_check_summary(const struct scenario *s)
{
	const struct scn_gateway *g = &s->gw;
	const struct azure_sku *k = azure_sku_find(g->sku, g->generation);
	unsigned tunnels = 0, clients = 0;
	for (guint i = 0; i < s->connections->len; i++) {
		const struct scn_connection *c = s->connections->pdata[i];
		const struct scn_site *site = scenario_site(s, c->site);
		tunnels += site ? site->tunnels : 1;
	}
	for (guint i = 0; i < s->p2s_groups->len; i++)
		clients += ((const struct scn_p2s_group *)s->p2s_groups->pdata[i])->count;
	g_autofree char *dur = scn_format_duration(s->duration_ns);
	return g_strdup_printf("%s (%s): valid. %s of simulated time, seed %llu, on a %s Gen%d %s %s gateway; "
	       "%u %s, %u %s, %u S2S %s (limit %u); %u P2S %s in %u %s (limit %u); "
	       "%u %s, %u %s, %u %s, %u %s.",
	       s->name, s->file, dur, (unsigned long long)s->seed, k ? k->name : g->sku, k ? k->generation : g->generation,
	       g->type == SCN_POLICY_BASED ? "PolicyBased" : "RouteBased",
	       g->mode == SCN_ACTIVE_ACTIVE ? "active-active" : "active-standby", s->sites->len,
	       plural(s->sites->len, "site", "sites"), s->connections->len,
	       plural(s->connections->len, "connection", "connections"), tunnels, plural(tunnels, "tunnel", "tunnels"),
	       k ? (g->type == SCN_POLICY_BASED ? 1 : k->s2s_tunnels) : 0, clients, plural(clients, "client", "clients"),
	       s->p2s_groups->len, plural(s->p2s_groups->len, "group", "groups"), k ? k->p2s_ikev2 : 0, s->paths->len,
	       plural(s->paths->len, "path", "paths"), s->flows->len, plural(s->flows->len, "flow", "flows"), s->faults->len,
	       plural(s->faults->len, "fault", "faults"), s->expects->len,
	       plural(s->expects->len, "expectation", "expectations"));
}

void vpnsim_print_diags(struct scn_diags *d)
{
	scn_diags_sort(d);
	for (guint i = 0; i < d->items->len; i++) {
		g_autofree char *line = scn_diag_format(&g_array_index(d->items, struct scn_diag, i));
		fprintf(stderr, "%s\n", line);
	}
}

struct scenario *vpnsim_load(const char *file, GPtrArray *sets, struct scn_diags *d)
{
	struct scn_parse_opts o = { .sets = (const char *const *)sets->pdata, .n_sets = sets->len };
	struct scenario *s = scn_parse_file(file, &o, d);
	if (s)
		scn_validate(s, d);
	vpnsim_print_diags(d);
	return s;
}

int vpnsim_cmd_check(int argc, char **argv)
{
	const char *file = NULL;
	bool quiet = false;
	g_autoptr(GPtrArray) sets = g_ptr_array_new();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			quiet = true;
		} else if (strcmp(a, "--set") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vpnsim check: --set needs section.key=value\n%s", usage);
				return 2;
			}
			g_ptr_array_add(sets, argv[++i]);
		} else if (g_str_has_prefix(a, "--set=")) {
			g_ptr_array_add(sets, (char *)a + 6);
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "vpnsim check: unknown option '%s'\n%s", a, usage);
			return 2;
		} else if (!file) {
			file = a;
		} else {
			fprintf(stderr, "vpnsim check: one scenario file at a time (found '%s' after '%s')\n%s", a, file, usage);
			return 2;
		}
	}
	if (!file) {
		fprintf(stderr, "vpnsim check: no scenario file\n%s", usage);
		return 2;
	}
	struct scn_diags d;
	scn_diags_init(&d);
	struct scenario *s = vpnsim_load(file, sets, &d);
	int rc = d.errors ? 2 : 0;
	if (rc)
		fprintf(stderr, "%s: %u %s, %u %s\n", file, d.errors, plural(d.errors, "error", "errors"), d.warnings,
			plural(d.warnings, "warning", "warnings"));
	else if (!quiet) {
		g_autofree char *sum = vpnsim_check_summary(s);
		printf("%s\n", sum);
	}
	scenario_free(s);
	scn_diags_clear(&d);
	return rc;
}
