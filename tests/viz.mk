# tests/viz.mk: topology diagrams (every seed topology, with and without a run overlay, and every
# example scenario file) and gnuplot plots (gnuplot-nox; its SVG/PNG checks are skipped with a
# note when it is missing).
check_PROGRAMS += tests/test_viz
TESTS += tests/test_viz
tests_test_viz_SOURCES = tests/test_viz.c
tests_test_viz_CPPFLAGS = $(AM_CPPFLAGS) -DSCENARIO_EXAMPLES_DIR='"$(abs_top_srcdir)/scenarios"'
tests_test_viz_CFLAGS = $(TEST_CFLAGS) $(GRAPHVIZ_CFLAGS)
tests_test_viz_LDADD = $(VIZ_LIBS) $(SCENARIO_LIBS) $(CUNIT_LIBS)

# test_draw.sh: `vpnsim draw` (formats, bad extension, --at before and after a fault).
TESTS += tests/test_draw.sh
EXTRA_DIST += tests/test_draw.sh

# Graphviz 2.42 leaks inside dot's layout of clusters: check-valgrind (Makefile.am) passes
# tests/graphviz.supp to valgrind.
EXTRA_DIST += tests/graphviz.supp
