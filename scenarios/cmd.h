/* cmd.h: the vpnsim verbs that the scenario layer provides (main() in vpnsim.c dispatches). */
#ifndef SCENARIOS_CMD_H
#define SCENARIOS_CMD_H

/* `vpnsim check FILE [--set section.key=value ...] [--quiet]`: parses and validates FILE.
 * argv[0] is "check". Problems go to stderr as "file:line: error: ..." (all of them, sorted
 * by file and line), warnings as "file:line: warning: ..."; when valid, a one-paragraph
 * summary goes to stdout unless --quiet. Returns the exit status: 0 valid, 2 invalid scenario
 * or command line. */
int vpnsim_cmd_check(int argc, char **argv);

/* `vpnsim run`: argv[0] is "run". Returns the exit status (0 pass, 1 an expectation failed, 2 bad
 * input). */
int vpnsim_cmd_run(int argc, char **argv);

/* `vpnsim draw FILE [-o OUT] [--set ...]`: the topology diagram (svg, png or dot by OUT's
 * extension). Returns 0, or 2 for a bad scenario or command line. */
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
