/* link.h: point-to-point links: per direction a rate (serialization delay), propagation delay,
 * optional jitter, loss (Bernoulli or Gilbert-Elliott), a drop-tail queue in bytes and an MTU;
 * and an up/down state for the whole link, settable now or at scheduled times.
 *
 * Timing. A direction is a transmitter that is busy until busy_until. A packet sent at `now`
 * starts at max(now, busy_until), finishes at start + sim_tx_time(len, rate_bps), and arrives at
 * finish + propagation delay (+ jitter). Only the arrival is an event: one event per delivered
 * packet, none for a dropped or lost one; the queue's occupancy comes from a small FIFO of
 * (start, finish, bytes) records of packets not yet fully transmitted. Nothing is allocated per
 * packet once the FIFO has grown to the largest backlog.
 *
 * Queue. queue_limit_bytes counts the bytes waiting to be transmitted; the packet being
 * transmitted is not counted (as in ns-3, where it has left the queue for the device). A packet
 * that finds the transmitter idle is never dropped for lack of room; otherwise it is dropped
 * (drop_queue) when waiting bytes + its length would exceed the limit. A lost packet (loss model)
 * occupies the transmitter and the queue like any other: it is lost on the wire.
 *
 * Jitter. The propagation delay of each packet is delay_ns + X, X uniform in [-jitter_ns,
 * +jitter_ns] or normal with standard deviation jitter_ns, the sum clamped at 0 (so the
 * configured delay stays the mean when it is well above the jitter). Unless `reorder` is set, a
 * packet never arrives before the previous packet of its direction (its arrival is raised to that
 * one's; equal times keep the sending order).
 *
 * Loss. Bernoulli: each packet lost with probability loss. Gilbert-Elliott (ge_enabled): per
 * packet the two-state chain moves first (good->bad with ge_p_gb, bad->good with ge_p_bg), then
 * the packet is lost with ge_loss_good or ge_loss_bad of the new state; it starts good. The
 * stationary share of bad is p_gb / (p_gb + p_bg), the mean sojourn in bad 1 / p_bg packets.
 *
 * Down. A packet sent on a down link is dropped (drop_down). When a link goes down, every packet
 * queued or in flight on it is lost and counted in drop_down at that instant (an epoch makes
 * their pending arrivals do nothing); the transmitter is idle when it comes back up.
 *
 * Randomness. Each direction draws from two named streams of the simulation seed,
 * "link/<name>/<dir>/loss" and "link/<name>/<dir>/jitter", so adding a link, or changing one
 * link's jitter, changes no other draw.
 *
 * Counters (created with the link): link/<name>/<a2b|b2a>/{tx_packets, tx_bytes, rx_packets,
 * rx_bytes, drop_queue, drop_loss, drop_down, drop_mtu}. tx counts packets accepted for
 * transmission (including those the loss model then loses); rx counts packets delivered.
 * Sent = tx + drop_queue + drop_mtu + drops while down; tx = rx + drop_loss + drops of queued or
 * in-flight packets + packets in flight.
 *
 * Taps. A direction's taps see each packet when it arrives at the far end (the instant a capture
 * on the receiving interface, or ns-3's PhyRxEnd trace, would see it), before the receiver gets
 * it. Drop taps see packets dropped by the queue, the MTU, the loss model, or a down link at the
 * instant they are sent; queued or in-flight packets lost when the link goes down are counted
 * but not shown to drop taps. */
#ifndef SIM_LINK_H
#define SIM_LINK_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/net.h"
#include "sim/rng.h"

enum sim_link_dir { SIM_LINK_A2B = 0, SIM_LINK_B2A = 1 };

enum sim_jitter { SIM_JITTER_NONE = 0, SIM_JITTER_UNIFORM, SIM_JITTER_NORMAL };

#define SIM_LINK_QUEUE_UNLIMITED UINT64_MAX

struct sim_link_params {
	uint64_t rate_bps;          /* 0: infinitely fast (no serialization delay, no queueing) */
	sim_time delay_ns;          /* propagation delay */
	enum sim_jitter jitter;
	sim_time jitter_ns;         /* half-width (uniform) or standard deviation (normal) */
	bool reorder;               /* allow jitter to reorder packets */
	double loss;                /* Bernoulli loss probability (when ge_enabled is false) */
	bool ge_enabled;            /* Gilbert-Elliott instead of Bernoulli */
	double ge_p_gb, ge_p_bg;    /* per-packet transition probabilities good->bad, bad->good */
	double ge_loss_good, ge_loss_bad;
	uint64_t queue_limit_bytes; /* bytes waiting (see above); SIM_LINK_QUEUE_UNLIMITED */
	uint32_t mtu;               /* longest IPv4 packet carried, bytes */
};

/* Defaults: infinitely fast, no delay, no jitter, no loss, unlimited queue, MTU 1500. */
void sim_link_params_init(struct sim_link_params *p);

/* Who gets the packets a direction delivers (takes ownership of pkt). */
typedef void (*sim_link_rx_fn)(void *ctx, struct sim_pkt *pkt);

struct sim_link_rec {
	sim_time start, finish;
	uint32_t bytes;
};

/* One direction. Fields are read-only outside link.c. */
struct sim_link_half {
	struct sim_link *link;
	enum sim_link_dir dir;
	struct sim_link_params p;
	struct sim_rng loss_rng, jitter_rng;
	bool ge_bad;
	sim_time busy_until;   /* the transmitter is free from then on */
	sim_time last_arrival; /* of the latest accepted packet (for the no-reorder rule) */
	struct sim_link_rec *fifo; /* ring of packets not yet fully transmitted */
	uint32_t fifo_cap, fifo_head, fifo_len;
	uint64_t fifo_bytes;
	uint64_t in_flight;    /* accepted, not lost, not yet arrived */
	sim_link_rx_fn rx;
	void *rx_ctx;
	GArray *taps, *drop_taps; /* struct sim_tap */
	uint64_t *c_tx_packets, *c_tx_bytes, *c_rx_packets, *c_rx_bytes;
	uint64_t *c_drop_queue, *c_drop_loss, *c_drop_down, *c_drop_mtu;
};

struct sim_link {
	struct sim_net *net;
	char *name;
	uint32_t index; /* creation order */
	bool up;
	uint64_t epoch; /* bumped when the link goes down */
	struct sim_link_half half[2];
	struct sim_iface *end[2]; /* attached interfaces (A, B), NULL if none */
};

/* A new link called name (unique in the net, asserted), up, with the given parameters for A->B
 * and B->A (b2a NULL: the same as a2b). Nothing is attached: see sim_net_attach, or
 * sim_link_set_receiver for a bare link. */
struct sim_link *sim_link_new(struct sim_net *net, const char *name, const struct sim_link_params *a2b,
			      const struct sim_link_params *b2a);

/* Frees a link (internal: sim_net_destroy calls it). */
void sim_link_free_(struct sim_link *link);

/* "a2b" or "b2a". */
const char *sim_link_dir_name(enum sim_link_dir dir);

/* Sets who receives what direction dir delivers (the far end's receiver). */
void sim_link_set_receiver(struct sim_link *link, enum sim_link_dir dir, sim_link_rx_fn fn, void *ctx);

/* Sends pkt (data at the IPv4 header) in direction dir at the current time. Returns SIM_OK when
 * it was accepted for transmission (it may still be lost: that is not the sender's to know), or
 * SIM_DROP_DOWN, SIM_DROP_MTU, SIM_DROP_QUEUE (counted). Takes pkt. */
enum sim_drop sim_link_send(struct sim_link *link, enum sim_link_dir dir, struct sim_pkt *pkt);

/* Brings the link up or down now (see "Down" above). Setting the current state does nothing. */
void sim_link_set_up(struct sim_link *link, bool up);

/* Calls sim_link_set_up(link, up) at time t (>= now). The event can be cancelled. */
sim_event_id sim_link_schedule_state(struct sim_link *link, sim_time t, bool up);

static inline bool sim_link_is_up(const struct sim_link *link) { return link->up; }

/* Adds a tap that sees packets arriving at the end of direction dir. */
void sim_link_add_tap(struct sim_link *link, enum sim_link_dir dir, sim_tap_fn fn, void *ctx);

/* Adds a tap that sees packets dropped in direction dir (see "Taps" above). */
void sim_link_add_drop_tap(struct sim_link *link, enum sim_link_dir dir, sim_tap_fn fn, void *ctx);

/* Bytes waiting for the transmitter of direction dir now (not counting the one in transmission). */
uint64_t sim_link_queue_bytes(struct sim_link *link, enum sim_link_dir dir);

/* The parameters of direction dir. Changing them takes effect for packets sent afterwards. */
static inline struct sim_link_params *sim_link_params(struct sim_link *link, enum sim_link_dir dir)
{
	return &link->half[dir].p;
}

/* Creates an interface on a (addr_a/plen) and on b (addr_b/plen), MTU from the link's direction
 * they send on, and a link called name between them: a is end A. Returns the link. */
struct sim_link *sim_net_connect(struct sim_net *net, const char *name, struct sim_node *a, uint32_t addr_a,
				 struct sim_node *b, uint32_t addr_b, unsigned plen, const struct sim_link_params *a2b,
				 const struct sim_link_params *b2a);

#endif
