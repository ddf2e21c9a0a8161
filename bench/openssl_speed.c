/* openssl_speed.c: parsing `openssl speed` for asymmetric operations per second. */
#include "bench/openssl_speed.h"

#include <glib.h>
#include <stdio.h>
#include <string.h>

double openssl_speed_ops(const char *alg, const char *tag)
{
	char cmd[160];
	snprintf(cmd, sizeof cmd, "openssl speed -seconds 1 %s 2>/dev/null", alg);
	FILE *f = popen(cmd, "r");
	if (!f)
		return 0;
	char line[512];
	double ops = 0;
	while (fgets(line, sizeof line, f)) {
		if (!strstr(line, tag) || !strstr(line, " bits "))
			continue;
		char *last = strrchr(g_strchomp(line), ' '); /* the last field */
		if (last)
			ops = g_ascii_strtod(last + 1, NULL);
	}
	pclose(f);
	return ops;
}
