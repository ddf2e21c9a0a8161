/* history.c: the sampler that follows a run, and what it draws at one instant (history.h). */
#include "scenarios/history.h"

#include "viz/topology.h"

#include <string.h>

/* A sampling event every STEP_NS (and at every fault's time) reads the states: tunnels change at
 * the exact time the gateway records (last_change), instances and paths at the sample that saw
 * them change (a fault's own changes are exact, a takeover is placed within 10 ms). */
#define STEP_NS (10 * SIM_NS_PER_S / 1000)

static struct lane *lane_new(char *label)
{
	struct lane *l = g_new0(struct lane, 1);
	l->label = label;
	l->changes = g_array_new(FALSE, FALSE, sizeof(struct change));
	return l;
}

static void lane_free(void *p)
{
	struct lane *l = p;
	g_free(l->label);
	g_array_free(l->changes, TRUE);
	if (l->bytes)
		g_array_free(l->bytes, TRUE);
	g_free(l);
}

static int lane_last(const struct lane *l)
{
	return g_array_index(l->changes, struct change, l->changes->len - 1).state;
}

static void lane_note(struct lane *l, sim_time t, int state)
{
	if (l->changes->len > 0 && lane_last(l) == state)
		return;
	if (l->changes->len > 0) /* never before the previous change */
		t = MAX(t, g_array_index(l->changes, struct change, l->changes->len - 1).t);
	struct change c = { t, state };
	g_array_append_val(l->changes, c);
}

int lane_at(const struct lane *l, sim_time t)
{
	int s = g_array_index(l->changes, struct change, 0).state;
	for (guint i = 1; i < l->changes->len; i++) {
		const struct change *c = &g_array_index(l->changes, struct change, i);
		if (c->t > t)
			break;
		s = c->state;
	}
	return s;
}

int lane_worst(const struct lane *l, sim_time from, sim_time to)
{
	int s = lane_at(l, from);
	for (guint i = 1; i < l->changes->len && s != VIZ_TUNNEL_DOWN; i++) {
		const struct change *c = &g_array_index(l->changes, struct change, i);
		if (c->t > from && c->t < to && c->state == VIZ_TUNNEL_DOWN)
			s = VIZ_TUNNEL_DOWN;
	}
	return s;
}

static int viz_state(enum gw_tunnel_activity a)
{
	switch (a) {
	case GW_TUNNEL_CARRYING:
		return VIZ_TUNNEL_UP;
	case GW_TUNNEL_STANDBY:
		return VIZ_TUNNEL_STANDBY;
	case GW_TUNNEL_CONNECTING:
		return VIZ_TUNNEL_CONNECTING;
	case GW_TUNNEL_DOWN:
		break;
	}
	return VIZ_TUNNEL_DOWN;
}

static bool is_up(int st)
{
	return st == VIZ_TUNNEL_UP || st == VIZ_TUNNEL_STANDBY;
}

/* The lane's state now: an active-standby lane takes the busier of its two tunnels (carrying >
 * standby > connecting > down). *changed: when the CHILD SA last came up or went down. */
static int tunnel_state(const struct gateway *gw, const struct lane *l, sim_time *changed)
{
	const struct gw_connection *c = gw->conns->pdata[l->conn];
	if (l->k >= 0) {
		*changed = c->tun[l->k].last_change;
		return viz_state(gateway_tunnel_activity(&c->tun[l->k]));
	}
	*changed = MAX(c->tun[0].last_change, c->tun[1].last_change);
	return viz_state(MAX(gateway_tunnel_activity(&c->tun[0]), gateway_tunnel_activity(&c->tun[1])));
}

static int instance_state(const struct gateway *gw, int i)
{
	if (!gw->inst[i].alive)
		return VIZ_INSTANCE_DOWN;
	return gw->cfg.active_active || gw->active == i ? VIZ_INSTANCE_ACTIVE : VIZ_INSTANCE_STANDBY;
}

void history_init(struct history *h, const struct run *r, sim_time end_ns)
{
	const struct gateway *gw = r->gw;
	const struct scenario *s = r->s;
	memset(h, 0, sizeof *h);
	h->r = r;
	h->end_ns = MIN(end_ns, r->s->duration_ns);
	h->tunnels = g_ptr_array_new_with_free_func(lane_free);
	for (guint c = 0; c < gw->conns->len; c++) {
		const struct gw_connection *conn = gw->conns->pdata[c];
		const struct scn_connection *sc = scenario_connection(s, conn->name);
		unsigned n = sc ? viz_connection_tunnels(s, sc) : 1;
		if (!gw->cfg.active_active || n == 0)
			n = 1;
		for (unsigned k = 0; k < n; k++) {
			struct lane *l = lane_new(gw->cfg.active_active ? g_strdup_printf("%s:%u", conn->name, k)
									 : g_strdup(conn->name));
			l->conn = c;
			l->k = gw->cfg.active_active ? (int)k : -1;
			g_ptr_array_add(h->tunnels, l);
		}
	}
	for (int i = 0; i < 2; i++) {
		h->inst[i].label = g_strdup_printf("%d", i);
		h->inst[i].changes = g_array_new(FALSE, FALSE, sizeof(struct change));
		h->busy[i] = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	}
	h->paths = g_ptr_array_new_with_free_func(lane_free);
	for (guint p = 0; p < s->paths->len; p++) {
		const struct scn_path *sp = s->paths->pdata[p];
		for (guint i = 0; i < s->sites->len; i++) {
			const struct scn_site *site = s->sites->pdata[i];
			if (g_str_has_prefix(sp->from, "site:") && strcmp(sp->from + 5, site->name) == 0) {
				struct lane *l = lane_new(g_strdup(sp->name));
				l->index = i;
				g_ptr_array_add(h->paths, l);
			}
		}
	}
	h->p2s = g_ptr_array_new_with_free_func(lane_free);
	for (guint g = 0; g < s->p2s_groups->len; g++) {
		struct lane *l = lane_new(g_strdup(((const struct scn_p2s_group *)s->p2s_groups->pdata[g])->name));
		l->index = g;
		l->bytes = g_array_new(FALSE, FALSE, sizeof(struct bytes_sample));
		g_ptr_array_add(h->p2s, l);
	}
	/* about 600 bins over the run, a multiple of 100 ms */
	sim_time tenth = SIM_NS_PER_S / 10;
	h->bin_ns = MAX(tenth, (s->duration_ns / 600 + tenth - 1) / tenth * tenth);
}

void history_destroy(struct history *h)
{
	g_ptr_array_free(h->tunnels, TRUE);
	g_ptr_array_free(h->paths, TRUE);
	g_ptr_array_free(h->p2s, TRUE);
	for (int i = 0; i < 2; i++) {
		g_free(h->inst[i].label);
		g_array_free(h->inst[i].changes, TRUE);
		g_array_free(h->busy[i], TRUE);
	}
}

/* Reads the states at the current time; P2S groups (a walk over every client) only when
 * slow is set. */
static void history_sample(struct history *h, bool slow)
{
	const struct run *r = h->r;
	sim_time now = sim_now(&r->w.sim);
	for (guint i = 0; i < h->tunnels->len; i++) {
		struct lane *l = h->tunnels->pdata[i];
		sim_time changed = now;
		int st = tunnel_state(r->gw, l, &changed);
		/* the CHILD SA's own time when it came up or went down, else this sample's */
		bool exact = l->changes->len > 0 && is_up(st) != is_up(lane_last(l)) && changed <= now;
		lane_note(l, exact ? changed : now, st);
	}
	for (int i = 0; i < 2; i++)
		lane_note(&h->inst[i], now, instance_state(r->gw, i));
	for (guint i = 0; i < h->paths->len; i++) {
		struct lane *l = h->paths->pdata[i];
		lane_note(l, now, sim_link_is_up(r->site_paths[l->index]) ? 1 : 0);
	}
	if (slow)
		for (guint i = 0; i < h->p2s->len; i++) {
			struct lane *l = h->p2s->pdata[i];
			lane_note(l, now, (int)p2s_group_up(r->groups[l->index]));
			struct bytes_sample b = { now, p2s_group_bytes(r->groups[l->index]) };
			g_array_append_val(l->bytes, b);
		}
}

static void note_busy(struct history *h)
{
	for (int i = 0; i < 2; i++) {
		uint64_t b = *h->r->gw->inst[i].cap.c_busy_ns;
		g_array_append_val(h->busy[i], b);
	}
}

/* The next instant to sample after now: the next step, or a fault's time when that comes first. */
static sim_time next_sample(const struct history *h, sim_time now)
{
	const struct scenario *s = h->r->s;
	sim_time next = (now / STEP_NS + 1) * STEP_NS;
	for (guint i = 0; i < s->faults->len; i++) {
		sim_time at = ((const struct scn_fault *)s->faults->pdata[i])->at_ns;
		if (at > now && at < next)
			next = at;
	}
	return MIN(next, h->end_ns);
}

static void sample_event(struct sim *sim, void *ctx, uint64_t arg)
{
	(void)arg;
	struct history *h = ctx;
	sim_time now = sim_now(sim), end = h->end_ns;
	bool bin_end = now % h->bin_ns == 0 || now == end;
	history_sample(h, bin_end || now % STEP_NS != 0);
	if (bin_end && now > 0)
		note_busy(h);
	if (now < end)
		sim_schedule_at(sim, next_sample(h, now), sample_event, h, 0);
}

/* The sampling event is scheduled after the scenario's own events, so it sees the state once
 * those of its instant have run. */
void history_run(struct run *r, struct history *h, const struct run_opts *o)
{
	history_sample(h, true);
	note_busy(h);
	sim_schedule_at(&r->w.sim, next_sample(h, 0), sample_event, h, 0);
	struct run_opts until = o ? *o : (struct run_opts){ 0 };
	until.stop_early = true;
	until.until_ns = h->end_ns;
	run_execute(r, &until);
}

double history_tunnel_bps(const struct history *h, const struct lane *l, sim_time t)
{
	const struct gw_connection *c = h->r->gw->conns->pdata[l->conn];
	const sim_time bin = GW_BYTES_BIN_NS;
	size_t b1 = t > 0 ? (size_t)(t / bin) : 0, w = (size_t)(HISTORY_RATE_WINDOW_NS / bin);
	size_t b0 = b1 > w ? b1 - w : 0;
	if (b1 == b0)
		return -1;
	double bytes = 0;
	for (int k = 0; k < 2; k++) {
		if (l->k >= 0 && l->k != k)
			continue;
		for (size_t b = b0; b < b1; b++)
			bytes += sim_series_bin(c->tun[k].bytes, b);
	}
	return bytes * 8.0 / sim_to_seconds((sim_time)(b1 - b0) * bin);
}

/* The last sample at or before t (NULL: none). */
static const struct bytes_sample *sample_at(const GArray *a, sim_time t)
{
	const struct bytes_sample *found = NULL;
	for (guint i = 0; i < a->len && g_array_index(a, struct bytes_sample, i).t <= t; i++)
		found = &g_array_index(a, struct bytes_sample, i);
	return found;
}

double history_p2s_bps(const struct lane *l, sim_time t)
{
	const struct bytes_sample *b1 = sample_at(l->bytes, t);
	const struct bytes_sample *b0 = sample_at(l->bytes, t - HISTORY_RATE_WINDOW_NS);
	if (!b1 || !b0 || b1->t <= b0->t)
		return -1;
	return (double)(b1->bytes - b0->bytes) * 8.0 / sim_to_seconds(b1->t - b0->t);
}

bool history_draw_at(const struct history *h, sim_time t, const char *label, const char *id, const char *path,
		     const char *format, GError **err)
{
	const struct run *r = h->r;
	struct viz_overlay ov;
	memset(&ov, 0, sizeof ov);
	ov.time_label = label;
	ov.svg_id = id;
	for (int i = 0; i < 2; i++)
		ov.instance[i] = lane_at(&h->inst[i], t);
	struct viz_tunnel_run *tun = g_new0(struct viz_tunnel_run, h->tunnels->len + 1);
	for (guint i = 0; i < h->tunnels->len; i++) {
		const struct lane *l = h->tunnels->pdata[i];
		const struct gw_connection *c = r->gw->conns->pdata[l->conn];
		tun[i] = (struct viz_tunnel_run){ c->name, l->k < 0 ? 0 : (unsigned)l->k, lane_at(l, t),
						  history_tunnel_bps(h, l, t) };
	}
	struct viz_p2s_run *p2s = g_new0(struct viz_p2s_run, h->p2s->len + 1);
	for (guint i = 0; i < h->p2s->len; i++) {
		const struct lane *l = h->p2s->pdata[i];
		p2s[i] = (struct viz_p2s_run){ l->label, (unsigned)lane_at(l, t), history_p2s_bps(l, t) };
	}
	struct viz_path_run *paths = g_new0(struct viz_path_run, h->paths->len + 1);
	for (guint i = 0; i < h->paths->len; i++) {
		const struct lane *l = h->paths->pdata[i];
		paths[i] = (struct viz_path_run){ l->label, lane_at(l, t) == 0 };
	}
	ov.tunnels = tun;
	ov.n_tunnels = h->tunnels->len;
	ov.p2s = p2s;
	ov.n_p2s = h->p2s->len;
	ov.paths = paths;
	ov.n_paths = h->paths->len;
	bool ok = viz_topology_render(r->s, &ov, path, format, err);
	g_free(tun);
	g_free(p2s);
	g_free(paths);
	return ok;
}

