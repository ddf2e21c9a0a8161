# scenarios/live.mk: vpnsim live (real UDP sockets, wall clock): the verb and the live node
# (models/live.c: the IKE engine, user-space ESP and an ICMP responder on a GLib main context).
vpnsim_SOURCES += scenarios/cmd_live.c models/live.h models/live.c
vpnsim_CFLAGS += $(CRYPTO_CFLAGS)
