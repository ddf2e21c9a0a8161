/* traffic.h: traffic sources (CBR, Poisson, on/off, bulk UDP flows) and the sinks that measure
 * what arrives: throughput over time, loss, one-way delay percentiles, and delivery gaps (the
 * outage a flow sees when a tunnel fails).
 *
 * Each packet carries its own measurement header in the UDP payload (magic, flow id, sequence,
 * origin time), so it survives encapsulation, encryption and decapsulation unchanged: the sink
 * measures the packet that really arrived. Randomness per flow comes from the stream
 * "flow/<name>", so adding a flow changes no other draw.
 *
 * A flow with cfg.tcp carries the same header in TCP segments instead: the source opens with a
 * SYN carrying its MSS (pkt_bytes - 40), retransmitted after 1, 2, 4, ... s (at most 64 s,
 * RFC 6298's initial RTO) until the sink's SYN-ACK (MSS 1460) arrives, then sends segments of
 * min(both MSS) + 40 bytes at its rate. A device on the way may clamp either MSS
 * (sim_tcp_clamp_mss), which is how the segment size follows a clamp. What is TCP-like and no
 * more: no ACKs of data, no retransmission of data, no congestion control (the rate is the
 * flow's), so loss and outage read as for UDP flows. */
#ifndef MODELS_TRAFFIC_H
#define MODELS_TRAFFIC_H

#include <glib.h>
#include <stdint.h>

#include "sim/net.h"
#include "sim/rng.h"

#define TRAFFIC_HDR_LEN 24u                       /* magic, flow id, sequence, origin time */
#define TRAFFIC_MIN_PKT (20u + 8u + TRAFFIC_HDR_LEN) /* IPv4 + UDP + measurement header */
#define TRAFFIC_MIN_TCP_PKT (20u + 20u + TRAFFIC_HDR_LEN) /* IPv4 + TCP + measurement header */
#define TRAFFIC_SINK_MSS 1460u                    /* what a sink announces (Ethernet's 1500 - 40) */
#define TRAFFIC_DELAY_SUBBUCKETS 32u              /* per power of two: about 3 % resolution */
#define TRAFFIC_DELAY_OCTAVES 44u                 /* delays up to 2^44 ns (about 4.9 hours) */

enum traffic_kind {
	TRAFFIC_CBR,     /* one packet every pkt_bytes*8/rate_bps */
	TRAFFIC_POISSON, /* exponential gaps with that mean */
	TRAFFIC_ONOFF,   /* CBR during exponential on periods, silent during exponential off periods */
	TRAFFIC_BULK,    /* back to back at the rate of the source's first-hop link: takes what it is given */
};

struct traffic_flow_cfg {
	const char *name;
	enum traffic_kind kind;
	struct sim_node *src;
	struct sim_node *dst;
	uint32_t dst_addr;    /* 0: the destination node's first address */
	/* When set, asked before every packet for the destination address (an address that comes
	 * and goes, like a P2S client's virtual IP); 0: nowhere to send now, the packet counts as
	 * sent and refused (so as lost). */
	uint32_t (*dst_addr_fn)(void *ctx);
	void *dst_addr_ctx;
	uint16_t sport, dport;
	uint32_t pkt_bytes;   /* whole IPv4 packet, >= TRAFFIC_MIN_PKT */
	uint64_t rate_bps;    /* CBR, Poisson (mean), on/off (while on); ignored for bulk */
	sim_time on_mean_ns;  /* on/off only */
	sim_time off_mean_ns;
	sim_time start_ns;
	sim_time stop_ns;     /* the source sends nothing at or after this time */
	sim_time bin_ns;      /* throughput series bin (0: 100 ms) */
	bool tcp;             /* TCP-like segments after a handshake (see above); pkt_bytes >= TRAFFIC_MIN_TCP_PKT */
	sim_time gap_min_ns;  /* delivery gaps at least this long are recorded (0: 50 ms) */
};

/* A delivery gap: no packet of the flow arrived in (from, to). */
struct traffic_gap {
	sim_time from, to;
};

struct traffic_flow {
	struct traffic *tr;
	struct traffic_flow_cfg cfg; /* name points to name below */
	char *name;
	uint32_t id;          /* 1, 2, ... in creation order */
	uint32_t dst_addr;
	struct sim_rng rng;
	sim_time interval_ns; /* mean gap between packets while sending */
	bool on;
	sim_time phase_end;   /* on/off: when the current period ends */
	uint64_t next_seq;
	/* TCP-like transport (cfg.tcp) */
	bool tcp_open;        /* the SYN-ACK arrived: data flows */
	uint32_t tcp_seq;     /* the next data byte's sequence number */
	uint32_t tcp_ack;     /* the sink's ISN + 1 */
	sim_time syn_rto_ns;  /* the next SYN retransmission's wait */
	uint32_t seg_bytes;   /* IP size of the data segments (pkt_bytes until the MSS is known) */
	uint64_t *c_syn_sent, *c_tcp_mss; /* c_tcp_mss: the MSS in use (0 before the handshake) */
	/* source side */
	uint64_t *c_tx_packets, *c_tx_bytes, *c_tx_refused;
	/* sink side */
	uint64_t *c_rx_packets, *c_rx_bytes, *c_rx_duplicate, *c_rx_reordered;
	uint64_t highest_seq_plus1; /* 0: nothing received yet */
	sim_time first_rx, last_rx;
	GArray *gaps;            /* struct traffic_gap, in time order */
	struct traffic_gap longest;
	struct sim_series *rx_bytes_series;
	GArray *tx_by_bin, *rx_by_bin; /* uint32_t packets sent / received by send-time bin (cfg.bin_ns) */
	uint32_t *delay_hist;    /* TRAFFIC_DELAY_OCTAVES * TRAFFIC_DELAY_SUBBUCKETS counts */
	sim_time delay_min, delay_max;
	long double delay_sum;
};

GQuark traffic_error_quark(void);
#define TRAFFIC_ERROR (traffic_error_quark())

/* All flows of one net, and their sinks (one UDP handler per destination node and port). */
struct traffic {
	struct sim_net *net;
	GPtrArray *flows;  /* struct traffic_flow *, owned */
	GHashTable *sinks; /* (node index << 16 | port) -> registered, to bind each port once */
	uint64_t *c_rx_foreign; /* datagrams at a sink port that are not ours (counted, dropped) */
};

void traffic_init(struct traffic *tr, struct sim_net *net);
void traffic_destroy(struct traffic *tr);

/* Adds a flow and schedules its first packet at cfg->start_ns. Returns NULL with err set when the
 * configuration is wrong (packet too small, zero rate, stop before start, bad on/off periods,
 * a destination without address). */
struct traffic_flow *traffic_add_flow(struct traffic *tr, const struct traffic_flow_cfg *cfg, GError **err);

/* The flow called name, or NULL. */
struct traffic_flow *traffic_flow_by_name(const struct traffic *tr, const char *name);

/* Delay quantile q in [0, 1] of the packets received (the upper edge of its histogram bucket,
 * within about 3 %); 0 when nothing arrived. */
sim_time traffic_delay_quantile(const struct traffic_flow *f, double q);

/* Mean one-way delay of the packets received (0 when none). */
sim_time traffic_delay_mean(const struct traffic_flow *f);

/* Packets sent and not received, as a fraction of those sent (0 when nothing was sent). Packets
 * still in flight at the end count as lost: stop sources a little before the end of a run. */
double traffic_loss_ratio(const struct traffic_flow *f);

/* Packets sent in [from, to) and not received by now, as a fraction of those sent in it (0 when
 * none was sent). The window is widened to whole bins of cfg.bin_ns. */
double traffic_loss_ratio_sent(const struct traffic_flow *f, sim_time from, sim_time to);

/* The longest time without a delivery inside [from, to), up to `now` and to when the source
 * stopped: the delivery gaps of at least cfg.gap_min_ns (the wait for the first packet and a
 * gap still open at the end included), clipped to the window; 0 when there is none. */
sim_time traffic_longest_gap_within(const struct traffic_flow *f, sim_time from, sim_time to, sim_time now);

/* The outage a fault at time t caused, as the flow saw it: the longest gap between deliveries
 * that contains t or starts at most slack_ns after it (packets already in flight when the fault
 * hit still arrive), counting the wait from the flow's start to its first delivery. With t < 0,
 * the longest gap of all. false when there is none at least cfg.gap_min_ns long. The end of the
 * run closes a gap still open (up to `now`, or when the source stopped). */
gboolean traffic_gap_spanning(const struct traffic_flow *f, sim_time t, sim_time slack_ns, sim_time now,
			      struct traffic_gap *out);

/* Mean received throughput in bit/s over [from, to), from the binned series. */
double traffic_rx_bps(const struct traffic_flow *f, sim_time from, sim_time to);

/* Jain's fairness index of n values: (sum x)^2 / (n * sum x^2), 1 when all are equal, 1/n when
 * one takes everything; 1 for n == 0 or all zero. */
double traffic_jain(const double *x, size_t n);

#endif
