/* time.h: virtual time: signed 64-bit nanoseconds, and helpers to convert units. */
#ifndef SIM_TIME_H
#define SIM_TIME_H

#include <stdint.h>

typedef int64_t sim_time;

#define SIM_TIME_MAX INT64_MAX

#define SIM_NS_PER_US INT64_C(1000)
#define SIM_NS_PER_MS INT64_C(1000000)
#define SIM_NS_PER_S INT64_C(1000000000)

static inline sim_time sim_ns(int64_t n) { return n; }
static inline sim_time sim_us(int64_t n) { return n * SIM_NS_PER_US; }
static inline sim_time sim_ms(int64_t n) { return n * SIM_NS_PER_MS; }
static inline sim_time sim_s(int64_t n) { return n * SIM_NS_PER_S; }
static inline sim_time sim_min(int64_t n) { return n * 60 * SIM_NS_PER_S; }

/* Seconds as a double, rounded to the nearest nanosecond. */
static inline sim_time sim_from_seconds(double s) { return (sim_time)(s * 1e9 + (s >= 0 ? 0.5 : -0.5)); }
static inline double sim_to_seconds(sim_time t) { return (double)t / 1e9; }

/* Serialization delay of `bytes` at `rate_bps`, rounded up to whole nanoseconds
 * (a link never transmits faster than its rate). rate_bps must be > 0. */
static inline sim_time sim_tx_time(uint64_t bytes, uint64_t rate_bps)
{
	unsigned __int128 bits_ns = (unsigned __int128)bytes * 8u * (uint64_t)SIM_NS_PER_S;
	return (sim_time)((bits_ns + rate_bps - 1) / rate_bps);
}

#endif
