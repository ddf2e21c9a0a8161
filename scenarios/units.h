/* units.h: strict parsing of the values a scenario file writes with units: durations, rates,
 * sizes, percentages and plain numbers, into exact base units (ns, bit/s, bytes, fractions).
 *
 * Grammar: an unsigned decimal number (digits, optionally '.' and more digits; no sign, no
 * exponent), optional spaces or tabs, then the unit. Leading and trailing blanks are ignored.
 * "10 ms" and "10ms" are the same; "1.5s" is exactly 1500000000 ns. Arithmetic is exact
 * (128-bit): a value that is not a whole number of the base unit ("1.5 ns", "0.1 B") is refused,
 * and so is anything above the target type's range.
 *
 *   durations  ns, us, ms, s, min, h                       -> int64 ns (sim_time)
 *   rates      bps, kbps, Mbps, Gbps (SI: 1 kbps = 1000)   -> uint64 bit/s
 *   sizes      B, KB, MB, GB (binary: 1 KB = 1024 B, as IPsec stacks and Azure's
 *              "102,400,000 KB" SA lifetime use); KiB, MiB, GiB are accepted synonyms -> uint64 B
 *   percent    N%  (0% .. 100%)                             -> double fraction 0..1
 *   plain      unsigned integers and unsigned decimals without a unit
 * Unit names are case-sensitive ("mbps" would be millibits: refused, with the valid list). */
#ifndef SCENARIOS_UNITS_H
#define SCENARIOS_UNITS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/time.h"

enum units_result {
	UNITS_OK,
	UNITS_EMPTY,        /* nothing but blanks */
	UNITS_BAD_NUMBER,   /* not a number where one was expected ("abc", "1..2", "+3", "1e3") */
	UNITS_NEGATIVE,     /* starts with '-' */
	UNITS_NO_UNIT,      /* a number without the unit this kind of value needs */
	UNITS_UNKNOWN_UNIT, /* a unit that is not one of this kind's */
	UNITS_NOT_WHOLE,    /* not a whole number of the base unit ("1.5 ns", "0.5 B", "2.5" for a count) */
	UNITS_OVERFLOW,     /* above the range of the result (or above max for counts, 100% for percent) */
};

/* A short English phrase for r ("a unit is missing", ...), for messages. */
const char *units_result_str(enum units_result r);

/* Parses a duration ("10 ms", "1.5s", "2 min") into *ns (0 .. INT64_MAX). */
enum units_result units_duration(const char *s, sim_time *ns);

/* Parses a rate ("100 Mbps", "1.5Gbps") into *bps. */
enum units_result units_rate(const char *s, uint64_t *bps);

/* Parses a size ("1400 B", "64 KB", "102400000 KB") into *bytes. */
enum units_result units_size(const char *s, uint64_t *bytes);

/* Parses a percentage ("0.5%", "100 %") into a fraction 0..1. */
enum units_result units_percent(const char *s, double *fraction);

/* Parses an unsigned integer without a unit, at most max. */
enum units_result units_uint(const char *s, uint64_t max, uint64_t *out);

/* Parses an unsigned decimal without a unit ("0.95", "3"). */
enum units_result units_number(const char *s, double *out);

/* The units each kind accepts, as a readable list ("ns, us, ms, s, min, h"). */
extern const char units_duration_list[];
extern const char units_rate_list[];
extern const char units_size_list[];

#endif
