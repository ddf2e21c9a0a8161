# The vpnsim program (the scenario layer joins here as it lands).
include scenarios/scenarios.mk
bin_PROGRAMS += vpnsim
vpnsim_SOURCES = scenarios/vpnsim.c
vpnsim_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
vpnsim_LDADD = $(SCENARIO_LIBS)
