# sim/: the engine (GLib only). Fragments of other parts of sim/ add to libsim_a_SOURCES.
noinst_LIBRARIES += sim/libsim.a
sim_libsim_a_SOURCES = \
	sim/time.h \
	sim/pes.h sim/pes.c \
	sim/sim.h sim/sim.c \
	sim/rng.h sim/rng.c \
	sim/pkt.h sim/pkt.c \
	sim/stats.h sim/stats.c \
	sim/pcap.h sim/pcap.c \
	sim/log.h sim/log.c
sim_libsim_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
SIM_LIBS = sim/libsim.a $(GLIB_LIBS) -lm

include sim/net.mk
