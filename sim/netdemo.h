/* netdemo.h: a small self-contained run of the network substrate for `vpnsim demo`: two hosts and
 * a router, a UDP constant-bit-rate flow that overloads the slower link for two simulated
 * seconds, and a short deterministic report of what happened. */
#ifndef SIM_NETDEMO_H
#define SIM_NETDEMO_H

#include <glib.h>
#include <stdint.h>

/* Builds and runs the demo with the given seed. h1 --(100 Mbit/s, 10 ms)-- r --(10 Mbit/s,
 * 20 ms, 1 % loss, 64 KB queue)-- h2; h1 sends 1000-byte UDP payloads to h2 at about 12 Mbit/s
 * from 0 to 2 s, then the network drains. With pcap_path, what h2 receives is captured there
 * (LINKTYPE_RAW, simulated nanosecond timestamps). Appends to report a few lines: packets sent,
 * received and dropped by cause, one-way delay, per-link counters, simulated time and events
 * run; the same seed gives the same bytes (no wall-clock figures). Returns 0, or 1 when the
 * capture could not be written (the reason is appended to report). */
int sim_netdemo_run(uint64_t seed, const char *pcap_path, GString *report);

#endif
