/* log.c: structured log records stamped with simulated time, and a writer that prints them. */
#include "sim/log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *sim_time_format(sim_time t, char *buf, size_t size)
{
	const char *sign = t < 0 ? "-" : "";
	uint64_t a = t < 0 ? (uint64_t)(-(t + 1)) + 1 : (uint64_t)t;
	snprintf(buf, size, "%s%" PRIu64 ".%09" PRIu64, sign, a / (uint64_t)SIM_NS_PER_S,
		 a % (uint64_t)SIM_NS_PER_S);
	return buf;
}

void sim_log(sim_time now, const char *domain, GLogLevelFlags level, const char *fmt, ...)
{
	if ((level & G_LOG_LEVEL_DEBUG) && g_log_writer_default_would_drop(level, domain))
		return;
	char tbuf[32];
	sim_time_format(now, tbuf, sizeof tbuf);
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	const GLogField fields[] = {
		{ "GLIB_DOMAIN", domain, -1 },
		{ "SIM_TIME_NS", tbuf, -1 },
		{ "MESSAGE", msg, -1 },
	};
	g_log_structured_array(level, fields, G_N_ELEMENTS(fields));
}

static const char *level_name(GLogLevelFlags level)
{
	if (level & G_LOG_LEVEL_ERROR)
		return "ERROR";
	if (level & G_LOG_LEVEL_CRITICAL)
		return "CRITICAL";
	if (level & G_LOG_LEVEL_WARNING)
		return "WARNING";
	if (level & G_LOG_LEVEL_MESSAGE)
		return "MESSAGE";
	if (level & G_LOG_LEVEL_INFO)
		return "INFO";
	return "DEBUG";
}

GLogWriterOutput sim_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
	const char *domain = NULL, *t = NULL, *msg = "";
	for (gsize i = 0; i < n_fields; i++) {
		if (strcmp(fields[i].key, "GLIB_DOMAIN") == 0)
			domain = fields[i].value;
		else if (strcmp(fields[i].key, "SIM_TIME_NS") == 0)
			t = fields[i].value;
		else if (strcmp(fields[i].key, "MESSAGE") == 0)
			msg = fields[i].value;
	}
	if ((level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) && g_log_writer_default_would_drop(level, domain))
		return G_LOG_WRITER_HANDLED;
	fprintf(stderr, "[%14s] %s %s: %s\n", t ? t : "-", domain ? domain : "vpnsim", level_name(level), msg);
	return G_LOG_WRITER_HANDLED;
}
