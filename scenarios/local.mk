# The vpnsim program (the scenario layer joins here as it lands).
include scenarios/scenarios.mk
bin_PROGRAMS += vpnsim
vpnsim_SOURCES = scenarios/vpnsim.c
vpnsim_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
vpnsim_LDADD = scenarios/librun.a $(VIZ_LIBS) $(SCENARIO_LIBS) $(JSONGLIB_LIBS)

# Building and running scenarios, and their reports.
noinst_LIBRARIES += scenarios/librun.a
scenarios_librun_a_SOURCES = \
	scenarios/build.h scenarios/build.c \
	scenarios/report.h scenarios/report.c \
	scenarios/history.h scenarios/history.c \
	scenarios/cmd_run.c scenarios/cmd_draw.c scenarios/cmd_compare.c
scenarios_librun_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(JSONGLIB_CFLAGS) $(CRYPTO_CFLAGS) $(GRAPHVIZ_CFLAGS)
RUN_LIBS = scenarios/librun.a $(VIZ_LIBS) $(SCENARIO_LIBS) $(JSONGLIB_LIBS)
include scenarios/live.mk
