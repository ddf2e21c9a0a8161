/* vpnsim.c: the command line: verbs and their options. `demo` runs the engine and the network
 * substrate on a built-in topology until scenario files can be run. */
#include "scenarios/cmd.h"
#include "sim/log.h"
#include "sim/netdemo.h"
#include "sim/rng.h"
#include "sim/sim.h"

#include <glib.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: vpnsim <verb> [options]\n"
	"\n"
	"verbs:\n"
	"  run FILE [--out DIR] [--seed N] [--set S.K=V ...] [--pcap] [--quiet]\n"
	"                                  run a scenario, write DIR/report.json, check its expectations\n"
	"  compare A B [...] [--out DIR] [--seed N] [--set S.K=V ...]\n"
	"                                  run or read several scenarios, compare them side by side\n"
	"  live FILE --node NAME [--bind ADDR] [--ping ADDR [--count N]] [--duration D] [--log-keys DIR]\n"
	"                                  run one node of a scenario on real UDP sockets (IKEv2, ESP)\n"
	"  draw FILE [-o OUT.svg|.png|.dot] [--at TIME] [--seed N] [--set S.K=V ...]\n"
	"                                  draw the topology (Graphviz); --at: as a run saw it at TIME\n"
	"  check FILE [--set S.K=V ...] [--quiet]\n"
	"                                  parse and validate a scenario file (no simulation)\n"
	"  demo [--seed N] [--pcap FILE]   run the built-in network demo and print what it simulated\n"
	"  help                            this text\n"
	"\n"
	"--verbose (any verb) shows the models' log on stderr, stamped with simulated time.\n"
	"\n"
	"Exit codes: 0 success, 1 an expectation failed, 2 bad command line or input.\n";

struct hold {
	struct sim_rng rng;
	uint64_t left;
};

static void hold_event(struct sim *sim, void *ctx, uint64_t arg)
{
	struct hold *h = ctx;
	if (h->left == 0)
		return;
	h->left--;
	sim_schedule_in(sim, (sim_time)sim_rng_exponential(&h->rng, 1e6), hold_event, h, arg);
}

/* The engine alone: a hold model of 10,000 pending events, one million events. */
static void engine_speed(uint64_t seed)
{
	struct sim sim;
	struct hold h = { .left = 1000000 };
	sim_init(&sim, seed);
	sim_rng_stream(&h.rng, seed, "demo/hold");
	for (uint64_t i = 0; i < 10000; i++)
		sim_schedule_in(&sim, (sim_time)sim_rng_exponential(&h.rng, 1e6), hold_event, &h, i);
	gint64 t0 = g_get_monotonic_time();
	sim_run(&sim);
	double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
	printf("engine: %llu events (hold model, 10,000 pending) in %.3f s of wall time: %.1f M events/s\n",
	       (unsigned long long)sim.events_run, wall, (double)sim.events_run / (wall > 0 ? wall : 1e-9) / 1e6);
	sim_destroy(&sim);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || !end || *end || s[0] == '-' || !*s)
		return -1;
	*out = v;
	return 0;
}

static int cmd_demo(int argc, char **argv)
{
	uint64_t seed = 1;
	const char *pcap = NULL;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
			if (parse_u64(argv[++i], &seed) != 0) {
				fprintf(stderr, "vpnsim demo: --seed: expected a non-negative integer, found '%s'\n", argv[i]);
				return 2;
			}
		} else if (strcmp(argv[i], "--pcap") == 0 && i + 1 < argc) {
			pcap = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else {
			fprintf(stderr, "vpnsim demo: unknown option '%s'\n\n%s", argv[i], usage);
			return 2;
		}
	}
	GString *report = g_string_new(NULL);
	int rc = sim_netdemo_run(seed, pcap, report);
	fputs(report->str, stdout);
	g_string_free(report, TRUE);
	if (rc != 0)
		return 2;
	engine_speed(seed);
	return 0;
}

/* The models' warnings (a peer declared dead, a refused proposal) are part of what a run shows
 * in its report; on the terminal they appear only with --verbose (or VPNSIM_VERBOSE=1). */
static GLogWriterOutput program_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user)
{
	bool verbose = GPOINTER_TO_INT(user);
	if (!verbose && !(level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)))
		return G_LOG_WRITER_HANDLED;
	return sim_log_writer(level, fields, n_fields, NULL);
}

/* Removes --verbose from argv wherever it is; returns whether it was there. */
static bool take_verbose(int *argc, char **argv)
{
	bool found = false;
	int j = 0;
	for (int i = 0; i < *argc; i++) {
		if (i > 0 && strcmp(argv[i], "--verbose") == 0)
			found = true;
		else
			argv[j++] = argv[i];
	}
	*argc = j;
	return found;
}

int main(int argc, char **argv)
{
	bool verbose = take_verbose(&argc, argv) || g_strcmp0(g_getenv("VPNSIM_VERBOSE"), "1") == 0;
	g_log_set_writer_func(program_writer, GINT_TO_POINTER(verbose), NULL);
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "demo") == 0)
		return cmd_demo(argc, argv);
	if (strcmp(argv[1], "check") == 0)
		return vpnsim_cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "run") == 0)
		return vpnsim_cmd_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "compare") == 0)
		return vpnsim_cmd_compare(argc - 1, argv + 1);
	if (strcmp(argv[1], "live") == 0)
		return vpnsim_cmd_live(argc - 1, argv + 1);
	if (strcmp(argv[1], "draw") == 0)
		return vpnsim_cmd_draw(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	fprintf(stderr, "vpnsim: unknown verb '%s'\n\n%s", argv[1], usage);
	return 2;
}
