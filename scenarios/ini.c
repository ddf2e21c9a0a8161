/* ini.c: the line-tracking INI reader, diagnostics and did-you-mean (see ini.h). */
#include "scenarios/ini.h"

#include <stdarg.h>
#include <string.h>

/* ---- diagnostics ---- */

void scn_diags_init(struct scn_diags *d)
{
	d->items = g_array_new(FALSE, TRUE, sizeof(struct scn_diag));
	d->errors = d->warnings = 0;
}

void scn_diags_clear(struct scn_diags *d)
{
	if (!d->items)
		return;
	for (guint i = 0; i < d->items->len; i++) {
		struct scn_diag *g = &g_array_index(d->items, struct scn_diag, i);
		g_free(g->file);
		g_free(g->msg);
	}
	g_array_free(d->items, TRUE);
	d->items = NULL;
	d->errors = d->warnings = 0;
}

void scn_diag_add(struct scn_diags *d, enum scn_severity sev, struct scn_loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct scn_diag g = {
		.file = g_strdup(loc.file ? loc.file : "<input>"),
		.line = loc.line,
		.severity = sev,
		.msg = g_strdup_vprintf(fmt, ap),
		.seq = d->items->len,
	};
	va_end(ap);
	g_array_append_val(d->items, g);
	if (sev == SCN_ERROR)
		d->errors++;
	else
		d->warnings++;
}

static gint diag_cmp(gconstpointer pa, gconstpointer pb)
{
	const struct scn_diag *a = pa, *b = pb;
	bool sa = strcmp(a->file, "--set") == 0, sb = strcmp(b->file, "--set") == 0;
	if (sa != sb)
		return sa ? 1 : -1; /* command-line overrides after the files */
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

void scn_diags_sort(struct scn_diags *d)
{
	g_array_sort(d->items, diag_cmp);
}

char *scn_diag_format(const struct scn_diag *g)
{
	const char *sev = g->severity == SCN_ERROR ? "error" : "warning";
	if (g->line == 0)
		return g_strdup_printf("%s: %s: %s", g->file, sev, g->msg);
	return g_strdup_printf("%s:%u: %s: %s", g->file, g->line, sev, g->msg);
}

/* ---- the document ---- */

const char *ini_intern(GPtrArray *strings, const char *str)
{
	for (guint i = 0; i < strings->len; i++)
		if (strcmp(strings->pdata[i], str) == 0)
			return strings->pdata[i];
	char *c = g_strdup(str);
	g_ptr_array_add(strings, c);
	return c;
}

static void entry_free(gpointer p)
{
	struct ini_entry *e = p;
	g_free(e->key);
	g_free(e->value);
	g_free(e);
}

static void section_free(gpointer p)
{
	struct ini_section *s = p;
	g_free(s->name);
	g_ptr_array_unref(s->entries);
	g_free(s);
}

void ini_doc_init(struct ini_doc *doc)
{
	doc->sections = g_ptr_array_new_with_free_func(section_free);
}

void ini_doc_clear(struct ini_doc *doc)
{
	if (doc->sections)
		g_ptr_array_unref(doc->sections);
	doc->sections = NULL;
}

struct ini_section *ini_find_section(const struct ini_doc *doc, const char *name)
{
	for (guint i = 0; i < doc->sections->len; i++) {
		struct ini_section *s = doc->sections->pdata[i];
		if (strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

struct ini_entry *ini_find_entry(const struct ini_section *s, const char *key)
{
	for (guint i = 0; i < s->entries->len; i++) {
		struct ini_entry *e = s->entries->pdata[i];
		if (strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

struct ini_section *ini_add_section(struct ini_doc *doc, const char *name, struct scn_loc loc)
{
	struct ini_section *s = g_new0(struct ini_section, 1);
	s->name = g_strdup(name);
	s->loc = loc;
	s->entries = g_ptr_array_new_with_free_func(entry_free);
	g_ptr_array_add(doc->sections, s);
	return s;
}

static void add_entry(struct ini_section *s, const char *key, const char *value, struct scn_loc loc)
{
	struct ini_entry *e = g_new0(struct ini_entry, 1);
	e->key = g_strdup(key);
	e->value = g_strdup(value);
	e->loc = loc;
	g_ptr_array_add(s->entries, e);
}

void ini_set(struct ini_section *s, const char *key, const char *value, struct scn_loc loc)
{
	struct ini_entry *e = ini_find_entry(s, key);
	if (!e) {
		add_entry(s, key, value, loc);
		return;
	}
	g_free(e->value);
	e->value = g_strdup(value);
	e->loc = loc;
}

bool ini_remove(struct ini_section *s, const char *key)
{
	for (guint i = 0; i < s->entries->len; i++) {
		struct ini_entry *e = s->entries->pdata[i];
		if (strcmp(e->key, key) == 0) {
			g_ptr_array_remove_index(s->entries, i);
			return true;
		}
	}
	return false;
}

void ini_merge(struct ini_doc *base, const struct ini_doc *child)
{
	for (guint i = 0; i < child->sections->len; i++) {
		const struct ini_section *cs = child->sections->pdata[i];
		struct ini_section *bs = ini_find_section(base, cs->name);
		if (!bs)
			bs = ini_add_section(base, cs->name, cs->loc);
		else
			bs->loc = cs->loc; /* the most derived header is where a missing key is reported */
		for (guint j = 0; j < cs->entries->len; j++) {
			const struct ini_entry *e = cs->entries->pdata[j];
			ini_set(bs, e->key, e->value, e->loc);
		}
	}
}

/* ---- the reader ---- */

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool key_char(char c)
{
	return g_ascii_isalnum(c) || c == '_';
}

static bool section_char(char c)
{
	return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.';
}

/* A printable excerpt of s for messages: at most 40 characters, control bytes as '?'. */
static char *excerpt(const char *s, size_t n)
{
	GString *g = g_string_new(NULL);
	for (size_t i = 0; i < n && i < 40; i++)
		g_string_append_c(g, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i]);
	if (n > 40)
		g_string_append(g, "...");
	return g_string_free(g, FALSE);
}

struct reader {
	struct ini_doc *doc;
	struct scn_diags *d;
	struct ini_section *cur;
	struct scn_loc loc;
	GHashTable *seen_sections; /* name -> line (GUINT_TO_POINTER) */
	GHashTable *seen_keys;     /* key -> line, for the current section */
	bool had_header;           /* a '[' line was seen, valid or not */
};

static void read_section(struct reader *r, const char *p, const char *end)
{
	const char *close = memchr(p, ']', (size_t)(end - p));
	g_autofree char *ex = NULL;
	if (!close) {
		ex = excerpt(p, (size_t)(end - p));
		scn_diag_add(r->d, SCN_ERROR, r->loc, "expected a section header like '[gateway]', found '%s'", ex);
		r->cur = NULL;
		return;
	}
	const char *q = close + 1;
	while (q < end && blank(*q))
		q++;
	const char *a = p + 1, *b = close;
	while (a < b && blank(*a))
		a++;
	while (b > a && blank(b[-1]))
		b--;
	bool ok = a < b && q == end;
	for (const char *c = a; ok && c < b; c++)
		ok = section_char(*c);
	if (!ok) {
		ex = excerpt(p, (size_t)(end - p));
		scn_diag_add(r->d, SCN_ERROR, r->loc,
			     "expected a section header like '[gateway]' or '[site.hq]' (letters, digits, '_', '-', '.'), found '%s'",
			     ex);
		r->cur = NULL;
		return;
	}
	g_autofree char *name = g_strndup(a, (size_t)(b - a));
	gpointer prev = g_hash_table_lookup(r->seen_sections, name);
	g_hash_table_remove_all(r->seen_keys);
	if (prev) {
		scn_diag_add(r->d, SCN_ERROR, r->loc, "[%s]: section repeated (first at %s:%u); its keys are merged", name,
			     r->loc.file, GPOINTER_TO_UINT(prev));
		r->cur = ini_find_section(r->doc, name);
		for (guint i = 0; i < r->cur->entries->len; i++) {
			struct ini_entry *e = r->cur->entries->pdata[i];
			g_hash_table_insert(r->seen_keys, g_strdup(e->key), GUINT_TO_POINTER(e->loc.line));
		}
		return;
	}
	g_hash_table_insert(r->seen_sections, g_strdup(name), GUINT_TO_POINTER(r->loc.line));
	r->cur = ini_add_section(r->doc, name, r->loc);
}

static void read_entry(struct reader *r, const char *p, const char *end)
{
	const char *eq = memchr(p, '=', (size_t)(end - p));
	if (!eq) {
		g_autofree char *ex = excerpt(p, (size_t)(end - p));
		scn_diag_add(r->d, SCN_ERROR, r->loc, "expected 'key = value' or '[section]', found '%s'", ex);
		return;
	}
	const char *kb = eq;
	while (kb > p && blank(kb[-1]))
		kb--;
	bool ok = kb > p;
	for (const char *c = p; ok && c < kb; c++)
		ok = key_char(*c);
	if (!ok) {
		g_autofree char *k = excerpt(p, (size_t)(kb - p));
		scn_diag_add(r->d, SCN_ERROR, r->loc, "expected a key (letters, digits, '_') before '=', found '%s'", k);
		return;
	}
	const char *v = eq + 1, *ve = end;
	while (v < ve && blank(*v))
		v++;
	while (ve > v && blank(ve[-1]))
		ve--;
	g_autofree char *key = g_strndup(p, (size_t)(kb - p));
	g_autofree char *value = g_strndup(v, (size_t)(ve - v));
	if (!r->cur) {
		if (!r->had_header)
			scn_diag_add(r->d, SCN_ERROR, r->loc, "%s: key before the first section (expected a section header like '[scenario]')",
				     key);
		return; /* or inside a section whose header was refused (already reported) */
	}
	gpointer prev = g_hash_table_lookup(r->seen_keys, key);
	if (prev) {
		scn_diag_add(r->d, SCN_ERROR, r->loc, "[%s] %s: duplicate key (first set at %s:%u)", r->cur->name, key, r->loc.file,
			     GPOINTER_TO_UINT(prev));
		return;
	}
	g_hash_table_insert(r->seen_keys, g_strdup(key), GUINT_TO_POINTER(r->loc.line));
	add_entry(r->cur, key, value, r->loc);
}

void ini_parse(struct ini_doc *doc, const char *file, const char *buf, size_t len, GPtrArray *strings,
	       struct scn_diags *d)
{
	struct reader r = {
		.doc = doc,
		.d = d,
		.loc = { ini_intern(strings, file), 0 },
		.seen_sections = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
		.seen_keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
	};
	const char *p = buf, *stop = buf + len;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		p += 3; /* a UTF-8 byte-order mark, as some editors write */
	while (p < stop) {
		const char *nl = memchr(p, '\n', (size_t)(stop - p));
		const char *end = nl ? nl : stop;
		r.loc.line++;
		if (memchr(p, '\0', (size_t)(end - p))) {
			scn_diag_add(d, SCN_ERROR, r.loc, "the line contains a NUL byte (not a text file?)");
		} else {
			while (p < end && blank(*p))
				p++;
			const char *e = end;
			while (e > p && blank(e[-1]))
				e--;
			if (p == e || *p == '#' || *p == ';') {
				/* blank or comment */
			} else if (*p == '[') {
				read_section(&r, p, e);
				r.had_header = true;
			} else {
				read_entry(&r, p, e);
			}
		}
		p = nl ? nl + 1 : stop;
	}
	g_hash_table_unref(r.seen_sections);
	g_hash_table_unref(r.seen_keys);
}

/* ---- suggestions ---- */

unsigned scn_edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	if (n > 64 || m > 64)
		return 1000;
	unsigned dist[65][65];
	for (size_t i = 0; i <= n; i++)
		dist[i][0] = (unsigned)i;
	for (size_t j = 0; j <= m; j++)
		dist[0][j] = (unsigned)j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			char ca = g_ascii_tolower(a[i - 1]), cb = g_ascii_tolower(b[j - 1]);
			unsigned cost = ca != cb;
			unsigned best = dist[i - 1][j] + 1;
			if (dist[i][j - 1] + 1 < best)
				best = dist[i][j - 1] + 1;
			if (dist[i - 1][j - 1] + cost < best)
				best = dist[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && ca == g_ascii_tolower(b[j - 2]) && g_ascii_tolower(a[i - 2]) == cb &&
			    dist[i - 2][j - 2] + 1 < best)
				best = dist[i - 2][j - 2] + 1;
			dist[i][j] = best;
		}
	}
	return dist[n][m];
}

const char *scn_did_you_mean(const char *word, const char *const *candidates)
{
	size_t len = strlen(word);
	unsigned limit = len <= 3 ? 1 : len <= 8 ? 2 : (unsigned)(len / 3);
	const char *best = NULL;
	unsigned best_d = limit + 1;
	for (const char *const *c = candidates; *c; c++) {
		unsigned dd = scn_edit_distance(word, *c);
		if (dd < best_d) {
			best_d = dd;
			best = *c;
		}
	}
	return best;
}
