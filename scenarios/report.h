/* report.h: what a run leaves behind: the verdict of every expectation, report.json (every
 * metric, via json-glib), series.csv (received throughput per flow per bin), and the short
 * human summary. Nothing here reads the wall clock: the same scenario and seed give
 * byte-identical files. */
#ifndef SCENARIOS_REPORT_H
#define SCENARIOS_REPORT_H

#include <stdio.h>

#include "scenarios/build.h"

struct verdict {
	const struct scn_expect *e;
	double value;   /* the metric, in its base unit */
	bool pass;
};

/* Evaluates every expectation; returns how many failed. v receives s->expects->len entries. */
unsigned report_evaluate(const struct run *r, struct verdict *v);

/* Writes DIR/report.json and DIR/series.csv (DIR is created). false with err on I/O failure. */
bool report_write(const struct run *r, const struct verdict *v, const char *dir, GError **err);

/* The human summary: tunnels, outages, throughput per flow, verdicts. */
void report_print(const struct run *r, const struct verdict *v, FILE *out);

/* A metric value as its unit reads ("70.4 s", "12.5 Mbit/s", "0.10 %", "true"). g_free it. */
char *report_format_metric(enum scn_metric kind, double value);

#endif
