/* cmd.h: the vpnsim verbs that the scenario layer provides (main() in vpnsim.c dispatches). */
#ifndef SCENARIOS_CMD_H
#define SCENARIOS_CMD_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* `vpnsim check FILE [--set section.key=value ...] [--quiet]`: parses and validates FILE.
 * argv[0] is "check". Problems go to stderr as "file:line: error: ..." (all of them, sorted
 * by file and line), warnings as "file:line: warning: ..."; when valid, a one-paragraph
 * summary goes to stdout unless --quiet. Returns the exit status: 0 valid, 2 invalid scenario
 * or command line. */
int vpnsim_cmd_check(int argc, char **argv);

/* `vpnsim run`: argv[0] is "run". Returns the exit status (0 pass, 1 an expectation failed, 2 bad
 * input). */
int vpnsim_cmd_run(int argc, char **argv);

/* What one run needs (the options of `vpnsim run`). */
struct vpnsim_run_args {
	const char *file;
	const char *out;        /* DIR; NULL: out_parent/<scenario name> */
	const char *out_parent; /* NULL: "out" */
	GHashTable *taken;      /* with out_parent: directories already used (a set of strings that
				   the run adds its own to; a repeated name gets "-2", "-3", ...) */
	GPtrArray *sets;        /* "section.key=value" strings */
	bool pcap, quiet, seed_set;
	uint64_t seed;
};

/* Runs one scenario as `vpnsim run` does (diagnostics to stderr, the summary or, with quiet, the
 * verdict line to stdout) and writes everything into its directory, whose path *dir_out
 * receives (g_free it; NULL on failure; dir_out may be NULL). Returns the exit status: 0 pass,
 * 1 an expectation failed, 2 bad input or nothing written. */
int vpnsim_run_scenario(const struct vpnsim_run_args *a, char **dir_out);

/* Parses a --seed value (decimal, no sign); 0, or -1 when it is not one. */
int vpnsim_parse_seed(const char *v, uint64_t *out);

/* The options run and compare share, at argv[*i]: --out DIR, --set S.K=V, --seed N (*i moves past
 * the value). -1: not one of them; 0: taken; 2: bad (printed, naming verb, then usage). */
int vpnsim_run_option(const char *verb, const char *verb_usage, int argc, char **argv, int *i, const char **out,
		      GPtrArray *sets, uint64_t *seed, bool *seed_set);

/* `vpnsim compare A B [...] --out DIR [--seed N] [--set S.K=V ...] [--quiet]`: argv[0] is
 * "compare"; each input is a scenario file (run into DIR/<name>/) or a run's directory or
 * report.json. Prints the side-by-side table and writes DIR/report.html. Returns 0 when every
 * expectation of every run holds, 1 when one failed, 2 bad input. */
int vpnsim_cmd_compare(int argc, char **argv);

/* `vpnsim live FILE --node NAME [--bind ADDR] [--ping ADDR [--count N] [--interval D]]
 * [--duration D] [--log-keys DIR] [--set ...]`: argv[0] is "live". Runs one node of the scenario on
 * real UDP sockets with the wall clock (models/live.h) until SIGINT/SIGTERM or the duration.
 * Returns 0 stopped cleanly, 1 --ping got no reply, 2 bad scenario or command line. */
int vpnsim_cmd_live(int argc, char **argv);

struct scenario;
struct live_cfg;
/* The configuration `vpnsim live` gives node NAME of s (the gateway's name: instance 0;
 * NAME-in0/-in1; a site's name, or site:NAME): peers (struct live_peer, appended to `peers`) with
 * exactly the ike_peer_cfg a simulation of s gives that node's IKE endpoint, the node's public IP
 * as cfg->bind_ip, its inner prefixes (VNet or site) and name. Live mode then forces UDP
 * encapsulation and bounds the rekey jitter (scenarios/cmd_live.c). false with err for an unknown
 * or ambiguous name, or a policy the models refuse. */
bool vpnsim_live_node_cfg(const struct scenario *s, const char *node, struct live_cfg *cfg, GArray *peers,
			  GError **err);

/* `vpnsim draw FILE [-o OUT] [--at TIME] [--seed N] [--set ...]`: the topology diagram (svg, png
 * or dot by OUT's extension), as configured or, with --at, as a run saw it at TIME (the scenario
 * run up to TIME). Returns 0, or 2 for a bad scenario, command line or TIME (malformed or beyond
 * the duration), or a diagram that could not be written. */
int vpnsim_cmd_draw(int argc, char **argv);

struct scenario;
struct scn_diags;
typedef struct _GPtrArray GPtrArray;

/* Parses FILE with the --set overrides (strings "section.key=value" in sets) and validates it,
 * printing every problem to stderr, sorted. Returns the description (also when d received
 * errors; NULL only when the file cannot be read): callers check d->errors. */
struct scenario *vpnsim_load(const char *file, GPtrArray *sets, struct scn_diags *d);

/* Prints d's problems to stderr, sorted by file and line. */
void vpnsim_print_diags(struct scn_diags *d);

/* The one-paragraph summary `check` prints for a valid scenario (newly allocated, no newline):
 * name, file, duration, seed, gateway, sites, connections, S2S tunnels against the SKU's limit,
 * P2S clients against the limit, paths, flows, faults, expectations. */
char *vpnsim_check_summary(const struct scenario *s);

#endif
