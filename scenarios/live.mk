# scenarios/live.mk: vpnsim live (real UDP sockets, wall clock).
