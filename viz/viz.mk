# viz/viz.mk: pictures: topology diagrams (Graphviz cgraph + gvc) and plots (gnuplot, run as a
# program). Reads the scenario description and the run's results only, never a model.
noinst_LIBRARIES += viz/libviz.a
viz_libviz_a_SOURCES = \
	viz/topology.h viz/topology.c \
	viz/plot.h viz/plot.c
viz_libviz_a_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(GRAPHVIZ_CFLAGS)
VIZ_LIBS = viz/libviz.a $(GRAPHVIZ_LIBS) $(SIM_LIBS)
include viz/html.mk
