/* fuzz_scenario.c: libFuzzer target for the scenario front end: parses arbitrary bytes as a
 * scenario file (with and without a --set override), validates what came out, formats every
 * diagnostic, and aborts when the diagnostics contradict themselves (an error count that does
 * not match the list, a message without text, a line number past the end of the input).
 * `extends` is refused (no file reads from fuzzed input).
 *
 * Build with clang -fsanitize=fuzzer, or link with a main of your own as tests/test_scenario
 * does. */
#include "scenarios/parse.h"
#include "scenarios/validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
unsigned fuzz_scenario_run(const uint8_t *data, size_t size, const char *const *sets, size_t n_sets);

static void must(bool cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz_scenario: invariant broken: %s\n", what);
		abort();
	}
}

static unsigned count_lines(const uint8_t *data, size_t size)
{
	unsigned n = 1;
	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

/* Runs one input (with the given overrides) through parse and validate, checks the
 * diagnostics' invariants, and returns the number of errors. */
unsigned fuzz_scenario_run(const uint8_t *data, size_t size, const char *const *sets, size_t n_sets)
{
	struct scn_parse_opts o = { .sets = sets, .n_sets = n_sets, .no_extends = true };
	struct scn_diags d;
	scn_diags_init(&d);
	struct scenario *s = scn_parse_buffer("fuzz.ini", (const char *)data, size, &o, &d);
	must(s != NULL, "a buffer always gives a scenario");
	scn_validate(s, &d);
	scn_diags_sort(&d);
	unsigned errors = 0, lines = count_lines(data, size);
	for (guint i = 0; i < d.items->len; i++) {
		const struct scn_diag *g = &g_array_index(d.items, struct scn_diag, i);
		errors += g->severity == SCN_ERROR;
		must(g->msg && g->msg[0], "message has text");
		if (strcmp(g->file, "fuzz.ini") == 0)
			must(g->line <= lines, "line within the input");
		else
			must(strcmp(g->file, "--set") == 0 && g->line >= 1 && g->line <= n_sets, "--set line");
		char *f = scn_diag_format(g);
		must(strlen(f) > strlen(g->file), "formatted");
		g_free(f);
	}
	must(errors == d.errors, "error count");
	scenario_free(s);
	scn_diags_clear(&d);
	return errors;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_scenario_run(data, size, NULL, 0);
	static const char *const sets[] = { "gateway.mode=active-active", "site.hq.tunnels=2" };
	fuzz_scenario_run(data, size, sets, G_N_ELEMENTS(sets));
	return 0;
}
