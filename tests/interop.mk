# tests/interop.mk: `vpnsim live` against itself and against strongSwan's charon 5.9 in network
# namespaces (tests/interop/*.sh: they skip with 77 unless root), and the live configuration
# checked against the simulation's (tests/interop/test_live, also two live nodes over loopback).
check_PROGRAMS += tests/interop/test_live
tests_interop_test_live_SOURCES = tests/interop/test_live.c scenarios/cmd_live.c models/live.h models/live.c
tests_interop_test_live_CPPFLAGS = $(AM_CPPFLAGS) -DLIVE_DATA_DIR='"$(abs_top_srcdir)/tests/interop"' \
	-DSCENARIO_DIR='"$(abs_top_srcdir)/scenarios"'
tests_interop_test_live_CFLAGS = $(TEST_CFLAGS) $(CRYPTO_CFLAGS)
tests_interop_test_live_LDADD = $(RUN_LIBS) $(CUNIT_LIBS)

INTEROP_TESTS = tests/interop/test_live_pair.sh tests/interop/test_live_charon.sh \
	tests/interop/test_live_rekey.sh tests/interop/test_live_failures.sh tests/interop/test_live_dpd.sh
TESTS += tests/interop/test_live $(INTEROP_TESTS)
EXTRA_DIST += $(INTEROP_TESTS) tests/interop/lib.sh tests/interop/gateway.ini tests/interop/device.ini
