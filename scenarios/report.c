/* report.c: expectations, report.json, series.csv, summary. */
#include "scenarios/report.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "sim/log.h"

static const struct traffic_flow *flow_named(const struct run *r, const char *name, size_t *index)
{
	for (guint i = 0; i < r->s->flows->len; i++)
		if (strcmp(((struct scn_flow *)r->s->flows->pdata[i])->name, name) == 0) {
			*index = i;
			return r->flows[i];
		}
	return NULL;
}

/* A flow metric over the expectation's window [from, to) of the run (to < 0: its end). */
static double windowed_metric(const struct run *r, const struct scn_expect *e)
{
	size_t i = 0;
	const struct traffic_flow *f = flow_named(r, e->subject, &i);
	if (!f)
		return NAN;
	sim_time now = sim_now(&r->w.sim);
	sim_time to = e->to_ns < 0 ? now : MIN(e->to_ns, now);
	sim_time from = MAX(e->from_ns, f->cfg.start_ns);
	switch (e->kind) {
	case SCN_METRIC_FLOW_OUTAGE:
		return (double)traffic_longest_gap_within(f, e->from_ns, to, now);
	case SCN_METRIC_FLOW_THROUGHPUT:
		return traffic_rx_bps(f, from, MIN(to, f->cfg.stop_ns));
	case SCN_METRIC_FLOW_LOSS:
		return traffic_loss_ratio_sent(f, e->from_ns, to);
	default:
		return NAN; /* the parser allows windows on flow metrics only */
	}
}

static double metric(const struct run *r, const struct scn_expect *e)
{
	if (e->windowed)
		return windowed_metric(r, e);
	size_t i = 0;
	const struct traffic_flow *f = NULL;
	switch (e->kind) {
	case SCN_METRIC_FLOW_OUTAGE:
		f = flow_named(r, e->subject, &i);
		return f ? (double)run_flow_outage(r, f, NULL) : NAN;
	case SCN_METRIC_FLOW_THROUGHPUT:
		f = flow_named(r, e->subject, &i);
		return f ? run_flow_throughput(r, i) : NAN;
	case SCN_METRIC_FLOW_LOSS:
		f = flow_named(r, e->subject, &i);
		return f ? traffic_loss_ratio(f) : NAN;
	case SCN_METRIC_FLOW_DELAY_P99:
		f = flow_named(r, e->subject, &i);
		return f && *f->c_rx_packets ? (double)traffic_delay_quantile(f, 0.99) : NAN;
	case SCN_METRIC_TUNNEL_UP_AT_END:
		return run_connection_up(r, e->subject) ? 1.0 : 0.0;
	case SCN_METRIC_GATEWAY_FAIRNESS:
		return run_fairness(r);
	case SCN_METRIC_COUNTER: {
		const uint64_t *c = g_hash_table_lookup(r->w.net.stats.counters, e->subject);
		return c ? (double)*c : NAN; /* a name no model made: the expectation fails */
	}
	}
	return NAN;
}

static bool compare(double a, enum scn_cmp c, double b)
{
	switch (c) {
	case SCN_LT:
		return a < b;
	case SCN_LE:
		return a <= b;
	case SCN_GT:
		return a > b;
	case SCN_GE:
		return a >= b;
	case SCN_EQ:
		return a == b;
	case SCN_NE:
		return a != b;
	}
	return false;
}

unsigned report_evaluate(const struct run *r, struct verdict *v)
{
	unsigned failed = 0;
	run_export_counters(r);
	for (guint i = 0; i < r->s->expects->len; i++) {
		const struct scn_expect *e = r->s->expects->pdata[i];
		v[i].e = e;
		v[i].value = metric(r, e);
		v[i].pass = !isnan(v[i].value) && compare(v[i].value, e->cmp, e->value);
		failed += !v[i].pass;
	}
	return failed;
}

char *report_format_metric(enum scn_metric kind, double value)
{
	switch (kind) {
	case SCN_METRIC_FLOW_OUTAGE:
		return g_strdup_printf("%.3f s", value / 1e9);
	case SCN_METRIC_FLOW_THROUGHPUT:
		return g_strdup_printf("%.3f Mbit/s", value / 1e6);
	case SCN_METRIC_FLOW_LOSS:
		return g_strdup_printf("%.3f %%", value * 100);
	case SCN_METRIC_FLOW_DELAY_P99:
		return isnan(value) ? g_strdup("nothing received") : g_strdup_printf("%.2f ms", value / 1e6);
	case SCN_METRIC_TUNNEL_UP_AT_END:
		return g_strdup(value != 0 ? "true" : "false");
	case SCN_METRIC_GATEWAY_FAIRNESS:
		return g_strdup_printf("%.4f", value);
	case SCN_METRIC_COUNTER:
		return isnan(value) ? g_strdup("no such counter") : g_strdup_printf("%.0f", value);
	}
	return g_strdup("?");
}

/* ---- report.json ---- */

static void add_counter(void *ctx, const char *name, uint64_t value)
{
	JsonBuilder *b = ctx;
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, (gint64)value);
}

static void member_double(JsonBuilder *b, const char *name, double v)
{
	json_builder_set_member_name(b, name);
	if (isnan(v))
		json_builder_add_null_value(b);
	else
		json_builder_add_double_value(b, v);
}

static void member_int(JsonBuilder *b, const char *name, gint64 v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

static void member_str(JsonBuilder *b, const char *name, const char *v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, v ? v : "");
}

static void json_flows(JsonBuilder *b, const struct run *r)
{
	json_builder_set_member_name(b, "flows");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->s->flows->len; i++) {
		const struct scn_flow *sf = r->s->flows->pdata[i];
		const struct traffic_flow *f = r->flows[i];
		struct traffic_gap g;
		sim_time outage = run_flow_outage(r, f, &g);
		json_builder_begin_object(b);
		member_str(b, "name", sf->name);
		member_str(b, "from", sf->from);
		member_str(b, "to", sf->to);
		member_str(b, "kind", scn_flow_kind_name(sf->kind));
		member_int(b, "tx_packets", (gint64)*f->c_tx_packets);
		member_int(b, "rx_packets", (gint64)*f->c_rx_packets);
		member_int(b, "rx_bytes", (gint64)*f->c_rx_bytes);
		member_double(b, "loss", traffic_loss_ratio(f));
		member_double(b, "throughput_bps", run_flow_throughput(r, i));
		member_double(b, "outage_s", outage / 1e9);
		member_double(b, "outage_from_s", outage ? g.from / 1e9 : NAN);
		member_double(b, "outage_to_s", outage ? g.to / 1e9 : NAN);
		json_builder_set_member_name(b, "delay_ms");
		json_builder_begin_object(b);
		member_double(b, "min", *f->c_rx_packets ? f->delay_min / 1e6 : NAN);
		member_double(b, "mean", traffic_delay_mean(f) / 1e6);
		member_double(b, "p50", traffic_delay_quantile(f, 0.5) / 1e6);
		member_double(b, "p95", traffic_delay_quantile(f, 0.95) / 1e6);
		member_double(b, "p99", traffic_delay_quantile(f, 0.99) / 1e6);
		member_double(b, "max", *f->c_rx_packets ? f->delay_max / 1e6 : NAN);
		json_builder_end_object(b);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

/* The tunnel's mean throughput over the run: inner bytes both ways, bit/s. */
static double tunnel_bps(const struct run *r, const struct gw_tunnel *t)
{
	double s = sim_to_seconds(sim_now(&r->w.sim));
	return s > 0 ? (double)(*t->t->c_tx_bytes + *t->t->c_rx_bytes) * 8.0 / s : NAN;
}

static void json_tunnels(JsonBuilder *b, const struct run *r)
{
	json_builder_set_member_name(b, "tunnels");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->gw->conns->len; i++) {
		const struct gw_connection *c = r->gw->conns->pdata[i];
		for (int k = 0; k < 2; k++) {
			const struct gw_tunnel *t = &c->tun[k];
			if (!r->gw->cfg.active_active && *t->c_ups == 0 && !t->up)
				continue; /* the standby's tunnel that never carried anything */
			json_builder_begin_object(b);
			member_str(b, "connection", c->name);
			member_int(b, "instance", k);
			json_builder_set_member_name(b, "up_at_end");
			json_builder_add_boolean_value(b, t->up);
			member_int(b, "up_events", (gint64)*t->c_ups);
			member_int(b, "down_events", (gint64)*t->c_downs);
			member_int(b, "tx_bytes", (gint64)*t->t->c_tx_bytes);
			member_int(b, "rx_bytes", (gint64)*t->t->c_rx_bytes);
			member_double(b, "throughput_bps", tunnel_bps(r, t));
			json_builder_end_object(b);
		}
	}
	json_builder_end_array(b);
}

static void json_expectations(JsonBuilder *b, const struct run *r, const struct verdict *v)
{
	json_builder_set_member_name(b, "expectations");
	json_builder_begin_array(b);
	for (guint i = 0; i < r->s->expects->len; i++) {
		const struct scn_expect *e = v[i].e;
		json_builder_begin_object(b);
		member_str(b, "name", e->name);
		member_str(b, "metric", e->metric);
		member_str(b, "op", scn_cmp_name(e->cmp));
		member_str(b, "expected", e->text);
		if (e->windowed) {
			member_double(b, "window_from_s", sim_to_seconds(e->from_ns));
			member_double(b, "window_to_s", e->to_ns < 0 ? sim_to_seconds(r->s->duration_ns) : sim_to_seconds(e->to_ns));
		}
		member_double(b, "expected_value", e->value);
		member_double(b, "value", v[i].value);
		g_autofree char *txt = report_format_metric(e->kind, v[i].value);
		member_str(b, "value_text", txt);
		json_builder_set_member_name(b, "pass");
		json_builder_add_boolean_value(b, v[i].pass);
		g_autofree char *where = g_strdup_printf("%s:%u", e->loc.file ? e->loc.file : "", e->loc.line);
		member_str(b, "where", where);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

static char *report_json(const struct run *r, const struct verdict *v)
{
	const struct scenario *s = r->s;
	unsigned failed = 0;
	for (guint i = 0; i < s->expects->len; i++)
		failed += !v[i].pass;
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "scenario");
	json_builder_begin_object(b);
	member_str(b, "name", s->name);
	member_str(b, "description", s->description);
	member_double(b, "duration_s", s->duration_ns / 1e9);
	member_int(b, "seed", (gint64)s->seed);
	json_builder_end_object(b);
	member_str(b, "verdict", failed ? "fail" : "pass");
	member_int(b, "expectations_failed", failed);
	json_expectations(b, r, v);
	json_builder_set_member_name(b, "gateway");
	json_builder_begin_object(b);
	member_str(b, "sku", r->gw->cfg.sku->name);
	member_int(b, "generation", r->gw->cfg.sku->generation);
	member_str(b, "mode", r->gw->cfg.active_active ? "active-active" : "active-standby");
	member_int(b, "active_instance_at_end", r->gw->active);
	member_int(b, "takeovers", (gint64)*r->gw->c_takeovers);
	member_double(b, "fairness", run_fairness(r));
	member_int(b, "p2s_clients_at_end", gateway_p2s_clients(r->gw));
	member_int(b, "p2s_refused", (gint64)gateway_p2s_refused(r->gw));
	json_builder_end_object(b);
	json_builder_set_member_name(b, "instances");
	json_builder_begin_array(b);
	for (int i = 0; i < 2; i++) {
		const struct gw_instance *ins = &r->gw->inst[i];
		json_builder_begin_object(b);
		member_int(b, "instance", i);
		member_str(b, "state_at_end", !ins->alive ? "down" : (r->gw->cfg.active_active || r->gw->active == i) ? "active" : "standby");
		/* utilisation: the processor's busy time over the run */
		member_double(b, "utilisation", (double)*ins->cap.c_busy_ns / (double)sim_now(&r->w.sim));
		member_int(b, "processed_packets", (gint64)*ins->cap.c_packets);
		member_int(b, "drops_queue", (gint64)*ins->cap.c_drop_queue);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "faults");
	json_builder_begin_array(b);
	for (guint i = 0; i < s->faults->len; i++) {
		const struct scn_fault *f = s->faults->pdata[i];
		json_builder_begin_object(b);
		member_str(b, "name", f->name);
		member_str(b, "kind", scn_fault_kind_name(f->kind));
		member_double(b, "at_s", f->at_ns / 1e9);
		json_builder_set_member_name(b, "reestablished_s");
		json_builder_begin_object(b);
		for (guint c = 0; c < r->gw->conns->len; c++) {
			const struct gw_connection *conn = r->gw->conns->pdata[c];
			sim_time up = gateway_connection_up_after(conn, f->at_ns);
			member_double(b, conn->name, up < 0 ? NAN : (up - f->at_ns) / 1e9);
		}
		json_builder_end_object(b);
		/* per connection: null when the fault never left it without a tunnel, else the time
		 * from the fault until a tunnel was up again (null too if it never was) */
		for (int k = 0; k < 2; k++) {
			/* lost_all_s: from the fault until the connection had no tunnel (null: never) */
			json_builder_set_member_name(b, k ? "restored_s" : "lost_all_s");
			json_builder_begin_object(b);
			for (guint c = 0; c < r->gw->conns->len; c++) {
				const struct gw_connection *conn = r->gw->conns->pdata[c];
				sim_time lost = -1, back = gateway_connection_restored_after(conn, f->at_ns, &lost);
				sim_time when = k ? back : lost;
				member_double(b, conn->name, when < 0 ? NAN : (when - f->at_ns) / 1e9);
			}
			json_builder_end_object(b);
		}
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "p2s_groups");
	json_builder_begin_array(b);
	for (guint i = 0; i < s->p2s_groups->len; i++) {
		json_builder_begin_object(b);
		member_str(b, "name", ((const struct scn_p2s_group *)s->p2s_groups->pdata[i])->name);
		member_int(b, "clients", r->groups[i]->clients->len);
		member_int(b, "connected_at_end", p2s_group_up(r->groups[i]));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_tunnels(b, r);
	json_flows(b, r);
	json_builder_set_member_name(b, "engine");
	json_builder_begin_object(b);
	member_int(b, "events", (gint64)r->w.sim.events_run);
	member_double(b, "simulated_s", sim_now(&r->w.sim) / 1e9);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "counters");
	json_builder_begin_object(b);
	sim_stats_foreach_counter(&r->w.net.stats, add_counter, b);
	json_builder_end_object(b);
	json_builder_end_object(b);
	JsonGenerator *gen = json_generator_new();
	JsonNode *root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	json_generator_set_pretty(gen, TRUE);
	char *text = json_generator_to_data(gen, NULL);
	json_node_unref(root);
	g_object_unref(gen);
	g_object_unref(b);
	return text;
}

/* The columns of series.csv after the flows': one per tunnel in active-active
 * ("tunnel:CONN:K"), one per connection in active-standby ("tunnel:CONN", both instances'
 * tunnels summed: the tunnel moves with the active instance). */
struct tunnel_col {
	const struct gw_connection *c;
	int k; /* -1: both instances */
};

static GArray *tunnel_cols(const struct run *r)
{
	GArray *cols = g_array_new(FALSE, FALSE, sizeof(struct tunnel_col));
	for (guint i = 0; i < r->gw->conns->len; i++) {
		const struct gw_connection *c = r->gw->conns->pdata[i];
		for (int k = 0; k < (r->gw->cfg.active_active ? 2 : 1); k++) {
			struct tunnel_col col = { c, r->gw->cfg.active_active ? k : -1 };
			g_array_append_val(cols, col);
		}
	}
	return cols;
}

static double tunnel_col_bytes(const struct tunnel_col *col, size_t bin)
{
	double v = 0;
	for (int k = 0; k < 2; k++)
		if (col->k < 0 || col->k == k)
			v += sim_series_bin(col->c->tun[k].bytes, bin);
	return v;
}

/* One row per bin: time, then each flow's received Mbit/s, then each tunnel's (or, in
 * active-standby, each connection's) Mbit/s of inner bytes both ways. */
static char *series_csv(const struct run *r)
{
	GString *out = g_string_new("time_s");
	size_t bins = 0;
	sim_time bin_ns = GW_BYTES_BIN_NS;
	for (guint i = 0; i < r->s->flows->len; i++) {
		const struct traffic_flow *f = r->flows[i];
		g_string_append_printf(out, ",%s_mbps", f->name);
		bins = MAX(bins, sim_series_len(f->rx_bytes_series));
		bin_ns = f->rx_bytes_series->bin_ns;
	}
	g_autoptr(GArray) cols = tunnel_cols(r);
	bool same_bins = bin_ns == GW_BYTES_BIN_NS; /* flows' bins are 100 ms unless a model changes it */
	for (guint i = 0; same_bins && i < cols->len; i++) {
		const struct tunnel_col *col = &g_array_index(cols, struct tunnel_col, i);
		if (col->k < 0)
			g_string_append_printf(out, ",tunnel:%s_mbps", col->c->name);
		else
			g_string_append_printf(out, ",tunnel:%s:%d_mbps", col->c->name, col->k);
		for (int k = 0; k < 2; k++)
			bins = MAX(bins, sim_series_len(col->c->tun[k].bytes));
	}
	g_string_append_c(out, '\n');
	double to_mbps = 8.0 / (bin_ns / 1e9) / 1e6;
	for (size_t k = 0; k < bins; k++) {
		g_string_append_printf(out, "%.3f", (double)(k * (size_t)bin_ns) / 1e9);
		for (guint i = 0; i < r->s->flows->len; i++)
			g_string_append_printf(out, ",%.6f", sim_series_bin(r->flows[i]->rx_bytes_series, k) * to_mbps);
		for (guint i = 0; same_bins && i < cols->len; i++)
			g_string_append_printf(out, ",%.6f",
					       tunnel_col_bytes(&g_array_index(cols, struct tunnel_col, i), k) * to_mbps);
		g_string_append_c(out, '\n');
	}
	return g_string_free(out, FALSE);
}

bool report_write(const struct run *r, const struct verdict *v, const char *dir, GError **err)
{
	if (g_mkdir_with_parents(dir, 0755) != 0) {
		int e = errno;
		g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "cannot create %s: %s", dir, g_strerror(e));
		return false;
	}
	g_autofree char *json = report_json(r, v);
	g_autofree char *csv = series_csv(r);
	g_autofree char *jp = g_build_filename(dir, "report.json", NULL);
	g_autofree char *cp = g_build_filename(dir, "series.csv", NULL);
	return g_file_set_contents(jp, json, -1, err) && g_file_set_contents(cp, csv, -1, err);
}

/* ---- the summary ---- */

void report_print(const struct run *r, const struct verdict *v, FILE *out)
{
	const struct scenario *s = r->s;
	fprintf(out, "%s: %s, seed %llu, %.0f s simulated (%llu events)\n", s->name,
		s->description && *s->description ? s->description : "", (unsigned long long)s->seed,
		s->duration_ns / 1e9, (unsigned long long)r->w.sim.events_run);
	fprintf(out, "  gateway %s %s, %s; takeovers %llu\n", r->gw->cfg.sku->name,
		r->gw->cfg.active_active ? "active-active" : "active-standby",
		r->gw->cfg.policy_based ? "PolicyBased" : "RouteBased", (unsigned long long)*r->gw->c_takeovers);
	for (guint i = 0; i < r->gw->conns->len; i++) {
		const struct gw_connection *c = r->gw->conns->pdata[i];
		fprintf(out, "  tunnel %-14s", c->name);
		for (int k = 0; k < 2; k++)
			if (r->gw->cfg.active_active || *c->tun[k].c_ups || c->tun[k].up)
				fprintf(out, " instance %d: %s (up %llu, down %llu)", k, c->tun[k].up ? "up" : "DOWN",
					(unsigned long long)*c->tun[k].c_ups, (unsigned long long)*c->tun[k].c_downs);
		fputc('\n', out);
	}
	for (guint i = 0; i < s->p2s_groups->len; i++)
		fprintf(out, "  p2s %-16s %u of %u clients connected at the end\n",
			((const struct scn_p2s_group *)s->p2s_groups->pdata[i])->name, p2s_group_up(r->groups[i]),
			r->groups[i]->clients->len);
	for (guint i = 0; i < s->flows->len; i++) {
		const struct traffic_flow *f = r->flows[i];
		struct traffic_gap g;
		sim_time outage = run_flow_outage(r, f, &g);
		fprintf(out, "  flow %-12s %9.3f Mbit/s, loss %6.3f %%, p99 delay %7.2f ms", f->name,
			run_flow_throughput(r, i) / 1e6, traffic_loss_ratio(f) * 100, traffic_delay_quantile(f, 0.99) / 1e6);
		if (outage)
			fprintf(out, ", outage %.1f s (%.1f-%.1f s)", outage / 1e9, g.from / 1e9, g.to / 1e9);
		fputc('\n', out);
	}
	unsigned failed = 0;
	for (guint i = 0; i < s->expects->len; i++) {
		g_autofree char *txt = report_format_metric(v[i].e->kind, v[i].value);
		fprintf(out, "  %s %-18s %s %s %s: %s\n", v[i].pass ? "PASS" : "FAIL", v[i].e->name, v[i].e->metric,
			scn_cmp_name(v[i].e->cmp), v[i].e->text, txt);
		failed += !v[i].pass;
	}
	fprintf(out, "verdict: %s (%u of %u expectations failed)\n", failed ? "FAIL" : "PASS", failed,
		s->expects->len);
}
