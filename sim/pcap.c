/* pcap.c: the pcap writer (little-endian, as the format allows either byte order). */
#include "sim/pcap.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct sim_pcap {
	FILE *f;
	char *path;
	uint64_t records;
	int write_errno; /* first write error, 0 if none */
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void emit(struct sim_pcap *pc, const void *data, size_t len)
{
	if (fwrite(data, 1, len, pc->f) != len && !pc->write_errno)
		pc->write_errno = errno ? errno : EIO;
}

struct sim_pcap *sim_pcap_open(const char *path, GError **err)
{
	FILE *f = fopen(path, "wb");
	if (!f) {
		int e = errno;
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "cannot create %s: %s", path,
			    g_strerror(e));
		return NULL;
	}
	struct sim_pcap *pc = g_new0(struct sim_pcap, 1);
	pc->f = f;
	pc->path = g_strdup(path);
	setvbuf(f, NULL, _IOFBF, 1 << 16);
	uint8_t h[24];
	put32(h, 0xa1b23c4du); /* nanosecond-resolution pcap */
	put16(h + 4, 2);
	put16(h + 6, 4);
	put32(h + 8, 0);  /* thiszone */
	put32(h + 12, 0); /* sigfigs */
	put32(h + 16, SIM_PCAP_SNAPLEN);
	put32(h + 20, SIM_PCAP_LINKTYPE_RAW);
	emit(pc, h, sizeof h);
	return pc;
}

void sim_pcap_write(struct sim_pcap *pc, sim_time t, const void *data, size_t len)
{
	g_assert(t >= 0);
	uint32_t incl = len > SIM_PCAP_SNAPLEN ? SIM_PCAP_SNAPLEN : (uint32_t)len;
	uint8_t r[16];
	put32(r, (uint32_t)(t / SIM_NS_PER_S));
	put32(r + 4, (uint32_t)(t % SIM_NS_PER_S));
	put32(r + 8, incl);
	put32(r + 12, (uint32_t)len);
	emit(pc, r, sizeof r);
	emit(pc, data, incl);
	pc->records++;
}

void sim_pcap_tap(void *ctx, sim_time t, const uint8_t *data, size_t len)
{
	sim_pcap_write(ctx, t, data, len);
}

uint64_t sim_pcap_records(const struct sim_pcap *pc)
{
	return pc->records;
}

gboolean sim_pcap_close(struct sim_pcap *pc, GError **err)
{
	if (!pc)
		return TRUE;
	if (fclose(pc->f) != 0 && !pc->write_errno)
		pc->write_errno = errno ? errno : EIO;
	gboolean ok = pc->write_errno == 0;
	if (!ok)
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(pc->write_errno), "writing %s: %s",
			    pc->path, g_strerror(pc->write_errno));
	g_free(pc->path);
	g_free(pc);
	return ok;
}
