/* test_ike_codec_tshark.c: Wireshark as an independent judge of the codec's builder: the sample
 * messages go into a pcap (IPv4/UDP 500, and UDP 4500 with the non-ESP marker for the capture),
 * tshark must find nothing malformed, and the exchange types, next-payload chains, notify types,
 * KE groups, proposal numbers and fragment numbers it reads must be what was built.
 * Exits 77 (skip) when TSHARK is empty. */
#include "models/ipsec/ike_codec.h"
#include "sim/pcap.h"
#include "tests/cu.h"
#include "tests/ike_codec_samples.h"

#include <glib/gstdio.h>
#include <string.h>

static char *tmpdir;
static char *pcap_path;
static GPtrArray *samples; /* GByteArray, frame i + 1 is samples[i] */

static gchar *tshark(const char *const *extra)
{
	const char *tshark_bin = g_getenv("TSHARK");
	GPtrArray *argv = g_ptr_array_new();
	g_ptr_array_add(argv, (gpointer)tshark_bin);
	g_ptr_array_add(argv, (gpointer) "-n");
	g_ptr_array_add(argv, (gpointer) "-r");
	g_ptr_array_add(argv, pcap_path);
	for (const char *const *e = extra; *e; e++)
		g_ptr_array_add(argv, (gpointer)*e);
	g_ptr_array_add(argv, NULL);
	gchar *out = NULL;
	gint status = -1;
	GError *err = NULL;
	gboolean ok = g_spawn_sync(NULL, (gchar **)argv->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out,
				   NULL, &status, &err);
	g_ptr_array_unref(argv);
	CU_ASSERT_TRUE(ok);
	if (!ok) {
		g_error_free(err);
		return g_strdup("");
	}
	CU_ASSERT_TRUE(g_spawn_check_wait_status(status, NULL));
	return out;
}

static void test_nothing_malformed(void)
{
	const char *const args[] = { "-Y", "_ws.malformed || _ws.expert.severity >= \"Warning\"", NULL };
	gchar *out = tshark(args);
	CU_ASSERT_STRING_EQUAL(out, "");
	if (*out)
		printf("\n%s", out);
	g_free(out);
	/* and every frame was dissected as IKE at all */
	const char *const all[] = { "-Y", "isakmp", NULL };
	out = tshark(all);
	gchar **lines = g_strsplit(g_strchomp(out), "\n", -1);
	CU_ASSERT_EQUAL(g_strv_length(lines), samples->len);
	g_strfreev(lines);
	g_free(out);
}

/* Wireshark reports the last/more byte of every proposal and transform as a "next payload" too
 * (IKEv1 style: 2 proposal, 3 transform, 0 none), in tree order. */
static void append_sa_markers(GString *next, const struct ike_pl_sa *sa)
{
	struct ike_rbuf c = sa->proposals;
	struct ike_proposal pr;
	while (ike_sa_next_proposal(&c, &pr)) {
		g_string_append_printf(next, ",%u", c.len ? IKE_PROPOSAL_MORE : IKE_PROPOSAL_LAST);
		struct ike_rbuf tc = pr.transforms;
		struct ike_transform t;
		while (ike_proposal_next_transform(&tc, &t))
			g_string_append_printf(next, ",%u", tc.len ? IKE_TRANSFORM_MORE : IKE_TRANSFORM_LAST);
	}
}

/* What tshark should print for -e isakmp.exchangetype -e isakmp.nextpayload -e isakmp.notify.msgtype
 * -e isakmp.key_exchange.dh_group -e isakmp.prop.number -e isakmp.frag.number, from our parse. */
static gchar *expected_fields(const GByteArray *a)
{
	struct ike_msg m;
	g_assert(ike_msg_parse(a->data, a->len, 65535, &m) == IKE_PARSE_OK);
	GString *next = g_string_new(NULL), *ntf = g_string_new(NULL), *ke = g_string_new(NULL),
		*prop = g_string_new(NULL), *frag = g_string_new(NULL);
	g_string_append_printf(next, "%u", m.hdr.next_payload);
	for (size_t i = 0; i < m.pls.n; i++) {
		const struct ike_payload *p = &m.pls.pl[i];
		g_string_append_printf(next, ",%u", p->raw.p[0]);
		if (p->type == IKE_PL_SA)
			append_sa_markers(next, &p->u.sa);
		if (p->type == IKE_PL_NOTIFY)
			g_string_append_printf(ntf, "%s%u", ntf->len ? "," : "", p->u.notify.type);
		if (p->type == IKE_PL_KE)
			g_string_append_printf(ke, "%u", p->u.ke.group);
		if (p->type == IKE_PL_SKF)
			g_string_append_printf(frag, "%u", p->u.sk.frag_num);
		if (p->type == IKE_PL_SA) {
			struct ike_rbuf c = p->u.sa.proposals;
			struct ike_proposal pr;
			while (ike_sa_next_proposal(&c, &pr))
				g_string_append_printf(prop, "%s%u", prop->len ? "," : "", pr.num);
		}
	}
	gchar *s = g_strdup_printf("%u\t%s\t%s\t%s\t%s\t%s", m.hdr.exchange, next->str, ntf->str, ke->str, prop->str,
				   frag->str);
	g_string_free(next, TRUE);
	g_string_free(ntf, TRUE);
	g_string_free(ke, TRUE);
	g_string_free(prop, TRUE);
	g_string_free(frag, TRUE);
	return s;
}

static void test_fields_match(void)
{
	const char *const args[] = { "-T", "fields", "-e", "isakmp.exchangetype", "-e", "isakmp.nextpayload", "-e",
				     "isakmp.notify.msgtype", "-e", "isakmp.key_exchange.dh_group", "-e",
				     "isakmp.prop.number", "-e", "isakmp.frag.number", NULL };
	gchar *out = tshark(args);
	gchar **lines = g_strsplit(out, "\n", -1);
	CU_ASSERT_EQUAL_FATAL(g_strv_length(lines), samples->len + 1); /* trailing newline */
	for (guint i = 0; i < samples->len; i++) {
		gchar *want = expected_fields(g_ptr_array_index(samples, i));
		CU_ASSERT_STRING_EQUAL(lines[i], want);
		if (strcmp(lines[i], want) != 0)
			printf("\nframe %u: tshark '%s'\n          want   '%s'\n", i + 1, lines[i], want);
		g_free(want);
	}
	/* spelled out for the first frame, so a shared mistake in both readings cannot hide */
	CU_ASSERT_STRING_EQUAL(lines[0], "34\t33,34,2,3,3,3,3,3,0,0,3,3,3,3,3,3,3,0,40,41,41,41,41,41,0\t"
					 "16388,16389,16430,16431,16406\t14\t1,2\t");
	g_strfreev(lines);
	g_free(out);
}

static void test_ke_nonce_lengths(void)
{
	const char *const args[] = { "-T", "fields", "-e", "isakmp.key_exchange.data", "-e", "isakmp.nonce",
				     "-Y", "isakmp.exchangetype == 34", NULL };
	gchar *out = tshark(args);
	gchar **lines = g_strsplit(out, "\n", -1);
	CU_ASSERT_TRUE_FATAL(g_strv_length(lines) >= 5);
	/* hex strings: MODP-2048 KE is 256 bytes, ECP-256 is 64, nonces 32 */
	gchar **f = g_strsplit(lines[0], "\t", -1);
	CU_ASSERT_EQUAL(strlen(f[0]), 2 * 256);
	CU_ASSERT_EQUAL(strlen(f[1]), 2 * 32);
	g_strfreev(f);
	f = g_strsplit(lines[1], "\t", -1);
	CU_ASSERT_EQUAL(strlen(f[0]), 2 * 64);
	g_strfreev(f);
	g_strfreev(lines);
	g_free(out);
}

/* The frame of sample_cleartext_payloads(): ID, AUTH, CP, TS, D, N SPI, V, EAP as Wireshark reads them. */
static void test_cleartext_payloads(void)
{
	gchar *frame = NULL;
	for (guint i = 0; i < samples->len; i++) {
		const GByteArray *a = g_ptr_array_index(samples, i);
		if (a->data[18] == IKE_EXCH_INFORMATIONAL && a->data[16] == IKE_PL_IDI)
			frame = g_strdup_printf("frame.number == %u", i + 1);
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(frame);
	const char *const args[] = { "-T", "fields", "-e", "isakmp.id.type", "-e",
				     "isakmp.id.data.fqdn", "-e", "isakmp.auth.method", "-e", "isakmp.cfg.type", "-e",
				     "isakmp.cfg.attr.type", "-e", "isakmp.cfg.attr.internal_ip4_address", "-e",
				     "isakmp.cfg.attr.internal_ip4_dns", "-e", "isakmp.ts.number", "-e",
				     "isakmp.ts.type", "-e", "isakmp.ts.start_ipv4", "-e", "isakmp.ts.end_ipv4", "-e",
				     "isakmp.ts.start_port", "-e", "isakmp.ts.protoid", "-e", "isakmp.delete.protoid",
				     "-e", "isakmp.delete.spi", "-e", "isakmp.spi", "-e", "isakmp.prop.protoid", "-e",
				     "isakmp.cert.encoding", "-e", "eap.code", "-Y", frame, NULL };
	gchar *out = tshark(args);
	g_strchomp(out);
	const char *want = "2\tclient1.example.net\t2\t1,2\t1,3,8,1,2,3\t10.99.0.7\t10.0.0.53\t2,1\t7,8,7\t"
			   "0.0.0.0,10.1.0.0\t255.255.255.255,10.1.255.255\t0,0,500\t0,0,17\t3,1\t"
			   "c1000001,c1000002\tc1000001,c1000009\t3\t4\t1";
	CU_ASSERT_STRING_EQUAL(out, want);
	if (strcmp(out, want) != 0)
		printf("\ntshark '%s'\nwant   '%s'\n", out, want);
	g_free(out);
	g_free(frame);
}

int main(void)
{
	const char *t = g_getenv("TSHARK");
	if (!t || !*t) {
		printf("TSHARK is empty: skipping\n");
		return 77;
	}
	GError *err = NULL;
	tmpdir = g_dir_make_tmp("ike_codec_XXXXXX", &err);
	g_assert_no_error(err);
	pcap_path = g_build_filename(tmpdir, "ike.pcap", NULL);
	samples = sample_all();
	struct sim_pcap *pc = sim_pcap_open(pcap_path, &err);
	g_assert_no_error(err);
	for (guint i = 0; i < samples->len; i++) {
		const GByteArray *a = g_ptr_array_index(samples, i);
		bool captured = a->len == sample_captured_sa_init_len - 4 &&
				memcmp(a->data, sample_captured_sa_init + 4, a->len) == 0; /* seen on 4500 */
		GByteArray *pkt = sample_ipv4_udp(a, captured ? 4500 : 500);
		sim_pcap_write(pc, (sim_time)i * 1000000, pkt->data, pkt->len);
		g_byte_array_unref(pkt);
	}
	g_assert_true(sim_pcap_close(pc, &err));
	static const struct cu_test tests[] = {
		{ "tshark finds nothing malformed", test_nothing_malformed },
		{ "tshark reads what was built", test_fields_match },
		{ "tshark sees KE and nonce lengths", test_ke_nonce_lengths },
		{ "tshark reads every cleartext payload", test_cleartext_payloads },
		{ NULL, NULL },
	};
	int rc = cu_run("ike_codec_tshark", tests);
	g_unlink(pcap_path);
	g_rmdir(tmpdir);
	g_free(pcap_path);
	g_free(tmpdir);
	g_ptr_array_unref(samples);
	return rc;
}
