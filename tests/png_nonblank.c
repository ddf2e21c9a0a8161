/* png_nonblank.c: tells whether a PNG (a browser's screenshot) shows something: decodes it (8-bit
 * grey, grey+alpha, RGB or RGBA, not interlaced; zlib through GIO's GZlibDecompressor, which we
 * link for json-glib anyway) and counts distinct colours and the pixels that differ from the
 * top-left one (the page's background).
 *
 * usage: png_nonblank FILE.png [MIN_COLOURS [MIN_PERCENT]]   (defaults 16 and 1)
 * Prints "W x H, N distinct colours, P % not background"; exit 0 when both minimums are met,
 * 1 when the picture is (nearly) blank, 2 when FILE is not a PNG this reads. */
#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct png {
	uint32_t w, h;
	unsigned channels;
	GByteArray *idat;
};

/* Reads the chunks; false with a message when the file is not a PNG we decode. */
static bool parse(const uint8_t *d, size_t n, struct png *p)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	if (n < 8 || memcmp(d, sig, 8) != 0) {
		fprintf(stderr, "not a PNG\n");
		return false;
	}
	bool have_ihdr = false;
	for (size_t off = 8; off + 12 <= n;) {
		uint32_t len = be32(d + off);
		if (len > n - off - 12) {
			fprintf(stderr, "truncated chunk\n");
			return false;
		}
		const uint8_t *type = d + off + 4, *body = d + off + 8;
		if (memcmp(type, "IHDR", 4) == 0 && len >= 13) {
			p->w = be32(body);
			p->h = be32(body + 4);
			unsigned depth = body[8], ct = body[9], interlace = body[12];
			p->channels = ct == 0 ? 1 : ct == 4 ? 2 : ct == 2 ? 3 : ct == 6 ? 4 : 0;
			if (depth != 8 || p->channels == 0 || interlace != 0 || p->w == 0 || p->h == 0 ||
			    p->w > 20000 || p->h > 40000) {
				fprintf(stderr, "unsupported PNG (depth %u, colour type %u, interlace %u)\n", depth, ct,
					interlace);
				return false;
			}
			have_ihdr = true;
		} else if (memcmp(type, "IDAT", 4) == 0) {
			g_byte_array_append(p->idat, body, len);
		} else if (memcmp(type, "IEND", 4) == 0) {
			break;
		}
		off += 12 + (size_t)len;
	}
	if (!have_ihdr || p->idat->len == 0) {
		fprintf(stderr, "no IHDR or no IDAT\n");
		return false;
	}
	return true;
}

static GByteArray *inflate(const GByteArray *in)
{
	GConverter *z = G_CONVERTER(g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_ZLIB));
	GByteArray *out = g_byte_array_new();
	uint8_t buf[65536];
	size_t in_off = 0;
	for (;;) {
		gsize r = 0, w = 0;
		GError *err = NULL;
		GConverterResult res = g_converter_convert(z, in->data + in_off, in->len - in_off, buf, sizeof buf,
							   G_CONVERTER_INPUT_AT_END, &r, &w, &err);
		if (res == G_CONVERTER_ERROR) {
			fprintf(stderr, "zlib: %s\n", err->message);
			g_error_free(err);
			g_byte_array_free(out, TRUE);
			out = NULL;
			break;
		}
		in_off += r;
		g_byte_array_append(out, buf, (guint)w);
		if (res == G_CONVERTER_FINISHED)
			break;
	}
	g_object_unref(z);
	return out;
}

static uint8_t paeth(uint8_t a, uint8_t b, uint8_t c)
{
	int p = (int)a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undoes the per-row filters in place; false when the data is short or a filter is unknown. */
static bool unfilter(uint8_t *d, size_t n, const struct png *p)
{
	size_t stride = (size_t)p->w * p->channels, bpp = p->channels;
	if (n < (stride + 1) * p->h)
		return false;
	for (uint32_t y = 0; y < p->h; y++) {
		uint8_t *row = d + y * (stride + 1) + 1, f = row[-1];
		const uint8_t *up = y ? d + (y - 1) * (stride + 1) + 1 : NULL;
		for (size_t x = 0; x < stride; x++) {
			uint8_t a = x >= bpp ? row[x - bpp] : 0, b = up ? up[x] : 0, c = up && x >= bpp ? up[x - bpp] : 0;
			switch (f) {
			case 0:
				break;
			case 1:
				row[x] += a;
				break;
			case 2:
				row[x] += b;
				break;
			case 3:
				row[x] += (uint8_t)(((unsigned)a + b) / 2);
				break;
			case 4:
				row[x] += paeth(a, b, c);
				break;
			default:
				return false;
			}
		}
	}
	return true;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: png_nonblank FILE.png [MIN_COLOURS [MIN_PERCENT]]\n");
		return 2;
	}
	unsigned min_colours = argc > 2 ? (unsigned)atoi(argv[2]) : 16;
	double min_percent = argc > 3 ? atof(argv[3]) : 1.0;
	g_autofree char *data = NULL;
	gsize n = 0;
	if (!g_file_get_contents(argv[1], &data, &n, NULL)) {
		fprintf(stderr, "%s: cannot read\n", argv[1]);
		return 2;
	}
	struct png p = { .idat = g_byte_array_new() };
	GByteArray *raw = NULL;
	int rc = 2;
	if (parse((const uint8_t *)data, n, &p) && (raw = inflate(p.idat)) && unfilter(raw->data, raw->len, &p)) {
		GHashTable *colours = g_hash_table_new(g_direct_hash, g_direct_equal);
		size_t stride = (size_t)p.w * p.channels;
		uint32_t bg = 0;
		uint64_t differ = 0;
		for (uint32_t y = 0; y < p.h; y++) {
			const uint8_t *row = raw->data + y * (stride + 1) + 1;
			for (uint32_t x = 0; x < p.w; x++) {
				const uint8_t *px = row + (size_t)x * p.channels;
				uint32_t v = 0;
				for (unsigned c = 0; c < p.channels; c++)
					v = v << 8 | px[c];
				if (x == 0 && y == 0)
					bg = v;
				differ += v != bg;
				if (g_hash_table_size(colours) < 100000)
					g_hash_table_add(colours, GUINT_TO_POINTER(v + 1));
			}
		}
		unsigned nc = g_hash_table_size(colours);
		double percent = 100.0 * (double)differ / ((double)p.w * p.h);
		printf("%u x %u, %u distinct colours, %.2f %% not background\n", p.w, p.h, nc, percent);
		rc = nc >= min_colours && percent >= min_percent ? 0 : 1;
		g_hash_table_destroy(colours);
	} else if (raw) {
		fprintf(stderr, "%s: bad image data\n", argv[1]);
	}
	if (raw)
		g_byte_array_free(raw, TRUE);
	g_byte_array_free(p.idat, TRUE);
	return rc;
}
