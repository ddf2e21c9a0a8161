# tests/scenarios.mk: the scenario front end: units, reader, parser, validation, check, mutations
# (the fuzz target fuzz/fuzz_scenario.c linked with the suite's own driver).
check_PROGRAMS += tests/test_scenario
TESTS += tests/test_scenario
tests_test_scenario_SOURCES = tests/test_scenario.c fuzz/fuzz_scenario.c
tests_test_scenario_CPPFLAGS = $(AM_CPPFLAGS) -DSCENARIO_DATA_DIR='"$(abs_top_srcdir)/tests/scenario-data"'
tests_test_scenario_CFLAGS = $(TEST_CFLAGS)
tests_test_scenario_LDADD = $(SCENARIO_LIBS) $(CUNIT_LIBS)
EXTRA_DIST += tests/scenario-data
