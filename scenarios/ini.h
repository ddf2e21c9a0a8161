/* ini.h: a line-tracking INI reader for scenario files, and the diagnostics (errors and
 * warnings with file:line) that every stage of the scenario front end reports into.
 *
 * Our own reader rather than GLib's GKeyFile: GKeyFile keeps no line numbers, silently lets a
 * repeated key or group replace or merge into the earlier one (so duplicates cannot be
 * reported), and gives meaning to things a scenario must not have (locale keys "k[de]",
 * backslash escapes, list separators). The syntax here is deliberately small:
 *
 *   # comment            (also "; comment"; only as the first non-blank character of a line)
 *   [section]            section names: letters, digits, '_', '-' and '.', e.g. [site.hq]
 *   key = value          keys: letters, digits, '_'; the value is the rest of the line, trimmed
 *
 * Blank lines are ignored, CR LF line ends and a leading UTF-8 byte-order mark are accepted, a
 * NUL byte is an error. A key before
 * the first section, a repeated section in one file and a repeated key in one section are
 * errors (the repeat is still read, so later problems are reported too). */
#ifndef SCENARIOS_INI_H
#define SCENARIOS_INI_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "scenarios/scenario.h"

/* ---- diagnostics ---- */

enum scn_severity { SCN_ERROR, SCN_WARNING };

struct scn_diag {
	char *file;       /* owned; "--set" for command-line overrides */
	unsigned line;    /* 0: the whole file (e.g. it cannot be read) */
	enum scn_severity severity;
	char *msg;        /* owned: what follows "error: " */
	unsigned seq;     /* report order, to keep the sort stable */
};

struct scn_diags {
	GArray *items;    /* struct scn_diag */
	unsigned errors, warnings;
};

void scn_diags_init(struct scn_diags *d);
void scn_diags_clear(struct scn_diags *d);

/* Records a problem at loc (loc.file may be NULL: "<input>"). */
void scn_diag_add(struct scn_diags *d, enum scn_severity sev, struct scn_loc loc, const char *fmt, ...)
	G_GNUC_PRINTF(4, 5);

/* Sorts by file name ("--set" after every file), then line, then report order. */
void scn_diags_sort(struct scn_diags *d);

/* One diagnostic as "file:line: error: msg" (newly allocated, no newline). */
char *scn_diag_format(const struct scn_diag *g);

/* ---- the INI document ---- */

struct ini_entry {
	char *key;
	char *value;
	struct scn_loc loc;
};

struct ini_section {
	char *name;
	struct scn_loc loc;   /* the header line */
	GPtrArray *entries;   /* struct ini_entry *, in file order (merges keep the first position) */
};

struct ini_doc {
	GPtrArray *sections;  /* struct ini_section *, in file order */
};

/* Reads buf[0..len) as file (the name is interned in strings, which owns it: the locations in
 * the document point into it). Problems go to d; the document holds whatever could be read. */
void ini_parse(struct ini_doc *doc, const char *file, const char *buf, size_t len, GPtrArray *strings,
	       struct scn_diags *d);

void ini_doc_init(struct ini_doc *doc);
void ini_doc_clear(struct ini_doc *doc);

struct ini_section *ini_find_section(const struct ini_doc *doc, const char *name);
struct ini_entry *ini_find_entry(const struct ini_section *s, const char *key);

/* Appends a section (no check for an existing one). */
struct ini_section *ini_add_section(struct ini_doc *doc, const char *name, struct scn_loc loc);

/* Sets key in s: replaces the value and location of an existing entry, else appends. */
void ini_set(struct ini_section *s, const char *key, const char *value, struct scn_loc loc);

/* Removes key from s; false when it was not there. */
bool ini_remove(struct ini_section *s, const char *key);

/* Merges child into base: sections matched by name, child keys replace base keys. */
void ini_merge(struct ini_doc *base, const struct ini_doc *child);

/* Interns str in strings (a GPtrArray of owned strings) and returns the stored copy. */
const char *ini_intern(GPtrArray *strings, const char *str);

/* ---- suggestions ---- */

/* Optimal-string-alignment (Damerau-Levenshtein) distance, ASCII case-insensitive. */
unsigned scn_edit_distance(const char *a, const char *b);

/* The candidate closest to word when it is close enough to be a likely typo (distance at most
 * 1 for short words, 2 up to 8 characters, a third of the length beyond), else NULL.
 * candidates is NULL-terminated. */
const char *scn_did_you_mean(const char *word, const char *const *candidates);

#endif
