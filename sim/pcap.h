/* pcap.h: a pcap writer for captures that Wireshark reads: LINKTYPE_RAW (101, packets start at
 * the IPv4 header) with nanosecond timestamps (magic 0xa1b23c4d), stamped with simulated time.
 *
 * A writer is also a tap: links and nodes call sim_pcap_tap with every packet they see. */
#ifndef SIM_PCAP_H
#define SIM_PCAP_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/time.h"

#define SIM_PCAP_LINKTYPE_RAW 101u
#define SIM_PCAP_SNAPLEN 65535u

struct sim_pcap;

/* Creates (truncates) path and writes the file header. NULL with err set on failure. */
struct sim_pcap *sim_pcap_open(const char *path, GError **err);

/* Appends one record (at most SIM_PCAP_SNAPLEN bytes are kept; the original length is noted). */
void sim_pcap_write(struct sim_pcap *pc, sim_time t, const void *data, size_t len);

/* A tap callback: ctx is the struct sim_pcap. */
void sim_pcap_tap(void *ctx, sim_time t, const uint8_t *data, size_t len);

/* Flushes and closes; false with err set when a write failed at any point. NULL is allowed. */
gboolean sim_pcap_close(struct sim_pcap *pc, GError **err);

/* Records written so far. */
uint64_t sim_pcap_records(const struct sim_pcap *pc);

#endif
