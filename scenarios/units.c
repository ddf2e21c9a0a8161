/* units.c: exact decimal parsing with units (see units.h for the grammar). */
#include "scenarios/units.h"

#include <string.h>

typedef unsigned __int128 u128;

/* Mantissas above this are overflow whatever the unit: every result fits in 64 bits, and
 * mantissa * largest factor (3.6e12 ns per hour) stays far below 2^128. */
#define MANT_MAX ((u128)1000000000000ull * 1000000000000ull) /* 1e24 */
#define FRAC_DIGITS_MAX 24

struct unit {
	const char *name;
	uint64_t factor;
};

static const struct unit durations[] = {
	{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", 1000000000 },
	{ "min", 60ull * 1000000000 }, { "h", 3600ull * 1000000000 }, { NULL, 0 },
};
static const struct unit rates[] = {
	{ "bps", 1 }, { "kbps", 1000 }, { "Mbps", 1000000 }, { "Gbps", 1000000000 }, { NULL, 0 },
};
static const struct unit sizes[] = {
	{ "B", 1 }, { "KB", 1024 }, { "MB", 1024 * 1024 }, { "GB", 1024ull * 1024 * 1024 },
	{ "KiB", 1024 }, { "MiB", 1024 * 1024 }, { "GiB", 1024ull * 1024 * 1024 }, { NULL, 0 },
};

const char units_duration_list[] = "ns, us, ms, s, min, h";
const char units_rate_list[] = "bps, kbps, Mbps, Gbps";
const char units_size_list[] = "B, KB, MB, GB";

const char *units_result_str(enum units_result r)
{
	switch (r) {
	case UNITS_OK: return "ok";
	case UNITS_EMPTY: return "the value is empty";
	case UNITS_BAD_NUMBER: return "not a number";
	case UNITS_NEGATIVE: return "negative values are not allowed";
	case UNITS_NO_UNIT: return "the unit is missing";
	case UNITS_UNKNOWN_UNIT: return "unknown unit";
	case UNITS_NOT_WHOLE: return "not a whole number of the base unit";
	case UNITS_OVERFLOW: return "out of range";
	}
	return "?";
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static u128 pow10_u128(unsigned n)
{
	u128 p = 1;
	while (n--)
		p *= 10;
	return p;
}

/* A number: mantissa and count of fraction digits (value = mant / 10^scale). *rest points
 * after the number and any blanks that follow it. */
struct decimal {
	u128 mant;
	unsigned scale;
};

static enum units_result parse_decimal(const char *s, struct decimal *d, const char **rest)
{
	while (blank(*s))
		s++;
	if (*s == '\0')
		return UNITS_EMPTY;
	if (*s == '-')
		return UNITS_NEGATIVE;
	if (*s < '0' || *s > '9')
		return UNITS_BAD_NUMBER;
	d->mant = 0;
	d->scale = 0;
	bool overflow = false;
	while (*s >= '0' && *s <= '9') {
		if (d->mant > MANT_MAX)
			overflow = true;
		else
			d->mant = d->mant * 10 + (unsigned)(*s - '0');
		s++;
	}
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return UNITS_BAD_NUMBER;
		const char *f = s;
		while (*s >= '0' && *s <= '9')
			s++;
		const char *end = s;
		while (end > f && end[-1] == '0') /* trailing zeros change nothing */
			end--;
		if (end - f > FRAC_DIGITS_MAX)
			return UNITS_NOT_WHOLE;
		for (; f < end; f++) {
			if (d->mant > MANT_MAX)
				overflow = true;
			else
				d->mant = d->mant * 10 + (unsigned)(*f - '0');
			d->scale++;
		}
	}
	if (*s >= '0' && *s <= '9')
		return UNITS_BAD_NUMBER;
	if (*s == '.' || *s == ',' || *s == 'e' || *s == 'E' || *s == '+' || *s == '-') {
		/* "1.2.3", "1,5", "1e3": a malformed number, not a unit */
		if (*s != 'e' && *s != 'E')
			return UNITS_BAD_NUMBER;
		if (s[1] >= '0' && s[1] <= '9')
			return UNITS_BAD_NUMBER;
	}
	if (overflow)
		return UNITS_OVERFLOW;
	while (blank(*s))
		s++;
	*rest = s;
	return UNITS_OK;
}

/* The unit word at s (trailing blanks allowed, nothing else). */
static enum units_result match_unit(const char *s, const struct unit *table, uint64_t *factor)
{
	size_t n = strlen(s);
	while (n > 0 && blank(s[n - 1]))
		n--;
	if (n == 0)
		return UNITS_NO_UNIT;
	for (const struct unit *u = table; u->name; u++) {
		if (strlen(u->name) == n && memcmp(u->name, s, n) == 0) {
			*factor = u->factor;
			return UNITS_OK;
		}
	}
	return UNITS_UNKNOWN_UNIT;
}

/* value = d * factor exactly, at most max. */
static enum units_result scale_exact(const struct decimal *d, uint64_t factor, uint64_t max, uint64_t *out)
{
	u128 num = d->mant * factor;
	u128 den = pow10_u128(d->scale);
	if (num % den != 0)
		return UNITS_NOT_WHOLE;
	u128 v = num / den;
	if (v > max)
		return UNITS_OVERFLOW;
	*out = (uint64_t)v;
	return UNITS_OK;
}

static enum units_result with_unit(const char *s, const struct unit *table, uint64_t max, uint64_t *out)
{
	struct decimal d;
	const char *rest;
	enum units_result r = parse_decimal(s, &d, &rest);
	if (r != UNITS_OK)
		return r;
	uint64_t factor;
	r = match_unit(rest, table, &factor);
	if (r != UNITS_OK)
		return r;
	return scale_exact(&d, factor, max, out);
}

enum units_result units_duration(const char *s, sim_time *ns)
{
	uint64_t v;
	enum units_result r = with_unit(s, durations, (uint64_t)INT64_MAX, &v);
	if (r == UNITS_OK)
		*ns = (sim_time)v;
	return r;
}

enum units_result units_rate(const char *s, uint64_t *bps)
{
	return with_unit(s, rates, UINT64_MAX, bps);
}

enum units_result units_size(const char *s, uint64_t *bytes)
{
	return with_unit(s, sizes, UINT64_MAX, bytes);
}

enum units_result units_percent(const char *s, double *fraction)
{
	struct decimal d;
	const char *rest;
	enum units_result r = parse_decimal(s, &d, &rest);
	if (r != UNITS_OK)
		return r;
	size_t n = strlen(rest);
	while (n > 0 && blank(rest[n - 1]))
		n--;
	if (n == 0)
		return UNITS_NO_UNIT;
	if (n != 1 || rest[0] != '%')
		return UNITS_UNKNOWN_UNIT;
	u128 den = pow10_u128(d.scale);
	if (d.mant > 100 * den)
		return UNITS_OVERFLOW;
	*fraction = (double)d.mant / (double)den / 100.0;
	return UNITS_OK;
}

enum units_result units_uint(const char *s, uint64_t max, uint64_t *out)
{
	struct decimal d;
	const char *rest;
	enum units_result r = parse_decimal(s, &d, &rest);
	if (r != UNITS_OK)
		return r;
	if (*rest != '\0')
		return UNITS_UNKNOWN_UNIT;
	return scale_exact(&d, 1, max, out);
}

enum units_result units_number(const char *s, double *out)
{
	struct decimal d;
	const char *rest;
	enum units_result r = parse_decimal(s, &d, &rest);
	if (r != UNITS_OK)
		return r;
	if (*rest != '\0')
		return UNITS_UNKNOWN_UNIT;
	*out = (double)d.mant / (double)pow10_u128(d.scale);
	return UNITS_OK;
}
