/* log.h: GLib structured logging with the simulated time on every line.
 *
 * Models log through sim_log(now, domain, level, fmt, ...): the time travels as the SIM_TIME_NS
 * field, and sim_log_writer (installed by programs with g_log_set_writer_func) prints it first.
 * Debug messages are formatted only when G_MESSAGES_DEBUG enables their domain. */
#ifndef SIM_LOG_H
#define SIM_LOG_H

#include <glib.h>

#include "sim/time.h"

void sim_log(sim_time now, const char *domain, GLogLevelFlags level, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* A GLogWriterFunc: "[   12.345678901] domain LEVEL: message" on stderr; user_data unused. */
GLogWriterOutput sim_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data);

/* Formats t as seconds with nanosecond digits ("12.345678901") into buf (>= 32 bytes). */
const char *sim_time_format(sim_time t, char *buf, size_t size);

#endif
