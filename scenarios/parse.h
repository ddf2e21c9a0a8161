/* parse.h: scenario file -> struct scenario: inheritance (`extends`), command-line overrides
 * (`--set section.key=value`), the schema of every section and key, and value parsing with
 * units. Reports every problem of the input in one pass (struct scn_diags); Azure's rules are
 * validate.h's job. The format is documented in docs/scenario-format.md. */
#ifndef SCENARIOS_PARSE_H
#define SCENARIOS_PARSE_H

#include "scenarios/ini.h"
#include "scenarios/scenario.h"

struct scn_parse_opts {
	const char *const *sets; /* "section.key=value" overrides, applied after inheritance */
	size_t n_sets;
	bool no_extends;         /* `extends` is an error instead of a file read (fuzzing) */
};

/* Reads and parses the scenario file at path (opts may be NULL). Returns the description,
 * with defaults applied, even when d received errors (then values that failed keep their
 * defaults); NULL only when the file cannot be read. The caller must check d->errors. */
struct scenario *scn_parse_file(const char *path, const struct scn_parse_opts *opts, struct scn_diags *d);

/* The same from a memory buffer of len bytes (any bytes; NUL bytes are reported) that is
 * called file in messages; `extends` is resolved relative to file's directory. Never NULL. */
struct scenario *scn_parse_buffer(const char *file, const char *buf, size_t len, const struct scn_parse_opts *opts,
				  struct scn_diags *d);

/* Kinds of section, for documentation and suggestions: "scenario", "gateway", "site", ... */
const char *const *scn_section_kinds(void);

#endif
