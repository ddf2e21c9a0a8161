/* validate.h: Azure's rules over a parsed scenario (../shared/azure-facts.md, cited as §N in
 * every message): the SKU and its limits, PolicyBased vs RouteBased, active-active, custom
 * policies, DPD and lifetimes, the P2S pool, overlapping prefixes, and that every reference
 * (sites, paths, flows, connections, metric subjects) resolves and every event falls within
 * the scenario's duration. */
#ifndef SCENARIOS_VALIDATE_H
#define SCENARIOS_VALIDATE_H

#include "scenarios/ini.h"
#include "scenarios/scenario.h"

/* Checks s; every violated rule goes to d as an error at the key that breaks it, every
 * allowed-but-risky setting (a pain point of azure-facts.md) as a warning. Works on a scenario
 * that had parse errors (values that failed to parse hold defaults; missing names are skipped);
 * call it with the parser's diagnostics already in d: a rule about a key whose line the parser
 * refused is not reported again. Returns true when it added no error. */
bool scn_validate(const struct scenario *s, struct scn_diags *d);

/* Formats a duration exactly with the largest unit that divides it ("90 s", "1500 ms",
 * "3 min"), into a new string. */
char *scn_format_duration(sim_time ns);

#endif
