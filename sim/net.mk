# sim/net.mk: the network substrate: IPv4/UDP codec, nodes and routing, links, the demo.
sim_libsim_a_SOURCES += \
	sim/ipv4.h sim/ipv4.c \
	sim/tcp.h sim/tcp.c \
	sim/net.h sim/net.c \
	sim/link.h sim/link.c \
	sim/netdemo.h sim/netdemo.c
